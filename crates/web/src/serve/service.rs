//! Service managers (企业服务经理人) in the browser and the API: the office's coverage page with
//! the bulk assignment (`/service`), a firm's reassignment and visits (forms on 一企一档), and
//! the same commands as JSON. Handlers parse into `workflow::serve::service`'s commands.

use crate::auth::{ApiUser, CurrentUser, PageUser};
use crate::claim::caller;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{ApiError, AppError, PageError};
use crate::json::{default_region, ApiJson};
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use workflow::requests::FirmRef;
use workflow::serve::service::{AssignBulk, AssignOutcome, CoverageView, Reassign, RecordVisit};

#[derive(Template)]
#[template(path = "service.html")]
struct CoverageTemplate {
    layout: Layout,
    v: CoverageView,
    towns: Vec<(i64, String)>,
    tracks: Vec<(i64, String)>,
    may_assign: bool,
    done: Option<AssignOutcome>,
    error: Option<String>,
    form: HashMap<String, String>,
}

impl CoverageTemplate {
    fn field(&self, k: &str) -> &str {
        self.form.get(k).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CoverageParams {
    pub assigned: Option<usize>,
    pub left: Option<usize>,
    pub skipped: Option<usize>,
}

async fn render_coverage(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    done: Option<AssignOutcome>,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let region = ctx.region.code.clone();
    let v = workflow::serve::service::coverage(
        &state.store,
        &user.principal,
        &state.config.rules,
        &region,
    )
    .await?;
    let towns = state
        .store
        .towns(&region)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let tracks = state
        .store
        .tracks(&region)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(CoverageTemplate {
        layout: Layout::new("企业服务经理人", "service", user, ctx),
        v,
        towns,
        tracks,
        may_assign: domain::service::can_assign(&user.principal),
        done,
        error,
        form,
    }
    .render()?)
}

/// `/service`: coverage of above-scale firms, managers' workload, the bulk assignment form.
pub async fn coverage(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<CoverageParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let done = q.assigned.map(|assigned| AssignOutcome {
        assigned,
        left: q.left.unwrap_or(0),
        skipped: q.skipped.unwrap_or(0),
    });
    let html = render_coverage(&state, &user, &ctx, done, None, HashMap::new()).await?;
    Ok(respond(html, &ctx))
}

fn optional_id(
    form: &HashMap<String, String>,
    key: &str,
    what: &str,
) -> Result<Option<i64>, AppError> {
    match form.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| AppError::bad_field(key, format!("{what}“{s}”无效"))),
    }
}

fn bulk_of(form: &HashMap<String, String>, region: String) -> Result<AssignBulk, AppError> {
    let cap = match form.get("cap").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<u32>()
                .map_err(|_| AppError::bad_field("cap", format!("每人上限“{s}”应为正整数")))?,
        ),
    };
    Ok(AssignBulk {
        region,
        town_id: optional_id(form, "town", "镇街")?,
        track_id: optional_id(form, "track", "产业赛道")?,
        include_other: form
            .get("include_other")
            .is_some_and(|v| v == "1" || v == "on"),
        managers: Vec::new(),
        cap,
    })
}

