//! The authorizer: combines every policy layer into one decision, by the
//! evaluation logic AWS documents (IAM-SEMANTICS.md 2.1-2.3):
//!
//! 1. An explicit `Deny` in any layer decides.
//! 2. RCPs, then SCPs, are ceilings: each layer (one per level of the
//!    organisation, policies in a level ORed) must allow. SCPs apply only
//!    to identities of an account (users, role sessions, root); RCPs to
//!    every caller except AWS service principals.
//! 3. Same account: a resource-policy `Allow` naming the caller itself (user
//!    ARN, session ARN, `*`, a provider or service) is enough on its own;
//!    one naming the caller's role stands in for the identity allow but the
//!    permissions boundary and session policy still apply; one naming only
//!    the account delegates to identity policies. Otherwise an identity
//!    allow is needed, capped by the boundary and the session policy; but a
//!    role trust policy must always allow the caller or its account.
//! 4. Cross account: the caller's side (identity allow, boundary, session
//!    policy) and the resource side (a resource-policy allow, which may name
//!    the whole account) must both allow.
//! 5. Callers without an account identity (web identity, anonymous,
//!    service) are decided by the resource policy alone. The root user is
//!    allowed in its own account unless denied or capped by an SCP or RCP.

use super::evaluate::{
    EvalError, LabelledPolicy, Prepared, StatementMatch, StatementRef, evaluate_statement,
};
use super::model::{Effect, PolicyKind};
use super::principal::Grant;
use super::request::{PrincipalKind, Request};
use std::fmt;

/// All policies that bear on a request. Each list may be empty.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies: inline, managed and group policies.
    pub identity: Vec<LabelledPolicy<'a>>,
    /// The resource-based policy: bucket, access point or role trust. A
    /// request through an access point is judged twice, with the access
    /// point's policy and with the bucket's; `access::probe::Through`
    /// combines the two decisions.
    pub resource: Option<LabelledPolicy<'a>>,
    /// The caller's permissions boundary, if one is set.
    pub boundary: Option<LabelledPolicy<'a>>,
    /// The session policy passed when the session was created, if any.
    pub session: Option<LabelledPolicy<'a>>,
    /// SCPs, one list per organisation level (root, OUs, account).
    pub scps: Vec<Vec<LabelledPolicy<'a>>>,
    /// RCPs, one list per organisation level.
    pub rcps: Vec<Vec<LabelledPolicy<'a>>>,
}

/// Which layer a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// An identity-based policy.
    Identity,
    /// The resource-based policy.
    Resource,
    /// The permissions boundary.
    Boundary,
    /// The session policy.
    Session,
    /// An SCP at the given level (index into [`PolicySet::scps`]).
    Scp(usize),
    /// An RCP at the given level (index into [`PolicySet::rcps`]).
    Rcp(usize),
}

/// Why a request is implicitly denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenyCause {
    /// Nothing allows it (or, cross-account, one side does not).
    NoAllow,
    /// The permissions boundary does not allow it.
    Boundary,
    /// An SCP level does not allow it.
    Scp,
    /// An RCP level does not allow it.
    Rcp,
    /// The session policy does not allow it.
    SessionPolicy,
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Allowed.
    Allow,
    /// A `Deny` statement matched.
    ExplicitDeny,
    /// Not allowed, and why.
    ImplicitDeny(DenyCause),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Allow => f.write_str("allow"),
            Verdict::ExplicitDeny => f.write_str("explicit deny"),
            Verdict::ImplicitDeny(cause) => write!(f, "implicit deny ({cause:?})"),
        }
    }
}

/// A statement that decided, with its layer.
#[derive(Debug, Clone, Copy)]
pub struct Deciding<'a> {
    /// The layer it belongs to.
    pub layer: Layer,
    /// The statement.
    pub statement: StatementRef<'a>,
}

