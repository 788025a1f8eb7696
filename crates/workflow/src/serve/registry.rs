//! The registry import: a county's or a province's firms from a .csv or .xlsx, checked in full
//! (every bad cell with its row and column), then upserted by USCC in one transaction — new
//! firms inserted in bulk, changed firms updated with one history row per changed field — or,
//! with any problem, nothing written.

use crate::Error;
use domain::enterprise::{self, Tag};
use io::firms::{FirmContext, FirmFile, FirmImportRow};
use io::{ImportErrors, ReadLimits, RowError};
use std::collections::HashMap;
use store::enterprises::{ExistingFirm, FieldChange, FirmRecord, FirmUpdate, FIELD_TRACKS};
use store::{Actor, Store};

/// Import a registry file.
#[derive(Debug, Clone)]
pub struct ImportFirms {
    pub region: String,
    /// The file's name (its extension chooses the reader; it is the history's source).
    pub file_name: String,
    pub limits: ReadLimits,
    /// `false` checks and counts only (a dry run).
    pub write: bool,
}

/// What a registry import did (or, as a dry run, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FirmImportSummary {
    pub rows: usize,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub changed_fields: usize,
    /// Whether this was a real import (not a dry run), even one that had nothing to change.
    pub written: bool,
    pub message: String,
}

/// The stage an import is in, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    Reading,
    Writing,
}

/// A legal form from the USCC's registration authority and kind (GB 32100-2015, positions 1–2).
pub fn legal_form_of(uscc: &domain::Uscc) -> &'static str {
    match &uscc.as_str()[..2] {
        "91" => "企业",
        "92" => "个体工商户",
        "93" => "农民专业合作社",
        "11" | "12" | "13" | "19" => "机关、事业单位",
        "51" | "52" | "53" | "59" => "社会组织",
        _ => "其他",
    }
}

