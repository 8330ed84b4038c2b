//! Markdown for pull-request comments and CI job summaries
//! (`$GITHUB_STEP_SUMMARY`): a heading, the summary line and a table per
//! connector.
//!
//! Everything that comes from the account (names, ARNs, policy text inside
//! messages) is escaped so that it renders as the text it is: no emphasis,
//! links, images, HTML, table breaks or `@` mentions can be smuggled in
//! through a role name or a statement id.

use super::table::location_text;
use super::{Emitter, Group, Rendered, Report, describe_connector, is_unsafe_char};
use crate::finding::Finding;

/// The Markdown emitter.
pub struct Markdown;

impl Emitter for Markdown {
    fn emit(&self, report: &Report<'_>) -> Rendered {
        let mut out = format!(
            "## putonly: account {}\n\n{}\n",
            code(report.account_id),
            text(&report.summary())
        );
        for group in report.groups() {
            out.push('\n');
            out.push_str(&section(&group));
        }
        Rendered {
            text: out,
            warnings: Vec::new(),
        }
    }
}

fn section(group: &Group<'_>) -> String {
    let mut out = match group.connector {
        Some(connector) => format!(
            "### Connector {}\n\n{}\n\n",
            code(&connector.name),
            text(&describe_connector(connector))
        ),
        None => "### Not tied to one connector\n\n".to_owned(),
    };
    if group.findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| Severity | Rule | Resource | Finding |\n| --- | --- | --- | --- |\n");
    for finding in &group.findings {
        out.push_str(&format!(
            "| {} | {} {} | {} | {} |\n",
            severity(finding),
            finding.rule_id,
            code(&finding.rule_name),
            code(&finding.resource),
            details(finding)
        ));
    }
    out
}

fn severity(finding: &Finding) -> String {
    if finding.is_active() {
        format!("**{}**", finding.severity)
    } else {
        format!("~~{}~~ suppressed", finding.severity)
    }
}

/// The message and its evidence, as lines of one table cell.
fn details(finding: &Finding) -> String {
    let mut lines = vec![text(&finding.message)];
    for evidence in &finding.evidence {
        lines.push(format!(
            "{}: {}",
            text(&evidence.label),
            code(&evidence.value)
        ));
    }
    if let Some(location) = &finding.location {
        lines.push(format!("at: {}", text(&location_text(location))));
    }
    if let Some(suppressed) = &finding.suppression {
        let until = suppressed
            .expires
            .as_deref()
            .map(|date| format!(", until {}", text(date)))
            .unwrap_or_default();
        lines.push(format!(
            "suppressed (config line {}){until}: {}",
            suppressed.line,
            text(&suppressed.reason)
        ));
    }
    lines.join("<br>")
}

/// Plain text that renders as itself inside a table cell: every ASCII
/// punctuation character is backslash-escaped (so no emphasis, link,
/// autolink, HTML, entity or cell break can start), line breaks become
/// spaces, and `@` is followed by a zero-width joiner so that it never
/// mentions anyone.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '@' => out.push_str("\\@\u{2060}"),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c if is_unsafe_char(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A code span that shows `value` verbatim inside a table cell: the fence
/// is longer than any run of backticks in it, `|` is escaped as tables
/// require, and line breaks become spaces. Mentions and links are not
/// processed inside code spans.
pub fn code(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect();
    let flat = flat.replace('|', "\\|");
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // Padding keeps a leading or trailing backtick out of the fence.
    let pad = if flat.starts_with('`') || flat.ends_with('`') || flat.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_inject_formatting() {
        let hostile =
            "*bold* _x_ [link](https://evil.example) <img src=x> | cell\n# head @team &amp;";
        let escaped = text(hostile);
        assert_eq!(
            escaped,
            "\\*bold\\* \\_x\\_ \\[link\\]\\(https\\:\\/\\/evil\\.example\\) \\<img src\\=x\\> \\| cell \\# head \\@\u{2060}team \\&amp\\;"
        );
        assert!(!escaped.contains('\n'));
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("arn:aws:iam::1:role/x"), "`arn:aws:iam::1:role/x`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }
}
