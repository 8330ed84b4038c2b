//! Throttling, 5xx answers and dropped connections, injected by the
//! emulator's launcher in front of moto: the SDK's retries survive the ones
//! that clear with nothing lost, and the ones that never clear are recorded
//! for their one resource (reported as PO002) while the rest is collected.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::process::{Command, Output};

use putonly::inventory::{Fact, Gap, Inventory, PolicyText};
use putonly::source::aws::{self, CollectStats, LiveOptions, RetryMode};

use support::{DROP_CONNECTION, Emulator, Fault, Flaky, Seeded};

/// An S3 bucket request with a query key, e.g. `GET /app-logs?policy`.
fn s3(path: &'static str, query_key: &'static str, status: u16, code: &'static str) -> Fault {
    Fault {
        method: "GET",
        path,
        query_key: Some(query_key),
        status,
        code,
    }
}

/// A query-protocol IAM call, matched by its action.
fn iam(action: &'static str, status: u16, code: &'static str) -> Fault {
    Fault {
        method: "POST",
        path: "/",
        query_key: Some(action),
        status,
        code,
    }
}

fn flaky(times: u32, fault: Fault) -> Flaky {
    Flaky { times, fault }
}

/// Every kind of fault the launcher can inject, each clearing after one or
/// two requests; 8 failed requests in all.
fn clearing_faults() -> Vec<Flaky> {
    vec![
        flaky(
            2,
            iam("Action=GetAccountAuthorizationDetails", 400, "Throttling"),
        ),
        flaky(1, iam("Action=ListRoles", 400, "Throttling")),
        flaky(1, iam("Action=GetCredentialReport", 400, "Throttling")),
        flaky(2, s3("/app-logs", "policy", 503, "SlowDown")),
        flaky(1, s3("/analytics-eu", "encryption", 500, "InternalError")),
        flaky(1, s3("/app-logs", "versioning", DROP_CONNECTION, "-")),
    ]
}

const CLEARING_FAILURES: u64 = 8;

async fn collect(options: &LiveOptions) -> (Inventory, CollectStats) {
    aws::collect_with_stats(options)
        .await
        .unwrap_or_else(|err| panic!("live collection failed: {err}"))
}

fn options(emulator: &Emulator, mode: RetryMode) -> LiveOptions {
    LiveOptions {
        retry_mode: Some(mode),
        max_attempts: Some(3),
        ..emulator.live_options()
    }
}

/// Collects through the clearing faults, then again once they have
/// cleared, and checks both collections are equal, by value.
async fn survives_clearing_faults(mode: RetryMode) {
    let emulator = Emulator::start_with(&[], &clearing_faults());
    let seeded = emulator.seed(&["S1"]);

    let (faulted, stats) = collect(&options(&emulator, mode)).await;
    let log = emulator.log();
    assert_eq!(
        log.lines().filter(|l| l.starts_with("fault ")).count() as u64,
        CLEARING_FAILURES,
        "{log}"
    );
    assert_eq!(
        stats.http_attempts,
        stats.api_calls + CLEARING_FAILURES,
        "{stats:?}"
    );

    let (mut clean, clean_stats) = collect(&options(&emulator, mode)).await;
    assert_eq!(clean_stats.http_attempts, clean_stats.api_calls);
    clean
        .source
        .collected_at
        .clone_from(&faulted.source.collected_at);
    assert_eq!(faulted.unknowns(), []);
    assert_eq!(faulted, clean);
    assert_seeded_documents(&faulted, &seeded, &[]);
}

#[tokio::test]
async fn faults_that_clear_are_survived_with_nothing_lost() {
    survives_clearing_faults(RetryMode::Standard).await;
}

#[tokio::test]
async fn faults_that_clear_are_survived_in_adaptive_mode() {
    survives_clearing_faults(RetryMode::Adaptive).await;
}

/// Faults that never clear: one bucket's policy and the role list.
fn lasting_faults() -> Vec<Fault> {
    vec![
        s3("/app-logs", "policy", 503, "SlowDown"),
        iam("Action=ListRoles", 400, "Throttling"),
    ]
}

