//! The 打项目 pages: the pipeline as a board by stage and as a table, a project with its stages,
//! parallel-approval Gantt chart, service log and contribution; a lead becoming a project.

use crate::auth::{CurrentUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{parse_id, respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::money::MoneyUnit;
use domain::project::Stage;
use domain::{BoundedText, Role, Yuan};
use std::collections::HashMap;
use store::land::{NewApproval, NewProject, ProjectDetail, ProjectEdit, ProjectRow};
use workflow::land::{
    approval_plan, idle_days, stall_status, ProjectAccess, ProjectDetailView, ProjectView,
};

/// The access gate for this user's request (see [`ProjectAccess`]).
pub(crate) async fn access(
    state: &AppState,
    user: &CurrentUser,
) -> Result<ProjectAccess, AppError> {
    Ok(ProjectAccess::load(&state.store, &user.principal).await?)
}

/// The region's projects this user reads, masked.
pub(crate) async fn visible_projects(
    state: &AppState,
    access: &ProjectAccess,
    region: &str,
) -> Result<Vec<ProjectView>, AppError> {
    Ok(access.views(state.store.projects(region).await?))
}

/// A project as a user may see it: confidential names replaced by code names outside its scope.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectCard {
    pub id: i64,
    pub name: String,
    pub confidential: bool,
    pub stage: String,
    pub stage_label: String,
    pub track: String,
    pub tier: String,
    pub town: String,
    pub investment: Option<i64>,
    pub investment_text: String,
    pub major: bool,
    pub stall: String,
    pub stall_label: String,
    pub idle_days: i64,
    pub signed_on: Option<String>,
    pub started_on: Option<String>,
    pub expected_production_month: Option<String>,
}

pub(crate) fn cards(state: &AppState, views: &[ProjectView]) -> Vec<ProjectCard> {
    let today = state.store.now().date();
    let rules = state.config.rules.stall;
    let mut out = Vec::with_capacity(views.len());
    for v in views {
        let p = v.row();
        let status = stall_status(p, today, &rules);
        out.push(ProjectCard {
            id: p.id,
            name: p.name.clone(),
            confidential: !p.code_name.trim().is_empty(),
            stage: p.stage.clone(),
            stage_label: p.stage().label().to_string(),
            track: p.track_name.clone().unwrap_or_default(),
            tier: p.tier_name.clone().unwrap_or_default(),
            town: p.town_name.clone().unwrap_or_default(),
            investment: p.total_investment,
            investment_text: p
                .total_investment
                .map(|v| format!("{} 亿元", Yuan(v).yi_text()))
                .unwrap_or_else(|| "—".into()),
            major: p.total_investment.is_some_and(|v| v >= 100_000_000),
            stall: status.code().to_string(),
            stall_label: match status {
                domain::Status::Red => "停滞".into(),
                domain::Status::Yellow => "放缓".into(),
                _ => "正常".into(),
            },
            idle_days: idle_days(p, today),
            signed_on: p.signed_on.clone(),
            started_on: p.started_on.clone(),
            expected_production_month: p.expected_production_month.clone(),
        });
    }
    out
}

/// Cards shown per board column; the rest are a click away in the table.
const COLUMN_CARDS: usize = 12;

pub struct Column {
    pub stage: Stage,
    pub cards: Vec<ProjectCard>,
    pub total: usize,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsTemplate {
    layout: Layout,
    columns: Vec<Column>,
    table: bool,
    all: Vec<ProjectCard>,
    signed: usize,
    major: usize,
    stalled: usize,
    signed_investment: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ProjectsQuery {
    pub view: Option<String>,
    pub stage: Option<String>,
    pub region: Option<String>,
    pub period: Option<String>,
}

pub async fn projects(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<ProjectsQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(
        &state,
        &user,
        &headers,
        &ViewQuery {
            region: q.region.clone(),
            period: q.period.clone(),
        },
    )
    .await?;
    let access = access(&state, &user).await?;
    let views = visible_projects(&state, &access, &ctx.region.code).await?;
    let rows: Vec<&ProjectRow> = views.iter().map(ProjectView::row).collect();
    let mut all = cards(&state, &views);
    // Stalled projects first, then the most idle.
    let rank = |s: &str| match s {
        "red" => 0,
        "yellow" => 1,
        _ => 2,
    };
    all.sort_by(|a, b| {
        rank(&a.stall)
            .cmp(&rank(&b.stall))
            .then(b.idle_days.cmp(&a.idle_days))
            .then(a.id.cmp(&b.id))
    });
    let columns = Stage::ALL
        .iter()
        .map(|s| {
            let in_stage: Vec<ProjectCard> = all
                .iter()
                .filter(|c| c.stage == s.code())
                .cloned()
                .collect();
            Column {
                stage: *s,
                total: in_stage.len(),
                cards: in_stage.into_iter().take(COLUMN_CARDS).collect(),
            }
        })
        .collect();
    if let Some(stage) = q.stage.as_deref() {
        let stage = Stage::parse(stage)
            .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{stage}”无效")))?;
        all.retain(|c| c.stage == stage.code());
    }
    let signed_rows: Vec<&&ProjectRow> = rows.iter().filter(|p| p.stage().is_signed()).collect();
    let html = ProjectsTemplate {
        layout: Layout::new("项目库", "land", &user, &ctx),
        columns,
        table: q.view.as_deref() == Some("table") || q.stage.is_some(),
        signed: signed_rows.len(),
        major: rows
            .iter()
            .filter(|p| p.total_investment.is_some_and(|v| v >= 100_000_000))
            .count(),
        stalled: all.iter().filter(|c| c.stall == "red").count(),
        signed_investment: Yuan(signed_rows.iter().filter_map(|p| p.total_investment).sum())
            .yi_text(),
        all,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectTemplate {
    layout: Layout,
    d: ProjectDetail,
    card: ProjectCard,
    next: Option<Stage>,
    can_write: bool,
    plan: Option<analytics::approval::ApprovalPlan>,
    plan_error: Option<String>,
    gantt: String,
    contribution_pp: Option<f64>,
    towns: Vec<store::reference::Town>,
    areas: Vec<store::reference::HostArea>,
    departments: Vec<store::reference::Department>,
    today: String,
    error: Option<String>,
    /// What the user typed into a refused edit form, to show it again.
    form: HashMap<String, String>,
}

impl ProjectTemplate {
    fn yi(&self, v: &Option<i64>) -> String {
        v.map(|y| format!("{} 亿元", Yuan(y).yi_text()))
            .unwrap_or_else(|| "—".into())
    }
    /// A field of the edit form: what was typed into a refused form, else the stored value.
    fn field(&self, key: &str, stored: String) -> String {
        self.form.get(key).cloned().unwrap_or(stored)
    }
    fn picked(&self, key: &str, stored: &Option<i64>, id: &i64) -> bool {
        match self.form.get(key) {
            Some(v) => *v == id.to_string(),
            None => stored.as_ref() == Some(id),
        }
    }
    fn yi_input(&self, v: &Option<i64>) -> String {
        v.map(|y| Yuan(y).yi_text()).unwrap_or_default()
    }
    fn stage_label(&self, code: &str) -> &'static str {
        Stage::parse(code).map(|s| s.label()).unwrap_or("—")
    }
    fn pp(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into())
    }
    fn late(&self, deadline: &str, resolved: &Option<String>) -> bool {
        resolved.is_none() && deadline < self.today.as_str()
    }
}

/// A project as this user may see it, with the access gate it passed; a project the user may
/// not read does not exist for them (404, as for targets and tasks).
pub(crate) async fn load_project(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(ProjectDetailView, ProjectAccess), AppError> {
    let access = access(state, user).await?;
    let detail = state
        .store
        .project(id)
        .await?
        .and_then(|d| access.detail(d))
        .ok_or_else(|| AppError::NotFound(format!("项目 {id}")))?;
    Ok((detail, access))
}

/// Starts a write on project `id`: the project is locked and the user's right to change it is
/// checked on it as it is now (`new_town`: the town an edit would move it to).
pub(crate) async fn begin_project_write(
    state: &AppState,
    access: &ProjectAccess,
    id: i64,
    new_town: Option<i64>,
) -> Result<store::WriteTx, AppError> {
    let mut tx = state.store.begin_write().await?;
    let current = tx.locked_project(id).await?;
    if !access.can_read(&current) {
        return Err(AppError::NotFound(format!("项目 {id}")));
    }
    if !access.can_change(&current, new_town) {
        return Err(AppError::Forbidden(
            if new_town.is_some_and(|t| current.town_id != Some(t)) {
                "您无权把该项目调整到所选镇街".into()
            } else {
                "您无权修改该项目".into()
            },
        ));
    }
    Ok(tx)
}

async fn render_project(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let (shown, access) = load_project(state, user, id).await?;
    let card = cards(state, std::slice::from_ref(shown.view()))
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(format!("项目 {id}")))?;
    let can_write = shown.view().can_write();
    let d = shown.detail().clone();
    let (plan, plan_error) = if d.approvals.is_empty() {
        (None, None)
    } else {
        match approval_plan(&d) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    let gantt = match (
        &plan,
        d.approvals.first().and_then(|a| a.plan_start.clone()),
    ) {
        (Some(p), Some(start)) => crate::layout::chart_json(&serde_json::json!({
            "start": start,
            "items": p.items.iter().map(|i| {
                let a = d.approvals.iter().find(|a| a.code == i.code);
                serde_json::json!({"name": i.name, "start": i.start_day, "end": i.end_day, "critical": i.critical,
                    "actual_start": a.and_then(|a| a.actual_start.clone()), "actual_end": a.and_then(|a| a.actual_end.clone())})
            }).collect::<Vec<_>>(),
        })),
        _ => "null".into(),
    };
    let contribution_pp = match workflow::land::pipeline_report(
        &state.store,
        &d.project.region_code,
        ctx.period,
        &state.config.rules,
        &access,
    )
    .await
    {
        Ok(r) => r
            .contribution
            .projects
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.contribution_pp),
        Err(_) => None,
    };
    let next = d.project.stage().next();
    Ok(ProjectTemplate {
        layout: Layout::new(&card.name.clone(), "land", user, ctx),
        can_write,
        towns: state.store.towns(&d.project.region_code).await?,
        areas: state.store.host_areas(&d.project.region_code).await?,
        departments: state.store.departments(&d.project.region_code).await?,
        card,
        next,
        plan,
        plan_error,
        gantt,
        contribution_pp,
        d,
        today: domain::period::format_date(state.store.now().date()),
        error,
        form,
    }
    .render()?)
}

pub async fn project(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "项目")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_project(&state, &user, &ctx, id, None, HashMap::new()).await?;
    Ok(respond(html, &ctx))
}

/// Parses a money field given in 亿元 (or with its unit).
fn money(form: &HashMap<String, String>, key: &str, label: &str) -> Result<Option<i64>, AppError> {
    match form.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Yuan::parse(v, MoneyUnit::Yi)
            .map(|y| Some(y.0))
            .map_err(|e| AppError::bad_field(key, format!("{label}：{e}"))),
    }
}

fn month(form: &HashMap<String, String>, key: &str) -> Result<Option<String>, AppError> {
    match form.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => match domain::Period::parse(v) {
            Ok(domain::Period::Month { year, month }) => Ok(Some(format!("{year:04}-{month:02}"))),
            _ => Err(AppError::bad_field(
                key,
                format!("预计投产月份“{v}”格式应为 2025-11"),
            )),
        },
    }
}

