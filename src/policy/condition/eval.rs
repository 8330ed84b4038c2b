//! Deciding one condition clause against a request context.
//!
//! The rules, from the condition operator and multiple-values pages
//! (IAM-SEMANTICS.md 3.2-3.4):
//! - Absent key: `ForAnyValue:` is false (even with `...IfExists`);
//!   `ForAllValues:` is true; otherwise `...IfExists` is true, a negated
//!   operator true and a positive one false. `Null` tests presence directly.
//! - Present key: a positive operator is true if some request value matches
//!   some policy value; a negated one is true if no request value matches
//!   any policy value (a NOR over the policy values). `ForAnyValue:` needs
//!   one request value to satisfy the operator, `ForAllValues:` every one
//!   (vacuously true for an empty set).
//! - A policy variable without a value is effectively null: it equals and
//!   is like nothing, so positive operators fail and negated ones hold.
//! - A malformed value (a date that is not a date, in the policy or in the
//!   request) matches nothing, as AWS treats it, and is recorded as a
//!   [`ClauseError`] so the decision can say it is not trustworthy.

use super::values::{self, Decimal, Instant};
use super::{BaseOperator, ConditionClause, ConditionValue, Family, ParsedValue, SetQualifier};
use crate::policy::arn::SplitArn;
use crate::policy::request::Context;
use std::cmp::Ordering;
use std::net::IpAddr;
use thiserror::Error;

/// A malformed value met while deciding a clause.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// A value written in the policy is not valid for its operator.
    #[error("policy value `{value}` is invalid for `{operator}`: {reason}")]
    Policy {
        /// The operator's name.
        operator: String,
        /// The value as written.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A request value is not valid for the operator comparing it.
    #[error("request value of `{key}` is invalid for `{operator}`: {reason}")]
    Request {
        /// The operator's name.
        operator: String,
        /// The condition key.
        key: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// A [`ValueError`] with the clause (and policy value) it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseError<'p> {
    /// The clause being decided.
    pub clause: &'p ConditionClause,
    /// The offending policy value, for policy-side errors.
    pub value: Option<&'p ConditionValue>,
    /// What was wrong.
    pub error: ValueError,
}

impl ClauseError<'_> {
    /// Where to point: the policy value, or the key for request errors.
    pub fn span(&self) -> crate::policy::span::Span {
        self.value.map_or(self.clause.key_span, |v| v.span)
    }
}

/// Decides `clause` against `context`, appending any malformed values met
/// to `errors`.
pub fn evaluate<'p>(
    clause: &'p ConditionClause,
    context: &Context,
    errors: &mut Vec<ClauseError<'p>>,
) -> bool {
    let operator = clause.operator;
    let entry = context.get(&clause.key_lower);
    if operator.base == BaseOperator::Null {
        return null_test(clause, entry.is_some(), errors);
    }
    let Some(entry) = entry else {
        return absent(clause);
    };
    let negated = operator.base.is_negated();
    let mut matcher = Matcher {
        clause,
        context,
        errors,
    };
    let values = entry.values();
    match operator.set {
        None => values.iter().any(|v| matcher.matches_any(v)) != negated,
        Some(SetQualifier::ForAnyValue) => values.iter().any(|v| matcher.matches_any(v) != negated),
        Some(SetQualifier::ForAllValues) => {
            values.iter().all(|v| matcher.matches_any(v) != negated)
        }
    }
}

/// The result for an absent key. `ForAnyValue:` needs a request value to
/// satisfy the operator, so it is false even with `...IfExists`: AWS applies
/// `IfExists` to each value inside the set loop, and a request without the
/// key has none (found by the differential test; observed on AWS in the
/// re:Post question "ForAnyValue:StringEqualsIfExists behaving
/// unexpectedly").
fn absent(clause: &ConditionClause) -> bool {
    let operator = clause.operator;
    match operator.set {
        Some(SetQualifier::ForAnyValue) => false,
        Some(SetQualifier::ForAllValues) => true,
        None => operator.if_exists || operator.base.is_negated(),
    }
}

/// `Null`: `"true"` holds when the key is absent, `"false"` when present.
fn null_test<'p>(
    clause: &'p ConditionClause,
    present: bool,
    errors: &mut Vec<ClauseError<'p>>,
) -> bool {
    let mut result = false;
    for value in &clause.values {
        match &value.parsed {
            ParsedValue::Null(wants_absent) => result |= *wants_absent != present,
            _ => errors.push(policy_error(clause, value)),
        }
    }
    result
}

