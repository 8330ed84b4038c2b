//! The local AWS emulator for integration tests: moto's server mode on a
//! free loopback port, seeded through the AWS API with the scenarios of
//! `shared/cases/scenarios.md`.
//!
//! ```ignore
//! mod support;
//! let emulator = support::Emulator::start();
//! let seeded = emulator.seed(&["S1"]);
//! let inventory = putonly::source::aws::collect(&emulator.live_options()).await?;
//! ```
//!
//! The Python environment comes from `PUTONLY_VENV` when set (used as is),
//! else `<repo>/.venv`, created with `python3 -m venv` and filled from
//! `tests/emulator/requirements.txt` when missing or out of date. Every
//! process the harness starts gets a cleared environment with dummy
//! credentials, a region, `AWS_EC2_METADATA_DISABLED=true` and no config
//! files, and talks only to `127.0.0.1`.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use putonly::inventory::{Fact, Inventory};
use putonly::source::aws::LiveOptions;
use serde::Deserialize;

/// The account every scenario lives in.
pub const ACCOUNT_ID: &str = "111122223333";

/// How long the emulator may take to answer after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running moto server, stopped (by its process id) when dropped.
pub struct Emulator {
    child: Child,
    port: u16,
    endpoint: String,
    python: PathBuf,
    /// Holds the server's log file.
    dir: tempfile::TempDir,
}

/// What a seeding run put into the emulator.
#[derive(Debug, Clone, Deserialize)]
pub struct Seeded {
    pub account_id: String,
    /// Exact text of each document put, keyed `user/NAME/inline/POLICY`,
    /// `group/NAME/inline/POLICY`, `role/NAME/trust`,
    /// `role/NAME/inline/POLICY`, `policy/NAME`, `bucket/NAME/policy`,
    /// `access-point/NAME/policy`.
    pub documents: BTreeMap<String, String>,
    /// Access key ids by user name, sorted.
    pub access_keys: BTreeMap<String, Vec<String>>,
}

impl Seeded {
    pub fn document(&self, key: &str) -> &str {
        self.documents
            .get(key)
            .unwrap_or_else(|| panic!("seeding put no document `{key}`"))
    }

    pub fn keys(&self, user: &str) -> &[String] {
        self.access_keys.get(user).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A request as the emulator received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The `Action` of a query-protocol request (IAM, STS).
    pub action: Option<String>,
    /// The service of the signature's credential scope (`iam`, `s3`).
    pub service: Option<String>,
    pub user_agent: String,
}

/// A request the emulator answers with an error instead of serving it.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    /// The exact request path, e.g. `/app-logs` or
    /// `/v20180820/configuration/publicAccessBlock`.
    pub path: &'static str,
    /// A query key the request must carry (`policy`), or `None`.
    pub query_key: Option<&'static str>,
    /// The HTTP status answered; [`DROP_CONNECTION`] answers nothing.
    pub status: u16,
    /// The AWS error code answered, e.g. `AccessDenied`.
    pub code: &'static str,
}

/// A fault status that drops the connection instead of answering.
pub const DROP_CONNECTION: u16 = 0;

/// A fault that fires for the first `times` matching requests only.
#[derive(Debug, Clone)]
pub struct Flaky {
    pub times: u32,
    pub fault: Fault,
}

impl Fault {
    /// The launcher's arguments: method, path, query key, status, code.
    fn args(&self) -> [String; 5] {
        let status = match self.status {
            DROP_CONNECTION => "reset".to_owned(),
            status => status.to_string(),
        };
        [
            self.method.to_owned(),
            self.path.to_owned(),
            self.query_key.unwrap_or("-").to_owned(),
            status,
            self.code.to_owned(),
        ]
    }
}

impl Emulator {
    /// Starts a fresh emulator (account 111122223333) on a free loopback
    /// port and waits until it answers.
    pub fn start() -> Self {
        Self::start_with_faults(&[])
    }

