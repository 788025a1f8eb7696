//! The 领任务 pages: open a shortfall from a ranked indicator, pick a remedy from the library,
//! create the task; the responsible leader claims it; progress, routing and supervision.

use super::caller;
use super::{load_task, require_office, sweep};
use crate::auth::{CurrentUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{parse_id, respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::{Role, Route, TaskState};
use std::collections::HashMap;
use store::claim::{ClaimOutcome, Remedy, TaskDetail, TaskRow};
use workflow::claim::{
    CloseShortfall, CreateTask, MilestoneInput, OpenShortfall, Ref, ReportProgress,
    ShortfallSummary, TaskAction,
};
use workflow::locate::build_report;

// ----- shortfalls ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "shortfall_new.html")]
struct ShortfallNewTemplate {
    layout: Layout,
    line: workflow::locate::IndicatorLine,
    period: String,
    tracks: Vec<store::reference::Track>,
    towns: Vec<store::reference::Town>,
    suggested_tracks: Vec<i64>,
    error: Option<String>,
    /// The open shortfall this one would duplicate.
    existing: Option<i64>,
    /// The firms that pulled the indicator down most (offered to attach, checked).
    firms: Vec<workflow::serve::contributions::FirmLine>,
}

impl ShortfallNewTemplate {
    fn o1<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o1(x.get())
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(x.get())
    }
    fn f1<T: crate::layout::Num>(&self, x: T) -> String {
        crate::layout::f1(x.get())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewShortfallQuery {
    pub indicator: Option<String>,
    pub period: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn shortfall_form(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    indicator: &str,
    period: domain::Period,
    error: Option<String>,
    existing: Option<i64>,
) -> Result<String, AppError> {
    let report = build_report(
        &state.store,
        &ctx.region.code,
        period,
        None,
        &state.config.rules.warning_rules,
    )
    .await?;
    let line = report
        .indicators
        .iter()
        .find(|k| k.code == indicator)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("指标“{indicator}”")))?;
    let suggested_tracks = workflow::claim::remedies(
        &state.store,
        &workflow::claim::RemedyQuery {
            region: ctx.region.code.clone(),
            q: None,
            indicator: Some(indicator.to_string()),
        },
    )
    .await?
    .into_iter()
    .flat_map(|r| r.tracks.into_iter().map(|(id, _)| id))
    .collect();
    // Say before the office writes its analysis that the shortfall is already open.
    let existing = match existing {
        Some(id) => Some(id),
        None => {
            state
                .store
                .open_shortfall_id(&ctx.region.code, indicator, &period.to_string())
                .await?
        }
    };
    let firms = pulling_down(state, user, &ctx.region.code, indicator, period).await?;
    Ok(ShortfallNewTemplate {
        firms,
        layout: Layout::new("打开短板", "claim", user, ctx),
        line,
        period: period.to_string(),
        tracks: state.store.tracks(&ctx.region.code).await?,
        towns: state.store.towns(&ctx.region.code).await?,
        suggested_tracks,
        error,
        existing,
    }
    .render()?)
}

/// How many of the firms that pulled an indicator down 开短板 offers to attach.
pub const FIRMS_OFFERED: i64 = 10;

/// The firms with a negative contribution to an indicator built from firms, most negative
/// first (none for other indicators or quarters).
pub(crate) async fn pulling_down(
    state: &AppState,
    user: &CurrentUser,
    region: &str,
    indicator: &str,
    period: domain::Period,
) -> Result<Vec<workflow::serve::contributions::FirmLine>, AppError> {
    use workflow::serve::contributions::{firm_contributions, measure_of, ContributionQuery};
    if measure_of(indicator).is_none() || !matches!(period, domain::Period::Month { .. }) {
        return Ok(Vec::new());
    }
    let answer = firm_contributions(
        &state.store,
        &user.principal,
        &ContributionQuery {
            region: region.to_string(),
            indicator: indicator.to_string(),
            period,
            town_id: None,
            track_id: None,
            page: 1,
            per_page: FIRMS_OFFERED,
        },
    )
    .await?;
    Ok(answer
        .firms
        .into_iter()
        .filter(|f| f.contribution_e2 < 0)
        .collect())
}

pub async fn new_shortfall(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<NewShortfallQuery>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(
        &state,
        &user,
        &headers,
        &ViewQuery {
            region: None,
            period: q.period.clone(),
        },
    )
    .await?;
    let indicator = q
        .indicator
        .ok_or_else(|| AppError::bad_field("indicator", "缺少指标"))?;
    let html = shortfall_form(&state, &user, &ctx, &indicator, ctx.period, None, None).await?;
    Ok(respond(html, &ctx))
}

/// Opens a shortfall from the current analysis: the numbers are frozen as they are now. A
/// second open shortfall for the indicator and period is refused with a link to the first.
pub async fn create_shortfall(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    require_office(&user)?;
    // Repeated keys (several tracks, several towns) need the raw pairs.
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let form: HashMap<String, String> = pairs.iter().cloned().collect();
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let indicator = form.get("indicator").cloned().unwrap_or_default();
    let period = domain::Period::parse(form.get("period").map(String::as_str).unwrap_or(""))
        .map_err(|e| AppError::bad_field("period", e.to_string()))?;
    let mut tracks = Vec::new();
    let mut towns = Vec::new();
    let enterprises: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "enterprise")
        .map(|(_, v)| v.clone())
        .collect();
    for (k, v) in &pairs {
        if k == "track" || k == "town" {
            let id = v
                .parse::<i64>()
                .map_err(|_| AppError::bad_field(k, "无效的编号"))?;
            if k == "track" {
                tracks.push(Ref::Id(id));
            } else {
                towns.push(Ref::Id(id));
            }
        }
    }
    let cmd = OpenShortfall {
        region: ctx.region.code.clone(),
        period,
        indicator: indicator.clone(),
        analysis: form.get("analysis").cloned().unwrap_or_default(),
        tracks,
        towns,
        enterprises,
    };
    let actor = user.actor();
    let refused = match workflow::claim::open_shortfall(
        &state.store,
        &state.config.rules.warning_rules,
        caller(&user, &actor),
        &cmd,
    )
    .await
    {
        Ok(id) => return Ok(Redirect::to(&format!("/shortfalls/{id}")).into_response()),
        Err(e @ workflow::Error::DuplicateShortfall { existing_id, .. }) => {
            (StatusCode::CONFLICT, e.to_string(), Some(existing_id))
        }
        Err(e @ workflow::Error::Invalid { .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), None)
        }
        Err(e) => return Err(e.into()),
    };
    let (status, message, existing) = refused;
    let html = shortfall_form(
        &state,
        &user,
        &ctx,
        &indicator,
        period,
        Some(message),
        existing,
    )
    .await?;
    Ok((status, Html(html)).into_response())
}

