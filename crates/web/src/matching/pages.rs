//! The pages of supply–demand matching (供需对接): `/matching` with the needs and their best
//! local suppliers, the introductions and deals, the needs without a local supplier by
//! industry class and the office's import; and the forms that record an introduction or a deal
//! (from this page or from 一企一档), shown again with what was typed when refused.

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
use store::matching::OfferKind;
use workflow::matching::{Board, FirmRef, ImportOffers};

type Fields = HashMap<String, String>;

#[derive(Template)]
#[template(path = "matching.html")]
struct BoardTemplate {
    layout: Layout,
    b: Board,
    today: String,
    message: Option<String>,
    error: Option<String>,
    form: Fields,
    /// 1-based page of the needs table, [`NEEDS_PER_PAGE`] needs each.
    page: usize,
    pages: usize,
    /// 1-based page of the introductions table, [`INTRODUCTIONS_PER_PAGE`] each.
    ipage: usize,
    ipages: usize,
}

/// Needs listed per page: a county's needs run to thousands, each with its suppliers.
const NEEDS_PER_PAGE: usize = 50;

/// Introductions listed per page: one is recorded for every call a service manager makes.
const INTRODUCTIONS_PER_PAGE: usize = 50;

/// The page a form was sent from (the hidden field `page` or `ipage`), to return to it; 1
/// when absent or odd.
fn page_of(form: &Fields, field: &str) -> usize {
    form.get(field)
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1)
}

impl BoardTemplate {
    /// The needs on this page.
    fn shown_needs(&self) -> &[workflow::matching::NeedView] {
        let from = (self.page - 1)
            .saturating_mul(NEEDS_PER_PAGE)
            .min(self.b.needs.len());
        let to = (from + NEEDS_PER_PAGE).min(self.b.needs.len());
        &self.b.needs[from..to]
    }

    /// The introductions on this page of their table.
    fn shown_introductions(&self) -> &[workflow::matching::IntroView] {
        let all = &self.b.introductions;
        let from = (self.ipage - 1)
            .saturating_mul(INTRODUCTIONS_PER_PAGE)
            .min(all.len());
        let to = (from + INTRODUCTIONS_PER_PAGE).min(all.len());
        &all[from..to]
    }

