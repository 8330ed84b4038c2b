#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Hostile and broken input for every reader, and hostile account text in
//! every report.
//!
//! Each input goes through the real binary (`putonly scan` with
//! `--config`, `--snapshot`, `--auth-details` or `--from-dump`), bounded by
//! a generous deadline: a panic or a hang is a failure, an error must name
//! the file, a JSON syntax error its line. Policy documents go through the
//! authorization-details reader, which takes them as objects, JSON text or
//! URL-encoded JSON text, as the IAM API returns them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far more than any of these inputs needs; only a hang reaches it.
const DEADLINE: Duration = Duration::from_secs(120);

const CONFIG: &str = "examples/putonly.toml";
const DUMP: &str = "examples/guide-account";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary gave.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `putonly ARGS` from the repository, killing it (by its own process
/// id) if it outlives [`DEADLINE`].
fn putonly(name: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let err = dir.path().join("err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_putonly"))
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: putonly {args:?} still ran after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "{name}: putonly panicked: {}",
        run.stderr
    );
    run
}

/// The run failed with a clear error (exit 2) naming `file`.
fn assert_error_names(name: &str, run: &Run, file: &Path) {
    assert_eq!(run.code, 2, "{name}: expected an error, got {run:?}");
    let file_name = file.file_name().unwrap().to_string_lossy();
    assert!(
        run.stderr.contains(file_name.as_ref()),
        "{name}: the error does not name `{file_name}`: {}",
        run.stderr
    );
}

/// The run either reported findings (exit 0 or 1) or failed naming `file`.
fn assert_handled(name: &str, run: &Run, file: &Path) {
    if run.code != 0 && run.code != 1 {
        assert_error_names(name, run, file);
    }
}

