//! Black-box tests of the web application and API through real HTTP, on both databases.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{extract_csrf, TestApp};

on_both!(
    town_users_cannot_read_or_change_another_towns_targets,
    office_sees_the_signed_projects_target_broken_down_by_tier,
    bad_input_is_refused_with_its_location_and_changes_nothing,
    leaders_edit_only_the_tracks_they_lead,
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
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
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
            StatusCode::UNPROCESSABLE_ENTITY,
            "value",
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
            StatusCode::UNPROCESSABLE_ENTITY,
            "scope",
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
    for (path, method) in [
        ("/api/v1/me", "get"),
        ("/api/v1/regions", "get"),
        ("/api/v1/regions/{code}/system", "get"),
        ("/api/v1/regions/{code}/targets", "get"),
        ("/api/v1/regions/{code}/targets", "post"),
        ("/api/v1/targets/{id}", "get"),
        ("/api/v1/targets/{id}", "patch"),
        ("/api/v1/targets/{id}/actuals", "post"),
        ("/api/v1/tracks/{id}", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/regions/{code}/analysis", "get"),
        ("/api/v1/indicators", "get"),
        ("/api/v1/regions/{code}/model", "get"),
        ("/api/v1/shortfalls", "post"),
        ("/api/v1/remedies", "get"),
        ("/api/v1/tasks", "post"),
        ("/api/v1/tasks", "get"),
        ("/api/v1/tasks/{id}", "get"),
        ("/api/v1/tasks/{id}/claim", "post"),
        ("/api/v1/tasks/{id}/progress", "post"),
        ("/api/v1/projects", "post"),
        ("/api/v1/projects", "get"),
        ("/api/v1/projects/{id}", "get"),
        ("/api/v1/projects/{id}/stage", "post"),
        ("/api/v1/projects/{id}/approval", "get"),
        ("/api/v1/projects/{id}/approval", "post"),
        ("/api/v1/regions/{code}/pipeline-contribution", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
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
