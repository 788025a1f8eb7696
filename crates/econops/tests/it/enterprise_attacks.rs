//! The enterprise registry attacked from outside, on both databases: malformed registry files
//! (empty, a 1 MB cell, GBK, duplicates, bad check characters, unknown towns, industry codes
//! that are not classes, absurd numbers and dates) are refused with their row and column and
//! write nothing, a header-only file or an unchanged re-import writes nothing at all; two
//! overlapping imports at once neither fail nor lose history; the search takes LIKE wildcards
//! literally and answers 400, not 500, to a 100,000-character query; every role reads the
//! registry's pages and API as `domain::access` says; the firm page's counts of tasks and
//! projects are those the task and project lists show the same user.

use crate::support;

use domain::Uscc;
use reqwest::StatusCode;
use store::{Actor, Dialect};
use support::TestApp;
use workflow::serve::registry::{import_firms, FirmImportSummary, ImportFirms};

on_both!(
    malformed_files_are_refused_by_row_and_column_and_write_nothing,
    a_file_that_changes_nothing_writes_nothing,
    overlapping_imports_at_once_neither_fail_nor_lose_history,
    the_search_is_literal_and_bounded,
    every_role_reads_the_registry_as_access_says,
);

const REGION: &str = "370281";

/// A malformed file: what it is, its text, and the row and column reported (None for a refusal
/// of the whole file).
type Case = (&'static str, String, Option<(usize, &'static str)>);
const HEADER: &str = "uscc,name,industry_code,town,founded_on,registered_capital,employees,tags\n";

fn code(n: u32) -> String {
    Uscc::with_check(&format!("91370281MB{n:07}"))
        .expect("valid body")
        .to_string()
}

async fn import_named(
    app: &TestApp,
    name: &str,
    bytes: Vec<u8>,
    write: bool,
) -> Result<FirmImportSummary, workflow::Error> {
    import_firms(
        &app.store,
        &Actor::system("test"),
        &ImportFirms {
            region: REGION.into(),
            file_name: name.into(),
            limits: io::ReadLimits::default(),
            write,
        },
        bytes,
        &mut |_, _, _| {},
    )
    .await
}

async fn import(app: &TestApp, csv: &str) -> Result<FirmImportSummary, workflow::Error> {
    import_named(app, "firms.csv", csv.as_bytes().to_vec(), true).await
}

/// What a store holds that an import could change: firms, history rows, audit entries.
async fn footprint(app: &TestApp) -> (usize, i64, i64) {
    let firms = app.store.enterprises(REGION).await.expect("firms").len();
    let history: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprise_changes")
        .fetch_one(app.store.pool())
        .await
        .expect("history");
    (
        firms,
        history,
        app.store.count_audit().await.expect("audit"),
    )
}

fn good_row(n: u32) -> String {
    format!(
        "{},甲{n}电器有限公司,3851,胶西街道,2015-06-03,1000,120,专精特新\n",
        code(n)
    )
}

