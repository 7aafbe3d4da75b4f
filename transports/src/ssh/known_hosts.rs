//! Host keys and OpenSSH known_hosts files: fingerprints, the keys a file holds for a host, and
//! trusting a key (replacing any old one).

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD as BASE64, STANDARD_NO_PAD as BASE64_NO_PAD};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::SshError;

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

/// The name OpenSSH writes in known_hosts for a host and port: `host` for port 22,
/// `[host]:port` otherwise.
pub fn known_hosts_name(address: &str, port: u16) -> String {
    if port == 22 {
        address.to_string()
    } else {
        format!("[{address}]:{port}")
    }
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

pub(super) fn fingerprint_of_blob(blob: &[u8]) -> String {
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
