//! The one source of the headline figures: GDP growth as the bureau reported it and as the
//! model estimates it, the gap to the target, projects and investment signed by tier, and the
//! gap ledger (METHODS.md §6). 总览, 找位置, the JSON API and `econops analyze` all show these
//! values, each labelled reported (统计快报) or computed (模型测算) and as of when.
//!
//! Every figure is cached behind the region's data version (`store::figures`), which every
//! audited write bumps in its own transaction: a page computes the analysis once per change of
//! the data, not once per request, and never shows a figure older than the last write.

use analytics::figures::{LedgerTask, SignedProject, SignedTally};
use analytics::pipeline::PipelineContribution;
use domain::Period;
use serde::Serialize;
use std::sync::Arc;
use store::Store;

use crate::locate::LocateReport;
use crate::{Error, Settings};

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Published by the statistics bureau (an observation) or reported on a target.
    Reported,
    /// Computed by EconOps's models (the accounting model, the gap ledger).
    Computed,
    /// Counted from the platform's own records (the project library, the tasks): neither
    /// published by the bureau nor estimated.
    Ledger,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::Reported => "统计快报",
            Basis::Computed => "模型测算",
            Basis::Ledger => "项目库汇总",
        }
    }
}

/// A number with its source and the date it stands at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure<T> {
    pub value: T,
    pub basis: Basis,
    /// 统计快报 or 模型测算.
    pub basis_label: String,
    /// ISO date the figure stands at.
    pub as_of: String,
    /// 截至 9 月底, or 截至今日.
    pub as_of_label: String,
}

impl<T> Figure<T> {
    fn new(value: T, basis: Basis, as_of: &str, today: &str) -> Self {
        Figure {
            value,
            basis,
            basis_label: basis.label().to_string(),
            as_of: as_of.to_string(),
            as_of_label: as_of_label(as_of, today),
        }
    }
}

/// "截至今日" for today, "截至 9 月底" for a month's last day, "截至 2025-10-10" otherwise.
pub fn as_of_label(as_of: &str, today: &str) -> String {
    if as_of == today {
        return "截至今日".into();
    }
    match domain::period::parse_date(as_of) {
        Ok(d) if d.day() == d.month().length(d.year()) => {
            format!("截至 {} 月底", d.month() as u8)
        }
        _ => format!("截至 {as_of}"),
    }
}

/// Projects and investment signed in one tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierSigned {
    pub code: String,
    pub name: String,
    pub projects: i64,
    /// Yuan.
    pub investment: i64,
}

/// The headline figures of a region and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub region: String,
    /// The period as published ("2025-02" when January was asked for).
    pub period: String,
    pub period_label: String,
    pub target_growth_pct: f64,
    /// The bureau's GDP growth for exactly this period, when it has published one.
    pub gdp_reported: Option<Figure<f64>>,
    /// The bureau's year-to-date GDP for this period, 亿元, when published.
    pub gdp_level_yi: Option<Figure<f64>>,
    /// The accounting model's estimate for the period.
    pub gdp_model: Figure<f64>,
    /// The model's error: its estimate − the reported figure, in pp.
    pub model_error_pp: Option<f64>,
    /// The GDP growth the figures use: reported when there is one, else the model's.
    pub gdp_growth: Figure<f64>,
    /// GDP growth − target, in pp (negative: below target), on the basis of `gdp_growth`.
    pub gap_pp: Figure<f64>,
    /// Projects signed this year up to the period's end (or today, if sooner).
    pub signed_projects: Figure<i64>,
    /// Their total investment, yuan.
    pub signed_investment: Figure<i64>,
    pub signed_by_tier: Vec<TierSigned>,
}

impl Headline {
    /// Signed investment in 亿元.
    pub fn signed_investment_yi(&self) -> f64 {
        self.signed_investment.value as f64 / 1e8
    }
}

/// The analysis of 找位置 for a region and period, computed once per data version.
pub async fn analysis(
    store: &Store,
    region: &str,
    period: Period,
    settings: &Settings,
) -> Result<Arc<LocateReport>, Error> {
    let period = domain::observed::as_published(period);
    let version = store.data_version(region).await?;
    let key = format!("analysis|{region}|{period}");
    if let Some(hit) = store.cached::<LocateReport>(&key, version) {
        return Ok(hit);
    }
    let report = Arc::new(
        crate::locate::build_report(store, region, period, None, &settings.warning_rules).await?,
    );
    store.cache(&key, version, report.clone());
    Ok(report)
}

/// The answer of `GET /api/v1/regions/{code}/analysis` and `econops analyze --json`: the
/// analysis, and the headline figures in `headline`.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisAnswer {
    #[serde(flatten)]
    pub report: LocateReport,
    pub headline: Headline,
}

