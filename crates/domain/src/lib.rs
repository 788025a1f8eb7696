//! The domain layer: the vocabulary of EconOps as pure types and rules.
//!
//! Everything here is parsed once at the edge ("parse, don't validate") and is then
//! known to be valid: region codes, unified social credit codes, money, percentages,
//! statistical periods, target quantities and the rules of time-elapsed progress
//! (序时进度) and of who may read or write which scope. No I/O, no async, no SQL.

pub mod access;
pub mod attachment;
pub mod audit;
pub mod bounds;
pub mod calendar;
pub mod code;
pub mod decimal;
pub mod enterprise;
pub mod indicator;
pub mod industry;
pub mod matching;
pub mod money;
pub mod observed;
pub mod period;
pub mod policy;
pub mod project;
pub mod region;
pub mod request;
pub mod service;
pub mod supervision;
pub mod target;
pub mod task;
pub mod text;
pub mod uscc;

pub use access::{Principal, ProjectFacts, Role, Scope, ScopeKind, TaskFacts};
pub use code::{Coded, UnknownCode};
pub use indicator::IndicatorKind;
pub use money::Yuan;
pub use period::Period;
pub use region::RegionCode;
pub use target::{Progress, ProgressThresholds, Quantity, Status, TargetKind, Unit};
pub use task::{Route, TaskEvent, TaskState};
pub use text::BoundedText;
pub use uscc::Uscc;
