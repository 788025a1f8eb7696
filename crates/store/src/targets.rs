//! Annual targets and the history of their actual values. A target's value can be edited
//! (the audit log keeps every before and after); actual values are never overwritten: each
//! report appends a record with its date, source and author, and the value "as of" a date is
//! the latest record on or before it.

use crate::codes::Code;
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::{Quantity, Scope, ScopeKind, TargetKind, Unit};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize)]
pub struct NewTarget {
    pub region_code: String,
    pub year: i32,
    pub code: String,
    pub metric: String,
    pub name: String,
    pub unit: Unit,
    pub kind: TargetKind,
    pub value: i64,
    pub scope: Scope,
    pub parent_id: Option<i64>,
    pub source: String,
    pub is_sample: bool,
}

/// A target as stored, with the name of its scope and its actual value as of a date.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TargetRow {
    pub id: i64,
    pub region_code: String,
    pub year: i64,
    pub code: String,
    pub metric: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub value: i64,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub scope_name: Option<String>,
    pub parent_id: Option<i64>,
    pub source: String,
    pub is_sample: i64,
    pub actual: Option<i64>,
    pub actual_as_of: Option<String>,
    /// Where the actual comes from: "projects" when the project pipeline counts it.
    #[sqlx(default)]
    pub actual_source: Option<String>,
    /// `unit`, `kind` and `scope_kind` decoded strictly when the row is read: an unknown code
    /// fails the read (an unknown scope is never taken for the city).
    #[sqlx(rename = "unit")]
    #[serde(skip)]
    unit_code: Code<Unit>,
    #[sqlx(rename = "kind")]
    #[serde(skip)]
    kind_code: Code<TargetKind>,
    #[sqlx(rename = "scope_kind")]
    #[serde(skip)]
    scope_code: Code<ScopeKind>,
}

impl TargetRow {
    pub fn unit(&self) -> Unit {
        self.unit_code.0
    }

    pub fn kind(&self) -> TargetKind {
        self.kind_code.0
    }

    pub fn scope(&self) -> Scope {
        Scope {
            kind: self.scope_code.0,
            id: self.scope_id,
        }
    }

    pub fn target_quantity(&self) -> Quantity {
        Quantity::from_raw(self.unit(), self.value)
    }

