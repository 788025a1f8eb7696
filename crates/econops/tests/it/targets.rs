//! The targets step end to end: pages and the API run the same use cases of
//! `workflow::targets`, and a stored code the store does not know is an internal fault (500,
//! nothing of it shown), never read as a default. Also: notifications link to their task,
//! built by the page from the task id the store keeps.

use crate::support;

use reqwest::StatusCode;
use serde_json::json;
use store::Dialect;
use support::TestApp;

on_both!(
    an_unknown_stored_scope_is_an_internal_fault_not_the_city,
    the_page_and_the_api_record_the_same_actual,
    notifications_link_to_the_task_they_name,
);

async fn an_unknown_stored_scope_is_an_internal_fault_not_the_city(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let id = app.target_id("signed-projects").await;
    let office = app.login("office").await;
    let town = app.login("jiaoxi").await;
    // Written behind the store's back, with the database's guard removed.
    let drop_guard = match dialect {
        Dialect::Postgres => "ALTER TABLE targets DROP CONSTRAINT targets_scope_kind_known",
        Dialect::Sqlite => "DROP TRIGGER targets_scope_kind_known_update",
    };
    sqlx::query(drop_guard)
        .execute(app.store.pool())
        .await
        .expect("drop guard");
    sqlx::query("UPDATE targets SET scope_kind = 'province' WHERE id = $1")
        .bind(id)
        .execute(app.store.pool())
        .await
        .expect("corrupt");
    // Pages and figures are cached per data version, which every write through EconOps bumps;
    // a write behind its back must bump it too to be seen (docs/deployment.md).
    sqlx::query(
        "INSERT INTO data_versions (scope, version) VALUES ('', 1) \
         ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1",
    )
    .execute(app.store.pool())
    .await
    .expect("bump the data version");

    let resp = office
        .client
        .get(office.url(&format!("/targets/{id}")))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = resp.text().await.expect("html");
    assert!(!html.contains("province"), "the stored value is not shown");
    let (status, body) = office.get_json(&format!("/api/v1/targets/{id}")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("province"), "{body}");
    // A town user, who may read only the city's and their own town's targets, is not shown it
    // as a city target either.
    let (status, _) = town.get_json(&format!("/api/v1/targets/{id}")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // The overview reads every target: it fails whole rather than show a wrong picture.
    let resp = town
        .client
        .get(town.url("/"))
        .send()
        .await
        .expect("overview");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

async fn the_page_and_the_api_record_the_same_actual(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let token = app.token("office").await;
    let mut ids = Vec::new();
    for code in ["firms-by-page", "firms-by-api"] {
        let resp = reqwest::Client::new()
            .post(app.url("/api/v1/regions/370281/targets"))
            .bearer_auth(&token)
            .json(&json!({"year": 2025, "code": code, "metric": "new_above_scale_firms", "name": "新增规上企业", "unit": "firms", "kind": "cumulative", "value": 40, "scope": "town:jiaoxi"}))
            .send()
            .await
            .expect("create");
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: serde_json::Value = resp.json().await.expect("json");
        ids.push(body["id"].as_i64().expect("id"));
    }
    let office = app.login("office").await;
    let resp = office
        .client
        .post(office.url(&format!("/targets/{}/actuals", ids[0])))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("value", "16家"),
            ("as_of", "2025-09-30"),
            ("source", "镇街报送"),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::OK, "redirected to the target");
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/targets/{}/actuals", ids[1])))
        .bearer_auth(&token)
        .json(&json!({"value": "16家", "as_of": "2025-09-30", "source": "镇街报送"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mut recorded = Vec::new();
    for id in &ids {
        let history = app.store.actuals(*id).await.expect("actuals");
        assert_eq!(history.len(), 1);
        recorded.push((
            history[0].value,
            history[0].as_of.clone(),
            history[0].source.clone(),
        ));
    }
    assert_eq!(recorded[0], recorded[1], "one command, whichever front end");
    assert_eq!(
        recorded[0],
        (16, "2025-09-30".to_string(), "镇街报送".into())
    );

    // The same wrong-unit value is refused by both and changes nothing: the page shows it
    // (422), the API calls it a conflict with the stored target (409).
    let resp = office
        .client
        .post(office.url(&format!("/targets/{}/value", ids[0])))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("target_value", "5%"),
            ("reason", "调整"),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/targets/{}", ids[1])))
        .bearer_auth(&token)
        .json(&json!({"value": "5%", "reason": "调整"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    for id in &ids {
        let row = app
            .store
            .target(*id, "2025-12-31")
            .await
            .expect("q")
            .expect("target");
        assert_eq!(row.value, 40);
    }
}

async fn notifications_link_to_the_task_they_name(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let leader = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader");
    let notes = app
        .store
        .notifications(leader.id, false)
        .await
        .expect("notifications");
    let task = notes
        .iter()
        .find_map(|n| n.task_id)
        .expect("the demo's tasks notified the leader");
    let session = app.login("leader").await;
    let html = session
        .client
        .get(session.url("/tasks"))
        .send()
        .await
        .expect("tasks page")
        .text()
        .await
        .expect("html");
    let notes_section = &html[html.find("id=\"notifications\"").expect("notifications")..];
    assert!(
        notes_section.contains(&format!("href=\"/tasks/{task}\"")),
        "the page builds the link from the task id"
    );
}
