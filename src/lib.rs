//! putonly: compliance audit and drift check for write-only S3 connectors.
//!
//! The pipeline: a [`source`] produces an [`inventory::Inventory`]; the
//! rules turn it and the [`config::Config`] into findings; a report renders
//! them. Nothing after the source touches the network.

pub mod access;
pub mod accounts;
pub mod app;
pub mod cli;
pub mod config;
pub mod drift;
pub mod finding;
pub mod inventory;
pub mod policy;
pub mod progress;
pub mod report;
pub mod rules;
pub mod source;
