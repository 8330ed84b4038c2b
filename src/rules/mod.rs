//! The rule catalogue and the scan that runs it.
//!
//! A rule is data (`rules/<ID>.toml`: id, name, title, severity, rationale,
//! remediation, references) plus one check function registered under the
//! same id in [`checks`]. The data files are embedded at build time; a rule
//! file without a check, or a check without a file, is an error caught by
//! [`Catalog::load`] and by the catalogue tests.

pub mod checks;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Config;
use crate::finding::{self, Evidence, Finding, PolicyLocation, Severity};
use crate::inventory::Inventory;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// A rule as described by its data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// Kebab-case name of the problem, e.g. `connector-key-too-old`.
    pub name: String,
    pub title: String,
    pub severity: Severity,
    /// The kind of resource the rule looks at (`iam-user`, `s3-bucket`...).
    pub resource: String,
    pub rationale: String,
    pub remediation: String,
    pub references: Vec<String>,
    #[serde(default)]
    pub known_limitations: Option<String>,
    #[serde(default)]
    pub frameworks: Vec<String>,
}

/// A problem with the rule catalogue itself.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid rule file `rules/{file}` at line {line}, column {column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("rule file `rules/{file}`: {message}")]
    Invalid { file: String, message: String },
}

/// What a check reports; the rule supplies id, severity and fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    pub connector: Option<String>,
    pub resource: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub location: Option<PolicyLocation>,
    pub remediation: Option<String>,
    /// Extra parts that tell two hits of one rule on one resource apart.
    pub identity: Vec<String>,
}

/// Everything a check may look at.
pub struct ScanContext<'a> {
    pub inventory: &'a Inventory,
    pub config: &'a Config,
    /// The access questions' answers.
    pub model: &'a crate::access::AccessModel,
    /// The moment the facts describe (the collection time), so that a scan
    /// of a snapshot gives the findings of the scan that wrote it.
    pub now: OffsetDateTime,
}

/// The loaded, checked catalogue.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub rules: Vec<Rule>,
}

impl Catalog {
    /// Loads the embedded rule files and pairs each with its check.
    pub fn load() -> Result<Catalog, CatalogError> {
        let mut rules = Vec::with_capacity(RULE_FILES.len());
        for (file, text) in RULE_FILES {
            let rule = parse_rule(file, text)?;
            rules.push(rule);
        }
        validate(&rules)?;
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalog { rules })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Runs every rule and returns the sorted findings.
    pub fn scan(&self, context: &ScanContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for rule in &self.rules {
            let Some(check) = checks::lookup(&rule.id) else {
                continue;
            };
            let started = std::time::Instant::now();
            let hits = check(context);
            tracing::debug!(
                rule = %rule.id,
                hits = hits.len(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "rule checked"
            );
            for hit in hits {
                findings.push(to_finding(rule, hit));
            }
        }
        finding::sort(&mut findings);
        findings
    }
}

/// A finding from a rule and one of its hits.
pub(crate) fn to_finding(rule: &Rule, hit: Hit) -> Finding {
    let mut parts: Vec<&str> = vec![
        &rule.id,
        hit.connector.as_deref().unwrap_or(""),
        &hit.resource,
    ];
    parts.extend(hit.identity.iter().map(String::as_str));
    let fingerprint = finding::fingerprint(&parts);
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        severity: rule.severity,
        connector: hit.connector,
        resource: hit.resource,
        message: hit.message,
        evidence: hit.evidence,
        location: hit.location,
        remediation: hit.remediation,
        fingerprint,
        suppression: None,
    }
}

fn parse_rule(file: &str, text: &str) -> Result<Rule, CatalogError> {
    let rule: Rule = toml::from_str(text).map_err(|err| {
        let (line, column) = err
            .span()
            .map(|span| crate::config::line_column(text, span.start))
            .unwrap_or((1, 1));
        CatalogError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message: err.message().trim().replace('\n', " "),
        }
    })?;
    let invalid = |message: String| CatalogError::Invalid {
        file: file.to_owned(),
        message,
    };
    if file.strip_suffix(".toml") != Some(rule.id.as_str()) {
        return Err(invalid(format!(
            "the file name must be the rule id `{}`",
            rule.id
        )));
    }
    let kebab = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !kebab(&rule.name) {
        return Err(invalid(format!("name `{}` is not kebab-case", rule.name)));
    }
    if rule.references.is_empty() || rule.references.iter().any(|r| !r.starts_with("https://")) {
        return Err(invalid("every rule needs `https://` references".to_owned()));
    }
    if checks::lookup(&rule.id).is_none() {
        return Err(invalid(format!("no check is registered for `{}`", rule.id)));
    }
    Ok(rule)
}

fn validate(rules: &[Rule]) -> Result<(), CatalogError> {
    for (i, rule) in rules.iter().enumerate() {
        let later = rules.iter().skip(i + 1);
        if let Some(dup) = later.clone().find(|r| r.name == rule.name) {
            return Err(CatalogError::Invalid {
                file: format!("{}.toml", dup.id),
                message: format!("name `{}` is also used by `{}`", rule.name, rule.id),
            });
        }
    }
    for id in checks::REGISTERED.iter() {
        if !rules.iter().any(|r| r.id == *id) {
            return Err(CatalogError::Invalid {
                file: format!("{id}.toml"),
                message: "a check is registered but its rule file is missing".to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads() {
        let catalog = Catalog::load().unwrap();
        assert_eq!(catalog.rules.len(), checks::REGISTERED.len());
    }

    #[test]
    fn unknown_field_in_a_rule_names_file_and_line() {
        let text = "id = \"PO001\"\nname = \"x\"\ntitel = \"typo\"\n";
        let err = parse_rule("PO001.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid rule file `rules/PO001.toml` at line 3"),
            "{err}"
        );
    }
}
