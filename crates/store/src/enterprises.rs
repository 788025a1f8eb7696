//! The enterprise registry (一企一档): firms with their industry class, scale, tags and tracks,
//! bulk upserts from imports (many rows per statement, one transaction, one audit entry per
//! file, a history row per changed field), the registry's search, and what the platform knows
//! about one firm (its tasks, service actions and projects as investor).

use crate::{Actor, AuditEntry, Dialect, Result, Store, StoreError, WriteTx};
use serde::Serialize;
use sqlx::{FromRow, Row};
use std::collections::HashMap;

/// A firm's registry entry as an import or an edit gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirmRecord {
    pub uscc: String,
    pub name: String,
    pub legal_form: String,
    pub industry_code: Option<String>,
    /// `domain::enterprise::ScaleKind` code, '' when the class has no revenue line.
    pub scale_kind: String,
    pub town_id: Option<i64>,
    pub founded_on: Option<String>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    /// Tag codes joined by ';'.
    pub tags: String,
    /// Tracks by the region's mapping, the first also kept as the firm's main track.
    pub track_ids: Vec<i64>,
}

/// A firm already in the registry, as an import compares it.
#[derive(Debug, Clone)]
pub struct ExistingFirm {
    pub id: i64,
    pub region_code: String,
    pub record: FirmRecord,
}

/// One field of a firm that an import or an edit changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field's Chinese label, as the history shows it.
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// An existing firm with its new record and what changed.
#[derive(Debug, Clone)]
pub struct FirmUpdate {
    pub id: i64,
    pub old_name: String,
    pub record: FirmRecord,
    pub changes: Vec<FieldChange>,
}

/// A row of the registry list.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FirmRow {
    pub id: i64,
    pub region_code: String,
    pub uscc: String,
    pub name: String,
    pub legal_form: String,
    pub industry_code: Option<String>,
    pub scale_kind: String,
    pub above_scale: i64,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub host_area_id: Option<i64>,
    pub host_area_name: Option<String>,
    pub founded_on: Option<String>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    pub tags: String,
    pub service_manager_id: Option<i64>,
    pub service_manager_name: Option<String>,
    pub is_sample: i64,
    pub created_at: String,
    pub updated_at: String,
}

const FIRM_SELECT: &str = "SELECT e.id, e.region_code, e.uscc, e.name, e.legal_form, e.industry_code, \
    e.scale_kind, e.above_scale, e.town_id, tw.name AS town_name, e.host_area_id, ha.name AS host_area_name, \
    e.founded_on, e.registered_capital_wan, e.employees, e.tags, e.service_manager_id, \
    sm.name AS service_manager_name, e.is_sample, e.created_at, e.updated_at \
    FROM enterprises e LEFT JOIN towns tw ON tw.id = e.town_id \
    LEFT JOIN host_areas ha ON ha.id = e.host_area_id \
    LEFT JOIN people sm ON sm.id = e.service_manager_id";

impl crate::Checked for FirmRow {
    fn check(&self) -> Result<()> {
        domain::enterprise::tags_from_code(&self.tags).map_err(|e| StoreError::Corrupt {
            what: e.what,
            column: "enterprises.tags".into(),
            value: e.value,
        })?;
        if !self.scale_kind.is_empty() {
            crate::decode::<domain::enterprise::ScaleKind>(
                "enterprises.scale_kind",
                &self.scale_kind,
            )?;
        }
        Ok(())
    }
}

/// A track a firm belongs to, with the people who lead it.
#[derive(Debug, Clone, Serialize)]
pub struct FirmTrack {
    pub id: i64,
    pub name: String,
    pub leaders: Vec<i64>,
}

/// A former name of a firm.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FormerName {
    pub name: String,
    pub until_on: String,
}

/// One recorded change.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ChangeRecord {
    pub at: String,
    pub actor: String,
    pub source: String,
    pub field: String,
    pub before_value: String,
    pub after_value: String,
}

/// A task that serves a firm.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FirmTask {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub due_on: String,
    pub town_id: Option<i64>,
}

/// A service action logged for a firm.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FirmService {
    pub task_id: i64,
    pub action: String,
    pub happened_on: String,
    pub author_name: String,
}

/// A project where the firm invests.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FirmProject {
    pub id: i64,
    pub name: String,
    pub code_name: String,
    pub stage: String,
    pub total_investment: Option<i64>,
    pub town_id: Option<i64>,
}

