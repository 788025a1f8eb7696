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

/// The query of `GET /api/v1/indicators/{code}/firm-contributions`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ContributionParams {
    pub region: Option<String>,
    pub period: Option<String>,
    pub town: Option<String>,
    pub track: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl ContributionParams {
    /// The typed question (page and API alike).
    pub fn query(
        &self,
        region: String,
        indicator: String,
    ) -> Result<workflow::serve::contributions::ContributionQuery, AppError> {
        let period = super::nonempty(&self.period)
            .ok_or_else(|| AppError::bad_field("period", "缺少期别，例如 period=2025-09"))?;
        let period = crate::json::parse_period(period, "period")?;
        let page = super::id(&self.page, "page", "页码")?.unwrap_or(1);
        if page > 1_000_000 {
            return Err(AppError::bad_field("page", "页码应为 1–1,000,000"));
        }
        let per_page = super::id(&self.per_page, "per_page", "每页条数")?.unwrap_or(0);
        if per_page > workflow::serve::contributions::MAX_PER_PAGE {
            return Err(AppError::bad_field(
                "per_page",
                format!(
                    "每页最多 {} 条",
                    workflow::serve::contributions::MAX_PER_PAGE
                ),
            ));
        }
        Ok(workflow::serve::contributions::ContributionQuery {
            region,
            indicator,
            period,
            town_id: super::id(&self.town, "town", "镇街")?,
            track_id: super::id(&self.track, "track", "产业赛道")?,
            page,
            per_page,
        })
    }
}

/// Which firms hold an indicator back: each firm's contribution to the panel's year-to-date
/// growth in 百分点, within the caller's scope (firms whose figures he may not see unnamed,
/// aggregates of at least three firms).
pub async fn contributions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    crate::json::ApiQuery(q): crate::json::ApiQuery<ContributionParams>,
) -> Result<Json<Value>, ApiError> {
    let region = crate::json::default_region(&state, &user, q.region.clone()).await?;
    let query = q.query(region, code)?;
    let answer =
        workflow::serve::contributions::firm_contributions(&state.store, &user.principal, &query)
            .await
            .map_err(AppError::from)?;
    Ok(Json(json!(answer)))
}