/// Decodes an `application/x-www-form-urlencoded` body keeping repeated keys (several tracks,
/// several co-departments); an undecodable body reads as empty and fails the CSRF check.
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "shortfall.html")]
struct ShortfallTemplate {
    layout: Layout,
    shortfall: store::claim::Shortfall,
    links: Vec<store::claim::ShortfallLink>,
    suggestions: Vec<(Remedy, i64)>,
    tracks: Vec<store::reference::Track>,
    towns: Vec<store::reference::Town>,
    departments: Vec<store::reference::Department>,
    tasks: Vec<TaskRow>,
    /// The firms the shortfall was opened with (找位置's drill-down).
    firms: Vec<store::firm_figures::ShortfallFirm>,
    /// Firms whose contribution the caller may not see.
    figures_withheld: Vec<i64>,
    default_deadline: String,
    linked_tracks: Vec<i64>,
    can_create: bool,
    error: Option<String>,
    /// What the user typed into a task form that was refused, to show it again.
    form: Vec<(String, String)>,
}

impl ShortfallTemplate {
    /// A firm's contribution, or why it is not shown.
    fn firm_pp(&self, f: &store::firm_figures::ShortfallFirm) -> String {
        if self.figures_withheld.contains(&f.enterprise_id) {
            "数据保密".into()
        } else {
            self.pp_e2(&f.contribution_pp_e2)
        }
    }
    fn pp_e2(&self, v: &Option<i64>) -> String {
        v.map(analytics::firm_panel::e2_text)
            .map(|t| format!("{t} 个百分点"))
            .unwrap_or_else(|| "—".into())
    }
    fn o1<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o1(x.get())
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(x.get())
    }
    fn f1<T: crate::layout::Num>(&self, x: T) -> String {
        crate::layout::f1(x.get())
    }
    fn route_label(&self, code: &str) -> &'static str {
        Route::parse(code).map(|r| r.label()).unwrap_or("—")
    }
    fn state_label(&self, code: &str) -> &'static str {
        TaskState::parse(code).map(|s| s.label()).unwrap_or("—")
    }
    fn state_colour(&self, code: &str) -> &'static str {
        TaskState::parse(code)
            .map(|s| s.colour())
            .unwrap_or("unknown")
    }
    fn dept_selected(&self, remedy: &Remedy, dept: &store::reference::Department) -> bool {
        !remedy.owner_department.is_empty() && remedy.owner_department == dept.name
    }
    fn track_preferred(&self, remedy: &Remedy, track: &i64) -> bool {
        if self.typed(remedy) {
            return self.typed_is("track_id", &track.to_string());
        }
        remedy.tracks.first().map(|(id, _)| id) == Some(track)
            || (remedy.tracks.is_empty() && self.linked_tracks.first() == Some(track))
    }
    /// Whether the refused form was this remedy's.
    fn typed(&self, remedy: &Remedy) -> bool {
        self.typed_is("remedy_id", &remedy.id.to_string())
    }
    fn typed_is(&self, key: &str, value: &str) -> bool {
        self.form.iter().any(|(k, v)| k == key && v == value)
    }
    /// A field's value: what the user typed into this remedy's form, else `default`.
    fn val(&self, remedy: &Remedy, key: &str, default: &str) -> String {
        if self.typed(remedy) {
            self.form
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        } else {
            default.to_string()
        }
    }
    fn route_selected(&self, remedy: &Remedy, code: &str) -> bool {
        if self.typed(remedy) {
            self.typed_is("route", code)
        } else {
            remedy.route == code
        }
    }
    fn town_selected(&self, remedy: &Remedy, town: &i64) -> bool {
        self.typed(remedy) && self.typed_is("town_id", &town.to_string())
    }
    fn owner_selected(&self, remedy: &Remedy, dept: &store::reference::Department) -> bool {
        if self.typed(remedy) {
            self.typed_is("owner_department_id", &dept.id.to_string())
        } else {
            self.dept_selected(remedy, dept)
        }
    }
    fn co_selected(&self, remedy: &Remedy, dept: &i64) -> bool {
        self.typed(remedy) && self.typed_is("co_department", &dept.to_string())
    }
}

