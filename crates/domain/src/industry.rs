//! China's industry classification GB/T 4754-2017 (国民经济行业分类), shipped as data: an
//! enterprise's four-digit class is checked against the full list and shown with its Chinese
//! name and its section, division and group. The list (`data/gbt4754-2017.csv`, 20 sections,
//! 97 divisions, 473 groups, 1,381 classes) is parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;
use thiserror::Error;

const DATA: &str = include_str!("../data/gbt4754-2017.csv");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndustryError {
    #[error("行业代码应为 4 位数字（国民经济行业分类 GB/T 4754-2017 的小类），收到“{0}”")]
    Shape(String),
    #[error("行业代码“{0}”不在国民经济行业分类（GB/T 4754-2017）中")]
    Unknown(String),
}

/// One entry of the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: &'static str,
    pub name: &'static str,
}

/// A class with the levels above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub class: Entry,
    pub group: Entry,
    pub division: Entry,
    pub section: Entry,
}

impl Class {
    /// The two-digit division (大类) code.
    pub fn division_code(&self) -> &'static str {
        self.division.code
    }

    /// "门类 C 制造业 · 大类 38 电气机械和器材制造业 · 中类 385 家用电力器具制造"
    pub fn path(&self) -> String {
        format!(
            "{} {} · {} {} · {} {}",
            self.section.code,
            self.section.name,
            self.division.code,
            self.division.name,
            self.group.code,
            self.group.name
        )
    }
}

struct Catalogue {
    /// code → (name, parent code)
    entries: HashMap<&'static str, (&'static str, &'static str)>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut entries = HashMap::with_capacity(2_000);
        for line in DATA.lines().skip(1) {
            // code,name,level,parent — names contain full-width commas only, never ASCII ones.
            let mut parts = line.split(',');
            let (Some(code), Some(name), Some(_level), Some(parent)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            entries.insert(code.trim(), (name.trim(), parent.trim()));
        }
        Catalogue { entries }
    })
}

fn entry(code: &str) -> Option<(Entry, &'static str)> {
    catalogue()
        .entries
        .get_key_value(code)
        .map(|(c, (n, p))| (Entry { code: c, name: n }, *p))
}

/// Looks up a four-digit class (a leading zero may have been lost by a spreadsheet: "111" is
/// taken as "0111").
pub fn class(input: &str) -> Result<Class, IndustryError> {
    let t = input.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IndustryError::Shape(input.trim().to_string()));
    }
    let code = format!("{t:0>4}");
    let unknown = || IndustryError::Unknown(code.clone());
    let (class, group_code) = entry(&code).ok_or_else(unknown)?;
    let (group, division_code) = entry(group_code).ok_or_else(unknown)?;
    let (division, section_code) = entry(division_code).ok_or_else(unknown)?;
    let (section, _) = entry(section_code).ok_or_else(unknown)?;
    if class.code.len() != 4 {
        return Err(unknown());
    }
    Ok(Class {
        class,
        group,
        division,
        section,
    })
}

/// The name of any code of the classification (section letter, division, group or class).
pub fn name(code: &str) -> Option<&'static str> {
    entry(code).map(|(e, _)| e.name)
}

/// How many codes of each level the shipped list holds: (sections, divisions, groups, classes).
pub fn counts() -> (usize, usize, usize, usize) {
    let mut n = (0, 0, 0, 0);
    for code in catalogue().entries.keys() {
        match code.len() {
            1 => n.0 += 1,
            2 => n.1 += 1,
            3 => n.2 += 1,
            _ => n.3 += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_the_whole_classification() {
        assert_eq!(counts(), (20, 97, 473, 1381));
    }

    #[test]
    fn finds_a_class_with_its_levels() {
        let c = class("3856").expect("家用电力器具专用配件制造 exists");
        assert_eq!(c.section.code, "C");
        assert_eq!(c.section.name, "制造业");
        assert_eq!(c.division.code, "38");
        assert_eq!(c.group.code, "385");
        assert!(c.path().contains("电气机械和器材制造业"));
        // A spreadsheet that dropped the leading zero.
        assert_eq!(class("111").expect("0111").class.name, "稻谷种植");
    }

    #[test]
    fn refuses_unknown_and_malformed_codes() {
        assert_eq!(class("3899x"), Err(IndustryError::Shape("3899x".into())));
        assert_eq!(class("38"), Err(IndustryError::Unknown("0038".into())));
        assert_eq!(class("9999"), Err(IndustryError::Unknown("9999".into())));
        assert!(class("").is_err());
    }
}
