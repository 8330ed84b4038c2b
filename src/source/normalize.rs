//! How an AWS answer becomes a fact, where the answer needs interpreting.
//!
//! The live source gets these answers from the SDK, the dump source from
//! the AWS CLI's output of the same calls. Both go through these functions,
//! so that one account gives one inventory whichever way it was read.

use crate::inventory::{Fact, PolicyText};

/// The region of a bucket from its `GetBucketLocation` constraint: none or
/// empty is `us-east-1`, `EU` is the old name of `eu-west-1`.
pub(crate) fn bucket_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(region) => region.to_owned(),
    }
}

/// A bucket's default encryption from the algorithms of its rules: rules
/// without a default algorithm are no default encryption.
pub(crate) fn default_encryption(algorithms: Vec<String>) -> Fact<Vec<String>> {
    if algorithms.is_empty() {
        Fact::Absent
    } else {
        Fact::Present(algorithms)
    }
}

/// A bucket or access point policy as S3 returned it; an answer without a
/// policy is no policy.
pub(crate) fn resource_policy(raw: Option<&str>) -> Fact<PolicyText> {
    match raw.map(PolicyText::from_aws) {
        Some(Ok(text)) => Fact::Present(text),
        Some(Err(err)) => Fact::Unknown(err.to_string()),
        None => Fact::Absent,
    }
}

/// A service or region of an access key's last use: IAM answers `N/A`
/// for a key never used.
pub(crate) fn known_value(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty() && v != "N/A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_regions_follow_get_bucket_location() {
        assert_eq!(bucket_region(None), "us-east-1");
        assert_eq!(bucket_region(Some("")), "us-east-1");
        assert_eq!(bucket_region(Some("EU")), "eu-west-1");
        assert_eq!(bucket_region(Some("us-west-1")), "us-west-1");
    }

    #[test]
    fn rules_without_an_algorithm_are_no_default_encryption() {
        assert_eq!(default_encryption(Vec::new()), Fact::Absent);
        assert_eq!(
            default_encryption(vec!["aws:kms".to_owned()]),
            Fact::Present(vec!["aws:kms".to_owned()])
        );
    }

    #[test]
    fn resource_policies_are_decoded_like_iam_documents() {
        let raw = "{\n  \"Version\": \"2012-10-17\"\n}";
        assert_eq!(
            resource_policy(Some(raw)),
            Fact::Present(PolicyText::new(raw))
        );
        assert_eq!(
            resource_policy(Some("%7B%7D")),
            Fact::Present(PolicyText::new("{}"))
        );
        assert!(matches!(resource_policy(Some("%FF")), Fact::Unknown(_)));
        assert_eq!(resource_policy(None), Fact::Absent);
    }

    #[test]
    fn not_applicable_is_no_value() {
        assert_eq!(known_value(Some("N/A".to_owned())), None);
        assert_eq!(known_value(Some(String::new())), None);
        assert_eq!(known_value(None), None);
        assert_eq!(known_value(Some("s3".to_owned())), Some("s3".to_owned()));
    }
}
