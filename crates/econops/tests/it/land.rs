//! The land step (打项目) end to end through HTTP, on both databases: an attract task's lead
//! becomes a project, is signed (the tier's signed count goes up by one), gets a parallel
//! approval plan shorter than its serial total, starts, produces, and its contribution reaches
//! the locate analysis.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::TestApp;

on_both!(from_lead_to_production_and_back_into_the_indicators);

async fn signed_focus(session: &support::Session) -> i64 {
    let (_, body) = session
        .get_json("/api/v1/regions/370281/targets?period=2025-10")
        .await;
    body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["code"] == "signed-projects-focus")
        .and_then(|t| t["actual_value"].as_str())
        .and_then(|v| v.parse().ok())
        .expect("a count")
}

async fn from_lead_to_production_and_back_into_the_indicators(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let post = |path: String, body: Value| {
        let c = office.client.clone();
        let url = office.url(&path);
        let csrf = office.csrf.clone();
        async move {
            let resp = c
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .expect("post");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // The demo's attract task on 智能家电 has a lead.
    let tasks = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let task = tasks
        .iter()
        .find(|t| t.route == "attract" && t.track_name.as_deref() == Some("智能家电"))
        .expect("an attract task");
    let detail = app.store.task(task.id).await.expect("q").expect("task");
    let lead = detail.leads.first().expect("a lead").clone();
    let before = signed_focus(&office).await;

    // The lead becomes a project (the task page's button posts the same form).
    let resp = office
        .client
        .post(office.url("/projects"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("task_id", &task.id.to_string()),
            ("lead_id", &lead.id.to_string()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let project: i64 = resp
        .url()
        .path()
        .trim_start_matches("/projects/")
        .parse()
        .expect("redirected to the project");
    let resp = office
        .client
        .post(office.url("/projects"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("task_id", &task.id.to_string()),
            ("lead_id", &lead.id.to_string()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "a lead becomes one project"
    );

    // Stages move one at a time and check what they need.
    let (status, problem) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "signed"}),
    )
    .await;
    // The project's stored stage forbids it: a conflict (decision 51).
    assert_eq!(status, StatusCode::CONFLICT, "no skipping: {problem}");
    let (status, _) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "negotiating"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "signed"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the lead carried its investor and investment"
    );
    assert_eq!(
        signed_focus(&office).await,
        before + 1,
        "the tier's signed count went up by one"
    );

    // Registered needs a host; then the approval plan.
    let (status, problem) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "registered"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("承载")));
    let jiaoxi = app.town_id("jiaoxi").await;
    let resp = office
        .client
        .post(office.url(&format!("/projects/{project}/edit")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("town_id", &jiaoxi.to_string()),
            ("expected_production_month", "2025-11"),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, _) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "registered"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cyclic = json!({"plan_start": "2025-10-14", "items": [
        {"code": "a", "name": "立项", "days": 3, "prerequisites": ["b"]},
        {"code": "b", "name": "环评", "days": 30, "prerequisites": ["a"]}]});
    let (status, problem) = post(format!("/api/v1/projects/{project}/approval"), cyclic).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("循环")),
        "{problem}"
    );
    let negative =
        json!({"plan_start": "2025-10-14", "items": [{"code": "a", "name": "立项", "days": -3}]});
    assert_eq!(
        post(format!("/api/v1/projects/{project}/approval"), negative)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let missing = json!({"plan_start": "2025-10-14", "items": [{"code": "a", "name": "立项", "days": 3, "prerequisites": ["zz"]}]});
    assert_eq!(
        post(format!("/api/v1/projects/{project}/approval"), missing)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, plan) = post(
        format!("/api/v1/projects/{project}/approval"),
        json!({"plan_start": "2025-10-14"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let (_, plan) = office
        .get_json(&format!("/api/v1/projects/{project}/approval"))
        .await;
    let serial = plan["serial_days"].as_i64().expect("serial");
    let critical = plan["critical_path_days"].as_i64().expect("critical");
    assert!(
        critical < serial,
        "parallel approval is shorter: {critical} < {serial}"
    );
    assert_eq!(plan["days_saved"].as_i64(), Some(serial - critical));

    // No start before the construction permit.
    let (status, problem) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "started"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("施工许可")),
        "{problem}"
    );
    for item in plan["actual"].as_array().expect("items") {
        let code = item["code"].as_str().expect("code");
        for (k, v) in [("actual_start", "2025-10-14"), ("actual_end", "2025-10-14")] {
            let resp = office
                .client
                .post(office.url(&format!("/projects/{project}/approval")))
                .form(&[("csrf", office.csrf.as_str()), ("code", code), (k, v)])
                .send()
                .await
                .expect("record");
            assert_eq!(resp.status(), StatusCode::OK);
        }
    }
    let (status, _) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "started"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        format!("/api/v1/projects/{project}/stage"),
        json!({"stage": "producing"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Its contribution reaches the locate analysis.
    let (status, pipeline) = office
        .get_json("/api/v1/regions/370281/pipeline-contribution?period=2025-09")
        .await;
    assert_eq!(status, StatusCode::OK, "{pipeline}");
    let mine = pipeline["contribution"]["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["id"] == project)
        .cloned()
        .expect("the project contributes");
    let va = lead.estimated_investment.expect("investment") as f64 / 10.0 * 3.0;
    let expected = va * 3.0 / 12.0 * 0.5 / (1728.04e8) * 100.0;
    assert!(
        (mine["contribution_pp"].as_f64().expect("pp") - expected).abs() < 1e-9,
        "{mine} vs {expected}"
    );
    let locate = office
        .client
        .get(office.url("/locate?period=2025-09"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        locate.contains(&format!("data-project=\"{project}\"")),
        "the locate page lists it"
    );
    let gap = pipeline["gap_pp"].as_f64().expect("gap");
    assert!(pipeline["gap_if_on_schedule_pp"].as_f64().expect("x") >= gap);
    assert!(
        pipeline["gap_if_late_slip_pp"].as_f64().expect("x")
            <= pipeline["gap_if_on_schedule_pp"].as_f64().expect("x") + 1e-12
    );
    let log = app
        .store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("project".into()),
            entity_id: Some(project.to_string()),
            limit: 50,
            offset: 0,
        })
        .await
        .expect("audit");
    assert!(
        log.iter().filter(|e| e.action == "stage").count() >= 5,
        "every stage move is audited"
    );
}

#[tokio::test]
async fn manual_figures_for_pipeline_targets_are_refused_and_confidential_names_hidden() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let token = app.token("office").await;
    let target = app.target_id("signed-projects-focus").await;
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/targets/{target}/actuals")))
        .bearer_auth(&token)
        .json(&json!({"value": 99, "as_of": "2025-10-10"}))
        .send()
        .await
        .expect("post");
    // The stored target is counted from the pipeline: a conflict (decision 51).
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("项目库")),
        "{problem}"
    );
    // A confidential project shows its code name to a reader outside its scope, its name to the
    // office (a town does not read a project outside its town at all: tests/scope.rs).
    let secret = app
        .store
        .projects("370281")
        .await
        .expect("projects")
        .into_iter()
        .find(|p| !p.code_name.is_empty() && p.town_id.is_none())
        .expect("a confidential project");
    let office = app.login("office").await;
    let (_, seen) = office
        .get_json(&format!("/api/v1/projects/{}", secret.id))
        .await;
    assert_eq!(seen["project"]["name"], secret.name);
    let town = app.login("viewer").await;
    let (_, hidden) = town
        .get_json(&format!("/api/v1/projects/{}", secret.id))
        .await;
    assert_eq!(hidden["project"]["name"], secret.code_name);
    let html = town
        .client
        .get(town.url("/projects?view=table"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!html.contains(&secret.name) && html.contains(&secret.code_name));
    // The pipeline exports to Excel.
    let bytes = office
        .client
        .get(office.url("/projects.xlsx"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let table = io::table::read_workbook("projects.xlsx", bytes).expect("a workbook");
    assert!(table.rows.len() > 150, "{} rows", table.rows.len());
}

#[tokio::test]
async fn projects_import_all_or_nothing_and_late_issues_are_escalated() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let before = app.store.projects("370281").await.expect("projects").len();
    let upload = |csv: &'static str| {
        reqwest::multipart::Form::new()
            .text("csrf", office.csrf.clone())
            .text("kind", "projects")
            .text("year", "2025")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("projects.csv"),
            )
    };
    let bad = "项目名称,投资方,赛道,镇街,总投资(亿元),阶段,阶段日期\n压缩机配套,某公司,智能家电,胶西街道,3.5,签约,2025-08-01\n冷链物流,某公司,智能家电,胶西街道,2,开工,2025-13-01\n";
    let resp = office
        .client
        .post(office.url("/locate/import"))
        .multipart(upload(bad))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .expect("html")
        .contains("<td class=\"num\">3</td><td>阶段日期</td>"));
    assert_eq!(
        app.store.projects("370281").await.expect("projects").len(),
        before,
        "nothing written"
    );
    let good = "项目名称,投资方,赛道,镇街,总投资(亿元),阶段,阶段日期\n压缩机配套,某公司,智能家电,胶西街道,3.5,签约,2025-08-01\n";
    let html = office
        .client
        .post(office.url("/locate/import"))
        .multipart(upload(good))
        .send()
        .await
        .expect("upload")
        .text()
        .await
        .expect("html");
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a preview")
        .to_string();
    let resp = office
        .client
        .post(office.url("/locate/import/confirm"))
        .form(&[("csrf", office.csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .expect("confirm");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        app.store.projects("370281").await.expect("projects").len(),
        before + 1
    );
    // The demo has service-log problems past their deadline: they are on the supervision board.
    let board = office
        .client
        .get(office.url("/supervision"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        board.contains("data-issue="),
        "late project issues are escalated"
    );
}

#[tokio::test]
async fn a_refused_project_edit_keeps_what_was_typed_and_changes_nothing() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let project = app
        .store
        .projects("370281")
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.stage == "negotiating")
        .expect("a project");
    let resp = office
        .client
        .post(office.url(&format!("/projects/{}/edit", project.id)))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("investor_name", "新投资方"),
            ("total_investment", "三亿"),
            ("expected_production_month", "2026-04"),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(html.contains("总投资"), "says which field");
    assert!(
        html.contains("value=\"三亿\"")
            && html.contains("value=\"新投资方\"")
            && html.contains("value=\"2026-04\""),
        "keeps the input"
    );
    let after = app
        .store
        .project(project.id)
        .await
        .expect("q")
        .expect("project")
        .project;
    assert_eq!(
        (after.investor_name, after.total_investment),
        (project.investor_name, project.total_investment),
        "nothing changed"
    );
}
