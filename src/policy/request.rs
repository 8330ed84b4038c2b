//! The request being authorized: who asks, for which action on which
//! resource, and the condition keys present in its context.
//!
//! The context models presence explicitly (IAM-SEMANTICS.md 9): a key not
//! inserted is absent; a key may be present with one value, with several
//! (a multivalued key such as `aws:TagKeys`), or present but empty (an empty
//! multivalued set, or a single empty string). Key names are lowercased on
//! insertion, because condition keys match case-insensitively.

use super::arn::SplitArn;
use super::glob::Resolve;

/// The value of a condition key in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multivalued key (possibly empty).
    Multi(Vec<String>),
}

impl ContextValue {
    /// The request values, one for a single-valued key.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(value) => std::slice::from_ref(value),
            ContextValue::Multi(values) => values,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(value: &str) -> Self {
        ContextValue::Single(value.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(value: String) -> Self {
        ContextValue::Single(value)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(values: Vec<String>) -> Self {
        ContextValue::Multi(values)
    }
}

/// The condition keys present in a request, by lowercased name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by key for binary search; keys are lowercase and unique.
    entries: Vec<(String, ContextValue)>,
}

impl Context {
    /// An empty context: every key absent.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        let key = key.to_lowercase();
        let value = value.into();
        match self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.insert(key, value);
        self
    }

    /// The value of an already-lowercased key, `None` if absent.
    pub fn get(&self, key_lower: &str) -> Option<&ContextValue> {
        let i = self
            .entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key_lower))
            .ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// Every present key and its value, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Policy variables take single values only; a multivalued key has none.
impl Resolve for Context {
    fn resolve(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ContextValue::Single(value) => Some(value),
            ContextValue::Multi(_) => None,
        }
    }
}

/// What kind of caller makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An IAM user with long-term or temporary credentials.
    IamUser,
    /// A session of an IAM role (`arn:aws:sts::A:assumed-role/R/S`),
    /// including sessions obtained through web identity federation.
    RoleSession {
        /// The role's IAM ARN (`arn:aws:iam::A:role/path/R`).
        role_arn: String,
    },
    /// A caller presenting a web identity token to
    /// `sts:AssumeRoleWithWebIdentity`, before it has any AWS identity.
    WebIdentity {
        /// The provider as a trust policy names it: `accounts.google.com`
        /// (built-in) or `arn:aws:iam::A:oidc-provider/HOST`.
        provider: String,
    },
    /// The root user of an account.
    AccountRoot,
    /// An unauthenticated caller.
    Anonymous,
    /// An AWS service principal such as `cloudtrail.amazonaws.com`.
    Service {
        /// The service principal name.
        name: String,
    },
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    /// What kind of caller.
    pub kind: PrincipalKind,
    /// The caller's ARN (user, session or root ARN), if it has one.
    pub arn: Option<String>,
    /// The caller's account, if it belongs to one.
    pub account: Option<String>,
}

impl RequestPrincipal {
    /// An IAM user, by ARN; the account is read from the ARN.
    pub fn iam_user(arn: &str) -> Self {
        Self {
            kind: PrincipalKind::IamUser,
            account: account_of(arn),
            arn: Some(arn.to_owned()),
        }
    }

    /// A role session, by session ARN and role ARN.
    pub fn role_session(session_arn: &str, role_arn: &str) -> Self {
        Self {
            kind: PrincipalKind::RoleSession {
                role_arn: role_arn.to_owned(),
            },
            account: account_of(session_arn).or_else(|| account_of(role_arn)),
            arn: Some(session_arn.to_owned()),
        }
    }

    /// A web identity caller of `sts:AssumeRoleWithWebIdentity`.
    pub fn web_identity(provider: &str) -> Self {
        Self {
            kind: PrincipalKind::WebIdentity {
                provider: provider.to_owned(),
            },
            arn: None,
            account: None,
        }
    }

