//! iamtrim: least-privilege refinement of AWS IAM policies from IAM Access Analyzer findings.

pub mod app;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod findings;
pub mod fsio;
pub mod output;
pub mod policy;
pub mod refine;
