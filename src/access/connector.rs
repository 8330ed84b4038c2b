//! The questions putonly answers for each connector: can it write where it
//! should, can it write anywhere else, and what else can it do.

use super::documents::{DocumentKey, Documents};
use super::evidence::Witness;
use super::lang::{Pattern, Search};
use super::probe::{Probe, Through, Want};
use super::subject::Subject;
use crate::config::Connector;
use crate::inventory::{Fact, Inventory};
use crate::policy::catalog::{AccessLevel, Action, Catalog};
use crate::policy::{Context, Effect};

/// Actions that mint or reset long-term credentials.
const CREDENTIAL_ACTIONS: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
    "iam:EnableMFADevice",
];

/// Actions of services outside the catalog, to tell whether a grant
/// reaches every service (`NotAction`, `*`).
const OTHER_SERVICE_ACTIONS: &[&str] =
    &["ec2:RunInstances", "kms:Decrypt", "lambda:CreateFunction"];

/// Why an extra action matters most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Concern {
    /// On the connector's bucket or its objects.
    Bucket,
    /// On another bucket.
    OtherBucket,
    /// Changes who can do what (policies, ACLs, public access settings).
    Permissions,
    /// Mints or resets credentials.
    Credentials,
    /// Anything else in IAM or STS.
    Account,
}

/// An action the connector can take beyond its allowed ones.
#[derive(Debug, Clone)]
pub struct Extra {
    pub concern: Concern,
    pub witness: Witness,
}

/// Everything putonly concluded about one connector's own permissions.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// The principal's ARN, when it exists.
    pub principal_arn: Option<String>,
    /// Documents that apply but could not be used.
    pub unusable: Vec<String>,
    /// For each allowed object action: `Ok(witness of an allowed write
    /// under the prefix)` or `Err(witness of the refusal)`.
    pub intended: Vec<Result<Witness, Witness>>,
    /// A write outside the prefix the connector can make.
    pub outside: Option<Witness>,
    pub extras: Vec<Extra>,
    /// A request to another service that is allowed: the grant reaches
    /// services putonly does not model, e.g. through `NotAction`.
    pub every_service: Option<Witness>,
}

/// The ARN prefix of the bucket's objects.
pub fn objects_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}/")
}

