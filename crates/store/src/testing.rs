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

/// A fresh empty database of the given dialect, or `None` when PostgreSQL is not configured
/// and not required.
pub async fn fresh_db(dialect: Dialect) -> Result<Option<TestDb>> {
    match dialect {
        Dialect::Sqlite => {
            let dir = std::env::temp_dir().join(format!("econops-test-{}", random_suffix()));
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let path = dir.join("test.db");
            Ok(Some(TestDb {
                url: format!("sqlite://{}", path.display()),
                dialect,
                dir: Some(dir),
            }))
        }
        Dialect::Postgres => {
            let Ok(admin) = std::env::var("ECONOPS_TEST_PG_URL") else {
                if std::env::var_os("ECONOPS_REQUIRE_PG").is_some() {
                    return Err(StoreError::Invalid(
                        "ECONOPS_REQUIRE_PG is set but ECONOPS_TEST_PG_URL is not".into(),
                    ));
                }
                eprintln!("note: ECONOPS_TEST_PG_URL is not set; skipping a PostgreSQL test");
                return Ok(None);
            };
            sqlx::any::install_default_drivers();
            let name = format!("econops_t_{}", random_suffix());
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            let base = match admin.rfind('/') {
                Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap_or(0) + 2 => {
                    &admin[..i]
                }
                _ => admin.as_str(),
            };
            Ok(Some(TestDb {
                url: format!("{base}/{name}"),
                dialect,
                dir: None,
            }))
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
