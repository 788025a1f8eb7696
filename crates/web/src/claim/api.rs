//! The JSON API of 领任务: shortfalls, remedies, tasks, claims and progress reports.

use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::json::api_text;
use crate::json::check_code;
use crate::json::default_region;
use crate::json::integral;
use crate::json::is_iso_date;
use crate::json::optional_text;
use crate::json::parse_id;
use crate::json::parse_period;
use crate::json::stored_state_conflict;
use crate::json::ApiJson;
use crate::json::ApiQuery;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShortfallBody {
    pub region: Option<String>,
    pub period: String,
    pub indicator: String,
    pub analysis: String,
    #[serde(default)]
    pub tracks: Vec<String>,
    #[serde(default)]
    pub towns: Vec<String>,
}

pub async fn create_shortfall(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewShortfallBody>,
) -> Result<Response, ApiError> {
    crate::claim::pages::require_office(&user)?;
    let period = parse_period(&body.period, "period")?;
    let indicator = check_code(&body.indicator, "indicator")?;
    let analysis = api_text(
        &body.analysis,
        "analysis",
        "问题、短板、弱项分析",
        4000,
        true,
    )?;
    let region = default_region(&state, &user, body.region).await?;
    let tracks = state.store.tracks(&region).await?;
    let towns = state.store.towns(&region).await?;
    let mut links = Vec::new();
    for code in &body.tracks {
        let t = tracks
            .iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("产业赛道“{code}”")))?;
        links.push(("track".to_string(), t.id));
    }
    for code in &body.towns {
        let t = towns
            .iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("镇街“{code}”")))?;
        links.push(("town".to_string(), t.id));
    }
    let id = workflow::claim::open_shortfall(
        &state.store,
        &state.config.rules.warning_rules,
        &user.actor(),
        &region,
        period,
        &indicator,
        analysis.as_str(),
        links,
    )
    .await
    .map_err(|e| match e {
        workflow::Error::UnknownIndicator(k) => {
            AppError::NotFound(format!("{period} 分析中的指标“{k}”"))
        }
        other => stored_state_conflict(AppError::from(other)),
    })?;
    let (shortfall, _) = state
        .store
        .shortfall(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("短板 {id}")))?;
    Ok((StatusCode::CREATED, Json(json!(shortfall))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct RemedyQuery {
    pub region: Option<String>,
    pub q: Option<String>,
    pub indicator: Option<String>,
}

pub async fn remedies(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<RemedyQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    if q.q.as_deref().is_some_and(|s| s.chars().count() > 50) {
        return Err(AppError::bad_field("q", "检索词最多 50 个字符").into());
    }
    let mut list = state.store.remedies(&region, q.q.as_deref()).await?;
    if let Some(k) = &q.indicator {
        list.retain(|r| r.indicators.iter().any(|x| x == k));
    }
    Ok(Json(json!({ "remedies": list })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    pub title: String,
    pub due: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTaskBody {
    pub region: Option<String>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub shortfall_id: Option<i64>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub remedy_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub route: String,
    pub track: Option<String>,
    pub town: Option<String>,
    pub owner_department: Option<String>,
    #[serde(default)]
    pub co_departments: Vec<String>,
    pub deadline: String,
    pub expected_pp: Option<f64>,
    #[serde(default)]
    pub milestones: Vec<MilestoneBody>,
}

pub async fn create_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewTaskBody>,
) -> Result<Response, ApiError> {
    crate::claim::pages::require_office(&user)?;
    // What the document states about each field is checked first (422), then what the
    // request names (404), then what depends on today (409); parse_new_task checks the rest.
    api_text(&body.title, "title", "任务名称", 100, false)?;
    optional_text(&body.description, "description", "任务说明", 4000)?;
    if domain::Route::parse(&body.route).is_none_or(|r| r.code() != body.route) {
        return Err(AppError::bad_field(
            "route",
            "路径应为 stock（存量提升）、attract（招大引强）或 both",
        )
        .into());
    }
    if !is_iso_date(&body.deadline) {
        return Err(AppError::bad_field(
            "deadline",
            format!("期限“{}”格式应为 2025-12-31", body.deadline),
        )
        .into());
    }
    if body.milestones.len() > 3 {
        return Err(AppError::bad_field("milestones", "最多 3 个节点").into());
    }
    for m in &body.milestones {
        api_text(&m.title, "milestones", "节点名称", 100, false)?;
        if !is_iso_date(&m.due) {
            return Err(AppError::bad_field(
                "milestones",
                format!("节点日期“{}”格式应为 2025-11-15", m.due),
            )
            .into());
        }
    }
    if body.track.is_none() && body.town.is_none() {
        return Err(AppError::bad_field(
            "track",
            "请给出任务所属的产业赛道（track）或镇街（town），以便确定认领领导",
        )
        .into());
    }
    for (field, code) in [("track", &body.track), ("town", &body.town)]
        .into_iter()
        .chain([("owner_department", &body.owner_department)])
    {
        if let Some(c) = code {
            check_code(c, field)?;
        }
    }
    for c in &body.co_departments {
        check_code(c, "co_departments")?;
    }
    let region = default_region(&state, &user, body.region.clone()).await?;
    let mut f: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    f.insert("title".into(), body.title.clone());
    f.insert("description".into(), body.description.clone());
    f.insert("route".into(), body.route.clone());
    f.insert("deadline".into(), body.deadline.clone());
    if let Some(p) = body.expected_pp {
        f.insert("expected_pp".into(), p.to_string());
    }
    if let Some(s) = body.shortfall_id {
        state
            .store
            .shortfall(s)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("短板 {s}")))?;
        f.insert("shortfall_id".into(), s.to_string());
    }
    if let Some(r) = body.remedy_id {
        state
            .store
            .remedy(r)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("解决方案 {r}")))?;
        f.insert("remedy_id".into(), r.to_string());
    }
    if let Some(code) = &body.track {
        let t = state
            .store
            .tracks(&region)
            .await?
            .into_iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("产业赛道“{code}”")))?;
        f.insert("track_id".into(), t.id.to_string());
    }
    if let Some(code) = &body.town {
        let t = state
            .store
            .towns(&region)
            .await?
            .into_iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("镇街“{code}”")))?;
        f.insert("town_id".into(), t.id.to_string());
    }
    let departments = state.store.departments(&region).await?;
    let dept = |code: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.id)
            .ok_or_else(|| AppError::NotFound(format!("部门“{code}”")))
    };
    if let Some(code) = &body.owner_department {
        f.insert("owner_department_id".into(), dept(code)?.to_string());
    }
    let co = body
        .co_departments
        .iter()
        .map(|c| dept(c))
        .collect::<Result<Vec<_>, _>>()?;
    if domain::period::parse_date(&body.deadline).is_ok_and(|d| d < state.store.now().date()) {
        return Err(AppError::Conflict(format!(
            "期限 {} 早于今天 {}",
            body.deadline,
            domain::period::format_date(state.store.now().date())
        ))
        .into());
    }
    for (i, m) in body.milestones.iter().enumerate() {
        f.insert(format!("milestone{}", i + 1), m.title.clone());
        f.insert(format!("milestone{}_due", i + 1), m.due.clone());
    }
    let new = crate::claim::pages::parse_new_task(&state, &region, &f, co).await?;
    let mut tx = state.store.begin_write().await?;
    let id = tx
        .create_task(&user.actor(), &new)
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

