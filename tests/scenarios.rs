//! The scenarios of `shared/cases/scenarios.md`, end to end. Each account is
//! seeded into the emulator through the AWS API, scanned live through the
//! SDK and from a dump that `scripts/dump-account.sh` writes with the real
//! AWS CLI, and its conclusions are asserted by value: rule ids in severity
//! order, messages, witness requests, and the statements that decide them
//! (document, Sid or `#N`, line). Both sources must conclude the same.
//!
//! Each test starts one emulator and resets it between its scenarios; the
//! tests run in parallel. Noise (unrelated users, roles, buckets) is seeded
//! where it can mislead a scan, in S3 (the control) and S5 (who else
//! writes); a dump with noise takes three times as long, so the other
//! scenarios go without.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use putonly::app;
use putonly::config::Config;
use putonly::finding::{Finding, Severity};
use putonly::inventory::{Fact, Inventory, PolicyText};
use putonly::policy::{
    Context, LabelledPolicy, PolicyKind, PolicySet, Request, RequestPrincipal, Verdict, authorize,
    parse,
};
use putonly::rules::Catalog;
use putonly::source::{aws, dump};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use support::{Emulator, Seeded};

use Severity::{Critical, High, Info, Low, Medium};

const USER: &str = "videsk-connector";
const USER_ARN: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";
const BUCKET_ARN: &str = "arn:aws:s3:::rec-bucket";
const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";
const GUIDE_POLICY_ARN: &str = "arn:aws:iam::111122223333:policy/videsk-connector-put";
const BUCKET_POLICY: &str = "bucket policy of `rec-bucket`";
const TRUST: &str = "trust policy of arn:aws:iam::111122223333:role/videsk-connector-oidc";

/// The static connector of every scenario's `putonly.toml`.
const STATIC: &str = r#"
[[connector]]
name = "recordings-static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"
"#;

/// The OIDC connector: the vendor's audience and service account id.
const OIDC: &str = r#"
[[connector]]
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

const THUMBPRINT_NOTE: &str = "AWS validates `accounts.google.com` tokens against its own trusted certificate authorities and does not use the configured thumbprints; `1c58a3a8518e8759bf075b76b750d4f2df264fcd` belongs to GitHub's certificate chain, not Google's";

// ---------------------------------------------------------------------------
// Running a scenario

/// One scenario's account, collected live and dumped with the AWS CLI.
struct Account {
    name: String,
    seeded: Seeded,
    live: Inventory,
    dump_dir: PathBuf,
    config: Config,
    _dir: tempfile::TempDir,
}

/// Seeds `scenarios` into a freshly reset emulator, collects the account
/// both ways, and writes a `putonly.toml` with `connectors`.
async fn collect(
    emulator: &Emulator,
    scenarios: &[&str],
    noise: bool,
    connectors: &[&str],
) -> Account {
    let started = Instant::now();
    emulator.reset();
    let seeded = emulator.seed_with(scenarios, noise);
    let live = aws::collect(&emulator.live_options()).await.unwrap();
    assert_eq!(live.gaps, [], "{scenarios:?}");
    assert_eq!(live.unknowns(), [], "{scenarios:?}");

    let dir = tempfile::tempdir().unwrap();
    let dump_dir = dir.path().join("dump");
    let messages = emulator.dump_account(&dump_dir);
    assert!(messages.contains("(0 failed commands)"), "{messages}");

    let config_path = dir.path().join("putonly.toml");
    std::fs::write(&config_path, connectors.concat()).unwrap();
    let config = Config::load(&config_path).unwrap();
    let name = scenarios.join("+");
    eprintln!(
        "{name}: seeded and collected both ways in {:?}",
        started.elapsed()
    );
    Account {
        name,
        seeded,
        live,
        dump_dir,
        config,
        _dir: dir,
    }
}

impl Account {
    /// The findings of the live scan, after checking that the dump's scan
    /// concludes the same.
    fn scan(&self) -> Vec<Finding> {
        let dumped = dump::load(&self.dump_dir).unwrap();
        assert_eq!(dumped.gaps, [], "{}", self.name);
        let live = evaluate(&self.live, &self.config);
        let from_dump = evaluate(&dumped, &self.config);
        assert_same_conclusions(&self.name, &live, &from_dump);
        live
    }

