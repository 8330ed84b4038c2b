//! Checks that rest on the access model: what the connector can do, who
//! can assume it, who else can write, and policies that cannot mean what
//! they say. Every conclusion comes from the policy engine, with a witness.

use crate::access::ConnectorAccess;
use crate::access::connector::{Answers, Concern};
use crate::access::documents::DocumentKey;
use crate::access::evidence::Witness;
use crate::access::remediation;
use crate::access::writers::Writer;
use crate::config::Connector;
use crate::finding::{Evidence, PolicyLocation};
use crate::rules::{Hit, ScanContext};

/// Most witnesses listed in one finding.
const MAX_WITNESSES: usize = 12;

fn each_connector<'a>(
    cx: &'a ScanContext<'_>,
) -> impl Iterator<Item = (&'a Connector, &'a ConnectorAccess)> {
    cx.config.connectors.iter().zip(&cx.model.connectors)
}

fn hit(
    connector: &Connector,
    resource: &str,
    message: String,
    witness: Option<&Witness>,
    label: &str,
) -> Hit {
    Hit {
        connector: Some(connector.name.clone()),
        resource: resource.to_owned(),
        message,
        evidence: witness.map(|w| w.evidence(label)).unwrap_or_default(),
        location: witness.and_then(Witness::location),
        ..Hit::default()
    }
}

/// The bucket policy fix for a connector's bucket, covering every
/// connector that writes there. Whichever finding offers it, it is the
/// same document: without the statements that refuse a connector's
/// intended writes only through a condition key the action never carries.
fn bucket_fix(cx: &ScanContext<'_>, connector: &Connector) -> String {
    let on_bucket = || each_connector(cx).filter(|(c, _)| c.bucket == connector.bucket);
    let principals: Vec<String> = on_bucket()
        .filter_map(|(_, a)| a.answers.principal_arn.clone())
        .collect();
    let doc = cx
        .model
        .documents
        .get(&DocumentKey::Bucket(connector.bucket.clone()));
    let mut drop: Vec<String> = on_bucket()
        .flat_map(|(_, a)| a.answers.intended.iter().filter_map(|r| r.as_ref().err()))
        .flat_map(|refused| &refused.statements)
        .filter(|s| doc.is_some_and(|d| d.label == s.document))
        .filter(|s| {
            cx.model
                .absent_keys
                .iter()
                .any(|k| k.document == s.document && k.statement == s.statement)
        })
        .map(|s| s.statement.clone())
        .collect();
    drop.sort();
    drop.dedup();
    let existing = doc.and_then(|d| d.policy().map(|p| (p, d.text.as_str())));
    remediation::confined_bucket_policy(
        &connector.bucket,
        &connector.prefix,
        &connector.allowed_actions,
        &principals,
        existing,
        &drop,
    )
}

/// PO401: no allowed write under the prefix is possible.
pub fn cannot_write(cx: &ScanContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, access) in each_connector(cx) {
        let Some(arn) = &access.answers.principal_arn else {
            continue;
        };
        for refused in access
            .answers
            .intended
            .iter()
            .filter_map(|r| r.as_ref().err())
        {
            let mut h = hit(
                connector,
                arn,
                format!(
                    "`{}` cannot {} anywhere under `{}/{}`: every such request is {}",
                    connector.principal,
                    refused.action,
                    connector.bucket,
                    connector.prefix,
                    refused.verdict
                ),
                Some(refused),
                "witness request",
            );
            // Explain a deny whose condition key the action never carries.
            for statement in &refused.statements {
                for absent in cx.model.absent_keys.iter().filter(|k| {
                    k.document == statement.document && k.statement == statement.statement
                }) {
                    h.evidence.push(Evidence::new(
                        "why",
                        format!(
                            "`{} {}`: {} never carries `{}`, so {}",
                            absent.operator,
                            absent.key,
                            refused.action,
                            absent.key,
                            absent.consequence()
                        ),
                    ));
                }
            }
            let bucket_denies = refused
                .statements
                .iter()
                .any(|s| s.document.starts_with("bucket policy"));
            h.remediation = Some(if bucket_denies {
                bucket_fix(cx, connector)
            } else {
                remediation::least_privilege_identity(
                    &connector.bucket,
                    &connector.prefix,
                    &connector.allowed_actions,
                )
            });
            h.identity = vec![refused.action.clone()];
            hits.push(h);
        }
    }
    hits
}

