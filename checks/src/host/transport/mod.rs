//! SSH transport for host checks: one session and one command per host, read-only, agentless.
//!
//! Everything here is blocking (ssh2/libssh2); [`run_many`] runs probes on tokio's blocking pool
//! under a semaphore. Every step is bounded in time: TCP connect, handshake, authentication,
//! channel open, and an overall deadline for the command itself. The host key is checked
//! strictly against an OpenSSH `known_hosts` file *before* anything else is sent: an unknown or
//! changed key stops the connection without authenticating or running anything.
//!
//! Nothing in here logs secrets or key material; host keys are only ever shown as SHA256
//! fingerprints.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD as BASE64, STANDARD_NO_PAD as BASE64_NO_PAD};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind, Session};

/// Default number of hosts probed at once by [`run_many`].
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

/// A server's public host key, as sent during the handshake.
#[derive(Clone, PartialEq, Eq)]
pub struct HostKey {
    /// The SSH key type name, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    pub key_type: String,
    /// The public key blob in SSH wire format (what known_hosts holds in base64).
    pub blob: Vec<u8>,
}

impl HostKey {
    /// Builds a key from its wire blob; the type is read from the blob itself.
    pub fn from_blob(blob: &[u8]) -> HostKey {
        HostKey {
            key_type: key_type_of_blob(blob).unwrap_or_else(|| "unknown".to_string()),
            blob: blob.to_vec(),
        }
    }

    /// `SHA256:<base64 without padding>`, the same text `ssh-keygen -lf` prints.
    pub fn fingerprint(&self) -> String {
        fingerprint_of_blob(&self.blob)
    }

    /// The blob in base64, as in known_hosts and `.pub` files.
    pub fn base64(&self) -> String {
        BASE64.encode(&self.blob)
    }

    /// One known_hosts line (without newline) for `name` (see [`known_hosts_name`]).
    pub fn known_hosts_line(&self, name: &str) -> String {
        format!("{name} {} {}", self.key_type, self.base64())
    }
}

impl fmt::Debug for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostKey")
            .field("key_type", &self.key_type)
            .field("fingerprint", &self.fingerprint())
            .finish()
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

