//! SSH transport for host checks: one session and one command per host, read-only, agentless.
//!
//! Everything here is blocking (ssh2/libssh2); [`session`] runs one on tokio's blocking pool and
//! [`sessions`] many, under a semaphore. Every step is bounded in time: TCP connect, handshake,
//! authentication, channel open, and an overall deadline for the command itself. The host key is
//! checked strictly against an OpenSSH `known_hosts` file *before* anything else is sent: an
//! unknown or changed key stops the connection without authenticating or running anything.
//!
//! Nothing in here logs secrets or key material; host keys are only ever shown as SHA256
//! fingerprints.

mod connection;
mod exec;
mod known_hosts;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connection::{validate_address, Connection};

pub use known_hosts::{known_hosts_name, known_keys, trust_host_key, HostKey};

/// Default number of hosts probed at once by [`sessions`].
pub const DEFAULT_CONCURRENCY: usize = 32;

/// How many bytes of the remote command's stderr are kept (the last ones).
pub const STDERR_TAIL_BYTES: usize = 4096;

/// libssh2 error codes we tell apart.
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_EAGAIN: i32 = -37;
const LIBSSH2_ERROR_FILE: i32 = -16;

/// How to authenticate. Passwords are never used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshAuth {
    /// A private key file without a passphrase (OpenSSH or PEM format).
    KeyFile(PathBuf),
    /// Whatever identities the running ssh-agent (`SSH_AUTH_SOCK`) offers.
    Agent,
}

/// One host to probe and how.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// The host's name in the inventory (used to label results).
    pub name: String,
    /// Address or DNS name to connect to; also the name looked up in `known_hosts`.
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
    /// OpenSSH-format known_hosts file; the host key must be in it.
    pub known_hosts: PathBuf,
    /// Bound on the TCP connect, and on every step before the command (handshake, auth, exec).
    pub connect_timeout: Duration,
    /// Overall deadline for the command, from `exec` to the channel closing.
    pub command_timeout: Duration,
    /// Most stdout bytes accepted; more is [`SshError::OutputTooLarge`].
    pub max_output: usize,
}

impl SshTarget {
    /// A target with the usual limits: 10 s connect, 120 s command, 8 MiB of output.
    pub fn new(
        name: impl Into<String>,
        address: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        auth: SshAuth,
        known_hosts: impl Into<PathBuf>,
    ) -> SshTarget {
        SshTarget {
            name: name.into(),
            address: address.into(),
            port,
            user: user.into(),
            auth,
            known_hosts: known_hosts.into(),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(120),
            max_output: 8 * 1024 * 1024,
        }
    }
}

/// What a probe brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshOutcome {
    /// The command ran to completion (whatever its exit code).
    Output {
        /// Raw stdout, at most `max_output` bytes; not necessarily UTF-8.
        stdout: Vec<u8>,
        /// The last [`STDERR_TAIL_BYTES`] bytes of stderr, lossily decoded.
        stderr_tail: String,
        /// Exit code; `None` if the command was killed by a signal or none was reported.
        exit: Option<i32>,
        /// The (verified) host key of the server.
        host_key: HostKey,
        /// Wall time from the TCP connect to the end of the command.
        elapsed: Duration,
        /// The server's identification string (`SSH-2.0-OpenSSH_for_Windows_8.1`), if sent.
        banner: Option<String>,
    },
}

/// Why a probe did not produce output. Every variant reads as a plain reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshError {
    #[error("cannot resolve {address}: {reason}")]
    Resolve { address: String, reason: String },
    #[error("host unreachable: {reason}")]
    Unreachable { reason: String },
    #[error("connection refused (no SSH server listening on that port)")]
    Refused,
    #[error("timed out during {step}")]
    Timeout { step: &'static str },
    #[error("SSH handshake failed: {reason}")]
    HandshakeFailed { reason: String },
    #[error(
        "unknown host key {key_type} {fingerprint}: not in known_hosts; \
         check it out of band and trust it (caretaker hosts trust)"
    )]
    UnknownHostKey {
        fingerprint: String,
        key_type: String,
    },
    #[error(
        "HOST KEY CHANGED (possible interception): known_hosts has {expected_fp}, \
         the server sent {got_fp}; nothing was sent to the host"
    )]
    ChangedHostKey { expected_fp: String, got_fp: String },
    #[error("cannot read known_hosts {path}: {reason}")]
    KnownHosts { path: String, reason: String },
    #[error("client key unusable: {reason}")]
    ClientKey { reason: String },
    #[error("ssh-agent unavailable: {reason}")]
    AgentUnavailable { reason: String },
    #[error("authentication refused by the host")]
    AuthRefused,
    #[error("cannot start the command: {reason}")]
    ChannelFailed { reason: String },
    #[error("output larger than {limit} bytes; stopped reading")]
    OutputTooLarge { limit: usize },
    #[error("command did not finish within its deadline")]
    CommandTimedOut,
    #[error("connection lost: {reason}")]
    ConnectionLost { reason: String },
    #[error("invalid target: {reason}")]
    InvalidTarget { reason: String },
    #[error("cannot write known_hosts {path}: {reason}")]
    TrustFailed { path: String, reason: String },
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

