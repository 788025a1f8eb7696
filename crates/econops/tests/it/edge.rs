//! The deployment edges: the configuration file, what every response carries on its way out,
//! a busy database, append-only history against SQLite's REPLACE, backups and restores, and
//! the waterfall chart's tooltip.

use crate::support;

use econops::config::{ConfigError, ParseError, Settings};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use store::testing::{fresh_db, fresh_store, TestDb};
use store::users::NewUser;
use store::{Actor, Dialect, Store};
use support::{extract_csrf, TestApp};

on_both!(
    secure_cookies_come_from_the_configuration_file,
    responses_with_user_data_are_not_stored,
    framework_refusals_answer_like_the_application,
    history_rows_cannot_be_replaced,
    a_backup_taken_while_serving_restores_with_its_data,
);

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "econops-edge-{tag}-{}-{}",
        std::process::id(),
        &store::users::new_token("")[..8]
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

// ----- the configuration file -------------------------------------------------------------

#[test]
fn the_example_file_is_the_defaults_and_explains_every_key() {
    let example = Settings::example();
    let parsed = Settings::parse(&example).expect("the example parses");
    assert_eq!(parsed, Settings::default());
    assert_eq!(Settings::undocumented_keys(), Vec::<String>::new());
    for key in Settings::keys() {
        let name = key.rsplit('.').next().expect("key");
        assert!(
            example.contains(&format!("\n{name} = ")),
            "{key} is in the example"
        );
    }
    assert!(example.contains("secure_cookies = false"));
    // The web settings a default file gives are the application's defaults.
    let web = Settings::default().into_web_config();
    let default = web::Config::default();
    assert_eq!(web.rules.thresholds, default.rules.thresholds);
    assert_eq!(web.rules.warning_rules, default.rules.warning_rules);
    assert_eq!(web.rules.stall, default.rules.stall);
    assert_eq!(web.rules.value_added, default.rules.value_added);
    assert_eq!(web.secure_cookies, default.secure_cookies);
}

#[test]
fn every_key_reaches_the_web_settings() {
    let text = r#"
[server]
secure_cookies = true
[targets]
cumulative_watch_pp = 5.0
cumulative_alarm_pp = 20.0
level_rate_watch_pp = 0.5
level_shortfall_watch_pct = 7.5
[warnings]
red_on_negative_growth = false
yellow_below_target_pp = 0.5
red_below_target_pp = 3.0
red_shortfall_gdp_pp = 0.4
[projects]
stall_watch_days = 14
stall_alarm_days = 45
value_added_percent = 25
"#;
    let web = Settings::parse(text).expect("valid").into_web_config();
    assert!(web.secure_cookies);
    assert_eq!(web.rules.thresholds.cumulative_watch_pp, 5.0);
    assert_eq!(web.rules.thresholds.cumulative_alarm_pp, 20.0);
    assert_eq!(web.rules.thresholds.level_rate_watch_pp, 0.5);
    assert_eq!(web.rules.thresholds.level_shortfall_watch_pct, 7.5);
    assert!(!web.rules.warning_rules.red_on_negative_growth);
    assert_eq!(web.rules.warning_rules.yellow_below_target_pp, 0.5);
    assert_eq!(web.rules.warning_rules.red_below_target_pp, 3.0);
    assert_eq!(web.rules.warning_rules.red_shortfall_gdp_pp, 0.4);
    assert_eq!(
        (web.rules.stall.watch_days, web.rules.stall.alarm_days),
        (14, 45)
    );
    assert_eq!(web.rules.value_added.percent, 25);
    assert_eq!(web.rules.value_added.assumed(1_000_000), 250_000);
}

