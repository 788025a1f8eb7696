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
use domain::Yuan;
use std::collections::HashMap;
use store::land::{ProjectDetail, ProjectEdit};
use workflow::land::{
    approval_plan, CreateProject, NewProjectFields, ProjectAccess, ProjectAction,
    ProjectDetailView, ProjectOrigin, ProjectSort, StallFilter,
};

use super::{cards, filter_params, ListParams, ProjectCard};

/// The access gate for this user's request (see [`ProjectAccess`]).
pub(crate) async fn access(
    state: &AppState,
    user: &CurrentUser,
) -> Result<ProjectAccess, AppError> {
    Ok(ProjectAccess::load(&state.store, &user.principal).await?)
}

pub struct Column {
    pub stage: Stage,
    pub cards: Vec<ProjectCard>,
    pub total: i64,
    /// Projects of the column not shown as cards.
    pub more: i64,
}

/// An option of a filter's select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsTemplate {
    layout: Layout,
    columns: Vec<Column>,
    table: bool,
    all: Vec<ProjectCard>,
    signed: i64,
    major: i64,
    stalled: i64,
    signed_investment: String,
    /// The year's new signings as 总览 and 找位置 show them (one source: `workflow::figures`).
    year_signed: Option<std::sync::Arc<workflow::figures::Headline>>,
    /// The filter as URL parameters (`&k=v…`, without stage and page).
    params: String,
    /// The stage filtered on, as a URL parameter (`&stage=…`) or empty.
    stage_param: String,
    stages: Vec<Choice>,
    tiers: Vec<Choice>,
    tracks: Vec<Choice>,
    towns: Vec<Choice>,
    stalls: Vec<Choice>,
    sorts: Vec<Choice>,
    total: i64,
    page: i64,
    pages: i64,
    per_page: i64,
    export_limit: i64,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ProjectsQuery {
    pub view: Option<String>,
    pub region: Option<String>,
    pub period: Option<String>,
    #[serde(flatten)]
    pub list: ListParams,
}

fn choices<T: PartialEq>(
    items: impl IntoIterator<Item = (T, String, String)>,
    picked: Option<T>,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "全部".into(),
        selected: picked.is_none(),
    }];
    out.extend(items.into_iter().map(|(v, value, label)| Choice {
        selected: picked.as_ref() == Some(&v),
        value,
        label,
    }));
    out
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
    let (filter, page) = q.list.parse()?;
    let access = access(&state, &user).await?;
    let region = ctx.region.code.clone();
    let rules = &state.config.rules;
    let table = q.view.as_deref() == Some("table") || filter.stage.is_some();
    let (columns, all, total, pages) = if table {
        let listed =
            workflow::land::list_projects(&state.store, &access, rules, &region, &filter, page)
                .await?;
        let pages = listed.pages();
        (vec![], cards(&state, &listed.views), listed.total, pages)
    } else {
        let board = workflow::land::board(&state.store, &access, rules, &region, &filter).await?;
        let total = board.iter().map(|c| c.total).sum();
        let columns = board
            .into_iter()
            .map(|c| Column {
                stage: c.stage,
                more: c.total - c.views.len() as i64,
                cards: cards(&state, &c.views),
                total: c.total,
            })
            .collect();
        (columns, vec![], total, 1)
    };
    // The library's own totals are over every project the user reads, of any year; the year's
    // new signings come from the one source 总览 and 找位置 read (absent without a model).
    let totals = workflow::land::totals(&state.store, &access, rules, &region).await?;
    let year_signed = workflow::figures::headline(&state.store, &region, ctx.period, rules)
        .await
        .ok();
    let tracks = state.store.tracks(&region).await?;
    let mut tiers: Vec<(i64, String)> = tracks
        .iter()
        .map(|t| (t.tier_id, t.tier_name.clone()))
        .collect();
    tiers.sort();
    tiers.dedup();
    let towns = state.store.towns(&region).await?;
    let html = ProjectsTemplate {
        layout: Layout::new("项目库", "land", &user, &ctx),
        columns,
        table,
        all,
        signed: totals.signed,
        major: totals.major,
        stalled: totals.stalled,
        signed_investment: Yuan(totals.signed_investment).yi_text(),
        year_signed,
        params: filter_params(&filter),
        stage_param: filter
            .stage
            .map(|s| format!("&stage={}", s.code()))
            .unwrap_or_default(),
        stages: choices(
            Stage::ALL.map(|s| (s, s.code().to_string(), s.label().to_string())),
            filter.stage,
        ),
        tiers: choices(
            tiers.into_iter().map(|(id, n)| (id, id.to_string(), n)),
            filter.tier_id,
        ),
        tracks: choices(
            tracks
                .iter()
                .map(|t| (t.id, t.id.to_string(), t.name.clone())),
            filter.track_id,
        ),
        towns: choices(
            towns
                .iter()
                .map(|t| (t.id, t.id.to_string(), t.name.clone())),
            filter.town_id,
        ),
        stalls: choices(
            [
                (StallFilter::Red, "停滞"),
                (StallFilter::Yellow, "放缓"),
                (StallFilter::Green, "正常"),
            ]
            .map(|(s, l)| (s, s.code().to_string(), l.to_string())),
            filter.stall,
        ),
        sorts: ProjectSort::ALL
            .iter()
            .map(|s| Choice {
                value: s.code().to_string(),
                label: s.label().to_string(),
                selected: *s == filter.sort,
            })
            .collect(),
        total,
        page: page.page,
        pages,
        per_page: page.per_page,
        export_limit: workflow::land::EXPORT_LIMIT,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectTemplate {
    layout: Layout,
    /// 领导批示 on the project, newest first (shown first).
    instructions: Vec<store::supervision::Instruction>,
    can_instruct: bool,
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
    /// The refusal asks to confirm a large investment (`domain::bounds`): show the checkbox.
    confirm_investment: bool,
}

impl ProjectTemplate {
    fn stamp(&self, at: &str) -> String {
        crate::layout::stamp(at)
    }
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
    /// An approval's prerequisites by their names ("项目备案、用地预审"), never their codes.
    fn prerequisite_names(&self, a: &store::land::ProjectApproval) -> String {
        let names: Vec<&str> = a
            .prerequisite_codes()
            .iter()
            .map(|c| {
                self.d
                    .approvals
                    .iter()
                    .find(|x| &x.code == c)
                    .map(|x| x.name.as_str())
                    .unwrap_or("其他事项")
            })
            .collect();
        if names.is_empty() {
            "—".into()
        } else {
            names.join("、")
        }
    }
    fn month(&self, m: &str) -> String {
        crate::layout::month(m)
    }
    fn pp(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into())
    }
    fn late(&self, deadline: &str, resolved: &Option<String>) -> bool {
        resolved.is_none() && deadline < self.today.as_str()
    }
}

