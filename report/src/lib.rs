//! The report: runs -> stats -> figures -> post (fill TODOs, directives, checks) -> site
//! (markdown -> HTML via tera) -> publish. No burn: the article rebuilds on machines that never
//! trained.

pub mod config;
pub mod post;
