//! What every page shares: the layout around a page (navigation, the user, the period), the
//! error page, and the formats numbers are shown in, so that a figure reads the same everywhere.

use crate::auth::CurrentUser;
use crate::context::ViewContext;
use crate::error::{AppError, PageError};
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

/// What every page's frame needs: who is signed in, the top bar, the navigation.
pub struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub user_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub is_office: bool,
    pub region_code: String,
    pub region_name: String,
    pub period: String,
    pub period_label: String,
    pub regions: Vec<(String, String)>,
    pub periods: Vec<(String, String)>,
    /// Unread notifications (the badge on 消息).
    pub unread: i64,
    /// What the top bar's search box holds (the results page fills it in).
    pub search: String,
}

impl Layout {
    pub fn new(title: &str, nav: &'static str, user: &CurrentUser, ctx: &ViewContext) -> Self {
        Self {
            title: title.to_string(),
            nav,
            user_name: user.user.display_name.clone(),
            role_label: user.principal.role.label(),
            csrf: user.csrf.clone().unwrap_or_default(),
            is_office: user.principal.role.is_office(),
            region_code: ctx.region.code.clone(),
            region_name: ctx.region.name.clone(),
            period: ctx.period.to_string(),
            period_label: ctx.period_label(),
            regions: ctx
                .regions
                .iter()
                .map(|r| (r.code.clone(), r.name.clone()))
                .collect(),
            periods: ctx.periods.clone(),
            unread: ctx.unread,
            search: String::new(),
        }
    }
}

pub(crate) fn respond(html: String, ctx: &ViewContext) -> Response {
    let mut resp = Html(html).into_response();
    if let Some(c) = &ctx.set_cookie {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub(crate) fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::NotFound(format!("{what}“{raw}”")))
}

/// Serialises data for a chart into a `<script type="application/json">` safely.
pub(crate) fn chart_json<T: Serialize>(data: &T) -> String {
    serde_json::to_string(data)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    status: u16,
    message: String,
}

pub fn error_page(status: StatusCode, message: &str) -> String {
    ErrorTemplate {
        status: status.as_u16(),
        message: message.to_string(),
    }
    .render()
    .unwrap_or_else(|_| "服务器内部错误".to_string())
}

pub async fn not_found() -> Response {
    PageError(AppError::NotFound("页面".into())).into_response()
}

/// "2025-09-30T08:00:00Z" → "2025-09-30 08:00:00" (UTC).
pub fn stamp(at: &str) -> String {
    at.replace('T', " ").trim_end_matches('Z').to_string()
}

/// A number however deep the template's references go.
pub trait Num {
    fn get(&self) -> f64;
}

impl Num for f64 {
    fn get(&self) -> f64 {
        *self
    }
}

impl<T: Num + ?Sized> Num for &T {
    fn get(&self) -> f64 {
        (**self).get()
    }
}

/// An optional number however deep the template's references go.
pub trait OptNum {
    fn get(&self) -> Option<f64>;
}

impl OptNum for Option<f64> {
    fn get(&self) -> Option<f64> {
        *self
    }
}

impl<T: OptNum + ?Sized> OptNum for &T {
    fn get(&self) -> Option<f64> {
        (**self).get()
    }
}

// The number formats of every page: thousands separators (1,728.04), "—" for what is
// unknown. Templates call these (as `self.f1(x)` through the page's `Num` helpers or directly
// as `crate::layout::f1(x)`); the digits come from `domain::decimal::fixed`.

pub fn f1<T: Num>(x: T) -> String {
    domain::decimal::fixed(x.get(), 1)
}

pub fn f2<T: Num>(x: T) -> String {
    domain::decimal::fixed(x.get(), 2)
}

pub fn o1<T: OptNum>(x: T) -> String {
    x.get()
        .map(|v| domain::decimal::fixed(v, 1))
        .unwrap_or_else(|| "—".into())
}

pub fn o2<T: OptNum>(x: T) -> String {
    x.get()
        .map(|v| domain::decimal::fixed(v, 2))
        .unwrap_or_else(|| "—".into())
}

/// A whole number with separators: 12,000.
pub fn int<T: std::fmt::Display>(x: T) -> String {
    domain::decimal::grouped(&x.to_string())
}

/// A month written as a code ("2026-06") as users read it ("2026 年 6 月"); anything else as
/// it is.
pub fn month(code: &str) -> String {
    domain::period::month_label(code)
}

/// A period code ("2025-09") as the statistics write it ("2025 年 1–9 月").
pub fn period(code: &str) -> String {
    domain::Period::parse(code)
        .map(|p| p.full_label())
        .unwrap_or_else(|_| code.to_string())
}

/// An indicator kind's code ("leading") by its name ("先行指标").
pub fn indicator_kind(code: &str) -> &'static str {
    domain::IndicatorKind::parse(code)
        .map(domain::IndicatorKind::label)
        .unwrap_or("监测指标")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_in_statistics() {
        assert_eq!(f2(1728.0412), "1,728.04");
        assert_eq!(f1(12000.0), "12,000.0");
        assert_eq!(o1(None), "—");
        assert_eq!(o2(Some(-1234.5)), "-1,234.50");
        assert_eq!(int(12000), "12,000");
        assert_eq!(month("2026-06"), "2026 年 6 月");
        assert_eq!(period("2025-09"), "2025 年 1–9 月");
        assert_eq!(indicator_kind("price"), "价格指数");
        assert_eq!(indicator_kind("aggregate"), "总量指标");
    }
}
