//! Properties of the evaluation logic that hold for every policy set
//! (IAM-SEMANTICS.md 2.1): an explicit deny always wins; the order of
//! statements and of policies never changes a decision; `NotAction` covers
//! exactly the catalog actions `Action` does not; adding an `Allow` never
//! turns an allow into a deny. Policies are generated from small pools of
//! actions, resources, principals and conditions so that statements often
//! match; case counts are bounded to keep the suite fast.

use crate::policy::catalog::Catalog;
use crate::policy::keys::{ActionCatalog, covered_actions};
use crate::policy::{
    Context, Decision, Effect, LabelledPolicy, Policy, PolicyKind, PolicySet, Request,
    RequestPrincipal, Verdict, authorize, evaluate, parse,
};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use serde_json::{Value, json};

const USER: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/ingest/s1";
const ROLE: &str = "arn:aws:iam::111122223333:role/ingest";
const OTHER_USER: &str = "arn:aws:iam::123456789012:user/partner";

const ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutBucketPolicy",
    "iam:CreateAccessKey",
    "sts:AssumeRole",
];

const ACTION_PATTERNS: &[&str] = &[
    "s3:PutObject",
    "s3:Put*",
    "s3:*Object",
    "s3:?etObject",
    "S3:LISTBUCKET",
    "s3:*",
    "iam:*AccessKey*",
    "*",
];

const RESOURCES: &[&str] = &[
    "arn:aws:s3:::rec-bucket",
    "arn:aws:s3:::rec-bucket/uploads/a.mp4",
    "arn:aws:s3:::rec-bucket/other/b:c.mp4",
    "arn:aws:s3:::logs-bucket/x",
    "arn:aws:iam::111122223333:user/videsk-connector",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::rec-bucket",
    "arn:aws:s3:::rec-bucket/*",
    "arn:aws:s3:::rec-bucket/uploads/*",
    "arn:aws:s3:::*log*",
    "arn:aws:s3:::rec-bucket/other/b:?.mp4",
    "arn:aws:iam::*:user/*",
    "arn:aws:s3:::rec-bucket/${aws:username}/*",
];

const PRINCIPALS: &[&str] = &["*", USER, ROLE, SESSION, "111122223333", OTHER_USER];

/// A condition block, or none.
fn condition() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:username": "videsk-connector"}}))),
        1 => Just(Some(json!({"StringNotLike": {"aws:SourceVpce": ["vpce-1*", "vpce-2"]}}))),
        1 => Just(Some(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}))),
        1 => Just(Some(json!({"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}))),
        1 => Just(Some(json!({"Null": {"aws:SourceVpce": "true"}}))),
    ]
}

/// One statement, without its Sid; `resource_policy` adds a Principal.
fn statement(resource_policy: bool) -> impl Strategy<Value = Value> {
    (
        select(&["Allow", "Deny"][..]),
        any::<bool>(),
        subsequence(ACTION_PATTERNS, 1..3),
        any::<bool>(),
        subsequence(RESOURCE_PATTERNS, 1..3),
        select(PRINCIPALS),
        condition(),
    )
        .prop_map(
            move |(effect, not_action, actions, not_resource, resources, principal, condition)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(effect));
                let action_key = if not_action { "NotAction" } else { "Action" };
                s.insert(action_key.into(), json!(actions));
                let resource_key = if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                };
                s.insert(resource_key.into(), json!(resources));
                if resource_policy {
                    let principal = match principal {
                        "*" => json!("*"),
                        other => json!({"AWS": other}),
                    };
                    s.insert("Principal".into(), principal);
                }
                if let Some(condition) = condition {
                    s.insert("Condition".into(), condition);
                }
                Value::Object(s)
            },
        )
}

/// A policy document: a list of statements, numbered `S1`, `S2`, ...
/// later by [`document`].
fn statements(resource_policy: bool) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(statement(resource_policy), 1..4)
}