/// The analysis with its headline figures; with `target` (a GDP growth target in % other than
/// the region's) both are computed for that target, uncached.
pub async fn analysis_answer(
    store: &Store,
    region: &str,
    period: Period,
    target: Option<f64>,
    settings: &Settings,
) -> Result<AnalysisAnswer, Error> {
    let period = domain::observed::as_published(period);
    match target {
        None => {
            let report = analysis(store, region, period, settings).await?;
            let headline = headline(store, region, period, settings).await?;
            Ok(AnalysisAnswer {
                report: (*report).clone(),
                headline: (*headline).clone(),
            })
        }
        Some(t) => {
            let report = crate::locate::build_report(
                store,
                region,
                period,
                Some(t),
                &settings.warning_rules,
            )
            .await?;
            let today = domain::period::format_date(store.now().date());
            let headline = compute_headline(store, &report, period, &today).await?;
            Ok(AnalysisAnswer { report, headline })
        }
    }
}

/// The headline figures of a region and period, computed once per data version and day.
pub async fn headline(
    store: &Store,
    region: &str,
    period: Period,
    settings: &Settings,
) -> Result<Arc<Headline>, Error> {
    let period = domain::observed::as_published(period);
    let today = domain::period::format_date(store.now().date());
    let version = store.data_version(region).await?;
    let key = format!("headline|{region}|{period}|{today}");
    if let Some(hit) = store.cached::<Headline>(&key, version) {
        return Ok(hit);
    }
    let report = analysis(store, region, period, settings).await?;
    let headline = Arc::new(compute_headline(store, &report, period, &today).await?);
    store.cache(&key, version, headline.clone());
    Ok(headline)
}

async fn compute_headline(
    store: &Store,
    report: &LocateReport,
    period: Period,
    today: &str,
) -> Result<Headline, Error> {
    let region = report.region.as_str();
    let year = period.year();
    let period_end = domain::period::format_date(period.end_date());
    // The bureau's GDP growth for exactly this period.
    let gdp_release = store
        .observations_as_of(region, year, period.end_month())
        .await?
        .into_iter()
        .find(|o| o.indicator == "gdp" && o.end_month == i64::from(period.end_month()));
    let gdp_reported = gdp_release
        .as_ref()
        .and_then(|o| o.ytd_growth)
        .map(|g| Figure::new(g, Basis::Reported, &period_end, today));
    let gdp_level_yi = gdp_release
        .as_ref()
        .and_then(|o| o.ytd_value)
        .map(|v| Figure::new(v, Basis::Reported, &period_end, today));
    let gdp_model = Figure::new(report.gdp_growth_pct, Basis::Computed, &period_end, today);
    let model_error_pp = gdp_reported
        .as_ref()
        .map(|r| report.gdp_growth_pct - r.value);
    let gdp_growth = gdp_reported.clone().unwrap_or_else(|| gdp_model.clone());
    let gap_pp = Figure::new(
        gdp_growth.value - report.target_growth_pct,
        gdp_growth.basis,
        &period_end,
        today,
    );
    // Signed projects: counted from the project library up to the period's end, never
    // beyond today.
    let to = if today < period_end.as_str() {
        today.to_string()
    } else {
        period_end.clone()
    };
    let tally = signed(store, region, year, &to).await?;
    let tiers = store.tiers(region).await?;
    let signed_by_tier = tiers
        .iter()
        .map(|t| {
            let (projects, investment) = tally.by_tier.get(&t.id).copied().unwrap_or((0, 0));
            TierSigned {
                code: t.code.clone(),
                name: t.name.clone(),
                projects,
                investment,
            }
        })
        .collect();
    Ok(Headline {
        region: region.to_string(),
        period: period.to_string(),
        period_label: format!("{} 年 {}", period.year(), period.label()),
        target_growth_pct: report.target_growth_pct,
        gdp_reported,
        gdp_level_yi,
        gdp_model,
        model_error_pp,
        gdp_growth,
        gap_pp,
        signed_projects: Figure::new(tally.projects, Basis::Ledger, &to, today),
        signed_investment: Figure::new(tally.investment, Basis::Ledger, &to, today),
        signed_by_tier,
    })
}

/// Projects signed in `year` up to `to` (ISO date), from the project library.
async fn signed(store: &Store, region: &str, year: i32, to: &str) -> Result<SignedTally, Error> {
    let projects: Vec<SignedProject> = store
        .projects_snapshot(region)
        .await?
        .iter()
        .filter(|p| p.stage().is_signed())
        .map(|p| SignedProject {
            tier: p.tier_id,
            investment: p.total_investment,
            signed_on: p.signed_on.clone(),
        })
        .collect();
    Ok(analytics::figures::tally_signed(
        &projects,
        &format!("{year:04}-01-01"),
        to,
    ))
}

