//! Consistent copies of a running database: SQLite's `VACUUM INTO` writes a transactionally
//! consistent file while the server keeps serving; PostgreSQL is dumped with `pg_dump`, which
//! reads one snapshot.

use crate::{Dialect, Result, Store, StoreError};
use std::path::Path;

impl Store {
    pub async fn backup(&self, out: &Path) -> Result<()> {
        if out.exists() {
            return Err(StoreError::Backup(format!(
                "{} 已存在，不会覆盖",
                out.display()
            )));
        }
        let out_text = out
            .to_str()
            .ok_or_else(|| StoreError::Backup("输出路径须为 UTF-8".into()))?
            .to_string();
        match self.dialect {
            Dialect::Sqlite => {
                sqlx::query("VACUUM INTO $1")
                    .bind(out_text)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
            Dialect::Postgres => {
                let output = tokio::process::Command::new("pg_dump")
                    .arg("--no-owner")
                    .arg("--file")
                    .arg(&out_text)
                    .arg("--dbname")
                    .arg(&self.url.url)
                    .output()
                    .await
                    .map_err(|e| StoreError::Backup(format!("无法运行 pg_dump：{e}")))?;
                if output.status.success() {
                    Ok(())
                } else {
                    Err(StoreError::Backup(format!(
                        "pg_dump 失败：{}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    )))
                }
            }
        }
    }
}

/// Restores a backup made by [`Store::backup`] into a database that does not exist yet (SQLite:
/// a new file) or holds no tables (PostgreSQL: a new, empty database), then brings it up to
/// the current schema. It never overwrites: restoring over a live database is a decision for
/// a person (stop the server, move the old database aside), not a command-line flag.
pub async fn restore(from: &Path, url: &str) -> Result<Store> {
    if !from.is_file() {
        return Err(StoreError::Backup(format!(
            "备份文件 {} 不存在",
            from.display()
        )));
    }
    let target = crate::DbUrl::parse(url)?;
    match target.dialect {
        Dialect::Sqlite => {
            let path = target
                .sqlite_path()
                .ok_or_else(|| StoreError::BadUrl(url.to_string()))?;
            let path = Path::new(path);
            if path.exists() {
                return Err(StoreError::Backup(format!(
                    "{} 已存在，不会覆盖：请先停止服务并移走它",
                    path.display()
                )));
            }
            // `VACUUM INTO` wrote one self-contained file (no -wal beside it).
            tokio::fs::copy(from, path)
                .await
                .map_err(|e| StoreError::Backup(format!("无法写入 {}：{e}", path.display())))?;
        }
        Dialect::Postgres => {
            let store = Store::connect(url).await?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(&store.pool)
            .await?;
            store.close().await;
            if tables > 0 {
                return Err(StoreError::Backup(format!(
                    "目标数据库已存在 {tables} 张表，不会覆盖：请恢复到一个新建的空数据库"
                )));
            }
            let output = tokio::process::Command::new("psql")
                .arg("--quiet")
                .arg("--no-psqlrc")
                .arg("--set")
                .arg("ON_ERROR_STOP=1")
                .arg("--single-transaction")
                .arg("--file")
                .arg(from)
                .arg("--dbname")
                .arg(&target.url)
                .output()
                .await
                .map_err(|e| StoreError::Backup(format!("无法运行 psql：{e}")))?;
            if !output.status.success() {
                return Err(StoreError::Backup(format!(
                    "psql 恢复失败：{}",
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
        }
    }
    Store::open(url).await
}
