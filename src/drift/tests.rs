//! Comparisons of hand-made inventories: noise is not drift, and each
//! kind of change gives its drift kind with the access delta.

use std::path::Path;

use super::*;
use crate::inventory::*;

const ACCOUNT: &str = "111122223333";
const USER_ARN: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";
const BUCKET_ARN: &str = "arn:aws:s3:::rec-bucket";

const CONFIG: &str = r#"
[[connector]]
name = "static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
prefix = "uploads/"

[[connector]]
name = "oidc"
mode = "oidc"
principal = "videsk-connector-oidc"
bucket = "rec-bucket"
prefix = "uploads/"
[connector.oidc]
audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
subject = "104857600000000000001"
"#;

const USER_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
    },
    {
      "Effect": "Deny",
      "Action": ["s3:DeleteObject", "s3:PutObjectAcl"],
      "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    }
  ]
}"#;

const TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {
        "accounts.google.com:sub": "104857600000000000001",
        "accounts.google.com:aud": "104857600000000000001"
      }}
    }
  ]
}"#;

const ROLE_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PutRecordingsUnderUploads",
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
    }
  ]
}"#;

const POLICY_ARN: &str = "arn:aws:iam::111122223333:policy/videsk-connector-put";

fn key(id: &str, status: &str) -> AccessKey {
    AccessKey {
        id: id.into(),
        status: status.into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        last_used: Fact::Absent,
    }
}

fn baseline() -> Inventory {
    let mut inv = Inventory::new(ACCOUNT, "live", "2026-12-01T00:00:00Z");
    inv.users.push(User {
        arn: USER_ARN.into(),
        name: "videsk-connector".into(),
        id: "AIDAEXAMPLEUSER00001".into(),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        inline_policies: vec![InlinePolicy {
            name: "put".into(),
            document: PolicyText::new(USER_POLICY),
        }],
        attached_policies: vec![],
        groups: vec![],
        permissions_boundary: None,
        access_keys: Fact::Present(vec![key("AKIAIOSFODNN7EXAMPLE", "Active")]),
        console_password: Fact::Present(false),
        mfa_devices: Fact::Present(vec![]),
    });
    inv.roles.push(Role {
        arn: ROLE_ARN.into(),
        name: "videsk-connector-oidc".into(),
        id: "AROAEXAMPLEROLE00001".into(),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        trust_policy: PolicyText::new(TRUST),
        inline_policies: vec![],
        attached_policies: vec![POLICY_ARN.into()],
        permissions_boundary: None,
        max_session_duration: Some(3600),
        last_used: None,
    });
    inv.policies.push(ManagedPolicy {
        arn: POLICY_ARN.into(),
        name: "videsk-connector-put".into(),
        path: "/".into(),
        default_version_id: "v1".into(),
        aws_managed: false,
        document: PolicyText::new(ROLE_POLICY),
    });
    inv.oidc_providers = Fact::Present(vec![OidcProvider {
        arn: "arn:aws:iam::111122223333:oidc-provider/accounts.google.com".into(),
        url: "accounts.google.com".into(),
        client_ids: vec!["cloud-connector@bridge-fed-connector.iam.gserviceaccount.com".into()],
        thumbprints: vec!["1c58a3a8518e8759bf075b76b750d4f2df264fcd".into()],
        create_date: "2026-10-01T00:00:00Z".into(),
    }]);
    inv.buckets = Fact::Present(vec![Bucket {
        name: "rec-bucket".into(),
        region: Fact::Present("us-west-1".into()),
        policy: Fact::Absent,
        public_access_block: Fact::Present(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }),
        ownership: Fact::Present("BucketOwnerEnforced".into()),
        encryption: Fact::Present(vec!["AES256".into()]),
        versioning: Fact::Absent,
        acl: Fact::Present(vec![]),
    }]);
    inv.access_points = Fact::Present(vec![]);
    inv
}

fn compare_with(after: &Inventory) -> Vec<Finding> {
    let config = Config::parse(CONFIG, Path::new("putonly.toml")).unwrap();
    compare(&catalog::load().unwrap(), &baseline(), after, &config)
}

/// `(rule, resource, message)` of every finding.
fn summary(findings: &[Finding]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.resource.clone(), f.message.clone()))
        .collect()
}

fn row(rule: &str, resource: &str, message: &str) -> (String, String, String) {
    (rule.into(), resource.into(), message.into())
}

fn evidence<'a>(finding: &'a Finding, label: &str) -> Vec<&'a str> {
    finding
        .evidence
        .iter()
        .filter(|e| e.label == label)
        .map(|e| e.value.as_str())
        .collect()
}

