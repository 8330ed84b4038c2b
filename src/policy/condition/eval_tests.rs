//! Table tests for condition evaluation: every operator family, IfExists,
//! Null, the set qualifiers, key case, variables and malformed values.

use super::*;
use crate::policy::model::PolicyKind;
use crate::policy::parse::parse;
use crate::policy::request::{Context, ContextValue};

/// Parses a one-statement policy with `condition` and decides its clauses
/// (ANDed) against `context`; returns the result and the error count.
fn decide(condition: &str, versioned: bool, context: &Context) -> (bool, usize) {
    let version = if versioned {
        r#""Version": "2012-10-17","#
    } else {
        ""
    };
    let text = format!(
        r#"{{{version} "Statement": {{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {condition}}}}}"#
    );
    let policy = parse(&text, PolicyKind::Identity).unwrap_or_else(|e| panic!("{condition}: {e}"));
    let mut errors = Vec::new();
    let mut holds = true;
    for clause in &policy.statements[0].conditions {
        holds &= evaluate(clause, context, &mut errors);
    }
    (holds, errors.len())
}

fn ctx(entries: &[(&str, &str)]) -> Context {
    let mut context = Context::new();
    for (key, value) in entries {
        context.insert(key, *value);
    }
    context
}

fn multi(key: &str, values: &[&str]) -> Context {
    let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    Context::new().with(key, ContextValue::Multi(values))
}

/// (condition, context, expected result, expected error count)
fn run(cases: &[(&str, Context, bool, usize)]) {
    for (condition, context, expected, errors) in cases {
        let got = decide(condition, true, context);
        assert_eq!(got, (*expected, *errors), "{condition} with {context:?}");
    }
}

