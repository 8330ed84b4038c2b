//! Static-credential hygiene of connector users: keys and console access.

use time::{Duration, OffsetDateTime};

use super::parse_time;
use crate::config::Connector;
use crate::finding::Evidence;
use crate::inventory::{AccessKey, Fact, User};
use crate::rules::{Hit, ScanContext};

/// Connectors in static mode with their user, when it exists.
fn static_users<'a>(cx: &'a ScanContext<'_>) -> impl Iterator<Item = (&'a Connector, &'a User)> {
    cx.config.connectors.iter().filter_map(|connector| {
        if !connector.is_static() {
            return None;
        }
        Some((connector, cx.inventory.user(&connector.principal)?))
    })
}

/// Active keys of a user whose keys were collected.
fn active_keys(user: &User) -> impl Iterator<Item = &AccessKey> {
    user.access_keys
        .value()
        .into_iter()
        .flatten()
        .filter(|key| key.status.eq_ignore_ascii_case("Active"))
}

/// An access key id with all but its first and last four characters
/// masked. Counted in characters, so an id that is not ASCII is masked too.
pub fn mask_key_id(id: &str) -> String {
    let count = id.chars().count();
    let shown_tail = 4.min(count);
    let head = count - shown_tail;
    id.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= head { c } else { '*' })
        .collect()
}

fn age_days(now: OffsetDateTime, date: &str) -> Option<i64> {
    parse_time(date).map(|then| (now - then).whole_days())
}

fn key_hit(connector: &Connector, user: &User, key: &AccessKey, message: String) -> Hit {
    Hit {
        connector: Some(connector.name.clone()),
        resource: user.arn.clone(),
        message,
        evidence: vec![
            Evidence::new("access key", mask_key_id(&key.id)),
            Evidence::new("created", key.create_date.clone()),
        ],
        identity: vec![key.id.clone()],
        ..Hit::default()
    }
}

/// PO201: more than one active key.
pub fn several_active_keys(cx: &ScanContext<'_>) -> Vec<Hit> {
    static_users(cx)
        .filter_map(|(connector, user)| {
            let keys: Vec<&AccessKey> = active_keys(user).collect();
            if keys.len() < 2 {
                return None;
            }
            Some(Hit {
                connector: Some(connector.name.clone()),
                resource: user.arn.clone(),
                message: format!("user `{}` has {} active access keys", user.name, keys.len()),
                evidence: keys
                    .iter()
                    .map(|k| Evidence::new("active key", mask_key_id(&k.id)))
                    .collect(),
                ..Hit::default()
            })
        })
        .collect()
}

/// PO202: an active key older than the configured maximum age.
pub fn key_too_old(cx: &ScanContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, user) in static_users(cx) {
        let max = i64::from(connector.max_key_age_days);
        for key in active_keys(user) {
            let Some(age) = age_days(cx.now, &key.create_date) else {
                continue;
            };
            if age > max {
                let message = format!(
                    "access key {} of `{}` is {age} days old (maximum {max})",
                    mask_key_id(&key.id),
                    user.name
                );
                hits.push(key_hit(connector, user, key, message));
            }
        }
    }
    hits
}

/// PO203: an active key never used, or unused for longer than the maximum age.
pub fn key_unused(cx: &ScanContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (connector, user) in static_users(cx) {
        let max = Duration::days(i64::from(connector.max_key_age_days));
        for key in active_keys(user) {
            let masked = mask_key_id(&key.id);
            let message = match &key.last_used {
                // Unknown last use is reported by PO002.
                Fact::Unknown(_) => continue,
                Fact::Absent => {
                    format!("access key {masked} of `{}` has never been used", user.name)
                }
                Fact::Present(last) => match parse_time(&last.date) {
                    Some(when) if cx.now - when > max => format!(
                        "access key {masked} of `{}` was last used {} days ago",
                        user.name,
                        (cx.now - when).whole_days()
                    ),
                    _ => continue,
                },
            };
            let mut hit = key_hit(connector, user, key, message);
            if let Some(last) = key.last_used.value() {
                hit.evidence
                    .push(Evidence::new("last used", last.date.clone()));
            }
            hits.push(hit);
        }
    }
    hits
}

/// PO204: the connector user can sign in to the console.
pub fn console_access(cx: &ScanContext<'_>) -> Vec<Hit> {
    static_users(cx)
        .filter(|(_, user)| user.console_password.value() == Some(&true))
        .map(|(connector, user)| Hit {
            connector: Some(connector.name.clone()),
            resource: user.arn.clone(),
            message: format!("connector user `{}` has a console password", user.name),
            evidence: vec![Evidence::new(
                "MFA devices",
                user.mfa_devices
                    .value()
                    .map_or("unknown".to_owned(), |d| d.len().to_string()),
            )],
            ..Hit::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_masked() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask_key_id("ABC"), "ABC");
        // Not ASCII: still masked, never shown whole.
        assert_eq!(mask_key_id("ÄKIAIOSFODNN7EXAMPLÉ"), "ÄKIA************MPLÉ");
    }
}
