//! The 项目库 at scale, on both databases: generated projects inserted in bulk; the list paged,
//! sorted and filtered in the query; a town's pages full of its own projects only; the board's
//! columns bounded with their totals; the export following the filter; and a new project
//! created through the API's typed command (not form strings).

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::land::ProjectRow;
use store::Dialect;
use support::{get_json as get, TestApp};

on_both!(
    generated_projects_are_paged_sorted_and_filtered_in_the_query,
    a_town_page_is_full_of_its_own_projects,
    the_board_is_bounded_and_the_export_follows_the_filter,
    the_api_creates_a_project_from_its_typed_json_command,
);

const REGION: &str = "370281";
const EXTRA: usize = 1_500;

fn ids(body: &Value) -> Vec<i64> {
    body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect()
}

/// The page's text with the ampersands of its links unescaped.
fn unescaped(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

async fn with_extra(dialect: Dialect) -> Option<(TestApp, Vec<ProjectRow>)> {
    let app = TestApp::demo(dialect).await?;
    let before = app.store.projects(REGION).await.expect("projects").len();
    let n = econops::demo_extra::load(&app.store, REGION, EXTRA)
        .await
        .expect("generated");
    assert_eq!(n, EXTRA);
    let all = app.store.projects(REGION).await.expect("projects");
    assert_eq!(all.len(), before + EXTRA);
    Some((app, all))
}

async fn generated_projects_are_paged_sorted_and_filtered_in_the_query(dialect: Dialect) {
    let Some((app, all)) = with_extra(dialect).await else {
        return;
    };
    // Spread over every stage, and with stage histories.
    for s in domain::project::Stage::ALL {
        assert!(all.iter().any(|p| p.stage() == s), "{s:?}");
    }
    let generated = all
        .iter()
        .rev()
        .find(|p| p.stage() == domain::project::Stage::Producing);
    let detail = app
        .store
        .project(generated.expect("a producing project").id)
        .await
        .expect("detail")
        .expect("exists");
    assert_eq!(detail.stages.len(), 6, "lead … producing recorded");

    let token = app.token("office").await;
    // Paging: the total, a capped page size, pages that neither overlap nor miss.
    let (status, first) = get(&app, &token, "/api/v1/projects?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["total"].as_i64(), Some(all.len() as i64));
    assert_eq!(ids(&first).len(), 100);
    let (_, second) = get(&app, &token, "/api/v1/projects?per_page=100&page=2").await;
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(b.len(), 100);
    assert!(a.iter().all(|id| !b.contains(id)), "pages do not overlap");
    let (status, too_big) = get(&app, &token, "/api/v1/projects?per_page=201").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{too_big}");
    assert_eq!(too_big["field"], "per_page");
    let (status, bad_sort) = get(&app, &token, "/api/v1/projects?sort=random").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad_sort}");
    assert_eq!(bad_sort["field"], "sort");

    // Default order: longest idle first.
    let idle: Vec<i64> = first["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["idle_days"].as_i64().unwrap_or(-1))
        .collect();
    assert!(idle.windows(2).all(|w| w[0] >= w[1]), "{idle:?}");
    // By investment, largest first.
    let (_, by_money) = get(&app, &token, "/api/v1/projects?sort=investment&per_page=50").await;
    let money: Vec<i64> = by_money["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["investment"].as_i64().unwrap_or(0))
        .collect();
    assert!(money.windows(2).all(|w| w[0] >= w[1]), "{money:?}");
    let max = all.iter().filter_map(|p| p.total_investment).max();
    assert_eq!(money.first().copied(), max);

    // Filters: stage, town, track and tier agree with the rows; stalled ones are red.
    let town = all.iter().find_map(|p| p.town_id).expect("a town");
    let track = all.iter().find_map(|p| p.track_id).expect("a track");
    let tier = all
        .iter()
        .find(|p| p.track_id == Some(track))
        .and_then(|p| p.tier_id)
        .expect("a tier");
    for (query, expected) in [
        (
            "stage=signed".to_string(),
            all.iter().filter(|p| p.stage == "signed").count(),
        ),
        (
            format!("town={town}"),
            all.iter().filter(|p| p.town_id == Some(town)).count(),
        ),
        (
            format!("track={track}&stage=lead"),
            all.iter()
                .filter(|p| p.track_id == Some(track) && p.stage == "lead")
                .count(),
        ),
        (
            format!("tier={tier}"),
            all.iter().filter(|p| p.tier_id == Some(tier)).count(),
        ),
    ] {
        let (status, body) = get(&app, &token, &format!("/api/v1/projects?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(body["total"].as_i64(), Some(expected as i64), "{query}");
        assert!(expected > 0, "{query} selects something");
    }
    let (_, stalled) = get(&app, &token, "/api/v1/projects?stall=red&per_page=200").await;
    let cards = stalled["projects"].as_array().expect("projects");
    assert!(!cards.is_empty());
    assert!(cards.iter().all(|c| c["stall"] == "red"), "{stalled}");
    let (_, calm) = get(&app, &token, "/api/v1/projects?stall=green&per_page=200").await;
    assert!(calm["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .all(|c| c["stall"] == "green"));
    let (_, yellow) = get(&app, &token, "/api/v1/projects?stall=yellow").await;
    let (_, everything) = get(&app, &token, "/api/v1/projects").await;
    assert_eq!(
        stalled["total"].as_i64().unwrap_or(0)
            + yellow["total"].as_i64().unwrap_or(0)
            + calm["total"].as_i64().unwrap_or(0),
        everything["total"].as_i64().unwrap_or(-1),
        "red, yellow and green part the list"
    );

    // The table page keeps the filter in its links and pages.
    let session = app.login("office").await;
    let html = session
        .client
        .get(session.url(&format!(
            "/projects?view=table&town={town}&sort=investment&page=2"
        )))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        unescaped(&html).contains(&format!("&town={town}&sort=investment&page=3")),
        "next page keeps the filter"
    );
    assert!(html.contains("第 2 / "));
}

async fn a_town_page_is_full_of_its_own_projects(dialect: Dialect) {
    let Some((app, all)) = with_extra(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let own: Vec<i64> = all
        .iter()
        .filter(|p| p.town_id == Some(jiaoxi))
        .map(|p| p.id)
        .collect();
    assert!(
        own.len() > 50,
        "the generated pipeline fills more than a page"
    );
    let token = app.token("jiaoxi").await;
    let (status, body) = get(&app, &token, "/api/v1/projects?per_page=50").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = ids(&body);
    assert_eq!(page.len(), 50, "a full page");
    assert!(page.iter().all(|id| own.contains(id)), "only its own");
    assert_eq!(body["total"].as_i64(), Some(own.len() as i64));
    // Another town as a filter selects nothing it may read.
    let other = all
        .iter()
        .find_map(|p| p.town_id.filter(|t| *t != jiaoxi))
        .expect("another town");
    let (_, none) = get(&app, &token, &format!("/api/v1/projects?town={other}")).await;
    assert_eq!(none["total"].as_i64(), Some(0));
    // The page shows the same.
    let session = app.login("jiaoxi").await;
    let html = session
        .client
        .get(session.url("/projects?view=table"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let rows = html.matches("<tr data-project=").count();
    assert_eq!(rows, 50);
    assert!(html.contains(&format!("共 {} 个项目", own.len())));
}

async fn the_board_is_bounded_and_the_export_follows_the_filter(dialect: Dialect) {
    let Some((app, all)) = with_extra(dialect).await else {
        return;
    };
    let session = app.login("office").await;
    let html = session
        .client
        .get(session.url("/projects"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let cards = html.matches("class=\"pcard").count();
    assert!(cards <= 7 * workflow::land::BOARD_CARDS as usize, "{cards}");
    let leads = all.iter().filter(|p| p.stage == "lead").count();
    assert!(leads > 12);
    assert!(html.contains(&format!(
        "另有 {} 个 →",
        leads - workflow::land::BOARD_CARDS as usize
    )));
    assert!(unescaped(&html).contains("href=\"/projects?view=table&stage=lead\""));

    let town = all.iter().find_map(|p| p.town_id).expect("a town");
    let export = |query: String| {
        let session = &session;
        async move {
            let bytes = session
                .client
                .get(session.url(&format!("/projects.xlsx?{query}")))
                .send()
                .await
                .expect("xlsx")
                .bytes()
                .await
                .expect("bytes")
                .to_vec();
            io::table::read_workbook("projects.xlsx", bytes)
                .expect("a workbook")
                .rows
                .len()
        }
    };
    let count = |stage: &str| {
        all.iter()
            .filter(|p| p.town_id == Some(town) && p.stage == stage)
            .count()
    };
    let signed = export(format!("town={town}&stage=signed")).await;
    let leads = export(format!("town={town}&stage=lead")).await;
    assert!(count("signed") > 0 && count("lead") > count("signed"));
    // Besides one row per project, both carry the same fixed rows.
    assert_eq!(
        signed - count("signed"),
        leads - count("lead"),
        "the export holds the filtered set"
    );
    assert!(signed < all.len());
}

async fn the_api_creates_a_project_from_its_typed_json_command(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let token = app.token("office").await;
    let post = |body: Value| {
        let (url, token) = (app.url("/api/v1/projects"), token.clone());
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // An investment in 万元 reaches the store as 元, and the default value added follows it.
    let (status, body) = post(json!({"name": "  胶州湾新材料产业园 ", "total_investment": "8000万元", "code_name": "代号-测试"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().expect("id");
    let p = app.store.project(id).await.expect("read").expect("exists");
    assert_eq!(p.project.name, "胶州湾新材料产业园");
    assert_eq!(p.project.total_investment, Some(80_000_000));
    assert_eq!(p.project.value_added_at_capacity, Some(24_000_000));
    assert_eq!(p.project.code_name, "代号-测试");
    // A JSON integer of 亿元.
    let (status, body) = post(json!({"name": "整数亿元项目", "total_investment": 3})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = app
        .store
        .project(body["id"].as_i64().expect("id"))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(p.project.total_investment, Some(300_000_000));
    // The domain's text rules, with the field at fault; nothing stored.
    let before = app.store.projects(REGION).await.expect("projects").len();
    let (status, body) = post(json!({"name": "项目", "investor": "投".repeat(101)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "investor");
    let (status, body) = post(json!({"name": "项目", "code_name": "代".repeat(51)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "code_name");
    let (status, body) = post(json!({"name": "项目", "track_id": 999_999})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        app.store.projects(REGION).await.expect("projects").len(),
        before
    );
}
