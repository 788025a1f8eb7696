//! Assembles the locate analysis (找位置) of a region and period from the store: the model,
//! the observations, the indicator targets and the GDP target, run through `analytics`. The
//! page, the API and the command line all call [`build_report`], so they show the same numbers.

use analytics::{
    AnalysisInput, Driver, IndicatorInput, IndicatorKind, IndustryInput, WarningRules,
};
use domain::Period;
use serde::Serialize;
use std::collections::HashMap;
use store::Store;

use crate::Error;

#[derive(Debug, Clone, Serialize)]
pub struct IndustryLine {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub growth_pct: f64,
    pub pull_pp: f64,
    pub contribution_share: Option<f64>,
    pub drag_pp: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub owner_department: String,
    pub nominal_growth_pct: Option<f64>,
    pub real_growth_pct: Option<f64>,
    pub target_growth_pct: f64,
    pub own_target: bool,
    pub sensitivity: f64,
    pub pull_pp: Option<f64>,
    pub shortfall_pp: Option<f64>,
    pub growth_needed_alone_pct: Option<f64>,
    pub rest_of_year_growth_needed_pct: Option<f64>,
    pub status: String,
    pub status_label: String,
    pub reasons: Vec<String>,
    pub sentence: String,
    /// The period the data come from, when older than the analysed period (quarterly data).
    pub data_period: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocateReport {
    pub region: String,
    pub region_name: String,
    pub period: String,
    pub period_label: String,
    /// The rest of the year, "10–12 月"; empty at year end.
    pub rest_label: String,
    pub target_growth_pct: f64,
    pub gdp_growth_pct: f64,
    pub gap_pp: f64,
    pub rest_of_year_growth_needed_pct: Option<f64>,
    pub industries: Vec<IndustryLine>,
    pub indicators: Vec<IndicatorLine>,
    pub model_version: i64,
}

/// "10–12 月" after 1–9 月; "12 月" after 1–11 月; empty after the whole year.
pub fn rest_label(period: &Period) -> String {
    match period.end_month() {
        12.. => String::new(),
        11 => "12 月".into(),
        m => format!("{}–12 月", m + 1),
    }
}

/// The GDP growth target of a region and year (the city-level `gdp_growth` target), in %.
pub async fn gdp_target(
    store: &Store,
    region: &str,
    year: i32,
) -> Result<Option<f64>, store::StoreError> {
    // Percentages are stored in hundredths of a percent.
    Ok(store
        .city_target_value(region, year, "gdp_growth")
        .await?
        .map(|v| v as f64 / 100.0))
}

pub async fn build_report(
    store: &Store,
    region: &str,
    period: Period,
    target_override: Option<f64>,
    rules: &WarningRules,
) -> Result<LocateReport, Error> {
    let region_row = store
        .region(region)
        .await?
        .ok_or_else(|| Error::UnknownRegion(region.to_string()))?;
    let year = period.year();
    let model = store
        .model(region, year)
        .await?
        .ok_or_else(|| Error::NoModel {
            region: region_row.name.clone(),
            year,
        })?;
    let target = match target_override {
        Some(t) => t,
        None => gdp_target(store, region, year)
            .await?
            .ok_or_else(|| Error::NoTarget {
                region: region_row.name.clone(),
                year,
            })?,
    };
    let catalogue = store.indicators().await?;
    let targets: HashMap<String, f64> = store
        .indicator_targets(region, year)
        .await?
        .into_iter()
        .collect();
    let observations: HashMap<String, store::locate::Observation> = store
        .observations_as_of(region, year, period.end_month())
        .await?
        .into_iter()
        .map(|o| (o.indicator.clone(), o))
        .collect();
    let indicators: Vec<IndicatorInput> = catalogue
        .iter()
        .map(|k| {
            let o = observations.get(&k.code);
            IndicatorInput {
                code: k.code.clone(),
                name: k.name.clone(),
                kind: if domain::IndicatorKind::parse(&k.kind)
                    .is_some_and(domain::IndicatorKind::in_accounting)
                {
                    IndicatorKind::Accounting
                } else {
                    IndicatorKind::Leading
                },
                growth: o.and_then(|o| o.ytd_growth),
                deflator: k.deflator.clone(),
                target_growth: targets.get(&k.code).copied(),
                ytd_value: o.and_then(|o| o.ytd_value),
                last_year_total: o.and_then(|o| o.last_year_total),
                stock: k.stock != 0,
            }
        })
        .collect();
    // σ: last year's share of full-year GDP reached by this point, from a GDP observation.
    let sigma = observations.get("gdp").and_then(|o| {
        match (o.ytd_value, o.ytd_growth, o.last_year_total) {
            (Some(x), Some(n), Some(t)) if o.end_month == i64::from(period.end_month()) => {
                analytics::series::share_reached(x, n, t)
            }
            _ => None,
        }
    });
    let input = AnalysisInput {
        target_growth: target,
        months: period.end_month(),
        gdp_share_reached: sigma,
        industries: model
            .industries
            .iter()
            .map(|i| IndustryInput {
                code: i.code.clone(),
                name: i.name.clone(),
                weight: i.weight,
                assumed_growth: i.assumed_growth,
            })
            .collect(),
        indicators,
        drivers: model
            .drivers
            .iter()
            .map(|d| Driver {
                industry: d.industry.clone(),
                indicator: d.indicator.clone(),
                coefficient: d.coefficient,
            })
            .collect(),
    };
    let analysis = analytics::analyze(&input)?;
    let rest = rest_label(&period);
    let by_code: HashMap<&str, &store::locate::Indicator> =
        catalogue.iter().map(|k| (k.code.as_str(), k)).collect();
    let indicators = analysis
        .indicators
        .iter()
        .map(|k| {
            let w = analytics::assess(k, &rest, rules);
            let meta = by_code.get(k.code.as_str());
            let data_period = observations
                .get(&k.code)
                .filter(|o| o.end_month != i64::from(period.end_month()))
                .map(|o| o.period.clone());
            IndicatorLine {
                code: k.code.clone(),
                name: k.name.clone(),
                unit: meta.map(|m| m.unit.clone()).unwrap_or_default(),
                // The catalogue's kind (leading, supporting, price, aggregate …), not only
                // whether the indicator is in the GDP sum.
                kind: meta
                    .and_then(|m| domain::IndicatorKind::parse(&m.kind))
                    .unwrap_or(if k.kind == IndicatorKind::Accounting {
                        domain::IndicatorKind::Accounting
                    } else {
                        domain::IndicatorKind::Supporting
                    })
                    .code()
                    .into(),
                owner_department: meta.map(|m| m.owner_department.clone()).unwrap_or_default(),
                nominal_growth_pct: k.nominal_growth_pct,
                real_growth_pct: k.real_growth_pct,
                target_growth_pct: k.target_growth_pct,
                own_target: k.own_target,
                sensitivity: k.sensitivity,
                pull_pp: k.pull_pp,
                shortfall_pp: k.shortfall_pp,
                growth_needed_alone_pct: k.growth_needed_alone_pct,
                rest_of_year_growth_needed_pct: k.rest_of_year_growth_needed_pct,
                status: w.level.code().to_string(),
                status_label: w.level.label().to_string(),
                reasons: w.reasons,
                sentence: w.sentence,
                data_period,
            }
        })
        .collect();
    Ok(LocateReport {
        region: region_row.code.clone(),
        region_name: region_row.name.clone(),
        period: period.to_string(),
        period_label: format!("{} 年 {}", period.year(), period.label()),
        rest_label: rest,
        target_growth_pct: analysis.target_growth_pct,
        gdp_growth_pct: analysis.gdp_growth_pct,
        gap_pp: analysis.gap_pp,
        rest_of_year_growth_needed_pct: analysis.rest_of_year_growth_needed_pct,
        industries: analysis
            .industries
            .iter()
            .map(|i| IndustryLine {
                code: i.code.clone(),
                name: i.name.clone(),
                weight: i.weight,
                growth_pct: i.growth_pct,
                pull_pp: i.pull_pp,
                contribution_share: i.contribution_share,
                drag_pp: i.drag_pp,
            })
            .collect(),
        indicators,
        model_version: model.version_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_rest_of_the_year() {
        assert_eq!(
            rest_label(&Period::parse("2025-09").expect("p")),
            "10–12 月"
        );
        assert_eq!(rest_label(&Period::parse("2025-11").expect("p")), "12 月");
        assert_eq!(rest_label(&Period::parse("2025-12").expect("p")), "");
        assert_eq!(rest_label(&Period::parse("2025-Q2").expect("p")), "7–12 月");
    }
}
