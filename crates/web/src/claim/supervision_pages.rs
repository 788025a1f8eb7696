//! The 督办 (supervision) and 解决方案库 pages of 领任务: overdue tasks, the 赛马 ranking (also as
//! a workbook), late project issues, and the searchable remedy library.

use super::sweep;
use crate::auth::PageUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use domain::Route;
use store::claim::{Remedy, TaskRow};

// ----- supervision ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionTemplate {
    layout: Layout,
    overdue: Vec<TaskRow>,
    ranking: Vec<analytics::ranking::RankRow>,
    late_issues: Vec<store::land::LateIssue>,
    late_requests: Vec<crate::requests::pages::LateRow>,
    today: String,
}

impl SupervisionTemplate {
    fn rate(&self, r: &Option<f64>) -> String {
        r.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
    }
    fn route_label(&self, code: &str) -> &'static str {
        Route::parse(code).map(|r| r.label()).unwrap_or("—")
    }
}

pub async fn supervision(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    sweep(&state).await?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let overdue =
        workflow::claim::overdue_tasks(&state.store, &user.principal, &ctx.region.code).await?;
    let access = crate::land::pages::access(&state, &user).await?;
    let html = SupervisionTemplate {
        layout: Layout::new("督办", "supervision", &user, &ctx),
        overdue,
        ranking: workflow::claim::ranking(&state.store, &ctx.region.code).await?,
        late_issues: state
            .store
            .late_project_issues(
                &ctx.region.code,
                &domain::period::format_date(state.store.now().date()),
            )
            .await?
            .into_iter()
            .filter_map(|mut i| {
                // Only projects the user reads, under the names the user may see.
                let shown = access.names(
                    i.town_id,
                    i.track_id,
                    &domain::access::ProjectNames {
                        name: std::mem::take(&mut i.project_name),
                        code_name: i.code_name.clone(),
                        investor: String::new(),
                    },
                )?;
                i.project_name = shown.name;
                Some(i)
            })
            .collect(),
        late_requests: crate::requests::pages::late_rows(&state, &user, &ctx.region.code).await?,
        today: domain::period::format_date(state.store.now().date()),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// The ranking as an .xlsx workbook.
pub async fn ranking_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let ranking = workflow::claim::ranking(&state.store, &ctx.region.code).await?;
    let bytes = io::export::ranking_xlsx(
        &ctx.region.name,
        &domain::period::format_date(state.store.now().date()),
        &ranking
            .iter()
            .map(|r| io::export::RankLine {
                kind: if r.kind == "department" {
                    "部门".into()
                } else {
                    "镇街".into()
                },
                name: r.name.clone(),
                total: r.total,
                done_on_time: r.done_on_time,
                done_late: r.done_late,
                overdue: r.overdue,
                open: r.open,
                on_time_rate: r.on_time_rate,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"ranking.xlsx\"; filename*=UTF-8''%E8%B5%9B%E9%A9%AC%E6%8E%92%E5%90%8D.xlsx".to_string()),
        ],
        bytes,
    )
        .into_response())
}

// ----- remedies ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "remedies.html")]
struct RemediesTemplate {
    layout: Layout,
    q: String,
    remedies: Vec<Remedy>,
}

impl RemediesTemplate {
    fn sector_label(&self, s: &str) -> &'static str {
        match s {
            "primary" => "一产",
            "secondary" => "二产",
            _ => "三产",
        }
    }
    fn route_label(&self, code: &str) -> &'static str {
        Route::parse(code).map(|r| r.label()).unwrap_or("—")
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RemedyQuery {
    pub q: Option<String>,
}

pub async fn remedies(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<RemedyQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let query = q.q.unwrap_or_default();
    let remedies = workflow::claim::remedies(
        &state.store,
        &workflow::claim::RemedyQuery {
            region: ctx.region.code.clone(),
            q: Some(query.clone()),
            indicator: None,
        },
    )
    .await?;
    let html = RemediesTemplate {
        layout: Layout::new("解决方案库", "claim", &user, &ctx),
        q: query,
        remedies,
    }
    .render()?;
    Ok(respond(html, &ctx))
}
