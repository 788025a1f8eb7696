//! The counting and the arithmetic behind the headline figures and the gap ledger (METHODS.md
//! §6): projects signed in a span of dates by tier, and how the GDP gap is covered by tasks and
//! by the project pipeline. Pure functions; the application layer reads the data and labels
//! the results.

use crate::pipeline::{PipelineContribution, PipelineRules};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the count of signed projects needs to know of one project.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedProject {
    /// The tier of the project's track (None when it has no track).
    pub tier: Option<i64>,
    /// Total investment in yuan.
    pub investment: Option<i64>,
    /// ISO date the project was signed, None when it is not signed.
    pub signed_on: Option<String>,
}

/// Projects and investment signed in a span, in all and by tier.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SignedTally {
    pub projects: i64,
    /// Yuan.
    pub investment: i64,
    /// tier id → (projects, investment in yuan); projects without a tier are counted in the
    /// totals only.
    pub by_tier: BTreeMap<i64, (i64, i64)>,
}

/// Counts the projects signed between `from` and `to` (ISO dates, both included).
pub fn tally_signed(projects: &[SignedProject], from: &str, to: &str) -> SignedTally {
    let mut out = SignedTally::default();
    for p in projects {
        let Some(on) = p.signed_on.as_deref() else {
            continue;
        };
        if on < from || on > to {
            continue;
        }
        let investment = p.investment.unwrap_or(0);
        out.projects += 1;
        out.investment += investment;
        if let Some(tier) = p.tier {
            let slot = out.by_tier.entry(tier).or_insert((0, 0));
            slot.0 += 1;
            slot.1 += investment;
        }
    }
    out
}

/// A task as the ledger counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerTask {
    /// Still working towards its effect (open, claimed, in progress, overdue).
    pub open: bool,
    /// Done (its expected effect is counted as delivered).
    pub done: bool,
    pub expected_pp: Option<f64>,
}

/// The pipeline's contribution of one month of production start.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LedgerMonth {
    pub month: u32,
    pub producing_pp: f64,
    pub on_schedule_pp: f64,
    /// Late projects at their slipped value (what the ledger counts).
    pub late_pp: f64,
    pub projects: usize,
}

/// The gap ledger (METHODS.md §6). All figures in percentage points of GDP growth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ledger {
    /// GDP growth − target; negative is a shortfall.
    pub gap_pp: f64,
    pub tasks_open: usize,
    pub tasks_open_pp: f64,
    pub tasks_done: usize,
    pub tasks_done_pp: f64,
    /// Open or done tasks without an expected effect (counted as zero).
    pub tasks_without_estimate: usize,
    /// Projects already producing this year.
    pub producing_pp: f64,
    /// Projects not yet producing, on schedule.
    pub on_schedule_pp: f64,
    /// Late projects if they slip (counted), and what they would add on schedule (not counted).
    pub late_pp: f64,
    pub late_on_schedule_pp: f64,
    pub by_month: Vec<LedgerMonth>,
    /// Tasks and pipeline together.
    pub covered_pp: f64,
    /// gap + covered: what is left (negative) or the margin (positive).
    pub balance_pp: f64,
    /// The part of the shortfall nothing covers yet (≥ 0).
    pub uncovered_pp: f64,
}

/// The part of a contribution starting in `month` that falls after `end_month`: the months
/// up to the period's end are in the reported statistics already.
fn still_to_come(pp: f64, month: u32, end_month: u32) -> f64 {
    if !(1..=12).contains(&month) {
        return 0.0;
    }
    let from = month.max(end_month + 1);
    if from > 12 {
        return 0.0;
    }
    pp * f64::from(13 - from) / f64::from(13 - month)
}

