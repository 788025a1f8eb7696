//! The locate step (找位置) end to end: the analysis through the API and the command line on
//! both databases, and imports that refuse a bad cell with its place and change nothing.

use crate::support;

use reqwest::StatusCode;
use serde_json::Value;
use std::process::Command;
use store::Dialect;
use support::TestApp;

on_both!(
    the_api_and_the_command_line_name_industry_first_with_the_same_numbers,
    an_import_with_one_bad_cell_changes_nothing
);

fn econops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_econops"))
        .args(args)
        .env_remove("ECONOPS_DB")
        .output()
        .expect("run econops")
}

async fn the_api_and_the_command_line_name_industry_first_with_the_same_numbers(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let (status, api) = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK, "{api}");
    for key in [
        "region",
        "period",
        "target_growth_pct",
        "gdp_growth_pct",
        "gap_pp",
        "rest_of_year_growth_needed_pct",
        "industries",
        "indicators",
    ] {
        assert!(api.get(key).is_some(), "missing {key}");
    }
    assert_eq!(api["target_growth_pct"], 5.6);
    let first = &api["indicators"][0];
    assert_eq!(
        first["code"], "industrial-va",
        "above-scale industry holds 2025 back most"
    );
    let shortfall = first["shortfall_pp"].as_f64().expect("a number");
    assert!(
        (shortfall - 0.405 * (9.0 - 5.8)).abs() < 1e-9,
        "{shortfall}"
    );
    assert_eq!(first["status"], "red");
    for key in [
        "code",
        "name",
        "real_growth_pct",
        "target_growth_pct",
        "sensitivity",
        "pull_pp",
        "shortfall_pp",
        "growth_needed_alone_pct",
        "rest_of_year_growth_needed_pct",
        "status",
    ] {
        assert!(first.get(key).is_some(), "indicator lacks {key}");
    }
    // A price index drives nothing: its shortfall and its growth needed are null, not zero.
    let cpi = api["indicators"]
        .as_array()
        .expect("list")
        .iter()
        .find(|k| k["code"] == "cpi")
        .expect("cpi");
    assert!(cpi["shortfall_pp"].is_null() && cpi["growth_needed_alone_pct"].is_null());
    let drag: f64 = api["industries"]
        .as_array()
        .expect("industries")
        .iter()
        .map(|i| i["drag_pp"].as_f64().expect("drag"))
        .sum();
    assert!(
        (drag - api["gap_pp"].as_f64().expect("gap")).abs() < 1e-9,
        "Σ drag = gap"
    );

    let cli = econops(&[
        "analyze",
        "--db",
        &app.db.url,
        "--region",
        "370281",
        "--period",
        "2025-09",
        "--json",
    ]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("json");
    assert_eq!(
        cli, api,
        "the command line and the API give the same numbers"
    );

    let text = econops(&[
        "analyze",
        "--db",
        &app.db.url,
        "--region",
        "370281",
        "--period",
        "2025-09",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("低于目标（5.6%）0.5 个百分点"), "{text}");
    assert!(
        text.contains("模型测算 5.2%，与统计快报相差 +0.13 个百分点"),
        "{text}"
    );
    assert!(
        text.contains(
            "规上工业增加值累计增长 5.8%，低于目标 3.2 个百分点，拖累 GDP 约 1.30 个百分点"
        ),
        "{text}"
    );

    let html = office
        .client
        .get(office.url("/locate?period=2025-09"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let first_row = html
        .find("data-indicator=")
        .map(|i| &html[i..i + 40])
        .unwrap_or("");
    assert!(
        first_row.contains("industrial-va"),
        "the page ranks industry first: {first_row}"
    );
    assert!(
        html.contains("<b>1.30</b>"),
        "the page shows the same pp figure"
    );

    let (status, problem) = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-13")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "period");
    let (status, _) = office
        .get_json("/api/v1/regions/370281/analysis?period=2024-09")
        .await;
    // The 2024 model does not exist (decision 51).
    assert_eq!(status, StatusCode::NOT_FOUND, "no model for 2024");
    let (status, _) = office
        .get_json("/api/v1/regions/999999/analysis?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, with_target) = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-09&target=5.0")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(with_target["target_growth_pct"], 5.0);
}

async fn counts(app: &TestApp) -> (usize, i64) {
    let obs = app
        .store
        .observations_of_year("370281", 2025)
        .await
        .expect("series")
        .len();
    (obs, app.store.count_audit().await.expect("audit"))
}

async fn an_import_with_one_bad_cell_changes_nothing(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "econops-import-{}-{:?}",
        std::process::id(),
        dialect
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "期别,指标名称,累计值,累计增长(%)\n2025-09,规上工业增加值,,6.1\n2025-09,限上批发业销售额,512.3,六点五\n").expect("write");
    let before = counts(&app).await;
    let out = econops(&[
        "import",
        "observations",
        bad.to_str().expect("utf-8"),
        "--region",
        "370281",
        "--db",
        &app.db.url,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv 第 3 行 “累计增长(%)”列：不是有效的数字：“六点五”"),
        "{err}"
    );
    assert_eq!(counts(&app).await, before, "nothing written");

    // The same file through the upload page: refused, with the cell's place, nothing written.
    let office = app.login("office").await;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        reqwest::multipart::Form::new()
            .text("csrf", office.csrf.clone())
            .text("kind", "observations")
            .text("year", "2025")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
    };
    let resp = office
        .client
        .post(office.url("/locate/import"))
        .multipart(upload(std::fs::read(&bad).expect("read"), "bad.csv"))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains(
            "<td class=\"num\">3</td><td>累计增长(%)</td><td>不是有效的数字：“六点五”</td>"
        ),
        "{html}"
    );
    assert_eq!(counts(&app).await, before);

    // A good file: previewed first (nothing written), then confirmed.
    let good = "period,indicator,ytd_value,ytd_growth_pct\n2025-09,industrial-va,,6.2\n"
        .as_bytes()
        .to_vec();
    let resp = office
        .client
        .post(office.url("/locate/import"))
        .multipart(upload(good, "good.csv"))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    assert!(html.contains("检查通过"), "{html}");
    assert_eq!(counts(&app).await, before, "a preview writes nothing");
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("token")
        .to_string();
    let resp = office
        .client
        .post(office.url("/locate/import/confirm"))
        .form(&[("csrf", office.csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .expect("confirm");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("html").contains("导入成功"));
    let (status, api) = office
        .get_json("/api/v1/regions/370281/analysis?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api["indicators"][0]["real_growth_pct"], 6.2,
        "the revision is used"
    );
    let resp = office
        .client
        .post(office.url("/locate/import/confirm"))
        .form(&[("csrf", office.csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .expect("confirm again");
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a token imports once"
    );

    // Only the office imports.
    let town = app.login("jiaoxi").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", town.csrf.clone())
        .text("kind", "observations")
        .text("year", "2025");
    let resp = town
        .client
        .post(town.url("/locate/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_model_import_refuses_weights_that_do_not_sum_to_one() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("econops-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let industries = dir.join("industries.csv");
    let drivers = dir.join("drivers.csv");
    std::fs::write(&industries, "code,name,weight\nprimary,第一产业,0.039\nsecondary,第二产业,0.452\ntertiary,第三产业,0.499\n").expect("write");
    std::fs::write(
        &drivers,
        "industry,indicator,coefficient\nsecondary,industrial-va,1\ntertiary,nowhere,1\n",
    )
    .expect("write");
    let before = app
        .store
        .model("370281", 2025)
        .await
        .expect("model")
        .map(|m| m.version_id);
    let out = econops(&[
        "import",
        "model",
        "--region",
        "370281",
        "--year",
        "2025",
        "--industries",
        industries.to_str().expect("p"),
        "--drivers",
        drivers.to_str().expect("p"),
        "--db",
        &app.db.url,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("行业权重合计 0.9900"), "{err}");
    assert!(
        err.contains("drivers.csv 第 3 行 “indicator”列：指标“nowhere”不在指标目录中"),
        "{err}"
    );
    assert_eq!(
        app.store
            .model("370281", 2025)
            .await
            .expect("model")
            .map(|m| m.version_id),
        before
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_office_edits_the_model_and_an_indicator_in_the_page() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let model = app
        .store
        .model("370281", 2025)
        .await
        .expect("query")
        .expect("model");
    let mut form: Vec<(String, String)> = vec![("csrf".into(), office.csrf.clone())];
    for i in &model.industries {
        form.push((
            format!("weight.{}", i.code),
            format!("{}", i.weight * 100.0),
        ));
        form.push((format!("assumed.{}", i.code), String::new()));
    }
    for d in &model.drivers {
        form.push((
            format!("coef.{}.{}", d.industry, d.indicator),
            d.coefficient.to_string(),
        ));
    }
    // Weights that no longer sum to 100 % are refused, and no version is made.
    let mut bad = form.clone();
    if let Some(w) = bad.iter_mut().find(|(k, _)| k == "weight.industry") {
        w.1 = "50".into();
    }
    let resp = office
        .client
        .post(office.url("/locate/model"))
        .form(&bad)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.expect("html").contains("行业权重合计"));
    assert_eq!(
        app.store
            .model("370281", 2025)
            .await
            .expect("q")
            .expect("m")
            .version_id,
        model.version_id
    );
    // A changed coefficient makes a new version; the old one is kept.
    let mut good = form.clone();
    if let Some(c) = good
        .iter_mut()
        .find(|(k, _)| k == "coef.real-estate.housing-sales-area")
    {
        c.1 = "0.5".into();
    }
    let resp = office
        .client
        .post(office.url("/locate/model"))
        .form(&good)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let new = app
        .store
        .model("370281", 2025)
        .await
        .expect("q")
        .expect("m");
    assert!(new.version_id > model.version_id);
    assert_eq!(
        new.drivers
            .iter()
            .find(|d| d.industry == "real-estate")
            .map(|d| d.coefficient),
        Some(0.5)
    );

    // An indicator's page shows each release with the single quarter it implies (当期).
    let gdp_page = office
        .client
        .get(office.url("/locate/indicators/gdp?period=2025-09"))
        .send()
        .await
        .expect("indicator page")
        .text()
        .await
        .expect("html");
    assert!(gdp_page.contains("1–6 月（当期 4–6 月）"), "{gdp_page}");
    assert!(gdp_page.contains("1–9 月（当期 7–9 月）"));

    // The indicator's target for the region is edited on its page.
    let resp = office
        .client
        .post(office.url("/locate/indicators/industrial-va"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("name", "规上工业增加值"),
            ("unit", "%"),
            ("owner_department", "市工业和信息化局"),
            ("target_growth_pct", "8.5"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let targets = app
        .store
        .indicator_targets("370281", 2025)
        .await
        .expect("targets");
    assert_eq!(
        targets
            .iter()
            .find(|(c, _)| c == "industrial-va")
            .map(|(_, t)| *t),
        Some(8.5)
    );
    // Not for other roles.
    let leader = app.login("leader").await;
    let resp = leader
        .client
        .post(leader.url("/locate/indicators/industrial-va"))
        .form(&[("csrf", leader.csrf.as_str()), ("name", "x"), ("unit", "%")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
