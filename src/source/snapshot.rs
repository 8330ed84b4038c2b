//! putonly's own snapshot file: the inventory as versioned, deterministic,
//! pretty JSON. A scan of a snapshot gives exactly the findings of the scan
//! that wrote it, because both run the same rules on the same inventory.

use std::path::Path;

use crate::inventory::{Inventory, SCHEMA_VERSION};

use super::SourceError;

/// Serialises an inventory as the snapshot text (sorted, pretty, newline
/// at the end).
pub fn to_string(inventory: &Inventory) -> String {
    let mut sorted = inventory.clone();
    sorted.normalize();
    // Serialising plain data structs to a string cannot fail.
    let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes a snapshot file, creating its parent directory.
pub fn write(inventory: &Inventory, path: &Path) -> Result<(), SourceError> {
    let write_err = |source| SourceError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    std::fs::write(path, to_string(inventory)).map_err(write_err)
}

/// Reads a snapshot file.
pub fn load(path: &Path) -> Result<Inventory, SourceError> {
    let bytes = std::fs::read(path).map_err(|source| SourceError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&bytes, path)
}

/// Parses snapshot bytes; `path` is used in errors only.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Inventory, SourceError> {
    // Check the version first, so that an old or newer file gets a clear
    // message rather than a complaint about a missing field.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|err| SourceError::json(path, &err))?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(found) if found == u64::from(SCHEMA_VERSION) => {}
        Some(found) => {
            return Err(SourceError::SchemaVersion {
                path: path.to_owned(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        None => {
            return Err(SourceError::Content {
                path: path.to_owned(),
                message: "not a putonly snapshot (no `schema_version`)".to_owned(),
            });
        }
    }
    let mut inventory: Inventory =
        serde_json::from_slice(bytes).map_err(|err| SourceError::json(path, &err))?;
    inventory.normalize();
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Fact, InlinePolicy, PolicyText, User};

    fn sample() -> Inventory {
        let mut inv = Inventory::new("111122223333", "live", "2026-12-01T00:00:00Z");
        for name in ["zed", "amy"] {
            inv.users.push(User {
                arn: format!("arn:aws:iam::111122223333:user/{name}"),
                name: name.to_owned(),
                id: format!("AIDA{name}"),
                path: "/".to_owned(),
                create_date: "2026-01-01T00:00:00Z".to_owned(),
                inline_policies: vec![InlinePolicy {
                    name: "p".to_owned(),
                    document: PolicyText::new("{\n  \"Version\": \"2012-10-17\"\n}"),
                }],
                attached_policies: vec![],
                groups: vec![],
                permissions_boundary: None,
                access_keys: Fact::Present(vec![]),
                console_password: Fact::Unknown("AccessDenied".to_owned()),
                mfa_devices: Fact::Absent,
            });
        }
        inv
    }

    #[test]
    fn round_trip_is_exact_and_sorted() {
        let text = to_string(&sample());
        let back = parse(text.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(back.users[0].name, "amy");
        assert_eq!(to_string(&back), text);
        // Policy lines sit on their own snapshot lines.
        assert!(text.contains("\"  \\\"Version\\\": \\\"2012-10-17\\\"\""));
    }

    #[test]
    fn truncated_snapshot_names_file_and_position() {
        let text = to_string(&sample());
        let cut = &text[..text.len() / 2];
        let err = parse(cut.as_bytes(), Path::new("snap.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid JSON in `snap.json` at line "),
            "{err}"
        );
    }

    #[test]
    fn other_schema_version_is_refused() {
        let text =
            to_string(&sample()).replacen("\"schema_version\": 1", "\"schema_version\": 7", 1);
        let err = parse(text.as_bytes(), Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "`s.json` is a snapshot of schema version 7, this putonly reads version 1"
        );
        let err = parse(b"{\"users\": []}", Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a putonly snapshot"), "{err}");
    }

    #[test]
    fn unknown_field_is_refused() {
        let text =
            to_string(&sample()).replacen("\"partition\"", "\"extra\": 1,\n  \"partition\"", 1);
        let err = parse(text.as_bytes(), Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `extra`"), "{err}");
    }
}
