//! Attacks on the access answers (issue #4): request keys in witnesses,
//! requests through access points. Every test states the answer AWS gives;
//! a test named `was_bug_...` failed when it was written and showed a wrong
//! answer (see the comment above it for the AWS reference); each is a
//! regression test now. The fixtures are `rules_fixtures`' own.

use super::*;

/// The user's policy: the intended grant plus one more statement.
fn with_extra_statement(inv: &mut Inventory, statement: &str) {
    set_user_policy(
        inv,
        &format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "WriteUploads", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*"}}, {statement}]}}"#
        ),
    );
}

/// The PO402 finding of the static connector, with its evidence rows.
fn outside_finding(inv: &Inventory) -> Option<(String, Vec<String>)> {
    scan(inv, &base_config())
        .into_iter()
        .find(|f| f.rule_id == "PO402" && f.connector.as_deref() == Some("static"))
        .map(|f| {
            (
                f.message.clone(),
                f.evidence
                    .iter()
                    .map(|e| format!("{} | {}", e.label, e.value))
                    .collect(),
            )
        })
}

fn assert_outside_with(inv: &Inventory, key: &str) {
    let Some((message, evidence)) = outside_finding(inv) else {
        panic!(
            "no PO402: the connector can write outside uploads/ with `{key}` set, but putonly says it cannot; findings: {:#?}",
            summary(&scan(inv, &base_config()))
        );
    };
    assert!(
        evidence.iter().any(|row| row.contains(key)),
        "{message}\n{evidence:#?}"
    );
}

/// Control: an integer numeric condition on a header is searched.
#[test]
fn integer_numeric_condition_on_a_header_is_witnessed() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "Retained", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"NumericGreaterThan": {"s3:object-lock-remaining-retention-days": "30"}}}"#,
    );
    assert_outside_with(&inv, "s3:object-lock-remaining-retention-days");
}

/// Was a bug: `NumericGreaterThan` with a decimal value. The samples tried are the
/// policy's own value and, only for integers, its neighbours, so for `1.2`
/// no tried value is greater and the write outside the prefix with
/// `s3:TlsVersion=1.3` (TLS 1.3) is missed. AWS: numeric condition operators
/// compare decimal values (IAM User Guide, "IAM JSON policy elements:
/// Condition operators", Numeric condition operators); S3 lists
/// `s3:TlsVersion` as a numeric key on PutObject.
#[test]
fn was_bug_decimal_numeric_condition_hides_a_write_outside_the_prefix() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "ModernTls", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"NumericGreaterThan": {"s3:TlsVersion": "1.2"}}}"#,
    );
    assert_outside_with(&inv, "s3:TlsVersion");
}

/// Was a bug: date operators get only the policy's own date as a sample, which
/// satisfies no strict comparison. A PutObject with
/// `x-amz-object-lock-retain-until-date` later than 2030 is allowed anywhere
/// in the bucket.
#[test]
fn was_bug_date_condition_on_a_header_hides_a_write_outside_the_prefix() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "LongRetention", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"DateGreaterThan": {"s3:object-lock-retain-until-date": "2030-01-01T00:00:00Z"}}}"#,
    );
    assert_outside_with(&inv, "s3:object-lock-retain-until-date");
}

/// Was a bug: a policy variable in a condition value is skipped when sampling, so
/// the ABAC pattern "write anywhere if you tag the object with your own
/// name" is never tried. AWS substitutes `${aws:username}` in condition
/// values (IAM User Guide, "IAM policy elements: Variables and tags", "Where
/// you can use policy variables": Condition element).
#[test]
fn was_bug_policy_variable_in_a_condition_value_hides_a_write_outside_the_prefix() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "OwnTaggedObjects", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringEquals": {"s3:RequestObjectTag/owner": "${aws:username}"}}}"#,
    );
    assert_outside_with(&inv, "s3:RequestObjectTag/owner");
}

