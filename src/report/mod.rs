//! Reports: one emitter per output format behind the small [`Emitter`]
//! interface, each a plain function of a [`Report`].
//!
//! Every emitter sees the findings in the order [`crate::finding::sort`]
//! gives them and walks every list in a fixed order, so the same scan
//! always gives the same bytes. Suppressed findings are in every format,
//! marked; they are counted, but never as active findings.

pub mod json;
pub mod json_spans;
pub mod locate;
pub mod many;
pub mod markdown;
pub mod sarif;
pub mod shard;
pub mod table;

use crate::config::Connector;
use crate::finding::{Finding, Severity};
use crate::rules::Catalog;

pub use locate::{Locator, Place, Region, SourceFile};

/// The output formats of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table per connector, for a terminal.
    Table,
    /// Versioned JSON (`schema/report.schema.json`).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// Markdown, for pull-request comments and CI job summaries.
    Markdown,
}

/// Everything an emitter needs.
pub struct Report<'a> {
    pub account_id: &'a str,
    pub source_kind: &'a str,
    pub collected_at: &'a str,
    pub findings: &'a [Finding],
    pub catalog: &'a Catalog,
    /// The configured connectors, in config order.
    pub connectors: &'a [Connector],
    /// Where findings point (the snapshot the scan wrote or read, and the
    /// config file), for formats that link to lines.
    pub locator: &'a Locator<'a>,
}

/// How an emitter should render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours (the table only).
    pub color: bool,
    /// The summary line alone (the table only).
    pub summary_only: bool,
}

/// An emitter's output: the text, and what it had to leave out or could
/// not do, for the user's terminal (the text itself says so too where the
/// format can).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub warnings: Vec<String>,
}

/// One output format.
pub trait Emitter {
    fn emit(&self, report: &Report<'_>) -> Rendered;
}

/// The emitter of a format.
pub fn emitter(format: Format, options: Options) -> Box<dyn Emitter> {
    match format {
        Format::Table => Box::new(table::Table { options }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif::default()),
        Format::Markdown => Box::new(markdown::Markdown),
    }
}

/// Renders a report in the given format.
pub fn render(format: Format, report: &Report<'_>, options: Options) -> Rendered {
    emitter(format, options).emit(report)
}

impl<'a> Report<'a> {
    /// Findings that count (not suppressed).
    pub fn active(&self) -> impl Iterator<Item = &'a Finding> + use<'a> {
        let findings: &'a [Finding] = self.findings;
        findings.iter().filter(|f| f.is_active())
    }

    /// Number of suppressed findings.
    pub fn suppressed(&self) -> usize {
        self.findings.iter().filter(|f| !f.is_active()).count()
    }

    /// Number of active findings per severity, most severe first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|sev| (*sev, self.active().filter(|f| f.severity == *sev).count()))
            .collect()
    }

    /// One line: `3 findings (1 high, 1 low, 1 suppressed) in account ...`.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        let suppressed = self.suppressed();
        if suppressed > 0 {
            parts.push(format!("{suppressed} suppressed"));
        }
        let total = self.findings.len();
        let noun = if total == 1 { "finding" } else { "findings" };
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        format!(
            "{total} {noun}{detail} in account {} ({} source, collected {})",
            plain(self.account_id),
            plain(self.source_kind),
            plain(self.collected_at)
        )
    }

    /// The findings grouped by connector: configured connectors in config
    /// order (with no findings too), then those of no connector.
    pub fn groups(&self) -> Vec<Group<'a>> {
        let connectors = self.connectors;
        let findings = self.findings;
        let mut groups: Vec<Group<'a>> = connectors
            .iter()
            .map(|connector| Group {
                connector: Some(connector),
                name: connector.name.as_str(),
                findings: findings
                    .iter()
                    .filter(|f| f.connector.as_deref() == Some(connector.name.as_str()))
                    .collect(),
            })
            .collect();
        let known = |name: &str| connectors.iter().any(|c| c.name == name);
        let rest: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.connector.as_deref().is_none_or(|name| !known(name)))
            .collect();
        if !rest.is_empty() {
            groups.push(Group {
                connector: None,
                name: ACCOUNT_GROUP,
                findings: rest,
            });
        }
        groups
    }
}

/// The name of the group of findings that concern no one connector.
pub const ACCOUNT_GROUP: &str = "account";

/// The findings of one connector (or of none).
pub struct Group<'a> {
    pub connector: Option<&'a Connector>,
    pub name: &'a str,
    pub findings: Vec<&'a Finding>,
}

/// Text from the account or the config, safe to print on a terminal or in
/// a plain-text viewer: control characters (escape sequences, carriage
/// returns, line breaks), line and paragraph separators and the bidi
/// controls that can reorder what a reader sees are written as `\u{..}`
/// escapes; everything else is kept as is.
pub fn plain(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Control characters, line and paragraph separators and bidi controls.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `static, user videsk-connector writes to rec-bucket/uploads/`.
pub fn describe_connector(connector: &Connector) -> String {
    let (mode, kind) = if connector.is_static() {
        ("static", "user")
    } else {
        ("oidc", "role")
    };
    format!(
        "{mode}, {kind} {} writes to {}/{}",
        plain(&connector.principal),
        plain(&connector.bucket),
        plain(&connector.prefix)
    )
}

#[cfg(test)]
mod plain_tests {
    use super::plain;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(plain("evil\u{1b}[2J"), "evil\\u{1b}[2J");
        assert_eq!(plain("a\r\nb\u{7}"), "a\\u{d}\\u{a}b\\u{7}");
        assert_eq!(plain("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(plain("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(
            plain("rôle/ünïcode ${aws:username}"),
            "rôle/ünïcode ${aws:username}"
        );
    }
}
