//! Access deltas: the access model's answers in the baseline and now,
//! compared answer by answer, never by the text of the policies.
//!
//! A gained answer comes with the witness request allowed now, the
//! statement that allows it, and the engine's decision on the same request
//! against the baseline's policies. A lost one comes with the baseline's
//! witness and the statement that refuses it now.

use std::collections::BTreeMap;

use super::{Item, Side};
use crate::access::ConnectorAccess;
use crate::access::connector::{Concern, Extra};
use crate::access::documents::DocumentKey;
use crate::access::evidence::Witness;
use crate::access::probe::Probe;
use crate::access::subject::Subject;
use crate::access::trust::TrustAnswers;
use crate::access::writers::Writer;
use crate::config::{Config, Connector};
use crate::finding::Evidence;
use crate::rules::Hit;

/// Most witnesses listed in one finding.
const MAX_WITNESSES: usize = 12;

/// Every access delta for every connector of the config.
pub fn deltas(config: &Config, before: Side<'_>, after: Side<'_>) -> Vec<Item> {
    let mut out = Vec::new();
    let empty = ConnectorAccess::default();
    for (index, connector) in config.connectors.iter().enumerate() {
        let was = before.model.connectors.get(index).unwrap_or(&empty);
        let now = after.model.connectors.get(index).unwrap_or(&empty);
        let pair = Pair {
            connector,
            before,
            after,
            was,
            now,
        };
        out.extend(pair.intended());
        out.extend(pair.outside());
        out.extend(pair.extras());
        out.extend(pair.trust());
    }
    out.extend(writers(before, after));
    out
}

/// One connector's answers in the baseline and now.
struct Pair<'a> {
    connector: &'a Connector,
    before: Side<'a>,
    after: Side<'a>,
    was: &'a ConnectorAccess,
    now: &'a ConnectorAccess,
}

