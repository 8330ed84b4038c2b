//! Table tests for the authorizer: the same-account grant table, cross
//! account, boundaries, session policies, SCP and RCP layers, and the
//! reasons a decision carries.

use super::*;
use crate::policy::model::{Policy, PolicyKind};
use crate::policy::parse::parse;
use crate::policy::request::{Context, RequestPrincipal};

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const USER: &str = "arn:aws:iam::111122223333:user/u";
const ROLE: &str = "arn:aws:iam::111122223333:role/r";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/r/s";
const OBJECT: &str = "arn:aws:s3:::b/k";

fn identity(effect: &str, action: &str) -> Policy {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "{effect}Id",
            "Effect": "{effect}", "Action": "{action}", "Resource": "*"}}]}}"#
    );
    parse(&text, PolicyKind::Identity).unwrap()
}

fn bucket(effect: &str, principal: &str) -> Policy {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "{effect}Bucket",
            "Effect": "{effect}", "Principal": {principal}, "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*"}}]}}"#
    );
    parse(&text, PolicyKind::Resource).unwrap()
}

fn request(principal: RequestPrincipal, owner: &str) -> Request {
    Request::new(principal, "s3:GetObject", OBJECT, Context::new()).with_resource_account(owner)
}

fn user() -> RequestPrincipal {
    RequestPrincipal::iam_user(USER)
}

fn session() -> RequestPrincipal {
    RequestPrincipal::role_session(SESSION, ROLE)
}

fn aws(arn: &str) -> String {
    format!(r#"{{"AWS": "{arn}"}}"#)
}

/// Builds a policy set from optional parts.
#[derive(Default)]
struct Set<'a> {
    identity: Vec<&'a Policy>,
    resource: Option<&'a Policy>,
    boundary: Option<&'a Policy>,
    session: Option<&'a Policy>,
    scps: Vec<Vec<&'a Policy>>,
    rcps: Vec<Vec<&'a Policy>>,
}

impl<'a> Set<'a> {
    fn build(&self) -> PolicySet<'a> {
        let label = |p: &'a Policy| LabelledPolicy::new("p", p);
        PolicySet {
            identity: self.identity.iter().map(|p| label(p)).collect(),
            resource: self.resource.map(label),
            boundary: self.boundary.map(label),
            session: self.session.map(label),
            scps: self
                .scps
                .iter()
                .map(|l| l.iter().map(|p| label(p)).collect())
                .collect(),
            rcps: self
                .rcps
                .iter()
                .map(|l| l.iter().map(|p| label(p)).collect())
                .collect(),
        }
    }
}

fn verdict(set: &Set<'_>, request: &Request) -> Verdict {
    authorize(&set.build(), request).verdict
}

const ALLOW: Verdict = Verdict::Allow;
const DENY: Verdict = Verdict::ExplicitDeny;
const NO_ALLOW: Verdict = Verdict::ImplicitDeny(DenyCause::NoAllow);
const BOUNDARY: Verdict = Verdict::ImplicitDeny(DenyCause::Boundary);
const SESSION_POLICY: Verdict = Verdict::ImplicitDeny(DenyCause::SessionPolicy);

