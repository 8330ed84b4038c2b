//! The action catalog against real values of the AWS service reference, as
//! extracted by `scripts/gen-catalog.sh`.

#![cfg(test)]

use putonly::policy::catalog::{
    AccessLevel, Action, Catalog, GlobalPresence, KeyAvailability, ValueType,
};

fn catalog() -> &'static Catalog {
    Catalog::get().unwrap()
}

fn action(name: &str) -> &'static Action {
    catalog()
        .action(name)
        .unwrap_or_else(|| panic!("no action {name}"))
}

fn can_be_present(action_name: &str, key: &str) -> bool {
    catalog().can_be_present(action(action_name), key)
}

#[test]
fn s3_prefix_is_a_list_key_only() {
    assert!(can_be_present("s3:ListBucket", "s3:prefix"));
    assert!(can_be_present("s3:ListBucketVersions", "s3:prefix"));
    assert!(!can_be_present("s3:PutObject", "s3:prefix"));
    assert!(!can_be_present("s3:PutObject", "s3:delimiter"));
    assert!(!can_be_present("s3:PutObject", "s3:max-keys"));
    let with_prefix: Vec<_> = catalog()
        .actions()
        .iter()
        .filter(|a| catalog().key_availability(a, "s3:prefix") == Some(KeyAvailability::Action))
        .map(Action::full_name)
        .collect();
    assert_eq!(with_prefix, ["s3:ListBucket", "s3:ListBucketVersions"]);
}

#[test]
fn put_object_keys() {
    let put = action("s3:PutObject");
    for key in [
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:RequestObjectTagKeys",
        "s3:if-none-match",
        "s3:ObjectCreationOperation",
        "s3:x-amz-acl",
        "s3:TlsVersion",
    ] {
        assert_eq!(
            catalog().key_availability(put, key),
            Some(KeyAvailability::Action),
            "{key}"
        );
    }
    assert_eq!(
        catalog().is_multivalued("s3:RequestObjectTagKeys"),
        Some(true)
    );
    assert_eq!(
        catalog().is_multivalued("s3:x-amz-server-side-encryption"),
        Some(false)
    );
    let kms = catalog()
        .key_type("s3:x-amz-server-side-encryption-aws-kms-key-id")
        .unwrap();
    assert_eq!(kms.value, ValueType::Arn);
    assert_eq!(put.access_levels, [AccessLevel::Write]);
}

#[test]
fn key_names_are_case_insensitive() {
    assert!(can_be_present("S3:LISTBUCKET", "S3:Prefix"));
    assert!(can_be_present(
        "s3:putobject",
        "S3:X-AMZ-SERVER-SIDE-ENCRYPTION"
    ));
    assert!(can_be_present("s3:PutObject", "AWS:securetransport"));
    assert_eq!(
        catalog().is_multivalued("s3:requestobjecttagkeys"),
        Some(true)
    );
}

#[test]
fn tag_key_templates_match_concrete_keys() {
    let put = action("s3:PutObject");
    assert_eq!(
        catalog().key_availability(put, "s3:RequestObjectTag/team"),
        Some(KeyAvailability::Action)
    );
    assert_eq!(
        catalog().key_availability(put, "aws:ResourceTag/team"),
        Some(KeyAvailability::ResourceType("accesspointobject"))
    );
    // Request tags are not a PutObject key: S3 object tags use
    // s3:RequestObjectTag.
    assert!(!catalog().can_be_present(put, "aws:RequestTag/team"));
    assert!(!catalog().can_be_present(put, "aws:TagKeys"));
    assert!(catalog().can_be_present(put, "aws:PrincipalTag/team"));
    assert!(can_be_present("iam:TagRole", "aws:RequestTag/team"));
    assert!(can_be_present("iam:TagRole", "aws:TagKeys"));
    assert_eq!(
        catalog()
            .condition_key("s3:ExistingObjectTag/owner")
            .unwrap()
            .name,
        "s3:ExistingObjectTag/<key>"
    );
    assert_eq!(
        catalog().global_key("aws:PrincipalTag/Team").unwrap().name,
        "aws:PrincipalTag/${TagKey}"
    );
}

