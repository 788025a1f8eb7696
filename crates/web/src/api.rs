//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//! Callers authenticate with a bearer token (`econops token create`) or a session cookie
//! plus `X-CSRF-Token`. Errors are `application/problem+json`.

use crate::auth::ApiUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{ApiError, AppError};
use crate::pages::readable_target;
use crate::view::{readable_tree, TargetView};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{BoundedText, Quantity, Role, Scope, ScopeKind, TargetKind, Unit};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use store::audit::AuditFilter;
use store::targets::{NewActual, NewTarget};

const OPENAPI: &str = include_str!("../openapi.json");

/// A JSON body whose rejections are problem+json like every other API error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(AppError::bad(json_problem(&rejection)))),
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "请求体须为 JSON（Content-Type: application/json）".into()
        }
        JsonRejection::JsonSyntaxError(e) => format!("JSON 语法错误：{}", e.body_text()),
        JsonRejection::JsonDataError(e) => format!("JSON 字段错误：{}", e.body_text()),
        other => format!("无法读取请求体：{}", other.body_text()),
    }
}

pub(crate) fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad_field("id", format!("{what}编号“{raw}”不是正整数")))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound("接口".into()))
}

pub async fn me(ApiUser(user): ApiUser) -> Json<Value> {
    Json(json!({
        "id": user.user.id,
        "username": user.user.username,
        "display_name": user.user.display_name,
        "role": user.principal.role,
        "region_code": user.user.region_code,
        "department_id": user.user.department_id,
        "town_id": user.user.town_id,
        "person_id": user.user.person_id,
    }))
}

pub async fn regions(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "regions": state.store.list_regions().await? }),
    ))
}

async fn require_region(
    state: &AppState,
    code: &str,
) -> Result<store::reference::Region, AppError> {
    state
        .store
        .region(code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("地区 {code}")))
}

pub async fn system(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let region = require_region(&state, &code).await?;
    let details = state.store.track_details(&region.code).await?;
    let tiers: Vec<Value> = state
        .store
        .tiers(&region.code)
        .await?
        .into_iter()
        .map(|tier| {
            let tracks: Vec<&store::reference::TrackDetail> = details
                .iter()
                .filter(|d| d.track.tier_id == tier.id)
                .collect();
            json!({"tier": tier, "tracks": tracks})
        })
        .collect();
    Ok(Json(json!({
        "region": region,
        "tiers": tiers,
        "programmes": state.store.programmes(&code).await?,
        "platforms": state.store.platforms(&code).await?,
        "host_areas": state.store.host_areas(&code).await?,
        "towns": state.store.towns(&code).await?,
        "departments": state.store.departments(&code).await?,
    })))
}

pub async fn track(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "赛道")?;
    let detail = state
        .store
        .track(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("产业赛道 {id}")))?;
    Ok(Json(json!(detail)))
}

