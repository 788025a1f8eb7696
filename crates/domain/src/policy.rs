//! Policies that find their firms (惠企政策, 免申即享): the conditions a policy sets over registry
//! fields, as a small typed rule set rather than free code. Conditions are parsed from readable
//! Chinese input (a form, an `.xlsx` row) with messages naming the field, checked again when read
//! back from storage, and evaluated purely against a firm's registry facts: a firm is eligible
//! when it meets every condition, and each condition says in words why a firm meets it or not.
//!
//! Extension point: revenue ranges need the firms' own figures (营业收入), which the registry
//! does not hold yet. A `Revenue` condition belongs in [`Conditions`] with an
//! `annual_revenue_wan` field in [`FirmFacts`], filled by the workflow from the figures; until
//! then the input column 营业收入 is refused with a message saying so.

use crate::enterprise::{parse_tags, ScaleKind, Tag};
use crate::period::{format_date, parse_date};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;
use time::Date;

/// Longest title and issuer, in characters.
pub const MAX_TITLE: usize = 80;
pub const MAX_ISSUER: usize = 40;
pub const MAX_BENEFIT: usize = 2_000;
/// At most this many values in one list condition.
pub const MAX_LIST: usize = 50;

/// A refusal of a policy's input: the field (its form and API name) and a Chinese message that
/// names it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct PolicyError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> PolicyError {
    PolicyError {
        field,
        message: message.into(),
    }
}

/// An inclusive range; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T: PartialOrd + Copy> Range<T> {
    pub fn contains(&self, v: T) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
    fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
    fn ordered(&self) -> bool {
        match (self.min, self.max) {
            (Some(a), Some(b)) => a <= b,
            _ => true,
        }
    }
}

/// The conditions of a policy. An empty list or an open range sets no condition; a firm must
/// meet every condition that is set. Lists are "any of": a firm in one of the tracks, in one of
/// the towns, with one of the tags, whose class starts with one of the prefixes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Conditions {
    /// Industry class prefixes (GB/T 4754): a division "38", group "385" or class "3856".
    pub industry_prefixes: Vec<String>,
    /// Track ids.
    pub tracks: Vec<i64>,
    /// Above the statistical line; when `scale_kinds` is not empty, in one of these surveys.
    pub above_scale: bool,
    pub scale_kinds: Vec<ScaleKind>,
    pub tags: Vec<Tag>,
    /// Town ids.
    pub towns: Vec<i64>,
    /// Dates written `YYYY-MM-DD` in the stored and API form.
    #[serde(with = "date_range")]
    pub founded: Range<Date>,
    /// 万元.
    pub registered_capital_wan: Range<f64>,
    pub employees: Range<i64>,
}

impl Default for Range<Date> {
    fn default() -> Self {
        Range {
            min: None,
            max: None,
        }
    }
}
impl Default for Range<f64> {
    fn default() -> Self {
        Range {
            min: None,
            max: None,
        }
    }
}
impl Default for Range<i64> {
    fn default() -> Self {
        Range {
            min: None,
            max: None,
        }
    }
}

mod date_range {
    use super::Range;
    use crate::period::{format_date, parse_date};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(r: &Range<Date>, s: S) -> Result<S::Ok, S::Error> {
        Range {
            min: r.min.map(format_date),
            max: r.max.map(format_date),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Range<Date>, D::Error> {
        let r = Range::<String>::deserialize(d)?;
        let day = |v: Option<String>| {
            v.map(|s| {
                parse_date(&s).map_err(|_| serde::de::Error::custom(format!("日期“{s}”无效")))
            })
            .transpose()
        };
        Ok(Range {
            min: day(r.min)?,
            max: day(r.max)?,
        })
    }
}

/// What the registry knows of a firm that conditions look at (no figures).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FirmFacts {
    pub industry_code: Option<String>,
    pub tracks: Vec<i64>,
    pub above_scale: bool,
    pub scale_kind: Option<ScaleKind>,
    pub tags: Vec<Tag>,
    pub town: Option<i64>,
    pub founded_on: Option<Date>,
    pub registered_capital_wan: Option<f64>,
    pub employees: Option<i64>,
}

/// The kinds of condition, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    Industry,
    Track,
    Scale,
    Tag,
    Town,
    Founded,
    Capital,
    Employees,
}

impl ConditionKind {
    pub fn label(self) -> &'static str {
        match self {
            ConditionKind::Industry => "行业",
            ConditionKind::Track => "产业赛道",
            ConditionKind::Scale => "规模",
            ConditionKind::Tag => "企业标签",
            ConditionKind::Town => "镇街",
            ConditionKind::Founded => "成立日期",
            ConditionKind::Capital => "注册资本",
            ConditionKind::Employees => "从业人员",
        }
    }
}

