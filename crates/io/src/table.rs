//! A file as a table of cells: CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it on
//! Chinese Windows) or the first non-empty worksheet of an .xlsx workbook, within
//! [`ReadLimits`]. The first non-empty row is the header.

use crate::limits::ReadLimits;
use crate::ImportErrors;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number cell; `percent` when the cell is formatted as a percentage (0.058 shown as 5.8%).
    Number {
        value: f64,
        percent: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number the user sees (1-based; the header is usually 1).
    pub number: usize,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub file: String,
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// Reads a file by its extension, within the default [`ReadLimits`].
pub fn read(path: &Path) -> Result<Table, ImportErrors> {
    read_with(path, &ReadLimits::default())
}

/// Reads a file by its extension, within `limits` (a file larger than `max_file_bytes` is
/// refused before it is read).
pub fn read_with(path: &Path, limits: &ReadLimits) -> Result<Table, ImportErrors> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    let size = std::fs::metadata(path)
        .map_err(|e| ImportErrors::single(&name, format!("无法读取文件：{e}")))?
        .len();
    check_file_size(&name, size, limits)?;
    let bytes = std::fs::read(path)
        .map_err(|e| ImportErrors::single(&name, format!("无法读取文件：{e}")))?;
    read_bytes_with(&name, bytes, limits)
}

/// Reads an uploaded file's bytes, choosing the format by the file name's extension, within
/// the default [`ReadLimits`].
pub fn read_bytes(name: &str, bytes: Vec<u8>) -> Result<Table, ImportErrors> {
    read_bytes_with(name, bytes, &ReadLimits::default())
}

/// Reads an uploaded file's bytes, choosing the format by the file name's extension, within
/// `limits`.
pub fn read_bytes_with(
    name: &str,
    bytes: Vec<u8>,
    limits: &ReadLimits,
) -> Result<Table, ImportErrors> {
    check_file_size(name, bytes.len() as u64, limits)?;
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => read_csv_with(name, &bytes, limits),
        "xlsx" | "xlsm" => crate::xlsx::read_xlsx(name, bytes, limits),
        "xls" | "ods" => Err(ImportErrors::single(
            name,
            "不支持旧版 .xls 和 .ods 工作簿：请在 Excel 或 WPS 中另存为 .xlsx 后上传",
        )),
        _ => Err(ImportErrors::single(name, "只支持 .csv 和 .xlsx 文件")),
    }
}

pub(crate) fn check_file_size(
    name: &str,
    size: u64,
    limits: &ReadLimits,
) -> Result<(), ImportErrors> {
    if size > limits.max_file_bytes {
        return Err(ImportErrors::single(
            name,
            format!(
                "文件过大：{:.1} MiB（上限 {:.1} MiB）",
                size as f64 / 1048576.0,
                limits.max_file_bytes as f64 / 1048576.0
            ),
        ));
    }
    Ok(())
}

pub(crate) fn decode(name: &str, bytes: &[u8]) -> Result<String, ImportErrors> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                Err(ImportErrors::single(
                    name,
                    "文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 CSV",
                ))
            } else {
                Ok(text.into_owned())
            }
        }
    }
}

/// Reads a CSV within the default [`ReadLimits`].
pub fn read_csv(name: &str, bytes: &[u8]) -> Result<Table, ImportErrors> {
    read_csv_with(name, bytes, &ReadLimits::default())
}

/// Reads a CSV: at most `max_rows` records of at most `max_columns` fields of at most
/// `max_cell_chars` characters, `max_cells` fields in all.
pub fn read_csv_with(name: &str, bytes: &[u8], limits: &ReadLimits) -> Result<Table, ImportErrors> {
    check_file_size(name, bytes.len() as u64, limits)?;
    let text = decode(name, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let too_big = |reason: String| ImportErrors::single(name, format!("文件过大：{reason}"));
    let mut rows: Vec<(usize, Vec<Cell>)> = Vec::new();
    let mut total_cells: u64 = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            ImportErrors::single(name, format!("第 {} 行不是有效的 CSV：{e}", i + 1))
        })?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 1);
        if i as u64 >= limits.max_rows as u64 {
            return Err(too_big(format!("超过 {} 行（上限）", limits.max_rows)));
        }
        if record.len() as u64 > limits.max_columns as u64 {
            return Err(too_big(format!(
                "第 {line} 行有 {} 列（上限 {} 列）",
                record.len(),
                limits.max_columns
            )));
        }
        total_cells += record.len() as u64;
        if total_cells > limits.max_cells {
            return Err(too_big(format!(
                "单元格超过 {} 个（上限）",
                limits.max_cells
            )));
        }
        let mut cells = Vec::with_capacity(record.len());
        for (c, v) in record.iter().enumerate() {
            let chars = v.chars().count();
            if chars > limits.max_cell_chars {
                return Err(too_big(format!(
                    "第 {line} 行第 {} 列有 {chars} 个字符（上限 {} 个）",
                    c + 1,
                    limits.max_cell_chars
                )));
            }
            cells.push(if v.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(v.to_string())
            });
        }
        rows.push((line, cells));
    }
    build(name, None, rows, true)
}

/// Reads an .xlsx workbook's first non-empty sheet within the default [`ReadLimits`].
pub fn read_workbook(name: &str, bytes: Vec<u8>) -> Result<Table, ImportErrors> {
    crate::xlsx::read_xlsx(name, bytes, &ReadLimits::default())
}

