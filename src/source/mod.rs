//! Where facts come from. Each source turns one kind of input into an
//! [`Inventory`](crate::inventory::Inventory); nothing after a source
//! touches the network or the input files again.
//!
//! - [`aws`]: a live account, through the AWS SDK for Rust.
//! - [`dump`]: a directory written by `scripts/dump-account.sh` (AWS CLI).
//! - [`auth_details`]: the output of `aws iam get-account-authorization-details`.
//! - [`snapshot`]: putonly's own saved inventory.

pub mod auth_details;
pub mod aws;
pub mod dump;
mod iam_json;
mod normalize;
pub mod snapshot;

/// The exact text of a policy document as it arrives in IAM's JSON (the
/// authorization details of a dump or of `--auth-details`): a JSON string,
/// URL-encoded or not, or an object. The readers above call it for every
/// document; it is public for tests and fuzzing.
pub use iam_json::document as iam_policy_document;

use std::path::PathBuf;

/// Why a source could not produce an inventory at all.
///
/// Failures limited to one resource are not errors: they are recorded in
/// the inventory as unknown facts or gaps, and reported as findings.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid JSON in `{path}` at line {line}, column {column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unexpected content in `{path}`: {message}")]
    Content { path: PathBuf, message: String },
    #[error(
        "`{path}` is a snapshot of schema version {found}, this putonly reads version {expected}"
    )]
    SchemaVersion {
        path: PathBuf,
        found: u64,
        expected: u32,
    },
    #[error("AWS call {operation} failed ({endpoint}): {message}")]
    Aws {
        operation: String,
        endpoint: String,
        message: String,
    },
    #[error("cannot assume role `{role_arn}`: {message}")]
    AssumeRole { role_arn: String, message: String },
    #[error("AWS configuration: {0}")]
    AwsConfig(String),
}

impl SourceError {
    /// A JSON error from `serde_json`, with its position, for `path`.
    pub fn json(path: impl Into<PathBuf>, err: &serde_json::Error) -> Self {
        let message = err.to_string();
        // serde_json appends " at line L column C"; keep the message alone.
        let message = match message.rfind(" at line ") {
            Some(at) => message.get(..at).unwrap_or(&message).to_owned(),
            None => message,
        };
        SourceError::Json {
            path: path.into(),
            line: err.line(),
            column: err.column(),
            message,
        }
    }
}
