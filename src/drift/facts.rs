//! Inventory changes: what is different in the account, fact by fact.
//!
//! Facts that one side could not collect are not compared; they are
//! reported once as undecided (PO811). Last-used dates, the collection
//! time, the source kind and policy version ids are never compared.
//! Policy documents are compared in [`super::documents`].

use std::collections::{BTreeMap, BTreeSet};

use super::statements;
use super::{Item, Side, UNDECIDED};
use crate::finding::Evidence;
use crate::inventory::{AccessKey, Fact, Inventory, PublicAccessBlock};
use crate::rules::Hit;
use crate::rules::checks::mask_key_id;

/// Every inventory change between the two sides.
pub fn changes(before: Side<'_>, after: Side<'_>) -> Vec<Item> {
    let (b, a) = (before.inventory, after.inventory);
    let mut out = undecided(b, a);
    out.extend(principals(b, a));
    out.extend(attachments(b, a));
    out.extend(credentials(b, a));
    out.extend(oidc_providers(b, a));
    out.extend(buckets(b, a));
    out.extend(access_points(b, a));
    out.extend(super::documents::changes(before, after));
    out
}

pub(super) fn change(rule: &'static str, resource: &str, message: String) -> Item {
    let mut item = Item::new(
        rule,
        Hit {
            resource: resource.to_owned(),
            identity: vec![message.clone()],
            message,
            ..Hit::default()
        },
    );
    item.subjects.push(resource.to_owned());
    item
}

/// A fact as `Some(value or None when absent)`, or `None` when unknown.
fn known<T>(fact: &Fact<T>) -> Option<Option<&T>> {
    match fact {
        Fact::Present(value) => Some(Some(value)),
        Fact::Absent => Some(None),
        Fact::Unknown(_) => None,
    }
}

/// PO811: facts unknown on one side only.
fn undecided(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let was = before.unknowns();
    let now = after.unknowns();
    let same = |a: &crate::inventory::Gap, b: &crate::inventory::Gap| {
        a.resource == b.resource && a.what == b.what
    };
    let mut out = Vec::new();
    for gap in now.iter().filter(|g| !was.iter().any(|w| same(w, g))) {
        out.push(change(
            UNDECIDED,
            &gap.resource,
            format!(
                "{} of `{}` could not be collected now ({}): whether it changed cannot be told",
                gap.what, gap.resource, gap.reason
            ),
        ));
    }
    for gap in was.iter().filter(|g| !now.iter().any(|n| same(n, g))) {
        out.push(change(
            UNDECIDED,
            &gap.resource,
            format!(
                "{} of `{}` is unknown in the baseline ({}): whether it changed cannot be told",
                gap.what, gap.resource, gap.reason
            ),
        ));
    }
    out
}

