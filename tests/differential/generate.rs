//! The case generator: policy sets and one request each, drawn from small
//! pools by a seeded pseudo-random generator so that every run writes the
//! same cases. The pools are chosen so that statements match often and
//! conditions go both ways: request values and policy values come from the
//! same lists.
//!
//! Coverage: every condition operator family (String, IgnoreCase, Like,
//! Numeric, Date, Bool, Binary, IpAddress, Arn, Null), `...IfExists`,
//! `ForAllValues:` / `ForAnyValue:`, several values under negated operators
//! (NOR); wildcards in actions and resources; `NotAction` / `NotResource`;
//! `Allow` and `Deny`; policy variables (with and without `Version`);
//! bucket policies naming users, roles, sessions, accounts, services and
//! `*`, `NotPrincipal`; role trust policies; same- and cross-account
//! callers, anonymous callers and Google web identity callers.

use serde_json::{Map, Value, json};

/// The account of the resources and of most callers.
pub const OWN: &str = "111122223333";
/// The other account.
pub const OTHER: &str = "123456789012";

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Between `min` and `max` distinct items, in pool order.
    pub fn some<T: Copy>(&mut self, items: &[T], min: usize, max: usize) -> Vec<T> {
        let want = min + self.below(max - min + 1);
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < want.min(items.len()) {
            let i = self.below(items.len());
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        picked.sort_unstable();
        picked.into_iter().map(|i| items[i]).collect()
    }
}

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An IAM user, by ARN.
    User(String),
    /// A role session: session ARN and role ARN.
    Session { session: String, role: String },
    /// A caller presenting a web identity token of this provider.
    WebIdentity(String),
    /// An unsigned request.
    Anonymous,
}

impl Caller {
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::User(arn) | Caller::Session { session: arn, .. } => arn.split(':').nth(4),
            _ => None,
        }
    }

    /// The principal as the simulator takes it.
    pub fn simulator_principal(&self) -> Value {
        match self {
            Caller::User(arn) | Caller::Session { session: arn, .. } => json!(arn),
            Caller::WebIdentity(provider) => json!(provider),
            Caller::Anonymous => json!({"type": "Anonymous"}),
        }
    }
}

/// Which resource policy the case has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourcePolicyKind {
    Bucket,
    Trust,
}

/// One generated case: the policies and one request.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: usize,
    pub caller: Caller,
    pub action: String,
    pub resource: String,
    pub resource_account: String,
    pub identity: Vec<Value>,
    pub resource_policy: Option<(ResourcePolicyKind, Value)>,
    /// Condition keys and their values; a list is a multivalued key.
    pub context: Vec<(String, Value)>,
}

impl Case {
    /// The case in the simulator's `Simulation` shape, with its id.
    pub fn to_simulation(&self) -> Value {
        let identity: Vec<Value> = self
            .identity
            .iter()
            .enumerate()
            .map(|(i, policy)| json!({"name": format!("identity-{i}"), "policy": policy}))
            .collect();
        let context: Map<String, Value> = self.context.iter().cloned().collect();
        let mut simulation = json!({
            "request": {
                "principal": self.caller.simulator_principal(),
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.resource_account},
                "contextVariables": context,
            },
            "identityPolicies": identity,
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        });
        if let (Some((_, policy)), Value::Object(map)) = (&self.resource_policy, &mut simulation) {
            map.insert("resourcePolicy".into(), policy.clone());
        }
        json!({"id": self.id, "simulation": simulation})
    }
}

const USER: &str = "arn:aws:iam::111122223333:user/videsk-connector";
const PATH_USER: &str = "arn:aws:iam::111122223333:user/staff/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/ingest";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/ingest/s1";
const PARTNER: &str = "arn:aws:iam::123456789012:user/partner";
const PARTNER_ROLE: &str = "arn:aws:iam::123456789012:role/mover";
const PARTNER_SESSION: &str = "arn:aws:sts::123456789012:assumed-role/mover/m1";
const GOOGLE: &str = "accounts.google.com";

