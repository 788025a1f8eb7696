//! Enterprise service managers (企业服务经理人) and their visits (走访): the office assigns
//! managers in bulk by town and track under a cap and reassigns one firm with a reason; the
//! coverage of above-scale firms and each manager's workload; a manager's own desk (his firms,
//! the visits falling due, the open requests of his firms); visits recorded with what was found
//! and, in the same transaction, the request raised in them. Pages, API and demo call these.

use crate::claim::Caller;
use crate::requests::{self, FirmRef, ListQuery, RequestView};
use crate::{Error, Settings};
use domain::enterprise::tags_from_code;
use domain::period::{format_date, parse_date};
use domain::request::Channel;
use domain::service::{self, FirmToServe, ManagerLoad, ServiceRules, VisitClass};
use domain::{BoundedText, Principal, Role};
use store::enterprises::FirmRow;
use store::service::{
    AssignmentRecord, Coverage, ManagerRow, NewVisit, ServedFilter, ServedFirm, VisitRow,
};
use store::Store;
use time::Date;

type Result<T> = std::result::Result<T, Error>;

/// The most firms a coverage page lists without a manager; it states the total.
pub const UNSERVED_SHOWN: usize = 200;

/// How far ahead a manager's desk lists visits falling due, in days.
pub const DUE_HORIZON_DAYS: i64 = 14;

/// Share firms without a manager among managers.
#[derive(Debug, Clone, Default)]
pub struct AssignBulk {
    pub region: String,
    pub town_id: Option<i64>,
    pub track_id: Option<i64>,
    /// Every firm of the town/track, not only above-scale ones.
    pub include_other: bool,
    /// The managers to share among; empty for every active manager of the region.
    pub managers: Vec<i64>,
    /// Most firms per manager; `None` for the configured default.
    pub cap: Option<u32>,
}

/// What a bulk assignment did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AssignOutcome {
    pub assigned: usize,
    /// Firms left without a manager: every eligible manager at the cap, or none in their town.
    pub left: usize,
    /// Firms another write changed while this one ran; not touched.
    pub skipped: usize,
}

/// Give one firm another manager (or none).
#[derive(Debug, Clone)]
pub struct Reassign {
    pub region: String,
    pub firm: FirmRef,
    pub person: Option<i64>,
    pub reason: String,
}

/// A visit to record.
#[derive(Debug, Clone, Default)]
pub struct RecordVisit {
    pub region: String,
    pub firm: Option<FirmRef>,
    /// `YYYY-MM-DD`.
    pub visited_on: String,
    pub people_met: String,
    pub findings: String,
    /// A request raised in the visit: category (code or label), title, description.
    pub request: Option<(String, String, String)>,
}

/// A firm with its visit class and when it is next due a visit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmDue {
    pub firm: ServedFirm,
    pub class: &'static str,
    pub next_visit: Option<String>,
    pub overdue: bool,
}

/// A manager with his load and the visits he is behind on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ManagerView {
    pub row: ManagerRow,
    pub overdue_visits: usize,
}

/// The office's coverage page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoverageView {
    pub coverage: Coverage,
    /// Share of above-scale firms with a manager, in percent (one decimal), `None` without any.
    pub share_pct: Option<f64>,
    /// Above-scale firms without a manager, the first [`UNSERVED_SHOWN`].
    pub unserved: Vec<ServedFirm>,
    pub unserved_total: usize,
    pub managers: Vec<ManagerView>,
    pub default_cap: u32,
}

/// A service manager's desk.
#[derive(Debug, Clone)]
pub struct ManagerDesk {
    pub firms: Vec<FirmDue>,
    /// Visits overdue or due within [`DUE_HORIZON_DAYS`], soonest first.
    pub due: Vec<FirmDue>,
    pub open_requests: Vec<RequestView>,
    /// His firms on the watch lists of the latest month (小升规, 退规 risk, sharp falls).
    pub alerts: Vec<super::watch::WatchLine>,
}

/// The service part of one firm's file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmServiceView {
    pub manager_name: Option<String>,
    pub class: &'static str,
    pub next_visit: Option<String>,
    pub overdue: bool,
    pub visits: Vec<VisitRow>,
    pub assignments: Vec<AssignmentRecord>,
    pub may_record_visit: bool,
    pub may_reassign: bool,
}

fn today(store: &Store) -> Date {
    store.now().date()
}

fn class_of(tags: &str, above_scale: i64) -> Result<VisitClass> {
    let tags = tags_from_code(tags).map_err(|e| {
        Error::Store(store::StoreError::Corrupt {
            what: e.what,
            column: "enterprises.tags".into(),
            value: e.value,
        })
    })?;
    Ok(VisitClass::of(&tags, above_scale == 1))
}