pub async fn targets(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Json<Value>, ApiError> {
    require_region(&state, &code).await?;
    let query = ViewQuery {
        region: Some(code),
        period: query.period,
    };
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let rows = state
        .store
        .targets(&ctx.region.code, ctx.year(), &ctx.as_of)
        .await?;
    let views = readable_tree(
        &rows,
        &user.principal,
        ctx.elapsed(),
        &state.config.thresholds,
    );
    Ok(Json(json!({
        "region": ctx.region.code,
        "year": ctx.year(),
        "period": ctx.period.to_string(),
        "as_of": ctx.as_of,
        "elapsed_pct": (ctx.elapsed() * 1000.0).round() / 10.0,
        "targets": views,
    })))
}

pub async fn target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "目标")?;
    let ctx = ViewContext::resolve(
        &state,
        &user,
        &headers,
        &ViewQuery {
            region: None,
            period: query.period,
        },
    )
    .await?;
    let (row, can_write) = readable_target(&state, &user, id, &ctx.as_of).await?;
    let view = TargetView::build(&row, ctx.elapsed(), &state.config.thresholds);
    let actuals = state.store.actuals(id).await?;
    Ok(Json(json!({
        "target": view,
        "can_write": can_write,
        "period": ctx.period.to_string(),
        "actuals": actuals,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActualBody {
    /// The value in the target's unit, as a person writes it: "45", "520亿元", "5.1".
    pub value: Value,
    pub as_of: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// Accepts a JSON number or string for a value.
fn value_text(v: &Value) -> Result<String, AppError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(AppError::bad_field("value", "value 须为数字或字符串")),
    }
}

fn optional_text(s: &str, field: &str, label: &str, max: usize) -> Result<String, AppError> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    BoundedText::parse_multiline(s, label, max)
        .map(|t| t.into_string())
        .map_err(|e| AppError::bad_field(field, e.to_string()))
}

async fn writable_target(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
) -> Result<store::targets::TargetRow, AppError> {
    let today = domain::period::format_date(state.store.now().date());
    let (row, can_write) = readable_target(state, user, id, &today).await?;
    if !can_write {
        return Err(AppError::Forbidden("您无权修改该目标".into()));
    }
    Ok(row)
}

pub async fn record_actual(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ActualBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "目标")?;
    let row = writable_target(&state, &user, id).await?;
    let value = Quantity::parse(&value_text(&body.value)?, row.unit())
        .map_err(|e| AppError::bad_field("value", e.to_string()))?;
    domain::period::parse_date(&body.as_of).map_err(|_| {
        AppError::bad_field("as_of", format!("as_of“{}”格式应为 2025-09-30", body.as_of))
    })?;
    let new = NewActual {
        target_id: id,
        value: value.raw,
        as_of: body.as_of.trim().to_string(),
        source: optional_text(&body.source, "source", "数据来源", 100)?,
        note: optional_text(&body.note, "note", "备注", 500)?,
    };
    let mut tx = state.store.begin_write().await?;
    let actual_id = tx.record_actual(&user.actor(), &new).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": actual_id, "target_id": id, "value": value.text(), "as_of": new.as_of})),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTargetBody {
    pub value: Value,
    pub reason: String,
}

pub async fn update_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<UpdateTargetBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "目标")?;
    let row = writable_target(&state, &user, id).await?;
    let value = Quantity::parse(&value_text(&body.value)?, row.unit())
        .map_err(|e| AppError::bad_field("value", e.to_string()))?;
    let reason = BoundedText::parse(&body.reason, "调整原因", 200)
        .map_err(|e| AppError::bad_field("reason", e.to_string()))?;
    let mut tx = state.store.begin_write().await?;
    tx.update_target_value(&user.actor(), id, value.raw, reason.as_str())
        .await?;
    tx.commit().await?;
    Ok(Json(json!({"id": id, "value": value.text()})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTargetBody {
    pub year: i32,
    pub code: String,
    pub metric: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub value: Value,
    /// "city", or "tier:<code>", "track:<code>", "town:<code>", "department:<code>", "programme:<code>".
    pub scope: String,
    pub parent: Option<String>,
    #[serde(default)]
    pub source: String,
}

fn check_code(code: &str, field: &str) -> Result<String, AppError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(code.to_string())
    } else {
        Err(AppError::bad_field(
            field,
            format!("代码“{code}”无效：只能用 1–64 个小写英文字母、数字、连字符或下划线"),
        ))
    }
}

