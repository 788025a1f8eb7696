//! One product or need of one firm, entered by hand on 一企一档 (the imports carry a county's
//! lists; a service manager back from a visit has one item to record). The same checks as the
//! import, and the same upsert: the firm's item of the same name is changed, not doubled.

use super::facts;
use super::Result;
use crate::claim::Caller;
use crate::Error;
use domain::matching::{self, Keywords, MatchingError};
use store::matching::{NewOffer, OfferKind, Upserted};
use store::Store;

/// A product or need as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct RegisterOffer {
    pub uscc: String,
    pub name: String,
    /// GB/T 4754 four-digit class.
    pub industry_code: String,
    /// Separated by 、 , ; or spaces.
    pub keywords: String,
    /// Needs only: the yearly amount in 万元.
    pub amount_wan: String,
}

fn field(e: MatchingError) -> Error {
    Error::invalid_field(e.field, e.message)
}

/// Adds the firm's product or need, or changes its item of the same name. The office, or the
/// firm's own service manager; a firm the caller may not read is not found.
pub async fn register_offer(
    store: &Store,
    caller: Caller<'_>,
    kind: OfferKind,
    cmd: &RegisterOffer,
) -> Result<Upserted> {
    let not_found = || Error::NotFound(format!("企业 {}", cmd.uscc.trim()));
    let code = domain::Uscc::parse(&cmd.uscc).map_err(|_| not_found())?;
    let firm = store
        .firm_by_uscc(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    let firm_facts = facts(firm.town_id, firm.service_manager_id);
    if !caller.principal.can_read_enterprise(&firm_facts) {
        return Err(not_found());
    }
    if !matching::can_register_offer(caller.principal, &firm_facts) {
        return Err(Error::Forbidden(
            "企业的产品和外购需求由其服务经理人或经济运行办公室登记".into(),
        ));
    }
    let what = match kind {
        OfferKind::Product => "产品",
        OfferKind::Need => "需求",
    };
    let name = matching::parse_name(&cmd.name, what).map_err(field)?;
    let industry_code = matching::parse_class(&cmd.industry_code).map_err(field)?;
    let keywords = Keywords::parse(&cmd.keywords).map_err(field)?;
    let amount_yuan = match kind {
        OfferKind::Product => 0,
        OfferKind::Need => {
            matching::parse_amount(&cmd.amount_wan, "amount_wan", "年采购额")
                .map_err(field)?
                .0
        }
    };
    let mut tx = store.begin_write().await?;
    let done = tx
        .upsert_offer(
            caller.actor,
            kind,
            &firm.region_code,
            &NewOffer {
                enterprise_id: firm.id,
                enterprise_name: firm.name.clone(),
                name,
                industry_code,
                keywords: keywords.stored(),
                amount_yuan,
            },
        )
        .await?;
    tx.commit().await?;
    Ok(done)
}