impl Pair<'_> {
    /// The principal's ARN, now or else in the baseline.
    fn arn(&self) -> String {
        self.now
            .answers
            .principal_arn
            .clone()
            .or_else(|| self.was.answers.principal_arn.clone())
            .unwrap_or_else(|| self.connector.principal.clone())
    }

    fn item(&self, rule: &'static str, resource: &str, message: String) -> Item {
        let mut item = Item::new(
            rule,
            Hit {
                connector: Some(self.connector.name.clone()),
                resource: resource.to_owned(),
                message,
                ..Hit::default()
            },
        );
        item.subjects.push(self.arn());
        item
    }

    /// PO801 and its reverse: writes under the prefix lost or restored.
    fn intended(&self) -> Vec<Item> {
        let mut out = Vec::new();
        let c = self.connector;
        let arn = self.arn();
        let (was, now) = (&self.was.answers, &self.now.answers);
        if was.principal_arn.is_some() && now.principal_arn.is_none() {
            let mut item = self.item(
                "PO801",
                &arn,
                format!(
                    "`{}` no longer exists: connector `{}` cannot write to `{}/{}`",
                    c.principal, c.name, c.bucket, c.prefix
                ),
            );
            item.hit.identity = vec!["principal".to_owned()];
            out.push(item);
            return out;
        }
        let allowed = |list: &[Result<Witness, Witness>], action: &str| {
            list.iter()
                .find(|r| witness_of(r).action == action)
                .map(Result::is_ok)
        };
        for granted in was.intended.iter().filter_map(|r| r.as_ref().ok()) {
            let refused = now
                .intended
                .iter()
                .find(|r| witness_of(r).action == granted.action)
                .and_then(|r| r.as_ref().err());
            let Some(refused) = refused else { continue };
            let mut item = self.item(
                "PO801",
                &arn,
                format!(
                    "`{}` can no longer {} under `{}/{}`: every such request is {} now",
                    c.principal, refused.action, c.bucket, c.prefix, refused.verdict
                ),
            );
            item.hit.evidence = refused.evidence("refused request");
            push_baseline(&mut item.hit.evidence, granted);
            item.hit.location = refused.location();
            item.hit.identity = vec![refused.action.clone()];
            add_documents(&mut item, &[refused, granted]);
            out.push(item);
        }
        for restored in now.intended.iter().filter_map(|r| r.as_ref().ok()) {
            if allowed(&was.intended, &restored.action) == Some(false) {
                let mut item = self.item(
                    "PO809",
                    &arn,
                    format!(
                        "`{}` can {} under `{}/{}` again",
                        c.principal, restored.action, c.bucket, c.prefix
                    ),
                );
                item.hit.evidence = restored.evidence("witness request");
                item.hit.identity = vec!["intended".to_owned(), restored.action.clone()];
                add_documents(&mut item, &[restored]);
                out.push(item);
            }
        }
        out
    }

    /// PO802 and its reverse: a write outside the prefix gained or lost.
    fn outside(&self) -> Vec<Item> {
        let c = self.connector;
        let arn = self.arn();
        match (&self.was.answers.outside, &self.now.answers.outside) {
            (None, Some(witness)) => {
                let key = object_key(c, &witness.resource);
                let mut item = self.item(
                    "PO802",
                    &arn,
                    format!(
                        "`{}` can now write outside `{}`: {} of key `{key}` is allowed",
                        c.principal, c.prefix, witness.action
                    ),
                );
                item.hit.evidence = witness.evidence("witness request");
                let baseline = self.decide_in_baseline(&witness.action, &witness.resource);
                push_baseline_decision(&mut item.hit.evidence, baseline.as_ref());
                item.hit.location = witness.location();
                let mut witnesses = vec![witness];
                witnesses.extend(baseline.as_ref());
                add_documents(&mut item, &witnesses);
                vec![item]
            }
            (Some(witness), None) => {
                let key = object_key(c, &witness.resource);
                let mut item = self.item(
                    "PO809",
                    &arn,
                    format!(
                        "`{}` can no longer write outside `{}` (key `{key}` was writable)",
                        c.principal, c.prefix
                    ),
                );
                self.lost(&mut item, witness);
                item.hit.identity = vec!["outside".to_owned()];
                vec![item]
            }
            _ => Vec::new(),
        }
    }

    /// PO803, PO804 and their reverse: actions beyond the allowed ones.
    fn extras(&self) -> Vec<Item> {
        let c = self.connector;
        let arn = self.arn();
        let was = by_action(&self.was.answers.extras);
        let now = by_action(&self.now.answers.extras);
        let gained: Vec<&Extra> = now
            .iter()
            .filter(|(action, _)| !was.contains_key(*action))
            .map(|(_, e)| *e)
            .collect();
        let is_escalation =
            |e: &&Extra| matches!(e.concern, Concern::Permissions | Concern::Credentials);
        let (escalations, plain): (Vec<&Extra>, Vec<&Extra>) =
            gained.into_iter().partition(is_escalation);

        let mut out = Vec::new();
        if let Some(item) = self.gained("PO803", &plain, "gained") {
            out.push(item);
        }
        if let Some(item) = self.gained(
            "PO804",
            &escalations,
            "can now change permissions or mint credentials:",
        ) {
            out.push(item);
        }
        match (
            &self.was.answers.every_service,
            &self.now.answers.every_service,
        ) {
            (None, Some(witness)) => {
                let mut item = self.item(
                    "PO804",
                    &arn,
                    format!(
                        "`{}` is now close to administrator: its grants reach services beyond S3 ({} on `*` is allowed)",
                        c.principal, witness.action
                    ),
                );
                item.hit.evidence = witness.evidence("witness request");
                item.hit.location = witness.location();
                item.hit.identity = vec!["every-service".to_owned()];
                add_documents(&mut item, &[witness]);
                out.push(item);
            }
            (Some(witness), None) => {
                let mut item = self.item(
                    "PO809",
                    &arn,
                    format!("`{}` no longer reaches services beyond S3", c.principal),
                );
                self.lost(&mut item, witness);
                item.hit.identity = vec!["every-service".to_owned()];
                out.push(item);
            }
            _ => {}
        }

        let lost: Vec<&Extra> = was
            .iter()
            .filter(|(action, _)| !now.contains_key(*action))
            .map(|(_, e)| *e)
            .collect();
        if let Some(first) = lost.first() {
            let names: Vec<&str> = lost.iter().map(|e| e.witness.action.as_str()).collect();
            let mut item = self.item(
                "PO809",
                &arn,
                format!("`{}` can no longer {}", c.principal, listed(&names)),
            );
            self.lost(&mut item, &first.witness);
            item.hit.identity = vec!["extras".to_owned()];
            let witnesses: Vec<&Witness> = lost.iter().map(|e| &e.witness).collect();
            add_documents(&mut item, &witnesses);
            out.push(item);
        }
        out
    }

    /// A finding for gained actions, each with its witness, the granting
    /// statement and the baseline's decision on the same request.
    fn gained(&self, rule: &'static str, extras: &[&Extra], verb: &str) -> Option<Item> {
        let first = extras.first()?;
        let names: Vec<&str> = extras.iter().map(|e| e.witness.action.as_str()).collect();
        let mut item = self.item(
            rule,
            &self.arn(),
            format!("`{}` {verb} {}", self.connector.principal, listed(&names)),
        );
        item.hit.location = first.witness.location();
        if names.len() > MAX_WITNESSES {
            item.hit
                .evidence
                .push(Evidence::new("all actions", names.join(", ")));
        }
        let mut witnesses = Vec::new();
        let mut baselines = Vec::new();
        for extra in extras.iter().take(MAX_WITNESSES) {
            let witness = &extra.witness;
            let rows = &mut item.hit.evidence;
            rows.push(Evidence::new("witness request", witness.request()));
            if let Some(statement) = witness.statements.first() {
                rows.push(Evidence::new("granted by", statement.describe()));
            }
            let baseline = self.decide_in_baseline(&witness.action, &witness.resource);
            rows.push(Evidence::new(
                "in the baseline",
                decision_text(baseline.as_ref()),
            ));
            witnesses.push(witness);
            baselines.extend(baseline);
        }
        witnesses.extend(baselines.iter());
        add_documents(&mut item, &witnesses);
        Some(item)
    }

    /// The engine's decision on a request of the connector against the
    /// baseline's policies; `None` when the principal did not exist.
    fn decide_in_baseline(&self, action: &str, resource: &str) -> Option<Witness> {
        self.decide(self.before, action, resource)
    }

    /// The engine's decision on a request of the connector against one
    /// side's policies; `None` when the principal does not exist there.
    fn decide(&self, side: Side<'_>, action: &str, resource: &str) -> Option<Witness> {
        let docs = &side.model.documents;
        let c = self.connector;
        let subject = if c.is_static() {
            Subject::user(side.inventory, docs, &c.principal)
        } else {
            Subject::role(side.inventory, docs, &c.principal)
        }?;
        let bucket = docs.get(&DocumentKey::Bucket(c.bucket.clone()));
        let probe = Probe::new(
            subject.policy_set(bucket),
            subject.request_principal(),
            subject.base_context(&side.inventory.source.collected_at),
            &side.inventory.account_id,
        );
        Some(Witness::new(
            action,
            resource,
            &probe.decide(action, resource),
        ))
    }

    /// Evidence and documents for access the baseline had: its witness,
    /// and the decision on the same request now.
    fn lost(&self, item: &mut Item, witness: &Witness) {
        push_baseline(&mut item.hit.evidence, witness);
        let now = self.decide(self.after, &witness.action, &witness.resource);
        item.hit
            .evidence
            .push(Evidence::new("now", decision_text(now.as_ref())));
        let mut witnesses = vec![witness];
        witnesses.extend(now.as_ref());
        add_documents(item, &witnesses);
    }

    /// PO805, PO806, PO801 (vendor refused) and their reverse.
    fn trust(&self) -> Vec<Item> {
        let empty = TrustAnswers::default();
        let (was, now) = match (&self.was.trust, &self.now.trust) {
            // A trust that does not parse answers nothing: PO810 says so.
            (Some(w), Some(n)) if w.invalid || n.invalid => return Vec::new(),
            (Some(w), Some(n)) => (w, n),
            (None, Some(n)) if !n.invalid => (&empty, n),
            _ => return Vec::new(),
        };
        let p = &self.connector.principal;
        // (key, baseline answer, answer now, kind when gained, when gained,
        // when lost)
        let answers = [
            (
                "stranger",
                &was.stranger,
                &now.stranger,
                "PO805",
                format!(
                    "the role `{p}` can now be assumed by any Google service account: a stranger's token with the vendor's audience is accepted"
                ),
                format!("a stranger's token is no longer accepted by the role `{p}`"),
            ),
            (
                "any-audience",
                &was.any_audience,
                &now.any_audience,
                "PO806",
                format!("the trust policy of `{p}` now accepts tokens minted for any audience"),
                format!(
                    "the trust policy of `{p}` no longer accepts tokens minted for any audience"
                ),
            ),
            (
                "vendor-refused",
                &was.vendor_refused,
                &now.vendor_refused,
                "PO801",
                format!(
                    "the trust policy of `{p}` now refuses the vendor's own token: the connector cannot assume its role"
                ),
                format!("the trust policy of `{p}` accepts the vendor's own token again"),
            ),
        ];
        let mut out = Vec::new();
        for (key, before, after, rule, gained, lost) in answers {
            match (before, after) {
                (None, Some(w)) => out.push(self.trust_item(rule, gained, key, w, true)),
                (Some(w), None) => out.push(self.trust_item("PO809", lost, key, w, false)),
                _ => {}
            }
        }
        let admits = |list: &[(String, Witness)], label: &str| list.iter().any(|(l, _)| l == label);
        for (label, w) in now.others.iter().filter(|(l, _)| !admits(&was.others, l)) {
            let rule = if label.starts_with("anyone") {
                "PO805"
            } else {
                "PO806"
            };
            let message = format!("the trust policy of `{p}` now also admits {label}");
            out.push(self.trust_item(rule, message, label, w, true));
        }
        for (label, w) in was.others.iter().filter(|(l, _)| !admits(&now.others, l)) {
            let message = format!("the trust policy of `{p}` no longer admits {label}");
            out.push(self.trust_item("PO809", message, label, w, false));
        }
        out
    }

    /// A trust delta: the request accepted now (and refused in the
    /// baseline), or the baseline's accepted request.
    fn trust_item(
        &self,
        rule: &'static str,
        message: String,
        key: &str,
        witness: &Witness,
        gained: bool,
    ) -> Item {
        let role = witness.resource.clone();
        let mut item = self.item(rule, &role, message);
        if gained {
            item.hit.evidence = witness.evidence("witness request");
            item.hit.evidence.push(Evidence::new(
                "in the baseline",
                "refused: no statement of the trust policy allowed it",
            ));
            item.hit.location = witness.location();
        } else {
            push_baseline(&mut item.hit.evidence, witness);
        }
        item.hit.identity = vec![key.to_owned()];
        item.subjects.push(role);
        add_documents(&mut item, &[witness]);
        item
    }
}