/// Was a bug: multivalued keys are only tried with one value, so a statement
/// that needs two tag keys at once (`ForAnyValue` on `a` and on `b*`) is
/// never satisfied. AWS: `s3:RequestObjectTagKeys` carries every tag key of
/// the request (IAM User Guide, "Single-valued vs. multivalued context
/// keys").
#[test]
fn was_bug_two_tag_keys_at_once_hide_a_write_outside_the_prefix() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "TwoTags", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": "project"}, "ForAnyValue:StringLike": {"s3:RequestObjectTagKeys": "cost-*"}}}"#,
    );
    assert_outside_with(&inv, "s3:RequestObjectTagKeys");
}

/// Was a bug: wildcard values are filled with `x` only. The Allow matches any
/// KMS key ARN of the account, the Deny the ones starting with `keyx`:
/// every sample tried (`...key/x`, `...key/xx`... here `keyx`) is denied or
/// not allowed, but `...:key/abc` is allowed.
#[test]
fn was_bug_like_and_not_like_on_one_key_hide_a_write_outside_the_prefix() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "AnyKmsKey", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringLike": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-west-1:111122223333:key*"}}}, {"Sid": "NotTheseKeys", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringLike": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-west-1:111122223333:keyx*"}}}"#,
    );
    assert_outside_with(&inv, "s3:x-amz-server-side-encryption-aws-kms-key-id");
}

/// When the request-key search is cut at MAX_VARIANTS, the answer is not
/// read as "no request can do it". Here no request writes outside the
/// prefix (the Allow needs an ACL header the Deny refuses), but proving it
/// takes more combinations than the bound: PO402 stays silent and PO408
/// says the question was left undecided.
#[test]
fn a_cut_request_key_search_is_reported_as_undecided() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "NoAclHeaders", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringEquals": {"s3:x-amz-acl": ["private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"]}}}, {"Sid": "ThreeHeaders", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringEquals": {"s3:x-amz-acl": ["private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"], "s3:x-amz-storage-class": ["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE"], "s3:x-amz-server-side-encryption": ["AES256", "aws:kms", "aws:kms:dsse"]}}}"#,
    );
    let incomplete: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .filter(|f| f.rule_id == "PO408" && f.connector.as_deref() == Some("static"))
        .map(|f| f.message)
        .collect();
    assert_eq!(
        incomplete,
        [
            "the answers about `videsk-connector` leave out whether s3:PutObject outside `uploads/` is possible (the search was cut before deciding every request)"
        ]
    );
}

/// Control for the cap: the same Allow without the distracting Deny is
/// found (three keys, first subset tried).
#[test]
fn three_headers_at_once_are_found_under_the_cap() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "ThreeHeaders", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringEquals": {"s3:x-amz-acl": ["private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"], "s3:x-amz-storage-class": ["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE"], "s3:x-amz-server-side-encryption": ["AES256", "aws:kms", "aws:kms:dsse"]}}}"#,
    );
    assert_outside_with(&inv, "s3:x-amz-acl");
}

/// Control: a Deny lifted only by an IP outside a CIDR (NotIpAddress) is
/// witnessed with an address.
#[test]
fn ip_conditions_are_searched() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "FromOffice", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
    );
    assert_outside_with(&inv, "aws:SourceIp");
}

const DELEGATE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Delegate", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": ["arn:aws:s3:::rec-bucket", "arn:aws:s3:::rec-bucket/*"], "Condition": {"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}}}]}"#;

fn point(name: &str, bucket: &str, origin: &str, policy: Option<&str>) -> AccessPoint {
    AccessPoint {
        name: name.into(),
        arn: format!("arn:aws:s3:us-west-1:111122223333:accesspoint/{name}"),
        bucket: bucket.into(),
        network_origin: origin.into(),
        policy: policy.map_or(Fact::Absent, |p| Fact::Present(PolicyText::new(p))),
        public_access_block: Fact::Absent,
    }
}

fn writer_rules(findings: &[Finding]) -> Vec<(String, String)> {
    findings
        .iter()
        .filter(|f| f.rule_id.starts_with("PO42"))
        .map(|f| (f.rule_id.clone(), f.message.clone()))
        .collect()
}

/// Was a bug: another account granted writes by an access point policy (with the
/// bucket delegating to the account's access points) is not reported as a
/// writer: the cross-account check reads only the bucket policy's
/// principals. AWS: "Access points ... You can also grant cross-account
/// access through an access point policy" and the bucket must delegate
/// (Amazon S3 User Guide, "Configuring IAM policies for using access
/// points", "Delegating access control to access points"; "Granting
/// permissions for cross-account access points").
#[test]
fn was_bug_another_account_writing_through_an_access_point_is_not_reported() {
    let mut inv = compliant();
    let grant = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "PartnerWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:us-west-1:111122223333:accesspoint/rec-ap/object/*"}]}"#;
    inv.access_points = Fact::Present(vec![point("rec-ap", "rec-bucket", "Internet", Some(grant))]);
    set_bucket_policy(&mut inv, DELEGATE);
    let writers = writer_rules(&scan(&inv, &base_config()));
    assert!(
        writers
            .iter()
            .any(|(rule, message)| rule == "PO420" && message.contains("444455556666")),
        "{writers:#?}"
    );
}

