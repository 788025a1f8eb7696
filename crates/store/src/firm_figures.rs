//! Firms' monthly figures (重点企业运行监测): year-to-date values per firm and month, exact in
//! 元. An import replaces the rows of the (firm, month) pairs its file gives, in bulk, within
//! one transaction and one audit entry; the readers give one firm's series and a region's panel
//! for a month and the same month last year. Who may see them is decided in `workflow`.

use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use serde::Serialize;
use sqlx::{FromRow, Row};
use std::collections::HashMap;

/// One firm's figures for a month as an import gives them (amounts in 元).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FigureRecord {
    pub enterprise_id: i64,
    /// `YYYY-MM`.
    pub period: String,
    pub output_value_yuan: Option<i64>,
    pub revenue_yuan: Option<i64>,
    pub electricity_kwh: Option<i64>,
    pub tax_yuan: Option<i64>,
    pub employees: Option<i64>,
    pub output_value_last_year_yuan: Option<i64>,
    pub revenue_last_year_yuan: Option<i64>,
}

/// A stored row of figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct FigureRow {
    pub enterprise_id: i64,
    pub period: String,
    pub output_value_yuan: Option<i64>,
    pub revenue_yuan: Option<i64>,
    pub electricity_kwh: Option<i64>,
    pub tax_yuan: Option<i64>,
    pub employees: Option<i64>,
    pub output_value_last_year_yuan: Option<i64>,
    pub revenue_last_year_yuan: Option<i64>,
    pub source: String,
    pub imported_at: String,
}

/// A firm of a region with what the panel and the access rule need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct PanelFirm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub scale_kind: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub service_manager_id: Option<i64>,
}

/// What an import of figures wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FiguresWritten {
    pub inserted: usize,
    /// Rows of the same firms and months that were there before and are replaced.
    pub replaced: usize,
}

const ROWS_PER_STATEMENT: usize = 300;

const FIGURE_COLUMNS: &str =
    "enterprise_id, period, output_value_yuan, revenue_yuan, electricity_kwh, \
    tax_yuan, employees, output_value_last_year_yuan, revenue_last_year_yuan, source, imported_at";

fn num(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into())
}

/// A checked `YYYY-MM` as an SQL literal (the store writes only what it has checked).
fn period_literal(p: &str) -> Result<String> {
    let b = p.as_bytes();
    let ok = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    if ok {
        Ok(format!("'{p}'"))
    } else {
        Err(StoreError::Invalid(format!("期别“{p}”无效")))
    }
}

impl WriteTx {
    /// Writes a figures file for a region: the (firm, month) pairs it gives replace what was
    /// stored for them; one audit entry names the file, the months and the rows replaced.
    pub async fn replace_firm_figures(
        &mut self,
        actor: &Actor,
        region: &str,
        source: &str,
        rows: &[FigureRecord],
    ) -> Result<FiguresWritten> {
        let mut replaced = 0usize;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut pairs = Vec::with_capacity(chunk.len());
            for r in chunk {
                pairs.push(format!(
                    "({}, {})",
                    r.enterprise_id,
                    period_literal(&r.period)?
                ));
            }
            let sql = format!(
                "DELETE FROM firm_figures WHERE (enterprise_id, period) IN (VALUES {})",
                pairs.join(", ")
            );
            let done = sqlx::query(&sql)
                .persistent(false)
                .execute(self.conn())
                .await?;
            replaced += done.rows_affected() as usize;
            let mut values = Vec::with_capacity(chunk.len());
            for r in chunk {
                values.push(format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {}, $1, $2)",
                    r.enterprise_id,
                    period_literal(&r.period)?,
                    num(r.output_value_yuan),
                    num(r.revenue_yuan),
                    num(r.electricity_kwh),
                    num(r.tax_yuan),
                    num(r.employees),
                    num(r.output_value_last_year_yuan),
                    num(r.revenue_last_year_yuan),
                ));
            }
            let sql = format!(
                "INSERT INTO firm_figures ({FIGURE_COLUMNS}) VALUES {}",
                values.join(", ")
            );
            sqlx::query(&sql)
                .bind(source.to_string())
                .bind(self.at.clone())
                .persistent(false)
                .execute(self.conn())
                .await?;
        }
        let mut months: Vec<&str> = rows.iter().map(|r| r.period.as_str()).collect();
        months.sort_unstable();
        months.dedup();
        let firms = {
            let mut ids: Vec<i64> = rows.iter().map(|r| r.enterprise_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        };
        self.audit(
            actor,
            AuditEntry {
                action: "import",
                entity: "firm_figures",
                entity_id: source.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "导入企业月度数据（{}）：{firms} 家企业、{} 个期别（{}），共 {} 行，其中替换原有 {replaced} 行",
                    crate::watch::file_stem(source),
                    months.len(),
                    months
                        .iter()
                        .map(|m| crate::watch::month_cn(m))
                        .collect::<Vec<_>>()
                        .join("、"),
                    rows.len()
                ),
                before: None,
                after: Some(serde_json::json!({
                    "rows": rows.len(),
                    "firms": firms,
                    "periods": months,
                    "replaced": replaced,
                })),
            },
        )
        .await?;
        Ok(FiguresWritten {
            inserted: rows.len(),
            replaced,
        })
    }
}

