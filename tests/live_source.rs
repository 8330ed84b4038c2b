//! The live source against a real AWS API: moto's server mode on loopback,
//! seeded with the scenarios of `shared/cases/scenarios.md`, read through
//! the AWS SDK for Rust, and the inventory checked value by value.

#![cfg(test)]

mod support;

use std::time::{Duration, Instant};

use putonly::inventory::{
    AccessPoint, Bucket, Fact, Inventory, PolicyText, PublicAccessBlock, Role, User,
};
use putonly::source::SourceError;
use putonly::source::aws::{self, LiveOptions};

use support::{ACCOUNT_ID, Emulator, Fault, Seeded};

const USER: &str = "videsk-connector";
const ROLE: &str = "videsk-connector-oidc";
const AUDIENCE: &str = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com";
const THUMBPRINT: &str = "1c58a3a8518e8759bf075b76b750d4f2df264fcd";

const ALL_ON: PublicAccessBlock = PublicAccessBlock {
    block_public_acls: true,
    ignore_public_acls: true,
    block_public_policy: true,
    restrict_public_buckets: true,
};

async fn collect(options: &LiveOptions) -> (Inventory, aws::CollectStats) {
    aws::collect_with_stats(options)
        .await
        .unwrap_or_else(|err| panic!("live collection failed: {err}"))
}

fn user<'a>(inventory: &'a Inventory, name: &str) -> &'a User {
    inventory
        .user(name)
        .unwrap_or_else(|| panic!("no user `{name}`"))
}

fn role<'a>(inventory: &'a Inventory, name: &str) -> &'a Role {
    inventory
        .role(name)
        .unwrap_or_else(|| panic!("no role `{name}`"))
}

fn bucket<'a>(inventory: &'a Inventory, name: &str) -> &'a Bucket {
    inventory
        .bucket(name)
        .unwrap_or_else(|| panic!("no bucket `{name}`"))
}

fn access_point<'a>(inventory: &'a Inventory, name: &str) -> &'a AccessPoint {
    let Fact::Present(points) = &inventory.access_points else {
        panic!("access points not collected: {:?}", inventory.access_points);
    };
    points
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no access point `{name}`"))
}

fn text(fact: &Fact<PolicyText>) -> Option<&str> {
    fact.value().map(|t| t.as_str())
}

/// The guide's bucket, as the scenarios set it up (AWS's defaults today).
fn assert_guide_bucket(inventory: &Inventory) {
    let rec = bucket(inventory, "rec-bucket");
    assert_eq!(rec.region, Fact::Present("us-west-1".to_owned()));
    assert_eq!(rec.public_access_block, Fact::Present(ALL_ON));
    assert_eq!(
        rec.ownership,
        Fact::Present("BucketOwnerEnforced".to_owned())
    );
    assert_eq!(rec.encryption, Fact::Present(vec!["AES256".to_owned()]));
    assert_eq!(rec.versioning, Fact::Absent);
    // ACLs disabled: not read, and no grant counts.
    assert_eq!(rec.acl, Fact::Present(vec![]));
}