/// One condition checked against one firm.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub kind: ConditionKind,
    pub met: bool,
    /// In words: "行业 3856 属于 38" or "未登记成立日期".
    pub reason: String,
}

/// Names for the ids conditions hold (tracks, towns), to put them in words.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub tracks: HashMap<i64, String>,
    pub towns: HashMap<i64, String>,
}

impl Names {
    fn track(&self, id: i64) -> String {
        self.tracks
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("赛道 {id}"))
    }
    fn town(&self, id: i64) -> String {
        self.towns
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("镇街 {id}"))
    }
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join("、")
}

fn wan(v: f64) -> String {
    crate::decimal::fixed(v, if v.fract() == 0.0 { 0 } else { 2 })
}

fn range_words<T: Copy>(r: &Range<T>, show: impl Fn(T) -> String, unit: &str) -> String {
    match (r.min, r.max) {
        (Some(a), Some(b)) => format!("{}{unit}至{}{unit}", show(a), show(b)),
        (Some(a), None) => format!("不低于{}{unit}", show(a)),
        (None, Some(b)) => format!("不高于{}{unit}", show(b)),
        (None, None) => "不限".into(),
    }
}

fn scale_words(c: &Conditions) -> String {
    if c.scale_kinds.is_empty() {
        "规模（限额）以上企业".into()
    } else {
        join(c.scale_kinds.iter().map(|k| k.above_label().to_string()))
    }
}

impl Conditions {
    /// Whether no condition is set (every firm of the region is eligible).
    pub fn is_empty(&self) -> bool {
        self.industry_prefixes.is_empty()
            && self.tracks.is_empty()
            && !self.above_scale
            && self.tags.is_empty()
            && self.towns.is_empty()
            && self.founded.is_empty()
            && self.registered_capital_wan.is_empty()
            && self.employees.is_empty()
    }

    /// The conditions in words, one line per condition set.
    pub fn words(&self, names: &Names) -> Vec<(ConditionKind, String)> {
        let mut out = Vec::new();
        if !self.industry_prefixes.is_empty() {
            let w = join(
                self.industry_prefixes
                    .iter()
                    .map(|p| match crate::industry::name(p) {
                        Some(n) => format!("{p} {n}"),
                        None => p.clone(),
                    }),
            );
            out.push((ConditionKind::Industry, format!("国民经济行业分类属于 {w}")));
        }
        if !self.tracks.is_empty() {
            out.push((
                ConditionKind::Track,
                format!(
                    "属于 {} 赛道",
                    join(self.tracks.iter().map(|t| names.track(*t)))
                ),
            ));
        }
        if self.above_scale {
            out.push((ConditionKind::Scale, scale_words(self)));
        }
        if !self.tags.is_empty() {
            out.push((
                ConditionKind::Tag,
                format!(
                    "具有 {} 之一",
                    join(self.tags.iter().map(|t| t.label().to_string()))
                ),
            ));
        }
        if !self.towns.is_empty() {
            out.push((
                ConditionKind::Town,
                format!("位于 {}", join(self.towns.iter().map(|t| names.town(*t)))),
            ));
        }
        if !self.founded.is_empty() {
            out.push((
                ConditionKind::Founded,
                format!("成立于 {}", range_words(&self.founded, format_date, "")),
            ));
        }
        if !self.registered_capital_wan.is_empty() {
            out.push((
                ConditionKind::Capital,
                format!(
                    "注册资本{}",
                    range_words(&self.registered_capital_wan, wan, " 万元")
                ),
            ));
        }
        if !self.employees.is_empty() {
            out.push((
                ConditionKind::Employees,
                format!(
                    "从业人员{}",
                    range_words(&self.employees, |n| n.to_string(), " 人")
                ),
            ));
        }
        out
    }

