//! The ranking (赛马) of departments and towns, each kind ranked on its own. A unit's score
//! weighs up to three parts, each on 0–100:
//!
//! - timeliness (时效): the share of its due tasks accepted on time, in %, less
//!   `overdue_day_points` for each day its due tasks ran late on average (floored at 0);
//! - results (成效): the mean over its targets of completion against 序时进度, each capped at
//!   100 (a target ahead of time counts as fully on track);
//! - requests (诉求): the mean of those of its requests' shares that are decided — accepted on
//!   time, resolved on time, and rated 满意 or 基本满意 (`crate::requests`, as on the measures
//!   page): a department for the requests routed to it, a town for those of its firms.
//!
//! score = (w_t × timeliness + w_r × results + w_q × requests) / (w_t + w_r + w_q), where a part
//! the unit lacks (no target with a completion; no request with a decided share) leaves the sum
//! together with its weight: a unit without requests is scored on the other parts exactly as
//! before the requests part existed. A task is due when it was accepted (done) or its deadline
//! in force has passed; cancelled tasks and tasks still within their deadline (or waiting for
//! acceptance) do not count. A unit with no due task is listed as such (无到期任务) and not
//! ranked, never at 0, whatever its requests. Ties go to fewer overdue days, then to the name.

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
    /// Weight of requests (诉求), for the units that have some.
    pub requests: f64,
}

