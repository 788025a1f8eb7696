//! Policies that find their firms (惠企政策, 免申即享): the pages and the JSON API.

pub mod api;
pub mod pages;
