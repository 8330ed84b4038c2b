//! JSON reports read back, for `putonly merge`: a single-account report
//! (schema version 1) or a many-account one (version 2), each turned into
//! its accounts' entries, streamed one account at a time. Anything else (another tool's JSON, a truncated
//! file, a field of the wrong type) is an error naming the file and the
//! line and column where reading stopped.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

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

/// Why reading a shard stopped: the shard, or the caller's `each`.
#[derive(Debug)]
pub enum Stop<E> {
    Shard(ShardError),
    Caller(E),
}

/// Reads one shard, handing its accounts to `each` one at a time as they
/// are read: a version 2 shard's `accounts` array is streamed, so memory
/// holds one account's findings, not the shard's. Returns the number of
/// accounts. A shard found bad after some accounts were handed over is
/// still an error: callers must not keep what `each` got from it.
pub fn read_each<E>(
    path: &Path,
    mut each: impl FnMut(ShardAccount) -> Result<(), E>,
) -> Result<usize, Stop<E>> {
    let file = std::fs::File::open(path).map_err(|source| {
        Stop::Shard(ShardError::Read {
            path: path.to_owned(),
            source,
        })
    })?;
    let mut reader = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
    let mut sink = Sink {
        each: &mut each,
        count: 0,
        failure: None,
    };
    let read = Top { sink: &mut sink }
        .deserialize(&mut reader)
        .and_then(|top| reader.end().map(|()| top));
    let content = |message: String| ShardError::Content {
        path: path.to_owned(),
        message,
    };
    match sink.failure.take() {
        Some(Failure::Content(message)) => return Err(Stop::Shard(content(message))),
        Some(Failure::Caller(err)) => return Err(Stop::Caller(err)),
        None => {}
    }
    let mut raw = read.map_err(|err| Stop::Shard(json_error(&err, path)))?;
    let count = sink.count;
    let tool = raw
        .tool
        .take()
        .ok_or_else(|| Stop::Shard(content("a putonly report needs `tool`".into())))?;
    if tool.name != "putonly" {
        return Err(Stop::Shard(content(format!(
            "written by `{}`, not putonly",
            crate::report::plain(&tool.name)
        ))));
    }
    if !raw.summary {
        return Err(Stop::Shard(content(
            "a putonly report needs `summary`".into(),
        )));
    }
    let version = raw
        .schema_version
        .ok_or_else(|| Stop::Shard(content("a putonly report needs `schema_version`".into())))?;
    match version {
        super::json::SCHEMA_VERSION => {
            let account = single(raw).map_err(|m| Stop::Shard(content(m)))?;
            each(account).map_err(Stop::Caller)?;
            Ok(count + 1)
        }
        super::many::SCHEMA_VERSION => {
            if raw.account_id.is_some() || raw.findings.is_some() {
                return Err(Stop::Shard(content(
                    "a version 2 report keeps its findings under `accounts`".into(),
                )));
            }
            if !raw.accounts {
                return Err(Stop::Shard(content(
                    "a version 2 report needs `accounts`".into(),
                )));
            }
            Ok(count)
        }
        other => Err(Stop::Shard(content(format!(
            "report schema version {other}: this putonly reads versions {} and {}",
            super::json::SCHEMA_VERSION,
            super::many::SCHEMA_VERSION
        )))),
    }
}

/// A JSON error with its line and column, without serde's own position
/// suffix.
fn json_error(err: &serde_json::Error, path: &Path) -> ShardError {
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
}

/// The top of a shard: every field but `accounts`, whose entries go to the
/// sink as they are read.
#[derive(Default)]
struct RawReport {
    schema_version: Option<u32>,
    tool: Option<RawTool>,
    summary: bool,
    // Version 1.
    account_id: Option<String>,
    source: Option<String>,
    collected_at: Option<String>,
    findings: Option<Vec<Finding>>,
    // Version 2: whether the array was there.
    accounts: bool,
}

/// Where streamed accounts go, and why streaming stopped.
struct Sink<'a, E> {
    each: &'a mut dyn FnMut(ShardAccount) -> Result<(), E>,
    count: usize,
    failure: Option<Failure<E>>,
}

enum Failure<E> {
    Content(String),
    Caller(E),
}

/// Stops the JSON reader after the sink recorded why.
const STOPPED: &str = "reading stopped";

struct Top<'s, 'a, E> {
    sink: &'s mut Sink<'a, E>,
}

impl<'de, E> DeserializeSeed<'de> for Top<'_, '_, E> {
    type Value = RawReport;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawReport, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for Top<'_, '_, E> {
    type Value = RawReport;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a putonly JSON report")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawReport, A::Error> {
        let mut raw = RawReport::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            match key.as_str() {
                "schema_version" => raw.schema_version = Some(map.next_value()?),
                "tool" => raw.tool = Some(map.next_value()?),
                "summary" => {
                    map.next_value::<IgnoredAny>()?;
                    raw.summary = true;
                }
                "account_id" => raw.account_id = map.next_value()?,
                "source" => raw.source = map.next_value()?,
                "collected_at" => raw.collected_at = map.next_value()?,
                "findings" => raw.findings = map.next_value()?,
                "accounts" => {
                    map.next_value_seed(Accounts {
                        sink: &mut *self.sink,
                    })?;
                    raw.accounts = true;
                }
                other => {
                    return Err(A::Error::unknown_field(
                        other,
                        &[
                            "schema_version",
                            "tool",
                            "summary",
                            "account_id",
                            "source",
                            "collected_at",
                            "findings",
                            "accounts",
                        ],
                    ));
                }
            }
            seen.push(key);
        }
        Ok(raw)
    }
}

