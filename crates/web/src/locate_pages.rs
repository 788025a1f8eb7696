//! The 找位置 pages: where the year stands, which indicators hold it back, one indicator's
//! series, and the statistics upload (preview, errors, confirm).

use crate::auth::PageUser;
use crate::claim_pages::require_office;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::locate::{build_report, IndicatorLine, LocateError, LocateReport};
pub(crate) use crate::pages::chart_json;
use crate::pages::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;

impl From<LocateError> for AppError {
    fn from(e: LocateError) -> Self {
        match e {
            LocateError::UnknownRegion(r) => AppError::NotFound(format!("地区 {r}")),
            LocateError::Store(s) => s.into(),
            other => AppError::bad(other.to_string()),
        }
    }
}

/// A number however deep the template's references go.
pub trait Num {
    fn get(&self) -> f64;
}

impl Num for f64 {
    fn get(&self) -> f64 {
        *self
    }
}

impl<T: Num + ?Sized> Num for &T {
    fn get(&self) -> f64 {
        (**self).get()
    }
}

/// An optional number however deep the template's references go.
pub trait OptNum {
    fn get(&self) -> Option<f64>;
}

impl OptNum for Option<f64> {
    fn get(&self) -> Option<f64> {
        *self
    }
}

impl<T: OptNum + ?Sized> OptNum for &T {
    fn get(&self) -> Option<f64> {
        (**self).get()
    }
}

pub fn f1(x: &f64) -> String {
    format!("{x:.1}")
}

pub fn f2(x: &f64) -> String {
    format!("{x:.2}")
}

pub fn o1(x: &Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

pub fn o2(x: &Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "locate.html")]
struct LocateTemplate {
    layout: Layout,
    report: Option<LocateReport>,
    problem: Option<String>,
    holding_back: Vec<IndicatorLine>,
    others: Vec<IndicatorLine>,
    waterfall: String,
    trend: String,
    coefficient_sums: Vec<(String, String, f64, f64)>,
    model: Option<store::locate::Model>,
    can_edit: bool,
    pipeline: Option<crate::land::PipelineReport>,
    pipeline_chart: String,
}

