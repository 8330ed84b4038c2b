//! The accounts of an AWS Organization, listed with the caller's own
//! credentials (`organizations:ListAccounts`, from the management account
//! or a delegated administrator).

use super::error::CallError;
use super::{Clients, LiveOptions};
use crate::source::SourceError;

/// One member account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, ... as
    /// Organizations says.
    pub status: String,
}

impl OrganizationAccount {
    /// Whether the account can be scanned: suspended and closing accounts
    /// cannot be signed into.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// Every account of the caller's organization, every page, sorted by id.
pub async fn organization_accounts(
    options: &LiveOptions,
) -> Result<Vec<OrganizationAccount>, SourceError> {
    const OPERATION: &str = "organizations:ListAccounts";
    let clients = Clients::load(options).await?;
    let mut pages = clients
        .organizations()
        .list_accounts()
        .into_paginator()
        .send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| SourceError::Aws {
            operation: OPERATION.to_owned(),
            endpoint: clients.endpoint(),
            message: CallError::from_sdk(OPERATION, &err).reason(),
        })?;
        for account in page.accounts() {
            let Some(id) = account.id().filter(|id| !id.is_empty()) else {
                tracing::warn!("organizations:ListAccounts gave an account without an id");
                continue;
            };
            accounts.push(OrganizationAccount {
                id: id.to_owned(),
                name: account.name().unwrap_or_default().to_owned(),
                // `State` replaces `Status`, retired in September 2026;
                // older endpoints and emulators send only `Status`.
                status: account
                    .state()
                    .map(|state| state.as_str().to_owned())
                    .or_else(|| account.status().map(|status| status.as_str().to_owned()))
                    .unwrap_or_default(),
            });
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    tracing::info!(accounts = accounts.len(), "organization accounts listed");
    Ok(accounts)
}
