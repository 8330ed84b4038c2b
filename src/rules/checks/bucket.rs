//! Checks of the connector bucket's own settings.

use crate::config::Connector;
use crate::finding::Evidence;
use crate::inventory::{Bucket, Fact, PublicAccessBlock};
use crate::rules::{Hit, ScanContext};

/// Connectors with their bucket, when buckets were collected and it exists.
fn connector_buckets<'a>(
    cx: &'a ScanContext<'_>,
) -> impl Iterator<Item = (&'a Connector, &'a Bucket)> {
    cx.config
        .connectors
        .iter()
        .filter_map(|c| Some((c, cx.inventory.bucket(&c.bucket)?)))
}

fn hit(cx: &ScanContext<'_>, connector: &Connector, bucket: &Bucket, message: String) -> Hit {
    Hit {
        connector: Some(connector.name.clone()),
        resource: bucket.arn(&cx.inventory.partition),
        message,
        ..Hit::default()
    }
}

/// PO301: the connector's bucket does not exist in the account.
pub fn bucket_missing(cx: &ScanContext<'_>) -> Vec<Hit> {
    let Some(buckets) = cx.inventory.buckets.value() else {
        return Vec::new();
    };
    cx.config
        .connectors
        .iter()
        .filter(|c| !buckets.iter().any(|b| b.name == c.bucket))
        .map(|c| Hit {
            connector: Some(c.name.clone()),
            resource: format!("arn:{}:s3:::{}", cx.inventory.partition, c.bucket),
            message: format!(
                "bucket `{}` does not exist in account {}",
                c.bucket, cx.inventory.account_id
            ),
            evidence: vec![Evidence::new(
                "buckets in the account",
                buckets.len().to_string(),
            )],
            ..Hit::default()
        })
        .collect()
}

/// PO302: the bucket is in another region than the config says.
pub fn bucket_wrong_region(cx: &ScanContext<'_>) -> Vec<Hit> {
    connector_buckets(cx)
        .filter_map(|(connector, bucket)| {
            let expected = connector.region.as_ref()?;
            let actual = bucket.region.value()?;
            if actual == expected {
                return None;
            }
            let mut h = hit(
                cx,
                connector,
                bucket,
                format!(
                    "bucket `{}` is in `{actual}`, not in `{expected}`",
                    bucket.name
                ),
            );
            h.evidence.push(Evidence::new("region", actual.clone()));
            Some(h)
        })
        .collect()
}

/// The switches in force: each is on if it is on at account or bucket level.
/// `None` when a level that could matter is unknown.
fn effective_block(cx: &ScanContext<'_>, bucket: &Bucket) -> Option<PublicAccessBlock> {
    let off = PublicAccessBlock {
        block_public_acls: false,
        ignore_public_acls: false,
        block_public_policy: false,
        restrict_public_buckets: false,
    };
    let level = |fact: &Fact<PublicAccessBlock>| match fact {
        Fact::Present(block) => Some(*block),
        Fact::Absent => Some(off),
        Fact::Unknown(_) => None,
    };
    let account = level(&cx.inventory.account_public_access_block);
    let own = level(&bucket.public_access_block);
    match (account, own) {
        (Some(a), Some(b)) => Some(PublicAccessBlock {
            block_public_acls: a.block_public_acls || b.block_public_acls,
            ignore_public_acls: a.ignore_public_acls || b.ignore_public_acls,
            block_public_policy: a.block_public_policy || b.block_public_policy,
            restrict_public_buckets: a.restrict_public_buckets || b.restrict_public_buckets,
        }),
        (Some(a), None) if a.all_on() => Some(a),
        (None, Some(b)) if b.all_on() => Some(b),
        _ => None,
    }
}

/// PO303: Block Public Access is not fully on for the bucket.
pub fn public_access_not_blocked(cx: &ScanContext<'_>) -> Vec<Hit> {
    connector_buckets(cx)
        .filter_map(|(connector, bucket)| {
            let block = effective_block(cx, bucket)?;
            let off: Vec<&str> = [
                ("BlockPublicAcls", block.block_public_acls),
                ("IgnorePublicAcls", block.ignore_public_acls),
                ("BlockPublicPolicy", block.block_public_policy),
                ("RestrictPublicBuckets", block.restrict_public_buckets),
            ]
            .into_iter()
            .filter(|(_, on)| !on)
            .map(|(name, _)| name)
            .collect();
            if off.is_empty() {
                return None;
            }
            let mut h = hit(cx, connector, bucket, format!(
                "Block Public Access is off for bucket `{}` at both account and bucket level: {}",
                bucket.name,
                off.join(", ")
            ));
            h.evidence.push(Evidence::new("switches off", off.join(", ")));
            Some(h)
        })
        .collect()
}

/// PO304: Object Ownership is not BucketOwnerEnforced (ACLs still apply).
pub fn ownership_not_enforced(cx: &ScanContext<'_>) -> Vec<Hit> {
    connector_buckets(cx)
        .filter_map(|(connector, bucket)| {
            let setting = match &bucket.ownership {
                Fact::Present(value) if value == "BucketOwnerEnforced" => return None,
                Fact::Present(value) => value.clone(),
                Fact::Absent => "not set".to_owned(),
                Fact::Unknown(_) => return None,
            };
            let mut h = hit(
                cx,
                connector,
                bucket,
                format!(
                    "bucket `{}` has Object Ownership `{setting}`, so ACLs still grant access",
                    bucket.name
                ),
            );
            h.evidence.push(Evidence::new("ownership", setting));
            Some(h)
        })
        .collect()
}

/// PO305: the bucket has no default encryption configuration.
pub fn encryption_missing(cx: &ScanContext<'_>) -> Vec<Hit> {
    connector_buckets(cx)
        .filter(|(_, bucket)| matches!(bucket.encryption, Fact::Absent))
        .map(|(connector, bucket)| {
            hit(
                cx,
                connector,
                bucket,
                format!(
                    "bucket `{}` has no default encryption configuration",
                    bucket.name
                ),
            )
        })
        .collect()
}
