//! Rendered pages are served again only while nothing they show can have changed: a write
//! through the API shows on the next view of a page, each session gets its own pages, and a
//! signed-out session never gets a kept page.

use crate::support;

use reqwest::StatusCode;
use serde_json::json;
use store::Dialect;
use support::TestApp;

on_both!(
    a_write_anywhere_shows_on_the_next_view_of_a_kept_page,
    kept_pages_are_the_sessions_own_and_end_with_it
);

async fn a_write_anywhere_shows_on_the_next_view_of_a_kept_page(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let token = app.token("office").await;
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/regions/370281/targets"))
        .bearer_auth(&token)
        .json(&json!({"year": 2025, "code": "firms-cached", "metric": "new_above_scale_firms", "name": "新增规上企业", "unit": "firms", "kind": "cumulative", "value": 40, "scope": "town:jiaoxi"}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<serde_json::Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let office = app.login("office").await;
    let page = |s: &support::Session| {
        let url = s.url(&format!("/targets/{id}"));
        let client = s.client.clone();
        async move {
            let resp = client.get(url).send().await.expect("page");
            assert_eq!(resp.status(), StatusCode::OK);
            resp.text().await.expect("html")
        }
    };
    let before = page(&office).await;
    assert_eq!(before, page(&office).await, "kept while nothing changes");
    assert!(!before.contains("缓存之后的报送"));
    // Another client writes through the API; the same session's next view shows it.
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/targets/{id}/actuals")))
        .bearer_auth(&token)
        .json(&json!({"value": "17家", "as_of": "2025-09-30", "source": "缓存之后的报送"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(page(&office).await.contains("缓存之后的报送"));
}

async fn kept_pages_are_the_sessions_own_and_end_with_it(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let town = app.login("jiaoxi").await;
    let get = |s: &support::Session, path: &str| {
        let url = s.url(path);
        let client = s.client.clone();
        async move { client.get(url).send().await.expect("page") }
    };
    let office_page = get(&office, "/projects?view=table")
        .await
        .text()
        .await
        .expect("html");
    let town_page = get(&town, "/projects?view=table")
        .await
        .text()
        .await
        .expect("html");
    assert_ne!(office_page, town_page, "each session its own page");
    assert!(office_page.contains(&office.csrf));
    assert!(
        !town_page.contains(&office.csrf),
        "no other session's token"
    );
    // Signed out, the session's kept page is not served: the sign-in page is.
    let resp = office
        .client
        .post(office.url("/logout"))
        .form(&[("csrf", office.csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert!(resp.status().is_success() || resp.status().is_redirection());
    let after = get(&office, "/projects?view=table").await;
    let html = after.text().await.expect("html");
    assert!(
        !html.contains(&office.csrf),
        "the kept page is gone with the session"
    );
    assert!(html.contains("登录"), "the sign-in page");
}