/// PO402: a write outside the prefix is allowed.
pub fn writes_outside_prefix(cx: &ScanContext<'_>) -> Vec<Hit> {
    each_connector(cx)
        .filter_map(|(connector, access)| {
            let witness = access.answers.outside.as_ref()?;
            let arn = access.answers.principal_arn.as_ref()?;
            // A key of the bucket, or a key through one of its access points.
            let (key, path) = match witness
                .resource
                .strip_prefix(&format!("arn:aws:s3:::{}/", connector.bucket))
            {
                Some(key) => (key, String::new()),
                None => match witness.resource.split_once("/object/") {
                    Some((point, key)) => (key, format!(" through access point {point}")),
                    None => (witness.resource.as_str(), String::new()),
                },
            };
            let mut h = hit(
                connector,
                arn,
                format!(
                    "`{}` can write outside `{}`{path}: {} of key `{key}` is allowed",
                    connector.principal, connector.prefix, witness.action
                ),
                Some(witness),
                "witness request",
            );
            h.remediation = Some(bucket_fix(cx, connector));
            Some(h)
        })
        .collect()
}

fn extras_hit(cx: &ScanContext<'_>, concerns: &[Concern], what: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, access) in each_connector(cx) {
        let Answers {
            extras,
            principal_arn: Some(arn),
            ..
        } = &access.answers
        else {
            continue;
        };
        let chosen: Vec<&Witness> = extras
            .iter()
            .filter(|e| concerns.contains(&e.concern))
            .map(|e| &e.witness)
            .collect();
        let Some(first) = chosen.first() else {
            continue;
        };
        let names: Vec<&str> = chosen.iter().map(|w| w.action.as_str()).collect();
        let shown = names
            .iter()
            .take(MAX_WITNESSES)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let more = names.len().saturating_sub(MAX_WITNESSES);
        let suffix = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let mut h = hit(
            connector,
            arn,
            format!("`{}` {what}: {shown}{suffix}", connector.principal),
            None,
            "",
        );
        h.location = first.location();
        for witness in chosen.iter().take(MAX_WITNESSES) {
            h.evidence
                .push(Evidence::new("witness request", witness.request()));
            if let Some(statement) = witness.statements.first() {
                h.evidence
                    .push(Evidence::new("granted by", statement.describe()));
            }
        }
        h.remediation = Some(remediation::least_privilege_identity(
            &connector.bucket,
            &connector.prefix,
            &connector.allowed_actions,
        ));
        hits.push(h);
    }
    hits
}

/// PO403: actions beyond the allowed ones on the bucket and the account.
pub fn extra_actions(cx: &ScanContext<'_>) -> Vec<Hit> {
    extras_hit(
        cx,
        &[Concern::Bucket, Concern::Account],
        "can do more than its allowed actions",
    )
}

/// PO404: actions on other buckets.
pub fn other_buckets(cx: &ScanContext<'_>) -> Vec<Hit> {
    extras_hit(cx, &[Concern::OtherBucket], "reaches other buckets")
}

/// PO405: actions that change permissions.
pub fn changes_permissions(cx: &ScanContext<'_>) -> Vec<Hit> {
    extras_hit(
        cx,
        &[Concern::Permissions],
        "can change permissions (privilege escalation)",
    )
}

/// PO406: actions that mint credentials.
pub fn mints_credentials(cx: &ScanContext<'_>) -> Vec<Hit> {
    extras_hit(cx, &[Concern::Credentials], "can mint or reset credentials")
}

