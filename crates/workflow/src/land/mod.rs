//! Assembles the land step (打项目): a project's approval plan through `analytics::approval`,
//! stall warnings, which projects a user reads and under which names ([`ProjectAccess`]), and the pipeline's
//! contribution to this year's GDP growth (METHODS.md §4) for the locate page, the API and the
//! command line.

use analytics::approval::{ApprovalItem, ApprovalPlan};
use analytics::pipeline::{PipelineContribution, PipelineProject, PipelineRules};
use domain::access::{ProjectNames, ShownNames};
use domain::project::{Stage, StallRules};
use domain::Status;
use serde::Serialize;
use std::collections::HashMap;
use store::land::{ProjectAccessFacts, ProjectDetail, ProjectRow};
use store::{Store, StoreError};

use crate::Error;

mod commands;
mod list;

pub use commands::{
    act, create_project, load_project, ActionOutcome, CreateProject, NewProjectFields, PlanItem,
    ProjectAction, ProjectOrigin,
};
pub use list::{
    board, export_projects, list_projects, totals, BoardColumn, PageRequest, ProjectFilter,
    ProjectPage, StallFilter, BOARD_CARDS, DEFAULT_PER_PAGE, EXPORT_LIMIT, MAX_PER_PAGE,
};
pub use store::project_list::{ProjectSort, ProjectTotals};

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

