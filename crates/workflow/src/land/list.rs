//! The 项目库 as lists: a page of the table, the board's columns, the export and the headline
//! totals, for one user. Filters, order and paging run in the query (store::project_list), the
//! user's read scope too, so a page is full of projects the user reads; names are then masked
//! through [`ProjectAccess`] as everywhere else.

use super::{ProjectAccess, ProjectView};
use crate::{Error, Settings};
use domain::project::{ReadScope, Stage, MAJOR_PROJECT_YUAN};
use store::project_list::{IdleFilter, ProjectListQuery, ProjectSort, ProjectTotals};
use store::Store;

/// Rows of a page when the request names none.
pub const DEFAULT_PER_PAGE: i64 = 50;
/// The most rows one page holds.
pub const MAX_PER_PAGE: i64 = 200;
/// Cards shown per board column; the column states its total and links to the table.
pub const BOARD_CARDS: i64 = 12;
/// The most rows one export holds (the first ones in the list's order).
pub const EXPORT_LIMIT: i64 = 5_000;

/// A project's stall status as a filter (停滞 / 放缓 / 正常), per the stall rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StallFilter {
    Red,
    Yellow,
    Green,
}

impl StallFilter {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "red" => Some(StallFilter::Red),
            "yellow" => Some(StallFilter::Yellow),
            "green" => Some(StallFilter::Green),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            StallFilter::Red => "red",
            StallFilter::Yellow => "yellow",
            StallFilter::Green => "green",
        }
    }
}

/// Which of a region's projects a list shows, and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub stage: Option<Stage>,
    pub tier_id: Option<i64>,
    pub track_id: Option<i64>,
    pub town_id: Option<i64>,
    pub stall: Option<StallFilter>,
    pub sort: ProjectSort,
}

/// Which page of a list: 1-based, `per_page` rows (capped at [`MAX_PER_PAGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// A page request from what was asked, refusing nonsense and capping the size.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=1_000_000).contains(&page) {
            return Err(Error::invalid_field("page", "页码须为 1 至 1000000 的整数"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(Error::invalid_field(
                "per_page",
                format!("每页条数须为 1 至 {MAX_PER_PAGE} 的整数"),
            ));
        }
        Ok(Self { page, per_page })
    }

    fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// A page of projects as one user may see them, with how many the filter selects in all.
#[derive(Debug, Clone)]
pub struct ProjectPage {
    pub views: Vec<ProjectView>,
    pub total: i64,
    pub page: PageRequest,
}

impl ProjectPage {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page.per_page - 1) / self.page.per_page).max(1)
    }
}

/// One column of the board: the first [`BOARD_CARDS`] projects of a stage and its total.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub stage: Stage,
    pub views: Vec<ProjectView>,
    pub total: i64,
}

/// The date (YYYY-MM-DD) before which a project last active is idle more than `days` today.
fn idle_cut(store: &Store, days: i64) -> String {
    let today = store.now().date();
    domain::period::format_date(today - time::Duration::days(days))
}

/// The store's query for `filter` in `region` as this user reads it; None when the user reads
/// nothing at all.
fn query(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
    filter: &ProjectFilter,
) -> Option<ProjectListQuery> {
    let scope_town = match access.read_scope() {
        ReadScope::All => None,
        ReadScope::Town(t) => Some(t),
        ReadScope::Nothing => return None,
    };
    let rules = settings.stall;
    let idle = filter.stall.map(|s| match s {
        StallFilter::Red => IdleFilter::Before {
            before: idle_cut(store, rules.alarm_days),
            not_before: None,
        },
        StallFilter::Yellow => IdleFilter::Before {
            before: idle_cut(store, rules.watch_days),
            not_before: Some(idle_cut(store, rules.alarm_days)),
        },
        StallFilter::Green => IdleFilter::ActiveSince(idle_cut(store, rules.watch_days)),
    });
    Some(ProjectListQuery {
        region: region.to_string(),
        scope_town,
        stage: filter.stage,
        tier_id: filter.tier_id,
        track_id: filter.track_id,
        town_id: filter.town_id,
        idle,
    })
}

/// One page of the region's projects this user reads that `filter` selects.
pub async fn list_projects(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
    filter: &ProjectFilter,
    page: PageRequest,
) -> Result<ProjectPage, Error> {
    let Some(q) = query(store, access, settings, region, filter) else {
        return Ok(ProjectPage {
            views: vec![],
            total: 0,
            page,
        });
    };
    let rows = store
        .project_page(&q, filter.sort, page.per_page, page.offset())
        .await?;
    let total = store.project_count(&q).await?;
    Ok(ProjectPage {
        views: access.views(rows),
        total,
        page,
    })
}

/// The board: per stage, its first [`BOARD_CARDS`] projects in the filter's order and its
/// total (the filter's stage, if any, is ignored: the board shows every stage).
pub async fn board(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
    filter: &ProjectFilter,
) -> Result<Vec<BoardColumn>, Error> {
    let Some(mut q) = query(store, access, settings, region, filter) else {
        return Ok(Stage::ALL
            .iter()
            .map(|s| BoardColumn {
                stage: *s,
                views: vec![],
                total: 0,
            })
            .collect());
    };
    let counts = store.project_stage_counts(&q).await?;
    let mut out = Vec::with_capacity(Stage::ALL.len());
    for stage in Stage::ALL {
        let total = counts
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(0, |(_, n)| *n);
        let views = if total == 0 {
            vec![]
        } else {
            q.stage = Some(stage);
            access.views(store.project_page(&q, filter.sort, BOARD_CARDS, 0).await?)
        };
        out.push(BoardColumn {
            stage,
            views,
            total,
        });
    }
    Ok(out)
}

/// The projects an export holds: those `filter` selects, in its order, at most
/// [`EXPORT_LIMIT`]; with the number selected in all.
pub async fn export_projects(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
    filter: &ProjectFilter,
) -> Result<(Vec<ProjectView>, i64), Error> {
    let Some(q) = query(store, access, settings, region, filter) else {
        return Ok((vec![], 0));
    };
    let rows = store.project_page(&q, filter.sort, EXPORT_LIMIT, 0).await?;
    let total = store.project_count(&q).await?;
    Ok((access.views(rows), total))
}

/// The 项目库 headline over the projects this user reads: signed, major (≥ 1 亿元), stalled
/// and signed investment.
pub async fn totals(
    store: &Store,
    access: &ProjectAccess,
    settings: &Settings,
    region: &str,
) -> Result<ProjectTotals, Error> {
    let scope_town = match access.read_scope() {
        ReadScope::All => None,
        ReadScope::Town(t) => Some(t),
        ReadScope::Nothing => return Ok(ProjectTotals::default()),
    };
    Ok(store
        .project_totals(
            region,
            scope_town,
            MAJOR_PROJECT_YUAN,
            &idle_cut(store, settings.stall.alarm_days),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(
            PageRequest::new(None, None).ok(),
            Some(PageRequest::default())
        );
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(MAX_PER_PAGE + 1)).is_err());
        assert_eq!(
            PageRequest::new(Some(3), Some(20))
                .map(PageRequest::offset)
                .ok(),
            Some(40)
        );
    }
}
