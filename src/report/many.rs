//! Reports over many accounts: one part per account, rendered by the
//! single-account emitters as soon as the account is done, kept in a
//! spool file, then written out in account order between a head and a
//! foot that carry the totals.
//!
//! Memory holds one small [`Tally`] per account, never an account's
//! findings after its part is written: a scan of a thousand accounts needs
//! what one account needs. Parts are written in account-id order whatever
//! order the accounts finished in, so the same accounts give the same
//! bytes.
//!
//! - JSON: schema version 2, `accounts` holds one entry per account (the
//!   single-account report's fields, a `status` and how the account was
//!   reached), `summary` the totals.
//! - SARIF: the runs of each account, categories `putonly/<account>/...`
//!   as a single-account scan gives them; an account that could not be
//!   scanned has a run of its own, `putonly/<account>/not-scanned/`,
//!   marked as failed, so that no alert of the account is closed.
//! - Table and Markdown: a section per account, then the totals.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use serde::Serialize;

use super::json::{Summary, Tool, by_severity};
use super::markdown::{code, text as md_text};
use super::sarif::{Limits, Sarif};
use super::{Emitter, Format, Options, Report, plain};
use crate::finding::{Finding, Severity};

/// Version of the many-account JSON report (a single account's keeps
/// [`super::json::SCHEMA_VERSION`]).
pub const SCHEMA_VERSION: u32 = 2;

/// The counts of one account, all that is kept of it once written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub failed: bool,
    /// Every finding, suppressed ones included.
    pub total: usize,
    pub suppressed: usize,
    /// Active findings per severity, in [`Severity::ALL`] order.
    pub by_severity: [usize; 5],
}

impl Tally {
    fn of(report: &Report<'_>) -> Self {
        let mut by_severity = [0; 5];
        for finding in report.active() {
            if let Some(slot) = Severity::ALL
                .iter()
                .position(|s| *s == finding.severity)
                .and_then(|i| by_severity.get_mut(i))
            {
                *slot += 1;
            }
        }
        Tally {
            failed: false,
            total: report.findings.len(),
            suppressed: report.suppressed(),
            by_severity,
        }
    }

    /// Whether an active finding is at or above `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        Severity::ALL
            .iter()
            .zip(self.by_severity)
            .any(|(sev, n)| n > 0 && *sev >= threshold)
    }
}

/// The totals over every account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub accounts: usize,
    pub failed: usize,
    pub findings: Tally,
}

impl Totals {
    fn add(&mut self, tally: &Tally) {
        self.accounts += 1;
        if tally.failed {
            self.failed += 1;
        }
        self.findings.total += tally.total;
        self.findings.suppressed += tally.suppressed;
        for (sum, n) in self.findings.by_severity.iter_mut().zip(tally.by_severity) {
            *sum += n;
        }
    }

    /// Active counts, most severe first.
    fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .zip(self.findings.by_severity)
            .rev()
            .map(|(sev, n)| (*sev, n))
            .collect()
    }

    /// `3 accounts (2 scanned, 1 not scanned): 5 findings (2 high, 3 medium)`.
    pub fn line(&self) -> String {
        let noun =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        if self.findings.suppressed > 0 {
            parts.push(format!("{} suppressed", self.findings.suppressed));
        }
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        format!(
            "{} ({} scanned, {} not scanned): {}{detail}",
            noun(self.accounts, "account", "accounts"),
            self.accounts - self.failed,
            self.failed,
            noun(self.findings.total, "finding", "findings"),
        )
    }
}

/// One account's part of the report.
#[derive(Debug, Clone)]
pub struct Part {
    /// The account, when known (an unreadable snapshot has none).
    pub account_id: Option<String>,
    /// How the account was reached (role ARN, file), for errors.
    pub target: String,
    pub tally: Tally,
    pub text: String,
    /// What the emitter had to leave out, for the terminal.
    pub warnings: Vec<String>,
}

/// How parts are rendered.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub format: Format,
    pub options: Options,
    /// How many accounts the report will hold, for SARIF's run budget.
    pub accounts: usize,
}

#[derive(Serialize)]
struct ScannedEntry<'a> {
    account_id: &'a str,
    status: &'static str,
    target: &'a str,
    source: &'a str,
    collected_at: &'a str,
    /// The connectors of the config checked in this account.
    connectors: Vec<&'a str>,
    summary: Summary,
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct FailedEntry<'a> {
    account_id: Option<&'a str>,
    status: &'static str,
    target: &'a str,
    error: &'a str,
}

