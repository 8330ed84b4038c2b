//! Corrected documents, where a fix is mechanical.

use serde_json::{Value, json};

use crate::policy::Policy;

/// A bucket policy that confines the connectors' writes to `prefix`:
/// existing statements are kept (except `drop`, by label), and two Deny
/// statements keyed on `aws:PrincipalArn` are added: no `s3:PutObject`
/// outside `bucket/prefix*`, and no other action on the bucket at all.
/// `aws:PrincipalArn` holds the role ARN for role sessions and survives the
/// re-creation of a user, which a `Principal` ARN does not.
pub fn confined_bucket_policy(
    bucket: &str,
    prefix: &str,
    allowed_actions: &[String],
    principals: &[String],
    existing: Option<(&Policy, &str)>,
    drop: &[String],
) -> String {
    let mut statements: Vec<Value> = Vec::new();
    if let Some((policy, text)) = existing {
        for statement in &policy.statements {
            if drop.contains(&statement.label()) {
                continue;
            }
            let span = statement.span;
            let source = text.get(span.start.offset..span.end.offset);
            if let Some(value) = source.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
                statements.push(value);
            }
        }
    }
    let condition = json!({ "ArnEquals": { "aws:PrincipalArn": principals } });
    statements.push(json!({
        "Sid": "DenyConnectorWritesOutsidePrefix",
        "Effect": "Deny",
        "Principal": "*",
        "Action": allowed_actions,
        "NotResource": format!("arn:aws:s3:::{bucket}/{prefix}*"),
        "Condition": condition,
    }));
    statements.push(json!({
        "Sid": "DenyConnectorEverythingElse",
        "Effect": "Deny",
        "Principal": "*",
        "NotAction": allowed_actions,
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": condition,
    }));
    pretty(&json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// The least-privilege identity policy of a connector.
pub fn least_privilege_identity(bucket: &str, prefix: &str, allowed_actions: &[String]) -> String {
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ConnectorWritesUnderPrefix",
            "Effect": "Allow",
            "Action": allowed_actions,
            "Resource": format!("arn:aws:s3:::{bucket}/{prefix}*"),
        }],
    }))
}

/// A trust policy that admits only the vendor's tokens: subject and
/// audience pinned with `StringEquals`.
pub fn pinned_trust(provider: &str, issuer: &str, subject: Option<&str>, audience: &str) -> String {
    let subject = subject.unwrap_or("<the vendor service account's numeric unique id>");
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VendorTokensOnly",
            "Effect": "Allow",
            "Principal": { "Federated": provider },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                format!("{issuer}:sub"): subject,
                format!("{issuer}:aud"): subject,
                format!("{issuer}:oaud"): audience,
            }},
        }],
    }))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{
        Context, LabelledPolicy, PolicyKind, PolicySet, Request, RequestPrincipal, Verdict,
        authorize, parse,
    };

    const USER: &str = "arn:aws:iam::111122223333:user/videsk-connector";
    const ROLE: &str = "arn:aws:iam::111122223333:role/videsk-connector-oidc";
    const GUIDE: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "AllowPrefixedWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/uploads/*"},
  {"Sid": "DenyNonPrefixedWrites", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:user/videsk-connector"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::rec-bucket/*", "Condition": {"StringNotLikeIfExists": {"s3:prefix": ["uploads/*"]}}}
]}"#;

    fn verdict(
        bucket: &Policy,
        principal: RequestPrincipal,
        arn: &str,
        action: &str,
        key: &str,
    ) -> Verdict {
        let identity = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::rec-bucket/*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let set = PolicySet {
            identity: vec![LabelledPolicy::new("identity", &identity)],
            resource: Some(LabelledPolicy::new("bucket", bucket)),
            ..PolicySet::default()
        };
        let context = Context::new()
            .with("aws:PrincipalArn", arn)
            .with("aws:SecureTransport", "true");
        let request = Request::new(
            principal,
            action,
            &format!("arn:aws:s3:::rec-bucket/{key}"),
            context,
        )
        .with_resource_account("111122223333");
        authorize(&set, &request).verdict
    }

    #[test]
    fn corrected_guide_policy_allows_uploads_and_denies_the_rest() {
        let guide = parse(GUIDE, PolicyKind::Resource).unwrap();
        let fixed = confined_bucket_policy(
            "rec-bucket",
            "uploads/",
            &["s3:PutObject".to_owned()],
            &[USER.to_owned(), ROLE.to_owned()],
            Some((&guide, GUIDE)),
            &["DenyNonPrefixedWrites".to_owned()],
        );
        let fixed = parse(&fixed, PolicyKind::Resource).unwrap();
        assert_eq!(fixed.statements[0].label(), "AllowPrefixedWrites");
        let user = || RequestPrincipal::iam_user(USER);
        let session = || {
            RequestPrincipal::role_session(
                "arn:aws:sts::111122223333:assumed-role/videsk-connector-oidc/s",
                ROLE,
            )
        };
        for (principal, arn) in [(user as fn() -> RequestPrincipal, USER), (session, ROLE)] {
            assert_eq!(
                verdict(&fixed, principal(), arn, "s3:PutObject", "uploads/a.mp4"),
                Verdict::Allow
            );
            assert_eq!(
                verdict(&fixed, principal(), arn, "s3:PutObject", "uploads/x:y.mp4"),
                Verdict::Allow
            );
            for key in ["other/a.mp4", "Uploads/a.mp4", "uploads", "uploads-evil/a"] {
                assert_eq!(
                    verdict(&fixed, principal(), arn, "s3:PutObject", key),
                    Verdict::ExplicitDeny,
                    "{key}"
                );
            }
            assert_eq!(
                verdict(&fixed, principal(), arn, "s3:GetObject", "uploads/a.mp4"),
                Verdict::ExplicitDeny
            );
        }
        // Someone else keeps their access.
        let etl = "arn:aws:iam::111122223333:user/etl";
        assert_eq!(
            verdict(
                &fixed,
                RequestPrincipal::iam_user(etl),
                etl,
                "s3:PutObject",
                "other/a"
            ),
            Verdict::Allow
        );
    }

    #[test]
    fn pinned_trust_parses_as_a_trust_policy() {
        let text = pinned_trust(
            "accounts.google.com",
            "accounts.google.com",
            Some("104857600000000000001"),
            "aud",
        );
        let policy = parse(&text, PolicyKind::Trust).unwrap();
        assert_eq!(policy.statements[0].conditions.len(), 3);
        let identity =
            least_privilege_identity("rec-bucket", "uploads/", &["s3:PutObject".to_owned()]);
        assert!(identity.contains("arn:aws:s3:::rec-bucket/uploads/*"));
        parse(&identity, PolicyKind::Identity).unwrap();
    }
}
