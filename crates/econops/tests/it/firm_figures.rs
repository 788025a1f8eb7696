//! Firms' monthly figures and which firms hold an indicator back, on both databases: a figures
//! file is imported whole or, with one bad cell, not at all (its row and column named); a month
//! re-imported replaces its rows; the contributions add up exactly to the panel's growth; per
//! role, who sees which firms and figures on the API and the pages (a town user his town's firms
//! only, and no other firm's figures; 404 for a firm outside his scope).

use crate::support;

use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use store::{Actor, Dialect};
use support::TestApp;
use workflow::serve::figures::{import_firm_figures, ImportFirmFigures};
use workflow::serve::registry::{import_firms, ImportFirms};

on_both!(
    a_figures_file_loads_whole_or_not_at_all,
    contributions_add_up_to_the_panel_growth,
    each_role_sees_the_firms_and_figures_the_rule_allows,
    a_shortfall_opened_from_the_drill_down_carries_its_firms_to_the_task,
);

const REGION: &str = "370281";

fn code(n: u32) -> String {
    domain::Uscc::with_check(&format!("91370281FG{n:07}"))
        .expect("valid body")
        .to_string()
}

/// Four firms in 胶西街道 (3851, 智能家电), three and an entrant in 阜安街道 (3421), one that
/// left (no figures this year) in 胶西街道.
const JIAOXI: [u32; 5] = [1, 2, 3, 4, 9];
const FUAN: [u32; 4] = [5, 6, 7, 8];

async fn seed(app: &TestApp) {
    let mut csv = String::from("uscc,name,industry_code,town\n");
    for n in JIAOXI {
        csv.push_str(&format!(
            "{},胶西示例电器{n}有限公司,3851,胶西街道\n",
            code(n)
        ));
    }
    for n in FUAN {
        csv.push_str(&format!(
            "{},阜安示例机械{n}有限公司,3421,阜安街道\n",
            code(n)
        ));
    }
    import_firms(
        &app.store,
        &Actor::system("test"),
        &ImportFirms {
            region: REGION.into(),
            file_name: "firms.csv".into(),
            limits: io::ReadLimits::default(),
            write: true,
        },
        csv.into_bytes(),
        &mut |_, _, _| {},
    )
    .await
    .expect("firms load");
}

/// (firm, this year, last year) in 万元 for `period`; the exit's last year is its own row a year
/// before.
const FIGURES: [(u32, Option<u32>, Option<u32>); 8] = [
    (1, Some(900), Some(1000)),
    (2, Some(1200), Some(1000)),
    (3, Some(800), Some(1000)),
    (4, Some(1050), Some(1000)),
    (5, Some(500), Some(600)),
    (6, Some(700), Some(600)),
    (7, Some(610), Some(600)),
    (8, Some(300), None),
];

fn figures_csv(period: &str) -> String {
    let (y, m) = period.split_once('-').expect("period");
    let before = format!("{}-{m}", y.parse::<i32>().expect("year") - 1);
    let mut csv = String::from(
        "period,uscc,output_value,revenue,electricity_kwh,tax,employees,output_value_last_year,revenue_last_year\n",
    );
    for (n, x, l) in FIGURES {
        let x = x.map(|v| v.to_string()).unwrap_or_default();
        let l = l.map(|v| v.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{period},{},{x},{x},120000,12.5,80,{l},\n",
            code(n)
        ));
    }
    csv.push_str(&format!("{before},{},400,400,90000,3,30,,\n", code(9)));
    csv
}

async fn import(
    app: &TestApp,
    csv: &str,
) -> Result<workflow::serve::figures::FigureImportSummary, workflow::Error> {
    import_firm_figures(
        &app.store,
        &Actor::system("test"),
        &ImportFirmFigures {
            region: REGION.into(),
            file_name: "figures.csv".into(),
            limits: io::ReadLimits::default(),
            write: true,
            watch: analytics::watch::WatchRules::default(),
        },
        csv.as_bytes().to_vec(),
    )
    .await
}

async fn stored_rows(app: &TestApp) -> usize {
    let mut n = 0;
    for k in JIAOXI.iter().chain(FUAN.iter()) {
        let firm = app
            .store
            .firm_by_uscc(&code(*k))
            .await
            .expect("read")
            .expect("firm");
        n += app
            .store
            .firm_figures(firm.id)
            .await
            .expect("figures")
            .len();
    }
    n
}

