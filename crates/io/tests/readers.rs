//! The CSV and .xlsx readers against hostile and malformed files: each is refused with a
//! message before the reader allocates for it (the heap peak is measured), and arbitrary bytes,
//! arbitrary zip containers and arbitrary well-formed sheets never panic.

mod support;

use io::table::{read_bytes, read_bytes_with, read_csv};
use io::{Cell, ReadLimits};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use support::{cases, lie_about_size, peak_heap, xfd1048576, xlsx, MIB};

#[global_allocator]
static ALLOC: support::PeakAlloc = support::PeakAlloc;

fn refused(result: Result<io::Table, io::ImportErrors>) -> String {
    match result {
        Ok(t) => panic!("accepted: {} rows", t.rows.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_xfd1048576_sheet_is_refused_before_allocating() {
    let bytes = xfd1048576();
    assert!(bytes.len() < 2048, "a small file: {} bytes", bytes.len());
    let started = Instant::now();
    let (result, peak) = peak_heap(|| read_bytes("far.xlsx", bytes));
    let message = refused(result);
    assert!(message.contains("过大"), "{message}");
    assert!(message.contains("XFD1048576"), "names the cell: {message}");
    assert!(message.contains("上限 256 列"), "{message}");
    assert!(peak < 16 * MIB, "held {peak} bytes");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_same_cell_written_by_a_spreadsheet_program_is_refused_by_its_dimension() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "period").expect("write");
    sheet.write_number(1_048_575, 16_383, 1.0).expect("write");
    let bytes = book.save_to_buffer().expect("xlsx");
    let (result, peak) = peak_heap(|| read_bytes("far.xlsx", bytes));
    let message = refused(result);
    assert!(
        message.contains("声明的范围到第 16384 列（XFD）"),
        "{message}"
    );
    assert!(peak < 16 * MIB, "held {peak} bytes");
}

#[test]
fn a_declared_dimension_beyond_the_limits_is_refused_even_when_the_cells_are_small() {
    let bytes = xlsx(
        "A1:XFD1048576",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>"#,
        &[],
    );
    let message = refused(read_bytes("dim.xlsx", bytes));
    assert!(message.contains("声明的范围"), "{message}");
}

#[test]
fn a_far_row_in_a_narrow_sheet_is_read_without_the_rows_between() {
    let bytes = xlsx(
        "A1:A1048576",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="A1048576"><v>7</v></c></row>"#,
        &[],
    );
    let (result, peak) = peak_heap(|| read_bytes("tall.xlsx", bytes));
    let table = result.expect("one data row");
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].number, 1_048_576);
    assert_eq!(
        table.rows[0].cells,
        vec![Cell::Number {
            value: 7.0,
            percent: false
        }]
    );
    assert!(peak < 16 * MIB, "held {peak} bytes");
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused() {
    let long = "长".repeat(40_000);
    let bytes = xlsx(
        "A1:A2",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>"#,
        &[&long],
    );
    let message = refused(read_bytes("long.xlsx", bytes));
    assert!(
        message.contains("单元格 A2 有 40000 个字符，上限 32767 个"),
        "{message}"
    );
}

#[test]
fn a_300_mb_cell_is_refused_before_it_is_decompressed() {
    let bytes = support::huge_cell_xlsx(300);
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let (result, peak) = peak_heap(|| read_bytes("huge.xlsx", bytes.clone()));
    let message = refused(result);
    assert!(
        message.contains("sharedStrings.xml") && message.contains("上限 128 MiB"),
        "{message}"
    );
    assert!(
        peak < 8 * MIB,
        "declared size refused at once; held {peak} bytes"
    );
    // The same file declaring a small size is still refused, after at most a few hundred KB.
    let mut lying = bytes;
    lie_about_size(&mut lying, "xl/sharedStrings.xml", 1000);
    let (result, peak) = peak_heap(|| read_bytes("lying.xlsx", lying));
    let message = refused(result);
    assert!(message.contains("sharedStrings.xml"), "{message}");
    assert!(peak < 8 * MIB, "held {peak} bytes");
}

#[test]
fn decompressed_size_limits_are_configurable() {
    let text = "y".repeat(2 * 1024 * 1024);
    let limits = ReadLimits {
        max_entry_bytes: 1024 * 1024,
        ..ReadLimits::default()
    };
    let bytes = xlsx(
        "A1:A2",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>"#,
        &[&text],
    );
    let message = refused(read_bytes_with("big.xlsx", bytes.clone(), &limits));
    assert!(message.contains("上限 1 MiB"), "{message}");
    let limits = ReadLimits {
        max_decompressed_bytes: 1024 * 1024,
        ..ReadLimits::default()
    };
    let message = refused(read_bytes_with("big.xlsx", bytes, &limits));
    assert!(message.contains("工作簿过大"), "{message}");
    let limits = ReadLimits {
        max_file_bytes: 100,
        ..ReadLimits::default()
    };
    let message = refused(read_bytes_with("a.csv", vec![b'a'; 101], &limits));
    assert!(message.contains("文件过大"), "{message}");
}

#[test]
fn too_many_cells_are_refused() {
    let limits = ReadLimits {
        max_cells: 10,
        ..ReadLimits::default()
    };
    let rows: String = (1..=20)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
        .collect();
    let message = refused(read_bytes_with(
        "many.xlsx",
        xlsx("A1:A20", &rows, &[]),
        &limits,
    ));
    assert!(message.contains("非空单元格超过 10 个"), "{message}");
    // Rows kept as wide as their last cell count as that many cells.
    let rows = r#"<row r="1"><c r="A1"><v>1</v></c><c r="F1"><v>1</v></c></row><row r="2"><c r="F2"><v>2</v></c></row>"#;
    let message = refused(read_bytes_with(
        "wide.xlsx",
        xlsx("A1:F2", rows, &[]),
        &limits,
    ));
    assert!(message.contains("按行展开后有 12 个单元格"), "{message}");
    let csv = "a\n".repeat(20);
    let message = refused(read_bytes_with("many.csv", csv.into_bytes(), &limits));
    assert!(message.contains("单元格超过 10 个"), "{message}");
}

#[test]
fn csv_rows_columns_and_cells_are_bounded() {
    let wide = format!("{}\n", vec!["a"; 300].join(","));
    let message = refused(read_csv("wide.csv", wide.as_bytes()));
    assert!(
        message.contains("第 1 行有 300 列（上限 256 列）"),
        "{message}"
    );
    let long = format!("a\n{}\n", "长".repeat(40_000));
    let message = refused(read_csv("long.csv", long.as_bytes()));
    assert!(
        message.contains("第 2 行第 1 列有 40000 个字符"),
        "{message}"
    );
    let limits = ReadLimits {
        max_rows: 3,
        ..ReadLimits::default()
    };
    let message = refused(read_bytes_with(
        "rows.csv",
        b"a\n1\n2\n3\n".to_vec(),
        &limits,
    ));
    assert!(message.contains("超过 3 行"), "{message}");
}

#[test]
fn a_header_only_file_is_refused() {
    let message = refused(read_csv("h.csv", b"period,indicator,ytd_growth_pct\n\n"));
    assert!(message.contains("文件没有数据行"), "{message}");
    let bytes = xlsx(
        "A1:B1",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>"#,
        &[],
    );
    let message = refused(read_bytes("h.xlsx", bytes));
    assert!(message.contains("文件没有数据行"), "{message}");
}

#[test]
fn an_unquoted_thousands_comma_is_refused_with_its_row_and_extra_column() {
    let err = read_csv(
        "obs.csv",
        b"period,indicator,ytd_value,ytd_growth_pct\n2025-09,industrial-va,1,000,5.8\n2025-08,industrial-va,900,5.0\n",
    )
    .expect_err("shifted row");
    assert_eq!(err.0.len(), 1, "{err}");
    assert_eq!(err.0[0].row, 2);
    let message = err.to_string();
    assert!(message.contains("第 2 行"), "{message}");
    assert!(message.contains("第 5 列“5.8”"), "{message}");
    assert!(message.contains("1,000"), "explains why: {message}");
    // Quoted, the same number is one cell.
    let t = read_csv(
        "obs.csv",
        b"period,indicator,ytd_value,ytd_growth_pct\n2025-09,industrial-va,\"1,000\",5.8\n",
    )
    .expect("quoted");
    assert_eq!(t.rows[0].cells[2], Cell::Text("1,000".into()));
}

#[test]
fn old_binary_workbooks_are_refused_with_a_way_out() {
    let message = refused(read_bytes("old.xls", vec![0xD0, 0xCF, 0x11, 0xE0]));
    assert!(message.contains("另存为 .xlsx"), "{message}");
}

/// A valid workbook written by a spreadsheet library, for mutation.
fn sample_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    for (c, h) in ["period", "indicator", "ytd_growth_pct"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    for r in 1..6u32 {
        sheet
            .write_string(r, 0, format!("2025-0{r}"))
            .expect("write");
        sheet.write_string(r, 1, "规上工业增加值").expect("write");
        sheet
            .write_number_with_format(r, 2, 0.05 + r as f64 / 100.0, &pct)
            .expect("write");
    }
    book.save_to_buffer().expect("xlsx")
}

/// The entries of a zip, for rebuilding it with one changed.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut out).expect("read");
            (f.name().expect("name").to_string(), out)
        })
        .collect()
}

