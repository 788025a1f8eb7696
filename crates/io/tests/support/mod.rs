//! Shared by the io fuzz tests: an allocator that records each thread's peak heap use (so a
//! test can assert that a reader refused a file before allocating for it), the case count
//! (`PROPTEST_CASES` for a longer run), and workbooks written by hand as zip files, so that a
//! test can say exactly what a hostile file declares.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

/// Counts the heap bytes each thread holds and the most it held.
pub struct PeakAlloc;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(n: usize) {
    let _ = CURRENT.try_with(|c| {
        let now = c.get().saturating_add(n);
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

fn shrink(n: usize) {
    let _ = CURRENT.try_with(|c| c.set(c.get().saturating_sub(n)));
}

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // Count the request before making it: a request too large to satisfy is what aborts.
        grow(layout.size());
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            shrink(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            shrink(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            shrink(new_size);
        } else {
            shrink(layout.size());
        }
        p
    }
}

/// Runs `f` and answers what it returned and the most heap it held above what was held before.
pub fn peak_heap<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = CURRENT.with(|c| c.get());
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(|p| p.get());
    (out, peak.saturating_sub(base))
}

pub const MIB: usize = 1024 * 1024;

/// The proptest case count: small by default so CI stays fast; `PROPTEST_CASES=5000` for a
/// longer run.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A zip of `(path, content)` entries, deflated.
pub fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, content) in entries {
        w.start_file(*path, options).expect("zip entry");
        w.write_all(content).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The parts of a one-sheet workbook around `sheet_data` (the inside of `<sheetData>`), with
/// `dimension` as its declared `<dimension ref>`, and `shared` as its shared strings.
pub fn xlsx_parts(
    dimension: &str,
    sheet_data: &str,
    shared: &[&str],
) -> Vec<(&'static str, Vec<u8>)> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let mut book_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>"#
    );
    if !shared.is_empty() {
        book_rels.push_str(&format!(
            r#"<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>"#
        ));
    }
    book_rels.push_str("</Relationships>");
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    let mut parts = vec![
        ("[Content_Types].xml", content_types.as_bytes().to_vec()),
        ("_rels/.rels", rels.into_bytes()),
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", book_rels.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    if !shared.is_empty() {
        let items: String = shared
            .iter()
            .map(|s| format!("<si><t>{s}</t></si>"))
            .collect();
        parts.push((
            "xl/sharedStrings.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{n}" uniqueCount="{n}">{items}</sst>"#,
                n = shared.len()
            )
            .into_bytes(),
        ));
    }
    parts
}

/// A one-sheet workbook, see [`xlsx_parts`].
pub fn xlsx(dimension: &str, sheet_data: &str, shared: &[&str]) -> Vec<u8> {
    zip_of(&xlsx_parts(dimension, sheet_data, shared))
}

/// The issue's file: a header in A1 and one number at XFD1048576, the sheet declaring only A1.
pub fn xfd1048576() -> Vec<u8> {
    xlsx(
        "A1",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>period</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        &[],
    )
}

/// Rewrites the declared uncompressed size of every entry named `path` (local header and
/// central directory) to `size`: a zip whose declaration lies.
pub fn lie_about_size(zip: &mut [u8], path: &str, size: u32) {
    let name = path.as_bytes();
    let mut i = 0;
    while i + 46 <= zip.len() {
        let sig = &zip[i..i + 4];
        if sig == b"PK\x03\x04" {
            let n = u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize;
            if zip.get(i + 30..i + 30 + n) == Some(name) {
                zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            }
        } else if sig == b"PK\x01\x02" {
            let n = u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize;
            if zip.get(i + 46..i + 46 + n) == Some(name) {
                zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            }
        }
        i += 1;
    }
}

/// One entry of a zip written by [`hand_zip`]: `data` is already compressed when `deflated`.
pub struct RawEntry {
    pub name: String,
    pub deflated: bool,
    pub crc: u32,
    pub data: Vec<u8>,
    pub size: u32,
}

impl RawEntry {
    pub fn stored(name: &str, content: &[u8]) -> Self {
        let mut h = crc32fast::Hasher::new();
        h.update(content);
        RawEntry {
            name: name.to_string(),
            deflated: false,
            crc: h.finalize(),
            data: content.to_vec(),
            size: content.len() as u32,
        }
    }

    /// `head`, then `piece` `times` over, then `tail`, deflated without ever holding the whole:
    /// each part is compressed once with a full flush (byte-aligned, no reference back into
    /// another part), so the compressed piece can simply be repeated.
    pub fn repeated(name: &str, head: &[u8], piece: &[u8], times: usize, tail: &[u8]) -> Self {
        fn part(data: &[u8], last: bool) -> Vec<u8> {
            let mut c = flate2::Compress::new(flate2::Compression::best(), false);
            let mut out = Vec::with_capacity(data.len() + 1024);
            let flush = if last {
                flate2::FlushCompress::Finish
            } else {
                flate2::FlushCompress::Full
            };
            c.compress_vec(data, &mut out, flush).expect("deflate");
            assert_eq!(c.total_in() as usize, data.len());
            out
        }
        let piece_deflated = part(piece, false);
        let mut data = part(head, false);
        for _ in 0..times {
            data.extend_from_slice(&piece_deflated);
        }
        data.extend(part(tail, true));
        let mut crc = crc32fast::Hasher::new();
        crc.update(head);
        let mut piece_crc = crc32fast::Hasher::new();
        piece_crc.update(piece);
        for _ in 0..times {
            crc.combine(&piece_crc);
        }
        crc.update(tail);
        RawEntry {
            name: name.to_string(),
            deflated: true,
            crc: crc.finalize(),
            data,
            size: (head.len() + piece.len() * times + tail.len()) as u32,
        }
    }
}

/// A zip written field by field, so that an entry can be larger than the test could hold.
pub fn hand_zip(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let header = |sig: &[u8], central: bool| {
            let mut h = sig.to_vec();
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend((if e.deflated { 8u16 } else { 0 }).to_le_bytes());
            h.extend(0u32.to_le_bytes());
            h.extend(e.crc.to_le_bytes());
            h.extend((e.data.len() as u32).to_le_bytes());
            h.extend(e.size.to_le_bytes());
            h.extend((e.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(e.name.as_bytes());
            h
        };
        out.extend(header(b"PK\x03\x04", false));
        out.extend(&e.data);
        central.extend(header(b"PK\x01\x02", true));
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A workbook whose cell A2 is one shared string of `mb` million `x`s, built in a few MB.
pub fn huge_cell_xlsx(mb: usize) -> Vec<u8> {
    let parts = xlsx_parts(
        "A1:A2",
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>"#,
        &["placeholder"],
    );
    let mut entries: Vec<RawEntry> = parts
        .iter()
        .filter(|(n, _)| *n != "xl/sharedStrings.xml")
        .map(|(n, c)| RawEntry::stored(n, c))
        .collect();
    let head = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>"#
    );
    entries.push(RawEntry::repeated(
        "xl/sharedStrings.xml",
        head.as_bytes(),
        &[b'x'; 1_000_000],
        mb,
        b"</t></si></sst>",
    ));
    hand_zip(&entries)
}