/// A malformed value met in some layer.
#[derive(Debug, Clone)]
pub struct DecisionError<'a> {
    /// The layer it was met in.
    pub layer: Layer,
    /// The error.
    pub error: EvalError<'a>,
}

/// The decision with its reasons.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// Allow, explicit deny or implicit deny with its cause.
    pub verdict: Verdict,
    /// For an explicit deny, every matching `Deny`; otherwise the identity
    /// and resource-policy `Allow` statements that grant (for an implicit
    /// deny by a ceiling, the grants it capped).
    pub statements: Vec<Deciding<'a>>,
    /// Malformed values met while evaluating; when not empty, the verdict
    /// rests on treating those values as matching nothing.
    pub errors: Vec<DecisionError<'a>>,
}

impl Decision<'_> {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    /// The Sids of the deciding statements (statements without one are
    /// skipped).
    pub fn sids(&self) -> impl Iterator<Item = &str> {
        self.statements.iter().filter_map(|d| d.statement.sid())
    }
}

/// Decides `request` against every policy in `policies`.
pub fn authorize<'a>(policies: &PolicySet<'a>, request: &Request) -> Decision<'a> {
    let prepared = Prepared::new(request, policies.boundary.is_some());
    let caller = &request.principal;
    let mut found = Found::default();
    found.run(Layer::Identity, &policies.identity, &prepared);
    found.run(Layer::Resource, policies.resource.as_slice(), &prepared);
    found.run(Layer::Boundary, policies.boundary.as_slice(), &prepared);
    found.run(Layer::Session, policies.session.as_slice(), &prepared);
    if caller.is_account_identity() {
        for (level, scps) in policies.scps.iter().enumerate() {
            found.run(Layer::Scp(level), scps, &prepared);
        }
    }
    if !matches!(caller.kind, PrincipalKind::Service { .. }) {
        for (level, rcps) in policies.rcps.iter().enumerate() {
            found.run(Layer::Rcp(level), rcps, &prepared);
        }
    }
    let verdict = found.decide(policies, request);
    found.into_decision(verdict, request)
}

/// Whether the resource policy is a role trust policy.
fn is_trust_policy(policies: &PolicySet<'_>) -> bool {
    policies
        .resource
        .is_some_and(|p| p.policy.kind == PolicyKind::Trust)
}

/// The statements that matched, across all layers.
#[derive(Default)]
struct Found<'a> {
    matches: Vec<(Layer, StatementMatch<'a>)>,
    errors: Vec<DecisionError<'a>>,
    scratch: Vec<EvalError<'a>>,
}