/// PO407: grants that reach every service.
pub fn near_administrator(cx: &ScanContext<'_>) -> Vec<Hit> {
    each_connector(cx)
        .filter_map(|(connector, access)| {
            let witness = access.answers.every_service.as_ref()?;
            let arn = access.answers.principal_arn.as_ref()?;
            Some(hit(
                connector,
                arn,
                format!(
                    "`{}` is close to administrator: its grants reach services beyond S3 ({} on `*` is allowed)",
                    connector.principal, witness.action
                ),
                Some(witness),
                "witness request",
            ))
        })
        .collect()
}

/// PO408: documents that apply to the connector but could not be used.
pub fn incomplete_answer(cx: &ScanContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, access) in each_connector(cx) {
        let Some(arn) = &access.answers.principal_arn else {
            continue;
        };
        for doc in &access.answers.unusable {
            hits.push(Hit {
                connector: Some(connector.name.clone()),
                resource: arn.clone(),
                message: format!(
                    "the answers about `{}` leave out {doc}",
                    connector.principal
                ),
                identity: vec![doc.clone()],
                ..Hit::default()
            });
        }
    }
    hits
}

/// PO440: condition keys the statement's actions never carry.
pub fn absent_condition_key(cx: &ScanContext<'_>) -> Vec<Hit> {
    cx.model
        .absent_keys
        .iter()
        .map(|k| Hit {
            resource: k.owner.clone(),
            message: format!(
                "statement {} of {} tests `{}`, which {} never carries: {}",
                k.statement,
                k.document,
                k.key,
                k.actions.join(", "),
                k.consequence()
            ),
            evidence: vec![Evidence::new(
                "condition",
                format!("{} {}", k.operator, k.key),
            )],
            location: Some(k.location.clone()),
            identity: vec![k.document.clone(), k.statement.clone(), k.key.clone()],
            ..Hit::default()
        })
        .collect()
}

/// PO450: documents that could not be parsed.
pub fn invalid_document(cx: &ScanContext<'_>) -> Vec<Hit> {
    cx.model
        .documents
        .iter()
        .filter_map(|doc| {
            let err = doc.error()?;
            Some(Hit {
                resource: doc.owner.clone(),
                message: format!("{} is invalid and was not evaluated: {err}", doc.label),
                location: Some(PolicyLocation {
                    document: doc.label.clone(),
                    statement: None,
                    line: Some(err.at.line as usize),
                    column: Some(err.at.column as usize),
                }),
                identity: vec![doc.label.clone()],
                ..Hit::default()
            })
        })
        .collect()
}

fn trust_hits(
    cx: &ScanContext<'_>,
    pick: impl Fn(&crate::access::trust::TrustAnswers) -> Option<&Witness>,
    message: impl Fn(&Connector) -> String,
) -> Vec<Hit> {
    each_connector(cx)
        .filter_map(|(connector, access)| {
            let trust = access.trust.as_ref()?;
            let witness = pick(trust)?;
            let oidc = connector.oidc()?;
            let mut h = hit(
                connector,
                &trust.role_arn,
                message(connector),
                Some(witness),
                "witness request",
            );
            let provider = witness
                .context
                .iter()
                .find_map(|c| c.strip_prefix("provider "))
                .unwrap_or(&oidc.issuer)
                .to_owned();
            h.remediation = Some(remediation::pinned_trust(
                &provider,
                &oidc.issuer,
                oidc.subject.as_deref(),
                &oidc.audience,
            ));
            Some(h)
        })
        .collect()
}

/// PO410: a stranger's token with the vendor's audience assumes the role.
pub fn subject_not_pinned(cx: &ScanContext<'_>) -> Vec<Hit> {
    trust_hits(
        cx,
        |t| t.stranger.as_ref(),
        |c| {
            format!(
                "any Google service account can assume `{}`: the trust policy does not pin the token's subject, and anyone can mint a token for the vendor's audience",
                c.principal
            )
        },
    )
}

/// PO411: the vendor's subject with any audience assumes the role.
pub fn audience_not_pinned(cx: &ScanContext<'_>) -> Vec<Hit> {
    trust_hits(
        cx,
        |t| t.any_audience.as_ref(),
        |c| {
            format!(
                "the trust policy of `{}` accepts tokens minted for any audience",
                c.principal
            )
        },
    )
}