/// The unrelated principals and buckets every seeded account has.
fn assert_noise(inventory: &Inventory, seeded: &Seeded) {
    let alice = user(inventory, "alice");
    assert_eq!(alice.console_password, Fact::Present(true));
    assert_eq!(
        alice.mfa_devices,
        Fact::Present(vec![format!("arn:aws:iam::{ACCOUNT_ID}:mfa/alice")])
    );
    let bob = user(inventory, "bob");
    assert_eq!(bob.arn, format!("arn:aws:iam::{ACCOUNT_ID}:user/staff/bob"));
    assert_eq!(bob.path, "/staff/");
    assert_eq!(bob.groups, ["developers"]);
    assert_eq!(bob.console_password, Fact::Present(false));
    assert_eq!(bob.access_keys, Fact::Present(Vec::new()));
    let read_logs = format!("arn:aws:iam::{ACCOUNT_ID}:policy/team/dev-read-logs");
    let carol = user(inventory, "carol");
    assert_eq!(carol.groups, ["auditors", "developers"]);
    assert_eq!(carol.attached_policies, std::slice::from_ref(&read_logs));

    let developers = inventory.group("developers").expect("group developers");
    assert_eq!(
        developers.attached_policies,
        std::slice::from_ref(&read_logs)
    );
    assert_eq!(developers.inline_policies.len(), 1);
    assert_eq!(
        developers.inline_policies[0].document.as_str(),
        seeded.document("group/developers/inline/no-delete")
    );
    assert!(inventory.group("auditors").is_some());

    // Managed policies: the name comes from the ARN (moto omits it), the
    // path is kept, an unattached customer policy is still listed.
    let policy = inventory.policy(&read_logs).expect("dev-read-logs");
    assert_eq!(policy.name, "dev-read-logs");
    assert_eq!(policy.path, "/team/");
    assert_eq!(policy.default_version_id, "v1");
    assert!(!policy.aws_managed);
    assert_eq!(
        policy.document.as_str(),
        seeded.document("policy/dev-read-logs")
    );
    let unused = format!("arn:aws:iam::{ACCOUNT_ID}:policy/unused-legacy");
    assert_eq!(
        inventory.policy(&unused).map(|p| p.document.as_str()),
        Some(seeded.document("policy/unused-legacy"))
    );

    let deployer = role(inventory, "ci-deployer");
    assert_eq!(deployer.max_session_duration, Some(7200));
    assert_eq!(
        deployer.permissions_boundary.as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:policy/developer-boundary").as_str())
    );
    assert_eq!(
        deployer.trust_policy.as_str(),
        seeded.document("role/ci-deployer/trust")
    );
    assert_eq!(deployer.last_used, None);
    // Spaces, `+`, `%20` and non-ASCII text survive URL decoding.
    let lambda = role(inventory, "lambda-exec");
    assert_eq!(lambda.path, "/service-role/");
    assert_eq!(lambda.max_session_duration, Some(3600));
    let inline = &lambda.inline_policies[0];
    assert_eq!(inline.name, "write-reports");
    assert_eq!(
        inline.document.as_str(),
        seeded.document("role/lambda-exec/inline/write-reports")
    );
    assert!(inline.document.as_str().contains("café+batch %20 job"));

    let logs = bucket(inventory, "app-logs");
    assert_eq!(logs.region, Fact::Present("us-east-1".to_owned()));
    assert_eq!(logs.policy, Fact::Absent);
    assert_eq!(logs.public_access_block, Fact::Absent);
    assert_eq!(logs.ownership, Fact::Absent);
    assert_eq!(logs.encryption, Fact::Absent);
    assert_eq!(logs.versioning, Fact::Absent);
    let eu = bucket(inventory, "analytics-eu");
    assert_eq!(eu.region, Fact::Present("eu-west-1".to_owned()));
    assert_eq!(eu.versioning, Fact::Present("Enabled".to_owned()));
    assert_eq!(eu.encryption, Fact::Present(vec!["aws:kms".to_owned()]));

    let logs_ap = access_point(inventory, "logs-ap");
    assert_eq!(logs_ap.bucket, "app-logs");
    assert_eq!(
        text(&logs_ap.policy),
        Some(seeded.document("access-point/logs-ap/policy"))
    );
}

