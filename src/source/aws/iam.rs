//! IAM through the SDK: the account authorization details (every page),
//! role session limits, OIDC providers, and each user's access keys,
//! console password and MFA devices.
//!
//! Users' credentials are read by the `credentials` module, concurrently,
//! with the credential report's help (asked for while the authorization
//! details are read) unless told not to.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_iam::Client;
use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;
use aws_sdk_iam::types::{
    AttachedPolicy, GroupDetail, ManagedPolicyDetail, PolicyDetail, RoleDetail, UserDetail,
};

use crate::inventory::{
    Fact, Gap, Group, InlinePolicy, Inventory, ManagedPolicy, OidcProvider, PolicyText, Role, User,
};

use super::credential_report;
use super::credentials;
use super::error::CallError;
use super::{Clients, date_text};
use crate::progress::Tally;
use crate::source::iam_json::{DEFAULT_VERSION, NOT_IN_DETAILS, TRUST_POLICY};

/// Items asked for per page of IAM listings: IAM's largest (its default
/// is 100), so that a large account costs a tenth of the pages.
const PAGE_SIZE: i32 = 1000;

/// What the IAM phase found.
#[derive(Debug, Default)]
pub(super) struct IamPart {
    users: Vec<User>,
    groups: Vec<Group>,
    roles: Vec<Role>,
    policies: Vec<ManagedPolicy>,
    oidc_providers: Option<Fact<Vec<OidcProvider>>>,
    gaps: Vec<Gap>,
}

impl IamPart {
    pub fn fill(self, inventory: &mut Inventory) {
        inventory.users = self.users;
        inventory.groups = self.groups;
        inventory.roles = self.roles;
        inventory.policies = self.policies;
        if let Some(providers) = self.oidc_providers {
            inventory.oidc_providers = providers;
        }
        inventory.gaps.extend(self.gaps);
    }

    fn gap(&mut self, resource: &str, what: &str, err: &CallError) {
        tracing::warn!(resource, what, reason = %err, "could not collect");
        self.gaps.push(Gap {
            resource: resource.to_owned(),
            what: what.to_owned(),
            reason: err.reason(),
        });
    }
}

pub(super) async fn collect(clients: &Clients, concurrency: usize, use_report: bool) -> IamPart {
    let client = clients.iam();
    let mut part = IamPart::default();
    let report = async {
        if !use_report {
            return None;
        }
        match credential_report::read(&client).await {
            Ok(report) => {
                tracing::debug!(users = report.len(), "credential report read");
                Some(report)
            }
            Err(reason) => {
                // Not a gap: every user is then read call by call.
                tracing::info!(%reason, "no credential report: reading users call by call");
                None
            }
        }
    };
    let (details, report) = tokio::join!(
        authorization_details(&client, &mut part, &clients.tally),
        report
    );
    let (policies, policy_gaps) = kept_policies(&part, details);
    part.policies = policies;
    part.gaps.extend(policy_gaps);

    let (sessions, providers) =
        tokio::join!(max_session_durations(&client), oidc_providers(&client));
    match sessions {
        Ok(sessions) => {
            for role in &mut part.roles {
                role.max_session_duration = sessions.get(&role.arn).copied().flatten();
            }
        }
        Err(err) => part.gap("iam", "role maximum session durations", &err),
    }
    part.oidc_providers = Some(providers);

    credentials::fill(
        &client,
        &mut part.users,
        concurrency,
        report.as_ref(),
        &clients.tally,
    )
    .await;

    tracing::info!(
        users = part.users.len(),
        groups = part.groups.len(),
        roles = part.roles.len(),
        managed_policies = part.policies.len(),
        "iam collected"
    );
    part
}

