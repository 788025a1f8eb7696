//! Each role's first screen (首页): what a user should see and act on within thirty seconds of
//! signing in, read with the same access rules as the lists it links to.
//!
//! - A leader (市领导): 我的赛道与镇街 — tasks waiting for his claim, his overdue and live
//!   tasks, the stalled projects and the targets behind 序时进度 in the tracks he leads and the
//!   towns he covers.
//! - A town (镇街) or a department (部门): its own targets against 序时进度, its tasks, its
//!   projects (a town's own; a department's on the tracks it leads).
//! - The office (办公室): what needs its decision today — overdue tasks, tasks nobody has
//!   claimed, open shortfalls without a live task, stalled projects — above the city view.
//!
//! - A service manager (企业服务经理人): his firms, the visits falling due, the open requests
//!   of his firms.
//!
//! Viewers have no desk of their own: their first screen is the city overview, which the web
//! layer renders as it is.

use crate::land::{stall_status, ProjectAccess, ProjectView};
use crate::{Error, Settings};
use domain::{Period, Principal, Progress, Role, Scope, ScopeKind, Status, TaskState};
use store::claim::{Shortfall, TaskRow};
use store::reference::{Town, Track};
use store::targets::TargetRow;
use store::Store;

/// The most projects a first screen lists; it states the total and links to the full list.
pub const PROJECTS_SHOWN: usize = 10;

/// What a first screen is asked for: the region and the period its targets are read at.
#[derive(Debug, Clone)]
pub struct HomeQuery {
    pub region: String,
    pub period: Period,
}

/// A target with its progress against 序时进度 as of the period.
#[derive(Debug, Clone)]
pub struct TargetStanding {
    pub row: TargetRow,
    pub progress: Progress,
}

/// Projects of a first screen: the first [`PROJECTS_SHOWN`] in order, and how many in all.
#[derive(Debug, Clone, Default)]
pub struct ProjectShortlist {
    pub shown: Vec<ProjectView>,
    pub total: usize,
}

/// A leader's first screen: 我的赛道与镇街.
#[derive(Debug, Clone)]
pub struct LeaderHome {
    /// The tracks he leads or answers for.
    pub tracks: Vec<Track>,
    /// The towns he covers (包联).
    pub towns: Vec<Town>,
    /// Live tasks nobody has claimed that he may claim.
    pub to_claim: Vec<TaskRow>,
    /// Tasks he claimed that are overdue.
    pub overdue: Vec<TaskRow>,
    /// Tasks he claimed that are running (claimed, in progress).
    pub running: Vec<TaskRow>,
    /// Stalled projects (停滞) of his tracks and towns, longest idle first.
    pub stalled: ProjectShortlist,
    /// Targets of his tracks and towns behind 序时进度 (滞后).
    pub red_targets: Vec<TargetStanding>,
}

/// Whose desk a unit's first screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Town { id: i64, name: String },
    Department { id: i64, name: String },
}

impl Unit {
    pub fn name(&self) -> &str {
        match self {
            Unit::Town { name, .. } | Unit::Department { name, .. } => name,
        }
    }
}

/// A town's or a department's first screen.
#[derive(Debug, Clone)]
pub struct UnitHome {
    pub unit: Unit,
    /// Its own targets (a department's also those of the tracks it leads), behind 序时进度
    /// first.
    pub targets: Vec<TargetStanding>,
    /// Its live tasks (overdue first, then by deadline).
    pub tasks: Vec<TaskRow>,
    /// Tracks a department leads (its projects are theirs); none for a town.
    pub tracks: Vec<Track>,
    /// Its projects, longest idle first.
    pub projects: ProjectShortlist,
    /// How many of its projects are stalled (停滞).
    pub stalled: usize,
    /// A town's firms whose service manager is behind on visits (走访逾期); none for a
    /// department.
    pub visits_overdue: Vec<crate::serve::service::FirmDue>,
}

/// The office's first screen: what waits for its decision today, most urgent first.
#[derive(Debug, Clone)]
pub struct OfficeHome {
    /// Overdue tasks: to urge, extend or cancel.
    pub overdue: Vec<TaskRow>,
    /// Live tasks nobody has claimed, nearest deadline first.
    pub unclaimed: Vec<TaskRow>,
    /// Open shortfalls with no live task: a remedy and a task to decide.
    pub shortfalls_without_task: Vec<Shortfall>,
    /// Stalled projects of the city, longest idle first.
    pub stalled: ProjectShortlist,
}

impl OfficeHome {
    /// How many items wait for a decision.
    pub fn count(&self) -> usize {
        self.overdue.len()
            + self.unclaimed.len()
            + self.shortfalls_without_task.len()
            + self.stalled.total
    }
}

