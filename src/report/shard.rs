//! JSON reports read back, for `putonly merge`: a single-account report
//! (schema version 1) or a many-account one (version 2), each turned into
//! its accounts' entries. Anything else (another tool's JSON, a truncated
//! file, a field of the wrong type) is an error naming the file and the
//! line and column where reading stopped.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::finding::Finding;

/// One account of a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardAccount {
    Scanned {
        account_id: String,
        /// How it was reached (absent in single-account reports).
        target: Option<String>,
        source: String,
        collected_at: String,
        /// The connectors checked in it; `None`: every connector of the
        /// config (single-account reports).
        connectors: Option<Vec<String>>,
        findings: Vec<Finding>,
    },
    Failed {
        account_id: Option<String>,
        target: String,
        error: String,
    },
}

impl ShardAccount {
    pub fn account_id(&self) -> Option<&str> {
        match self {
            ShardAccount::Scanned { account_id, .. } => Some(account_id),
            ShardAccount::Failed { account_id, .. } => account_id.as_deref(),
        }
    }
}

/// Why a shard could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a putonly JSON report: line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("`{path}`: {message}")]
    Content { path: PathBuf, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    schema_version: u32,
    tool: RawTool,
    summary: IgnoredAny,
    // Version 1.
    account_id: Option<String>,
    source: Option<String>,
    collected_at: Option<String>,
    findings: Option<Vec<Finding>>,
    // Version 2.
    accounts: Option<Vec<RawAccount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTool {
    name: String,
    #[allow(dead_code, reason = "read to check the shape only")]
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    account_id: Option<String>,
    status: String,
    target: String,
    source: Option<String>,
    collected_at: Option<String>,
    connectors: Option<Vec<String>>,
    summary: Option<IgnoredAny>,
    findings: Option<Vec<Finding>>,
    error: Option<String>,
}

/// Reads one shard.
// TODO(#7): a shard is parsed whole, so merging holds one shard's findings
// at a time; stream its `accounts` array for shards of thousands of
// accounts.
pub fn read(path: &Path) -> Result<Vec<ShardAccount>, ShardError> {
    let bytes = std::fs::read(path).map_err(|source| ShardError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&bytes, path)
}

/// Parses a shard's bytes; `path` is for errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<ShardAccount>, ShardError> {
    let raw: RawReport = serde_json::from_slice(bytes).map_err(|err| {
        let message = err.to_string();
        let message = match message.rfind(" at line ") {
            Some(at) => message.get(..at).unwrap_or(&message).to_owned(),
            None => message,
        };
        ShardError::Json {
            path: path.to_owned(),
            line: err.line(),
            column: err.column(),
            message,
        }
    })?;
    let content = |message: String| ShardError::Content {
        path: path.to_owned(),
        message,
    };
    if raw.tool.name != "putonly" {
        return Err(content(format!(
            "written by `{}`, not putonly",
            crate::report::plain(&raw.tool.name)
        )));
    }
    let _ = raw.summary;
    match raw.schema_version {
        super::json::SCHEMA_VERSION => single(raw).map_err(content),
        super::many::SCHEMA_VERSION => many(raw).map_err(content),
        other => Err(content(format!(
            "report schema version {other}: this putonly reads versions {} and {}",
            super::json::SCHEMA_VERSION,
            super::many::SCHEMA_VERSION
        ))),
    }
}

fn single(raw: RawReport) -> Result<Vec<ShardAccount>, String> {
    let missing = |field: &str| format!("a version 1 report needs `{field}`");
    if raw.accounts.is_some() {
        return Err("a version 1 report has no `accounts`".into());
    }
    let account_id = raw.account_id.ok_or_else(|| missing("account_id"))?;
    check_account(&account_id)?;
    Ok(vec![ShardAccount::Scanned {
        account_id,
        target: None,
        source: raw.source.ok_or_else(|| missing("source"))?,
        collected_at: raw.collected_at.ok_or_else(|| missing("collected_at"))?,
        connectors: None,
        findings: raw.findings.ok_or_else(|| missing("findings"))?,
    }])
}

fn many(raw: RawReport) -> Result<Vec<ShardAccount>, String> {
    if raw.account_id.is_some() || raw.findings.is_some() {
        return Err("a version 2 report keeps its findings under `accounts`".into());
    }
    let accounts = raw
        .accounts
        .ok_or_else(|| "a version 2 report needs `accounts`".to_owned())?;
    accounts
        .into_iter()
        .enumerate()
        .map(|(index, account)| {
            entry(account).map_err(|message| format!("accounts[{index}]: {message}"))
        })
        .collect()
}

fn entry(raw: RawAccount) -> Result<ShardAccount, String> {
    let missing = |field: &str| format!("a {} account needs `{field}`", raw.status);
    if let Some(account) = &raw.account_id {
        check_account(account)?;
    }
    match raw.status.as_str() {
        "scanned" => {
            let _ = raw.summary;
            Ok(ShardAccount::Scanned {
                account_id: raw
                    .account_id
                    .clone()
                    .ok_or_else(|| missing("account_id"))?,
                target: Some(raw.target),
                source: raw.source.clone().ok_or_else(|| missing("source"))?,
                collected_at: raw
                    .collected_at
                    .clone()
                    .ok_or_else(|| missing("collected_at"))?,
                connectors: raw.connectors,
                findings: raw.findings.ok_or_else(|| missing("findings"))?,
            })
        }
        "failed" => Ok(ShardAccount::Failed {
            error: raw.error.clone().ok_or_else(|| missing("error"))?,
            account_id: raw.account_id,
            target: raw.target,
        }),
        other => Err(format!(
            "status `{}` is neither `scanned` nor `failed`",
            crate::report::plain(other)
        )),
    }
}

fn check_account(account: &str) -> Result<(), String> {
    if crate::accounts::is_account_id(account) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a 12-digit account id",
            crate::report::plain(account)
        ))
    }
}
