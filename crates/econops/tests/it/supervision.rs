//! Supervision (督办) through the JSON API on both databases: 催办 notifies and is counted,
//! 延期 keeps the original deadline, 批示, 改派 with its reason, 办结 needs 成效, 佐证 and an
//! explicit confirmation and waits for 验收, only an accepted task counts in the 赛马 ranking,
//! each move refused to the roles that may not make it (a town sees no other town's task: 404),
//! absurd ids and texts refused without a 500, and two requests racing on one task: two
//! decisions, two extension decisions, a 改派 against the claimer's 办结 and the office's 验收.

use crate::support;

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use store::Dialect;
use support::TestApp;

on_both!(
    supervision_moves,
    accept_and_return_race,
    every_role_and_another_town,
    extension_decisions_race,
    reassign_races_the_claimers_moves,
    the_task_list_leaves_notifications_unread,
);

struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    async fn new(app: &TestApp, user: &str) -> Self {
        Self {
            client: Client::new(),
            base: app.base.clone(),
            token: app.token(user).await,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn complete(&self, id: i64, confirm: bool, with_file: bool) -> (StatusCode, Value) {
        let mut form = Form::new()
            .text("outcome", "3 家企业完成扩产，新增产值 2.1 亿元")
            .text("realised_pp", "0.05");
        if confirm {
            form = form.text("confirm", "true");
        }
        if with_file {
            form = form.part(
                "files",
                Part::bytes(b"evidence".to_vec()).file_name("佐证.txt"),
            );
        }
        let resp = self
            .client
            .post(format!("{}/api/v1/tasks/{id}/complete", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A task on 智能家电 (led by `leader`) owned by the industry bureau, claimed by `leader`.
async fn claimed_task(app: &TestApp, title: &str, deadline_days: i64) -> i64 {
    let tracks = app.store.tracks("370281").await.expect("tracks");
    let track = tracks.iter().find(|t| t.name == "智能家电").expect("track");
    let dept = app
        .store
        .departments("370281")
        .await
        .expect("departments")
        .into_iter()
        .find(|d| d.code == "gxj")
        .expect("gxj");
    let leader = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader");
    let today = app.store.now().date();
    let deadline = domain::period::format_date(today + time::Duration::days(deadline_days));
    let mut tx = app.store.begin_write().await.expect("begin");
    let id = tx
        .create_task(
            &store::Actor::system("test"),
            &store::claim::NewTask {
                region_code: "370281".into(),
                shortfall_id: None,
                remedy_id: None,
                title: title.into(),
                description: String::new(),
                route: domain::Route::Stock,
                track_id: Some(track.id),
                town_id: None,
                owner_department_id: Some(dept.id),
                co_department_ids: vec![],
                deadline,
                expected_pp: None,
                milestones: vec![],
            },
        )
        .await
        .expect("task");
    tx.claim_task(
        &store::Actor::user(leader.id, "leader"),
        id,
        leader.person_id.expect("a person"),
    )
    .await
    .expect("claim");
    tx.commit().await.expect("commit");
    id
}

async fn dept_row(app: &TestApp, name_part: &str) -> analytics::ranking::RankRow {
    let period = domain::Period::parse("2025-09").expect("period");
    let r = workflow::claim::ranking(
        &app.store,
        &workflow::Settings::default(),
        "370281",
        &period,
    )
    .await
    .expect("ranking");
    r.departments
        .into_iter()
        .find(|d| d.name.contains(name_part))
        .expect("the department is listed")
}

async fn supervision_moves(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = Api::new(&app, "office").await;
    let leader = Api::new(&app, "leader").await;
    let leader2 = Api::new(&app, "leader2").await;
    let dept = Api::new(&app, "dept").await;
    let viewer = Api::new(&app, "viewer").await;
    let id = claimed_task(&app, "督办测试：家电企业扩产", 10).await;
    let leader_user = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader");
    let notes = |uid: i64| {
        let store = app.store.clone();
        async move { store.notifications(uid, true).await.expect("notes") }
    };
    let unread_before = notes(leader_user.id).await.len();

    // 催办: refused to a department and to a leader who does not answer for the track.
    for who in [&dept, &leader2, &viewer] {
        let (s, _) = who
            .post(&format!("/api/v1/tasks/{id}/urge"), json!({}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{id}/urge"),
            json!({"note": "请本周内报送进展"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["urge_count"], 1);
    let unread = notes(leader_user.id).await;
    assert_eq!(unread.len(), unread_before + 1, "the claimer is told");
    assert!(unread[0].text.contains("【催办】") && unread[0].task_id == Some(id));

    // 延期: the claimer asks, once at a time; the office decides; the original stays on record.
    let d = app.store.task(id).await.expect("q").expect("task").task;
    let original = d.deadline.clone();
    let new_deadline =
        domain::period::format_date(app.store.now().date() + time::Duration::days(40));
    let (s, _) = office
        .post(
            &format!("/api/v1/tasks/{id}/extensions"),
            json!({"deadline": new_deadline, "reason": "设备到货推迟"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the claimer asks");
    let (s, v) = leader
        .post(
            &format!("/api/v1/tasks/{id}/extensions"),
            json!({"deadline": "2020-01-01", "reason": "设备到货推迟"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = leader
        .post(
            &format!("/api/v1/tasks/{id}/extensions"),
            json!({"deadline": new_deadline, "reason": "设备到货推迟"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let ext = v["supervision"]["extensions"][0]["id"]
        .as_i64()
        .expect("id");
    let (s, _) = leader
        .post(
            &format!("/api/v1/tasks/{id}/extensions"),
            json!({"deadline": new_deadline, "reason": "再申请"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "one request waits at a time");
    let (s, _) = leader
        .post(
            &format!("/api/v1/tasks/{id}/extensions/{ext}"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the claimer does not approve his own"
    );
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{id}/extensions/{ext}"),
            json!({"approve": true, "note": "同意"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deadline"], new_deadline.as_str());
    let row = app.store.task(id).await.expect("q").expect("task").task;
    assert_eq!(row.original_deadline.as_deref(), Some(original.as_str()));
    let (s, _) = office
        .post(
            &format!("/api/v1/tasks/{id}/extensions/{ext}"),
            json!({"approve": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "decided once");

    // 领导批示: a leader, not the office; shown newest first.
    let (s, _) = office
        .post(
            &format!("/api/v1/tasks/{id}/instructions"),
            json!({"body": "抓紧"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for body in ["要盯紧龙头企业", "月底前见成效"] {
        let (s, _) = leader2
            .post(
                &format!("/api/v1/tasks/{id}/instructions"),
                json!({"body": body}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let h = app.store.task_supervision(id).await.expect("history");
    assert_eq!(h.instructions[0].body, "月底前见成效", "newest first");

    // 改派: the office only, with a reason; history kept, the new department told.
    let (s, _) = leader
        .post(
            &format!("/api/v1/tasks/{id}/reassign"),
            json!({"department": "swj", "reason": "职能调整"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{id}/reassign"),
            json!({"department": "swj", "reason": ""}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {v}"
    );
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{id}/reassign"),
            json!({"department": "swj", "reason": "职能调整，改由商务部门牵头"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = app.store.task(id).await.expect("q").expect("task").task;
    assert!(row
        .owner_department_name
        .as_deref()
        .is_some_and(|n| n.contains("商务")));
    let h = app.store.task_supervision(id).await.expect("history");
    assert!(h.reassignments[0].summary.contains("责任部门"));

    // 办结: evidence and confirmation are required; it then waits for 验收.
    let before = dept_row(&app, "商务").await;
    let (s, v) = leader.complete(id, true, false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no evidence: {v}");
    assert!(v.to_string().contains("files"));
    let (s, v) = leader.complete(id, false, true).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no confirmation: {v}");
    assert!(v.to_string().contains("confirm"));
    let (s, _) = dept.complete(id, true, true).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a department does not complete");
    let (s, v) = leader.complete(id, true, true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "submitted");
    let waiting = dept_row(&app, "商务").await;
    assert_eq!(
        waiting.done_on_time, before.done_on_time,
        "not accepted: not done in the ranking"
    );
    let (s, _) = leader
        .post(&format!("/api/v1/tasks/{id}/accept"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the claimer does not accept");
    let (s, v) = office
        .post(&format!("/api/v1/tasks/{id}/accept"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "done");
    let after = dept_row(&app, "商务").await;
    assert_eq!(after.done_on_time, before.done_on_time + 1);
    assert!(after.rank.is_some() && after.score.is_some());
    let (s, _) = office
        .post(&format!("/api/v1/tasks/{id}/urge"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a done task is not urged");

    // 撤销 needs the explicit confirmation too.
    let other = claimed_task(&app, "督办测试：撤销", 5).await;
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{other}/cancel"),
            json!({"reason": "重复"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = office
        .post(
            &format!("/api/v1/tasks/{other}/cancel"),
            json!({"reason": "重复", "confirm": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The 督办单 prints and downloads as a Word document.
    let page = office
        .client
        .get(format!("{}/api/v1/tasks/{id}/supervision", office.base))
        .bearer_auth(&office.token)
        .send()
        .await
        .expect("history");
    assert_eq!(page.status(), StatusCode::OK);
    let session = app.login("office").await;
    let sheet = session
        .client
        .get(session.url(&format!("/tasks/{id}/sheet")))
        .send()
        .await
        .expect("sheet")
        .text()
        .await
        .expect("html");
    assert!(sheet.contains("督办单") && sheet.contains("原定期限") && sheet.contains(&original));
    let docx = session
        .client
        .get(session.url(&format!("/tasks/{id}/sheet.docx")))
        .send()
        .await
        .expect("docx");
    assert_eq!(docx.status(), StatusCode::OK);
    let bytes = docx.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "a zip package");
}

async fn accept_and_return_race(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = Api::new(&app, "office").await;
    let leader = Api::new(&app, "leader").await;
    let id = claimed_task(&app, "督办测试：并发验收", 10).await;
    let (s, _) = leader.complete(id, true, true).await;
    assert_eq!(s, StatusCode::OK);
    let accept_path = format!("/api/v1/tasks/{id}/accept");
    let return_path = format!("/api/v1/tasks/{id}/return");
    let accept = office.post(&accept_path, json!({}));
    let ret = office.post(&return_path, json!({"reason": "佐证不足"}));
    let ((a, _), (r, _)) = tokio::join!(accept, ret);
    let mut statuses = [a, r];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "exactly one decision wins"
    );
    let h = app.store.task_supervision(id).await.expect("history");
    assert_eq!(h.completions.len(), 1);
    assert!(h.completions[0].decision.is_some());
    // Two accepts of a second submission: one wins.
    let id2 = claimed_task(&app, "督办测试：并发验收二", 10).await;
    let (s, _) = leader.complete(id2, true, true).await;
    assert_eq!(s, StatusCode::OK);
    let p = format!("/api/v1/tasks/{id2}/accept");
    let ((a, _), (b, _)) = tokio::join!(office.post(&p, json!({})), office.post(&p, json!({})));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
}

/// An unclaimed task of a town (by its code), owned by the industry bureau.
async fn town_task(app: &TestApp, title: &str, town: &str) -> i64 {
    let town = app
        .store
        .towns("370281")
        .await
        .expect("towns")
        .into_iter()
        .find(|t| t.code == town)
        .expect("town");
    let today = app.store.now().date();
    let mut tx = app.store.begin_write().await.expect("begin");
    let id = tx
        .create_task(
            &store::Actor::system("test"),
            &store::claim::NewTask {
                region_code: "370281".into(),
                shortfall_id: None,
                remedy_id: None,
                title: title.into(),
                description: String::new(),
                route: domain::Route::Stock,
                track_id: None,
                town_id: Some(town.id),
                owner_department_id: None,
                co_department_ids: vec![],
                deadline: domain::period::format_date(today + time::Duration::days(10)),
                expected_pp: None,
                milestones: vec![],
            },
        )
        .await
        .expect("task");
    tx.commit().await.expect("commit");
    id
}

/// Every move of supervision, as (path after the task, JSON body).
fn moves(ext: i64) -> Vec<(String, Value)> {
    vec![
        ("urge".into(), json!({})),
        (
            "reassign".into(),
            json!({"department": "swj", "reason": "职能调整"}),
        ),
        (
            "extensions".into(),
            json!({"deadline": "2026-12-31", "reason": "设备到货推迟"}),
        ),
        (format!("extensions/{ext}"), json!({"approve": true})),
        ("instructions".into(), json!({"body": "抓紧"})),
        ("accept".into(), json!({})),
        ("return".into(), json!({"reason": "佐证不足"})),
        ("cancel".into(), json!({"reason": "重复", "confirm": true})),
    ]
}

async fn get_status(api: &Api, path: &str) -> StatusCode {
    api.client
        .get(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("request")
        .status()
}

async fn every_role_and_another_town(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let town_code = "jiaoxi";
    let other_code = app
        .store
        .towns("370281")
        .await
        .expect("towns")
        .into_iter()
        .map(|t| t.code)
        .find(|c| c != town_code)
        .expect("a second town");
    let own = town_task(&app, "督办测试：本镇街任务", town_code).await;
    let foreign = town_task(&app, "督办测试：他镇街任务", &other_code).await;
    let town = Api::new(&app, "jiaoxi").await;
    let leader = Api::new(&app, "leader").await;
    let office = Api::new(&app, "office").await;

    // A town does not learn that another town's task exists: every read and move is 404, the
    // 督办单 too; its own task it reads, and every move on it is refused (403).
    assert_eq!(
        get_status(&town, &format!("/api/v1/tasks/{foreign}/supervision")).await,
        StatusCode::NOT_FOUND
    );
    for (path, body) in moves(1) {
        let (s, v) = town
            .post(&format!("/api/v1/tasks/{foreign}/{path}"), body.clone())
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
        let (s, v) = town
            .post(&format!("/api/v1/tasks/{own}/{path}"), body)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path} on its own task: {v}");
    }
    let (s, _) = town.complete(foreign, true, true).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = town.complete(own, true, true).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let session = app.login("jiaoxi").await;
    for suffix in ["sheet", "sheet.docx"] {
        let resp = session
            .client
            .get(session.url(&format!("/tasks/{foreign}/{suffix}")))
            .send()
            .await
            .expect("sheet");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{suffix}");
    }
    let h = app.store.task_supervision(foreign).await.expect("history");
    assert!(
        h.urges.is_empty() && h.instructions.is_empty(),
        "nothing written"
    );

    // The roles that supervise nothing: every move refused, nothing written.
    let id = claimed_task(&app, "督办测试：各角色", 10).await;
    let (s, v) = leader
        .post(
            &format!("/api/v1/tasks/{id}/extensions"),
            json!({"deadline": domain::period::format_date(app.store.now().date() + time::Duration::days(30)), "reason": "设备到货推迟"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let ext = v["supervision"]["extensions"][0]["id"]
        .as_i64()
        .expect("id");
    for user in ["manager", "viewer", "dept"] {
        let who = Api::new(&app, user).await;
        for (path, body) in moves(ext) {
            let (s, v) = who.post(&format!("/api/v1/tasks/{id}/{path}"), body).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{user} {path}: {v}");
        }
        let (s, _) = who.complete(id, true, true).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user} 办结");
    }
    let h = app.store.task_supervision(id).await.expect("history");
    assert!(h.urges.is_empty() && h.reassignments.is_empty() && h.instructions.is_empty());
    assert!(h.pending_extension().is_some());

    // The administrator decides as the office does.
    let admin = Api::new(&app, "admin").await;
    let (s, v) = admin
        .post(&format!("/api/v1/tasks/{id}/urge"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // An extension request is decided on its own task only.
    let other = claimed_task(&app, "督办测试：他任务的延期", 10).await;
    let (s, v) = office
        .post(
            &format!("/api/v1/tasks/{other}/extensions/{ext}"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // Absurd ids and texts: refused, never a 500.
    for raw in [
        "0",
        "-1",
        "9223372036854775807",
        "9223372036854775808",
        "abc",
        "1e3",
    ] {
        let (s, v) = office
            .post(&format!("/api/v1/tasks/{raw}/urge"), json!({}))
            .await;
        assert!(
            [
                StatusCode::NOT_FOUND,
                StatusCode::BAD_REQUEST,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&s),
            "task {raw}: {s} {v}"
        );
        let (s, v) = office
            .post(
                &format!("/api/v1/tasks/{id}/extensions/{raw}"),
                json!({"approve": false}),
            )
            .await;
        assert!(
            [
                StatusCode::NOT_FOUND,
                StatusCode::BAD_REQUEST,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&s),
            "extension {raw}: {s} {v}"
        );
    }
    let long = "催".repeat(100_000);
    let hostile = "请\u{0}抓紧\u{202E}落实";
    for (path, body) in [
        ("urge", json!({ "note": long })),
        ("urge", json!({ "note": hostile })),
        ("return", json!({ "reason": long })),
        ("reassign", json!({"department": "swj", "reason": hostile})),
    ] {
        let (s, v) = office
            .post(&format!("/api/v1/tasks/{id}/{path}"), body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
    }
    let (s, v) = leader
        .post(
            &format!("/api/v1/tasks/{id}/instructions"),
            json!({ "body": "批".repeat(2001) }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    for deadline in ["2025-02-30", "9999-12-31", "", "2025-1-1"] {
        let (s, v) = leader
            .post(
                &format!("/api/v1/tasks/{other}/extensions"),
                json!({"deadline": deadline, "reason": "设备到货推迟"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{deadline}: {v}");
    }
}

async fn extension_decisions_race(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = Api::new(&app, "office").await;
    let leader = Api::new(&app, "leader").await;
    for round in 0..3 {
        let id = claimed_task(&app, &format!("督办测试：并发审批延期 {round}"), 10).await;
        let original = app
            .store
            .task(id)
            .await
            .expect("q")
            .expect("task")
            .task
            .deadline;
        let requested =
            domain::period::format_date(app.store.now().date() + time::Duration::days(40));
        let (s, v) = leader
            .post(
                &format!("/api/v1/tasks/{id}/extensions"),
                json!({"deadline": requested, "reason": "设备到货推迟"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let ext = v["supervision"]["extensions"][0]["id"]
            .as_i64()
            .expect("id");
        let path = format!("/api/v1/tasks/{id}/extensions/{ext}");
        let ((a, _), (r, _)) = tokio::join!(
            office.post(&path, json!({"approve": true})),
            office.post(&path, json!({"approve": false, "note": "不同意"}))
        );
        let mut statuses = [a, r];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "exactly one decision wins"
        );
        let h = app.store.task_supervision(id).await.expect("history");
        assert_eq!(h.extensions.len(), 1);
        let deadline = app
            .store
            .task(id)
            .await
            .expect("q")
            .expect("task")
            .task
            .deadline;
        if a == StatusCode::OK {
            assert_eq!(h.extensions[0].decision.as_deref(), Some("approved"));
            assert_eq!(deadline, requested, "the approval moved the deadline");
        } else {
            assert_eq!(h.extensions[0].decision.as_deref(), Some("refused"));
            assert_eq!(deadline, original, "the refusal kept it");
        }
    }
}

async fn reassign_races_the_claimers_moves(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = Api::new(&app, "office").await;
    let leader = Api::new(&app, "leader").await;
    let person = |name: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .user_by_name(name)
                .await
                .expect("q")
                .expect("user")
                .person_id
                .expect("a person")
        }
    };
    let (me, other) = (person("leader").await, person("leader2").await);
    let to_other = json!({"leader": other, "reason": "工作调整"});

    // 改派 against the claimer's 办结: one of them, never both.
    for round in 0..3 {
        let id = claimed_task(&app, &format!("督办测试：改派与办结 {round}"), 10).await;
        let reassign_path = format!("/api/v1/tasks/{id}/reassign");
        let ((c, cv), (r, rv)) = tokio::join!(
            leader.complete(id, true, true),
            office.post(&reassign_path, to_other.clone())
        );
        let task = app.store.task(id).await.expect("q").expect("task").task;
        assert!(
            !(c == StatusCode::OK && r == StatusCode::OK),
            "both won: {cv} {rv}"
        );
        if c == StatusCode::OK {
            assert_eq!(r, StatusCode::CONFLICT, "{rv}");
            assert_eq!(task.state, "submitted");
            assert_eq!(task.claimed_by_person, Some(me));
        } else {
            assert_eq!(r, StatusCode::OK, "{rv}");
            assert!(
                c == StatusCode::CONFLICT || c == StatusCode::FORBIDDEN,
                "{cv}"
            );
            assert_eq!(task.claimed_by_person, Some(other));
            assert_ne!(task.state, "submitted");
        }
    }

    // Under the lock, the old claimer's hold on a reassigned task is a conflict.
    let id = claimed_task(&app, "督办测试：改派后的原领导", 10).await;
    let (s, v) = office
        .post(&format!("/api/v1/tasks/{id}/reassign"), to_other.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut tx = app.store.begin_write().await.expect("begin");
    assert!(matches!(
        tx.hold_claim(id, me).await,
        Err(store::StoreError::Conflict(_))
    ));
    tx.hold_claim(id, other)
        .await
        .expect("the new claimer holds it");
    drop(tx);

    // 改派 against 验收 of a submitted task: the acceptance stands, the reassignment is refused.
    let id = claimed_task(&app, "督办测试：改派与验收", 10).await;
    let (s, v) = leader.complete(id, true, true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (accept_path, reassign_path) = (
        format!("/api/v1/tasks/{id}/accept"),
        format!("/api/v1/tasks/{id}/reassign"),
    );
    let ((a, av), (r, rv)) = tokio::join!(
        office.post(&accept_path, json!({})),
        office.post(&reassign_path, to_other.clone())
    );
    assert_eq!(a, StatusCode::OK, "{av}");
    assert_eq!(r, StatusCode::CONFLICT, "{rv}");
    let task = app.store.task(id).await.expect("q").expect("task").task;
    assert_eq!(
        (task.state.as_str(), task.claimed_by_person),
        ("done", Some(me))
    );
}

async fn the_task_list_leaves_notifications_unread(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = Api::new(&app, "office").await;
    let id = claimed_task(&app, "督办测试：通知留在消息中心", 10).await;
    let (s, _) = office
        .post(
            &format!("/api/v1/tasks/{id}/urge"),
            json!({"note": "请报送"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let user = app
        .store
        .user_by_name("leader")
        .await
        .expect("q")
        .expect("leader");
    let unread = app.store.unread_notifications(user.id).await.expect("n");
    assert!(unread > 0);
    let session = app.login("leader").await;
    for _ in 0..2 {
        let html = session
            .client
            .get(session.url("/tasks"))
            .send()
            .await
            .expect("tasks")
            .text()
            .await
            .expect("html");
        let notes = &html[html.find("id=\"notifications\"").expect("notifications")..];
        assert!(notes.contains("【催办】") && notes.contains("href=\"/inbox\""));
    }
    assert_eq!(
        app.store.unread_notifications(user.id).await.expect("n"),
        unread,
        "looking at the list reads nothing; 消息中心 does"
    );
}