    /// Backdates an access key to `days` before the live collection, in
    /// the live inventory and in the dump alike: the emulator stamps a key
    /// with the moment it is created and cannot backdate it.
    fn age_key(&mut self, key_id: &str, days: i64) {
        let collected = OffsetDateTime::parse(&self.live.source.collected_at, &Rfc3339).unwrap();
        let date = (collected - time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap()
            .format(&Rfc3339)
            .unwrap();

        let user = self.live.users.iter_mut().find(|u| u.name == USER).unwrap();
        let Fact::Present(keys) = &mut user.access_keys else {
            panic!("{:?}", user.access_keys)
        };
        let key = keys.iter_mut().find(|k| k.id == key_id).unwrap();
        key.create_date.clone_from(&date);

        let path = self
            .dump_dir
            .join(format!("iam/users/{USER}/access-keys.json"));
        let mut listed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for key in listed["AccessKeyMetadata"].as_array_mut().unwrap() {
            if key["AccessKeyId"] == key_id {
                key["CreateDate"] = serde_json::Value::String(date.clone());
            }
        }
        std::fs::write(&path, serde_json::to_string_pretty(&listed).unwrap()).unwrap();
    }
}

fn evaluate(inventory: &Inventory, config: &Config) -> Vec<Finding> {
    app::evaluate(&Catalog::load().unwrap(), inventory, config).unwrap()
}

/// Live and dump findings are equal, to the column: the dump keeps every
/// document as AWS returned it.
fn assert_same_conclusions(name: &str, live: &[Finding], dump: &[Finding]) {
    let a = serde_json::to_value(live).unwrap();
    let b = serde_json::to_value(dump).unwrap();
    assert!(
        a == b,
        "{name}: the live and dump scans differ:\nlive: {a:#}\ndump: {b:#}"
    );
}

// ---------------------------------------------------------------------------
// Reading findings

/// `(rule id, severity)` of every finding, in report order.
fn rules(findings: &[Finding]) -> Vec<(&str, Severity)> {
    findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity))
        .collect()
}

/// The only finding of `rule`.
fn one<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    let found: Vec<&Finding> = findings.iter().filter(|f| f.rule_id == rule).collect();
    assert_eq!(found.len(), 1, "{rule}: {findings:#?}");
    found[0]
}

/// The evidence rows of a finding as `label | value`.
fn evidence(finding: &Finding) -> Vec<String> {
    finding
        .evidence
        .iter()
        .map(|e| format!("{} | {}", e.label, e.value))
        .collect()
}

/// The finding points at `statement` (a Sid or `#N`) of `document`, at
/// `line`.
fn assert_at(finding: &Finding, document: &str, statement: &str, line: usize) {
    let location = finding
        .location
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no location", finding.rule_id));
    assert_eq!(
        (
            location.document.as_str(),
            location.statement.as_deref(),
            location.line
        ),
        (document, Some(statement), Some(line)),
        "{}",
        finding.rule_id
    );
}

/// `statement X of DOC (line N)`, as evidence rows describe a statement.
fn statement(sid: &str, document: &str, line: usize) -> String {
    format!("statement {sid} of {document} (line {line})")
}

/// A witness request allowed by one statement, as evidence rows.
fn allowed_by(label: &str, request: &str, decided_by: &str) -> Vec<String> {
    vec![
        format!("{label} | {request}"),
        "decision | allowed".to_owned(),
        format!("decided by | {decided_by}"),
    ]
}

/// An inline policy's label in findings.
fn inline(policy: &str, owner: &str) -> String {
    format!("inline policy `{policy}` of {owner}")
}

/// An access key id masked as reports show it.
fn masked(id: &str) -> String {
    format!(
        "{}{}{}",
        &id[..4],
        "*".repeat(id.len() - 8),
        &id[id.len() - 4..]
    )
}

// ---------------------------------------------------------------------------
// The corrected bucket policy, re-evaluated

/// Who asks, as the engine sees a request: the user, or a session of the
/// role (whose `aws:PrincipalArn` is the role's ARN).
#[derive(Debug, Clone, Copy)]
enum Caller {
    User,
    Role,
}

impl Caller {
    fn principal(self) -> (RequestPrincipal, &'static str) {
        match self {
            Caller::User => (RequestPrincipal::iam_user(USER_ARN), USER_ARN),
            Caller::Role => (
                RequestPrincipal::role_session(
                    "arn:aws:sts::111122223333:assumed-role/videsk-connector-oidc/vendor",
                    ROLE_ARN,
                ),
                ROLE_ARN,
            ),
        }
    }
}

/// The engine's verdict on `action` on `rec-bucket/key` with the caller's
/// identity policy and a bucket policy.
fn verdict(
    identity: &str,
    bucket_policy: &str,
    caller: Caller,
    action: &str,
    key: &str,
) -> Verdict {
    let identity = parse(identity, PolicyKind::Identity).unwrap();
    let bucket = parse(bucket_policy, PolicyKind::Resource).unwrap();
    let set = PolicySet {
        identity: vec![LabelledPolicy::new("identity", &identity)],
        resource: Some(LabelledPolicy::new(BUCKET_POLICY, &bucket)),
        ..PolicySet::default()
    };
    let (principal, arn) = caller.principal();
    let context = Context::new()
        .with("aws:PrincipalArn", arn)
        .with("aws:PrincipalAccount", "111122223333")
        .with("aws:SecureTransport", "true");
    let request = Request::new(principal, action, &format!("{BUCKET_ARN}/{key}"), context)
        .with_resource_account("111122223333");
    authorize(&set, &request).verdict
}

