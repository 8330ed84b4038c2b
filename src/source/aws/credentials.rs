//! Each IAM user's long-term credentials: access keys with their last use,
//! console password and MFA devices.
//!
//! Read per user (ListAccessKeys, GetAccessKeyLastUsed per key,
//! GetLoginProfile, ListMFADevices: three calls plus one per key) rather
//! than from the credential report, which has no access key ids nor MFA
//! serial numbers, is generated asynchronously and may be four hours old.
// TODO(#2): for accounts with thousands of users, take last use and
// password state from the credential report and call per user only for
// key ids.

use std::collections::HashMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::AccessKeyMetadata;
use futures::StreamExt;

use crate::inventory::{AccessKey, Fact, LastUsed, User};

use super::date_text;
use super::error::CallError;
use crate::source::normalize;

/// Reads every user's credentials, `concurrency` users at a time.
pub(super) async fn fill(client: &Client, users: &mut [User], concurrency: usize) {
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let mut found: HashMap<String, UserCredentials> = futures::stream::iter(names)
        .map(|name| async move {
            let credentials = user_credentials(client, &name).await;
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

async fn user_credentials(client: &Client, user: &str) -> UserCredentials {
    let access_keys = match client
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
                collected.push(access_key(client, key).await);
            }
            Fact::Present(collected)
        }
        Err(err) => Fact::Unknown(CallError::from_sdk("iam:ListAccessKeys", &err).reason()),
    };

    let console_password = match client.get_login_profile().user_name(user).send().await {
        Ok(_) => Fact::Present(true),
        Err(err) => {
            let err = CallError::from_sdk("iam:GetLoginProfile", &err);
            if err.is_any(&["NoSuchEntity"]) {
                Fact::Present(false)
            } else {
                Fact::Unknown(err.reason())
            }
        }
    };

    let mfa_devices = match client
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
    };

    UserCredentials {
        access_keys,
        console_password,
        mfa_devices,
    }
}

async fn access_key(client: &Client, key: AccessKeyMetadata) -> AccessKey {
    let id = key.access_key_id.unwrap_or_default();
    let last_used = match client
        .get_access_key_last_used()
        .access_key_id(&id)
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
