//! The enterprise registry's import contract (`uscc,name,industry_code,town,founded_on,
//! registered_capital,employees,tags`, Chinese headers accepted). A province's registry runs to
//! a million rows, so a CSV is streamed record by record into typed rows (no table of cells in
//! between); an .xlsx goes through the ordinary table reader. Every bad cell is reported with
//! its row and column, up to [`MAX_REPORTED`] of them, and the rest are counted.

use crate::imports::{locate_headers, Column};
use crate::limits::ReadLimits;
use crate::table::{self, Cell};
use crate::{ImportErrors, RowError};
use domain::enterprise::Tag;
use domain::Uscc;
use std::collections::HashMap;

/// How many problems an import reports one by one; beyond that they are only counted.
pub const MAX_REPORTED: usize = 1_000;

const COLUMNS: &[Column] = &[
    Column {
        name: "uscc",
        aliases: &["统一社会信用代码", "信用代码", "社会信用代码"],
        required: true,
    },
    Column {
        name: "name",
        aliases: &["企业名称", "单位名称", "名称"],
        required: true,
    },
    Column {
        name: "industry_code",
        aliases: &["行业代码", "国民经济行业代码", "行业小类代码"],
        required: false,
    },
    Column {
        name: "town",
        aliases: &["镇街", "所在镇街", "乡镇街道"],
        required: false,
    },
    Column {
        name: "founded_on",
        aliases: &["成立日期", "成立时间"],
        required: false,
    },
    Column {
        name: "registered_capital",
        aliases: &["注册资本", "注册资本(万元)"],
        required: false,
    },
    Column {
        name: "employees",
        aliases: &["从业人员", "从业人员数", "职工人数"],
        required: false,
    },
    Column {
        name: "tags",
        aliases: &["标签", "企业标签"],
        required: false,
    },
    Column {
        name: "legal_form",
        aliases: &["企业类型", "登记注册类型", "组织形式"],
        required: false,
    },
];

/// The Chinese header of a registry column (`uscc` → 统一社会信用代码), for people reading
/// an error list; `None` for a name that is not a registry column.
pub fn column_label(name: &str) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.aliases.first().copied())
}

/// One checked row of the registry file.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmImportRow {
    pub row: usize,
    pub uscc: Uscc,
    pub name: String,
    /// The four-digit class, as the catalogue spells it.
    pub industry_code: Option<&'static str>,
    pub town_id: Option<i64>,
    pub founded_on: Option<String>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    pub tags: Vec<Tag>,
    /// Empty when the file has no such column.
    pub legal_form: String,
}

/// A checked registry file: its rows and which optional columns it has (a column the file
/// lacks leaves that field of an existing firm as it is).
#[derive(Debug, Clone, PartialEq)]
pub struct FirmFile {
    pub rows: Vec<FirmImportRow>,
    pub present: Vec<&'static str>,
}

impl FirmFile {
    pub fn has(&self, column: &str) -> bool {
        self.present.contains(&column)
    }
}

/// What the registry file is checked against.
pub struct FirmContext<'a> {
    /// The region's towns by name and by code.
    pub towns: &'a HashMap<String, i64>,
    /// Today, `YYYY-MM-DD`: no firm is founded later.
    pub today: &'a str,
}

struct Checker<'a> {
    file: &'a str,
    sheet: Option<String>,
    headers: Vec<String>,
    columns: HashMap<&'static str, usize>,
    errors: Vec<RowError>,
    more: usize,
}

