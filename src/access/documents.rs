//! Every policy document of an inventory, parsed once, with a label that
//! says where it lives.

use std::collections::HashMap;

use crate::inventory::{Inventory, PolicyText};
use crate::policy::{ParseError, Policy, PolicyKind, parse};

/// One policy document with its parse result.
#[derive(Debug)]
pub struct Document {
    /// Where it lives, for reports: a policy ARN, or
    /// `inline policy `name` of arn:...`, `trust policy of arn:...`,
    /// `bucket policy of `rec-bucket``.
    pub label: String,
    /// The resource the document belongs to (ARN).
    pub owner: String,
    pub kind: PolicyKind,
    pub text: PolicyText,
    pub parsed: Result<Policy, ParseError>,
}

impl Document {
    fn new(label: String, owner: &str, kind: PolicyKind, text: &PolicyText) -> Self {
        Document {
            label,
            owner: owner.to_owned(),
            kind,
            text: text.clone(),
            parsed: parse(text.as_str(), kind),
        }
    }

    /// The parsed policy, when it parsed.
    pub fn policy(&self) -> Option<&Policy> {
        self.parsed.as_ref().ok()
    }
}

/// What kind of document, and whose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocumentKey {
    Managed(String),
    Inline { owner: String, name: String },
    Trust(String),
    Bucket(String),
    AccessPoint(String),
}

/// All documents of an account.
#[derive(Debug, Default)]
pub struct Documents {
    entries: Vec<(DocumentKey, Document)>,
    /// Position in `entries` of each key's first document: every principal
    /// of the account looks its documents up, so a search would be
    /// quadratic in the size of the account.
    index: HashMap<DocumentKey, usize>,
}

impl Documents {
    /// Parses every document the inventory holds.
    pub fn parse_all(inv: &Inventory) -> Documents {
        let mut docs = Documents::default();
        for policy in &inv.policies {
            let doc = Document::new(
                policy.arn.clone(),
                &policy.arn,
                PolicyKind::Identity,
                &policy.document,
            );
            docs.entries
                .push((DocumentKey::Managed(policy.arn.clone()), doc));
        }
        let owners = inv
            .users
            .iter()
            .map(|u| (&u.arn, &u.inline_policies))
            .chain(inv.groups.iter().map(|g| (&g.arn, &g.inline_policies)))
            .chain(inv.roles.iter().map(|r| (&r.arn, &r.inline_policies)));
        for (owner, inline) in owners {
            for policy in inline {
                let label = format!("inline policy `{}` of {owner}", policy.name);
                let doc = Document::new(label, owner, PolicyKind::Identity, &policy.document);
                let key = DocumentKey::Inline {
                    owner: owner.clone(),
                    name: policy.name.clone(),
                };
                docs.entries.push((key, doc));
            }
        }
        for role in &inv.roles {
            let label = format!("trust policy of {}", role.arn);
            let doc = Document::new(label, &role.arn, PolicyKind::Trust, &role.trust_policy);
            docs.entries
                .push((DocumentKey::Trust(role.arn.clone()), doc));
        }
        for bucket in inv.buckets.value().into_iter().flatten() {
            if let Some(text) = bucket.policy.value() {
                let arn = bucket.arn(&inv.partition);
                let label = format!("bucket policy of `{}`", bucket.name);
                let doc = Document::new(label, &arn, PolicyKind::Resource, text);
                docs.entries
                    .push((DocumentKey::Bucket(bucket.name.clone()), doc));
            }
        }
        for point in inv.access_points.value().into_iter().flatten() {
            if let Some(text) = point.policy.value() {
                let label = format!("access point policy of {}", point.arn);
                let doc = Document::new(label, &point.arn, PolicyKind::Resource, text);
                docs.entries
                    .push((DocumentKey::AccessPoint(point.arn.clone()), doc));
            }
        }
        for (position, (key, _)) in docs.entries.iter().enumerate() {
            docs.index.entry(key.clone()).or_insert(position);
        }
        docs
    }

    pub fn get(&self, key: &DocumentKey) -> Option<&Document> {
        self.index
            .get(key)
            .and_then(|&position| self.entries.get(position))
            .map(|(_, d)| d)
    }

    /// Every document, in inventory order.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.entries.iter().map(|(_, d)| d)
    }
}
