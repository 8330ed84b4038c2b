//! Who else can write into a connector's bucket: every principal of the
//! account, the public, other accounts named in the bucket policy, and ACL
//! grantees where ACLs still count.

use super::documents::{DocumentKey, Documents};
use super::evidence::Witness;
use std::collections::HashMap;

use super::lang::{Lang, Pattern, Search};
use super::probe::{Probe, Want};
use super::subject::Subject;
use crate::inventory::Inventory;
use crate::policy::{
    Context, Effect, LabelledPolicy, PolicySet, PrincipalTarget, RequestPrincipal, Statement,
};

/// One other writer.
#[derive(Debug, Clone)]
pub enum Writer {
    /// A user or role of the account.
    Principal { arn: String, witness: Witness },
    /// Anyone, anonymous callers included, through the bucket policy.
    /// `neutralised` when RestrictPublicBuckets is in force.
    Public { witness: Witness, neutralised: bool },
    /// Another account named in the bucket policy (its own identity
    /// policies, which putonly cannot see, must allow it too).
    Account { account: String, witness: Witness },
    /// A grantee of a WRITE or FULL_CONTROL ACL grant.
    Acl { grantee: String, permission: String },
}

const WRITE: &str = "s3:PutObject";

/// Everyone but `except` (the connectors' principals) who can put objects
/// into `bucket`.
pub fn writers(
    inv: &Inventory,
    docs: &Documents,
    bucket: &str,
    now: &str,
    except: &[String],
) -> Vec<Writer> {
    // Who can write depends on the bucket policy: unknown, it is not
    // answered (PO002 says why).
    if super::connector::unknown_bucket_policy(inv, bucket).is_some() {
        return Vec::new();
    }
    let objects = format!("arn:aws:s3:::{bucket}/");
    let domain = [Pattern::glob(&format!("{objects}*"))];
    let candidates = [format!("{objects}x"), format!("{objects}public/x")];
    let bucket_doc = docs.get(&DocumentKey::Bucket(bucket.to_owned()));
    let mut out = Vec::new();

    let users = inv.users.iter().map(|u| Subject::of_user(inv, docs, u));
    let roles = inv.roles.iter().map(|r| Subject::of_role(inv, docs, r));
    // Requests through the bucket's access points are judged by the access
    // point's policy and the bucket's: one more path for every caller.
    let (paths, _) = super::connector::access_point_paths(inv, docs, bucket);
    let through_point = |path: &super::probe::Through<'_>| {
        let point = path.object_prefix();
        (
            [Pattern::glob(&format!("{point}*"))],
            [format!("{point}x"), format!("{point}public/x")],
        )
    };
    let point_regions: Vec<_> = paths.iter().map(through_point).collect();
    // Whether a Resource pattern meets the bucket's objects, and each
    // access point's: one memo per domain.
    let mut direct_meets = HashMap::new();
    let mut point_meets = vec![HashMap::new(); paths.len()];
    let write_lower = WRITE.to_lowercase();
    for subject in users.chain(roles) {
        if except.contains(&subject.arn) {
            continue;
        }
        let principal = subject.request_principal();
        let direct = subject.policy_set(bucket_doc);
        let mut witness = None;
        // The pre-filter runs before a probe is built: most principals of
        // a large account stop there.
        if may_write(
            allow_statements(&direct.identity, direct.resource),
            &principal,
            direct.boundary.is_some(),
            &write_lower,
            &domain[0],
            &mut direct_meets,
        ) {
            let probe = Probe::new(
                direct,
                principal.clone(),
                super::connector::request_context(&subject, inv, bucket, now),
                &inv.account_id,
            );
            if let Search::Witness(resource) =
                probe.find(WRITE, &domain, &[], Want::Allowed, &candidates)
            {
                witness = Some(probe.witness(WRITE, &resource, Want::Allowed));
            }
        }
        for ((path, (point_domain, point_candidates)), meets) in
            paths.iter().zip(&point_regions).zip(&mut point_meets)
        {
            if witness.is_some() {
                break;
            }
            let set = subject.policy_set(None);
            if !may_write(
                allow_statements(&set.identity, path.point_policy),
                &principal,
                set.boundary.is_some(),
                &write_lower,
                &point_domain[0],
                meets,
            ) {
                continue;
            }
            let probe = Probe::through(
                set,
                principal.clone(),
                super::connector::request_context(&subject, inv, bucket, now),
                path.clone(),
            );
            if let Search::Witness(resource) =
                probe.find(WRITE, point_domain, &[], Want::Allowed, point_candidates)
            {
                witness = Some(probe.witness(WRITE, &resource, Want::Allowed));
            }
        }
        if let Some(witness) = witness {
            out.push(Writer::Principal {
                arn: subject.arn.clone(),
                witness,
            });
        }
    }

    if let Some(policy) = bucket_doc.and_then(|d| d.policy()) {
        let label = bucket_doc.map(|d| d.label.as_str()).unwrap_or_default();
        let resource_only = || PolicySet {
            resource: Some(LabelledPolicy::new(label, policy)),
            ..PolicySet::default()
        };
        let context = anonymous_context(inv, bucket);
        let public = Probe::new(
            resource_only(),
            RequestPrincipal::anonymous(),
            context.clone(),
            &inv.account_id,
        );
        if let Search::Witness(resource) =
            public.find(WRITE, &domain, &[], Want::Allowed, &candidates)
        {
            let witness = public.witness(WRITE, &resource, Want::Allowed);
            out.push(Writer::Public {
                witness,
                neutralised: restricts_public(inv, bucket),
            });
        }
        for account in named_accounts(policy, &inv.account_id) {
            let caller = RequestPrincipal::root(&account);
            let probe = Probe::new(resource_only(), caller, context.clone(), &inv.account_id);
            if let Search::Witness(resource) =
                probe.find(WRITE, &domain, &[], Want::Allowed, &candidates)
            {
                let witness = probe.witness(WRITE, &resource, Want::Allowed);
                out.push(Writer::Account { account, witness });
            }
        }
    }

    // Anyone, through an access point whose policy and the bucket's both
    // let anonymous callers in.
    let anonymous_context = anonymous_context(inv, bucket);
    let public_direct = out.iter().any(|w| matches!(w, Writer::Public { .. }));
    for path in paths.iter().filter(|_| !public_direct) {
        let (point_domain, point_candidates) = through_point(path);
        let public = Probe::through(
            PolicySet::default(),
            RequestPrincipal::anonymous(),
            anonymous_context.clone(),
            path.clone(),
        );
        if let Search::Witness(resource) =
            public.find(WRITE, &point_domain, &[], Want::Allowed, &point_candidates)
        {
            let mut witness = public.witness(WRITE, &resource, Want::Allowed);
            if path.network_origin.eq_ignore_ascii_case("VPC") {
                // S3 refuses requests to a VPC access point from outside
                // its VPC: "anyone" is anyone inside that network.
                witness
                    .context
                    .push("from inside the access point's VPC (network origin VPC)".to_owned());
            }
            out.push(Writer::Public {
                witness,
                neutralised: restricts_public(inv, bucket)
                    || point_restricts_public(inv, &path.point_arn),
            });
        }
    }

    // Other accounts an access point policy names, when the bucket lets
    // them through too.
    for path in &paths {
        let Some(point_policy) = path.point_policy else {
            continue;
        };
        let (point_domain, point_candidates) = through_point(path);
        for account in named_accounts(point_policy.policy, &inv.account_id) {
            let listed = out
                .iter()
                .any(|w| matches!(w, Writer::Account { account: a, .. } if *a == account));
            if listed {
                continue;
            }
            let probe = Probe::through(
                PolicySet::default(),
                RequestPrincipal::root(&account),
                anonymous_context.clone(),
                path.clone(),
            );
            if let Search::Witness(resource) =
                probe.find(WRITE, &point_domain, &[], Want::Allowed, &point_candidates)
            {
                let witness = probe.witness(WRITE, &resource, Want::Allowed);
                out.push(Writer::Account { account, witness });
            }
        }
    }

    out.extend(acl_writers(inv, bucket));
    out
}

