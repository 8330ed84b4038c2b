//! Every report format on the example account and on scenarios S1 to S8:
//! insta snapshots of each output, every JSON output validated against
//! `schema/report.schema.json`, every SARIF output validated by Microsoft's
//! SARIF multitool (installed by `scripts/test.sh`; a missing validator
//! fails the tests), SARIF lines checked against the snapshot file by
//! value, fingerprints checked for stability, and the CLI's report flags.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "report_formats/scenarios.rs"]
mod scenarios;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use putonly::config::Config;
use putonly::finding::{self, Finding};
use putonly::inventory::{Fact, Inventory, PolicyText};
use putonly::report::sarif::{FINGERPRINT_KEY, Limits, Sarif};
use putonly::report::{self, Emitter, Format, Locator, Options, Rendered, Report, SourceFile};
use putonly::rules::Catalog;
use serde_json::Value;

const SNAPSHOT_URI: &str = ".putonly/snapshot.json";
const CONFIG_PATH: &str = "putonly.toml";

/// An account scanned as `putonly scan` does, with the files it points into.
struct Scanned {
    config: Config,
    config_text: String,
    inventory: Inventory,
    snapshot_text: String,
    findings: Vec<Finding>,
    catalog: Catalog,
}

fn scan(inventory: &Inventory, config_text: &str) -> Scanned {
    let config = Config::parse(config_text, Path::new(CONFIG_PATH)).unwrap();
    let catalog = Catalog::load().unwrap();
    let mut findings = putonly::app::evaluate(&catalog, inventory, &config).unwrap();
    let today = time::OffsetDateTime::parse(
        &inventory.source.collected_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .date();
    finding::apply_suppressions(&mut findings, &config.suppressions, today);
    Scanned {
        config,
        config_text: config_text.to_owned(),
        inventory: inventory.clone(),
        snapshot_text: putonly::source::snapshot::to_string(inventory),
        findings,
        catalog,
    }
}

impl Scanned {
    fn with_report<T>(&self, f: impl FnOnce(&Report<'_>) -> T) -> T {
        let locator = Locator::new(
            Some(SourceFile {
                uri: SNAPSHOT_URI,
                text: &self.snapshot_text,
            }),
            Some((
                SourceFile {
                    uri: CONFIG_PATH,
                    text: &self.config_text,
                },
                CONFIG_PATH,
            )),
        );
        let report = Report {
            account_id: &self.inventory.account_id,
            source_kind: &self.inventory.source.kind,
            collected_at: &self.inventory.source.collected_at,
            findings: &self.findings,
            catalog: &self.catalog,
            connectors: &self.config.connectors,
            locator: &locator,
        };
        f(&report)
    }

    fn render(&self, format: Format) -> Rendered {
        self.with_report(|r| report::render(format, r, Options::default()))
    }

    fn sarif(&self, limits: Limits) -> Rendered {
        self.with_report(|r| Sarif { limits }.emit(r))
    }
}

fn example() -> Scanned {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inventory = putonly::source::dump::load(&root.join("examples/guide-account")).unwrap();
    let config = std::fs::read_to_string(root.join("examples/putonly.toml")).unwrap();
    scan(&inventory, &config)
}

// ---------------------------------------------------------------- validators

/// Validates a JSON report against the committed schema.
fn assert_json_valid(name: &str, text: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schema/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: JSON report breaks the schema: {errors:#?}"
    );
}

/// The SARIF multitool binary that `scripts/test.sh` installs.
fn multitool() -> PathBuf {
    let path = std::env::var_os("PUTONLY_SARIF_MULTITOOL").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "scripts/validators/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
            )
        },
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "the SARIF validator is missing at `{}`: run scripts/test.sh, which installs it \
         (npm ci in scripts/validators)",
        path.display()
    );
    path
}

/// Problems the multitool finds in SARIF files: every error and warning,
/// except the one warning putonly cannot answer (it has no home page to
/// give as `informationUri`).
fn sarif_problems(files: &[PathBuf]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("validation.sarif");
    let out = Command::new(multitool())
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&log)
        .args(files)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the SARIF validator failed to run: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    let mut problems = Vec::new();
    for run in log["runs"].as_array().unwrap() {
        for result in run["results"].as_array().into_iter().flatten() {
            let level = result["level"].as_str().unwrap_or("warning");
            let message_id = result["message"]["id"].as_str().unwrap_or("");
            let allowed =
                result["ruleId"] == "SARIF2005" && message_id == "Warning_ProvideToolnformationUri";
            if (level == "error" || level == "warning") && !allowed {
                let at = &result["locations"][0]["physicalLocation"];
                problems.push(format!(
                    "{level} {} {} at {}:{}",
                    result["ruleId"].as_str().unwrap_or("?"),
                    result["message"],
                    at["artifactLocation"]["uri"].as_str().unwrap_or("?"),
                    at["region"]["startLine"]
                ));
            }
        }
    }
    problems
}

