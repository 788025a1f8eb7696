//! Reading the registry: the search (paged, within the caller's scope) and one firm's file
//! (一企一档) with its tracks, former names, history, tasks, service actions and projects as
//! investor. Whether the caller sees the firm's own figures is decided here, once, with
//! `domain::access`; a firm outside the caller's scope is "not found".

use crate::land::ProjectAccess;
use crate::Error;
use domain::access::EnterpriseFacts;
use domain::enterprise::{ScaleKind, Tag};
use domain::{Coded, Principal};
use store::enterprises::{
    ChangeRecord, FirmQuery, FirmRow, FirmService, FirmTask, FirmTrack, FormerName,
};
use store::Store;

/// Rows of a page when the request names none, and the most one page holds.
pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 200;
/// History rows shown on a firm's file.
pub const HISTORY_SHOWN: i64 = 200;

/// A search of the registry, as the page, the API and the global search build it.
#[derive(Debug, Clone, Default)]
pub struct FirmSearch {
    pub region: String,
    pub text: Option<String>,
    pub industry: Option<String>,
    pub town_id: Option<i64>,
    pub tag: Option<Tag>,
    pub scale_kind: Option<ScaleKind>,
    pub above_scale: Option<bool>,
    pub track_id: Option<i64>,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
}

/// One page of the search.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmPage {
    pub firms: Vec<FirmSummary>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
}

/// A firm in a list: what the registry says of it, no figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmSummary {
    pub uscc: String,
    pub name: String,
    pub legal_form: String,
    pub industry_code: Option<String>,
    pub industry_name: Option<String>,
    pub scale_kind: Option<ScaleKind>,
    pub scale_label: Option<&'static str>,
    pub above_scale: bool,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub founded_on: Option<String>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    pub tags: Vec<Tag>,
    pub tag_labels: Vec<&'static str>,
    pub is_sample: bool,
}

impl FirmSummary {
    fn of(r: &FirmRow) -> Self {
        let tags = domain::enterprise::tags_from_code(&r.tags).unwrap_or_default();
        let scale_kind = ScaleKind::from_code(&r.scale_kind).ok();
        FirmSummary {
            uscc: r.uscc.clone(),
            name: r.name.clone(),
            legal_form: r.legal_form.clone(),
            industry_name: r
                .industry_code
                .as_deref()
                .and_then(domain::industry::name)
                .map(str::to_string),
            industry_code: r.industry_code.clone(),
            scale_kind,
            scale_label: scale_kind.map(|k| k.above_label()),
            above_scale: r.above_scale != 0,
            town_id: r.town_id,
            town_name: r.town_name.clone(),
            founded_on: r.founded_on.clone(),
            registered_capital_wan: r.registered_capital_wan,
            employees: r.employees,
            tag_labels: tags.iter().map(|t| t.label()).collect(),
            tags,
            is_sample: r.is_sample != 0,
        }
    }
}

/// Searches the registry within the caller's scope (a town user: his town's firms only).
pub async fn search(
    store: &Store,
    principal: &Principal,
    s: &FirmSearch,
) -> Result<FirmPage, Error> {
    let per_page = if s.per_page <= 0 {
        DEFAULT_PER_PAGE
    } else {
        s.per_page.min(MAX_PER_PAGE)
    };
    let page = s.page.max(1);
    let only_town = match principal.role {
        domain::Role::Town => match principal.town_id {
            Some(t) => Some(t),
            None => {
                return Ok(FirmPage {
                    firms: Vec::new(),
                    page,
                    per_page,
                    has_more: false,
                })
            }
        },
        _ => None,
    };
    if let Some(i) = s.industry.as_deref() {
        if !i.is_empty() && (i.len() > 4 || !i.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Error::invalid_field(
                "industry",
                format!("行业代码“{i}”应为 2–4 位数字"),
            ));
        }
    }
    let (rows, has_more) = store
        .search_firms(&FirmQuery {
            region: s.region.clone(),
            text: s.text.clone(),
            industry: s.industry.clone(),
            town_id: s.town_id,
            only_town,
            tag: s.tag.map(|t| t.code().to_string()),
            scale_kind: s.scale_kind.map(|k| k.code().to_string()),
            above_scale: s.above_scale,
            track_id: s.track_id,
            offset: (page - 1).saturating_mul(per_page),
            limit: per_page,
        })
        .await?;
    Ok(FirmPage {
        firms: rows.iter().map(FirmSummary::of).collect(),
        page,
        per_page,
        has_more,
    })
}

/// The global search's view of the registry: the first firms (within the caller's scope) whose
/// name contains `text` or whose USCC starts with it.
pub async fn search_for_global(
    store: &Store,
    principal: &Principal,
    region: &str,
    text: &str,
    limit: i64,
) -> Result<Vec<FirmSummary>, Error> {
    Ok(search(
        store,
        principal,
        &FirmSearch {
            region: region.to_string(),
            text: Some(text.to_string()),
            page: 1,
            per_page: limit.clamp(1, 50),
            ..FirmSearch::default()
        },
    )
    .await?
    .firms)
}

/// A project where the firm invests, as the caller may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmProjectView {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub total_investment: Option<i64>,
}

/// One firm's file (一企一档).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmFile {
    pub id: i64,
    pub region_code: String,
    pub firm: FirmSummary,
    /// The class with its section, division and group, e.g. "C 制造业 · 38 … · 385 …".
    pub industry_path: Option<String>,
    /// The statistical line the class puts the firm under, in 万元.
    pub scale_threshold_wan: Option<i64>,
    pub host_area_name: Option<String>,
    pub service_manager_name: Option<String>,
    pub tracks: Vec<FirmTrack>,
    pub former_names: Vec<FormerName>,
    pub history: Vec<ChangeRecord>,
    pub tasks: Vec<FirmTask>,
    pub services: Vec<FirmService>,
    pub projects: Vec<FirmProjectView>,
    /// Whether the caller may see this firm's own figures (statistics law).
    pub figures_visible: bool,
    /// The firm's monthly figures, oldest first; empty when the caller may not see them.
    pub figures: Vec<super::figures::FigureView>,
    pub created_at: String,
    pub updated_at: String,
}

