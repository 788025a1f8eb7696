//! The 领任务 pages: open a shortfall from a ranked indicator, pick a remedy from the library,
//! create the task; the responsible leader claims it; progress, routing and supervision.

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
use domain::{BoundedText, Role, Route, TaskFacts, TaskState};
use std::collections::HashMap;
use store::claim::{ClaimOutcome, NewLead, NewTask, Remedy, TaskDetail, TaskFilter, TaskRow};
use workflow::locate::build_report;

/// Attachments: at most 10 MiB each, 5 per report, of these types.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 5;
const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("txt", "text/plain"),
];

pub(crate) fn require_office(user: &CurrentUser) -> Result<(), AppError> {
    if user.principal.role.is_office() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "该操作仅限系统管理员和经济运行办公室".into(),
        ))
    }
}

/// Runs the overdue sweep for today's date.
pub(crate) async fn sweep(state: &AppState) -> Result<(), AppError> {
    let today = domain::period::format_date(state.store.now().date());
    let mut tx = state.store.begin_write().await?;
    tx.sweep_overdue(&today).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) fn facts(detail: &TaskDetail) -> TaskFacts {
    TaskFacts {
        claimed_by_person: detail.task.claimed_by_person,
        owner_department: detail.task.owner_department_id,
        co_departments: detail.co_departments.iter().map(|(id, _)| *id).collect(),
        town: detail.task.town_id,
    }
}

/// Whether the user may see the task: a town task is its town's (and the city's) business.
pub(crate) fn can_read_task(user: &CurrentUser, task: &TaskRow) -> bool {
    match task.town_id {
        Some(town) => user
            .principal
            .can_read(domain::Scope::of(domain::ScopeKind::Town, town)),
        None => true,
    }
}

/// Whether the user may claim the task: a leader who answers for its track or town.
pub(crate) async fn can_claim(
    state: &AppState,
    user: &CurrentUser,
    task: &TaskRow,
) -> Result<bool, AppError> {
    if user.principal.role != Role::Leader {
        return Ok(false);
    }
    let Some(person) = user.principal.person_id else {
        return Ok(false);
    };
    Ok(state
        .store
        .person_covers(person, task.track_id, task.town_id)
        .await?)
}

pub(crate) async fn load_task(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<TaskDetail, AppError> {
    let detail = state
        .store
        .task(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("任务 {id}")))?;
    if !can_read_task(user, &detail.task) {
        return Err(AppError::NotFound(format!("任务 {id}")));
    }
    Ok(detail)
}

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
}

