//! Checks about the connector principal itself and about what could not be
//! collected.

use crate::config::Mode;
use crate::finding::Evidence;
use crate::rules::{Hit, ScanContext};

/// PO001: the user or role named in the config does not exist.
pub fn principal_missing(cx: &ScanContext<'_>) -> Vec<Hit> {
    let inv = cx.inventory;
    let mut hits = Vec::new();
    for connector in &cx.config.connectors {
        let (kind, exists) = match connector.mode {
            Mode::Static => ("user", inv.user(&connector.principal).is_some()),
            Mode::Oidc(_) => ("role", inv.role(&connector.principal).is_some()),
        };
        if exists {
            continue;
        }
        let arn = format!(
            "arn:{}:iam::{}:{kind}/{}",
            inv.partition, inv.account_id, connector.principal
        );
        hits.push(Hit {
            connector: Some(connector.name.clone()),
            message: format!(
                "IAM {kind} `{}` named by connector `{}` does not exist",
                connector.principal, connector.name
            ),
            evidence: vec![Evidence::new(
                format!("{kind}s in the account"),
                (match connector.mode {
                    Mode::Static => inv.users.len(),
                    Mode::Oidc(_) => inv.roles.len(),
                })
                .to_string(),
            )],
            resource: arn,
            ..Hit::default()
        });
    }
    hits
}

/// PO002: facts that could not be collected, one hit per gap.
///
/// The source's kind is not evidence: the inventory's origin never changes
/// a finding, so that live, dump and snapshot scans of one account agree
/// (reports name the source once, in their header).
pub fn collection_incomplete(cx: &ScanContext<'_>) -> Vec<Hit> {
    cx.inventory
        .unknowns()
        .into_iter()
        .map(|gap| Hit {
            message: format!("{} could not be collected: {}", gap.what, gap.reason),
            identity: vec![gap.what.clone()],
            resource: gap.resource,
            ..Hit::default()
        })
        .collect()
}
