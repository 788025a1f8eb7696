//! The rules of enterprise service (企业服务经理人): who may assign and reassign a firm's service
//! manager, how a bulk assignment shares firms among managers under a cap, and when a firm is
//! due a visit (走访) by its class. Pure: the workflow reads the facts and writes the outcome.

use crate::access::{Principal, Role};
use crate::enterprise::Tag;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, Month};

/// The most firms one bulk assignment may give a manager, whatever the form says.
pub const MAX_CAP: usize = 500;

/// The longest reason for a reassignment, in characters.
pub const MAX_REASON: usize = 200;

/// Who may assign or reassign service managers: the office (and the administrator).
pub fn can_assign(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Office)
}

/// Who may record a visit to a firm: the office, the firm's own service manager, and its town.
pub fn can_record_visit(p: &Principal, firm_town: Option<i64>, manager: Option<i64>) -> bool {
    match p.role {
        Role::Admin | Role::Office => true,
        Role::ServiceManager => p.person_id.is_some() && p.person_id == manager,
        Role::Town => p.town_id.is_some() && p.town_id == firm_town,
        _ => false,
    }
}

/// A firm a bulk assignment considers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmToServe {
    pub id: i64,
    pub town: Option<i64>,
    pub manager: Option<i64>,
}

/// A service manager with the number of firms he serves now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerLoad {
    pub person: i64,
    /// The town he works in; `None` for a manager who serves the whole region.
    pub town: Option<i64>,
    pub firms: usize,
}

/// The outcome of a bulk assignment: firm → manager, and the firms left without one because
/// every eligible manager reached the cap (or none works in their town).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentPlan {
    pub assign: Vec<(i64, i64)>,
    pub left: Vec<i64>,
}

/// Shares the firms without a manager among the managers, each firm to the least loaded
/// manager of its own town (managers of the whole region when its town has none), never above
/// `cap` firms per manager; ties go to the smaller person id, so the plan is reproducible.
/// Firms that already have a manager are not touched.
pub fn plan_assignments(
    firms: &[FirmToServe],
    managers: &[ManagerLoad],
    cap: usize,
) -> AssignmentPlan {
    let mut load: HashMap<i64, usize> = managers.iter().map(|m| (m.person, m.firms)).collect();
    let mut by_town: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
    for m in managers {
        by_town.entry(m.town).or_default().push(m.person);
    }
    for list in by_town.values_mut() {
        list.sort_unstable();
    }
    let mut plan = AssignmentPlan::default();
    for f in firms.iter().filter(|f| f.manager.is_none()) {
        let own = f.town.and_then(|t| by_town.get(&Some(t)));
        let pool = match own {
            Some(list) if !list.is_empty() => list,
            _ => match by_town.get(&None) {
                Some(list) => list,
                None => {
                    plan.left.push(f.id);
                    continue;
                }
            },
        };
        let best = pool
            .iter()
            .filter(|p| load.get(p).copied().unwrap_or(0) < cap)
            .min_by_key(|p| (load.get(p).copied().unwrap_or(0), **p))
            .copied();
        match best {
            Some(person) => {
                *load.entry(person).or_insert(0) += 1;
                plan.assign.push((f.id, person));
            }
            None => plan.left.push(f.id),
        }
    }
    plan
}

/// The deployment's rules of service (`[service]`): how often a firm is visited, by its
/// class, and the most firms a bulk assignment gives one manager unless the form says less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceRules {
    /// Key firms (链主 and listed firms): every this many months.
    pub key_months: u32,
    /// Other above-scale firms.
    pub above_scale_months: u32,
    /// Other firms with a manager; 0 for no fixed cadence.
    pub other_months: u32,
    /// The default cap of a bulk assignment.
    pub manager_cap: u32,
}

impl Default for ServiceRules {
    fn default() -> Self {
        Self {
            key_months: 1,
            above_scale_months: 3,
            other_months: 0,
            manager_cap: 30,
        }
    }
}

/// A firm's class for visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitClass {
    Key,
    AboveScale,
    Other,
}

impl VisitClass {
    pub fn of(tags: &[Tag], above_scale: bool) -> Self {
        if tags
            .iter()
            .any(|t| matches!(t, Tag::ChainLeader | Tag::Listed))
        {
            VisitClass::Key
        } else if above_scale {
            VisitClass::AboveScale
        } else {
            VisitClass::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VisitClass::Key => "重点企业",
            VisitClass::AboveScale => "规上企业",
            VisitClass::Other => "其他企业",
        }
    }
}

impl ServiceRules {
    /// Months between visits for a class; `None` when the class has no fixed cadence.
    pub fn months(&self, class: VisitClass) -> Option<u32> {
        let m = match class {
            VisitClass::Key => self.key_months,
            VisitClass::AboveScale => self.above_scale_months,
            VisitClass::Other => self.other_months,
        };
        (m > 0).then_some(m)
    }

    /// Checks configured rules: cadences 0–12 months, a cap 1–[`MAX_CAP`]; the key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, m) in [
            ("service.key_months", self.key_months),
            ("service.above_scale_months", self.above_scale_months),
            ("service.other_months", self.other_months),
        ] {
            if m > 12 {
                return Err((name, format!("must be 0–12 months, not {m}")));
            }
        }
        if self.manager_cap == 0 || self.manager_cap as usize > MAX_CAP {
            return Err((
                "service.manager_cap",
                format!("must be 1–{MAX_CAP}, not {}", self.manager_cap),
            ));
        }
        Ok(())
    }
}