async fn resolve_scope(state: &AppState, region: &str, scope: &str) -> Result<Scope, AppError> {
    if scope.trim() == "city" {
        return Ok(Scope::city());
    }
    let bad = || {
        AppError::bad_field("scope", format!("范围“{scope}”无效：应为 city 或 tier:代码、track:代码、town:代码、department:代码、programme:代码"))
    };
    let (kind, code) = scope.split_once(':').ok_or_else(bad)?;
    let kind = ScopeKind::parse(kind).ok_or_else(bad)?;
    let store = &state.store;
    let id = match kind {
        ScopeKind::City => None,
        ScopeKind::Tier => store
            .tiers(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Track => store
            .tracks(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Town => store
            .towns(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Department => store
            .departments(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Programme => store
            .programmes(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
    };
    let id = id.ok_or_else(|| {
        AppError::bad_field(
            "scope",
            format!("地区 {region} 没有代码为“{code}”的{}", kind.label()),
        )
    })?;
    Ok(Scope::of(kind, id))
}

pub async fn create_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(region): Path<String>,
    ApiJson(body): ApiJson<NewTargetBody>,
) -> Result<Response, ApiError> {
    let region = require_region(&state, &region).await?;
    if !(2000..=2100).contains(&body.year) {
        return Err(
            AppError::bad_field("year", format!("年度 {} 不在 2000–2100 之间", body.year)).into(),
        );
    }
    let code = check_code(&body.code, "code")?;
    let metric = check_code(&body.metric, "metric")?;
    let name = BoundedText::parse(&body.name, "目标名称", 100)
        .map_err(|e| AppError::bad_field("name", e.to_string()))?;
    let unit = Unit::parse(&body.unit).ok_or_else(|| {
        AppError::bad_field(
            "unit",
            format!(
                "单位“{}”无效：应为 count、yuan、percent、persons、firms 或 days",
                body.unit
            ),
        )
    })?;
    let kind = TargetKind::parse(&body.kind).ok_or_else(|| {
        AppError::bad_field(
            "kind",
            format!("类型“{}”无效：应为 cumulative 或 level", body.kind),
        )
    })?;
    let value = Quantity::parse(&value_text(&body.value)?, unit)
        .map_err(|e| AppError::bad_field("value", e.to_string()))?;
    let scope = resolve_scope(&state, &region.code, &body.scope).await?;
    let facts = match (scope.kind, scope.id) {
        (ScopeKind::Track, Some(id)) => state.store.track_facts(id).await?,
        _ => None,
    };
    if !user.principal.can_write(scope, facts.as_ref()) {
        return Err(AppError::Forbidden("您无权在该范围设定目标".into()).into());
    }
    let parent_id = match &body.parent {
        Some(p) => Some(
            state
                .store
                .target_by_code(&region.code, body.year, p)
                .await?
                .ok_or_else(|| {
                    AppError::bad_field("parent", format!("{} 年没有代码为“{p}”的目标", body.year))
                })?,
        ),
        None => None,
    };
    let source = optional_text(&body.source, "source", "来源", 100)?;
    let mut tx = state.store.begin_write().await?;
    let id = tx
        .insert_target(
            &user.actor(),
            &NewTarget {
                region_code: region.code.clone(),
                year: body.year,
                code,
                metric,
                name: name.into_string(),
                unit,
                kind,
                value: value.raw,
                scope,
                parent_id,
                source,
                is_sample: false,
            },
        )
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(user.principal.role, Role::Admin | Role::Office) {
        return Err(
            AppError::Forbidden("审计日志仅对系统管理员和经济运行办公室开放".into()).into(),
        );
    }
    let num = |s: &Option<String>, field: &str, default: i64| -> Result<i64, AppError> {
        match s {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| AppError::bad_field(field, format!("{field} 须为非负整数"))),
        }
    };
    let entries = state
        .store
        .list_audit(&AuditFilter {
            entity: q.entity.clone(),
            entity_id: q.entity_id.clone(),
            limit: num(&q.limit, "limit", 100)?,
            offset: num(&q.offset, "offset", 0)?,
        })
        .await?;
    Ok(Json(json!({ "entries": entries })))
}

#[derive(Debug, Default, Deserialize)]
pub struct AnalysisQuery {
    pub period: Option<String>,
    pub target: Option<String>,
}

/// Where the year stands: the same report as the 找位置 page and `econops analyze --json`.
pub async fn analysis(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period =
        domain::Period::parse(period).map_err(|e| AppError::bad_field("period", e.to_string()))?;
    let target = match q.target.as_deref() {
        None => None,
        Some(t) => Some(
            t.trim_end_matches('%')
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (-50.0..=50.0).contains(v))
                .ok_or_else(|| AppError::bad_field("target", format!("目标增速“{t}”无效")))?,
        ),
    };
    let report = crate::locate::build_report(
        &state.store,
        &code,
        period,
        target,
        &state.config.warning_rules,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!(report)))
}

/// The indicator catalogue.
pub async fn indicators(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "indicators": state.store.indicators().await? }),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ModelQuery {
    pub year: Option<String>,
}

/// The current accounting model of a region and year.
pub async fn model(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(code): Path<String>,
    Query(q): Query<ModelQuery>,
) -> Result<Json<Value>, ApiError> {
    require_region(&state, &code).await?;
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::bad_field("year", "缺少或无效的 year 参数，例如 year=2025"))?;
    let model = state
        .store
        .model(&code, year)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{year} 年核算模型")))?;
    Ok(Json(json!(model)))
}

// ----- claim (领任务) --------------------------------------------------------------------------

