//! The `putonly` binary as a user runs it: exit codes and one-line errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

fn putonly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_putonly"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Nothing may reach a metadata address or real AWS.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one line an exit-2 run prints.
fn one_line_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    let text = stderr(out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {text}");
    lines[0].to_owned()
}

const EXAMPLE: [&str; 5] = [
    "scan",
    "--from-dump",
    "examples/guide-account",
    "--config",
    "examples/putonly.toml",
];

#[test]
fn example_account_prints_findings_and_exits_1() {
    let out = putonly(&EXAMPLE);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("PO104"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .contains("in account 111122223333 (dump source")
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    // The example has a critical finding (the OIDC trust), so even
    // --fail-on critical fails.
    let mut args = EXAMPLE.to_vec();
    args.extend(["--fail-on", "critical", "--format", "json"]);
    let out = putonly(&args);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["account_id"], "111122223333");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["summary"]["by_severity"]["critical"], 1);

    // The static connector alone has nothing critical: exit 0.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("putonly.toml");
    let text = std::fs::read_to_string("examples/putonly.toml").unwrap();
    let static_only = &text[..text.find("[[connector]]\n# Path B").unwrap()];
    std::fs::write(&config, static_only).unwrap();
    let out = putonly(&[
        "scan",
        "--from-dump",
        "examples/guide-account",
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
}

#[test]
fn malformed_config_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("putonly.toml");
    std::fs::write(&config, "[[connector]]\nname = \"a\"\nmode = \"static\"\nprincipal = \"u\"\nbucket = \"rec-bucket\"\nprefx = \"x\"\n").unwrap();
    let out = putonly(&[
        "scan",
        "--from-dump",
        "examples/guide-account",
        "--config",
        config.to_str().unwrap(),
    ]);
    let line = one_line_error(&out);
    assert!(line.starts_with("putonly: invalid config `"), "{line}");
    assert!(
        line.contains("putonly.toml` at line 6, column 1: unknown field `prefx`"),
        "{line}"
    );
}

#[test]
fn missing_dump_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = putonly(&[
        "scan",
        "--from-dump",
        dir.path().to_str().unwrap(),
        "--config",
        "examples/putonly.toml",
    ]);
    let line = one_line_error(&out);
    let manifest = dir.path().join("manifest.json");
    assert_eq!(
        line,
        format!(
            "putonly: cannot read `{}`: No such file or directory (os error 2)",
            manifest.display()
        )
    );
}

#[test]
fn unreadable_and_truncated_snapshots_are_named() {
    let out = putonly(&[
        "scan",
        "--snapshot",
        "no/such/snapshot.json",
        "--config",
        "examples/putonly.toml",
    ]);
    assert_eq!(
        one_line_error(&out),
        "putonly: cannot read `no/such/snapshot.json`: No such file or directory (os error 2)"
    );

    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snap.json");
    let mut args = vec!["snapshot", "--from-dump", "examples/guide-account", "--out"];
    args.push(snapshot.to_str().unwrap());
    assert_eq!(putonly(&args).status.code(), Some(0));
    let text = std::fs::read_to_string(&snapshot).unwrap();
    std::fs::write(&snapshot, &text[..text.len() / 3]).unwrap();
    let out = putonly(&[
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--config",
        "examples/putonly.toml",
    ]);
    let line = one_line_error(&out);
    assert!(
        line.starts_with(&format!(
            "putonly: invalid JSON in `{}` at line ",
            snapshot.display()
        )),
        "{line}"
    );
}

#[test]
fn unreachable_endpoint_is_named() {
    // A loopback port nobody listens on.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = putonly(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--config",
        "examples/putonly.toml",
    ]);
    let line = one_line_error(&out);
    assert!(
        line.starts_with(&format!(
            "putonly: AWS call sts:GetCallerIdentity failed ({endpoint}): "
        )),
        "{line}"
    );
}

#[test]
fn snapshot_of_a_dump_scans_to_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snap.json");
    let snap = snapshot.to_str().unwrap();
    assert_eq!(
        putonly(&[
            "snapshot",
            "--from-dump",
            "examples/guide-account",
            "--out",
            snap
        ])
        .status
        .code(),
        Some(0)
    );
    let mut from_dump = EXAMPLE.to_vec();
    from_dump.extend(["--format", "json"]);
    let a = putonly(&from_dump);
    let b = putonly(&[
        "scan",
        "--snapshot",
        snap,
        "--config",
        "examples/putonly.toml",
        "--format",
        "json",
    ]);
    assert_eq!(a.status.code(), b.status.code());
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(a["findings"], b["findings"]);
    assert!(!a["findings"].as_array().unwrap().is_empty());
}

#[test]
fn init_writes_a_valid_template_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("putonly.toml");
    let p = path.to_str().unwrap();
    assert_eq!(putonly(&["init", p]).status.code(), Some(0));
    putonly::config::Config::load(Path::new(p)).unwrap();
    let line = one_line_error(&putonly(&["init", p]));
    assert_eq!(
        line,
        format!("putonly: `{p}` already exists (use --force to overwrite it)")
    );
}
