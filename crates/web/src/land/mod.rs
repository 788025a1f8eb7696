//! 打项目: the project pipeline from lead to production, approvals and the pipeline's
//! contribution to growth.

pub(crate) mod api;
pub(crate) mod pages;
