//! The registry's API: `GET /api/v1/enterprises` (search, paged, within the caller's scope) and
//! `GET /api/v1/enterprises/{uscc}` (the firm's file; 404 outside the caller's scope).

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::SearchParams;

pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiQuery(q): crate::json::ApiQuery<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let region = crate::json::default_region(&state, &user, q.region.clone()).await?;
    let search = q.search(region)?;
    let page = workflow::serve::enterprises::search(&state.store, &user.principal, &search)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!({
        "enterprises": page.firms,
        "page": page.page,
        "per_page": page.per_page,
        "has_more": page.has_more,
    })))
}

pub async fn firm(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let file = workflow::serve::enterprises::firm_file(&state.store, &user.principal, &uscc)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!(file)))
}
