#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The scanner only reads: every request a live collection and
//! `scripts/dump-account.sh` send to a seeded emulator is a read operation
//! of `READ_OPERATIONS`, and the published IAM policy names exactly the
//! actions of that list. `tests/least_privilege.rs` proves that policy
//! enough, and each of its actions needed, under IAM enforcement.

mod support;

use std::collections::BTreeSet;

use putonly::source::aws::operations::{
    CALLER_OPERATIONS, READ_OPERATIONS, caller_actions, iam_actions, read_operation,
};
use support::{Emulator, Request};

/// Who sent a request, by its User-Agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// The AWS SDK for Rust: putonly's live source.
    Scanner,
    /// The AWS CLI: the dump script.
    Cli,
    /// boto3 (seeding) or the harness itself: exempt.
    Other,
}

fn client(request: &Request) -> Client {
    let agent = request.user_agent.as_str();
    if agent.contains("aws-sdk-rust") {
        Client::Scanner
    } else if agent.starts_with("aws-cli/") {
        Client::Cli
    } else {
        Client::Other
    }
}

/// The keys of a query string, without the SDK's `x-id` marker.
fn query_keys(query: &str) -> BTreeSet<&str> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| part.split_once('=').map_or(part, |(key, _)| key))
        .filter(|key| *key != "x-id")
        .collect()
}

/// The (SDK service, operation) a request is, as far as the scanner's
/// operations need; an error for anything else.
fn operation(request: &Request) -> Result<(&'static str, String), String> {
    if let Some(action) = &request.action {
        let service = match request.service.as_deref() {
            Some("iam") => "IAM",
            Some("sts") => "STS",
            other => return Err(format!("a query-protocol call to {other:?}")),
        };
        return Ok((service, action.clone()));
    }
    // Every S3 and S3 Control read is a GET; anything else writes.
    if request.method != "GET" {
        return Err(format!("a {} request", request.method));
    }
    let keys = query_keys(&request.query);
    if let Some(rest) = request.path.strip_prefix("/v20180820/") {
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let name = match segments.as_slice() {
            ["configuration", "publicAccessBlock"] => "GetPublicAccessBlock",
            ["accesspoint"] => "ListAccessPoints",
            ["accesspoint", _] => "GetAccessPoint",
            ["accesspoint", _, "policy"] => "GetAccessPointPolicy",
            _ => return Err("an unknown S3 Control path".into()),
        };
        return Ok(("S3 Control", name.to_owned()));
    }
    let bucket_path = request.path.trim_matches('/');
    if bucket_path.is_empty() {
        return Ok(("S3", "ListBuckets".to_owned()));
    }
    if bucket_path.contains('/') {
        return Err("a request for an object".into());
    }
    let name = match keys.iter().copied().collect::<Vec<_>>().as_slice() {
        ["location"] => "GetBucketLocation",
        ["policy"] => "GetBucketPolicy",
        ["publicAccessBlock"] => "GetPublicAccessBlock",
        ["ownershipControls"] => "GetBucketOwnershipControls",
        ["encryption"] => "GetBucketEncryption",
        ["versioning"] => "GetBucketVersioning",
        ["acl"] => "GetBucketAcl",
        _ => return Err("an S3 bucket request of unknown kind".into()),
    };
    Ok(("S3", name.to_owned()))
}

/// The requests of `who` that are not allowlisted reads, described.
fn violations(requests: &[Request], who: Client) -> Vec<String> {
    requests
        .iter()
        .filter(|r| client(r) == who)
        .filter_map(|r| match operation(r) {
            Ok((service, name)) if read_operation(service, &name).is_some() => None,
            Ok((service, name)) => Some(format!("`{service} {name}` is not allowlisted: {r:?}")),
            Err(why) => Some(format!("{why}: {r:?}")),
        })
        .collect()
}

fn operations_seen(requests: &[Request], who: Client) -> BTreeSet<String> {
    requests
        .iter()
        .filter(|r| client(r) == who)
        .filter_map(|r| operation(r).ok())
        .map(|(service, name)| format!("{service} {name}"))
        .collect()
}

