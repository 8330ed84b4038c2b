//! Coverage-guided fuzzing of the AWS CLI dump reader (`--from-dump`): the
//! input is a whole dump directory held in memory, every file the reader
//! looks for (manifest, authorization details, per-user credentials, role
//! list, OIDC providers, buckets and their settings, S3 Control lists and
//! access points, with their `.absent` and `.error` markers).
//!
//! Input format: files one after another, each introduced by a line
//! `>>> RELATIVE/PATH` (bytes before the first such line are ignored), its
//! contents up to the newline before the next one. `fuzz/corpus/dump`
//! holds the test and example dumps in this form.
//!
//! An error must name the dump, and a JSON error the file's line and
//! column. An inventory that is accepted goes through a whole scan.
//! Nothing may panic.
#![no_main]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use putonly::source::{SourceError, dump, snapshot};

const HEADER: &[u8] = b">>> ";

/// The files of an input in the format above.
fn files(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut rest = match data.strip_prefix(HEADER) {
        Some(rest) => rest,
        None => match find(data, b"\n>>> ") {
            Some(at) => data.get(at + 5..).unwrap_or_default(),
            None => return files,
        },
    };
    loop {
        let (name, after) = match rest.iter().position(|b| *b == b'\n') {
            Some(at) => (
                rest.get(..at).unwrap_or_default(),
                rest.get(at + 1..).unwrap_or_default(),
            ),
            None => (rest, &[][..]),
        };
        let name = String::from_utf8_lossy(name).into_owned();
        match find(after, b"\n>>> ") {
            Some(at) => {
                files.insert(name, after.get(..at).unwrap_or_default().to_vec());
                rest = after.get(at + 5..).unwrap_or_default();
            }
            None => {
                files.insert(name, after.to_vec());
                return files;
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let dir = Path::new("fuzz/dump");
    let files = files(data);
    match dump::parse_files(dir, &files) {
        Ok(inventory) => {
            let written = snapshot::to_string(&inventory);
            common::scan(&inventory, Some(&written));
        }
        Err(err) => {
            // A JSON error's position is checked against the file it names.
            let input = match &err {
                SourceError::Json { path, .. } => path
                    .strip_prefix(dir)
                    .ok()
                    .and_then(|rel| files.get(rel.to_str()?))
                    .map(Vec::as_slice),
                _ => None,
            };
            common::check_source_error(&err, dir, input);
        }
    }
});