pub async fn task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    crate::claim::pages::sweep(&state).await?;
    let d = crate::claim::pages::load_task(&state, &user, id).await?;
    Ok(Json(json!(d)))
}

pub async fn claim_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    match crate::claim::pages::claim(&state, &user, id).await? {
        store::claim::ClaimOutcome::Claimed => Ok(Json(json!({"id": id, "outcome": "claimed"}))),
        store::claim::ClaimOutcome::HeldBy { name } => {
            Err(AppError::Conflict(format!("该任务已由{name}认领")).into())
        }
        store::claim::ClaimOutcome::Closed { state: s } => {
            Err(AppError::Conflict(format!("该任务{s}，不能认领")).into())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub body: String,
}

pub async fn task_progress(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ProgressBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "任务")?;
    api_text(&body.body, "body", "进展内容", 4000, true)?;
    let pid = crate::claim::pages::report(&state, &user, id, &body.body, vec![])
        .await
        .map_err(stored_state_conflict)?;
    Ok((StatusCode::CREATED, Json(json!({"id": pid, "task_id": id}))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    pub region: Option<String>,
    pub status: Option<String>,
}

pub async fn tasks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> Result<Json<Value>, ApiError> {
    crate::claim::pages::sweep(&state).await?;
    let region = default_region(&state, &user, q.region).await?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(
            domain::TaskState::parse(s)
                .filter(|t| t.code() == s)
                .ok_or_else(|| {
                    AppError::bad_field(
                        "status",
                        format!(
                    "状态“{s}”无效：应为 open、claimed、in_progress、done、overdue 或 cancelled"
                ),
                    )
                })?,
        ),
    };
    let list: Vec<store::claim::TaskRow> = state
        .store
        .tasks(&store::claim::TaskFilter {
            region,
            state: status,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| crate::claim::pages::can_read_task(&user, t))
        .collect();
    Ok(Json(json!({ "tasks": list })))
}
