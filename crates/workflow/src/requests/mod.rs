//! Enterprise requests (诉求): raised for a firm by its service manager, the office or its town,
//! or by the firm itself through its link; routed by category; accepted, answered, resolved
//! within working-day deadlines (the calendar in force); extended once with the office's
//! approval; confirmed and rated (不满意 reopens). Late requests escalate to 督办 and notify the
//! department; categories that many firms of one track raise are flagged as 共性问题; the
//! measures per department, town and manager come from `analytics::requests`. Pages, API and
//! demo all call these functions.

mod history;
mod link;
mod measures;

pub use history::{load_history, PastRequest, PastStep};

pub use link::{confirm_by_link, make_link, open_link, submit_by_link, LinkView, MadeLink};
pub(crate) use measures::measures_all;
pub use measures::{common_problems, measures, CommonProblem, Grouping, MeasureRow};

use domain::period::{format_date, parse_date};
use domain::request::{self, Action, Category, Channel, Deadlines, RequestFacts, RequestState};
use domain::{BoundedText, Coded, Principal};
use store::requests::{Change, NewRequest, RequestEvent, RequestFilter, RequestRow};
use store::{Store, StoreError};
use time::Date;

use crate::claim::Caller;
use crate::{Error, Settings};

type Result<T> = std::result::Result<T, Error>;

/// The firm a command names: its id (a page's select) or its USCC (the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirmRef {
    Id(i64),
    Uscc(String),
}

/// Raise a request on a firm's behalf.
#[derive(Debug, Clone)]
pub struct RaiseRequest {
    pub region: String,
    pub firm: FirmRef,
    /// Code or Chinese label.
    pub category: String,
    pub title: String,
    pub description: String,
}

/// One step on a request.
#[derive(Debug, Clone)]
pub struct Transition {
    /// `accept`, `answer`, `resolve`, `ask_extension`, `approve_extension`,
    /// `refuse_extension` or `confirm`.
    pub action: String,
    /// The answer, resolution, reason or comment.
    pub note: String,
    /// For `confirm`: `satisfied`, `basic`, `dissatisfied` (or 满意 …).
    pub rating: Option<String>,
}

/// A request as the lists and pages show it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub row: RequestRow,
    /// The deadline missed today, if any: the step and its date.
    pub late: Option<(&'static str, Date)>,
    /// Working days late (after the missed deadline, up to today).
    pub days_late: u32,
}

impl RequestView {
    pub fn state(&self) -> RequestState {
        self.row.state.0
    }
}

/// A request with its history and the steps the caller may take now.
#[derive(Debug, Clone)]
pub struct RequestDetail {
    pub view: RequestView,
    pub events: Vec<RequestEvent>,
    pub actions: Vec<Action>,
}

pub(crate) fn corrupt(column: &str, value: &str) -> Error {
    Error::Store(StoreError::Corrupt {
        what: "date",
        column: column.to_string(),
        value: value.to_string(),
    })
}

pub(crate) fn day(column: &str, value: &str) -> Result<Date> {
    parse_date(value).map_err(|_| corrupt(column, value))
}

pub(crate) fn calendar_error(e: domain::calendar::CalendarError) -> Error {
    Error::Conflict(e.to_string())
}

pub(crate) fn facts(row: &RequestRow) -> RequestFacts {
    RequestFacts {
        state: row.state.0,
        extension: row.extension.0,
        department_id: row.department_id,
        town_id: row.town_id,
        manager_person_id: row.manager_person_id,
    }
}

pub(crate) fn deadlines_of(row: &RequestRow) -> Result<Deadlines> {
    Ok(Deadlines {
        accept: day("requests.accept_due", &row.accept_due)?,
        answer: day("requests.answer_due", &row.answer_due)?,
        resolve: day("requests.resolve_due", &row.resolve_due)?,
    })
}

fn view(
    row: RequestRow,
    calendar: &domain::calendar::Calendar,
    today: Date,
) -> Result<RequestView> {
    let late = request::late_step(row.state.0, &deadlines_of(&row)?, today);
    let days_late = match late {
        Some((_, due)) => calendar.working_days_between(due, today).unwrap_or(0),
        None => 0,
    };
    Ok(RequestView {
        row,
        late,
        days_late,
    })
}

