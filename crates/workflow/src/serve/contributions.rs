//! Which firms hold an indicator back (找位置's drill-down, issue 11 §4): for an indicator built
//! from firms, the panel of the caller's firms (a town user: his town's), each firm's
//! contribution to its year-to-date growth in 百分点 (`analytics::firm_panel`, METHODS §5),
//! sorted most negative first, by town and by track, entrants and exits apart, and the panel's
//! growth beside the bureau's published figure. A firm whose figures the caller may not see is
//! not named; it is counted into aggregates shown only when they cover at least three firms.

use crate::Error;
use analytics::firm_panel::{self, FirmValues};
use domain::access::{group_sum_may_be_shown, EnterpriseFacts};
use domain::enterprise::ScaleKind;
use domain::{Period, Principal, Role};
use std::collections::{BTreeMap, HashMap};
use store::firm_figures::{FigureRow, PanelFirm};
use store::Store;

/// The firm figure an indicator is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    OutputValue,
    Revenue,
}

impl Measure {
    pub fn label(self) -> &'static str {
        match self {
            Measure::OutputValue => "工业总产值",
            Measure::Revenue => "营业收入",
        }
    }

    fn this_year(self, r: &FigureRow) -> Option<i64> {
        match self {
            Measure::OutputValue => r.output_value_yuan,
            Measure::Revenue => r.revenue_yuan,
        }
    }

    fn last_year(self, r: &FigureRow) -> Option<i64> {
        match self {
            Measure::OutputValue => r.output_value_last_year_yuan,
            Measure::Revenue => r.revenue_last_year_yuan,
        }
    }
}

/// The one place that says which indicators are built from firms: indicator code, the firm
/// figure, and the survey the firms are in (decision 142).
pub const FIRM_INDICATORS: &[(&str, Measure, ScaleKind)] = &[
    ("industrial-va", Measure::OutputValue, ScaleKind::Industry),
    (
        "industrial-output",
        Measure::OutputValue,
        ScaleKind::Industry,
    ),
    ("services-revenue", Measure::Revenue, ScaleKind::Services),
    ("wholesale-sales", Measure::Revenue, ScaleKind::Wholesale),
    ("retail-sales-above", Measure::Revenue, ScaleKind::Retail),
    (
        "accommodation-revenue",
        Measure::Revenue,
        ScaleKind::Hospitality,
    ),
    ("catering-revenue", Measure::Revenue, ScaleKind::Hospitality),
];

/// The measure and survey of an indicator built from firms.
pub fn measure_of(indicator: &str) -> Option<(Measure, ScaleKind)> {
    FIRM_INDICATORS
        .iter()
        .find(|(c, _, _)| *c == indicator)
        .map(|(_, m, k)| (*m, *k))
}

/// The question: an indicator, a region and a month, optional town and track filters, a page.
#[derive(Debug, Clone)]
pub struct ContributionQuery {
    pub region: String,
    pub indicator: String,
    pub period: Period,
    pub town_id: Option<i64>,
    pub track_id: Option<i64>,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
}

/// A firm of the panel, named (the caller may see its figures).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmLine {
    pub enterprise_id: i64,
    pub uscc: String,
    pub name: String,
    pub town_name: Option<String>,
    pub tracks: Vec<String>,
    pub this_year_wan: f64,
    pub last_year_wan: f64,
    pub growth_pct: Option<f64>,
    /// Hundredths of a 百分点, and as text with two decimals.
    pub contribution_e2: i64,
    pub contribution_pp: String,
}

/// A group of the panel's firms (a town, a track, the firms not named).
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupLine {
    pub id: Option<i64>,
    pub name: String,
    pub firms: usize,
    /// `None` when the group covers fewer than three firms the caller may not see each of.
    pub contribution_e2: Option<i64>,
    pub contribution_pp: Option<String>,
}

/// A firm outside the panel (新入规 or 退规), named where the caller may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutsideFirm {
    pub uscc: String,
    pub name: String,
    pub town_name: Option<String>,
    pub value_wan: f64,
}

