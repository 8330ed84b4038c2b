//! Coverage-guided fuzzing of the authorization-details reader
//! (`--auth-details`, the output of `aws iam get-account-authorization-details`):
//! any bytes are parsed as that file. An error must name the file, and a
//! JSON error its line and column. An inventory that is accepted goes
//! through a whole scan, its snapshot as the file SARIF points into.
//! Nothing may panic.
#![no_main]

mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use putonly::source::{auth_details, snapshot};

fuzz_target!(|data: &[u8]| {
    let path = Path::new(common::FILE);
    match auth_details::parse(data, path, "2026-12-04T00:00:00Z") {
        Ok(inventory) => {
            let written = snapshot::to_string(&inventory);
            common::scan(&inventory, Some(&written));
        }
        Err(err) => common::check_source_error(&err, path, Some(data)),
    }
});