/// The generated policies of one case, as JSON documents.
#[derive(Debug, Clone)]
struct Case {
    identity: Vec<Vec<Value>>,
    resource: Option<Vec<Value>>,
    caller: usize,
    action: &'static str,
    resource_arn: &'static str,
    context: Vec<(&'static str, &'static str)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(statements(false), 0..3),
        prop::option::of(statements(true)),
        0..3usize,
        select(ACTIONS),
        select(RESOURCES),
        subsequence(
            &[
                ("aws:SecureTransport", "true"),
                ("aws:username", "videsk-connector"),
                ("aws:SourceVpce", "vpce-1a"),
                ("aws:SourceIp", "203.0.113.9"),
            ][..],
            0..4,
        ),
    )
        .prop_map(
            |(identity, resource, caller, action, resource_arn, context)| Case {
                identity,
                resource,
                caller,
                action,
                resource_arn,
                context,
            },
        )
}

/// Gives every statement of the case a unique Sid, in generation order.
fn number_statements(case: &mut Case) {
    let mut n = 0;
    let lists = case.identity.iter_mut().chain(case.resource.as_mut());
    for statement in lists.flatten() {
        n += 1;
        if let Value::Object(map) = statement {
            map.insert("Sid".into(), json!(format!("S{n}")));
        }
    }
}

fn document(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// The case's policies, parsed.
struct Parsed {
    identity: Vec<Policy>,
    resource: Option<Policy>,
}

fn parse_case(case: &Case) -> Parsed {
    let identity = case
        .identity
        .iter()
        .map(|s| parse(&document(s), PolicyKind::Identity).unwrap())
        .collect();
    let resource = case
        .resource
        .as_ref()
        .map(|s| parse(&document(s), PolicyKind::Resource).unwrap());
    Parsed { identity, resource }
}

fn request(case: &Case) -> Request {
    let caller = match case.caller {
        0 => RequestPrincipal::iam_user(USER),
        1 => RequestPrincipal::role_session(SESSION, ROLE),
        _ => RequestPrincipal::iam_user(OTHER_USER),
    };
    let principal_arn = match case.caller {
        0 => USER,
        1 => ROLE,
        _ => OTHER_USER,
    };
    let mut context = Context::new().with("aws:PrincipalArn", principal_arn);
    for (key, value) in &case.context {
        context.insert(key, *value);
    }
    Request::new(caller, case.action, case.resource_arn, context)
        .with_resource_account("111122223333")
}

fn decide<'a>(parsed: &'a Parsed, request: &Request) -> Decision<'a> {
    let set = PolicySet {
        identity: parsed
            .identity
            .iter()
            .map(|p| LabelledPolicy::new("identity", p))
            .collect(),
        resource: parsed
            .resource
            .as_ref()
            .map(|p| LabelledPolicy::new("resource", p)),
        ..PolicySet::default()
    };
    authorize(&set, request)
}

/// The verdict and the sorted Sids of the deciding statements.
fn outcome(case: &Case) -> (Verdict, Vec<String>) {
    let parsed = parse_case(case);
    let decision = decide(&parsed, &request(case));
    let mut sids: Vec<String> = decision.sids().map(str::to_owned).collect();
    sids.sort();
    (decision.verdict, sids)
}

