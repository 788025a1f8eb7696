//! What every response passes through on its way out, whatever produced it: the framework's
//! own refusals (a duplicated query parameter, a wrong method, a body too large, a wrong
//! content type) answer like the application's errors — `application/problem+json` under
//! `/api`, a Chinese page elsewhere — instead of English `text/plain` or an empty body; and
//! everything except the static assets is `Cache-Control: no-store`, since pages and API
//! answers carry a signed-in user's data.

use crate::error::problem;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The largest framework refusal body read to find out what was wrong.
const REFUSAL_BODY_LIMIT: usize = 16 * 1024;

/// Rewrites client errors that carry plain text or nothing (axum's extractor rejections and
/// its 405) into the application's error forms, keeping the status and the `Allow` header.
pub(crate) async fn uniform_refusals(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !status.is_client_error() {
        return resp;
    }
    let plain = match resp.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v
            .to_str()
            .map(|t| t.starts_with("text/plain"))
            .unwrap_or(false),
    };
    if !plain {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, REFUSAL_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let message = refusal_message(status, &text);
    let mut out = if api {
        problem(status, message, None)
    } else {
        (status, Html(crate::layout::error_page(status, &message))).into_response()
    };
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// A Chinese sentence for a framework refusal; the English cause is only mined for the name
/// of the parameter or field concerned.
pub(crate) fn refusal_message(status: StatusCode, cause: &str) -> String {
    let named = |marker: &str| {
        let start = cause.find(marker)? + marker.len();
        let end = cause[start..].find('`')?;
        Some(
            cause[start..start + end]
                .chars()
                .take(64)
                .collect::<String>(),
        )
    };
    if let Some(name) = named("duplicate field `") {
        return format!("参数“{name}”重复：每个参数只能出现一次");
    }
    if let Some(name) = named("missing field `") {
        return format!("缺少参数“{name}”");
    }
    if let Some(name) = named("unknown field `") {
        return format!("不认识的参数“{name}”");
    }
    match status {
        StatusCode::BAD_REQUEST if cause.contains("query string") => {
            "查询参数格式不正确".to_string()
        }
        StatusCode::BAD_REQUEST => "请求格式不正确".to_string(),
        StatusCode::NOT_FOUND => "页面不存在".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "不支持该请求方法".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "提交的内容过大".to_string(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "请求内容类型不受支持（应为 JSON 或表单）".to_string()
        }
        StatusCode::UNPROCESSABLE_ENTITY => "提交的内容无法识别：字段缺失或格式不对".to_string(),
        _ => "请求无法处理".to_string(),
    }
}

/// `Cache-Control: no-store` on everything but the static assets (which keep their own
/// caching): no shared or browser cache keeps a signed-in user's page or API answer.
pub(crate) async fn no_store(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let asset = path.starts_with("/assets/") || path == "/favicon.ico";
    let mut resp = next.run(req).await;
    if !asset {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_parameter() {
        let m = refusal_message(
            StatusCode::BAD_REQUEST,
            "Failed to deserialize query string: duplicate field `year`",
        );
        assert_eq!(m, "参数“year”重复：每个参数只能出现一次");
        assert_eq!(
            refusal_message(StatusCode::METHOD_NOT_ALLOWED, ""),
            "不支持该请求方法"
        );
    }
}
