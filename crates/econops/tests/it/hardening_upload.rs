//! Issue 8 item 1 end to end: the 1.6 KB workbook with one cell at XFD1048576, which made the
//! spreadsheet reader ask for the whole 16,384 × 1,048,576 grid and abort the server, is
//! refused through the upload page with a message, and the server goes on answering; the
//! command line refuses it the same way and exits normally.

use crate::support;

use reqwest::StatusCode;
use store::Dialect;
use support::TestApp;

on_both!(the_server_survives_the_xfd1048576_workbook);

/// CRC-32 (IEEE), as a zip entry records it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) entries, written field by field.
fn stored_zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in entries {
        let offset = out.len() as u32;
        let (crc, size) = (crc32(content.as_bytes()), content.len() as u32);
        let header = |sig: &[u8], central: bool| {
            let mut h = sig.to_vec();
            if central {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(0u16.to_le_bytes()); // stored
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(crc.to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(b"PK\x03\x04", false));
        out.extend(content.as_bytes());
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

/// The issue's file: "period" in A1 and one number at XFD1048576.
fn xfd1048576() -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
    stored_zip(&[
        (
            "_rels/.rels",
            format!(
                r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<worksheet xmlns="{ns}"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>period</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
            ),
        ),
    ])
}

async fn the_server_survives_the_xfd1048576_workbook(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let bytes = xfd1048576();
    assert!(bytes.len() < 2000, "a 1.6 KB file: {} bytes", bytes.len());
    let office = app.login("office").await;
    let before = app.store.count_audit().await.expect("audit");
    let form = reqwest::multipart::Form::new()
        .text("csrf", office.csrf.clone())
        .text("kind", "observations")
        .text("year", "2025")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("far.xlsx"),
        );
    let resp = office
        .client
        .post(office.url("/locate/import"))
        .multipart(form)
        .send()
        .await
        .expect("the server answers the upload");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(html.contains("工作表“Sheet1”过大"), "{html}");
    assert!(html.contains("上限 256 列"), "{html}");
    let overview = office
        .client
        .get(office.url("/"))
        .send()
        .await
        .expect("the server is still up");
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview.text().await.expect("html").contains("总览"));
    assert_eq!(app.store.count_audit().await.expect("audit"), before);

    // The command line refuses the same file with the same message and a normal exit.
    let path = std::env::temp_dir().join(format!(
        "econops-far-{}-{dialect:?}.xlsx",
        std::process::id()
    ));
    std::fs::write(&path, &bytes).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_econops"))
        .args([
            "import",
            "observations",
            path.to_str().expect("utf-8"),
            "--region",
            "370281",
            "--db",
            &app.db.url,
        ])
        .env_remove("ECONOPS_DB")
        .output()
        .expect("run econops");
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exits, not killed: {:?}",
        out.status
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("过大") && err.contains("XFD"), "{err}");
}
