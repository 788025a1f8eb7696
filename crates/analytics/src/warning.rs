//! Early warning (预警): configurable rules that give each indicator a status — red 滞后,
//! yellow 关注, green 正常 — and one plain sentence saying why, in the phrasing of Chinese
//! statistics.

use crate::accounting::IndicatorResult;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Green,
    Yellow,
    Red,
    Unknown,
}

impl WarningLevel {
    pub fn code(self) -> &'static str {
        match self {
            WarningLevel::Green => "green",
            WarningLevel::Yellow => "yellow",
            WarningLevel::Red => "red",
            WarningLevel::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WarningLevel::Green => "正常",
            WarningLevel::Yellow => "关注",
            WarningLevel::Red => "滞后",
            WarningLevel::Unknown => "待报",
        }
    }
}

/// The rules. Defaults: negative growth is red; below target by 2 pp or more is red; below
/// target at all is yellow; a shortfall costing GDP 0.3 pp or more is red.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WarningRules {
    pub red_on_negative_growth: bool,
    pub yellow_below_target_pp: f64,
    pub red_below_target_pp: f64,
    pub red_shortfall_gdp_pp: f64,
}

impl Default for WarningRules {
    fn default() -> Self {
        Self {
            red_on_negative_growth: true,
            yellow_below_target_pp: 0.0,
            red_below_target_pp: 2.0,
            red_shortfall_gdp_pp: 0.3,
        }
    }
}

