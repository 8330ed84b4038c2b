//! From a policy document's exact text to a validated [`Policy`].
//!
//! Reading is strict (IAM-SEMANTICS.md 2.4, 3.1, 9): duplicate JSON keys,
//! unknown elements, wrong value types, an invalid `Effect` or `Version`,
//! a missing or doubled `Action`/`NotAction`, an unknown condition operator
//! and elements the policy kind does not allow are all errors that name the
//! line and column. A document with an error yields no `Policy`, so it can
//! never be evaluated as if it were well-formed.

use super::condition::{ConditionClause, ConditionValue, Operator, OperatorError, ParsedValue};
use super::json::{self, Json, JsonErrorKind, JsonKind, Member};
use super::model::{
    ActionBlock, ActionPattern, Effect, Policy, PolicyKind, ResourceBlock, ResourcePattern,
    Statement, Version,
};
use super::principal::{PrincipalBlock, PrincipalEntry, PrincipalType};
use super::span::{Position, Span, Spanned};
use thiserror::Error;

/// Why a document is not a valid policy, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{at}: {kind}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where (1-based line and column).
    pub at: Position,
}

/// The kinds of policy error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    /// The text is not valid JSON (duplicate keys included).
    #[error("{0}")]
    Json(JsonErrorKind),
    /// A document larger than [`MAX_DOCUMENT_BYTES`].
    #[error(
        "the document is {0} bytes, more than any AWS policy can be ({MAX_DOCUMENT_BYTES} bytes read at most)"
    )]
    TooLarge(usize),
    /// An element AWS does not define.
    #[error("unknown element `{0}`")]
    UnknownElement(String),
    /// An element holds the wrong JSON type.
    #[error("`{element}` must be {expected}, found {found}")]
    WrongType {
        /// The element.
        element: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// A required element is missing.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// Two elements that exclude each other.
    #[error("`{0}` and `{1}` cannot both appear")]
    Conflict(&'static str, &'static str),
    /// A `Version` other than the two AWS defines.
    #[error("unsupported `Version` `{0}`; expected `2012-10-17` or `2008-10-17`")]
    InvalidVersion(String),
    /// An `Effect` other than `Allow` or `Deny` (case matters).
    #[error("`Effect` must be `Allow` or `Deny`, found `{0}`")]
    InvalidEffect(String),
    /// An element the policy kind does not allow.
    #[error("`{element}` is not allowed in {kind}")]
    NotAllowed {
        /// The element.
        element: &'static str,
        /// The policy kind, in words.
        kind: &'static str,
    },
    /// `NotPrincipal` with `Allow`, which AWS does not support.
    #[error("`NotPrincipal` is supported only with `\"Effect\": \"Deny\"`")]
    NotPrincipalWithAllow,
    /// A principal type other than AWS, Federated, Service, CanonicalUser.
    #[error("unknown principal type `{0}`")]
    UnknownPrincipalType(String),
    /// An empty list where at least one value is needed.
    #[error("`{0}` must not be empty")]
    Empty(String),
    /// An action that is not `*` or `service:name`.
    #[error("invalid action `{0}`; expected `service:action` or `*`")]
    InvalidAction(String),
    /// A resource that is not `*` or an ARN.
    #[error("invalid resource `{0}`; expected an ARN or `*`")]
    InvalidResource(String),
    /// A condition operator AWS does not define.
    #[error("unknown condition operator `{0}`")]
    UnknownOperator(String),
    /// `NullIfExists`.
    #[error("`Null` cannot be combined with `IfExists`")]
    NullIfExists,
    /// The same key twice under one operator, differing only in case.
    #[error("condition key `{key}` repeats `{first}` under `{operator}` (keys ignore case)")]
    DuplicateConditionKey {
        /// The second spelling.
        key: String,
        /// The first spelling.
        first: String,
        /// The operator.
        operator: String,
    },
}

/// The largest document the parser reads, in bytes: several times the
/// largest policy AWS accepts (20,480 characters for an S3 bucket policy,
/// whitespace not counted), so that any real policy, however indented,
/// fits, and a hostile one cannot make the analysis run for hours.
pub const MAX_DOCUMENT_BYTES: usize = 128 * 1024;

/// Parses and validates a policy document of the given kind.
///
/// # Errors
/// The first problem found, with its line and column.
// TODO(#3): report every problem, not only the first; and element and
// operator names are matched case-sensitively (`stringequals` is an unknown
// operator), which is stricter than AWS may be; unverified.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, ParseError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(error(ParseErrorKind::TooLarge(text.len()), Position::START));
    }
    let document = json::parse(text).map_err(|e| ParseError {
        kind: ParseErrorKind::Json(e.kind),
        at: e.at,
    })?;
    policy(&document, kind)
}

