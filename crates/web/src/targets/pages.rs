//! The pages of the targets (目标): the overview (总览), the target system, a track, a town, a
//! target with its actuals, and the audit log.

use crate::auth::{CurrentUser, PageUser};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::chart_json;
use crate::layout::parse_id;
use crate::layout::respond;
use crate::layout::stamp;
use crate::layout::Layout;
use crate::view::{readable_tree, StatusCounts, TargetView};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::{BoundedText, Quantity, Scope, ScopeKind};
use serde::Serialize;
use std::collections::HashMap;
use store::audit::{AuditFilter, AuditRecord};
use store::reference::{Tier, TrackDetail};
use store::targets::ActualRecord;

/// A group of targets under a heading (a tier, a town …).
pub struct Group {
    pub title: String,
    pub link: Option<String>,
    pub targets: Vec<TargetView>,
}

#[derive(Serialize)]
struct ChartBar {
    name: String,
    completion: f64,
    status: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewTemplate {
    layout: Layout,
    elapsed_pct: f64,
    headline: Option<TargetView>,
    /// The headline figures, from the one source 找位置 and the API use too.
    figures: Option<std::sync::Arc<workflow::figures::Headline>>,
    counts: StatusCounts,
    city: Vec<TargetView>,
    tiers: Vec<Group>,
    towns: Vec<Group>,
    others: Vec<Group>,
    chart: String,
    has_sample: bool,
    /// A block rendered above the overview (the office's decisions on its first screen).
    top: Option<String>,
    /// The status colours with the 序时进度 thresholds in force.
    legend: Vec<(&'static str, &'static str, String)>,
}

pub async fn overview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let html = overview_html(&state, &user, &ctx, "overview", None).await?;
    Ok(respond(html, &ctx))
}

/// The city overview (总览) as a page under `nav`, with `top` (rendered HTML) above it.
pub(crate) async fn overview_html(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    nav: &'static str,
    top: Option<String>,
) -> Result<String, AppError> {
    let rows = state
        .store
        .targets(&ctx.region.code, ctx.year(), &ctx.as_of)
        .await?;
    let t = &state.config.rules.thresholds;
    let elapsed = ctx.elapsed();
    let of_kind = |kinds: &[ScopeKind]| -> Vec<store::targets::TargetRow> {
        rows.iter()
            .filter(|r| kinds.iter().any(|k| k.code() == r.scope_kind))
            .cloned()
            .collect()
    };
    let city = readable_tree(
        &of_kind(&[ScopeKind::City, ScopeKind::Tier]),
        &user.principal,
        elapsed,
        t,
    );
    let all = readable_tree(&rows, &user.principal, elapsed, t);
    let counts = StatusCounts::of(all.iter());
    let headline = all
        .iter()
        .find(|v| v.metric == "gdp_growth" && v.scope_kind == "city")
        .cloned();

    let tiers_list: Vec<Tier> = state.store.tiers(&ctx.region.code).await?;
    let tracks = state.store.tracks(&ctx.region.code).await?;
    let track_views = readable_tree(&of_kind(&[ScopeKind::Track]), &user.principal, elapsed, t);
    let tier_views = readable_tree(&of_kind(&[ScopeKind::Tier]), &user.principal, elapsed, t);
    let mut tiers = Vec::new();
    for tier in &tiers_list {
        let mut targets: Vec<TargetView> = tier_views
            .iter()
            .filter(|v| v.scope_id == Some(tier.id))
            .cloned()
            .map(|mut v| {
                v.depth = 0;
                v
            })
            .collect();
        for v in track_views.iter() {
            let in_tier = tracks
                .iter()
                .any(|tr| Some(tr.id) == v.scope_id && tr.tier_id == tier.id);
            if in_tier {
                let mut v = v.clone();
                v.depth = 1;
                targets.push(v);
            }
        }
        if !targets.is_empty() {
            tiers.push(Group {
                title: format!("{} · {}", tier.name, tier.description),
                link: None,
                targets,
            });
        }
    }
    let town_views = readable_tree(&of_kind(&[ScopeKind::Town]), &user.principal, elapsed, t);
    let mut towns: Vec<Group> = Vec::new();
    for town in state.store.towns(&ctx.region.code).await? {
        let targets: Vec<TargetView> = town_views
            .iter()
            .filter(|v| v.scope_id == Some(town.id))
            .cloned()
            .map(|mut v| {
                v.depth = 0;
                v
            })
            .collect();
        if !targets.is_empty() {
            towns.push(Group {
                title: town.name.clone(),
                link: Some(format!("/towns/{}", town.id)),
                targets,
            });
        }
    }
    let mut others = Vec::new();
    for kind in [ScopeKind::Department, ScopeKind::Programme] {
        let targets = readable_tree(&of_kind(&[kind]), &user.principal, elapsed, t);
        if !targets.is_empty() {
            others.push(Group {
                title: format!("按{}", kind.label()),
                link: None,
                targets,
            });
        }
    }
    let chart: Vec<ChartBar> = city
        .iter()
        .filter(|v| v.is_cumulative() && v.depth == 0 && v.completion_pct.is_some())
        .map(|v| ChartBar {
            name: v.name.clone(),
            completion: v.completion_pct.unwrap_or(0.0),
            status: v.status.clone(),
        })
        .collect();
    let has_sample = all.iter().any(|v| v.is_sample);
    // Without a model or a GDP target there are no headline figures; the targets still show.
    let figures = workflow::figures::headline(
        &state.store,
        &ctx.region.code,
        ctx.period,
        &state.config.rules,
    )
    .await
    .ok();
    Ok(OverviewTemplate {
        layout: Layout::new("总览", nav, user, ctx),
        elapsed_pct: (elapsed * 1000.0).round() / 10.0,
        headline,
        figures,
        counts,
        city,
        tiers,
        towns,
        others,
        chart: chart_json(&serde_json::json!({"elapsed": elapsed * 100.0, "bars": chart})),
        has_sample,
        top,
        legend: state
            .config
            .rules
            .thresholds
            .legend()
            .into_iter()
            .map(|e| (e.status, e.label, e.rule))
            .collect(),
    }
    .render()?)
}

