//! From a finding to lines of a file in the user's repository.
//!
//! The scan writes the inventory it analysed as a snapshot file (or reads
//! one), and in that file every policy document is an array of its lines,
//! one JSON string each. A finding located at line N of a document
//! therefore sits on the line of the snapshot that holds element N-1 of that
//! array. Which line that is, is read from the snapshot's text by
//! [`JsonSpans`], never assumed from a layout; the statement's last line is
//! found by parsing the document again. Findings without a policy location
//! point at the line that names their resource (its `arn`, or a bucket's
//! `name`); findings about the config file point into the config file.

use std::collections::HashMap;

use serde_json::Value;

use super::json_spans::{JsonSpans, ValueSpan, column_in_string};
use crate::finding::{Finding, PolicyLocation};
use crate::policy::{PolicyKind, parse};

/// A file of the user's repository that findings point into.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// Path relative to the repository root, `/`-separated (a SARIF URI).
    pub uri: &'a str,
    pub text: &'a str,
}

/// Lines and columns (1-based, columns in characters) of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    /// Just past the last character.
    pub end_column: usize,
}

/// Where a finding points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub uri: &'a str,
    pub region: Region,
}

/// A document of the snapshot: the pointer of its line array and its kind.
#[derive(Debug, Clone)]
struct DocumentEntry {
    pointer: String,
    kind: PolicyKind,
}

/// Resolves findings to places in the snapshot or the config file.
#[derive(Debug)]
pub struct Locator<'a> {
    snapshot: Option<Snapshot<'a>>,
    config: Option<(SourceFile<'a>, &'a str)>,
}

#[derive(Debug)]
struct Snapshot<'a> {
    file: SourceFile<'a>,
    spans: JsonSpans,
    value: Value,
    /// Document label (as findings name it) to its entry.
    documents: HashMap<String, DocumentEntry>,
    /// Resource ARN to the pointer of the value that names it.
    resources: HashMap<String, String>,
}

impl<'a> Locator<'a> {
    /// A locator over the snapshot file (if any) and the config file (if
    /// any), whose findings name it by `config_label` (the path as given).
    /// A snapshot that is not JSON gives no places.
    pub fn new(
        snapshot: Option<SourceFile<'a>>,
        config: Option<(SourceFile<'a>, &'a str)>,
    ) -> Self {
        let snapshot = snapshot.and_then(|file| {
            let spans = JsonSpans::scan(file.text)?;
            let value: Value = serde_json::from_str(file.text).ok()?;
            let (documents, resources) = index(&value);
            Some(Snapshot {
                file,
                spans,
                value,
                documents,
                resources,
            })
        });
        Locator { snapshot, config }
    }

    /// Whether findings can be placed in a snapshot at all.
    pub fn has_snapshot(&self) -> bool {
        self.snapshot.is_some()
    }

    /// The place of a finding: its statement, else its resource.
    pub fn place(&self, finding: &Finding) -> Option<Place<'a>> {
        if let Some(location) = &finding.location {
            if let Some(place) = self.config_place(location) {
                return Some(place);
            }
            if let Some(place) = self.snapshot.as_ref().and_then(|s| s.statement(location)) {
                return Some(place);
            }
        }
        self.snapshot
            .as_ref()
            .map(|s| s.resource(&finding.resource))
    }

    /// The line of the config file a suppression header sits on.
    pub fn config_line(&self, line: usize) -> Option<Place<'a>> {
        let (file, _) = self.config?;
        let text = file.text.lines().nth(line.checked_sub(1)?)?;
        Some(Place {
            uri: file.uri,
            region: Region {
                start_line: line,
                start_column: 1,
                end_line: line,
                end_column: text.chars().count() + 1,
            },
        })
    }

    fn config_place(&self, location: &PolicyLocation) -> Option<Place<'a>> {
        let (_, label) = self.config?;
        if location.document != label {
            return None;
        }
        self.config_line(location.line?)
    }
}

impl<'a> Snapshot<'a> {
    fn region(&self, start: ValueSpan, end: ValueSpan) -> Region {
        Region {
            start_line: start.start.line,
            start_column: start.start.column,
            end_line: end.end.line,
            end_column: end.end.column,
        }
    }

    /// The statement at `location`, from its line to the statement's end.
    fn statement(&self, location: &PolicyLocation) -> Option<Place<'a>> {
        let entry = self.documents.get(&location.document)?;
        let line = location.line?;
        let line_span = |n: usize| -> Option<ValueSpan> {
            let index = n.checked_sub(1)?;
            self.spans.get(&format!("{}/{index}", entry.pointer))
        };
        let first = line_span(line)?;
        let mut region = self.region(first, first);
        if let Some(column) = location.column {
            region.start_column = column_in_string(self.file.text, first, column.saturating_sub(1));
        }

