//! The differential test: the engine against an independent simulator,
//! npm `@cloud-copilot/iam-simulate` at the version pinned in
//! `tests/differential/package.json`, over generated policy/request pairs.
//!
//! The Rust generator ([`generate`]) writes the cases as JSON;
//! `simulate.mjs` runs the simulator over all of them in one Node process
//! and writes its verdicts; this test decides every case with the engine
//! and compares. A disagreement is either explained by one of the
//! documented rules in [`known`] or it fails the test.
//!
//! To investigate, set `PUTONLY_DIFFERENTIAL_DUMP=FILE`: the unexplained
//! cases are written there with the statements the engine matched.
//!
//! Needs Node.js (18 or later) and the simulator installed by
//! `npm ci --prefix tests/differential`, which `scripts/test.sh` runs when
//! it is missing. Without them the test fails and says so.

mod engine;
mod generate;
mod known;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The generator's seed: every run compares the same cases.
const SEED: u64 = 0x5055_544f_4e4c_5903;
/// How many policy/request pairs.
const CASES: usize = 10_000;
/// The simulator version `package.json` pins.
const SIMULATOR_VERSION: &str = "0.1.173";

fn directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Fails with instructions unless Node and the pinned simulator are there.
fn check_prerequisites() {
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(output) if output.status.success() => {}
        _ => panic!(
            "the differential test needs Node.js (18 or later) as `node` on PATH; \
             install it, then run scripts/test.sh"
        ),
    }
    let installed = directory().join("node_modules/@cloud-copilot/iam-simulate/package.json");
    let version = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|package| package["version"].as_str().map(str::to_owned));
    assert_eq!(
        version.as_deref(),
        Some(SIMULATOR_VERSION),
        "the differential test needs @cloud-copilot/iam-simulate {SIMULATOR_VERSION} in \
         tests/differential/node_modules; run `npm ci --prefix tests/differential` \
         (scripts/test.sh does this when it is missing)"
    );
}

/// Runs the simulator over `cases`; returns its verdict (or error) by id.
fn simulate(cases: &[generate::Case]) -> BTreeMap<usize, Result<String, String>> {
    let scratch = tempfile::tempdir().unwrap();
    let cases_path = scratch.path().join("cases.json");
    let verdicts_path = scratch.path().join("verdicts.json");
    let input: Vec<Value> = cases.iter().map(generate::Case::to_simulation).collect();
    std::fs::write(&cases_path, serde_json::to_string(&input).unwrap()).unwrap();

    let status = Command::new("node")
        .arg(directory().join("simulate.mjs"))
        .arg(&cases_path)
        .arg(&verdicts_path)
        .status()
        .unwrap();
    assert!(status.success(), "simulate.mjs failed: {status}");

    let text = std::fs::read_to_string(&verdicts_path).unwrap();
    let verdicts: Vec<Value> = serde_json::from_str(&text).unwrap();
    verdicts
        .into_iter()
        .map(|v| {
            let id = v["id"].as_u64().unwrap() as usize;
            let verdict = match (v["result"].as_str(), v["error"].as_str()) {
                (Some(result), _) => Ok(result.to_owned()),
                (None, error) => Err(error.unwrap_or("no verdict").to_owned()),
            };
            (id, verdict)
        })
        .collect()
}

/// The outcome of one case.
enum Outcome {
    Agree,
    Known(String),
    Unexplained(String),
}

fn compare(case: &generate::Case, simulator: Option<&Result<String, String>>) -> Outcome {
    let engine = engine::verdict(case);
    let simulator = match simulator {
        Some(Ok(verdict)) => verdict,
        Some(Err(error)) => {
            return Outcome::Unexplained(format!(
                "simulator rejected the case ({error}); engine says {engine}"
            ));
        }
        None => return Outcome::Unexplained("simulator gave no verdict".to_owned()),
    };
    if engine == *simulator {
        return Outcome::Agree;
    }
    match known::explain(case, simulator) {
        Some(known::Explanation::One(rule)) => Outcome::Known(rule.name.to_owned()),
        Some(known::Explanation::Several(rules)) => {
            let names: Vec<&str> = rules.iter().map(|r| r.name).collect();
            Outcome::Known(format!("several at once: {}", names.join(" + ")))
        }
        None => Outcome::Unexplained(format!("engine {engine}, simulator {simulator}")),
    }
}

#[test]
fn engine_agrees_with_the_independent_simulator() {
    check_prerequisites();
    let cases = generate::cases(SEED, CASES);
    let verdicts = simulate(&cases);

    let mut agree = 0;
    let mut known: BTreeMap<String, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut by_verdict: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let verdict = verdicts.get(&case.id);
        if let Some(Ok(v)) = verdict {
            *by_verdict.entry(v.clone()).or_default() += 1;
        }
        match compare(case, verdict) {
            Outcome::Agree => agree += 1,
            Outcome::Known(name) => *known.entry(name).or_default() += 1,
            Outcome::Unexplained(why) => unexplained.push((case, why)),
        }
    }

    let known_total: usize = known.values().sum();
    println!(
        "differential: {} cases, {agree} agree, {known_total} known differences, {} unexplained",
        cases.len(),
        unexplained.len()
    );
    println!("  simulator verdicts: {by_verdict:?}");
    for (name, count) in &known {
        println!("  known ({count}): {name}");
    }
    for rule in known::RULES {
        println!("  rule `{}`: {}", rule.name, rule.reason);
    }
    for (case, why) in unexplained.iter().take(8) {
        println!(
            "  unexplained case {}: {why}\n    {}",
            case.id,
            case.to_simulation()
        );
    }
    if let Ok(path) = std::env::var("PUTONLY_DIFFERENTIAL_DUMP") {
        let dump: Vec<Value> = unexplained
            .iter()
            .map(|(case, why)| {
                serde_json::json!({
                    "why": why,
                    "engine_matches": engine::matching_statements(case),
                    "case": case.to_simulation(),
                })
            })
            .collect();
        std::fs::write(&path, serde_json::to_string_pretty(&dump).unwrap()).unwrap();
        println!("  unexplained cases written to {path}");
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements with the simulator (first ones above)",
        unexplained.len()
    );
}