type Result<T, E = ParseError> = std::result::Result<T, E>;

fn error(kind: ParseErrorKind, at: Position) -> ParseError {
    ParseError { kind, at }
}

fn wrong_type(element: &str, expected: &'static str, value: &Json) -> ParseError {
    let kind = ParseErrorKind::WrongType {
        element: element.to_owned(),
        expected,
        found: value.type_name(),
    };
    error(kind, value.span.start)
}

fn object<'j>(element: &str, value: &'j Json) -> Result<&'j [Member]> {
    match &value.kind {
        JsonKind::Object(members) => Ok(members),
        _ => Err(wrong_type(element, "an object", value)),
    }
}

fn string<'j>(element: &str, value: &'j Json) -> Result<&'j str> {
    match &value.kind {
        JsonKind::String(s) => Ok(s),
        _ => Err(wrong_type(element, "a string", value)),
    }
}

/// A string or a non-empty array of strings, each with its span.
fn strings<'j>(element: &str, value: &'j Json) -> Result<Vec<(&'j str, Span)>> {
    const EXPECTED: &str = "a string or an array of strings";
    match &value.kind {
        JsonKind::String(s) => Ok(vec![(s.as_str(), value.span)]),
        JsonKind::Array(items) if items.is_empty() => Err(error(
            ParseErrorKind::Empty(element.to_owned()),
            value.span.start,
        )),
        JsonKind::Array(items) => items
            .iter()
            .map(|item| match &item.kind {
                JsonKind::String(s) => Ok((s.as_str(), item.span)),
                _ => Err(wrong_type(element, EXPECTED, item)),
            })
            .collect(),
        _ => Err(wrong_type(element, EXPECTED, value)),
    }
}

fn policy(document: &Json, kind: PolicyKind) -> Result<Policy> {
    let mut version = None;
    let mut id = None;
    let mut statements = None;
    for member in object("policy", document)? {
        let value = &member.value;
        match member.key.as_str() {
            "Version" => version = Some(parse_version(value)?),
            "Id" => {
                id = Some(Spanned {
                    value: string("Id", value)?.to_owned(),
                    span: value.span,
                })
            }
            "Statement" => statements = Some(value),
            other => return Err(unknown(other, member)),
        }
    }
    let statements = statements
        .ok_or_else(|| error(ParseErrorKind::Missing("Statement"), document.span.start))?;
    let variables = matches!(
        version,
        Some(Spanned {
            value: Version::V2012_10_17,
            ..
        })
    );
    let context = StatementContext { kind, variables };
    let list: Vec<&Json> = match &statements.kind {
        JsonKind::Object(_) => vec![statements],
        JsonKind::Array(items) => items.iter().collect(),
        _ => return Err(wrong_type("Statement", "an object or an array", statements)),
    };
    let statements = list
        .into_iter()
        .enumerate()
        .map(|(index, value)| context.statement(index, value))
        .collect::<Result<_>>()?;
    Ok(Policy {
        kind,
        version,
        id,
        statements,
        span: document.span,
    })
}

fn unknown(name: &str, member: &Member) -> ParseError {
    error(
        ParseErrorKind::UnknownElement(name.to_owned()),
        member.key_span.start,
    )
}

fn parse_version(value: &Json) -> Result<Spanned<Version>> {
    let text = string("Version", value)?;
    let version = match text {
        "2012-10-17" => Version::V2012_10_17,
        "2008-10-17" => Version::V2008_10_17,
        other => {
            return Err(error(
                ParseErrorKind::InvalidVersion(other.to_owned()),
                value.span.start,
            ));
        }
    };
    Ok(Spanned {
        value: version,
        span: value.span,
    })
}

/// What statement parsing needs to know about the whole policy.
struct StatementContext {
    kind: PolicyKind,
    variables: bool,
}

/// The raw elements of one statement object, each with its member.
#[derive(Default)]
struct Elements<'j> {
    sid: Option<&'j Member>,
    effect: Option<&'j Member>,
    principal: Option<&'j Member>,
    action: Option<&'j Member>,
    resource: Option<&'j Member>,
    condition: Option<&'j Member>,
}

