//! The one list of AWS operations the scanner may call, and the interceptor
//! that refuses any other.
//!
//! Every SDK client of the live source carries a read-only guard: before an
//! operation is serialized (nothing is sent yet) it looks the operation up in
//! [`READ_OPERATIONS`] and fails the call, with the operation's name, when
//! it is not there. `scripts/dump-account.sh` calls the same operations
//! through the AWS CLI; `tests/read_only.rs` records what both send to the
//! emulator and checks it against this list, and
//! `docs/putonly-read-only-policy.json` holds exactly the IAM actions named
//! here.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// One read operation of an AWS API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOperation {
    /// The service as the AWS SDKs name it (`IAM`, `S3`, `S3 Control`,
    /// `STS`).
    pub sdk_service: &'static str,
    /// The API operation (`ListRoles`), as in the SDKs and the AWS CLI
    /// (which spells it in kebab case, `list-roles`).
    pub name: &'static str,
    /// The IAM action that authorizes it, `None` when none is needed.
    pub iam_action: Option<&'static str>,
}

const fn op(
    sdk_service: &'static str,
    name: &'static str,
    iam_action: Option<&'static str>,
) -> ReadOperation {
    ReadOperation {
        sdk_service,
        name,
        iam_action,
    }
}

/// Every operation the scanner may call, and nothing else.
///
/// `sts:AssumeRole`, made by the SDK's credential provider when a role is
/// given, is not a call of the scan itself and is not listed.
pub const READ_OPERATIONS: &[ReadOperation] = &[
    // Always allowed by AWS; listed so that the policy says what is called.
    op("STS", "GetCallerIdentity", Some("sts:GetCallerIdentity")),
    op(
        "IAM",
        "GetAccountAuthorizationDetails",
        Some("iam:GetAccountAuthorizationDetails"),
    ),
    op("IAM", "ListRoles", Some("iam:ListRoles")),
    op(
        "IAM",
        "ListOpenIDConnectProviders",
        Some("iam:ListOpenIDConnectProviders"),
    ),
    op(
        "IAM",
        "GetOpenIDConnectProvider",
        Some("iam:GetOpenIDConnectProvider"),
    ),
    op("IAM", "ListAccessKeys", Some("iam:ListAccessKeys")),
    op(
        "IAM",
        "GetAccessKeyLastUsed",
        Some("iam:GetAccessKeyLastUsed"),
    ),
    op("IAM", "GetLoginProfile", Some("iam:GetLoginProfile")),
    op("IAM", "ListMFADevices", Some("iam:ListMFADevices")),
    op("S3", "ListBuckets", Some("s3:ListAllMyBuckets")),
    op("S3", "GetBucketLocation", Some("s3:GetBucketLocation")),
    op("S3", "GetBucketPolicy", Some("s3:GetBucketPolicy")),
    op(
        "S3",
        "GetPublicAccessBlock",
        Some("s3:GetBucketPublicAccessBlock"),
    ),
    op(
        "S3",
        "GetBucketOwnershipControls",
        Some("s3:GetBucketOwnershipControls"),
    ),
    op(
        "S3",
        "GetBucketEncryption",
        Some("s3:GetEncryptionConfiguration"),
    ),
    op("S3", "GetBucketVersioning", Some("s3:GetBucketVersioning")),
    op("S3", "GetBucketAcl", Some("s3:GetBucketAcl")),
    op(
        "S3 Control",
        "GetPublicAccessBlock",
        Some("s3:GetAccountPublicAccessBlock"),
    ),
    op(
        "S3 Control",
        "ListAccessPoints",
        Some("s3:ListAccessPoints"),
    ),
    op("S3 Control", "GetAccessPoint", Some("s3:GetAccessPoint")),
    op(
        "S3 Control",
        "GetAccessPointPolicy",
        Some("s3:GetAccessPointPolicy"),
    ),
];

/// The allowlisted operation `name` of `sdk_service`, if any.
pub fn read_operation(sdk_service: &str, name: &str) -> Option<&'static ReadOperation> {
    READ_OPERATIONS
        .iter()
        .find(|op| op.sdk_service == sdk_service && op.name == name)
}

/// The IAM actions the scan needs, sorted, without repeats.
pub fn iam_actions() -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = READ_OPERATIONS
        .iter()
        .filter_map(|op| op.iam_action)
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// Fails every operation that is not in [`READ_OPERATIONS`] before
/// anything is sent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadOnlyGuard;

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "PutonlyReadOnlyGuard"
    }

    // Not `read_before_execution`: a client's interceptors run that before
    // the operation has put its name in the config bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Err("refusing an AWS call whose operation is not named".into());
        };
        check(metadata.service(), metadata.name())
    }
}

fn check(service: &str, operation: &str) -> Result<(), BoxError> {
    if read_operation(service, operation).is_some() {
        return Ok(());
    }
    Err(format!(
        "refusing to call `{service} {operation}`: not in putonly's list of read operations"
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_operations_pass_and_others_are_refused() {
        assert!(check("IAM", "ListRoles").is_ok());
        assert!(check("S3 Control", "GetAccessPointPolicy").is_ok());
        let refused = check("S3", "PutBucketPolicy").unwrap_err().to_string();
        assert!(refused.contains("`S3 PutBucketPolicy`"), "{refused}");
        // The S3 name does not allow the S3 Control operation of that name.
        assert!(check("S3", "GetAccessPoint").is_err());
    }

    #[test]
    fn only_reads_are_listed() {
        for op in READ_OPERATIONS {
            assert!(
                op.name.starts_with("Get") || op.name.starts_with("List"),
                "{op:?}"
            );
            if let Some(action) = op.iam_action {
                let verb = action.split_once(':').map(|(_, v)| v).unwrap_or("");
                assert!(
                    verb.starts_with("Get") || verb.starts_with("List"),
                    "{op:?}"
                );
            }
        }
    }

    /// A write through a guarded SDK client fails before anything is sent:
    /// the endpoint is a loopback port nobody needs to listen on.
    #[tokio::test]
    async fn the_guard_refuses_a_write_before_sending_it() {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .endpoint_url("http://127.0.0.1:9")
            .force_path_style(true)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .interceptor(ReadOnlyGuard)
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        let error = client
            .put_bucket_policy()
            .bucket("b")
            .policy("{}")
            .send()
            .await
            .unwrap_err();
        let chain = format!("{:?}", error);
        assert!(
            chain.contains("refusing to call `S3 PutBucketPolicy`"),
            "{chain}"
        );
    }
}
