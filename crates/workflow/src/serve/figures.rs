//! Firms' monthly figures (重点企业运行监测): the import of a month's 联网直报 figures — checked
//! in full against the region's registry, then written in one audited transaction that replaces
//! what was stored for the same firms and months — and one firm's series as the caller may see
//! it (the statistics law's rule is `domain::access::Principal::can_see_firm_figures`).

use crate::Error;
use io::firm_figures::{FigureContext, FigureRow};
use io::ReadLimits;
use store::firm_figures::{FigureRecord, FiguresWritten};
use store::{Actor, Store};

/// Import a figures file.
#[derive(Debug, Clone)]
pub struct ImportFirmFigures {
    pub region: String,
    /// The file's name (its extension chooses the reader; it is the rows' source).
    pub file_name: String,
    pub limits: ReadLimits,
    /// `false` checks and counts only (a dry run).
    pub write: bool,
    /// The watch lists refreshed after a written import (`[watch]`).
    pub watch: analytics::watch::WatchRules,
}

/// What an import of figures did (or, as a dry run, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FigureImportSummary {
    pub rows: usize,
    pub firms: usize,
    pub periods: Vec<String>,
    /// Stored rows of the same firms and months that the file replaced.
    pub replaced: usize,
    pub written: bool,
    pub message: String,
}

/// Reads, checks and (unless a dry run) writes a figures file.
pub async fn import_firm_figures(
    store: &Store,
    actor: &Actor,
    cmd: &ImportFirmFigures,
    bytes: Vec<u8>,
) -> Result<FigureImportSummary, Error> {
    if store.region(&cmd.region).await?.is_none() {
        return Err(Error::UnknownRegion(cmd.region.clone()));
    }
    let firms = store.firm_ids_by_uscc(&cmd.region).await?;
    let now = store.now();
    let latest = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
    let rows: Vec<FigureRow> = io::firm_figures::read_figures(
        &cmd.file_name,
        bytes,
        &cmd.limits,
        &FigureContext {
            firms: &firms,
            latest: &latest,
        },
    )?;
    let records: Vec<FigureRecord> = rows
        .iter()
        .map(|r| FigureRecord {
            enterprise_id: r.enterprise_id,
            period: r.period.clone(),
            output_value_yuan: r.output_value_yuan,
            revenue_yuan: r.revenue_yuan,
            electricity_kwh: r.electricity_kwh,
            tax_yuan: r.tax_yuan,
            employees: r.employees,
            output_value_last_year_yuan: r.output_value_last_year_yuan,
            revenue_last_year_yuan: r.revenue_last_year_yuan,
        })
        .collect();
    let mut periods: Vec<String> = records.iter().map(|r| r.period.clone()).collect();
    periods.sort_unstable();
    periods.dedup();
    let mut ids: Vec<i64> = records.iter().map(|r| r.enterprise_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let written = if cmd.write {
        let mut tx = store.begin_write().await?;
        let w = tx
            .replace_firm_figures(actor, &cmd.region, &cmd.file_name, &records)
            .await?;
        tx.commit().await?;
        w
    } else {
        FiguresWritten {
            inserted: records.len(),
            replaced: 0,
        }
    };
    // The watch lists of the latest month follow the figures; firms newly on one are
    // announced to their town and service manager.
    let announced = if cmd.write {
        super::watch::refresh(store, actor, &cmd.watch, &cmd.region).await?
    } else {
        0
    };
    let message = format!(
        "企业月度数据 {} 行：{} 家企业，期别 {}{}{}",
        records.len(),
        ids.len(),
        periods.join("、"),
        if written.replaced > 0 {
            format!("，替换原有 {} 行", written.replaced)
        } else {
            String::new()
        },
        if announced > 0 {
            format!("；新列入重点监测名单 {announced} 家")
        } else {
            String::new()
        }
    );
    Ok(FigureImportSummary {
        rows: records.len(),
        firms: ids.len(),
        periods,
        replaced: written.replaced,
        written: cmd.write,
        message,
    })
}

/// The import as the demo loader and other callers use it: a region's file, written.
pub async fn load_firm_figures(
    store: &Store,
    region: &str,
    file_name: &str,
    bytes: Vec<u8>,
    actor: &Actor,
) -> Result<FigureImportSummary, Error> {
    import_firm_figures(
        store,
        actor,
        &ImportFirmFigures {
            region: region.to_string(),
            file_name: file_name.to_string(),
            limits: ReadLimits {
                max_file_bytes: 512 * 1024 * 1024,
                max_rows: 5_000_000,
                max_cells: 100_000_000,
                ..ReadLimits::default()
            },
            write: true,
            watch: analytics::watch::WatchRules::default(),
        },
        bytes,
    )
    .await
}

/// One month of a firm's figures as the 一企一档 page and the API show them (万元, kWh, 人).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FigureView {
    pub period: String,
    /// The period as the pages write it: "2025 年 1–9 月".
    pub label: String,
    pub output_value_wan: Option<f64>,
    pub revenue_wan: Option<f64>,
    pub electricity_kwh: Option<i64>,
    pub tax_wan: Option<f64>,
    pub employees: Option<i64>,
    pub output_value_last_year_wan: Option<f64>,
    pub revenue_last_year_wan: Option<f64>,
    /// Year-to-date growth of output value and revenue on the same months last year, in %.
    pub output_growth_pct: Option<f64>,
    pub revenue_growth_pct: Option<f64>,
}

