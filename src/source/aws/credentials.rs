//! Each IAM user's long-term credentials: access keys with their last use,
//! console password and MFA devices.
//!
//! With the credential report (the `credential_report` module), a user the
//! report lists costs at most two calls: ListAccessKeys (for the key ids,
//! and for keys the report does not show), ListMFADevices when it shows
//! MFA (for the serial numbers); password state and each key's last use
//! come from the report. A user the report does not list, a key it does not show, and
//! every user when there is no report, are read call by call:
//! ListAccessKeys, GetAccessKeyLastUsed per key, GetLoginProfile,
//! ListMFADevices.

use std::collections::HashMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::AccessKeyMetadata;
use futures::StreamExt;

use crate::inventory::{AccessKey, Fact, LastUsed, User};
use crate::progress::Tally;

use super::credential_report::{CredentialReport, ReportUser};
use super::date_text;
use super::error::CallError;
use crate::source::normalize;

/// Reads every user's credentials, `concurrency` users at a time, with the
/// credential report's help when there is one.
pub(super) async fn fill(
    client: &Client,
    users: &mut [User],
    concurrency: usize,
    report: Option<&CredentialReport>,
    tally: &Tally,
) {
    // Rows are cloned (a few small fields each): a borrowed row in the
    // stream would make the future unfit for a spawned task.
    let names: Vec<(String, Option<ReportUser>)> = users
        .iter()
        .map(|u| {
            let row = report
                .and_then(|r| r.user(&u.arn))
                .filter(|row| row.is_of(&u.create_date));
            (u.name.clone(), row.cloned())
        })
        .collect();
    let mut found: HashMap<String, UserCredentials> = futures::stream::iter(names)
        .map(|(name, row)| async move {
            let credentials = match row {
                Some(row) => reported_credentials(client, &name, &row).await,
                None => user_credentials(client, &name).await,
            };
            tally.principals_read(1);
            (name, credentials)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for user in users {
        if let Some(credentials) = found.remove(&user.name) {
            credentials.warn_unknown(&user.name);
            user.access_keys = credentials.access_keys;
            user.console_password = credentials.console_password;
            user.mfa_devices = credentials.mfa_devices;
        }
    }
}

/// A user's long-term credentials.
struct UserCredentials {
    access_keys: Fact<Vec<AccessKey>>,
    console_password: Fact<bool>,
    mfa_devices: Fact<Vec<String>>,
}

impl UserCredentials {
    fn warn_unknown(&self, user: &str) {
        let reasons = [
            self.access_keys.unknown_reason(),
            self.console_password.unknown_reason(),
            self.mfa_devices.unknown_reason(),
        ];
        for reason in reasons.into_iter().flatten() {
            tracing::warn!(user, reason, "could not collect a user's credentials");
        }
    }
}

/// A user the credential report lists: keys are always listed, MFA
/// devices only when the report shows MFA. A row without keys does not
/// prove the user has none: the report can be four hours old, and AWS
/// documents `N/A` in a key slot whenever the user has no active key, so
/// an inactive key need not show either.
async fn reported_credentials(client: &Client, user: &str, row: &ReportUser) -> UserCredentials {
    let access_keys = access_keys(client, user, Some(row)).await;
    let console_password = match row.password_enabled {
        Some(enabled) => Fact::Present(enabled),
        None => console_password(client, user).await,
    };
    let mfa_devices = match row.mfa_active {
        Some(false) => Fact::Present(Vec::new()),
        Some(true) | None => mfa_devices(client, user).await,
    };
    UserCredentials {
        access_keys,
        console_password,
        mfa_devices,
    }
}

/// A user read call by call.
async fn user_credentials(client: &Client, user: &str) -> UserCredentials {
    UserCredentials {
        access_keys: access_keys(client, user, None).await,
        console_password: console_password(client, user).await,
        mfa_devices: mfa_devices(client, user).await,
    }
}

/// The user's keys; each key's last use from the report's row when the
/// row shows that key, else asked.
async fn access_keys(
    client: &Client,
    user: &str,
    row: Option<&ReportUser>,
) -> Fact<Vec<AccessKey>> {
    match client
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(keys) => {
            let mut collected = Vec::with_capacity(keys.len());
            for key in keys {
                let reported = row
                    .zip(key.create_date.as_ref())
                    .and_then(|(row, created)| row.key_last_used(created.secs()).cloned());
                collected.push(access_key(client, key, reported).await);
            }
            Fact::Present(collected)
        }
        Err(err) => Fact::Unknown(CallError::from_sdk("iam:ListAccessKeys", &err).reason()),
    }
}

async fn console_password(client: &Client, user: &str) -> Fact<bool> {
    match client.get_login_profile().user_name(user).send().await {
        Ok(_) => Fact::Present(true),
        Err(err) => {
            let err = CallError::from_sdk("iam:GetLoginProfile", &err);
            if err.is_any(&["NoSuchEntity"]) {
                Fact::Present(false)
            } else {
                Fact::Unknown(err.reason())
            }
        }
    }
}

async fn mfa_devices(client: &Client, user: &str) -> Fact<Vec<String>> {
    match client
        .list_mfa_devices()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(devices) => Fact::Present(devices.into_iter().map(|d| d.serial_number).collect()),
        Err(err) => Fact::Unknown(CallError::from_sdk("iam:ListMFADevices", &err).reason()),
    }
}

/// One key, its last use as `reported` or else asked.
async fn access_key(
    client: &Client,
    key: AccessKeyMetadata,
    reported: Option<Fact<LastUsed>>,
) -> AccessKey {
    let id = key.access_key_id.unwrap_or_default();
    let last_used = match reported {
        Some(last_used) => last_used,
        None => key_last_used(client, &id).await,
    };
    AccessKey {
        status: key
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        create_date: date_text(key.create_date.as_ref()),
        last_used,
        id,
    }
}

async fn key_last_used(client: &Client, id: &str) -> Fact<LastUsed> {
    match client
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await
    {
        Ok(output) => match output.access_key_last_used {
            Some(used) => last_used(used.last_used_date.as_ref(), used.service_name, used.region),
            None => Fact::Absent,
        },
        Err(err) => {
            let err = CallError::from_sdk("iam:GetAccessKeyLastUsed", &err);
            tracing::warn!(key = %id, reason = %err, "could not read an access key's last use");
            Fact::Unknown(err.reason())
        }
    }
}

/// A key never used has no date, and `N/A` as service and region.
fn last_used(
    date: Option<&aws_smithy_types::DateTime>,
    service: String,
    region: String,
) -> Fact<LastUsed> {
    match date {
        Some(date) => Fact::Present(LastUsed {
            date: date_text(Some(date)),
            service: normalize::known_value(Some(service)),
            region: normalize::known_value(Some(region)),
        }),
        None => Fact::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_used_has_no_last_use() {
        assert_eq!(last_used(None, "N/A".into(), "N/A".into()), Fact::Absent);
        let date = aws_smithy_types::DateTime::from_secs(1_700_000_000);
        assert_eq!(
            last_used(Some(&date), "s3".into(), "N/A".into()),
            Fact::Present(LastUsed {
                date: "2023-11-14T22:13:20Z".into(),
                service: Some("s3".into()),
                region: None,
            })
        );
    }
}
