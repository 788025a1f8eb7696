//! Bounded, trimmed text for names and notes: an over-long or empty field is refused at
//! the edge with a message that names the field.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("{field}不能为空")]
    Empty { field: String },
    #[error("{field}过长：{len} 个字符，最多 {max} 个")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("{field}含有不允许的控制字符")]
    ControlCharacter { field: String },
}

/// Text that is trimmed, non-empty, at most `max` characters and free of control characters
/// (line breaks are allowed only where `multiline` is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(input: &str, field: &str, max: usize) -> Result<Self, TextError> {
        Self::parse_with(input, field, max, false)
    }

    pub fn parse_multiline(input: &str, field: &str, max: usize) -> Result<Self, TextError> {
        Self::parse_with(input, field, max, true)
    }

    fn parse_with(
        input: &str,
        field: &str,
        max: usize,
        multiline: bool,
    ) -> Result<Self, TextError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty {
                field: field.to_string(),
            });
        }
        let len = trimmed.chars().count();
        if len > max {
            return Err(TextError::TooLong {
                field: field.to_string(),
                len,
                max,
            });
        }
        let bad = trimmed
            .chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
        if bad {
            return Err(TextError::ControlCharacter {
                field: field.to_string(),
            });
        }
        Ok(Self(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(
            BoundedText::parse("  胶州 ", "名称", 10).map(|t| t.into_string()),
            Ok("胶州".into())
        );
        assert!(matches!(
            BoundedText::parse("   ", "名称", 10),
            Err(TextError::Empty { .. })
        ));
        assert!(matches!(
            BoundedText::parse("一二三四五六", "名称", 5),
            Err(TextError::TooLong { len: 6, max: 5, .. })
        ));
        assert!(matches!(
            BoundedText::parse("a\u{0}b", "名称", 5),
            Err(TextError::ControlCharacter { .. })
        ));
        assert!(BoundedText::parse_multiline("a\nb", "说明", 5).is_ok());
        assert!(BoundedText::parse("a\nb", "名称", 5).is_err());
    }
}
