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
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
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
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请求体须为 JSON（Content-Type: application/json）",
            )),
            Err(rejection) => {
                Err(ApiError(AppError::bad(json_problem(&rejection))).into_response())
            }
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "请求体须为 JSON（Content-Type: application/json）".into()
        }
        // The parser's own (English) text is only mined for the field's name.
        JsonRejection::JsonSyntaxError(_) => "JSON 语法错误：请求体不是有效的 JSON".into(),
        JsonRejection::JsonDataError(e) => format!(
            "JSON 字段错误：{}",
            crate::edges::refusal_message(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text())
        ),
        _ => "无法读取请求体".into(),
    }
}

/// A query string whose rejections (a repeated parameter, a value of the wrong shape) are
/// problem+json 400 like every other API error, instead of axum's plain-text answer.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(problem(
                StatusCode::BAD_REQUEST,
                &crate::edges::refusal_message(StatusCode::BAD_REQUEST, &rejection.body_text()),
            )),
        }
    }
}

/// A problem+json answer for a request that cannot be read at all (400, 415), which
/// `AppError` has no variant for.
fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Required text of at most `max` characters as sent (the OpenAPI document's `maxLength`
/// counts what is sent, so the limit is checked before trimming), then trimmed and non-empty.
pub(crate) fn api_text(
    raw: &str,
    field: &str,
    label: &str,
    max: usize,
    multiline: bool,
) -> Result<BoundedText, AppError> {
    let len = raw.chars().count();
    if len > max {
        return Err(AppError::bad_field(
            field,
            format!("{label}过长：{len} 个字符，最多 {max} 个"),
        ));
    }
    if has_control(raw, multiline) {
        return Err(AppError::bad_field(
            field,
            format!("{label}含有不允许的控制字符"),
        ));
    }
    let parsed = if multiline {
        BoundedText::parse_multiline(raw, label, max)
    } else {
        BoundedText::parse(raw, label, max)
    };
    parsed.map_err(|e| AppError::bad_field(field, e.to_string()))
}

/// A date exactly as the OpenAPI `format: date` (RFC 3339 full-date) has it: "2025-09-30".
pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && domain::period::parse_date(s).is_ok()
}

/// A period exactly as the OpenAPI document's pattern has it: "2025-09" or "2025-Q3".
pub(crate) fn parse_period(raw: &str, field: &str) -> Result<domain::Period, AppError> {
    let period =
        domain::Period::parse(raw).map_err(|e| AppError::bad_field(field, e.to_string()))?;
    let canonical = match period {
        domain::Period::Month { year, month } => raw == format!("{year:04}-{month:02}"),
        domain::Period::Quarter { year, quarter } => raw == format!("{year:04}-Q{quarter}"),
    };
    if canonical {
        Ok(period)
    } else {
        Err(AppError::bad_field(
            field,
            format!("期别“{raw}”格式应为 2025-09 或 2025-Q3"),
        ))
    }
}

/// Integer body fields as JSON Schema counts them: `integer` includes `2025.0`, which serde's
/// integers refuse. Use with `#[serde(deserialize_with = "integral::exact")]`, or
/// `#[serde(default, deserialize_with = "integral::optional")]` for an optional field.
pub(crate) mod integral {
    use serde::de::{Deserialize, Deserializer, Error};
    use serde_json::Number;

    fn whole<T: TryFrom<i64>, E: Error>(n: &Number) -> Result<T, E> {
        let i = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            // 2^63 is the first float above i64::MAX.
            (None, Some(f)) if f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63) => {
                Some(f as i64)
            }
            _ => None,
        };
        i.and_then(|i| T::try_from(i).ok())
            .ok_or_else(|| E::custom(format!("{n} 不是范围内的整数")))
    }

    pub fn exact<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
        whole(&Number::deserialize(d)?)
    }

    pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<Number>::deserialize(d)?
            .map(|n| whole(&n))
            .transpose()
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
    ApiQuery(query): ApiQuery<ViewQuery>,
) -> Result<Json<Value>, ApiError> {
    require_region(&state, &code).await?;
    if let Some(p) = &query.period {
        parse_period(p, "period")?;
    }
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
    ApiQuery(query): ApiQuery<ViewQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "目标")?;
    if let Some(p) = &query.period {
        parse_period(p, "period")?;
    }
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

