//! Shortfalls (短板) after issue 9: at most one open per region, indicator and period — a
//! second is refused on the page (with a link to the first) and in the API (409 naming it),
//! parallel opens leave one — and the shortfall list (短板清单) on the page and in the API.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::TestApp;

on_both!(parallel_api_opens_leave_one_open_shortfall);

/// The demo opened industrial-va for 2025-09; this is its id.
async fn demo_shortfall(app: &TestApp) -> i64 {
    app.store
        .open_shortfall_id("370281", "industrial-va", "2025-09")
        .await
        .expect("q")
        .expect("the demo opened it")
}

#[tokio::test]
async fn a_second_open_shortfall_is_refused_by_the_api_with_the_first_named() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let first = demo_shortfall(&app).await;
    let before = app.store.shortfalls("370281").await.expect("list").len();
    let token = app.token("office").await;
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/shortfalls"))
        .bearer_auth(&token)
        .json(&json!({"period": "2025-09", "indicator": "industrial-va", "analysis": "再开一次"}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.expect("problem");
    assert_eq!(problem["existing_id"], first, "{problem}");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains(&format!("短板 {first}"))
            && detail.contains(&format!("/shortfalls/{first}")),
        "{detail}"
    );
    assert_eq!(
        app.store.shortfalls("370281").await.expect("list").len(),
        before,
        "nothing was written"
    );
    // Another period of the same indicator is another shortfall.
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/shortfalls"))
        .bearer_auth(&token)
        .json(&json!({"period": "2025-08", "indicator": "industrial-va", "analysis": "八月"}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::CREATED);
}

/// Eight parallel API requests to open the same shortfall (after the demo's is closed): one
/// is created, the others are answered 409 with its id, and one shortfall is open.
async fn parallel_api_opens_leave_one_open_shortfall(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let first = demo_shortfall(&app).await;
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.close_shortfall(&store::Actor::system("test"), first, "重新分析")
        .await
        .expect("close");
    tx.commit().await.expect("commit");
    let token = app.token("office").await;
    let client = reqwest::Client::new();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let req = client
                .post(app.url("/api/v1/shortfalls"))
                .bearer_auth(&token)
                .json(&json!({"period": "2025-09", "indicator": "industrial-va", "analysis": format!("并发 {i}")}));
            tokio::spawn(async move {
                let resp = req.send().await.expect("post");
                let status = resp.status();
                (status, resp.json::<Value>().await.expect("json"))
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for h in handles {
        let (status, body) = h.await.expect("joined");
        match status {
            StatusCode::CREATED => created.push(body["id"].as_i64().expect("id")),
            StatusCode::CONFLICT => refused.push(body),
            // A busy database is a legitimate answer to a race; it wrote nothing.
            StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("a racing open answers 201 or 409, not {other}: {body}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one is created: {refused:?}");
    for p in &refused {
        assert_eq!(p["existing_id"], created[0], "{p}");
    }
    assert_eq!(
        app.store
            .open_shortfall_id("370281", "industrial-va", "2025-09")
            .await
            .expect("q"),
        Some(created[0])
    );
    let open: Vec<_> = app
        .store
        .shortfalls("370281")
        .await
        .expect("list")
        .into_iter()
        .filter(|s| {
            s.indicator == "industrial-va" && s.period == "2025-09" && s.closed_at.is_none()
        })
        .collect();
    assert_eq!(open.len(), 1);
}

#[tokio::test]
async fn the_shortfall_list_shows_every_shortfall_with_its_tasks() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let tasks_page = office
        .client
        .get(office.url("/tasks"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        tasks_page.contains("<a href=\"/shortfalls\">短板清单</a>"),
        "reachable from 领任务"
    );
    let resp = office
        .client
        .get(office.url("/shortfalls"))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    let all = app.store.shortfalls("370281").await.expect("list");
    assert_eq!(all.len(), 2, "the demo opened two");
    // Newest first, each with its frozen gap and its tasks.
    let positions: Vec<usize> = all
        .iter()
        .map(|s| {
            html.find(&format!("data-shortfall=\"{}\"", s.id))
                .expect("listed")
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "newest first");
    let industry = all
        .iter()
        .find(|s| s.indicator == "industrial-va")
        .expect("industry");
    assert!(html.contains(&format!(
        "{:.2}",
        industry.shortfall_pp.expect("frozen gap")
    )));
    let tasks = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let industry_tasks: Vec<_> = tasks
        .iter()
        .filter(|t| t.shortfall_id == Some(industry.id))
        .collect();
    assert!(!industry_tasks.is_empty());
    for t in &industry_tasks {
        assert!(
            html.contains(&format!("data-task=\"{}\"", t.id)),
            "{}",
            t.title
        );
    }
    assert!(html.contains("短板清单") && html.contains("任务预期合计"));

    // The API answers the same list, with the expected pp summed over live tasks.
    let (status, body) = office.get_json("/api/v1/shortfalls").await;
    assert_eq!(status, StatusCode::OK);
    let list = body["shortfalls"].as_array().expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["shortfall"]["id"], all[0].id);
    let entry = list
        .iter()
        .find(|e| e["shortfall"]["id"] == industry.id)
        .expect("industry");
    let expected: f64 = industry_tasks
        .iter()
        .filter(|t| t.state != "cancelled")
        .filter_map(|t| t.expected_pp)
        .sum();
    assert!(
        (entry["expected_pp"].as_f64().unwrap_or(0.0) - expected).abs() < 1e-9,
        "{entry}"
    );
    assert_eq!(entry["open"], true);
}

/// A town user reads the list, but not another town's tasks under it.
#[tokio::test]
async fn the_shortfall_list_respects_the_task_read_rule() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let town_user = app.login("jiaoxi").await;
    let (status, body) = town_user.get_json("/api/v1/shortfalls").await;
    assert_eq!(status, StatusCode::OK);
    let me = app
        .store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == "jiaoxi")
        .expect("the jiaoxi town user");
    let all_tasks = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let listed: Vec<i64> = body["shortfalls"]
        .as_array()
        .expect("list")
        .iter()
        .flat_map(|e| e["tasks"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["id"].as_i64())
        .collect();
    for t in &all_tasks {
        if t.town_id.is_some() && t.town_id != me.town_id {
            assert!(
                !listed.contains(&t.id),
                "another town's task {} is hidden",
                t.id
            );
        }
    }
    assert!(
        all_tasks
            .iter()
            .any(|t| t.shortfall_id.is_some() && t.town_id.is_some() && t.town_id != me.town_id),
        "the demo has another town's task under a shortfall, so the rule is exercised"
    );
}
