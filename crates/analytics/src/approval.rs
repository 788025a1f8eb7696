//! Parallel approval (并联审批): a project's approval items form a graph of prerequisites. Run
//! one after another they take the serial total; run in parallel wherever prerequisites allow,
//! they take the critical path. The difference is the days saved.

use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalItem {
    pub code: String,
    pub name: String,
    pub days: i64,
    pub prerequisites: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledItem {
    pub code: String,
    pub name: String,
    /// Day the item can start at the earliest (0 = the plan's first day).
    pub start_day: i64,
    pub end_day: i64,
    pub critical: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalPlan {
    pub serial_days: i64,
    pub critical_path_days: i64,
    pub days_saved: i64,
    /// Items in a topological order with their earliest schedule.
    pub items: Vec<ScheduledItem>,
    /// Codes on the critical path, first to last.
    pub critical_path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("审批事项“{0}”的办理时限为负数")]
    NegativeDuration(String),
    #[error("审批事项“{item}”的前置事项“{missing}”不在计划中")]
    MissingPrerequisite { item: String, missing: String },
    #[error("审批事项的前置关系形成循环：{0}")]
    Cycle(String),
    #[error("审批事项代码“{0}”重复")]
    Duplicate(String),
}

/// Schedules the items as early as their prerequisites allow.
pub fn plan(items: &[ApprovalItem]) -> Result<ApprovalPlan, ApprovalError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if item.days < 0 {
            return Err(ApprovalError::NegativeDuration(item.name.clone()));
        }
        if index.insert(item.code.as_str(), i).is_some() {
            return Err(ApprovalError::Duplicate(item.code.clone()));
        }
    }
    for item in items {
        for p in &item.prerequisites {
            if !index.contains_key(p.as_str()) {
                return Err(ApprovalError::MissingPrerequisite {
                    item: item.name.clone(),
                    missing: p.clone(),
                });
            }
        }
    }
    // Kahn's algorithm, stable in input order.
    let n = items.len();
    let mut indegree: Vec<usize> = items.iter().map(|i| i.prerequisites.len()).collect();
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|i| indegree[*i] == 0).collect();
    while let Some(i) = ready.first().copied() {
        ready.remove(0);
        order.push(i);
        for (j, other) in items.iter().enumerate() {
            if other.prerequisites.iter().any(|p| p == &items[i].code) {
                indegree[j] -= other
                    .prerequisites
                    .iter()
                    .filter(|p| *p == &items[i].code)
                    .count();
                if indegree[j] == 0 {
                    ready.push(j);
                }
            }
        }
    }
    if order.len() < n {
        let stuck: Vec<&str> = (0..n)
            .filter(|i| !order.contains(i))
            .map(|i| items[i].name.as_str())
            .collect();
        return Err(ApprovalError::Cycle(stuck.join(" → ")));
    }
    let mut start = vec![0i64; n];
    let mut end = vec![0i64; n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    for &i in &order {
        for p in &items[i].prerequisites {
            let pi = index[p.as_str()];
            if end[pi] > start[i] || via[i].is_none() && end[pi] == start[i] && end[pi] > 0 {
                start[i] = end[pi];
                via[i] = Some(pi);
            }
        }
        end[i] = start[i] + items[i].days;
    }
    let critical_path_days = end.iter().copied().max().unwrap_or(0);
    let serial_days: i64 = items.iter().map(|i| i.days).sum();
    let mut critical_path = Vec::new();
    let mut critical = vec![false; n];
    if let Some(last) = order
        .iter()
        .copied()
        .rfind(|i| end[*i] == critical_path_days)
    {
        let mut cursor = Some(last);
        while let Some(i) = cursor {
            critical[i] = true;
            critical_path.push(items[i].code.clone());
            cursor = via[i];
        }
        critical_path.reverse();
    }
    Ok(ApprovalPlan {
        serial_days,
        critical_path_days,
        days_saved: serial_days - critical_path_days,
        items: order
            .iter()
            .map(|&i| ScheduledItem {
                code: items[i].code.clone(),
                name: items[i].name.clone(),
                start_day: start[i],
                end_day: end[i],
                critical: critical[i],
            })
            .collect(),
        critical_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, days: i64, pre: &[&str]) -> ApprovalItem {
        ApprovalItem {
            code: code.into(),
            name: code.into(),
            days,
            prerequisites: pre.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn typical() -> Vec<ApprovalItem> {
        vec![
            item("filing", 5, &[]),
            item("land", 20, &["filing"]),
            item("env", 30, &["filing"]),
            item("energy", 15, &["filing"]),
            item("planning", 20, &["land"]),
            item("construction", 15, &["planning", "env", "energy"]),
        ]
    }

    #[test]
    fn the_critical_path_is_shorter_than_the_serial_total() {
        let p = plan(&typical()).expect("valid");
        assert_eq!(p.serial_days, 105);
        assert_eq!(p.critical_path_days, 5 + 20 + 20 + 15);
        assert_eq!(p.days_saved, 45);
        assert_eq!(
            p.critical_path,
            vec!["filing", "land", "planning", "construction"]
        );
        let env = p.items.iter().find(|i| i.code == "env").expect("env");
        assert_eq!((env.start_day, env.end_day, env.critical), (5, 35, false));
    }

    #[test]
    fn bad_plans_are_refused() {
        let mut cyc = typical();
        cyc[0].prerequisites = vec!["construction".into()];
        assert!(matches!(plan(&cyc), Err(ApprovalError::Cycle(_))));
        let mut missing = typical();
        missing[1].prerequisites.push("nowhere".into());
        assert!(matches!(
            plan(&missing),
            Err(ApprovalError::MissingPrerequisite { .. })
        ));
        let mut negative = typical();
        negative[2].days = -1;
        assert!(matches!(
            plan(&negative),
            Err(ApprovalError::NegativeDuration(_))
        ));
        let mut dup = typical();
        dup.push(item("land", 1, &[]));
        assert!(matches!(plan(&dup), Err(ApprovalError::Duplicate(_))));
        assert_eq!(plan(&[]).expect("empty").critical_path_days, 0);
    }

    proptest::proptest! {
        #[test]
        fn critical_path_never_exceeds_serial(days in proptest::collection::vec(0i64..60, 1..10), seed in 0u64..1000) {
            // A random DAG: each item may depend on earlier ones.
            let items: Vec<ApprovalItem> = days.iter().enumerate().map(|(i, d)| {
                let pre: Vec<String> = (0..i).filter(|j| (seed >> (j % 60)) & 1 == 1 && (i + j) % 3 == 0).map(|j| format!("i{j}")).collect();
                ApprovalItem { code: format!("i{i}"), name: format!("i{i}"), days: *d, prerequisites: pre }
            }).collect();
            let p = plan(&items).expect("a DAG");
            proptest::prop_assert!(p.critical_path_days <= p.serial_days);
            proptest::prop_assert!(p.critical_path_days >= *days.iter().max().unwrap_or(&0));
            let on_path: i64 = p.critical_path.iter().map(|c| items.iter().find(|i| &i.code == c).map(|i| i.days).unwrap_or(0)).sum();
            proptest::prop_assert_eq!(on_path, p.critical_path_days);
        }
    }
}