/// The largest magnitude of a value given as a JSON integer (11 digits).
const MAX_INTEGER_VALUE: f64 = 99_999_999_999.0;
/// Unit words a value may end with (`domain::Quantity::parse` checks they fit the unit).
const VALUE_UNIT_WORDS: [&str; 11] = [
    "亿元", "万元", "亿", "万", "元", "%", "个", "项", "人", "家", "天",
];

/// A value as the OpenAPI document describes it: a JSON integer of at most 11 digits, or a
/// string `-?digits(.digits)?unit?` ("45", "-1.25", "520亿元", "5.6%") with at most 11
/// integer digits and 8 decimals. Whether it fits a unit is checked afterwards.
fn value_text(v: &Value) -> Result<String, AppError> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= MAX_INTEGER_VALUE => {
                format!("{}", f as i64)
            }
            _ => {
                return Err(AppError::bad_field(
                    "value",
                    "数值须为不超过 11 位的整数；小数请写成字符串，如 \"5.6\"",
                ))
            }
        },
        _ => return Err(AppError::bad_field("value", "value 须为数字或字符串")),
    };
    if value_syntax_ok(&text) {
        Ok(text)
    } else {
        Err(AppError::bad_field(
            "value",
            format!("数值“{text}”格式应为 45、-1.25、520亿元 或 5.6% 这样的写法（整数部分最多 11 位，小数最多 8 位）"),
        ))
    }
}

fn value_syntax_ok(text: &str) -> bool {
    let number = VALUE_UNIT_WORDS
        .iter()
        .find_map(|w| text.strip_suffix(w))
        .unwrap_or(text);
    let number = number.strip_prefix('-').unwrap_or(number);
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(int, 11) && frac.is_none_or(|f| digits(f, 8))
}

/// A value that is well formed but cannot be read in the target's unit ("800亿元" for a
/// count) conflicts with the stored target: the same body is right for another target.
fn value_for_target(text: &str, unit: Unit) -> Result<Quantity, AppError> {
    Quantity::parse(text, unit)
        .map_err(|e| AppError::Conflict(format!("该目标以“{}”计：{e}", unit.label())))
}

