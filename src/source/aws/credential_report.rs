//! The IAM credential report: one CSV file with every user's password, MFA
//! and access key state, read in two or three calls instead of three or
//! more per user.
//!
//! The report has no access key ids nor MFA serial numbers, so the
//! `credentials` module still lists every user's keys, and the MFA
//! devices of users it shows with MFA; it takes
//! password state and each key's last use from the report. AWS makes a
//! new report at most every four hours: users and keys created since are
//! missing from it and are read call by call, and `--no-credential-report`
//! reads every user that way.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::ReportStateType;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use crate::inventory::{Fact, LastUsed};

use super::date_text;
use super::error::CallError;

/// How long to wait for AWS to finish a report before reading users call
/// by call.
const PATIENCE: Duration = Duration::from_secs(120);
/// First wait between GenerateCredentialReport calls; doubled each time.
const FIRST_WAIT: Duration = Duration::from_millis(100);
/// Longest wait between GenerateCredentialReport calls.
const LONGEST_WAIT: Duration = Duration::from_secs(4);

/// The report, by user ARN.
#[derive(Debug, Default)]
pub(super) struct CredentialReport {
    users: HashMap<String, ReportUser>,
}

/// One user's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportUser {
    /// `user_creation_time`, in seconds since the epoch, when the report
    /// has that column.
    pub created: Option<i64>,
    /// `password_enabled`; `None` when the report says neither true nor
    /// false.
    pub password_enabled: Option<bool>,
    /// `mfa_active`; `None` when the report says neither true nor false.
    pub mfa_active: Option<bool>,
    /// The access keys the report shows (at most two).
    pub keys: Vec<ReportKey>,
}

/// One access key slot of a row that holds a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportKey {
    /// `access_key_N_last_rotated`: when the key was created, in seconds
    /// since the epoch (AWS never changes a key, it only makes new ones).
    pub created: i64,
    pub last_used: Fact<LastUsed>,
}

impl CredentialReport {
    /// The row of the user with this ARN.
    pub fn user(&self, arn: &str) -> Option<&ReportUser> {
        self.users.get(arn)
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }
}

impl ReportUser {
    /// Whether the row is of the user created at `create_date` (RFC 3339,
    /// as the inventory keeps it), not of an earlier user of that name
    /// deleted since the report was made. A row without a creation time
    /// is taken to be the user's.
    pub fn is_of(&self, create_date: &str) -> bool {
        let Some(created) = self.created else {
            return true;
        };
        DateTime::from_str(create_date, Format::DateTime).is_ok_and(|date| date.secs() == created)
    }

    /// The last use of the key created at `created` (seconds since the
    /// epoch), when exactly one key of the row was created then.
    pub fn key_last_used(&self, created: i64) -> Option<&Fact<LastUsed>> {
        let mut matching = self.keys.iter().filter(|key| key.created == created);
        match (matching.next(), matching.next()) {
            (Some(key), None) => Some(&key.last_used),
            _ => None,
        }
    }
}

/// Asks AWS for a current report and reads it. An error says why the users
/// are to be read call by call instead.
pub(super) async fn read(client: &Client) -> Result<CredentialReport, String> {
    let mut waited = Duration::ZERO;
    let mut wait = FIRST_WAIT;
    loop {
        let output = client
            .generate_credential_report()
            .send()
            .await
            .map_err(|err| CallError::from_sdk("iam:GenerateCredentialReport", &err).to_string())?;
        if output.state == Some(ReportStateType::Complete) {
            break;
        }
        if waited >= PATIENCE {
            return Err(format!(
                "the credential report was not ready after {} s",
                PATIENCE.as_secs()
            ));
        }
        tokio::time::sleep(wait).await;
        waited += wait;
        wait = (wait * 2).min(LONGEST_WAIT);
    }

    let output = client
        .get_credential_report()
        .send()
        .await
        .map_err(|err| CallError::from_sdk("iam:GetCredentialReport", &err).to_string())?;
    if let Some(generated) = output.generated_time.as_ref() {
        tracing::debug!(generated = %date_text(Some(generated)), "credential report read");
    }
    let content = output
        .content
        .ok_or_else(|| "the credential report came back empty".to_owned())?;
    let text = std::str::from_utf8(content.as_ref())
        .map_err(|_| "the credential report is not UTF-8 text".to_owned())?;
    parse(text)
}

/// The columns read, by name; the report's other columns are ignored and
/// its column order is not relied on.
const ARN: &str = "arn";
const USER_CREATED: &str = "user_creation_time";
const PASSWORD_ENABLED: &str = "password_enabled";
const MFA_ACTIVE: &str = "mfa_active";
const KEY_SLOTS: [&str; 2] = ["access_key_1", "access_key_2"];