#[test]
fn bad_files_are_refused_with_the_key_and_the_reason() {
    let syntax = |text: &str| match Settings::parse(text) {
        Err(ParseError::Syntax(m)) => m,
        other => panic!("{text:?} must be refused as malformed, got {other:?}"),
    };
    let m = syntax("[server]\nsecure_cookie = true\n");
    assert!(m.contains("secure_cookie"), "{m}");
    assert!(m.contains("unknown field"), "{m}");
    let m = syntax("[server]\nsecure_cookies = \"yes\"\n");
    assert!(
        m.contains("secure_cookies") && m.contains("invalid type"),
        "{m}"
    );
    let m = syntax("[nonsense]\nx = 1\n");
    assert!(m.contains("nonsense"), "{m}");
    let m = syntax("[projects]\nstall_watch_days = 1.5\n");
    assert!(m.contains("stall_watch_days"), "{m}");

    let range = |text: &str| match Settings::parse(text) {
        Err(ParseError::Range { key, reason }) => (key, reason),
        other => panic!("{text:?} must be refused as out of range, got {other:?}"),
    };
    let (key, reason) = range("[projects]\nstall_watch_days = 30\nstall_alarm_days = 20\n");
    assert_eq!(key, "projects.stall_alarm_days");
    assert!(reason.contains("20"), "{reason}");
    assert_eq!(
        range("[projects]\nvalue_added_percent = 0\n").0,
        "projects.value_added_percent"
    );
    assert_eq!(
        range("[targets]\ncumulative_watch_pp = nan\n").0,
        "targets.cumulative_watch_pp"
    );
    assert_eq!(
        range("[auth]\nsession_hours = -1\n").0,
        "auth.session_hours"
    );
    assert_eq!(
        range("[uploads]\nmax_sheet_rows = 0\n").0,
        "uploads.max_sheet_rows"
    );

    let dir = temp_dir("badfile");
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[projects]\nvalue_added_percent = 101\n").expect("write");
    match Settings::load(&path) {
        Err(e @ ConfigError::Invalid { .. }) => {
            let m = e.to_string();
            assert!(
                m.contains("projects.value_added_percent") && m.contains("101"),
                "{m}"
            );
        }
        other => panic!("refused, got {other:?}"),
    }
    assert!(matches!(
        Settings::load(&dir.join("missing.toml")),
        Err(ConfigError::Read { .. })
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_command_line_prints_the_example_and_refuses_a_bad_file_at_start() {
    let dir = temp_dir("cli");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_econops"))
            .args(args)
            .env_remove("ECONOPS_DB")
            .env_remove("ECONOPS_CONFIG")
            .output()
            .expect("run econops")
    };
    let o = run(&["config", "example"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), Settings::example());

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[server]\nsecure_cookies = true\nbehind_tls = true\n").expect("write");
    let db = dir.join("never.db");
    let o = run(&[
        "serve",
        "--config",
        bad.to_str().expect("utf-8"),
        "--db",
        db.to_str().expect("utf-8"),
        "--addr",
        "127.0.0.1:0",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("behind_tls"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!db.exists(), "a refused configuration touches no database");
    let o = run(&["config", "check", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let good = dir.join("good.toml");
    std::fs::write(&good, Settings::example()).expect("write");
    let o = run(&["config", "check", good.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn listening_beyond_this_machine_without_tls_is_warned_about() {
    let mut settings = Settings::default();
    let public: std::net::SocketAddr = "0.0.0.0:8080".parse().expect("addr");
    let local: std::net::SocketAddr = "127.0.0.1:8080".parse().expect("addr");
    let warning = settings.exposure_warning(public).expect("a warning");
    assert!(warning.contains("0.0.0.0:8080") && warning.contains("behind_tls_proxy"));
    assert_eq!(settings.exposure_warning(local), None);
    settings.server.behind_tls_proxy = true;
    assert_eq!(settings.exposure_warning(public), None);
}

#[test]
fn serve_warns_on_stderr_when_it_listens_on_every_address() {
    let dir = temp_dir("warn");
    let db = dir.join("w.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_econops"))
        .args([
            "serve",
            "--db",
            db.to_str().expect("utf-8"),
            "--addr",
            "0.0.0.0:0",
        ])
        .env_remove("ECONOPS_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline && !seen.contains("behind_tls_proxy") {
        if let Ok(line) = receive.recv_timeout(std::time::Duration::from_millis(200)) {
            seen.push_str(&line);
            seen.push('\n');
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        seen.contains("警告") && seen.contains("behind_tls_proxy"),
        "{seen}"
    );
}

/// An app started from `config` (as `serve --config` starts it) on a fresh database holding
/// one administrator `admin` with password `pw-for-admin-1`.
async fn app_from_file(dialect: Dialect, config: &Path) -> Option<(String, Store, TestDb)> {
    let (store, db) = fresh_store(dialect).await.expect("database")?;
    let mut tx = store.begin_write().await.expect("begin");
    tx.create_user(
        &Actor::system("test"),
        &NewUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            password: "pw-for-admin-1".into(),
            role: domain::Role::Admin,
            region_code: None,
            person_id: None,
            department_id: None,
            town_id: None,
        },
    )
    .await
    .expect("user");
    tx.commit().await.expect("commit");
    let settings = Settings::load(config).expect("config loads");
    let app = econops::build_app(store.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(app.serve(listener, std::future::pending()));
    Some((base, store, db))
}

/// Signs in without a cookie store and returns every Set-Cookie of the sign-in answer.
async fn sign_in_cookies(base: &str) -> Vec<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    let login_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("econops_login="))
        .expect("the sign-in form sets its cookie")
        .to_string();
    let html = page.text().await.expect("html");
    let csrf = extract_csrf(&html).expect("csrf");
    let pair = login_cookie.split(';').next().expect("pair").to_string();
    let resp = client
        .post(format!("{base}/login"))
        .header("cookie", pair)
        .form(&[
            ("username", "admin"),
            ("password", "pw-for-admin-1"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "signed in");
    let mut cookies = vec![login_cookie];
    cookies.extend(
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string)),
    );
    cookies
}

async fn secure_cookies_come_from_the_configuration_file(dialect: Dialect) {
    let dir = temp_dir("secure");
    let secure = dir.join("secure.toml");
    std::fs::write(
        &secure,
        "[server]\nsecure_cookies = true\nbehind_tls_proxy = true\n",
    )
    .expect("write");
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, "# defaults\n").expect("write");

    let Some((base, _store, _db)) = app_from_file(dialect, &secure).await else {
        return;
    };
    let cookies = sign_in_cookies(&base).await;
    let session = cookies
        .iter()
        .find(|c| c.starts_with("econops_session=") && !c.starts_with("econops_session=;"))
        .expect("a session cookie");
    assert!(session.contains("; Secure"), "{session}");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "every cookie is Secure: {cookies:?}"
    );

    let Some((base, _store2, _db2)) = app_from_file(dialect, &plain).await else {
        return;
    };
    let cookies = sign_in_cookies(&base).await;
    assert!(
        cookies.iter().all(|c| !c.contains("Secure")),
        "without the key cookies are not Secure: {cookies:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

// ----- every response ---------------------------------------------------------------------

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn responses_with_user_data_are_not_stored(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    for path in ["/", "/projects", "/locate", "/audit"] {
        let resp = office
            .client
            .get(office.url(path))
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-store", "{path}");
    }
    let token = app.token("office").await;
    for path in ["/api/v1/me", "/api/v1/projects", "/api/v1/nothing-here"] {
        let resp = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("api");
        assert_eq!(header(&resp, "cache-control"), "no-store", "{path}");
    }
    let resp = reqwest::get(app.url("/assets/app.css"))
        .await
        .expect("asset");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        header(&resp, "cache-control").starts_with("public, max-age="),
        "assets keep their own caching"
    );
}

async fn framework_refusals_answer_like_the_application(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let token = app.token("office").await;
    let client = reqwest::Client::new();

    // A duplicated query parameter: problem+json for the API, a page for pages.
    let resp = client
        .get(app.url("/api/v1/audit?limit=1&limit=2"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&resp, "content-type"), "application/problem+json");
    let problem: Value = resp.json().await.expect("json");
    assert_eq!(problem["status"], 400);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("limit") && d.contains("重复")),
        "{problem}"
    );
    let office = app.login("office").await;
    let resp = office
        .client
        .get(office.url("/?period=2025-09&period=2025-06"))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    let html = resp.text().await.expect("html");
    assert!(html.contains("参数“period”重复"), "{html}");

    // A method the route does not take: problem+json with Allow for the API, a page otherwise.
    let resp = client
        .delete(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&resp, "content-type"), "application/problem+json");
    assert!(header(&resp, "allow").contains("GET"));
    let problem: Value = resp.json().await.expect("json");
    assert_eq!(problem["detail"], "不支持该请求方法");
    let resp = office
        .client
        .delete(office.url("/projects"))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    assert!(resp
        .text()
        .await
        .expect("html")
        .contains("不支持该请求方法"));

    // A JSON body of the wrong type is no longer English text either.
    let resp = client
        .post(app.url("/api/v1/shortfalls"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("api");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    assert_eq!(header(&resp, "content-type"), "application/problem+json");
}

// ----- a busy database --------------------------------------------------------------------

/// Item 7: another process (the command line) holds SQLite's write lock longer than the
/// busy timeout while the server is asked to write: the server answers 503 with
/// `Retry-After` (page and API) and keeps serving reads; once the lock is gone, writes work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_lock_held_elsewhere_answers_503_with_retry_after_not_500() {
    let app = TestApp::demo(Dialect::Sqlite).await.expect("sqlite");
    let office = app.login("office").await;
    let token = app.token("office").await;
    let target = app.target_id("signed-projects").await;

    // The "command line": a second store on the same file, in a write transaction.
    let cli = Store::open(&app.db.url).await.expect("second store");
    let mut tx = cli.begin_write().await.expect("begin");
    tx.insert_region(
        &Actor::system("cli"),
        &domain::RegionCode::parse("370282").expect("code"),
        "即墨区",
        None,
    )
    .await
    .expect("the other process writes");

    let resp = office
        .client
        .post(office.url(&format!("/targets/{target}/value")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("target_value", "210"),
            ("reason", "导入期间修改"),
        ])
        .send()
        .await
        .expect("page write");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        header(&resp, "retry-after"),
        web::error::RETRY_AFTER_SECONDS
    );
    assert!(resp.text().await.expect("html").contains("系统正忙"));

    let resp = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/targets/{target}")))
        .bearer_auth(&token)
        .json(&json!({"value": 210, "reason": "导入期间修改"}))
        .send()
        .await
        .expect("api write");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        header(&resp, "retry-after"),
        web::error::RETRY_AFTER_SECONDS
    );
    assert_eq!(header(&resp, "content-type"), "application/problem+json");

    // Reads go on meanwhile.
    let resp = office
        .client
        .get(office.url("/"))
        .send()
        .await
        .expect("read");
    assert_eq!(resp.status(), StatusCode::OK);

    tx.commit().await.expect("the other process finishes");
    let resp = office
        .client
        .post(office.url(&format!("/targets/{target}/value")))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("target_value", "210"),
            ("reason", "导入结束后修改"),
        ])
        .send()
        .await
        .expect("page write");
    assert_eq!(resp.status(), StatusCode::OK);
    cli.close().await;
}