impl<'j> Elements<'j> {
    fn collect(members: &'j [Member]) -> Result<Self> {
        let mut elements = Elements::default();
        for member in members {
            let slot = match member.key.as_str() {
                "Sid" => &mut elements.sid,
                "Effect" => &mut elements.effect,
                "Principal" | "NotPrincipal" => &mut elements.principal,
                "Action" | "NotAction" => &mut elements.action,
                "Resource" | "NotResource" => &mut elements.resource,
                "Condition" => &mut elements.condition,
                other => return Err(unknown(other, member)),
            };
            if let Some(first) = slot {
                return Err(conflict(first, member));
            }
            *slot = Some(member);
        }
        Ok(elements)
    }
}

fn conflict(first: &Member, second: &Member) -> ParseError {
    const NAMES: [&str; 6] = [
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
    ];
    let name = |key: &str| NAMES.into_iter().find(|n| *n == key).unwrap_or("element");
    let kind = ParseErrorKind::Conflict(name(&first.key), name(&second.key));
    error(kind, second.key_span.start)
}

impl StatementContext {
    fn statement(&self, index: usize, value: &Json) -> Result<Statement> {
        let elements = Elements::collect(object("Statement", value)?)?;
        let at = value.span.start;
        let effect = elements
            .effect
            .ok_or_else(|| error(ParseErrorKind::Missing("Effect"), at))
            .and_then(|m| parse_effect(&m.value))?;
        let sid = elements
            .sid
            .map(|m| spanned_string("Sid", &m.value))
            .transpose()?;
        let action = elements
            .action
            .ok_or_else(|| error(ParseErrorKind::Missing("Action` or `NotAction"), at))
            .and_then(parse_actions)?;
        let principal = elements.principal.map(parse_principal).transpose()?;
        self.check_principal(principal.as_ref(), elements.principal, effect.value, at)?;
        let resource = elements
            .resource
            .map(|m| parse_resources(m, self.variables))
            .transpose()?;
        if resource.is_none() && self.kind != PolicyKind::Trust {
            return Err(error(
                ParseErrorKind::Missing("Resource` or `NotResource"),
                at,
            ));
        }
        let conditions = match elements.condition {
            Some(m) => parse_conditions(&m.value, self.variables)?,
            None => Vec::new(),
        };
        Ok(Statement {
            index,
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
            span: value.span,
        })
    }

    /// Enforces which principal elements the policy kind allows.
    fn check_principal(
        &self,
        block: Option<&PrincipalBlock>,
        member: Option<&Member>,
        effect: Effect,
        at: Position,
    ) -> Result<()> {
        let (Some(block), Some(member)) = (block, member) else {
            return match self.kind {
                PolicyKind::Identity => Ok(()),
                PolicyKind::Resource => Err(error(
                    ParseErrorKind::Missing("Principal` or `NotPrincipal"),
                    at,
                )),
                PolicyKind::Trust => Err(error(ParseErrorKind::Missing("Principal"), at)),
            };
        };
        let key_at = member.key_span.start;
        let element = if block.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let not_allowed = |kind| error(ParseErrorKind::NotAllowed { element, kind }, key_at);
        match self.kind {
            PolicyKind::Identity => return Err(not_allowed("an identity policy")),
            PolicyKind::Trust if block.negated => return Err(not_allowed("a role trust policy")),
            _ => {}
        }
        if block.negated && effect == Effect::Allow {
            return Err(error(ParseErrorKind::NotPrincipalWithAllow, key_at));
        }
        Ok(())
    }
}

fn spanned_string(element: &str, value: &Json) -> Result<Spanned<String>> {
    Ok(Spanned {
        value: string(element, value)?.to_owned(),
        span: value.span,
    })
}

fn parse_effect(value: &Json) -> Result<Spanned<Effect>> {
    let effect = match string("Effect", value)? {
        "Allow" => Effect::Allow,
        "Deny" => Effect::Deny,
        other => {
            return Err(error(
                ParseErrorKind::InvalidEffect(other.to_owned()),
                value.span.start,
            ));
        }
    };
    Ok(Spanned {
        value: effect,
        span: value.span,
    })
}

fn parse_actions(member: &Member) -> Result<ActionBlock> {
    let patterns = strings(&member.key, &member.value)?
        .into_iter()
        .map(|(raw, span)| {
            let valid = raw == "*"
                || raw
                    .split_once(':')
                    .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
            if valid {
                Ok(ActionPattern::new(raw, span))
            } else {
                Err(error(
                    ParseErrorKind::InvalidAction(raw.to_owned()),
                    span.start,
                ))
            }
        })
        .collect::<Result<_>>()?;
    Ok(ActionBlock {
        negated: member.key == "NotAction",
        patterns,
        span: member.value.span,
    })
}