fn witness_of(result: &Result<Witness, Witness>) -> &Witness {
    match result {
        Ok(w) | Err(w) => w,
    }
}

fn by_action(extras: &[Extra]) -> BTreeMap<&str, &Extra> {
    extras
        .iter()
        .map(|e| (e.witness.action.as_str(), e))
        .collect()
}

/// `a, b, c and 4 more`.
fn listed(names: &[&str]) -> String {
    let shown = names
        .iter()
        .take(MAX_WITNESSES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match names.len().saturating_sub(MAX_WITNESSES) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn object_key<'a>(connector: &Connector, resource: &'a str) -> &'a str {
    resource
        .strip_prefix(&format!("arn:aws:s3:::{}/", connector.bucket))
        .unwrap_or(resource)
}

/// Rows for what the baseline allowed: the request and its statements.
fn push_baseline(rows: &mut Vec<Evidence>, witness: &Witness) {
    rows.push(Evidence::new("baseline request", witness.request()));
    rows.push(Evidence::new("baseline decision", witness.verdict.clone()));
    for statement in &witness.statements {
        rows.push(Evidence::new("baseline decided by", statement.describe()));
    }
}

fn push_baseline_decision(rows: &mut Vec<Evidence>, witness: Option<&Witness>) {
    rows.push(Evidence::new("in the baseline", decision_text(witness)));
}

