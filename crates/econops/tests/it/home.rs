//! Each role's first screen, the unread badge and the message centre, the return to the page
//! asked for after signing in, and the global search within the caller's scope — through the
//! real server, on SQLite and PostgreSQL.

use crate::support;

use reqwest::{redirect, Client, StatusCode};
use serde_json::{json, Value};
use store::Dialect;
use support::{extract_csrf, Session, TestApp};

on_both!(
    each_role_lands_on_its_own_first_screen,
    the_badge_counts_unread_notifications_through_the_page_cache,
    signing_in_returns_to_the_page_asked_for_and_nowhere_else,
    search_finds_only_what_the_caller_reads,
);

async fn page(s: &Session, path: &str) -> (StatusCode, String) {
    let resp = s.client.get(s.url(path)).send().await.expect("page");
    let status = resp.status();
    (status, resp.text().await.expect("html"))
}

/// The ids of the rows marked `data-{attr}="…"` inside the section with `id="{section}"`.
fn ids_in(html: &str, section: &str, attr: &str) -> Vec<i64> {
    let Some(start) = html.find(&format!("id=\"{section}\"")) else {
        return vec![];
    };
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    let marker = format!("data-{attr}=\"");
    rest[..end]
        .match_indices(&marker)
        .filter_map(|(i, _)| {
            let tail = &rest[i + marker.len()..end];
            tail[..tail.find('"')?].parse().ok()
        })
        .collect()
}

async fn task_id(app: &TestApp, title: &str) -> i64 {
    app.store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks")
        .into_iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("task {title}"))
        .id
}

async fn each_role_lands_on_its_own_first_screen(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let unclaimed_appliance = task_id(&app, "智能家电产业链“订单式”招商").await;
    let leaders_overdue = task_id(&app, "规上工业企业技改项目提速").await;
    let leader2s = task_id(&app, "绿色食品企业扩大出口订单").await;
    let jiaoxi_task = task_id(&app, "胶西街道新签约工业项目攻坚").await;
    let fuan_task = task_id(&app, "存量商品房去化专项行动").await;

    // The leader: 我的赛道与镇街, the task waiting for his claim with its claim button, his
    // overdue task, nothing of another leader's.
    let leader = app.login("leader").await;
    let (status, html) = page(&leader, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("我的赛道与镇街"), "{html}");
    let to_claim = ids_in(&html, "to-claim", "task");
    assert!(to_claim.contains(&unclaimed_appliance), "{to_claim:?}");
    assert!(html.contains(&format!("action=\"/tasks/{unclaimed_appliance}/claim\"")));
    assert_eq!(ids_in(&html, "overdue", "task"), vec![leaders_overdue]);
    for section in ["to-claim", "overdue", "running"] {
        assert!(
            !ids_in(&html, section, "task").contains(&leader2s),
            "{section}"
        );
    }
    // Every stalled project listed is on his tracks or in his towns.
    let person = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader")
        .person_id
        .expect("person");
    let his_tracks = app.store.tracks_led_by(person).await.expect("tracks");
    let projects = app.store.projects("370281").await.expect("projects");
    let facts = app.store.project_access_facts().await.expect("facts");
    for id in ids_in(&html, "stalled", "project") {
        let p = projects.iter().find(|p| p.id == id).expect("project");
        let covers = p.town_id.is_some_and(|t| {
            facts
                .town_leaders
                .get(&t)
                .is_some_and(|l| l.contains(&person))
        });
        assert!(
            p.track_id.is_some_and(|t| his_tracks.contains(&t)) || covers,
            "{id}"
        );
    }
    // The 总览 stays one click away.
    assert!(html.contains("href=\"/overview\""));
    let (status, overview) = page(&leader, "/overview").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains("目标完成情况"));

    // A town: its own targets, tasks and projects; nothing of another town.
    let jiaoxi = app.login("jiaoxi").await;
    let jiaoxi_id = app.town_id("jiaoxi").await;
    let (_, html) = page(&jiaoxi, "/").await;
    assert!(html.contains("胶西街道"));
    assert!(html.contains("data-target=\"signed-projects-jiaoxi\""));
    assert!(!html.contains("data-target=\"signed-projects-fuan\""));
    let tasks = ids_in(&html, "tasks", "task");
    assert!(tasks.contains(&jiaoxi_task), "{tasks:?}");
    assert!(!tasks.contains(&fuan_task));
    let listed = ids_in(&html, "projects", "project");
    assert!(!listed.is_empty(), "the town's projects are listed");
    for id in listed {
        let p = projects.iter().find(|p| p.id == id).expect("project");
        assert_eq!(p.town_id, Some(jiaoxi_id), "{id}");
    }

    // A department: the tasks it owns, not another department's.
    let dept = app.login("dept").await;
    let (_, html) = page(&dept, "/").await;
    assert!(html.contains("市工业和信息化局"));
    let tasks = ids_in(&html, "tasks", "task");
    assert!(
        tasks.contains(&leaders_overdue),
        "owned by 工信局: {tasks:?}"
    );
    assert!(!tasks.contains(&leader2s), "owned by 商务局");

    // The office: what waits for its decision first, then the city view.
    let office = app.login("office").await;
    let (_, html) = page(&office, "/").await;
    let decisions = html.find("今日待决事项").expect("decisions");
    let city = html.find("目标完成情况").expect("the city view");
    assert!(decisions < city);
    let overdue = ids_in(&html, "decisions", "task");
    assert!(overdue.contains(&leaders_overdue) && overdue.contains(&fuan_task));

    // A viewer: the city overview, no desk.
    let viewer = app.login("viewer").await;
    let (_, html) = page(&viewer, "/").await;
    assert!(html.contains("目标完成情况") && !html.contains("今日待决事项"));
}