    /// Checks the conditions' own shape (prefixes, ranges, list sizes) and that every track and
    /// town they name is one of `tracks` / `towns`. Used on entry and on every read from storage.
    pub fn check(&self, tracks: &[i64], towns: &[i64]) -> Result<(), PolicyError> {
        if self.industry_prefixes.len() > MAX_LIST
            || self.tracks.len() > MAX_LIST
            || self.towns.len() > MAX_LIST
        {
            return Err(refuse(
                "conditions",
                format!("每项条件至多 {MAX_LIST} 个取值"),
            ));
        }
        for p in &self.industry_prefixes {
            industry_prefix(p)?;
        }
        if let Some(t) = self.tracks.iter().find(|t| !tracks.contains(t)) {
            return Err(refuse("tracks", format!("产业赛道：赛道 {t} 不存在")));
        }
        if let Some(t) = self.towns.iter().find(|t| !towns.contains(t)) {
            return Err(refuse("towns", format!("镇街：镇街 {t} 不存在")));
        }
        if !self.scale_kinds.is_empty() && !self.above_scale {
            return Err(refuse(
                "scale",
                "规模：列出统计口径时须为规模（限额）以上企业",
            ));
        }
        if !self.founded.ordered() {
            return Err(refuse("founded_from", "成立日期：起始日期晚于截止日期"));
        }
        let capital = &self.registered_capital_wan;
        if !capital.ordered() {
            return Err(refuse("capital_min", "注册资本：下限高于上限"));
        }
        if [capital.min, capital.max]
            .into_iter()
            .flatten()
            .any(|v| !v.is_finite() || v < 0.0)
        {
            return Err(refuse("capital_min", "注册资本：应为不小于 0 的万元数"));
        }
        if !self.employees.ordered() {
            return Err(refuse("employees_min", "从业人员：下限高于上限"));
        }
        if [self.employees.min, self.employees.max]
            .into_iter()
            .flatten()
            .any(|v| v < 0)
        {
            return Err(refuse("employees_min", "从业人员：应为不小于 0 的人数"));
        }
        Ok(())
    }

    /// Every condition that is set, checked against the firm.
    pub fn evaluate(&self, firm: &FirmFacts, names: &Names) -> Vec<Check> {
        let mut out = Vec::new();
        let mut push = |kind, met, reason: String| out.push(Check { kind, met, reason });
        if !self.industry_prefixes.is_empty() {
            match firm.industry_code.as_deref() {
                None => push(ConditionKind::Industry, false, "未登记行业代码".into()),
                Some(code) => match self
                    .industry_prefixes
                    .iter()
                    .find(|p| code.starts_with(p.as_str()))
                {
                    Some(p) => push(
                        ConditionKind::Industry,
                        true,
                        format!("行业 {code} 属于 {p}"),
                    ),
                    None => push(
                        ConditionKind::Industry,
                        false,
                        format!(
                            "行业 {code} 不在 {} 之内",
                            self.industry_prefixes.join("、")
                        ),
                    ),
                },
            }
        }
        if !self.tracks.is_empty() {
            match self.tracks.iter().find(|t| firm.tracks.contains(t)) {
                Some(t) => push(
                    ConditionKind::Track,
                    true,
                    format!("属于 {} 赛道", names.track(*t)),
                ),
                None => push(ConditionKind::Track, false, "不在所列赛道".into()),
            }
        }
        if self.above_scale {
            let kind_ok = self.scale_kinds.is_empty()
                || firm
                    .scale_kind
                    .is_some_and(|k| self.scale_kinds.contains(&k));
            let label = firm
                .scale_kind
                .map(|k| k.above_label())
                .unwrap_or("规模（限额）以上企业");
            match (firm.above_scale, kind_ok) {
                (true, true) => push(ConditionKind::Scale, true, label.to_string()),
                (false, _) => push(ConditionKind::Scale, false, "未达规模（限额）以上".into()),
                (true, false) => push(
                    ConditionKind::Scale,
                    false,
                    format!("统计口径不是 {}", scale_words(self)),
                ),
            }
        }
        if !self.tags.is_empty() {
            match self.tags.iter().find(|t| firm.tags.contains(t)) {
                Some(t) => push(ConditionKind::Tag, true, format!("是{}", t.label())),
                None => push(
                    ConditionKind::Tag,
                    false,
                    format!(
                        "不是{}",
                        join(self.tags.iter().map(|t| t.label().to_string()))
                    ),
                ),
            }
        }
        if !self.towns.is_empty() {
            match firm.town {
                Some(t) if self.towns.contains(&t) => {
                    push(ConditionKind::Town, true, format!("位于 {}", names.town(t)))
                }
                Some(t) => push(
                    ConditionKind::Town,
                    false,
                    format!("位于 {}，不在所列镇街", names.town(t)),
                ),
                None => push(ConditionKind::Town, false, "未登记所在镇街".into()),
            }
        }
        if !self.founded.is_empty() {
            match firm.founded_on {
                None => push(ConditionKind::Founded, false, "未登记成立日期".into()),
                Some(d) => push(
                    ConditionKind::Founded,
                    self.founded.contains(d),
                    format!("成立于 {}", format_date(d)),
                ),
            }
        }
        if !self.registered_capital_wan.is_empty() {
            match firm.registered_capital_wan {
                None => push(ConditionKind::Capital, false, "未登记注册资本".into()),
                Some(v) => push(
                    ConditionKind::Capital,
                    self.registered_capital_wan.contains(v),
                    format!("注册资本 {} 万元", wan(v)),
                ),
            }
        }
        if !self.employees.is_empty() {
            match firm.employees {
                None => push(ConditionKind::Employees, false, "未登记从业人员".into()),
                Some(n) => push(
                    ConditionKind::Employees,
                    self.employees.contains(n),
                    format!("从业人员 {n} 人"),
                ),
            }
        }
        out
    }

