//! Runs the policy-evaluation corpora: every request of every case is
//! authorized and its decision (and, for explicit denies, the deciding Sid)
//! compared with the expected one.
//!
//! Corpus format (`tests/fixtures/policy/*.json`, after the shared cases):
//! a case has `principal` (`type` `iam-user` | `role-session` |
//! `web-identity` | `root` | `anonymous` | `service`, with `arn`,
//! `role_arn`, `federated`, `account`, `name`), `identity_policies`, an
//! optional `resource_policy` with `resource_policy_kind` (`role-trust`,
//! otherwise a bucket policy), and `requests` with `action`, `resource`,
//! `context` and `expect` (`allow` | `explicit_deny` | `implicit_deny`),
//! `decided_by` for explicit denies. The extra corpus may also give
//! `boundary`, `session_policy`, `scps` and `rcps` (lists of levels),
//! `resource_account`, a `cause` for implicit denies and an `errors` count.
//!
//! The differential test against an independent simulator lives in
//! `differential/` beside this file, in the same test binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod differential;

use putonly::policy::{
    Context, ContextValue, DenyCause, LabelledPolicy, Policy, PolicyKind, PolicySet, Request,
    RequestPrincipal, Verdict, authorize, parse,
};
use serde_json::Value;
use std::path::Path;

const DEFAULT_ACCOUNT: &str = "111122223333";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policy")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn parse_value(value: &Value, kind: PolicyKind, what: &str) -> Result<Policy, String> {
    let text = serde_json::to_string_pretty(value).unwrap();
    parse(&text, kind).map_err(|e| format!("{what} does not parse: {e}"))
}

fn principal(case: &Value) -> Result<RequestPrincipal, String> {
    let p = &case["principal"];
    let field = |key: &str| text(p, key).ok_or_else(|| format!("principal lacks `{key}`"));
    Ok(match p["type"].as_str() {
        Some("iam-user") => RequestPrincipal::iam_user(&field("arn")?),
        Some("role-session") => RequestPrincipal::role_session(&field("arn")?, &field("role_arn")?),
        Some("web-identity") => RequestPrincipal::web_identity(&field("federated")?),
        Some("root") => RequestPrincipal::root(&field("account")?),
        Some("anonymous") => RequestPrincipal::anonymous(),
        Some("service") => RequestPrincipal::service(&field("name")?),
        other => return Err(format!("unknown principal type {other:?}")),
    })
}

fn context(request: &Value) -> Context {
    let mut context = Context::new();
    if let Some(entries) = request["context"].as_object() {
        for (key, value) in entries {
            let value = match value {
                Value::Array(items) => ContextValue::Multi(
                    items
                        .iter()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect(),
                ),
                other => ContextValue::Single(other.as_str().unwrap_or_default().to_owned()),
            };
            context.insert(key, value);
        }
    }
    context
}

/// Every policy of a case, parsed, with the layer it belongs to.
struct Policies {
    identity: Vec<Policy>,
    resource: Option<Policy>,
    boundary: Option<Policy>,
    session: Option<Policy>,
    scps: Vec<Vec<Policy>>,
    rcps: Vec<Vec<Policy>>,
}

fn optional(case: &Value, key: &str, kind: PolicyKind) -> Result<Option<Policy>, String> {
    match case.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => parse_value(value, kind, key).map(Some),
    }
}

fn list(value: &Value, kind: PolicyKind, what: &str) -> Result<Vec<Policy>, String> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(|p| parse_value(p, kind, what)).collect()
}

fn levels(case: &Value, key: &str, kind: PolicyKind) -> Result<Vec<Vec<Policy>>, String> {
    let items = case[key].as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(|level| list(level, kind, key)).collect()
}

impl Policies {
    fn read(case: &Value) -> Result<Self, String> {
        let resource_kind = match case["resource_policy_kind"].as_str() {
            Some("role-trust") => PolicyKind::Trust,
            _ => PolicyKind::Resource,
        };
        Ok(Self {
            identity: list(
                &case["identity_policies"],
                PolicyKind::Identity,
                "identity policy",
            )?,
            resource: optional(case, "resource_policy", resource_kind)?,
            boundary: optional(case, "boundary", PolicyKind::Identity)?,
            session: optional(case, "session_policy", PolicyKind::Identity)?,
            scps: levels(case, "scps", PolicyKind::Identity)?,
            rcps: levels(case, "rcps", PolicyKind::Resource)?,
        })
    }

