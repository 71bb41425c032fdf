//! iamtrim's integration tests: one binary, one module per area.

mod catalog;
mod catalog_extra;
mod cfn;
mod cfn_stack;
mod check;
mod common;
mod containment;
mod evidence;
mod filter;
mod fix_properties;
mod git;
mod hardening;
mod malformed;
mod output;
mod properties;
mod recommend;
mod sarif;
mod snapshot;
mod templates;
mod terraform;
mod terraform_properties;
mod terraform_state;
mod terraform_styles;
mod yaml;
mod yaml_hostile;
mod yaml_properties;
