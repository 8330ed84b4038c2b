#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The published IAM policy (`docs/putonly-read-only-policy.json`) is enough
//! for a live scan, and each of its actions is needed for exactly the facts
//! that need it.
//!
//! The emulator enforces IAM authorization (`launch.py --enforce-iam`,
//! turned on after seeding): every IAM, STS, S3 and S3 Control request must
//! be signed with an IAM user's key and be allowed by that user's identity
//! policies, judged by the action AWS checks for the operation (the
//! launcher corrects the four that moto 5.2.5 gets wrong). The scan runs as
//! the user `putonly-scanner`, holding only the published policy, over an
//! account with users (keys, console passwords, MFA), groups, roles,
//! managed policies, an OIDC provider, buckets in two regions with
//! policies, an account Block Public Access setting and access points with
//! policies. With the whole policy it collects what an administrator
//! collects, with no gap. With one action removed (each in turn), or one
//! statement, it reports exactly the facts that action reads as unknown,
//! each because access was denied, and nothing else. The two credential
//! report actions save calls: without either, the same facts are collected
//! call by call; the actions only that way needs (GetLoginProfile,
//! GetAccessKeyLastUsed) are removed together with the report.
//!
//! What the emulator cannot show:
//! - `sts:GetCallerIdentity` is always allowed, by AWS and by moto, so
//!   removing it changes nothing; it is in the policy to say what is called.
//! - moto reads identity policies only (inline and attached, of the user and
//!   its groups): no permissions boundaries, SCPs, resource policies or
//!   conditions on the caller's request are part of the decision.
//! - moto judges IAM and S3 Control actions against the resource `*` (S3
//!   bucket reads against the bucket's ARN), so a policy scoped to ARNs
//!   cannot be tested here; the published policy's Resource is `*`.
//! - On AWS, a bucket whose region cannot be read is read through the home
//!   region and answered with a redirect when it lives elsewhere; moto
//!   answers from any region, so without `s3:GetBucketLocation` only the
//!   regions are missing here.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use putonly::config::Config;
use putonly::inventory::{Fact, Inventory};
use putonly::rules::Catalog;
use putonly::source::aws::operations::iam_actions;
use serde_json::Value;
use support::Emulator;

const SCANNER: &str = "putonly-scanner";
const ADMIN: &str = "putonly-admin";
const POLICY_NAME: &str = "putonly-read-only";

/// The connectors of the seeded example scenario.
const CONFIG: &str = r#"
[[connector]]
name = "static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
region = "us-west-1"
prefix = "uploads/"
"#;

/// Facts of one bucket, by the IAM action that reads them.
const BUCKET_FACTS: &[(&str, &str)] = &[
    ("s3:GetBucketLocation", "bucket region"),
    ("s3:GetBucketPolicy", "bucket policy"),
    (
        "s3:GetBucketPublicAccessBlock",
        "bucket Block Public Access",
    ),
    ("s3:GetBucketOwnershipControls", "bucket ownership controls"),
    ("s3:GetEncryptionConfiguration", "bucket default encryption"),
    ("s3:GetBucketVersioning", "bucket versioning"),
    ("s3:GetBucketAcl", "bucket ACL"),
];

/// Facts of one access point, by the IAM action that reads them.
const ACCESS_POINT_FACTS: &[(&str, &str)] = &[
    ("s3:GetAccessPoint", "access point Block Public Access"),
    ("s3:GetAccessPointPolicy", "access point policy"),
];

/// Facts of one user, by the IAM action that reads them, when the users
/// are read call by call (no credential report).
const USER_FACTS: &[(&str, &str)] = &[
    ("iam:ListAccessKeys", "access keys"),
    ("iam:GetLoginProfile", "console password"),
    ("iam:ListMFADevices", "MFA devices"),
];

/// The actions that read the credential report. Without either, users are
/// read call by call: nothing is missing, it only costs more calls.
const REPORT_ACTIONS: [&str; 2] = ["iam:GenerateCredentialReport", "iam:GetCredentialReport"];

