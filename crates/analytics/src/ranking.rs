//! The ranking (赛马) of departments and towns, each kind ranked on its own. A unit's score
//! weighs two parts, each on 0–100:
//!
//! - timeliness (时效): the share of its due tasks accepted on time, in %, less
//!   `overdue_day_points` for each day its due tasks ran late on average (floored at 0);
//! - results (成效): the mean over its targets of completion against 序时进度, each capped at
//!   100 (a target ahead of time counts as fully on track).
//!
//! score = (w_t × timeliness + w_r × results) / (w_t + w_r); a unit without a target that has
//! a completion is scored on timeliness alone. A task is due when it was accepted (done) or
//! its deadline in force has passed; cancelled tasks and tasks still within their deadline
//! (or waiting for acceptance) do not count. A unit with no due task is listed as such
//! (无到期任务) and not ranked, never at 0. Ties go to fewer overdue days, then to the name.

use serde::Serialize;

/// Whether a unit is a department or a town (镇街); the two are ranked separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Department,
    Town,
}

impl UnitKind {
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Department => "部门",
            UnitKind::Town => "镇街",
        }
    }
}

/// The weights of the score (configuration: `[ranking]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankingWeights {
    /// Weight of timeliness (时效).
    pub timeliness: f64,
    /// Weight of results (成效).
    pub results: f64,
    /// Points of timeliness lost per day of mean lateness of the due tasks.
    pub overdue_day_points: f64,
}

impl Default for RankingWeights {
    fn default() -> Self {
        Self {
            timeliness: 0.6,
            results: 0.4,
            overdue_day_points: 1.0,
        }
    }
}

impl RankingWeights {
    /// Weights are finite, not negative, and not both zero; the day penalty lies in 0–100.
    pub fn check(&self) -> Result<(), &'static str> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(self.timeliness) || !ok(self.results) || self.timeliness + self.results <= 0.0 {
            return Err("weights must be finite, not negative, and not both zero");
        }
        if !ok(self.overdue_day_points) || self.overdue_day_points > 100.0 {
            return Err("overdue_day_points must lie between 0 and 100");
        }
        Ok(())
    }
}

/// How one task of a unit stands, as of today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    Cancelled,
    /// Accepted (验收); `late_days` after its deadline in force (0 = on time).
    Done {
        late_days: i64,
    },
    /// Not accepted and past its deadline in force by `days`.
    Late {
        days: i64,
    },
    /// Within its deadline, or waiting for acceptance: not yet due.
    Running,
}

/// One task under the unit it is ranked for.
#[derive(Debug, Clone)]
pub struct RankedTask {
    pub kind: UnitKind,
    pub unit_id: i64,
    pub name: String,
    pub outcome: TaskOutcome,
}

/// One target of a unit: completion against 序时进度 (1.0 = exactly on time), when known.
#[derive(Debug, Clone)]
pub struct UnitTarget {
    pub kind: UnitKind,
    pub unit_id: i64,
    pub name: String,
    pub ratio: f64,
}

/// One line of the ranking, with its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankRow {
    pub kind: UnitKind,
    pub unit_id: i64,
    pub name: String,
    /// Tasks counted: all but the cancelled.
    pub total: i64,
    /// Tasks due: accepted, or past their deadline.
    pub due: i64,
    pub done_on_time: i64,
    pub done_late: i64,
    /// Past the deadline and not accepted.
    pub overdue: i64,
    /// Not yet due.
    pub running: i64,
    /// Days late summed over the due tasks.
    pub overdue_days: i64,
    /// Done on time / due, in %.
    pub on_time_rate: Option<f64>,
    /// Timeliness part, 0–100; None without a due task.
    pub timeliness: Option<f64>,
    /// Targets with a completion.
    pub targets: i64,
    /// Results part, 0–100; None without such a target.
    pub results: Option<f64>,
    /// The score, 0–100; None when not ranked (no due task).
    pub score: Option<f64>,
    /// 1-based place among its kind; None when not ranked.
    pub rank: Option<i64>,
}

/// Departments and towns, each ranked on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub weights: RankingWeights,
    pub departments: Vec<RankRow>,
    pub towns: Vec<RankRow>,
}

