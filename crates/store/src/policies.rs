//! Policies that find their firms (惠企政策): the policy library with its typed conditions (kept
//! as JSON of `domain::policy::Conditions`, read strictly), the registry facts the conditions
//! are evaluated on (with a prefilter in SQL where it is easy), and the pushes of a policy to
//! firms with their cashing (兑现). Each write is audited; the rules are `domain::policy`'s and
//! who may do what is decided in `workflow::policies`.

use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::policy::Conditions;
use serde::Serialize;
use serde_json::json;
use sqlx::{FromRow, Row};
use std::collections::HashMap;

/// A policy as the store keeps it, its conditions parsed.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: i64,
    pub region_code: String,
    pub title: String,
    pub issuer: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub benefit: String,
    pub amount_wan: Option<f64>,
    pub conditions: Conditions,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(FromRow)]
struct PolicyRow {
    id: i64,
    region_code: String,
    title: String,
    issuer: String,
    department_id: Option<i64>,
    department_name: Option<String>,
    valid_from: String,
    valid_to: Option<String>,
    benefit: String,
    amount_wan: Option<f64>,
    conditions: String,
    created_at: String,
    updated_at: String,
}

/// Reads stored conditions strictly: an unknown field, tag or scale is corrupt data.
pub fn conditions_from_json(stored: &str) -> Result<Conditions> {
    serde_json::from_str(stored).map_err(|e| StoreError::Corrupt {
        what: "policy conditions",
        column: "policies.conditions".into(),
        value: format!("{stored} ({e})"),
    })
}

impl TryFrom<PolicyRow> for Policy {
    type Error = StoreError;
    fn try_from(r: PolicyRow) -> Result<Self> {
        Ok(Policy {
            conditions: conditions_from_json(&r.conditions)?,
            id: r.id,
            region_code: r.region_code,
            title: r.title,
            issuer: r.issuer,
            department_id: r.department_id,
            department_name: r.department_name,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            benefit: r.benefit,
            amount_wan: r.amount_wan,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const POLICY_SELECT: &str = "SELECT p.id, p.region_code, p.title, p.issuer, p.department_id, \
    d.name AS department_name, p.valid_from, p.valid_to, p.benefit, p.amount_wan, p.conditions, \
    p.created_at, p.updated_at FROM policies p LEFT JOIN departments d ON d.id = p.department_id";

/// A policy's content as a form, an import or the API gives it (checked by the workflow).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPolicy {
    pub region_code: String,
    pub title: String,
    pub issuer: String,
    pub department_id: Option<i64>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub benefit: String,
    pub amount_wan: Option<f64>,
    pub conditions: Conditions,
}

/// A firm with the registry facts a policy's conditions look at.
#[derive(Debug, Clone, FromRow)]
pub struct PolicyFirm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub industry_code: Option<String>,
    pub scale_kind: String,
    pub above_scale: i64,
    pub tags: String,
    pub founded_on: Option<String>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
    pub service_manager_id: Option<i64>,
    #[sqlx(skip)]
    pub tracks: Vec<i64>,
}

/// What SQL can narrow before the domain decides: the towns and the scale.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    pub towns: Vec<i64>,
    pub above_scale: bool,
    /// One firm only (a firm's file).
    pub enterprise_id: Option<i64>,
}

/// A push of a policy to a firm, with its cashing.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Push {
    pub id: i64,
    pub policy_id: i64,
    pub policy_title: String,
    pub enterprise_id: i64,
    pub uscc: String,
    pub enterprise_name: String,
    pub town_id: Option<i64>,
    pub service_manager_id: Option<i64>,
    pub pushed_on: String,
    pub pushed_by_name: String,
    pub note: String,
    pub cashed_amount_wan: Option<f64>,
    pub cashed_on: Option<String>,
    pub cashed_by_name: Option<String>,
}

const PUSH_SELECT: &str = "SELECT pp.id, pp.policy_id, p.title AS policy_title, pp.enterprise_id, \
    e.uscc, e.name AS enterprise_name, e.town_id, e.service_manager_id, pp.pushed_on, \
    pp.pushed_by_name, pp.note, pp.cashed_amount_wan, pp.cashed_on, pp.cashed_by_name \
    FROM policy_pushes pp JOIN policies p ON p.id = pp.policy_id \
    JOIN enterprises e ON e.id = pp.enterprise_id";