/// The answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmContributions {
    pub region: String,
    pub indicator: String,
    pub indicator_name: String,
    pub measure: Measure,
    pub measure_label: &'static str,
    pub period: String,
    pub period_label: String,
    /// The caller's scope: "全市" or his town's name.
    pub scope_label: String,
    pub panel_firms: usize,
    /// Whether the panel's totals may be shown (all firms visible, or at least three).
    pub aggregate_shown: bool,
    pub growth_e2: Option<i64>,
    pub growth_pct: Option<String>,
    pub this_year_wan: Option<f64>,
    pub last_year_wan: Option<f64>,
    /// The named firms matching the filters, most negative first, one page of them.
    pub firms: Vec<FirmLine>,
    pub page: i64,
    pub per_page: i64,
    pub has_more: bool,
    /// All named firms matching the filters, and the sum of their contributions.
    pub listed_firms: usize,
    pub listed_sum_e2: i64,
    pub listed_sum_pp: String,
    /// The panel's firms the caller may not see one by one, as one aggregate.
    pub hidden: GroupLine,
    pub by_town: Vec<GroupLine>,
    pub by_track: Vec<GroupLine>,
    pub entrants: Vec<OutsideFirm>,
    pub entrants_hidden: usize,
    pub exits: Vec<OutsideFirm>,
    pub exits_hidden: usize,
    pub published_growth_pct: Option<f64>,
    pub coverage_difference_pp: Option<f64>,
    pub coverage_sentence: String,
}

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 200;
/// `per_page` for callers inside the program that need every firm on one page.
pub const ALL_ROWS: i64 = i64::MAX;

fn wan(yuan: i64) -> f64 {
    yuan as f64 / 10_000.0
}