    pub fn actual_quantity(&self) -> Option<Quantity> {
        self.actual.map(|a| Quantity::from_raw(self.unit(), a))
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ActualRecord {
    pub id: i64,
    pub target_id: i64,
    pub value: i64,
    pub as_of: String,
    pub source: String,
    pub note: String,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewActual {
    pub target_id: i64,
    pub value: i64,
    /// ISO date "2025-09-30".
    pub as_of: String,
    pub source: String,
    pub note: String,
}

const TARGET_SELECT: &str = "SELECT t.id, t.region_code, t.year, t.code, t.metric, t.name, t.unit, t.kind, t.value, \
    t.scope_kind, t.scope_id, \
    CASE t.scope_kind \
      WHEN 'city' THEN (SELECT name FROM regions WHERE code = t.region_code) \
      WHEN 'tier' THEN (SELECT name FROM tiers WHERE id = t.scope_id) \
      WHEN 'track' THEN (SELECT name FROM tracks WHERE id = t.scope_id) \
      WHEN 'town' THEN (SELECT name FROM towns WHERE id = t.scope_id) \
      WHEN 'department' THEN (SELECT name FROM departments WHERE id = t.scope_id) \
      WHEN 'programme' THEN (SELECT name FROM programmes WHERE id = t.scope_id) \
    END AS scope_name, \
    t.parent_id, t.source, t.is_sample, \
    (SELECT a.value FROM target_actuals a WHERE a.target_id = t.id AND a.as_of <= $1 ORDER BY a.as_of DESC, a.id DESC LIMIT 1) AS actual, \
    (SELECT a.as_of FROM target_actuals a WHERE a.target_id = t.id AND a.as_of <= $1 ORDER BY a.as_of DESC, a.id DESC LIMIT 1) AS actual_as_of \
    FROM targets t";

impl WriteTx {
    /// Checks that a scope names something that exists in the region.
    async fn check_scope(&mut self, region: &str, scope: Scope) -> Result<()> {
        let table = match scope.kind {
            ScopeKind::City => {
                return if scope.id.is_none() {
                    Ok(())
                } else {
                    Err(StoreError::Invalid("全市范围不应带编号".into()))
                }
            }
            ScopeKind::Tier => "tiers",
            ScopeKind::Track => "tracks",
            ScopeKind::Town => "towns",
            ScopeKind::Department => "departments",
            ScopeKind::Programme => "programmes",
        };
        let Some(id) = scope.id else {
            return Err(StoreError::Invalid(format!(
                "{}范围缺少编号",
                scope.kind.label()
            )));
        };
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {table} WHERE id = $1 AND region_code = $2"
        ))
        .bind(id)
        .bind(region)
        .fetch_optional(self.conn())
        .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound(format!("{} {id}", scope.kind.label()))),
        }
    }

    pub async fn insert_target(&mut self, actor: &Actor, new: &NewTarget) -> Result<i64> {
        self.check_scope(&new.region_code, new.scope).await?;
        if let Some(parent) = new.parent_id {
            let parent_row: Option<(String, i64, String)> =
                sqlx::query_as("SELECT region_code, year, unit FROM targets WHERE id = $1")
                    .bind(parent)
                    .fetch_optional(self.conn())
                    .await?;
            match parent_row {
                None => return Err(StoreError::NotFound(format!("上级目标 {parent}"))),
                Some((region, year, unit)) => {
                    if region != new.region_code || year != i64::from(new.year) {
                        return Err(StoreError::Invalid(
                            "分解目标须与上级目标同一地区、同一年度".into(),
                        ));
                    }
                    if unit != new.unit.code() {
                        return Err(StoreError::Invalid("分解目标的单位须与上级目标一致".into()));
                    }
                }
            }
        }
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO targets (region_code, year, code, metric, name, unit, kind, value, scope_kind, scope_id, \
             parent_id, source, is_sample, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(i64::from(new.year))
        .bind(new.code.clone())
        .bind(new.metric.clone())
        .bind(new.name.clone())
        .bind(new.unit.code())
        .bind(new.kind.code())
        .bind(new.value)
        .bind(new.scope.kind.code())
        .bind(new.scope.id)
        .bind(new.parent_id)
        .bind(new.source.clone())
        .bind(crate::flag(new.is_sample))
        .bind(at)
        .fetch_one(self.conn())
        .await
        .map_err(|e| StoreError::unique(e, || format!("{} 年目标“{}”已存在", new.year, new.code)))?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "target",
                entity_id: id.to_string(),
                region_code: Some(new.region_code.clone()),
                summary: format!(
                    "新增目标 {}：{}",
                    new.name,
                    Quantity::from_raw(new.unit, new.value).text()
                ),
                before: None,
                after: Some(json!(new)),
            },
        )
        .await?;
        Ok(id)
    }

    /// Changes a target's value; the audit log keeps the old one.
    pub async fn update_target_value(
        &mut self,
        actor: &Actor,
        id: i64,
        value: i64,
        reason: &str,
    ) -> Result<()> {
        let sql = format!(
            "SELECT region_code, name, value, unit FROM targets WHERE id = $1{}",
            self.for_update()
        );
        let before: Option<(String, String, i64, String)> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let Some((region, name, old, unit)) = before else {
            return Err(StoreError::NotFound(format!("目标 {id}")));
        };
        let unit: Unit = crate::decode("unit", &unit)?;
        let at = self.at.clone();
        sqlx::query("UPDATE targets SET value = $1, updated_at = $2 WHERE id = $3")
            .bind(value)
            .bind(at)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "target",
                entity_id: id.to_string(),
                region_code: Some(region),
                summary: format!(
                    "修改目标 {name}：{} → {}{}",
                    Quantity::from_raw(unit, old).text(),
                    Quantity::from_raw(unit, value).text(),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!("（{reason}）")
                    }
                ),
                before: Some(json!({"value": old})),
                after: Some(json!({"value": value, "reason": reason})),
            },
        )
        .await
    }

    /// Appends an actual value to a target's history.
    pub async fn record_actual(&mut self, actor: &Actor, new: &NewActual) -> Result<i64> {
        let target: Option<(String, i64, String, String)> =
            sqlx::query_as("SELECT region_code, year, name, unit FROM targets WHERE id = $1")
                .bind(new.target_id)
                .fetch_optional(self.conn())
                .await?;
        let Some((region, year, name, unit)) = target else {
            return Err(StoreError::NotFound(format!("目标 {}", new.target_id)));
        };
        let metric: String = sqlx::query_scalar("SELECT metric FROM targets WHERE id = $1")
            .bind(new.target_id)
            .fetch_one(self.conn())
            .await?;
        if crate::land::DERIVED_METRICS.contains(&metric.as_str()) {
            let projects: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE region_code = $1")
                    .bind(region.clone())
                    .fetch_one(self.conn())
                    .await?;
            if projects > 0 {
                return Err(StoreError::Invalid(format!(
                    "“{name}”由项目库按签约、开工日期自动统计，不能手工填报"
                )));
            }
        }
        let date = domain::period::parse_date(&new.as_of)
            .map_err(|_| StoreError::Invalid(format!("日期“{}”格式应为 2025-09-30", new.as_of)))?;
        if i64::from(date.year()) != year {
            return Err(StoreError::Invalid(format!(
                "日期 {} 不在目标年度 {year} 年内",
                new.as_of
            )));
        }
        if date > self.now.date() {
            return Err(StoreError::Invalid(format!(
                "日期 {} 晚于今天，不能填报",
                new.as_of
            )));
        }
        let unit: Unit = crate::decode("unit", &unit)?;
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO target_actuals (target_id, value, as_of, source, note, recorded_by, recorded_by_name, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.target_id)
        .bind(new.value)
        .bind(domain::period::format_date(date))
        .bind(new.source.clone())
        .bind(new.note.clone())
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "record_actual",
                entity: "target",
                entity_id: new.target_id.to_string(),
                region_code: Some(region),
                summary: format!(
                    "填报 {name} 截至 {} 完成 {}",
                    new.as_of,
                    Quantity::from_raw(unit, new.value).text()
                ),
                before: None,
                after: Some(json!(new)),
            },
        )
        .await?;
        Ok(id)
    }
}