#[test]
fn same_account_resource_grants_follow_the_documented_table() {
    let allow_s3 = identity("Allow", "s3:*");
    let allow_iam = identity("Allow", "iam:*");
    let to_user = bucket("Allow", &aws(USER));
    let to_role = bucket("Allow", &aws(ROLE));
    let to_session = bucket("Allow", &aws(SESSION));
    let to_account = bucket("Allow", &aws(ACCOUNT));
    let to_all = bucket("Allow", r#""*""#);
    let set = |identity: Vec<&'static Policy>, resource, boundary, session| Set {
        identity,
        resource,
        boundary,
        session,
        ..Set::default()
    };
    let leak = |p: Policy| -> &'static Policy { Box::leak(Box::new(p)) };
    let (allow_s3, allow_iam) = (leak(allow_s3), leak(allow_iam));
    let (to_user, to_role, to_session) = (leak(to_user), leak(to_role), leak(to_session));
    let (to_account, to_all) = (leak(to_account), leak(to_all));
    let cases: Vec<(&str, Set<'static>, RequestPrincipal, Verdict)> = vec![
        (
            "user ARN alone suffices",
            set(vec![], Some(to_user), None, None),
            user(),
            ALLOW,
        ),
        (
            "user ARN ignores boundary",
            set(vec![], Some(to_user), Some(allow_iam), None),
            user(),
            ALLOW,
        ),
        (
            "role ARN needs no identity allow",
            set(vec![], Some(to_role), None, None),
            session(),
            ALLOW,
        ),
        (
            "role ARN is capped by boundary",
            set(vec![], Some(to_role), Some(allow_iam), None),
            session(),
            BOUNDARY,
        ),
        (
            "role ARN is capped by session policy",
            set(vec![], Some(to_role), None, Some(allow_iam)),
            session(),
            SESSION_POLICY,
        ),
        (
            "session ARN ignores boundary",
            set(vec![], Some(to_session), Some(allow_iam), Some(allow_iam)),
            session(),
            ALLOW,
        ),
        (
            "account grant needs identity",
            set(vec![], Some(to_account), None, None),
            user(),
            NO_ALLOW,
        ),
        (
            "account grant plus identity",
            set(vec![allow_s3], Some(to_account), None, None),
            user(),
            ALLOW,
        ),
        (
            "star suffices",
            set(vec![], Some(to_all), None, None),
            session(),
            ALLOW,
        ),
        (
            "identity alone",
            set(vec![allow_s3], None, None, None),
            user(),
            ALLOW,
        ),
        (
            "identity capped by boundary",
            set(vec![allow_s3], None, Some(allow_iam), None),
            user(),
            BOUNDARY,
        ),
        (
            "identity within boundary",
            set(vec![allow_s3], None, Some(allow_s3), None),
            user(),
            ALLOW,
        ),
        (
            "identity capped by session",
            set(vec![allow_s3], None, None, Some(allow_iam)),
            session(),
            SESSION_POLICY,
        ),
        (
            "nothing",
            set(vec![allow_iam], None, None, None),
            user(),
            NO_ALLOW,
        ),
        (
            "other principal named",
            set(vec![], Some(to_user), None, None),
            session(),
            NO_ALLOW,
        ),
    ];
    for (name, set, principal, expected) in cases {
        assert_eq!(
            verdict(&set, &request(principal, ACCOUNT)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn cross_account_needs_both_sides() {
    let allow_s3 = identity("Allow", "s3:*");
    let to_user = bucket("Allow", &aws(USER));
    let to_account = bucket("Allow", &aws(ACCOUNT));
    let to_role = bucket("Allow", &aws(ROLE));
    let allow_iam = identity("Allow", "iam:*");
    let cases = [
        (
            "identity only",
            vec![&allow_s3],
            None,
            None,
            user(),
            NO_ALLOW,
        ),
        (
            "resource only",
            vec![],
            Some(&to_user),
            None,
            user(),
            NO_ALLOW,
        ),
        ("both", vec![&allow_s3], Some(&to_user), None, user(), ALLOW),
        (
            "account delegation",
            vec![&allow_s3],
            Some(&to_account),
            None,
            session(),
            ALLOW,
        ),
        (
            "role grant still needs identity",
            vec![],
            Some(&to_role),
            None,
            session(),
            NO_ALLOW,
        ),
        (
            "boundary caps caller side",
            vec![&allow_s3],
            Some(&to_user),
            Some(&allow_iam),
            user(),
            BOUNDARY,
        ),
    ];
    for (name, identity, resource, boundary, principal, expected) in cases {
        let set = Set {
            identity,
            resource,
            boundary,
            ..Set::default()
        };
        assert_eq!(
            verdict(&set, &request(principal, OTHER)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn organisation_layers_are_ceilings_and_denies_win_everywhere() {
    let allow_all = identity("Allow", "*");
    let allow_iam = identity("Allow", "iam:*");
    let deny_s3 = identity("Deny", "s3:*");
    let rcp_allow = bucket("Allow", r#""*""#);
    let rcp_deny = bucket("Deny", r#""*""#);
    let scp = |levels: Vec<Vec<&'static Policy>>| levels;
    let leak = |p: Policy| -> &'static Policy { Box::leak(Box::new(p)) };
    let (all, iam, deny) = (leak(allow_all), leak(allow_iam), leak(deny_s3));
    let (rcp_allow, rcp_deny) = (leak(rcp_allow), leak(rcp_deny));
    let cases: Vec<(&str, Set<'static>, RequestPrincipal, Verdict)> = vec![
        (
            "scp levels all allow",
            Set {
                identity: vec![all],
                scps: scp(vec![vec![all], vec![iam, all]]),
                ..Set::default()
            },
            user(),
            ALLOW,
        ),
        (
            "one scp level does not allow",
            Set {
                identity: vec![all],
                scps: scp(vec![vec![all], vec![iam]]),
                ..Set::default()
            },
            user(),
            Verdict::ImplicitDeny(DenyCause::Scp),
        ),
        (
            "scp deny",
            Set {
                identity: vec![all],
                scps: scp(vec![vec![all, deny]]),
                ..Set::default()
            },
            user(),
            DENY,
        ),
        (
            "scp caps the root user",
            Set {
                scps: scp(vec![vec![iam]]),
                ..Set::default()
            },
            RequestPrincipal::root(ACCOUNT),
            Verdict::ImplicitDeny(DenyCause::Scp),
        ),
        (
            "root in its account",
            Set::default(),
            RequestPrincipal::root(ACCOUNT),
            ALLOW,
        ),
        (
            "rcp does not allow",
            Set {
                identity: vec![all],
                rcps: vec![vec![]],
                ..Set::default()
            },
            user(),
            Verdict::ImplicitDeny(DenyCause::Rcp),
        ),
        (
            "rcp allows",
            Set {
                identity: vec![all],
                rcps: vec![vec![rcp_allow]],
                ..Set::default()
            },
            user(),
            ALLOW,
        ),
        (
            "rcp deny",
            Set {
                identity: vec![all],
                rcps: vec![vec![rcp_allow, rcp_deny]],
                ..Set::default()
            },
            user(),
            DENY,
        ),
        (
            "boundary deny",
            Set {
                identity: vec![all],
                boundary: Some(deny),
                ..Set::default()
            },
            user(),
            DENY,
        ),
        (
            "session policy deny",
            Set {
                identity: vec![all],
                session: Some(deny),
                ..Set::default()
            },
            session(),
            DENY,
        ),
        (
            "scp skips anonymous",
            Set {
                resource: Some(rcp_allow),
                scps: scp(vec![vec![iam]]),
                ..Set::default()
            },
            RequestPrincipal::anonymous(),
            ALLOW,
        ),
        (
            "anonymous without grant",
            Set {
                identity: vec![all],
                ..Set::default()
            },
            RequestPrincipal::anonymous(),
            NO_ALLOW,
        ),
    ];
    for (name, set, principal, expected) in cases {
        assert_eq!(
            verdict(&set, &request(principal, ACCOUNT)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn decisions_carry_statements_and_errors() {
    let allow = identity("Allow", "s3:*");
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "BadDate", "Effect": "Deny",
        "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"DateNotEquals": {"aws:CurrentTime": "soon"}}}]}"#;
    let odd = parse(text, PolicyKind::Resource).unwrap();
    let set = Set {
        identity: vec![&allow],
        resource: Some(&odd),
        ..Set::default()
    };
    // the value is compared (and found malformed) only if the key is present
    let context = Context::new().with("aws:CurrentTime", "2024-01-01T00:00:00Z");
    let dated =
        Request::new(user(), "s3:GetObject", OBJECT, context).with_resource_account(ACCOUNT);
    let decision = authorize(&set.build(), &dated);
    assert_eq!(decision.verdict, DENY);
    assert_eq!(decision.sids().collect::<Vec<_>>(), ["BadDate"]);
    assert_eq!(decision.errors.len(), 1);
    let error = &decision.errors[0];
    assert_eq!(error.layer, Layer::Resource);
    assert_eq!(
        (
            error.error.span().start.line,
            error.error.span().start.column
        ),
        (3, 60)
    );
    assert!(
        error.error.to_string().contains("`soon` is not a date"),
        "{}",
        error.error
    );

    let granted = Set {
        identity: vec![&allow],
        ..Set::default()
    };
    let decision = authorize(&granted.build(), &request(user(), ACCOUNT));
    assert_eq!(decision.verdict, ALLOW);
    assert_eq!(decision.statements.len(), 1);
    assert_eq!(decision.statements[0].layer, Layer::Identity);
    assert!(decision.errors.is_empty());
}

#[test]
fn not_principal_deny_and_boundaries() {
    let allow = identity("Allow", "s3:*");
    let text = format!(
        r#"{{"Statement": [{{"Sid": "OnlyU", "Effect": "Deny",
            "NotPrincipal": {{"AWS": ["{USER}", "{ACCOUNT}"]}}, "Action": "s3:*", "Resource": "*"}}]}}"#
    );
    let only_u = parse(&text, PolicyKind::Resource).unwrap();
    let base = Set {
        identity: vec![&allow],
        resource: Some(&only_u),
        ..Set::default()
    };
    assert_eq!(verdict(&base, &request(user(), ACCOUNT)), ALLOW);
    assert_eq!(verdict(&base, &request(session(), ACCOUNT)), DENY);
    let bounded = Set {
        boundary: Some(&allow),
        ..base
    };
    // NotPrincipal never exempts a principal with a permissions boundary
    assert_eq!(verdict(&bounded, &request(user(), ACCOUNT)), DENY);
}

#[test]
fn order_never_changes_the_verdict() {
    let allow = identity("Allow", "s3:*");
    let deny = identity("Deny", "s3:Get*");
    let forward = Set {
        identity: vec![&allow, &deny],
        ..Set::default()
    };
    let backward = Set {
        identity: vec![&deny, &allow],
        ..Set::default()
    };
    let req = request(user(), ACCOUNT);
    assert_eq!(verdict(&forward, &req), DENY);
    assert_eq!(verdict(&backward, &req), DENY);
}

/// Found by the differential test against the independent simulator: a
/// same-account user with `sts:AssumeRole` in its identity policy was
/// allowed to assume a role whose trust policy names neither the user nor
/// its account. Role trust policies must explicitly allow the principal
/// (evaluation-logic page: "Role trust policies and KMS key policies are
/// exceptions to this logic").
#[test]
fn same_account_assume_role_needs_the_trust_policy_to_allow() {
    let role = "arn:aws:iam::111122223333:role/ingest";
    let trust = |principal: &str| {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Trust",
                "Effect": "Allow", "Principal": {principal}, "Action": "sts:AssumeRole"}}]}}"#
        );
        parse(&text, PolicyKind::Trust).unwrap()
    };
    let allow_assume = identity("Allow", "sts:AssumeRole");
    let other_user = trust(&aws("arn:aws:iam::111122223333:user/other"));
    let the_account = trust(&aws(ACCOUNT));
    let the_user = trust(&aws(USER));
    let assume =
        Request::new(user(), "sts:AssumeRole", role, Context::new()).with_resource_account(ACCOUNT);
    let decide = |identity: Vec<&Policy>, trust: &Policy| {
        let set = PolicySet {
            identity: identity
                .into_iter()
                .map(|p| LabelledPolicy::new("identity", p))
                .collect(),
            resource: Some(LabelledPolicy::new("trust", trust)),
            ..PolicySet::default()
        };
        authorize(&set, &assume).verdict
    };
    assert_eq!(decide(vec![&allow_assume], &other_user), NO_ALLOW);
    assert_eq!(decide(vec![&allow_assume], &the_account), ALLOW);
    assert_eq!(decide(vec![], &the_account), NO_ALLOW);
    assert_eq!(decide(vec![], &the_user), ALLOW);
}