/// `explicitly denied by statement ... (line 12)`, `implicitly denied
/// (noallow)`, or `no such principal`.
fn decision_text(witness: Option<&Witness>) -> String {
    let Some(witness) = witness else {
        return "no such principal".to_owned();
    };
    let deciding: Vec<String> = witness.statements.iter().map(|s| s.describe()).collect();
    if deciding.is_empty() {
        witness.verdict.clone()
    } else {
        format!("{} by {}", witness.verdict, deciding.join(", "))
    }
}

fn add_documents(item: &mut Item, witnesses: &[&Witness]) {
    for witness in witnesses {
        for statement in &witness.statements {
            if !item.documents.contains(&statement.document) {
                item.documents.push(statement.document.clone());
            }
        }
    }
}

/// A writer's identity across the two models.
fn writer_key(writer: &Writer) -> String {
    match writer {
        Writer::Principal { arn, .. } => arn.clone(),
        Writer::Public { .. } => "public".to_owned(),
        Writer::Account { account, .. } => format!("account {account}"),
        Writer::Acl {
            grantee,
            permission,
        } => format!("ACL {grantee} {permission}"),
    }
}

fn writer_text(writer: &Writer) -> String {
    match writer {
        Writer::Principal { arn, .. } => format!("`{arn}`"),
        Writer::Public { .. } => "anyone, anonymous callers included,".to_owned(),
        Writer::Account { account, .. } => format!("account `{account}`"),
        Writer::Acl {
            grantee,
            permission,
        } => format!("ACL grantee `{grantee}` ({permission})"),
    }
}