fn stored_day(column: &str, value: &str) -> Result<Date> {
    // Timestamps are kept as ISO text; the day is their first ten characters.
    let day = value.get(..10).unwrap_or(value);
    parse_date(day).map_err(|_| requests::corrupt(column, value))
}

fn due_of(rules: &ServiceRules, firm: ServedFirm, today: Date) -> Result<FirmDue> {
    let class = class_of(&firm.tags, firm.above_scale)?;
    let last = match firm.last_visit.as_deref() {
        Some(v) => Some(stored_day("visits.visited_on", v)?),
        None => None,
    };
    let since = match firm.assigned_at.as_deref() {
        Some(v) => Some(stored_day("service_assignments.at", v)?),
        None => None,
    };
    let next = if firm.manager_id.is_some() {
        service::next_visit(rules, class, last, since)
    } else {
        None
    };
    Ok(FirmDue {
        firm,
        class: class.label(),
        next_visit: next.map(format_date),
        overdue: next.is_some_and(|d| d < today),
    })
}

async fn firm_row(store: &Store, region: &str, r: &FirmRef) -> Result<FirmRow> {
    let not_found = || match r {
        FirmRef::Id(id) => Error::NotFound(format!("企业 {id}")),
        FirmRef::Uscc(u) => Error::NotFound(format!("企业“{}”", u.trim())),
    };
    let row = match r {
        FirmRef::Id(id) => store.firm_by_id(*id).await?,
        FirmRef::Uscc(u) => match domain::Uscc::parse(u) {
            Ok(code) => store.firm_by_uscc(code.as_str()).await?,
            Err(_) => None,
        },
    };
    row.filter(|f| f.region_code == region)
        .ok_or_else(not_found)
}

fn office_only(p: &Principal) -> Result<()> {
    if service::can_assign(p) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "企业服务经理人由经济运行办公室统一指定".into(),
        ))
    }
}

/// Shares the firms without a manager among the managers (`domain::service::plan_assignments`)
/// and writes the plan in one audited transaction. Office only.
pub async fn assign_bulk(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    cmd: &AssignBulk,
) -> Result<AssignOutcome> {
    office_only(caller.principal)?;
    let cap = cmd.cap.unwrap_or(settings.service.manager_cap);
    if cap == 0 || cap as usize > service::MAX_CAP {
        return Err(Error::invalid_field(
            "cap",
            format!("每人上限应为 1–{} 家", service::MAX_CAP),
        ));
    }
    let all = store.service_managers(&cmd.region).await?;
    let mut managers = Vec::new();
    for id in &cmd.managers {
        if !all.iter().any(|m| m.person_id == *id && m.active == 1) {
            return Err(Error::invalid_field(
                "managers",
                format!("人员 {id} 不是本地区在岗的企业服务经理人"),
            ));
        }
    }
    for m in all.iter().filter(|m| m.active == 1) {
        if cmd.managers.is_empty() || cmd.managers.contains(&m.person_id) {
            managers.push(ManagerLoad {
                person: m.person_id,
                town: m.town_id,
                firms: usize::try_from(m.firms).unwrap_or(0),
            });
        }
    }
    if managers.is_empty() {
        return Err(Error::Conflict(
            "本地区还没有在岗的企业服务经理人，请先登记".into(),
        ));
    }
    let firms = store
        .served_firms(&ServedFilter {
            region: cmd.region.clone(),
            town_id: cmd.town_id,
            track_id: cmd.track_id,
            manager_id: None,
            has_manager: Some(false),
            above_scale_only: !cmd.include_other,
        })
        .await?;
    let to_serve: Vec<FirmToServe> = firms
        .iter()
        .map(|f| FirmToServe {
            id: f.id,
            town: f.town_id,
            manager: f.manager_id,
        })
        .collect();
    let plan = service::plan_assignments(&to_serve, &managers, cap as usize);
    let pairs: Vec<(i64, Option<i64>)> = plan.assign.iter().map(|(f, p)| (*f, Some(*p))).collect();
    let expected = vec![None; pairs.len()];
    let mut tx = store.begin_write().await?;
    let skipped = tx
        .assign_service_managers(caller.actor, &cmd.region, &pairs, &expected, "批量指定")
        .await?;
    tx.commit().await?;
    Ok(AssignOutcome {
        assigned: pairs.len() - skipped.len(),
        left: plan.left.len(),
        skipped: skipped.len(),
    })
}

