//! Reasoning over a whole account: what a principal can do on a bucket,
//! which object keys it can write, and who else can write.
//!
//! [`documents`] parses every policy once; [`subject`] gathers what applies
//! to a principal; [`probe`] answers questions over whole resource spaces
//! by asking the policy engine about one member of each class of resources
//! the policies tell apart ([`lang`]).

pub mod connector;
pub mod documents;
pub mod evidence;
pub mod lang;
pub mod lint;
pub mod probe;
pub mod remediation;
pub mod request_keys;
pub mod subject;
pub mod trust;
pub mod writers;

use crate::config::Config;
use crate::inventory::Inventory;

/// Everything the access questions concluded for one scan, computed once
/// before the rules run.
#[derive(Debug)]
pub struct AccessModel {
    pub documents: documents::Documents,
    /// One entry per connector of the config, in config order.
    pub connectors: Vec<ConnectorAccess>,
    /// Condition keys that statements' actions never carry, account-wide.
    pub absent_keys: Vec<lint::AbsentKey>,
    /// Other writers per connector bucket.
    pub writers: Vec<(String, Vec<writers::Writer>)>,
}

/// The answers about one connector.
#[derive(Debug, Clone, Default)]
pub struct ConnectorAccess {
    pub answers: connector::Answers,
    pub trust: Option<trust::TrustAnswers>,
}

impl AccessModel {
    /// Asks every question for every connector. `now` is the time the
    /// facts describe (RFC 3339), the value of `aws:CurrentTime`.
    pub fn build(inv: &Inventory, config: &Config, now: &str) -> AccessModel {
        let started = std::time::Instant::now();
        let documents = documents::Documents::parse_all(inv);
        let parsed = started.elapsed();
        let connectors = config
            .connectors
            .iter()
            .map(|c| ConnectorAccess {
                answers: connector::answer(inv, &documents, c, now),
                trust: c
                    .oidc()
                    .and_then(|o| trust::answer(inv, &documents, &c.principal, o)),
            })
            .collect::<Vec<_>>();
        let answered = started.elapsed();
        let absent_keys = match crate::policy::catalog::Catalog::get() {
            Ok(catalog) => documents
                .iter()
                .flat_map(|d| lint::absent_keys(d, catalog))
                .collect(),
            Err(_) => Vec::new(),
        };
        let linted = started.elapsed();
        let principals: Vec<String> = connectors
            .iter()
            .filter_map(|c| c.answers.principal_arn.clone())
            .collect();
        let mut buckets: Vec<&str> = config
            .connectors
            .iter()
            .map(|c| c.bucket.as_str())
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        let writers = buckets
            .into_iter()
            .map(|b| {
                (
                    b.to_owned(),
                    writers::writers(inv, &documents, b, now, &principals),
                )
            })
            .collect();
        tracing::debug!(
            parse_ms = parsed.as_millis() as u64,
            connectors_ms = (answered - parsed).as_millis() as u64,
            lint_ms = (linted - answered).as_millis() as u64,
            writers_ms = (started.elapsed() - linted).as_millis() as u64,
            "access model phases"
        );
        AccessModel {
            documents,
            connectors,
            absent_keys,
            writers,
        }
    }
}
