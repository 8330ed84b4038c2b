//! One check function per rule id. A check reads the scan context and
//! returns hits; it never decides severity (the rule file does) and never
//! matches policy text where the question is "is this allowed?" (that is
//! the policy engine's job).

mod access;
mod bucket;
mod keys;

pub use keys::mask_key_id;
mod oidc;
mod principal;
mod suppression;

use super::{Hit, ScanContext};

/// A check: the hits of one rule.
pub type Check = fn(&ScanContext<'_>) -> Vec<Hit>;

/// Every registered check, by rule id.
static CHECKS: &[(&str, Check)] = &[
    ("PO001", principal::principal_missing),
    ("PO002", principal::collection_incomplete),
    ("PO101", oidc::provider_missing),
    ("PO102", oidc::audience_mismatch),
    ("PO103", oidc::thumbprint_mismatch),
    ("PO104", oidc::thumbprint_ignored),
    ("PO201", keys::several_active_keys),
    ("PO202", keys::key_too_old),
    ("PO203", keys::key_unused),
    ("PO204", keys::console_access),
    ("PO301", bucket::bucket_missing),
    ("PO302", bucket::bucket_wrong_region),
    ("PO303", bucket::public_access_not_blocked),
    ("PO304", bucket::ownership_not_enforced),
    ("PO305", bucket::encryption_missing),
    ("PO401", access::cannot_write),
    ("PO402", access::writes_outside_prefix),
    ("PO403", access::extra_actions),
    ("PO404", access::other_buckets),
    ("PO405", access::changes_permissions),
    ("PO406", access::mints_credentials),
    ("PO407", access::near_administrator),
    ("PO408", access::incomplete_answer),
    ("PO410", access::subject_not_pinned),
    ("PO411", access::audience_not_pinned),
    ("PO412", access::trust_admits_others),
    ("PO413", access::vendor_refused),
    ("PO420", access::other_writers),
    ("PO421", access::public_write),
    ("PO422", access::public_write_neutralised),
    ("PO430", access::access_point_not_a_fence),
    ("PO440", access::absent_condition_key),
    ("PO450", access::invalid_document),
    ("PO901", suppression::suppression_expired),
];

/// The ids of every registered check.
pub static REGISTERED: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| CHECKS.iter().map(|(id, _)| *id).collect());

/// The check registered for a rule id.
pub fn lookup(id: &str) -> Option<Check> {
    CHECKS
        .iter()
        .find(|(rule, _)| *rule == id)
        .map(|(_, check)| *check)
}

/// Parses an AWS timestamp (RFC 3339).
pub(crate) fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
