//! Supply–demand matching (供需对接): a firm's products and needs with the local suppliers
//! `domain::matching` ranks for each need, the region's board of needs, introductions (对接) and
//! deals (成交额), the needs no local firm supplies grouped by industry class
//! ([`unmatched_by_class`], the input of the attraction route), recording an introduction and
//! its deal, and the `.xlsx`/`.csv` imports of products and needs. Pages, API, CLI and demo call
//! these functions. Scope: a need, a product or a suggested supplier is shown only to whom may
//! read its firm (`Principal::can_read_enterprise`, a town its own firms), and a firm outside
//! the caller's scope is "not found".

mod import;
mod register;

pub use import::{import_offers, ImportOffers, ImportOutcome, NEED_HEADERS, PRODUCT_HEADERS};
pub use register::{register_offer, RegisterOffer};

use std::collections::{BTreeMap, HashSet};

use domain::access::EnterpriseFacts;
use domain::matching::{self, ClassMatch, Keywords, NeedFacts, Offer};
use domain::period::{format_date, parse_date};
use domain::{BoundedText, Principal, Yuan};
use serde::Serialize;
use store::matching::{Introduction, OfferKind, OfferRow};
use store::{Store, StoreError};

use crate::claim::Caller;
pub use crate::requests::FirmRef;
use crate::Error;

type Result<T> = std::result::Result<T, Error>;

/// How many suppliers a need shows at most.
pub const SUGGESTIONS: usize = 5;

fn facts(town: Option<i64>, manager: Option<i64>) -> EnterpriseFacts {
    EnterpriseFacts {
        town,
        service_manager: manager,
        track_leaders: Vec::new(),
    }
}

fn corrupt(column: &str, value: &str) -> Error {
    Error::Store(StoreError::Corrupt {
        what: "matching value",
        column: column.into(),
        value: value.into(),
    })
}

fn stored_class(table: &str, code: &str) -> Result<String> {
    matching::parse_class(code).map_err(|_| corrupt(&format!("{table}.industry_code"), code))
}

fn stored_keywords(table: &str, k: &str) -> Result<Keywords> {
    Keywords::parse(k).map_err(|_| corrupt(&format!("{table}.keywords"), k))
}

fn class_name(code: &str) -> String {
    domain::industry::name(code).unwrap_or("").to_string()
}

/// A product as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProductView {
    pub id: i64,
    pub name: String,
    pub industry_code: String,
    pub class_name: String,
    pub keywords: Vec<String>,
}

/// A suggested local supplier for a need.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    pub firm_id: i64,
    pub uscc: String,
    pub name: String,
    pub town_name: Option<String>,
    pub level: ClassMatch,
    pub level_label: &'static str,
    pub product: String,
    pub product_class: String,
    pub shared_keywords: Vec<String>,
    /// Already introduced to this need.
    pub introduced: bool,
}

/// An introduction as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IntroView {
    pub id: i64,
    pub need_id: i64,
    pub need_name: String,
    pub need_uscc: String,
    pub need_firm_name: String,
    pub supplier_uscc: String,
    pub supplier_name: String,
    pub introduced_on: String,
    pub introduced_by: String,
    pub note: String,
    pub deal_amount_yuan: Option<i64>,
    /// 万元, as text.
    pub deal_wan: Option<String>,
    pub deal_on: Option<String>,
    pub can_deal: bool,
}

/// A need with its suggested suppliers and introductions.
#[derive(Debug, Clone, Serialize)]
pub struct NeedView {
    pub id: i64,
    pub firm_id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub town_name: Option<String>,
    pub sample: bool,
    pub name: String,
    pub industry_code: String,
    pub class_name: String,
    pub keywords: Vec<String>,
    pub amount_yuan: i64,
    /// 万元 per year, as text.
    pub amount_wan: String,
    /// No local firm supplies it (whoever asks: the whole region's products are counted).
    pub unmatched: bool,
    pub suggestions: Vec<SuggestionView>,
    pub introductions: Vec<IntroView>,
    pub may_introduce: bool,
}

/// The region's products parsed once, as the matcher's offers, with what a page shows.
struct Market {
    offers: Vec<Offer>,
    rows: Vec<OfferRow>,
}

impl Market {
    async fn load(store: &Store, region: &str) -> Result<Self> {
        let rows = store.offers(OfferKind::Product, region).await?;
        let mut offers = Vec::with_capacity(rows.len());
        for r in &rows {
            offers.push(Offer {
                product_id: r.id,
                firm_id: r.enterprise_id,
                firm_name: r.enterprise_name.clone(),
                industry_code: stored_class("firm_products", &r.industry_code)?,
                keywords: stored_keywords("firm_products", &r.keywords)?,
            });
        }
        Ok(Market { offers, rows })
    }

