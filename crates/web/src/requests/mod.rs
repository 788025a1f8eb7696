//! Enterprise requests (诉求): the staff pages, the firm's own page behind its link, and the
//! JSON API. All of them call `workflow::requests`.

pub(crate) mod api;
pub(crate) mod firm;
pub(crate) mod pages;