/// The facts `domain::access` decides a firm's visibility by.
pub async fn facts_of(
    store: &Store,
    row: &FirmRow,
) -> Result<(EnterpriseFacts, Vec<FirmTrack>), Error> {
    let tracks = store.firm_tracks(row.id).await?;
    let mut track_leaders: Vec<i64> = tracks.iter().flat_map(|t| t.leaders.clone()).collect();
    track_leaders.sort_unstable();
    track_leaders.dedup();
    Ok((
        EnterpriseFacts {
            town: row.town_id,
            service_manager: row.service_manager_id,
            track_leaders,
        },
        tracks,
    ))
}

/// A firm by its USCC, if the caller may read it; not found otherwise (existence outside a
/// town's scope is itself not shown).
pub async fn firm_file(
    store: &Store,
    principal: &Principal,
    uscc: &str,
) -> Result<FirmFile, Error> {
    let not_found = || Error::NotFound(format!("企业 {}", uscc.trim()));
    let code = domain::Uscc::parse(uscc).map_err(|_| not_found())?;
    let row = store
        .firm_by_uscc(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    let (facts, tracks) = facts_of(store, &row).await?;
    if !principal.can_read_enterprise(&facts) {
        return Err(not_found());
    }
    let class = row
        .industry_code
        .as_deref()
        .and_then(|c| domain::industry::class(c).ok());
    let tasks = store
        .firm_tasks(row.id)
        .await?
        .into_iter()
        .filter(|t| principal.can_read_task(t.town_id))
        .collect::<Vec<_>>();
    let services = store
        .firm_services(row.id)
        .await?
        .into_iter()
        .filter(|s| tasks.iter().any(|t| t.id == s.task_id))
        .collect();
    let access = ProjectAccess::load(store, principal).await?;
    let mut projects = Vec::new();
    for p in store.firm_projects(row.id).await? {
        if let Some(detail) = store.project(p.id).await? {
            if let Some(v) = access.view(detail.project) {
                let r = v.row();
                projects.push(FirmProjectView {
                    id: r.id,
                    name: r.name.clone(),
                    stage: r.stage().label().to_string(),
                    total_investment: r.total_investment,
                });
            }
        }
    }
    let figures_visible = principal.can_see_firm_figures(&facts);
    let figures = if figures_visible {
        super::figures::figure_views(store, row.id).await?
    } else {
        Vec::new()
    };
    Ok(FirmFile {
        id: row.id,
        region_code: row.region_code.clone(),
        firm: FirmSummary::of(&row),
        industry_path: class.as_ref().map(|c| c.path()),
        scale_threshold_wan: class
            .as_ref()
            .and_then(domain::enterprise::scale_line)
            .map(|l| l.threshold_wan),
        host_area_name: row.host_area_name.clone(),
        service_manager_name: row.service_manager_name.clone(),
        figures_visible,
        figures,
        tracks,
        former_names: store.firm_former_names(row.id).await?,
        history: store.firm_changes(row.id, HISTORY_SHOWN).await?,
        tasks,
        services,
        projects,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

/// Whose firms a page lists beside its own figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirmGroup {
    Town(i64),
    Track(i64),
}

/// Firms a town's or a track's page lists: at most this many, the rest are in the registry.
pub const GROUP_SHOWN: i64 = 20;

/// A town's or a track's firms within the caller's scope: how many, how many above scale, and
/// the first [`GROUP_SHOWN`] (above-scale firms when there are any).
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupFirms {
    pub total: i64,
    pub above_scale: i64,
    /// Whether `shown` are the group's above-scale firms (else its firms of any scale).
    pub shown_above_scale: bool,
    pub shown: Vec<FirmSummary>,
    /// Counted and listed within the caller's own town only (a town user).
    pub own_town_only: bool,
}

/// Counts and lists a town's or a track's firms as the caller may see them (a town user: his
/// town's only), through the same search as the registry's page.
pub async fn group_firms(
    store: &Store,
    principal: &Principal,
    region: &str,
    group: FirmGroup,
) -> Result<GroupFirms, Error> {
    let (town_id, track_id) = match group {
        FirmGroup::Town(t) => (Some(t), None),
        FirmGroup::Track(t) => (None, Some(t)),
    };
    let only_town = match principal.role {
        domain::Role::Town => match principal.town_id {
            Some(t) => Some(t),
            None => {
                return Ok(GroupFirms {
                    total: 0,
                    above_scale: 0,
                    shown_above_scale: false,
                    shown: Vec::new(),
                    own_town_only: true,
                })
            }
        },
        _ => None,
    };
    let (total, above_scale) = store
        .count_firms(&store::enterprises::FirmCount {
            region: region.to_string(),
            town_id,
            only_town,
            track_id,
        })
        .await?;
    let shown_above_scale = above_scale > 0;
    let shown = if total == 0 {
        Vec::new()
    } else {
        search(
            store,
            principal,
            &FirmSearch {
                region: region.to_string(),
                town_id,
                track_id,
                above_scale: shown_above_scale.then_some(true),
                page: 1,
                per_page: GROUP_SHOWN,
                ..FirmSearch::default()
            },
        )
        .await?
        .firms
    };
    Ok(GroupFirms {
        total,
        above_scale,
        shown_above_scale,
        shown,
        own_town_only: only_town.is_some(),
    })
}