#[tokio::test]
async fn s1_the_guides_static_path_is_collected_by_value() {
    let emulator = Emulator::start();
    let seeded = emulator.seed(&["S1"]);
    let (inventory, stats) = collect(&emulator.live_options()).await;

    assert_eq!(inventory.account_id, ACCOUNT_ID);
    assert_eq!(inventory.partition, "aws");
    assert_eq!(inventory.source.kind, "live");
    assert_eq!(inventory.gaps, []);

    let connector = user(&inventory, USER);
    assert_eq!(
        connector.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:user/{USER}")
    );
    assert_eq!(connector.inline_policies.len(), 1);
    assert_eq!(connector.inline_policies[0].name, "videsk-put-recordings");
    assert_eq!(
        connector.inline_policies[0].document.as_str(),
        seeded.document(&format!("user/{USER}/inline/videsk-put-recordings"))
    );
    assert_eq!(connector.attached_policies, Vec::<String>::new());
    assert_eq!(connector.console_password, Fact::Present(false));
    assert_eq!(connector.mfa_devices, Fact::Present(Vec::new()));
    let Fact::Present(keys) = &connector.access_keys else {
        panic!("access keys not collected: {:?}", connector.access_keys);
    };
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, seeded.keys(USER));
    assert_eq!(keys[0].status, "Active");
    assert!(
        keys[0].create_date.ends_with('Z'),
        "{}",
        keys[0].create_date
    );
    assert_eq!(keys[0].last_used, Fact::Absent);

    assert_guide_bucket(&inventory);
    let rec = bucket(&inventory, "rec-bucket");
    let policy = text(&rec.policy).expect("rec-bucket has a policy");
    assert_eq!(policy, seeded.document("bucket/rec-bucket/policy"));
    assert!(policy.contains("\"StringNotLikeIfExists\""));

    let ap = access_point(&inventory, "rec-ap");
    assert_eq!(ap.bucket, "rec-bucket");
    assert_eq!(ap.policy, Fact::Absent);
    assert_eq!(ap.network_origin, "Internet");
    assert_eq!(ap.public_access_block, Fact::Present(ALL_ON));
    assert_eq!(inventory.account_public_access_block, Fact::Absent);
    assert_eq!(inventory.oidc_providers, Fact::Present(Vec::new()));

    assert_noise(&inventory, &seeded);

    // S3 Control went to the emulator itself: the host rewrite worked.
    assert!(emulator.log().contains("GET /v20180820/accesspoint"));
    // sts 1;
    // iam 3 + the credential report 3 (asked for, asked again once ready,
    // read) + the keys of each of the 4 users + the MFA devices of the 1
    // user it shows with MFA;
    // s3 1 (regions included) + 5 reads per bucket (3) + the ACL of the 2
    // buckets whose ACLs are enabled;
    // s3control 1 + 1 list per region (3) + 2 per access point (2).
    let with_keys = inventory
        .users
        .iter()
        .filter(|u| u.access_keys.value().is_some_and(|k| !k.is_empty()))
        .count();
    let with_mfa = inventory
        .users
        .iter()
        .filter(|u| u.mfa_devices.value().is_some_and(|d| !d.is_empty()))
        .count();
    let buckets = inventory.buckets.value().unwrap();
    let acls_enabled = buckets.iter().filter(|b| !b.acls_disabled()).count();
    assert_eq!((inventory.users.len(), with_keys, with_mfa), (4, 2, 1));
    assert_eq!((buckets.len(), acls_enabled), (3, 2));
    assert_eq!(
        stats.api_calls,
        1 + (3 + 3 + 4 + 1) + (1 + 3 * 5 + 2) + (1 + 3 + 2 * 2)
    );
    assert_eq!(stats.http_attempts, stats.api_calls);
}