/// Reads every page of GetAccountAuthorizationDetails into `part`; returns
/// the managed policies, still to be filtered.
async fn authorization_details(
    client: &Client,
    part: &mut IamPart,
    tally: &Tally,
) -> Vec<ManagedPolicyDetail> {
    const OPERATION: &str = "iam:GetAccountAuthorizationDetails";
    let mut policies = Vec::new();
    let mut pages_read = 0_usize;
    let mut pages = client
        .get_account_authorization_details()
        .max_items(PAGE_SIZE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(err) => {
                let what = if pages_read == 0 {
                    "users, groups, roles and managed policies"
                } else {
                    "later pages of users, groups, roles and managed policies"
                };
                part.gap("iam", what, &CallError::from_sdk(OPERATION, &err));
                break;
            }
        };
        pages_read += 1;
        for detail in page.user_detail_list.unwrap_or_default() {
            let user = user(detail, &mut part.gaps);
            part.users.push(user);
        }
        for detail in page.group_detail_list.unwrap_or_default() {
            let group = group(detail, &mut part.gaps);
            part.groups.push(group);
        }
        let roles = page.role_detail_list.unwrap_or_default();
        // A role is read with its page; a user once its credentials are.
        tally.principals_read(roles.len());
        for detail in roles {
            let role = role(detail, &mut part.gaps);
            part.roles.push(role);
        }
        policies.extend(page.policies.unwrap_or_default());
    }
    tracing::debug!(pages = pages_read, "authorization details read");
    policies
}

fn user(detail: UserDetail, gaps: &mut Vec<Gap>) -> User {
    let arn = detail.arn.unwrap_or_default();
    User {
        inline_policies: inline_policies(&arn, detail.user_policy_list, gaps),
        attached_policies: attached(detail.attached_managed_policies),
        groups: detail.group_list.unwrap_or_default(),
        permissions_boundary: detail
            .permissions_boundary
            .and_then(|b| b.permissions_boundary_arn),
        name: detail.user_name.unwrap_or_default(),
        id: detail.user_id.unwrap_or_default(),
        path: iam_path(detail.path),
        create_date: date_text(detail.create_date.as_ref()),
        access_keys: not_collected(),
        console_password: not_collected(),
        mfa_devices: not_collected(),
        arn,
    }
}

/// An IAM path; `/` when the answer has none, as the dump source reads it.
fn iam_path(path: Option<String>) -> String {
    path.unwrap_or_else(|| "/".to_owned())
}

/// A user's credential facts until the per-user reads fill them.
fn not_collected<T>() -> Fact<T> {
    Fact::Unknown("not collected".to_owned())
}

fn group(detail: GroupDetail, gaps: &mut Vec<Gap>) -> Group {
    let arn = detail.arn.unwrap_or_default();
    Group {
        inline_policies: inline_policies(&arn, detail.group_policy_list, gaps),
        attached_policies: attached(detail.attached_managed_policies),
        name: detail.group_name.unwrap_or_default(),
        id: detail.group_id.unwrap_or_default(),
        path: iam_path(detail.path),
        arn,
    }
}

fn role(detail: RoleDetail, gaps: &mut Vec<Gap>) -> Role {
    let arn = detail.arn.unwrap_or_default();
    let trust_policy = match detail.assume_role_policy_document.as_deref() {
        Some(raw) => decoded(&arn, TRUST_POLICY, raw, gaps).unwrap_or_default(),
        None => {
            gaps.push(Gap {
                resource: arn.clone(),
                what: TRUST_POLICY.to_owned(),
                reason: NOT_IN_DETAILS.to_owned(),
            });
            PolicyText::default()
        }
    };
    Role {
        trust_policy,
        inline_policies: inline_policies(&arn, detail.role_policy_list, gaps),
        attached_policies: attached(detail.attached_managed_policies),
        permissions_boundary: detail
            .permissions_boundary
            .and_then(|b| b.permissions_boundary_arn),
        max_session_duration: None,
        last_used: detail
            .role_last_used
            .and_then(|used| used.last_used_date)
            .map(|date| date_text(Some(&date))),
        name: detail.role_name.unwrap_or_default(),
        id: detail.role_id.unwrap_or_default(),
        path: iam_path(detail.path),
        create_date: date_text(detail.create_date.as_ref()),
        arn,
    }
}

fn inline_policies(
    owner: &str,
    list: Option<Vec<PolicyDetail>>,
    gaps: &mut Vec<Gap>,
) -> Vec<InlinePolicy> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|policy| {
            let name = policy.policy_name.unwrap_or_default();
            let raw = policy.policy_document.unwrap_or_default();
            let what = format!("inline policy `{name}`");
            let document = decoded(owner, &what, &raw, gaps)?;
            Some(InlinePolicy { name, document })
        })
        .collect()
}

fn attached(list: Option<Vec<AttachedPolicy>>) -> Vec<String> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|policy| policy.policy_arn)
        .collect()
}

