//! A file as a table of cells: CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it on
//! Chinese Windows) or the first non-empty worksheet of an .xlsx/.xls/.ods workbook. The first
//! non-empty row is the header.

use crate::ImportErrors;
use calamine::{open_workbook_auto_from_rs, Data, Reader};
use std::io::Cursor;
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

/// Reads a file by its extension.
pub fn read(path: &Path) -> Result<Table, ImportErrors> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path)
        .map_err(|e| ImportErrors::single(&name, format!("无法读取文件：{e}")))?;
    read_bytes(&name, bytes)
}

/// Reads an uploaded file's bytes, choosing the format by the file name's extension.
pub fn read_bytes(name: &str, bytes: Vec<u8>) -> Result<Table, ImportErrors> {
    let name = name.to_string();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => read_csv(&name, &bytes),
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(&name, bytes),
        _ => Err(ImportErrors::single(&name, "只支持 .csv 和 .xlsx 文件")),
    }
}

fn decode(name: &str, bytes: &[u8]) -> Result<String, ImportErrors> {
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

pub fn read_csv(name: &str, bytes: &[u8]) -> Result<Table, ImportErrors> {
    let text = decode(name, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut raw: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            ImportErrors::single(name, format!("第 {} 行不是有效的 CSV：{e}", i + 1))
        })?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 1);
        raw.push((line, record.iter().map(|s| s.to_string()).collect()));
    }
    let cells = raw
        .into_iter()
        .map(|(n, values)| {
            (
                n,
                values
                    .into_iter()
                    .map(|v| {
                        if v.trim().is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(v)
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    build(name, None, cells)
}

pub fn read_workbook(name: &str, bytes: Vec<u8>) -> Result<Table, ImportErrors> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportErrors::single(name, format!("无法打开工作簿：{e}")))?;
    let sheets = workbook.sheet_names();
    for sheet in sheets {
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| ImportErrors::single(name, format!("无法读取工作表“{sheet}”：{e}")))?;
        if range.is_empty() {
            continue;
        }
        let (row0, col0) = range.start().unwrap_or((0, 0));
        // Number formats (xlsx only; other formats answer with no styles).
        let styles = workbook.worksheet_style(&sheet).ok();
        let mut rows = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let abs_row = row0 as usize + r;
            let cells = row
                .iter()
                .enumerate()
                .map(|(c, d)| {
                    let abs_col = col0 as usize + c;
                    let is_percent = styles
                        .as_ref()
                        .and_then(|st| st.get((abs_row as u32, abs_col as u32)))
                        .and_then(|st| st.number_format.as_ref())
                        .is_some_and(|nf| percent_signs(&nf.format_code) > 0);
                    match d {
                        Data::Empty => Cell::Empty,
                        Data::String(s) if s.trim().is_empty() => Cell::Empty,
                        Data::String(s) => Cell::Text(s.clone()),
                        Data::Float(f) => Cell::Number {
                            value: *f,
                            percent: is_percent,
                        },
                        Data::Int(i) => Cell::Number {
                            value: *i as f64,
                            percent: is_percent,
                        },
                        Data::Bool(b) => {
                            Cell::Text(if *b { "true".into() } else { "false".into() })
                        }
                        Data::DateTime(dt) => Cell::Text(excel_date(dt.as_f64())),
                        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                        Data::Error(e) => Cell::Text(format!("#{e:?}")),
                    }
                })
                .collect();
            let mut col_prefix = vec![Cell::Empty; col0 as usize];
            col_prefix.extend::<Vec<Cell>>(cells);
            rows.push((abs_row + 1, col_prefix));
        }
        return build(name, Some(sheet), rows);
    }
    Err(ImportErrors::single(name, "工作簿中没有数据"))
}

fn build(
    name: &str,
    sheet: Option<String>,
    rows: Vec<(usize, Vec<Cell>)>,
) -> Result<Table, ImportErrors> {
    let mut rows = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty));
    let Some((_, header)) = rows.next() else {
        return Err(ImportErrors::single(name, "文件为空：第一行应为表头"));
    };
    let headers = header
        .iter()
        .map(|c| match c {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number { value, .. } => value.to_string(),
            Cell::Empty => String::new(),
        })
        .collect();
    Ok(Table {
        file: name.to_string(),
        sheet,
        headers,
        rows: rows.map(|(number, cells)| Row { number, cells }).collect(),
    })
}

/// An Excel date serial as "2025-09-30" (serial 1 is 1900-01-01; day 0 is 1899-12-30 in the
/// 1900 date system, counting Excel's phantom 1900-02-29).
fn excel_date(serial: f64) -> String {
    let days = serial.floor() as i32;
    match time::Date::from_julian_day(2_415_019 + days) {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()),
        Err(_) => serial.to_string(),
    }
}

/// How many `%` signs scale a number format's first section ("0.0%" → 1; a quoted, escaped
/// or bracketed % does not count).
fn percent_signs(code: &str) -> u32 {
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
