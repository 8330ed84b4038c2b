//! Global condition keys: the `aws:` keys, and the few cross-service keys
//! such as `ec2:SourceInstanceArn`, that can be in the request context of an
//! action of any service.
//!
//! The key list and types come from the data file. When each key is present
//! is our reading of AWS's "global condition context keys" page (the
//! "Availability" line of each key), kept by hand in [`PRESENCE`]; a test
//! fails when the data gains a key this table does not classify.

use super::model::KeyType;

/// When a global key is in a request's context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GlobalPresence {
    /// In every request, signed or anonymous (`aws:CurrentTime`,
    /// `aws:SecureTransport`, ...).
    Always,
    /// In every signed request, never in an anonymous one
    /// (`aws:PrincipalArn`, `aws:userid`, ...).
    SignedRequests,
    /// Only for some principals, credentials, network paths or calling
    /// services (`aws:SourceIp` not through a VPC endpoint, `aws:username`
    /// for IAM users only, `aws:SourceArn` for service-to-service calls...),
    /// on any action.
    RequestDependent,
    /// Only on actions whose service reference entry, or one of whose
    /// resource types, lists the key: the tag keys `aws:RequestTag/...`,
    /// `aws:ResourceTag/...` and `aws:TagKeys`.
    ListedPerAction,
}

impl GlobalPresence {
    /// Whether the key can be present on an action that does not list it.
    pub fn is_action_independent(self) -> bool {
        self != Self::ListedPerAction
    }
}

/// A global condition key.
#[derive(Clone, Debug)]
pub struct GlobalKey {
    /// The name, with `${TagKey}` for the tag key of the tag keys.
    pub name: String,
    /// Its type.
    pub key_type: KeyType,
    /// The data's grouping: `principal`, `session`, `network`, `resource` or
    /// `request`.
    pub category: String,
    /// When it is in a request's context.
    pub presence: GlobalPresence,
}

impl GlobalKey {
    /// Whether the request carries a set of values for this key.
    pub fn is_multivalued(&self) -> bool {
        self.key_type.multivalued
    }
}

/// Presence of each global key, by lower-cased name.
///
/// TODO(#3): kept by hand from the global keys page; the newer MCP keys
/// (`aws:CalledViaAWSMCP`, `aws:ViaAWSMCPService`, `aws:IsMcpServiceAction`)
/// are classed as request-dependent without a documented availability line
/// checked here.
const PRESENCE: &[(&str, GlobalPresence)] = {
    use GlobalPresence::{Always, ListedPerAction, RequestDependent, SignedRequests};
    &[
        ("aws:assumedroot", RequestDependent),
        ("aws:calledvia", RequestDependent),
        ("aws:calledviaawsmcp", RequestDependent),
        ("aws:calledviafirst", RequestDependent),
        ("aws:calledvialast", RequestDependent),
        ("aws:chatbotsourcearn", RequestDependent),
        ("aws:currenttime", Always),
        ("aws:ec2instancesourceprivateipv4", RequestDependent),
        ("aws:ec2instancesourcevpc", RequestDependent),
        ("aws:epochtime", Always),
        ("aws:federatedprovider", RequestDependent),
        ("aws:ismcpserviceaction", RequestDependent),
        ("aws:multifactorauthage", RequestDependent),
        ("aws:multifactorauthpresent", RequestDependent),
        ("aws:principalaccount", SignedRequests),
        ("aws:principalarn", SignedRequests),
        ("aws:principalisawsservice", SignedRequests),
        ("aws:principalorgid", RequestDependent),
        ("aws:principalorgpaths", RequestDependent),
        ("aws:principalservicename", RequestDependent),
        ("aws:principalservicenameslist", RequestDependent),
        ("aws:principaltag/${tagkey}", RequestDependent),
        ("aws:principaltype", SignedRequests),
        ("aws:referer", RequestDependent),
        ("aws:requestedregion", Always),
        ("aws:requesttag/${tagkey}", ListedPerAction),
        ("aws:resourceaccount", RequestDependent),
        ("aws:resourceorgid", RequestDependent),
        ("aws:resourceorgpaths", RequestDependent),
        ("aws:resourcetag/${tagkey}", ListedPerAction),
        ("aws:securetransport", Always),
        ("aws:sourceaccount", RequestDependent),
        ("aws:sourcearn", RequestDependent),
        ("aws:sourceidentity", RequestDependent),
        ("aws:sourceip", RequestDependent),
        ("aws:sourceorgid", RequestDependent),
        ("aws:sourceorgpaths", RequestDependent),
        ("aws:sourceowner", RequestDependent),
        ("aws:sourcevpc", RequestDependent),
        ("aws:sourcevpcarn", RequestDependent),
        ("aws:sourcevpce", RequestDependent),
        ("aws:tagkeys", ListedPerAction),
        ("aws:tokenissuetime", RequestDependent),
        ("aws:useragent", Always),
        ("aws:userid", SignedRequests),
        ("aws:username", RequestDependent),
        ("aws:viaawsmcpservice", RequestDependent),
        ("aws:viaawsservice", Always),
        ("aws:vpceaccount", RequestDependent),
        ("aws:vpceorgid", RequestDependent),
        ("aws:vpceorgpaths", RequestDependent),
        ("aws:vpcsourceip", RequestDependent),
        ("ec2:roledelivery", RequestDependent),
        ("ec2:sourceinstancearn", RequestDependent),
        ("glue:credentialissuingservice", RequestDependent),
        ("glue:roleassumedby", RequestDependent),
        ("identitystore:userid", RequestDependent),
        ("lambda:sourcefunctionarn", RequestDependent),
        ("ssm:sourceinstancearn", RequestDependent),
    ]
};

/// The presence of the global key `name` (as the data writes it), or
/// `None` when the table does not classify it.
pub(crate) fn presence_of(name: &str) -> Option<GlobalPresence> {
    let lower = name.to_lowercase();
    PRESENCE
        .iter()
        .find(|(key, _)| *key == lower)
        .map(|(_, presence)| *presence)
}

#[cfg(test)]
pub(crate) fn classified_names() -> impl Iterator<Item = &'static str> {
    PRESENCE.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        let names: Vec<_> = classified_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn tag_keys_depend_on_the_action() {
        assert_eq!(
            presence_of("aws:TagKeys"),
            Some(GlobalPresence::ListedPerAction)
        );
        assert_eq!(
            presence_of("aws:ResourceTag/${TagKey}"),
            Some(GlobalPresence::ListedPerAction)
        );
        assert_eq!(
            presence_of("aws:SecureTransport"),
            Some(GlobalPresence::Always)
        );
        assert_eq!(presence_of("aws:NoSuchKey"), None);
    }
}