fn row(kind: UnitKind, unit_id: i64, name: &str) -> RankRow {
    RankRow {
        kind,
        unit_id,
        name: name.to_string(),
        total: 0,
        due: 0,
        done_on_time: 0,
        done_late: 0,
        overdue: 0,
        running: 0,
        overdue_days: 0,
        on_time_rate: None,
        timeliness: None,
        targets: 0,
        results: None,
        score: None,
        rank: None,
    }
}

fn find<'a>(rows: &'a mut Vec<RankRow>, kind: UnitKind, id: i64, name: &str) -> &'a mut RankRow {
    let i = match rows.iter().position(|r| r.kind == kind && r.unit_id == id) {
        Some(i) => i,
        None => {
            rows.push(row(kind, id, name));
            rows.len() - 1
        }
    };
    &mut rows[i]
}

/// Ranks the units of `tasks` and `targets` under `weights`.
pub fn rank(
    tasks: impl IntoIterator<Item = RankedTask>,
    targets: impl IntoIterator<Item = UnitTarget>,
    weights: &RankingWeights,
) -> Ranking {
    let mut rows: Vec<RankRow> = Vec::new();
    let mut ratio_sums: Vec<(UnitKind, i64, f64)> = Vec::new();
    for t in tasks {
        let r = find(&mut rows, t.kind, t.unit_id, &t.name);
        match t.outcome {
            TaskOutcome::Cancelled => continue,
            TaskOutcome::Done { late_days } if late_days <= 0 => {
                r.done_on_time += 1;
                r.due += 1;
            }
            TaskOutcome::Done { late_days } => {
                r.done_late += 1;
                r.due += 1;
                r.overdue_days += late_days;
            }
            TaskOutcome::Late { days } => {
                r.overdue += 1;
                r.due += 1;
                r.overdue_days += days.max(0);
            }
            TaskOutcome::Running => r.running += 1,
        }
        r.total += 1;
    }
    for t in targets {
        if !t.ratio.is_finite() {
            continue;
        }
        let r = find(&mut rows, t.kind, t.unit_id, &t.name);
        r.targets += 1;
        match ratio_sums
            .iter_mut()
            .find(|(k, id, _)| *k == t.kind && *id == t.unit_id)
        {
            Some(s) => s.2 += t.ratio.clamp(0.0, 1.0),
            None => ratio_sums.push((t.kind, t.unit_id, t.ratio.clamp(0.0, 1.0))),
        }
    }
    for r in &mut rows {
        if r.due > 0 {
            let rate = r.done_on_time as f64 / r.due as f64 * 100.0;
            let mean_days = r.overdue_days as f64 / r.due as f64;
            r.on_time_rate = Some(rate);
            r.timeliness = Some((rate - weights.overdue_day_points * mean_days).clamp(0.0, 100.0));
        }
        if r.targets > 0 {
            let sum = ratio_sums
                .iter()
                .find(|(k, id, _)| *k == r.kind && *id == r.unit_id)
                .map_or(0.0, |s| s.2);
            r.results = Some(sum / r.targets as f64 * 100.0);
        }
        r.score = r.timeliness.map(|t| match r.results {
            Some(res) => {
                (weights.timeliness * t + weights.results * res)
                    / (weights.timeliness + weights.results)
            }
            None => t,
        });
    }
    let (mut departments, mut towns): (Vec<RankRow>, Vec<RankRow>) = rows
        .into_iter()
        .partition(|r| r.kind == UnitKind::Department);
    for list in [&mut departments, &mut towns] {
        list.sort_by(|a, b| {
            b.score
                .unwrap_or(-1.0)
                .total_cmp(&a.score.unwrap_or(-1.0))
                .then(a.overdue_days.cmp(&b.overdue_days))
                .then(a.name.cmp(&b.name))
        });
        let mut place = 0;
        for r in list.iter_mut() {
            if r.score.is_some() {
                place += 1;
                r.rank = Some(place);
            }
        }
    }
    Ranking {
        weights: *weights,
        departments,
        towns,
    }
}