/// Rotates the list left by an arbitrary amount.
fn rotate<T>(items: &mut [T], by: Index) {
    if !items.is_empty() {
        let by = by.index(items.len());
        items.rotate_left(by);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn an_explicit_deny_always_wins(
        mut case in case(),
        layer in 0..3usize,
        at in any::<Index>(),
    ) {
        // A Deny that matches whatever the request is.
        let deny = json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"});
        let mut identity_deny = deny.clone();
        if let Value::Object(map) = &mut identity_deny {
            map.remove("Principal");
        }
        match (layer, case.resource.as_mut(), case.identity.first_mut()) {
            (0, _, Some(first)) => first.insert(at.index(first.len() + 1), identity_deny),
            (1, Some(resource), _) => resource.insert(at.index(resource.len() + 1), deny),
            _ => case.identity.push(vec![identity_deny]),
        }
        number_statements(&mut case);
        prop_assert_eq!(outcome(&case).0, Verdict::ExplicitDeny);
    }

    #[test]
    fn a_matching_deny_statement_decides(mut case in case()) {
        number_statements(&mut case);
        let parsed = parse_case(&case);
        let request = request(&case);
        let decision = decide(&parsed, &request);
        let policies = parsed.identity.iter().chain(parsed.resource.as_ref());
        let any_deny = policies.clone().any(|policy| {
            evaluate(LabelledPolicy::new("p", policy), &request)
                .with_effect(Effect::Deny)
                .next()
                .is_some()
        });
        // A resource-policy Deny matches only if its principal does, which
        // `evaluate` checks as well, so the two must agree exactly.
        prop_assert_eq!(decision.verdict == Verdict::ExplicitDeny, any_deny);
    }

    #[test]
    fn statement_and_policy_order_never_change_a_decision(
        mut case in case(),
        turns in (any::<Index>(), any::<Index>(), any::<Index>()),
        reverse in any::<bool>(),
    ) {
        number_statements(&mut case);
        let before = outcome(&case);
        let mut shuffled = case.clone();
        for statements in &mut shuffled.identity {
            if reverse {
                statements.reverse();
            }
            rotate(statements, turns.0);
        }
        if let Some(statements) = shuffled.resource.as_mut() {
            if reverse {
                statements.reverse();
            }
            rotate(statements, turns.1);
        }
        if reverse {
            shuffled.identity.reverse();
        }
        rotate(&mut shuffled.identity, turns.2);
        prop_assert_eq!(outcome(&shuffled), before);
    }

    #[test]
    fn adding_an_allow_never_turns_allow_into_deny(
        mut case in case(),
        extra in statement(true),
        layer in 0..2usize,
        at in any::<Index>(),
        grant_all in any::<bool>(),
    ) {
        // Most generated cases deny; an identity grant of everything makes
        // half of them allow unless something denies.
        if grant_all {
            case.identity.push(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]);
        }
        number_statements(&mut case);
        if outcome(&case).0 != Verdict::Allow {
            return Ok(());
        }
        let mut extra = extra;
        if let Value::Object(map) = &mut extra {
            map.insert("Effect".into(), json!("Allow"));
            map.insert("Sid".into(), json!("Added"));
            if layer == 0 {
                map.remove("Principal");
            }
        }
        match (layer, case.resource.as_mut()) {
            (1, Some(resource)) => resource.insert(at.index(resource.len() + 1), extra),
            (1, None) => case.resource = Some(vec![extra]),
            _ => match case.identity.first_mut() {
                Some(first) => first.insert(at.index(first.len() + 1), extra),
                None => case.identity.push(vec![extra]),
            },
        }
        prop_assert_eq!(outcome(&case).0, Verdict::Allow);
    }

    #[test]
    fn not_action_is_the_complement_of_action_over_the_catalog(
        patterns in subsequence(ACTION_PATTERNS, 1..4),
        extra in "[a-zA-Z0-9]{1,4}[*?]?[a-zA-Z]{0,3}",
        service in select(&["s3", "iam", "sts", "S3", "s*", "*"][..]),
    ) {
        let mut patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        patterns.push(format!("{service}:{extra}"));
        let block = |key: &str| {
            let text = json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", key: patterns, "Resource": "*"}]})
            .to_string();
            parse(&text, PolicyKind::Identity).unwrap().statements[0].action.clone()
        };
        let (action, not_action) = (block("Action"), block("NotAction"));
        let catalog = Catalog::get().unwrap();
        let covered = covered_actions(&action, catalog);
        let complement = covered_actions(&not_action, catalog);
        prop_assert_eq!(covered.len() + complement.len(), catalog.action_names().len());
        for name in catalog.action_names() {
            prop_assert_ne!(covered.contains(&name), complement.contains(&name), "{}", name);
        }
    }
}

#[test]
fn not_action_on_the_real_catalog_covers_iam_when_action_is_s3() {
    let text = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}"#;
    let policy = parse(text, PolicyKind::Identity).unwrap();
    let catalog = Catalog::get().unwrap();
    let covered = covered_actions(&policy.statements[0].action, catalog);
    assert!(covered.contains(&"iam:CreateAccessKey"));
    assert!(covered.contains(&"sts:AssumeRoleWithWebIdentity"));
    assert!(!covered.iter().any(|a| a.starts_with("s3:")));
}