impl Store {
    /// All targets of a region and year, with actual values as of `as_of` (ISO date). Targets
    /// that count projects (signed, started, signed investment) take their actuals from the
    /// project pipeline when the region has projects.
    pub async fn targets(&self, region: &str, year: i32, as_of: &str) -> Result<Vec<TargetRow>> {
        let mut rows = sqlx::query_as::<_, TargetRow>(&format!(
            "{TARGET_SELECT} WHERE t.region_code = $2 AND t.year = $3 ORDER BY t.id"
        ))
        .bind(as_of)
        .bind(region)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        self.apply_derived(&mut rows, region, year, as_of).await?;
        self.apply_observed(&mut rows, region, year, as_of).await?;
        Ok(rows)
    }

    pub async fn target(&self, id: i64, as_of: &str) -> Result<Option<TargetRow>> {
        let row = sqlx::query_as::<_, TargetRow>(&format!("{TARGET_SELECT} WHERE t.id = $2"))
            .bind(as_of)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (region, year) = (row.region_code.clone(), row.year as i32);
        let mut rows = vec![row];
        self.apply_derived(&mut rows, &region, year, as_of).await?;
        self.apply_observed(&mut rows, &region, year, as_of).await?;
        Ok(rows.pop())
    }

    /// City targets measured by an indicator (`domain::observed`) take their actual from the
    /// indicator's latest observation of the year up to `as_of`, once the region has any
    /// observation of that indicator in the year: the import is then their one entry.
    async fn apply_observed(
        &self,
        rows: &mut [TargetRow],
        region: &str,
        year: i32,
        as_of: &str,
    ) -> Result<()> {
        let observed = |r: &TargetRow| {
            (r.scope_kind == "city")
                .then(|| domain::observed::observed_indicator(&r.metric))
                .flatten()
        };
        if !rows.iter().any(|r| observed(r).is_some()) {
            return Ok(());
        }
        // The last month the date covers: its month within the year, December after it.
        let month = match domain::period::parse_date(as_of) {
            Ok(d) if d.year() == year => d.month() as u32,
            Ok(d) if d.year() > year => 12,
            _ => 0,
        };
        let series: Vec<(String, i64, String, Option<f64>)> = sqlx::query_as(
            "SELECT o.indicator, o.end_month, o.period, o.ytd_growth FROM observations o \
             WHERE o.region_code = $1 AND o.year = $2 ORDER BY o.indicator, o.end_month, o.id",
        )
        .bind(region)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        for r in rows.iter_mut() {
            let Some(indicator) = observed(r) else {
                continue;
            };
            let mine: Vec<&(String, i64, String, Option<f64>)> =
                series.iter().filter(|o| o.0 == indicator).collect();
            if mine.is_empty() {
                continue;
            }
            // The newest revision of the latest period up to the month (rows are in order).
            let latest = mine.iter().rev().find(|o| o.1 <= i64::from(month));
            r.actual = latest.and_then(|o| o.3).map(|g| (g * 100.0).round() as i64);
            r.actual_as_of = latest.and_then(|o| {
                domain::Period::parse(&o.2)
                    .ok()
                    .map(|p| domain::period::format_date(p.end_date()))
            });
            r.actual_source = Some("observations".into());
        }
        Ok(())
    }

