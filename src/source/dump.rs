//! A directory written by `scripts/dump-account.sh`: the raw JSON output of
//! read-only AWS CLI commands, read into an inventory without any network.
//!
//! The layout is in `docs/dump-format.md`. Each command leaves one of three
//! files where its output belongs: `X.json` (the CLI's output), `X.absent`
//! (a "not configured" answer such as `NoSuchBucketPolicy`, a fact) or
//! `X.error` (a failure, also listed in the manifest). A failure becomes
//! [`Fact::Unknown`] with the CLI's message, and a failure the reader cannot
//! tie to a field becomes a [`Gap`]; nothing is dropped. Only the manifest
//! and the authorization details are required: without them there is no
//! scan. Malformed JSON anywhere is an error naming the file and position.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::inventory::{
    AccessKey, AccessPoint, AclGrant, Bucket, Fact, Gap, Inventory, OidcProvider, User,
};

use super::SourceError;
use super::{iam_json, normalize};

mod cli_output;

use cli_output::{
    RawAccessKey, RawAccessKeys, RawAccessPoint, RawAccessPointEntry, RawAccessPointList, RawAcl,
    RawBucketList, RawEncryptionResponse, RawKeyLastUsed, RawLastUsed, RawLocation, RawMfaDevices,
    RawOidcList, RawOidcProvider, RawOwnershipResponse, RawPabResponse, RawPolicyText, RawRoles,
    RawVersioning,
};

/// The source kind recorded in the inventory.
pub const SOURCE_KIND: &str = "dump";
/// The `format` value of a dump manifest.
pub const FORMAT: &str = "putonly-aws-cli-dump";
/// The manifest format version this reader understands.
pub const FORMAT_VERSION: u64 = 1;
/// The manifest's `iam_documents` when IAM documents are kept as IAM
/// returned them.
pub const IAM_DOCUMENTS_AS_RETURNED: &str = "as-returned";
/// What a gap names when `iam list-roles` failed.
const ROLE_SESSION_DURATIONS: &str = "role maximum session durations";

/// Reads a dump directory.
pub fn load(dir: &Path) -> Result<Inventory, SourceError> {
    read(dir, Files::Dir)
}