impl<'a> Found<'a> {
    fn run(&mut self, layer: Layer, policies: &[LabelledPolicy<'a>], prepared: &Prepared<'_>) {
        for policy in policies {
            for statement in &policy.policy.statements {
                let found =
                    evaluate_statement(policy.label, statement, prepared, &mut self.scratch);
                if let Some(m) = found {
                    self.matches.push((layer, m));
                }
                for error in self.scratch.drain(..) {
                    self.errors.push(DecisionError { layer, error });
                }
            }
        }
    }

    fn allows(&self, layer: Layer) -> bool {
        self.matches
            .iter()
            .any(|(l, m)| *l == layer && m.effect == Effect::Allow)
    }

    /// The strongest resource-policy grant.
    fn resource_grant(&self) -> Option<Grant> {
        self.matches
            .iter()
            .filter(|(l, m)| *l == Layer::Resource && m.effect == Effect::Allow)
            .map(|(_, m)| m.grant.unwrap_or(Grant::Exact))
            .max()
    }

    fn decide(&self, policies: &PolicySet<'_>, request: &Request) -> Verdict {
        if self.matches.iter().any(|(_, m)| m.effect == Effect::Deny) {
            return Verdict::ExplicitDeny;
        }
        if let Some(cause) = self.org_ceiling(policies, request) {
            return Verdict::ImplicitDeny(cause);
        }
        let resource = self.resource_grant();
        let cross_account = request.is_cross_account();
        let outcome = match request.principal.kind {
            PrincipalKind::WebIdentity { .. }
            | PrincipalKind::Anonymous
            | PrincipalKind::Service { .. } => {
                resource.is_some().then_some(()).ok_or(DenyCause::NoAllow)
            }
            PrincipalKind::AccountRoot if cross_account => {
                resource.is_some().then_some(()).ok_or(DenyCause::NoAllow)
            }
            PrincipalKind::AccountRoot => Ok(()),
            PrincipalKind::IamUser | PrincipalKind::RoleSession { .. } if cross_account => self
                .caller_side(policies, false)
                .and_then(|()| resource.is_some().then_some(()).ok_or(DenyCause::NoAllow)),
            PrincipalKind::IamUser | PrincipalKind::RoleSession { .. } => match resource {
                // TODO(#3): `Principal: "*"` counts as naming the caller
                // itself, so a role session's boundary does not cap it; the
                // evaluation-logic table covers only explicit ARNs.
                Some(Grant::Exact) => Ok(()),
                Some(Grant::Role) => self.caller_side(policies, true),
                // A role trust policy must allow the caller or its account
                // even in the same account: an identity allow alone is not
                // enough (evaluation-logic page, "Role trust policies and
                // KMS key policies are exceptions to this logic").
                None if is_trust_policy(policies) => Err(DenyCause::NoAllow),
                _ => self.caller_side(policies, false),
            },
        };
        match outcome {
            Ok(()) => Verdict::Allow,
            Err(cause) => Verdict::ImplicitDeny(cause),
        }
    }

    /// The caller's side: an identity allow (unless a resource grant to the
    /// role stands in for it), then the boundary and session ceilings.
    fn caller_side(&self, policies: &PolicySet<'_>, role_granted: bool) -> Result<(), DenyCause> {
        if !role_granted && !self.allows(Layer::Identity) {
            return Err(DenyCause::NoAllow);
        }
        if policies.boundary.is_some() && !self.allows(Layer::Boundary) {
            return Err(DenyCause::Boundary);
        }
        if policies.session.is_some() && !self.allows(Layer::Session) {
            return Err(DenyCause::SessionPolicy);
        }
        Ok(())
    }

    /// The first RCP or SCP level that does not allow.
    // TODO(#3): SCPs do not apply to service-linked roles or the management
    // account, nor RCPs to service-linked roles; the caller must leave those
    // layers out, as the principal does not say which it is.
    fn org_ceiling(&self, policies: &PolicySet<'_>, request: &Request) -> Option<DenyCause> {
        let caller = &request.principal;
        if !matches!(caller.kind, PrincipalKind::Service { .. }) {
            let levels = policies.rcps.len();
            if (0..levels).any(|level| !self.allows(Layer::Rcp(level))) {
                return Some(DenyCause::Rcp);
            }
        }
        if caller.is_account_identity() {
            let levels = policies.scps.len();
            if (0..levels).any(|level| !self.allows(Layer::Scp(level))) {
                return Some(DenyCause::Scp);
            }
        }
        None
    }

    fn into_decision(self, verdict: Verdict, request: &Request) -> Decision<'a> {
        let same_account = request.principal.is_account_identity() && !request.is_cross_account();
        let keep = |layer: Layer, m: &StatementMatch<'_>| match verdict {
            Verdict::ExplicitDeny => m.effect == Effect::Deny,
            _ if m.effect == Effect::Deny => false,
            _ => match layer {
                Layer::Identity => true,
                // Same account, naming only the account grants nothing.
                Layer::Resource => !(same_account && m.grant == Some(Grant::Account)),
                _ => false,
            },
        };
        let statements = self
            .matches
            .into_iter()
            .filter(|(layer, m)| keep(*layer, m))
            .map(|(layer, m)| Deciding {
                layer,
                statement: m.statement,
            })
            .collect();
        Decision {
            verdict,
            statements,
            errors: self.errors,
        }
    }
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
