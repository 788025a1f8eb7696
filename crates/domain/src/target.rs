//! Annual targets and how far along they are. A cumulative target (projects signed,
//! investment, talent) is judged against time-elapsed progress (序时进度): the share of
//! the year gone by. A level target (a growth rate, a share, a stock) is judged directly
//! against its value. Status: green 正常, yellow 关注, red 滞后 (METHODS.md §3).

use crate::decimal::{format_scaled, parse_scaled, DecimalError};
use crate::money::{MoneyError, MoneyUnit, Yuan};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The unit a target is measured in. Each stores its value as an integer:
/// counts as is, money in yuan, percentages in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Yuan,
    Percent,
    Persons,
    Firms,
    Days,
}

impl Unit {
    pub const ALL: [Unit; 6] = [
        Unit::Count,
        Unit::Yuan,
        Unit::Percent,
        Unit::Persons,
        Unit::Firms,
        Unit::Days,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Yuan => "yuan",
            Unit::Percent => "percent",
            Unit::Persons => "persons",
            Unit::Firms => "firms",
            Unit::Days => "days",
        }
    }

    /// The unit as shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "个",
            Unit::Yuan => "亿元",
            Unit::Percent => "%",
            Unit::Persons => "人",
            Unit::Firms => "家",
            Unit::Days => "天",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Accumulates over the year; judged against time-elapsed progress.
    Cumulative,
    /// A rate, share or stock; judged directly against the target value.
    Level,
}

impl TargetKind {
    pub const ALL: [TargetKind; 2] = [TargetKind::Cumulative, TargetKind::Level];

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "cumulative" => Some(Self::Cumulative),
            "level" => Some(Self::Level),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            TargetKind::Cumulative => "cumulative",
            TargetKind::Level => "level",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Cumulative => "累计",
            TargetKind::Level => "水平",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("数值{0}")]
    Number(#[from] DecimalError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("单位不符：该指标以“{expected}”计，不能填写“{given}”")]
    WrongUnit {
        expected: &'static str,
        given: String,
    },
    #[error("该指标数值不能为负数：“{0}”")]
    Negative(String),
}

/// A value in a target's unit, stored as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub unit: Unit,
    pub raw: i64,
}

/// Unit words people type after numbers, and the unit each one means.
const UNIT_WORDS: &[(&str, Unit)] = &[
    ("亿元", Unit::Yuan),
    ("万元", Unit::Yuan),
    ("亿", Unit::Yuan),
    ("万", Unit::Yuan),
    ("元", Unit::Yuan),
    ("%", Unit::Percent),
    ("％", Unit::Percent),
    ("个", Unit::Count),
    ("项", Unit::Count),
    ("人", Unit::Persons),
    ("家", Unit::Firms),
    ("天", Unit::Days),
];

impl Quantity {
    /// Parses what a person types for a value in `unit`: "200", "200个", "800亿元",
    /// "5.6%", "12,000人". A suffix of another unit is refused, not converted.
    pub fn parse(input: &str, unit: Unit) -> Result<Self, QuantityError> {
        let s = input.trim();
        let suffix = UNIT_WORDS.iter().find(|(word, _)| s.ends_with(word));
        if let Some((word, given)) = suffix {
            if *given != unit {
                return Err(QuantityError::WrongUnit {
                    expected: unit.label(),
                    given: (*word).to_string(),
                });
            }
        }
        let raw = match unit {
            Unit::Yuan => Yuan::parse(s, MoneyUnit::Yi)?.0,
            Unit::Percent => {
                let n = s.trim_end_matches(['%', '％']);
                parse_scaled(n, 2)?
            }
            Unit::Count | Unit::Persons | Unit::Firms | Unit::Days => {
                let n = suffix.map(|(w, _)| &s[..s.len() - w.len()]).unwrap_or(s);
                let v = parse_scaled(n, 0)?;
                if v < 0 {
                    return Err(QuantityError::Negative(s.to_string()));
                }
                v
            }
        };
        Ok(Self { unit, raw })
    }

    pub fn from_raw(unit: Unit, raw: i64) -> Self {
        Self { unit, raw }
    }

    /// The value in its display unit as a float, for charts and ratios only.
    pub fn as_f64(&self) -> f64 {
        match self.unit {
            Unit::Yuan => self.raw as f64 / 1e8,
            Unit::Percent => self.raw as f64 / 100.0,
            _ => self.raw as f64,
        }
    }