/// The name OpenSSH writes in known_hosts for a host and port: `host` for port 22,
/// `[host]:port` otherwise.
pub fn known_hosts_name(address: &str, port: u16) -> String {
    if port == 22 {
        address.to_string()
    } else {
        format!("[{address}]:{port}")
    }
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

/// Runs one probe per target, at most `concurrency` at once (0 means 1), each on tokio's blocking
/// pool. Results come back in the order of `targets`, labelled with the target's name.
pub async fn run_many(
    targets: Vec<(SshTarget, String)>,
    concurrency: usize,
) -> Vec<(String, Result<SshOutcome, SshError>)> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut handles = Vec::with_capacity(targets.len());
    for (target, command) in targets {
        let name = target.name.clone();
        let semaphore = Arc::clone(&semaphore);
        let handle = tokio::spawn(async move {
            let _permit = match semaphore.acquire_owned().await {
                Ok(permit) => permit,
                Err(e) => {
                    return Err(SshError::Internal {
                        reason: format!("semaphore closed: {e}"),
                    })
                }
            };
            match tokio::task::spawn_blocking(move || run_probe(&target, &command, None)).await {
                Ok(result) => result,
                Err(e) => Err(SshError::Internal {
                    reason: format!("probe task failed: {e}"),
                }),
            }
        });
        handles.push((name, handle));
    }
    let mut results = Vec::with_capacity(handles.len());
    for (name, handle) in handles {
        let result = match handle.await {
            Ok(result) => result,
            Err(e) => Err(SshError::Internal {
                reason: format!("probe task failed: {e}"),
            }),
        };
        results.push((name, result));
    }
    results
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

/// The keys an OpenSSH known_hosts file holds for `name` (plain entries; hashed `|1|` entries and
/// `@revoked`/`@cert-authority` markers are not ours and are left alone). A missing file holds none.
pub fn known_keys(known_hosts: &Path, name: &str) -> Vec<HostKey> {
    let Ok(text) = std::fs::read_to_string(known_hosts) else {
        return Vec::new();
    };
    text.lines()
        .filter(|line| names_entry(line, name))
        .filter_map(|line| line.split_whitespace().nth(2))
        .filter_map(|key| BASE64.decode(key).ok())
        .map(|blob| HostKey::from_blob(&blob))
        .collect()
}

/// True if this known_hosts line is a plain entry whose host list names `name`.
fn names_entry(line: &str, name: &str) -> bool {
    let line = line.trim_start();
    if line.starts_with('#') || line.starts_with('@') || line.starts_with('|') {
        return false;
    }
    line.split_whitespace()
        .next()
        .is_some_and(|hosts| hosts.split(',').any(|h| h == name))
}

/// Records `key` as the one trusted key for `name` (e.g. `[127.0.0.1]:2222`, see
/// [`known_hosts_name`]) in an OpenSSH known_hosts file, creating it (mode 0600) and its directory
/// if needed. Plain entries that named `name` before are replaced, not kept beside it (a changed
/// key must not stay trusted); every other line is kept as it was. The file is replaced whole
/// (written beside it, then renamed), so a crash leaves the old file or the new one. Returns the
/// keys that were trusted for `name` before.
pub fn trust_host_key(
    known_hosts: &Path,
    name: &str,
    key: &HostKey,
) -> Result<Vec<HostKey>, SshError> {
    let fail = |reason: String| SshError::TrustFailed {
        path: known_hosts.display().to_string(),
        reason,
    };
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == ',')
    {
        return Err(fail(format!("invalid host name {name:?}")));
    }
    if key.blob.is_empty()
        || key.key_type.is_empty()
        || key
            .key_type
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(fail("invalid host key".to_string()));
    }
    let dir = known_hosts
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A folder made here is private (0700), whoever asks: the CLI, the console, the daemon.
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(e.to_string()))?;
    }
    let existing = match std::fs::read_to_string(known_hosts) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(fail(e.to_string())),
    };
    let before = known_keys(known_hosts, name);
    let mut text = String::with_capacity(existing.len() + 128);
    for line in existing.lines() {
        if !names_entry(line, name) {
            text.push_str(line);
            text.push('\n');
            continue;
        }
        // A line naming other hosts too keeps them, without this one.
        let line = line.trim_start();
        let (hosts, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let others: Vec<&str> = hosts.split(',').filter(|h| *h != name).collect();
        if !others.is_empty() {
            text.push_str(&others.join(","));
            text.push(' ');
            text.push_str(rest.trim_start());
            text.push('\n');
        }
    }
    text.push_str(&key.known_hosts_line(name));
    text.push('\n');
    let file_name = known_hosts
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "known_hosts".to_string());
    let temp = dir.join(format!(".{file_name}.{}.new", std::process::id()));
    let mut options = OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, known_hosts));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e.to_string()));
    }
    Ok(before)
}

// ---------------------------------------------------------------------------------------------
// Connection

/// A TCP connection with a completed SSH handshake. Dropping it without [`Connection::close`]
/// still tears everything down (the socket is shut down first so libssh2 never waits).
struct Connection {
    session: Session,
    /// A second handle on the socket the session owns, to shut it down.
    socket: TcpStream,
    address: String,
    port: u16,
    step_timeout: Duration,
}

impl Connection {
    /// Connects and completes the key exchange. With `known_hosts`, the host key algorithms
    /// for which the file already holds a key for this host are asked for first (as OpenSSH
    /// does), so a host with several keys is not mistaken for a changed one.
    fn open(
        address: &str,
        port: u16,
        timeout: Duration,
        known_hosts: Option<&Path>,
    ) -> Result<Connection, SshError> {
        let stream = connect_tcp(address, port, timeout)?;
        let socket = stream.try_clone().map_err(|e| SshError::Internal {
            reason: format!("cannot clone socket: {e}"),
        })?;
        let mut session = Session::new().map_err(|e| SshError::Internal {
            reason: format!("cannot create SSH session: {}", e.message()),
        })?;
        if let Some(path) = known_hosts {
            prefer_known_key_types(&session, path, address, port);
        }
        session.set_tcp_stream(stream);
        session.set_blocking(true);
        session.set_timeout(millis(timeout));
        let mut conn = Connection {
            session,
            socket,
            address: address.to_string(),
            port,
            step_timeout: timeout,
        };
        // libssh2 can fail the handshake with a generic error when the read times out; trust
        // our own clock as well.
        let started = Instant::now();
        if let Err(e) = conn.session.handshake() {
            let timed_out =
                session_code(&e) == Some(LIBSSH2_ERROR_TIMEOUT) || started.elapsed() >= timeout;
            conn.close(false);
            return Err(if timed_out {
                SshError::Timeout { step: "handshake" }
            } else {
                SshError::HandshakeFailed {
                    reason: e.message().to_string(),
                }
            });
        }
        Ok(conn)
    }