impl Store {
    /// The region's firms by USCC, for an import of figures to check codes against.
    pub async fn firm_ids_by_uscc(&self, region: &str) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT uscc, id FROM enterprises WHERE region_code = $1 AND uscc IS NOT NULL",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
        Ok(out)
    }

    /// One firm's figures, oldest month first.
    pub async fn firm_figures(&self, enterprise: i64) -> Result<Vec<FigureRow>> {
        Ok(sqlx::query_as::<_, FigureRow>(&format!(
            "SELECT {FIGURE_COLUMNS} FROM firm_figures WHERE enterprise_id = $1 ORDER BY period"
        ))
        .bind(enterprise)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The figures of a region's firms for the given months.
    pub async fn region_figures(&self, region: &str, periods: &[&str]) -> Result<Vec<FigureRow>> {
        let mut out = Vec::new();
        for p in periods {
            let rows = sqlx::query_as::<_, FigureRow>(&format!(
                "SELECT {} FROM firm_figures f JOIN enterprises e ON e.id = f.enterprise_id \
                 WHERE e.region_code = $1 AND f.period = $2 ORDER BY f.enterprise_id",
                FIGURE_COLUMNS
                    .split(", ")
                    .map(|c| format!("f.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .bind(region)
            .bind(p.to_string())
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// A region's firms that have figures, with their town and service manager.
    pub async fn panel_firms(&self, region: &str) -> Result<Vec<PanelFirm>> {
        Ok(sqlx::query_as::<_, PanelFirm>(
            "SELECT e.id, e.uscc, e.name, e.scale_kind, e.town_id, tw.name AS town_name, e.service_manager_id \
             FROM enterprises e LEFT JOIN towns tw ON tw.id = e.town_id \
             WHERE e.region_code = $1 AND e.uscc IS NOT NULL \
             AND EXISTS (SELECT 1 FROM firm_figures f WHERE f.enterprise_id = e.id) ORDER BY e.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every firm of a region and the tracks it is in: enterprise id → track ids.
    pub async fn region_firm_tracks(&self, region: &str) -> Result<HashMap<i64, Vec<i64>>> {
        let rows = sqlx::query(
            "SELECT et.enterprise_id, et.track_id FROM enterprise_tracks et \
             JOIN enterprises e ON e.id = et.enterprise_id WHERE e.region_code = $1 \
             UNION SELECT e.id, e.track_id FROM enterprises e WHERE e.region_code = $1 AND e.track_id IS NOT NULL",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in rows {
            out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        for v in out.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Ok(out)
    }

    /// The people who lead each track of a region (lead and responsible leaders).
    pub async fn track_leaders(&self, region: &str) -> Result<HashMap<i64, Vec<i64>>> {
        let rows = sqlx::query(
            "SELECT id, lead_leader_id FROM tracks WHERE region_code = $1 AND lead_leader_id IS NOT NULL \
             UNION SELECT r.track_id, r.person_id FROM track_responsible_leaders r \
             JOIN tracks t ON t.id = r.track_id WHERE t.region_code = $1",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in rows {
            out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        Ok(out)
    }
}

/// A firm a shortfall was opened with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct ShortfallFirm {
    pub enterprise_id: i64,
    pub uscc: String,
    pub name: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    /// Its contribution to the indicator's panel growth when the shortfall was opened, in
    /// hundredths of a 百分点.
    pub contribution_pp_e2: Option<i64>,
}

impl WriteTx {
    /// Attaches the firms behind a shortfall (as 找位置's drill-down chose them).
    pub async fn attach_shortfall_firms(
        &mut self,
        actor: &Actor,
        region: &str,
        shortfall_id: i64,
        firms: &[(i64, Option<i64>)],
    ) -> Result<()> {
        for (id, pp) in firms {
            sqlx::query(
                "INSERT INTO shortfall_enterprises (shortfall_id, enterprise_id, contribution_pp_e2) \
                 VALUES ($1, $2, $3)",
            )
            .bind(shortfall_id)
            .bind(*id)
            .bind(*pp)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "同一企业重复附加到短板".to_string()))?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "attach",
                entity: "shortfall",
                entity_id: shortfall_id.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("短板附带拖累企业 {} 家", firms.len()),
                before: None,
                after: Some(serde_json::json!({
                    "enterprises": firms.iter().map(|f| f.0).collect::<Vec<_>>(),
                })),
            },
        )
        .await
    }
}

impl Store {
    /// The firms a shortfall was opened with, most negative contribution first.
    pub async fn shortfall_firms(&self, shortfall_id: i64) -> Result<Vec<ShortfallFirm>> {
        Ok(sqlx::query_as::<_, ShortfallFirm>(
            "SELECT e.id AS enterprise_id, e.uscc, e.name, e.town_id, tw.name AS town_name, s.contribution_pp_e2 \
             FROM shortfall_enterprises s JOIN enterprises e ON e.id = s.enterprise_id \
             LEFT JOIN towns tw ON tw.id = e.town_id WHERE s.shortfall_id = $1 \
             ORDER BY (s.contribution_pp_e2 IS NULL), s.contribution_pp_e2, e.id",
        )
        .bind(shortfall_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
