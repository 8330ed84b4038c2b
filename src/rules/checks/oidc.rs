//! Checks of the OIDC identity provider an OIDC connector relies on.

use crate::config::{Connector, OidcExpectation};
use crate::finding::Evidence;
use crate::inventory::OidcProvider;
use crate::rules::{Hit, ScanContext};

/// The thumbprint of a GitHub Actions intermediate certificate that setup
/// guides copied from GitHub tutorials tend to carry.
pub const GITHUB_THUMBPRINT: &str = "1c58a3a8518e8759bf075b76b750d4f2df264fcd";

/// Issuers for which AWS validates tokens against its own trusted CAs and
/// ignores the configured thumbprints.
const THUMBPRINT_IGNORED_ISSUERS: &[&str] = &["accounts.google.com"];

/// Connectors in OIDC mode with their expectation and provider (if the
/// providers were collected at all).
fn oidc_connectors<'a>(
    cx: &'a ScanContext<'_>,
) -> impl Iterator<Item = (&'a Connector, &'a OidcExpectation, Option<&'a OidcProvider>)> {
    let providers = cx.inventory.oidc_providers.value();
    cx.config.connectors.iter().filter_map(move |connector| {
        let oidc = connector.oidc()?;
        // Unknown providers are reported by PO002, not guessed at here.
        let providers = providers?;
        let provider = providers
            .iter()
            .find(|p| p.url.eq_ignore_ascii_case(&oidc.issuer));
        Some((connector, oidc, provider))
    })
}

fn provider_arn(cx: &ScanContext<'_>, issuer: &str) -> String {
    let inv = cx.inventory;
    format!(
        "arn:{}:iam::{}:oidc-provider/{issuer}",
        inv.partition, inv.account_id
    )
}

/// Whether the role's trust policy allows the issuer's built-in federated
/// principal (`"Federated": "accounts.google.com"`), which AWS accepts
/// without an IAM identity provider.
fn trusts_built_in(cx: &ScanContext<'_>, role: &str, issuer: &str) -> bool {
    let Some(role) = cx.inventory.role(role) else {
        return false;
    };
    let key = crate::access::documents::DocumentKey::Trust(role.arn.clone());
    let Some(policy) = cx.model.documents.get(&key).and_then(|d| d.policy()) else {
        return false;
    };
    policy
        .statements
        .iter()
        .filter(|s| s.effect.value == crate::policy::Effect::Allow)
        .flat_map(|s| s.principal.iter().flat_map(|block| &block.entries))
        .any(|entry| {
            matches!(&entry.target, crate::policy::PrincipalTarget::Federated(name)
                if name.eq_ignore_ascii_case(issuer))
        })
}

/// PO101: no IAM OIDC provider for the expected issuer.
pub fn provider_missing(cx: &ScanContext<'_>) -> Vec<Hit> {
    oidc_connectors(cx)
        .filter(|(_, _, provider)| provider.is_none())
        .filter(|(connector, oidc, _)| !trusts_built_in(cx, &connector.principal, &oidc.issuer))
        .map(|(connector, oidc, _)| Hit {
            connector: Some(connector.name.clone()),
            resource: provider_arn(cx, &oidc.issuer),
            message: format!(
                "no IAM OIDC identity provider exists for issuer `{}`",
                oidc.issuer
            ),
            evidence: vec![Evidence::new(
                "providers in the account",
                cx.inventory
                    .oidc_providers
                    .value()
                    .map_or(0, Vec::len)
                    .to_string(),
            )],
            ..Hit::default()
        })
        .collect()
}

/// PO102: the provider's client-id list is not exactly the audience.
pub fn audience_mismatch(cx: &ScanContext<'_>) -> Vec<Hit> {
    oidc_connectors(cx)
        .filter_map(|(connector, oidc, provider)| {
            let provider = provider?;
            if provider.client_ids.len() == 1 && provider.client_ids.first() == Some(&oidc.audience)
            {
                return None;
            }
            let extra: Vec<&str> = provider
                .client_ids
                .iter()
                .filter(|id| **id != oidc.audience)
                .map(String::as_str)
                .collect();
            let message = if extra.is_empty() {
                format!(
                    "provider `{}` does not list the expected audience",
                    provider.url
                )
            } else if provider.client_ids.contains(&oidc.audience) {
                format!(
                    "provider `{}` accepts other audiences besides the expected one: {}",
                    provider.url,
                    quote_list(&extra)
                )
            } else {
                format!(
                    "provider `{}` lists {} but not the expected audience",
                    provider.url,
                    quote_list(&extra)
                )
            };
            Some(Hit {
                connector: Some(connector.name.clone()),
                resource: provider.arn.clone(),
                message,
                evidence: vec![
                    Evidence::new("expected audience", oidc.audience.clone()),
                    Evidence::new("client ids", provider.client_ids.join(", ")),
                ],
                ..Hit::default()
            })
        })
        .collect()
}

/// PO103: the provider's thumbprints are not the expected ones.
pub fn thumbprint_mismatch(cx: &ScanContext<'_>) -> Vec<Hit> {
    oidc_connectors(cx)
        .filter_map(|(connector, oidc, provider)| {
            let provider = provider?;
            if oidc.thumbprints.is_empty() {
                return None;
            }
            let mut actual: Vec<String> = provider
                .thumbprints
                .iter()
                .map(|t| t.to_ascii_lowercase())
                .collect();
            let mut expected = oidc.thumbprints.clone();
            actual.sort();
            expected.sort();
            if actual == expected {
                return None;
            }
            Some(Hit {
                connector: Some(connector.name.clone()),
                resource: provider.arn.clone(),
                message: format!(
                    "provider `{}` has thumbprints {} instead of {}",
                    provider.url,
                    quote_list(&actual),
                    quote_list(&expected)
                ),
                evidence: vec![
                    Evidence::new("expected thumbprints", expected.join(", ")),
                    Evidence::new("thumbprints", actual.join(", ")),
                ],
                ..Hit::default()
            })
        })
        .collect()
}

/// PO104 (informational): thumbprints AWS does not use, and GitHub's.
pub fn thumbprint_ignored(cx: &ScanContext<'_>) -> Vec<Hit> {
    oidc_connectors(cx)
        .filter_map(|(connector, _, provider)| {
            let provider = provider?;
            let ignored = THUMBPRINT_IGNORED_ISSUERS
                .iter()
                .any(|issuer| provider.url.eq_ignore_ascii_case(issuer));
            if !ignored || provider.thumbprints.is_empty() {
                return None;
            }
            let github = provider
                .thumbprints
                .iter()
                .any(|t| t.eq_ignore_ascii_case(GITHUB_THUMBPRINT));
            let mut message = format!(
                "AWS validates `{}` tokens against its own trusted certificate authorities and does not use the configured thumbprints",
                provider.url
            );
            if github {
                message.push_str(&format!(
                    "; `{GITHUB_THUMBPRINT}` belongs to GitHub's certificate chain, not Google's"
                ));
            }
            Some(Hit {
                connector: Some(connector.name.clone()),
                resource: provider.arn.clone(),
                message,
                evidence: vec![Evidence::new("thumbprints", provider.thumbprints.join(", "))],
                ..Hit::default()
            })
        })
        .collect()
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
