//! Policies that find their firms (惠企政策, 免申即享): the policy library (create and edit by the
//! office, or by a department for its own policies), the firms eligible for a policy within the
//! caller's read scope (SQL narrows by town and scale, `domain::policy` decides and gives the
//! reasons), the policies a firm is eligible for but has not been pushed, pushing a policy to a
//! firm and recording its cashing (兑现), and the `.xlsx` import of policies. Pages, API, CLI and
//! demo call these functions.

mod import;

pub use import::{import_policies, IMPORT_HEADERS};

use domain::access::EnterpriseFacts;
use domain::period::{format_date, parse_date};
use domain::policy::{
    self, Check, ConditionInput, ConditionKind, Conditions, FirmFacts, Names, PolicyError,
};
use domain::{BoundedText, Coded, Principal};
use store::policies::{NewPolicy, Policy, PolicyFirm, Prefilter, Push};
use store::{Store, StoreError};

use crate::claim::{Caller, Ref};
/// The firm a push names: its id (a page's form) or its USCC (the API).
pub use crate::requests::FirmRef;
use crate::Error;

type Result<T> = std::result::Result<T, Error>;

/// Rows of the eligible list per page when none is asked, and the most a page holds.
pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 500;

/// How a policy's conditions arrive: written in words (a form, a workbook) or typed (the API).
#[derive(Debug, Clone)]
pub enum ConditionSource {
    Words(ConditionInput),
    Typed(Conditions),
}

/// A policy's content as entered.
#[derive(Debug, Clone)]
pub struct Draft {
    pub region: String,
    pub title: String,
    pub issuer: String,
    /// The owning department (the office's choice; a department always owns what it writes).
    pub department: Option<Ref>,
    pub valid_from: String,
    pub valid_to: String,
    pub benefit: String,
    /// 万元, may be empty.
    pub amount_wan: String,
    pub conditions: ConditionSource,
}

/// The region's tracks and towns, by id and name, for parsing and wording conditions.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub tracks: Vec<(i64, String)>,
    pub towns: Vec<(i64, String)>,
    pub names: Names,
}

impl Lexicon {
    pub async fn load(store: &Store, region: &str) -> Result<Self> {
        let tracks: Vec<(i64, String)> = store
            .tracks(region)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let towns: Vec<(i64, String)> = store
            .towns(region)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        Ok(Lexicon {
            names: Names {
                tracks: tracks.iter().cloned().collect(),
                towns: towns.iter().cloned().collect(),
            },
            tracks,
            towns,
        })
    }

    fn track_ids(&self) -> Vec<i64> {
        self.tracks.iter().map(|t| t.0).collect()
    }
    fn town_ids(&self) -> Vec<i64> {
        self.towns.iter().map(|t| t.0).collect()
    }
}

/// A policy with its conditions in words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyView {
    pub policy: Policy,
    pub conditions: Vec<ConditionLine>,
    pub in_force: bool,
    pub pushes: usize,
    pub cashed: usize,
    pub cashed_wan: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConditionLine {
    pub label: &'static str,
    pub text: String,
}

fn lines(c: &Conditions, names: &Names) -> Vec<ConditionLine> {
    c.words(names)
        .into_iter()
        .map(|(k, text)| ConditionLine {
            label: k.label(),
            text,
        })
        .collect()
}

pub(crate) fn refused(e: PolicyError) -> Error {
    Error::invalid_field(e.field, e.message)
}

fn store_error(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(m) => Error::Conflict(m),
        StoreError::NotFound(m) => Error::NotFound(m),
        e => e.into(),
    }
}

fn text(input: &str, field: &str, name: &str, max: usize, multiline: bool) -> Result<String> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Error::invalid_field(field, format!("请填写{name}")));
    }
    let parsed = if multiline {
        BoundedText::parse_multiline(t, name, max)
    } else {
        BoundedText::parse(t, name, max)
    };
    parsed
        .map(BoundedText::into_string)
        .map_err(|e| Error::invalid_field(field, e.to_string()))
}

fn date(input: &str, field: &str, name: &str) -> Result<Option<time::Date>> {
    match input.trim() {
        "" => Ok(None),
        t => parse_date(t).map(Some).map_err(|_| {
            Error::invalid_field(field, format!("{name}“{t}”应为日期，如 2025-01-01"))
        }),
    }
}

fn amount(input: &str, field: &str, name: &str, required: bool) -> Result<Option<f64>> {
    match input.trim().replace(',', "").as_str() {
        "" if required => Err(Error::invalid_field(field, format!("请填写{name}"))),
        "" => Ok(None),
        t => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9)
            .map(Some)
            .ok_or_else(|| {
                Error::invalid_field(field, format!("{name}“{t}”应为不小于 0 的万元数"))
            }),
    }
}