/// The part of an account that was scanned.
pub fn scanned_part(settings: &Settings, report: &Report<'_>, target: &str) -> Part {
    let mut warnings = Vec::new();
    let text = match settings.format {
        Format::Json => indent(
            &pretty(&ScannedEntry {
                account_id: report.account_id,
                status: "scanned",
                target,
                source: report.source_kind,
                collected_at: report.collected_at,
                connectors: report.connectors.iter().map(|c| c.name.as_str()).collect(),
                summary: Summary::of(report),
                findings: report.findings,
            }),
            4,
        ),
        Format::Sarif => {
            let rendered = sarif_emitter(settings.accounts).emit(report);
            warnings = rendered.warnings;
            sarif_runs(&rendered.text)
        }
        Format::Table => {
            let rendered = super::render(Format::Table, report, settings.options);
            warnings = rendered.warnings;
            format!(
                "== account {} (through {}) ==\n\n{}\n",
                plain(report.account_id),
                plain(target),
                rendered.text
            )
        }
        Format::Markdown => {
            let rendered = super::render(Format::Markdown, report, settings.options);
            warnings = rendered.warnings;
            format!(
                // A blank line first: a line right after a table is a row.
                "{}\n\nScanned through {}.\n\n",
                rendered.text.trim_end(),
                code(target)
            )
        }
    };
    Part {
        account_id: Some(report.account_id.to_owned()),
        target: target.to_owned(),
        tally: Tally::of(report),
        text,
        warnings,
    }
}

/// The part of an account that could not be scanned.
pub fn failed_part(
    settings: &Settings,
    account_id: Option<&str>,
    target: &str,
    error: &str,
) -> Part {
    let shown = account_id.unwrap_or("unknown");
    let text = match settings.format {
        Format::Json => indent(
            &pretty(&FailedEntry {
                account_id,
                status: "failed",
                target,
                error,
            }),
            4,
        ),
        Format::Sarif => indent(&pretty(&failed_run(shown, target, error)), 4),
        Format::Table => format!(
            "== account {} (through {}) ==\n\nnot scanned: {}\n\n",
            plain(shown),
            plain(target),
            plain(error)
        ),
        Format::Markdown => format!(
            "## putonly: account {}\n\n**Not scanned** (through {}): {}\n\n",
            code(shown),
            code(target),
            md_text(error)
        ),
    };
    Part {
        account_id: account_id.map(str::to_owned),
        target: target.to_owned(),
        tally: Tally {
            failed: true,
            ..Tally::default()
        },
        text,
        warnings: Vec::new(),
    }
}

/// The SARIF emitter for one account of many: the per-connector runs of a
/// single-account scan while every account's fit in one file, else one run
/// per account.
fn sarif_emitter(accounts: usize) -> Sarif {
    let runs = (Limits::GITHUB.runs / accounts.max(1)).max(1);
    Sarif {
        limits: Limits {
            runs,
            ..Limits::GITHUB
        },
    }
}

/// The runs of a single-account SARIF log, as text to put in a `runs`
/// array.
fn sarif_runs(log: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(log).unwrap_or_default();
    let runs: Vec<String> = value
        .get("runs")
        .and_then(serde_json::Value::as_array)
        .map(|runs| runs.iter().map(|run| indent(&pretty(run), 4)).collect())
        .unwrap_or_default();
    runs.join(",\n")
}

/// A run for an account that could not be scanned: no results, execution
/// not successful, the error as a notification.
fn failed_run(account_id: &str, target: &str, error: &str) -> serde_json::Value {
    serde_json::json!({
        "tool": {
            "driver": {
                "name": "putonly",
                "fullName": format!("putonly {}", env!("CARGO_PKG_VERSION")),
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": []
            }
        },
        "automationDetails": { "id": format!("putonly/{account_id}/not-scanned/") },
        "invocations": [{
            "executionSuccessful": false,
            "toolExecutionNotifications": [{
                "level": "error",
                "message": {
                    "text": plain(&format!("account {account_id} not scanned (through {target}): {error}"))
                }
            }]
        }],
        "results": []
    })
}

