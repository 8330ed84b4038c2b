//! Every rule on a compliant and a non-compliant fixture, asserted by value.
//!
//! The compliant fixture is one account set up as the guide intends, with
//! both connectors; each non-compliant fixture changes one thing in it.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::path::Path;

use putonly::config::Config;
use putonly::finding::Finding;
use putonly::inventory::*;
use putonly::rules::{Catalog, ScanContext};

#[path = "rules_fixtures/access_attacks.rs"]
mod access_attacks;

const ACCOUNT: &str = "111122223333";
const NOW: &str = "2026-12-01T00:00:00Z";

const CONFIG: &str = r#"
[[connector]]
name = "static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"

[[connector]]
name = "oidc"
mode = "oidc"
principal = "videsk-connector-oidc"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"
[connector.oidc]
audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
subject = "104857600000000000001"
thumbprints = ["2b18947a6a9fc7764fd8b5fb18a863b0c6dac24f"]
"#;

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

const WRITE_UPLOADS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "WriteUploads",
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
    }
  ]
}"#;

const PINNED_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "VendorOnly",
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

fn inline(text: &str) -> Vec<InlinePolicy> {
    vec![InlinePolicy {
        name: "connector".into(),
        document: PolicyText::new(text),
    }]
}

fn compliant() -> Inventory {
    let mut inv = Inventory::new(ACCOUNT, "snapshot", NOW);
    inv.users.push(User {
        arn: user_arn("videsk-connector"),
        name: "videsk-connector".into(),
        id: "AIDAEXAMPLEUSER00001".into(),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        inline_policies: inline(WRITE_UPLOADS),
        attached_policies: vec![],
        groups: vec![],
        permissions_boundary: None,
        access_keys: Fact::Present(vec![AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".into(),
            status: "Active".into(),
            create_date: "2026-10-01T00:00:00Z".into(),
            last_used: Fact::Present(LastUsed {
                date: "2026-11-30T10:00:00Z".into(),
                service: Some("s3".into()),
                region: Some("us-west-1".into()),
            }),
        }]),
        console_password: Fact::Present(false),
        mfa_devices: Fact::Present(vec![]),
    });
    inv.roles.push(Role {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/videsk-connector-oidc"),
        name: "videsk-connector-oidc".into(),
        id: "AROAEXAMPLEROLE00001".into(),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        trust_policy: PolicyText::new(PINNED_TRUST),
        inline_policies: inline(WRITE_UPLOADS),
        attached_policies: vec![],
        permissions_boundary: None,
        max_session_duration: Some(3600),
        last_used: None,
    });
    inv.oidc_providers = Fact::Present(vec![OidcProvider {
        arn: format!("arn:aws:iam::{ACCOUNT}:oidc-provider/accounts.google.com"),
        url: "accounts.google.com".into(),
        client_ids: vec!["cloud-connector@bridge-fed-connector.iam.gserviceaccount.com".into()],
        thumbprints: vec![],
        create_date: "2026-10-01T00:00:00Z".into(),
    }]);
    let all_on = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
    inv.account_public_access_block = Fact::Absent;
    inv.buckets = Fact::Present(vec![Bucket {
        name: "rec-bucket".into(),
        region: Fact::Present("us-west-1".into()),
        policy: Fact::Absent,
        public_access_block: Fact::Present(all_on),
        ownership: Fact::Present("BucketOwnerEnforced".into()),
        encryption: Fact::Present(vec!["AES256".into()]),
        versioning: Fact::Absent,
        acl: Fact::Present(vec![]),
    }]);
    inv.access_points = Fact::Present(vec![]);
    inv
}

fn scan(inv: &Inventory, config: &str) -> Vec<Finding> {
    let config = Config::parse(config, Path::new("putonly.toml")).unwrap();
    let catalog = Catalog::load().unwrap();
    let now = time::OffsetDateTime::parse(
        &inv.source.collected_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let model = putonly::access::AccessModel::build(inv, &config, &inv.source.collected_at);
    catalog.scan(&ScanContext {
        inventory: inv,
        config: &config,
        model: &model,
        now,
    })
}

/// `(rule, connector, resource, message)` of every finding.
fn summary(findings: &[Finding]) -> Vec<(String, String, String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.connector.clone().unwrap_or_default(),
                f.resource.clone(),
                f.message.clone(),
            )
        })
        .collect()
}

