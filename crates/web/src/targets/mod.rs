//! The targets (目标): the year's target system of a region, each target's progress against
//! 序时进度, and the actuals people report against them.

pub(crate) mod api;
pub(crate) mod audit_page;
pub(crate) mod pages;
