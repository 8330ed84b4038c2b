//! Questions over a whole resource space, answered exactly.
//!
//! A [`Probe`] fixes everything about a request but its resource: the
//! caller, the action, the context and the policies. The policies' Resource
//! patterns split the resource space into classes whose members every
//! statement treats alike, so the policy engine's verdict on one member is
//! its verdict on the class. A breadth-first search over the product of
//! those patterns' automata (see [`lang::search`]) visits every class, asks
//! the engine about one shortest member of each, and so finds an allowed (or
//! denied) resource in any region of the space, or proves there is none.

use std::cell::Cell;
use std::collections::HashMap;

use super::evidence::Witness;
use super::lang::{self, Pattern, Search};
use super::request_keys::{self, MAX_VARIANTS};
use crate::policy::catalog::Catalog;
use crate::policy::{
    Context, ContextValue, Decision, DenyCause, LabelledPolicy, PolicySet, Request,
    RequestPrincipal, Verdict, authorize,
};

/// A request with its resource left open.
pub struct Probe<'p> {
    pub set: PolicySet<'p>,
    pub principal: RequestPrincipal,
    pub context: Context,
    /// The account that owns the resources asked about.
    pub resource_account: String,
    /// The Resource patterns of every statement, variables substituted,
    /// with the name space each is written in.
    patterns: Vec<(Pattern, Space)>,
    catalog: Option<&'static Catalog>,
    /// Whether some condition names a key the base context leaves absent:
    /// only then can another request of the same caller fare differently.
    varies: bool,
    /// Set when requests go through an access point.
    through: Option<Through<'p>>,
    /// Set when a request-key search was cut at [`MAX_VARIANTS`] without
    /// an answer since the last [`Probe::find`] began.
    cut: Cell<bool>,
}

/// Which name a Resource pattern is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    /// The resource as the request names it.
    Request,
    /// The bucket's own ARN for the object an access point request reaches.
    Bucket,
}

/// A request path through an S3 access point. S3 authorizes such a request
/// twice (Amazon S3 User Guide, "Configuring IAM policies for using access
/// points"): the identity policies and the access point's policy against the
/// access point's ARN (`.../accesspoint/NAME/object/KEY`), and the bucket's
/// policy against the bucket's object (`arn:aws:s3:::BUCKET/KEY`), both with
/// `s3:DataAccessPointArn`, `s3:DataAccessPointAccount` and
/// `s3:AccessPointNetworkOrigin` in the context. A Deny in either wins; the
/// access point layer must allow; the bucket must also permit it: its
/// policy allows it (for example by delegating to the account's access
/// points), or, our reading for a caller of the bucket owner's account, the
/// caller's own identity policies allow the request.
#[derive(Debug, Clone)]
pub struct Through<'p> {
    pub point_arn: String,
    pub bucket: String,
    /// The account that owns the access point and the bucket.
    pub account: String,
    /// `Internet` or `VPC`.
    pub network_origin: String,
    pub point_policy: Option<LabelledPolicy<'p>>,
    pub bucket_policy: Option<LabelledPolicy<'p>>,
}

impl Through<'_> {
    /// `arn:...:accesspoint/NAME/object/`: what every object ARN through it
    /// starts with.
    pub fn object_prefix(&self) -> String {
        format!("{}/object/", self.point_arn)
    }

    fn bucket_resource(&self, resource: &str) -> String {
        match resource.strip_prefix(&self.object_prefix()) {
            Some(key) => format!("arn:aws:s3:::{}/{key}", self.bucket),
            None => format!("arn:aws:s3:::{}", self.bucket),
        }
    }

    fn context(&self, base: &Context) -> Context {
        let mut context = base.clone();
        context.insert("s3:DataAccessPointArn", self.point_arn.as_str());
        context.insert("s3:DataAccessPointAccount", self.account.as_str());
        context.insert("s3:AccessPointNetworkOrigin", self.network_origin.as_str());
        context
    }
}

/// Request keys a witness carries beyond the base context.
pub type Assignment = Vec<(String, ContextValue)>;

/// What kind of answer a search looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Allowed,
    NotAllowed,
}

