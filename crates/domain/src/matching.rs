//! Supply–demand matching (供需对接): what a firm sells (products) and what it buys from outside
//! the county (needs), each with its GB/T 4754 class and keywords, and the pure ranking of local
//! suppliers for a need — same four-digit class before same three-digit group before same
//! two-digit division, then more shared keywords, then the supplier's name. The needing firm is
//! never its own supplier. Who may record an introduction (对接) and its deal (成交额) is decided
//! here too. No I/O: the workflow reads the region's products and calls [`rank`].

use crate::industry;
use crate::money::{MoneyUnit, Yuan};
use crate::text::BoundedText;
use serde::Serialize;
use std::cmp::Ordering;
use thiserror::Error;

/// Longest product or need name, in characters.
pub const MAX_NAME: usize = 40;
/// At most this many keywords, each at most [`MAX_KEYWORD`] characters.
pub const MAX_KEYWORDS: usize = 10;
pub const MAX_KEYWORD: usize = 20;
/// The largest yearly amount of a need or a deal (100 亿元), in yuan.
pub const MAX_AMOUNT: Yuan = Yuan(10_000_000_000);

/// A refusal of a product's, need's or deal's input: the field and a Chinese message naming it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct MatchingError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> MatchingError {
    MatchingError {
        field,
        message: message.into(),
    }
}

/// A product's or need's name.
pub fn parse_name(input: &str, what: &str) -> Result<String, MatchingError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(refuse("name", format!("请填写{what}名称")));
    }
    BoundedText::parse(t, &format!("{what}名称"), MAX_NAME)
        .map(BoundedText::into_string)
        .map_err(|e| refuse("name", e.to_string()))
}

/// A four-digit GB/T 4754-2017 class, checked against the shipped list (a lost leading zero
/// is restored, as for the registry's `industry_code`).
pub fn parse_class(input: &str) -> Result<String, MatchingError> {
    if input.trim().is_empty() {
        return Err(refuse("industry_code", "请填写行业代码（4 位小类）"));
    }
    industry::class(input)
        .map(|c| c.class.code.to_string())
        .map_err(|e| refuse("industry_code", e.to_string()))
}

/// Keywords, separated by 、，,；; or spaces; trimmed, Latin letters upper-cased, duplicates
/// dropped, order kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Keywords(Vec<String>);

impl Keywords {
    pub fn parse(input: &str) -> Result<Self, MatchingError> {
        let mut out: Vec<String> = Vec::new();
        for part in input.split(|c: char| {
            matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '|') || c.is_whitespace()
        }) {
            let k = part.trim().to_uppercase();
            if k.is_empty() {
                continue;
            }
            if k.chars().count() > MAX_KEYWORD {
                return Err(refuse(
                    "keywords",
                    format!("关键词“{k}”过长（最多 {MAX_KEYWORD} 个字）"),
                ));
            }
            if k.chars().any(char::is_control) {
                return Err(refuse("keywords", "关键词含有不可见字符"));
            }
            if !out.contains(&k) {
                out.push(k);
            }
        }
        if out.len() > MAX_KEYWORDS {
            return Err(refuse(
                "keywords",
                format!("关键词最多 {MAX_KEYWORDS} 个，收到 {} 个", out.len()),
            ));
        }
        Ok(Keywords(out))
    }

    /// The stored form: keywords joined by 、.
    pub fn stored(&self) -> String {
        self.0.join("、")
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keywords both lists hold, in this list's order.
    pub fn shared(&self, other: &Keywords) -> Vec<String> {
        self.0
            .iter()
            .filter(|k| other.0.contains(k))
            .cloned()
            .collect()
    }
}

/// A need's yearly amount, or a deal's amount: 万元 when no unit is written, more than 0 and
/// at most [`MAX_AMOUNT`].
pub fn parse_amount(input: &str, field: &'static str, what: &str) -> Result<Yuan, MatchingError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(refuse(field, format!("请填写{what}（万元）")));
    }
    let y = Yuan::parse(t, MoneyUnit::Wan)
        .map_err(|e| refuse(field, format!("{what}“{t}”无效：{e}")))?;
    if y.0 <= 0 {
        return Err(refuse(field, format!("{what}应大于 0 万元")));
    }
    if y > MAX_AMOUNT {
        return Err(refuse(
            field,
            format!("{what}“{t}”超过 100 亿元，请核对单位"),
        ));
    }
    Ok(y)
}

