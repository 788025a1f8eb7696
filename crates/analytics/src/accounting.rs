//! The accounting model of one region and one period (METHODS.md §2).

use serde::Serialize;
use std::collections::HashMap;
use thiserror::Error;

/// How far the industry weights may be from summing to 1 before the model is refused.
pub const WEIGHT_TOLERANCE: f64 = 0.001;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Drives an industry in the GDP sum (核算指标).
    Accounting,
    /// Monitored, not in the sum (先行/辅助指标).
    Leading,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorInput {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    /// Year-to-date growth as published (同比, %), if observed.
    pub growth: Option<f64>,
    /// The price index that deflates this nominal indicator.
    pub deflator: Option<String>,
    /// The indicator's own target growth for the year (nominal, %).
    pub target_growth: Option<f64>,
    /// Year-to-date level, when published.
    pub ytd_value: Option<f64>,
    /// Last year's full-year total, on a comparable basis.
    pub last_year_total: Option<f64>,
    /// A balance at a point in time (时点指标, e.g. deposits), not a flow over the year.
    pub stock: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndustryInput {
    pub code: String,
    pub name: String,
    /// Share of last year's GDP for the same period.
    pub weight: f64,
    /// Growth used when the industry has no drivers (%).
    pub assumed_growth: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub industry: String,
    pub indicator: String,
    pub coefficient: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisInput {
    /// The GDP growth target G* (%).
    pub target_growth: f64,
    /// Months covered by the period (9 for 1–9 月).
    pub months: u32,
    /// Last year's share of full-year GDP reached by the same point (σ); when unknown, the
    /// share of months elapsed is used.
    pub gdp_share_reached: Option<f64>,
    pub industries: Vec<IndustryInput>,
    pub indicators: Vec<IndicatorInput>,
    pub drivers: Vec<Driver>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalysisError {
    #[error("核算模型没有行业")]
    NoIndustries,
    #[error("行业权重之和为 {0:.4}，应为 1（允许误差 0.001）")]
    WeightsDoNotSumToOne(f64),
    #[error("行业“{0}”的权重 {1} 不在 0–1 之间")]
    BadWeight(String, f64),
    #[error("行业“{industry}”的驱动指标“{indicator}”本期没有增速数据")]
    MissingIndicatorData { industry: String, indicator: String },
    #[error("行业“{0}”既没有驱动指标，也没有假定增速")]
    NoGrowth(String),
    #[error("驱动关系引用了不存在的{what}“{code}”")]
    UnknownReference { what: &'static str, code: String },
    #[error("指标“{indicator}”的缩减指数“{deflator}”本期没有数据")]
    MissingDeflator { indicator: String, deflator: String },
    #[error("数值无效（非有限数）：{0}")]
    NotFinite(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndustryResult {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub growth_pct: f64,
    pub pull_pp: f64,
    pub contribution_share: Option<f64>,
    pub drag_pp: f64,
    /// Whether the growth came from drivers (false: the assumed growth).
    pub driven: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub nominal_growth_pct: Option<f64>,
    pub real_growth_pct: Option<f64>,
    /// The indicator's target, deflated like its growth; G* when it has none.
    pub target_growth_pct: f64,
    /// Whether the target is the indicator's own (false: G*).
    pub own_target: bool,
    pub sensitivity: f64,
    pub pull_pp: Option<f64>,
    pub shortfall_pp: Option<f64>,
    pub growth_needed_alone_pct: Option<f64>,
    pub rest_of_year_growth_needed_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub target_growth_pct: f64,
    pub gdp_growth_pct: f64,
    pub gap_pp: f64,
    pub rest_of_year_growth_needed_pct: Option<f64>,
    pub industries: Vec<IndustryResult>,
    /// Ordered by shortfall, largest first; indicators without one last.
    pub indicators: Vec<IndicatorResult>,
}

/// Real growth: nominal growth deflated by the price index's growth (both in %).
pub fn deflate(nominal: f64, price: f64) -> f64 {
    ((1.0 + nominal / 100.0) / (1.0 + price / 100.0) - 1.0) * 100.0
}

/// Growth the rest of the year needs for an indicator to reach its target (nominal, %).
/// `ytd` is this year's year-to-date level, `growth` its year-to-date growth, `last_total` last
/// year's full-year total. None when last year's rest of year is empty or the data are absent.
pub fn rest_of_year_needed(ytd: f64, growth: f64, last_total: f64, target: f64) -> Option<f64> {
    let last_ytd = ytd / (1.0 + growth / 100.0);
    let last_rest = last_total - last_ytd;
    if last_rest.abs() < 1e-12 || !last_rest.is_finite() {
        return None;
    }
    let needed = ((last_total * (1.0 + target / 100.0) - ytd) / last_rest - 1.0) * 100.0;
    needed.is_finite().then_some(needed)
}

/// GDP growth the rest of the year needs: (G* − σG) / (1 − σ).
pub fn gdp_rest_of_year_needed(target: f64, growth: f64, share_reached: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&share_reached) {
        return None;
    }
    Some((target - share_reached * growth) / (1.0 - share_reached))
}

fn finite(x: f64, what: &str) -> Result<f64, AnalysisError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(AnalysisError::NotFinite(what.to_string()))
    }
}

/// Runs the accounting model. Weights are normalised to sum exactly to 1 (after checking they
/// are within tolerance), so that the industry drags add up to the gap exactly.
pub fn analyze(input: &AnalysisInput) -> Result<Analysis, AnalysisError> {
    if input.industries.is_empty() {
        return Err(AnalysisError::NoIndustries);
    }
    let target = finite(input.target_growth, "GDP 目标")?;
    let mut total_weight = 0.0;
    for i in &input.industries {
        if !(0.0..=1.0).contains(&i.weight) || !i.weight.is_finite() {
            return Err(AnalysisError::BadWeight(i.name.clone(), i.weight));
        }
        total_weight += i.weight;
    }
    if (total_weight - 1.0).abs() > WEIGHT_TOLERANCE {
        return Err(AnalysisError::WeightsDoNotSumToOne(total_weight));
    }
    let indicators: HashMap<&str, &IndicatorInput> = input
        .indicators
        .iter()
        .map(|k| (k.code.as_str(), k))
        .collect();

    // Real growth of every indicator that has data.
    let mut real: HashMap<&str, f64> = HashMap::new();
    for k in &input.indicators {
        let Some(n) = k.growth else { continue };
        let n = finite(n, &k.name)?;
        // A balance (存贷款余额) is read nominal, 同比 as published: it is never deflated.
        let r = match k.deflator.as_ref().filter(|_| !k.stock) {
            Some(d) => {
                let price = indicators
                    .get(d.as_str())
                    .and_then(|p| p.growth)
                    .ok_or_else(|| AnalysisError::MissingDeflator {
                        indicator: k.name.clone(),
                        deflator: d.clone(),
                    })?;
                deflate(n, price)
            }
            None => n,
        };
        real.insert(k.code.as_str(), r);
    }
    for d in &input.drivers {
        if !input.industries.iter().any(|i| i.code == d.industry) {
            return Err(AnalysisError::UnknownReference {
                what: "行业",
                code: d.industry.clone(),
            });
        }
        if !indicators.contains_key(d.indicator.as_str()) {
            return Err(AnalysisError::UnknownReference {
                what: "指标",
                code: d.indicator.clone(),
            });
        }
    }

    // Industry growth, pull and drag.
    let mut industries = Vec::with_capacity(input.industries.len());
    let mut gdp = 0.0;
    for i in &input.industries {
        let w = i.weight / total_weight;
        let drivers: Vec<&Driver> = input
            .drivers
            .iter()
            .filter(|d| d.industry == i.code)
            .collect();
        let (g, driven) = if drivers.is_empty() {
            (
                i.assumed_growth
                    .ok_or_else(|| AnalysisError::NoGrowth(i.name.clone()))?,
                false,
            )
        } else {
            let mut g = 0.0;
            for d in &drivers {
                let r = real.get(d.indicator.as_str()).ok_or_else(|| {
                    AnalysisError::MissingIndicatorData {
                        industry: i.name.clone(),
                        indicator: indicators
                            .get(d.indicator.as_str())
                            .map(|k| k.name.clone())
                            .unwrap_or_else(|| d.indicator.clone()),
                    }
                })?;
                g += d.coefficient * r;
            }
            (g, true)
        };
        let g = finite(g, &i.name)?;
        gdp += w * g;
        industries.push(IndustryResult {
            code: i.code.clone(),
            name: i.name.clone(),
            weight: w,
            growth_pct: g,
            pull_pp: w * g,
            contribution_share: None,
            drag_pp: w * (g - target),
            driven,
        });
    }
    for r in &mut industries {
        r.contribution_share = (gdp.abs() > 1e-12).then(|| r.pull_pp / gdp);
    }

    // Indicators: sensitivity, pull, shortfall, growth needed.
    let weight_of: HashMap<&str, f64> = industries
        .iter()
        .map(|r| (r.code.as_str(), r.weight))
        .collect();
    let mut results = Vec::with_capacity(input.indicators.len());
    for k in &input.indicators {
        // (+ 0.0 turns the −0.0 of an empty sum into 0.0.)
        let sensitivity: f64 = input
            .drivers
            .iter()
            .filter(|d| d.indicator == k.code)
            .map(|d| weight_of.get(d.industry.as_str()).copied().unwrap_or(0.0) * d.coefficient)
            .sum::<f64>()
            + 0.0;
        let r = real.get(k.code.as_str()).copied();
        let price = k
            .deflator
            .as_deref()
            .filter(|_| !k.stock)
            .and_then(|d| indicators.get(d))
            .and_then(|p| p.growth);
        let (t, own_target) = match (k.target_growth, price) {
            (Some(t), Some(p)) => (deflate(t, p), true),
            (Some(t), None) => (t, true),
            (None, _) => (target, false),
        };
        let has_s = sensitivity.abs() > 1e-12;
        // Flows only: a balance has no "rest of the year" to add up.
        let months = f64::from(input.months.min(12));
        let rest = match (
            k.stock,
            k.ytd_value,
            k.growth,
            k.last_year_total,
            k.target_growth,
        ) {
            (true, ..) => None,
            (false, Some(x), Some(n), Some(total), Some(tt)) => {
                rest_of_year_needed(x, n, total, tt)
            }
            // Published as growth only: weight the months equally (σ = months / 12).
            (false, None, Some(n), _, Some(tt)) if input.months < 12 => {
                gdp_rest_of_year_needed(tt, n, months / 12.0)
            }
            _ => None,
        };
        results.push(IndicatorResult {
            code: k.code.clone(),
            name: k.name.clone(),
            kind: k.kind,
            nominal_growth_pct: k.growth,
            real_growth_pct: r,
            target_growth_pct: t,
            own_target,
            sensitivity,
            pull_pp: r.filter(|_| has_s).map(|r| sensitivity * r),
            shortfall_pp: r.filter(|_| has_s).map(|r| sensitivity * (t - r)),
            growth_needed_alone_pct: r
                .filter(|_| has_s)
                .map(|r| r + (target - gdp) / sensitivity),
            rest_of_year_growth_needed_pct: rest,
        });
    }
    results.sort_by(|a, b| match (a.shortfall_pp, b.shortfall_pp) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    let sigma = input
        .gdp_share_reached
        .unwrap_or(f64::from(input.months.min(12)) / 12.0);
    Ok(Analysis {
        target_growth_pct: target,
        gdp_growth_pct: gdp,
        gap_pp: gdp - target,
        rest_of_year_growth_needed_pct: gdp_rest_of_year_needed(target, gdp, sigma),
        industries,
        indicators: results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn industry(code: &str, weight: f64, assumed: Option<f64>) -> IndustryInput {
        IndustryInput {
            code: code.into(),
            name: code.into(),
            weight,
            assumed_growth: assumed,
        }
    }

    fn indicator(code: &str, growth: Option<f64>) -> IndicatorInput {
        IndicatorInput {
            code: code.into(),
            name: code.into(),
            kind: IndicatorKind::Accounting,
            growth,
            deflator: None,
            target_growth: None,
            ytd_value: None,
            last_year_total: None,
            stock: false,
        }
    }

    fn driver(industry: &str, indicator: &str, c: f64) -> Driver {
        Driver {
            industry: industry.into(),
            indicator: indicator.into(),
            coefficient: c,
        }
    }

    /// China's GDP growth from the three industries' shares of the previous year's GDP and
    /// their real growth, as published by the National Bureau of Statistics.
    fn national(prev: [f64; 3], growth: [f64; 3]) -> f64 {
        let total: f64 = prev.iter().sum();
        let input = AnalysisInput {
            target_growth: 5.0,
            months: 12,
            gdp_share_reached: None,
            industries: vec![
                industry("primary", prev[0] / total, Some(growth[0])),
                industry("secondary", prev[1] / total, Some(growth[1])),
                industry("tertiary", prev[2] / total, Some(growth[2])),
            ],
            indicators: vec![],
            drivers: vec![],
        };
        analyze(&input).expect("valid").gdp_growth_pct
    }

    #[test]
    fn reproduces_chinas_2024_gdp_growth() {
        // NBS, Statistical Communiqué on the 2024 National Economic and Social Development
        // (2025-02-28): GDP +5.0 %; primary +3.5 %, secondary +5.3 %, tertiary +5.0 %.
        // Weights: 2023 value added (亿元), from the 2023 communiqué: 89,755 / 482,589 / 688,238.
        let g = national([89_755.0, 482_589.0, 688_238.0], [3.5, 5.3, 5.0]);
        assert!((g - 5.0).abs() < 0.05, "computed {g:.3}, published 5.0");
    }

    #[test]
    fn reproduces_chinas_2023_gdp_growth() {
        // NBS, Statistical Communiqué on the 2023 National Economic and Social Development
        // (2024-02-29): GDP +5.2 %; primary +4.1 %, secondary +4.7 %, tertiary +5.8 %.
        // Weights: 2022 value added (亿元): 88,345 / 483,164 / 638,698.
        let g = national([88_345.0, 483_164.0, 638_698.0], [4.1, 4.7, 5.8]);
        assert!((g - 5.2).abs() < 0.05, "computed {g:.3}, published 5.2");
    }

    #[test]
    fn deflates_nominal_growth() {
        assert!((deflate(10.0, 2.0) - 7.843_137_254_9).abs() < 1e-9);
        assert!(
            (deflate(5.0, 0.0) - 5.0).abs() < 1e-12,
            "no price change, no deflation"
        );
        assert!((deflate(0.0, -1.0) - 1.010_101_010_1).abs() < 1e-9);
    }

    fn small_model() -> AnalysisInput {
        let mut construction = indicator("construction-output", Some(8.0));
        construction.deflator = Some("construction-price".into());
        construction.target_growth = Some(10.0);
        let mut industrial = indicator("industrial-va", Some(6.0));
        industrial.target_growth = Some(9.0);
        AnalysisInput {
            target_growth: 5.6,
            months: 9,
            gdp_share_reached: None,
            industries: vec![
                industry("agriculture", 0.039, Some(4.0)),
                industry("industry", 0.40, None),
                industry("construction", 0.052, None),
                industry("services", 0.509, None),
            ],
            indicators: vec![
                industrial,
                construction,
                indicator("construction-price", Some(2.0)),
                indicator("services-revenue", Some(5.5)),
            ],
            drivers: vec![
                driver("industry", "industrial-va", 1.0),
                driver("construction", "construction-output", 1.0),
                driver("services", "services-revenue", 0.9),
            ],
        }
    }

    #[test]
    fn accounts_growth_pulls_and_drags() {
        let a = analyze(&small_model()).expect("valid");
        let real_construction = deflate(8.0, 2.0);
        let expected = 0.039 * 4.0 + 0.40 * 6.0 + 0.052 * real_construction + 0.509 * 0.9 * 5.5;
        assert!((a.gdp_growth_pct - expected).abs() < 1e-12);
        let drag: f64 = a.industries.iter().map(|i| i.drag_pp).sum();
        assert!((drag - a.gap_pp).abs() < 1e-12, "Σ drag = gap");
        let shares: f64 = a
            .industries
            .iter()
            .filter_map(|i| i.contribution_share)
            .sum();
        assert!((shares - 1.0).abs() < 1e-12);
        // Above-scale industry (target 9, at 6, sensitivity 0.40) holds the year back most.
        let first = &a.indicators[0];
        assert_eq!(first.code, "industrial-va");
        assert!((first.shortfall_pp.expect("shortfall") - 0.40 * 3.0).abs() < 1e-12);
        assert!((first.sensitivity - 0.40).abs() < 1e-12);
        let alone = first.growth_needed_alone_pct.expect("needed");
        assert!((alone - (6.0 + (5.6 - a.gdp_growth_pct) / 0.40)).abs() < 1e-12);
        // The construction target is deflated like its growth.
        let c = a
            .indicators
            .iter()
            .find(|k| k.code == "construction-output")
            .expect("construction");
        assert!((c.target_growth_pct - deflate(10.0, 2.0)).abs() < 1e-12);
        // A price index drives nothing: no sensitivity, no shortfall, listed last.
        let p = a.indicators.last().expect("some");
        assert_eq!(p.sensitivity, 0.0);
        assert_eq!(p.shortfall_pp, None);
        assert_eq!(p.growth_needed_alone_pct, None);
        // Growth-only indicators: the rest of the year by equal months.
        let rest = first
            .rest_of_year_growth_needed_pct
            .expect("growth-only rest of year");
        assert!((rest - (9.0 - 0.75 * 6.0) / 0.25).abs() < 1e-12);
        // Rest of year for GDP with σ = 9/12.
        let needed = a.rest_of_year_growth_needed_pct.expect("needed");
        assert!((needed - (5.6 - 0.75 * a.gdp_growth_pct) / 0.25).abs() < 1e-12);
    }

    #[test]
    fn balances_are_never_deflated() {
        let mut m = small_model();
        let price = m
            .indicators
            .iter()
            .find(|k| k.code == "construction-price")
            .map(|k| k.code.clone())
            .expect("a price index");
        m.indicators[3].deflator = Some(price);
        m.indicators[3].target_growth = Some(9.0);
        m.indicators[3].stock = true;
        let a = analyze(&m).expect("valid");
        let find = |a: &Analysis| {
            a.indicators
                .iter()
                .find(|k| k.code == "services-revenue")
                .cloned()
                .expect("found")
        };
        let k = find(&a);
        assert_eq!(
            k.real_growth_pct, k.nominal_growth_pct,
            "a balance reads nominal"
        );
        assert_eq!(
            k.target_growth_pct, 9.0,
            "its target is not deflated either"
        );
        m.indicators[3].stock = false;
        let flow = find(&analyze(&m).expect("valid"));
        assert_ne!(flow.real_growth_pct, flow.nominal_growth_pct);
    }

    #[test]
    fn balances_have_no_rest_of_year() {
        let mut m = small_model();
        m.indicators[3].ytd_value = Some(3400.0);
        m.indicators[3].last_year_total = Some(3136.0);
        m.indicators[3].target_growth = Some(9.0);
        m.indicators[3].stock = true;
        let a = analyze(&m).expect("valid");
        let k = a
            .indicators
            .iter()
            .find(|k| k.code == "services-revenue")
            .expect("found");
        assert_eq!(k.rest_of_year_growth_needed_pct, None);
        let p = a
            .indicators
            .iter()
            .find(|k| k.code == "construction-price")
            .expect("found");
        assert!(p.sensitivity.is_sign_positive(), "no negative zero");
    }

    #[test]
    fn rest_of_year_needed_for_an_indicator() {
        // Last year 100 in all, 70 by September; this year 73.5 (+5 %) by September, target +8 %:
        // the last quarter must bring 108 − 73.5 = 34.5 against 30 last year: +15 %.
        let n = rest_of_year_needed(73.5, 5.0, 100.0, 8.0).expect("defined");
        assert!((n - 15.0).abs() < 1e-9, "{n}");
        assert_eq!(
            rest_of_year_needed(100.0, 0.0, 100.0, 8.0),
            None,
            "no rest of year left"
        );
    }

    #[test]
    fn refuses_bad_models() {
        let mut m = small_model();
        m.industries[0].weight = 0.5;
        assert!(matches!(
            analyze(&m),
            Err(AnalysisError::WeightsDoNotSumToOne(_))
        ));
        let mut m = small_model();
        m.indicators[0].growth = None;
        assert!(matches!(
            analyze(&m),
            Err(AnalysisError::MissingIndicatorData { .. })
        ));
        let mut m = small_model();
        m.indicators[2].growth = None;
        assert!(matches!(
            analyze(&m),
            Err(AnalysisError::MissingDeflator { .. })
        ));
        let mut m = small_model();
        m.drivers.push(driver("industry", "nowhere", 1.0));
        assert!(matches!(
            analyze(&m),
            Err(AnalysisError::UnknownReference { .. })
        ));
        let mut m = small_model();
        m.industries[0].assumed_growth = None;
        assert!(matches!(analyze(&m), Err(AnalysisError::NoGrowth(_))));
        let mut m = small_model();
        m.indicators[0].growth = Some(f64::NAN);
        assert!(matches!(analyze(&m), Err(AnalysisError::NotFinite(_))));
    }

    proptest::proptest! {
        #[test]
        fn drags_always_sum_to_the_gap(
            w in proptest::collection::vec(0.01f64..1.0, 1..12),
            g in proptest::collection::vec(-20.0f64..30.0, 12),
            target in -5.0f64..15.0,
            slack in -0.0009f64..0.0009,
        ) {
            let total: f64 = w.iter().sum();
            let industries: Vec<IndustryInput> = w.iter().enumerate()
                .map(|(i, x)| industry(&format!("i{i}"), x / total * (1.0 + slack), Some(g[i])))
                .collect();
            if industries.iter().any(|i| i.weight > 1.0) { return Ok(()); }
            let a = analyze(&AnalysisInput { target_growth: target, months: 6, gdp_share_reached: None, industries, indicators: vec![], drivers: vec![] }).expect("valid");
            let drag: f64 = a.industries.iter().map(|i| i.drag_pp).sum();
            proptest::prop_assert!((drag - a.gap_pp).abs() < 1e-9);
        }
    }
}
