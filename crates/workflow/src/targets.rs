//! The targets step (目标): reading a target with the caller's right to change it, creating a
//! target, changing its value and recording an actual. Pages and the JSON API build the same
//! commands (from a form or from JSON) and call these functions, so the access rule and the
//! validation live here once; the rules themselves (years, units, scopes) are in `domain`.

use crate::Error;
use domain::target::check_target_year;
use domain::{Principal, Quantity, Scope, ScopeKind, TargetKind, Unit};
use store::targets::{NewActual, NewTarget, TargetRow};
use store::{Actor, Store};

/// A target as the caller may see it, and whether they may change it.
#[derive(Debug, Clone)]
pub struct ReadableTarget {
    pub row: TargetRow,
    pub can_write: bool,
}

/// Loads target `id` with its actual as of `as_of` (ISO date), if the principal may read its
/// scope. Another scope's target is not acknowledged to exist: `NotFound`, not `Forbidden`.
pub async fn read_target(
    store: &Store,
    principal: &Principal,
    id: i64,
    as_of: &str,
) -> Result<ReadableTarget, Error> {
    let not_found = || Error::NotFound(format!("目标 {id}"));
    let row = store.target(id, as_of).await?.ok_or_else(not_found)?;
    let scope = row.scope();
    if !principal.can_read(scope) {
        return Err(not_found());
    }
    let facts = match (scope.kind, scope.id) {
        (ScopeKind::Track, Some(track)) => store.track_facts(track).await?,
        _ => None,
    };
    let can_write = principal.can_write(scope, facts.as_ref());
    Ok(ReadableTarget { row, can_write })
}

/// The target, as of today, if the principal may change it: `NotFound` outside the scopes it
/// may read, `Forbidden` where it may read but not write.
pub async fn writable_target(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<TargetRow, Error> {
    let today = domain::period::format_date(store.now().date());
    let t = read_target(store, principal, id, &today).await?;
    if !t.can_write {
        return Err(Error::Forbidden("您无权修改该目标".into()));
    }
    Ok(t.row)
}

/// Reads what a person typed (or the API sent) as a value in the target's unit. A value that
/// is well formed for another unit is an invalid `value` field.
fn value_in_unit(text: &str, unit: Unit) -> Result<Quantity, Error> {
    Quantity::parse(text, unit).map_err(|e| Error::invalid_field("value", e.to_string()))
}

/// A value in the target's unit within the plausible range of that unit (`domain::bounds`).
fn plausible_value(text: &str, unit: Unit, label: &str) -> Result<Quantity, Error> {
    Ok(domain::bounds::quantity(
        "value",
        label,
        value_in_unit(text, unit)?,
    )?)
}

/// Record an actual value (填报完成值) of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordActual {
    pub target_id: i64,
    /// The value as typed, read in the target's unit: "16", "800亿元", "5.6%".
    pub value: String,
    pub as_of: time::Date,
    pub source: String,
    pub note: String,
}

/// What a recorded actual became.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedActual {
    pub id: i64,
    pub value: Quantity,
    pub as_of: String,
}

pub async fn record_actual(
    store: &Store,
    principal: &Principal,
    actor: &Actor,
    cmd: RecordActual,
) -> Result<RecordedActual, Error> {
    let row = writable_target(store, principal, cmd.target_id).await?;
    // An indicator-linked target takes its actual from the imported statistics only.
    crate::figures::check_actual_entry(store, &row).await?;
    let value = plausible_value(&cmd.value, row.unit(), "累计完成")?;
    let new = NewActual {
        target_id: row.id,
        value: value.raw,
        as_of: domain::period::format_date(cmd.as_of),
        source: cmd.source,
        note: cmd.note,
    };
    let mut tx = store.begin_write().await?;
    let id = tx.record_actual(actor, &new).await?;
    tx.commit().await?;
    Ok(RecordedActual {
        id,
        value,
        as_of: new.as_of,
    })
}

/// Change a target's value (调整目标), with the reason kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateTargetValue {
    pub target_id: i64,
    /// The new value as typed, read in the target's unit.
    pub value: String,
    pub reason: String,
}

pub async fn update_target_value(
    store: &Store,
    principal: &Principal,
    actor: &Actor,
    cmd: UpdateTargetValue,
) -> Result<Quantity, Error> {
    let row = writable_target(store, principal, cmd.target_id).await?;
    let value = plausible_value(&cmd.value, row.unit(), "全年目标")?;
    let mut tx = store.begin_write().await?;
    tx.update_target_value(actor, row.id, value.raw, &cmd.reason)
        .await?;
    tx.commit().await?;
    Ok(value)
}

