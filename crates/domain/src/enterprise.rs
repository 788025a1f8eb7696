//! The enterprise as the registry knows it (一企一档): its tags, the statistical scale lines
//! (规模以上 / 限额以上) its industry class and revenue put it above or below, and the editable
//! mapping from industry classes and name keywords to the region's tracks. Pure rules; the store
//! keeps the facts and the confidentiality rule for firm figures lives in [`crate::access`].

use crate::industry::Class;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A label the registry puts on a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    /// 链主企业: the anchor firm of a chain.
    ChainLeader,
    /// 专精特新: specialised, refined, distinctive, innovative SME.
    Specialised,
    /// 高新技术企业: certified high-tech enterprise.
    HighTech,
    /// 上市: listed company.
    Listed,
}

impl Tag {
    pub const ALL: [Tag; 4] = [
        Tag::ChainLeader,
        Tag::Specialised,
        Tag::HighTech,
        Tag::Listed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tag::ChainLeader => "chain_leader",
            Tag::Specialised => "specialised",
            Tag::HighTech => "high_tech",
            Tag::Listed => "listed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tag::ChainLeader => "链主",
            Tag::Specialised => "专精特新",
            Tag::HighTech => "高新技术企业",
            Tag::Listed => "上市",
        }
    }

    /// A tag by its Chinese label (or a common short form) or its code.
    pub fn parse(input: &str) -> Option<Self> {
        let t = input.trim();
        let t = match t {
            "链主企业" => "链主",
            "高新技术" | "高企" | "高新" => "高新技术企业",
            "上市企业" | "上市公司" => "上市",
            "专精特新企业" | "专精特新中小企业" => "专精特新",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|g| g.label() == t || g.code() == t)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("标签“{0}”无效：应为 链主、专精特新、高新技术企业 或 上市，多个标签用分号分隔")]
pub struct TagError(pub String);

/// Tags written `链主;专精特新` (`;`, `；`, `、` or `,` between them), sorted and deduplicated.
pub fn parse_tags(input: &str) -> Result<Vec<Tag>, TagError> {
    let mut tags = Vec::new();
    for part in input.split([';', '；', '、', ',', '，']) {
        if part.trim().is_empty() {
            continue;
        }
        tags.push(Tag::parse(part).ok_or_else(|| TagError(part.trim().to_string()))?);
    }
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// Tags as stored: codes joined by `;`.
pub fn tags_code(tags: &[Tag]) -> String {
    tags.iter().map(|t| t.code()).collect::<Vec<_>>().join(";")
}

/// Reads stored tags strictly: an unknown code is an error, not a missing tag.
pub fn tags_from_code(stored: &str) -> Result<Vec<Tag>, crate::UnknownCode> {
    use crate::Coded;
    stored
        .split(';')
        .filter(|s| !s.is_empty())
        .map(Tag::from_code)
        .collect()
}

/// The statistical survey a firm's industry puts it in, each with its own line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// 规模以上工业: mining, manufacturing, utilities (sections B, C, D).
    Industry,
    /// 限额以上批发业 (division 51).
    Wholesale,
    /// 限额以上零售业 (division 52).
    Retail,
    /// 限额以上住宿业 and 餐饮业 (divisions 61, 62).
    Hospitality,
    /// 规模以上服务业 (by section, division or class; see [`scale_line`]).
    Services,
}

impl ScaleKind {
    pub const ALL: [ScaleKind; 5] = [
        ScaleKind::Industry,
        ScaleKind::Wholesale,
        ScaleKind::Retail,
        ScaleKind::Hospitality,
        ScaleKind::Services,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ScaleKind::Industry => "industry",
            ScaleKind::Wholesale => "wholesale",
            ScaleKind::Retail => "retail",
            ScaleKind::Hospitality => "hospitality",
            ScaleKind::Services => "services",
        }
    }

    /// What a firm above the line is called.
    pub fn above_label(self) -> &'static str {
        match self {
            ScaleKind::Industry => "规上工业",
            ScaleKind::Wholesale => "限上批发",
            ScaleKind::Retail => "限上零售",
            ScaleKind::Hospitality => "限上住宿餐饮",
            ScaleKind::Services => "规上服务业",
        }
    }
}

