//! Imports end to end: a file read by `io`, checked against what the database knows, and
//! written in one transaction — or, with any problem, nothing written and every problem
//! reported with its place. The command line and the upload page both come through here.

use io::imports::{self, ObservationRow};
use io::{ImportErrors, Table};
use std::collections::{HashMap, HashSet};
use store::locate::{ModelDriver, ModelIndustry, NewIndicator, NewObservation};
use store::{Actor, Store};

use crate::Error;

/// What an import did (or, as a preview, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    pub message: String,
    pub written: bool,
}

async fn check_region(store: &Store, region: &str) -> Result<(), Error> {
    match store.region(region).await? {
        Some(_) => Ok(()),
        None => Err(Error::UnknownRegion(region.to_string())),
    }
}

/// The indicator catalogue; with `targets`, the target growths are that region's for that year.
pub async fn indicators(
    store: &Store,
    actor: &Actor,
    table: &Table,
    targets: Option<(&str, i32)>,
    write: bool,
) -> Result<ImportSummary, Error> {
    if let Some((region, _)) = targets {
        check_region(store, region).await?;
    }
    let existing: HashMap<String, Option<String>> = store
        .indicators()
        .await?
        .into_iter()
        .map(|k| (k.code, k.deflator))
        .collect();
    let rows = imports::indicators(table, &existing, targets.is_some())?;
    // Insert deflators before the indicators that name them.
    let mut ordered: Vec<&imports::IndicatorRow> = Vec::with_capacity(rows.len());
    let mut placed: HashSet<&str> = existing.keys().map(String::as_str).collect();
    let mut pending: Vec<&imports::IndicatorRow> = rows.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|r| {
            let ready = r
                .deflator
                .as_deref()
                .is_none_or(|d| placed.contains(d) || d == r.code);
            if ready {
                ordered.push(r);
                placed.insert(r.code.as_str());
            }
            !ready
        });
        if pending.len() == before {
            ordered.append(&mut pending);
        }
    }
    let n = rows.len();
    if write {
        let mut tx = store.begin_write().await?;
        for r in &ordered {
            tx.upsert_indicator(
                actor,
                &NewIndicator {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    unit: r.unit.clone(),
                    frequency: r.frequency.clone(),
                    kind: r.kind.clone(),
                    nominal: r.nominal,
                    stock: r.stock,
                    deflator: r.deflator.clone(),
                    owner_department: r.owner_department.clone(),
                },
            )
            .await?;
            if let (Some((region, year)), Some(t)) = (targets, r.target_growth_pct) {
                tx.set_indicator_target(actor, region, year, &r.code, t)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(ImportSummary {
        rows: n,
        message: format!("指标目录 {n} 项"),
        written: write,
    })
}

/// A new version of a region's accounting model for a year.
pub async fn model(
    store: &Store,
    actor: &Actor,
    region: &str,
    year: i32,
    industries: &Table,
    drivers: &Table,
    write: bool,
) -> Result<ImportSummary, Error> {
    check_region(store, region).await?;
    let known: HashSet<String> = store
        .indicators()
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect();
    let (inds, drvs) = imports::model(industries, drivers, &known)?;
    if write {
        let industries: Vec<ModelIndustry> = inds
            .iter()
            .enumerate()
            .map(|(i, r)| ModelIndustry {
                code: r.code.clone(),
                name: r.name.clone(),
                weight: r.weight,
                assumed_growth: r.assumed_growth_pct,
                ordinal: i as i64 + 1,
            })
            .collect();
        let drivers: Vec<ModelDriver> = drvs
            .iter()
            .map(|d| ModelDriver {
                industry: d.industry.clone(),
                indicator: d.indicator.clone(),
                coefficient: d.coefficient,
            })
            .collect();
        let mut tx = store.begin_write().await?;
        tx.create_model(
            actor,
            region,
            year,
            &industries,
            &drivers,
            &format!("{} + {}", industries_name(&inds), drivers_name(&drvs)),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(ImportSummary {
        rows: inds.len() + drvs.len(),
        message: format!(
            "{year} 年核算模型：{} 个行业、{} 条驱动关系",
            inds.len(),
            drvs.len()
        ),
        written: write,
    })
}

fn industries_name(rows: &[imports::IndustryRow]) -> String {
    format!("{} 个行业", rows.len())
}

fn drivers_name(rows: &[imports::DriverRow]) -> String {
    format!("{} 条驱动关系", rows.len())
}

/// Observations of a region; each row appends a revision.
pub async fn observations(
    store: &Store,
    actor: &Actor,
    region: &str,
    table: &Table,
    write: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportSummary, Error> {
    check_region(store, region).await?;
    let mut known: HashMap<String, String> = HashMap::new();
    let mut units: HashMap<String, String> = HashMap::new();
    for k in store.indicators().await? {
        known.insert(k.name.clone(), k.code.clone());
        units.insert(k.code.clone(), k.unit.clone());
        known.insert(k.code.clone(), k.code);
    }
    let today = store.now().date();
    let latest = domain::Period::month(today.year(), today.month() as u32)
        .map_err(|e| ImportErrors::single(&table.file, e.to_string()))?;
    let rows: Vec<ObservationRow> = imports::observations(table, &known, latest, progress)?;
    plausible_values(table, &rows, &units)?;
    if write {
        let new: Vec<NewObservation> = rows
            .iter()
            .map(|r| NewObservation {
                period: r.period,
                indicator: r.indicator.clone(),
                ytd_value: r.ytd_value,
                ytd_growth: r.ytd_growth_pct,
                last_year_total: r.last_year_total,
            })
            .collect();
        // Staged in bounded chunks and published at once: the server keeps answering while a
        // large file loads (store::staging).
        store
            .import_observations(actor, region, &new, &table.file, progress)
            .await?;
    }
    Ok(ImportSummary {
        rows: rows.len(),
        message: format!("统计数据 {} 条", rows.len()),
        written: write,
    })
}

/// Each observed value within the plausible range of its indicator's unit
/// (`domain::bounds::observed_value`), every refusal with its row and column.
fn plausible_values(
    table: &Table,
    rows: &[ObservationRow],
    units: &HashMap<String, String>,
) -> Result<(), Error> {
    let column = imports::header(table, imports::OBSERVATION_COLUMNS, "ytd_value");
    let errors: Vec<io::RowError> = rows
        .iter()
        .filter_map(|r| {
            let v = r.ytd_value?;
            let unit = units.get(&r.indicator).map_or("", String::as_str);
            domain::bounds::observed_value("ytd_value", "累计值", unit, v)
                .err()
                .map(|e| io::RowError {
                    file: table.file.clone(),
                    sheet: table.sheet.clone(),
                    row: r.row,
                    column: column.clone(),
                    reason: e.message,
                })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Rejected(ImportErrors(errors)))
    }
}

/// The remedy library of a region: rows with a known code update that remedy.
pub async fn remedies(
    store: &Store,
    actor: &Actor,
    region: &str,
    table: &Table,
    write: bool,
) -> Result<ImportSummary, Error> {
    check_region(store, region).await?;
    let mut indicators: HashMap<String, String> = HashMap::new();
    for k in store.indicators().await? {
        indicators.insert(k.name.clone(), k.code.clone());
        indicators.insert(k.code.clone(), k.code);
    }
    let track_rows = store.tracks(region).await?;
    let mut tracks: HashMap<String, String> = HashMap::new();
    for t in &track_rows {
        tracks.insert(t.name.clone(), t.code.clone());
        tracks.insert(t.code.clone(), t.code.clone());
    }
    let rows = imports::remedies(table, &indicators, &tracks)?;
    if write {
        let mut tx = store.begin_write().await?;
        for r in &rows {
            let track_ids = r
                .tracks
                .iter()
                .filter_map(|c| track_rows.iter().find(|t| &t.code == c).map(|t| t.id))
                .collect();
            tx.upsert_remedy(
                actor,
                &store::claim::NewRemedy {
                    region_code: region.to_string(),
                    code: r.code.clone(),
                    title: r.title.clone(),
                    description: r.description.clone(),
                    sector: r.sector.clone(),
                    route: r.route,
                    owner_department: r.owner_department.clone(),
                    expected_effect: r.expected_effect.clone(),
                    source: r.source.clone(),
                    indicators: r.indicators.clone(),
                    track_ids,
                },
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(ImportSummary {
        rows: rows.len(),
        message: format!("解决方案 {} 条", rows.len()),
        written: write,
    })
}

/// Projects of a region, each added at its stage with that stage's date; a project without a
/// value added at capacity gets the one `value_added` assumes.
pub async fn projects(
    store: &Store,
    actor: &Actor,
    region: &str,
    table: &Table,
    write: bool,
    settings: &crate::Settings,
) -> Result<ImportSummary, Error> {
    let value_added = &settings.value_added;
    check_region(store, region).await?;
    let track_rows = store.tracks(region).await?;
    let town_rows = store.towns(region).await?;
    let mut tracks: HashMap<String, String> = HashMap::new();
    for t in &track_rows {
        tracks.insert(t.name.clone(), t.code.clone());
        tracks.insert(t.code.clone(), t.code.clone());
    }
    let mut towns: HashMap<String, String> = HashMap::new();
    for t in &town_rows {
        towns.insert(t.name.clone(), t.code.clone());
        towns.insert(t.code.clone(), t.code.clone());
    }
    let today = domain::period::format_date(store.now().date());
    let rows = imports::projects(table, &tracks, &towns, &today, &settings.bounds)?;
    if write {
        let mut tx = store.begin_write().await?;
        for r in &rows {
            let new = store::land::NewProject {
                region_code: region.to_string(),
                name: r.name.clone(),
                code_name: r.code_name.clone(),
                investor_name: r.investor.clone(),
                track_id: r
                    .track
                    .as_ref()
                    .and_then(|c| track_rows.iter().find(|t| &t.code == c).map(|t| t.id)),
                chain_link: r.chain_link.clone(),
                host_area_id: None,
                town_id: r
                    .town
                    .as_ref()
                    .and_then(|c| town_rows.iter().find(|t| &t.code == c).map(|t| t.id)),
                total_investment: r.total_investment,
                fixed_asset_investment: r.fixed_asset_investment,
                output_at_capacity: r.output_at_capacity,
                value_added_at_capacity: r
                    .value_added_at_capacity
                    .or(r.total_investment.map(|v| value_added.assumed(v))),
                tax_at_capacity: None,
                jobs: None,
                expected_production_month: r.expected_production_month.clone(),
                source_kind: "import".into(),
                source_task_id: None,
                source_lead_id: None,
            };
            tx.create_project(actor, &new, r.stage, &r.stage_date)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(ImportSummary {
        rows: rows.len(),
        message: format!("项目 {} 个", rows.len()),
        written: write,
    })
}
