//! The JSON that `aws iam get-account-authorization-details` prints, read
//! into inventory principals and managed policies. Both the dump source and
//! the authorization-details source go through [`parse_authorization_details`].
//!
//! Policy documents keep their exact text. IAM sends them URL-encoded. The
//! AWS CLI (and boto3) normally decode them and print each one as a nested
//! JSON object; `scripts/dump-account.sh` loads a CLI plugin that stops
//! this, and other tools leave them as strings too, encoded or not. Every
//! document is therefore read as a [`RawValue`], the document's own bytes in
//! the file:
//!
//! - a string is unescaped and then percent-decoded unless it already starts
//!   with `{` ([`PolicyText::from_aws`]): the same text, byte for byte, as
//!   the live source gets from the SDK;
//! - an object is kept as the text it has in the file, with the indentation
//!   of its nesting removed from its continuation lines (those lines start
//!   between JSON tokens, so only insignificant white space goes), giving
//!   the text the CLI would print for the document alone.
//!
//! Nothing is re-serialised, so a duplicate key inside a document survives
//! for the policy engine to report. But a document printed as an object was
//! parsed by the CLI with Python's `json.loads` first: a duplicate key has
//! already lost all but its last value, and the layout is the CLI's, not
//! the author's.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::inventory::{
    DecodeError, Fact, Gap, Group, InlinePolicy, ManagedPolicy, PolicyText, Role, User,
};

use super::SourceError;

/// Why per-user facts are unknown when only authorization details are read.
pub const NOT_IN_AUTH_DETAILS: &str = "not in an authorization-details file";

