//! The `Principal` and `NotPrincipal` elements and how they match a caller.
//!
//! A caller has one or more identities (IAM-SEMANTICS.md 2.2-2.4, the
//! Principal and NotPrincipal pages): an IAM user is its user ARN and its
//! account; a role session is its session ARN, its role's ARN and its
//! account; the root user is its account; a web identity caller is its
//! provider. A `Principal` entry matches when it names one of them, and how
//! it matched decides what a same-account grant is worth ([`Grant`]).
//! Principal ARNs are compared exactly: AWS allows no wildcard inside them.
//!
//! `NotPrincipal` exempts a caller only if every one of its identities is
//! listed (the docs ask for the account ARN, and for roles both the role
//! and the session ARN), and never exempts an IAM user or role that has a
//! permissions boundary (NotPrincipal page, "Key points").

use super::arn::SplitArn;
use super::request::{PrincipalKind, RequestPrincipal};
use super::span::Span;

/// The key an entry was listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `"Principal": "*"`.
    All,
    /// `{"AWS": ...}`.
    Aws,
    /// `{"Federated": ...}`.
    Federated,
    /// `{"Service": ...}`.
    Service,
    /// `{"CanonicalUser": ...}`.
    CanonicalUser,
}

impl PrincipalType {
    /// Reads the key of a principal object.
    pub fn from_key(key: &str) -> Option<PrincipalType> {
        match key {
            "AWS" => Some(PrincipalType::Aws),
            "Federated" => Some(PrincipalType::Federated),
            "Service" => Some(PrincipalType::Service),
            "CanonicalUser" => Some(PrincipalType::CanonicalUser),
            _ => None,
        }
    }
}

/// What a principal entry names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalTarget {
    /// `*`: everyone, anonymous callers included.
    Everyone,
    /// A whole account (`111122223333` or `arn:aws:iam::111122223333:root`).
    Account(String),
    /// An IAM user ARN.
    User(String),
    /// An IAM role ARN: grants the role's sessions.
    Role(String),
    /// A role session ARN (`arn:aws:sts::A:assumed-role/R/S`).
    RoleSession(String),
    /// A federated provider (`accounts.google.com` or an
    /// `oidc-provider/...` / `saml-provider/...` ARN).
    Federated(String),
    /// An AWS service principal.
    Service(String),
    /// A canonical user ID (S3).
    CanonicalUser(String),
    /// Anything else, such as a unique ID (`AIDA...`) left behind by a
    /// deleted user; it matches no caller.
    Unrecognized(String),
}

/// One principal value with its type and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// The key it was listed under.
    pub principal_type: PrincipalType,
    /// The value as written.
    pub value: String,
    /// Where the value is written.
    pub span: Span,
    /// What it names.
    pub target: PrincipalTarget,
}

impl PrincipalEntry {
    /// Classifies `value` listed under `principal_type`.
    pub fn new(principal_type: PrincipalType, value: &str, span: Span) -> Self {
        let target = match principal_type {
            PrincipalType::All => PrincipalTarget::Everyone,
            PrincipalType::Aws => aws_target(value),
            PrincipalType::Federated => PrincipalTarget::Federated(value.to_owned()),
            PrincipalType::Service => PrincipalTarget::Service(value.to_owned()),
            PrincipalType::CanonicalUser => PrincipalTarget::CanonicalUser(value.to_owned()),
        };
        Self {
            principal_type,
            value: value.to_owned(),
            span,
            target,
        }
    }

