//! Step ⑥ of the loop, 存量提升: serving the firms a region already has. The enterprise
//! registry (一企一档) and its imports, the registry's search, and one firm's file with what
//! the platform knows about it; firms' monthly figures and which firms hold an indicator back;
//! who sees a firm's figures is `domain::access`'s rule.

pub mod contributions;
pub mod enterprises;
pub mod figures;
pub mod registry;
pub mod service;
pub mod watch;