/// A version 2 shard's `accounts`, each handed to the sink once read.
struct Accounts<'s, 'a, E> {
    sink: &'s mut Sink<'a, E>,
}

impl<'de, E> DeserializeSeed<'de> for Accounts<'_, '_, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, E> Visitor<'de> for Accounts<'_, '_, E> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of accounts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(raw) = seq.next_element::<RawAccount>()? {
            let account = match entry(raw) {
                Ok(account) => account,
                Err(message) => {
                    self.sink.failure =
                        Some(Failure::Content(format!("accounts[{index}]: {message}")));
                    return Err(A::Error::custom(STOPPED));
                }
            };
            if let Err(err) = (self.sink.each)(account) {
                self.sink.failure = Some(Failure::Caller(err));
                return Err(A::Error::custom(STOPPED));
            }
            self.sink.count += 1;
            index += 1;
        }
        Ok(())
    }
}

fn single(raw: RawReport) -> Result<ShardAccount, String> {
    let missing = |field: &str| format!("a version 1 report needs `{field}`");
    if raw.accounts {
        return Err("a version 1 report has no `accounts`".into());
    }
    let account_id = raw.account_id.ok_or_else(|| missing("account_id"))?;
    check_account(&account_id)?;
    Ok(ShardAccount::Scanned {
        account_id,
        target: None,
        source: raw.source.ok_or_else(|| missing("source"))?,
        collected_at: raw.collected_at.ok_or_else(|| missing("collected_at"))?,
        connectors: None,
        findings: raw.findings.ok_or_else(|| missing("findings"))?,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"{"schema_version": 2, "tool": {"name": "putonly", "version": "0.1.0"}, "summary": {}, "accounts": ["#;

    fn failed(account: &str) -> String {
        format!(r#"{{"account_id": "{account}", "status": "failed", "target": "t", "error": "e"}}"#)
    }

    fn two_accounts() -> String {
        format!(
            "{HEAD}{}, {}]}}",
            failed("111122223333"),
            failed("444455556666")
        )
    }

    fn shard(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shard.json");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn read_all(path: &Path) -> Result<Vec<ShardAccount>, String> {
        let mut got = Vec::new();
        read_each(path, |account| {
            got.push(account);
            Ok::<(), String>(())
        })
        .map_err(|stop| match stop {
            Stop::Shard(err) => err.to_string(),
            Stop::Caller(err) => err,
        })
        .map(|count| {
            assert_eq!(count, got.len());
            got
        })
    }

    #[test]
    fn accounts_are_handed_over_one_at_a_time_in_order() {
        let text = two_accounts();
        let (_dir, path) = shard(&text);
        let ids: Vec<_> = read_all(&path)
            .unwrap()
            .iter()
            .map(|a| a.account_id().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["111122223333", "444455556666"]);
    }

    #[test]
    fn the_callers_error_stops_reading_at_once() {
        let text = two_accounts();
        let (_dir, path) = shard(&text);
        let mut seen = 0;
        let stop = read_each(&path, |_| {
            seen += 1;
            Err("disk full")
        })
        .unwrap_err();
        assert!(matches!(stop, Stop::Caller("disk full")));
        assert_eq!(seen, 1);
    }

    #[test]
    fn a_bad_entry_names_its_index() {
        let text = format!("{HEAD}{}, {}]}}", failed("111122223333"), failed("12"));
        let (_dir, path) = shard(&text);
        let err = read_all(&path).unwrap_err();
        assert!(
            err.ends_with("shard.json`: accounts[1]: `12` is not a 12-digit account id"),
            "{err}"
        );
    }

    #[test]
    fn bad_shapes_are_errors_with_their_place() {
        let cases = [
            (
                format!("{HEAD}{}", failed("111122223333")),
                "EOF while parsing",
            ),
            (
                r#"{"schema_version": 2, "schema_version": 2}"#.to_owned(),
                "duplicate field `schema_version`",
            ),
            (r#"{"runs": []}"#.to_owned(), "unknown field `runs`"),
            (format!("{HEAD}]}} trailing"), "trailing characters"),
        ];
        for (text, expected) in cases {
            let (_dir, path) = shard(&text);
            let err = read_all(&path).unwrap_err();
            assert!(
                err.contains("is not a putonly JSON report: line 1, column "),
                "{err}"
            );
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn a_report_of_another_tool_or_version_is_refused() {
        let other = r#"{"schema_version": 2, "tool": {"name": "other", "version": "1"}, "summary": {}, "accounts": []}"#;
        let (_dir, path) = shard(other);
        assert!(
            read_all(&path)
                .unwrap_err()
                .ends_with("written by `other`, not putonly")
        );
        let future = r#"{"schema_version": 9, "tool": {"name": "putonly", "version": "1"}, "summary": {}, "accounts": []}"#;
        let (_dir, path) = shard(future);
        assert!(
            read_all(&path)
                .unwrap_err()
                .contains("report schema version 9")
        );
        let (_dir, path) = shard(r#"{"tool": {"name": "putonly", "version": "1"}, "summary": {}}"#);
        assert!(
            read_all(&path)
                .unwrap_err()
                .ends_with("needs `schema_version`")
        );
    }
}