/// Where a new target applies, by code: the city, or a tier, track, town, department or
/// programme of the region named by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRef {
    City,
    Of { kind: ScopeKind, code: String },
}

impl ScopeRef {
    /// Reads "city" or "tier:<code>", "track:<code>", … (the kind's exact code).
    pub fn parse(text: &str) -> Option<Self> {
        if text == "city" {
            return Some(ScopeRef::City);
        }
        let (kind, code) = text.split_once(':')?;
        let kind = ScopeKind::parse(kind).filter(|k| *k != ScopeKind::City && k.code() == kind)?;
        Some(ScopeRef::Of {
            kind,
            code: code.to_string(),
        })
    }
}

/// Create a target (设定目标) in a region's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTarget {
    pub region_code: String,
    pub year: i32,
    pub code: String,
    pub metric: String,
    pub name: String,
    pub unit: Unit,
    pub kind: TargetKind,
    /// The value as typed, read in `unit`.
    pub value: String,
    pub scope: ScopeRef,
    /// The code of the target it breaks down, in the same year.
    pub parent: Option<String>,
    pub source: String,
}

/// The id of the thing a scope reference names in the region.
async fn resolve_scope(store: &Store, region: &str, scope: &ScopeRef) -> Result<Scope, Error> {
    let (kind, code) = match scope {
        ScopeRef::City => return Ok(Scope::city()),
        ScopeRef::Of { kind, code } => (*kind, code.as_str()),
    };
    let id = match kind {
        ScopeKind::City => None,
        ScopeKind::Tier => store
            .tiers(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Track => store
            .tracks(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Town => store
            .towns(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Department => store
            .departments(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
        ScopeKind::Programme => store
            .programmes(region)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .map(|t| t.id),
    };
    let id = id.ok_or_else(|| {
        Error::NotFound(format!("地区 {region} 代码为“{code}”的{}", kind.label()))
    })?;
    Ok(Scope::of(kind, id))
}

/// Creates the target; returns its id.
pub async fn create_target(
    store: &Store,
    principal: &Principal,
    actor: &Actor,
    cmd: CreateTarget,
) -> Result<i64, Error> {
    let year =
        check_target_year(cmd.year).map_err(|e| Error::invalid_field("year", e.to_string()))?;
    domain::bounds::year("year", "年度", year, store.now().date())?;
    let value = plausible_value(&cmd.value, cmd.unit, "目标值")?;
    let scope = resolve_scope(store, &cmd.region_code, &cmd.scope).await?;
    let facts = match (scope.kind, scope.id) {
        (ScopeKind::Track, Some(id)) => store.track_facts(id).await?,
        _ => None,
    };
    if !principal.can_write(scope, facts.as_ref()) {
        return Err(Error::Forbidden("您无权在该范围设定目标".into()));
    }
    let parent_id = match &cmd.parent {
        Some(p) => Some(
            store
                .target_by_code(&cmd.region_code, year, p)
                .await?
                .ok_or_else(|| Error::NotFound(format!("{year} 年代码为“{p}”的上级目标")))?,
        ),
        None => None,
    };
    let mut tx = store.begin_write().await?;
    let id = tx
        .insert_target(
            actor,
            &NewTarget {
                region_code: cmd.region_code,
                year,
                code: cmd.code,
                metric: cmd.metric,
                name: cmd.name,
                unit: cmd.unit,
                kind: cmd.kind,
                value: value.raw,
                scope,
                parent_id,
                source: cmd.source,
                is_sample: false,
            },
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_references_are_read_exactly() {
        assert_eq!(ScopeRef::parse("city"), Some(ScopeRef::City));
        assert_eq!(
            ScopeRef::parse("town:jiaoxi"),
            Some(ScopeRef::Of {
                kind: ScopeKind::Town,
                code: "jiaoxi".into()
            })
        );
        assert_eq!(ScopeRef::parse("city:x"), None, "the city has no code");
        assert_eq!(ScopeRef::parse("province:x"), None);
        assert_eq!(ScopeRef::parse(" town:x"), None);
        assert_eq!(ScopeRef::parse("town"), None);
    }

    #[test]
    fn a_value_in_another_unit_is_an_invalid_value_field() {
        assert!(matches!(
            value_in_unit("800亿元", Unit::Count),
            Err(Error::Invalid { field: Some(f), .. }) if f == "value"
        ));
        assert_eq!(
            value_in_unit("16", Unit::Firms).map(|q| q.raw).ok(),
            Some(16)
        );
    }
}