/// Control characters anywhere in what was sent (line breaks and tabs allowed in
/// multi-line text), before any trimming: the document's patterns see the text as sent.
fn has_control(raw: &str, multiline: bool) -> bool {
    raw.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// Optional text: empty or blank is "", otherwise as [`api_text`] (line breaks allowed).
fn optional_text(s: &str, field: &str, label: &str, max: usize) -> Result<String, AppError> {
    if s.chars().count() <= max && !has_control(s, true) && s.trim().is_empty() {
        return Ok(String::new());
    }
    api_text(s, field, label, max, true).map(BoundedText::into_string)
}

/// A store refusal without a field is a rule about what is stored (the target's year, a
/// project's stage, a task's state, the date today): 409, not a malformed request.
pub(crate) fn stored_state_conflict(e: AppError) -> AppError {
    match e {
        AppError::BadRequest {
            detail,
            field: None,
        } => AppError::Conflict(detail),
        other => other,
    }
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
    let text = value_text(&body.value)?;
    if !is_iso_date(&body.as_of) {
        return Err(AppError::bad_field(
            "as_of",
            format!("as_of“{}”格式应为 2025-09-30", body.as_of),
        )
        .into());
    }
    let new = NewActual {
        target_id: id,
        value: 0,
        as_of: body.as_of.clone(),
        source: optional_text(&body.source, "source", "数据来源", 100)?,
        note: optional_text(&body.note, "note", "备注", 500)?,
    };
    let value = value_for_target(&text, row.unit())?;
    let new = NewActual {
        value: value.raw,
        ..new
    };
    let mut tx = state.store.begin_write().await?;
    let actual_id = tx
        .record_actual(&user.actor(), &new)
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
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
    let text = value_text(&body.value)?;
    let reason = api_text(&body.reason, "reason", "调整原因", 200, false)?;
    let value = value_for_target(&text, row.unit())?;
    let mut tx = state.store.begin_write().await?;
    tx.update_target_value(&user.actor(), id, value.raw, reason.as_str())
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
    tx.commit().await?;
    Ok(Json(json!({"id": id, "value": value.text()})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTargetBody {
    #[serde(deserialize_with = "integral::exact")]
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
    if scope == "city" {
        return Ok(Scope::city());
    }
    let bad = || {
        AppError::bad_field("scope", format!("范围“{scope}”无效：应为 city 或 tier:代码、track:代码、town:代码、department:代码、programme:代码"))
    };
    let (kind, code) = scope.split_once(':').ok_or_else(bad)?;
    let kind = ScopeKind::parse(kind)
        .filter(|k| *k != ScopeKind::City && k.code() == kind)
        .ok_or_else(bad)?;
    if check_code(code, "scope").is_err() {
        return Err(bad());
    }
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
        AppError::NotFound(format!("地区 {region} 代码为“{code}”的{}", kind.label()))
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
    let name = api_text(&body.name, "name", "目标名称", 100, false)?;
    let unit = Unit::parse(&body.unit)
        .filter(|u| u.code() == body.unit)
        .ok_or_else(|| {
            AppError::bad_field(
                "unit",
                format!(
                    "单位“{}”无效：应为 count、yuan、percent、persons、firms 或 days",
                    body.unit
                ),
            )
        })?;
    let kind = TargetKind::parse(&body.kind)
        .filter(|k| k.code() == body.kind)
        .ok_or_else(|| {
            AppError::bad_field(
                "kind",
                format!("类型“{}”无效：应为 cumulative 或 level", body.kind),
            )
        })?;
    let value = Quantity::parse(&value_text(&body.value)?, unit)
        .map_err(|e| AppError::bad_field("value", e.to_string()))?;
    let source = optional_text(&body.source, "source", "来源", 100)?;
    if let Some(p) = &body.parent {
        check_code(p, "parent")?;
    }
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
                    AppError::NotFound(format!("{} 年代码为“{p}”的上级目标", body.year))
                })?,
        ),
        None => None,
    };
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
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
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
    ApiQuery(q): ApiQuery<AuditQuery>,
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
    ApiQuery(q): ApiQuery<AnalysisQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q
        .period
        .as_deref()
        .ok_or_else(|| AppError::bad_field("period", "缺少 period 参数，例如 period=2025-09"))?;
    let period = parse_period(period, "period")?;
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
    .map_err(locate_problem)?;
    Ok(Json(json!(report)))
}

/// What the analysis of a period misses: no model or no target for its year is a missing
/// resource (404); data that cannot be analysed is a conflict with what is stored (409).
pub(crate) fn locate_problem(e: crate::locate::LocateError) -> AppError {
    use crate::locate::LocateError;
    match e {
        LocateError::NoModel { region, year } => {
            AppError::NotFound(format!("地区 {region} 的 {year} 年核算模型"))
        }
        LocateError::NoTarget { region, year } => {
            AppError::NotFound(format!("地区 {region} 的 {year} 年地区生产总值增速目标"))
        }
        LocateError::Analysis(a) => AppError::Conflict(a.to_string()),
        other => other.into(),
    }
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
    ApiQuery(q): ApiQuery<ModelQuery>,
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
    let id = crate::locate::open_shortfall(
        &state.store,
        &state.config.warning_rules,
        &user.actor(),
        &region,
        period,
        &indicator,
        analysis.as_str(),
        links,
    )
    .await
    .map_err(|e| match e {
        crate::locate::LocateError::UnknownIndicator(k) => {
            AppError::NotFound(format!("{period} 分析中的指标“{k}”"))
        }
        other => stored_state_conflict(locate_problem(other)),
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
    crate::claim_pages::require_office(&user)?;
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
    let new = crate::claim_pages::parse_new_task(&state, &region, &f, co).await?;
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
    api_text(&body.body, "body", "进展内容", 4000, true)?;
    let pid = crate::claim_pages::report(&state, &user, id, &body.body, vec![])
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
    crate::claim_pages::sweep(&state).await?;
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
        .filter(|t| crate::claim_pages::can_read_task(&user, t))
        .collect();
    Ok(Json(json!({ "tasks": list })))
}