/// The principals and policies of one authorization-details output.
#[derive(Debug, Clone, PartialEq)]
pub struct IamDetails {
    /// The account of the first user, group, role or customer-managed
    /// policy ARN, when there is one.
    pub account_id: Option<String>,
    /// The partition of that ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: Option<String>,
    /// Users; access keys, console password and MFA devices are
    /// [`Fact::Unknown`] with [`NOT_IN_AUTH_DETAILS`].
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    /// Customer-managed policies, and the AWS-managed ones that a user,
    /// group or role uses (attached or as permissions boundary).
    pub policies: Vec<ManagedPolicy>,
    /// Documents left out: missing, or not decodable.
    pub gaps: Vec<Gap>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDetails {
    #[serde(default)]
    user_detail_list: Vec<RawUser>,
    #[serde(default)]
    group_detail_list: Vec<RawGroup>,
    #[serde(default)]
    role_detail_list: Vec<RawRole>,
    #[serde(default)]
    policies: Vec<RawPolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawUser {
    user_name: String,
    user_id: String,
    arn: String,
    #[serde(default = "root_path")]
    path: String,
    #[serde(default)]
    create_date: String,
    #[serde(default)]
    user_policy_list: Vec<RawInline>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
    permissions_boundary: Option<RawBoundary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroup {
    group_name: String,
    group_id: String,
    arn: String,
    #[serde(default = "root_path")]
    path: String,
    #[serde(default)]
    group_policy_list: Vec<RawInline>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRole {
    role_name: String,
    role_id: String,
    arn: String,
    #[serde(default = "root_path")]
    path: String,
    #[serde(default)]
    create_date: String,
    assume_role_policy_document: Option<Box<RawValue>>,
    #[serde(default)]
    role_policy_list: Vec<RawInline>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
    permissions_boundary: Option<RawBoundary>,
    role_last_used: Option<RawRoleLastUsed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInline {
    policy_name: String,
    policy_document: Box<RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttached {
    policy_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawBoundary {
    permissions_boundary_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRoleLastUsed {
    last_used_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicy {
    arn: String,
    /// Missing in moto's output; derived from the ARN then.
    policy_name: Option<String>,
    #[serde(default = "root_path")]
    path: String,
    default_version_id: Option<String>,
    #[serde(default)]
    policy_version_list: Vec<RawPolicyVersion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicyVersion {
    document: Option<Box<RawValue>>,
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
}

fn root_path() -> String {
    "/".to_owned()
}

/// Why a document is missing from the authorization details. With
/// [`TRUST_POLICY`] and [`DEFAULT_VERSION`], the gap texts both the live
/// source and this reader record.
pub(crate) const NOT_IN_DETAILS: &str = "not in the authorization details";
/// What a gap about a role's trust policy names.
pub(crate) const TRUST_POLICY: &str = "trust policy";
/// What a gap about a managed policy's default version names.
pub(crate) const DEFAULT_VERSION: &str = "default policy version";

/// Parses authorization-details JSON; `path` is used in errors only.
pub fn parse_authorization_details(bytes: &[u8], path: &Path) -> Result<IamDetails, SourceError> {
    let raw: RawDetails =
        serde_json::from_slice(bytes).map_err(|err| SourceError::json(path, &err))?;
    let mut convert = Converter {
        path,
        gaps: Vec::new(),
    };

    let users = raw
        .user_detail_list
        .into_iter()
        .map(|user| convert.user(user))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = raw
        .group_detail_list
        .into_iter()
        .map(|group| convert.group(group))
        .collect::<Result<Vec<_>, _>>()?;
    let roles = raw
        .role_detail_list
        .into_iter()
        .map(|role| convert.role(role))
        .collect::<Result<Vec<_>, _>>()?;

    // Keep AWS-managed policies only when something uses them: the list can
    // hold every AWS-managed policy there is.
    let used = used_policies(&users, &groups, &roles);
    let mut policies = Vec::new();
    for policy in raw.policies {
        let aws_managed = is_aws_managed(&policy.arn);
        if aws_managed && !used.contains(policy.arn.as_str()) {
            continue;
        }
        policies.extend(convert.policy(policy, aws_managed)?);
    }

    let owner = users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(groups.iter().map(|g| g.arn.as_str()))
        .chain(roles.iter().map(|r| r.arn.as_str()))
        .chain(
            policies
                .iter()
                .filter(|p| !p.aws_managed)
                .map(|p| p.arn.as_str()),
        )
        .find_map(arn_account);
    Ok(IamDetails {
        account_id: owner.map(|(_, account)| account.to_owned()),
        partition: owner.map(|(partition, _)| partition.to_owned()),
        users,
        groups,
        roles,
        policies,
        gaps: convert.gaps,
    })
}

fn not_in_auth_details<T>() -> Fact<T> {
    Fact::Unknown(NOT_IN_AUTH_DETAILS.to_owned())
}

fn is_aws_managed(arn: &str) -> bool {
    arn_account(arn).is_some_and(|(_, account)| account == "aws")
}

/// Turns the raw entries into inventory entries. A document that cannot
/// be decoded, or is not there, is left out with a gap, as the live source
/// does; a file whose JSON has the wrong shape is an error.
struct Converter<'a> {
    path: &'a Path,
    gaps: Vec<Gap>,
}

impl Converter<'_> {
    fn user(&mut self, raw: RawUser) -> Result<User, SourceError> {
        let inline_policies = self.inline(raw.user_policy_list, &raw.arn)?;
        Ok(User {
            name: raw.user_name,
            id: raw.user_id,
            path: raw.path,
            create_date: normalize_date(&raw.create_date),
            inline_policies,
            attached_policies: attached_arns(raw.attached_managed_policies),
            groups: raw.group_list,
            permissions_boundary: raw
                .permissions_boundary
                .and_then(|b| b.permissions_boundary_arn),
            access_keys: not_in_auth_details(),
            console_password: not_in_auth_details(),
            mfa_devices: not_in_auth_details(),
            arn: raw.arn,
        })
    }

    fn group(&mut self, raw: RawGroup) -> Result<Group, SourceError> {
        let inline_policies = self.inline(raw.group_policy_list, &raw.arn)?;
        Ok(Group {
            name: raw.group_name,
            id: raw.group_id,
            path: raw.path,
            inline_policies,
            attached_policies: attached_arns(raw.attached_managed_policies),
            arn: raw.arn,
        })
    }

    fn role(&mut self, raw: RawRole) -> Result<Role, SourceError> {
        let trust_policy = match &raw.assume_role_policy_document {
            Some(trust) => self.decoded(trust, &raw.arn, TRUST_POLICY)?,
            None => {
                self.gap(&raw.arn, TRUST_POLICY, NOT_IN_DETAILS);
                None
            }
        };
        let inline_policies = self.inline(raw.role_policy_list, &raw.arn)?;
        Ok(Role {
            name: raw.role_name,
            id: raw.role_id,
            path: raw.path,
            create_date: normalize_date(&raw.create_date),
            // An empty text with a gap, as in the live source.
            trust_policy: trust_policy.unwrap_or_default(),
            inline_policies,
            attached_policies: attached_arns(raw.attached_managed_policies),
            permissions_boundary: raw
                .permissions_boundary
                .and_then(|b| b.permissions_boundary_arn),
            // Not part of the authorization details; the dump adds it.
            max_session_duration: None,
            last_used: raw
                .role_last_used
                .and_then(|used| used.last_used_date)
                .map(|date| normalize_date(&date)),
            arn: raw.arn,
        })
    }

    fn inline(
        &mut self,
        list: Vec<RawInline>,
        owner: &str,
    ) -> Result<Vec<InlinePolicy>, SourceError> {
        let mut out = Vec::with_capacity(list.len());
        for inline in list {
            let what = format!("inline policy `{}`", inline.policy_name);
            if let Some(document) = self.decoded(&inline.policy_document, owner, &what)? {
                out.push(InlinePolicy {
                    name: inline.policy_name,
                    document,
                });
            }
        }
        Ok(out)
    }

    fn policy(
        &mut self,
        raw: RawPolicy,
        aws_managed: bool,
    ) -> Result<Option<ManagedPolicy>, SourceError> {
        let default = raw
            .policy_version_list
            .iter()
            .find(|v| v.is_default_version)
            .or_else(|| {
                let id = raw.default_version_id.as_deref()?;
                raw.policy_version_list
                    .iter()
                    .find(|v| v.version_id.as_deref() == Some(id))
            });
        let Some((version, text)) = default.and_then(|v| Some((v, v.document.as_ref()?))) else {
            self.gap(&raw.arn, DEFAULT_VERSION, NOT_IN_DETAILS);
            return Ok(None);
        };
        let Some(document) = self.decoded(text, &raw.arn, DEFAULT_VERSION)? else {
            return Ok(None);
        };
        let default_version_id = raw
            .default_version_id
            .clone()
            .or_else(|| version.version_id.clone())
            .unwrap_or_default();
        let name = raw
            .policy_name
            .unwrap_or_else(|| name_from_arn(&raw.arn).to_owned());
        Ok(Some(ManagedPolicy {
            aws_managed,
            name,
            path: raw.path,
            default_version_id,
            document,
            arn: raw.arn,
        }))
    }

    /// The text of `owner`'s document `what`, or `None` and a gap when it
    /// does not decode.
    fn decoded(
        &mut self,
        raw: &RawValue,
        owner: &str,
        what: &str,
    ) -> Result<Option<PolicyText>, SourceError> {
        match document(raw, self.path, || format!("{what} of `{owner}`"))? {
            Ok(text) => Ok(Some(text)),
            Err(err) => {
                tracing::warn!(
                    resource = owner,
                    what,
                    "policy document could not be decoded"
                );
                self.gap(owner, what, &err.to_string());
                Ok(None)
            }
        }
    }

    fn gap(&mut self, resource: &str, what: &str, reason: &str) {
        self.gaps.push(Gap {
            resource: resource.to_owned(),
            what: what.to_owned(),
            reason: reason.to_owned(),
        });
    }
}

fn attached_arns(list: Vec<RawAttached>) -> Vec<String> {
    list.into_iter().map(|a| a.policy_arn).collect()
}

fn used_policies<'a>(
    users: &'a [User],
    groups: &'a [Group],
    roles: &'a [Role],
) -> BTreeSet<&'a str> {
    let mut used = BTreeSet::new();
    for user in users {
        used.extend(user.attached_policies.iter().map(String::as_str));
        used.extend(user.permissions_boundary.as_deref());
    }
    for group in groups {
        used.extend(group.attached_policies.iter().map(String::as_str));
    }
    for role in roles {
        used.extend(role.attached_policies.iter().map(String::as_str));
        used.extend(role.permissions_boundary.as_deref());
    }
    used
}

/// The exact text of a policy document given as a JSON string or object.
///
/// `what` names the document in errors (`inline policy `p` of `arn``).
/// A string that does not percent-decode to text is the inner error: the
/// live source meets the same answer and records a gap.
pub fn document(
    raw: &RawValue,
    path: &Path,
    what: impl Fn() -> String,
) -> Result<Result<PolicyText, DecodeError>, SourceError> {
    let text = raw.get();
    let content = |message: &str| SourceError::Content {
        path: path.to_owned(),
        message: format!("{}: {message}", what()),
    };
    if text.starts_with('"') {
        let decoded: String =
            serde_json::from_str(text).map_err(|err| content(&err.to_string()))?;
        Ok(PolicyText::from_aws(&decoded))
    } else if text.starts_with('{') {
        Ok(Ok(PolicyText::new(dedent(text))))
    } else {
        Err(content(
            "policy document is neither a JSON object nor a string",
        ))
    }
}

/// Removes the indentation of the closing line from every continuation
/// line, when all of them carry it; otherwise returns the text unchanged.
fn dedent(text: &str) -> String {
    let Some(last) = text.rsplit('\n').next().filter(|_| text.contains('\n')) else {
        return text.to_owned();
    };
    let indent = last.strip_suffix(last.trim_start()).unwrap_or_default();
    if indent.is_empty() {
        return text.to_owned();
    }
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    out.push_str(first);
    for line in lines {
        let trimmed = line
            .strip_prefix(indent)
            .or_else(|| line.trim().is_empty().then_some(""));
        match trimmed {
            Some(rest) => {
                out.push('\n');
                out.push_str(rest);
            }
            None => return text.to_owned(),
        }
    }
    out
}

/// The partition and account of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`).
pub fn arn_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(_), Some(_), Some(account), Some(_)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!partition.is_empty() && !account.is_empty()).then_some((partition, account))
}

/// The last path segment of an ARN: a managed policy's name.
fn name_from_arn(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// An AWS timestamp as RFC 3339 in UTC (`2026-12-04T16:23:09.477932Z`).
///
/// The CLI prints timestamps as the service sent them (v1) or as ISO 8601
/// with an offset (v2); both become the same text, and the text the live
/// source makes of the same timestamp: in UTC, to the microsecond (the
/// SDK's precision), without trailing zeros. Text that is not RFC 3339 is
/// kept as it is.
pub fn normalize_date(text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|date| {
            let micros = date.nanosecond() / 1_000 * 1_000;
            date.replace_nanosecond(micros).ok()
        })
        .and_then(|date| date.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    fn doc(text: &str) -> String {
        document(&raw(text), Path::new("f.json"), || "x".to_owned())
            .unwrap()
            .unwrap()
            .as_str()
            .to_owned()
    }

    #[test]
    fn nested_object_loses_only_its_nesting_indent() {
        let text =
            "{\n            \"Version\": \"2012-10-17\",\n            \"Statement\": []\n        }";
        assert_eq!(
            doc(text),
            "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": []\n}"
        );
        assert_eq!(doc("{\"a\": 1}"), "{\"a\": 1}");
        // A line with less indentation than the closing one: left alone.
        let odd = "{\n\"a\": 1\n    }";
        assert_eq!(doc(odd), odd);
    }

    #[test]
    fn duplicate_keys_in_an_object_survive() {
        let text = "{\"Condition\": {\"StringEquals\": {\"a:sub\": \"1\"}, \"StringEquals\": {\"a:aud\": \"2\"}}}";
        assert_eq!(doc(text), text);
    }

    #[test]
    fn strings_are_unescaped_then_url_decoded() {
        assert_eq!(doc(r#""{\"a\": \"b+c\"}""#), "{\"a\": \"b+c\"}");
        assert_eq!(
            doc(r#""%7B%22a%22%3A%20%22b%2Bc%22%7D""#),
            "{\"a\": \"b+c\"}"
        );
    }

    #[test]
    fn other_documents_are_errors_naming_them() {
        let err = document(&raw("null"), Path::new("f.json"), || {
            "trust policy of `r`".to_owned()
        })
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "unexpected content in `f.json`: trust policy of `r`: policy document is neither a JSON object nor a string"
        );
        let undecodable = document(&raw("\"%FF\""), Path::new("f.json"), || "p".to_owned());
        assert_eq!(undecodable.unwrap(), Err(DecodeError));
    }

    #[test]
    fn arns_and_names() {
        assert_eq!(
            arn_account("arn:aws-cn:iam::111122223333:user/a/b"),
            Some(("aws-cn", "111122223333"))
        );
        assert_eq!(
            arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess").map(|a| a.1),
            Some("aws")
        );
        assert_eq!(arn_account("not:an:arn"), None);
        assert_eq!(
            name_from_arn("arn:aws:iam::111122223333:policy/team/dev-extra"),
            "dev-extra"
        );
    }

    #[test]
    fn dates_become_utc_rfc3339() {
        assert_eq!(
            normalize_date("2026-12-04T16:23:09.477932Z"),
            "2026-12-04T16:23:09.477932Z"
        );
        assert_eq!(
            normalize_date("2026-12-04T16:23:09.000Z"),
            "2026-12-04T16:23:09Z"
        );
        assert_eq!(
            normalize_date("2026-12-04T17:23:09+01:00"),
            "2026-12-04T16:23:09Z"
        );
        assert_eq!(
            normalize_date("2026-12-04T16:23:09.123456789Z"),
            "2026-12-04T16:23:09.123456Z"
        );
        assert_eq!(normalize_date("yesterday"), "yesterday");
    }

    const DETAILS: &str = r#"{
    "UserDetailList": [{
        "UserName": "u", "UserId": "AIDAEXAMPLE", "Arn": "arn:aws:iam::123456789012:user/u",
        "Path": "/", "CreateDate": "2026-01-01T00:00:00Z",
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%7D"}],
        "GroupList": ["g"],
        "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    }],
    "RoleDetailList": [{
        "RoleName": "r", "RoleId": "AROAEXAMPLE", "Arn": "arn:aws:iam::123456789012:role/r",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17"},
        "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
        "RoleLastUsed": {}
    }],
    "Policies": [
        {"Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "Path": "/", "DefaultVersionId": "v2",
         "PolicyVersionList": [{"Document": "{}", "VersionId": "v2", "IsDefaultVersion": true}]},
        {"Arn": "arn:aws:iam::aws:policy/PowerUserAccess", "Path": "/", "DefaultVersionId": "v1",
         "PolicyVersionList": [{"Document": "{}", "VersionId": "v1", "IsDefaultVersion": true}]},
        {"Arn": "arn:aws:iam::aws:policy/Unused", "Path": "/", "DefaultVersionId": "v1",
         "PolicyVersionList": [{"Document": "{}", "VersionId": "v1", "IsDefaultVersion": true}]},
        {"Arn": "arn:aws:iam::123456789012:policy/team/mine", "Path": "/team/", "DefaultVersionId": "v3",
         "PolicyVersionList": [
            {"Document": "{\"old\": 1}", "VersionId": "v1", "IsDefaultVersion": false},
            {"Document": {"new": 3}, "VersionId": "v3", "IsDefaultVersion": true}]}
    ]
}"#;

    #[test]
    fn managed_policies_keep_customer_and_used_aws_ones() {
        let details = parse_authorization_details(DETAILS.as_bytes(), Path::new("d.json")).unwrap();
        assert_eq!(details.account_id.as_deref(), Some("123456789012"));
        assert_eq!(details.partition.as_deref(), Some("aws"));
        let arns: Vec<_> = details.policies.iter().map(|p| p.arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/PowerUserAccess",
                "arn:aws:iam::123456789012:policy/team/mine"
            ]
        );
        let mine = &details.policies[2];
        assert_eq!(mine.name, "mine");
        assert!(!mine.aws_managed);
        assert_eq!(mine.default_version_id, "v3");
        assert_eq!(mine.document.as_str(), "{\"new\": 3}");
        assert!(details.policies[0].aws_managed);

        let user = &details.users[0];
        assert_eq!(user.inline_policies[0].document.as_str(), "{}");
        assert_eq!(user.groups, ["g"]);
        assert_eq!(
            user.access_keys,
            Fact::Unknown(NOT_IN_AUTH_DETAILS.to_owned())
        );
        let role = &details.roles[0];
        assert_eq!(role.path, "/");
        assert_eq!(role.last_used, None);
        assert_eq!(role.trust_policy.as_str(), "{\"Version\": \"2012-10-17\"}");
        assert_eq!(
            role.permissions_boundary.as_deref(),
            Some("arn:aws:iam::aws:policy/PowerUserAccess")
        );
    }

    #[test]
    fn missing_and_undecodable_documents_are_gaps_as_in_the_live_source() {
        let text = r#"{
    "Policies": [{"Arn": "arn:aws:iam::123456789012:policy/p", "DefaultVersionId": "v2",
        "PolicyVersionList": [{"Document": "{}", "VersionId": "v1", "IsDefaultVersion": false}]}],
    "RoleDetailList": [
        {"RoleName": "r", "RoleId": "AROA1", "Arn": "arn:aws:iam::123456789012:role/r",
         "RolePolicyList": [{"PolicyName": "bad", "PolicyDocument": "%FF"},
                            {"PolicyName": "good", "PolicyDocument": "%7B%7D"}]},
        {"RoleName": "s", "RoleId": "AROA2", "Arn": "arn:aws:iam::123456789012:role/s",
         "AssumeRolePolicyDocument": "%C3%28"}
    ]
}"#;
        let details = parse_authorization_details(text.as_bytes(), Path::new("d.json")).unwrap();
        assert_eq!(details.policies, []);
        let r = &details.roles[0];
        assert_eq!(r.trust_policy, PolicyText::default());
        let names: Vec<_> = r.inline_policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["good"]);
        assert_eq!(details.roles[1].trust_policy, PolicyText::default());

        let undecodable = DecodeError.to_string();
        let gap = |resource: &str, what: &str, reason: &str| Gap {
            resource: resource.to_owned(),
            what: what.to_owned(),
            reason: reason.to_owned(),
        };
        assert_eq!(
            details.gaps,
            [
                gap(
                    "arn:aws:iam::123456789012:role/r",
                    "trust policy",
                    NOT_IN_DETAILS
                ),
                gap(
                    "arn:aws:iam::123456789012:role/r",
                    "inline policy `bad`",
                    &undecodable
                ),
                gap(
                    "arn:aws:iam::123456789012:role/s",
                    "trust policy",
                    &undecodable
                ),
                gap(
                    "arn:aws:iam::123456789012:policy/p",
                    "default policy version",
                    NOT_IN_DETAILS
                ),
            ]
        );
    }

    #[test]
    fn a_missing_field_names_file_and_position() {
        let text = "{\"UserDetailList\": [\n  {\"UserName\": \"u\"}\n]}";
        let err = parse_authorization_details(text.as_bytes(), Path::new("d.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid JSON in `d.json` at line 2, column"),
            "{err}"
        );
        assert!(err.contains("missing field `UserId`"), "{err}");
    }
}
