//! Money as whole yuan in an `i64`, never a float. People type and read it in 亿元 or 万元,
//! the units of Chinese economic statistics; parsing and display convert exactly.

use crate::decimal::{format_scaled, parse_scaled, DecimalError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("金额{0}")]
    Number(#[from] DecimalError),
    #[error("金额不能为负数：“{0}”")]
    Negative(String),
}

/// The unit a bare number is read in when it carries none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    Wan,
    Yi,
}

impl MoneyUnit {
    fn scale(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 0,
            MoneyUnit::Wan => 4,
            MoneyUnit::Yi => 8,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yuan(pub i64);

impl Yuan {
    /// Parses "800亿元", "800亿", "12.5万元", "1,000元" or a bare number in `default_unit`.
    pub fn parse(input: &str, default_unit: MoneyUnit) -> Result<Self, MoneyError> {
        let s = input.trim();
        let (number, unit) =
            if let Some(n) = s.strip_suffix("亿元").or_else(|| s.strip_suffix('亿')) {
                (n, MoneyUnit::Yi)
            } else if let Some(n) = s.strip_suffix("万元").or_else(|| s.strip_suffix('万')) {
                (n, MoneyUnit::Wan)
            } else if let Some(n) = s.strip_suffix('元') {
                (n, MoneyUnit::Yuan)
            } else {
                (s, default_unit)
            };
        let value = parse_scaled(number, unit.scale()).map_err(|e| e.about(s))?;
        if value < 0 {
            return Err(MoneyError::Negative(input.trim().to_string()));
        }
        Ok(Yuan(value))
    }

    /// "1,728.04" — in 亿元 with 2 decimals and thousands separators.
    pub fn yi_text(self) -> String {
        crate::decimal::grouped(&format_scaled(self.0, 8, 2))
    }

    /// "12,345" — whole 万元.
    pub fn wan_text(self) -> String {
        crate::decimal::grouped(&format_scaled(self.0, 4, 0))
    }

    /// "12.5" — in 万元 with up to 2 decimals (trailing zeros dropped) and thousands
    /// separators: amounts a firm reports to the 元 (needs, deals).
    pub fn wan_text_fine(self) -> String {
        let s = format_scaled(self.0, 4, 2);
        let s = match s.split_once('.') {
            Some((int, frac)) => match frac.trim_end_matches('0') {
                "" => int.to_string(),
                frac => format!("{int}.{frac}"),
            },
            None => s,
        };
        crate::decimal::grouped(&s)
    }

    pub fn as_yi_f64(self) -> f64 {
        self.0 as f64 / 1e8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chinese_units() {
        assert_eq!(
            Yuan::parse("800亿元", MoneyUnit::Yuan),
            Ok(Yuan(80_000_000_000))
        );
        assert_eq!(
            Yuan::parse("800亿", MoneyUnit::Yuan),
            Ok(Yuan(80_000_000_000))
        );
        assert_eq!(Yuan::parse("12.5万元", MoneyUnit::Yi), Ok(Yuan(125_000)));
        assert_eq!(Yuan::parse("1,000元", MoneyUnit::Yi), Ok(Yuan(1000)));
        assert_eq!(Yuan::parse("3.25", MoneyUnit::Yi), Ok(Yuan(325_000_000)));
        assert!(matches!(
            Yuan::parse("-3亿元", MoneyUnit::Yi),
            Err(MoneyError::Negative(_))
        ));
        assert!(Yuan::parse("0.5元", MoneyUnit::Yi).is_err());
        assert!(Yuan::parse("三亿元", MoneyUnit::Yi).is_err());
        // The message quotes what was typed, unit and all.
        let typed = Yuan::parse(" 三百万 ", MoneyUnit::Wan).expect_err("not a number");
        assert_eq!(typed.to_string(), "金额不是有效的数字：“三百万”");
    }

    #[test]
    fn displays_in_yi_and_wan() {
        assert_eq!(Yuan(80_000_000_000).yi_text(), "800.00");
        assert_eq!(Yuan(52_345_678_900).yi_text(), "523.46");
        assert_eq!(Yuan(125_000).wan_text(), "13");
    }
}