async fn render_shortfall(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    error: Option<String>,
    form: Vec<(String, String)>,
) -> Result<String, AppError> {
    let detail = workflow::claim::shortfall_detail(&state.store, &user.principal, id).await?;
    let shortfall = detail.shortfall;
    let linked_tracks: Vec<i64> = detail
        .links
        .iter()
        .filter(|l| l.kind == "track")
        .map(|l| l.ref_id)
        .collect();
    let today = state.store.now().date();
    Ok(ShortfallTemplate {
        layout: Layout::new(
            &format!("短板：{}", shortfall.indicator_name),
            "claim",
            user,
            ctx,
        ),
        tracks: state.store.tracks(&shortfall.region_code).await?,
        towns: state.store.towns(&shortfall.region_code).await?,
        departments: state.store.departments(&shortfall.region_code).await?,
        shortfall,
        links: detail.links,
        suggestions: detail.suggestions,
        tasks: detail.tasks,
        firms: detail.firms,
        figures_withheld: detail.figures_withheld,
        default_deadline: domain::period::format_date(today + time::Duration::days(45)),
        linked_tracks,
        can_create: user.principal.can_direct_tasks(),
        error,
        form,
    }
    .render()?)
}

pub async fn shortfall(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "短板")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_shortfall(&state, &user, &ctx, id, None, Vec::new()).await?;
    Ok(respond(html, &ctx))
}

