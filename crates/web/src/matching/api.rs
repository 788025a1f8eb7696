//! The JSON API of supply–demand matching: a firm's needs with their suggested local suppliers,
//! recording an introduction (对接) and its deal (成交额), and the needs no local firm supplies
//! by industry class.

use crate::auth::ApiUser;
use crate::claim::caller;
use crate::error::{ApiError, AppError};
use crate::json::{default_region, parse_id, ApiJson, ApiQuery};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::matching::FirmRef;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    pub region: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntroductionBody {
    /// The need's id.
    pub need: i64,
    /// The supplier's USCC.
    pub supplier: String,
    pub note: Option<String>,
}

/// An amount written as a number or as text ("12.5", "12.5万元").
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Number(serde_json::Number),
    Text(String),
}

impl Amount {
    fn text(&self) -> String {
        match self {
            Amount::Number(n) => n.to_string(),
            Amount::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealBody {
    /// 万元 unless a unit is written.
    pub amount_wan: Amount,
    pub deal_on: String,
}

/// `GET /api/v1/enterprises/{uscc}/needs`
pub async fn firm_needs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = workflow::matching::for_firm(&state.store, &user.principal, &uscc)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!({
        "uscc": uscc.trim(),
        "products": m.products,
        "needs": m.needs,
    })))
}

/// `POST /api/v1/matching/introductions`: 201 when recorded, 200 when the same introduction
/// was recorded before (it is returned, not repeated).
pub async fn introduce(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<IntroductionBody>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let (id, created) = workflow::matching::introduce(
        &state.store,
        caller(&user, &actor),
        body.need,
        &FirmRef::Uscc(body.supplier),
        body.note.as_deref().unwrap_or(""),
    )
    .await
    .map_err(AppError::from)?;
    let view = workflow::matching::introduction(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({ "created": created, "introduction": view })),
    )
        .into_response())
}

/// `POST /api/v1/matching/introductions/{id}/deal`
pub async fn deal(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<DealBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "对接")?;
    let actor = user.actor();
    workflow::matching::record_deal(
        &state.store,
        caller(&user, &actor),
        id,
        &body.amount_wan.text(),
        &body.deal_on,
    )
    .await
    .map_err(AppError::from)?;
    let view = workflow::matching::introduction(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!({ "introduction": view })))
}

/// `GET /api/v1/matching/unmatched`
pub async fn unmatched(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<RegionQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    let classes = workflow::matching::unmatched_by_class(&state.store, &user.principal, &region)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!({ "region": region, "classes": classes })))
}
