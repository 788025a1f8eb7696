//! One error type for the web layer. Pages answer with a Chinese error page, the API with
//! `application/problem+json` (RFC 9457). Internal causes are logged once and never sent.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

/// What a busy answer asks the client to wait, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthorized,
    #[error("无权访问：{0}")]
    Forbidden(String),
    #[error("{0}不存在")]
    NotFound(String),
    #[error("{detail}")]
    BadRequest {
        detail: String,
        field: Option<String>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("安全校验失败，请刷新页面后重试")]
    Csrf,
    #[error("登录尝试过多，请于 {0} 后再试")]
    Locked(String),
    /// The database is held by another writer (an import, a backup): answered 503 with
    /// `Retry-After`, never 500.
    #[error("系统正忙（数据正在导入或备份），请稍后重试")]
    Busy,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn bad(detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn bad_field(field: &str, detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text safe to show: internal errors say only that something failed.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "服务器内部错误，请稍后重试或联系管理员".to_string(),
            other => other.to_string(),
        }
    }

    /// Headers the status implies: `Retry-After` on 503.
    fn add_headers(&self, resp: &mut Response) {
        if matches!(self, AppError::Busy) {
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
    }

    pub(crate) fn log(&self) {
        if let AppError::Internal(e) = self {
            let mut chain = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::bad(m),
            StoreError::Busy(cause) => {
                tracing::warn!(error = %cause, "database busy; answered 503");
                AppError::Busy
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}

impl From<workflow::Error> for AppError {
    fn from(e: workflow::Error) -> Self {
        use workflow::Error as W;
        match e {
            W::UnknownRegion(r) => AppError::NotFound(format!("地区 {r}")),
            // A missing model or target is a missing resource of the region's year.
            W::NoModel { region, year } => {
                AppError::NotFound(format!("地区 {region} 的 {year} 年核算模型"))
            }
            W::NoTarget { region, year } => {
                AppError::NotFound(format!("地区 {region} 的 {year} 年地区生产总值增速目标"))
            }
            W::UnknownIndicator(_) => AppError::bad_field("indicator", e.to_string()),
            W::Analysis(_) | W::NoGdpBase => AppError::Conflict(e.to_string()),
            W::Rejected(errors) => AppError::bad(errors.to_string()),
            W::Forbidden(m) => AppError::Forbidden(m),
            W::NotFound(m) => AppError::NotFound(m),
            W::Invalid { detail, field } => AppError::BadRequest { detail, field },
            W::Conflict(m) => AppError::Conflict(m),
            W::DuplicateShortfall { existing_id, .. } => {
                AppError::Conflict(format!("{e}：/shortfalls/{existing_id}"))
            }
            W::Store(s) => s.into(),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// An `application/problem+json` response (RFC 9457).
pub(crate) fn problem(status: StatusCode, detail: String, field: Option<String>) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        field,
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_string());
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

/// The API's error response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let status = e.status();
        let field = match &e {
            AppError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        let mut resp = problem(status, e.public_message(), field);
        if matches!(e, AppError::Unauthorized) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        e.add_headers(&mut resp);
        resp
    }
}

/// A page's error response.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        if matches!(e, AppError::Unauthorized) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let status = e.status();
        let body = crate::layout::error_page(status, &e.public_message());
        let mut resp = (status, Html(body)).into_response();
        e.add_headers(&mut resp);
        resp
    }
}