/// Gives one firm another manager (or none), with a reason. Office only; the new manager must
/// be an active manager of the region.
pub async fn reassign(store: &Store, caller: Caller<'_>, cmd: &Reassign) -> Result<()> {
    office_only(caller.principal)?;
    let reason = BoundedText::parse(cmd.reason.trim(), "调整原因", service::MAX_REASON)
        .map_err(|e| Error::invalid_field("reason", e.to_string()))?
        .into_string();
    if reason.is_empty() {
        return Err(Error::invalid_field("reason", "请填写调整原因"));
    }
    let firm = firm_row(store, &cmd.region, &cmd.firm).await?;
    if let Some(p) = cmd.person {
        if !store.is_service_manager(&cmd.region, p).await? {
            return Err(Error::invalid_field(
                "person",
                format!("人员 {p} 不是本地区在岗的企业服务经理人"),
            ));
        }
    }
    let mut tx = store.begin_write().await?;
    let skipped = tx
        .assign_service_managers(
            caller.actor,
            &cmd.region,
            &[(firm.id, cmd.person)],
            &[firm.service_manager_id],
            &reason,
        )
        .await?;
    if !skipped.is_empty() {
        return Err(Error::Conflict(
            "该企业的服务经理人刚被他人调整，请刷新后再试".into(),
        ));
    }
    tx.commit().await?;
    Ok(())
}

fn may_read_coverage(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::Admin | Role::Office | Role::Leader | Role::Viewer
    )
}

/// The office's coverage page: share of above-scale firms served, firms without a manager
/// first, each manager's load and overdue visits.
pub async fn coverage(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    region: &str,
) -> Result<CoverageView> {
    if !may_read_coverage(principal) {
        return Err(Error::Forbidden(
            "服务经理人覆盖情况由经济运行办公室和市领导查看".into(),
        ));
    }
    let coverage = store.service_coverage(region).await?;
    let unserved_all = store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            has_manager: Some(false),
            above_scale_only: true,
            ..ServedFilter::default()
        })
        .await?;
    let unserved_total = unserved_all.len();
    let unserved = unserved_all.into_iter().take(UNSERVED_SHOWN).collect();
    let served = store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            has_manager: Some(true),
            ..ServedFilter::default()
        })
        .await?;
    let now = today(store);
    let mut overdue: std::collections::HashMap<i64, usize> = Default::default();
    for f in served {
        let manager = f.manager_id;
        if due_of(&settings.service, f, now)?.overdue {
            if let Some(m) = manager {
                *overdue.entry(m).or_insert(0) += 1;
            }
        }
    }
    let managers = store
        .service_managers(region)
        .await?
        .into_iter()
        .map(|row| ManagerView {
            overdue_visits: overdue.get(&row.person_id).copied().unwrap_or(0),
            row,
        })
        .collect();
    let share_pct = (coverage.above_scale > 0).then(|| {
        (coverage.above_scale_served as f64 * 1000.0 / coverage.above_scale as f64).round() / 10.0
    });
    Ok(CoverageView {
        coverage,
        share_pct,
        unserved,
        unserved_total,
        managers,
        default_cap: settings.service.manager_cap,
    })
}

/// A service manager's desk: his firms with their next visit, the visits overdue or due soon,
/// the open requests of his firms.
pub async fn desk(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    region: &str,
) -> Result<ManagerDesk> {
    let Some(person) = principal
        .person_id
        .filter(|_| principal.role == Role::ServiceManager)
    else {
        return Ok(ManagerDesk {
            firms: Vec::new(),
            due: Vec::new(),
            open_requests: Vec::new(),
            alerts: Vec::new(),
        });
    };
    let now = today(store);
    let horizon = now + time::Duration::days(DUE_HORIZON_DAYS);
    let mut firms = Vec::new();
    for f in store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            manager_id: Some(person),
            ..ServedFilter::default()
        })
        .await?
    {
        firms.push(due_of(&settings.service, f, now)?);
    }
    let mut due: Vec<FirmDue> = firms
        .iter()
        .filter(|f| {
            f.next_visit
                .as_deref()
                .and_then(|d| parse_date(d).ok())
                .is_some_and(|d| d <= horizon)
        })
        .cloned()
        .collect();
    due.sort_by(|a, b| a.next_visit.cmp(&b.next_visit));
    let ids: std::collections::HashSet<i64> = firms.iter().map(|f| f.firm.id).collect();
    let open_requests = requests::list(
        store,
        principal,
        &ListQuery {
            region: region.to_string(),
            status: Some("open".into()),
            ..ListQuery::default()
        },
    )
    .await?
    .into_iter()
    .filter(|r| ids.contains(&r.row.enterprise_id))
    .collect();
    let alerts =
        super::watch::for_manager(store, principal, &settings.watch, region, person).await?;
    Ok(ManagerDesk {
        firms,
        due,
        open_requests,
        alerts,
    })
}

