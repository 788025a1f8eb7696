//! 领任务: shortfalls opened from the analysis, remedies, tasks, claims, progress and 督办.

pub(crate) mod api;
pub(crate) mod pages;