pub(crate) fn today(store: &Store) -> Date {
    store.now().date()
}

fn text(input: &str, field: &str, name: &str, max: usize, multiline: bool) -> Result<String> {
    let parsed = if multiline {
        BoundedText::parse_multiline(input.trim(), name, max)
    } else {
        BoundedText::parse(input.trim(), name, max)
    };
    parsed
        .map(BoundedText::into_string)
        .map_err(|e| Error::invalid_field(field, e.to_string()))
}

/// The checked content of a new request.
pub(crate) struct Content {
    pub category: Category,
    pub title: String,
    pub description: String,
}

pub(crate) fn content(category: &str, title: &str, description: &str) -> Result<Content> {
    let category = Category::parse(category).ok_or_else(|| {
        Error::invalid_field(
            "category",
            "诉求类别应为 用地、用工、融资、用能、审批、政策、物流、市场 或 其他",
        )
    })?;
    let title = text(title, "title", "诉求标题", request::MAX_TITLE, false)?;
    let description = match description.trim() {
        "" => String::new(),
        d => text(d, "description", "诉求内容", request::MAX_DESCRIPTION, true)?,
    };
    Ok(Content {
        category,
        title,
        description,
    })
}

/// A checked request for a firm, routed, with its deadlines from today: ready to insert.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn prepare_request(
    store: &Store,
    settings: &Settings,
    region: &str,
    enterprise_id: i64,
    c: Content,
    channel: Channel,
    raised_by_user: Option<i64>,
    manager_person_id: Option<i64>,
    link_id: Option<i64>,
) -> Result<NewRequest> {
    let calendar = crate::calendar::in_force(store).await?;
    let submitted = today(store);
    let d = request::deadlines(&settings.requests, &calendar, submitted, false)
        .map_err(calendar_error)?;
    let department_id = store
        .request_routes(region)
        .await?
        .into_iter()
        .find(|r| r.category.0 == c.category)
        .map(|r| r.department_id);
    Ok(NewRequest {
        region_code: region.to_string(),
        enterprise_id,
        category: c.category,
        title: c.title,
        description: c.description,
        department_id,
        channel,
        raised_by_user,
        manager_person_id,
        link_id,
        submitted_on: format_date(submitted),
        accept_due: format_date(d.accept),
        answer_due: format_date(d.answer),
        resolve_due: format_date(d.resolve),
    })
}

/// Stores a checked request for a firm: routed, with its deadlines from today.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_request(
    store: &Store,
    actor: &store::Actor,
    settings: &Settings,
    region: &str,
    enterprise_id: i64,
    c: Content,
    channel: Channel,
    raised_by_user: Option<i64>,
    manager_person_id: Option<i64>,
    link_id: Option<i64>,
) -> Result<i64> {
    let new = prepare_request(
        store,
        settings,
        region,
        enterprise_id,
        c,
        channel,
        raised_by_user,
        manager_person_id,
        link_id,
    )
    .await?;
    let mut tx = store.begin_write().await?;
    let id = tx.insert_request(actor, &new).await?;
    tx.commit().await?;
    Ok(id)
}

/// Raises a request for a firm (service manager, office, or the firm's town).
pub async fn raise(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    cmd: &RaiseRequest,
) -> Result<i64> {
    let p = caller.principal;
    if !matches!(
        p.role,
        domain::Role::Admin
            | domain::Role::Office
            | domain::Role::ServiceManager
            | domain::Role::Town
    ) {
        return Err(Error::Forbidden(
            "诉求由企业服务经理人、经济运行办公室或企业所在镇街代为提出".into(),
        ));
    }
    let c = content(&cmd.category, &cmd.title, &cmd.description)?;
    let firm = find_firm(store, &cmd.region, &cmd.firm).await?;
    if !request::can_raise(p, firm.town_id, firm.service_manager_id) {
        return Err(Error::NotFound(describe(&cmd.firm)));
    }
    store_request(
        store,
        caller.actor,
        settings,
        &cmd.region,
        firm.id,
        c,
        Channel::Staff,
        Some(p.user_id),
        firm.service_manager_id,
        None,
    )
    .await
}

