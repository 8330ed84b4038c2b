//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run per configured connector and one for findings of no connector,
//! each with its own `automationDetails.id` (`putonly/<account>/<group>/`),
//! so that every account and connector is a separate code-scanning
//! category and an upload for one never closes the alerts of another. A
//! run is written even when it has no results: that is how fixed alerts
//! get closed.
//!
//! Each result points at lines of a file in the repository (the snapshot
//! the scan wrote or read, or the config file; see [`super::locate`]),
//! names its resource as a logical location, and carries a fingerprint
//! that stays the same while the finding does. Suppressed findings carry
//! SARIF `suppressions`. The output stays within code scanning's upload
//! limits; whatever had to be cut is said both as a warning for the
//! terminal and as a tool notification in the file.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region as SarifRegion, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails,
    Suppression, Tool, ToolComponent,
};

use super::locate::Place;
use super::{ACCOUNT_GROUP, Emitter, Rendered, Report, plain};
use crate::finding::{Finding, Severity};
use crate::rules::Rule;

/// The key of putonly's own fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "putonlyFinding/v1";

/// The schema the file declares.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Code scanning's limits on one SARIF upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Runs per file (more is rejected).
    pub runs: usize,
    /// Results per run (more is rejected).
    pub results_per_run: usize,
    /// Results per run code scanning shows (the rest are stored unseen).
    pub shown_results_per_run: usize,
    /// Bytes of the file. Code scanning takes up to 10 MB gzip-compressed;
    /// the uncompressed text is kept under that, which always suffices.
    pub file_bytes: usize,
}

impl Limits {
    /// The documented limits of GitHub code scanning. Each result has one
    /// location and each rule at most four tags, far below the limits of
    /// 1,000 locations per result and 20 tags per rule.
    pub const GITHUB: Limits = Limits {
        runs: 20,
        results_per_run: 25_000,
        shown_results_per_run: 5_000,
        file_bytes: 10_000_000,
    };
}

/// The SARIF emitter.
#[derive(Debug, Clone, Copy)]
pub struct Sarif {
    pub limits: Limits,
}

impl Default for Sarif {
    fn default() -> Self {
        Sarif {
            limits: Limits::GITHUB,
        }
    }
}

/// One run before it is built: its category and findings.
struct Bucket<'f> {
    group: String,
    findings: Vec<&'f Finding>,
    notes: Vec<String>,
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report<'_>) -> Rendered {
        // Notes about the whole file, then each run's own.
        let mut global = Vec::new();
        if !report.locator.has_snapshot() && !report.findings.is_empty() {
            global.push(
                "no snapshot file to point at (--no-snapshot-out?): results carry only \
                 logical locations, which code scanning does not show"
                    .to_owned(),
            );
        }
        let mut buckets = self.buckets(report, &mut global);
        for bucket in &mut buckets {
            self.cap_results(bucket);
        }

        // Drop the least severe results until the file fits.
        let mut text = self.serialise(report, &buckets, &global);
        let mut dropped = 0usize;
        while text.len() > self.limits.file_bytes {
            let Some(bucket) = buckets
                .iter_mut()
                .filter(|b| !b.findings.is_empty())
                .min_by_key(|b| b.findings.last().map(|f| f.severity))
            else {
                break;
            };
            let excess = text.len() - self.limits.file_bytes;
            let mut freed = 0usize;
            while freed <= excess {
                let Some(finding) = bucket.findings.pop() else {
                    break;
                };
                freed += estimate_size(finding);
                dropped += 1;
            }
            let mut notes = global.clone();
            notes.push(self.size_note(dropped));
            text = self.serialise(report, &buckets, &notes);
        }
        if dropped > 0 {
            global.push(self.size_note(dropped));
        }

        let mut warnings = global;
        warnings.extend(buckets.iter().flat_map(|b| b.notes.iter().cloned()));
        Rendered { text, warnings }
    }
}

/// A rough size of a result in the pretty file, to know how many to drop.
fn estimate_size(finding: &Finding) -> usize {
    let evidence: usize = finding
        .evidence
        .iter()
        .map(|e| e.label.len() + e.value.len() + 4)
        .sum();
    1200 + finding.message.len() + evidence + 2 * finding.resource.len()
}