impl ShortfallNewTemplate {
    fn o1<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o1(&x.get())
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(&x.get())
    }
    fn f1<T: crate::layout::Num>(&self, x: T) -> String {
        crate::layout::f1(&x.get())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewShortfallQuery {
    pub indicator: Option<String>,
    pub period: Option<String>,
}

async fn shortfall_form(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    indicator: &str,
    period: domain::Period,
    error: Option<String>,
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
    let suggested_tracks = state
        .store
        .remedies(&ctx.region.code, None)
        .await?
        .into_iter()
        .filter(|r| r.indicators.iter().any(|k| k == indicator))
        .flat_map(|r| r.tracks.into_iter().map(|(id, _)| id))
        .collect();
    Ok(ShortfallNewTemplate {
        layout: Layout::new("打开短板", "claim", user, ctx),
        line,
        period: period.to_string(),
        tracks: state.store.tracks(&ctx.region.code).await?,
        towns: state.store.towns(&ctx.region.code).await?,
        suggested_tracks,
        error,
    }
    .render()?)
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
    let html = shortfall_form(&state, &user, &ctx, &indicator, ctx.period, None).await?;
    Ok(respond(html, &ctx))
}

/// Opens a shortfall from the current analysis: the numbers are frozen as they are now.
pub(crate) async fn open_shortfall(
    state: &AppState,
    user: &CurrentUser,
    region: &str,
    period: domain::Period,
    indicator: &str,
    analysis: &str,
    links: Vec<(String, i64)>,
) -> Result<i64, AppError> {
    workflow::claim::open_shortfall(
        &state.store,
        &state.config.rules.warning_rules,
        &user.actor(),
        region,
        period,
        indicator,
        analysis,
        links,
    )
    .await
    .map_err(|e| match e {
        workflow::Error::UnknownIndicator(k) => {
            AppError::bad_field("indicator", format!("指标“{k}”不在分析中"))
        }
        other => other.into(),
    })
}

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
    let analysis = match BoundedText::parse_multiline(
        form.get("analysis").map(String::as_str).unwrap_or(""),
        "问题、短板、弱项分析",
        4000,
    ) {
        Ok(a) => a,
        Err(e) => {
            let html = shortfall_form(&state, &user, &ctx, &indicator, period, Some(e.to_string()))
                .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let mut links = Vec::new();
    for (k, v) in &pairs {
        if k == "track" || k == "town" {
            let id = v
                .parse::<i64>()
                .map_err(|_| AppError::bad_field(k, "无效的编号"))?;
            links.push((k.clone(), id));
        }
    }
    let id = open_shortfall(
        &state,
        &user,
        &ctx.region.code,
        period,
        &indicator,
        analysis.as_str(),
        links,
    )
    .await?;
    Ok(Redirect::to(&format!("/shortfalls/{id}")).into_response())
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
    default_deadline: String,
    linked_tracks: Vec<i64>,
    can_create: bool,
    error: Option<String>,
    /// What the user typed into a task form that was refused, to show it again.
    form: Vec<(String, String)>,
}

impl ShortfallTemplate {
    fn o1<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o1(&x.get())
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(&x.get())
    }
    fn f1<T: crate::layout::Num>(&self, x: T) -> String {
        crate::layout::f1(&x.get())
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
    let (shortfall, links) = state
        .store
        .shortfall(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("短板 {id}")))?;
    let linked_tracks: Vec<i64> = links
        .iter()
        .filter(|l| l.kind == "track")
        .map(|l| l.ref_id)
        .collect();
    let suggestions = state
        .store
        .suggest_remedies(&shortfall.region_code, &shortfall.indicator, &linked_tracks)
        .await?;
    let tasks = state
        .store
        .tasks(&TaskFilter {
            region: shortfall.region_code.clone(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| t.shortfall_id == Some(id))
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
        links,
        suggestions,
        tasks,
        default_deadline: domain::period::format_date(today + time::Duration::days(45)),
        linked_tracks,
        can_create: user.principal.role.is_office(),
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

// ----- tasks ---------------------------------------------------------------------------------

/// Parses the fields of a new task (from the page form or the API).
pub(crate) async fn parse_new_task(
    state: &AppState,
    region: &str,
    f: &HashMap<String, String>,
    co_departments: Vec<i64>,
) -> Result<NewTask, AppError> {
    let text = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let opt_id = |k: &str| -> Result<Option<i64>, AppError> {
        match text(k).as_str() {
            "" => Ok(None),
            v => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::bad_field(k, format!("{k} 应为编号"))),
        }
    };
    let title = BoundedText::parse(&text("title"), "任务名称", 100)
        .map_err(|e| AppError::bad_field("title", e.to_string()))?;
    let description = match text("description").as_str() {
        "" => String::new(),
        d => BoundedText::parse_multiline(d, "任务说明", 4000)
            .map_err(|e| AppError::bad_field("description", e.to_string()))?
            .into_string(),
    };
    let route = Route::parse(&text("route")).ok_or_else(|| {
        AppError::bad_field(
            "route",
            "路径应为 stock（存量提升）、attract（招大引强）或 both",
        )
    })?;
    let deadline_text = text("deadline");
    let deadline = domain::period::parse_date(&deadline_text).map_err(|_| {
        AppError::bad_field(
            "deadline",
            format!("期限“{deadline_text}”格式应为 2025-12-31"),
        )
    })?;
    if deadline < state.store.now().date() {
        return Err(AppError::bad_field(
            "deadline",
            format!("期限 {deadline_text} 早于今天"),
        ));
    }
    let expected_pp = match text("expected_pp").as_str() {
        "" => None,
        v => Some(
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.abs() <= 10.0)
                .ok_or_else(|| {
                    AppError::bad_field(
                        "expected_pp",
                        format!("预期成效“{v}”应为 −10 到 10 之间的百分点"),
                    )
                })?,
        ),
    };
    let track_id = opt_id("track_id")?;
    let town_id = opt_id("town_id")?;
    if track_id.is_none() && town_id.is_none() {
        return Err(AppError::bad_field(
            "track_id",
            "请选择任务所属的产业赛道或镇街，以便确定认领领导",
        ));
    }
    if let Some(t) = track_id {
        if !state.store.tracks(region).await?.iter().any(|x| x.id == t) {
            return Err(AppError::bad_field(
                "track_id",
                format!("产业赛道 {t} 不存在"),
            ));
        }
    }
    if let Some(t) = town_id {
        if !state.store.towns(region).await?.iter().any(|x| x.id == t) {
            return Err(AppError::bad_field("town_id", format!("镇街 {t} 不存在")));
        }
    }
    let owner_department_id = opt_id("owner_department_id")?;
    let departments = state.store.departments(region).await?;
    for d in owner_department_id.iter().chain(co_departments.iter()) {
        if !departments.iter().any(|x| x.id == *d) {
            return Err(AppError::bad_field(
                "owner_department_id",
                format!("部门 {d} 不存在"),
            ));
        }
    }
    let mut milestones = Vec::new();
    for i in 1..=3 {
        let (t, d) = (
            text(&format!("milestone{i}")),
            text(&format!("milestone{i}_due")),
        );
        if t.is_empty() && d.is_empty() {
            continue;
        }
        let title = BoundedText::parse(&t, "节点名称", 100)
            .map_err(|e| AppError::bad_field(&format!("milestone{i}"), e.to_string()))?;
        let due = domain::period::parse_date(&d).map_err(|_| {
            AppError::bad_field(
                &format!("milestone{i}_due"),
                format!("节点日期“{d}”格式应为 2025-11-15"),
            )
        })?;
        if due > deadline {
            return Err(AppError::bad_field(
                &format!("milestone{i}_due"),
                "节点日期不能晚于任务期限",
            ));
        }
        milestones.push((title.into_string(), domain::period::format_date(due)));
    }
    Ok(NewTask {
        region_code: region.to_string(),
        shortfall_id: opt_id("shortfall_id")?,
        remedy_id: opt_id("remedy_id")?,
        title: title.into_string(),
        description,
        route,
        track_id,
        town_id,
        owner_department_id,
        co_department_ids: co_departments,
        deadline: domain::period::format_date(deadline),
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
    let co: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "co_department")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    match parse_new_task(&state, &ctx.region.code, &form, co).await {
        Ok(new) => {
            let mut tx = state.store.begin_write().await?;
            let id = tx.create_task(&user.actor(), &new).await?;
            tx.commit().await?;
            Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
        }
        Err(e @ AppError::BadRequest { .. }) => {
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

pub async fn my_tasks(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    sweep(&state).await?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let all = state
        .store
        .tasks(&TaskFilter {
            region: ctx.region.code.clone(),
            ..Default::default()
        })
        .await?;
    let p = &user.principal;
    // My tasks are the ones I work on (the rule of `domain::access`); the office sees them all.
    let co = state.store.task_co_departments(&ctx.region.code).await?;
    let tasks: Vec<TaskRow> = all
        .into_iter()
        .filter(|t| match p.role {
            Role::Admin | Role::Office | Role::Viewer => true,
            _ => p.can_work_on(&TaskFacts {
                claimed_by_person: t.claimed_by_person,
                owner_department: t.owner_department_id,
                co_departments: co
                    .iter()
                    .filter(|(task, _)| *task == t.id)
                    .map(|(_, d)| *d)
                    .collect(),
                town: t.town_id,
            }),
        })
        .collect();
    let notifications = state.store.notifications(user.user.id, false).await?;
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
    state.store.mark_notifications_read(user.user.id).await?;
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
    let unclaimed = state
        .store
        .tasks(&TaskFilter {
            region: ctx.region.code.clone(),
            unclaimed: true,
            ..Default::default()
        })
        .await?;
    let mut tasks = Vec::new();
    for t in unclaimed {
        if t.state().is_closed() {
            continue;
        }
        if user.principal.role.is_office() || can_claim(&state, &user, &t).await? {
            tasks.push(t);
        }
    }
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
    enterprises: Vec<store::reference::Enterprise>,
    message: Option<String>,
    error: Option<String>,
    today: String,
}

impl TaskTemplate {
    fn route(&self) -> Route {
        self.d.task.route()
    }
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(&x.get())
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

async fn render_task(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let d = load_task(state, user, id).await?;
    let f = facts(&d);
    let st = d.task.state();
    let shortfall = match d.task.shortfall_id {
        Some(s) => state.store.shortfall(s).await?.map(|(s, _)| s),
        None => None,
    };
    let remedy = match d.task.remedy_id {
        Some(r) => state.store.remedy(r).await?,
        None => None,
    };
    let claimable = d.task.claimed_by_person.is_none()
        && !st.is_closed()
        && can_claim(state, user, &d.task).await?;
    Ok(TaskTemplate {
        layout: Layout::new(&d.task.title, "claim", user, ctx),
        state: st,
        shortfall,
        remedy,
        can_claim: claimable,
        can_work: user.principal.can_work_on(&f) && !st.is_closed(),
        can_complete: user.principal.can_complete(&f)
            && st
                .after(
                    domain::TaskEvent::Complete,
                    d.task.claimed_by_person.is_some(),
                )
                .is_some(),
        can_cancel: user.principal.role.is_office() && !st.is_closed(),
        enterprises: state.store.enterprises(&d.task.region_code).await?,
        d,
        message,
        error,
        today: domain::period::format_date(state.store.now().date()),
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

/// Claims a task for the signed-in leader; the answer says who holds it when someone else does.
pub(crate) async fn claim(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<ClaimOutcome, AppError> {
    let d = load_task(state, user, id).await?;
    if !can_claim(state, user, &d.task).await? {
        return Err(AppError::Forbidden(
            "只有负责该产业赛道或包联该镇街的领导可以认领此任务".into(),
        ));
    }
    let person = user
        .principal
        .person_id
        .ok_or_else(|| AppError::Forbidden("账号未关联人员".into()))?;
    let mut tx = state.store.begin_write().await?;
    let outcome = tx.claim_task(&user.actor(), id, person).await?;
    tx.commit().await?;
    Ok(outcome)
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
    match claim(&state, &user, id).await {
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

/// Reads a multipart progress report: its text and attachments, checked for size and type.
pub(crate) async fn read_progress(
    mut multipart: Multipart,
) -> Result<(HashMap<String, String>, Vec<(String, String, Vec<u8>)>), AppError> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad("上传内容无法读取（文件可能超过大小上限，或上传中断）"))?
    {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(|f| f.to_string()) {
            Some(file_name) if !file_name.is_empty() => {
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::bad("附件无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                if bytes.is_empty() {
                    continue;
                }
                if files.len() >= MAX_ATTACHMENTS {
                    return Err(AppError::bad_field(
                        "files",
                        format!("每次最多上传 {MAX_ATTACHMENTS} 个附件"),
                    ));
                }
                if bytes.len() > MAX_ATTACHMENT_BYTES {
                    return Err(AppError::bad_field(
                        "files",
                        format!("附件“{file_name}”超过 10 MB"),
                    ));
                }
                let ext = file_name
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_ascii_lowercase())
                    .unwrap_or_default();
                let Some((_, mime)) = ALLOWED_TYPES.iter().find(|(e, _)| *e == ext) else {
                    return Err(AppError::bad_field(
                        "files",
                        format!(
                            "附件“{file_name}”的类型不允许（允许 pdf、png、jpg、docx、xlsx、txt）"
                        ),
                    ));
                };
                let safe_name: String = file_name
                    .chars()
                    .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
                    .take(100)
                    .collect();
                files.push((safe_name, (*mime).to_string(), bytes.to_vec()));
            }
            Some(_) => {}
            None => {
                let text = field.text().await.map_err(|_| {
                    AppError::bad("表单无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, files))
}

pub(crate) async fn report(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    body: &str,
    files: Vec<(String, String, Vec<u8>)>,
) -> Result<i64, AppError> {
    let d = load_task(state, user, id).await?;
    if !user.principal.can_work_on(&facts(&d)) {
        return Err(AppError::Forbidden(
            "只有认领领导、责任部门、所属镇街或办公室可以报送进展".into(),
        ));
    }
    let body = BoundedText::parse_multiline(body, "进展内容", 4000)
        .map_err(|e| AppError::bad_field("body", e.to_string()))?;
    let mut tx = state.store.begin_write().await?;
    let pid = tx
        .report_progress(&user.actor(), id, body.as_str(), &files)
        .await?;
    tx.commit().await?;
    Ok(pid)
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
    let (fields, files) = match read_progress(multipart).await {
        Ok(x) => x,
        Err(e @ AppError::BadRequest { .. }) => {
            let html = render_task(&state, &user, &ctx, id, None, Some(e.public_message())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    user.check_form_csrf(&fields)?;
    match report(
        &state,
        &user,
        id,
        fields.get("body").map(String::as_str).unwrap_or(""),
        files,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}#timeline")).into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            let html = render_task(&state, &user, &ctx, id, None, Some(e.public_message())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
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
    let d = load_task(&state, &user, id).await?;
    let f = facts(&d);
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let result: Result<(), AppError> = async {
        let mut tx = state.store.begin_write().await?;
        match action.as_str() {
            "complete" => {
                if !user.principal.can_complete(&f) {
                    return Err(AppError::Forbidden(
                        "只有认领领导或办公室可以办结任务".into(),
                    ));
                }
                tx.complete_task(&user.actor(), id).await?;
            }
            "cancel" => {
                require_office(&user)?;
                let reason = BoundedText::parse(&field("reason"), "撤销原因", 200)
                    .map_err(|e| AppError::bad_field("reason", e.to_string()))?;
                tx.cancel_task(&user.actor(), id, reason.as_str()).await?;
            }
            "milestone" => {
                if !user.principal.can_work_on(&f) {
                    return Err(AppError::Forbidden("您无权更新该任务".into()));
                }
                let mid = field("milestone_id")
                    .parse::<i64>()
                    .map_err(|_| AppError::bad_field("milestone_id", "无效的节点"))?;
                tx.complete_milestone(&user.actor(), id, mid).await?;
            }
            "enterprise" => {
                if !user.principal.can_work_on(&f) {
                    return Err(AppError::Forbidden("您无权更新该任务".into()));
                }
                let eid = field("enterprise_id")
                    .parse::<i64>()
                    .map_err(|_| AppError::bad_field("enterprise_id", "请选择企业"))?;
                if !state
                    .store
                    .enterprises(&d.task.region_code)
                    .await?
                    .iter()
                    .any(|e| e.id == eid)
                {
                    return Err(AppError::bad_field("enterprise_id", "企业不存在"));
                }
                tx.add_task_enterprise(&user.actor(), id, eid).await?;
            }
            "service" => {
                if !user.principal.can_work_on(&f) {
                    return Err(AppError::Forbidden("您无权更新该任务".into()));
                }
                let eid = field("enterprise_id")
                    .parse::<i64>()
                    .map_err(|_| AppError::bad_field("enterprise_id", "请选择企业"))?;
                let what = BoundedText::parse(&field("action"), "服务内容", 500)
                    .map_err(|e| AppError::bad_field("action", e.to_string()))?;
                let on = domain::period::parse_date(&field("happened_on"))
                    .map_err(|_| AppError::bad_field("happened_on", "日期格式应为 2025-10-15"))?;
                tx.add_service_action(
                    &user.actor(),
                    id,
                    eid,
                    what.as_str(),
                    &domain::period::format_date(on),
                )
                .await?;
            }
            "lead" => {
                if !user.principal.can_work_on(&f) {
                    return Err(AppError::Forbidden("您无权更新该任务".into()));
                }
                let name = BoundedText::parse(&field("name"), "线索名称", 100)
                    .map_err(|e| AppError::bad_field("name", e.to_string()))?;
                let investor = field("investor");
                if investor.chars().count() > 100 {
                    return Err(AppError::bad_field("investor", "投资方最多 100 个字符"));
                }
                let chain_link = field("chain_link");
                if chain_link.chars().count() > 100 {
                    return Err(AppError::bad_field(
                        "chain_link",
                        "产业链环节最多 100 个字符",
                    ));
                }
                let investment = match field("estimated_investment").as_str() {
                    "" => None,
                    v => Some(
                        domain::Yuan::parse(v, domain::money::MoneyUnit::Yi)
                            .map_err(|e| {
                                AppError::bad_field("estimated_investment", e.to_string())
                            })?
                            .0,
                    ),
                };
                tx.add_lead(
                    &user.actor(),
                    &NewLead {
                        region_code: d.task.region_code.clone(),
                        task_id: Some(id),
                        track_id: d.task.track_id,
                        chain_link,
                        name: name.into_string(),
                        investor,
                        estimated_investment: investment,
                    },
                )
                .await?;
            }
            _ => return Err(AppError::NotFound("操作".into())),
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render_task(&state, &user, &ctx, id, None, Some(e.public_message())).await?;
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

// ----- supervision ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionTemplate {
    layout: Layout,
    overdue: Vec<TaskRow>,
    ranking: Vec<store::claim::RankRow>,
    late_issues: Vec<store::land::LateIssue>,
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
    let overdue = state
        .store
        .tasks(&TaskFilter {
            region: ctx.region.code.clone(),
            state: Some(TaskState::Overdue),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| can_read_task(&user, t))
        .collect();
    let access = crate::land::pages::access(&state, &user).await?;
    let html = SupervisionTemplate {
        layout: Layout::new("督办", "supervision", &user, &ctx),
        overdue,
        ranking: state.store.task_ranking(&ctx.region.code).await?,
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
    let ranking = state.store.task_ranking(&ctx.region.code).await?;
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
    if query.chars().count() > 50 {
        return Err(AppError::bad_field("q", "检索词最多 50 个字符").into());
    }
    let remedies = state.store.remedies(&ctx.region.code, Some(&query)).await?;
    let html = RemediesTemplate {
        layout: Layout::new("解决方案库", "claim", &user, &ctx),
        q: query,
        remedies,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[cfg(test)]
mod tests {
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
