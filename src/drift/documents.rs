//! Policy documents of the two sides compared by meaning: statements
//! added, removed or changed (PO822, trust policies PO823), documents
//! added or removed, and documents that no longer parse (PO810).

use std::collections::{BTreeMap, BTreeSet};

use super::facts::change;
use super::statements::{self, StatementChange};
use super::{Item, Side};
use crate::access::documents::Document;
use crate::finding::{Evidence, PolicyLocation};
use crate::inventory::Inventory;
use crate::policy::PolicyKind;

/// The owners (principals, buckets, access points) an inventory holds,
/// by ARN.
fn owners(inv: &Inventory) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = inv.users.iter().map(|u| u.arn.clone()).collect();
    out.extend(inv.groups.iter().map(|g| g.arn.clone()));
    out.extend(inv.roles.iter().map(|r| r.arn.clone()));
    out.extend(inv.policies.iter().map(|p| p.arn.clone()));
    for bucket in inv.buckets.value().into_iter().flatten() {
        out.insert(bucket.arn(&inv.partition));
    }
    for point in inv.access_points.value().into_iter().flatten() {
        out.insert(point.arn.clone());
    }
    out
}

/// Documents whose presence is unknown on a side: a bucket or access
/// point policy that could not be read.
fn unknown_documents(inv: &Inventory) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for bucket in inv.buckets.value().into_iter().flatten() {
        if bucket.policy.unknown_reason().is_some() {
            out.insert(bucket.arn(&inv.partition));
        }
    }
    for point in inv.access_points.value().into_iter().flatten() {
        if point.policy.unknown_reason().is_some() {
            out.insert(point.arn.clone());
        }
    }
    out
}

fn is_managed(doc: &Document) -> bool {
    doc.label == doc.owner
}

fn document_rule(doc: &Document) -> &'static str {
    if doc.kind == PolicyKind::Trust {
        "PO823"
    } else {
        "PO822"
    }
}

/// PO822, PO823 and PO810: policy documents compared by meaning.
pub fn changes(before: Side<'_>, after: Side<'_>) -> Vec<Item> {
    let was: BTreeMap<&str, &Document> = before
        .model
        .documents
        .iter()
        .map(|d| (d.label.as_str(), d))
        .collect();
    let now: BTreeMap<&str, &Document> = after
        .model
        .documents
        .iter()
        .map(|d| (d.label.as_str(), d))
        .collect();
    let (owners_before, owners_after) = (owners(before.inventory), owners(after.inventory));
    let mut unknown = unknown_documents(before.inventory);
    unknown.extend(unknown_documents(after.inventory));

    let mut out = Vec::new();
    for (label, doc) in &now {
        match was.get(label) {
            Some(old) => out.extend(compare_document(old, doc)),
            None => {
                if let Some(item) = unreadable(doc, "is new and") {
                    out.push(item);
                }
                let owner_existed = owners_before.contains(&doc.owner);
                let shown = is_managed(doc) || (owner_existed && doc.kind != PolicyKind::Trust);
                if shown && !unknown.contains(&doc.owner) {
                    let verb = if is_managed(doc) { "created" } else { "added" };
                    out.push(whole_document(doc, verb));
                }
            }
        }
    }
    for (label, doc) in &was {
        if now.contains_key(label) || unknown.contains(&doc.owner) {
            continue;
        }
        let owner_remains = owners_after.contains(&doc.owner);
        if is_managed(doc) || (owner_remains && doc.kind != PolicyKind::Trust) {
            let verb = if is_managed(doc) {
                "deleted"
            } else {
                "removed"
            };
            out.push(whole_document(doc, verb));
        }
    }
    out
}

/// PO810 when a document does not parse; `how` completes the message.
fn unreadable(doc: &Document, how: &str) -> Option<Item> {
    let err = doc.error()?;
    let mut item = change(
        "PO810",
        &doc.owner,
        format!("{} {how} cannot be evaluated: {err}", doc.label),
    );
    item.hit.location = Some(PolicyLocation {
        document: doc.label.clone(),
        statement: None,
        line: Some(err.at.line as usize),
        column: Some(err.at.column as usize),
    });
    item.documents.push(doc.label.clone());
    Some(item)
}

/// A document that appeared or went away, with its statements.
fn whole_document(doc: &Document, verb: &str) -> Item {
    let mut item = change(
        document_rule(doc),
        &doc.owner,
        format!("{} {verb}", doc.label),
    );
    if let Some(canonical) = statements::canonical(&doc.text) {
        for statement in &canonical.statements {
            item.hit.evidence.push(Evidence::new(
                format!("statement {}", statement.label),
                statements::summary(&statement.value),
            ));
        }
    }
    item.documents.push(doc.label.clone());
    item
}

/// The changes between two versions of one document.
fn compare_document(old: &Document, doc: &Document) -> Vec<Item> {
    if old.parsed.is_ok()
        && let Some(item) = unreadable(doc, "was valid in the baseline and")
    {
        return vec![item];
    }
    let rule = document_rule(doc);
    let (Some(was), Some(now)) = (
        statements::canonical(&old.text),
        statements::canonical(&doc.text),
    ) else {
        // Not JSON on one side: the decoded texts, trimmed, are compared.
        if statements::decoded(&old.text).trim() == statements::decoded(&doc.text).trim() {
            return Vec::new();
        }
        let mut item = change(
            rule,
            &doc.owner,
            format!(
                "{} changed (compared as text: it is not valid JSON)",
                doc.label
            ),
        );
        item.documents.push(doc.label.clone());
        return vec![item];
    };
    statements::diff(&was, &now)
        .into_iter()
        .map(|c| statement_item(rule, doc, c))
        .collect()
}

fn statement_item(rule: &'static str, doc: &Document, change_: StatementChange) -> Item {
    let label = &doc.label;
    let (message, at) = match &change_ {
        StatementChange::Added(s) => (
            format!(
                "statement `{}` added to {label}: {}",
                s.label,
                statements::summary(&s.value)
            ),
            Some(s),
        ),
        StatementChange::Removed(s) => (
            format!(
                "statement `{}` removed from {label}: {}",
                s.label,
                statements::summary(&s.value)
            ),
            None,
        ),
        StatementChange::Changed { before, after } => (
            format!(
                "statement `{}` of {label} changed: {}",
                after.label,
                statements::describe_change(&before.value, &after.value).join("; ")
            ),
            Some(after),
        ),
        StatementChange::Version { before, after } => (
            format!(
                "`Version` of {label}: {} → {}",
                before.as_deref().unwrap_or("none"),
                after.as_deref().unwrap_or("none")
            ),
            None,
        ),
    };
    let mut item = change(rule, &doc.owner, message);
    if let StatementChange::Changed { before, .. } = &change_ {
        item.hit
            .evidence
            .push(Evidence::new("before", statements::summary(&before.value)));
    }
    if let StatementChange::Changed { after, .. } = &change_ {
        item.hit
            .evidence
            .push(Evidence::new("now", statements::summary(&after.value)));
    }
    item.hit.location = at.map(|s| PolicyLocation {
        document: label.clone(),
        statement: Some(s.label.clone()),
        line: Some(s.line),
        column: Some(s.column),
    });
    item.documents.push(label.clone());
    item
}
