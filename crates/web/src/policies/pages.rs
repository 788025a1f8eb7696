//! The pages of policies (惠企政策): the library with its import, the form to add or edit a
//! policy (shown again with what was typed when refused), and one policy with its conditions in
//! words, its eligible firms with the reasons, the push form and the pushes with their cashing.

use std::collections::HashMap;

use crate::auth::{CurrentUser, PageUser};
use crate::claim::{caller, read_multipart};
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::json::parse_id;
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::policy::INPUT_FIELDS;
use workflow::claim::Ref;
use workflow::policies::{ConditionSource, Draft, EligiblePage, FirmRef, PolicyDetail, PolicyView};

type Fields = HashMap<String, String>;

fn can_write(user: &CurrentUser) -> bool {
    matches!(
        user.principal.role,
        domain::Role::Admin | domain::Role::Office | domain::Role::Department
    )
}

fn fmt_wan(v: &f64) -> String {
    domain::decimal::fixed(*v, if v.fract() == 0.0 { 0 } else { 2 })
}

#[derive(Template)]
#[template(path = "policies.html")]
struct ListTemplate {
    layout: Layout,
    rows: Vec<PolicyView>,
    can_write: bool,
    can_import: bool,
    message: Option<String>,
    error: Option<String>,
}

impl ListTemplate {
    fn wan(&self, v: &f64) -> String {
        fmt_wan(v)
    }
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let rows = workflow::policies::list(&state.store, &ctx.region.code).await?;
    Ok(ListTemplate {
        layout: Layout::new("惠企政策", "policies", user, ctx),
        rows,
        can_write: can_write(user),
        can_import: user.principal.role.is_office(),
        message,
        error,
    }
    .render()?)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListParams {
    pub imported: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let message = q.imported.map(|n| format!("已导入 {n} 项政策"));
    let html = render_list(&state, &user, &ctx, message, None).await?;
    Ok(respond(html, &ctx))
}

/// Imports a policy workbook (all or nothing).
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (fields, files) = read_multipart(multipart).await?;
    user.check_form_csrf(&fields)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let Some(file) = files.into_iter().next() else {
        let html = render_list(&state, &user, &ctx, None, Some("请选择政策文件".into())).await?;
        return Ok((axum::http::StatusCode::BAD_REQUEST, Html(html)).into_response());
    };
    let actor = user.actor();
    match workflow::policies::import_policies(
        &state.store,
        caller(&user, &actor),
        &ctx.region.code,
        &file.file_name,
        file.bytes,
    )
    .await
    .map_err(AppError::from)
    {
        Ok(n) => Ok(Redirect::to(&format!("/policies?imported={n}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render_list(&state, &user, &ctx, None, Some(e.public_message())).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "policy_form.html")]
struct FormTemplate {
    layout: Layout,
    /// `None` for a new policy.
    id: Option<i64>,
    departments: Vec<store::reference::Department>,
    choose_department: bool,
    conditions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    error_field: String,
    form: Fields,
}

impl FormTemplate {
    fn field(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/policies/{id}/edit"),
            None => "/policies".into(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: Option<i64>,
    error: Option<String>,
    error_field: Option<String>,
    form: Fields,
) -> Result<String, AppError> {
    let title = if id.is_some() {
        "修改政策"
    } else {
        "新增政策"
    };
    Ok(FormTemplate {
        layout: Layout::new(title, "policies", user, ctx),
        id,
        departments: state.store.departments(&ctx.region.code).await?,
        choose_department: user.principal.role.is_office(),
        conditions: INPUT_FIELDS
            .iter()
            .copied()
            .filter(|(f, _)| *f != "revenue")
            .collect(),
        error,
        error_field: error_field.unwrap_or_default(),
        form,
    }
    .render()?)
}

pub async fn new_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !can_write(&user) {
        return Err(AppError::Forbidden("惠企政策由经济运行办公室或部门录入".into()).into());
    }
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_form(&state, &user, &ctx, None, None, None, Fields::new()).await?;
    Ok(respond(html, &ctx))
}

fn draft_of(region: &str, form: &Fields) -> Draft {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let words = domain::policy::ConditionInput {
        industry: get("industry"),
        tracks: get("tracks"),
        scale: get("scale"),
        tags: get("tags"),
        towns: get("towns"),
        founded_from: get("founded_from"),
        founded_to: get("founded_to"),
        capital_min: get("capital_min"),
        capital_max: get("capital_max"),
        employees_min: get("employees_min"),
        employees_max: get("employees_max"),
        revenue: get("revenue"),
    };
    Draft {
        region: region.to_string(),
        title: get("title"),
        issuer: get("issuer"),
        department: get("department")
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| *d > 0)
            .map(Ref::Id),
        valid_from: get("valid_from"),
        valid_to: get("valid_to"),
        benefit: get("benefit"),
        amount_wan: get("amount_wan"),
        conditions: ConditionSource::Words(words),
    }
}

async fn save(
    state: AppState,
    user: CurrentUser,
    headers: HeaderMap,
    id: Option<i64>,
    form: Fields,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let actor = user.actor();
    let draft = draft_of(&ctx.region.code, &form);
    let result = match id {
        None => workflow::policies::create(&state.store, caller(&user, &actor), &draft).await,
        Some(id) => workflow::policies::update(&state.store, caller(&user, &actor), id, &draft)
            .await
            .map(|()| id),
    }
    .map_err(AppError::from);
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/policies/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let field = match &e {
                AppError::BadRequest { field, .. } => field.clone(),
                _ => None,
            };
            let html = render_form(
                &state,
                &user,
                &ctx,
                id,
                Some(e.public_message()),
                field,
                form,
            )
            .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    save(state, user, headers, None, form).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "政策")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let d = workflow::policies::detail(&state.store, &user.principal, id)
        .await
        .map_err(AppError::from)?;
    if !d.can_edit {
        return Err(
            AppError::Forbidden("只有经济运行办公室和政策所属部门可以修改该政策".into()).into(),
        );
    }
    let p = &d.view.policy;
    let w = &d.input;
    let mut form = Fields::new();
    for (k, v) in [
        ("title", p.title.clone()),
        ("issuer", p.issuer.clone()),
        (
            "department",
            p.department_id.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("valid_from", p.valid_from.clone()),
        ("valid_to", p.valid_to.clone().unwrap_or_default()),
        ("benefit", p.benefit.clone()),
        (
            "amount_wan",
            p.amount_wan.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("industry", w.industry.clone()),
        ("tracks", w.tracks.clone()),
        ("scale", w.scale.clone()),
        ("tags", w.tags.clone()),
        ("towns", w.towns.clone()),
        ("founded_from", w.founded_from.clone()),
        ("founded_to", w.founded_to.clone()),
        ("capital_min", w.capital_min.clone()),
        ("capital_max", w.capital_max.clone()),
        ("employees_min", w.employees_min.clone()),
        ("employees_max", w.employees_max.clone()),
    ] {
        form.insert(k.to_string(), v);
    }
    let html = render_form(&state, &user, &ctx, Some(id), None, None, form).await?;
    Ok(respond(html, &ctx))
}

pub async fn edit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "政策")?;
    save(state, user, headers, Some(id), form).await
}

#[derive(Template)]
#[template(path = "policy.html")]
struct DetailTemplate {
    layout: Layout,
    d: PolicyDetail,
    eligible: EligiblePage,
    error: Option<String>,
    today: String,
}

impl DetailTemplate {
    fn wan(&self, v: &f64) -> String {
        fmt_wan(v)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailParams {
    pub page: Option<String>,
}

async fn render_detail(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    id: i64,
    page: i64,
    error: Option<String>,
) -> Result<String, AppError> {
    let d = workflow::policies::detail(&state.store, &user.principal, id).await?;
    let eligible = workflow::policies::eligible(
        &state.store,
        &user.principal,
        id,
        page,
        workflow::policies::DEFAULT_PER_PAGE,
    )
    .await?;
    Ok(DetailTemplate {
        layout: Layout::new(&d.view.policy.title.clone(), "policies", user, ctx),
        d,
        eligible,
        error,
        today: domain::period::format_date(state.store.now().date()),
    }
    .render()?)
}

pub async fn detail(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(q): Query<DetailParams>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "政策")?;
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = render_detail(&state, &user, &ctx, id, page, None).await?;
    Ok(respond(html, &ctx))
}

async fn after_write(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: i64,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/policies/{id}#pushes")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let ctx = ViewContext::resolve(state, user, headers, &ViewQuery::default()).await?;
            let status = e.status();
            let html = render_detail(state, user, &ctx, id, 1, Some(e.public_message())).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Pushes the policy to a firm.
pub async fn push(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "政策")?;
    let firm = parse_id(form.get("firm").map(String::as_str).unwrap_or(""), "企业")
        .map_err(|_| AppError::bad_field("firm", "请选择企业"))?;
    let actor = user.actor();
    let result = workflow::policies::push(
        &state.store,
        caller(&user, &actor),
        id,
        &FirmRef::Id(firm),
        form.get("note").map(String::as_str).unwrap_or(""),
    )
    .await
    .map(|_| ())
    .map_err(AppError::from);
    after_write(&state, &user, &headers, id, result).await
}

/// Records a push's cashing.
pub async fn cash(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((raw, raw_push)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "政策")?;
    let push_id = parse_id(&raw_push, "政策推送")?;
    let actor = user.actor();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = workflow::policies::cash(
        &state.store,
        caller(&user, &actor),
        push_id,
        &get("amount_wan"),
        &get("cashed_on"),
    )
    .await
    .map_err(AppError::from);
    after_write(&state, &user, &headers, id, result).await
}
