//! The pages of enterprise requests (诉求): the list with the forms to raise a request and to
//! make a firm's link, one request with its steps, the measures (also as a workbook), the
//! routing rules, the 督办 section's rows, and the firm's own page behind its link.

use std::collections::HashMap;

use crate::auth::{CurrentUser, PageUser};
use crate::claim::caller;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::json::parse_id;
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::request::{Action, Category, Rating, RequestState};
use domain::Coded;
use workflow::requests::{FirmRef, Grouping, MeasureRow, RaiseRequest, RequestView, Transition};

fn label_state(code: RequestState) -> &'static str {
    code.label()
}

/// A late request as the 督办 section shows it.
pub struct LateRow {
    pub id: i64,
    pub enterprise: String,
    pub title: String,
    pub department: String,
    pub step: &'static str,
    pub due: String,
    pub days_late: u32,
}

/// The 督办 section's rows (the supervision page includes `_late_requests.html`).
pub(crate) async fn late_rows(
    state: &AppState,
    user: &CurrentUser,
    region: &str,
) -> Result<Vec<LateRow>, AppError> {
    // Escalating writes; the background sweep does it too, so a page view whose write fails (the
    // lock held by an import, say) still shows the late requests.
    if let Err(e) = workflow::requests::escalate(&state.store, region).await {
        tracing::warn!(error = %e, "late request escalation failed");
    }
    Ok(
        workflow::requests::late(&state.store, &user.principal, region)
            .await?
            .into_iter()
            .map(|v| LateRow {
                id: v.row.id,
                enterprise: v.row.enterprise_name.clone(),
                title: v.row.title.clone(),
                department: v
                    .row
                    .department_name
                    .clone()
                    .unwrap_or_else(|| "经济运行办公室".into()),
                step: v.late.map(|(s, _)| s).unwrap_or(""),
                due: v
                    .late
                    .map(|(_, d)| domain::period::format_date(d))
                    .unwrap_or_default(),
                days_late: v.days_late,
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListTemplate {
    layout: Layout,
    /// This page's requests.
    rows: Vec<RequestView>,
    /// All the requests the filter finds.
    total: usize,
    page: usize,
    pages: usize,
    /// The filter as URL parameters without the page (`&status=…`).
    params: String,
    status: String,
    firms: Vec<store::reference::Enterprise>,
    can_raise: bool,
    link: Option<(String, String, String)>,
    common: Vec<workflow::requests::CommonProblem>,
    error: Option<String>,
    form: HashMap<String, String>,
}

impl ListTemplate {
    fn state_label(&self, v: &RequestView) -> &'static str {
        label_state(v.row.state.0)
    }
    fn categories(&self) -> &'static [Category] {
        Category::ALL
    }
    fn field(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
    /// The forms list the firms to choose from, or ask for a USCC when there are too many.
    fn lists_firms(&self) -> bool {
        self.firms.len() <= crate::claim::FIRMS_LISTED
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListParams {
    pub status: Option<String>,
    pub category: Option<String>,
    /// 1-based page of [`PER_PAGE`] requests.
    pub page: Option<String>,
}

/// Requests listed per page.
const PER_PAGE: usize = 50;

#[allow(clippy::too_many_arguments)]
async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    q: ListParams,
    link: Option<(String, String, String)>,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<String, AppError> {
    let ListParams {
        status,
        category,
        page,
    } = q;
    let page = match page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| AppError::bad_field("page", "页码应为正整数"))?,
    };
    let region = ctx.region.code.clone();
    let mut params = String::new();
    for (k, v) in [("status", &status), ("category", &category)] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            params.push_str(&format!("&{k}={}", crate::serve::pages::encode(v)));
        }
    }
    let all = workflow::requests::list(
        &state.store,
        &user.principal,
        &workflow::requests::ListQuery {
            region: region.clone(),
            status: status.clone(),
            category,
            ..Default::default()
        },
    )
    .await?;
    let total = all.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let rows: Vec<RequestView> = all
        .into_iter()
        .skip((page - 1).saturating_mul(PER_PAGE))
        .take(PER_PAGE)
        .collect();
    let p = &user.principal;
    // The firms the user may raise requests for, one more than the form lists (enough to
    // know the list is too long to show).
    let firms: Vec<_> = state
        .store
        .enterprises_where(
            &region,
            &store::reference::FirmFilter {
                town: (p.role == domain::Role::Town)
                    .then_some(p.town_id)
                    .flatten(),
                manager: (p.role == domain::Role::ServiceManager)
                    .then_some(p.person_id)
                    .flatten(),
                limit: Some(crate::claim::FIRMS_LISTED as i64 + 1),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|e| domain::request::can_raise(p, e.town_id, e.service_manager_id))
        .collect();
    Ok(ListTemplate {
        layout: Layout::new("企业诉求", "requests", user, ctx),
        rows,
        total,
        page,
        pages,
        params,
        status: status.unwrap_or_default(),
        can_raise: !firms.is_empty(),
        firms,
        link,
        common: workflow::requests::common_problems(&state.store, p, &state.config.rules, &region)
            .await?,
        error,
        form,
    }
    .render()?)
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_list(&state, &user, &ctx, q, None, None, HashMap::new()).await?;
    Ok(respond(html, &ctx))
}

/// The firm a form names (`firm` from the list or `firm_uscc` typed).
fn firm_of(form: &HashMap<String, String>) -> Result<FirmRef, AppError> {
    crate::claim::named_firm(form, "firm", "firm_uscc")
}

/// Raises a request from the list page's form.
pub async fn raise(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = match firm_of(&form) {
        Ok(firm) => workflow::requests::raise(
            &state.store,
            caller(&user, &actor),
            &state.config.rules,
            &RaiseRequest {
                region: ctx.region.code.clone(),
                firm,
                category: get("category"),
                title: get("title"),
                description: get("description"),
            },
        )
        .await
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render_list(
                &state,
                &user,
                &ctx,
                ListParams::default(),
                None,
                Some(e.public_message()),
                form,
            )
            .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes a firm's link and shows it once.
pub async fn make_link(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let firm = firm_of(&form)?;
    let made = workflow::requests::make_link(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        &ctx.region.code,
        &firm,
    )
    .await?;
    let html = render_list(
        &state,
        &user,
        &ctx,
        ListParams::default(),
        Some((
            made.enterprise_name,
            format!("/r/{}", made.token),
            made.expires_at.get(..10).unwrap_or_default().to_string(),
        )),
        None,
        HashMap::new(),
    )
    .await?;
    Ok(respond(html, &ctx))
}

#[derive(Template)]
#[template(path = "request.html")]
struct DetailTemplate {
    layout: Layout,
    d: workflow::requests::RequestDetail,
    error: Option<String>,
}

impl DetailTemplate {
    fn state_label(&self) -> &'static str {
        label_state(self.d.view.row.state.0)
    }
    fn event_label(&self, code: &str) -> &'static str {
        match code {
            "submit" => "提交",
            "accept" => "受理",
            "answer" => "答复",
            "resolve" => "办结",
            "ask_extension" => "申请延期",
            "approve_extension" => "批准延期",
            "refuse_extension" => "不批准延期",
            "confirm" => "确认评价",
            _ => "办理",
        }
    }
    fn rating_label(&self, r: &Option<store::codes::Code<Rating>>) -> &'static str {
        r.map(|r| r.0.label()).unwrap_or("")
    }
    fn ratings(&self) -> &'static [Rating] {
        Rating::ALL
    }
    fn confirms(&self, a: &Action) -> bool {
        matches!(a, Action::Confirm(_))
    }
}

