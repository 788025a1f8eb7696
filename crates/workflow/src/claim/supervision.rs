//! 督办 (supervision) and the remedy library: overdue tasks, the ranking of departments and
//! towns (赛马, computed by `analytics::ranking`), and the searchable remedies.

use analytics::ranking::{RankedTask, Ranking, TaskOutcome, UnitKind, UnitRequests, UnitTarget};
use domain::{Period, Principal, Progress, TargetKind, TaskState};
use store::claim::{Remedy, TaskRow};
use store::Store;

use crate::{Error, Settings};

/// The overdue tasks of a region the caller may read.
pub async fn overdue_tasks(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<TaskRow>, Error> {
    super::tasks(store, principal, region, Some(TaskState::Overdue)).await
}

/// Departments and towns ranked apart (赛马, `analytics::ranking`): timeliness of their tasks
/// as of today against the deadline in force, their targets' completion against 序时进度
/// of `period`, and their requests' measures (诉求: a department's routed to it, a town's of its
/// firms, as the measures page counts them), weighted by `settings.ranking`. Only an accepted
/// task counts as done.
pub async fn ranking(
    store: &Store,
    settings: &Settings,
    region: &str,
    period: &Period,
) -> Result<Ranking, Error> {
    let today = domain::period::format_date(store.now().date());
    let unit = |k: &str| match k {
        "department" => Ok(UnitKind::Department),
        "town" => Ok(UnitKind::Town),
        other => Err(Error::Store(store::StoreError::Corrupt {
            what: "ranking unit",
            column: "kind".into(),
            value: other.to_string(),
        })),
    };
    let mut tasks = Vec::new();
    for r in store.task_rank_rows(region).await? {
        let outcome = match r.state.0 {
            TaskState::Cancelled => TaskOutcome::Cancelled,
            TaskState::Done => TaskOutcome::Done {
                late_days: domain::task::overdue_days(
                    &r.deadline,
                    r.done_at.as_deref().unwrap_or(&r.deadline),
                ),
            },
            // Waiting for acceptance, or within the deadline: not yet due.
            TaskState::Submitted => TaskOutcome::Running,
            TaskState::Open | TaskState::Claimed | TaskState::InProgress | TaskState::Overdue => {
                if r.deadline.as_str() < today.as_str() {
                    TaskOutcome::Late {
                        days: domain::task::overdue_days(&r.deadline, &today),
                    }
                } else {
                    TaskOutcome::Running
                }
            }
        };
        tasks.push(RankedTask {
            kind: unit(&r.kind)?,
            unit_id: r.unit_id,
            name: r.name,
            outcome,
        });
    }
    let as_of = domain::period::format_date(period.end_date());
    let elapsed = period.elapsed_share();
    let mut targets = Vec::new();
    for t in store.targets(region, period.year(), &as_of).await? {
        let kind = match t.scope().kind {
            domain::ScopeKind::Department => UnitKind::Department,
            domain::ScopeKind::Town => UnitKind::Town,
            _ => continue,
        };
        let Some(unit_id) = t.scope_id else { continue };
        let progress = Progress::assess(
            t.kind(),
            t.target_quantity(),
            t.actual_quantity(),
            elapsed,
            &settings.thresholds,
        );
        let ratio = match (t.kind(), progress.completion) {
            (_, None) => continue,
            (TargetKind::Cumulative, Some(c)) if elapsed > 0.0 => c / elapsed,
            (TargetKind::Cumulative, Some(_)) => continue,
            (TargetKind::Level, Some(c)) => c,
        };
        targets.push(UnitTarget {
            kind,
            unit_id,
            name: t.scope_name.clone().unwrap_or_default(),
            ratio,
        });
    }
    let mut requests = Vec::new();
    for (by, kind) in [
        (crate::requests::Grouping::Department, UnitKind::Department),
        (crate::requests::Grouping::Town, UnitKind::Town),
    ] {
        for m in crate::requests::measures_all(store, region, by).await? {
            // Requests the office handles itself, or of firms without a town, rank nobody.
            let Some(unit_id) = m.id else { continue };
            requests.push(UnitRequests::from_measures(
                kind,
                unit_id,
                &m.name,
                &m.measures,
            ));
        }
    }
    Ok(analytics::ranking::rank(
        tasks,
        targets,
        requests,
        &settings.ranking,
    ))
}

/// Search the remedy library.
#[derive(Debug, Clone, Default)]
pub struct RemedyQuery {
    pub region: String,
    /// Matched anywhere in a remedy's texts; at most 50 characters.
    pub q: Option<String>,
    /// Only remedies acting on this indicator.
    pub indicator: Option<String>,
}

pub async fn remedies(store: &Store, query: &RemedyQuery) -> Result<Vec<Remedy>, Error> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 50) {
        return Err(Error::invalid_field("q", "检索词最多 50 个字符"));
    }
    let mut list = store.remedies(&query.region, query.q.as_deref()).await?;
    if let Some(k) = &query.indicator {
        list.retain(|r| r.indicators.iter().any(|x| x == k));
    }
    Ok(list)
}