    fn host_key(&self) -> Result<HostKey, SshError> {
        match self.session.host_key() {
            Some((blob, _)) if !blob.is_empty() => Ok(HostKey::from_blob(blob)),
            _ => Err(SshError::HandshakeFailed {
                reason: "server sent no host key".to_string(),
            }),
        }
    }

    /// Strict host key check against the known_hosts file. Nothing has been sent beyond the key
    /// exchange when this runs.
    fn verify_host_key(&self, known_hosts: &Path) -> Result<HostKey, SshError> {
        let key = self.host_key()?;
        let kh_err = |reason: String| SshError::KnownHosts {
            path: known_hosts.display().to_string(),
            reason,
        };
        let mut kh = self
            .session
            .known_hosts()
            .map_err(|e| kh_err(e.message().to_string()))?;
        match std::fs::metadata(known_hosts) {
            Ok(_) => {
                kh.read_file(known_hosts, KnownHostFileKind::OpenSSH)
                    .map_err(|e| kh_err(e.message().to_string()))?;
            }
            // No file yet: nothing is known, so the key is unknown.
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(kh_err(e.to_string())),
        }
        match kh.check_port(&self.address, self.port, &key.blob) {
            CheckResult::Match => Ok(key),
            CheckResult::NotFound => Err(SshError::UnknownHostKey {
                fingerprint: key.fingerprint(),
                key_type: key.key_type.clone(),
            }),
            CheckResult::Mismatch => {
                let expected_fp = self.expected_fingerprints(&kh);
                Err(SshError::ChangedHostKey {
                    expected_fp,
                    got_fp: key.fingerprint(),
                })
            }
            CheckResult::Failure => Err(kh_err("host key check failed".to_string())),
        }
    }

    /// Fingerprints of the keys known_hosts holds for this host (for the changed-key message).
    fn expected_fingerprints(&self, kh: &ssh2::KnownHosts) -> String {
        let bracketed = format!("[{}]:{}", self.address, self.port);
        let mut fps: Vec<String> = Vec::new();
        if let Ok(hosts) = kh.hosts() {
            for host in hosts {
                let Some(names) = host.name() else { continue };
                let matches = names
                    .split(',')
                    .any(|n| n == bracketed || n == self.address);
                if !matches {
                    continue;
                }
                if let Ok(blob) = BASE64.decode(host.key()) {
                    let fp = fingerprint_of_blob(&blob);
                    if !fps.contains(&fp) {
                        fps.push(fp);
                    }
                }
            }
        }
        if fps.is_empty() {
            "a different key (hashed entry)".to_string()
        } else {
            fps.join(", ")
        }
    }