/// Answers the questions for one connector.
pub fn answer(inv: &Inventory, docs: &Documents, connector: &Connector, now: &str) -> Answers {
    let subject = if connector.is_static() {
        Subject::user(inv, docs, &connector.principal)
    } else {
        Subject::role(inv, docs, &connector.principal)
    };
    let Some(subject) = subject else {
        return Answers::default();
    };
    let bucket_doc = docs.get(&DocumentKey::Bucket(connector.bucket.clone()));
    let probe = Probe::new(
        subject.policy_set(bucket_doc),
        subject.request_principal(),
        request_context(&subject, inv, &connector.bucket, now),
        &inv.account_id,
    );
    let objects = objects_arn(&connector.bucket);
    let intended_glob = format!("{objects}{}*", connector.prefix);
    let intended_region = [Pattern::glob(&intended_glob)];
    let mut answers = Answers {
        principal_arn: Some(subject.arn.clone()),
        unusable: subject.unusable.clone(),
        ..Answers::default()
    };
    // Writes to the bucket depend on its policy: when that was not
    // collected, they are not answered (an absent policy would be read as
    // "no policy" and a Deny missed), and the answers say what they lack.
    let unknown_policy = unknown_bucket_policy(inv, &connector.bucket);
    if let Some(reason) = &unknown_policy {
        answers.unusable.push(format!(
            "bucket policy of `{}` (not collected: {reason})",
            connector.bucket
        ));
    }
    let policy_known = unknown_policy.is_none();
    let allowed_actions: &[String] = if policy_known {
        &connector.allowed_actions
    } else {
        &[]
    };

    let catalog = Catalog::get().ok();
    for action in object_actions(catalog, allowed_actions, &objects) {
        let sample = format!("{objects}{}putonly-check.bin", connector.prefix);
        let found = probe.find(
            action,
            &intended_region,
            &[],
            Want::Allowed,
            std::slice::from_ref(&sample),
        );
        answers.intended.push(match found {
            Search::Witness(resource) => Ok(probe.witness(action, &resource, Want::Allowed)),
            Search::Empty | Search::Undecided => Err(probe.witness(action, &sample, Want::Allowed)),
        });
        if answers.outside.is_none() && !connector.prefix.is_empty() {
            let domain = [Pattern::glob(&format!("{objects}*"))];
            let candidates = [format!("{objects}other/x"), format!("{objects}x")];
            match probe.find(
                action,
                &domain,
                &intended_region,
                Want::Allowed,
                &candidates,
            ) {
                Search::Witness(resource) => {
                    answers.outside = Some(probe.witness(action, &resource, Want::Allowed));
                }
                Search::Undecided => {
                    answers
                        .unusable
                        .push(undecided_outside(action, &connector.prefix, ""))
                }
                Search::Empty => {}
            }
        }
    }

    // The same writes through the bucket's access points: a bucket policy
    // that confines the connector confines it there too, an access point
    // policy confines only its own path.
    let (paths, unusable) = access_point_paths(inv, docs, &connector.bucket);
    answers.unusable.extend(unusable);
    if policy_known && answers.outside.is_none() && !connector.prefix.is_empty() {
        'paths: for path in paths {
            let point = path.object_prefix();
            let probe = Probe::through(
                subject.policy_set(None),
                subject.request_principal(),
                request_context(&subject, inv, &connector.bucket, now),
                path,
            );
            let domain = [Pattern::glob(&format!("{point}*"))];
            let inside = [Pattern::glob(&format!("{point}{}*", connector.prefix))];
            let candidates = [format!("{point}other/x"), format!("{point}x")];
            for action in object_actions(catalog, allowed_actions, &objects) {
                match probe.find(action, &domain, &inside, Want::Allowed, &candidates) {
                    Search::Witness(resource) => {
                        answers.outside = Some(probe.witness(action, &resource, Want::Allowed));
                        break 'paths;
                    }
                    Search::Undecided => answers.unusable.push(undecided_outside(
                        action,
                        &connector.prefix,
                        &format!(" through {point}"),
                    )),
                    Search::Empty => {}
                }
            }
        }
    }

    if let Some(catalog) = catalog {
        answers.extras = extras(inv, catalog, &probe, connector, &subject);
        let found: Vec<String> = answers
            .extras
            .iter()
            .map(|e| e.witness.action.clone())
            .collect();
        answers.extras.extend(extras_through_points(
            inv, docs, catalog, connector, &subject, now, &found,
        ));
        if !policy_known {
            answers
                .extras
                .retain(|extra| extra.concern != Concern::Bucket);
        }
    }
    for action in OTHER_SERVICE_ACTIONS {
        if probe.satisfying(action, "*", Want::Allowed).is_some() {
            answers.every_service = Some(probe.witness(action, "*", Want::Allowed));
            break;
        }
    }
    answers
}

/// The plain request of `subject` to `bucket`: its identity keys, and the
/// bucket's region as the endpoint's (`aws:RequestedRegion`), when known.
pub fn request_context(subject: &Subject<'_>, inv: &Inventory, bucket: &str, now: &str) -> Context {
    let mut context = subject.base_context(now);
    if let Some(region) = inv.bucket(bucket).and_then(|b| b.region.value()) {
        context.insert("aws:RequestedRegion", region.as_str());
    }
    context
}

/// What the answers leave out when the search for a write outside the
/// prefix could not decide every class of keys or requests.
fn undecided_outside(action: &str, prefix: &str, path: &str) -> String {
    format!(
        "whether {action} outside `{prefix}`{path} is possible (the search was cut before deciding every request)"
    )
}