        // The statement's last line, from the document's own spans.
        let last = self
            .statement_end(entry, line, location.column.unwrap_or(1))
            .filter(|end| *end > line)
            .and_then(line_span);
        if let Some(last) = last {
            region.end_line = last.end.line;
            region.end_column = last.end.column;
        }
        Some(Place {
            uri: self.file.uri,
            region,
        })
    }

    /// The last line of the statement that contains (line, column).
    fn statement_end(&self, entry: &DocumentEntry, line: usize, column: usize) -> Option<usize> {
        let lines = self.value.pointer(&entry.pointer)?.as_array()?;
        let text: Vec<&str> = lines.iter().filter_map(Value::as_str).collect();
        let policy = parse(&text.join("\n"), entry.kind).ok()?;
        let at = (line, column);
        policy
            .statements
            .iter()
            .map(|s| s.span)
            .find(|span| {
                let start = (span.start.line as usize, span.start.column as usize);
                let end = (span.end.line as usize, span.end.column as usize);
                start <= at && at < end
            })
            .map(|span| span.end.line as usize)
    }

    /// The line naming `resource`, or failing that the list it would be
    /// in, or the account id.
    fn resource(&self, resource: &str) -> Place<'a> {
        let pointer = self
            .resources
            .get(resource)
            .cloned()
            .unwrap_or_else(|| fallback_pointer(resource).to_owned());
        let span = self
            .spans
            .get(&pointer)
            .or_else(|| self.spans.get("/account_id"))
            .or_else(|| self.spans.get(""));
        // A value on one line is taken whole; a list, by its first line.
        let region = match span {
            Some(span) if span.start.line == span.end.line => self.region(span, span),
            Some(span) => Region {
                start_line: span.start.line,
                start_column: span.start.column,
                end_line: span.start.line,
                end_column: span.start.column + 1,
            },
            None => Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 2,
            },
        };
        Place {
            uri: self.file.uri,
            region,
        }
    }
}

/// Where a resource that is not in the snapshot would be listed.
fn fallback_pointer(resource: &str) -> &'static str {
    let kinds = [
        (":user/", "/users"),
        (":role/", "/roles"),
        (":group/", "/groups"),
        (":policy/", "/policies"),
        (":oidc-provider/", "/oidc_providers"),
        (":accesspoint/", "/access_points"),
    ];
    if let Some((_, pointer)) = kinds.iter().find(|(kind, _)| resource.contains(kind)) {
        return pointer;
    }
    if resource.contains(":s3:::") {
        return "/buckets";
    }
    "/account_id"
}

/// Labels of every document and pointers of every named resource, spelled
/// as `crate::access::documents` labels documents.
fn index(value: &Value) -> (HashMap<String, DocumentEntry>, HashMap<String, String>) {
    let mut documents = HashMap::new();
    let mut resources = HashMap::new();
    let partition = value
        .get("partition")
        .and_then(Value::as_str)
        .unwrap_or("aws");
    let str_at = |item: &Value, key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut doc = |label: String, pointer: String, kind: PolicyKind| {
        documents.insert(label, DocumentEntry { pointer, kind });
    };

    for (i, policy) in items(value, "/policies") {
        if let Some(arn) = str_at(policy, "arn") {
            doc(
                arn.clone(),
                format!("/policies/{i}/document"),
                PolicyKind::Identity,
            );
            resources.insert(arn, format!("/policies/{i}/arn"));
        }
    }
    for list in ["users", "groups", "roles"] {
        for (i, owner) in items(value, &format!("/{list}")) {
            let Some(arn) = str_at(owner, "arn") else {
                continue;
            };
            let base = format!("/{list}/{i}");
            for (j, inline) in items(owner, "/inline_policies") {
                if let Some(name) = str_at(inline, "name") {
                    let label = format!("inline policy `{name}` of {arn}");
                    let pointer = format!("{base}/inline_policies/{j}/document");
                    doc(label, pointer, PolicyKind::Identity);
                }
            }
            if list == "roles" {
                let label = format!("trust policy of {arn}");
                doc(label, format!("{base}/trust_policy"), PolicyKind::Trust);
            }
            resources.insert(arn, format!("{base}/arn"));
        }
    }
    for (i, provider) in items(value, "/oidc_providers/value") {
        if let Some(arn) = str_at(provider, "arn") {
            resources.insert(arn, format!("/oidc_providers/value/{i}/arn"));
        }
    }
    for (i, bucket) in items(value, "/buckets/value") {
        let Some(name) = str_at(bucket, "name") else {
            continue;
        };
        let base = format!("/buckets/value/{i}");
        if bucket.pointer("/policy/status").and_then(Value::as_str) == Some("present") {
            let label = format!("bucket policy of `{name}`");
            doc(label, format!("{base}/policy/value"), PolicyKind::Resource);
        }
        resources.insert(
            format!("arn:{partition}:s3:::{name}"),
            format!("{base}/name"),
        );
    }
    for (i, point) in items(value, "/access_points/value") {
        let Some(arn) = str_at(point, "arn") else {
            continue;
        };
        let base = format!("/access_points/value/{i}");
        if point.pointer("/policy/status").and_then(Value::as_str) == Some("present") {
            let label = format!("access point policy of {arn}");
            doc(label, format!("{base}/policy/value"), PolicyKind::Resource);
        }
        resources.insert(arn, format!("{base}/arn"));
    }
    (documents, resources)
}