/// Reads the report's CSV text. Rows without an IAM user ARN (the root
/// account's) are skipped; a missing column or a malformed row makes the
/// whole report unusable, so that no user is judged from a half-read row.
pub(super) fn parse(text: &str) -> Result<CredentialReport, String> {
    // A byte order mark, and blank lines (a trailing one), are not rows.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = records(text)?
        .into_iter()
        .enumerate()
        .filter(|(_, row)| !(row.len() == 1 && row.iter().all(String::is_empty)));
    let Some((_, header)) = rows.next() else {
        return Err("the credential report has no header line".to_owned());
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("the credential report has no `{name}` column"))
    };
    let arn = column(ARN)?;
    let password = column(PASSWORD_ENABLED)?;
    let mfa = column(MFA_ACTIVE)?;
    let user_created = header.iter().position(|h| h == USER_CREATED);
    let mut slots = Vec::with_capacity(KEY_SLOTS.len());
    for slot in KEY_SLOTS {
        slots.push([
            column(&format!("{slot}_last_rotated"))?,
            column(&format!("{slot}_last_used_date"))?,
            column(&format!("{slot}_last_used_service"))?,
            column(&format!("{slot}_last_used_region"))?,
        ]);
    }

    let mut users = HashMap::new();
    for (index, row) in rows {
        let line = index + 1;
        if row.len() != header.len() {
            return Err(format!(
                "line {line} of the credential report has {} fields, its header {}",
                row.len(),
                header.len()
            ));
        }
        let field = |i: usize| row.get(i).map(String::as_str).unwrap_or_default();
        if !field(arn).contains(":user/") {
            continue;
        }
        let mut keys = Vec::new();
        for [rotated, used, service, region] in &slots {
            let Some(created) = report_date(field(*rotated))
                .map_err(|text| format!("line {line} of the credential report: {text}"))?
            else {
                continue;
            };
            let last_used = match report_date(field(*used))
                .map_err(|text| format!("line {line} of the credential report: {text}"))?
            {
                Some(date) => Fact::Present(LastUsed {
                    date: date_text(Some(&DateTime::from_secs(date))),
                    service: value(field(*service)),
                    region: value(field(*region)),
                }),
                None => Fact::Absent,
            };
            keys.push(ReportKey { created, last_used });
        }
        let created = match user_created {
            Some(index) => report_date(field(index))
                .map_err(|text| format!("line {line} of the credential report: {text}"))?,
            None => None,
        };
        let user = ReportUser {
            created,
            password_enabled: flag(field(password)),
            mfa_active: flag(field(mfa)),
            keys,
        };
        users.insert(field(arn).to_owned(), user);
    }
    Ok(CredentialReport { users })
}

