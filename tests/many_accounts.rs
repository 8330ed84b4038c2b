//! Scans of many accounts (`--accounts`, `--organization`, `--snapshots`)
//! and `putonly merge`, against the emulator: moto lets a role of any
//! account be assumed and its credentials act in that account, and the
//! launcher's `--many-accounts` denies a role that does not exist, as
//! AWS does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::{ACCOUNT_ID, Emulator};

/// The accounts of the tests (documentation ids, never real ones).
const PAYMENTS: &str = "444455556666";
const MISSING_ROLE: &str = "777788889999";

/// Runs putonly in `dir` against the emulator, with dummy credentials and
/// nothing that could reach beyond loopback.
fn putonly(dir: &Path, endpoint: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_putonly"));
    command.args(args);
    if let Some(endpoint) = endpoint {
        command.args(["--endpoint-url", endpoint]);
    }
    command
        .current_dir(dir)
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

/// `putonly scan` of the emulator's accounts chosen by `how`, with the
/// test config and no snapshot, writing `format` to `out`.
fn live_scan(dir: &Path, endpoint: &str, how: &[&str], format: &str, out: &str) -> Output {
    let config = config();
    let mut args = vec!["scan"];
    args.extend_from_slice(how);
    args.extend(["--config", &config, "--no-snapshot-out"]);
    args.extend(["--format", format, "--output", out]);
    putonly(dir, Some(endpoint), &args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn config() -> String {
    format!("{}/examples/putonly.toml", env!("CARGO_MANIFEST_DIR"))
}

/// Checks a JSON report against `schema/report.schema.json`.
fn assert_schema_valid(report: &Value) {
    let path = format!("{}/schema/report.schema.json", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// Errors and warnings of the SARIF multitool (installed by
/// `scripts/test.sh`) on a file, except the home page putonly has none of.
fn sarif_problems(file: &Path) -> Vec<String> {
    let tool = std::env::var_os("PUTONLY_SARIF_MULTITOOL").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "scripts/validators/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
            )
        },
        std::path::PathBuf::from,
    );
    assert!(
        tool.is_file(),
        "the SARIF validator is missing at `{}`: run scripts/test.sh",
        tool.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("validation.sarif");
    let out = Command::new(tool)
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&log)
        .arg(file)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log = read_json(&log);
    let mut problems = Vec::new();
    for run in log["runs"].as_array().unwrap() {
        for result in run["results"].as_array().into_iter().flatten() {
            let level = result["level"].as_str().unwrap_or("warning");
            let homepage = result["ruleId"] == "SARIF2005";
            if (level == "error" || level == "warning") && !homepage {
                problems.push(format!("{} {}", result["ruleId"], result["message"]));
            }
        }
    }
    problems
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(rule id, connector, resource)` of each finding of an account entry.
fn findings(entry: &Value) -> Vec<(String, String, String)> {
    entry["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["connector"].as_str().unwrap_or("-").to_owned(),
                f["resource"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn triple(rule: &str, connector: &str, resource: &str) -> (String, String, String) {
    (rule.to_owned(), connector.to_owned(), resource.to_owned())
}

/// Three accounts: the guide's static setup (S1) in 111122223333, the
/// connector user alone in 444455556666 (its bucket is elsewhere), and an
/// account without the audit role.
fn three_accounts() -> Emulator {
    let emulator = Emulator::start_many_accounts();
    emulator.seed_account(ACCOUNT_ID, &["S1", "audit-role"], false);
    emulator.seed_account(PAYMENTS, &["static-user", "audit-role"], false);
    emulator
}

#[test]
fn three_accounts_one_without_the_role() {
    let emulator = three_accounts();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("accounts.txt"),
        format!(
            "# the organisation's accounts\n{ACCOUNT_ID}\n\n{PAYMENTS}  # payments\n\
             arn:aws:iam::{MISSING_ROLE}:role/putonly-audit\n"
        ),
    )
    .unwrap();

    let scan = |format: &str, out: &str| {
        let how = ["--accounts", "accounts.txt", "--account-concurrency", "2"];
        live_scan(dir.path(), emulator.endpoint(), &how, format, out)
    };
    let output = scan("json", "report.json");
    // Exit 3: the report is partial.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = read_json(&dir.path().join("report.json"));
    assert_schema_valid(&report);
    assert_eq!(report["schema_version"], 2);

    let accounts = report["accounts"].as_array().unwrap();
    let ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ACCOUNT_ID, PAYMENTS, MISSING_ROLE]);

    // The guide's account: both connectors checked (its bucket is here).
    let guide = &accounts[0];
    assert_eq!(guide["status"], "scanned");
    assert_eq!(guide["source"], "live");
    assert_eq!(
        guide["target"],
        "arn:aws:iam::111122223333:role/putonly-audit"
    );
    assert_eq!(
        guide["connectors"],
        serde_json::json!(["recordings-static", "recordings-oidc"])
    );
    let user = "arn:aws:iam::111122223333:user/videsk-connector";
    let guide_findings = findings(guide);
    assert_eq!(
        guide_findings,
        [
            triple(
                "PO001",
                "recordings-oidc",
                "arn:aws:iam::111122223333:role/videsk-connector-oidc"
            ),
            triple(
                "PO101",
                "recordings-oidc",
                "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
            ),
            triple("PO401", "recordings-static", user),
            triple("PO440", "-", "arn:aws:s3:::rec-bucket"),
            triple("PO203", "recordings-static", user),
        ]
    );

    // Payments: only the static connector's user is here, not its bucket,
    // and not the OIDC connector's role: only the static one is checked.
    let payments = &accounts[1];
    assert_eq!(payments["status"], "scanned");
    assert_eq!(
        payments["connectors"],
        serde_json::json!(["recordings-static"])
    );
    let payments_user = "arn:aws:iam::444455556666:user/videsk-connector";
    assert_eq!(
        findings(payments),
        [
            triple("PO301", "recordings-static", "arn:aws:s3:::rec-bucket"),
            triple("PO402", "recordings-static", payments_user),
            triple("PO203", "recordings-static", payments_user),
        ]
    );
    assert!(
        payments["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist in account 444455556666")
    );

    // The account without the role: reported, with the reason.
    let missing = &accounts[2];
    assert_eq!(missing["status"], "failed");
    assert_eq!(
        missing["target"],
        "arn:aws:iam::777788889999:role/putonly-audit"
    );
    assert_eq!(
        missing["error"],
        "cannot assume role `arn:aws:iam::777788889999:role/putonly-audit`: AccessDenied: \
         User: arn:aws:iam::caller is not authorized to perform: sts:AssumeRole on resource: \
         arn:aws:iam::777788889999:role/putonly-audit (request id putonly-strict-assume)"
    );

    // The totals add the accounts up.
    let total: u64 = accounts
        .iter()
        .filter_map(|a| a["summary"]["total"].as_u64())
        .sum();
    assert_eq!(report["summary"]["total"], total);
    assert_eq!(report["summary"]["accounts"], 3);
    assert_eq!(report["summary"]["failed"], 1);

    // The guide's account reads the same through the role alone.
    let how = ["--role-arn", "arn:aws:iam::111122223333:role/putonly-audit"];
    let single = live_scan(dir.path(), emulator.endpoint(), &how, "json", "single.json");
    assert_eq!(single.status.code(), Some(1), "{}", stderr(&single));
    let single = read_json(&dir.path().join("single.json"));
    assert_eq!(single["schema_version"], 1);
    assert_eq!(single["findings"], guide["findings"]);

    // The table has a section per account and the totals.
    let output = scan("table", "report.txt");
    assert_eq!(output.status.code(), Some(3));
    let table = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    for account in [ACCOUNT_ID, PAYMENTS, MISSING_ROLE] {
        assert!(
            table.contains(&format!("== account {account} (through ")),
            "{table}"
        );
    }
    assert!(table.contains("not scanned: "), "{table}");
    assert!(
        table
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("3 accounts (2 scanned, 1 not scanned): "),
        "{table}"
    );

    // SARIF: each account's runs, in categories of their own.
    let output = scan("sarif", "report.sarif");
    assert_eq!(output.status.code(), Some(3));
    let sarif = read_json(&dir.path().join("report.sarif"));
    let categories: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        [
            "putonly/111122223333/recordings-static/",
            "putonly/111122223333/recordings-oidc/",
            "putonly/111122223333/account/",
            "putonly/444455556666/recordings-static/",
            "putonly/444455556666/account/",
            "putonly/777788889999/not-scanned/",
        ]
    );
    assert_eq!(
        sarif_problems(&dir.path().join("report.sarif")),
        Vec::<String>::new()
    );
    let failed_run = &sarif["runs"][5];
    assert_eq!(failed_run["invocations"][0]["executionSuccessful"], false);
    assert_eq!(failed_run["results"], serde_json::json!([]));
}

#[test]
fn the_accounts_of_an_organization() {
    let emulator = Emulator::start_many_accounts();
    emulator.seed_account(ACCOUNT_ID, &["S1"], false);
    emulator.aws(&[
        "organizations",
        "create-organization",
        "--feature-set",
        "ALL",
    ]);
    for name in ["payments", "sandbox"] {
        emulator.aws(&[
            "organizations",
            "create-account",
            "--email",
            &format!("{name}@example.com"),
            "--account-name",
            name,
        ]);
    }
    let listed: Value =
        serde_json::from_slice(&emulator.aws(&["organizations", "list-accounts"])).unwrap();
    let mut members: Vec<(String, String)> = listed["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["Name"].as_str().unwrap().to_owned(),
                a["Id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    members.sort();
    let id = |name: &str| {
        members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    let (payments, sandbox) = (id("payments"), id("sandbox"));
    // The audit role exists in payments only.
    emulator.seed_account(&payments, &["audit-role"], false);

    let dir = tempfile::tempdir().unwrap();
    let output = live_scan(
        dir.path(),
        emulator.endpoint(),
        &["--organization"],
        "json",
        "org.json",
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = read_json(&dir.path().join("org.json"));
    assert_schema_valid(&report);

    let mut expected = vec![
        (
            ACCOUNT_ID.to_owned(),
            "scanned",
            "the caller's credentials".to_owned(),
        ),
        (
            payments.clone(),
            "scanned",
            format!("arn:aws:iam::{payments}:role/putonly-audit"),
        ),
        (
            sandbox.clone(),
            "failed",
            format!("arn:aws:iam::{sandbox}:role/putonly-audit"),
        ),
    ];
    expected.sort();
    let seen: Vec<(String, &str, String)> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account_id"].as_str().unwrap().to_owned(),
                match a["status"].as_str().unwrap() {
                    "scanned" => "scanned",
                    _ => "failed",
                },
                a["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
}

/// Writes a snapshot of the guide's example account, and a copy of it as
/// another account.
fn example_snapshots(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let dump = format!("{}/examples/guide-account", env!("CARGO_MANIFEST_DIR"));
    let first = dir.join("guide.json");
    let out = putonly(
        dir,
        None,
        &[
            "snapshot",
            "--from-dump",
            &dump,
            "--out",
            first.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&first).unwrap();
    let second = dir.join("payments.json");
    std::fs::write(&second, text.replace(ACCOUNT_ID, PAYMENTS)).unwrap();
    (first, second)
}

/// A directory `d` under `work` holding copies of `files`: every scan
/// names its snapshots `d/NAME`, so reports of different runs compare.
fn shard_dir(work: &Path, files: &[&Path]) -> std::path::PathBuf {
    let dir = work.join("d");
    std::fs::create_dir_all(&dir).unwrap();
    for file in files {
        std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    }
    work.to_owned()
}

#[test]
fn merged_shards_equal_the_scan_of_all_accounts() {
    let root = tempfile::tempdir().unwrap();
    let (guide, payments) = example_snapshots(root.path());
    let whole = shard_dir(&root.path().join("whole"), &[&guide, &payments]);
    let first = shard_dir(&root.path().join("first"), &[&guide]);
    let second = shard_dir(&root.path().join("second"), &[&payments]);

    let scan = |dir: &Path, format: &str| {
        let out = putonly(
            dir,
            None,
            &[
                "scan",
                "--snapshots",
                "d",
                "--config",
                &config(),
                "--format",
                format,
                "--color",
                "never",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        out.stdout
    };
    std::fs::write(root.path().join("first.json"), scan(&first, "json")).unwrap();
    std::fs::write(root.path().join("second.json"), scan(&second, "json")).unwrap();

    for format in ["json", "table", "markdown"] {
        let merged = putonly(
            root.path(),
            None,
            &[
                "merge",
                "first.json",
                "second.json",
                "--config",
                &config(),
                "--format",
                format,
                "--color",
                "never",
            ],
        );
        assert_eq!(merged.status.code(), Some(1), "{}", stderr(&merged));
        let expected = scan(&whole, format);
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout),
            String::from_utf8_lossy(&expected),
            "{format}"
        );
    }
    let merged: Value = serde_json::from_slice(
        &putonly(
            root.path(),
            None,
            &[
                "merge",
                "first.json",
                "second.json",
                "-c",
                &config(),
                "-f",
                "json",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_schema_valid(&merged);
    assert_eq!(merged["summary"]["accounts"], 2);

    // SARIF: with the accounts' snapshots (as `scan --snapshot-out DIR`
    // names them), the merge points at the same lines as the scan of all
    // accounts from those snapshots.
    let snaps = root.path().join("snaps");
    std::fs::create_dir_all(&snaps).unwrap();
    let ids: Vec<String> = [&guide, &payments]
        .iter()
        .map(|p| {
            let value: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            value["account_id"].as_str().unwrap().to_owned()
        })
        .collect();
    for (snapshot, account) in [&guide, &payments].into_iter().zip(&ids) {
        std::fs::copy(snapshot, snaps.join(format!("{account}.json"))).unwrap();
    }
    let config_path = config();
    let run = |args: &[&str]| {
        let output = putonly(root.path(), None, args);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        output
    };
    let sarif = |args: &[&str]| String::from_utf8(run(args).stdout).unwrap();
    let merge_sarif = |snapshots: Option<&str>| {
        let mut args = vec!["merge", "first.json", "second.json", "-c", &config_path];
        args.extend(["-f", "sarif"]);
        if let Some(dir) = snapshots {
            args.extend(["--snapshots", dir]);
        }
        run(&args)
    };
    let scanned = sarif(&[
        "scan",
        "--snapshots",
        "snaps",
        "-c",
        &config_path,
        "-f",
        "sarif",
    ]);
    let merged_sarif = String::from_utf8(merge_sarif(Some("snaps")).stdout).unwrap();
    assert!(scanned.contains("\"uri\": \"snaps/"), "{scanned}");
    assert_eq!(merged_sarif, scanned);
    let logical = String::from_utf8(merge_sarif(None).stdout).unwrap();
    assert!(!logical.contains("\"uri\": \"snaps/"));

    // Another account's snapshot under an account's name is not pointed
    // into (its lines would be wrong), and the merge says so.
    std::fs::copy(&guide, snaps.join(format!("{}.json", ids[1]))).unwrap();
    let output = merge_sarif(Some("snaps"));
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(text.contains(&format!("snaps/{}.json", ids[0])));
    assert!(!text.contains(&format!("snaps/{}.json", ids[1])));
    assert!(
        stderr(&output).contains(&format!("the snapshot of account {}", ids[0])),
        "{}",
        stderr(&output)
    );

    // Shards of one account each (schema version 1) merge too.
    let single = |snapshot: &Path, out: &str| {
        let output = putonly(
            root.path(),
            None,
            &[
                "scan",
                "--snapshot",
                snapshot.to_str().unwrap(),
                "-c",
                &config(),
                "-f",
                "json",
                "-o",
                out,
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    };
    single(&guide, "v1-guide.json");
    single(&payments, "v1-payments.json");
    let output = putonly(
        root.path(),
        None,
        &[
            "merge",
            "v1-guide.json",
            "v1-payments.json",
            "-c",
            &config(),
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let from_v1: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_schema_valid(&from_v1);
    for (a, b) in from_v1["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .zip(merged["accounts"].as_array().unwrap())
    {
        assert_eq!(a["account_id"], b["account_id"]);
        assert_eq!(a["findings"], b["findings"]);
    }
}

#[test]
fn bad_shards_are_named_with_the_place() {
    let root = tempfile::tempdir().unwrap();
    let (guide, payments) = example_snapshots(root.path());
    let scan = |snapshot: &Path, out: &str| {
        putonly(
            root.path(),
            None,
            &[
                "scan",
                "--snapshot",
                snapshot.to_str().unwrap(),
                "-c",
                &config(),
                "-f",
                "json",
                "-o",
                out,
            ],
        );
    };
    scan(&guide, "guide.report.json");
    scan(&payments, "payments.report.json");
    let text = std::fs::read_to_string(root.path().join("payments.report.json")).unwrap();
    let cut = text.len() / 2;
    std::fs::write(root.path().join("truncated.json"), &text[..cut]).unwrap();
    std::fs::write(
        root.path().join("sarif.json"),
        "{\"version\": \"2.1.0\", \"runs\": []}\n",
    )
    .unwrap();
    std::fs::write(
        root.path().join("bad-status.json"),
        "{\"schema_version\": 2, \"tool\": {\"name\": \"putonly\", \"version\": \"0.1.0\"},\n\
         \"summary\": {}, \"accounts\": [{\"account_id\": \"444455556666\", \"status\": \"maybe\", \
         \"target\": \"x\"}]}\n",
    )
    .unwrap();

    let merge = |files: &[&str]| {
        let mut args = vec!["merge"];
        args.extend_from_slice(files);
        let config = config();
        args.extend_from_slice(&["-c", &config, "-f", "json"]);
        let output = putonly(root.path(), None, &args);
        assert_eq!(output.status.code(), Some(2), "{files:?}");
        assert!(output.stdout.is_empty(), "no report on error");
        stderr(&output)
    };

    let truncated = merge(&["guide.report.json", "truncated.json"]);
    let line = text[..cut].lines().count();
    assert!(
        truncated.starts_with(&format!(
            "putonly: `truncated.json` is not a putonly JSON report: line {line}, column "
        )),
        "{truncated}"
    );
    assert!(truncated.contains("EOF while parsing"), "{truncated}");

    let sarif = merge(&["sarif.json"]);
    assert!(
        sarif.starts_with("putonly: `sarif.json` is not a putonly JSON report: line 1, column "),
        "{sarif}"
    );

    let status = merge(&["bad-status.json"]);
    assert_eq!(
        status.trim_end(),
        "putonly: `bad-status.json`: accounts[0]: status `maybe` is neither `scanned` nor `failed`"
    );

    std::fs::copy(
        root.path().join("guide.report.json"),
        root.path().join("again.json"),
    )
    .unwrap();
    let duplicate = merge(&["guide.report.json", "payments.report.json", "again.json"]);
    assert_eq!(
        duplicate.trim_end(),
        "putonly: account `111122223333` is in both `guide.report.json` and `again.json`"
    );
}

#[test]
fn every_format_of_many_accounts_is_snapshotted() {
    let root = tempfile::tempdir().unwrap();
    let (guide, payments) = example_snapshots(root.path());
    let work = shard_dir(&root.path().join("org"), &[&guide, &payments]);
    // An account that cannot be read.
    std::fs::write(
        work.join("d").join("broken.json"),
        "{\"schema_version\": 1,\n",
    )
    .unwrap();
    for (format, name) in [
        ("json", "many.json"),
        ("table", "many.table"),
        ("markdown", "many.md"),
    ] {
        let out = putonly(
            &work,
            None,
            &[
                "scan",
                "--snapshots",
                "d",
                "--config",
                &config(),
                "--format",
                format,
                "--color",
                "never",
            ],
        );
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        if format == "json" {
            assert_schema_valid(&serde_json::from_str(&text).unwrap());
        }
        insta::assert_snapshot!(name, text);
    }
}