    /// The number without its unit, as shown in tables: "1,728.04", "5.6", "12,000".
    pub fn number_text(&self) -> String {
        match self.unit {
            Unit::Yuan => Yuan(self.raw).yi_text(),
            Unit::Percent => format_scaled(self.raw, 2, 1),
            _ => crate::decimal::grouped(&self.raw.to_string()),
        }
    }

    /// The value with its unit: "800.00 亿元", "5.6%", "200 个".
    pub fn text(&self) -> String {
        match self.unit {
            Unit::Percent => format!("{}%", self.number_text()),
            u => format!("{} {}", self.number_text(), u.label()),
        }
    }

    /// The canonical input form, which `parse` reads back to the same value.
    pub fn input_text(&self) -> String {
        match self.unit {
            Unit::Yuan => format!(
                "{}亿元",
                format_scaled(self.raw, 8, 8)
                    .trim_end_matches('0')
                    .trim_end_matches('.')
            ),
            Unit::Percent => format_scaled(self.raw, 2, 2)
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            _ => self.raw.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    Yellow,
    Red,
    /// No actual value yet.
    Unknown,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Yellow => "yellow",
            Status::Red => "red",
            Status::Unknown => "unknown",
        }
    }

    /// The word that always accompanies the colour.
    pub fn label(self) -> &'static str {
        match self {
            Status::Green => "正常",
            Status::Yellow => "关注",
            Status::Red => "滞后",
            Status::Unknown => "待报",
        }
    }
}

/// When a target turns yellow or red. Cumulative targets: by how many percentage points
/// completion lags the elapsed share of the year. Level targets in percent: by how many
/// percentage points the actual is below the target. Other level targets: by how many
/// percent of the target the actual falls short.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProgressThresholds {
    pub cumulative_watch_pp: f64,
    pub cumulative_alarm_pp: f64,
    pub level_rate_watch_pp: f64,
    pub level_shortfall_watch_pct: f64,
}

impl Default for ProgressThresholds {
    fn default() -> Self {
        Self {
            cumulative_watch_pp: 10.0,
            cumulative_alarm_pp: 30.0,
            level_rate_watch_pp: 1.0,
            level_shortfall_watch_pct: 10.0,
        }
    }
}

/// One entry of a colour legend: the status (its code is the CSS class, its label the word) and
/// the rule in force, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendEntry {
    pub status: &'static str,
    pub label: &'static str,
    pub rule: String,
}

