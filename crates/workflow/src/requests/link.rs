//! A firm's own link (decision 112): a random token, kept only as its SHA-256 hash with an expiry,
//! that opens one form for one firm without an account. Through it the firm submits requests and
//! rates the resolutions of its own requests; nothing else. The web layer throttles it.

use domain::request::{self, Channel, RequestState};
use domain::Principal;
use store::requests::RequestFilter;
use store::Store;

use super::{change_for, content, facts, find_firm, refusal, store_request, FirmRef, Result};
use crate::claim::Caller;
use crate::{Error, Settings};

/// A link just made: the token (shown once, in the URL) and its expiry.
#[derive(Debug, Clone)]
pub struct MadeLink {
    pub token: String,
    pub expires_at: String,
    pub enterprise_name: String,
}

/// Makes a link for a firm (those who may raise requests for it).
pub async fn make_link(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    region: &str,
    firm: &FirmRef,
) -> Result<MadeLink> {
    let p: &Principal = caller.principal;
    let e = find_firm(store, region, firm).await?;
    if !request::can_make_link(p, e.town_id, e.service_manager_id) {
        return Err(Error::NotFound(format!("企业 {}", e.id)));
    }
    let token = store::users::new_token("rq_");
    let expires = store.now() + time::Duration::days(i64::from(settings.requests.link_days));
    let expires_at = store::timestamp(expires);
    let manager = e.service_manager_id;
    let mut tx = store.begin_write().await?;
    tx.insert_request_link(
        caller.actor,
        region,
        e.id,
        &store::users::token_hash(&token),
        manager,
        &expires_at,
    )
    .await?;
    tx.commit().await?;
    Ok(MadeLink {
        token,
        expires_at,
        enterprise_name: e.name,
    })
}

/// What the link's page shows: the firm, and its resolved requests awaiting its rating.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub link: store::requests::Link,
    pub awaiting: Vec<store::requests::RequestRow>,
}

/// Why a link opens nothing.
fn closed(store: &Store, link: Option<store::requests::Link>) -> Result<store::requests::Link> {
    let link = link.ok_or_else(|| Error::NotFound("该链接".into()))?;
    if link.expires_at <= store::timestamp(store.now()) {
        return Err(Error::Conflict(format!(
            "该链接已于 {} 过期，请联系您的企业服务经理人重新获取",
            link.expires_at
                .get(..10)
                .unwrap_or(link.expires_at.as_str())
        )));
    }
    Ok(link)
}

async fn find(store: &Store, token: &str) -> Result<store::requests::Link> {
    let token = token.trim();
    if !token.starts_with("rq_") || token.len() > 80 {
        return Err(Error::NotFound("该链接".into()));
    }
    closed(
        store,
        store.request_link(&store::users::token_hash(token)).await?,
    )
}

/// Opens a link: `NotFound` for an unknown token, `Conflict` (with the date) once expired.
pub async fn open_link(store: &Store, token: &str) -> Result<LinkView> {
    let link = find(store, token).await?;
    let awaiting = store
        .requests(&RequestFilter {
            region_code: link.region_code.clone(),
            state: Some(RequestState::Resolved),
            enterprise_id: Some(link.enterprise_id),
            ..RequestFilter::default()
        })
        .await?;
    Ok(LinkView { link, awaiting })
}

fn firm_actor(link: &store::requests::Link) -> store::Actor {
    store::Actor::system(format!("{}（企业自助链接）", link.enterprise_name))
}

/// The firm submits a request through its link.
pub async fn submit_by_link(
    store: &Store,
    settings: &Settings,
    token: &str,
    category: &str,
    title: &str,
    description: &str,
) -> Result<i64> {
    let link = find(store, token).await?;
    let c = content(category, title, description)?;
    // The firm's manager now (it may have been reassigned since the link was made).
    let firm = find_firm(store, &link.region_code, &FirmRef::Id(link.enterprise_id)).await?;
    store_request(
        store,
        &firm_actor(&link),
        settings,
        &link.region_code,
        link.enterprise_id,
        c,
        Channel::Link,
        None,
        firm.service_manager_id,
        Some(link.id),
    )
    .await
}

/// The firm rates the resolution of one of its own requests (不满意 reopens it).
pub async fn confirm_by_link(
    store: &Store,
    settings: &Settings,
    token: &str,
    request_id: i64,
    rating: &str,
    comment: &str,
) -> Result<RequestState> {
    let link = find(store, token).await?;
    let rating = request::Rating::parse(rating)
        .ok_or_else(|| Error::invalid_field("rating", "评价应为 满意、基本满意 或 不满意"))?;
    let note = match comment.trim() {
        "" => String::new(),
        n => domain::BoundedText::parse_multiline(n, "评价说明", request::MAX_NOTE)
            .map_err(|e| Error::invalid_field("note", e.to_string()))?
            .into_string(),
    };
    let calendar = crate::calendar::in_force(store).await?;
    let on = super::today(store);
    let mut tx = store.begin_write().await?;
    let row = tx
        .request_for_update(request_id)
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound(m) => Error::NotFound(m),
            e => e.into(),
        })?;
    if row.enterprise_id != link.enterprise_id {
        return Err(Error::NotFound(format!("诉求 {request_id}")));
    }
    let to = request::firm_confirms(&facts(&row), rating).map_err(refusal)?;
    let change = change_for(
        settings,
        &calendar,
        &row,
        request::Action::Confirm(rating),
        to,
        on,
        note,
    )?;
    tx.change_request(&firm_actor(&link), &row, &change).await?;
    tx.commit().await?;
    Ok(to)
}
