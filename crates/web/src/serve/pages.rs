//! The registry's pages: `/enterprises` (search and list) and `/enterprises/{uscc}` (一企一档).

use crate::auth::{CurrentUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, stamp, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::enterprise::{ScaleKind, Tag};
use std::collections::HashMap;
use workflow::serve::enterprises::{FirmFile, FirmSummary};
use workflow::serve::service::FirmServiceView;

use super::SearchParams;

/// An option of a filter's select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListTemplate {
    layout: Layout,
    firms: Vec<FirmSummary>,
    q: String,
    industry: String,
    towns: Vec<Choice>,
    tags: Vec<Choice>,
    scales: Vec<Choice>,
    page: i64,
    has_more: bool,
    /// The search as URL parameters without the page (`&q=…`).
    params: String,
    town_user: bool,
    /// Whether the user may import the registry (the office).
    can_import: bool,
}

fn choice(value: String, label: &str, current: Option<&str>) -> Choice {
    Choice {
        selected: current == Some(value.as_str()),
        value,
        label: label.to_string(),
    }
}

pub(crate) fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<SearchParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let search = q.search(ctx.region.code.clone())?;
    let page = workflow::serve::enterprises::search(&state.store, &user.principal, &search)
        .await
        .map_err(AppError::from)?;
    let town_user = user.principal.role == domain::Role::Town;
    let towns = state
        .store
        .towns(&ctx.region.code)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|t| !town_user || Some(t.id) == user.principal.town_id)
        .map(|t| choice(t.id.to_string(), &t.name, q.town.as_deref()))
        .collect();
    let tags = Tag::ALL
        .iter()
        .map(|t| {
            choice(
                t.code().to_string(),
                t.label(),
                search.tag.map(|x| x.code()),
            )
        })
        .collect();
    let scales = ScaleKind::ALL
        .iter()
        .map(|k| {
            choice(
                k.code().to_string(),
                k.above_label(),
                search.scale_kind.map(|x| x.code()),
            )
        })
        .collect();
    let mut params = String::new();
    for (k, v) in [
        ("q", &q.q),
        ("industry", &q.industry),
        ("town", &q.town),
        ("tag", &q.tag),
        ("scale", &q.scale),
        ("above", &q.above),
        ("track", &q.track),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            params.push_str(&format!("&{k}={}", encode(v.trim())));
        }
    }
    let html = ListTemplate {
        layout: Layout::new("企业库", "serve", &user, &ctx),
        firms: page.firms,
        q: q.q.clone().unwrap_or_default(),
        industry: q.industry.clone().unwrap_or_default(),
        towns,
        tags,
        scales,
        page: page.page,
        has_more: page.has_more,
        params,
        town_user,
        can_import: workflow::claim::require_office(&user.principal).is_ok(),
    }
    .render()
    .map_err(AppError::from)?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct FileTemplate {
    layout: Layout,
    f: FirmFile,
    svc: FirmServiceView,
    /// The region's service managers, for the reassignment form (office only).
    managers: Vec<(i64, String)>,
    categories: Vec<(&'static str, &'static str)>,
    today: String,
    error: Option<String>,
    /// The anchor of the form that was refused (`#service`, `#visits`, `#firm-matching`): its
    /// message is shown beside it.
    error_at: &'static str,
    form: HashMap<String, String>,
    /// The firm's figures for its chart (JSON), `null` when there are none to show.
    chart: String,
    /// Policies the firm meets and has not been pushed; the pushes it has received.
    policies: Vec<workflow::policies::FirmPolicy>,
    received: Vec<store::policies::Push>,
    /// Products and needs with suggested local suppliers (供需对接).
    matching: workflow::matching::FirmMatching,
}

impl FileTemplate {
    fn stamp(&self, at: &str) -> String {
        stamp(at)
    }

    fn field(&self, k: &str) -> &str {
        self.form.get(k).map(String::as_str).unwrap_or("")
    }

    /// The refusal's message when the form at `anchor` was the one refused.
    fn error_at(&self, anchor: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_at == anchor)
    }
}

/// 一企一档 as HTML, with a refused form's message and what was typed.
pub(crate) async fn firm_html(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    uscc: &str,
    error: Option<(String, &'static str)>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let (error, error_at) = match error {
        Some((message, at)) => (Some(message), at),
        None => (None, ""),
    };
    let f = workflow::serve::enterprises::firm_file(&state.store, &user.principal, uscc).await?;
    let row = state
        .store
        .firm_by_id(f.id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("企业 {}", uscc.trim())))?;
    let svc = workflow::serve::service::firm_service(
        &state.store,
        &user.principal,
        &state.config.rules,
        &row,
    )
    .await?;
    let managers = if svc.may_reassign {
        state
            .store
            .service_managers(&row.region_code)
            .await?
            .into_iter()
            .filter(|m| m.active == 1)
            .map(|m| {
                let town = m.town_name.map(|t| format!("（{t}）")).unwrap_or_default();
                (m.person_id, format!("{}{town}", m.name))
            })
            .collect()
    } else {
        Vec::new()
    };
    let categories = domain::request::Category::ALL
        .iter()
        .map(|c| (domain::Coded::as_code(*c), c.label()))
        .collect();
    let chart = crate::layout::chart_json(&f.figures);
    let (policies, received) =
        workflow::policies::for_firm(&state.store, &user.principal, &f.region_code, f.id).await?;
    let matching = workflow::matching::for_firm(&state.store, &user.principal, uscc).await?;
    Ok(FileTemplate {
        layout: Layout::new(&f.firm.name.clone(), "serve", user, ctx),
        matching,
        f,
        chart,
        policies,
        received,
        svc,
        managers,
        categories,
        today: domain::period::format_date(state.store.now().date()),
        error,
        error_at,
        form,
    }
    .render()?)
}

pub async fn firm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = firm_html(&state, &user, &ctx, &uscc, None, HashMap::new()).await?;
    Ok(respond(html, &ctx))
}