/// An access point on another bucket is no path to the connector's bucket.
#[test]
fn an_access_point_of_another_bucket_is_no_path() {
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "UploadsAndPoints", "Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::rec-bucket/uploads/*", "arn:aws:s3:us-west-1:111122223333:accesspoint/*"]}]}"#,
    );
    inv.access_points = Fact::Present(vec![point("other-ap", "other-bucket", "Internet", None)]);
    let rules: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert!(!rules.contains(&"PO402".to_owned()), "{rules:?}");
}

/// An access point whose policy was not collected is named as unusable,
/// not read as "no policy".
#[test]
fn an_uncollected_access_point_policy_is_said_to_be_unknown() {
    let mut inv = compliant();
    let mut ap = point("rec-ap", "rec-bucket", "Internet", None);
    ap.policy = Fact::Unknown("AccessDenied".into());
    inv.access_points = Fact::Present(vec![ap]);
    let findings = scan(&inv, &base_config());
    let text = format!("{:#?}", summary(&findings));
    assert!(text.contains("rec-ap"), "{text}");
}

/// An access point policy that does not parse is named, not ignored.
#[test]
fn an_invalid_access_point_policy_is_said_to_be_unusable() {
    let mut inv = compliant();
    inv.access_points = Fact::Present(vec![point(
        "rec-ap",
        "rec-bucket",
        "Internet",
        Some(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 7}]}"#),
    )]);
    let findings = scan(&inv, &base_config());
    let text = format!("{:#?}", summary(&findings));
    assert!(text.contains("rec-ap"), "{text}");
}

/// Odd access point ARNs and names do not panic.
#[test]
fn odd_access_point_arns_do_not_panic() {
    let mut inv = compliant();
    set_bucket_policy(&mut inv, DELEGATE);
    let open = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}]}"#;
    let mut odd = Vec::new();
    for arn in [
        "",
        "arn",
        "arn:aws:s3:::",
        "arn:aws:s3:us-west-1:111122223333:accesspoint/",
        "arn:aws:s3:us-west-1:111122223333:accesspoint/ä*?${aws:username}/object/",
        "arn:aws:s3:us-west-1:111122223333:accesspoint/a:b:c",
    ] {
        let mut ap = point("x", "rec-bucket", "VPC", Some(open));
        ap.arn = arn.into();
        odd.push(ap);
    }
    inv.access_points = Fact::Present(odd);
    let _ = scan(&inv, &base_config());
}