fn assert_sarif_valid(files: &[PathBuf]) {
    assert!(!files.is_empty());
    let problems = sarif_problems(files);
    assert!(
        problems.is_empty(),
        "SARIF validation failed: {problems:#?}"
    );
}

/// SARIF for a snapshot: the rule catalogue (the same in every file, and
/// snapshotted in full for the example account) is reduced to its ids.
fn without_rule_details(text: &str) -> String {
    let mut log: Value = serde_json::from_str(text).unwrap();
    for run in log["runs"].as_array_mut().unwrap() {
        let rules = &mut run["tool"]["driver"]["rules"];
        let ids: Vec<Value> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        *rules = Value::from(format!("{} rules: {}", ids.len(), Value::from(ids)));
    }
    serde_json::to_string_pretty(&log).unwrap()
}

// --------------------------------------------------------------------- tests

#[test]
fn every_format_of_every_scenario_is_snapshotted_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mut sarif_files = Vec::new();
    let mut cases: Vec<(String, Scanned)> = vec![("example".to_owned(), example())];
    for scenario in scenarios::all() {
        cases.push((
            scenario.name.to_owned(),
            scan(&scenario.inventory, &scenario.config),
        ));
    }
    for (name, scanned) in &cases {
        for format in [Format::Table, Format::Json, Format::Sarif, Format::Markdown] {
            let rendered = scanned.render(format);
            assert!(
                rendered.warnings.is_empty(),
                "{name}: {:?}",
                rendered.warnings
            );
            let text = rendered.text;
            let snapshot = match format {
                Format::Table => {
                    insta::assert_snapshot!(format!("{name}.table"), text);
                    continue;
                }
                Format::Markdown => {
                    insta::assert_snapshot!(format!("{name}.md"), text);
                    continue;
                }
                Format::Json => {
                    assert_json_valid(name, &text);
                    text
                }
                Format::Sarif => {
                    let path = dir.path().join(format!("{name}.sarif"));
                    std::fs::write(&path, &text).unwrap();
                    sarif_files.push(path);
                    if name == "example" {
                        text
                    } else {
                        without_rule_details(&text)
                    }
                }
            };
            let ext = if format == Format::Json {
                "json"
            } else {
                "sarif"
            };
            insta::assert_snapshot!(format!("{name}.{ext}"), snapshot);
        }
    }
    assert_sarif_valid(&sarif_files);
}

#[test]
fn the_validator_is_not_a_rubber_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.sarif");
    let text = example().render(Format::Sarif).text;
    let broken = text.replacen("\"startLine\": ", "\"startLine\": 0, \"x\": ", 1);
    std::fs::write(&path, broken).unwrap();
    let problems = sarif_problems(&[path]);
    assert!(
        problems.iter().any(|p| p.starts_with("error")),
        "a region starting on line 0 must be an error: {problems:#?}"
    );
}

/// The document text of a finding's location, from the inventory.
fn document_line(scanned: &Scanned, label: &str, line: usize) -> String {
    let model = putonly::access::AccessModel::build(
        &scanned.inventory,
        &scanned.config,
        &scanned.inventory.source.collected_at,
    );
    let doc = model.documents.iter().find(|d| d.label == label).unwrap();
    doc.text
        .as_str()
        .split('\n')
        .nth(line - 1)
        .unwrap()
        .to_owned()
}