/// The number on the top bar's badge; 0 when it is not shown.
fn badge(html: &str) -> i64 {
    let Some(at) = html.find("class=\"badge\"") else {
        return 0;
    };
    let rest = &html[at..];
    let start = rest.find('>').expect("badge") + 1;
    let end = rest.find('<').expect("badge end");
    rest[start..end].parse().expect("a number")
}

async fn the_badge_counts_unread_notifications_through_the_page_cache(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let user = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader");
    let leader = app.login("leader").await;
    let unread = app
        .store
        .unread_notifications(user.id)
        .await
        .expect("count");
    assert!(unread > 0, "the demo's tasks notified the leader");
    // Twice: the second view is served from the page cache.
    for _ in 0..2 {
        assert_eq!(badge(&page(&leader, "/").await.1), unread);
    }
    assert_eq!(badge(&page(&leader, "/projects").await.1), unread);

    // A new task on his track notifies him: the very next view counts it.
    let token = app.token("office").await;
    let resp = Client::new()
        .post(app.url("/api/v1/tasks"))
        .bearer_auth(&token)
        .json(&json!({
            "region": "370281",
            "title": "家电企业用工保障专项服务",
            "route": "stock",
            "track": "smart-appliances",
            "deadline": "2025-12-20",
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    assert_eq!(badge(&page(&leader, "/").await.1), unread + 1);

    // The message centre lists it unread; marking it read takes one off the badge.
    let (_, inbox) = page(&leader, "/inbox").await;
    let notes = app.store.notifications(user.id, true).await.expect("notes");
    let newest = notes.first().expect("unread").id;
    assert!(inbox.contains(&format!("data-note=\"{newest}\" class=\"unread\"")));
    let resp = leader
        .client
        .post(leader.url(&format!("/inbox/{newest}/read")))
        .form(&[("csrf", leader.csrf.as_str())])
        .send()
        .await
        .expect("read one");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("inbox");
    assert!(html.contains(&format!("data-note=\"{newest}\" class=\"\"")));
    assert_eq!(badge(&html), unread);

    // Another user's notification is not his to mark: 404, nothing changes.
    let office_user = app
        .store
        .user_by_name("dept")
        .await
        .expect("q")
        .expect("dept");
    if let Some(other) = app
        .store
        .notifications(office_user.id, true)
        .await
        .expect("notes")
        .first()
    {
        let resp = leader
            .client
            .post(leader.url(&format!("/inbox/{}/read", other.id)))
            .form(&[("csrf", leader.csrf.as_str())])
            .send()
            .await
            .expect("read another's");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            app.store
                .notifications(office_user.id, true)
                .await
                .expect("notes")
                .first()
                .map(|n| n.id),
            Some(other.id)
        );
    }
    // Without the form's token nothing is marked.
    let resp = leader
        .client
        .post(leader.url("/inbox/read"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("read all");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(badge(&page(&leader, "/").await.1), unread);

    // All read: no badge on the next view.
    let resp = leader
        .client
        .post(leader.url("/inbox/read"))
        .form(&[("csrf", leader.csrf.as_str())])
        .send()
        .await
        .expect("read all");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(badge(&page(&leader, "/").await.1), 0);
    assert_eq!(app.store.unread_notifications(user.id).await.expect("n"), 0);
}

fn no_redirects() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in through the form with `next`; the `Location` answered.
async fn sign_in_with_next(app: &TestApp, next: &str) -> String {
    let client = no_redirects();
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    let csrf = extract_csrf(&html).expect("csrf");
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "office"),
            ("password", econops::demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
            ("next", next),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string()
}

async fn signing_in_returns_to_the_page_asked_for_and_nowhere_else(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let task = task_id(&app, "智能家电链主企业稳产扩产专项服务").await;
    // Signed out, a link to the task leads to the sign-in page, which keeps where to return.
    let client = no_redirects();
    let resp = client
        .get(app.url(&format!("/tasks/{task}")))
        .send()
        .await
        .expect("task");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().expect("location");
    assert_eq!(to, format!("/login?next=%2Ftasks%2F{task}"));
    let html = client
        .get(app.url(to))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("name=\"next\" value=\"/tasks/{task}\"")));
    // Signing in there lands on the task (a browser follows the redirects).
    let browser = Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let html = browser
        .get(app.url(&format!("/tasks/{task}?period=2025-09")))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    let csrf = extract_csrf(&html).expect("csrf");
    let next = format!("/tasks/{task}?period=2025-09");
    let resp = browser
        .post(app.url("/login"))
        .form(&[
            ("username", "office"),
            ("password", econops::demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.url().path(), format!("/tasks/{task}"));
    assert_eq!(resp.url().query(), Some("period=2025-09"));

    // Only local paths: anything that could lead to another host returns home. (Sign-ins are
    // throttled to 10 a minute per address: the full list is the unit test of `local_path`.)
    assert_eq!(
        sign_in_with_next(&app, "/projects?stage=signed").await,
        "/projects?stage=signed"
    );
    assert_eq!(
        sign_in_with_next(&app, "/search?q=家电").await,
        "/search?q=%E5%AE%B6%E7%94%B5"
    );
    for bad in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/tasks/1\r\nSet-Cookie: x=1",
    ] {
        assert_eq!(sign_in_with_next(&app, bad).await, "/", "{bad:?}");
    }
    // The sign-in page does not carry such a return either.
    let html = no_redirects()
        .get(app.url("/login?next=%2F%2Fevil.example"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    assert!(!html.contains("name=\"next\""));
    // A form posted signed out returns to sign in without a return path.
    let resp = no_redirects()
        .post(app.url(&format!("/tasks/{task}/claim")))
        .form(&[("csrf", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.headers()["location"], "/login");
}

/// The hits of a search through the API: (kind, id) pairs.
async fn hits(app: &TestApp, token: &str, q: &str) -> Vec<(String, String)> {
    let resp = Client::new()
        .get(app.url("/api/v1/search"))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .expect("search");
    assert_eq!(resp.status(), StatusCode::OK, "{q}");
    let body: Value = resp.json().await.expect("json");
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap_or("").to_string(),
                h["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

async fn search_finds_only_what_the_caller_reads(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.token("office").await;
    let jiaoxi = app.token("jiaoxi").await;
    let viewer = app.token("viewer").await;
    let fuan_task = task_id(&app, "存量商品房去化专项行动").await.to_string();
    let task = ("task".to_string(), fuan_task);

    // A Chinese substring finds targets, indicators, tasks and projects.
    let found = hits(&app, &office, "家电").await;
    for kind in ["target", "task", "project"] {
        assert!(found.iter().any(|(k, _)| k == kind), "{kind}: {found:?}");
    }
    assert!(hits(&app, &office, "工业增加值")
        .await
        .iter()
        .any(|(k, _)| k == "indicator"));
    // Another town's task: the office finds it, a town does not.
    assert!(hits(&app, &office, "商品房去化").await.contains(&task));
    assert!(!hits(&app, &jiaoxi, "商品房去化").await.contains(&task));
    // A town finds only its own town's projects.
    let jiaoxi_id = app.town_id("jiaoxi").await;
    let projects = app.store.projects("370281").await.expect("projects");
    let town_hits = hits(&app, &jiaoxi, "项目").await;
    assert!(town_hits.iter().any(|(k, _)| k == "project"));
    for (kind, id) in &town_hits {
        if kind == "project" {
            let p = projects
                .iter()
                .find(|p| p.id.to_string() == *id)
                .expect("project");
            assert_eq!(p.town_id, Some(jiaoxi_id), "{id}");
        }
    }
    // A confidential project is found by its real name only inside its scope; outside, by the
    // code name it is shown under.
    let secret = projects
        .iter()
        .find(|p| !p.code_name.is_empty())
        .expect("a confidential project");
    let key = ("project".to_string(), secret.id.to_string());
    assert!(hits(&app, &office, &secret.name).await.contains(&key));
    assert!(!hits(&app, &viewer, &secret.name).await.contains(&key));
    assert!(hits(&app, &viewer, &secret.code_name).await.contains(&key));

    // Bounds: blank finds nothing, too long or a control character is refused and named.
    let client = Client::new();
    let ask = |q: String| {
        client
            .get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .bearer_auth(&office)
            .send()
    };
    let blank: Value = ask("   ".into())
        .await
        .expect("blank")
        .json()
        .await
        .expect("json");
    assert_eq!(blank["total"], 0);
    let resp = ask("家".repeat(41)).await.expect("long");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = resp.json().await.expect("problem");
    assert_eq!(body["field"], "q");
    let resp = ask("家\u{7}电".into()).await.expect("control");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = client
        .get(app.url("/api/v1/search"))
        .bearer_auth(&office)
        .send()
        .await
        .expect("no q");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // The page answers the same: the results for the town, and the refusal with what was typed.
    let s = app.login("jiaoxi").await;
    let (status, html) = page(
        &s,
        "/search?q=%E5%95%86%E5%93%81%E6%88%BF%E5%8E%BB%E5%8C%96",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&format!("href=\"/tasks/{}\"", task.1)));
    let long = "家".repeat(41);
    let (status, html) = page(&s, &format!("/search?q={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("搜索词过长：41 个字符，最多 40 个"));
    assert!(html.contains(&format!("value=\"{long}\"")));
}
