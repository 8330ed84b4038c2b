//! Case-insensitive lookup of condition key names, exact names first and
//! then templates such as `aws:ResourceTag/${TagKey}`, and the rule for
//! web identity provider claims that the data does not list.

use std::collections::HashMap;

use super::pattern::Pattern;

/// A table from condition key names, or templates of names, to values.
#[derive(Clone, Debug)]
pub(crate) struct KeyNames<T> {
    exact: HashMap<String, T>,
    templates: Vec<(Pattern, T)>,
}

impl<T> Default for KeyNames<T> {
    fn default() -> Self {
        Self {
            exact: HashMap::new(),
            templates: Vec::new(),
        }
    }
}

impl<T: Copy> KeyNames<T> {
    /// Adds `name`; a name added twice keeps its first value.
    pub(crate) fn insert(&mut self, name: &str, value: T) {
        let template = Pattern::key_template(name);
        if !template.is_literal() {
            self.templates.push((template, value));
        }
        self.exact.entry(name.to_lowercase()).or_insert(value);
    }

    /// The value for the concrete key `key`, matched case-insensitively.
    pub(crate) fn find(&self, key: &str) -> Option<T> {
        self.find_lower(&key.to_lowercase())
    }

    /// As [`KeyNames::find`], for a key already in lower case.
    pub(crate) fn find_lower(&self, lower: &str) -> Option<T> {
        if let Some(value) = self.exact.get(lower) {
            return Some(*value);
        }
        self.templates
            .iter()
            .find(|(template, _)| template.matches(lower))
            .map(|(_, value)| *value)
    }
}

/// Where an action's condition key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyOrigin {
    /// The action's own list.
    Action,
    /// The resource type at this index of the action's resource types.
    ResourceType(usize),
}

/// Whether the action is `sts:AssumeRoleWithWebIdentity`, the one action
/// whose request carries the claims of a web identity token.
pub(crate) fn is_web_identity_action(service: &str, name: &str) -> bool {
    service.eq_ignore_ascii_case("sts") && name.eq_ignore_ascii_case("AssumeRoleWithWebIdentity")
}

/// Whether `key` has the form `<provider>:<claim>` of a web identity
/// provider's claim key, such as `oidc.example.com:sub` or
/// `oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud`: the provider is a host
/// name (it has a dot), optionally followed by a path.
pub(crate) fn is_provider_claim_key(key: &str) -> bool {
    let Some((provider, claim)) = key.split_once(':') else {
        return false;
    };
    let host = provider.split('/').next().unwrap_or_default();
    !claim.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !provider.chars().any(char::is_whitespace)
        && !claim.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_win_over_templates() {
        let mut names = KeyNames::default();
        names.insert("aws:ResourceTag/${TagKey}", 1);
        names.insert("aws:ResourceTag/special", 2);
        assert_eq!(names.find("AWS:resourcetag/Special"), Some(2));
        assert_eq!(names.find("aws:ResourceTag/team"), Some(1));
        assert_eq!(names.find("aws:ResourceTag/${TagKey}"), Some(1));
        assert_eq!(names.find("aws:ResourceTag/"), None);
        assert_eq!(names.find("aws:RequestTag/team"), None);
    }

    #[test]
    fn provider_claim_keys() {
        assert!(is_provider_claim_key("oidc.example.com:sub"));
        assert!(is_provider_claim_key(
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud"
        ));
        assert!(is_provider_claim_key("accounts.google.com:sub"));
        assert!(!is_provider_claim_key("s3:prefix"));
        assert!(!is_provider_claim_key("aws:SourceIp"));
        assert!(!is_provider_claim_key("oidc.example.com:"));
        assert!(!is_provider_claim_key("oidc.example.com"));
        assert!(!is_provider_claim_key(".example:sub"));
    }
}
