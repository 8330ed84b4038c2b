//! The simulator's known differences from AWS, one rule each.
//!
//! A rule recognises a shape in the case (for example a `NotResource` entry
//! whose policy variable has no value) and rewrites the case the way the
//! simulator reads it (here: as if that statement did not match). It
//! explains a disagreement only if the engine, given the rewritten case,
//! reaches exactly the simulator's verdict: the difference is then that
//! one reading and nothing else. Each rule says why AWS decides as the
//! engine does, with the documentation behind it. `../shared/cases/README.md`
//! lists the first two; the others were found by this test and checked
//! against AWS's documentation.

use super::engine;
use super::generate::{Caller, Case};
use serde_json::{Map, Value};

/// A documented reason why the simulator disagrees with AWS.
pub struct Rule {
    /// Short name, printed in the summary.
    pub name: &'static str,
    /// Why AWS decides as the engine does, with the source.
    pub reason: &'static str,
    /// Whether the case has the shape the simulator reads differently.
    applies: fn(&Case) -> bool,
    /// The case as the simulator reads it.
    rewrite: fn(&Case) -> Case,
}

impl Rule {
    fn applies(&self, case: &Case) -> bool {
        (self.applies)(case)
    }
}

/// What explains a disagreement.
pub enum Explanation {
    /// One rule.
    One(&'static Rule),
    /// Several rules at once.
    Several(Vec<&'static Rule>),
}

/// The rule, or combination of rules, that explains the simulator's
/// `simulator` verdict on `case`, if any.
pub fn explain(case: &Case, simulator: &str) -> Option<Explanation> {
    let applicable: Vec<&'static Rule> = RULES.iter().filter(|r| r.applies(case)).collect();
    if let Some(rule) = applicable
        .iter()
        .find(|r| engine::verdict(&(r.rewrite)(case)) == simulator)
    {
        return Some(Explanation::One(rule));
    }
    // Several readings at once: apply each rule that applies to the case
    // as rewritten so far, in order.
    let mut rewritten = case.clone();
    let mut used = Vec::new();
    for rule in RULES {
        if rule.applies(&rewritten) {
            rewritten = (rule.rewrite)(&rewritten);
            used.push(rule);
        }
    }
    let explained = used.len() > 1 && engine::verdict(&rewritten) == simulator;
    explained.then_some(Explanation::Several(used))
}

pub const RULES: &[Rule] = &[
    Rule {
        name: "built-in Google principal taken as cross-account",
        reason: "The simulator takes the caller's account from its principal string; \
                 `accounts.google.com` has none, so it evaluates the request as \
                 cross-account and wants an identity policy too, which a web identity \
                 caller never has. AWS decides AssumeRoleWithWebIdentity on the role's \
                 trust policy (IAM User Guide, \"Create a role for OpenID Connect \
                 federation\"; IAM-SEMANTICS.md 5.1; shared cases README).",
        applies: is_google_caller,
        rewrite: without_allows,
    },
    Rule {
        name: "variables substituted without Version 2012-10-17",
        reason: "The simulator substitutes `${...}` in every policy. AWS substitutes \
                 policy variables only when the policy says \"Version\": \"2012-10-17\"; \
                 otherwise `${aws:username}` is literal text (IAM User Guide, \"IAM \
                 policy elements: Variables and tags\"; shared cases README).",
        applies: has_variables_without_version,
        rewrite: engine::with_version_everywhere,
    },
    Rule {
        name: "NotResource entry whose variable has no value",
        reason: "The simulator takes a whole NotResource element as not matching when \
                 one entry has a variable without a value. AWS: \"If a variable that has \
                 no value in the authorization context is used as part of the Resource \
                 or NotResource element of a policy, the resource that includes a policy \
                 variable with no value will not match any resource\" (IAM User Guide, \
                 \"Variables and tags\", \"Policy variables with no value\"): the entry \
                 excludes nothing, so the NotResource still covers the request.",
        applies: has_unresolved_not_resource,
        rewrite: without_unresolved_not_resource,
    },
    Rule {
        name: "NotPrincipal naming one of the caller's identities",
        reason: "The simulator exempts a caller from a NotPrincipal Deny when any one \
                 of its identities is listed: its account alone, or its user or session \
                 ARN without the account. AWS exempts a caller only when all of them are \
                 listed: \"When you use NotPrincipal with Deny, you must also specify \
                 the account ARN of the not-denied principal\", and for a role session \
                 the session, the role and the account; the page's example lists a user \
                 and its account root and denies all principals \"except the user named \
                 Bob\" (IAM User Guide, \"IAM JSON policy elements: NotPrincipal\").",
        applies: has_not_principal_naming_caller,
        rewrite: without_not_principal_naming_caller,
    },
    Rule {
        name: "epoch seconds compared with ISO dates as milliseconds",
        reason: "The simulator reads an all-digit date as a number of seconds but an ISO \
                 8601 date as milliseconds, and compares the two. AWS reads both as \
                 points in time: date values are \"W3C implementations of the ISO 8601 \
                 date formats or in epoch (UNIX) time\" (IAM User Guide, \"Condition \
                 operators\", \"Date condition operators\"), and epoch time counts \
                 seconds.",
        applies: has_epoch_dates,
        rewrite: epoch_dates_as_milliseconds,
    },
    Rule {
        name: "IPv4 prefix length 0",
        reason: "The simulator builds an IPv4 mask with a 32-bit shift, which JavaScript \
                 takes modulo 32, so `0.0.0.0/0` matches only `0.0.0.0`. AWS takes \
                 \"standard CIDR format\" (IAM User Guide, \"Condition operators\", \"IP \
                 address condition operators\"), in which a /0 prefix covers every \
                 IPv4 address (RFC 4632, section 3.1).",
        applies: has_ipv4_prefix_zero,
        rewrite: ipv4_prefix_zero_as_host,
    },
    Rule {
        name: "multivalued key without a set operator",
        reason: "The simulator takes a condition on a multivalued key without \
                 `ForAllValues:` or `ForAnyValue:` as false. AWS says only that \
                 multivalued keys \"require a condition set operator\" (IAM User Guide, \
                 \"Single-valued vs. multivalued context keys\"; IAM Access Analyzer \
                 reports the missing qualifier as an error) and documents no evaluation \
                 for it; the engine compares every request value (a match for a \
                 positive operator, a NOR for a negated one).",
        applies: has_multivalued_without_qualifier,
        rewrite: without_multivalued_without_qualifier,
    },
    Rule {
        name: "empty context value substituted for a variable",
        reason: "The simulator treats a key whose value is the empty string (an empty \
                 tag value) as having no value when it substitutes `${key}`. AWS \
                 documents the null reading for a key that \"has no value or is not \
                 present\" (IAM User Guide, \"Variables and tags\", \"Policy variables \
                 with no value\"); an empty tag value is present, so the engine \
                 substitutes the empty string. AWS documents no example of this case.",
        applies: has_empty_variable,
        rewrite: empty_variables_as_absent,
    },
    Rule {
        name: "negated operator against a variable with no value",
        reason: "The simulator takes a negated operator whose policy value has a \
                 variable without a value as false. AWS: \"Inverted condition operators \
                 like StringNotEquals or StringNotLike do match against a null value\" \
                 (IAM User Guide, \"Variables and tags\", \"Policy variables with no \
                 value\").",
        applies: has_negated_unresolved,
        rewrite: without_negated_unresolved,
    },
    Rule {
        name: "NotIpAddress with a bare address of the other IP family",
        reason: "The simulator takes a bare IPv4 address (no prefix) against an IPv6 \
                 request address, or the reverse, as failing NotIpAddress. AWS reads a \
                 bare address as a /32 (or /128) CIDR (IAM User Guide, \"Condition \
                 operators\", \"IP address condition operators\"); an address of the \
                 other family is not in it, so NotIpAddress holds for that value.",
        applies: has_bare_other_family,
        rewrite: without_bare_other_family,
    },
    Rule {
        name: "malformed condition value",
        reason: "A value its operator cannot read (a date that is not a date, a CIDR \
                 with an octet over 255, a number that is not a number) makes the policy \
                 invalid: IAM policy validation reports it, and AWS documents no \
                 evaluation for it. The engine records an error on the decision and \
                 lets the value match nothing (IAM-SEMANTICS.md 3.3, issue #3); the \
                 simulator takes a negated operator with such a value as false.",
        applies: engine::has_evaluation_errors,
        rewrite: engine::without_erroring_statements,
    },
];

/// Every policy document of the case, with the engine's label for it.
fn policies_mut(case: &mut Case) -> impl Iterator<Item = (String, &mut Value)> {
    let identity = case
        .identity
        .iter_mut()
        .enumerate()
        .map(|(i, p)| (format!("identity-{i}"), p));
    let resource = case
        .resource_policy
        .as_mut()
        .map(|(_, p)| ("resource".to_owned(), p));
    identity.chain(resource)
}

/// Every statement of the case, with its policy's label.
fn statements(case: &Case) -> Vec<(String, Value)> {
    let mut case = case.clone();
    let mut found = Vec::new();
    for (label, policy) in policies_mut(&mut case) {
        if let Some(Value::Array(list)) = policy.get("Statement") {
            found.extend(list.iter().map(|s| (label.clone(), s.clone())));
        }
    }
    found
}

/// The case without the statements `drop` selects.
pub fn without_statements(case: &Case, drop: impl Fn(&str, &Value) -> bool) -> Case {
    let mut case = case.clone();
    for (label, policy) in policies_mut(&mut case) {
        if let Some(Value::Array(list)) = policy.get_mut("Statement") {
            list.retain(|s| !drop(&label, s));
        }
    }
    case
}

fn is_google_caller(case: &Case) -> bool {
    matches!(&case.caller, Caller::WebIdentity(p) if p == "accounts.google.com")
}

/// A caller the simulator never allows: only the policies' denies count.
fn without_allows(case: &Case) -> Case {
    without_statements(case, |_, s| s["Effect"] == "Allow")
}

fn has_variables_without_version(case: &Case) -> bool {
    case.identity
        .iter()
        .chain(case.resource_policy.as_ref().map(|(_, p)| p))
        .filter(|p| p.get("Version").and_then(Value::as_str) != Some("2012-10-17"))
        .any(|p| p.to_string().contains("${"))
}

/// The context value of `key`, matched case-insensitively.
fn context_value<'c>(case: &'c Case, key: &str) -> Option<&'c Value> {
    case.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Whether `text` holds a `${key}` without a default whose key has no
/// single value in the request.
fn has_unresolved_variable(case: &Case, text: &str) -> bool {
    let mut rest = text;
    while let Some((_, after)) = rest.split_once("${") {
        let Some((name, tail)) = after.split_once('}') else {
            return false;
        };
        let special = matches!(name, "*" | "?" | "$") || name.contains(',');
        if !special && !matches!(context_value(case, name.trim()), Some(Value::String(_))) {
            return true;
        }
        rest = tail;
    }
    false
}

fn not_resource_is_unresolved(case: &Case, statement: &Value) -> bool {
    let entries = match statement.get("NotResource") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    entries.iter().any(|e| has_unresolved_variable(case, e))
}

fn has_unresolved_not_resource(case: &Case) -> bool {
    statements(case)
        .iter()
        .any(|(_, s)| not_resource_is_unresolved(case, s))
}

fn without_unresolved_not_resource(case: &Case) -> Case {
    without_statements(case, |_, s| not_resource_is_unresolved(case, s))
}

/// The names under which a NotPrincipal entry can list the caller.
fn caller_names(case: &Case) -> Vec<String> {
    let mut names = Vec::new();
    match &case.caller {
        Caller::User(arn) => names.push(arn.clone()),
        Caller::Session { session, role } => names.extend([session.clone(), role.clone()]),
        _ => {}
    }
    if let Some(account) = case.caller.account() {
        names.extend([account.to_owned(), format!("arn:aws:iam::{account}:root")]);
    }
    names
}

/// Whether a Deny statement's NotPrincipal lists one of the caller's names.
fn not_principal_names_caller(case: &Case, statement: &Value) -> bool {
    let names = caller_names(case);
    let listed = match statement.get("NotPrincipal").and_then(|p| p.get("AWS")) {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    statement["Effect"] == "Deny" && listed.iter().any(|e| names.iter().any(|n| n == e))
}

fn has_not_principal_naming_caller(case: &Case) -> bool {
    statements(case)
        .iter()
        .any(|(_, s)| not_principal_names_caller(case, s))
}

fn without_not_principal_naming_caller(case: &Case) -> Case {
    without_statements(case, |_, s| not_principal_names_caller(case, s))
}

/// The operator without its set qualifier and `IfExists`.
fn base_operator(operator: &str) -> &str {
    let operator = operator
        .strip_prefix("ForAllValues:")
        .or_else(|| operator.strip_prefix("ForAnyValue:"))
        .unwrap_or(operator);
    operator.strip_suffix("IfExists").unwrap_or(operator)
}

/// Applies `edit` to every (operator, key, values) of every condition.
fn edit_conditions(case: &Case, mut edit: impl FnMut(&str, &str, &mut Value)) -> Case {
    let mut case = case.clone();
    for (_, policy) in policies_mut(&mut case) {
        let Some(Value::Array(list)) = policy.get_mut("Statement") else {
            continue;
        };
        for statement in list {
            let Some(Value::Object(block)) = statement.get_mut("Condition") else {
                continue;
            };
            for (operator, keys) in block.iter_mut() {
                if let Value::Object(keys) = keys {
                    for (key, values) in keys.iter_mut() {
                        edit(operator, key, values);
                    }
                }
            }
        }
    }
    case
}

/// Whether any condition matches `test` (operator, key, values).
fn any_condition(case: &Case, test: impl Fn(&str, &str, &Value) -> bool) -> bool {
    let mut found = false;
    edit_conditions(case, |operator, key, values| {
        found |= test(operator, key, values);
    });
    found
}

fn is_epoch(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn values_of(values: &Value) -> Vec<&str> {
    match values {
        Value::String(one) => vec![one.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_date_operator(operator: &str) -> bool {
    base_operator(operator).starts_with("Date")
}

fn has_epoch_dates(case: &Case) -> bool {
    let in_context = case
        .context
        .iter()
        .any(|(_, v)| v.as_str().is_some_and(is_epoch));
    let in_policy = any_condition(case, |operator, _, values| {
        is_date_operator(operator) && values_of(values).iter().any(|v| is_epoch(v))
    });
    in_policy || in_context
}

/// Epoch seconds as the simulator effectively reads them next to ISO
/// dates: as milliseconds.
fn milliseconds(text: &str) -> String {
    let n: u128 = text.parse().unwrap_or_default();
    format!("{}.{:03}", n / 1000, n % 1000)
}

fn epoch_dates_as_milliseconds(case: &Case) -> Case {
    let mut case = edit_conditions(case, |operator, _, values| {
        if !is_date_operator(operator) {
            return;
        }
        let rewrite = |v: &mut Value| {
            if let Some(text) = v.as_str().filter(|t| is_epoch(t)) {
                *v = Value::String(milliseconds(text));
            }
        };
        match values {
            Value::Array(list) => list.iter_mut().for_each(rewrite),
            one => rewrite(one),
        }
    });
    for (_, value) in &mut case.context {
        if let Some(text) = value.as_str().filter(|t| is_epoch(t)) {
            *value = Value::String(milliseconds(text));
        }
    }
    case
}

fn is_ip_operator(operator: &str) -> bool {
    base_operator(operator).ends_with("IpAddress")
}

fn is_ipv4_prefix_zero(value: &str) -> bool {
    value.ends_with("/0") && value.contains('.')
}

fn has_ipv4_prefix_zero(case: &Case) -> bool {
    any_condition(case, |operator, _, values| {
        is_ip_operator(operator) && values_of(values).iter().any(|v| is_ipv4_prefix_zero(v))
    })
}

fn ipv4_prefix_zero_as_host(case: &Case) -> Case {
    edit_conditions(case, |operator, _, values| {
        if !is_ip_operator(operator) {
            return;
        }
        let rewrite = |v: &mut Value| {
            if let Some(text) = v.as_str().filter(|t| is_ipv4_prefix_zero(t)) {
                *v = Value::String(text.replace("/0", "/32"));
            }
        };
        match values {
            Value::Array(list) => list.iter_mut().for_each(rewrite),
            one => rewrite(one),
        }
    })
}

/// Whether the statement tests a key the request gives as a list with an
/// operator that has no set qualifier.
fn tests_multivalued_without_qualifier(case: &Case, statement: &Value) -> bool {
    let Some(Value::Object(block)) = statement.get("Condition") else {
        return false;
    };
    let unqualified = |(operator, keys): (&String, &Value)| {
        let qualified = operator.starts_with("ForAllValues:")
            || operator.starts_with("ForAnyValue:")
            || operator == "Null";
        let keys = keys.as_object().map(Map::keys).into_iter().flatten();
        !qualified
            && keys
                .into_iter()
                .any(|k| context_value(case, k).is_some_and(Value::is_array))
    };
    block.iter().any(unqualified)
}

fn has_multivalued_without_qualifier(case: &Case) -> bool {
    statements(case)
        .iter()
        .any(|(_, s)| tests_multivalued_without_qualifier(case, s))
}

fn without_multivalued_without_qualifier(case: &Case) -> Case {
    without_statements(case, |_, s| tests_multivalued_without_qualifier(case, s))
}

/// Whether the operator is a negated one (`...Not...`, `NotIpAddress`).
fn is_negated(operator: &str) -> bool {
    let base = base_operator(operator);
    base.contains("Not") && base != "Null"
}

/// The context keys whose value is the empty string.
fn empty_keys(case: &Case) -> Vec<&str> {
    case.context
        .iter()
        .filter(|(_, v)| v.as_str() == Some(""))
        .map(|(k, _)| k.as_str())
        .collect()
}

fn has_empty_variable(case: &Case) -> bool {
    let texts: Vec<String> = statements(case)
        .iter()
        .map(|(_, s)| s.to_string())
        .collect();
    empty_keys(case).iter().any(|key| {
        let (closed, defaulted) = (format!("${{{key}}}"), format!("${{{key},"));
        texts
            .iter()
            .any(|t| t.contains(&closed) || t.contains(&defaulted))
    })
}

/// Variables whose key is the empty string, as if the key were absent:
/// in resources and condition values, with or without a default.
fn empty_variables_as_absent(case: &Case) -> Case {
    let keys: Vec<String> = empty_keys(case).iter().map(|k| (*k).to_owned()).collect();
    let mut case = case.clone();
    for (_, policy) in policies_mut(&mut case) {
        let mut text = policy.to_string();
        for key in &keys {
            text = text
                .replace(&format!("${{{key}}}"), "${aws:putonly-absent}")
                .replace(&format!("${{{key},"), "${aws:putonly-absent,");
        }
        if let Ok(rewritten) = serde_json::from_str(&text) {
            *policy = rewritten;
        }
    }
    case
}

/// Whether the statement has a negated clause with an unresolved variable.
fn negated_unresolved(case: &Case, statement: &Value) -> bool {
    let Some(Value::Object(block)) = statement.get("Condition") else {
        return false;
    };
    block.iter().any(|(operator, keys)| {
        let values = keys.as_object().into_iter().flat_map(|k| k.values());
        is_negated(operator)
            && values
                .flat_map(values_of)
                .any(|v| has_unresolved_variable(case, v))
    })
}

fn has_negated_unresolved(case: &Case) -> bool {
    statements(case)
        .iter()
        .any(|(_, s)| negated_unresolved(case, s))
}

fn without_negated_unresolved(case: &Case) -> Case {
    without_statements(case, |_, s| negated_unresolved(case, s))
}

/// Whether the statement's NotIpAddress has a bare address of the other
/// family than the request's `aws:SourceIp`.
fn bare_other_family(case: &Case, statement: &Value) -> bool {
    let Some(request) = context_value(case, "aws:SourceIp").and_then(Value::as_str) else {
        return false;
    };
    let request_v6 = request.contains(':');
    let Some(Value::Object(block)) = statement.get("Condition") else {
        return false;
    };
    block.iter().any(|(operator, keys)| {
        let values = keys.as_object().into_iter().flat_map(|k| k.values());
        base_operator(operator) == "NotIpAddress"
            && values
                .flat_map(values_of)
                .any(|v| !v.contains('/') && v.contains(':') != request_v6)
    })
}

fn has_bare_other_family(case: &Case) -> bool {
    statements(case)
        .iter()
        .any(|(_, s)| bare_other_family(case, s))
}

fn without_bare_other_family(case: &Case) -> Case {
    without_statements(case, |_, s| bare_other_family(case, s))
}
