//! Table tests for policy parsing: spans of every element, and every
//! error with its line and column.

use super::*;
use crate::policy::principal::PrincipalTarget;

const BUCKET_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Id": "bucket",
  "Statement": [
    {
      "Sid": "AllowPrefixedWrites",
      "Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::111122223333:user/u", "111122223333"]},
      "Action": ["s3:PutObject", "s3:Put*"],
      "Resource": "arn:aws:s3:::b/uploads/*",
      "Condition": {"NumericLessThan": {"s3:signatureAge": 600000},
                    "Bool": {"aws:SecureTransport": true}}
    },
    {"Effect": "Deny", "Principal": "*", "NotAction": "s3:PutObject",
     "NotResource": ["arn:aws:s3:::b/uploads/*"]}
  ]
}"#;

fn at(line: u32, column: u32) -> (u32, u32) {
    (line, column)
}

fn pos(span: Span) -> (u32, u32) {
    (span.start.line, span.start.column)
}

#[test]
fn every_element_keeps_its_span() {
    let policy = parse(BUCKET_POLICY, PolicyKind::Resource).unwrap();
    assert!(policy.variables_enabled());
    assert_eq!(policy.id.as_ref().map(|i| pos(i.span)), Some(at(3, 9)));
    let [first, second] = policy.statements.as_slice() else {
        panic!("two statements expected")
    };
    assert_eq!(pos(first.span), at(5, 5));
    assert_eq!(first.sid.as_ref().map(|s| pos(s.span)), Some(at(6, 14)));
    assert_eq!(pos(first.effect.span), at(7, 17));
    let principal = first.principal.as_ref().unwrap();
    assert_eq!(pos(principal.entries[1].span), at(8, 65));
    assert_eq!(
        principal.entries[1].target,
        PrincipalTarget::Account("111122223333".into())
    );
    assert_eq!(pos(first.action.patterns[1].span), at(9, 34));
    assert_eq!(first.action.patterns[1].glob().tokens().len(), 2);
    let resource = first.resource.as_ref().unwrap();
    assert_eq!(pos(resource.patterns[0].span), at(10, 19));
    let [age, tls] = first.conditions.as_slice() else {
        panic!("two clauses expected")
    };
    assert_eq!(pos(age.operator_span), at(11, 21));
    assert_eq!(pos(age.key_span), at(11, 41));
    assert_eq!(age.key_lower, "s3:signatureage");
    assert_eq!(
        (age.values[0].raw.as_str(), pos(age.values[0].span)),
        ("600000", at(11, 60))
    );
    assert_eq!(tls.values[0].raw, "true");
    assert_eq!(pos(second.span), at(14, 5));
    assert_eq!(second.label(), "#2");
    assert!(second.action.negated && second.resource.as_ref().unwrap().negated);
    assert_eq!(
        second.principal.as_ref().unwrap().entries[0].target,
        PrincipalTarget::Everyone
    );
}

#[test]
fn single_statement_objects_and_versions() {
    let text = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
    let policy = parse(text, PolicyKind::Identity).unwrap();
    assert_eq!(policy.statements.len(), 1);
    assert!(policy.version.is_none() && !policy.variables_enabled());
    let old = r#"{"Version": "2008-10-17", "Statement": []}"#;
    assert!(
        !parse(old, PolicyKind::Identity)
            .unwrap()
            .variables_enabled()
    );
}

#[test]
fn trust_policies_may_omit_resource_and_name_any_principal_type() {
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "accounts.google.com", "Service": ["ec2.amazonaws.com"],
                      "CanonicalUser": "79a59df900b949e55d96a1e698fbaced", "AWS": "*"},
        "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
    let policy = parse(text, PolicyKind::Trust).unwrap();
    let statement = &policy.statements[0];
    assert!(statement.resource.is_none());
    let targets: Vec<_> = statement
        .principal
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .map(|e| &e.target)
        .collect();
    assert_eq!(targets.len(), 4);
    assert_eq!(
        targets[0],
        &PrincipalTarget::Federated("accounts.google.com".into())
    );
    assert_eq!(targets[3], &PrincipalTarget::Everyone);
}

