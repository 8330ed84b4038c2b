//! The live source: one AWS account read through the AWS SDK for Rust.
//!
//! [`collect`] loads the SDK configuration once (default credential chain,
//! profile, region, endpoint URL including `AWS_ENDPOINT_URL`, optional
//! assume-role), asks STS who it is, then reads IAM, S3 and S3 Control with
//! read-only calls only. IAM and S3 run side by side; per-user and
//! per-bucket calls run concurrently up to [`LiveOptions::concurrency`].
//!
//! A call that fails for one resource becomes a `Fact::Unknown` or a
//! `Gap` with the service error code and request id; "not configured"
//! answers (`NoSuchBucketPolicy` and the like) are `Fact::Absent`. The whole
//! collection fails only when nothing can be collected: the configuration
//! cannot be loaded, or `sts:GetCallerIdentity` fails (wrong credentials,
//! unreachable endpoint).

//!
//! Scans of many accounts load the caller's configuration once
//! ([`load_config`]), ask who the caller is ([`caller`]) and, for an
//! organization, which accounts it has ([`organization_accounts`]); each
//! account is then collected with [`LiveOptions::base_config`] and the
//! account's role.

mod credential_report;
mod credentials;
mod error;
mod iam;
mod intercept;
pub mod operations;
mod organizations;
mod s3;
mod s3control;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_types::date_time::{DateTime, Format};
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::inventory::Inventory;
use crate::progress::Tally;

use self::error::CallError;
use self::intercept::{CallCounter, CustomEndpointHost};
use self::operations::{CALLER_GUARD, READ_ONLY_GUARD};

use super::SourceError;
pub use aws_config::retry::RetryMode;
pub use organizations::{OrganizationAccount, organization_accounts};

/// The region used when neither the options, the environment nor the
/// profile name one. IAM and STS are global; buckets get their own region.
const FALLBACK_REGION: &str = "us-east-1";

/// Session name of the assumed role, as it appears in CloudTrail.
const SESSION_NAME: &str = "putonly-scan";

/// How to reach the account.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Named profile of the shared config files.
    pub profile: Option<String>,
    /// Home region: STS, IAM and the first S3 calls. Buckets are read in
    /// their own region.
    pub region: Option<String>,
    /// One endpoint for every service (an emulator). `AWS_ENDPOINT_URL` is
    /// honoured by the SDK when this is `None`.
    pub endpoint_url: Option<String>,
    /// A role to assume before collecting.
    pub role_arn: Option<String>,
    /// External id for the assume-role call.
    pub external_id: Option<String>,
    /// Per-user and per-bucket reads in flight at once (at least 1).
    pub concurrency: usize,
    /// Take users' password, MFA and key-use state from the IAM credential
    /// report (fewer calls; AWS refreshes it at most every four hours)
    /// rather than reading each user call by call.
    pub credential_report: bool,
    /// Attempts per call, retries included. `None` keeps the SDK's
    /// configured value (3 by default, `AWS_MAX_ATTEMPTS`).
    pub max_attempts: Option<u32>,
    /// The SDK's retry mode. `None` keeps the SDK's configured mode
    /// (standard by default, `AWS_RETRY_MODE`).
    pub retry_mode: Option<RetryMode>,
    /// Longest time one call may take, retries included (the SDK's
    /// operation timeout). `None`: no limit beyond the SDK's connect timeout.
    pub call_timeout: Option<Duration>,
    /// Fixed credentials instead of the default chain, for programs that
    /// embed putonly and for tests.
    pub credentials: Option<Credentials>,
    /// An SDK configuration already loaded ([`load_config`]), shared by the
    /// accounts of one scan so that the credential chain is resolved once;
    /// the options above except the role, its external id and the
    /// concurrency are then already in it.
    pub base_config: Option<SdkConfig>,
    /// Counters of principals and buckets read, advanced as they are, for
    /// a progress line.
    pub tally: Option<Arc<Tally>>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            role_arn: None,
            external_id: None,
            concurrency: 8,
            credential_report: true,
            max_attempts: None,
            retry_mode: None,
            call_timeout: None,
            credentials: None,
            base_config: None,
            tally: None,
        }
    }
}