/// How closely a supplier's product class meets a need's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassMatch {
    /// Same two-digit division (大类).
    Division,
    /// Same three-digit group (中类).
    Group,
    /// Same four-digit class (小类).
    Class,
}

impl ClassMatch {
    /// Compares two four-digit classes; `None` when not even the division is shared.
    pub fn of(need: &str, product: &str) -> Option<Self> {
        let (n, p) = (need.as_bytes(), product.as_bytes());
        if n.len() != 4 || p.len() != 4 {
            return None;
        }
        if n == p {
            Some(ClassMatch::Class)
        } else if n[..3] == p[..3] {
            Some(ClassMatch::Group)
        } else if n[..2] == p[..2] {
            Some(ClassMatch::Division)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClassMatch::Class => "同小类",
            ClassMatch::Group => "同中类",
            ClassMatch::Division => "同大类",
        }
    }
}

/// A need as the matcher sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedFacts {
    pub firm_id: i64,
    pub industry_code: String,
    pub keywords: Keywords,
}

/// A local product offered as a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub product_id: i64,
    pub firm_id: i64,
    pub firm_name: String,
    pub industry_code: String,
    pub keywords: Keywords,
}

/// A suggested supplier: its best product for the need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub firm_id: i64,
    pub firm_name: String,
    pub product_id: i64,
    pub level: ClassMatch,
    pub shared_keywords: Vec<String>,
}

fn better(a: &Suggestion, b: &Suggestion) -> Ordering {
    // Higher class match, then more shared keywords, then name and id (a stable order).
    b.level
        .cmp(&a.level)
        .then(b.shared_keywords.len().cmp(&a.shared_keywords.len()))
        .then(a.firm_name.cmp(&b.firm_name))
        .then(a.firm_id.cmp(&b.firm_id))
        .then(a.product_id.cmp(&b.product_id))
}

/// The local suppliers for a need, best first, at most `limit` (0: all): a supplier is a firm
/// other than the needing one with a product in at least the same division; each supplier
/// appears once, with its best product.
pub fn rank(need: &NeedFacts, offers: &[Offer], limit: usize) -> Vec<Suggestion> {
    let mut best: Vec<Suggestion> = Vec::new();
    for o in offers {
        if o.firm_id == need.firm_id {
            continue;
        }
        let Some(level) = ClassMatch::of(&need.industry_code, &o.industry_code) else {
            continue;
        };
        let s = Suggestion {
            firm_id: o.firm_id,
            firm_name: o.firm_name.clone(),
            product_id: o.product_id,
            level,
            shared_keywords: need.keywords.shared(&o.keywords),
        };
        match best.iter_mut().find(|b| b.firm_id == s.firm_id) {
            Some(b) => {
                if better(&s, b) == Ordering::Less {
                    *b = s;
                }
            }
            None => best.push(s),
        }
    }
    best.sort_by(better);
    if limit > 0 {
        best.truncate(limit);
    }
    best
}

/// Record an introduction of a need to a supplier, or its deal: the office for any firm; a
/// service manager for the needing firms he serves.
pub fn can_introduce(p: &crate::Principal, need_firm: &crate::access::EnterpriseFacts) -> bool {
    use crate::Role;
    if !p.can_read_enterprise(need_firm) {
        return false;
    }
    match p.role {
        Role::Admin | Role::Office => true,
        Role::ServiceManager => p.person_id.is_some() && need_firm.service_manager == p.person_id,
        Role::Leader | Role::Town | Role::Department | Role::Viewer => false,
    }
}

/// Enter one firm's product or need by hand (一企一档): those who may record its
/// introductions — the office, the firm's own service manager.
pub fn can_register_offer(p: &crate::Principal, firm: &crate::access::EnterpriseFacts) -> bool {
    can_introduce(p, firm)
}

