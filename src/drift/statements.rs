//! Policy documents compared by meaning, statement by statement.
//!
//! A document is read with the engine's strict JSON reader (a duplicated
//! key is an error, never a silently dropped condition) and each statement
//! is rewritten in a canonical form: keys sorted, `Sid` dropped, a single
//! string and a one-element list made the same, value lists sorted and
//! deduplicated, condition keys lowercased (IAM treats them so). Two
//! documents that differ only in statement order, white space, key order,
//! URL-encoding, `Sid` or `Id` have the same canonical statements.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::inventory::PolicyText;
use crate::policy::json::{self, Json, JsonKind};

/// Statement keys whose value is a set of strings.
const SET_KEYS: &[&str] = &["Action", "NotAction", "Resource", "NotResource"];

/// One statement in canonical form, with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalStatement {
    /// `Sid`, or `#N` (1-based) when the statement has none.
    pub label: String,
    pub sid: Option<String>,
    /// The statement without its `Sid`, keys sorted.
    pub value: Value,
    /// `value` as compact JSON: equal keys, equal meaning.
    pub key: String,
    pub line: usize,
    pub column: usize,
}

/// A document's version and canonical statements.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalDocument {
    pub version: Option<String>,
    pub statements: Vec<CanonicalStatement>,
}

/// What differs between two documents.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementChange {
    Added(CanonicalStatement),
    Removed(CanonicalStatement),
    Changed {
        before: CanonicalStatement,
        after: CanonicalStatement,
    },
    Version {
        before: Option<String>,
        after: Option<String>,
    },
}

/// The decoded text of a document, URL-encoded or not.
pub fn decoded(text: &PolicyText) -> String {
    PolicyText::from_aws(text.as_str())
        .map(|t| t.as_str().to_owned())
        .unwrap_or_else(|_| text.as_str().to_owned())
}

/// The canonical form, or `None` when the text is not a JSON object with
/// statement objects (such documents are compared as text).
pub fn canonical(text: &PolicyText) -> Option<CanonicalDocument> {
    let root = json::parse(&decoded(text)).ok()?;
    let JsonKind::Object(members) = &root.kind else {
        return None;
    };
    let mut document = CanonicalDocument {
        version: None,
        statements: Vec::new(),
    };
    for member in members {
        match member.key.as_str() {
            "Version" => document.version = Some(scalar_text(&member.value)),
            "Statement" => {
                let items: Vec<&Json> = match &member.value.kind {
                    JsonKind::Array(items) => items.iter().collect(),
                    _ => vec![&member.value],
                };
                for (index, item) in items.into_iter().enumerate() {
                    document.statements.push(statement(item, index)?);
                }
            }
            _ => {}
        }
    }
    Some(document)
}

fn statement(json: &Json, index: usize) -> Option<CanonicalStatement> {
    let JsonKind::Object(members) = &json.kind else {
        return None;
    };
    let mut sid = None;
    let mut sorted = BTreeMap::new();
    for member in members {
        let value = match member.key.as_str() {
            "Sid" => {
                sid = Some(scalar_text(&member.value));
                continue;
            }
            key if SET_KEYS.contains(&key) => string_set(&member.value),
            "Principal" | "NotPrincipal" => principal(&member.value),
            "Condition" => condition(&member.value),
            _ => plain(&member.value),
        };
        sorted.insert(member.key.clone(), value);
    }
    let value = Value::Object(sorted.into_iter().collect::<Map<_, _>>());
    let label = match &sid {
        Some(sid) if !sid.is_empty() => sid.clone(),
        _ => format!("#{}", index + 1),
    };
    Some(CanonicalStatement {
        label,
        sid,
        key: value.to_string(),
        value,
        line: json.span.start.line as usize,
        column: json.span.start.column as usize,
    })
}

/// Any JSON value with object keys sorted; numbers keep their text.
fn plain(json: &Json) -> Value {
    match &json.kind {
        JsonKind::Null => Value::Null,
        JsonKind::Bool(b) => Value::Bool(*b),
        JsonKind::Number(n) => Value::String(n.clone()),
        JsonKind::String(s) => Value::String(s.clone()),
        JsonKind::Array(items) => Value::Array(items.iter().map(plain).collect()),
        JsonKind::Object(members) => {
            let sorted: BTreeMap<String, Value> = members
                .iter()
                .map(|m| (m.key.clone(), plain(&m.value)))
                .collect();
            Value::Object(sorted.into_iter().collect())
        }
    }
}

