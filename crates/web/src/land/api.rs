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
use std::collections::HashMap;
use store::land::NewApproval;

/// Refuses a plan with a cycle, a missing prerequisite or a negative duration.
pub(crate) fn check_plan(
    items: &[NewApproval],
) -> Result<analytics::approval::ApprovalPlan, AppError> {
    let graph: Vec<analytics::approval::ApprovalItem> = items
        .iter()
        .map(|a| analytics::approval::ApprovalItem {
            code: a.code.clone(),
            name: a.name.clone(),
            days: a.planned_days,
            prerequisites: a.prerequisites.clone(),
        })
        .collect();
    analytics::approval::plan(&graph).map_err(|e| AppError::bad_field("items", e.to_string()))
}

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
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub task_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::json::integral::optional")]
    pub lead_id: Option<i64>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiJson(body): crate::json::ApiJson<NewProjectBody>,
) -> Result<Response, ApiError> {
    check_new_project(&body)?;
    let region = crate::json::default_region(&state, &user, body.region.clone()).await?;
    if let Some(t) = body.track_id {
        if !state.store.tracks(&region).await?.iter().any(|x| x.id == t) {
            return Err(AppError::NotFound(format!("产业赛道 {t}")).into());
        }
    }
    let mut form: HashMap<String, String> = HashMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            form.insert(k.to_string(), v);
        }
    };
    put("name", body.name.clone());
    put("code_name", body.code_name.clone());
    put("investor", body.investor.clone());
    put("track_id", body.track_id.map(|v| v.to_string()));
    put("task_id", body.task_id.map(|v| v.to_string()));
    put("lead_id", body.lead_id.map(|v| v.to_string()));
    put(
        "total_investment",
        investment_text(body.total_investment.as_ref())?,
    );
    let id = crate::land::pages::create_project(&state, &user, &region, &form)
        .await
        .map_err(|e| match e {
            // The task exists but holds no such lead: a named thing that does not exist.
            AppError::BadRequest {
                field: Some(f),
                detail,
            } if f == "lead_id" => {
                AppError::NotFound(format!("线索 {}（{detail}）", body.lead_id.unwrap_or(0)))
            }
            other => crate::json::stored_state_conflict(other),
        })?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
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
    for (field, label, text, max) in [
        ("investor", "投资方", &body.investor, 100),
        ("code_name", "代号", &body.code_name, 50),
    ] {
        if let Some(t) = text {
            if t.chars().count() > max || t.chars().any(char::is_control) {
                return Err(AppError::bad_field(
                    field,
                    format!("{label}最多 {max} 个字符，且不能含控制字符"),
                ));
            }
        }
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
    if domain::project::Stage::parse(&body.stage).is_none_or(|s| s.code() != body.stage) {
        return Err(AppError::bad_field("stage", format!("阶段“{}”无效", body.stage)).into());
    }
    if let Some(on) = &body.on {
        if !crate::json::is_iso_date(on) {
            return Err(AppError::bad_field("on", format!("日期“{on}”格式应为 2025-10-14")).into());
        }
        if domain::period::parse_date(on).is_ok_and(|d| d > state.store.now().date()) {
            return Err(AppError::Conflict(format!("日期 {on} 晚于今天")).into());
        }
    }
    crate::land::pages::move_stage(&state, &user, id, &body.stage, body.on.as_deref())
        .await
        .map_err(crate::json::stored_state_conflict)?;
    let (shown, _) = crate::land::pages::load_project(&state, &user, id).await?;
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
    let (shown, _) = crate::land::pages::load_project(&state, &user, id).await?;
    let stall = crate::land::pages::cards(&state, std::slice::from_ref(shown.view()))
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
    let (shown, _) = crate::land::pages::load_project(&state, &user, id).await?;
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
    let (shown, access) = crate::land::pages::load_project(&state, &user, id).await?;
    if !shown.view().can_write() {
        return Err(AppError::Forbidden("您无权修改该项目".into()).into());
    }
    if !crate::json::is_iso_date(&body.plan_start) {
        return Err(AppError::bad_field("plan_start", "计划开始日期格式应为 2025-10-14").into());
    }
    let start = domain::period::parse_date(&body.plan_start)
        .map_err(|_| AppError::bad_field("plan_start", "计划开始日期格式应为 2025-10-14"))?;
    let start = domain::period::format_date(start);
    let items: Vec<NewApproval> = match body.items {
        Some(items) => {
            let mut out = Vec::new();
            for i in items {
                let name = crate::json::api_text(&i.name, "items", "审批事项名称", 50, false)?;
                let code_ok = (1..=40).contains(&i.code.chars().count())
                    && !i.code.chars().any(|c| c.is_control() || c.is_whitespace());
                if !code_ok {
                    return Err(AppError::bad_field(
                        "items",
                        "审批事项代码须为 1–40 个字符，不含空白或控制字符",
                    )
                    .into());
                }
                if !(0..=3650).contains(&i.days) {
                    return Err(AppError::bad_field("items", "办理时限须为 0–3650 天").into());
                }
                if let Some(g) = &i.gates_stage {
                    domain::project::Stage::parse(g)
                        .filter(|s| s.code() == g)
                        .ok_or_else(|| AppError::bad_field("items", format!("阶段“{g}”无效")))?;
                }
                out.push(NewApproval {
                    code: i.code,
                    name: name.into_string(),
                    planned_days: i.days,
                    prerequisites: i.prerequisites,
                    gates_stage: i.gates_stage,
                    plan_start: Some(start.clone()),
                });
            }
            out
        }
        None => state
            .store
            .approval_templates()
            .await?
            .into_iter()
            .map(|t| NewApproval {
                code: t.code,
                name: t.name,
                planned_days: t.typical_days,
                prerequisites: t
                    .prerequisites
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                gates_stage: t.gates_stage,
                plan_start: Some(start.clone()),
            })
            .collect(),
    };
    let plan = check_plan(&items)?;
    let mut tx = crate::land::pages::begin_project_write(&state, &access, id, None).await?;
    tx.set_approval_plan(&user.actor(), id, &items)
        .await
        .map_err(|e| crate::json::stored_state_conflict(e.into()))?;
    tx.commit().await?;
    Ok(Json(
        json!({"project_id": id, "serial_days": plan.serial_days, "critical_path_days": plan.critical_path_days, "days_saved": plan.days_saved, "critical_path": plan.critical_path}),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ProjectsQuery {
    pub region: Option<String>,
    pub stage: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiQuery(q): crate::json::ApiQuery<ProjectsQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = crate::json::default_region(&state, &user, q.region).await?;
    let stage = match q.stage.as_deref() {
        None => None,
        Some(s) => Some(
            domain::project::Stage::parse(s)
                .filter(|st| st.code() == s)
                .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{s}”无效")))?,
        ),
    };
    let access = crate::land::pages::access(&state, &user).await?;
    let views: Vec<workflow::land::ProjectView> =
        crate::land::pages::visible_projects(&state, &access, &region)
            .await?
            .into_iter()
            .filter(|v| stage.is_none_or(|s| v.row().stage() == s))
            .collect();
    let cards = crate::land::pages::cards(&state, &views);
    Ok(Json(json!({"projects": cards})))
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
    let access = crate::land::pages::access(&state, &user).await?;
    let report =
        workflow::land::pipeline_report(&state.store, &code, period, &state.config.rules, &access)
            .await
            .map_err(AppError::from)?;
    Ok(Json(json!(report)))
}
