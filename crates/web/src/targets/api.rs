//! The JSON API of the targets (目标): regions, the target system, targets and their actuals,
//! the audit log.

use crate::auth::ApiUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{ApiError, AppError};
use crate::json::api_text;
use crate::json::check_code;
use crate::json::integral;
use crate::json::is_iso_date;
use crate::json::optional_text;
use crate::json::parse_id;
use crate::json::parse_period;
use crate::json::require_region;
use crate::json::stored_state_conflict;
use crate::json::ApiJson;
use crate::json::ApiQuery;
use crate::targets::pages::readable_target;
use crate::view::{readable_tree, TargetView};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{Quantity, Role, Scope, ScopeKind, TargetKind, Unit};
use serde::Deserialize;
use serde_json::{json, Value};
use store::audit::AuditFilter;
use store::targets::{NewActual, NewTarget};

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
        &state.config.rules.thresholds,
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
    let view = TargetView::build(&row, ctx.elapsed(), &state.config.rules.thresholds);
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
    // An indicator-linked target takes its actual from the imported statistics only.
    workflow::figures::check_actual_entry(&state.store, &row)
        .await
        .map_err(AppError::from)?;
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
