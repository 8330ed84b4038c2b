//! Coverage-guided fuzzing of the config reader (`putonly.toml`): any text
//! is parsed as a config. An error must name the file, and a syntax error
//! its line and column inside the text. A config that is accepted drives
//! a whole scan of the example account: its connectors, prefixes and
//! suppression patterns reach the access model, the rules and every report
//! format. Nothing may panic.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use putonly::config::{Config, ConfigError};

fuzz_target!(|data: &[u8]| {
    // `Config::load` refuses text that is not UTF-8 before parsing it;
    // everything else reaches the parser.
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz/putonly.toml");
    let config = match Config::parse(&text, path) {
        Ok(config) => config,
        Err(err) => {
            let message = err.to_string();
            assert!(message.contains("fuzz/putonly.toml"), "{message}");
            if let ConfigError::Syntax { line, column, .. } = err {
                let lines = text.matches('\n').count() + 1;
                assert!(line >= 1 && column >= 1, "{message}");
                assert!(
                    line <= lines,
                    "line {line} past the text's {lines}: {message}"
                );
            }
            return;
        }
    };
    assert!(!config.connectors.is_empty());
    for suppression in &config.suppressions {
        assert!(suppression.line >= 1 && suppression.line <= text.lines().count().max(1));
        let _ = suppression.covers(&suppression.rule, "arn:aws:s3:::rec-bucket");
        let _ = suppression.covers("PO104", &suppression.resource);
    }
    common::scan_with(common::example_inventory(), &config, &text, None);
});
