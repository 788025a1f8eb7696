//! What every JSON endpoint shares: extractors whose rejections are problem+json, the parsing
//! of ids, periods, dates and bounded text exactly as the OpenAPI document describes them, and
//! the region a request means. No endpoint lives here; each step's endpoints are in its `api`.

use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::BoundedText;
use serde::de::DeserializeOwned;
use serde_json::json;

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

pub(crate) async fn require_region(
    state: &AppState,
    code: &str,
) -> Result<store::reference::Region, AppError> {
    state
        .store
        .region(code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("地区 {code}")))
}

/// Control characters anywhere in what was sent (line breaks and tabs allowed in
/// multi-line text), before any trimming: the document's patterns see the text as sent.
pub(crate) fn has_control(raw: &str, multiline: bool) -> bool {
    raw.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// Optional text: empty or blank is "", otherwise as [`api_text`] (line breaks allowed).
pub(crate) fn optional_text(
    s: &str,
    field: &str,
    label: &str,
    max: usize,
) -> Result<String, AppError> {
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

pub(crate) fn check_code(code: &str, field: &str) -> Result<String, AppError> {
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