#[test]
fn string_operators() {
    run(&[
        (
            r#"{"StringEquals": {"k": "a"}}"#,
            ctx(&[("k", "a")]),
            true,
            0,
        ),
        (
            r#"{"StringEquals": {"k": "a"}}"#,
            ctx(&[("k", "A")]),
            false,
            0,
        ),
        (r#"{"StringEquals": {"k": "a"}}"#, ctx(&[]), false, 0),
        (
            r#"{"StringEquals": {"k": "repo:acme/app:*"}}"#,
            ctx(&[("k", "repo:acme/app:x")]),
            false,
            0,
        ),
        (
            r#"{"StringNotEquals": {"k": ["a", "b"]}}"#,
            ctx(&[("k", "b")]),
            false,
            0,
        ),
        (
            r#"{"StringNotEquals": {"k": ["a", "b"]}}"#,
            ctx(&[("k", "c")]),
            true,
            0,
        ),
        (
            r#"{"StringNotEquals": {"k": ["a", "b"]}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"StringEqualsIgnoreCase": {"k": "ABC"}}"#,
            ctx(&[("k", "abc")]),
            true,
            0,
        ),
        (
            r#"{"StringEqualsIgnoreCase": {"k": "ÄBC"}}"#,
            ctx(&[("k", "äbc")]),
            true,
            0,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase": {"k": "ABC"}}"#,
            ctx(&[("k", "abc")]),
            false,
            0,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase": {"k": "ABC"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"StringLike": {"k": "repo:acme*"}}"#,
            ctx(&[("k", "repo:acme-evil/x")]),
            true,
            0,
        ),
        (
            r#"{"StringLike": {"k": "a?c"}}"#,
            ctx(&[("k", "abc")]),
            true,
            0,
        ),
        (
            r#"{"StringLike": {"k": "a?c"}}"#,
            ctx(&[("k", "ABC")]),
            false,
            0,
        ),
        (
            r#"{"StringNotLike": {"k": "uploads/*"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"StringNotLike": {"k": "uploads/*"}}"#,
            ctx(&[("k", "uploads/x")]),
            false,
            0,
        ),
        (r#"{"StringEquals": {"k": ""}}"#, ctx(&[("k", "")]), true, 0),
    ]);
}

#[test]
fn numeric_operators() {
    run(&[
        (
            r#"{"NumericLessThan": {"n": "10"}}"#,
            ctx(&[("n", "5")]),
            true,
            0,
        ),
        (
            r#"{"NumericLessThan": {"n": "10"}}"#,
            ctx(&[("n", "10")]),
            false,
            0,
        ),
        (
            r#"{"NumericLessThan": {"n": 10}}"#,
            ctx(&[("n", "9.99")]),
            true,
            0,
        ),
        (
            r#"{"NumericLessThanEquals": {"n": "10"}}"#,
            ctx(&[("n", "10")]),
            true,
            0,
        ),
        (
            r#"{"NumericGreaterThan": {"n": "10"}}"#,
            ctx(&[("n", "11")]),
            true,
            0,
        ),
        (
            r#"{"NumericGreaterThanEquals": {"n": "10"}}"#,
            ctx(&[("n", "10")]),
            true,
            0,
        ),
        (
            r#"{"NumericGreaterThanEquals": {"n": "10"}}"#,
            ctx(&[("n", "-10")]),
            false,
            0,
        ),
        (
            r#"{"NumericEquals": {"n": "10"}}"#,
            ctx(&[("n", "10.0")]),
            true,
            0,
        ),
        (
            r#"{"NumericNotEquals": {"n": [1, 2]}}"#,
            ctx(&[("n", "3")]),
            true,
            0,
        ),
        (
            r#"{"NumericNotEquals": {"n": [1, 2]}}"#,
            ctx(&[("n", "2")]),
            false,
            0,
        ),
        (r#"{"NumericNotEquals": {"n": [1, 2]}}"#, ctx(&[]), true, 0),
        (r#"{"NumericEquals": {"n": "10"}}"#, ctx(&[]), false, 0),
        // malformed values match nothing and are reported
        (
            r#"{"NumericLessThan": {"n": "10"}}"#,
            ctx(&[("n", "abc")]),
            false,
            1,
        ),
        (
            r#"{"NumericLessThan": {"n": "ten"}}"#,
            ctx(&[("n", "5")]),
            false,
            1,
        ),
        (
            r#"{"NumericEquals": {"n": "${aws:x}"}}"#,
            ctx(&[("n", "1"), ("aws:x", "1")]),
            false,
            1,
        ),
    ]);
}

#[test]
fn date_operators() {
    let t = |v| ctx(&[("aws:CurrentTime", v)]);
    run(&[
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#,
            t("2019-12-31T23:59:59Z"),
            true,
            0,
        ),
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#,
            t("1577836800"),
            false,
            0,
        ),
        (
            r#"{"DateLessThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#,
            t("1577836800"),
            true,
            0,
        ),
        (
            r#"{"DateEquals": {"aws:CurrentTime": "1577836800"}}"#,
            t("2020-01-01T01:00:00+01:00"),
            true,
            0,
        ),
        (
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2019-12-31T23:00:00Z"}}"#,
            t("2020-01-01T01:00:00+01:00"),
            true,
            0,
        ),
        (
            r#"{"DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-01"}}"#,
            t("2019-12-31T23:59:59Z"),
            false,
            0,
        ),
        (
            r#"{"DateNotEquals": {"aws:CurrentTime": "2020-01-01"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        // a policy date that is not a date: never equal, so the negated
        // operator holds; reported either way
        (
            r#"{"DateEquals": {"aws:CurrentTime": "not a date"}}"#,
            t("2020-01-01"),
            false,
            1,
        ),
        (
            r#"{"DateNotEquals": {"aws:CurrentTime": "not a date"}}"#,
            t("2020-01-01"),
            true,
            1,
        ),
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}"#,
            t("garbage"),
            false,
            1,
        ),
    ]);
}

#[test]
fn bool_binary_and_null() {
    let tls = |v| ctx(&[("aws:SecureTransport", v)]);
    run(&[
        (
            r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
            tls("false"),
            true,
            0,
        ),
        (
            r#"{"Bool": {"aws:SecureTransport": false}}"#,
            tls("false"),
            true,
            0,
        ),
        (
            r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
            tls("true"),
            false,
            0,
        ),
        (
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        (
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
            tls("yes"),
            false,
            1,
        ),
        (
            r#"{"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}"#,
            ctx(&[("k", "QmluYXJ5VmFsdWU=")]),
            true,
            0,
        ),
        (
            r#"{"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}"#,
            ctx(&[("k", "QmluYXJ5")]),
            false,
            0,
        ),
        (
            r#"{"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}"#,
            ctx(&[("k", "!!")]),
            false,
            1,
        ),
        (
            r#"{"Null": {"aws:TokenIssueTime": "true"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"Null": {"aws:TokenIssueTime": "true"}}"#,
            ctx(&[("aws:TokenIssueTime", "x")]),
            false,
            0,
        ),
        (
            r#"{"Null": {"aws:TokenIssueTime": "false"}}"#,
            ctx(&[("aws:tokenissuetime", "")]),
            true,
            0,
        ),
        (r#"{"Null": {"k": "maybe"}}"#, ctx(&[]), false, 1),
    ]);
}

#[test]
fn ip_address_operators() {
    let ip = |v| ctx(&[("aws:SourceIp", v)]);
    run(&[
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ip("203.0.113.5"),
            true,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ip("198.51.100.1"),
            false,
            0,
        ),
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ip("198.51.100.1"),
            true,
            0,
        ),
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.5"}}"#,
            ip("203.0.113.5"),
            true,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}"#,
            ip("2001:db8:1234:5678:ab::1"),
            true,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "2001:db8::1"}}"#,
            ip("2001:db8::2"),
            false,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}"#,
            ip("2001:db8::9"),
            true,
            0,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}}"#,
            ip("203.0.113.5"),
            false,
            1,
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            ip("not-an-ip"),
            false,
            1,
        ),
    ]);
}

