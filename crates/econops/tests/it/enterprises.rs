//! The enterprise registry on both databases: a file with one bad USCC is refused with its row
//! and nothing is written; an upsert by USCC records what changed (field by field, the old name
//! kept); a town user finds only his town's firms and another town's firm is "not found"; who
//! sees a firm's own figures follows `domain::access` per role; the pages and the API answer.

use crate::support;

use domain::{Principal, Role, Uscc};
use reqwest::StatusCode;
use store::{Actor, Dialect};
use support::TestApp;
use workflow::serve::enterprises::{self, FirmSearch};
use workflow::serve::registry::{import_firms, ImportFirms};

on_both!(
    a_file_with_one_bad_uscc_is_refused_with_its_row_and_nothing_written,
    an_upsert_records_what_changed,
    a_town_sees_only_its_firms_and_figures_follow_the_rule,
    the_pages_and_the_api_show_the_registry_within_scope,
    a_town_and_a_track_page_count_their_firms_and_list_a_few_within_scope,
);

const REGION: &str = "370281";

fn code(n: u32) -> String {
    Uscc::with_check(&format!("91370281MA{n:07}"))
        .expect("valid body")
        .to_string()
}

async fn import(
    app: &TestApp,
    csv: &str,
    write: bool,
) -> Result<workflow::serve::registry::FirmImportSummary, workflow::Error> {
    import_firms(
        &app.store,
        &Actor::system("test"),
        &ImportFirms {
            region: REGION.into(),
            file_name: "firms.csv".into(),
            limits: io::ReadLimits::default(),
            write,
        },
        csv.as_bytes().to_vec(),
        &mut |_, _, _| {},
    )
    .await
}

const HEADER: &str = "uscc,name,industry_code,town,founded_on,registered_capital,employees,tags\n";

async fn count_firms(app: &TestApp) -> usize {
    app.store.enterprises(REGION).await.expect("firms").len()
}

async fn a_file_with_one_bad_uscc_is_refused_with_its_row_and_nothing_written(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let before = (
        count_firms(&app).await,
        app.store.count_audit().await.expect("audit"),
    );
    let mut bad = code(3);
    bad.pop();
    bad.push(if code(3).ends_with('0') { '1' } else { '0' });
    let csv = format!(
        "{HEADER}{},甲电器有限公司,3851,胶西街道,2015-06-03,1000,120,专精特新\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n\
         {bad},丙食品有限公司,1391,胶西街道,2019-03-01,300,40,\n\
         {},丁物流有限公司,5821,中云街道,2020-05-05,800,30,\n",
        code(1),
        code(2),
        code(4)
    );
    for write in [false, true] {
        let err = import(&app, &csv, write).await.expect_err("refused");
        let workflow::Error::Rejected(errors) = err else {
            panic!("expected a rejection, got {err:?}");
        };
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].row, 4);
        assert_eq!(errors.0[0].column, "uscc");
        assert!(
            errors.0[0].reason.contains("校验位"),
            "{}",
            errors.0[0].reason
        );
    }
    let after = (
        count_firms(&app).await,
        app.store.count_audit().await.expect("audit"),
    );
    assert_eq!(before, after, "nothing written");
    // Fixed, it loads; a dry run first writes nothing.
    let good = csv.replace(&bad, &code(3));
    let dry = import(&app, &good, false).await.expect("checks");
    assert_eq!((dry.new, dry.written), (4, false));
    assert_eq!(count_firms(&app).await, before.0);
    let done = import(&app, &good, true).await.expect("loads");
    assert_eq!((done.new, done.updated), (4, 0));
    assert_eq!(count_firms(&app).await, before.0 + 4);
    let firm = app
        .store
        .firm_by_uscc(&code(1))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(firm.industry_code.as_deref(), Some("3851"));
    assert_eq!(firm.scale_kind, "industry");
    assert_eq!(firm.tags, "specialised");
    assert_eq!(firm.legal_form, "企业");
    assert_eq!(firm.town_name.as_deref(), Some("胶西街道"));
}

