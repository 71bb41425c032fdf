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
    /// Check policy files against the findings snapshot; report, and fix with --fix.
    Check(CheckArgs),
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// A rule id, e.g. `overbroad-wildcard`.
        rule: String,
    },
    /// Print a policy refined against unused-access findings (AWS's GetFindingRecommendation, offline).
    Recommend(RecommendArgs),
    /// Print the catalogued actions that patterns match, one `service:Action` a line, sorted.
    Expand(ExpandArgs),
    /// Print the action catalogue's source, date, and service and action counts.
    Catalog(CatalogArgs),
    /// Read and write the findings snapshot.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Write an iamtrim.toml for this repository: its policy files, its snapshot, and a bind for
    /// files named after roles. Never overwrites one.
    Init {
        /// A folder inside the repository (default: the current one).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files and templates, or folders to search for them (`.json`, `.template`, `.yaml`,
    /// `.yml`; default: the config's folder).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Check the staged (index) content of the files being committed (with PATHS: only those).
    #[arg(long, conflicts_with_all = ["base", "all"])]
    pub staged: bool,
    /// Check the files changed between the merge base of REV and HEAD, as HEAD has them.
    #[arg(long, value_name = "REV", conflicts_with = "all")]
    pub base: Option<String>,
    /// Check every tracked file that the include/exclude globs select.
    #[arg(long)]
    pub all: bool,
    /// Apply safe fixes.
    #[arg(long)]
    pub fix: bool,
    /// Apply unsafe fixes too (with --fix or --diff).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff, and how many findings they would fix; write nothing.
    #[arg(long)]
    pub diff: bool,
    /// How to print the report (`concise`: one line per finding).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Print only the findings: no summary, no notes (errors still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,
    /// Print a count of findings per rule instead of the findings (human and concise formats).
    #[arg(long, conflicts_with = "diff")]
    pub statistics: bool,
    /// Write the report to FILE (atomically) instead of stdout; notes still go to stderr.
    #[arg(short, long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// With `--format sarif`: the run's category (`runs[].automationDetails.id`), which code
    /// scanning uses to tell this analysis from others on the same commit (a `/` is added).
    #[arg(long, value_name = "CATEGORY", default_value = "iamtrim")]
    pub sarif_category: String,
    /// When to colour the human report (`auto`: on a terminal, unless NO_COLOR is set; FORCE_COLOR
    /// or CLICOLOR_FORCE forces it).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The config file (default: iamtrim.toml at the git root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The findings snapshot (default: `snapshot` in the config).
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// Report only these rules (comma-separated or repeated; `iamtrim rules` lists them).
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,
    /// Never report these rules (comma-separated or repeated).
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Report nothing below this level.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_level: Option<MinLevel>,
    /// Exit 0 even when errors remain (usage and internal errors still exit 2 and 3).
    #[arg(long)]
    pub exit_zero: bool,
    /// Show every finding: no `[[ignore]]` suppression, no `ignore-sid-prefix`, no baseline.
    #[arg(long)]
    pub no_ignores: bool,
    /// Read and write no cache of derived data (the snapshot's look-up index, the config's
    /// bindings), kept in `.git/iamtrim/` (outside a repository, `$XDG_CACHE_HOME/iamtrim/`).
    #[arg(long)]
    pub no_cache: bool,
    /// Hide the findings recorded in this baseline (overrides `baseline` in iamtrim.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE as the baseline, and report nothing else.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"])]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// A level for `--min-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinLevel {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Normalize AWS CLI outputs (get-finding-v2, list-findings-v2, get-finding-recommendation,
    /// the short form) into iamtrim's snapshot: sorted, versioned, stable across runs.
    ///
    /// A stack's address book: `aws cloudformation list-stack-resources --stack-name S` output
    /// (every page), imported with `--stack S` into a snapshot folder (`-o DIR/`), where it
    /// replaces the stack's old book (`DIR/stacks/S.json`). Only its `AWS::IAM::Role` rows are
    /// kept. `[[stack]] template = "cfn/app.json"  name = "S"` in iamtrim.toml then binds the
    /// template's policies to the roles the stack deployed.
    Import {
        /// AWS CLI output files or folders of them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write here (merging with what is there: newer findings replace older); stdout without.
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
        /// The stack the list-stack-resources output is of (that output does not name it): the
        /// `--stack-name` given to the AWS CLI.
        #[arg(long, value_name = "NAME")]
        stack: Option<String>,
        /// The name of the Terraform address book that `terraform show -json` output (state)
        /// becomes: `DIR/terraform/NAME.json`, replacing the old one. Only the `address` and
        /// `values.arn` of managed `aws_iam_role` resources are kept (state can hold secrets:
        /// nothing else is read). `[[terraform]] root = "infra"  book = "NAME"` in iamtrim.toml
        /// then binds the policies of that folder's `.tf` files to the roles deployed.
        #[arg(long, value_name = "NAME")]
        terraform: Option<String>,
    },
    /// Print what the snapshot says, per principal, with its age.
    Show {
        /// A snapshot file or folder; default: `snapshot` in iamtrim.toml.
        path: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RecommendArgs {
    /// The policy JSON file.
    pub policy: PathBuf,
    /// The findings: any Access Analyzer output, the short form `[{"serviceNamespace", "actions"}]`,
    /// a normalized snapshot, or a folder of them. Without it, the snapshot and bindings of
    /// iamtrim.toml decide.
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,
    /// The config file (default: iamtrim.toml at the git root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The snapshot to read instead of the config's `snapshot`.
    #[arg(long, value_name = "PATH", conflicts_with = "findings")]
    pub snapshot: Option<PathBuf>,
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