#[test]
fn sarif_regions_are_the_statement_lines_of_the_snapshot() {
    let mut checked = 0;
    for scenario in scenarios::all() {
        let scanned = scan(&scenario.inventory, &scenario.config);
        let log: Value = serde_json::from_str(&scanned.render(Format::Sarif).text).unwrap();
        let snapshot: Vec<&str> = scanned.snapshot_text.lines().collect();
        let results: Vec<&Value> = log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|run| run["results"].as_array().unwrap())
            .collect();
        assert_eq!(results.len(), scanned.findings.len(), "{}", scenario.name);
        for result in results {
            let fingerprint = result["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .unwrap();
            let finding = scanned
                .findings
                .iter()
                .find(|f| f.fingerprint == fingerprint)
                .unwrap();
            let at = &result["locations"][0]["physicalLocation"];
            let start = at["region"]["startLine"].as_u64().unwrap() as usize;
            let end = at["region"]["endLine"].as_u64().unwrap() as usize;
            assert!(start <= end);
            match &finding.location {
                Some(location) if location.document == CONFIG_PATH => {
                    assert_eq!(at["artifactLocation"]["uri"], CONFIG_PATH);
                    let line = scanned.config_text.lines().nth(start - 1).unwrap();
                    assert_eq!(line, "[[suppression]]");
                }
                Some(location) => {
                    // Open the snapshot at the line SARIF names: it holds the
                    // statement's first line, as a JSON string.
                    assert_eq!(at["artifactLocation"]["uri"], SNAPSHOT_URI);
                    let expected =
                        document_line(&scanned, &location.document, location.line.unwrap());
                    let encoded = serde_json::to_string(&expected).unwrap();
                    let line = snapshot[start - 1].trim().trim_end_matches(',');
                    assert_eq!(line, encoded, "{} {}", scenario.name, finding.rule_id);
                    checked += 1;
                }
                None => {
                    // No statement: the line that names the resource, when
                    // the resource is in the snapshot.
                    let line = snapshot[start - 1];
                    let named = format!("\"{}\"", finding.resource);
                    let bucket = finding.resource.rsplit(":::").next().unwrap();
                    assert!(
                        line.contains(&named)
                            || line.contains(&format!("\"name\": \"{bucket}\""))
                            || !scanned.snapshot_text.contains(&named),
                        "{} {}: {line}",
                        scenario.name,
                        finding.rule_id
                    );
                }
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} statement locations were checked"
    );
}

#[test]
fn s1_points_at_the_whole_deny_statement() {
    let s1 = scenarios::all()
        .into_iter()
        .find(|s| s.name == "s1")
        .unwrap();
    let scanned = scan(&s1.inventory, &s1.config);
    let log: Value = serde_json::from_str(&scanned.render(Format::Sarif).text).unwrap();
    let run = &log["runs"][0];
    assert_eq!(
        run["automationDetails"]["id"],
        "putonly/111122223333/recordings-static/"
    );
    let po401 = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PO401")
        .unwrap();
    let region = &po401["locations"][0]["physicalLocation"]["region"];
    let lines: Vec<&str> = scanned.snapshot_text.lines().collect();
    let start = region["startLine"].as_u64().unwrap() as usize;
    let end = region["endLine"].as_u64().unwrap() as usize;
    assert_eq!(lines[start - 1].trim(), "\"        {\",");
    assert!(lines[start].contains("\\\"Sid\\\": \\\"DenyNonPrefixedWrites\\\""));
    assert_eq!(lines[end - 1].trim().trim_end_matches(','), "\"        }\"");
    assert_eq!(end - start, 15);
    // The column is the statement's `{`, inside the JSON string.
    let column = region["startColumn"].as_u64().unwrap() as usize;
    assert_eq!(lines[start - 1].chars().nth(column - 1), Some('{'));
    assert_eq!(
        po401["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        scenarios::USER_ARN
    );
}

fn fingerprints(scanned: &Scanned) -> Vec<(String, String)> {
    let log: Value = serde_json::from_str(&scanned.render(Format::Sarif).text).unwrap();
    log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_hold_across_scans_and_change_with_the_finding() {
    // Two scans of the same account give the same fingerprints.
    let first = fingerprints(&example());
    assert!(!first.is_empty());
    assert_eq!(first, fingerprints(&example()));

    // A later collection with unrelated changes (time, a key's last use)
    // moves lines of the snapshot but keeps every fingerprint.
    let s8 = scenarios::all()
        .into_iter()
        .find(|s| s.name == "s8")
        .unwrap();
    let before = fingerprints(&scan(&s8.inventory, &s8.config));
    let mut later = s8.inventory.clone();
    later.source.collected_at = "2026-12-02T00:00:00Z".into();
    later.users[0].path = "/vendors/".into();
    assert_eq!(before, fingerprints(&scan(&later, &s8.config)));

    // The same rule on another statement is another finding.
    let s1 = scenarios::all()
        .into_iter()
        .find(|s| s.name == "s1")
        .unwrap();
    let po440 = |inv: &Inventory| {
        fingerprints(&scan(inv, &s1.config))
            .into_iter()
            .find(|(rule, _)| rule == "PO440")
            .unwrap()
            .1
    };
    let mut renamed = s1.inventory.clone();
    if let Fact::Present(buckets) = &mut renamed.buckets {
        let text = buckets[0]
            .policy
            .value()
            .unwrap()
            .as_str()
            .replace("DenyNonPrefixedWrites", "DenyOthers");
        buckets[0].policy = Fact::Present(PolicyText::new(text));
    }
    assert_ne!(po440(&s1.inventory), po440(&renamed));
}

#[test]
fn sarif_stays_within_upload_limits_and_says_what_it_cut() {
    let dir = tempfile::tempdir().unwrap();
    let s4 = scenarios::all()
        .into_iter()
        .find(|s| s.name == "s4b")
        .unwrap();
    let scanned = scan(&s4.inventory, &s4.config);
    assert!(scanned.findings.len() >= 3);

    let tight = Limits {
        runs: 20,
        results_per_run: 2,
        shown_results_per_run: 1,
        file_bytes: 10_000_000,
    };
    let capped = scanned.sarif(tight);
    let log: Value = serde_json::from_str(&capped.text).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 2);
    let notes: Vec<&str> = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("more than the 2 code scanning accepts")),
        "{notes:?}"
    );
    assert!(
        capped
            .warnings
            .iter()
            .any(|w| w.contains("least severe were left out"))
    );
    // What stays is the most severe.
    let kept = run["results"][0]["ruleId"].as_str().unwrap();
    assert_eq!(kept, scanned.findings[0].rule_id);

    // One run for everything when connectors outnumber runs.
    let one_run = scanned.sarif(Limits {
        runs: 1,
        ..Limits::GITHUB
    });
    let log1: Value = serde_json::from_str(&one_run.text).unwrap();
    assert_eq!(log1["runs"].as_array().unwrap().len(), 1);
    assert_eq!(
        log1["runs"][0]["automationDetails"]["id"],
        "putonly/111122223333/all/"
    );

    // A file-size cut drops the least severe results.
    let full = scanned.sarif(Limits::GITHUB).text.len();
    let small = scanned.sarif(Limits {
        file_bytes: full - 500,
        ..Limits::GITHUB
    });
    assert!(small.text.len() <= full - 500);
    assert!(
        small
            .warnings
            .iter()
            .any(|w| w.contains("would exceed code scanning's limit"))
    );

    let mut files = Vec::new();
    for (name, text) in [
        ("capped", &capped.text),
        ("one-run", &one_run.text),
        ("small", &small.text),
    ] {
        let path = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    assert_sarif_valid(&files);
}

// ---------------------------------------------------------------- the binary

fn putonly(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_putonly"))
        .args(args)
        .current_dir(dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// A scenario written as a snapshot file and a config in a fresh directory.
fn scenario_dir(name: &str, config: Option<&str>) -> tempfile::TempDir {
    let scenario = scenarios::all()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    putonly::source::snapshot::write(&scenario.inventory, &dir.path().join("account.json"))
        .unwrap();
    std::fs::write(
        dir.path().join(CONFIG_PATH),
        config.unwrap_or(&scenario.config),
    )
    .unwrap();
    dir
}

#[test]
fn a_scan_writes_its_snapshot_and_sarif_points_into_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("examples/putonly.toml"),
        dir.path().join(CONFIG_PATH),
    )
    .unwrap();
    let dump = root.join("examples/guide-account");
    let out = putonly(
        dir.path(),
        &[
            "scan",
            "--from-dump",
            dump.to_str().unwrap(),
            "-f",
            "sarif",
            "-o",
            "out.sarif",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The default snapshot is written and every location names it.
    let snapshot = std::fs::read_to_string(dir.path().join(SNAPSHOT_URI)).unwrap();
    let sarif = std::fs::read_to_string(dir.path().join("out.sarif")).unwrap();
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let lines: Vec<&str> = snapshot.lines().collect();
    for run in log["runs"].as_array().unwrap() {
        for result in run["results"].as_array().unwrap() {
            let at = &result["locations"][0]["physicalLocation"];
            assert_eq!(at["artifactLocation"]["uri"], SNAPSHOT_URI);
            let start = at["region"]["startLine"].as_u64().unwrap() as usize;
            assert!(start <= lines.len());
        }
    }
    // The bucket policy's Deny statement, by value.
    let po401 = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PO401")
        .unwrap();
    let start = po401["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap() as usize;
    assert!(
        lines[start].contains("DenyNonPrefixedWrites"),
        "{}",
        lines[start]
    );

    // --snapshot-out elsewhere, --no-snapshot-out not at all.
    let out = putonly(
        dir.path(),
        &[
            "scan",
            "--from-dump",
            dump.to_str().unwrap(),
            "--snapshot-out",
            "state/acct.json",
            "-f",
            "sarif",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"uri\": \"state/acct.json\""));
    assert!(dir.path().join("state/acct.json").is_file());
    std::fs::write(dir.path().join("elsewhere.sarif"), &out.stdout).unwrap();
    std::fs::remove_dir_all(dir.path().join(".putonly")).unwrap();
    let out = putonly(
        dir.path(),
        &[
            "scan",
            "--from-dump",
            dump.to_str().unwrap(),
            "--no-snapshot-out",
            "-f",
            "sarif",
        ],
    );
    assert!(!dir.path().join(".putonly").exists());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no snapshot file to point at"), "{stderr}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("no snapshot file")
    );
    std::fs::write(dir.path().join("nowhere.sarif"), &out.stdout).unwrap();
    assert_sarif_valid(&[
        dir.path().join("out.sarif"),
        dir.path().join("elsewhere.sarif"),
        dir.path().join("nowhere.sarif"),
    ]);
}

#[test]
fn scanning_a_snapshot_points_into_that_file_unchanged() {
    let dir = scenario_dir("s7", None);
    let before = std::fs::read_to_string(dir.path().join("account.json")).unwrap();
    let out = putonly(
        dir.path(),
        &[
            "scan",
            "--snapshot",
            "account.json",
            "-f",
            "sarif",
            "-o",
            "s7.sarif",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        before,
        std::fs::read_to_string(dir.path().join("account.json")).unwrap()
    );
    assert!(!dir.path().join(".putonly").exists());

    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s7.sarif")).unwrap())
            .unwrap();
    let po450 = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .find(|r| r["ruleId"] == "PO450")
        .unwrap();
    let at = &po450["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], "account.json");
    // The error is at the second `StringEquals` key.
    let line = before
        .lines()
        .nth(at["region"]["startLine"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert!(
        line.contains("\\\"StringEquals\\\": {\\\"accounts.google.com:aud\\\""),
        "{line}"
    );
    assert_sarif_valid(&[dir.path().join("s7.sarif")]);
}

#[test]
fn suppressed_findings_are_reported_but_never_fail() {
    let s8 = scenarios::all()
        .into_iter()
        .find(|s| s.name == "s8")
        .unwrap();
    let connector = s8.config.split("\n[[suppression]]").next().unwrap();
    let suppressions: Vec<String> = ["PO201", "PO202", "PO203", "PO204"]
        .iter()
        .map(|rule| {
            format!("[[suppression]]\nrule = \"{rule}\"\nresource = \"*\"\nreason = \"accepted in review\"\n")
        })
        .collect();
    let config = format!("{connector}\n{}", suppressions.join("\n"));
    let dir = scenario_dir("s8", Some(&config));
    let out = putonly(
        dir.path(),
        &[
            "scan",
            "--snapshot",
            "account.json",
            "--fail-on",
            "info",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["total"], 4);
    assert_eq!(json["summary"]["suppressed"], 4);
    assert_eq!(json["summary"]["by_severity"]["medium"], 0);
    assert_eq!(
        json["findings"][0]["suppression"]["reason"],
        "accepted in review"
    );

    let out = putonly(
        dir.path(),
        &["scan", "--snapshot", "account.json", "-f", "sarif"],
    );
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(dir.path().join("suppressed.sarif"), &out.stdout).unwrap();
    assert_sarif_valid(&[dir.path().join("suppressed.sarif")]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let suppression = &log["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    let config_line = suppression["location"]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(config.lines().nth(config_line - 1), Some("[[suppression]]"));

    // The table counts them, and --quiet prints that line alone.
    let out = putonly(dir.path(), &["scan", "--snapshot", "account.json", "-q"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "4 findings (4 suppressed) in account 111122223333 (snapshot source, collected 2026-12-01T00:00:00Z)\n"
    );

    // A suppression naming no rule is an error with its line.
    std::fs::write(
        dir.path().join(CONFIG_PATH),
        config.replace("PO204", "PO999"),
    )
    .unwrap();
    let out = putonly(dir.path(), &["scan", "--snapshot", "account.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no rule `PO999`"));
}

#[test]
fn table_colours_only_when_asked() {
    let dir = scenario_dir("s2", None);
    let plain = putonly(dir.path(), &["scan", "--snapshot", "account.json"]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\u{1b}'));
    let colored = putonly(
        dir.path(),
        &["scan", "--snapshot", "account.json", "--color", "always"],
    );
    assert!(String::from_utf8_lossy(&colored.stdout).contains('\u{1b}'));
    let md = putonly(
        dir.path(),
        &[
            "scan",
            "--snapshot",
            "account.json",
            "-f",
            "markdown",
            "--color",
            "always",
        ],
    );
    assert!(!String::from_utf8_lossy(&md.stdout).contains('\u{1b}'));
}
