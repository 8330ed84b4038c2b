//! Evidence for access answers: the request that proves a point and the
//! statements that decide it, with where they are written.

use super::request_keys::ClauseNote;
use crate::finding::{Evidence, PolicyLocation};
use crate::policy::{Decision, StatementRef, Verdict};

/// A statement that decides a witness request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementAt {
    /// The document's label (a policy ARN, `bucket policy of ...`).
    pub document: String,
    /// Sid, or `#N` (1-based) when the statement has none.
    pub statement: String,
    pub line: usize,
    pub column: usize,
}

impl StatementAt {
    pub fn of(statement: &StatementRef<'_>) -> Self {
        let span = statement.span();
        StatementAt {
            document: statement.policy.to_owned(),
            statement: statement.sid().map_or_else(
                || format!("#{}", statement.statement.index + 1),
                str::to_owned,
            ),
            line: span.start.line as usize,
            column: span.start.column as usize,
        }
    }

    pub fn location(&self) -> PolicyLocation {
        PolicyLocation {
            document: self.document.clone(),
            statement: Some(self.statement.clone()),
            line: Some(self.line),
            column: Some(self.column),
        }
    }

    /// `statement DenyNonPrefixedWrites of bucket policy of `b` (line 12)`.
    pub fn describe(&self) -> String {
        format!(
            "statement {} of {} (line {})",
            self.statement, self.document, self.line
        )
    }
}

/// A concrete request and the engine's decision on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub action: String,
    pub resource: String,
    /// Request keys beyond the plain request, e.g. `accounts.google.com:sub=999`.
    pub context: Vec<String>,
    pub verdict: String,
    pub statements: Vec<StatementAt>,
    /// The conditions of the statements that cover the request, each with
    /// how it stands for this request.
    pub conditions: Vec<ClauseNote>,
}

impl Witness {
    pub fn new(action: &str, resource: &str, decision: &Decision<'_>) -> Self {
        Witness {
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: Vec::new(),
            verdict: verdict_text(decision.verdict),
            statements: decision
                .statements
                .iter()
                .map(|d| StatementAt::of(&d.statement))
                .collect(),
            conditions: Vec::new(),
        }
    }

    /// `s3:PutObject on arn:aws:s3:::b/other/x`.
    pub fn request(&self) -> String {
        let mut text = format!("{} on {}", self.action, self.resource);
        if !self.context.is_empty() {
            text.push_str(&format!(" with {}", self.context.join(", ")));
        }
        text
    }

    /// Evidence rows: the request, the verdict and each deciding statement.
    pub fn evidence(&self, label: &str) -> Vec<Evidence> {
        let mut rows = vec![Evidence::new(label, self.request())];
        rows.push(Evidence::new("decision", self.verdict.clone()));
        for statement in &self.statements {
            rows.push(Evidence::new("decided by", statement.describe()));
        }
        for condition in &self.conditions {
            rows.push(Evidence::new("condition", condition.describe()));
        }
        rows
    }

    /// The first deciding statement's location.
    pub fn location(&self) -> Option<PolicyLocation> {
        self.statements.first().map(StatementAt::location)
    }
}

fn verdict_text(verdict: Verdict) -> String {
    match verdict {
        Verdict::Allow => "allowed".to_owned(),
        Verdict::ExplicitDeny => "explicitly denied".to_owned(),
        Verdict::ImplicitDeny(cause) => format!("implicitly denied ({cause:?})").to_lowercase(),
    }
}
