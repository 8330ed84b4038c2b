//! The interface to the action catalog (built separately from the AWS
//! Service Authorization Reference), and the questions the engine can
//! answer with one.
//!
//! The evaluator itself never needs a catalog: it decides a concrete
//! request whose context lists the keys present. A catalog is needed to
//! reason about requests not yet made, for example that `s3:prefix` can
//! never be present on `s3:PutObject` (IAM-SEMANTICS.md 3.5, 4.1), or which
//! actions `NotAction` or `s3:Put*` stand for.

use super::model::ActionBlock;

/// The value type of a condition key, as the reference lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `String`.
    String,
    /// `ArrayOfString` (a multivalued key).
    ArrayOfString,
    /// `ARN`.
    Arn,
    /// `ArrayOfARN`.
    ArrayOfArn,
    /// `Numeric`.
    Numeric,
    /// `Date`.
    Date,
    /// `Bool`.
    Bool,
    /// `IPAddress`.
    IpAddress,
    /// `Binary`.
    Binary,
    /// Any other type the reference uses.
    Other,
}

impl KeyType {
    /// Whether a request can carry several values for the key.
    pub fn is_multivalued(self) -> bool {
        matches!(self, KeyType::ArrayOfString | KeyType::ArrayOfArn)
    }
}

/// A resource type an action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTypeInfo<'c> {
    /// The type's name, such as `object`.
    pub name: &'c str,
    /// ARN templates, such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub arn_templates: Vec<&'c str>,
    /// Whether the action requires this resource type.
    pub required: bool,
    /// Condition keys the resource type adds, as the reference spells them.
    pub condition_keys: Vec<&'c str>,
}

/// What the catalog knows about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo<'c> {
    /// `service:Name` as the reference spells it.
    pub name: &'c str,
    /// The resource types it applies to (empty: only `*`).
    pub resource_types: Vec<ResourceTypeInfo<'c>>,
    /// Action-level condition keys, as the reference spells them; tag keys
    /// appear as templates such as `s3:RequestObjectTag/${TagKey}`.
    pub condition_keys: Vec<&'c str>,
}

/// An action catalog. Names are compared case-insensitively.
pub trait ActionCatalog {
    /// Every action, as `service:Name`.
    fn action_names(&self) -> Vec<&str>;

    /// One action, if known.
    fn action(&self, name: &str) -> Option<ActionInfo<'_>>;

    /// The type of a condition key (global or service), if known.
    fn key_type(&self, key: &str) -> Option<KeyType>;
}

/// Whether a condition key can be in an action's request context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPresence {
    /// The catalog lists the key for the action or one of its resource
    /// types: it may be present.
    Possible,
    /// The key belongs to the action's service but is not listed: it is
    /// never present, so the condition sees an absent key.
    Never,
    /// A global (`aws:`) key, another service's key, or an unknown action:
    /// presence depends on the request (global keys page).
    Unknown,
}

/// Whether `key` can be present on `action`.
pub fn key_presence(catalog: &dyn ActionCatalog, action: &str, key: &str) -> KeyPresence {
    let Some(info) = catalog.action(action) else {
        return KeyPresence::Unknown;
    };
    let key = key.to_lowercase();
    let service = info
        .name
        .split(':')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if key.split(':').next() != Some(service.as_str()) {
        return KeyPresence::Unknown;
    }
    let listed = info
        .condition_keys
        .iter()
        .chain(
            info.resource_types
                .iter()
                .flat_map(|r| r.condition_keys.iter()),
        )
        .any(|template| key_matches_template(&key, template));
    if listed {
        KeyPresence::Possible
    } else {
        KeyPresence::Never
    }
}

/// Compares a lowercased key with a reference key, where a placeholder
/// suffix (a tag key, written `${TagKey}` or `<key>` in the reference)
/// stands for any non-empty text.
fn key_matches_template(key_lower: &str, template: &str) -> bool {
    let template = template.to_lowercase();
    let placeholder = template
        .find("${")
        .into_iter()
        .chain(template.find('<'))
        .min();
    match placeholder.and_then(|at| template.get(..at)) {
        Some(prefix) => key_lower.starts_with(prefix) && key_lower.len() > prefix.len(),
        None => key_lower == template,
    }
}

/// The catalog actions an `Action` / `NotAction` element covers.
pub fn covered_actions<'c>(block: &ActionBlock, catalog: &'c dyn ActionCatalog) -> Vec<&'c str> {
    catalog
        .action_names()
        .into_iter()
        .filter(|name| block.covers(&name.to_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model::ActionPattern;
    use crate::policy::span::Span;

    struct Tiny;

    impl ActionCatalog for Tiny {
        fn action_names(&self) -> Vec<&str> {
            vec![
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:ListBucket",
                "iam:CreateAccessKey",
            ]
        }

        fn action(&self, name: &str) -> Option<ActionInfo<'_>> {
            let keys = match name.to_lowercase().as_str() {
                "s3:putobject" => vec![
                    "s3:RequestObjectTag/${TagKey}",
                    "s3:x-amz-acl",
                    "s3:ExistingObjectTag/<key>",
                ],
                "s3:listbucket" => vec!["s3:prefix"],
                _ => return None,
            };
            Some(ActionInfo {
                name: if keys.len() == 1 {
                    "s3:ListBucket"
                } else {
                    "s3:PutObject"
                },
                resource_types: Vec::new(),
                condition_keys: keys,
            })
        }

        fn key_type(&self, key: &str) -> Option<KeyType> {
            (key == "s3:RequestObjectTagKeys").then_some(KeyType::ArrayOfString)
        }
    }

    #[test]
    fn prefix_is_never_present_on_put_object() {
        let cases = [
            ("s3:PutObject", "s3:prefix", KeyPresence::Never),
            ("s3:ListBucket", "S3:Prefix", KeyPresence::Possible),
            (
                "s3:PutObject",
                "s3:RequestObjectTag/Team",
                KeyPresence::Possible,
            ),
            ("s3:PutObject", "s3:RequestObjectTag/", KeyPresence::Never),
            (
                "s3:PutObject",
                "s3:ExistingObjectTag/team",
                KeyPresence::Possible,
            ),
            ("s3:PutObject", "s3:ExistingObjectTag/", KeyPresence::Never),
            ("s3:PutObject", "aws:SourceVpce", KeyPresence::Unknown),
            ("ec2:RunInstances", "ec2:Owner", KeyPresence::Unknown),
        ];
        for (action, key, expected) in cases {
            assert_eq!(key_presence(&Tiny, action, key), expected, "{action} {key}");
        }
        assert_eq!(
            Tiny.key_type("s3:RequestObjectTagKeys")
                .map(KeyType::is_multivalued),
            Some(true)
        );
    }

    #[test]
    fn not_action_covers_the_complement() {
        let block = |negated, raw: &str| ActionBlock {
            negated,
            patterns: vec![ActionPattern::new(raw, Span::default())],
            span: Span::default(),
        };
        assert_eq!(
            covered_actions(&block(false, "s3:Put*"), &Tiny),
            ["s3:PutObject", "s3:PutObjectAcl"]
        );
        assert_eq!(
            covered_actions(&block(true, "s3:PutObject"), &Tiny),
            ["s3:PutObjectAcl", "s3:ListBucket", "iam:CreateAccessKey"]
        );
    }
}