fn user(inv: &mut Inventory) -> &mut User {
    inv.users.iter_mut().find(|u| u.arn == USER_ARN).unwrap()
}

fn role(inv: &mut Inventory) -> &mut Role {
    inv.roles.iter_mut().find(|r| r.arn == ROLE_ARN).unwrap()
}

fn bucket(inv: &mut Inventory) -> &mut Bucket {
    match &mut inv.buckets {
        Fact::Present(buckets) => buckets.first_mut().unwrap(),
        _ => unreachable!(),
    }
}

#[test]
fn the_same_inventory_has_no_drift() {
    assert_eq!(summary(&compare_with(&baseline())), []);
}

#[test]
fn noise_is_not_drift() {
    let mut inv = baseline();
    // Collection time and source, last-used dates, policy version ids.
    inv.source = SourceInfo {
        kind: "dump".into(),
        collected_at: "2027-01-15T08:00:00Z".into(),
    };
    role(&mut inv).last_used = Some("2027-01-14T00:00:00Z".into());
    if let Fact::Present(keys) = &mut user(&mut inv).access_keys {
        keys[0].last_used = Fact::Present(LastUsed {
            date: "2027-01-14T00:00:00Z".into(),
            service: Some("s3".into()),
            region: Some("us-west-1".into()),
        });
    }
    inv.policies[0].default_version_id = "v7".into();
    // Statements reordered, compacted, keys reordered, a list made a
    // string, Sids added: the user's policy says the same thing.
    user(&mut inv).inline_policies[0].document = PolicyText::new(
        r#"{"Statement":[{"Sid":"NoDeletesInClear","Condition":{"Bool":{"aws:SecureTransport":false}},"Resource":["*"],"Action":["s3:PutObjectAcl","s3:DeleteObject"],"Effect":"Deny"},{"Sid":"Put","Resource":"arn:aws:s3:::rec-bucket/uploads/*","Action":["s3:PutObject"],"Effect":"Allow"}],"Version":"2012-10-17"}"#,
    );
    // The trust as IAM returns it URL-encoded, read by a source.
    let encoded = percent_encoding::utf8_percent_encode(TRUST, percent_encoding::NON_ALPHANUMERIC);
    role(&mut inv).trust_policy = PolicyText::from_aws(&encoded.to_string()).unwrap();
    // The managed policy without its Sid, re-indented with tabs.
    inv.policies[0].document = PolicyText::new(
        ROLE_POLICY
            .replace("      \"Sid\": \"PutRecordingsUnderUploads\",\n", "")
            .replace("  ", "\t"),
    );
    assert_eq!(summary(&compare_with(&inv)), []);
}

#[test]
fn a_widened_role_policy_is_a_gained_action_with_witness_and_baseline_decision() {
    let mut inv = baseline();
    inv.policies[0].document = PolicyText::new(ROLE_POLICY.replace(
        "\"Action\": \"s3:PutObject\"",
        "\"Action\": [\"s3:PutObject\", \"s3:DeleteObject\"]",
    ));
    let findings = compare_with(&inv);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO803",
                ROLE_ARN,
                "`videsk-connector-oidc` gained s3:DeleteObject"
            ),
            row(
                "PO822",
                ROLE_ARN
                    .replace("role/videsk-connector-oidc", "policy/videsk-connector-put")
                    .as_str(),
                "statement `PutRecordingsUnderUploads` of arn:aws:iam::111122223333:policy/videsk-connector-put changed: `Action`: s3:PutObject → s3:DeleteObject, s3:PutObject"
            ),
        ]
    );
    let gained = &findings[0];
    assert_eq!(gained.connector.as_deref(), Some("oidc"));
    assert_eq!(
        evidence(gained, "witness request"),
        ["s3:DeleteObject on arn:aws:s3:::rec-bucket/uploads/x"]
    );
    assert_eq!(
        evidence(gained, "granted by"),
        [
            "statement PutRecordingsUnderUploads of arn:aws:iam::111122223333:policy/videsk-connector-put (line 4)"
        ]
    );
    assert_eq!(
        evidence(gained, "in the baseline"),
        ["implicitly denied (noallow)"]
    );
    assert_eq!(evidence(gained, "changed since the baseline").len(), 1);
    assert_eq!(
        evidence(&findings[1], "access delta"),
        ["PO803 `videsk-connector-oidc` gained s3:DeleteObject"]
    );
}