/// Was a bug: `aws:UserAgent` is present on every request and its value is
/// whatever the caller sends, but putonly classes it as fixed for the
/// caller and, since the base context does not set it, takes it as absent.
/// A Deny outside the prefix "unless the user agent says vendor" is then
/// read as unconditional, although any caller lifts it by sending
/// `User-Agent: vendor-uploader`. AWS: "aws:UserAgent ... This key is
/// included in the request context ... you should not use it to prevent
/// unauthorized parties from making direct AWS requests" (IAM User Guide,
/// "AWS global condition context keys", aws:UserAgent).
#[test]
fn was_bug_user_agent_is_taken_as_fixed_and_absent() {
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Wide", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*"}, {"Sid": "OutsideOnlyForTheVendorTool", "Effect": "Deny", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::rec-bucket/uploads/*", "Condition": {"StringNotLike": {"aws:UserAgent": "*vendor*"}}}]}"#,
    );
    assert_outside_with(&inv, "aws:UserAgent");
}

/// Was a bug: `aws:RequestedRegion` is present on every request (S3: the region
/// of the endpoint the request is sent to) but is never set in the
/// context, so the common guard "Deny everything outside our regions"
/// (StringNotEquals on aws:RequestedRegion) always holds and putonly says
/// the connector cannot write at all (PO401), though its requests to the
/// us-west-1 bucket carry `aws:RequestedRegion=us-west-1` and are allowed.
/// AWS: IAM User Guide, "AWS global condition context keys",
/// aws:RequestedRegion ("Availability: This key is always included in the
/// request context"), and the example policy "AWS: Denies access to AWS
/// based on the requested Region".
#[test]
fn was_bug_requested_region_guard_reads_as_cannot_write() {
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "WriteUploads", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*"}, {"Sid": "OurRegionsOnly", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-west-1", "eu-west-1"]}}}]}"#,
    );
    let rules: Vec<(String, String)> = scan(&inv, &base_config())
        .into_iter()
        .filter(|f| f.connector.as_deref() == Some("static"))
        .map(|f| (f.rule_id, f.message))
        .collect();
    assert!(!rules.iter().any(|(rule, _)| rule == "PO401"), "{rules:#?}");
}

/// Was a bug: `aws:SecureTransport` is fixed to `true` in the caller's context,
/// so an Allow that holds only over plain HTTP (a typo'd "Bool false"
/// meant for a Deny) is never tried: the connector can write anywhere in
/// the bucket over HTTP and putonly says it cannot. The caller chooses the
/// scheme of each request; the key is present on every request with the
/// value it picked (IAM User Guide, "AWS global condition context keys",
/// aws:SecureTransport).
#[test]
fn was_bug_secure_transport_is_fixed_to_true() {
    let mut inv = compliant();
    with_extra_statement(
        &mut inv,
        r#"{"Sid": "PlainHttpAnywhere", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
    );
    assert_outside_with(&inv, "aws:SecureTransport");
}

/// How an anonymous write through a VPC-origin access point is reported:
/// S3 refuses requests to it from outside its VPC, so "anyone" overstates
/// it. This test prints the message and passes when the message mentions
/// the VPC, or no PO421 is raised.
#[test]
fn was_bug_public_write_through_a_vpc_access_point_is_called_anyone() {
    let mut inv = compliant();
    let open = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:us-west-1:111122223333:accesspoint/vpc-ap/object/*"}]}"#;
    inv.access_points = Fact::Present(vec![point("vpc-ap", "rec-bucket", "VPC", Some(open))]);
    bucket_mut(&mut inv).public_access_block = Fact::Absent;
    set_bucket_policy(&mut inv, DELEGATE);
    let public: Vec<String> = scan(&inv, &base_config())
        .into_iter()
        .filter(|f| f.rule_id == "PO421")
        .map(|f| {
            let evidence: Vec<String> = f
                .evidence
                .iter()
                .map(|e| format!("{} | {}", e.label, e.value))
                .collect();
            format!("{}\n{}", f.message, evidence.join("\n"))
        })
        .collect();
    assert!(
        public.iter().all(|m| m.contains("VPC")),
        "{}",
        public.join("\n---\n")
    );
}

/// Was a bug: `aws:ViaAWSService` is present on every request (`false` when the
/// caller calls S3 itself) but is taken as absent, so `Bool
/// aws:ViaAWSService false` never holds and a Deny of direct writes
/// outside the prefix is ignored: putonly reports a write outside the
/// prefix (PO402) whose witness request AWS denies. AWS: IAM User Guide,
/// "AWS global condition context keys", aws:ViaAWSService ("Availability:
/// This key is always included in the request context").
#[test]
fn was_bug_via_aws_service_is_taken_as_absent() {
    let mut inv = compliant();
    set_user_policy(
        &mut inv,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Wide", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*"}, {"Sid": "DirectOnlyUnderUploads", "Effect": "Deny", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::rec-bucket/uploads/*", "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}]}"#,
    );
    let outside = outside_finding(&inv);
    assert!(outside.is_none(), "{outside:#?}");
}