/// The service part of a firm's file, for a caller who may read the firm.
pub async fn firm_service(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    firm: &FirmRow,
) -> Result<FirmServiceView> {
    let served = store
        .served_firms(&ServedFilter {
            region: firm.region_code.clone(),
            town_id: firm.town_id,
            manager_id: firm.service_manager_id,
            has_manager: Some(firm.service_manager_id.is_some()),
            ..ServedFilter::default()
        })
        .await?
        .into_iter()
        .find(|f| f.id == firm.id);
    let (class, next_visit, overdue) = match served {
        Some(f) => {
            let d = due_of(&settings.service, f, today(store))?;
            (d.class, d.next_visit, d.overdue)
        }
        None => (class_of(&firm.tags, firm.above_scale)?.label(), None, false),
    };
    Ok(FirmServiceView {
        manager_name: firm.service_manager_name.clone(),
        class,
        next_visit,
        overdue,
        visits: store.firm_visits(firm.id, 50).await?,
        assignments: store.firm_assignments(firm.id).await?,
        may_record_visit: service::can_record_visit(
            principal,
            firm.town_id,
            firm.service_manager_id,
        ),
        may_reassign: service::can_assign(principal),
    })
}

fn text(input: &str, field: &str, name: &str, max: usize) -> Result<String> {
    let t = BoundedText::parse_multiline(input.trim(), name, max)
        .map_err(|e| Error::invalid_field(field, e.to_string()))?
        .into_string();
    if t.is_empty() {
        return Err(Error::invalid_field(field, format!("请填写{name}")));
    }
    Ok(t)
}

/// Records a visit (and the request raised in it) in one audited transaction. The firm's
/// manager, its town or the office; a visit cannot be dated in the future or before the firm
/// had been registered for a year… before 2000.
pub async fn record_visit(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    cmd: &RecordVisit,
) -> Result<i64> {
    let p = caller.principal;
    let firm_ref = cmd
        .firm
        .as_ref()
        .ok_or_else(|| Error::invalid_field("firm", "请选择走访的企业"))?;
    let firm = firm_row(store, &cmd.region, firm_ref).await?;
    let (facts, _) = super::enterprises::facts_of(store, &firm).await?;
    if !p.can_read_enterprise(&facts) {
        return Err(Error::NotFound(format!("企业“{}”", firm.uscc)));
    }
    if !service::can_record_visit(p, firm.town_id, firm.service_manager_id) {
        return Err(Error::Forbidden(
            "走访由该企业的服务经理人、所在镇街或经济运行办公室登记".into(),
        ));
    }
    let day = parse_date(cmd.visited_on.trim()).map_err(|_| {
        Error::invalid_field("visited_on", "走访日期应为 年-月-日，例如 2025-10-09")
    })?;
    let now = today(store);
    if day > now || day.year() < 2000 {
        return Err(Error::invalid_field(
            "visited_on",
            format!("走访日期应在 2000-01-01 至今天（{}）之间", format_date(now)),
        ));
    }
    let people_met = text(&cmd.people_met, "people_met", "接待人员", 200)?;
    let findings = text(&cmd.findings, "findings", "走访情况", 4000)?;
    let request = match &cmd.request {
        Some((category, title, description)) if !title.trim().is_empty() => {
            let c = requests::content(category, title, description)?;
            Some(
                requests::prepare_request(
                    store,
                    settings,
                    &cmd.region,
                    firm.id,
                    c,
                    Channel::Staff,
                    Some(p.user_id),
                    (p.role == Role::ServiceManager)
                        .then_some(p.person_id)
                        .flatten()
                        .or(firm.service_manager_id),
                    None,
                )
                .await?,
            )
        }
        _ => None,
    };
    let person = match p.role {
        Role::ServiceManager => p.person_id,
        _ => p.person_id.or(firm.service_manager_id),
    };
    let mut tx = store.begin_write().await?;
    let request_id = match &request {
        Some(r) => Some(tx.insert_request(caller.actor, r).await?),
        None => None,
    };
    let id = tx
        .insert_visit(
            caller.actor,
            &NewVisit {
                region: cmd.region.clone(),
                enterprise_id: firm.id,
                person_id: person,
                visited_on: format_date(day),
                people_met,
                findings,
                request_id,
            },
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The firms a town's people are behind on visiting (their overdue visits), soonest first.
pub async fn overdue_in_town(
    store: &Store,
    settings: &Settings,
    region: &str,
    town: i64,
) -> Result<Vec<FirmDue>> {
    let now = today(store);
    let mut out = Vec::new();
    for f in store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            town_id: Some(town),
            has_manager: Some(true),
            ..ServedFilter::default()
        })
        .await?
    {
        let d = due_of(&settings.service, f, now)?;
        if d.overdue {
            out.push(d);
        }
    }
    out.sort_by(|a, b| a.next_visit.cmp(&b.next_visit));
    Ok(out)
}