    /// Starts an emulator that answers the given requests with errors
    /// (request id `putonly-fault`).
    pub fn start_with_faults(faults: &[Fault]) -> Self {
        Self::start_with(faults, &[])
    }

    /// Starts an emulator that records every request it receives; see
    /// [`Emulator::requests`].
    pub fn start_recording() -> Self {
        Self::start_full(&[], &[], true, false)
    }

    /// Starts an emulator that can enforce IAM authorization, judging each
    /// request by the IAM action AWS checks for it (`launch.py
    /// --enforce-iam`). Enforcement is off until [`Emulator::enforce_iam`]:
    /// seed first.
    pub fn start_enforcing_iam() -> Self {
        Self::start_full(&[], &[], false, true)
    }

    /// Starts an emulator with faults that always fire and faults that
    /// clear after a number of requests.
    pub fn start_with(faults: &[Fault], flaky: &[Flaky]) -> Self {
        Self::start_full(faults, flaky, false, false)
    }

    /// Starts an emulator for scans of many accounts: an assumed role's
    /// credentials act in the role's account, and assuming a role that does
    /// not exist in its account is denied, as AWS denies it (moto alone
    /// allows it). Seed other accounts with [`Emulator::seed_account`].
    pub fn start_many_accounts() -> Self {
        Self::start_options(&[], &[], false, false, true)
    }

    fn start_full(faults: &[Fault], flaky: &[Flaky], record: bool, enforce_iam: bool) -> Self {
        Self::start_options(faults, flaky, record, enforce_iam, false)
    }

    fn start_options(
        faults: &[Fault],
        flaky: &[Flaky],
        record: bool,
        enforce_iam: bool,
        many_accounts: bool,
    ) -> Self {
        let python = venv_python();
        let mut last_failure = String::new();
        // A free port can be taken between the probe and moto's bind: retry.
        for _ in 0..3 {
            match Self::try_start(&python, faults, flaky, record, enforce_iam, many_accounts) {
                Ok(emulator) => return emulator,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the AWS emulator did not start: {last_failure}");
    }

    fn try_start(
        python: &Path,
        faults: &[Fault],
        flaky: &[Flaky],
        record: bool,
        enforce_iam: bool,
        many_accounts: bool,
    ) -> Result<Self, String> {
        let port = free_port();
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let log = File::create(dir.path().join("moto.log")).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(python);
        command
            .arg(emulator_dir().join("launch.py"))
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        for fault in faults {
            command.arg("--fault").args(fault.args());
        }
        for flaky in flaky {
            command
                .args(["--flaky", &flaky.times.to_string()])
                .args(flaky.fault.args());
        }
        if many_accounts {
            command.arg("--many-accounts");
        }
        if record {
            command
                .arg("--record")
                .arg(dir.path().join("requests.jsonl"));
        }
        if enforce_iam {
            command.arg("--enforce-iam");
        }
        loopback_env(&mut command);
        let child = command
            .spawn()
            .map_err(|e| format!("{}: {e}", python.display()))?;
        let mut emulator = Emulator {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            python: python.to_owned(),
            dir,
        };
        emulator.wait_ready()?;
        Ok(emulator)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", self.log()));
            }
            if http(self.port, "GET", "/moto-api/", "").is_ok_and(|code| code == 200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "no answer within {READY_TIMEOUT:?}: {}",
            self.log()
        ))
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log so far: one line per request.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// Every request received so far, in order, when started with
    /// [`Emulator::start_recording`] (empty otherwise).
    pub fn requests(&self) -> Vec<Request> {
        let text =
            std::fs::read_to_string(self.dir.path().join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).expect("a recorded request"))
            .collect()
    }

    /// Clears every resource (`POST /moto-api/reset`).
    pub fn reset(&self) {
        let code = http(self.port, "POST", "/moto-api/reset", "").expect("reset the emulator");
        assert_eq!(code, 200, "emulator reset answered {code}");
    }

