//! The demo's requests (诉求) and the 赛马's requests part, on both databases: about 500 requests
//! in every state, raised for firms with their own service manager, routed and dated by the
//! rules and the calendar; the late ones escalated; the measures of departments and towns in
//! the ranking, on the 督办 page and in its workbook, and a unit without requests scored as if the
//! part did not exist.

use crate::support;

use std::collections::{HashMap, HashSet};

use domain::request::{Extension, Rating, RequestState};
use reqwest::StatusCode;
use store::Dialect;
use support::TestApp;

on_both!(
    the_demo_has_requests_in_every_state,
    requests_weigh_in_the_ranking,
    a_history_is_checked_and_written_whole,
    the_list_is_paged,
    a_county_names_the_firm_by_its_uscc
);

const REGION: &str = "370281";

async fn the_demo_has_requests_in_every_state(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let rows = app
        .store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests");
    assert_eq!(rows.len(), econops::demo_requests::COUNT);
    let states: HashSet<RequestState> = rows.iter().map(|r| r.state.0).collect();
    assert_eq!(states.len(), RequestState::ALL.len(), "{states:?}");
    let ratings: HashSet<Rating> = app
        .store
        .request_events(REGION, None)
        .await
        .expect("events")
        .into_iter()
        .filter_map(|e| e.rating.map(|c| c.0))
        .collect();
    assert_eq!(ratings.len(), Rating::ALL.len(), "{ratings:?}");
    assert!(
        rows.iter().any(|r| r.reopen_count > 0),
        "reopened after 不满意"
    );
    for e in [Extension::Granted, Extension::Refused] {
        assert!(rows.iter().any(|r| r.extension.0 == e), "{e:?}");
    }
    // Every request is dated in the demo's year up to its today, with deadlines by the calendar.
    let calendar = workflow::calendar::in_force(&app.store)
        .await
        .expect("calendar");
    let today = support::demo_today();
    let firms: HashMap<i64, Option<i64>> = app
        .store
        .enterprises(REGION)
        .await
        .expect("firms")
        .into_iter()
        .map(|e| (e.id, e.service_manager_id))
        .collect();
    let routes: HashMap<domain::request::Category, i64> = app
        .store
        .request_routes(REGION)
        .await
        .expect("routes")
        .into_iter()
        .map(|r| (r.category.0, r.department_id))
        .collect();
    for r in &rows {
        let on = domain::period::parse_date(&r.submitted_on).expect("date");
        assert!(
            on.year() == today.year() && on <= today,
            "{}",
            r.submitted_on
        );
        assert_eq!(
            r.accept_due,
            domain::period::format_date(calendar.add_working_days(on, 1).expect("due"))
        );
        assert!(r.manager_person_id.is_some());
        assert_eq!(
            firms[&r.enterprise_id], r.manager_person_id,
            "the firm's manager"
        );
        assert_eq!(routes.get(&r.category.0).copied(), r.department_id);
    }
    // Late ones are on 督办, escalated already.
    let late = workflow::requests::late(
        &app.store,
        &app.store
            .user_by_name("office")
            .await
            .expect("q")
            .expect("user")
            .principal(),
        REGION,
    )
    .await
    .expect("late");
    assert!(!late.is_empty());
    assert!(late.iter().all(|v| v.row.escalated_at.is_some()));
    assert_eq!(
        workflow::requests::escalate(&app.store, REGION)
            .await
            .expect("escalate"),
        0
    );
    // The measures page has something for each department the rules route to.
    let office = app.login("office").await;
    let html = office
        .client
        .get(office.url("/requests/measures?by=department"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("市工业和信息化局"), "{html:.2000}");
}

async fn ranking(app: &TestApp, requests: f64) -> analytics::ranking::Ranking {
    let period = domain::Period::parse("2025-09").expect("period");
    let mut settings = workflow::Settings::default();
    settings.ranking.requests = requests;
    workflow::claim::ranking(&app.store, &settings, REGION, &period)
        .await
        .expect("ranking")
}

async fn requests_weigh_in_the_ranking(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let with = ranking(&app, 0.2).await;
    let without = ranking(&app, 0.0).await;
    let before: HashMap<(analytics::ranking::UnitKind, i64), &analytics::ranking::RankRow> =
        without
            .departments
            .iter()
            .chain(without.towns.iter())
            .map(|r| ((r.kind, r.unit_id), r))
            .collect();
    let mut parts = 0;
    for a in with.departments.iter().chain(with.towns.iter()) {
        let b = before[&(a.kind, a.unit_id)];
        assert_eq!(a.timeliness, b.timeliness);
        match a.requests {
            // No requests part: the score is the one without requests.
            None => assert_eq!(a.score, b.score, "{}", a.name),
            Some(q) => {
                parts += 1;
                assert!(a.requests_received > 0);
                assert!((0.0..=100.0).contains(&q), "{q}");
            }
        }
    }
    assert!(parts > 0, "some units have a requests part");
    // The department's part is the mean of its decided shares on the measures page.
    let office_p = app
        .store
        .user_by_name("office")
        .await
        .expect("q")
        .expect("user")
        .principal();
    let measures = workflow::requests::measures(
        &app.store,
        &office_p,
        REGION,
        workflow::requests::Grouping::Department,
    )
    .await
    .expect("measures");
    let row = with
        .departments
        .iter()
        .find(|d| d.requests.is_some())
        .expect("a department with requests");
    let m = measures
        .iter()
        .find(|m| m.id == Some(row.unit_id))
        .expect("its measures");
    let shares: Vec<f64> = [
        m.measures.accepted_on_time_pct,
        m.measures.resolved_on_time_pct,
        m.measures.satisfaction_pct,
    ]
    .into_iter()
    .flatten()
    .collect();
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!((row.requests.expect("part") - mean).abs() < 1e-9);
    assert_eq!(row.requests_received, i64::from(m.measures.received));

    // The page and its workbook show the part.
    let office = app.login("office").await;
    let html = office
        .client
        .get(office.url("/supervision"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("诉求得分") && html.contains("诉求件数"));
    let sheet = office
        .client
        .get(office.url("/supervision/ranking.xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(sheet.status(), StatusCode::OK);
    let table = io::table::read_workbook("r.xlsx", sheet.bytes().await.expect("bytes").to_vec())
        .expect("reads back");
    let line = table
        .rows
        .iter()
        .find(|r| r.cells.get(2) == Some(&io::table::Cell::Text(row.name.clone())))
        .expect("the department's line");
    assert_eq!(
        line.cells.get(13),
        Some(&io::table::Cell::Number {
            value: row.requests_received as f64,
            percent: false
        })
    );
    match line.cells.get(14) {
        Some(io::table::Cell::Number { value, .. }) => {
            assert!((value - row.requests.expect("part")).abs() < 1e-9)
        }
        other => panic!("诉求得分: {other:?}"),
    }
}

async fn a_history_is_checked_and_written_whole(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    use domain::request::{Action, Category, Channel};
    use workflow::requests::{PastRequest, PastStep};
    let firm = app.store.enterprises(REGION).await.expect("firms")[0].clone();
    let day = |d: &str| domain::period::parse_date(d).expect("date");
    let step = |action: Action, on: &str, note: &str| PastStep {
        action,
        on: day(on),
        by: "市工业和信息化局".into(),
        note: note.into(),
    };
    let good = PastRequest {
        enterprise_id: firm.id,
        category: Category::Policy,
        title: "政策咨询".into(),
        description: String::new(),
        channel: Channel::Staff,
        submitted: day("2025-09-29"),
        raised_by: "服务经理人".into(),
        steps: vec![
            step(Action::Accept, "2025-09-29", ""),
            step(Action::Answer, "2025-09-30", "已答复"),
            step(Action::Resolve, "2025-10-10", "已办结"),
        ],
    };
    // Resolving before answering is allowed; confirming before resolving is not.
    let mut bad = good.clone();
    bad.steps = vec![step(Action::Confirm(Rating::Satisfied), "2025-09-30", "")];
    let mut late = good.clone();
    late.steps = vec![step(Action::Accept, "2025-10-20", "")];
    let count = || async {
        app.store
            .requests(&store::requests::RequestFilter {
                region_code: REGION.into(),
                ..Default::default()
            })
            .await
            .expect("requests")
            .len()
    };
    let n0 = count().await;
    let office = app
        .store
        .user_by_name("office")
        .await
        .expect("q")
        .expect("user")
        .principal();
    let dept = app
        .store
        .user_by_name("dept")
        .await
        .expect("q")
        .expect("user")
        .principal();
    let actor = store::Actor::system("test");
    let load = |who: domain::Principal, list: Vec<PastRequest>| {
        let store = app.store.clone();
        let actor = actor.clone();
        async move {
            workflow::requests::load_history(
                &store,
                workflow::claim::Caller {
                    principal: &who,
                    actor: &actor,
                },
                &workflow::Settings::default(),
                REGION,
                &list,
            )
            .await
        }
    };
    for list in [vec![good.clone(), bad], vec![good.clone(), late]] {
        let err = load(office.clone(), list).await.expect_err("refused");
        assert!(
            matches!(err, workflow::Error::Invalid { ref detail, .. } if detail.contains("第 2 条")),
            "{err}"
        );
    }
    assert!(matches!(
        load(dept, vec![good.clone()]).await,
        Err(workflow::Error::Forbidden(_))
    ));
    assert_eq!(count().await, n0, "all or nothing");
    let ids = load(office, vec![good]).await.expect("written");
    let row = app.store.request(ids[0]).await.expect("q").expect("row");
    assert_eq!(row.state.0, RequestState::Resolved);
    assert_eq!(
        (row.accepted_on.as_deref(), row.resolved_on.as_deref()),
        (Some("2025-09-29"), Some("2025-10-10"))
    );
    assert_eq!(
        row.resolve_due, "2025-10-27",
        "15 working days past National Day"
    );
    assert_eq!(row.manager_person_id, firm.service_manager_id);
}

/// The 500 demo requests are listed 50 to a page, the filter kept across pages, every request
/// on exactly one page; a page that is not a number is refused with the field named.
async fn the_list_is_paged(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let get = |path: String| {
        let s = &office;
        async move {
            let resp = s.client.get(s.url(&path)).send().await.expect("page");
            (resp.status(), resp.text().await.expect("html"))
        }
    };
    let ids = |html: &str| -> Vec<i64> {
        html.split("data-request=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .collect()
    };
    let (s, first) = get("/requests".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(first.contains("共 500 件"), "{first:.3000}");
    assert!(first.contains("第 1 / 10 页"));
    assert!(first.contains("href=\"/requests?page=2\""));
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=10 {
        let (_, html) = get(format!("/requests?page={page}")).await;
        let on_page = ids(&html);
        assert_eq!(on_page.len(), 50, "page {page}");
        seen.extend(on_page);
    }
    assert_eq!(seen.len(), 500, "every request on exactly one page");
    let (s, past) = get("/requests?page=11".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ids(&past).is_empty());
    let (s, filtered) = get("/requests?status=confirmed&page=1".into()).await;
    assert_eq!(s, StatusCode::OK);
    if filtered.contains("下一页") {
        let i = filtered.find("rel=\"next\"").expect("next");
        let link = &filtered[i..(i + 200).min(filtered.len())];
        assert!(link.contains("status=confirmed"), "{link}");
    }
    for bad in ["0", "-1", "abc", "99999999999999999999"] {
        let (s, html) = get(format!("/requests?page={bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "page={bad}");
        assert!(html.contains("页码应为正整数"), "{html:.2000}");
    }
}

/// With thousands of firms the forms ask for the firm's USCC rather than listing every firm;
/// a typed code is checked like any other, and a bad one changes nothing.
async fn a_county_names_the_firm_by_its_uscc(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let firm = app.store.enterprises(REGION).await.expect("firms")[0].clone();
    let office = app.login("office").await;
    let page = office
        .client
        .get(office.url("/requests"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("name=\"firm_uscc\""), "{page:.3000}");
    assert!(
        !page.contains("select name=\"firm\""),
        "no list of every firm"
    );
    let before = app
        .store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests")
        .len();
    let raise = |uscc: String| {
        let s = &office;
        async move {
            let resp = s
                .client
                .post(s.url("/requests"))
                .form(&[
                    ("csrf", s.csrf.as_str()),
                    ("firm_uscc", uscc.as_str()),
                    ("category", "policy"),
                    ("title", "申请技改补助政策辅导"),
                    ("description", ""),
                ])
                .send()
                .await
                .expect("raise");
            (resp.status(), resp.text().await.expect("html"))
        }
    };
    // A mistyped code: refused with the field's reason, the text kept, nothing written.
    let mut wrong = firm.uscc.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(17..18, last);
    for (bad, says) in [
        ("".to_string(), "请填写企业的统一社会信用代码"),
        (wrong.clone(), "无效"),
        ("<script>".to_string(), "无效"),
    ] {
        let (s, html) = raise(bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {html:.2000}");
        assert!(html.contains(says), "{bad}: {html:.3000}");
        assert!(!html.contains("<script>\""), "escaped");
    }
    let (s, html) = raise(format!(" {} ", firm.uscc.to_lowercase())).await;
    assert!(s.is_success() || s.is_redirection(), "{s}: {html:.2000}");
    let after = app
        .store
        .requests(&store::requests::RequestFilter {
            region_code: REGION.into(),
            ..Default::default()
        })
        .await
        .expect("requests");
    assert_eq!(after.len(), before + 1, "only the good one was written");
    assert!(after.iter().any(|r| r.enterprise_id == firm.id));

    // The firm's link, by its code.
    let resp = office
        .client
        .post(office.url("/requests/link"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("firm_uscc", firm.uscc.as_str()),
        ])
        .send()
        .await
        .expect("link");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.expect("html").contains("/r/rq_"));
    let resp = office
        .client
        .post(office.url("/requests/link"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("firm_uscc", wrong.as_str()),
        ])
        .send()
        .await
        .expect("link");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!resp.text().await.expect("html").contains("/r/rq_"));
}
