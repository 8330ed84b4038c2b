//! The accounts of `shared/cases/scenarios.md` (S1 to S8) as inventories
//! built in code, each with the `putonly.toml` it is scanned with. Only
//! what a scenario says is set; the rest is a plain, compliant account.

use putonly::inventory::*;

pub const ACCOUNT: &str = "111122223333";
pub const NOW: &str = "2026-12-01T00:00:00Z";
pub const USER_ARN: &str = "arn:aws:iam::111122223333:user/videsk-connector";
pub const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";
const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";

/// One scenario: a name for the snapshots, the account and the config.
pub struct Scenario {
    pub name: &'static str,
    pub inventory: Inventory,
    pub config: String,
}

const STATIC_CONNECTOR: &str = r#"[[connector]]
name = "recordings-static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"
"#;

const OIDC_CONNECTOR: &str = r#"[[connector]]
name = "recordings-oidc"
mode = "oidc"
principal = "videsk-connector-oidc"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"

[connector.oidc]
audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
subject = "104857600000000000001"
"#;

/// The guide's identity policy: PutObject on the whole bucket.
const GUIDE_PUT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::rec-bucket/*"
    }
  ]
}"#;

const UPLOADS_PUT: &str = r#"{
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

const PINNED_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "VendorOnly",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "accounts.google.com:sub": "104857600000000000001",
          "accounts.google.com:aud": "104857600000000000001"
        }
      }
    }
  ]
}"#;

/// S7: two `StringEquals` keys in one Condition object.
const DUPLICATE_KEY_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {"accounts.google.com:sub": "104857600000000000001"},
        "StringEquals": {"accounts.google.com:aud": "104857600000000000001"}
      }
    }
  ]
}"#;

fn policy(statement: &str) -> String {
    format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {statement}\n  ]\n}}")
}

fn inline(name: &str, text: &str) -> Vec<InlinePolicy> {
    vec![InlinePolicy {
        name: name.into(),
        document: PolicyText::new(text),
    }]
}

fn all_on() -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    }
}

fn key(id: &str, created: &str, last_used: Option<&str>) -> AccessKey {
    AccessKey {
        id: id.into(),
        status: "Active".into(),
        create_date: created.into(),
        last_used: match last_used {
            Some(date) => Fact::Present(LastUsed {
                date: date.into(),
                service: Some("s3".into()),
                region: Some("us-west-1".into()),
            }),
            None => Fact::Absent,
        },
    }
}

fn user(name: &str, policy_text: &str) -> User {
    User {
        arn: format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
        name: name.into(),
        id: format!("AIDAEXAMPLE{:0>9}", name.len()),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        inline_policies: inline("put-recordings", policy_text),
        attached_policies: vec![],
        groups: vec![],
        permissions_boundary: None,
        access_keys: Fact::Present(vec![key(
            "AKIAIOSFODNN7EXAMPLE",
            "2026-10-01T00:00:00Z",
            Some("2026-11-30T10:00:00Z"),
        )]),
        console_password: Fact::Present(false),
        mfa_devices: Fact::Present(vec![]),
    }
}

fn role(trust: &str, policy_text: &str) -> Role {
    Role {
        arn: ROLE_ARN.into(),
        name: "videsk-connector-oidc".into(),
        id: "AROAEXAMPLEROLE00001".into(),
        path: "/".into(),
        create_date: "2026-10-01T00:00:00Z".into(),
        trust_policy: PolicyText::new(trust),
        inline_policies: inline("put-recordings", policy_text),
        attached_policies: vec![],
        permissions_boundary: None,
        max_session_duration: Some(3600),
        last_used: None,
    }
}

fn provider(thumbprints: &[&str]) -> OidcProvider {
    OidcProvider {
        arn: PROVIDER_ARN.into(),
        url: "accounts.google.com".into(),
        client_ids: vec!["cloud-connector@bridge-fed-connector.iam.gserviceaccount.com".into()],
        thumbprints: thumbprints.iter().map(|t| (*t).to_owned()).collect(),
        create_date: "2026-10-01T00:00:00Z".into(),
    }
}

fn bucket(policy: Option<&str>) -> Bucket {
    Bucket {
        name: "rec-bucket".into(),
        region: Fact::Present("us-west-1".into()),
        policy: policy.map_or(Fact::Absent, |text| Fact::Present(PolicyText::new(text))),
        public_access_block: Fact::Present(all_on()),
        ownership: Fact::Present("BucketOwnerEnforced".into()),
        encryption: Fact::Present(vec!["AES256".into()]),
        versioning: Fact::Absent,
        acl: Fact::Present(vec![]),
    }
}

fn access_point(policy: Option<&str>) -> AccessPoint {
    AccessPoint {
        name: "rec-ap".into(),
        arn: format!("arn:aws:s3:us-west-1:{ACCOUNT}:accesspoint/rec-ap"),
        bucket: "rec-bucket".into(),
        network_origin: "Internet".into(),
        policy: policy.map_or(Fact::Absent, |text| Fact::Present(PolicyText::new(text))),
        public_access_block: Fact::Present(all_on()),
    }
}

fn account() -> Inventory {
    let mut inv = Inventory::new(ACCOUNT, "snapshot", NOW);
    inv.oidc_providers = Fact::Present(vec![]);
    inv.buckets = Fact::Present(vec![bucket(None)]);
    inv.account_public_access_block = Fact::Present(all_on());
    inv.access_points = Fact::Present(vec![]);
    inv
}

/// S1: the guide, static path, as written.
fn s1() -> Scenario {
    let mut inv = account();
    inv.users.push(user("videsk-connector", GUIDE_PUT));
    inv.buckets = Fact::Present(vec![bucket(Some(GUIDE_BUCKET_POLICY))]);
    inv.access_points = Fact::Present(vec![access_point(None)]);
    Scenario {
        name: "s1",
        inventory: inv,
        config: STATIC_CONNECTOR.into(),
    }
}

fn oidc_account(trust: &str, policy_text: &str) -> Inventory {
    let mut inv = account();
    inv.oidc_providers = Fact::Present(vec![provider(&[
        "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
    ])]);
    inv.roles.push(role(trust, policy_text));
    inv
}

/// S2: the guide, OIDC path, trust with the audience only.
fn s2() -> Scenario {
    Scenario {
        name: "s2",
        inventory: oidc_account(AUDIENCE_ONLY_TRUST, GUIDE_PUT),
        config: OIDC_CONNECTOR.into(),
    }
}

/// S3: the OIDC path done right (the control: nothing above info).
fn s3() -> Scenario {
    Scenario {
        name: "s3",
        inventory: oidc_account(PINNED_TRUST, UPLOADS_PUT),
        config: OIDC_CONNECTOR.into(),
    }
}

/// S4: the over-privileged connector, one variant each.
fn s4(variant: char) -> Scenario {
    let mut inv = account();
    let statement = |action: &str, resource: &str| {
        policy(&format!(
            "{{\n      \"Sid\": \"Wide\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"{action}\",\n      \"Resource\": \"{resource}\"\n    }}"
        ))
    };
    let text = match variant {
        'b' => statement("s3:*", "*"),
        'c' => statement("s3:Put*", "arn:aws:s3:::rec-bucket/*"),
        'd' => statement("s3:PutObject", "arn:aws:s3:::rec-bucket*"),
        'e' => policy(
            "{\n      \"Sid\": \"AllButDelete\",\n      \"Effect\": \"Allow\",\n      \"NotAction\": \"s3:DeleteObject\",\n      \"Resource\": \"*\"\n    }",
        ),
        _ => UPLOADS_PUT.to_owned(),
    };
    let mut connector = user("videsk-connector", &text);
    match variant {
        'f' => {
            connector.groups.push("storage-admins".into());
            inv.groups.push(Group {
                arn: format!("arn:aws:iam::{ACCOUNT}:group/storage-admins"),
                name: "storage-admins".into(),
                id: "AGPAEXAMPLEGROUP0001".into(),
                path: "/".into(),
                inline_policies: inline("s3-full", &statement("s3:*", "*")),
                attached_policies: vec![],
            });
        }
        'g' => {
            let arn = format!("arn:aws:iam::{ACCOUNT}:policy/rotate-keys");
            connector.attached_policies.push(arn.clone());
            inv.policies.push(ManagedPolicy {
                arn,
                name: "rotate-keys".into(),
                path: "/".into(),
                default_version_id: "v1".into(),
                aws_managed: false,
                document: PolicyText::new(statement("iam:CreateAccessKey", USER_ARN)),
            });
        }
        _ => {}
    }
    inv.users.push(connector);
    let name = match variant {
        'b' => "s4b",
        'c' => "s4c",
        'd' => "s4d",
        'e' => "s4e",
        'f' => "s4f",
        _ => "s4g",
    };
    Scenario {
        name,
        inventory: inv,
        config: STATIC_CONNECTOR.into(),
    }
}

/// S5: someone else can write (another user, and the public).
fn s5() -> Scenario {
    let mut inv = oidc_account(PINNED_TRUST, UPLOADS_PUT);
    let mut etl = user(
        "etl",
        &policy(
            "{\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:*\",\n      \"Resource\": \"*\"\n    }",
        ),
    );
    etl.access_keys = Fact::Present(vec![]);
    inv.users.push(etl);
    let public = policy(
        "{\n      \"Sid\": \"PublicDrop\",\n      \"Effect\": \"Allow\",\n      \"Principal\": \"*\",\n      \"Action\": \"s3:PutObject\",\n      \"Resource\": \"arn:aws:s3:::rec-bucket/public/*\"\n    }",
    );
    let mut open = bucket(Some(&public));
    open.public_access_block = Fact::Absent;
    inv.buckets = Fact::Present(vec![open]);
    inv.account_public_access_block = Fact::Absent;
    Scenario {
        name: "s5",
        inventory: inv,
        config: OIDC_CONNECTOR.into(),
    }
}

/// S6: the access point is not a fence.
fn s6() -> Scenario {
    let mut inv = account();
    inv.users.push(user("videsk-connector", GUIDE_PUT));
    let fence = policy(
        "{\n      \"Sid\": \"UploadsThroughAp\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:user/videsk-connector\"},\n      \"Action\": \"s3:PutObject\",\n      \"Resource\": \"arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/uploads/*\"\n    }",
    );
    inv.access_points = Fact::Present(vec![access_point(Some(&fence))]);
    Scenario {
        name: "s6",
        inventory: inv,
        config: STATIC_CONNECTOR.into(),
    }
}

/// S7: a trust document with a duplicate key.
fn s7() -> Scenario {
    Scenario {
        name: "s7",
        inventory: oidc_account(DUPLICATE_KEY_TRUST, UPLOADS_PUT),
        config: OIDC_CONNECTOR.into(),
    }
}

/// S8: static key hygiene, with one live and one expired suppression.
fn s8() -> Scenario {
    let mut inv = account();
    let mut connector = user("videsk-connector", UPLOADS_PUT);
    connector.access_keys = Fact::Present(vec![
        key("AKIAI44QH8DHBEXAMPLE", "2025-10-27T00:00:00Z", None),
        key(
            "AKIAIOSFODNN7EXAMPLE",
            "2026-10-01T00:00:00Z",
            Some("2026-11-30T10:00:00Z"),
        ),
    ]);
    connector.console_password = Fact::Present(true);
    inv.users.push(connector);
    let config = format!(
        "{STATIC_CONNECTOR}
[[suppression]]
rule = \"PO204\"
resource = \"arn:aws:iam::*:user/videsk-connector\"
reason = \"console access needed until the vendor's *portal* | migration ends\"
expires = 2027-03-31

[[suppression]]
rule = \"PO203\"
resource = \"{USER_ARN}\"
reason = \"the vendor said they would rotate\"
expires = 2026-11-15
"
    );
    Scenario {
        name: "s8",
        inventory: inv,
        config,
    }
}

/// Every scenario, S1 to S8 (S4 in its six variants).
pub fn all() -> Vec<Scenario> {
    let mut out = vec![s1(), s2(), s3()];
    out.extend(['b', 'c', 'd', 'e', 'f', 'g'].into_iter().map(s4));
    out.extend([s5(), s6(), s7(), s8()]);
    out
}
