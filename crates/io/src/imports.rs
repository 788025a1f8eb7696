//! The import contracts. Each import names its canonical columns (the contract) and accepts the
//! statistics bureau's Chinese headers as aliases; every row is checked and every problem is
//! reported with its place. Checks that need the database (known indicators, the catalogue's
//! deflators) take that knowledge as plain data.

use crate::table::{Cell, Row, Table};
use crate::{ImportErrors, RowError};
use domain::Period;
use std::collections::{HashMap, HashSet};

/// A column of an import: its canonical name, the aliases it also answers to, and whether it
/// must be present.
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

fn normalise(h: &str) -> String {
    h.trim()
        .to_lowercase()
        .replace(['（', '('], "(")
        .replace(['）', ')'], ")")
        .replace(['％'], "%")
        .replace([' ', '\u{3000}'], "")
}

/// Finds each column of `spec` in the table's headers. A header written twice, or two headers
/// that name the same column ("code" and "指标代码"), are refused: which one is meant is a guess.
fn locate(table: &Table, spec: &[Column]) -> Result<HashMap<&'static str, usize>, ImportErrors> {
    let headers: Vec<String> = table.headers.iter().map(|h| normalise(h)).collect();
    let mut found = HashMap::new();
    let mut errors = Vec::new();
    let header_error = |column: &str, reason: String| RowError {
        file: table.file.clone(),
        sheet: table.sheet.clone(),
        row: 1,
        column: column.to_string(),
        reason,
    };
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(first) = first_at.get(h.as_str()) {
            errors.push(header_error(
                &table.headers[i],
                format!(
                    "表头“{}”重复（第 {} 列和第 {} 列）：每列只能出现一次",
                    table.headers[i],
                    first + 1,
                    i + 1
                ),
            ));
        } else {
            first_at.insert(h, i);
        }
    }
    for col in spec {
        let names: Vec<String> = std::iter::once(col.name)
            .chain(col.aliases.iter().copied())
            .map(normalise)
            .collect();
        let matches: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| names.contains(h))
            .map(|(i, _)| i)
            .collect();
        let distinct: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| first_at.get(headers[*i].as_str()) == Some(i))
            .collect();
        match matches.first() {
            Some(_) if distinct.len() > 1 => errors.push(header_error(
                &table.headers[distinct[1]],
                format!(
                    "{} 都表示“{}”列：只能保留其中一列",
                    distinct
                        .iter()
                        .map(|i| format!("“{}”（第 {} 列）", table.headers[*i], i + 1))
                        .collect::<Vec<_>>()
                        .join("和"),
                    col.name
                ),
            )),
            Some(i) => {
                found.insert(col.name, *i);
            }
            None if col.required => errors.push(header_error(
                col.name,
                format!(
                    "缺少必需的列“{}”（也可写作：{}）",
                    col.name,
                    col.aliases.join("、")
                ),
            )),
            None => {}
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(ImportErrors(errors))
    }
}

/// The header a column of `spec` has in `table` as written in the file (its canonical name
/// when the file lacks it), to place an error found after parsing.
pub fn header(table: &Table, spec: &[Column], name: &str) -> String {
    locate(table, spec)
        .ok()
        .and_then(|c| c.get(name).and_then(|i| table.headers.get(*i)).cloned())
        .unwrap_or_else(|| name.to_string())
}

/// The largest magnitude a plain number column accepts: beyond any count or total the
/// platform keeps, and still exact in a 64-bit float.
pub const MAX_PLAIN_NUMBER: f64 = 1e15;

/// The largest magnitude a percentage column accepts, in percent (a growth of 100 times).
pub const MAX_PERCENT: f64 = 10_000.0;

/// Reads the cells of one row, collecting problems with their places.
struct RowReader<'a> {
    table: &'a Table,
    row: &'a Row,
    columns: &'a HashMap<&'static str, usize>,
    errors: &'a mut Vec<RowError>,
}

