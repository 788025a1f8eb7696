//! The check an .xlsx passes before calamine opens it. An .xlsx is a zip of XML files, and
//! calamine trusts it: it decompresses entries whole and buffers XML events whole, so a tiny
//! zip can declare or hold gigabytes. This module walks the container first, streaming: it
//! checks every entry's declared uncompressed size, then decompresses it counting the bytes
//! actually produced (a declaration can lie), and runs every XML entry through quick-xml with
//! a cap on the bytes of any one event (one text run, one tag). When it passes, calamine's own
//! reading of the same bytes is bounded by the same numbers.

use crate::limits::ReadLimits;
use crate::ImportErrors;
use quick_xml::events::Event;
use std::io::{BufRead, BufReader, Cursor, Read};

/// More entries than any spreadsheet has (a workbook holds about a dozen plus a few per sheet).
const MAX_ENTRIES: usize = 10_000;

fn mib(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// Checks the zip container of an .xlsx against `limits`; the error says what is too large.
pub fn check(name: &str, bytes: &[u8], limits: &ReadLimits) -> Result<(), ImportErrors> {
    let refuse = |reason: String| ImportErrors::single(name, reason);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refuse(format!("无法打开工作簿：不是有效的 .xlsx 文件（{e}）")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(refuse(format!(
            "工作簿结构异常：包含 {} 个内部文件（上限 {MAX_ENTRIES}）",
            zip.len()
        )));
    }
    // Declared sizes first: nothing is decompressed when the directory already says too much.
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| refuse(format!("无法打开工作簿：内部文件损坏（{e}）")))?;
        let size = entry.size();
        if size > limits.max_entry_bytes {
            return Err(refuse(format!(
                "工作表过大：内部文件“{}”解压后 {}（上限 {}）",
                entry_name(&entry),
                mib(size),
                mib(limits.max_entry_bytes)
            )));
        }
        declared_total = declared_total.saturating_add(size);
    }
    if declared_total > limits.max_decompressed_bytes {
        return Err(refuse(format!(
            "工作簿过大：解压后共 {}（上限 {}）",
            mib(declared_total),
            mib(limits.max_decompressed_bytes)
        )));
    }
    // Then the bytes actually produced, and the XML's largest event.
    let mut actual_total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| refuse(format!("无法打开工作簿：内部文件无法读取（{e}）")))?;
        if entry.is_dir() {
            continue;
        }
        let entry_label = entry_name(&entry);
        let declared = entry.size();
        let is_xml = {
            let n = entry_label.to_ascii_lowercase();
            n.ends_with(".xml") || n.ends_with(".rels") || n.ends_with(".vml")
        };
        let budget = limits
            .max_entry_bytes
            .min(limits.max_decompressed_bytes.saturating_sub(actual_total));
        let mut counted = Counted {
            inner: BufReader::new(entry),
            total: 0,
            budget,
            event: 0,
            event_budget: limits.max_xml_event_bytes(),
            overflow: None,
        };
        let outcome = if is_xml {
            scan_xml(&mut counted)
        } else {
            drain(&mut counted)
        };
        match (outcome, counted.overflow) {
            (_, Some(Overflow::Total)) => {
                return Err(refuse(format!(
                    "工作簿过大：内部文件“{entry_label}”实际解压后超过 {}（声明为 {}，上限 {}）",
                    mib(budget),
                    mib(declared),
                    mib(limits.max_entry_bytes.min(limits.max_decompressed_bytes))
                )))
            }
            (_, Some(Overflow::Event)) => {
                return Err(refuse(format!(
                "工作表过大：内部文件“{entry_label}”中有一段内容超过 {}（单元格上限 {} 个字符）",
                mib(limits.max_xml_event_bytes()),
                limits.max_cell_chars
            )))
            }
            (Err(reason), None) => {
                return Err(refuse(format!(
                    "无法打开工作簿：内部文件“{entry_label}”{reason}"
                )))
            }
            (Ok(()), None) => {}
        }
        if counted.total != declared {
            return Err(refuse(format!(
                "无法打开工作簿：内部文件“{entry_label}”解压后 {} 字节，与声明的 {declared} 字节不符",
                counted.total
            )));
        }
        actual_total += counted.total;
    }
    Ok(())
}

fn entry_name<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> String {
    entry
        .name()
        .map(|n| n.chars().take(100).collect())
        .unwrap_or_else(|_| {
            String::from_utf8_lossy(entry.name_raw())
                .chars()
                .take(100)
                .collect()
        })
}

fn drain<R: BufRead>(r: &mut Counted<R>) -> Result<(), String> {
    std::io::copy(r, &mut std::io::sink())
        .map(|_| ())
        .map_err(|e| format!("无法解压（{e}）"))
}

fn scan_xml<R: BufRead>(r: &mut Counted<R>) -> Result<(), String> {
    let mut xml = quick_xml::Reader::from_reader(r);
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        xml.get_mut().event = 0;
        match xml.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("不是有效的 XML（{e}）")),
        }
    }
    // Whatever follows the document still counts towards the decompressed size.
    let r = xml.into_inner();
    r.event = 0;
    r.event_budget = u64::MAX;
    drain(r)
}

#[derive(Debug, Clone, Copy)]
enum Overflow {
    Total,
    Event,
}

/// A reader that counts the bytes consumed and fails once they pass `budget`, or once the
/// bytes since `event` was last reset pass `event_budget`.
struct Counted<R> {
    inner: R,
    total: u64,
    budget: u64,
    event: u64,
    event_budget: u64,
    overflow: Option<Overflow>,
}

impl<R: BufRead> Counted<R> {
    fn over(&mut self) -> Option<std::io::Error> {
        let kind = if self.total > self.budget {
            Overflow::Total
        } else if self.event > self.event_budget {
            Overflow::Event
        } else {
            return None;
        };
        self.overflow = Some(kind);
        Some(std::io::Error::other("limit"))
    }
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if let Some(e) = self.over() {
            return Err(e);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.total = self.total.saturating_add(amount as u64);
        self.event = self.event.saturating_add(amount as u64);
        self.inner.consume(amount);
    }
}
