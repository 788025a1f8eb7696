//! The data of the locate step (找位置): the indicator catalogue, indicator targets per region
//! and year, observed statistics (append-only revisions) and the versioned accounting model.

use crate::{flag, Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub frequency: String,
    pub kind: String,
    pub nominal: i64,
    pub stock: i64,
    pub deflator: Option<String>,
    pub owner_department: String,
}

/// The kinds of indicator (`indicators.kind`): the codes of `domain::IndicatorKind`
/// (migration 16 constrains the column to them).
pub const INDICATOR_KINDS: [&str; 5] =
    ["accounting", "leading", "supporting", "price", "aggregate"];
/// How often an indicator is published (`indicators.frequency`).
pub const INDICATOR_FREQUENCIES: [&str; 2] = ["monthly", "quarterly"];

impl crate::Checked for Indicator {
    fn check(&self) -> Result<()> {
        crate::check_code("indicator kind", "kind", &self.kind, &INDICATOR_KINDS)?;
        crate::check_code(
            "indicator frequency",
            "frequency",
            &self.frequency,
            &INDICATOR_FREQUENCIES,
        )
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewIndicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub frequency: String,
    pub kind: String,
    pub nominal: bool,
    pub stock: bool,
    pub deflator: Option<String>,
    pub owner_department: String,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct Observation {
    pub id: i64,
    pub region_code: String,
    pub period: String,
    pub year: i64,
    pub end_month: i64,
    pub indicator: String,
    pub ytd_value: Option<f64>,
    pub ytd_growth: Option<f64>,
    pub last_year_total: Option<f64>,
    pub source: String,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewObservation {
    pub period: domain::Period,
    pub indicator: String,
    pub ytd_value: Option<f64>,
    pub ytd_growth: Option<f64>,
    pub last_year_total: Option<f64>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct ModelIndustry {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub assumed_growth: Option<f64>,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct ModelDriver {
    pub industry: String,
    pub indicator: String,
    pub coefficient: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Model {
    pub version_id: i64,
    pub source: String,
    pub created_at: String,
    pub industries: Vec<ModelIndustry>,
    pub drivers: Vec<ModelDriver>,
}

const INDICATOR_SELECT: &str =
    "SELECT code, name, unit, frequency, kind, nominal, stock, deflator, owner_department FROM indicators";
const OBSERVATION_SELECT: &str =
    "SELECT id, region_code, period, year, end_month, indicator, ytd_value, ytd_growth, \
    last_year_total, source, recorded_by_name, recorded_at FROM observations o";

/// Observations written by one INSERT statement.
const OBSERVATIONS_PER_STATEMENT: usize = 500;

impl WriteTx {
    /// Adds an indicator to the catalogue, or updates it (the audit log keeps the old one).
    pub async fn upsert_indicator(&mut self, actor: &Actor, new: &NewIndicator) -> Result<()> {
        let sql = format!("{INDICATOR_SELECT} WHERE code = $1{}", self.for_update());
        let before = sqlx::query_as::<_, Indicator>(&sql)
            .bind(new.code.clone())
            .fetch_optional(self.conn())
            .await?;
        let at = self.at.clone();
        if before.is_some() {
            sqlx::query(
                "UPDATE indicators SET name = $1, unit = $2, frequency = $3, kind = $4, nominal = $5, deflator = $6, \
                 owner_department = $7, updated_at = $8, stock = $10 WHERE code = $9",
            )
            .bind(new.name.clone())
            .bind(new.unit.clone())
            .bind(new.frequency.clone())
            .bind(new.kind.clone())
            .bind(flag(new.nominal))
            .bind(new.deflator.clone())
            .bind(new.owner_department.clone())
            .bind(at)
            .bind(new.code.clone())
            .bind(flag(new.stock))
            .execute(self.conn())
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO indicators (code, name, unit, frequency, kind, nominal, deflator, owner_department, created_at, updated_at, stock) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
            )
            .bind(new.code.clone())
            .bind(new.name.clone())
            .bind(new.unit.clone())
            .bind(new.frequency.clone())
            .bind(new.kind.clone())
            .bind(flag(new.nominal))
            .bind(new.deflator.clone())
            .bind(new.owner_department.clone())
            .bind(at)
            .bind(flag(new.stock))
            .execute(self.conn())
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::Invalid(format!("指标“{}”的缩减指数“{}”不存在", new.code, new.deflator.clone().unwrap_or_default()))
                }
                _ => StoreError::unique(e, || format!("指标“{}”刚被他人新增，请刷新后重试", new.code)),
            })?;
        }
        let changed = before.as_ref().is_none_or(|b| {
            b.name != new.name
                || b.unit != new.unit
                || b.frequency != new.frequency
                || b.kind != new.kind
                || b.nominal != flag(new.nominal)
                || b.stock != flag(new.stock)
                || b.deflator != new.deflator
                || b.owner_department != new.owner_department
        });
        if changed {
            self.audit(
                actor,
                AuditEntry {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: "indicator",
                    entity_id: new.code.clone(),
                    region_code: None,
                    summary: format!(
                        "{}指标 {}（{}）",
                        if before.is_some() { "修改" } else { "新增" },
                        new.name,
                        new.code
                    ),
                    before: before.map(|b| json!(b)),
                    after: Some(json!(new)),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Sets a region's target growth for an indicator in a year.
    pub async fn set_indicator_target(
        &mut self,
        actor: &Actor,
        region: &str,
        year: i32,
        indicator: &str,
        growth: f64,
    ) -> Result<()> {
        let sql = format!(
            "SELECT target_growth FROM indicator_targets WHERE region_code = $1 AND year = $2 AND indicator = $3{}",
            self.for_update()
        );
        let before: Option<f64> = sqlx::query_scalar(&sql)
            .bind(region)
            .bind(i64::from(year))
            .bind(indicator)
            .fetch_optional(self.conn())
            .await?;
        let at = self.at.clone();
        if before.is_some() {
            sqlx::query("UPDATE indicator_targets SET target_growth = $1, updated_at = $2 WHERE region_code = $3 AND year = $4 AND indicator = $5")
                .bind(growth)
                .bind(at)
                .bind(region)
                .bind(i64::from(year))
                .bind(indicator)
                .execute(self.conn())
                .await?;
        } else {
            sqlx::query("INSERT INTO indicator_targets (region_code, year, indicator, target_growth, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(region)
                .bind(i64::from(year))
                .bind(indicator)
                .bind(growth)
                .bind(at)
                .execute(self.conn())
                .await
                .map_err(|e| {
                    StoreError::unique(e, || {
                        format!("指标 {indicator} 的目标增速刚被他人设置，请刷新后重试")
                    })
                })?;
        }
        if before != Some(growth) {
            self.audit(
                actor,
                AuditEntry {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: "indicator_target",
                    entity_id: format!("{region}:{year}:{indicator}"),
                    region_code: Some(region.to_string()),
                    summary: format!("{year} 年指标 {indicator} 目标增速设为 {growth}%"),
                    before: before.map(|b| json!({"target_growth": b})),
                    after: Some(json!({"target_growth": growth})),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Appends observations (a re-import of a period is a revision; the latest wins).
    pub async fn add_observations(
        &mut self,
        actor: &Actor,
        region: &str,
        rows: &[NewObservation],
        source: &str,
    ) -> Result<usize> {
        let at = self.at.clone();
        // Many rows per statement: an import holds the write lock for as short a time as
        // possible (docs/performance.md).
        for chunk in rows.chunks(OBSERVATIONS_PER_STATEMENT) {
            let sql = crate::multi_row_insert(
                "INSERT INTO observations (region_code, period, year, end_month, indicator, ytd_value, \
                 ytd_growth, last_year_total, source, recorded_by_name, recorded_at)",
                chunk.len(),
                11,
                self.dialect,
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(region)
                    .bind(r.period.to_string())
                    .bind(i64::from(r.period.year()))
                    .bind(i64::from(r.period.end_month()))
                    .bind(r.indicator.clone())
                    .bind(crate::nullable::opt_f64(r.ytd_value))
                    .bind(crate::nullable::opt_f64(r.ytd_growth))
                    .bind(crate::nullable::opt_f64(r.last_year_total))
                    .bind(source)
                    .bind(actor.name.clone())
                    .bind(at.clone());
            }
            // sqlx's Any driver (0.8) sends a NULL double as float4: a cached statement would
            // then reject the next chunk's float8. Prepare afresh each time (see decisions.md).
            query.persistent(false).execute(self.conn()).await?;
        }
        self.audit_observation_import(actor, region, rows, source)
            .await?;
        Ok(rows.len())
    }

    /// The audit entry of an observations import: one per file, whichever way it was written.
    pub(crate) async fn audit_observation_import(
        &mut self,
        actor: &Actor,
        region: &str,
        rows: &[NewObservation],
        source: &str,
    ) -> Result<()> {
        let periods: std::collections::BTreeSet<String> =
            rows.iter().map(|r| r.period.to_string()).collect();
        self.audit(
            actor,
            AuditEntry {
                action: "import",
                entity: "observations",
                entity_id: region.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "导入统计数据 {} 条（{}）{}",
                    rows.len(),
                    periods.into_iter().collect::<Vec<_>>().join("、"),
                    if source.is_empty() {
                        String::new()
                    } else {
                        format!("，来源 {source}")
                    }
                ),
                before: None,
                after: Some(json!({"rows": rows.len(), "source": source})),
            },
        )
        .await?;
        Ok(())
    }

    /// Makes a new version of a region's accounting model for a year.
    pub async fn create_model(
        &mut self,
        actor: &Actor,
        region: &str,
        year: i32,
        industries: &[ModelIndustry],
        drivers: &[ModelDriver],
        source: &str,
    ) -> Result<i64> {
        let at = self.at.clone();
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO model_versions (region_code, year, source, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(region)
        .bind(i64::from(year))
        .bind(source)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        for i in industries {
            sqlx::query("INSERT INTO model_industries (version_id, code, name, weight, assumed_growth, ordinal) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(version)
                .bind(i.code.clone())
                .bind(i.name.clone())
                .bind(i.weight)
                .bind(crate::nullable::opt_f64(i.assumed_growth))
                .bind(i.ordinal)
                .persistent(false)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::unique(e, || format!("行业代码“{}”重复", i.code)))?;
        }
        for d in drivers {
            sqlx::query("INSERT INTO model_drivers (version_id, industry, indicator, coefficient) VALUES ($1, $2, $3, $4)")
                .bind(version)
                .bind(d.industry.clone())
                .bind(d.indicator.clone())
                .bind(d.coefficient)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::unique(e, || format!("驱动关系 {} ← {} 重复", d.industry, d.indicator)))?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "model",
                entity_id: version.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "{year} 年核算模型新版本：{} 个行业、{} 条驱动关系",
                    industries.len(),
                    drivers.len()
                ),
                before: None,
                after: Some(
                    json!({"industries": industries, "drivers": drivers, "source": source}),
                ),
            },
        )
        .await?;
        Ok(version)
    }
}

impl Store {
    pub async fn indicators(&self) -> Result<Vec<Indicator>> {
        crate::checked(
            sqlx::query_as::<_, Indicator>(&format!("{INDICATOR_SELECT} ORDER BY code"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Target growth per indicator for a region and year.
    pub async fn indicator_targets(&self, region: &str, year: i32) -> Result<Vec<(String, f64)>> {
        Ok(sqlx::query_as::<_, (String, f64)>(
            "SELECT indicator, target_growth FROM indicator_targets WHERE region_code = $1 AND year = $2 ORDER BY indicator",
        )
        .bind(region)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?)
    }

    /// For each indicator, its latest observation of the year up to `end_month` (the latest
    /// revision of the latest period: quarterly indicators answer a monthly period with their
    /// last quarter).
    pub async fn observations_as_of(
        &self,
        region: &str,
        year: i32,
        end_month: u32,
    ) -> Result<Vec<Observation>> {
        Ok(sqlx::query_as::<_, Observation>(&format!(
            "{OBSERVATION_SELECT} WHERE o.region_code = $1 AND o.year = $2 AND o.end_month <= $3 AND o.id = \
             (SELECT x.id FROM observations x WHERE x.region_code = o.region_code AND x.year = o.year AND x.end_month <= $3 \
              AND x.indicator = o.indicator ORDER BY x.end_month DESC, x.id DESC LIMIT 1) \
             ORDER BY o.indicator"
        ))
        .bind(region)
        .bind(i64::from(year))
        .bind(i64::from(end_month))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest revision of each period's observations of a year (for trends).
    pub async fn observations_of_year(&self, region: &str, year: i32) -> Result<Vec<Observation>> {
        Ok(sqlx::query_as::<_, Observation>(&format!(
            "{OBSERVATION_SELECT} WHERE o.region_code = $1 AND o.year = $2 AND o.id = \
             (SELECT MAX(x.id) FROM observations x WHERE x.region_code = o.region_code AND x.period = o.period AND x.indicator = o.indicator) \
             ORDER BY o.indicator, o.end_month, o.period"
        ))
        .bind(region)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Periods with observations in a region, newest first.
    pub async fn observed_periods(&self, region: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT period FROM (SELECT DISTINCT period, year, end_month FROM observations WHERE region_code = $1) p \
             ORDER BY year DESC, end_month DESC, period DESC",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The current (latest) accounting model of a region and year.
    pub async fn model(&self, region: &str, year: i32) -> Result<Option<Model>> {
        let version: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT id, source, created_at FROM model_versions WHERE region_code = $1 AND year = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(region)
        .bind(i64::from(year))
        .fetch_optional(&self.pool)
        .await?;
        let Some((version_id, source, created_at)) = version else {
            return Ok(None);
        };
        let industries = sqlx::query_as::<_, ModelIndustry>(
            "SELECT code, name, weight, assumed_growth, ordinal FROM model_industries WHERE version_id = $1 ORDER BY ordinal, code",
        )
        .bind(version_id)
        .fetch_all(&self.pool)
        .await?;
        let drivers = sqlx::query_as::<_, ModelDriver>(
            "SELECT industry, indicator, coefficient FROM model_drivers WHERE version_id = $1 ORDER BY industry, indicator",
        )
        .bind(version_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Model {
            version_id,
            source,
            created_at,
            industries,
            drivers,
        }))
    }
}
