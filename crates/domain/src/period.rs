//! Statistical periods. Chinese statistics are reported cumulatively from January: the
//! period `2025-09` means months 1–9 of 2025 (written 1–9 月), `2025-Q3` means the first
//! three quarters. A period knows how much of its year has elapsed (序时进度).

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;
use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("期别格式应为 2025-09 或 2025-Q3，收到“{0}”")]
    Format(String),
    #[error("期别年份 {0} 不在 2000–2100 之间")]
    Year(i32),
    #[error("期别月份 {0} 不在 1–12 之间")]
    Month(u32),
    #[error("期别季度 {0} 不在 1–4 之间")]
    Quarter(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// Months 1..=month of the year, cumulated.
    Month { year: i32, month: u32 },
    /// Quarters 1..=quarter of the year, cumulated.
    Quarter { year: i32, quarter: u32 },
}

impl Period {
    pub fn parse(input: &str) -> Result<Self, PeriodError> {
        let s = input.trim();
        let err = || PeriodError::Format(input.to_string());
        let (y, rest) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        if !(2000..=2100).contains(&year) {
            return Err(PeriodError::Year(year));
        }
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            let quarter: u32 = q.parse().map_err(|_| err())?;
            if !(1..=4).contains(&quarter) {
                return Err(PeriodError::Quarter(quarter));
            }
            return Ok(Period::Quarter { year, quarter });
        }
        if rest.is_empty() || rest.len() > 2 {
            return Err(err());
        }
        let month: u32 = rest.parse().map_err(|_| err())?;
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month(month));
        }
        Ok(Period::Month { year, month })
    }

    pub fn month(year: i32, month: u32) -> Result<Self, PeriodError> {
        Self::parse(&format!("{year:04}-{month:02}"))
    }

    pub fn year(&self) -> i32 {
        match self {
            Period::Month { year, .. } | Period::Quarter { year, .. } => *year,
        }
    }

    /// The last month covered by the period.
    pub fn end_month(&self) -> u32 {
        match self {
            Period::Month { month, .. } => *month,
            Period::Quarter { quarter, .. } => quarter * 3,
        }
    }

    /// Share of the year elapsed at the end of the period, by months (9 months → 0.75).
    pub fn elapsed_share(&self) -> f64 {
        f64::from(self.end_month()) / 12.0
    }

    /// The last day of the period, e.g. 2025-09-30.
    pub fn end_date(&self) -> Date {
        let month = Month::try_from(self.end_month() as u8).unwrap_or(Month::December);
        let days = month.length(self.year());
        Date::from_calendar_date(self.year(), month, days).unwrap_or(Date::MIN)
    }

    /// The period of months that ends on or before `date` (a date inside September → 2025-09
    /// only when it is the month's last day, otherwise 2025-08; January-only → None).
    pub fn last_complete_month_before(date: Date) -> Option<Self> {
        let month = date.month() as u32;
        let last = date.month().length(date.year());
        if date.day() == last {
            Some(Period::Month {
                year: date.year(),
                month,
            })
        } else if month > 1 {
            Some(Period::Month {
                year: date.year(),
                month: month - 1,
            })
        } else {
            None
        }
    }

    /// How Chinese statistics write the span: "1–9 月", "1–3 季度", "1 月".
    pub fn label(&self) -> String {
        match self {
            Period::Month { month: 1, .. } => "1 月".to_string(),
            Period::Month { month, .. } => format!("1–{month} 月"),
            Period::Quarter { quarter: 1, .. } => "一季度".to_string(),
            Period::Quarter { quarter: 4, .. } => "全年".to_string(),
            Period::Quarter { quarter, .. } => format!("1–{quarter} 季度"),
        }
    }
}

impl Period {
    /// The span with its year: "2025 年 1–9 月".
    pub fn full_label(&self) -> String {
        format!("{} 年 {}", self.year(), self.label())
    }
}

/// A calendar month written as a code ("2026-06", as stored for a production month) the way
/// users read it: "2026 年 6 月". Text that is not such a month comes back unchanged.
pub fn month_label(code: &str) -> String {
    match code.split_once('-') {
        Some((y, m))
            if y.len() == 4
                && m.len() == 2
                && y.bytes().all(|b| b.is_ascii_digit())
                && m.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match m.parse::<u32>() {
                Ok(n @ 1..=12) => format!("{y} 年 {n} 月"),
                _ => code.to_string(),
            }
        }
        _ => code.to_string(),
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Period> for String {
    fn from(value: Period) -> Self {
        value.to_string()
    }
}

/// Parses an ISO date "2025-09-30".
pub fn parse_date(input: &str) -> Result<Date, PeriodError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(input.trim(), &format).map_err(|_| PeriodError::Format(input.to_string()))
}

/// Formats a date as "2025-09-30".
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_periods_read_in_chinese() {
        assert_eq!(month_label("2026-06"), "2026 年 6 月");
        assert_eq!(month_label("2026-13"), "2026-13");
        assert_eq!(month_label("未定"), "未定");
        assert_eq!(
            Period::parse("2025-09").map(|p| p.full_label()),
            Ok("2025 年 1–9 月".to_string())
        );
    }

    #[test]
    fn parses_months_and_quarters() {
        assert_eq!(
            Period::parse("2025-09"),
            Ok(Period::Month {
                year: 2025,
                month: 9
            })
        );
        assert_eq!(
            Period::parse("2025-9"),
            Ok(Period::Month {
                year: 2025,
                month: 9
            })
        );
        assert_eq!(
            Period::parse("2025-Q3"),
            Ok(Period::Quarter {
                year: 2025,
                quarter: 3
            })
        );
        assert_eq!(Period::parse("2025-13"), Err(PeriodError::Month(13)));
        assert_eq!(Period::parse("2025-Q5"), Err(PeriodError::Quarter(5)));
        assert!(Period::parse("2025").is_err());
        assert!(Period::parse("25-09").is_err());
        assert_eq!(Period::parse("1999-01"), Err(PeriodError::Year(1999)));
    }

    #[test]
    fn knows_elapsed_share_and_labels() {
        let p = Period::parse("2025-09").expect("valid");
        assert!((p.elapsed_share() - 0.75).abs() < 1e-12);
        assert_eq!(p.label(), "1–9 月");
        assert_eq!(p.to_string(), "2025-09");
        assert_eq!(format_date(p.end_date()), "2025-09-30");
        let q = Period::parse("2025-Q3").expect("valid");
        assert_eq!(q.end_month(), 9);
        assert_eq!(
            format_date(Period::parse("2024-02").expect("valid").end_date()),
            "2024-02-29"
        );
    }

    #[test]
    fn last_complete_month() {
        let d = parse_date("2025-09-30").expect("date");
        assert_eq!(
            Period::last_complete_month_before(d),
            Some(Period::Month {
                year: 2025,
                month: 9
            })
        );
        let d = parse_date("2025-09-15").expect("date");
        assert_eq!(
            Period::last_complete_month_before(d),
            Some(Period::Month {
                year: 2025,
                month: 8
            })
        );
        let d = parse_date("2025-01-15").expect("date");
        assert_eq!(Period::last_complete_month_before(d), None);
    }
}