/// Created, deleted and recreated principals of one kind.
fn compare_principals<'a, T>(
    kind: &str,
    before: &'a [T],
    after: &'a [T],
    key: fn(&T) -> (&str, &str),
    describe: impl Fn(&T) -> Vec<Evidence>,
) -> Vec<Item> {
    let was: BTreeMap<&str, &T> = before.iter().map(|p| (key(p).0, p)).collect();
    let now: BTreeMap<&str, &T> = after.iter().map(|p| (key(p).0, p)).collect();
    let mut out = Vec::new();
    for (arn, principal) in &now {
        match was.get(arn) {
            None => {
                let mut item = change("PO820", arn, format!("{kind} `{arn}` created"));
                item.hit.evidence = describe(principal);
                out.push(item);
            }
            Some(old) if key(old).1 != key(principal).1 => {
                out.push(change(
                    "PO820",
                    arn,
                    format!(
                        "{kind} `{arn}` was deleted and created again (unique id `{}`, was `{}`): policies that named the old one no longer apply to it",
                        key(principal).1,
                        key(old).1
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    for arn in was.keys().filter(|arn| !now.contains_key(*arn)) {
        out.push(change("PO820", arn, format!("{kind} `{arn}` deleted")));
    }
    out
}

fn policy_rows(inline: &[crate::inventory::InlinePolicy], attached: &[String]) -> Vec<Evidence> {
    let mut rows: Vec<Evidence> = inline
        .iter()
        .map(|p| Evidence::new("inline policy", p.name.clone()))
        .collect();
    rows.extend(
        attached
            .iter()
            .map(|a| Evidence::new("attached policy", a.clone())),
    );
    rows
}

/// PO820: users, groups and roles created, deleted or recreated.
fn principals(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let mut out = compare_principals(
        "user",
        &before.users,
        &after.users,
        |u| (u.arn.as_str(), u.id.as_str()),
        |u| {
            let mut rows = policy_rows(&u.inline_policies, &u.attached_policies);
            rows.extend(u.groups.iter().map(|g| Evidence::new("group", g.clone())));
            let keys = u.access_keys.value().map(Vec::len).unwrap_or_default();
            rows.push(Evidence::new("access keys", keys.to_string()));
            rows
        },
    );
    out.extend(compare_principals(
        "group",
        &before.groups,
        &after.groups,
        |g| (g.arn.as_str(), g.id.as_str()),
        |g| policy_rows(&g.inline_policies, &g.attached_policies),
    ));
    out.extend(compare_principals(
        "role",
        &before.roles,
        &after.roles,
        |r| (r.arn.as_str(), r.id.as_str()),
        |r| {
            let mut rows = policy_rows(&r.inline_policies, &r.attached_policies);
            if let Some(doc) = statements::canonical(&r.trust_policy) {
                for statement in &doc.statements {
                    rows.push(Evidence::new(
                        "trusts",
                        statements::summary(&statement.value),
                    ));
                }
            }
            rows
        },
    ));
    out
}

/// Items for the members added to and removed from a list.
fn list_changes(
    rule: &'static str,
    resource: &str,
    before: &[String],
    after: &[String],
    added: impl Fn(&str) -> String,
    removed: impl Fn(&str) -> String,
) -> Vec<Item> {
    let was: BTreeSet<&String> = before.iter().collect();
    let now: BTreeSet<&String> = after.iter().collect();
    let mut out: Vec<Item> = now
        .difference(&was)
        .map(|x| change(rule, resource, added(x)))
        .collect();
    out.extend(
        was.difference(&now)
            .map(|x| change(rule, resource, removed(x))),
    );
    out
}

/// Members of `a` not in `b`, sorted, as `list_changes` lists them.
fn difference<'a>(a: &'a [String], b: &'a [String]) -> impl Iterator<Item = &'a String> {
    let a: BTreeSet<&String> = a.iter().collect();
    let b: BTreeSet<&String> = b.iter().collect();
    a.difference(&b).copied().collect::<Vec<_>>().into_iter()
}

/// Labels of a group's documents, on either side.
fn group_documents(before: &Inventory, after: &Inventory, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for group in [before.group(name), after.group(name)]
        .into_iter()
        .flatten()
    {
        for policy in &group.inline_policies {
            out.push(format!("inline policy `{}` of {}", policy.name, group.arn));
        }
        out.extend(group.attached_policies.iter().cloned());
    }
    out.sort();
    out.dedup();
    out
}

fn boundary_change(resource: &str, before: Option<&String>, after: Option<&String>) -> Vec<Item> {
    if before == after {
        return Vec::new();
    }
    let text = |b: Option<&String>| b.map_or_else(|| "none".to_owned(), |b| format!("`{b}`"));
    vec![change(
        "PO821",
        resource,
        format!(
            "permissions boundary of `{resource}`: {} → {}",
            text(before),
            text(after)
        ),
    )]
}

/// PO821: attached policies, group membership, permissions boundaries.
fn attachments(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let mut out = Vec::new();
    // An attachment explains the deltas its policy decides.
    let attached = |arn: &str, was: &[String], now: &[String]| {
        let mut items = list_changes(
            "PO821",
            arn,
            was,
            now,
            |p| format!("policy `{p}` attached to `{arn}`"),
            |p| format!("policy `{p}` detached from `{arn}`"),
        );
        for (item, policy) in items
            .iter_mut()
            .zip(difference(now, was).chain(difference(was, now)))
        {
            item.documents.push(policy.clone());
        }
        items
    };
    for user in &after.users {
        let Some(old) = before.users.iter().find(|u| u.arn == user.arn) else {
            continue;
        };
        out.extend(attached(
            &user.arn,
            &old.attached_policies,
            &user.attached_policies,
        ));
        // A membership explains the deltas the group's policies decide.
        let mut joined = list_changes(
            "PO821",
            &user.arn,
            &old.groups,
            &user.groups,
            |g| format!("user `{}` added to group `{g}`", user.arn),
            |g| format!("user `{}` removed from group `{g}`", user.arn),
        );
        let groups =
            difference(&user.groups, &old.groups).chain(difference(&old.groups, &user.groups));
        for (item, group) in joined.iter_mut().zip(groups) {
            item.documents = group_documents(before, after, group);
        }
        out.extend(joined);
        out.extend(boundary_change(
            &user.arn,
            old.permissions_boundary.as_ref(),
            user.permissions_boundary.as_ref(),
        ));
    }
    for group in &after.groups {
        if let Some(old) = before.groups.iter().find(|g| g.arn == group.arn) {
            out.extend(attached(
                &group.arn,
                &old.attached_policies,
                &group.attached_policies,
            ));
        }
    }
    for role in &after.roles {
        let Some(old) = before.roles.iter().find(|r| r.arn == role.arn) else {
            continue;
        };
        out.extend(attached(
            &role.arn,
            &old.attached_policies,
            &role.attached_policies,
        ));
        out.extend(boundary_change(
            &role.arn,
            old.permissions_boundary.as_ref(),
            role.permissions_boundary.as_ref(),
        ));
    }
    out
}

/// PO824 and PO825: access keys, console passwords, MFA devices. A
/// credential changes who holds access, never what is allowed, so these
/// explain no access delta.
fn credentials(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let mut out = credential_changes(before, after);
    for item in &mut out {
        item.subjects.clear();
    }
    out
}

fn credential_changes(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let mut out = Vec::new();
    for user in &after.users {
        let Some(old) = before.users.iter().find(|u| u.arn == user.arn) else {
            continue;
        };
        let arn = &user.arn;
        if let (Some(was), Some(now)) = (known(&old.access_keys), known(&user.access_keys)) {
            out.extend(access_keys(
                arn,
                was.map(Vec::as_slice).unwrap_or_default(),
                now.map(Vec::as_slice).unwrap_or_default(),
            ));
        }
        if let (Some(was), Some(now)) =
            (known(&old.console_password), known(&user.console_password))
        {
            match (was.copied().unwrap_or(false), now.copied().unwrap_or(false)) {
                (false, true) => out.push(change(
                    "PO825",
                    arn,
                    format!("user `{arn}` has a console password now"),
                )),
                (true, false) => out.push(change(
                    "PO824",
                    arn,
                    format!("console password of user `{arn}` removed"),
                )),
                _ => {}
            }
        }
        if let (Some(was), Some(now)) = (known(&old.mfa_devices), known(&user.mfa_devices)) {
            out.extend(list_changes(
                "PO824",
                arn,
                was.map(Vec::as_slice).unwrap_or_default(),
                now.map(Vec::as_slice).unwrap_or_default(),
                |d| format!("MFA device `{d}` added to user `{arn}`"),
                |d| format!("MFA device `{d}` removed from user `{arn}`"),
            ));
        }
    }
    out
}

fn access_keys(arn: &str, before: &[AccessKey], after: &[AccessKey]) -> Vec<Item> {
    let active = |keys: &[AccessKey]| keys.iter().filter(|k| k.status == "Active").count();
    let ids = |keys: &[AccessKey]| keys.iter().map(|k| mask_key_id(&k.id)).collect::<Vec<_>>();
    let created: Vec<&AccessKey> = after
        .iter()
        .filter(|k| !before.iter().any(|o| o.id == k.id))
        .collect();
    let deleted: Vec<&AccessKey> = before
        .iter()
        .filter(|k| !after.iter().any(|n| n.id == k.id))
        .collect();
    let status_changed: Vec<(&AccessKey, &AccessKey)> = after
        .iter()
        .filter_map(|k| {
            let old = before.iter().find(|o| o.id == k.id)?;
            (old.status != k.status).then_some((old, k))
        })
        .collect();
    let mut out = Vec::new();
    let (was_active, now_active) = (active(before), active(after));
    let quoted = |keys: &[&AccessKey]| {
        keys.iter()
            .map(|k| format!("`{}`", mask_key_id(&k.id)))
            .collect::<Vec<_>>()
            .join(", ")
    };

    if now_active > was_active {
        let reactivated: Vec<&AccessKey> = status_changed
            .iter()
            .filter(|(_, k)| k.status == "Active")
            .map(|(_, k)| *k)
            .collect();
        let mut new_keys: Vec<&AccessKey> = created.clone();
        new_keys.extend(reactivated);
        let mut item = change(
            "PO825",
            arn,
            format!(
                "user `{arn}` has {now_active} active access keys, {was_active} in the baseline: {} created or reactivated",
                quoted(&new_keys)
            ),
        );
        item.hit.identity = vec!["more-active-keys".to_owned()];
        item.hit.evidence = vec![
            Evidence::new("keys in the baseline", ids(before).join(", ")),
            Evidence::new("keys now", ids(after).join(", ")),
        ];
        out.push(item);
        return out;
    }
    let retired: Vec<&AccessKey> = deleted
        .iter()
        .copied()
        .chain(
            status_changed
                .iter()
                .filter(|(_, k)| k.status != "Active")
                .map(|(_, k)| *k),
        )
        .collect();
    if !created.is_empty() {
        out.push(change(
            "PO824",
            arn,
            format!(
                "access key of user `{arn}` rotated: {} replaced by {}",
                quoted(&retired),
                quoted(&created)
            ),
        ));
        return out;
    }
    for key in deleted {
        out.push(change(
            "PO824",
            arn,
            format!(
                "access key `{}` of user `{arn}` deleted",
                mask_key_id(&key.id)
            ),
        ));
    }
    for (old, key) in status_changed {
        out.push(change(
            "PO824",
            arn,
            format!(
                "access key `{}` of user `{arn}`: {} → {}",
                mask_key_id(&key.id),
                old.status,
                key.status
            ),
        ));
    }
    out
}

/// PO826: OIDC providers created, deleted, client ids and thumbprints.
fn oidc_providers(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let (Some(was), Some(now)) = (before.oidc_providers.value(), after.oidc_providers.value())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for provider in now {
        let arn = &provider.arn;
        let Some(old) = was.iter().find(|p| &p.arn == arn) else {
            let mut item = change("PO826", arn, format!("OIDC provider `{arn}` created"));
            item.hit.evidence = vec![
                Evidence::new("client ids", provider.client_ids.join(", ")),
                Evidence::new("thumbprints", provider.thumbprints.join(", ")),
            ];
            out.push(item);
            continue;
        };
        out.extend(list_changes(
            "PO826",
            arn,
            &old.client_ids,
            &provider.client_ids,
            |c| format!("client id `{c}` added to OIDC provider `{arn}`"),
            |c| format!("client id `{c}` removed from OIDC provider `{arn}`"),
        ));
        let lower = |list: &[String]| list.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>();
        out.extend(list_changes(
            "PO826",
            arn,
            &lower(&old.thumbprints),
            &lower(&provider.thumbprints),
            |t| format!("thumbprint `{t}` added to OIDC provider `{arn}`"),
            |t| format!("thumbprint `{t}` removed from OIDC provider `{arn}`"),
        ));
    }
    for old in was.iter().filter(|p| !now.iter().any(|n| n.arn == p.arn)) {
        out.push(change(
            "PO826",
            &old.arn,
            format!("OIDC provider `{}` deleted", old.arn),
        ));
    }
    out
}

fn block_text(block: Option<&PublicAccessBlock>) -> String {
    let Some(b) = block else {
        return "not configured".to_owned();
    };
    let on: Vec<&str> = [
        (b.block_public_acls, "BlockPublicAcls"),
        (b.ignore_public_acls, "IgnorePublicAcls"),
        (b.block_public_policy, "BlockPublicPolicy"),
        (b.restrict_public_buckets, "RestrictPublicBuckets"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    if on.is_empty() {
        "all off".to_owned()
    } else if on.len() == 4 {
        "all on".to_owned()
    } else {
        format!("only {}", on.join(", "))
    }
}

/// An item when a known fact differs, described by `text`.
fn setting<T: PartialEq>(
    resource: &str,
    what: &str,
    before: &Fact<T>,
    after: &Fact<T>,
    text: impl Fn(Option<&T>) -> String,
) -> Option<Item> {
    let (was, now) = (known(before)?, known(after)?);
    (was != now).then(|| {
        change(
            "PO827",
            resource,
            format!("{what} of `{resource}`: {} → {}", text(was), text(now)),
        )
    })
}

fn plain_text(value: Option<&String>) -> String {
    value.map_or_else(|| "not set".to_owned(), |v| format!("`{v}`"))
}

fn list_text(value: Option<&Vec<String>>) -> String {
    match value {
        Some(list) if !list.is_empty() => {
            let mut sorted = list.clone();
            sorted.sort();
            format!("`{}`", sorted.join(", "))
        }
        _ => "none".to_owned(),
    }
}

/// PO827: buckets created or deleted, their settings, account BPA.
fn buckets(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let mut out = Vec::new();
    let account = format!("arn:{}:iam::{}:root", after.partition, after.account_id);
    out.extend(setting(
        &account,
        "account Block Public Access",
        &before.account_public_access_block,
        &after.account_public_access_block,
        block_text,
    ));
    let (Some(was), Some(now)) = (before.buckets.value(), after.buckets.value()) else {
        return out;
    };
    for bucket in now {
        let arn = bucket.arn(&after.partition);
        let Some(old) = was.iter().find(|b| b.name == bucket.name) else {
            out.push(change(
                "PO827",
                &arn,
                format!("bucket `{}` created", bucket.name),
            ));
            continue;
        };
        out.extend(setting(
            &arn,
            "region",
            &old.region,
            &bucket.region,
            plain_text,
        ));
        out.extend(setting(
            &arn,
            "Block Public Access",
            &old.public_access_block,
            &bucket.public_access_block,
            block_text,
        ));
        out.extend(setting(
            &arn,
            "Object Ownership",
            &old.ownership,
            &bucket.ownership,
            plain_text,
        ));
        let sorted = |fact: &Fact<Vec<String>>| match fact {
            Fact::Present(list) => {
                let mut list = list.clone();
                list.sort();
                Fact::Present(list)
            }
            other => other.clone(),
        };
        out.extend(setting(
            &arn,
            "default encryption",
            &sorted(&old.encryption),
            &sorted(&bucket.encryption),
            list_text,
        ));
        out.extend(setting(
            &arn,
            "versioning",
            &old.versioning,
            &bucket.versioning,
            plain_text,
        ));
        if let (Some(a), Some(b)) = (known(&old.acl), known(&bucket.acl)) {
            let grants = |g: Option<&Vec<crate::inventory::AclGrant>>| {
                g.into_iter()
                    .flatten()
                    .map(|g| format!("{} {} ({})", g.permission, g.grantee, g.grantee_type))
                    .collect::<Vec<_>>()
            };
            out.extend(list_changes(
                "PO827",
                &arn,
                &grants(a),
                &grants(b),
                |g| format!("ACL grant `{g}` added to bucket `{}`", bucket.name),
                |g| format!("ACL grant `{g}` removed from bucket `{}`", bucket.name),
            ));
        }
    }
    for old in was.iter().filter(|b| !now.iter().any(|n| n.name == b.name)) {
        out.push(change(
            "PO827",
            &old.arn(&before.partition),
            format!("bucket `{}` deleted", old.name),
        ));
    }
    out
}

/// PO828: access points created, deleted, or with other settings.
fn access_points(before: &Inventory, after: &Inventory) -> Vec<Item> {
    let (Some(was), Some(now)) = (before.access_points.value(), after.access_points.value()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for point in now {
        let arn = &point.arn;
        let Some(old) = was.iter().find(|p| &p.arn == arn) else {
            out.push(change(
                "PO828",
                arn,
                format!("access point `{arn}` created on bucket `{}`", point.bucket),
            ));
            continue;
        };
        if old.network_origin != point.network_origin || old.bucket != point.bucket {
            out.push(change(
                "PO828",
                arn,
                format!(
                    "access point `{arn}`: bucket `{}` from {}, was bucket `{}` from {}",
                    point.bucket, point.network_origin, old.bucket, old.network_origin
                ),
            ));
        }
        if let Some(mut item) = setting(
            arn,
            "Block Public Access",
            &old.public_access_block,
            &point.public_access_block,
            block_text,
        ) {
            item.rule = "PO828";
            out.push(item);
        }
    }
    for old in was.iter().filter(|p| !now.iter().any(|n| n.arn == p.arn)) {
        out.push(change(
            "PO828",
            &old.arn,
            format!("access point `{}` deleted", old.arn),
        ));
    }
    out
}