/// `true` or `false`; anything else (`not_supported`) says nothing.
fn flag(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A value, or `None` for the report's words for none.
fn value(text: &str) -> Option<String> {
    match text {
        "" | "N/A" | "not_supported" | "no_information" => None,
        _ => Some(text.to_owned()),
    }
}

/// An ISO 8601 date of the report in seconds since the epoch, `None` for
/// the report's words for none.
fn report_date(text: &str) -> Result<Option<i64>, String> {
    if value(text).is_none() {
        return Ok(None);
    }
    DateTime::from_str(text, Format::DateTimeWithOffset)
        .map(|date| Some(date.secs()))
        .map_err(|_| format!("`{text}` is not a date"))
}

/// The records of a CSV text (RFC 4180: fields may be quoted, a quote in a
/// quoted field is doubled, quoted fields may hold commas and line breaks).
fn records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!(
            "the credential report ends inside a quoted field (line {line})"
        ));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    fn report(rows: &[&str]) -> String {
        let mut text = format!("{HEADER}\n");
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text
    }

    #[test]
    fn rows_give_password_mfa_and_each_keys_last_use() {
        let text = report(&[
            "<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "videsk,arn:aws:iam::111122223333:user/videsk,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-02-01T10:00:00+00:00,2024-03-01T12:30:00+00:00,eu-west-1,s3,true,2024-02-02T10:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
            "ops,arn:aws:iam::111122223333:user/team/ops,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]);
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.len(), 2, "the root account's row is not a user");

        let videsk = parsed
            .user("arn:aws:iam::111122223333:user/videsk")
            .unwrap();
        assert_eq!(videsk.password_enabled, Some(false));
        assert_eq!(videsk.mfa_active, Some(false));
        let first = DateTime::from_str("2024-02-01T10:00:00Z", Format::DateTime)
            .unwrap()
            .secs();
        assert_eq!(
            videsk.key_last_used(first),
            Some(&Fact::Present(LastUsed {
                date: "2024-03-01T12:30:00Z".into(),
                service: Some("s3".into()),
                region: Some("eu-west-1".into()),
            }))
        );
        assert_eq!(videsk.key_last_used(first + 86_400), Some(&Fact::Absent));
        assert_eq!(
            videsk.key_last_used(first + 1),
            None,
            "no key was created then"
        );

        let ops = parsed
            .user("arn:aws:iam::111122223333:user/team/ops")
            .unwrap();
        assert_eq!(ops.password_enabled, Some(true));
        assert_eq!(ops.mfa_active, Some(true));
        assert!(ops.keys.is_empty());
    }

    #[test]
    fn a_row_of_an_earlier_user_of_the_same_name_is_not_the_users() {
        let text = report(&[
            "x,arn:aws:iam::111122223333:user/x,2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,TRUE,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]);
        let parsed = parse(&format!("\u{feff}{text}\n")).unwrap();
        let row = parsed.user("arn:aws:iam::111122223333:user/x").unwrap();
        assert_eq!(row.mfa_active, Some(true), "flags are read in any case");
        assert!(row.is_of("2024-01-01T00:00:00Z"));
        assert!(
            row.is_of("2024-01-01T00:00:00.250Z"),
            "the report has whole seconds"
        );
        assert!(
            !row.is_of("2024-03-05T10:00:00Z"),
            "re-created since the report"
        );
        assert!(!row.is_of("not a date"));
    }

    #[test]
    fn two_keys_created_in_the_same_second_are_not_told_apart() {
        let text = report(&[
            "twin,arn:aws:iam::111122223333:user/twin,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-02-01T10:00:00+00:00,N/A,N/A,N/A,true,2024-02-01T10:00:00+00:00,2024-03-01T00:00:00+00:00,us-east-1,iam,false,N/A,false,N/A",
        ]);
        let parsed = parse(&text).unwrap();
        let twin = parsed.user("arn:aws:iam::111122223333:user/twin").unwrap();
        assert_eq!(twin.keys.len(), 2);
        assert_eq!(twin.key_last_used(twin.keys[0].created), None);
    }

    #[test]
    fn quoted_fields_may_hold_commas() {
        // IAM user names may contain commas.
        let text = report(&[
            "\"a,b\",\"arn:aws:iam::111122223333:user/a,b\",2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]);
        let parsed = parse(&text).unwrap();
        let user = parsed.user("arn:aws:iam::111122223333:user/a,b").unwrap();
        assert_eq!(user.password_enabled, Some(true));
    }

    #[test]
    fn columns_are_found_by_name_not_position() {
        let text = "password_enabled,arn,mfa_active,access_key_2_last_used_region,access_key_2_last_used_service,access_key_2_last_used_date,access_key_2_last_rotated,access_key_1_last_used_region,access_key_1_last_used_service,access_key_1_last_used_date,access_key_1_last_rotated\r\n\
                    true,arn:aws:iam::111122223333:user/x,false,N/A,N/A,N/A,N/A,N/A,N/A,N/A,2024-02-01T10:00:00+00:00\r\n";
        let parsed = parse(text).unwrap();
        let user = parsed.user("arn:aws:iam::111122223333:user/x").unwrap();
        assert_eq!(user.password_enabled, Some(true));
        assert_eq!(user.keys.len(), 1);
    }

    #[test]
    fn bad_reports_are_refused_with_the_reason() {
        let missing = "user,arn,password_enabled\nx,arn:aws:iam::111122223333:user/x,true\n";
        assert_eq!(
            parse(missing).unwrap_err(),
            "the credential report has no `mfa_active` column"
        );
        let short = report(&["x,arn:aws:iam::111122223333:user/x,true"]);
        assert!(
            parse(&short)
                .unwrap_err()
                .starts_with("line 2 of the credential report has 3 fields, its header 22"),
            "{}",
            parse(&short).unwrap_err()
        );
        let bad_date = report(&[
            "x,arn:aws:iam::111122223333:user/x,2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,true,yesterday,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]);
        assert_eq!(
            parse(&bad_date).unwrap_err(),
            "line 2 of the credential report: `yesterday` is not a date"
        );
        assert!(parse("").unwrap_err().contains("no header line"));
        assert!(
            parse("\"arn,")
                .unwrap_err()
                .contains("ends inside a quoted field")
        );
    }
}
