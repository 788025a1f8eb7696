//! Tasks and their states (领任务). A task is opened from a shortfall and a remedy, claimed by a
//! responsible leader, worked on, and done — or it runs past its deadline and becomes overdue
//! (督办), or the office cancels it. Claiming is separate from the state: an overdue task may
//! still be unclaimed. 办结 does not close a task: the claimer reports it done with what it
//! achieved and evidence, and it waits (待验收) until the office accepts it (验收, then it is
//! done) or returns it (back in progress). Only an accepted task counts as done.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Claimed,
    InProgress,
    Done,
    Overdue,
    Cancelled,
    /// Reported done by its claimer, waiting for the office's acceptance (待验收).
    Submitted,
}

/// What can happen to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEvent {
    Claim,
    Report,
    /// 办结: the claimer reports the task done; it then waits for acceptance.
    Complete,
    PassDeadline,
    Cancel,
    /// 验收: the office accepts a submitted task; it is then done.
    Accept,
    /// 退回: the office returns a submitted task; it is in progress again.
    Return,
    /// An approved extension: an overdue task whose new deadline lies ahead runs again.
    Extend,
}

impl TaskState {
    pub const ALL: [TaskState; 7] = [
        TaskState::Open,
        TaskState::Claimed,
        TaskState::InProgress,
        TaskState::Done,
        TaskState::Overdue,
        TaskState::Cancelled,
        TaskState::Submitted,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Claimed => "claimed",
            TaskState::InProgress => "in_progress",
            TaskState::Done => "done",
            TaskState::Overdue => "overdue",
            TaskState::Cancelled => "cancelled",
            TaskState::Submitted => "submitted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskState::Open => "待认领",
            TaskState::Claimed => "已认领",
            TaskState::InProgress => "推进中",
            TaskState::Done => "已完成",
            TaskState::Overdue => "已逾期",
            TaskState::Cancelled => "已撤销",
            TaskState::Submitted => "待验收",
        }
    }

    /// The status colour: overdue is red, open and claimed yellow until work starts.
    pub fn colour(self) -> &'static str {
        match self {
            TaskState::Overdue => "red",
            TaskState::Open | TaskState::Submitted => "yellow",
            TaskState::Claimed | TaskState::InProgress | TaskState::Done => "green",
            TaskState::Cancelled => "unknown",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, TaskState::Done | TaskState::Cancelled)
    }

    /// The state after `event`, or `None` when the event is not allowed in this state.
    /// `claimed` says whether someone holds the task.
    pub fn after(self, event: TaskEvent, claimed: bool) -> Option<TaskState> {
        use TaskEvent::*;
        use TaskState::*;
        match (self, event) {
            (Open, Claim) | (Overdue, Claim) if !claimed => {
                Some(if self == Overdue { Overdue } else { Claimed })
            }
            (Claimed, Report) | (InProgress, Report) if claimed => Some(InProgress),
            (Overdue, Report) if claimed => Some(Overdue),
            (Claimed, Complete) | (InProgress, Complete) | (Overdue, Complete) if claimed => {
                Some(Submitted)
            }
            (Submitted, Accept) => Some(Done),
            (Submitted, Return) => Some(InProgress),
            (Overdue, Extend) => Some(if claimed { InProgress } else { Open }),
            (Open | Claimed | InProgress, Extend) => Some(self),
            (Open, PassDeadline) | (Claimed, PassDeadline) | (InProgress, PassDeadline) => {
                Some(Overdue)
            }
            (s, Cancel) if !s.is_closed() => Some(Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 存量提升: serve existing enterprises.
    Stock,
    /// 招大引强: attract new projects.
    Attract,
    Both,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::Stock, Route::Attract, Route::Both];

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "stock" | "存量提升" => Some(Route::Stock),
            "attract" | "招大引强" => Some(Route::Attract),
            "both" | "两者" | "存量提升+招大引强" => Some(Route::Both),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Route::Stock => "stock",
            Route::Attract => "attract",
            Route::Both => "both",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::Stock => "存量提升",
            Route::Attract => "招大引强",
            Route::Both => "存量提升 + 招大引强",
        }
    }

    pub fn serves_enterprises(self) -> bool {
        matches!(self, Route::Stock | Route::Both)
    }

    pub fn sources_projects(self) -> bool {
        matches!(self, Route::Attract | Route::Both)
    }
}