#[cfg(test)]
mod tests {
    use super::TaskOutcome::*;
    use super::UnitKind::*;
    use super::*;

    fn t(kind: UnitKind, id: i64, name: &str, outcome: TaskOutcome) -> RankedTask {
        RankedTask {
            kind,
            unit_id: id,
            name: name.into(),
            outcome,
        }
    }

    fn target(kind: UnitKind, id: i64, name: &str, ratio: f64) -> UnitTarget {
        UnitTarget {
            kind,
            unit_id: id,
            name: name.into(),
            ratio,
        }
    }

    #[test]
    fn departments_and_towns_are_ranked_apart() {
        let r = rank(
            [
                t(Department, 1, "工信局", Done { late_days: 0 }),
                t(Department, 1, "工信局", Done { late_days: 4 }),
                t(Department, 1, "工信局", Cancelled),
                t(Department, 2, "商务局", Done { late_days: 0 }),
                t(Department, 2, "商务局", Running),
                t(Town, 9, "胶西", Late { days: 10 }),
                t(Town, 8, "洋河", Running),
            ],
            [],
            &RankingWeights::default(),
        );
        let names: Vec<&str> = r.departments.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["商务局", "工信局"]);
        let gx = &r.departments[1];
        assert_eq!((gx.total, gx.due, gx.overdue_days), (2, 2, 4));
        // 50 % on time less 1 point × 2 mean days late.
        assert!((gx.timeliness.expect("t") - 48.0).abs() < 1e-9);
        assert_eq!(gx.score, gx.timeliness, "no target: timeliness alone");
        assert_eq!(r.departments[0].due, 1, "a running task is not due");
        assert_eq!(r.departments[0].score, Some(100.0));
        assert_eq!(r.towns[0].name, "胶西");
        assert_eq!(r.towns[0].rank, Some(1));
        assert_eq!(r.towns[0].timeliness, Some(0.0), "floored at 0");
        let yh = &r.towns[1];
        assert_eq!(
            (yh.score, yh.rank),
            (None, None),
            "nothing due: not ranked, not 0"
        );
    }

    #[test]
    fn results_weigh_in_with_the_configured_weights() {
        let w = RankingWeights {
            timeliness: 0.5,
            results: 0.5,
            overdue_day_points: 0.0,
        };
        let r = rank(
            [
                t(Town, 1, "甲", Done { late_days: 0 }),
                t(Town, 2, "乙", Done { late_days: 0 }),
            ],
            [
                target(Town, 1, "甲", 0.5),
                target(Town, 1, "甲", 1.5),
                target(Town, 2, "乙", 0.9),
                target(Town, 3, "丙", 1.0),
            ],
            &w,
        );
        let a = r.towns.iter().find(|x| x.name == "甲").expect("甲");
        // (0.5 + 1.0 capped) / 2 = 75; (100 + 75) / 2.
        assert_eq!(a.results, Some(75.0));
        assert_eq!(a.score, Some(87.5));
        assert_eq!(r.towns[0].name, "乙", "95 beats 87.5");
        let c = r.towns.iter().find(|x| x.name == "丙").expect("丙");
        assert_eq!(c.rank, None, "targets but nothing due: not ranked");
    }

    #[test]
    fn ties_go_to_fewer_overdue_days_and_weights_are_checked() {
        let r = rank(
            [
                t(Town, 1, "甲", Done { late_days: 0 }),
                t(Town, 1, "甲", Late { days: 0 }),
                t(Town, 2, "乙", Done { late_days: 0 }),
                t(Town, 2, "乙", Late { days: 3 }),
            ],
            [],
            &RankingWeights {
                overdue_day_points: 0.0,
                ..RankingWeights::default()
            },
        );
        assert_eq!(r.towns[0].name, "甲");
        assert_eq!(r.towns[1].rank, Some(2));
        assert!(RankingWeights::default().check().is_ok());
        let zero = RankingWeights {
            timeliness: 0.0,
            results: 0.0,
            overdue_day_points: 1.0,
        };
        assert!(zero.check().is_err());
        let neg = RankingWeights {
            timeliness: -1.0,
            ..RankingWeights::default()
        };
        assert!(neg.check().is_err());
    }
}