fn deeply_nested(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

/// Broken JSON texts every JSON reader must reject with its file named;
/// the bool says whether the error must carry a line.
fn broken_json(valid: &str) -> Vec<(&'static str, Vec<u8>, bool)> {
    let half = valid.len() / 2;
    let mut invalid_utf8 = valid.as_bytes().to_vec();
    invalid_utf8.splice(10..10, [0xff, 0xfe, 0xc3]);
    vec![
        ("truncated", valid.as_bytes()[..half].to_vec(), true),
        ("invalid JSON", b"{\"a\": ,}".to_vec(), true),
        ("empty", Vec::new(), false),
        ("invalid UTF-8", invalid_utf8, false),
        ("wrong type: array", b"[1, 2, 3]".to_vec(), false),
        ("wrong type: string", b"\"text\"".to_vec(), false),
        (
            "nested 10,000 levels",
            deeply_nested(10_000).into_bytes(),
            false,
        ),
        (
            "nested 10,000 objects",
            format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes(),
            false,
        ),
        ("NUL bytes", vec![0; 1024], false),
    ]
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A snapshot of the example account, as `putonly snapshot` writes it.
fn example_snapshot(dir: &Path) -> (PathBuf, String) {
    let path = dir.join("snapshot.json");
    let run = putonly(
        "snapshot",
        &[
            "snapshot",
            "--from-dump",
            DUMP,
            "--out",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn broken_snapshots_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, valid) = example_snapshot(dir.path());
    for (name, bytes, has_line) in broken_json(&valid) {
        let path = write(dir.path(), "broken-snapshot.json", &bytes);
        let run = putonly(
            name,
            &[
                "scan",
                "--snapshot",
                path.to_str().unwrap(),
                "--config",
                CONFIG,
            ],
        );
        assert_error_names(name, &run, &path);
        if has_line {
            assert!(
                run.stderr.contains("line"),
                "{name}: no position: {}",
                run.stderr
            );
        }
    }

    // Valid JSON, wrong shapes and duplicates.
    let mut value: serde_json::Value = serde_json::from_str(&valid).unwrap();
    value["users"] = serde_json::json!(5);
    let wrong = write(dir.path(), "wrong-type.json", value.to_string().as_bytes());
    let run = putonly(
        "users: 5",
        &[
            "scan",
            "--snapshot",
            wrong.to_str().unwrap(),
            "--config",
            CONFIG,
        ],
    );
    assert_error_names("users: 5", &run, &wrong);

    let duplicated = valid.replacen(
        "\"account_id\"",
        "\"account_id\": \"999999999999\",\n  \"account_id\"",
        1,
    );
    let path = write(dir.path(), "duplicate.json", duplicated.as_bytes());
    let run = putonly(
        "duplicate key",
        &[
            "scan",
            "--snapshot",
            path.to_str().unwrap(),
            "--config",
            CONFIG,
        ],
    );
    assert_error_names("duplicate key", &run, &path);
}

#[test]
fn a_snapshot_with_thousands_of_users_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = example_snapshot(dir.path());
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let users = value["users"].as_array_mut().unwrap();
    let template = users[0].clone();
    for i in 0..5_000 {
        let mut user = template.clone();
        user["name"] = format!("u{i}").into();
        user["arn"] = format!("arn:aws:iam::111122223333:user/u{i}").into();
        user["id"] = format!("AIDA{i}").into();
        user["inline_policies"] = serde_json::json!([]);
        users.push(user);
    }
    std::fs::write(&path, value.to_string()).unwrap();
    let run = putonly(
        "5,000 users",
        &[
            "scan",
            "--snapshot",
            path.to_str().unwrap(),
            "--config",
            CONFIG,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn broken_configs_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let valid = std::fs::read_to_string(repo().join(CONFIG)).unwrap();
    let mut invalid_utf8 = valid.as_bytes().to_vec();
    invalid_utf8.splice(40..40, [0xff, 0xfe]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", valid.as_bytes()[..valid.len() / 3].to_vec()),
        ("invalid UTF-8", invalid_utf8),
        (
            "wrong type",
            valid
                .replacen("max_key_age_days = 90", "max_key_age_days = \"ninety\"", 1)
                .into_bytes(),
        ),
        (
            "duplicate key",
            valid
                .replacen("mode = \"static\"", "mode = \"static\"\nmode = \"oidc\"", 1)
                .into_bytes(),
        ),
        (
            "nested 10,000 arrays",
            format!("x = {}", deeply_nested(10_000)).into_bytes(),
        ),
        (
            "nested 10,000 tables",
            format!("x = {}1{}", "{a = ".repeat(10_000), "}".repeat(10_000)).into_bytes(),
        ),
        ("control characters", b"name = \"a\x1b[2J\"\n\x00".to_vec()),
        (
            "100,000 connectors",
            "[[connector]]\nname = \"c\"\n".repeat(100_000).into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), "putonly.toml", &bytes);
        let run = putonly(
            name,
            &[
                "scan",
                "--from-dump",
                DUMP,
                "--config",
                path.to_str().unwrap(),
            ],
        );
        assert_error_names(name, &run, &path);
    }
}

#[test]
fn broken_auth_details_and_dump_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let dump_file = repo().join(DUMP).join("iam/authorization-details.json");
    let valid = std::fs::read_to_string(&dump_file).unwrap();
    for (name, bytes, has_line) in broken_json(&valid) {
        // As an authorization-details file.
        let path = write(dir.path(), "auth-details.json", &bytes);
        let run = putonly(
            name,
            &[
                "scan",
                "--auth-details",
                path.to_str().unwrap(),
                "--config",
                CONFIG,
            ],
        );
        assert_error_names(name, &run, &path);
        if has_line {
            assert!(
                run.stderr.contains("line"),
                "{name}: no position: {}",
                run.stderr
            );
        }

        // As the same file of a dump.
        let dump = dir.path().join("dump");
        let _ = std::fs::remove_dir_all(&dump);
        copy_dir(&repo().join(DUMP), &dump);
        let path = write(&dump.join("iam"), "authorization-details.json", &bytes);
        let run = putonly(
            name,
            &[
                "scan",
                "--from-dump",
                dump.to_str().unwrap(),
                "--config",
                CONFIG,
            ],
        );
        assert_handled(name, &run, &path);
    }
}

#[test]
fn every_kind_of_dump_file_survives_broken_json() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "manifest.json",
        "sts/caller-identity.json",
        "iam/roles.json",
        "iam/oidc-providers.json",
        "iam/oidc-providers/0.json",
        "iam/users/videsk-connector/access-keys.json",
        "iam/users/videsk-connector/mfa-devices.json",
        "s3/buckets.json",
        "s3/buckets/rec-bucket/policy.json",
        "s3/buckets/rec-bucket/location.json",
        "s3/buckets/rec-bucket/acl.json",
        "s3/buckets/rec-bucket/public-access-block.json",
        "s3control/public-access-block.json",
        "s3control/regions/us-west-1/access-points.json",
    ] {
        let valid = std::fs::read_to_string(repo().join(DUMP).join(file)).unwrap();
        for (name, bytes, _) in broken_json(&valid) {
            let dump = dir.path().join("dump");
            let _ = std::fs::remove_dir_all(&dump);
            copy_dir(&repo().join(DUMP), &dump);
            let path = dump.join(file);
            std::fs::write(&path, &bytes).unwrap();
            let case = format!("{file}, {name}");
            let run = putonly(
                &case,
                &[
                    "scan",
                    "--from-dump",
                    dump.to_str().unwrap(),
                    "--config",
                    CONFIG,
                ],
            );
            assert_handled(&case, &run, &path);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// An authorization-details file with one user, `videsk-connector`, whose
/// one inline policy is `document` (a JSON value: an object or a string).
fn auth_details_with(document: serde_json::Value) -> String {
    serde_json::json!({
        "UserDetailList": [{
            "Path": "/",
            "UserName": "videsk-connector",
            "UserId": "AIDAEXAMPLEUSER00001",
            "Arn": "arn:aws:iam::123456789012:user/videsk-connector",
            "CreateDate": "2026-01-15T10:00:00Z",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": document}],
            "GroupList": [],
            "AttachedManagedPolicies": []
        }],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": []
    })
    .to_string()
}

/// A policy allowing `s3:PutObject` on `resource`, padded with a `Sid`
/// to exactly `size` characters when asked.
fn put_policy(resource: &str, size: Option<usize>) -> String {
    let text = |sid: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": sid, "Effect": "Allow", "Action": "s3:PutObject", "Resource": resource}]
        })
        .to_string()
    };
    match size {
        None => text("s"),
        Some(size) => {
            let bare = text("").chars().count();
            let padded = text(&"x".repeat(size.saturating_sub(bare)));
            assert_eq!(padded.chars().count(), size);
            padded
        }
    }
}

fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[test]
fn hostile_policy_documents_give_findings_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let plain = put_policy("arn:aws:s3:::rec-bucket/*", None);
    let mut cases: Vec<(String, serde_json::Value)> = vec![
        ("object".into(), serde_json::from_str(&plain).unwrap()),
        ("JSON text".into(), plain.clone().into()),
        ("URL-encoded".into(), url_encode(&plain).into()),
        (
            "double URL-encoded".into(),
            url_encode(&url_encode(&plain)).into(),
        ),
        (
            "truncated text".into(),
            plain[..plain.len() / 2].to_owned().into(),
        ),
        ("invalid percent-encoding".into(), "%7B%ZZ%".into()),
        (
            "percent-encoded invalid UTF-8".into(),
            "%7B%FF%FE%7D".into(),
        ),
        ("wrong type: number".into(), 5.into()),
        ("wrong type: array".into(), serde_json::json!([plain])),
        (
            "duplicate keys".into(),
            plain
                .replacen(
                    "\"Effect\":\"Allow\"",
                    "\"Effect\":\"Deny\",\"Effect\":\"Allow\"",
                    1,
                )
                .into(),
        ),
        (
            "nested 10,000 levels".into(),
            plain
                .replacen("\"s3:PutObject\"", &deeply_nested(10_000), 1)
                .into(),
        ),
        (
            "10,000 nested conditions".into(),
            plain
                .replacen(
                    "\"Effect\"",
                    &format!(
                        "\"Condition\":{}1{},\"Effect\"",
                        "{\"a\":".repeat(10_000),
                        "}".repeat(10_000)
                    ),
                    1,
                )
                .into(),
        ),
        (
            "10 MB".into(),
            put_policy("arn:aws:s3:::rec-bucket/*", Some(10 * 1024 * 1024)).into(),
        ),
        (
            "100,000 resources".into(),
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                    "Resource": (0..100_000).map(|i| format!("arn:aws:s3:::bucket-{i}/*")).collect::<Vec<_>>()}]
            }),
        ),
        (
            "4,000 resources, under the parser's ceiling".into(),
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                    "Resource": (0..4_000).map(|i| format!("arn:aws:s3:::bucket-{i}/*")).collect::<Vec<_>>()}]
            }),
        ),
        (
            "10,000 statements".into(),
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": (0..10_000).map(|i| serde_json::json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::b{i}/*")})).collect::<Vec<_>>()
            }),
        ),
    ];
    // AWS's limits: inline user, role and managed policies.
    for size in [2_048, 6_144, 10_240, 20_480] {
        cases.push((
            format!("{size} characters"),
            put_policy("arn:aws:s3:::rec-bucket/*", Some(size)).into(),
        ));
    }
    for resource in [
        "arn:aws:s3:::rec-bucket/ünïcødé/📼/*",
        "arn:aws:s3:::rec-bucket/${aws:username}/*",
        "arn:aws:s3:::rec-bucket/${${${/*",
        "arn:aws:s3:::rec-bucket/\u{1b}[2J\u{0}\u{7}/*",
        "arn:aws:s3:::rec-bucket/\u{202e}txt.exe/*",
        "arn:aws:s3:::rec-bucket/*?*[a-z]**/*",
        "arn:aws:s3:::",
        "arn:",
        "*",
    ] {
        cases.push((
            format!("resource {resource:?}"),
            put_policy(resource, None).into(),
        ));
    }

    for (name, document) in cases {
        let path = write(
            dir.path(),
            "auth-details.json",
            auth_details_with(document).as_bytes(),
        );
        let run = putonly(
            &name,
            &[
                "scan",
                "--auth-details",
                path.to_str().unwrap(),
                "--config",
                CONFIG,
                "--format",
                "json",
            ],
        );
        assert_handled(&name, &run, &path);
        // What each input gave, for the record of the issue.
        let outcome = if run.code == 2 {
            run.stderr.lines().last().unwrap_or("").to_owned()
        } else {
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let rules: Vec<&str> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["rule_id"].as_str())
                .collect();
            format!("findings {rules:?}")
        };
        eprintln!("{name}: exit {}; {outcome}", run.code);
    }
}