    fn set(&self) -> PolicySet<'_> {
        let labelled = |label: &'static str| move |p| LabelledPolicy::new(label, p);
        PolicySet {
            identity: self.identity.iter().map(labelled("identity")).collect(),
            resource: self.resource.as_ref().map(labelled("resource")),
            boundary: self.boundary.as_ref().map(labelled("boundary")),
            session: self.session.as_ref().map(labelled("session")),
            scps: self
                .scps
                .iter()
                .map(|l| l.iter().map(labelled("scp")).collect())
                .collect(),
            rcps: self
                .rcps
                .iter()
                .map(|l| l.iter().map(labelled("rcp")).collect())
                .collect(),
        }
    }
}

fn cause(name: &str) -> Option<DenyCause> {
    Some(match name {
        "no_allow" => DenyCause::NoAllow,
        "boundary" => DenyCause::Boundary,
        "scp" => DenyCause::Scp,
        "rcp" => DenyCause::Rcp,
        "session_policy" => DenyCause::SessionPolicy,
        _ => return None,
    })
}

/// Checks one request; returns a description of any mismatch.
fn check(
    case: &Value,
    set: &PolicySet<'_>,
    caller: &RequestPrincipal,
    request: &Value,
) -> Option<String> {
    let owner = text(case, "resource_account")
        .or_else(|| text(&case["principal"], "account"))
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned());
    let action = request["action"].as_str().unwrap_or_default();
    let resource = request["resource"].as_str().unwrap_or_default();
    let req = Request::new(caller.clone(), action, resource, context(request))
        .with_resource_account(&owner);
    let decision = authorize(set, &req);
    let expect = request["expect"].as_str().unwrap_or_default();
    let matches = match (expect, decision.verdict) {
        ("allow", Verdict::Allow) | ("explicit_deny", Verdict::ExplicitDeny) => true,
        ("implicit_deny", Verdict::ImplicitDeny(got)) => request["cause"]
            .as_str()
            .and_then(cause)
            .is_none_or(|want| want == got),
        _ => false,
    };
    let sids: Vec<&str> = decision.sids().collect();
    let sid_ok = text(request, "decided_by").is_none_or(|sid| sids.contains(&sid.as_str()));
    let errors_ok = request["errors"]
        .as_u64()
        .is_none_or(|n| n == decision.errors.len() as u64);
    if matches && sid_ok && errors_ok {
        return None;
    }
    let errors: Vec<String> = decision
        .errors
        .iter()
        .map(|e| e.error.to_string())
        .collect();
    let by: Vec<String> = decision
        .statements
        .iter()
        .map(|d| d.statement.to_string())
        .collect();
    Some(format!(
        "{action} on {resource}: expected {expect} {:?} (cause {:?}, errors {:?}), got {} by {by:?}, errors {errors:?}",
        request["decided_by"], request["cause"], request["errors"], decision.verdict
    ))
}

/// Runs a corpus; returns the number of requests run.
fn run_corpus(name: &str) -> usize {
    let corpus = fixture(name);
    let cases = corpus["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases {
        let case_name = case["name"].as_str().unwrap_or("(unnamed)");
        let built = Policies::read(case).and_then(|p| principal(case).map(|c| (p, c)));
        let (policies, caller) = match built {
            Ok(built) => built,
            Err(e) => {
                failures.push(format!("case `{case_name}`: {e}"));
                continue;
            }
        };
        let set = policies.set();
        for (i, request) in case["requests"].as_array().unwrap().iter().enumerate() {
            count += 1;
            if let Some(problem) = check(case, &set, &caller, request) {
                failures.push(format!("case `{case_name}` request #{}: {problem}", i + 1));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

#[test]
fn shared_corpus_every_request_decides_as_aws() {
    let count = run_corpus("policy-evaluation.json");
    assert_eq!(count, 65, "the shared corpus has 65 requests");
}

#[test]
fn extra_corpus_every_request_decides_as_aws() {
    let count = run_corpus("extra-cases.json");
    assert!(count >= 40, "only {count} extra requests");
}
