//! The imported years of the official working-day calendar (`domain::calendar`). The program
//! ships the years it knows; this table holds the ones operators import later, each replacing
//! that year's shipped arrangement as a whole.

use crate::{decode, Actor, AuditEntry, Result, Store, WriteTx};
use domain::calendar::{CalendarDay, DayKind};
use domain::period::{format_date, parse_date};
use domain::Coded;
use serde_json::json;
use std::collections::BTreeSet;

impl Store {
    /// Every imported day, in date order (a stored day that does not parse is corrupt).
    pub async fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(day, kind, name)| {
                let date = parse_date(&day).map_err(|_| crate::StoreError::Corrupt {
                    what: "calendar day",
                    column: "calendar_days.day".to_string(),
                    value: day.clone(),
                })?;
                let kind: DayKind = decode("calendar_days.kind", &kind)?;
                Ok(CalendarDay { date, kind, name })
            })
            .collect()
    }
}

impl WriteTx {
    /// Replaces the imported arrangement of every year present in `days` by `days`.
    pub async fn replace_calendar_years(
        &mut self,
        actor: &Actor,
        days: &[CalendarDay],
    ) -> Result<()> {
        let years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        for year in &years {
            sqlx::query("DELETE FROM calendar_days WHERE year = $1")
                .bind(i64::from(*year))
                .execute(self.conn())
                .await?;
        }
        let at = self.at.clone();
        for day in days {
            sqlx::query(
                "INSERT INTO calendar_days (day, year, kind, name, imported_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(format_date(day.date))
            .bind(i64::from(day.date.year()))
            .bind(day.kind.as_code())
            .bind(day.name.clone())
            .bind(at.clone())
            .execute(self.conn())
            .await?;
        }
        let years: Vec<i32> = years.into_iter().collect();
        self.audit(
            actor,
            AuditEntry {
                action: "import",
                entity: "calendar",
                entity_id: years
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                region_code: None,
                summary: format!(
                    "导入 {} 年节假日安排（{} 天）",
                    years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join("、"),
                    days.len()
                ),
                before: None,
                after: Some(json!({ "years": years, "days": days.len() })),
            },
        )
        .await
    }
}