fn conditions_json(c: &Conditions) -> Result<String> {
    serde_json::to_string(c).map_err(|e| StoreError::Invalid(format!("政策条件无法保存：{e}")))
}

fn unique_title(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict("已有同名政策".into())
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::Invalid("政策引用的部门不存在".into())
        }
        _ => e.into(),
    }
}

impl Store {
    /// The region's policies, newest validity first.
    pub async fn policies(&self, region: &str) -> Result<Vec<Policy>> {
        sqlx::query_as::<_, PolicyRow>(&format!(
            "{POLICY_SELECT} WHERE p.region_code = $1 ORDER BY p.valid_from DESC, p.id DESC"
        ))
        .bind(region)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(Policy::try_from)
        .collect()
    }

    pub async fn policy(&self, id: i64) -> Result<Option<Policy>> {
        sqlx::query_as::<_, PolicyRow>(&format!("{POLICY_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .map(Policy::try_from)
            .transpose()
    }

    /// The region's firms that pass the prefilter, with their tracks, by name.
    pub async fn policy_firms(&self, region: &str, pre: &Prefilter) -> Result<Vec<PolicyFirm>> {
        let mut sql = String::from(
            "SELECT e.id, e.uscc, e.name, e.town_id, tw.name AS town_name, e.industry_code, \
             e.scale_kind, e.above_scale, e.tags, e.founded_on, e.registered_capital_wan, \
             e.employees, e.service_manager_id FROM enterprises e \
             LEFT JOIN towns tw ON tw.id = e.town_id WHERE e.region_code = $1",
        );
        if !pre.towns.is_empty() {
            // Integers only: written as literals.
            let ids: Vec<String> = pre.towns.iter().map(i64::to_string).collect();
            sql.push_str(&format!(" AND e.town_id IN ({})", ids.join(", ")));
        }
        if pre.above_scale {
            sql.push_str(" AND e.above_scale = 1");
        }
        if let Some(id) = pre.enterprise_id {
            sql.push_str(&format!(" AND e.id = {id}"));
        }
        sql.push_str(" ORDER BY e.name, e.id");
        let mut firms = sqlx::query_as::<_, PolicyFirm>(&sql)
            .bind(region)
            .fetch_all(self.pool())
            .await?;
        let rows = sqlx::query(
            "SELECT et.enterprise_id, et.track_id FROM enterprise_tracks et \
             JOIN enterprises e ON e.id = et.enterprise_id WHERE e.region_code = $1 \
             UNION SELECT id, track_id FROM enterprises WHERE region_code = $1 AND track_id IS NOT NULL",
        )
        .bind(region)
        .fetch_all(self.pool())
        .await?;
        let mut tracks: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in rows {
            let e: i64 = r.try_get(0)?;
            let t: i64 = r.try_get(1)?;
            tracks.entry(e).or_default().push(t);
        }
        for f in &mut firms {
            if let Some(t) = tracks.remove(&f.id) {
                f.tracks = t;
            }
        }
        Ok(firms)
    }

    /// Pushes of one policy, or to one firm, newest first.
    pub async fn policy_pushes(
        &self,
        policy_id: Option<i64>,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<Push>> {
        Ok(sqlx::query_as::<_, Push>(&format!(
            "{PUSH_SELECT} WHERE ($1 = 0 OR pp.policy_id = $1) AND ($2 = 0 OR pp.enterprise_id = $2) \
             ORDER BY pp.pushed_on DESC, pp.id DESC"
        ))
        .bind(policy_id.unwrap_or(0))
        .bind(enterprise_id.unwrap_or(0))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn policy_push(&self, id: i64) -> Result<Option<Push>> {
        Ok(
            sqlx::query_as::<_, Push>(&format!("{PUSH_SELECT} WHERE pp.id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}

impl WriteTx {
    /// Stores a new policy.
    pub async fn insert_policy(&mut self, actor: &Actor, p: &NewPolicy) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO policies (region_code, title, issuer, department_id, valid_from, valid_to, benefit, \
             amount_wan, conditions, created_by_user, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(p.region_code.clone())
        .bind(p.title.clone())
        .bind(p.issuer.clone())
        .bind(p.department_id)
        .bind(p.valid_from.clone())
        .bind(p.valid_to.clone())
        .bind(p.benefit.clone())
        .bind(crate::nullable::opt_f64(p.amount_wan))
        .bind(conditions_json(&p.conditions)?)
        .bind(actor.user_id)
        .bind(at)
        .persistent(false)
        .fetch_one(self.conn())
        .await
        .map_err(unique_title)?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "policy",
                entity_id: id.to_string(),
                region_code: Some(p.region_code.clone()),
                summary: format!("新增惠企政策“{}”", p.title),
                before: None,
                after: Some(json!(p)),
            },
        )
        .await?;
        Ok(id)
    }

    /// Replaces a policy's content.
    pub async fn update_policy(
        &mut self,
        actor: &Actor,
        before: &Policy,
        p: &NewPolicy,
    ) -> Result<()> {
        let at = self.at.clone();
        sqlx::query(
            "UPDATE policies SET title = $1, issuer = $2, department_id = $3, valid_from = $4, valid_to = $5, \
             benefit = $6, amount_wan = $7, conditions = $8, updated_at = $9 WHERE id = $10",
        )
        .bind(p.title.clone())
        .bind(p.issuer.clone())
        .bind(p.department_id)
        .bind(p.valid_from.clone())
        .bind(p.valid_to.clone())
        .bind(p.benefit.clone())
        .bind(crate::nullable::opt_f64(p.amount_wan))
        .bind(conditions_json(&p.conditions)?)
        .bind(at)
        .bind(before.id)
        .persistent(false)
        .execute(self.conn())
        .await
        .map_err(unique_title)?;
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "policy",
                entity_id: before.id.to_string(),
                region_code: Some(before.region_code.clone()),
                summary: format!("修改惠企政策“{}”", p.title),
                before: Some(json!(before)),
                after: Some(json!(p)),
            },
        )
        .await?;
        Ok(())
    }

    /// Records that a policy was pushed to a firm (once per firm).
    pub async fn insert_policy_push(
        &mut self,
        actor: &Actor,
        policy: &Policy,
        firm: &PolicyFirm,
        on: &str,
        note: &str,
    ) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO policy_pushes (policy_id, enterprise_id, pushed_on, pushed_by_user, pushed_by_name, note, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(policy.id)
        .bind(firm.id)
        .bind(on.to_string())
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(note.to_string())
        .bind(at)
        .persistent(false)
        .fetch_one(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("政策已推送给{}", firm.name))
            }
            _ => e.into(),
        })?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "policy_push",
                entity_id: id.to_string(),
                region_code: Some(policy.region_code.clone()),
                summary: format!("向{}推送政策“{}”", firm.name, policy.title),
                before: None,
                after: Some(json!({ "policy_id": policy.id, "enterprise_id": firm.id, "pushed_on": on, "note": note })),
            },
        )
        .await?;
        Ok(id)
    }

    /// Records a push's cashing (兑现), once; the push row is locked first.
    pub async fn record_policy_cashing(
        &mut self,
        actor: &Actor,
        region: &str,
        push_id: i64,
        amount_wan: f64,
        on: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE policy_pushes SET cashed_amount_wan = $1, cashed_on = $2, cashed_by_name = $3, updated_at = $4 \
             WHERE id = $5 AND cashed_on IS NULL",
        )
        .bind(amount_wan)
        .bind(on.to_string())
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .bind(push_id)
        .persistent(false)
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict("该推送已记录兑现".into()));
        }
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "policy_push",
                entity_id: push_id.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("记录政策兑现 {amount_wan} 万元（{on}）"),
                before: None,
                after: Some(json!({ "cashed_amount_wan": amount_wan, "cashed_on": on })),
            },
        )
        .await?;
        Ok(())
    }
}
