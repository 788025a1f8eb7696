//! Step ⑥ of the loop, 存量提升: serving the firms a region already has. The enterprise
//! registry (一企一档) and its imports, the registry's search, and one firm's file with what
//! the platform knows about it; who sees a firm's figures is `domain::access`'s rule.

pub mod enterprises;
pub mod registry;
pub mod service;
