//! The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a
//! 31-symbol alphabet, the last one a check character over the first 17.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为 18 位，收到 {0} 位")]
    Length(usize),
    #[error("统一社会信用代码第 {position} 位“{found}”不是允许的字符")]
    Character { position: usize, found: char },
    #[error("统一社会信用代码第 3–8 位应为行政区划代码（数字）")]
    RegionPart,
    #[error("统一社会信用代码校验位错误：应为“{expected}”，实为“{found}”")]
    CheckCharacter { expected: char, found: char },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn symbol_value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must already be valid symbols).
fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += symbol_value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl Uscc {
    /// Parses a code, accepting lower case and surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let s = input.trim().to_ascii_uppercase();
        let count = s.chars().count();
        if count != 18 {
            return Err(UsccError::Length(count));
        }
        let bytes = s.as_bytes();
        for (i, c) in s.chars().enumerate() {
            if !c.is_ascii() || symbol_value(c as u8).is_none() {
                return Err(UsccError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::RegionPart);
        }
        let expected = check_character(&bytes[..17]).ok_or(UsccError::Length(count))?;
        let found = bytes[17] as char;
        if expected != found {
            return Err(UsccError::CheckCharacter { expected, found });
        }
        Ok(Self(s))
    }

    /// Completes a 17-character body with its check character (used to make sample codes).
    pub fn with_check(body: &str) -> Result<Self, UsccError> {
        let body = body.trim().to_ascii_uppercase();
        let count = body.chars().count();
        if count != 17 {
            return Err(UsccError::Length(count + 1));
        }
        for (i, c) in body.chars().enumerate() {
            if !c.is_ascii() || symbol_value(c as u8).is_none() {
                return Err(UsccError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let check = check_character(body.as_bytes()).ok_or(UsccError::Length(count))?;
        Self::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit administrative division code embedded in positions 3–8.
    pub fn region_part(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> Self {
        value.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standards_worked_example() {
        // The example code printed in GB 32100-2015 and in most descriptions of it.
        let code = Uscc::parse("91350100M000100Y43").expect("valid");
        assert_eq!(code.region_part(), "350100");
        assert!(Uscc::parse(" 91350100m000100y43 ").is_ok());
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(Uscc::parse("9135"), Err(UsccError::Length(4)));
        assert!(matches!(
            Uscc::parse("91350100I000100Y43"),
            Err(UsccError::Character {
                position: 9,
                found: 'I'
            })
        ));
        assert_eq!(
            Uscc::parse("913A0100M000100Y43"),
            Err(UsccError::RegionPart)
        );
    }

    #[test]
    fn completes_a_body() {
        let code = Uscc::with_check("91350100M000100Y4").expect("valid");
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    proptest::proptest! {
        #[test]
        fn any_completed_body_parses(seq in 0u32..1_000_000_000) {
            let body = format!("91370281{seq:09}");
            let code = Uscc::with_check(&body).expect("valid body");
            proptest::prop_assert!(Uscc::parse(code.as_str()).is_ok());
        }
    }
}
