//! Setting firms' scale flag and sample mark by USCC, many at a time: the registry import does
//! not carry them (the scale flag follows the bureau's list, the mark only invented data), so a
//! region's 规上 list or the demo's invented firms set them after an import.

use crate::{Actor, AuditEntry, Result, WriteTx};

/// Firms updated per statement.
const PER_STATEMENT: usize = 500;

impl WriteTx {
    /// Sets `above_scale` and `is_sample` of the region's firms with these USCCs; returns how
    /// many rows changed. One audit entry for the whole list.
    pub async fn set_firm_flags(
        &mut self,
        actor: &Actor,
        region: &str,
        usccs: &[String],
        above_scale: bool,
        is_sample: bool,
    ) -> Result<u64> {
        let mut changed = 0;
        for chunk in usccs.chunks(PER_STATEMENT) {
            let mut sql = String::from(
                "UPDATE enterprises SET above_scale = $1, is_sample = $2, updated_at = $3 \
                 WHERE region_code = $4 AND uscc IN (",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i + 5));
            }
            sql.push(')');
            let mut q = sqlx::query(&sql)
                .bind(crate::flag(above_scale))
                .bind(crate::flag(is_sample))
                .bind(self.at.clone())
                .bind(region.to_string());
            for u in chunk {
                q = q.bind(u.clone());
            }
            changed += q
                .persistent(false)
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "enterprise",
                entity_id: region.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "设定 {changed} 家企业为{}{}",
                    if above_scale {
                        "规模（限额）以上"
                    } else {
                        "规模（限额）以下"
                    },
                    if is_sample { "（示例数据）" } else { "" }
                ),
                before: None,
                after: Some(serde_json::json!({
                    "above_scale": above_scale,
                    "is_sample": is_sample,
                    "firms": usccs.len(),
                })),
            },
        )
        .await?;
        Ok(changed)
    }
}