/// Reads a dump held in memory, as [`load`] reads one from disk: `files`
/// maps each file's path relative to the dump directory (`/`-separated,
/// e.g. `iam/authorization-details.json`) to its contents. `dir` names the
/// dump in errors only. For tests and fuzzing, which should not need a
/// directory per input.
pub fn parse_files(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Inventory, SourceError> {
    read(dir, Files::Memory(files))
}

fn read(dir: &Path, files: Files<'_>) -> Result<Inventory, SourceError> {
    let mut dump = Dump {
        dir: dir.to_owned(),
        files,
        consumed: BTreeSet::new(),
    };
    let manifest_bytes = dump.required_bytes("manifest.json")?;
    let manifest = Manifest::parse(&manifest_bytes, &dump.path("manifest.json"))?;
    let details_bytes = dump.required_bytes("iam/authorization-details.json")?;
    if manifest.iam_documents.as_deref() != Some(IAM_DOCUMENTS_AS_RETURNED) {
        tracing::warn!(
            dump = %dir.display(),
            "the AWS CLI re-serialised this dump's IAM documents: duplicate keys are lost and \
             statement lines differ from a live scan (dump again with the current \
             scripts/dump-account.sh)"
        );
    }
    let details = iam_json::parse_authorization_details(
        &details_bytes,
        &dump.path("iam/authorization-details.json"),
    )?;

    let Some(account_id) = manifest.account_id.clone().or(details.account_id) else {
        return Err(SourceError::Content {
            path: dump.path("manifest.json"),
            message: "the account id is unknown (no `account_id` and no ARN in the \
                      authorization details)"
                .to_owned(),
        });
    };
    let mut inventory = Inventory::new(&account_id, SOURCE_KIND, &manifest.collected_at);
    if let Some(partition) = details.partition {
        inventory.partition = partition;
    }
    inventory.users = details.users;
    inventory.groups = details.groups;
    inventory.roles = details.roles;
    inventory.policies = details.policies;
    inventory.gaps.extend(details.gaps);

    for user in &mut inventory.users {
        dump.user_credentials(user)?;
    }
    match dump.role_session_durations()? {
        Ok(durations) => {
            for role in &mut inventory.roles {
                role.max_session_duration = durations.get(&role.name).copied();
            }
        }
        Err(gap) => inventory.gaps.push(gap),
    }
    inventory.oidc_providers = dump.oidc_providers()?;
    inventory.buckets = dump.buckets()?;
    dump.s3control(&manifest, &mut inventory)?;

    if !manifest.failures.is_empty() {
        tracing::warn!(
            dump = %dir.display(),
            failed = manifest.failures.len(),
            "the dump lists failed commands; what they would have read is unknown"
        );
    }
    // Failures the reader did not tie to a field.
    for failure in &manifest.failures {
        if !dump.consumed.contains(&failure.file) {
            inventory.gaps.push(Gap {
                resource: failure.file.clone(),
                what: failure.command.clone(),
                reason: error_reason(&failure.error),
            });
        }
    }
    inventory.normalize();
    tracing::info!(
        dump = %dir.display(),
        users = inventory.users.len(),
        roles = inventory.roles.len(),
        buckets = inventory.buckets.value().map_or(0, Vec::len),
        "read AWS CLI dump"
    );
    Ok(inventory)
}

/// The first fields of a manifest, read before the rest so that another
/// format version gets a clear message.
#[derive(Deserialize)]
struct ManifestFormat {
    format: Option<String>,
    format_version: Option<u64>,
}

#[derive(Deserialize)]
struct Manifest {
    account_id: Option<String>,
    collected_at: String,
    /// [`IAM_DOCUMENTS_AS_RETURNED`] when the IAM documents are the strings
    /// IAM sent; otherwise (or absent, in dumps made before the script
    /// loaded its CLI plugin) the CLI re-serialised them.
    iam_documents: Option<String>,
    s3control: S3ControlStatus,
    #[serde(default)]
    failures: Vec<Failure>,
}

#[derive(Deserialize)]
struct S3ControlStatus {
    collected: bool,
    reason: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
}

#[derive(Deserialize)]
struct Failure {
    file: String,
    command: String,
    error: String,
}

impl Manifest {
    fn parse(bytes: &[u8], path: &Path) -> Result<Manifest, SourceError> {
        let json = |err| SourceError::json(path, &err);
        let content = |message: String| SourceError::Content {
            path: path.to_owned(),
            message,
        };
        let format: ManifestFormat = serde_json::from_slice(bytes).map_err(json)?;
        if format.format.as_deref() != Some(FORMAT) {
            return Err(content(format!(
                "not a putonly dump manifest (`format` is not `{FORMAT}`)"
            )));
        }
        match format.format_version {
            Some(FORMAT_VERSION) => serde_json::from_slice(bytes).map_err(json),
            Some(found) => Err(content(format!(
                "dump format version {found} is not supported (this putonly reads version \
                 {FORMAT_VERSION})"
            ))),
            None => Err(content("no `format_version`".to_owned())),
        }
    }
}

/// What the dump says about one command.
enum Outcome<T> {
    /// `X.json`, parsed.
    Found(T),
    /// `X.absent`: the service answered "not configured".
    Absent,
    /// `X.error`, or no file at all: why the fact is unknown.
    Unknown(String),
}

impl<T> Outcome<T> {
    fn into_fact<U>(self, found: impl FnOnce(T) -> Fact<U>) -> Fact<U> {
        match self {
            Outcome::Found(value) => found(value),
            Outcome::Absent => Fact::Absent,
            Outcome::Unknown(reason) => Fact::Unknown(reason),
        }
    }
}

/// Where a dump's files are.
#[derive(Clone, Copy)]
enum Files<'a> {
    /// In the dump directory.
    Dir,
    /// In memory, by relative path.
    Memory(&'a BTreeMap<String, Vec<u8>>),
}

struct Dump<'a> {
    dir: PathBuf,
    files: Files<'a>,
    /// Relative `.json` paths whose `.error` was turned into a fact.
    consumed: BTreeSet<String>,
}

