//! Request evaluation speed on the shared corpus's
//! `notresource-deny-confines-to-prefix` case: the connector's identity
//! policy plus the corrected bucket policy (Deny with NotResource and Deny
//! with NotAction, both keyed on `aws:PrincipalArn`). Target: at least
//! 2,000,000 evaluations per second on the project's 2-core machine.
#![expect(
    clippy::expect_used,
    reason = "benchmark setup: a fixture that does not parse must stop the run"
)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use putonly::policy::{
    Context, LabelledPolicy, Policy, PolicyKind, PolicySet, Request, RequestPrincipal, Verdict,
    authorize, parse,
};

const IDENTITY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*"}]}"#;

const BUCKET: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "DenyWritesOutsideUploads", "Effect": "Deny", "Principal": "*",
   "Action": ["s3:PutObject"], "NotResource": "arn:aws:s3:::rec-bucket/uploads/*",
   "Condition": {"ArnEquals": {"aws:PrincipalArn": [
     "arn:aws:iam::111122223333:user/videsk-connector",
     "arn:aws:iam::111122223333:role/videsk-connector-oidc"]}}},
  {"Sid": "DenyEverythingElseForConnector", "Effect": "Deny", "Principal": "*",
   "NotAction": ["s3:PutObject"],
   "Resource": ["arn:aws:s3:::rec-bucket", "arn:aws:s3:::rec-bucket/*"],
   "Condition": {"ArnEquals": {"aws:PrincipalArn": [
     "arn:aws:iam::111122223333:user/videsk-connector",
     "arn:aws:iam::111122223333:role/videsk-connector-oidc"]}}}]}"#;

const USER: &str = "arn:aws:iam::111122223333:user/videsk-connector";

fn request(key: &str) -> Request {
    let context = Context::new()
        .with("aws:PrincipalArn", USER)
        .with("aws:PrincipalAccount", "111122223333")
        .with("aws:username", "videsk-connector")
        .with("aws:SecureTransport", "true");
    let resource = format!("arn:aws:s3:::rec-bucket/{key}");
    Request::new(
        RequestPrincipal::iam_user(USER),
        "s3:PutObject",
        &resource,
        context,
    )
    .with_resource_account("111122223333")
}

fn bench(c: &mut Criterion) {
    let identity: Policy = parse(IDENTITY, PolicyKind::Identity).expect("identity policy");
    let bucket: Policy = parse(BUCKET, PolicyKind::Resource).expect("bucket policy");
    let set = PolicySet {
        identity: vec![LabelledPolicy::new(
            "user/videsk-connector inline",
            &identity,
        )],
        resource: Some(LabelledPolicy::new("bucket rec-bucket", &bucket)),
        ..PolicySet::default()
    };
    let allowed = request("uploads/a.mp4");
    let denied = request("other/a.mp4");
    assert_eq!(authorize(&set, &allowed).verdict, Verdict::Allow);
    assert_eq!(authorize(&set, &denied).verdict, Verdict::ExplicitDeny);

    let mut group = c.benchmark_group("notresource-deny-confines-to-prefix");
    group.throughput(Throughput::Elements(1));
    group.bench_function("authorize allowed write", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&allowed)).verdict)
    });
    group.bench_function("authorize denied write", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&denied)).verdict)
    });
    group.bench_function("build request and authorize", |b| {
        b.iter(|| authorize(black_box(&set), &request(black_box("uploads/a.mp4"))).verdict)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
