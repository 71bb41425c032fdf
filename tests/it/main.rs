//! iamtrim's integration tests: one binary, one module per area.

mod catalog;
mod check;
mod common;
mod fix_properties;
mod malformed;
mod output;
mod properties;
mod recommend;
mod snapshot;