/// The elements of the array at `pointer`, with their indexes.
fn items<'v>(value: &'v Value, pointer: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The URI by which SARIF names a file: relative to the repository root
/// (the directory the scan runs in), `/`-separated and percent-encoded;
/// a file outside it gets an absolute `file://` URI.
pub fn file_uri(path: &std::path::Path, cwd: Option<&std::path::Path>) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    use std::path::Component;

    const UNSAFE: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    let relative = if path.is_absolute() {
        cwd.and_then(|cwd| path.strip_prefix(cwd).ok())
    } else {
        Some(path)
    };
    let encode =
        |part: &std::ffi::OsStr| utf8_percent_encode(&part.to_string_lossy(), UNSAFE).to_string();
    match relative {
        Some(relative) => relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(encode(part)),
                Component::ParentDir => Some("..".to_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/"),
        None => {
            let parts: Vec<String> = path
                .components()
                .filter_map(|c| match c {
                    Component::Normal(part) => Some(encode(part)),
                    _ => None,
                })
                .collect();
            format!("file:///{}", parts.join("/"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn uris_are_relative_to_the_repository() {
        let cwd = Path::new("/repo");
        assert_eq!(
            file_uri(Path::new(".putonly/snapshot.json"), Some(cwd)),
            ".putonly/snapshot.json"
        );
        assert_eq!(
            file_uri(Path::new("./a b/c#.json"), Some(cwd)),
            "a%20b/c%23.json"
        );
        assert_eq!(file_uri(Path::new("/repo/x/s.json"), Some(cwd)), "x/s.json");
        assert_eq!(
            file_uri(Path::new("/tmp/s.json"), Some(cwd)),
            "file:///tmp/s.json"
        );
    }

    const SNAPSHOT: &str = r#"{
  "partition": "aws",
  "account_id": "111122223333",
  "users": [
    {
      "arn": "arn:aws:iam::111122223333:user/u",
      "inline_policies": [
        {
          "name": "p",
          "document": [
            "{",
            "  \"Statement\": [",
            "    {",
            "      \"Sid\": \"A\",",
            "      \"Effect\": \"Allow\",",
            "      \"Action\": \"s3:PutObject\",",
            "      \"Resource\": \"*\"",
            "    }",
            "  ]",
            "}"
          ]
        }
      ]
    }
  ],
  "roles": []
}
"#;

    fn finding(location: Option<PolicyLocation>, resource: &str) -> Finding {
        Finding {
            rule_id: "PO402".into(),
            rule_name: "x".into(),
            severity: crate::finding::Severity::High,
            connector: None,
            resource: resource.into(),
            message: "m".into(),
            evidence: vec![],
            location,
            remediation: None,
            fingerprint: "f".into(),
            suppression: None,
        }
    }

    #[test]
    fn statements_map_to_their_snapshot_lines() {
        let locator = Locator::new(
            Some(SourceFile {
                uri: "s.json",
                text: SNAPSHOT,
            }),
            None,
        );
        let statement = PolicyLocation {
            document: "inline policy `p` of arn:aws:iam::111122223333:user/u".into(),
            statement: Some("A".into()),
            line: Some(3),
            column: Some(5),
        };
        let place = locator.place(&finding(
            Some(statement),
            "arn:aws:iam::111122223333:user/u",
        ));
        let region = place.unwrap().region;
        // Document line 3 is snapshot line 13; the `{` at column 5 of the
        // document sits at column 18 of the snapshot line; the statement
        // ends on document line 8, snapshot line 18.
        assert_eq!((region.start_line, region.start_column), (13, 18));
        assert_eq!(region.end_line, 18);
        let line13 = SNAPSHOT.lines().nth(12).unwrap();
        assert_eq!(line13.chars().nth(17), Some('{'));

        // No policy location: the line naming the resource.
        let place = locator
            .place(&finding(None, "arn:aws:iam::111122223333:user/u"))
            .unwrap();
        assert_eq!(place.region.start_line, 6);
        // An unknown role: the roles list.
        let place = locator
            .place(&finding(None, "arn:aws:iam::111122223333:role/gone"))
            .unwrap();
        assert_eq!(place.region.start_line, 26);
    }
}
