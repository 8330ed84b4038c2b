//! What each command does: resolve the inputs, run the pipeline, write the
//! output, and say which exit code the process should end with.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::{ColorChoice, Command, DriftArgs, InitArgs, ScanArgs, SnapshotArgs, SourceArgs};
use crate::config::{Config, ConfigError, TEMPLATE};
use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::report::{self, Report};
use crate::rules::{Catalog, CatalogError, ScanContext};
use crate::source::{self, SourceError};

/// How a command ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the failure threshold (exit 0).
    Passed,
    /// Findings at or above the threshold (exit 1).
    Failed,
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
}

/// Runs one command.
pub async fn run(command: Command) -> Result<Outcome, AppError> {
    match command {
        Command::Scan(args) => scan(args).await,
        Command::Snapshot(args) => snapshot(args).await,
        Command::Drift(args) => drift(args).await,
        Command::Init(args) => init(&args),
        Command::Rules => list_rules(),
    }
}

/// Produces the inventory from whichever source the arguments name.
pub async fn load_inventory(args: &SourceArgs) -> Result<Inventory, SourceError> {
    if let Some(path) = &args.snapshot {
        return source::snapshot::load(path);
    }
    if let Some(dir) = &args.from_dump {
        return source::dump::load(dir);
    }
    if let Some(path) = &args.auth_details {
        return source::auth_details::load(path);
    }
    let options = source::aws::LiveOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        concurrency: usize::from(args.concurrency),
        max_attempts: None,
        credentials: None,
    };
    source::aws::collect(&options).await
}

/// Runs every rule over an inventory.
pub fn evaluate(
    catalog: &Catalog,
    inventory: &Inventory,
    config: &Config,
) -> Result<Vec<Finding>, AppError> {
    let now = crate::rules::checks::parse_time(&inventory.source.collected_at)
        .ok_or_else(|| AppError::CollectedAt(inventory.source.collected_at.clone()))?;
    let model =
        crate::access::AccessModel::build(inventory, config, &inventory.source.collected_at);
    let context = ScanContext {
        inventory,
        config,
        model: &model,
        now,
    };
    Ok(catalog.scan(&context))
}

async fn scan(args: ScanArgs) -> Result<Outcome, AppError> {
    let config = Config::load(&args.config)?;
    let catalog = Catalog::load()?;
    let inventory = load_inventory(&args.source).await?;
    let findings = evaluate(&catalog, &inventory, &config)?;
    tracing::info!(findings = findings.len(), "scan finished");

    let report = Report {
        account_id: &inventory.account_id,
        source_kind: &inventory.source.kind,
        collected_at: &inventory.source.collected_at,
        findings: &findings,
        catalog: &catalog,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => args.output.is_none() && std::io::stdout().is_terminal(),
    };
    let text = report::render(args.format, &report, color);
    write_output(args.output.as_deref(), &text)?;

    let failed = findings.iter().any(|f| f.severity >= args.fail_on);
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Passed
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

    let report = Report {
        account_id: &current.account_id,
        source_kind: &current.source.kind,
        collected_at: &current.source.collected_at,
        findings: &findings,
        catalog: &catalog,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => args.output.is_none() && std::io::stdout().is_terminal(),
    };
    write_output(
        args.output.as_deref(),
        &report::render(args.format, &report, color),
    )?;

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
