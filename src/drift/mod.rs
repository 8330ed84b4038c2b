//! Drift: what changed since the approved baseline, and what access it
//! added or took away.
//!
//! A baseline is a snapshot (`putonly snapshot`). [`compare`] builds the
//! access model of the baseline and of the current inventory with the same
//! config, and reports two sorts of drift, both as findings:
//!
//! - **access deltas** ([`access`]): the answers of the two models compared
//!   (intended writes, writes outside the prefix, extra actions, who can
//!   assume the role, who else can write), each with a witness request
//!   allowed or refused now, the statement that decides it, and the
//!   engine's decision on the same request in the baseline. Their severity
//!   is the delta's: a gained escalation is critical, a narrowing is info.
//! - **inventory changes** ([`facts`], [`documents`]): principals,
//!   attachments, statements, trust, credentials, OIDC providers, bucket
//!   settings, access points. They are informational (a new credential is
//!   low) and each names the access deltas it caused, or says that it
//!   caused none.
//!
//! Noise is not drift: documents are compared by meaning ([`statements`]),
//! and last-used dates, collection time, source kind and policy version ids
//! are never compared.

pub mod access;
pub mod catalog;
pub mod documents;
pub mod facts;
pub mod statements;

use crate::access::AccessModel;
use crate::config::Config;
use crate::finding::{self, Evidence, Finding};
use crate::inventory::Inventory;
use crate::rules::{Catalog, Hit};

/// The ids of every drift kind, in order.
pub const KINDS: &[&str] = &[
    "PO801", "PO802", "PO803", "PO804", "PO805", "PO806", "PO807", "PO808", "PO809", "PO810",
    "PO811", "PO820", "PO821", "PO822", "PO823", "PO824", "PO825", "PO826", "PO827", "PO828",
];

/// The kind that says a fact could not be compared.
pub const UNDECIDED: &str = "PO811";

/// Most cross references listed in one finding.
const MAX_LINKS: usize = 8;

/// One inventory and its access model.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub inventory: &'a Inventory,
    pub model: &'a AccessModel,
}

/// One drift item before it becomes a finding.
#[derive(Debug, Clone)]
pub struct Item {
    /// The drift kind's rule id.
    pub rule: &'static str,
    pub hit: Hit,
    /// Labels of the documents the item is about or whose statements
    /// decide its witnesses.
    pub documents: Vec<String>,
    /// ARNs the item is about (principal, bucket, role).
    pub subjects: Vec<String>,
}

impl Item {
    pub fn new(rule: &'static str, hit: Hit) -> Self {
        Item {
            rule,
            hit,
            documents: Vec::new(),
            subjects: Vec::new(),
        }
    }
}

/// Compares the current inventory with the baseline, both read with
/// `config`, and returns the drift as sorted findings.
pub fn compare(
    catalog: &Catalog,
    baseline: &Inventory,
    current: &Inventory,
    config: &Config,
) -> Vec<Finding> {
    let before_model = AccessModel::build(baseline, config, &baseline.source.collected_at);
    let after_model = AccessModel::build(current, config, &current.source.collected_at);
    let before = Side {
        inventory: baseline,
        model: &before_model,
    };
    let after = Side {
        inventory: current,
        model: &after_model,
    };
    let deltas = access::deltas(config, before, after);
    let changes = facts::changes(before, after);
    let items = link(deltas, changes);
    tracing::info!(items = items.len(), "drift compared");

    let mut findings: Vec<Finding> = items
        .into_iter()
        .filter_map(|item| {
            let rule = catalog.get(item.rule)?;
            Some(crate::rules::to_finding(rule, item.hit))
        })
        .collect();
    finding::sort(&mut findings);
    findings
}

/// Whether an inventory change explains an access delta: the delta's
/// witnesses are decided by the changed document, or the change is about
/// the principal or bucket the delta is about.
fn explains(change: &Item, delta: &Item) -> bool {
    if change.documents.is_empty() {
        change.subjects.iter().any(|s| delta.subjects.contains(s))
    } else {
        change.documents.iter().any(|d| delta.documents.contains(d))
    }
}

/// Cross-references deltas and changes: each change names the access
/// deltas it caused (or says there are none), each delta the changes that
/// explain it.
fn link(mut deltas: Vec<Item>, mut changes: Vec<Item>) -> Vec<Item> {
    for change in &mut changes {
        if change.rule == UNDECIDED {
            continue;
        }
        let caused: Vec<&Item> = deltas.iter().filter(|d| explains(change, d)).collect();
        if caused.is_empty() {
            change.hit.evidence.push(Evidence::new(
                "access delta",
                "none found for the configured connectors",
            ));
        }
        for delta in caused.iter().take(MAX_LINKS) {
            change.hit.evidence.push(Evidence::new(
                "access delta",
                format!("{} {}", delta.rule, delta.hit.message),
            ));
        }
    }
    for delta in &mut deltas {
        let causes: Vec<&Item> = changes
            .iter()
            .filter(|c| c.rule != UNDECIDED && explains(c, delta))
            .collect();
        for change in causes.iter().take(MAX_LINKS) {
            delta.hit.evidence.push(Evidence::new(
                "changed since the baseline",
                format!("{} {}", change.rule, change.hit.message),
            ));
        }
    }
    deltas.extend(changes);
    deltas
}

#[cfg(test)]
mod tests;