/// The actions the scan needs only when there is no credential report.
const WITHOUT_REPORT_ONLY: [&str; 2] = ["iam:GetLoginProfile", "iam:GetAccessKeyLastUsed"];

/// Needed only where ListBuckets gives no bucket regions.
const WITHOUT_LISTED_REGIONS_ONLY: &str = "s3:GetBucketLocation";

/// A gap: `(resource, what)` of [`Inventory::unknowns`].
type GapKey = (String, String);

/// The gaps a scan must report when `denied` actions are refused, each with
/// the action refused, derived from a complete inventory of the same
/// account. A refused listing hides the reads of what it would list.
fn expected_gaps(full: &Inventory, denied: &BTreeSet<&str>) -> BTreeMap<GapKey, &'static str> {
    expected_gaps_listing(full, denied, true)
}

/// [`expected_gaps`] when ListBuckets gives each bucket's region
/// (`regions_listed`, as AWS does) or not.
fn expected_gaps_listing(
    full: &Inventory,
    denied: &BTreeSet<&str>,
    regions_listed: bool,
) -> BTreeMap<GapKey, &'static str> {
    let mut gaps = BTreeMap::new();
    let mut add = |resource: &str, what: &str, action: &'static str| {
        if denied.contains(action) {
            gaps.insert((resource.to_owned(), what.to_owned()), action);
        }
    };
    let account = format!("arn:{}:iam::{}:root", full.partition, full.account_id);

    add(
        "iam",
        "users, groups, roles and managed policies",
        "iam:GetAccountAuthorizationDetails",
    );
    let report = !REPORT_ACTIONS.iter().any(|action| denied.contains(action));
    if !denied.contains("iam:GetAccountAuthorizationDetails") {
        for user in &full.users {
            let keys = user
                .access_keys
                .value()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if report {
                // The report gives password state and each key's last use;
                // keys are always listed (for their ids, and for keys the
                // report does not show), MFA devices when it shows MFA (for
                // their serial numbers).
                add(&user.arn, "access keys", "iam:ListAccessKeys");
                if user.mfa_devices.value().is_some_and(|d| !d.is_empty()) {
                    add(&user.arn, "MFA devices", "iam:ListMFADevices");
                }
                // Two keys created in the same second are not told apart in
                // the report: their last use is asked.
                let second = |date: &str| date.get(..19).unwrap_or(date).to_owned();
                let same_second = keys.iter().any(|k| {
                    let count = keys
                        .iter()
                        .filter(|o| second(&o.create_date) == second(&k.create_date))
                        .count();
                    count > 1
                });
                if same_second && !denied.contains("iam:ListAccessKeys") {
                    add(&user.arn, "access key last use", "iam:GetAccessKeyLastUsed");
                }
            } else {
                for (action, what) in USER_FACTS {
                    add(&user.arn, what, action);
                }
                if !keys.is_empty() && !denied.contains("iam:ListAccessKeys") {
                    add(&user.arn, "access key last use", "iam:GetAccessKeyLastUsed");
                }
            }
        }
    }
    add("iam", "role maximum session durations", "iam:ListRoles");
    add(&account, "OIDC providers", "iam:ListOpenIDConnectProviders");
    let has_providers = full.oidc_providers.value().is_some_and(|p| !p.is_empty());
    if has_providers && !denied.contains("iam:ListOpenIDConnectProviders") {
        add(&account, "OIDC providers", "iam:GetOpenIDConnectProvider");
    }

    add(&account, "S3 buckets", "s3:ListAllMyBuckets");
    if !denied.contains("s3:ListAllMyBuckets") {
        for bucket in full.buckets.value().unwrap() {
            for (action, what) in BUCKET_FACTS {
                let region_listed = *action == "s3:GetBucketLocation" && regions_listed;
                // With ACLs disabled the ACL is not read.
                let acl_unread = *action == "s3:GetBucketAcl" && bucket.acls_disabled();
                if !region_listed && !acl_unread {
                    add(&bucket.arn(&full.partition), what, action);
                }
            }
        }
    }
    add(
        &account,
        "account Block Public Access",
        "s3:GetAccountPublicAccessBlock",
    );
    add(&account, "S3 access points", "s3:ListAccessPoints");
    if !denied.contains("s3:ListAccessPoints") {
        for point in full.access_points.value().unwrap() {
            for (action, what) in ACCESS_POINT_FACTS {
                add(&point.arn, what, action);
            }
        }
    }
    gaps
}

