//! Small helpers: private files and folders, random secrets, free loopback ports, LDAP time formats.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha512};
use time::OffsetDateTime;

use crate::LabError;

/// Writes `contents` to `path`, readable and writable by the owner only (mode 0600). The file is
/// created with that mode (never world-readable, not even for an instant) and replaced if it exists.
/// No newline is added: the LDAP tools read a password file whole.
pub fn write_secret(path: &Path, contents: &str) -> Result<(), LabError> {
    if path.exists() {
        fs::remove_file(path).map_err(|e| LabError::io("removing old secret file", path, e))?;
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| LabError::io("creating secret file", path, e))?;
    f.write_all(contents.as_bytes())
        .map_err(|e| LabError::io("writing secret file", path, e))?;
    // The umask may only take bits away; make sure of 0600 anyway.
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .map_err(|e| LabError::io("setting mode 0600 on", path, e))
}

/// Writes an ordinary (non-secret) file.
pub(crate) fn write_file(path: &Path, contents: &str) -> Result<(), LabError> {
    fs::write(path, contents).map_err(|e| LabError::io("writing", path, e))
}

/// Creates `path` (and its parents) and makes it mode 0700.
pub(crate) fn private_dir(path: &Path) -> Result<(), LabError> {
    fs::create_dir_all(path).map_err(|e| LabError::io("creating folder", path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .map_err(|e| LabError::io("setting mode 0700 on", path, e))
}

/// `n` bytes from the kernel's random source.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>, LabError> {
    let mut buf = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| LabError::io("reading", "/dev/urandom", e))?;
    Ok(buf)
}

/// A random password of 20 letters and digits plus a fixed tail, so it meets every complexity
/// rule (upper, lower, digit, symbol) of both servers.
pub(crate) fn random_password() -> Result<String, LabError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let bytes = random_bytes(20)?;
    let mut s: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    s.push_str("-Aa1");
    Ok(s)
}

/// Picks a free TCP port on 127.0.0.1 (binds port 0 and lets it go). A port handed out once is
/// never handed out again by this process, so labs started in parallel threads do not collide.
pub fn free_port() -> Result<u16, LabError> {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..64 {
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| LabError::io("binding a free port", "127.0.0.1:0", e))?;
        let port = listener
            .local_addr()
            .map_err(|e| LabError::io("reading the bound port", "127.0.0.1:0", e))?
            .port();
        if given.insert(port) {
            return Ok(port);
        }
    }
    Err(LabError::NoFreeAddress { what: "TCP port" })
}

/// Standard base64 (with padding).
pub(crate) fn base64(data: &[u8]) -> String {
    BASE64.encode(data)
}

/// Decodes standard, padded base64 (whitespace such as LDIF line breaks skipped); `None` if it is
/// not valid.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    BASE64.decode(clean).ok()
}

/// An OpenLDAP `{SSHA512}` password hash (needs the pw-sha2 module).
pub(crate) fn ssha512(password: &str) -> Result<String, LabError> {
    let salt = random_bytes(8)?;
    let mut h = Sha512::new();
    h.update(password.as_bytes());
    h.update(&salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(&salt);
    Ok(format!("{{SSHA512}}{}", base64(&raw)))
}

/// The value of Active Directory's `unicodePwd` for `password`, base64 for LDIF (`unicodePwd::`).
pub(crate) fn unicode_pwd(password: &str) -> String {
    let quoted = format!("\"{password}\"");
    let bytes: Vec<u8> = quoted.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64(&bytes)
}

/// LDAP GeneralizedTime, e.g. `20250102030405Z`.
pub(crate) fn generalized_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Active Directory's GeneralizedTime (`whenCreated`), e.g. `20250102030405.0Z`.
pub(crate) fn ad_generalized_time(t: OffsetDateTime) -> String {
    let g = generalized_time(t);
    format!("{}.0Z", g.trim_end_matches('Z'))
}

/// Windows FILETIME (100 ns ticks since 1601-01-01), as in `lastLogonTimestamp`.
pub(crate) fn filetime(t: OffsetDateTime) -> i64 {
    const EPOCH_DIFF_SECS: i64 = 11_644_473_600;
    (t.unix_timestamp() + EPOCH_DIFF_SECS) * 10_000_000 + i64::from(t.nanosecond() / 100)
}

/// The last `n` lines of a text file (for error messages); empty if it cannot be read.
pub(crate) fn tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let enc = base64(s.as_bytes());
            assert_eq!(base64_decode(&enc).unwrap(), s.as_bytes());
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert!(base64_decode("Zm9").is_none());
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Zm9vYg=a").is_none());
        assert!(base64_decode("Zm9v====").is_none());
        assert!(base64_decode("Zh==").is_none());
        assert_eq!(base64_decode("Zm9v\nYmFy").unwrap(), b"foobar");
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        let enc = unicode_pwd("ab");
        let raw = base64_decode(&enc).unwrap();
        assert_eq!(raw, vec![b'"', 0, b'a', 0, b'b', 0, b'"', 0]);
    }

    #[test]
    fn times() {
        let t = time::macros::datetime!(2025-01-02 03:04:05 UTC);
        assert_eq!(generalized_time(t), "20250102030405Z");
        assert_eq!(ad_generalized_time(t), "20250102030405.0Z");
        // 2025-01-02T03:04:05Z in FILETIME.
        assert_eq!(filetime(t), 133_802_606_450_000_000);
    }

    #[test]
    fn secrets_are_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        write_secret(&p, "x").unwrap();
        write_secret(&p, "y").unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&p).unwrap(), "y");
    }

    #[test]
    fn passwords_are_complex() {
        let p = random_password().unwrap();
        assert!(p.len() >= 24);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(p.contains('-'));
    }

    #[test]
    fn ports_are_distinct() {
        let a = free_port().unwrap();
        let b = free_port().unwrap();
        assert_ne!(a, b);
    }
}