/// Creates a project, from a task's lead or from scratch.
pub(crate) async fn create_project(
    state: &AppState,
    user: &CurrentUser,
    region: &str,
    form: &HashMap<String, String>,
) -> Result<i64, AppError> {
    if matches!(user.principal.role, Role::Viewer | Role::ServiceManager) {
        return Err(AppError::Forbidden("您无权新增项目".into()));
    }
    let mut new = NewProject {
        region_code: region.to_string(),
        source_kind: "other".into(),
        ..Default::default()
    };
    if let Some(lead_id) = form.get("lead_id").and_then(|v| v.parse::<i64>().ok()) {
        let task_id = form
            .get("task_id")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| AppError::bad_field("task_id", "缺少任务"))?;
        let task = crate::claim::pages::load_task(state, user, task_id).await?;
        if !user
            .principal
            .can_work_on(&crate::claim::pages::facts(&task))
        {
            return Err(AppError::Forbidden(
                "只有办理该任务的人员可以把线索转为项目".into(),
            ));
        }
        let lead = task
            .leads
            .iter()
            .find(|l| l.id == lead_id)
            .ok_or_else(|| AppError::bad_field("lead_id", "该任务没有这条线索"))?;
        if lead.status == "project" {
            return Err(AppError::Conflict("该线索已转为项目".into()));
        }
        new.name = lead.name.clone();
        new.investor_name = lead.investor.clone();
        new.track_id = lead.track_id;
        new.chain_link = lead.chain_link.clone();
        new.total_investment = lead.estimated_investment;
        new.value_added_at_capacity = lead
            .estimated_investment
            .map(|v| state.config.rules.value_added.assumed(v));
        new.town_id = task.task.town_id;
        new.source_kind = "lead".into();
        new.source_lead_id = Some(lead.id);
        new.source_task_id = Some(task_id);
    } else {
        let name = BoundedText::parse(
            form.get("name").map(String::as_str).unwrap_or(""),
            "项目名称",
            100,
        )
        .map_err(|e| AppError::bad_field("name", e.to_string()))?;
        new.name = name.into_string();
        new.investor_name = form
            .get("investor")
            .map(|s| s.trim().chars().take(100).collect())
            .unwrap_or_default();
        new.total_investment = money(form, "total_investment", "总投资")?;
        new.value_added_at_capacity = new
            .total_investment
            .map(|v| state.config.rules.value_added.assumed(v));
        new.track_id = match form
            .get("track_id")
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .map_err(|_| AppError::bad_field("track_id", "无效的赛道"))?,
            ),
        };
        new.code_name = form
            .get("code_name")
            .map(|s| s.trim().chars().take(50).collect())
            .unwrap_or_default();
    }
    if user.principal.role == Role::Town {
        // A town's project lies in the town (and stays readable by it).
        match (new.town_id, user.principal.town_id) {
            (_, None) => {
                return Err(AppError::Forbidden(
                    "您的账号未关联镇街，不能新增项目".into(),
                ))
            }
            (Some(t), Some(own)) if t != own => {
                return Err(AppError::Forbidden("只能为本镇街新增项目".into()))
            }
            (_, own) => new.town_id = own,
        }
    }
    if let Some(t) = new.track_id {
        if !state.store.tracks(region).await?.iter().any(|x| x.id == t) {
            return Err(AppError::bad_field(
                "track_id",
                format!("产业赛道 {t} 不存在"),
            ));
        }
    }
    let today = domain::period::format_date(state.store.now().date());
    let mut tx = state.store.begin_write().await?;
    let id = tx
        .create_project(&user.actor(), &new, Stage::Lead, &today)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn new_project(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let id = create_project(&state, &user, &ctx.region.code, &form).await?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

/// Moves a project to a stage on a date.
pub(crate) async fn move_stage(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    to: &str,
    on: Option<&str>,
) -> Result<(), AppError> {
    let (d, access) = load_project(state, user, id).await?;
    if !d.view().can_write() {
        return Err(AppError::Forbidden("您无权推进该项目".into()));
    }
    let to =
        Stage::parse(to).ok_or_else(|| AppError::bad_field("stage", format!("阶段“{to}”无效")))?;
    let today = state.store.now().date();
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        None => today,
        Some(s) => domain::period::parse_date(s)
            .map_err(|_| AppError::bad_field("on", format!("日期“{s}”格式应为 2025-10-14")))?,
    };
    if on > today {
        return Err(AppError::bad_field("on", "日期不能晚于今天"));
    }
    let mut tx = begin_project_write(state, &access, id, None).await?;
    tx.move_project(&user.actor(), id, to, &domain::period::format_date(on))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn project_action(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "项目")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let result: Result<(), AppError> = async {
        let (shown, access) = load_project(&state, &user, id).await?;
        if !shown.view().can_write() {
            return Err(AppError::Forbidden("您无权修改该项目".into()));
        }
        let d = shown.detail();
        match action.as_str() {
            "stage" => move_stage(&state, &user, id, &field("stage"), Some(&field("on"))).await?,
            "edit" => {
                let opt_id = |k: &str| -> Result<Option<i64>, AppError> {
                    match field(k).as_str() {
                        "" => Ok(None),
                        v => v
                            .parse::<i64>()
                            .map(Some)
                            .map_err(|_| AppError::bad_field(k, "无效的选项")),
                    }
                };
                let investor = field("investor_name");
                if investor.chars().count() > 100 {
                    return Err(AppError::bad_field(
                        "investor_name",
                        "投资方最多 100 个字符",
                    ));
                }
                let edit = ProjectEdit {
                    investor_name: (!investor.is_empty()).then_some(investor),
                    total_investment: money(&form, "total_investment", "总投资")?,
                    fixed_asset_investment: money(&form, "fixed_asset_investment", "固定资产投资")?,
                    output_at_capacity: money(&form, "output_at_capacity", "达产产值")?,
                    value_added_at_capacity: money(&form, "value_added_at_capacity", "达产增加值")?,
                    town_id: opt_id("town_id")?,
                    host_area_id: opt_id("host_area_id")?,
                    expected_production_month: month(&form, "expected_production_month")?,
                };
                let mut tx = begin_project_write(&state, &access, id, edit.town_id).await?;
                tx.edit_project(&user.actor(), id, &edit).await?;
                tx.commit().await?;
            }
            "approval-plan" => {
                let start = domain::period::parse_date(&field("plan_start")).map_err(|_| {
                    AppError::bad_field("plan_start", "计划开始日期格式应为 2025-10-14")
                })?;
                let templates = state.store.approval_templates().await?;
                let items: Vec<NewApproval> = templates
                    .iter()
                    .map(|t| NewApproval {
                        code: t.code.clone(),
                        name: t.name.clone(),
                        planned_days: t.typical_days,
                        prerequisites: t
                            .prerequisites
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect(),
                        gates_stage: t.gates_stage.clone(),
                        plan_start: Some(domain::period::format_date(start)),
                    })
                    .collect();
                crate::land::api::check_plan(&items)?;
                let mut tx = begin_project_write(&state, &access, id, None).await?;
                tx.set_approval_plan(&user.actor(), id, &items).await?;
                tx.commit().await?;
            }
            "approval" => {
                let code = field("code");
                let date = |k: &str| -> Result<Option<String>, AppError> {
                    match field(k).as_str() {
                        "" => Ok(None),
                        v => domain::period::parse_date(v)
                            .map(|d| Some(domain::period::format_date(d)))
                            .map_err(|_| {
                                AppError::bad_field(k, format!("日期“{v}”格式应为 2025-10-14"))
                            }),
                    }
                };
                let (start, end) = (date("actual_start")?, date("actual_end")?);
                let today = domain::period::format_date(state.store.now().date());
                if start.as_deref().is_some_and(|s| s > today.as_str())
                    || end.as_deref().is_some_and(|e| e > today.as_str())
                {
                    return Err(AppError::bad("日期不能晚于今天"));
                }
                let mut tx = begin_project_write(&state, &access, id, None).await?;
                tx.record_approval(&user.actor(), id, &code, start.as_deref(), end.as_deref())
                    .await?;
                tx.commit().await?;
            }
            "issue" => {
                let problem = BoundedText::parse(&field("problem"), "问题", 500)
                    .map_err(|e| AppError::bad_field("problem", e.to_string()))?;
                let deadline = domain::period::parse_date(&field("deadline"))
                    .map_err(|_| AppError::bad_field("deadline", "办理时限格式应为 2025-10-31"))?;
                let dept = match field("department_id").as_str() {
                    "" => None,
                    v => Some(
                        v.parse::<i64>()
                            .map_err(|_| AppError::bad_field("department_id", "无效的部门"))?,
                    ),
                };
                if let Some(dep) = dept {
                    if !state
                        .store
                        .departments(&d.project.region_code)
                        .await?
                        .iter()
                        .any(|x| x.id == dep)
                    {
                        return Err(AppError::bad_field("department_id", "部门不存在"));
                    }
                }
                let mut tx = begin_project_write(&state, &access, id, None).await?;
                tx.add_project_issue(
                    &user.actor(),
                    id,
                    problem.as_str(),
                    dept,
                    &domain::period::format_date(deadline),
                )
                .await?;
                tx.commit().await?;
            }
            "resolve" => {
                let issue = field("issue_id")
                    .parse::<i64>()
                    .map_err(|_| AppError::bad_field("issue_id", "无效的问题"))?;
                let resolution = BoundedText::parse(&field("resolution"), "办理结果", 500)
                    .map_err(|e| AppError::bad_field("resolution", e.to_string()))?;
                let mut tx = begin_project_write(&state, &access, id, None).await?;
                tx.resolve_project_issue(&user.actor(), id, issue, resolution.as_str())
                    .await?;
                tx.commit().await?;
            }
            _ => return Err(AppError::NotFound("操作".into())),
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html =
                render_project(&state, &user, &ctx, id, Some(e.public_message()), form).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn projects_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let access = access(&state, &user).await?;
    let views = visible_projects(&state, &access, &ctx.region.code).await?;
    let list = cards(&state, &views);
    let lines: Vec<io::export::ProjectLine> = list
        .iter()
        .map(|c| io::export::ProjectLine {
            id: c.id,
            name: c.name.clone(),
            stage: c.stage_label.clone(),
            tier: c.tier.clone(),
            track: c.track.clone(),
            town: c.town.clone(),
            investment_yi: c.investment.map(|v| v as f64 / 1e8),
            signed_on: c.signed_on.clone().unwrap_or_default(),
            started_on: c.started_on.clone().unwrap_or_default(),
            production_month: c.expected_production_month.clone().unwrap_or_default(),
            stall: c.stall_label.clone(),
        })
        .collect();
    let bytes = io::export::projects_xlsx(&ctx.region.name, &lines)
        .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"projects.xlsx\"; filename*=UTF-8''%E9%A1%B9%E7%9B%AE%E5%BA%93.xlsx".to_string()),
        ],
        bytes,
    )
        .into_response())
}
