//! The 打项目 API: projects, their stages and approval plans, and the pipeline's contribution.

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::extract::{Path, Query, State};
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
    pub track_id: Option<i64>,
    /// In 亿元, or with a unit ("3.5亿元").
    pub total_investment: Option<Value>,
    pub task_id: Option<i64>,
    pub lead_id: Option<i64>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::api::ApiJson(body): crate::api::ApiJson<NewProjectBody>,
) -> Result<Response, ApiError> {
    let region = crate::api::default_region(&state, &user, body.region.clone()).await?;
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
        match &body.total_investment {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                return Err(
                    AppError::bad_field("total_investment", "总投资须为数字或字符串").into(),
                )
            }
        },
    );
    let id = crate::land_pages::create_project(&state, &user, &region, &form).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
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
    crate::api::ApiJson(body): crate::api::ApiJson<StageBody>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::api::parse_id(&raw, "项目")?;
    crate::land_pages::move_stage(&state, &user, id, &body.stage, body.on.as_deref()).await?;
    let (shown, _) = crate::land_pages::load_project(&state, &user, id).await?;
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
    let id = crate::api::parse_id(&raw, "项目")?;
    let (shown, _) = crate::land_pages::load_project(&state, &user, id).await?;
    let stall = crate::land_pages::cards(&state, std::slice::from_ref(shown.view()))
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
    let id = crate::api::parse_id(&raw, "项目")?;
    let (shown, _) = crate::land_pages::load_project(&state, &user, id).await?;
    let d = shown.detail();
    let plan = crate::land::approval_plan(d).map_err(|e| AppError::bad(e.to_string()))?;
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
    crate::api::ApiJson(body): crate::api::ApiJson<PlanBody>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::api::parse_id(&raw, "项目")?;
    let (shown, access) = crate::land_pages::load_project(&state, &user, id).await?;
    if !shown.view().can_write() {
        return Err(AppError::Forbidden("您无权修改该项目".into()).into());
    }
    let start = domain::period::parse_date(&body.plan_start)
        .map_err(|_| AppError::bad_field("plan_start", "计划开始日期格式应为 2025-10-14"))?;
    let start = domain::period::format_date(start);
    let items: Vec<NewApproval> = match body.items {
        Some(items) => {
            let mut out = Vec::new();
            for i in items {
                let name = domain::BoundedText::parse(&i.name, "审批事项名称", 50)
                    .map_err(|e| AppError::bad_field("items", e.to_string()))?;
                if i.code.is_empty() || i.code.len() > 40 {
                    return Err(AppError::bad_field("items", "审批事项代码须为 1–40 个字符").into());
                }
                if let Some(g) = &i.gates_stage {
                    domain::project::Stage::parse(g)
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
    let mut tx = crate::land_pages::begin_project_write(&state, &access, id, None).await?;
    tx.set_approval_plan(&user.actor(), id, &items).await?;
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
    Query(q): Query<ProjectsQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = crate::api::default_region(&state, &user, q.region).await?;
    let stage = match q.stage.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            domain::project::Stage::parse(s)
                .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{s}”无效")))?,
        ),
    };
    let access = crate::land_pages::access(&state, &user).await?;
    let views: Vec<crate::land::ProjectView> =
        crate::land_pages::visible_projects(&state, &access, &region)
            .await?
            .into_iter()
            .filter(|v| stage.is_none_or(|s| v.row().stage() == s))
            .collect();
    let cards = crate::land_pages::cards(&state, &views);
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
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period =
        domain::Period::parse(period).map_err(|e| AppError::bad_field("period", e.to_string()))?;
    if state.store.region(&code).await?.is_none() {
        return Err(AppError::NotFound(format!("地区 {code}")).into());
    }
    let access = crate::land_pages::access(&state, &user).await?;
    let report = crate::land::pipeline_report(&state.store, &code, period, &state.config, &access)
        .await
        .map_err(|e| match e {
            crate::land::PipelineError::Locate(l) => AppError::from(l),
            crate::land::PipelineError::Store(s) => AppError::from(s),
            other => AppError::bad(other.to_string()),
        })?;
    Ok(Json(json!(report)))
}
