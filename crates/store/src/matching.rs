//! Supply–demand matching (供需对接): firms' products and needs, and the introductions of a need
//! to a local supplier with their deal (成交额). Reads join the firm's name, town and service
//! manager, which the workflow's scope rules look at; every write is audited. Amounts are whole
//! yuan (`domain::Yuan`). Which supplier fits a need is `domain::matching`'s; who may write is
//! decided in `workflow::matching`.

use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

/// A product (what a firm sells) or a need (what it buys from outside the county), with its firm.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct OfferRow {
    pub id: i64,
    pub region_code: String,
    pub enterprise_id: i64,
    pub uscc: String,
    pub enterprise_name: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub service_manager_id: Option<i64>,
    pub is_sample: i64,
    pub name: String,
    pub industry_code: String,
    pub keywords: String,
    /// Needs only: yuan per year (0 for products).
    pub amount_yuan: i64,
    pub updated_at: String,
}

/// Which table an offer lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    Product,
    Need,
}

impl OfferKind {
    fn table(self) -> &'static str {
        match self {
            OfferKind::Product => "firm_products",
            OfferKind::Need => "firm_needs",
        }
    }
    fn amount(self) -> &'static str {
        match self {
            OfferKind::Product => "CAST(0 AS BIGINT)",
            OfferKind::Need => "o.amount_yuan",
        }
    }
    fn entity(self) -> &'static str {
        match self {
            OfferKind::Product => "firm_product",
            OfferKind::Need => "firm_need",
        }
    }
    fn label(self) -> &'static str {
        match self {
            OfferKind::Product => "产品",
            OfferKind::Need => "外购需求",
        }
    }
}

fn offer_select(kind: OfferKind) -> String {
    format!(
        "SELECT o.id, o.region_code, o.enterprise_id, e.uscc, e.name AS enterprise_name, e.town_id, \
         tw.name AS town_name, e.service_manager_id, e.is_sample, o.name, o.industry_code, o.keywords, \
         {} AS amount_yuan, o.updated_at FROM {} o JOIN enterprises e ON e.id = o.enterprise_id \
         LEFT JOIN towns tw ON tw.id = e.town_id",
        kind.amount(),
        kind.table()
    )
}

/// A product or need as an import or a form gives it, checked by the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOffer {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub name: String,
    pub industry_code: String,
    pub keywords: String,
    /// Needs only (yuan per year).
    pub amount_yuan: i64,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Added,
    Changed,
    Unchanged,
}

/// An introduction (对接) of a need to a supplier, with its deal.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Introduction {
    pub id: i64,
    pub region_code: String,
    pub need_id: i64,
    pub need_name: String,
    pub need_industry_code: String,
    pub need_amount_yuan: i64,
    pub need_firm_id: i64,
    pub need_uscc: String,
    pub need_firm_name: String,
    pub need_town_id: Option<i64>,
    pub need_manager_id: Option<i64>,
    pub supplier_id: i64,
    pub supplier_uscc: String,
    pub supplier_name: String,
    pub supplier_town_id: Option<i64>,
    pub introduced_on: String,
    pub introduced_by_name: String,
    pub note: String,
    pub deal_amount_yuan: Option<i64>,
    pub deal_on: Option<String>,
    pub deal_by_name: Option<String>,
}

const INTRO_SELECT: &str = "SELECT i.id, i.region_code, i.need_id, n.name AS need_name, \
    n.industry_code AS need_industry_code, n.amount_yuan AS need_amount_yuan, \
    n.enterprise_id AS need_firm_id, ne.uscc AS need_uscc, ne.name AS need_firm_name, \
    ne.town_id AS need_town_id, ne.service_manager_id AS need_manager_id, i.supplier_id, \
    se.uscc AS supplier_uscc, se.name AS supplier_name, se.town_id AS supplier_town_id, \
    i.introduced_on, i.introduced_by_name, i.note, i.deal_amount_yuan, i.deal_on, i.deal_by_name \
    FROM introductions i JOIN firm_needs n ON n.id = i.need_id \
    JOIN enterprises ne ON ne.id = n.enterprise_id JOIN enterprises se ON se.id = i.supplier_id";

