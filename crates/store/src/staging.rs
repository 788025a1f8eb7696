//! Large imports without a long write lock. A file of statistics can hold a hundred thousand
//! rows; written in one transaction it holds SQLite's single write lock for seconds, during
//! which the server (another process on the same file) cannot write. So an import is staged:
//! its rows go into `observation_staging` in bounded chunks, each chunk its own short
//! transaction, and one final transaction copies the batch into `observations` with one
//! statement, writes the audit entry and marks the batch published. Readers never look at the
//! staging table, so until that last commit nothing of the file is visible, and if anything
//! fails the batch is abandoned and its rows removed: the import stays all-or-nothing.

use crate::locate::NewObservation;
use crate::{Actor, Result, Store, StoreError};

/// Rows written per staging transaction: short enough that the write lock is held for a few
/// tens of milliseconds, large enough that a big file needs few transactions.
pub const ROWS_PER_CHUNK: usize = 5_000;
/// Rows per INSERT statement (9 parameters a row, far below both databases' limits).
const ROWS_PER_STATEMENT: usize = 500;
/// A batch still staging after this long was left by a process that died; it is cleared.
const ABANDONED_AFTER_HOURS: i64 = 24;

impl Store {
    /// Appends observations of a region through a staged batch (see the module comment);
    /// `progress` is told the rows staged so far and the total.
    pub async fn import_observations(
        &self,
        actor: &Actor,
        region: &str,
        rows: &[NewObservation],
        source: &str,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<usize> {
        self.clear_abandoned_batches().await?;
        let mut tx = self.begin_write().await?;
        let at = tx.at().to_string();
        let batch: i64 = sqlx::query_scalar(
            "INSERT INTO import_batches (kind, region_code, state, created_at) \
             VALUES ('observations', $1, 'staging', $2) RETURNING id",
        )
        .bind(region)
        .bind(&at)
        .fetch_one(tx.conn())
        .await?;
        tx.commit().await?;
        match self
            .stage_and_publish(batch, actor, region, rows, source, progress)
            .await
        {
            Ok(n) => Ok(n),
            Err(e) => {
                if let Err(cleanup) = self.abandon_batch(batch).await {
                    tracing::warn!(batch, error = %cleanup, "could not clear an abandoned import batch");
                }
                Err(e)
            }
        }
    }

    async fn stage_and_publish(
        &self,
        batch: i64,
        actor: &Actor,
        region: &str,
        rows: &[NewObservation],
        source: &str,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<usize> {
        let mut staged = 0usize;
        for chunk in rows.chunks(ROWS_PER_CHUNK) {
            let mut tx = self.begin_write().await?;
            for part in chunk.chunks(ROWS_PER_STATEMENT) {
                let sql = crate::multi_row_insert(
                    "INSERT INTO observation_staging (batch_id, seq, period, year, end_month, \
                     indicator, ytd_value, ytd_growth, last_year_total)",
                    part.len(),
                    9,
                    self.dialect,
                );
                let mut query = sqlx::query(&sql);
                for (i, r) in part.iter().enumerate() {
                    let seq = i64::try_from(staged + i)
                        .map_err(|_| StoreError::Invalid("导入行数过多".into()))?;
                    query = query
                        .bind(batch)
                        .bind(seq)
                        .bind(r.period.to_string())
                        .bind(i64::from(r.period.year()))
                        .bind(i64::from(r.period.end_month()))
                        .bind(r.indicator.clone())
                        .bind(crate::nullable::opt_f64(r.ytd_value))
                        .bind(crate::nullable::opt_f64(r.ytd_growth))
                        .bind(crate::nullable::opt_f64(r.last_year_total));
                }
                // NULL doubles through sqlx's Any driver: prepare afresh (decision 18).
                query.persistent(false).execute(tx.conn()).await?;
                staged += part.len();
            }
            sqlx::query("UPDATE import_batches SET rows_staged = $1 WHERE id = $2")
                .bind(i64::try_from(staged).unwrap_or(i64::MAX))
                .bind(batch)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
            progress(staged, rows.len());
        }
        // Publish: one statement copies the batch; the audit entry and the batch's state go in
        // the same transaction, so the file appears whole or not at all.
        let mut tx = self.begin_write().await?;
        let at = tx.at().to_string();
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM import_batches WHERE id = $1")
                .bind(batch)
                .fetch_optional(tx.conn())
                .await?;
        if state.as_deref() != Some("staging") {
            return Err(StoreError::Conflict(
                "导入批次已失效（等待时间过长），请重新导入".into(),
            ));
        }
        let copied = sqlx::query(
            "INSERT INTO observations (region_code, period, year, end_month, indicator, ytd_value, \
             ytd_growth, last_year_total, source, recorded_by_name, recorded_at) \
             SELECT $1, period, year, end_month, indicator, ytd_value, ytd_growth, last_year_total, \
             $2, $3, $4 FROM observation_staging WHERE batch_id = $5 ORDER BY seq",
        )
        .bind(region)
        .bind(source)
        .bind(actor.name.clone())
        .bind(&at)
        .bind(batch)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if copied != rows.len() as u64 {
            return Err(StoreError::Invalid(format!(
                "导入批次不完整：应有 {} 行，实有 {copied} 行",
                rows.len()
            )));
        }
        sqlx::query("DELETE FROM observation_staging WHERE batch_id = $1")
            .bind(batch)
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "UPDATE import_batches SET state = 'published', finished_at = $1 WHERE id = $2",
        )
        .bind(&at)
        .bind(batch)
        .execute(tx.conn())
        .await?;
        tx.audit_observation_import(actor, region, rows, source)
            .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Removes a batch's staged rows and marks it abandoned.
    async fn abandon_batch(&self, batch: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let at = tx.at().to_string();
        sqlx::query("DELETE FROM observation_staging WHERE batch_id = $1")
            .bind(batch)
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "UPDATE import_batches SET state = 'abandoned', finished_at = $1 \
             WHERE id = $2 AND state = 'staging'",
        )
        .bind(&at)
        .bind(batch)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Clears batches left staging by a process that died mid-import.
    async fn clear_abandoned_batches(&self) -> Result<()> {
        let cutoff = crate::timestamp(self.now() - time::Duration::hours(ABANDONED_AFTER_HOURS));
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM import_batches WHERE state = 'staging' AND created_at < $1",
        )
        .bind(&cutoff)
        .fetch_all(&self.pool)
        .await?;
        for batch in stale {
            self.abandon_batch(batch).await?;
        }
        Ok(())
    }

    /// Rows waiting in the staging table (for tests and the operator: 0 when no import runs).
    pub async fn staged_rows(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM observation_staging")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
