//! One failed AWS call, reduced to what the inventory and the logs need:
//! the operation, the service error code, the message and the request id.
//!
//! Every SDK error of the live source goes through [`CallError`]: the code
//! decides whether a failure is a "not configured" fact
//! ([`CallError::is_any`]) or a gap, and [`CallError::reason`] is the text
//! stored in `Fact::Unknown` and `Gap::reason`.

use std::error::Error;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

use crate::inventory::Fact;

/// A failed call, by service error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallError {
    /// `service:Operation`, e.g. `s3:GetBucketPolicy`.
    pub operation: &'static str,
    /// The service error code (`AccessDenied`), absent when the request
    /// never got an answer (connection refused, timeout).
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl CallError {
    /// Reduces an SDK error. Errors without a service answer keep the whole
    /// error chain, on one line, as their message.
    pub fn from_sdk<E>(operation: &'static str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (code.is_some(), err.message()) {
            (true, Some(message)) => message.to_owned(),
            _ => error_chain(err),
        };
        CallError {
            operation,
            code,
            message,
            request_id: err.request_id().map(str::to_owned),
        }
    }

    /// Whether the service answered with one of `codes`.
    pub fn is_any(&self, codes: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| codes.contains(&code))
    }

    /// The text kept in the inventory: `Code: message (request id ...)`.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        match &self.request_id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

/// Turns a call's result into a fact: `present` on success, `Absent` when
/// the service answers with one of the `absent` codes ("not configured"),
/// `Unknown` with the reason otherwise.
pub(crate) fn fact<O, E, T>(
    resource: &str,
    operation: &'static str,
    result: Result<O, SdkError<E, HttpResponse>>,
    absent: &[&str],
    present: impl FnOnce(O) -> Fact<T>,
) -> Fact<T>
where
    E: ProvideErrorMetadata + Error + 'static,
{
    match result {
        Ok(output) => present(output),
        Err(err) => {
            let err = CallError::from_sdk(operation, &err);
            if err.is_any(absent) {
                return Fact::Absent;
            }
            tracing::warn!(resource, operation, reason = %err, "could not collect");
            Fact::Unknown(err.reason())
        }
    }
}

/// An error and its sources as `error: source: source`, on one line,
/// without the raw response the SDK keeps in its debug form.
fn error_chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    one_line(&text)
}

/// Joins the lines of an error chain so a message stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_code_message_and_request_id() {
        let err = CallError {
            operation: "s3:GetBucketPolicy",
            code: Some("AccessDenied".into()),
            message: "Access Denied".into(),
            request_id: Some("REQ1".into()),
        };
        assert_eq!(
            err.reason(),
            "AccessDenied: Access Denied (request id REQ1)"
        );
        assert!(err.is_any(&["NoSuchBucketPolicy", "AccessDenied"]));
        assert!(!err.is_any(&["NoSuchBucketPolicy"]));
    }

    #[test]
    fn a_failure_without_a_code_matches_no_code() {
        let err = CallError {
            operation: "sts:GetCallerIdentity",
            code: None,
            message: one_line("dispatch failure:\n  connection refused"),
            request_id: None,
        };
        assert_eq!(err.reason(), "dispatch failure: connection refused");
        assert!(!err.is_any(&["AccessDenied"]));
    }
}