/// The region a request means: the one given, else the caller's, else the default one.
pub(crate) async fn default_region(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    given: Option<String>,
) -> Result<String, AppError> {
    let code = match given.or_else(|| user.user.region_code.clone()) {
        Some(c) => c,
        None => state
            .store
            .default_region()
            .await?
            .map(|r| r.code)
            .ok_or_else(|| AppError::bad_field("region", "请指定 region"))?,
    };
    require_region(state, &code).await.map(|r| r.code)
}

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
    crate::claim_pages::require_office(&user)?;
    let region = default_region(&state, &user, body.region).await?;
    let period = domain::Period::parse(&body.period)
        .map_err(|e| AppError::bad_field("period", e.to_string()))?;
    let analysis = BoundedText::parse_multiline(&body.analysis, "问题、短板、弱项分析", 4000)
        .map_err(|e| AppError::bad_field("analysis", e.to_string()))?;
    let tracks = state.store.tracks(&region).await?;
    let towns = state.store.towns(&region).await?;
    let mut links = Vec::new();
    for code in &body.tracks {
        let t = tracks
            .iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::bad_field("tracks", format!("产业赛道“{code}”不存在")))?;
        links.push(("track".to_string(), t.id));
    }
    for code in &body.towns {
        let t = towns
            .iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::bad_field("towns", format!("镇街“{code}”不存在")))?;
        links.push(("town".to_string(), t.id));
    }
    let id = crate::claim_pages::open_shortfall(
        &state,
        &user,
        &region,
        period,
        &body.indicator,
        analysis.as_str(),
        links,
    )
    .await?;
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
    Query(q): Query<RemedyQuery>,
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
    pub shortfall_id: Option<i64>,
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
    crate::claim_pages::require_office(&user)?;
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
            .ok_or_else(|| AppError::bad_field("shortfall_id", format!("短板 {s} 不存在")))?;
        f.insert("shortfall_id".into(), s.to_string());
    }
    if let Some(r) = body.remedy_id {
        state
            .store
            .remedy(r)
            .await?
            .ok_or_else(|| AppError::bad_field("remedy_id", format!("解决方案 {r} 不存在")))?;
        f.insert("remedy_id".into(), r.to_string());
    }
    if let Some(code) = &body.track {
        let t = state
            .store
            .tracks(&region)
            .await?
            .into_iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::bad_field("track", format!("产业赛道“{code}”不存在")))?;
        f.insert("track_id".into(), t.id.to_string());
    }
    if let Some(code) = &body.town {
        let t = state
            .store
            .towns(&region)
            .await?
            .into_iter()
            .find(|t| &t.code == code)
            .ok_or_else(|| AppError::bad_field("town", format!("镇街“{code}”不存在")))?;
        f.insert("town_id".into(), t.id.to_string());
    }
    let departments = state.store.departments(&region).await?;
    let dept = |code: &str, field: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.id)
            .ok_or_else(|| AppError::bad_field(field, format!("部门“{code}”不存在")))
    };
    if let Some(code) = &body.owner_department {
        f.insert(
            "owner_department_id".into(),
            dept(code, "owner_department")?.to_string(),
        );
    }
    let co = body
        .co_departments
        .iter()
        .map(|c| dept(c, "co_departments"))
        .collect::<Result<Vec<_>, _>>()?;
    if body.milestones.len() > 3 {
        return Err(AppError::bad_field("milestones", "最多 3 个节点").into());
    }
    for (i, m) in body.milestones.iter().enumerate() {
        f.insert(format!("milestone{}", i + 1), m.title.clone());
        f.insert(format!("milestone{}_due", i + 1), m.due.clone());
    }
    let new = crate::claim_pages::parse_new_task(&state, &region, &f, co).await?;
    let mut tx = state.store.begin_write().await?;
    let id = tx.create_task(&user.actor(), &new).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

pub async fn task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    crate::claim_pages::sweep(&state).await?;
    let d = crate::claim_pages::load_task(&state, &user, id).await?;
    Ok(Json(json!(d)))
}

pub async fn claim_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "任务")?;
    match crate::claim_pages::claim(&state, &user, id).await? {
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
    let pid = crate::claim_pages::report(&state, &user, id, &body.body, vec![]).await?;
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
    Query(q): Query<TasksQuery>,
) -> Result<Json<Value>, ApiError> {
    crate::claim_pages::sweep(&state).await?;
    let region = default_region(&state, &user, q.region).await?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(domain::TaskState::parse(s).ok_or_else(|| {
            AppError::bad_field(
                "status",
                format!(
                    "状态“{s}”无效：应为 open、claimed、in_progress、done、overdue 或 cancelled"
                ),
            )
        })?),
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
        .filter(|t| crate::claim_pages::can_read_task(&user, t))
        .collect();
    Ok(Json(json!({ "tasks": list })))
}