    fn authenticate(&self, target: &SshTarget) -> Result<(), SshError> {
        let map = |e: ssh2::Error, step: &'static str| match session_code(&e) {
            Some(LIBSSH2_ERROR_TIMEOUT) => SshError::Timeout { step },
            Some(LIBSSH2_ERROR_FILE) => SshError::ClientKey {
                reason: e.message().to_string(),
            },
            // Authentication failed, public key unverified, or anything else: refused.
            _ => SshError::AuthRefused,
        };
        match &target.auth {
            SshAuth::KeyFile(path) => {
                if let Err(e) = std::fs::File::open(path) {
                    return Err(SshError::ClientKey {
                        reason: format!("{}: {e}", path.display()),
                    });
                }
                self.session
                    .userauth_pubkey_file(&target.user, None, path, None)
                    .map_err(|e| map(e, "authentication"))?;
            }
            SshAuth::Agent => {
                let agent_err = |e: ssh2::Error| SshError::AgentUnavailable {
                    reason: e.message().to_string(),
                };
                let mut agent = self.session.agent().map_err(agent_err)?;
                agent.connect().map_err(agent_err)?;
                agent.list_identities().map_err(agent_err)?;
                let identities = agent.identities().map_err(agent_err)?;
                let mut last = SshError::AuthRefused;
                for identity in &identities {
                    match agent.userauth(&target.user, identity) {
                        Ok(()) => break,
                        Err(e) => {
                            last = map(e, "authentication");
                            if matches!(last, SshError::Timeout { .. }) {
                                break;
                            }
                        }
                    }
                }
                let _ = agent.disconnect();
                if !self.session.authenticated() {
                    return Err(last);
                }
            }
        }
        if self.session.authenticated() {
            Ok(())
        } else {
            Err(SshError::AuthRefused)
        }
    }

    fn probe(
        &self,
        target: &SshTarget,
        choose: Chooser<'_>,
        start: Instant,
    ) -> Result<SshOutcome, SshError> {
        // The key first: on anything but a match, nothing else is sent.
        let host_key = self.verify_host_key(&target.known_hosts)?;
        self.authenticate(target)?;
        let banner = self.session.banner().map(clip_banner);
        let (command, stdin) = choose(banner.as_deref());
        if command.contains('\0') {
            return Err(SshError::InvalidTarget {
                reason: "command contains a NUL byte".to_string(),
            });
        }
        let stdin = stdin.as_deref();

        let step = |e: ssh2::Error, step: &'static str| {
            if session_code(&e) == Some(LIBSSH2_ERROR_TIMEOUT) {
                SshError::Timeout { step }
            } else {
                SshError::ChannelFailed {
                    reason: e.message().to_string(),
                }
            }
        };
        let mut channel = self
            .session
            .channel_session()
            .map_err(|e| step(e, "channel open"))?;
        let deadline = Instant::now() + target.command_timeout;
        // Bound the exec request by the command deadline too.
        self.session
            .set_timeout(millis(target.command_timeout.min(self.step_timeout)));
        channel.exec(&command).map_err(|e| step(e, "exec"))?;

        self.session.set_blocking(false);
        let finished = pump(&mut channel, target.max_output, stdin, deadline).and_then(|out| {
            // Wait for the server to close the channel so the exit status has arrived.
            retry_until(deadline, || channel.close())?;
            retry_until(deadline, || channel.wait_close())?;
            Ok(out)
        });
        let (stdout, stderr_tail) = match finished {
            Ok(out) => out,
            Err(e) => {
                // Cut the connection before the channel is freed, so freeing it cannot wait on
                // a remote that is still talking (or silent). The remote side sees EOF.
                let _ = self.socket.shutdown(Shutdown::Both);
                return Err(e);
            }
        };
        let signalled = channel
            .exit_signal()
            .ok()
            .is_some_and(|s| s.exit_signal.is_some());
        let exit = if signalled {
            None
        } else {
            channel.exit_status().ok()
        };
        drop(channel);
        Ok(SshOutcome::Output {
            stdout,
            stderr_tail,
            exit,
            host_key,
            banner,
            elapsed: start.elapsed(),
        })
    }

    /// Ends the session. `polite`: say goodbye first (bounded by a short timeout).
    fn close(self, polite: bool) {
        if polite {
            self.session.set_blocking(true);
            self.session
                .set_timeout(millis(self.step_timeout.min(Duration::from_millis(500))));
            let _ = self.session.disconnect(None, "caretaker done", None);
        }
        // With the socket shut down libssh2 cannot block or loop while freeing the session.
        let _ = self.socket.shutdown(Shutdown::Both);
        self.session.set_blocking(true);
        self.session.set_timeout(1);
        drop(self.session);
    }
}