    fn row(&self, product_id: i64) -> Option<&OfferRow> {
        self.rows.iter().find(|r| r.id == product_id)
    }
}

fn intro_view(principal: &Principal, i: &Introduction) -> IntroView {
    IntroView {
        id: i.id,
        need_id: i.need_id,
        need_name: i.need_name.clone(),
        need_uscc: i.need_uscc.clone(),
        need_firm_name: i.need_firm_name.clone(),
        supplier_uscc: i.supplier_uscc.clone(),
        supplier_name: i.supplier_name.clone(),
        introduced_on: i.introduced_on.clone(),
        introduced_by: i.introduced_by_name.clone(),
        note: i.note.clone(),
        deal_amount_yuan: i.deal_amount_yuan,
        deal_wan: i.deal_amount_yuan.map(|y| Yuan(y).wan_text_fine()),
        deal_on: i.deal_on.clone(),
        can_deal: i.deal_on.is_none()
            && matching::can_introduce(principal, &facts(i.need_town_id, i.need_manager_id)),
    }
}

/// Can the caller see the introduction? Both firms must be in his read scope.
fn sees(principal: &Principal, i: &Introduction) -> bool {
    principal.can_read_enterprise(&facts(i.need_town_id, i.need_manager_id))
        && principal.can_read_enterprise(&facts(i.supplier_town_id, None))
}

fn need_view(
    principal: &Principal,
    market: &Market,
    n: &OfferRow,
    intros: &[Introduction],
) -> Result<NeedView> {
    let class = stored_class("firm_needs", &n.industry_code)?;
    let keywords = stored_keywords("firm_needs", &n.keywords)?;
    let need = NeedFacts {
        firm_id: n.enterprise_id,
        industry_code: class.clone(),
        keywords: keywords.clone(),
    };
    let ranked = matching::rank(&need, &market.offers, 0);
    let mine: Vec<&Introduction> = intros.iter().filter(|i| i.need_id == n.id).collect();
    let introduced: HashSet<i64> = mine.iter().map(|i| i.supplier_id).collect();
    let suggestions = ranked
        .iter()
        .filter_map(|s| {
            let p = market.row(s.product_id)?;
            principal
                .can_read_enterprise(&facts(p.town_id, p.service_manager_id))
                .then(|| SuggestionView {
                    firm_id: s.firm_id,
                    uscc: p.uscc.clone(),
                    name: s.firm_name.clone(),
                    town_name: p.town_name.clone(),
                    level: s.level,
                    level_label: s.level.label(),
                    product: p.name.clone(),
                    product_class: p.industry_code.clone(),
                    shared_keywords: s.shared_keywords.clone(),
                    introduced: introduced.contains(&s.firm_id),
                })
        })
        .take(SUGGESTIONS)
        .collect();
    Ok(NeedView {
        id: n.id,
        firm_id: n.enterprise_id,
        uscc: n.uscc.clone(),
        firm_name: n.enterprise_name.clone(),
        town_name: n.town_name.clone(),
        sample: n.is_sample != 0,
        name: n.name.clone(),
        class_name: class_name(&class),
        industry_code: class,
        keywords: keywords.as_slice().to_vec(),
        amount_yuan: n.amount_yuan,
        amount_wan: Yuan(n.amount_yuan).wan_text_fine(),
        unmatched: ranked.is_empty(),
        suggestions,
        introductions: mine
            .into_iter()
            .filter(|i| sees(principal, i))
            .map(|i| intro_view(principal, i))
            .collect(),
        may_introduce: matching::can_introduce(principal, &facts(n.town_id, n.service_manager_id)),
    })
}

/// A firm's products and needs (with suggestions), for 一企一档 and the API.
#[derive(Debug, Clone, Serialize)]
pub struct FirmMatching {
    pub products: Vec<ProductView>,
    pub needs: Vec<NeedView>,
    /// Whether the caller may enter the firm's products and needs by hand.
    pub may_register: bool,
}