/// What every read must satisfy, whatever the input: no panic (the test would fail), a
/// refusal with at least one message, or a table within the limits.
fn check_outcome(result: Result<io::Table, io::ImportErrors>, limits: &ReadLimits) {
    match result {
        Err(e) => assert!(!e.0.is_empty()),
        Ok(t) => {
            assert!(!t.rows.is_empty(), "a table has data rows");
            let cells: usize = t.rows.iter().map(|r| r.cells.len()).sum();
            assert!(cells as u64 <= limits.max_cells);
            for r in &t.rows {
                assert!(r.cells.len() <= limits.max_columns as usize);
                for c in &r.cells {
                    if let Cell::Text(s) = c {
                        assert!(s.chars().count() <= limits.max_cell_chars);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let limits = ReadLimits::default();
        for name in ["f.csv", "f.xlsx", "f.txt"] {
            let (result, peak) = peak_heap(|| read_bytes(name, bytes.clone()));
            check_outcome(result, &limits);
            prop_assert!(peak < 32 * MIB, "{name}: held {peak} bytes");
        }
    }

    #[test]
    fn arbitrary_csv_text_never_panics(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9,\"\\n %.\\-长]{0,12}", 0..8), 0..12)
    ) {
        let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        let limits = ReadLimits::default();
        check_outcome(read_csv("f.csv", text.as_bytes()), &limits);
        if let Ok(t) = read_csv("f.csv", text.as_bytes()) {
            for r in &t.rows {
                // No value right of the last header survives: that is a shifted row.
                prop_assert!(r.cells.iter().skip(t.headers.len()).all(|c| *c == Cell::Empty));
            }
        }
    }

    #[test]
    fn mutated_workbooks_never_panic(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in any::<bool>(),
        junk in proptest::collection::vec(any::<u8>(), 0..64),
        lie in proptest::option::of(any::<u32>()),
    ) {
        let sample = sample_workbook();
        let mut parts = entries(&sample);
        let i = which.index(parts.len());
        let content = &mut parts[i].1;
        let pos = at.index(content.len().max(1)).min(content.len());
        if cut {
            content.truncate(pos);
        }
        content.splice(pos..pos, junk.iter().copied());
        let refs: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
        let mut bytes = support::zip_of(&refs);
        if let Some(size) = lie {
            let name = parts[i].0.clone();
            lie_about_size(&mut bytes, &name, size);
        }
        let limits = ReadLimits::default();
        let (result, peak) = peak_heap(|| read_bytes("m.xlsx", bytes.clone()));
        check_outcome(result, &limits);
        prop_assert!(peak < 32 * MIB, "held {peak} bytes");
        // The raw container cut or flipped anywhere is refused or read, never a panic.
        let mut raw = sample;
        let pos = at.index(raw.len());
        if cut { raw.truncate(pos) } else { raw[pos] ^= junk.first().copied().unwrap_or(0xFF) }
        check_outcome(read_bytes("r.xlsx", raw), &limits);
    }

    #[test]
    fn arbitrary_well_formed_sheets_are_read_or_refused_within_bounds(
        cells in proptest::collection::vec(
            (
                prop_oneof![0u32..50, 0u32..1_048_576],
                prop_oneof![0u16..10, 0u16..16_384],
                prop_oneof![
                    "[a-z长 %0-9.]{0,10}".prop_map(Some),
                    (0usize..3).prop_map(|n| Some("长".repeat([10, 32_767, 40_000][n]))),
                    Just(None),
                ],
                any::<f64>(),
            ),
            1..12,
        )
    ) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        // Where the writer accepted a cell (it refuses text over 32,767 characters itself).
        let mut far = false;
        for (row, col, text, number) in &cells {
            let written = match text {
                Some(t) => sheet.write_string(*row, *col, t).is_ok(),
                None => sheet.write_number(*row, *col, *number).is_ok(),
            };
            // An empty string is not written at all (rust_xlsxwriter skips it).
            far |= written && *col >= 256 && text.as_ref().is_none_or(|t| !t.is_empty());
        }
        let bytes = book.save_to_buffer().expect("xlsx");
        let limits = ReadLimits::default();
        let started = Instant::now();
        let (result, peak) = peak_heap(|| read_bytes("s.xlsx", bytes));
        prop_assert!(peak < 64 * MIB, "held {peak} bytes");
        prop_assert!(started.elapsed() < Duration::from_secs(20));
        if far {
            // The sheet's declared dimension reaches past column 256.
            prop_assert!(result.is_err(), "a cell beyond the limits is refused");
        }
        check_outcome(result, &limits);
    }
}
