//! The firm's own page behind its link (`/r/{token}`): no account, one form to submit a request
//! and one to rate each resolved request of the firm; nothing else. Every answer is throttled per
//! client address, submissions also per link; an expired link answers 410 with a Chinese page.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::auth::{ClientAddr, Throttle};
use crate::error::AppError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use domain::request::{Category, Rating, RequestState};
use domain::Coded;

/// The link throttles: pages and posts per client address and minute, submissions per link and
/// hour (`[requests]` of the configuration); both the sign-in's [`Throttle`].
pub(crate) struct LinkLimits {
    per_ip: Throttle,
    /// Keyed by the token's hash, so the tokens themselves are not kept in memory.
    per_link: Throttle<String>,
}

impl LinkLimits {
    pub fn new(rules: &domain::request::RequestRules) -> Self {
        Self {
            per_ip: Throttle::new(rules.link_per_ip_per_minute, Duration::from_secs(60)),
            per_link: Throttle::new(rules.link_per_hour, Duration::from_secs(3600)),
        }
    }

    /// Counts one submission through the link; `Err(seconds)` when over the hour's limit.
    fn hit_link(&self, token: &str, now: Instant) -> Result<(), u64> {
        self.per_link.hit_key(store::users::token_hash(token), now)
    }
}

#[derive(Template)]
#[template(path = "request_link.html")]
struct FirmTemplate {
    firm: String,
    token: String,
    awaiting: Vec<store::requests::RequestRow>,
    message: Option<String>,
    error: Option<String>,
    form: HashMap<String, String>,
}

impl FirmTemplate {
    fn categories(&self) -> &'static [Category] {
        Category::ALL
    }
    fn ratings(&self) -> &'static [Rating] {
        Rating::ALL
    }
    fn field(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "request_link_closed.html")]
struct ClosedTemplate {
    message: String,
}

fn closed(status: StatusCode, message: String) -> Response {
    match (ClosedTemplate { message }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => crate::error::PageError(AppError::from(e)).into_response(),
    }
}

/// The link's forms accept their own fields only: the refusal naming the first other one.
fn foreign_field(form: &HashMap<String, String>, allowed: &[&str]) -> Option<String> {
    form.keys()
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| {
            format!(
                "表单含有不接受的字段“{}”",
                k.chars().take(40).collect::<String>()
            )
        })
}

/// What an error of the link's use cases answers: unknown 404, expired 410, bad input 400.
fn refused(e: workflow::Error) -> Result<Response, AppError> {
    Ok(match e {
        workflow::Error::NotFound(_) => closed(
            StatusCode::NOT_FOUND,
            "链接无效：请核对地址，或联系您的企业服务经理人重新获取".into(),
        ),
        workflow::Error::Conflict(m) if m.contains("过期") => closed(StatusCode::GONE, m),
        other => return Err(other.into()),
    })
}

async fn render(
    state: &AppState,
    token: &str,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<Response, AppError> {
    let view = match workflow::requests::open_link(&state.store, token).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let html = FirmTemplate {
        firm: view.link.enterprise_name,
        token: token.to_string(),
        awaiting: view.awaiting,
        message,
        error,
        form,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

pub async fn firm_page(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
) -> Result<Response, crate::error::PageError> {
    if let Err(s) = state.request_links.per_ip.hit(addr, Instant::now()) {
        return Ok(super::pages::too_many(s));
    }
    Ok(render(&state, &token, StatusCode::OK, None, None, HashMap::new()).await?)
}

pub async fn firm_submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, crate::error::PageError> {
    let now = Instant::now();
    if let Err(s) = state.request_links.per_ip.hit(addr, now) {
        return Ok(super::pages::too_many(s));
    }
    if let Some(refusal) = foreign_field(&form, &["category", "title", "description"]) {
        return Ok(render(
            &state,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(refusal),
            HashMap::new(),
        )
        .await?);
    }
    if workflow::requests::open_link(&state.store, &token)
        .await
        .is_ok()
    {
        if let Err(s) = state.request_links.hit_link(&token, now) {
            return Ok(super::pages::too_many(s));
        }
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match workflow::requests::submit_by_link(
        &state.store,
        &state.config.rules,
        &token,
        &get("category"),
        &get("title"),
        &get("description"),
    )
    .await
    {
        Ok(id) => Ok(render(
            &state,
            &token,
            StatusCode::OK,
            Some(format!(
                "诉求已提交（编号 {id}），承办部门将在 {} 个工作日内受理",
                state.config.rules.requests.accept_days
            )),
            None,
            HashMap::new(),
        )
        .await?),
        Err(e @ workflow::Error::Invalid { .. }) => Ok(render(
            &state,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(e.to_string()),
            form,
        )
        .await?),
        Err(e) => Ok(refused(e)?),
    }
}

pub async fn firm_rate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, raw)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, crate::error::PageError> {
    if let Err(s) = state.request_links.per_ip.hit(addr, Instant::now()) {
        return Ok(super::pages::too_many(s));
    }
    let id = crate::json::parse_id(&raw, "诉求")?;
    if let Some(refusal) = foreign_field(&form, &["rating", "note"]) {
        return Ok(render(
            &state,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(refusal),
            HashMap::new(),
        )
        .await?);
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match workflow::requests::confirm_by_link(
        &state.store,
        &state.config.rules,
        &token,
        id,
        &get("rating"),
        &get("note"),
    )
    .await
    {
        Ok(to) => Ok(render(
            &state,
            &token,
            StatusCode::OK,
            Some(if to == RequestState::Confirmed {
                format!("诉求 {id} 已确认办结，感谢您的评价")
            } else {
                format!("诉求 {id} 已重新交办，承办部门将继续办理")
            }),
            None,
            HashMap::new(),
        )
        .await?),
        Err(e @ (workflow::Error::Invalid { .. } | workflow::Error::Conflict(_)))
            if !e.to_string().contains("过期") =>
        {
            Ok(render(
                &state,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e.to_string()),
                HashMap::new(),
            )
            .await?)
        }
        Err(e) => Ok(refused(e)?),
    }
}