impl Store {
    /// The region's products or needs, by firm name and item name.
    pub async fn offers(&self, kind: OfferKind, region: &str) -> Result<Vec<OfferRow>> {
        Ok(sqlx::query_as::<_, OfferRow>(&format!(
            "{} WHERE o.region_code = $1 ORDER BY e.name, e.id, o.name, o.id",
            offer_select(kind)
        ))
        .bind(region)
        .fetch_all(self.pool())
        .await?)
    }

    /// One firm's products or needs, by name.
    pub async fn firm_offers(&self, kind: OfferKind, enterprise_id: i64) -> Result<Vec<OfferRow>> {
        Ok(sqlx::query_as::<_, OfferRow>(&format!(
            "{} WHERE o.enterprise_id = $1 ORDER BY o.name, o.id",
            offer_select(kind)
        ))
        .bind(enterprise_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn need(&self, id: i64) -> Result<Option<OfferRow>> {
        Ok(sqlx::query_as::<_, OfferRow>(&format!(
            "{} WHERE o.id = $1",
            offer_select(OfferKind::Need)
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The region's introductions, newest first; or one need's.
    pub async fn introductions(
        &self,
        region: &str,
        need_id: Option<i64>,
    ) -> Result<Vec<Introduction>> {
        Ok(sqlx::query_as::<_, Introduction>(&format!(
            "{INTRO_SELECT} WHERE i.region_code = $1 AND ($2 = 0 OR i.need_id = $2) \
             ORDER BY i.introduced_on DESC, i.id DESC"
        ))
        .bind(region)
        .bind(need_id.unwrap_or(0))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn introduction(&self, id: i64) -> Result<Option<Introduction>> {
        Ok(
            sqlx::query_as::<_, Introduction>(&format!("{INTRO_SELECT} WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}

impl WriteTx {
    /// Adds a product or need, or replaces the class, keywords and amount of the firm's item of
    /// the same name; audited with what it was before.
    pub async fn upsert_offer(
        &mut self,
        actor: &Actor,
        kind: OfferKind,
        region: &str,
        o: &NewOffer,
    ) -> Result<Upserted> {
        let before: Option<(i64, String, String, i64)> = sqlx::query_as(&format!(
            "SELECT id, industry_code, keywords, {} FROM {} WHERE enterprise_id = $1 AND name = $2{}",
            match kind {
                OfferKind::Product => "CAST(0 AS BIGINT)",
                OfferKind::Need => "amount_yuan",
            },
            kind.table(),
            self.for_update()
        ))
        .bind(o.enterprise_id)
        .bind(o.name.clone())
        .persistent(false)
        .fetch_optional(self.conn())
        .await?;
        let at = self.at.clone();
        let (id, action, result, before_json) = match before {
            Some((_, class, keywords, amount))
                if class == o.industry_code
                    && keywords == o.keywords
                    && amount == o.amount_yuan =>
            {
                return Ok(Upserted::Unchanged);
            }
            Some((id, class, keywords, amount)) => {
                let sql = match kind {
                    OfferKind::Product => format!(
                        "UPDATE {} SET industry_code = $1, keywords = $2, updated_at = $3 WHERE id = $4",
                        kind.table()
                    ),
                    OfferKind::Need => format!(
                        "UPDATE {} SET industry_code = $1, keywords = $2, updated_at = $3, \
                         amount_yuan = $4 WHERE id = $5",
                        kind.table()
                    ),
                };
                let mut q = sqlx::query(&sql)
                    .bind(o.industry_code.clone())
                    .bind(o.keywords.clone())
                    .bind(at);
                if kind == OfferKind::Need {
                    q = q.bind(o.amount_yuan);
                }
                q.bind(id).persistent(false).execute(self.conn()).await?;
                (
                    id,
                    "update",
                    Upserted::Changed,
                    Some(
                        json!({ "industry_code": class, "keywords": keywords, "amount_yuan": amount }),
                    ),
                )
            }
            None => {
                let sql = match kind {
                    OfferKind::Product => format!(
                        "INSERT INTO {} (region_code, enterprise_id, name, industry_code, keywords, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                        kind.table()
                    ),
                    OfferKind::Need => format!(
                        "INSERT INTO {} (region_code, enterprise_id, name, industry_code, keywords, \
                         amount_yuan, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                         RETURNING id",
                        kind.table()
                    ),
                };
                let mut q = sqlx::query_scalar::<_, i64>(&sql)
                    .bind(region.to_string())
                    .bind(o.enterprise_id)
                    .bind(o.name.clone())
                    .bind(o.industry_code.clone())
                    .bind(o.keywords.clone());
                if kind == OfferKind::Need {
                    q = q.bind(o.amount_yuan);
                }
                let id: i64 = q
                    .bind(at)
                    .persistent(false)
                    .fetch_one(self.conn())
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            StoreError::Invalid(format!("企业 {} 不存在", o.enterprise_name))
                        }
                        // Another transaction added the same item after this one looked (the
                        // row lock cannot cover a row that did not exist yet).
                        _ => StoreError::unique(e, || {
                            format!(
                                "{}的{}“{}”刚由他人登记，请刷新后再试",
                                o.enterprise_name,
                                kind.label(),
                                o.name
                            )
                        }),
                    })?;
                (id, "create", Upserted::Added, None)
            }
        };
        self.audit(
            actor,
            AuditEntry {
                action,
                entity: kind.entity(),
                entity_id: id.to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "{}{}{}“{}”",
                    if action == "create" {
                        "登记"
                    } else {
                        "修改"
                    },
                    o.enterprise_name,
                    kind.label(),
                    o.name
                ),
                before: before_json,
                after: Some(json!(o)),
            },
        )
        .await?;
        Ok(result)
    }

    /// Records that a need was introduced to a supplier. Two identical introductions make one:
    /// the second (even at the same moment) finds the first and returns its id with `false`.
    pub async fn insert_introduction(
        &mut self,
        actor: &Actor,
        need: &OfferRow,
        supplier: (i64, &str),
        on: &str,
        note: &str,
    ) -> Result<(i64, bool)> {
        let at = self.at.clone();
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO introductions (region_code, need_id, supplier_id, introduced_on, introduced_by_user, \
             introduced_by_name, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (need_id, supplier_id) DO NOTHING RETURNING id",
        )
        .bind(need.region_code.clone())
        .bind(need.id)
        .bind(supplier.0)
        .bind(on.to_string())
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(note.to_string())
        .bind(at)
        .persistent(false)
        .fetch_optional(self.conn())
        .await?;
        let Some(id) = inserted else {
            let id: i64 = sqlx::query_scalar(
                "SELECT id FROM introductions WHERE need_id = $1 AND supplier_id = $2",
            )
            .bind(need.id)
            .bind(supplier.0)
            .persistent(false)
            .fetch_one(self.conn())
            .await?;
            return Ok((id, false));
        };
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "introduction",
                entity_id: id.to_string(),
                region_code: Some(need.region_code.clone()),
                summary: format!(
                    "将{}的外购需求“{}”对接给{}",
                    need.enterprise_name, need.name, supplier.1
                ),
                before: None,
                after: Some(json!({
                    "need_id": need.id,
                    "supplier_id": supplier.0,
                    "introduced_on": on,
                    "note": note,
                })),
            },
        )
        .await?;
        Ok((id, true))
    }

    /// Records an introduction's deal (成交额), once.
    pub async fn record_deal(
        &mut self,
        actor: &Actor,
        intro: &Introduction,
        amount_yuan: i64,
        amount_text: &str,
        on: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE introductions SET deal_amount_yuan = $1, deal_on = $2, deal_by_name = $3, updated_at = $4 \
             WHERE id = $5 AND deal_on IS NULL",
        )
        .bind(amount_yuan)
        .bind(on.to_string())
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .bind(intro.id)
        .persistent(false)
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict("该对接已记录成交".into()));
        }
        self.audit(
            actor,
            AuditEntry {
                action: "update",
                entity: "introduction",
                entity_id: intro.id.to_string(),
                region_code: Some(intro.region_code.clone()),
                summary: format!(
                    "记录{}与{}成交 {amount_text} 万元（{on}）",
                    intro.need_firm_name, intro.supplier_name
                ),
                before: None,
                after: Some(json!({ "deal_amount_yuan": amount_yuan, "deal_on": on })),
            },
        )
        .await?;
        Ok(())
    }
}
