//! Reading an .xlsx without calamine's dense grid. `Reader::worksheet_range` sizes one vector
//! from the first to the last used cell (`Range::from_sparse`: rows × columns of `Data`), so a
//! single cell at XFD1048576 asks for 17 billion cells and the process aborts. Here the sheet
//! is streamed cell by cell (`Xlsx::worksheet_cells_reader`), the declared `<dimension>` and
//! every cell's position are checked against [`ReadLimits`], and only non-empty rows are kept,
//! each as wide as its last non-empty cell. The container itself is checked first by
//! [`crate::xlsx_guard`].

use crate::limits::ReadLimits;
use crate::table::{build, excel_date, percent_signs, Cell, Table};
use crate::ImportErrors;
use calamine::{DataRef, Reader, Xlsx, XlsxError};
use std::io::Cursor;

/// "A", "Z", "AA", … for a 0-based column.
pub(crate) fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push((b'A' + rem) as char);
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// A row's number as the user sees it (1-based) and its cells.
type NumberedRow = (usize, Vec<Cell>);

/// Reads the first worksheet with a non-empty cell.
pub fn read_xlsx(name: &str, bytes: Vec<u8>, limits: &ReadLimits) -> Result<Table, ImportErrors> {
    crate::xlsx_guard::check(name, &bytes, limits)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| ImportErrors::single(name, format!("无法打开工作簿：{e}")))?;
    for sheet in book.sheet_names() {
        let rows = match read_sheet(name, &mut book, &sheet, limits)? {
            Some(rows) => rows,
            None => continue,
        };
        return build(name, Some(sheet), rows, false);
    }
    Err(ImportErrors::single(name, "工作簿中没有数据"))
}

/// The non-empty rows of one sheet as (row number, cells), or `None` when it has no cell.
fn read_sheet(
    name: &str,
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    sheet: &str,
    limits: &ReadLimits,
) -> Result<Option<Vec<NumberedRow>>, ImportErrors> {
    let too_big =
        |reason: String| ImportErrors::single(name, format!("工作表“{sheet}”过大：{reason}"));
    let unreadable =
        |e: XlsxError| ImportErrors::single(name, format!("无法读取工作表“{sheet}”：{e}"));
    let mut reader = match book.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        // A chart sheet or a dialog sheet holds no cells.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let dim = reader.dimensions();
    let declared_rows = dim.end.0.saturating_sub(dim.start.0) as u64 + 1;
    let declared_cols = dim.end.1.saturating_sub(dim.start.1) as u64 + 1;
    if dim.end.1 >= limits.max_columns || declared_cols > limits.max_columns as u64 {
        return Err(too_big(format!(
            "声明的范围到第 {} 列（{}），上限 {} 列",
            dim.end.1 as u64 + 1,
            column_letters(dim.end.1),
            limits.max_columns
        )));
    }
    if dim.end.0 >= limits.max_rows || declared_rows > limits.max_rows as u64 {
        return Err(too_big(format!(
            "声明的范围到第 {} 行，上限 {} 行",
            dim.end.0 as u64 + 1,
            limits.max_rows
        )));
    }
    let mut cells: Vec<(u32, u32, Cell)> = Vec::new();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let percent = reader
            .styles()
            .get(style)
            .and_then(|s| s.number_format.as_ref())
            .is_some_and(|nf| percent_signs(&nf.format_code) > 0);
        let value = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
            DataRef::SharedString(s) => text_cell(s),
            DataRef::Float(f) => Cell::Number { value: *f, percent },
            DataRef::Int(i) => Cell::Number {
                value: *i as f64,
                percent,
            },
            DataRef::Bool(b) => Cell::Text(if *b { "true".into() } else { "false".into() }),
            DataRef::DateTime(dt) => Cell::Text(excel_date(dt.as_f64())),
            DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
        };
        if value == Cell::Empty {
            continue;
        }
        let place = format!("{}{}", column_letters(col), row as u64 + 1);
        if col >= limits.max_columns {
            return Err(too_big(format!(
                "单元格 {place} 在第 {} 列，上限 {} 列",
                col as u64 + 1,
                limits.max_columns
            )));
        }
        if row >= limits.max_rows {
            return Err(too_big(format!(
                "单元格 {place} 在第 {} 行，上限 {} 行",
                row as u64 + 1,
                limits.max_rows
            )));
        }
        if let Cell::Text(t) = &value {
            let chars = t.chars().count();
            if chars > limits.max_cell_chars {
                return Err(too_big(format!(
                    "单元格 {place} 有 {chars} 个字符，上限 {} 个",
                    limits.max_cell_chars
                )));
            }
        }
        if cells.len() as u64 >= limits.max_cells {
            return Err(too_big(format!(
                "非空单元格超过 {} 个（上限 {} 个）",
                limits.max_cells, limits.max_cells
            )));
        }
        cells.push((row, col, value));
    }
    if cells.is_empty() {
        return Ok(None);
    }
    // XML order is row-major in files Excel writes, but nothing guarantees it.
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    cells.dedup_by(|later, earlier| (later.0, later.1) == (earlier.0, earlier.1));
    // Every row is kept as wide as its last non-empty cell: bound that grid before building it.
    let mut grid: u64 = 0;
    let mut i = 0;
    while i < cells.len() {
        let row = cells[i].0;
        let mut last = cells[i].1;
        while i < cells.len() && cells[i].0 == row {
            last = cells[i].1;
            i += 1;
        }
        grid += last as u64 + 1;
    }
    if grid > limits.max_cells {
        return Err(too_big(format!(
            "按行展开后有 {grid} 个单元格（上限 {} 个）",
            limits.max_cells
        )));
    }
    let mut rows: Vec<NumberedRow> = Vec::new();
    for (row, col, value) in cells {
        if rows.last().is_none_or(|(n, _)| *n != row as usize + 1) {
            rows.push((row as usize + 1, Vec::new()));
        }
        if let Some((_, line)) = rows.last_mut() {
            line.resize(col as usize, Cell::Empty);
            line.push(value);
        }
    }
    Ok(Some(rows))
}

fn text_cell(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::column_letters;

    #[test]
    fn names_columns_as_excel_does() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
    }
}