/// The registry's search. Text matches a name (or former name) containing it, or a USCC
/// starting with it.
#[derive(Debug, Clone, Default)]
pub struct FirmQuery {
    pub region: String,
    pub text: Option<String>,
    /// A class prefix: a division ("38"), group or class.
    pub industry: Option<String>,
    pub town_id: Option<i64>,
    /// Only these towns (a town user's scope); `None` for the whole region.
    pub only_town: Option<i64>,
    pub tag: Option<String>,
    pub scale_kind: Option<String>,
    pub above_scale: Option<bool>,
    pub track_id: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// Rows inserted per statement: 16 parameters each, 32,000 in all, under SQLite's 32,766.
/// One statement per 2,000 firms keeps a million-row import at 500 statements, each prepared
/// once and reused (the last, shorter one aside).
const FIRMS_PER_STATEMENT: usize = 2_000;

/// Track rows go in as one compound SELECT per statement, which SQLite caps at 500 terms.
const TRACK_ROWS_PER_STATEMENT: usize = 500;

/// PostgreSQL takes at most 65,535 parameters per statement; its rows go in smaller batches
/// that are never cached (a NULL double is sent as float4 by sqlx's Any driver, decisions.md).
const FIRMS_PER_PG_STATEMENT: usize = 500;

/// From this many new firms on, an import on SQLite gives its connection a page cache that
/// holds the registry's indexes while it writes (256 MiB), and gives it back afterwards. Only
/// memory changes: durability (WAL, `synchronous = NORMAL`) stays as every other write has it.
const BULK_CACHE_FROM: usize = 10_000;
const BULK_CACHE_KIB: i64 = 262_144;
/// SQLite's default page cache (2 MiB), restored after a bulk import.
const DEFAULT_CACHE_KIB: i64 = 2_000;

impl WriteTx {
    /// Makes registry imports wait for each other until this transaction ends, so that an
    /// import compares its file with what the one before it wrote: two overlapping files at
    /// once then neither insert a firm twice nor record history against a stale "before". On
    /// PostgreSQL a transaction-scoped advisory lock; SQLite runs one writer at a time anyway.
    pub async fn lock_firm_imports(&mut self) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            sqlx::query_scalar::<_, i32>(
                "SELECT 1 FROM (SELECT pg_advisory_xact_lock(4754201711)) AS registry_import",
            )
            .fetch_one(self.conn())
            .await?;
        }
        Ok(())
    }

    /// [`Store::existing_firms`] as this transaction sees them.
    pub async fn existing_firms(
        &mut self,
        usccs: &[&str],
    ) -> Result<HashMap<String, ExistingFirm>> {
        let dialect = self.dialect;
        existing_firms_on(self.conn(), dialect, usccs).await
    }

    /// Writes an import: `new` firms inserted in bulk, `updates` applied with one history row
    /// per changed field (and the old name kept as a former name), one audit entry for the file.
    pub async fn import_firms(
        &mut self,
        actor: &Actor,
        region: &str,
        source: &str,
        new: &[FirmRecord],
        updates: &[FirmUpdate],
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<()> {
        let bulk = self.dialect == Dialect::Sqlite && new.len() + updates.len() >= BULK_CACHE_FROM;
        if bulk {
            sqlx::query(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
                .execute(self.conn())
                .await?;
        }
        let written = self
            .write_firm_import(actor, region, source, new, updates, progress)
            .await;
        if bulk {
            sqlx::query(&format!("PRAGMA cache_size = -{DEFAULT_CACHE_KIB}"))
                .execute(self.conn())
                .await?;
        }
        written
    }

    async fn write_firm_import(
        &mut self,
        actor: &Actor,
        region: &str,
        source: &str,
        new: &[FirmRecord],
        updates: &[FirmUpdate],
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<()> {
        let total = new.len() + updates.len();
        let at = self.at.clone();
        let mut done = 0;
        let with_tracks = new.iter().any(|r| !r.track_ids.is_empty());
        let mut track_rows: Vec<(String, i64)> = Vec::new();
        let per_statement = match self.dialect {
            Dialect::Sqlite => FIRMS_PER_STATEMENT,
            Dialect::Postgres => FIRMS_PER_PG_STATEMENT,
        };
        // In USCC order the two unique indexes (USCC, and region and code, which is the USCC
        // for imported firms) grow at their end instead of splitting pages all over.
        let mut sorted: Vec<&FirmRecord> = new.iter().collect();
        sorted.sort_unstable_by(|a, b| a.uscc.cmp(&b.uscc));
        for chunk in sorted.chunks(per_statement) {
            let mut sql = crate::multi_row_insert(
                "INSERT INTO enterprises (region_code, is_sample, created_at, updated_at, code, uscc, name, \
                 legal_form, industry_code, scale_kind, town_id, track_id, founded_on, \
                 registered_capital_wan, employees, tags)",
                chunk.len(),
                16,
                self.dialect,
            );
            if with_tracks {
                sql.push_str(" RETURNING uscc");
            }
            let mut q = sqlx::query(&sql);
            for r in chunk.iter().copied() {
                q = q
                    .bind(region)
                    .bind(0_i64)
                    .bind(at.as_str())
                    .bind(at.as_str())
                    .bind(r.uscc.as_str())
                    .bind(r.uscc.as_str())
                    .bind(r.name.as_str())
                    .bind(r.legal_form.as_str())
                    .bind(r.industry_code.as_deref())
                    .bind(r.scale_kind.as_str())
                    .bind(r.town_id)
                    .bind(r.track_ids.first().copied())
                    .bind(r.founded_on.as_deref())
                    .bind(crate::nullable::opt_f64(r.registered_capital_wan))
                    .bind(r.employees)
                    .bind(r.tags.as_str());
            }
            // A NULL double is sent as float4 by sqlx's Any driver: never cache on PostgreSQL
            // (decisions.md). SQLite reuses the prepared statement of full batches.
            q = q.persistent(self.dialect == Dialect::Sqlite && chunk.len() == per_statement);
            if with_tracks {
                q.fetch_all(self.conn()).await.map_err(|e| {
                    StoreError::unique(e, || "文件中的企业已在其他地区登记".to_string())
                })?;
                for r in chunk {
                    for t in &r.track_ids {
                        track_rows.push((r.uscc.clone(), *t));
                    }
                }
            } else {
                q.execute(self.conn()).await.map_err(|e| {
                    StoreError::unique(e, || "文件中的企业已在其他地区登记".to_string())
                })?;
            }
            done += chunk.len();
            progress(done, total);
        }
        if !track_rows.is_empty() {
            // A compound SELECT: SQLite takes at most 500 terms in one.
            for chunk in track_rows.chunks(TRACK_ROWS_PER_STATEMENT) {
                let mut sql = String::from(
                    "INSERT INTO enterprise_tracks (enterprise_id, track_id) SELECT e.id, t.track_id FROM (",
                );
                let mut n = 0;
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(" UNION ALL ");
                    }
                    match self.dialect {
                        Dialect::Sqlite => sql.push_str("SELECT ? AS uscc, ? AS track_id"),
                        Dialect::Postgres => {
                            sql.push_str(&format!(
                                "SELECT ${}::TEXT AS uscc, ${}::BIGINT AS track_id",
                                n + 1,
                                n + 2
                            ));
                            n += 2;
                        }
                    }
                }
                sql.push_str(") t JOIN enterprises e ON e.uscc = t.uscc");
                let mut q = sqlx::query(&sql);
                for (u, t) in chunk {
                    q = q.bind(u.clone()).bind(*t);
                }
                q.persistent(false).execute(self.conn()).await?;
            }
        }
        for u in updates {
            self.update_firm(actor, source, u).await?;
            done += 1;
            if done.is_multiple_of(1000) || done == total {
                progress(done, total);
            }
        }
        let renamed: Vec<(i64, &str)> = updates
            .iter()
            .filter(|u| u.old_name != u.record.name)
            .map(|u| (u.id, u.record.name.as_str()))
            .collect();
        self.index_firm_names(region, &renamed).await?;
        let changed_fields: usize = updates.iter().map(|u| u.changes.len()).sum();
        self.audit(
            actor,
            AuditEntry {
                action: "import",
                entity: "enterprise",
                entity_id: source.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "导入企业名录 {source}：新增 {} 家，更新 {} 家（{} 项变更）",
                    new.len(),
                    updates.len(),
                    changed_fields
                ),
                before: None,
                after: Some(serde_json::json!({
                    "new": new.len(),
                    "updated": updates.len(),
                    "changed_fields": changed_fields,
                })),
            },
        )
        .await?;
        Ok(())
    }

    async fn update_firm(&mut self, actor: &Actor, source: &str, u: &FirmUpdate) -> Result<()> {
        let r = &u.record;
        let at = self.at.clone();
        sqlx::query(
            "UPDATE enterprises SET name = $1, legal_form = $2, industry_code = $3, scale_kind = $4, \
             town_id = $5, track_id = $6, founded_on = $7, registered_capital_wan = $8, employees = $9, \
             tags = $10, updated_at = $11 WHERE id = $12",
        )
        .bind(r.name.clone())
        .bind(r.legal_form.clone())
        .bind(r.industry_code.clone())
        .bind(r.scale_kind.clone())
        .bind(r.town_id)
        .bind(r.track_ids.first().copied())
        .bind(r.founded_on.clone())
        .bind(crate::nullable::opt_f64(r.registered_capital_wan))
        .bind(r.employees)
        .bind(r.tags.clone())
        .bind(at.clone())
        .bind(u.id)
        .persistent(false)
        .execute(self.conn())
        .await?;
        if u.old_name != r.name {
            sqlx::query(
                "INSERT INTO enterprise_former_names (enterprise_id, name, until_on) VALUES ($1, $2, $3) \
                 ON CONFLICT (enterprise_id, name) DO UPDATE SET until_on = excluded.until_on",
            )
            .bind(u.id)
            .bind(u.old_name.clone())
            .bind(at[..10.min(at.len())].to_string())
            .execute(self.conn())
            .await?;
        }
        if u.changes.iter().any(|c| c.field == FIELD_TRACKS) {
            sqlx::query("DELETE FROM enterprise_tracks WHERE enterprise_id = $1")
                .bind(u.id)
                .execute(self.conn())
                .await?;
            for t in &r.track_ids {
                sqlx::query(
                    "INSERT INTO enterprise_tracks (enterprise_id, track_id) VALUES ($1, $2)",
                )
                .bind(u.id)
                .bind(*t)
                .execute(self.conn())
                .await?;
            }
        }
        for c in &u.changes {
            sqlx::query(
                "INSERT INTO enterprise_changes (enterprise_id, at, actor, source, field, before_value, after_value) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(u.id)
            .bind(at.clone())
            .bind(actor.name.clone())
            .bind(source.to_string())
            .bind(c.field)
            .bind(c.before.clone())
            .bind(c.after.clone())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Replaces a region's mapping from industry to tracks.
    pub async fn replace_track_rules(
        &mut self,
        actor: &Actor,
        region: &str,
        rules: &[domain::enterprise::TrackRule],
    ) -> Result<()> {
        sqlx::query("DELETE FROM track_industry_rules WHERE region_code = $1")
            .bind(region)
            .execute(self.conn())
            .await?;
        for r in rules {
            sqlx::query(
                "INSERT INTO track_industry_rules (region_code, track_id, industry, keyword) VALUES ($1, $2, $3, $4)",
            )
            .bind(region)
            .bind(r.track_id)
            .bind(r.industry.clone())
            .bind(r.keyword.clone())
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "行业与赛道对应规则重复".to_string()))?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "track_industry_rules",
                entity_id: region.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("更新行业与产业赛道对应规则 {} 条", rules.len()),
                before: None,
                after: Some(serde_json::json!(rules)),
            },
        )
        .await
    }

    /// Assigns (or clears) a firm's service manager.
    pub async fn set_service_manager(
        &mut self,
        actor: &Actor,
        firm: i64,
        person: Option<i64>,
    ) -> Result<()> {
        let before: Option<(Option<i64>, String)> =
            sqlx::query("SELECT service_manager_id, region_code FROM enterprises WHERE id = $1")
                .bind(firm)
                .fetch_optional(self.conn())
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .transpose()?;
        let Some((old, region)) = before else {
            return Err(StoreError::NotFound(format!("企业 {firm}")));
        };
        sqlx::query(
            "UPDATE enterprises SET service_manager_id = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(person)
        .bind(self.at.clone())
        .bind(firm)
        .execute(self.conn())
        .await?;
        let at = self.at.clone();
        sqlx::query(
            "INSERT INTO enterprise_changes (enterprise_id, at, actor, source, field, before_value, after_value) \
             VALUES ($1, $2, $3, '', $4, $5, $6)",
        )
        .bind(firm)
        .bind(at)
        .bind(actor.name.clone())
        .bind("企业服务经理人")
        .bind(old.map(|v| v.to_string()).unwrap_or_default())
        .bind(person.map(|v| v.to_string()).unwrap_or_default())
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "enterprise",
                entity_id: firm.to_string(),
                region_code: Some(region),
                summary: "指定企业服务经理人".into(),
                before: Some(serde_json::json!({ "service_manager_id": old })),
                after: Some(serde_json::json!({ "service_manager_id": person })),
            },
        )
        .await
    }
}

