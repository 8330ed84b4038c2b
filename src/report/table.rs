//! The terminal table: one row per finding, most severe first.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};

use super::Report;
use crate::finding::Severity;

fn color_of(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

/// Renders the table and the summary line; colours only when asked.
pub fn render(report: &Report<'_>, color: bool) -> String {
    let mut out = String::new();
    if !report.findings.is_empty() {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(140)
            .set_header(["Severity", "Rule", "Connector", "Resource", "Finding"]);
        if !color {
            table.force_no_tty();
        }
        for finding in report.findings {
            let mut severity = Cell::new(finding.severity.as_str());
            if color {
                severity = severity.fg(color_of(finding.severity));
            }
            let mut text = finding.message.clone();
            for evidence in &finding.evidence {
                text.push_str(&format!("\n  {}: {}", evidence.label, evidence.value));
            }
            if let Some(location) = &finding.location {
                text.push_str(&format!("\n  at: {}", location_text(location)));
            }
            table.add_row([
                severity,
                Cell::new(&finding.rule_id),
                Cell::new(finding.connector.as_deref().unwrap_or("-")),
                Cell::new(&finding.resource),
                Cell::new(text),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    out.push_str(&report.summary());
    out.push('\n');
    out
}

fn location_text(location: &crate::finding::PolicyLocation) -> String {
    let mut text = location.document.clone();
    if let Some(statement) = &location.statement {
        text.push_str(&format!(", statement {statement}"));
    }
    if let Some(line) = location.line {
        text.push_str(&format!(", line {line}"));
    }
    text
}