fn parse_resources(member: &Member, variables: bool) -> Result<ResourceBlock> {
    let patterns = strings(&member.key, &member.value)?
        .into_iter()
        .map(|(raw, span)| {
            if raw == "*" || raw.starts_with("arn:") {
                Ok(ResourcePattern::new(raw, span, variables))
            } else {
                Err(error(
                    ParseErrorKind::InvalidResource(raw.to_owned()),
                    span.start,
                ))
            }
        })
        .collect::<Result<_>>()?;
    Ok(ResourceBlock {
        negated: member.key == "NotResource",
        patterns,
        span: member.value.span,
    })
}

fn parse_principal(member: &Member) -> Result<PrincipalBlock> {
    let value = &member.value;
    let element = member.key.as_str();
    let entries = match &value.kind {
        JsonKind::String(s) if s == "*" => {
            vec![PrincipalEntry::new(PrincipalType::All, s, value.span)]
        }
        JsonKind::Object(members) => principal_entries(element, members)?,
        _ => return Err(wrong_type(element, "`\"*\"` or an object", value)),
    };
    if entries.is_empty() {
        return Err(error(
            ParseErrorKind::Empty(element.to_owned()),
            value.span.start,
        ));
    }
    Ok(PrincipalBlock {
        negated: element == "NotPrincipal",
        entries,
        span: value.span,
    })
}

fn principal_entries(element: &str, members: &[Member]) -> Result<Vec<PrincipalEntry>> {
    let mut entries = Vec::new();
    for member in members {
        let principal_type = PrincipalType::from_key(&member.key).ok_or_else(|| {
            error(
                ParseErrorKind::UnknownPrincipalType(member.key.clone()),
                member.key_span.start,
            )
        })?;
        let name = format!("{element}.{}", member.key);
        for (value, span) in strings(&name, &member.value)? {
            entries.push(PrincipalEntry::new(principal_type, value, span));
        }
    }
    Ok(entries)
}

fn parse_conditions(value: &Json, variables: bool) -> Result<Vec<ConditionClause>> {
    let mut clauses = Vec::new();
    for op_member in object("Condition", value)? {
        let operator = Operator::parse(&op_member.key).map_err(|e| {
            let kind = match e {
                OperatorError::Unknown => ParseErrorKind::UnknownOperator(op_member.key.clone()),
                OperatorError::NullIfExists => ParseErrorKind::NullIfExists,
            };
            error(kind, op_member.key_span.start)
        })?;
        let first_of_operator = clauses.len();
        for key_member in object(&op_member.key, &op_member.value)? {
            let key_lower = key_member.key.to_lowercase();
            let seen = clauses.get(first_of_operator..).unwrap_or_default();
            if let Some(first) = seen
                .iter()
                .find(|c: &&ConditionClause| c.key_lower == key_lower)
            {
                let kind = ParseErrorKind::DuplicateConditionKey {
                    key: key_member.key.clone(),
                    first: first.key.clone(),
                    operator: op_member.key.clone(),
                };
                return Err(error(kind, key_member.key_span.start));
            }
            let values = condition_values(operator, key_member, variables)?;
            clauses.push(ConditionClause {
                operator,
                operator_span: op_member.key_span,
                key: key_member.key.clone(),
                key_lower,
                key_span: key_member.key_span,
                values,
            });
        }
    }
    Ok(clauses)
}

fn condition_values(
    operator: Operator,
    member: &Member,
    variables: bool,
) -> Result<Vec<ConditionValue>> {
    const EXPECTED: &str = "a string, number or boolean, or an array of them";
    let items: Vec<&Json> = match &member.value.kind {
        JsonKind::Array(items) if items.is_empty() => {
            return Err(error(
                ParseErrorKind::Empty(member.key.clone()),
                member.value.span.start,
            ));
        }
        JsonKind::Array(items) => items.iter().collect(),
        _ => vec![&member.value],
    };
    items
        .into_iter()
        .map(|item| {
            let raw = match &item.kind {
                JsonKind::String(s) => s.clone(),
                JsonKind::Number(n) => n.clone(),
                JsonKind::Bool(b) => b.to_string(),
                _ => return Err(wrong_type(&member.key, EXPECTED, item)),
            };
            let parsed = ParsedValue::parse(operator.base, &raw, variables);
            Ok(ConditionValue {
                raw,
                span: item.span,
                parsed,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