/// Connects to `target`, checks its host key, authenticates, runs `command` (feeding it `stdin`
/// if given, then EOF), and returns its output. Blocking; run it on `spawn_blocking`.
pub fn run_probe(
    target: &SshTarget,
    command: &str,
    stdin: Option<&[u8]>,
) -> Result<SshOutcome, SshError> {
    run_probe_chosen(target, &mut |_| {
        (command.to_string(), stdin.map(<[u8]>::to_vec))
    })
}

/// Picks the command and its standard input from the server's banner (see [`run_probe_chosen`]).
pub type Chooser<'c> = &'c mut dyn FnMut(Option<&str>) -> (String, Option<Vec<u8>>);

/// Like [`run_probe`], but the command and its standard input are chosen once the server has
/// identified itself and its key has been verified: `choose` gets the server's banner
/// (`SSH-2.0-OpenSSH_for_Windows_8.1`), for machines whose operating system is detected. Still
/// one session and one command.
pub fn run_probe_chosen(target: &SshTarget, choose: Chooser<'_>) -> Result<SshOutcome, SshError> {
    let start = Instant::now();
    validate_address(&target.address)?;
    let conn = Connection::open(
        &target.address,
        target.port,
        target.connect_timeout,
        Some(&target.known_hosts),
    )?;
    let result = conn.probe(target, choose, start);
    conn.close(result.is_ok());
    result
}

/// Chooses a session's command and standard input from the server's banner, on the blocking
/// pool (see [`run_probe_chosen`]).
pub type Choose = Box<dyn FnMut(Option<&str>) -> (String, Option<Vec<u8>>) + Send>;

/// One SSH session (see [`run_probe_chosen`]) as a task on tokio's blocking pool: the one way
/// caretaker's async code opens a session.
pub async fn session(target: SshTarget, mut choose: Choose) -> Result<SshOutcome, SshError> {
    tokio::task::spawn_blocking(move || run_probe_chosen(&target, &mut *choose))
        .await
        .unwrap_or_else(|e| {
            Err(SshError::Internal {
                reason: format!("probe task failed: {e}"),
            })
        })
}

/// One [`session`] per target, at most `concurrency` at once (0 means 1): the one SSH fan-out.
/// Results come back in the order of `jobs`.
pub async fn sessions(
    jobs: Vec<(SshTarget, Choose)>,
    concurrency: usize,
) -> Vec<Result<SshOutcome, SshError>> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let n = jobs.len();
    for (index, (target, choose)) in jobs.into_iter().enumerate() {
        let semaphore = Arc::clone(&semaphore);
        set.spawn(async move {
            let result = match semaphore.acquire_owned().await {
                Ok(_permit) => session(target, choose).await,
                Err(e) => Err(SshError::Internal {
                    reason: format!("semaphore closed: {e}"),
                }),
            };
            (index, result)
        });
    }
    let mut results: Vec<Option<Result<SshOutcome, SshError>>> = (0..n).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(SshError::Internal {
                    reason: "probe task failed: it ended without a result".into(),
                })
            })
        })
        .collect()
}

/// Runs one fixed command per target through [`sessions`], labelled with the target's name.
pub async fn run_many(
    targets: Vec<(SshTarget, String)>,
    concurrency: usize,
) -> Vec<(String, Result<SshOutcome, SshError>)> {
    let names: Vec<String> = targets.iter().map(|(t, _)| t.name.clone()).collect();
    let jobs = targets
        .into_iter()
        .map(|(t, command)| {
            let choose: Choose = Box::new(move |_| (command.clone(), None));
            (t, choose)
        })
        .collect();
    names
        .into_iter()
        .zip(sessions(jobs, concurrency).await)
        .collect()
}

/// Connects, completes the key exchange, returns the server's host key and disconnects, without
/// authenticating. For `caretaker hosts trust NAME`: show the fingerprint, then
/// [`trust_host_key`].
pub fn fetch_host_key(address: &str, port: u16, timeout: Duration) -> Result<HostKey, SshError> {
    validate_address(address)?;
    let conn = Connection::open(address, port, timeout, None)?;
    let key = conn.host_key();
    conn.close(true);
    key
}
