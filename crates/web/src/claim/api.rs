//! The JSON API of 领任务: shortfalls, remedies, tasks, claims and progress reports. Each
//! handler deserialises its body into the `workflow::claim` command and calls the use case.

use super::{caller, require_office};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::json::check_code;
use crate::json::default_region;
use crate::json::integral;
use crate::json::parse_id;
use crate::json::parse_period;
use crate::json::stored_state_conflict;
use crate::json::ApiJson;
use crate::json::ApiQuery;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::claim::{CreateTask, MilestoneInput, OpenShortfall, Ref, ReportProgress};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShortfallBody {
    pub region: Option<String>,
    pub period: String,
    pub indicator: String,
    pub analysis: String,
    #[serde(default)]
    pub tracks: Vec<String>,
    #[serde(default)]
    pub towns: Vec<String>,
    /// USCCs of the firms that pulled the indicator down, attached to the shortfall.
    #[serde(default)]
    pub enterprises: Vec<String>,
}

/// 409 for a second open shortfall: the problem names the first and carries its id.
fn duplicate_problem(e: &workflow::Error, existing_id: i64) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": format!("{e}：/shortfalls/{existing_id}"),
        "existing_id": existing_id,
    });
    (
        StatusCode::CONFLICT,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn create_shortfall(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewShortfallBody>,
) -> Result<Response, ApiError> {
    require_office(&user)?;
    let period = parse_period(&body.period, "period")?;
    let indicator = check_code(&body.indicator, "indicator")?;
    let region = default_region(&state, &user, body.region).await?;
    let cmd = OpenShortfall {
        region,
        period,
        indicator,
        analysis: body.analysis,
        tracks: body.tracks.into_iter().map(Ref::Code).collect(),
        towns: body.towns.into_iter().map(Ref::Code).collect(),
        enterprises: body.enterprises,
    };
    let actor = user.actor();
    let id = match workflow::claim::open_shortfall(
        &state.store,
        &state.config.rules.warning_rules,
        caller(&user, &actor),
        &cmd,
    )
    .await
    {
        Ok(id) => id,
        Err(e @ workflow::Error::DuplicateShortfall { existing_id, .. }) => {
            return Ok(duplicate_problem(&e, existing_id))
        }
        Err(workflow::Error::UnknownIndicator(k)) => {
            return Err(AppError::NotFound(format!("{period} 分析中的指标“{k}”")).into())
        }
        Err(other) => return Err(stored_state_conflict(AppError::from(other)).into()),
    };
    let (shortfall, _) = state
        .store
        .shortfall(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("短板 {id}")))?;
    Ok((StatusCode::CREATED, Json(json!(shortfall))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ShortfallsQuery {
    pub region: Option<String>,
}

/// Every shortfall of the region, newest first, with the tasks the caller may read.
pub async fn shortfalls(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ShortfallsQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    let list = workflow::claim::list_shortfalls(&state.store, &user.principal, &region).await?;
    Ok(Json(json!({ "shortfalls": list })))
}

#[derive(Debug, Default, Deserialize)]
pub struct RemedyQuery {
    pub region: Option<String>,
    pub q: Option<String>,
    pub indicator: Option<String>,
}

pub async fn remedies(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<RemedyQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    let list = workflow::claim::remedies(
        &state.store,
        &workflow::claim::RemedyQuery {
            region,
            q: q.q,
            indicator: q.indicator,
        },
    )
    .await?;
    Ok(Json(json!({ "remedies": list })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTaskBody {
    pub region: Option<String>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub shortfall_id: Option<i64>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub remedy_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub route: String,
    pub track: Option<String>,
    pub town: Option<String>,
    pub owner_department: Option<String>,
    #[serde(default)]
    pub co_departments: Vec<String>,
    pub deadline: String,
    pub expected_pp: Option<f64>,
    #[serde(default)]
    pub milestones: Vec<MilestoneInput>,
}

impl NewTaskBody {
    /// The command, field for field; tracks, towns and departments are named by code.
    fn into_command(self, region: String) -> CreateTask {
        CreateTask {
            region,
            shortfall_id: self.shortfall_id,
            remedy_id: self.remedy_id,
            title: self.title,
            description: self.description,
            route: self.route,
            track: self.track.map(Ref::Code),
            town: self.town.map(Ref::Code),
            owner_department: self.owner_department.map(Ref::Code),
            co_departments: self.co_departments.into_iter().map(Ref::Code).collect(),
            deadline: self.deadline,
            expected_pp: self.expected_pp,
            milestones: self.milestones,
        }
    }
}

pub async fn create_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewTaskBody>,
) -> Result<Response, ApiError> {
    require_office(&user)?;
    for (field, code) in [
        ("track", &body.track),
        ("town", &body.town),
        ("owner_department", &body.owner_department),
    ] {
        if let Some(c) = code {
            check_code(c, field)?;
        }
    }
    for c in &body.co_departments {
        check_code(c, "co_departments")?;
    }
    let region = default_region(&state, &user, body.region.clone()).await?;
    let actor = user.actor();
    let id = workflow::claim::create_task(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &body.into_command(region),
    )
    .await
    .map_err(|e| stored_state_conflict(e.into()))?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

pub async fn task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    super::sweep(&state).await?;
    let d = super::load_task(&state, &user, id).await?;
    Ok(Json(json!(d)))
}

pub async fn claim_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let actor = user.actor();
    match workflow::claim::claim_task(&state.store, caller(&user, &actor), id).await? {
        store::claim::ClaimOutcome::Claimed => Ok(Json(json!({"id": id, "outcome": "claimed"}))),
        store::claim::ClaimOutcome::HeldBy { name } => {
            Err(AppError::Conflict(format!("该任务已由{name}认领")).into())
        }
        store::claim::ClaimOutcome::Closed { state: s } => {
            Err(AppError::Conflict(format!("该任务{s}，不能认领")).into())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub body: String,
}

pub async fn task_progress(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ProgressBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "任务")?;
    let actor = user.actor();
    let pid = workflow::claim::report_progress(
        &state.store,
        caller(&user, &actor),
        ReportProgress {
            task_id: id,
            body: body.body,
            attachments: vec![],
        },
    )
    .await
    .map_err(|e| stored_state_conflict(e.into()))?;
    Ok((StatusCode::CREATED, Json(json!({"id": pid, "task_id": id}))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    pub region: Option<String>,
    pub status: Option<String>,
}

pub async fn tasks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> Result<Json<Value>, ApiError> {
    super::sweep(&state).await?;
    let region = default_region(&state, &user, q.region).await?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            domain::TaskState::parse(s)
                .filter(|t| t.code() == s)
                .ok_or_else(|| {
                    AppError::bad_field(
                        "status",
                        format!(
                    "状态“{s}”无效：应为 open、claimed、in_progress、done、overdue 或 cancelled"
                ),
                    )
                })?,
        ),
    };
    let list = workflow::claim::tasks(&state.store, &user.principal, &region, status).await?;
    Ok(Json(json!({ "tasks": list })))
}