/// The plain request of a caller outside the account: HTTPS, made directly,
/// to the bucket's region.
fn anonymous_context(inv: &Inventory, bucket: &str) -> Context {
    let mut context = Context::new()
        .with("aws:SecureTransport", "true")
        .with("aws:ViaAWSService", "false");
    if let Some(region) = inv.bucket(bucket).and_then(|b| b.region.value()) {
        context.insert("aws:RequestedRegion", region.as_str());
    }
    context
}

/// The Allow statements that can grant a request: the identity policies'
/// and the resource policy's (for a request through an access point, the
/// access point's, which must allow it first).
fn allow_statements<'p>(
    identity: &[LabelledPolicy<'p>],
    resource: Option<LabelledPolicy<'p>>,
) -> impl Iterator<Item = &'p Statement> {
    identity
        .iter()
        .copied()
        .chain(resource)
        .flat_map(|labelled| labelled.policy.statements.iter())
        .filter(|s| s.effect.value == Effect::Allow)
}

/// Whether some Allow of `allows` covers `action_lower` on a resource of
/// `domain` for `principal`: a cheap, cautious filter before the exact
/// search (a Resource with a variable or a `NotResource` always passes). A
/// statement whose `Principal` (or `NotPrincipal`) does not take the caller
/// never matches its requests, whatever their resource and context: the
/// engine's own principal test decides it, with the caller's boundary as
/// the engine sees it. Most principals of a large account grant nothing in
/// the bucket, and are not named in its policy: this spares each of them a
/// search over the bucket's key space. `meets` remembers, for the domain,
/// whether each Resource pattern meets it.
fn may_write<'p>(
    mut allows: impl Iterator<Item = &'p Statement>,
    principal: &RequestPrincipal,
    boundary_attached: bool,
    action_lower: &str,
    domain: &Pattern,
    meets: &mut HashMap<String, bool>,
) -> bool {
    allows.any(|s| {
        if !s.action.covers(action_lower) {
            return false;
        }
        let takes_caller = s
            .principal
            .as_ref()
            .is_none_or(|block| block.applies_to(principal, boundary_attached).is_some());
        if !takes_caller {
            return false;
        }
        match &s.resource {
            None => true,
            Some(block) if block.negated => true,
            Some(block) => block.patterns.iter().any(|p| {
                if p.raw.contains("${") {
                    return true;
                }
                if let Some(&known) = meets.get(p.raw.as_str()) {
                    return known;
                }
                let pattern = Pattern::arn(&p.raw);
                let met = !domain.starts_apart(&pattern)
                    && !Lang::intersection(vec![
                        Lang::Pattern(domain.clone()),
                        Lang::Pattern(pattern),
                    ])
                    .is_empty();
                meets.insert(p.raw.clone(), met);
                met
            }),
        }
    })
}