/// PO413: the vendor's own token is refused.
pub fn vendor_refused(cx: &ScanContext<'_>) -> Vec<Hit> {
    trust_hits(
        cx,
        |t| t.vendor_refused.as_ref(),
        |c| {
            format!(
                "the trust policy of `{}` refuses the vendor's own token",
                c.principal
            )
        },
    )
}

/// PO412: the trust admits principals other than the expected provider.
pub fn trust_admits_others(cx: &ScanContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, access) in each_connector(cx) {
        let Some(trust) = &access.trust else { continue };
        for (label, witness) in &trust.others {
            let mut h = hit(
                connector,
                &trust.role_arn,
                format!(
                    "the trust policy of `{}` also admits {label}",
                    connector.principal
                ),
                Some(witness),
                "witness request",
            );
            h.identity = vec![label.clone()];
            hits.push(h);
        }
    }
    hits
}

fn writer_hits(
    cx: &ScanContext<'_>,
    keep: impl Fn(&Writer) -> Option<(String, String, Option<&Witness>)>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (bucket, writers) in &cx.model.writers {
        for writer in writers {
            let Some((who, message, witness)) = keep(writer) else {
                continue;
            };
            hits.push(Hit {
                resource: format!("arn:aws:s3:::{bucket}"),
                message: format!("{message} into `{bucket}`"),
                evidence: witness
                    .map(|w| w.evidence("witness request"))
                    .unwrap_or_default(),
                location: witness.and_then(Witness::location),
                identity: vec![who],
                ..Hit::default()
            });
        }
    }
    hits
}

/// PO420: other principals and accounts that can write.
pub fn other_writers(cx: &ScanContext<'_>) -> Vec<Hit> {
    writer_hits(cx, |w| match w {
        Writer::Principal { arn, witness } => Some((
            arn.clone(),
            format!("`{arn}` can also write"),
            Some(witness),
        )),
        Writer::Account { account, witness } => Some((
            account.clone(),
            format!("account `{account}` can write, if its own policies allow it,"),
            Some(witness),
        )),
        Writer::Acl {
            grantee,
            permission,
        } => Some((
            grantee.clone(),
            format!("ACL grantee `{grantee}` ({permission}) can write"),
            None,
        )),
        Writer::Public { .. } => None,
    })
}

/// PO421: anyone can write, and nothing neutralises it.
pub fn public_write(cx: &ScanContext<'_>) -> Vec<Hit> {
    writer_hits(cx, |w| match w {
        Writer::Public {
            witness,
            neutralised: false,
        } => Some((
            "public".to_owned(),
            "anyone, anonymous callers included, can write".to_owned(),
            Some(witness),
        )),
        _ => None,
    })
}

/// PO422: a public write grant that RestrictPublicBuckets neutralises.
pub fn public_write_neutralised(cx: &ScanContext<'_>) -> Vec<Hit> {
    writer_hits(cx, |w| match w {
        Writer::Public {
            witness,
            neutralised: true,
        } => Some((
            "public".to_owned(),
            "the bucket policy grants public writes, neutralised by RestrictPublicBuckets,"
                .to_owned(),
            Some(witness),
        )),
        _ => None,
    })
}