/// The history label of the tracks field (changing it rewrites the firm's track rows).
pub const FIELD_TRACKS: &str = "产业赛道";

impl Store {
    /// Every firm already registered whose USCC is in `usccs` (in any region), for an import to
    /// compare against. Reads the whole registry once when it is not much larger than the
    /// file's codes, and looks the codes up in batches otherwise.
    pub async fn existing_firms(&self, usccs: &[&str]) -> Result<HashMap<String, ExistingFirm>> {
        let mut conn = self.pool.acquire().await?;
        existing_firms_on(&mut conn, self.dialect, usccs).await
    }

    /// The region's mapping from industry to tracks, in order.
    pub async fn track_rules(&self, region: &str) -> Result<Vec<domain::enterprise::TrackRule>> {
        let rows = sqlx::query(
            "SELECT track_id, industry, keyword FROM track_industry_rules WHERE region_code = $1 ORDER BY id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(domain::enterprise::TrackRule {
                    track_id: r.try_get(0)?,
                    industry: r.try_get(1)?,
                    keyword: r.try_get(2)?,
                })
            })
            .collect()
    }

    pub async fn firm_by_uscc(&self, uscc: &str) -> Result<Option<FirmRow>> {
        let q = format!("{FIRM_SELECT} WHERE e.uscc = $1");
        let row = sqlx::query_as::<_, FirmRow>(&q).bind(uscc);
        Ok(crate::checked(row.fetch_optional(&self.pool).await?.into_iter().collect())?.pop())
    }

    pub async fn firm_by_id(&self, id: i64) -> Result<Option<FirmRow>> {
        let q = format!("{FIRM_SELECT} WHERE e.id = $1");
        let row = sqlx::query_as::<_, FirmRow>(&q).bind(id);
        Ok(crate::checked(row.fetch_optional(&self.pool).await?.into_iter().collect())?.pop())
    }

    /// The firm's tracks with their lead and responsible leaders.
    pub async fn firm_tracks(&self, firm: i64) -> Result<Vec<FirmTrack>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.lead_leader_id FROM tracks t WHERE t.id IN \
             (SELECT track_id FROM enterprise_tracks WHERE enterprise_id = $1 \
              UNION SELECT track_id FROM enterprises WHERE id = $1 AND track_id IS NOT NULL) \
             ORDER BY t.ordinal, t.id",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: i64 = r.try_get(0)?;
            let mut leaders: Vec<i64> = r.try_get::<Option<i64>, _>(2)?.into_iter().collect();
            let more: Vec<i64> = sqlx::query_scalar(
                "SELECT person_id FROM track_responsible_leaders WHERE track_id = $1 ORDER BY person_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            leaders.extend(more);
            out.push(FirmTrack {
                id,
                name: r.try_get(1)?,
                leaders,
            });
        }
        Ok(out)
    }

    pub async fn firm_former_names(&self, firm: i64) -> Result<Vec<FormerName>> {
        Ok(sqlx::query_as::<_, FormerName>(
            "SELECT name, until_on FROM enterprise_former_names WHERE enterprise_id = $1 ORDER BY until_on DESC, name",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The firm's history, newest first.
    pub async fn firm_changes(&self, firm: i64, limit: i64) -> Result<Vec<ChangeRecord>> {
        Ok(sqlx::query_as::<_, ChangeRecord>(
            "SELECT at, actor, source, field, before_value, after_value FROM enterprise_changes \
             WHERE enterprise_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(firm)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn firm_tasks(&self, firm: i64) -> Result<Vec<FirmTask>> {
        Ok(sqlx::query_as::<_, FirmTask>(
            "SELECT t.id, t.title, t.state, t.deadline AS due_on, t.town_id FROM task_enterprises te JOIN tasks t ON t.id = te.task_id \
             WHERE te.enterprise_id = $1 ORDER BY t.id DESC",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn firm_services(&self, firm: i64) -> Result<Vec<FirmService>> {
        Ok(sqlx::query_as::<_, FirmService>(
            "SELECT task_id, action, happened_on, author_name FROM service_actions \
             WHERE enterprise_id = $1 ORDER BY happened_on DESC, id DESC",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn firm_projects(&self, firm: i64) -> Result<Vec<FirmProject>> {
        Ok(sqlx::query_as::<_, FirmProject>(
            "SELECT id, name, code_name, stage, total_investment, town_id FROM projects \
             WHERE investor_enterprise_id = $1 ORDER BY id DESC",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One page of the registry's search (`limit` + 1 rows are read to tell whether more follow).
    ///
    /// Without a name, the filters choose a page of ids first (`SELECT e.id … ORDER BY e.id
    /// LIMIT …`, which an index can answer without reading the firms) and only that page is
    /// read with its towns and managers: sorting a whole industry's rows to show 20 of them
    /// cost 110 ms at a province's scale.
    pub async fn search_firms(&self, q: &FirmQuery) -> Result<(Vec<FirmRow>, bool)> {
        let industry = q.industry.as_deref().filter(|s| !s.is_empty());
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        // Above-scale firms are few: SQLite would rather walk the region in id order (no sort)
        // than take their partial index, and reads every firm when there are none.
        let hint = if self.dialect == Dialect::Sqlite
            && q.above_scale == Some(true)
            && text.is_none()
            && industry.is_none()
        {
            " INDEXED BY enterprises_region_above"
        } else {
            ""
        };
        let mut sql = format!("SELECT e.id FROM enterprises e{hint} WHERE e.region_code = $1");
        // A name search reads the firms anyway (to check the name), driven by the index's
        // candidates or in id order: as one statement, lest the page of ids be sought through
        // the covering index of names, all of the region's.
        let mut by_name = false;
        let mut n = 1;
        let mut next = |sql: &mut String, clause: &str| {
            n += 1;
            sql.push_str(&clause.replace("{}", &format!("${n}")));
        };
        let mut binds: Vec<Bound> = Vec::new();
        if let Some(t) = text {
            let upper = t.to_ascii_uppercase();
            if upper.len() >= 4
                && upper.len() <= 18
                && upper.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                // The code's range, not the region's firms in id order, is what narrows.
                sql = sql.replace("WHERE e.region_code = $1", "WHERE e.region_code || '' = $1");
                next(&mut sql, " AND e.uscc >= {}");
                binds.push(Bound::Text(upper.clone()));
                next(&mut sql, " AND e.uscc < {}");
                binds.push(Bound::Text(format!("{upper}\u{7f}")));
            } else {
                by_name = true;
                use crate::name_index::{narrow, Narrowed};
                let mut conn = self.pool.acquire().await?;
                let mut narrowed = narrow(&mut conn, self.dialect, &q.region, t, None).await?;
                if let (Narrowed::TooMany, Some(i)) = (&narrowed, industry) {
                    // A common word within one industry: the two lists together are short.
                    if let Some(ids) = industry_ids(&mut conn, self.dialect, &q.region, i).await? {
                        narrowed =
                            narrow(&mut conn, self.dialect, &q.region, t, Some(&ids)).await?;
                    }
                }
                match narrowed {
                    Narrowed::Scan | Narrowed::TooMany => {}
                    Narrowed::Candidates { ids, indexed_to } => {
                        // The ids come from the index's own integers, never from the caller.
                        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                        // A union, not `OR`: SQLite turns `id IN (…) OR id > n` into a scan.
                        if list.is_empty() {
                            sql.push_str(&format!(" AND e.id > {indexed_to}"));
                        } else {
                            sql.push_str(&format!(
                                " AND e.id IN (SELECT id FROM enterprises WHERE id IN ({}) \
                                 UNION ALL SELECT id FROM enterprises WHERE id > {indexed_to})",
                                list.join(",")
                            ));
                        }
                    }
                }
                let pattern = format!("%{}%", escape_like(t));
                next(&mut sql, " AND (e.name LIKE {} ESCAPE '\\'");
                binds.push(Bound::Text(pattern.clone()));
                next(
                    &mut sql,
                    " OR e.id IN (SELECT enterprise_id FROM enterprise_former_names WHERE name LIKE {} ESCAPE '\\'))",
                );
                binds.push(Bound::Text(pattern));
            }
        }
        if let Some(i) = industry {
            next(&mut sql, " AND e.industry_code >= {}");
            binds.push(Bound::Text(i.to_string()));
            next(&mut sql, " AND e.industry_code < {}");
            binds.push(Bound::Text(format!("{i}\u{7f}")));
        }
        if let Some(t) = q.town_id {
            next(&mut sql, " AND e.town_id = {}");
            binds.push(Bound::Int(t));
        }
        if let Some(t) = q.only_town {
            next(&mut sql, " AND e.town_id = {}");
            binds.push(Bound::Int(t));
        }
        if let Some(tag) = q.tag.as_deref().filter(|s| !s.is_empty()) {
            next(&mut sql, " AND (';' || e.tags || ';') LIKE {}");
            binds.push(Bound::Text(format!("%;{tag};%")));
        }
        if let Some(k) = q.scale_kind.as_deref().filter(|s| !s.is_empty()) {
            next(&mut sql, " AND e.scale_kind = {}");
            binds.push(Bound::Text(k.to_string()));
        }
        if let Some(a) = q.above_scale {
            // Written out so that the planner can use the partial index of above-scale firms.
            sql.push_str(if a {
                " AND e.above_scale = 1"
            } else {
                " AND e.above_scale = 0"
            });
        }
        if let Some(t) = q.track_id {
            next(
                &mut sql,
                " AND e.id IN (SELECT enterprise_id FROM enterprise_tracks WHERE track_id = {})",
            );
            binds.push(Bound::Int(t));
        }
        let limit = q.limit.clamp(1, 200);
        next(&mut sql, " ORDER BY e.id LIMIT {}");
        binds.push(Bound::Int(limit + 1));
        next(&mut sql, " OFFSET {}");
        binds.push(Bound::Int(q.offset.max(0)));
        let sql = if by_name {
            sql.replacen("SELECT e.id FROM enterprises e", FIRM_SELECT, 1)
        } else {
            format!("{FIRM_SELECT} WHERE e.id IN ({sql}) ORDER BY e.id")
        };
        let mut query = sqlx::query_as::<_, FirmRow>(&sql).bind(q.region.clone());
        for b in binds {
            query = match b {
                Bound::Text(s) => query.bind(s),
                Bound::Int(i) => query.bind(i),
            };
        }
        let mut rows = crate::checked(query.fetch_all(&self.pool).await?)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((rows, more))
    }
}

impl Store {
    /// How many of a region's firms are in a town and/or a track, and how many of them are
    /// above scale: a town's and a track's page count them and list only a few.
    pub async fn count_firms(&self, q: &FirmCount) -> Result<(i64, i64)> {
        let mut sql = String::from(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN e.above_scale = 1 THEN 1 ELSE 0 END), 0) \
             FROM enterprises e WHERE e.region_code = $1",
        );
        let mut binds = Vec::new();
        for t in [q.town_id, q.only_town].into_iter().flatten() {
            binds.push(t);
            sql.push_str(&format!(" AND e.town_id = ${}", binds.len() + 1));
        }
        if let Some(t) = q.track_id {
            binds.push(t);
            sql.push_str(&format!(
                " AND e.id IN (SELECT enterprise_id FROM enterprise_tracks WHERE track_id = ${})",
                binds.len() + 1
            ));
        }
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql).bind(q.region.clone());
        for b in binds {
            query = query.bind(b);
        }
        Ok(query.persistent(false).fetch_one(&self.pool).await?)
    }
}

/// Which firms [`Store::count_firms`] counts: a region's, narrowed like a search.
#[derive(Debug, Clone, Default)]
pub struct FirmCount {
    pub region: String,
    pub town_id: Option<i64>,
    /// The caller's own town, when he sees no other.
    pub only_town: Option<i64>,
    pub track_id: Option<i64>,
}

/// Beyond this many firms in one industry, intersecting them with a name's candidates in
/// memory costs more than it saves.
const MAX_INDUSTRY_IDS: usize = 200_000;

/// The ids (ascending) of a region's firms in an industry (a class code's prefix), read from
/// the covering index `enterprises_region_industry`; `None` when there are too many.
async fn industry_ids(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    region: &str,
    prefix: &str,
) -> Result<Option<Vec<i64>>> {
    // One row of comma-separated ids: tens of thousands of rows through the driver cost more
    // than the query.
    let joined = match dialect {
        Dialect::Sqlite => "group_concat(id, ',')",
        Dialect::Postgres => "string_agg(id::TEXT, ',')",
    };
    let text: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {joined} FROM (SELECT id FROM enterprises WHERE region_code = $1 \
         AND industry_code >= $2 AND industry_code < $3 LIMIT $4) i"
    ))
    .bind(region)
    .bind(prefix)
    .bind(format!("{prefix}\u{7f}"))
    .bind(MAX_INDUSTRY_IDS as i64 + 1)
    .fetch_one(&mut *conn)
    .await?;
    let mut ids = Vec::new();
    for id in text
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        ids.push(id.parse::<i64>().map_err(|_| StoreError::Corrupt {
            what: "企业编号",
            column: "enterprises.id".into(),
            value: id.to_string(),
        })?);
    }
    if ids.len() > MAX_INDUSTRY_IDS {
        return Ok(None);
    }
    ids.sort_unstable();
    Ok(Some(ids))
}

/// Codes looked up per statement when an import's file is small beside the registry.
const CODES_PER_LOOKUP: usize = 500;

const EXISTING_SELECT: &str =
    "SELECT id, region_code, uscc, name, legal_form, industry_code, scale_kind, \
    town_id, founded_on, registered_capital_wan, employees, tags FROM enterprises";

async fn existing_firms_on(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    usccs: &[&str],
) -> Result<HashMap<String, ExistingFirm>> {
    let mut out = HashMap::new();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprises")
        .fetch_one(&mut *conn)
        .await?;
    if count == 0 || usccs.is_empty() {
        return Ok(out);
    }
    let wanted: std::collections::HashSet<&str> = usccs.iter().copied().collect();
    let mut rows = Vec::new();
    let mut tracks: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut track_rows = Vec::new();
    if (wanted.len() as i64).saturating_mul(4) >= count {
        rows = sqlx::query(EXISTING_SELECT).fetch_all(&mut *conn).await?;
        track_rows = sqlx::query(
            "SELECT enterprise_id, track_id FROM enterprise_tracks ORDER BY enterprise_id, track_id",
        )
        .fetch_all(&mut *conn)
        .await?;
    } else {
        let codes: Vec<&str> = wanted.iter().copied().collect();
        for chunk in codes.chunks(CODES_PER_LOOKUP) {
            let list = placeholders(dialect, chunk.len());
            let tracks_sql = format!(
                "SELECT enterprise_id, track_id FROM enterprise_tracks WHERE enterprise_id IN \
                 (SELECT id FROM enterprises WHERE uscc IN ({list})) ORDER BY enterprise_id, track_id"
            );
            let firms_sql = format!("{EXISTING_SELECT} WHERE uscc IN ({list})");
            let mut q = sqlx::query_as::<_, (i64, i64)>(&tracks_sql);
            let mut f = sqlx::query(&firms_sql);
            for c in chunk {
                f = f.bind(c.to_string());
                q = q.bind(c.to_string());
            }
            rows.extend(f.fetch_all(&mut *conn).await?);
            for (firm, track) in q.fetch_all(&mut *conn).await? {
                tracks.entry(firm).or_default().push(track);
            }
        }
    }
    for r in track_rows {
        tracks.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    for r in rows {
        let uscc: String = r.try_get(2)?;
        if !wanted.contains(uscc.as_str()) {
            continue;
        }
        let id: i64 = r.try_get(0)?;
        out.insert(
            uscc.clone(),
            ExistingFirm {
                id,
                region_code: r.try_get(1)?,
                record: FirmRecord {
                    uscc,
                    name: r.try_get(3)?,
                    legal_form: r.try_get(4)?,
                    industry_code: r.try_get(5)?,
                    scale_kind: r.try_get(6)?,
                    town_id: r.try_get(7)?,
                    founded_on: r.try_get(8)?,
                    registered_capital_wan: r.try_get(9)?,
                    employees: r.try_get(10)?,
                    tags: r.try_get(11)?,
                    track_ids: tracks.get(&id).cloned().unwrap_or_default(),
                },
            },
        );
    }
    Ok(out)
}

/// `n` parameters separated by commas, as the dialect numbers them.
fn placeholders(dialect: Dialect, n: usize) -> String {
    (1..=n)
        .map(|i| match dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${i}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

enum Bound {
    Text(String),
    Int(i64),
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
