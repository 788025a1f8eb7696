//! The JSON API of enterprise requests (诉求): raise one, take a step on one, list them (with
//! `status=overdue`). Each handler builds the `workflow::requests` command and calls it.

use crate::auth::ApiUser;
use crate::claim::caller;
use crate::error::ApiError;
use crate::json::{default_region, parse_id, ApiJson, ApiQuery};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::requests::{FirmRef, RaiseRequest, RequestView, Transition};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequestBody {
    pub region: Option<String>,
    /// The firm's unified social credit code.
    pub uscc: String,
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    pub action: String,
    #[serde(default)]
    pub note: String,
    pub rating: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub region: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub department: Option<i64>,
    pub town: Option<i64>,
}

/// A request as the API answers it.
pub(crate) fn request_json(v: &RequestView) -> Value {
    let r = &v.row;
    json!({
        "id": r.id,
        "uscc": r.uscc,
        "enterprise": r.enterprise_name,
        "town": r.town_name,
        "category": domain::Coded::as_code(r.category.0),
        "title": r.title,
        "description": r.description,
        "department": r.department_name,
        "state": domain::Coded::as_code(r.state.0),
        "channel": domain::Coded::as_code(r.channel.0),
        "submitted_on": r.submitted_on,
        "accept_due": r.accept_due,
        "answer_due": r.answer_due,
        "resolve_due": r.resolve_due,
        "accepted_on": r.accepted_on,
        "answered_on": r.answered_on,
        "resolved_on": r.resolved_on,
        "confirmed_on": r.confirmed_on,
        "extension": domain::Coded::as_code(r.extension.0),
        "reopen_count": r.reopen_count,
        "rating": r.rating.map(|x| domain::Coded::as_code(x.0)),
        "overdue": v.late.is_some(),
        "late_step": v.late.map(|(s, _)| s),
        "days_late": v.days_late,
    })
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewRequestBody>,
) -> Result<Response, ApiError> {
    let region = default_region(&state, &user, body.region).await?;
    let actor = user.actor();
    let id = workflow::requests::raise(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &RaiseRequest {
            region,
            firm: FirmRef::Uscc(body.uscc),
            category: body.category,
            title: body.title,
            description: body.description,
        },
    )
    .await?;
    let d = workflow::requests::detail(&state.store, &user.principal, id).await?;
    Ok((StatusCode::CREATED, Json(request_json(&d.view))).into_response())
}

pub async fn transition(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "诉求")?;
    let actor = user.actor();
    workflow::requests::transition(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        id,
        &Transition {
            action: body.action,
            note: body.note,
            rating: body.rating,
        },
    )
    .await?;
    let d = workflow::requests::detail(&state.store, &user.principal, id).await?;
    Ok(Json(request_json(&d.view)))
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    for (key, label, value) in [
        ("department", "部门", q.department),
        ("town", "镇街", q.town),
    ] {
        if value.is_some_and(|v| v < 1) {
            return Err(
                crate::error::AppError::bad_field(key, format!("{label}编号应为正整数")).into(),
            );
        }
    }
    let rows = workflow::requests::list(
        &state.store,
        &user.principal,
        &workflow::requests::ListQuery {
            region,
            status: q.status,
            category: q.category,
            department_id: q.department,
            town_id: q.town,
            enterprise_id: None,
        },
    )
    .await?;
    Ok(Json(
        json!({ "requests": rows.iter().map(request_json).collect::<Vec<_>>() }),
    ))
}
