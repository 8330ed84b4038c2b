//! The IAM policy engine: parse policy documents from their exact text with
//! source spans, and decide requests the way AWS does, with the statements
//! and errors behind each decision.
//!
//! Parsing keeps the span of every element; patterns are compiled once.
//!
//! The module imports nothing else from the crate. Semantics and their
//! sources: `design/IAM-SEMANTICS.md` in the shared design notes.

pub mod arn;
pub mod condition;
pub mod glob;
pub mod json;
pub mod keys;
pub mod model;
pub mod parse;
pub mod principal;
pub mod request;
pub mod span;

pub use condition::{
    BaseOperator, ConditionClause, ConditionValue, Operator, ParsedValue, SetQualifier,
};
pub use keys::{ActionCatalog, ActionInfo, KeyPresence, KeyType, ResourceTypeInfo};
pub use model::{
    ActionBlock, ActionPattern, Effect, Policy, PolicyKind, ResourceBlock, ResourcePattern,
    Statement, Version,
};
pub use parse::{ParseError, ParseErrorKind, parse};
pub use principal::{Grant, PrincipalBlock, PrincipalEntry, PrincipalTarget, PrincipalType};
pub use request::{Context, ContextValue, PrincipalKind, Request, RequestPrincipal};
pub use span::{Position, Span, Spanned};
