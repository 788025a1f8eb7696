//! Exact parsing of decimal numbers typed by people ("12,000", "5.6", "-0.3") into scaled
//! integers, so that money and percentages never pass through binary floating point.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    #[error("不是有效的数字：“{0}”")]
    NotANumber(String),
    #[error("“{input}”的小数位数过多（最多 {max} 位）")]
    TooManyDecimals { input: String, max: u32 },
    #[error("“{0}”超出允许的范围")]
    OutOfRange(String),
    #[error("“{0}”不能为负数")]
    Negative(String),
}

impl DecimalError {
    /// The same error about the whole text the person typed (a number with its unit, say),
    /// not only the part that was read as the number.
    pub fn about(self, typed: &str) -> Self {
        let typed = typed.trim().to_string();
        match self {
            DecimalError::NotANumber(_) => DecimalError::NotANumber(typed),
            DecimalError::TooManyDecimals { max, .. } => {
                DecimalError::TooManyDecimals { input: typed, max }
            }
            DecimalError::OutOfRange(_) => DecimalError::OutOfRange(typed),
            DecimalError::Negative(_) => DecimalError::Negative(typed),
        }
    }
}

/// Parses `input` as a decimal number and returns it multiplied by `10^scale`, exactly.
///
/// Accepts an optional sign, thousands separators (`,` and the full-width `，`) and
/// surrounding whitespace. Rejects more than `scale` decimal places rather than rounding.
pub fn parse_scaled(input: &str, scale: u32) -> Result<i64, DecimalError> {
    let original = input.trim();
    let cleaned: String = original
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let valid = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !valid(int_part) || !valid(frac_part) {
        return Err(DecimalError::NotANumber(original.to_string()));
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() as u32 > scale {
        return Err(DecimalError::TooManyDecimals {
            input: original.to_string(),
            max: scale,
        });
    }
    let overflow = || DecimalError::OutOfRange(original.to_string());
    let mut value: i64 = 0;
    for c in int_part.chars() {
        let d = i64::from(c as u8 - b'0');
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(overflow)?;
    }
    for i in 0..scale {
        let d = frac_trimmed
            .as_bytes()
            .get(i as usize)
            .map(|b| i64::from(b - b'0'))
            .unwrap_or(0);
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// Formats a scaled integer with exactly `decimals` decimal places (rounding half away
/// from zero when `decimals < scale`).
pub fn format_scaled(value: i64, scale: u32, decimals: u32) -> String {
    let decimals = decimals.min(scale);
    let drop = 10_i128.pow(scale - decimals);
    let v = i128::from(value);
    let rounded = if v >= 0 {
        (v + drop / 2) / drop
    } else {
        (v - drop / 2) / drop
    };
    let negative = rounded < 0;
    let abs = rounded.unsigned_abs();
    let unit = 10_u128.pow(decimals);
    let int = abs / unit;
    let frac = abs % unit;
    let sign = if negative { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

/// Inserts thousands separators into the integer part of a formatted number:
/// "12000" → "12,000", "-1728.04" → "-1,728.04". Text that is not a plain number is returned
/// unchanged. `parse_scaled` reads the result back.
pub fn grouped(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_string();
    }
    let mut out = String::with_capacity(number.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A float with `decimals` places and thousands separators, "—" when it is not finite:
/// `fixed(1728.0412, 2)` = "1,728.04". Negative zero prints as "0.0", not "-0.0".
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    let s = format!("{x:.decimals$}");
    let s = if s.starts_with('-') && s[1..].bytes().all(|b| b == b'0' || b == b'.') {
        s[1..].to_string()
    } else {
        s
    };
    grouped(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped("12000"), "12,000");
        assert_eq!(grouped("1728.04"), "1,728.04");
        assert_eq!(grouped("-1234567.5"), "-1,234,567.5");
        assert_eq!(grouped("800.00"), "800.00");
        assert_eq!(grouped("0"), "0");
        assert_eq!(grouped("—"), "—");
        assert_eq!(parse_scaled(&grouped("1234567.25"), 2), Ok(123_456_725));
        assert_eq!(fixed(1728.0412, 2), "1,728.04");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-12.34, 1), "-12.3");
        assert_eq!(fixed(f64::NAN, 1), "—");
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_scaled("5.6", 2), Ok(560));
        assert_eq!(parse_scaled(" 12,000 ", 0), Ok(12000));
        assert_eq!(parse_scaled("-0.3", 2), Ok(-30));
        assert_eq!(parse_scaled("800", 8), Ok(80_000_000_000));
        assert_eq!(parse_scaled(".5", 1), Ok(5));
        assert_eq!(parse_scaled("5.50", 1), Ok(55));
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            parse_scaled("", 2),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_scaled("abc", 2),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_scaled("1.2.3", 2),
            Err(DecimalError::NotANumber(_))
        ));
        assert!(matches!(
            parse_scaled("1.234", 2),
            Err(DecimalError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            parse_scaled("99999999999999999999", 0),
            Err(DecimalError::OutOfRange(_))
        ));
    }

    #[test]
    fn formats_with_rounding() {
        assert_eq!(format_scaled(560, 2, 1), "5.6");
        assert_eq!(format_scaled(555, 2, 1), "5.6");
        assert_eq!(format_scaled(-555, 2, 1), "-5.6");
        assert_eq!(format_scaled(80_000_000_000, 8, 2), "800.00");
        assert_eq!(format_scaled(7, 0, 0), "7");
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_round_trips(v in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let text = format_scaled(v, 4, 4);
            proptest::prop_assert_eq!(parse_scaled(&text, 4), Ok(v));
        }
    }
}
