//! The JSON shapes the AWS CLI prints for the commands of a dump, limited
//! to the fields putonly reads. Unknown fields are ignored: AWS adds fields
//! over time, and the CLI prints whatever the service sent.

use serde::Deserialize;

use crate::inventory::{AclGrant, LastUsed, PublicAccessBlock};
use crate::source::{iam_json, normalize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAccessKeys {
    #[serde(default)]
    pub(super) access_key_metadata: Vec<RawAccessKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAccessKey {
    pub(super) access_key_id: String,
    pub(super) status: String,
    #[serde(default)]
    pub(super) create_date: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawKeyLastUsed {
    pub(super) access_key_last_used: Option<RawLastUsed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawLastUsed {
    pub(super) last_used_date: Option<String>,
    pub(super) service_name: Option<String>,
    pub(super) region: Option<String>,
}

impl RawLastUsed {
    /// `None` for a key never used (no date; service and region `N/A`).
    pub(super) fn into_last_used(self) -> Option<LastUsed> {
        Some(LastUsed {
            date: iam_json::normalize_date(&self.last_used_date?),
            service: normalize::known_value(self.service_name),
            region: normalize::known_value(self.region),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawMfaDevices {
    #[serde(default, rename = "MFADevices")]
    pub(super) mfa_devices: Vec<RawMfaDevice>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawMfaDevice {
    pub(super) serial_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawRoles {
    #[serde(default)]
    pub(super) roles: Vec<RawRoleEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawRoleEntry {
    pub(super) role_name: String,
    pub(super) max_session_duration: Option<i32>,
}

#[derive(Deserialize)]
pub(super) struct RawOidcList {
    #[serde(default, rename = "OpenIDConnectProviderList")]
    pub(super) open_id_connect_provider_list: Vec<RawOidcEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOidcEntry {
    pub(super) arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOidcProvider {
    pub(super) url: String,
    #[serde(default, rename = "ClientIDList")]
    pub(super) client_id_list: Vec<String>,
    #[serde(default)]
    pub(super) thumbprint_list: Vec<String>,
    #[serde(default)]
    pub(super) create_date: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawBucketList {
    #[serde(default)]
    pub(super) buckets: Vec<RawBucketEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawBucketEntry {
    pub(super) name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawLocation {
    pub(super) location_constraint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawPolicyText {
    pub(super) policy: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawPabResponse {
    pub(super) public_access_block_configuration: RawPab,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawPab {
    #[serde(default)]
    pub(super) block_public_acls: bool,
    #[serde(default)]
    pub(super) ignore_public_acls: bool,
    #[serde(default)]
    pub(super) block_public_policy: bool,
    #[serde(default)]
    pub(super) restrict_public_buckets: bool,
}

impl From<RawPab> for PublicAccessBlock {
    fn from(raw: RawPab) -> Self {
        PublicAccessBlock {
            block_public_acls: raw.block_public_acls,
            ignore_public_acls: raw.ignore_public_acls,
            block_public_policy: raw.block_public_policy,
            restrict_public_buckets: raw.restrict_public_buckets,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOwnershipResponse {
    pub(super) ownership_controls: RawOwnershipControls,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOwnershipControls {
    #[serde(default)]
    pub(super) rules: Vec<RawOwnershipRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOwnershipRule {
    pub(super) object_ownership: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawEncryptionResponse {
    pub(super) server_side_encryption_configuration: RawEncryptionConfiguration,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawEncryptionConfiguration {
    #[serde(default)]
    pub(super) rules: Vec<RawEncryptionRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawEncryptionRule {
    pub(super) apply_server_side_encryption_by_default: Option<RawEncryptionDefault>,
}

#[derive(Deserialize)]
pub(super) struct RawEncryptionDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub(super) sse_algorithm: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawVersioning {
    pub(super) status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAcl {
    #[serde(default)]
    pub(super) grants: Vec<RawGrant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawGrant {
    pub(super) grantee: RawGrantee,
    pub(super) permission: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawGrantee {
    #[serde(rename = "ID")]
    pub(super) id: Option<String>,
    #[serde(rename = "URI")]
    pub(super) uri: Option<String>,
    pub(super) email_address: Option<String>,
    #[serde(rename = "Type")]
    pub(super) kind: String,
}

impl From<RawGrant> for AclGrant {
    fn from(raw: RawGrant) -> Self {
        let grantee = raw.grantee;
        AclGrant {
            grantee: grantee
                .id
                .or(grantee.uri)
                .or(grantee.email_address)
                .unwrap_or_default(),
            grantee_type: grantee.kind,
            permission: raw.permission,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAccessPointList {
    #[serde(default)]
    pub(super) access_point_list: Vec<RawAccessPointEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAccessPointEntry {
    pub(super) name: String,
    pub(super) bucket: String,
    pub(super) network_origin: Option<String>,
    pub(super) access_point_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawAccessPoint {
    pub(super) network_origin: Option<String>,
    pub(super) public_access_block_configuration: Option<RawPab>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_never_used_key_has_no_last_use() {
        let raw: RawKeyLastUsed = serde_json::from_str(
            r#"{"UserName": "u", "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}"#,
        )
        .unwrap();
        assert_eq!(
            raw.access_key_last_used
                .and_then(RawLastUsed::into_last_used),
            None
        );
        let raw: RawLastUsed = serde_json::from_str(
            r#"{"LastUsedDate": "2026-01-02T03:04:05+00:00", "ServiceName": "s3", "Region": "N/A"}"#,
        )
        .unwrap();
        assert_eq!(
            raw.into_last_used(),
            Some(LastUsed {
                date: "2026-01-02T03:04:05Z".to_owned(),
                service: Some("s3".to_owned()),
                region: None,
            })
        );
    }
}
