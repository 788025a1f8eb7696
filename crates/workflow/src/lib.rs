//! The application layer of EconOps: one module per step of the loop, each holding that step's
//! use cases as functions over typed commands. The pages, the JSON API and the command line all
//! call these functions, so a rule or a figure lives in one place whichever front end shows it.
//!
//! Nothing here knows HTTP or templates: a use case takes the store, the acting user and the
//! settings, and returns domain values or one [`Error`], which each front end maps once.

pub mod calendar;
pub mod claim;
mod error;
pub mod figures;
pub mod home;
pub mod imports;
pub mod land;
pub mod locate;
pub mod matching;
pub mod policies;
pub mod requests;
pub mod search;
pub mod serve;
pub mod targets;

pub use error::Error;

/// The business settings every front end runs the use cases with.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Status thresholds for targets (序时进度).
    pub thresholds: domain::ProgressThresholds,
    /// Early-warning rules for indicators (找位置).
    pub warning_rules: analytics::WarningRules,
    /// When an idle project turns yellow and red (打项目).
    pub stall: domain::project::StallRules,
    /// The value added assumed for a project without one.
    pub value_added: domain::project::ValueAddedRule,
    /// The plausible ranges of typed numbers that a deployment may move (`[plausible]`).
    pub bounds: domain::bounds::Bounds,
    /// The weights of the 赛马 score (`analytics::ranking`).
    pub ranking: analytics::ranking::RankingWeights,
    /// Enterprise requests (诉求): deadlines, 共性问题, the firms' links.
    pub requests: domain::request::RequestRules,
    /// Enterprise service: visit cadence by firm class, the bulk assignment's default cap.
    pub service: domain::service::ServiceRules,
    /// The watch lists over firms' figures (小升规, 退规 risk, sharp falls).
    pub watch: analytics::watch::WatchRules,
}
