//! The claim step (领任务) end to end through HTTP, on both databases: a shortfall opened from
//! the top-ranked indicator, a task from a suggested remedy, a claim that exactly one leader
//! wins, progress with attachments, and supervision when the clock passes the deadline.

use crate::support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use store::Dialect;
use support::{extract_csrf, TestApp};

on_both!(from_shortfall_to_claimed_task_to_supervision);
on_both!(a_task_shows_and_takes_only_the_firms_the_caller_may_see);

fn form_token(html: &str) -> String {
    extract_csrf(html).expect("a csrf field")
}

async fn from_shortfall_to_claimed_task_to_supervision(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;

    // Open a shortfall from the top-ranked indicator (the analysis page links to this form).
    let locate = office
        .client
        .get(office.url("/locate?period=2025-09"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        locate.contains("/shortfalls/new?indicator=industrial-va&amp;period=2025-09"),
        "the ranked row offers 开短板"
    );
    let form = office
        .client
        .get(office.url("/shortfalls/new?indicator=industrial-va&period=2025-09"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(form.contains("拖累 GDP 约 1.30 个百分点"));
    let smart = app
        .store
        .tracks("370281")
        .await
        .expect("tracks")
        .into_iter()
        .find(|t| t.name == "智能家电")
        .expect("track");
    // The demo already opened this indicator's shortfall for 2025-09: the form says so, a second
    // one is refused with a link to the first; once the office closes it, a new one opens.
    let demo_first = app
        .store
        .open_shortfall_id("370281", "industrial-va", "2025-09")
        .await
        .expect("q")
        .expect("the demo's shortfall");
    assert!(form.contains(&format!("href=\"/shortfalls/{demo_first}\"")));
    let open = || {
        office
            .client
            .post(office.url("/shortfalls"))
            .form(&[
                ("csrf", office.csrf.as_str()),
                ("indicator", "industrial-va"),
                ("period", "2025-09"),
                ("analysis", "链主订单下滑，配套产能利用率不足"),
                ("track", &smart.id.to_string()),
            ])
            .send()
    };
    let refused = open().await.expect("post");
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let html = refused.text().await.expect("html");
    assert!(
        html.contains("已有未关闭的短板")
            && html.contains(&format!("href=\"/shortfalls/{demo_first}\"")),
        "the refusal links to the first"
    );
    let closed = office
        .client
        .post(office.url(&format!("/shortfalls/{demo_first}/close")))
        .form(&[("csrf", office.csrf.as_str()), ("note", "重新分析")])
        .send()
        .await
        .expect("close");
    assert_eq!(closed.status(), StatusCode::OK);
    assert!(closed.text().await.expect("html").contains("重新分析"));
    let resp = open().await.expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let shortfall_url = resp.url().path().to_string();
    let shortfall_id: i64 = shortfall_url
        .trim_start_matches("/shortfalls/")
        .parse()
        .expect("redirected to the shortfall");
    let page = resp.text().await.expect("html");
    assert!(page.contains("推荐的解决方案"));
    let (shortfall, _) = app
        .store
        .shortfall(shortfall_id)
        .await
        .expect("q")
        .expect("stored");
    assert!(
        (shortfall.shortfall_pp.expect("pp") - 1.296).abs() < 1e-9,
        "the numbers are frozen with it"
    );

    // The suggested remedies put the ones acting on the indicator and the track first.
    let suggestions = app
        .store
        .suggest_remedies("370281", "industrial-va", &[smart.id])
        .await
        .expect("suggest");
    let remedy = &suggestions[0].0;
    assert!(
        remedy.tracks.iter().any(|(id, _)| *id == smart.id)
            && remedy.indicators.iter().any(|k| k == "industrial-va"),
        "{remedy:?}"
    );
    assert!(page.contains(&format!("data-remedy=\"{}\"", remedy.code)));

    // Create the task from it; a deadline in the past is refused with the form kept.
    let gxj = app
        .store
        .departments("370281")
        .await
        .expect("d")
        .into_iter()
        .find(|d| d.code == "gxj")
        .expect("gxj");
    let task_form = |deadline: &'static str| {
        vec![
            ("csrf".to_string(), office.csrf.clone()),
            ("shortfall_id".into(), shortfall_id.to_string()),
            ("remedy_id".into(), remedy.id.to_string()),
            ("title".into(), "配套企业稳产扩产".into()),
            ("route".into(), "stock".into()),
            ("track_id".into(), smart.id.to_string()),
            ("owner_department_id".into(), gxj.id.to_string()),
            ("deadline".into(), deadline.into()),
            ("expected_pp".into(), "0.2".into()),
        ]
    };
    let resp = office
        .client
        .post(office.url("/tasks"))
        .form(&task_form("2025-01-01"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(html.contains("早于今天"));
    assert!(
        html.contains("value=\"配套企业稳产扩产\"")
            && html.contains("value=\"2025-01-01\"")
            && html.contains("value=\"0.2\""),
        "what was typed is shown again"
    );
    let resp = office
        .client
        .post(office.url("/tasks"))
        .form(&task_form("2025-11-30"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let task_id: i64 = resp
        .url()
        .path()
        .trim_start_matches("/tasks/")
        .parse()
        .expect("redirected to the task");

    // A leader outside the track does not see it on the claim board and cannot claim it.
    let leader2 = app.login("leader2").await;
    let board = leader2
        .client
        .get(leader2.url("/tasks/board"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!board.contains(&format!("data-task=\"{task_id}\"")));
    let resp = leader2
        .client
        .post(leader2.url(&format!("/api/v1/tasks/{task_id}/claim")))
        .header("x-csrf-token", &leader2.csrf)
        .send()
        .await
        .expect("claim");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Two leaders who both answer for the track claim at once: exactly one wins.
    let responsible = app
        .store
        .track(smart.id)
        .await
        .expect("q")
        .expect("track")
        .responsible_leaders[0]
        .clone();
    let mut tx = app.store.begin_write().await.expect("begin");
    tx.create_user(
        &store::Actor::system("test"),
        &store::users::NewUser {
            username: "deputy".into(),
            display_name: responsible.name.clone(),
            password: econops::demo::DEMO_PASSWORD.into(),
            role: domain::Role::Leader,
            region_code: Some("370281".into()),
            person_id: Some(responsible.id),
            department_id: None,
            town_id: None,
        },
    )
    .await
    .expect("user");
    tx.commit().await.expect("commit");
    let leader = app.login("leader").await;
    let deputy = app.login("deputy").await;
    for s in [&leader, &deputy] {
        let board = s
            .client
            .get(s.url("/tasks/board"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            board.contains(&format!("data-task=\"{task_id}\"")),
            "on the claim board"
        );
    }
    let claim = |s: &support::Session| {
        s.client
            .post(s.url(&format!("/api/v1/tasks/{task_id}/claim")))
            .header("x-csrf-token", s.csrf.clone())
            .send()
    };
    let (a, b) = tokio::join!(claim(&leader), claim(&deputy));
    let (a, b) = (a.expect("claim"), b.expect("claim"));
    let statuses = [a.status(), b.status()];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let loser: Value = if a.status() == StatusCode::CONFLICT {
        a.json().await.expect("json")
    } else {
        b.json().await.expect("json")
    };
    let holder = app
        .store
        .task(task_id)
        .await
        .expect("q")
        .expect("task")
        .task
        .claimed_by_name
        .expect("held");
    assert!(
        loser["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&holder)),
        "the loser is told who holds it: {loser}"
    );
    let winner = if holder == responsible.name {
        &deputy
    } else {
        &leader
    };

    // The county has thousands of firms: the task page asks for the firm's USCC, checks it, and
    // adds the firm it names.
    let firm = app.store.enterprises("370281").await.expect("firms")[3].clone();
    let firm_uscc = app
        .store
        .firm_by_id(firm.id)
        .await
        .expect("q")
        .expect("firm")
        .uscc;
    let page = winner
        .client
        .get(winner.url(&format!("/tasks/{task_id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("name=\"enterprise_uscc\""), "{page:.3000}");
    assert!(!page.contains("<select name=\"enterprise_id\"><option"));
    let add = |code: String| {
        let w = winner;
        async move {
            let resp = w
                .client
                .post(w.url(&format!("/tasks/{task_id}/enterprise")))
                .form(&[
                    ("csrf", w.csrf.as_str()),
                    ("enterprise_uscc", code.as_str()),
                ])
                .send()
                .await
                .expect("add");
            (resp.status(), resp.text().await.expect("html"))
        }
    };
    for (bad, says) in [
        ("".to_string(), "请填写企业的统一社会信用代码"),
        ("91370281ABC".to_string(), "无效"),
        (
            domain::Uscc::with_check("91370281MA3YYYYY0")
                .expect("code")
                .as_str()
                .to_string(),
            "企业库中没有",
        ),
    ] {
        let (s, html) = add(bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {html:.2000}");
        assert!(html.contains(says), "{bad}: {html:.3000}");
        assert!(!html.contains(&format!("<td>{}</td><td class=\"mono\">", firm.name)));
    }
    let (s, html) = add(firm_uscc.to_lowercase()).await;
    assert_eq!(s, StatusCode::OK, "{html:.2000}");
    assert!(
        html.contains(&format!(
            "<td>{}</td><td class=\"mono\">{firm_uscc}</td>",
            firm.name
        )),
        "{html:.4000}"
    );

    // A progress report with an attachment appears on the timeline; a bad attachment is refused.
    let report = |name: &'static str, bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("csrf", winner.csrf.clone())
            .text("body", "走访 6 家配套企业，协调用电增容 2 项")
            .part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
    };
    let resp = winner
        .client
        .post(winner.url(&format!("/tasks/{task_id}/progress")))
        .multipart(report("run.exe", vec![1, 2, 3]))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.expect("html").contains("类型不允许"));
    let resp = winner
        .client
        .post(winner.url(&format!("/tasks/{task_id}/progress")))
        .multipart(report("走访纪要.pdf", b"%PDF-1.4 minutes".to_vec()))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("走访 6 家配套企业，协调用电增容 2 项") && html.contains("走访纪要.pdf"),
        "on the timeline"
    );
    let detail = app.store.task(task_id).await.expect("q").expect("task");
    assert_eq!(detail.task.state, "in_progress");
    let attachment = detail.progress[0].attachments[0].id;
    let resp = winner
        .client
        .get(winner.url(&format!("/attachments/{attachment}")))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.4 minutes"
    );
    let resp = leader2
        .client
        .post(leader2.url(&format!("/api/v1/tasks/{task_id}/progress")))
        .header("x-csrf-token", &leader2.csrf)
        .json(&json!({"body": "越权"}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Move the clock past the deadline (as a restart on a later day would): the task is overdue.
    let later = store::Store::open(&app.db.url)
        .await
        .expect("reopen")
        .with_clock(econops::clock_for(Some(time::macros::date!(
            2025 - 12 - 05
        ))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(
        web::App::new(later, web::Config::default()).serve(listener, std::future::pending()),
    );
    let token = app.token("office").await;
    let overdue: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/tasks?status=overdue"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let ids: Vec<i64> = overdue["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(ids.contains(&task_id), "{ids:?}");
    // Yesterday's sessions have expired by then: sign in again.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = form_token(&login);
    let resp = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", "office"),
            ("password", econops::demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.url().path(), "/");
    let board = client
        .get(format!("{base}/supervision"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        board.contains(&format!("data-task=\"{task_id}\"")),
        "on the supervision board"
    );
    let xlsx = client
        .get(format!("{base}/supervision/ranking.xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.expect("bytes").to_vec();
    let table = io::table::read_workbook("ranking.xlsx", bytes).expect("a workbook");
    assert!(table.rows.iter().any(|r| r
        .cells
        .iter()
        .any(|c| *c == io::Cell::Text("市工业和信息化局".into()))));
}

#[tokio::test]
async fn the_remedy_library_is_searchable_in_chinese() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let (status, body) = office.get_json("/api/v1/remedies?q=家电").await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = body["remedies"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["title"].as_str())
        .collect();
    assert!(titles.iter().any(|t| t.contains("智能家电")), "{titles:?}");
    let all = app.store.remedies("370281", None).await.expect("all").len();
    assert!(titles.len() < all, "the search narrows the list");
    let (_, none) = office
        .get_json("/api/v1/remedies?q=%E5%AE%B6%E7%94%B5%25")
        .await;
    assert_eq!(
        none["remedies"].as_array().map(Vec::len),
        Some(0),
        "“家电%”: the wildcard is a literal"
    );
    let html = office
        .client
        .get(office.url("/remedies?q=家电"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("智能家电"));
}

#[tokio::test]
async fn the_task_api_refuses_bad_input_and_changes_nothing() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let token = app.token("office").await;
    let before = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks")
        .len();
    let client = reqwest::Client::new();
    for (body, field) in [
        (
            json!({"title": "x", "route": "stock", "deadline": "2025-12-01"}),
            "track",
        ),
        (
            json!({"title": "x", "route": "teleport", "track": "smart-appliances", "deadline": "2025-12-01"}),
            "route",
        ),
        (
            json!({"title": "x", "route": "stock", "track": "smart-appliances", "deadline": "31/12/2025"}),
            "deadline",
        ),
        (
            json!({"title": "", "route": "stock", "track": "smart-appliances", "deadline": "2025-12-01"}),
            "title",
        ),
        (
            json!({"title": "x", "route": "stock", "track": "smart-appliances", "deadline": "2025-12-01", "milestones": [{"title": "晚于期限", "due": "2026-01-01"}]}),
            "milestone1_due",
        ),
    ] {
        let resp = client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem: Value = resp.json().await.expect("problem");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    // A track or remedy that does not exist is not found (decision 51).
    for body in [
        json!({"title": "x", "route": "stock", "track": "nowhere", "deadline": "2025-12-01"}),
        json!({"title": "x", "route": "stock", "track": "smart-appliances", "deadline": "2025-12-01", "remedy_id": 99999}),
    ] {
        let resp = client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{body}");
    }
    let resp = client
        .get(app.url("/api/v1/tasks?status=lost"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store
            .tasks(&store::claim::TaskFilter {
                region: "370281".into(),
                ..Default::default()
            })
            .await
            .expect("tasks")
            .len(),
        before
    );
    let leader_token = app.token("leader").await;
    let resp = client.post(app.url("/api/v1/tasks")).bearer_auth(&leader_token).json(&json!({"title": "x", "route": "stock", "track": "smart-appliances", "deadline": "2025-12-01"})).send().await.expect("post");
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "only the office creates tasks"
    );
    let resp = client.post(app.url("/api/v1/tasks")).bearer_auth(&token).json(&json!({"title": "新任务", "route": "stock", "track": "smart-appliances", "deadline": "2025-12-01"})).send().await.expect("post");
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_remedy_library_imports_through_the_upload_page() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let office = app.login("office").await;
    let csv = "code,title,sector,route,indicators,tracks\nnew-measure,家电以旧换新加力,三产,存量提升,规上工业增加值,智能家电\n".as_bytes().to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", office.csrf.clone())
        .text("kind", "remedies")
        .text("year", "2025")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv).file_name("remedies.csv"),
        );
    let html = office
        .client
        .post(office.url("/locate/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .text()
        .await
        .expect("html");
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a preview")
        .to_string();
    let resp = office
        .client
        .post(office.url("/locate/import/confirm"))
        .form(&[("csrf", office.csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .expect("confirm");
    assert_eq!(resp.status(), StatusCode::OK);
    let found = app
        .store
        .remedies("370281", Some("以旧换新加力"))
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].indicators, vec!["industrial-va"]);
}

#[tokio::test]
async fn my_tasks_are_the_ones_i_work_on() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let all = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let gxj = app
        .store
        .departments("370281")
        .await
        .expect("d")
        .into_iter()
        .find(|d| d.code == "gxj")
        .expect("gxj")
        .id;
    let dept = app.login("dept").await;
    let html = dept
        .client
        .get(dept.url("/tasks"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for t in &all {
        let shown = html.contains(&format!("data-task=\"{}\"", t.id));
        assert_eq!(
            shown,
            t.owner_department_id == Some(gxj),
            "{} ({:?})",
            t.title,
            t.owner_department_name
        );
    }
    let leader = app.login("leader").await;
    let html = leader
        .client
        .get(leader.url("/tasks"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for t in &all {
        let shown = html.contains(&format!("data-task=\"{}\"", t.id));
        assert_eq!(
            shown,
            t.claimed_by_name.as_deref() == Some("张海涛"),
            "{}",
            t.title
        );
    }
}

/// A task's firms and service records are shown to a town user only for his town's firms,
/// whichever town the task is for (a city task served another town's firm; a task opened from
/// a shortfall copies its firms), on the page and in the API; and a town user cannot add
/// another town's firm to his own task by its code or id — to him the registry does not hold
/// it (stepping through ids listed the region's firms).
async fn a_task_shows_and_takes_only_the_firms_the_caller_may_see(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let jiaoxi = app.town_id("jiaoxi").await;
    let tasks = app
        .store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            ..Default::default()
        })
        .await
        .expect("tasks");
    let open = |t: &&store::claim::TaskRow| !t.state().is_closed();
    let city = tasks
        .iter()
        .filter(open)
        .find(|t| t.town_id.is_none())
        .expect("a city task")
        .id;
    let own = tasks
        .iter()
        .filter(open)
        .find(|t| t.town_id == Some(jiaoxi))
        .expect("a task of 胶西")
        .id;
    let firms = app.store.enterprises("370281").await.expect("firms");
    let mine = firms
        .iter()
        .find(|e| e.town_id == Some(jiaoxi))
        .expect("a firm of 胶西");
    let other = firms
        .iter()
        .find(|e| e.town_id.is_some() && e.town_id != Some(jiaoxi))
        .expect("a firm of another town");
    let post = |s: &support::Session, path: String, form: Vec<(&'static str, String)>| {
        let client = s.client.clone();
        let url = s.url(&path);
        let csrf = s.csrf.clone();
        async move {
            let mut form = form;
            form.push(("csrf", csrf));
            let resp = client.post(url).form(&form).send().await.expect("post");
            (resp.status(), resp.text().await.expect("html"))
        }
    };
    // The office serves both firms on the city task, with a record for the other town's.
    let office = app.login("office").await;
    for e in [mine, other] {
        let (s, html) = post(
            &office,
            format!("/tasks/{city}/enterprise"),
            vec![("enterprise_uscc", e.uscc.clone())],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html:.2000}");
    }
    let (s, html) = post(
        &office,
        format!("/tasks/{city}/service"),
        vec![
            ("enterprise_id", other.id.to_string()),
            ("action", "走访了解订单情况".into()),
            ("happened_on", "2025-10-10".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html:.2000}");
    let (_, seen) = office.get_page(&format!("/tasks/{city}")).await;
    assert!(seen.contains(&other.name) && seen.contains(&mine.name));

    // 胶西 sees its own firm only, on the page and in the API.
    let town = app.login("jiaoxi").await;
    let (s, page) = town.get_page(&format!("/tasks/{city}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&mine.name), "his town's firm is shown");
    assert!(!page.contains(&other.name), "another town's firm shown");
    assert!(!page.contains(&other.uscc));
    assert!(
        !page.contains("走访了解订单情况"),
        "its service record shown"
    );
    let (s, api) = town.get_json(&format!("/api/v1/tasks/{city}")).await;
    assert_eq!(s, StatusCode::OK);
    let text = api.to_string();
    assert!(text.contains(&mine.uscc));
    assert!(!text.contains(&other.uscc) && !text.contains(&other.name));
    let listed = api["enterprises"].as_array().expect("enterprises");
    assert_eq!(listed.len(), 1, "{api}");
    assert!(
        listed[0].get("town_id").is_none(),
        "no new field in the API"
    );

    // On his own task, another town's firm is unknown to him by code and by id.
    let served = || async {
        app.store
            .task(own)
            .await
            .expect("q")
            .expect("task")
            .enterprises
            .len()
    };
    let before = served().await;
    for (field, value, says) in [
        (
            "enterprise_uscc",
            other.uscc.clone(),
            "企业库中没有统一社会信用代码为",
        ),
        ("enterprise_id", other.id.to_string(), "企业不存在"),
    ] {
        let (s, html) = post(
            &town,
            format!("/tasks/{own}/enterprise"),
            vec![(field, value)],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {html:.2000}");
        assert!(html.contains(says), "{field}: {html:.3000}");
        assert!(!html.contains(&other.name));
    }
    assert_eq!(served().await, before, "nothing added");
    let (s, html) = post(
        &town,
        format!("/tasks/{own}/enterprise"),
        vec![("enterprise_uscc", mine.uscc.clone())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html:.2000}");
    assert_eq!(served().await, before + 1, "his own town's firm is added");
}
