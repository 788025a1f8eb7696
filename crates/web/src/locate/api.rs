//! The JSON API of 找位置: the analysis of a region and period, the indicator catalogue and the
//! accounting model.

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::json::parse_period;
use crate::json::require_region;
use crate::json::ApiQuery;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
pub struct AnalysisQuery {
    pub period: Option<String>,
    pub target: Option<String>,
}

/// Where the year stands: the same report and headline figures as the 找位置 page and
/// `econops analyze --json`.
pub async fn analysis(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<AnalysisQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period = parse_period(period, "period")?;
    let target = match q.target.as_deref() {
        None => None,
        Some(t) => Some(
            t.trim_end_matches('%')
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && domain::target::GDP_GROWTH_TARGET_RANGE.contains(v))
                .ok_or_else(|| AppError::bad_field("target", format!("目标增速“{t}”无效")))?,
        ),
    };
    let answer = workflow::figures::analysis_answer(
        &state.store,
        &code,
        period,
        target,
        &state.config.rules,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!(answer)))
}

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    pub period: Option<String>,
}

/// The gap ledger of the year as of a period: the gap, what tasks and the pipeline cover, and
/// what remains uncovered (the same figures as on 找位置).
pub async fn gap_ledger(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period = parse_period(period, "period")?;
    let ledger = workflow::figures::gap_ledger(&state.store, &code, period, &state.config.rules)
        .await
        .map_err(AppError::from)?;
    Ok(Json(json!(*ledger)))
}

/// The indicator catalogue.
pub async fn indicators(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "indicators": state.store.indicators().await? }),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ModelQuery {
    pub year: Option<String>,
}

/// The current accounting model of a region and year.
pub async fn model(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ModelQuery>,
) -> Result<Json<Value>, ApiError> {
    require_region(&state, &code).await?;
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::bad_field("year", "缺少或无效的 year 参数，例如 year=2025"))?;
    let model = state
        .store
        .model(&code, year)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{year} 年核算模型")))?;
    Ok(Json(json!(model)))
}
