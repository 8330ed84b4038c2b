//! SDK interceptors of the live source: a counter of API calls, and the
//! S3 Control host fix for custom endpoints.
//!
//! S3 Control puts the account id in front of the endpoint host
//! (`111122223333.s3-control.us-east-1.amazonaws.com`). Against a custom
//! endpoint such as a local emulator on `http://127.0.0.1:4566` that gives
//! `111122223333.127.0.0.1`, a name that would be sent to a DNS server and
//! never resolve. [`CustomEndpointHost`] puts the endpoint's own host back
//! before the request is signed and sent. It is installed only when a
//! custom endpoint is configured, never for AWS's own endpoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts operations and HTTP attempts (retries included) over every
/// client it is installed on.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallCounter {
    calls: Arc<AtomicU64>,
    attempts: Arc<AtomicU64>,
}

impl CallCounter {
    /// Operations started so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// HTTP requests sent so far, retries included.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "PutonlyCallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Rewrites `<account>.<endpoint host>` back to `<endpoint host>` for
/// S3 Control requests to a custom endpoint.
#[derive(Debug, Clone)]
pub(crate) struct CustomEndpointHost {
    /// `scheme://authority` of the custom endpoint, e.g. `http://127.0.0.1:4566`.
    endpoint_origin: String,
    /// The origin the SDK produces: `scheme://<account>.authority`.
    prefixed_origin: String,
}

impl CustomEndpointHost {
    /// `None` when `endpoint_url` has no `scheme://authority` part.
    pub fn new(endpoint_url: &str, account_id: &str) -> Option<Self> {
        let (scheme, rest) = endpoint_url.split_once("://")?;
        let authority = rest.split(['/', '?']).next().filter(|a| !a.is_empty())?;
        Some(CustomEndpointHost {
            endpoint_origin: format!("{scheme}://{authority}"),
            prefixed_origin: format!("{scheme}://{account_id}.{authority}"),
        })
    }

    /// The URI with the account-id host label removed, when it has one.
    fn rewritten(&self, uri: &str) -> Option<String> {
        let rest = uri.strip_prefix(&self.prefixed_origin)?;
        // Only a whole authority matches: the next character ends it.
        if !(rest.is_empty() || rest.starts_with(['/', '?'])) {
            return None;
        }
        Some(format!("{}{rest}", self.endpoint_origin))
    }
}

impl Intercept for CustomEndpointHost {
    fn name(&self) -> &'static str {
        "PutonlyCustomEndpointHost"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if let Some(uri) = self.rewritten(request.uri()) {
            tracing::debug!(%uri, "s3control request kept on the custom endpoint host");
            request.set_uri(uri)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> CustomEndpointHost {
        CustomEndpointHost::new("http://127.0.0.1:4566", "111122223333").unwrap()
    }

    #[test]
    fn the_account_label_is_removed_and_path_and_query_are_kept() {
        let uri = "http://111122223333.127.0.0.1:4566/v20180820/accesspoint?maxResults=10";
        assert_eq!(
            host().rewritten(uri).as_deref(),
            Some("http://127.0.0.1:4566/v20180820/accesspoint?maxResults=10")
        );
    }

    #[test]
    fn other_hosts_are_left_alone() {
        assert_eq!(host().rewritten("http://127.0.0.1:4566/v20180820/x"), None);
        assert_eq!(
            host().rewritten("http://111122223333.127.0.0.1:45661/v20180820/x"),
            None
        );
        assert_eq!(
            host().rewritten("https://111122223333.s3-control.us-east-1.amazonaws.com/"),
            None
        );
    }

    #[test]
    fn an_endpoint_with_a_path_keeps_only_its_origin() {
        let host = CustomEndpointHost::new("http://127.0.0.1:9000/base/", "123456789012").unwrap();
        assert_eq!(
            host.rewritten("http://123456789012.127.0.0.1:9000/base/v20180820/x")
                .as_deref(),
            Some("http://127.0.0.1:9000/base/v20180820/x")
        );
        assert!(CustomEndpointHost::new("127.0.0.1:9000", "123456789012").is_none());
    }
}
