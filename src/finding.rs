//! Findings: what a rule concluded about one resource, with its evidence.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How much a finding matters, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("`{s}` is not a severity (info, low, medium, high, critical)"))
    }
}

/// One fact that supports a finding, e.g. `("witness key", "other/x")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

impl Evidence {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// Where in a document a finding comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyLocation {
    /// What document: a policy ARN, `bucket policy of rec-bucket`, ...,
    /// or the path of the config file for findings about the config itself.
    pub document: String,
    /// The statement's Sid, or `#N` (1-based) when it has none.
    pub statement: Option<String>,
    /// 1-based line and column inside the document text.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// A conclusion about one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    /// The connector from `putonly.toml` the finding is about, if any.
    pub connector: Option<String>,
    /// ARN (or name, for things without one) of the resource concerned.
    pub resource: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub location: Option<PolicyLocation>,
    /// A corrected document, where the fix is mechanical.
    pub remediation: Option<String>,
    /// Stable across runs while the finding stays the same.
    pub fingerprint: String,
    /// The `[[suppression]]` of the config that accepts this finding, if any.
    /// A suppressed finding is still reported but never fails a scan.
    #[serde(default)]
    pub suppression: Option<Suppressed>,
}

/// Why a finding is accepted: a copy of the suppression that covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub reason: String,
    /// The suppression's last day (`YYYY-MM-DD`), if it has one.
    pub expires: Option<String>,
    /// Line of the `[[suppression]]` header in the config file.
    pub line: usize,
}

/// Marks every finding that a live (unexpired on `today`) suppression
/// covers; the first matching suppression in file order wins.
pub fn apply_suppressions(
    findings: &mut [Finding],
    suppressions: &[crate::config::Suppression],
    today: time::Date,
) {
    for finding in findings.iter_mut() {
        finding.suppression = suppressions
            .iter()
            .filter(|s| !s.is_expired(today))
            .find(|s| s.covers(&finding.rule_id, &finding.resource))
            .map(|s| Suppressed {
                reason: s.reason.clone(),
                expires: s.expires.map(|date| date.to_string()),
                line: s.line,
            });
    }
}

impl Finding {
    /// Whether the finding counts towards the exit code and the totals of
    /// active findings.
    pub fn is_active(&self) -> bool {
        self.suppression.is_none()
    }
}

/// A stable fingerprint from the parts that identify a finding.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sorts findings: most severe first, then by rule, connector, resource,
/// message and fingerprint, so every output is deterministic.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.connector.cmp(&b.connector))
            .then_with(|| a.resource.cmp(&b.resource))
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn fingerprint_depends_on_every_part_and_their_boundaries() {
        let a = fingerprint(&["PO1", "arn:x"]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint(&["PO1", "arn:x"]));
        assert_ne!(a, fingerprint(&["PO1", "arn:y"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
