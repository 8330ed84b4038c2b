//! Drift against a real AWS API: scenario S3 seeded in the local emulator,
//! snapshotted as the approved baseline, then changed through the API one
//! change at a time, and the drift report asserted by value. Then the
//! `putonly drift` command itself: exit codes, formats, --update-baseline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use putonly::config::Config;
use putonly::finding::Finding;
use putonly::inventory::Inventory;
use putonly::rules::checks::mask_key_id;
use putonly::source::snapshot;

use support::{Emulator, Seeded};

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
"#;

const USER: &str = "videsk-connector";
const USER_ARN: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";
const POLICY_ARN: &str = "arn:aws:iam::111122223333:policy/videsk-connector-put";
const BUCKET_ARN: &str = "arn:aws:s3:::rec-bucket";

type Row = (String, String, String, String);

fn row(rule: &str, connector: &str, resource: &str, message: &str) -> Row {
    (
        rule.into(),
        connector.into(),
        resource.into(),
        message.into(),
    )
}

/// `(rule, connector, resource, message)` of every finding.
fn summary(findings: &[Finding]) -> Vec<Row> {
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

fn evidence<'a>(finding: &'a Finding, label: &str) -> Vec<&'a str> {
    finding
        .evidence
        .iter()
        .filter(|e| e.label == label)
        .map(|e| e.value.as_str())
        .collect()
}

fn config() -> Config {
    Config::parse(CONFIG, Path::new("putonly.toml")).unwrap()
}

async fn collect(emulator: &Emulator) -> Inventory {
    putonly::source::aws::collect(&emulator.live_options())
        .await
        .unwrap_or_else(|err| panic!("live collection failed: {err}"))
}

/// What one case left: the seeding manifests and the drift.
struct Outcome {
    base: Seeded,
    step: Seeded,
    findings: Vec<Finding>,
}

/// Resets the emulator, seeds `base` (with unrelated noise), takes the
/// baseline snapshot, applies the change `step` through the API and
/// compares the account with the baseline.
async fn drift_after(emulator: &Emulator, base: &[&str], step: &str) -> Outcome {
    emulator.reset();
    let seeded = emulator.seed(base);
    // The baseline goes through the snapshot file format, as `putonly
    // snapshot` writes it and `putonly drift --baseline` reads it.
    let text = snapshot::to_string(&collect(emulator).await);
    let baseline = snapshot::parse(text.as_bytes(), Path::new("baseline.json")).unwrap();
    let changed = emulator.seed_with(&[step], false);
    let current = collect(emulator).await;
    let catalog = putonly::drift::catalog::load().unwrap();
    Outcome {
        base: seeded,
        step: changed,
        findings: putonly::drift::compare(&catalog, &baseline, &current, &config()),
    }
}

fn assert_rows(case: &str, findings: &[Finding], expected: &[Row]) {
    let got = summary(findings);
    if got != expected {
        eprintln!("{case}: {got:#?}");
    }
    assert_eq!(got, expected, "case {case}");
}

#[tokio::test]
async fn each_change_through_the_aws_api_is_reported_by_value() {
    let emulator = Emulator::start();
    widen_the_role_policy_to_s3_star(&emulator).await;
    drop_the_sub_condition(&emulator).await;
    replace_the_trust_with_the_guides(&emulator).await;
    add_a_group_with_s3_rights_to_the_user(&emulator).await;
    replace_the_bucket_policy_with_the_guides(&emulator).await;
    rotate_the_access_key(&emulator).await;
    reorder_statements_and_change_whitespace_only(&emulator).await;
}

