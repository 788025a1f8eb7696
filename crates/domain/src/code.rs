//! Stored codes. Every enum that is kept in a database column or exchanged as a word in the
//! API ("city", "open", "signed", …) has exactly one code per variant. Reading a code back is
//! strict: a code that names no variant is an error, never a default, so that a damaged or
//! foreign value cannot silently turn into another meaning (an unknown scope into the city).

use thiserror::Error;

/// A code that names no variant of the enum it was read as.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {what} code “{value}”")]
pub struct UnknownCode {
    /// What the code should have named, e.g. "target scope kind".
    pub what: &'static str,
    pub value: String,
}

/// An enum with one fixed code per variant.
pub trait Coded: Sized + Copy + 'static {
    /// What the enum is, for error messages ("task state").
    const WHAT: &'static str;
    /// Every variant.
    const KNOWN: &'static [Self];

    fn as_code(self) -> &'static str;

    /// The variant whose code is exactly `code` (no trimming, no labels, no aliases).
    fn from_code(code: &str) -> Result<Self, UnknownCode> {
        Self::KNOWN
            .iter()
            .copied()
            .find(|v| v.as_code() == code)
            .ok_or_else(|| UnknownCode {
                what: Self::WHAT,
                value: code.to_string(),
            })
    }

    /// Every code, in declaration order.
    fn codes() -> Vec<&'static str> {
        Self::KNOWN.iter().map(|v| v.as_code()).collect()
    }
}

/// Implements [`Coded`] with the type's own `ALL` and `code()`, and a strict `TryFrom<String>`.
macro_rules! coded {
    ($t:ty, $what:literal) => {
        impl $crate::code::Coded for $t {
            const WHAT: &'static str = $what;
            const KNOWN: &'static [Self] = &<$t>::ALL;
            fn as_code(self) -> &'static str {
                <$t>::code(self)
            }
        }

        impl TryFrom<String> for $t {
            type Error = $crate::code::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                <$t as $crate::code::Coded>::from_code(&code)
            }
        }
    };
}

coded!(crate::Unit, "target unit");
coded!(crate::TargetKind, "target kind");
coded!(crate::ScopeKind, "scope kind");
coded!(crate::Role, "role");
coded!(crate::TaskState, "task state");
coded!(crate::Route, "route");
coded!(crate::project::Stage, "project stage");
coded!(crate::IndicatorKind, "indicator kind");
coded!(crate::enterprise::Tag, "enterprise tag");
coded!(crate::enterprise::ScaleKind, "scale kind");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{project::Stage, Role, Route, ScopeKind, TargetKind, TaskState, Unit};

    fn round_trips<T: Coded + PartialEq + std::fmt::Debug>() {
        for v in T::KNOWN {
            assert_eq!(T::from_code(v.as_code()), Ok(*v));
        }
        let mut codes = T::codes();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), T::KNOWN.len(), "{} codes are unique", T::WHAT);
    }

    #[test]
    fn every_code_reads_back_to_its_variant() {
        round_trips::<Unit>();
        round_trips::<TargetKind>();
        round_trips::<ScopeKind>();
        round_trips::<Role>();
        round_trips::<TaskState>();
        round_trips::<Route>();
        round_trips::<Stage>();
    }

    #[test]
    fn an_unknown_code_is_an_error_not_a_default() {
        assert_eq!(
            ScopeKind::from_code("province"),
            Err(UnknownCode {
                what: "scope kind",
                value: "province".into()
            })
        );
        // Strict: no trimming, no labels, no aliases that the form parsers accept.
        assert!(ScopeKind::from_code(" city").is_err());
        assert!(Stage::from_code("签约").is_err());
        assert!(Route::from_code("存量提升").is_err());
        assert!(TaskState::try_from(String::from("OPEN")).is_err());
        assert_eq!(Unit::try_from(String::from("yuan")), Ok(Unit::Yuan));
    }
}
