//! The global search (搜索): a Chinese substring looked up in the targets, indicators, tasks,
//! shortfalls and projects of a region, each kind read through the same access rule as its
//! list, so a search never finds what the caller's lists would not show (a town finds no other
//! town's task or project; a confidential project is found only under the name the caller sees
//! it by, never by its real name or investor outside its scope).
//!
//! Extension point: each kind is one step of [`search`] and one [`HitKind`]. The enterprise
//! registry (issue 11) joins as `HitKind::Enterprise` with a step that reads the enterprises
//! through the registry's own read rule (statistics of one firm are confidential) and matches
//! their name and USCC; the page, the API and the tests take a new kind without other change.

use crate::land::ProjectAccess;
use crate::Error;
use domain::{Period, Principal};
use serde::Serialize;
use store::Store;

/// The longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 40;
/// The most hits listed per kind; the total is stated.
pub const HITS_PER_KIND: usize = 20;

/// Search the region's records for `q` as of `period` (whose year's targets are searched).
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub region: String,
    pub period: Period,
    pub q: String,
}

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Target,
    Indicator,
    Task,
    Shortfall,
    Project,
}

impl HitKind {
    pub const ALL: [HitKind; 5] = [
        HitKind::Target,
        HitKind::Indicator,
        HitKind::Task,
        HitKind::Shortfall,
        HitKind::Project,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HitKind::Target => "target",
            HitKind::Indicator => "indicator",
            HitKind::Task => "task",
            HitKind::Shortfall => "shortfall",
            HitKind::Project => "project",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HitKind::Target => "目标",
            HitKind::Indicator => "指标",
            HitKind::Task => "任务",
            HitKind::Shortfall => "短板",
            HitKind::Project => "项目",
        }
    }
}

/// One record found: its kind and key (a number, or an indicator's code), its name as the
/// caller may see it, and one line about it.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub kind: HitKind,
    pub id: String,
    pub title: String,
    pub detail: String,
}

/// The hits of one kind: the first [`HITS_PER_KIND`] and how many in all.
#[derive(Debug, Clone, Serialize)]
pub struct HitGroup {
    pub kind: HitKind,
    pub hits: Vec<Hit>,
    pub total: usize,
}

/// What a search found; empty groups are left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    /// The text searched for, trimmed; empty when nothing was asked.
    pub q: String,
    pub groups: Vec<HitGroup>,
}

impl SearchResults {
    pub fn total(&self) -> usize {
        self.groups.iter().map(|g| g.total).sum()
    }
}

