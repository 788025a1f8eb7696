//! Attacks on enterprise requests (诉求) from outside, on both databases: the firm's link used
//! with forged tokens, another firm's request, huge and malformed input and fields it does not
//! ask for; every role against reads and steps (a town never sees another town's firm's
//! request); two steps on one request at once; deadlines that run past the calendar's years;
//! the measures page agreeing with its workbook; the 督办 page when the write lock is taken.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{post_json, TestApp};

on_both!(
    link_refuses_what_it_was_not_made_for,
    every_role_against_reads_and_steps,
    a_service_manager_serves_his_own_firms,
    two_steps_at_once,
    deadlines_past_the_calendar,
    measures_page_and_workbook_agree
);

const REGION: &str = "370281";

async fn step(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(
        app,
        token,
        &format!("/api/v1/requests/{id}/transition"),
        body,
    )
    .await
}

/// Two firms of different towns (the first in 阜安 when the demo has one).
async fn two_firms(app: &TestApp) -> (store::reference::Enterprise, store::reference::Enterprise) {
    let fuan = app.town_id("fuan").await;
    let firms = app.store.enterprises(REGION).await.expect("firms");
    let a = firms
        .iter()
        .find(|e| e.town_id == Some(fuan))
        .expect("a firm in 阜安")
        .clone();
    let b = firms
        .iter()
        .find(|e| e.town_id.is_some() && e.town_id != Some(fuan))
        .expect("a firm of another town")
        .clone();
    (a, b)
}

