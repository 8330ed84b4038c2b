//! The typed policy: a validated document whose every statement and
//! element keeps its source span, with patterns compiled for evaluation.
//!
//! Values of these types come only from [`crate::policy::parse()`], so a
//! `Policy` is always well-formed for its [`PolicyKind`]. The pattern types
//! expose their compiled form (globs per ARN segment, lowercased action
//! globs, typed condition values) for modules that reason about policies
//! without a concrete request, such as the access model.

use super::arn::{ArnPattern, SplitArn};
use super::condition::ConditionClause;
use super::glob::{Glob, Resolve};
use super::principal::PrincipalBlock;
use super::span::{Span, Spanned};

/// Where a policy is attached, which decides the elements it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Identity-based policies (inline, managed, group), permissions
    /// boundaries, session policies and SCPs: no `Principal`, `Resource`
    /// required.
    Identity,
    /// Resource-based policies such as bucket, access point policies and
    /// RCPs: `Principal` or `NotPrincipal` and `Resource` required.
    Resource,
    /// Role trust policies: `Principal` required, `NotPrincipal` not
    /// allowed, `Resource` optional.
    Trust,
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${...}` is literal text.
    V2008_10_17,
}

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The kind it was validated as.
    pub kind: PolicyKind,
    /// `Version`, if present (absent behaves like `2008-10-17`).
    pub version: Option<Spanned<Version>>,
    /// `Id`, if present.
    pub id: Option<Spanned<String>>,
    /// The statements in source order.
    pub statements: Vec<Statement>,
    /// The whole document.
    pub span: Span,
}

impl Policy {
    /// Whether `${...}` policy variables are substituted.
    pub fn variables_enabled(&self) -> bool {
        matches!(
            self.version,
            Some(Spanned {
                value: Version::V2012_10_17,
                ..
            })
        )
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants, subject to the other layers.
    Allow,
    /// Denies, whatever any other statement says.
    Deny,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// 0-based position in the policy's `Statement` list.
    pub index: usize,
    /// `Sid`, if present.
    pub sid: Option<Spanned<String>>,
    /// `Effect`.
    pub effect: Spanned<Effect>,
    /// `Principal` or `NotPrincipal`, if present.
    pub principal: Option<PrincipalBlock>,
    /// `Action` or `NotAction`.
    pub action: ActionBlock,
    /// `Resource` or `NotResource`; absent only in trust policies, where
    /// the statement applies to the role it is attached to.
    pub resource: Option<ResourceBlock>,
    /// The `Condition` block flattened into (operator, key) clauses.
    pub conditions: Vec<ConditionClause>,
    /// The statement object.
    pub span: Span,
}

impl Statement {
    /// The Sid, or `#N` (1-based) when the statement has none.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.value.is_empty() => sid.value.clone(),
            _ => format!("#{}", self.index + 1),
        }
    }

    /// The Sid's text, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_ref().map(|s| s.value.as_str())
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionBlock {
    /// Whether it is `NotAction`.
    pub negated: bool,
    /// The listed patterns.
    pub patterns: Vec<ActionPattern>,
    /// Where the element's value is written.
    pub span: Span,
}

impl ActionBlock {
    /// Whether the element covers the (lowercased) action.
    pub fn covers(&self, action_lower: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(action_lower)) != self.negated
    }
}

/// One action pattern, such as `s3:Put*`, compiled lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    /// As written.
    pub raw: String,
    /// Where it is written.
    pub span: Span,
    glob: Glob,
}

impl ActionPattern {
    /// Compiles `raw` (case-insensitive, `*` and `?` wildcards).
    pub fn new(raw: &str, span: Span) -> Self {
        let syntax = super::glob::Syntax {
            wildcards: true,
            variables: false,
        };
        Self {
            raw: raw.to_owned(),
            span,
            glob: Glob::parse(&raw.to_lowercase(), syntax),
        }
    }

    /// The lowercased glob.
    pub fn glob(&self) -> &Glob {
        &self.glob
    }

    /// Whether it matches an already-lowercased action name.
    pub fn matches(&self, action_lower: &str) -> bool {
        self.glob.matches_plain(action_lower)
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceBlock {
    /// Whether it is `NotResource`.
    pub negated: bool,
    /// The listed patterns.
    pub patterns: Vec<ResourcePattern>,
    /// Where the element's value is written.
    pub span: Span,
}

impl ResourceBlock {
    /// Whether the element covers the resource. An entry whose variable
    /// has no value matches nothing, so under `NotResource` it excludes
    /// nothing (variables page, "Policy variables with no value").
    pub fn covers(&self, resource: &SplitArn<'_>, resolver: &dyn Resolve) -> bool {
        let any = self
            .patterns
            .iter()
            .any(|p| p.pattern.matches_resource(resource, resolver));
        any != self.negated
    }
}

/// One resource pattern, compiled per ARN segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePattern {
    /// As written.
    pub raw: String,
    /// Where it is written.
    pub span: Span,
    pattern: ArnPattern,
}

impl ResourcePattern {
    /// Compiles `raw`; `variables` per the policy's Version.
    pub fn new(raw: &str, span: Span, variables: bool) -> Self {
        Self {
            raw: raw.to_owned(),
            span,
            pattern: ArnPattern::resource(raw, variables),
        }
    }

    /// The compiled per-segment pattern.
    pub fn pattern(&self) -> &ArnPattern {
        &self.pattern
    }

    /// Whether it matches the resource ARN.
    pub fn matches(&self, resource: &SplitArn<'_>, resolver: &dyn Resolve) -> bool {
        self.pattern.matches_resource(resource, resolver)
    }
}