/// Checks a draft into the policy the store keeps, and whether the caller may write it.
pub(crate) async fn checked(
    store: &Store,
    principal: &Principal,
    lex: &Lexicon,
    d: &Draft,
) -> Result<NewPolicy> {
    let title = text(&d.title, "title", "政策名称", policy::MAX_TITLE, false)?;
    let issuer = text(&d.issuer, "issuer", "发文单位", policy::MAX_ISSUER, false)?;
    let from = date(&d.valid_from, "valid_from", "有效期起")?
        .ok_or_else(|| Error::invalid_field("valid_from", "请填写有效期起"))?;
    let to = date(&d.valid_to, "valid_to", "有效期止")?;
    if to.is_some_and(|t| t < from) {
        return Err(Error::invalid_field("valid_to", "有效期止早于有效期起"));
    }
    let benefit = text(&d.benefit, "benefit", "扶持内容", policy::MAX_BENEFIT, true)?;
    let amount_wan = amount(&d.amount_wan, "amount_wan", "扶持金额", false)?;
    let conditions = match &d.conditions {
        ConditionSource::Words(w) => w.parse(&lex.tracks, &lex.towns).map_err(refused)?,
        ConditionSource::Typed(c) => {
            c.check(&lex.track_ids(), &lex.town_ids())
                .map_err(refused)?;
            c.clone()
        }
    };
    let department_id = match principal.role {
        domain::Role::Department => principal.department_id,
        _ => match &d.department {
            Some(r) => Some(crate::claim::find_department(
                &store.departments(&d.region).await?,
                r,
            )?),
            None => None,
        },
    };
    if !policy::can_write_policy(principal, department_id) {
        return Err(Error::Forbidden(
            "惠企政策由经济运行办公室录入，部门可录入和修改本部门的政策".into(),
        ));
    }
    Ok(NewPolicy {
        region_code: d.region.clone(),
        title,
        issuer,
        department_id,
        valid_from: format_date(from),
        valid_to: to.map(format_date),
        benefit,
        amount_wan,
        conditions,
    })
}

/// Creates a policy.
pub async fn create(store: &Store, caller: Caller<'_>, d: &Draft) -> Result<i64> {
    if !matches!(
        caller.principal.role,
        domain::Role::Admin | domain::Role::Office | domain::Role::Department
    ) {
        return Err(Error::Forbidden(
            "惠企政策由经济运行办公室录入，部门可录入本部门的政策".into(),
        ));
    }
    if store.region(&d.region).await?.is_none() {
        return Err(Error::UnknownRegion(d.region.clone()));
    }
    let lex = Lexicon::load(store, &d.region).await?;
    let new = checked(store, caller.principal, &lex, d).await?;
    let mut tx = store.begin_write().await?;
    let id = tx
        .insert_policy(caller.actor, &new)
        .await
        .map_err(store_error)?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a policy's content (the office, or the department that owns it).
pub async fn update(store: &Store, caller: Caller<'_>, id: i64, d: &Draft) -> Result<()> {
    let before = load(store, id).await?;
    if !policy::can_write_policy(caller.principal, before.department_id) {
        return Err(Error::Forbidden(
            "只有经济运行办公室和政策所属部门可以修改该政策".into(),
        ));
    }
    let d = Draft {
        region: before.region_code.clone(),
        ..d.clone()
    };
    let lex = Lexicon::load(store, &before.region_code).await?;
    // The edit form names the owning department again (none: the office).
    let new = checked(store, caller.principal, &lex, &d).await?;
    let mut tx = store.begin_write().await?;
    tx.update_policy(caller.actor, &before, &new)
        .await
        .map_err(store_error)?;
    tx.commit().await?;
    Ok(())
}

/// A stored policy, its conditions checked against the region's tracks and towns.
pub async fn load(store: &Store, id: i64) -> Result<Policy> {
    let p = store
        .policy(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("政策 {id}")))?;
    let lex = Lexicon::load(store, &p.region_code).await?;
    p.conditions
        .check(&lex.track_ids(), &lex.town_ids())
        .map_err(|e| {
            Error::Store(StoreError::Corrupt {
                what: "policy conditions",
                column: "policies.conditions".into(),
                value: format!("政策 {id}：{}", e.message),
            })
        })?;
    Ok(p)
}

fn today(store: &Store) -> time::Date {
    store.now().date()
}

