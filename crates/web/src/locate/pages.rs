//! The 找位置 pages: where the year stands against the GDP target, which indicators hold it
//! back, one indicator's series, and the office's edits of the catalogue and the model.

use crate::auth::PageUser;
use crate::claim::require_office;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::f1;
use crate::layout::f2;
use crate::layout::o1;
use crate::layout::o2;
use crate::layout::Num;
use crate::layout::OptNum;
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use workflow::figures::{GapLedger, Headline};
use workflow::locate::{IndicatorLine, LocateReport};
use workflow::Error;

pub(crate) use crate::layout::chart_json;

#[derive(Template)]
#[template(path = "locate.html")]
struct LocateTemplate {
    layout: Layout,
    report: Option<Arc<LocateReport>>,
    headline: Option<Arc<Headline>>,
    ledger: Option<Arc<GapLedger>>,
    /// Open shortfalls and tasks per indicator code.
    work: HashMap<String, store::figures::IndicatorWork>,
    problem: Option<String>,
    holding_back: Vec<IndicatorLine>,
    others: Vec<IndicatorLine>,
    waterfall: String,
    trend: String,
    coefficient_sums: Vec<(String, String, f64, f64)>,
    model: Option<store::locate::Model>,
    can_edit: bool,
    pipeline: Option<workflow::land::PipelineReport>,
    pipeline_chart: String,
    /// The status colours with the warning rules in force.
    legend: Vec<(&'static str, &'static str, String)>,
}

impl LocateTemplate {
    /// An indicator's name by its code, for the model's drivers.
    fn indicator_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.report
            .as_ref()
            .and_then(|r| r.indicators.iter().find(|k| k.code == code))
            .map(|k| k.name.as_str())
            .unwrap_or("未列入目录的指标")
    }
    fn kind_tag(&self, code: &str) -> &'static str {
        domain::IndicatorKind::parse(code)
            .map(domain::IndicatorKind::tag)
            .unwrap_or("监测")
    }
    fn f1<T: Num>(&self, x: T) -> String {
        let x = &x.get();
        f1(x)
    }
    fn f2<T: Num>(&self, x: T) -> String {
        let x = &x.get();
        f2(x)
    }
    fn o1<T: OptNum>(&self, x: T) -> String {
        let x = &x.get();
        o1(x)
    }
    fn o2<T: OptNum>(&self, x: T) -> String {
        let x = &x.get();
        o2(x)
    }
    fn pct<T: OptNum>(&self, x: T) -> String {
        let x = &x.get();
        x.map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or_else(|| "—".into())
    }
    fn f3<T: Num>(&self, x: T) -> String {
        domain::decimal::fixed(x.get(), 3)
    }
    fn abs1<T: Num>(&self, x: T) -> String {
        domain::decimal::fixed(x.get().abs(), 1)
    }
    fn signed2<T: Num>(&self, x: T) -> String {
        format!("{:+.2}", x.get())
    }
}

#[derive(Serialize)]
struct TrendSeries {
    name: String,
    target: f64,
    points: Vec<(String, Option<f64>)>,
}

