//! Conditions as they stand for one request: which clauses the caller's
//! identity fixes, which name a key the action never carries, and which
//! depend on what the request itself carries (headers, tags, network
//! origin).
//!
//! A witness is a request someone can send, so a question such as "can it
//! write outside the prefix?" is asked over every value the caller controls:
//! each request key a deciding condition names is tried absent and with the
//! values the policies compare it with (and one value they do not name).
//! The witness then names the keys it carries, and every condition of the
//! statements that cover it is listed with its standing.

use super::evidence::StatementAt;
use crate::policy::catalog::{Catalog, GlobalPresence, KeyAvailability};
use crate::policy::condition::Family;
use crate::policy::condition::eval::evaluate as evaluate_clause;
use crate::policy::evaluate::applicable;
use crate::policy::{ConditionClause, Context, ContextValue, PolicySet, Request, StatementRef};

/// How many extra requests are tried for one resource before giving up.
/// Each key adds its values to a product, so this bounds the search when
/// statements compare many keys; the bound is reported when it is hit.
pub const MAX_VARIANTS: usize = 512;

/// How a condition clause stands for one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The key is fixed by who asks and when (`aws:PrincipalArn`,
    /// `aws:CurrentTime`...): the clause always has this value for the
    /// caller.
    Fixed(bool),
    /// The action never carries the key on this resource: the clause always
    /// has its value for an absent key.
    NeverCarried(bool),
    /// The request decides: a header, a tag, the network path.
    RequestKey,
    /// A fact putonly does not collect (resource or principal tags,
    /// organisation ids): the witness assumes the key absent.
    Uncollected,
}

/// One clause of a statement that covers the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseNote {
    /// The action of the request the clause was classified for.
    pub action: String,
    pub key: String,
    pub operator: String,
    pub statement: StatementAt,
    pub standing: Standing,
}

impl ClauseNote {
    /// `s3:x-amz-acl (StringEquals) in statement X of P (line 4): set by the request`.
    pub fn describe(&self) -> String {
        let standing = match self.standing {
            Standing::Fixed(true) => "always holds for this caller".to_owned(),
            Standing::Fixed(false) => "never holds for this caller".to_owned(),
            Standing::NeverCarried(holds) => format!(
                "{} never carries this key, so the clause {}",
                self.action,
                if holds { "always holds" } else { "never holds" }
            ),
            Standing::RequestKey => "depends on what the request carries".to_owned(),
            Standing::Uncollected => {
                "depends on a fact putonly does not collect (taken as absent)".to_owned()
            }
        };
        format!(
            "`{}` ({}) in {}: {standing}",
            self.key,
            self.operator,
            self.statement.describe()
        )
    }
}

/// Every condition clause of the statements that cover a request (action,
/// resource and principal), with its standing. A request is judged by one
/// or more layers: a policy set and the request as that set sees it.
pub fn classify(layers: &[(PolicySet<'_>, Request)], catalog: Option<&Catalog>) -> Vec<ClauseNote> {
    let mut notes = Vec::new();
    for (set, request) in layers {
        for statement in covering(set, request) {
            for clause in &statement.statement.conditions {
                notes.push(ClauseNote {
                    action: request.action().to_owned(),
                    key: clause.key.clone(),
                    operator: clause.operator.to_string(),
                    statement: StatementAt::of(&statement),
                    standing: standing(clause, request, catalog),
                });
            }
        }
    }
    notes
}

fn covering<'a>(set: &PolicySet<'a>, request: &Request) -> Vec<StatementRef<'a>> {
    set.identity
        .iter()
        .chain(set.resource.iter())
        .chain(set.boundary.iter())
        .chain(set.session.iter())
        .flat_map(|policy| applicable(*policy, request))
        .collect()
}

/// Keys present on every request whose value the caller picks: the scheme,
/// the endpoint's region, the User-Agent and Referer headers. The plain
/// request gives them the values a normal client sends, but any value is a
/// request the caller can make (IAM User Guide, "AWS global condition
/// context keys").
const CALLER_CHOSEN: &[&str] = &[
    "aws:securetransport",
    "aws:requestedregion",
    "aws:useragent",
    "aws:referer",
];

/// Whether the caller picks the key's value on every request it sends.
pub fn is_caller_chosen(key_lower: &str) -> bool {
    CALLER_CHOSEN.contains(&key_lower)
}