fn describe(r: &FirmRef) -> String {
    match r {
        FirmRef::Id(id) => format!("企业 {id}"),
        FirmRef::Uscc(u) => format!("企业“{u}”"),
    }
}

/// The region's firm a form names, or why not as an error of `field`: an empty or malformed
/// USCC, or one the region's registry does not hold.
pub async fn firm_in(
    store: &Store,
    region: &str,
    r: &FirmRef,
    field: &'static str,
) -> Result<store::reference::Enterprise> {
    if let FirmRef::Uscc(raw) = r {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Error::invalid_field(field, "请填写企业的统一社会信用代码"));
        }
        let code = domain::Uscc::parse(raw).map_err(|e| {
            Error::invalid_field(field, format!("统一社会信用代码“{raw}”无效：{e}"))
        })?;
        return find_firm(store, region, &FirmRef::Uscc(code.as_str().to_string()))
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::invalid_field(
                    field,
                    format!("企业库中没有统一社会信用代码为 {code} 的本地企业"),
                ),
                e => e,
            });
    }
    find_firm(store, region, r).await.map_err(|e| match e {
        Error::NotFound(_) => Error::invalid_field(field, "企业不存在"),
        e => e,
    })
}

/// [`firm_in`] for a caller: a firm he may not see in the registry (a town user: another
/// town's) is, to him, one the registry does not hold — the same answer, so that typing codes
/// or ids cannot list the region's firms.
pub async fn firm_seen_by(
    store: &Store,
    principal: &domain::Principal,
    region: &str,
    r: &FirmRef,
    field: &'static str,
) -> Result<store::reference::Enterprise> {
    let e = firm_in(store, region, r, field).await?;
    let facts = domain::access::EnterpriseFacts {
        town: e.town_id,
        service_manager: e.service_manager_id,
        track_leaders: Vec::new(),
    };
    if principal.can_read_enterprise(&facts) {
        return Ok(e);
    }
    Err(match r {
        FirmRef::Uscc(_) => Error::invalid_field(
            field,
            format!("企业库中没有统一社会信用代码为 {} 的本地企业", e.uscc),
        ),
        FirmRef::Id(_) => Error::invalid_field(field, "企业不存在"),
    })
}

pub(crate) async fn find_firm(
    store: &Store,
    region: &str,
    r: &FirmRef,
) -> Result<store::reference::Enterprise> {
    use store::reference::FirmKey;
    let uscc;
    let key = match r {
        FirmRef::Id(id) => FirmKey::Id(*id),
        FirmRef::Uscc(u) => {
            uscc = u.trim().to_ascii_uppercase();
            FirmKey::Uscc(&uscc)
        }
    };
    store
        .enterprise_in(region, key)
        .await?
        .ok_or_else(|| Error::NotFound(describe(r)))
}

/// Takes one step on a request: checked by `domain::request::transition`, on the locked row,
/// in one audited transaction. Returns the new state.
pub async fn transition(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    id: i64,
    cmd: &Transition,
) -> Result<RequestState> {
    let rating =
        match cmd.rating.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(domain::request::Rating::parse(r).ok_or_else(|| {
                Error::invalid_field("rating", "评价应为 满意、基本满意 或 不满意")
            })?),
        };
    let action = Action::parse(&cmd.action, rating).ok_or_else(|| {
        if cmd.action.trim() == "confirm" {
            Error::invalid_field("rating", "确认时请选择评价：满意、基本满意 或 不满意")
        } else {
            Error::invalid_field("action", format!("未知的办理动作“{}”", cmd.action))
        }
    })?;
    let note = match cmd.note.trim() {
        "" if matches!(
            action,
            Action::Answer | Action::Resolve | Action::AskExtension
        ) =>
        {
            return Err(Error::invalid_field(
                "note",
                format!("{}时请填写说明", action.label()),
            ))
        }
        "" => String::new(),
        n => text(n, "note", "说明", request::MAX_NOTE, true)?,
    };
    let calendar = crate::calendar::in_force(store).await?;
    let on = today(store);
    let mut tx = store.begin_write().await?;
    let row = tx.request_for_update(id).await.map_err(|e| match e {
        StoreError::NotFound(m) => Error::NotFound(m),
        e => e.into(),
    })?;
    let f = facts(&row);
    if !request::can_read(caller.principal, &f) {
        return Err(Error::NotFound(format!("诉求 {id}")));
    }
    let to = request::transition(caller.principal, &f, action).map_err(refusal)?;
    let change = change_for(settings, &calendar, &row, action, to, on, note)?;
    tx.change_request(caller.actor, &row, &change).await?;
    tx.commit().await?;
    Ok(to)
}