impl<'p> Probe<'p> {
    pub fn new(
        set: PolicySet<'p>,
        principal: RequestPrincipal,
        context: Context,
        resource_account: &str,
    ) -> Self {
        let mut context = context;
        if context.get("aws:resourceaccount").is_none() {
            context.insert("aws:ResourceAccount", resource_account);
        }
        let mut patterns = Vec::new();
        let mut varies = false;
        let policies = set
            .identity
            .iter()
            .chain(set.resource.iter())
            .chain(set.boundary.iter())
            .chain(set.session.iter());
        for labelled in policies {
            collect_patterns(
                labelled,
                Space::Request,
                &context,
                &mut patterns,
                &mut varies,
            );
        }
        Probe {
            set,
            principal,
            context,
            resource_account: resource_account.to_owned(),
            patterns,
            catalog: Catalog::get().ok(),
            varies,
            through: None,
            cut: Cell::new(false),
        }
    }

    /// A probe of requests through an access point. `set` holds the
    /// caller's identity policies, boundary and session policy; its resource
    /// policy is ignored.
    pub fn through(
        set: PolicySet<'p>,
        principal: RequestPrincipal,
        context: Context,
        through: Through<'p>,
    ) -> Self {
        let set = PolicySet {
            resource: through.point_policy,
            ..set
        };
        let mut probe = Probe::new(set, principal, context, &through.account);
        probe.set.resource = None;
        if let Some(bucket) = through.bucket_policy {
            collect_patterns(
                &bucket,
                Space::Bucket,
                &probe.context,
                &mut probe.patterns,
                &mut probe.varies,
            );
        }
        // The access point keys are present on every such request.
        probe.context = through.context(&probe.context);
        probe.through = Some(through);
        probe
    }

