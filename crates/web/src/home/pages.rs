//! The first screen per role (`/`), the message centre (`/inbox`) and the search results
//! (`/search`). Cached like every page (`page_cache`): the badge and the lists move with the
//! data version, which every notification written or read bumps.

use crate::auth::{CurrentUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{parse_id, respond, stamp, Layout};
use crate::view::TargetView;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::TaskState;
use std::collections::HashMap;
use store::claim::{Notification, Shortfall};
use workflow::home::{Home, HomeQuery, LeaderHome, OfficeHome, TargetStanding, Unit, UnitHome};
use workflow::land::ProjectView;

/// What the task tables of the first screens call on.
trait TaskCells {
    fn state_label(&self, code: &str) -> &'static str {
        TaskState::parse(code).map(|s| s.label()).unwrap_or("—")
    }
    fn state_colour(&self, code: &str) -> &'static str {
        TaskState::parse(code)
            .map(|s| s.colour())
            .unwrap_or("unknown")
    }
    fn idle_days(&self, p: &ProjectView) -> i64;
}

fn idle(p: &ProjectView, today: time::Date) -> i64 {
    workflow::land::idle_days(p.row(), today)
}

fn views(list: &[TargetStanding], ctx: &ViewContext, state: &AppState) -> Vec<TargetView> {
    list.iter()
        .map(|t| TargetView::build(&t.row, ctx.elapsed(), &state.config.rules.thresholds))
        .collect()
}

#[derive(Template)]
#[template(path = "home_leader.html")]
struct LeaderTemplate {
    layout: Layout,
    h: LeaderHome,
    targets: Vec<TargetView>,
    today: time::Date,
    today_text: String,
}

impl TaskCells for LeaderTemplate {
    fn idle_days(&self, p: &ProjectView) -> i64 {
        idle(p, self.today)
    }
}

#[derive(Template)]
#[template(path = "home_unit.html")]
struct UnitTemplate {
    layout: Layout,
    h: UnitHome,
    targets: Vec<TargetView>,
    red: usize,
    elapsed_pct: f64,
    is_town: bool,
    /// The 项目库 filtered to this unit.
    projects_link: String,
    today: time::Date,
    today_text: String,
}

impl TaskCells for UnitTemplate {
    fn idle_days(&self, p: &ProjectView) -> i64 {
        idle(p, self.today)
    }
}

#[derive(Template)]
#[template(path = "_office_decisions.html")]
struct OfficeDecisions {
    h: OfficeHome,
    csrf: String,
    today: time::Date,
    today_text: String,
}

impl TaskCells for OfficeDecisions {
    fn idle_days(&self, p: &ProjectView) -> i64 {
        idle(p, self.today)
    }
}

impl OfficeDecisions {
    fn shortfall_period(&self, s: &Shortfall) -> String {
        domain::Period::parse(&s.period)
            .map(|p| format!("{} 年 {}", p.year(), p.label()))
            .unwrap_or_default()
    }
}

/// `/`: the caller's first screen.
pub async fn home(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    // Overdue tasks are marked before they are counted, as on the task pages.
    crate::claim::sweep(&state).await?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let html = render_home(&state, &user, &ctx).await?;
    Ok(respond(html, &ctx))
}

async fn render_home(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
) -> Result<String, AppError> {
    let home = workflow::home::home(
        &state.store,
        &user.principal,
        &state.config.rules,
        &HomeQuery {
            region: ctx.region.code.clone(),
            period: ctx.period,
        },
    )
    .await?;
    let today = state.store.now().date();
    let today_text = domain::period::format_date(today);
    Ok(match home {
        Home::Leader(h) => LeaderTemplate {
            layout: Layout::new("我的赛道与镇街", "home", user, ctx),
            targets: views(&h.red_targets, ctx, state),
            h,
            today,
            today_text,
        }
        .render()?,
        Home::Unit(h) => {
            let targets = views(&h.targets, ctx, state);
            let (is_town, projects_link) = match &h.unit {
                Unit::Town { id, .. } => (true, format!("/projects?town={id}")),
                Unit::Department { .. } => (
                    false,
                    match h.tracks.as_slice() {
                        [only] => format!("/projects?track={}", only.id),
                        _ => "/projects".to_string(),
                    },
                ),
            };
            UnitTemplate {
                layout: Layout::new(h.unit.name(), "home", user, ctx),
                red: targets.iter().filter(|t| t.status == "red").count(),
                elapsed_pct: ctx.elapsed() * 100.0,
                targets,
                is_town,
                projects_link,
                h,
                today,
                today_text,
            }
            .render()?
        }
        Home::Office(h) => {
            let top = OfficeDecisions {
                h,
                csrf: user.csrf.clone().unwrap_or_default(),
                today,
                today_text,
            }
            .render()?;
            crate::targets::pages::overview_html(state, user, ctx, "home", Some(top)).await?
        }
        Home::Manager(d) => ManagerTemplate {
            layout: Layout::new("我服务的企业", "home", user, ctx),
            overdue: d.due.iter().filter(|f| f.overdue).count(),
            due_days: workflow::serve::service::DUE_HORIZON_DAYS,
            d,
            today_text,
        }
        .render()?,
        Home::Overview => {
            crate::targets::pages::overview_html(state, user, ctx, "home", None).await?
        }
    })
}

