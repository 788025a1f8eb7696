//! Enterprise requests (诉求) end to end on both databases: routing by editable rules, every step
//! with refusals by role and by state, the extension the office approves, deadlines across the
//! National Day holiday, 不满意 reopening, the firm's link (one form, expiry, throttling), the
//! measures changing, and a late request on 督办 with its department notified.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::TestApp;

on_both!(requests_from_link_to_rating_and_supervision);

async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn step(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(
        &reqwest::Client::new(),
        app.url(&format!("/api/v1/requests/{id}/transition")),
        token,
        body,
    )
    .await
}

async fn principal(app: &TestApp, name: &str) -> domain::Principal {
    app.store
        .user_by_name(name)
        .await
        .expect("q")
        .expect("user")
        .principal()
}

async fn requests_from_link_to_rating_and_supervision(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let http = reqwest::Client::new();
    let office_t = app.token("office").await;
    let dept_t = app.token("dept").await;
    let town_t = app.token("fuan").await;
    let office = app.login("office").await;
    let gxj = app
        .store
        .departments("370281")
        .await
        .expect("departments")
        .into_iter()
        .find(|d| d.code == "gxj")
        .expect("gxj");
    let firms = app.store.enterprises("370281").await.expect("firms");
    let firm = firms.iter().find(|e| e.town_id.is_some()).expect("a firm");

    // Routing: the office routes 用地 to the industry bureau on its rules page.
    let resp = office
        .client
        .post(office.url("/requests/routes"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("land", &gxj.id.to_string()),
            ("labour", ""),
        ])
        .send()
        .await
        .expect("routes");
    assert_eq!(resp.status(), StatusCode::OK);
    let routes = workflow::requests::routes(&app.store, "370281")
        .await
        .expect("routes");
    assert!(routes
        .iter()
        .any(|(c, d)| *c == domain::request::Category::Land
            && d.as_ref().map(|x| x.0) == Some(gxj.id)));
    // A department cannot edit the rules.
    let dept = app.login("dept").await;
    let resp = dept
        .client
        .post(dept.url("/requests/routes"))
        .form(&[("csrf", dept.csrf.as_str()), ("land", "")])
        .send()
        .await
        .expect("routes");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Raised by the office for the firm: routed, deadlines by working days from today (2025-10-14).
    let raise = |category: &'static str| {
        post_json(
            &http,
            app.url("/api/v1/requests"),
            &office_t,
            json!({ "uscc": firm.uscc, "category": category, "title": "厂区扩建用地指标" }),
        )
    };
    let (s, land) = raise("用地").await;
    assert_eq!(s, StatusCode::CREATED, "{land}");
    assert_eq!(land["department"], gxj.name.as_str());
    assert_eq!(land["state"], "submitted");
    assert_eq!(land["accept_due"], "2025-10-15");
    let id = land["id"].as_i64().expect("id");
    let (s, labour) = raise("labour").await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(labour["department"], Value::Null, "unrouted: the office");
    let (s, bad) = raise("造船").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (s, _) = post_json(
        &http,
        app.url("/api/v1/requests"),
        &dept_t,
        json!({ "uscc": firm.uscc, "category": "用地", "title": "x" }),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a department does not raise requests"
    );

    // Refusals: another department's request is not even visible; a town cannot act; order holds.
    let labour_id = labour["id"].as_i64().expect("id");
    let (s, _) = step(&app, &dept_t, labour_id, json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = step(&app, &town_t, id, json!({"action": "accept"})).await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let (s, _) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "resolve", "note": "已办"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = step(&app, &dept_t, id, json!({"action": "accept"})).await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("accepted")));
    let (s, _) = step(&app, &dept_t, id, json!({"action": "answer"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an answer needs its text"
    );
    let (s, v) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "answer", "note": "已对接自然资源局"}),
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("answered")));

    // The one extension: asked by the department, approved by the office only.
    let before = v["resolve_due"].as_str().expect("due").to_string();
    let (s, _) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "ask_extension", "note": "需调整规划"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = step(&app, &dept_t, id, json!({"action": "approve_extension"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = step(&app, &office_t, id, json!({"action": "approve_extension"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["extension"], "granted");
    let cal = workflow::calendar::in_force(&app.store)
        .await
        .expect("calendar");
    let submitted = domain::period::parse_date("2025-10-14").expect("date");
    assert_eq!(
        v["resolve_due"].as_str().expect("due"),
        domain::period::format_date(cal.add_working_days(submitted, 30).expect("covered"))
    );
    assert_ne!(v["resolve_due"].as_str(), Some(before.as_str()));
    let (s, _) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "ask_extension", "note": "再延"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "extendable once");
    let (s, v) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "resolve", "note": "指标已落实"}),
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("resolved")));

    // The measures before the firm rates.
    let office_p = principal(&app, "office").await;
    let measure = |p: domain::Principal| {
        let store = app.store.clone();
        async move {
            workflow::requests::measures(
                &store,
                &p,
                "370281",
                workflow::requests::Grouping::Department,
            )
            .await
            .expect("measures")
            .into_iter()
            .find(|r| r.id == Some(gxj.id))
            .map(|r| r.measures)
            .unwrap_or_default()
        }
    };
    // The demo's requests of the department count too: compare with the counts before.
    let m0 = measure(office_p.clone()).await;
    assert!(m0.received > 0 && m0.closed < m0.received, "{m0:?}");

    // The firm's link: made by the office on the requests page, shown once.
    let page = office
        .client
        .post(office.url("/requests/link"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("firm", &firm.id.to_string()),
        ])
        .send()
        .await
        .expect("link")
        .text()
        .await
        .expect("html");
    let start = page.find("/r/rq_").expect("the link is shown");
    let token: String = page[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let anon = reqwest::Client::new();
    let firm_page = anon
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .expect("get");
    assert_eq!(firm_page.status(), StatusCode::OK);
    let html = firm_page.text().await.expect("html");
    assert!(
        html.contains(&firm.name) && html.contains(&format!("/rate/{id}")),
        "{html}"
    );

    // 不满意 reopens: back to the department with new deadlines from today.
    let resp = anon
        .post(app.url(&format!("/r/{token}/rate/{id}")))
        .form(&[("rating", "dissatisfied"), ("note", "仍未落实")])
        .send()
        .await
        .expect("rate");
    assert_eq!(resp.status(), StatusCode::OK);
    let row = app.store.request(id).await.expect("q").expect("row");
    assert_eq!(row.state.0, domain::request::RequestState::Accepted);
    assert_eq!(row.reopen_count, 1);
    assert!(row.resolved_on.is_none());
    let m1 = measure(office_p.clone()).await;
    assert_eq!(
        (m1.rated, m1.satisfied + m1.basic, m1.closed),
        (m0.rated + 1, m0.satisfied + m0.basic, m0.closed),
        "不满意 counts as a rating, not as closed"
    );
    let (s, _) = step(
        &app,
        &dept_t,
        id,
        json!({"action": "resolve", "note": "已签订供地协议"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let resp = anon
        .post(app.url(&format!("/r/{token}/rate/{id}")))
        .form(&[("rating", "满意")])
        .send()
        .await
        .expect("rate");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("html").contains("已确认办结"));
    let m2 = measure(office_p.clone()).await;
    assert_eq!(
        (m2.received, m2.closed, m2.rated, m2.satisfied),
        (m0.received, m0.closed + 1, m0.rated + 2, m0.satisfied + 1)
    );
    assert_ne!(m2.closure_pct, m0.closure_pct);
    assert_ne!(m2.satisfaction_pct, m1.satisfaction_pct);
    // The department sees its own row only.
    let dept_rows = workflow::requests::measures(
        &app.store,
        &principal(&app, "dept").await,
        "370281",
        workflow::requests::Grouping::Department,
    )
    .await
    .expect("measures");
    assert!(dept_rows.iter().all(|r| r.id == Some(gxj.id)) && !dept_rows.is_empty());
    let sheet = office
        .client
        .get(office.url("/requests/measures.xlsx?by=department"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(sheet.status(), StatusCode::OK);
    let table = io::table::read_workbook("m.xlsx", sheet.bytes().await.expect("bytes").to_vec())
        .expect("reads back");
    assert!(table.rows.iter().any(|r| r
        .cells
        .iter()
        .any(|c| *c == io::table::Cell::Text(gxj.name.clone()))));

    // The link accepts one form and nothing else, and submissions are throttled per link.
    let submit = |fields: Vec<(&'static str, &'static str)>| {
        anon.post(app.url(&format!("/r/{token}")))
            .form(&fields)
            .send()
    };
    let count = || async {
        app.store
            .requests(&store::requests::RequestFilter {
                region_code: "370281".into(),
                ..Default::default()
            })
            .await
            .expect("q")
            .len()
    };
    let n0 = count().await;
    let resp = submit(vec![
        ("category", "融资"),
        ("title", "流动资金贷款"),
        ("csrf", "x"),
    ])
    .await
    .expect("post");
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an extra field is refused"
    );
    let resp = submit(vec![("category", "造船"), ("title", "x")])
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.expect("html").contains("诉求类别应为"));
    assert_eq!(count().await, n0, "refusals change nothing");
    let resp = submit(vec![("category", "融资"), ("title", "流动资金贷款")])
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("html").contains("诉求已提交"));
    assert_eq!(count().await, n0 + 1);
    let mut accepted = 1;
    let mut throttled = false;
    for _ in 0..12 {
        let resp = submit(vec![("category", "其他"), ("title", "再提一件")])
            .await
            .expect("post");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        accepted += 1;
    }
    assert!(throttled, "the link is throttled");
    assert!(accepted <= 10);
    assert_eq!(
        count().await,
        n0 + accepted,
        "every accepted submission stored"
    );

    // An unknown token opens nothing; an expired link answers 410 in Chinese and takes nothing.
    let resp = anon.get(app.url("/r/rq_0000")).send().await.expect("get");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let expired = store::users::new_token("rq_");
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.insert_request_link(
        &store::Actor::system("test"),
        "370281",
        firm.id,
        &store::users::token_hash(&expired),
        None,
        "2025-10-01T00:00:00Z",
    )
    .await
    .expect("link");
    tx.commit().await.expect("commit");
    let resp = anon
        .get(app.url(&format!("/r/{expired}")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp
        .text()
        .await
        .expect("html")
        .contains("已于 2025-10-01 过期"));
    let n1 = count().await;
    let resp = anon
        .post(app.url(&format!("/r/{expired}")))
        .form(&[("category", "融资"), ("title", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::GONE);
    assert_eq!(count().await, n1);

    // A request submitted on 2025-09-30: its deadlines skip the National Day holiday and count
    // the worked Saturday; two weeks on it is late, on 督办, and the department is notified.
    let then = app.store.clone().with_clock(econops::clock_for(Some(
        domain::period::parse_date("2025-09-30").expect("date"),
    )));
    let actor = store::Actor::user(office_p.user_id, "office");
    let late_id = workflow::requests::raise(
        &then,
        workflow::claim::Caller {
            principal: &office_p,
            actor: &actor,
        },
        &web::Config::default().rules,
        &workflow::requests::RaiseRequest {
            region: "370281".into(),
            firm: workflow::requests::FirmRef::Id(firm.id),
            category: "用地".into(),
            title: "节前提交的用地诉求".into(),
            description: String::new(),
        },
    )
    .await
    .expect("raise");
    let row = app.store.request(late_id).await.expect("q").expect("row");
    assert_eq!(
        (row.accept_due.as_str(), row.answer_due.as_str()),
        ("2025-10-09", "2025-10-11")
    );
    let (s, list) = dept.get_json("/api/v1/requests?status=overdue").await;
    assert_eq!(s, StatusCode::OK);
    let late: Vec<&Value> = list["requests"].as_array().expect("list").iter().collect();
    assert!(
        late.iter()
            .any(|r| r["id"] == late_id && r["late_step"] == "受理"),
        "{list}"
    );
    assert!(late.iter().all(|r| r["overdue"] == true));
    let (s, _) = dept.get_json("/api/v1/requests?status=later").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let sup = office
        .client
        .get(office.url("/supervision"))
        .send()
        .await
        .expect("supervision")
        .text()
        .await
        .expect("html");
    assert!(sup.contains("逾期企业诉求") && sup.contains("节前提交的用地诉求"));
    let dept_user = app
        .store
        .user_by_name("dept")
        .await
        .expect("q")
        .expect("user");
    let notes = app
        .store
        .notifications(dept_user.id, false)
        .await
        .expect("notes");
    assert!(notes
        .iter()
        .any(|n| n.text.contains(&format!("诉求 {late_id}"))));
    // Escalated once: a second look notifies nobody again.
    assert_eq!(
        workflow::requests::escalate(&app.store, "370281")
            .await
            .expect("escalate"),
        0
    );
}