impl WarningRules {
    /// The indicator status colours with the rules in force, for the legend of 找位置:
    /// (status code, word, rule).
    pub fn legend(&self) -> Vec<(&'static str, &'static str, String)> {
        let n = |x: f64| {
            let s = format!("{x:.1}");
            s.trim_end_matches(".0").to_string()
        };
        let mut red = vec![
            format!("低于目标 {} 个百分点及以上", n(self.red_below_target_pp)),
            format!("拖累 GDP {} 个百分点及以上", n(self.red_shortfall_gdp_pp)),
        ];
        if self.red_on_negative_growth {
            red.push("负增长".into());
        }
        vec![
            (
                WarningLevel::Green.code(),
                WarningLevel::Green.label(),
                if self.yellow_below_target_pp <= 0.0 {
                    "达到或高于目标".to_string()
                } else {
                    format!("低于目标不超过 {} 个百分点", n(self.yellow_below_target_pp))
                },
            ),
            (
                WarningLevel::Yellow.code(),
                WarningLevel::Yellow.label(),
                if self.yellow_below_target_pp <= 0.0 {
                    "低于目标".to_string()
                } else {
                    format!("低于目标超过 {} 个百分点", n(self.yellow_below_target_pp))
                },
            ),
            (
                WarningLevel::Red.code(),
                WarningLevel::Red.label(),
                red.join("，或"),
            ),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub level: WarningLevel,
    /// The rules that fired, as short phrases.
    pub reasons: Vec<String>,
    /// One sentence for people.
    pub sentence: String,
}

/// Judges one indicator. `rest_label` names the rest of the year ("10–12 月").
pub fn assess(k: &IndicatorResult, rest_label: &str, rules: &WarningRules) -> Warning {
    let Some(r) = k.real_growth_pct else {
        return Warning {
            level: WarningLevel::Unknown,
            reasons: vec!["本期无数据".into()],
            sentence: format!("{}本期尚无数据", k.name),
        };
    };
    // An indicator with neither its own target nor a place in the GDP sum (a price index) is
    // monitored, not judged against the GDP target.
    if !k.own_target && k.sensitivity == 0.0 {
        let word = if r < 0.0 { "下降" } else { "增长" };
        return Warning {
            level: WarningLevel::Green,
            reasons: vec![],
            sentence: format!("{}累计{word} {:.1}%（监测指标，未设目标）", k.name, r.abs()),
        };
    }
    let below = k.target_growth_pct - r;
    let mut level = WarningLevel::Green;
    let mut reasons = Vec::new();
    let raise = |level: &mut WarningLevel, to: WarningLevel| {
        let rank = |l: WarningLevel| match l {
            WarningLevel::Green | WarningLevel::Unknown => 0,
            WarningLevel::Yellow => 1,
            WarningLevel::Red => 2,
        };
        if rank(to) > rank(*level) {
            *level = to;
        }
    };
    if rules.red_on_negative_growth && r < 0.0 {
        raise(&mut level, WarningLevel::Red);
        reasons.push("负增长".into());
    }
    if below > rules.yellow_below_target_pp + 1e-9 {
        raise(&mut level, WarningLevel::Yellow);
        reasons.push("低于目标".into());
    }
    if below >= rules.red_below_target_pp - 1e-9 {
        raise(&mut level, WarningLevel::Red);
        reasons.push(format!(
            "低于目标 {} 个百分点以上",
            rules.red_below_target_pp
        ));
    }
    if k.shortfall_pp
        .is_some_and(|s| s >= rules.red_shortfall_gdp_pp - 1e-9)
    {
        raise(&mut level, WarningLevel::Red);
        reasons.push(format!(
            "拖累 GDP {} 个百分点以上",
            rules.red_shortfall_gdp_pp
        ));
    }

    let growth_word = if r < 0.0 { "下降" } else { "增长" };
    let deflated = match (k.nominal_growth_pct, k.real_growth_pct) {
        (Some(n), Some(real)) if (n - real).abs() > 1e-9 => {
            format!("（名义增长 {n:.1}%，扣除价格因素后）")
        }
        _ => String::new(),
    };
    let target_word = if k.own_target { "目标" } else { "GDP 目标" };
    let mut sentence = format!("{}累计{growth_word} {:.1}%{deflated}", k.name, r.abs());
    if below > 0.05 {
        sentence.push_str(&format!("，低于{target_word} {below:.1} 个百分点"));
    } else if below < -0.05 {
        sentence.push_str(&format!("，高于{target_word} {:.1} 个百分点", -below));
    } else {
        sentence.push_str(&format!("，与{target_word}持平"));
    }
    match k.shortfall_pp {
        Some(s) if s > 0.005 => sentence.push_str(&format!("，拖累 GDP 约 {s:.2} 个百分点")),
        Some(s) if s < -0.005 => sentence.push_str(&format!("，拉高 GDP 约 {:.2} 个百分点", -s)),
        _ => {}
    }
    if let Some(n) = k.rest_of_year_growth_needed_pct {
        if !rest_label.is_empty() {
            sentence.push_str(&format!("；完成全年目标，{rest_label}需增长 {n:.1}%"));
        }
    }
    Warning {
        level,
        reasons,
        sentence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_states_the_rules_in_force() {
        let rules = WarningRules {
            red_below_target_pp: 3.0,
            red_shortfall_gdp_pp: 0.5,
            ..WarningRules::default()
        };
        let l = rules.legend();
        assert_eq!(l[0].2, "达到或高于目标");
        assert!(l[2].2.contains("低于目标 3 个百分点"), "{}", l[2].2);
        assert!(l[2].2.contains("拖累 GDP 0.5 个百分点"), "{}", l[2].2);
    }
    use crate::accounting::IndicatorKind;

    fn result(real: Option<f64>, target: f64, shortfall: Option<f64>) -> IndicatorResult {
        IndicatorResult {
            code: "industrial-va".into(),
            name: "规上工业增加值".into(),
            kind: IndicatorKind::Accounting,
            nominal_growth_pct: real,
            real_growth_pct: real,
            target_growth_pct: target,
            own_target: true,
            sensitivity: 0.45,
            pull_pp: None,
            shortfall_pp: shortfall,
            growth_needed_alone_pct: None,
            rest_of_year_growth_needed_pct: Some(18.2),
        }
    }

    #[test]
    fn says_what_holds_the_year_back() {
        let w = assess(
            &result(Some(6.0), 9.0, Some(1.35)),
            "10–12 月",
            &WarningRules::default(),
        );
        assert_eq!(w.level, WarningLevel::Red);
        assert_eq!(
            w.sentence,
            "规上工业增加值累计增长 6.0%，低于目标 3.0 个百分点，拖累 GDP 约 1.35 个百分点；完成全年目标，10–12 月需增长 18.2%"
        );
    }

    #[test]
    fn a_price_index_without_a_target_is_only_monitored() {
        let mut k = result(Some(0.2), 5.6, None);
        k.own_target = false;
        k.sensitivity = 0.0;
        let w = assess(&k, "10–12 月", &WarningRules::default());
        assert_eq!(w.level, WarningLevel::Green);
        assert!(w.sentence.contains("监测指标"), "{}", w.sentence);
    }

    #[test]
    fn levels_follow_the_rules() {
        let rules = WarningRules::default();
        assert_eq!(
            assess(&result(Some(9.5), 9.0, Some(-0.2)), "", &rules).level,
            WarningLevel::Green
        );
        assert_eq!(
            assess(&result(Some(8.5), 9.0, Some(0.1)), "", &rules).level,
            WarningLevel::Yellow
        );
        assert_eq!(
            assess(&result(Some(-0.5), -3.0, Some(-0.1)), "", &rules).level,
            WarningLevel::Red
        );
        assert_eq!(
            assess(&result(None, 9.0, None), "", &rules).level,
            WarningLevel::Unknown
        );
        let lenient = WarningRules {
            red_on_negative_growth: false,
            ..rules
        };
        assert_eq!(
            assess(&result(Some(-0.5), -3.0, Some(-0.1)), "", &lenient).level,
            WarningLevel::Green
        );
    }
}