    /// The root user of `account`.
    pub fn root(account: &str) -> Self {
        Self {
            kind: PrincipalKind::AccountRoot,
            arn: Some(format!("arn:aws:iam::{account}:root")),
            account: Some(account.to_owned()),
        }
    }

    /// An anonymous caller.
    pub fn anonymous() -> Self {
        Self {
            kind: PrincipalKind::Anonymous,
            arn: None,
            account: None,
        }
    }

    /// An AWS service principal.
    pub fn service(name: &str) -> Self {
        Self {
            kind: PrincipalKind::Service {
                name: name.to_owned(),
            },
            arn: None,
            account: None,
        }
    }

    /// Whether the caller is an IAM identity of an account (user, role
    /// session or root), to which SCPs and boundaries can apply.
    pub fn is_account_identity(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::IamUser | PrincipalKind::RoleSession { .. } | PrincipalKind::AccountRoot
        )
    }
}

fn account_of(arn: &str) -> Option<String> {
    SplitArn::new(arn)
        .account()
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

/// One request to authorize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The caller.
    pub principal: RequestPrincipal,
    /// The condition keys present.
    pub context: Context,
    action: String,
    action_lower: String,
    resource: String,
    resource_account: Option<String>,
}

impl Request {
    /// A request for `action` (`service:Name`, any case) on `resource` (an
    /// ARN, matched case-sensitively).
    pub fn new(
        principal: RequestPrincipal,
        action: &str,
        resource: &str,
        context: Context,
    ) -> Self {
        Self {
            principal,
            context,
            action: action.to_owned(),
            action_lower: action.to_lowercase(),
            resource: resource.to_owned(),
            resource_account: None,
        }
    }

    /// Sets the account that owns the resource. S3 bucket and object ARNs
    /// carry no account, so the caller must supply the bucket owner.
    pub fn with_resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_owned());
        self
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action lowercased, as matched.
    pub fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// The resource ARN.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The resource ARN split into segments.
    pub fn resource_arn(&self) -> SplitArn<'_> {
        SplitArn::new(&self.resource)
    }

    /// The resource owner: as set, else the ARN's account segment.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account
            .as_deref()
            .or_else(|| self.resource_arn().account().filter(|a| !a.is_empty()))
    }

    /// Whether caller and resource belong to different accounts. Unknown
    /// on either side counts as the same account.
    pub fn is_cross_account(&self) -> bool {
        match (self.principal.account.as_deref(), self.resource_account()) {
            (Some(caller), Some(owner)) => caller != owner,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keys_are_case_insensitive_and_presence_is_explicit() {
        let ctx = Context::new()
            .with("AWS:SourceVpce", "vpce-1")
            .with("s3:RequestObjectTagKeys", vec![])
            .with("aws:username", "");
        assert_eq!(ctx.get("aws:sourcevpce").unwrap().values(), ["vpce-1"]);
        assert_eq!(
            ctx.get("s3:requestobjecttagkeys").unwrap().values().len(),
            0
        );
        assert_eq!(ctx.get("aws:username").unwrap().values(), [""]);
        assert!(ctx.get("aws:sourceip").is_none());
        assert_eq!(ctx.resolve("s3:requestobjecttagkeys"), None);
        assert_eq!(ctx.resolve("aws:sourcevpce"), Some("vpce-1"));
    }

    #[test]
    fn accounts_and_cross_account() {
        let user = RequestPrincipal::iam_user("arn:aws:iam::111122223333:user/u");
        assert_eq!(user.account.as_deref(), Some("111122223333"));
        let same = Request::new(
            user.clone(),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Context::new(),
        );
        assert!(!same.is_cross_account());
        let other = same.clone().with_resource_account("444455556666");
        assert!(other.is_cross_account());
        let role = Request::new(
            user,
            "sts:AssumeRole",
            "arn:aws:iam::444455556666:role/r",
            Context::new(),
        );
        assert!(role.is_cross_account());
    }
}
