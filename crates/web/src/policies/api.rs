//! The JSON API of policies (惠企政策): list, one policy, its eligible firms (paged, within the
//! caller's read scope of the registry), and create. Each handler builds the
//! `workflow::policies` command and calls it.

use crate::auth::ApiUser;
use crate::claim::caller;
use crate::error::{ApiError, AppError};
use crate::json::{default_region, parse_id, ApiJson, ApiQuery};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::policy::Conditions;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::claim::Ref;
use workflow::policies::{ConditionSource, Draft, PolicyView};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub region: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibleQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPolicyBody {
    pub region: Option<String>,
    pub title: String,
    pub issuer: String,
    /// The owning department's code (the office's choice).
    pub department: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub benefit: String,
    pub amount_wan: Option<f64>,
    #[serde(default)]
    pub conditions: Conditions,
}

fn policy_json(v: &PolicyView) -> Value {
    let p = &v.policy;
    json!({
        "id": p.id,
        "region": p.region_code,
        "title": p.title,
        "issuer": p.issuer,
        "department": p.department_name,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "in_force": v.in_force,
        "benefit": p.benefit,
        "amount_wan": p.amount_wan,
        "conditions": p.conditions,
        "conditions_text": v.conditions.iter().map(|c| json!({ "label": c.label, "text": c.text })).collect::<Vec<_>>(),
        "pushes": v.pushes,
        "cashed": v.cashed,
        "cashed_wan": v.cashed_wan,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    let rows = workflow::policies::list(&state.store, &region)
        .await
        .map_err(AppError::from)?;
    Ok(Json(
        json!({ "policies": rows.iter().map(policy_json).collect::<Vec<_>>() }),
    ))
}

pub async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "政策")?;
    let d = workflow::policies::detail(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    let mut body = policy_json(&d.view);
    body["push_list"] = json!(d
        .pushes
        .iter()
        .map(|x| json!({
            "id": x.push.id,
            "uscc": x.push.uscc,
            "enterprise": x.push.enterprise_name,
            "pushed_on": x.push.pushed_on,
            "pushed_by": x.push.pushed_by_name,
            "cashed_amount_wan": x.push.cashed_amount_wan,
            "cashed_on": x.push.cashed_on,
        }))
        .collect::<Vec<_>>());
    Ok(Json(body))
}

pub async fn eligible(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<EligibleQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "政策")?;
    if q.page.is_some_and(|p| !(1..=1_000_000).contains(&p)) {
        return Err(AppError::bad_field("page", "页码应为 1 至 1,000,000 的整数").into());
    }
    if q.per_page
        .is_some_and(|p| !(1..=workflow::policies::MAX_PER_PAGE).contains(&p))
    {
        return Err(AppError::bad_field("per_page", "每页条数应为 1 至 500 的整数").into());
    }
    let page = workflow::policies::eligible(
        &state.store,
        &user.principal,
        id,
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(0),
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!({
        "policy": id,
        "enterprises": page.firms.iter().map(|f| json!({
            "uscc": f.uscc,
            "name": f.name,
            "town": f.town_name,
            "reasons": f.reasons,
            "pushed": f.pushed,
        })).collect::<Vec<_>>(),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "has_more": page.has_more,
    })))
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewPolicyBody>,
) -> Result<Response, ApiError> {
    let region = default_region(&state, &user, body.region).await?;
    let actor = user.actor();
    let id = workflow::policies::create(
        &state.store,
        caller(&user, &actor),
        &Draft {
            region,
            title: body.title,
            issuer: body.issuer,
            department: body.department.map(Ref::Code),
            valid_from: body.valid_from,
            valid_to: body.valid_to.unwrap_or_default(),
            benefit: body.benefit,
            amount_wan: body.amount_wan.map(|a| a.to_string()).unwrap_or_default(),
            conditions: ConditionSource::Typed(body.conditions),
        },
    )
    .await
    .map_err(AppError::from)?;
    let d = workflow::policies::detail(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    Ok((StatusCode::CREATED, Json(policy_json(&d.view))).into_response())
}
