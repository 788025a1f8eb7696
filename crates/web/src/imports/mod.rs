//! Uploads: files read, checked and previewed before anything is written; the registry's
//! larger files imported in the background with their progress shown.

pub(crate) mod firms;
pub(crate) mod pages;
