//! iamtrim's integration tests: one binary, one module per area.

mod catalog;
mod check;
mod common;
mod evidence;
mod fix_properties;
mod git;
mod malformed;
mod output;
mod properties;
mod recommend;
mod sarif;
mod snapshot;
