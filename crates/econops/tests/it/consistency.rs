//! One source for every figure: on the demo, GDP growth, the gap, signed projects by tier and
//! signed investment read the same on 总览, 找位置, the API and `econops analyze --json`, on
//! both databases; a target measured by an indicator takes its actual from the observations
//! only; and the gap ledger moves at once when a project starts producing or a task is done.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use store::Dialect;
use support::TestApp;

on_both!(
    the_headline_figures_read_the_same_everywhere,
    an_indicator_target_takes_its_actual_from_the_statistics_only,
    the_gap_ledger_moves_with_a_project_in_production_and_a_task_done
);

/// The `data-figure="…" data-value="…"` pairs of a page.
fn figures_of(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-figure=\"") {
        rest = &rest[at + "data-figure=\"".len()..];
        let Some(end) = rest.find('"') else { break };
        let name = rest[..end].to_string();
        let Some(v) = rest.find("data-value=\"") else {
            break;
        };
        let value_start = &rest[v + "data-value=\"".len()..];
        let Some(vend) = value_start.find('"') else {
            break;
        };
        out.insert(name, value_start[..vend].to_string());
    }
    out
}

/// The same pairs from the `headline` of an API or command-line answer.
fn figures_of_json(h: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let num = |v: &Value| format!("{:.2}", v.as_f64().expect("a number"));
    out.insert("gdp_growth".into(), num(&h["gdp_growth"]["value"]));
    if !h["gdp_reported"].is_null() {
        out.insert("gdp_model".into(), num(&h["gdp_model"]["value"]));
    }
    if !h["gdp_level_yi"].is_null() {
        out.insert("gdp_level".into(), num(&h["gdp_level_yi"]["value"]));
    }
    out.insert("gap".into(), num(&h["gap_pp"]["value"]));
    out.insert(
        "signed_projects".into(),
        h["signed_projects"]["value"].to_string(),
    );
    out.insert(
        "signed_investment".into(),
        h["signed_investment"]["value"].to_string(),
    );
    for t in h["signed_by_tier"].as_array().expect("tiers") {
        out.insert(
            format!("signed_projects.{}", t["code"].as_str().expect("code")),
            t["projects"].to_string(),
        );
    }
    out
}

async fn page(s: &support::Session, path: &str) -> String {
    let resp = s.client.get(s.url(path)).send().await.expect("page");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.expect("html")
}