/// Closes a shortfall (the office), so that a new one may be opened for its indicator.
pub async fn close_shortfall(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "短板")?;
    let actor = user.actor();
    let cmd = CloseShortfall {
        id,
        note: form.get("note").cloned().unwrap_or_default(),
    };
    match workflow::claim::close_shortfall(&state.store, caller(&user, &actor), &cmd).await {
        Ok(()) => Ok(Redirect::to(&format!("/shortfalls/{id}")).into_response()),
        Err(
            e @ (workflow::Error::Invalid { .. }
            | workflow::Error::Store(store::StoreError::Conflict(_))),
        ) => {
            let e = AppError::from(e);
            let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
            let html = render_shortfall(
                &state,
                &user,
                &ctx,
                id,
                Some(e.public_message()),
                Vec::new(),
            )
            .await?;
            Ok((e.status(), Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "shortfalls.html")]
struct ShortfallsTemplate {
    layout: Layout,
    list: Vec<ShortfallSummary>,
}

impl ShortfallsTemplate {
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(x.get())
    }
    fn open_count(&self) -> usize {
        self.list.iter().filter(|s| s.open).count()
    }
    fn state_label(&self, code: &str) -> &'static str {
        TaskState::parse(code).map(|s| s.label()).unwrap_or("—")
    }
    fn state_colour(&self, code: &str) -> &'static str {
        TaskState::parse(code)
            .map(|s| s.colour())
            .unwrap_or("unknown")
    }
}