fn standing(clause: &ConditionClause, request: &Request, catalog: Option<&Catalog>) -> Standing {
    let holds = || evaluate_clause(clause, &request.context, &mut Vec::new());
    if is_caller_chosen(&clause.key_lower) {
        return Standing::RequestKey;
    }
    if request.context.get(&clause.key_lower).is_some() {
        return Standing::Fixed(holds());
    }
    if is_uncollected(&clause.key_lower) {
        return Standing::Uncollected;
    }
    let Some(catalog) = catalog else {
        return Standing::RequestKey;
    };
    let Some(action) = catalog.action(request.action()) else {
        // An action the catalog does not know: nothing says which keys it
        // carries, so the request may carry any.
        return Standing::RequestKey;
    };
    match catalog.key_availability(action, &clause.key) {
        None => Standing::NeverCarried(holds()),
        Some(KeyAvailability::ResourceType(resource_type))
            if resource_type.starts_with("accesspoint") && !is_access_point(request.resource()) =>
        {
            Standing::NeverCarried(holds())
        }
        // Keys present on every signed request that the caller's context
        // does not set are fixed as absent for it.
        Some(KeyAvailability::Global(presence)) if presence != GlobalPresence::RequestDependent => {
            Standing::Fixed(holds())
        }
        Some(KeyAvailability::Global(_)) => match catalog.global_key(&clause.key) {
            Some(global) if global.category == "principal" => Standing::Uncollected,
            _ => Standing::RequestKey,
        },
        Some(_) => Standing::RequestKey,
    }
}

/// Tags of the resource or the principal and organisation membership: facts
/// about the account, not chosen by the request, and not collected.
fn is_uncollected(key_lower: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "aws:resourcetag/",
        "aws:principaltag/",
        "s3:existingobjecttag/",
        "aws:principalorg",
        "aws:resourceorg",
    ];
    PREFIXES.iter().any(|p| key_lower.starts_with(p))
}

fn is_access_point(resource: &str) -> bool {
    resource
        .split(':')
        .nth(5)
        .is_some_and(|r| r.starts_with("accesspoint/"))
}

