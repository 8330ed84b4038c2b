//! The four sources agree on one account. A seeded emulator is read live
//! through the SDK, dumped with `scripts/dump-account.sh` and the real AWS
//! CLI, saved as a snapshot, and given to the CLI's
//! `get-account-authorization-details`; the inventories and the findings
//! must be the same, except for what a source says it cannot see. The
//! same holds for failed calls, and for a trust policy with duplicate keys
//! (scenario S7), whose exact text both live and dump must keep.
//!
//! Everything runs against the emulator on 127.0.0.1 only: the dump
//! script reaches S3 Control through the endpoint as HTTP proxy, so no
//! account-prefixed host name is ever looked up.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly on a broken fixture"
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use putonly::app;
use putonly::config::Config;
use putonly::finding::Finding;
use putonly::inventory::{Fact, Inventory, SourceInfo};
use putonly::rules::Catalog;
use putonly::source::{auth_details, aws, dump, snapshot};

use support::{ACCOUNT_ID, Emulator, Fault};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const USER: &str = "videsk-connector";
const ROLE: &str = "videsk-connector-oidc";

/// Whether a finding rests on IAM facts alone (principals and their
/// documents), which an authorization-details file has.
fn is_iam_only(finding: &Finding) -> bool {
    match finding.rule_id.as_str() {
        "PO001" | "PO410" | "PO411" | "PO412" | "PO413" => true,
        "PO440" | "PO450" => finding.resource.starts_with("arn:aws:iam::"),
        _ => false,
    }
}

/// The example's two connectors, and one whose user does not exist, so
/// that an IAM-only rule has something to report.
fn config() -> Config {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("examples/putonly.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        r#"
[[connector]]
name = "retired-static"
mode = "static"
principal = "videsk-connector-2019"
bucket = "rec-bucket"
prefix = "uploads/"
"#,
    );
    Config::parse(&text, &path).unwrap()
}

/// The inventory without what legitimately differs between sources: which
/// source it was and when it ran.
fn masked(inventory: &Inventory) -> Inventory {
    let mut inventory = inventory.clone();
    inventory.source = SourceInfo {
        kind: String::new(),
        collected_at: String::new(),
    };
    inventory
}

