//! Checks on the config itself: suppressions whose expiry date has passed.

use crate::finding::{Evidence, PolicyLocation};
use crate::rules::{Hit, ScanContext};

/// PO901: suppressions that expired before the facts were collected.
pub fn suppression_expired(cx: &ScanContext<'_>) -> Vec<Hit> {
    let today = cx.now.date();
    let config = cx.config.path.display().to_string();
    cx.config
        .suppressions
        .iter()
        .filter(|s| s.is_expired(today))
        .filter_map(|s| {
            let expires = s.expires?;
            Some(Hit {
                connector: None,
                resource: config.clone(),
                message: format!(
                    "the suppression of {} on `{}` at line {} expired on {expires}: its findings count again",
                    s.rule, s.resource, s.line
                ),
                evidence: vec![
                    Evidence::new("rule", &s.rule),
                    Evidence::new("resource pattern", &s.resource),
                    Evidence::new("reason", &s.reason),
                    Evidence::new("expired", expires.to_string()),
                ],
                location: Some(PolicyLocation {
                    document: config.clone(),
                    statement: None,
                    line: Some(s.line),
                    column: Some(1),
                }),
                remediation: None,
                identity: vec![s.rule.clone(), s.resource.clone()],
            })
        })
        .collect()
}