/// What a collection cost.
// TODO(#2): count the credential provider's own calls (sts:AssumeRole) too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectStats {
    /// API operations called (the credential provider's own calls, such as
    /// `sts:AssumeRole`, not included).
    pub api_calls: u64,
    /// HTTP requests sent for them, retries included.
    pub http_attempts: u64,
    pub elapsed: Duration,
}

/// Collects the inventory of the account the options lead to.
pub async fn collect(options: &LiveOptions) -> Result<Inventory, SourceError> {
    collect_with_stats(options)
        .await
        .map(|(inventory, _)| inventory)
}

/// [`collect`], also returning how many calls it made.
pub async fn collect_with_stats(
    options: &LiveOptions,
) -> Result<(Inventory, CollectStats), SourceError> {
    let started = Instant::now();
    let clients = Clients::load(options).await?;
    let identity = caller_identity(&clients).await?;
    tracing::info!(account = %identity.account_id, "collecting the account");

    let mut inventory = Inventory::new(&identity.account_id, "live", &now_rfc3339());
    inventory.partition = identity.partition;
    let concurrency = options.concurrency.max(1);

    let (iam_part, (s3_part, control_part)) = tokio::join!(
        iam::collect(&clients, concurrency, options.credential_report),
        async {
            let s3_part = s3::collect(&clients, concurrency).await;
            let mut regions: BTreeSet<String> = s3_part.regions.clone();
            regions.insert(clients.home_region.clone());
            let control_part =
                s3control::collect(&clients, &identity.account_id, &regions, concurrency).await;
            (s3_part, control_part)
        }
    );

    iam_part.fill(&mut inventory);
    inventory.buckets = s3_part.buckets;
    control_part.fill(&mut inventory);
    inventory.normalize();

    let stats = CollectStats {
        api_calls: clients.counter.calls(),
        http_attempts: clients.counter.attempts(),
        elapsed: started.elapsed(),
    };
    tracing::info!(
        api_calls = stats.api_calls,
        http_attempts = stats.http_attempts,
        gaps = inventory.gaps.len(),
        elapsed_ms = stats.elapsed.as_millis() as u64,
        "live collection done"
    );
    Ok((inventory, stats))
}

/// The SDK configuration, built once, and the clients made from it.
struct Clients {
    sdk: SdkConfig,
    home_region: String,
    /// The custom endpoint, when one is configured.
    endpoint_url: Option<String>,
    /// The role assumed, when one is.
    role_arn: Option<String>,
    counter: CallCounter,
    /// Principals and buckets read so far.
    tally: Arc<Tally>,
}

/// Loads the SDK configuration the options describe, without the role:
/// the caller's own.
pub async fn load_config(options: &LiveOptions) -> Result<SdkConfig, SourceError> {
    let caller = LiveOptions {
        role_arn: None,
        external_id: None,
        base_config: None,
        ..options.clone()
    };
    Clients::load(&caller).await.map(|clients| clients.sdk)
}

/// Who the options' credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: String,
    pub partition: String,
    pub arn: String,
}

/// Asks STS who the options' credentials (the role's, when one is given)
/// belong to.
pub async fn caller(options: &LiveOptions) -> Result<Caller, SourceError> {
    let clients = Clients::load(options).await?;
    let identity = caller_identity(&clients).await?;
    Ok(Caller {
        account_id: identity.account_id,
        partition: identity.partition,
        arn: identity.arn,
    })
}

