//! Region codes: the 6-digit administrative division codes of GB/T 2260 (Jiaozhou is
//! 370281), so that counties, their city and their province can share one database.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("行政区划代码应为 6 位数字，收到“{0}”")]
pub struct RegionCodeError(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// The administrative level implied by a region code's trailing zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionLevel {
    Province,
    City,
    County,
}

impl RegionCode {
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        let s = input.trim();
        if s.len() == 6 && s.chars().all(|c| c.is_ascii_digit()) && &s[0..2] != "00" {
            Ok(Self(s.to_string()))
        } else {
            Err(RegionCodeError(input.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> Self {
        value.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_division_codes() {
        let jiaozhou = RegionCode::parse("370281").expect("valid");
        assert_eq!(jiaozhou.level(), RegionLevel::County);
        assert_eq!(
            RegionCode::parse("370200").map(|c| c.level()),
            Ok(RegionLevel::City)
        );
        assert_eq!(
            RegionCode::parse("370000").map(|c| c.level()),
            Ok(RegionLevel::Province)
        );
        assert!(RegionCode::parse("37028").is_err());
        assert!(RegionCode::parse("37028x").is_err());
        assert!(RegionCode::parse("000000").is_err());
    }
}
