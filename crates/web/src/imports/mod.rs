//! Uploads: files read, checked and previewed before anything is written.

pub(crate) mod pages;
