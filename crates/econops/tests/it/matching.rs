//! Supply–demand matching (供需对接) end to end on both databases: the demo's needs with their
//! local suppliers (never the needing firm, best class match first) and its needs without one;
//! who may read a firm's needs (a town its own firms only, another town's firm is not found)
//! and who may record an introduction and its deal (office, the needing firm's service
//! manager; not a town, a department or a viewer); refusals naming the field, on the API and on
//! the page; the import all or nothing with every bad cell by row and column; and two identical
//! introductions at once making one.

use crate::support;

use domain::Principal;
use reqwest::StatusCode;
use serde_json::json;
use store::matching::OfferKind;
use store::Dialect;
use support::{get_json, post_json, TestApp};
use workflow::claim::Caller;
use workflow::matching::ImportOffers;

on_both!(needs_find_local_suppliers_within_scope);
on_both!(a_bad_import_is_refused_whole);
on_both!(two_identical_introductions_at_once_make_one);

const REGION: &str = "370281";

async fn principal(app: &TestApp, name: &str) -> Principal {
    app.store
        .user_by_name(name)
        .await
        .expect("q")
        .expect("user")
        .principal()
}

/// Imports one need for a firm, as the office would, with the class of some local product.
async fn need_for(app: &TestApp, uscc: &str, name: &str) -> i64 {
    let office = principal(app, "office").await;
    let actor = store::Actor::system("测试");
    let class = app
        .store
        .offers(OfferKind::Product, REGION)
        .await
        .expect("products")
        .into_iter()
        .find(|p| p.uscc != uscc)
        .expect("a product")
        .industry_code;
    let csv = format!(
        "统一社会信用代码,需求名称,行业代码,关键词,年采购额（万元）\n{uscc},{name},{class},测试,120.5\n"
    );
    workflow::matching::import_offers(
        &app.store,
        Caller {
            principal: &office,
            actor: &actor,
        },
        &ImportOffers {
            kind: OfferKind::Need,
            region: REGION.into(),
            file_name: "需求.csv".into(),
            write: true,
        },
        csv.into_bytes(),
    )
    .await
    .expect("need imported");
    app.store
        .offers(OfferKind::Need, REGION)
        .await
        .expect("needs")
        .into_iter()
        .find(|n| n.uscc == uscc && n.name == name)
        .expect("the need")
        .id
}