async fn an_upsert_records_what_changed(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let first = format!(
        "{HEADER}{},甲电器有限公司,3851,胶西街道,2015-06-03,1000,120,专精特新\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n",
        code(11),
        code(12)
    );
    import(&app, &first, true).await.expect("loads");
    let second = format!(
        "{HEADER}{},甲智能电器股份有限公司,3851,胶西街道,2015-06-03,1000,135,专精特新;高新技术企业\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n",
        code(11),
        code(12)
    );
    let s = import(&app, &second, true).await.expect("upserts");
    assert_eq!(
        (s.new, s.updated, s.unchanged, s.changed_fields),
        (0, 1, 1, 3)
    );
    let firm = app
        .store
        .firm_by_uscc(&code(11))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(firm.name, "甲智能电器股份有限公司");
    assert_eq!(firm.employees, Some(135));
    let mut changes: Vec<(String, String, String)> = app
        .store
        .firm_changes(firm.id, 50)
        .await
        .expect("history")
        .into_iter()
        .map(|c| (c.field, c.before_value, c.after_value))
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        vec![
            ("从业人员".into(), "120".into(), "135".into()),
            (
                "企业名称".into(),
                "甲电器有限公司".into(),
                "甲智能电器股份有限公司".into()
            ),
            (
                "标签".into(),
                "专精特新".into(),
                "专精特新、高新技术企业".into()
            ),
        ]
    );
    let former = app.store.firm_former_names(firm.id).await.expect("names");
    assert_eq!(former.len(), 1);
    assert_eq!(former[0].name, "甲电器有限公司");
    // The old name still finds the firm.
    let office = principal(Role::Office, None, None);
    let page = enterprises::search(
        &app.store,
        &office,
        &FirmSearch {
            region: REGION.into(),
            text: Some("甲电器".into()),
            ..FirmSearch::default()
        },
    )
    .await
    .expect("search");
    assert_eq!(page.firms.len(), 1);
    // The same file again changes nothing and records nothing.
    let again = import(&app, &second, true).await.expect("upserts");
    assert_eq!((again.updated, again.unchanged), (0, 2));
    assert_eq!(
        app.store
            .firm_changes(firm.id, 50)
            .await
            .expect("history")
            .len(),
        3
    );
}

fn principal(role: Role, person: Option<i64>, town: Option<i64>) -> Principal {
    Principal {
        user_id: 1,
        username: "t".into(),
        role,
        person_id: person,
        department_id: None,
        town_id: town,
    }
}

