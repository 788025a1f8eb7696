//! Black-box tests of the web application and API through real HTTP, on both databases.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{extract_csrf, TestApp};

on_both!(
    town_users_cannot_read_or_change_another_towns_targets,
    office_sees_the_signed_projects_target_broken_down_by_tier,
    bad_input_is_refused_with_its_location_and_changes_nothing,
    leaders_edit_only_the_tracks_they_lead,
    the_api_answers_each_refusal_with_the_status_its_document_gives,
);

/// Creates a target through the API as the office; returns its id.
async fn office_target(app: &TestApp, code: &str, metric: &str, scope: &str) -> i64 {
    let token = app.token("office").await;
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/regions/370281/targets"))
        .bearer_auth(&token)
        .json(&json!({"year": 2025, "code": code, "metric": metric, "name": "新增规上企业", "unit": "firms", "kind": "cumulative", "value": 10, "scope": scope}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn town_users_cannot_read_or_change_another_towns_targets(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let own = app.target_id("signed-projects-jiaoxi").await;
    let other = app.target_id("signed-projects-fuan").await;
    let fuan = app.town_id("fuan").await;
    let jiaoxi = app.login("jiaoxi").await;

    // Reading: the other town's targets are neither listed nor reachable.
    let (status, body) = jiaoxi
        .get_json("/api/v1/regions/370281/targets?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert!(codes.contains(&"signed-projects-jiaoxi"));
    assert!(
        codes.contains(&"signed-projects"),
        "the city's targets are public"
    );
    assert!(
        !codes.contains(&"signed-projects-fuan"),
        "another town's target leaked: {codes:?}"
    );
    let (status, _) = jiaoxi.get_json(&format!("/api/v1/targets/{other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = jiaoxi
        .client
        .get(jiaoxi.url(&format!("/targets/{other}")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let page = jiaoxi
        .client
        .get(jiaoxi.url(&format!("/towns/{fuan}")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let overview = jiaoxi
        .client
        .get(jiaoxi.url("/"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(overview.contains("data-target=\"signed-projects-jiaoxi\""));
    assert!(!overview.contains("data-target=\"signed-projects-fuan\""));

    // Writing: neither the form nor the API changes another town's target.
    let token = app.token("jiaoxi").await;
    let before = app.fingerprint().await;
    let resp = jiaoxi
        .client
        .post(jiaoxi.url(&format!("/targets/{other}/actuals")))
        .form(&[
            ("csrf", jiaoxi.csrf.as_str()),
            ("value", "99"),
            ("as_of", "2025-09-30"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = jiaoxi
        .client
        .post(jiaoxi.url(&format!("/api/v1/targets/{other}/actuals")))
        .header("x-csrf-token", &jiaoxi.csrf)
        .json(&json!({"value": 99, "as_of": "2025-09-30"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/targets/{other}")))
        .bearer_auth(&token)
        .json(&json!({"value": 1, "reason": "试图修改"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint().await, before, "nothing changed");

    // Its own town's targets it can report on (those the project pipeline does not count).
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/targets/{own}/actuals")))
        .bearer_auth(&token)
        .json(&json!({"value": "16", "as_of": "2025-10-10"}))
        .send()
        .await
        .expect("api");
    // Well formed, but the stored target is counted from the pipeline: a conflict (409).
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "signed projects come from the pipeline"
    );
    let own = office_target(
        &app,
        "jiaoxi-new-firms",
        "new_above_scale_firms",
        "town:jiaoxi",
    )
    .await;
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/targets/{own}/actuals")))
        .bearer_auth(&token)
        .json(&json!({"value": "16", "as_of": "2025-10-10", "source": "镇街报送"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let row = app
        .store
        .target(own, "2025-12-31")
        .await
        .expect("query")
        .expect("target");
    assert_eq!(row.actual, Some(16));
}

async fn office_sees_the_signed_projects_target_broken_down_by_tier(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let html = office
        .client
        .get(office.url("/?period=2025-09"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for (code, target) in [
        ("signed-projects", "200 个"),
        ("signed-projects-focus", "60 个"),
        ("signed-projects-key", "120 个"),
        ("signed-projects-layout", "20 个"),
    ] {
        let row_start = html
            .find(&format!("data-target=\"{code}\""))
            .unwrap_or_else(|| panic!("row {code} on the overview"));
        let row = &html[row_start..row_start + html[row_start..].find("</tr>").expect("row end")];
        assert!(row.contains(target), "{code} shows {target}: {row}");
        assert!(row.contains("class=\"status s-"), "{code} shows a status");
    }
    assert!(html.contains("序时进度"));
    // Layout tier: 7 of 20 at 75 % of the year is 40 pp behind: red, with its word.
    let (_, body) = office
        .get_json("/api/v1/regions/370281/targets?period=2025-09")
        .await;
    let layout = body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "signed-projects-layout")
        .expect("layout tier")
        .clone();
    assert_eq!(layout["status"], "red");
    assert_eq!(layout["status_label"], "滞后");
    assert_eq!(layout["completion_pct"], json!(35.0));
    assert_eq!(layout["lag_pp"], json!(40.0));
    assert_eq!(body["elapsed_pct"], json!(75.0));
}

async fn bad_input_is_refused_with_its_location_and_changes_nothing(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let token = app.token("office").await;
    let target = app.target_id("signed-projects").await;
    let client = reqwest::Client::new();
    let before = app.fingerprint().await;
    let send = |method: reqwest::Method, path: String, body: Option<&'static str>| {
        let client = client.clone();
        let token = token.clone();
        let url = app.url(&path);
        async move {
            let mut req = client.request(method, url).bearer_auth(token);
            if let Some(b) = body {
                req = req.header("content-type", "application/json").body(b);
            }
            let resp = req.send().await.expect("request");
            let status = resp.status();
            let ctype = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (status, ctype, body)
        }
    };
    let cases: Vec<(
        reqwest::Method,
        String,
        Option<&'static str>,
        StatusCode,
        &str,
    )> = vec![
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{target}/actuals"),
            Some(r#"{"value": "800亿元", "as_of": "2025-09-30"}"#),
            // Well formed, but not in this target's unit (个): a conflict with the target.
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{target}/actuals"),
            Some(r#"{"value": "12", "as_of": "2025-13-01"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "as_of",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{target}/actuals"),
            Some(r#"{"value": "12", "as_of": "#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{target}/actuals"),
            Some(r#"{"value": "12", "as_of": "2025-09-30", "colour": "red"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/targets/{target}"),
            Some(r#"{"value": "210", "reason": ""}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
        ),
        (
            reqwest::Method::PATCH,
            "/api/v1/targets/abc".to_string(),
            Some(r#"{"value": "210", "reason": "x"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
        ),
        (
            reqwest::Method::PATCH,
            "/api/v1/targets/999999".to_string(),
            Some(r#"{"value": "210", "reason": "x"}"#),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/regions/370281/targets".to_string(),
            Some(
                r#"{"year": 2025, "code": "signed-projects", "metric": "signed_projects", "name": "重复", "unit": "count", "kind": "cumulative", "value": 1, "scope": "city"}"#,
            ),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/regions/370281/targets".to_string(),
            Some(
                r#"{"year": 2025, "code": "new-one", "metric": "m", "name": "新目标", "unit": "count", "kind": "cumulative", "value": 1, "scope": "town:atlantis"}"#,
            ),
            // A scope that names a town the region does not have: not found.
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/regions/370281/targets".to_string(),
            Some(
                r#"{"year": 2025, "code": "new-one", "metric": "m", "name": "新目标", "unit": "litres", "kind": "cumulative", "value": 1, "scope": "city"}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unit",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/regions/999999/targets".to_string(),
            None,
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/regions/370281/targets?period=2025-13".to_string(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "period",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/nowhere".to_string(),
            None,
            StatusCode::NOT_FOUND,
            "",
        ),
    ];
    for (method, path, body, expected, field) in cases {
        let (status, ctype, problem) = send(method.clone(), path.clone(), body).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {problem}");
        assert_eq!(ctype, "application/problem+json", "{method} {path}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
        if !field.is_empty() {
            assert_eq!(problem["field"], field, "{method} {path}: {problem}");
        }
    }
    let long_name = "长".repeat(101);
    let resp = client
        .post(app.url("/api/v1/regions/370281/targets"))
        .bearer_auth(&token)
        .json(&json!({"year": 2025, "code": "new-one", "metric": "m", "name": long_name, "unit": "count", "kind": "cumulative", "value": 1, "scope": "city"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.expect("json");
    assert_eq!(problem["field"], "name");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("101")));

    // No credentials, and a session write without the CSRF header.
    let resp = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let office = app.login("office").await;
    let resp = office
        .client
        .patch(office.url(&format!("/api/v1/targets/{target}")))
        .json(&json!({"value": 1, "reason": "无 CSRF"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = office
        .client
        .post(office.url(&format!("/targets/{target}/value")))
        .form(&[("target_value", "1"), ("reason", "无 CSRF")])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // A form with a value in the wrong unit shows the message and keeps what was typed.
    let resp = office
        .client
        .post(office.url(&format!("/targets/{target}/actuals")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("value", "800亿元"),
            ("as_of", "2025-09-30"),
            ("source", "我的来源"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(html.contains("单位不符"), "the page says what is wrong");
    assert!(
        html.contains("value=\"800亿元\"") && html.contains("value=\"我的来源\""),
        "the input is kept"
    );

    assert_eq!(app.fingerprint().await, before, "nothing changed");

    // And a good write does change it, and is audited.
    let resp = office
        .client
        .post(office.url(&format!("/targets/{target}/value")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("target_value", "210"),
            ("reason", "市委常委会调整"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("200 个 → 210 个（市委常委会调整）"),
        "the change shows in the target's history"
    );
}

async fn leaders_edit_only_the_tracks_they_lead(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let led = office_target(
        &app,
        "smart-appliances-new-firms",
        "new_above_scale_firms",
        "track:smart-appliances",
    )
    .await;
    let leader2 = app.login("leader2").await;
    let before = app.fingerprint().await;
    let resp = leader2
        .client
        .post(leader2.url(&format!("/api/v1/targets/{led}/actuals")))
        .header("x-csrf-token", &leader2.csrf)
        .json(&json!({"value": 9, "as_of": "2025-10-10"}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "leader2 does not lead 智能家电"
    );
    assert_eq!(app.fingerprint().await, before);
    let leader = app.login("leader").await;
    let resp = leader
        .client
        .post(leader.url(&format!("/api/v1/targets/{led}/actuals")))
        .header("x-csrf-token", &leader.csrf)
        .json(&json!({"value": 9, "as_of": "2025-10-10"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED, "leader leads 智能家电");
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_down() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let mut last = StatusCode::OK;
    for _ in 0..5 {
        let page = client
            .get(app.url("/login"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let csrf = extract_csrf(&page).expect("csrf");
        let resp = client
            .post(app.url("/login"))
            .form(&[
                ("username", "office"),
                ("password", "guess"),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("login");
        last = resp.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = extract_csrf(&page).expect("csrf");
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "office"),
            ("password", econops::demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    let html = resp.text().await.expect("html");
    assert!(html.contains("账号已暂时锁定"));
}

#[tokio::test]
async fn login_without_the_form_token_is_refused() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let resp = reqwest::Client::new()
        .post(app.url("/login"))
        .form(&[
            ("username", "office"),
            ("password", econops::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_render_for_every_role_and_unknown_paths_answer_404() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let track = app.store.tracks("370281").await.expect("tracks")[0].id;
    let town = app.town_id("jiaoxi").await;
    let target = app.target_id("signed-projects").await;
    for user in [
        "admin", "office", "leader", "dept", "jiaoxi", "manager", "viewer",
    ] {
        let s = app.login(user).await;
        for path in [
            "/".to_string(),
            "/overview".into(),
            "/inbox".into(),
            "/search?q=%E5%AE%B6%E7%94%B5".into(),
            "/system".into(),
            format!("/tracks/{track}"),
            format!("/targets/{target}"),
        ] {
            let resp = s.client.get(s.url(&path)).send().await.expect("page");
            assert_eq!(resp.status(), StatusCode::OK, "{user} {path}");
        }
        let resp = s
            .client
            .get(s.url(&format!("/towns/{town}")))
            .send()
            .await
            .expect("page");
        let expected = if ["fuan", "manager", "dept"].contains(&user) {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::OK
        };
        assert_eq!(resp.status(), expected, "{user} town page");
        let resp = s.client.get(s.url("/audit")).send().await.expect("page");
        let expected = if ["admin", "office"].contains(&user) {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(resp.status(), expected, "{user} audit");
    }
    let s = app.login("office").await;
    for path in [
        "/nowhere",
        "/targets/abc",
        "/targets/-1",
        "/tracks/99999",
        "/assets/nothing.js",
    ] {
        let resp = s.client.get(s.url(path)).send().await.expect("page");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let resp = reqwest::Client::new()
        .get(app.url("/"))
        .send()
        .await
        .expect("page");
    assert!(
        resp.url().path().ends_with("/login"),
        "anonymous users are sent to sign in"
    );
    assert_eq!(
        reqwest::get(app.url("/healthz"))
            .await
            .expect("health")
            .text()
            .await
            .expect("body"),
        "ok"
    );
    let resp = reqwest::get(app.url("/assets/echarts.min.js"))
        .await
        .expect("asset");
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        csp.contains("default-src 'self'"),
        "no page loads from another host"
    );
}

/// The router's API routes as written in `web::App::router`: every string literal of a route
/// under `/api/` (the catch-all `/api/{*rest}` aside).
fn routed_api_paths() -> Vec<String> {
    let source = include_str!("../../../web/src/lib.rs");
    let mut paths = Vec::new();
    for piece in source.split(".route(").skip(1) {
        let Some(rest) = piece.trim_start().strip_prefix('"') else {
            continue;
        };
        let path = rest.split('"').next().unwrap_or("");
        if path.starts_with("/api/") && path != "/api/{*rest}" {
            paths.push(path.to_string());
        }
    }
    paths
}

/// A concrete URL for a documented path: the demo region, and an id that exists.
fn concrete(path: &str) -> String {
    path.replace("{code}", "370281").replace("{id}", "1")
}

const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");

    // Every route the router registers under /api is a documented path …
    let routed = routed_api_paths();
    assert!(routed.len() >= 23, "the route table was read: {routed:?}");
    for path in &routed {
        assert!(
            paths.contains_key(path),
            "{path} is routed but not documented"
        );
    }
    // … and every documented path is routed, with exactly its documented methods: any other
    // method answers 405 from the router.
    let token = app.token("office").await;
    let client = reqwest::Client::new();
    for (path, item) in paths {
        if path == "/healthz" {
            continue;
        }
        assert!(routed.contains(path), "{path} is documented but not routed");
        for method in METHODS {
            let documented = item.get(method).is_some();
            let resp = client
                .request(
                    reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                    app.url(&concrete(path)),
                )
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{\"unknown_field\": true}")
                .send()
                .await
                .expect("request");
            let status = resp.status();
            if documented {
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                let declared = &item[method]["responses"];
                assert!(
                    declared.get(status.as_str()).is_some(),
                    "{method} {path} answered {status}, which its document does not declare"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not documented, so it must not be routed"
                );
            }
        }
    }
}

/// The statuses every operation must declare, from what it takes: any caller may lack
/// credentials (401) or meet a busy database (503); a path parameter may name nothing (404)
/// and an id be malformed (422); a query string may repeat a parameter (400) or break its schema
/// (422); a body may not be JSON (415) or break its schema (422); a write may be forbidden
/// (403) or conflict with what is stored (409).
#[test]
fn every_operation_declares_the_statuses_its_inputs_can_cause() {
    let doc: Value = serde_json::from_str(include_str!("../../../web/openapi.json")).expect("json");
    let responses = doc["components"]["responses"]
        .as_object()
        .expect("responses");
    for name in responses.keys() {
        let content = &responses[name]["content"]["application/problem+json"];
        assert!(content.is_object(), "{name} is answered as problem+json");
    }
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let secured = op
                .get("security")
                .is_none_or(|s| s.as_array().is_some_and(|a| !a.is_empty()));
            if !secured {
                continue;
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            let id_in_path = params
                .iter()
                .any(|p| p["in"] == "path" && p["name"] == "id");
            let in_query = params.iter().any(|p| p["in"] == "query");
            let body = op.get("requestBody").is_some();
            let write = method != "get";
            let mut required = vec!["401", "503"];
            if in_path {
                required.push("404");
            }
            if id_in_path {
                required.push("422");
            }
            if in_query {
                required.extend(["400", "422"]);
            }
            if body {
                required.extend(["415", "422"]);
            }
            if write {
                required.extend(["403", "409"]);
            }
            for status in required {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} does not declare {status}"
                );
            }
            let declared = op["responses"].as_object().expect("responses");
            assert!(
                declared.keys().any(|k| k.starts_with('2')),
                "{method} {path} declares its success"
            );
            checked += 1;
        }
    }
    assert!(checked >= 27, "all operations were checked ({checked})");
}

/// Each kind of refusal the document names, for every operation it applies to, answered
/// with a declared status as problem+json: no credentials, a malformed id, an id that does
/// not exist, a repeated query parameter, a body that is not JSON.
#[tokio::test]
async fn every_refusal_is_declared_and_problem_json() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let doc: Value = serde_json::from_str(include_str!("../../../web/openapi.json")).expect("json");
    let token = app.token("office").await;
    let client = reqwest::Client::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            if op
                .get("security")
                .is_some_and(|s| s.as_array().is_some_and(Vec::is_empty))
            {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let query: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            // The required query parameters, with values that are right.
            let required: String = params
                .iter()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| match p["name"].as_str() {
                    Some("year") => "year=2025".to_string(),
                    Some(name) => format!("{name}=2025-09"),
                    None => String::new(),
                })
                .collect::<Vec<_>>()
                .join("&");
            let with_query = |url: String| {
                if required.is_empty() {
                    url
                } else {
                    format!("{url}?{required}")
                }
            };
            let body = op.get("requestBody").is_some();
            let mut probes: Vec<(String, bool, Option<&str>, StatusCode)> =
                vec![(concrete(path), false, None, StatusCode::UNAUTHORIZED)];
            if path.contains("{id}") {
                let malformed = path.replace("{id}", "abc").replace("{code}", "370281");
                probes.push((
                    with_query(malformed),
                    true,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
            // With a body, `{}` is refused (422) before the path is looked up.
            if path.contains("{id}") && !body {
                let missing = path.replace("{id}", "987654321");
                probes.push((with_query(missing), true, None, StatusCode::NOT_FOUND));
            }
            if path.contains("{code}") && !body {
                let missing = path.replace("{code}", "999999");
                probes.push((with_query(missing), true, None, StatusCode::NOT_FOUND));
            }
            if let Some(q) = query.first() {
                probes.push((
                    format!("{}?{q}=1&{q}=2", concrete(path)),
                    true,
                    None,
                    StatusCode::BAD_REQUEST,
                ));
            }
            if body {
                probes.push((
                    concrete(path),
                    true,
                    Some("text/plain"),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ));
            }
            for (url, with_token, ctype, expected) in probes {
                let mut req = client.request(m.clone(), app.url(&url));
                if with_token {
                    req = req.bearer_auth(&token);
                }
                if let Some(c) = ctype {
                    req = req.header("content-type", c).body("x");
                } else if op.get("requestBody").is_some() {
                    req = req.json(&json!({}));
                }
                let resp = req.send().await.expect("request");
                let status = resp.status();
                let ctype = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let body = resp.text().await.unwrap_or_default();
                assert_eq!(status, expected, "{method} {url}: {body}");
                assert_eq!(ctype, "application/problem+json", "{method} {url}: {body}");
                assert!(
                    op["responses"].get(status.as_str()).is_some(),
                    "{method} {path} answered {status}, which its document does not declare"
                );
            }
        }
    }
}

/// Refusals sorted as the document says: what breaks a field's documented form is 422, a
/// named thing that does not exist 404, and a well-formed request that conflicts with what
/// is stored (the target's unit and year, the project's stage, today's date) 409. Each case
/// answered otherwise before: 422 for the conflicts and the missing references, and the
/// lenient forms (" 2025-09-30", "2025-9", a name longer than allowed before trimming, an
/// empty investment, a float value) were accepted. Nothing refused changes anything.
async fn the_api_answers_each_refusal_with_the_status_its_document_gives(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let firms = office_target(&app, "api-firms", "api_firms", "city").await;
    let project = app.store.projects("370281").await.expect("projects")[0].id;
    let token = app.token("office").await;
    let client = reqwest::Client::new();
    // Listing tasks runs the overdue sweep, which writes; run it once before comparing.
    let sweep = client
        .get(app.url("/api/v1/tasks"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("tasks");
    assert_eq!(sweep.status(), StatusCode::OK);
    let before = app.fingerprint().await;
    let long_reason = format!("{} ", "因".repeat(200));
    let cases: Vec<(reqwest::Method, String, Value, StatusCode, &str)> = vec![
        // 409: well formed, but not for this target or not today.
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": "5.5", "as_of": "2025-09-30"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": "5", "as_of": "2024-09-30"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": "5", "as_of": "2025-12-31"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/targets/{firms}"),
            json!({"value": "5%", "reason": "调整"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/projects/{project}/stage"),
            json!({"stage": "at_capacity"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/projects/{project}/stage"),
            json!({"stage": "negotiating", "on": "2030-01-01"}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tasks".to_string(),
            json!({"title": "过期任务", "route": "stock", "town": "jiaoxi", "deadline": "2025-01-31"}),
            StatusCode::CONFLICT,
            "",
        ),
        // 404: the request names something that does not exist.
        (
            reqwest::Method::POST,
            "/api/v1/tasks".to_string(),
            json!({"title": "任务", "route": "stock", "track": "atlantis", "deadline": "2025-12-31"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tasks".to_string(),
            json!({"title": "任务", "route": "stock", "town": "jiaoxi", "remedy_id": 987654, "deadline": "2025-12-31"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/shortfalls".to_string(),
            json!({"period": "2025-09", "indicator": "industrial-va", "analysis": "分析", "towns": ["atlantis"]}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/shortfalls".to_string(),
            json!({"period": "2025-09", "indicator": "no-such-indicator", "analysis": "分析"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/projects".to_string(),
            json!({"name": "新项目", "track_id": 987654}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/regions/370281/targets".to_string(),
            json!({"year": 2025, "code": "api-child", "metric": "m", "name": "子目标", "unit": "count", "kind": "cumulative", "value": 1, "scope": "city", "parent": "no-such-target"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        // 422: the field breaks its documented form, as sent.
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": "5", "as_of": " 2025-09-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "as_of",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": 5.5, "as_of": "2025-09-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "value",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/targets/{firms}/actuals"),
            json!({"value": "1,000", "as_of": "2025-09-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "value",
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/targets/{firms}"),
            json!({"value": "5", "reason": long_reason}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/targets/{firms}"),
            json!({"value": "5", "reason": "\n调整"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/projects".to_string(),
            json!({"name": "新项目", "total_investment": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "total_investment",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/projects".to_string(),
            json!({"name": "新项目", "investor": "投".repeat(101)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "investor",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/projects".to_string(),
            json!({"investor": "某公司"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tasks".to_string(),
            json!({"title": "任务", "route": "stock", "deadline": "2025-12-31"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "track",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/tasks".to_string(),
            json!({"title": "任务", "route": " stock", "town": "jiaoxi", "deadline": "2025-12-31"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "route",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/projects/{project}/stage"),
            json!({"stage": "签约"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "stage",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/regions/370281/targets?period=2025-9".to_string(),
            Value::Null,
            StatusCode::UNPROCESSABLE_ENTITY,
            "period",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/tasks?status=".to_string(),
            Value::Null,
            StatusCode::UNPROCESSABLE_ENTITY,
            "status",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/projects?stage=".to_string(),
            Value::Null,
            StatusCode::UNPROCESSABLE_ENTITY,
            "stage",
        ),
    ];
    for (method, path, body, expected, field) in cases {
        let mut req = client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let problem: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, expected, "{method} {path} {body}: {problem}");
        assert_eq!(ctype, "application/problem+json", "{method} {path}");
        if field.is_empty() {
            assert!(problem.get("field").is_none(), "{method} {path}: {problem}");
        } else {
            assert_eq!(problem["field"], field, "{method} {path}: {problem}");
        }
    }
    assert_eq!(
        app.fingerprint().await,
        before,
        "a refused request changed something"
    );
    // The forms the document gives are accepted.
    let resp = client
        .post(app.url(&format!("/api/v1/targets/{firms}/actuals")))
        .bearer_auth(&token)
        .json(&json!({"value": 7, "as_of": "2025-09-30", "note": ""}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&token)
        .json(&json!({"name": "文档写法的项目", "total_investment": "8000万元", "investor": null}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_targets_api_matches_its_snapshot() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let (status, body) = office
        .get_json("/api/v1/regions/370281/targets?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK);
    let first: Vec<Value> = body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .take(8)
        .cloned()
        .collect();
    insta::assert_json_snapshot!(
        "targets_2025_09",
        json!({"elapsed_pct": body["elapsed_pct"], "period": body["period"], "targets": first})
    );
}

#[tokio::test]
async fn the_system_overview_matches_each_tracks_own_matrix() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let (status, system) = office.get_json("/api/v1/regions/370281/system").await;
    assert_eq!(status, StatusCode::OK);
    let mut seen = 0;
    for tier in system["tiers"].as_array().expect("tiers") {
        for detail in tier["tracks"].as_array().expect("tracks") {
            let id = detail["track"]["id"].as_i64().expect("id");
            let (_, own) = office.get_json(&format!("/api/v1/tracks/{id}")).await;
            assert_eq!(detail, &own, "track {id}");
            seen += 1;
        }
    }
    assert_eq!(seen, 22, "all 22 tracks");
    let with_chain = system["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .flat_map(|t| t["tracks"].as_array().cloned().unwrap_or_default())
        .filter(|d| {
            !d["chain_leaders"]
                .as_array()
                .map(Vec::is_empty)
                .unwrap_or(true)
        })
        .count();
    assert!(with_chain > 0, "chain leaders are loaded");
}
