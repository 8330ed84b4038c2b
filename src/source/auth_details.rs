//! The output of `aws iam get-account-authorization-details` on its own,
//! the file Parliament and Cloudsplaining read: an IAM-only inventory.
//!
//! The file holds users, groups, roles and managed policies with their
//! documents, and nothing else. Everything else putonly checks (OIDC
//! providers, access keys, console passwords, MFA devices, buckets, account
//! Block Public Access, access points) is recorded as unknown, with one gap
//! per area saying it is not in the file, so reports say what was not
//! checked instead of passing it. The account id comes from the ARNs.

use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::inventory::{Fact, Gap, Inventory};

use super::SourceError;
use super::iam_json;
pub use super::iam_json::NOT_IN_AUTH_DETAILS;

/// The source kind recorded in the inventory.
pub const SOURCE_KIND: &str = "auth-details";

/// Reads an authorization-details file.
///
/// The collection time is the file's modification time: the file itself
/// does not say when it was written.
pub fn load(path: &Path) -> Result<Inventory, SourceError> {
    let read_err = |source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read_err)?;
    let modified = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .map_err(read_err)?;
    let collected_at = OffsetDateTime::from(modified)
        .format(&Rfc3339)
        .unwrap_or_default();
    parse(&bytes, path, &collected_at)
}

/// Parses authorization-details bytes; `path` is used in errors only.
pub fn parse(bytes: &[u8], path: &Path, collected_at: &str) -> Result<Inventory, SourceError> {
    let details = iam_json::parse_authorization_details(bytes, path)?;
    let Some(account_id) = details.account_id else {
        return Err(SourceError::Content {
            path: path.to_owned(),
            message: "cannot tell the account id: no user, group, role or customer-managed policy"
                .to_owned(),
        });
    };

    let mut inventory = Inventory::new(&account_id, SOURCE_KIND, collected_at);
    if let Some(partition) = details.partition {
        inventory.partition = partition;
    }
    inventory.users = details.users;
    inventory.groups = details.groups;
    inventory.roles = details.roles;
    inventory.policies = details.policies;

    let unknown = || NOT_IN_AUTH_DETAILS.to_owned();
    inventory.oidc_providers = Fact::Unknown(unknown());
    inventory.buckets = Fact::Unknown(unknown());
    inventory.account_public_access_block = Fact::Unknown(unknown());
    inventory.access_points = Fact::Unknown(unknown());
    inventory.gaps = details.gaps;
    inventory.gaps.extend(
        [
            ("iam", "OIDC identity providers"),
            (
                "iam",
                "access keys, console passwords and MFA devices of users",
            ),
            ("iam", "maximum session duration of roles"),
            ("s3", "buckets and their settings"),
            ("s3control", "account Block Public Access and access points"),
        ]
        .into_iter()
        .map(|(resource, what)| Gap {
            resource: resource.to_owned(),
            what: what.to_owned(),
            reason: NOT_IN_AUTH_DETAILS.to_owned(),
        }),
    );

    inventory.normalize();
    tracing::info!(
        file = %path.display(),
        users = inventory.users.len(),
        roles = inventory.roles.len(),
        "read authorization details"
    );
    tracing::warn!(
        "an authorization-details file has only IAM principals and policies: OIDC providers, \
         access keys, buckets and access points are not checked"
    );
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_outside_iam_is_unknown_and_listed() {
        let text = r#"{"RoleDetailList": [{"RoleName": "r", "RoleId": "AROAEXAMPLE",
            "Arn": "arn:aws-us-gov:iam::111122223333:role/r",
            "AssumeRolePolicyDocument": "%7B%7D"}]}"#;
        let inv = parse(text.as_bytes(), Path::new("a.json"), "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(inv.account_id, "111122223333");
        assert_eq!(inv.partition, "aws-us-gov");
        assert_eq!(inv.source.kind, "auth-details");
        assert_eq!(inv.buckets.unknown_reason(), Some(NOT_IN_AUTH_DETAILS));
        assert_eq!(
            inv.oidc_providers.unknown_reason(),
            Some(NOT_IN_AUTH_DETAILS)
        );
        assert_eq!(inv.gaps.len(), 5);
        assert!(inv.gaps.iter().all(|g| g.reason == NOT_IN_AUTH_DETAILS));
    }

    #[test]
    fn a_file_without_principals_has_no_account() {
        let err = parse(b"{\"UserDetailList\": []}", Path::new("a.json"), "")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "unexpected content in `a.json`: cannot tell the account id: no user, group, role or customer-managed policy"
        );
    }
}