/// The gap ledger of a region's year, as of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapLedger {
    pub region: String,
    pub period: String,
    pub period_label: String,
    pub year: i32,
    pub target_growth_pct: f64,
    /// The GDP growth the gap is measured from (reported when there is one).
    pub gdp_growth: Figure<f64>,
    /// GDP growth − target, pp.
    pub gap: Figure<f64>,
    /// Tasks and the pipeline stand as of today.
    pub as_of: String,
    pub as_of_label: String,
    pub ledger: analytics::figures::Ledger,
}

/// The gap ledger, computed once per data version and day (a project moving to 投产 or a task
/// completed is a write: the next request sees it).
pub async fn gap_ledger(
    store: &Store,
    region: &str,
    period: Period,
    settings: &Settings,
) -> Result<Arc<GapLedger>, Error> {
    let period = domain::observed::as_published(period);
    let today = domain::period::format_date(store.now().date());
    let version = store.data_version(region).await?;
    let key = format!("ledger|{region}|{period}|{today}");
    if let Some(hit) = store.cached::<GapLedger>(&key, version) {
        return Ok(hit);
    }
    let head = headline(store, region, period, settings).await?;
    let year = period.year();
    // Task states are read strictly: an unknown one is a fault, never "neither open nor done".
    let tasks: Vec<LedgerTask> = store
        .task_effects(region, year)
        .await?
        .into_iter()
        .map(|t| {
            let state = <domain::TaskState as domain::Coded>::from_code(&t.state).map_err(|e| {
                store::StoreError::Corrupt {
                    what: e.what,
                    column: "state".into(),
                    value: e.value,
                }
            })?;
            Ok(LedgerTask {
                open: matches!(
                    state,
                    domain::TaskState::Open
                        | domain::TaskState::Claimed
                        | domain::TaskState::InProgress
                        | domain::TaskState::Overdue
                        // 办结 but not accepted: still open until the office accepts it.
                        | domain::TaskState::Submitted
                ),
                done: state == domain::TaskState::Done,
                expected_pp: t.expected_pp,
            })
        })
        .collect::<Result<_, Error>>()?;
    let pipeline = match crate::land::pipeline_contribution(store, region, year, settings).await {
        Ok((c, _)) => c,
        // Without last year's GDP nothing can be converted to pp: the pipeline adds nothing.
        Err(Error::NoGdpBase) => PipelineContribution {
            projects: vec![],
            by_month: vec![],
            upcoming_on_schedule_pp: 0.0,
            upcoming_if_late_slip_pp: 0.0,
            producing_pp: 0.0,
        },
        Err(e) => return Err(e),
    };
    let ledger = analytics::figures::ledger(
        head.gap_pp.value,
        &tasks,
        &pipeline,
        &analytics::pipeline::PipelineRules::default(),
        period.end_month(),
    );
    let out = Arc::new(GapLedger {
        region: region.to_string(),
        period: head.period.clone(),
        period_label: head.period_label.clone(),
        year,
        target_growth_pct: head.target_growth_pct,
        gdp_growth: head.gdp_growth.clone(),
        gap: head.gap_pp.clone(),
        as_of: today.clone(),
        as_of_label: "截至今日".into(),
        ledger,
    });
    store.cache(&key, version, out.clone());
    Ok(out)
}

/// The periods of a region that have data (observations), newest first, as published: the
/// first month is offered as 1–2 月.
pub async fn periods_with_data(store: &Store, region: &str) -> Result<Vec<Period>, Error> {
    let mut out: Vec<Period> = Vec::new();
    for (year, month) in store.observed_months(region).await? {
        if let Ok(p) = Period::month(year, month) {
            let p = domain::observed::as_published(p);
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Refuses an actual value typed on a target whose actual comes from the statistics: the
/// import of the indicator's observations is its one entry.
pub async fn check_actual_entry(
    store: &Store,
    target: &store::targets::TargetRow,
) -> Result<(), Error> {
    if target.actual_source.as_deref() != Some("observations") {
        return Ok(());
    }
    let Some(code) = domain::observed::observed_indicator(&target.metric) else {
        return Ok(());
    };
    let name = store
        .indicators()
        .await?
        .into_iter()
        .find(|k| k.code == code)
        .map(|k| k.name)
        .unwrap_or_else(|| code.to_string());
    Err(Error::Conflict(format!(
        "“{}”的完成值取自指标“{name}”的统计数据（统计快报），不在此填报：请在“导入统计数据”（/locate/import）导入，数据见 /locate/indicators/{code}",
        target.name
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_the_date_a_figure_stands_at() {
        assert_eq!(as_of_label("2025-09-30", "2025-10-14"), "截至 9 月底");
        assert_eq!(as_of_label("2025-10-14", "2025-10-14"), "截至今日");
        assert_eq!(as_of_label("2025-10-10", "2025-10-14"), "截至 2025-10-10");
        assert_eq!(as_of_label("2024-02-29", "2025-10-14"), "截至 2 月底");
    }
}
