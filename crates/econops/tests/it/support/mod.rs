//! `TestApp`: the real application on a loopback port with a fresh database (SQLite or
//! PostgreSQL) loaded with the demo region, and HTTP clients that sign in like a browser.

#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use serde_json::Value;
use store::testing::TestDb;
use store::{Dialect, Store};

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub db: TestDb,
}

/// A signed-in browser-like client with its session's CSRF token.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The demo's clock: two weeks after its data, as `econops demo` runs.
pub fn demo_today() -> time::Date {
    let data = econops::demo::parse().expect("demo data");
    econops::demo::default_today(&data).expect("demo today")
}

static TEMPLATES: [tokio::sync::OnceCell<Option<TestDb>>; 2] = [
    tokio::sync::OnceCell::const_new(),
    tokio::sync::OnceCell::const_new(),
];

/// The demo loaded into a database that nothing stays connected to, once per process.
async fn demo_template(dialect: Dialect) -> Option<&'static TestDb> {
    let slot = match dialect {
        Dialect::Sqlite => &TEMPLATES[0],
        Dialect::Postgres => &TEMPLATES[1],
    };
    slot.get_or_init(|| async move {
        let (store, db) = store::testing::fresh_template_store(dialect)
            .await
            .expect("fresh database")?;
        let store = store.with_clock(econops::clock_for(Some(demo_today())));
        econops::demo::load(&store).await.expect("demo loads");
        store.close().await;
        Some(db)
    })
    .await
    .as_ref()
}

impl TestApp {
    /// Starts the app on the demo region, or `None` when this dialect is not available.
    /// The demo is loaded once per test binary and dialect and copied for each test.
    pub async fn demo(dialect: Dialect) -> Option<Self> {
        // `ECONOPS_LOG=error cargo test -- --nocapture` shows the server's cause chains.
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("ECONOPS_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let template = demo_template(dialect).await?;
        let db = store::testing::copy_db(template)
            .await
            .expect("copy of the demo");
        let store = Store::open(&db.url)
            .await
            .expect("open the copy")
            .with_clock(econops::clock_for(Some(demo_today())));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = web::App::new(store.clone(), web::Config::default());
        tokio::spawn(app.serve(listener, std::future::pending()));
        Some(Self { base, store, db })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, username: &str) -> Session {
        let client = Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page).expect("login form has a csrf field");
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", econops::demo::DEMO_PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "login as {username} lands on the overview"
        );
        let html = resp.text().await.expect("overview");
        let csrf = extract_csrf(&html).expect("overview carries the session csrf");
        Session {
            client,
            csrf,
            base: self.base.clone(),
        }
    }

    pub async fn token(&self, username: &str) -> String {
        let mut tx = self.store.begin_write().await.expect("begin");
        let token = tx
            .create_token(&store::Actor::system("test"), username, "test")
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        token
    }

    pub async fn target_id(&self, code: &str) -> i64 {
        self.store
            .target_by_code("370281", 2025, code)
            .await
            .expect("query")
            .expect("target exists")
    }

    pub async fn town_id(&self, code: &str) -> i64 {
        self.store
            .towns("370281")
            .await
            .expect("towns")
            .into_iter()
            .find(|t| t.code == code)
            .expect("town")
            .id
    }

    /// The actual value of a target as of the end of 2025 and the size of the audit log.
    pub async fn fingerprint(&self) -> (Vec<(i64, Option<i64>, i64)>, i64) {
        let rows = self
            .store
            .targets("370281", 2025, "2025-12-31")
            .await
            .expect("targets");
        let values = rows.iter().map(|r| (r.id, r.actual, r.value)).collect();
        (values, self.store.count_audit().await.expect("count"))
    }
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// `GET` a page: its status and its HTML.
    pub async fn get_page(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = resp.status();
        (status, resp.text().await.expect("html"))
    }
}

/// Runs a test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(store::Dialect::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(store::Dialect::Postgres).await
                }
            }
        )*
    };
}

/// `POST` a JSON body with a bearer token: the status and the answer's JSON (`Null` if none).
pub async fn post_json(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `GET` with a bearer token: the status and the answer's JSON (`Null` if none).
pub async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let resp = Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}