/// An access key of an emulator user.
struct Key {
    id: String,
    secret: String,
}

fn iam_client(emulator: &Emulator, key: Option<&Key>) -> aws_sdk_iam::Client {
    let credentials = match key {
        Some(key) => Credentials::new(&key.id, &key.secret, None, None, "putonly-tests"),
        None => Credentials::new("testing", "testing", None, None, "putonly-tests"),
    };
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emulator.endpoint())
        .credentials_provider(credentials)
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// Creates `name` with one inline policy and an access key.
async fn create_user(iam: &aws_sdk_iam::Client, name: &str, policy: &str) -> Key {
    iam.create_user().user_name(name).send().await.unwrap();
    put_policy(iam, name, policy).await;
    let created = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let key = created.access_key.unwrap();
    Key {
        id: key.access_key_id,
        secret: key.secret_access_key,
    }
}

async fn put_policy(iam: &aws_sdk_iam::Client, user: &str, policy: &str) {
    iam.put_user_policy()
        .user_name(user)
        .policy_name(POLICY_NAME)
        .policy_document(policy)
        .send()
        .await
        .unwrap();
}

fn published_policy() -> (String, Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/putonly-read-only-policy.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

// The reduced policies are put by the administrator under enforcement, as
// compact JSON: moto 5.2.5 checks the signature of a form body against its
// own re-encoding of the fields, and refused the pretty-printed document
// (SignatureDoesNotMatch).

/// The policy without the statement `sid`; and the actions it loses.
fn without_statement(policy: &Value, sid: &str) -> (String, BTreeSet<String>) {
    let mut policy = policy.clone();
    let statements = policy["Statement"].as_array_mut().unwrap();
    let index = statements.iter().position(|s| s["Sid"] == sid).unwrap();
    let removed = statements.remove(index);
    let actions = removed["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    (serde_json::to_string(&policy).unwrap(), actions)
}

/// The policy without the one action `action`.
fn without_action(policy: &Value, action: &str) -> String {
    let mut policy = policy.clone();
    let mut found = false;
    for statement in policy["Statement"].as_array_mut().unwrap() {
        let actions = statement["Action"].as_array_mut().unwrap();
        let before = actions.len();
        actions.retain(|a| a != action);
        found |= actions.len() < before;
    }
    assert!(found, "{action} is not in the policy");
    serde_json::to_string(&policy).unwrap()
}

/// What differs between the expected and the reported gaps, and reported
/// gaps that are not access denials of the expected action; empty when the
/// scan reported exactly the expected gaps.
fn mismatches(inventory: &Inventory, expected: &BTreeMap<GapKey, &str>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut reported = BTreeSet::new();
    for gap in inventory.unknowns() {
        let key = (gap.resource.clone(), gap.what.clone());
        match expected.get(&key) {
            None => problems.push(format!("unexpected gap {gap:?}")),
            Some(action) => {
                if !gap.reason.contains("AccessDenied") {
                    problems.push(format!("not an access denial: {gap:?}"));
                }
                // IAM and S3 Control name the refused action; S3 says
                // only "Access Denied".
                let named = gap.reason.contains("not authorized to perform");
                if named && !gap.reason.contains(&format!("perform: {action}")) {
                    problems.push(format!("denied for another action than {action}: {gap:?}"));
                }
            }
        }
        reported.insert(key);
    }
    for (key, action) in expected {
        if !reported.contains(key) {
            problems.push(format!("missing gap {key:?} (without {action})"));
        }
    }
    problems
}

/// The inventory without the last use of the two scanning users' keys,
/// which moto records as the scans go.
fn without_own_key_use(inventory: &Inventory) -> Inventory {
    let mut inventory = inventory.clone();
    for user in &mut inventory.users {
        if (user.name == SCANNER || user.name == ADMIN)
            && let Fact::Present(keys) = &mut user.access_keys
        {
            for key in keys {
                key.last_used = Fact::Absent;
            }
        }
    }
    inventory
}

async fn collect(emulator: &Emulator, key: &Key) -> Inventory {
    collect_counting(emulator, key).await.0
}

/// The inventory and the number of calls it took.
async fn collect_counting(emulator: &Emulator, key: &Key) -> (Inventory, u64) {
    putonly::source::aws::collect_with_stats(&emulator.live_options_as(&key.id, &key.secret))
        .await
        .map(|(inventory, stats)| (inventory, stats.api_calls))
        .unwrap_or_else(|err| panic!("live collection failed: {err}"))
}

fn po002_count(inventory: &Inventory) -> usize {
    let config = Config::parse(CONFIG, Path::new("putonly.toml")).unwrap();
    putonly::app::evaluate(&Catalog::load().unwrap(), inventory, &config)
        .unwrap()
        .iter()
        .filter(|f| f.rule_id == "PO002")
        .count()
}

#[test]
fn the_published_policy_is_enough_and_each_action_is_needed() {
    let started = std::time::Instant::now();
    let emulator = Emulator::start_enforcing_iam();
    emulator.seed(&["example", "S8"]);
    let (policy_text, policy) = published_policy();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Made while nothing is enforced, with the dummy credentials.
        let root = iam_client(&emulator, None);
        let everything = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let admin_key = create_user(&root, ADMIN, everything).await;
        let scanner_key = create_user(&root, SCANNER, &policy_text).await;
        emulator.enforce_iam();

        // Enforcement is on: the dummy credentials are no one's.
        let refused = putonly::source::aws::collect(&emulator.live_options()).await;
        let refused = refused.expect_err("the dummy credentials were accepted");
        assert!(
            refused.to_string().contains("InvalidClientTokenId"),
            "{refused}"
        );

        let full = collect(&emulator, &admin_key).await;
        assert_eq!(full.unknowns(), vec![], "the administrator's scan has gaps");
        // The account has every kind of fact the policy is about.
        assert!(full.users.len() > 3 && full.roles.len() > 1);
        assert!(full.users.iter().any(|u| u.mfa_devices.value().is_some_and(|d| !d.is_empty())));
        assert!(full.oidc_providers.value().is_some_and(|p| !p.is_empty()));
        assert!(full.account_public_access_block.is_present());
        let buckets = full.buckets.value().unwrap();
        assert!(buckets.iter().any(|b| b.policy.is_present()));
        let regions: BTreeSet<_> = buckets.iter().filter_map(|b| b.region.value()).collect();
        assert!(regions.len() > 1, "{regions:?}");
        let points = full.access_points.value().unwrap();
        assert!(points.iter().any(|p| p.policy.is_present()));

        // With the published policy: everything, no gap.
        let (mut scanned, calls_with_report) = collect_counting(&emulator, &scanner_key).await;
        assert_eq!(scanned.unknowns(), vec![]);
        assert_eq!(po002_count(&scanned), 0);
        scanned.source.collected_at = full.source.collected_at.clone();
        assert!(
            without_own_key_use(&scanned) == without_own_key_use(&full),
            "the scanner collected other facts than the administrator"
        );

        let admin = iam_client(&emulator, Some(&admin_key));
        let mut failures = Vec::new();

        // One statement removed: the facts of all its actions.
        for statement in policy["Statement"].as_array().unwrap() {
            let sid = statement["Sid"].as_str().unwrap();
            let (reduced, lost) = without_statement(&policy, sid);
            put_policy(&admin, SCANNER, &reduced).await;
            let inventory = collect(&emulator, &scanner_key).await;
            let denied: BTreeSet<&str> = lost.iter().map(String::as_str).collect();
            let expected = expected_gaps(&full, &denied);
            assert!(!expected.is_empty(), "without {sid}, nothing is missing");
            assert_eq!(po002_count(&inventory), inventory.unknowns().len());
            for problem in mismatches(&inventory, &expected) {
                failures.push(format!("without statement {sid}: {problem}"));
            }
        }

        // One action removed: exactly the facts it reads.
        for action in iam_actions() {
            put_policy(&admin, SCANNER, &without_action(&policy, action)).await;
            let (mut inventory, calls) = collect_counting(&emulator, &scanner_key).await;
            let expected = expected_gaps(&full, &BTreeSet::from([action]));
            if REPORT_ACTIONS.contains(&action) {
                // Users are then read call by call: the same facts, more calls.
                assert!(expected.is_empty());
                inventory.source.collected_at = full.source.collected_at.clone();
                // The scanner's own policy is the reduced one.
                let mut got = without_own_key_use(&inventory);
                let mut want = without_own_key_use(&full);
                for inventory in [&mut got, &mut want] {
                    for user in &mut inventory.users {
                        if user.name == SCANNER {
                            user.inline_policies.clear();
                        }
                    }
                }
                if got != want {
                    let differing = got
                        .users
                        .iter()
                        .zip(&want.users)
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("{a:?}\n  not\n{b:?}"))
                        .unwrap_or_else(|| "not in the users".to_owned());
                    failures.push(format!("without {action}: other facts were collected: {differing}"));
                }
                if calls <= calls_with_report {
                    failures.push(format!(
                        "without {action}: {calls} calls, not more than {calls_with_report} with the report"
                    ));
                }
            } else if action == "sts:GetCallerIdentity" {
                // Always allowed: nothing may be missing.
                assert!(expected.is_empty());
            } else if expected.is_empty()
                && !WITHOUT_REPORT_ONLY.contains(&action)
                && action != WITHOUT_LISTED_REGIONS_ONLY
            {
                failures.push(format!("the account has nothing that needs {action}"));
            }
            for problem in mismatches(&inventory, &expected) {
                failures.push(format!("without {action}: {problem}"));
            }
        }

        // The actions needed only without the report: removed together with
        // the report, exactly the facts they read.
        for action in WITHOUT_REPORT_ONLY {
            let mut reduced = policy.clone();
            for removed in [action, REPORT_ACTIONS[1]] {
                reduced = serde_json::from_str(&without_action(&reduced, removed)).unwrap();
            }
            put_policy(&admin, SCANNER, &serde_json::to_string(&reduced).unwrap()).await;
            let inventory = collect(&emulator, &scanner_key).await;
            let denied = BTreeSet::from([action, REPORT_ACTIONS[1]]);
            let expected = expected_gaps(&full, &denied);
            if expected.is_empty() {
                failures.push(format!("the account has nothing that needs {action}"));
            }
            for problem in mismatches(&inventory, &expected) {
                failures.push(format!("without {action} and the report: {problem}"));
            }
        }
        // GetBucketLocation, where ListBuckets gives no regions.
        emulator.set_bucket_regions(false);
        let action = WITHOUT_LISTED_REGIONS_ONLY;
        put_policy(&admin, SCANNER, &without_action(&policy, action)).await;
        let inventory = collect(&emulator, &scanner_key).await;
        let expected = expected_gaps_listing(&full, &BTreeSet::from([action]), false);
        if expected.is_empty() {
            failures.push(format!("the account has nothing that needs {action}"));
        }
        for problem in mismatches(&inventory, &expected) {
            failures.push(format!("without {action} and listed regions: {problem}"));
        }
        emulator.set_bucket_regions(true);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
    eprintln!("least privilege checked in {:?}", started.elapsed());
}