/// With the corrected bucket policy, `caller` (whose identity policy lets
/// it write anywhere in the bucket) writes under `uploads/` and nowhere
/// else, and does nothing else in the bucket.
fn assert_confined(identity: &str, fixed: &str, caller: Caller) {
    for key in ["uploads/a.mp4", "uploads/2026/12/01/rec:1.webm"] {
        let got = verdict(identity, fixed, caller, "s3:PutObject", key);
        assert_eq!(got, Verdict::Allow, "{caller:?} {key}");
    }
    for key in [
        "other/x",
        "x",
        "uploads",
        "Uploads/a.mp4",
        "uploads-evil/a",
        "public/uploads/a",
    ] {
        let got = verdict(identity, fixed, caller, "s3:PutObject", key);
        assert_eq!(got, Verdict::ExplicitDeny, "{caller:?} {key}");
    }
    let read = verdict(identity, fixed, caller, "s3:GetObject", "uploads/a.mp4");
    assert_ne!(read, Verdict::Allow, "{caller:?} reads");
}

// ---------------------------------------------------------------------------
// S1

/// The PO401 of S1: every write under `uploads/` is refused by the guide's
/// Deny, because PutObject never carries `s3:prefix`.
fn assert_guide_deny_blocks_the_user(finding: &Finding) {
    assert_eq!(finding.connector.as_deref(), Some("recordings-static"));
    assert_eq!(finding.resource, USER_ARN);
    assert_eq!(
        finding.message,
        "`videsk-connector` cannot s3:PutObject anywhere under `rec-bucket/uploads/`: every such request is explicitly denied"
    );
    assert_at(finding, BUCKET_POLICY, "DenyNonPrefixedWrites", 13);
    assert_eq!(
        evidence(finding),
        [
            "witness request | s3:PutObject on arn:aws:s3:::rec-bucket/uploads/putonly-check.bin",
            "decision | explicitly denied",
            &format!(
                "decided by | {}",
                statement("DenyNonPrefixedWrites", BUCKET_POLICY, 13)
            ),
            "condition | `s3:prefix` (StringNotLikeIfExists) in statement DenyNonPrefixedWrites of bucket policy of `rec-bucket` (line 13): s3:PutObject never carries this key, so the clause always holds",
            "why | `StringNotLikeIfExists s3:prefix`: s3:PutObject never carries `s3:prefix`, so the Deny applies unconditionally to s3:PutObject",
        ]
    );
}

fn assert_absent_key_lint(finding: &Finding) {
    assert_eq!(finding.resource, BUCKET_ARN);
    assert_eq!(
        finding.message,
        "statement DenyNonPrefixedWrites of bucket policy of `rec-bucket` tests `s3:prefix`, which s3:PutObject never carries: the Deny applies unconditionally to s3:PutObject"
    );
    // The line of the `s3:prefix` key.
    assert_at(finding, BUCKET_POLICY, "DenyNonPrefixedWrites", 23);
}

/// The corrected policy keeps the guide's Allow, drops its broken Deny and
/// adds the two Denies keyed on `aws:PrincipalArn` for `principals`.
fn assert_corrected_shape(fixed: &str, principals: &[&str]) {
    let policy = parse(fixed, PolicyKind::Resource).unwrap();
    let labels: Vec<String> = policy.statements.iter().map(|s| s.label()).collect();
    assert_eq!(
        labels,
        [
            "AllowPrefixedWrites",
            "DenyConnectorWritesOutsidePrefix",
            "DenyConnectorEverythingElse"
        ]
    );
    let value: serde_json::Value = serde_json::from_str(fixed).unwrap();
    let outside = &value["Statement"][1];
    assert_eq!(outside["NotResource"], "arn:aws:s3:::rec-bucket/uploads/*");
    assert_eq!(
        outside["Condition"]["ArnEquals"]["aws:PrincipalArn"],
        serde_json::json!(principals)
    );
    assert_eq!(
        value["Statement"][2]["NotAction"],
        serde_json::json!(["s3:PutObject"])
    );
}

