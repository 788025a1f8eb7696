//! What kind of statistic an indicator is, and what to call it. Only the indicators that move
//! ahead of output (electricity use, freight, new loans …) are leading (先行); GDP itself is the
//! aggregate the accounting estimates, and price indices deflate other indicators — calling
//! either 先行 misleads a reader, so each has its own kind and its own Chinese name here, in one
//! place, for every page and export.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Drives an industry of the GDP accounting (核算指标).
    Accounting,
    /// Moves ahead of output and is watched for it (先行指标: electricity, freight, new loans).
    Leading,
    /// Monitored beside the accounting, not in its sum (辅助指标: investment, retail sales …).
    Supporting,
    /// A price index, used to deflate nominal indicators (价格指数).
    Price,
    /// The aggregate the accounting estimates (总量指标: GDP).
    Aggregate,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 5] = [
        IndicatorKind::Accounting,
        IndicatorKind::Leading,
        IndicatorKind::Supporting,
        IndicatorKind::Price,
        IndicatorKind::Aggregate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IndicatorKind::Accounting => "accounting",
            IndicatorKind::Leading => "leading",
            IndicatorKind::Supporting => "supporting",
            IndicatorKind::Price => "price",
            IndicatorKind::Aggregate => "aggregate",
        }
    }

    /// The name a user reads: "核算指标", "先行指标" ….
    pub fn label(self) -> &'static str {
        match self {
            IndicatorKind::Accounting => "核算指标",
            IndicatorKind::Leading => "先行指标",
            IndicatorKind::Supporting => "辅助指标",
            IndicatorKind::Price => "价格指数",
            IndicatorKind::Aggregate => "总量指标",
        }
    }

    /// The short tag beside an indicator's name: "先行", "价格" ….
    pub fn tag(self) -> &'static str {
        match self {
            IndicatorKind::Accounting => "核算",
            IndicatorKind::Leading => "先行",
            IndicatorKind::Supporting => "辅助",
            IndicatorKind::Price => "价格",
            IndicatorKind::Aggregate => "总量",
        }
    }

    /// Whether the indicator drives an industry of the GDP sum.
    pub fn in_accounting(self) -> bool {
        self == IndicatorKind::Accounting
    }

    /// Reads a code or a Chinese name (as an import file may carry it); `None` when it names
    /// no kind.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL.iter().copied().find(|k| {
            t == k.code()
                || t == k.label()
                || t == k.tag()
                || (t == "先行/辅助指标" && *k == IndicatorKind::Supporting)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_codes_and_chinese_names() {
        assert_eq!(
            IndicatorKind::parse("先行指标"),
            Some(IndicatorKind::Leading)
        );
        assert_eq!(IndicatorKind::parse("价格"), Some(IndicatorKind::Price));
        assert_eq!(
            IndicatorKind::parse("aggregate"),
            Some(IndicatorKind::Aggregate)
        );
        assert_eq!(IndicatorKind::parse("gossip"), None);
        for k in IndicatorKind::ALL {
            assert_eq!(IndicatorKind::parse(k.code()), Some(k));
            assert!(!k.label().is_ascii());
        }
        assert!(IndicatorKind::Accounting.in_accounting());
        assert!(!IndicatorKind::Leading.in_accounting());
    }
}
