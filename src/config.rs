//! `putonly.toml`: the connector setups a scan expects to find.
//!
//! The file is read into raw serde types that reject unknown keys, then
//! validated into [`Config`], whose values cannot be inconsistent (an OIDC
//! connector always has an audience, a static one never has OIDC settings).
//! Every error names the file and, where the problem has one, the line.
//!
//! Besides the connectors, the file holds `[[suppression]]` blocks: accepted
//! findings (a rule, a resource pattern, a required reason and an optional
//! expiry date) that reports keep but mark, and that never fail a scan.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::Date;

use crate::policy::glob::{Glob, Syntax};

/// The default issuer of OIDC connectors: Google's built-in provider.
pub const DEFAULT_ISSUER: &str = "accounts.google.com";
/// The default maximum age of an access key, in days.
pub const DEFAULT_MAX_KEY_AGE_DAYS: u32 = 90;

/// A configuration error, with the file and position it comes from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config `{path}` at line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid config `{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from, as given (used in reports and locations).
    pub path: PathBuf,
    pub connectors: Vec<Connector>,
    /// Accepted findings, in file order.
    pub suppressions: Vec<Suppression>,
}

/// An accepted finding: one rule on the resources a pattern matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule id, e.g. `PO104`.
    pub rule: String,
    /// The resource pattern as written: `*` matches any run of characters,
    /// `?` one character, everything else itself.
    pub resource: String,
    /// Why the finding is accepted; never empty.
    pub reason: String,
    /// The last day the suppression applies; from the next day on it is
    /// expired, suppresses nothing and is itself a finding.
    pub expires: Option<Date>,
    /// 1-based line of the `[[suppression]]` header in the config file.
    pub line: usize,
    pattern: Glob,
}

impl Suppression {
    /// Whether the suppression covers a finding of `rule` on `resource`
    /// (expiry aside).
    pub fn covers(&self, rule: &str, resource: &str) -> bool {
        self.rule == rule && self.pattern.matches_plain(resource)
    }

    /// Whether the suppression has expired on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }
}

/// How the third party authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// An IAM user with long-term access keys.
    Static,
    /// A role assumed with `sts:AssumeRoleWithWebIdentity`.
    Oidc(OidcExpectation),
}

/// What an OIDC connector's provider and trust should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcExpectation {
    /// Issuer host without scheme, e.g. `accounts.google.com`.
    pub issuer: String,
    pub audience: String,
    /// The numeric unique id the subject must be pinned to, when known.
    pub subject: Option<String>,
    /// Expected thumbprints, lowercase hex; empty means "not checked".
    pub thumbprints: Vec<String>,
}

/// One expected connector setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub name: String,
    pub mode: Mode,
    /// User name (static) or role name (OIDC).
    pub principal: String,
    pub bucket: String,
    pub region: Option<String>,
    /// Key prefix writes are confined to; empty allows the whole bucket.
    pub prefix: String,
    pub allowed_actions: Vec<String>,
    pub max_key_age_days: u32,
}

impl Connector {
    pub fn is_static(&self) -> bool {
        matches!(self.mode, Mode::Static)
    }