async fn the_headline_figures_read_the_same_everywhere(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let overview = figures_of(&page(&office, "/?period=2025-09").await);
    let locate = figures_of(&page(&office, "/locate?period=2025-09").await);
    let (status, api) = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK, "{api}");
    let cli = Command::new(env!("CARGO_BIN_EXE_econops"))
        .args([
            "analyze",
            "--db",
            &app.db.url,
            "--region",
            "370281",
            "--period",
            "2025-09",
            "--json",
        ])
        .env_remove("ECONOPS_DB")
        .output()
        .expect("run econops");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("json");

    // The bureau's figure (统计快报) is the one used; the model's estimate and its error shown.
    let h = &api["headline"];
    assert_eq!(h["gdp_growth"]["basis"], "reported");
    assert_eq!(h["gdp_growth"]["basis_label"], "统计快报");
    assert_eq!(h["gdp_growth"]["as_of_label"], "截至 9 月底");
    assert_eq!(h["gdp_growth"]["value"], 5.1);
    let model = h["gdp_model"]["value"].as_f64().expect("model");
    assert_eq!(h["gdp_model"]["basis_label"], "模型测算");
    assert_eq!(h["signed_projects"]["basis_label"], "项目库汇总");
    assert_eq!(
        api["gdp_growth_pct"].as_f64(),
        Some(model),
        "the model's figure"
    );
    let error = h["model_error_pp"].as_f64().expect("error");
    assert!((error - (model - 5.1)).abs() < 1e-9, "{error}");
    let gap = h["gap_pp"]["value"].as_f64().expect("gap");
    assert!(
        (gap - (5.1 - 5.6)).abs() < 1e-9,
        "the gap from the reported figure: {gap}"
    );
    assert_eq!(h["signed_projects"]["value"], 140);
    assert_eq!(h["signed_projects"]["as_of_label"], "截至 9 月底");

    let expected = figures_of_json(h);
    assert!(expected.len() >= 8, "{expected:?}");
    assert_eq!(overview, expected, "总览 and the API");
    assert_eq!(locate, expected, "找位置 and the API");
    assert_eq!(
        figures_of_json(&cli["headline"]),
        expected,
        "the command line and the API"
    );
    // The pipeline card of 找位置 (and its API) leaves the gap the ledger leaves without tasks.
    let (status, pipe) = office
        .get_json("/api/v1/regions/370281/pipeline-contribution?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK, "{pipe}");
    let (status, led) = office
        .get_json("/api/v1/regions/370281/gap-ledger?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK, "{led}");
    let f = |v: &Value| v.as_f64().expect("a number");
    let l = &led["ledger"];
    assert!((f(&pipe["gap_pp"]) - f(&l["gap_pp"])).abs() < 1e-9);
    assert!((f(&pipe["still_to_come_producing_pp"]) - f(&l["producing_pp"])).abs() < 1e-9);
    let after = f(&l["gap_pp"])
        + f(&l["producing_pp"])
        + f(&l["on_schedule_pp"])
        + f(&l["late_on_schedule_pp"]);
    assert!(
        (f(&pipe["gap_if_on_schedule_pp"]) - after).abs() < 1e-9,
        "{pipe} {led}"
    );
    // 项目库 names the year's new signings from the same source, beside its own totals.
    let library = figures_of(&page(&office, "/projects?period=2025-09").await);
    assert_eq!(
        library.get("signed_projects"),
        expected.get("signed_projects")
    );
    assert_eq!(
        library.get("signed_investment"),
        expected.get("signed_investment")
    );

    // The targets on 总览 count the same projects as the headline (tier by tier).
    let targets = app
        .store
        .targets("370281", 2025, "2025-09-30")
        .await
        .expect("targets");
    let tiers = app.store.tiers("370281").await.expect("tiers");
    for t in targets.iter().filter(|t| t.metric == "signed_projects") {
        let key = match t.scope_kind.as_str() {
            "city" => "signed_projects".to_string(),
            "tier" => {
                let tier = tiers
                    .iter()
                    .find(|x| Some(x.id) == t.scope_id)
                    .expect("tier");
                format!("signed_projects.{}", tier.code)
            }
            _ => continue,
        };
        assert_eq!(
            t.actual.map(|a| a.to_string()),
            expected.get(&key).cloned(),
            "{key}"
        );
    }

    // January is answered as 1–2 月, as the bureau publishes it, and the picker offers only
    // periods with data.
    let jan = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-01")
        .await;
    let feb = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-02")
        .await;
    assert_eq!(jan, feb, "January is answered as 1–2 月");
    let html = page(&office, "/locate?period=2025-01").await;
    assert!(html.contains("2025 年 1–2 月"), "labelled 1–2 月");
    assert!(
        !html.contains("value=\"2025-01\""),
        "January alone is not offered"
    );
    assert!(
        !html.contains("value=\"2025-11\""),
        "no data for November yet"
    );
    assert!(html.contains("value=\"2025-09\""));
}

async fn an_indicator_target_takes_its_actual_from_the_statistics_only(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let id = app.target_id("gdp-growth").await;
    let row = app
        .store
        .target(id, "2025-09-30")
        .await
        .expect("query")
        .expect("target");
    assert_eq!(
        row.actual,
        Some(510),
        "5.1 % from the observation of 1–9 月"
    );
    assert_eq!(row.actual_source.as_deref(), Some("observations"));
    // The trade target's reported 10.4 % gives way to the bureau's 11.0 %.
    let trade = app.target_id("trade-growth").await;
    let trade = app
        .store
        .target(trade, "2025-09-30")
        .await
        .expect("query")
        .expect("target");
    assert_eq!(trade.actual, Some(1100));

    let before = app.fingerprint().await;
    let resp = office
        .client
        .post(office.url(&format!("/api/v1/targets/{id}/actuals")))
        .header("x-csrf-token", &office.csrf)
        .json(&json!({"value": "5.9", "as_of": "2025-09-30"}))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body: Value = resp.json().await.expect("problem");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("/locate/import"), "{body}");
    let resp = office
        .client
        .post(office.url(&format!("/targets/{id}/actuals")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("value", "5.9"),
            ("as_of", "2025-09-30"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(app.fingerprint().await, before, "nothing changed");
    // The target page shows where the value comes from instead of an entry form.
    let html = page(&office, &format!("/targets/{id}")).await;
    assert!(html.contains("data-observed=\"gdp\""), "{html}");
    assert!(!html.contains(&format!("action=\"/targets/{id}/actuals\"")));
}

async fn the_gap_ledger_moves_with_a_project_in_production_and_a_task_done(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let ledger = |s: &support::Session| {
        let s = s.client.clone();
        let url = office.url("/api/v1/regions/370281/gap-ledger?period=2025-09");
        async move {
            let resp = s.get(url).send().await.expect("ledger");
            assert_eq!(resp.status(), StatusCode::OK);
            let v: Value = resp.json().await.expect("json");
            v
        }
    };
    let before = ledger(&office).await;
    let l = &before["ledger"];
    let gap = l["gap_pp"].as_f64().expect("gap");
    assert!((gap - (5.1 - 5.6)).abs() < 1e-9, "{before}");
    let covered = l["covered_pp"].as_f64().expect("covered");
    let uncovered = l["uncovered_pp"].as_f64().expect("uncovered");
    assert!(
        (uncovered - (-(gap + covered)).max(0.0)).abs() < 1e-9,
        "{before}"
    );
    assert!(
        uncovered > 0.0,
        "the demo's gap is not covered yet: {before}"
    );
    // The page shows the same ledger, and marks the indicator that already has a shortfall.
    let html = page(&office, "/locate?period=2025-09").await;
    assert!(html.contains(&format!("data-ledger-uncovered=\"{:.4}\"", uncovered)));
    assert!(
        html.contains("data-work=\"industrial-va\""),
        "open shortfall marked"
    );

    // A started project whose production was planned for next year starts producing today.
    let today = domain::period::format_date(app.store.now().date());
    let project = app
        .store
        .projects("370281")
        .await
        .expect("projects")
        .into_iter()
        .find(|p| {
            p.stage == "started"
                && p.value_added_at_capacity.unwrap_or(0) > 0
                && p.expected_production_month
                    .as_deref()
                    .is_some_and(|m| m.starts_with("2026"))
        })
        .expect("a started project planned for 2026");
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.move_project(
        &store::Actor::system("test"),
        project.id,
        domain::project::Stage::Producing,
        &today,
    )
    .await
    .expect("producing");
    tx.commit().await.expect("commit");
    let after = ledger(&office).await;
    let a = &after["ledger"];
    assert!(
        a["producing_pp"].as_f64() > l["producing_pp"].as_f64(),
        "{after}"
    );
    assert!(a["covered_pp"].as_f64().expect("covered") > covered);
    assert!(a["uncovered_pp"].as_f64().expect("uncovered") < uncovered);

    // A task done (办结, then accepted) moves its expected pp from the open tasks to the done
    // ones; reported done but not yet accepted it still counts as open.
    let open = app
        .store
        .task_effects("370281", 2025)
        .await
        .expect("tasks")
        .into_iter()
        .find(|t| matches!(t.state.as_str(), "in_progress" | "overdue") && t.expected_pp.is_some())
        .expect("a task in progress with an expected effect");
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.submit_completion(
        &store::Actor::system("test"),
        open.id,
        &store::supervision::NewCompletion {
            outcome: "完成".into(),
            realised_pp: None,
            files: vec![("佐证.txt".into(), "text/plain".into(), b"ok".to_vec())],
        },
    )
    .await
    .expect("submitted");
    tx.commit().await.expect("commit");
    let waiting = ledger(&office).await;
    assert_eq!(
        waiting["ledger"]["tasks_done"].as_i64(),
        a["tasks_done"].as_i64(),
        "not accepted: not done"
    );
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.decide_completion(&store::Actor::system("test"), open.id, true, "")
        .await
        .expect("accepted");
    tx.commit().await.expect("commit");
    let done = ledger(&office).await;
    let d = &done["ledger"];
    assert_eq!(
        d["tasks_done"].as_i64(),
        a["tasks_done"].as_i64().map(|n| n + 1),
        "{done}"
    );
    assert!(d["tasks_open_pp"].as_f64() < a["tasks_open_pp"].as_f64());
}
