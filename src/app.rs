//! What each command does: resolve the inputs, run the pipeline, write the
//! output, and say which exit code the process should end with.

mod many;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{
    ColorChoice, Command, DriftArgs, InitArgs, OutputArgs, ScanArgs, SnapshotArgs, SourceArgs,
};
use crate::config::{Config, ConfigError, TEMPLATE};
use crate::finding::{self, Finding};
use crate::inventory::Inventory;
use crate::progress::Progress;
use crate::report::{self, Format, Locator, Report, SourceFile};
use crate::rules::{Catalog, CatalogError, ScanContext};
use crate::source::{self, SourceError};

/// How a command ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the failure threshold (exit 0).
    Passed,
    /// Findings at or above the threshold (exit 1).
    Failed,
    /// Some accounts of a many-account scan or merge could not be scanned;
    /// the report has the others (exit 3).
    Partial,
}

/// Why a command could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` already exists (use --force to overwrite it)")]
    Exists(PathBuf),
    #[error("invalid collection time `{0}` in the inventory")]
    CollectedAt(String),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountsError),
    #[error(transparent)]
    Shard(#[from] crate::report::shard::ShardError),
    #[error(transparent)]
    Spool(crate::report::many::SpoolError),
    #[error("an account's scan stopped: {0}")]
    Task(String),
}

/// An error and its causes on one line, each cause said once, with any
/// control character from the input (a name with an escape sequence)
/// written as an escape.
pub fn error_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    crate::report::plain(&text.replace('\n', " "))
}

/// Runs one command.
pub async fn run(command: Command) -> Result<Outcome, AppError> {
    match command {
        Command::Scan(args) if args.many.is_many() => many::scan(args).await,
        Command::Scan(args) => scan(args).await,
        Command::Merge(args) => many::merge(args),
        Command::Snapshot(args) => snapshot(args).await,
        Command::Drift(args) => drift(args).await,
        Command::Init(args) => init(&args),
        Command::Rules => list_rules(),
    }
}

/// Produces the inventory from whichever source the arguments name.
pub async fn load_inventory(args: &SourceArgs) -> Result<Inventory, SourceError> {
    load_inventory_showing(args, None).await
}

/// [`load_inventory`], with `progress` of what the live source reads
/// drawn while it reads (when the line is shown at all).
async fn load_inventory_showing(
    args: &SourceArgs,
    progress: Option<&Arc<Progress>>,
) -> Result<Inventory, SourceError> {
    if let Some(path) = &args.snapshot {
        return source::snapshot::load(path);
    }
    if let Some(dir) = &args.from_dump {
        return source::dump::load(dir);
    }
    if let Some(path) = &args.auth_details {
        return source::auth_details::load(path);
    }
    let mut options = live_options(args);
    let _ticker = progress.filter(|p| p.shown()).map(|p| {
        options.tally = Some(p.tally());
        p.start()
    });
    source::aws::collect(&options).await
}

/// The live source's options from the arguments.
fn live_options(args: &SourceArgs) -> source::aws::LiveOptions {
    source::aws::LiveOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        concurrency: usize::from(args.concurrency),
        credential_report: !args.no_credential_report,
        max_attempts: args.max_attempts,
        retry_mode: args.retry_mode.map(|mode| match mode {
            crate::cli::RetryModeArg::Standard => source::aws::RetryMode::Standard,
            crate::cli::RetryModeArg::Adaptive => source::aws::RetryMode::Adaptive,
        }),
        call_timeout: args.call_timeout,
        credentials: None,
        base_config: None,
        tally: None,
    }
}

/// Runs every rule over an inventory.
pub fn evaluate(
    catalog: &Catalog,
    inventory: &Inventory,
    config: &Config,
) -> Result<Vec<Finding>, AppError> {
    let now = crate::rules::checks::parse_time(&inventory.source.collected_at)
        .ok_or_else(|| AppError::CollectedAt(inventory.source.collected_at.clone()))?;
    let started = std::time::Instant::now();
    let model =
        crate::access::AccessModel::build(inventory, config, &inventory.source.collected_at);
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "access model built"
    );
    let context = ScanContext {
        inventory,
        config,
        model: &model,
        now,
    };
    Ok(catalog.scan(&context))
}

/// Where a scan writes the snapshot it analysed when not told otherwise.
pub const DEFAULT_SNAPSHOT_OUT: &str = ".putonly/snapshot.json";