/// The allowed actions that act on objects.
fn object_actions<'a>(
    catalog: Option<&Catalog>,
    allowed: &'a [String],
    objects: &str,
) -> Vec<&'a str> {
    let object = format!("{objects}k");
    allowed
        .iter()
        .filter(|action| {
            catalog
                .and_then(|c| c.action(action))
                .is_some_and(|a| a.applies_to_resource(&object))
        })
        .map(String::as_str)
        .collect()
}

/// Why the policy of `bucket` is not known, when it is not: the buckets
/// could not be listed, or its policy could not be read.
pub fn unknown_bucket_policy(inv: &Inventory, bucket: &str) -> Option<String> {
    match &inv.buckets {
        Fact::Unknown(reason) => Some(reason.clone()),
        Fact::Present(buckets) => buckets
            .iter()
            .find(|b| b.name == bucket)?
            .policy
            .unknown_reason()
            .map(str::to_owned),
        Fact::Absent => None,
    }
}

/// The access points of `bucket` as request paths, each with its policy and
/// the bucket's; and what could not be used: an access point whose policy
/// was not collected, or is invalid, is no known path.
pub fn access_point_paths<'d>(
    inv: &'d Inventory,
    docs: &'d Documents,
    bucket: &str,
) -> (Vec<Through<'d>>, Vec<String>) {
    let labelled = |doc: Option<&'d super::documents::Document>| {
        doc.and_then(|d| {
            d.policy()
                .map(|p| crate::policy::LabelledPolicy::new(d.label.as_str(), p))
        })
    };
    let bucket_doc = docs.get(&DocumentKey::Bucket(bucket.to_owned()));
    let mut paths = Vec::new();
    let mut unusable = Vec::new();
    for point in inv.access_points.value().into_iter().flatten() {
        if point.bucket != bucket {
            continue;
        }
        if let Some(reason) = point.policy.unknown_reason() {
            unusable.push(format!(
                "policy of access point {} (not collected: {reason})",
                point.arn
            ));
            continue;
        }
        let point_doc = docs.get(&DocumentKey::AccessPoint(point.arn.clone()));
        if point_doc.is_some_and(|d| d.policy().is_none()) {
            unusable.push(format!("policy of access point {} (invalid)", point.arn));
            continue;
        }
        let account = point
            .arn
            .split(':')
            .nth(4)
            .unwrap_or(inv.account_id.as_str());
        paths.push(Through {
            point_arn: point.arn.clone(),
            bucket: bucket.to_owned(),
            account: account.to_owned(),
            network_origin: point.network_origin.clone(),
            point_policy: labelled(point_doc),
            bucket_policy: labelled(bucket_doc),
        });
    }
    (paths, unusable)
}

