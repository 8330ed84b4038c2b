//! The facts model: everything putonly knows about one AWS account.
//!
//! Sources (`crate::source`) produce an [`Inventory`]; every later stage is a
//! plain function of it. The model is versioned ([`SCHEMA_VERSION`]) and
//! serialised as deterministic JSON: lists are kept sorted by their natural
//! key (ARN or name), so two collections of the same account give the same
//! bytes. A fact that could not be collected is a [`Fact::Unknown`] with the
//! reason, never a silent `None`; a whole area that a source cannot see is
//! listed in [`Inventory::gaps`].

mod policy_text;

pub use policy_text::{DecodeError, PolicyText};

use serde::{Deserialize, Serialize};

/// Version of the snapshot format. Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One AWS account as collected by a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub schema_version: u32,
    pub account_id: String,
    /// AWS partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// Where the facts came from; informational only, never changes findings.
    pub source: SourceInfo,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    /// Managed policies referenced by the account (customer-managed, and
    /// AWS-managed ones that are attached), each with its default version.
    pub policies: Vec<ManagedPolicy>,
    pub oidc_providers: Fact<Vec<OidcProvider>>,
    pub buckets: Fact<Vec<Bucket>>,
    pub account_public_access_block: Fact<PublicAccessBlock>,
    pub access_points: Fact<Vec<AccessPoint>>,
    /// Collection failures that are not tied to one field.
    pub gaps: Vec<Gap>,
}

/// The origin of an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// `live`, `dump` or `auth-details`. A snapshot keeps the kind of the
    /// source that wrote it.
    pub kind: String,
    /// When the facts were collected (RFC 3339, UTC).
    pub collected_at: String,
}

/// A fact that may be configured, explicitly not configured, or unknown.
///
/// "Not configured" (no bucket policy, no Block Public Access setting) is a
/// fact about the account; "unknown" means putonly could not find out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "value", rename_all = "kebab-case")]
pub enum Fact<T> {
    Present(T),
    Absent,
    Unknown(String),
}

impl<T> Fact<T> {
    /// The value when present.
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Present(value) => Some(value),
            Fact::Absent | Fact::Unknown(_) => None,
        }
    }

    /// The reason when the fact could not be collected.
    pub fn unknown_reason(&self) -> Option<&str> {
        match self {
            Fact::Unknown(reason) => Some(reason),
            Fact::Present(_) | Fact::Absent => None,
        }
    }

    pub fn is_present(&self) -> bool {
        matches!(self, Fact::Present(_))
    }
}

/// Something a source could not collect.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// The ARN, bucket name or scope (`iam`, `s3`, `s3control`) concerned.
    pub resource: String,
    /// What is missing, e.g. `bucket policy`.
    pub what: String,
    /// Why, e.g. `AccessDenied: ...` or `not in an authorization-details file`.
    pub reason: String,
}

/// A policy embedded in a user, group or role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    pub document: PolicyText,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub create_date: String,
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
    /// Names of the groups the user belongs to.
    pub groups: Vec<String>,
    /// ARN of the permissions boundary policy.
    pub permissions_boundary: Option<String>,
    pub access_keys: Fact<Vec<AccessKey>>,
    /// Whether the user has a console password.
    pub console_password: Fact<bool>,
    /// Serial numbers or ARNs of the user's MFA devices.
    pub mfa_devices: Fact<Vec<String>>,
}

/// A long-term access key. The secret is never collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date: String,
    pub last_used: Fact<LastUsed>,
}

/// When and where an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastUsed {
    pub date: String,
    pub service: Option<String>,
    pub region: Option<String>,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<String>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub create_date: String,
    pub trust_policy: PolicyText,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<String>,
    pub permissions_boundary: Option<String>,
    pub max_session_duration: Option<i32>,
    /// When the role was last assumed, if ever.
    pub last_used: Option<String>,
}

/// A managed policy with the document of its default version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub default_version_id: String,
    pub aws_managed: bool,
    pub document: PolicyText,
}

/// An IAM OpenID Connect identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    pub arn: String,
    /// Issuer URL without scheme, as IAM reports it (`accounts.google.com`).
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub create_date: String,
}

/// The four Block Public Access switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_on(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// One grant of a bucket ACL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// Canonical user id, group URI or email address of the grantee.
    pub grantee: String,
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// `FULL_CONTROL`, `WRITE`, `WRITE_ACP`, `READ` or `READ_ACP`.
    pub permission: String,
}

/// An S3 bucket and the settings that decide who can write to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: String,
    pub region: Fact<String>,
    pub policy: Fact<PolicyText>,
    pub public_access_block: Fact<PublicAccessBlock>,
    /// Object Ownership: `BucketOwnerEnforced`, `BucketOwnerPreferred` or
    /// `ObjectWriter`.
    pub ownership: Fact<String>,
    /// Default encryption algorithms (`AES256`, `aws:kms`, ...).
    pub encryption: Fact<Vec<String>>,
    /// `Enabled`, `Suspended`, or absent when never enabled.
    pub versioning: Fact<String>,
    /// The grants of the bucket ACL. None when Object Ownership is
    /// `BucketOwnerEnforced`: ACLs are then disabled and grant nothing
    /// (AWS refuses to disable them while they grant anyone outside the
    /// account), so the live source does not read them and every source
    /// records them as empty.
    pub acl: Fact<Vec<AclGrant>>,
}

