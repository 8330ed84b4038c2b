//! `scan` of many accounts (`--accounts`, `--organization`,
//! `--snapshots`) and `merge`.
//!
//! Each account is read, evaluated and rendered on its own, at most
//! `--account-concurrency` at once; what fails for one account (the role
//! cannot be assumed, every call throttled) becomes that account's part of
//! the report and never stops the others. A part goes to the spool as soon
//! as its account is done, so memory does not grow with the number of
//! accounts (see [`crate::report::many`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::{AppError, Outcome, check_suppressed_rules, evaluate, report_options, write_replacing};
use crate::accounts::{self, Target};
use crate::cli::{MergeArgs, ScanArgs};
use crate::config::{Config, Connector};
use crate::finding;
use crate::inventory::Inventory;
use crate::progress::{Progress, Tally};
use crate::report::many::{self, Part, Settings, Spool};
use crate::report::shard::{self, ShardAccount};
use crate::report::{self, Format, Locator, Report, SourceFile};
use crate::rules::Catalog;
use crate::source::{self, SourceError, aws};

/// What every account's task shares.
struct Shared {
    catalog: Catalog,
    config: Config,
    config_text: String,
    config_uri: String,
    config_label: String,
    settings: Settings,
    /// Live options with the caller's loaded configuration, for live
    /// targets.
    live: Option<aws::LiveOptions>,
    /// What has been read, for the progress line.
    tally: Arc<Tally>,
    /// Where each account's snapshot is written (`--snapshot-out DIR`).
    snapshot_dir: Option<PathBuf>,
}

/// A finished account's part of the report.
struct Done {
    part: Part,
}

pub(super) async fn scan(args: ScanArgs) -> Result<Outcome, AppError> {
    let config = Config::load(&args.config)?;
    let catalog = Catalog::load()?;
    check_suppressed_rules(&config, &catalog)?;
    let (targets, mut live) = targets(&args).await?;
    tracing::info!(accounts = targets.len(), "scanning accounts");
    let progress = Arc::new(Progress::accounts(targets.len(), args.quiet));
    if let Some(live) = &mut live {
        live.tally = Some(progress.tally());
    }

    let cwd = std::env::current_dir().ok();
    let shared = Arc::new(Shared {
        catalog,
        config_text: std::fs::read_to_string(&args.config).unwrap_or_default(),
        config_uri: report::locate::file_uri(&args.config, cwd.as_deref()),
        config_label: args.config.display().to_string(),
        config,
        settings: Settings {
            format: args.out.format,
            options: report_options(&args.out, args.quiet),
            accounts: targets.len(),
        },
        live,
        tally: progress.tally(),
        snapshot_dir: if args.no_snapshot_out {
            None
        } else {
            args.snapshot_out.clone()
        },
    });

    let mut spool = Spool::new().map_err(spool_error)?;
    let ticker = progress.start();
    let bound = usize::from(args.many.account_concurrency);
    let mut tasks = JoinSet::new();
    for target in targets {
        while tasks.len() >= bound {
            take_one(&mut tasks, &mut spool, &progress).await?;
        }
        let shared = Arc::clone(&shared);
        tasks.spawn(async move { scan_account(target, shared).await });
    }
    while !tasks.is_empty() {
        take_one(&mut tasks, &mut spool, &progress).await?;
    }
    drop(ticker);

    finish(
        spool,
        &shared.settings,
        args.out.output.as_deref(),
        args.fail_on,
    )
}

/// Waits for one account and puts its part in the spool.
async fn take_one(
    tasks: &mut JoinSet<Done>,
    spool: &mut Spool,
    progress: &Progress,
) -> Result<(), AppError> {
    let Some(joined) = tasks.join_next().await else {
        return Ok(());
    };
    let done = joined.map_err(|err| AppError::Task(err.to_string()))?;
    if done.part.tally.failed {
        tracing::warn!(
            account = done.part.account_id.as_deref().unwrap_or("?"),
            target = %done.part.target,
            "account not scanned"
        );
    }
    progress.account_done(done.part.tally.failed);
    let origin = done.part.target.clone();
    spool.add(done.part, &origin).map_err(spool_error)
}

