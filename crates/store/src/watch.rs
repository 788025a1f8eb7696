//! The firms on each watch list (小升规, 退规 risk, sharp falls) as of a month, kept so that a
//! firm entering a list is announced once to the people who serve it.

use crate::{Actor, AuditEntry, Result, Store, WriteTx};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::HashSet;

/// A firm with figures, with what the lists and the access rule need.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct WatchFirm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub industry_code: Option<String>,
    pub above_scale: i64,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub service_manager_id: Option<i64>,
    pub service_manager_name: Option<String>,
}

impl Store {
    /// A region's firms that have figures.
    pub async fn watch_firms(&self, region: &str) -> Result<Vec<WatchFirm>> {
        Ok(sqlx::query_as::<_, WatchFirm>(
            "SELECT e.id, e.uscc, e.name, e.industry_code, e.above_scale, e.town_id, tw.name AS town_name, \
             e.service_manager_id, sm.name AS service_manager_name \
             FROM enterprises e LEFT JOIN towns tw ON tw.id = e.town_id \
             LEFT JOIN people sm ON sm.id = e.service_manager_id \
             WHERE e.region_code = $1 AND EXISTS (SELECT 1 FROM firm_figures f WHERE f.enterprise_id = e.id) \
             ORDER BY e.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The months of a region for which firms' figures exist, newest first.
    pub async fn figure_periods(&self, region: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT f.period FROM firm_figures f JOIN enterprises e ON e.id = f.enterprise_id \
             WHERE e.region_code = $1 ORDER BY f.period DESC",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// `(kind, enterprise)` pairs on the lists of `period` or any month before — the firms that
    /// were already announced.
    pub async fn watch_known(&self, region: &str, period: &str) -> Result<HashSet<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT DISTINCT kind, enterprise_id FROM watch_entries WHERE region_code = $1 AND period <= $2",
        )
        .bind(region)
        .bind(period)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// `(kind, enterprise)` pairs stored for `period`.
    pub async fn watch_entries(
        &self,
        region: &str,
        period: &str,
    ) -> Result<HashSet<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, enterprise_id FROM watch_entries WHERE region_code = $1 AND period = $2",
        )
        .bind(region)
        .bind(period)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Users to tell about a firm: its town's users and its service manager's users.
    pub async fn firm_watchers(&self, enterprise: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT u.id FROM users u JOIN enterprises e ON e.id = $1 \
             WHERE u.active = 1 AND ((u.role = 'town' AND u.town_id = e.town_id) \
               OR (u.role = 'service_manager' AND u.person_id = e.service_manager_id)) ORDER BY u.id",
        )
        .bind(enterprise)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl WriteTx {
    /// Replaces the lists of `period` with `entries` (kind code, enterprise) and notifies
    /// `notices` (user, text) — the firms newly on a list. One audit entry.
    pub async fn replace_watch(
        &mut self,
        actor: &Actor,
        region: &str,
        period: &str,
        entries: &[(String, i64)],
        notices: &[(i64, String)],
    ) -> Result<()> {
        sqlx::query("DELETE FROM watch_entries WHERE region_code = $1 AND period = $2")
            .bind(region)
            .bind(period)
            .execute(self.conn())
            .await?;
        let at = self.at.clone();
        for chunk in entries.chunks(1000) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO watch_entries (region_code, kind, enterprise_id, period, found_at) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (kind, id) in chunk {
                q = q
                    .bind(region)
                    .bind(kind.clone())
                    .bind(*id)
                    .bind(period)
                    .bind(at.clone());
            }
            q.execute(self.conn()).await?;
        }
        for (user, text) in notices {
            sqlx::query(
                "INSERT INTO notifications (user_id, text, created_at) VALUES ($1, $2, $3)",
            )
            .bind(*user)
            .bind(text.clone())
            .bind(at.clone())
            .execute(self.conn())
            .await?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "watch",
                entity_id: period.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("更新{}重点监测名单 {} 条", month_cn(period), entries.len()),
                before: None,
                after: None,
            },
        )
        .await
    }
}

/// `2025-09` → `2025 年 9 月`, as the audit log's sentences write a month (anything else as it
/// is).
pub(crate) fn month_cn(period: &str) -> String {
    match period.split_once('-') {
        Some((y, m)) if m.parse::<u32>().is_ok() => {
            format!("{y} 年 {} 月", m.trim_start_matches('0'))
        }
        _ => period.to_string(),
    }
}

/// A file's name without its extension, as the audit log names an imported file.
pub(crate) fn file_stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_and_file_names_read_in_chinese() {
        assert_eq!(super::month_cn("2025-09"), "2025 年 9 月");
        assert_eq!(super::month_cn("2025-10"), "2025 年 10 月");
        assert_eq!(super::file_stem("示例企业月度数据.csv"), "示例企业月度数据");
        assert_eq!(super::file_stem(".csv"), ".csv");
    }
}
