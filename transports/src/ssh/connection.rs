//! One SSH connection: TCP connect, key exchange, the host key checked against known_hosts,
//! authentication, and a teardown that never waits on the remote.

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ssh2::{CheckResult, KnownHostFileKind, Session};

use super::known_hosts::{fingerprint_of_blob, known_hosts_name};
use super::{HostKey, SshAuth, SshError, SshTarget, LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_TIMEOUT};

/// A TCP connection with a completed SSH handshake. Dropping it without [`Connection::close`]
/// still tears everything down (the socket is shut down first so libssh2 never waits).
pub(super) struct Connection {
    pub(super) session: Session,
    /// A second handle on the socket the session owns, to shut it down.
    pub(super) socket: TcpStream,
    address: String,
    port: u16,
    pub(super) step_timeout: Duration,
}

impl Connection {
    /// Connects and completes the key exchange. With `known_hosts`, the host key algorithms
    /// for which the file already holds a key for this host are asked for first (as OpenSSH
    /// does), so a host with several keys is not mistaken for a changed one.
    pub(super) fn open(
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

    pub(super) fn host_key(&self) -> Result<HostKey, SshError> {
        match self.session.host_key() {
            Some((blob, _)) if !blob.is_empty() => Ok(HostKey::from_blob(blob)),
            _ => Err(SshError::HandshakeFailed {
                reason: "server sent no host key".to_string(),
            }),
        }
    }

    /// Strict host key check against the known_hosts file. Nothing has been sent beyond the key
    /// exchange when this runs.
    pub(super) fn verify_host_key(&self, known_hosts: &Path) -> Result<HostKey, SshError> {
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

    pub(super) fn authenticate(&self, target: &SshTarget) -> Result<(), SshError> {
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

    /// Ends the session. `polite`: say goodbye first (bounded by a short timeout).
    pub(super) fn close(self, polite: bool) {
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

pub(super) fn validate_address(address: &str) -> Result<(), SshError> {
    if address.is_empty() || address.contains('\0') || address.len() > 255 {
        return Err(SshError::InvalidTarget {
            reason: format!("bad address {address:?}"),
        });
    }
    Ok(())
}

pub(super) fn session_code(e: &ssh2::Error) -> Option<i32> {
    match e.code() {
        ssh2::ErrorCode::Session(code) => Some(code),
        ssh2::ErrorCode::SFTP(_) => None,
    }
}

/// Milliseconds for libssh2, at least 1 (0 would mean "no timeout").
/// The server's banner as printable ASCII, at most 255 characters (RFC 4253 allows 255).
pub(super) fn clip_banner(b: &str) -> String {
    b.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(255)
        .collect()
}

pub(super) fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}