/// Accounts other than ours that Allow statements of the policy name.
fn named_accounts(policy: &crate::policy::Policy, own: &str) -> Vec<String> {
    let mut accounts: Vec<String> = policy
        .statements
        .iter()
        .flat_map(|s| s.principal.iter().flat_map(|b| &b.entries))
        .filter_map(|e| match &e.target {
            PrincipalTarget::Account(a) => Some(a.clone()),
            PrincipalTarget::User(arn) | PrincipalTarget::Role(arn) => {
                arn.split(':').nth(4).map(str::to_owned)
            }
            _ => None,
        })
        .filter(|a| a != own)
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

/// Whether RestrictPublicBuckets is on at account or bucket level.
fn restricts_public(inv: &Inventory, bucket: &str) -> bool {
    let account = inv
        .account_public_access_block
        .value()
        .is_some_and(|b| b.restrict_public_buckets);
    let own = inv
        .bucket(bucket)
        .and_then(|b| b.public_access_block.value())
        .is_some_and(|b| b.restrict_public_buckets);
    account || own
}

/// Whether the access point's own Block Public Access restricts public
/// access through it.
fn point_restricts_public(inv: &Inventory, point_arn: &str) -> bool {
    inv.access_points
        .value()
        .into_iter()
        .flatten()
        .filter(|p| p.arn == point_arn)
        .any(|p| {
            p.public_access_block
                .value()
                .is_some_and(|b| b.restrict_public_buckets)
        })
}

/// WRITE and FULL_CONTROL grantees other than the owner, when Object
/// Ownership still lets ACLs grant access.
fn acl_writers(inv: &Inventory, bucket: &str) -> Vec<Writer> {
    let Some(bucket) = inv.bucket(bucket) else {
        return Vec::new();
    };
    if bucket.acls_disabled() {
        return Vec::new();
    }
    let grants = bucket.acl.value().into_iter().flatten();
    let writes = grants.filter(|g| g.permission == "WRITE" || g.permission == "FULL_CONTROL");
    // The owner's own FULL_CONTROL grant is a canonical user; others are
    // groups (AllUsers, AuthenticatedUsers) or other canonical users.
    writes
        .filter(|g| g.grantee_type == "Group" || g.permission == "WRITE")
        .map(|g| Writer::Acl {
            grantee: g.grantee.clone(),
            permission: g.permission.clone(),
        })
        .collect()
}