/// The request keys worth trying for `request`, each with its sample
/// values: every key a covering clause compares that the request decides.
pub fn free_keys(
    layers: &[(PolicySet<'_>, Request)],
    catalog: Option<&Catalog>,
) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for (set, request) in layers {
        for statement in covering(set, request) {
            for clause in &statement.statement.conditions {
                if standing(clause, request, catalog) != Standing::RequestKey {
                    continue;
                }
                let samples = sample_values(clause, &request.context);
                match keys
                    .iter_mut()
                    .find(|(key, _)| key.eq_ignore_ascii_case(&clause.key))
                {
                    Some((_, values)) => {
                        for value in samples {
                            if !values.contains(&value) {
                                values.push(value);
                            }
                        }
                    }
                    None => keys.push((clause.key.clone(), samples)),
                }
            }
        }
    }
    keys
}

/// Values that make the clause's comparisons go each way: the policy's own
/// values (variables resolved from `context`, wildcards filled in two
/// ways), neighbours for numbers and dates, and one value the policy does
/// not name.
fn sample_values(clause: &ConditionClause, context: &Context) -> Vec<String> {
    let base = clause.operator.base;
    let family = base.family();
    let mut out: Vec<String> = Vec::new();
    let mut push = |value: String| {
        if !out.contains(&value) {
            out.push(value);
        }
    };
    for value in &clause.values {
        let Some(raw) = resolve_variables(&value.raw, context) else {
            continue;
        };
        match family {
            Family::String | Family::Arn => {
                if base.allows_wildcards() || family == Family::Arn {
                    // `*` may stand for nothing or for text another
                    // pattern does not expect.
                    push(raw.replace('*', "").replace('?', "x"));
                    push(raw.replace(['*', '?'], "x"));
                    push(raw.replace('*', "0putonly").replace('?', "0"));
                } else {
                    push(raw);
                }
            }
            Family::Numeric => {
                push(raw.clone());
                if let Ok(n) = raw.parse::<f64>() {
                    for neighbour in [n + 1.0, n - 1.0] {
                        push(if neighbour.fract() == 0.0 && neighbour.abs() < 1e15 {
                            format!("{neighbour:.0}")
                        } else {
                            neighbour.to_string()
                        });
                    }
                }
            }
            Family::Ip => push(raw.split('/').next().unwrap_or(&raw).to_owned()),
            Family::Null => push("x".to_owned()),
            Family::Date => {
                push(raw);
                push("1970-01-02T00:00:00Z".to_owned());
                push("2999-01-01T00:00:00Z".to_owned());
            }
            Family::Bool | Family::Binary => push(raw),
        }
    }
    match family {
        Family::String => push("putonly-other".to_owned()),
        Family::Arn => push("arn:aws:iam::444455556666:root".to_owned()),
        Family::Numeric => push("0".to_owned()),
        Family::Ip => push("198.51.100.7".to_owned()),
        Family::Bool => {
            push("true".to_owned());
            push("false".to_owned());
        }
        Family::Null => push("x".to_owned()),
        Family::Date | Family::Binary => {}
    }
    out
}

/// `raw` with its `${key}` variables replaced by the context's values;
/// `None` when one has no single value (the escapes `${*}`, `${?}` and
/// `${$}` stand for themselves).
fn resolve_variables(raw: &str, context: &Context) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find("${") {
        out.push_str(rest.get(..at)?);
        let after = rest.get(at + 2..)?;
        let end = after.find('}')?;
        let inner = after.get(..end)?;
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((key, default)) => (key.trim(), Some(default.trim().trim_matches('\''))),
                    None => (inner.trim(), None),
                };
                match context.get(&key.to_lowercase()).map(ContextValue::values) {
                    Some([value]) => out.push_str(value),
                    _ => out.push_str(default?),
                }
            }
        }
        rest = after.get(end + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// Every assignment of `keys` (each absent or one of its values) other
/// than all-absent, fewest keys set first, at most `limit` of them. The
/// flag says whether the list was cut.
pub fn variants(
    keys: &[(String, Vec<String>)],
    multivalued: impl Fn(&str) -> bool,
    limit: usize,
) -> (Vec<Vec<(String, ContextValue)>>, bool) {
    let mut out = Vec::new();
    for size in 1..=keys.len() {
        for chosen in combinations(keys.len(), size) {
            let mut product: Vec<Vec<(String, ContextValue)>> = vec![Vec::new()];
            for index in chosen {
                let Some((key, values)) = keys.get(index) else {
                    continue;
                };
                // A multivalued key (tag keys) takes each value alone and
                // all of them at once.
                let options: Vec<ContextValue> = if multivalued(key) {
                    let mut options: Vec<ContextValue> = values
                        .iter()
                        .map(|v| ContextValue::Multi(vec![v.clone()]))
                        .collect();
                    if values.len() > 1 {
                        options.push(ContextValue::Multi(values.clone()));
                    }
                    options
                } else {
                    values.iter().cloned().map(ContextValue::Single).collect()
                };
                product = product
                    .into_iter()
                    .flat_map(|partial| {
                        options.iter().map(move |value| {
                            let mut next = partial.clone();
                            next.push((key.clone(), value.clone()));
                            next
                        })
                    })
                    .collect();
                if product.len() > limit {
                    break;
                }
            }
            for assignment in product {
                if out.len() == limit {
                    return (out, true);
                }
                out.push(assignment);
            }
        }
    }
    (out, false)
}

/// The `size`-element subsets of `0..n`, in lexicographic order.
fn combinations(n: usize, size: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(size);
    fn walk(
        start: usize,
        n: usize,
        size: usize,
        current: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if current.len() == size {
            out.push(current.clone());
            return;
        }
        for i in start..n {
            current.push(i);
            walk(i + 1, n, size, current, out);
            current.pop();
        }
    }
    walk(0, n, size, &mut current, &mut out);
    out
}

/// `key=value` as a witness shows a request key.
pub fn show(key: &str, value: &ContextValue) -> String {
    match value {
        ContextValue::Single(v) => format!("{key}={v}"),
        ContextValue::Multi(values) => format!("{key}=[{}]", values.join(", ")),
    }
}

/// A context with the assignment applied on top of `base`.
pub fn with_assignment(base: &Context, assignment: &[(String, ContextValue)]) -> Context {
    let mut context = base.clone();
    for (key, value) in assignment {
        context.insert(key, value.clone());
    }
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_set_fewest_keys_first_and_respect_the_limit() {
        let keys = vec![
            ("a".to_owned(), vec!["1".to_owned(), "2".to_owned()]),
            ("b".to_owned(), vec!["3".to_owned()]),
        ];
        let (all, cut) = variants(&keys, |_| false, 100);
        assert!(!cut);
        let shown: Vec<Vec<String>> = all
            .iter()
            .map(|v| v.iter().map(|(k, val)| show(k, val)).collect())
            .collect();
        assert_eq!(
            shown,
            vec![
                vec!["a=1"],
                vec!["a=2"],
                vec!["b=3"],
                vec!["a=1", "b=3"],
                vec!["a=2", "b=3"],
            ]
        );
        let (few, cut) = variants(&keys, |_| true, 2);
        assert!(cut);
        assert_eq!(few.len(), 2);
        assert_eq!(show("a", &few[0][0].1), "a=[1]");
    }
}
