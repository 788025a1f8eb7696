//! The 打项目 API: projects, their stages and approval plans, and the pipeline's contribution.

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::land::{
    CreateProject, NewProjectFields, PlanItem, ProjectAccess, ProjectAction, ProjectOrigin,
};

use super::{cards, ListParams};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProjectBody {
    pub region: Option<String>,
    pub name: Option<String>,
    pub code_name: Option<String>,
    pub investor: Option<String>,
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub track_id: Option<i64>,
    /// In 亿元, or with a unit ("3.5亿元").
    pub total_investment: Option<Value>,
    /// Confirms an investment above the soft limit (`domain::bounds`).
    pub confirm_large_investment: Option<bool>,
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub task_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub lead_id: Option<i64>,
}

impl NewProjectBody {
    /// The command this body asks for, in `region`. The body's fields map one to one onto the
    /// command's; nothing goes through form strings.
    fn into_command(self, region: String) -> Result<CreateProject, AppError> {
        check_new_project(&self)?;
        let origin = match (self.task_id, self.lead_id) {
            (Some(task_id), Some(lead_id)) => ProjectOrigin::Lead { task_id, lead_id },
            _ => ProjectOrigin::New(NewProjectFields {
                name: self.name.unwrap_or_default(),
                code_name: self.code_name.unwrap_or_default(),
                investor: self.investor.unwrap_or_default(),
                track_id: self.track_id,
                total_investment: investment(self.total_investment.as_ref())?,
                confirm_large_investment: self.confirm_large_investment.unwrap_or(false),
            }),
        };
        Ok(CreateProject { region, origin })
    }
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiJson(body): crate::json::ApiJson<NewProjectBody>,
) -> Result<Response, ApiError> {
    let region = crate::json::default_region(&state, &user, body.region.clone()).await?;
    let lead = body.lead_id;
    let cmd = body.into_command(region)?;
    let id = workflow::land::create_project(
        &state.store,
        &user.principal,
        &user.actor(),
        &state.config.rules,
        cmd,
    )
    .await
    .map_err(|e| match AppError::from(e) {
        // A named thing that does not exist: the track, or the task's lead.
        AppError::BadRequest {
            field: Some(f),
            detail,
        } if f == "track_id" => AppError::NotFound(detail.replace(" 不存在", "")),
        AppError::BadRequest {
            field: Some(f),
            detail,
        } if f == "lead_id" => {
            AppError::NotFound(format!("线索 {}（{detail}）", lead.unwrap_or(0)))
        }
        other => crate::json::stored_state_conflict(other),
    })?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// An investment in 元 from its documented JSON forms (see [`investment_text`]).
fn investment(v: Option<&Value>) -> Result<Option<i64>, AppError> {
    match investment_text(v)? {
        None => Ok(None),
        Some(text) => domain::Yuan::parse(&text, domain::money::MoneyUnit::Yi)
            .map(|y| Some(y.0))
            .map_err(|e| AppError::bad_field("total_investment", format!("总投资：{e}"))),
    }
}

/// The documented forms of an investment: a JSON integer of 亿元 (at most 10 digits), or a
/// string of 亿元 ("3.5", "3.5亿元"), 万元 ("8000万元") or 元 ("12000元") whose digits fit.
fn investment_text(v: Option<&Value>) -> Result<Option<String>, AppError> {
    let bad = || {
        AppError::bad_field(
            "total_investment",
            "总投资应写成 3.5、\"3.5亿元\"、\"8000万元\" 或 \"12000元\"（亿元最多 10 位整数、8 位小数）",
        )
    };
    let text = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && (0.0..=9_999_999_999.0).contains(&f) => {
                format!("{}", f as i64)
            }
            _ => return Err(bad()),
        },
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad()),
    };
    let (number, int_max, frac_max) = if let Some(n) = text
        .strip_suffix("亿元")
        .or_else(|| text.strip_suffix('亿'))
    {
        (n, 10, 8)
    } else if let Some(n) = text
        .strip_suffix("万元")
        .or_else(|| text.strip_suffix('万'))
    {
        (n, 14, 4)
    } else if let Some(n) = text.strip_suffix('元') {
        (n, 18, 0)
    } else {
        (text.as_str(), 10, 8)
    };
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if digits(int, int_max) && frac.is_none_or(|f| digits(f, frac_max)) {
        Ok(Some(text))
    } else {
        Err(bad())
    }
}

