//! The append-only audit log: who changed what, when, and the record before and after.
//! Entries are written only through [`WriteTx::audit`], inside the transaction of the change.

use crate::{Actor, Result, Store, WriteTx};
use serde::Serialize;
use sqlx::FromRow;

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A search of the log as the audit page offers it: by person, kind of object and date range
/// (ISO dates, inclusive), newest first, one page at a time.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl WriteTx {
    pub async fn audit(&mut self, actor: &Actor, entry: AuditEntry) -> Result<()> {
        let at = self.at.clone();
        // Every audited write may change a figure: the cached ones are stale from now on.
        sqlx::query(
            "INSERT INTO data_versions (scope, version) VALUES ($1, 1) \
             ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1",
        )
        .bind(entry.region_code.clone().unwrap_or_default())
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_user_id, actor, action, entity, entity_id, region_code, \
             summary, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(at)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(entry.action)
        .bind(entry.entity)
        .bind(entry.entity_id)
        .bind(entry.region_code)
        .bind(entry.summary)
        .bind(entry.before.map(|v| v.to_string()))
        .bind(entry.after.map(|v| v.to_string()))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// Newest first.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let limit = if filter.limit <= 0 {
            100
        } else {
            filter.limit.min(1000)
        };
        let rows = sqlx::query_as::<_, AuditRecord>(
            "SELECT id, at, actor_user_id, actor, action, entity, entity_id, region_code, summary, \
             before_json, after_json FROM audit_log \
             WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) \
             ORDER BY id DESC LIMIT $3 OFFSET $4",
        )
        .bind(filter.entity.clone())
        .bind(filter.entity_id.clone())
        .bind(limit)
        .bind(filter.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn count_audit(&self) -> Result<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// One page of the entries that match, newest first, and how many match in all.
    pub async fn search_audit(&self, q: &AuditSearch) -> Result<(Vec<AuditRecord>, i64)> {
        let limit = if q.limit <= 0 { 50 } else { q.limit.min(500) };
        const WHERE: &str = "WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR entity = $2) \
             AND ($3 IS NULL OR substr(at, 1, 10) >= $3) AND ($4 IS NULL OR substr(at, 1, 10) <= $4)";
        let rows = sqlx::query_as::<_, AuditRecord>(&format!(
            "SELECT id, at, actor_user_id, actor, action, entity, entity_id, region_code, summary, \
             before_json, after_json FROM audit_log {WHERE} ORDER BY id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(q.actor.clone())
        .bind(q.entity.clone())
        .bind(q.from.clone())
        .bind(q.to.clone())
        .bind(limit)
        .bind(q.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log {WHERE}"))
            .bind(q.actor.clone())
            .bind(q.entity.clone())
            .bind(q.from.clone())
            .bind(q.to.clone())
            .fetch_one(&self.pool)
            .await?;
        Ok((rows, total))
    }

    /// Everyone who appears in the log, for the audit page's person filter.
    pub async fn audit_actors(&self) -> Result<Vec<String>> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT actor FROM audit_log ORDER BY actor")
                .fetch_all(&self.pool)
                .await?;
        Ok(names)
    }
}