fn writer_witness(writer: &Writer) -> Option<&Witness> {
    match writer {
        Writer::Principal { witness, .. }
        | Writer::Public { witness, .. }
        | Writer::Account { witness, .. } => Some(witness),
        Writer::Acl { .. } => None,
    }
}

/// Whether a writer really writes: a neutralised public grant does not.
fn writes(writer: &Writer) -> bool {
    !matches!(
        writer,
        Writer::Public {
            neutralised: true,
            ..
        }
    )
}

/// PO807, PO808 and their reverse: who else can write.
fn writers(before: Side<'_>, after: Side<'_>) -> Vec<Item> {
    let mut out = Vec::new();
    let root = format!(
        "arn:{}:iam::{}:root",
        after.inventory.partition, after.inventory.account_id
    );
    for (bucket, now) in &after.model.writers {
        let was: Vec<&Writer> = before
            .model
            .writers
            .iter()
            .filter(|(b, _)| b == bucket)
            .flat_map(|(_, w)| w)
            .filter(|w| writes(w))
            .collect();
        let now: Vec<&Writer> = now.iter().filter(|w| writes(w)).collect();
        let bucket_arn = format!("arn:aws:s3:::{bucket}");
        let item = |rule: &'static str, writer: &Writer, message: String| {
            let mut item = Item::new(
                rule,
                Hit {
                    resource: bucket_arn.clone(),
                    message,
                    identity: vec![writer_key(writer)],
                    ..Hit::default()
                },
            );
            item.subjects.push(bucket_arn.clone());
            match writer {
                Writer::Principal { arn, .. } => item.subjects.push(arn.clone()),
                Writer::Public { .. } => item.subjects.push(root.clone()),
                Writer::Account { .. } | Writer::Acl { .. } => {}
            }
            if let Some(witness) = writer_witness(writer) {
                add_documents(&mut item, &[witness]);
            }
            item
        };
        for writer in &now {
            let key = writer_key(writer);
            if was.iter().any(|w| writer_key(w) == key) {
                continue;
            }
            let (rule, message) = match writer {
                Writer::Public { .. } => (
                    "PO808",
                    format!("anyone, anonymous callers included, can now write into `{bucket}`"),
                ),
                _ => (
                    "PO807",
                    format!("{} can now write into `{bucket}`", writer_text(writer)),
                ),
            };
            let mut item = item(rule, writer, message);
            if let Some(witness) = writer_witness(writer) {
                item.hit.evidence = witness.evidence("witness request");
                item.hit.location = witness.location();
            }
            item.hit.evidence.push(Evidence::new(
                "in the baseline",
                "no such request was allowed",
            ));
            out.push(item);
        }
        for writer in &was {
            let key = writer_key(writer);
            if now.iter().any(|w| writer_key(w) == key) {
                continue;
            }
            let mut item = item(
                "PO809",
                writer,
                format!(
                    "{} can no longer write into `{bucket}`",
                    writer_text(writer)
                ),
            );
            if let Some(witness) = writer_witness(writer) {
                push_baseline(&mut item.hit.evidence, witness);
            }
            out.push(item);
        }
    }
    out
}
