//! Reading `data.json` into a checked [`Catalog`]: the raw serde shapes of
//! the file, and the checks that every resource type and condition key an
//! action names is defined, every key type is known, and every global key
//! has a presence.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::global::{GlobalKey, presence_of};
use super::keys::{KeyNames, KeyOrigin};
use super::model::{
    AccessLevel, Action, CompiledFormat, ConditionKey, DataSource, KeyType, ResourceType,
    ResourceTypeRef, Service,
};
use super::pattern::Pattern;
use super::{Catalog, CatalogError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    source: DataSource,
    services: BTreeMap<String, RawService>,
    global_condition_keys: BTreeMap<String, RawGlobalKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: String,
    actions: BTreeMap<String, RawAction>,
    resource_types: BTreeMap<String, RawResourceType>,
    condition_keys: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    access_levels: Vec<AccessLevel>,
    resource_types: Vec<RawResourceRef>,
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResourceRef {
    name: String,
    required: bool,
    #[serde(default)]
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResourceType {
    arn_formats: Vec<String>,
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlobalKey {
    #[serde(rename = "type")]
    key_type: String,
    category: String,
}

/// Parses and checks the catalog data.
pub(crate) fn parse(text: &str) -> Result<Catalog, CatalogError> {
    let raw: RawCatalog = serde_json::from_str(text).map_err(|error| CatalogError::Parse {
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    })?;

    let global_keys = build_global_keys(raw.global_condition_keys)?;
    let mut global_names = KeyNames::default();
    for (index, key) in global_keys.iter().enumerate() {
        global_names.insert(&key.name, index);
    }

    let mut services = Vec::new();
    let mut actions = Vec::new();
    for (prefix, raw_service) in raw.services {
        let (service, service_actions) = build_service(prefix, raw_service, &global_names)?;
        services.push(service);
        actions.extend(service_actions);
    }

    let mut service_keys = KeyNames::default();
    for (service_index, service) in services.iter().enumerate() {
        for (key_index, key) in service.condition_keys.iter().enumerate() {
            service_keys.insert(&key.name, (service_index, key_index));
        }
    }
    let action_index: HashMap<String, usize> = actions
        .iter()
        .enumerate()
        .map(|(index, action)| (action.lower_name.clone(), index))
        .collect();

    Ok(Catalog {
        source: raw.source,
        services,
        actions,
        action_index,
        service_keys,
        global_keys,
        global_names,
    })
}

fn build_global_keys(raw: BTreeMap<String, RawGlobalKey>) -> Result<Vec<GlobalKey>, CatalogError> {
    raw.into_iter()
        .map(|(name, key)| {
            let key_type = parse_key_type(&name, &key.key_type)?;
            let presence = presence_of(&name)
                .ok_or_else(|| CatalogError::UnclassifiedGlobalKey { key: name.clone() })?;
            Ok(GlobalKey {
                name,
                key_type,
                category: key.category,
                presence,
            })
        })
        .collect()
}

fn parse_key_type(key: &str, type_name: &str) -> Result<KeyType, CatalogError> {
    KeyType::parse(type_name).ok_or_else(|| CatalogError::UnknownKeyType {
        key: key.to_owned(),
        type_name: type_name.to_owned(),
    })
}

fn build_service(
    prefix: String,
    raw: RawService,
    global_names: &KeyNames<usize>,
) -> Result<(Service, Vec<Action>), CatalogError> {
    let condition_keys = raw
        .condition_keys
        .iter()
        .map(|(name, type_name)| {
            Ok(ConditionKey {
                name: name.clone(),
                key_type: parse_key_type(name, type_name)?,
            })
        })
        .collect::<Result<Vec<_>, CatalogError>>()?;

    // A key an action or resource type names must be defined by the service
    // or be a global key.
    let mut defined = KeyNames::default();
    for key in &condition_keys {
        defined.insert(&key.name, ());
    }
    let check_key = |owner: &str, key: &str| {
        if defined.find(key).is_some() || global_names.find(key).is_some() {
            Ok(())
        } else {
            Err(CatalogError::UndefinedConditionKey {
                owner: owner.to_owned(),
                key: key.to_owned(),
            })
        }
    };

    let mut resource_types = Vec::new();
    for (name, rt) in raw.resource_types {
        for key in &rt.condition_keys {
            check_key(&format!("{prefix} resource type {name}"), key)?;
        }
        resource_types.push(ResourceType {
            service: prefix.clone(),
            name,
            arn_formats: rt.arn_formats,
            condition_keys: rt.condition_keys,
        });
    }

    let mut actions = Vec::new();
    for (name, raw_action) in raw.actions {
        let full_name = format!("{prefix}:{name}");
        for key in &raw_action.condition_keys {
            check_key(&full_name, key)?;
        }
        actions.push(build_action(&prefix, name, raw_action, &resource_types)?);
    }

    let service = Service {
        prefix,
        name: raw.name,
        resource_types,
        condition_keys,
    };
    Ok((service, actions))
}

fn build_action(
    prefix: &str,
    name: String,
    raw: RawAction,
    resource_types: &[ResourceType],
) -> Result<Action, CatalogError> {
    let mut refs = Vec::new();
    let mut arn_formats = Vec::new();
    let mut key_names = KeyNames::default();
    for key in &raw.condition_keys {
        key_names.insert(key, KeyOrigin::Action);
    }

    for (index, raw_ref) in raw.resource_types.into_iter().enumerate() {
        let rt = resource_types
            .iter()
            .find(|rt| rt.name == raw_ref.name)
            .ok_or_else(|| CatalogError::UnknownResourceType {
                action: format!("{prefix}:{name}"),
                resource_type: raw_ref.name.clone(),
            })?;
        for format in &rt.arn_formats {
            arn_formats.push(CompiledFormat {
                resource_type: rt.name.clone(),
                pattern: Pattern::arn_format(format),
            });
        }
        for key in raw_ref.condition_keys.iter().chain(&rt.condition_keys) {
            key_names.insert(key, KeyOrigin::ResourceType(index));
        }
        refs.push(ResourceTypeRef {
            name: raw_ref.name,
            required: raw_ref.required,
            condition_keys: raw_ref.condition_keys,
            dependent_actions: raw_ref.dependent_actions,
        });
    }

    let mut access_levels = raw.access_levels;
    access_levels.sort_unstable();
    access_levels.dedup();
    let full_name = format!("{prefix}:{name}");
    let lower_name = full_name.to_lowercase();
    Ok(Action {
        service: prefix.to_owned(),
        name,
        access_levels,
        resource_types: refs,
        condition_keys: raw.condition_keys,
        dependent_actions: raw.dependent_actions,
        full_name,
        lower_name,
        arn_formats,
        key_names,
    })
}