impl RowReader<'_> {
    fn header(&self, col: &str) -> String {
        self.columns
            .get(col)
            .and_then(|i| self.table.headers.get(*i))
            .cloned()
            .unwrap_or_else(|| col.to_string())
    }

    fn fail(&mut self, col: &str, reason: impl Into<String>) {
        let column = self.header(col);
        self.errors.push(RowError {
            file: self.table.file.clone(),
            sheet: self.table.sheet.clone(),
            row: self.row.number,
            column,
            reason: reason.into(),
        });
    }

    fn cell(&self, col: &str) -> &Cell {
        self.columns
            .get(col)
            .and_then(|i| self.row.cells.get(*i))
            .unwrap_or(&Cell::Empty)
    }

    fn text(&mut self, col: &str) -> Option<String> {
        match self.cell(col) {
            Cell::Empty => None,
            Cell::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Cell::Number { value, .. } => Some(if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{}", *value as i64)
            } else {
                value.to_string()
            }),
        }
    }

    fn required_text(&mut self, col: &str, max: usize) -> Option<String> {
        match self.text(col) {
            None => {
                self.fail(col, "不能为空");
                None
            }
            Some(s) if s.chars().count() > max => {
                self.fail(col, format!("过长：最多 {max} 个字符"));
                None
            }
            Some(s) => Some(s),
        }
    }

    /// A plain number; "1,234.5" accepted. Beyond ±[`MAX_PLAIN_NUMBER`] is refused.
    fn number(&mut self, col: &str) -> Result<Option<f64>, ()> {
        let value = match self.cell(col).clone() {
            Cell::Empty => return Ok(None),
            Cell::Number { value, .. } => value,
            Cell::Text(s) => {
                let t = s.trim().replace([',', '，'], "");
                if t.is_empty() || t == "-" || t == "—" || t == "…" {
                    return Ok(None);
                }
                match t.parse::<f64>() {
                    Ok(v) => v,
                    Err(_) => {
                        self.fail(col, format!("不是有效的数字：“{s}”"));
                        return Err(());
                    }
                }
            }
        };
        self.in_range(col, value, MAX_PLAIN_NUMBER, "").map(Some)
    }

    /// Refuses a value that is not finite or beyond ±`max` (`unit` follows it in the message).
    fn in_range(&mut self, col: &str, value: f64, max: f64, unit: &str) -> Result<f64, ()> {
        if !value.is_finite() {
            self.fail(col, "不是有效的数字（超出可表示的范围）");
            Err(())
        } else if value.abs() > max {
            self.fail(
                col,
                format!("数值 {value:e}{unit} 超出可接受的范围（绝对值不超过 {max}{unit}）"),
            );
            Err(())
        } else {
            Ok(value)
        }
    }

    /// A percentage as a person means it: "5.8", "5.8%" and a percent-formatted 0.058 are 5.8.
    /// Beyond ±[`MAX_PERCENT`] is refused.
    fn percent(&mut self, col: &str) -> Result<Option<f64>, ()> {
        match self.raw_percent(col)? {
            None => Ok(None),
            Some(value) => self.in_range(col, value, MAX_PERCENT, "%").map(Some),
        }
    }

    /// A percentage as [`RowReader::percent`] reads it, before any range check.
    fn raw_percent(&mut self, col: &str) -> Result<Option<f64>, ()> {
        let value = match self.cell(col).clone() {
            // 0.058 × 100 is 5.800000000000001 in binary: round off the representation error.
            Cell::Number {
                value,
                percent: true,
            } => (value * 100.0 * 1e9).round() / 1e9,
            Cell::Text(s) if s.trim().ends_with('%') || s.trim().ends_with('％') => {
                let t = s
                    .trim()
                    .trim_end_matches(['%', '％'])
                    .trim()
                    .replace([',', '，'], "");
                match t.parse::<f64>() {
                    Ok(v) => v,
                    _ => {
                        self.fail(col, format!("不是有效的百分数：“{s}”"));
                        return Err(());
                    }
                }
            }
            _ => match self.number(col)? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        Ok(Some(value))
    }

    /// A plausibility check of `domain::bounds` on this row: a refusal is this cell's error.
    fn plausible<T>(
        &mut self,
        col: &str,
        check: Result<T, domain::bounds::OutOfRange>,
    ) -> Result<T, ()> {
        check.map_err(|e| self.fail(col, e.message))
    }

    /// A percentage column that holds a growth rate: −100 % to 100 % (`domain::bounds`).
    fn growth(&mut self, col: &str, label: &str) -> Result<Option<f64>, ()> {
        match self.raw_percent(col)? {
            None => Ok(None),
            Some(v) => self
                .plausible(col, domain::bounds::growth_pct(col, label, v))
                .map(Some),
        }
    }

    fn flag(&mut self, col: &str) -> Result<bool, ()> {
        match self.text(col).map(|s| s.to_lowercase()) {
            None => Ok(false),
            Some(s) => match s.as_str() {
                "true" | "yes" | "y" | "1" | "是" | "现价" | "名义" => Ok(true),
                "false" | "no" | "n" | "0" | "否" | "不变价" | "实际" => Ok(false),
                _ => {
                    self.fail(col, format!("应为 是/否（true/false），收到“{s}”"));
                    Err(())
                }
            },
        }
    }
}

fn check_code(r: &mut RowReader, col: &str, code: &str) -> bool {
    let ok = code.len() <= 64
        && !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        r.fail(
            col,
            format!("代码“{code}”无效：只能用 1–64 个英文字母、数字、连字符或下划线"),
        );
    }
    ok
}

fn finish<T>(rows: Vec<T>, errors: Vec<RowError>) -> Result<Vec<T>, ImportErrors> {
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportErrors(errors))
    }
}

// ----- indicators ------------------------------------------------------------------------

pub const INDICATOR_COLUMNS: &[Column] = &[
    Column {
        name: "code",
        aliases: &["指标代码", "代码"],
        required: true,
    },
    Column {
        name: "name",
        aliases: &["指标名称", "名称"],
        required: true,
    },
    Column {
        name: "unit",
        aliases: &["计量单位", "单位"],
        required: true,
    },
    Column {
        name: "frequency",
        aliases: &["频度", "频率", "报送频率"],
        required: true,
    },
    Column {
        name: "kind",
        aliases: &["指标类型", "类型"],
        required: true,
    },
    Column {
        name: "nominal",
        aliases: &["是否现价", "现价", "名义"],
        required: false,
    },
    Column {
        name: "stock",
        aliases: &["时点指标", "余额指标", "是否时点"],
        required: false,
    },
    Column {
        name: "deflator",
        aliases: &["缩减指数", "价格指数"],
        required: false,
    },
    Column {
        name: "target_growth_pct",
        aliases: &["目标增速(%)", "目标增速", "目标(%)"],
        required: false,
    },
    Column {
        name: "owner_department",
        aliases: &["责任部门", "牵头部门"],
        required: false,
    },
];

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub frequency: String,
    pub kind: String,
    pub nominal: bool,
    pub stock: bool,
    pub deflator: Option<String>,
    pub target_growth_pct: Option<f64>,
    pub owner_department: String,
}