/// Each document must fail with the given error kind at the given place.
#[test]
fn errors_name_line_and_column() {
    use ParseErrorKind as K;
    let statement = |body: &str| format!("{{\"Statement\": [{{{body}}}]}}");
    let allow = r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "*""#;
    let cases: Vec<(String, PolicyKind, ParseErrorKind, (u32, u32))> = vec![
        (
            "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\",\n \"Condition\": {\"StringEquals\": {\"a:sub\": \"x\"},\n  \"StringEquals\": {\"a:aud\": \"y\"}}}}".into(),
            PolicyKind::Identity,
            K::Json(crate::policy::json::JsonErrorKind::DuplicateKey {
                key: "StringEquals".into(),
                first: crate::policy::span::Position { line: 2, column: 16, offset: 81 },
            }),
            at(3, 3),
        ),
        (statement(r#""Effect": "Allow", "Actions": "*", "Resource": "*""#), PolicyKind::Identity, K::UnknownElement("Actions".into()), at(1, 36)),
        (statement(r#""Effect": "allow", "Action": "*", "Resource": "*""#), PolicyKind::Identity, K::InvalidEffect("allow".into()), at(1, 27)),
        (statement(r#""Effect": "Allow", "Resource": "*""#), PolicyKind::Identity, K::Missing("Action` or `NotAction"), at(1, 16)),
        (statement(r#""Action": "*", "Resource": "*""#), PolicyKind::Identity, K::Missing("Effect"), at(1, 16)),
        (statement(r#""Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*""#), PolicyKind::Identity, K::Conflict("Action", "NotAction"), at(1, 51)),
        (statement(r#""Effect": "Allow", "Action": "*""#), PolicyKind::Identity, K::Missing("Resource` or `NotResource"), at(1, 16)),
        (statement(&format!(r#"{allow}, "Principal": "*""#)), PolicyKind::Identity, K::NotAllowed { element: "Principal", kind: "an identity policy" }, at(1, 79)),
        (statement(allow), PolicyKind::Resource, K::Missing("Principal` or `NotPrincipal"), at(1, 16)),
        (statement(allow), PolicyKind::Trust, K::Missing("Principal"), at(1, 16)),
        (statement(r#""Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*""#), PolicyKind::Trust, K::NotAllowed { element: "NotPrincipal", kind: "a role trust policy" }, at(1, 35)),
        (statement(&format!(r#"{allow}, "NotPrincipal": {{"AWS": "111122223333"}}"#)), PolicyKind::Resource, K::NotPrincipalWithAllow, at(1, 79)),
        (statement(&format!(r#"{allow}, "Principal": {{"Aws": "111122223333"}}"#)), PolicyKind::Resource, K::UnknownPrincipalType("Aws".into()), at(1, 93)),
        (statement(&format!(r#"{allow}, "Principal": "arn:aws:iam::111122223333:root""#)), PolicyKind::Resource, K::WrongType { element: "Principal".into(), expected: "`\"*\"` or an object", found: "a string" }, at(1, 92)),
        (statement(&format!(r#"{allow}, "Condition": {{"StringEqualz": {{"k": "v"}}}}"#)), PolicyKind::Identity, K::UnknownOperator("StringEqualz".into()), at(1, 93)),
        (statement(&format!(r#"{allow}, "Condition": {{"NullIfExists": {{"k": "true"}}}}"#)), PolicyKind::Identity, K::NullIfExists, at(1, 93)),
        (statement(&format!(r#"{allow}, "Condition": {{"StringEquals": {{"k": null}}}}"#)), PolicyKind::Identity, K::WrongType { element: "k".into(), expected: "a string, number or boolean, or an array of them", found: "null" }, at(1, 115)),
        (statement(&format!(r#"{allow}, "Condition": {{"StringEquals": {{"k": []}}}}"#)), PolicyKind::Identity, K::Empty("k".into()), at(1, 115)),
        (statement(&format!(r#"{allow}, "Condition": {{"StringEquals": {{"aws:SourceVpce": "a", "AWS:SOURCEVPCE": "b"}}}}"#)), PolicyKind::Identity, K::DuplicateConditionKey { key: "AWS:SOURCEVPCE".into(), first: "aws:SourceVpce".into(), operator: "StringEquals".into() }, at(1, 133)),
        (statement(r#""Effect": "Allow", "Action": "GetObject", "Resource": "*""#), PolicyKind::Identity, K::InvalidAction("GetObject".into()), at(1, 46)),
        (statement(r#""Effect": "Allow", "Action": [], "Resource": "*""#), PolicyKind::Identity, K::Empty("Action".into()), at(1, 46)),
        (statement(r#""Effect": "Allow", "Action": "*", "Resource": "bucket/*""#), PolicyKind::Identity, K::InvalidResource("bucket/*".into()), at(1, 63)),
        (statement(r#""Effect": "Allow", "Action": ["*", 3], "Resource": "*""#), PolicyKind::Identity, K::WrongType { element: "Action".into(), expected: "a string or an array of strings", found: "a number" }, at(1, 52)),
        (r#"{"Version": "2012-10-18", "Statement": []}"#.into(), PolicyKind::Identity, K::InvalidVersion("2012-10-18".into()), at(1, 13)),
        (r#"{"Statement": 3}"#.into(), PolicyKind::Identity, K::WrongType { element: "Statement".into(), expected: "an object or an array", found: "a number" }, at(1, 15)),
        (r#"{"Statment": []}"#.into(), PolicyKind::Identity, K::UnknownElement("Statment".into()), at(1, 2)),
        (r#"{"Version": "2012-10-17"}"#.into(), PolicyKind::Identity, K::Missing("Statement"), at(1, 1)),
        (r#"[]"#.into(), PolicyKind::Identity, K::WrongType { element: "policy".into(), expected: "an object", found: "an array" }, at(1, 1)),
        ("{\"Statement\": [\n  {\"Effect\": \"Allow\"".into(), PolicyKind::Identity, K::Json(crate::policy::json::JsonErrorKind::UnexpectedEnd), at(2, 21)),
    ];
    let mut wrong = Vec::new();
    for (text, kind, expected, place) in cases {
        let err = parse(&text, kind).expect_err(&text);
        if err.kind != expected || (err.at.line, err.at.column) != place {
            wrong.push(format!(
                "{text}\n  got {err:?}\n  want {expected:?} at {place:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn error_messages_read_well() {
    let err = parse(
        r#"{"Statement": {"Effect": "allow"}}"#,
        PolicyKind::Identity,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, column 26: `Effect` must be `Allow` or `Deny`, found `allow`"
    );
    let err = parse(
        r#"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, column 15: missing `Action` or `NotAction`"
    );
}

#[test]
fn a_document_beyond_the_size_ceiling_is_refused_before_parsing() {
    let padding = " ".repeat(MAX_DOCUMENT_BYTES);
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": []{padding}}}"#);
    let error = parse(&text, PolicyKind::Identity).unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::TooLarge(text.len()));
    assert_eq!(error.at.line, 1);
}
