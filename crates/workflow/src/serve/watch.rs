//! Watch lists (重点企业运行监测): 小升规 candidates, 退规 risk, and firms whose output or
//! electricity use fell sharply, read from the firms' year-to-date figures of a month with
//! `analytics::watch`. A list names a firm only to those who may see its figures (statistics
//! law); after every figures import the lists are refreshed and a firm newly on a list is
//! announced to its town and its service manager.

use crate::Error;
use analytics::watch::{assess, FirmYtd, WatchHit, WatchKind, WatchRules};
use domain::access::EnterpriseFacts;
use domain::decimal::fixed;
use domain::Principal;
use std::collections::HashMap;
use store::firm_figures::FigureRow;
use store::watch::WatchFirm;
use store::{Actor, Store};

type Result<T> = std::result::Result<T, Error>;

/// A list's name.
pub fn kind_label(kind: WatchKind) -> &'static str {
    match kind {
        WatchKind::Candidate => "小升规培育",
        WatchKind::ExitRisk => "退规风险",
        WatchKind::OutputFall => "产值大幅下降",
        WatchKind::ElectricityFall => "用电量大幅下降",
    }
}

/// One firm on one list, with the reason in words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchLine {
    pub kind: WatchKind,
    pub kind_label: &'static str,
    pub uscc: String,
    pub name: String,
    pub town_name: Option<String>,
    pub service_manager_name: Option<String>,
    pub reason: String,
    pub hit: WatchHit,
}

/// The lists of a month as the caller may see them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchLists {
    /// `YYYY-MM`; `None` when the region has no figures.
    pub period: Option<String>,
    pub lines: Vec<WatchLine>,
    /// Firms on the lists whose figures the caller may not see (counted, not named).
    pub hidden: usize,
}

fn wan(yuan: Option<i64>) -> Option<f64> {
    yuan.map(|v| v as f64 / 10_000.0)
}

fn months_of(period: &str) -> u32 {
    period
        .split_once('-')
        .and_then(|(_, m)| m.parse::<u32>().ok())
        .unwrap_or(0)
}

fn month_label(period: &str) -> String {
    match months_of(period) {
        1 => "1 月".to_string(),
        m => format!("1–{m} 月"),
    }
}

/// The reason a firm is on a list, in the words of a statistics report.
fn reason(hit: &WatchHit, period: &str) -> String {
    let months = month_label(period);
    match hit.kind {
        WatchKind::Candidate => format!(
            "{months}营业收入折合全年 {} 万元，达到规上标准 {} 万元的 {}%",
            fixed(hit.value, 0),
            fixed(hit.reference, 0),
            fixed(hit.measure * 100.0, 1)
        ),
        WatchKind::ExitRisk => format!(
            "{months}营业收入同比下降，折合全年 {} 万元，仅为规上标准 {} 万元的 {}%",
            fixed(hit.value, 0),
            fixed(hit.reference, 0),
            fixed(hit.measure * 100.0, 1)
        ),
        WatchKind::OutputFall => format!(
            "{months}工业总产值 {} 万元，同比下降 {}%",
            fixed(hit.value, 0),
            fixed(-hit.measure, 1)
        ),
        WatchKind::ElectricityFall => format!(
            "{months}用电量 {} 万千瓦时，同比下降 {}%",
            fixed(hit.value / 10_000.0, 1),
            fixed(-hit.measure, 1)
        ),
    }
}

/// Every firm's hits for `period`, computed from the stored figures.
async fn hits_of(
    store: &Store,
    rules: &WatchRules,
    region: &str,
    period: &str,
    firms: &[WatchFirm],
) -> Result<Vec<WatchHit>> {
    let last_period = super::figures::year_before(period).unwrap_or_default();
    let rows = store
        .region_figures(region, &[period, last_period.as_str()])
        .await?;
    let mut now: HashMap<i64, &FigureRow> = HashMap::new();
    let mut before: HashMap<i64, &FigureRow> = HashMap::new();
    for r in &rows {
        if r.period == period {
            now.insert(r.enterprise_id, r);
        } else {
            before.insert(r.enterprise_id, r);
        }
    }
    let months = months_of(period);
    let mut hits = Vec::new();
    for f in firms {
        let Some(row) = now.get(&f.id) else {
            continue;
        };
        let threshold = f
            .industry_code
            .as_deref()
            .and_then(|c| domain::industry::class(c).ok())
            .as_ref()
            .and_then(domain::enterprise::scale_line)
            .map(|l| l.threshold_wan as f64);
        let last = before.get(&f.id);
        let ytd = FirmYtd {
            id: f.id,
            above_scale: f.above_scale == 1,
            threshold_wan: threshold,
            months,
            revenue_wan: wan(row.revenue_yuan),
            revenue_last_wan: wan(row.revenue_last_year_yuan)
                .or_else(|| last.and_then(|l| wan(l.revenue_yuan))),
            output_wan: wan(row.output_value_yuan),
            output_last_wan: wan(row.output_value_last_year_yuan)
                .or_else(|| last.and_then(|l| wan(l.output_value_yuan))),
            electricity_kwh: row.electricity_kwh.map(|v| v as f64),
            electricity_last_kwh: last.and_then(|l| l.electricity_kwh.map(|v| v as f64)),
        };
        hits.extend(assess(rules, &ytd));
    }
    Ok(hits)
}

