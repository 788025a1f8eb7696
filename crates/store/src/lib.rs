//! The store is the only place in EconOps that speaks SQL.
//!
//! One code path serves both databases: the embedded SQLite default and PostgreSQL, the road
//! past one machine. Queries are portable SQL with `$n` placeholders run through sqlx's `Any`
//! driver; only the migrations differ in a few dialect words. Every write happens inside a
//! [`WriteTx`], whose operations also append to the audit log in the same transaction, so a
//! change and its record commit or roll back together.

pub mod audit;
pub mod backup;
pub mod calendar;
pub mod claim;
pub mod codes;
pub mod enterprises;
pub mod figures;
pub mod firm_figures;
mod firm_flags;
pub mod land;
pub mod locate;
pub mod matching;
mod migrate;
pub mod name_index;
pub mod nullable;
pub mod policies;
pub mod project_list;
pub mod reference;
pub mod requests;
pub mod service;
pub mod staging;
pub mod supervision;
pub mod targets;
pub mod testing;
pub mod users;
pub mod watch;

use serde::Serialize;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use time::OffsetDateTime;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use audit::{AuditEntry, AuditRecord};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("数据库地址无效：{0}")]
    BadUrl(String),
    #[error("{0}不存在")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    /// Another writer holds the database (SQLite's lock, a PostgreSQL lock or serialization
    /// conflict, or no free connection): worth retrying shortly.
    #[error("数据库正忙，请稍后重试")]
    Busy(#[source] sqlx::Error),
    #[error("database error")]
    Db(#[source] sqlx::Error),
    #[error("migration {version} ({name}) failed")]
    Migration {
        version: i64,
        name: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("backup failed: {0}")]
    Backup(String),
    #[error("password hashing failed")]
    PasswordHash,
    /// A stored value names nothing the code knows (an enum column holding an unknown code):
    /// the data was written behind the store's back or damaged. An internal fault, never
    /// turned into a default.
    #[error("corrupt data: column {column} holds “{value}”, which is no known {what}")]
    Corrupt {
        what: &'static str,
        column: String,
        value: String,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // A row whose enum column failed strict decoding (`#[sqlx(try_from = "String")]`).
        if let sqlx::Error::ColumnDecode { index, source } = &e {
            if let Some(unknown) = source.downcast_ref::<domain::UnknownCode>() {
                return StoreError::Corrupt {
                    what: unknown.what,
                    column: index.trim_matches('"').to_string(),
                    value: unknown.value.clone(),
                };
            }
        }
        if is_busy(&e) {
            StoreError::Busy(e)
        } else {
            StoreError::Db(e)
        }
    }
}

/// Whether `e` means "another writer is in the way; try again shortly": SQLite's
/// `SQLITE_BUSY` (5) or `SQLITE_LOCKED` (6) with any extended code, PostgreSQL's
/// serialization failure (40001), deadlock (40P01) or lock not available (55P03), or a pool
/// with no free connection.
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => match code.parse::<i64>() {
                // SQLite extended result codes keep the primary code in the low byte.
                Ok(n) if code.len() < 5 => matches!(n & 0xff, 5 | 6),
                _ => matches!(code.as_ref(), "40001" | "40P01" | "55P03"),
            },
            None => false,
        },
        _ => false,
    }
}

impl StoreError {
    /// Turns a unique-constraint violation into a `Conflict` with a message for people.
    pub(crate) fn unique(err: sqlx::Error, message: impl FnOnce() -> String) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(message())
            }
            _ => err.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Where "now" comes from: the system clock, optionally shifted (to rehearse deadlines).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    pub offset: time::Duration,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
}

/// Formats a time the way the store keeps it: ISO-8601 UTC text, sortable as text.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Who makes a change: a signed-in user, or the system acting for a command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn user(user_id: i64, name: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id),
            name: name.into(),
        }
    }

    pub fn system(name: impl Into<String>) -> Self {
        Self {
            user_id: None,
            name: name.into(),
        }
    }
}

