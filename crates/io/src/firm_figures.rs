//! The firms' monthly figures import contract (`period,uscc,output_value,revenue,
//! electricity_kwh,tax,employees[,output_value_last_year,revenue_last_year]`, Chinese headers
//! accepted): year-to-date values as the 联网直报 gives them, amounts in 万元 read exactly (to
//! the 元) into integers. Every bad cell is reported with its row and column; a USCC the region's
//! registry does not hold is an error of its row.

use crate::imports::{locate_headers, Column};
use crate::limits::ReadLimits;
use crate::table::{self, Cell};
use crate::{ImportErrors, RowError};
use domain::bounds::OutOfRange;
use domain::{Period, Uscc};
use std::collections::HashMap;

/// How many problems an import reports one by one; beyond that they are only counted.
pub const MAX_REPORTED: usize = 1_000;

/// The most kWh one firm may use in a year: 100 亿千瓦时.
pub const ELECTRICITY_MAX_KWH: i64 = 10_000_000_000;
/// The most people one firm may employ.
pub const EMPLOYEES_MAX: i64 = 1_000_000;

const COLUMNS: &[Column] = &[
    Column {
        name: "period",
        aliases: &["期别", "统计期", "报告期", "年月"],
        required: true,
    },
    Column {
        name: "uscc",
        aliases: &["统一社会信用代码", "信用代码", "社会信用代码"],
        required: true,
    },
    Column {
        name: "output_value",
        aliases: &["工业总产值", "工业总产值(万元)", "产值", "产值(万元)"],
        required: true,
    },
    Column {
        name: "revenue",
        aliases: &[
            "营业收入",
            "营业收入(万元)",
            "主营业务收入",
            "主营业务收入(万元)",
        ],
        required: true,
    },
    Column {
        name: "electricity_kwh",
        aliases: &["用电量", "用电量(千瓦时)", "用电量(kwh)"],
        required: true,
    },
    Column {
        name: "tax",
        aliases: &["税收", "税收(万元)", "纳税额", "税金(万元)"],
        required: true,
    },
    Column {
        name: "employees",
        aliases: &["从业人员", "从业人员数", "从业人员(人)"],
        required: true,
    },
    Column {
        name: "output_value_last_year",
        aliases: &[
            "上年同期工业总产值",
            "上年同期工业总产值(万元)",
            "上年同期产值",
        ],
        required: false,
    },
    Column {
        name: "revenue_last_year",
        aliases: &["上年同期营业收入", "上年同期营业收入(万元)"],
        required: false,
    },
];

/// One checked row: a firm's year-to-date figures for a month. Amounts in 元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureRow {
    pub row: usize,
    /// `YYYY-MM`.
    pub period: String,
    pub uscc: Uscc,
    pub enterprise_id: i64,
    pub output_value_yuan: Option<i64>,
    pub revenue_yuan: Option<i64>,
    pub electricity_kwh: Option<i64>,
    pub tax_yuan: Option<i64>,
    pub employees: Option<i64>,
    pub output_value_last_year_yuan: Option<i64>,
    pub revenue_last_year_yuan: Option<i64>,
}