/// A string, number or boolean as text (IAM compares condition values as
/// text: `true` and `"true"` mean the same).
fn scalar_text(json: &Json) -> String {
    match &json.kind {
        JsonKind::String(s) | JsonKind::Number(s) => s.clone(),
        JsonKind::Bool(b) => b.to_string(),
        JsonKind::Null => "null".to_owned(),
        JsonKind::Array(_) | JsonKind::Object(_) => plain(json).to_string(),
    }
}

/// A string or a list, as a sorted list without duplicates.
fn string_set(json: &Json) -> Value {
    let mut items: Vec<String> = match &json.kind {
        JsonKind::Array(items) => items.iter().map(scalar_text).collect(),
        _ => vec![scalar_text(json)],
    };
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

fn principal(json: &Json) -> Value {
    match &json.kind {
        JsonKind::Object(members) => {
            let sorted: BTreeMap<String, Value> = members
                .iter()
                .map(|m| (m.key.clone(), string_set(&m.value)))
                .collect();
            Value::Object(sorted.into_iter().collect())
        }
        _ => plain(json),
    }
}

fn condition(json: &Json) -> Value {
    let JsonKind::Object(operators) = &json.kind else {
        return plain(json);
    };
    let mut sorted = BTreeMap::new();
    for operator in operators {
        let value = match &operator.value.kind {
            JsonKind::Object(keys) => {
                let keys: BTreeMap<String, Value> = keys
                    .iter()
                    .map(|k| (k.key.to_lowercase(), string_set(&k.value)))
                    .collect();
                Value::Object(keys.into_iter().collect())
            }
            _ => plain(&operator.value),
        };
        sorted.insert(operator.key.clone(), value);
    }
    Value::Object(sorted.into_iter().collect())
}

/// The changes from `before` to `after`: statements compared as a
/// multiset, then a removed and an added statement paired as "changed"
/// when they share a Sid, or when they are the only ones.
pub fn diff(before: &CanonicalDocument, after: &CanonicalDocument) -> Vec<StatementChange> {
    let mut changes = Vec::new();
    if before.version != after.version {
        changes.push(StatementChange::Version {
            before: before.version.clone(),
            after: after.version.clone(),
        });
    }
    let mut unmatched: Vec<Option<&CanonicalStatement>> =
        before.statements.iter().map(Some).collect();
    let mut added = Vec::new();
    for statement in &after.statements {
        let twin = unmatched
            .iter_mut()
            .find(|s| s.is_some_and(|s| s.key == statement.key));
        match twin {
            Some(slot) => *slot = None,
            None => added.push(statement.clone()),
        }
    }
    let mut removed: Vec<CanonicalStatement> = unmatched.into_iter().flatten().cloned().collect();

    let mut paired = Vec::new();
    added.retain(|a| {
        let same_sid = a
            .sid
            .as_ref()
            .and_then(|sid| removed.iter().position(|r| r.sid.as_ref() == Some(sid)));
        match same_sid {
            Some(at) => {
                paired.push((removed.remove(at), a.clone()));
                false
            }
            None => true,
        }
    });
    if let ([after_one], [before_one]) = (added.as_slice(), removed.as_slice()) {
        paired.push((before_one.clone(), after_one.clone()));
        added.clear();
        removed.clear();
    }
    changes.extend(
        paired
            .into_iter()
            .map(|(before, after)| StatementChange::Changed { before, after }),
    );
    changes.extend(removed.into_iter().map(StatementChange::Removed));
    changes.extend(added.into_iter().map(StatementChange::Added));
    changes
}

/// What differs between two versions of a statement, element by element:
/// `` `Action`: s3:PutObject → s3:* ``, `` condition `StringEquals
/// accounts.google.com:sub` removed (was 1048...) ``.
pub fn describe_change(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let old = before.as_object().unwrap_or(&empty);
    let new = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        match (old.get(key), new.get(key)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) if key == "Condition" => out.extend(condition_changes(a, b)),
            (Some(a), Some(b)) => out.push(format!("`{key}`: {} → {}", render(a), render(b))),
            (Some(a), None) if key == "Condition" => out.extend(condition_changes(a, &Value::Null)),
            (None, Some(b)) if key == "Condition" => out.extend(condition_changes(&Value::Null, b)),
            (Some(a), None) => out.push(format!("`{key}` removed (was {})", render(a))),
            (None, Some(b)) => out.push(format!("`{key}` added: {}", render(b))),
            (None, None) => {}
        }
    }
    out
}