#[tokio::test]
async fn s2_oidc_provider_and_an_audience_only_trust_are_collected() {
    let emulator = Emulator::start();
    let seeded = emulator.seed(&["S2"]);
    let inventory = collect(&emulator.live_options()).await.0;
    assert_eq!(inventory.gaps, []);

    let Fact::Present(providers) = &inventory.oidc_providers else {
        panic!(
            "OIDC providers not collected: {:?}",
            inventory.oidc_providers
        );
    };
    assert_eq!(providers.len(), 1);
    let google = &providers[0];
    assert_eq!(
        google.arn,
        format!("arn:aws:iam::{ACCOUNT_ID}:oidc-provider/accounts.google.com")
    );
    assert_eq!(google.url, "accounts.google.com");
    assert_eq!(google.client_ids, [AUDIENCE]);
    assert_eq!(google.thumbprints, [THUMBPRINT]);
    assert!(!google.create_date.is_empty());

    let connector = role(&inventory, ROLE);
    assert_eq!(
        connector.trust_policy.as_str(),
        seeded.document(&format!("role/{ROLE}/trust"))
    );
    assert!(!connector.trust_policy.as_str().contains(":sub"));
    let put = format!("arn:aws:iam::{ACCOUNT_ID}:policy/videsk-connector-put");
    assert_eq!(connector.attached_policies, std::slice::from_ref(&put));
    assert_eq!(connector.inline_policies, []);
    assert_eq!(
        inventory.policy(&put).map(|p| p.document.as_str()),
        Some(seeded.document("policy/videsk-connector-put"))
    );

    assert!(inventory.user(USER).is_none());
    assert_guide_bucket(&inventory);
    assert_eq!(bucket(&inventory, "rec-bucket").policy, Fact::Absent);
    assert_noise(&inventory, &seeded);
}

#[tokio::test]
async fn s3_a_trust_pinning_subject_and_audience_is_collected() {
    let emulator = Emulator::start();
    let seeded = emulator.seed_with(&["S3"], false);
    let inventory = collect(&emulator.live_options()).await.0;
    assert_eq!(inventory.gaps, []);

    let trust = role(&inventory, ROLE).trust_policy.as_str();
    assert_eq!(trust, seeded.document(&format!("role/{ROLE}/trust")));
    assert!(trust.contains("\"accounts.google.com:sub\": \"104857600000000000001\""));
    let put = format!("arn:aws:iam::{ACCOUNT_ID}:policy/videsk-connector-put");
    let policy = inventory.policy(&put).expect("the role's policy");
    assert!(
        policy
            .document
            .as_str()
            .contains("arn:aws:s3:::rec-bucket/uploads/*")
    );
    assert_eq!(
        policy.document.as_str(),
        seeded.document("policy/videsk-connector-put")
    );

    // Without noise: only what S3 describes.
    assert_eq!(inventory.users, []);
    assert_eq!(inventory.roles.len(), 1);
    assert_eq!(inventory.buckets.value().map(Vec::len), Some(1));
    assert_eq!(inventory.access_points, Fact::Present(Vec::new()));
}

#[tokio::test]
async fn s8_two_keys_a_console_password_and_no_mfa_are_collected() {
    let emulator = Emulator::start();
    let seeded = emulator.seed(&["S8"]);
    let mut inventory = collect(&emulator.live_options()).await.0;
    assert_eq!(inventory.gaps, []);

    let connector = user(&inventory, USER);
    assert_eq!(connector.console_password, Fact::Present(true));
    assert_eq!(connector.mfa_devices, Fact::Present(Vec::new()));
    let Fact::Present(keys) = &connector.access_keys else {
        panic!("access keys not collected: {:?}", connector.access_keys);
    };
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, seeded.keys(USER));
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key.status, "Active");
        assert_eq!(key.last_used, Fact::Absent, "key {} was never used", key.id);
    }
    assert_guide_bucket(&inventory);

    // The key "created 400 days before the scan" is aged after collection.
    let old = seeded.keys(USER)[0].clone();
    support::age_access_key(&mut inventory, USER, &old, 400);
    let keys = user(&inventory, USER).access_keys.value().expect("keys");
    let aged = keys.iter().find(|k| k.id == old).expect("the aged key");
    let year = aged
        .create_date
        .get(..4)
        .and_then(|y| y.parse::<i32>().ok());
    let this_year = time::OffsetDateTime::now_utc().year();
    assert!(year.is_some_and(|y| y < this_year), "{}", aged.create_date);
}

