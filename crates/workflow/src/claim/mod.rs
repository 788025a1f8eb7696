//! 领任务 (claim): the use cases of the step after 找位置 — a shortfall opened from the analysis,
//! tasks created from it, claimed by the responsible leader, reported on, completed or
//! cancelled, swept when overdue, and the 督办 supervision data. Pages and the JSON API build
//! the same commands and call these functions; the rules they apply live in `domain`
//! (`access`, `task`, `attachment`) and the ranking's numerics in `analytics::ranking`.

mod shortfalls;
mod supervise;
mod supervision;
mod tasks;

pub use shortfalls::{
    close_shortfall, list_shortfalls, open_shortfall, shortfall_detail, CloseShortfall,
    OpenShortfall, ShortfallDetail, ShortfallSummary,
};
pub use supervise::{
    instruct_project, require_confirmation, supervise, task_supervision, TaskMove,
};
pub use supervision::{overdue_tasks, ranking, remedies, RemedyQuery};
pub use tasks::{
    act_on_task, claim_board, claim_task, create_task, facts, my_tasks, read_task, report_progress,
    sweep, task_view, tasks, Attachment, CreateTask, MilestoneInput, ReportProgress, TaskAction,
    TaskView,
};

use crate::Error;
use domain::Principal;
use store::reference::{Department, Town, Track};
use store::Store;

/// Who acts: the access rules' view of the user, and the name the audit log records.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub principal: &'a Principal,
    pub actor: &'a store::Actor,
}

/// A track, town or department named by its id (a page's select) or its code (the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Id(i64),
    Code(String),
}

impl Ref {
    fn matches(&self, id: i64, code: &str) -> bool {
        match self {
            Ref::Id(i) => *i == id,
            Ref::Code(c) => c == code,
        }
    }

    fn describe(&self, what: &str) -> String {
        match self {
            Ref::Id(i) => format!("{what} {i}"),
            Ref::Code(c) => format!("{what}“{c}”"),
        }
    }
}

/// The office's gate: opening shortfalls, creating and cancelling tasks.
pub fn require_office(principal: &Principal) -> Result<(), Error> {
    if principal.can_direct_tasks() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "该操作仅限系统管理员和经济运行办公室".into(),
        ))
    }
}

pub(crate) fn find_track(tracks: &[Track], r: &Ref) -> Result<i64, Error> {
    tracks
        .iter()
        .find(|t| r.matches(t.id, &t.code))
        .map(|t| t.id)
        .ok_or_else(|| Error::NotFound(r.describe("产业赛道")))
}

pub(crate) fn find_town(towns: &[Town], r: &Ref) -> Result<i64, Error> {
    towns
        .iter()
        .find(|t| r.matches(t.id, &t.code))
        .map(|t| t.id)
        .ok_or_else(|| Error::NotFound(r.describe("镇街")))
}

pub(crate) fn find_department(departments: &[Department], r: &Ref) -> Result<i64, Error> {
    departments
        .iter()
        .find(|d| r.matches(d.id, &d.code))
        .map(|d| d.id)
        .ok_or_else(|| Error::NotFound(r.describe("部门")))
}

/// Today's date in the store's clock.
pub(crate) fn today(store: &Store) -> time::Date {
    store.now().date()
}
