//! The `.xlsx` (or `.csv`) import of policies: one row per policy, the conditions in readable
//! Chinese columns (the same words the form takes). All or nothing: every row is checked first
//! and any error, with its row and column, refuses the whole file.

use super::{checked, ConditionSource, Draft, Lexicon};
use crate::claim::{Caller, Ref};
use crate::Error;
use domain::policy::{ConditionInput, INPUT_FIELDS};
use io::{Cell, ImportErrors, RowError};
use store::Store;

/// The columns of a policy workbook: the policy's own, then the conditions'.
pub const IMPORT_HEADERS: [&str; 7] = [
    "政策名称",
    "发文单位",
    "有效期起",
    "有效期止",
    "扶持内容",
    "扶持金额（万元）",
    "所属部门",
];

fn heading_of(field: &str) -> String {
    match field {
        "title" => "政策名称",
        "issuer" => "发文单位",
        "valid_from" => "有效期起",
        "valid_to" => "有效期止",
        "benefit" => "扶持内容",
        "amount_wan" => "扶持金额（万元）",
        "department" => "所属部门",
        other => INPUT_FIELDS
            .iter()
            .find(|(f, _)| *f == other)
            .map(|(_, h)| *h)
            .unwrap_or(""),
    }
    .to_string()
}

fn cell_text(c: &Cell, date_column: bool) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number { value, .. } if date_column => {
            io::firms::excel_day(*value).unwrap_or_else(|| format!("{value}"))
        }
        Cell::Number { value, .. } if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Cell::Number { value, .. } => format!("{value}"),
    }
}

/// Reads and checks a policy workbook and, when every row is valid, stores all its policies in
/// one transaction. Office only. Returns how many policies were added.
pub async fn import_policies(
    store: &Store,
    caller: Caller<'_>,
    region: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<usize, Error> {
    crate::claim::require_office(caller.principal)?;
    if store.region(region).await?.is_none() {
        return Err(Error::UnknownRegion(region.to_string()));
    }
    let table = io::table::read_bytes(file_name, bytes)?;
    let error = |row: usize, column: String, reason: String| RowError {
        file: file_name.to_string(),
        sheet: table.sheet.clone(),
        row,
        column,
        reason,
    };
    let col = |h: &str| table.headers.iter().position(|x| x.trim() == h);
    let mut errors = Vec::new();
    for required in ["政策名称", "发文单位", "有效期起", "扶持内容"] {
        if col(required).is_none() {
            errors.push(error(1, required.into(), "缺少该列".into()));
        }
    }
    let known: Vec<String> = IMPORT_HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(INPUT_FIELDS.iter().map(|(_, h)| h.to_string()))
        .collect();
    for h in &table.headers {
        if !h.trim().is_empty() && !known.iter().any(|k| k == h.trim()) {
            errors.push(error(1, h.clone(), "未知的列".into()));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Rejected(ImportErrors(errors)));
    }
    let lex = Lexicon::load(store, region).await?;
    let existing: Vec<String> = store
        .policies(region)
        .await?
        .into_iter()
        .map(|p| p.title)
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut policies = Vec::new();
    for row in &table.rows {
        let get = |h: &str| {
            col(h)
                .and_then(|i| row.cells.get(i))
                .map(|c| cell_text(c, h.starts_with("有效期") || h.starts_with("成立日期")))
                .unwrap_or_default()
        };
        let mut words = ConditionInput::default();
        for (field, heading) in INPUT_FIELDS {
            let v = get(heading);
            match field {
                "industry" => words.industry = v,
                "tracks" => words.tracks = v,
                "scale" => words.scale = v,
                "tags" => words.tags = v,
                "towns" => words.towns = v,
                "founded_from" => words.founded_from = v,
                "founded_to" => words.founded_to = v,
                "capital_min" => words.capital_min = v,
                "capital_max" => words.capital_max = v,
                "employees_min" => words.employees_min = v,
                "employees_max" => words.employees_max = v,
                _ => words.revenue = v,
            }
        }
        let department = get("所属部门");
        let draft = Draft {
            region: region.to_string(),
            title: get("政策名称"),
            issuer: get("发文单位"),
            department: (!department.is_empty()).then(|| Ref::Code(department.clone())),
            valid_from: get("有效期起"),
            valid_to: get("有效期止"),
            benefit: get("扶持内容"),
            amount_wan: get("扶持金额（万元）"),
            conditions: ConditionSource::Words(words),
        };
        let draft = match find_department_by_name(store, region, &department).await? {
            Some(id) => Draft {
                department: Some(Ref::Id(id)),
                ..draft
            },
            None => draft,
        };
        match checked(store, caller.principal, &lex, &draft).await {
            Ok(p) => {
                if existing.contains(&p.title) || seen.contains(&p.title) {
                    errors.push(error(
                        row.number,
                        "政策名称".into(),
                        format!("已有同名政策“{}”", p.title),
                    ));
                } else {
                    seen.push(p.title.clone());
                    policies.push(p);
                }
            }
            Err(Error::Invalid { detail, field }) => errors.push(error(
                row.number,
                heading_of(field.as_deref().unwrap_or("")),
                detail,
            )),
            Err(Error::NotFound(what)) => errors.push(error(
                row.number,
                "所属部门".into(),
                format!("{what}不存在"),
            )),
            Err(e) => return Err(e),
        }
    }
    if policies.is_empty() && errors.is_empty() {
        errors.push(error(0, String::new(), "文件中没有政策".into()));
    }
    if !errors.is_empty() {
        errors.truncate(200);
        return Err(Error::Rejected(ImportErrors(errors)));
    }
    let mut tx = store.begin_write().await?;
    for p in &policies {
        tx.insert_policy(caller.actor, p).await?;
    }
    tx.commit().await?;
    Ok(policies.len())
}

/// A department named by its Chinese name (a workbook's 所属部门), if one has it.
async fn find_department_by_name(
    store: &Store,
    region: &str,
    name: &str,
) -> Result<Option<i64>, Error> {
    if name.is_empty() {
        return Ok(None);
    }
    Ok(store
        .departments(region)
        .await?
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.id))
}