    /// Whether this entry names the identity `id`.
    fn covers(&self, id: &Identity<'_>) -> bool {
        use PrincipalTarget as T;
        match (&self.target, id) {
            (T::Everyone, _) => true,
            (T::Account(a), Identity::Account(b))
            | (T::User(a), Identity::User(b))
            | (T::Role(a), Identity::Role(b))
            | (T::RoleSession(a), Identity::Session(b))
            | (T::Federated(a), Identity::Provider(b)) => a == b,
            (T::Service(a), Identity::Service(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

// TODO(#3): STS federated-user sessions (`arn:aws:sts::A:federated-user/N`)
// and canonical user IDs are kept but never match a caller, because
// `RequestPrincipal` does not model those callers yet.
fn aws_target(value: &str) -> PrincipalTarget {
    if value == "*" {
        return PrincipalTarget::Everyone;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalTarget::Account(value.to_owned());
    }
    let arn = SplitArn::new(value);
    let (Some("arn"), Some(service), Some(account), Some(resource)) = (
        arn.segment(0),
        arn.segment(2),
        arn.segment(4),
        arn.segment(5),
    ) else {
        return PrincipalTarget::Unrecognized(value.to_owned());
    };
    let owned = value.to_owned();
    match service {
        "iam" if resource == "root" => PrincipalTarget::Account(account.to_owned()),
        "iam" if resource.starts_with("user/") => PrincipalTarget::User(owned),
        "iam" if resource.starts_with("role/") => PrincipalTarget::Role(owned),
        "sts" if resource.starts_with("assumed-role/") => PrincipalTarget::RoleSession(owned),
        _ => PrincipalTarget::Unrecognized(owned),
    }
}

/// What a matching `Principal` entry is worth for a same-account grant
/// (evaluation-logic page, table in IAM-SEMANTICS.md 2.2). Ordered from
/// weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grant {
    /// The caller's account was named: identities of that account still
    /// need an identity-policy allow.
    Account,
    /// The caller's role was named: the session's permissions boundary and
    /// session policy still apply, but no identity allow is needed.
    Role,
    /// The caller itself (user ARN, session ARN, provider, service, `*`):
    /// sufficient on its own within the account.
    Exact,
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalBlock {
    /// Whether it is `NotPrincipal`.
    pub negated: bool,
    /// The listed principals.
    pub entries: Vec<PrincipalEntry>,
    /// Where the element's value is written.
    pub span: Span,
}

impl PrincipalBlock {
    /// Whether the statement applies to `caller`, and for `Principal` what
    /// the match is worth. `boundary_attached` says the caller has a
    /// permissions boundary, which defeats any `NotPrincipal` exemption.
    pub fn applies_to(&self, caller: &RequestPrincipal, boundary_attached: bool) -> Option<Grant> {
        let ids = identities(caller);
        if self.negated {
            let boundary_defeats = boundary_attached
                && matches!(
                    caller.kind,
                    PrincipalKind::IamUser | PrincipalKind::RoleSession { .. }
                );
            let exempt = ids
                .iter()
                .flatten()
                .all(|id| self.entries.iter().any(|e| e.covers(id)));
            return (boundary_defeats || !exempt).then_some(Grant::Exact);
        }
        ids.iter()
            .flatten()
            .filter(|id| self.entries.iter().any(|e| e.covers(id)))
            .map(|id| id.grant(caller))
            .max()
    }
}

/// One identity of a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity<'a> {
    User(&'a str),
    Session(&'a str),
    Role(&'a str),
    Account(&'a str),
    Provider(&'a str),
    Service(&'a str),
    Anonymous,
}

impl Identity<'_> {
    fn grant(&self, caller: &RequestPrincipal) -> Grant {
        match self {
            Identity::Role(_) => Grant::Role,
            Identity::Account(_) if caller.kind != PrincipalKind::AccountRoot => Grant::Account,
            _ => Grant::Exact,
        }
    }
}

/// The caller's identities (at most three), without allocating.
fn identities(caller: &RequestPrincipal) -> [Option<Identity<'_>>; 3] {
    let arn = caller.arn.as_deref().unwrap_or_default();
    let account = caller.account.as_deref().map(Identity::Account);
    match &caller.kind {
        PrincipalKind::IamUser => [Some(Identity::User(arn)), account, None],
        PrincipalKind::RoleSession { role_arn } => [
            Some(Identity::Session(arn)),
            Some(Identity::Role(role_arn)),
            account,
        ],
        PrincipalKind::AccountRoot => [account, None, None],
        PrincipalKind::WebIdentity { provider } => [Some(Identity::Provider(provider)), None, None],
        PrincipalKind::Service { name } => [Some(Identity::Service(name)), None, None],
        PrincipalKind::Anonymous => [Some(Identity::Anonymous), None, None],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "arn:aws:iam::111122223333:user/u";
    const ROLE: &str = "arn:aws:iam::111122223333:role/r";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/r/s";

    fn block(negated: bool, entries: &[(PrincipalType, &str)]) -> PrincipalBlock {
        PrincipalBlock {
            negated,
            entries: entries
                .iter()
                .map(|(t, v)| PrincipalEntry::new(*t, v, Span::default()))
                .collect(),
            span: Span::default(),
        }
    }

    fn aws(values: &[&str]) -> PrincipalBlock {
        let entries: Vec<_> = values.iter().map(|v| (PrincipalType::Aws, *v)).collect();
        block(false, &entries)
    }

    #[test]
    fn principal_matching_table() {
        let user = RequestPrincipal::iam_user(USER);
        let session = RequestPrincipal::role_session(SESSION, ROLE);
        let other = RequestPrincipal::iam_user("arn:aws:iam::444455556666:user/u");
        let root = RequestPrincipal::root("111122223333");
        let cases = [
            (aws(&["*"]), &user, Some(Grant::Exact)),
            (aws(&["111122223333"]), &user, Some(Grant::Account)),
            (
                aws(&["arn:aws:iam::111122223333:root"]),
                &session,
                Some(Grant::Account),
            ),
            (
                aws(&["arn:aws:iam::111122223333:root"]),
                &root,
                Some(Grant::Exact),
            ),
            (aws(&["111122223333"]), &other, None),
            (aws(&[USER]), &user, Some(Grant::Exact)),
            (aws(&[USER]), &session, None),
            (aws(&[ROLE]), &session, Some(Grant::Role)),
            (aws(&[SESSION]), &session, Some(Grant::Exact)),
            (
                aws(&["arn:aws:sts::111122223333:assumed-role/r/other"]),
                &session,
                None,
            ),
            (aws(&[ROLE, "111122223333"]), &session, Some(Grant::Role)),
            (aws(&["AIDAEXAMPLEUNIQUEID"]), &user, None),
            (aws(&["arn:aws:iam::111122223333:user/*"]), &user, None),
        ];
        for (i, (block, caller, expected)) in cases.into_iter().enumerate() {
            assert_eq!(block.applies_to(caller, false), expected, "case {i}");
        }
    }

    #[test]
    fn federated_providers_are_distinct() {
        let builtin = RequestPrincipal::web_identity("accounts.google.com");
        let provider_arn = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";
        let iam_provider = RequestPrincipal::web_identity(provider_arn);
        let google = block(false, &[(PrincipalType::Federated, "accounts.google.com")]);
        let by_arn = block(false, &[(PrincipalType::Federated, provider_arn)]);
        assert_eq!(google.applies_to(&builtin, false), Some(Grant::Exact));
        assert_eq!(google.applies_to(&iam_provider, false), None);
        assert_eq!(by_arn.applies_to(&builtin, false), None);
        assert_eq!(by_arn.applies_to(&iam_provider, false), Some(Grant::Exact));
        let everyone = block(false, &[(PrincipalType::All, "*")]);
        assert_eq!(
            everyone.applies_to(&RequestPrincipal::anonymous(), false),
            Some(Grant::Exact)
        );
        let service = block(
            false,
            &[(PrincipalType::Service, "cloudtrail.amazonaws.com")],
        );
        let caller = RequestPrincipal::service("cloudtrail.amazonaws.com");
        assert_eq!(service.applies_to(&caller, false), Some(Grant::Exact));
        assert_eq!(service.applies_to(&builtin, false), None);
    }

    #[test]
    fn not_principal_needs_every_identity_listed() {
        let session = RequestPrincipal::role_session(SESSION, ROLE);
        let user = RequestPrincipal::iam_user(USER);
        let not = |values: &[&str]| {
            let entries: Vec<_> = values.iter().map(|v| (PrincipalType::Aws, *v)).collect();
            block(true, &entries)
        };
        // applies (Some) unless every identity is exempted
        assert!(not(&[USER]).applies_to(&user, false).is_some());
        assert!(
            not(&[USER, "111122223333"])
                .applies_to(&user, false)
                .is_none()
        );
        assert!(
            not(&[ROLE, "111122223333"])
                .applies_to(&session, false)
                .is_some()
        );
        assert!(
            not(&[ROLE, SESSION, "111122223333"])
                .applies_to(&session, false)
                .is_none()
        );
        assert!(not(&["*"]).applies_to(&session, false).is_none());
        // a permissions boundary defeats the exemption
        assert!(
            not(&[USER, "111122223333"])
                .applies_to(&user, true)
                .is_some()
        );
        assert!(
            not(&[USER])
                .applies_to(&RequestPrincipal::anonymous(), false)
                .is_some()
        );
    }
}