impl LocateTemplate {
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
        format!("{:.3}", x.get())
    }
    fn abs1<T: Num>(&self, x: T) -> String {
        let x = &x.get();
        format!("{:.1}", x.abs())
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
    let result = build_report(
        &state.store,
        &ctx.region.code,
        ctx.period,
        None,
        &state.config.warning_rules,
    )
    .await;
    let report = match result {
        Ok(r) => r,
        Err(
            e @ (LocateError::NoModel { .. }
            | LocateError::NoTarget { .. }
            | LocateError::Analysis(_)),
        ) => {
            let html = LocateTemplate {
                layout,
                report: None,
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
            }
            .render()?;
            return Ok(respond(html, &ctx));
        }
        Err(e) => return Err(AppError::from(e).into()),
    };
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
    // Trends of the five indicators that hold the year back most.
    let series = state
        .store
        .observations_of_year(&ctx.region.code, ctx.year())
        .await?;
    let mut trend = Vec::new();
    for k in holding_back.iter().take(5) {
        let points: Vec<(String, Option<f64>)> = series
            .iter()
            .filter(|o| o.indicator == k.code && o.end_month <= i64::from(ctx.period.end_month()))
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
    let access = crate::land_pages::access(&state, &user).await?;
    let pipeline = crate::land::pipeline_report(
        &state.store,
        &ctx.region.code,
        ctx.period,
        &state.config,
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
        problem: None,
        holding_back,
        others,
        waterfall,
        trend: chart_json(&trend),
        coefficient_sums,
        model,
        can_edit: user.principal.role.is_office(),
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

/// Derives single-month (or single-quarter) values and growth from cumulative ones.
pub fn derive_single_periods(rows: &[store::locate::Observation]) -> Vec<SeriesRow> {
    let mut out: Vec<SeriesRow> = Vec::with_capacity(rows.len());
    let mut prev: Option<&store::locate::Observation> = None;
    for o in rows {
        let (month_value, month_growth) = match (prev, o.ytd_value, o.ytd_growth) {
            (Some(p), Some(x), Some(n)) => match (p.ytd_value, p.ytd_growth) {
                (Some(px), Some(pn)) => {
                    let this = x - px;
                    let last = x / (1.0 + n / 100.0) - px / (1.0 + pn / 100.0);
                    (
                        Some(this),
                        (last.abs() > 1e-12).then(|| (this / last - 1.0) * 100.0),
                    )
                }
                _ => (None, None),
            },
            (None, Some(x), _) => (Some(x), o.ytd_growth),
            _ => (None, None),
        };
        let start = prev.map(|p| p.end_month + 1).unwrap_or(1);
        let label = if start == o.end_month {
            format!("{} 月", o.end_month)
        } else {
            format!("{start}–{} 月", o.end_month)
        };
        out.push(SeriesRow {
            period: o.period.clone(),
            label: format!("1–{} 月（当期 {label}）", o.end_month),
            ytd_value: o.ytd_value,
            ytd_growth: o.ytd_growth,
            month_value,
            month_growth,
        });
        prev = Some(o);
    }
    out
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
}

impl IndicatorTemplate {
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

pub async fn indicator(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let report = build_report(
        &state.store,
        &ctx.region.code,
        ctx.period,
        None,
        &state.config.warning_rules,
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
    let html = IndicatorTemplate {
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

/// Uploaded files waiting for the user to confirm their import, by token, within
/// [`UploadLimits`].
#[derive(Default)]
pub struct PendingUploads {
    pub limits: UploadLimits,
    pending: std::sync::Mutex<HashMap<String, PendingUpload>>,
}

/// How many uploads may wait for confirmation, and how files are read.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadLimits {
    /// Most uploads one user may have waiting; a new one replaces that user's oldest.
    pub per_user: usize,
    /// Most uploads waiting on the whole server; beyond it a new upload is refused.
    pub total: usize,
    /// Most bytes of waiting uploads on the whole server; beyond it a new upload is refused.
    pub total_bytes: u64,
    /// How long an upload waits for confirmation.
    pub ttl: std::time::Duration,
    /// The limits every uploaded file is read within.
    pub read: io::ReadLimits,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            per_user: 3,
            total: 50,
            total_bytes: 256 * 1024 * 1024,
            ttl: std::time::Duration::from_secs(1800),
            read: io::ReadLimits::default(),
        }
    }
}

pub struct PendingUpload {
    pub user_id: i64,
    pub kind: String,
    pub files: Vec<(String, Vec<u8>)>,
    pub region: String,
    pub year: i32,
    pub created: std::time::Instant,
}

impl PendingUpload {
    fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum()
    }
}

impl PendingUploads {
    pub fn new(limits: UploadLimits) -> Self {
        Self {
            limits,
            pending: Default::default(),
        }
    }

    /// Keeps an upload until it expires; returns its token, or why it cannot wait (the server
    /// holds too many uploads already).
    pub fn put(&self, upload: PendingUpload) -> Result<String, String> {
        let mut map = self
            .pending
            .lock()
            .map_err(|_| "上传暂存区不可用，请稍后重试".to_string())?;
        let ttl = self.limits.ttl;
        map.retain(|_, u| u.created.elapsed() < ttl);
        // The user's own oldest uploads make room for the new one: only the last preview counts.
        loop {
            let mine: Vec<(&String, std::time::Instant)> = map
                .iter()
                .filter(|(_, u)| u.user_id == upload.user_id)
                .map(|(t, u)| (t, u.created))
                .collect();
            if mine.len() < self.limits.per_user.max(1) {
                break;
            }
            let Some(oldest) = mine
                .iter()
                .min_by_key(|(_, c)| *c)
                .map(|(t, _)| (*t).clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        let held: u64 = map.values().map(PendingUpload::bytes).sum();
        if map.len() >= self.limits.total {
            return Err(format!(
                "服务器上待确认的上传已有 {} 个（上限 {}），请稍后再上传",
                map.len(),
                self.limits.total
            ));
        }
        if held.saturating_add(upload.bytes()) > self.limits.total_bytes {
            return Err(format!(
                "服务器上待确认的上传已占用 {} MiB（上限 {} MiB），请稍后再上传",
                held / (1024 * 1024),
                self.limits.total_bytes / (1024 * 1024)
            ));
        }
        let token = store::users::new_token("u_");
        map.insert(token.clone(), upload);
        Ok(token)
    }

    pub fn take(&self, token: &str, user_id: i64) -> Option<PendingUpload> {
        let mut map = self.pending.lock().ok()?;
        let found = map
            .get(token)
            .is_some_and(|u| u.user_id == user_id && u.created.elapsed() < self.limits.ttl);
        if found {
            map.remove(token)
        } else {
            None
        }
    }

    /// How many uploads wait now (expired ones included until the next upload sweeps them).
    pub fn len(&self) -> usize {
        self.pending.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportTemplate {
    layout: Layout,
    kind: String,
    year: i32,
    errors: Vec<io::RowError>,
    problem: Option<String>,
    preview: Option<Preview>,
    done: Option<String>,
}

pub struct Preview {
    pub token: String,
    pub summary: String,
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: usize,
}

fn cell_text(c: &io::Cell) -> String {
    match c {
        io::Cell::Empty => String::new(),
        io::Cell::Text(s) => s.clone(),
        io::Cell::Number {
            value,
            percent: true,
        } => format!("{}%", value * 100.0),
        io::Cell::Number { value, .. } => value.to_string(),
    }
}

pub async fn import_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let html = ImportTemplate {
        layout: Layout::new("导入统计数据", "locate", &user, &ctx),
        kind: "observations".into(),
        year: ctx.year(),
        errors: vec![],
        problem: None,
        preview: None,
        done: None,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

const IMPORT_KINDS: [&str; 5] = [
    "indicators",
    "model",
    "observations",
    "remedies",
    "projects",
];

async fn run_import(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    kind: &str,
    region: &str,
    year: i32,
    files: &[(String, Vec<u8>)],
    write: bool,
) -> Result<(crate::importing::ImportSummary, Vec<io::Table>), crate::importing::ImportError> {
    let mut tables = Vec::new();
    for (name, bytes) in files {
        tables.push(io::table::read_bytes_with(
            name,
            bytes.clone(),
            &state.uploads.limits.read,
        )?);
    }
    let actor = user.actor();
    let summary = match kind {
        "indicators" => {
            crate::importing::indicators(
                &state.store,
                &actor,
                &tables[0],
                Some((region, year)),
                write,
            )
            .await?
        }
        "remedies" => {
            crate::importing::remedies(&state.store, &actor, region, &tables[0], write).await?
        }
        "projects" => {
            crate::importing::projects(
                &state.store,
                &actor,
                region,
                &tables[0],
                write,
                &state.config.value_added,
            )
            .await?
        }
        "model" => {
            crate::importing::model(
                &state.store,
                &actor,
                region,
                year,
                &tables[0],
                &tables[1],
                write,
            )
            .await?
        }
        _ => {
            crate::importing::observations(
                &state.store,
                &actor,
                region,
                &tables[0],
                write,
                &mut |_, _| {},
            )
            .await?
        }
    };
    Ok((summary, tables))
}

pub async fn import_upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad("上传内容无法读取（文件可能超过大小上限，或上传中断）"))?
    {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(|f| f.to_string()) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::bad("文件无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                if !bytes.is_empty() {
                    files.push((name, file_name, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(|_| {
                    AppError::bad("表单无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                fields.insert(name, text);
            }
        }
    }
    user.check_form_csrf(&fields)?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    if !IMPORT_KINDS.contains(&kind.as_str()) {
        return Err(AppError::bad_field("kind", "请选择导入类型").into());
    }
    let year = fields
        .get("year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::bad_field("year", "年度应为 2000–2100 之间的整数"))?;
    let wanted: Vec<&str> = if kind == "model" {
        vec!["industries", "drivers"]
    } else {
        vec!["file"]
    };
    let mut chosen = Vec::new();
    for w in &wanted {
        match files.iter().find(|(n, _, _)| n == w) {
            Some((_, file_name, bytes)) => chosen.push((file_name.clone(), bytes.clone())),
            None => {
                let html = ImportTemplate {
                    layout: Layout::new("导入统计数据", "locate", &user, &ctx),
                    kind,
                    year,
                    errors: vec![],
                    problem: Some(if wanted.len() == 2 {
                        "请同时选择行业表和驱动关系表".into()
                    } else {
                        "请选择要导入的文件".into()
                    }),
                    preview: None,
                    done: None,
                }
                .render()?;
                return Ok(
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
                );
            }
        }
    }
    let region = ctx.region.code.clone();
    let layout = Layout::new("导入统计数据", "locate", &user, &ctx);
    match run_import(&state, &user, &kind, &region, year, &chosen, false).await {
        Ok((summary, tables)) => {
            let first = &tables[0];
            let file_names = chosen
                .iter()
                .map(|c| c.0.clone())
                .collect::<Vec<_>>()
                .join("、");
            let token = match state.uploads.put(PendingUpload {
                user_id: user.user.id,
                kind: kind.clone(),
                files: chosen,
                region,
                year,
                created: std::time::Instant::now(),
            }) {
                Ok(token) => token,
                Err(problem) => {
                    let html = ImportTemplate {
                        layout,
                        kind,
                        year,
                        errors: vec![],
                        problem: Some(problem),
                        preview: None,
                        done: None,
                    }
                    .render()?;
                    return Ok(
                        (axum::http::StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response()
                    );
                }
            };
            let preview = Preview {
                summary: summary.message.clone(),
                file: file_names,
                headers: first.headers.clone(),
                rows: first
                    .rows
                    .iter()
                    .take(10)
                    .map(|r| r.cells.iter().map(cell_text).collect())
                    .collect(),
                total: first.rows.len(),
                token,
            };
            let html = ImportTemplate {
                layout,
                kind,
                year,
                errors: vec![],
                problem: None,
                preview: Some(preview),
                done: None,
            }
            .render()?;
            Ok(Html(html).into_response())
        }
        Err(crate::importing::ImportError::Rejected(errors)) => {
            let html = ImportTemplate {
                layout,
                kind,
                year,
                errors: errors.0,
                problem: Some("导入被拒绝，未写入任何数据。请修改以下单元格后重新上传：".into()),
                preview: None,
                done: None,
            }
            .render()?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(crate::importing::ImportError::UnknownRegion(r)) => {
            Err(AppError::NotFound(format!("地区 {r}")).into())
        }
        Err(crate::importing::ImportError::Store(e)) => Err(AppError::from(e).into()),
    }
}

pub async fn import_confirm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let token = form.get("token").cloned().unwrap_or_default();
    let pending = state
        .uploads
        .take(&token, user.user.id)
        .ok_or_else(|| AppError::bad("上传已过期或已导入，请重新上传"))?;
    let layout = Layout::new("导入统计数据", "locate", &user, &ctx);
    match run_import(
        &state,
        &user,
        &pending.kind,
        &pending.region,
        pending.year,
        &pending.files,
        true,
    )
    .await
    {
        Ok((summary, _)) => {
            let html = ImportTemplate {
                layout,
                kind: pending.kind,
                year: pending.year,
                errors: vec![],
                problem: None,
                preview: None,
                done: Some(format!("导入成功：{}", summary.message)),
            }
            .render()?;
            Ok(Html(html).into_response())
        }
        Err(crate::importing::ImportError::Rejected(errors)) => {
            let html = ImportTemplate {
                layout,
                kind: pending.kind,
                year: pending.year,
                errors: errors.0,
                problem: Some("导入被拒绝，未写入任何数据：".into()),
                preview: None,
                done: None,
            }
            .render()?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(crate::importing::ImportError::UnknownRegion(r)) => {
            Err(AppError::NotFound(format!("地区 {r}")).into())
        }
        Err(crate::importing::ImportError::Store(e)) => Err(AppError::from(e).into()),
    }
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
                .filter(|v| v.is_finite() && (-100.0..=1000.0).contains(v))
                .ok_or_else(|| {
                    AppError::bad_field(
                        "target_growth_pct",
                        format!("目标增速“{t}”不是有效的百分数"),
                    )
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
        let assumed = number(
            &format!("assumed.{}", i.code),
            &format!("{}的假定增速", i.name),
        )?;
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

#[cfg(test)]
mod upload_tests {
    use super::*;

    fn upload(user_id: i64, bytes: usize) -> PendingUpload {
        PendingUpload {
            user_id,
            kind: "observations".into(),
            files: vec![("a.csv".into(), vec![b'x'; bytes])],
            region: "370281".into(),
            year: 2025,
            created: std::time::Instant::now(),
        }
    }

    #[test]
    fn a_user_keeps_at_most_per_user_uploads_the_oldest_making_room() {
        let uploads = PendingUploads::new(UploadLimits {
            per_user: 2,
            ..UploadLimits::default()
        });
        let first = uploads.put(upload(1, 10)).expect("first");
        let second = uploads.put(upload(1, 10)).expect("second");
        let third = uploads.put(upload(1, 10)).expect("third");
        let other = uploads.put(upload(2, 10)).expect("another user");
        assert_eq!(uploads.len(), 3);
        assert!(uploads.take(&first, 1).is_none(), "the oldest made room");
        assert!(uploads.take(&second, 1).is_some());
        assert!(
            uploads.take(&third, 2).is_none(),
            "only its own user takes it"
        );
        assert!(uploads.take(&third, 1).is_some());
        assert!(uploads.take(&other, 2).is_some());
        assert!(uploads.is_empty());
    }

    #[test]
    fn the_server_refuses_uploads_beyond_its_count_and_bytes() {
        let uploads = PendingUploads::new(UploadLimits {
            total: 2,
            total_bytes: 100,
            ..UploadLimits::default()
        });
        uploads.put(upload(1, 10)).expect("first");
        uploads.put(upload(2, 10)).expect("second");
        let refused = uploads.put(upload(3, 10)).expect_err("full");
        assert!(
            refused.contains("待确认的上传已有 2 个（上限 2）"),
            "{refused}"
        );
        let uploads = PendingUploads::new(UploadLimits {
            total_bytes: 100,
            ..UploadLimits::default()
        });
        uploads.put(upload(1, 60)).expect("first");
        let refused = uploads.put(upload(2, 60)).expect_err("too many bytes");
        assert!(refused.contains("已占用"), "{refused}");
        assert_eq!(uploads.len(), 1);
    }

    #[test]
    fn expired_uploads_are_gone_and_make_room() {
        let uploads = PendingUploads::new(UploadLimits {
            total: 1,
            ttl: std::time::Duration::ZERO,
            ..UploadLimits::default()
        });
        let token = uploads.put(upload(1, 10)).expect("first");
        assert!(uploads.take(&token, 1).is_none(), "expired");
        uploads
            .put(upload(2, 10))
            .expect("the expired one was swept");
    }
}