/// What the OpenAPI document states about a new project's fields, checked before anything is
/// looked up: a lead needs its task, a project from scratch needs a name; texts are bounded
/// as sent and free of control characters.
fn check_new_project(body: &NewProjectBody) -> Result<(), AppError> {
    if let Some(name) = &body.name {
        crate::json::api_text(name, "name", "项目名称", 100, false)?;
    }
    match (body.lead_id, body.task_id, &body.name) {
        (Some(_), None, _) => {
            return Err(AppError::bad_field(
                "task_id",
                "给出 lead_id 时须同时给出 task_id",
            ))
        }
        (None, _, None) => {
            return Err(AppError::bad_field(
                "name",
                "请给出项目名称（name），或由任务线索（task_id 与 lead_id）转入",
            ))
        }
        _ => {}
    }
    for (field, id) in [
        ("track_id", body.track_id),
        ("task_id", body.task_id),
        ("lead_id", body.lead_id),
    ] {
        if id.is_some_and(|v| v < 1) {
            return Err(AppError::bad_field(field, format!("{field} 须为正整数")));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    pub stage: String,
    pub on: Option<String>,
}

pub async fn stage(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<StageBody>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::json::parse_id(&raw, "项目")?;
    let stage = domain::project::Stage::parse(&body.stage)
        .filter(|s| s.code() == body.stage)
        .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{}”无效", body.stage)))?;
    let on = match &body.on {
        None => None,
        Some(on) => Some(
            crate::json::is_iso_date(on)
                .then(|| domain::period::parse_date(on).ok())
                .flatten()
                .ok_or_else(|| {
                    AppError::bad_field("on", format!("日期“{on}”格式应为 2025-10-14"))
                })?,
        ),
    };
    workflow::land::act(
        &state.store,
        &user.principal,
        &user.actor(),
        &state.config.rules,
        id,
        ProjectAction::Stage { stage, on },
    )
    .await
    .map_err(|e| match AppError::from(e) {
        // The date is well-formed; that it lies after today is a rule about the state.
        AppError::BadRequest {
            field: Some(f),
            detail,
        } if f == "on" => AppError::Conflict(if detail.contains("超出允许范围") {
            detail
        } else {
            format!("日期 {} {detail}", body.on.as_deref().unwrap_or(""))
        }),
        other => crate::json::stored_state_conflict(other),
    })?;
    let (shown, _) = workflow::land::load_project(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    let d = shown.detail();
    Ok(Json(
        json!({"id": id, "stage": d.project.stage, "stages": d.stages}),
    ))
}

pub async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::json::parse_id(&raw, "项目")?;
    let (shown, _) = workflow::land::load_project(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    let stall = cards(&state, std::slice::from_ref(shown.view()))
        .into_iter()
        .next()
        .map(|c| c.stall)
        .unwrap_or_default();
    // The detail's name and investor have passed the masking rule.
    let mut value = json!(shown.detail());
    value["stall"] = json!(stall);
    Ok(Json(value))
}

pub async fn approval(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::json::parse_id(&raw, "项目")?;
    let (shown, _) = workflow::land::load_project(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    let d = shown.detail();
    let plan = workflow::land::approval_plan(d).map_err(|e| AppError::Conflict(e.to_string()))?;
    Ok(Json(json!({
        "project_id": id,
        "serial_days": plan.serial_days,
        "critical_path_days": plan.critical_path_days,
        "days_saved": plan.days_saved,
        "critical_path": plan.critical_path,
        "items": plan.items,
        "actual": d.approvals,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanItemBody {
    pub code: String,
    pub name: String,
    #[serde(deserialize_with = "crate::json::integral::exact")]
    pub days: i64,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    pub gates_stage: Option<String>,
}

impl From<PlanItemBody> for PlanItem {
    fn from(i: PlanItemBody) -> Self {
        PlanItem {
            code: i.code,
            name: i.name,
            days: i.days,
            prerequisites: i.prerequisites,
            gates_stage: i.gates_stage,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    pub plan_start: String,
    /// The plan's items; omitted, the standard templates are used.
    pub items: Option<Vec<PlanItemBody>>,
}

pub async fn set_approval(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<PlanBody>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::json::parse_id(&raw, "项目")?;
    let bad_start = || AppError::bad_field("plan_start", "计划开始日期格式应为 2025-10-14");
    if !crate::json::is_iso_date(&body.plan_start) {
        return Err(bad_start().into());
    }
    let plan_start = domain::period::parse_date(&body.plan_start).map_err(|_| bad_start())?;
    if let Some(items) = &body.items {
        // The API's texts are refused, not trimmed, when they carry control characters.
        for i in items {
            crate::json::api_text(&i.name, "items", "审批事项名称", 50, false)?;
        }
    }
    let action = ProjectAction::ApprovalPlan {
        plan_start,
        items: body
            .items
            .map(|items| items.into_iter().map(PlanItem::from).collect()),
    };
    let outcome = workflow::land::act(
        &state.store,
        &user.principal,
        &user.actor(),
        &state.config.rules,
        id,
        action,
    )
    .await
    .map_err(|e| crate::json::stored_state_conflict(e.into()))?;
    let workflow::land::ActionOutcome::Plan(plan) = outcome else {
        return Err(AppError::Conflict("审批计划未生成".into()).into());
    };
    Ok(Json(
        json!({"project_id": id, "serial_days": plan.serial_days, "critical_path_days": plan.critical_path_days, "days_saved": plan.days_saved, "critical_path": plan.critical_path}),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ProjectsQuery {
    pub region: Option<String>,
    #[serde(flatten)]
    pub list: ListParams,
}

/// A page of the region's projects the caller reads, filtered and sorted in the query.
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiQuery(q): crate::json::ApiQuery<ProjectsQuery>,
) -> Result<Json<Value>, ApiError> {
    // The page's form sends "" for 全部; the API names a filter or leaves it out.
    q.list.refuse_empty()?;
    let region = crate::json::default_region(&state, &user, q.region).await?;
    let (filter, page) = q.list.parse()?;
    let access = ProjectAccess::load(&state.store, &user.principal).await?;
    let listed = workflow::land::list_projects(
        &state.store,
        &access,
        &state.config.rules,
        &region,
        &filter,
        page,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!({
        "projects": cards(&state, &listed.views),
        "total": listed.total,
        "page": listed.page.page,
        "per_page": listed.page.per_page,
        "pages": listed.pages(),
        "sort": filter.sort.code(),
    })))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

pub async fn pipeline(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    crate::json::ApiQuery(q): crate::json::ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period = crate::json::parse_period(period, "period")?;
    if state.store.region(&code).await?.is_none() {
        return Err(AppError::NotFound(format!("地区 {code}")).into());
    }
    let access = ProjectAccess::load(&state.store, &user.principal).await?;
    let report =
        workflow::land::pipeline_report(&state.store, &code, period, &state.config.rules, &access)
            .await
            .map_err(AppError::from)?;
    Ok(Json(json!(report)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionBody {
    pub body: String,
}

/// 领导批示 on a project (a leader): recorded, audited, shown first on the project's page.
pub async fn instruct(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<InstructionBody>,
) -> Result<Response, ApiError> {
    let id = crate::json::parse_id(&raw, "项目")?;
    let actor = user.actor();
    let instruction = workflow::claim::instruct_project(
        &state.store,
        workflow::claim::Caller {
            principal: &user.principal,
            actor: &actor,
        },
        id,
        &body.body,
    )
    .await
    .map_err(AppError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": instruction, "project_id": id})),
    )
        .into_response())
}