pub(crate) fn refusal(r: request::Refusal) -> Error {
    match r {
        request::Refusal::Role(m) => Error::Forbidden(m.to_string()),
        request::Refusal::State(m) => Error::Conflict(m),
    }
}

/// The stored change of a step: its dates, the extension and any moved deadlines.
pub(crate) fn change_for(
    settings: &Settings,
    calendar: &domain::calendar::Calendar,
    row: &RequestRow,
    action: Action,
    to: RequestState,
    on: Date,
    note: String,
) -> Result<Change> {
    let rules = &settings.requests;
    let submitted = day("requests.submitted_on", &row.submitted_on)?;
    let mut c = Change {
        action: action.code(),
        label: action.label(),
        to,
        on_day: format_date(on),
        note,
        rating: None,
        extension: row.extension.0,
        accept_due: None,
        answer_due: None,
        resolve_due: None,
    };
    match action {
        Action::AskExtension => c.extension = request::Extension::Asked,
        Action::RefuseExtension => c.extension = request::Extension::Refused,
        Action::ApproveExtension => {
            c.extension = request::Extension::Granted;
            let d = request::deadlines(rules, calendar, submitted, true).map_err(calendar_error)?;
            c.resolve_due = Some(format_date(d.resolve));
        }
        Action::Confirm(rating) => {
            c.rating = Some(rating);
            if rating == request::Rating::Dissatisfied {
                // Reopened: the department answers and resolves again, counted from today.
                let d = request::deadlines(rules, calendar, on, false).map_err(calendar_error)?;
                c.answer_due = Some(format_date(d.answer));
                c.resolve_due = Some(format_date(d.resolve));
            }
        }
        Action::Accept | Action::Answer | Action::Resolve => {}
    }
    Ok(c)
}

/// Which requests to list. `status` is a state code, `open` (not yet resolved) or `overdue`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub region: String,
    pub status: Option<String>,
    pub category: Option<String>,
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

/// The requests the caller may read that match the query, newest first.
pub async fn list(store: &Store, principal: &Principal, q: &ListQuery) -> Result<Vec<RequestView>> {
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let state = match status {
        None | Some("overdue") | Some("open") => None,
        Some(s) => Some(RequestState::from_code(s).map_err(|_| {
            Error::invalid_field(
                "status",
                "状态应为 submitted、accepted、answered、resolved、confirmed、open 或 overdue",
            )
        })?),
    };
    let category = match q
        .category
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => Some(
            Category::parse(c)
                .ok_or_else(|| Error::invalid_field("category", format!("未知的诉求类别“{c}”")))?,
        ),
    };
    let rows = store
        .requests(&RequestFilter {
            region_code: q.region.clone(),
            state,
            department_id: q.department_id,
            town_id: q.town_id,
            manager_person_id: None,
            enterprise_id: q.enterprise_id,
            category,
        })
        .await?;
    let calendar = crate::calendar::in_force(store).await?;
    let on = today(store);
    let mut out = Vec::new();
    for row in rows {
        if !request::can_read(principal, &facts(&row)) {
            continue;
        }
        let v = view(row, &calendar, on)?;
        let keep = match status {
            Some("overdue") => v.late.is_some(),
            Some("open") => matches!(
                v.state(),
                RequestState::Submitted | RequestState::Accepted | RequestState::Answered
            ),
            _ => true,
        };
        if keep {
            out.push(v);
        }
    }
    Ok(out)
}

