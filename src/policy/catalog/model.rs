//! The catalog's public types: services, actions, resource types and
//! condition keys, as the service reference describes them.

use serde::Deserialize;

use super::keys::{KeyNames, KeyOrigin};
use super::pattern::Pattern;

/// Where the catalog's data came from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// The npm package the data was extracted from.
    pub package: String,
    /// Its exact version, `major.minor.YYYYMMDDX`.
    pub version: String,
    /// When the package's data was last updated (RFC 3339, UTC).
    pub data_updated_at: String,
    /// The service prefixes extracted, sorted.
    pub services: Vec<String>,
    /// The script that wrote the data file.
    pub generator: String,
}

impl DataSource {
    /// The day the data was last updated, `YYYY-MM-DD`.
    pub fn data_date(&self) -> &str {
        self.data_updated_at
            .get(..10)
            .unwrap_or(self.data_updated_at.as_str())
    }
}

/// An access level of the service reference. An action can have several,
/// for example `s3:PutBucketPolicy` is both permissions management and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum AccessLevel {
    /// Lists resources.
    List,
    /// Reads resources.
    Read,
    /// Creates, changes or deletes resources.
    Write,
    /// Changes who may do what.
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    /// Changes tags only.
    Tagging,
}

/// The type of one value of a condition key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `String`.
    String,
    /// `Numeric`.
    Numeric,
    /// `Date`.
    Date,
    /// `Bool`.
    Bool,
    /// `Binary`.
    Binary,
    /// `IPAddress`.
    IpAddress,
    /// `ARN`.
    Arn,
}

/// The type of a condition key: its value type, and whether the request
/// carries a set of values (`ArrayOf...` in the service reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyType {
    /// The type of each value.
    pub value: ValueType,
    /// Whether the key is multivalued.
    pub multivalued: bool,
}

impl KeyType {
    /// Parses a service reference type name such as `String` or
    /// `ArrayOfARN`.
    pub fn parse(name: &str) -> Option<Self> {
        let (multivalued, element) = match name.strip_prefix("ArrayOf") {
            Some(element) => (true, element),
            None => (false, name),
        };
        let value = match element {
            "String" => ValueType::String,
            "Numeric" => ValueType::Numeric,
            "Date" => ValueType::Date,
            "Bool" => ValueType::Bool,
            "Binary" => ValueType::Binary,
            "IPAddress" => ValueType::IpAddress,
            "ARN" => ValueType::Arn,
            _ => return None,
        };
        Some(Self { value, multivalued })
    }
}

/// A service-specific condition key, or a template of keys such as
/// `s3:RequestObjectTag/<key>`.
#[derive(Clone, Debug)]
pub struct ConditionKey {
    /// The name as the service reference writes it.
    pub name: String,
    /// Its type.
    pub key_type: KeyType,
}

impl ConditionKey {
    /// Whether the request carries a set of values for this key.
    pub fn is_multivalued(&self) -> bool {
        self.key_type.multivalued
    }
}

/// A resource type of a service, such as S3's `object`.
#[derive(Clone, Debug)]
pub struct ResourceType {
    /// The service prefix, such as `s3`.
    pub service: String,
    /// The resource type's name, such as `object`.
    pub name: String,
    /// Its ARN formats, such as
    /// `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub arn_formats: Vec<String>,
    /// Condition keys the resource type adds to requests on it.
    pub condition_keys: Vec<String>,
}

/// A resource type an action acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceTypeRef {
    /// The resource type's name within the action's service.
    pub name: String,
    /// Whether the service reference marks it required. When an action
    /// lists several resource types and none is required, a request names
    /// one of them.
    pub required: bool,
    /// Condition keys that apply only with this resource type.
    pub condition_keys: Vec<String>,
    /// Other actions a request with this resource type also needs.
    pub dependent_actions: Vec<String>,
}

/// An IAM action such as `s3:PutObject`.
#[derive(Clone, Debug)]
pub struct Action {
    /// The service prefix, such as `s3`.
    pub service: String,
    /// The action name as the service reference writes it, such as
    /// `PutObject`.
    pub name: String,
    /// The access levels, sorted.
    pub access_levels: Vec<AccessLevel>,
    /// The resource types it acts on; empty when it acts on `*` only.
    pub resource_types: Vec<ResourceTypeRef>,
    /// The condition keys the service reference lists for the action itself.
    pub condition_keys: Vec<String>,
    /// Other actions a request also needs.
    pub dependent_actions: Vec<String>,
    /// `service:Name`, as written in the service reference.
    pub(crate) full_name: String,
    /// `service:name` in lower case, the lookup key.
    pub(crate) lower_name: String,
    pub(crate) arn_formats: Vec<CompiledFormat>,
    pub(crate) key_names: KeyNames<KeyOrigin>,
}

/// One ARN format of one of an action's resource types, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledFormat {
    pub(crate) resource_type: String,
    pub(crate) pattern: Pattern,
}

impl Action {
    /// `service:Name`, as written in the service reference.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// Whether the action has the given access level.
    pub fn has_access_level(&self, level: AccessLevel) -> bool {
        self.access_levels.contains(&level)
    }

    /// Whether the action acts on `*` only, having no resource type.
    pub fn is_wildcard_only(&self) -> bool {
        self.resource_types.is_empty()
    }

    /// Whether a request for this action can name the concrete resource
    /// `arn`: it matches an ARN format of one of the action's resource
    /// types. An action without resource types applies to `*` only.
    /// Matching is case-sensitive.
    pub fn applies_to_resource(&self, arn: &str) -> bool {
        self.resource_type_of(arn).is_some()
    }

    /// The name of the action's resource type whose ARN format matches the
    /// concrete resource `arn`, or `*` for an action without resource types
    /// when `arn` is `*`.
    pub fn resource_type_of(&self, arn: &str) -> Option<&str> {
        if self.is_wildcard_only() {
            return (arn == "*").then_some("*");
        }
        self.arn_formats
            .iter()
            .find(|format| format.pattern.matches(arn))
            .map(|format| format.resource_type.as_str())
    }

    /// Whether a policy `Resource` glob (`*` any run, `?` one character)
    /// can match some resource this action acts on. For an action without
    /// resource types that resource is `*`.
    ///
    /// `*` is taken to cross `:` and `/` anywhere, so the answer can be
    /// "may apply" where AWS's per-segment matching would not; it is never
    /// "does not apply" where AWS's would. Policy variables in the glob must
    /// be substituted first.
    ///
    /// TODO(#3): use the engine's per-segment resource matching here once it
    /// exists, to make the answer exact.
    pub fn may_apply_to_resource_pattern(&self, pattern: &str) -> bool {
        let glob = Pattern::glob(pattern);
        if self.is_wildcard_only() {
            return glob.matches("*");
        }
        self.arn_formats
            .iter()
            .any(|format| format.pattern.overlaps(&glob))
    }
}

/// One service of the catalog.
#[derive(Clone, Debug)]
pub struct Service {
    /// The service prefix, such as `s3`.
    pub prefix: String,
    /// The service's name, such as `Amazon S3`.
    pub name: String,
    /// Its resource types, sorted by name.
    pub resource_types: Vec<ResourceType>,
    /// Its condition keys, sorted by name.
    pub condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// A resource type by its exact name.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|rt| rt.name == name)
    }
}
