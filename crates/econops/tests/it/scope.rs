//! Who reads and changes which project, through HTTP on both databases (issue 8 items 4–6): a
//! town reads only its own town's projects; a confidential project's name and investor are
//! masked everywhere outside its scope, the pipeline contribution included; writes follow the
//! track, town and leader rules; parallel identical stage moves leave one stage row.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::land::ProjectRow;
use store::Dialect;
use support::{get_json as get, TestApp};

on_both!(
    a_town_reads_only_its_own_projects,
    confidential_names_and_investors_are_masked_everywhere,
    project_writes_follow_the_scope_rules,
    parallel_stage_moves_over_http_leave_one_stage_row,
);

const REGION: &str = "370281";
const PERIOD: &str = "2025-10";

async fn projects(app: &TestApp) -> Vec<ProjectRow> {
    app.store.projects(REGION).await.expect("projects")
}

async fn page(session: &support::Session, path: &str) -> (StatusCode, String) {
    let resp = session
        .client
        .get(session.url(path))
        .send()
        .await
        .expect("page");
    let status = resp.status();
    (status, resp.text().await.expect("body"))
}

async fn a_town_reads_only_its_own_projects(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let all = projects(&app).await;
    let own: Vec<&ProjectRow> = all.iter().filter(|p| p.town_id == Some(jiaoxi)).collect();
    let other = all
        .iter()
        .find(|p| p.town_id.is_some() && p.town_id != Some(jiaoxi))
        .expect("a project in another town");
    let placeless = all
        .iter()
        .find(|p| p.town_id.is_none())
        .expect("a project without a town");
    assert!(!own.is_empty(), "the demo has projects in 胶西街道");

    let token = app.token("jiaoxi").await;
    for id in [other.id, placeless.id] {
        for path in [
            format!("/api/v1/projects/{id}"),
            format!("/api/v1/projects/{id}/approval"),
        ] {
            let (status, body) = get(&app, &token, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(
                !body.to_string().contains(&other.investor_name) || other.investor_name.is_empty()
            );
        }
    }
    let (status, body) = get(&app, &token, &format!("/api/v1/projects/{}", own[0].id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["project"]["id"], own[0].id);

    // The list answers the town's projects only.
    let (status, body) = get(&app, &token, "/api/v1/projects").await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<i64> = body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    let mut expected: Vec<i64> = own.iter().map(|p| p.id).collect();
    let mut got = listed.clone();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "a town lists exactly its own projects");

    // The pages and the export the same.
    let session = app.login("jiaoxi").await;
    let (status, _) = page(&session, &format!("/projects/{}", other.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) = page(&session, &format!("/projects/{}", own[0].id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&own[0].name));
    let (_, html) = page(&session, "/projects?view=table").await;
    assert!(!html.contains(&format!("href=\"/projects/{}\"", other.id)));
    assert!(html.contains(&format!("href=\"/projects/{}\"", own[0].id)));
    let bytes = session
        .client
        .get(session.url("/projects.xlsx"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let table = io::table::read_workbook("projects.xlsx", bytes).expect("a workbook");
    let office_session = app.login("office").await;
    let bytes = office_session
        .client
        .get(office_session.url("/projects.xlsx"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let city_table = io::table::read_workbook("projects.xlsx", bytes).expect("a workbook");
    // Both exports carry the same extra rows (e.g. a total) besides one row per project.
    assert_eq!(
        table.rows.len() + all.len(),
        city_table.rows.len() + own.len(),
        "the export holds the town's projects"
    );

    // The pipeline contribution lists only the town's projects; its totals stay the city's.
    let office = app.token("office").await;
    let path = format!("/api/v1/regions/{REGION}/pipeline-contribution?period={PERIOD}");
    let (status, city) = get(&app, &office, &path).await;
    assert_eq!(status, StatusCode::OK, "{city}");
    let (status, town) = get(&app, &token, &path).await;
    assert_eq!(status, StatusCode::OK, "{town}");
    for row in town["contribution"]["projects"].as_array().expect("rows") {
        let id = row["id"].as_i64().expect("id");
        assert!(own.iter().any(|p| p.id == id), "{row} is not the town's");
    }
    assert!(
        city["contribution"]["projects"]
            .as_array()
            .expect("rows")
            .len()
            > town["contribution"]["projects"]
                .as_array()
                .expect("rows")
                .len()
    );
    assert_eq!(
        city["gap_if_on_schedule_pp"], town["gap_if_on_schedule_pp"],
        "aggregates are city-wide figures"
    );
    // Target actuals fed by the pipeline stay city-wide too.
    let (_, a) = get(
        &app,
        &office,
        "/api/v1/regions/370281/targets?period=2025-10",
    )
    .await;
    let (_, b) = get(
        &app,
        &token,
        "/api/v1/regions/370281/targets?period=2025-10",
    )
    .await;
    let actual = |v: &Value| {
        v["targets"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["code"] == "signed-projects-focus"))
            .map(|t| t["actual_value"].clone())
    };
    if let (Some(x), Some(y)) = (actual(&a), actual(&b)) {
        assert_eq!(x, y);
    }
}

/// Makes a signed project with a town and a contribution this year confidential, with names
/// found nowhere else; returns it.
async fn secret_project(app: &TestApp) -> ProjectRow {
    let office = app.token("office").await;
    let path = format!("/api/v1/regions/{REGION}/pipeline-contribution?period={PERIOD}");
    let (_, city) = get(app, &office, &path).await;
    let ids: Vec<i64> = city["contribution"]["projects"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    let jiaoxi = app.town_id("jiaoxi").await;
    let p = projects(app)
        .await
        .into_iter()
        .find(|p| ids.contains(&p.id))
        .unwrap_or_else(|| panic!("a contributing project: {city}"));
    sqlx::query(
        "UPDATE projects SET name = '绝密电池工厂', code_name = '项目 Z-99', investor_name = '隐名投资集团', town_id = $2 WHERE id = $1",
    )
    .bind(p.id)
    .bind(jiaoxi)
    .execute(app.store.pool())
    .await
    .expect("make it confidential");
    projects(app)
        .await
        .into_iter()
        .find(|q| q.id == p.id)
        .expect("still there")
}

async fn confidential_names_and_investors_are_masked_everywhere(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let secret = secret_project(&app).await;
    let path = format!("/api/v1/regions/{REGION}/pipeline-contribution?period={PERIOD}");
    let row_of = |body: &Value| {
        body["contribution"]["projects"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["id"] == secret.id).cloned())
    };
    // Inside its scope: the office and its town see the real names.
    for user in ["office", "jiaoxi"] {
        let token = app.token(user).await;
        let (_, body) = get(&app, &token, &path).await;
        assert_eq!(
            row_of(&body).expect("listed")["name"],
            "绝密电池工厂",
            "{user}"
        );
        let (_, p) = get(&app, &token, &format!("/api/v1/projects/{}", secret.id)).await;
        assert_eq!(p["project"]["name"], "绝密电池工厂", "{user}");
        assert_eq!(p["project"]["investor_name"], "隐名投资集团", "{user}");
    }
    // Outside it: the code name and a masked investor, in every answer.
    for user in ["viewer", "manager"] {
        let token = app.token(user).await;
        let (status, body) = get(&app, &token, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            row_of(&body).expect("listed")["name"],
            "项目 Z-99",
            "{user}"
        );
        let (_, p) = get(&app, &token, &format!("/api/v1/projects/{}", secret.id)).await;
        assert_eq!(p["project"]["name"], "项目 Z-99", "{user}");
        assert_eq!(
            p["project"]["investor_name"],
            domain::access::MASKED_INVESTOR,
            "{user}"
        );
        for answer in [
            body.to_string(),
            p.to_string(),
            get(&app, &token, "/api/v1/projects").await.1.to_string(),
        ] {
            assert!(
                !answer.contains("绝密电池工厂") && !answer.contains("隐名投资集团"),
                "{user}: {answer}"
            );
        }
    }
    // Another town does not see it at all, even in the pipeline rows.
    let fuan = app.token("fuan").await;
    let (_, body) = get(&app, &fuan, &path).await;
    assert!(row_of(&body).is_none());

    // The pages and the export of a user outside its scope.
    let viewer = app.login("viewer").await;
    for path in [
        format!("/projects/{}", secret.id),
        "/projects".to_string(),
        "/projects?view=table".to_string(),
        format!("/locate?period={PERIOD}"),
        "/supervision".to_string(),
    ] {
        let (status, html) = page(&viewer, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !html.contains("绝密电池工厂") && !html.contains("隐名投资集团"),
            "{path} leaks the real names"
        );
    }
    let (_, html) = page(&viewer, &format!("/projects/{}", secret.id)).await;
    assert!(html.contains("项目 Z-99") && html.contains(domain::access::MASKED_INVESTOR));
    let (_, html) = page(&viewer, &format!("/locate?period={PERIOD}")).await;
    let office = app.login("office").await;
    let (_, office_html) = page(&office, &format!("/locate?period={PERIOD}")).await;
    if office_html.contains("绝密电池工厂") {
        assert!(html.contains("项目 Z-99"), "找位置 shows the code name");
    }
    let bytes = viewer
        .client
        .get(viewer.url("/projects.xlsx"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let table = io::table::read_workbook("projects.xlsx", bytes).expect("a workbook");
    let cells = format!("{:?}", table.rows);
    assert!(cells.contains("项目 Z-99") && !cells.contains("绝密电池工厂"));
}

async fn post_form(
    session: &support::Session,
    path: &str,
    fields: &[(&str, String)],
) -> StatusCode {
    let mut form: Vec<(&str, String)> = fields.to_vec();
    form.push(("csrf", session.csrf.clone()));
    session
        .client
        .post(session.url(path))
        .form(&form)
        .send()
        .await
        .expect("post")
        .status()
}

async fn project_writes_follow_the_scope_rules(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let fuan = app.town_id("fuan").await;
    let facts = app.store.project_access_facts().await.expect("facts");
    let gxj = app
        .store
        .departments(REGION)
        .await
        .expect("departments")
        .into_iter()
        .find(|d| d.code == "gxj")
        .expect("工信局")
        .id;
    let all = projects(&app).await;
    let leads = |p: &ProjectRow| {
        p.track_id
            .and_then(|t| facts.tracks.get(&t))
            .is_some_and(|t| t.lead_department == Some(gxj))
    };
    let not_its = all
        .iter()
        .find(|p| !leads(p) && p.town_id.is_some_and(|t| t != fuan && t != jiaoxi))
        .expect("a project on a track 工信局 does not lead");
    let its = all
        .iter()
        .find(|p| leads(p) && p.stage().next().is_some())
        .expect("a project on a track 工信局 leads");

    // A department may not edit another track's project, nor move it to a third town.
    let dept = app.login("dept").await;
    let status = post_form(
        &dept,
        &format!("/projects/{}/edit", not_its.id),
        &[("town_id", fuan.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = app.token("dept").await;
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/projects/{}/stage", not_its.id)))
        .bearer_auth(&token)
        .json(&json!({"stage": not_its.stage().next().map(|s| s.code()).unwrap_or("signed")}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // It may edit a project of a track it leads.
    let status = post_form(
        &dept,
        &format!("/projects/{}/edit", its.id),
        &[("expected_production_month", "2026-06".to_string())],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");

    // A town edits its own project but cannot move it into another town.
    let own = all
        .iter()
        .find(|p| p.town_id == Some(jiaoxi))
        .expect("a 胶西 project");
    let town = app.login("jiaoxi").await;
    let status = post_form(
        &town,
        &format!("/projects/{}/edit", own.id),
        &[("town_id", fuan.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = post_form(
        &town,
        &format!("/projects/{}/edit", own.id),
        &[("town_id", jiaoxi.to_string()), ("jobs", "1".to_string())],
    )
    .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    // Nor edit another town's.
    let status = post_form(
        &town,
        &format!("/projects/{}/edit", not_its.id),
        &[("town_id", jiaoxi.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let after = projects(&app).await;
    let town_of = |id: i64| after.iter().find(|p| p.id == id).and_then(|p| p.town_id);
    assert_eq!(town_of(own.id), Some(jiaoxi), "the town's project stayed");
    assert_eq!(
        town_of(not_its.id),
        not_its.town_id,
        "the other project stayed"
    );

    // Read-only roles write nothing.
    let viewer = app.login("viewer").await;
    let status = post_form(
        &viewer,
        &format!("/projects/{}/edit", own.id),
        &[("expected_production_month", "2026-06".to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn parallel_stage_moves_over_http_leave_one_stage_row(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let p = projects(&app)
        .await
        .into_iter()
        .find(|p| {
            p.stage() == domain::project::Stage::Negotiating
                && p.total_investment.is_some()
                && !p.investor_name.is_empty()
        })
        .expect("a project in negotiation");
    let token = app.token("office").await;
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let url = app.url(&format!("/api/v1/projects/{}/stage", p.id));
            let token = token.clone();
            tokio::spawn(async move {
                let resp = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"stage": "signed"}))
                    .send()
                    .await
                    .expect("post");
                let status = resp.status();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                (status, body)
            })
        })
        .collect();
    let mut ok = 0;
    for h in handles {
        let (status, body) = h.await.expect("joined");
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => assert!(
                body["detail"].as_str().is_some_and(|d| d.contains("签约")),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 1, "exactly one move succeeds");
    let d = app.store.project(p.id).await.expect("q").expect("project");
    assert_eq!(d.stages.iter().filter(|s| s.stage == "signed").count(), 1);
}
