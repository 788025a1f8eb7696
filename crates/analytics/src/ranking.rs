//! The ranking by on-time completion (赛马): departments and towns ordered by the share of
//! their tasks done by the deadline. Cancelled tasks do not count; a task done late counts
//! against the rate; ties go to fewer overdue tasks, then to the name.

use serde::Serialize;

/// How one task of a department or town ended, or where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    Cancelled,
    DoneOnTime,
    DoneLate,
    Overdue,
    /// Open, claimed or in progress.
    Running,
}

/// One task as the ranking counts it, under the department or town it is ranked for.
#[derive(Debug, Clone)]
pub struct RankedTask {
    /// "department" or "town".
    pub kind: String,
    pub name: String,
    pub outcome: TaskOutcome,
}

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankRow {
    pub kind: String,
    pub name: String,
    /// Tasks counted: every task but the cancelled ones.
    pub total: i64,
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub open: i64,
    /// Done on time / total, in %; `None` without a counted task.
    pub on_time_rate: Option<f64>,
}

/// Ranks departments and towns by their on-time rate, best first.
pub fn rank(tasks: impl IntoIterator<Item = RankedTask>) -> Vec<RankRow> {
    let mut out: Vec<RankRow> = Vec::new();
    for t in tasks {
        let idx = match out
            .iter()
            .position(|r| r.kind == t.kind && r.name == t.name)
        {
            Some(i) => i,
            None => {
                out.push(RankRow {
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                    total: 0,
                    done_on_time: 0,
                    done_late: 0,
                    overdue: 0,
                    open: 0,
                    on_time_rate: None,
                });
                out.len() - 1
            }
        };
        let r = &mut out[idx];
        match t.outcome {
            TaskOutcome::Cancelled => continue,
            TaskOutcome::DoneOnTime => r.done_on_time += 1,
            TaskOutcome::DoneLate => r.done_late += 1,
            TaskOutcome::Overdue => r.overdue += 1,
            TaskOutcome::Running => r.open += 1,
        }
        r.total += 1;
    }
    for r in &mut out {
        r.on_time_rate = (r.total > 0).then(|| r.done_on_time as f64 / r.total as f64 * 100.0);
    }
    out.sort_by(|a, b| {
        b.on_time_rate
            .unwrap_or(-1.0)
            .total_cmp(&a.on_time_rate.unwrap_or(-1.0))
            .then(a.overdue.cmp(&b.overdue))
            .then(a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::TaskOutcome::*;
    use super::*;

    fn t(kind: &str, name: &str, outcome: TaskOutcome) -> RankedTask {
        RankedTask {
            kind: kind.into(),
            name: name.into(),
            outcome,
        }
    }

    #[test]
    fn ranks_by_the_on_time_rate() {
        let rows = rank([
            t("department", "工信局", DoneOnTime),
            t("department", "工信局", DoneLate),
            t("department", "工信局", Cancelled),
            t("department", "商务局", DoneOnTime),
            t("department", "商务局", Running),
            t("department", "商务局", Overdue),
            t("town", "胶西", DoneOnTime),
            t("town", "洋河", Cancelled),
        ]);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["胶西", "工信局", "商务局", "洋河"]);
        assert_eq!(rows[1].total, 2, "a cancelled task does not count");
        assert_eq!(rows[1].on_time_rate, Some(50.0));
        assert!((rows[2].on_time_rate.expect("rate") - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!((rows[2].overdue, rows[2].open), (1, 1));
        assert_eq!(rows[3].on_time_rate, None, "nothing counted, last");
    }

    #[test]
    fn ties_go_to_fewer_overdue_tasks() {
        let rows = rank([
            t("town", "甲", Overdue),
            t("town", "甲", DoneOnTime),
            t("town", "乙", Running),
            t("town", "乙", DoneOnTime),
        ]);
        assert_eq!(rows[0].name, "乙");
    }
}