async fn a_town_sees_only_its_firms_and_figures_follow_the_rule(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let fuan = app.town_id("fuan").await;
    // 3851 (household refrigerators) maps to 智能家电 by the demo's mapping.
    let csv = format!(
        "{HEADER}{},甲电器有限公司,3851,胶西街道,2015-06-03,1000,120,\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n",
        code(21),
        code(22)
    );
    import(&app, &csv, true).await.expect("loads");
    let town = principal(Role::Town, None, Some(jiaoxi));
    let search = |p: Principal, text: &'static str| {
        let store = app.store.clone();
        async move {
            enterprises::search(
                &store,
                &p,
                &FirmSearch {
                    region: REGION.into(),
                    text: Some(text.into()),
                    per_page: 200,
                    ..FirmSearch::default()
                },
            )
            .await
            .expect("search")
            .firms
        }
    };
    let seen = search(town.clone(), "有限公司").await;
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|f| f.town_id == Some(jiaoxi)),
        "only his town"
    );
    // The demo's registry holds hundreds of his town's firms: find the new one by its name.
    let named = search(town.clone(), "甲电器").await;
    assert!(named.iter().any(|f| f.uscc == code(21)));
    let all = search(principal(Role::Office, None, None), "有限公司").await;
    assert!(all.iter().any(|f| f.town_id == Some(fuan)));
    // The other town's firm does not exist for him; his own does, with its figures.
    let other = enterprises::firm_file(&app.store, &town, &code(22)).await;
    assert!(
        matches!(other, Err(workflow::Error::NotFound(_))),
        "{other:?}"
    );
    let own = enterprises::firm_file(&app.store, &town, &code(21))
        .await
        .expect("own firm");
    assert!(own.figures_visible);
    assert_eq!(
        own.industry_path
            .as_deref()
            .map(|p| p.starts_with("C 制造业")),
        Some(true)
    );
    assert_eq!(own.scale_threshold_wan, Some(2_000));
    // Figures per role.
    let leaders: Vec<i64> = own.tracks.iter().flat_map(|t| t.leaders.clone()).collect();
    assert!(!leaders.is_empty(), "the mapping put the firm in a track");
    let outsider_leader = app
        .store
        .people(REGION)
        .await
        .expect("people")
        .into_iter()
        .map(|p| p.id)
        .find(|id| !leaders.contains(id))
        .expect("a person who leads no track of the firm");
    let cases = [
        (principal(Role::Office, None, None), true),
        (principal(Role::Admin, None, None), true),
        (principal(Role::Leader, Some(leaders[0]), None), true),
        (principal(Role::Leader, Some(outsider_leader), None), false),
        (principal(Role::Department, None, None), false),
        (principal(Role::Viewer, None, None), false),
        (
            principal(Role::ServiceManager, Some(outsider_leader), None),
            false,
        ),
    ];
    for (p, figures) in cases {
        let file = enterprises::firm_file(&app.store, &p, &code(21))
            .await
            .expect("readable");
        assert_eq!(file.figures_visible, figures, "{:?}", p.role);
    }
    // Assigned as the firm's service manager, the person sees them.
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.set_service_manager(&Actor::system("test"), own.id, Some(outsider_leader))
        .await
        .expect("assign");
    tx.commit().await.expect("commit");
    let sm = principal(Role::ServiceManager, Some(outsider_leader), None);
    assert!(
        enterprises::firm_file(&app.store, &sm, &code(21))
            .await
            .expect("readable")
            .figures_visible
    );
}

async fn the_pages_and_the_api_show_the_registry_within_scope(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let csv = format!(
        "{HEADER}{},甲电器有限公司,3851,胶西街道,2015-06-03,1000,120,链主\n\
         {},乙机械有限公司,3421,阜安街道,2018-01-09,500,60,\n",
        code(31),
        code(32)
    );
    import(&app, &csv, true).await.expect("loads");
    let office = app.login("office").await;
    let page = office
        .client
        .get(office.url(&format!("/enterprises/{}", code(31))))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    for expected in [
        "甲电器有限公司",
        "家用制冷电器具制造",
        "电气机械和器材制造业",
        "胶西街道",
        "链主",
        "规上工业",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    let list = office
        .client
        .get(office.url("/enterprises?q=%E4%B9%99%E6%9C%BA%E6%A2%B0"))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), StatusCode::OK);
    assert!(list.text().await.expect("html").contains("乙机械有限公司"));
    let town = app.login("jiaoxi").await;
    let other = town
        .client
        .get(town.url(&format!("/enterprises/{}", code(32))))
        .send()
        .await
        .expect("page");
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    // The API: search paged, one firm, 404 outside the caller's scope.
    let (status, body) = town
        .get_json("/api/v1/enterprises?q=%E6%9C%89%E9%99%90")
        .await;
    assert_eq!(status, StatusCode::OK);
    let firms = body["enterprises"].as_array().expect("list");
    assert!(firms.iter().all(|f| f["town_name"] == "胶西街道"), "{body}");
    let (status, _) = town
        .get_json(&format!("/api/v1/enterprises/{}", code(32)))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = office
        .get_json(&format!("/api/v1/enterprises/{}", code(31)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["firm"]["industry_name"], "家用制冷电器具制造");
    assert_eq!(body["figures_visible"], true);
}