    /// From now on every request must be signed with an IAM user's access
    /// key and allowed by that user's identity policies (moto's
    /// `POST /moto-api/reset-auth` with `0` requests left unchecked). The
    /// dummy credentials of [`Emulator::live_options`] are refused after
    /// this. Meaningful with [`Emulator::start_enforcing_iam`] only.
    pub fn enforce_iam(&self) {
        let code =
            http(self.port, "POST", "/moto-api/reset-auth", "0").expect("turn on IAM enforcement");
        assert_eq!(code, 200, "turning on IAM enforcement answered {code}");
    }

    /// Whether ListBuckets gives each bucket's region when asked with a
    /// parameter, as AWS does (the launcher's default), or never, as moto
    /// itself and some S3-compatible services do.
    pub fn set_bucket_regions(&self, on: bool) {
        let body = if on { "on" } else { "off" };
        let code = http(self.port, "POST", "/putonly/bucket-regions", body)
            .expect("switch ListBuckets regions");
        assert_eq!(code, 200, "switching ListBuckets regions answered {code}");
    }

    /// From now on each account's credential report is the first one read
    /// after this call, as AWS serves one report for up to four hours;
    /// moto otherwise builds it afresh at every GetCredentialReport.
    pub fn keep_credential_reports(&self) {
        let code = http(self.port, "POST", "/putonly/credential-report", "keep")
            .expect("keep credential reports");
        assert_eq!(code, 200, "keeping credential reports answered {code}");
    }

    /// Seeds scenarios (`S1`, `S2`, `S3`, `S4b` to `S4g`, `S5`,
    /// `S5-restricted`, `S6`, `S7`, `S8`, `example`; they compose) plus
    /// unrelated noise.
    pub fn seed(&self, scenarios: &[&str]) -> Seeded {
        self.seed_with(scenarios, true)
    }

    /// Seeds scenarios, with or without the unrelated noise.
    pub fn seed_with(&self, scenarios: &[&str], noise: bool) -> Seeded {
        self.seed_account(ACCOUNT_ID, scenarios, noise)
    }