#[derive(Template)]
#[template(path = "home_manager.html")]
struct ManagerTemplate {
    layout: Layout,
    d: workflow::serve::service::ManagerDesk,
    overdue: usize,
    due_days: i64,
    today_text: String,
}

// ----- 消息中心 ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxTemplate {
    layout: Layout,
    notes: Vec<Notification>,
    unread: usize,
}

impl InboxTemplate {
    fn stamp(&self, at: &str) -> String {
        stamp(at)
    }
}

/// `/inbox`: the caller's notifications, newest first, with their read state.
pub async fn inbox(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let notes = state.store.notifications(user.user.id, false).await?;
    let html = InboxTemplate {
        layout: Layout::new("消息中心", "inbox", &user, &ctx),
        unread: notes.iter().filter(|n| n.read_at.is_none()).count(),
        notes,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// `POST /inbox/read`: every notification of the caller read.
pub async fn read_all(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    state
        .store
        .mark_notifications_read(user.user.id, None)
        .await?;
    Ok(Redirect::to("/inbox").into_response())
}

/// `POST /inbox/{id}/read`: one notification of the caller read (another user's is not found).
/// With `open=1` the caller goes on to the task it names.
pub async fn read_one(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "消息")?;
    state
        .store
        .mark_notifications_read(user.user.id, Some(id))
        .await?;
    let task = match form.get("open").map(String::as_str) {
        Some("1") => state
            .store
            .notifications(user.user.id, false)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .and_then(|n| n.task_id),
        _ => None,
    };
    Ok(match task {
        Some(t) => Redirect::to(&format!("/tasks/{t}")),
        None => Redirect::to("/inbox"),
    }
    .into_response())
}

// ----- 搜索 ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTemplate {
    layout: Layout,
    results: workflow::search::SearchResults,
    error: Option<String>,
    max: usize,
}

impl SearchTemplate {
    fn path(&self, hit: &workflow::search::Hit) -> String {
        super::hit_path(hit)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    region: Option<String>,
    period: Option<String>,
}

/// `/search?q=`: what the caller may read that holds the text. A text too long or with control
/// characters answers 422 with the box as typed and the reason.
pub async fn search(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let view = ViewQuery {
        region: params.region,
        period: params.period,
    };
    let ctx = ViewContext::resolve(&state, &user, &headers, &view).await?;
    let found = workflow::search::search(
        &state.store,
        &user.principal,
        &workflow::search::SearchQuery {
            region: ctx.region.code.clone(),
            period: ctx.period,
            q: params.q.clone(),
        },
    )
    .await
    .map_err(AppError::from);
    let mut layout = Layout::new("搜索", "search", &user, &ctx);
    // The box keeps what was typed (askama escapes it).
    layout.search = params
        .q
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let (results, error, status) = match found {
        Ok(r) => (r, None, StatusCode::OK),
        Err(e @ AppError::BadRequest { .. }) => (
            workflow::search::SearchResults::default(),
            Some(e.public_message()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    let html = SearchTemplate {
        layout,
        results,
        error,
        max: workflow::search::MAX_QUERY_CHARS,
    }
    .render()?;
    if status == StatusCode::OK {
        Ok(respond(html, &ctx))
    } else {
        Ok((status, Html(html)).into_response())
    }
}
