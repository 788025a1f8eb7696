//! Enterprise requests (诉求): what a firm asks of the city (land, labour, finance …), the states
//! a request passes through, the working-day deadlines of each step, and who may move it.
//!
//! Provinces measure request systems by how fast they close: accept within 1 working day,
//! answer within 3, resolve within 15 (extendable once to 30 with the office's approval). The
//! rules here are pure: the store keeps the dates, the workflow asks these functions what a
//! command may do and what the new deadlines are, counted by [`crate::calendar::Calendar`].

use serde::{Deserialize, Serialize};
use time::Date;

use crate::access::{Principal, Role};
use crate::calendar::{Calendar, CalendarError};

/// Longest title and description of a request, in characters.
pub const MAX_TITLE: usize = 80;
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest answer, resolution note, reason or comment.
pub const MAX_NOTE: usize = 1000;

macro_rules! coded_enum {
    ($name:ident, $what:literal, [$(($variant:ident, $code:literal, $label:literal)),+ $(,)?]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl crate::Coded for $name {
            const WHAT: &'static str = $what;
            const KNOWN: &'static [Self] = &[$($name::$variant),+];
            fn as_code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The Chinese label users see.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// By code or by label (forms send codes; people type labels).
            pub fn parse(input: &str) -> Option<Self> {
                let input = input.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| crate::Coded::as_code(*v) == input || v.label() == input)
            }
        }
    };
}

coded_enum!(
    Category,
    "request category",
    [
        (Land, "land", "用地"),
        (Labour, "labour", "用工"),
        (Finance, "finance", "融资"),
        (Energy, "energy", "用能"),
        (Approval, "approval", "审批"),
        (Policy, "policy", "政策"),
        (Logistics, "logistics", "物流"),
        (Market, "market", "市场"),
        (Other, "other", "其他"),
    ]
);

coded_enum!(
    RequestState,
    "request state",
    [
        (Submitted, "submitted", "待受理"),
        (Accepted, "accepted", "已受理"),
        (Answered, "answered", "已答复"),
        (Resolved, "resolved", "已办结"),
        (Confirmed, "confirmed", "已确认"),
    ]
);

coded_enum!(
    Rating,
    "request rating",
    [
        (Satisfied, "satisfied", "满意"),
        (Basic, "basic", "基本满意"),
        (Dissatisfied, "dissatisfied", "不满意"),
    ]
);

coded_enum!(
    Extension,
    "request extension",
    [
        (None, "none", "未延期"),
        (Asked, "asked", "延期待批"),
        (Granted, "granted", "已延期"),
        (Refused, "refused", "延期未批准"),
    ]
);

coded_enum!(
    Channel,
    "request channel",
    [
        (Staff, "staff", "代企业提出"),
        (Link, "link", "企业自助提交"),
    ]
);

/// A step of a request. Each is one command of `workflow::requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Answer,
    Resolve,
    AskExtension,
    ApproveExtension,
    RefuseExtension,
    Confirm(Rating),
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Accept => "受理",
            Action::Answer => "答复",
            Action::Resolve => "办结",
            Action::AskExtension => "申请延期",
            Action::ApproveExtension => "批准延期",
            Action::RefuseExtension => "不批准延期",
            Action::Confirm(_) => "确认评价",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Answer => "answer",
            Action::Resolve => "resolve",
            Action::AskExtension => "ask_extension",
            Action::ApproveExtension => "approve_extension",
            Action::RefuseExtension => "refuse_extension",
            Action::Confirm(_) => "confirm",
        }
    }

    /// The action named by `code`; `confirm` needs its rating.
    pub fn parse(code: &str, rating: Option<Rating>) -> Option<Action> {
        Some(match code.trim() {
            "accept" => Action::Accept,
            "answer" => Action::Answer,
            "resolve" => Action::Resolve,
            "ask_extension" => Action::AskExtension,
            "approve_extension" => Action::ApproveExtension,
            "refuse_extension" => Action::RefuseExtension,
            "confirm" => Action::Confirm(rating?),
            _ => return None,
        })
    }
}