    pub fn oidc(&self) -> Option<&OidcExpectation> {
        match &self.mode {
            Mode::Oidc(oidc) => Some(oidc),
            Mode::Static => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    connector: Vec<RawConnector>,
    #[serde(default)]
    suppression: Vec<toml::Spanned<RawSuppression>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    rule: String,
    resource: String,
    reason: String,
    expires: Option<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnector {
    name: String,
    mode: RawMode,
    principal: String,
    bucket: String,
    region: Option<String>,
    #[serde(default)]
    prefix: String,
    allowed_actions: Option<Vec<String>>,
    max_key_age_days: Option<u32>,
    oidc: Option<RawOidc>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawMode {
    Static,
    Oidc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOidc {
    issuer: Option<String>,
    audience: String,
    subject: Option<String>,
    #[serde(default)]
    thumbprints: Vec<String>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` is used in errors only.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let (line, column) = err
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or((1, 1));
            ConfigError::Syntax {
                path: path.to_owned(),
                line,
                column,
                message: err.message().trim().replace('\n', " "),
            }
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        if raw.connector.is_empty() {
            return Err(invalid("no `[[connector]]` is defined".to_owned()));
        }
        let mut connectors = Vec::with_capacity(raw.connector.len());
        for connector in raw.connector {
            let connector = validate_connector(connector).map_err(&invalid)?;
            if connectors
                .iter()
                .any(|c: &Connector| c.name == connector.name)
            {
                return Err(invalid(format!(
                    "connector name `{}` is used twice",
                    connector.name
                )));
            }
            connectors.push(connector);
        }
        let mut suppressions = Vec::with_capacity(raw.suppression.len());
        for spanned in raw.suppression {
            let (line, _) = line_column(text, spanned.span().start);
            let line = header_line(text, line);
            let suppression = validate_suppression(spanned.into_inner(), line)
                .map_err(|message| invalid(format!("suppression at line {line}: {message}")))?;
            suppressions.push(suppression);
        }
        Ok(Config {
            path: path.to_owned(),
            connectors,
            suppressions,
        })
    }
}

/// The line of the `[[suppression]]` header a table's span starts at or
/// after (toml reports the span of the table's first key).
fn header_line(text: &str, line: usize) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    (1..=line.min(lines.len()))
        .rev()
        .find(|n| {
            lines
                .get(n - 1)
                .is_some_and(|l| l.trim_start().starts_with("[[suppression]]"))
        })
        .unwrap_or(line)
}

fn validate_suppression(raw: RawSuppression, line: usize) -> Result<Suppression, String> {
    let rule = raw.rule.trim().to_owned();
    let is_rule_id = rule.len() == 5
        && rule.starts_with("PO")
        && rule.chars().skip(2).all(|c| c.is_ascii_digit());
    if !is_rule_id {
        return Err(format!("`{rule}` is not a rule id like `PO104`"));
    }
    if raw.resource.trim().is_empty() {
        return Err("`resource` is empty (use `*` for every resource)".to_owned());
    }
    if raw.reason.trim().is_empty() {
        return Err("`reason` is required and must say why the finding is accepted".to_owned());
    }
    let expires = raw.expires.map(|when| expiry_date(&when)).transpose()?;
    Ok(Suppression {
        pattern: Glob::parse(
            &raw.resource,
            Syntax {
                wildcards: true,
                variables: false,
            },
        ),
        rule,
        resource: raw.resource,
        reason: raw.reason.trim().to_owned(),
        expires,
        line,
    })
}

/// A TOML date (`2027-01-31`) as a calendar date; times are refused, since
/// a suppression lasts whole days.
fn expiry_date(when: &toml::value::Datetime) -> Result<Date, String> {
    let refuse = || format!("`expires = {when}` must be a date like 2027-01-31");
    match (when.date, when.time, when.offset) {
        (Some(date), None, None) => {
            let month = time::Month::try_from(date.month).map_err(|_| refuse())?;
            Date::from_calendar_date(i32::from(date.year), month, date.day).map_err(|_| refuse())
        }
        _ => Err(refuse()),
    }
}

fn validate_connector(raw: RawConnector) -> Result<Connector, String> {
    let name = raw.name;
    let at = |message: &str| format!("connector `{name}`: {message}");
    if name.trim().is_empty() {
        return Err("a connector has an empty `name`".to_owned());
    }
    if raw.principal.trim().is_empty() || raw.principal.contains(['/', ':']) {
        return Err(at("`principal` must be a plain user or role name"));
    }
    if !is_bucket_name(&raw.bucket) {
        return Err(at(&format!("`{}` is not a valid bucket name", raw.bucket)));
    }
    if raw.prefix.starts_with('/') || raw.prefix.contains(['*', '?']) {
        return Err(at(
            "`prefix` must be a literal key prefix without a leading `/` or wildcards",
        ));
    }
    let allowed_actions = raw
        .allowed_actions
        .unwrap_or_else(|| vec!["s3:PutObject".to_owned()]);
    if let Some(bad) = allowed_actions.iter().find(|a| !is_action_name(a)) {
        return Err(at(&format!(
            "`{bad}` is not an action name like `s3:PutObject`"
        )));
    }
    let mode = match (raw.mode, raw.oidc) {
        (RawMode::Static, None) => Mode::Static,
        (RawMode::Static, Some(_)) => {
            return Err(at("`[connector.oidc]` is only for `mode = \"oidc\"`"));
        }
        (RawMode::Oidc, None) => return Err(at("`mode = \"oidc\"` needs `[connector.oidc]`")),
        (RawMode::Oidc, Some(oidc)) => Mode::Oidc(validate_oidc(oidc).map_err(|m| at(&m))?),
    };
    Ok(Connector {
        name,
        mode,
        principal: raw.principal,
        bucket: raw.bucket,
        region: raw.region,
        prefix: raw.prefix,
        allowed_actions,
        max_key_age_days: raw.max_key_age_days.unwrap_or(DEFAULT_MAX_KEY_AGE_DAYS),
    })
}

fn validate_oidc(raw: RawOidc) -> Result<OidcExpectation, String> {
    let issuer = raw.issuer.unwrap_or_else(|| DEFAULT_ISSUER.to_owned());
    let issuer = issuer.trim_start_matches("https://").trim_end_matches('/');
    if issuer.is_empty() {
        return Err("`oidc.issuer` is empty".to_owned());
    }
    if raw.audience.trim().is_empty() {
        return Err("`oidc.audience` is empty".to_owned());
    }
    let mut thumbprints = Vec::with_capacity(raw.thumbprints.len());
    for print in raw.thumbprints {
        if print.len() != 40 || !print.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("thumbprint `{print}` is not 40 hexadecimal digits"));
        }
        thumbprints.push(print.to_ascii_lowercase());
    }
    Ok(OidcExpectation {
        issuer: issuer.to_owned(),
        audience: raw.audience,
        subject: raw.subject.filter(|s| !s.is_empty()),
        thumbprints,
    })
}

fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

fn is_action_name(action: &str) -> bool {
    match action.split_once(':') {
        Some((service, name)) => {
            !service.is_empty()
                && !name.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && name.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The commented template `putonly init` writes.
pub const TEMPLATE: &str = r#"# putonly.toml: the connector setups putonly expects to find.
# One [[connector]] block per third party that writes into a bucket.

[[connector]]
# A name for reports.
name = "recordings"
# "static": an IAM user with access keys; "oidc": a role assumed with a
# web identity token (Google by default).
mode = "static"
# The IAM user name (static) or role name (oidc).
principal = "videsk-connector"
# The bucket the connector writes into, and its region (optional).
bucket = "rec-bucket"
region = "us-west-1"
# Writes must stay under this key prefix. "" allows the whole bucket.
prefix = "uploads/"
# What the connector may do. Anything beyond this is a finding.
allowed_actions = ["s3:PutObject"]
# Access keys older than this (or unused this long) are findings.
max_key_age_days = 90

# [[connector]]
# name = "recordings-oidc"
# mode = "oidc"
# principal = "videsk-connector-oidc"
# bucket = "rec-bucket"
# prefix = "uploads/"
#
# [connector.oidc]
# # The identity provider, without https:// (default accounts.google.com).
# issuer = "accounts.google.com"
# # The audience the vendor's tokens carry (the provider's client id).
# audience = "cloud-connector@bridge-fed-connector.iam.gserviceaccount.com"
# # The vendor service account's numeric unique id, for the trust policy's sub.
# subject = "104857600000000000001"
# # Thumbprints the provider should list (AWS ignores them for Google).
# thumbprints = []

## Accepted findings: reports keep them, marked as suppressed, and they
## never fail the scan. `resource` is a pattern (`*` any run, `?` one
## character); `reason` is required; after `expires` (a date, unquoted) the
## suppression stops applying and is reported itself (PO901).
# [[suppression]]
# rule = "PO104"
# resource = "arn:aws:iam::*:oidc-provider/accounts.google.com"
# reason = "AWS ignores thumbprints for Google; kept as the vendor's guide says"
# expires = 2027-06-30
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("putonly.toml"))
    }

    #[test]
    fn template_is_valid() {
        let config = parse(TEMPLATE).unwrap();
        assert_eq!(config.connectors.len(), 1);
        let c = &config.connectors[0];
        assert_eq!(c.allowed_actions, vec!["s3:PutObject"]);
        assert_eq!(c.max_key_age_days, 90);
        assert_eq!(c.prefix, "uploads/");
    }

    #[test]
    fn template_oidc_block_is_valid_when_uncommented() {
        let text = TEMPLATE
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|_| l.starts_with("# "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let only_oidc = &text[text
            .find("[[connector]]\nname = \"recordings-oidc\"")
            .unwrap()..];
        let config = parse(only_oidc).unwrap();
        let oidc = config.connectors[0].oidc().unwrap();
        assert_eq!(oidc.issuer, "accounts.google.com");
        assert_eq!(oidc.subject.as_deref(), Some("104857600000000000001"));
        assert_eq!(config.suppressions.len(), 1);
    }

    #[test]
    fn misspelled_key_names_file_and_line() {
        let text = "[[connector]]\nname = \"a\"\nmode = \"static\"\nprincipal = \"u\"\nbucket = \"rec-bucket\"\nprefx = \"x/\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid config `putonly.toml` at line 6, column 1:"),
            "{err}"
        );
        assert!(err.contains("prefx"), "{err}");
    }

    #[test]
    fn oidc_mode_requires_audience_block() {
        let text = "[[connector]]\nname = \"a\"\nmode = \"oidc\"\nprincipal = \"r\"\nbucket = \"rec-bucket\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid config `putonly.toml`: connector `a`: `mode = \"oidc\"` needs `[connector.oidc]`"
        );
    }

    #[test]
    fn bad_values_are_rejected() {
        let base = "[[connector]]\nname = \"a\"\nmode = \"static\"\nprincipal = \"u\"\n";
        let bad_bucket = format!("{base}bucket = \"Rec_Bucket\"\n");
        assert!(
            parse(&bad_bucket)
                .unwrap_err()
                .to_string()
                .contains("not a valid bucket name")
        );
        let bad_prefix = format!("{base}bucket = \"rec-bucket\"\nprefix = \"up*\"\n");
        assert!(
            parse(&bad_prefix)
                .unwrap_err()
                .to_string()
                .contains("`prefix`")
        );
        let bad_action =
            format!("{base}bucket = \"rec-bucket\"\nallowed_actions = [\"PutObject\"]\n");
        assert!(
            parse(&bad_action)
                .unwrap_err()
                .to_string()
                .contains("`PutObject`")
        );
        let bad_mode = String::from(
            "[[connector]]\nname = \"a\"\nmode = \"keys\"\nprincipal = \"u\"\nbucket = \"rec-bucket\"\n",
        );
        let err = parse(&bad_mode).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn duplicate_names_and_empty_config_are_errors() {
        assert!(
            parse("")
                .unwrap_err()
                .to_string()
                .contains("no `[[connector]]`")
        );
        let one = "[[connector]]\nname = \"a\"\nmode = \"static\"\nprincipal = \"u\"\nbucket = \"rec-bucket\"\n";
        let err = parse(&format!("{one}{one}")).unwrap_err().to_string();
        assert!(err.contains("used twice"), "{err}");
    }

    const ONE: &str = "[[connector]]\nname = \"a\"\nmode = \"static\"\nprincipal = \"u\"\nbucket = \"rec-bucket\"\n";

    #[test]
    fn suppressions_are_read_with_their_line() {
        let text = format!(
            "{ONE}\n[[suppression]]\nrule = \"PO104\"\nresource = \"arn:aws:iam::*:oidc-provider/*\"\nreason = \" accepted \"\nexpires = 2027-06-30\n\n[[suppression]]\nrule = \"PO203\"\nresource = \"*\"\nreason = \"r\"\n"
        );
        let config = parse(&text).unwrap();
        let [first, second] = config.suppressions.as_slice() else {
            panic!("two suppressions expected")
        };
        assert_eq!((first.line, second.line), (7, 13));
        assert_eq!(first.reason, "accepted");
        let last = Date::from_calendar_date(2027, time::Month::June, 30).unwrap();
        assert_eq!(first.expires, Some(last));
        assert!(!first.is_expired(last) && first.is_expired(last.next_day().unwrap()));
        assert!(first.covers("PO104", "arn:aws:iam::111122223333:oidc-provider/x"));
        assert!(!first.covers("PO103", "arn:aws:iam::111122223333:oidc-provider/x"));
        assert!(!first.covers("PO104", "arn:aws:iam::111122223333:role/x"));
        assert!(second.covers("PO203", "anything") && second.expires.is_none());
    }

    #[test]
    fn bad_suppressions_name_the_line() {
        let typo = format!(
            "{ONE}[[suppression]]\nrule = \"PO104\"\nresource = \"*\"\nreason = \"r\"\nexpiry = 2027-01-01\n"
        );
        let err = parse(&typo).unwrap_err().to_string();
        assert!(
            err.contains("at line 10, column 1: unknown field `expiry`"),
            "{err}"
        );
        let no_reason = format!("{ONE}[[suppression]]\nrule = \"PO104\"\nresource = \"*\"\n");
        let err = parse(&no_reason).unwrap_err().to_string();
        assert!(err.contains("missing field `reason`"), "{err}");
        let blank =
            format!("{ONE}[[suppression]]\nrule = \"PO104\"\nresource = \"*\"\nreason = \" \"\n");
        let err = parse(&blank).unwrap_err().to_string();
        assert!(
            err.contains("suppression at line 6: `reason` is required"),
            "{err}"
        );
        let time = format!(
            "{ONE}[[suppression]]\nrule = \"PO104\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2027-01-01T00:00:00Z\n"
        );
        let err = parse(&time).unwrap_err().to_string();
        assert!(err.contains("must be a date like 2027-01-31"), "{err}");
        let rule =
            format!("{ONE}[[suppression]]\nrule = \"104\"\nresource = \"*\"\nreason = \"r\"\n");
        let err = parse(&rule).unwrap_err().to_string();
        assert!(err.contains("`104` is not a rule id"), "{err}");
    }

    #[test]
    fn thumbprints_are_normalised_and_checked() {
        let text = "[[connector]]\nname = \"a\"\nmode = \"oidc\"\nprincipal = \"r\"\nbucket = \"rec-bucket\"\n[connector.oidc]\nissuer = \"https://accounts.google.com/\"\naudience = \"aud\"\nthumbprints = [\"1C58A3A8518E8759BF075B76B750D4F2DF264FCD\"]\n";
        let config = parse(text).unwrap();
        let oidc = config.connectors[0].oidc().unwrap();
        assert_eq!(oidc.issuer, "accounts.google.com");
        assert_eq!(
            oidc.thumbprints,
            vec!["1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
        );
        let bad = text.replace("1C58A3A8518E8759BF075B76B750D4F2DF264FCD", "abc");
        assert!(
            parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("40 hexadecimal")
        );
    }
}