    async fn apply_derived(
        &self,
        rows: &mut [TargetRow],
        region: &str,
        year: i32,
        as_of: &str,
    ) -> Result<()> {
        if !rows
            .iter()
            .any(|r| crate::land::DERIVED_METRICS.contains(&r.metric.as_str()))
        {
            return Ok(());
        }
        // Never count beyond today, whatever period is asked for.
        let today = domain::period::format_date(self.now().date());
        let as_of = if today.as_str() < as_of {
            today
        } else {
            as_of.to_string()
        };
        let derived = self.derived_target_actuals(region, year, &as_of).await?;
        if derived.is_empty() {
            return Ok(());
        }
        for r in rows
            .iter_mut()
            .filter(|r| crate::land::DERIVED_METRICS.contains(&r.metric.as_str()))
        {
            let kind = r.scope().kind;
            if matches!(
                kind,
                ScopeKind::City | ScopeKind::Tier | ScopeKind::Track | ScopeKind::Town
            ) {
                let key = (
                    r.metric.clone(),
                    kind.code().to_string(),
                    if kind == ScopeKind::City {
                        None
                    } else {
                        r.scope_id
                    },
                );
                r.actual = Some(derived.get(&key).copied().unwrap_or(0));
                r.actual_as_of = Some(as_of.clone());
                r.actual_source = Some("projects".into());
            }
        }
        Ok(())
    }

    /// The value of a region's city-level target for `metric` in `year` (raw units).
    pub async fn city_target_value(
        &self,
        region: &str,
        year: i32,
        metric: &str,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT value FROM targets WHERE region_code = $1 AND year = $2 AND metric = $3 AND scope_kind = 'city' ORDER BY id LIMIT 1",
        )
        .bind(region)
        .bind(i64::from(year))
        .bind(metric)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn target_by_code(&self, region: &str, year: i32, code: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT id FROM targets WHERE region_code = $1 AND year = $2 AND code = $3",
        )
        .bind(region)
        .bind(i64::from(year))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The history of a target's actual values, newest first.
    pub async fn actuals(&self, target_id: i64) -> Result<Vec<ActualRecord>> {
        Ok(sqlx::query_as::<_, ActualRecord>(
            "SELECT id, target_id, value, as_of, source, note, recorded_by, recorded_by_name, recorded_at \
             FROM target_actuals WHERE target_id = $1 ORDER BY as_of DESC, id DESC",
        )
        .bind(target_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Years that have targets in a region, newest first.
    pub async fn target_years(&self, region: &str) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT DISTINCT year FROM targets WHERE region_code = $1 ORDER BY year DESC",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest date with an actual value in a region and year.
    pub async fn latest_actual_date(&self, region: &str, year: i32) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>(
            "SELECT MAX(a.as_of) FROM target_actuals a JOIN targets t ON t.id = a.target_id \
             WHERE t.region_code = $1 AND t.year = $2",
        )
        .bind(region)
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await?)
    }
}