/// Schedules a plan about to be stored; refuses a cycle, a missing prerequisite or a negative
/// duration.
pub fn approval_plan_of(
    items: &[store::land::NewApproval],
) -> Result<ApprovalPlan, analytics::approval::ApprovalError> {
    let graph: Vec<ApprovalItem> = items
        .iter()
        .map(|a| ApprovalItem {
            code: a.code.clone(),
            name: a.name.clone(),
            days: a.planned_days,
            prerequisites: a.prerequisites.clone(),
        })
        .collect();
    analytics::approval::plan(&graph)
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

/// The one gate between stored projects and what a user is shown of them or may change.
/// Every page, API answer and export that names a project goes through it: it decides with
/// `domain::access` whether the user reads the project at all, and replaces a confidential
/// project's name and investor outside its scope ([`domain::Principal::shown_names`]).
pub struct ProjectAccess {
    principal: domain::Principal,
    facts: ProjectAccessFacts,
}

/// A project as one user may see it. Only [`ProjectAccess::view`] makes one, so its name and
/// investor have passed the masking rule.
#[derive(Debug, Clone)]
pub struct ProjectView {
    row: ProjectRow,
    masked: bool,
    can_write: bool,
}

impl ProjectView {
    /// The project's row, its name and investor as this user may see them.
    pub fn row(&self) -> &ProjectRow {
        &self.row
    }

    pub fn masked(&self) -> bool {
        self.masked
    }

    pub fn can_write(&self) -> bool {
        self.can_write
    }
}

/// A project with its stages, approvals and service log, as one user may see it.
#[derive(Debug, Clone)]
pub struct ProjectDetailView {
    detail: ProjectDetail,
    view: ProjectView,
}

impl ProjectDetailView {
    pub fn detail(&self) -> &ProjectDetail {
        &self.detail
    }

    pub fn view(&self) -> &ProjectView {
        &self.view
    }
}

impl ProjectAccess {
    pub async fn load(store: &Store, principal: &domain::Principal) -> Result<Self, StoreError> {
        Ok(Self {
            principal: principal.clone(),
            facts: store.project_access_facts().await?,
        })
    }

    /// Which projects this user reads, for lists filtered in the query.
    pub fn read_scope(&self) -> domain::project::ReadScope {
        domain::project::ReadScope::of(&self.principal)
    }

    pub fn facts(&self, p: &ProjectRow) -> domain::ProjectFacts {
        self.facts.of(p)
    }

    pub fn can_read(&self, p: &ProjectRow) -> bool {
        self.principal.can_read_project(&self.facts(p))
    }

    pub fn can_write(&self, p: &ProjectRow) -> bool {
        self.principal.can_write_project(&self.facts(p))
    }

    /// Whether the user may change `p` so that it lies in `new_town` (None keeps its town):
    /// both the project as it is and as it would be must be the user's.
    pub fn can_change(&self, p: &ProjectRow, new_town: Option<i64>) -> bool {
        let before = self.facts(p);
        let after = self
            .facts
            .facts(new_town.or(p.town_id), p.track_id, &p.code_name);
        self.principal.can_change_project(&before, &after)
    }

    /// The names of a project identified by its town, track and stored names.
    pub fn names(
        &self,
        town: Option<i64>,
        track: Option<i64>,
        names: &ProjectNames,
    ) -> Option<ShownNames> {
        let facts = self.facts.facts(town, track, &names.code_name);
        self.principal
            .can_read_project(&facts)
            .then(|| self.principal.shown_names(&facts, names))
    }

    /// The project as this user may see it; None when the user may not read it.
    pub fn view(&self, mut row: ProjectRow) -> Option<ProjectView> {
        let facts = self.facts(&row);
        if !self.principal.can_read_project(&facts) {
            return None;
        }
        let shown = self.principal.shown_names(
            &facts,
            &ProjectNames {
                name: std::mem::take(&mut row.name),
                code_name: row.code_name.clone(),
                investor: std::mem::take(&mut row.investor_name),
            },
        );
        row.name = shown.name;
        row.investor_name = shown.investor;
        Some(ProjectView {
            row,
            masked: shown.masked,
            can_write: self.principal.can_write_project(&facts),
        })
    }

    /// The projects of a list this user may read, masked.
    pub fn views(&self, rows: Vec<ProjectRow>) -> Vec<ProjectView> {
        rows.into_iter().filter_map(|r| self.view(r)).collect()
    }

    /// A project's detail as this user may see it; None when the user may not read it.
    pub fn detail(&self, mut detail: ProjectDetail) -> Option<ProjectDetailView> {
        let view = self.view(detail.project.clone())?;
        detail.project = view.row.clone();
        Some(ProjectDetailView { detail, view })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PipelineReport {
    pub region: String,
    pub period: String,
    pub gap_pp: f64,
    pub last_year_gdp_yi: f64,
    pub contribution: PipelineContribution,
    /// What projects already producing still add after the period (the ledger's 项目已投产).
    pub still_to_come_producing_pp: f64,
    /// What projects not yet producing add after the period if all land on schedule.
    pub still_to_come_on_schedule_pp: f64,
    /// The gap left after the pipeline, every project on schedule (the ledger's terms,
    /// without the tasks).
    pub gap_if_on_schedule_pp: f64,
    /// The same if the late ones slip.
    pub gap_if_late_slip_pp: f64,
}

/// The projects' expected contribution to this year's growth, against the gap of `period`
/// (the gap of the headline figures: from the reported GDP growth when there is one).
pub async fn pipeline_report(
    store: &Store,
    region: &str,
    period: domain::Period,
    settings: &crate::Settings,
    access: &ProjectAccess,
) -> Result<PipelineReport, Error> {
    let headline = crate::figures::headline(store, region, period, settings).await?;
    let gap_pp = headline.gap_pp.value;
    let (mut contribution, gdp) =
        pipeline_contribution(store, region, period.year(), settings).await?;
    // The gap after the pipeline is the gap ledger's arithmetic without the tasks, over every
    // project (before the rows are narrowed to the user's): only what comes after the period
    // counts (the period's own output is in the reported growth).
    let ledger = analytics::figures::ledger(
        gap_pp,
        &[],
        &contribution,
        &analytics::pipeline::PipelineRules::default(),
        domain::observed::as_published(period).end_month(),
    );
    // The totals stay the city's; the rows name only projects the user reads, masked.
    let all = store.projects_snapshot(region).await?;
    let rows: HashMap<i64, &ProjectRow> = all.iter().map(|p| (p.id, p)).collect();
    contribution.projects.retain_mut(|c| {
        let Some(p) = rows.get(&c.id) else {
            return false;
        };
        match access.names(
            p.town_id,
            p.track_id,
            &ProjectNames {
                name: p.name.clone(),
                code_name: p.code_name.clone(),
                investor: p.investor_name.clone(),
            },
        ) {
            Some(shown) => {
                c.name = shown.name;
                true
            }
            None => false,
        }
    });
    Ok(PipelineReport {
        region: region.to_string(),
        period: period.to_string(),
        gap_pp,
        last_year_gdp_yi: gdp,
        still_to_come_producing_pp: ledger.producing_pp,
        still_to_come_on_schedule_pp: ledger.on_schedule_pp + ledger.late_on_schedule_pp,
        gap_if_on_schedule_pp: gap_pp
            + ledger.producing_pp
            + ledger.on_schedule_pp
            + ledger.late_on_schedule_pp,
        gap_if_late_slip_pp: gap_pp + ledger.producing_pp + ledger.on_schedule_pp + ledger.late_pp,
        contribution,
    })
}

/// Every signed project's expected contribution to `year`'s growth (unnamed), and last year's
/// GDP in 亿元 it is measured against.
pub async fn pipeline_contribution(
    store: &Store,
    region: &str,
    year: i32,
    settings: &crate::Settings,
) -> Result<(PipelineContribution, f64), Error> {
    let gdp = store
        .observations_of_year_snapshot(region, year)
        .await?
        .iter()
        .filter(|o| o.indicator == "gdp")
        .filter_map(|o| o.last_year_total)
        .next_back()
        .ok_or(Error::NoGdpBase)?;
    let today = store.now().date();
    let stall = settings.stall;
    let all = store.projects_snapshot(region).await?;
    let projects: Vec<PipelineProject> = all
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
                // Named by the caller, through the access rules.
                name: String::new(),
                value_added_at_capacity: va,
                production_month: month,
                producing,
                late: !producing && stall.status(p.stage(), idle_days(p, today)) == Status::Red,
            }
        })
        .collect();
    Ok((
        analytics::pipeline::contribution(&projects, gdp * 1e8, &PipelineRules::default()),
        gdp,
    ))
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
