//! The catalog seen through the engine's [`ActionCatalog`] interface, so
//! that [`key_presence`](crate::policy::keys::key_presence) and
//! [`covered_actions`](crate::policy::keys::covered_actions) answer with
//! the real service reference data.

use super::Catalog;
use super::model::{KeyType, ValueType};
use crate::policy::keys::{self, ActionCatalog, ActionInfo, ResourceTypeInfo};

impl ActionCatalog for Catalog {
    fn action_names(&self) -> Vec<&str> {
        self.actions().iter().map(|a| a.full_name()).collect()
    }

    fn action(&self, name: &str) -> Option<ActionInfo<'_>> {
        let action = Catalog::action(self, name)?;
        let service = self.service(&action.service);
        let resource_types = action
            .resource_types
            .iter()
            .map(|reference| {
                let defined = service.and_then(|s| s.resource_type(&reference.name));
                // Keys the action lists for this resource type, then the
                // keys the resource type itself adds.
                let type_keys = defined.map(|rt| rt.condition_keys.as_slice());
                ResourceTypeInfo {
                    name: reference.name.as_str(),
                    arn_templates: defined
                        .map(|rt| rt.arn_formats.iter().map(String::as_str).collect())
                        .unwrap_or_default(),
                    required: reference.required,
                    condition_keys: reference
                        .condition_keys
                        .iter()
                        .chain(type_keys.unwrap_or_default())
                        .map(String::as_str)
                        .collect(),
                }
            })
            .collect();
        Some(ActionInfo {
            name: action.full_name(),
            resource_types,
            condition_keys: action.condition_keys.iter().map(String::as_str).collect(),
        })
    }

    fn key_type(&self, key: &str) -> Option<keys::KeyType> {
        Catalog::key_type(self, key).map(engine_key_type)
    }
}

/// The engine's name for a catalog key type.
fn engine_key_type(key_type: KeyType) -> keys::KeyType {
    match (key_type.value, key_type.multivalued) {
        (ValueType::String, false) => keys::KeyType::String,
        (ValueType::String, true) => keys::KeyType::ArrayOfString,
        (ValueType::Arn, false) => keys::KeyType::Arn,
        (ValueType::Arn, true) => keys::KeyType::ArrayOfArn,
        (ValueType::Numeric, false) => keys::KeyType::Numeric,
        (ValueType::Date, false) => keys::KeyType::Date,
        (ValueType::Bool, false) => keys::KeyType::Bool,
        (ValueType::IpAddress, false) => keys::KeyType::IpAddress,
        (ValueType::Binary, false) => keys::KeyType::Binary,
        // The reference has no arrays of other types for S3, STS or IAM;
        // the engine's type names none.
        (_, true) => keys::KeyType::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::keys::{KeyPresence, covered_actions, key_presence};
    use crate::policy::model::{ActionBlock, ActionPattern};
    use crate::policy::span::Span;

    fn catalog() -> &'static Catalog {
        Catalog::get().unwrap()
    }

    #[test]
    fn prefix_is_never_present_on_put_object_and_possible_on_list_bucket() {
        let catalog: &dyn ActionCatalog = catalog();
        assert_eq!(
            key_presence(catalog, "s3:PutObject", "s3:prefix"),
            KeyPresence::Never
        );
        assert_eq!(
            key_presence(catalog, "s3:ListBucket", "s3:prefix"),
            KeyPresence::Possible
        );
        assert_eq!(
            key_presence(catalog, "S3:putobject", "s3:RequestObjectTag/team"),
            KeyPresence::Possible
        );
        assert_eq!(
            key_presence(catalog, "s3:PutObject", "s3:DataAccessPointArn"),
            KeyPresence::Possible,
            "a key of the accesspointobject resource type"
        );
        assert_eq!(
            key_presence(catalog, "s3:PutObject", "aws:SourceVpce"),
            KeyPresence::Unknown
        );
    }

    #[test]
    fn action_info_carries_resource_types_and_key_types() {
        let catalog = catalog();
        let info = ActionCatalog::action(catalog, "s3:putobject").unwrap();
        assert_eq!(info.name, "s3:PutObject");
        let object = info
            .resource_types
            .iter()
            .find(|rt| rt.name == "object")
            .unwrap();
        assert!(
            !object.required,
            "PutObject names an object or an access point object"
        );
        assert_eq!(
            object.arn_templates,
            ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
        );
        assert_eq!(
            ActionCatalog::key_type(catalog, "s3:RequestObjectTagKeys"),
            Some(keys::KeyType::ArrayOfString)
        );
        assert_eq!(
            ActionCatalog::key_type(catalog, "aws:SourceIp"),
            Some(keys::KeyType::IpAddress)
        );
        assert!(ActionCatalog::action(catalog, "s3:NoSuchAction").is_none());
    }

    #[test]
    fn covered_actions_expand_globs_and_not_action() {
        let catalog = catalog();
        let block = |negated, raw: &str| ActionBlock {
            negated,
            patterns: vec![ActionPattern::new(raw, Span::default())],
            span: Span::default(),
        };
        let puts = covered_actions(&block(false, "s3:PutObject*"), catalog);
        assert!(puts.contains(&"s3:PutObject") && puts.contains(&"s3:PutObjectAcl"));
        assert!(puts.iter().all(|name| name.starts_with("s3:PutObject")));
        let all = catalog.action_names().len();
        let others = covered_actions(&block(true, "s3:*"), catalog);
        assert_eq!(
            others.len() + covered_actions(&block(false, "s3:*"), catalog).len(),
            all
        );
        assert!(others.iter().all(|name| !name.starts_with("s3:")));
    }
}
