//! What the reader targets share: checks on the errors a reader returns,
//! and the rest of a scan (rules, access model, every report format) run
//! over an inventory a reader accepted, since everything in it is as
//! hostile as the file it came from.
#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use putonly::config::Config;
use putonly::inventory::Inventory;
use putonly::report::{self, Format, Locator, Report, SourceFile};
use putonly::rules::Catalog;
use putonly::source::SourceError;

/// The config of the example account, the one every scan here uses.
pub const CONFIG_TEXT: &str = include_str!("../../../examples/putonly.toml");
/// The name files have in errors.
pub const FILE: &str = "fuzz/input.json";

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match Catalog::load() {
        Ok(catalog) => catalog,
        Err(err) => panic!("the built-in catalogue does not load: {err}"),
    })
}

pub fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(
        || match Config::parse(CONFIG_TEXT, Path::new("examples/putonly.toml")) {
            Ok(config) => config,
            Err(err) => panic!("the example config does not parse: {err}"),
        },
    )
}

/// A reader's error must name the file it was given (`path`, or a file in
/// it), and a JSON syntax error its position: a 1-based line that exists
/// in `input`. (The column is serde_json's: 0 when the error is at the
/// start of a line, such as on an empty input.)
pub fn check_source_error(err: &SourceError, path: &Path, input: Option<&[u8]>) {
    let text = err.to_string();
    let named = path.display().to_string();
    assert!(
        text.contains(&named),
        "error does not name `{named}`: {text}"
    );
    if let SourceError::Json { line, column, .. } = err {
        let _ = column;
        assert!(*line >= 1, "no line: {text}");
        if let Some(input) = input {
            let lines = input.iter().filter(|b| **b == b'\n').count() + 1;
            assert!(
                *line <= lines,
                "line {line} past the input's {lines}: {text}"
            );
        }
    }
}

/// The inventory of the example account (`examples/guide-account`), the
/// other side of drift comparisons and the account a fuzzed config scans.
pub fn example_inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/guide-account"
        ));
        match putonly::source::dump::load(dir) {
            Ok(inventory) => inventory,
            Err(err) => panic!("the example dump does not load: {err}"),
        }
    })
}

/// Runs the rules over an inventory with the example config and renders
/// every report format, as `putonly scan` does; `snapshot` is the snapshot
/// text findings point into (SARIF locations).
pub fn scan(inventory: &Inventory, snapshot: Option<&str>) {
    scan_with(inventory, config(), CONFIG_TEXT, snapshot);
}

/// [`scan`] with any config. Nothing may panic; a scan of an inventory
/// with an unreadable collection time is refused, not run.
pub fn scan_with(
    inventory: &Inventory,
    config: &Config,
    config_text: &str,
    snapshot: Option<&str>,
) {
    let Ok(mut findings) = putonly::app::evaluate(catalog(), inventory, config) else {
        return;
    };
    // The scan's day is the collection day; any day exercises the same code.
    if let Ok(today) = time::Date::from_calendar_date(2026, time::Month::December, 4) {
        putonly::finding::apply_suppressions(&mut findings, &config.suppressions, today);
    }
    let locator = Locator::new(
        snapshot.map(|text| SourceFile {
            uri: "fuzz/snapshot.json",
            text,
        }),
        Some((
            SourceFile {
                uri: "putonly.toml",
                text: config_text,
            },
            "putonly.toml",
        )),
    );
    let report = Report {
        account_id: &inventory.account_id,
        source_kind: &inventory.source.kind,
        collected_at: &inventory.source.collected_at,
        findings: &findings,
        catalog: catalog(),
        connectors: &config.connectors,
        locator: &locator,
    };
    for format in [Format::Table, Format::Json, Format::Sarif, Format::Markdown] {
        let rendered = report::render(format, &report, report::Options::default());
        assert!(!rendered.text.is_empty(), "{format:?} report is empty");
    }
}

/// Compares two inventories as `putonly drift` does (baseline first).
pub fn drift(baseline: &Inventory, current: &Inventory) {
    let _ = putonly::drift::compare(catalog(), baseline, current, config());
}