impl Default for RankingWeights {
    fn default() -> Self {
        Self {
            timeliness: 0.6,
            results: 0.4,
            overdue_day_points: 1.0,
            requests: 0.2,
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
        if !ok(self.requests) {
            return Err("the requests weight must be finite and not negative");
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

/// The requests (诉求) of one unit, as the measures count them (`crate::requests::Measures`).
#[derive(Debug, Clone)]
pub struct UnitRequests {
    pub kind: UnitKind,
    pub unit_id: i64,
    pub name: String,
    pub received: u32,
    /// Accepted on time, of the decided acceptances, in %.
    pub accepted_on_time_pct: Option<f64>,
    /// Resolved on time, of the decided resolutions, in %.
    pub resolved_on_time_pct: Option<f64>,
    /// 满意 and 基本满意, of the ratings, in %.
    pub satisfaction_pct: Option<f64>,
}

impl UnitRequests {
    /// The unit's requests from its measures.
    pub fn from_measures(
        kind: UnitKind,
        unit_id: i64,
        name: &str,
        m: &crate::requests::Measures,
    ) -> Self {
        Self {
            kind,
            unit_id,
            name: name.to_string(),
            received: m.received,
            accepted_on_time_pct: m.accepted_on_time_pct,
            resolved_on_time_pct: m.resolved_on_time_pct,
            satisfaction_pct: m.satisfaction_pct,
        }
    }

    /// The requests part, 0–100: the mean of the decided shares; None when none is decided.
    pub fn points(&self) -> Option<f64> {
        let shares: Vec<f64> = [
            self.accepted_on_time_pct,
            self.resolved_on_time_pct,
            self.satisfaction_pct,
        ]
        .into_iter()
        .flatten()
        .filter(|x| x.is_finite())
        .collect();
        (!shares.is_empty())
            .then(|| (shares.iter().sum::<f64>() / shares.len() as f64).clamp(0.0, 100.0))
    }
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
    /// Requests received (诉求件数).
    pub requests_received: i64,
    /// Requests part, 0–100; None without a request whose share is decided.
    pub requests: Option<f64>,
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
        requests_received: 0,
        requests: None,
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

/// Ranks the units of `tasks`, `targets` and `requests` under `weights`.
pub fn rank(
    tasks: impl IntoIterator<Item = RankedTask>,
    targets: impl IntoIterator<Item = UnitTarget>,
    requests: impl IntoIterator<Item = UnitRequests>,
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
    for q in requests {
        let r = find(&mut rows, q.kind, q.unit_id, &q.name);
        r.requests_received += i64::from(q.received);
        r.requests = q.points();
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
        r.score = r.timeliness.map(|t| {
            let mut sum = weights.timeliness * t;
            let mut weight = weights.timeliness;
            let mut other = false;
            for (part, w) in [(r.results, weights.results), (r.requests, weights.requests)] {
                if let (Some(p), true) = (part, w > 0.0) {
                    sum += w * p;
                    weight += w;
                    other = true;
                }
            }
            // No other part (or only parts weighted 0): the score is timeliness itself.
            if other && weight > 0.0 {
                sum / weight
            } else {
                t
            }
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
            requests: 0.0,
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
            [],
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
            requests: 1.0,
        };
        assert!(zero.check().is_err());
        let neg = RankingWeights {
            timeliness: -1.0,
            ..RankingWeights::default()
        };
        assert!(neg.check().is_err());
        let neg = RankingWeights {
            requests: -0.1,
            ..RankingWeights::default()
        };
        assert!(neg.check().is_err());
        let nan = RankingWeights {
            requests: f64::NAN,
            ..RankingWeights::default()
        };
        assert!(nan.check().is_err());
    }

    fn q(kind: UnitKind, id: i64, name: &str, shares: [Option<f64>; 3]) -> UnitRequests {
        UnitRequests {
            kind,
            unit_id: id,
            name: name.into(),
            received: 4,
            accepted_on_time_pct: shares[0],
            resolved_on_time_pct: shares[1],
            satisfaction_pct: shares[2],
        }
    }

    #[test]
    fn requests_weigh_in_only_for_units_that_have_them() {
        let w = RankingWeights {
            timeliness: 0.6,
            results: 0.4,
            overdue_day_points: 0.0,
            requests: 0.2,
        };
        let tasks = || {
            [
                t(Department, 1, "工信局", Done { late_days: 0 }),
                t(Department, 1, "工信局", Late { days: 2 }),
                t(Department, 2, "商务局", Done { late_days: 0 }),
                t(Town, 9, "胶西", Done { late_days: 0 }),
            ]
        };
        let targets = || [target(Department, 1, "工信局", 0.8)];
        let without = rank(tasks(), targets(), [], &w);
        let with = rank(
            tasks(),
            targets(),
            [
                // 100 % accepted on time, 50 % resolved on time, 90 % satisfied: 80 points.
                q(
                    Department,
                    1,
                    "工信局",
                    [Some(100.0), Some(50.0), Some(90.0)],
                ),
                // Nothing decided yet: no part, scored as before.
                q(Department, 2, "商务局", [None, None, None]),
                // Only acceptances decided: that share alone.
                q(Town, 9, "胶西", [Some(40.0), None, None]),
                // Requests but no due task: listed, not ranked.
                q(Town, 8, "洋河", [Some(100.0), Some(100.0), Some(100.0)]),
            ],
            &w,
        );
        let gx = |r: &Ranking| {
            r.departments
                .iter()
                .find(|x| x.unit_id == 1)
                .cloned()
                .expect("1")
        };
        // Without requests: (0.6 × 50 + 0.4 × 80) / 1.0 = 62.
        assert!((gx(&without).score.expect("s") - 62.0).abs() < 1e-9);
        assert_eq!(gx(&without).requests, None);
        // With them: (0.6 × 50 + 0.4 × 80 + 0.2 × 80) / 1.2 = 65.
        assert_eq!(gx(&with).requests, Some(80.0));
        assert_eq!(gx(&with).requests_received, 4);
        assert!((gx(&with).score.expect("s") - 65.0).abs() < 1e-9);
        let sw = |r: &Ranking| {
            r.departments
                .iter()
                .find(|x| x.unit_id == 2)
                .cloned()
                .expect("2")
        };
        assert_eq!(sw(&with).requests, None);
        assert_eq!(
            sw(&with).score,
            sw(&without).score,
            "no decided request: unchanged"
        );
        assert_eq!(sw(&with).requests_received, 4, "still counted as received");
        let jx = with.towns.iter().find(|x| x.unit_id == 9).expect("胶西");
        // (0.6 × 100 + 0.2 × 40) / 0.8 = 85.
        assert!((jx.score.expect("s") - 85.0).abs() < 1e-9);
        let yh = with.towns.iter().find(|x| x.unit_id == 8).expect("洋河");
        assert_eq!((yh.requests, yh.score, yh.rank), (Some(100.0), None, None));
        // A zero weight leaves every score as without requests.
        let zero = rank(
            tasks(),
            targets(),
            [q(
                Department,
                1,
                "工信局",
                [Some(0.0), Some(0.0), Some(0.0)],
            )],
            &RankingWeights { requests: 0.0, ..w },
        );
        assert_eq!(gx(&zero).score, gx(&without).score);
    }

    #[test]
    fn the_requests_part_is_the_mean_of_the_decided_shares() {
        let x = q(Town, 1, "甲", [Some(100.0), None, Some(50.0)]);
        assert_eq!(x.points(), Some(75.0));
        assert_eq!(q(Town, 1, "甲", [None, None, None]).points(), None);
        assert_eq!(
            q(Town, 1, "甲", [Some(f64::NAN), Some(20.0), None]).points(),
            Some(20.0)
        );
    }
}