#[tokio::test]
async fn the_example_account_has_both_paths_and_account_block_public_access() {
    let emulator = Emulator::start();
    let seeded = emulator.seed_with(&["example"], false);
    let inventory = collect(&emulator.live_options()).await.0;
    assert_eq!(inventory.gaps, []);

    assert_eq!(inventory.account_public_access_block, Fact::Present(ALL_ON));
    assert_eq!(seeded.keys(USER).len(), 1);
    assert!(inventory.user(USER).is_some());
    assert_eq!(
        role(&inventory, ROLE).trust_policy.as_str(),
        seeded.document(&format!("role/{ROLE}/trust"))
    );
    assert_eq!(inventory.oidc_providers.value().map(Vec::len), Some(1));
    assert_eq!(access_point(&inventory, "rec-ap").policy, Fact::Absent);
    assert_guide_bucket(&inventory);
}

#[tokio::test]
async fn a_reset_emulator_is_an_empty_account() {
    let emulator = Emulator::start();
    emulator.seed(&["S1"]);
    emulator.reset();
    let inventory = collect(&emulator.live_options()).await.0;
    assert_eq!(inventory.users, []);
    assert_eq!(inventory.roles, []);
    assert_eq!(inventory.buckets, Fact::Present(Vec::new()));
    assert_eq!(inventory.access_points, Fact::Present(Vec::new()));
}