async fn widen_the_role_policy_to_s3_star(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3"], "widen-role-s3-star").await;
    let f = &out.findings;
    // The role's resource is `rec-bucket/*`: only object actions are gained.
    assert_rows(
        "widen-role-s3-star",
        f,
        &[
            row(
                "PO804",
                "oidc",
                ROLE_ARN,
                "`videsk-connector-oidc` can now change permissions or mint credentials: s3:BypassGovernanceRetention, s3:ObjectOwnerOverrideToBucketOwner, s3:PutObjectAcl, s3:PutObjectVersionAcl",
            ),
            row(
                "PO803",
                "oidc",
                ROLE_ARN,
                "`videsk-connector-oidc` gained s3:AbortMultipartUpload, s3:DeleteObject, s3:DeleteObjectAnnotation, s3:DeleteObjectTagging, s3:DeleteObjectVersion, s3:DeleteObjectVersionAnnotation, s3:DeleteObjectVersionTagging, s3:GetObject, s3:GetObjectAcl, s3:GetObjectAnnotation, s3:GetObjectAttributes, s3:GetObjectLegalHold and 27 more",
            ),
            row(
                "PO822",
                "",
                POLICY_ARN,
                &format!(
                    "statement `PutRecordingsUnderUploads` of {POLICY_ARN} changed: `Action`: s3:PutObject → s3:*"
                ),
            ),
        ],
    );
    // "The connector gained s3:DeleteObject on rec-bucket/uploads/...",
    // with the request, the statement and the baseline's decision.
    let gained = &f[1];
    let witnesses = evidence(gained, "witness request");
    assert_eq!(witnesses.len(), 12);
    assert_eq!(
        witnesses[1],
        "s3:DeleteObject on arn:aws:s3:::rec-bucket/uploads/x"
    );
    let granted = format!("statement PutRecordingsUnderUploads of {POLICY_ARN} (line 4)");
    assert_eq!(evidence(gained, "granted by")[1], granted);
    assert_eq!(
        evidence(gained, "in the baseline")[1],
        "implicitly denied (noallow)"
    );
    assert!(evidence(gained, "all actions")[0].contains("s3:PutObjectTagging"));
    let location = gained.location.as_ref().unwrap();
    assert_eq!(
        (location.document.as_str(), location.line),
        (POLICY_ARN, Some(4))
    );
    // The statement change and the deltas point at each other.
    assert_eq!(
        evidence(gained, "changed since the baseline"),
        [f[2].rule_id.clone() + " " + &f[2].message]
    );
    assert_eq!(evidence(&f[2], "access delta").len(), 2);
    assert_eq!(
        evidence(&f[2], "now"),
        ["Allow s3:* on arn:aws:s3:::rec-bucket/uploads/*"]
    );
}

async fn drop_the_sub_condition(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3"], "drop-sub").await;
    // S3 pins `aud` to the vendor's numeric id too. The access model takes
    // `aud` from the token's `azp` (the caller's own id), so a stranger's
    // service-account token is still refused. A token without `azp`, whose
    // audience the stranger picks, is asked about with every audience the
    // trust tests; through the IAM provider AWS first requires that
    // audience in the client-id list (here only the vendor's e-mail), so
    // the vendor's id is refused there too, and this change alters no
    // access the model can see.
    assert_rows(
        "drop-sub",
        &out.findings,
        &[row(
            "PO823",
            "",
            ROLE_ARN,
            &format!(
                "statement `#1` of trust policy of {ROLE_ARN} changed: condition `StringEquals accounts.google.com:sub` removed (was 104857600000000000001)"
            ),
        )],
    );
    assert_eq!(
        evidence(&out.findings[0], "access delta"),
        ["none found for the configured connectors"]
    );
    let trust = out.step.document("role/videsk-connector-oidc/trust");
    assert!(!trust.contains(":sub") && trust.contains(":aud"), "{trust}");
}

async fn replace_the_trust_with_the_guides(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3"], "trust-audience-only").await;
    let f = &out.findings;
    assert_rows(
        "trust-audience-only",
        f,
        &[
            row(
                "PO805",
                "oidc",
                ROLE_ARN,
                "the role `videsk-connector-oidc` can now be assumed by any Google service account: a stranger's token with the vendor's audience is accepted",
            ),
            row(
                "PO823",
                "",
                ROLE_ARN,
                &format!(
                    "statement `#1` of trust policy of {ROLE_ARN} changed: condition `StringEquals accounts.google.com:aud`: 104857600000000000001 → cloud-connector@bridge-fed-connector.iam.gserviceaccount.com; condition `StringEquals accounts.google.com:sub` removed (was 104857600000000000001)"
                ),
            ),
        ],
    );
    assert_eq!(
        evidence(&f[0], "witness request"),
        [format!(
            "sts:AssumeRoleWithWebIdentity on {ROLE_ARN} with provider arn:aws:iam::111122223333:oidc-provider/accounts.google.com, accounts.google.com:aud=cloud-connector@bridge-fed-connector.iam.gserviceaccount.com, accounts.google.com:oaud=cloud-connector@bridge-fed-connector.iam.gserviceaccount.com, accounts.google.com:sub=999999999999999999999"
        )]
    );
    assert_eq!(
        evidence(&f[0], "decided by"),
        [format!(
            "statement #1 of trust policy of {ROLE_ARN} (line 4)"
        )]
    );
    assert_eq!(
        evidence(&f[0], "in the baseline"),
        ["refused: no statement of the trust policy allowed it"]
    );
}