/// Parses and checks an indicator catalogue. `existing` maps the catalogue's codes to their
/// deflators, so that a deflator may name an indicator already known, and cycles through the
/// existing catalogue are caught.
pub fn indicators(
    table: &Table,
    existing: &HashMap<String, Option<String>>,
    with_targets: bool,
) -> Result<Vec<IndicatorRow>, ImportErrors> {
    let columns = locate(table, INDICATOR_COLUMNS)?;
    let mut errors = Vec::new();
    let mut out: Vec<IndicatorRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let mut r = RowReader {
            table,
            row,
            columns: &columns,
            errors: &mut errors,
        };
        let code = r.required_text("code", 64);
        let name = r.required_text("name", 100);
        let unit = r.required_text("unit", 20);
        let frequency = match r.required_text("frequency", 20).as_deref() {
            Some("monthly" | "月度" | "月" | "月报") => Some("monthly".to_string()),
            Some("quarterly" | "季度" | "季" | "季报") => Some("quarterly".to_string()),
            Some(other) => {
                r.fail(
                    "frequency",
                    format!("应为 monthly（月度）或 quarterly（季度），收到“{other}”"),
                );
                None
            }
            None => None,
        };
        let kind = match r.required_text("kind", 20).as_deref() {
            Some("accounting" | "核算" | "核算指标") => Some("accounting".to_string()),
            Some("leading" | "先行" | "辅助" | "先行指标" | "辅助指标" | "price" | "价格") => {
                Some("leading".to_string())
            }
            Some(other) => {
                r.fail(
                    "kind",
                    format!(
                        "应为 accounting（核算指标）或 leading（先行/辅助指标），收到“{other}”"
                    ),
                );
                None
            }
            None => None,
        };
        let nominal = r.flag("nominal");
        let stock = r.flag("stock");
        let deflator = r.text("deflator");
        let target = r.growth("target_growth_pct", "目标增速");
        let owner = r.text("owner_department").unwrap_or_default();
        if let Ok(Some(_)) = target {
            if !with_targets {
                r.fail(
                    "target_growth_pct",
                    "填写了目标增速时须同时指定 --region 和 --year",
                );
            }
        }
        if let Some(c) = &code {
            if check_code(&mut r, "code", c) {
                if let Some(first) = seen.get(c) {
                    r.fail("code", format!("指标代码“{c}”重复（第 {first} 行已有）"));
                } else {
                    seen.insert(c.clone(), row.number);
                }
            }
        }
        if let (
            Some(code),
            Some(name),
            Some(unit),
            Some(frequency),
            Some(kind),
            Ok(nominal),
            Ok(target),
        ) = (code, name, unit, frequency, kind, nominal, target)
        {
            let stock = stock.unwrap_or(false);
            out.push(IndicatorRow {
                row: row.number,
                code,
                name,
                unit,
                frequency,
                kind,
                nominal,
                stock,
                deflator,
                target_growth_pct: target,
                owner_department: owner,
            });
        }
    }
    // Deflators must exist, be no one's own deflator, and form no cycle.
    let mut graph: HashMap<String, Option<String>> = existing.clone();
    for i in &out {
        graph.insert(i.code.clone(), i.deflator.clone());
    }
    for i in &out {
        let column = table
            .headers
            .get(columns.get("deflator").copied().unwrap_or(0))
            .cloned()
            .unwrap_or_else(|| "deflator".into());
        let place = |reason: String| RowError {
            file: table.file.clone(),
            sheet: table.sheet.clone(),
            row: i.row,
            column: column.clone(),
            reason,
        };
        let Some(d) = &i.deflator else { continue };
        if !graph.contains_key(d) {
            errors.push(place(format!("缩减指数“{d}”不在指标目录中")));
            continue;
        }
        let mut cursor = Some(d.clone());
        let mut visited = HashSet::from([i.code.clone()]);
        while let Some(c) = cursor {
            if !visited.insert(c.clone()) {
                errors.push(place(format!("缩减指数形成循环：{} → … → {c}", i.code)));
                break;
            }
            cursor = graph.get(&c).cloned().flatten();
        }
    }
    errors.sort_by_key(|e| e.row);
    finish(out, errors)
}

// ----- the accounting model ----------------------------------------------------------------

pub const INDUSTRY_COLUMNS: &[Column] = &[
    Column {
        name: "code",
        aliases: &["行业代码", "代码"],
        required: true,
    },
    Column {
        name: "name",
        aliases: &["行业名称", "行业", "名称"],
        required: true,
    },
    Column {
        name: "weight",
        aliases: &["权重", "比重", "占比"],
        required: true,
    },
    Column {
        name: "assumed_growth_pct",
        aliases: &["假定增速(%)", "假定增速", "预计增速(%)"],
        required: false,
    },
];

pub const DRIVER_COLUMNS: &[Column] = &[
    Column {
        name: "industry",
        aliases: &["行业代码", "行业"],
        required: true,
    },
    Column {
        name: "indicator",
        aliases: &["指标代码", "指标"],
        required: true,
    },
    Column {
        name: "coefficient",
        aliases: &["系数", "弹性系数"],
        required: true,
    },
];

#[derive(Debug, Clone, PartialEq)]
pub struct IndustryRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub assumed_growth_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriverRow {
    pub row: usize,
    pub industry: String,
    pub indicator: String,
    pub coefficient: f64,
}

