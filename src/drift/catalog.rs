//! The drift kinds as rules: `rules/drift/<ID>.toml`, embedded at build
//! time and read into the same [`Rule`] type as the scan's rules, so every
//! report format renders drift unchanged.
//!
//! They live apart from the scan's catalogue because their checks compare
//! two inventories, and a scan has only one.

use crate::rules::{Catalog, CatalogError, Rule};

/// Every drift kind, with its data file.
static RULE_FILES: &[(&str, &str)] = &[
    ("PO801.toml", include_str!("../../rules/drift/PO801.toml")),
    ("PO802.toml", include_str!("../../rules/drift/PO802.toml")),
    ("PO803.toml", include_str!("../../rules/drift/PO803.toml")),
    ("PO804.toml", include_str!("../../rules/drift/PO804.toml")),
    ("PO805.toml", include_str!("../../rules/drift/PO805.toml")),
    ("PO806.toml", include_str!("../../rules/drift/PO806.toml")),
    ("PO807.toml", include_str!("../../rules/drift/PO807.toml")),
    ("PO808.toml", include_str!("../../rules/drift/PO808.toml")),
    ("PO809.toml", include_str!("../../rules/drift/PO809.toml")),
    ("PO810.toml", include_str!("../../rules/drift/PO810.toml")),
    ("PO811.toml", include_str!("../../rules/drift/PO811.toml")),
    ("PO820.toml", include_str!("../../rules/drift/PO820.toml")),
    ("PO821.toml", include_str!("../../rules/drift/PO821.toml")),
    ("PO822.toml", include_str!("../../rules/drift/PO822.toml")),
    ("PO823.toml", include_str!("../../rules/drift/PO823.toml")),
    ("PO824.toml", include_str!("../../rules/drift/PO824.toml")),
    ("PO825.toml", include_str!("../../rules/drift/PO825.toml")),
    ("PO826.toml", include_str!("../../rules/drift/PO826.toml")),
    ("PO827.toml", include_str!("../../rules/drift/PO827.toml")),
    ("PO828.toml", include_str!("../../rules/drift/PO828.toml")),
];

/// Loads the drift kinds.
pub fn load() -> Result<Catalog, CatalogError> {
    let mut rules = Vec::with_capacity(RULE_FILES.len());
    for (file, text) in RULE_FILES {
        rules.push(parse(file, text)?);
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Catalog { rules })
}

fn parse(file: &str, text: &str) -> Result<Rule, CatalogError> {
    let rule: Rule = toml::from_str(text).map_err(|err| {
        let (line, column) = err
            .span()
            .map(|span| crate::config::line_column(text, span.start))
            .unwrap_or((1, 1));
        CatalogError::Syntax {
            file: format!("drift/{file}"),
            line,
            column,
            message: err.message().trim().replace('\n', " "),
        }
    })?;
    if file.strip_suffix(".toml") != Some(rule.id.as_str()) {
        return Err(CatalogError::Invalid {
            file: format!("drift/{file}"),
            message: format!("the file name must be the rule id `{}`", rule.id),
        });
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drift_kind_has_a_valid_file_and_every_file_a_kind() {
        let catalog = load().unwrap();
        let ids: Vec<&str> = catalog.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, super::super::KINDS);
        let scan = Catalog::load().unwrap();
        for rule in &catalog.rules {
            assert!(
                scan.get(&rule.id).is_none(),
                "{} is also a scan rule",
                rule.id
            );
            let kebab = rule
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(kebab && !rule.name.starts_with('-'), "{}", rule.name);
            assert!(
                !rule.references.is_empty()
                    && rule.references.iter().all(|r| r.starts_with("https://")),
                "{}",
                rule.id
            );
            assert!(
                scan.rules.iter().all(|r| r.name != rule.name),
                "{}",
                rule.name
            );
        }
    }

    #[test]
    fn the_drift_rule_files_on_disk_are_the_embedded_ones() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/drift");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = RULE_FILES.iter().map(|(f, _)| *f).collect();
        assert_eq!(on_disk, embedded);
    }
}