/// The firms behind an indicator's growth, within the caller's scope.
pub async fn firm_contributions(
    store: &Store,
    principal: &Principal,
    q: &ContributionQuery,
) -> Result<FirmContributions, Error> {
    let region = store
        .region(&q.region)
        .await?
        .ok_or_else(|| Error::UnknownRegion(q.region.clone()))?;
    let indicator = store
        .indicators()
        .await?
        .into_iter()
        .find(|i| i.code == q.indicator)
        .ok_or_else(|| Error::NotFound(format!("指标“{}”", q.indicator)))?;
    let (measure, kind) = measure_of(&indicator.code).ok_or_else(|| {
        Error::invalid_field(
            "indicator",
            format!(
                "“{}”不是由企业数据汇总的指标，没有企业贡献可看",
                indicator.name
            ),
        )
    })?;
    let Period::Month { year, month } = q.period else {
        return Err(Error::invalid_field("period", "期别应为月份，如 2025-09"));
    };
    let period = format!("{year:04}-{month:02}");
    let before = format!("{:04}-{month:02}", year - 1);
    let per_page = if q.per_page <= 0 {
        DEFAULT_PER_PAGE
    } else if q.per_page == ALL_ROWS {
        ALL_ROWS
    } else {
        q.per_page.min(MAX_PER_PAGE)
    };
    let page = q.page.max(1);
    // The caller's scope: a town user's panel is his town's firms.
    let only_town = match principal.role {
        Role::Town => Some(principal.town_id.unwrap_or(-1)),
        _ => None,
    };
    let scope_label = match only_town {
        Some(t) => store
            .towns(&q.region)
            .await?
            .into_iter()
            .find(|x| x.id == t)
            .map(|x| x.name)
            .unwrap_or_else(|| "本镇街".into()),
        None => region.name.clone(),
    };
    let firms: HashMap<i64, PanelFirm> = store
        .panel_firms(&q.region)
        .await?
        .into_iter()
        .filter(|f| f.scale_kind == kind.code())
        .filter(|f| only_town.is_none() || f.town_id == only_town)
        .map(|f| (f.id, f))
        .collect();
    let rows = store
        .region_figures(&q.region, &[period.as_str(), before.as_str()])
        .await?;
    let mut now: HashMap<i64, &FigureRow> = HashMap::new();
    let mut then: HashMap<i64, &FigureRow> = HashMap::new();
    for r in &rows {
        if r.period == period {
            now.insert(r.enterprise_id, r);
        } else {
            then.insert(r.enterprise_id, r);
        }
    }
    let firm_tracks = store.region_firm_tracks(&q.region).await?;
    let leaders = store.track_leaders(&q.region).await?;
    let track_names: HashMap<i64, String> = store
        .tracks(&q.region)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let visible = |f: &PanelFirm| {
        let tracks = firm_tracks.get(&f.id).cloned().unwrap_or_default();
        let mut track_leaders: Vec<i64> = tracks
            .iter()
            .flat_map(|t| leaders.get(t).cloned().unwrap_or_default())
            .collect();
        track_leaders.sort_unstable();
        track_leaders.dedup();
        principal.can_see_firm_figures(&EnterpriseFacts {
            town: f.town_id,
            service_manager: f.service_manager_id,
            track_leaders,
        })
    };
    let mut ids: Vec<i64> = firms.keys().copied().collect();
    ids.sort_unstable();
    let values: Vec<FirmValues<i64>> = ids
        .iter()
        .map(|id| {
            let x = now.get(id).and_then(|r| measure.this_year(r));
            let l = now
                .get(id)
                .and_then(|r| measure.last_year(r))
                .or_else(|| then.get(id).and_then(|r| measure.this_year(r)));
            FirmValues {
                key: *id,
                this_year: x,
                last_year: l,
            }
        })
        .collect();
    let panel = firm_panel::panel(&values);
    let n = panel.firms.len();
    // A sum is shown when the firms in it the caller may not see are none or at least three
    // (the sum less the named firms' values is theirs).
    let hidden_in_panel = panel
        .firms
        .iter()
        .filter(|c| firms.get(&c.key).is_some_and(|f| !visible(f)))
        .count();
    let aggregate_shown = group_sum_may_be_shown(hidden_in_panel);
    let shown = |hidden_in: usize, sum: i64| {
        if group_sum_may_be_shown(hidden_in) {
            (Some(sum), Some(firm_panel::e2_text(sum)))
        } else {
            (None, None)
        }
    };
    // Named lines, groups by town and track, and the firms not named.
    let mut lines = Vec::new();
    let mut hidden = (0usize, 0i64);
    // Per group: its firms, their sum, and how many of them the caller may not see.
    let mut towns: BTreeMap<(String, i64), (usize, i64, usize)> = BTreeMap::new();
    let mut tracks: BTreeMap<i64, (usize, i64, usize)> = BTreeMap::new();
    for c in &panel.firms {
        let Some(f) = firms.get(&c.key) else { continue };
        let see = visible(f);
        let t = towns
            .entry((
                f.town_name.clone().unwrap_or_else(|| "未定镇街".into()),
                f.town_id.unwrap_or(0),
            ))
            .or_insert((0, 0, 0));
        t.0 += 1;
        t.1 += c.contribution_e2;
        t.2 += usize::from(!see);
        let its_tracks = firm_tracks.get(&f.id).cloned().unwrap_or_default();
        for tr in &its_tracks {
            let e = tracks.entry(*tr).or_insert((0, 0, 0));
            e.0 += 1;
            e.1 += c.contribution_e2;
            e.2 += usize::from(!see);
        }
        if !see {
            hidden.0 += 1;
            hidden.1 += c.contribution_e2;
            continue;
        }
        if q.town_id.is_some() && f.town_id != q.town_id {
            continue;
        }
        if let Some(tr) = q.track_id {
            if !its_tracks.contains(&tr) {
                continue;
            }
        }
        lines.push(FirmLine {
            enterprise_id: f.id,
            uscc: f.uscc.clone(),
            name: f.name.clone(),
            town_name: f.town_name.clone(),
            tracks: its_tracks
                .iter()
                .filter_map(|t| track_names.get(t).cloned())
                .collect(),
            this_year_wan: wan(c.this_year),
            last_year_wan: wan(c.last_year),
            growth_pct: (c.last_year > 0).then(|| {
                ((c.this_year - c.last_year) as f64 / c.last_year as f64 * 1000.0).round() / 10.0
            }),
            contribution_e2: c.contribution_e2,
            contribution_pp: firm_panel::e2_text(c.contribution_e2),
        });
    }
    let listed_firms = lines.len();
    let listed_sum_e2: i64 = lines.iter().map(|l| l.contribution_e2).sum();
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let has_more = lines.len() > start.saturating_add(per_page as usize);
    let firms_page: Vec<FirmLine> = lines
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    let group = |id: Option<i64>, name: String, (k, sum, hidden_in): (usize, i64, usize)| {
        let (e2, pp) = shown(hidden_in, sum);
        GroupLine {
            id,
            name,
            firms: k,
            contribution_e2: e2,
            contribution_pp: pp,
        }
    };
    let mut by_town: Vec<GroupLine> = towns
        .into_iter()
        .map(|((name, id), v)| group((id != 0).then_some(id), name, v))
        .collect();
    by_town.sort_by_key(|g| g.contribution_e2.unwrap_or(i64::MAX));
    let mut by_track: Vec<GroupLine> = tracks
        .into_iter()
        .map(|(id, v)| {
            group(
                Some(id),
                track_names.get(&id).cloned().unwrap_or_default(),
                v,
            )
        })
        .collect();
    by_track.sort_by_key(|g| g.contribution_e2.unwrap_or(i64::MAX));
    let hidden = group(
        None,
        "其他企业（数据保密）".into(),
        (hidden.0, hidden.1, hidden.0),
    );
    let outside = |list: &[(i64, i64)]| {
        let mut named = Vec::new();
        let mut unnamed = 0;
        for (id, v) in list {
            match firms.get(id) {
                Some(f) if visible(f) => named.push(OutsideFirm {
                    uscc: f.uscc.clone(),
                    name: f.name.clone(),
                    town_name: f.town_name.clone(),
                    value_wan: wan(*v),
                }),
                _ => unnamed += 1,
            }
        }
        (named, unnamed)
    };
    let (entrants, entrants_hidden) = outside(&panel.entrants);
    let (exits, exits_hidden) = outside(&panel.exits);
    // The bureau's published growth for the month, as 找位置 reads it.
    let published = if only_town.is_none() {
        store
            .observations_as_of(&q.region, year, month)
            .await?
            .into_iter()
            .find(|o| o.indicator == indicator.code && o.end_month == i64::from(month))
            .and_then(|o| o.ytd_growth)
    } else {
        None
    };
    let growth_e2 = panel.growth_e2.filter(|_| aggregate_shown);
    let cov = match (growth_e2, published) {
        (Some(g), Some(p)) => firm_panel::coverage(g, p),
        _ => None,
    };
    let coverage_sentence = match (&cov, growth_e2) {
        (Some(c), Some(g)) => format!(
            "企业面板（{n} 家）{}累计增长 {}%，统计部门公布 {}{:.1}%，相差 {:.2} 个百分点：差额来自面板以外的企业（新入规 {} 家、退规 {} 家及未报送企业）和{}与企业{}口径的差别，属覆盖范围不同，不是计算误差。",
            measure.label(),
            firm_panel::e2_text(g),
            indicator.name,
            c.published_growth_pct,
            c.difference_pp,
            panel.entrants.len(),
            panel.exits.len(),
            indicator.name,
            measure.label(),
        ),
        (_, Some(_)) if only_town.is_some() => {
            format!("{scope_label}企业面板，不与全市公布数比较。")
        }
        (_, Some(_)) => format!("{}本期没有公布数，无法比较覆盖差额。", indicator.name),
        (_, None) if n == 0 => "本期没有同时有本年和上年同期数据的企业。".into(),
        (_, None) => "企业不足 3 家，合计数据保密。".into(),
    };
    Ok(FirmContributions {
        region: q.region.clone(),
        indicator: indicator.code.clone(),
        indicator_name: indicator.name.clone(),
        measure,
        measure_label: measure.label(),
        period: period.clone(),
        period_label: format!("{year} 年 {}", q.period.label()),
        scope_label,
        panel_firms: n,
        aggregate_shown,
        growth_pct: growth_e2.map(firm_panel::e2_text),
        growth_e2,
        this_year_wan: aggregate_shown.then(|| wan(panel.this_year)),
        last_year_wan: aggregate_shown.then(|| wan(panel.last_year)),
        firms: firms_page,
        page,
        per_page,
        has_more,
        listed_firms,
        listed_sum_e2,
        listed_sum_pp: firm_panel::e2_text(listed_sum_e2),
        hidden,
        by_town,
        by_track,
        entrants,
        entrants_hidden,
        exits,
        exits_hidden,
        published_growth_pct: published,
        coverage_difference_pp: cov.map(|c| c.difference_pp),
        coverage_sentence,
    })
}
