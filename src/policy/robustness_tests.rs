//! Robustness of the policy engine on hostile input: parsing never panics
//! on any text (random strings and byte-level mutations of real policies),
//! and evaluation never panics on any action, resource or context value.
//! Bounded property tests; the coverage-guided fuzz target comes later.

use crate::policy::{
    Context, LabelledPolicy, PolicyKind, PolicySet, Request, RequestPrincipal, authorize, parse,
};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// Every policy document in the shared corpus, as pretty JSON text.
fn corpus_policies() -> &'static [String] {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    TEXTS.get_or_init(read_corpus_policies)
}

fn read_corpus_policies() -> Vec<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy/policy-evaluation.json");
    let corpus: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut texts = Vec::new();
    for case in corpus["cases"].as_array().unwrap() {
        let identity = case["identity_policies"].as_array().unwrap().iter();
        for policy in identity.chain(std::iter::once(&case["resource_policy"])) {
            if !policy.is_null() {
                texts.push(serde_json::to_string_pretty(policy).unwrap());
            }
        }
    }
    texts
}

const KINDS: [PolicyKind; 3] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Trust,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn parsing_arbitrary_text_never_panics(text in any::<String>()) {
        for kind in KINDS {
            let _ = parse(&text, kind);
        }
    }

    #[test]
    fn parsing_mutated_policies_never_panics(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let texts = corpus_policies();
        let mut bytes = texts[pick.index(texts.len())].clone().into_bytes();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let text = String::from_utf8_lossy(&bytes);
        for kind in KINDS {
            let _ = parse(&text, kind);
        }
    }

    #[test]
    fn evaluating_arbitrary_requests_never_panics(
        action in "\\PC{0,40}",
        resource in "(arn:)?\\PC{0,20}(:\\PC{0,10}){0,7}",
        value in "\\PC{0,30}",
        values in prop::collection::vec("\\PC{0,10}", 0..4),
    ) {
        let texts = corpus_policies();
        let policies: Vec<_> = texts
            .iter()
            .filter_map(|t| parse(t, PolicyKind::Resource).or_else(|_| parse(t, PolicyKind::Identity)).ok())
            .collect();
        let mut context = Context::new();
        for key in ["aws:PrincipalArn", "aws:SourceVpce", "aws:username", "aws:SecureTransport",
                    "accounts.google.com:sub", "aws:CurrentTime", "aws:SourceIp"] {
            context.insert(key, value.as_str());
        }
        context.insert("s3:RequestObjectTagKeys", values.clone());
        let caller = RequestPrincipal::iam_user("arn:aws:iam::111122223333:user/u");
        let request = Request::new(caller, &action, &resource, context);
        for policy in &policies {
            let set = PolicySet {
                identity: vec![LabelledPolicy::new("p", policy)],
                resource: Some(LabelledPolicy::new("p", policy)),
                ..PolicySet::default()
            };
            let _ = authorize(&set, &request);
        }
    }
}
