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

use std::collections::HashMap;

use super::lang::{self, Pattern, Search};
use crate::policy::{Context, Decision, PolicySet, Request, RequestPrincipal, Verdict, authorize};

/// A request with its resource left open.
pub struct Probe<'p> {
    pub set: PolicySet<'p>,
    pub principal: RequestPrincipal,
    pub context: Context,
    /// The account that owns the resources asked about.
    pub resource_account: String,
    /// The Resource patterns of every statement, variables substituted.
    patterns: Vec<Pattern>,
}

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
        let mut patterns = Vec::new();
        let policies = set
            .identity
            .iter()
            .chain(set.resource.iter())
            .chain(set.boundary.iter())
            .chain(set.session.iter());
        for labelled in policies {
            let variables = labelled.policy.variables_enabled();
            for statement in &labelled.policy.statements {
                for pattern in statement.resource.iter().flat_map(|r| &r.patterns) {
                    if let Some(chars) = substitute(&pattern.raw, variables, &context) {
                        patterns.push(Pattern::arn_chars(&chars, &pattern.raw));
                    }
                }
            }
        }
        Probe {
            set,
            principal,
            context,
            resource_account: resource_account.to_owned(),
            patterns,
        }
    }

    /// The engine's decision on one concrete request.
    pub fn decide(&self, action: &str, resource: &str) -> Decision<'p> {
        let request = Request::new(
            self.principal.clone(),
            action,
            resource,
            self.context.clone(),
        )
        .with_resource_account(&self.resource_account);
        authorize(&self.set, &request)
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
        let wanted = |verdict: &Verdict| (*verdict == Verdict::Allow) == (want == Want::Allowed);
        let in_region = |text: &str| {
            domain.iter().all(|p| p.matches(text)) && !excluded.iter().any(|p| p.matches(text))
        };
        for candidate in candidates {
            if in_region(candidate) && wanted(&self.decide(action, candidate).verdict) {
                return Search::Witness(candidate.clone());
            }
        }

        let all: Vec<&Pattern> = domain
            .iter()
            .chain(excluded)
            .chain(self.patterns.iter())
            .collect();
        let (d, e) = (domain.len(), excluded.len());
        let mut verdicts: HashMap<Vec<bool>, bool> = HashMap::new();
        lang::search(&all, d, "", |accepting, text| {
            let (region, policy_bits) = accepting.split_at(d + e);
            let (in_domain, in_excluded) = region.split_at(d);
            if !in_domain.iter().all(|a| *a) || in_excluded.iter().any(|a| *a) {
                return false;
            }
            *verdicts
                .entry(policy_bits.to_vec())
                .or_insert_with(|| wanted(&self.decide(action, text).verdict))
        })
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

    #[test]
    fn finds_a_write_outside_the_prefix_and_proves_confinement() {
        let wide = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/*"}]}"#,
        )];
        let probe = probe_with(&wide, None);
        let found = probe.find(
            "s3:PutObject",
            &[Pattern::glob(OBJECTS)],
            &[Pattern::glob(UPLOADS)],
            Want::Allowed,
            &[],
        );
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
        let found = probe.find(
            "s3:PutObject",
            &[Pattern::glob(OBJECTS)],
            &[Pattern::glob(UPLOADS)],
            Want::Allowed,
            &[],
        );
        assert_eq!(found, Search::Empty);
    }

    #[test]
    fn deny_notresource_bucket_policy_confines_to_the_prefix() {
        let wide = [identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rec-bucket/*"}]}"#,
        )];
        let bucket = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutside","Effect":"Deny","Principal":"*","Action":"s3:PutObject","NotResource":"arn:aws:s3:::rec-bucket/uploads/*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/videsk-connector"}}}]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let probe = probe_with(&wide, Some(&bucket));
        let outside = probe.find(
            "s3:PutObject",
            &[Pattern::glob(OBJECTS)],
            &[Pattern::glob(UPLOADS)],
            Want::Allowed,
            &[],
        );
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