#[test]
fn global_keys_by_presence() {
    let get = action("s3:GetObject");
    let presence = |key| match catalog().key_availability(get, key) {
        Some(KeyAvailability::Global(presence)) => Some(presence),
        _ => None,
    };
    assert_eq!(presence("aws:CurrentTime"), Some(GlobalPresence::Always));
    assert_eq!(
        presence("aws:PrincipalArn"),
        Some(GlobalPresence::SignedRequests)
    );
    assert_eq!(
        presence("aws:SourceIp"),
        Some(GlobalPresence::RequestDependent)
    );
    assert_eq!(
        presence("aws:username"),
        Some(GlobalPresence::RequestDependent)
    );
    assert_eq!(
        presence("ec2:SourceInstanceArn"),
        Some(GlobalPresence::RequestDependent)
    );
    assert_eq!(presence("aws:NoSuchKey"), None);
    assert_eq!(catalog().is_multivalued("aws:CalledVia"), Some(true));
    assert_eq!(
        catalog().is_multivalued("aws:PrincipalOrgPaths"),
        Some(true)
    );
    assert_eq!(
        catalog().key_type("aws:SourceIp").unwrap().value,
        ValueType::IpAddress
    );
    assert_eq!(catalog().is_multivalued("aws:NoSuchKey"), None);
}

#[test]
fn put_bucket_policy_acts_on_buckets_only() {
    let put_policy = action("s3:PutBucketPolicy");
    assert!(put_policy.applies_to_resource("arn:aws:s3:::rec-bucket"));
    assert!(!put_policy.applies_to_resource("arn:aws:s3:::rec-bucket/x"));
    assert_eq!(
        put_policy.resource_type_of("arn:aws:s3:::rec-bucket"),
        Some("bucket")
    );
    assert!(!put_policy.may_apply_to_resource_pattern("arn:aws:s3:::rec-bucket/*"));
    assert!(put_policy.may_apply_to_resource_pattern("arn:aws:s3:::rec-*"));
    assert!(put_policy.may_apply_to_resource_pattern("*"));
    assert!(put_policy.has_access_level(AccessLevel::PermissionsManagement));
    assert!(put_policy.has_access_level(AccessLevel::Write));
    let rt = &put_policy.resource_types;
    assert_eq!(rt.len(), 1);
    assert_eq!((rt[0].name.as_str(), rt[0].required), ("bucket", true));
}

#[test]
fn put_object_acts_on_objects() {
    let put = action("s3:PutObject");
    assert_eq!(
        put.resource_type_of("arn:aws:s3:::rec-bucket/uploads/a:b.mp4"),
        Some("object")
    );
    assert_eq!(
        put.resource_type_of("arn:aws:s3:eu-west-1:111122223333:accesspoint/ap/object/uploads/x"),
        Some("accesspointobject")
    );
    assert!(!put.applies_to_resource("arn:aws:s3:::rec-bucket"));
    assert!(!put.applies_to_resource("*"));
    assert!(put.may_apply_to_resource_pattern("arn:aws:s3:::rec-bucket/uploads/*"));
    let names: Vec<_> = catalog()
        .resource_types_of(put)
        .map(|rt| (rt.name.as_str(), rt.arn_formats[0].as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (
                "accesspointobject",
                "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName}"
            ),
            (
                "object",
                "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
            ),
        ]
    );
}

#[test]
fn actions_without_resource_types_apply_to_star_only() {
    let list_all = action("s3:ListAllMyBuckets");
    assert!(list_all.is_wildcard_only());
    assert!(list_all.applies_to_resource("*"));
    assert!(!list_all.applies_to_resource("arn:aws:s3:::rec-bucket"));
    assert!(!list_all.may_apply_to_resource_pattern("arn:aws:s3:::*"));
    assert!(list_all.may_apply_to_resource_pattern("*"));
    assert!(action("sts:GetCallerIdentity").is_wildcard_only());
}

#[test]
fn put_glob_expands_to_forty_actions() {
    let puts = catalog().actions_matching("s3:Put*");
    assert_eq!(puts.len(), 40);
    let names: Vec<_> = puts.iter().map(|a| a.name.as_str()).collect();
    for name in [
        "PutObject",
        "PutObjectAcl",
        "PutObjectTagging",
        "PutBucketPolicy",
        "PutBucketPublicAccessBlock",
        "PutLifecycleConfiguration",
    ] {
        assert!(names.contains(&name), "{name}");
    }
    assert!(!names.contains(&"GetObject"));
    assert_eq!(catalog().actions_matching("S3:pUT*").len(), 40);
    assert_eq!(catalog().actions_matching("s3:PutObject").len(), 1);
    assert_eq!(catalog().actions_matching("s3:?utObject").len(), 1);
    assert_eq!(
        catalog().actions_matching("*").len(),
        catalog().actions().len()
    );
    assert!(catalog().actions_matching("ec2:*").is_empty());
    let access_keys: Vec<_> = catalog()
        .actions_matching("iam:*AccessKey*")
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        access_keys,
        [
            "CreateAccessKey",
            "DeleteAccessKey",
            "GetAccessKeyLastUsed",
            "ListAccessKeys",
            "UpdateAccessKey"
        ]
    );
}