/// Request targets: action, resource (`{A}` is the resource account),
/// kind of resource.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Object,
    Bucket,
    User,
    Role,
    WebIdentityRole,
    Everything,
}

const TARGETS: &[(&str, Target)] = &[
    ("s3:PutObject", Target::Object),
    ("s3:PutObject", Target::Object),
    ("s3:GetObject", Target::Object),
    ("s3:DeleteObject", Target::Object),
    ("s3:PutObjectAcl", Target::Object),
    ("s3:ListBucket", Target::Bucket),
    ("s3:PutBucketPolicy", Target::Bucket),
    ("s3:GetBucketPolicy", Target::Bucket),
    ("s3:ListAllMyBuckets", Target::Everything),
    ("iam:CreateAccessKey", Target::User),
    ("iam:GetUser", Target::User),
    ("sts:AssumeRole", Target::Role),
    ("sts:AssumeRoleWithWebIdentity", Target::WebIdentityRole),
];

const BUCKETS: &[&str] = &["rec-bucket", "rec-bucket-logs", "archive"];
const KEYS: &[&str] = &[
    "uploads/a.mp4",
    "uploads/videsk-connector/b.mp4",
    "uploads/staff/alice/c.mp4",
    "uploads/sales/d.mp4",
    "other/e.mp4",
    "uploads/f:g/h.mp4",
    "uploads/$x?.mp4",
    "Uploads/a.mp4",
    "uploads/",
];

/// Generates `count` cases from `seed`.
pub fn cases(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..count).map(|id| case(&mut rng, id)).collect()
}

fn case(rng: &mut Rng, id: usize) -> Case {
    let (action, target) = rng.pick(TARGETS);
    let caller = caller(rng, target);
    let resource_account = if rng.chance(75) { OWN } else { OTHER };
    let resource = match target {
        Target::Object => format!("arn:aws:s3:::{}/{}", rng.pick(BUCKETS), rng.pick(KEYS)),
        Target::Bucket => format!("arn:aws:s3:::{}", rng.pick(BUCKETS)),
        Target::User => format!(
            "arn:aws:iam::{resource_account}:user/{}",
            rng.pick(&["videsk-connector", "staff/alice", "bob"])
        ),
        Target::Role | Target::WebIdentityRole => {
            format!("arn:aws:iam::{resource_account}:role/ingest")
        }
        Target::Everything => "*".to_owned(),
    };
    let resource_account = match target {
        // Callers without an account act on the role's account.
        Target::WebIdentityRole => OWN.to_owned(),
        _ => resource_account.to_owned(),
    };

    let has_identity = !matches!(caller, Caller::Anonymous | Caller::WebIdentity(_));
    let identity = if has_identity {
        let count = rng.pick(&[0, 1, 1, 1, 2, 2, 3]);
        (0..count).map(|_| policy(rng, None)).collect()
    } else {
        Vec::new()
    };
    let resource_policy = match target {
        Target::Object | Target::Bucket if rng.chance(65) || !has_identity => {
            Some((ResourcePolicyKind::Bucket, policy(rng, Some(target))))
        }
        Target::Role | Target::WebIdentityRole => {
            Some((ResourcePolicyKind::Trust, policy(rng, Some(target))))
        }
        _ => None,
    };
    let context = context(rng, &caller, action);
    Case {
        id,
        caller,
        action: action.to_owned(),
        resource,
        resource_account,
        identity,
        resource_policy,
        context,
    }
}