/// A parsed `--db` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub dialect: Dialect,
    /// The URL as the driver wants it.
    pub url: String,
}

impl DbUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH` or a bare path.
    pub fn parse(input: &str) -> Result<Self> {
        let s = input.trim();
        if s.is_empty() {
            return Err(StoreError::BadUrl("地址为空".into()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self {
                dialect: Dialect::Postgres,
                url: s.to_string(),
            });
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.contains("://") {
            return Err(StoreError::BadUrl(format!(
                "“{s}”：只支持 sqlite://路径、文件路径或 postgres://…"
            )));
        }
        if path.is_empty() || path.contains('?') {
            return Err(StoreError::BadUrl(format!(
                "“{s}”不是有效的 SQLite 文件路径"
            )));
        }
        Ok(Self {
            dialect: Dialect::Sqlite,
            url: format!("sqlite://{path}?mode=rwc"),
        })
    }

    /// The SQLite file path, when this is SQLite.
    pub fn sqlite_path(&self) -> Option<&str> {
        match self.dialect {
            Dialect::Sqlite => self
                .url
                .strip_prefix("sqlite://")
                .and_then(|p| p.strip_suffix("?mode=rwc")),
            Dialect::Postgres => None,
        }
    }
}

/// How long a SQLite statement waits for another process's write lock (an import from the
/// command line, a backup) before it gives up with [`StoreError::Busy`].
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    url: DbUrl,
    /// SQLite allows one writer: writes queue here instead of failing with SQLITE_BUSY.
    write_lock: Arc<Mutex<()>>,
    clock: Clock,
    /// Pipeline counts per (region, year, as of), valid for one pipeline version.
    pub(crate) pipeline_cache: Arc<std::sync::Mutex<land::PipelineCache>>,
    /// Figures computed from the data, each valid for one data version ([`figures`]).
    pub(crate) figures_cache: Arc<std::sync::Mutex<figures::FiguresCache>>,
}

impl Store {
    /// Connects and applies any migrations that are not yet applied.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let url = DbUrl::parse(url)?;
        let options = AnyConnectOptions::from_str(&url.url)
            .map_err(|e| StoreError::BadUrl(format!("{}：{e}", url.url)))?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match url.dialect {
            Dialect::Sqlite => {
                pool_options
                    .max_connections(8)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            let pragmas = format!(
                                "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                                 PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {};",
                                SQLITE_BUSY_TIMEOUT.as_millis()
                            );
                            conn.execute(pragmas.as_str()).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Dialect::Postgres => {
                pool_options
                    .max_connections(16)
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Self {
            pool,
            dialect: url.dialect,
            url,
            write_lock: Arc::new(Mutex::new(())),
            clock: Clock::default(),
            pipeline_cache: Arc::default(),
            figures_cache: Arc::default(),
        })
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn db_url(&self) -> &DbUrl {
        &self.url
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn migrate(&self) -> Result<()> {
        migrate::run(self).await
    }

    /// Starts a write transaction. Commit it with [`WriteTx::commit`]; dropping it rolls back.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let (guard, tx) = match self.dialect {
            // `BEGIN IMMEDIATE` takes SQLite's write lock at once (waiting out `busy_timeout`
            // if another process or a connection still rolling back holds it): a deferred
            // transaction that reads first and writes later can instead fail at once with
            // SQLITE_BUSY when it tries to upgrade its read snapshot.
            Dialect::Sqlite => {
                let guard = self.write_lock.clone().lock_owned().await;
                (Some(guard), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Dialect::Postgres => (None, self.pool.begin().await?),
        };
        Ok(WriteTx {
            tx,
            dialect: self.dialect,
            _guard: guard,
            at: timestamp(self.now()),
            now: self.now(),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `INSERT … VALUES` with `rows` tuples of `columns` parameters each, for statements that write
/// many rows at once. SQLite binds plain `?` by position (numbered parameters are looked up by
/// name, quadratic in the parameters of one statement); PostgreSQL takes only `$N`.
pub(crate) fn multi_row_insert(
    head: &str,
    rows: usize,
    columns: usize,
    dialect: Dialect,
) -> String {
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for k in 1..=columns {
            if k > 1 {
                sql.push_str(", ");
            }
            match dialect {
                Dialect::Sqlite => sql.push('?'),
                Dialect::Postgres => {
                    sql.push('$');
                    sql.push_str(&(i * columns + k).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// A write transaction. Its operations (defined beside the tables they touch) each append an
/// audit entry in the same transaction.
pub struct WriteTx {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    pub(crate) dialect: Dialect,
    _guard: Option<OwnedMutexGuard<()>>,
    /// The transaction's time, used for every timestamp it writes.
    pub(crate) at: String,
    pub(crate) now: OffsetDateTime,
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub fn at(&self) -> &str {
        &self.at
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// `" FOR UPDATE"` on PostgreSQL, to append to a single-table `SELECT` whose rows the
    /// transaction goes on to change; nothing on SQLite, whose writers are serialised.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        }
    }

    /// Locks one row of `table` (one of the store's own table names, never user input) until
    /// the transaction ends, so that a read-check-write on it cannot interleave with another
    /// transaction's. On PostgreSQL this is `SELECT … FOR UPDATE`; SQLite already runs one
    /// write transaction at a time (see [`Store::begin_write`]). Returns whether the row exists.
    pub(crate) async fn lock_row(&mut self, table: &'static str, id: i64) -> Result<bool> {
        let sql = match self.dialect {
            Dialect::Postgres => format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"),
            Dialect::Sqlite => format!("SELECT id FROM {table} WHERE id = $1"),
        };
        let row: Option<i64> = sqlx::query_scalar(&sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.is_some())
    }
}

/// Decodes a stored code strictly: an unknown code in `column` is [`StoreError::Corrupt`].
pub(crate) fn decode<T: domain::Coded>(column: &str, value: &str) -> Result<T> {
    T::from_code(value).map_err(|e| StoreError::Corrupt {
        what: e.what,
        column: column.to_string(),
        value: e.value,
    })
}

/// Checks a stored code of a closed set the store keeps as text (no domain enum).
pub(crate) fn check_code(
    what: &'static str,
    column: &str,
    value: &str,
    known: &[&str],
) -> Result<()> {
    if known.contains(&value) {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            what,
            column: column.to_string(),
            value: value.to_string(),
        })
    }
}

/// A row type with text columns of closed sets (kept as text for its readers), checked
/// strictly when read: see [`decode`] and [`check_code`].
pub(crate) trait Checked: Sized {
    fn check(&self) -> Result<()>;
}

/// Checks every row read; the first row holding an unknown code is [`StoreError::Corrupt`].
pub(crate) fn checked<T: Checked>(rows: Vec<T>) -> Result<Vec<T>> {
    for r in &rows {
        r.check()?;
    }
    Ok(rows)
}

/// Boolean columns are stored as 0/1 integers in both dialects.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        let u = DbUrl::parse("demo.db").expect("bare path");
        assert_eq!(u.dialect, Dialect::Sqlite);
        assert_eq!(u.sqlite_path(), Some("demo.db"));
        let u = DbUrl::parse("sqlite:///tmp/x.db").expect("sqlite url");
        assert_eq!(u.url, "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(u.sqlite_path(), Some("/tmp/x.db"));
        let u = DbUrl::parse("postgres://u@127.0.0.1:5432/db").expect("postgres url");
        assert_eq!(u.dialect, Dialect::Postgres);
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("").is_err());
        assert!(DbUrl::parse("a.db?mode=ro").is_err());
    }

    #[test]
    fn multi_row_inserts_number_postgres_parameters_and_use_plain_ones_on_sqlite() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b)", 2, 2, Dialect::Postgres),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b)", 2, 2, Dialect::Sqlite),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = timestamp(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(a, "1970-01-01T00:00:00Z");
    }
}
