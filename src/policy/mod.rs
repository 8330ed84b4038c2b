//! The IAM policy engine: parse policy documents from their exact text with
//! source spans, and decide requests the way AWS does, with the statements
//! and errors behind each decision.
//!
//! The flow is parse, then evaluate, then authorize:
//!
//! ```
//! use putonly::policy::{
//!     Context, LabelledPolicy, PolicyKind, PolicySet, Request, RequestPrincipal, Verdict,
//!     authorize, parse,
//! };
//!
//! let text = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Write",
//!     "Effect": "Allow", "Action": "s3:PutObject",
//!     "Resource": "arn:aws:s3:::rec-bucket/uploads/*"}]}"#;
//! let policy = parse(text, PolicyKind::Identity).unwrap();
//! let set = PolicySet {
//!     identity: vec![LabelledPolicy::new("user/videsk-connector inline write", &policy)],
//!     ..PolicySet::default()
//! };
//! let caller = RequestPrincipal::iam_user("arn:aws:iam::111122223333:user/videsk-connector");
//! let context = Context::new().with("aws:SecureTransport", "true");
//! let request = Request::new(caller, "s3:PutObject", "arn:aws:s3:::rec-bucket/uploads/a", context)
//!     .with_resource_account("111122223333");
//! let decision = authorize(&set, &request);
//! assert_eq!(decision.verdict, Verdict::Allow);
//! assert_eq!(decision.sids().collect::<Vec<_>>(), ["Write"]);
//! assert_eq!(decision.statements[0].statement.span().start.line, 1);
//! ```
//!
//! The module imports nothing else from the crate. Semantics and their
//! sources: `design/IAM-SEMANTICS.md` in the shared design notes.

pub mod arn;
pub mod authorize;
pub mod catalog;
pub mod condition;
pub mod evaluate;
pub mod glob;
pub mod json;
pub mod keys;
pub mod model;
pub mod parse;
pub mod principal;
pub mod request;
pub mod span;

pub use authorize::{
    Deciding, Decision, DecisionError, DenyCause, Layer, PolicySet, Verdict, authorize,
};
pub use condition::{
    BaseOperator, ConditionClause, ConditionValue, Operator, ParsedValue, SetQualifier,
};
pub use evaluate::{
    EvalError, LabelledPolicy, PolicyEvaluation, StatementMatch, StatementRef, evaluate,
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

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod robustness_tests;
