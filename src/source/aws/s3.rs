//! S3 buckets through the SDK: ListBuckets, each bucket's region, then, with
//! a client in that region, its policy, Block Public Access, ownership
//! controls, default encryption, versioning and ACL.
//!
//! Buckets are read concurrently, up to the configured bound; one bucket's
//! calls run one after another. ListBuckets is given `MaxBuckets` (its
//! largest value): AWS includes each bucket's `BucketRegion` only when the
//! request has a parameter, and saves a GetBucketLocation per bucket when
//! it does. The ACL is not read when Object Ownership disables ACLs.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Grant, Type};
use futures::StreamExt;

use crate::inventory::{AclGrant, Bucket, Fact, PublicAccessBlock};
use crate::source::normalize;

use super::Clients;
use super::error::{CallError, fact};

/// ListBuckets' largest page.
const MAX_BUCKETS: i32 = 10_000;

/// What the S3 phase found.
#[derive(Debug)]
pub(super) struct S3Part {
    pub buckets: Fact<Vec<Bucket>>,
    /// The distinct regions the buckets are in.
    pub regions: BTreeSet<String>,
}

pub(super) async fn collect(clients: &Clients, concurrency: usize) -> S3Part {
    let home = clients.s3(&clients.home_region);
    let listed = match home
        .list_buckets()
        .max_buckets(MAX_BUCKETS)
        .into_paginator()
        .send()
        .try_collect()
        .await
    {
        Ok(pages) => pages
            .into_iter()
            .flat_map(|page| page.buckets.unwrap_or_default())
            .collect::<Vec<_>>(),
        Err(err) => {
            let err = CallError::from_sdk("s3:ListBuckets", &err);
            tracing::warn!(reason = %err, "could not list buckets");
            return S3Part {
                buckets: Fact::Unknown(err.reason()),
                regions: BTreeSet::new(),
            };
        }
    };

    // Each bucket's region: from ListBuckets when AWS gives it, else asked.
    let located: Vec<(String, Fact<String>)> = futures::stream::iter(listed)
        .filter_map(|bucket| async move {
            let name = bucket.name?;
            Some((name, bucket.bucket_region))
        })
        .map(|(name, listed_region)| {
            let home = home.clone();
            async move {
                let region = match listed_region.filter(|r| !r.is_empty()) {
                    Some(region) => Fact::Present(region),
                    None => location(&home, &name).await,
                };
                (name, region)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;

    let regions: BTreeSet<String> = located
        .iter()
        .filter_map(|(_, region)| region.value().cloned())
        .collect();
    let regional: HashMap<&str, Client> = regions
        .iter()
        .map(|r| (r.as_str(), clients.s3(r)))
        .collect();

    let buckets: Vec<Bucket> = futures::stream::iter(located)
        .map(|(name, region)| {
            // A bucket whose region is unknown is read from the home region.
            let client = region
                .value()
                .and_then(|r| regional.get(r.as_str()))
                .unwrap_or(&home)
                .clone();
            let tally = &clients.tally;
            async move {
                let bucket = bucket(&client, name, region).await;
                tally.buckets_read(1);
                bucket
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;

    tracing::info!(
        buckets = buckets.len(),
        regions = regions.len(),
        "s3 collected"
    );
    S3Part {
        buckets: Fact::Present(buckets),
        regions,
    }
}

/// GetBucketLocation: an empty constraint is us-east-1, `EU` is eu-west-1.
async fn location(client: &Client, name: &str) -> Fact<String> {
    let result = client.get_bucket_location().bucket(name).send().await;
    fact(name, "s3:GetBucketLocation", result, &[], |output| {
        let constraint = output.location_constraint.as_ref().map(|c| c.as_str());
        Fact::Present(normalize::bucket_region(constraint))
    })
}

async fn bucket(client: &Client, name: String, region: Fact<String>) -> Bucket {
    let result = client.get_bucket_policy().bucket(&name).send().await;
    let policy = fact(
        &name,
        "s3:GetBucketPolicy",
        result,
        &["NoSuchBucketPolicy"],
        |out| normalize::resource_policy(out.policy.as_deref()),
    );

    let result = client.get_public_access_block().bucket(&name).send().await;
    let public_access_block = fact(
        &name,
        "s3:GetPublicAccessBlock",
        result,
        &["NoSuchPublicAccessBlockConfiguration"],
        |out| match out.public_access_block_configuration {
            Some(c) => Fact::Present(PublicAccessBlock {
                block_public_acls: c.block_public_acls.unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
                block_public_policy: c.block_public_policy.unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
            }),
            None => Fact::Absent,
        },
    );

    let result = client
        .get_bucket_ownership_controls()
        .bucket(&name)
        .send()
        .await;
    let ownership = fact(
        &name,
        "s3:GetBucketOwnershipControls",
        result,
        &["OwnershipControlsNotFoundError"],
        |out| {
            let rules = out.ownership_controls.map(|c| c.rules).unwrap_or_default();
            match rules.into_iter().next() {
                Some(rule) => Fact::Present(rule.object_ownership.as_str().to_owned()),
                None => Fact::Absent,
            }
        },
    );

    let result = client.get_bucket_encryption().bucket(&name).send().await;
    let encryption = fact(
        &name,
        "s3:GetBucketEncryption",
        result,
        &["ServerSideEncryptionConfigurationNotFoundError"],
        |out| {
            let rules = out
                .server_side_encryption_configuration
                .map(|c| c.rules)
                .unwrap_or_default();
            normalize::default_encryption(
                rules
                    .into_iter()
                    .filter_map(|rule| rule.apply_server_side_encryption_by_default)
                    .map(|default| default.sse_algorithm.as_str().to_owned())
                    .collect(),
            )
        },
    );

    let result = client.get_bucket_versioning().bucket(&name).send().await;
    let versioning = fact(
        &name,
        "s3:GetBucketVersioning",
        result,
        &[],
        |out| match out.status {
            Some(status) => Fact::Present(status.as_str().to_owned()),
            None => Fact::Absent,
        },
    );

    let mut bucket = Bucket {
        name,
        region,
        policy,
        public_access_block,
        ownership,
        encryption,
        versioning,
        acl: Fact::Present(Vec::new()),
    };
    if !bucket.acls_disabled() {
        let result = client.get_bucket_acl().bucket(&bucket.name).send().await;
        bucket.acl = fact(&bucket.name, "s3:GetBucketAcl", result, &[], |out| {
            Fact::Present(
                out.grants
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(acl_grant)
                    .collect(),
            )
        });
    }
    bucket
}

fn acl_grant(grant: Grant) -> Option<AclGrant> {
    let grantee = grant.grantee?;
    let id = match grantee.r#type {
        Type::Group => grantee.uri,
        Type::AmazonCustomerByEmail => grantee.email_address,
        _ => grantee.id,
    };
    Some(AclGrant {
        grantee: id.unwrap_or_default(),
        grantee_type: grantee.r#type.as_str().to_owned(),
        permission: grant
            .permission
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    })
}
