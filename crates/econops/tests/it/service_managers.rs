//! Service managers (企业服务经理人) and visits (走访) end to end on both databases: the demo's
//! coverage, the office's bulk assignment under a cap and reassignment with a reason (history
//! with names), every other role refused, a manager's desk, visits recorded by the firm's own
//! people only (with the request raised in the same transaction, or nothing), overdue visits
//! on the town's first screen, and two reassignments of one firm at once.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::service::ServedFilter;
use store::Dialect;
use support::TestApp;

on_both!(
    coverage_bulk_assignment_and_reassignment,
    visits_by_the_firms_own_people_only,
    two_reassignments_of_one_firm_at_once,
);

const REGION: &str = "370281";

async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    support::post_json(app, token, path, body).await
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    support::get_json(app, token, path).await
}

async fn served(app: &TestApp, f: ServedFilter) -> Vec<store::service::ServedFirm> {
    app.store
        .served_firms(&ServedFilter {
            region: REGION.into(),
            ..f
        })
        .await
        .expect("served firms")
}

async fn person_of(app: &TestApp, username: &str) -> i64 {
    app.store
        .user_by_name(username)
        .await
        .expect("q")
        .expect("user")
        .principal()
        .person_id
        .expect("a person")
}

async fn coverage_bulk_assignment_and_reassignment(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.token("office").await;

    // The demo assigns every above-scale firm.
    let (s, cov) = get_json(&app, "/api/v1/service-managers", &office).await;
    assert_eq!(s, StatusCode::OK, "{cov}");
    let above = cov["coverage"]["above_scale"].as_i64().expect("count");
    assert!(above > 0);
    assert_eq!(cov["coverage"]["above_scale_served"].as_i64(), Some(above));
    assert_eq!(cov["share_pct"].as_f64(), Some(100.0));
    assert_eq!(cov["unserved_total"], 0);

    // Nobody but the office assigns; departments, towns and managers do not read coverage.
    for user in ["dept", "jiaoxi", "manager", "viewer", "leader"] {
        let t = app.token(user).await;
        let (s, _) = post_json(&app, "/api/v1/service-managers/assign", &t, json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user} assigns");
    }
    for user in ["dept", "jiaoxi", "manager"] {
        let t = app.token(user).await;
        let (s, _) = get_json(&app, "/api/v1/service-managers", &t).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user} reads coverage");
    }

    // Clear the managers of one town's firms by reassignment, each with a reason.
    let jiaoxi = app.town_id("jiaoxi").await;
    let firms = served(
        &app,
        ServedFilter {
            town_id: Some(jiaoxi),
            has_manager: Some(true),
            above_scale_only: true,
            ..ServedFilter::default()
        },
    )
    .await;
    assert!(firms.len() >= 2, "the demo has firms in 胶西街道");
    for f in &firms {
        let (s, body) = post_json(
            &app,
            &format!("/api/v1/enterprises/{}/service-manager", f.uscc),
            &office,
            json!({ "person": null, "reason": "人员调整" }),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    }
    let history = app
        .store
        .firm_assignments(firms[0].id)
        .await
        .expect("history");
    assert_eq!(history[0].reason, "人员调整");
    assert_eq!(history[0].person_name, None);
    assert_eq!(history[0].previous_name, firms[0].manager_name);

    // Refusals change nothing: no reason, a person who is not a manager, an unknown firm.
    let audit = app.store.count_audit().await.expect("audit");
    let path = format!("/api/v1/enterprises/{}/service-manager", firms[0].uscc);
    let (s, body) = post_json(
        &app,
        &path,
        &office,
        json!({ "person": null, "reason": "  " }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "reason", "{body}");
    let leader = person_of(&app, "leader").await;
    let (s, body) = post_json(
        &app,
        &path,
        &office,
        json!({ "person": leader, "reason": "x" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "person");
    for bad in ["913702810000000000", "not-a-code", "%E2%80%AE"] {
        let (s, _) = post_json(
            &app,
            &format!("/api/v1/enterprises/{bad}/service-manager"),
            &office,
            json!({ "person": null, "reason": "x" }),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
    let (s, _) = post_json(
        &app,
        "/api/v1/service-managers/assign",
        &office,
        json!({ "cap": 0 }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = post_json(
        &app,
        "/api/v1/service-managers/assign",
        &office,
        json!({ "managers": [leader] }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store.count_audit().await.expect("audit"), audit);

    // The bulk assignment gives the town's firms back to its managers, under the cap.
    let managers = app.store.service_managers(REGION).await.expect("managers");
    let town_managers: Vec<_> = managers
        .iter()
        .filter(|m| m.town_id == Some(jiaoxi))
        .collect();
    assert_eq!(town_managers.iter().map(|m| m.firms).sum::<i64>(), 0);
    let (s, out) = post_json(
        &app,
        "/api/v1/service-managers/assign",
        &office,
        json!({ "town": jiaoxi, "cap": 1 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let cap_total = town_managers.len();
    assert_eq!(
        out["assigned"].as_u64(),
        Some(cap_total.min(firms.len()) as u64)
    );
    assert_eq!(
        out["left"].as_u64(),
        Some(firms.len().saturating_sub(cap_total) as u64)
    );
    let after = app.store.service_managers(REGION).await.expect("managers");
    assert!(after
        .iter()
        .filter(|m| m.town_id == Some(jiaoxi))
        .all(|m| m.firms <= 1));
    let (_, cov) = get_json(&app, "/api/v1/service-managers", &office).await;
    assert_eq!(
        cov["unserved_total"].as_u64(),
        Some(firms.len().saturating_sub(cap_total) as u64)
    );

    // The coverage page lists the firms without a manager first; the manager's own desk.
    let page = app.login("office").await;
    let html = page
        .client
        .get(page.url("/service"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("未指定服务经理人的规上企业"));
    let manager = app.login("manager").await;
    let html = manager
        .client
        .get(manager.url("/"))
        .send()
        .await
        .expect("desk")
        .text()
        .await
        .expect("html");
    assert!(html.contains("我服务的企业"), "the manager's first screen");
}

async fn visits_by_the_firms_own_people_only(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let me = person_of(&app, "manager").await;
    let manager = app.token("manager").await;
    let mine = served(
        &app,
        ServedFilter {
            manager_id: Some(me),
            ..ServedFilter::default()
        },
    )
    .await;
    let firm = mine.first().expect("the demo manager serves firms");
    let jiaoxi = app.town_id("jiaoxi").await;
    let other = served(&app, ServedFilter::default())
        .await
        .into_iter()
        .find(|f| f.manager_id != Some(me) && f.town_id != Some(jiaoxi))
        .expect("a firm of another manager and town");
    let path = |uscc: &str| format!("/api/v1/enterprises/{uscc}/visits");
    let visit =
        json!({ "visited_on": "2025-10-13", "people_met": "总经理 王某", "findings": "订单饱满" });

    let before = app
        .store
        .firm_visits(firm.id, 100)
        .await
        .expect("visits")
        .len();
    let (s, v) = post_json(&app, &path(&firm.uscc), &manager, visit.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["people_met"], "总经理 王某");
    assert_eq!(
        app.store
            .firm_visits(firm.id, 100)
            .await
            .expect("visits")
            .len(),
        before + 1
    );
    // Another manager's firm: refused; another town's firm for a town: not found.
    let (s, _) = post_json(&app, &path(&other.uscc), &manager, visit.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let town = app.token("jiaoxi").await;
    let (s, _) = post_json(&app, &path(&other.uscc), &town, visit.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for user in ["dept", "viewer", "leader"] {
        let t = app.token(user).await;
        let (s, _) = post_json(&app, &path(&firm.uscc), &t, visit.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }

    // Bad input is refused with its field, and nothing is written — not even the request.
    let audit = app.store.count_audit().await.expect("audit");
    let requests_before = app
        .store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests")
        .len();
    for (body, field) in [
        (
            json!({ "visited_on": "2025-10-15", "people_met": "甲", "findings": "乙" }),
            "visited_on",
        ),
        (
            json!({ "visited_on": "1999-12-31", "people_met": "甲", "findings": "乙" }),
            "visited_on",
        ),
        (
            json!({ "visited_on": "昨天", "people_met": "甲", "findings": "乙" }),
            "visited_on",
        ),
        (
            json!({ "visited_on": "2025-10-13", "people_met": "甲", "findings": " " }),
            "findings",
        ),
        (
            json!({ "visited_on": "2025-10-13", "people_met": "甲".repeat(201), "findings": "乙" }),
            "people_met",
        ),
        (
            json!({ "visited_on": "2025-10-13", "people_met": "甲", "findings": "乙",
                    "request": { "category": "造船", "title": "扩建用地" } }),
            "category",
        ),
    ] {
        let (s, e) = post_json(&app, &path(&firm.uscc), &manager, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["field"], field, "{e}");
    }
    assert_eq!(app.store.count_audit().await.expect("audit"), audit);

    // A visit that raises a request: both written, linked.
    let (s, v) = post_json(
        &app,
        &path(&firm.uscc),
        &manager,
        json!({ "visited_on": "2025-10-14", "people_met": "总经理 王某", "findings": "扩产缺地",
                "request": { "category": "用地", "title": "新增用地 20 亩" } }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let request = v["request_id"].as_i64().expect("linked request");
    let requests = app
        .store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests");
    assert_eq!(requests.len(), requests_before + 1);
    assert!(requests
        .iter()
        .any(|r| r.id == request && r.enterprise_id == firm.id));

    // The town's first screen lists its firms with overdue visits (the demo leaves some).
    let overdue = workflow::serve::service::overdue_in_town(
        &app.store,
        &workflow::Settings::default(),
        REGION,
        jiaoxi,
    )
    .await
    .expect("overdue");
    let session = app.login("jiaoxi").await;
    let html = session
        .client
        .get(session.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    for f in &overdue {
        assert!(
            html.contains(&f.firm.name),
            "{} listed as overdue",
            f.firm.name
        );
    }
    assert_eq!(html.contains("走访逾期的企业"), !overdue.is_empty());

    // The page's visit form, refused: the message inside the opened visit form, what was typed
    // kept, nothing written.
    let page = app.login("manager").await;
    let resp = page
        .client
        .post(page.url(&format!("/enterprises/{}/visits", firm.uscc)))
        .form(&[
            ("csrf", page.csrf.as_str()),
            ("visited_on", "2025-10-13"),
            ("people_met", "总经理 王某"),
            ("findings", " "),
        ])
        .send()
        .await
        .expect("visit");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    let form_at = html
        .find("<details open><summary>登记走访")
        .expect("the visit form open");
    let alerts: Vec<_> = html.match_indices("role=\"alert\"").collect();
    assert_eq!(alerts.len(), 1, "one message");
    assert!(alerts[0].0 > form_at, "the message inside the visit form");
    assert!(html.contains("<a href=\"#visits\">未保存"));
    assert!(html.contains("value=\"总经理 王某\""));
}

async fn two_reassignments_of_one_firm_at_once(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.token("office").await;
    let firm = served(
        &app,
        ServedFilter {
            has_manager: Some(true),
            ..ServedFilter::default()
        },
    )
    .await
    .into_iter()
    .next()
    .expect("a served firm");
    let managers = app.store.service_managers(REGION).await.expect("managers");
    let others: Vec<i64> = managers
        .iter()
        .map(|m| m.person_id)
        .filter(|p| Some(*p) != firm.manager_id)
        .take(2)
        .collect();
    let path = format!("/api/v1/enterprises/{}/service-manager", firm.uscc);
    let (a, b) = tokio::join!(
        post_json(
            &app,
            &path,
            &office,
            json!({ "person": others[0], "reason": "甲" })
        ),
        post_json(
            &app,
            &path,
            &office,
            json!({ "person": others[1], "reason": "乙" })
        ),
    );
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&StatusCode::NO_CONTENT), "{statuses:?}");
    let history = app.store.firm_assignments(firm.id).await.expect("history");
    let after = app
        .store
        .firm_by_id(firm.id)
        .await
        .expect("q")
        .expect("firm");
    // Each accepted change is in the history, the last one is the firm's manager, and a
    // reassignment that lost the race was refused rather than silently overwriting.
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(
        history.len(),
        1 + accepted,
        "bulk assignment plus accepted changes"
    );
    if accepted == 1 {
        assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    }
    let newest = history[0].person_name.clone();
    let name_of = |p: i64| {
        managers
            .iter()
            .find(|m| m.person_id == p)
            .map(|m| m.name.clone())
    };
    assert_eq!(newest, after.service_manager_id.and_then(name_of));
}