fn caller(rng: &mut Rng, target: Target) -> Caller {
    let session = |session: &str, role: &str| Caller::Session {
        session: session.to_owned(),
        role: role.to_owned(),
    };
    if target == Target::WebIdentityRole {
        return Caller::WebIdentity(GOOGLE.to_owned());
    }
    match rng.below(100) {
        0..=34 => Caller::User(USER.to_owned()),
        35..=44 => Caller::User(PATH_USER.to_owned()),
        45..=69 => session(SESSION, ROLE),
        70..=79 => Caller::User(PARTNER.to_owned()),
        80..=89 => session(PARTNER_SESSION, PARTNER_ROLE),
        _ if matches!(target, Target::Object | Target::Bucket) => Caller::Anonymous,
        _ => Caller::User(USER.to_owned()),
    }
}

/// A policy document; `resource` is the kind of resource policy, or
/// `None` for an identity policy.
fn policy(rng: &mut Rng, resource: Option<Target>) -> Value {
    let count = 1 + rng.below(3);
    let statements: Vec<Value> = (0..count).map(|i| statement(rng, resource, i)).collect();
    let mut document = Map::new();
    match rng.below(100) {
        0..=91 => {
            document.insert("Version".into(), json!("2012-10-17"));
        }
        92..=95 => {
            document.insert("Version".into(), json!("2008-10-17"));
        }
        _ => {}
    }
    document.insert("Statement".into(), json!(statements));
    Value::Object(document)
}

fn statement(rng: &mut Rng, resource: Option<Target>, index: usize) -> Value {
    let mut s = Map::new();
    s.insert("Sid".into(), json!(format!("S{index}")));
    let effect = if rng.chance(65) { "Allow" } else { "Deny" };
    s.insert("Effect".into(), json!(effect));

    match resource {
        Some(Target::WebIdentityRole) => {
            s.insert("Principal".into(), json!({"Federated": GOOGLE}));
        }
        Some(target) => {
            let (key, principal) = principal(rng, effect, target);
            s.insert(key.into(), principal);
        }
        None => {}
    }

    let key = if rng.chance(80) {
        "Action"
    } else {
        "NotAction"
    };
    s.insert(
        key.into(),
        one_or_many(rng, &action_patterns(resource), 1, 3),
    );

    // Trust policies usually have no Resource.
    let trust = matches!(resource, Some(Target::Role | Target::WebIdentityRole));
    if !trust || rng.chance(15) {
        let key = if rng.chance(80) {
            "Resource"
        } else {
            "NotResource"
        };
        s.insert(key.into(), one_or_many(rng, RESOURCE_PATTERNS, 1, 3));
    }

    if rng.chance(60) {
        s.insert("Condition".into(), condition_block(rng));
    }
    Value::Object(s)
}

fn one_or_many(rng: &mut Rng, pool: &[&str], min: usize, max: usize) -> Value {
    let items = rng.some(pool, min, max);
    match items.as_slice() {
        [one] if rng.chance(50) => json!(one),
        _ => json!(items),
    }
}

fn action_patterns(resource: Option<Target>) -> Vec<&'static str> {
    let mut pool = vec![
        "s3:PutObject",
        "s3:Put*",
        "s3:*Object",
        "s3:?etObject",
        "S3:putobject",
        "s3:ListBucket",
        "s3:*",
        "s3:Get*",
        "s3:DeleteObject",
        "s3:*Bucket*",
        "*",
        "iam:*",
        "iam:*AccessKey*",
        "iam:GetUser",
        "s3:List*",
    ];
    if matches!(resource, Some(Target::Role | Target::WebIdentityRole)) {
        pool = vec![
            "sts:AssumeRole",
            "sts:AssumeRole*",
            "sts:*",
            "sts:AssumeRoleWithWebIdentity",
            "STS:assumerolewithwebidentity",
            "*",
            "s3:*",
        ];
    } else if resource.is_none() {
        pool.extend(["sts:AssumeRole", "sts:*"]);
    }
    pool
}

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::rec-bucket",
    "arn:aws:s3:::rec-bucket/*",
    "arn:aws:s3:::rec-bucket/uploads/*",
    "arn:aws:s3:::rec-*",
    "arn:aws:s3:::*log*",
    "arn:aws:s3:::*/uploads/*",
    "arn:aws:s3:::rec-bucket/uploads/?.mp4",
    "arn:aws:s3:::rec-bucket/uploads/f:g/*",
    "arn:aws:s3:::rec-bucket/Uploads/*",
    "arn:aws:s3:::rec-bucket/uploads/${aws:username}/*",
    "arn:aws:s3:::*/uploads/${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::rec-bucket/uploads/${aws:PrincipalTag/team, 'sales'}/*",
    "arn:aws:s3:::rec-bucket/uploads/${$}x${?}.mp4",
    "arn:aws:s3:::rec-bucket/uploads/${*}",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::111122223333:user/${aws:username}",
    "arn:aws:iam::111122223333:user/staff/*",
    "arn:aws:iam::*:role/ingest",
    "arn:aws:iam::123456789012:*",
];

