//! The command line (clap derive). DESIGN section 4: tests depend on it; extend, don't break.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "iamtrim",
    version,
    about = "Least-privilege linter for AWS IAM policies, driven by IAM Access Analyzer unused-access findings"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a policy refined against unused-access findings (AWS's GetFindingRecommendation, offline).
    Recommend(RecommendArgs),
    /// Print the catalogued actions that patterns match, one `service:Action` a line, sorted.
    Expand(ExpandArgs),
    /// Print the action catalogue's source, date, and service and action counts.
    Catalog(CatalogArgs),
}

#[derive(Debug, clap::Args)]
pub struct RecommendArgs {
    /// The policy JSON file.
    pub policy: PathBuf,
    /// The findings: the short form `[{"serviceNamespace", "actions"}]` or `get-finding-v2` output.
    #[arg(long, value_name = "FILE")]
    pub findings: PathBuf,
    /// Take this principal's findings (ARN or role name) from a file that holds several.
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// `json`: the refined policy; `aws`: a GetFindingRecommendation-shaped answer.
    #[arg(long, value_enum, default_value_t = RecommendFormat::Json)]
    pub format: RecommendFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecommendFormat {
    Json,
    Aws,
}

#[derive(Debug, clap::Args)]
pub struct ExpandArgs {
    /// Action patterns such as `s3:Get*`, `ec2:Describe?pc*` or `*`.
    #[arg(required = true, value_name = "PATTERN")]
    pub patterns: Vec<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CatalogArgs {
    /// Use a folder of AWS Service Reference JSON files instead of the embedded catalogue.
    #[arg(long = "catalog", value_name = "PATH")]
    pub path: Option<PathBuf>,
}