/// Write a firm's products and needs (the imports): the office.
pub fn can_write_offers(p: &crate::Principal) -> bool {
    p.role.is_office()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Keywords {
        Keywords::parse(s).expect("keywords")
    }

    fn offer(product_id: i64, firm_id: i64, name: &str, class: &str, k: &str) -> Offer {
        Offer {
            product_id,
            firm_id,
            firm_name: name.into(),
            industry_code: class.into(),
            keywords: kw(k),
        }
    }

    fn need(firm_id: i64, class: &str, k: &str) -> NeedFacts {
        NeedFacts {
            firm_id,
            industry_code: class.into(),
            keywords: kw(k),
        }
    }

    #[test]
    fn class_beats_group_beats_division_then_keywords() {
        let offers = vec![
            offer(1, 10, "丙公司", "3899", "电机、线束、铜"),
            offer(2, 11, "乙公司", "3811", ""),
            offer(3, 12, "甲公司", "3812", "电机"),
            offer(4, 13, "丁公司", "1311", "电机、线束"),
            offer(5, 14, "戊公司", "3812", "电机、线束"),
        ];
        let s = rank(&need(1, "3812", "电机 线束"), &offers, 0);
        let ids: Vec<i64> = s.iter().map(|x| x.firm_id).collect();
        // 3812 twice (two shared keywords first), then group 381, then division 38; 13 never.
        assert_eq!(ids, vec![14, 12, 11, 10]);
        assert_eq!(s[0].level, ClassMatch::Class);
        assert_eq!(s[0].shared_keywords, vec!["电机", "线束"]);
        assert_eq!(s[2].level, ClassMatch::Group);
        assert_eq!(s[3].level, ClassMatch::Division);
        assert_eq!(rank(&need(1, "3812", ""), &offers, 2).len(), 2);
    }

    #[test]
    fn ties_fall_to_the_name_then_the_id() {
        let offers = vec![
            offer(1, 20, "乙", "2929", "管"),
            offer(2, 21, "甲", "2929", "管"),
            offer(3, 22, "甲", "2929", "管"),
        ];
        let s = rank(&need(1, "2929", "管"), &offers, 0);
        let ids: Vec<i64> = s.iter().map(|x| x.firm_id).collect();
        let mut by_name = [("乙", 20), ("甲", 21), ("甲", 22)];
        by_name.sort();
        assert_eq!(ids, by_name.iter().map(|x| x.1).collect::<Vec<_>>());
    }

    #[test]
    fn a_supplier_appears_once_with_its_best_product() {
        let offers = vec![
            offer(1, 30, "甲", "3811", ""),
            offer(2, 30, "甲", "3812", "电机"),
            offer(3, 30, "甲", "3812", ""),
        ];
        let s = rank(&need(1, "3812", "电机"), &offers, 0);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].product_id, 2);
    }

    #[test]
    fn never_the_needing_firm_and_nothing_outside_the_division() {
        let offers = vec![
            offer(1, 7, "自身", "3812", "电机"),
            offer(2, 8, "他人", "1311", "电机"),
        ];
        assert!(rank(&need(7, "3812", "电机"), &offers, 0).is_empty());
        assert!(rank(&need(7, "3812", "电机"), &[], 0).is_empty());
    }

    #[test]
    fn inputs_are_parsed_with_the_field_named() {
        assert_eq!(parse_class("111"), Ok("0111".into()));
        assert_eq!(
            parse_class("9999").map_err(|e| e.field),
            Err("industry_code")
        );
        assert_eq!(parse_class("").map_err(|e| e.field), Err("industry_code"));
        assert_eq!(
            kw("电机，线束、电机 abs").as_slice(),
            &["电机".to_string(), "线束".into(), "ABS".into()]
        );
        assert!(Keywords::parse(&"字".repeat(21)).is_err());
        assert!(Keywords::parse("a b c d e f g h i j k").is_err());
        assert_eq!(
            parse_amount("12.5", "amount_wan", "年采购额"),
            Ok(Yuan(125_000))
        );
        assert_eq!(
            parse_amount("1.2亿元", "amount_wan", "年采购额"),
            Ok(Yuan(120_000_000))
        );
        assert!(parse_amount("0", "amount_wan", "年采购额").is_err());
        assert!(parse_amount("-3", "amount_wan", "年采购额").is_err());
        assert!(parse_amount("200亿", "amount_wan", "年采购额").is_err());
        assert_eq!(parse_name(" ", "产品").map_err(|e| e.field), Err("name"));
        assert_eq!(Yuan(125_000).wan_text_fine(), "12.5");
        assert_eq!(Yuan(12_000_000_000).wan_text_fine(), "1,200,000");
    }
}