/// A `Principal` or `NotPrincipal` for a bucket or trust policy.
fn principal(rng: &mut Rng, effect: &str, target: Target) -> (&'static str, Value) {
    let trust = target == Target::Role;
    if effect == "Deny" && !trust && rng.chance(15) {
        let exempt = rng.some(
            &[USER, "arn:aws:iam::111122223333:root", ROLE, SESSION],
            1,
            4,
        );
        return ("NotPrincipal", json!({"AWS": exempt}));
    }
    let pool: &[&str] = &[
        "*",
        "AWS:*",
        USER,
        PATH_USER,
        ROLE,
        SESSION,
        OWN,
        "arn:aws:iam::111122223333:root",
        PARTNER,
        PARTNER_ROLE,
        PARTNER_SESSION,
        OTHER,
        "Service:cloudtrail.amazonaws.com",
    ];
    let picked = rng.some(pool, 1, 3);
    if picked.contains(&"*") && rng.chance(70) {
        return ("Principal", json!("*"));
    }
    let mut aws = Vec::new();
    let mut service = Vec::new();
    for entry in picked {
        match entry {
            "*" | "AWS:*" => aws.push("*"),
            other => match other.strip_prefix("Service:") {
                Some(name) => service.push(name),
                None => aws.push(other),
            },
        }
    }
    let mut map = Map::new();
    if !aws.is_empty() {
        map.insert("AWS".into(), list_or_one(rng, &aws));
    }
    if !service.is_empty() {
        map.insert("Service".into(), list_or_one(rng, &service));
    }
    ("Principal", Value::Object(map))
}

fn list_or_one(rng: &mut Rng, items: &[&str]) -> Value {
    match items {
        [one] if rng.chance(50) => json!(one),
        _ => json!(items),
    }
}

/// A condition key with its value pools.
struct KeySpec {
    name: &'static str,
    family: Family,
    multivalued: bool,
    /// Values a request carries.
    request: &'static [&'static str],
    /// Values a policy compares with, beyond the request values.
    policy: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
}

const CURRENT_TIMES: &[&str] = &["2026-03-01T12:00:00Z", "2025-12-31T23:59:59Z"];

