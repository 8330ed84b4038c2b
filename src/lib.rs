//! putonly: audit of write-only S3 connectors.

pub mod policy;