/// Asserts two inventories are equal, showing the differing snapshot lines.
fn assert_same_inventory(left: (&str, &Inventory), right: (&str, &Inventory)) {
    let (a, b) = (masked(left.1), masked(right.1));
    if a == b {
        return;
    }
    let (a_text, b_text) = (snapshot::to_string(&a), snapshot::to_string(&b));
    let differing: Vec<String> = a_text
        .lines()
        .zip(b_text.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(20)
        .map(|(n, (x, y))| format!("line {}:\n  {}: {x}\n  {}: {y}", n + 1, left.0, right.0))
        .collect();
    panic!(
        "the {} and {} inventories differ ({} and {} snapshot lines):\n{}",
        left.0,
        right.0,
        a_text.lines().count(),
        b_text.lines().count(),
        differing.join("\n")
    );
}

fn scan(inventory: &Inventory, config: &Config) -> Vec<Finding> {
    let catalog = Catalog::load().unwrap();
    app::evaluate(&catalog, inventory, config).unwrap()
}

fn assert_same_findings(left: (&str, &[Finding]), right: (&str, &[Finding])) {
    let a = serde_json::to_value(left.1).unwrap();
    let b = serde_json::to_value(right.1).unwrap();
    assert!(
        a == b,
        "the {} and {} findings differ:\n{}: {a:#}\n{}: {b:#}",
        left.0,
        right.0,
        left.0,
        right.0
    );
}

/// The PO002 `(resource, what)` that stands for a finding an
/// authorization-details file cannot support.
fn gap_for(finding: &Finding) -> (String, &'static str) {
    let account = format!("arn:aws:iam::{ACCOUNT_ID}:root");
    match finding.rule_id.as_str() {
        "PO101" | "PO102" | "PO103" | "PO104" => (account, "OIDC providers"),
        "PO201" | "PO202" | "PO203" => (finding.resource.clone(), "access keys"),
        "PO204" => (finding.resource.clone(), "console password"),
        // Bucket settings, and what the bucket policy decides.
        "PO301" | "PO302" | "PO303" | "PO304" | "PO305" | "PO401" | "PO402" | "PO403" | "PO404"
        | "PO420" | "PO421" | "PO422" | "PO430" | "PO440" => (account, "S3 buckets"),
        other => panic!("no gap is known for rule {other}: {finding:?}"),
    }
}

/// What identifies a finding when the documents' layout may differ.
fn identity(finding: &Finding) -> (&str, Option<&str>, &str, &str, &str) {
    (
        &finding.rule_id,
        finding.connector.as_deref(),
        &finding.resource,
        &finding.message,
        &finding.fingerprint,
    )
}

/// An authorization-details scan has every IAM-only finding of the live
/// scan (to the byte when `exact`, else but for locations and evidence,
/// which follow the documents' layout), a PO002 for what each other one
/// needs, and nothing else but gaps.
fn assert_iam_findings_agree(live: &[Finding], details: &[Finding], exact: bool) {
    let same = |a: &Finding, b: &Finding| {
        if exact {
            a == b
        } else {
            identity(a) == identity(b)
        }
    };
    for finding in live {
        if details.iter().any(|d| same(d, finding)) {
            continue;
        }
        assert!(
            !is_iam_only(finding),
            "missing from the authorization-details scan: {finding:#?}"
        );
        let (resource, what) = gap_for(finding);
        let reported = details.iter().any(|gap| {
            gap.rule_id == "PO002"
                && gap.resource == resource
                && gap
                    .message
                    .starts_with(&format!("{what} could not be collected: "))
        });
        assert!(
            reported,
            "no PO002 for `{what}` of `{resource}` ({})",
            finding.rule_id
        );
    }
    for finding in details {
        let gap = finding.rule_id == "PO002"
            || (finding.rule_id == "PO408" && finding.message.contains("(not collected: "));
        assert!(
            gap || live.iter().any(|l| same(l, finding)),
            "not in the live scan: {finding:#?}"
        );
    }
}

/// Backdates the connector's key to 400 days before the live collection,
/// in the live inventory and in the dump alike: the emulator cannot
/// backdate a key (see `support::age_access_key`). Relative to the live
/// collection time, so that the live scan sees exactly 400 days.
fn age_key(live: &mut Inventory, dump_dir: &Path, key_id: &str) {
    let collected = OffsetDateTime::parse(&live.source.collected_at, &Rfc3339).unwrap();
    let date = (collected - time::Duration::days(400))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();

    let user = live.users.iter_mut().find(|u| u.name == USER).unwrap();
    let Fact::Present(keys) = &mut user.access_keys else {
        panic!("{:?}", user.access_keys)
    };
    keys.iter_mut()
        .find(|k| k.id == key_id)
        .unwrap()
        .create_date = date.clone();

    let path = dump_dir.join(format!("iam/users/{USER}/access-keys.json"));
    let mut listed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in listed["AccessKeyMetadata"].as_array_mut().unwrap() {
        if key["AccessKeyId"] == key_id {
            key["CreateDate"] = serde_json::Value::String(date.clone());
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&listed).unwrap()).unwrap();
}

#[tokio::test]
async fn live_dump_snapshot_and_authorization_details_agree() {
    let started = Instant::now();
    let emulator = Emulator::start();
    let seeded = emulator.seed(&["S1", "S2", "S3", "S8"]);
    let tmp = tempfile::tempdir().unwrap();

    let mut live = aws::collect(&emulator.live_options()).await.unwrap();
    let dump_dir = tmp.path().join("dump");
    let messages = emulator.dump_account(&dump_dir);
    assert!(messages.contains("(0 failed commands)"), "{messages}");
    assert!(!messages.contains("warning"), "{messages}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dump_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["iam_documents"], dump::IAM_DOCUMENTS_AS_RETURNED);
    let old_key = seeded.keys(USER)[0].clone();
    age_key(&mut live, &dump_dir, &old_key);
    let dumped = dump::load(&dump_dir).unwrap();

    let snapshot_path = tmp.path().join("snapshot.json");
    snapshot::write(&live, &snapshot_path).unwrap();
    let restored = snapshot::load(&snapshot_path).unwrap();

    let details_path = tmp.path().join("authorization-details.json");
    let details = emulator.aws(&["iam", "get-account-authorization-details"]);
    std::fs::write(&details_path, details).unwrap();
    let alone = auth_details::load(&details_path).unwrap();
    eprintln!("collected four ways in {:?}", started.elapsed());

    // Nothing was missed, and every source kept the documents byte for byte.
    assert_eq!(live.gaps, []);
    assert_eq!(live.unknowns(), []);
    assert_eq!(live.source.kind, "live");
    assert_eq!(dumped.source.kind, "dump");
    assert_eq!(restored.source, live.source);
    for inventory in [&live, &dumped, &restored] {
        let role = inventory.role(ROLE).unwrap();
        assert_eq!(
            role.trust_policy.as_str(),
            seeded.document(&format!("role/{ROLE}/trust"))
        );
        let user = inventory.user(USER).unwrap();
        assert_eq!(
            user.inline_policies[0].document.as_str(),
            seeded.document(&format!("user/{USER}/inline/videsk-put-recordings"))
        );
    }
    assert_same_inventory(("live", &live), ("dump", &dumped));
    assert_same_inventory(("live", &live), ("snapshot", &restored));

    // The same findings, to the byte, from the three full sources.
    let config = config();
    let from_live = scan(&live, &config);
    let from_dump = scan(&dumped, &config);
    let from_snapshot = scan(&restored, &config);
    let rules: Vec<&str> = from_live.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        [
            "PO001", "PO401", "PO201", "PO202", "PO204", "PO440", "PO203", "PO203", "PO104"
        ],
        "{from_live:#?}"
    );
    assert_same_findings(("live", &from_live), ("dump", &from_dump));
    assert_same_findings(("live", &from_live), ("snapshot", &from_snapshot));

    // Authorization-details files: the dump's (written with the plugin)
    // and the plain CLI's. IAM findings as live, the rest gaps.
    let exact = auth_details::load(&dump_dir.join("iam/authorization-details.json")).unwrap();
    for (inventory, exact) in [(&exact, true), (&alone, false)] {
        assert_eq!(inventory.source.kind, "auth-details");
        let from_details = scan(inventory, &config);
        assert_iam_findings_agree(&from_live, &from_details, exact);
        assert_iam_part_matches(&live, inventory, exact);
    }
}

/// The IAM part of an authorization-details inventory is the live one,
/// except that per-user credentials and session durations are not in it,
/// and, unless `exact`, that the CLI re-serialised the documents (same
/// JSON, other text).
fn assert_iam_part_matches(live: &Inventory, alone: &Inventory, exact: bool) {
    let json = |text: &str| -> serde_json::Value {
        if exact {
            serde_json::Value::String(text.to_owned())
        } else {
            serde_json::from_str(text).unwrap()
        }
    };
    let mut expected = masked(live);
    let mut actual = masked(alone);
    for (want, got) in expected.roles.iter_mut().zip(actual.roles.iter_mut()) {
        assert_eq!(
            json(want.trust_policy.as_str()),
            json(got.trust_policy.as_str())
        );
        got.trust_policy = want.trust_policy.clone();
        want.max_session_duration = None;
    }
    for (want, got) in expected.users.iter_mut().zip(actual.users.iter_mut()) {
        for (w, g) in want
            .inline_policies
            .iter()
            .zip(got.inline_policies.iter_mut())
        {
            assert_eq!(json(w.document.as_str()), json(g.document.as_str()));
            g.document = w.document.clone();
        }
        want.access_keys = got.access_keys.clone();
        want.console_password = got.console_password.clone();
        want.mfa_devices = got.mfa_devices.clone();
    }
    for (want, got) in expected.groups.iter().zip(actual.groups.iter_mut()) {
        for (w, g) in want
            .inline_policies
            .iter()
            .zip(got.inline_policies.iter_mut())
        {
            assert_eq!(json(w.document.as_str()), json(g.document.as_str()));
            g.document = w.document.clone();
        }
    }
    for (want, got) in expected.roles.iter().zip(actual.roles.iter_mut()) {
        for (w, g) in want
            .inline_policies
            .iter()
            .zip(got.inline_policies.iter_mut())
        {
            assert_eq!(json(w.document.as_str()), json(g.document.as_str()));
            g.document = w.document.clone();
        }
    }
    for (want, got) in expected.policies.iter().zip(actual.policies.iter_mut()) {
        assert_eq!(json(want.document.as_str()), json(got.document.as_str()));
        got.document = want.document.clone();
    }
    assert_eq!(expected.users, actual.users);
    assert_eq!(expected.groups, actual.groups);
    assert_eq!(expected.roles, actual.roles);
    assert_eq!(expected.policies, actual.policies);
}

#[tokio::test]
async fn s7_duplicate_keys_in_a_trust_policy_reach_the_inventory_from_live_and_dump() {
    let emulator = Emulator::start();
    let seeded = emulator.seed_with(&["S7"], false);
    let written = seeded.document(&format!("role/{ROLE}/trust"));
    assert_eq!(written.matches("\"StringEquals\"").count(), 2, "{written}");

    let live = aws::collect(&emulator.live_options()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dump_dir = tmp.path().join("dump");
    emulator.dump_account(&dump_dir);
    let dumped = dump::load(&dump_dir).unwrap();

    for (source, inventory) in [("live", &live), ("dump", &dumped)] {
        let trust = inventory.role(ROLE).unwrap().trust_policy.as_str();
        assert_eq!(trust, written, "{source}");
    }
    assert_same_inventory(("live", &live), ("dump", &dumped));

    // Both scans refuse the document at the second key's line.
    let config = config();
    let from_live = scan(&live, &config);
    assert_same_findings(("live", &from_live), ("dump", &scan(&dumped, &config)));
    let second = written
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("\"StringEquals\""))
        .nth(1)
        .map(|(n, _)| n + 1)
        .unwrap();
    let invalid = from_live
        .iter()
        .find(|f| f.rule_id == "PO450")
        .unwrap_or_else(|| panic!("no PO450: {from_live:#?}"));
    let location = invalid.location.as_ref().unwrap();
    assert_eq!(location.line, Some(second), "{invalid:#?}");
    assert!(invalid.message.contains("StringEquals"), "{invalid:#?}");

    // Without the dump script's plugin the CLI keeps only the last key: the
    // `sub` pin is gone from its output, which is why the dump needs it.
    let details = emulator.aws(&["iam", "get-account-authorization-details"]);
    let path = tmp.path().join("authorization-details.json");
    std::fs::write(&path, details).unwrap();
    let alone = auth_details::load(&path).unwrap();
    let trust = alone.role(ROLE).unwrap().trust_policy.as_str();
    assert!(trust.contains("accounts.google.com:aud"), "{trust}");
    assert!(!trust.contains("accounts.google.com:sub"), "{trust}");
    assert_eq!(
        dumped.oidc_providers.value().map(Vec::len),
        Some(1),
        "{:?}",
        dumped.oidc_providers
    );
    assert!(matches!(alone.oidc_providers, Fact::Unknown(_)));
}

/// The inventory as JSON, without the request ids the live source adds to
/// a failure's reason: the AWS CLI does not print them.
fn without_request_ids(text: &str) -> String {
    text.replace(" (request id putonly-fault)", "")
}

#[tokio::test]
async fn failed_calls_are_recorded_alike_by_live_and_dump() {
    let denied = |method, path, query_key| Fault {
        method,
        path,
        query_key,
        status: 403,
        code: "AccessDenied",
    };
    let emulator = Emulator::start_with_faults(&[
        denied("GET", "/app-logs", Some("policy")),
        denied("GET", "/v20180820/configuration/publicAccessBlock", None),
        denied("GET", "/v20180820/accesspoint", None),
    ]);
    emulator.seed(&["S1"]);
    let live = aws::collect(&emulator.live_options()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dump_dir = tmp.path().join("dump");
    let messages = emulator.dump_account(&dump_dir);
    assert!(messages.contains("(5 failed commands)"), "{messages}");
    let dumped = dump::load(&dump_dir).unwrap();

    let denied = "AccessDenied: injected by the test";
    let logs = live.bucket("app-logs").unwrap();
    assert_eq!(
        logs.policy,
        Fact::Unknown(format!("{denied} (request id putonly-fault)"))
    );
    assert_eq!(
        dumped.bucket("app-logs").unwrap().policy,
        Fact::Unknown(denied.to_owned())
    );
    assert_eq!(
        dumped.access_points,
        Fact::Unknown(format!("access points in `eu-west-1`: {denied}"))
    );
    assert_eq!(
        without_request_ids(&snapshot::to_string(&masked(&live))),
        snapshot::to_string(&masked(&dumped))
    );

    let config = config();
    let from_live = serde_json::to_string_pretty(&scan(&live, &config)).unwrap();
    let from_dump = serde_json::to_string_pretty(&scan(&dumped, &config)).unwrap();
    assert_eq!(without_request_ids(&from_live), from_dump);
}