/// Raises a request for `firm` as the office and returns its id.
async fn raise(
    app: &TestApp,
    office_t: &str,
    firm: &store::reference::Enterprise,
    category: &str,
    title: &str,
) -> i64 {
    let (s, v) = post_json(
        app,
        office_t,
        "/api/v1/requests",
        json!({ "uscc": firm.uscc, "category": category, "title": title }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

/// Raises and resolves a request as the office (which handles every request).
async fn resolved(
    app: &TestApp,
    office_t: &str,
    firm: &store::reference::Enterprise,
    title: &str,
) -> i64 {
    let id = raise(app, office_t, firm, "其他", title).await;
    for body in [
        json!({"action": "accept"}),
        json!({"action": "resolve", "note": "已办结"}),
    ] {
        let (s, v) = step(app, office_t, id, body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    id
}

/// Makes a firm's link through the store (as the requests page does) and returns its token.
async fn link_for(app: &TestApp, firm_id: i64, expires_at: &str) -> String {
    let token = store::users::new_token("rq_");
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.insert_request_link(
        &store::Actor::system("test"),
        REGION,
        firm_id,
        &store::users::token_hash(&token),
        None,
        expires_at,
    )
    .await
    .expect("link");
    tx.commit().await.expect("commit");
    token
}

async fn count(app: &TestApp) -> usize {
    app.store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests")
        .len()
}

async fn link_refuses_what_it_was_not_made_for(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let (a, b) = two_firms(&app).await;
    let token_a = link_for(&app, a.id, "2099-01-01T00:00:00Z").await;
    let b_id = resolved(&app, &office_t, &b, "乙企业的已办结诉求").await;
    let anon = reqwest::Client::new();
    let n0 = count(&app).await;

    // Forged, truncated, foreign-prefixed and absurdly long tokens open nothing.
    for t in [
        "rq_".to_string(),
        format!("rq_{}", "A".repeat(43)),
        token_a.trim_start_matches("rq_").to_string(),
        format!("{token_a}x"),
        "rq_%00%0A".to_string(),
        format!("rq_{}", "z".repeat(5_000)),
    ] {
        let resp = anon
            .get(app.url(&format!("/r/{t}")))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "token {t:.40}");
    }

    // Firm A's link cannot rate firm B's request: it does not exist for A, and B's stays as it is.
    let resp = anon
        .post(app.url(&format!("/r/{token_a}/rate/{b_id}")))
        .form(&[("rating", "dissatisfied")])
        .send()
        .await
        .expect("rate");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let row = app.store.request(b_id).await.expect("q").expect("row");
    assert_eq!(row.state.0, domain::request::RequestState::Resolved);
    assert_eq!(row.reopen_count, 0);

    // Absurd ids answer 4xx, never 500.
    for raw in [
        "0",
        "-1",
        "9223372036854775807",
        "9223372036854775808",
        "abc",
    ] {
        let resp = anon
            .post(app.url(&format!("/r/{token_a}/rate/{raw}")))
            .form(&[("rating", "satisfied")])
            .send()
            .await
            .expect("rate");
        assert!(
            resp.status().is_client_error(),
            "id {raw}: {}",
            resp.status()
        );
    }

    // The rating form accepts its own fields only.
    let a_id = resolved(&app, &office_t, &a, "甲企业的已办结诉求").await;
    let resp = anon
        .post(app.url(&format!("/r/{token_a}/rate/{a_id}")))
        .form(&[("rating", "satisfied"), ("state", "confirmed")])
        .send()
        .await
        .expect("rate");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let row = app.store.request(a_id).await.expect("q").expect("row");
    assert_eq!(
        row.state.0,
        domain::request::RequestState::Resolved,
        "nothing changed"
    );

    // 100,000 characters, control characters: refused in Chinese with the typed title kept.
    let long = "诉".repeat(100_000);
    let resp = anon
        .post(app.url(&format!("/r/{token_a}")))
        .form(&[
            ("category", "融资"),
            ("title", "贷款展期"),
            ("description", long.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("诉求内容") && html.contains("贷款展期"),
        "{html:.2000}"
    );
    for title in ["响铃\u{7}标题", "换行\n标题", "退格\u{8}标题"] {
        let resp = anon
            .post(app.url(&format!("/r/{token_a}")))
            .form(&[("category", "融资"), ("title", title)])
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{title:?}");
    }
    assert_eq!(
        count(&app).await,
        n0 + 1,
        "only the resolved request of A was added"
    );
    // A right-to-left override is a format character, not a control one: taken as text, shown
    // escaped, never an error.
    let resp = anon
        .post(app.url(&format!("/r/{token_a}")))
        .form(&[("category", "融资"), ("title", "\u{202E}反向标题")])
        .send()
        .await
        .expect("post");
    assert!(!resp.status().is_server_error(), "{}", resp.status());

    // A flood from one address is throttled before it reaches the database.
    let mut throttled = false;
    for _ in 0..40 {
        let resp = anon
            .get(app.url(&format!("/r/{token_a}")))
            .send()
            .await
            .expect("get");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(resp.headers().contains_key("retry-after"));
            throttled = true;
            break;
        }
        assert_eq!(resp.status(), StatusCode::OK);
    }
    assert!(throttled, "the link is throttled per address");
}

async fn every_role_against_reads_and_steps(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let (a, b) = two_firms(&app).await;
    // One request of a 阜安 firm routed to nobody (the office handles it), one of another town.
    let a_id = raise(&app, &office_t, &a, "其他", "阜安企业的诉求").await;
    let b_id = raise(&app, &office_t, &b, "其他", "他镇企业的诉求").await;

    // The demo's `manager` serves firms of 胶西 only: he reads a request of a firm he serves.
    let manager = app
        .store
        .user_by_name("manager")
        .await
        .expect("q")
        .expect("user")
        .principal()
        .person_id;
    let serves =
        |f: &store::reference::Enterprise| manager.is_some() && f.service_manager_id == manager;
    // Reads: the page and the list, per role.
    for (user, sees_a, sees_b) in [
        ("admin", true, true),
        ("office", true, true),
        ("leader", true, true),
        ("viewer", true, true),
        ("fuan", true, false),
        (
            "jiaoxi",
            false,
            b.town_id == Some(app.town_id("jiaoxi").await),
        ),
        ("dept", false, false),
        ("manager", serves(&a), serves(&b)),
    ] {
        let s = app.login(user).await;
        for (id, sees) in [(a_id, sees_a), (b_id, sees_b)] {
            let resp = s
                .client
                .get(s.url(&format!("/requests/{id}")))
                .send()
                .await
                .expect("page");
            let want = if sees {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(resp.status(), want, "{user} reads request {id}");
            let (st, list) = s.get_json("/api/v1/requests").await;
            assert_eq!(st, StatusCode::OK, "{user} lists");
            let listed = list["requests"]
                .as_array()
                .expect("rows")
                .iter()
                .any(|r| r["id"] == id);
            assert_eq!(listed, sees, "{user} lists request {id}");
        }
    }

    // Steps: only the office (or the routed department) accepts; the others are refused
    // without learning of requests they may not read.
    for user in ["leader", "viewer", "fuan", "jiaoxi", "dept", "manager"] {
        let t = app.token(user).await;
        let (s, v) = step(&app, &t, a_id, json!({"action": "accept"})).await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{user} accepts: {s} {v}"
        );
        // Nobody but the office, the firm's town and its manager raises for a 阜安 firm.
        if user != "fuan" {
            let (s, _) = post_json(
                &app,
                &t,
                "/api/v1/requests",
                json!({ "uscc": a.uscc, "category": "其他", "title": "越权代提" }),
            )
            .await;
            assert!(
                matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{user} raises for a 阜安 firm: {s}"
            );
        }
    }
    let row = app.store.request(a_id).await.expect("q").expect("row");
    assert_eq!(row.state.0, domain::request::RequestState::Submitted);
    // The page's step form refuses the same way, and absurd ids never answer 500.
    let fuan = app.login("fuan").await;
    for raw in ["0", "-1", "9223372036854775808", &b_id.to_string()] {
        let resp = fuan
            .client
            .post(fuan.url(&format!("/requests/{raw}/transition")))
            .form(&[("csrf", fuan.csrf.as_str()), ("action", "accept")])
            .send()
            .await
            .expect("act");
        assert!(resp.status().is_client_error(), "{raw}: {}", resp.status());
    }
    // Only the office edits the routing, even when the form changes nothing.
    let dept = app.login("dept").await;
    let resp = dept
        .client
        .post(dept.url("/requests/routes"))
        .form(&[("csrf", dept.csrf.as_str())])
        .send()
        .await
        .expect("routes");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

async fn two_steps_at_once(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let (a, _) = two_firms(&app).await;

    // Two accepts: one wins, the other is told the state moved.
    let id = raise(&app, &office_t, &a, "其他", "并发受理").await;
    let body = json!({"action": "accept"});
    let ((x, _), (y, _)) = tokio::join!(
        step(&app, &office_t, id, body.clone()),
        step(&app, &office_t, id, body.clone())
    );
    let mut s = [x, y];
    s.sort();
    assert_eq!(s, [StatusCode::OK, StatusCode::CONFLICT]);
    let events = app
        .store
        .request_events(REGION, Some(id))
        .await
        .expect("events");
    assert_eq!(events.iter().filter(|e| e.action == "accept").count(), 1);

    // Resolve against a request for extension: never both the resolution and a pending ask.
    let ((x, _), (y, _)) = tokio::join!(
        step(
            &app,
            &office_t,
            id,
            json!({"action": "resolve", "note": "已办"})
        ),
        step(
            &app,
            &office_t,
            id,
            json!({"action": "ask_extension", "note": "需延期"})
        )
    );
    assert!(x == StatusCode::OK || y == StatusCode::OK, "{x} {y}");
    assert!(x != StatusCode::INTERNAL_SERVER_ERROR && y != StatusCode::INTERNAL_SERVER_ERROR);
    let row = app.store.request(id).await.expect("q").expect("row");
    assert_eq!(row.state.0, domain::request::RequestState::Resolved);

    // Two ratings through the link at once, both 不满意: the request reopens once.
    let token = link_for(&app, a.id, "2099-01-01T00:00:00Z").await;
    let anon = reqwest::Client::new();
    let rate = |rating: &'static str| {
        anon.post(app.url(&format!("/r/{token}/rate/{id}")))
            .form(&[("rating", rating)])
            .send()
    };
    let (x, y) = tokio::join!(rate("dissatisfied"), rate("dissatisfied"));
    let mut s = [x.expect("rate").status(), y.expect("rate").status()];
    s.sort();
    assert_eq!(s, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY]);
    let row = app.store.request(id).await.expect("q").expect("row");
    assert_eq!(row.reopen_count, 1, "reopened once");
    assert_eq!(row.state.0, domain::request::RequestState::Accepted);
}

async fn deadlines_past_the_calendar(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let (a, _) = two_firms(&app).await;
    let office = app
        .store
        .user_by_name("office")
        .await
        .expect("q")
        .expect("user")
        .principal();
    let actor = store::Actor::user(office.user_id, "office");
    let n0 = count(&app).await;
    // Late December 2026: fifteen working days run into 2027, a year the calendar lacks; then a
    // day in 2031. Refused (409) naming the missing year, nothing stored.
    for (day, year) in [("2026-12-28", "2027"), ("2031-06-02", "2031")] {
        let then = app.store.clone().with_clock(econops::clock_for(Some(
            domain::period::parse_date(day).expect("date"),
        )));
        let err = workflow::requests::raise(
            &then,
            workflow::claim::Caller {
                principal: &office,
                actor: &actor,
            },
            &web::Config::default().rules,
            &workflow::requests::RaiseRequest {
                region: REGION.into(),
                firm: workflow::requests::FirmRef::Id(a.id),
                category: "其他".into(),
                title: "年末诉求".into(),
                description: String::new(),
            },
        )
        .await
        .expect_err("the calendar does not cover the deadline");
        assert!(
            matches!(err, workflow::Error::Conflict(ref m) if m.contains(year) && m.contains("节假日")),
            "{day}: {err}"
        );
        // Reading the requests on such a day still works.
        let rows = workflow::requests::list(
            &then,
            &office,
            &workflow::requests::ListQuery {
                region: REGION.into(),
                status: Some("overdue".into()),
                ..Default::default()
            },
        )
        .await
        .expect("lists");
        let _ = rows;
        workflow::requests::measures(
            &then,
            &office,
            REGION,
            workflow::requests::Grouping::Department,
        )
        .await
        .expect("measures");
    }
    assert_eq!(count(&app).await, n0);
    // The CLI answers the same in words, not a panic.
    let cal = workflow::calendar::in_force(&app.store)
        .await
        .expect("calendar");
    let err = cal
        .add_working_days(domain::period::parse_date("2026-12-28").expect("date"), 15)
        .expect_err("2027 missing");
    assert!(err.to_string().contains("2027"), "{err}");
}

async fn measures_page_and_workbook_agree(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let (a, b) = two_firms(&app).await;
    // Some outcomes: one confirmed satisfied, one reopened by 不满意, one open.
    let x = resolved(&app, &office_t, &a, "满意的诉求").await;
    let y = resolved(&app, &office_t, &b, "不满意的诉求").await;
    raise(&app, &office_t, &a, "其他", "未办的诉求").await;
    for (id, rating) in [(x, "satisfied"), (y, "dissatisfied")] {
        let (s, v) = step(
            &app,
            &office_t,
            id,
            json!({"action": "confirm", "rating": rating}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let office = app.login("office").await;
    for by in ["department", "town", "manager"] {
        let html = office
            .client
            .get(office.url(&format!("/requests/measures?by={by}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let sheet = office
            .client
            .get(office.url(&format!("/requests/measures.xlsx?by={by}")))
            .send()
            .await
            .expect("xlsx");
        assert_eq!(sheet.status(), StatusCode::OK);
        let table =
            io::table::read_workbook("m.xlsx", sheet.bytes().await.expect("bytes").to_vec())
                .expect("reads back");
        let mut compared = 0;
        for row in &table.rows {
            let Some(io::table::Cell::Text(name)) = row.cells.first() else {
                continue;
            };
            let marker = format!("<tr data-group=\"{name}\">");
            let Some(start) = html.find(&marker) else {
                continue;
            };
            let tr = &html[start..start + html[start..].find("</tr>").expect("row end")];
            let cell = |class: &str| {
                let m = format!("class=\"num {class}\">");
                let s = tr.find(&m).expect("cell") + m.len();
                tr[s..s + tr[s..].find('<').expect("end")].to_string()
            };
            for (class, col) in [("closure", 5), ("satisfaction", 6)] {
                let shown = match row.cells.get(col) {
                    Some(io::table::Cell::Number { value, .. }) => format!("{:.1}%", value * 100.0),
                    Some(io::table::Cell::Text(t)) => t.clone(),
                    other => panic!("{by} {name}: {other:?}"),
                };
                assert_eq!(cell(class), shown, "{by} {name} {class}");
            }
            compared += 1;
        }
        assert!(compared > 0, "{by}: the page and the workbook share rows");
    }
}

async fn a_service_manager_serves_his_own_firms(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let (a, b) = two_firms(&app).await;
    // A service manager (a person with an account) is assigned firm A only.
    let person = app.store.people(REGION).await.expect("people")[0].id;
    let mut tx = app.store.begin_write().await.expect("begin");
    let actor = store::Actor::system("test");
    tx.create_user(
        &actor,
        &store::users::NewUser {
            username: "sm_test".into(),
            display_name: "专员甲".into(),
            password: econops::demo::DEMO_PASSWORD.into(),
            role: domain::Role::ServiceManager,
            region_code: Some(REGION.into()),
            person_id: Some(person),
            department_id: None,
            town_id: None,
        },
    )
    .await
    .expect("user");
    tx.set_service_manager(&actor, a.id, Some(person))
        .await
        .expect("assign");
    tx.commit().await.expect("commit");
    let sm_t = app.token("sm_test").await;

    // A request the office raises for firm A is the manager's to see and confirm.
    let by_office = resolved(&app, &office_t, &a, "专员负责企业的诉求").await;
    let sm = app.login("sm_test").await;
    let (s, list) = sm.get_json("/api/v1/requests").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list["requests"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["id"] == by_office),
        "{list}"
    );
    let (s, v) = step(
        &app,
        &sm_t,
        by_office,
        json!({"action": "confirm", "rating": "basic"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // He raises for firm A, and not for firm B (not his): 404, nothing stored, no link made.
    let (s, v) = post_json(
        &app,
        &sm_t,
        "/api/v1/requests",
        json!({ "uscc": a.uscc, "category": "用工", "title": "招工难" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let n = count(&app).await;
    let (s, _) = post_json(
        &app,
        &sm_t,
        "/api/v1/requests",
        json!({ "uscc": b.uscc, "category": "用工", "title": "越权代提" }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let resp = sm
        .client
        .post(sm.url("/requests/link"))
        .form(&[("csrf", sm.csrf.as_str()), ("firm", &b.id.to_string())])
        .send()
        .await
        .expect("link");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&app).await, n);
    // The requests page offers his firm only.
    let html = sm
        .client
        .get(sm.url("/requests"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("value=\"{}\"", a.id)));
    assert!(!html.contains(&format!("<option value=\"{}\"", b.id)));
}
