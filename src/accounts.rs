//! Which accounts a scan of many covers: the lines of an accounts file
//! (`--accounts`), the members of an AWS Organization (`--organization`),
//! or the snapshots of a directory (`--snapshots`), each turned into a
//! [`Target`] that says how to reach one account.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One account to scan, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A live account, through a role assumed with the caller's
    /// credentials.
    Role {
        account_id: String,
        role_arn: String,
    },
    /// The caller's own account, with the caller's credentials.
    Caller { account_id: String },
    /// A putonly snapshot file, offline.
    Snapshot { path: PathBuf },
}

impl Target {
    /// The account the target should lead to, when known before the scan.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Target::Role { account_id, .. } | Target::Caller { account_id } => Some(account_id),
            Target::Snapshot { .. } => None,
        }
    }

    /// How the account is reached, for reports and errors: the role ARN,
    /// `caller credentials`, or the snapshot's path.
    pub fn label(&self) -> String {
        match self {
            Target::Role { role_arn, .. } => role_arn.clone(),
            Target::Caller { .. } => "the caller's credentials".to_owned(),
            Target::Snapshot { path } => path.display().to_string(),
        }
    }
}

/// Why the list of accounts could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("`{path}` line {line}: account `{account}` is already listed on line {first}")]
    Duplicate {
        path: PathBuf,
        line: usize,
        first: usize,
        account: String,
    },
    #[error("invalid role name `{0}`: use letters, digits and `+=,.@_-`, with an optional path")]
    RoleName(String),
    #[error("`{path}` lists no account")]
    Empty { path: PathBuf },
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn role_arn(partition: &str, account_id: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:role/{role_name}")
}

/// Checks a `--role-name` (a name, or `path/name`).
pub fn check_role_name(name: &str) -> Result<(), AccountsError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c);
    if name.is_empty()
        || name.len() > 512
        || name.starts_with('/')
        || name.ends_with('/')
        || !name.chars().all(allowed)
    {
        return Err(AccountsError::RoleName(name.to_owned()));
    }
    Ok(())
}

/// Whether `text` is a 12-digit account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads an accounts file: one account id or role ARN a line; `#` starts
/// a comment; blank lines are ignored. An account id means the role
/// `role_name` in that account, in `partition`.
pub fn read_accounts_file(
    path: &Path,
    role_name: &str,
    partition: &str,
) -> Result<Vec<Target>, AccountsError> {
    let text = std::fs::read_to_string(path).map_err(|source| AccountsError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_accounts(&text, path, role_name, partition)
}

/// [`read_accounts_file`] on text already read; `path` is for errors.
pub fn parse_accounts(
    text: &str,
    path: &Path,
    role_name: &str,
    partition: &str,
) -> Result<Vec<Target>, AccountsError> {
    check_role_name(role_name)?;
    let mut targets = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let entry = raw.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let target =
            parse_entry(entry, role_name, partition).map_err(|message| AccountsError::Line {
                path: path.to_owned(),
                line,
                message,
            })?;
        let account = target.account_id().unwrap_or_default().to_owned();
        if let Some(first) = seen.insert(account.clone(), line) {
            return Err(AccountsError::Duplicate {
                path: path.to_owned(),
                line,
                first,
                account,
            });
        }
        targets.push(target);
    }
    if targets.is_empty() {
        return Err(AccountsError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(targets)
}

/// One entry: an account id, or an IAM role ARN.
fn parse_entry(entry: &str, role_name: &str, partition: &str) -> Result<Target, String> {
    if is_account_id(entry) {
        return Ok(Target::Role {
            account_id: entry.to_owned(),
            role_arn: role_arn(partition, entry, role_name),
        });
    }
    if !entry.starts_with("arn:") {
        return Err(format!(
            "`{}` is neither a 12-digit account id nor a role ARN",
            crate::report::plain(entry)
        ));
    }
    // arn:PARTITION:iam::ACCOUNT:role/NAME
    let parts: Vec<&str> = entry.splitn(6, ':').collect();
    let (Some(arn_partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.get(1),
        parts.get(2),
        parts.get(3),
        parts.get(4),
        parts.get(5),
    ) else {
        return Err(format!("`{}` is not an ARN", crate::report::plain(entry)));
    };
    let name = resource.strip_prefix("role/").unwrap_or_default();
    if arn_partition.is_empty()
        || *service != "iam"
        || !region.is_empty()
        || !is_account_id(account)
        || check_role_name(name).is_err()
    {
        return Err(format!(
            "`{}` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
            crate::report::plain(entry)
        ));
    }
    Ok(Target::Role {
        account_id: (*account).to_owned(),
        role_arn: entry.to_owned(),
    })
}

/// Every `*.json` file of a directory, sorted by name, as snapshot
/// targets.
pub fn snapshot_targets(dir: &Path) -> Result<Vec<Target>, AccountsError> {
    let read_err = |source| AccountsError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_some_and(|ext| ext == "json") && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(AccountsError::Empty {
            path: dir.to_owned(),
        });
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| Target::Snapshot { path })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Target>, String> {
        parse_accounts(text, Path::new("accounts.txt"), "putonly-audit", "aws")
            .map_err(|err| err.to_string())
    }

    #[test]
    fn ids_and_role_arns_with_comments_and_blank_lines() {
        let targets = parse(
            "# production\n111122223333\n\n  444455556666  # payments\n\
             arn:aws:iam::777788889999:role/ops/auditor\n",
        )
        .unwrap();
        assert_eq!(
            targets,
            vec![
                Target::Role {
                    account_id: "111122223333".into(),
                    role_arn: "arn:aws:iam::111122223333:role/putonly-audit".into()
                },
                Target::Role {
                    account_id: "444455556666".into(),
                    role_arn: "arn:aws:iam::444455556666:role/putonly-audit".into()
                },
                Target::Role {
                    account_id: "777788889999".into(),
                    role_arn: "arn:aws:iam::777788889999:role/ops/auditor".into()
                },
            ]
        );
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(
            parse("111122223333\n12345\n").unwrap_err(),
            "`accounts.txt` line 2: `12345` is neither a 12-digit account id nor a role ARN"
        );
        assert_eq!(
            parse("arn:aws:iam::111122223333:user/bob\n").unwrap_err(),
            "`accounts.txt` line 1: `arn:aws:iam::111122223333:user/bob` is not an IAM role ARN \
             (arn:aws:iam::123456789012:role/NAME)"
        );
        assert!(parse("arn:aws:s3:::bucket\n").is_err());
        assert!(parse("arn:aws:iam:us-east-1:111122223333:role/x\n").is_err());
        assert_eq!(
            parse("111122223333\narn:aws:iam::111122223333:role/other\n").unwrap_err(),
            "`accounts.txt` line 2: account `111122223333` is already listed on line 1"
        );
        assert_eq!(
            parse("# nothing\n\n").unwrap_err(),
            "`accounts.txt` lists no account"
        );
        assert_eq!(
            parse("bad\u{1b}[2J\n").unwrap_err(),
            "`accounts.txt` line 1: `bad\\u{1b}[2J` is neither a 12-digit account id nor a role ARN"
        );
    }

    #[test]
    fn role_names_are_checked() {
        assert!(check_role_name("putonly-audit").is_ok());
        assert!(check_role_name("audit/putonly-audit").is_ok());
        assert!(check_role_name("").is_err());
        assert!(check_role_name("a b").is_err());
        assert!(check_role_name("/x").is_err());
        assert!(
            parse_accounts("111122223333", Path::new("f"), "bad name", "aws")
                .unwrap_err()
                .to_string()
                .contains("invalid role name `bad name`")
        );
    }
}