/// The limits of a request's steps, in working days, and of the 共性问题 flag and the firm's
/// link (the `[requests]` section of the configuration file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestRules {
    /// Accept within this many working days of submission.
    pub accept_days: u32,
    /// Answer within this many working days of submission.
    pub answer_days: u32,
    /// Resolve within this many working days of submission.
    pub resolve_days: u32,
    /// … or this many once the office approved the one extension.
    pub extended_resolve_days: u32,
    /// Requests of one category from at least this many firms of one track …
    pub common_min_firms: u32,
    /// … submitted within this many calendar days are a 共性问题.
    pub common_period_days: u32,
    /// A firm's link expires this many days after it was made.
    pub link_days: u32,
    /// Submissions one link accepts per hour.
    pub link_per_hour: u32,
    /// Link requests (pages and submissions) accepted per client address and minute.
    pub link_per_ip_per_minute: u32,
}

impl Default for RequestRules {
    fn default() -> Self {
        Self {
            accept_days: 1,
            answer_days: 3,
            resolve_days: 15,
            extended_resolve_days: 30,
            common_min_firms: 3,
            common_period_days: 90,
            link_days: 30,
            link_per_hour: 10,
            link_per_ip_per_minute: 30,
        }
    }
}

impl RequestRules {
    /// Why the rules cannot be used (a key and its reason), if they cannot.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let max = crate::calendar::MAX_WORKING_DAYS;
        for (key, v) in [
            ("requests.accept_days", self.accept_days),
            ("requests.answer_days", self.answer_days),
            ("requests.resolve_days", self.resolve_days),
            ("requests.extended_resolve_days", self.extended_resolve_days),
        ] {
            if v == 0 || v > max {
                return Err((key, format!("应在 1 到 {max} 之间，实为 {v}")));
            }
        }
        if !(self.accept_days <= self.answer_days
            && self.answer_days <= self.resolve_days
            && self.resolve_days <= self.extended_resolve_days)
        {
            return Err((
                "requests.resolve_days",
                "受理、答复、办结、延期办结时限应依次不减".to_string(),
            ));
        }
        for (key, v, lo, hi) in [
            ("requests.common_min_firms", self.common_min_firms, 2, 1000),
            (
                "requests.common_period_days",
                self.common_period_days,
                1,
                3660,
            ),
            ("requests.link_days", self.link_days, 1, 365),
            ("requests.link_per_hour", self.link_per_hour, 1, 10_000),
            (
                "requests.link_per_ip_per_minute",
                self.link_per_ip_per_minute,
                1,
                10_000,
            ),
        ] {
            if v < lo || v > hi {
                return Err((key, format!("应在 {lo} 到 {hi} 之间，实为 {v}")));
            }
        }
        Ok(())
    }
}

/// The deadlines of a request submitted on `submitted` (resolution extended or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub accept: Date,
    pub answer: Date,
    pub resolve: Date,
}

pub fn deadlines(
    rules: &RequestRules,
    calendar: &Calendar,
    submitted: Date,
    extended: bool,
) -> Result<Deadlines, CalendarError> {
    Ok(Deadlines {
        accept: calendar.add_working_days(submitted, rules.accept_days)?,
        answer: calendar.add_working_days(submitted, rules.answer_days)?,
        resolve: calendar.add_working_days(
            submitted,
            if extended {
                rules.extended_resolve_days
            } else {
                rules.resolve_days
            },
        )?,
    })
}

/// What the rules need to know of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    pub state: RequestState,
    pub extension: Extension,
    /// The department it is routed to; `None`: the office handles it.
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
    /// The service manager who answers for it (the firm's, when it was raised).
    pub manager_person_id: Option<i64>,
}

/// Whether `p` may read the request (department: routed to it; town: its firms; service
/// manager: his own; the office, leaders and viewers: all).
pub fn can_read(p: &Principal, f: &RequestFacts) -> bool {
    match p.role {
        Role::Admin | Role::Office | Role::Leader | Role::Viewer => true,
        Role::Department => p.department_id.is_some() && f.department_id == p.department_id,
        Role::Town => p.town_id.is_some() && f.town_id == p.town_id,
        Role::ServiceManager => p.person_id.is_some() && f.manager_person_id == p.person_id,
    }
}

/// Whether `p` may raise a request for a firm in `town_id` whose service manager is `manager`
/// (the office: any firm; a town: its firms; a service manager: the firms assigned to him).
pub fn can_raise(p: &Principal, town_id: Option<i64>, manager: Option<i64>) -> bool {
    match p.role {
        Role::Admin | Role::Office => true,
        Role::Town => p.town_id.is_some() && town_id == p.town_id,
        Role::ServiceManager => p.person_id.is_some() && manager == p.person_id,
        _ => false,
    }
}

