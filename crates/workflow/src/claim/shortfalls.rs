//! Shortfalls (短板): opened from the analysis with its numbers frozen, at most one open per
//! region, indicator and period; read with their tasks; closed by the office.

use analytics::WarningRules;
use domain::{BoundedText, Period, Principal, TaskState};
use store::claim::{Remedy, Shortfall, ShortfallLink, TaskFilter, TaskRow};
use store::{Store, StoreError};

use super::{find_town, find_track, require_office, Caller, Ref};
use crate::locate::build_report;
use crate::Error;

/// Open a shortfall for an indicator of the analysis of `period`.
#[derive(Debug, Clone)]
pub struct OpenShortfall {
    pub region: String,
    pub period: Period,
    pub indicator: String,
    /// The office's analysis of the problem (问题、短板、弱项分析).
    pub analysis: String,
    pub tracks: Vec<Ref>,
    pub towns: Vec<Ref>,
    /// USCCs of the firms that pulled the indicator down (找位置's drill-down), attached to
    /// the shortfall and carried to its 存量提升 tasks as their served firms.
    pub enterprises: Vec<String>,
}

/// Close an open shortfall, saying why.
#[derive(Debug, Clone)]
pub struct CloseShortfall {
    pub id: i64,
    pub note: String,
}

/// The error for a second open shortfall: it names the first.
async fn duplicate(store: &Store, cmd: &OpenShortfall) -> Result<Option<Error>, Error> {
    let period = cmd.period.to_string();
    let Some(existing_id) = store
        .open_shortfall_id(&cmd.region, &cmd.indicator, &period)
        .await?
    else {
        return Ok(None);
    };
    let name = store
        .shortfall(existing_id)
        .await?
        .map(|(s, _)| s.indicator_name)
        .unwrap_or_else(|| cmd.indicator.clone());
    Ok(Some(Error::DuplicateShortfall {
        existing_id,
        indicator_name: name,
        period,
    }))
}