async fn add_a_group_with_s3_rights_to_the_user(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3", "static-user"], "group-s3-full").await;
    let f = &out.findings;
    let group = "arn:aws:iam::111122223333:group/storage-admins";
    let policy = "arn:aws:iam::111122223333:policy/s3-full-access";
    assert_rows(
        "group-s3-full",
        f,
        &[
            row(
                "PO804",
                "static",
                USER_ARN,
                "`videsk-connector` can now change permissions or mint credentials: s3:AssociateAccessGrantsIdentityCenter, s3:BypassGovernanceRetention, s3:CreateAccessGrant, s3:CreateAccessGrantsInstance, s3:CreateAccessGrantsLocation, s3:DeleteAccessGrant, s3:DeleteAccessGrantsInstance, s3:DeleteAccessGrantsInstanceResourcePolicy, s3:DeleteAccessGrantsLocation, s3:DeleteAccessPointPolicy, s3:DeleteAccessPointPolicyForObjectLambda, s3:DeleteBucketPolicy and 15 more",
            ),
            row(
                "PO803",
                "static",
                USER_ARN,
                "`videsk-connector` gained s3:AbortMultipartUpload, s3:AllowVendedLogDeliveryForResource, s3:CreateAccessPoint, s3:CreateAccessPointForObjectLambda, s3:CreateBucket, s3:CreateBucketMetadataTableConfiguration, s3:CreateJob, s3:CreateMultiRegionAccessPoint, s3:CreateStorageLensGroup, s3:DeleteAccessPoint, s3:DeleteAccessPointForObjectLambda, s3:DeleteBucket and 141 more",
            ),
            row("PO820", "", group, &format!("group `{group}` created")),
            row(
                "PO821",
                "",
                USER_ARN,
                &format!("user `{USER_ARN}` added to group `storage-admins`"),
            ),
            row("PO822", "", policy, &format!("{policy} created")),
        ],
    );
    // The rights reach other buckets of the account, with a witness.
    assert!(
        evidence(&f[1], "all actions")[0].contains("s3:DeleteObject"),
        "{:?}",
        f[1].evidence
    );
    assert_eq!(
        evidence(&f[1], "granted by")[0],
        format!("statement #1 of {policy} (line 4)")
    );
    // The membership and the new policy explain the delta; the group
    // itself, without a document of its own, does not.
    assert_eq!(
        evidence(&f[1], "changed since the baseline"),
        [
            format!("PO821 user `{USER_ARN}` added to group `storage-admins`"),
            format!("PO822 {policy} created"),
        ]
    );
    assert_eq!(
        evidence(&f[4], "statement #1"),
        ["Allow s3-object-lambda:*, s3:* on *"]
    );
    assert_eq!(out.base.keys(USER).len(), 1);
}

async fn replace_the_bucket_policy_with_the_guides(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3", "static-user"], "guide-bucket-policy").await;
    let f = &out.findings;
    assert_rows(
        "guide-bucket-policy",
        f,
        &[
            row(
                "PO801",
                "static",
                USER_ARN,
                "`videsk-connector` can no longer s3:PutObject under `rec-bucket/uploads/`: every such request is explicitly denied now",
            ),
            row(
                "PO809",
                "static",
                USER_ARN,
                "`videsk-connector` can no longer write outside `uploads/` (key `other/x` was writable)",
            ),
            row(
                "PO822",
                "",
                BUCKET_ARN,
                "bucket policy of `rec-bucket` added",
            ),
        ],
    );
    // "Writes to uploads/ are no longer allowed", refused by the guide's
    // Deny whose `s3:prefix` condition PutObject never carries.
    assert_eq!(
        evidence(&f[0], "refused request"),
        ["s3:PutObject on arn:aws:s3:::rec-bucket/uploads/putonly-check.bin"]
    );
    assert_eq!(
        evidence(&f[0], "decided by"),
        ["statement DenyNonPrefixedWrites of bucket policy of `rec-bucket` (line 13)"]
    );
    assert_eq!(
        evidence(&f[0], "baseline decided by"),
        [format!(
            "statement #1 of inline policy `videsk-put-recordings` of {USER_ARN} (line 4)"
        )]
    );
    assert_eq!(
        evidence(&f[2], "statement DenyNonPrefixedWrites"),
        [format!(
            "Deny s3:PutObject on arn:aws:s3:::rec-bucket/* for AWS {USER_ARN} if StringNotLikeIfExists s3:prefix = uploads/*"
        )]
    );
    // The write outside the prefix went away through the same statement.
    assert_eq!(
        evidence(&f[1], "now"),
        [
            "explicitly denied by statement DenyNonPrefixedWrites of bucket policy of `rec-bucket` (line 13)"
        ]
    );
    assert_eq!(evidence(&f[2], "access delta").len(), 2);
}

