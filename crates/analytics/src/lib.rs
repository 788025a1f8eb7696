//! Pure numerics for the locate step (找位置): the production-approach (生产法) accounting of
//! regional GDP growth from the indicators that drive each industry, and what it implies —
//! each industry's pull and drag, each indicator's sensitivity and shortfall in percentage
//! points of GDP, and the growth still needed (METHODS.md §1–§2). No I/O, no async.

pub mod accounting;
pub mod approval;
pub mod figures;
pub mod firm_panel;
pub mod pipeline;
pub mod ranking;
pub mod requests;
pub mod series;
pub mod synthetic;
pub mod warning;
pub mod watch;

pub use accounting::{
    analyze, Analysis, AnalysisError, AnalysisInput, Driver, IndicatorInput, IndicatorKind,
    IndicatorResult, IndustryInput, IndustryResult,
};
pub use warning::{assess, Warning, WarningLevel, WarningRules};