async fn scan(args: ScanArgs) -> Result<Outcome, AppError> {
    let config = Config::load(&args.config)?;
    let catalog = Catalog::load()?;
    check_suppressed_rules(&config, &catalog)?;
    let progress = Arc::new(Progress::single(args.quiet));
    let inventory = load_inventory_showing(&args.source, Some(&progress)).await?;
    let mut findings = evaluate(&catalog, &inventory, &config)?;
    let today = crate::rules::checks::parse_time(&inventory.source.collected_at)
        .ok_or_else(|| AppError::CollectedAt(inventory.source.collected_at.clone()))?
        .date();
    finding::apply_suppressions(&mut findings, &config.suppressions, today);
    tracing::info!(findings = findings.len(), "scan finished");

    // The files findings point into: the snapshot, and the config itself.
    let snapshot = snapshot_file(&args, &inventory)?;
    let config_text = std::fs::read_to_string(&args.config).unwrap_or_default();
    let config_uri =
        report::locate::file_uri(&args.config, std::env::current_dir().ok().as_deref());
    let config_label = args.config.display().to_string();
    // Only SARIF points at lines; the other formats skip reading them.
    let pointed = snapshot
        .as_ref()
        .filter(|_| args.out.format == Format::Sarif);
    let locator = Locator::new(
        pointed.map(|(uri, text)| SourceFile { uri, text }),
        Some((
            SourceFile {
                uri: &config_uri,
                text: &config_text,
            },
            &config_label,
        )),
    );

    let report = Report {
        account_id: &inventory.account_id,
        source_kind: &inventory.source.kind,
        collected_at: &inventory.source.collected_at,
        findings: &findings,
        catalog: &catalog,
        connectors: &config.connectors,
        locator: &locator,
    };
    let options = report_options(&args.out, args.quiet);
    let rendered = report::render(args.out.format, &report, options);
    for warning in &rendered.warnings {
        tracing::warn!("{warning}");
    }
    write_output(args.out.output.as_deref(), &rendered.text)?;

    // Suppressed findings never fail a scan.
    let failed = findings
        .iter()
        .any(|f| f.is_active() && f.severity >= args.fail_on);
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

/// Whether the table gets colours: asked for, or on a terminal that did
/// not opt out (`NO_COLOR`) when writing to stdout.
/// How a report is rendered: colours as `--color` says, only the summary
/// of a table with `--quiet`.
fn report_options(out: &OutputArgs, quiet: bool) -> report::Options {
    report::Options {
        color: use_color(out.color, out.output.as_deref()),
        summary_only: quiet && out.format == Format::Table,
    }
}

fn use_color(choice: ColorChoice, output: Option<&Path>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Every suppression must name a rule of the catalogue.
fn check_suppressed_rules(config: &Config, catalog: &Catalog) -> Result<(), AppError> {
    match config
        .suppressions
        .iter()
        .find(|s| catalog.get(&s.rule).is_none())
    {
        Some(unknown) => Err(AppError::Config(ConfigError::Invalid {
            path: config.path.clone(),
            message: format!(
                "suppression at line {}: there is no rule `{}` (`putonly rules` lists them)",
                unknown.line, unknown.rule
            ),
        })),
        None => Ok(()),
    }
}

/// Writes the snapshot the scan analysed (or names the one it read) and
/// returns its repository URI and text; `None` with `--no-snapshot-out`.
fn snapshot_file(
    args: &ScanArgs,
    inventory: &Inventory,
) -> Result<Option<(String, String)>, AppError> {
    let cwd = std::env::current_dir().ok();
    if args.no_snapshot_out {
        return Ok(None);
    }
    let target = match (&args.snapshot_out, &args.source.snapshot) {
        (Some(out), _) => out.clone(),
        (None, Some(input)) => {
            // Point into the file that was scanned, as it is.
            let text = std::fs::read_to_string(input).map_err(|source| {
                AppError::Source(SourceError::Read {
                    path: input.clone(),
                    source,
                })
            })?;
            return Ok(Some((
                report::locate::file_uri(input, cwd.as_deref()),
                text,
            )));
        }
        (None, None) => PathBuf::from(DEFAULT_SNAPSHOT_OUT),
    };
    let text = source::snapshot::to_string(inventory);
    write_replacing(&target, &text)?;
    tracing::info!(path = %target.display(), "snapshot written");
    Ok(Some((
        report::locate::file_uri(&target, cwd.as_deref()),
        text,
    )))
}

/// Writes a file through a temporary file in the same directory and a
/// rename, so that a reader (or a concurrent scan) never sees half of it.
fn write_replacing(path: &Path, text: &str) -> Result<(), AppError> {
    let write_err = |source| AppError::Write {
        path: path.to_owned(),
        source,
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "snapshot".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(write_err)?;
    std::fs::rename(&temporary, path).map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        write_err(err)
    })
}

async fn snapshot(args: SnapshotArgs) -> Result<Outcome, AppError> {
    let inventory = load_inventory(&args.source).await?;
    source::snapshot::write(&inventory, &args.out)?;
    tracing::info!(path = %args.out.display(), "snapshot written");
    Ok(Outcome::Passed)
}

async fn drift(args: DriftArgs) -> Result<Outcome, AppError> {
    let config = Config::load(&args.config)?;
    let catalog = crate::drift::catalog::load()?;
    let baseline = source::snapshot::load(&args.baseline)?;
    let current = load_inventory(&args.source).await?;
    for inventory in [&baseline, &current] {
        crate::rules::checks::parse_time(&inventory.source.collected_at)
            .ok_or_else(|| AppError::CollectedAt(inventory.source.collected_at.clone()))?;
    }
    let findings = crate::drift::compare(&catalog, &baseline, &current, &config);
    tracing::info!(
        findings = findings.len(),
        baseline = %baseline.source.collected_at,
        "drift compared"
    );

    // TODO(#6): point drift results at lines of the current snapshot, as
    // scan results are; for now they carry logical locations only.
    let locator = Locator::new(None, None);
    let report = Report {
        account_id: &current.account_id,
        source_kind: &current.source.kind,
        collected_at: &current.source.collected_at,
        findings: &findings,
        catalog: &catalog,
        connectors: &config.connectors,
        locator: &locator,
    };
    let options = report_options(&args.out, false);
    let rendered = report::render(args.out.format, &report, options);
    for warning in &rendered.warnings {
        tracing::warn!("{warning}");
    }
    write_output(args.out.output.as_deref(), &rendered.text)?;

    if args.update_baseline {
        update_baseline(&args.baseline, &current, &findings)?;
    }
    let failed = findings.iter().any(|f| f.severity >= args.fail_on);
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

/// Rewrites the baseline with the current facts, unless nothing drifted
/// (the file would change by noise only) or a fact could not be collected
/// (the baseline would lose what it knew).
fn update_baseline(path: &Path, current: &Inventory, findings: &[Finding]) -> Result<(), AppError> {
    if findings.is_empty() {
        tracing::info!(path = %path.display(), "no drift: the baseline is left as it is");
        return Ok(());
    }
    if findings
        .iter()
        .any(|f| f.rule_id == crate::drift::UNDECIDED)
    {
        tracing::warn!(
            path = %path.display(),
            "the baseline is not updated: some facts could not be compared"
        );
        return Ok(());
    }
    source::snapshot::write(current, path)?;
    tracing::info!(path = %path.display(), "baseline updated");
    Ok(())
}

fn init(args: &InitArgs) -> Result<Outcome, AppError> {
    if args.path.exists() && !args.force {
        return Err(AppError::Exists(args.path.clone()));
    }
    std::fs::write(&args.path, TEMPLATE).map_err(|source| AppError::Write {
        path: args.path.clone(),
        source,
    })?;
    Ok(Outcome::Passed)
}

fn list_rules() -> Result<Outcome, AppError> {
    let catalog = Catalog::load()?;
    let drift = crate::drift::catalog::load()?;
    let mut text = String::new();
    for rule in catalog.rules.iter().chain(&drift.rules) {
        text.push_str(&format!(
            "{}  {:<8} {:<36} {}\n",
            rule.id, rule.severity, rule.name, rule.title
        ));
    }
    write_output(None, &text)?;
    Ok(Outcome::Passed)
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), AppError> {
    use std::io::Write;
    match path {
        Some(path) => std::fs::write(path, text).map_err(|source| AppError::Write {
            path: path.to_owned(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`putonly scan | head`) is not an error of the scan.
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Write {
                    path: PathBuf::from("<stdout>"),
                    source: err,
                }),
                _ => Ok(()),
            }
        }
    }
}