impl Clients {
    async fn load(options: &LiveOptions) -> Result<Self, SourceError> {
        let mut sdk = match &options.base_config {
            Some(base) => base.clone(),
            None => Self::load_sdk(options).await,
        };

        let home_region = match sdk.region() {
            Some(region) => region.to_string(),
            None => {
                tracing::info!(
                    region = FALLBACK_REGION,
                    "no region configured, using the fallback"
                );
                sdk = sdk
                    .into_builder()
                    .region(Region::from_static(FALLBACK_REGION))
                    .build();
                FALLBACK_REGION.to_owned()
            }
        };

        if let Some(role_arn) = &options.role_arn {
            let mut builder = AssumeRoleProvider::builder(role_arn).session_name(SESSION_NAME);
            if let Some(external_id) = &options.external_id {
                builder = builder.external_id(external_id);
            }
            let provider = builder.configure(&sdk).build().await;
            tracing::info!(role = %role_arn, "assuming a role before collecting");
            sdk = sdk
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }

        if sdk.credentials_provider().is_none() {
            return Err(SourceError::AwsConfig(
                "no credentials provider is configured".into(),
            ));
        }
        // TODO(#2): a service-specific endpoint (AWS_ENDPOINT_URL_S3_CONTROL)
        // is not seen here, so S3 Control would still prefix the account id.
        let endpoint_url = sdk.endpoint_url().map(str::to_owned);
        Ok(Clients {
            sdk,
            home_region,
            endpoint_url,
            role_arn: options.role_arn.clone(),
            counter: CallCounter::default(),
            tally: options.tally.clone().unwrap_or_default(),
        })
    }

    /// The SDK configuration of the options, the role aside.
    async fn load_sdk(options: &LiveOptions) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(retry) = retry_config(options) {
            loader = loader.retry_config(retry);
        }
        if let Some(timeout) = options.call_timeout {
            loader =
                loader.timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build());
        }
        if let Some(credentials) = &options.credentials {
            loader = loader.credentials_provider(credentials.clone());
        }
        loader.load().await
    }

    /// Where calls go, for error messages.
    fn endpoint(&self) -> String {
        match &self.endpoint_url {
            Some(url) => url.clone(),
            None => format!("AWS endpoints, region {}", self.home_region),
        }
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.sdk)
            .interceptor(READ_ONLY_GUARD)
            .interceptor(self.counter.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// An Organizations client; only the caller's operations pass its guard.
    fn organizations(&self) -> aws_sdk_organizations::Client {
        let config = aws_sdk_organizations::config::Builder::from(&self.sdk)
            .interceptor(CALLER_GUARD)
            .interceptor(self.counter.clone())
            .build();
        aws_sdk_organizations::Client::from_conf(config)
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.sdk)
            .interceptor(READ_ONLY_GUARD)
            .interceptor(self.counter.clone())
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// An S3 client for `region`. Path-style addressing with a custom
    /// endpoint, so a bucket name never becomes a host name to resolve.
    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .force_path_style(self.endpoint_url.is_some())
            .interceptor(READ_ONLY_GUARD)
            .interceptor(self.counter.clone())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// An S3 Control client for `region`, keeping requests on the custom
    /// endpoint's host when there is one.
    fn s3control(&self, region: &str, account_id: &str) -> aws_sdk_s3control::Client {
        let mut config = aws_sdk_s3control::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_owned()))
            .interceptor(READ_ONLY_GUARD)
            .interceptor(self.counter.clone());
        if let Some(url) = &self.endpoint_url {
            match CustomEndpointHost::new(url, account_id) {
                Some(host) => config = config.interceptor(host),
                None => tracing::warn!(endpoint = %url, "endpoint URL has no host"),
            }
        }
        aws_sdk_s3control::Client::from_conf(config.build())
    }
}

/// The SDK's retry settings when the options change them: the chosen mode
/// (standard unless told), with the chosen number of attempts (the mode's
/// default of 3 unless told).
fn retry_config(options: &LiveOptions) -> Option<RetryConfig> {
    if options.retry_mode.is_none() && options.max_attempts.is_none() {
        return None;
    }
    let config = match options.retry_mode {
        Some(RetryMode::Adaptive) => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    };
    Some(match options.max_attempts {
        Some(attempts) => config.with_max_attempts(attempts.max(1)),
        None => config,
    })
}

