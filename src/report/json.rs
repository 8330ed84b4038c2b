//! The JSON report: versioned, every finding with its evidence.

use serde::Serialize;

use super::Report;
use crate::finding::Finding;

/// Version of the JSON report format.
pub const SCHEMA_VERSION: u32 = 1;

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
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    by_severity: serde_json::Map<String, serde_json::Value>,
}

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(report: &Report<'_>) -> String {
    let by_severity = report
        .counts()
        .into_iter()
        .map(|(sev, n)| (sev.as_str().to_owned(), serde_json::Value::from(n)))
        .collect();
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "putonly",
            version: env!("CARGO_PKG_VERSION"),
        },
        account_id: report.account_id,
        source: report.source_kind,
        collected_at: report.collected_at,
        summary: Summary {
            total: report.findings.len(),
            by_severity,
        },
        findings: report.findings,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