/// Puts the host key algorithms of the keys known_hosts holds for `address:port` first in the
/// session's preference list. Best effort: on any problem the default order stays.
fn prefer_known_key_types(session: &Session, known_hosts: &Path, address: &str, port: u16) {
    let Ok(text) = std::fs::read_to_string(known_hosts) else {
        return;
    };
    let wanted = [known_hosts_name(address, port), address.to_string()];
    let mut preferred: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(names) = fields.next() else {
            continue;
        };
        // Comments, and @cert-authority / @revoked markers (not plain host keys).
        if names.starts_with('#') || names.starts_with('@') {
            continue;
        }
        let Some(key_type) = fields.next() else {
            continue;
        };
        if !names.split(',').any(|n| wanted.iter().any(|w| w == n)) {
            continue;
        }
        let algs: &[&str] = match key_type {
            "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            "ssh-ed25519" => &["ssh-ed25519"],
            "ecdsa-sha2-nistp256" => &["ecdsa-sha2-nistp256"],
            "ecdsa-sha2-nistp384" => &["ecdsa-sha2-nistp384"],
            "ecdsa-sha2-nistp521" => &["ecdsa-sha2-nistp521"],
            "ssh-dss" => &["ssh-dss"],
            _ => &[],
        };
        for alg in algs {
            if !preferred.contains(alg) {
                preferred.push(alg);
            }
        }
    }
    if preferred.is_empty() {
        return;
    }
    let Ok(supported) = session.supported_algs(ssh2::MethodType::HostKey) else {
        return;
    };
    let mut order: Vec<&str> = preferred
        .into_iter()
        .filter(|a| supported.contains(a))
        .collect();
    if order.is_empty() {
        return;
    }
    // Keep the others too: a host that lost its known key type must still show up as changed.
    for alg in supported {
        if !order.contains(&alg) {
            order.push(alg);
        }
    }
    let _ = session.method_pref(ssh2::MethodType::HostKey, &order.join(","));
}

/// Moves data until the remote end signals EOF: stdin in (then EOF), stdout and stderr out.
/// Non-blocking session; sleeps briefly when nothing moves.
fn pump(
    channel: &mut ssh2::Channel,
    max_output: usize,
    stdin: Option<&[u8]>,
    deadline: Instant,
) -> Result<(Vec<u8>, String), SshError> {
    let mut stdout: Vec<u8> = Vec::new();
    let mut tail = Tail::new(STDERR_TAIL_BYTES);
    let mut pending_in: &[u8] = stdin.unwrap_or(&[]);
    let mut eof_sent = false;
    let mut buf = vec![0u8; 32 * 1024];
    let mut idle = Duration::from_millis(1);
    let mut stderr = channel.stderr();
    loop {
        if Instant::now() >= deadline {
            return Err(SshError::CommandTimedOut);
        }
        let mut progressed = false;

        if !pending_in.is_empty() {
            match channel.write(pending_in) {
                Ok(n) => {
                    pending_in = pending_in.get(n..).unwrap_or(&[]);
                    progressed |= n > 0;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                // The remote stopped reading its input: not our problem, drop the rest.
                Err(_) => pending_in = &[],
            }
        } else if !eof_sent {
            match channel.send_eof() {
                Ok(()) => eof_sent = true,
                Err(e) if session_code(&e) == Some(LIBSSH2_ERROR_EAGAIN) => {}
                Err(_) => eof_sent = true,
            }
        }

        // Read at most one byte past the limit: enough to know it was exceeded.
        let room = (max_output.saturating_add(1)).saturating_sub(stdout.len());
        let want = room.min(buf.len());
        if let Some(chunk) = buf.get_mut(..want) {
            match channel.read(chunk) {
                Ok(n) if n > 0 => {
                    stdout.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                    if stdout.len() > max_output {
                        return Err(SshError::OutputTooLarge { limit: max_output });
                    }
                    progressed = true;
                }
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(SshError::ConnectionLost {
                        reason: e.to_string(),
                    })
                }
            }
        }
        match stderr.read(&mut buf) {
            Ok(n) if n > 0 => {
                tail.push(buf.get(..n).unwrap_or(&[]));
                progressed = true;
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => {
                return Err(SshError::ConnectionLost {
                    reason: e.to_string(),
                })
            }
        }

        if channel.eof() {
            return Ok((stdout, tail.into_string()));
        }
        if progressed {
            idle = Duration::from_millis(1);
        } else {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(idle.min(left));
            idle = (idle * 2).min(Duration::from_millis(20));
        }
    }
}

/// Retries a non-blocking libssh2 call until it stops saying "again", or the deadline passes.
fn retry_until(
    deadline: Instant,
    mut f: impl FnMut() -> Result<(), ssh2::Error>,
) -> Result<(), SshError> {
    loop {
        match f() {
            Ok(()) => return Ok(()),
            Err(e) if session_code(&e) == Some(LIBSSH2_ERROR_EAGAIN) => {
                if Instant::now() >= deadline {
                    return Err(SshError::CommandTimedOut);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                return Err(SshError::ConnectionLost {
                    reason: e.message().to_string(),
                })
            }
        }
    }
}

fn connect_tcp(address: &str, port: u16, timeout: Duration) -> Result<TcpStream, SshError> {
    let addrs: Vec<SocketAddr> = (address, port)
        .to_socket_addrs()
        .map_err(|e| SshError::Resolve {
            address: address.to_string(),
            reason: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(SshError::Resolve {
            address: address.to_string(),
            reason: "no addresses".to_string(),
        });
    }
    let timeout = if timeout.is_zero() {
        Duration::from_millis(1)
    } else {
        timeout
    };
    let mut last = SshError::Unreachable {
        reason: "no address tried".to_string(),
    };
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => {
                last = match e.kind() {
                    ErrorKind::ConnectionRefused => SshError::Refused,
                    ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                        SshError::Timeout { step: "connect" }
                    }
                    _ => SshError::Unreachable {
                        reason: e.to_string(),
                    },
                }
            }
        }
    }
    Err(last)
}

