//! iamtrim's integration tests: one binary, one module per area.

mod catalog;
mod common;
mod properties;
mod recommend;
mod snapshot;
