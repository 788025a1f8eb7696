//! Who may supervise a task (督办): urge it (催办), reassign it (改派), decide an extension
//! (延期), give an instruction (领导批示), accept or return it (验收 / 退回). The rules sit beside
//! `access` as pure functions, so that the pages, the API and the tests ask the same question.

use crate::access::{Principal, Role, TaskFacts};

/// The longest an extension may push a deadline: one year past the deadline in force.
pub const MAX_EXTENSION_DAYS: i64 = 366;

/// What a supervision move is, for messages and the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Urge,
    Reassign,
    RequestExtension,
    DecideExtension,
    Instruct,
    Accept,
    Return,
}

impl Move {
    /// Who may make the move, as a sentence for a refusal.
    pub fn who(self) -> &'static str {
        match self {
            Move::Urge => "只有经济运行办公室和负责该任务赛道或镇街的领导可以催办",
            Move::Reassign => "只有经济运行办公室可以改派任务",
            Move::RequestExtension => "只有认领该任务的领导可以申请延期",
            Move::DecideExtension => "只有经济运行办公室可以审批延期",
            Move::Instruct => "只有市领导可以作出批示",
            Move::Accept | Move::Return => "只有经济运行办公室可以验收或退回任务",
        }
    }
}

impl Principal {
    /// Whether the caller may make `mv` on a task. `covers` says whether the caller (a leader)
    /// answers for the task's track or town, as the store records it.
    pub fn may_supervise(&self, mv: Move, task: &TaskFacts, covers: bool) -> bool {
        let office = self.role.is_office();
        let leader = self.role == Role::Leader && self.person_id.is_some();
        match mv {
            Move::Urge => office || (leader && covers),
            Move::Reassign | Move::DecideExtension | Move::Accept | Move::Return => office,
            Move::RequestExtension => leader && task.claimed_by_person == self.person_id,
            Move::Instruct => leader,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, person: Option<i64>) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: person,
            department_id: Some(20),
            town_id: Some(30),
        }
    }

    #[test]
    fn who_supervises() {
        let task = TaskFacts {
            claimed_by_person: Some(10),
            owner_department: Some(20),
            co_departments: vec![],
            town: Some(30),
        };
        let office = user(Role::Office, None);
        let claimer = user(Role::Leader, Some(10));
        let other = user(Role::Leader, Some(11));
        let dept = user(Role::Department, None);
        for mv in [
            Move::Urge,
            Move::Reassign,
            Move::DecideExtension,
            Move::Accept,
            Move::Return,
        ] {
            assert!(office.may_supervise(mv, &task, false), "{mv:?}");
            assert!(!dept.may_supervise(mv, &task, true), "{mv:?}");
        }
        assert!(other.may_supervise(Move::Urge, &task, true));
        assert!(!other.may_supervise(Move::Urge, &task, false));
        assert!(!claimer.may_supervise(Move::Accept, &task, true));
        assert!(!claimer.may_supervise(Move::Reassign, &task, true));
        assert!(claimer.may_supervise(Move::RequestExtension, &task, false));
        assert!(!other.may_supervise(Move::RequestExtension, &task, true));
        assert!(!office.may_supervise(Move::RequestExtension, &task, true));
        assert!(other.may_supervise(Move::Instruct, &task, false));
        assert!(!office.may_supervise(Move::Instruct, &task, false));
        assert!(!user(Role::Leader, None).may_supervise(Move::Instruct, &task, true));
        assert!(!Move::Urge.who().is_empty());
    }
}