fn tags_label(stored: &str) -> String {
    enterprise::tags_from_code(stored)
        .unwrap_or_default()
        .iter()
        .map(|t: &Tag| t.label())
        .collect::<Vec<_>>()
        .join("、")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// What changed between a stored record and the one the file gives, field by field.
fn changes(
    before: &FirmRecord,
    after: &FirmRecord,
    towns: &HashMap<i64, String>,
    tracks: &HashMap<i64, String>,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, b: String, a: String| {
        if b != a {
            out.push(FieldChange {
                field,
                before: b,
                after: a,
            });
        }
    };
    push("企业名称", before.name.clone(), after.name.clone());
    push(
        "企业类型",
        before.legal_form.clone(),
        after.legal_form.clone(),
    );
    push(
        "行业代码",
        opt(&before.industry_code),
        opt(&after.industry_code),
    );
    let town = |t: &Option<i64>| t.and_then(|id| towns.get(&id).cloned()).unwrap_or_default();
    push("镇街", town(&before.town_id), town(&after.town_id));
    push("成立日期", opt(&before.founded_on), opt(&after.founded_on));
    push(
        "注册资本（万元）",
        opt(&before.registered_capital_wan),
        opt(&after.registered_capital_wan),
    );
    push("从业人员", opt(&before.employees), opt(&after.employees));
    push("标签", tags_label(&before.tags), tags_label(&after.tags));
    let names = |ids: &[i64]| {
        ids.iter()
            .map(|id| tracks.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect::<Vec<_>>()
            .join("、")
    };
    push(
        FIELD_TRACKS,
        names(&before.track_ids),
        names(&after.track_ids),
    );
    out
}

/// Reads, checks and (unless a dry run) writes a registry file. `progress(stage, done, total)`
/// reports rows read and written (a total of 0 is not known yet).
pub async fn import_firms(
    store: &Store,
    actor: &Actor,
    cmd: &ImportFirms,
    bytes: Vec<u8>,
    progress: &mut (dyn FnMut(ImportStage, usize, usize) + Send),
) -> Result<FirmImportSummary, Error> {
    if store.region(&cmd.region).await?.is_none() {
        return Err(Error::UnknownRegion(cmd.region.clone()));
    }
    let town_rows = store.towns(&cmd.region).await?;
    let mut towns: HashMap<String, i64> = HashMap::new();
    let mut town_names: HashMap<i64, String> = HashMap::new();
    for t in &town_rows {
        towns.insert(t.name.clone(), t.id);
        towns.insert(t.code.clone(), t.id);
        town_names.insert(t.id, t.name.clone());
    }
    let track_names: HashMap<i64, String> = store
        .tracks(&cmd.region)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let today = domain::period::format_date(store.now().date());
    let ctx = FirmContext {
        towns: &towns,
        today: &today,
    };
    let file: FirmFile = io::firms::read_firms(
        &cmd.file_name,
        bytes,
        &cmd.limits,
        &ctx,
        &mut |done, total| progress(ImportStage::Reading, done, total),
    )?;
    let rules = store.track_rules(&cmd.region).await?;
    let usccs: Vec<&str> = file.rows.iter().map(|r| r.uscc.as_str()).collect();
    let names = Names {
        towns: &town_names,
        tracks: &track_names,
    };
    if !cmd.write {
        let existing = store.existing_firms(&usccs).await?;
        let plan = plan(cmd, &file, &existing, &rules, &names)?;
        return Ok(plan.summary(file.rows.len(), false));
    }
    // The file is compared with the registry inside the transaction that writes it, after any
    // other import has finished: what it records as "before" is what is stored.
    let mut tx = store.begin_write().await?;
    tx.lock_firm_imports().await?;
    let existing = tx.existing_firms(&usccs).await?;
    let plan = plan(cmd, &file, &existing, &rules, &names)?;
    // A file that changes nothing writes nothing, not even an audit entry.
    if plan.new.is_empty() && plan.updates.is_empty() {
        return Ok(plan.summary(file.rows.len(), true));
    }
    tx.import_firms(
        actor,
        &cmd.region,
        &cmd.file_name,
        &plan.new,
        &plan.updates,
        &mut |done, total| progress(ImportStage::Writing, done, total),
    )
    .await?;
    tx.commit().await?;
    Ok(plan.summary(file.rows.len(), true))
}

/// The region's towns and tracks by id, for the history's labels.
struct Names<'a> {
    towns: &'a HashMap<i64, String>,
    tracks: &'a HashMap<i64, String>,
}

/// What an import will write: new firms, changed firms with their changes, and a count of
/// those that stay as they are.
struct Plan {
    new: Vec<FirmRecord>,
    updates: Vec<FirmUpdate>,
    unchanged: usize,
}

impl Plan {
    fn summary(&self, rows: usize, written: bool) -> FirmImportSummary {
        let changed_fields = self.updates.iter().map(|u| u.changes.len()).sum();
        let (n_new, n_updated, unchanged) = (self.new.len(), self.updates.len(), self.unchanged);
        FirmImportSummary {
            rows,
            new: n_new,
            updated: n_updated,
            unchanged,
            changed_fields,
            written,
            message: format!(
                "企业名录 {rows} 家：新增 {n_new} 家，更新 {n_updated} 家（{changed_fields} 项变更），未变 {unchanged} 家"
            ),
        }
    }
}

/// Compares the file with the stored firms; a firm registered in another region is an error
/// of its row.
fn plan(
    cmd: &ImportFirms,
    file: &FirmFile,
    existing: &HashMap<String, ExistingFirm>,
    rules: &[enterprise::TrackRule],
    names: &Names,
) -> Result<Plan, Error> {
    let mut new = Vec::new();
    let mut updates = Vec::new();
    let mut unchanged = 0;
    let mut errors = Vec::new();
    for r in &file.rows {
        let old = existing.get(r.uscc.as_str());
        if let Some(old) = old {
            if old.region_code != cmd.region {
                errors.push(RowError {
                    file: cmd.file_name.clone(),
                    sheet: None,
                    row: r.row,
                    column: "uscc".into(),
                    reason: format!(
                        "统一社会信用代码 {} 已在其他地区（{}）登记",
                        r.uscc, old.region_code
                    ),
                });
                continue;
            }
        }
        let record = record_of(r, file, old.map(|o| &o.record), rules);
        match old {
            None => new.push(record),
            Some(old) => {
                let c = changes(&old.record, &record, names.towns, names.tracks);
                if c.is_empty() {
                    unchanged += 1;
                } else {
                    updates.push(FirmUpdate {
                        id: old.id,
                        old_name: old.record.name.clone(),
                        record,
                        changes: c,
                    });
                }
            }
        }
    }
    if !errors.is_empty() {
        errors.truncate(io::firms::MAX_REPORTED);
        return Err(Error::Rejected(ImportErrors(errors)));
    }
    Ok(Plan {
        new,
        updates,
        unchanged,
    })
}

/// The record a row gives; a column the file lacks keeps what is stored.
fn record_of(
    r: &FirmImportRow,
    file: &FirmFile,
    old: Option<&FirmRecord>,
    rules: &[enterprise::TrackRule],
) -> FirmRecord {
    let keep = |col: &str| !file.has(col) && old.is_some();
    let industry_code = if keep("industry_code") {
        old.and_then(|o| o.industry_code.clone())
    } else {
        r.industry_code.map(str::to_string)
    };
    let scale_kind = industry_code
        .as_deref()
        .and_then(|c| domain::industry::class(c).ok())
        .and_then(|c| enterprise::scale_line(&c))
        .map(|l| l.kind.code().to_string())
        .unwrap_or_default();
    let legal_form = if !r.legal_form.is_empty() {
        r.legal_form.clone()
    } else if let Some(o) = old {
        o.legal_form.clone()
    } else {
        legal_form_of(&r.uscc).to_string()
    };
    let track_ids = enterprise::tracks_for(rules, industry_code.as_deref(), &r.name);
    FirmRecord {
        uscc: r.uscc.to_string(),
        name: r.name.clone(),
        legal_form,
        scale_kind,
        town_id: if keep("town") {
            old.and_then(|o| o.town_id)
        } else {
            r.town_id
        },
        founded_on: if keep("founded_on") {
            old.and_then(|o| o.founded_on.clone())
        } else {
            r.founded_on.clone()
        },
        registered_capital_wan: if keep("registered_capital") {
            old.and_then(|o| o.registered_capital_wan)
        } else {
            r.registered_capital_wan
        },
        employees: if keep("employees") {
            old.and_then(|o| o.employees)
        } else {
            r.employees
        },
        tags: if keep("tags") {
            old.map(|o| o.tags.clone()).unwrap_or_default()
        } else {
            enterprise::tags_code(&r.tags)
        },
        industry_code,
        track_ids,
    }
}