async fn render_detail(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    error: Option<String>,
) -> Result<String, AppError> {
    let d = workflow::requests::detail(&state.store, &user.principal, id).await?;
    Ok(DetailTemplate {
        layout: Layout::new(&format!("诉求 {id}"), "requests", user, ctx),
        d,
        error,
    }
    .render()?)
}

pub async fn detail(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "诉求")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_detail(&state, &user, &ctx, id, None).await?;
    Ok(respond(html, &ctx))
}

/// One step from the request page's forms.
pub async fn act(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "诉求")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = workflow::requests::transition(
        &state.store,
        caller(&user, &actor),
        &state.config.rules,
        id,
        &Transition {
            action: get("action"),
            note: get("note"),
            rating: form.get("rating").cloned(),
        },
    )
    .await
    .map_err(AppError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let html = render_detail(&state, &user, &ctx, id, Some(e.public_message())).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "request_measures.html")]
struct MeasuresTemplate {
    layout: Layout,
    by: Grouping,
    rows: Vec<MeasureRow>,
}

impl MeasuresTemplate {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}%")).unwrap_or_else(|| "—".into())
    }
    fn days(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MeasuresParams {
    pub by: Option<String>,
}

fn grouping(q: &MeasuresParams) -> Result<Grouping, AppError> {
    Grouping::parse(q.by.as_deref().unwrap_or(""))
        .ok_or_else(|| AppError::bad_field("by", "分组应为 department、town 或 manager"))
}

pub async fn measures(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<MeasuresParams>,
) -> Result<Response, PageError> {
    let by = grouping(&q)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let rows =
        workflow::requests::measures(&state.store, &user.principal, &ctx.region.code, by).await?;
    let html = MeasuresTemplate {
        layout: Layout::new("诉求办理考核", "requests", &user, &ctx),
        by,
        rows,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

pub async fn measures_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<MeasuresParams>,
) -> Result<Response, PageError> {
    let by = grouping(&q)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let rows =
        workflow::requests::measures(&state.store, &user.principal, &ctx.region.code, by).await?;
    let bytes = io::export::request_measures_xlsx(
        &ctx.region.name,
        &domain::period::format_date(state.store.now().date()),
        by.label(),
        &rows
            .iter()
            .map(|r| io::export::RequestMeasureLine {
                name: r.name.clone(),
                received: r.measures.received,
                accepted_on_time: r.measures.accepted_on_time,
                resolved_on_time: r.measures.resolved_on_time,
                closed: r.measures.closed,
                closure_pct: r.measures.closure_pct,
                satisfaction_pct: r.measures.satisfaction_pct,
                avg_days_to_resolve: r.measures.avg_days_to_resolve,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"requests.xlsx\"; filename*=UTF-8''%E8%AF%89%E6%B1%82%E5%8A%9E%E7%90%86%E8%80%83%E6%A0%B8.xlsx".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "request_routes.html")]
struct RoutesTemplate {
    layout: Layout,
    routes: Vec<(Category, Option<(i64, String)>)>,
    departments: Vec<store::reference::Department>,
}

impl RoutesTemplate {
    fn routed_to(&self, r: &Option<(i64, String)>, id: &i64) -> bool {
        r.as_ref().is_some_and(|(d, _)| d == id)
    }
}

pub async fn routes(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    crate::claim::require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = RoutesTemplate {
        layout: Layout::new("诉求分办规则", "requests", &user, &ctx),
        routes: workflow::requests::routes(&state.store, &ctx.region.code).await?,
        departments: state.store.departments(&ctx.region.code).await?,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

pub async fn save_routes(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    // Refused even when the form changes nothing (no `set_route` would run to refuse it).
    crate::claim::require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let current = workflow::requests::routes(&state.store, &ctx.region.code).await?;
    for (category, now) in current {
        let raw = form
            .get(category.as_code())
            .map(String::as_str)
            .unwrap_or("");
        let wanted = match raw {
            "" => None,
            r => Some(parse_id(r, "部门")?),
        };
        if wanted != now.map(|(d, _)| d) {
            workflow::requests::set_route(
                &state.store,
                caller(&user, &actor),
                &ctx.region.code,
                category.as_code(),
                wanted.map(workflow::claim::Ref::Id),
            )
            .await?;
        }
    }
    Ok(Redirect::to("/requests/routes").into_response())
}

pub(crate) fn too_many(seconds: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.to_string())],
        Html(crate::layout::error_page(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("提交过于频繁，请 {seconds} 秒后再试"),
        )),
    )
        .into_response()
}
