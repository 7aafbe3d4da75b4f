//! Tests for the SSH transport: known_hosts round trips, trusting a changed key, the stderr tail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::exec::Tail;
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