/// Every catalog action the connector can take beyond its allowed ones.
fn extras(
    inv: &Inventory,
    catalog: &Catalog,
    probe: &Probe<'_>,
    connector: &Connector,
    subject: &Subject<'_>,
) -> Vec<Extra> {
    let objects = objects_arn(&connector.bucket);
    let bucket_arn = format!("arn:aws:s3:::{}", connector.bucket);
    // Allowed actions on the bucket's own objects are PO401/PO402's business.
    let own_objects = Pattern::glob(&format!("{objects}*"));
    let mut candidates = vec![
        bucket_arn.clone(),
        format!("{objects}other/x"),
        format!("{objects}{}x", connector.prefix),
        subject.arn.clone(),
    ];
    for bucket in inv.buckets.value().into_iter().flatten() {
        if bucket.name != connector.bucket {
            candidates.push(format!("arn:aws:s3:::{}", bucket.name));
            candidates.push(format!("arn:aws:s3:::{}/x", bucket.name));
        }
    }
    let mut out = Vec::new();
    for action in catalog.actions() {
        let name = action.full_name();
        if !may_be_allowed(probe, name) {
            continue;
        }
        let allowed = connector
            .allowed_actions
            .iter()
            .any(|a| a.eq_ignore_ascii_case(name));
        let excluded: Vec<Pattern> = if allowed {
            vec![own_objects.clone()]
        } else {
            Vec::new()
        };
        let Some(resource) = find_resource(
            catalog,
            action,
            probe,
            &inv.account_id,
            &excluded,
            &candidates,
        ) else {
            continue;
        };
        let concern = concern_of(action, &resource, &bucket_arn, &objects);
        // An S3 action found on the connector's own bucket may also reach
        // other buckets: ask again with the own bucket left out.
        if concern == Concern::Bucket && action.service == "s3" && resource != "*" {
            let mut elsewhere = excluded.clone();
            elsewhere.push(Pattern::literal(&bucket_arn));
            elsewhere.push(own_objects.clone());
            let other = find_resource(
                catalog,
                action,
                probe,
                &inv.account_id,
                &elsewhere,
                &candidates,
            );
            if let Some(other) = other
                .filter(|r| concern_of(action, r, &bucket_arn, &objects) == Concern::OtherBucket)
            {
                out.push(Extra {
                    concern: Concern::OtherBucket,
                    witness: probe.witness(name, &other, Want::Allowed),
                });
            }
        }
        out.push(Extra {
            concern,
            witness: probe.witness(name, &resource, Want::Allowed),
        });
    }
    // The most consequential actions first: they are the ones a reader
    // sees before a list is cut.
    out.sort_by_key(|e| {
        let level = catalog.action(&e.witness.action).map_or(9, rank);
        (level, e.witness.action.clone())
    });
    out
}

/// Actions the connector can take through the account's access points
/// that it cannot take directly (`found` lists those), on the access point
/// itself or on objects through it. The connector's own allowed actions
/// through its bucket's access points are the prefix questions' business.
fn extras_through_points(
    inv: &Inventory,
    docs: &Documents,
    catalog: &Catalog,
    connector: &Connector,
    subject: &Subject<'_>,
    now: &str,
    found: &[String],
) -> Vec<Extra> {
    let mut buckets: Vec<&str> = inv
        .access_points
        .value()
        .into_iter()
        .flatten()
        .map(|p| p.bucket.as_str())
        .collect();
    buckets.sort_unstable();
    buckets.dedup();
    let mut out: Vec<Extra> = Vec::new();
    for bucket in buckets {
        let own = bucket == connector.bucket;
        for path in access_point_paths(inv, docs, bucket).0 {
            let point = path.point_arn.clone();
            let objects = path.object_prefix();
            let probe = Probe::through(
                subject.policy_set(None),
                subject.request_principal(),
                request_context(subject, inv, bucket, now),
                path,
            );
            for action in catalog.actions() {
                let name = action.full_name();
                let done = found
                    .iter()
                    .chain(out.iter().map(|e| &e.witness.action))
                    .any(|a| a.eq_ignore_ascii_case(name));
                let allowed = connector
                    .allowed_actions
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(name));
                if done || (own && allowed) || !may_be_allowed(&probe, name) {
                    continue;
                }
                let types: Vec<&str> = catalog
                    .resource_types_of(action)
                    .map(|t| t.name.as_str())
                    .collect();
                let on_objects = types.contains(&"accesspointobject");
                let on_point = types.contains(&"accesspoint");
                let resource = if on_objects {
                    let domain = [Pattern::glob(&format!("{objects}*"))];
                    match probe.find(name, &domain, &[], Want::Allowed, &[format!("{objects}x")]) {
                        Search::Witness(resource) => Some(resource),
                        Search::Empty | Search::Undecided => None,
                    }
                } else {
                    None
                };
                let resource = resource.or_else(|| {
                    (on_point && probe.satisfying(name, &point, Want::Allowed).is_some())
                        .then(|| point.clone())
                });
                let Some(resource) = resource else {
                    continue;
                };
                // Through an access point the resource is always a bucket's.
                let concern = match concern_of(action, &resource, &point, &objects) {
                    Concern::Bucket if !own => Concern::OtherBucket,
                    other => other,
                };
                out.push(Extra {
                    concern,
                    witness: probe.witness(name, &resource, Want::Allowed),
                });
            }
        }
    }
    out
}