#[test]
fn arn_operators_match_per_segment() {
    let pattern = "arn:aws:someservice:*:111122223333:finance/*";
    let value =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    let arn = ctx(&[("aws:SourceArn", value)]);
    let role = ctx(&[("aws:PrincipalArn", "arn:aws:iam::111122223333:role/r")]);
    run(&[
        (
            &format!(r#"{{"ArnLike": {{"aws:SourceArn": "{pattern}"}}}}"#),
            arn.clone(),
            false,
            0,
        ),
        (
            &format!(r#"{{"ArnNotLike": {{"aws:SourceArn": "{pattern}"}}}}"#),
            arn.clone(),
            true,
            0,
        ),
        (
            &format!(r#"{{"StringLike": {{"aws:SourceArn": "{pattern}"}}}}"#),
            arn,
            true,
            0,
        ),
        (
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}"#,
            role.clone(),
            true,
            0,
        ),
        (
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/R"}}"#,
            role.clone(),
            false,
            0,
        ),
        (
            r#"{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/r"}}"#,
            role,
            false,
            0,
        ),
        (
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        (
            r#"{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*"}}"#,
            ctx(&[]),
            true,
            0,
        ),
    ]);
}

#[test]
fn if_exists_and_set_qualifiers() {
    let tags = |values: &[&str]| multi("aws:TagKeys", values);
    run(&[
        (r#"{"StringEqualsIfExists": {"k": "a"}}"#, ctx(&[]), true, 0),
        (
            r#"{"StringEqualsIfExists": {"k": "a"}}"#,
            ctx(&[("k", "b")]),
            false,
            0,
        ),
        (
            r#"{"StringNotLikeIfExists": {"s3:prefix": "uploads/*"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"NumericLessThanIfExists": {"n": "1"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            tags(&["a"]),
            true,
            0,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            tags(&["a", "c"]),
            false,
            0,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            tags(&[]),
            true,
            0,
        ),
        (
            r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}"#,
            tags(&["b", "a"]),
            true,
            0,
        ),
        (
            r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        (
            r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}"#,
            tags(&[]),
            false,
            0,
        ),
        // Found by the differential test: AWS applies IfExists per value
        // inside the ForAnyValue loop, so an absent key is still false
        // (re:Post, "ForAnyValue:StringEqualsIfExists behaving unexpectedly").
        (
            r#"{"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        (
            r#"{"ForAnyValue:StringNotEqualsIfExists": {"aws:TagKeys": "a"}}"#,
            ctx(&[]),
            false,
            0,
        ),
        (
            r#"{"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": "a"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            tags(&["x", "y"]),
            true,
            0,
        ),
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            tags(&["x", "key1a"]),
            false,
            0,
        ),
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            ctx(&[]),
            true,
            0,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            tags(&["a", "c"]),
            true,
            0,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#,
            tags(&["a"]),
            false,
            0,
        ),
        // a plain operator on a multivalued key: any value (NOR when negated)
        (
            r#"{"StringEquals": {"aws:TagKeys": "a"}}"#,
            tags(&["b", "a"]),
            true,
            0,
        ),
        (
            r#"{"StringNotEquals": {"aws:TagKeys": "a"}}"#,
            tags(&["b", "a"]),
            false,
            0,
        ),
        // a single-valued key under a set operator is a set of one
        (
            r#"{"ForAnyValue:StringLike": {"k": "a*"}}"#,
            ctx(&[("k", "ab")]),
            true,
            0,
        ),
    ]);
}

#[test]
fn keys_and_operators_are_anded_and_key_names_ignore_case() {
    run(&[
        (
            r#"{"StringEquals": {"a": "1", "b": "2"}}"#,
            ctx(&[("a", "1"), ("b", "2")]),
            true,
            0,
        ),
        (
            r#"{"StringEquals": {"a": "1", "b": "2"}}"#,
            ctx(&[("a", "1")]),
            false,
            0,
        ),
        (
            r#"{"StringEquals": {"a": "1"}, "Bool": {"b": "true"}}"#,
            ctx(&[("a", "1"), ("b", "false")]),
            false,
            0,
        ),
        (
            r#"{"StringNotEquals": {"AWS:SOURCEVPCE": "vpce-1"}}"#,
            ctx(&[("aws:SourceVpce", "vpce-1")]),
            false,
            0,
        ),
        (
            r#"{"StringEquals": {"aws:PrincipalTag/Team": "x"}}"#,
            ctx(&[("aws:principaltag/team", "x")]),
            true,
            0,
        ),
        (
            r#"{"StringEquals": {"aws:username": "VIDESK"}}"#,
            ctx(&[("aws:username", "videsk")]),
            false,
            0,
        ),
    ]);
}

#[test]
fn policy_variables_in_values() {
    let tag = r#"{"StringEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}"#;
    let not_tag =
        r#"{"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}"#;
    let both = ctx(&[
        ("s3:ExistingObjectTag/Team", "red"),
        ("aws:PrincipalTag/Team", "red"),
    ]);
    let object_only = ctx(&[("s3:ExistingObjectTag/Team", "red")]);
    run(&[
        (tag, both.clone(), true, 0),
        // a variable without a value is null: equal to nothing
        (tag, object_only.clone(), false, 0),
        (not_tag, object_only, true, 0),
        (not_tag, both, false, 0),
        (
            r#"{"StringEquals": {"k": "${aws:PrincipalTag/dept, 'none'}"}}"#,
            ctx(&[("k", "none")]),
            true,
            0,
        ),
        (
            r#"{"StringLike": {"k": "${aws:username}-*"}}"#,
            ctx(&[("k", "alice-1"), ("aws:username", "alice")]),
            true,
            0,
        ),
        (
            r#"{"StringEqualsIgnoreCase": {"k": "${aws:username}"}}"#,
            ctx(&[("k", "ALICE"), ("aws:username", "alice")]),
            true,
            0,
        ),
        (
            r#"{"Bool": {"k": "${aws:flag}"}}"#,
            ctx(&[("k", "true"), ("aws:flag", "TRUE")]),
            true,
            0,
        ),
        (
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/${aws:username}"}}"#,
            ctx(&[
                ("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice"),
                ("aws:username", "alice"),
            ]),
            true,
            0,
        ),
        (
            r#"{"StringEquals": {"k": "a${*}b"}}"#,
            ctx(&[("k", "a*b")]),
            true,
            0,
        ),
    ]);
    // without Version 2012-10-17, `${...}` is literal text
    let literal = ctx(&[("k", "${aws:username}"), ("aws:username", "alice")]);
    assert_eq!(
        decide(
            r#"{"StringEquals": {"k": "${aws:username}"}}"#,
            false,
            &literal
        ),
        (true, 0)
    );
    // multivalued keys cannot be variables
    let multi_var = multi("aws:TagKeys", &["a"]).with("k", "a");
    assert_eq!(
        decide(
            r#"{"StringEquals": {"k": "${aws:TagKeys}"}}"#,
            true,
            &multi_var
        ),
        (false, 0)
    );
}
