//! SARIF 2.1.0, as code-scanning dashboards read it.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    Location, LogicalLocation, Message, MultiformatMessageString, PropertyBag, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use super::Report;
use crate::finding::{Finding, Severity};
use crate::rules::Rule;

/// The level code scanning shows for a severity.
fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The numeric score code scanning ranks security alerts by.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut help = format!(
        "{}\n\n**Remediation**\n\n{}",
        rule.rationale.trim(),
        rule.remediation.trim()
    );
    if let Some(limits) = &rule.known_limitations {
        help.push_str(&format!("\n\n**Known limitations**\n\n{}", limits.trim()));
    }
    let mut extra = BTreeMap::new();
    extra.insert(
        "security-severity".to_owned(),
        security_severity(rule.severity).into(),
    );
    extra.insert("precision".to_owned(), "very-high".into());
    extra.insert("putonly-severity".to_owned(), rule.severity.as_str().into());
    let builder = ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.name.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.title.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.rationale.trim().to_owned())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(format!(
                    "{} {}",
                    rule.rationale.trim(),
                    rule.remediation.trim()
                ))
                .markdown(help)
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    "security".to_owned(),
                    "aws".to_owned(),
                    rule.resource.clone(),
                ])
                .additional_properties(extra)
                .build(),
        );
    // The first reference is the page that explains the rule best.
    match rule.references.first() {
        Some(uri) => builder.help_uri(uri.clone()).build(),
        None => builder.build(),
    }
}

fn result(finding: &Finding, index: Option<usize>) -> SarifResult {
    let mut text = finding.message.clone();
    for evidence in &finding.evidence {
        text.push_str(&format!("; {}: {}", evidence.label, evidence.value));
    }
    let logical = LogicalLocation::builder()
        .fully_qualified_name(finding.resource.clone())
        .kind("resource")
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("putonly/v1".to_owned(), finding.fingerprint.clone());
    let builder = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(level(finding.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![
            Location::builder().logical_locations(vec![logical]).build(),
        ])
        .partial_fingerprints(fingerprints);
    match index.and_then(|i| i64::try_from(i).ok()) {
        Some(i) => builder.rule_index(i).build(),
        None => builder.build(),
    }
}

/// Renders the report as a SARIF log with one run.
pub fn render(report: &Report<'_>) -> String {
    let rules = &report.catalog.rules;
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|r| r.id == f.rule_id)))
        .collect();
    let driver = ToolComponent::builder()
        .name("putonly")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(format!("putonly/{}/", report.account_id))
                .build(),
        )
        .results(results)
        .build();
    let log = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}