impl ProgressThresholds {
    /// The status colours of targets with the thresholds in force, for the legend beside a
    /// table (so that the page says what 关注 and 滞后 mean with this configuration).
    pub fn legend(&self) -> Vec<LegendEntry> {
        let n = |x: f64| {
            crate::decimal::fixed(x, 1)
                .trim_end_matches(".0")
                .to_string()
        };
        vec![
            LegendEntry {
                status: Status::Green.code(),
                label: Status::Green.label(),
                rule: format!(
                    "累计完成落后序时进度不到 {} 个百分点；增速类目标达到目标",
                    n(self.cumulative_watch_pp)
                ),
            },
            LegendEntry {
                status: Status::Yellow.code(),
                label: Status::Yellow.label(),
                rule: format!(
                    "落后序时进度 {}–{} 个百分点；增速低于目标不超过 {} 个百分点；其他目标完成 {}% 以上",
                    n(self.cumulative_watch_pp),
                    n(self.cumulative_alarm_pp),
                    n(self.level_rate_watch_pp),
                    n(100.0 - self.level_shortfall_watch_pct)
                ),
            },
            LegendEntry {
                status: Status::Red.code(),
                label: Status::Red.label(),
                rule: format!(
                    "落后序时进度超过 {} 个百分点，或低于以上范围",
                    n(self.cumulative_alarm_pp)
                ),
            },
            LegendEntry {
                status: Status::Unknown.code(),
                label: Status::Unknown.label(),
                rule: "尚无完成数据".into(),
            },
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Actual / target (1.0 = done); None without an actual or with a zero target.
    pub completion: Option<f64>,
    /// Share of the year elapsed (0..=1); meaningful for cumulative targets.
    pub elapsed_share: f64,
    /// Elapsed share minus completion, in percentage points (positive = behind).
    pub lag_pp: Option<f64>,
    /// Actual minus target in the target's display unit (pp for percentages).
    pub difference: Option<f64>,
    pub status: Status,
}

impl Progress {
    /// Judges `actual` against `target` at `elapsed_share` of the year.
    pub fn assess(
        kind: TargetKind,
        target: Quantity,
        actual: Option<Quantity>,
        elapsed_share: f64,
        thresholds: &ProgressThresholds,
    ) -> Self {
        let elapsed_share = elapsed_share.clamp(0.0, 1.0);
        let Some(actual) = actual else {
            return Self {
                completion: None,
                elapsed_share,
                lag_pp: None,
                difference: None,
                status: Status::Unknown,
            };
        };
        let difference = Some(actual.as_f64() - target.as_f64());
        let completion = if target.raw == 0 {
            None
        } else {
            Some(actual.raw as f64 / target.raw as f64)
        };
        match kind {
            TargetKind::Cumulative => {
                let lag_pp = completion.map(|c| (elapsed_share - c) * 100.0);
                let status = match lag_pp {
                    None => Status::Unknown,
                    Some(l) if l > thresholds.cumulative_alarm_pp => Status::Red,
                    Some(l) if l >= thresholds.cumulative_watch_pp => Status::Yellow,
                    Some(_) => Status::Green,
                };
                Self {
                    completion,
                    elapsed_share,
                    lag_pp,
                    difference,
                    status,
                }
            }
            TargetKind::Level => {
                let status = if target.unit == Unit::Percent {
                    let d = actual.as_f64() - target.as_f64();
                    if d >= -1e-9 {
                        Status::Green
                    } else if d >= -thresholds.level_rate_watch_pp - 1e-9 {
                        Status::Yellow
                    } else {
                        Status::Red
                    }
                } else {
                    match completion {
                        None => Status::Unknown,
                        Some(c) if c >= 1.0 => Status::Green,
                        Some(c) if c >= 1.0 - thresholds.level_shortfall_watch_pct / 100.0 => {
                            Status::Yellow
                        }
                        Some(_) => Status::Red,
                    }
                };
                // A growth rate or share is not "completed" by a fraction of its target.
                let completion = if target.unit == Unit::Percent {
                    None
                } else {
                    completion
                };
                Self {
                    completion,
                    elapsed_share,
                    lag_pp: None,
                    difference,
                    status,
                }
            }
        }
    }
}

/// The years a target may be set for.
pub const TARGET_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The GDP growth targets (%) the analysis accepts: beyond ±50 % no city plans.
pub const GDP_GROWTH_TARGET_RANGE: std::ops::RangeInclusive<f64> = -50.0..=50.0;

/// Why a target's defining value is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TargetRuleError {
    #[error("年度 {0} 不在 2000–2100 之间")]
    Year(i32),
    #[error("目标增速“{0}”无效：应为 -50 至 50 之间的百分数")]
    GrowthTarget(String),
}

/// Checks the year of a new target.
pub fn check_target_year(year: i32) -> Result<i32, TargetRuleError> {
    if TARGET_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(TargetRuleError::Year(year))
    }
}

