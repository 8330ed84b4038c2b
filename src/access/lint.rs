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
        if statement.action.negated {
            // TODO(#4): NotAction covers every other action; reporting each
            // would be noise, so such statements are not linted yet.
            continue;
        }
        // Expanding the actions is the costly part: only for conditions.
        if statement.conditions.is_empty() {
            continue;
        }
        let actions: Vec<_> = statement
            .action
            .patterns
            .iter()
            .flat_map(|p| catalog.actions_matching(&p.raw))
            .collect();
        for clause in &statement.conditions {
            let never: Vec<String> = actions
                .iter()
                .filter(|a| !catalog.can_be_present(a, &clause.key))
                .map(|a| a.full_name().to_owned())
                .collect();
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
