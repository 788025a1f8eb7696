//! Assembles the land step (打项目): a project's approval plan through `analytics::approval`,
//! stall warnings, who may see a confidential project's real name, and the pipeline's
//! contribution to this year's GDP growth (METHODS.md §4) for the locate page, the API and the
//! command line.

use analytics::approval::{ApprovalItem, ApprovalPlan};
use analytics::pipeline::{PipelineContribution, PipelineProject, PipelineRules};
use domain::project::{Stage, StallRules};
use domain::Status;
use serde::Serialize;
use store::land::{ProjectDetail, ProjectRow};
use store::Store;

/// The approval plan of a project as scheduled with its prerequisites.
pub fn approval_plan(
    detail: &ProjectDetail,
) -> Result<ApprovalPlan, analytics::approval::ApprovalError> {
    let items: Vec<ApprovalItem> = detail
        .approvals
        .iter()
        .map(|a| ApprovalItem {
            code: a.code.clone(),
            name: a.name.clone(),
            days: a.planned_days,
            prerequisites: a.prerequisite_codes(),
        })
        .collect();
    analytics::approval::plan(&items)
}

/// Days since the project's last stage change or service record.
pub fn idle_days(p: &ProjectRow, today: time::Date) -> i64 {
    domain::period::parse_date(p.last_activity_at.get(..10).unwrap_or(""))
        .map(|d| (today - d).whole_days())
        .unwrap_or(0)
}

pub fn stall_status(p: &ProjectRow, today: time::Date, rules: &StallRules) -> Status {
    rules.status(p.stage(), idle_days(p, today))
}

/// The access facts of a project, given its track's facts.
pub fn project_facts(
    p: &ProjectRow,
    track: Option<domain::access::TrackFacts>,
) -> domain::ProjectFacts {
    domain::ProjectFacts {
        town: p.town_id,
        confidential: !p.code_name.trim().is_empty(),
        track,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PipelineReport {
    pub region: String,
    pub period: String,
    pub gap_pp: f64,
    pub last_year_gdp_yi: f64,
    pub contribution: PipelineContribution,
    /// The gap left if every project not yet producing lands on schedule.
    pub gap_if_on_schedule_pp: f64,
    /// The gap left if the late ones slip.
    pub gap_if_late_slip_pp: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Locate(#[from] crate::locate::LocateError),
    #[error("缺少上年地区生产总值（指标 gdp 的“上年全年”），无法折算项目对增速的贡献")]
    NoGdpBase,
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// The projects' expected contribution to this year's growth, against the gap of `period`.
pub async fn pipeline_report(
    store: &Store,
    region: &str,
    period: domain::Period,
    config: &crate::Config,
) -> Result<PipelineReport, PipelineError> {
    let report =
        crate::locate::build_report(store, region, period, None, &config.warning_rules).await?;
    let gdp = store
        .observations_of_year(region, period.year())
        .await?
        .into_iter()
        .filter(|o| o.indicator == "gdp")
        .filter_map(|o| o.last_year_total)
        .next_back()
        .ok_or(PipelineError::NoGdpBase)?;
    let today = store.now().date();
    let stall = config.stall;
    let year = period.year();
    let projects: Vec<PipelineProject> = store
        .projects(region)
        .await?
        .iter()
        .filter(|p| p.stage().is_signed())
        .map(|p| {
            let producing = p.stage() >= Stage::Producing;
            let month = if producing {
                p.producing_on.as_deref().and_then(month_in(year))
            } else {
                p.expected_production_month
                    .as_deref()
                    .and_then(month_in(year))
            };
            let va = p.value_added_at_capacity.unwrap_or(0) as f64;
            PipelineProject {
                id: p.id,
                name: p.name.clone(),
                value_added_at_capacity: va,
                production_month: month,
                producing,
                late: !producing && stall.status(p.stage(), idle_days(p, today)) == Status::Red,
            }
        })
        .collect();
    let contribution =
        analytics::pipeline::contribution(&projects, gdp * 1e8, &PipelineRules::default());
    Ok(PipelineReport {
        region: region.to_string(),
        period: period.to_string(),
        gap_pp: report.gap_pp,
        last_year_gdp_yi: gdp,
        gap_if_on_schedule_pp: report.gap_pp + contribution.upcoming_on_schedule_pp,
        gap_if_late_slip_pp: report.gap_pp + contribution.upcoming_if_late_slip_pp,
        contribution,
    })
}

/// The month of `year` in "2025-11" or "2025-11-03"; None for another year.
fn month_in(year: i32) -> impl Fn(&str) -> Option<u32> {
    move |s: &str| {
        let y: i32 = s.get(..4)?.parse().ok()?;
        let m: u32 = s.get(5..7)?.parse().ok()?;
        (y == year && (1..=12).contains(&m)).then_some(m)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_month_of_the_year() {
        let f = super::month_in(2025);
        assert_eq!(f("2025-11"), Some(11));
        assert_eq!(f("2025-03-15"), Some(3));
        assert_eq!(f("2026-01"), None);
        assert_eq!(f("bad"), None);
    }
}
