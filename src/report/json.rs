//! The JSON report: versioned, every finding with its evidence, location
//! and suppression. `schema/report.schema.json` describes it; a change
//! that breaks a reader bumps [`SCHEMA_VERSION`].

use serde::Serialize;

use super::{Emitter, Rendered, Report};
use crate::finding::Finding;

/// Version of the JSON report format.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON emitter.
pub struct Json;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    account_id: &'a str,
    source: &'a str,
    collected_at: &'a str,
    summary: Summary,
    findings: &'a [Finding],
}

#[derive(Serialize)]
pub(crate) struct Tool {
    name: &'static str,
    version: &'static str,
}

impl Tool {
    pub(crate) const PUTONLY: Tool = Tool {
        name: "putonly",
        version: env!("CARGO_PKG_VERSION"),
    };
}

#[derive(Serialize)]
pub(crate) struct Summary {
    /// Every finding, suppressed ones included.
    pub total: usize,
    /// Findings a suppression accepts.
    pub suppressed: usize,
    /// Active (not suppressed) findings per severity.
    pub by_severity: serde_json::Map<String, serde_json::Value>,
}

impl Summary {
    pub(crate) fn of(report: &Report<'_>) -> Self {
        Summary {
            total: report.findings.len(),
            suppressed: report.suppressed(),
            by_severity: by_severity(&report.counts()),
        }
    }
}

/// Counts per severity as the JSON object `{"critical": 0, ...}`.
pub(crate) fn by_severity(
    counts: &[(crate::finding::Severity, usize)],
) -> serde_json::Map<String, serde_json::Value> {
    counts
        .iter()
        .map(|(sev, n)| (sev.as_str().to_owned(), serde_json::Value::from(*n)))
        .collect()
}

impl Emitter for Json {
    fn emit(&self, report: &Report<'_>) -> Rendered {
        let doc = JsonReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool::PUTONLY,
            account_id: report.account_id,
            source: report.source_kind,
            collected_at: report.collected_at,
            summary: Summary::of(report),
            findings: report.findings,
        };
        // Serialising plain data to a string cannot fail.
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        Rendered {
            text,
            warnings: Vec::new(),
        }
    }
}