async fn a_figures_file_loads_whole_or_not_at_all(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    seed(&app).await;
    let audit = app.store.count_audit().await.expect("audit");
    // One bad amount and one firm the registry does not hold: refused, each cell named.
    let good = figures_csv("2023-09");
    let bad = good
        .replacen(",1200,1200,", ",12O0,1200,", 1)
        .replacen(&code(7), &code(77), 1);
    let err = import(&app, &bad).await.expect_err("refused");
    let workflow::Error::Rejected(errors) = err else {
        panic!("expected a rejection, got {err:?}");
    };
    let places: Vec<(usize, &str)> = errors
        .0
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(places, vec![(3, "output_value"), (8, "uscc")], "{errors}");
    assert!(errors.0[1].reason.contains("不在本地区企业名录中"));
    assert_eq!(stored_rows(&app).await, 0, "nothing written");
    assert_eq!(app.store.count_audit().await.expect("audit"), audit);
    // Chinese headers, the whole file; then the month again replaces its rows.
    let chinese = good.replacen(
        "period,uscc,output_value,revenue,electricity_kwh,tax,employees,output_value_last_year,revenue_last_year",
        "期别,统一社会信用代码,工业总产值,营业收入,用电量,税收,从业人员,上年同期工业总产值,上年同期营业收入",
        1,
    );
    let s = import(&app, &chinese).await.expect("loads");
    assert_eq!((s.rows, s.firms, s.replaced), (9, 9, 0));
    assert_eq!(s.periods, vec!["2022-09", "2023-09"]);
    assert_eq!(stored_rows(&app).await, 9);
    let again = import(&app, &good.replacen(",900,900,", ",950,950,", 1))
        .await
        .expect("reloads");
    assert_eq!(again.replaced, 9);
    assert_eq!(stored_rows(&app).await, 9);
    let firm = app
        .store
        .firm_by_uscc(&code(1))
        .await
        .expect("read")
        .expect("firm");
    let rows = app.store.firm_figures(firm.id).await.expect("figures");
    assert_eq!(rows[0].output_value_yuan, Some(9_500_000));
    assert_eq!(rows[0].tax_yuan, Some(125_000));
    let log = app.store.count_audit().await.expect("audit");
    assert_eq!(log, audit + 2, "each import audited once");
}

async fn contributions(session: &support::Session, query: &str) -> Value {
    let (status, body) = session
        .get_json(&format!(
            "/api/v1/indicators/industrial-va/firm-contributions?{query}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn e2(v: &Value) -> i64 {
    v.as_i64().expect("an integer")
}

async fn contributions_add_up_to_the_panel_growth(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    seed(&app).await;
    import(&app, &figures_csv("2023-09")).await.expect("loads");
    let office = app.login("office").await;
    let body = contributions(&office, "period=2023-09&per_page=200").await;
    // ΣX̄ = 5,800, ΣX = 5,760: g = −0.69 %; contributions −200/5800 … add up to it.
    assert_eq!(body["panel_firms"], 7, "{body}");
    assert_eq!(e2(&body["growth_e2"]), -69);
    assert_eq!(body["growth_pct"], "-0.69");
    let firms = body["firms"].as_array().expect("firms");
    let sum: i64 = firms.iter().map(|f| e2(&f["contribution_e2"])).sum();
    assert_eq!(sum, -69, "the parts add up to the panel's growth");
    let order: Vec<i64> = firms.iter().map(|f| e2(&f["contribution_e2"])).collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "most negative first"
    );
    assert_eq!(firms[0]["uscc"], code(3));
    assert_eq!(firms[0]["contribution_pp"], "-3.45");
    assert_eq!(body["entrants"][0]["uscc"], code(8));
    assert_eq!(body["exits"][0]["uscc"], code(9));
    let towns: i64 = body["by_town"]
        .as_array()
        .expect("towns")
        .iter()
        .map(|t| e2(&t["contribution_e2"]))
        .sum();
    assert_eq!(towns, -69);
    // Filtered by town: the listed firms and their sum.
    let fuan = app.town_id("fuan").await;
    let body = contributions(&office, &format!("period=2023-09&town={fuan}")).await;
    assert_eq!(body["listed_firms"], 3);
    assert_eq!(e2(&body["growth_e2"]), -69, "the panel stays the caller's");
    // Paging.
    let body = contributions(&office, "period=2023-09&per_page=2&page=2").await;
    assert_eq!(body["firms"].as_array().expect("firms").len(), 2);
    assert_eq!(body["has_more"], true);
    // Beside the published figure (规上工业增加值 1–9 月 2025: 5.8 %) the difference is coverage.
    import(&app, &figures_csv("2025-09")).await.expect("loads");
    let body = contributions(&office, "period=2025-09&per_page=200").await;
    let g = e2(&body["growth_e2"]) as f64 / 100.0;
    let diff = body["coverage_difference_pp"].as_f64().expect("difference");
    assert!((diff - (5.8 - g)).abs() < 0.006, "{body}");
    assert!(body["coverage_sentence"]
        .as_str()
        .expect("sentence")
        .contains("覆盖范围"));
    // Not built from firms, or a quarter: refused with the field named.
    let session = &office;
    let (status, body) = session
        .get_json("/api/v1/indicators/cpi/firm-contributions?period=2025-09")
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, _) = session
        .get_json("/api/v1/indicators/industrial-va/firm-contributions?period=abc")
        .await;
    assert!(status.is_client_error());
}