/// The accounts to scan and, for live scans, the caller's options.
async fn targets(args: &ScanArgs) -> Result<(Vec<Target>, Option<aws::LiveOptions>), AppError> {
    if let Some(dir) = &args.many.snapshots {
        return Ok((accounts::snapshot_targets(dir)?, None));
    }
    accounts::check_role_name(&args.many.role_name)?;
    let mut options = super::live_options(&args.source);
    options.base_config = Some(aws::load_config(&options).await?);
    let caller = aws::caller(&options).await?;
    tracing::info!(account = %caller.account_id, arn = %caller.arn, "caller identity");

    let role_name = &args.many.role_name;
    let targets = match &args.many.accounts {
        Some(path) => accounts::read_accounts_file(path, role_name, &caller.partition)?,
        None => organization_targets(&options, &caller, role_name).await?,
    };
    Ok((targets, Some(options)))
}

/// The active accounts of the organization: the caller's own with its
/// credentials, every other through the role.
async fn organization_targets(
    options: &aws::LiveOptions,
    caller: &aws::Caller,
    role_name: &str,
) -> Result<Vec<Target>, AppError> {
    let members = aws::organization_accounts(options).await?;
    let mut targets = Vec::new();
    for member in members {
        if !member.is_active() {
            tracing::info!(account = %member.id, status = %member.status, "skipping an inactive account");
            continue;
        }
        if member.id == caller.account_id {
            targets.push(Target::Caller {
                account_id: member.id,
            });
        } else {
            targets.push(Target::Role {
                role_arn: accounts::role_arn(&caller.partition, &member.id, role_name),
                account_id: member.id,
            });
        }
    }
    Ok(targets)
}

/// Reads, evaluates and renders one account; every failure becomes the
/// account's part.
async fn scan_account(target: Target, shared: Arc<Shared>) -> Done {
    let label = target.label();
    let loaded = load(&target, &shared).await;
    let failed = |error: String| Done {
        part: many::failed_part(&shared.settings, target.account_id(), &label, &error),
    };
    let (inventory, snapshot_text) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => return failed(super::error_text(&err)),
    };
    if let Some(expected) = target.account_id()
        && inventory.account_id != expected
    {
        return failed(format!(
            "the credentials lead to account `{}`, not `{expected}`",
            report::plain(&inventory.account_id)
        ));
    }

    let account = inventory.account_id.clone();
    let work = Arc::clone(&shared);
    let work_label = label.clone();
    let evaluated = tokio::task::spawn_blocking(move || {
        evaluate_account(&inventory, snapshot_text, &work, &work_label)
    })
    .await;
    match evaluated {
        Ok(Ok(done)) => done,
        Ok(Err(err)) => Done {
            part: many::failed_part(
                &shared.settings,
                Some(&account),
                &label,
                &super::error_text(&err),
            ),
        },
        Err(err) => failed(format!("the account's evaluation stopped: {err}")),
    }
}

/// The account's inventory and, for SARIF, the text of the snapshot file
/// its results point into.
async fn load(
    target: &Target,
    shared: &Shared,
) -> Result<(Inventory, Option<(PathBuf, String)>), SourceError> {
    let wants_text = shared.settings.format == Format::Sarif;
    match target {
        Target::Snapshot { path } => {
            let bytes = std::fs::read(path).map_err(|source| SourceError::Read {
                path: path.clone(),
                source,
            })?;
            let inventory = source::snapshot::parse(&bytes, path)?;
            shared
                .tally
                .principals_read(inventory.users.len() + inventory.roles.len());
            shared
                .tally
                .buckets_read(inventory.buckets.value().map_or(0, Vec::len));
            let text = wants_text
                .then(|| String::from_utf8(bytes).ok())
                .flatten()
                .map(|text| (path.clone(), text));
            Ok((inventory, text))
        }
        Target::Role { role_arn, .. } => {
            let options = shared
                .live
                .clone()
                .map(|options| aws::LiveOptions {
                    role_arn: Some(role_arn.clone()),
                    ..options
                })
                .ok_or_else(|| SourceError::AwsConfig("no live configuration".into()))?;
            Ok((aws::collect(&options).await?, None))
        }
        Target::Caller { .. } => {
            let options = shared
                .live
                .clone()
                .map(|options| aws::LiveOptions {
                    role_arn: None,
                    external_id: None,
                    ..options
                })
                .ok_or_else(|| SourceError::AwsConfig("no live configuration".into()))?;
            Ok((aws::collect(&options).await?, None))
        }
    }
}