/// A project as this user may see it, with the access gate it passed (404 when not readable).
pub(crate) async fn load_project(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(ProjectDetailView, ProjectAccess), AppError> {
    Ok(workflow::land::load_project(&state.store, &user.principal, id).await?)
}

async fn render_project(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    error: Option<&AppError>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let confirm_investment = matches!(error, Some(AppError::BadRequest { field: Some(f), .. })
        if f == domain::bounds::CONFIRM_INVESTMENT);
    let error = error.map(AppError::public_message);
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
    let instructions = state.store.project_instructions(id).await?;
    let can_instruct = user.principal.may_supervise(
        domain::supervision::Move::Instruct,
        &domain::TaskFacts::default(),
        false,
    );
    Ok(ProjectTemplate {
        instructions,
        can_instruct,
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
        confirm_investment,
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

/// A form field, trimmed; empty when absent.
fn field(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// An optional id of a select (empty: none).
fn opt_id(form: &HashMap<String, String>, key: &str, what: &str) -> Result<Option<i64>, AppError> {
    match field(form, key).as_str() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::bad_field(key, what.to_string())),
    }
}

/// A date field written 2025-10-14; None when empty.
fn opt_date(
    form: &HashMap<String, String>,
    key: &str,
    what: &str,
) -> Result<Option<time::Date>, AppError> {
    match field(form, key).as_str() {
        "" => Ok(None),
        v => domain::period::parse_date(v)
            .map(Some)
            .map_err(|_| AppError::bad_field(key, format!("{what}“{v}”格式应为 2025-10-14"))),
    }
}

fn date(form: &HashMap<String, String>, key: &str, what: &str) -> Result<time::Date, AppError> {
    opt_date(form, key, what)?
        .ok_or_else(|| AppError::bad_field(key, format!("{what}格式应为 2025-10-14")))
}

/// The new-project form as the command it asks for: a task's lead when it names one, else a
/// project from scratch.
fn create_command(region: &str, form: &HashMap<String, String>) -> Result<CreateProject, AppError> {
    let origin = match opt_id(form, "lead_id", "无效的线索")? {
        Some(lead_id) => ProjectOrigin::Lead {
            task_id: opt_id(form, "task_id", "无效的任务")?
                .ok_or_else(|| AppError::bad_field("task_id", "缺少任务"))?,
            lead_id,
        },
        None => ProjectOrigin::New(NewProjectFields {
            name: field(form, "name"),
            code_name: field(form, "code_name"),
            investor: field(form, "investor"),
            track_id: opt_id(form, "track_id", "无效的赛道")?,
            total_investment: money(form, "total_investment", "总投资")?,
            confirm_large_investment: !field(form, domain::bounds::CONFIRM_INVESTMENT).is_empty(),
        }),
    };
    Ok(CreateProject {
        region: region.to_string(),
        origin,
    })
}

pub async fn new_project(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let cmd = create_command(&ctx.region.code, &form)?;
    let id = workflow::land::create_project(
        &state.store,
        &user.principal,
        &user.actor(),
        &state.config.rules,
        cmd,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Redirect::to(&format!("/projects/{id}")).into_response())
}

/// A project form as the action it asks for.
fn action_command(action: &str, form: &HashMap<String, String>) -> Result<ProjectAction, AppError> {
    Ok(match action {
        "stage" => {
            let raw = field(form, "stage");
            ProjectAction::Stage {
                stage: Stage::parse(&raw)
                    .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{raw}”无效")))?,
                on: opt_date(form, "on", "日期")?,
            }
        }
        "edit" => {
            let investor = field(form, "investor_name");
            let month = field(form, "expected_production_month");
            ProjectAction::Edit {
                confirmed: !field(form, domain::bounds::CONFIRM_INVESTMENT).is_empty(),
                edit: ProjectEdit {
                    investor_name: (!investor.is_empty()).then_some(investor),
                    total_investment: money(form, "total_investment", "总投资")?,
                    fixed_asset_investment: money(form, "fixed_asset_investment", "固定资产投资")?,
                    output_at_capacity: money(form, "output_at_capacity", "达产产值")?,
                    value_added_at_capacity: money(form, "value_added_at_capacity", "达产增加值")?,
                    town_id: opt_id(form, "town_id", "无效的选项")?,
                    host_area_id: opt_id(form, "host_area_id", "无效的选项")?,
                    expected_production_month: (!month.is_empty()).then_some(month),
                },
            }
        }
        "approval-plan" => ProjectAction::ApprovalPlan {
            plan_start: date(form, "plan_start", "计划开始日期")?,
            items: None,
        },
        "approval" => ProjectAction::Approval {
            code: field(form, "code"),
            actual_start: opt_date(form, "actual_start", "日期")?,
            actual_end: opt_date(form, "actual_end", "日期")?,
        },
        "issue" => ProjectAction::Issue {
            problem: field(form, "problem"),
            department_id: opt_id(form, "department_id", "无效的部门")?,
            deadline: date(form, "deadline", "办理时限")?,
        },
        "resolve" => ProjectAction::Resolve {
            issue_id: field(form, "issue_id")
                .parse::<i64>()
                .map_err(|_| AppError::bad_field("issue_id", "无效的问题"))?,
            resolution: field(form, "resolution"),
        },
        _ => return Err(AppError::NotFound("操作".into())),
    })
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
    let result: Result<(), AppError> = async {
        // A project the user may not read is a 404, one he may not change a 403, whatever
        // the form holds.
        let (shown, _) = load_project(&state, &user, id).await?;
        if action == "instruct" {
            let actor = user.actor();
            workflow::claim::instruct_project(
                &state.store,
                workflow::claim::Caller {
                    principal: &user.principal,
                    actor: &actor,
                },
                id,
                &field(&form, "body"),
            )
            .await?;
            return Ok(());
        }
        if !shown.view().can_write() {
            return Err(AppError::Forbidden("您无权修改该项目".into()));
        }
        // A stage is not taken back: the page asks for an explicit confirmation (the API's
        // stage endpoint is itself the explicit act).
        if action == "stage" && field(&form, "confirm").is_empty() {
            return Err(AppError::bad_field(
                "confirm",
                "请勾选“确认推进”：阶段推进后不能回退",
            ));
        }
        let cmd = action_command(&action, &form)?;
        workflow::land::act(
            &state.store,
            &user.principal,
            &user.actor(),
            &state.config.rules,
            id,
            cmd,
        )
        .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render_project(&state, &user, &ctx, id, Some(&e), form).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub list: ListParams,
}

/// The filtered list as a workbook: the first [`workflow::land::EXPORT_LIMIT`] projects the
/// filter selects, in its order.
pub async fn projects_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let (filter, _) = q.list.parse()?;
    let access = access(&state, &user).await?;
    let (views, _total) = workflow::land::export_projects(
        &state.store,
        &access,
        &state.config.rules,
        &ctx.region.code,
        &filter,
    )
    .await?;
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
            production_month: c
                .expected_production_month
                .as_deref()
                .map(crate::layout::month)
                .unwrap_or_default(),
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