/// Whether `p` may make links for such a firm (those who may raise requests for it).
pub fn can_make_link(p: &Principal, town_id: Option<i64>, manager: Option<i64>) -> bool {
    can_raise(p, town_id, manager)
}

/// The state after `action`, or why it is refused (for the user: who may, or why not now).
pub fn transition(
    p: &Principal,
    f: &RequestFacts,
    action: Action,
) -> Result<RequestState, Refusal> {
    let handles = p.role.is_office()
        || (p.role == Role::Department
            && p.department_id.is_some()
            && f.department_id == p.department_id);
    let confirms = p.role.is_office()
        || (p.role == Role::ServiceManager
            && p.person_id.is_some()
            && f.manager_person_id == p.person_id);
    let (allowed, from, to): (bool, &[RequestState], RequestState) = match action {
        Action::Accept => (handles, &[RequestState::Submitted], RequestState::Accepted),
        Action::Answer => (handles, &[RequestState::Accepted], RequestState::Answered),
        Action::Resolve => (
            handles,
            &[RequestState::Accepted, RequestState::Answered],
            RequestState::Resolved,
        ),
        Action::AskExtension => (
            handles,
            &[RequestState::Accepted, RequestState::Answered],
            f.state,
        ),
        Action::ApproveExtension | Action::RefuseExtension => (
            p.role.is_office(),
            &[RequestState::Accepted, RequestState::Answered],
            f.state,
        ),
        Action::Confirm(Rating::Dissatisfied) => {
            (confirms, &[RequestState::Resolved], RequestState::Accepted)
        }
        Action::Confirm(_) => (confirms, &[RequestState::Resolved], RequestState::Confirmed),
    };
    if !allowed {
        return Err(Refusal::Role(match action {
            Action::ApproveExtension | Action::RefuseExtension => "延期只能由经济运行办公室批准",
            Action::Confirm(_) => "只有企业本身、其服务经理人或经济运行办公室可以确认评价",
            _ => "只有诉求承办部门或经济运行办公室可以办理",
        }));
    }
    if !from.contains(&f.state) {
        return Err(Refusal::State(format!(
            "诉求当前为“{}”，不能{}",
            f.state.label(),
            action.label()
        )));
    }
    match action {
        Action::AskExtension if f.extension != Extension::None => {
            Err(Refusal::State("延期只能申请一次".to_string()))
        }
        Action::ApproveExtension | Action::RefuseExtension if f.extension != Extension::Asked => {
            Err(Refusal::State("该诉求没有待批准的延期申请".to_string()))
        }
        _ => Ok(to),
    }
}

