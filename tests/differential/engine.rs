//! The engine's side of the differential test: a generated case decided by
//! `putonly::policy`.

use super::generate::{Caller, Case, ResourcePolicyKind};
use putonly::policy::{
    Context, ContextValue, LabelledPolicy, Policy, PolicyKind, PolicySet, Request,
    RequestPrincipal, Verdict, authorize, evaluate, parse,
};
use serde_json::Value;

/// The engine's verdict in the simulator's words, or why a policy of the
/// case does not parse.
pub fn verdict(case: &Case) -> String {
    match decide(case) {
        Ok(Verdict::Allow) => "Allowed".to_owned(),
        Ok(Verdict::ExplicitDeny) => "ExplicitlyDenied".to_owned(),
        Ok(Verdict::ImplicitDeny(_)) => "ImplicitlyDenied".to_owned(),
        Err(error) => format!("engine error: {error}"),
    }
}

/// The statements of each policy that match the request, as
/// `identity-N/Sid Effect` or `resource/Sid Effect`, to investigate a
/// disagreement.
pub fn matching_statements(case: &Case) -> Vec<String> {
    let Ok((identity, resource)) = parse_policies(case) else {
        return Vec::new();
    };
    let request = request(case);
    let labels = (0..identity.len()).map(|i| format!("identity-{i}"));
    let labelled = labels
        .zip(identity.iter())
        .chain(resource.iter().map(|p| ("resource".to_owned(), p)));
    let mut found = Vec::new();
    for (label, policy) in labelled {
        let evaluation = evaluate(LabelledPolicy::new(&label, policy), &request);
        for m in &evaluation.matches {
            found.push(format!(
                "{label}/{} {:?}",
                m.statement.statement.label(),
                m.effect
            ));
        }
    }
    found
}

type Parsed = (Vec<Policy>, Option<Policy>);

fn parse_policies(case: &Case) -> Result<Parsed, String> {
    let identity = case
        .identity
        .iter()
        .map(|p| parse(&p.to_string(), PolicyKind::Identity).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let resource = match &case.resource_policy {
        Some((kind, policy)) => {
            let kind = match kind {
                ResourcePolicyKind::Bucket => PolicyKind::Resource,
                ResourcePolicyKind::Trust => PolicyKind::Trust,
            };
            Some(parse(&policy.to_string(), kind).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    Ok((identity, resource))
}

fn decide(case: &Case) -> Result<Verdict, String> {
    Ok(decide_with_errors(case)?.0)
}

/// The verdict, and the statements (policy label, Sid) whose conditions
/// met a malformed value.
fn decide_with_errors(case: &Case) -> Result<(Verdict, Vec<(String, String)>), String> {
    let (identity, resource) = parse_policies(case)?;
    let labels: Vec<String> = (0..identity.len())
        .map(|i| format!("identity-{i}"))
        .collect();
    let set = PolicySet {
        identity: labels
            .iter()
            .zip(&identity)
            .map(|(label, p)| LabelledPolicy::new(label, p))
            .collect(),
        resource: resource
            .as_ref()
            .map(|p| LabelledPolicy::new("resource", p)),
        ..PolicySet::default()
    };
    let decision = authorize(&set, &request(case));
    let erroring = decision
        .errors
        .iter()
        .map(|e| {
            let statement = e.error.statement;
            let sid = statement.sid().unwrap_or_default().to_owned();
            (statement.policy.to_owned(), sid)
        })
        .collect();
    Ok((decision.verdict, erroring))
}

/// Whether deciding the case meets a malformed condition value.
pub fn has_evaluation_errors(case: &Case) -> bool {
    decide_with_errors(case).is_ok_and(|(_, erroring)| !erroring.is_empty())
}

/// The case without the statements whose conditions met a malformed value.
pub fn without_erroring_statements(case: &Case) -> Case {
    let erroring = decide_with_errors(case)
        .map(|(_, erroring)| erroring)
        .unwrap_or_default();
    super::known::without_statements(case, |label, statement| {
        let sid = statement["Sid"].as_str().unwrap_or_default();
        erroring.iter().any(|(l, s)| l == label && s == sid)
    })
}

fn request(case: &Case) -> Request {
    let caller = match &case.caller {
        Caller::User(arn) => RequestPrincipal::iam_user(arn),
        Caller::Session { session, role } => RequestPrincipal::role_session(session, role),
        Caller::WebIdentity(provider) => RequestPrincipal::web_identity(provider),
        Caller::Anonymous => RequestPrincipal::anonymous(),
    };
    let mut context = Context::new();
    for (key, value) in &case.context {
        let value = match value {
            Value::Array(items) => ContextValue::Multi(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            other => ContextValue::Single(other.as_str().unwrap_or_default().to_owned()),
        };
        context.insert(key, value);
    }
    Request::new(caller, &case.action, &case.resource, context)
        .with_resource_account(&case.resource_account)
}

/// The case with `"Version": "2012-10-17"` in every policy.
pub fn with_version_everywhere(case: &Case) -> Case {
    let mut case = case.clone();
    let policies = case
        .identity
        .iter_mut()
        .chain(case.resource_policy.as_mut().map(|(_, p)| p));
    for policy in policies {
        if let Value::Object(map) = policy {
            map.insert("Version".into(), Value::from("2012-10-17"));
        }
    }
    case
}