async fn needs_find_local_suppliers_within_scope(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let manager_t = app.token("manager").await;
    let viewer_t = app.token("viewer").await;
    let dept_t = app.token("dept").await;
    let jiaoxi_t = app.token("jiaoxi").await;
    let fuan_t = app.token("fuan").await;
    let office = principal(&app, "office").await;
    let jiaoxi = principal(&app, "jiaoxi").await;
    let fuan = principal(&app, "fuan").await;
    assert_ne!(jiaoxi.town_id, fuan.town_id);

    // The demo: about 150 needs, most with local suppliers, some without.
    let board = workflow::matching::board(&app.store, &office, REGION)
        .await
        .expect("board");
    assert!(
        (100..=220).contains(&board.needs.len()),
        "{}",
        board.needs.len()
    );
    assert!(board.products >= 200, "{}", board.products);
    assert!(!board.introductions.is_empty() && board.deals > 0);
    let unmatched: Vec<&str> = board
        .unmatched
        .iter()
        .map(|c| c.industry_code.as_str())
        .collect();
    assert!(unmatched.contains(&"3973"), "{unmatched:?}");
    for n in &board.needs {
        assert!(
            n.suggestions.iter().all(|s| s.uscc != n.uscc),
            "never itself"
        );
        assert!(n.suggestions.windows(2).all(|w| w[0].level >= w[1].level));
        assert_eq!(n.unmatched, n.suggestions.is_empty());
    }
    let (s, body) = get_json(&app, &office_t, "/api/v1/matching/unmatched").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body["classes"].as_array().expect("classes").len(),
        board.unmatched.len()
    );

    // A need of a firm in 胶西: its town reads it, another town does not even find the firm.
    let needs_rows = app
        .store
        .offers(OfferKind::Need, REGION)
        .await
        .expect("needs");
    let in_jiaoxi = needs_rows
        .iter()
        .find(|n| {
            n.town_id == jiaoxi.town_id
                && board
                    .needs
                    .iter()
                    .any(|v| v.id == n.id && !v.suggestions.is_empty())
        })
        .expect("a need in 胶西 with suppliers");
    let path = format!("/api/v1/enterprises/{}/needs", in_jiaoxi.uscc);
    let (s, body) = get_json(&app, &office_t, &path).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .any(|n| n["id"] == in_jiaoxi.id));
    let (s, body) = get_json(&app, &jiaoxi_t, &path).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let town_name = in_jiaoxi.town_name.clone().expect("town");
    for n in body["needs"].as_array().expect("needs") {
        for s in n["suggestions"].as_array().expect("suggestions") {
            assert_eq!(
                s["town_name"],
                town_name.as_str(),
                "a town sees its own firms"
            );
        }
    }
    let (s, _) = get_json(&app, &fuan_t, &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another town's firm is not found");
    let fuan_session = app.login("fuan").await;
    let resp = fuan_session
        .client
        .get(fuan_session.url(&format!("/enterprises/{}", in_jiaoxi.uscc)))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Who may introduce: not a viewer, a department, or the firm's town; another town does not
    // find the need.
    let supplier = board
        .needs
        .iter()
        .find(|v| v.id == in_jiaoxi.id)
        .and_then(|v| v.suggestions.iter().find(|s| !s.introduced))
        .map(|s| s.uscc.clone());
    if let Some(supplier) = supplier {
        let body = json!({ "need": in_jiaoxi.id, "supplier": supplier });
        for (t, expected) in [
            (&viewer_t, StatusCode::FORBIDDEN),
            (&dept_t, StatusCode::FORBIDDEN),
            (&jiaoxi_t, StatusCode::FORBIDDEN),
            (&fuan_t, StatusCode::NOT_FOUND),
        ] {
            let (s, b) = post_json(&app, t, "/api/v1/matching/introductions", body.clone()).await;
            assert_eq!(s, expected, "{b}");
        }
    }

    // The service manager introduces a need of a firm he serves; not one of another's.
    let manager = principal(&app, "manager").await;
    let firms = app
        .store
        .policy_firms(REGION, &store::policies::Prefilter::default())
        .await
        .expect("firms");
    let his = firms
        .iter()
        .find(|f| f.service_manager_id.is_some() && f.service_manager_id == manager.person_id)
        .expect("a firm the manager serves");
    let not_his = firms
        .iter()
        .find(|f| f.service_manager_id != manager.person_id)
        .expect("another firm");
    let mine = need_for(&app, &his.uscc, "测试外购件").await;
    let theirs = need_for(&app, &not_his.uscc, "测试外购件").await;
    let view = workflow::matching::for_firm(&app.store, &office, &his.uscc)
        .await
        .expect("firm");
    let need = view
        .needs
        .iter()
        .find(|n| n.id == mine)
        .expect("the imported need");
    assert_eq!(need.amount_wan, "120.5");
    let supplier = need.suggestions.first().expect("a supplier").uscc.clone();
    let (s, b) = post_json(
        &app,
        &manager_t,
        "/api/v1/matching/introductions",
        json!({ "need": theirs, "supplier": supplier }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = post_json(
        &app,
        &manager_t,
        "/api/v1/matching/introductions",
        json!({ "need": mine, "supplier": his.uscc }),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("supplier")),
        "never the needing firm itself: {b}"
    );
    let (s, b) = post_json(
        &app,
        &manager_t,
        "/api/v1/matching/introductions",
        json!({ "need": 987654321, "supplier": supplier }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let audit_before = app.store.count_audit().await.expect("count");
    let (s, b) = post_json(
        &app,
        &manager_t,
        "/api/v1/matching/introductions",
        json!({ "need": mine, "supplier": supplier, "note": "约定下周见面" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let intro = b["introduction"]["id"].as_i64().expect("id");
    let (s, b) = post_json(
        &app,
        &manager_t,
        "/api/v1/matching/introductions",
        json!({ "need": mine, "supplier": supplier }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "the same introduction again: {b}");
    assert_eq!(b["introduction"]["id"].as_i64(), Some(intro));
    assert_eq!(
        app.store.count_audit().await.expect("count"),
        audit_before + 1,
        "one introduction, audited once"
    );

    // The deal: refusals name the field; once only.
    let deal = format!("/api/v1/matching/introductions/{intro}/deal");
    for (body, field) in [
        (
            json!({ "amount_wan": "许多", "deal_on": "2025-10-14" }),
            "amount_wan",
        ),
        (
            json!({ "amount_wan": 0, "deal_on": "2025-10-14" }),
            "amount_wan",
        ),
        (
            json!({ "amount_wan": 50, "deal_on": "2099-01-01" }),
            "deal_on",
        ),
        (
            json!({ "amount_wan": 50, "deal_on": "2000-01-01" }),
            "deal_on",
        ),
    ] {
        let (s, b) = post_json(&app, &manager_t, &deal, body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {b}"
        );
    }
    let (s, b) = post_json(
        &app,
        &viewer_t,
        &deal,
        json!({ "amount_wan": 50, "deal_on": "2025-10-14" }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = post_json(
        &app,
        &manager_t,
        &deal,
        json!({ "amount_wan": "36.25", "deal_on": "2025-10-14" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["introduction"]["deal_amount_yuan"], 362_500);
    assert_eq!(b["introduction"]["deal_wan"], "36.25");
    let (s, _) = post_json(
        &app,
        &office_t,
        &deal,
        json!({ "amount_wan": 1, "deal_on": "2025-10-14" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a deal is recorded once");

    // The pages: the board, and the form refused shown again with what was typed.
    let session = app.login("office").await;
    let html = session
        .client
        .get(session.url("/matching"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("供需对接") && html.contains("无本地供应的需求"));
    let html = session
        .client
        .get(session.url(&format!("/enterprises/{}", his.uscc)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("测试外购件") && html.contains("firm-matching"));
    let open = board
        .introductions
        .iter()
        .find(|i| i.deal_on.is_none())
        .expect("an open introduction in the demo");
    let resp = session
        .client
        .post(session.url(&format!("/matching/introductions/{}/deal", open.id)))
        .form(&[
            ("csrf", session.csrf.as_str()),
            ("amount_wan", "三十万"),
            ("deal_on", "2025-10-14"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("value=\"三十万\"") && html.contains("成交额"),
        "{html}"
    );
}

async fn run(
    app: &TestApp,
    p: &Principal,
    kind: OfferKind,
    file: &str,
    bytes: Vec<u8>,
    write: bool,
) -> Result<workflow::matching::ImportOutcome, workflow::Error> {
    let actor = store::Actor::system("测试");
    workflow::matching::import_offers(
        &app.store,
        Caller {
            principal: p,
            actor: &actor,
        },
        &ImportOffers {
            kind,
            region: REGION.into(),
            file_name: file.into(),
            write,
        },
        bytes,
    )
    .await
}

async fn a_bad_import_is_refused_whole(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = principal(&app, "office").await;
    let town = principal(&app, "jiaoxi").await;
    let firm = app
        .store
        .offers(OfferKind::Product, REGION)
        .await
        .expect("products")
        .into_iter()
        .next()
        .expect("a product");
    let before = (
        app.store
            .offers(OfferKind::Need, REGION)
            .await
            .expect("n")
            .len(),
        app.store.count_audit().await.expect("count"),
    );
    let good = format!("{},新需求甲,3812,电机,100", firm.uscc);
    let csv = format!(
        "统一社会信用代码,需求名称,行业代码,关键词,年采购额（万元）\n{good}\n\
         91370281XXXXXXXXXX,新需求乙,3812,,100\n{u},新需求丙,9999,,100\n{u},新需求丁,3812,,\n\
         {u},,3812,,5\n{u},新需求甲,3812,,100\n",
        u = firm.uscc
    );
    let e = run(
        &app,
        &office,
        OfferKind::Need,
        "需求.csv",
        csv.into_bytes(),
        true,
    )
    .await
    .expect_err("refused");
    let workflow::Error::Rejected(errors) = e else {
        panic!("rejected with row errors: {e}");
    };
    let places: Vec<(usize, &str)> = errors
        .0
        .iter()
        .map(|r| (r.row, r.column.as_str()))
        .collect();
    assert_eq!(
        places,
        vec![
            (3, "统一社会信用代码"),
            (4, "行业代码"),
            (5, "年采购额（万元）"),
            (6, "需求名称"),
            (7, "需求名称"),
        ],
        "{errors}"
    );
    let e = run(
        &app,
        &office,
        OfferKind::Product,
        "产品.csv",
        format!(
            "统一社会信用代码,产品名称,行业代码,颜色\n{},新产品,3812,红\n",
            firm.uscc
        )
        .into_bytes(),
        true,
    )
    .await
    .expect_err("refused");
    assert!(e.to_string().contains("颜色"), "{e}");
    // A dry run checks and writes nothing; a town may not import.
    let ok = format!("统一社会信用代码,需求名称,行业代码,关键词,年采购额（万元）\n{good}\n");
    let s = run(
        &app,
        &office,
        OfferKind::Need,
        "需求.csv",
        ok.clone().into_bytes(),
        false,
    )
    .await
    .expect("checked");
    assert!(!s.written && s.rows == 1);
    let e = run(
        &app,
        &town,
        OfferKind::Need,
        "需求.csv",
        ok.into_bytes(),
        true,
    )
    .await
    .expect_err("forbidden");
    assert!(matches!(e, workflow::Error::Forbidden(_)), "{e}");
    // GBK text (as Excel saves a CSV) and a workbook are read as well.
    let text = format!(
        "统一社会信用代码,产品名称,行业代码,关键词\n{},新产品,3812,电机\n",
        firm.uscc
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let s = run(
        &app,
        &office,
        OfferKind::Product,
        "产品.csv",
        gbk.into_owned(),
        false,
    )
    .await
    .expect("a GBK file");
    assert_eq!(s.rows, 1);
    let xlsx = io::export::table_xlsx(
        "产品",
        &["统一社会信用代码", "产品名称", "行业代码"],
        &[vec![firm.uscc.clone(), "新产品".into(), "12".into()]],
    )
    .expect("workbook");
    let e = run(&app, &office, OfferKind::Product, "产品.xlsx", xlsx, true)
        .await
        .expect_err("refused");
    let workflow::Error::Rejected(errors) = e else {
        panic!("rejected with row errors: {e}");
    };
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(
        (errors.0[0].row, errors.0[0].column.as_str()),
        (2, "行业代码")
    );
    let after = (
        app.store
            .offers(OfferKind::Need, REGION)
            .await
            .expect("n")
            .len(),
        app.store.count_audit().await.expect("count"),
    );
    assert_eq!(before, after, "nothing written");
}

async fn two_identical_introductions_at_once_make_one(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = principal(&app, "office").await;
    let token = app.token("office").await;
    let board = workflow::matching::board(&app.store, &office, REGION)
        .await
        .expect("board");
    let (need, supplier) = board
        .needs
        .iter()
        .find_map(|n| {
            n.suggestions
                .iter()
                .find(|s| !s.introduced)
                .map(|s| (n.id, s.uscc.clone()))
        })
        .expect("a need with a supplier not yet introduced");
    let body = json!({ "need": need, "supplier": supplier });
    let path = "/api/v1/matching/introductions";
    let (a, b) = tokio::join!(
        post_json(&app, &token, path, body.clone()),
        post_json(&app, &token, path, body.clone()),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "{} {}",
        a.1,
        b.1
    );
    assert_eq!(a.1["introduction"]["id"], b.1["introduction"]["id"]);
    let rows = app
        .store
        .introductions(REGION, Some(need))
        .await
        .expect("introductions");
    assert_eq!(
        rows.iter().filter(|i| i.supplier_uscc == supplier).count(),
        1
    );
}

on_both!(the_needs_are_paged);

/// The needs table shows 50 needs a page, every need on exactly one page; a bad page is refused
/// with the field named; an introduction recorded on page 2 returns to page 2.
async fn the_needs_are_paged(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let get = |path: String| {
        let s = &office;
        async move { s.get_page(&path).await }
    };
    let ids = |html: &str| -> Vec<i64> {
        html.split("data-need=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .collect()
    };
    let board = workflow::matching::board(&app.store, &principal(&app, "office").await, REGION)
        .await
        .expect("board");
    let total = board.needs.len();
    assert!(
        total > 100,
        "the demo has more than two pages of needs: {total}"
    );
    let pages = total.div_ceil(50);
    let (s, first) = get("/matching".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        first.contains(&format!("第 1 / {pages} 页")),
        "{first:.2000}"
    );
    assert!(
        first.contains(&format!("外购需求 {total} 项")),
        "the headline counts them all"
    );
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=pages {
        let (_, html) = get(format!("/matching?page={page}")).await;
        let on_page = ids(&html);
        assert_eq!(
            on_page.len(),
            50.min(total - (page - 1) * 50),
            "page {page}"
        );
        seen.extend(on_page);
    }
    assert_eq!(seen.len(), total, "every need on exactly one page");
    let (s, past) = get(format!("/matching?page={}", pages + 1)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ids(&past).is_empty());
    for bad in ["0", "-1", "x", "99999999999999999999"] {
        let (s, html) = get(format!("/matching?page={bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "page={bad}");
        assert!(html.contains("页码应为正整数"));
    }
    // An introduction from page 2 comes back to page 2, at the need.
    let (_, second) = get("/matching?page=2".into()).await;
    let need = board
        .needs
        .iter()
        .skip(50)
        .take(50)
        .find(|n| n.may_introduce && !n.suggestions.is_empty())
        .expect("a need with suppliers on page 2");
    assert!(second.contains(&format!("data-need=\"{}\"", need.id)));
    let resp = office
        .client
        .post(office.url("/matching/introductions"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("need", &need.id.to_string()),
            ("supplier", &need.suggestions[0].uscc),
            ("note", ""),
            ("page", "2"),
        ])
        .send()
        .await
        .expect("introduce");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.url().path(), "/matching");
    assert_eq!(resp.url().query(), Some("page=2"));
}

on_both!(a_product_or_need_is_entered_on_the_firm_page);
on_both!(the_introductions_are_paged);

/// 一企一档's forms: the firm's service manager (or the office) enters one product or need,
/// checked like an imported one; entering the same name again changes it; a bad field is
/// refused with its reason and what was typed, writing nothing; another manager's firm and a
/// town user are refused.
async fn a_product_or_need_is_entered_on_the_firm_page(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let manager = principal(&app, "manager").await;
    let firms = app.store.enterprises(REGION).await.expect("firms");
    let his = firms
        .iter()
        .find(|f| f.service_manager_id.is_some() && f.service_manager_id == manager.person_id)
        .expect("a firm the manager serves")
        .clone();
    let not_his = firms
        .iter()
        .find(|f| f.service_manager_id.is_some() && f.service_manager_id != manager.person_id)
        .expect("another manager's firm")
        .clone();
    let needs = |uscc: String| {
        let app = &app;
        async move {
            let office = principal(app, "office").await;
            workflow::matching::for_firm(&app.store, &office, &uscc)
                .await
                .expect("firm")
                .needs
        }
    };
    let session = app.login("manager").await;
    let page = session
        .client
        .get(session.url(&format!("/enterprises/{}", his.uscc)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("登记外购需求"), "{page:.2000}");
    let post = |uscc: String, fields: Vec<(&'static str, &'static str)>| {
        let s = &session;
        async move {
            let mut form = vec![("csrf", s.csrf.clone())];
            form.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
            let resp = s
                .client
                .post(s.url(&format!("/enterprises/{uscc}/offers")))
                .form(&form)
                .send()
                .await
                .expect("post");
            (
                resp.status(),
                resp.url().to_string(),
                resp.text().await.expect("html"),
            )
        }
    };
    let before = needs(his.uscc.clone()).await.len();
    let need = |amount: &'static str, class: &'static str| {
        vec![
            ("kind", "need"),
            ("name", "外购精密轴承"),
            ("industry_code", class),
            ("keywords", "轴承、精密"),
            ("amount_wan", amount),
        ]
    };
    // Refused: an unknown class, a bad amount, no kind; the typed name is shown again.
    for (fields, says) in [
        (need("300", "9999"), "行业"),
        (need("三百万", "3451"), "年采购额"),
        (vec![("name", "外购精密轴承")], "请选择登记产品还是外购需求"),
    ] {
        let (s, _, html) = post(his.uscc.clone(), fields).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html:.2000}");
        assert!(html.contains(says), "{says}: {html:.3000}");
        // Beside the form that was sent, not in the service section; the top of the page
        // points there.
        let matching_at = html.find("id=\"firm-matching\"").expect("the section");
        let alerts: Vec<_> = html.match_indices("role=\"alert\"").collect();
        assert_eq!(alerts.len(), 1, "one message");
        assert!(alerts[0].0 > matching_at, "the message is beside the form");
        assert!(html[alerts[0].0..]
            .split("</p>")
            .next()
            .unwrap_or("")
            .contains(says));
        assert!(html.contains("<a href=\"#firm-matching\">未保存"));
        assert!(!html.contains("<details open><summary>登记走访"));
    }
    let (_, _, html) = post(his.uscc.clone(), need("三百万", "3451")).await;
    assert!(
        html.contains("value=\"外购精密轴承\""),
        "what was typed is kept"
    );
    assert_eq!(
        needs(his.uscc.clone()).await.len(),
        before,
        "nothing written"
    );

    // Entered, then changed by entering the same name again.
    let (s, url, _) = post(his.uscc.clone(), need("300", "3451")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(url.contains(&format!("/enterprises/{}", his.uscc)), "{url}");
    let after = needs(his.uscc.clone()).await;
    assert_eq!(after.len(), before + 1);
    let n = after
        .iter()
        .find(|n| n.name == "外购精密轴承")
        .expect("the need");
    assert_eq!(
        (n.industry_code.as_str(), n.amount_yuan),
        ("3451", 3_000_000)
    );
    let (s, _, _) = post(his.uscc.clone(), need("450.5", "3451")).await;
    assert_eq!(s, StatusCode::OK);
    let after = needs(his.uscc.clone()).await;
    assert_eq!(
        after.len(),
        before + 1,
        "the same name changes, not doubles"
    );
    let n = after
        .iter()
        .find(|n| n.name == "外购精密轴承")
        .expect("the need");
    assert_eq!(n.amount_yuan, 4_505_000);
    let (s, _, _) = post(
        his.uscc.clone(),
        vec![
            ("kind", "product"),
            ("name", "精密轴承座"),
            ("industry_code", "3451"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let office = principal(&app, "office").await;
    let products = workflow::matching::for_firm(&app.store, &office, &his.uscc)
        .await
        .expect("firm")
        .products;
    assert!(products.iter().any(|p| p.name == "精密轴承座"));

    // Another manager's firm: refused; a town user: refused or not found; nothing written.
    let theirs_before = needs(not_his.uscc.clone()).await.len();
    let (s, _, _) = post(not_his.uscc.clone(), need("300", "3451")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let town = app.login("jiaoxi").await;
    let resp = town
        .client
        .post(town.url(&format!("/enterprises/{}/offers", not_his.uscc)))
        .form(&[
            ("csrf", town.csrf.as_str()),
            ("kind", "need"),
            ("name", "外购精密轴承"),
            ("industry_code", "3451"),
            ("amount_wan", "300"),
        ])
        .send()
        .await
        .expect("post");
    assert!(
        matches!(resp.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        resp.status()
    );
    assert_eq!(needs(not_his.uscc.clone()).await.len(), theirs_before);
}

on_both!(identical_hand_entries_at_once_make_one);

/// The same need entered eight times at the same moment (double clicks, several tabs): one
/// item; each other entry is either the same item unchanged or refused as a conflict, never an
/// internal error.
async fn identical_hand_entries_at_once_make_one(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = principal(&app, "office").await;
    let firm = app.store.enterprises(REGION).await.expect("firms")[7].clone();
    let before = app
        .store
        .firm_offers(OfferKind::Need, firm.id)
        .await
        .expect("needs")
        .len();
    let cmd = workflow::matching::RegisterOffer {
        uscc: firm.uscc.clone(),
        name: "同时登记的外购件".into(),
        industry_code: "3451".into(),
        keywords: "轴承".into(),
        amount_wan: "120".into(),
    };
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (store, office, cmd) = (app.store.clone(), office.clone(), cmd.clone());
        set.spawn(async move {
            let actor = store::Actor::system("测试");
            workflow::matching::register_offer(
                &store,
                Caller {
                    principal: &office,
                    actor: &actor,
                },
                OfferKind::Need,
                &cmd,
            )
            .await
        });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        match r.expect("task") {
            Ok(_) => ok += 1,
            Err(workflow::Error::Store(store::StoreError::Conflict(_))) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(ok >= 1);
    let after = app
        .store
        .firm_offers(OfferKind::Need, firm.id)
        .await
        .expect("needs");
    assert_eq!(after.len(), before + 1);
}

/// The introductions table is paged (50 a page) apart from the needs: each page has its own
/// introductions, together all of them; a deal recorded from page 2 returns to page 2; a bad
/// page is refused with its reason.
async fn the_introductions_are_paged(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_p = principal(&app, "office").await;
    let actor = store::Actor::system("test");
    let caller = workflow::claim::Caller {
        principal: &office_p,
        actor: &actor,
    };
    let board = workflow::matching::board(&app.store, &office_p, REGION)
        .await
        .expect("board");
    // Enough introductions for three pages: each need to each of its suggested suppliers.
    'outer: for n in &board.needs {
        for s in &n.suggestions {
            workflow::matching::introduce(
                &app.store,
                caller,
                n.id,
                &workflow::requests::FirmRef::Uscc(s.uscc.clone()),
                "",
            )
            .await
            .expect("introduce");
            let b = workflow::matching::board(&app.store, &office_p, REGION)
                .await
                .expect("board");
            if b.introductions.len() > 110 {
                break 'outer;
            }
        }
    }
    let board = workflow::matching::board(&app.store, &office_p, REGION)
        .await
        .expect("board");
    let total = board.introductions.len();
    assert!(total > 100, "{total}");
    let office = app.login("office").await;
    let get = |path: String| {
        let s = &office;
        async move { s.get_page(&path).await }
    };
    let ids = |html: &str| -> Vec<i64> {
        html.split("data-introduction=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .collect()
    };
    let pages = total.div_ceil(50);
    let mut seen = std::collections::BTreeSet::new();
    for ipage in 1..=pages {
        let (s, html) = get(format!("/matching?ipage={ipage}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("第 {ipage} / {pages} 页（每页 50 次）")));
        let on_page = ids(&html);
        assert_eq!(
            on_page.len(),
            50.min(total - (ipage - 1) * 50),
            "ipage {ipage}"
        );
        seen.extend(on_page);
    }
    assert_eq!(seen.len(), total, "every introduction on exactly one page");
    for bad in ["0", "x", "-3"] {
        let (s, html) = get(format!("/matching?ipage={bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "ipage={bad}");
        assert!(html.contains("页码应为正整数"));
    }
    // A deal on page 2 comes back to page 2 of the introductions.
    let (_, second) = get("/matching?ipage=2".into()).await;
    let intro = board
        .introductions
        .iter()
        .skip(50)
        .take(50)
        .find(|i| i.deal_wan.is_none())
        .expect("an open introduction on page 2");
    assert!(second.contains(&format!("data-introduction=\"{}\"", intro.id)));
    let resp = office
        .client
        .post(office.url(&format!("/matching/introductions/{}/deal", intro.id)))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("amount_wan", "120"),
            ("deal_on", "2025-10-14"),
            ("page", "1"),
            ("ipage", "2"),
        ])
        .send()
        .await
        .expect("deal");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.url().path(), "/matching");
    assert_eq!(resp.url().query(), Some("ipage=2"));
}
