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