impl Checker<'_> {
    fn fail(&mut self, row: usize, col: &str, reason: String) {
        if self.errors.len() >= MAX_REPORTED {
            self.more += 1;
            return;
        }
        let column = self
            .columns
            .get(col)
            .and_then(|i| self.headers.get(*i))
            .cloned()
            .unwrap_or_else(|| col.to_string());
        self.errors.push(RowError {
            file: self.file.to_string(),
            sheet: self.sheet.clone(),
            row,
            column,
            reason,
        });
    }

    fn cell<'c>(&self, cells: &'c [String], col: &str) -> &'c str {
        self.columns
            .get(col)
            .and_then(|i| cells.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn check(
        &mut self,
        number: usize,
        cells: &[String],
        ctx: &FirmContext,
        seen: &mut HashMap<Uscc, usize>,
    ) -> Option<FirmImportRow> {
        let mut ok = true;
        let uscc = match Uscc::parse(self.cell(cells, "uscc")) {
            Ok(u) => {
                if let Some(first) = seen.get(&u) {
                    self.fail(
                        number,
                        "uscc",
                        format!("统一社会信用代码 {u} 与第 {first} 行重复"),
                    );
                    ok = false;
                    None
                } else {
                    seen.insert(u.clone(), number);
                    Some(u)
                }
            }
            Err(e) => {
                self.fail(number, "uscc", e.to_string());
                ok = false;
                None
            }
        };
        let name = match domain::text::BoundedText::parse(self.cell(cells, "name"), "企业名称", 100)
        {
            Ok(n) => n.into_string(),
            Err(e) => {
                self.fail(number, "name", e.to_string());
                ok = false;
                String::new()
            }
        };
        let industry_code = match self.cell(cells, "industry_code") {
            "" => None,
            s => match domain::industry::class(s) {
                Ok(c) => Some(c.class.code),
                Err(e) => {
                    self.fail(number, "industry_code", e.to_string());
                    ok = false;
                    None
                }
            },
        };
        let town_id = match self.cell(cells, "town") {
            "" => None,
            s => match ctx.towns.get(s) {
                Some(id) => Some(*id),
                None => {
                    self.fail(number, "town", format!("镇街“{s}”不存在"));
                    ok = false;
                    None
                }
            },
        };
        let founded_on = match self.cell(cells, "founded_on") {
            "" => None,
            s => match parse_day(s) {
                Some(d) if d.get(..4).and_then(|y| y.parse::<i32>().ok()) < Some(EARLIEST_YEAR) => {
                    self.fail(number, "founded_on", format!("成立日期 {d} 早于 1900 年"));
                    ok = false;
                    None
                }
                Some(d) if d.as_str() > ctx.today => {
                    self.fail(number, "founded_on", format!("成立日期 {d} 晚于今天"));
                    ok = false;
                    None
                }
                Some(d) => Some(d),
                None => {
                    self.fail(
                        number,
                        "founded_on",
                        format!("成立日期“{s}”格式应为 2015-06-30"),
                    );
                    ok = false;
                    None
                }
            },
        };
        let registered_capital_wan = match self.cell(cells, "registered_capital") {
            "" => None,
            s => match s
                .trim_end_matches("万元")
                .trim()
                .replace(',', "")
                .parse::<f64>()
            {
                Ok(v) if v.is_finite() && (0.0..1e10).contains(&v) => Some(v),
                _ => {
                    self.fail(
                        number,
                        "registered_capital",
                        format!("注册资本“{s}”应为不小于 0 的数（万元）"),
                    );
                    ok = false;
                    None
                }
            },
        };
        let employees = match self.cell(cells, "employees") {
            "" => None,
            s => match s.strip_suffix(".0").unwrap_or(s).parse::<i64>() {
                Ok(v) if (0..10_000_000).contains(&v) => Some(v),
                _ => {
                    self.fail(
                        number,
                        "employees",
                        format!("从业人员“{s}”应为不小于 0 的整数"),
                    );
                    ok = false;
                    None
                }
            },
        };
        let tags = match domain::enterprise::parse_tags(self.cell(cells, "tags")) {
            Ok(t) => t,
            Err(e) => {
                self.fail(number, "tags", e.to_string());
                ok = false;
                Vec::new()
            }
        };
        let legal_form = self.cell(cells, "legal_form");
        let legal_form = if legal_form.chars().count() > 50 {
            self.fail(number, "legal_form", "企业类型超过 50 个字符".into());
            ok = false;
            String::new()
        } else {
            legal_form.to_string()
        };
        if !ok {
            return None;
        }
        Some(FirmImportRow {
            row: number,
            uscc: uscc?,
            name,
            industry_code,
            town_id,
            founded_on,
            registered_capital_wan,
            employees,
            tags,
            legal_form,
        })
    }

    fn finish(mut self) -> ImportErrors {
        if self.more > 0 {
            self.errors.push(RowError {
                file: self.file.to_string(),
                sheet: self.sheet.clone(),
                row: 0,
                column: String::new(),
                reason: format!("另有 {} 处错误未逐条列出", self.more),
            });
        }
        ImportErrors(self.errors)
    }
}

/// No firm in a registry was founded before this year; an earlier one is a typing error.
const EARLIEST_YEAR: i32 = 1900;

