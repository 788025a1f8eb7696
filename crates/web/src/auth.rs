//! Who is calling: a session cookie (pages, and the API from pages with a CSRF header) or an
//! API bearer token. Also the sign-in and sign-out pages. Every form carries the session's
//! CSRF token; the sign-in form uses a double-submit cookie since no session exists yet.

use crate::error::{ApiError, AppError, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::Principal;
use std::collections::HashMap;
use store::users::{LoginOutcome, User};

pub const SESSION_COOKIE: &str = "econops_session";
const LOGIN_COOKIE: &str = "econops_login";

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub principal: Principal,
    /// The session's CSRF token; `None` when authenticated by a bearer token.
    pub csrf: Option<String>,
}

impl CurrentUser {
    /// Checks the CSRF token of a submitted form.
    pub fn check_form_csrf(&self, form: &HashMap<String, String>) -> Result<(), AppError> {
        match (&self.csrf, form.get("csrf")) {
            (Some(expected), Some(given)) if constant_eq(expected, given) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    pub fn actor(&self) -> store::Actor {
        store::Actor::user(self.user.id, self.user.display_name.clone())
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

async fn authenticate(state: &AppState, parts: &Parts) -> Result<CurrentUser, AppError> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| AppError::Unauthorized)?;
        let token = value
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthorized)?;
        let user = state
            .store
            .token_user(token.trim())
            .await?
            .ok_or(AppError::Unauthorized)?;
        let principal = user.principal();
        return Ok(CurrentUser {
            user,
            principal,
            csrf: None,
        });
    }
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
    let (user, csrf) = state
        .store
        .session(&token)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let principal = user.principal();
    Ok(CurrentUser {
        user,
        principal,
        csrf: Some(csrf),
    })
}

/// A signed-in user of a page; anyone else is sent to the sign-in page.
pub struct PageUser(pub CurrentUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(PageUser(authenticate(state, parts).await?))
    }
}

/// A signed-in caller of the API. Writes with a session cookie need the `X-CSRF-Token` header.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(state, parts).await?;
        if let Some(expected) = &user.csrf {
            if parts.method != Method::GET && parts.method != Method::HEAD {
                let given = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                if !given.is_some_and(|g| constant_eq(expected, g)) {
                    return Err(ApiError(AppError::Csrf));
                }
            }
        }
        Ok(ApiUser(user))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    csrf: String,
    error: Option<String>,
    username: String,
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn login_response(
    state: &AppState,
    status: axum::http::StatusCode,
    error: Option<String>,
    username: String,
) -> Result<Response, PageError> {
    let csrf = store::users::new_token("");
    let html = LoginTemplate {
        csrf: csrf.clone(),
        error,
        username,
    }
    .render()?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_COOKIE, &csrf, 3600, state.config.secure_cookies),
        )],
        Html(html),
    )
        .into_response())
}

pub async fn login_page(State(state): State<AppState>) -> Result<Response, PageError> {
    login_response(&state, axum::http::StatusCode::OK, None, String::new())
}

pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let username = form
        .get("username")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let csrf_ok = match (cookie(&headers, LOGIN_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) => constant_eq(&c, f),
        _ => false,
    };
    let bad = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    if !csrf_ok {
        return login_response(
            &state,
            axum::http::StatusCode::FORBIDDEN,
            Some("页面已过期，请重新登录".into()),
            username,
        );
    }
    if username.is_empty() || password.is_empty() || username.len() > 64 || password.len() > 200 {
        return login_response(&state, bad, Some("请输入用户名和密码".into()), username);
    }
    match state.store.login(&username, &password).await? {
        LoginOutcome::Ok(user) => {
            let (token, _csrf) = state.store.create_session(user.id).await?;
            let max_age = store::users::SESSION_HOURS * 3600;
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies)
                    .parse()
                    .map_err(|e| AppError::Internal(Box::new(e)))?,
            );
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", 0, state.config.secure_cookies)
                    .parse()
                    .map_err(|e| AppError::Internal(Box::new(e)))?,
            );
            tracing::info!(user = %user.username, "signed in");
            Ok(resp)
        }
        LoginOutcome::Invalid => {
            login_response(&state, bad, Some("用户名或密码错误".into()), username)
        }
        LoginOutcome::Locked { until } => login_response(
            &state,
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "登录失败次数过多，账号已暂时锁定，请于 {} 后再试",
                until.replace('T', " ").trim_end_matches('Z')
            )),
            username,
        ),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies)
            .parse()
            .map_err(|e| AppError::Internal(Box::new(e)))?,
    );
    Ok(resp)
}