    /// Whether the firm meets every condition.
    pub fn eligible(&self, firm: &FirmFacts, names: &Names) -> bool {
        self.evaluate(firm, names).iter().all(|c| c.met)
    }
}

fn industry_prefix(p: &str) -> Result<(), PolicyError> {
    if (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(refuse(
            "industry",
            format!("行业代码前缀：“{p}”应为 2–4 位数字（大类、中类或小类）"),
        ))
    }
}

/// The conditions as a person writes them (a form, an `.xlsx` row): each field a line of text,
/// lists separated by `;`, `；`, `、` or `,`. Names of tracks and towns, labels of scales and tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConditionInput {
    pub industry: String,
    pub tracks: String,
    pub scale: String,
    pub tags: String,
    pub towns: String,
    pub founded_from: String,
    pub founded_to: String,
    pub capital_min: String,
    pub capital_max: String,
    pub employees_min: String,
    pub employees_max: String,
    /// Not yet supported (see the module's note); refused when not empty.
    pub revenue: String,
}

/// The field names of [`ConditionInput`] with their Chinese column headings.
pub const INPUT_FIELDS: [(&str, &str); 12] = [
    ("industry", "行业代码前缀"),
    ("tracks", "产业赛道"),
    ("scale", "规模"),
    ("tags", "企业标签"),
    ("towns", "镇街"),
    ("founded_from", "成立日期起"),
    ("founded_to", "成立日期止"),
    ("capital_min", "注册资本下限（万元）"),
    ("capital_max", "注册资本上限（万元）"),
    ("employees_min", "从业人员下限（人）"),
    ("employees_max", "从业人员上限（人）"),
    ("revenue", "营业收入"),
];