    /// Seeds scenarios into any account: another than [`ACCOUNT_ID`] is
    /// entered through a role assumed in it. Bucket names are global, so
    /// two accounts cannot both hold a scenario's bucket.
    pub fn seed_account(&self, account_id: &str, scenarios: &[&str], noise: bool) -> Seeded {
        let mut command = Command::new(&self.python);
        command
            .arg(emulator_dir().join("seed.py"))
            .args(scenarios)
            .arg("--endpoint")
            .arg(&self.endpoint)
            .arg("--account-id")
            .arg(account_id);
        if !noise {
            command.arg("--no-noise");
        }
        loopback_env(&mut command);
        let output = command.output().expect("run seed.py");
        assert!(
            output.status.success(),
            "seeding {scenarios:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("seed.py prints its manifest as JSON")
    }

    /// Options that reach this emulator only: its endpoint, a region,
    /// fixed dummy credentials and few retries.
    pub fn live_options(&self) -> LiveOptions {
        loopback_options(&self.endpoint)
    }

    /// [`Emulator::live_options`] signing with an access key of the
    /// emulator's IAM users.
    pub fn live_options_as(&self, access_key_id: &str, secret_access_key: &str) -> LiveOptions {
        LiveOptions {
            credentials: Some(aws_sdk_sts::config::Credentials::new(
                access_key_id,
                secret_access_key,
                None,
                None,
                "putonly-tests",
            )),
            ..self.live_options()
        }
    }

    /// Runs one real AWS CLI command (from the emulator's environment)
    /// against this emulator, and returns what it printed.
    pub fn aws(&self, args: &[&str]) -> Vec<u8> {
        let mut command = self.cli_command("aws");
        command
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--output", "json"]);
        let output = command.output().expect("run the AWS CLI");
        assert!(
            output.status.success(),
            "aws {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// Dumps the account into `out` with `scripts/dump-account.sh` and the
    /// real AWS CLI, in the live options' home region; returns the
    /// script's messages.
    pub fn dump_account(&self, out: &Path) -> String {
        let mut command = self.cli_command("bash");
        command
            .arg(repo_dir().join("scripts").join("dump-account.sh"))
            .args(["--endpoint-url", &self.endpoint, "--region", "us-east-1"])
            .arg(out);
        let output = command.output().expect("run dump-account.sh");
        let messages = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "dump-account.sh failed: {messages}"
        );
        messages
    }

    /// A command with the loopback environment and the emulator
    /// environment's `aws` first on `PATH`.
    pub fn cli_command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        loopback_env(&mut command);
        let bin = self.python.parent().expect("the venv's bin directory");
        let mut path = vec![bin.to_owned()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        command.env("PATH", std::env::join_paths(path).expect("a PATH"));
        command.stdin(Stdio::null());
        command
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // `Child::kill` signals exactly this process id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Live options for a loopback endpoint, never the default credential
/// chain (which could reach an instance metadata address).
pub fn loopback_options(endpoint: &str) -> LiveOptions {
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "tests only talk to loopback, not `{endpoint}`"
    );
    LiveOptions {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(endpoint.to_owned()),
        credentials: Some(aws_sdk_sts::config::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "putonly-tests",
        )),
        max_attempts: Some(2),
        ..LiveOptions::default()
    }
}

/// Moves an access key's creation date `days` into the past.
///
/// moto stamps a key with the moment it is created and cannot backdate it,
/// so scenario S8's "key created 400 days ago" is made on the collected
/// inventory, after the live source has read the real date.
pub fn age_access_key(inventory: &mut Inventory, user: &str, key_id: &str, days: i64) {
    let when = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    let date = when
        .replace_nanosecond(0)
        .expect("zero nanoseconds")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format a date");
    let user = inventory
        .users
        .iter_mut()
        .find(|u| u.name == user)
        .unwrap_or_else(|| panic!("no user `{user}`"));
    let Fact::Present(keys) = &mut user.access_keys else {
        panic!("the access keys of `{}` were not collected", user.name);
    };
    let key = keys
        .iter_mut()
        .find(|k| k.id == key_id)
        .unwrap_or_else(|| panic!("no access key `{key_id}`"));
    key.create_date = date;
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    free_port()
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A minimal HTTP/1.1 exchange with the emulator (a plain-text body, which
/// may be empty); returns the status code.
fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<u16> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:.80}")))
}

/// A cleared environment: no inherited profile, endpoint, proxy or
/// credentials can send a request anywhere but the loopback endpoint.
pub fn loopback_env(command: &mut Command) {
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .env("MOTO_ACCOUNT_ID", ACCOUNT_ID)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("PYTHONDONTWRITEBYTECODE", "1");
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn emulator_dir() -> PathBuf {
    repo_dir().join("tests").join("emulator")
}

/// The Python interpreter of the emulator's virtual environment, made
/// ready once per test process.
fn venv_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(prepare_venv).clone()
}

fn prepare_venv() -> PathBuf {
    if let Some(venv) = std::env::var_os("PUTONLY_VENV") {
        let python = PathBuf::from(venv).join("bin").join("python");
        assert!(python.exists(), "PUTONLY_VENV has no {}", python.display());
        return python;
    }

    let venv = repo_dir().join(".venv");
    let python = venv.join("bin").join("python");
    let requirements = emulator_dir().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("read requirements.txt");
    let marker = venv.join(".putonly-requirements");

    // Other test binaries may prepare the same environment at once.
    std::fs::create_dir_all(&venv).expect("create .venv");
    let lock = File::create(venv.join(".putonly-lock")).expect("create the venv lock");
    lock.lock().expect("lock the venv");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return python;
    }
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements));
    std::fs::write(&marker, wanted).expect("write the requirements marker");
    python
}

fn run(command: &mut Command) {
    let status = command.status().expect("start a setup command");
    assert!(status.success(), "{command:?} failed: {status}");
}
