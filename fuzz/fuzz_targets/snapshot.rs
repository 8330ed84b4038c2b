//! Coverage-guided fuzzing of the snapshot reader (`--snapshot`, and the
//! baseline of `putonly drift`, which is the same reader): any bytes are
//! parsed as a snapshot. An error must name the file, and a JSON error its
//! line and column. A snapshot that is accepted must read back the same
//! after being written again (a scan of a snapshot gives the findings of
//! the scan that wrote it), and goes through a whole scan and through a
//! drift comparison with the example account, both ways. Nothing may panic.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use putonly::source::snapshot;

fuzz_target!(|data: &[u8]| {
    let path = Path::new(common::FILE);
    let inventory = match snapshot::parse(data, path) {
        Ok(inventory) => inventory,
        Err(err) => {
            common::check_source_error(&err, path, Some(data));
            return;
        }
    };
    let written = snapshot::to_string(&inventory);
    match snapshot::parse(written.as_bytes(), path) {
        Ok(again) => assert!(
            snapshot::to_string(&again) == written,
            "a snapshot written again differs"
        ),
        Err(err) => panic!("a snapshot putonly wrote does not read back: {err}"),
    }
    // The scan points SARIF locations into the snapshot file as it is.
    common::scan(&inventory, std::str::from_utf8(data).ok());
    common::drift(&inventory, common::example_inventory());
    common::drift(common::example_inventory(), &inventory);
});