fn row(
    rule: &str,
    connector: &str,
    resource: &str,
    message: &str,
) -> (String, String, String, String) {
    (
        rule.into(),
        connector.into(),
        resource.into(),
        message.into(),
    )
}

const USER_ARN: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";

fn role_mut(inv: &mut Inventory) -> &mut Role {
    inv.roles
        .iter_mut()
        .find(|r| r.name == "videsk-connector-oidc")
        .unwrap()
}

fn set_user_policy(inv: &mut Inventory, text: &str) {
    user_mut(inv).inline_policies = inline(text);
}

fn set_bucket_policy(inv: &mut Inventory, text: &str) {
    bucket_mut(inv).policy = Fact::Present(PolicyText::new(text));
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Wide", "Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}]}}"#
    )
}

const GUIDE_BUCKET_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowPrefixedWrites",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"},
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/uploads/*"
    },
    {
      "Sid": "DenyNonPrefixedWrites",
      "Effect": "Deny",
      "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"},
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/*",
      "Condition": {"StringNotLikeIfExists": {"s3:prefix": ["uploads/*"]}}
    }
  ]
}"#;

fn user_mut(inv: &mut Inventory) -> &mut User {
    inv.users
        .iter_mut()
        .find(|u| u.name == "videsk-connector")
        .unwrap()
}

fn bucket_mut(inv: &mut Inventory) -> &mut Bucket {
    match &mut inv.buckets {
        Fact::Present(buckets) => buckets.iter_mut().next().unwrap(),
        _ => unreachable!(),
    }
}

fn provider_mut(inv: &mut Inventory) -> &mut OidcProvider {
    match &mut inv.oidc_providers {
        Fact::Present(providers) => providers.iter_mut().next().unwrap(),
        _ => unreachable!(),
    }
}

fn keys_mut(inv: &mut Inventory) -> &mut Vec<AccessKey> {
    match &mut user_mut(inv).access_keys {
        Fact::Present(keys) => keys,
        _ => unreachable!(),
    }
}

const BUCKET_ARN: &str = "arn:aws:s3:::rec-bucket";
const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";
const CONFIG_WITHOUT_THUMBPRINTS: &str = "thumbprints = []";

fn config_without_thumbprints() -> String {
    CONFIG.replace(
        "thumbprints = [\"2b18947a6a9fc7764fd8b5fb18a863b0c6dac24f\"]",
        CONFIG_WITHOUT_THUMBPRINTS,
    )
}

/// The compliant account with the expected thumbprint configured.
fn compliant_with_thumbprint() -> Inventory {
    let mut inv = compliant();
    provider_mut(&mut inv).thumbprints = vec!["2b18947a6a9fc7764fd8b5fb18a863b0c6dac24f".into()];
    inv
}

#[test]
fn compliant_account_has_no_findings_except_the_thumbprint_note() {
    // Without configured thumbprints the account is fully clean.
    assert_eq!(
        summary(&scan(&compliant(), &config_without_thumbprints())),
        vec![]
    );
    // With a thumbprint set, only the informational PO104 remains.
    let findings = scan(&compliant_with_thumbprint(), CONFIG);
    assert_eq!(
        summary(&findings),
        vec![row(
            "PO104",
            "oidc",
            PROVIDER_ARN,
            "AWS validates `accounts.google.com` tokens against its own trusted certificate authorities and does not use the configured thumbprints"
        )]
    );
}

struct Case {
    rule: &'static str,
    mutate: fn(&mut Inventory),
    config: fn() -> String,
    expected: Vec<(String, String, String, String)>,
}

fn base_config() -> String {
    config_without_thumbprints()
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            rule: "PO001",
            mutate: |inv| inv.roles.clear(),
            config: base_config,
            expected: vec![row(
                "PO001",
                "oidc",
                "arn:aws:iam::111122223333:role/videsk-connector-oidc",
                "IAM role `videsk-connector-oidc` named by connector `oidc` does not exist",
            )],
        },
        Case {
            rule: "PO002",
            mutate: |inv| {
                bucket_mut(inv).policy = Fact::Unknown("AccessDenied: not allowed".into());
            },
            config: base_config,
            // The writes it decides are left unanswered, and say so.
            expected: vec![
                row(
                    "PO002",
                    "",
                    BUCKET_ARN,
                    "bucket policy could not be collected: AccessDenied: not allowed",
                ),
                row(
                    "PO408",
                    "oidc",
                    ROLE_ARN,
                    "the answers about `videsk-connector-oidc` leave out bucket policy of `rec-bucket` (not collected: AccessDenied: not allowed)",
                ),
                row(
                    "PO408",
                    "static",
                    USER_ARN,
                    "the answers about `videsk-connector` leave out bucket policy of `rec-bucket` (not collected: AccessDenied: not allowed)",
                ),
            ],
        },
        Case {
            rule: "PO101",
            mutate: |inv| inv.oidc_providers = Fact::Present(vec![]),
            config: base_config,
            expected: vec![row(
                "PO101",
                "oidc",
                PROVIDER_ARN,
                "no IAM OIDC identity provider exists for issuer `accounts.google.com`",
            )],
        },
        Case {
            rule: "PO102",
            mutate: |inv| provider_mut(inv).client_ids.push("sts.amazonaws.com".into()),
            config: base_config,
            expected: vec![row(
                "PO102",
                "oidc",
                PROVIDER_ARN,
                "provider `accounts.google.com` accepts other audiences besides the expected one: `sts.amazonaws.com`",
            )],
        },
        Case {
            rule: "PO103",
            mutate: |inv| {
                provider_mut(inv).thumbprints =
                    vec!["1c58a3a8518e8759bf075b76b750d4f2df264fcd".into()];
            },
            config: || CONFIG.to_owned(),
            expected: vec![
                row(
                    "PO103",
                    "oidc",
                    PROVIDER_ARN,
                    "provider `accounts.google.com` has thumbprints `1c58a3a8518e8759bf075b76b750d4f2df264fcd` instead of `2b18947a6a9fc7764fd8b5fb18a863b0c6dac24f`",
                ),
                row(
                    "PO104",
                    "oidc",
                    PROVIDER_ARN,
                    "AWS validates `accounts.google.com` tokens against its own trusted certificate authorities and does not use the configured thumbprints; `1c58a3a8518e8759bf075b76b750d4f2df264fcd` belongs to GitHub's certificate chain, not Google's",
                ),
            ],
        },
        Case {
            rule: "PO104",
            mutate: |inv| {
                provider_mut(inv).thumbprints =
                    vec!["1C58A3A8518E8759BF075B76B750D4F2DF264FCD".into()];
            },
            config: base_config,
            expected: vec![row(
                "PO104",
                "oidc",
                PROVIDER_ARN,
                "AWS validates `accounts.google.com` tokens against its own trusted certificate authorities and does not use the configured thumbprints; `1c58a3a8518e8759bf075b76b750d4f2df264fcd` belongs to GitHub's certificate chain, not Google's",
            )],
        },
        Case {
            rule: "PO201",
            mutate: |inv| {
                let mut second = keys_mut(inv)[0].clone();
                second.id = "AKIAI44QH8DHBEXAMPLE".into();
                keys_mut(inv).push(second);
            },
            config: base_config,
            expected: vec![row(
                "PO201",
                "static",
                &user_arn("videsk-connector"),
                "user `videsk-connector` has 2 active access keys",
            )],
        },
        Case {
            rule: "PO202",
            mutate: |inv| keys_mut(inv)[0].create_date = "2025-10-27T00:00:00Z".into(),
            config: base_config,
            expected: vec![row(
                "PO202",
                "static",
                &user_arn("videsk-connector"),
                "access key AKIA************MPLE of `videsk-connector` is 400 days old (maximum 90)",
            )],
        },
        Case {
            rule: "PO203",
            mutate: |inv| keys_mut(inv)[0].last_used = Fact::Absent,
            config: base_config,
            expected: vec![row(
                "PO203",
                "static",
                &user_arn("videsk-connector"),
                "access key AKIA************MPLE of `videsk-connector` has never been used",
            )],
        },
        Case {
            rule: "PO204",
            mutate: |inv| user_mut(inv).console_password = Fact::Present(true),
            config: base_config,
            expected: vec![row(
                "PO204",
                "static",
                &user_arn("videsk-connector"),
                "connector user `videsk-connector` has a console password",
            )],
        },
        Case {
            rule: "PO301",
            mutate: |inv| inv.buckets = Fact::Present(vec![]),
            config: base_config,
            expected: vec![
                row("PO301", "oidc", BUCKET_ARN, "bucket `rec-bucket` does not exist in account 111122223333"),
                row("PO301", "static", BUCKET_ARN, "bucket `rec-bucket` does not exist in account 111122223333"),
            ],
        },
        Case {
            rule: "PO302",
            mutate: |inv| bucket_mut(inv).region = Fact::Present("eu-west-1".into()),
            config: base_config,
            expected: vec![
                row("PO302", "oidc", BUCKET_ARN, "bucket `rec-bucket` is in `eu-west-1`, not in `us-west-1`"),
                row("PO302", "static", BUCKET_ARN, "bucket `rec-bucket` is in `eu-west-1`, not in `us-west-1`"),
            ],
        },
        Case {
            rule: "PO303",
            mutate: |inv| {
                let bucket = bucket_mut(inv);
                if let Fact::Present(block) = &mut bucket.public_access_block {
                    block.restrict_public_buckets = false;
                }
            },
            config: base_config,
            expected: ["oidc", "static"]
                .into_iter()
                .map(|c| row(
                    "PO303",
                    c,
                    BUCKET_ARN,
                    "Block Public Access is off for bucket `rec-bucket` at both account and bucket level: RestrictPublicBuckets",
                ))
                .collect(),
        },
        Case {
            rule: "PO304",
            mutate: |inv| bucket_mut(inv).ownership = Fact::Absent,
            config: base_config,
            expected: ["oidc", "static"]
                .into_iter()
                .map(|c| row(
                    "PO304",
                    c,
                    BUCKET_ARN,
                    "bucket `rec-bucket` has Object Ownership `not set`, so ACLs still grant access",
                ))
                .collect(),
        },
        Case {
            rule: "PO305",
            mutate: |inv| bucket_mut(inv).encryption = Fact::Absent,
            config: base_config,
            expected: ["oidc", "static"]
                .into_iter()
                .map(|c| row("PO305", c, BUCKET_ARN, "bucket `rec-bucket` has no default encryption configuration"))
                .collect(),
        },
        Case {
            rule: "PO401",
            mutate: |inv| set_bucket_policy(inv, GUIDE_BUCKET_POLICY),
            config: base_config,
            expected: vec![
                row("PO401", "static", USER_ARN, "`videsk-connector` cannot s3:PutObject anywhere under `rec-bucket/uploads/`: every such request is explicitly denied"),
                row("PO440", "", BUCKET_ARN, "statement DenyNonPrefixedWrites of bucket policy of `rec-bucket` tests `s3:prefix`, which s3:PutObject never carries: the Deny applies unconditionally to s3:PutObject"),
            ],
        },
        Case {
            rule: "PO402",
            mutate: |inv| set_user_policy(inv, &allow("s3:PutObject", "arn:aws:s3:::rec-bucket/*")),
            config: base_config,
            expected: vec![row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed")],
        },
        Case {
            rule: "PO403",
            mutate: |inv| set_user_policy(inv, &allow("s3:GetObject", "arn:aws:s3:::rec-bucket/uploads/*")),
            config: base_config,
            expected: vec![
                row("PO401", "static", USER_ARN, "`videsk-connector` cannot s3:PutObject anywhere under `rec-bucket/uploads/`: every such request is implicitly denied (noallow)"),
                row("PO403", "static", USER_ARN, "`videsk-connector` can do more than its allowed actions: s3:GetObject"),
            ],
        },
        Case {
            rule: "PO404",
            mutate: |inv| set_user_policy(inv, &allow("s3:PutObject", "arn:aws:s3:::rec-bucket*")),
            config: base_config,
            expected: vec![
                row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed"),
                row("PO404", "static", USER_ARN, "`videsk-connector` reaches other buckets: s3:PutObject"),
            ],
        },
        Case {
            rule: "PO405",
            mutate: |inv| {
                let text = WRITE_UPLOADS.replace("\"s3:PutObject\"", "[\"s3:PutObject\", \"s3:PutBucketPolicy\"]").replace("rec-bucket/uploads/*", "rec-bucket*");
                set_user_policy(inv, &text);
            },
            config: base_config,
            expected: vec![
                row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed"),
                row("PO404", "static", USER_ARN, "`videsk-connector` reaches other buckets: s3:PutObject"),
                row("PO405", "static", USER_ARN, "`videsk-connector` can change permissions (privilege escalation): s3:PutBucketPolicy"),
            ],
        },
        Case {
            rule: "PO406",
            mutate: |inv| {
                user_mut(inv).inline_policies.push(InlinePolicy {
                    name: "keys".into(),
                    document: PolicyText::new(allow("iam:CreateAccessKey", USER_ARN)),
                });
            },
            config: base_config,
            expected: vec![row("PO406", "static", USER_ARN, "`videsk-connector` can mint or reset credentials: iam:CreateAccessKey")],
        },
        Case {
            rule: "PO407",
            mutate: |inv| {
                user_mut(inv).inline_policies.push(InlinePolicy {
                    name: "almost-all".into(),
                    document: PolicyText::new(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "s3:*", "sts:*"], "Resource": "*"}]}"#),
                });
            },
            config: base_config,
            expected: vec![row("PO407", "static", USER_ARN, "`videsk-connector` is close to administrator: its grants reach services beyond S3 (ec2:RunInstances on `*` is allowed)")],
        },
        Case {
            rule: "PO408",
            mutate: |inv| user_mut(inv).attached_policies.push("arn:aws:iam::111122223333:policy/gone".into()),
            config: base_config,
            expected: vec![row("PO408", "static", USER_ARN, "the answers about `videsk-connector` leave out arn:aws:iam::111122223333:policy/gone (not in the inventory)")],
        },
        Case {
            rule: "PO410",
            mutate: |inv| {
                role_mut(inv).trust_policy = PolicyText::new(PINNED_TRUST.replace(
                    "\"accounts.google.com:sub\": \"104857600000000000001\",\n        \"accounts.google.com:aud\": \"104857600000000000001\"",
                    "\"accounts.google.com:aud\": \"cloud-connector@bridge-fed-connector.iam.gserviceaccount.com\"",
                ));
            },
            config: base_config,
            expected: vec![
                row("PO410", "oidc", ROLE_ARN, "any Google service account can assume `videsk-connector-oidc`: the trust policy does not pin the token's subject, and anyone can mint a token for the vendor's audience"),
            ],
        },
        Case {
            rule: "PO411",
            mutate: |inv| {
                role_mut(inv).trust_policy = PolicyText::new(PINNED_TRUST.replace(
                    "arn:aws:iam::111122223333:oidc-provider/accounts.google.com",
                    "accounts.google.com",
                ));
            },
            config: base_config,
            expected: vec![row("PO411", "oidc", ROLE_ARN, "the trust policy of `videsk-connector-oidc` accepts tokens minted for any audience")],
        },
        Case {
            rule: "PO412",
            mutate: |inv| {
                role_mut(inv).trust_policy = PolicyText::new(PINNED_TRUST.replace(
                    "\"Principal\": {\"Federated\": \"arn:aws:iam::111122223333:oidc-provider/accounts.google.com\"},",
                    "\"Principal\": {\"Federated\": \"arn:aws:iam::111122223333:oidc-provider/accounts.google.com\", \"AWS\": \"arn:aws:iam::444455556666:root\"},",
                ).replace("\"Action\": \"sts:AssumeRoleWithWebIdentity\"", "\"Action\": [\"sts:AssumeRoleWithWebIdentity\", \"sts:AssumeRole\"]"));
            },
            config: base_config,
            expected: vec![row("PO412", "oidc", ROLE_ARN, "the trust policy of `videsk-connector-oidc` also admits account `444455556666`")],
        },
        Case {
            rule: "PO413",
            mutate: |inv| {
                role_mut(inv).trust_policy = PolicyText::new(PINNED_TRUST.replace("104857600000000000001", "111111111111111111111"));
            },
            config: base_config,
            expected: vec![row("PO413", "oidc", ROLE_ARN, "the trust policy of `videsk-connector-oidc` refuses the vendor's own token")],
        },
        Case {
            rule: "PO420",
            mutate: |inv| {
                let mut etl = inv.users[0].clone();
                etl.name = "etl".into();
                etl.arn = "arn:aws:iam::111122223333:user/etl".into();
                etl.inline_policies = inline(&allow("s3:*", "*"));
                inv.users.push(etl);
            },
            config: base_config,
            expected: vec![row("PO420", "", BUCKET_ARN, "`arn:aws:iam::111122223333:user/etl` can also write into `rec-bucket`")],
        },
        Case {
            rule: "PO421",
            mutate: |inv| {
                set_bucket_policy(inv, r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/public/*"}]}"#);
                bucket_mut(inv).public_access_block = Fact::Absent;
            },
            config: base_config,
            expected: vec![
                row("PO303", "oidc", BUCKET_ARN, "Block Public Access is off for bucket `rec-bucket` at both account and bucket level: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"),
                row("PO303", "static", BUCKET_ARN, "Block Public Access is off for bucket `rec-bucket` at both account and bucket level: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"),
                row("PO402", "oidc", ROLE_ARN, "`videsk-connector-oidc` can write outside `uploads/`: s3:PutObject of key `public/` is allowed"),
                row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `public/` is allowed"),
                row("PO421", "", BUCKET_ARN, "anyone, anonymous callers included, can write into `rec-bucket`"),
            ],
        },
        Case {
            rule: "PO422",
            mutate: |inv| set_bucket_policy(inv, r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/public/*"}]}"#),
            config: base_config,
            // Same-account principals are not public: RestrictPublicBuckets
            // leaves the connectors' own access through `*` in place.
            expected: vec![
                row("PO402", "oidc", ROLE_ARN, "`videsk-connector-oidc` can write outside `uploads/`: s3:PutObject of key `public/` is allowed"),
                row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `public/` is allowed"),
                row("PO422", "", BUCKET_ARN, "the bucket policy grants public writes, neutralised by RestrictPublicBuckets, into `rec-bucket`"),
            ],
        },
        Case {
            rule: "PO430",
            mutate: |inv| {
                set_user_policy(inv, &allow("s3:PutObject", "arn:aws:s3:::rec-bucket/*"));
                inv.access_points = Fact::Present(vec![AccessPoint {
                    name: "rec-ap".into(),
                    arn: "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap".into(),
                    bucket: "rec-bucket".into(),
                    network_origin: "Internet".into(),
                    policy: Fact::Present(PolicyText::new(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/uploads/*"}]}"#)),
                    public_access_block: Fact::Absent,
                }]);
            },
            config: base_config,
            expected: vec![
                row("PO402", "static", USER_ARN, "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed"),
                row("PO430", "static", "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap", "access point `rec-ap` has a policy, but it restricts only requests made through it: `videsk-connector` still writes directly to `rec-bucket`"),
            ],
        },
        Case {
            rule: "PO440",
            mutate: |inv| {
                user_mut(inv).inline_policies.push(InlinePolicy {
                    name: "list".into(),
                    document: PolicyText::new(r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NeverGrants", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringLike": {"s3:prefix": "uploads/*"}}}]}"#),
                });
            },
            config: base_config,
            expected: vec![row("PO440", "", USER_ARN, "statement NeverGrants of inline policy `list` of arn:aws:iam::111122223333:user/videsk-connector tests `s3:prefix`, which s3:GetObject never carries: the Allow never grants s3:GetObject")],
        },
        Case {
            rule: "PO450",
            mutate: |inv| {
                role_mut(inv).trust_policy = PolicyText::new(PINNED_TRUST.replace(
                    "\"accounts.google.com:aud\": \"104857600000000000001\"\n      }}",
                    "\"accounts.google.com:aud\": \"104857600000000000001\"\n      }, \"StringEquals\": {\"accounts.google.com:aud\": \"x\"}}",
                ));
            },
            config: base_config,
            expected: vec![
                row("PO450", "", ROLE_ARN, "trust policy of arn:aws:iam::111122223333:role/videsk-connector-oidc is invalid and was not evaluated: line 12, column 10: duplicate key `StringEquals` (first at line 9, column 21)"),
            ],
        },
        Case {
            rule: "PO901",
            mutate: |_| {},
            config: || {
                format!(
                    "{}\n[[suppression]]\nrule = \"PO203\"\nresource = \"{USER_ARN}\"\nreason = \"vendor rotates next week\"\nexpires = 2026-11-30\n",
                    base_config()
                )
            },
            expected: vec![row(
                "PO901",
                "",
                "putonly.toml",
                "the suppression of PO203 on `arn:aws:iam::111122223333:user/videsk-connector` at line 22 expired on 2026-11-30: its findings count again",
            )],
        },
    ]
}

#[test]
fn every_rule_fires_on_its_noncompliant_fixture_with_exact_findings() {
    for case in cases() {
        let mut inv = compliant();
        (case.mutate)(&mut inv);
        let mut got = summary(&scan(&inv, &(case.config)()));
        got.sort();
        let mut expected = case.expected.clone();
        expected.sort();
        if got != expected {
            eprintln!("MISMATCH {}\n got: {:#?}", case.rule, got);
        }
        assert_eq!(got, expected, "rule {}", case.rule);
    }
}

#[test]
fn every_rule_in_the_catalogue_has_a_fixture() {
    let catalog = Catalog::load().unwrap();
    let covered: Vec<&str> = cases().iter().map(|c| c.rule).collect();
    for rule in &catalog.rules {
        assert!(
            covered.contains(&rule.id.as_str()),
            "no fixture for {}",
            rule.id
        );
    }
}

#[test]
fn near_misses_stay_compliant() {
    // A key exactly at the maximum age, and one used 90 days ago, pass.
    let mut inv = compliant();
    keys_mut(&mut inv)[0].create_date = "2026-09-02T00:00:00Z".into();
    keys_mut(&mut inv)[0].last_used = Fact::Present(LastUsed {
        date: "2026-09-02T00:00:00Z".into(),
        service: None,
        region: None,
    });
    // An inactive second key does not count as active.
    let mut inactive = keys_mut(&mut inv)[0].clone();
    inactive.id = "AKIAI44QH8DHBEXAMPLE".into();
    inactive.status = "Inactive".into();
    inactive.create_date = "2020-01-01T00:00:00Z".into();
    keys_mut(&mut inv).push(inactive);
    // Block Public Access on at account level only is enough.
    inv.account_public_access_block = Fact::Present(PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    });
    bucket_mut(&mut inv).public_access_block = Fact::Absent;
    let writers = |findings: &[Finding]| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.rule_id.starts_with("PO42"))
            .map(|f| f.rule_id.clone())
            .collect()
    };
    assert_eq!(writers(&scan(&inv, &base_config())), Vec::<String>::new());
    // A suppression is live through its expiry day (the scan's day).
    let live = format!(
        "{}\n[[suppression]]\nrule = \"PO203\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2026-12-01\n",
        base_config()
    );
    assert_eq!(summary(&scan(&inv, &live)), vec![]);
}

#[test]
fn unknown_facts_are_not_guessed_by_other_rules() {
    let mut inv = compliant();
    bucket_mut(&mut inv).public_access_block = Fact::Unknown("AccessDenied".into());
    let rules: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert_eq!(rules, vec!["PO002"]);
}

#[test]
fn an_unknown_bucket_policy_is_not_read_as_no_policy() {
    // The identity policy alone would let the connector write anywhere in
    // the bucket; a bucket policy that could not be read may deny it.
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        &allow("s3:PutObject", "arn:aws:s3:::rec-bucket/*"),
    );
    bucket_mut(&mut inv).policy = Fact::Unknown("AccessDenied: Access Denied".into());
    let findings = scan(&inv, &base_config());
    let rules: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(rules, ["PO002", "PO408", "PO408"], "{findings:#?}");
    assert_eq!(
        findings[1].message,
        "the answers about `videsk-connector-oidc` leave out bucket policy of `rec-bucket` \
         (not collected: AccessDenied: Access Denied)"
    );

    // The same when the buckets themselves could not be listed.
    inv.buckets = Fact::Unknown("not in an authorization-details file".into());
    let rules: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert_eq!(rules, ["PO002", "PO408", "PO408"]);
}

#[test]
fn findings_do_not_depend_on_the_source_kind() {
    let mut live = compliant();
    bucket_mut(&mut live).public_access_block = Fact::Unknown("AccessDenied".into());
    live.source.kind = "live".into();
    let mut dumped = live.clone();
    dumped.source.kind = "dump".into();
    let findings = scan(&live, &base_config());
    assert_eq!(findings.len(), 1);
    assert_eq!(findings, scan(&dumped, &base_config()));
}

const POINT_ARN: &str = "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap";

fn with_access_point(inv: &mut Inventory, policy: Option<&str>) {
    inv.access_points = Fact::Present(vec![AccessPoint {
        name: "rec-ap".into(),
        arn: POINT_ARN.into(),
        bucket: "rec-bucket".into(),
        network_origin: "Internet".into(),
        policy: policy.map_or(Fact::Absent, |p| Fact::Present(PolicyText::new(p))),
        public_access_block: Fact::Absent,
    }]);
}

/// A connector confined on the bucket's ARN but granted writes through the
/// account's access points writes outside its prefix there; the corrected
/// bucket policy, judged on the bucket's object, confines that path too.
#[test]
fn writes_through_an_access_point_are_searched() {
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "UploadsAndPoints", "Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::rec-bucket/uploads/*", "arn:aws:s3:us-west-1:111122223333:accesspoint/*"]}]}"#,
    );
    with_access_point(&mut inv, None);
    let findings = scan(&inv, &base_config());
    assert_eq!(
        summary(&findings),
        vec![row(
            "PO402",
            "static",
            USER_ARN,
            "`videsk-connector` can write outside `uploads/` through access point arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap: s3:PutObject of key `other/x` is allowed"
        )]
    );
    let evidence: Vec<String> = findings[0]
        .evidence
        .iter()
        .map(|e| format!("{} | {}", e.label, e.value))
        .collect();
    assert_eq!(
        evidence,
        [
            "witness request | s3:PutObject on arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/other/x",
            "decision | allowed",
            "decided by | statement UploadsAndPoints of inline policy `connector` of arn:aws:iam::111122223333:user/videsk-connector (line 1)",
        ]
    );

    // The fix the finding carries is a bucket policy; with it in place the
    // path through the access point is confined as well.
    let fix = findings[0].remediation.clone().unwrap();
    set_bucket_policy(&mut inv, &fix);
    assert_eq!(summary(&scan(&inv, &base_config())), vec![]);
}

/// An access point open to anyone writes into the bucket only when the
/// bucket delegates to its access points.
#[test]
fn public_writes_through_an_access_point_need_the_bucket_to_delegate() {
    const OPEN_POINT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/*"}]}"#;
    const DELEGATE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Delegate", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": ["arn:aws:s3:::rec-bucket", "arn:aws:s3:::rec-bucket/*"], "Condition": {"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}}}]}"#;
    let mut inv = compliant();
    with_access_point(&mut inv, Some(OPEN_POINT));
    bucket_mut(&mut inv).public_access_block = Fact::Absent;
    let writers = |findings: &[Finding]| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.rule_id.starts_with("PO42"))
            .map(|f| f.rule_id.clone())
            .collect()
    };
    assert_eq!(writers(&scan(&inv, &base_config())), Vec::<String>::new());

    set_bucket_policy(&mut inv, DELEGATE);
    let findings = scan(&inv, &base_config());
    assert_eq!(writers(&findings), ["PO421"], "{:#?}", summary(&findings));
    let public: Vec<_> = findings.iter().filter(|f| f.rule_id == "PO421").collect();
    let evidence: Vec<String> = public[0]
        .evidence
        .iter()
        .map(|e| format!("{} | {}", e.label, e.value))
        .collect();
    assert_eq!(
        evidence[..3],
        [
            "witness request | s3:PutObject on arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/x".to_owned(),
            "decision | allowed".to_owned(),
            "decided by | statement Anyone of access point policy of arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap (line 1)".to_owned(),
        ]
    );
}

/// A `NotAction` statement covers every action it does not name; its
/// condition key is reported when none of those can carry it, and only
/// then.
#[test]
fn not_action_statements_are_checked_for_keys_no_covered_action_carries() {
    let bucket_deny = |not_action: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "DenyUnlessListedPrefix", "Effect": "Deny", "Principal": "*", "NotAction": {not_action}, "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {{"StringNotLikeIfExists": {{"s3:prefix": "uploads/*"}}}}}}]}}"#
        )
    };
    let lint = |not_action: &str| {
        let mut inv = compliant();
        set_bucket_policy(&mut inv, &bucket_deny(not_action));
        scan(&inv, &base_config())
            .into_iter()
            .filter(|f| f.rule_id == "PO440")
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    // Only the list actions carry `s3:prefix`, and this NotAction leaves
    // them out: every action it covers lacks the key.
    assert_eq!(
        lint(r#"["s3:ListBucket", "s3:ListBucketVersions"]"#),
        [
            "statement DenyUnlessListedPrefix of bucket policy of `rec-bucket` tests `s3:prefix`, which every action the NotAction covers never carries: the Deny applies unconditionally to every action the NotAction covers"
        ]
    );
    // Here it covers s3:ListBucket, which carries the key.
    assert_eq!(lint(r#""s3:PutObject""#), Vec::<String>::new());
}

/// A role that trusts Google's built-in principal needs no IAM identity
/// provider: PO101 is for roles that name the provider's ARN.
#[test]
fn a_role_trusting_the_built_in_google_principal_needs_no_provider() {
    let mut inv = compliant();
    inv.oidc_providers = Fact::Present(vec![]);
    role_mut(&mut inv).trust_policy = PolicyText::new(PINNED_TRUST.replace(
        "arn:aws:iam::111122223333:oidc-provider/accounts.google.com",
        "accounts.google.com",
    ));
    let rules: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert!(!rules.contains(&"PO101".to_owned()), "{rules:?}");
}