fn validate_address(address: &str) -> Result<(), SshError> {
    if address.is_empty() || address.contains('\0') || address.len() > 255 {
        return Err(SshError::InvalidTarget {
            reason: format!("bad address {address:?}"),
        });
    }
    Ok(())
}

fn session_code(e: &ssh2::Error) -> Option<i32> {
    match e.code() {
        ssh2::ErrorCode::Session(code) => Some(code),
        ssh2::ErrorCode::SFTP(_) => None,
    }
}

/// Milliseconds for libssh2, at least 1 (0 would mean "no timeout").
/// The server's banner as printable ASCII, at most 255 characters (RFC 4253 allows 255).
fn clip_banner(b: &str) -> String {
    b.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(255)
        .collect()
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

/// The last `cap` bytes written to it.
struct Tail {
    cap: usize,
    buf: std::collections::VecDeque<u8>,
}

impl Tail {
    fn new(cap: usize) -> Tail {
        Tail {
            cap,
            buf: std::collections::VecDeque::new(),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let skip = bytes.len().saturating_sub(self.cap);
        self.buf.extend(bytes.iter().skip(skip));
        while self.buf.len() > self.cap {
            self.buf.pop_front();
        }
    }

    fn into_string(self) -> String {
        let bytes: Vec<u8> = self.buf.into_iter().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Key encoding helpers

fn fingerprint_of_blob(blob: &[u8]) -> String {
    let digest = Sha256::digest(blob);
    format!("SHA256:{}", BASE64_NO_PAD.encode(digest))
}

/// The key type is the first string of the wire blob (u32 big-endian length, then bytes).
fn key_type_of_blob(blob: &[u8]) -> Option<String> {
    let len_bytes: [u8; 4] = blob.get(..4)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    if len == 0 || len > 64 {
        return None;
    }
    let name = blob.get(4..4 + len)?;
    let name = std::str::from_utf8(name).ok()?;
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-@._".contains(c))
    {
        Some(name.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// A key blob of `key_type` with some key bytes (the wire format: two length-prefixed strings).
    fn key(key_type: &str, byte: u8) -> HostKey {
        let mut blob = Vec::new();
        for part in [key_type.as_bytes(), &[byte; 32][..]] {
            blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
            blob.extend_from_slice(part);
        }
        HostKey::from_blob(&blob)
    }

    #[test]
    fn the_folder_trust_makes_is_private_whoever_calls_it() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("keys").join("known_hosts");
        trust_host_key(&kh, "[127.0.0.5]:22", &key("ssh-ed25519", 1)).unwrap();
        let mode = std::fs::metadata(dir.path().join("keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }

    #[test]
    fn trusting_a_changed_key_replaces_the_old_line_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("ssh").join("known_hosts");
        let old = key("ssh-ed25519", 1);
        let other = key("ssh-ed25519", 2);
        let new = key("ssh-ed25519", 3);
        assert!(trust_host_key(&kh, "[127.0.0.5]:22", &old)
            .unwrap()
            .is_empty());
        // Lines that are not ours stay as they are: another machine, a comment, a hashed entry,
        // and a line naming this machine among others is replaced too.
        let mut text = std::fs::read_to_string(&kh).unwrap();
        text.push_str("# kept\n");
        text.push_str(&other.known_hosts_line("[127.0.0.6]:22"));
        text.push_str("\n|1|abc=|def= ssh-ed25519 AAAA\n");
        text.push_str(&old.known_hosts_line("other-name,[127.0.0.5]:22"));
        text.push('\n');
        std::fs::write(&kh, text).unwrap();
        assert_eq!(
            known_keys(&kh, "[127.0.0.5]:22"),
            vec![old.clone(), old.clone()]
        );

        let replaced = trust_host_key(&kh, "[127.0.0.5]:22", &new).unwrap();
        assert_eq!(replaced, vec![old.clone(), old]);
        assert_eq!(known_keys(&kh, "[127.0.0.5]:22"), vec![new.clone()]);
        assert_eq!(known_keys(&kh, "[127.0.0.6]:22"), vec![other]);
        let text = std::fs::read_to_string(&kh).unwrap();
        assert!(
            text.contains("# kept\n") && text.contains("|1|abc=|def="),
            "{text}"
        );
        assert_eq!(text.lines().count(), 5, "{text}");
        assert_eq!(known_keys(&kh, "other-name").len(), 1, "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(kh.parent().unwrap()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn known_hosts_keys_round_trip_and_bad_base64_is_no_key() {
        let mut blob = vec![0, 0, 0, 11];
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&[0, 0, 0, 32]);
        blob.extend_from_slice(&[7; 32]);
        let key = HostKey::from_blob(&blob);
        let line = key.known_hosts_line("[127.0.0.1]:2222");
        assert!(line.starts_with("[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("known_hosts");
        let b64 = key.base64();
        // The same key cut short (its padding lost) and with a stray character: not keys at all.
        let cut = &b64[..b64.len() - 1];
        let text = format!(
            "{line}\nh.cut ssh-ed25519 {cut}\nh.bad ssh-ed25519 {}!\n",
            &b64[..b64.len() - 4]
        );
        std::fs::write(&kh, text).unwrap();
        assert_eq!(known_keys(&kh, "[127.0.0.1]:2222"), vec![key]);
        assert_eq!(known_keys(&kh, "h.cut"), vec![]);
        assert_eq!(known_keys(&kh, "h.bad"), vec![]);
    }

    #[test]
    fn key_type_from_blob() {
        let mut blob = vec![0, 0, 0, 11];
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&[0, 0, 0, 32]);
        blob.extend_from_slice(&[7; 32]);
        assert_eq!(HostKey::from_blob(&blob).key_type, "ssh-ed25519");
        assert_eq!(HostKey::from_blob(&[0, 0, 0]).key_type, "unknown");
        assert_eq!(
            HostKey::from_blob(&[255, 255, 255, 255, 1]).key_type,
            "unknown"
        );
    }

    #[test]
    fn tail_keeps_last_bytes() {
        let mut t = Tail::new(4);
        t.push(b"ab");
        t.push(b"cdef");
        assert_eq!(t.into_string(), "cdef");
        let mut t = Tail::new(4);
        t.push(b"0123456789");
        t.push(b"x");
        assert_eq!(t.into_string(), "789x");
    }

    #[test]
    fn known_hosts_names() {
        assert_eq!(known_hosts_name("h.example", 22), "h.example");
        assert_eq!(known_hosts_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }
}