/// The lists of a month (the latest with figures when `period` is `None`), optionally one
/// kind and one town, as the caller may see them.
pub async fn watch_lists(
    store: &Store,
    principal: &Principal,
    rules: &WatchRules,
    region: &str,
    period: Option<&str>,
    kind: Option<WatchKind>,
) -> Result<WatchLists> {
    lists_of(store, principal, rules, region, period, kind, |_| true).await
}

/// The lists of the latest month for the firms a service manager serves (his desk's alerts).
pub async fn for_manager(
    store: &Store,
    principal: &Principal,
    rules: &WatchRules,
    region: &str,
    person: i64,
) -> Result<Vec<WatchLine>> {
    Ok(lists_of(store, principal, rules, region, None, None, |f| {
        f.service_manager_id == Some(person)
    })
    .await?
    .lines)
}

async fn lists_of(
    store: &Store,
    principal: &Principal,
    rules: &WatchRules,
    region: &str,
    period: Option<&str>,
    kind: Option<WatchKind>,
    keep: impl Fn(&WatchFirm) -> bool,
) -> Result<WatchLists> {
    let periods = store.figure_periods(region).await?;
    let period = match period {
        Some(p) => {
            if !periods.iter().any(|x| x == p) {
                return Err(Error::invalid_field(
                    "period",
                    format!("{p} 没有企业月度数据"),
                ));
            }
            p.to_string()
        }
        None => match periods.first() {
            Some(p) => p.clone(),
            None => {
                return Ok(WatchLists {
                    period: None,
                    lines: Vec::new(),
                    hidden: 0,
                })
            }
        },
    };
    let firms: Vec<WatchFirm> = store
        .watch_firms(region)
        .await?
        .into_iter()
        .filter(|f| keep(f))
        .collect();
    let tracks = store.region_firm_tracks(region).await?;
    let leaders = store.track_leaders(region).await?;
    let by_id: HashMap<i64, &WatchFirm> = firms.iter().map(|f| (f.id, f)).collect();
    let mut lines = Vec::new();
    let mut hidden = 0;
    for hit in hits_of(store, rules, region, &period, &firms).await? {
        if kind.is_some_and(|k| k != hit.kind) {
            continue;
        }
        let Some(f) = by_id.get(&hit.id) else {
            continue;
        };
        let mut track_leaders: Vec<i64> = tracks
            .get(&f.id)
            .into_iter()
            .flatten()
            .flat_map(|t| leaders.get(t).cloned().unwrap_or_default())
            .collect();
        track_leaders.sort_unstable();
        track_leaders.dedup();
        let facts = EnterpriseFacts {
            town: f.town_id,
            service_manager: f.service_manager_id,
            track_leaders,
        };
        if !principal.can_see_firm_figures(&facts) {
            hidden += 1;
            continue;
        }
        lines.push(WatchLine {
            kind: hit.kind,
            kind_label: kind_label(hit.kind),
            uscc: f.uscc.clone(),
            name: f.name.clone(),
            town_name: f.town_name.clone(),
            service_manager_name: f.service_manager_name.clone(),
            reason: reason(&hit, &period),
            hit,
        });
    }
    lines.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.hit.measure.total_cmp(&b.hit.measure))
    });
    Ok(WatchLists {
        period: Some(period),
        lines,
        hidden,
    })
}

/// Recomputes the lists of the region's latest month and announces the firms newly on a list
/// (not on it for this or any earlier month) to their town and service manager. Returns how many firms
/// were announced.
pub async fn refresh(
    store: &Store,
    actor: &Actor,
    rules: &WatchRules,
    region: &str,
) -> Result<usize> {
    let Some(period) = store.figure_periods(region).await?.into_iter().next() else {
        return Ok(0);
    };
    let firms = store.watch_firms(region).await?;
    let by_id: HashMap<i64, &WatchFirm> = firms.iter().map(|f| (f.id, f)).collect();
    let hits = hits_of(store, rules, region, &period, &firms).await?;
    let known = store.watch_known(region, &period).await?;
    let mut entries = Vec::new();
    let mut notices = Vec::new();
    let mut announced = 0;
    for hit in &hits {
        let key = (hit.kind.code().to_string(), hit.id);
        entries.push(key.clone());
        if known.contains(&key) {
            continue;
        }
        let Some(f) = by_id.get(&hit.id) else {
            continue;
        };
        announced += 1;
        let text = format!(
            "【重点监测】{} 列入“{}”名单：{}",
            f.name,
            kind_label(hit.kind),
            reason(hit, &period)
        );
        for user in store.firm_watchers(hit.id).await? {
            notices.push((user, text.clone()));
        }
    }
    // Lists that did not change are not written again (an import of another month, or of the
    // same figures, leaves the log as it was).
    let stored = store.watch_entries(region, &period).await?;
    if notices.is_empty()
        && entries
            .iter()
            .cloned()
            .collect::<std::collections::HashSet<_>>()
            == stored
    {
        return Ok(announced);
    }
    let mut tx = store.begin_write().await?;
    tx.replace_watch(actor, region, &period, &entries, &notices)
        .await?;
    tx.commit().await?;
    Ok(announced)
}
