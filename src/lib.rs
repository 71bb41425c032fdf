//! iamtrim: least-privilege refinement of AWS IAM policies from IAM Access Analyzer findings.

pub mod app;
pub mod baseline;
pub mod cache;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub(crate) mod document;
pub mod filter;
pub mod findings;
pub mod fix;
pub mod fsio;
#[doc(hidden)]
pub mod fuzzing;
pub mod init;
pub mod lint;
pub mod output;
pub mod policy;
pub mod refine;
pub mod rules;
pub(crate) mod snapshot_cmd;
pub mod source;
