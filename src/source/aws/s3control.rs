//! S3 Control through the SDK: the account-level Block Public Access and
//! the access points, with their policy and Block Public Access.
//!
//! Access points are regional: they are listed in the home region and in
//! every region that holds a bucket, then de-duplicated by ARN, and each is
//! read in the region its ARN names.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_s3control::Client;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use futures::StreamExt;

use crate::inventory::{AccessPoint, Fact, Inventory, PublicAccessBlock};
use crate::source::normalize;

use super::Clients;
use super::error::{CallError, fact};

/// What the S3 Control phase found.
#[derive(Debug)]
pub(super) struct ControlPart {
    account_public_access_block: Fact<PublicAccessBlock>,
    access_points: Fact<Vec<AccessPoint>>,
}

impl ControlPart {
    pub fn fill(self, inventory: &mut Inventory) {
        inventory.account_public_access_block = self.account_public_access_block;
        inventory.access_points = self.access_points;
    }
}

/// An access point as listed, before its own reads.
struct Listed {
    name: String,
    arn: String,
    bucket: String,
    network_origin: String,
    region: String,
}

pub(super) async fn collect(
    clients: &Clients,
    account_id: &str,
    regions: &BTreeSet<String>,
    concurrency: usize,
) -> ControlPart {
    let home = clients.s3control(&clients.home_region, account_id);
    let result = home
        .get_public_access_block()
        .account_id(account_id)
        .send()
        .await;
    let account_public_access_block = fact(
        account_id,
        "s3control:GetPublicAccessBlock",
        result,
        &["NoSuchPublicAccessBlockConfiguration"],
        |out| match out.public_access_block_configuration {
            Some(config) => Fact::Present(switches(&config)),
            None => Fact::Absent,
        },
    );

    let mut listed: BTreeMap<String, Listed> = BTreeMap::new();
    let mut failures = Vec::new();
    for region in regions {
        let client = clients.s3control(region, account_id);
        match list(&client, account_id, region).await {
            Ok(points) => {
                for point in points {
                    listed.entry(point.arn.clone()).or_insert(point);
                }
            }
            Err(err) => {
                tracing::warn!(region, reason = %err, "could not list access points");
                failures.push((region.as_str(), err));
            }
        }
    }
    if let Some(unknown) = listing_failure(&failures) {
        return ControlPart {
            account_public_access_block,
            access_points: unknown,
        };
    }

    let points: Vec<AccessPoint> = futures::stream::iter(listed.into_values())
        .map(|point| {
            let client = clients.s3control(&point.region, account_id);
            async move { access_point(&client, account_id, point).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    tracing::info!(access_points = points.len(), "s3 control collected");
    ControlPart {
        account_public_access_block,
        access_points: Fact::Present(points),
    }
}

/// The access points are unknown when one region could not be listed: a
/// list without that region's would report its access points as missing
/// (the dump source reads it the same way). The first failure says why.
fn listing_failure(failures: &[(&str, CallError)]) -> Option<Fact<Vec<AccessPoint>>> {
    let (region, err) = failures.first()?;
    Some(Fact::Unknown(format!(
        "access points in `{region}`: {}",
        err.reason()
    )))
}

async fn list(client: &Client, account_id: &str, region: &str) -> Result<Vec<Listed>, CallError> {
    let points = client
        .list_access_points()
        .account_id(account_id)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|err| CallError::from_sdk("s3control:ListAccessPoints", &err))?;
    Ok(points
        .into_iter()
        .flat_map(|page| page.access_point_list.unwrap_or_default())
        .map(|point| {
            let arn = point.access_point_arn.unwrap_or_default();
            // arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME
            let arn_region = arn.split(':').nth(3).filter(|r| !r.is_empty());
            Listed {
                region: arn_region.unwrap_or(region).to_owned(),
                name: point.name,
                bucket: point.bucket,
                network_origin: point.network_origin.as_str().to_owned(),
                arn,
            }
        })
        .collect())
}

async fn access_point(client: &Client, account_id: &str, point: Listed) -> AccessPoint {
    let result = client
        .get_access_point()
        .account_id(account_id)
        .name(&point.name)
        .send()
        .await;
    let public_access_block =
        fact(
            &point.arn,
            "s3control:GetAccessPoint",
            result,
            &[],
            |out| match out.public_access_block_configuration {
                Some(config) => Fact::Present(switches(&config)),
                None => Fact::Absent,
            },
        );

    let result = client
        .get_access_point_policy()
        .account_id(account_id)
        .name(&point.name)
        .send()
        .await;
    let policy = fact(
        &point.arn,
        "s3control:GetAccessPointPolicy",
        result,
        &["NoSuchAccessPointPolicy"],
        |out| normalize::resource_policy(out.policy.as_deref()),
    );

    AccessPoint {
        name: point.name,
        arn: point.arn,
        bucket: point.bucket,
        network_origin: point.network_origin,
        policy,
        public_access_block,
    }
}

fn switches(config: &PublicAccessBlockConfiguration) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: config.block_public_acls.unwrap_or(false),
        ignore_public_acls: config.ignore_public_acls.unwrap_or(false),
        block_public_policy: config.block_public_policy.unwrap_or(false),
        restrict_public_buckets: config.restrict_public_buckets.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_region_that_cannot_be_listed_makes_the_access_points_unknown() {
        assert_eq!(listing_failure(&[]), None);
        let denied = |region| {
            (
                region,
                CallError {
                    operation: "s3control:ListAccessPoints",
                    code: Some("AccessDenied".to_owned()),
                    message: "Access Denied".to_owned(),
                    request_id: None,
                },
            )
        };
        assert_eq!(
            listing_failure(&[denied("eu-west-1"), denied("us-east-1")]),
            Some(Fact::Unknown(
                "access points in `eu-west-1`: AccessDenied: Access Denied".to_owned()
            ))
        );
    }
}