/// The firm links of a page (to 一企一档), in order.
fn firm_links(html: &str) -> Vec<String> {
    html.split("href=\"/enterprises/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|u| Uscc::parse(u).is_ok())
        .map(str::to_string)
        .collect()
}

/// A town's page and a track's page count their firms and list at most 20 (the demo's towns
/// have hundreds), linking to the registry for the rest; a town user's track page counts and
/// lists only his town's firms (it listed the whole track's, other towns' included).
async fn a_town_and_a_track_page_count_their_firms_and_list_a_few_within_scope(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let all = app.store.enterprises(REGION).await.expect("firms");
    let in_town: Vec<_> = all.iter().filter(|e| e.town_id == Some(jiaoxi)).collect();
    let above = in_town.iter().filter(|e| e.above_scale == 1).count();
    assert!(in_town.len() > 20, "the demo town has many firms");
    let office = app.login("office").await;
    // The page's own region is not saved as the user's view (a saved view on every visit kept
    // the page out of the page cache); a period the user picks is.
    for (path, saves) in [
        (format!("/towns/{jiaoxi}"), false),
        (format!("/towns/{jiaoxi}?period=2025-06"), true),
    ] {
        let resp = office
            .client
            .get(office.url(&path))
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers().contains_key(reqwest::header::SET_COOKIE),
            saves,
            "{path}"
        );
    }
    let (_, html) = office.get_page(&format!("/towns/{jiaoxi}")).await;
    assert!(
        html.contains(&format!(
            "企业库中共 {} 家，其中规上 {above} 家",
            in_town.len()
        )),
        "the town's count"
    );
    assert!(html.contains(&format!("href=\"/enterprises?town={jiaoxi}\"")));
    let listed = firm_links(&html);
    assert_eq!(listed.len(), 20, "twenty firms listed");
    for u in &listed {
        let e = in_town
            .iter()
            .find(|e| &e.uscc == u)
            .expect("a firm of the town");
        assert_eq!(e.above_scale, 1, "above-scale firms first: {u}");
    }

    // A track with firms in several towns, as the office and as the town's user sees it.
    let office_p = principal(Role::Office, None, None);
    let mut track_firms: Vec<(i64, String, Option<i64>)> = Vec::new();
    for t in app.store.tracks(REGION).await.expect("tracks") {
        let mut members = Vec::new();
        let mut page = 1;
        loop {
            let p = enterprises::search(
                &app.store,
                &office_p,
                &FirmSearch {
                    region: REGION.into(),
                    track_id: Some(t.id),
                    page,
                    per_page: 200,
                    ..FirmSearch::default()
                },
            )
            .await
            .expect("search");
            members.extend(p.firms.into_iter().map(|f| (t.id, f.uscc, f.town_id)));
            if !p.has_more {
                break;
            }
            page += 1;
        }
        let towns = members.iter().filter(|m| m.2 == Some(jiaoxi)).count();
        if towns > 0 && towns < members.len() {
            track_firms = members;
            break;
        }
    }
    let track = track_firms.first().expect("a track across towns").0;
    let mine = track_firms.iter().filter(|m| m.2 == Some(jiaoxi)).count();
    let track_page = format!("/tracks/{track}");
    let (_, seen) = office.get_page(&track_page).await;
    assert!(seen.contains(&format!("企业库中共 {} 家", track_firms.len())));
    let (_, seen) = app.login("jiaoxi").await.get_page(&track_page).await;
    assert!(
        seen.contains(&format!("本镇街企业库中共 {mine} 家")),
        "a town user counts his town's firms of the track"
    );
    let listed = firm_links(&seen);
    assert!(!listed.is_empty() && listed.len() <= 20);
    for u in listed {
        let m = track_firms
            .iter()
            .find(|m| m.1 == u)
            .expect("a firm of the track");
        assert_eq!(
            m.2,
            Some(jiaoxi),
            "another town's firm on a town user's track page: {u}"
        );
    }
}