pub struct TierBlock {
    pub tier: Tier,
    pub tracks: Vec<TrackDetail>,
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemTemplate {
    layout: Layout,
    tiers: Vec<TierBlock>,
    programmes: Vec<store::reference::Programme>,
    platforms: Vec<store::reference::Platform>,
    host_areas: Vec<store::reference::HostArea>,
    track_count: usize,
}

pub async fn system(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let details = state.store.track_details(&ctx.region.code).await?;
    let track_count = details.len();
    let mut tiers = Vec::new();
    for tier in state.store.tiers(&ctx.region.code).await? {
        let tracks = details
            .iter()
            .filter(|d| d.track.tier_id == tier.id)
            .cloned()
            .collect();
        tiers.push(TierBlock { tier, tracks });
    }
    let html = SystemTemplate {
        layout: Layout::new("产业体系", "system", &user, &ctx),
        tiers,
        programmes: state.store.programmes(&ctx.region.code).await?,
        platforms: state.store.platforms(&ctx.region.code).await?,
        host_areas: state.store.host_areas(&ctx.region.code).await?,
        track_count,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackTemplate {
    layout: Layout,
    detail: TrackDetail,
    targets: Vec<TargetView>,
    firms: workflow::serve::enterprises::GroupFirms,
    /// The registry's query that lists all of them.
    filter: String,
    can_edit: bool,
}

pub async fn track(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "产业赛道")?;
    let detail = state
        .store
        .track(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("产业赛道 {id}")))?;
    // The track's region is the page's, not a view the user chose: it is not saved (a saved
    // view also kept the page from the page cache).
    let chosen = query.region.is_some() || query.period.is_some();
    let mut query = query;
    query.region.get_or_insert(detail.track.region_code.clone());
    let mut ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    if !chosen {
        ctx.set_cookie = None;
    }
    let rows = state
        .store
        .targets(&ctx.region.code, ctx.year(), &ctx.as_of)
        .await?;
    let scope = Scope::of(ScopeKind::Track, id);
    let mine: Vec<_> = rows.into_iter().filter(|r| r.scope() == scope).collect();
    let targets = readable_tree(
        &mine,
        &user.principal,
        ctx.elapsed(),
        &state.config.rules.thresholds,
    );
    let facts = state.store.track_facts(id).await?;
    let can_edit = user.principal.can_write(scope, facts.as_ref());
    let firms = workflow::serve::enterprises::group_firms(
        &state.store,
        &user.principal,
        &ctx.region.code,
        workflow::serve::enterprises::FirmGroup::Track(id),
    )
    .await?;
    let html = TrackTemplate {
        layout: Layout::new(&detail.track.name, "system", &user, &ctx),
        detail,
        targets,
        firms,
        filter: format!("track={id}"),
        can_edit,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "town.html")]
struct TownTemplate {
    layout: Layout,
    town: store::reference::Town,
    targets: Vec<TargetView>,
    host_areas: Vec<store::reference::HostArea>,
    firms: workflow::serve::enterprises::GroupFirms,
    filter: String,
}

pub async fn town(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "镇街")?;
    let town = state
        .store
        .town(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("镇街 {id}")))?;
    let scope = Scope::of(ScopeKind::Town, id);
    if !user.principal.can_read(scope) {
        return Err(AppError::Forbidden(format!("{}的数据仅对本镇街开放", town.name)).into());
    }
    // As on a track's page: the town's region is implied, not chosen, and not saved.
    let chosen = query.region.is_some() || query.period.is_some();
    let mut query = query;
    query.region.get_or_insert(town.region_code.clone());
    let mut ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    if !chosen {
        ctx.set_cookie = None;
    }
    let rows = state
        .store
        .targets(&ctx.region.code, ctx.year(), &ctx.as_of)
        .await?;
    let mine: Vec<_> = rows.into_iter().filter(|r| r.scope() == scope).collect();
    let targets = readable_tree(
        &mine,
        &user.principal,
        ctx.elapsed(),
        &state.config.rules.thresholds,
    );
    let host_areas = state
        .store
        .host_areas(&ctx.region.code)
        .await?
        .into_iter()
        .filter(|h| h.town_id == Some(id))
        .collect();
    let firms = workflow::serve::enterprises::group_firms(
        &state.store,
        &user.principal,
        &ctx.region.code,
        workflow::serve::enterprises::FirmGroup::Town(id),
    )
    .await?;
    let html = TownTemplate {
        layout: Layout::new(&town.name, "overview", &user, &ctx),
        town,
        targets,
        host_areas,
        firms,
        filter: format!("town={id}"),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "target.html")]
