//! The integration tests of the whole application, one binary: each module is one area
//! (black-box tests on a demo database of SQLite and of PostgreSQL). One binary links once and
//! loads the demo once per database for all of them.

#[macro_use]
mod support;

mod app;
mod assets;
mod auth;
mod calendar;
mod claim;
mod cli;
mod consistency;
mod edge;
mod enterprise_attacks;
mod enterprises;
mod firm_figures;
mod hardening_upload;
mod home;
mod land;
mod locate;
mod matching;
mod page_cache;
mod plausible;
mod policies;
mod project_list;
mod project_supervision;
mod registry_upload;
mod requests;
mod requests_attack;
mod requests_demo;
mod scope;
mod service_managers;
mod shortfalls;
mod supervision;
mod targets;
mod watch;
mod wording;