/// Parses and checks a model: industries whose weights sum to 1 (within 0.001; a weight may be
/// written as a share, 0.452, or a percentage, 45.2%), and drivers that name those industries
/// and known indicators.
pub fn model(
    industries: &Table,
    drivers: &Table,
    known_indicators: &HashSet<String>,
) -> Result<(Vec<IndustryRow>, Vec<DriverRow>), ImportErrors> {
    let mut errors = Vec::new();
    let mut inds = Vec::new();
    match locate(industries, INDUSTRY_COLUMNS) {
        Err(e) => errors.extend(e.0),
        Ok(columns) => {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for row in &industries.rows {
                let mut r = RowReader {
                    table: industries,
                    row,
                    columns: &columns,
                    errors: &mut errors,
                };
                let code = r.required_text("code", 64);
                let name = r.required_text("name", 100);
                let weight = match r.cell("weight").clone() {
                    Cell::Text(s) if s.trim().ends_with('%') => {
                        r.percent("weight").map(|w| w.map(|w| w / 100.0))
                    }
                    Cell::Number { percent: true, .. } => {
                        r.percent("weight").map(|w| w.map(|w| w / 100.0))
                    }
                    _ => r.number("weight"),
                };
                let weight = match weight {
                    Ok(Some(w)) if (0.0..=1.0).contains(&w) => Some(w),
                    Ok(Some(w)) => {
                        r.fail("weight", format!("权重 {w} 不在 0–1 之间"));
                        None
                    }
                    Ok(None) => {
                        r.fail("weight", "不能为空");
                        None
                    }
                    Err(()) => None,
                };
                let assumed = r.growth("assumed_growth_pct", "假定增速");
                if let Some(c) = &code {
                    if check_code(&mut r, "code", c) {
                        if let Some(first) = seen.get(c) {
                            r.fail("code", format!("行业代码“{c}”重复（第 {first} 行已有）"));
                        } else {
                            seen.insert(c.clone(), row.number);
                        }
                    }
                }
                if let (Some(code), Some(name), Some(weight), Ok(assumed)) =
                    (code, name, weight, assumed)
                {
                    inds.push(IndustryRow {
                        row: row.number,
                        code,
                        name,
                        weight,
                        assumed_growth_pct: assumed,
                    });
                }
            }
            if inds.is_empty() && errors.is_empty() {
                errors.push(RowError {
                    file: industries.file.clone(),
                    sheet: industries.sheet.clone(),
                    row: 0,
                    column: String::new(),
                    reason: "没有行业".into(),
                });
            }
            let total: f64 = inds.iter().map(|i| i.weight).sum();
            if !inds.is_empty() && (total - 1.0).abs() > analytics_tolerance() {
                errors.push(RowError {
                    file: industries.file.clone(),
                    sheet: industries.sheet.clone(),
                    row: 0,
                    column: industries
                        .headers
                        .get(columns.get("weight").copied().unwrap_or(0))
                        .cloned()
                        .unwrap_or_default(),
                    reason: format!("行业权重合计 {total:.4}，应为 1（允许误差 0.001）"),
                });
            }
        }
    }
    let industry_codes: HashSet<&str> = inds.iter().map(|i| i.code.as_str()).collect();
    let mut drvs = Vec::new();
    match locate(drivers, DRIVER_COLUMNS) {
        Err(e) => errors.extend(e.0),
        Ok(columns) => {
            let mut seen: HashMap<(String, String), usize> = HashMap::new();
            for row in &drivers.rows {
                let mut r = RowReader {
                    table: drivers,
                    row,
                    columns: &columns,
                    errors: &mut errors,
                };
                let industry = r.required_text("industry", 64);
                let indicator = r.required_text("indicator", 64);
                let coefficient = match r.number("coefficient") {
                    Ok(Some(c)) if c.abs() <= 10.0 => Some(c),
                    Ok(Some(c)) => {
                        r.fail("coefficient", format!("系数 {c} 超出 −10 到 10 的合理范围"));
                        None
                    }
                    Ok(None) => {
                        r.fail("coefficient", "不能为空");
                        None
                    }
                    Err(()) => None,
                };
                if let Some(i) = &industry {
                    if !industry_codes.contains(i.as_str()) {
                        r.fail("industry", format!("行业“{i}”不在行业表中"));
                    }
                }
                if let Some(k) = &indicator {
                    if !known_indicators.contains(k) {
                        r.fail("indicator", format!("指标“{k}”不在指标目录中"));
                    }
                }
                if let (Some(i), Some(k)) = (&industry, &indicator) {
                    let key = (i.clone(), k.clone());
                    if let Some(first) = seen.get(&key) {
                        r.fail(
                            "indicator",
                            format!("驱动关系 {i} ← {k} 重复（第 {first} 行已有）"),
                        );
                    } else {
                        seen.insert(key, row.number);
                    }
                }
                if let (Some(industry), Some(indicator), Some(coefficient)) =
                    (industry, indicator, coefficient)
                {
                    drvs.push(DriverRow {
                        row: row.number,
                        industry,
                        indicator,
                        coefficient,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok((inds, drvs))
    } else {
        Err(ImportErrors(errors))
    }
}

fn analytics_tolerance() -> f64 {
    analytics::accounting::WEIGHT_TOLERANCE
}

// ----- observations ------------------------------------------------------------------------

pub const OBSERVATION_COLUMNS: &[Column] = &[
    Column {
        name: "period",
        aliases: &["期别", "时期", "统计期", "月份"],
        required: true,
    },
    Column {
        name: "indicator",
        aliases: &["指标代码", "指标名称", "指标"],
        required: true,
    },
    Column {
        name: "ytd_value",
        aliases: &["累计值", "本年累计", "1-本月累计"],
        required: false,
    },
    Column {
        name: "ytd_growth_pct",
        aliases: &[
            "累计增长(%)",
            "累计增长",
            "累计增速(%)",
            "累计同比(%)",
            "同比增长(%)",
        ],
        required: true,
    },
    Column {
        name: "last_year_total",
        aliases: &["上年全年", "上年全年值", "上年合计"],
        required: false,
    },
];

/// Reads the ways people write a period: "2025-09", "2025年9月", "2025/9", "2025-09-30" (a date
/// cell), "2025-Q3", "2025年三季度" is not accepted (write 2025-Q3).
fn period_text(raw: &str) -> String {
    let t = raw.trim().replace(['年', '/', '.'], "-");
    let t = t.trim_end_matches(['月', '-']).replace("--", "-");
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        format!("{}-{}", parts[0], parts[1])
    } else {
        t
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    pub row: usize,
    pub period: Period,
    pub indicator: String,
    pub ytd_value: Option<f64>,
    pub ytd_growth_pct: Option<f64>,
    pub last_year_total: Option<f64>,
}

/// Parses and checks observations. `indicators` maps codes and names to codes; periods later
/// than `latest` (the current month) are refused.
pub fn observations(
    table: &Table,
    indicators: &HashMap<String, String>,
    latest: Period,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<ObservationRow>, ImportErrors> {
    let columns = locate(table, OBSERVATION_COLUMNS)?;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(table.rows.len());
    let mut seen: HashMap<(Period, String), usize> = HashMap::new();
    let total = table.rows.len();
    for (n, row) in table.rows.iter().enumerate() {
        if n % 10_000 == 0 {
            progress(n, total);
        }
        let mut r = RowReader {
            table,
            row,
            columns: &columns,
            errors: &mut errors,
        };
        let period = match r.required_text("period", 20) {
            None => None,
            Some(p) => match Period::parse(&period_text(&p)) {
                Ok(p)
                    if p.year() > latest.year()
                        || (p.year() == latest.year() && p.end_month() > latest.end_month()) =>
                {
                    r.fail(
                        "period",
                        format!("期别 {p} 晚于当前月份 {latest}，超出范围"),
                    );
                    None
                }
                Ok(p) => Some(p),
                Err(e) => {
                    r.fail("period", e.to_string());
                    None
                }
            },
        };
        let indicator = match r.required_text("indicator", 100) {
            None => None,
            Some(k) => match indicators.get(&k) {
                Some(code) => Some(code.clone()),
                None => {
                    r.fail("indicator", format!("未知指标“{k}”：请先导入指标目录"));
                    None
                }
            },
        };
        let value = r.number("ytd_value");
        let growth = r.growth("ytd_growth_pct", "累计增长");
        let last = r.number("last_year_total");
        if let (Ok(None), Ok(None)) = (&value, &growth) {
            r.fail("ytd_growth_pct", "累计值和累计增长不能都为空");
        }
        if let Ok(Some(g)) = growth {
            if g <= -100.0 {
                r.fail(
                    "ytd_growth_pct",
                    format!("增速 {g}% 不可能（须大于 −100%）"),
                );
            }
        }
        if let (Some(p), Some(k)) = (&period, &indicator) {
            let key = (*p, k.clone());
            if let Some(first) = seen.get(&key) {
                r.fail(
                    "indicator",
                    format!("{p} 的指标“{k}”重复（第 {first} 行已有）"),
                );
            } else {
                seen.insert(key, row.number);
            }
        }
        if let (
            Some(period),
            Some(indicator),
            Ok(ytd_value),
            Ok(ytd_growth_pct),
            Ok(last_year_total),
        ) = (period, indicator, value, growth, last)
        {
            out.push(ObservationRow {
                row: row.number,
                period,
                indicator,
                ytd_value,
                ytd_growth_pct,
                last_year_total,
            });
        }
    }
    progress(total, total);
    finish(out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_csv;

    fn known() -> HashMap<String, String> {
        HashMap::from([
            ("industrial-va".to_string(), "industrial-va".to_string()),
            ("规上工业增加值".to_string(), "industrial-va".to_string()),
        ])
    }

    fn latest() -> Period {
        Period::parse("2025-09").expect("period")
    }

    #[test]
    fn reads_observations_with_chinese_headers_and_percent_forms() {
        let t = read_csv("obs.csv", "期别,指标名称,累计值,累计增长(%)\n2025-09,规上工业增加值,,6.0\n2025-08,industrial-va,,5.8%\n".as_bytes()).expect("csv");
        let rows = observations(&t, &known(), latest(), &mut |_, _| {}).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].indicator, "industrial-va");
        assert_eq!(rows[0].ytd_growth_pct, Some(6.0));
        assert_eq!(rows[1].ytd_growth_pct, Some(5.8));
        assert_eq!(rows[0].ytd_value, None);
    }

    #[test]
    fn a_percent_formatted_cell_means_what_it_shows() {
        let t = Table {
            file: "obs.xlsx".into(),
            sheet: Some("Sheet1".into()),
            headers: vec!["period".into(), "indicator".into(), "ytd_growth_pct".into()],
            rows: vec![Row {
                number: 2,
                cells: vec![
                    Cell::Text("2025-09".into()),
                    Cell::Text("industrial-va".into()),
                    Cell::Number {
                        value: 0.058,
                        percent: true,
                    },
                ],
            }],
        };
        let rows = observations(&t, &known(), latest(), &mut |_, _| {}).expect("valid");
        assert_eq!(rows[0].ytd_growth_pct, Some(5.8));
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_place() {
        let t = read_csv(
            "obs.csv",
            "period,indicator,ytd_value,ytd_growth_pct\n2025-09,industrial-va,,abc\n2025-13,industrial-va,,1\n2025-09,unknown,,1\n2025-10,industrial-va,,1\n2025-09,industrial-va,,2\n".as_bytes(),
        )
        .expect("csv");
        let err = observations(&t, &known(), latest(), &mut |_, _| {}).expect_err("invalid");
        let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            places,
            vec![
                (2, "ytd_growth_pct"),
                (3, "period"),
                (4, "indicator"),
                (5, "period"),
                (6, "indicator")
            ],
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("obs.csv 第 2 行 “ytd_growth_pct”列：不是有效的数字：“abc”"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_ways_periods_are_written() {
        assert_eq!(period_text("2025年9月"), "2025-9");
        assert_eq!(period_text("2025/09"), "2025-09");
        assert_eq!(period_text("2025-09-30"), "2025-09");
        assert_eq!(period_text("2025-Q3"), "2025-Q3");
    }

    #[test]
    fn a_missing_column_is_named() {
        let t = read_csv(
            "obs.csv",
            "period,indicator\n2025-09,industrial-va\n".as_bytes(),
        )
        .expect("csv");
        let err = observations(&t, &known(), latest(), &mut |_, _| {}).expect_err("missing column");
        assert!(
            err.to_string().contains("缺少必需的列“ytd_growth_pct”"),
            "{err}"
        );
    }

    #[test]
    fn deflator_cycles_and_dangling_deflators_are_refused() {
        let t = read_csv(
            "ind.csv",
            "code,name,unit,frequency,kind,nominal,deflator\na,A,万元,monthly,accounting,是,b\nb,B,%,monthly,leading,否,a\nc,C,万元,monthly,accounting,是,zzz\n".as_bytes(),
        )
        .expect("csv");
        let err = indicators(&t, &HashMap::new(), false).expect_err("cycle");
        let reasons: Vec<String> = err.0.iter().map(|e| e.reason.clone()).collect();
        assert!(reasons.iter().any(|r| r.contains("循环")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("zzz")), "{reasons:?}");
    }

    #[test]
    fn model_weights_must_sum_to_one() {
        let inds = read_csv("ind.csv", "code,name,weight\nprimary,第一产业,3.9%\nsecondary,第二产业,0.452\ntertiary,第三产业,0.5\n".as_bytes()).expect("csv");
        let drvs = read_csv(
            "drv.csv",
            "industry,indicator,coefficient\nsecondary,industrial-va,1\n".as_bytes(),
        )
        .expect("csv");
        let known: HashSet<String> = HashSet::from(["industrial-va".to_string()]);
        let err = model(&inds, &drvs, &known).expect_err("0.991");
        assert!(err.to_string().contains("合计 0.9910"), "{err}");
        let inds = read_csv("ind.csv", "code,name,weight\nprimary,第一产业,3.9%\nsecondary,第二产业,0.452\ntertiary,第三产业,0.509\n".as_bytes()).expect("csv");
        let (i, d) = model(&inds, &drvs, &known).expect("valid");
        assert_eq!((i.len(), d.len()), (3, 1));
        assert!((i[0].weight - 0.039).abs() < 1e-12);
    }
}

// ----- the remedy library ------------------------------------------------------------------

pub const REMEDY_COLUMNS: &[Column] = &[
    Column {
        name: "code",
        aliases: &["方案代码", "代码"],
        required: true,
    },
    Column {
        name: "title",
        aliases: &["措施名称", "方案名称", "名称"],
        required: true,
    },
    Column {
        name: "description",
        aliases: &["措施内容", "内容", "说明"],
        required: false,
    },
    Column {
        name: "sector",
        aliases: &["产业", "所属方案", "一二三产"],
        required: true,
    },
    Column {
        name: "route",
        aliases: &["路径", "解决路径"],
        required: true,
    },
    Column {
        name: "owner_department",
        aliases: &["责任部门", "牵头部门"],
        required: false,
    },
    Column {
        name: "expected_effect",
        aliases: &["预期成效", "预期效果"],
        required: false,
    },
    Column {
        name: "source",
        aliases: &["来源文件", "来源"],
        required: false,
    },
    Column {
        name: "indicators",
        aliases: &["作用指标", "指标"],
        required: false,
    },
    Column {
        name: "tracks",
        aliases: &["作用赛道", "赛道"],
        required: false,
    },
];

#[derive(Debug, Clone, PartialEq)]
pub struct RemedyRow {
    pub row: usize,
    pub code: String,
    pub title: String,
    pub description: String,
    pub sector: String,
    pub route: domain::Route,
    pub owner_department: String,
    pub expected_effect: String,
    pub source: String,
    pub indicators: Vec<String>,
    /// Track codes.
    pub tracks: Vec<String>,
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '；', '、', ',', '，', '|'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Parses and checks the remedy library. `indicators` maps indicator codes and names to codes,
/// `tracks` track codes and names to codes.
pub fn remedies(
    table: &Table,
    indicators: &HashMap<String, String>,
    tracks: &HashMap<String, String>,
) -> Result<Vec<RemedyRow>, ImportErrors> {
    let columns = locate(table, REMEDY_COLUMNS)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let mut r = RowReader {
            table,
            row,
            columns: &columns,
            errors: &mut errors,
        };
        let code = r.required_text("code", 64);
        let title = r.required_text("title", 100);
        let description = r.text("description").unwrap_or_default();
        if description.chars().count() > 2000 {
            r.fail("description", "过长：最多 2000 个字符");
        }
        let sector = match r.required_text("sector", 20).as_deref() {
            Some("primary" | "一产" | "第一产业") => Some("primary".to_string()),
            Some("secondary" | "二产" | "第二产业") => Some("secondary".to_string()),
            Some("tertiary" | "三产" | "第三产业") => Some("tertiary".to_string()),
            Some(other) => {
                r.fail(
                    "sector",
                    format!("应为 primary/secondary/tertiary（一产/二产/三产），收到“{other}”"),
                );
                None
            }
            None => None,
        };
        let route = match r.required_text("route", 20) {
            Some(t) => match domain::Route::parse(&t) {
                Some(route) => Some(route),
                None => {
                    r.fail(
                        "route",
                        format!("应为 stock（存量提升）、attract（招大引强）或 both，收到“{t}”"),
                    );
                    None
                }
            },
            None => None,
        };
        let mut indicator_codes = Vec::new();
        for k in split_list(&r.text("indicators").unwrap_or_default()) {
            match indicators.get(&k) {
                Some(code) => indicator_codes.push(code.clone()),
                None => r.fail("indicators", format!("指标“{k}”不在指标目录中")),
            }
        }
        let mut track_codes = Vec::new();
        for t in split_list(&r.text("tracks").unwrap_or_default()) {
            match tracks.get(&t) {
                Some(code) => track_codes.push(code.clone()),
                None => r.fail("tracks", format!("产业赛道“{t}”不存在")),
            }
        }
        indicator_codes.dedup();
        track_codes.dedup();
        let owner = r.text("owner_department").unwrap_or_default();
        let effect = r.text("expected_effect").unwrap_or_default();
        let source = r.text("source").unwrap_or_default();
        if let Some(c) = &code {
            if check_code(&mut r, "code", c) {
                if let Some(first) = seen.get(c) {
                    r.fail("code", format!("方案代码“{c}”重复（第 {first} 行已有）"));
                } else {
                    seen.insert(c.clone(), row.number);
                }
            }
        }
        if let (Some(code), Some(title), Some(sector), Some(route)) = (code, title, sector, route) {
            out.push(RemedyRow {
                row: row.number,
                code,
                title,
                description,
                sector,
                route,
                owner_department: owner,
                expected_effect: effect,
                source,
                indicators: indicator_codes,
                tracks: track_codes,
            });
        }
    }
    finish(out, errors)
}

#[cfg(test)]
mod remedy_tests {
    use super::*;
    use crate::table::read_csv;

    #[test]
    fn reads_remedies_with_lists_and_names() {
        let indicators = HashMap::from([
            ("industrial-va".to_string(), "industrial-va".to_string()),
            ("规上工业增加值".to_string(), "industrial-va".to_string()),
        ]);
        let tracks = HashMap::from([
            (
                "smart-appliances".to_string(),
                "smart-appliances".to_string(),
            ),
            ("智能家电".to_string(), "smart-appliances".to_string()),
        ]);
        let t = read_csv(
            "r.csv",
            "code,title,sector,route,indicators,tracks\na,链主扩产,二产,存量提升,规上工业增加值,智能家电；smart-appliances\nb,招引,secondary,attract,nowhere,\n".as_bytes(),
        )
        .expect("csv");
        let err = remedies(&t, &indicators, &tracks).expect_err("unknown indicator");
        assert_eq!(err.0.len(), 1);
        assert_eq!((err.0[0].row, err.0[0].column.as_str()), (3, "indicators"));
        let t = read_csv("r.csv", "code,title,sector,route,indicators,tracks\na,链主扩产,二产,存量提升,规上工业增加值,智能家电\n".as_bytes()).expect("csv");
        let rows = remedies(&t, &indicators, &tracks).expect("valid");
        assert_eq!(rows[0].route, domain::Route::Stock);
        assert_eq!(rows[0].tracks, vec!["smart-appliances"]);
        assert_eq!(rows[0].sector, "secondary");
    }
}

// ----- projects ------------------------------------------------------------------------------

pub const PROJECT_COLUMNS: &[Column] = &[
    Column {
        name: "name",
        aliases: &["项目名称", "项目"],
        required: true,
    },
    Column {
        name: "code_name",
        aliases: &["代号", "保密代号"],
        required: false,
    },
    Column {
        name: "investor",
        aliases: &["投资方", "投资主体"],
        required: false,
    },
    Column {
        name: "track",
        aliases: &["产业赛道", "赛道"],
        required: false,
    },
    Column {
        name: "town",
        aliases: &["镇街", "所在镇街"],
        required: false,
    },
    Column {
        name: "chain_link",
        aliases: &["产业链环节", "链条环节"],
        required: false,
    },
    Column {
        name: "total_investment",
        aliases: &["总投资(亿元)", "总投资"],
        required: false,
    },
    Column {
        name: "fixed_asset_investment",
        aliases: &["固定资产投资(亿元)", "固定资产投资"],
        required: false,
    },
    Column {
        name: "output_at_capacity",
        aliases: &["达产产值(亿元)", "达产产值"],
        required: false,
    },
    Column {
        name: "value_added_at_capacity",
        aliases: &["达产增加值(亿元)", "达产增加值"],
        required: false,
    },
    Column {
        name: "expected_production_month",
        aliases: &["预计投产月份", "预计投产"],
        required: false,
    },
    Column {
        name: "stage",
        aliases: &["阶段", "推进阶段"],
        required: true,
    },
    Column {
        name: "stage_date",
        aliases: &["阶段日期", "日期"],
        required: true,
    },
];

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectImportRow {
    pub row: usize,
    pub name: String,
    pub code_name: String,
    pub investor: String,
    pub track: Option<String>,
    pub town: Option<String>,
    pub chain_link: String,
    pub total_investment: Option<i64>,
    pub fixed_asset_investment: Option<i64>,
    pub output_at_capacity: Option<i64>,
    pub value_added_at_capacity: Option<i64>,
    pub expected_production_month: Option<String>,
    pub stage: domain::project::Stage,
    pub stage_date: String,
}

impl RowReader<'_> {
    /// Money in 亿元 (or with its unit), as whole yuan.
    fn money(&mut self, col: &str) -> Result<Option<i64>, ()> {
        let text = match self.cell(col).clone() {
            Cell::Empty => return Ok(None),
            Cell::Number { value, .. } => format!("{value}"),
            Cell::Text(s) => s,
        };
        match domain::Yuan::parse(&text, domain::money::MoneyUnit::Yi) {
            Ok(y) => Ok(Some(y.0)),
            Err(e) => {
                self.fail(col, e.to_string());
                Err(())
            }
        }
    }
}

/// Parses and checks a project list. `tracks` and `towns` map codes and names to ids' keys
/// (codes); a stage at or after signing needs its investment and investor, after landing its town.
pub fn projects(
    table: &Table,
    tracks: &HashMap<String, String>,
    towns: &HashMap<String, String>,
    today: &str,
    bounds: &domain::bounds::Bounds,
) -> Result<Vec<ProjectImportRow>, ImportErrors> {
    let today_date = domain::period::parse_date(today)
        .map_err(|e| ImportErrors::single(&table.file, e.to_string()))?;
    use domain::project::Stage;
    let columns = locate(table, PROJECT_COLUMNS)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let mut r = RowReader {
            table,
            row,
            columns: &columns,
            errors: &mut errors,
        };
        let name = r.required_text("name", 100);
        let code_name = r.text("code_name").unwrap_or_default();
        let investor = r.text("investor").unwrap_or_default();
        let track = match r.text("track") {
            None => None,
            Some(t) => match tracks.get(&t) {
                Some(code) => Some(code.clone()),
                None => {
                    r.fail("track", format!("产业赛道“{t}”不存在"));
                    None
                }
            },
        };
        let town = match r.text("town") {
            None => None,
            Some(t) => match towns.get(&t) {
                Some(code) => Some(code.clone()),
                None => {
                    r.fail("town", format!("镇街“{t}”不存在"));
                    None
                }
            },
        };
        let chain_link = r.text("chain_link").unwrap_or_default();
        let total = r.money("total_investment");
        let fixed = r.money("fixed_asset_investment");
        let output = r.money("output_at_capacity");
        let va = r.money("value_added_at_capacity");
        let month = match r.text("expected_production_month") {
            None => None,
            Some(m) => match Period::parse(&period_text(&m)) {
                Ok(Period::Month { year, month }) => Some(format!("{year:04}-{month:02}")),
                _ => {
                    r.fail(
                        "expected_production_month",
                        format!("预计投产月份“{m}”格式应为 2025-11"),
                    );
                    None
                }
            },
        };
        let stage = match r.required_text("stage", 20) {
            None => None,
            Some(s) => match Stage::parse(&s) {
                Some(st) => Some(st),
                None => {
                    r.fail(
                        "stage",
                        format!("阶段“{s}”无效：应为 线索、在谈、签约、落地、开工、投产 或 达产"),
                    );
                    None
                }
            },
        };
        let date = match r.required_text("stage_date", 20) {
            None => None,
            Some(d) => match domain::period::parse_date(&d) {
                Ok(d) if domain::period::format_date(d).as_str() > today => {
                    r.fail(
                        "stage_date",
                        format!("日期 {} 晚于今天", domain::period::format_date(d)),
                    );
                    None
                }
                Ok(d) => Some(domain::period::format_date(d)),
                Err(_) => {
                    r.fail("stage_date", format!("日期“{d}”格式应为 2025-09-30"));
                    None
                }
            },
        };
        let (total, fixed, output, va) =
            plausible_amounts(&mut r, bounds, (total, fixed, output, va));
        if let (Some(m), Some(st), Some(d)) = (&month, stage, &date) {
            // Signed on its stage date: production comes no earlier than that month.
            let signed_on = (st == Stage::Signed)
                .then(|| domain::period::parse_date(d).ok())
                .flatten();
            let _ = r.plausible(
                "expected_production_month",
                domain::bounds::production_month(m, signed_on, today_date),
            );
        }
        if let Some(d) = &date {
            if let Ok(d) = domain::period::parse_date(d) {
                let _ = r.plausible(
                    "stage_date",
                    domain::bounds::done_date("stage_date", "阶段日期", d, today_date),
                );
            }
        }
        if let (Some(st), Ok(total)) = (stage, &total) {
            if st.is_signed() && total.is_none_or(|v| v <= 0) {
                r.fail("total_investment", "签约及以后阶段须填写总投资");
            }
            if st.is_signed() && investor.is_empty() {
                r.fail("investor", "签约及以后阶段须填写投资方");
            }
            if st >= Stage::Registered && town.is_none() {
                r.fail("town", "落地及以后阶段须填写镇街");
            }
            if st >= Stage::Producing && month.is_none() {
                r.fail("expected_production_month", "投产及以后阶段须填写投产月份");
            }
        }
        if let Some(n) = &name {
            let key = format!("{n}|{}", track.clone().unwrap_or_default());
            if let Some(first) = seen.get(&key) {
                r.fail("name", format!("项目“{n}”重复（第 {first} 行已有）"));
            } else {
                seen.insert(key, row.number);
            }
        }
        if let (
            Some(name),
            Some(stage),
            Some(stage_date),
            Ok(total),
            Ok(fixed),
            Ok(output),
            Ok(va),
        ) = (name, stage, date, total, fixed, output, va)
        {
            out.push(ProjectImportRow {
                row: row.number,
                name,
                code_name,
                investor,
                track,
                town,
                chain_link,
                total_investment: total,
                fixed_asset_investment: fixed,
                output_at_capacity: output,
                value_added_at_capacity: va,
                expected_production_month: month,
                stage,
                stage_date,
            });
        }
    }
    finish(out, errors)
}

/// Applies `domain::bounds` to a project row's amounts: the investment within the hard limit
/// (an import is the office's curated list, so the soft limit's confirmation does not apply),
/// fixed-asset investment within it, output and value added in proportion.
type Amounts = (
    Result<Option<i64>, ()>,
    Result<Option<i64>, ()>,
    Result<Option<i64>, ()>,
    Result<Option<i64>, ()>,
);

fn plausible_amounts(r: &mut RowReader, b: &domain::bounds::Bounds, a: Amounts) -> Amounts {
    let (total, fixed, output, va) = a;
    let total = match total {
        Ok(Some(v)) => r
            .plausible(
                "total_investment",
                b.investment("total_investment", "总投资", v, true),
            )
            .map(Some),
        other => other,
    };
    let inv = total.ok().flatten();
    let fixed = match fixed {
        Ok(Some(v)) => r
            .plausible("fixed_asset_investment", b.fixed_asset_investment(v, inv))
            .map(Some),
        other => other,
    };
    let output = match output {
        Ok(Some(v)) => r
            .plausible("output_at_capacity", b.output_at_capacity(v, inv))
            .map(Some),
        other => other,
    };
    let out = output.ok().flatten();
    let va = match va {
        Ok(Some(v)) => r
            .plausible(
                "value_added_at_capacity",
                b.value_added_at_capacity(v, out, inv),
            )
            .map(Some),
        other => other,
    };
    (total, fixed, output, va)
}

#[cfg(test)]
mod project_tests {
    use super::*;
    use crate::table::read_csv;

    #[test]
    fn checks_what_each_stage_needs() {
        let tracks = HashMap::from([("智能家电".to_string(), "smart-appliances".to_string())]);
        let towns = HashMap::from([("胶西街道".to_string(), "jiaoxi".to_string())]);
        let t = read_csv(
            "p.csv",
            "项目名称,投资方,赛道,镇街,总投资(亿元),阶段,阶段日期\n压缩机配套,某公司,智能家电,胶西街道,3.5,签约,2025-08-01\n无投资,某公司,智能家电,,,签约,2025-08-01\n未来,某公司,智能家电,胶西街道,1,签约,2099-01-01\n"
                .as_bytes(),
        )
        .expect("csv");
        let err =
            projects(&t, &tracks, &towns, "2025-10-14", &Default::default()).expect_err("bad rows");
        let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(places, vec![(3, "总投资(亿元)"), (4, "阶段日期")], "{err}");
        let t = read_csv("p.csv", "项目名称,投资方,赛道,镇街,总投资(亿元),阶段,阶段日期\n压缩机配套,某公司,智能家电,胶西街道,3.5,签约,2025-08-01\n".as_bytes()).expect("csv");
        let rows = projects(&t, &tracks, &towns, "2025-10-14", &Default::default()).expect("valid");
        assert_eq!(rows[0].total_investment, Some(350_000_000));
        assert_eq!(rows[0].stage, domain::project::Stage::Signed);
    }

    #[test]
    fn implausible_amounts_and_months_are_refused_with_row_and_column() {
        let tracks = HashMap::from([("智能家电".to_string(), "smart-appliances".to_string())]);
        let towns = HashMap::from([("胶西街道".to_string(), "jiaoxi".to_string())]);
        let t = read_csv(
            "p.csv",
            "项目名称,投资方,赛道,镇街,总投资(亿元),达产产值(亿元),达产增加值(亿元),预计投产月份,阶段,阶段日期\n\
             巨无霸,某公司,智能家电,胶西街道,99999999,,,,签约,2025-08-01\n\
             增加值过大,某公司,智能家电,胶西街道,1,2,3,,签约,2025-08-01\n\
             先投产,某公司,智能家电,胶西街道,1,,,2025-07,签约,2025-08-01\n\
             正常,某公司,智能家电,胶西街道,1,2,0.5,2025-08,签约,2025-08-01\n"
                .as_bytes(),
        )
        .expect("csv");
        let err =
            projects(&t, &tracks, &towns, "2025-10-14", &Default::default()).expect_err("bad rows");
        let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            places,
            vec![
                (2, "总投资(亿元)"),
                (3, "达产增加值(亿元)"),
                (4, "预计投产月份")
            ],
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元"),
            "{err}"
        );
    }

    #[test]
    fn growth_rates_beyond_a_hundred_percent_are_refused() {
        let known = HashMap::from([("gdp".to_string(), "gdp".to_string())]);
        let t = read_csv(
            "o.csv",
            "period,indicator,ytd_growth_pct\n2025-09,gdp,99999999\n2025-08,gdp,100\n".as_bytes(),
        )
        .expect("csv");
        let latest = Period::parse("2025-10").expect("period");
        let err = observations(&t, &known, latest, &mut |_, _| {}).expect_err("absurd");
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(
            (err.0[0].row, err.0[0].column.as_str()),
            (2, "ytd_growth_pct")
        );
        assert!(err.0[0].reason.contains("−100%–100%"), "{err}");
    }
}
