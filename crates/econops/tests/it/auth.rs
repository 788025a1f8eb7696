//! Sign-in under attack and credentials taken back (issue 8, items 2, 3 and 8), through real
//! HTTP and the real command line, on both databases: the lockout holds under parallel
//! attempts, password checks are bounded, sign-ins are throttled per address, and a revoked,
//! expired or disabled credential — or one from before a password change — stops working.

use crate::support;

use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use std::process::{Command, Output};
use store::testing::{fresh_store, TestDb};
use store::users::{LoginGuard, NewUser};
use store::{Actor, Dialect, Store};
use support::extract_csrf;
use web::AuthSettings;

on_both!(
    parallel_http_logins_never_get_past_the_lockout,
    password_checks_are_bounded_and_excess_answers_429,
    sign_ins_are_throttled_per_client_address,
    revoke_disable_expiry_and_password_change_end_access,
);

struct App {
    base: String,
    store: Store,
    guard: LoginGuard,
    db: TestDb,
}

/// The application on a loopback port with `auth` settings, on a fresh database holding the
/// demo region (`demo`) or only the user "solo" (password "solo password").
async fn start(dialect: Dialect, auth: AuthSettings, demo: bool) -> Option<App> {
    let (store, db) = fresh_store(dialect).await.expect("fresh database")?;
    let store = if demo {
        let data = econops::demo::parse().expect("demo data");
        let today = econops::demo::default_today(&data).expect("demo today");
        let store = store.with_clock(econops::clock_for(Some(today)));
        econops::demo::load(&store).await.expect("demo loads");
        store
    } else {
        let mut tx = store.begin_write().await.expect("begin");
        tx.create_user(
            &Actor::system("test"),
            &NewUser {
                username: "solo".into(),
                display_name: "solo".into(),
                password: "solo password".into(),
                role: domain::Role::Viewer,
                region_code: None,
                person_id: None,
                department_id: None,
                town_id: None,
            },
        )
        .await
        .expect("user");
        tx.commit().await.expect("commit");
        store
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = web::Config {
        auth,
        ..web::Config::default()
    };
    let app = web::App::new(store.clone(), config);
    let guard = app.login_guard().clone();
    tokio::spawn(app.serve(listener, std::future::pending()));
    Some(App {
        base,
        store,
        guard,
        db,
    })
}

/// Settings that let every attempt through to the lockout and the password checks.
fn unthrottled() -> AuthSettings {
    AuthSettings {
        throttle_per_minute: 0,
        password_check_wait_ms: 60_000,
        ..AuthSettings::default()
    }
}

/// What a sign-in attempt was answered.
struct Attempt {
    status: StatusCode,
    retry_after: Option<String>,
    session: Option<String>,
    body: String,
}

fn plain_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The sign-in form's CSRF value (the same goes in the `econops_login` cookie).
    async fn login_csrf(&self) -> String {
        let page = plain_client()
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        extract_csrf(&page).expect("csrf field")
    }

    /// One sign-in attempt; the login cookie is set by hand so that parallel attempts can share
    /// one form. `forwarded` is sent as `X-Forwarded-For`.
    async fn attempt(
        &self,
        csrf: &str,
        username: &str,
        password: &str,
        forwarded: Option<&str>,
    ) -> Attempt {
        let mut req = plain_client()
            .post(self.url("/login"))
            .header(COOKIE, format!("econops_login={csrf}"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", csrf),
            ]);
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        let resp = req.send().await.expect("login");
        let status = resp.status();
        let retry = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let session = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("econops_session="))
            .and_then(|c| c.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        Attempt {
            status,
            retry_after: retry,
            session,
            body: resp.text().await.unwrap_or_default(),
        }
    }

    /// Signs in with the right password; returns the session token.
    async fn session(&self, username: &str, password: &str) -> String {
        let csrf = self.login_csrf().await;
        let a = self.attempt(&csrf, username, password, None).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        a.session.expect("a session cookie")
    }

    /// The status of the overview page with this session (303 to /login once it is gone).
    async fn page_with(&self, session: &str) -> (StatusCode, Option<String>) {
        let resp = plain_client()
            .get(self.url("/"))
            .header(COOKIE, format!("econops_session={session}"))
            .send()
            .await
            .expect("page");
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (resp.status(), location)
    }

    async fn api_with(&self, token: &str) -> StatusCode {
        plain_client()
            .get(self.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("api")
            .status()
    }

    fn cli(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--db", self.db.url.as_str()]);
        Command::new(env!("CARGO_BIN_EXE_econops"))
            .args(&all)
            .env_remove("ECONOPS_DB")
            .output()
            .expect("run econops")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn all_text(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

/// Issue 8, item 2, through HTTP: 150 wrong passwords and the right one at once; then 150
/// wrong ones and, after them, the right one. The old code let the right one in after 144
/// failures, because parallel attempts overwrote each other's failure count.
async fn parallel_http_logins_never_get_past_the_lockout(dialect: Dialect) {
    let Some(app) = start(dialect, unthrottled(), false).await else {
        return;
    };
    let app = std::sync::Arc::new(app);
    let csrf = app.login_csrf().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..151 {
        let (app, csrf) = (app.clone(), csrf.clone());
        set.spawn(async move {
            let right = i == 75;
            let password = if right {
                "solo password".to_string()
            } else {
                format!("guess {i}")
            };
            (
                right,
                app.attempt(&csrf, "solo", &password, None).await.status,
            )
        });
    }
    let (mut wrong_told, mut right_status) = (0, None);
    while let Some(joined) = set.join_next().await {
        let (right, status) = joined.expect("task");
        if right {
            right_status = Some(status);
            continue;
        }
        assert!(
            [
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::TOO_MANY_REQUESTS
            ]
            .contains(&status),
            "{status}"
        );
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            wrong_told += 1;
        }
    }
    match right_status.expect("the right attempt ran") {
        StatusCode::SEE_OTHER => {
            assert!(wrong_told <= 8, "{wrong_told}");
            assert!(app.guard.checks() <= 10, "{}", app.guard.checks());
        }
        StatusCode::TOO_MANY_REQUESTS => {
            assert_eq!(wrong_told, 4);
            assert_eq!(app.guard.checks(), 5);
        }
        other => panic!("right password answered {other}"),
    }

    let before = app.guard.checks();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..150 {
        let (app, csrf) = (app.clone(), csrf.clone());
        set.spawn(async move {
            app.attempt(&csrf, "solo", &format!("again {i}"), None)
                .await
                .status
        });
    }
    while let Some(joined) = set.join_next().await {
        assert_ne!(joined.expect("task"), StatusCode::SEE_OTHER);
    }
    assert!(app.guard.checks() - before <= 5);
    let a = app.attempt(&csrf, "solo", "solo password", None).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert!(a.session.is_none());
    assert!(a.body.contains("账号已暂时锁定"), "{}", a.body);
    let retry: u64 = a
        .retry_after
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
}

/// Issue 8, item 3, through HTTP: with one password check allowed at once, parallel sign-ins
/// never run two (counted where the checks run), and while every check is busy a sign-in is
/// answered 429 with `Retry-After`, counting nothing against the account.
async fn password_checks_are_bounded_and_excess_answers_429(dialect: Dialect) {
    let settings = AuthSettings {
        throttle_per_minute: 0,
        concurrent_password_checks: 1,
        password_check_wait_ms: 200,
        ..AuthSettings::default()
    };
    let Some(app) = start(dialect, settings, false).await else {
        return;
    };
    let app = std::sync::Arc::new(app);
    let csrf = app.login_csrf().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (app, csrf) = (app.clone(), csrf.clone());
        set.spawn(async move {
            let a = app
                .attempt(&csrf, &format!("nobody{i}"), "some password", None)
                .await;
            (a.status, a.retry_after)
        });
    }
    let mut checked = 0;
    while let Some(joined) = set.join_next().await {
        match joined.expect("task") {
            (StatusCode::UNPROCESSABLE_ENTITY, _) => checked += 1,
            (StatusCode::TOO_MANY_REQUESTS, Some(retry)) => {
                assert!(retry.parse::<u64>().expect("seconds") >= 1)
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(checked >= 1);
    assert_eq!(app.guard.checks(), checked);
    assert_eq!(app.guard.peak(), 1, "never two password checks at once");

    // Every check busy: the excess waits briefly, then 429 — for known and unknown names.
    let slot = app.guard.occupy().expect("the one slot");
    for name in ["solo", "nobody"] {
        let a = app.attempt(&csrf, name, "solo password", None).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(a
            .retry_after
            .is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s >= 1)));
        assert!(a.session.is_none());
        assert!(a.body.contains("登录的人较多"), "{}", a.body);
    }
    assert_eq!(app.guard.checks(), checked, "nothing was checked");
    drop(slot);
    app.session("solo", "solo password").await;
}

/// Sign-in attempts are limited per client address; `X-Forwarded-For` counts only when the
/// settings trust it, and then its last entry (the one the proxy added).
async fn sign_ins_are_throttled_per_client_address(dialect: Dialect) {
    for trusted in [false, true] {
        let settings = AuthSettings {
            throttle_per_minute: 3,
            trust_forwarded_for: trusted,
            ..AuthSettings::default()
        };
        let Some(app) = start(dialect, settings, false).await else {
            return;
        };
        let csrf = app.login_csrf().await;
        for _ in 0..3 {
            let a = app
                .attempt(&csrf, "nobody", "wrong password", Some("10.0.0.1"))
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let a = app
            .attempt(&csrf, "solo", "solo password", Some("10.0.0.1"))
            .await;
        assert_eq!(
            a.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        assert!(a.session.is_none());
        assert!(a.body.contains("登录尝试过于频繁"), "{}", a.body);
        let retry: u64 = a
            .retry_after
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry), "{retry}");

        // Another claimed address, the real proxy's entry last.
        let status = app
            .attempt(
                &csrf,
                "nobody",
                "wrong password",
                Some("10.0.0.1, 10.0.0.2"),
            )
            .await
            .status;
        if trusted {
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "10.0.0.2 has its own count"
            );
            let status = app
                .attempt(&csrf, "nobody", "wrong password", None)
                .await
                .status;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "so has the peer");
        } else {
            assert_eq!(
                status,
                StatusCode::TOO_MANY_REQUESTS,
                "an untrusted X-Forwarded-For changes nothing"
            );
        }
        assert_eq!(app.guard.checks(), if trusted { 5 } else { 3 });
    }
}

/// Issue 8, item 8: a revoked or expired token, a token or session from before a password
/// change, and every credential of a disabled user stop working at once; a disabled user's
/// sign-in is answered as a wrong password is. The commands are run as an administrator would.
async fn revoke_disable_expiry_and_password_change_end_access(dialect: Dialect) {
    let Some(app) = start(dialect, AuthSettings::default(), true).await else {
        return;
    };
    let password = econops::demo::DEMO_PASSWORD;
    let session = app.session("office", password).await;
    assert_eq!(app.page_with(&session).await.0, StatusCode::OK);

    // Revoke by prefix.
    let o = app.cli(&["token", "create", "office"]);
    assert!(o.status.success(), "{}", all_text(&o));
    let token = stdout(&o).trim().to_string();
    assert!(token.starts_with("eo_") && !token.contains('\n'), "{token}");
    assert!(all_text(&o).contains("有效期至"), "{}", all_text(&o));
    let prefix = &token[..11];
    assert_eq!(app.api_with(&token).await, StatusCode::OK);
    let o = app.cli(&["token", "list", "office"]);
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.contains(prefix) && l.ends_with("有效")),
        "{}",
        all_text(&o)
    );
    let o = app.cli(&["token", "revoke", prefix]);
    assert!(o.status.success(), "{}", all_text(&o));
    assert_eq!(app.api_with(&token).await, StatusCode::UNAUTHORIZED);
    let o = app.cli(&["token", "list", "office"]);
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.contains(prefix) && l.ends_with("已吊销")),
        "{}",
        all_text(&o)
    );
    let o = app.cli(&["token", "revoke", prefix]);
    assert!(!o.status.success());
    assert!(all_text(&o).contains("已于"), "{}", all_text(&o));
    for bad in [
        &["token", "revoke", "soon"][..],
        &["token", "create", "office", "--days", "0"],
    ] {
        let o = app.cli(bad);
        assert!(!o.status.success(), "{bad:?}");
        assert!(!all_text(&o).contains("panicked"), "{}", all_text(&o));
    }
    let o = app.cli(&["token", "list", "ghost"]);
    assert!(!o.status.success());
    assert!(all_text(&o).contains("ghost"), "{}", all_text(&o));

    // A password change ends the session and the token.
    let o = app.cli(&[
        "token", "create", "office", "--name", "second", "--days", "30",
    ]);
    let token = stdout(&o).trim().to_string();
    assert_eq!(app.api_with(&token).await, StatusCode::OK);
    let o = app.cli(&["user", "passwd", "office", "--password", "another password"]);
    assert!(o.status.success(), "{}", all_text(&o));
    assert!(
        stdout(&o).contains("1 个会话、吊销 1 个"),
        "{}",
        all_text(&o)
    );
    assert_eq!(
        app.page_with(&session).await,
        (StatusCode::SEE_OTHER, Some("/login".to_string()))
    );
    assert_eq!(app.api_with(&token).await, StatusCode::UNAUTHORIZED);

    // Disabling ends everything at once; sign-in is answered as a wrong password is.
    let session = app.session("office", "another password").await;
    let token = stdout(&app.cli(&["token", "create", "office"]))
        .trim()
        .to_string();
    assert_eq!(app.api_with(&token).await, StatusCode::OK);
    let o = app.cli(&["user", "disable", "office"]);
    assert!(o.status.success(), "{}", all_text(&o));
    assert_eq!(app.page_with(&session).await.0, StatusCode::SEE_OTHER);
    assert_eq!(app.api_with(&token).await, StatusCode::UNAUTHORIZED);
    let csrf = app.login_csrf().await;
    let right = app.attempt(&csrf, "office", "another password", None).await;
    let wrong = app.attempt(&csrf, "office", "not the password", None).await;
    assert_eq!(right.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(right.session.is_none());
    assert_eq!(right.status, wrong.status);
    let message = |body: &str| {
        body.lines()
            .find(|l| l.contains("role=\"alert\""))
            .map(str::to_string)
    };
    assert_eq!(message(&right.body), message(&wrong.body));
    assert!(
        message(&right.body).is_some_and(|m| m.contains("用户名或密码错误")),
        "{}",
        right.body
    );
    let o = app.cli(&["user", "list"]);
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.starts_with("office\t") && l.ends_with("停用")),
        "{}",
        all_text(&o)
    );
    let o = app.cli(&["token", "create", "office"]);
    assert!(!o.status.success(), "no token for a disabled user");
    let o = app.cli(&["user", "enable", "office"]);
    assert!(o.status.success(), "{}", all_text(&o));
    assert_eq!(
        app.api_with(&token).await,
        StatusCode::UNAUTHORIZED,
        "stays revoked"
    );
    let session = app.session("office", "another password").await;
    assert_eq!(app.page_with(&session).await.0, StatusCode::OK);
    let o = app.cli(&["user", "disable", "ghost"]);
    assert!(!o.status.success());

    // Expiry: a one-day token and a one-hour session, issued two days before the server's now.
    let earlier = app.store.clone().with_clock(store::Clock {
        offset: app.store.clock().offset - time::Duration::days(2),
    });
    let mut tx = earlier.begin_write().await.expect("begin");
    let old = tx
        .issue_token(&Actor::system("test"), "office", "old", 1)
        .await
        .expect("token");
    tx.commit().await.expect("commit");
    assert_eq!(app.api_with(&old.token).await, StatusCode::UNAUTHORIZED);
    let office = app
        .store
        .user_by_name("office")
        .await
        .expect("q")
        .expect("office");
    let (old_session, _) = earlier.create_session(office.id, 1).await.expect("session");
    assert_eq!(app.page_with(&old_session).await.0, StatusCode::SEE_OTHER);

    let audit = app
        .store
        .list_audit(&store::audit::AuditFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("audit");
    for (entity, action) in [
        ("api_token", "create"),
        ("api_token", "revoke"),
        ("user", "set_password"),
        ("user", "disable"),
        ("user", "enable"),
    ] {
        assert!(
            audit
                .iter()
                .any(|a| a.entity == entity && a.action == action),
            "{entity} {action} is audited"
        );
    }
}