impl<'a> Dump<'a> {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// `X.absent` or `X.error` beside `X.json`, relative to the dump.
    fn marker(rel: &str, extension: &str) -> String {
        let stem = rel.strip_suffix(".json").unwrap_or(rel);
        format!("{stem}.{extension}")
    }

    fn exists(&self, rel: &str) -> bool {
        match self.files {
            Files::Dir => self.path(rel).exists(),
            Files::Memory(files) => files.contains_key(rel),
        }
    }

    fn read(&self, rel: &str) -> Result<Cow<'a, [u8]>, SourceError> {
        let read_err = |source| SourceError::Read {
            path: self.path(rel),
            source,
        };
        match self.files {
            Files::Dir => std::fs::read(self.path(rel))
                .map(Cow::Owned)
                .map_err(read_err),
            Files::Memory(files) => files
                .get(rel)
                .map(|bytes| Cow::Borrowed(bytes.as_slice()))
                .ok_or_else(|| read_err(std::io::ErrorKind::NotFound.into())),
        }
    }

    /// A file the scan cannot do without.
    fn required_bytes(&mut self, rel: &str) -> Result<Cow<'a, [u8]>, SourceError> {
        let error = Self::marker(rel, "error");
        if !self.exists(rel) && self.exists(&error) {
            let text = String::from_utf8_lossy(&self.read(&error)?).into_owned();
            self.consumed.insert(rel.to_owned());
            return Err(SourceError::Content {
                path: self.path(rel),
                message: format!("was not collected: {}", error_reason(&text)),
            });
        }
        self.read(rel)
    }

    /// The outcome of the command that writes `rel`.
    fn outcome<T: DeserializeOwned>(&mut self, rel: &str) -> Result<Outcome<T>, SourceError> {
        if self.exists(rel) {
            let bytes = self.read(rel)?;
            let value = serde_json::from_slice(&bytes)
                .map_err(|err| SourceError::json(self.path(rel), &err))?;
            return Ok(Outcome::Found(value));
        }
        if self.exists(&Self::marker(rel, "absent")) {
            return Ok(Outcome::Absent);
        }
        let error = Self::marker(rel, "error");
        if self.exists(&error) {
            let text = String::from_utf8_lossy(&self.read(&error)?).into_owned();
            self.consumed.insert(rel.to_owned());
            return Ok(Outcome::Unknown(error_reason(&text)));
        }
        Ok(Outcome::Unknown(format!(
            "`{rel}` is missing from the dump"
        )))
    }

    fn user_credentials(&mut self, user: &mut User) -> Result<(), SourceError> {
        if !is_safe_name(&user.name) {
            let reason = format!("user name `{}` cannot be a file name in a dump", user.name);
            user.access_keys = Fact::Unknown(reason.clone());
            user.console_password = Fact::Unknown(reason.clone());
            user.mfa_devices = Fact::Unknown(reason);
            return Ok(());
        }
        let dir = format!("iam/users/{}", user.name);

        user.access_keys =
            match self.outcome::<RawAccessKeys>(&format!("{dir}/access-keys.json"))? {
                Outcome::Found(raw) => {
                    let mut keys = Vec::with_capacity(raw.access_key_metadata.len());
                    for key in raw.access_key_metadata {
                        keys.push(self.access_key(&dir, key)?);
                    }
                    Fact::Present(keys)
                }
                Outcome::Absent => Fact::Present(Vec::new()),
                Outcome::Unknown(reason) => Fact::Unknown(reason),
            };
        // No login profile (NoSuchEntity) means no console password.
        user.console_password =
            match self.outcome::<serde_json::Value>(&format!("{dir}/login-profile.json"))? {
                Outcome::Found(_) => Fact::Present(true),
                Outcome::Absent => Fact::Present(false),
                Outcome::Unknown(reason) => Fact::Unknown(reason),
            };
        user.mfa_devices = self
            .outcome::<RawMfaDevices>(&format!("{dir}/mfa-devices.json"))?
            .into_fact(|raw| {
                Fact::Present(
                    raw.mfa_devices
                        .into_iter()
                        .map(|d| d.serial_number)
                        .collect(),
                )
            });
        Ok(())
    }

    fn access_key(&mut self, dir: &str, raw: RawAccessKey) -> Result<AccessKey, SourceError> {
        let last_used = if is_safe_name(&raw.access_key_id) {
            let rel = format!("{dir}/access-key-last-used/{}.json", raw.access_key_id);
            self.outcome::<RawKeyLastUsed>(&rel)?.into_fact(|found| {
                match found
                    .access_key_last_used
                    .and_then(RawLastUsed::into_last_used)
                {
                    Some(used) => Fact::Present(used),
                    None => Fact::Absent,
                }
            })
        } else {
            Fact::Unknown(format!(
                "access key id `{}` cannot be a file name in a dump",
                raw.access_key_id
            ))
        };
        Ok(AccessKey {
            id: raw.access_key_id,
            status: raw.status,
            create_date: iam_json::normalize_date(&raw.create_date),
            last_used,
        })
    }

    /// Maximum session durations by role name, from `iam list-roles`, or
    /// the gap that says why they are unknown (the live source records the
    /// same one).
    fn role_session_durations(
        &mut self,
    ) -> Result<Result<BTreeMap<String, i32>, Gap>, SourceError> {
        let reason = match self.outcome::<RawRoles>("iam/roles.json")? {
            Outcome::Found(raw) => {
                return Ok(Ok(raw
                    .roles
                    .into_iter()
                    .filter_map(|r| Some((r.role_name, r.max_session_duration?)))
                    .collect()));
            }
            Outcome::Absent => return Ok(Ok(BTreeMap::new())),
            Outcome::Unknown(reason) => reason,
        };
        Ok(Err(Gap {
            resource: "iam".to_owned(),
            what: ROLE_SESSION_DURATIONS.to_owned(),
            reason,
        }))
    }

    fn oidc_providers(&mut self) -> Result<Fact<Vec<OidcProvider>>, SourceError> {
        let list = match self.outcome::<RawOidcList>("iam/oidc-providers.json")? {
            Outcome::Found(list) => list,
            Outcome::Absent => return Ok(Fact::Present(Vec::new())),
            Outcome::Unknown(reason) => return Ok(Fact::Unknown(reason)),
        };
        let mut providers = Vec::new();
        for (n, entry) in list.open_id_connect_provider_list.into_iter().enumerate() {
            let rel = format!("iam/oidc-providers/{n}.json");
            match self.outcome::<RawOidcProvider>(&rel)? {
                Outcome::Found(raw) => providers.push(OidcProvider {
                    arn: entry.arn,
                    url: raw.url,
                    client_ids: raw.client_id_list,
                    thumbprints: raw.thumbprint_list,
                    create_date: iam_json::normalize_date(&raw.create_date),
                }),
                // One unreadable provider makes the list unknown: a partial
                // list would report the missing one as absent.
                Outcome::Absent => {
                    return Ok(Fact::Unknown(format!(
                        "OIDC provider `{}` was listed but not found",
                        entry.arn
                    )));
                }
                Outcome::Unknown(reason) => {
                    return Ok(Fact::Unknown(format!(
                        "OIDC provider `{}`: {reason}",
                        entry.arn
                    )));
                }
            }
        }
        Ok(Fact::Present(providers))
    }

    fn buckets(&mut self) -> Result<Fact<Vec<Bucket>>, SourceError> {
        let list = match self.outcome::<RawBucketList>("s3/buckets.json")? {
            Outcome::Found(list) => list,
            Outcome::Absent => return Ok(Fact::Present(Vec::new())),
            Outcome::Unknown(reason) => return Ok(Fact::Unknown(reason)),
        };
        let mut buckets = Vec::with_capacity(list.buckets.len());
        for entry in list.buckets {
            buckets.push(self.bucket(entry.name)?);
        }
        Ok(Fact::Present(buckets))
    }

    fn bucket(&mut self, name: String) -> Result<Bucket, SourceError> {
        if !is_safe_name(&name) {
            let reason = format!("bucket name `{name}` cannot be a file name in a dump");
            let unknown = || reason.clone();
            return Ok(Bucket {
                region: Fact::Unknown(unknown()),
                policy: Fact::Unknown(unknown()),
                public_access_block: Fact::Unknown(unknown()),
                ownership: Fact::Unknown(unknown()),
                encryption: Fact::Unknown(unknown()),
                versioning: Fact::Unknown(unknown()),
                acl: Fact::Unknown(unknown()),
                name,
            });
        }
        let dir = format!("s3/buckets/{name}");
        let file = |what: &str| format!("{dir}/{what}.json");
        Ok(Bucket {
            region: self
                .outcome::<RawLocation>(&file("location"))?
                .into_fact(|raw| {
                    Fact::Present(normalize::bucket_region(raw.location_constraint.as_deref()))
                }),
            policy: self
                .outcome::<RawPolicyText>(&file("policy"))?
                .into_fact(|raw| normalize::resource_policy(Some(&raw.policy))),
            public_access_block: self
                .outcome::<RawPabResponse>(&file("public-access-block"))?
                .into_fact(|raw| Fact::Present(raw.public_access_block_configuration.into())),
            ownership: self
                .outcome::<RawOwnershipResponse>(&file("ownership-controls"))?
                .into_fact(
                    |raw| match raw.ownership_controls.rules.into_iter().next() {
                        Some(rule) => Fact::Present(rule.object_ownership),
                        None => Fact::Absent,
                    },
                ),
            encryption: self
                .outcome::<RawEncryptionResponse>(&file("encryption"))?
                .into_fact(|raw| {
                    let rules = raw.server_side_encryption_configuration.rules;
                    normalize::default_encryption(
                        rules
                            .into_iter()
                            .filter_map(|r| {
                                Some(r.apply_server_side_encryption_by_default?.sse_algorithm)
                            })
                            .collect(),
                    )
                }),
            versioning: self
                .outcome::<RawVersioning>(&file("versioning"))?
                .into_fact(|raw| match raw.status {
                    Some(status) => Fact::Present(status),
                    None => Fact::Absent,
                }),
            acl: self.outcome::<RawAcl>(&file("acl"))?.into_fact(|raw| {
                Fact::Present(raw.grants.into_iter().map(AclGrant::from).collect())
            }),
            name,
        })
    }

    fn s3control(
        &mut self,
        manifest: &Manifest,
        inventory: &mut Inventory,
    ) -> Result<(), SourceError> {
        if !manifest.s3control.collected {
            tracing::warn!("the dump has no S3 Control data: access points are not checked");
            let reason = format!(
                "S3 Control was not collected: {}",
                manifest
                    .s3control
                    .reason
                    .as_deref()
                    .unwrap_or("no reason given")
            );
            inventory.account_public_access_block = Fact::Unknown(reason.clone());
            inventory.access_points = Fact::Unknown(reason.clone());
            inventory.gaps.push(Gap {
                resource: "s3control".to_owned(),
                what: "account Block Public Access and access points".to_owned(),
                reason,
            });
            return Ok(());
        }
        inventory.account_public_access_block = self
            .outcome::<RawPabResponse>("s3control/public-access-block.json")?
            .into_fact(|raw| Fact::Present(raw.public_access_block_configuration.into()));

        // Every region's list first: one that could not be read makes the
        // access points unknown, since a list without that region's would
        // report them as missing (as in the live source).
        let mut lists = Vec::new();
        let mut failure = None;
        for region in &manifest.s3control.regions {
            if !is_safe_name(region) {
                failure.get_or_insert(format!("region `{region}` cannot be a file name in a dump"));
                continue;
            }
            let dir = format!("s3control/regions/{region}");
            match self.outcome::<RawAccessPointList>(&format!("{dir}/access-points.json"))? {
                Outcome::Found(list) => lists.push((region, dir, list)),
                Outcome::Absent => {}
                Outcome::Unknown(reason) => {
                    failure.get_or_insert(format!("access points in `{region}`: {reason}"));
                }
            }
        }
        if let Some(reason) = failure {
            inventory.access_points = Fact::Unknown(reason);
            return Ok(());
        }

        let mut points = BTreeMap::new();
        for (region, dir, list) in lists {
            for entry in list.access_point_list {
                let point = self.access_point(
                    &dir,
                    region,
                    &inventory.partition,
                    &inventory.account_id,
                    entry,
                )?;
                points.insert(point.arn.clone(), point);
            }
        }
        inventory.access_points = Fact::Present(points.into_values().collect());
        Ok(())
    }

    fn access_point(
        &mut self,
        dir: &str,
        region: &str,
        partition: &str,
        account: &str,
        entry: RawAccessPointEntry,
    ) -> Result<AccessPoint, SourceError> {
        let arn = entry.access_point_arn.clone().unwrap_or_else(|| {
            format!(
                "arn:{partition}:s3:{region}:{account}:accesspoint/{}",
                entry.name
            )
        });
        if !is_safe_name(&entry.name) {
            let reason = format!(
                "access point name `{}` cannot be a file name in a dump",
                entry.name
            );
            return Ok(AccessPoint {
                name: entry.name,
                arn,
                bucket: entry.bucket,
                network_origin: entry.network_origin.unwrap_or_default(),
                policy: Fact::Unknown(reason.clone()),
                public_access_block: Fact::Unknown(reason),
            });
        }
        let base = format!("{dir}/access-points/{}", entry.name);
        let details = self.outcome::<RawAccessPoint>(&format!("{base}/access-point.json"))?;
        let policy = self
            .outcome::<RawPolicyText>(&format!("{base}/policy.json"))?
            .into_fact(|raw| normalize::resource_policy(Some(&raw.policy)));
        let (network_origin, public_access_block) = match details {
            Outcome::Found(raw) => (
                raw.network_origin.or(entry.network_origin),
                match raw.public_access_block_configuration {
                    Some(pab) => Fact::Present(pab.into()),
                    None => Fact::Absent,
                },
            ),
            Outcome::Absent => (entry.network_origin, Fact::Absent),
            Outcome::Unknown(reason) => (entry.network_origin, Fact::Unknown(reason)),
        };
        Ok(AccessPoint {
            name: entry.name,
            arn,
            bucket: entry.bucket,
            network_origin: network_origin.unwrap_or_default(),
            policy,
            public_access_block,
        })
    }
}