/// Condition clauses as `Operator key` → values.
fn clauses(condition: &Value) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    for (operator, keys) in condition.as_object().into_iter().flatten() {
        for (key, values) in keys.as_object().into_iter().flatten() {
            out.insert(format!("{operator} {key}"), values);
        }
    }
    out
}

fn condition_changes(before: &Value, after: &Value) -> Vec<String> {
    let (old, new) = (clauses(before), clauses(after));
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        match (old.get(name), new.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                out.push(format!("condition `{name}`: {} → {}", render(a), render(b)))
            }
            (Some(a), None) => out.push(format!("condition `{name}` removed (was {})", render(a))),
            (None, Some(b)) => out.push(format!("condition `{name}` added: {}", render(b))),
            (None, None) => {}
        }
    }
    out
}

/// A value for a message: lists joined with `, `, objects as JSON.
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(render).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// One line for a statement: `Allow s3:PutObject on arn:... for AWS
/// arn:... if StringEquals key = value`.
pub fn summary(statement: &Value) -> String {
    let get = |key: &str| statement.get(key).map(render);
    let mut text = get("Effect").unwrap_or_else(|| "?".to_owned());
    match (get("Action"), get("NotAction")) {
        (Some(actions), _) => text.push_str(&format!(" {actions}")),
        (None, Some(actions)) => text.push_str(&format!(" every action but {actions}")),
        (None, None) => {}
    }
    match (get("Resource"), get("NotResource")) {
        (Some(resources), _) => text.push_str(&format!(" on {resources}")),
        (None, Some(resources)) => text.push_str(&format!(" on every resource but {resources}")),
        (None, None) => {}
    }
    for key in ["Principal", "NotPrincipal"] {
        if let Some(value) = statement.get(key) {
            let who = match value.as_object() {
                Some(map) => map
                    .iter()
                    .map(|(kind, v)| format!("{kind} {}", render(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => render(value),
            };
            let prefix = if key == "Principal" {
                "for"
            } else {
                "for all but"
            };
            text.push_str(&format!(" {prefix} {who}"));
        }
    }
    let conditions: Vec<String> = statement
        .get("Condition")
        .map(clauses)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, values)| format!("{name} = {}", render(values)))
        .collect();
    if !conditions.is_empty() {
        text.push_str(&format!(" if {}", conditions.join(" and ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::rec-bucket/uploads/*"},
    {"Effect": "Deny", "Action": ["s3:DeleteObject", "s3:PutObjectAcl"],
     "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["b", "a"]},
                   "Bool": {"aws:SecureTransport": false}}}
  ]
}"#;

    fn doc(text: &str) -> CanonicalDocument {
        canonical(&PolicyText::new(text)).unwrap()
    }

    fn changes(a: &str, b: &str) -> Vec<StatementChange> {
        diff(&doc(a), &doc(b))
    }

    #[test]
    fn reordered_statements_are_the_same_document() {
        let reordered = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": ["s3:DeleteObject", "s3:PutObjectAcl"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["b", "a"]},
                           "Bool": {"aws:SecureTransport": false}}},
            {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::rec-bucket/uploads/*"}]}"#;
        assert_eq!(changes(BASE, reordered), []);
    }

    #[test]
    fn whitespace_and_key_order_are_not_changes() {
        let compact = r#"{"Statement":[{"Resource":"arn:aws:s3:::rec-bucket/uploads/*","Action":"s3:PutObject","Effect":"Allow","Sid":"Write"},{"Condition":{"Bool":{"aws:SecureTransport":false},"StringEquals":{"aws:PrincipalTag/team":["b","a"]}},"Resource":"*","Effect":"Deny","Action":["s3:DeleteObject","s3:PutObjectAcl"]}],"Version":"2012-10-17"}"#;
        assert_eq!(changes(BASE, compact), []);
    }

    #[test]
    fn url_encoding_is_not_a_change() {
        let encoded: String =
            percent_encoding::utf8_percent_encode(BASE, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert!(encoded.starts_with("%7B"));
        assert_eq!(changes(BASE, &encoded), []);
    }

    #[test]
    fn a_new_or_renamed_sid_and_an_id_are_not_changes() {
        let with_sids = BASE
            .replace("\"Sid\": \"Write\"", "\"Sid\": \"PutRecordings\"")
            .replace(
                "{\"Effect\": \"Deny\"",
                "{\"Sid\": \"NoDeletes\", \"Effect\": \"Deny\"",
            )
            .replace("\"Version\"", "\"Id\": \"v2\", \"Version\"");
        assert_eq!(changes(BASE, &with_sids), []);
    }

    #[test]
    fn list_order_duplicates_and_scalar_types_are_not_changes() {
        let same = BASE
            .replace(
                "[\"s3:DeleteObject\", \"s3:PutObjectAcl\"]",
                "[\"s3:PutObjectAcl\", \"s3:DeleteObject\", \"s3:PutObjectAcl\"]",
            )
            .replace("[\"b\", \"a\"]", "[\"a\", \"b\"]")
            .replace("false}", "\"false\"}")
            .replace("\"aws:PrincipalTag/team\"", "\"AWS:PrincipalTag/team\"")
            .replace("\"s3:PutObject\",", "[\"s3:PutObject\"],");
        assert_eq!(changes(BASE, &same), []);
    }

    #[test]
    fn a_widened_action_is_a_changed_statement_with_its_line() {
        let wide = BASE.replace("\"Action\": \"s3:PutObject\"", "\"Action\": \"s3:*\"");
        let got = changes(BASE, &wide);
        let [StatementChange::Changed { before, after }] = got.as_slice() else {
            panic!("{got:?}");
        };
        assert_eq!(after.label, "Write");
        assert_eq!((after.line, after.column), (4, 5));
        assert_eq!(
            describe_change(&before.value, &after.value),
            ["`Action`: s3:PutObject → s3:*"]
        );
    }

    #[test]
    fn a_dropped_condition_is_described_clause_by_clause() {
        let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"accounts.google.com:sub": "1",
                                           "accounts.google.com:aud": "1"}}}]}"#;
        let open = trust.replace("\"accounts.google.com:sub\": \"1\",", "");
        let got = changes(trust, &open);
        let [StatementChange::Changed { before, after }] = got.as_slice() else {
            panic!("{got:?}");
        };
        assert_eq!(
            describe_change(&before.value, &after.value),
            ["condition `StringEquals accounts.google.com:sub` removed (was 1)"]
        );
        assert_eq!(
            summary(&after.value),
            "Allow sts:AssumeRoleWithWebIdentity for Federated accounts.google.com if StringEquals accounts.google.com:aud = 1"
        );
    }

    #[test]
    fn unpaired_statements_are_added_and_removed() {
        let two_new = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}"#;
        let got = changes(BASE, two_new);
        let kinds: Vec<&str> = got
            .iter()
            .map(|c| match c {
                StatementChange::Added(_) => "added",
                StatementChange::Removed(_) => "removed",
                StatementChange::Changed { .. } => "changed",
                StatementChange::Version { .. } => "version",
            })
            .collect();
        assert_eq!(kinds, ["removed", "removed", "added", "added"]);
    }

    #[test]
    fn a_version_change_is_a_change() {
        let old = BASE.replace("2012-10-17", "2008-10-17");
        assert_eq!(
            changes(BASE, &old),
            [StatementChange::Version {
                before: Some("2012-10-17".to_owned()),
                after: Some("2008-10-17".to_owned())
            }]
        );
    }

    #[test]
    fn duplicate_keys_are_not_read_as_if_well_formed() {
        let dup = r#"{"Statement": [{"Condition": {"StringEquals": {"a:sub": "1"}, "StringEquals": {"a:aud": "1"}}}]}"#;
        assert_eq!(canonical(&PolicyText::new(dup)), None);
    }
}