fn pretty<T: Serialize>(value: &T) -> String {
    // Serialising plain data to a string cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Indents every line of pretty JSON (which has no line break inside a
/// string) by `spaces`.
fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| format!("{pad}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why parts could not be kept or written.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("cannot keep the report's parts in a temporary file: {0}")]
    Io(#[from] std::io::Error),
    #[error("account `{account}` is in both `{first}` and `{second}`")]
    Duplicate {
        account: String,
        first: String,
        second: String,
    },
}

/// Where a part is in the spool file.
struct Entry {
    key: (bool, String),
    offset: u64,
    len: u64,
}

/// Parts kept on disk until every account is done.
pub struct Spool {
    file: File,
    end: u64,
    entries: Vec<Entry>,
    /// Accounts seen, with where each came from.
    origins: BTreeMap<String, String>,
    totals: Totals,
    warnings: Vec<String>,
}

impl Spool {
    /// A spool in an anonymous temporary file, removed by the system when
    /// closed.
    pub fn new() -> Result<Self, SpoolError> {
        Ok(Spool {
            file: tempfile::tempfile()?,
            end: 0,
            entries: Vec::new(),
            origins: BTreeMap::new(),
            totals: Totals::default(),
            warnings: Vec::new(),
        })
    }

    /// Keeps a part. `origin` says where the account came from (a file of
    /// a merge, a snapshot): the same account twice is an error naming
    /// both.
    pub fn add(&mut self, part: Part, origin: &str) -> Result<(), SpoolError> {
        if let Some(account) = &part.account_id {
            if let Some(first) = self.origins.get(account) {
                return Err(SpoolError::Duplicate {
                    account: account.clone(),
                    first: first.clone(),
                    second: origin.to_owned(),
                });
            }
            self.origins.insert(account.clone(), origin.to_owned());
        }
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(part.text.as_bytes())?;
        let len = part.text.len() as u64;
        // Accounts by id; those of unknown id (unreadable input) last, by
        // what they were read from.
        let key = match &part.account_id {
            Some(account) => (false, account.clone()),
            None => (true, part.target.clone()),
        };
        self.entries.push(Entry {
            key,
            offset: self.end,
            len,
        });
        self.end += len;
        self.totals.add(&part.tally);
        self.warnings.extend(
            part.warnings
                .into_iter()
                .map(|w| format!("account {}: {w}", part.account_id.as_deref().unwrap_or("?"))),
        );
        Ok(())
    }

    /// The totals so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Writes the whole report: the head, every part in account order, the
    /// foot. Returns the totals and the warnings for the terminal.
    pub fn finish(
        mut self,
        settings: &Settings,
        out: &mut dyn Write,
    ) -> Result<(Totals, Vec<String>), std::io::Error> {
        self.entries.sort_by(|a, b| a.key.cmp(&b.key));
        let mut warnings = std::mem::take(&mut self.warnings);
        if settings.format == Format::Sarif && self.totals.accounts > Limits::GITHUB.runs {
            warnings.push(format!(
                "{} accounts give {} runs or more, more than the {} code scanning accepts in one \
                 SARIF file: upload each account's own scan (a shard per account), or use the JSON",
                self.totals.accounts,
                self.totals.accounts,
                Limits::GITHUB.runs
            ));
        }

        out.write_all(head(settings, &self.totals).as_bytes())?;
        let separator = match settings.format {
            Format::Json | Format::Sarif => ",\n",
            Format::Table | Format::Markdown => "",
        };
        let mut buffer = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                out.write_all(separator.as_bytes())?;
            }
            buffer.clear();
            self.file.seek(SeekFrom::Start(entry.offset))?;
            (&mut self.file).take(entry.len).read_to_end(&mut buffer)?;
            out.write_all(&buffer)?;
        }
        out.write_all(foot(settings, &self.totals).as_bytes())?;
        out.flush()?;
        Ok((self.totals, warnings))
    }
}

#[derive(Serialize)]
struct JsonTotals {
    accounts: usize,
    scanned: usize,
    failed: usize,
    total: usize,
    suppressed: usize,
    by_severity: serde_json::Map<String, serde_json::Value>,
}

/// What comes before the parts.
fn head(settings: &Settings, totals: &Totals) -> String {
    match settings.format {
        Format::Json => {
            let summary = JsonTotals {
                accounts: totals.accounts,
                scanned: totals.accounts - totals.failed,
                failed: totals.failed,
                total: totals.findings.total,
                suppressed: totals.findings.suppressed,
                by_severity: by_severity(&totals.counts()),
            };
            format!(
                "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"tool\": {},\n  \"summary\": {},\n  \
                 \"accounts\": [\n",
                indent(&pretty(&Tool::PUTONLY), 2).trim_start(),
                indent(&pretty(&summary), 2).trim_start()
            )
        }
        Format::Sarif => format!(
            "{{\n  \"$schema\": \"{}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n",
            super::sarif::SCHEMA_URI
        ),
        Format::Table => String::new(),
        Format::Markdown => format!("# putonly: {}\n\n", md_text(&totals.line())),
    }
}

/// What comes after the parts.
fn foot(settings: &Settings, totals: &Totals) -> String {
    match settings.format {
        Format::Json | Format::Sarif => {
            let open = if totals.accounts == 0 { "" } else { "\n" };
            format!("{open}  ]\n}}\n")
        }
        Format::Table => format!("{}\n", totals.line()),
        Format::Markdown => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_say_accounts_and_findings() {
        let mut totals = Totals::default();
        totals.add(&Tally {
            failed: false,
            total: 3,
            suppressed: 1,
            by_severity: [0, 1, 0, 1, 0],
        });
        totals.add(&Tally {
            failed: true,
            ..Tally::default()
        });
        assert_eq!(
            totals.line(),
            "2 accounts (1 scanned, 1 not scanned): 3 findings (1 high, 1 low, 1 suppressed)"
        );
        assert!(totals.findings.fails_at(Severity::High));
        assert!(!totals.findings.fails_at(Severity::Critical));
    }

    #[test]
    fn indent_keeps_json_valid() {
        let text = indent(&pretty(&serde_json::json!({"a": ["x\ny", 1]})), 4);
        assert!(text.lines().all(|l| l.starts_with("    ")));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["a"][0], "x\ny");
    }
}
