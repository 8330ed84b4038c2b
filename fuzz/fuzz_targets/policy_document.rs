//! Coverage-guided fuzzing of policy documents as they arrive from the
//! sources: as a JSON value in IAM's JSON (a string, URL-encoded or not,
//! or an object: authorization details, dumps), and as the raw text an API
//! returns (URL-encoded or not: the live source, bucket and access point
//! policies). Every text that decodes is parsed by the policy engine as
//! each kind of policy, and compared by meaning as drift does, with itself
//! and with a fixed document. Nothing may panic; an engine error must point
//! inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use putonly::drift::statements;
use putonly::inventory::PolicyText;
use putonly::policy::{PolicyKind, parse};
use putonly::source::iam_policy_document;
use serde_json::value::RawValue;

const KINDS: [PolicyKind; 3] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Trust,
];

const OTHER: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*"}]}"#;

fn check(text: &PolicyText) {
    for kind in KINDS {
        if let Err(err) = parse(text.as_str(), kind) {
            let at = err.at;
            assert!(
                at.line >= 1 && at.column >= 1 && at.offset <= text.as_str().len(),
                "{err} at {at:?}, outside the text"
            );
        }
    }
    let _ = statements::decoded(text);
    if let Some(document) = statements::canonical(text) {
        assert!(
            statements::diff(&document, &document).is_empty(),
            "a document differs from itself"
        );
        let other = PolicyText::new(OTHER);
        if let Some(other) = statements::canonical(&other) {
            for change in statements::diff(&document, &other) {
                if let statements::StatementChange::Changed { before, after } = change {
                    let _ = statements::describe_change(&before.value, &after.value);
                }
            }
        }
        for statement in &document.statements {
            let _ = statements::summary(&statement.value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/input.json");
    if let Ok(raw) = serde_json::from_slice::<Box<RawValue>>(data) {
        match iam_policy_document(&raw, path, || "document".to_owned()) {
            Ok(Ok(text)) => check(&text),
            Ok(Err(_)) => {}
            Err(err) => assert!(err.to_string().contains("fuzz/input.json"), "{err}"),
        }
    }
    if let Ok(raw) = std::str::from_utf8(data)
        && let Ok(text) = PolicyText::from_aws(raw)
    {
        check(&text);
    }
});