async fn rotate_the_access_key(emulator: &Emulator) {
    let out = drift_after(emulator, &["S3", "static-user"], "rotate-key").await;
    let old = &out.base.keys(USER)[0];
    let new = &out.step.keys(USER)[0];
    assert_ne!(old, new);
    // Reports show key ids masked.
    let (old, new) = (mask_key_id(old), mask_key_id(new));
    assert_rows(
        "rotate-key",
        &out.findings,
        &[row(
            "PO824",
            "",
            USER_ARN,
            &format!("access key of user `{USER_ARN}` rotated: `{old}` replaced by `{new}`"),
        )],
    );
    assert_eq!(
        evidence(&out.findings[0], "access delta"),
        ["none found for the configured connectors"]
    );
}

async fn reorder_statements_and_change_whitespace_only(emulator: &Emulator) {
    let out = drift_after(
        emulator,
        &["S3", "static-user", "guide-bucket-policy"],
        "reformat-documents",
    )
    .await;
    // The documents really were rewritten, with another text.
    let bucket = out.step.document("bucket/rec-bucket/policy");
    assert_ne!(bucket, out.base.document("bucket/rec-bucket/policy"));
    assert!(bucket.find("DenyNonPrefixedWritesV2") < bucket.find("AllowPrefixedWritesV2"));
    assert_ne!(
        out.step.document("policy/videsk-connector-put"),
        out.base.document("policy/videsk-connector-put")
    );
    assert_rows("reformat-documents", &out.findings, &[]);
}

// The command, on snapshots of the example account.

fn putonly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_putonly"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Nothing may reach a metadata address or real AWS.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The example account's snapshot, and one whose static connector's
/// policy is widened to `s3:*`.
fn example_snapshots(dir: &Path) -> (String, String) {
    let base = dir.join("baseline.json");
    let base = base.to_str().unwrap().to_owned();
    let out = putonly(&[
        "snapshot",
        "--from-dump",
        "examples/guide-account",
        "--out",
        &base,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&base).unwrap();
    let widened = text.replacen(
        "\"            \\\"Action\\\": \\\"s3:PutObject\\\",\"",
        "\"            \\\"Action\\\": \\\"s3:*\\\",\"",
        1,
    );
    assert_ne!(widened, text, "the example's user policy changed shape");
    let current = dir.join("current.json");
    std::fs::write(&current, widened).unwrap();
    (base, current.to_str().unwrap().to_owned())
}

#[test]
fn no_drift_exits_0_and_leaves_the_baseline_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _) = example_snapshots(dir.path());
    let before = std::fs::read_to_string(&base).unwrap();
    let out = putonly(&[
        "drift",
        "--baseline",
        &base,
        "--from-dump",
        "examples/guide-account",
        "--config",
        "examples/putonly.toml",
        "--fail-on",
        "info",
        "--update-baseline",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().last().unwrap(),
        "0 findings in account 111122223333 (dump source, collected 2026-12-04T17:39:06Z)"
    );
    assert!(stdout.contains("connector recordings-static (static, user videsk-connector writes to rec-bucket/uploads/): no findings"));
    assert_eq!(std::fs::read_to_string(&base).unwrap(), before);
}

#[test]
fn drift_fails_on_its_severity_renders_every_format_and_updates_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (base, current) = example_snapshots(dir.path());
    let drift = |extra: &[&str]| {
        let mut args = vec![
            "drift",
            "--baseline",
            &base,
            "--snapshot",
            &current,
            "--config",
            "examples/putonly.toml",
        ];
        args.extend(extra);
        putonly(&args)
    };

    // JSON: the gained escalation is critical, so even --fail-on critical
    // fails; the statement change is informational.
    let out = drift(&["--format", "json", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [("PO804", "critical"), ("PO803", "high"), ("PO822", "info")]
    );
    assert_eq!(json["summary"]["by_severity"]["critical"], 1);

    // SARIF carries the drift kinds as its rules.
    let out = drift(&["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 20);
    assert_eq!(run["results"][0]["ruleId"], "PO804");
    assert_eq!(
        run["tool"]["driver"]["rules"][3]["name"],
        "ConnectorGainedEscalation"
    );

    // The table, then the baseline rewritten with the current facts: the
    // next run has nothing to report.
    let out = drift(&["--color", "never", "--update-baseline"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.ends_with(
            "3 findings (1 critical, 1 high, 1 info) in account 111122223333 (dump source, collected 2026-12-04T17:39:06Z)\n"
        ),
        "{table}"
    );
    assert_eq!(
        std::fs::read_to_string(&base).unwrap(),
        std::fs::read_to_string(&current).unwrap()
    );
    let out = drift(&["--fail-on", "info"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_missing_baseline_is_an_error_that_names_it() {
    let out = putonly(&[
        "drift",
        "--baseline",
        "no/such/baseline.json",
        "--from-dump",
        "examples/guide-account",
        "--config",
        "examples/putonly.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.starts_with("putonly: cannot read `no/such/baseline.json`: "),
        "{text}"
    );
}