    /// The decision of the request with `context`, on every layer it
    /// passes.
    fn authorize_with(&self, action: &str, resource: &str, context: Context) -> Decision<'p> {
        let Some(through) = &self.through else {
            return authorize(&self.set, &self.request(action, resource, context));
        };
        let layers = self.layers(action, resource, context);
        let [(point_set, point_request), (bucket_set, bucket_request)] = layers.as_slice() else {
            return authorize(
                &self.set,
                &self.request(action, resource, self.context.clone()),
            );
        };
        let point = authorize(point_set, point_request);
        let bucket = authorize(bucket_set, bucket_request);
        if !point.is_allowed() {
            return point;
        }
        if bucket.verdict == Verdict::ExplicitDeny {
            return bucket;
        }
        let mut errors = point.errors;
        errors.extend(bucket.errors);
        if bucket.verdict == Verdict::Allow {
            let mut statements = point.statements;
            statements.extend(bucket.statements);
            return Decision {
                verdict: Verdict::Allow,
                statements,
                errors,
            };
        }
        let own_account = point_request
            .context
            .get("aws:principalaccount")
            .is_some_and(|a| a.values().contains(&through.account));
        let identity_only = PolicySet {
            resource: None,
            ..self.set.clone()
        };
        if own_account && authorize(&identity_only, point_request).is_allowed() {
            return Decision {
                verdict: Verdict::Allow,
                statements: point.statements,
                errors,
            };
        }
        Decision {
            verdict: Verdict::ImplicitDeny(DenyCause::NoAllow),
            statements: Vec::new(),
            errors,
        }
    }

    /// The policy sets and requests a request is judged by: one for a
    /// direct request, the access point's and the bucket's for a request
    /// through an access point.
    fn layers(
        &self,
        action: &str,
        resource: &str,
        context: Context,
    ) -> Vec<(PolicySet<'p>, Request)> {
        match &self.through {
            None => vec![(self.set.clone(), self.request(action, resource, context))],
            Some(through) => {
                let point = PolicySet {
                    resource: through.point_policy,
                    ..self.set.clone()
                };
                let bucket = PolicySet {
                    resource: through.bucket_policy,
                    ..PolicySet::default()
                };
                let bucket_request =
                    self.request(action, &through.bucket_resource(resource), context.clone());
                vec![
                    (point, self.request(action, resource, context)),
                    (bucket, bucket_request),
                ]
            }
        }
    }

    fn request(&self, action: &str, resource: &str, context: Context) -> Request {
        Request::new(self.principal.clone(), action, resource, context)
            .with_resource_account(&self.resource_account)
    }

    /// The engine's decision on the plain request: no optional request
    /// keys.
    pub fn decide(&self, action: &str, resource: &str) -> Decision<'p> {
        self.authorize_with(action, resource, self.context.clone())
    }

    /// The request keys with which `action` on `resource` comes out as
    /// `want`: none when the plain request does, `None` when no request the
    /// caller can send does (within [`MAX_VARIANTS`] tries).
    pub fn satisfying(&self, action: &str, resource: &str, want: Want) -> Option<Assignment> {
        let wanted = |verdict: Verdict| (verdict == Verdict::Allow) == (want == Want::Allowed);
        if wanted(self.decide(action, resource).verdict) {
            return Some(Vec::new());
        }
        if !self.varies {
            return None;
        }
        let layers = self.layers(action, resource, self.context.clone());
        let keys = request_keys::free_keys(&layers, self.catalog);
        if keys.is_empty() {
            return None;
        }
        let multivalued = |key: &str| {
            self.catalog
                .and_then(|c| c.is_multivalued(key))
                .unwrap_or(false)
        };
        let mut variants = request_keys::aimed(&layers, self.catalog, multivalued);
        let (exhaustive, cut) = request_keys::variants(&keys, multivalued, MAX_VARIANTS);
        variants.extend(exhaustive);
        let found = variants.into_iter().find(|assignment| {
            let context = request_keys::with_assignment(&self.context, assignment);
            wanted(self.authorize_with(action, resource, context).verdict)
        });
        if found.is_none() && cut {
            tracing::debug!(
                action,
                resource,
                "request-key search cut at {MAX_VARIANTS} variants"
            );
            self.cut.set(true);
        }
        found
    }

    /// The witness for `action` on `resource`: the request (with the keys
    /// that make it come out as `want`, when some do), the engine's decision,
    /// and every condition of the statements that cover it with its
    /// standing.
    pub fn witness(&self, action: &str, resource: &str, want: Want) -> Witness {
        let assignment = self.satisfying(action, resource, want).unwrap_or_default();
        let context = request_keys::with_assignment(&self.context, &assignment);
        let decision = self.authorize_with(action, resource, context);
        let mut witness = Witness::new(action, resource, &decision);
        witness.context = assignment
            .iter()
            .map(|(key, value)| request_keys::show(key, value))
            .collect();
        // Standings are the plain request's: a key the witness adds is still
        // one the request decides.
        let layers = self.layers(action, resource, self.context.clone());
        witness.conditions = request_keys::classify(&layers, self.catalog);
        witness
    }

    /// A resource in `domain` (every pattern must match) and outside
    /// `excluded` (no pattern may match) for which `action` is `want`;
    /// `candidates` are tried first so witnesses read naturally.
    pub fn find(
        &self,
        action: &str,
        domain: &[Pattern],
        excluded: &[Pattern],
        want: Want,
        candidates: &[String],
    ) -> Search {
        self.cut.set(false);
        let found = self.find_classes(action, domain, excluded, want, candidates);
        if found == Search::Empty && self.cut.get() {
            // Some class was not decided: "none" would be a guess.
            return Search::Undecided;
        }
        found
    }

    fn find_classes(
        &self,
        action: &str,
        domain: &[Pattern],
        excluded: &[Pattern],
        want: Want,
        candidates: &[String],
    ) -> Search {
        let wanted = |resource: &str| self.satisfying(action, resource, want).is_some();
        let in_region = |text: &str| {
            domain.iter().all(|p| p.matches(text)) && !excluded.iter().any(|p| p.matches(text))
        };
        for candidate in candidates {
            if in_region(candidate) && wanted(candidate) {
                return Search::Witness(candidate.clone());
            }
        }

        let (d, e) = (domain.len(), excluded.len());
        let mut verdicts: HashMap<Vec<bool>, bool> = HashMap::new();
        let mut accept = |accepting: &[bool], text: &str| {
            let (region, policy_bits) = accepting.split_at(d + e);
            let (in_domain, in_excluded) = region.split_at(d);
            if !in_domain.iter().all(|a| *a) || in_excluded.iter().any(|a| *a) {
                return false;
            }
            *verdicts
                .entry(policy_bits.to_vec())
                .or_insert_with(|| wanted(text))
        };
        match &self.through {
            None => {
                let all: Vec<&Pattern> = domain
                    .iter()
                    .chain(excluded)
                    .chain(self.patterns.iter().map(|(p, _)| p))
                    .collect();
                lang::search(&all, d, accept)
            }
            Some(through) => {
                // One object key, named through the access point and
                // through the bucket: search the keys.
                let point = through.object_prefix();
                let bucket = format!("arn:aws:s3:::{}/", through.bucket);
                let all: Vec<(&Pattern, &str)> = domain
                    .iter()
                    .chain(excluded)
                    .map(|p| (p, point.as_str()))
                    .chain(self.patterns.iter().map(|(p, space)| match space {
                        Space::Request => (p, point.as_str()),
                        Space::Bucket => (p, bucket.as_str()),
                    }))
                    .collect();
                match lang::search_from(&all, d, |accepting, key| {
                    accept(accepting, &format!("{point}{key}"))
                }) {
                    Search::Witness(key) => Search::Witness(format!("{point}{key}")),
                    other => other,
                }
            }
        }
    }
}

