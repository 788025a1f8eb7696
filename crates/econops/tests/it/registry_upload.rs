//! The registry upload page on both databases: the office uploads a registry file, the import
//! runs in the background and its page shows the progress and then the result; a file with a
//! bad USCC ends refused with its row and column and nothing written; only the office uploads,
//! and a job is seen only by the user who started it.

use crate::support;

use domain::Uscc;
use reqwest::StatusCode;
use store::Dialect;
use support::{Session, TestApp};

on_both!(
    an_upload_runs_in_the_background_and_shows_its_result,
    a_bad_file_is_refused_with_its_cells_and_nothing_written,
    only_the_office_uploads_and_each_sees_his_own_jobs,
);

const HEADER: &str =
    "统一社会信用代码,企业名称,行业代码,所在镇街,成立日期,注册资本,从业人员,标签\n";

fn code(n: u32) -> String {
    Uscc::with_check(&format!("91370281MB{n:07}"))
        .expect("valid body")
        .to_string()
}

fn csv(rows: u32) -> String {
    let mut out = HEADER.to_string();
    for n in 0..rows {
        out.push_str(&format!(
            "{},上传测试机械有限公司{n},3421,胶西街道,2019-03-01,500,40,\n",
            code(n)
        ));
    }
    out
}

/// Posts the file; returns the status and the final URL (after the redirect to the job).
async fn upload(s: &Session, file: &str, dry_run: bool) -> (StatusCode, String, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", s.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("企业名录.csv"),
        );
    if dry_run {
        form = form.text("dry_run", "1");
    }
    let resp = s
        .client
        .post(s.url("/enterprises/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    let url = resp.url().path().to_string();
    (status, url, resp.text().await.expect("html"))
}

/// Reads the job's page until it no longer polls (the import has ended).
async fn finished(s: &Session, path: &str) -> String {
    let mut html = String::new();
    for _ in 0..600 {
        let resp = s.client.get(s.url(path)).send().await.expect("job page");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        html = resp.text().await.expect("html");
        if !html.contains("hx-trigger=\"every 1s\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import at {path} did not end: {html}");
}

async fn firms(app: &TestApp) -> usize {
    app.store.enterprises("370281").await.expect("firms").len()
}

async fn an_upload_runs_in_the_background_and_shows_its_result(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let page = office
        .client
        .get(office.url("/enterprises"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(page.contains("href=\"/enterprises/import\""), "linked");
    let before = firms(&app).await;

    let (status, job, _) = upload(&office, &csv(3), true).await;
    assert_eq!(status, StatusCode::OK);
    assert!(job.starts_with("/enterprises/import/j_"), "{job}");
    let html = finished(&office, &job).await;
    assert!(
        html.contains("检查通过（未写入）：企业名录 3 家：新增 3 家"),
        "{html}"
    );
    assert_eq!(firms(&app).await, before, "a dry run writes nothing");

    let (_, job, _) = upload(&office, &csv(3), false).await;
    let html = finished(&office, &job).await;
    assert!(
        html.contains("导入成功：企业名录 3 家：新增 3 家"),
        "{html}"
    );
    assert_eq!(firms(&app).await, before + 3);
    let firm = app
        .store
        .firm_by_uscc(&code(2))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(firm.name, "上传测试机械有限公司2");

    // The list of the user's imports names both, the latest first.
    let list = office
        .client
        .get(office.url("/enterprises/import"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let (ok, dry) = (
        list.find("导入成功").expect("the import"),
        list.find("检查通过（未写入）").expect("the dry run"),
    );
    assert!(ok < dry, "latest first");
}

async fn a_bad_file_is_refused_with_its_cells_and_nothing_written(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let before = (
        firms(&app).await,
        app.store.count_audit().await.expect("audit"),
    );
    let mut bad = code(1);
    bad.pop();
    bad.push(if code(1).ends_with('0') { '1' } else { '0' });
    let file = csv(3).replace(&code(1), &bad);
    let (_, job, _) = upload(&office, &file, false).await;
    let html = finished(&office, &job).await;
    assert!(html.contains("导入被拒绝，未写入任何数据"), "{html}");
    assert!(
        html.contains("<td class=\"num\">3</td><td>统一社会信用代码</td>")
            && html.contains("校验位"),
        "the row and the reason: {html}"
    );
    let after = (
        firms(&app).await,
        app.store.count_audit().await.expect("audit"),
    );
    assert_eq!(before, after, "nothing written");

    // No file, and a file that is not a table: the form says what is wrong.
    let form = reqwest::multipart::Form::new().text("csrf", office.csrf.clone());
    let resp = office
        .client
        .post(office.url("/enterprises/import"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .expect("html")
        .contains("请选择要导入的企业名录文件"));
    let (_, job, _) = upload(&office, "\u{0}\u{1}garbage", false).await;
    let html = finished(&office, &job).await;
    assert!(html.contains("未写入任何数据"), "{html}");
    assert_eq!(firms(&app).await, before.0);
}

async fn only_the_office_uploads_and_each_sees_his_own_jobs(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    for user in ["jiaoxi", "dept", "leader", "manager", "viewer"] {
        let s = app.login(user).await;
        let page = s
            .client
            .get(s.url("/enterprises/import"))
            .send()
            .await
            .expect("page");
        assert_eq!(
            page.status(),
            StatusCode::FORBIDDEN,
            "{user} reads the form"
        );
        let (status, _, _) = upload(&s, &csv(1), false).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user} uploads");
    }
    let office = app.login("office").await;
    let (_, job, _) = upload(&office, &csv(2), true).await;
    finished(&office, &job).await;
    let admin = app.login("admin").await;
    let resp = admin
        .client
        .get(admin.url(&job))
        .send()
        .await
        .expect("job page");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "another user's job");
    let resp = office
        .client
        .get(office.url("/enterprises/import/j_nothing"))
        .send()
        .await
        .expect("job page");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Without the form's token, nothing starts.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv(1).into_bytes()).file_name("a.csv"),
    );
    let resp = office
        .client
        .post(office.url("/enterprises/import"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