impl Bucket {
    /// Whether ACLs are disabled (Object Ownership `BucketOwnerEnforced`).
    pub fn acls_disabled(&self) -> bool {
        matches!(&self.ownership, Fact::Present(o) if o == "BucketOwnerEnforced")
    }
}

impl Bucket {
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:s3:::{}", self.name)
    }
}

/// An S3 access point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPoint {
    pub name: String,
    pub arn: String,
    pub bucket: String,
    /// `Internet` or `VPC`.
    pub network_origin: String,
    pub policy: Fact<PolicyText>,
    pub public_access_block: Fact<PublicAccessBlock>,
}

impl Inventory {
    /// An empty inventory for `account_id`, to be filled by a source.
    pub fn new(account_id: &str, source_kind: &str, collected_at: &str) -> Self {
        Inventory {
            schema_version: SCHEMA_VERSION,
            account_id: account_id.to_owned(),
            partition: "aws".to_owned(),
            source: SourceInfo {
                kind: source_kind.to_owned(),
                collected_at: collected_at.to_owned(),
            },
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            oidc_providers: Fact::Absent,
            buckets: Fact::Absent,
            account_public_access_block: Fact::Absent,
            access_points: Fact::Absent,
            gaps: Vec::new(),
        }
    }

    /// Sorts every list by its natural key so output is deterministic.
    pub fn normalize(&mut self) {
        self.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        for user in &mut self.users {
            user.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
            user.attached_policies.sort();
            user.groups.sort();
            if let Fact::Present(keys) = &mut user.access_keys {
                keys.sort_by(|a, b| a.id.cmp(&b.id));
            }
            if let Fact::Present(devices) = &mut user.mfa_devices {
                devices.sort();
            }
        }
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        for group in &mut self.groups {
            group.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
            group.attached_policies.sort();
        }
        self.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        for role in &mut self.roles {
            role.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
            role.attached_policies.sort();
        }
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        if let Fact::Present(providers) = &mut self.oidc_providers {
            providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        if let Fact::Present(buckets) = &mut self.buckets {
            buckets.sort_by(|a, b| a.name.cmp(&b.name));
            for bucket in buckets.iter_mut() {
                if bucket.acls_disabled() {
                    bucket.acl = Fact::Present(Vec::new());
                }
                if let Fact::Present(acl) = &mut bucket.acl {
                    acl.sort();
                }
            }
        }
        if let Fact::Present(points) = &mut self.access_points {
            points.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        self.gaps.sort();
        self.gaps.dedup();
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.policies.iter().find(|p| p.arn == arn)
    }

    pub fn bucket(&self, name: &str) -> Option<&Bucket> {
        self.buckets.value()?.iter().find(|b| b.name == name)
    }
}

impl Inventory {
    /// Every fact that could not be collected, with the gaps, as
    /// `(resource, what, reason)`, in a stable order.
    pub fn unknowns(&self) -> Vec<Gap> {
        let mut out = self.gaps.clone();
        let mut push = |resource: &str, what: &str, reason: Option<&str>| {
            if let Some(reason) = reason {
                out.push(Gap {
                    resource: resource.to_owned(),
                    what: what.to_owned(),
                    reason: reason.to_owned(),
                });
            }
        };
        for user in &self.users {
            push(&user.arn, "access keys", user.access_keys.unknown_reason());
            push(
                &user.arn,
                "console password",
                user.console_password.unknown_reason(),
            );
            push(&user.arn, "MFA devices", user.mfa_devices.unknown_reason());
            for key in user.access_keys.value().into_iter().flatten() {
                push(
                    &user.arn,
                    "access key last use",
                    key.last_used.unknown_reason(),
                );
            }
        }
        let account = format!("arn:{}:iam::{}:root", self.partition, self.account_id);
        push(
            &account,
            "OIDC providers",
            self.oidc_providers.unknown_reason(),
        );
        push(&account, "S3 buckets", self.buckets.unknown_reason());
        push(
            &account,
            "account Block Public Access",
            self.account_public_access_block.unknown_reason(),
        );
        push(
            &account,
            "S3 access points",
            self.access_points.unknown_reason(),
        );
        for bucket in self.buckets.value().into_iter().flatten() {
            let arn = bucket.arn(&self.partition);
            push(&arn, "bucket region", bucket.region.unknown_reason());
            push(&arn, "bucket policy", bucket.policy.unknown_reason());
            push(
                &arn,
                "bucket Block Public Access",
                bucket.public_access_block.unknown_reason(),
            );
            push(
                &arn,
                "bucket ownership controls",
                bucket.ownership.unknown_reason(),
            );
            push(
                &arn,
                "bucket default encryption",
                bucket.encryption.unknown_reason(),
            );
            push(
                &arn,
                "bucket versioning",
                bucket.versioning.unknown_reason(),
            );
            push(&arn, "bucket ACL", bucket.acl.unknown_reason());
        }
        for point in self.access_points.value().into_iter().flatten() {
            push(
                &point.arn,
                "access point policy",
                point.policy.unknown_reason(),
            );
            push(
                &point.arn,
                "access point Block Public Access",
                point.public_access_block.unknown_reason(),
            );
        }
        out.sort();
        out.dedup();
        out
    }
}
