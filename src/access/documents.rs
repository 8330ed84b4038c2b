//! Every policy document of an inventory, parsed once, with a label that
//! says where it lives.

use std::collections::HashMap;
use std::sync::Arc;

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
    /// Shared by every document of the account with the same kind and
    /// text: a parse depends on nothing else.
    pub parsed: Arc<Result<Policy, ParseError>>,
}

impl Document {
    fn new<'t>(
        label: String,
        owner: &str,
        kind: PolicyKind,
        text: &'t PolicyText,
        parses: &mut Parses<'t>,
    ) -> Self {
        let parsed = parses
            .entry((kind, text.as_str()))
            .or_insert_with(|| Arc::new(parse(text.as_str(), kind)));
        Document {
            label,
            owner: owner.to_owned(),
            kind,
            text: text.clone(),
            parsed: Arc::clone(parsed),
        }
    }

    /// The parsed policy, when it parsed.
    pub fn policy(&self) -> Option<&Policy> {
        self.parsed.as_ref().as_ref().ok()
    }

    /// Why the document did not parse, when it did not.
    pub fn error(&self) -> Option<&ParseError> {
        self.parsed.as_ref().as_ref().err()
    }
}

/// Parse results by kind and text. Accounts repeat documents: roles of
/// one kind share a trust policy, inline policies are stamped from one
/// template, and each would otherwise be parsed, held and freed again.
type Parses<'t> = HashMap<(PolicyKind, &'t str), Arc<Result<Policy, ParseError>>>;

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
        let mut parses = Parses::new();
        for policy in &inv.policies {
            let doc = Document::new(
                policy.arn.clone(),
                &policy.arn,
                PolicyKind::Identity,
                &policy.document,
                &mut parses,
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
                let doc = Document::new(
                    label,
                    owner,
                    PolicyKind::Identity,
                    &policy.document,
                    &mut parses,
                );
                let key = DocumentKey::Inline {
                    owner: owner.clone(),
                    name: policy.name.clone(),
                };
                docs.entries.push((key, doc));
            }
        }
        for role in &inv.roles {
            let label = format!("trust policy of {}", role.arn);
            let doc = Document::new(
                label,
                &role.arn,
                PolicyKind::Trust,
                &role.trust_policy,
                &mut parses,
            );
            docs.entries
                .push((DocumentKey::Trust(role.arn.clone()), doc));
        }
        for bucket in inv.buckets.value().into_iter().flatten() {
            if let Some(text) = bucket.policy.value() {
                let arn = bucket.arn(&inv.partition);
                let label = format!("bucket policy of `{}`", bucket.name);
                let doc = Document::new(label, &arn, PolicyKind::Resource, text, &mut parses);
                docs.entries
                    .push((DocumentKey::Bucket(bucket.name.clone()), doc));
            }
        }
        for point in inv.access_points.value().into_iter().flatten() {
            if let Some(text) = point.policy.value() {
                let label = format!("access point policy of {}", point.arn);
                let doc = Document::new(label, &point.arn, PolicyKind::Resource, text, &mut parses);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, trust: &str, inline: &str) -> serde_json::Value {
        serde_json::json!({
            "arn": format!("arn:aws:iam::111122223333:role/{name}"),
            "name": name,
            "id": format!("AROA{name}"),
            "path": "/",
            "create_date": "2026-01-01T00:00:00Z",
            "trust_policy": [trust],
            "inline_policies": [{"name": "p", "document": [inline]}],
            "attached_policies": [],
            "permissions_boundary": null,
            "max_session_duration": 3600,
            "last_used": null
        })
    }

    #[test]
    fn documents_with_the_same_text_and_kind_share_one_parse() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let put = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        let broken = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"#;
        let snapshot = serde_json::json!({
            "schema_version": 1,
            "account_id": "111122223333",
            "partition": "aws",
            "source": {"kind": "snapshot", "collected_at": "2026-01-01T00:00:00Z"},
            "users": [],
            "groups": [],
            "roles": [role("a", trust, put), role("b", trust, put), role("c", trust, broken), role("d", trust, broken), role("e", trust, trust)],
            "policies": [],
            "oidc_providers": {"status": "present", "value": []},
            "buckets": {"status": "present", "value": []},
            "account_public_access_block": {"status": "absent"},
            "access_points": {"status": "present", "value": []},
            "gaps": []
        });
        let inventory: Inventory = serde_json::from_str(&snapshot.to_string()).unwrap();
        let docs = Documents::parse_all(&inventory);
        let inline = |name: &str| {
            docs.get(&DocumentKey::Inline {
                owner: format!("arn:aws:iam::111122223333:role/{name}"),
                name: "p".into(),
            })
            .unwrap()
        };
        let trust_of = |name: &str| {
            docs.get(&DocumentKey::Trust(format!(
                "arn:aws:iam::111122223333:role/{name}"
            )))
            .unwrap()
        };
        assert!(Arc::ptr_eq(&inline("a").parsed, &inline("b").parsed));
        assert!(Arc::ptr_eq(&trust_of("a").parsed, &trust_of("c").parsed));
        assert!(Arc::ptr_eq(&inline("c").parsed, &inline("d").parsed));
        // Each keeps its own label and owner; the error is each one's too.
        assert_ne!(inline("a").label, inline("b").label);
        assert_eq!(inline("b").owner, "arn:aws:iam::111122223333:role/b");
        assert!(inline("a").policy().is_some() && inline("d").error().is_some());
        // The same text parsed as another kind is parsed on its own.
        assert!(!Arc::ptr_eq(&trust_of("e").parsed, &inline("e").parsed));
    }
}