/// The connectors of the config that concern an account: those whose
/// principal or bucket is in it.
pub fn connectors_in(config: &Config, inventory: &Inventory) -> Vec<Connector> {
    let buckets = inventory.buckets.value();
    config
        .connectors
        .iter()
        .filter(|connector| {
            let principal = if connector.is_static() {
                inventory
                    .users
                    .iter()
                    .any(|u| u.name == connector.principal)
            } else {
                inventory
                    .roles
                    .iter()
                    .any(|r| r.name == connector.principal)
            };
            let bucket =
                buckets.is_some_and(|buckets| buckets.iter().any(|b| b.name == connector.bucket));
            principal || bucket
        })
        .cloned()
        .collect()
}

fn evaluate_account(
    inventory: &Inventory,
    snapshot_text: Option<(PathBuf, String)>,
    shared: &Shared,
    label: &str,
) -> Result<Done, AppError> {
    let config = Config {
        connectors: connectors_in(&shared.config, inventory),
        ..shared.config.clone()
    };
    let mut findings = evaluate(&shared.catalog, inventory, &config)?;
    let today = crate::rules::checks::parse_time(&inventory.source.collected_at)
        .ok_or_else(|| AppError::CollectedAt(inventory.source.collected_at.clone()))?
        .date();
    finding::apply_suppressions(&mut findings, &config.suppressions, today);

    // The snapshot SARIF points into: the one scanned, or the one written.
    let snapshot = match (&shared.snapshot_dir, snapshot_text) {
        (_, Some(read)) => Some(read),
        (Some(dir), None) => {
            let path = dir.join(format!("{}.json", inventory.account_id));
            let text = source::snapshot::to_string(inventory);
            write_replacing(&path, &text)?;
            Some((path, text))
        }
        (None, None) => None,
    }
    .filter(|_| shared.settings.format == Format::Sarif);
    let cwd = std::env::current_dir().ok();
    let snapshot_uri = snapshot
        .as_ref()
        .map(|(path, _)| report::locate::file_uri(path, cwd.as_deref()));
    let locator = Locator::new(
        snapshot
            .as_ref()
            .zip(snapshot_uri.as_deref())
            .map(|((_, text), uri)| SourceFile { uri, text }),
        Some((
            SourceFile {
                uri: &shared.config_uri,
                text: &shared.config_text,
            },
            &shared.config_label,
        )),
    );
    let report = Report {
        account_id: &inventory.account_id,
        source_kind: &inventory.source.kind,
        collected_at: &inventory.source.collected_at,
        findings: &findings,
        catalog: &shared.catalog,
        connectors: &config.connectors,
        locator: &locator,
    };
    Ok(Done {
        part: many::scanned_part(&shared.settings, &report, label),
    })
}

pub(super) fn merge(args: MergeArgs) -> Result<Outcome, AppError> {
    let config = Config::load(&args.config)?;
    let catalog = Catalog::load()?;
    let config_text = std::fs::read_to_string(&args.config).unwrap_or_default();
    let cwd = std::env::current_dir().ok();
    let config_uri = report::locate::file_uri(&args.config, cwd.as_deref());
    let config_label = args.config.display().to_string();
    let config_file = (
        SourceFile {
            uri: &config_uri,
            text: &config_text,
        },
        config_label.as_str(),
    );
    // The JSON carries no snapshot: SARIF points at lines only of the
    // snapshots the shards wrote (`scan --snapshot-out DIR`), when given.
    let snapshots = args
        .snapshots
        .as_deref()
        .filter(|_| args.out.format == Format::Sarif);

    // Count the accounts first (SARIF's run budget depends on it), which
    // also finds a bad shard before anything is rendered; each shard is
    // read again when its parts are rendered. Shards are streamed: one
    // account's findings are in memory at a time.
    let mut accounts = 0;
    for path in &args.files {
        accounts += shard::read_each(path, |_| Ok::<(), AppError>(())).map_err(shard_stop)?;
    }
    let settings = Settings {
        format: args.out.format,
        options: report_options(&args.out, args.quiet),
        accounts,
    };

    let mut spool = Spool::new().map_err(spool_error)?;
    for path in &args.files {
        let origin = path.display().to_string();
        shard::read_each(path, |account| {
            let snapshot = match (&account, snapshots) {
                (ShardAccount::Scanned { account_id, .. }, Some(dir)) => {
                    account_snapshot(dir, account_id, cwd.as_deref())
                }
                _ => None,
            };
            let locator = Locator::new(
                snapshot
                    .as_ref()
                    .map(|(uri, text)| SourceFile { uri, text }),
                Some(config_file),
            );
            let part = shard_part(&settings, account, &config, &catalog, &locator, path);
            spool.add(part, &origin).map_err(spool_error)
        })
        .map_err(shard_stop)?;
    }
    finish(spool, &settings, args.out.output.as_deref(), args.fail_on)
}

