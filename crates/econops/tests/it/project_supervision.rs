//! Supervision of projects on both databases: a stage is moved on the page only with an explicit
//! confirmation (it cannot be taken back), and a leader's instruction (领导批示) on a project is
//! recorded, shown first on its page, and refused to those who may not give it or read it.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{Session, TestApp};

on_both!(a_stage_move_needs_confirmation, leaders_instruct_projects);

async fn post_form(s: &Session, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let mut pairs = vec![("csrf", s.csrf.as_str())];
    pairs.extend_from_slice(form);
    let resp = s
        .client
        .post(s.url(path))
        .form(&pairs)
        .send()
        .await
        .expect("post");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

async fn post_api(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A demo project that has a next stage, outside the town `jiaoxi`.
async fn project_outside_jiaoxi(app: &TestApp) -> (i64, String) {
    let jiaoxi = app.town_id("jiaoxi").await;
    app.store
        .projects("370281")
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.town_id != Some(jiaoxi) && p.stage == "negotiating")
        .map(|p| (p.id, p.stage))
        .expect("a negotiating project outside 胶西")
}

async fn a_stage_move_needs_confirmation(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let (id, stage) = project_outside_jiaoxi(&app).await;
    let before = app.store.count_audit().await.expect("count");
    let path = format!("/projects/{id}/stage");
    let (status, html) = post_form(&office, &path, &[("stage", "signed")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("确认推进"), "the refusal says why");
    let stored = app.store.project(id).await.expect("q").expect("p");
    assert_eq!(stored.project.stage, stage, "nothing moved");
    assert_eq!(app.store.count_audit().await.expect("count"), before);
    let (status, _) = post_form(&office, &path, &[("stage", "signed"), ("confirm", "1")]).await;
    assert!(status.is_redirection() || status.is_success(), "{status}");
    let stored = app.store.project(id).await.expect("q").expect("p");
    assert_eq!(stored.project.stage, "signed");
}

async fn leaders_instruct_projects(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let (id, _) = project_outside_jiaoxi(&app).await;
    let path = format!("/api/v1/projects/{id}/instructions");
    // Tokens first: making one is itself an audited write.
    let (leader_token, dept, jiaoxi) = (
        app.token("leader").await,
        app.token("dept").await,
        app.token("jiaoxi").await,
    );
    let (status, body) = post_api(
        &app,
        &leader_token,
        &path,
        json!({"body": "请本周内召开专题调度会"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Shown first on the project's page (before the stages), to anyone who reads the project.
    let office = app.login("office").await;
    let html = office
        .client
        .get(office.url(&format!("/projects/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    let said = html
        .find("请本周内召开专题调度会")
        .expect("the instruction is shown");
    let stages = html.find("class=\"stages\"").expect("the stages are shown");
    assert!(said < stages, "the instruction comes first");
    // A leader may instruct from the page too.
    let leader = app.login("leader").await;
    let (status, _) = post_form(
        &leader,
        &format!("/projects/{id}/instruct"),
        &[("body", "加快办理施工许可")],
    )
    .await;
    assert!(status.is_redirection() || status.is_success(), "{status}");
    assert_eq!(
        app.store.project_instructions(id).await.expect("q").len(),
        2
    );
    // Refusals change nothing: a department may not instruct; a town cannot see the project;
    // an empty instruction is refused with its field; an unknown project is not found.
    let before = app.store.count_audit().await.expect("count");
    let (status, _) = post_api(&app, &dept, &path, json!({"body": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_api(&app, &jiaoxi, &path, json!({"body": "x"})).await;
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    let (status, body) = post_api(&app, &leader_token, &path, json!({"body": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "body");
    let (status, _) = post_api(
        &app,
        &leader_token,
        "/api/v1/projects/999999/instructions",
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.count_audit().await.expect("count"), before);
}