/// Orders access levels by consequence: permissions, write, read, tagging,
/// list.
fn rank(action: &Action) -> u8 {
    [
        AccessLevel::PermissionsManagement,
        AccessLevel::Write,
        AccessLevel::Read,
        AccessLevel::Tagging,
        AccessLevel::List,
    ]
    .iter()
    .position(|level| action.has_access_level(*level))
    .and_then(|p| u8::try_from(p).ok())
    .unwrap_or(9)
}

/// Whether any Allow statement of the probe's policies names the action:
/// a cheap filter before the exact search.
fn may_be_allowed(probe: &Probe<'_>, action: &str) -> bool {
    let lower = action.to_lowercase();
    let set = &probe.set;
    set.identity
        .iter()
        .chain(set.resource.iter())
        .flat_map(|p| &p.policy.statements)
        .any(|s| s.effect.value == Effect::Allow && s.action.covers(&lower))
}

/// An allowed resource for the action, over every resource type it has.
fn find_resource(
    catalog: &Catalog,
    action: &Action,
    probe: &Probe<'_>,
    account: &str,
    excluded: &[Pattern],
    candidates: &[String],
) -> Option<String> {
    let name = action.full_name();
    if action.is_wildcard_only() {
        return probe
            .satisfying(name, "*", Want::Allowed)
            .map(|_| "*".to_owned());
    }
    for resource_type in catalog.resource_types_of(action) {
        // Access point resources are judged with the access point's
        // policy: `extras_through_points` asks about them.
        if resource_type.name.starts_with("accesspoint") {
            continue;
        }
        for format in &resource_type.arn_formats {
            let values = [("Partition", "aws"), ("Account", account)];
            let domain = [Pattern::resource_format(format, &values)];
            if let Search::Witness(resource) =
                probe.find(name, &domain, excluded, Want::Allowed, candidates)
            {
                return Some(resource);
            }
        }
    }
    None
}

fn concern_of(action: &Action, resource: &str, bucket_arn: &str, objects: &str) -> Concern {
    let name = action.full_name();
    if CREDENTIAL_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
    {
        return Concern::Credentials;
    }
    if action.has_access_level(AccessLevel::PermissionsManagement) {
        return Concern::Permissions;
    }
    if action.service == "s3" {
        let own = resource == bucket_arn || resource.starts_with(objects) || resource == "*";
        if own {
            return Concern::Bucket;
        }
        // Jobs, Storage Lens, Multi-Region Access Points and the like are
        // S3 resources of the account, not buckets.
        if resource.starts_with("arn:aws:s3:::") {
            return Concern::OtherBucket;
        }
    }
    Concern::Account
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_buckets_and_objects_are_other_buckets() {
        let catalog = Catalog::get().unwrap();
        let concern = |action: &str, resource: &str| {
            let action = catalog.action(action).unwrap();
            concern_of(
                action,
                resource,
                "arn:aws:s3:::rec-bucket",
                "arn:aws:s3:::rec-bucket/",
            )
        };
        assert_eq!(
            concern("s3:PutObject", "arn:aws:s3:::rec-bucket/other/x"),
            Concern::Bucket
        );
        assert_eq!(
            concern("s3:PutObject", "arn:aws:s3:::rec-bucket-backups/x"),
            Concern::OtherBucket
        );
        assert_eq!(
            concern("s3:ListBucket", "arn:aws:s3:::rec-bucket-backups"),
            Concern::OtherBucket
        );
        assert_eq!(
            concern("s3:DescribeJob", "arn:aws:s3:x:111122223333:job/x"),
            Concern::Account
        );
        assert_eq!(
            concern(
                "s3:CreateMultiRegionAccessPoint",
                "arn:aws:s3::111122223333:accesspoint/x"
            ),
            Concern::Account
        );
    }
}
