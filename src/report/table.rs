//! The terminal table: a heading and a table per connector, most severe
//! finding first, then the one-line summary. Colours only when asked (the
//! caller decides, from `--color` and whether stdout is a terminal).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table as Grid};

use super::{Emitter, Group, Options, Rendered, Report, describe_connector, plain};
use crate::finding::{Finding, PolicyLocation, Severity};

/// The table emitter.
pub struct Table {
    pub options: Options,
}

/// Width the table is laid out to; fixed, so output does not depend on
/// the terminal it happens to run in.
const WIDTH: u16 = 120;

impl Emitter for Table {
    fn emit(&self, report: &Report<'_>) -> Rendered {
        let mut out = String::new();
        if !self.options.summary_only {
            for group in report.groups() {
                out.push_str(&self.group(&group));
                out.push('\n');
            }
        }
        out.push_str(&report.summary());
        out.push('\n');
        Rendered {
            text: out,
            warnings: Vec::new(),
        }
    }
}

impl Table {
    fn group(&self, group: &Group<'_>) -> String {
        let heading = match group.connector {
            Some(connector) => format!(
                "connector {} ({})",
                plain(&connector.name),
                describe_connector(connector)
            ),
            None => "not tied to one connector".to_owned(),
        };
        let count = match group.findings.len() {
            0 => "no findings".to_owned(),
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        };
        let mut out = format!("{heading}: {count}\n");
        if group.findings.is_empty() {
            return out;
        }

        let mut grid = Grid::new();
        grid.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(WIDTH)
            .set_header(["Severity", "Rule", "Resource", "Finding"]);
        if self.options.color {
            grid.enforce_styling();
        } else {
            grid.force_no_tty();
        }
        for finding in &group.findings {
            grid.add_row([
                self.severity_cell(finding),
                Cell::new(format!("{}\n{}", finding.rule_id, finding.rule_name)),
                Cell::new(plain(&finding.resource)),
                Cell::new(details(finding)),
            ]);
        }
        out.push_str(&grid.to_string());
        out.push('\n');
        out
    }

    fn severity_cell(&self, finding: &Finding) -> Cell {
        let text = if finding.is_active() {
            finding.severity.to_string()
        } else {
            format!("{}\nsuppressed", finding.severity)
        };
        let cell = Cell::new(text);
        if self.options.color && finding.is_active() {
            cell.fg(color_of(finding.severity))
        } else {
            cell
        }
    }
}

fn color_of(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

/// The message, its evidence, where it is written, and why it is
/// suppressed. Every piece is [`plain`] text: the only line breaks and
/// control characters in the cell are the table's own.
fn details(finding: &Finding) -> String {
    let mut text = plain(&finding.message);
    for evidence in &finding.evidence {
        text.push_str(&format!(
            "\n  {}: {}",
            plain(&evidence.label),
            plain(&evidence.value)
        ));
    }
    if let Some(location) = &finding.location {
        text.push_str(&format!("\n  at: {}", plain(&location_text(location))));
    }
    if let Some(suppressed) = &finding.suppression {
        text.push_str(&format!(
            "\n  suppressed (config line {}): {}",
            suppressed.line,
            plain(&suppressed.reason)
        ));
        if let Some(expires) = &suppressed.expires {
            text.push_str(&format!(", until {}", plain(expires)));
        }
    }
    text
}

/// `bucket policy of `b`, statement Deny, line 13`.
pub fn location_text(location: &PolicyLocation) -> String {
    let mut text = location.document.clone();
    if let Some(statement) = &location.statement {
        text.push_str(&format!(", statement {statement}"));
    }
    if let Some(line) = location.line {
        text.push_str(&format!(", line {line}"));
    }
    text
}
