//! Who can assume an OIDC connector's role: the trust policy, asked with
//! the tokens a stranger could bring.
//!
//! Any Google service account can mint a Google-signed ID token for any
//! audience string, so a trust policy admits only the vendor if it pins the
//! subject (`<issuer>:sub`) to the vendor's numeric id. putonly asks the
//! policy engine about a stranger's token with the vendor's audience rather
//! than reading the condition text: whatever the operators, IfExists,
//! ForAllValues or duplicated keys, the engine decides as AWS does.

use super::documents::{DocumentKey, Documents};
use super::evidence::Witness;
use crate::config::OidcExpectation;
use crate::inventory::Inventory;
use crate::policy::{
    Context, Effect, LabelledPolicy, PolicySet, PrincipalKind, PrincipalTarget, Request,
    RequestPrincipal, authorize,
};

/// A subject no vendor has: the stranger's service account id.
pub const FOREIGN_SUBJECT: &str = "999999999999999999999";
const FOREIGN_AUDIENCE: &str = "putonly-foreign-audience";
const ASSUME: &str = "sts:AssumeRoleWithWebIdentity";

/// What the trust policy of an OIDC connector's role admits.
#[derive(Debug, Clone, Default)]
pub struct TrustAnswers {
    pub role_arn: String,
    /// The trust policy did not parse (reported elsewhere with its line).
    pub invalid: bool,
    /// A stranger's token with the vendor's audience is accepted.
    pub stranger: Option<Witness>,
    /// The vendor's own subject with any audience is accepted (the
    /// built-in provider has no client-id list to check the audience).
    pub any_audience: Option<Witness>,
    /// Principals other than the expected provider, or actions other than
    /// `sts:AssumeRoleWithWebIdentity`, in Allow statements.
    pub others: Vec<(String, Witness)>,
    /// The vendor's own token is refused.
    pub vendor_refused: Option<Witness>,
}

/// The two names of the expected provider in a trust policy.
fn provider_names(inv: &Inventory, issuer: &str) -> [String; 2] {
    [
        issuer.to_owned(),
        format!(
            "arn:{}:iam::{}:oidc-provider/{issuer}",
            inv.partition, inv.account_id
        ),
    ]
}

fn token_context(issuer: &str, sub: &str, aud: &str, oaud: &str) -> Context {
    Context::new()
        .with(&format!("{issuer}:sub"), sub)
        .with(&format!("{issuer}:aud"), aud)
        .with(&format!("{issuer}:oaud"), oaud)
        .with("aws:SecureTransport", "true")
}

/// Answers who can assume `role_name`.
pub fn answer(
    inv: &Inventory,
    docs: &Documents,
    role_name: &str,
    expected: &OidcExpectation,
) -> Option<TrustAnswers> {
    let role = inv.role(role_name)?;
    let mut answers = TrustAnswers {
        role_arn: role.arn.clone(),
        ..TrustAnswers::default()
    };
    let Some(policy) = docs
        .get(&DocumentKey::Trust(role.arn.clone()))
        .and_then(|d| d.policy())
    else {
        answers.invalid = true;
        return Some(answers);
    };
    let label = format!("trust policy of {}", role.arn);
    let set = PolicySet {
        resource: Some(LabelledPolicy::new(&label, policy)),
        ..PolicySet::default()
    };
    let ask = |caller: RequestPrincipal, action: &str, context: Context| {
        let request =
            Request::new(caller, action, &role.arn, context).with_resource_account(&inv.account_id);
        let decision = authorize(&set, &request);
        let mut witness = Witness::new(action, &role.arn, &decision);
        if let PrincipalKind::WebIdentity { provider } = &request.principal.kind {
            witness.context.push(format!("provider {provider}"));
        }
        witness.context.extend(
            request
                .context
                .iter()
                .filter(|(k, _)| !k.starts_with("aws:"))
                .map(|(k, v)| format!("{k}={}", v.values().join(","))),
        );
        (decision.is_allowed(), witness)
    };
    let web = |provider: &str| RequestPrincipal::web_identity(provider);

    let issuer = expected.issuer.as_str();
    let subject = expected.subject.as_deref().unwrap_or(FOREIGN_SUBJECT);
    // Google puts the caller's id in `azp` when it mints a token, and the
    // `aud` key then carries it; a token without `azp` carries the
    // audience in both `aud` and `oaud`. Both shapes are asked about.
    let shapes = |sub: &str, audience: &str| {
        [
            token_context(issuer, sub, sub, audience),
            token_context(issuer, sub, audience, audience),
        ]
    };
    // The first allowed request, or else the first refusal.
    let first_allowed = |contexts: [Context; 2], providers: &[String]| {
        let mut refused = None;
        for provider in providers {
            for context in contexts.clone() {
                let (allowed, witness) = ask(web(provider), ASSUME, context);
                if allowed {
                    return (Some(witness), None);
                }
                refused.get_or_insert(witness);
            }
        }
        (None, refused)
    };
    let providers = provider_names(inv, issuer);
    if expected.subject.as_deref() != Some(FOREIGN_SUBJECT) {
        answers.stranger = first_allowed(shapes(FOREIGN_SUBJECT, &expected.audience), &providers).0;
    }
    // A stranger also chooses the audience of a token without `azp`: any
    // value the trust policy tests for. Through the built-in provider
    // nothing else checks it; through an IAM provider AWS first matches it
    // against the client-id list.
    if answers.stranger.is_none() {
        let client_ids: Vec<String> = inv
            .oidc_providers
            .value()
            .into_iter()
            .flatten()
            .filter(|p| p.url.eq_ignore_ascii_case(issuer))
            .flat_map(|p| p.client_ids.clone())
            .collect();
        'search: for audience in tested_audiences(policy, issuer) {
            for (i, provider) in providers.iter().enumerate() {
                if i == 1 && !client_ids.contains(&audience) {
                    continue;
                }
                let context = token_context(issuer, FOREIGN_SUBJECT, &audience, &audience);
                let (allowed, witness) = ask(web(provider), ASSUME, context);
                if allowed {
                    answers.stranger = Some(witness);
                    break 'search;
                }
            }
        }
    }
    // With an IAM provider AWS itself checks the audience against the
    // client ids; with the built-in provider only the trust policy does.
    answers.any_audience = first_allowed(shapes(subject, FOREIGN_AUDIENCE), &providers[..1]).0;
    if expected.subject.is_some() {
        answers.vendor_refused = first_allowed(shapes(subject, &expected.audience), &providers).1;
    }
    answers.others = other_principals(inv, policy, &provider_names(inv, issuer), &ask);
    Some(answers)
}