#[tokio::test]
async fn a_fault_that_never_clears_is_recorded_for_its_resource_and_the_rest_is_complete() {
    let emulator = Emulator::start_with_faults(&lasting_faults());
    let seeded = emulator.seed(&["S1"]);
    let (inventory, stats) = collect(&options(&emulator, RetryMode::Standard)).await;

    let logs = inventory.bucket("app-logs").unwrap();
    assert_eq!(
        logs.policy,
        Fact::Unknown("SlowDown: injected by the test (request id putonly-fault)".to_owned())
    );
    let [gap] = inventory.gaps.as_slice() else {
        panic!("one gap expected: {:?}", inventory.gaps);
    };
    assert_eq!(
        (gap.resource.as_str(), gap.what.as_str()),
        ("iam", "role maximum session durations")
    );
    assert!(
        gap.reason.starts_with("Throttling: injected by the test"),
        "{gap:?}"
    );
    let unknowns: Vec<Gap> = inventory.unknowns();
    assert_eq!(unknowns.len(), 2, "{unknowns:?}");

    // Everything else is there, to the byte.
    assert_seeded_documents(&inventory, &seeded, &["bucket/app-logs/policy"]);
    assert!(logs.acl.is_present(), "{logs:?}");
    assert!(inventory.user("videsk-connector").is_some());
    // Each failed call was tried three times.
    assert_eq!(stats.http_attempts, stats.api_calls + 2 * 2, "{stats:?}");
}

/// Every document the seeding put (trust and inline policies, managed
/// policies, bucket policies) is in the inventory as put, except `missing`.
fn assert_seeded_documents(inventory: &Inventory, seeded: &Seeded, missing: &[&str]) {
    let mut checked = 0;
    for (key, text) in &seeded.documents {
        if missing.contains(&key.as_str()) {
            continue;
        }
        let parts: Vec<&str> = key.split('/').collect();
        let found: Option<&PolicyText> = match parts.as_slice() {
            ["role", name, "trust"] => inventory.role(name).map(|r| &r.trust_policy),
            ["bucket", name, "policy"] => inventory.bucket(name).and_then(|b| b.policy.value()),
            ["policy", name] => inventory
                .policies
                .iter()
                .find(|p| p.name == *name)
                .map(|p| &p.document),
            _ => continue,
        };
        assert_eq!(found.map(PolicyText::as_str), Some(text.as_str()), "{key}");
        checked += 1;
    }
    assert!(checked > 3, "only {checked} documents checked");
}

fn putonly(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_putonly"))
        .args(["scan", "--endpoint-url", emulator.endpoint()])
        .args(["--config", "examples/putonly.toml", "--no-snapshot-out"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Nothing may reach a metadata address or real AWS.
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap()
}

/// A partial scan is not a clean one: what could not be collected is a
/// PO002 finding (medium), so the default `--fail-on low`, or `medium`,
/// ends it with exit 1; a suppression or a higher threshold accepts it.
#[test]
fn a_partial_scan_reports_po002_and_fails_at_medium() {
    let emulator = Emulator::start_with_faults(&lasting_faults());
    emulator.seed(&["S1"]);
    let out = putonly(
        &emulator,
        &[
            "--format",
            "json",
            "--fail-on",
            "medium",
            "--retry-mode",
            "adaptive",
            "--max-attempts",
            "2",
            "--call-timeout",
            "30",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");

    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let partial: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "PO002")
        .collect();
    let resources: Vec<&str> = partial
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert_eq!(resources.len(), 2, "{partial:?}");
    assert!(
        resources.contains(&"arn:aws:s3:::app-logs"),
        "{resources:?}"
    );
    assert!(resources.contains(&"iam"), "{resources:?}");
}

#[test]
fn retry_and_timeout_flags_are_checked() {
    let emulator = Emulator::start();
    for bad in [
        ["--retry-mode", "legacy"],
        ["--max-attempts", "0"],
        ["--call-timeout", "0"],
        ["--call-timeout", "soon"],
    ] {
        let out = putonly(&emulator, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(bad[0]), "{stderr}");
    }
}
