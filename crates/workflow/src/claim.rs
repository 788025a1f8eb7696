//! 领任务 (claim): the use cases of the step after 找位置 — a shortfall opened from the analysis,
//! tasks created from it, claimed, reported on, completed or cancelled, and supervised.

use analytics::WarningRules;
use domain::Period;
use store::Store;

use crate::locate::build_report;
use crate::Error;

/// Opens a shortfall (短板) from the analysis of `period`, freezing its numbers as they are now.
#[allow(clippy::too_many_arguments)]
pub async fn open_shortfall(
    store: &Store,
    rules: &WarningRules,
    actor: &store::Actor,
    region: &str,
    period: Period,
    indicator: &str,
    analysis: &str,
    links: Vec<(String, i64)>,
) -> Result<i64, Error> {
    let report = build_report(store, region, period, None, rules).await?;
    let line = report
        .indicators
        .iter()
        .find(|k| k.code == indicator)
        .ok_or_else(|| Error::UnknownIndicator(indicator.to_string()))?;
    let snapshot = serde_json::json!({
        "period": report.period, "gdp_growth_pct": report.gdp_growth_pct, "target_growth_pct": report.target_growth_pct,
        "gap_pp": report.gap_pp, "model_version": report.model_version, "indicator": line,
    });
    let mut tx = store.begin_write().await?;
    let id = tx
        .create_shortfall(
            actor,
            &store::claim::NewShortfall {
                region_code: region.to_string(),
                period: period.to_string(),
                indicator: line.code.clone(),
                indicator_name: line.name.clone(),
                real_growth_pct: line.real_growth_pct,
                target_growth_pct: line.target_growth_pct,
                shortfall_pp: line.shortfall_pp,
                sensitivity: line.sensitivity,
                sentence: line.sentence.clone(),
                snapshot_json: snapshot.to_string(),
                analysis: analysis.to_string(),
                links,
            },
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}