/// Opens a shortfall (短板) from the analysis of the period, freezing its numbers as they are
/// now. A second open shortfall for the same region, indicator and period is refused with
/// [`Error::DuplicateShortfall`] naming the first — also when two requests race (the database
/// keeps one open shortfall per region, indicator and period).
pub async fn open_shortfall(
    store: &Store,
    rules: &WarningRules,
    caller: Caller<'_>,
    cmd: &OpenShortfall,
) -> Result<i64, Error> {
    require_office(caller.principal)?;
    let analysis = BoundedText::parse_multiline(&cmd.analysis, "问题、短板、弱项分析", 4000)
        .map_err(|e| Error::invalid_field("analysis", e.to_string()))?;
    let tracks = store.tracks(&cmd.region).await?;
    let towns = store.towns(&cmd.region).await?;
    let mut links = Vec::new();
    for r in &cmd.tracks {
        links.push(("track".to_string(), find_track(&tracks, r)?));
    }
    for r in &cmd.towns {
        links.push(("town".to_string(), find_town(&towns, r)?));
    }
    if let Some(e) = duplicate(store, cmd).await? {
        return Err(e);
    }
    let firms = attached_firms(store, caller.principal, cmd).await?;
    let report = build_report(store, &cmd.region, cmd.period, None, rules).await?;
    let line = report
        .indicators
        .iter()
        .find(|k| k.code == cmd.indicator)
        .ok_or_else(|| Error::UnknownIndicator(cmd.indicator.clone()))?;
    let snapshot = serde_json::json!({
        "period": report.period, "gdp_growth_pct": report.gdp_growth_pct, "target_growth_pct": report.target_growth_pct,
        "gap_pp": report.gap_pp, "model_version": report.model_version, "indicator": line,
    });
    let new = store::claim::NewShortfall {
        region_code: cmd.region.clone(),
        period: cmd.period.to_string(),
        indicator: line.code.clone(),
        indicator_name: line.name.clone(),
        real_growth_pct: line.real_growth_pct,
        target_growth_pct: line.target_growth_pct,
        shortfall_pp: line.shortfall_pp,
        sensitivity: line.sensitivity,
        sentence: line.sentence.clone(),
        snapshot_json: snapshot.to_string(),
        analysis: analysis.into_string(),
        links,
    };
    let written = async {
        let mut tx = store.begin_write().await?;
        let id = tx.create_shortfall(caller.actor, &new).await?;
        if !firms.is_empty() {
            tx.attach_shortfall_firms(caller.actor, &cmd.region, id, &firms)
                .await?;
        }
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match written {
        Ok(id) => Ok(id),
        // A parallel request opened it first: the unique index kept one; name it.
        Err(StoreError::Conflict(m)) => {
            Err(duplicate(store, cmd).await?.unwrap_or(Error::Conflict(m)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The firms named by the command: each in the region's registry (refused with the code
/// otherwise), with its contribution to the indicator's panel growth where it has one.
async fn attached_firms(
    store: &Store,
    principal: &domain::Principal,
    cmd: &OpenShortfall,
) -> Result<Vec<(i64, Option<i64>)>, Error> {
    if cmd.enterprises.is_empty() {
        return Ok(Vec::new());
    }
    if cmd.enterprises.len() > 200 {
        return Err(Error::invalid_field(
            "enterprise",
            "一次最多附带 200 家企业",
        ));
    }
    let contributions: std::collections::HashMap<String, i64> =
        match crate::serve::contributions::measure_of(&cmd.indicator) {
            Some(_) if matches!(cmd.period, Period::Month { .. }) => {
                crate::serve::contributions::firm_contributions(
                    store,
                    principal,
                    &crate::serve::contributions::ContributionQuery {
                        region: cmd.region.clone(),
                        indicator: cmd.indicator.clone(),
                        period: cmd.period,
                        town_id: None,
                        track_id: None,
                        page: 1,
                        per_page: crate::serve::contributions::ALL_ROWS,
                    },
                )
                .await?
                .firms
                .into_iter()
                .map(|f| (f.uscc, f.contribution_e2))
                .collect()
            }
            _ => Default::default(),
        };
    let mut out: Vec<(i64, Option<i64>)> = Vec::new();
    for raw in &cmd.enterprises {
        let not_found = || {
            Error::invalid_field(
                "enterprise",
                format!("企业“{}”不在本地区企业名录中", raw.trim()),
            )
        };
        let code = domain::Uscc::parse(raw).map_err(|_| not_found())?;
        let row = store
            .firm_by_uscc(code.as_str())
            .await?
            .filter(|r| r.region_code == cmd.region)
            .ok_or_else(not_found)?;
        if !out.iter().any(|(id, _)| *id == row.id) {
            out.push((row.id, contributions.get(code.as_str()).copied()));
        }
    }
    Ok(out)
}

/// Closes an open shortfall (the office); a new one may then be opened for its indicator and
/// period. Its tasks go on as they are.
pub async fn close_shortfall(
    store: &Store,
    caller: Caller<'_>,
    cmd: &CloseShortfall,
) -> Result<(), Error> {
    require_office(caller.principal)?;
    let note = BoundedText::parse(&cmd.note, "关闭说明", 200)
        .map_err(|e| Error::invalid_field("note", e.to_string()))?;
    let mut tx = store.begin_write().await?;
    tx.close_shortfall(caller.actor, cmd.id, note.as_str())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A shortfall with what its page shows.
#[derive(Debug, Clone)]
pub struct ShortfallDetail {
    pub shortfall: Shortfall,
    pub links: Vec<ShortfallLink>,
    /// Remedies for it, best first, with their score.
    pub suggestions: Vec<(Remedy, i64)>,
    /// Its tasks the caller may read.
    pub tasks: Vec<TaskRow>,
    /// The firms it was opened with that the caller may read (a town: his town's); a firm's
    /// contribution is there only when the caller may see its figures.
    pub firms: Vec<store::firm_figures::ShortfallFirm>,
    /// Of those, the firms (ids) whose contribution is withheld from the caller (statistics
    /// law: a contribution is computed from the firm's own output).
    pub figures_withheld: Vec<i64>,
}

pub async fn shortfall_detail(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<ShortfallDetail, Error> {
    let (shortfall, links) = store
        .shortfall(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("短板 {id}")))?;
    let linked_tracks: Vec<i64> = links
        .iter()
        .filter(|l| l.kind == "track")
        .map(|l| l.ref_id)
        .collect();
    let suggestions = store
        .suggest_remedies(&shortfall.region_code, &shortfall.indicator, &linked_tracks)
        .await?;
    let tasks = store
        .tasks(&TaskFilter {
            region: shortfall.region_code.clone(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| t.shortfall_id == Some(id) && principal.can_read_task(t.town_id))
        .collect();
    let mut firms: Vec<store::firm_figures::ShortfallFirm> = store
        .shortfall_firms(id)
        .await?
        .into_iter()
        .filter(|f| {
            principal.can_read_enterprise(&domain::access::EnterpriseFacts {
                town: f.town_id,
                ..Default::default()
            })
        })
        .collect();
    let mut figures_withheld = Vec::new();
    for f in firms.iter_mut() {
        if f.contribution_pp_e2.is_none() {
            continue;
        }
        let facts = match store.firm_by_id(f.enterprise_id).await? {
            Some(row) => crate::serve::enterprises::facts_of(store, &row).await?.0,
            None => domain::access::EnterpriseFacts::default(),
        };
        if !principal.can_see_firm_figures(&facts) {
            f.contribution_pp_e2 = None;
            figures_withheld.push(f.enterprise_id);
        }
    }
    Ok(ShortfallDetail {
        shortfall,
        links,
        suggestions,
        tasks,
        firms,
        figures_withheld,
    })
}

/// A shortfall in the list: its tasks (those the caller reads) and what they expect to close.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShortfallSummary {
    pub shortfall: Shortfall,
    pub open: bool,
    pub tasks: Vec<TaskRow>,
    /// What its live tasks (not cancelled) expect to close, in pp; `None` without an estimate.
    pub expected_pp: Option<f64>,
    /// Of that, what its completed tasks expected to close, in pp.
    pub done_expected_pp: Option<f64>,
}

fn sum(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// Every shortfall of a region, newest first, with the tasks the caller may read.
pub async fn list_shortfalls(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<ShortfallSummary>, Error> {
    let shortfalls = store.shortfalls(region).await?;
    let tasks = store
        .tasks(&TaskFilter {
            region: region.to_string(),
            ..Default::default()
        })
        .await?;
    Ok(shortfalls
        .into_iter()
        .map(|s| {
            let own: Vec<TaskRow> = tasks
                .iter()
                .filter(|t| t.shortfall_id == Some(s.id) && principal.can_read_task(t.town_id))
                .cloned()
                .collect();
            let live = |t: &&TaskRow| t.state() != TaskState::Cancelled;
            ShortfallSummary {
                open: s.closed_at.is_none(),
                expected_pp: sum(own.iter().filter(live).map(|t| t.expected_pp)),
                done_expected_pp: sum(own
                    .iter()
                    .filter(|t| t.state() == TaskState::Done)
                    .map(|t| t.expected_pp)),
                tasks: own,
                shortfall: s,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_only_what_was_estimated() {
        assert_eq!(super::sum([None, None].into_iter()), None);
        assert_eq!(
            super::sum([Some(0.2), None, Some(0.1)].into_iter()),
            Some(0.2 + 0.1)
        );
    }
}