/// Who the credentials belong to.
struct Identity {
    account_id: String,
    partition: String,
    arn: String,
}

async fn caller_identity(clients: &Clients) -> Result<Identity, SourceError> {
    const OPERATION: &str = "sts:GetCallerIdentity";
    let fail = |message: String| SourceError::Aws {
        operation: OPERATION.to_owned(),
        endpoint: clients.endpoint(),
        message,
    };
    let output = clients
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| match (&clients.role_arn, assume_role_failure(&err)) {
            // The first call is where the role is assumed: say so.
            (Some(role_arn), Some(reason)) => SourceError::AssumeRole {
                role_arn: role_arn.clone(),
                message: reason,
            },
            _ => fail(CallError::from_sdk(OPERATION, &err).reason()),
        })?;

    let account_id = output
        .account()
        .filter(|account| !account.is_empty())
        .ok_or_else(|| fail("the answer has no account id".into()))?;
    // arn:PARTITION:sts::ACCOUNT:...
    let partition = output
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    tracing::debug!(arn = output.arn().unwrap_or(""), "caller identity");
    Ok(Identity {
        account_id: account_id.to_owned(),
        partition: partition.to_owned(),
        arn: output.arn().unwrap_or_default().to_owned(),
    })
}

/// The answer to `sts:AssumeRole`, when that is why a call failed: the
/// credential provider's error, somewhere in the call's error chain.
fn assume_role_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    type AssumeRoleFailure = aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_sts::operation::assume_role::AssumeRoleError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >;
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(failure) = cause.downcast_ref::<AssumeRoleFailure>() {
            return Some(CallError::from_sdk("sts:AssumeRole", failure).reason());
        }
        source = cause.source();
    }
    None
}

/// An SDK timestamp as RFC 3339 text, empty when absent.
fn date_text(date: Option<&DateTime>) -> String {
    date.and_then(|d| d.fmt(Format::DateTime).ok())
        .unwrap_or_default()
}

fn now_rfc3339() -> String {
    date_text(Some(&DateTime::from(SystemTime::now())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::iam_json::normalize_date;

    #[test]
    fn dates_read_the_way_the_dump_reads_them() {
        // The SDK parses what IAM and S3 send; the dump source reads the
        // CLI's printing of the same text. Both must give the same fact.
        for sent in [
            "2026-12-04T16:31:51.805833Z",
            "2026-12-04T16:31:51Z",
            "2026-12-04T16:31:51.000Z",
            "2026-12-04T16:31:51.800Z",
            "2026-12-04T16:31:51.123456789Z",
        ] {
            let parsed = DateTime::from_str(sent, Format::DateTime).unwrap();
            assert_eq!(date_text(Some(&parsed)), normalize_date(sent), "{sent}");
        }
        assert_eq!(
            normalize_date("2026-12-04T16:31:51.8+00:00"),
            "2026-12-04T16:31:51.8Z"
        );
    }

    #[test]
    fn retry_settings_are_left_to_the_sdk_unless_given() {
        assert_eq!(retry_config(&LiveOptions::default()), None);

        let adaptive = LiveOptions {
            retry_mode: Some(RetryMode::Adaptive),
            ..LiveOptions::default()
        };
        let config = retry_config(&adaptive).unwrap_or_else(RetryConfig::disabled);
        assert_eq!(config.mode(), RetryMode::Adaptive);
        assert_eq!(config.max_attempts(), 3);

        let attempts = LiveOptions {
            max_attempts: Some(5),
            ..LiveOptions::default()
        };
        let config = retry_config(&attempts).unwrap_or_else(RetryConfig::disabled);
        assert_eq!(config.mode(), RetryMode::Standard);
        assert_eq!(config.max_attempts(), 5);
    }
}