#[test]
fn busy_errors_are_recognised_by_their_codes() {
    // No database error is built by hand here; the pool timeout is the one variant we can make.
    assert!(store::is_busy(&sqlx_pool_timed_out()));
    assert!(!store::is_busy(&sqlx_row_not_found()));
}

fn sqlx_pool_timed_out() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
}

fn sqlx_row_not_found() -> sqlx::Error {
    sqlx::Error::RowNotFound
}

// ----- append-only history ----------------------------------------------------------------

async fn history_rows_cannot_be_replaced(dialect: Dialect) {
    let Some((store, _db)) = fresh_store(dialect).await.expect("database") else {
        return;
    };
    let mut tx = store.begin_write().await.expect("begin");
    tx.insert_region(
        &Actor::system("test"),
        &domain::RegionCode::parse("370281").expect("code"),
        "胶州市",
        None,
    )
    .await
    .expect("region");
    tx.commit().await.expect("commit");
    let (id, actor): (i64, String) =
        sqlx::query_as("SELECT id, actor FROM audit_log ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("an audit row");
    let rewrite = match dialect {
        Dialect::Sqlite => {
            "INSERT OR REPLACE INTO audit_log (id, at, actor, action, entity, entity_id, summary) \
             VALUES ($1, '2000-01-01T00:00:00Z', 'forger', 'x', 'x', 'x', 'rewritten')"
        }
        Dialect::Postgres => {
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, summary) \
             VALUES ($1, '2000-01-01T00:00:00Z', 'forger', 'x', 'x', 'x', 'rewritten') \
             ON CONFLICT (id) DO UPDATE SET actor = EXCLUDED.actor, summary = EXCLUDED.summary"
        }
    };
    let result = sqlx::query(rewrite).bind(id).execute(store.pool()).await;
    assert!(result.is_err(), "rewriting audit row {id} is refused");
    if dialect == Dialect::Sqlite {
        let result = sqlx::query(
            "REPLACE INTO audit_log (id, at, actor, action, entity, entity_id, summary) \
             VALUES ($1, '2000-01-01T00:00:00Z', 'forger', 'x', 'x', 'x', 'rewritten')",
        )
        .bind(id)
        .execute(store.pool())
        .await;
        assert!(result.is_err(), "REPLACE INTO is refused too");
    }
    let after: String = sqlx::query_scalar("SELECT actor FROM audit_log WHERE id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("the row is still there");
    assert_eq!(after, actor, "the row is unchanged");
    // A new row still goes in.
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, summary) \
         VALUES ('2025-01-01T00:00:00Z', 'test', 'x', 'x', 'x', 'appended')",
    )
    .execute(store.pool())
    .await
    .expect("appending works");

    // The other append-only tables: one row each, then the same rewrite.
    if dialect == Dialect::Sqlite {
        for (table, columns, values) in [
            (
                "observations",
                "region_code, period, year, end_month, indicator, recorded_by_name, recorded_at",
                "'370281', '2025-09', 2025, 9, 'gdp', 't', '2025-10-01T00:00:00Z'",
            ),
            (
                "target_actuals",
                "target_id, value, as_of, recorded_by_name, recorded_at",
                "1, 5, '2025-01-31', 't', '2025-10-01T00:00:00Z'",
            ),
            (
                "task_progress",
                "task_id, body, author_name, at",
                "1, 'x', 't', '2025-10-01T00:00:00Z'",
            ),
        ] {
            // Foreign keys off for this connection only: the guard is what is tested here.
            let mut conn = store.pool().acquire().await.expect("conn");
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await
                .expect("pragma");
            sqlx::query(&format!(
                "INSERT INTO {table} (id, {columns}) VALUES (1, {values})"
            ))
            .execute(&mut *conn)
            .await
            .expect("first row");
            let result = sqlx::query(&format!(
                "INSERT OR REPLACE INTO {table} (id, {columns}) VALUES (1, {values})"
            ))
            .execute(&mut *conn)
            .await;
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await
                .expect("pragma");
            assert!(result.is_err(), "REPLACE on {table} is refused");
        }
    }
}

