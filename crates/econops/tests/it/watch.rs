//! Watch lists (重点企业监测) on both databases, over the demo's firms and figures: the lists
//! exist and each firm's reason is right by the rule; the office sees them all, a town only
//! its own firms, a department none by name (statistics law); newly listed firms were
//! announced to their town once, and a re-import of the same month announces nothing again;
//! the workbook and refusals.

use crate::support;

use reqwest::StatusCode;
use serde_json::Value;
use store::Dialect;
use support::TestApp;

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    support::get_json(app, token, path).await
}

on_both!(watch_lists_by_role_and_announcements);

async fn watch_lists_by_role_and_announcements(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.token("office").await;
    let (s, all) = get(&app, "/api/v1/enterprises/watch", &office).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["period"], "2025-09");
    assert_eq!(all["hidden"], 0);
    let lines = all["lines"].as_array().expect("lines");
    assert!(
        !lines.is_empty(),
        "the demo's figures put firms on the lists"
    );
    for kind in ["exit_risk", "output_fall", "candidate"] {
        assert!(lines.iter().any(|l| l["kind"] == kind), "{kind} listed");
    }
    // Each line obeys its rule (defaults: fall beyond 20 %, risk within 110 % of the line).
    for l in lines {
        let m = l["hit"]["measure"].as_f64().expect("measure");
        match l["kind"].as_str().expect("kind") {
            "output_fall" | "electricity_fall" => assert!(m < -20.0, "{l}"),
            "exit_risk" => assert!(m < 1.1, "{l}"),
            "candidate" => assert!(m >= 0.8, "{l}"),
            other => panic!("unknown list {other}"),
        }
        assert!(!l["reason"].as_str().unwrap_or("").is_empty());
    }

    // A town sees its own firms only; a department sees none by name.
    let jiaoxi = app.token("jiaoxi").await;
    let (s, town) = get(&app, "/api/v1/enterprises/watch", &jiaoxi).await;
    assert_eq!(s, StatusCode::OK);
    let town_lines = town["lines"].as_array().expect("lines");
    assert!(
        town_lines.iter().all(|l| l["town_name"] == "胶西街道"),
        "{town}"
    );
    let own = lines
        .iter()
        .filter(|l| l["town_name"] == "胶西街道")
        .count();
    assert_eq!(town_lines.len(), own);
    assert_eq!(
        town["hidden"].as_u64().expect("hidden") as usize,
        lines.len() - own
    );
    let dept = app.token("dept").await;
    let (_, d) = get(&app, "/api/v1/enterprises/watch", &dept).await;
    assert_eq!(d["lines"].as_array().map(Vec::len), Some(0));
    assert_eq!(d["hidden"].as_u64().map(|n| n as usize), Some(lines.len()));

    // The town was told of its listed firms when the figures came in.
    let user = app
        .store
        .user_by_name("jiaoxi")
        .await
        .expect("q")
        .expect("user");
    let notes = app
        .store
        .notifications(user.id, false)
        .await
        .expect("notes");
    let watch_notes = notes
        .iter()
        .filter(|n| n.text.starts_with("【重点监测】"))
        .count();
    assert_eq!(watch_notes, own, "one notice per own listed firm and list");
    // A refresh of unchanged lists announces nothing again and writes nothing.
    let audit = app.store.count_audit().await.expect("audit");
    let again = workflow::serve::watch::refresh(
        &app.store,
        &store::Actor::system("test"),
        &analytics::watch::WatchRules::default(),
        "370281",
    )
    .await
    .expect("refresh");
    assert_eq!(again, 0);
    assert_eq!(app.store.count_audit().await.expect("audit"), audit);

    // Refusals name the field; the page and the workbook.
    for bad in ["?kind=ship", "?period=2025-9", "?period=2019-01"] {
        let (s, e) = get(&app, &format!("/api/v1/enterprises/watch{bad}"), &office).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad} {e}");
    }
    let session = app.login("office").await;
    let page = session
        .client
        .get(session.url("/enterprises/watch?kind=output_fall"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("产值大幅下降"));
    let book = session
        .client
        .get(session.url("/enterprises/watch.xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(book.status(), StatusCode::OK);
    let bytes = book.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "a workbook");
}
