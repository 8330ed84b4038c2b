//! The evaluator: one policy against one request.
//!
//! A statement matches a request when its action element covers the
//! action, its resource element covers the resource (a trust policy
//! statement without one covers the role it is attached to), its principal
//! element (if any) applies to the caller, and every condition clause
//! holds. The evaluator reports the matching statements with their effect
//! and, for resource-based policies, what the principal match is worth;
//! combining policies is the authorizer's job ([`crate::policy::authorize()`]).

use super::arn::SplitArn;
use super::condition::eval::{self as condition, ClauseError};
use super::model::{Effect, Policy, Statement};
use super::principal::Grant;
use super::request::Request;
use super::span::Span;
use std::fmt;

/// A policy with the caller's label for it, such as a managed policy's ARN
/// or `user/videsk-connector inline policy write`.
#[derive(Debug, Clone, Copy)]
pub struct LabelledPolicy<'a> {
    /// How decisions refer to the policy.
    pub label: &'a str,
    /// The parsed policy.
    pub policy: &'a Policy,
}

impl<'a> LabelledPolicy<'a> {
    /// Labels `policy`.
    pub fn new(label: &'a str, policy: &'a Policy) -> Self {
        Self { label, policy }
    }
}

/// A statement and the policy it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct StatementRef<'a> {
    /// The policy's label.
    pub policy: &'a str,
    /// The statement.
    pub statement: &'a Statement,
}

impl StatementRef<'_> {
    /// The statement's Sid, if any.
    pub fn sid(&self) -> Option<&str> {
        self.statement.sid()
    }

    /// Where the statement is written.
    pub fn span(&self) -> Span {
        self.statement.span
    }
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} statement {} ({})",
            self.policy,
            self.statement.label(),
            self.statement.span
        )
    }
}

/// A statement that matched the request.
#[derive(Debug, Clone, Copy)]
pub struct StatementMatch<'a> {
    /// Which statement.
    pub statement: StatementRef<'a>,
    /// Its effect.
    pub effect: Effect,
    /// For statements with `Principal`, what the match is worth.
    pub grant: Option<Grant>,
}

/// A malformed condition value met while evaluating a statement.
#[derive(Debug, Clone)]
pub struct EvalError<'a> {
    /// The statement being evaluated.
    pub statement: StatementRef<'a>,
    /// The clause, value and problem.
    pub error: ClauseError<'a>,
}

impl EvalError<'_> {
    /// Where to point: the offending value, or the condition key.
    pub fn span(&self) -> Span {
        self.error.span()
    }
}

impl fmt::Display for EvalError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.statement,
            self.span(),
            self.error.error
        )
    }
}

/// Everything one policy says about one request.
#[derive(Debug, Clone, Default)]
pub struct PolicyEvaluation<'a> {
    /// The matching statements, in source order.
    pub matches: Vec<StatementMatch<'a>>,
    /// Malformed values met, in source order.
    pub errors: Vec<EvalError<'a>>,
}

impl<'a> PolicyEvaluation<'a> {
    /// The matching statements with the given effect.
    pub fn with_effect(&self, effect: Effect) -> impl Iterator<Item = &StatementMatch<'a>> {
        self.matches.iter().filter(move |m| m.effect == effect)
    }
}

/// Evaluates every statement of `policy` against `request`.
pub fn evaluate<'a>(policy: LabelledPolicy<'a>, request: &Request) -> PolicyEvaluation<'a> {
    let prepared = Prepared::new(request, false);
    let mut result = PolicyEvaluation::default();
    for statement in &policy.policy.statements {
        let found = evaluate_statement(policy.label, statement, &prepared, &mut result.errors);
        result.matches.extend(found);
    }
    result
}

/// The statements of `policy` whose action, resource and principal
/// elements cover `request`, whatever their conditions say: the statements
/// whose conditions decide whether they take part.
pub fn applicable<'a>(policy: LabelledPolicy<'a>, request: &Request) -> Vec<StatementRef<'a>> {
    let prepared = Prepared::new(request, false);
    policy
        .policy
        .statements
        .iter()
        .filter(|statement| covers_ignoring_conditions(statement, &prepared))
        .map(|statement| StatementRef {
            policy: policy.label,
            statement,
        })
        .collect()
}

fn covers_ignoring_conditions(statement: &Statement, prepared: &Prepared<'_>) -> bool {
    let request = prepared.request;
    statement.action.covers(request.action_lower())
        && statement
            .resource
            .as_ref()
            .is_none_or(|resource| resource.covers(&prepared.resource, &request.context))
        && statement.principal.as_ref().is_none_or(|block| {
            block
                .applies_to(&request.principal, prepared.boundary_attached)
                .is_some()
        })
}

/// A request with its resource ARN split once for all statements.
pub(crate) struct Prepared<'r> {
    pub(crate) request: &'r Request,
    resource: SplitArn<'r>,
    /// Whether the caller has a permissions boundary (defeats NotPrincipal).
    boundary_attached: bool,
}

impl<'r> Prepared<'r> {
    pub(crate) fn new(request: &'r Request, boundary_attached: bool) -> Self {
        Self {
            request,
            resource: request.resource_arn(),
            boundary_attached,
        }
    }
}

/// Evaluates one statement; errors from its conditions go to `errors`.
pub(crate) fn evaluate_statement<'a>(
    policy: &'a str,
    statement: &'a Statement,
    prepared: &Prepared<'_>,
    errors: &mut Vec<EvalError<'a>>,
) -> Option<StatementMatch<'a>> {
    let request = prepared.request;
    if !statement.action.covers(request.action_lower()) {
        return None;
    }
    if let Some(resource) = &statement.resource
        && !resource.covers(&prepared.resource, &request.context)
    {
        return None;
    }
    let grant = match &statement.principal {
        Some(block) => Some(block.applies_to(&request.principal, prepared.boundary_attached)?),
        None => None,
    };
    let statement_ref = StatementRef { policy, statement };
    if !conditions_hold(statement_ref, &request.context, errors) {
        return None;
    }
    Some(StatementMatch {
        statement: statement_ref,
        effect: statement.effect.value,
        grant,
    })
}

/// ANDs the clauses, stopping at the first that fails.
fn conditions_hold<'a>(
    statement: StatementRef<'a>,
    context: &super::request::Context,
    errors: &mut Vec<EvalError<'a>>,
) -> bool {
    let mut clause_errors = Vec::new();
    let holds = statement
        .statement
        .conditions
        .iter()
        .all(|clause| condition::evaluate(clause, context, &mut clause_errors));
    errors.extend(
        clause_errors
            .into_iter()
            .map(|error| EvalError { statement, error }),
    );
    holds
}
