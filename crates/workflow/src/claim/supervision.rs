//! 督办 (supervision) and the remedy library: overdue tasks, the ranking by on-time completion
//! (赛马, computed by `analytics::ranking`), and the searchable remedies.

use analytics::ranking::{RankRow, RankedTask, TaskOutcome};
use domain::{Principal, TaskState};
use store::claim::{Remedy, TaskRow};
use store::Store;

use crate::Error;

/// The overdue tasks of a region the caller may read.
pub async fn overdue_tasks(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<TaskRow>, Error> {
    super::tasks(store, principal, region, Some(TaskState::Overdue)).await
}

/// Departments and towns ranked by the share of their tasks done on time (赛马).
pub async fn ranking(store: &Store, region: &str) -> Result<Vec<RankRow>, Error> {
    let rows = store.task_rank_rows(region).await?;
    Ok(analytics::ranking::rank(rows.into_iter().map(|r| {
        let outcome = match r.state.0 {
            TaskState::Cancelled => TaskOutcome::Cancelled,
            TaskState::Done => {
                if r.done_at
                    .as_deref()
                    .is_some_and(|d| domain::task::done_on_time(&r.deadline, d))
                {
                    TaskOutcome::DoneOnTime
                } else {
                    TaskOutcome::DoneLate
                }
            }
            TaskState::Overdue => TaskOutcome::Overdue,
            TaskState::Open | TaskState::Claimed | TaskState::InProgress => TaskOutcome::Running,
        };
        RankedTask {
            kind: r.kind,
            name: r.name,
            outcome,
        }
    })))
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
