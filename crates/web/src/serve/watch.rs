//! Watch lists in the browser and the API: `/enterprises/watch` (the lists of a month, one tab
//! per list, each firm with its reason), its `.xlsx`, and `GET /api/v1/enterprises/watch`.
//! Handlers parse the query and call `workflow::serve::watch`; who sees which firm is decided
//! there (statistics law).

use crate::auth::{ApiUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{ApiError, AppError, PageError};
use crate::layout::{respond, Layout};
use crate::AppState;
use analytics::watch::WatchKind;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::serve::watch::{kind_label, WatchLists};

#[derive(Debug, Default, Deserialize)]
pub struct WatchParams {
    pub region: Option<String>,
    pub kind: Option<String>,
    pub period: Option<String>,
}

impl WatchParams {
    fn kind(&self) -> Result<Option<WatchKind>, AppError> {
        match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(k) => WatchKind::parse(k).map(Some).ok_or_else(|| {
                AppError::bad_field(
                    "kind",
                    "名单无效：应为小升规培育、退规风险、产值大幅下降或用电量大幅下降之一",
                )
            }),
        }
    }

    fn period(&self) -> Result<Option<String>, AppError> {
        match self
            .period
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(p) => {
                let ok = p.len() == 7
                    && p.as_bytes()[4] == b'-'
                    && p[..4].bytes().all(|b| b.is_ascii_digit())
                    && p[5..].bytes().all(|b| b.is_ascii_digit());
                if ok {
                    Ok(Some(p.to_string()))
                } else {
                    Err(AppError::bad_field(
                        "period",
                        "期别应为 年-月，例如 2025-09",
                    ))
                }
            }
        }
    }
}

async fn lists(
    state: &AppState,
    principal: &domain::Principal,
    region: &str,
    q: &WatchParams,
) -> Result<(WatchLists, Option<WatchKind>), AppError> {
    let kind = q.kind()?;
    let period = q.period()?;
    let l = workflow::serve::watch::watch_lists(
        &state.store,
        principal,
        &state.config.rules.watch,
        region,
        period.as_deref(),
        kind,
    )
    .await?;
    Ok((l, kind))
}

#[derive(Template)]
#[template(path = "watch.html")]
struct WatchTemplate {
    layout: Layout,
    l: WatchLists,
    kind: Option<WatchKind>,
    tabs: Vec<(&'static str, &'static str)>,
    period_label: String,
}

fn period_label(p: &Option<String>) -> String {
    match p.as_deref().and_then(|p| p.split_once('-')) {
        Some((y, m)) => match m.trim_start_matches('0') {
            "1" => format!("{y} 年 1 月"),
            m => format!("{y} 年 1–{m} 月"),
        },
        None => "—".to_string(),
    }
}

/// `/enterprises/watch`.
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<WatchParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let (l, kind) = lists(&state, &user.principal, &ctx.region.code, &q).await?;
    let html = WatchTemplate {
        layout: Layout::new("重点企业监测名单", "serve", &user, &ctx),
        period_label: period_label(&l.period),
        l,
        kind,
        tabs: WatchKind::ALL
            .iter()
            .map(|k| (k.code(), kind_label(*k)))
            .collect(),
    }
    .render()
    .map_err(AppError::from)?;
    Ok(respond(html, &ctx))
}

/// `/enterprises/watch.xlsx`: the lists as the page shows them.
pub async fn xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<WatchParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let (l, _) = lists(&state, &user.principal, &ctx.region.code, &q).await?;
    let lines: Vec<io::export::WatchListLine> = l
        .lines
        .iter()
        .map(|w| io::export::WatchListLine {
            list: w.kind_label.to_string(),
            name: w.name.clone(),
            uscc: w.uscc.clone(),
            town: w.town_name.clone().unwrap_or_default(),
            manager: w.service_manager_name.clone().unwrap_or_default(),
            reason: w.reason.clone(),
        })
        .collect();
    let bytes = io::export::watch_lists_xlsx(&ctx.region.name, &period_label(&l.period), &lines)
        .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"watch.xlsx\"; filename*=UTF-8''%E9%87%8D%E7%82%B9%E7%9B%91%E6%B5%8B%E5%90%8D%E5%8D%95.xlsx".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/v1/enterprises/watch`.
pub async fn api(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiQuery(q): crate::json::ApiQuery<WatchParams>,
) -> Result<Json<Value>, ApiError> {
    let region = crate::json::default_region(&state, &user, q.region.clone()).await?;
    let (l, _) = lists(&state, &user.principal, &region, &q).await?;
    Ok(Json(json!(l)))
}