/// The reason in an AWS CLI error message, as `Code: message` when the
/// message has the CLI's usual form, else its lines joined.
fn error_reason(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let parsed = text
        .split_once("An error occurred (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, rest)| match rest.split_once(" operation: ") {
            Some((_, message)) => format!("{code}: {message}"),
            None => code.to_owned(),
        });
    match parsed {
        Some(reason) => reason,
        None if text.is_empty() => "failed without a message".to_owned(),
        None => text,
    }
}

/// Names the script writes as one path segment; anything else was not
/// collected (and must not be followed out of the dump directory).
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_errors_become_code_and_message() {
        let text = "\nAn error occurred (AccessDenied) when calling the GetBucketPolicy operation: Access Denied\n";
        assert_eq!(error_reason(text), "AccessDenied: Access Denied");
        assert_eq!(
            error_reason("\nCould not connect to the endpoint URL: \"http://127.0.0.1:9/\"\n"),
            "Could not connect to the endpoint URL: \"http://127.0.0.1:9/\""
        );
        assert_eq!(error_reason(" \n"), "failed without a message");
    }

    #[test]
    fn the_manifest_says_whether_iam_documents_are_as_returned() {
        let text = |extra: &str| {
            format!(
                r#"{{"format": "{FORMAT}", "format_version": 1, "collected_at": "x",
                   "s3control": {{"collected": true}}{extra}}}"#
            )
        };
        let path = Path::new("manifest.json");
        let old = Manifest::parse(text("").as_bytes(), path).unwrap();
        assert_eq!(old.iam_documents, None);
        let new =
            Manifest::parse(text(r#", "iam_documents": "as-returned""#).as_bytes(), path).unwrap();
        assert_eq!(
            new.iam_documents.as_deref(),
            Some(IAM_DOCUMENTS_AS_RETURNED)
        );
    }

    #[test]
    fn names_that_could_leave_the_dump_are_refused() {
        assert!(is_safe_name("videsk-connector"));
        assert!(is_safe_name("a+b=c,d.e@f_g"));
        for bad in ["", ".", "..", "a/b", "a\\b", "é"] {
            assert!(!is_safe_name(bad), "{bad}");
        }
    }
}