/// The line a firm's annual (main-business) revenue must reach, in 万元.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScaleLine {
    pub kind: ScaleKind,
    pub threshold_wan: i64,
}

/// The statistical line for an industry class (NBS survey scopes; docs/domain.md cites them):
/// industry ≥ 2,000 万元 main-business revenue; wholesale ≥ 2,000, retail ≥ 500, hotels and
/// catering ≥ 200; services ≥ 2,000 (transport, storage and post G; information and software I;
/// water, environment and public facilities N; health 84), ≥ 1,000 (leasing and business
/// services L; research and technical services M; education P; property management 7020, real
/// estate agency 7030, leasing 7040, other real estate 7090), ≥ 500 (resident and repair
/// services O; culture, sports and entertainment R; social work 85). Other classes (farming,
/// construction, real estate development, finance, public administration) have no revenue line.
pub fn scale_line(class: &Class) -> Option<ScaleLine> {
    use ScaleKind::*;
    let line = |kind, threshold_wan| {
        Some(ScaleLine {
            kind,
            threshold_wan,
        })
    };
    match (class.section.code, class.division.code, class.class.code) {
        ("B" | "C" | "D", _, _) => line(Industry, 2_000),
        (_, "51", _) => line(Wholesale, 2_000),
        (_, "52", _) => line(Retail, 500),
        (_, "61" | "62", _) => line(Hospitality, 200),
        (_, "84", _) => line(Services, 2_000),
        (_, "85", _) => line(Services, 500),
        (_, _, "7020" | "7030" | "7040" | "7090") => line(Services, 1_000),
        ("G" | "I" | "N", _, _) => line(Services, 2_000),
        ("L" | "M" | "P", _, _) => line(Services, 1_000),
        ("O" | "R", _, _) => line(Services, 500),
        _ => None,
    }
}

/// Whether an annual revenue (万元) is at or above the class's line; `None` when the class has
/// no revenue line.
pub fn is_above_scale(class: &Class, annual_revenue_wan: f64) -> Option<bool> {
    scale_line(class).map(|l| annual_revenue_wan >= l.threshold_wan as f64)
}

/// One rule of the mapping from industry to tracks: firms whose class starts with `industry`
/// (a division "38", a group "385" or a class "3856"; empty for any) and, when `keyword` is not
/// empty, whose name contains it, belong to the track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackRule {
    pub track_id: i64,
    pub industry: String,
    pub keyword: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TrackRuleError {
    #[error("行业代码前缀“{0}”应为 2–4 位数字（大类、中类或小类）")]
    Industry(String),
    #[error("一条规则至少要有行业代码前缀或名称关键词")]
    Empty,
}

impl TrackRule {
    pub fn new(track_id: i64, industry: &str, keyword: &str) -> Result<Self, TrackRuleError> {
        let industry = industry.trim();
        let keyword = keyword.trim();
        let well_formed =
            (2..=4).contains(&industry.len()) && industry.bytes().all(|b| b.is_ascii_digit());
        if !industry.is_empty() && !well_formed {
            return Err(TrackRuleError::Industry(industry.to_string()));
        }
        if industry.is_empty() && keyword.is_empty() {
            return Err(TrackRuleError::Empty);
        }
        Ok(Self {
            track_id,
            industry: industry.to_string(),
            keyword: keyword.to_string(),
        })
    }

    pub fn matches(&self, class_code: Option<&str>, name: &str) -> bool {
        let industry_ok = self.industry.is_empty()
            || class_code.is_some_and(|c| c.starts_with(self.industry.as_str()));
        let keyword_ok = self.keyword.is_empty() || name.contains(self.keyword.as_str());
        industry_ok && keyword_ok
    }
}