/// `2025-09` (year to date) → "2025 年 1–9 月"; anything unparsable as it is.
fn period_label(period: &str) -> String {
    period
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .and_then(|(y, m)| domain::Period::month(y, m).ok())
        .map(|p| format!("{} 年 {}", p.year(), p.label()))
        .unwrap_or_else(|| period.to_string())
}

fn wan(yuan: Option<i64>) -> Option<f64> {
    yuan.map(|y| y as f64 / 10_000.0)
}

fn growth(x: Option<i64>, l: Option<i64>) -> Option<f64> {
    match (x, l) {
        (Some(x), Some(l)) if l > 0 => Some(((x - l) as f64 / l as f64 * 1000.0).round() / 10.0),
        _ => None,
    }
}

/// A firm's stored figures, oldest month first; last year's value taken from the same month a
/// year before where the row itself lacks it.
pub async fn figure_views(store: &Store, enterprise: i64) -> Result<Vec<FigureView>, Error> {
    let rows = store.firm_figures(enterprise).await?;
    let by_period: std::collections::HashMap<&str, &store::firm_figures::FigureRow> =
        rows.iter().map(|r| (r.period.as_str(), r)).collect();
    Ok(rows
        .iter()
        .map(|r| {
            let before = year_before(&r.period);
            let prior = before.as_deref().and_then(|p| by_period.get(p));
            let out_ly = r
                .output_value_last_year_yuan
                .or_else(|| prior.and_then(|p| p.output_value_yuan));
            let rev_ly = r
                .revenue_last_year_yuan
                .or_else(|| prior.and_then(|p| p.revenue_yuan));
            FigureView {
                label: period_label(&r.period),
                period: r.period.clone(),
                output_value_wan: wan(r.output_value_yuan),
                revenue_wan: wan(r.revenue_yuan),
                electricity_kwh: r.electricity_kwh,
                tax_wan: wan(r.tax_yuan),
                employees: r.employees,
                output_value_last_year_wan: wan(out_ly),
                revenue_last_year_wan: wan(rev_ly),
                output_growth_pct: growth(r.output_value_yuan, out_ly),
                revenue_growth_pct: growth(r.revenue_yuan, rev_ly),
            }
        })
        .collect())
}

/// `2025-09` → `2024-09`.
pub fn year_before(period: &str) -> Option<String> {
    let (y, m) = period.split_once('-')?;
    let y: i32 = y.parse().ok()?;
    Some(format!("{:04}-{m}", y - 1))
}