fn policy_error<'p>(clause: &'p ConditionClause, value: &'p ConditionValue) -> ClauseError<'p> {
    let reason = match &value.parsed {
        ParsedValue::Invalid(reason) => reason.clone(),
        _ => format!("`{}` is not valid here", value.raw),
    };
    ClauseError {
        clause,
        value: Some(value),
        error: ValueError::Policy {
            operator: clause.operator.to_string(),
            value: value.raw.clone(),
            reason,
        },
    }
}

/// A request value parsed for the clause's family.
enum Parsed<'r> {
    Text(&'r str),
    Arn(SplitArn<'r>),
    Number(Decimal),
    Date(Instant),
    Bool(bool),
    Binary(Vec<u8>),
    Ip(IpAddr),
}

struct Matcher<'p, 'c, 'e> {
    clause: &'p ConditionClause,
    context: &'c Context,
    errors: &'e mut Vec<ClauseError<'p>>,
}

impl<'p> Matcher<'p, '_, '_> {
    /// Whether `request` satisfies the operator's positive predicate for
    /// at least one policy value.
    fn matches_any(&mut self, request: &str) -> bool {
        let parsed = match parse_request(self.clause.operator.base, request) {
            Ok(parsed) => parsed,
            Err(reason) => {
                self.errors.push(ClauseError {
                    clause: self.clause,
                    value: None,
                    error: ValueError::Request {
                        operator: self.clause.operator.to_string(),
                        key: self.clause.key.clone(),
                        reason,
                    },
                });
                return false;
            }
        };
        let clause = self.clause;
        clause
            .values
            .iter()
            .any(|value| match self.compare(value, &parsed) {
                Some(matched) => matched,
                None => {
                    self.errors.push(policy_error(clause, value));
                    false
                }
            })
    }

    /// The positive predicate for one policy value; `None` if the policy
    /// value is malformed. A variable without a value compares unequal.
    fn compare(&self, value: &ConditionValue, request: &Parsed<'_>) -> Option<bool> {
        let base = self.clause.operator.base;
        let context = self.context;
        let matched = match (&value.parsed, request) {
            (ParsedValue::Text(glob), Parsed::Text(text)) => match base {
                BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
                    glob.render(context)
                        .is_some_and(|p| eq_ignore_case(&p, text))
                }
                _ => glob.matches(text, context).unwrap_or(false),
            },
            (ParsedValue::Arn(pattern), Parsed::Arn(arn)) => pattern.matches_strictly(arn, context),
            (ParsedValue::Number(policy), Parsed::Number(req)) => ordered(base, req.cmp(policy)),
            (ParsedValue::Date(policy), Parsed::Date(req)) => ordered(base, req.cmp(policy)),
            (ParsedValue::Bool(glob), Parsed::Bool(req)) => match glob.render(context) {
                Some(text) => values::parse_bool(&text).ok()? == *req,
                None => false,
            },
            (ParsedValue::Binary(policy), Parsed::Binary(req)) => policy == req,
            (ParsedValue::Cidr(block), Parsed::Ip(ip)) => block.contains(*ip),
            _ => return None,
        };
        Some(matched)
    }
}

fn parse_request(base: BaseOperator, request: &str) -> Result<Parsed<'_>, String> {
    Ok(match base.family() {
        Family::String | Family::Null => Parsed::Text(request),
        Family::Arn => Parsed::Arn(SplitArn::new(request)),
        Family::Numeric => Parsed::Number(Decimal::parse(request)?),
        Family::Date => Parsed::Date(values::parse_date(request)?),
        Family::Bool => Parsed::Bool(values::parse_bool(request)?),
        Family::Binary => Parsed::Binary(values::parse_base64(request)?),
        Family::Ip => Parsed::Ip(values::parse_ip(request)?),
    })
}

/// The positive predicate of an ordering operator (`...NotEquals` tests
/// equality; the negation is applied over all values by the caller).
fn ordered(base: BaseOperator, request_vs_policy: Ordering) -> bool {
    use BaseOperator::*;
    match base {
        NumericLessThan | DateLessThan => request_vs_policy == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => request_vs_policy != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => request_vs_policy == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => request_vs_policy != Ordering::Less,
        _ => request_vs_policy == Ordering::Equal,
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
