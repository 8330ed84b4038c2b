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
//!
//! Scans of many accounts make a few more calls with the caller's own
//! credentials, before and around the audited accounts' roles:
//! [`CALLER_OPERATIONS`], published as `docs/putonly-caller-policy.json`.
//! The audited role needs none of them.

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
    op(
        "IAM",
        "GenerateCredentialReport",
        Some("iam:GenerateCredentialReport"),
    ),
    op(
        "IAM",
        "GetCredentialReport",
        Some("iam:GetCredentialReport"),
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

/// The operations a scan of many accounts makes with the caller's own
/// credentials (`--accounts`, `--organization`): who the caller is, the
/// accounts of the organization, and the assume-role call that gets each
/// audited account's credentials. `sts:AssumeRole` is made by the SDK's
/// credential provider, whose client carries no guard; it is listed so that
/// the caller's policy says what is called.
pub const CALLER_OPERATIONS: &[ReadOperation] = &[
    op("STS", "GetCallerIdentity", Some("sts:GetCallerIdentity")),
    op("STS", "AssumeRole", Some("sts:AssumeRole")),
    op(
        "Organizations",
        "ListAccounts",
        Some("organizations:ListAccounts"),
    ),
];

/// The allowlisted operation `name` of `sdk_service`, if any.
pub fn read_operation(sdk_service: &str, name: &str) -> Option<&'static ReadOperation> {
    find(READ_OPERATIONS, sdk_service, name)
}

/// The caller's operation `name` of `sdk_service`, if any.
pub fn caller_operation(sdk_service: &str, name: &str) -> Option<&'static ReadOperation> {
    find(CALLER_OPERATIONS, sdk_service, name)
}

fn find(
    list: &'static [ReadOperation],
    sdk_service: &str,
    name: &str,
) -> Option<&'static ReadOperation> {
    list.iter()
        .find(|op| op.sdk_service == sdk_service && op.name == name)
}

/// The IAM actions of the caller's own calls, sorted.
pub fn caller_actions() -> Vec<&'static str> {
    actions_of(CALLER_OPERATIONS)
}

/// The IAM actions the scan needs, sorted, without repeats.
pub fn iam_actions() -> Vec<&'static str> {
    actions_of(READ_OPERATIONS)
}

fn actions_of(list: &[ReadOperation]) -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = list.iter().filter_map(|op| op.iam_action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// Fails, before anything is sent, every operation that is not in its
/// list: [`READ_ONLY_GUARD`] ([`READ_OPERATIONS`]) for the audited account's
/// clients, [`CALLER_GUARD`] ([`CALLER_OPERATIONS`]) for the clients that use
/// the caller's own credentials (Organizations).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationGuard {
    name: &'static str,
    list: &'static [ReadOperation],
    /// What the list is, in a refusal.
    what: &'static str,
}

pub(crate) const READ_ONLY_GUARD: OperationGuard = OperationGuard {
    name: "PutonlyReadOnlyGuard",
    list: READ_OPERATIONS,
    what: "read operations",
};

pub(crate) const CALLER_GUARD: OperationGuard = OperationGuard {
    name: "PutonlyCallerGuard",
    list: CALLER_OPERATIONS,
    what: "the caller's operations",
};

impl OperationGuard {
    fn check(&self, service: &str, operation: &str) -> Result<(), BoxError> {
        if find(self.list, service, operation).is_some() {
            return Ok(());
        }
        Err(format!(
            "refusing to call `{service} {operation}`: not in putonly's list of {}",
            self.what
        )
        .into())
    }
}

impl Intercept for OperationGuard {
    fn name(&self) -> &'static str {
        self.name
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
        self.check(metadata.service(), metadata.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_operations_pass_and_others_are_refused() {
        assert!(READ_ONLY_GUARD.check("IAM", "ListRoles").is_ok());
        assert!(
            READ_ONLY_GUARD
                .check("S3 Control", "GetAccessPointPolicy")
                .is_ok()
        );
        let refused = READ_ONLY_GUARD
            .check("S3", "PutBucketPolicy")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("`S3 PutBucketPolicy`"), "{refused}");
        // The S3 name does not allow the S3 Control operation of that name.
        assert!(READ_ONLY_GUARD.check("S3", "GetAccessPoint").is_err());
    }

    #[test]
    fn only_reads_are_listed() {
        // AssumeRole reads nothing of the account: it only turns the
        // caller's credentials into the audited role's.
        let reads = CALLER_OPERATIONS
            .iter()
            .filter(|op| op.name != "AssumeRole");
        // GenerateCredentialReport changes nothing of the account: it has
        // IAM refresh the credential report when the last one is over four
        // hours old. AWS's IAMReadOnlyAccess policy grants it.
        let reads = reads.filter(|op| op.name != "GenerateCredentialReport");
        let own = READ_OPERATIONS
            .iter()
            .filter(|op| op.name != "GenerateCredentialReport");
        for op in own.chain(reads) {
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
            .interceptor(READ_ONLY_GUARD)
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
