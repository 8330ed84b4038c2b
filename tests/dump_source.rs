//! The AWS CLI dump and authorization-details sources, on dumps written by
//! `scripts/dump-account.sh` (against the emulator, and offline with a fake
//! `aws`) and on authorization-details files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly on a broken fixture"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use putonly::config::Config;
use putonly::inventory::{AccessKey, AclGrant, Fact, Gap, Inventory, LastUsed, PublicAccessBlock};
use putonly::source::{auth_details, dump};

const ACCOUNT: &str = "111122223333";
const AUDIENCE: &str = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    root().join("examples/guide-account")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A writable copy of the example dump.
fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dump");
    copy_dir(&example(), &dir);
    (tmp, dir)
}

fn all_on() -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    }
}

/// The guide's PutObject policy exactly as put: the dump keeps IAM
/// documents as IAM returns them.
const GUIDE_PUT_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/*"
    }
  ]
}"#;

/// The guide's bucket policy exactly as put (S3 returns it verbatim).
const GUIDE_BUCKET_POLICY: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPrefixedWrites",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::111122223333:user/videsk-connector"
            },
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
        },
        {
            "Sid": "DenyNonPrefixedWrites",
            "Effect": "Deny",
            "Principal": {
                "AWS": "arn:aws:iam::111122223333:user/videsk-connector"
            },
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::rec-bucket/*",
            "Condition": {
                "StringNotLikeIfExists": {
                    "s3:prefix": [
                        "uploads/*"
                    ]
                }
            }
        }
    ]
}"#;

const AUDIENCE_ONLY_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "accounts.google.com:aud": "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
        }
      }
    }
  ]
}"#;

#[test]
fn example_dump_reads_by_value() {
    let inv = dump::load(&example()).unwrap();
    assert_eq!(inv.account_id, ACCOUNT);
    assert_eq!(inv.partition, "aws");
    assert_eq!(inv.source.kind, "dump");
    assert!(inv.source.collected_at.ends_with('Z'));
    assert_eq!(inv.gaps, []);

    // Path A: the user, its inline policy and its one key.
    assert_eq!(inv.users.len(), 1);
    let user = inv.user("videsk-connector").unwrap();
    assert_eq!(user.arn, "arn:aws:iam::111122223333:user/videsk-connector");
    assert_eq!(user.path, "/");
    assert_eq!(user.inline_policies.len(), 1);
    assert_eq!(user.inline_policies[0].name, "videsk-put-recordings");
    assert_eq!(user.inline_policies[0].document.as_str(), GUIDE_PUT_POLICY);
    assert_eq!(user.attached_policies, Vec::<String>::new());
    assert_eq!(user.groups, Vec::<String>::new());
    let Fact::Present(keys) = &user.access_keys else {
        panic!("{:?}", user.access_keys)
    };
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id, "AKIARTX3GSDS6BBMLDYJ");
    assert_eq!(keys[0].status, "Active");
    assert!(
        keys[0].create_date.starts_with("2026-"),
        "{}",
        keys[0].create_date
    );
    assert_eq!(keys[0].last_used, Fact::Absent);
    assert_eq!(user.console_password, Fact::Present(false));
    assert_eq!(user.mfa_devices, Fact::Present(vec![]));

    // The bucket and its settings.
    let bucket = inv.bucket("rec-bucket").unwrap();
    assert_eq!(bucket.region, Fact::Present("us-west-1".to_owned()));
    assert_eq!(bucket.policy.value().unwrap().as_str(), GUIDE_BUCKET_POLICY);
    assert_eq!(bucket.public_access_block, Fact::Present(all_on()));
    assert_eq!(
        bucket.ownership,
        Fact::Present("BucketOwnerEnforced".to_owned())
    );
    assert_eq!(bucket.encryption, Fact::Present(vec!["AES256".to_owned()]));
    assert_eq!(bucket.versioning, Fact::Absent);
    // The dump holds the owner's FULL_CONTROL grant, but with ACLs
    // disabled (BucketOwnerEnforced) no grant counts, as the live source,
    // which does not read them then, records it.
    assert_eq!(bucket.acl, Fact::Present(vec![]));
    assert_eq!(inv.account_public_access_block, Fact::Present(all_on()));

    // Path B: the provider, the role and its attached policy.
    let Fact::Present(providers) = &inv.oidc_providers else {
        panic!("{:?}", inv.oidc_providers)
    };
    assert_eq!(providers.len(), 1);
    assert_eq!(
        providers[0].arn,
        "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
    );
    assert_eq!(providers[0].url, "accounts.google.com");
    assert_eq!(providers[0].client_ids, [AUDIENCE]);
    assert_eq!(
        providers[0].thumbprints,
        ["1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
    );
    let role = inv.role("videsk-connector-oidc").unwrap();
    assert_eq!(role.trust_policy.as_str(), AUDIENCE_ONLY_TRUST);
    assert_eq!(role.max_session_duration, Some(3600));
    assert_eq!(role.last_used, None);
    assert_eq!(
        role.attached_policies,
        ["arn:aws:iam::111122223333:policy/videsk-connector-put"]
    );
    // moto leaves out PolicyName: the name comes from the ARN.
    let policy = inv
        .policy("arn:aws:iam::111122223333:policy/videsk-connector-put")
        .unwrap();
    assert_eq!(policy.name, "videsk-connector-put");
    assert!(!policy.aws_managed);
    assert_eq!(policy.default_version_id, "v1");
    assert_eq!(policy.document.as_str(), GUIDE_PUT_POLICY);

    // The access point the guide asks for.
    let Fact::Present(points) = &inv.access_points else {
        panic!("{:?}", inv.access_points)
    };
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].name, "rec-ap");
    assert_eq!(points[0].bucket, "rec-bucket");
    assert_eq!(points[0].network_origin, "Internet");
    assert_eq!(points[0].policy, Fact::Absent);
    assert_eq!(points[0].public_access_block, Fact::Present(all_on()));
}

#[test]
fn example_config_names_both_connectors() {
    let config = Config::load(&root().join("examples/putonly.toml")).unwrap();
    let names: Vec<_> = config
        .connectors
        .iter()
        .map(|c| c.principal.as_str())
        .collect();
    assert_eq!(names, ["videsk-connector", "videsk-connector-oidc"]);
    assert!(config.connectors.iter().all(|c| c.prefix == "uploads/"));
    assert_eq!(config.connectors[1].oidc().unwrap().audience, AUDIENCE);
}

#[test]
fn seeded_dump_reads_every_kind_of_fact() {
    let inv = dump::load(&fixture("dump/seeded-account")).unwrap();
    assert_eq!(inv.gaps, []);
    let names: Vec<_> = inv.users.iter().map(|u| u.name.as_str()).collect();
    // Sorted by ARN: bob lives under `/staff/`.
    assert_eq!(names, ["alice", "carol", "bob", "videsk-connector"]);

    let alice = inv.user("alice").unwrap();
    assert_eq!(alice.console_password, Fact::Present(true));
    assert_eq!(
        alice.mfa_devices,
        Fact::Present(vec!["arn:aws:iam::111122223333:mfa/alice".to_owned()])
    );
    let connector = inv.user("videsk-connector").unwrap();
    assert_eq!(connector.console_password, Fact::Present(true));
    assert_eq!(connector.access_keys.value().map(Vec::len), Some(2));
    let carol = inv.user("carol").unwrap();
    assert_eq!(carol.groups, ["auditors", "developers"]);
    assert_eq!(
        carol.attached_policies,
        ["arn:aws:iam::111122223333:policy/team/dev-read-logs"]
    );
    let developers = inv.group("developers").unwrap();
    assert_eq!(developers.inline_policies[0].name, "no-delete");

    let deployer = inv.role("ci-deployer").unwrap();
    assert_eq!(deployer.max_session_duration, Some(7200));
    assert_eq!(
        deployer.permissions_boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/developer-boundary")
    );
    // Spaces, `+`, `%20` and non-ASCII text come through the CLI intact.
    let lambda = inv.role("lambda-exec").unwrap();
    assert_eq!(lambda.path, "/service-role/");
    let text = lambda.inline_policies[0].document.as_str();
    assert!(
        text.contains(r#""Resource": "arn:aws:s3:::analytics-eu/reports 2024+/*","#),
        "{text}"
    );
    assert!(
        text.contains(r#""aws:UserAgent": "café+batch %20 job""#),
        "{text}"
    );
    let names: Vec<_> = inv.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "developer-boundary",
            "dev-read-logs",
            "unused-legacy",
            "videsk-connector-put"
        ]
    );

    // us-east-1 answers an empty location; settings never made are absent.
    let logs = inv.bucket("app-logs").unwrap();
    assert_eq!(logs.region, Fact::Present("us-east-1".to_owned()));
    assert_eq!(logs.policy, Fact::Absent);
    assert_eq!(logs.public_access_block, Fact::Absent);
    assert_eq!(logs.ownership, Fact::Absent);
    assert_eq!(logs.encryption, Fact::Absent);
    let eu = inv.bucket("analytics-eu").unwrap();
    assert_eq!(eu.region, Fact::Present("eu-west-1".to_owned()));
    assert_eq!(eu.versioning, Fact::Present("Enabled".to_owned()));
    assert_eq!(eu.encryption, Fact::Present(vec!["aws:kms".to_owned()]));
    assert_eq!(inv.account_public_access_block, Fact::Absent);

    // moto lists every access point in every region; each is kept once.
    let Fact::Present(points) = &inv.access_points else {
        panic!("{:?}", inv.access_points)
    };
    let names: Vec<_> = points.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["logs-ap", "rec-ap"]);
    assert_eq!(
        points[0].policy.value().unwrap().as_str(),
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\n        \"AWS\": \"arn:aws:iam::111122223333:user/alice\"\n      },\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"arn:aws:s3:us-east-1:111122223333:accesspoint/logs-ap/object/*\"\n    }\n  ]\n}"
    );
}

fn add_failure(dir: &Path, file: &str, command: &str, error: &str) {
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["failures"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "file": file, "command": command, "error": error,
        }));
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn recorded_failures_become_unknown_facts_and_gaps() {
    let (_tmp, dir) = example_copy();
    let message = "\nAn error occurred (AccessDenied) when calling the GetBucketPolicy operation: Access Denied\n";
    fs::remove_file(dir.join("s3/buckets/rec-bucket/policy.json")).unwrap();
    fs::write(dir.join("s3/buckets/rec-bucket/policy.error"), message).unwrap();
    add_failure(
        &dir,
        "s3/buckets/rec-bucket/policy.json",
        "aws s3api get-bucket-policy --bucket rec-bucket --region us-west-1",
        message.trim(),
    );
    // A failure the reader has no field for, and a file that vanished.
    add_failure(
        &dir,
        "iam/roles.json",
        "aws iam list-roles",
        "Throttling: Rate exceeded",
    );
    fs::remove_file(dir.join("iam/users/videsk-connector/mfa-devices.json")).unwrap();

    let inv = dump::load(&dir).unwrap();
    let bucket = inv.bucket("rec-bucket").unwrap();
    assert_eq!(
        bucket.policy,
        Fact::Unknown("AccessDenied: Access Denied".to_owned())
    );
    assert_eq!(
        inv.user("videsk-connector").unwrap().mfa_devices,
        Fact::Unknown(
            "`iam/users/videsk-connector/mfa-devices.json` is missing from the dump".to_owned()
        )
    );
    assert_eq!(
        inv.gaps,
        [Gap {
            resource: "iam/roles.json".to_owned(),
            what: "aws iam list-roles".to_owned(),
            reason: "Throttling: Rate exceeded".to_owned(),
        }]
    );
}

#[test]
fn s3control_not_collected_is_unknown_with_the_reason() {
    let (_tmp, dir) = example_copy();
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["s3control"] =
        serde_json::json!({"collected": false, "reason": "skipped with --no-s3control"});
    fs::write(&path, manifest.to_string()).unwrap();

    let inv = dump::load(&dir).unwrap();
    let reason = "S3 Control was not collected: skipped with --no-s3control";
    assert_eq!(inv.access_points, Fact::Unknown(reason.to_owned()));
    assert_eq!(
        inv.account_public_access_block,
        Fact::Unknown(reason.to_owned())
    );
    assert_eq!(inv.gaps.len(), 1);
    assert_eq!(inv.gaps[0].resource, "s3control");
}

#[test]
fn missing_required_files_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let err = dump::load(tmp.path()).unwrap_err().to_string();
    let manifest = tmp.path().join("manifest.json");
    assert!(
        err.starts_with(&format!("cannot read `{}`: ", manifest.display())),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    let (_tmp, dir) = example_copy();
    let details = dir.join("iam/authorization-details.json");
    fs::remove_file(&details).unwrap();
    let err = dump::load(&dir).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot read `{}`: ", details.display())),
        "{err}"
    );
    fs::write(
        dir.join("iam/authorization-details.error"),
        "\nAn error occurred (AccessDenied) when calling the GetAccountAuthorizationDetails operation: denied\n",
    )
    .unwrap();
    let err = dump::load(&dir).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "unexpected content in `{}`: was not collected: AccessDenied: denied",
            details.display()
        )
    );
}

#[test]
fn truncated_json_names_file_line_and_column() {
    let (_tmp, dir) = example_copy();
    let acl = dir.join("s3/buckets/rec-bucket/acl.json");
    let text = fs::read_to_string(&acl).unwrap();
    // Cut inside the third line.
    let cut: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
    fs::write(&acl, &cut[..cut.len() - 3]).unwrap();
    let err = dump::load(&dir).unwrap_err().to_string();
    let third = cut.lines().nth(2).unwrap();
    assert_eq!(
        err,
        format!(
            "invalid JSON in `{}` at line 3, column {}: EOF while parsing a string",
            acl.display(),
            third.len() - 3
        )
    );

    let details = dir.join("iam/authorization-details.json");
    fs::write(&details, "{\"UserDetailList\": [\n  {\"UserName\": ").unwrap();
    let err = dump::load(&dir).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "invalid JSON in `{}` at line 2, column ",
            details.display()
        )),
        "{err}"
    );
}

/// Every file under `dir`, by `/`-separated path relative to it.
fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(at) = pending.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_str().unwrap();
                files.insert(rel.replace('\\', "/"), fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn a_dump_in_memory_reads_like_the_directory() {
    for dir in [example(), fixture("dump/seeded-account")] {
        let mut files = files_of(&dir);
        let from_disk = dump::load(&dir).unwrap();
        let in_memory = dump::parse_files(&dir, &files).unwrap();
        assert_eq!(
            putonly::source::snapshot::to_string(&in_memory),
            putonly::source::snapshot::to_string(&from_disk),
            "{}",
            dir.display()
        );

        // Errors name the same files, with the same positions.
        files.insert(
            "s3/buckets.json".to_owned(),
            b"{\n  \"Buckets\": [".to_vec(),
        );
        let err = dump::parse_files(&dir, &files).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "invalid JSON in `{}` at line 2, column 14: EOF while parsing a list",
                dir.join("s3/buckets.json").display()
            )
        );
        files.remove("manifest.json");
        let err = dump::parse_files(&dir, &files).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "cannot read `{}`: ",
                dir.join("manifest.json").display()
            )),
            "{err}"
        );
    }
}

#[test]
fn a_newer_dump_format_is_refused() {
    let (_tmp, dir) = example_copy();
    let path = dir.join("manifest.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("\"format_version\": 1", "\"format_version\": 2"),
    )
    .unwrap();
    let err = dump::load(&dir).unwrap_err().to_string();
    assert!(
        err.ends_with("dump format version 2 is not supported (this putonly reads version 1)"),
        "{err}"
    );
}

// Authorization-details files.

fn iam_part(inv: &Inventory) -> String {
    let mut inv = inv.clone();
    for user in &mut inv.users {
        user.access_keys = Fact::Absent;
        user.console_password = Fact::Absent;
        user.mfa_devices = Fact::Absent;
    }
    for role in &mut inv.roles {
        role.max_session_duration = None;
    }
    serde_json::to_string_pretty(&(&inv.users, &inv.groups, &inv.roles, &inv.policies)).unwrap()
}

#[test]
fn cli_authorization_details_read_like_the_dump() {
    // The file the real AWS CLI wrote against the emulator, inside the dump.
    let path = fixture("dump/seeded-account/iam/authorization-details.json");
    let alone = auth_details::load(&path).unwrap();
    let dumped = dump::load(&fixture("dump/seeded-account")).unwrap();
    assert_eq!(alone.account_id, ACCOUNT);
    assert_eq!(alone.source.kind, "auth-details");
    assert_eq!(iam_part(&alone), iam_part(&dumped));

    let reason = auth_details::NOT_IN_AUTH_DETAILS;
    let user = alone.user("videsk-connector").unwrap();
    assert_eq!(user.access_keys, Fact::Unknown(reason.to_owned()));
    assert_eq!(user.console_password, Fact::Unknown(reason.to_owned()));
    assert_eq!(user.mfa_devices, Fact::Unknown(reason.to_owned()));
    assert_eq!(alone.oidc_providers, Fact::Unknown(reason.to_owned()));
    assert_eq!(alone.buckets, Fact::Unknown(reason.to_owned()));
    assert_eq!(
        alone.account_public_access_block,
        Fact::Unknown(reason.to_owned())
    );
    assert_eq!(alone.access_points, Fact::Unknown(reason.to_owned()));
    let gaps: Vec<_> = alone
        .gaps
        .iter()
        .map(|g| (g.resource.as_str(), g.what.as_str()))
        .collect();
    assert_eq!(
        gaps,
        [
            ("iam", "OIDC identity providers"),
            (
                "iam",
                "access keys, console passwords and MFA devices of users"
            ),
            ("iam", "maximum session duration of roles"),
            ("s3", "buckets and their settings"),
            ("s3control", "account Block Public Access and access points"),
        ]
    );
}

#[test]
fn url_encoded_documents_are_decoded_exactly() {
    let inv = auth_details::load(&fixture("auth-details/url-encoded.json")).unwrap();
    assert_eq!(inv.account_id, ACCOUNT);
    let user = inv.user("videsk-connector").unwrap();
    assert_eq!(
        user.inline_policies[0].document.as_str(),
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:PutObject\",\n      \"Resource\": \"arn:aws:s3:::rec-bucket/*\"\n    }\n  ]\n}"
    );
    let group = inv.group("ops").unwrap();
    let text = group.inline_policies[0].document.as_str();
    assert!(
        text.contains("\"Resource\": \"arn:aws:s3:::analytics-eu/reports 2024+/*\",\n"),
        "{text}"
    );
    assert!(
        text.contains("{\"aws:UserAgent\": \"café+batch %20 job\"}"),
        "{text}"
    );

    let role = inv.role("lambda-exec").unwrap();
    assert_eq!(
        role.arn,
        "arn:aws:iam::111122223333:role/service-role/lambda-exec"
    );
    assert_eq!(role.create_date, "2026-01-15T10:00:00Z");
    assert_eq!(role.last_used.as_deref(), Some("2026-11-30T08:15:00Z"));
    assert_eq!(
        role.trust_policy.as_str(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    );

    // AWS-managed policies only when used (attached or as boundary); every
    // customer-managed one, with the name from the ARN when it is missing.
    let policies: Vec<_> = inv
        .policies
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.aws_managed,
                p.default_version_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        policies,
        [
            ("never-attached", false, "v1"),
            ("team-unused", false, "v1"),
            ("AmazonS3ReadOnlyAccess", true, "v3"),
            ("PowerUserAccess", true, "v5"),
        ]
    );
    let read_only = inv
        .policy("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .unwrap();
    assert_eq!(
        read_only.document.as_str(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#
    );
}

#[test]
fn duplicate_keys_inside_documents_survive() {
    let inv = auth_details::load(&fixture("auth-details/duplicate-keys.json")).unwrap();
    assert_eq!(inv.account_id, "123456789012");
    let role = inv.role("videsk-connector-oidc").unwrap();
    assert_eq!(
        role.trust_policy.as_str(),
        r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "accounts.google.com:sub": "104857600000000000001"
                },
                "StringEquals": {
                    "accounts.google.com:aud": "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
                }
            }
        }
    ]
}"#
    );
    let user = inv.user("videsk-connector").unwrap();
    assert_eq!(
        user.inline_policies[0].document.as_str(),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*", "Resource": "arn:aws:s3:::rec-bucket/*"}]}"#
    );
}

#[test]
fn a_truncated_authorization_details_file_names_the_position() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("details.json");
    let text = fs::read_to_string(fixture("auth-details/duplicate-keys.json")).unwrap();
    fs::write(&path, &text[..200]).unwrap();
    let err = auth_details::load(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "invalid JSON in `{}` at line 7, column ",
            path.display()
        )),
        "{err}"
    );
    let missing = tmp.path().join("nope.json");
    let err = auth_details::load(&missing).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot read `{}`: ", missing.display())),
        "{err}"
    );
}

// The script itself, offline: a fake `aws` on PATH answers from canned JSON.

struct ScriptRun {
    dir: PathBuf,
    calls: Vec<(String, String)>,
    stderr: String,
}

fn run_script(tmp: &Path, name: &str, args: &[&str]) -> ScriptRun {
    run_script_with(tmp, name, args, &[])
}

fn run_script_with(tmp: &Path, name: &str, args: &[&str], envs: &[(&str, &str)]) -> ScriptRun {
    let fake = fixture("dump/fake-aws");
    let log = tmp.join(format!("{name}.log"));
    let dir = tmp.join(name);
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    let output = Command::new("bash")
        .arg(root().join("scripts/dump-account.sh"))
        .args(args)
        .arg(&dir)
        .env("PATH", path)
        .env("FAKE_AWS_LOG", &log)
        .env("AWS_CONFIG_FILE", tmp.join("no-config"))
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("PYTHONPATH")
        .env_remove("AWS_ENDPOINT_URL_S3_CONTROL")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .envs(envs.iter().copied())
        .output()
        .expect("bash runs; the script needs bash and jq");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let calls = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| {
            let (proxy, args) = line.split_once('\t').unwrap();
            (proxy.to_owned(), args.to_owned())
        })
        .collect();
    ScriptRun { dir, calls, stderr }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn script_records_outcomes_and_keeps_s3control_on_the_endpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let endpoint = "http://127.0.0.1:9";
    let run = run_script(
        tmp.path(),
        "dump",
        &["--endpoint-url", endpoint, "--region", "us-west-1"],
    );
    assert!(run.stderr.contains("(2 failed commands)"), "{}", run.stderr);

    // Only reads, every one on the endpoint; S3 Control through it as proxy.
    for (proxy, args) in &run.calls {
        let words: Vec<_> = args.split(' ').collect();
        match words.as_slice() {
            ["--version"] | ["configure", "get" | "set", ..] => continue,
            [_, operation, ..] => assert!(
                operation.starts_with("get-") || operation.starts_with("list-"),
                "{args}"
            ),
            _ => panic!("{args}"),
        }
        assert!(
            args.contains(&format!("--endpoint-url {endpoint}")),
            "{args}"
        );
        let expected_proxy = if args.starts_with("s3control ") {
            endpoint
        } else {
            ""
        };
        assert_eq!(proxy, expected_proxy, "{args}");
    }
    assert!(
        run.calls
            .iter()
            .any(|(_, a)| a.starts_with("s3control get-access-point-policy"))
    );

    let dir = &run.dir;
    let manifest = manifest(dir);
    assert_eq!(manifest["account_id"], ACCOUNT);
    assert_eq!(manifest["s3control"]["route"], "endpoint-as-proxy");
    let failed: Vec<_> = manifest["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "iam/oidc-providers/0.json",
            "s3/buckets/rec-bucket/policy.json"
        ]
    );
    assert!(
        dir.join("iam/users/videsk-connector/login-profile.absent")
            .exists()
    );
    assert!(
        dir.join("s3/buckets/rec-bucket/ownership-controls.absent")
            .exists()
    );
    assert!(dir.join("s3control/public-access-block.absent").exists());
    assert_eq!(
        fs::read_to_string(dir.join("s3/buckets/rec-bucket/versioning.json")).unwrap(),
        "{}\n"
    );

    // And the reader makes facts of all of it.
    let inv = dump::load(dir).unwrap();
    let user = inv.user("videsk-connector").unwrap();
    assert_eq!(
        user.access_keys,
        Fact::Present(vec![AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
            status: "Active".to_owned(),
            create_date: "2026-01-15T10:05:00Z".to_owned(),
            last_used: Fact::Present(LastUsed {
                date: "2026-11-30T09:00:00Z".to_owned(),
                service: Some("s3".to_owned()),
                region: Some("us-west-1".to_owned()),
            }),
        }])
    );
    assert_eq!(user.console_password, Fact::Present(false));
    assert_eq!(
        inv.oidc_providers,
        Fact::Unknown(
            "OIDC provider `arn:aws:iam::111122223333:oidc-provider/accounts.google.com`: \
             AccessDenied: User is not authorized to perform: iam:GetOpenIDConnectProvider"
                .to_owned()
        )
    );
    let bucket = inv.bucket("rec-bucket").unwrap();
    assert_eq!(
        bucket.policy,
        Fact::Unknown("AccessDenied: Access Denied".to_owned())
    );
    assert_eq!(bucket.ownership, Fact::Absent);
    assert_eq!(bucket.versioning, Fact::Absent);
    assert_eq!(bucket.encryption, Fact::Present(vec!["aws:kms".to_owned()]));
    assert_eq!(
        bucket.acl,
        Fact::Present(vec![AclGrant {
            grantee: "http://acs.amazonaws.com/groups/global/AllUsers".to_owned(),
            grantee_type: "Group".to_owned(),
            permission: "WRITE".to_owned(),
        }])
    );
    assert_eq!(inv.account_public_access_block, Fact::Absent);
    let points = inv.access_points.value().unwrap();
    assert_eq!(
        points[0].arn,
        "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap"
    );
    assert_eq!(
        points[0].policy.value().unwrap().as_str(),
        r#"{"Version":"2012-10-17","Statement":[]}"#
    );
    assert_eq!(
        inv.role("lambda-exec").unwrap().max_session_duration,
        Some(3600)
    );
    assert_eq!(inv.gaps, []);
}

fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(dir).unwrap().to_owned(), text));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn script_runs_are_identical_but_for_the_time() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-west-1",
    ];
    let first = run_script(tmp.path(), "one", &args);
    let second = run_script(tmp.path(), "two", &args);
    let strip = |files: Vec<(PathBuf, String)>| -> Vec<(PathBuf, String)> {
        files
            .into_iter()
            .map(|(path, text)| {
                let text = text
                    .lines()
                    .filter(|l| !l.contains("\"collected_at\""))
                    .collect::<Vec<_>>()
                    .join("\n");
                (path, text)
            })
            .collect()
    };
    assert_eq!(strip(files(&first.dir)), strip(files(&second.dir)));
}

#[test]
fn script_skips_s3control_when_asked_or_when_it_cannot_stay_on_the_endpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_script(
        tmp.path(),
        "skipped",
        &["--endpoint-url", "http://127.0.0.1:9", "--no-s3control"],
    );
    assert!(!run.calls.iter().any(|(_, a)| a.starts_with("s3control")));
    assert_eq!(
        manifest(&run.dir)["s3control"],
        serde_json::json!({"collected": false, "reason": "skipped with --no-s3control"})
    );
    let inv = dump::load(&run.dir).unwrap();
    assert_eq!(
        inv.access_points.unknown_reason(),
        Some("S3 Control was not collected: skipped with --no-s3control")
    );

    let run = run_script(
        tmp.path(),
        "https",
        &["--endpoint-url", "https://127.0.0.1:9"],
    );
    assert!(!run.calls.iter().any(|(_, a)| a.starts_with("s3control")));
    let reason = manifest(&run.dir)["s3control"]["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("is not http://"), "{reason}");
}

#[test]
fn script_finds_an_endpoint_set_in_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let endpoint = "http://127.0.0.1:9";
    let run = run_script_with(
        tmp.path(),
        "env",
        &["--region", "us-west-1"],
        &[("AWS_ENDPOINT_URL", endpoint)],
    );
    // The CLI reads the variable itself; S3 Control gets it spelled out.
    let s3control: Vec<_> = run
        .calls
        .iter()
        .filter(|(_, args)| args.starts_with("s3control "))
        .collect();
    assert!(!s3control.is_empty());
    for (proxy, args) in s3control {
        assert_eq!(proxy, endpoint, "{args}");
        assert!(
            args.contains(&format!("--endpoint-url {endpoint}")),
            "{args}"
        );
    }
    assert_eq!(manifest(&run.dir)["endpoint_url"], endpoint);
}

/// `(AWS_CONFIG_FILE, PYTHONPATH, arguments)` of every fake CLI call.
fn call_env(tmp: &Path, name: &str) -> Vec<(String, String, String)> {
    fs::read_to_string(tmp.join(format!("{name}.log.env")))
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.splitn(3, '\t').map(str::to_owned);
            let mut next = || fields.next().unwrap();
            (next(), next(), next())
        })
        .collect()
}

#[test]
fn script_loads_the_documents_plugin_through_a_temporary_copy_of_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let user_config = tmp.path().join("config");
    let original = "[profile auditor]\nregion = eu-west-1\n\n[plugins]\nother = their_plugin\n";
    fs::write(&user_config, original).unwrap();
    let run = run_script_with(
        tmp.path(),
        "plugin",
        &[
            "--profile",
            "auditor",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        &[("AWS_CONFIG_FILE", user_config.to_str().unwrap())],
    );
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(manifest(&run.dir)["iam_documents"], "as-returned");

    // The copy holds the user's config and the plugin entry, and only the
    // copy changed; it is gone once the script ends.
    let copy = fs::read_to_string(tmp.path().join("plugin.log.config")).unwrap();
    assert_eq!(
        copy,
        format!("{original}plugins.putonly_raw_iam_documents = putonly_raw_iam_documents\n")
    );
    assert_eq!(fs::read_to_string(&user_config).unwrap(), original);

    // Every call but the version probe ran with the copy and the plugin's
    // directory on the module search path.
    let plugin_dir = root().join("scripts/awscli-plugin");
    let calls = call_env(tmp.path(), "plugin");
    let with_copy: Vec<_> = calls.iter().filter(|(_, _, a)| a != "--version").collect();
    assert!(with_copy.len() > 20, "{calls:?}");
    let copy_path = &with_copy[0].0;
    assert_ne!(copy_path, user_config.to_str().unwrap());
    assert!(
        !Path::new(copy_path).exists(),
        "{copy_path} was left behind"
    );
    for (config, python_path, args) in with_copy {
        assert_eq!(config, copy_path, "{args}");
        assert_eq!(python_path, plugin_dir.to_str().unwrap(), "{args}");
        if !args.starts_with("configure ") {
            assert!(args.contains("--profile auditor"), "{args}");
        }
    }
}

#[test]
fn script_names_the_plugin_directory_to_cli_v2() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_script_with(
        tmp.path(),
        "v2",
        &["--endpoint-url", "http://127.0.0.1:9"],
        &[("FAKE_AWS_VERSION", "aws-cli/2.27.0")],
    );
    assert_eq!(manifest(&run.dir)["iam_documents"], "as-returned");
    let copy = fs::read_to_string(tmp.path().join("v2.log.config")).unwrap();
    let plugin_dir = root().join("scripts/awscli-plugin");
    assert!(
        copy.ends_with(&format!(
            "plugins.cli_legacy_plugin_path = {}\n",
            plugin_dir.display()
        )),
        "{copy}"
    );
}

#[test]
fn script_says_so_when_the_plugin_cannot_be_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let user_config = tmp.path().join("config");
    fs::write(&user_config, "[default]\nregion = us-west-1\n").unwrap();
    let run = run_script_with(
        tmp.path(),
        "noplugin",
        &["--endpoint-url", "http://127.0.0.1:9"],
        &[
            ("FAKE_AWS_CONFIGURE_FAILS", "1"),
            ("AWS_CONFIG_FILE", user_config.to_str().unwrap()),
        ],
    );
    assert!(
        run.stderr
            .contains("could not load `putonly_raw_iam_documents`"),
        "{}",
        run.stderr
    );
    assert_eq!(manifest(&run.dir)["iam_documents"], "decoded-by-cli");
    // The dump goes on with the user's own configuration.
    let calls = call_env(tmp.path(), "noplugin");
    let reads: Vec<_> = calls
        .iter()
        .filter(|(_, _, a)| a.starts_with("iam ") || a.starts_with("s3api "))
        .collect();
    assert!(!reads.is_empty());
    for (config, python_path, args) in reads {
        assert_eq!(config, user_config.to_str().unwrap(), "{args}");
        assert_eq!(python_path, "", "{args}");
    }
}

#[test]
fn script_lists_access_points_in_the_home_region_and_the_buckets_regions() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_script(
        tmp.path(),
        "regions",
        &[
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "eu-central-1",
        ],
    );
    let listed: Vec<&str> = run
        .calls
        .iter()
        .filter(|(_, args)| args.starts_with("s3control list-access-points "))
        .map(|(_, args)| {
            args.split("--region ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    // As the live source: the home region, and us-west-1 for rec-bucket.
    assert_eq!(listed, ["eu-central-1", "us-west-1"]);
    assert_eq!(
        manifest(&run.dir)["s3control"]["regions"],
        serde_json::json!(["eu-central-1", "us-west-1"])
    );
    // Listed twice, kept once.
    let inv = dump::load(&run.dir).unwrap();
    assert_eq!(inv.access_points.value().map(Vec::len), Some(1));
}

#[test]
fn encryption_rules_without_an_algorithm_are_no_default_encryption() {
    // As the live source reads the same answer.
    let (_tmp, dir) = example_copy();
    fs::write(
        dir.join("s3/buckets/rec-bucket/encryption.json"),
        r#"{"ServerSideEncryptionConfiguration": {"Rules": [{"BucketKeyEnabled": true}]}}"#,
    )
    .unwrap();
    let inv = dump::load(&dir).unwrap();
    assert_eq!(inv.bucket("rec-bucket").unwrap().encryption, Fact::Absent);
}

#[test]
fn failed_listings_are_recorded_as_the_live_source_records_them() {
    let (_tmp, dir) = example_copy();
    let denied = "\nAn error occurred (AccessDenied) when calling the ListRoles operation: no\n";
    fs::remove_file(dir.join("iam/roles.json")).unwrap();
    fs::write(dir.join("iam/roles.error"), denied).unwrap();
    add_failure(&dir, "iam/roles.json", "aws iam list-roles", denied.trim());

    // Two regions listed, one failed: the access points are unknown.
    let manifest_path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["s3control"]["regions"] = serde_json::json!(["eu-west-1", "us-west-1"]);
    fs::write(&manifest_path, manifest.to_string()).unwrap();
    let failed = dir.join("s3control/regions/eu-west-1");
    fs::create_dir_all(&failed).unwrap();
    let throttled =
        "An error occurred (Throttling) when calling the ListAccessPoints operation: slow down";
    fs::write(failed.join("access-points.error"), throttled).unwrap();
    add_failure(
        &dir,
        "s3control/regions/eu-west-1/access-points.json",
        "aws s3control list-access-points",
        throttled,
    );

    let inv = dump::load(&dir).unwrap();
    assert_eq!(
        inv.gaps,
        [Gap {
            resource: "iam".to_owned(),
            what: "role maximum session durations".to_owned(),
            reason: "AccessDenied: no".to_owned(),
        }]
    );
    assert_eq!(
        inv.role("videsk-connector-oidc")
            .unwrap()
            .max_session_duration,
        None
    );
    assert_eq!(
        inv.access_points,
        Fact::Unknown("access points in `eu-west-1`: Throttling: slow down".to_owned())
    );
}