/// Adds the Resource patterns of `labelled` and notes whether a condition
/// names a key `context` leaves absent.
fn collect_patterns(
    labelled: &LabelledPolicy<'_>,
    space: Space,
    context: &Context,
    patterns: &mut Vec<(Pattern, Space)>,
    varies: &mut bool,
) {
    let variables = labelled.policy.variables_enabled();
    for statement in &labelled.policy.statements {
        *varies |= statement.conditions.iter().any(|clause| {
            context.get(&clause.key_lower).is_none()
                || request_keys::is_caller_chosen(&clause.key_lower)
        });
        for pattern in statement.resource.iter().flat_map(|r| &r.patterns) {
            if let Some(chars) = substitute(&pattern.raw, variables, context) {
                patterns.push((Pattern::arn_chars(&chars, &pattern.raw), space));
            }
        }
    }
}

/// Substitutes policy variables in a Resource pattern. Characters from a
/// variable's value or an escape are literal (`(c, true)`). `None` when a
/// variable has no value and no default: the pattern then matches nothing.
pub fn substitute(raw: &str, variables: bool, context: &Context) -> Option<Vec<(char, bool)>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    let resource_start = nth_colon(raw, 5);
    while let Some(at) = rest.find("${") {
        let consumed = raw.len() - rest.len();
        let in_resource = resource_start.is_some_and(|start| consumed + at > start);
        let Some(end) = rest.get(at..).and_then(|s| s.find('}')).map(|e| at + e) else {
            break;
        };
        if !variables || !in_resource {
            out.extend(rest.get(..=end)?.chars().map(|c| (c, false)));
            rest = rest.get(end + 1..)?;
            continue;
        }
        out.extend(rest.get(..at)?.chars().map(|c| (c, false)));
        let inner = rest.get(at + 2..end)?;
        let value = match inner {
            "*" | "?" | "$" => inner.to_owned(),
            _ => resolve(inner, context)?,
        };
        out.extend(value.chars().map(|c| (c, true)));
        rest = rest.get(end + 1..)?;
    }
    out.extend(rest.chars().map(|c| (c, false)));
    Some(out)
}

/// The value of `key` or `key, 'default'`.
fn resolve(inner: &str, context: &Context) -> Option<String> {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim().trim_matches('\'');
            (key.trim(), Some(default))
        }
        None => (inner.trim(), None),
    };
    match context.get(&key.to_lowercase()) {
        Some(value) if value.values().len() == 1 => value.values().first().cloned(),
        _ => default.map(str::to_owned),
    }
}