/// Reads a GDP growth target in percent ("5.5" or "5.5%") within [`GDP_GROWTH_TARGET_RANGE`].
pub fn parse_gdp_growth_target(text: &str) -> Result<f64, TargetRuleError> {
    text.trim()
        .trim_end_matches(['%', '％'])
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && GDP_GROWTH_TARGET_RANGE.contains(v))
        .ok_or_else(|| TargetRuleError::GrowthTarget(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_states_the_thresholds_in_force() {
        let t = ProgressThresholds {
            cumulative_watch_pp: 5.0,
            cumulative_alarm_pp: 20.0,
            ..ProgressThresholds::default()
        };
        let l = t.legend();
        assert_eq!(l[1].label, "关注");
        assert!(l[1].rule.contains("5–20 个百分点"), "{}", l[1].rule);
        assert!(l[2].rule.contains("超过 20 个百分点"), "{}", l[2].rule);
    }

    #[test]
    fn target_years_and_growth_targets_have_bounds() {
        assert_eq!(check_target_year(2025), Ok(2025));
        assert_eq!(check_target_year(1999), Err(TargetRuleError::Year(1999)));
        assert_eq!(check_target_year(2101), Err(TargetRuleError::Year(2101)));
        assert_eq!(parse_gdp_growth_target("5.5%"), Ok(5.5));
        assert_eq!(parse_gdp_growth_target("-50"), Ok(-50.0));
        for bad in ["50.1", "NaN", "inf", "", "五"] {
            assert!(parse_gdp_growth_target(bad).is_err(), "{bad}");
        }
    }

    fn q(s: &str, u: Unit) -> Quantity {
        Quantity::parse(s, u).expect("valid quantity")
    }

    #[test]
    fn parses_quantities_in_their_units() {
        assert_eq!(q("200", Unit::Count).raw, 200);
        assert_eq!(q("200个", Unit::Count).raw, 200);
        assert_eq!(q("800亿元", Unit::Yuan).raw, 80_000_000_000);
        assert_eq!(q("800", Unit::Yuan).raw, 80_000_000_000);
        assert_eq!(q("5.6%", Unit::Percent).raw, 560);
        assert_eq!(q("-1.5", Unit::Percent).raw, -150);
        assert_eq!(q("12,000人", Unit::Persons).raw, 12000);
    }

    #[test]
    fn refuses_the_wrong_unit() {
        assert!(matches!(
            Quantity::parse("800亿元", Unit::Count),
            Err(QuantityError::WrongUnit {
                expected: "个", ..
            })
        ));
        assert!(matches!(
            Quantity::parse("5%", Unit::Yuan),
            Err(QuantityError::WrongUnit { .. })
        ));
        assert!(Quantity::parse("2.5", Unit::Count).is_err());
        assert!(Quantity::parse("-3", Unit::Count).is_err());
    }

    #[test]
    fn input_text_round_trips() {
        for (s, u) in [
            ("800.5亿元", Unit::Yuan),
            ("5.6", Unit::Percent),
            ("200", Unit::Count),
            ("0.01亿元", Unit::Yuan),
        ] {
            let v = q(s, u);
            assert_eq!(Quantity::parse(&v.input_text(), u), Ok(v), "{s}");
        }
        assert_eq!(q("800", Unit::Yuan).text(), "800.00 亿元");
        assert_eq!(q("5.6", Unit::Percent).text(), "5.6%");
    }

    #[test]
    fn cumulative_status_follows_the_thresholds() {
        let t = ProgressThresholds::default();
        let target = q("60", Unit::Count);
        // 1–9 月: 75 % of the year elapsed.
        let p = Progress::assess(
            TargetKind::Cumulative,
            target,
            Some(q("45", Unit::Count)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Green);
        assert!(p.lag_pp.is_some_and(|l| l.abs() < 1e-9));
        let p = Progress::assess(
            TargetKind::Cumulative,
            target,
            Some(q("38", Unit::Count)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Yellow, "38/60 = 63.3 %, 11.7 pp behind");
        let p = Progress::assess(
            TargetKind::Cumulative,
            q("20", Unit::Count),
            Some(q("7", Unit::Count)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Red, "7/20 = 35 %, 40 pp behind");
        let p = Progress::assess(TargetKind::Cumulative, target, None, 0.75, &t);
        assert_eq!(p.status, Status::Unknown);
    }

    #[test]
    fn level_status_compares_directly() {
        let t = ProgressThresholds::default();
        let gdp = q("5.6", Unit::Percent);
        let p = Progress::assess(
            TargetKind::Level,
            gdp,
            Some(q("5.1", Unit::Percent)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Yellow);
        assert!(p.difference.is_some_and(|d| (d + 0.5).abs() < 1e-9));
        assert_eq!(
            p.completion, None,
            "a growth rate is not a fraction of its target"
        );
        let p = Progress::assess(
            TargetKind::Level,
            q("9", Unit::Percent),
            Some(q("5.8", Unit::Percent)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Red);
        let p = Progress::assess(
            TargetKind::Level,
            q("1000", Unit::Firms),
            Some(q("960", Unit::Firms)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Yellow);
        let p = Progress::assess(
            TargetKind::Level,
            q("1000", Unit::Firms),
            Some(q("1010", Unit::Firms)),
            0.75,
            &t,
        );
        assert_eq!(p.status, Status::Green);
    }

    proptest::proptest! {
        #[test]
        fn more_done_is_never_worse(done in 0i64..400, extra in 0i64..50, months in 1u32..=12) {
            let t = ProgressThresholds::default();
            let target = Quantity::from_raw(Unit::Count, 200);
            let share = f64::from(months) / 12.0;
            let rank = |s: Status| match s { Status::Green => 0, Status::Yellow => 1, Status::Red => 2, Status::Unknown => 3 };
            let a = Progress::assess(TargetKind::Cumulative, target, Some(Quantity::from_raw(Unit::Count, done)), share, &t);
            let b = Progress::assess(TargetKind::Cumulative, target, Some(Quantity::from_raw(Unit::Count, done + extra)), share, &t);
            proptest::prop_assert!(rank(b.status) <= rank(a.status));
        }
    }
}
