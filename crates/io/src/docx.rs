//! Word (`.docx`) documents: the 督办单 (supervision sheet) of a task. A text document needs
//! three parts of WordprocessingML (content types, the package relationship, the body), written
//! here over the `zip` crate the workspace already uses (decision 88). The caller lays out the
//! content as titled rows and sections of plain text, so this module knows nothing of tasks.

use std::io::Write;

/// A document: a title, a table of (label, value) rows, then sections of lines.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub title: String,
    pub subtitle: String,
    pub rows: Vec<(String, String)>,
    /// (heading, lines); an empty section prints "无".
    pub sections: Vec<(String, Vec<String>)>,
}

#[derive(Debug, thiserror::Error)]
#[error("docx: {0}")]
pub struct DocxError(String);

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// Text escaped for XML inside a `<w:t>`: a line break (`\n`, `\r\n`, `\r`) ends the text
/// run's text and starts a new line (`<w:br/>`), a tab is a space, and what XML 1.0 forbids
/// (other control characters, U+FFFE, U+FFFF) is dropped, so that no stored text can make
/// the document unreadable.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("</w:t><w:br/><w:t xml:space=\"preserve\">");
            }
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One run of text in 宋体 at `half_points` (24 = 12 pt).
fn run(text: &str, bold: bool, half_points: u32) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"SimSun\" w:hAnsi=\"SimSun\" w:eastAsia=\"SimSun\"/>{}<w:sz w:val=\"{half_points}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:b/>" } else { "" },
        esc(text)
    )
}

fn para(text: &str, bold: bool, half_points: u32, centred: bool) -> String {
    format!(
        "<w:p>{}{}</w:p>",
        if centred {
            "<w:pPr><w:jc w:val=\"center\"/></w:pPr>"
        } else {
            ""
        },
        run(text, bold, half_points)
    )
}

fn cell(text: &str, bold: bool, width: u32) -> String {
    format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>",
        para(text, bold, 24, false)
    )
}

/// The sheet's body part (`word/document.xml`).
fn document(sheet: &Sheet) -> String {
    let mut body = String::new();
    body.push_str(&para(&sheet.title, true, 36, true));
    body.push_str(&para(&sheet.subtitle, false, 24, true));
    if !sheet.rows.is_empty() {
        body.push_str(
            "<w:tbl><w:tblPr><w:tblW w:w=\"9000\" w:type=\"dxa\"/><w:tblBorders>\
             <w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/>\
             <w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>\
             </w:tblBorders></w:tblPr><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"7000\"/></w:tblGrid>",
        );
        for (k, v) in &sheet.rows {
            body.push_str(&format!(
                "<w:tr>{}{}</w:tr>",
                cell(k, true, 2000),
                cell(v, false, 7000)
            ));
        }
        body.push_str("</w:tbl>");
    }
    for (heading, lines) in &sheet.sections {
        body.push_str(&para(heading, true, 28, false));
        if lines.is_empty() {
            body.push_str(&para("无", false, 24, false));
        }
        for l in lines {
            body.push_str(&para(l, false, 24, false));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\"/></w:sectPr>\
         </w:body></w:document>"
    )
}

/// The sheet as a `.docx` file.
pub fn supervision_docx(sheet: &Sheet) -> Result<Vec<u8>, DocxError> {
    let fail = |e: &dyn std::fmt::Display| DocxError(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("word/document.xml", document(sheet)),
    ] {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    }
    let out = zip.finish().map_err(|e| fail(&e))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_sheet_is_a_word_document_with_its_text() {
        let bytes = supervision_docx(&Sheet {
            title: "督办单".into(),
            subtitle: "胶州市 · 2025-10-14".into(),
            rows: vec![("任务".into(), "家电企业扩产".into())],
            sections: vec![
                ("催办记录".into(), vec!["2025-10-14 办公室 催办".into()]),
                ("领导批示".into(), vec![]),
            ],
        })
        .expect("docx");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .expect("document part")
            .read_to_string(&mut xml)
            .expect("utf-8");
        for s in [
            "督办单",
            "家电企业扩产",
            "催办记录",
            "2025-10-14 办公室 催办",
            "无",
        ] {
            assert!(xml.contains(s), "{s}");
        }
        let escaped = document(&Sheet {
            title: "a<b & \u{7}c".into(),
            ..Sheet::default()
        });
        assert!(
            escaped.contains("a&lt;b &amp; c"),
            "escaped, control characters dropped"
        );
        assert!(zip.by_name("[Content_Types].xml").is_ok());
    }

    /// Every element and text of a document part, read by an XML parser; an error fails.
    fn parse(xml: &str) -> String {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut text = String::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Text(t) => {
                    text.push_str(&t.into_inner());
                }
                quick_xml::events::Event::GeneralRef(r) => {
                    text.push(match &*r.into_inner() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        other => panic!("unexpected entity {other}"),
                    });
                }
                quick_xml::events::Event::Empty(e) if e.name().as_ref() == "w:br" => {
                    text.push('\n');
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        text
    }

    #[test]
    fn hostile_text_keeps_the_document_well_formed() {
        // A 2,000-character instruction of markup, entities, every control character, the
        // characters XML forbids, an RTL mark and line breaks of each kind.
        let mut body = String::from("甲</w:t></w:r><w:r>&amp;<![CDATA[x]]>\u{202E}乙\r\n丙\r丁\n");
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            body.push(char::from_u32(c).expect("char"));
        }
        body.push_str("\u{FFFE}\u{FFFF}");
        while body.chars().count() < 2000 {
            body.push('批');
        }
        let xml = document(&Sheet {
            title: body.clone(),
            rows: vec![("批示".into(), body.clone())],
            sections: vec![("领导批示".into(), vec![body])],
            ..Sheet::default()
        });
        let text = parse(&xml);
        assert!(text.contains("甲</w:t></w:r><w:r>&amp;<![CDATA[x]]>\u{202E}乙\n丙\n丁\n"));
        assert!(!text.contains('\u{7}') && !text.contains('\u{FFFE}'));
    }
}