pub async fn locate(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let layout = Layout::new("找位置", "locate", &user, &ctx);
    let settings = &state.config.rules;
    // One analysis per data version: the headline, the ledger and the pipeline reuse it.
    let result =
        match workflow::figures::analysis(&state.store, &ctx.region.code, ctx.period, settings)
            .await
        {
            Ok(report) => {
                workflow::figures::headline(&state.store, &ctx.region.code, ctx.period, settings)
                    .await
                    .map(|h| (report, h))
            }
            Err(e) => Err(e),
        };
    let (report, headline) = match result {
        Ok(r) => r,
        Err(e @ (Error::NoModel { .. } | Error::NoTarget { .. } | Error::Analysis(_))) => {
            let html = LocateTemplate {
                layout,
                report: None,
                headline: None,
                ledger: None,
                work: HashMap::new(),
                problem: Some(e.to_string()),
                holding_back: vec![],
                others: vec![],
                waterfall: "null".into(),
                trend: "null".into(),
                coefficient_sums: vec![],
                model: None,
                can_edit: false,
                pipeline: None,
                pipeline_chart: "null".into(),
                legend: settings.warning_rules.legend(),
            }
            .render()?;
            return Ok(respond(html, &ctx));
        }
        Err(e) => return Err(AppError::from(e).into()),
    };
    let ledger =
        workflow::figures::gap_ledger(&state.store, &ctx.region.code, ctx.period, settings)
            .await
            .map_err(AppError::from)?;
    let work = state
        .store
        .indicator_work(&ctx.region.code, ctx.year())
        .await?
        .into_iter()
        .map(|w| (w.indicator.clone(), w))
        .collect();
    let (holding_back, others): (Vec<IndicatorLine>, Vec<IndicatorLine>) = report
        .indicators
        .iter()
        .cloned()
        .partition(|k| k.shortfall_pp.is_some_and(|s| s > 0.0005));
    let waterfall = chart_json(&serde_json::json!({
        "target": report.target_growth_pct,
        "gdp": report.gdp_growth_pct,
        "items": report.industries.iter().map(|i| serde_json::json!({"name": i.name, "pull": i.pull_pp, "drag": i.drag_pp})).collect::<Vec<_>>(),
    }));
    let report_end = domain::observed::as_published(ctx.period).end_month();
    // Trends of the five indicators that hold the year back most.
    let series = state
        .store
        .observations_of_year_snapshot(&ctx.region.code, ctx.year())
        .await?;
    let mut trend = Vec::new();
    for k in holding_back.iter().take(5) {
        let points: Vec<(String, Option<f64>)> = series
            .iter()
            .filter(|o| o.indicator == k.code && o.end_month <= i64::from(report_end))
            .map(|o| (format!("1–{} 月", o.end_month), o.ytd_growth))
            .collect();
        if !points.is_empty() {
            trend.push(TrendSeries {
                name: k.name.clone(),
                target: k.target_growth_pct,
                points,
            });
        }
    }
    let model = state.store.model(&ctx.region.code, ctx.year()).await?;
    let coefficient_sums = model
        .as_ref()
        .map(|m| {
            m.industries
                .iter()
                .map(|i| {
                    let sum: f64 = m
                        .drivers
                        .iter()
                        .filter(|d| d.industry == i.code)
                        .map(|d| d.coefficient)
                        .sum();
                    (i.code.clone(), i.name.clone(), i.weight, sum)
                })
                .collect()
        })
        .unwrap_or_default();
    let access = crate::land::pages::access(&state, &user).await?;
    let pipeline = workflow::land::pipeline_report(
        &state.store,
        &ctx.region.code,
        ctx.period,
        &state.config.rules,
        &access,
    )
    .await
    .ok()
    .filter(|p| !p.contribution.projects.is_empty());
    let pipeline_chart = pipeline
        .as_ref()
        .map(|p| chart_json(&p.contribution.by_month))
        .unwrap_or_else(|| "null".into());
    let html = LocateTemplate {
        pipeline,
        pipeline_chart,
        layout,
        report: Some(report),
        headline: Some(headline),
        ledger: Some(ledger),
        work,
        problem: None,
        holding_back,
        others,
        waterfall,
        trend: chart_json(&trend),
        coefficient_sums,
        model,
        can_edit: user.principal.role.is_office(),
        legend: settings.warning_rules.legend(),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// One row of an indicator's series, with the single-month figures derived (never stored).
#[derive(Debug, Clone, Serialize)]
pub struct SeriesRow {
    pub period: String,
    pub label: String,
    pub ytd_value: Option<f64>,
    pub ytd_growth: Option<f64>,
    pub month_value: Option<f64>,
    pub month_growth: Option<f64>,
}

/// The indicator's releases with the single month (or quarter) each implies
/// (`analytics::series`), labelled as the bureau writes them.
pub fn derive_single_periods(rows: &[store::locate::Observation]) -> Vec<SeriesRow> {
    let releases: Vec<analytics::series::Cumulative> = rows
        .iter()
        .map(|o| analytics::series::Cumulative {
            end_month: u32::try_from(o.end_month).unwrap_or(0),
            ytd_value: o.ytd_value,
            ytd_growth_pct: o.ytd_growth,
        })
        .collect();
    rows.iter()
        .zip(analytics::series::single_periods(&releases))
        .map(|(o, p)| {
            let label = if p.start_month == p.end_month {
                format!("{} 月", p.end_month)
            } else {
                format!("{}–{} 月", p.start_month, p.end_month)
            };
            SeriesRow {
                period: o.period.clone(),
                label: format!("1–{} 月（当期 {label}）", o.end_month),
                ytd_value: o.ytd_value,
                ytd_growth: o.ytd_growth,
                month_value: p.value,
                month_growth: p.growth_pct,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorTemplate {
    layout: Layout,
    can_edit: bool,
    owner: String,
    /// The region's own (nominal) target for the indicator, as set.
    target_value: String,
    /// The year whose target the form edits.
    line_year: i32,
    line: IndicatorLine,
    unit: String,
    rows: Vec<SeriesRow>,
    drives: Vec<(String, f64, f64)>,
    chart: String,
    /// For an indicator built from firms: the firms behind its growth, within the caller's
    /// scope (a month; none for a quarter).
    firms: Option<workflow::serve::contributions::FirmContributions>,
    /// The period as `YYYY-MM`, for the 开短板 link.
    period_code: String,
}

impl IndicatorTemplate {
    fn wan1(&self, v: &f64) -> String {
        domain::decimal::grouped(&format!("{v:.1}"))
    }
    fn opt_pp(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_else(|| "保密".into())
    }
    fn o1<T: OptNum>(&self, x: T) -> String {
        let x = &x.get();
        o1(x)
    }
    fn o2<T: OptNum>(&self, x: T) -> String {
        let x = &x.get();
        o2(x)
    }
    fn f1<T: Num>(&self, x: T) -> String {
        let x = &x.get();
        f1(x)
    }
    fn f3<T: Num>(&self, x: T) -> String {
        let x = &x.get();
        format!("{x:.3}")
    }
}

/// Firms listed in an indicator's drill-down (the rest through the API, paged).
const FIRMS_SHOWN: i64 = 15;

pub async fn indicator(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let report = workflow::figures::analysis(
        &state.store,
        &ctx.region.code,
        ctx.period,
        &state.config.rules,
    )
    .await?;
    let line = report
        .indicators
        .iter()
        .find(|k| k.code == code)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("指标“{code}”")))?;
    let series: Vec<store::locate::Observation> = state
        .store
        .observations_of_year(&ctx.region.code, ctx.year())
        .await?
        .into_iter()
        .filter(|o| o.indicator == code)
        .collect();
    let rows = derive_single_periods(&series);
    let model = state.store.model(&ctx.region.code, ctx.year()).await?;
    let drives = model
        .map(|m| {
            m.drivers
                .iter()
                .filter(|d| d.indicator == code)
                .map(|d| {
                    let (name, w) = m
                        .industries
                        .iter()
                        .find(|i| i.code == d.industry)
                        .map(|i| (i.name.clone(), i.weight))
                        .unwrap_or_default();
                    (name, w, d.coefficient)
                })
                .collect()
        })
        .unwrap_or_default();
    let chart = chart_json(&vec![TrendSeries {
        name: line.name.clone(),
        target: line.target_growth_pct,
        points: series
            .iter()
            .map(|o| (format!("1–{} 月", o.end_month), o.ytd_growth))
            .collect(),
    }]);
    let unit = line.unit.clone();
    let target_value = state
        .store
        .indicator_targets(&ctx.region.code, ctx.year())
        .await?
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    let firms = match (
        workflow::serve::contributions::measure_of(&code),
        ctx.period,
    ) {
        (Some(_), domain::Period::Month { .. }) => Some(
            workflow::serve::contributions::firm_contributions(
                &state.store,
                &user.principal,
                &workflow::serve::contributions::ContributionQuery {
                    region: ctx.region.code.clone(),
                    indicator: code.clone(),
                    period: ctx.period,
                    town_id: None,
                    track_id: None,
                    page: 1,
                    per_page: FIRMS_SHOWN,
                },
            )
            .await?,
        ),
        _ => None,
    };
    let html = IndicatorTemplate {
        firms,
        period_code: ctx.period.to_string(),
        layout: Layout::new(&line.name, "locate", &user, &ctx),
        can_edit: user.principal.role.is_office(),
        owner: line.owner_department.clone(),
        target_value,
        line_year: ctx.year(),
        line,
        unit,
        rows,
        drives,
        chart,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// Saves an indicator's catalogue entry and this region's target for it (office only).
pub async fn save_indicator(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let current = state
        .store
        .indicators()
        .await?
        .into_iter()
        .find(|k| k.code == code)
        .ok_or_else(|| AppError::NotFound(format!("指标“{code}”")))?;
    let field = |name: &str| {
        form.get(name)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let name = domain::BoundedText::parse(&field("name"), "指标名称", 100)
        .map_err(|e| AppError::bad_field("name", e.to_string()))?;
    let unit = domain::BoundedText::parse(&field("unit"), "计量单位", 20)
        .map_err(|e| AppError::bad_field("unit", e.to_string()))?;
    let owner = field("owner_department");
    if owner.chars().count() > 50 {
        return Err(AppError::bad_field("owner_department", "责任部门最多 50 个字符").into());
    }
    let target = match field("target_growth_pct").trim_end_matches('%') {
        "" => None,
        t => Some(
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    AppError::bad_field(
                        "target_growth_pct",
                        format!("目标增速“{t}”不是有效的百分数"),
                    )
                })
                .and_then(|v| {
                    domain::bounds::growth_pct("target_growth_pct", "目标增速", v)
                        .map_err(|e| AppError::bad_field(&e.field, e.message))
                })?,
        ),
    };
    let mut tx = state.store.begin_write().await?;
    tx.upsert_indicator(
        &user.actor(),
        &store::locate::NewIndicator {
            code: current.code.clone(),
            name: name.into_string(),
            unit: unit.into_string(),
            frequency: current.frequency.clone(),
            kind: current.kind.clone(),
            nominal: current.nominal != 0,
            stock: current.stock != 0,
            deflator: current.deflator.clone(),
            owner_department: owner,
        },
    )
    .await?;
    if let Some(t) = target {
        tx.set_indicator_target(
            &user.actor(),
            &ctx.region.code,
            ctx.year(),
            &current.code,
            t,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(axum::response::Redirect::to(&format!("/locate/indicators/{code}")).into_response())
}

/// Saves an edited accounting model as a new version (office only). Every industry's weight
/// and assumed growth and every driver's coefficient come in one form, so that the weights are
/// checked together.
pub async fn save_model(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let model = state
        .store
        .model(&ctx.region.code, ctx.year())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{} 年核算模型", ctx.year())))?;
    let number = |key: &str, label: &str| -> Result<Option<f64>, AppError> {
        match form.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(t) => t
                .trim_end_matches('%')
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| AppError::bad_field(key, format!("{label}“{t}”不是有效的数字"))),
        }
    };
    let mut industries = Vec::new();
    for i in &model.industries {
        let weight_pct = number(&format!("weight.{}", i.code), &format!("{}的权重", i.name))?
            .ok_or_else(|| {
                AppError::bad_field(
                    &format!("weight.{}", i.code),
                    format!("{}的权重不能为空", i.name),
                )
            })?;
        let assumed_key = format!("assumed.{}", i.code);
        let assumed_label = format!("{}的假定增速", i.name);
        let assumed = number(&assumed_key, &assumed_label)?
            .map(|v| domain::bounds::growth_pct(&assumed_key, &assumed_label, v))
            .transpose()
            .map_err(|e| AppError::bad_field(&e.field, e.message))?;
        industries.push(store::locate::ModelIndustry {
            weight: weight_pct / 100.0,
            assumed_growth: assumed,
            ..i.clone()
        });
    }
    let mut drivers = Vec::new();
    for d in &model.drivers {
        let key = format!("coef.{}.{}", d.industry, d.indicator);
        let c = number(&key, "驱动系数")?
            .ok_or_else(|| AppError::bad_field(&key, "驱动系数不能为空"))?;
        let c = domain::bounds::coefficient(&key, "驱动系数", c)
            .map_err(|e| AppError::bad_field(&e.field, e.message))?;
        drivers.push(store::locate::ModelDriver {
            coefficient: c,
            ..d.clone()
        });
    }
    let total: f64 = industries.iter().map(|i| i.weight).sum();
    if (total - 1.0).abs() > analytics::accounting::WEIGHT_TOLERANCE {
        return Err(AppError::bad_field(
            "weight",
            format!(
                "行业权重合计 {:.2}%，应为 100%（允许误差 0.1 个百分点）；未保存",
                total * 100.0
            ),
        )
        .into());
    }
    for i in &industries {
        if !(0.0..=1.0).contains(&i.weight) {
            return Err(
                AppError::bad_field("weight", format!("{}的权重不在 0–100% 之间", i.name)).into(),
            );
        }
        if i.assumed_growth.is_none() && !drivers.iter().any(|d| d.industry == i.code) {
            return Err(AppError::bad_field(
                "assumed",
                format!("{}没有驱动指标，须填写假定增速", i.name),
            )
            .into());
        }
    }
    let mut tx = state.store.begin_write().await?;
    tx.create_model(
        &user.actor(),
        &ctx.region.code,
        ctx.year(),
        &industries,
        &drivers,
        "页面编辑",
    )
    .await?;
    tx.commit().await?;
    Ok(axum::response::Redirect::to("/locate#model").into_response())
}
