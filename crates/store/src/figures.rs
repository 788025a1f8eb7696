//! Reads behind the figures of 找位置 and the gap ledger, and the versioned cache that lets the
//! application compute them once per change of the data instead of once per request.
//!
//! Every audited write bumps the data version of its region (`data_versions`, migration 13) in
//! its own transaction, so a cached figure is valid exactly as long as the version it was
//! computed at is the current one.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::FromRow;
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

/// Cached figures: key → (data version, value).
pub type FiguresCache = HashMap<String, (i64, Arc<dyn Any + Send + Sync>)>;

/// Beyond this many entries the cache starts afresh (regions × periods × users stay far below).
const CACHE_LIMIT: usize = 2000;

/// A task as the gap ledger counts it.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TaskEffect {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub expected_pp: Option<f64>,
    /// The indicator of the task's shortfall, when it has one.
    pub indicator: Option<String>,
    pub shortfall_period: Option<String>,
    pub deadline: String,
}

/// The work already under way on one indicator: open shortfalls and open tasks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorWork {
    pub indicator: String,
    /// Shortfalls of the year with a task still open, or with no task yet.
    pub open_shortfalls: i64,
    /// The newest such shortfall, to link to.
    pub latest_shortfall_id: Option<i64>,
    pub open_tasks: i64,
}

/// Task states in which a task still works towards its expected effect.
pub const OPEN_TASK_STATES: [&str; 4] = ["open", "claimed", "in_progress", "overdue"];

impl Store {
    /// The data version of a region: it changes with every audited write of the region or of
    /// every region (the indicator catalogue).
    pub async fn data_version(&self, region: &str) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions WHERE scope = $1 OR scope = ''",
        )
        .bind(region)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The data version of the whole database: the sum over every region (and the regionless
    /// scope), so that any audited write anywhere changes it.
    pub async fn data_version_all(&self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// A figure cached under `key` at data version `version`, if there is one.
    pub fn cached<T: Any + Send + Sync>(&self, key: &str, version: i64) -> Option<Arc<T>> {
        let cache = self.figures_cache.lock().ok()?;
        let (v, value) = cache.get(key)?;
        if *v != version {
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    /// Keeps a figure computed at data version `version` under `key`.
    pub fn cache<T: Any + Send + Sync>(&self, key: &str, version: i64, value: Arc<T>) {
        if let Ok(mut cache) = self.figures_cache.lock() {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key.to_string(), (version, value));
        }
    }

    /// Every project of a region, read once per data version: the pipeline, the headline and
    /// the ledger read the whole library on every view otherwise. The version is read before
    /// the rows, so rows newer than their version are at worst read again, never stale.
    pub async fn projects_snapshot(
        &self,
        region: &str,
    ) -> Result<Arc<Vec<crate::land::ProjectRow>>> {
        let version = self.data_version(region).await?;
        let key = format!("projects|{region}");
        if let Some(hit) = self.cached::<Vec<crate::land::ProjectRow>>(&key, version) {
            return Ok(hit);
        }
        let rows = Arc::new(self.projects(region).await?);
        self.cache(&key, version, rows.clone());
        Ok(rows)
    }

    /// A year's latest observations of a region, read once per data version (see
    /// [`Store::projects_snapshot`]).
    pub async fn observations_of_year_snapshot(
        &self,
        region: &str,
        year: i32,
    ) -> Result<Arc<Vec<crate::locate::Observation>>> {
        let version = self.data_version(region).await?;
        let key = format!("observations|{region}|{year}");
        if let Some(hit) = self.cached::<Vec<crate::locate::Observation>>(&key, version) {
            return Ok(hit);
        }
        let rows = Arc::new(self.observations_of_year(region, year).await?);
        self.cache(&key, version, rows.clone());
        Ok(rows)
    }

    /// The (year, last month) of every period with observations in a region, newest first.
    pub async fn observed_months(&self, region: &str) -> Result<Vec<(i32, u32)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT year, end_month FROM observations WHERE region_code = $1 \
             ORDER BY year DESC, end_month DESC",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(y, m)| Some((i32::try_from(y).ok()?, u32::try_from(m).ok()?)))
            .collect())
    }

    /// The region's tasks that count towards `year`: those of the year's shortfalls, and those
    /// without a shortfall whose deadline falls in the year. Cancelled tasks are left out.
    pub async fn task_effects(&self, region: &str, year: i32) -> Result<Vec<TaskEffect>> {
        let prefix = format!("{year:04}-%");
        Ok(sqlx::query_as::<_, TaskEffect>(
            "SELECT t.id, t.title, t.state, t.expected_pp, s.indicator, s.period AS shortfall_period, t.deadline \
             FROM tasks t LEFT JOIN shortfalls s ON s.id = t.shortfall_id \
             WHERE t.region_code = $1 AND t.state <> 'cancelled' \
             AND ((s.id IS NOT NULL AND s.period LIKE $2) OR (s.id IS NULL AND t.deadline LIKE $2)) \
             ORDER BY t.id",
        )
        .bind(region)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Per indicator, the open shortfalls and open tasks of `year` in a region.
    pub async fn indicator_work(&self, region: &str, year: i32) -> Result<Vec<IndicatorWork>> {
        let prefix = format!("{year:04}-%");
        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT s.id, s.indicator, t.state FROM shortfalls s LEFT JOIN tasks t ON t.shortfall_id = s.id \
             WHERE s.region_code = $1 AND s.period LIKE $2 ORDER BY s.id",
        )
        .bind(region)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?;
        // Per shortfall: its indicator, whether it has a task at all, and its open tasks.
        let mut shortfalls: HashMap<i64, (String, bool, i64)> = HashMap::new();
        for (id, indicator, state) in rows {
            let entry = shortfalls.entry(id).or_insert((indicator, false, 0));
            if let Some(state) = state {
                entry.1 = true;
                if OPEN_TASK_STATES.contains(&state.as_str()) {
                    entry.2 += 1;
                }
            }
        }
        let mut by_indicator: HashMap<String, IndicatorWork> = HashMap::new();
        let mut ids: Vec<i64> = shortfalls.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some((indicator, has_task, open)) = shortfalls.get(&id) else {
                continue;
            };
            let w = by_indicator
                .entry(indicator.clone())
                .or_insert_with(|| IndicatorWork {
                    indicator: indicator.clone(),
                    open_shortfalls: 0,
                    latest_shortfall_id: None,
                    open_tasks: 0,
                });
            w.open_tasks += open;
            if !has_task || *open > 0 {
                w.open_shortfalls += 1;
                w.latest_shortfall_id = Some(id);
            }
        }
        let mut out: Vec<IndicatorWork> = by_indicator
            .into_values()
            .filter(|w| w.open_shortfalls > 0 || w.open_tasks > 0)
            .collect();
        out.sort_by(|a, b| a.indicator.cmp(&b.indicator));
        Ok(out)
    }
}
