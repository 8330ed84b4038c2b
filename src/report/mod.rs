//! Renderers: one module per output format, each a plain function from a
//! [`Report`] to text.

pub mod json;
pub mod sarif;
pub mod table;

use crate::finding::{Finding, Severity};
use crate::rules::Catalog;

/// The output formats of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub account_id: &'a str,
    pub source_kind: &'a str,
    pub collected_at: &'a str,
    pub findings: &'a [Finding],
    pub catalog: &'a Catalog,
}

impl Report<'_> {
    /// Number of findings per severity, most severe first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|sev| {
                (
                    *sev,
                    self.findings.iter().filter(|f| f.severity == *sev).count(),
                )
            })
            .collect()
    }

    /// One line: `3 findings (1 high, 2 low) in account ...`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        let total = self.findings.len();
        let noun = if total == 1 { "finding" } else { "findings" };
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        format!(
            "{total} {noun}{detail} in account {} ({} source, collected {})",
            self.account_id, self.source_kind, self.collected_at
        )
    }
}

/// Renders a report in the given format.
pub fn render(format: Format, report: &Report<'_>, color: bool) -> String {
    match format {
        Format::Table => table::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
    }
}
