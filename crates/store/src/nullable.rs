//! A nullable `DOUBLE PRECISION` parameter that PostgreSQL's statement cache survives.
//!
//! Through sqlx's `Any` driver (0.8.6), an `Option<f64>` that is `None` is sent to
//! PostgreSQL typed as `real` (float4): the driver's NULL mapping has `Real` and `Double`
//! swapped. sqlx prepares each statement once per connection with the parameter types of
//! its first execution, so a statement first run with a NULL keeps a float4 parameter and
//! every later `Some(f64)` on that connection fails ("incorrect binary data format"). Which
//! came first depends on which pooled connection a request gets, so the failure is
//! intermittent. `OptF64` sends its NULL typed as float8 on PostgreSQL (and as NULL on
//! SQLite). Every nullable float this crate binds goes through it; the store contract test
//! `a_null_float_then_a_value_on_one_connection` fails if the driver's mapping changes.

use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::Type;

/// An `Option<f64>` bound so that NULL and a value share one PostgreSQL parameter type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptF64(pub Option<f64>);

/// Wraps a nullable float for binding.
pub fn opt_f64(v: Option<f64>) -> OptF64 {
    OptF64(v)
}

impl Type<Any> for OptF64 {
    fn type_info() -> AnyTypeInfo {
        <f64 as Type<Any>>::type_info()
    }
}

impl<'q> Encode<'q, Any> for OptF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        match self.0 {
            Some(v) => <f64 as Encode<'q, Any>>::encode_by_ref(&v, buf),
            // An f32 NULL is what sqlx-postgres 0.8.6 sends as a float8 NULL; see above.
            None => <Option<f32> as Encode<'q, Any>>::encode_by_ref(&None, buf),
        }
    }
}
