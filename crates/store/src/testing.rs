//! Fresh, throwaway databases for tests: a new SQLite file, or a new database on the test
//! PostgreSQL server named by `ECONOPS_TEST_PG_URL`. Every test gets its own, so tests run in
//! parallel. When that variable is unset, PostgreSQL tests are skipped with a note — unless
//! `ECONOPS_REQUIRE_PG` is set (as the test script does), in which case they fail.

use crate::{Dialect, Result, Store, StoreError};
use sqlx::Connection;
use std::path::PathBuf;

/// A database made for one test. SQLite files are removed when it is dropped.
pub struct TestDb {
    pub url: String,
    pub dialect: Dialect,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn random_suffix() -> String {
    crate::users::new_token("")[..16].to_string()
}

impl TestDb {
    fn sqlite_file(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("test.db"))
    }
}

fn admin_url() -> Result<String> {
    std::env::var("ECONOPS_TEST_PG_URL")
        .map_err(|_| StoreError::Invalid("ECONOPS_TEST_PG_URL is not set".into()))
}

fn db_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// A fresh empty database of the given dialect, or `None` when PostgreSQL is not configured
/// and not required.
pub async fn fresh_db(dialect: Dialect) -> Result<Option<TestDb>> {
    if dialect == Dialect::Postgres && std::env::var_os("ECONOPS_TEST_PG_URL").is_none() {
        if std::env::var_os("ECONOPS_REQUIRE_PG").is_some() {
            return Err(StoreError::Invalid(
                "ECONOPS_REQUIRE_PG is set but ECONOPS_TEST_PG_URL is not".into(),
            ));
        }
        eprintln!("note: ECONOPS_TEST_PG_URL is not set; skipping a PostgreSQL test");
        return Ok(None);
    }
    fresh_db_named(dialect, true).await.map(Some)
}

/// A new SQLite path, or a new PostgreSQL database name; `create` makes the PostgreSQL
/// database empty (a copy creates it from its template instead).
async fn fresh_db_named(dialect: Dialect, create: bool) -> Result<TestDb> {
    fresh_db_prefixed(dialect, create, "econops-test").await
}

async fn fresh_db_prefixed(dialect: Dialect, create: bool, prefix: &str) -> Result<TestDb> {
    match dialect {
        Dialect::Sqlite => {
            let dir = std::env::temp_dir().join(format!("{prefix}-{}", random_suffix()));
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let path = dir.join("test.db");
            Ok(TestDb {
                url: format!("sqlite://{}", path.display()),
                dialect,
                dir: Some(dir),
            })
        }
        Dialect::Postgres => {
            let admin = admin_url()?;
            sqlx::any::install_default_drivers();
            let name = format!("econops_t_{}", random_suffix());
            if create {
                let mut conn = sqlx::AnyConnection::connect(&admin).await?;
                sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
            }
            let base = match admin.rfind('/') {
                Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap_or(0) + 2 => {
                    &admin[..i]
                }
                _ => admin.as_str(),
            };
            Ok(TestDb {
                url: format!("{base}/{name}"),
                dialect,
                dir: None,
            })
        }
    }
}

/// A fresh, migrated store.
pub async fn fresh_store(dialect: Dialect) -> Result<Option<(Store, TestDb)>> {
    let Some(db) = fresh_db(dialect).await? else {
        return Ok(None);
    };
    let store = Store::open(&db.url).await?;
    Ok(Some((store, db)))
}

/// A fresh database holding a copy of `template`'s contents: a copy of the SQLite file, or
/// `CREATE DATABASE … TEMPLATE` on PostgreSQL. Nothing may be connected to the template.
pub async fn copy_db(template: &TestDb) -> Result<TestDb> {
    let db = fresh_db_named(template.dialect, false).await?;
    match (template.dialect, template.sqlite_file(), db.sqlite_file()) {
        (Dialect::Sqlite, Some(from), Some(to)) => {
            std::fs::copy(&from, &to).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        (Dialect::Postgres, _, _) => {
            let (admin, name) = (admin_url()?, db_name(&db.url));
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            sqlx::raw_sql(&format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                db_name(&template.url)
            ))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
        }
        _ => return Err(StoreError::Invalid("not a test database".into())),
    }
    Ok(db)
}

/// A fresh, migrated store meant to be filled once and copied with [`copy_db`] for many
/// tests of one process. It outlives every test (a `static` is never dropped), so each call
/// first removes the SQLite templates of processes that have ended.
pub async fn fresh_template_store(dialect: Dialect) -> Result<Option<(Store, TestDb)>> {
    if dialect == Dialect::Sqlite {
        remove_stale_templates();
    } else if std::env::var_os("ECONOPS_TEST_PG_URL").is_none() {
        return fresh_db(dialect).await.map(|_| None);
    }
    let prefix = format!("{TEMPLATE_PREFIX}{}", std::process::id());
    let db = fresh_db_prefixed(dialect, true, &prefix).await?;
    let store = Store::open(&db.url).await?;
    Ok(Some((store, db)))
}

const TEMPLATE_PREFIX: &str = "econops-template-";

/// Removes `econops-template-<pid>-…` directories whose process is gone (Linux `/proc`).
fn remove_stale_templates() {
    let proc = std::path::Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(TEMPLATE_PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
