//! The 督办 (supervision) and 解决方案库 pages of 领任务: overdue tasks, tasks waiting for
//! acceptance and extension requests waiting for a decision, the 赛马 ranking of departments
//! and towns (also as a workbook), late project issues, and the searchable remedy library.

use super::sweep;
use crate::auth::PageUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, Layout};
use crate::AppState;
use analytics::ranking::Ranking;
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
    /// Reported done, waiting for the office's acceptance (待验收).
    submitted: Vec<TaskRow>,
    extensions: Vec<store::supervision::PendingExtension>,
    ranking: Ranking,
    formula: String,
    late_issues: Vec<store::land::LateIssue>,
    late_requests: Vec<crate::requests::pages::LateRow>,
    today: String,
}

impl SupervisionTemplate {
    fn rate(&self, r: &Option<f64>) -> String {
        r.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
    }
    fn groups(&self) -> Vec<(&'static str, &[analytics::ranking::RankRow])> {
        vec![
            ("部门排名", self.ranking.departments.as_slice()),
            ("镇街排名", self.ranking.towns.as_slice()),
        ]
    }
    fn points(&self, r: &Option<f64>) -> String {
        r.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
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
    let submitted = workflow::claim::tasks(
        &state.store,
        &user.principal,
        &ctx.region.code,
        Some(domain::TaskState::Submitted),
    )
    .await?;
    let extensions = state
        .store
        .pending_extensions(&ctx.region.code)
        .await?
        .into_iter()
        .filter(|e| user.principal.can_read_task(e.town_id))
        .collect();
    let access = crate::land::pages::access(&state, &user).await?;
    let html = SupervisionTemplate {
        layout: Layout::new("督办", "supervision", &user, &ctx),
        overdue,
        submitted,
        extensions,
        formula: formula(&state.config.rules.ranking),
        ranking: workflow::claim::ranking(
            &state.store,
            &state.config.rules,
            &ctx.region.code,
            &ctx.period,
        )
        .await?,
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

/// The 赛马 formula in words, with the weights in force.
pub(crate) fn formula(w: &analytics::ranking::RankingWeights) -> String {
    format!(
        "综合得分 =（{t} × 时效得分 + {r} × 成效得分 + {q} × 诉求得分）÷（{t} + {r} + {q}），单位缺少的分项连同其权重不计。时效得分 = 到期任务按期完成率（%）− {d} × 平均逾期天数，最低 0 分；\
         成效得分 = 本单位各项目标完成进度与序时进度之比的平均（每项最高按 100% 计）× 100；\
         诉求得分 = 按时受理率、按时办结率、满意率中已可计算者的平均（部门按承办的诉求，镇街按辖区企业的诉求），无诉求的单位不计此项，得分与未计诉求时相同。\
         到期任务指已验收或已过现行期限的任务；只有验收通过的任务算作完成；没有到期任务的单位列为“无到期任务”，不参与排名。",
        t = w.timeliness,
        r = w.results,
        q = w.requests,
        d = w.overdue_day_points
    )
}

/// The ranking as an .xlsx workbook: departments, then towns, with the page's columns.
pub async fn ranking_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let ranking = workflow::claim::ranking(
        &state.store,
        &state.config.rules,
        &ctx.region.code,
        &ctx.period,
    )
    .await?;
    let lines: Vec<io::export::RankLine> = ranking
        .departments
        .iter()
        .chain(ranking.towns.iter())
        .map(|r| io::export::RankLine {
            kind: r.kind.label().into(),
            rank: r.rank,
            name: r.name.clone(),
            total: r.total,
            due: r.due,
            done_on_time: r.done_on_time,
            done_late: r.done_late,
            overdue: r.overdue,
            running: r.running,
            overdue_days: r.overdue_days,
            on_time_rate: r.on_time_rate,
            timeliness: r.timeliness,
            results: r.results,
            requests_received: r.requests_received,
            requests: r.requests,
            score: r.score,
        })
        .collect();
    let bytes = io::export::ranking_xlsx(
        &ctx.region.name,
        &domain::period::format_date(state.store.now().date()),
        &formula(&state.config.rules.ranking),
        &lines,
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