fn in_force(p: &Policy, on: time::Date) -> bool {
    match parse_date(&p.valid_from) {
        Ok(from) => policy::in_force(
            from,
            p.valid_to.as_deref().and_then(|t| parse_date(t).ok()),
            on,
        ),
        Err(_) => false,
    }
}

fn view(p: Policy, names: &Names, on: time::Date, pushes: &[Push]) -> PolicyView {
    let mine: Vec<&Push> = pushes.iter().filter(|x| x.policy_id == p.id).collect();
    PolicyView {
        conditions: lines(&p.conditions, names),
        in_force: in_force(&p, on),
        pushes: mine.len(),
        cashed: mine.iter().filter(|x| x.cashed_on.is_some()).count(),
        cashed_wan: mine.iter().filter_map(|x| x.cashed_amount_wan).sum(),
        policy: p,
    }
}

/// The region's policies (policies are public; everyone signed in reads them).
pub async fn list(store: &Store, region: &str) -> Result<Vec<PolicyView>> {
    let lex = Lexicon::load(store, region).await?;
    let on = today(store);
    let pushes = store.policy_pushes(None, None).await?;
    let mut out = Vec::new();
    for p in store.policies(region).await? {
        p.conditions
            .check(&lex.track_ids(), &lex.town_ids())
            .map_err(|e| {
                Error::Store(StoreError::Corrupt {
                    what: "policy conditions",
                    column: "policies.conditions".into(),
                    value: format!("政策 {}：{}", p.id, e.message),
                })
            })?;
        out.push(view(p, &lex.names, on, &pushes));
    }
    Ok(out)
}

/// One policy with the pushes the caller may see and what the caller may do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyDetail {
    pub view: PolicyView,
    pub pushes: Vec<PushView>,
    pub can_edit: bool,
    /// The written form of the conditions (an edit form's starting values).
    #[serde(skip)]
    pub input: ConditionInput,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PushView {
    pub push: Push,
    pub town_name: Option<String>,
    pub can_cash: bool,
}

pub(crate) fn facts_of(town: Option<i64>, manager: Option<i64>) -> EnterpriseFacts {
    // The read scope of a firm depends on its town only; pushing also on its manager.
    EnterpriseFacts {
        town,
        service_manager: manager,
        track_leaders: Vec::new(),
    }
}

pub async fn detail(store: &Store, principal: &Principal, id: i64) -> Result<PolicyDetail> {
    let p = load(store, id).await?;
    let lex = Lexicon::load(store, &p.region_code).await?;
    let pushes = store.policy_pushes(Some(id), None).await?;
    let owner = p.department_id;
    let visible: Vec<PushView> = pushes
        .iter()
        .filter(|x| principal.can_read_enterprise(&facts_of(x.town_id, x.service_manager_id)))
        .map(|x| PushView {
            town_name: x.town_id.and_then(|t| lex.names.towns.get(&t).cloned()),
            can_cash: x.cashed_on.is_none()
                && policy::can_push_policy(
                    principal,
                    owner,
                    &facts_of(x.town_id, x.service_manager_id),
                ),
            push: x.clone(),
        })
        .collect();
    Ok(PolicyDetail {
        can_edit: policy::can_write_policy(principal, owner),
        input: ConditionInput::of(&p.conditions, &lex.names),
        view: view(p, &lex.names, today(store), &pushes),
        pushes: visible,
    })
}