#[test]
fn a_trust_without_the_subject_admits_strangers() {
    let mut inv = baseline();
    role(&mut inv).trust_policy = PolicyText::new(
        TRUST
            .replace("\"accounts.google.com:sub\": \"104857600000000000001\",\n", "")
            .replace(
                "\"accounts.google.com:aud\": \"104857600000000000001\"",
                "\"accounts.google.com:aud\": \"cloud-connector@bridge-fed-connector.iam.gserviceaccount.com\"",
            ),
    );
    let findings = compare_with(&inv);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO805",
                ROLE_ARN,
                "the role `videsk-connector-oidc` can now be assumed by any Google service account: a stranger's token with the vendor's audience is accepted"
            ),
            row(
                "PO823",
                ROLE_ARN,
                "statement `#1` of trust policy of arn:aws:iam::111122223333:role/videsk-connector-oidc changed: condition `StringEquals accounts.google.com:aud`: 104857600000000000001 → cloud-connector@bridge-fed-connector.iam.gserviceaccount.com; condition `StringEquals accounts.google.com:sub` removed (was 104857600000000000001)"
            ),
        ]
    );
    let witness = evidence(&findings[0], "witness request");
    assert_eq!(witness.len(), 1);
    assert!(
        witness[0].contains("accounts.google.com:sub=999999999999999999999"),
        "{witness:?}"
    );
}

#[test]
fn a_deny_of_the_prefix_loses_the_intended_writes() {
    let mut inv = baseline();
    bucket(&mut inv).policy = Fact::Present(PolicyText::new(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoWrites", "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*"}]}"#,
    ));
    let findings = compare_with(&inv);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO801",
                USER_ARN,
                "`videsk-connector` can no longer s3:PutObject under `rec-bucket/uploads/`: every such request is explicitly denied now"
            ),
            row("PO822", BUCKET_ARN, "bucket policy of `rec-bucket` added"),
        ]
    );
    assert_eq!(
        evidence(&findings[0], "decided by"),
        ["statement NoWrites of bucket policy of `rec-bucket` (line 1)"]
    );
    assert_eq!(
        evidence(&findings[0], "baseline decided by"),
        [
            "statement #1 of inline policy `put` of arn:aws:iam::111122223333:user/videsk-connector (line 4)"
        ]
    );
}

#[test]
fn a_new_principal_that_can_write_is_a_new_writer() {
    let mut inv = baseline();
    let mut etl = baseline().users.remove(0);
    etl.arn = "arn:aws:iam::111122223333:user/etl".into();
    etl.name = "etl".into();
    etl.id = "AIDAEXAMPLEUSER00002".into();
    etl.access_keys = Fact::Present(vec![]);
    etl.inline_policies[0].document = PolicyText::new(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    inv.users.push(etl);
    let findings = compare_with(&inv);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO807",
                BUCKET_ARN,
                "`arn:aws:iam::111122223333:user/etl` can now write into `rec-bucket`"
            ),
            row(
                "PO820",
                "arn:aws:iam::111122223333:user/etl",
                "user `arn:aws:iam::111122223333:user/etl` created"
            ),
        ]
    );
    assert_eq!(
        evidence(&findings[1], "access delta"),
        ["PO807 `arn:aws:iam::111122223333:user/etl` can now write into `rec-bucket`"]
    );
}