/// The table from its non-empty rows: the first is the header. A file with no row under its
/// header is refused. With `no_extra_values` (a CSV), so is a row with a value right of the
/// last header: a number written as `1,000` without quotes splits into two cells and moves
/// every cell after it. (A workbook's cells cannot shift; a note beside its table is ignored.)
pub(crate) fn build(
    name: &str,
    sheet: Option<String>,
    rows: Vec<(usize, Vec<Cell>)>,
    no_extra_values: bool,
) -> Result<Table, ImportErrors> {
    let mut rows = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty));
    let Some((_, header)) = rows.next() else {
        return Err(ImportErrors::single(name, "文件为空：第一行应为表头"));
    };
    let mut headers: Vec<String> = header
        .iter()
        .map(|c| match c {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number { value, .. } => value.to_string(),
            Cell::Empty => String::new(),
        })
        .collect();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    let rows: Vec<Row> = rows.map(|(number, cells)| Row { number, cells }).collect();
    if rows.is_empty() {
        return Err(ImportErrors::single(
            name,
            "文件没有数据行：表头下面至少要有一行数据",
        ));
    }
    let mut errors = Vec::new();
    for row in rows.iter().filter(|_| no_extra_values) {
        let extra: Vec<String> = row
            .cells
            .iter()
            .enumerate()
            .skip(headers.len())
            .filter(|(_, c)| **c != Cell::Empty)
            .map(|(i, c)| format!("第 {} 列“{}”", i + 1, shown(c)))
            .collect();
        if !extra.is_empty() {
            errors.push(crate::RowError {
                file: name.to_string(),
                sheet: sheet.clone(),
                row: row.number,
                column: String::new(),
                reason: format!(
                    "比表头（{} 列）多出 {} 个值：{}。数字中的千位逗号（如 1,000）请去掉或给整个值加引号",
                    headers.len(),
                    extra.len(),
                    extra.join("、")
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    Ok(Table {
        file: name.to_string(),
        sheet,
        headers,
        rows,
    })
}

/// A cell as a short text for a message.
fn shown(c: &Cell) -> String {
    let s = match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number { value, .. } => value.to_string(),
    };
    if s.chars().count() > 20 {
        format!("{}…", s.chars().take(20).collect::<String>())
    } else {
        s
    }
}

/// An Excel date serial as "2025-09-30" (serial 1 is 1900-01-01; day 0 is 1899-12-30 in the
/// 1900 date system, counting Excel's phantom 1900-02-29).
pub(crate) fn excel_date(serial: f64) -> String {
    let days = serial.floor() as i32;
    match time::Date::from_julian_day(2_415_019 + days) {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()),
        Err(_) => serial.to_string(),
    }
}

/// How many `%` signs scale a number format's first section ("0.0%" → 1; a quoted, escaped
/// or bracketed % does not count).
pub(crate) fn percent_signs(code: &str) -> u32 {
    let mut n = 0;
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '%' => n += 1,
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utf8_and_gbk_csv() {
        let t = read_csv(
            "a.csv",
            "\u{feff}指标名称,累计增长(%)\n规上工业增加值,6.0\n\n".as_bytes(),
        )
        .expect("utf-8");
        assert_eq!(t.headers, vec!["指标名称", "累计增长(%)"]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].number, 2);
        let (gbk, _, _) = encoding_rs::GBK.encode("指标名称,累计增长(%)\n规上工业增加值,6.0\n");
        let t = read_csv("b.csv", &gbk).expect("gbk");
        assert_eq!(t.rows[0].cells[0], Cell::Text("规上工业增加值".into()));
    }

    #[test]
    fn knows_percent_formats() {
        assert_eq!(percent_signs("0.0%"), 1);
        assert_eq!(percent_signs("0%"), 1);
        assert_eq!(percent_signs("0.0\"%\""), 0);
        assert_eq!(percent_signs("0.00"), 0);
        assert_eq!(percent_signs("[Red]0.0%;-0.0%"), 1);
    }

    #[test]
    fn reads_a_percent_formatted_xlsx_cell_as_a_percentage() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
        sheet.write_string(0, 0, "period").expect("write");
        sheet.write_string(0, 1, "ytd_growth_pct").expect("write");
        sheet.write_string(1, 0, "2025-09").expect("write");
        sheet
            .write_number_with_format(1, 1, 0.058, &pct)
            .expect("write");
        sheet.write_string(2, 0, "2025-08").expect("write");
        sheet.write_number(2, 1, 5.8).expect("write");
        let bytes = book.save_to_buffer().expect("xlsx");
        let t = read_workbook("obs.xlsx", bytes).expect("read");
        assert_eq!(t.sheet.as_deref(), Some("Sheet1"));
        assert_eq!(
            t.rows[0].cells[1],
            Cell::Number {
                value: 0.058,
                percent: true
            }
        );
        assert_eq!(
            t.rows[1].cells[1],
            Cell::Number {
                value: 5.8,
                percent: false
            }
        );
        assert_eq!(t.rows[0].number, 2);
    }

    #[test]
    fn refuses_empty_files() {
        assert!(read_csv("e.csv", b"\n\n").is_err());
    }
}