    fn typed(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
    /// The refused form was this need's introduction form.
    fn is_need(&self, id: &i64) -> bool {
        self.form.get("need").map(|v| v.trim()) == Some(id.to_string().as_str())
    }
    /// The refused form was this introduction's deal form.
    fn is_intro(&self, id: &i64) -> bool {
        self.form.get("intro").map(|v| v.trim()) == Some(id.to_string().as_str())
    }
    fn deal_on(&self, id: &i64) -> String {
        if self.is_intro(id) {
            self.typed("deal_on")
        } else {
            self.today.clone()
        }
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    ctx: &ViewContext,
    message: Option<String>,
    error: Option<String>,
    form: Fields,
    pages_asked: Option<(usize, usize)>,
) -> Result<String, AppError> {
    let b = workflow::matching::board(&state.store, &user.principal, &ctx.region.code).await?;
    let pages = b.needs.len().div_ceil(NEEDS_PER_PAGE).max(1);
    let ipages = b
        .introductions
        .len()
        .div_ceil(INTRODUCTIONS_PER_PAGE)
        .max(1);
    let (page, ipage) =
        pages_asked.unwrap_or_else(|| (page_of(&form, "page"), page_of(&form, "ipage")));
    Ok(BoardTemplate {
        layout: Layout::new("供需对接", "matching", user, ctx),
        b,
        page,
        pages,
        ipage,
        ipages,
        today: domain::period::format_date(state.store.now().date()),
        message,
        error,
        form,
    }
    .render()?)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct BoardParams {
    pub imported: Option<String>,
    /// 1-based page of the needs table.
    pub page: Option<String>,
    /// 1-based page of the introductions table.
    pub ipage: Option<String>,
}

pub async fn board(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<BoardParams>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let message = match q.imported.as_deref() {
        Some("products") => Some("企业产品已导入".to_string()),
        Some("needs") => Some("外购需求已导入".to_string()),
        _ => None,
    };
    let asked = |v: &Option<String>, field: &str| match v.as_deref().map(str::trim) {
        None | Some("") => Ok(1),
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| AppError::bad_field(field, "页码应为正整数")),
    };
    let page = asked(&q.page, "page")?;
    let ipage = asked(&q.ipage, "ipage")?;
    let html = render(
        &state,
        &user,
        &ctx,
        message,
        None,
        Fields::new(),
        Some((page, ipage)),
    )
    .await?;
    Ok(respond(html, &ctx))
}

/// Where a form returns after a write: 一企一档 when it came from there, else the board.
fn back_to(form: &Fields, anchor: &str) -> String {
    match form.get("back").map(|b| b.trim()) {
        Some(u) if domain::Uscc::parse(u).is_ok() => format!("/enterprises/{u}#firm-matching"),
        _ => {
            let pages: Vec<String> = ["page", "ipage"]
                .into_iter()
                .filter_map(|f| match page_of(form, f) {
                    1 => None,
                    p => Some(format!("{f}={p}")),
                })
                .collect();
            if pages.is_empty() {
                format!("/matching#{anchor}")
            } else {
                format!("/matching?{}#{anchor}", pages.join("&"))
            }
        }
    }
}

async fn after_write(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    form: Fields,
    anchor: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&back_to(&form, anchor)).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let ctx = ViewContext::resolve(state, user, headers, &ViewQuery::default()).await?;
            let status = e.status();
            let html = render(
                state,
                user,
                &ctx,
                None,
                Some(e.public_message()),
                form,
                None,
            )
            .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Records an introduction of a need to a supplier.
pub async fn introduce(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let need = parse_id(&get("need"), "外购需求")?;
    let supplier = get("supplier");
    let result = if supplier.trim().is_empty() {
        Err(AppError::bad_field("supplier", "请选择供应企业"))
    } else {
        let actor = user.actor();
        workflow::matching::introduce(
            &state.store,
            caller(&user, &actor),
            need,
            &FirmRef::Uscc(supplier.trim().to_string()),
            &get("note"),
        )
        .await
        .map(|_| ())
        .map_err(AppError::from)
    };
    after_write(
        &state,
        &user,
        &headers,
        form,
        &format!("need-{need}"),
        result,
    )
    .await
}

/// Records an introduction's deal.
pub async fn deal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(mut form): Form<Fields>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let id = parse_id(&raw, "对接")?;
    form.insert("intro".into(), id.to_string());
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let actor = user.actor();
    let result = workflow::matching::record_deal(
        &state.store,
        caller(&user, &actor),
        id,
        &get("amount_wan"),
        &get("deal_on"),
    )
    .await
    .map_err(AppError::from);
    after_write(&state, &user, &headers, form, "introductions", result).await
}

/// Imports a products or needs file (office; all or nothing).
pub async fn import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (fields, files) = read_multipart(multipart).await?;
    user.check_form_csrf(&fields)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let kind = match fields.get("kind").map(|k| k.trim()) {
        Some("products") => OfferKind::Product,
        Some("needs") => OfferKind::Need,
        _ => {
            let html = render(
                &state,
                &user,
                &ctx,
                None,
                Some("请选择导入企业产品还是外购需求".into()),
                fields,
                Some((1, 1)),
            )
            .await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let Some(file) = files.into_iter().next() else {
        let html = render(
            &state,
            &user,
            &ctx,
            None,
            Some("请选择文件".into()),
            fields,
            Some((1, 1)),
        )
        .await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    let actor = user.actor();
    match workflow::matching::import_offers(
        &state.store,
        caller(&user, &actor),
        &ImportOffers {
            kind,
            region: ctx.region.code.clone(),
            file_name: file.file_name,
            write: true,
        },
        file.bytes,
    )
    .await
    .map_err(AppError::from)
    {
        Ok(_) => {
            let k = match kind {
                OfferKind::Product => "products",
                OfferKind::Need => "needs",
            };
            Ok(Redirect::to(&format!("/matching?imported={k}")).into_response())
        }
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            let html = render(
                &state,
                &user,
                &ctx,
                None,
                Some(e.public_message()),
                fields,
                Some((1, 1)),
            )
            .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /enterprises/{uscc}/offers`: one product or need entered on 一企一档 (`kind` is
/// `product` or `need`); refused, the firm's page again with what was typed.
pub async fn register(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<Fields>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = match get("kind").trim() {
        "product" => Ok(OfferKind::Product),
        "need" => Ok(OfferKind::Need),
        _ => Err(AppError::bad_field("kind", "请选择登记产品还是外购需求")),
    };
    let result = match result {
        Ok(kind) => {
            let actor = user.actor();
            workflow::matching::register_offer(
                &state.store,
                caller(&user, &actor),
                kind,
                &workflow::matching::RegisterOffer {
                    uscc: uscc.clone(),
                    name: get("name"),
                    industry_code: get("industry_code"),
                    keywords: get("keywords"),
                    amount_wan: get("amount_wan"),
                },
            )
            .await
            .map(|_| ())
            .map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    crate::serve::service::after_firm_form(
        &state,
        &user,
        &ctx,
        &uscc,
        result,
        form,
        "#firm-matching",
    )
    .await
}
