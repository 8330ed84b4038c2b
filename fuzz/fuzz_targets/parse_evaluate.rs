//! Coverage-guided fuzzing of the policy engine: any text is parsed as an
//! identity, resource and trust policy, and every policy that parses is
//! evaluated against requests built from the rest of the input. Nothing
//! may panic.
//!
//! Input: the policy text, then optionally a 0xFF byte followed by
//! newline-separated request fields (action, resource, context value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use putonly::policy::{
    Context, LabelledPolicy, PolicyKind, PolicySet, Request, RequestPrincipal, authorize, parse,
};

const KINDS: [PolicyKind; 3] = [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust];

fuzz_target!(|data: &[u8]| {
    let (policy, rest) = match data.iter().position(|b| *b == 0xFF) {
        Some(at) => (data.get(..at).unwrap_or_default(), data.get(at + 1..).unwrap_or_default()),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(policy);
    let fields = String::from_utf8_lossy(rest);
    let mut fields = fields.split('\n');
    let action = fields.next().filter(|s| !s.is_empty()).unwrap_or("s3:PutObject");
    let resource = fields
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("arn:aws:s3:::rec-bucket/uploads/a.mp4");
    let value = fields.next().unwrap_or("videsk-connector");

    let mut context = Context::new();
    for key in [
        "aws:username",
        "aws:PrincipalArn",
        "aws:SourceIp",
        "aws:CurrentTime",
        "aws:SecureTransport",
        "aws:PrincipalTag/team",
        "s3:prefix",
        "aws:userid",
    ] {
        context.insert(key, value);
    }
    context.insert("aws:TagKeys", vec![value.to_owned(), String::new()]);

    let callers = [
        RequestPrincipal::iam_user("arn:aws:iam::111122223333:user/videsk-connector"),
        RequestPrincipal::role_session(
            "arn:aws:sts::123456789012:assumed-role/ingest/s1",
            "arn:aws:iam::123456789012:role/ingest",
        ),
        RequestPrincipal::web_identity("accounts.google.com"),
        RequestPrincipal::anonymous(),
    ];
    for kind in KINDS {
        let Ok(parsed) = parse(&text, kind) else {
            continue;
        };
        for caller in &callers {
            let request = Request::new(caller.clone(), action, resource, context.clone())
                .with_resource_account("111122223333");
            let labelled = LabelledPolicy::new("fuzz", &parsed);
            let set = match kind {
                PolicyKind::Identity => PolicySet {
                    identity: vec![labelled],
                    boundary: Some(labelled),
                    ..PolicySet::default()
                },
                _ => PolicySet {
                    resource: Some(labelled),
                    rcps: vec![vec![labelled]],
                    ..PolicySet::default()
                },
            };
            let decision = authorize(&set, &request);
            for error in &decision.errors {
                let _ = error.error.to_string();
            }
        }
    }
});