/// The search text as it will be matched: trimmed, at most [`MAX_QUERY_CHARS`] characters, no
/// control characters. Blank is `Ok("")` (nothing to search for, not an error).
pub fn parse_query(raw: &str) -> Result<String, Error> {
    let n = raw.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(Error::invalid_field(
            "q",
            format!("搜索词过长：{n} 个字符，最多 {MAX_QUERY_CHARS} 个"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(Error::invalid_field("q", "搜索词含有不允许的控制字符"));
    }
    Ok(raw.trim().to_string())
}

/// A case-insensitive substring test (Chinese has no case; Latin letters in names do).
struct Needle(String);

impl Needle {
    fn new(q: &str) -> Self {
        Needle(q.to_lowercase())
    }

    fn in_any<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        texts
            .into_iter()
            .any(|t| t.to_lowercase().contains(&self.0))
    }
}

fn group(kind: HitKind, mut hits: Vec<Hit>) -> Option<HitGroup> {
    let total = hits.len();
    hits.truncate(HITS_PER_KIND);
    (total > 0).then_some(HitGroup { kind, hits, total })
}

/// Searches everything the caller may read in the region for `query.q`.
pub async fn search(
    store: &Store,
    principal: &Principal,
    query: &SearchQuery,
) -> Result<SearchResults, Error> {
    let q = parse_query(&query.q)?;
    if q.is_empty() {
        return Ok(SearchResults::default());
    }
    let needle = Needle::new(&q);
    let region = &query.region;
    let mut groups = Vec::new();

    // Targets: the scopes the caller reads (a town not another town's, a department not
    // another department's).
    let as_of = domain::period::format_date(query.period.end_date());
    let targets = store
        .targets(region, query.period.year(), &as_of)
        .await?
        .into_iter()
        .filter(|r| principal.can_read(r.scope()))
        .filter(|r| needle.in_any([r.name.as_str(), r.scope_name.as_deref().unwrap_or("")]))
        .map(|r| Hit {
            kind: HitKind::Target,
            id: r.id.to_string(),
            detail: format!(
                "{}{} · 全年目标 {}",
                r.scope().kind.label(),
                r.scope_name
                    .as_deref()
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default(),
                r.target_quantity().text()
            ),
            title: r.name,
        })
        .collect();
    groups.extend(group(HitKind::Target, targets));

    // Indicators: the catalogue every user reads.
    let indicators = store
        .indicators()
        .await?
        .into_iter()
        .filter(|i| needle.in_any([i.name.as_str()]))
        .map(|i| Hit {
            kind: HitKind::Indicator,
            detail: "找位置 · 指标分析".to_string(),
            id: i.code,
            title: i.name,
        })
        .collect();
    groups.extend(group(HitKind::Indicator, indicators));

    // Tasks: as the task lists read them.
    let tasks = crate::claim::tasks(store, principal, region, None)
        .await?
        .into_iter()
        .filter(|t| {
            needle.in_any([
                t.title.as_str(),
                t.description.as_str(),
                t.track_name.as_deref().unwrap_or(""),
                t.town_name.as_deref().unwrap_or(""),
            ])
        })
        .map(|t| Hit {
            kind: HitKind::Task,
            id: t.id.to_string(),
            detail: format!(
                "{} · 期限 {}{}",
                t.state().label(),
                t.deadline,
                t.track_name
                    .as_deref()
                    .or(t.town_name.as_deref())
                    .map(|n| format!(" · {n}"))
                    .unwrap_or_default()
            ),
            title: t.title,
        })
        .collect();
    groups.extend(group(HitKind::Task, tasks));

    // Shortfalls: as the shortfall list reads them.
    let shortfalls = crate::claim::list_shortfalls(store, principal, region)
        .await?
        .into_iter()
        .filter(|s| {
            needle.in_any([
                s.shortfall.indicator_name.as_str(),
                s.shortfall.sentence.as_str(),
                s.shortfall.analysis.as_str(),
            ])
        })
        .map(|s| {
            let period = Period::parse(&s.shortfall.period)
                .map(|p| format!("{} 年 {}", p.year(), p.label()))
                .unwrap_or_default();
            Hit {
                kind: HitKind::Shortfall,
                id: s.shortfall.id.to_string(),
                title: format!("{}短板", s.shortfall.indicator_name),
                detail: format!("{period} · {}", if s.open { "未关闭" } else { "已关闭" }),
            }
        })
        .collect();
    groups.extend(group(HitKind::Shortfall, shortfalls));

    // Projects: only those the caller reads, matched on the names the caller sees.
    let access = ProjectAccess::load(store, principal).await?;
    let all = store.projects_snapshot(region).await?;
    let projects = all
        .iter()
        .filter(|p| access.can_read(p))
        .filter_map(|p| access.view(p.clone()))
        .filter(|v| {
            let r = v.row();
            needle.in_any([
                r.name.as_str(),
                r.investor_name.as_str(),
                r.track_name.as_deref().unwrap_or(""),
                r.town_name.as_deref().unwrap_or(""),
            ])
        })
        .map(|v| {
            let r = v.row();
            Hit {
                kind: HitKind::Project,
                id: r.id.to_string(),
                title: r.name.clone(),
                detail: [
                    Some(r.stage().label().to_string()),
                    r.town_name.clone(),
                    r.track_name.clone(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            }
        })
        .collect();
    groups.extend(group(HitKind::Project, projects));

    Ok(SearchResults { q, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_bounded_and_blank_is_nothing_to_search() {
        assert_eq!(parse_query("  智能家电 ").ok().as_deref(), Some("智能家电"));
        assert_eq!(parse_query("   ").ok().as_deref(), Some(""));
        assert!(parse_query(&"家".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(matches!(
            parse_query(&"家".repeat(MAX_QUERY_CHARS + 1)),
            Err(Error::Invalid { field: Some(f), .. }) if f == "q"
        ));
        assert!(parse_query("智能\u{0}家电").is_err());
    }

    #[test]
    fn matching_ignores_latin_case() {
        let n = Needle::new("GDP");
        assert!(n.in_any(["全市gdp增速"]));
        assert!(!Needle::new("家电").in_any(["智能装备", ""]));
    }
}