/// The first screen a role lands on.
#[derive(Debug, Clone)]
pub enum Home {
    Leader(LeaderHome),
    Unit(UnitHome),
    Office(OfficeHome),
    /// A service manager's desk: his firms, visits due, open requests of his firms.
    Manager(crate::serve::service::ManagerDesk),
    /// The city overview, as it is (viewers, and users whose account names no person, town or
    /// department).
    Overview,
}

/// Builds the caller's first screen.
pub async fn home(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    query: &HomeQuery,
) -> Result<Home, Error> {
    Ok(match principal.role {
        Role::Leader => match principal.person_id {
            Some(person) => {
                Home::Leader(leader_home(store, principal, settings, query, person).await?)
            }
            None => Home::Overview,
        },
        Role::Town | Role::Department => {
            match unit_home(store, principal, settings, query).await? {
                Some(h) => Home::Unit(h),
                None => Home::Overview,
            }
        }
        Role::Office | Role::Admin => {
            Home::Office(office_home(store, principal, settings, &query.region).await?)
        }
        Role::ServiceManager => match principal.person_id {
            Some(_) => Home::Manager(
                crate::serve::service::desk(store, principal, settings, &query.region).await?,
            ),
            None => Home::Overview,
        },
        Role::Viewer => Home::Overview,
    })
}

/// Targets of the region and year of `query`, with their progress, that `keep` selects and the
/// caller may read.
async fn standings(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    query: &HomeQuery,
    keep: impl Fn(Scope) -> bool,
) -> Result<Vec<TargetStanding>, Error> {
    let as_of = domain::period::format_date(query.period.end_date());
    let rows = store
        .targets(&query.region, query.period.year(), &as_of)
        .await?;
    let elapsed = query.period.elapsed_share();
    Ok(rows
        .into_iter()
        .filter(|r| keep(r.scope()) && principal.can_read(r.scope()))
        .map(|row| {
            let progress = Progress::assess(
                row.kind(),
                row.target_quantity(),
                row.actual_quantity(),
                elapsed,
                &settings.thresholds,
            );
            TargetStanding { row, progress }
        })
        .collect())
}

/// Behind first (滞后, 关注, 正常, without data), keeping the stored order within a status.
fn worst_first(list: &mut [TargetStanding]) {
    let rank = |s: Status| match s {
        Status::Red => 0,
        Status::Yellow => 1,
        Status::Green => 2,
        Status::Unknown => 3,
    };
    list.sort_by_key(|t| rank(t.progress.status));
}

/// The region's projects the caller reads that `keep` selects, longest idle first, with the
/// number of them stalled.
async fn projects(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
    keep: impl Fn(&store::land::ProjectRow) -> bool,
    stalled_only: bool,
) -> Result<(ProjectShortlist, usize), Error> {
    let today = store.now().date();
    let all = store.projects_snapshot(region).await?;
    let mut rows: Vec<&store::land::ProjectRow> = all
        .iter()
        .filter(|p| keep(p) && access.can_read(p))
        .collect();
    let stalled =
        |p: &store::land::ProjectRow| stall_status(p, today, &settings.stall) == Status::Red;
    let stalled_count = rows.iter().filter(|p| stalled(p)).count();
    if stalled_only {
        rows.retain(|p| stalled(p));
    }
    // Longest idle first, as the 项目库's default order.
    rows.sort_by(|a, b| {
        a.last_activity_at
            .cmp(&b.last_activity_at)
            .then(a.id.cmp(&b.id))
    });
    let total = rows.len();
    let shown = access.views(rows.into_iter().take(PROJECTS_SHOWN).cloned().collect());
    Ok((ProjectShortlist { shown, total }, stalled_count))
}