/// `2015-06-30`, `2015/6/30` or `2015.6.30` as `2015-06-30`; `None` for anything else.
fn parse_day(s: &str) -> Option<String> {
    let mut parts = s.split(['-', '/', '.']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    let d: u8 = d.parse().ok()?;
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    Some(domain::period::format_date(date))
}

/// An Excel day number (dates in .xlsx cells) as `YYYY-MM-DD`.
/// An Excel date serial (days since 1899-12-30) as `YYYY-MM-DD`, when it is a plausible day.
pub fn excel_day(serial: f64) -> Option<String> {
    if !(1.0..80_000.0).contains(&serial) {
        return None;
    }
    let base = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let day = base.checked_add(time::Duration::days(serial.trunc() as i64))?;
    Some(domain::period::format_date(day))
}

/// Reads and checks a registry file (.csv in UTF-8 or GBK, or .xlsx). `progress` gets the rows
/// read so far (and 0 for a total not known while streaming).
pub fn read_firms(
    name: &str,
    bytes: Vec<u8>,
    limits: &ReadLimits,
    ctx: &FirmContext,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<FirmFile, ImportErrors> {
    table::check_file_size(name, bytes.len() as u64, limits)?;
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut seen: HashMap<Uscc, usize> = HashMap::new();
    let mut out = Vec::new();
    if matches!(ext.as_str(), "csv" | "txt") {
        let text = table::decode(name, &bytes)?;
        drop(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut checker: Option<Checker> = None;
        let mut cells: Vec<String> = Vec::new();
        let mut count = 0usize;
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(ImportErrors::single(
                        name,
                        format!("第 {} 行不是有效的 CSV：{e}", count + 1),
                    ))
                }
            }
            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if record.len() as u64 > limits.max_columns as u64 {
                return Err(ImportErrors::single(
                    name,
                    format!("文件过大：第 {line} 行有 {} 列", record.len()),
                ));
            }
            count += 1;
            if count as u64 > limits.max_rows as u64 + 1 {
                return Err(ImportErrors::single(
                    name,
                    format!("文件过大：超过 {} 行（上限）", limits.max_rows),
                ));
            }
            cells.clear();
            if let Some(c) = record.iter().position(|f| f.len() > limits.max_cell_chars) {
                return Err(ImportErrors::single(
                    name,
                    format!("文件过大：第 {line} 行第 {} 列过长", c + 1),
                ));
            }
            cells.extend(record.iter().map(str::to_string));
            match checker.as_mut() {
                None => {
                    let headers: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
                    checker = Some(new_checker(name, None, headers)?);
                }
                Some(c) => {
                    if let Some(r) = c.check(line, &cells, ctx, &mut seen) {
                        out.push(r);
                    }
                    if count.is_multiple_of(100_000) {
                        progress(count, 0);
                    }
                }
            }
        }
        let Some(checker) = checker else {
            return Err(ImportErrors::single(name, "文件是空的：没有表头"));
        };
        if !checker.errors.is_empty() || checker.more > 0 {
            return Err(checker.finish());
        }
        let present = checker.columns.keys().copied().collect();
        return Ok(FirmFile { rows: out, present });
    }
    let t = table::read_bytes_with(name, bytes, limits)?;
    let mut checker = new_checker(name, t.sheet.clone(), t.headers.clone())?;
    let founded = checker.columns.get("founded_on").copied();
    for row in &t.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Cell::Empty => String::new(),
                Cell::Text(s) => s.clone(),
                Cell::Number { value, .. } if Some(i) == founded => {
                    excel_day(*value).unwrap_or_else(|| format!("{value}"))
                }
                Cell::Number { value, .. } if value.fract() == 0.0 && value.abs() < 1e15 => {
                    format!("{}", *value as i64)
                }
                Cell::Number { value, .. } => format!("{value}"),
            })
            .collect();
        if let Some(r) = checker.check(row.number, &cells, ctx, &mut seen) {
            out.push(r);
        }
    }
    if !checker.errors.is_empty() || checker.more > 0 {
        return Err(checker.finish());
    }
    let present = checker.columns.keys().copied().collect();
    Ok(FirmFile { rows: out, present })
}