/// `POST /service/assign`: the bulk assignment; the page again with what was done.
pub async fn assign(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let result = match bulk_of(&form, ctx.region.code.clone()) {
        Ok(cmd) => workflow::serve::service::assign_bulk(
            &state.store,
            caller(&user, &actor),
            &state.config.rules,
            &cmd,
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!(
            "/service?assigned={}&left={}&skipped={}",
            o.assigned, o.left, o.skipped
        ))
        .into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html =
                render_coverage(&state, &user, &ctx, None, Some(e.public_message()), form).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /enterprises/{uscc}/manager`: another manager for one firm, with a reason.
pub async fn reassign(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let result = match optional_id(&form, "person", "服务经理人") {
        Ok(person) => workflow::serve::service::reassign(
            &state.store,
            caller(&user, &actor),
            &Reassign {
                region: ctx.region.code.clone(),
                firm: FirmRef::Uscc(uscc.clone()),
                person,
                reason: form.get("reason").cloned().unwrap_or_default(),
            },
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    after_firm_form(&state, &user, &ctx, &uscc, result, form, "#service").await
}

/// `POST /enterprises/{uscc}/visits`: records a visit (and the request raised in it).
pub async fn visit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let request = (!get("request_title").trim().is_empty()).then(|| {
        (
            get("request_category"),
            get("request_title"),
            get("request_description"),
        )
    });
    let result = workflow::serve::service::record_visit(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &RecordVisit {
            region: ctx.region.code.clone(),
            firm: Some(FirmRef::Uscc(uscc.clone())),
            visited_on: get("visited_on"),
            people_met: get("people_met"),
            findings: get("findings"),
            request,
        },
    )
    .await
    .map(|_| ())
    .map_err(AppError::from);
    after_firm_form(&state, &user, &ctx, &uscc, result, form, "#visits").await
}

pub(crate) async fn after_firm_form(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    uscc: &str,
    result: Result<(), AppError>,
    form: HashMap<String, String>,
    anchor: &'static str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/enterprises/{}{anchor}", uscc.trim())).into_response())
        }
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = super::pages::firm_html(
                state,
                user,
                ctx,
                uscc,
                Some((e.public_message(), anchor)),
                form,
            )
            .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ----- API ----------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    pub region: Option<String>,
}

/// `GET /api/v1/service-managers`: coverage, managers and their workload.
pub async fn api_coverage(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    crate::json::ApiQuery(q): crate::json::ApiQuery<CoverageQuery>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, q.region).await?;
    let v = workflow::serve::service::coverage(
        &state.store,
        &user.principal,
        &state.config.rules,
        &region,
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!(v)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    pub region: Option<String>,
    pub town: Option<i64>,
    pub track: Option<i64>,
    #[serde(default)]
    pub include_other: bool,
    #[serde(default)]
    pub managers: Vec<i64>,
    pub cap: Option<u32>,
}

/// `POST /api/v1/service-managers/assign`: the bulk assignment.
pub async fn api_assign(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<Value>, ApiError> {
    let region = default_region(&state, &user, body.region).await?;
    for (key, v) in [("town", body.town), ("track", body.track)] {
        if v.is_some_and(|v| v < 1) {
            return Err(AppError::bad_field(key, "编号应为正整数").into());
        }
    }
    let actor = user.actor();
    let o = workflow::serve::service::assign_bulk(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &AssignBulk {
            region,
            town_id: body.town,
            track_id: body.track,
            include_other: body.include_other,
            managers: body.managers,
            cap: body.cap,
        },
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(json!(o)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    pub region: Option<String>,
    pub person: Option<i64>,
    pub reason: String,
}

/// `POST /api/v1/enterprises/{uscc}/service-manager`.
pub async fn api_reassign(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uscc): Path<String>,
    ApiJson(body): ApiJson<ReassignBody>,
) -> Result<Response, ApiError> {
    let region = default_region(&state, &user, body.region).await?;
    let actor = user.actor();
    workflow::serve::service::reassign(
        &state.store,
        caller(&user, &actor),
        &Reassign {
            region,
            firm: FirmRef::Uscc(uscc),
            person: body.person,
            reason: body.reason,
        },
    )
    .await
    .map_err(AppError::from)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPart {
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    pub region: Option<String>,
    pub visited_on: String,
    pub people_met: String,
    pub findings: String,
    pub request: Option<RequestPart>,
}

/// `POST /api/v1/enterprises/{uscc}/visits`.
pub async fn api_visit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uscc): Path<String>,
    ApiJson(body): ApiJson<VisitBody>,
) -> Result<Response, ApiError> {
    let region = default_region(&state, &user, body.region).await?;
    let actor = user.actor();
    let id = workflow::serve::service::record_visit(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &RecordVisit {
            region,
            firm: Some(FirmRef::Uscc(uscc)),
            visited_on: body.visited_on,
            people_met: body.people_met,
            findings: body.findings,
            request: body.request.map(|r| (r.category, r.title, r.description)),
        },
    )
    .await
    .map_err(AppError::from)?;
    let v = state
        .store
        .visit(id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound("走访记录".into()))?;
    Ok((StatusCode::CREATED, Json(json!(v))).into_response())
}