/// Decodes a document as IAM returned it, or records why it could not.
fn decoded(resource: &str, what: &str, raw: &str, gaps: &mut Vec<Gap>) -> Option<PolicyText> {
    match PolicyText::from_aws(raw) {
        Ok(text) => Some(text),
        Err(err) => {
            tracing::warn!(resource, what, "policy document could not be decoded");
            gaps.push(Gap {
                resource: resource.to_owned(),
                what: what.to_owned(),
                reason: err.to_string(),
            });
            None
        }
    }
}

/// Customer-managed policies always; AWS-managed ones only when something
/// uses them (AWS lists all of them, attached or not).
fn kept_policies(
    part: &IamPart,
    details: Vec<ManagedPolicyDetail>,
) -> (Vec<ManagedPolicy>, Vec<Gap>) {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for user in &part.users {
        used.extend(user.attached_policies.iter().map(String::as_str));
        used.extend(user.permissions_boundary.as_deref());
    }
    for group in &part.groups {
        used.extend(group.attached_policies.iter().map(String::as_str));
    }
    for role in &part.roles {
        used.extend(role.attached_policies.iter().map(String::as_str));
        used.extend(role.permissions_boundary.as_deref());
    }

    let mut kept = Vec::new();
    let mut gaps = Vec::new();
    for detail in details {
        let arn = detail.arn.clone().unwrap_or_default();
        let aws_managed = arn.contains(":iam::aws:policy/");
        let attachments = detail.attachment_count.unwrap_or(0)
            + detail.permissions_boundary_usage_count.unwrap_or(0);
        if aws_managed && attachments == 0 && !used.contains(arn.as_str()) {
            continue;
        }
        if let Some(policy) = managed_policy(detail, aws_managed, &mut gaps) {
            kept.push(policy);
        }
    }
    for gap in &gaps {
        tracing::warn!(resource = %gap.resource, what = %gap.what, "could not collect");
    }
    (kept, gaps)
}

fn managed_policy(
    detail: ManagedPolicyDetail,
    aws_managed: bool,
    gaps: &mut Vec<Gap>,
) -> Option<ManagedPolicy> {
    let arn = detail.arn?;
    // Some emulators leave out PolicyName; the ARN ends with it.
    let name = detail
        .policy_name
        .or_else(|| arn.rsplit('/').next().map(str::to_owned))
        .unwrap_or_default();
    let default_version_id = detail.default_version_id.unwrap_or_default();
    let version = detail
        .policy_version_list
        .unwrap_or_default()
        .into_iter()
        .find(|v| v.is_default_version || v.version_id.as_deref() == Some(&default_version_id));
    let Some(raw) = version.and_then(|v| v.document) else {
        gaps.push(Gap {
            resource: arn,
            what: DEFAULT_VERSION.to_owned(),
            reason: NOT_IN_DETAILS.to_owned(),
        });
        return None;
    };
    let document = decoded(&arn, DEFAULT_VERSION, &raw, gaps)?;
    Some(ManagedPolicy {
        name,
        path: iam_path(detail.path),
        default_version_id,
        aws_managed,
        document,
        arn,
    })
}

/// MaxSessionDuration by role ARN (not part of the authorization details).
async fn max_session_durations(client: &Client) -> Result<HashMap<String, Option<i32>>, CallError> {
    let roles = client
        .list_roles()
        .max_items(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| CallError::from_sdk("iam:ListRoles", &err))?;
    Ok(roles
        .into_iter()
        .map(|role| (role.arn, role.max_session_duration))
        .collect())
}

async fn oidc_providers(client: &Client) -> Fact<Vec<OidcProvider>> {
    let listed = match client.list_open_id_connect_providers().send().await {
        Ok(output) => output.open_id_connect_provider_list.unwrap_or_default(),
        Err(err) => {
            let err = CallError::from_sdk("iam:ListOpenIDConnectProviders", &err);
            tracing::warn!(reason = %err, "could not list OIDC providers");
            return Fact::Unknown(err.reason());
        }
    };

    let mut providers = Vec::new();
    for arn in listed.into_iter().filter_map(|entry| entry.arn) {
        let result = client
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .send()
            .await;
        let read = result.map_err(|err| CallError::from_sdk("iam:GetOpenIDConnectProvider", &err));
        match provider_fact(arn, read) {
            Ok(provider) => providers.push(provider),
            Err(unknown) => return unknown,
        }
    }
    tracing::info!(providers = providers.len(), "oidc providers collected");
    Fact::Present(providers)
}

