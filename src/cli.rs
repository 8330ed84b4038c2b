//! Command-line arguments, as clap sees them. Nothing here acts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::finding::Severity;
use crate::report::Format;

/// Audit write-only S3 connectors: who can write where, and what changed.
#[derive(Debug, Parser)]
#[command(name = "putonly", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr; `scan --format table` prints its summary line
    /// alone.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Cli {
    /// The command, with the global flags it needs copied in.
    pub fn into_command(self) -> Command {
        match self.command {
            Command::Scan(mut args) => {
                args.quiet = self.quiet;
                Command::Scan(args)
            }
            Command::Merge(mut args) => {
                args.quiet = self.quiet;
                Command::Merge(args)
            }
            other => other,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect the account's facts and report findings.
    Scan(ScanArgs),
    /// Collect the account's facts and write them as a snapshot file: the
    /// approved baseline that `drift` compares against.
    Snapshot(SnapshotArgs),
    /// Report what changed since an approved snapshot, and what access it
    /// added or took away.
    Drift(DriftArgs),
    /// Combine the JSON reports of shards (scans run as separate jobs)
    /// into one report.
    Merge(MergeArgs),
    /// Write a commented putonly.toml template.
    Init(InitArgs),
    /// List the rules putonly checks, drift kinds included.
    Rules,
}

/// Where the facts come from. Without any of the file options, the live
/// account is scanned through the AWS SDK.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Read a putonly snapshot instead of the live account.
    #[arg(long, value_name = "FILE", group = "source")]
    pub snapshot: Option<PathBuf>,
    /// Read a directory written by scripts/dump-account.sh.
    #[arg(long, value_name = "DIR", group = "source")]
    pub from_dump: Option<PathBuf>,
    /// Read the output of `aws iam get-account-authorization-details` (IAM only).
    #[arg(long, value_name = "FILE", group = "source")]
    pub auth_details: Option<PathBuf>,
    /// AWS profile for a live scan.
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region for a live scan's global calls (buckets use their own).
    #[arg(long)]
    pub region: Option<String>,
    /// Custom AWS endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Assume this role before scanning.
    #[arg(long, value_name = "ARN", group = "assumes")]
    pub role_arn: Option<String>,
    /// External id for --role-arn, or for the role of every account of
    /// `scan --accounts` and `scan --organization`.
    #[arg(long, requires = "assumes")]
    pub external_id: Option<String>,
    /// Concurrent per-bucket and per-user requests.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Read each IAM user's password, MFA and access key state call by
    /// call (three calls or more per user) instead of from the IAM
    /// credential report, which AWS refreshes at most every four hours.
    #[arg(long)]
    pub no_credential_report: bool,
    /// The SDK's retry mode for throttling and transient errors: standard,
    /// or adaptive (also slows down the client when throttled). Default:
    /// AWS_RETRY_MODE, else standard.
    #[arg(long, value_name = "MODE", value_enum)]
    pub retry_mode: Option<RetryModeArg>,
    /// Attempts per AWS call, retries included. Default: AWS_MAX_ATTEMPTS,
    /// else 3.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: Option<u32>,
    /// Longest time one AWS call may take, retries included; a call that
    /// runs out is recorded as not collected. Default: no limit.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub call_timeout: Option<std::time::Duration>,
}

/// The SDK's retry modes, as `--retry-mode` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetryModeArg {
    Standard,
    Adaptive,
}

/// A positive number of seconds, fractions allowed (`2.5`).
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("`{text}` is not between 0 and 86400 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Many accounts in one scan (`scan` only).
#[derive(Debug, Args, Clone, Default)]
pub struct AccountsArgs {
    /// Scan every account listed in FILE: one account id or role ARN a
    /// line, `#` comments and blank lines ignored. An account id means the
    /// role `--role-name` in that account.
    #[arg(long, value_name = "FILE", groups = ["source", "assumes"], conflicts_with = "role_arn")]
    pub accounts: Option<PathBuf>,
    /// Scan every active account of the AWS Organization the credentials
    /// belong to (organizations:ListAccounts), through the role
    /// `--role-name` in each; the caller's own account is scanned with the
    /// credentials themselves.
    #[arg(long, groups = ["source", "assumes"], conflicts_with = "role_arn")]
    pub organization: bool,
    /// Scan every putonly snapshot (`*.json`) in DIR, one account each,
    /// offline.
    #[arg(long, value_name = "DIR", group = "source")]
    pub snapshots: Option<PathBuf>,
    /// The role to assume in each account named by an account id.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME)]
    pub role_name: String,
    /// Accounts scanned at once; each also runs up to `--concurrency`
    /// calls.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub account_concurrency: u16,
}

/// The role `--accounts` and `--organization` assume when not told.
pub const DEFAULT_ROLE_NAME: &str = "putonly-audit";

impl AccountsArgs {
    /// Whether the scan covers many accounts.
    pub fn is_many(&self) -> bool {
        self.accounts.is_some() || self.organization || self.snapshots.is_some()
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub many: AccountsArgs,
    /// The expected connector setups.
    #[arg(short, long, value_name = "FILE", default_value = "putonly.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_enum, default_value_t = Severity::Low)]
    pub fail_on: Severity,
    /// Write the snapshot the scan analysed here (SARIF results point at its
    /// lines). Default: `.putonly/snapshot.json`, or, when scanning
    /// `--snapshot FILE`, that file itself, unchanged. With many accounts:
    /// a directory, one `ACCOUNT.json` each (default: none written).
    #[arg(long, value_name = "FILE", conflicts_with = "no_snapshot_out")]
    pub snapshot_out: Option<PathBuf>,
    /// Write no snapshot (SARIF results then point at no file).
    #[arg(long)]
    pub no_snapshot_out: bool,
    /// The global `--quiet`, copied in by [`Cli::into_command`].
    #[arg(skip)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of `putonly scan --format json`, one account or many
    /// each.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The connector setups the shards were scanned with (tables and
    /// Markdown describe each connector from it).
    #[arg(short, long, value_name = "FILE", default_value = "putonly.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_enum, default_value_t = Severity::Low)]
    pub fail_on: Severity,
    /// The snapshots the shards wrote (`scan --snapshot-out DIR`, one
    /// `<account>.json` each): SARIF results then point at their lines.
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// The global `--quiet`, copied in by [`Cli::into_command`].
    #[arg(skip)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The snapshot file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The approved baseline, written by `putonly snapshot`.
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,
    /// Where the current facts come from (the live account by default).
    #[command(flatten)]
    pub source: SourceArgs,
    /// The expected connector setups.
    #[arg(short, long, value_name = "FILE", default_value = "putonly.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Exit 1 when a drift item is at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_enum, default_value_t = Severity::Low)]
    pub fail_on: Severity,
    /// After writing the report, rewrite the baseline with the current
    /// facts (left alone when nothing drifted or a fact is undecided).
    #[arg(long)]
    pub update_baseline: bool,
}

/// Where and how a report is written (`scan`, `merge`, `drift`).
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colours in the table: auto (on a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the template.
    #[arg(default_value = "putonly.toml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl clap::ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &Severity::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}