// ----- backups ----------------------------------------------------------------------------

async fn a_backup_taken_while_serving_restores_with_its_data(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let dir = temp_dir("backup");
    let file = dir.join(match dialect {
        Dialect::Sqlite => "backup.db",
        Dialect::Postgres => "backup.sql",
    });
    // The server keeps answering while the backup is written.
    let (backup, page) = tokio::join!(
        app.store.backup(&file),
        office.client.get(office.url("/")).send()
    );
    backup.expect("backup while serving");
    assert_eq!(page.expect("page").status(), StatusCode::OK);
    let before = app.fingerprint().await;
    let projects = app.store.projects("370281").await.expect("projects").len();

    // Restore as docs/deployment.md says, into a new database, and serve it.
    let (url, _restored_db) = match dialect {
        Dialect::Sqlite => (file.to_str().expect("utf-8").to_string(), None),
        Dialect::Postgres => {
            let target = fresh_db(dialect).await.expect("database").expect("pg");
            let o = Command::new(env!("CARGO_BIN_EXE_econops"))
                .args([
                    "restore",
                    "--from",
                    file.to_str().expect("utf-8"),
                    "--db",
                    &target.url,
                ])
                .output()
                .expect("run restore");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            (target.url.clone(), Some(target))
        }
    };
    let restored = Store::open(&url)
        .await
        .expect("the backup opens and migrates");
    let targets = restored
        .targets("370281", 2025, "2025-12-31")
        .await
        .expect("targets");
    let values: Vec<_> = targets.iter().map(|r| (r.id, r.actual, r.value)).collect();
    assert_eq!(values, before.0, "targets and their actuals");
    assert_eq!(restored.count_audit().await.expect("audit"), before.1);
    assert_eq!(
        restored.projects("370281").await.expect("projects").len(),
        projects
    );
    // Users and their passwords came along: the restored copy serves a sign-in.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let restored_app = econops::build_app(restored.clone(), Settings::default());
    tokio::spawn(restored_app.serve(listener, std::future::pending()));
    let copy = TestApp {
        base,
        store: restored.clone(),
        db: fresh_db(Dialect::Sqlite)
            .await
            .expect("db")
            .expect("sqlite"),
    };
    copy.login("office").await;
    restored.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn restore_refuses_a_database_that_holds_data() {
    let dir = temp_dir("restore");
    let db = dir.join("live.db");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_econops"))
            .args(args)
            .env_remove("ECONOPS_DB")
            .output()
            .expect("run")
    };
    let o = run(&["migrate", "--db", db.to_str().expect("utf-8")]);
    assert!(o.status.success());
    let backup = dir.join("b.db");
    let o = run(&[
        "backup",
        "--db",
        db.to_str().expect("utf-8"),
        "--out",
        backup.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&[
        "restore",
        "--from",
        backup.to_str().expect("utf-8"),
        "--db",
        db.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已存在"));
    let fresh = dir.join("fresh.db");
    let o = run(&[
        "restore",
        "--from",
        backup.to_str().expect("utf-8"),
        "--db",
        fresh.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["migrate", "--db", fresh.to_str().expect("utf-8")]);
    assert!(o.status.success());
    let _ = std::fs::remove_dir_all(dir);
}

// ----- the waterfall tooltip --------------------------------------------------------------

/// Industry names reach the tooltip as text, not HTML: app.js runs under node with a
/// stand-in for ECharts that captures the chart options, and the tooltip of an industry named
/// like markup must come out escaped.
#[test]
fn the_waterfall_tooltip_escapes_industry_names() {
    let Ok(version) = Command::new("node").arg("--version").output() else {
        panic!("node is needed for this test (scripts/test.sh installs it)");
    };
    assert!(version.status.success());
    let app_js = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/static/app.js");
    let harness = format!(
        r#"
const fs = require('fs');
const vm = require('vm');
let captured = null;
const el = {{ dataset: {{ chart: 'waterfall' }}, style: {{}} }};
const data = {{ gdp: 5.1, target: 6.0, items: [
  {{ name: '<img src=x onerror=alert(1)>&"制造', pull: 1.2, drag: -0.3 }} ] }};
const source = {{ textContent: JSON.stringify(data) }};
const listeners = {{}};
const context = {{
  echarts: {{ init: () => ({{ setOption: (o) => {{ captured = o; }}, resize: () => {{}} }}) }},
  window: {{ addEventListener: () => {{}} }},
  document: {{
    addEventListener: (name, f) => {{ listeners[name] = f; }},
    querySelectorAll: () => [el],
    querySelector: () => source,
  }},
  JSON, Math,
}};
vm.createContext(context);
vm.runInContext(fs.readFileSync({app_js:?}, 'utf8'), context);
listeners['DOMContentLoaded']();
if (!captured) {{ console.error('no chart drawn'); process.exit(2); }}
const html = captured.tooltip.formatter([{{ dataIndex: 0 }}]);
process.stdout.write(html);
"#
    );
    let o = Command::new("node")
        .arg("-e")
        .arg(harness)
        .output()
        .expect("node runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = String::from_utf8_lossy(&o.stdout);
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;制造"),
        "{html}"
    );
    assert!(html.contains("拉动 1.20"), "{html}");
}
