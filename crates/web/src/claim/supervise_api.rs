//! The JSON API of supervision (督办) under `/api/v1/tasks/{id}/…`: the history, 催办, 改派,
//! 延期 (request and decision), 批示, 办结 (multipart, with 佐证 files and `confirm`), 验收, 退回
//! and 撤销 (with `"confirm": true`). Each handler builds the same `workflow::claim` command as
//! the task page.

use super::{caller, read_multipart, task_move};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::json::{check_code, parse_id, stored_state_conflict, ApiJson};
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::claim::{Ref, TaskAction, TaskMove};

async fn run(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
    mv: TaskMove,
) -> Result<Json<Value>, ApiError> {
    let actor = user.actor();
    workflow::claim::supervise(&state.store, caller(user, &actor), id, &mv)
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
    let s = workflow::claim::task_supervision(&state.store, &user.principal, id).await?;
    let d = super::load_task(state, user, id).await?;
    Ok(Json(
        json!({"id": id, "state": d.task.state, "deadline": d.task.deadline, "urge_count": d.task.urge_count, "supervision": s}),
    ))
}

/// The supervision history of a task.
pub async fn history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let s = workflow::claim::task_supervision(&state.store, &user.principal, id).await?;
    Ok(Json(json!(s)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgeBody {
    #[serde(default)]
    pub note: String,
}

pub async fn urge(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<UrgeBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    run(&state, &user, id, TaskMove::Urge { note: body.note }).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    /// A leader's person id.
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub leader: Option<i64>,
    /// A department's code.
    pub department: Option<String>,
    pub reason: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ReassignBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let department = match body.department {
        Some(c) => Some(Ref::Code(check_code(&c, "department")?)),
        None => None,
    };
    run(
        &state,
        &user,
        id,
        TaskMove::Reassign {
            leader: body.leader,
            department,
            reason: body.reason,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    pub deadline: String,
    pub reason: String,
}

pub async fn request_extension(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ExtensionBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let out = run(
        &state,
        &user,
        id,
        TaskMove::RequestExtension {
            deadline: body.deadline,
            reason: body.reason,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, out).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

pub async fn decide_extension(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, raw_ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let extension_id = parse_id(&raw_ext, "延期申请")?;
    run(
        &state,
        &user,
        id,
        TaskMove::DecideExtension {
            extension_id,
            approve: body.approve,
            note: body.note,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionBody {
    pub body: String,
}

pub async fn instruct(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<InstructionBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let out = run(&state, &user, id, TaskMove::Instruct { body: body.body }).await?;
    Ok((StatusCode::CREATED, out).into_response())
}

/// 办结 as `multipart/form-data`: `outcome`, optional `realised_pp`, `confirm=true` and at
/// least one file in `files`.
pub async fn complete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let Ok(multipart) = multipart else {
        return Ok(crate::error::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "办结须以 multipart/form-data 提交（outcome、realised_pp、confirm 与 files）".into(),
            None,
        ));
    };
    let (fields, files) = read_multipart(multipart).await?;
    let mv =
        task_move("complete", &fields, files)?.ok_or_else(|| AppError::NotFound("操作".into()))?;
    Ok(run(&state, &user, id, mv).await?.into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    run(&state, &user, id, TaskMove::Accept).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

pub async fn return_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    run(
        &state,
        &user,
        id,
        TaskMove::Return {
            reason: body.reason,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: String,
    /// Must be `true`: 撤销 cannot be undone.
    #[serde(default)]
    pub confirm: bool,
}

pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let actor = user.actor();
    workflow::claim::act_on_task(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        id,
        &TaskAction::Cancel {
            reason: body.reason,
            confirmed: body.confirm,
        },
    )
    .await
    .map_err(|e| stored_state_conflict(e.into()))?;
    Ok(Json(json!({"id": id, "state": "cancelled"})))
}