/// Puts the gap of the months to `end_month` against what the tasks and the pipeline are
/// expected to close in the rest of the year. A project counts only for its months of
/// production after `end_month` (the earlier ones are in the statistics); a late one at the
/// month it would start if it slipped.
pub fn ledger(
    gap_pp: f64,
    tasks: &[LedgerTask],
    pipeline: &PipelineContribution,
    rules: &PipelineRules,
    end_month: u32,
) -> Ledger {
    let sum = |f: &dyn Fn(&LedgerTask) -> bool| -> (usize, f64) {
        let mine: Vec<&LedgerTask> = tasks.iter().filter(|t| f(t)).collect();
        (
            mine.len(),
            // + 0.0: an empty sum is −0.0, which would print as "-0.00".
            mine.iter().filter_map(|t| t.expected_pp).sum::<f64>() + 0.0,
        )
    };
    let (tasks_open, tasks_open_pp) = sum(&|t| t.open);
    let (tasks_done, tasks_done_pp) = sum(&|t| t.done);
    let tasks_without_estimate = tasks
        .iter()
        .filter(|t| (t.open || t.done) && t.expected_pp.is_none())
        .count();
    let mut months: BTreeMap<u32, LedgerMonth> = BTreeMap::new();
    let (mut producing_pp, mut on_schedule_pp, mut late_pp, mut late_on_schedule_pp) =
        (0.0, 0.0, 0.0, 0.0);
    for p in &pipeline.projects {
        let Some(month) = p.production_month else {
            continue;
        };
        let on_schedule = still_to_come(p.contribution_pp, month, end_month);
        let slipped = still_to_come(
            p.contribution_if_slipping_pp,
            month + rules.slip_months,
            end_month,
        );
        let slot = months.entry(month).or_insert_with(|| LedgerMonth {
            month,
            ..LedgerMonth::default()
        });
        slot.projects += 1;
        if p.producing {
            producing_pp += on_schedule;
            slot.producing_pp += on_schedule;
        } else if p.late {
            late_pp += slipped;
            late_on_schedule_pp += on_schedule;
            slot.late_pp += slipped;
        } else {
            on_schedule_pp += on_schedule;
            slot.on_schedule_pp += on_schedule;
        }
    }
    let covered_pp = tasks_open_pp + tasks_done_pp + producing_pp + on_schedule_pp + late_pp;
    let balance_pp = gap_pp + covered_pp;
    Ledger {
        gap_pp,
        tasks_open,
        tasks_open_pp,
        tasks_done,
        tasks_done_pp,
        tasks_without_estimate,
        producing_pp,
        on_schedule_pp,
        late_pp,
        late_on_schedule_pp,
        by_month: months.into_values().collect(),
        covered_pp,
        balance_pp,
        uncovered_pp: (-balance_pp).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{contribution, PipelineProject};

    fn signed(tier: Option<i64>, investment: i64, on: Option<&str>) -> SignedProject {
        SignedProject {
            tier,
            investment: Some(investment),
            signed_on: on.map(str::to_string),
        }
    }

    #[test]
    fn only_the_months_after_the_period_are_still_to_come() {
        assert!((still_to_come(1.0, 3, 9) - 0.3).abs() < 1e-12);
        assert_eq!(still_to_come(1.0, 10, 9), 1.0);
        assert_eq!(still_to_come(1.0, 3, 12), 0.0);
        assert_eq!(still_to_come(1.0, 13, 9), 0.0);
    }

    #[test]
    fn counts_projects_signed_in_the_span_by_tier() {
        let t = tally_signed(
            &[
                signed(Some(1), 100, Some("2025-03-01")),
                signed(Some(1), 50, Some("2025-09-30")),
                signed(Some(2), 7, Some("2025-01-01")),
                signed(None, 3, Some("2025-05-05")),
                signed(Some(2), 1000, Some("2024-12-31")),
                signed(Some(2), 1000, Some("2025-10-01")),
                signed(Some(2), 1000, None),
            ],
            "2025-01-01",
            "2025-09-30",
        );
        assert_eq!(t.projects, 4);
        assert_eq!(t.investment, 160);
        assert_eq!(t.by_tier.get(&1), Some(&(2, 150)));
        assert_eq!(t.by_tier.get(&2), Some(&(1, 7)));
    }

    #[test]
    fn the_ledger_covers_the_gap_with_tasks_and_the_pipeline() {
        let gdp = 1000e8;
        let p = |id, month, producing, late| PipelineProject {
            id,
            name: String::new(),
            value_added_at_capacity: 12e8,
            production_month: Some(month),
            producing,
            late,
        };
        // 12 亿 at capacity, half-ramp: from October 0.15 pp; from March 0.5 pp, of which the
        // months after September (3 of 10) are still to come: 0.15 pp.
        let c = contribution(
            &[
                p(1, 3, true, false),
                p(2, 10, false, false),
                p(3, 10, false, true),
            ],
            gdp,
            &PipelineRules::default(),
        );
        let tasks = [
            LedgerTask {
                open: true,
                done: false,
                expected_pp: Some(0.1),
            },
            LedgerTask {
                open: false,
                done: true,
                expected_pp: Some(0.05),
            },
            LedgerTask {
                open: true,
                done: false,
                expected_pp: None,
            },
        ];
        let rules = PipelineRules::default();
        let l = ledger(-1.0, &tasks, &c, &rules, 9);
        assert!((l.tasks_open_pp - 0.1).abs() < 1e-12);
        assert_eq!(l.tasks_open, 2);
        assert_eq!(l.tasks_without_estimate, 1);
        assert!((l.producing_pp - 0.15).abs() < 1e-9, "{}", l.producing_pp);
        assert!((l.on_schedule_pp - 0.15).abs() < 1e-9);
        assert_eq!(l.late_pp, 0.0, "October + 3 months is next year");
        assert!((l.late_on_schedule_pp - 0.15).abs() < 1e-9);
        assert!((l.covered_pp - 0.45).abs() < 1e-9);
        assert!((l.uncovered_pp - 0.55).abs() < 1e-9);
        assert_eq!(
            l.by_month.iter().map(|m| m.month).collect::<Vec<_>>(),
            vec![3, 10]
        );
        // More than enough: nothing uncovered, a margin.
        let l = ledger(-0.1, &tasks, &c, &rules, 9);
        assert_eq!(l.uncovered_pp, 0.0);
        assert!(l.balance_pp > 0.0);
    }
}
