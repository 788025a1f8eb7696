//! Supply–demand matching (供需对接): the `/matching` page with its forms and import, the part
//! of 一企一档 that shows a firm's products and needs, and the JSON API. Each handler parses,
//! calls `workflow::matching` and renders.

pub mod api;
pub mod pages;
