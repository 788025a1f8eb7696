//! `GET /api/v1/search`: the global search as JSON, the same use case as the results page.

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::json::{default_region, parse_period, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: String,
    region: Option<String>,
    /// The period whose year's targets are searched (2025-09); the last complete month when
    /// absent.
    period: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, params.region).await?;
    let period = match params.period.as_deref() {
        Some(p) => parse_period(p, "period")?,
        None => {
            let today = state.store.now().date();
            domain::Period::last_complete_month_before(today)
                .ok_or_else(|| AppError::bad_field("period", "请指定 period"))?
        }
    };
    let results = workflow::search::search(
        &state.store,
        &user.principal,
        &workflow::search::SearchQuery {
            region: region.clone(),
            period,
            q: params.q,
        },
    )
    .await?;
    let hits: Vec<Value> = results
        .groups
        .iter()
        .flat_map(|g| g.hits.iter())
        .map(|h| {
            json!({
                "kind": h.kind.code(),
                "kind_label": h.kind.label(),
                "id": h.id,
                "title": h.title,
                "detail": h.detail,
                "path": super::hit_path(h),
            })
        })
        .collect();
    let totals: Vec<Value> = results
        .groups
        .iter()
        .map(|g| json!({"kind": g.kind.code(), "total": g.total}))
        .collect();
    Ok(Json(json!({
        "q": results.q,
        "region": region,
        "period": period.to_string(),
        "total": results.total(),
        "totals": totals,
        "hits": hits,
    })))
}