/// PO430: an access point policy confines the connector, but direct
/// requests to the bucket are not confined.
pub fn access_point_not_a_fence(cx: &ScanContext<'_>) -> Vec<Hit> {
    let points = cx
        .inventory
        .access_points
        .value()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut hits = Vec::new();
    for (connector, access) in each_connector(cx) {
        let Some(witness) = &access.answers.outside else {
            continue;
        };
        for point in points
            .iter()
            .filter(|p| p.bucket == connector.bucket && p.policy.is_present())
        {
            let mut h = hit(
                connector,
                &point.arn,
                format!(
                    "access point `{}` has a policy, but it restricts only requests made through it: `{}` still writes directly to `{}`",
                    point.name, connector.principal, connector.bucket
                ),
                Some(witness),
                "direct request",
            );
            h.identity = vec![connector.name.clone()];
            hits.push(h);
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessModel;
    use crate::config::Config;
    use crate::inventory::{Bucket, Fact, InlinePolicy, Inventory, PolicyText, Role, User};

    const NOW: &str = "2026-12-01T00:00:00Z";
    const WRITE_ANYWHERE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*"}]}"#;
    const GUIDE_BUCKET_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "AllowPrefixedWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*"},
  {"Sid": "DenyNonPrefixedWrites", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringNotLikeIfExists": {"s3:prefix": ["uploads/*"]}}}
]}"#;
    const CONFIG: &str = r#"
[[connector]]
name = "static"
mode = "static"
principal = "videsk-connector"
bucket = "rec-bucket"
prefix = "uploads/"

[[connector]]
name = "oidc"
mode = "oidc"
principal = "videsk-connector-oidc"
bucket = "rec-bucket"
prefix = "uploads/"
[connector.oidc]
audience = "aud"
"#;

    fn inline(text: &str) -> Vec<InlinePolicy> {
        vec![InlinePolicy {
            name: "write".into(),
            document: PolicyText::new(text),
        }]
    }

    /// The guide's account: both connectors may write anywhere in the
    /// bucket, and the guide's bucket policy blocks the user entirely.
    fn guide_account() -> Inventory {
        let mut inv = Inventory::new("111122223333", "snapshot", NOW);
        inv.users.push(User {
            arn: "arn:aws:iam::111122223333:user/videsk-connector".into(),
            name: "videsk-connector".into(),
            id: "AIDAEXAMPLEUSER00001".into(),
            path: "/".into(),
            create_date: NOW.into(),
            inline_policies: inline(WRITE_ANYWHERE),
            attached_policies: vec![],
            groups: vec![],
            permissions_boundary: None,
            access_keys: Fact::Present(vec![]),
            console_password: Fact::Present(false),
            mfa_devices: Fact::Present(vec![]),
        });
        inv.roles.push(Role {
            arn: "arn:aws:iam::111122223333:role/videsk-connector-oidc".into(),
            name: "videsk-connector-oidc".into(),
            id: "AROAEXAMPLEROLE00001".into(),
            path: "/".into(),
            create_date: NOW.into(),
            trust_policy: PolicyText::new(r#"{"Version": "2012-10-17", "Statement": []}"#),
            inline_policies: inline(WRITE_ANYWHERE),
            attached_policies: vec![],
            permissions_boundary: None,
            max_session_duration: None,
            last_used: None,
        });
        inv.buckets = Fact::Present(vec![Bucket {
            name: "rec-bucket".into(),
            region: Fact::Present("us-west-1".into()),
            policy: Fact::Present(PolicyText::new(GUIDE_BUCKET_POLICY)),
            public_access_block: Fact::Absent,
            ownership: Fact::Present("BucketOwnerEnforced".into()),
            encryption: Fact::Absent,
            versioning: Fact::Absent,
            acl: Fact::Absent,
        }]);
        inv
    }

    #[test]
    fn every_bucket_fix_drops_the_deny_that_blocks_a_connector() {
        let inventory = guide_account();
        let config = Config::parse(CONFIG, std::path::Path::new("putonly.toml")).unwrap();
        let model = AccessModel::build(&inventory, &config, NOW);
        let cx = ScanContext {
            inventory: &inventory,
            config: &config,
            model: &model,
            now: crate::rules::checks::parse_time(NOW).unwrap(),
        };
        let blocked = cannot_write(&cx);
        let outside = writes_outside_prefix(&cx);
        assert_eq!(blocked.len(), 1, "{blocked:?}");
        assert_eq!(outside.len(), 1, "{outside:?}");
        assert_eq!(outside[0].connector.as_deref(), Some("oidc"));

        // The role's fix must not keep the Deny that blocks the user.
        let fix = blocked[0].remediation.clone().unwrap();
        assert_eq!(outside[0].remediation.as_deref(), Some(fix.as_str()));
        assert!(!fix.contains("DenyNonPrefixedWrites"), "{fix}");
        assert!(fix.contains("AllowPrefixedWrites"), "{fix}");
    }
}