#[test]
fn public_writes_once_block_public_access_is_off() {
    let mut inv = baseline();
    let b = bucket(&mut inv);
    b.public_access_block = Fact::Absent;
    b.policy = Fact::Present(PolicyText::new(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/public/*"}]}"#,
    ));
    let findings = compare_with(&inv);
    let rules: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    // A grant to `*` is a grant to the connectors too: both can now write
    // outside their prefix, under `public/`.
    assert_eq!(rules, ["PO808", "PO802", "PO802", "PO822", "PO827"]);
    assert_eq!(
        findings[0].message,
        "anyone, anonymous callers included, can now write into `rec-bucket`"
    );
    assert_eq!(
        findings[1].message,
        "`videsk-connector-oidc` can now write outside `uploads/`: s3:PutObject of key `public/` is allowed"
    );
    assert_eq!(
        findings[4].message,
        "Block Public Access of `arn:aws:s3:::rec-bucket`: all on → not configured"
    );
    // The settings change explains the public write.
    assert_eq!(
        evidence(&findings[4], "access delta"),
        ["PO808 anyone, anonymous callers included, can now write into `rec-bucket`"]
    );
}

#[test]
fn key_rotation_is_info_and_an_extra_key_is_low() {
    let mut rotated = baseline();
    user(&mut rotated).access_keys = Fact::Present(vec![key("AKIAI44QH8DHBEXAMPLE", "Active")]);
    assert_eq!(
        summary(&compare_with(&rotated)),
        [row(
            "PO824",
            USER_ARN,
            "access key of user `arn:aws:iam::111122223333:user/videsk-connector` rotated: `AKIA************MPLE` replaced by `AKIA************MPLE`"
        )]
    );

    let mut second = baseline();
    if let Fact::Present(keys) = &mut user(&mut second).access_keys {
        keys.push(key("AKIAI44QH8DHBEXAMPLE", "Active"));
    }
    user(&mut second).console_password = Fact::Present(true);
    let findings = compare_with(&second);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO825",
                USER_ARN,
                "user `arn:aws:iam::111122223333:user/videsk-connector` has 2 active access keys, 1 in the baseline: `AKIA************MPLE` created or reactivated"
            ),
            row(
                "PO825",
                USER_ARN,
                "user `arn:aws:iam::111122223333:user/videsk-connector` has a console password now"
            ),
        ]
    );
    assert_eq!(
        evidence(&findings[0], "access delta"),
        ["none found for the configured connectors"]
    );

    let mut deactivated = baseline();
    user(&mut deactivated).access_keys =
        Fact::Present(vec![key("AKIAIOSFODNN7EXAMPLE", "Inactive")]);
    assert_eq!(
        summary(&compare_with(&deactivated)),
        [row(
            "PO824",
            USER_ARN,
            "access key `AKIA************MPLE` of user `arn:aws:iam::111122223333:user/videsk-connector`: Active → Inactive"
        )]
    );
}

#[test]
fn an_unknown_fact_is_undecided_not_changed() {
    let mut inv = baseline();
    bucket(&mut inv).policy = Fact::Unknown("AccessDenied: no".into());
    bucket(&mut inv).ownership = Fact::Unknown("AccessDenied: no".into());
    assert_eq!(
        summary(&compare_with(&inv)),
        [
            row(
                "PO811",
                BUCKET_ARN,
                "bucket ownership controls of `arn:aws:s3:::rec-bucket` could not be collected now (AccessDenied: no): whether it changed cannot be told"
            ),
            row(
                "PO811",
                BUCKET_ARN,
                "bucket policy of `arn:aws:s3:::rec-bucket` could not be collected now (AccessDenied: no): whether it changed cannot be told"
            ),
        ]
    );
}

#[test]
fn a_trust_that_no_longer_parses_is_unreadable_not_narrowed() {
    let mut inv = baseline();
    role(&mut inv).trust_policy = PolicyText::new(TRUST.replace(
        "\"accounts.google.com:aud\": \"104857600000000000001\"\n      }}",
        "\"accounts.google.com:aud\": \"104857600000000000001\"\n      }, \"StringEquals\": {\"accounts.google.com:aud\": \"x\"}}",
    ));
    assert_eq!(
        summary(&compare_with(&inv)),
        [row(
            "PO810",
            ROLE_ARN,
            "trust policy of arn:aws:iam::111122223333:role/videsk-connector-oidc was valid in the baseline and cannot be evaluated: line 11, column 10: duplicate key `StringEquals` (first at line 8, column 21)"
        )]
    );
}

#[test]
fn a_group_membership_is_explained_by_the_group_and_the_change() {
    let mut inv = baseline();
    inv.groups.push(Group {
        arn: "arn:aws:iam::111122223333:group/storage-admins".into(),
        name: "storage-admins".into(),
        id: "AGPAEXAMPLEGROUP0001".into(),
        path: "/".into(),
        inline_policies: vec![InlinePolicy {
            name: "delete".into(),
            document: PolicyText::new(
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::rec-bucket/*"}]}"#,
            ),
        }],
        attached_policies: vec![],
    });
    user(&mut inv).groups.push("storage-admins".into());
    let findings = compare_with(&inv);
    assert_eq!(
        summary(&findings),
        [
            row(
                "PO803",
                USER_ARN,
                "`videsk-connector` gained s3:DeleteObject"
            ),
            row(
                "PO820",
                "arn:aws:iam::111122223333:group/storage-admins",
                "group `arn:aws:iam::111122223333:group/storage-admins` created"
            ),
            row(
                "PO821",
                USER_ARN,
                "user `arn:aws:iam::111122223333:user/videsk-connector` added to group `storage-admins`"
            ),
        ]
    );
    assert_eq!(
        evidence(&findings[0], "changed since the baseline"),
        [
            "PO821 user `arn:aws:iam::111122223333:user/videsk-connector` added to group `storage-admins`"
        ]
    );
}