const KEY_SPECS: &[KeySpec] = &[
    KeySpec {
        name: "aws:username",
        family: Family::String,
        multivalued: false,
        request: &["videsk-connector", "alice", "partner"],
        policy: &[
            "VIDESK-connector",
            "videsk-*",
            "${aws:username}",
            "*",
            "a?ice",
        ],
    },
    KeySpec {
        name: "aws:PrincipalTag/team",
        family: Family::String,
        multivalued: false,
        request: &["sales", "ops", ""],
        policy: &["Sales", "s*", "${aws:PrincipalTag/team}", "o?s"],
    },
    KeySpec {
        name: "aws:SourceVpce",
        family: Family::String,
        multivalued: false,
        request: &["vpce-1a2b", "vpce-9z"],
        policy: &["vpce-1*", "VPCE-9Z", "vpce-?z"],
    },
    KeySpec {
        name: "s3:x-amz-acl",
        family: Family::String,
        multivalued: false,
        request: &["private", "public-read", "bucket-owner-full-control"],
        policy: &["public-*", "PRIVATE"],
    },
    KeySpec {
        name: "s3:prefix",
        family: Family::String,
        multivalued: false,
        request: &["uploads/", "", "other/"],
        policy: &["uploads/*", "${aws:username}/*"],
    },
    KeySpec {
        name: "aws:CalledVia",
        family: Family::String,
        multivalued: true,
        request: &["athena.amazonaws.com", "cloudformation.amazonaws.com"],
        policy: &["*.amazonaws.com", "ATHENA.amazonaws.com"],
    },
    KeySpec {
        name: "aws:TagKeys",
        family: Family::String,
        multivalued: true,
        request: &["team", "cost-center", "Owner"],
        policy: &["owner", "cost-*"],
    },
    KeySpec {
        name: "s3:RequestObjectTagKeys",
        family: Family::String,
        multivalued: true,
        request: &["classification", "retention"],
        policy: &["class*"],
    },
    KeySpec {
        name: "s3:max-keys",
        family: Family::Numeric,
        multivalued: false,
        request: &["10", "1000", "0"],
        policy: &["100", "10.0", "-1", "1e3"],
    },
    KeySpec {
        name: "aws:MultiFactorAuthAge",
        family: Family::Numeric,
        multivalued: false,
        request: &["30", "3600", "86400"],
        policy: &["3600", "300", "not-a-number"],
    },
    KeySpec {
        name: "aws:CurrentTime",
        family: Family::Date,
        multivalued: false,
        request: CURRENT_TIMES,
        policy: &[
            "2026-01-01T00:00:00Z",
            "2026-03-01",
            "1767225600",
            "2026-03-01T12:00:00+00:00",
            "2026-13-45",
        ],
    },
    KeySpec {
        name: "aws:EpochTime",
        family: Family::Date,
        multivalued: false,
        request: &["1772366400", "1767225599"],
        policy: &["1767225600", "2026-01-01T00:00:00Z"],
    },
    KeySpec {
        name: "aws:SecureTransport",
        family: Family::Bool,
        multivalued: false,
        request: &["true", "false"],
        policy: &["TRUE", "yes"],
    },
    KeySpec {
        name: "aws:MultiFactorAuthPresent",
        family: Family::Bool,
        multivalued: false,
        request: &["true", "false"],
        policy: &[],
    },
    KeySpec {
        name: "aws:userid",
        family: Family::Binary,
        multivalued: false,
        // Binary values travel as base64 text on both sides.
        request: &["QUlEQUVYQU1QTEU=", "QVJPQUVYQU1QTEU6czE="],
        policy: &["QUlEQUVYQU1QTEVY", "!!"],
    },
    KeySpec {
        name: "aws:SourceIp",
        family: Family::Ip,
        multivalued: false,
        request: &["203.0.113.9", "198.51.100.7", "2001:db8::1"],
        policy: &[
            "203.0.113.0/24",
            "198.51.100.7/32",
            "2001:db8::/32",
            "0.0.0.0/0",
            "203.0.113.300/24",
        ],
    },
    KeySpec {
        name: "aws:PrincipalArn",
        family: Family::Arn,
        multivalued: false,
        request: &[USER, ROLE, PARTNER],
        policy: &[
            "arn:aws:iam::*:user/*",
            "arn:aws:iam::111122223333:*",
            "arn:aws:iam::111122223333:role/ingest*",
            "arn:aws:iam::*:*/videsk-connector",
            "arn:aws:iam::111122223333:user/${aws:username}",
        ],
    },
    KeySpec {
        name: "aws:SourceArn",
        family: Family::Arn,
        multivalued: false,
        request: &[
            "arn:aws:s3:::rec-bucket",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
        ],
        policy: &[
            "arn:aws:s3:::rec-*",
            "arn:aws:cloudtrail:*:111122223333:trail/*",
        ],
    },
];