struct TargetTemplate {
    layout: Layout,
    target: TargetView,
    children: Vec<TargetView>,
    actuals: Vec<(ActualRecord, String)>,
    changes: Vec<AuditRecord>,
    can_edit: bool,
    error: Option<String>,
    form: HashMap<String, String>,
    today: String,
    /// The indicator whose observations give this target its actual, when they do.
    observed: Option<&'static str>,
}

impl TargetTemplate {
    fn field(&self, name: &str) -> String {
        self.form.get(name).cloned().unwrap_or_default()
    }

    fn stamp(&self, at: &str) -> String {
        stamp(at)
    }
}

async fn render_target(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let workflow::targets::ReadableTarget {
        row,
        can_write: can_edit,
    } = workflow::targets::read_target(&state.store, &user.principal, id, &ctx.as_of).await?;
    let t = &state.config.rules.thresholds;
    let target = TargetView::build(&row, ctx.elapsed(), t);
    let all = state
        .store
        .targets(&row.region_code, row.year as i32, &ctx.as_of)
        .await?;
    let children = readable_tree(
        &all.into_iter()
            .filter(|r| r.parent_id == Some(id))
            .collect::<Vec<_>>(),
        &user.principal,
        ctx.elapsed(),
        t,
    );
    let unit = row.unit();
    let actuals = state
        .store
        .actuals(id)
        .await?
        .into_iter()
        .map(|a| {
            let text = Quantity::from_raw(unit, a.value).text();
            (a, text)
        })
        .collect();
    let changes = state
        .store
        .list_audit(&AuditFilter {
            entity: Some("target".into()),
            entity_id: Some(id.to_string()),
            limit: 50,
            offset: 0,
        })
        .await?;
    let observed = (row.actual_source.as_deref() == Some("observations"))
        .then(|| domain::observed::observed_indicator(&row.metric))
        .flatten();
    Ok(TargetTemplate {
        observed,
        layout: Layout::new(&row.name, "overview", user, ctx),
        target,
        children,
        actuals,
        changes,
        can_edit,
        error,
        form,
        today: ctx.as_of.clone(),
    }
    .render()?)
}