/// A firm eligible for a policy, with the reasons.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EligibleFirm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub town_name: Option<String>,
    pub reasons: Vec<String>,
    pub pushed: bool,
    pub can_push: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EligiblePage {
    pub firms: Vec<EligibleFirm>,
    /// Eligible firms within the caller's scope, all pages.
    pub total: usize,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

pub(crate) fn firm_facts(f: &PolicyFirm) -> Result<FirmFacts> {
    let corrupt = |column: &str, value: &str| {
        Error::Store(StoreError::Corrupt {
            what: "registry value",
            column: column.into(),
            value: value.into(),
        })
    };
    Ok(FirmFacts {
        industry_code: f.industry_code.clone(),
        tracks: f.tracks.clone(),
        above_scale: f.above_scale != 0,
        scale_kind: match f.scale_kind.as_str() {
            "" => None,
            k => Some(
                domain::enterprise::ScaleKind::from_code(k)
                    .map_err(|_| corrupt("enterprises.scale_kind", k))?,
            ),
        },
        tags: domain::enterprise::tags_from_code(&f.tags)
            .map_err(|_| corrupt("enterprises.tags", &f.tags))?,
        town: f.town_id,
        founded_on: match f.founded_on.as_deref() {
            None | Some("") => None,
            Some(d) => Some(parse_date(d).map_err(|_| corrupt("enterprises.founded_on", d))?),
        },
        registered_capital_wan: f.registered_capital_wan,
        employees: f.employees,
    })
}

/// The firms of the policy's region the caller may read, each with its checks.
async fn evaluated(
    store: &Store,
    principal: &Principal,
    p: &Policy,
    lex: &Lexicon,
    only: Option<i64>,
) -> Result<Vec<(PolicyFirm, Vec<Check>)>> {
    let c = &p.conditions;
    // One firm is read whole, so that a refusal can say which condition it fails.
    let pre = match only {
        Some(id) => Prefilter {
            enterprise_id: Some(id),
            ..Prefilter::default()
        },
        None => Prefilter {
            towns: c.towns.clone(),
            above_scale: c.above_scale,
            enterprise_id: None,
        },
    };
    let mut out = Vec::new();
    for f in store.policy_firms(&p.region_code, &pre).await? {
        if !principal.can_read_enterprise(&facts_of(f.town_id, f.service_manager_id)) {
            continue;
        }
        let checks = c.evaluate(&firm_facts(&f)?, &lex.names);
        out.push((f, checks));
    }
    Ok(out)
}

/// The firms eligible for a policy within the caller's read scope, by name, paged (1-based).
pub async fn eligible(
    store: &Store,
    principal: &Principal,
    id: i64,
    page: i64,
    per_page: i64,
) -> Result<EligiblePage> {
    let per_page = if per_page <= 0 {
        DEFAULT_PER_PAGE
    } else {
        per_page.min(MAX_PER_PAGE)
    };
    let page = page.max(1);
    let p = load(store, id).await?;
    let lex = Lexicon::load(store, &p.region_code).await?;
    let pushed: Vec<i64> = store
        .policy_pushes(Some(id), None)
        .await?
        .into_iter()
        .map(|x| x.enterprise_id)
        .collect();
    let all: Vec<EligibleFirm> = evaluated(store, principal, &p, &lex, None)
        .await?
        .into_iter()
        .filter(|(_, checks)| checks.iter().all(|c| c.met))
        .map(|(f, checks)| EligibleFirm {
            can_push: !pushed.contains(&f.id)
                && policy::can_push_policy(
                    principal,
                    p.department_id,
                    &facts_of(f.town_id, f.service_manager_id),
                ),
            pushed: pushed.contains(&f.id),
            id: f.id,
            uscc: f.uscc,
            name: f.name,
            town_name: f.town_name,
            reasons: checks.into_iter().map(|c| c.reason).collect(),
        })
        .collect();
    let total = all.len();
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let firms: Vec<EligibleFirm> = all
        .into_iter()
        .skip(start)
        .take(usize::try_from(per_page).unwrap_or(0))
        .collect();
    Ok(EligiblePage {
        has_more: start.saturating_add(firms.len()) < total,
        firms,
        total,
        page,
        per_page,
    })
}

/// Why one firm is or is not eligible for a policy (the firm must be in the caller's scope).
pub async fn check_firm(
    store: &Store,
    principal: &Principal,
    id: i64,
    enterprise_id: i64,
) -> Result<Vec<Check>> {
    let p = load(store, id).await?;
    let lex = Lexicon::load(store, &p.region_code).await?;
    let pre = Prefilter {
        enterprise_id: Some(enterprise_id),
        ..Prefilter::default()
    };
    let f = store
        .policy_firms(&p.region_code, &pre)
        .await?
        .into_iter()
        .find(|f| principal.can_read_enterprise(&facts_of(f.town_id, f.service_manager_id)))
        .ok_or_else(|| Error::NotFound(format!("企业 {enterprise_id}")))?;
    Ok(p.conditions.evaluate(&firm_facts(&f)?, &lex.names))
}

/// A policy a firm is eligible for but has not been pushed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmPolicy {
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub valid_to: Option<String>,
    pub amount_wan: Option<f64>,
    pub reasons: Vec<String>,
}