#[test]
fn iam_create_access_key_acts_on_users() {
    let create = action("iam:CreateAccessKey");
    assert_eq!(
        create.resource_type_of("arn:aws:iam::111122223333:user/videsk-connector"),
        Some("user")
    );
    assert!(
        create.applies_to_resource("arn:aws:iam::111122223333:user/division/team/videsk-connector")
    );
    assert!(!create.applies_to_resource("arn:aws:iam::111122223333:role/videsk-connector"));
    assert!(!create.applies_to_resource("arn:aws:s3:::videsk-connector"));
    assert!(catalog().action("IAM:createaccesskey").is_some());
}

#[test]
fn assume_role_with_web_identity() {
    let assume = action("sts:AssumeRoleWithWebIdentity");
    let rt = &assume.resource_types;
    assert_eq!(rt.len(), 1);
    assert_eq!((rt[0].name.as_str(), rt[0].required), ("role", true));
    assert!(assume.applies_to_resource("arn:aws:iam::111122223333:role/videsk-ingest"));
    assert!(!assume.applies_to_resource("arn:aws:iam::111122223333:user/videsk-ingest"));

    // The data lists Google's keys for this action.
    let catalog = catalog();
    for key in [
        "accounts.google.com:sub",
        "accounts.google.com:aud",
        "accounts.google.com:oaud",
    ] {
        assert_eq!(
            catalog.key_availability(assume, key),
            Some(KeyAvailability::Action),
            "{key}"
        );
        assert_eq!(catalog.is_multivalued(key), Some(false));
    }
    assert!(catalog.can_be_present(assume, "ACCOUNTS.GOOGLE.COM:Sub"));
    // Templates with the provider in the name.
    assert_eq!(
        catalog.key_availability(assume, "token.actions.githubusercontent.com:repository"),
        Some(KeyAvailability::Action)
    );
    assert_eq!(
        catalog.key_availability(assume, "agent.acme.buildkite.dev:pipeline_slug"),
        Some(KeyAvailability::Action)
    );
    // Providers the data does not list: accepted as claims.
    assert_eq!(
        catalog.key_availability(assume, "oidc.example.com:sub"),
        Some(KeyAvailability::ProviderClaim)
    );
    assert_eq!(
        catalog.key_availability(assume, "accounts.google.com:email"),
        Some(KeyAvailability::ProviderClaim)
    );
    // The data lists GitHub's custom claims but not the standard `sub`.
    assert_eq!(
        catalog.key_availability(assume, "token.actions.githubusercontent.com:sub"),
        Some(KeyAvailability::ProviderClaim)
    );
    // Only on that action.
    assert!(!can_be_present("sts:AssumeRole", "oidc.example.com:sub"));
    assert!(!can_be_present("s3:PutObject", "accounts.google.com:sub"));
    // The service reference also lists some provider keys on AssumeRole,
    // which can run in a session federated through those providers.
    assert!(can_be_present("sts:AssumeRole", "accounts.google.com:sub"));
    assert!(!can_be_present("s3:PutObject", "oidc.example.com:sub"));
    // Not every key with a colon is a claim.
    assert!(!catalog.can_be_present(assume, "s3:prefix"));
}

#[test]
fn counts_and_access_levels() {
    let count = |service| {
        catalog()
            .actions()
            .iter()
            .filter(|a| a.service == service)
            .count()
    };
    assert_eq!((count("s3"), count("sts"), count("iam")), (180, 16, 190));
    let s3 = catalog().service("S3").unwrap();
    assert_eq!(s3.name, "Amazon S3");
    assert_eq!(s3.resource_types.len(), 13);
    assert!(action("s3:ListBucket").has_access_level(AccessLevel::List));
    assert!(action("s3:GetObject").has_access_level(AccessLevel::Read));
    assert!(action("iam:TagRole").has_access_level(AccessLevel::Tagging));
}

#[test]
fn recorded_version_matches_the_script() {
    let script = include_str!("../scripts/gen-catalog.sh");
    let pinned = script
        .lines()
        .find_map(|line| line.strip_prefix("IAM_DATA_VERSION="))
        .map(|value| value.trim_matches('"'))
        .unwrap();
    let package = script
        .lines()
        .find_map(|line| line.strip_prefix("IAM_DATA_PACKAGE="))
        .map(|value| value.trim_matches('"'))
        .unwrap();
    let source = catalog().data_version();
    assert_eq!(source.version, pinned);
    assert_eq!(source.package, package);
    assert_eq!(source.services, ["iam", "s3", "sts"]);
    // The version's date part is the data's date.
    let date_digits = source.data_date().replace('-', "");
    assert!(
        source
            .version
            .split('.')
            .nth(2)
            .unwrap()
            .starts_with(&date_digits)
    );
    assert_eq!(source.data_date(), "2026-09-26");
}