async fn malformed_files_are_refused_by_row_and_column_and_write_nothing(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let before = footprint(&app).await;
    let mut wrong_check = code(5);
    let last = wrong_check.pop().expect("a check character");
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let big_cell = "名".repeat(1_000_000 / 3 + 1);
    // (what, file, the row and column reported, or None for a refusal of the whole file)
    let cases: Vec<Case> = vec![
        ("empty", String::new(), None),
        (
            "a 1 MB cell",
            format!("{HEADER}{},{big_cell},3851,,,,,\n", code(1)),
            None,
        ),
        (
            "a duplicate USCC, the second in lower case",
            format!(
                "{HEADER}{}{},乙公司,3851,,,,,\n",
                good_row(1),
                code(1).to_ascii_lowercase()
            ),
            Some((3, "uscc")),
        ),
        (
            "a wrong check character",
            format!("{HEADER}{}{wrong_check},乙公司,3851,,,,,\n", good_row(2)),
            Some((3, "uscc")),
        ),
        (
            "a town that does not exist",
            format!(
                "{HEADER}{}{},乙公司,3851,火星街道,,,,\n",
                good_row(3),
                code(4)
            ),
            Some((3, "town")),
        ),
        (
            "industry 0000",
            format!("{HEADER}{}{},乙公司,0000,,,,,\n", good_row(3), code(4)),
            Some((3, "industry_code")),
        ),
        (
            "a division instead of a class",
            format!("{HEADER}{}{},乙公司,38,,,,,\n", good_row(3), code(4)),
            Some((3, "industry_code")),
        ),
        (
            "negative capital",
            format!("{HEADER}{}{},乙公司,3851,,,-1,,\n", good_row(3), code(4)),
            Some((3, "registered_capital")),
        ),
        (
            "NaN capital",
            format!("{HEADER}{}{},乙公司,3851,,,NaN,,\n", good_row(3), code(4)),
            Some((3, "registered_capital")),
        ),
        (
            "negative employees",
            format!("{HEADER}{}{},乙公司,3851,,,,-3,\n", good_row(3), code(4)),
            Some((3, "employees")),
        ),
        (
            "employees past i64",
            format!(
                "{HEADER}{}{},乙公司,3851,,,,9223372036854775808,\n",
                good_row(3),
                code(4)
            ),
            Some((3, "employees")),
        ),
        (
            "founded in the future",
            format!(
                "{HEADER}{}{},乙公司,3851,,2999-01-01,,,\n",
                good_row(3),
                code(4)
            ),
            Some((3, "founded_on")),
        ),
        (
            "founded in 1800",
            format!(
                "{HEADER}{}{},乙公司,3851,,1800-01-01,,,\n",
                good_row(3),
                code(4)
            ),
            Some((3, "founded_on")),
        ),
        (
            "a control character and an RTL mark in the name",
            format!(
                "{HEADER}{}{},乙\u{202e}公\u{1}司,3851,,,,,\n",
                good_row(3),
                code(4)
            ),
            Some((3, "name")),
        ),
    ];
    for (what, csv, place) in cases {
        for write in [false, true] {
            let err = import_named(&app, "firms.csv", csv.clone().into_bytes(), write)
                .await
                .expect_err(what);
            let workflow::Error::Rejected(errors) = err else {
                panic!("{what}: expected a rejection, got {err:?}");
            };
            assert!(!errors.0.is_empty(), "{what}");
            for e in &errors.0 {
                assert!(
                    e.reason
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{what}: the reason is in Chinese: {}",
                    e.reason
                );
            }
            if let Some((row, column)) = place {
                let places: Vec<(usize, &str)> = errors
                    .0
                    .iter()
                    .map(|e| (e.row, e.column.as_str()))
                    .collect();
                assert_eq!(places, vec![(row, column)], "{what}: {errors:?}");
            }
        }
        assert_eq!(footprint(&app).await, before, "{what}: nothing written");
    }
    // The year 1800 is named as such, not as a bad format.
    let err = import(
        &app,
        &format!("{HEADER}{},乙公司,3851,,1800-01-01,,,\n", code(4)),
    )
    .await
    .expect_err("1800");
    assert!(format!("{err:?}").contains("1900"), "{err:?}");
    // A GBK file with Chinese headers reads as UTF-8 would.
    let gbk_text = format!(
        "统一社会信用代码,企业名称,行业代码,镇街\n{},青岛示例食品有限公司,1391,胶西街道\n",
        code(7)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    let s = import_named(&app, "firms.csv", gbk.into_owned(), true)
        .await
        .expect("GBK reads");
    assert_eq!(s.new, 1);
    let firm = app
        .store
        .firm_by_uscc(&code(7))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(firm.name, "青岛示例食品有限公司");
    // Bytes that are neither UTF-8 nor GBK are refused, not stored as mojibake.
    let before = footprint(&app).await;
    let mut junk = HEADER.as_bytes().to_vec();
    junk.extend([0xff, 0xfe, 0xfd, 0x80, 0x81, b',', b'\n']);
    assert!(import_named(&app, "firms.csv", junk, true).await.is_err());
    assert_eq!(footprint(&app).await, before);
}

async fn a_file_that_changes_nothing_writes_nothing(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let before = footprint(&app).await;
    let s = import(&app, HEADER)
        .await
        .expect("a header alone is no error");
    assert_eq!((s.rows, s.new, s.updated), (0, 0, 0));
    assert_eq!(
        footprint(&app).await,
        before,
        "a header alone writes nothing"
    );
    let csv = format!("{HEADER}{}{}", good_row(11), good_row(12));
    let s = import(&app, &csv).await.expect("loads");
    assert_eq!(s.new, 2);
    let loaded = footprint(&app).await;
    let s = import(&app, &csv).await.expect("again");
    assert_eq!((s.new, s.updated, s.unchanged), (0, 0, 2));
    assert_eq!(
        footprint(&app).await,
        loaded,
        "an unchanged re-import records nothing, not even an audit entry"
    );
}

async fn overlapping_imports_at_once_neither_fail_nor_lose_history(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    // Firms 100–139 in the first file, 120–159 in the second with other head counts.
    let file = |from: u32, to: u32, employees: u32| {
        let mut csv = String::from(HEADER);
        for n in from..to {
            csv.push_str(&format!(
                "{},丙{n}机械有限公司,3421,阜安街道,2018-01-09,500,{employees},\n",
                code(n)
            ));
        }
        csv
    };
    let (a, b) = (file(100, 140, 10), file(120, 160, 20));
    for round in 0..3 {
        let (ra, rb) = tokio::join!(import(&app, &a), import(&app, &b));
        let (ra, rb) = (ra.expect("the first"), rb.expect("the second"));
        if round == 0 {
            assert_eq!(ra.new + rb.new, 60, "each firm is new once");
        }
        let firms: Vec<_> = app
            .store
            .enterprises(REGION)
            .await
            .expect("firms")
            .into_iter()
            .filter(|e| e.name.starts_with('丙'))
            .collect();
        assert_eq!(firms.len(), 60, "no duplicate firms");
        // Each overlapping firm's history is a chain: every change starts where the last ended,
        // and the last ends at what is stored.
        for n in 120..140 {
            let firm = app
                .store
                .firm_by_uscc(&code(n))
                .await
                .expect("read")
                .expect("stored");
            let mut history = app.store.firm_changes(firm.id, 100).await.expect("history");
            history.reverse();
            let mut value = None::<String>;
            for h in &history {
                assert_eq!(h.field, "从业人员");
                if let Some(v) = &value {
                    assert_eq!(&h.before_value, v, "the chain is unbroken");
                }
                value = Some(h.after_value.clone());
            }
            if let Some(v) = value {
                assert_eq!(Some(v.parse::<i64>().expect("count")), firm.employees);
            }
        }
    }
}

async fn the_search_is_literal_and_bounded(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let csv = format!(
        "{HEADER}{},百分之百%化工有限公司,2614,胶西街道,,,,\n{},下划_线科技有限公司,6513,胶西街道,,,,\n",
        code(41),
        code(42)
    );
    import(&app, &csv).await.expect("loads");
    let office = app.login("office").await;
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["enterprises"]
            .as_array()
            .expect("list")
            .iter()
            .map(|f| f["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (s, body) = office.get_json("/api/v1/enterprises?q=%25").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(names(&body), vec!["百分之百%化工有限公司"], "% is literal");
    let (s, body) = office.get_json("/api/v1/enterprises?q=_").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(names(&body), vec!["下划_线科技有限公司"], "_ is literal");
    let (s, body) = office.get_json("/api/v1/enterprises?q=%5C").await;
    assert_eq!(s, StatusCode::OK);
    assert!(names(&body).is_empty(), "a backslash is literal");
    let long = "企".repeat(1_000);
    let (s, body) = office
        .get_json(&format!("/api/v1/enterprises?q={long}"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "q", "the field is named");
    let page = office
        .client
        .get(office.url(&format!("/enterprises?q={long}")))
        .send()
        .await
        .expect("page");
    assert!(page.status().is_client_error(), "{}", page.status());
    let (s, body) = office.get_json("/api/v1/enterprises?page=1000000").await;
    assert_eq!(s, StatusCode::OK);
    assert!(names(&body).is_empty());
    assert_eq!(body["has_more"], false);
    for bad in [
        "page=0",
        "page=-1",
        "page=9223372036854775808",
        "per_page=100000",
    ] {
        let (s, body) = office.get_json(&format!("/api/v1/enterprises?{bad}")).await;
        assert!(s.is_client_error(), "{bad}: {s} {body}");
    }
    for uscc in ["0", "-1", "9223372036854775808", &"9".repeat(1_000)] {
        let (s, _) = office
            .get_json(&format!("/api/v1/enterprises/{uscc}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uscc:.20}");
    }
}

async fn every_role_reads_the_registry_as_access_says(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let csv = format!(
        "{HEADER}{},甲电器有限公司,3851,胶西街道,2015-06-03,1000,120,\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n",
        code(51),
        code(52)
    );
    import(&app, &csv).await.expect("loads");
    // (user, reads the 胶西 firm, reads the 阜安 firm)
    let users = [
        ("admin", true, true),
        ("office", true, true),
        ("leader", true, true),
        ("dept", true, true),
        ("jiaoxi", true, false),
        ("fuan", false, true),
        ("manager", true, true),
        ("viewer", true, true),
    ];
    for (user, own, other) in users {
        let s = app.login(user).await;
        let list = s
            .client
            .get(s.url("/enterprises"))
            .send()
            .await
            .expect("list");
        assert_eq!(list.status(), StatusCode::OK, "{user}");
        let (st, body) = s.get_json("/api/v1/enterprises?per_page=200").await;
        assert_eq!(st, StatusCode::OK, "{user}");
        let listed: Vec<&str> = body["enterprises"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|f| f["uscc"].as_str())
            .collect();
        for (uscc, readable) in [(code(51), own), (code(52), other)] {
            let page = s
                .client
                .get(s.url(&format!("/enterprises/{uscc}")))
                .send()
                .await
                .expect("page");
            let (api, _) = s.get_json(&format!("/api/v1/enterprises/{uscc}")).await;
            let want = if readable {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!((page.status(), api), (want, want), "{user} {uscc}");
            if !readable {
                assert!(!listed.contains(&uscc.as_str()), "{user} lists {uscc}");
            }
        }
    }
}