/// What the file is checked against.
pub struct FigureContext<'a> {
    /// The region's firms: USCC → enterprise id.
    pub firms: &'a HashMap<String, i64>,
    /// The latest period a file may give (this month), `YYYY-MM`.
    pub latest: &'a str,
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

    /// An amount in 万元 (up to four decimals) as 元, within the bounds.
    fn amount(
        &mut self,
        number: usize,
        cells: &[String],
        col: &str,
        label: &str,
        may_be_negative: bool,
    ) -> Result<Option<i64>, ()> {
        let s = self.cell(cells, col);
        let s = s.trim_end_matches("万元").trim();
        if s.is_empty() {
            return Ok(None);
        }
        match domain::decimal::parse_scaled(s, 4) {
            Ok(v) => match domain::bounds::firm_amount(col, label, v, may_be_negative) {
                Ok(v) => Ok(Some(v)),
                Err(OutOfRange { message, .. }) => {
                    self.fail(number, col, message);
                    Err(())
                }
            },
            Err(e) => {
                self.fail(
                    number,
                    col,
                    format!("{label}：{e}（单位万元，最多 4 位小数）"),
                );
                Err(())
            }
        }
    }

    fn count(
        &mut self,
        number: usize,
        cells: &[String],
        col: &str,
        label: &str,
        max: i64,
        unit: &str,
    ) -> Result<Option<i64>, ()> {
        let s = self.cell(cells, col);
        if s.is_empty() {
            return Ok(None);
        }
        match domain::decimal::parse_scaled(s, 0) {
            Ok(v) => match domain::bounds::firm_count(col, label, v, max, unit) {
                Ok(v) => Ok(Some(v)),
                Err(OutOfRange { message, .. }) => {
                    self.fail(number, col, message);
                    Err(())
                }
            },
            Err(e) => {
                self.fail(number, col, format!("{label}：{e}（应为整数）"));
                Err(())
            }
        }
    }

    fn check(
        &mut self,
        number: usize,
        cells: &[String],
        ctx: &FigureContext,
        seen: &mut HashMap<(String, Uscc), usize>,
    ) -> Option<FigureRow> {
        let mut ok = true;
        let raw_period = self.cell(cells, "period");
        let period = match Period::parse(raw_period) {
            Ok(Period::Month { year, month }) => {
                let p = format!("{year:04}-{month:02}");
                if p.as_str() > ctx.latest || year < domain::bounds::EARLIEST_YEAR {
                    self.fail(
                        number,
                        "period",
                        format!(
                            "期别 {p} 超出允许范围 {}-01 至 {}",
                            domain::bounds::EARLIEST_YEAR,
                            ctx.latest
                        ),
                    );
                    ok = false;
                    None
                } else {
                    Some(p)
                }
            }
            _ => {
                self.fail(
                    number,
                    "period",
                    format!("期别“{raw_period}”格式应为 2025-09（1 月至该月累计）"),
                );
                ok = false;
                None
            }
        };
        let uscc = match Uscc::parse(self.cell(cells, "uscc")) {
            Ok(u) => match ctx.firms.get(u.as_str()) {
                Some(id) => Some((u, *id)),
                None => {
                    self.fail(
                        number,
                        "uscc",
                        format!("统一社会信用代码 {u} 不在本地区企业名录中：请先导入企业名录"),
                    );
                    ok = false;
                    None
                }
            },
            Err(e) => {
                self.fail(number, "uscc", e.to_string());
                ok = false;
                None
            }
        };
        if let (Some(p), Some((u, _))) = (&period, &uscc) {
            let key = (p.clone(), u.clone());
            if let Some(first) = seen.get(&key) {
                self.fail(
                    number,
                    "uscc",
                    format!("{u} 在 {p} 的数据与第 {first} 行重复"),
                );
                ok = false;
            } else {
                seen.insert(key, number);
            }
        }
        let output = self.amount(number, cells, "output_value", "工业总产值", false);
        let revenue = self.amount(number, cells, "revenue", "营业收入", false);
        let electricity = self.count(
            number,
            cells,
            "electricity_kwh",
            "用电量",
            ELECTRICITY_MAX_KWH,
            "千瓦时",
        );
        let tax = self.amount(number, cells, "tax", "税收", true);
        let employees = self.count(number, cells, "employees", "从业人员", EMPLOYEES_MAX, "人");
        let output_ly = self.amount(
            number,
            cells,
            "output_value_last_year",
            "上年同期工业总产值",
            false,
        );
        let revenue_ly = self.amount(
            number,
            cells,
            "revenue_last_year",
            "上年同期营业收入",
            false,
        );
        let (
            Ok(output),
            Ok(revenue),
            Ok(electricity),
            Ok(tax),
            Ok(employees),
            Ok(output_ly),
            Ok(revenue_ly),
        ) = (
            output,
            revenue,
            electricity,
            tax,
            employees,
            output_ly,
            revenue_ly,
        )
        else {
            return None;
        };
        if !ok {
            return None;
        }
        let (uscc, enterprise_id) = uscc?;
        Some(FigureRow {
            row: number,
            period: period?,
            uscc,
            enterprise_id,
            output_value_yuan: output,
            revenue_yuan: revenue,
            electricity_kwh: electricity,
            tax_yuan: tax,
            employees,
            output_value_last_year_yuan: output_ly,
            revenue_last_year_yuan: revenue_ly,
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

/// Reads and checks a figures file (.csv in UTF-8 or GBK, or .xlsx): every row or nothing.
pub fn read_figures(
    name: &str,
    bytes: Vec<u8>,
    limits: &ReadLimits,
    ctx: &FigureContext,
) -> Result<Vec<FigureRow>, ImportErrors> {
    let t = table::read_bytes_with(name, bytes, limits)?;
    let columns = locate_headers(name, t.sheet.as_deref(), &t.headers, COLUMNS)?;
    let mut checker = Checker {
        file: name,
        sheet: t.sheet.clone(),
        headers: t.headers.clone(),
        columns,
        errors: Vec::new(),
        more: 0,
    };
    let period_col = checker.columns.get("period").copied();
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in &t.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Cell::Empty => String::new(),
                Cell::Text(s) => s.clone(),
                // 2025.09 typed as a number in a spreadsheet.
                Cell::Number { value, .. } if Some(i) == period_col => {
                    format!("{value:.2}").replace('.', "-")
                }
                Cell::Number { value, .. } if value.fract() == 0.0 && value.abs() < 1e15 => {
                    format!("{}", *value as i64)
                }
                Cell::Number { value, .. } => format!("{value}"),
            })
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(r) = checker.check(row.number, &cells, ctx, &mut seen) {
            out.push(r);
        }
    }
    if !checker.errors.is_empty() || checker.more > 0 {
        return Err(checker.finish());
    }
    if out.is_empty() {
        return Err(ImportErrors::single(name, "文件中没有数据行"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u32) -> Uscc {
        Uscc::with_check(&format!("91370281MA{n:07}")).expect("code")
    }

    fn read(csv: &str) -> Result<Vec<FigureRow>, ImportErrors> {
        let firms = HashMap::from([(code(1).to_string(), 10), (code(2).to_string(), 20)]);
        let ctx = FigureContext {
            firms: &firms,
            latest: "2025-10",
        };
        read_figures(
            "figures.csv",
            csv.as_bytes().to_vec(),
            &ReadLimits::default(),
            &ctx,
        )
    }

    #[test]
    fn reads_chinese_headers_and_exact_amounts() {
        let rows = read(&format!(
            "期别,统一社会信用代码,工业总产值（万元）,营业收入,用电量,税收,从业人员,上年同期工业总产值\n\
             2025-09,{},\"12,345.6789\",100,50000,-1.5,120,11000\n",
            code(1)
        ))
        .expect("valid");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.enterprise_id, 10);
        assert_eq!(r.output_value_yuan, Some(123_456_789));
        assert_eq!(r.tax_yuan, Some(-15_000));
        assert_eq!(r.output_value_last_year_yuan, Some(110_000_000));
        assert_eq!(r.revenue_last_year_yuan, None);
    }

    #[test]
    fn reports_every_bad_cell_with_row_and_column() {
        let err = read(&format!(
            "period,uscc,output_value,revenue,electricity_kwh,tax,employees\n\
             2025-09,{},100,100,1,1,1\n\
             2025-13,{},-5,abc,1.5,1,99999999\n\
             2025-09,{},1,1,1,1,1\n\
             2025-09,{},1,1,1,1,1\n\
             2099-01,{},1,999999999999,1,1,1\n",
            code(1),
            code(2),
            code(3),
            code(1),
            code(2)
        ))
        .expect_err("bad");
        let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            places,
            vec![
                (3, "period"),
                (3, "output_value"),
                (3, "revenue"),
                (3, "electricity_kwh"),
                (3, "employees"),
                (4, "uscc"),
                (5, "uscc"),
                (6, "period"),
                (6, "revenue"),
            ]
        );
        assert!(
            err.0[1].reason.contains("超出允许范围"),
            "{}",
            err.0[1].reason
        );
        assert!(err.0[5].reason.contains("不在本地区企业名录中"));
        assert!(err.0[6].reason.contains("与第 2 行重复"));
    }
}