fn nth_colon(text: &str, n: usize) -> Option<usize> {
    text.match_indices(':').nth(n - 1).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::request_keys::Standing;
    use crate::policy::{LabelledPolicy, PolicyKind, parse};

    const USER: &str = "arn:aws:iam::111122223333:user/videsk-connector";

    fn probe_with<'p>(
        identity: &'p [crate::policy::Policy],
        resource: Option<&'p crate::policy::Policy>,
    ) -> Probe<'p> {
        let set = PolicySet {
            identity: identity
                .iter()
                .map(|p| LabelledPolicy::new("identity", p))
                .collect(),
            resource: resource.map(|p| LabelledPolicy::new("bucket", p)),
            ..PolicySet::default()
        };
        let context = Context::new()
            .with("aws:PrincipalArn", USER)
            .with("aws:username", "videsk-connector")
            .with("aws:SecureTransport", "true");
        Probe::new(
            set,
            RequestPrincipal::iam_user(USER),
            context,
            "111122223333",
        )
    }

    fn identity(text: &str) -> crate::policy::Policy {
        parse(text, PolicyKind::Identity).unwrap()
    }

    const OBJECTS: &str = "arn:aws:s3:::rec-bucket/*";
    const UPLOADS: &str = "arn:aws:s3:::rec-bucket/uploads/*";
    const WIDE_PUT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/*"}]}"#;

    /// A PutObject in the bucket but outside `uploads/`.
    fn find_outside(probe: &Probe<'_>) -> Search {
        probe.find(
            "s3:PutObject",
            &[Pattern::glob(OBJECTS)],
            &[Pattern::glob(UPLOADS)],
            Want::Allowed,
            &[],
        )
    }

    #[test]
    fn finds_a_write_outside_the_prefix_and_proves_confinement() {
        let wide = [identity(WIDE_PUT)];
        let probe = probe_with(&wide, None);
        let found = find_outside(&probe);
        match found {
            Search::Witness(w) => assert!(
                w.starts_with("arn:aws:s3:::rec-bucket/")
                    && !w.starts_with(UPLOADS.trim_end_matches('*')),
                "{w}"
            ),
            other => panic!("{other:?}"),
        }

        let narrow = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/uploads/*"}]}"#,
        )];
        let probe = probe_with(&narrow, None);
        let found = find_outside(&probe);
        assert_eq!(found, Search::Empty);
    }

    #[test]
    fn deny_notresource_bucket_policy_confines_to_the_prefix() {
        let wide = [identity(WIDE_PUT)];
        let bucket = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutside","Effect":"Deny","Principal":"*","Action":"s3:PutObject","NotResource":"arn:aws:s3:::rec-bucket/uploads/*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/videsk-connector"}}}]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let probe = probe_with(&wide, Some(&bucket));
        let outside = find_outside(&probe);
        assert_eq!(outside, Search::Empty);
        let inside = probe.find(
            "s3:PutObject",
            &[Pattern::glob(UPLOADS)],
            &[],
            Want::Allowed,
            &["arn:aws:s3:::rec-bucket/uploads/x".into()],
        );
        assert_eq!(
            inside,
            Search::Witness("arn:aws:s3:::rec-bucket/uploads/x".into())
        );
    }

    #[test]
    fn bucket_wildcard_reaches_other_buckets() {
        let policy = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket*"}]}"#,
        )];
        let probe = probe_with(&policy, None);
        let other = probe.find(
            "s3:PutObject",
            &[Pattern::arn("arn:aws:s3:::*/*")],
            &[Pattern::glob(OBJECTS)],
            Want::Allowed,
            &["arn:aws:s3:::rec-bucket-backups/x".into()],
        );
        assert_eq!(
            other,
            Search::Witness("arn:aws:s3:::rec-bucket-backups/x".into())
        );
    }

    #[test]
    fn an_allow_on_a_request_header_is_witnessed_with_that_header() {
        let policy = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"EncryptedOnly","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/uploads/*","Condition":{"StringEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}"#,
        )];
        let probe = probe_with(&policy, None);
        let key = "arn:aws:s3:::rec-bucket/uploads/x";
        assert!(!probe.decide("s3:PutObject", key).is_allowed());
        let found = probe.find(
            "s3:PutObject",
            &[Pattern::glob(UPLOADS)],
            &[],
            Want::Allowed,
            &[key.into()],
        );
        assert_eq!(found, Search::Witness(key.into()));
        let witness = probe.witness("s3:PutObject", key, Want::Allowed);
        assert_eq!(witness.verdict, "allowed");
        assert_eq!(witness.context, ["s3:x-amz-server-side-encryption=AES256"]);
        assert_eq!(witness.conditions.len(), 1);
        assert_eq!(witness.conditions[0].standing, Standing::RequestKey);
        assert_eq!(witness.conditions[0].statement.statement, "EncryptedOnly");
        // Outside the prefix no header helps.
        let outside = find_outside(&probe);
        assert_eq!(outside, Search::Empty);
    }

    #[test]
    fn a_deny_lifted_by_a_network_key_still_leaves_a_write_outside() {
        let wide = [identity(WIDE_PUT)];
        let bucket = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"OutsideOnlyFromVpce","Effect":"Deny","Principal":"*","Action":"s3:PutObject","NotResource":"arn:aws:s3:::rec-bucket/uploads/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let probe = probe_with(&wide, Some(&bucket));
        let other = "arn:aws:s3:::rec-bucket/other/x";
        assert!(!probe.decide("s3:PutObject", other).is_allowed());
        let found = probe.find(
            "s3:PutObject",
            &[Pattern::glob(OBJECTS)],
            &[Pattern::glob(UPLOADS)],
            Want::Allowed,
            &[other.into()],
        );
        assert_eq!(found, Search::Witness(other.into()));
        let witness = probe.witness("s3:PutObject", other, Want::Allowed);
        assert_eq!(witness.context, ["aws:SourceVpce=vpce-1a2b3c4d"]);
    }

    #[test]
    fn a_key_the_action_never_carries_is_named_in_the_refusal() {
        let wide = [identity(WIDE_PUT)];
        let bucket = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyNonPrefixedWrites","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/*","Condition":{"StringNotLikeIfExists":{"s3:prefix":"uploads/*"}}}]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let probe = probe_with(&wide, Some(&bucket));
        let key = "arn:aws:s3:::rec-bucket/uploads/x";
        let witness = probe.witness("s3:PutObject", key, Want::Allowed);
        assert_eq!(witness.verdict, "explicitly denied");
        assert!(witness.context.is_empty());
        let notes: Vec<(&str, Standing)> = witness
            .conditions
            .iter()
            .map(|n| (n.key.as_str(), n.standing))
            .collect();
        assert_eq!(notes, [("s3:prefix", Standing::NeverCarried(true))]);
    }

    const POINT: &str = "arn:aws:s3:eu-west-1:111122223333:accesspoint/uploads-ap";

    fn through<'p>(
        identity: &'p [crate::policy::Policy],
        point: Option<&'p crate::policy::Policy>,
        bucket: Option<&'p crate::policy::Policy>,
        principal: RequestPrincipal,
        context: Context,
    ) -> Probe<'p> {
        let set = PolicySet {
            identity: identity
                .iter()
                .map(|p| LabelledPolicy::new("identity", p))
                .collect(),
            ..PolicySet::default()
        };
        let path = Through {
            point_arn: POINT.to_owned(),
            bucket: "rec-bucket".to_owned(),
            account: "111122223333".to_owned(),
            network_origin: "Internet".to_owned(),
            point_policy: point.map(|p| LabelledPolicy::new("access point", p)),
            bucket_policy: bucket.map(|p| LabelledPolicy::new("bucket", p)),
        };
        Probe::through(set, principal, context, path)
    }

    fn user_context() -> Context {
        Context::new()
            .with("aws:PrincipalArn", USER)
            .with("aws:PrincipalAccount", "111122223333")
    }

    fn resource(text: &str) -> crate::policy::Policy {
        parse(text, PolicyKind::Resource).unwrap()
    }

    #[test]
    fn the_bucket_policy_confines_requests_through_an_access_point_too() {
        let everywhere = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
        )];
        let objects = format!("{POINT}/object/");
        let domain = [Pattern::glob(&format!("{objects}*"))];
        let inside = [Pattern::glob(&format!("{objects}uploads/*"))];
        let open = through(
            &everywhere,
            None,
            None,
            RequestPrincipal::iam_user(USER),
            user_context(),
        );
        let Search::Witness(outside) =
            open.find("s3:PutObject", &domain, &inside, Want::Allowed, &[])
        else {
            panic!("an unconfined user writes anywhere through the access point");
        };
        assert!(
            outside.starts_with(&objects) && !outside.starts_with(&format!("{objects}uploads/"))
        );

        let confining = resource(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutside","Effect":"Deny","Principal":"*","Action":"s3:PutObject","NotResource":"arn:aws:s3:::rec-bucket/uploads/*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/videsk-connector"}}}]}"#,
        );
        let confined = through(
            &everywhere,
            None,
            Some(&confining),
            RequestPrincipal::iam_user(USER),
            user_context(),
        );
        assert_eq!(
            confined.find("s3:PutObject", &domain, &inside, Want::Allowed, &[]),
            Search::Empty
        );
        let witness = confined.witness("s3:PutObject", &format!("{objects}other/x"), Want::Allowed);
        assert_eq!(witness.verdict, "explicitly denied");
        assert_eq!(witness.statements[0].statement, "DenyOutside");
        let allowed = confined.witness(
            "s3:PutObject",
            &format!("{objects}uploads/x"),
            Want::Allowed,
        );
        assert_eq!(allowed.verdict, "allowed");
    }

    #[test]
    fn an_identity_grant_on_the_bucket_does_not_reach_its_access_points() {
        let bucket_only = [identity(WIDE_PUT)];
        let probe = through(
            &bucket_only,
            None,
            None,
            RequestPrincipal::iam_user(USER),
            user_context(),
        );
        let domain = [Pattern::glob(&format!("{POINT}/object/*"))];
        assert_eq!(
            probe.find("s3:PutObject", &domain, &[], Want::Allowed, &[]),
            Search::Empty
        );
    }

    #[test]
    fn an_access_point_grant_needs_the_bucket_to_delegate() {
        let grant = resource(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:eu-west-1:111122223333:accesspoint/uploads-ap/object/*"}]}"#,
        );
        let delegation = resource(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Delegate","Effect":"Allow","Principal":"*","Action":"*","Resource":["arn:aws:s3:::rec-bucket","arn:aws:s3:::rec-bucket/*"],"Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}}]}"#,
        );
        let key = format!("{POINT}/object/x");
        let anonymous = || Context::new().with("aws:SecureTransport", "true");
        let alone = through(
            &[],
            Some(&grant),
            None,
            RequestPrincipal::anonymous(),
            anonymous(),
        );
        assert!(!alone.decide("s3:PutObject", &key).is_allowed());
        let delegated = through(
            &[],
            Some(&grant),
            Some(&delegation),
            RequestPrincipal::anonymous(),
            anonymous(),
        );
        let witness = delegated.witness("s3:PutObject", &key, Want::Allowed);
        assert_eq!(witness.verdict, "allowed");
        let deciding: Vec<&str> = witness
            .statements
            .iter()
            .map(|s| s.statement.as_str())
            .collect();
        assert_eq!(deciding, ["Anyone", "Delegate"]);
        // The delegation's condition holds on every request through an
        // access point of the account.
        assert!(
            witness.conditions.iter().any(
                |c| c.key == "s3:DataAccessPointAccount" && c.standing == Standing::Fixed(true)
            )
        );
        // A direct request never carries the access point keys.
        let direct = probe_with(&[], Some(&delegation));
        assert!(
            !direct
                .decide("s3:PutObject", "arn:aws:s3:::rec-bucket/x")
                .is_allowed()
        );
    }

    #[test]
    fn variables_are_substituted_literally() {
        let ctx = Context::new().with("aws:username", "a");
        let chars = substitute("arn:aws:s3:::b/${aws:username}/${*}", true, &ctx).unwrap();
        let text: String = chars.iter().map(|(c, _)| c).collect();
        assert_eq!(text, "arn:aws:s3:::b/a/*");
        assert!(chars.last().unwrap().1);
        assert_eq!(substitute("arn:aws:s3:::b/${aws:userid}", true, &ctx), None);
        let kept = substitute("arn:aws:s3:::b/${aws:userid}", false, &ctx).unwrap();
        assert_eq!(
            kept.iter().map(|(c, _)| c).collect::<String>(),
            "arn:aws:s3:::b/${aws:userid}"
        );
        let defaulted = substitute("arn:aws:s3:::b/${aws:userid, 'x'}", true, &ctx).unwrap();
        assert_eq!(
            defaulted.iter().map(|(c, _)| c).collect::<String>(),
            "arn:aws:s3:::b/x"
        );
    }
}