/// The policies in force that a firm (which the caller may read) meets and has not received,
/// and the pushes it has received.
pub async fn for_firm(
    store: &Store,
    principal: &Principal,
    region: &str,
    enterprise_id: i64,
) -> Result<(Vec<FirmPolicy>, Vec<Push>)> {
    let lex = Lexicon::load(store, region).await?;
    let pre = Prefilter {
        enterprise_id: Some(enterprise_id),
        ..Prefilter::default()
    };
    let Some(f) = store.policy_firms(region, &pre).await?.into_iter().next() else {
        return Err(Error::NotFound(format!("企业 {enterprise_id}")));
    };
    if !principal.can_read_enterprise(&facts_of(f.town_id, f.service_manager_id)) {
        return Err(Error::NotFound(format!("企业 {enterprise_id}")));
    }
    let facts = firm_facts(&f)?;
    let received = store.policy_pushes(None, Some(enterprise_id)).await?;
    let on = today(store);
    let mut out = Vec::new();
    for p in store.policies(region).await? {
        if !in_force(&p, on) || received.iter().any(|r| r.policy_id == p.id) {
            continue;
        }
        let checks = p.conditions.evaluate(&facts, &lex.names);
        if checks.iter().all(|c| c.met) {
            out.push(FirmPolicy {
                id: p.id,
                title: p.title,
                issuer: p.issuer,
                valid_to: p.valid_to,
                amount_wan: p.amount_wan,
                reasons: checks.into_iter().map(|c| c.reason).collect(),
            });
        }
    }
    Ok((out, received))
}

/// Pushes a policy in force to a firm that meets its conditions.
pub async fn push(
    store: &Store,
    caller: Caller<'_>,
    id: i64,
    firm: &FirmRef,
    note: &str,
) -> Result<i64> {
    let p = load(store, id).await?;
    let lex = Lexicon::load(store, &p.region_code).await?;
    let wanted = crate::requests::find_firm(store, &p.region_code, firm).await?;
    let found = evaluated(store, caller.principal, &p, &lex, Some(wanted.id))
        .await?
        .into_iter()
        .next();
    let Some((f, checks)) = found.filter(|(f, _)| f.id == wanted.id) else {
        return Err(Error::NotFound(format!("企业 {}", wanted.name)));
    };
    if !policy::can_push_policy(
        caller.principal,
        p.department_id,
        &facts_of(f.town_id, f.service_manager_id),
    ) {
        return Err(Error::Forbidden(
            "企业服务经理人向所服务企业推送政策，经济运行办公室可推送给任何企业".into(),
        ));
    }
    if let Some(c) = checks.iter().find(|c| !c.met) {
        return Err(Error::Conflict(format!(
            "{}不符合该政策的{}条件：{}",
            f.name,
            c.kind.label(),
            c.reason
        )));
    }
    let on = today(store);
    if !in_force(&p, on) {
        return Err(Error::Conflict("该政策不在有效期内，不能推送".into()));
    }
    let note = match note.trim() {
        "" => String::new(),
        n => text(n, "note", "推送说明", 500, true)?,
    };
    let mut tx = store.begin_write().await?;
    let push_id = tx
        .insert_policy_push(caller.actor, &p, &f, &format_date(on), &note)
        .await
        .map_err(store_error)?;
    tx.commit().await?;
    Ok(push_id)
}

/// Records a push's cashing (兑现): amount in 万元 and the date, not after today.
pub async fn cash(
    store: &Store,
    caller: Caller<'_>,
    push_id: i64,
    amount_wan: &str,
    on: &str,
) -> Result<()> {
    let x = store
        .policy_push(push_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("政策推送 {push_id}")))?;
    let facts = facts_of(x.town_id, x.service_manager_id);
    if !caller.principal.can_read_enterprise(&facts) {
        return Err(Error::NotFound(format!("政策推送 {push_id}")));
    }
    let p = load(store, x.policy_id).await?;
    if !policy::can_push_policy(caller.principal, p.department_id, &facts) {
        return Err(Error::Forbidden(
            "兑现由推送政策的企业服务经理人、政策所属部门或经济运行办公室记录".into(),
        ));
    }
    let amount = amount(amount_wan, "amount_wan", "兑现金额", true)?.unwrap_or(0.0);
    if amount <= 0.0 {
        return Err(Error::invalid_field("amount_wan", "兑现金额应大于 0 万元"));
    }
    let day = date(on, "cashed_on", "兑现日期")?
        .ok_or_else(|| Error::invalid_field("cashed_on", "请填写兑现日期"))?;
    if day > today(store) {
        return Err(Error::invalid_field("cashed_on", "兑现日期不能晚于今天"));
    }
    if format_date(day) < x.pushed_on {
        return Err(Error::invalid_field(
            "cashed_on",
            "兑现日期不能早于推送日期",
        ));
    }
    let mut tx = store.begin_write().await?;
    tx.record_policy_cashing(
        caller.actor,
        &p.region_code,
        push_id,
        amount,
        &format_date(day),
    )
    .await
    .map_err(store_error)?;
    tx.commit().await?;
    Ok(())
}

/// The labels of condition kinds, for pages that list them.
pub fn condition_label(k: ConditionKind) -> &'static str {
    k.label()
}
