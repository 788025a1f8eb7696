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
use crate::view::{readable_tree, TargetView};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{Coded, Role, TargetKind, Unit};
use serde::Deserialize;
use serde_json::{json, Value};
use store::audit::AuditFilter;

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
    let workflow::targets::ReadableTarget { row, can_write } =
        workflow::targets::read_target(&state.store, &user.principal, id, &ctx.as_of).await?;
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

/// Maps the error of a write to a stored target: a value that is well formed but cannot be read
/// in the target's unit ("800亿元" for a count) conflicts with the stored target (the same body
/// is right for another target), and so does a refusal by the stored state.
fn target_write_error(e: workflow::Error) -> AppError {
    match e {
        workflow::Error::Invalid {
            detail,
            field: Some(f),
        } if f == "value" => AppError::Conflict(if detail.contains("超出允许范围") {
            // Outside the plausible range of the stored target's unit (`domain::bounds`).
            detail
        } else {
            format!("该值不能按该目标的单位读取：{detail}")
        }),
        other => stored_state_conflict(other.into()),
    }
}

impl ActualBody {
    /// The command the target page builds from its form.
    fn command(self, target_id: i64) -> Result<workflow::targets::RecordActual, AppError> {
        let value = value_text(&self.value)?;
        if !is_iso_date(&self.as_of) {
            return Err(AppError::bad_field(
                "as_of",
                format!("as_of“{}”格式应为 2025-09-30", self.as_of),
            ));
        }
        // A well-formed date that does not exist (2025-02-30) is the target's year's business.
        let as_of = domain::period::parse_date(&self.as_of)
            .map_err(|_| AppError::Conflict(format!("日期“{}”不存在", self.as_of)))?;
        Ok(workflow::targets::RecordActual {
            target_id,
            value,
            as_of,
            source: optional_text(&self.source, "source", "数据来源", 100)?,
            note: optional_text(&self.note, "note", "备注", 500)?,
        })
    }
}

pub async fn record_actual(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ActualBody>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw, "目标")?;
    // Whether the target exists and is the caller's to change comes before what the body says.
    workflow::targets::writable_target(&state.store, &user.principal, id).await?;
    let cmd = body.command(id)?;
    let done = workflow::targets::record_actual(&state.store, &user.principal, &user.actor(), cmd)
        .await
        .map_err(target_write_error)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": done.id, "target_id": id, "value": done.value.text(), "as_of": done.as_of})),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTargetBody {
    pub value: Value,
    pub reason: String,
}

impl UpdateTargetBody {
    /// The command the target page builds from its form.
    fn command(self, target_id: i64) -> Result<workflow::targets::UpdateTargetValue, AppError> {
        Ok(workflow::targets::UpdateTargetValue {
            target_id,
            value: value_text(&self.value)?,
            reason: api_text(&self.reason, "reason", "调整原因", 200, false)?.into_string(),
        })
    }
}

pub async fn update_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<UpdateTargetBody>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&raw, "目标")?;
    workflow::targets::writable_target(&state.store, &user.principal, id).await?;
    let cmd = body.command(id)?;
    let value =
        workflow::targets::update_target_value(&state.store, &user.principal, &user.actor(), cmd)
            .await
            .map_err(target_write_error)?;
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

impl NewTargetBody {
    /// The create command, each field checked where the body says it.
    fn command(self, region_code: String) -> Result<workflow::targets::CreateTarget, AppError> {
        let year = domain::target::check_target_year(self.year)
            .map_err(|e| AppError::bad_field("year", e.to_string()))?;
        let code = check_code(&self.code, "code")?;
        let metric = check_code(&self.metric, "metric")?;
        let name = api_text(&self.name, "name", "目标名称", 100, false)?;
        let unit = Unit::from_code(&self.unit).map_err(|_| {
            AppError::bad_field(
                "unit",
                format!(
                    "单位“{}”无效：应为 count、yuan、percent、persons、firms 或 days",
                    self.unit
                ),
            )
        })?;
        let kind = TargetKind::from_code(&self.kind).map_err(|_| {
            AppError::bad_field(
                "kind",
                format!("类型“{}”无效：应为 cumulative 或 level", self.kind),
            )
        })?;
        let value = value_text(&self.value)?;
        let source = optional_text(&self.source, "source", "来源", 100)?;
        if let Some(p) = &self.parent {
            check_code(p, "parent")?;
        }
        let bad_scope = || {
            AppError::bad_field("scope", format!("范围“{}”无效：应为 city 或 tier:代码、track:代码、town:代码、department:代码、programme:代码", self.scope))
        };
        let scope = workflow::targets::ScopeRef::parse(&self.scope).ok_or_else(bad_scope)?;
        if let workflow::targets::ScopeRef::Of { code, .. } = &scope {
            check_code(code, "scope").map_err(|_| bad_scope())?;
        }
        Ok(workflow::targets::CreateTarget {
            region_code,
            year,
            code,
            metric,
            name: name.into_string(),
            unit,
            kind,
            value,
            scope,
            parent: self.parent,
            source,
        })
    }
}

pub async fn create_target(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(region): Path<String>,
    ApiJson(body): ApiJson<NewTargetBody>,
) -> Result<Response, ApiError> {
    let region = require_region(&state, &region).await?;
    let cmd = body.command(region.code.clone())?;
    let id = workflow::targets::create_target(&state.store, &user.principal, &user.actor(), cmd)
        .await
        .map_err(|e| stored_state_conflict(e.into()))?;
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
