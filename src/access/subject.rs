//! The connector principal as the policy engine sees it: which documents
//! apply to it, and what a request it makes carries.

use super::documents::{Document, DocumentKey, Documents};
use crate::inventory::{Inventory, Role, User};
use crate::policy::{Context, LabelledPolicy, PolicySet, RequestPrincipal};

/// The session name used for the role's witness requests.
pub const SESSION_NAME: &str = "putonly-witness";

/// An IAM user or role with its documents.
#[derive(Debug)]
pub struct Subject<'d> {
    pub is_role: bool,
    pub arn: String,
    pub name: String,
    pub id: String,
    pub account: String,
    /// Identity policies that parsed: inline, attached managed, and the
    /// groups' (for users).
    pub identity: Vec<&'d Document>,
    pub boundary: Option<&'d Document>,
    /// Documents that apply but could not be parsed or found; answers that
    /// depend on them are incomplete and say so.
    pub unusable: Vec<String>,
}

impl<'d> Subject<'d> {
    /// The IAM user `name`, if it exists.
    pub fn user(inv: &Inventory, docs: &'d Documents, name: &str) -> Option<Subject<'d>> {
        Some(Subject::of_user(inv, docs, inv.user(name)?))
    }

    /// An IAM user of the inventory (no look-up by name: callers that walk
    /// every user would otherwise search the list once per user).
    pub fn of_user(inv: &Inventory, docs: &'d Documents, user: &User) -> Subject<'d> {
        let mut subject = Subject::empty(false, &user.arn, &user.name, &user.id, &inv.account_id);
        subject.add_inline(
            docs,
            &user.arn,
            user.inline_policies.iter().map(|p| &p.name),
        );
        subject.add_managed(docs, &user.attached_policies);
        for group_name in &user.groups {
            match inv.group(group_name) {
                Some(group) => {
                    subject.add_inline(
                        docs,
                        &group.arn,
                        group.inline_policies.iter().map(|p| &p.name),
                    );
                    subject.add_managed(docs, &group.attached_policies);
                }
                None => subject
                    .unusable
                    .push(format!("group `{group_name}` (not in the inventory)")),
            }
        }
        subject.set_boundary(docs, user.permissions_boundary.as_deref());
        subject
    }

    /// The IAM role `name`, if it exists.
    pub fn role(inv: &Inventory, docs: &'d Documents, name: &str) -> Option<Subject<'d>> {
        Some(Subject::of_role(inv, docs, inv.role(name)?))
    }

    /// An IAM role of the inventory.
    pub fn of_role(inv: &Inventory, docs: &'d Documents, role: &Role) -> Subject<'d> {
        let mut subject = Subject::empty(true, &role.arn, &role.name, &role.id, &inv.account_id);
        subject.add_inline(
            docs,
            &role.arn,
            role.inline_policies.iter().map(|p| &p.name),
        );
        subject.add_managed(docs, &role.attached_policies);
        subject.set_boundary(docs, role.permissions_boundary.as_deref());
        subject
    }

    fn empty(is_role: bool, arn: &str, name: &str, id: &str, account: &str) -> Self {
        Subject {
            is_role,
            arn: arn.to_owned(),
            name: name.to_owned(),
            id: id.to_owned(),
            account: account.to_owned(),
            identity: Vec::new(),
            boundary: None,
            unusable: Vec::new(),
        }
    }

    fn push(&mut self, doc: Option<&'d Document>, missing: impl FnOnce() -> String) {
        match doc {
            Some(doc) if doc.policy().is_some() => self.identity.push(doc),
            Some(doc) => self.unusable.push(format!("{} (invalid)", doc.label)),
            None => self.unusable.push(missing()),
        }
    }

    fn add_inline<'n>(
        &mut self,
        docs: &'d Documents,
        owner: &str,
        names: impl Iterator<Item = &'n String>,
    ) {
        for name in names {
            let key = DocumentKey::Inline {
                owner: owner.to_owned(),
                name: name.clone(),
            };
            self.push(docs.get(&key), || {
                format!("inline policy `{name}` of {owner}")
            });
        }
    }

    fn add_managed(&mut self, docs: &'d Documents, arns: &[String]) {
        for arn in arns {
            let key = DocumentKey::Managed(arn.clone());
            self.push(docs.get(&key), || format!("{arn} (not in the inventory)"));
        }
    }

    fn set_boundary(&mut self, docs: &'d Documents, arn: Option<&str>) {
        let Some(arn) = arn else { return };
        match docs.get(&DocumentKey::Managed(arn.to_owned())) {
            Some(doc) if doc.policy().is_some() => self.boundary = Some(doc),
            _ => self.unusable.push(format!("permissions boundary {arn}")),
        }
    }

    /// The ARN requests are made as: the user, or a session of the role.
    pub fn session_arn(&self) -> String {
        if self.is_role {
            format!(
                "arn:aws:sts::{}:assumed-role/{}/{SESSION_NAME}",
                self.account, self.name
            )
        } else {
            self.arn.clone()
        }
    }

    pub fn request_principal(&self) -> RequestPrincipal {
        if self.is_role {
            RequestPrincipal::role_session(&self.session_arn(), &self.arn)
        } else {
            RequestPrincipal::iam_user(&self.arn)
        }
    }

    /// What a plain request of this principal carries: its identity keys,
    /// HTTPS, and the time the facts describe. Optional request keys
    /// (headers, tags, network origin) are absent.
    pub fn base_context(&self, now: &str) -> Context {
        let mut context = Context::new()
            .with("aws:PrincipalArn", self.arn.as_str())
            .with("aws:PrincipalAccount", self.account.as_str())
            .with("aws:SecureTransport", "true")
            .with("aws:PrincipalIsAWSService", "false")
            .with("aws:ViaAWSService", "false")
            .with("aws:CurrentTime", now);
        if self.is_role {
            context.insert("aws:PrincipalType", "AssumedRole");
            context.insert("aws:userid", format!("{}:{SESSION_NAME}", self.id));
        } else {
            context.insert("aws:PrincipalType", "User");
            context.insert("aws:username", self.name.as_str());
            context.insert("aws:userid", self.id.as_str());
        }
        context
    }

    /// The policy set of a request, with the resource's own policy.
    pub fn policy_set(&self, resource: Option<&'d Document>) -> PolicySet<'d> {
        let labelled = |doc: &'d Document| {
            doc.policy()
                .map(|policy| LabelledPolicy::new(doc.label.as_str(), policy))
        };
        PolicySet {
            identity: self.identity.iter().filter_map(|d| labelled(d)).collect(),
            resource: resource.and_then(labelled),
            boundary: self.boundary.and_then(labelled),
            ..PolicySet::default()
        }
    }
}