/// The URI and text of `DIR/<account>.json`, when it can be read.
fn account_snapshot(dir: &Path, account: &str, cwd: Option<&Path>) -> Option<(String, String)> {
    let path = dir.join(format!("{account}.json"));
    let read = std::fs::read_to_string(&path)
        .map_err(|err| err.to_string())
        .and_then(|text| {
            // Lines of another account's snapshot would be wrong lines.
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|err| format!("not JSON: {err}"))?;
            match value.get("account_id").and_then(serde_json::Value::as_str) {
                Some(id) if id == account => Ok(text),
                Some(id) => Err(format!("the snapshot of account {}", report::plain(id))),
                None => Err("no `account_id`: not a putonly snapshot".to_owned()),
            }
        });
    match read {
        Ok(text) => Some((report::locate::file_uri(&path, cwd), text)),
        Err(reason) => {
            tracing::warn!(
                path = %path.display(),
                %reason,
                "no snapshot to point into: the account's SARIF results get logical locations only"
            );
            None
        }
    }
}

fn shard_stop(stop: shard::Stop<AppError>) -> AppError {
    match stop {
        shard::Stop::Shard(err) => err.into(),
        shard::Stop::Caller(err) => err,
    }
}

/// The part of an account read from a shard.
fn shard_part(
    settings: &Settings,
    account: ShardAccount,
    config: &Config,
    catalog: &Catalog,
    locator: &Locator<'_>,
    path: &Path,
) -> Part {
    match account {
        ShardAccount::Failed {
            account_id,
            target,
            error,
        } => many::failed_part(settings, account_id.as_deref(), &target, &error),
        ShardAccount::Scanned {
            account_id,
            target,
            source,
            collected_at,
            connectors,
            findings,
        } => {
            let connectors: Vec<Connector> = match &connectors {
                Some(names) => config
                    .connectors
                    .iter()
                    .filter(|c| names.contains(&c.name))
                    .cloned()
                    .collect(),
                None => config.connectors.clone(),
            };
            let report = Report {
                account_id: &account_id,
                source_kind: &source,
                collected_at: &collected_at,
                findings: &findings,
                catalog,
                connectors: &connectors,
                locator,
            };
            let target = target.unwrap_or_else(|| path.display().to_string());
            many::scanned_part(settings, &report, &target)
        }
    }
}

/// Writes the report and decides the exit: partial when an account could
/// not be scanned, else failed when a finding is at or above the
/// threshold.
fn finish(
    spool: Spool,
    settings: &Settings,
    output: Option<&Path>,
    fail_on: finding::Severity,
) -> Result<Outcome, AppError> {
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| AppError::Write { path, source }
    };
    let before = spool.totals().clone();
    let (totals, warnings) = match output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(write_err(path))?;
            let mut out = std::io::BufWriter::new(file);
            spool.finish(settings, &mut out).map_err(write_err(path))?
        }
        None => {
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::new(stdout);
            match spool.finish(settings, &mut out) {
                Ok(done) => done,
                // A closed pipe (`putonly scan | head`) is not an error.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => (before, Vec::new()),
                Err(err) => return Err(write_err(Path::new("<stdout>"))(err)),
            }
        }
    };
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        accounts = totals.accounts,
        failed = totals.failed,
        findings = totals.findings.total,
        "report written"
    );
    let _ = std::io::stderr().flush();
    Ok(if totals.failed > 0 {
        Outcome::Partial
    } else if totals.findings.fails_at(fail_on) {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

fn spool_error(err: many::SpoolError) -> AppError {
    AppError::Spool(err)
}