/// One request the caller may read, with its history and the steps open to the caller.
pub async fn detail(store: &Store, principal: &Principal, id: i64) -> Result<RequestDetail> {
    let row = store
        .request(id)
        .await?
        .filter(|r| request::can_read(principal, &facts(r)))
        .ok_or_else(|| Error::NotFound(format!("诉求 {id}")))?;
    let events = store.request_events(&row.region_code, Some(id)).await?;
    let f = facts(&row);
    let actions = [
        Action::Accept,
        Action::Answer,
        Action::Resolve,
        Action::AskExtension,
        Action::ApproveExtension,
        Action::RefuseExtension,
        Action::Confirm(domain::request::Rating::Satisfied),
    ]
    .into_iter()
    .filter(|a| request::transition(principal, &f, *a).is_ok())
    .collect();
    let calendar = crate::calendar::in_force(store).await?;
    Ok(RequestDetail {
        view: view(row, &calendar, today(store))?,
        events,
        actions,
    })
}

/// The late requests the caller may read (the 督办 section), most days late first.
pub async fn late(store: &Store, principal: &Principal, region: &str) -> Result<Vec<RequestView>> {
    let mut rows = list(
        store,
        principal,
        &ListQuery {
            region: region.to_string(),
            status: Some("overdue".into()),
            ..ListQuery::default()
        },
    )
    .await?;
    rows.sort_by(|a, b| b.days_late.cmp(&a.days_late).then(a.row.id.cmp(&b.row.id)));
    Ok(rows)
}

/// Escalates every late request not yet escalated: marked, audited, and its department's users
/// (the office's, when unrouted) notified. Returns how many were escalated.
pub async fn escalate(store: &Store, region: &str) -> Result<usize> {
    let system = Principal {
        user_id: 0,
        username: "system".into(),
        role: domain::Role::Admin,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    let actor = store::Actor::system("督办（逾期诉求）");
    let late = late(store, &system, region).await?;
    let office = store.office_user_ids().await?;
    let mut n = 0;
    for v in late.into_iter().filter(|v| v.row.escalated_at.is_none()) {
        let (step, due) = v.late.unwrap_or(("办结", time::Date::MIN));
        let users = match v.row.department_id {
            Some(d) => store.department_user_ids(d).await?,
            None => office.clone(),
        };
        let text = format!(
            "诉求 {}（{}，{}）{}已逾期：期限 {}，已转督办",
            v.row.id,
            v.row.enterprise_name,
            v.row.title,
            step,
            format_date(due)
        );
        let mut tx = store.begin_write().await?;
        if tx.escalate_request(&actor, &v.row, &text, &users).await? {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// Escalates the late requests of every region (the server's background sweep, so that no page
/// view has to take the write lock for it). Returns how many were escalated.
pub async fn escalate_all(store: &Store) -> Result<usize> {
    let mut n = 0;
    for region in store.list_regions().await? {
        n += escalate(store, &region.code).await?;
    }
    Ok(n)
}

/// The routing rules: every category with its department (`None`: the office).
pub async fn routes(store: &Store, region: &str) -> Result<Vec<(Category, Option<(i64, String)>)>> {
    let rules = store.request_routes(region).await?;
    Ok(Category::ALL
        .iter()
        .map(|c| {
            (
                *c,
                rules
                    .iter()
                    .find(|r| r.category.0 == *c)
                    .map(|r| (r.department_id, r.department_name.clone())),
            )
        })
        .collect())
}

/// Sets a category's department (office only; `None` routes it to the office).
pub async fn set_route(
    store: &Store,
    caller: Caller<'_>,
    region: &str,
    category: &str,
    department: Option<crate::claim::Ref>,
) -> Result<()> {
    crate::claim::require_office(caller.principal)?;
    let category = Category::parse(category)
        .ok_or_else(|| Error::invalid_field("category", format!("未知的诉求类别“{category}”")))?;
    let department_id = match department {
        Some(r) => Some(crate::claim::find_department(
            &store.departments(region).await?,
            &r,
        )?),
        None => None,
    };
    let mut tx = store.begin_write().await?;
    tx.set_request_route(caller.actor, region, category, department_id)
        .await?;
    tx.commit().await?;
    Ok(())
}
