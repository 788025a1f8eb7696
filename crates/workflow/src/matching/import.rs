//! The `.xlsx` (or `.csv`, UTF-8 or GBK) import of firms' products and needs: one row per item,
//! the firm named by its USCC in the region's registry. Chinese headers (or the English field
//! names) are accepted. All or nothing: every row is checked first, and any error, with its row
//! and column, refuses the whole file; a dry run checks only. A firm's item of the same name is
//! updated, and the change is audited with what it was.

use std::collections::{HashMap, HashSet};

use crate::claim::Caller;
use crate::Error;
use domain::matching::{self, Keywords};
use io::{Cell, ImportErrors, RowError};
use store::matching::{NewOffer, OfferKind, Upserted};
use store::Store;

/// The columns of a products workbook: (heading, English name, required).
pub const PRODUCT_HEADERS: [(&str, &str, bool); 5] = [
    ("统一社会信用代码", "uscc", true),
    ("企业名称", "enterprise", false),
    ("产品名称", "name", true),
    ("行业代码", "industry_code", true),
    ("关键词", "keywords", false),
];

/// The columns of a needs workbook.
pub const NEED_HEADERS: [(&str, &str, bool); 6] = [
    ("统一社会信用代码", "uscc", true),
    ("企业名称", "enterprise", false),
    ("需求名称", "name", true),
    ("行业代码", "industry_code", true),
    ("关键词", "keywords", false),
    ("年采购额（万元）", "amount_wan", true),
];

/// An import of products or needs.
#[derive(Debug, Clone)]
pub struct ImportOffers {
    pub kind: OfferKind,
    pub region: String,
    pub file_name: String,
    /// False: check only.
    pub write: bool,
}

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub rows: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub written: bool,
    /// In Chinese: "产品 120 项（新增 118 项，修改 2 项）".
    pub message: String,
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number { value, .. } if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Cell::Number { value, .. } => format!("{value}"),
    }
}

fn headers(kind: OfferKind) -> &'static [(&'static str, &'static str, bool)] {
    match kind {
        OfferKind::Product => &PRODUCT_HEADERS,
        OfferKind::Need => &NEED_HEADERS,
    }
}

/// Reads and checks a products or needs file and, when every row is valid and `write` is set,
/// stores all its items in one transaction. Office only.
pub async fn import_offers(
    store: &Store,
    caller: Caller<'_>,
    cmd: &ImportOffers,
    bytes: Vec<u8>,
) -> Result<ImportOutcome, Error> {
    if !matching::can_write_offers(caller.principal) {
        return Err(Error::Forbidden(
            "企业产品和外购需求由经济运行办公室导入".into(),
        ));
    }
    if store.region(&cmd.region).await?.is_none() {
        return Err(Error::UnknownRegion(cmd.region.clone()));
    }
    let table = io::table::read_bytes(&cmd.file_name, bytes)?;
    let error = |row: usize, column: &str, reason: String| RowError {
        file: cmd.file_name.clone(),
        sheet: table.sheet.clone(),
        row,
        column: column.to_string(),
        reason,
    };
    let spec = headers(cmd.kind);
    // Column index of each field, by its Chinese heading or English name.
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in table.headers.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            continue;
        }
        match spec
            .iter()
            .find(|(zh, en, _)| *zh == h || en.eq_ignore_ascii_case(h))
        {
            Some((_, en, _)) => {
                if at.insert(*en, i).is_some() {
                    errors.push(error(1, h, "该列重复".into()));
                }
            }
            None => errors.push(error(1, h, "未知的列".into())),
        }
    }
    for (zh, en, required) in spec {
        if *required && !at.contains_key(en) {
            errors.push(error(1, zh, "缺少该列".into()));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Rejected(ImportErrors(errors)));
    }
    let heading = |en: &str| {
        at.get(en)
            .and_then(|i| table.headers.get(*i))
            .map(|h| h.trim().to_string())
            .unwrap_or_default()
    };
    let firms: HashMap<String, (i64, String)> = store
        .enterprises(&cmd.region)
        .await?
        .into_iter()
        .map(|e| (e.uscc, (e.id, e.name)))
        .collect();
    let what = match cmd.kind {
        OfferKind::Product => "产品",
        OfferKind::Need => "需求",
    };
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    let mut items: Vec<NewOffer> = Vec::new();
    for row in &table.rows {
        let get = |en: &str| {
            at.get(en)
                .and_then(|i| row.cells.get(*i))
                .map(cell_text)
                .unwrap_or_default()
        };
        if spec.iter().all(|(_, en, _)| get(en).is_empty()) {
            continue;
        }
        let mut bad =
            |en: &str, reason: String| errors.push(error(row.number, &heading(en), reason));
        let uscc = get("uscc");
        let firm = match domain::Uscc::parse(&uscc) {
            Err(e) => {
                bad("uscc", e.to_string());
                None
            }
            Ok(code) => match firms.get(code.as_str()) {
                Some(f) => Some(f.clone()),
                None => {
                    bad(
                        "uscc",
                        format!("企业库中没有统一社会信用代码为 {uscc} 的本地企业"),
                    );
                    None
                }
            },
        };
        let name = matching::parse_name(&get("name"), what).map_err(|e| bad("name", e.message));
        let class = matching::parse_class(&get("industry_code"))
            .map_err(|e| bad("industry_code", e.message));
        let keywords = Keywords::parse(&get("keywords")).map_err(|e| bad("keywords", e.message));
        let amount = match cmd.kind {
            OfferKind::Product => Ok(0),
            OfferKind::Need => matching::parse_amount(&get("amount_wan"), "amount_wan", "年采购额")
                .map(|y| y.0)
                .map_err(|e| bad("amount_wan", e.message)),
        };
        let (Some((id, firm_name)), Ok(name), Ok(class), Ok(keywords), Ok(amount)) =
            (firm, name, class, keywords, amount)
        else {
            continue;
        };
        if !seen.insert((id, name.clone())) {
            errors.push(error(
                row.number,
                &heading("name"),
                format!("{firm_name}的{what}“{name}”在文件中重复"),
            ));
            continue;
        }
        items.push(NewOffer {
            enterprise_id: id,
            enterprise_name: firm_name,
            name,
            industry_code: class,
            keywords: keywords.stored(),
            amount_yuan: amount,
        });
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(error(0, "", format!("文件中没有{what}")));
    }
    if !errors.is_empty() {
        errors.truncate(200);
        return Err(Error::Rejected(ImportErrors(errors)));
    }
    let rows = items.len();
    if !cmd.write {
        return Ok(ImportOutcome {
            rows,
            added: 0,
            changed: 0,
            unchanged: 0,
            written: false,
            message: format!("{what} {rows} 项"),
        });
    }
    let (mut added, mut changed, mut unchanged) = (0, 0, 0);
    let mut tx = store.begin_write().await?;
    for o in &items {
        match tx
            .upsert_offer(caller.actor, cmd.kind, &cmd.region, o)
            .await?
        {
            Upserted::Added => added += 1,
            Upserted::Changed => changed += 1,
            Upserted::Unchanged => unchanged += 1,
        }
    }
    tx.commit().await?;
    Ok(ImportOutcome {
        rows,
        added,
        changed,
        unchanged,
        written: true,
        message: format!(
            "{what} {rows} 项（新增 {added} 项，修改 {changed} 项，未变 {unchanged} 项）"
        ),
    })
}