impl Sarif {
    fn size_note(&self, dropped: usize) -> String {
        format!(
            "the SARIF file would exceed code scanning's limit of {} bytes: the {dropped} least \
             severe results were left out (the JSON format has every finding)",
            self.limits.file_bytes
        )
    }

    /// The runs: one per connector plus one for the rest, or a single run
    /// when that would be more runs than a file may hold.
    fn buckets<'f>(&self, report: &Report<'f>, global: &mut Vec<String>) -> Vec<Bucket<'f>> {
        if report.connectors.len() < self.limits.runs {
            let mut buckets: Vec<Bucket<'f>> = report
                .groups()
                .into_iter()
                .map(|group| Bucket {
                    group: group.name.to_owned(),
                    findings: group.findings,
                    notes: Vec::new(),
                })
                .collect();
            if !buckets.iter().any(|b| b.group == ACCOUNT_GROUP) {
                buckets.push(Bucket {
                    group: ACCOUNT_GROUP.to_owned(),
                    findings: Vec::new(),
                    notes: Vec::new(),
                });
            }
            return buckets;
        }
        let note = format!(
            "{} connectors need more than the {} runs a SARIF file may hold: every finding is \
             in one run, category putonly/{}/all/",
            report.connectors.len(),
            self.limits.runs,
            report.account_id
        );
        global.push(note);
        vec![Bucket {
            group: "all".to_owned(),
            findings: report.findings.iter().collect(),
            notes: Vec::new(),
        }]
    }

    /// Keeps a run within the results code scanning accepts.
    fn cap_results(&self, bucket: &mut Bucket<'_>) {
        let count = bucket.findings.len();
        if count > self.limits.results_per_run {
            bucket.findings.truncate(self.limits.results_per_run);
            let note = format!(
                "run `{}` has {count} results, more than the {} code scanning accepts: the {} \
                 least severe were left out (the JSON format has every finding)",
                bucket.group,
                self.limits.results_per_run,
                count - self.limits.results_per_run
            );
            bucket.notes.push(note);
        }
        if bucket.findings.len() > self.limits.shown_results_per_run {
            let note = format!(
                "run `{}` has {} results: code scanning shows only the {} most severe",
                bucket.group,
                bucket.findings.len(),
                self.limits.shown_results_per_run
            );
            bucket.notes.push(note);
        }
    }

    fn serialise(&self, report: &Report<'_>, buckets: &[Bucket<'_>], global: &[String]) -> String {
        let rules = &report.catalog.rules;
        let runs: Vec<Run> = buckets
            .iter()
            .map(|bucket| build_run(report, rules, bucket, global))
            .collect();
        let log = log(runs);
        // Serialising plain data to a string cannot fail.
        let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn log(runs: Vec<Run>) -> serde_sarif::sarif::Sarif {
    serde_sarif::sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(serde_json::Value::from("2.1.0"))
        .runs(runs)
        .build()
}

fn build_run(report: &Report<'_>, rules: &[Rule], bucket: &Bucket<'_>, global: &[String]) -> Run {
    let results: Vec<SarifResult> = bucket
        .findings
        .iter()
        .map(|f| result(report, f, rules.iter().position(|r| r.id == f.rule_id)))
        .collect();
    let driver = ToolComponent::builder()
        .name("putonly")
        .full_name(format!("putonly {}", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();

    let notes: Vec<&String> = global.iter().chain(bucket.notes.iter()).collect();
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if !notes.is_empty() {
        invocation.tool_execution_notifications = Some(
            notes
                .into_iter()
                .map(|note| {
                    let mut notification = Notification::builder()
                        .message(Message::builder().text(plain(note)).build())
                        .build();
                    notification.level = Some("warning".into());
                    notification
                })
                .collect(),
        );
    }

    let category = format!(
        "putonly/{}/{}/",
        report.account_id,
        bucket.group.replace('/', "-")
    );
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    run.automation_details = Some(RunAutomationDetails::builder().id(category).build());
    run.column_kind = Some("unicodeCodePoints".into());
    run.invocations = Some(vec![invocation]);
    run
}

/// The level code scanning shows for a severity.
fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The score code scanning ranks security alerts by (over 9.0 critical,
/// 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low). Informational
/// rules have none: they are notes, not security alerts.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut help = format!(
        "**Why it matters**\n\n{}\n\n**How to fix it**\n\n{}",
        rule.rationale.trim(),
        rule.remediation.trim()
    );
    if let Some(limits) = &rule.known_limitations {
        help.push_str(&format!("\n\n**Known limitations**\n\n{}", limits.trim()));
    }
    help.push_str("\n\n**References**\n");
    for reference in &rule.references {
        help.push_str(&format!("\n- <{reference}>"));
    }

    let mut tags = vec!["aws".to_owned(), "s3".to_owned(), rule.resource.clone()];
    let mut extra = BTreeMap::new();
    if let Some(score) = security_severity(rule.severity) {
        tags.insert(0, "security".to_owned());
        extra.insert("security-severity".to_owned(), score.into());
    }
    extra.insert("precision".to_owned(), "very-high".into());
    extra.insert("putonly-severity".to_owned(), rule.severity.as_str().into());

    let mut descriptor = ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(pascal_case(&rule.name))
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
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::to_value(level(rule.severity)).unwrap_or_default())
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build();
    // The first reference is the page that explains the rule best.
    descriptor.help_uri = rule.references.first().cloned();
    descriptor
}

/// `connector-cannot-write` as `ConnectorCannotWrite`.
fn pascal_case(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// A message that reads on its own: what is wrong, the evidence, and
/// which connector it concerns; [`plain`] text, since viewers show it in
/// terminals and web pages.
fn message(finding: &Finding) -> String {
    let mut text = plain(&finding.message);
    for evidence in &finding.evidence {
        text.push_str(&format!(
            "; {}: {}",
            plain(&evidence.label),
            plain(&evidence.value)
        ));
    }
    if let Some(connector) = &finding.connector {
        text.push_str(&format!(" (connector {})", plain(connector)));
    }
    text
}

fn physical(place: Place<'_>) -> PhysicalLocation {
    let region = place.region;
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut sarif_region = SarifRegion::builder()
        .start_line(to_i64(region.start_line))
        .build();
    sarif_region.start_column = Some(to_i64(region.start_column));
    sarif_region.end_line = Some(to_i64(region.end_line));
    sarif_region.end_column = Some(to_i64(region.end_column));
    PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(place.uri).build())
        .region(sarif_region)
        .build()
}

fn result(report: &Report<'_>, finding: &Finding, index: Option<usize>) -> SarifResult {
    let logical = LogicalLocation::builder()
        .fully_qualified_name(finding.resource.clone())
        .kind("resource")
        .build();
    let mut location = Location::builder().logical_locations(vec![logical]).build();
    location.physical_location = report.locator.place(finding).map(physical);

    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_owned(), finding.fingerprint.clone());
    let mut properties = BTreeMap::new();
    properties.insert(
        "putonly-severity".to_owned(),
        finding.severity.as_str().into(),
    );
    if let Some(connector) = &finding.connector {
        properties.insert("connector".to_owned(), connector.clone().into());
    }

    let mut result = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(level(finding.severity))
        .message(Message::builder().text(message(finding)).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.rule_index = index.and_then(|i| i64::try_from(i).ok());
    if let Some(suppressed) = &finding.suppression {
        let mut suppression = Suppression::builder()
            .kind(serde_json::Value::from("external"))
            .justification(suppressed.reason.clone())
            .build();
        suppression.status = Some("accepted".into());
        suppression.location = report.locator.config_line(suppressed.line).map(|place| {
            let mut location = Location::builder().build();
            location.physical_location = Some(physical(place));
            location
        });
        if let Some(expires) = &suppressed.expires {
            let mut extra = BTreeMap::new();
            extra.insert("expires".to_owned(), expires.clone().into());
            suppression.properties =
                Some(PropertyBag::builder().additional_properties(extra).build());
        }
        result.suppressions = Some(vec![suppression]);
    }
    result
}
