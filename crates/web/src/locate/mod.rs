//! 找位置: where the year stands against the GDP target and which indicators hold it back.

pub(crate) mod api;
pub(crate) mod pages;
