//! Plausible input end to end, on both databases: each implausible number or date is refused
//! through the API and through the page with the field, the value and the allowed range; the
//! page shows again what was typed; and nothing is written (the audit log, which every write
//! goes through, keeps its size, and the stored row is unchanged). A large investment passes
//! only with its explicit confirmation. Imports report the row and the column.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{Session, TestApp};

on_both!(
    investments_are_bounded_and_large_ones_confirmed,
    project_figures_and_dates_are_plausible,
    tasks_services_and_targets_are_plausible,
    imported_values_are_plausible
);

async fn post_json(s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = s
        .client
        .post(s.url(path))
        .header("x-csrf-token", s.csrf.clone())
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

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

async fn audit_size(app: &TestApp) -> i64 {
    app.store.count_audit().await.expect("count")
}

/// A demo project at or after signing, with its id and signing date.
async fn signed_project(app: &TestApp) -> (i64, String) {
    for p in app.store.projects("370281").await.expect("projects") {
        if matches!(p.stage.as_str(), "signed" | "registered" | "started") && p.code_name.is_empty()
        {
            let d = app.store.project(p.id).await.expect("q").expect("detail");
            if let Some(s) = d.stages.iter().find(|s| s.stage == "signed") {
                return (p.id, s.on_date.clone());
            }
        }
    }
    panic!("the demo has a signed project");
}

async fn investments_are_bounded_and_large_ones_confirmed(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;

    // API: beyond the hard limit, with the field, the value and the range; nothing written.
    let before = audit_size(&app).await;
    let (status, body) = post_json(
        &office,
        "/api/v1/projects",
        json!({"name": "巨额项目", "total_investment": 99_999_999, "confirm_large_investment": true}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "total_investment");
    assert_eq!(
        body["detail"],
        "总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元"
    );
    // Above the soft limit without the confirmation: refused, naming the confirmation.
    let (status, body) = post_json(
        &office,
        "/api/v1/projects",
        json!({"name": "大项目", "total_investment": "500亿元"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "confirm_large_investment");
    assert!(
        body["detail"].as_str().unwrap_or("").contains("500 亿元"),
        "{body}"
    );
    assert_eq!(audit_size(&app).await, before, "nothing written");
    // ... and with it, accepted.
    let (status, body) = post_json(
        &office,
        "/api/v1/projects",
        json!({"name": "大项目", "total_investment": "500亿元", "confirm_large_investment": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().expect("id");

    // Page: the edit form refuses 99,999,999 亿元, keeps what was typed, writes nothing.
    let path = format!("/projects/{id}/edit");
    let before = audit_size(&app).await;
    let (status, html) = post_form(&office, &path, &[("total_investment", "99999999")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元"),
        "the refusal names field, value and range"
    );
    assert!(
        html.contains("value=\"99999999\""),
        "what was typed is shown again"
    );
    // Above the soft limit: the confirmation checkbox appears, the typed value stays.
    let (status, html) = post_form(&office, &path, &[("total_investment", "800")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("name=\"confirm_large_investment\"") && html.contains("value=\"800\""));
    assert_eq!(audit_size(&app).await, before, "nothing written");
    let stored = app.store.project(id).await.expect("q").expect("p");
    assert_eq!(stored.project.total_investment, Some(50_000_000_000));
    let (status, _) = post_form(
        &office,
        &path,
        &[
            ("total_investment", "800"),
            ("confirm_large_investment", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "confirmed: saved and shown");
    let stored = app.store.project(id).await.expect("q").expect("p");
    assert_eq!(stored.project.total_investment, Some(80_000_000_000));
}

async fn project_figures_and_dates_are_plausible(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let (id, signed_on) = signed_project(&app).await;
    let path = format!("/projects/{id}/edit");
    let stored = app.store.project(id).await.expect("q").expect("p").project;

    // A value added six times the investment (and no output) is refused, on a new project.
    let (status, body) = post_json(
        &office,
        "/api/v1/projects",
        json!({"name": "小项目", "total_investment": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let small = body["id"].as_i64().expect("id");
    let before = audit_size(&app).await;
    let (status, html) = post_form(
        &office,
        &format!("/projects/{small}/edit"),
        &[("total_investment", "1"), ("value_added_at_capacity", "6")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("达产增加值 6 亿元 超出允许范围 0–5 亿元（不超过总投资的 5 倍）"),
        "value added against the investment: {}",
        html.lines()
            .find(|l| l.contains("class=\"error\""))
            .unwrap_or("")
    );
    assert!(html.contains("value=\"6\""));
    // Value added above the output at capacity.
    let (status, html) = post_form(
        &office,
        &path,
        &[
            ("total_investment", "2"),
            ("output_at_capacity", "3"),
            ("value_added_at_capacity", "4"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("达产增加值 4 亿元 超出允许范围 0–3 亿元（不超过达产产值）"));
    // A production month before the signing.
    let month = format!("{}-01", &signed_on[..4].parse::<i32>().expect("year") - 1);
    let (status, html) = post_form(&office, &path, &[("expected_production_month", &month)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&format!("预计投产月份 {month} 超出允许范围")));
    assert!(html.contains("不早于签约月份"));
    assert!(html.contains(&format!("value=\"{month}\"")));
    assert_eq!(audit_size(&app).await, before, "nothing written");
    let after = app.store.project(id).await.expect("q").expect("p").project;
    assert_eq!(
        (
            after.total_investment,
            after.value_added_at_capacity,
            after.expected_production_month
        ),
        (
            stored.total_investment,
            stored.value_added_at_capacity,
            stored.expected_production_month
        )
    );

    // A stage dated before the stage reached last: 409 through the API, 422 on the page.
    let d = app.store.project(id).await.expect("q").expect("p");
    let last = d
        .stages
        .iter()
        .map(|s| s.on_date.clone())
        .max()
        .expect("a stage");
    let next = domain::project::Stage::parse(&d.project.stage)
        .and_then(|s| s.next())
        .expect("a next stage");
    let (status, body) = post_json(
        &office,
        &format!("/api/v1/projects/{id}/stage"),
        json!({"stage": next.code(), "on": "2000-01-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("阶段日期 2000-01-01 超出允许范围") && detail.contains(&last),
        "{detail}"
    );
    let (status, html) = post_form(
        &office,
        &format!("/projects/{id}/stage"),
        &[
            ("stage", next.code()),
            ("on", "2000-01-01"),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("阶段日期 2000-01-01 超出允许范围"));
    assert_eq!(audit_size(&app).await, before, "nothing written");
}

async fn tasks_services_and_targets_are_plausible(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let before = audit_size(&app).await;

    // A task's expected effect: beyond the absolute bound (API) ...
    let (status, body) = post_json(
        &office,
        "/api/v1/tasks",
        json!({"title": "扩产", "route": "stock", "track": "smart-appliances",
               "deadline": "2025-12-31", "expected_pp": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "expected_pp");
    assert_eq!(
        body["detail"],
        "预期成效 5 个百分点 超出允许范围 0–2 个百分点"
    );
    assert_eq!(audit_size(&app).await, before, "nothing written");
    // ... and beyond ten times its shortfall's gap (a shortfall with a small gap, written as
    // the analysis would write it).
    let mut tx = app.store.begin_write().await.expect("begin");
    let small = tx
        .create_shortfall(
            &store::Actor::system("test"),
            &store::claim::NewShortfall {
                region_code: "370281".into(),
                period: "2025-08".into(),
                indicator: "industrial-va".into(),
                indicator_name: "规上工业增加值".into(),
                real_growth_pct: Some(4.9),
                target_growth_pct: 5.0,
                shortfall_pp: Some(0.03),
                sensitivity: 0.3,
                sentence: "差 0.03 个百分点".into(),
                snapshot_json: "{}".into(),
                analysis: "工业略弱".into(),
                links: vec![],
            },
        )
        .await
        .expect("shortfall");
    tx.commit().await.expect("commit");
    let before = audit_size(&app).await;
    let (status, body) = post_json(
        &office,
        "/api/v1/tasks",
        json!({"title": "扩产", "route": "stock", "track": "smart-appliances",
               "shortfall_id": small, "deadline": "2025-12-31", "expected_pp": 0.31}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["detail"],
        "预期成效 0.31 个百分点 超出允许范围 0–0.3 个百分点（短板缺口 0.03 个百分点的 10 倍以内）"
    );
    assert_eq!(audit_size(&app).await, before, "nothing written");
    // At the limit it is accepted (and written).
    let (status, body) = post_json(
        &office,
        "/api/v1/tasks",
        json!({"title": "扩产", "route": "stock", "track": "smart-appliances",
               "shortfall_id": small, "deadline": "2025-12-31", "expected_pp": 0.3}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let before = audit_size(&app).await;
    // A deadline in an implausible year.
    let (status, body) = post_json(
        &office,
        "/api/v1/tasks",
        json!({"title": "扩产", "route": "stock", "track": "smart-appliances",
               "deadline": "2099-12-31"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "deadline");
    // The page's task form: refused, what was typed shown again.
    let smart = app
        .store
        .tracks("370281")
        .await
        .expect("tracks")
        .into_iter()
        .find(|t| t.code == "smart-appliances")
        .expect("track");
    let track = smart.id.to_string();
    let small_id = small.to_string();
    let suggested = app
        .store
        .suggest_remedies("370281", "industrial-va", &[smart.id])
        .await
        .expect("suggest");
    let remedy = suggested[0].0.id.to_string();
    let (status, html) = post_form(
        &office,
        "/tasks",
        &[
            ("shortfall_id", &small_id),
            ("remedy_id", &remedy),
            ("title", "配套企业稳产扩产"),
            ("route", "stock"),
            ("track_id", &track),
            ("deadline", "2025-11-30"),
            ("expected_pp", "99999999"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("预期成效 99,999,999 个百分点 超出允许范围 0–2 个百分点"));
    assert!(html.contains("value=\"99999999\"") && html.contains("value=\"配套企业稳产扩产\""));

    // A service visit in the future, on a task with an enterprise.
    let tasks = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let mut served = None;
    for t in &tasks {
        let d = app.store.task(t.id).await.expect("q").expect("task");
        if let Some(e) = d.enterprises.first() {
            served = Some((t.id, e.enterprise_id));
            break;
        }
    }
    let (task_id, enterprise) = served.expect("a task with an enterprise");
    let (status, html) = post_form(
        &office,
        &format!("/tasks/{task_id}/service"),
        &[
            ("enterprise_id", &enterprise.to_string()),
            ("action", "走访企业"),
            ("happened_on", "2025-12-01"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("服务日期 2025-12-01 超出允许范围 2000-01-01 至 2025-10-14"));
    assert!(html.contains("value=\"走访企业\"") && html.contains("value=\"2025-12-01\""));
    // A lead's investment beyond the hard limit, with the typed values kept (on a task that
    // sources projects).
    let attract = tasks
        .iter()
        .find(|t| t.route == "attract")
        .expect("an attract task");
    let (status, html) = post_form(
        &office,
        &format!("/tasks/{}/lead", attract.id),
        &[("name", "某配套项目"), ("estimated_investment", "99999999")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("预计投资 99,999,999 亿元 超出允许范围 0–2,000 亿元"));
    assert!(html.contains("value=\"某配套项目\""));

    // A target's actual far beyond its unit's range: 409 through the API, 422 on the page.
    let target = app.target_id("signed-investment").await;
    let (status, body) = post_json(
        &office,
        &format!("/api/v1/targets/{target}/actuals"),
        json!({"value": "99999999", "as_of": "2025-10-10"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["detail"],
        "累计完成 99,999,999 亿元 超出允许范围 0–20,000 亿元"
    );
    let (status, html) = post_form(
        &office,
        &format!("/targets/{target}/value"),
        &[("target_value", "99999999"), ("reason", "调整")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("全年目标 99,999,999 亿元 超出允许范围 0–20,000 亿元"));
    assert!(html.contains("value=\"99999999\""));
    assert_eq!(audit_size(&app).await, before, "nothing written");
}

async fn imported_values_are_plausible(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let actor = store::Actor::system("test");
    let before = audit_size(&app).await;
    let table = io::table::read_csv(
        "obs.csv",
        "period,indicator,ytd_value,ytd_growth_pct\n2025-09,gdp,99999999,5\n2025-09,industrial-va,,150\n"
            .as_bytes(),
    )
    .expect("csv");
    let err =
        workflow::imports::observations(&app.store, &actor, "370281", &table, true, &mut |_, _| {})
            .await
            .expect_err("implausible rows");
    let text = err.to_string();
    assert!(
        text.contains("第 3 行") && text.contains("ytd_growth_pct"),
        "{text}"
    );
    assert!(text.contains("−100%–100%"), "{text}");
    // The growth error stops the parse; the value range applies once the rows parse.
    let table = io::table::read_csv(
        "obs.csv",
        "period,indicator,ytd_value,ytd_growth_pct\n2025-09,gdp,99999999,5\n".as_bytes(),
    )
    .expect("csv");
    let err =
        workflow::imports::observations(&app.store, &actor, "370281", &table, true, &mut |_, _| {})
            .await
            .expect_err("implausible value");
    let text = err.to_string();
    assert!(
        text.contains("第 2 行") && text.contains("ytd_value") && text.contains("超出允许范围"),
        "{text}"
    );
    assert_eq!(audit_size(&app).await, before, "nothing written");
}