async fn leader_home(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    query: &HomeQuery,
    person: i64,
) -> Result<LeaderHome, Error> {
    let region = &query.region;
    let facts = store.project_access_facts().await?;
    let track_ids: Vec<i64> = store.tracks_led_by(person).await?;
    let town_ids: Vec<i64> = facts
        .town_leaders
        .iter()
        .filter(|(_, people)| people.contains(&person))
        .map(|(town, _)| *town)
        .collect();
    let tracks: Vec<Track> = store
        .tracks(region)
        .await?
        .into_iter()
        .filter(|t| track_ids.contains(&t.id))
        .collect();
    let towns: Vec<Town> = store
        .towns(region)
        .await?
        .into_iter()
        .filter(|t| town_ids.contains(&t.id))
        .collect();
    let to_claim = if principal.person_id.is_some() {
        crate::claim::claim_board(store, principal, region).await?
    } else {
        vec![]
    };
    let mine = crate::claim::tasks(store, principal, region, None)
        .await?
        .into_iter()
        .filter(|t| t.claimed_by_person == Some(person));
    let (mut overdue, mut running) = (vec![], vec![]);
    for t in mine {
        match t.state() {
            TaskState::Overdue => overdue.push(t),
            s if !s.is_closed() => running.push(t),
            _ => {}
        }
    }
    overdue.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    running.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    let access = ProjectAccess::load(store, principal).await?;
    let (stalled, _) = projects(
        store,
        &access,
        settings,
        region,
        |p| {
            p.track_id.is_some_and(|t| track_ids.contains(&t))
                || p.town_id.is_some_and(|t| town_ids.contains(&t))
        },
        true,
    )
    .await?;
    let mut red_targets = standings(store, principal, settings, query, |s| {
        match (s.kind, s.id) {
            (ScopeKind::Track, Some(id)) => track_ids.contains(&id),
            (ScopeKind::Town, Some(id)) => town_ids.contains(&id),
            _ => false,
        }
    })
    .await?;
    red_targets.retain(|t| t.progress.status == Status::Red);
    Ok(LeaderHome {
        tracks,
        towns,
        to_claim,
        overdue,
        running,
        stalled,
        red_targets,
    })
}

async fn unit_home(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    query: &HomeQuery,
) -> Result<Option<UnitHome>, Error> {
    let region = &query.region;
    let unit = match (principal.role, principal.town_id, principal.department_id) {
        (Role::Town, Some(id), _) => match store.town(id).await? {
            Some(t) if t.region_code == *region => Unit::Town { id, name: t.name },
            _ => return Ok(None),
        },
        (Role::Department, _, Some(id)) => {
            match store
                .departments(region)
                .await?
                .into_iter()
                .find(|d| d.id == id)
            {
                Some(d) => Unit::Department { id, name: d.name },
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    let tracks: Vec<Track> = match &unit {
        Unit::Department { id, .. } => store
            .tracks(region)
            .await?
            .into_iter()
            .filter(|t| t.lead_department_id == Some(*id))
            .collect(),
        Unit::Town { .. } => vec![],
    };
    let track_ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
    let own = match &unit {
        Unit::Town { id, .. } => Scope::of(ScopeKind::Town, *id),
        Unit::Department { id, .. } => Scope::of(ScopeKind::Department, *id),
    };
    let mut targets = standings(store, principal, settings, query, |s| {
        s == own || (s.kind == ScopeKind::Track && s.id.is_some_and(|t| track_ids.contains(&t)))
    })
    .await?;
    worst_first(&mut targets);
    let mut tasks: Vec<TaskRow> = crate::claim::my_tasks(store, principal, region)
        .await?
        .into_iter()
        .filter(|t| !t.state().is_closed())
        .collect();
    tasks.sort_by(|a, b| {
        (a.state() != TaskState::Overdue, &a.deadline)
            .cmp(&(b.state() != TaskState::Overdue, &b.deadline))
    });
    let access = ProjectAccess::load(store, principal).await?;
    let (projects, stalled) = match &unit {
        Unit::Town { id, .. } => {
            let town = *id;
            projects(
                store,
                &access,
                settings,
                region,
                |p| p.town_id == Some(town),
                false,
            )
            .await?
        }
        Unit::Department { .. } => {
            projects(
                store,
                &access,
                settings,
                region,
                |p| p.track_id.is_some_and(|t| track_ids.contains(&t)),
                false,
            )
            .await?
        }
    };
    let visits_overdue = match &unit {
        Unit::Town { id, .. } => {
            crate::serve::service::overdue_in_town(store, settings, &query.region, *id).await?
        }
        Unit::Department { .. } => Vec::new(),
    };
    Ok(Some(UnitHome {
        unit,
        targets,
        tasks,
        tracks,
        projects,
        stalled,
        visits_overdue,
    }))
}

async fn office_home(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    region: &str,
) -> Result<OfficeHome, Error> {
    let overdue = crate::claim::overdue_tasks(store, principal, region).await?;
    let unclaimed: Vec<TaskRow> = crate::claim::claim_board(store, principal, region)
        .await?
        .into_iter()
        .filter(|t| t.state() != TaskState::Overdue)
        .collect();
    let shortfalls_without_task = crate::claim::list_shortfalls(store, principal, region)
        .await?
        .into_iter()
        .filter(|s| s.open && s.tasks.iter().all(|t| t.state() == TaskState::Cancelled))
        .map(|s| s.shortfall)
        .collect();
    let access = ProjectAccess::load(store, principal).await?;
    let (stalled, _) = projects(store, &access, settings, region, |_| true, true).await?;
    Ok(OfficeHome {
        overdue,
        unclaimed,
        shortfalls_without_task,
        stalled,
    })
}