#[tokio::test]
async fn s1_the_guide_static_path_cannot_write_and_the_corrected_policy_works() {
    let emulator = Emulator::start();

    // S1 as the guide writes it.
    let account = collect(&emulator, &["S1"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [("PO401", High), ("PO440", Medium), ("PO203", Low)],
        "{findings:#?}"
    );
    let blocked = one(&findings, "PO401");
    assert_guide_deny_blocks_the_user(blocked);
    assert_absent_key_lint(one(&findings, "PO440"));
    // The one key, never used (moto records no use): hygiene, not access.
    let key = &account.seeded.keys(USER)[0];
    assert_eq!(
        one(&findings, "PO203").message,
        format!(
            "access key {} of `videsk-connector` has never been used",
            masked(key)
        )
    );

    let fixed = blocked.remediation.clone().unwrap();
    assert_corrected_shape(&fixed, &[USER_ARN]);
    let user_policy = account.live.user(USER).unwrap().inline_policies[0]
        .document
        .as_str();
    assert_eq!(
        user_policy,
        account
            .seeded
            .document("user/videsk-connector/inline/videsk-put-recordings")
    );
    assert_eq!(
        verdict(
            user_policy,
            account.seeded.document("bucket/rec-bucket/policy"),
            Caller::User,
            "s3:PutObject",
            "uploads/a.mp4"
        ),
        Verdict::ExplicitDeny
    );
    assert_confined(user_policy, &fixed, Caller::User);

    // Both paths of the guide (S1 and S2 with account-level Block Public
    // Access): the correction confines the user and the role alike.
    let account = collect(&emulator, &["example"], false, &[STATIC, OIDC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [
            ("PO410", Critical),
            ("PO401", High),
            ("PO402", High),
            ("PO440", Medium),
            ("PO203", Low),
            ("PO104", Info)
        ],
        "{findings:#?}"
    );
    let blocked = one(&findings, "PO401");
    assert_guide_deny_blocks_the_user(blocked);
    let outside = one(&findings, "PO402");
    assert_eq!(outside.resource, ROLE_ARN);
    assert_at(outside, GUIDE_POLICY_ARN, "#1", 4);
    let fixed = blocked.remediation.clone().unwrap();
    // One bucket, one fix, whichever finding offers it.
    assert_eq!(outside.remediation.as_deref(), Some(fixed.as_str()));
    assert_corrected_shape(&fixed, &[USER_ARN, ROLE_ARN]);

    let user_policy = account.live.user(USER).unwrap().inline_policies[0]
        .document
        .as_str();
    let role_policy = account
        .live
        .policies
        .iter()
        .find(|p| p.arn == GUIDE_POLICY_ARN)
        .unwrap()
        .document
        .as_str();
    assert_eq!(
        verdict(
            role_policy,
            account.seeded.document("bucket/rec-bucket/policy"),
            Caller::Role,
            "s3:PutObject",
            "other/x"
        ),
        Verdict::Allow
    );
    assert_confined(user_policy, &fixed, Caller::User);
    assert_confined(role_policy, &fixed, Caller::Role);

    // And a scan of the account with the corrected policy in place has
    // nothing left to say about where the connectors write.
    let mut corrected = account.live.clone();
    let Fact::Present(buckets) = &mut corrected.buckets else {
        panic!("{:?}", corrected.buckets)
    };
    let bucket = buckets.iter_mut().find(|b| b.name == "rec-bucket").unwrap();
    bucket.policy = Fact::Present(PolicyText::new(fixed));
    let after = evaluate(&corrected, &account.config);
    assert_eq!(
        rules(&after),
        [("PO410", Critical), ("PO203", Low), ("PO104", Info)],
        "{after:#?}"
    );
}

// ---------------------------------------------------------------------------
// S2, S3, S7: who can assume the OIDC connector's role

#[tokio::test]
async fn s2_s3_s7_who_can_assume_the_oidc_connector() {
    let emulator = Emulator::start();

    // S2: the guide's trust, audience only.
    let account = collect(&emulator, &["S2"], false, &[OIDC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [("PO410", Critical), ("PO402", High), ("PO104", Info)],
        "{findings:#?}"
    );
    let stranger = one(&findings, "PO410");
    assert_eq!(stranger.resource, ROLE_ARN);
    assert_eq!(
        stranger.message,
        "any Google service account can assume `videsk-connector-oidc`: the trust policy does not pin the token's subject, and anyone can mint a token for the vendor's audience"
    );
    assert_at(stranger, TRUST, "#1", 4);
    assert_eq!(
        evidence(stranger),
        allowed_by(
            "witness request",
            &format!(
                "sts:AssumeRoleWithWebIdentity on {ROLE_ARN} with provider {PROVIDER_ARN}, \
                 accounts.google.com:aud=cloud-connector@bridge-fed-connector.iam.gserviceaccount.com, \
                 accounts.google.com:oaud=cloud-connector@bridge-fed-connector.iam.gserviceaccount.com, \
                 accounts.google.com:sub=999999999999999999999"
            ),
            &statement("#1", TRUST, 4)
        )
    );
    // The corrected trust pins the subject and the audience.
    let trust: serde_json::Value =
        serde_json::from_str(stranger.remediation.as_deref().unwrap()).unwrap();
    let statement_0 = &trust["Statement"][0];
    assert_eq!(statement_0["Principal"]["Federated"], PROVIDER_ARN);
    assert_eq!(
        statement_0["Condition"]["StringEquals"]["accounts.google.com:sub"],
        "104857600000000000001"
    );
    assert_eq!(
        statement_0["Condition"]["StringEquals"]["accounts.google.com:oaud"],
        "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
    );

    let outside = one(&findings, "PO402");
    assert_eq!(
        outside.message,
        "`videsk-connector-oidc` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed"
    );
    assert_at(outside, GUIDE_POLICY_ARN, "#1", 4);
    assert_eq!(
        evidence(outside),
        allowed_by(
            "witness request",
            "s3:PutObject on arn:aws:s3:::rec-bucket/other/x",
            &statement("#1", GUIDE_POLICY_ARN, 4)
        )
    );
    let note = one(&findings, "PO104");
    assert_eq!(note.message, THUMBPRINT_NOTE);
    assert_eq!(note.resource, PROVIDER_ARN);

    // S3, the control: done right, among unrelated principals and buckets.
    // Anything above informational would be a false positive.
    let account = collect(&emulator, &["S3"], true, &[OIDC]).await;
    let findings = account.scan();
    assert_eq!(rules(&findings), [("PO104", Info)], "{findings:#?}");
    assert_eq!(findings[0].message, THUMBPRINT_NOTE);

    // S7, live: the duplicate `StringEquals` is an error at the second key,
    // and the trust is not evaluated as if it were well-formed.
    emulator.reset();
    let seeded = emulator.seed_with(&["S7"], false);
    let written = seeded.document("role/videsk-connector-oidc/trust");
    assert_eq!(written.matches("\"StringEquals\"").count(), 2, "{written}");
    let live = aws::collect(&emulator.live_options()).await.unwrap();
    let config = Config::parse(OIDC, Path::new("putonly.toml")).unwrap();
    assert_s7_conclusions(&evaluate(&live, &config));
}

fn assert_s7_conclusions(findings: &[Finding]) {
    assert_eq!(
        rules(findings),
        [("PO450", High), ("PO104", Info)],
        "{findings:#?}"
    );
    let invalid = one(findings, "PO450");
    assert_eq!(invalid.resource, ROLE_ARN);
    assert_eq!(
        invalid.message,
        format!(
            "{TRUST} is invalid and was not evaluated: line 14, column 9: duplicate key `StringEquals` (first at line 11, column 9)"
        )
    );
    let location = invalid.location.as_ref().unwrap();
    assert_eq!(
        (location.document.as_str(), location.line, location.column),
        (TRUST, Some(14), Some(9))
    );
}

/// S7 from the dump. The AWS CLI would parse IAM documents with a reader
/// that keeps the last duplicate key; `dump-account.sh` keeps them as IAM
/// returned them, so the dump's scan reports PO450 at the same place.
#[tokio::test]
async fn s7_from_the_dump() {
    let emulator = Emulator::start();
    let account = collect(&emulator, &["S7"], false, &[OIDC]).await;
    assert_s7_conclusions(&account.scan());
}

// ---------------------------------------------------------------------------
// S4: over-privileged connectors

/// The evidence of an extra-actions finding: each witness request is
/// followed by the statement that grants it, always `granted_by` here.
fn assert_witnesses(finding: &Finding, requests: &[&str], granted_by: &str) {
    let rows = evidence(finding);
    let expected: Vec<String> = requests
        .iter()
        .flat_map(|r| {
            [
                format!("witness request | {r}"),
                format!("granted by | {granted_by}"),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "{}", finding.rule_id);
}

/// The first witness rows of an extra-actions finding, for findings that
/// list a dozen.
fn assert_first_witnesses(finding: &Finding, requests: &[&str], granted_by: &str) {
    let rows = evidence(finding);
    assert_eq!(rows.len(), 24, "{}: {rows:#?}", finding.rule_id);
    for (pair, request) in rows.chunks(2).zip(requests) {
        assert_eq!(pair[0], format!("witness request | {request}"));
        assert_eq!(pair[1], format!("granted by | {granted_by}"));
    }
    for pair in rows.chunks(2) {
        assert_eq!(pair[1], format!("granted by | {granted_by}"));
    }
}

fn assert_outside(findings: &[Finding], decided_by: &str) {
    let outside = one(findings, "PO402");
    assert_eq!(
        outside.message,
        "`videsk-connector` can write outside `uploads/`: s3:PutObject of key `other/x` is allowed"
    );
    assert_eq!(
        evidence(outside),
        allowed_by(
            "witness request",
            "s3:PutObject on arn:aws:s3:::rec-bucket/other/x",
            decided_by
        )
    );
}

/// S4b and S4f: all of S3, from an inline policy or through a group.
fn assert_all_of_s3(findings: &[Finding], document: &str, sid: &str) {
    assert_eq!(
        rules(findings),
        [
            ("PO405", Critical),
            ("PO402", High),
            ("PO403", High),
            ("PO404", High)
        ],
        "{findings:#?}"
    );
    let granted_by = statement(sid, document, 4);
    for finding in findings {
        assert_eq!(finding.resource, USER_ARN);
        assert_at(finding, document, sid, 4);
    }
    assert_outside(findings, &granted_by);

    let permissions = one(findings, "PO405");
    assert!(
        permissions.message.starts_with(
            "`videsk-connector` can change permissions (privilege escalation): s3:AssociateAccessGrantsIdentityCenter, s3:BypassGovernanceRetention, "
        ),
        "{}",
        permissions.message
    );
    assert!(permissions.message.contains(" s3:DeleteBucketPolicy, "));
    assert_first_witnesses(
        permissions,
        &[
            "s3:AssociateAccessGrantsIdentityCenter on arn:aws:s3:x:111122223333:access-grants/default",
            "s3:BypassGovernanceRetention on arn:aws:s3:::rec-bucket/other/x",
        ],
        &granted_by,
    );

    // Reads, deletes and bucket management: extra actions, the most
    // consequential access level first (writes, then reads).
    let extra = one(findings, "PO403");
    assert!(
        extra.message.starts_with(
            "`videsk-connector` can do more than its allowed actions: s3:AbortMultipartUpload, s3:CreateAccessPointForObjectLambda, s3:CreateBucket, "
        ),
        "{}",
        extra.message
    );
    assert!(extra.message.contains(" s3:DeleteBucket, "));
    assert_first_witnesses(
        extra,
        &[
            "s3:AbortMultipartUpload on arn:aws:s3:::rec-bucket/other/x",
            "s3:CreateAccessPointForObjectLambda on arn:aws:s3-object-lambda:x:111122223333:accesspoint/x",
        ],
        &granted_by,
    );

    // Any other bucket: with no other bucket in the account, one named `x`.
    let others = one(findings, "PO404");
    assert!(
        others.message.starts_with(
            "`videsk-connector` reaches other buckets: s3:AbortMultipartUpload, s3:CreateBucket, "
        ),
        "{}",
        others.message
    );
    assert_first_witnesses(
        others,
        &[
            "s3:AbortMultipartUpload on arn:aws:s3:::x/x",
            "s3:CreateBucket on arn:aws:s3:::x",
        ],
        &granted_by,
    );
}

#[tokio::test]
async fn s4b_to_s4d_over_privileged_s3_grants() {
    let emulator = Emulator::start();

    // (b) s3:* on *.
    let account = collect(&emulator, &["S4b"], false, &[STATIC]).await;
    let document = inline("videsk-s3-everything", USER_ARN);
    assert_all_of_s3(&account.scan(), &document, "EverythingInS3");

    // (c) s3:Put* on the bucket's objects: object-level actions only, never
    // the bucket's own settings (its policy, ACL, Block Public Access).
    let account = collect(&emulator, &["S4c"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [("PO405", Critical), ("PO402", High), ("PO403", High)],
        "{findings:#?}"
    );
    let document = inline("videsk-put-anything", USER_ARN);
    let granted_by = statement("PutWildcard", &document, 4);
    for finding in &findings {
        assert_at(finding, &document, "PutWildcard", 4);
    }
    assert_outside(&findings, &granted_by);
    let permissions = one(&findings, "PO405");
    assert_eq!(
        permissions.message,
        "`videsk-connector` can change permissions (privilege escalation): s3:PutObjectAcl, s3:PutObjectVersionAcl"
    );
    assert_witnesses(
        permissions,
        &[
            "s3:PutObjectAcl on arn:aws:s3:::rec-bucket/other/x",
            "s3:PutObjectVersionAcl on arn:aws:s3:::rec-bucket/other/x",
        ],
        &granted_by,
    );
    let extra = one(&findings, "PO403");
    let actions = [
        "s3:PutObjectAnnotation",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionAnnotation",
        "s3:PutObjectVersionTagging",
    ];
    assert_eq!(
        extra.message,
        format!(
            "`videsk-connector` can do more than its allowed actions: {}",
            actions.join(", ")
        )
    );
    let requests: Vec<String> = actions
        .iter()
        .map(|a| format!("{a} on arn:aws:s3:::rec-bucket/other/x"))
        .collect();
    let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
    assert_witnesses(extra, &requests, &granted_by);

    // (d) s3:PutObject on `rec-bucket*`: it reaches `rec-bucket-backups`.
    let account = collect(&emulator, &["S4d"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [("PO402", High), ("PO404", High)],
        "{findings:#?}"
    );
    let document = inline("videsk-put-bucket-wildcard", USER_ARN);
    let granted_by = statement("PutBucketWildcard", &document, 4);
    assert_outside(&findings, &granted_by);
    let others = one(&findings, "PO404");
    assert_eq!(
        others.message,
        "`videsk-connector` reaches other buckets: s3:PutObject"
    );
    assert_at(others, &document, "PutBucketWildcard", 4);
    assert_witnesses(
        others,
        &["s3:PutObject on arn:aws:s3:::rec-bucket-backups/x"],
        &granted_by,
    );
}

#[tokio::test]
async fn s4e_to_s4g_over_privileged_beyond_the_inline_policy() {
    let emulator = Emulator::start();

    // (e) Allow NotAction s3:DeleteObject on *: everything else, in every
    // service.
    let account = collect(&emulator, &["S4e"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [
            ("PO405", Critical),
            ("PO406", Critical),
            ("PO407", Critical),
            ("PO402", High),
            ("PO403", High),
            ("PO404", High)
        ],
        "{findings:#?}"
    );
    let document = inline("videsk-all-but-delete", USER_ARN);
    let granted_by = statement("AllButDelete", &document, 4);
    for finding in &findings {
        assert_at(finding, &document, "AllButDelete", 4);
    }
    let admin = one(&findings, "PO407");
    assert_eq!(
        admin.message,
        "`videsk-connector` is close to administrator: its grants reach services beyond S3 (ec2:RunInstances on `*` is allowed)"
    );
    assert_eq!(
        evidence(admin),
        allowed_by("witness request", "ec2:RunInstances on *", &granted_by)
    );
    let credentials = one(&findings, "PO406");
    let actions = [
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:CreateServiceSpecificCredential",
        "iam:EnableMFADevice",
        "iam:ResetServiceSpecificCredential",
        "iam:UpdateAccessKey",
        "iam:UpdateLoginProfile",
        "iam:UploadSSHPublicKey",
    ];
    assert_eq!(
        credentials.message,
        format!(
            "`videsk-connector` can mint or reset credentials: {}",
            actions.join(", ")
        )
    );
    let requests: Vec<String> = actions
        .iter()
        .map(|a| format!("{a} on {USER_ARN}"))
        .collect();
    let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
    assert_witnesses(credentials, &requests, &granted_by);
    let permissions = one(&findings, "PO405");
    assert!(
        permissions.message.starts_with(
            "`videsk-connector` can change permissions (privilege escalation): iam:AttachGroupPolicy, iam:AttachRolePolicy, iam:AttachUserPolicy, "
        ),
        "{}",
        permissions.message
    );
    assert_first_witnesses(
        permissions,
        &[
            "iam:AttachGroupPolicy on arn:aws:iam::111122223333:group/x",
            "iam:AttachRolePolicy on arn:aws:iam::111122223333:role/x",
            &format!("iam:AttachUserPolicy on {USER_ARN}"),
        ],
        &granted_by,
    );
    assert_outside(&findings, &granted_by);
    assert!(
        one(&findings, "PO404").message.starts_with(
            "`videsk-connector` reaches other buckets: s3:AbortMultipartUpload, s3:CreateBucket, "
        ),
        "{}",
        one(&findings, "PO404").message
    );

    // (f) The right inline policy, and a group with S3 full access: the
    // group's policy is the granting statement.
    let account = collect(&emulator, &["S4f"], false, &[STATIC]).await;
    assert_all_of_s3(
        &account.scan(),
        "arn:aws:iam::111122223333:policy/s3-full-access",
        "#1",
    );

    // (g) The right inline policy, and an attached policy that lets it
    // create access keys for itself.
    let account = collect(&emulator, &["S4g"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(rules(&findings), [("PO406", Critical)], "{findings:#?}");
    let credentials = &findings[0];
    assert_eq!(
        credentials.message,
        "`videsk-connector` can mint or reset credentials: iam:CreateAccessKey"
    );
    let document = "arn:aws:iam::111122223333:policy/videsk-rotate-keys";
    assert_at(credentials, document, "RotateOwnKeys", 4);
    assert_witnesses(
        credentials,
        &[&format!("iam:CreateAccessKey on {USER_ARN}")],
        &statement("RotateOwnKeys", document, 4),
    );
}

// ---------------------------------------------------------------------------
// S5, S6: who else writes, and access points

#[tokio::test]
async fn s5_s6_other_writers_and_the_access_point_that_is_no_fence() {
    let emulator = Emulator::start();
    let public_grant = statement("PublicDropBox", BUCKET_POLICY, 4);
    let etl_grant = statement(
        "EtlEverythingInS3",
        &inline("etl-s3", "arn:aws:iam::111122223333:user/etl"),
        4,
    );

    // S5: S3 plus `etl` with s3:*, and a public write grant with Block
    // Public Access off at both levels, among unrelated principals.
    let account = collect(&emulator, &["S5"], true, &[OIDC]).await;
    let findings = account.scan();
    let mut expected = vec![
        ("PO421", Critical),
        ("PO303", High),
        ("PO402", High),
        ("PO104", Info),
    ];
    expected.extend([("PO420", Info); 6]);
    assert_eq!(rules(&findings), expected, "{findings:#?}");
    let public = one(&findings, "PO421");
    assert_eq!(
        (public.resource.as_str(), public.message.as_str()),
        (
            BUCKET_ARN,
            "anyone, anonymous callers included, can write into `rec-bucket`"
        )
    );
    assert_at(public, BUCKET_POLICY, "PublicDropBox", 4);
    assert_eq!(
        evidence(public),
        allowed_by(
            "witness request",
            "s3:PutObject on arn:aws:s3:::rec-bucket/public/x",
            &public_grant
        )
    );
    // `etl` through its own policy; every other principal of the account
    // through the public grant, which admits them as it admits anyone.
    let writer = |arn: &str, key: &str, grant: &str| {
        (
            format!("`arn:aws:iam::111122223333:{arn}` can also write into `rec-bucket`"),
            allowed_by(
                "witness request",
                &format!("s3:PutObject on arn:aws:s3:::rec-bucket/{key}"),
                grant,
            ),
        )
    };
    let writers: Vec<(String, Vec<String>)> = findings
        .iter()
        .filter(|f| f.rule_id == "PO420")
        .map(|f| (f.message.clone(), evidence(f)))
        .collect();
    assert_eq!(
        writers,
        [
            writer("role/ci-deployer", "public/x", &public_grant),
            writer("role/service-role/lambda-exec", "public/x", &public_grant),
            writer("user/alice", "public/x", &public_grant),
            writer("user/carol", "public/x", &public_grant),
            writer("user/etl", "x", &etl_grant),
            writer("user/staff/bob", "public/x", &public_grant),
        ]
    );
    let etl = findings
        .iter()
        .find(|f| f.message.contains("user/etl"))
        .unwrap();
    assert_at(
        etl,
        &inline("etl-s3", "arn:aws:iam::111122223333:user/etl"),
        "EtlEverythingInS3",
        4,
    );
    // What anyone can do, the connector can do too: it writes under public/.
    let outside = one(&findings, "PO402");
    assert_eq!(
        outside.message,
        "`videsk-connector-oidc` can write outside `uploads/`: s3:PutObject of key `public/` is allowed"
    );
    assert_at(outside, BUCKET_POLICY, "PublicDropBox", 4);
    assert_eq!(
        one(&findings, "PO303").message,
        "Block Public Access is off for bucket `rec-bucket` at both account and bucket level: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"
    );

    // S5 with RestrictPublicBuckets on: the public grant is neutralised.
    let account = collect(&emulator, &["S5-restricted"], false, &[OIDC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [
            ("PO303", High),
            ("PO402", High),
            ("PO104", Info),
            ("PO420", Info),
            ("PO422", Info)
        ],
        "{findings:#?}"
    );
    let neutralised = one(&findings, "PO422");
    assert_eq!(
        neutralised.message,
        "the bucket policy grants public writes, neutralised by RestrictPublicBuckets, into `rec-bucket`"
    );
    assert_at(neutralised, BUCKET_POLICY, "PublicDropBox", 4);
    assert_eq!(
        evidence(neutralised),
        allowed_by(
            "witness request",
            "s3:PutObject on arn:aws:s3:::rec-bucket/public/x",
            &public_grant
        )
    );
    assert_eq!(evidence(one(&findings, "PO420")), evidence(etl));

    // S6: S1's identity policy, no bucket policy, and an access point
    // whose policy admits the user under uploads/ only.
    let account = collect(&emulator, &["S6"], false, &[STATIC]).await;
    let findings = account.scan();
    assert_eq!(
        rules(&findings),
        [("PO402", High), ("PO430", Medium)],
        "{findings:#?}"
    );
    let document = inline("videsk-put-recordings", USER_ARN);
    let granted_by = statement("#1", &document, 4);
    assert_outside(&findings, &granted_by);
    let fence = one(&findings, "PO430");
    assert_eq!(
        fence.resource,
        "arn:aws:s3:us-east-1:111122223333:accesspoint/rec-ap"
    );
    assert_eq!(
        fence.message,
        "access point `rec-ap` has a policy, but it restricts only requests made through it: `videsk-connector` still writes directly to `rec-bucket`"
    );
    assert_at(fence, &document, "#1", 4);
    assert_eq!(
        evidence(fence),
        allowed_by(
            "direct request",
            "s3:PutObject on arn:aws:s3:::rec-bucket/other/x",
            &granted_by
        )
    );
}

// ---------------------------------------------------------------------------
// S8: static key hygiene

#[tokio::test]
async fn s8_static_key_hygiene() {
    let emulator = Emulator::start();
    let mut account = collect(&emulator, &["S8"], false, &[STATIC]).await;
    let keys = account.seeded.keys(USER).to_vec();
    assert_eq!(keys.len(), 2);
    let (old, new) = (&keys[0], &keys[1]);
    account.age_key(old, 400);
    let findings = account.scan();

    // S8 keeps the guide's identity policy, hence PO402. moto records no
    // key use, so the newer key is reported unused as well.
    assert_eq!(
        rules(&findings),
        [
            ("PO402", High),
            ("PO201", Medium),
            ("PO202", Medium),
            ("PO204", Medium),
            ("PO203", Low),
            ("PO203", Low)
        ],
        "{findings:#?}"
    );
    let several = one(&findings, "PO201");
    assert_eq!(
        several.message,
        "user `videsk-connector` has 2 active access keys"
    );
    assert_eq!(
        evidence(several),
        [
            format!("active key | {}", masked(old)),
            format!("active key | {}", masked(new))
        ]
    );
    let aged = one(&findings, "PO202");
    assert_eq!(
        aged.message,
        format!(
            "access key {} of `videsk-connector` is 400 days old (maximum 90)",
            masked(old)
        )
    );
    let console = one(&findings, "PO204");
    assert_eq!(
        console.message,
        "connector user `videsk-connector` has a console password"
    );
    assert_eq!(evidence(console), ["MFA devices | 0"]);
    let unused: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule_id == "PO203")
        .map(|f| f.message.as_str())
        .collect();
    let mut expected: Vec<String> = [old, new]
        .iter()
        .map(|k| {
            format!(
                "access key {} of `videsk-connector` has never been used",
                masked(k)
            )
        })
        .collect();
    expected.sort();
    assert_eq!(unused, expected);
    for finding in &findings {
        assert_eq!(
            (finding.connector.as_deref(), finding.resource.as_str()),
            (Some("recordings-static"), USER_ARN)
        );
    }
}
