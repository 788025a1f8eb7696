//! What projects add (METHODS.md §4): a producing project's value added this year is its value
//! added at capacity × the share of the year it produces × its ramp-up factor; its contribution
//! to GDP growth is that value added over last year's GDP, in percentage points.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineProject {
    pub id: i64,
    pub name: String,
    /// Value added per year at full capacity, in yuan.
    pub value_added_at_capacity: f64,
    /// Month of the analysed year in which production starts (1–12); None when not this year.
    pub production_month: Option<u32>,
    /// Already producing (its output is in the statistics already).
    pub producing: bool,
    /// Behind schedule (stalled): in the "late ones slip" scenario it starts `slip_months` later.
    pub late: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PipelineRules {
    /// Share of capacity reached in the first year of production.
    pub ramp_up: f64,
    /// Months a late project slips.
    pub slip_months: u32,
}

impl Default for PipelineRules {
    fn default() -> Self {
        Self {
            ramp_up: 0.5,
            slip_months: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectContribution {
    pub id: i64,
    pub name: String,
    pub production_month: Option<u32>,
    pub producing: bool,
    pub late: bool,
    /// Value added this year on schedule (yuan).
    pub value_added_this_year: f64,
    pub contribution_pp: f64,
    /// If it slips (late projects only; equal to the schedule otherwise).
    pub contribution_if_slipping_pp: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthContribution {
    pub month: u32,
    pub contribution_pp: f64,
    pub projects: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineContribution {
    /// Projects contributing this year, largest first.
    pub projects: Vec<ProjectContribution>,
    pub by_month: Vec<MonthContribution>,
    /// Contribution of projects not yet producing, on schedule.
    pub upcoming_on_schedule_pp: f64,
    /// The same if the late ones slip.
    pub upcoming_if_late_slip_pp: f64,
    /// Already producing (in the statistics).
    pub producing_pp: f64,
}

/// Value added a project brings in the year when it starts producing in `month`.
pub fn value_added_in_year(at_capacity: f64, month: u32, ramp_up: f64) -> f64 {
    if !(1..=12).contains(&month) {
        return 0.0;
    }
    at_capacity * f64::from(13 - month) / 12.0 * ramp_up
}

/// Each project's expected contribution this year; `last_year_gdp` in yuan.
pub fn contribution(
    projects: &[PipelineProject],
    last_year_gdp: f64,
    rules: &PipelineRules,
) -> PipelineContribution {
    let pp = |va: f64| {
        if last_year_gdp > 0.0 {
            va / last_year_gdp * 100.0
        } else {
            0.0
        }
    };
    let mut out: Vec<ProjectContribution> = projects
        .iter()
        .filter_map(|p| {
            let month = p.production_month?;
            let va = value_added_in_year(p.value_added_at_capacity, month, rules.ramp_up);
            let slipped = if p.late && !p.producing {
                value_added_in_year(
                    p.value_added_at_capacity,
                    month + rules.slip_months,
                    rules.ramp_up,
                )
            } else {
                va
            };
            Some(ProjectContribution {
                id: p.id,
                name: p.name.clone(),
                production_month: Some(month),
                producing: p.producing,
                late: p.late,
                value_added_this_year: va,
                contribution_pp: pp(va),
                contribution_if_slipping_pp: pp(slipped),
            })
        })
        .filter(|c| c.value_added_this_year > 0.0)
        .collect();
    out.sort_by(|a, b| {
        b.contribution_pp
            .total_cmp(&a.contribution_pp)
            .then(a.id.cmp(&b.id))
    });
    let mut by_month: Vec<MonthContribution> = (1..=12)
        .map(|m| MonthContribution {
            month: m,
            contribution_pp: 0.0,
            projects: 0,
        })
        .collect();
    for c in &out {
        if let Some(m) = c.production_month {
            let slot = &mut by_month[(m - 1) as usize];
            slot.contribution_pp += c.contribution_pp;
            slot.projects += 1;
        }
    }
    by_month.retain(|m| m.projects > 0);
    let upcoming: Vec<&ProjectContribution> = out.iter().filter(|c| !c.producing).collect();
    PipelineContribution {
        upcoming_on_schedule_pp: upcoming.iter().map(|c| c.contribution_pp).sum(),
        upcoming_if_late_slip_pp: upcoming.iter().map(|c| c.contribution_if_slipping_pp).sum(),
        producing_pp: out
            .iter()
            .filter(|c| c.producing)
            .map(|c| c.contribution_pp)
            .sum(),
        projects: out,
        by_month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        id: i64,
        va_yi: f64,
        month: Option<u32>,
        producing: bool,
        late: bool,
    ) -> PipelineProject {
        PipelineProject {
            id,
            name: format!("p{id}"),
            value_added_at_capacity: va_yi * 1e8,
            production_month: month,
            producing,
            late,
        }
    }

    #[test]
    fn value_added_follows_the_months_produced_and_the_ramp_up() {
        // 12 亿元 a year at capacity, producing from October at half capacity: 3 months × 1 亿 × 0.5.
        assert!((value_added_in_year(12e8, 10, 0.5) - 1.5e8).abs() < 1e-3);
        assert!((value_added_in_year(12e8, 1, 1.0) - 12e8).abs() < 1e-3);
        assert_eq!(value_added_in_year(12e8, 13, 0.5), 0.0);
    }

    #[test]
    fn contributions_are_in_pp_of_last_years_gdp_and_late_ones_slip() {
        let gdp = 1728.04e8;
        let c = contribution(
            &[
                project(1, 12.0, Some(10), false, false),
                project(2, 24.0, Some(11), false, true),
                project(3, 6.0, Some(3), true, false),
                project(4, 50.0, None, false, false),
            ],
            gdp,
            &PipelineRules::default(),
        );
        assert_eq!(
            c.projects.len(),
            3,
            "no production month this year, no contribution"
        );
        let p1 = c.projects.iter().find(|p| p.id == 1).expect("p1");
        assert!((p1.contribution_pp - 1.5e8 / gdp * 100.0).abs() < 1e-12);
        let p2 = c.projects.iter().find(|p| p.id == 2).expect("p2");
        assert_eq!(
            p2.contribution_if_slipping_pp, 0.0,
            "November + 3 months is next year"
        );
        assert!(c.upcoming_if_late_slip_pp < c.upcoming_on_schedule_pp);
        assert!((c.producing_pp - value_added_in_year(6e8, 3, 0.5) / gdp * 100.0).abs() < 1e-12);
        assert_eq!(
            c.by_month.iter().map(|m| m.month).collect::<Vec<_>>(),
            vec![3, 10, 11]
        );
        assert!(
            c.projects
                .windows(2)
                .all(|w| w[0].contribution_pp >= w[1].contribution_pp),
            "largest first"
        );
    }
}