/// The state after the firm itself rates a resolution through its link (the only step a link
/// may take besides submitting): the request must be the link's firm's and resolved.
pub fn firm_confirms(f: &RequestFacts, rating: Rating) -> Result<RequestState, Refusal> {
    if f.state != RequestState::Resolved {
        return Err(Refusal::State(format!(
            "诉求当前为“{}”，不能确认评价",
            f.state.label()
        )));
    }
    Ok(if rating == Rating::Dissatisfied {
        RequestState::Accepted
    } else {
        RequestState::Confirmed
    })
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Role(&'static str),
    #[error("{0}")]
    State(String),
}

/// Which deadline a request has missed on `today` (the first one still open and past), if any.
pub fn late_step(state: RequestState, d: &Deadlines, today: Date) -> Option<(&'static str, Date)> {
    match state {
        RequestState::Submitted if today > d.accept => Some(("受理", d.accept)),
        RequestState::Submitted | RequestState::Accepted if today > d.answer => {
            Some(("答复", d.answer))
        }
        RequestState::Submitted | RequestState::Accepted | RequestState::Answered
            if today > d.resolve =>
        {
            Some(("办结", d.resolve))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::parse_date;

    fn d(s: &str) -> Date {
        parse_date(s).expect("date")
    }

    fn who(role: Role, dept: Option<i64>, person: Option<i64>) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: person,
            department_id: dept,
            town_id: None,
        }
    }

    fn facts(state: RequestState, extension: Extension) -> RequestFacts {
        RequestFacts {
            state,
            extension,
            department_id: Some(7),
            town_id: Some(3),
            manager_person_id: Some(9),
        }
    }

    #[test]
    fn a_service_manager_raises_for_his_own_firms_only() {
        let sm = who(Role::ServiceManager, None, Some(9));
        assert!(can_raise(&sm, Some(3), Some(9)));
        assert!(!can_raise(&sm, Some(3), Some(8)), "another manager's firm");
        assert!(!can_raise(&sm, Some(3), None), "a firm without a manager");
        assert!(!can_raise(
            &who(Role::ServiceManager, None, None),
            None,
            None
        ));
        assert!(can_raise(&who(Role::Office, None, None), None, None));
        let mut town = who(Role::Town, None, None);
        town.town_id = Some(3);
        assert!(can_raise(&town, Some(3), None) && !can_raise(&town, Some(4), None));
        for r in [Role::Leader, Role::Viewer, Role::Department] {
            assert!(
                !can_raise(&who(r, Some(7), Some(9)), Some(3), Some(9)),
                "{r:?}"
            );
        }
        assert_eq!(
            can_make_link(&sm, Some(3), Some(8)),
            can_raise(&sm, Some(3), Some(8))
        );
    }

    #[test]
    fn deadlines_skip_the_national_day_holiday() {
        let cal = Calendar::shipped();
        let r = RequestRules::default();
        let dl = deadlines(&r, &cal, d("2025-09-30"), false).expect("covered");
        assert_eq!(dl.accept, d("2025-10-09"));
        assert_eq!(dl.answer, d("2025-10-11"));
        let ext = deadlines(&r, &cal, d("2025-09-30"), true).expect("covered");
        assert!(ext.resolve > dl.resolve);
        assert_eq!(
            late_step(RequestState::Submitted, &dl, d("2025-10-09")),
            None
        );
        assert_eq!(
            late_step(RequestState::Submitted, &dl, d("2025-10-10")),
            Some(("受理", d("2025-10-09")))
        );
        assert_eq!(
            late_step(RequestState::Resolved, &dl, d("2026-06-01")),
            None
        );
    }

    #[test]
    fn only_the_routed_department_or_the_office_handles() {
        let f = facts(RequestState::Submitted, Extension::None);
        let own = who(Role::Department, Some(7), None);
        let other = who(Role::Department, Some(8), None);
        assert_eq!(
            transition(&own, &f, Action::Accept),
            Ok(RequestState::Accepted)
        );
        assert!(matches!(
            transition(&other, &f, Action::Accept),
            Err(Refusal::Role(_))
        ));
        assert!(matches!(
            transition(&who(Role::Town, None, None), &f, Action::Accept),
            Err(Refusal::Role(_))
        ));
        assert!(matches!(
            transition(&own, &f, Action::Resolve),
            Err(Refusal::State(_))
        ));
    }

    #[test]
    fn one_extension_approved_by_the_office_and_dissatisfied_reopens() {
        let dept = who(Role::Department, Some(7), None);
        let office = who(Role::Office, None, None);
        let f = facts(RequestState::Accepted, Extension::None);
        assert!(transition(&dept, &f, Action::AskExtension).is_ok());
        let asked = facts(RequestState::Accepted, Extension::Asked);
        assert!(transition(&dept, &asked, Action::ApproveExtension).is_err());
        assert!(transition(&office, &asked, Action::ApproveExtension).is_ok());
        let granted = facts(RequestState::Accepted, Extension::Granted);
        assert!(transition(&dept, &granted, Action::AskExtension).is_err());
        let resolved = facts(RequestState::Resolved, Extension::None);
        let manager = who(Role::ServiceManager, None, Some(9));
        assert_eq!(
            transition(&manager, &resolved, Action::Confirm(Rating::Dissatisfied)),
            Ok(RequestState::Accepted)
        );
        assert_eq!(
            transition(&manager, &resolved, Action::Confirm(Rating::Basic)),
            Ok(RequestState::Confirmed)
        );
        assert!(transition(
            &who(Role::ServiceManager, None, Some(10)),
            &resolved,
            Action::Confirm(Rating::Satisfied)
        )
        .is_err());
    }

    #[test]
    fn categories_parse_by_code_or_label() {
        assert_eq!(Category::parse("用地"), Some(Category::Land));
        assert_eq!(Category::parse("finance"), Some(Category::Finance));
        assert_eq!(Category::parse("x"), None);
        assert!(RequestRules::default().check().is_ok());
        let bad = RequestRules {
            resolve_days: 40,
            ..RequestRules::default()
        };
        assert!(bad.check().is_err());
    }
}