/// The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb).
pub fn add_months(d: Date, months: u32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// When a firm is next due a visit: `months` after the last visit, or — never visited — after
/// the day its manager was assigned (the day itself when that is unknown). `None` without a
/// cadence.
pub fn next_visit(
    cadence: &ServiceRules,
    class: VisitClass,
    last_visit: Option<Date>,
    assigned_on: Option<Date>,
) -> Option<Date> {
    let months = cadence.months(class)?;
    match (last_visit, assigned_on) {
        (Some(last), _) => Some(add_months(last, months)),
        (None, Some(since)) => Some(add_months(since, months)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn firm(id: i64, town: Option<i64>) -> FirmToServe {
        FirmToServe {
            id,
            town,
            manager: None,
        }
    }

    fn mgr(person: i64, town: Option<i64>, firms: usize) -> ManagerLoad {
        ManagerLoad {
            person,
            town,
            firms,
        }
    }

    #[test]
    fn firms_go_to_the_least_loaded_manager_of_their_town_under_the_cap() {
        let firms = [
            firm(1, Some(10)),
            firm(2, Some(10)),
            firm(3, Some(10)),
            firm(4, Some(20)),
        ];
        let managers = [
            mgr(100, Some(10), 1),
            mgr(101, Some(10), 0),
            mgr(200, Some(20), 0),
        ];
        let plan = plan_assignments(&firms, &managers, 2);
        assert_eq!(plan.assign, vec![(1, 101), (2, 100), (3, 101), (4, 200)]);
        assert!(plan.left.is_empty());
    }

    #[test]
    fn firms_beyond_every_cap_are_left_and_assigned_ones_untouched() {
        let mut firms = vec![firm(1, Some(10)), firm(2, Some(10)), firm(3, Some(10))];
        firms.push(FirmToServe {
            id: 4,
            town: Some(10),
            manager: Some(999),
        });
        let plan = plan_assignments(&firms, &[mgr(100, Some(10), 0)], 2);
        assert_eq!(plan.assign, vec![(1, 100), (2, 100)]);
        assert_eq!(plan.left, vec![3]);
    }

    #[test]
    fn a_town_without_managers_falls_back_to_region_wide_ones_or_is_left() {
        let firms = [firm(1, Some(30)), firm(2, None)];
        let plan = plan_assignments(&firms, &[mgr(7, None, 0)], 5);
        assert_eq!(plan.assign, vec![(1, 7), (2, 7)]);
        let plan = plan_assignments(&firms, &[mgr(8, Some(10), 0)], 5);
        assert_eq!(plan.left, vec![1, 2]);
    }

    #[test]
    fn a_plan_never_exceeds_the_cap() {
        let firms: Vec<_> = (0..1000).map(|i| firm(i, Some(i % 3))).collect();
        let managers: Vec<_> = (0..9)
            .map(|p| mgr(p, Some(p % 3), (p as usize) * 5))
            .collect();
        let plan = plan_assignments(&firms, &managers, 40);
        let mut load: HashMap<i64, usize> = managers.iter().map(|m| (m.person, m.firms)).collect();
        for (_, p) in &plan.assign {
            *load.entry(*p).or_insert(0) += 1;
        }
        assert!(load.values().all(|&n| n <= 40));
        assert_eq!(plan.assign.len() + plan.left.len(), 1000);
    }

    #[test]
    fn visits_fall_due_by_class() {
        let c = ServiceRules::default();
        let key = VisitClass::of(&[Tag::ChainLeader], true);
        assert_eq!(key, VisitClass::Key);
        assert_eq!(
            next_visit(&c, key, Some(date!(2025 - 01 - 31)), None),
            Some(date!(2025 - 02 - 28))
        );
        let above = VisitClass::of(&[], true);
        assert_eq!(
            next_visit(&c, above, None, Some(date!(2025 - 11 - 15))),
            Some(date!(2026 - 02 - 15))
        );
        assert_eq!(next_visit(&c, VisitClass::of(&[], false), None, None), None);
        assert!(ServiceRules {
            key_months: 13,
            ..c
        }
        .check()
        .is_err());
    }

    #[test]
    fn only_the_office_assigns_and_only_the_firms_own_people_record_visits() {
        let p = |role, person, town| Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: person,
            department_id: None,
            town_id: town,
        };
        assert!(can_assign(&p(Role::Office, None, None)));
        assert!(!can_assign(&p(Role::ServiceManager, Some(5), None)));
        assert!(!can_assign(&p(Role::Town, None, Some(1))));
        assert!(can_record_visit(
            &p(Role::ServiceManager, Some(5), None),
            Some(1),
            Some(5)
        ));
        assert!(!can_record_visit(
            &p(Role::ServiceManager, Some(6), None),
            Some(1),
            Some(5)
        ));
        assert!(!can_record_visit(
            &p(Role::ServiceManager, None, None),
            Some(1),
            None
        ));
        assert!(can_record_visit(
            &p(Role::Town, None, Some(1)),
            Some(1),
            None
        ));
        assert!(!can_record_visit(
            &p(Role::Town, None, Some(2)),
            Some(1),
            None
        ));
        assert!(!can_record_visit(
            &p(Role::Leader, Some(5), None),
            Some(1),
            Some(5)
        ));
        assert!(!can_record_visit(
            &p(Role::Viewer, None, None),
            Some(1),
            None
        ));
    }
}