#[tokio::test]
async fn an_assumed_role_collects_the_same_account() {
    let emulator = Emulator::start();
    emulator.seed_with(&["S1"], false);
    let options = LiveOptions {
        role_arn: Some(format!("arn:aws:iam::{ACCOUNT_ID}:role/putonly-audit")),
        external_id: Some("audit-2024".to_owned()),
        ..emulator.live_options()
    };
    let inventory = collect(&options).await.0;
    assert_eq!(inventory.account_id, ACCOUNT_ID);
    assert!(inventory.user(USER).is_some());
    assert!(emulator.log().contains("POST / HTTP/1.1"));
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_fast_and_names_the_endpoint() {
    let endpoint = format!("http://127.0.0.1:{}", support::closed_port());
    let options = LiveOptions {
        max_attempts: Some(1),
        ..support::loopback_options(&endpoint)
    };
    let started = Instant::now();
    let err = aws::collect(&options)
        .await
        .expect_err("nothing listens there");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let SourceError::Aws {
        operation,
        endpoint: named,
        ..
    } = &err
    else {
        panic!("not an AWS call error: {err}");
    };
    assert_eq!(operation, "sts:GetCallerIdentity");
    assert_eq!(named, &endpoint);
    let message = err.to_string();
    eprintln!("{message}");
    assert!(message.contains(&endpoint), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[tokio::test]
async fn a_failed_call_is_an_unknown_fact_with_its_code_and_the_scan_goes_on() {
    let emulator = Emulator::start_with_faults(&[
        Fault {
            method: "GET",
            path: "/app-logs",
            query_key: Some("policy"),
            status: 403,
            code: "AccessDenied",
        },
        Fault {
            method: "GET",
            path: "/analytics-eu",
            query_key: Some("encryption"),
            status: 500,
            code: "InternalError",
        },
        Fault {
            method: "GET",
            path: "/v20180820/configuration/publicAccessBlock",
            query_key: None,
            status: 403,
            code: "AccessDenied",
        },
    ]);
    let seeded = emulator.seed(&["S1"]);
    let (inventory, stats) = collect(&emulator.live_options()).await;

    let denied = "AccessDenied: injected by the test (request id putonly-fault)";
    let logs = bucket(&inventory, "app-logs");
    assert_eq!(logs.policy, Fact::Unknown(denied.to_owned()));
    assert_eq!(logs.public_access_block, Fact::Absent);
    let eu = bucket(&inventory, "analytics-eu");
    assert_eq!(
        eu.encryption,
        Fact::Unknown("InternalError: injected by the test (request id putonly-fault)".to_owned())
    );
    assert_eq!(eu.versioning, Fact::Present("Enabled".to_owned()));
    assert_eq!(
        inventory.account_public_access_block,
        Fact::Unknown(denied.to_owned()),
        "{}",
        emulator.log()
    );

    // Everything else is still there.
    assert_guide_bucket(&inventory);
    assert_eq!(
        text(&bucket(&inventory, "rec-bucket").policy),
        Some(seeded.document("bucket/rec-bucket/policy"))
    );
    assert!(inventory.user(USER).is_some());
    assert_eq!(inventory.gaps, []);
    // The SDK retried the 500 once (two attempts allowed), not the 403s.
    assert_eq!(stats.http_attempts, stats.api_calls + 1);
}

#[tokio::test]
async fn the_progress_tally_counts_every_principal_and_bucket_read() {
    let emulator = Emulator::start();
    emulator.seed(&["example"]);
    let tally = std::sync::Arc::new(putonly::progress::Tally::default());
    let options = LiveOptions {
        tally: Some(std::sync::Arc::clone(&tally)),
        ..emulator.live_options()
    };
    let (inventory, _) = collect(&options).await;
    let buckets = inventory.buckets.value().map_or(0, Vec::len);
    assert!(inventory.users.len() > 1 && buckets > 1);
    assert_eq!(
        tally.principals(),
        inventory.users.len() + inventory.roles.len()
    );
    assert_eq!(tally.buckets(), buckets);
}

#[tokio::test]
async fn users_read_call_by_call_equal_those_read_with_the_credential_report() {
    let emulator = Emulator::start();
    emulator.seed(&["example", "S8"]);
    let (with_report, report_stats) = collect(&emulator.live_options()).await;
    let (mut by_calls, call_stats) = collect(&LiveOptions {
        credential_report: false,
        ..emulator.live_options()
    })
    .await;
    by_calls
        .source
        .collected_at
        .clone_from(&with_report.source.collected_at);
    assert_eq!(with_report.unknowns(), []);
    // Users with a password, MFA devices and keys are all in the seed.
    assert!(
        with_report
            .users
            .iter()
            .any(|u| u.console_password == Fact::Present(true))
    );
    assert!(
        with_report
            .users
            .iter()
            .any(|u| u.mfa_devices.value().is_some_and(|d| !d.is_empty()))
    );
    assert!(
        with_report
            .users
            .iter()
            .any(|u| u.access_keys.value().is_some_and(|k| k.len() > 1))
    );
    assert_eq!(with_report.users, by_calls.users);
    assert_eq!(with_report, by_calls);
    // The report saves calls: GetLoginProfile for every user,
    // GetAccessKeyLastUsed for every key, ListMFADevices for users without
    // MFA.
    assert!(
        report_stats.api_calls < call_stats.api_calls,
        "{report_stats:?} against {call_stats:?}"
    );
}

/// AWS serves one credential report for up to four hours: a key made
/// since is missing from the row of a user the report shows without keys.
/// The key must still be collected (an audit that misses an access key is
/// wrong), as it is for a user the report shows with another key.
#[tokio::test]
async fn a_key_made_since_the_credential_report_is_collected_for_a_user_it_shows_without_keys() {
    let emulator = Emulator::start();
    emulator.seed(&["example"]);
    emulator.keep_credential_reports();
    emulator.aws(&["iam", "create-user", "--user-name", "late-key"]);
    // This scan makes the report: `late-key` has no key in it.
    let (before, _) = collect(&emulator.live_options()).await;
    assert_eq!(user(&before, "late-key").access_keys, Fact::Present(vec![]));

    emulator.aws(&["iam", "create-access-key", "--user-name", "late-key"]);
    let (with_report, _) = collect(&emulator.live_options()).await;
    let (by_calls, _) = collect(&LiveOptions {
        credential_report: false,
        ..emulator.live_options()
    })
    .await;
    let keys = |inventory: &Inventory| {
        user(inventory, "late-key")
            .access_keys
            .value()
            .map(|keys| keys.iter().map(|k| k.id.clone()).collect::<Vec<_>>())
    };
    assert_eq!(keys(&by_calls).map(|k| k.len()), Some(1));
    assert_eq!(keys(&with_report), keys(&by_calls));
}
