//! The IAM policy engine: parsing, matching and evaluating AWS policies.

pub mod catalog;