/// At most three milestones (节点) per task.
pub const MAX_MILESTONES: usize = 3;

/// The realised pp a completed task may claim (成效): 0 to 10 percentage points of GDP growth
/// (a task does not close a negative amount; no county task moves growth by more than 10).
pub const REALISED_PP_MAX: f64 = 10.0;

/// Whether a realised pp is plausible.
pub fn realised_pp_ok(pp: f64) -> bool {
    pp.is_finite() && (0.0..=REALISED_PP_MAX).contains(&pp)
}

/// Days a task ran past `deadline` when finished on `finished` (both ISO dates or timestamps);
/// zero when on time.
pub fn overdue_days(deadline: &str, finished: &str) -> i64 {
    let d = crate::period::parse_date(deadline.get(..10).unwrap_or(deadline));
    let f = crate::period::parse_date(finished.get(..10).unwrap_or(finished));
    match (d, f) {
        (Ok(d), Ok(f)) => (f - d).whole_days().max(0),
        _ => 0,
    }
}

/// Whether a task done at `done_at` (a timestamp or a date) met its `deadline` (a date): a
/// task done on its deadline day is on time.
pub fn done_on_time(deadline: &str, done_at: &str) -> bool {
    done_at.get(..10).unwrap_or(done_at) <= deadline
}

#[cfg(test)]
mod tests {
    use super::TaskEvent::*;
    use super::TaskState::*;
    use super::*;

    #[test]
    fn the_life_of_a_task() {
        assert_eq!(Open.after(Claim, false), Some(Claimed));
        assert_eq!(
            Open.after(Claim, true),
            None,
            "a held task cannot be claimed again"
        );
        assert_eq!(Claimed.after(Report, true), Some(InProgress));
        assert_eq!(
            InProgress.after(Complete, true),
            Some(Submitted),
            "办结 waits for acceptance"
        );
        assert_eq!(Submitted.after(Accept, true), Some(Done));
        assert_eq!(Submitted.after(Return, true), Some(InProgress));
        assert_eq!(
            InProgress.after(Accept, true),
            None,
            "only a submitted task"
        );
        assert_eq!(Submitted.after(PassDeadline, true), None, "not swept");
        assert_eq!(Submitted.after(Report, true), None);
        assert_eq!(Done.after(Return, true), None);
        assert_eq!(Overdue.after(Extend, true), Some(InProgress));
        assert_eq!(Overdue.after(Extend, false), Some(Open));
        assert_eq!(Submitted.after(Extend, true), None);
        assert_eq!(
            Open.after(Complete, false),
            None,
            "nobody completes an unclaimed task"
        );
        assert_eq!(InProgress.after(PassDeadline, true), Some(Overdue));
        assert_eq!(
            Overdue.after(Claim, false),
            Some(Overdue),
            "claiming does not clear overdue"
        );
        assert_eq!(
            Overdue.after(Complete, true),
            Some(Submitted),
            "late work can still be done"
        );
        assert_eq!(Done.after(PassDeadline, true), None);
        assert_eq!(Done.after(Cancel, true), None);
        assert_eq!(Claimed.after(Cancel, true), Some(Cancelled));
    }

    #[test]
    fn every_state_has_a_code_and_a_word() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.code()), Some(s));
            assert!(!s.label().is_empty());
        }
        assert_eq!(Route::parse("招大引强"), Some(Route::Attract));
        assert!(Route::Both.serves_enterprises() && Route::Both.sources_projects());
    }

    #[test]
    fn tasks_done_on_their_deadline_day_are_on_time() {
        assert!(done_on_time("2025-12-31", "2025-12-31T23:59:00+08:00"));
        assert!(!done_on_time("2025-12-31", "2026-01-01T00:00:00+08:00"));
        assert!(done_on_time("2025-12-31", "2025-12-01"));
        assert!(realised_pp_ok(0.0) && realised_pp_ok(10.0) && !realised_pp_ok(-0.1));
        assert!(!realised_pp_ok(10.5) && !realised_pp_ok(f64::NAN));
        assert_eq!(overdue_days("2025-10-01", "2025-10-04T09:00:00+08:00"), 3);
        assert_eq!(overdue_days("2025-10-01", "2025-09-30"), 0);
    }
}