/// 短板清单: every shortfall of the region with its tasks and what they expect to close.
pub async fn shortfalls(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let list =
        workflow::claim::list_shortfalls(&state.store, &user.principal, &ctx.region.code).await?;
    let html = ShortfallsTemplate {
        layout: Layout::new("短板清单", "claim", &user, &ctx),
        list,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

// ----- tasks ---------------------------------------------------------------------------------

/// Builds the create-task command from the page's form (repeated `co_department` keys).
fn task_command(region: &str, pairs: &[(String, String)]) -> Result<CreateTask, AppError> {
    let text = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let opt_id = |k: &str| -> Result<Option<i64>, AppError> {
        match text(k).as_str() {
            "" => Ok(None),
            v => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::bad_field(k, "无效的编号")),
        }
    };
    let expected_pp = match text("expected_pp").as_str() {
        "" => None,
        v => Some(v.parse::<f64>().map_err(|_| {
            AppError::bad_field(
                "expected_pp",
                format!("预期成效“{v}”应为 −10 到 10 之间的百分点"),
            )
        })?),
    };
    let co_departments = pairs
        .iter()
        .filter(|(k, _)| k == "co_department")
        .map(|(_, v)| {
            v.parse::<i64>()
                .map(Ref::Id)
                .map_err(|_| AppError::bad_field("co_department", "无效的编号"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let milestones = (1..=domain::task::MAX_MILESTONES)
        .map(|i| MilestoneInput {
            title: text(&format!("milestone{i}")),
            due: text(&format!("milestone{i}_due")),
        })
        .filter(|m| !(m.title.is_empty() && m.due.is_empty()))
        .collect();
    Ok(CreateTask {
        region: region.to_string(),
        shortfall_id: opt_id("shortfall_id")?,
        remedy_id: opt_id("remedy_id")?,
        title: text("title"),
        description: text("description"),
        route: text("route"),
        track: opt_id("track_id")?.map(Ref::Id),
        town: opt_id("town_id")?.map(Ref::Id),
        owner_department: opt_id("owner_department_id")?.map(Ref::Id),
        co_departments,
        deadline: text("deadline"),
        expected_pp,
        milestones,
    })
}

pub async fn create_task(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let pairs = serde_urlencoded_pairs(&body);
    let form: HashMap<String, String> = pairs.iter().cloned().collect();
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let created = match task_command(&ctx.region.code, &pairs) {
        Ok(cmd) => workflow::claim::create_task(
            &state.store,
            caller(&user, &actor),
            &state.config.rules,
            &cmd,
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        // Refused as typed (or its deadline already past): the form again, with the message.
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let shortfall = form.get("shortfall_id").and_then(|s| s.parse::<i64>().ok());
            match shortfall {
                Some(sid) => {
                    let html =
                        render_shortfall(&state, &user, &ctx, sid, Some(e.public_message()), pairs)
                            .await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
                }
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksTemplate {
    layout: Layout,
    heading: String,
    intro: String,
    tasks: Vec<TaskRow>,
    notifications: Vec<store::claim::Notification>,
    show_claim: bool,
    today: String,
}

impl TasksTemplate {
    fn state_label(&self, code: &str) -> &'static str {
        TaskState::parse(code).map(|s| s.label()).unwrap_or("—")
    }
    fn state_colour(&self, code: &str) -> &'static str {
        TaskState::parse(code)
            .map(|s| s.colour())
            .unwrap_or("unknown")
    }
    fn route_label(&self, code: &str) -> &'static str {
        Route::parse(code).map(|r| r.label()).unwrap_or("—")
    }
}

/// How many unread notifications the task list shows above the tasks; the rest are in 消息中心.
const TASK_PAGE_NOTES: usize = 10;

pub async fn my_tasks(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    sweep(&state).await?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let p = &user.principal;
    let tasks = workflow::claim::my_tasks(&state.store, p, &ctx.region.code).await?;
    // The unread ones, newest first; they stay unread until read in 消息中心 (`/inbox`), so
    // looking at the list changes nothing.
    let mut notifications = state.store.notifications(user.user.id, true).await?;
    notifications.truncate(TASK_PAGE_NOTES);
    let html = TasksTemplate {
        layout: Layout::new("我的任务", "claim", &user, &ctx),
        heading: if p.role.is_office() {
            "全部任务".into()
        } else {
            "我的任务".into()
        },
        intro: match p.role {
            Role::Leader => "您已认领的任务。待认领的任务见“认领台”。".into(),
            Role::Department => "本部门牵头或配合的任务。".into(),
            Role::Town => "本镇街的任务。".into(),
            _ => "全市由短板生成的任务，按期限排序。".into(),
        },
        tasks,
        notifications,
        show_claim: p.role == Role::Leader,
        today: domain::period::format_date(state.store.now().date()),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

pub async fn claim_board(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    sweep(&state).await?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let tasks =
        workflow::claim::claim_board(&state.store, &user.principal, &ctx.region.code).await?;
    let html = TasksTemplate {
        layout: Layout::new("认领台", "claim", &user, &ctx),
        heading: "认领台".into(),
        intro: if user.principal.role == Role::Leader {
            "您负责的产业赛道和包联镇街中待认领的任务。".into()
        } else {
            "全市待认领的任务（由负责该赛道或镇街的领导认领）。".into()
        },
        tasks,
        notifications: vec![],
        show_claim: user.principal.role == Role::Leader,
        today: domain::period::format_date(state.store.now().date()),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskTemplate {
    layout: Layout,
    d: TaskDetail,
    state: TaskState,
    shortfall: Option<store::claim::Shortfall>,
    remedy: Option<Remedy>,
    can_claim: bool,
    can_work: bool,
    can_complete: bool,
    can_cancel: bool,
    v: workflow::claim::TaskView,
    leaders: Vec<(i64, String)>,
    departments: Vec<store::reference::Department>,
    enterprises: Vec<store::reference::Enterprise>,
    message: Option<String>,
    error: Option<String>,
    today: String,
    /// What was typed into a refused action form, to show it again.
    typed: Typed,
}

/// A refused action form of the task page: which action, what was typed, and whether the
/// refusal asks for the confirmation of a large investment (`domain::bounds`).
#[derive(Debug, Clone, Default)]
struct Typed {
    action: String,
    form: HashMap<String, String>,
    confirm: bool,
}

impl TaskTemplate {
    /// The firm to add is chosen from a list, or its USCC typed when the region has many.
    fn lists_firms(&self) -> bool {
        self.enterprises.len() <= super::FIRMS_LISTED
    }

    /// What was typed into field `key` of the refused `action` form (empty otherwise).
    fn typed(&self, action: &str, key: &str) -> String {
        if self.typed.action == action {
            self.typed.form.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn confirm(&self, action: &str) -> bool {
        self.typed.action == action && self.typed.confirm
    }
    fn route(&self) -> Route {
        self.d.task.route()
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(x.get())
    }
    fn stamp(&self, at: &str) -> String {
        crate::layout::stamp(at)
    }
    fn kb(&self, size: &i64) -> String {
        format!("{:.1} KB", *size as f64 / 1024.0)
    }
    fn yi(&self, v: &Option<i64>) -> String {
        v.map(|y| format!("{} 亿元", domain::Yuan(y).yi_text()))
            .unwrap_or_else(|| "—".into())
    }
}

pub(super) async fn render_task(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    render_task_typed(state, user, ctx, id, message, error, Typed::default()).await
}

async fn render_task_typed(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    message: Option<String>,
    error: Option<String>,
    typed: Typed,
) -> Result<String, AppError> {
    let v = workflow::claim::task_view(&state.store, &user.principal, id).await?;
    Ok(TaskTemplate {
        layout: Layout::new(&v.detail.task.title, "claim", user, ctx),
        state: v.state,
        shortfall: v.shortfall.clone(),
        remedy: v.remedy.clone(),
        can_claim: v.can_claim,
        can_work: v.can_work,
        can_complete: v.can_complete,
        can_cancel: v.can_cancel,
        leaders: if v.can_reassign {
            state
                .store
                .region_leaders(&v.detail.task.region_code)
                .await?
        } else {
            vec![]
        },
        departments: if v.can_reassign {
            state.store.departments(&v.detail.task.region_code).await?
        } else {
            vec![]
        },
        // The firms the caller may see (a town user: his town's), one more than the form
        // lists: enough to know the list is too long to show.
        enterprises: match (user.principal.role, user.principal.town_id) {
            (domain::Role::Town, None) => Vec::new(),
            (role, town) => state
                .store
                .enterprises_where(
                    &v.detail.task.region_code,
                    &store::reference::FirmFilter {
                        town: (role == domain::Role::Town).then_some(town).flatten(),
                        limit: Some(super::FIRMS_LISTED as i64 + 1),
                        ..Default::default()
                    },
                )
                .await?
                .into_iter()
                .filter(|e| {
                    user.principal
                        .can_read_enterprise(&domain::access::EnterpriseFacts {
                            town: e.town_id,
                            service_manager: e.service_manager_id,
                            track_leaders: Vec::new(),
                        })
                })
                .collect(),
        },
        d: v.detail.clone(),
        v,
        message,
        error,
        today: domain::period::format_date(state.store.now().date()),
        typed,
    }
    .render()?)
}

pub async fn task(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    sweep(&state).await?;
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_task(&state, &user, &ctx, id, None, None).await?;
    Ok(respond(html, &ctx))
}

pub async fn claim_task(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    match workflow::claim::claim_task(&state.store, caller(&user, &actor), id)
        .await
        .map_err(AppError::from)
    {
        Ok(ClaimOutcome::Claimed) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Ok(ClaimOutcome::HeldBy { name }) => {
            let html = render_task(
                &state,
                &user,
                &ctx,
                id,
                None,
                Some(format!("认领未成功：该任务已由{name}认领")),
            )
            .await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Ok(ClaimOutcome::Closed { state: s }) => {
            let html = render_task(
                &state,
                &user,
                &ctx,
                id,
                None,
                Some(format!("认领未成功：该任务{s}")),
            )
            .await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn task_progress(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let (fields, files) = match super::read_multipart(multipart).await {
        Ok(x) => x,
        Err(e @ AppError::BadRequest { .. }) => {
            let html = render_task(&state, &user, &ctx, id, None, Some(e.public_message())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    user.check_form_csrf(&fields)?;
    let actor = user.actor();
    let cmd = ReportProgress {
        task_id: id,
        body: fields.get("body").cloned().unwrap_or_default(),
        attachments: files,
    };
    match workflow::claim::report_progress(&state.store, caller(&user, &actor), cmd)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}#timeline")).into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            let html = render_task(&state, &user, &ctx, id, None, Some(e.public_message())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Builds a task action from the page's form.
fn task_action_command(
    action: &str,
    form: &HashMap<String, String>,
) -> Result<TaskAction, AppError> {
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let enterprise = || {
        field("enterprise_id")
            .parse::<i64>()
            .map_err(|_| AppError::bad_field("enterprise_id", "请选择企业"))
    };
    Ok(match action {
        "cancel" => TaskAction::Cancel {
            reason: field("reason"),
            confirmed: super::confirmed(form),
        },
        "milestone" => TaskAction::Milestone {
            milestone_id: field("milestone_id")
                .parse::<i64>()
                .map_err(|_| AppError::bad_field("milestone_id", "无效的节点"))?,
        },
        "enterprise" => TaskAction::Enterprise {
            firm: super::named_firm(form, "enterprise_id", "enterprise_uscc")?,
        },
        "service" => TaskAction::Service {
            enterprise_id: enterprise()?,
            action: field("action"),
            happened_on: field("happened_on"),
        },
        "lead" => TaskAction::Lead {
            name: field("name"),
            investor: field("investor"),
            chain_link: field("chain_link"),
            estimated_investment: match field("estimated_investment").as_str() {
                "" => None,
                v => Some(
                    domain::Yuan::parse(v, domain::money::MoneyUnit::Yi)
                        .map_err(|e| AppError::bad_field("estimated_investment", e.to_string()))?
                        .0,
                ),
            },
            confirm_large_investment: !field(domain::bounds::CONFIRM_INVESTMENT).is_empty(),
        },
        _ => return Err(AppError::NotFound("操作".into())),
    })
}

/// Form actions on a task other than claim and progress.
pub async fn task_action(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    load_task(&state, &user, id).await?;
    let actor = user.actor();
    let result = match super::task_move(&action, &form, vec![]) {
        Ok(Some(mv)) => workflow::claim::supervise(&state.store, caller(&user, &actor), id, &mv)
            .await
            .map_err(AppError::from),
        Ok(None) => match task_action_command(&action, &form) {
            Ok(cmd) => workflow::claim::act_on_task(
                &state.store,
                caller(&user, &actor),
                &state.config.rules,
                id,
                &cmd,
            )
            .await
            .map_err(AppError::from),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let typed = Typed {
                confirm: matches!(&e, AppError::BadRequest { field: Some(f), .. }
                    if f == domain::bounds::CONFIRM_INVESTMENT),
                action,
                form,
            };
            let msg = Some(e.public_message());
            let html = render_task_typed(&state, &user, &ctx, id, None, msg, typed).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn attachment(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "附件")?;
    let (task_id, name, content_type, data) = state
        .store
        .attachment(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("附件 {id}")))?;
    load_task(&state, &user, task_id).await?;
    let disposition = format!(
        "attachment; filename=\"attachment-{id}\"; filename*=UTF-8''{}",
        percent_encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response())
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// The 督办 and remedy-library pages live in `supervision_pages`; routed through here.
pub use super::supervision_pages::{ranking_xlsx, remedies, supervision};

#[cfg(test)]
mod tests {
    use workflow::claim::Ref;

    #[test]
    fn the_task_form_becomes_the_command() {
        let pairs = super::serde_urlencoded_pairs(
            b"title=%E4%BB%BB%E5%8A%A1&route=stock&track_id=3&town_id=&owner_department_id=7&co_department=8&co_department=9&deadline=2025-12-31&expected_pp=0.2&milestone1=&milestone1_due=&milestone2=%E8%B5%B0%E8%AE%BF&milestone2_due=2025-11-15&shortfall_id=4",
        );
        let cmd = super::task_command("370281", &pairs).expect("a command");
        assert_eq!(cmd.title, "任务");
        assert_eq!(cmd.track, Some(Ref::Id(3)));
        assert_eq!(cmd.town, None, "an empty select is no town");
        assert_eq!(cmd.co_departments, [Ref::Id(8), Ref::Id(9)]);
        assert_eq!(cmd.expected_pp, Some(0.2));
        assert_eq!(cmd.shortfall_id, Some(4));
        assert_eq!(cmd.milestones.len(), 1, "an empty milestone row is skipped");
        assert_eq!(cmd.milestones[0].title, "走访");
        let bad = super::serde_urlencoded_pairs(b"expected_pp=abc&track_id=1");
        assert!(super::task_command("370281", &bad).is_err());
    }

    #[test]
    fn decodes_repeated_form_keys() {
        let pairs = super::serde_urlencoded_pairs(
            b"track=1&track=2&analysis=%E4%BA%A7%E8%83%BD+%E4%B8%8D%E8%B6%B3",
        );
        assert_eq!(pairs[0], ("track".into(), "1".into()));
        assert_eq!(pairs[1], ("track".into(), "2".into()));
        assert_eq!(pairs[2], ("analysis".into(), "产能 不足".into()));
    }
}