/// Every value the trust policy compares `<issuer>:aud` or `:oaud` with.
fn tested_audiences(policy: &crate::policy::Policy, issuer: &str) -> Vec<String> {
    let aud = format!("{issuer}:aud").to_lowercase();
    let oaud = format!("{issuer}:oaud").to_lowercase();
    let mut values: Vec<String> = policy
        .statements
        .iter()
        .flat_map(|s| &s.conditions)
        .filter(|c| c.key_lower == aud || c.key_lower == oaud)
        .flat_map(|c| c.values.iter().map(|v| v.raw.clone()))
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Allow statements that admit something other than the expected provider:
/// accounts, roles, services, other providers, or anyone, each with the
/// request the engine allows.
fn other_principals(
    inv: &Inventory,
    policy: &crate::policy::Policy,
    expected: &[String; 2],
    ask: &dyn Fn(RequestPrincipal, &str, Context) -> (bool, Witness),
) -> Vec<(String, Witness)> {
    let mut out = Vec::new();
    for statement in policy
        .statements
        .iter()
        .filter(|s| s.effect.value == Effect::Allow)
    {
        let Some(block) = &statement.principal else {
            continue;
        };
        for entry in &block.entries {
            let (label, caller) = match &entry.target {
                PrincipalTarget::Federated(name) if expected.contains(name) => continue,
                PrincipalTarget::Federated(name) => (
                    format!("provider `{name}`"),
                    RequestPrincipal::web_identity(name),
                ),
                PrincipalTarget::Service(name) => {
                    (format!("service `{name}`"), RequestPrincipal::service(name))
                }
                PrincipalTarget::Account(account) => (
                    format!("account `{account}`"),
                    RequestPrincipal::root(account),
                ),
                PrincipalTarget::Everyone => {
                    ("anyone (`*`)".to_owned(), RequestPrincipal::anonymous())
                }
                PrincipalTarget::User(arn) => {
                    (format!("user `{arn}`"), RequestPrincipal::iam_user(arn))
                }
                PrincipalTarget::Role(arn) => {
                    let session = session_of(arn);
                    (
                        format!("role `{arn}`"),
                        RequestPrincipal::role_session(&session, arn),
                    )
                }
                _ => (
                    format!("principal `{}`", entry.value),
                    RequestPrincipal::root(&inv.account_id),
                ),
            };
            let action = ["sts:AssumeRole", ASSUME, "sts:AssumeRoleWithSAML"]
                .into_iter()
                .find(|a| statement.action.covers(&a.to_lowercase()));
            if let Some(action) = action {
                let (_, witness) = ask(
                    caller,
                    action,
                    Context::new().with("aws:SecureTransport", "true"),
                );
                out.push((label, witness));
            }
        }
    }
    out
}

fn session_of(role_arn: &str) -> String {
    let (head, name) = role_arn.rsplit_once('/').unwrap_or((role_arn, role_arn));
    let account = head.split(':').nth(4).unwrap_or_default();
    format!("arn:aws:sts::{account}:assumed-role/{name}/putonly-witness")
}
