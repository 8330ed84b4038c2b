//! One benchmark account of issue #7, offline: reading its snapshot and
//! evaluating every rule over it. The account is built in memory the way
//! `scripts/bench-seed.py` seeds the emulator (2,000 roles, a tenth
//! trusting Google without conditions, one in 25 with `s3:*` on `*`; 300
//! users with one access key; 300 buckets with policies, nine in ten with
//! ACLs disabled), and two connectors live in it as in
//! `scripts/bench-org.sh`, so the whole access model runs (the other
//! writers of the connectors' bucket are searched over every principal).
//!
//! `scripts/bench.sh` measures the same account end to end (process start,
//! peak memory, the emulator's live scan); this bench gives the time of
//! the two offline steps alone, repeatably: `cargo bench --bench
//! account_scan`. The per-account cost of an organisation scan
//! (`scripts/bench-org.sh`) is about the sum of the two.
#![expect(
    clippy::expect_used,
    reason = "benchmark setup: a fixture that does not parse must stop the run"
)]

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use putonly::config::Config;
use putonly::inventory::{
    AccessKey, Bucket, Fact, InlinePolicy, Inventory, ManagedPolicy, OidcProvider, PolicyText,
    Role, User,
};
use putonly::rules::Catalog;

const ACCOUNT: &str = "111122223333";
const ROLES: usize = 2_000;
const USERS: usize = 300;
const BUCKETS: usize = 300;
const SHARED_POLICIES: usize = 10;

const CONFIG: &str = r#"
[[connector]]
name = "static"
mode = "static"
principal = "bench-user-0"
bucket = "bench-bucket-0"
prefix = "uploads/"
allowed_actions = ["s3:PutObject"]

[[connector]]
name = "oidc"
mode = "oidc"
principal = "bench-role-0"
bucket = "bench-bucket-0"
prefix = "uploads/"
allowed_actions = ["s3:PutObject"]

[connector.oidc]
issuer = "accounts.google.com"
audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
"#;

fn document(statements: &str) -> PolicyText {
    PolicyText::new(format!(
        r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#
    ))
}

fn put_into(bucket: &str) -> PolicyText {
    document(&format!(
        r#"{{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::{bucket}/*"}}"#
    ))
}

fn trust(i: usize) -> PolicyText {
    let statement = if i.is_multiple_of(10) {
        r#"{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}"#.to_owned()
    } else if i.is_multiple_of(2) {
        r#"{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}"#.to_owned()
    } else {
        format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}}, "Action": "sts:AssumeRole"}}"#
        )
    };
    document(&statement)
}

fn inline(document: PolicyText) -> Vec<InlinePolicy> {
    vec![InlinePolicy {
        name: "put".to_owned(),
        document,
    }]
}

fn shared_arn(n: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/bench-shared-{n}")
}

/// The benchmark account.
fn account() -> Inventory {
    let created = "2026-12-01T00:00:00Z";
    let mut inventory = Inventory::new(ACCOUNT, "snapshot", created);
    inventory.oidc_providers = Fact::Present(vec![OidcProvider {
        arn: format!("arn:aws:iam::{ACCOUNT}:oidc-provider/accounts.google.com"),
        url: "accounts.google.com".to_owned(),
        client_ids: vec!["bench-client.apps.googleusercontent.com".to_owned()],
        thumbprints: vec!["1c58a3a8518e8759bf075b76b750d4f2df264fcd".to_owned()],
        create_date: created.to_owned(),
    }]);
    inventory.policies = (0..SHARED_POLICIES)
        .map(|n| ManagedPolicy {
            arn: shared_arn(n),
            name: format!("bench-shared-{n}"),
            path: "/".to_owned(),
            default_version_id: "v1".to_owned(),
            aws_managed: false,
            document: put_into(&format!("bench-bucket-{n}")),
        })
        .collect();
    inventory.roles = (0..ROLES)
        .map(|i| {
            let name = format!("bench-role-{i}");
            let policy = if i.is_multiple_of(25) {
                document(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#)
            } else {
                put_into(&format!("bench-bucket-{}", i % BUCKETS))
            };
            Role {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                id: format!("AROA{i:016}"),
                path: "/".to_owned(),
                create_date: created.to_owned(),
                trust_policy: trust(i),
                inline_policies: inline(policy),
                attached_policies: if i.is_multiple_of(5) {
                    vec![shared_arn(i % SHARED_POLICIES)]
                } else {
                    Vec::new()
                },
                permissions_boundary: None,
                max_session_duration: Some(3600),
                last_used: None,
                name,
            }
        })
        .collect();
    inventory.users = (0..USERS)
        .map(|u| {
            let name = format!("bench-user-{u}");
            User {
                arn: format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
                id: format!("AIDA{u:016}"),
                path: "/".to_owned(),
                create_date: created.to_owned(),
                inline_policies: inline(put_into(&format!("bench-bucket-{}", u % BUCKETS))),
                attached_policies: Vec::new(),
                groups: Vec::new(),
                permissions_boundary: None,
                access_keys: Fact::Present(vec![AccessKey {
                    id: format!("AKIA{u:016}"),
                    status: "Active".to_owned(),
                    create_date: created.to_owned(),
                    last_used: Fact::Absent,
                }]),
                console_password: Fact::Present(false),
                mfa_devices: Fact::Present(Vec::new()),
                name,
            }
        })
        .collect();
    inventory.buckets = Fact::Present(
        (0..BUCKETS)
            .map(|n| {
                let name = format!("bench-bucket-{n}");
                let policy = document(&format!(
                    r#"{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:role/bench-role-{n}"}}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::{name}/*"}}"#
                ));
                Bucket {
                    region: Fact::Present("us-east-1".to_owned()),
                    policy: Fact::Present(policy),
                    public_access_block: Fact::Absent,
                    ownership: if n.is_multiple_of(10) {
                        Fact::Absent
                    } else {
                        Fact::Present("BucketOwnerEnforced".to_owned())
                    },
                    encryption: Fact::Present(vec!["AES256".to_owned()]),
                    versioning: Fact::Absent,
                    acl: Fact::Present(Vec::new()),
                    name,
                }
            })
            .collect(),
    );
    inventory.access_points = Fact::Present(Vec::new());
    inventory.normalize();
    inventory
}

fn bench(c: &mut Criterion) {
    let inventory = account();
    let text = putonly::source::snapshot::to_string(&inventory);
    let path = Path::new("bench-account.json");
    let catalog = Catalog::load().expect("the rule catalog loads");
    let config = Config::parse(CONFIG, Path::new("putonly.toml")).expect("the config parses");
    let findings = putonly::app::evaluate(&catalog, &inventory, &config)
        .expect("the account evaluates")
        .len();
    eprintln!(
        "benchmark account: {} roles, {} users, {} buckets; snapshot {} KB; {findings} findings",
        inventory.roles.len(),
        inventory.users.len(),
        BUCKETS,
        text.len() / 1024
    );

    let mut group = c.benchmark_group("benchmark-account");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("read the snapshot", |b| {
        b.iter(|| {
            putonly::source::snapshot::parse(black_box(text.as_bytes()), path)
                .expect("the snapshot reads")
        });
    });
    group.bench_function("evaluate every rule", |b| {
        b.iter(|| {
            putonly::app::evaluate(&catalog, black_box(&inventory), &config)
                .expect("the account evaluates")
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