#[test]
fn a_live_scan_and_a_dump_send_only_allowlisted_reads() {
    let emulator = Emulator::start_recording();
    emulator.seed(&[
        "S1", "S2", "S3", "S4b", "S4c", "S4d", "S4e", "S4f", "S4g", "S5", "S6", "S7", "S8",
    ]);

    // With the credential report (the default) and without it: the
    // per-user reads it saves are made only without it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Likewise with bucket regions in ListBuckets (as AWS gives them) and
    // without (GetBucketLocation then).
    for credential_report in [true, false] {
        emulator.set_bucket_regions(credential_report);
        let options = putonly::source::aws::LiveOptions {
            credential_report,
            ..emulator.live_options()
        };
        runtime
            .block_on(putonly::source::aws::collect(&options))
            .expect("a live collection");
    }
    let dir = tempfile::tempdir().unwrap();
    emulator.dump_account(&dir.path().join("dump"));

    let requests = emulator.requests();
    for who in [Client::Scanner, Client::Cli] {
        let seen = operations_seen(&requests, who);
        eprintln!("{who:?} called {} operations: {seen:?}", seen.len());
        // Seeded with every scenario, both call every listed operation:
        // the list is not broader than what is used. The dump reads users
        // call by call, never through the credential report.
        let listed: BTreeSet<String> = READ_OPERATIONS
            .iter()
            .filter(|op| who == Client::Scanner || !op.name.contains("CredentialReport"))
            .map(|op| format!("{} {}", op.sdk_service, op.name))
            .collect();
        assert_eq!(seen, listed, "{who:?} did not call every listed operation");
        let bad = violations(&requests, who);
        assert!(
            bad.is_empty(),
            "{who:?} sent requests outside the allowlist:\n{}",
            bad.join("\n")
        );
    }

    // The recorder sees writes: seeding (exempt) put policies.
    assert!(
        requests
            .iter()
            .any(|r| client(r) == Client::Other && r.method == "PUT")
    );
}

#[test]
fn writes_are_recognised_as_violations() {
    let request = |method: &str, path: &str, query: &str, action: Option<&str>| Request {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        action: action.map(Into::into),
        service: Some("iam".into()),
        user_agent: "aws-sdk-rust/1.3.0 os/linux".into(),
    };
    let requests = [
        request("PUT", "/bucket", "policy", None),
        request("DELETE", "/bucket", "", None),
        request("GET", "/bucket/some/object", "", None),
        request("POST", "/", "", Some("CreateAccessKey")),
        request("GET", "/bucket", "policy", None),
    ];
    assert_eq!(violations(&requests, Client::Scanner).len(), 4);
}

#[test]
fn the_published_policy_names_exactly_the_allowlisted_actions() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/putonly-read-only-policy.json"
    );
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");

    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        assert_eq!(statement["Resource"], "*", "{statement}");
        for action in statement["Action"].as_array().unwrap() {
            assert!(actions.insert(action.as_str().unwrap()), "{action} twice");
        }
    }
    let wanted: BTreeSet<&str> = iam_actions().into_iter().collect();
    assert_eq!(actions, wanted);
    assert!(READ_OPERATIONS.iter().all(|op| op.iam_action.is_some()));
}

#[test]
fn the_readme_shows_the_published_policy() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let policy =
        std::fs::read_to_string(format!("{root}/docs/putonly-read-only-policy.json")).unwrap();
    assert!(readme.contains("docs/putonly-read-only-policy.json"));
    assert!(
        readme.contains(&policy),
        "the README's policy differs from the file"
    );
}

#[test]
fn the_caller_policy_names_exactly_the_caller_actions() {
    // The audited role needs none of the caller's operations: the read-only
    // policy is the audited role's, the caller policy the scanner's own.
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/docs/putonly-caller-policy.json")).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        for action in statement["Action"].as_array().unwrap() {
            let action = action.as_str().unwrap();
            assert!(actions.insert(action), "{action} twice");
            // AssumeRole only on the audit role, never on every role.
            if action == "sts:AssumeRole" {
                assert_eq!(statement["Resource"], "arn:aws:iam::*:role/putonly-audit");
            }
        }
    }
    let wanted: BTreeSet<&str> = caller_actions().into_iter().collect();
    assert_eq!(actions, wanted);
    assert!(CALLER_OPERATIONS.iter().all(|op| op.iam_action.is_some()));
    let caller_only: Vec<&str> = caller_actions()
        .into_iter()
        .filter(|action| !iam_actions().contains(action))
        .collect();
    assert_eq!(
        caller_only,
        ["organizations:ListAccounts", "sts:AssumeRole"]
    );

    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(
        readme.contains(&text),
        "the README's caller policy differs from the file"
    );
}