fn operators(family: Family) -> &'static [&'static str] {
    match family {
        Family::String => &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        Family::Numeric => &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        Family::Date => &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ],
        Family::Bool => &["Bool"],
        Family::Binary => &["BinaryEquals"],
        Family::Ip => &["IpAddress", "NotIpAddress"],
        Family::Arn => &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
    }
}

fn condition_block(rng: &mut Rng) -> Value {
    let mut block = Map::new();
    for _ in 0..1 + rng.below(2) {
        let spec = &KEY_SPECS[rng.below(KEY_SPECS.len())];
        let (operator, values) = if rng.chance(8) {
            ("Null".to_owned(), json!(rng.pick(&["true", "false"])))
        } else {
            (operator_name(rng, spec), condition_values(rng, spec))
        };
        let keys = block
            .entry(operator)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = keys {
            keys.insert(spec.name.to_owned(), values);
        }
    }
    Value::Object(block)
}

fn operator_name(rng: &mut Rng, spec: &KeySpec) -> String {
    let base = rng.pick(operators(spec.family));
    let if_exists = if rng.chance(25) { "IfExists" } else { "" };
    let set_ops_apply = spec.multivalued || rng.chance(10);
    let qualifier = if set_ops_apply && matches!(spec.family, Family::String | Family::Arn) {
        rng.pick(&["", "ForAllValues:", "ForAnyValue:"])
    } else {
        ""
    };
    format!("{qualifier}{base}{if_exists}")
}

fn condition_values(rng: &mut Rng, spec: &KeySpec) -> Value {
    let pool: Vec<&str> = spec.request.iter().chain(spec.policy).copied().collect();
    let values = rng.some(&pool, 1, 3);
    match values.as_slice() {
        [one] if rng.chance(60) => json!(one),
        _ => json!(values),
    }
}

/// The request context: the principal's keys, then a random selection of
/// the others that the action can carry.
fn context(rng: &mut Rng, caller: &Caller, action: &str) -> Vec<(String, Value)> {
    let mut context = vec![
        (
            "aws:SecureTransport".to_owned(),
            json!(rng.pick(&["true", "true", "false"])),
        ),
        ("aws:CurrentTime".to_owned(), json!(rng.pick(CURRENT_TIMES))),
    ];
    let principal_arn = match caller {
        Caller::User(arn) => Some(arn.as_str()),
        Caller::Session { role, .. } => Some(role.as_str()),
        _ => None,
    };
    if let Some(arn) = principal_arn {
        context.push(("aws:PrincipalArn".to_owned(), json!(arn)));
        let account = arn.split(':').nth(4).unwrap_or_default();
        context.push(("aws:PrincipalAccount".to_owned(), json!(account)));
        if let Caller::User(arn) = caller {
            let name = arn.rsplit('/').next().unwrap_or_default();
            context.push(("aws:username".to_owned(), json!(name)));
        }
    }
    let service_keys: &[&str] = match action {
        "s3:PutObject" => &["s3:x-amz-acl", "s3:RequestObjectTagKeys"],
        "s3:PutObjectAcl" => &["s3:x-amz-acl"],
        "s3:ListBucket" => &["s3:prefix", "s3:max-keys"],
        _ => &[],
    };
    for spec in KEY_SPECS {
        let fixed = matches!(
            spec.name,
            "aws:username" | "aws:SecureTransport" | "aws:CurrentTime" | "aws:PrincipalArn"
        );
        let service = !spec.name.starts_with("aws:");
        if fixed || (service && !service_keys.contains(&spec.name)) || !rng.chance(45) {
            continue;
        }
        let value = if spec.multivalued {
            json!(rng.some(spec.request, 0, 2))
        } else {
            json!(rng.pick(spec.request))
        };
        context.push((spec.name.to_owned(), value));
    }
    context
}