/// One listed provider, or why the whole list is unknown: a list without
/// it would report it as missing (the dump source reads it the same way).
fn provider_fact(
    arn: String,
    read: Result<GetOpenIdConnectProviderOutput, CallError>,
) -> Result<OidcProvider, Fact<Vec<OidcProvider>>> {
    match read {
        Ok(output) => Ok(OidcProvider {
            url: output.url.unwrap_or_default(),
            client_ids: output.client_id_list.unwrap_or_default(),
            thumbprints: output.thumbprint_list.unwrap_or_default(),
            create_date: date_text(output.create_date.as_ref()),
            arn,
        }),
        Err(err) => {
            tracing::warn!(provider = %arn, reason = %err, "could not read OIDC provider");
            Err(Fact::Unknown(format!(
                "OIDC provider `{arn}`: {}",
                err.reason()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::types::PolicyVersion;

    use super::*;

    fn policy(arn: &str, attachments: i32, document: &str) -> ManagedPolicyDetail {
        ManagedPolicyDetail::builder()
            .arn(arn)
            .path("/")
            .default_version_id("v2")
            .attachment_count(attachments)
            .policy_version_list(
                PolicyVersion::builder()
                    .version_id("v1")
                    .document("{\"old\": true}")
                    .build(),
            )
            .policy_version_list(
                PolicyVersion::builder()
                    .version_id("v2")
                    .is_default_version(true)
                    .document(document)
                    .build(),
            )
            .build()
    }

    #[test]
    fn managed_policy_name_comes_from_the_arn_when_missing() {
        let mut gaps = Vec::new();
        let detail = policy(
            "arn:aws:iam::111122223333:policy/team/dev-read",
            1,
            "%7B%7D",
        );
        let policy = managed_policy(detail, false, &mut gaps).unwrap();
        assert_eq!(policy.name, "dev-read");
        assert_eq!(policy.default_version_id, "v2");
        assert_eq!(policy.document.as_str(), "{}");
        assert!(gaps.is_empty());
    }

    #[test]
    fn one_unreadable_provider_makes_the_providers_unknown() {
        let arn = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";
        let denied = CallError {
            operation: "iam:GetOpenIDConnectProvider",
            code: Some("AccessDenied".to_owned()),
            message: "not allowed".to_owned(),
            request_id: Some("REQ".to_owned()),
        };
        assert_eq!(
            provider_fact(arn.to_owned(), Err(denied)).unwrap_err(),
            Fact::Unknown(format!(
                "OIDC provider `{arn}`: AccessDenied: not allowed (request id REQ)"
            ))
        );
        let output = GetOpenIdConnectProviderOutput::builder()
            .url("accounts.google.com")
            .client_id_list("aud")
            .build();
        let provider = provider_fact(arn.to_owned(), Ok(output)).unwrap();
        assert_eq!(provider.url, "accounts.google.com");
        assert_eq!(provider.client_ids, ["aud"]);
    }

    #[test]
    fn a_missing_path_is_the_root_path() {
        let detail = UserDetail::builder()
            .arn("arn:aws:iam::111122223333:user/u")
            .user_name("u")
            .build();
        assert_eq!(user(detail, &mut Vec::new()).path, "/");
        let detail = UserDetail::builder().path("/staff/").build();
        assert_eq!(user(detail, &mut Vec::new()).path, "/staff/");
    }

    #[test]
    fn unattached_aws_managed_policies_are_left_out_and_customer_ones_kept() {
        let mut part = IamPart::default();
        part.roles.push(Role {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            name: "r".into(),
            id: String::new(),
            path: "/".into(),
            create_date: String::new(),
            trust_policy: PolicyText::default(),
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: Some("arn:aws:iam::aws:policy/Boundary".into()),
            max_session_duration: None,
            last_used: None,
        });
        let details = vec![
            policy("arn:aws:iam::aws:policy/Unused", 0, "{}"),
            policy("arn:aws:iam::aws:policy/Attached", 2, "{}"),
            policy("arn:aws:iam::aws:policy/Boundary", 0, "{}"),
            policy("arn:aws:iam::111122223333:policy/unused-mine", 0, "{}"),
        ];
        let kept: Vec<String> = kept_policies(&part, details)
            .0
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(kept, ["Attached", "Boundary", "unused-mine"]);
    }
}