/// The products and needs of a firm the caller may read (else "not found").
pub async fn for_firm(store: &Store, principal: &Principal, uscc: &str) -> Result<FirmMatching> {
    let not_found = || Error::NotFound(format!("企业 {}", uscc.trim()));
    let code = domain::Uscc::parse(uscc).map_err(|_| not_found())?;
    let firm = store
        .firm_by_uscc(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    if !principal.can_read_enterprise(&facts(firm.town_id, firm.service_manager_id)) {
        return Err(not_found());
    }
    let mut products = Vec::new();
    for p in store.firm_offers(OfferKind::Product, firm.id).await? {
        let class = stored_class("firm_products", &p.industry_code)?;
        products.push(ProductView {
            id: p.id,
            name: p.name,
            class_name: class_name(&class),
            industry_code: class,
            keywords: stored_keywords("firm_products", &p.keywords)?
                .as_slice()
                .to_vec(),
        });
    }
    let needs_rows = store.firm_offers(OfferKind::Need, firm.id).await?;
    let mut needs = Vec::new();
    if !needs_rows.is_empty() {
        let market = Market::load(store, &firm.region_code).await?;
        let intros = store.introductions(&firm.region_code, None).await?;
        for n in &needs_rows {
            needs.push(need_view(principal, &market, n, &intros)?);
        }
    }
    Ok(FirmMatching {
        products,
        needs,
        may_register: matching::can_register_offer(
            principal,
            &facts(firm.town_id, firm.service_manager_id),
        ),
    })
}

/// Needs of one industry class that no local firm supplies.
#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedClass {
    pub industry_code: String,
    pub class_name: String,
    pub division_code: String,
    pub division_name: String,
    /// Yuan per year, all the class's needs the caller may see.
    pub amount_yuan: i64,
    pub amount_wan: String,
    pub needs: Vec<UnmatchedNeed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedNeed {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub amount_yuan: i64,
    pub amount_wan: String,
}

fn group_unmatched(needs: &[NeedView]) -> Vec<UnmatchedClass> {
    let mut by: BTreeMap<String, Vec<&NeedView>> = BTreeMap::new();
    for n in needs.iter().filter(|n| n.unmatched) {
        by.entry(n.industry_code.clone()).or_default().push(n);
    }
    let mut out: Vec<UnmatchedClass> = by
        .into_iter()
        .map(|(code, list)| {
            let amount: i64 = list.iter().map(|n| n.amount_yuan).sum();
            let division = code.get(..2).unwrap_or("").to_string();
            UnmatchedClass {
                class_name: class_name(&code),
                division_name: class_name(&division),
                division_code: division,
                industry_code: code,
                amount_yuan: amount,
                amount_wan: Yuan(amount).wan_text_fine(),
                needs: list
                    .into_iter()
                    .map(|n| UnmatchedNeed {
                        id: n.id,
                        uscc: n.uscc.clone(),
                        firm_name: n.firm_name.clone(),
                        name: n.name.clone(),
                        keywords: n.keywords.clone(),
                        amount_yuan: n.amount_yuan,
                        amount_wan: n.amount_wan.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    // The largest yearly amount first: where attracting a supplier would keep most money local.
    out.sort_by(|a, b| {
        b.amount_yuan
            .cmp(&a.amount_yuan)
            .then(a.industry_code.cmp(&b.industry_code))
    });
    out
}

/// Every need of the region the caller may read, with its suggestions and introductions.
async fn visible_needs(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<NeedView>> {
    let market = Market::load(store, region).await?;
    let intros = store.introductions(region, None).await?;
    let mut out = Vec::new();
    for n in store.offers(OfferKind::Need, region).await? {
        if principal.can_read_enterprise(&facts(n.town_id, n.service_manager_id)) {
            out.push(need_view(principal, &market, &n, &intros)?);
        }
    }
    Ok(out)
}

/// The needs no local firm supplies (no product of the region in the need's division), grouped
/// by the need's four-digit class, largest yearly amount first, within the caller's read scope.
/// The attraction route (产业链招商) reads this list.
pub async fn unmatched_by_class(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<UnmatchedClass>> {
    if store.region(region).await?.is_none() {
        return Err(Error::UnknownRegion(region.to_string()));
    }
    Ok(group_unmatched(
        &visible_needs(store, principal, region).await?,
    ))
}

/// The `/matching` page's content.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub needs: Vec<NeedView>,
    pub introductions: Vec<IntroView>,
    pub unmatched: Vec<UnmatchedClass>,
    pub products: usize,
    /// The needs' yearly amount, 万元 as text.
    pub need_wan: String,
    /// How many needs no local firm supplies.
    pub unmatched_needs: usize,
    pub deals: usize,
    pub deal_wan: String,
    pub can_import: bool,
}

/// The region's needs with their best local suppliers, the introductions and deals, and the
/// needs without a local supplier, as far as the caller may read.
pub async fn board(store: &Store, principal: &Principal, region: &str) -> Result<Board> {
    if store.region(region).await?.is_none() {
        return Err(Error::UnknownRegion(region.to_string()));
    }
    let needs = visible_needs(store, principal, region).await?;
    let products = store
        .offers(OfferKind::Product, region)
        .await?
        .iter()
        .filter(|p| principal.can_read_enterprise(&facts(p.town_id, p.service_manager_id)))
        .count();
    let introductions: Vec<IntroView> = store
        .introductions(region, None)
        .await?
        .iter()
        .filter(|i| sees(principal, i))
        .map(|i| intro_view(principal, i))
        .collect();
    let dealt: Vec<i64> = introductions
        .iter()
        .filter_map(|i| i.deal_amount_yuan)
        .collect();
    let unmatched = group_unmatched(&needs);
    Ok(Board {
        need_wan: Yuan(needs.iter().map(|n| n.amount_yuan).sum()).wan_text_fine(),
        unmatched_needs: unmatched.iter().map(|c| c.needs.len()).sum(),
        unmatched,
        needs,
        products,
        deals: dealt.len(),
        deal_wan: Yuan(dealt.iter().sum()).wan_text_fine(),
        introductions,
        can_import: matching::can_write_offers(principal),
    })
}

fn today(store: &Store) -> time::Date {
    store.now().date()
}

fn store_error(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(m) => Error::Conflict(m),
        StoreError::NotFound(m) => Error::NotFound(m),
        e => e.into(),
    }
}

/// Records that a need was introduced to a local supplier. The office, or the needing firm's
/// service manager. Returns the introduction's id and whether it is new: an identical one made
/// before (or at the same moment) is returned, not duplicated.
pub async fn introduce(
    store: &Store,
    caller: Caller<'_>,
    need_id: i64,
    supplier: &FirmRef,
    note: &str,
) -> Result<(i64, bool)> {
    let not_found = || Error::NotFound(format!("外购需求 {need_id}"));
    let need = store.need(need_id).await?.ok_or_else(not_found)?;
    let need_facts = facts(need.town_id, need.service_manager_id);
    if !caller.principal.can_read_enterprise(&need_facts) {
        return Err(not_found());
    }
    if !matching::can_introduce(caller.principal, &need_facts) {
        return Err(Error::Forbidden(
            "供需对接由需求企业的服务经理人或经济运行办公室记录".into(),
        ));
    }
    let s = crate::requests::find_firm(store, &need.region_code, supplier)
        .await
        .map_err(|_| Error::invalid_field("supplier", "供应企业不在本地企业库中"))?;
    if !caller
        .principal
        .can_read_enterprise(&facts(s.town_id, None))
    {
        return Err(Error::invalid_field("supplier", "供应企业不在本地企业库中"));
    }
    if s.id == need.enterprise_id {
        return Err(Error::invalid_field(
            "supplier",
            "供应企业不能是提出需求的企业本身",
        ));
    }
    let note = match note.trim() {
        "" => String::new(),
        n => BoundedText::parse_multiline(n, "对接说明", 500)
            .map(BoundedText::into_string)
            .map_err(|e| Error::invalid_field("note", e.to_string()))?,
    };
    let mut tx = store.begin_write().await?;
    let done = tx
        .insert_introduction(
            caller.actor,
            &need,
            (s.id, s.name.as_str()),
            &format_date(today(store)),
            &note,
        )
        .await
        .map_err(store_error)?;
    tx.commit().await?;
    Ok(done)
}

/// One introduction, if the caller may see both firms (the API's answer after a write).
pub async fn introduction(store: &Store, principal: &Principal, id: i64) -> Result<IntroView> {
    let not_found = || Error::NotFound(format!("对接 {id}"));
    let i = store.introduction(id).await?.ok_or_else(not_found)?;
    if !sees(principal, &i) {
        return Err(not_found());
    }
    Ok(intro_view(principal, &i))
}

/// Records an introduction's deal (成交额, 万元 unless a unit is written) and its date, not
/// after today nor before the introduction; once.
pub async fn record_deal(
    store: &Store,
    caller: Caller<'_>,
    id: i64,
    amount: &str,
    on: &str,
) -> Result<()> {
    let not_found = || Error::NotFound(format!("对接 {id}"));
    let i = store.introduction(id).await?.ok_or_else(not_found)?;
    if !sees(caller.principal, &i) {
        return Err(not_found());
    }
    if !matching::can_introduce(caller.principal, &facts(i.need_town_id, i.need_manager_id)) {
        return Err(Error::Forbidden(
            "成交额由需求企业的服务经理人或经济运行办公室记录".into(),
        ));
    }
    let amount = matching::parse_amount(amount, "amount_wan", "成交额")
        .map_err(|e| Error::invalid_field(e.field, e.message))?;
    let day = match on.trim() {
        "" => return Err(Error::invalid_field("deal_on", "请填写成交日期")),
        t => parse_date(t).map_err(|_| {
            Error::invalid_field("deal_on", format!("成交日期“{t}”应为日期，如 2025-10-14"))
        })?,
    };
    if day > today(store) {
        return Err(Error::invalid_field("deal_on", "成交日期不能晚于今天"));
    }
    if format_date(day) < i.introduced_on {
        return Err(Error::invalid_field("deal_on", "成交日期不能早于对接日期"));
    }
    let mut tx = store.begin_write().await?;
    tx.record_deal(
        caller.actor,
        &i,
        amount.0,
        &amount.wan_text_fine(),
        &format_date(day),
    )
    .await
    .map_err(store_error)?;
    tx.commit().await?;
    Ok(())
}