fn named(body: &Value) -> BTreeSet<String> {
    body["firms"]
        .as_array()
        .expect("firms")
        .iter()
        .map(|f| f["uscc"].as_str().expect("uscc").to_string())
        .collect()
}

fn ours(ns: &[u32]) -> BTreeSet<String> {
    ns.iter().map(|n| code(*n)).collect()
}

async fn each_role_sees_the_firms_and_figures_the_rule_allows(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    seed(&app).await;
    import(&app, &figures_csv("2023-09")).await.expect("loads");
    let q = "period=2023-09&per_page=200";
    let all = ours(&[1, 2, 3, 4, 5, 6, 7]);
    let office = app.login("office").await;
    let town = app.login("jiaoxi").await;
    let viewer = app.login("viewer").await;
    // The office: every firm by name, and its figures.
    let body = contributions(&office, q).await;
    assert_eq!(named(&body), all);
    // A town: his town's firms only, his town's panel, no other firm anywhere.
    let jiaoxi = contributions(&town, q).await;
    assert_eq!(named(&jiaoxi), ours(&[1, 2, 3, 4]));
    assert_eq!(jiaoxi["panel_firms"], 4);
    assert_eq!(jiaoxi["hidden"]["firms"], 0);
    let text = jiaoxi.to_string();
    for n in FUAN {
        assert!(!text.contains(&code(n)), "no other town's firm");
    }
    assert!(!text.contains("阜安"), "{text}");
    let fuan = contributions(&app.login("fuan").await, q).await;
    assert_eq!(named(&fuan), ours(&[5, 6, 7]));
    // A department, the viewer and a service manager without firms: no firm named, the
    // panel's seven firms as one aggregate (at least three).
    let dept = app.login("dept").await;
    let manager = app.login("manager").await;
    for (user, session) in [("dept", &dept), ("viewer", &viewer), ("manager", &manager)] {
        let body = contributions(session, q).await;
        assert!(named(&body).is_empty(), "{user}: {body}");
        assert_eq!(body["hidden"]["firms"], 7, "{user}");
        assert_eq!(e2(&body["hidden"]["contribution_e2"]), -69, "{user}");
        assert!(body["entrants"].as_array().expect("list").is_empty());
        assert_eq!(body["entrants_hidden"], 1);
        // Towns of fewer than three firms the caller may not see are not shown.
        for t in body["by_town"].as_array().expect("towns") {
            if t["firms"].as_i64().expect("count") < 3 {
                assert!(t["contribution_e2"].is_null(), "{t}");
            }
        }
        assert!(!body.to_string().contains(&code(1)));
    }
    // A leader: the firms of the tracks he leads, as the firm's file says.
    let leader = app.login("leader").await;
    let mut expected = BTreeSet::new();
    for n in [1, 2, 3, 4, 5, 6, 7] {
        let (status, file) = leader
            .get_json(&format!("/api/v1/enterprises/{}", code(n)))
            .await;
        assert_eq!(status, StatusCode::OK);
        if file["figures_visible"] == true {
            expected.insert(code(n));
            assert!(!file["figures"].as_array().expect("figures").is_empty());
        } else {
            assert!(file["figures"].as_array().expect("figures").is_empty());
        }
    }
    let body = contributions(&leader, q).await;
    assert_eq!(named(&body), expected);
    // The firm's file: figures for the office and its town, none for the viewer, 404 for
    // another town's user.
    let (status, file) = office
        .get_json(&format!("/api/v1/enterprises/{}", code(1)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let figures = file["figures"].as_array().expect("figures");
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0]["output_value_wan"], 900.0);
    assert_eq!(figures[0]["output_growth_pct"], -10.0);
    let town = app.login("jiaoxi").await;
    let (status, file) = town
        .get_json(&format!("/api/v1/enterprises/{}", code(1)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["figures"].as_array().expect("figures").len(), 1);
    let (status, _) = town
        .get_json(&format!("/api/v1/enterprises/{}", code(5)))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let viewer = app.login("viewer").await;
    let (status, file) = viewer
        .get_json(&format!("/api/v1/enterprises/{}", code(1)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["figures_visible"], false);
    assert!(file["figures"].as_array().expect("figures").is_empty());
    // The pages: a chart for those who may see, a sentence for those who may not.
    let page = |s: &support::Session, n: u32| {
        let url = s.url(&format!("/enterprises/{}", code(n)));
        let client = s.client.clone();
        async move {
            let r = client.get(url).send().await.expect("page");
            (r.status(), r.text().await.expect("html"))
        }
    };
    let (status, html) = page(&office, 1).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-firm-figures"), "a chart");
    assert!(html.contains("工业总产值"));
    let (_, html) = page(&viewer, 1).await;
    assert!(!html.contains("data-firm-figures"));
    assert!(html.contains("按统计法保密"));
    let (status, _) = page(&town, 5).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A service manager who serves two of 胶西's four firms sees those two by name; the town's
    // sum would give away the other two's (fewer than three): not shown. The panel's sum hides
    // five firms: shown.
    let person = app
        .store
        .user_by_name("manager")
        .await
        .expect("q")
        .expect("user")
        .principal()
        .person_id
        .expect("a person");
    for n in [1, 2] {
        let resp = office
            .client
            .post(office.url(&format!("/enterprises/{}/manager", code(n))))
            .form(&[
                ("csrf", office.csrf.as_str()),
                ("person", person.to_string().as_str()),
                ("reason", "分片包联"),
            ])
            .send()
            .await
            .expect("assign");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let body = contributions(&app.login("manager").await, q).await;
    assert_eq!(named(&body), ours(&[1, 2]));
    let group = body["by_town"]
        .as_array()
        .expect("towns")
        .iter()
        .find(|t| t["name"] == "胶西街道")
        .cloned()
        .expect("胶西's line");
    assert_eq!(group["firms"], 4);
    assert!(group["contribution_e2"].is_null(), "{group}");
    assert_eq!(body["hidden"]["firms"], 5);
    assert!(!body["growth_e2"].is_null(), "the panel: five hidden firms");
}

async fn a_shortfall_opened_from_the_drill_down_carries_its_firms_to_the_task(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    seed(&app).await;
    // 1–8 月: the demo opens its own shortfalls for 1–9 月.
    import(&app, &figures_csv("2025-08")).await.expect("loads");
    let office = app.login("office").await;
    let get = |s: &support::Session, path: &str| {
        let url = s.url(path);
        let client = s.client.clone();
        async move {
            let r = client.get(url).send().await.expect("page");
            (r.status(), r.text().await.expect("html"))
        }
    };
    // The demo's own firms report 1–8 月 too: the firms are whichever the panel names. The
    // one that pulled it down most, one firm of 胶西街道 and one of 阜安街道.
    let body = contributions(&office, "period=2025-08&per_page=200").await;
    let listed = body["firms"].as_array().expect("firms").clone();
    let worst = listed[0]["uscc"].as_str().expect("uscc").to_string();
    let of_town = |town: &str| {
        listed
            .iter()
            .find(|f| f["town_name"] == town)
            .cloned()
            .expect("a listed firm of the town")
    };
    let (a, b) = (of_town("胶西街道"), of_town("阜安街道"));
    let (a_uscc, b_uscc) = (
        a["uscc"].as_str().expect("uscc").to_string(),
        b["uscc"].as_str().expect("uscc").to_string(),
    );
    let (a_name, b_name) = (
        a["name"].as_str().expect("name").to_string(),
        b["name"].as_str().expect("name").to_string(),
    );
    // The drill-down on the indicator's page: the firms, the sum line, the link to 开短板.
    let (status, html) = get(&office, "/locate/indicators/industrial-va?period=2025-08").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("拖累与拉动的企业"), "drill-down");
    assert!(html.contains(&worst), "the firm that pulled it down most");
    assert!(html.contains("开短板（附带拖累企业）"));
    // The form offers the firms that pulled it down, checked.
    let (status, html) = get(
        &office,
        "/shortfalls/new?indicator=industrial-va&period=2025-08",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("name=\"enterprise\" value=\"{worst}\" checked")),
        "{html}"
    );
    let resp = office
        .client
        .post(office.url("/shortfalls"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("indicator", "industrial-va"),
            ("period", "2025-08"),
            ("analysis", "智能家电配套企业订单下滑"),
            ("enterprise", a_uscc.as_str()),
            ("enterprise", b_uscc.as_str()),
        ])
        .send()
        .await
        .expect("post");
    let location = resp.url().path().to_string();
    assert!(location.starts_with("/shortfalls/"), "{location}");
    let id: i64 = location
        .trim_start_matches("/shortfalls/")
        .parse()
        .expect("shortfall id");
    let firms = app.store.shortfall_firms(id).await.expect("firms");
    let attached: BTreeSet<String> = firms.iter().map(|f| f.uscc.clone()).collect();
    assert_eq!(attached, BTreeSet::from([a_uscc.clone(), b_uscc.clone()]));
    let stored_a = firms.iter().find(|f| f.uscc == a_uscc).expect("a");
    assert_eq!(
        stored_a.contribution_pp_e2,
        a["contribution_e2"].as_i64(),
        "the contribution as it stood when the shortfall was opened"
    );
    let (_, html) = get(&office, &location).await;
    assert!(html.contains("拖累该指标的企业"));
    assert!(html.contains(&a_name) && html.contains(&b_name));
    // Those who may not see a firm's figures see it named, its contribution withheld.
    let pp = format!(
        "{} 个百分点",
        analytics::firm_panel::e2_text(stored_a.contribution_pp_e2.expect("a contribution"))
    );
    let section = |html: &str| -> String {
        let from = html
            .find("id=\"shortfall-firms\"")
            .expect("the firms' section");
        html[from..]
            .split("</section>")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(section(&html).contains(&pp), "the office sees it");
    for who in ["viewer", "dept"] {
        let (_, html) = get(&app.login(who).await, &location).await;
        let firms = section(&html);
        assert!(firms.contains(&a_name), "{who}");
        assert!(firms.contains("数据保密"), "{who}");
        assert!(!firms.contains("个百分点"), "{who}: {firms}");
    }
    // A town user sees only his town's firm on the shortfall.
    let jiaoxi = app.login("jiaoxi").await;
    let (_, html) = get(&jiaoxi, &location).await;
    assert!(html.contains(&a_name));
    assert!(!html.contains(&b_name));
    // The 存量提升 task created from it serves those firms.
    let actor = Actor::system("test");
    let principal = domain::Principal {
        user_id: 1,
        username: "office".into(),
        role: domain::Role::Office,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    let task = workflow::claim::create_task(
        &app.store,
        workflow::claim::Caller {
            principal: &principal,
            actor: &actor,
        },
        &workflow::Settings::default(),
        &workflow::claim::CreateTask {
            region: REGION.into(),
            shortfall_id: Some(id),
            remedy_id: None,
            title: "走访拖累企业".into(),
            description: String::new(),
            route: "stock".into(),
            track: None,
            town: Some(workflow::claim::Ref::Id(app.town_id("jiaoxi").await)),
            owner_department: None,
            co_departments: vec![],
            deadline: "2025-12-31".into(),
            expected_pp: None,
            milestones: vec![],
        },
    )
    .await
    .expect("task");
    let detail = app.store.task(task).await.expect("read").expect("task");
    let served: BTreeSet<String> = detail.enterprises.iter().map(|e| e.uscc.clone()).collect();
    assert_eq!(served, BTreeSet::from([a_uscc, b_uscc]));
    // An unknown firm is refused with the field named, and nothing is opened.
    let resp = office
        .client
        .post(office.url("/shortfalls"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("indicator", "industrial-va"),
            ("period", "2025-07"),
            ("analysis", "分析"),
            ("enterprise", "91370281XX0000000X"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .expect("html")
        .contains("不在本地区企业名录中"));
}