fn new_checker<'a>(
    name: &'a str,
    sheet: Option<String>,
    headers: Vec<String>,
) -> Result<Checker<'a>, ImportErrors> {
    let columns = locate_headers(name, sheet.as_deref(), &headers, COLUMNS)?;
    Ok(Checker {
        file: name,
        sheet,
        headers,
        columns,
        errors: Vec::new(),
        more: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn towns() -> HashMap<String, i64> {
        HashMap::from([("胶西街道".to_string(), 1), ("jiaoxi".to_string(), 1)])
    }

    fn read(csv: &str) -> Result<Vec<FirmImportRow>, ImportErrors> {
        read_file(csv).map(|f| f.rows)
    }

    fn read_file(csv: &str) -> Result<FirmFile, ImportErrors> {
        let towns = towns();
        let ctx = FirmContext {
            towns: &towns,
            today: "2025-10-14",
        };
        read_firms(
            "firms.csv",
            csv.as_bytes().to_vec(),
            &ReadLimits::default(),
            &ctx,
            &mut |_, _| {},
        )
    }

    #[test]
    fn reads_a_good_file_with_chinese_headers() {
        let code = Uscc::with_check("91370281MA3C00001").expect("code");
        let rows = read(&format!(
            "统一社会信用代码,企业名称,行业代码,镇街,成立日期,注册资本（万元）,从业人员,标签\n\
             {code},青岛示例电器有限公司,3851,胶西街道,2015/6/3,\"1,000\",120,专精特新;链主\n"
        ))
        .expect("valid");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.row, 2);
        assert_eq!(r.industry_code, Some("3851"));
        assert_eq!(r.town_id, Some(1));
        assert_eq!(r.founded_on.as_deref(), Some("2015-06-03"));
        assert_eq!(r.registered_capital_wan, Some(1000.0));
        assert_eq!(r.employees, Some(120));
        assert_eq!(r.tags, vec![Tag::ChainLeader, Tag::Specialised]);
    }

    #[test]
    fn reports_every_bad_cell_with_row_and_column() {
        let good = Uscc::with_check("91370281MA3C00001").expect("code");
        let err = read(&format!(
            "uscc,name,industry_code,town,founded_on,registered_capital,employees,tags\n\
             {good},甲公司,3851,胶西街道,2015-06-03,100,10,\n\
             91370281MA3C000019,乙公司,9999,不存在镇,2099-01-01,-5,十,独角兽\n\
             {good},丙公司,,,,,,\n"
        ))
        .expect_err("bad");
        let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            places,
            vec![
                (3, "uscc"),
                (3, "industry_code"),
                (3, "town"),
                (3, "founded_on"),
                (3, "registered_capital"),
                (3, "employees"),
                (3, "tags"),
                (4, "uscc"),
            ]
        );
        assert!(err.0[7].reason.contains("与第 2 行重复"));
    }

    #[test]
    fn bounds_the_report() {
        let mut csv = String::from("uscc,name\n");
        for _ in 0..(MAX_REPORTED + 10) {
            csv.push_str("bad,公司\n");
        }
        let err = read(&csv).expect_err("bad");
        assert_eq!(err.0.len(), MAX_REPORTED + 1);
        assert!(err.0[MAX_REPORTED].reason.contains("另有 10 处错误"));
    }

    #[test]
    fn a_sparse_workbook_reaching_xfd1048576_is_refused_without_a_panic() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "uscc").expect("write");
        sheet.write_string(0, 1, "name").expect("write");
        sheet.write_number(1_048_575, 16_383, 1.0).expect("write");
        let bytes = book.save_to_buffer().expect("xlsx");
        let towns = towns();
        let ctx = FirmContext {
            towns: &towns,
            today: "2025-10-14",
        };
        let err = read_firms(
            "firms.xlsx",
            bytes,
            &ReadLimits::default(),
            &ctx,
            &mut |_, _| {},
        )
        .expect_err("refused");
        assert!(!err.0.is_empty());
    }

    #[test]
    fn names_with_control_characters_and_years_before_1900_are_refused_by_name() {
        let code = Uscc::with_check("91370281MA3C00001").expect("code");
        let err = read(&format!(
            "uscc,name,founded_on\n{code},甲\u{1}公司,1800-01-01\n"
        ))
        .expect_err("bad");
        let reasons: Vec<(&str, &str)> = err
            .0
            .iter()
            .map(|e| (e.column.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("name", "企业名称含有不允许的控制字符"),
                ("founded_on", "成立日期 1800-01-01 早于 1900 年"),
            ]
        );
    }

    #[test]
    fn reads_excel_day_numbers() {
        assert_eq!(excel_day(42_156.0).as_deref(), Some("2015-06-01"));
        assert_eq!(parse_day("2015-02-30"), None);
    }
}
