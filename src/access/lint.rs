//! Statements whose condition names a key their actions never carry.
//!
//! A key an action never carries is absent from every such request, so the
//! condition's outcome is fixed: a Deny with a negated or `IfExists`
//! operator then applies unconditionally, an Allow with a positive operator
//! never grants. The guide's `s3:prefix` condition on `s3:PutObject` is the
//! case in point. The outcome is the engine's own answer for an absent key.

use super::documents::Document;
use crate::finding::PolicyLocation;
use crate::policy::catalog::Catalog;
use crate::policy::condition::eval::evaluate as evaluate_clause;
use crate::policy::{Context, Effect};

/// One clause whose key some of the statement's actions never carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsentKey {
    pub document: String,
    pub owner: String,
    pub statement: String,
    pub key: String,
    pub operator: String,
    pub actions: Vec<String>,
    pub effect: Effect,
    /// The clause's value when the key is absent.
    pub holds_when_absent: bool,
    pub location: PolicyLocation,
}

impl AbsentKey {
    /// What the clause does to the statement, in plain words.
    pub fn consequence(&self) -> String {
        let actions = self.actions.join(", ");
        match (self.effect, self.holds_when_absent) {
            (Effect::Deny, true) => format!("the Deny applies unconditionally to {actions}"),
            (Effect::Deny, false) => format!("the Deny never applies to {actions}"),
            (Effect::Allow, true) => {
                format!("the Allow grants {actions} whatever the condition says")
            }
            (Effect::Allow, false) => format!("the Allow never grants {actions}"),
        }
    }
}

/// Every clause of `doc` naming a key that some of its statement's actions
/// never carry.
pub fn absent_keys(doc: &Document, catalog: &Catalog) -> Vec<AbsentKey> {
    let Some(policy) = doc.policy() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for statement in &policy.statements {
        // Expanding the actions is the costly part: only for conditions.
        if statement.conditions.is_empty() {
            continue;
        }
        let actions: Vec<_> = if statement.action.negated {
            catalog
                .actions()
                .iter()
                .filter(|a| statement.action.covers(&a.full_name().to_lowercase()))
                .collect()
        } else {
            statement
                .action
                .patterns
                .iter()
                .flat_map(|p| catalog.actions_matching(&p.raw))
                .collect()
        };
        for clause in &statement.conditions {
            let never: Vec<String> = if statement.action.negated {
                never_under_not_action(catalog, &actions, &clause.key)
            } else {
                actions
                    .iter()
                    .filter(|a| !catalog.can_be_present(a, &clause.key))
                    .map(|a| a.full_name().to_owned())
                    .collect()
            };
            if never.is_empty() {
                continue;
            }
            let holds = evaluate_clause(clause, &Context::new(), &mut Vec::new());
            out.push(AbsentKey {
                document: doc.label.clone(),
                owner: doc.owner.clone(),
                statement: statement.label(),
                key: clause.key.clone(),
                operator: clause.operator.to_string(),
                actions: never,
                effect: statement.effect.value,
                holds_when_absent: holds,
                location: PolicyLocation {
                    document: doc.label.clone(),
                    statement: Some(statement.label()),
                    line: Some(clause.key_span.start.line as usize),
                    column: Some(clause.key_span.start.column as usize),
                },
            });
        }
    }
    out
}

/// For a `NotAction` statement, which covers every action it does not name
/// (in every service): the key's own service's covered actions, described
/// as one group, when none of them can carry it. A key of a service outside
/// the catalog, or a global key, is carried by actions putonly cannot list,
/// so it is never reported.
fn never_under_not_action(
    catalog: &Catalog,
    covered: &[&crate::policy::catalog::Action],
    key: &str,
) -> Vec<String> {
    let Some((service, _)) = key.split_once(':') else {
        return Vec::new();
    };
    if service.eq_ignore_ascii_case("aws") || catalog.service(&service.to_lowercase()).is_none() {
        return Vec::new();
    }
    let of_service: Vec<_> = covered
        .iter()
        .filter(|a| a.service.eq_ignore_ascii_case(service))
        .collect();
    if of_service.is_empty() || of_service.iter().any(|a| catalog.can_be_present(a, key)) {
        return Vec::new();
    }
    vec!["every action the NotAction covers".to_owned()]
}