fn items(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', '；', '、', ',', '，'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

fn lookup(
    field: &'static str,
    label: &str,
    input: &str,
    known: &[(i64, String)],
) -> Result<Vec<i64>, PolicyError> {
    let mut out = Vec::new();
    for name in items(input) {
        let id = known
            .iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| *id)
            .ok_or_else(|| refuse(field, format!("{label}：“{name}”不存在")))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn opt_date(field: &'static str, label: &str, s: &str) -> Result<Option<Date>, PolicyError> {
    match s.trim() {
        "" => Ok(None),
        t => parse_date(t)
            .map(Some)
            .map_err(|_| refuse(field, format!("{label}：“{t}”应为日期，如 2020-01-01"))),
    }
}

fn opt_number(field: &'static str, label: &str, s: &str) -> Result<Option<f64>, PolicyError> {
    match s.trim().replace(',', "").as_str() {
        "" => Ok(None),
        t => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(Some)
            .ok_or_else(|| refuse(field, format!("{label}：“{t}”应为不小于 0 的数"))),
    }
}

fn opt_count(field: &'static str, label: &str, s: &str) -> Result<Option<i64>, PolicyError> {
    match s.trim().replace(',', "").as_str() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .map(Some)
            .ok_or_else(|| refuse(field, format!("{label}：“{t}”应为不小于 0 的整数"))),
    }
}

/// A scale as written: 规上 / 限上 / 规模以上 for any survey, or survey labels (规上工业 …).
fn scale(input: &str) -> Result<(bool, Vec<ScaleKind>), PolicyError> {
    let mut kinds = Vec::new();
    let mut any = false;
    for part in items(input) {
        match part {
            "规上" | "限上" | "规模以上" | "限额以上" | "规模（限额）以上" | "规上限上" => {
                any = true
            }
            other => {
                let k = ScaleKind::ALL
                    .into_iter()
                    .find(|k| {
                        k.above_label() == other
                            || k.code() == other
                            || (other == "规上服务" && *k == ScaleKind::Services)
                    })
                    .ok_or_else(|| {
                        refuse(
                            "scale",
                            format!(
                                "规模：“{other}”应为 规上、规上工业、限上批发、限上零售、限上住宿餐饮 或 规上服务业"
                            ),
                        )
                    })?;
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
        }
    }
    Ok((any || !kinds.is_empty(), kinds))
}

impl ConditionInput {
    /// Parses the written conditions; `tracks` and `towns` are the region's (id, name).
    pub fn parse(
        &self,
        tracks: &[(i64, String)],
        towns: &[(i64, String)],
    ) -> Result<Conditions, PolicyError> {
        if !self.revenue.trim().is_empty() {
            return Err(refuse(
                "revenue",
                "营业收入：企业经营数据接入后方可按营业收入设条件，请先留空",
            ));
        }
        let mut prefixes = Vec::new();
        for p in items(&self.industry) {
            industry_prefix(p)?;
            if !prefixes.iter().any(|x: &String| x == p) {
                prefixes.push(p.to_string());
            }
        }
        let (above_scale, scale_kinds) = scale(&self.scale)?;
        let mut tags =
            parse_tags(&self.tags).map_err(|e| refuse("tags", format!("企业标签：{e}")))?;
        tags.dedup();
        let c = Conditions {
            industry_prefixes: prefixes,
            tracks: lookup("tracks", "产业赛道", &self.tracks, tracks)?,
            above_scale,
            scale_kinds,
            tags,
            towns: lookup("towns", "镇街", &self.towns, towns)?,
            founded: Range {
                min: opt_date("founded_from", "成立日期起", &self.founded_from)?,
                max: opt_date("founded_to", "成立日期止", &self.founded_to)?,
            },
            registered_capital_wan: Range {
                min: opt_number("capital_min", "注册资本下限", &self.capital_min)?,
                max: opt_number("capital_max", "注册资本上限", &self.capital_max)?,
            },
            employees: Range {
                min: opt_count("employees_min", "从业人员下限", &self.employees_min)?,
                max: opt_count("employees_max", "从业人员上限", &self.employees_max)?,
            },
        };
        let track_ids: Vec<i64> = tracks.iter().map(|t| t.0).collect();
        let town_ids: Vec<i64> = towns.iter().map(|t| t.0).collect();
        c.check(&track_ids, &town_ids)?;
        Ok(c)
    }

    /// The conditions written back as input (an edit form's starting values).
    pub fn of(c: &Conditions, names: &Names) -> Self {
        let num = |v: Option<f64>| v.map(wan).unwrap_or_default();
        ConditionInput {
            industry: c.industry_prefixes.join(";"),
            tracks: c
                .tracks
                .iter()
                .map(|t| names.track(*t))
                .collect::<Vec<_>>()
                .join(";"),
            scale: if c.above_scale && c.scale_kinds.is_empty() {
                "规上".into()
            } else {
                c.scale_kinds
                    .iter()
                    .map(|k| k.above_label())
                    .collect::<Vec<_>>()
                    .join(";")
            },
            tags: c
                .tags
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join(";"),
            towns: c
                .towns
                .iter()
                .map(|t| names.town(*t))
                .collect::<Vec<_>>()
                .join(";"),
            founded_from: c.founded.min.map(format_date).unwrap_or_default(),
            founded_to: c.founded.max.map(format_date).unwrap_or_default(),
            capital_min: num(c.registered_capital_wan.min),
            capital_max: num(c.registered_capital_wan.max),
            employees_min: c.employees.min.map(|n| n.to_string()).unwrap_or_default(),
            employees_max: c.employees.max.map(|n| n.to_string()).unwrap_or_default(),
            revenue: String::new(),
        }
    }
}

/// Create or edit a policy: the office any; a department the policies it owns (a new one is
/// owned by the department that writes it).
pub fn can_write_policy(p: &crate::Principal, owner_department: Option<i64>) -> bool {
    use crate::Role;
    match p.role {
        Role::Admin | Role::Office => true,
        Role::Department => p.department_id.is_some() && owner_department == p.department_id,
        _ => false,
    }
}

/// Push a policy to a firm and record its cashing: the office to any firm; a service manager
/// to the firms he serves; a department for the policies it owns, to any firm it may read.
pub fn can_push_policy(
    p: &crate::Principal,
    owner_department: Option<i64>,
    firm: &crate::access::EnterpriseFacts,
) -> bool {
    use crate::Role;
    if !p.can_read_enterprise(firm) {
        return false;
    }
    match p.role {
        Role::Admin | Role::Office => true,
        Role::ServiceManager => p.person_id.is_some() && firm.service_manager == p.person_id,
        Role::Department => p.department_id.is_some() && owner_department == p.department_id,
        Role::Leader | Role::Town | Role::Viewer => false,
    }
}

/// Whether a policy is in force on a day (validity inclusive; an open end never ends).
pub fn in_force(valid_from: Date, valid_to: Option<Date>, on: Date) -> bool {
    valid_from <= on && valid_to.is_none_or(|t| on <= t)
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