pub async fn target(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "目标")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let html = render_target(&state, &user, &ctx, id, None, HashMap::new()).await?;
    Ok(respond(html, &ctx))
}

/// A trimmed optional text field of a form, within `max` characters.
fn form_text(
    form: &HashMap<String, String>,
    field: &str,
    label: &str,
    max: usize,
    multiline: bool,
) -> Result<String, AppError> {
    match form.get(field).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(s) => {
            let parsed = if multiline {
                BoundedText::parse_multiline(s, label, max)
            } else {
                BoundedText::parse(s, label, max)
            };
            Ok(parsed
                .map_err(|e| AppError::bad_field(field, e.to_string()))?
                .into_string())
        }
        None => Ok(String::new()),
    }
}

/// Reads the "record an actual value" form into the command the API builds from JSON too.
fn actual_command(
    form: &HashMap<String, String>,
    target_id: i64,
) -> Result<workflow::targets::RecordActual, AppError> {
    let as_of = form
        .get("as_of")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let as_of = domain::period::parse_date(&as_of).map_err(|_| {
        AppError::bad_field("as_of", format!("截至日期“{as_of}”格式应为 2025-09-30"))
    })?;
    Ok(workflow::targets::RecordActual {
        target_id,
        value: form.get("value").cloned().unwrap_or_default(),
        as_of,
        source: form_text(form, "source", "数据来源", 100, false)?,
        note: form_text(form, "note", "备注", 500, true)?,
    })
}

/// Reads the "change the target value" form into its command.
fn update_command(
    form: &HashMap<String, String>,
    target_id: i64,
) -> Result<workflow::targets::UpdateTargetValue, AppError> {
    let reason = BoundedText::parse(
        form.get("reason").map(String::as_str).unwrap_or(""),
        "调整原因",
        200,
    )
    .map_err(|e| AppError::bad_field("reason", e.to_string()))?;
    Ok(workflow::targets::UpdateTargetValue {
        target_id,
        value: form.get("target_value").cloned().unwrap_or_default(),
        reason: reason.into_string(),
    })
}

/// Handles a target form: checks CSRF, applies `change` (which checks the right to write),
/// and re-renders the page with the error and the user's input when it fails.
async fn target_form<F, Fut>(
    state: AppState,
    user: CurrentUser,
    headers: HeaderMap,
    raw: String,
    form: HashMap<String, String>,
    change: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, CurrentUser, i64, HashMap<String, String>) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "目标")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    match change(state.clone(), user.clone(), id, form.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/targets/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html =
                render_target(&state, &user, &ctx, id, Some(e.public_message()), form).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record_actual(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    target_form(
        state,
        user,
        headers,
        raw,
        form,
        |state, user, id, form| async move {
            let cmd = actual_command(&form, id)?;
            workflow::targets::record_actual(&state.store, &user.principal, &user.actor(), cmd)
                .await?;
            Ok(())
        },
    )
    .await
}

pub async fn update_value(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    target_form(
        state,
        user,
        headers,
        raw,
        form,
        |state, user, id, form| async move {
            let cmd = update_command(&form, id)?;
            workflow::targets::update_target_value(
                &state.store,
                &user.principal,
                &user.actor(),
                cmd,
            )
            .await?;
            Ok(())
        },
    )
    .await
}

pub use super::audit_page::audit;