/// The tracks a firm belongs to by the mapping, each once, in the order of the rules.
pub fn tracks_for(rules: &[TrackRule], class_code: Option<&str>, name: &str) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for r in rules {
        if r.matches(class_code, name) && !out.contains(&r.track_id) {
            out.push(r.track_id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::industry;

    #[test]
    fn tags_parse_from_chinese_and_refuse_the_unknown() {
        assert_eq!(
            parse_tags("专精特新；链主; 高企").expect("valid"),
            vec![Tag::ChainLeader, Tag::Specialised, Tag::HighTech]
        );
        assert_eq!(parse_tags("").expect("empty"), vec![]);
        assert_eq!(parse_tags("链主;独角兽"), Err(TagError("独角兽".into())));
        let stored = tags_code(&[Tag::ChainLeader, Tag::Listed]);
        assert_eq!(stored, "chain_leader;listed");
        assert_eq!(
            tags_from_code(&stored).expect("known"),
            vec![Tag::ChainLeader, Tag::Listed]
        );
        assert!(tags_from_code("chain_leader;unicorn").is_err());
    }

    fn line(code: &str) -> Option<(ScaleKind, i64)> {
        scale_line(&industry::class(code).expect("class")).map(|l| (l.kind, l.threshold_wan))
    }

    #[test]
    fn scale_lines_follow_the_survey_scopes() {
        assert_eq!(line("3856"), Some((ScaleKind::Industry, 2_000)));
        assert_eq!(line("0610"), Some((ScaleKind::Industry, 2_000)));
        assert_eq!(line("4411"), Some((ScaleKind::Industry, 2_000)));
        assert_eq!(line("5111"), Some((ScaleKind::Wholesale, 2_000)));
        assert_eq!(line("5211"), Some((ScaleKind::Retail, 500)));
        assert_eq!(line("6110"), Some((ScaleKind::Hospitality, 200)));
        assert_eq!(line("6210"), Some((ScaleKind::Hospitality, 200)));
        assert_eq!(line("6511"), Some((ScaleKind::Services, 2_000)));
        assert_eq!(line("7020"), Some((ScaleKind::Services, 1_000)));
        assert_eq!(line("7010"), None);
        assert_eq!(line("7211"), Some((ScaleKind::Services, 1_000)));
        assert_eq!(line("8010"), Some((ScaleKind::Services, 500)));
        assert_eq!(line("8411"), Some((ScaleKind::Services, 2_000)));
        assert_eq!(line("8512"), Some((ScaleKind::Services, 500)));
        assert_eq!(line("0111"), None);
        let fridge = industry::class("3851").expect("class");
        assert_eq!(is_above_scale(&fridge, 2_000.0), Some(true));
        assert_eq!(is_above_scale(&fridge, 1_999.9), Some(false));
    }

    #[test]
    fn track_rules_match_by_class_prefix_and_keyword() {
        let rules = vec![
            TrackRule::new(1, "385", "").expect("rule"),
            TrackRule::new(2, "", "机器人").expect("rule"),
            TrackRule::new(3, "39", "芯").expect("rule"),
            TrackRule::new(1, "3856", "").expect("rule"),
        ];
        assert_eq!(
            tracks_for(&rules, Some("3851"), "某某冰箱有限公司"),
            vec![1]
        );
        assert_eq!(
            tracks_for(&rules, Some("3856"), "某某机器人公司"),
            vec![1, 2]
        );
        assert_eq!(tracks_for(&rules, Some("3973"), "芯联微电子"), vec![3]);
        assert_eq!(
            tracks_for(&rules, Some("3973"), "某电子厂"),
            Vec::<i64>::new()
        );
        assert_eq!(tracks_for(&rules, None, "机器人"), vec![2]);
        assert_eq!(
            TrackRule::new(1, "3", ""),
            Err(TrackRuleError::Industry("3".into()))
        );
        assert_eq!(TrackRule::new(1, "", " "), Err(TrackRuleError::Empty));
    }
}