// --- no secrets out, no injection --------------------------------------

#[test]
fn an_error_about_a_hostile_name_prints_no_escape_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        auth_details_with(5.into()).replace("\"p\"", "\"p\\u001b[2J\\u001b]0;owned\\u0007\"");
    let path = write(dir.path(), "auth-details.json", text.as_bytes());
    let run = putonly(
        "hostile name in an error",
        &[
            "scan",
            "--auth-details",
            path.to_str().unwrap(),
            "--config",
            CONFIG,
        ],
    );
    assert_error_names("hostile name in an error", &run, &path);
    assert!(run.stderr.contains("p\\u{1b}[2J"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "{}",
        run.stderr
    );
}

/// The example account's snapshot with its access key 400 days old and a
/// second writer whose name, policy and key carry escape sequences.
fn hostile_snapshot(dir: &Path) -> PathBuf {
    let (path, text) = example_snapshot(dir);
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let users = value["users"].as_array_mut().unwrap();
    let connector = users
        .iter_mut()
        .find(|u| u["name"] == "videsk-connector")
        .unwrap();
    connector["access_keys"]["value"][0]["create_date"] = "2020-01-01T00:00:00Z".into();
    let mut evil = connector.clone();
    let name = "evil\u{1b}[2J\u{1b}]8;;x\u{7}\u{202e}|*[x](y)\r\n";
    evil["name"] = name.into();
    evil["arn"] = format!("arn:aws:iam::111122223333:user/{name}").into();
    evil["id"] = "AIDAEVIL".into();
    evil["access_keys"]["value"][0]["id"] = "AKIAIOSFODNN7EXAMPLE".into();
    evil["inline_policies"][0]["name"] = name.into();
    users.push(evil);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

#[test]
fn reports_mask_key_ids_and_escape_account_text() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = hostile_snapshot(dir.path());
    let snapshot_text = std::fs::read_to_string(&snapshot).unwrap();
    // The user owns the snapshot: full ids there.
    assert!(snapshot_text.contains("AKIARTX3GSDS6BBMLDYJ"));
    assert!(snapshot_text.contains("AKIAIOSFODNN7EXAMPLE"));

    for format in ["table", "json", "sarif", "markdown"] {
        let run = putonly(
            format,
            &[
                "scan",
                "--snapshot",
                snapshot.to_str().unwrap(),
                "--config",
                CONFIG,
                "--format",
                format,
            ],
        );
        assert_eq!(run.code, 1, "{format}: {run:?}");
        let out = &run.stdout;
        for key in ["AKIARTX3GSDS6BBMLDYJ", "AKIAIOSFODNN7EXAMPLE"] {
            assert!(!out.contains(key), "{format} shows the key id {key}");
        }
        assert!(
            out.contains("AKIA************LDYJ"),
            "{format}: no masked key:\n{out}"
        );
        assert!(
            out.contains("evil"),
            "{format}: the hostile user has no finding:\n{out}"
        );
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\r'] {
            assert!(
                !out.contains(bad),
                "{format} carries {bad:?} from the account:\n{out}"
            );
        }
        if format != "json" {
            assert!(
                !out.contains('\u{202e}'),
                "{format} carries a bidi override:\n{out}"
            );
        }
    }
}
