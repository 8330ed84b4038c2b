//! The IAM policy engine: parse policy documents from their exact text with
//! source spans, and decide requests the way AWS does.
//!
//! The module imports nothing else from the crate.

pub mod json;
pub mod span;
