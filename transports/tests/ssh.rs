#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SSH transport against a real, private OpenSSH server on loopback (no mocks).
//! Needs `/usr/sbin/sshd` (apt-get install openssh-server) and `ssh-keygen`.

#[path = "support/sshd.rs"]
mod sshd;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use caretaker_transports::ssh::{
    fetch_host_key, known_hosts_name, run_many, run_probe, run_probe_chosen, trust_host_key,
    SshAuth, SshError, SshOutcome,
};
use sshd::{free_port, keygen, keygen_fingerprint, Sshd};

/// Type and base64 of a `.pub` file.
fn pub_fields(path: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut f = text.split_whitespace();
    (f.next().unwrap().to_string(), f.next().unwrap().to_string())
}

/// Fetches the server's key for `port` and trusts it in the target's known_hosts.
fn trust(server: &Sshd, port: u16) {
    let key = fetch_host_key("127.0.0.1", port, Duration::from_secs(2)).unwrap();
    trust_host_key(
        &server.path("known_hosts"),
        &known_hosts_name("127.0.0.1", port),
        &key,
    )
    .unwrap();
}

/// sshd's log once it has written the end of the last connection it accepted (so everything
/// that connection did is in it); fails after 10 s.
fn log_once_last_connection_ended(server: &Sshd) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = server.log();
        let last = log.rfind("Connection from ");
        let ended = last.is_some_and(|i| {
            log[i..].lines().skip(1).any(|l| {
                l.starts_with("Connection closed by ")
                    || l.starts_with("Disconnected from ")
                    || l.starts_with("Connection reset by ")
            })
        });
        if ended {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "sshd did not log the end of the last connection within 10 s:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn output(result: Result<SshOutcome, SshError>) -> (Vec<u8>, String, Option<i32>) {
    match result {
        Ok(SshOutcome::Output {
            stdout,
            stderr_tail,
            exit,
            ..
        }) => (stdout, stderr_tail, exit),
        Err(e) => panic!("probe failed: {e} ({e:?})"),
    }
}

/// The command is chosen after the server has identified itself: the chooser sees the banner of
/// the real sshd (`SSH-2.0-OpenSSH_… Debian-…`), and the command it returns is the one that runs.
#[test]
fn command_chosen_from_the_banner() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let target = server.target(server.port());
    let mut seen: Option<String> = None;
    let result = run_probe_chosen(&target, &mut |banner| {
        seen = banner.map(str::to_string);
        ("cat".to_string(), Some(b"chosen".to_vec()))
    });
    let banner = match &result {
        Ok(SshOutcome::Output { banner, .. }) => banner.clone(),
        Err(e) => panic!("probe failed: {e}"),
    };
    let (stdout, _, exit) = output(result);
    assert_eq!(stdout, b"chosen");
    assert_eq!(exit, Some(0));
    let seen = seen.expect("the chooser saw a banner");
    assert!(seen.starts_with("SSH-2.0-OpenSSH_"), "{seen}");
    assert_eq!(banner.as_deref(), Some(seen.as_str()));
}

#[test]
fn command_output_round_trip() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let target = server.target(server.port());
    let t0 = Instant::now();
    let result = run_probe(&target, "echo hello; echo oops >&2; exit 3", None);
    let (stdout, stderr, exit) = output(result);
    assert_eq!(stdout, b"hello\n");
    assert_eq!(stderr, "oops\n");
    assert_eq!(exit, Some(3));
    assert!(t0.elapsed() < Duration::from_secs(3));

    // stdin is fed to the command, then EOF.
    let (stdout, _, exit) = output(run_probe(&target, "cat", Some(b"ping\npong")));
    assert_eq!(stdout, b"ping\npong");
    assert_eq!(exit, Some(0));
}

#[test]
fn unknown_host_key_then_trust_then_success() {
    let server = Sshd::start(1);
    let port = server.port();
    let target = server.target(port);
    let expected = keygen_fingerprint(&server.host_key_pub());
    assert!(expected.starts_with("SHA256:"), "{expected}");

    // Nothing in known_hosts (the file does not even exist): refuse, show the fingerprint.
    let marker = server.path("ran");
    let cmd = format!("touch {}", marker.display());
    match run_probe(&target, &cmd, None) {
        Err(SshError::UnknownHostKey {
            fingerprint,
            key_type,
        }) => {
            assert_eq!(fingerprint, expected);
            assert_eq!(key_type, "ssh-ed25519");
        }
        other => panic!("expected UnknownHostKey, got {other:?}"),
    }
    assert!(!marker.exists(), "command ran despite an unknown host key");

    // fetch_host_key sees the same key; trusting it writes an OpenSSH known_hosts line.
    let key = fetch_host_key("127.0.0.1", port, Duration::from_secs(2)).unwrap();
    assert_eq!(key.fingerprint(), expected);
    let kh = server.path("known_hosts");
    trust_host_key(&kh, &known_hosts_name("127.0.0.1", port), &key).unwrap();
    let text = std::fs::read_to_string(&kh).unwrap();
    let pubfile = std::fs::read_to_string(server.host_key_pub()).unwrap();
    let pub_b64 = pubfile.split_whitespace().nth(1).unwrap();
    assert_eq!(text, format!("[127.0.0.1]:{port} ssh-ed25519 {pub_b64}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // ssh-keygen agrees the file is valid known_hosts and finds the host in it.
    let found = std::process::Command::new("ssh-keygen")
        .arg("-F")
        .arg(format!("[127.0.0.1]:{port}"))
        .arg("-f")
        .arg(&kh)
        .output()
        .unwrap();
    assert!(found.status.success());

    match run_probe(&target, &cmd, None) {
        Ok(SshOutcome::Output { exit, host_key, .. }) => {
            assert_eq!(exit, Some(0));
            assert_eq!(host_key.fingerprint(), expected);
        }
        other => panic!("expected success after trust, got {other:?}"),
    }
    assert!(marker.exists());
}

#[test]
fn changed_host_key_sends_nothing() {
    let mut server = Sshd::start(1);
    let port = server.port();
    trust(&server, port);
    let target = server.target(port);
    let old_fp = keygen_fingerprint(&server.host_key_pub());
    output(run_probe(&target, "true", None));

    server.restart_with_new_host_key();
    let new_fp = keygen_fingerprint(&server.host_key_pub());
    assert_ne!(old_fp, new_fp);
    let marker = server.path("intercepted");
    let cmd = format!("touch {}", marker.display());
    match run_probe(&target, &cmd, None) {
        Err(SshError::ChangedHostKey {
            expected_fp,
            got_fp,
        }) => {
            assert_eq!(expected_fp, old_fp);
            assert_eq!(got_fp, new_fp);
        }
        other => panic!("expected ChangedHostKey, got {other:?}"),
    }
    assert!(!marker.exists(), "command ran despite a changed host key");
    // Not even an authentication attempt reached the server.
    let log = log_once_last_connection_ended(&server);
    assert!(log.contains("Connection from 127.0.0.1"), "{log}");
    assert!(
        !log.contains("userauth"),
        "authentication was attempted:\n{log}"
    );
    assert!(!log.contains("Accepted"), "{log}");
}

#[test]
fn wrong_client_key_is_refused() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let other = server.path("other_key");
    keygen(&other);
    let mut target = server.target(server.port());
    target.auth = SshAuth::KeyFile(other);
    match run_probe(&target, "true", None) {
        Err(SshError::AuthRefused) => {}
        other => panic!("expected AuthRefused, got {other:?}"),
    }
    // The server log does show authentication attempts (what the changed-key test relies on).
    let log = log_once_last_connection_ended(&server);
    assert!(log.contains("publickey"), "{log}");
    // A key file that does not exist is a local problem, not a refusal.
    target.auth = SshAuth::KeyFile(server.path("no_such_key"));
    match run_probe(&target, "true", None) {
        Err(SshError::ClientKey { .. }) => {}
        other => panic!("expected ClientKey, got {other:?}"),
    }
}

#[test]
fn closed_port_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut target = caretaker_transports::ssh::SshTarget::new(
        "closed",
        "127.0.0.1",
        port,
        "nobody",
        SshAuth::KeyFile(dir.path().join("key")),
        dir.path().join("known_hosts"),
    );
    target.connect_timeout = Duration::from_secs(1);
    match run_probe(&target, "true", None) {
        Err(SshError::Refused) => {}
        other => panic!("expected Refused, got {other:?}"),
    }
    match fetch_host_key("127.0.0.1", port, Duration::from_secs(1)) {
        Err(SshError::Refused) => {}
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[test]
fn silent_listener_times_out() {
    // Accepts (via the kernel backlog) and never says anything.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut target = caretaker_transports::ssh::SshTarget::new(
        "silent",
        "127.0.0.1",
        port,
        "nobody",
        SshAuth::KeyFile(dir.path().join("key")),
        dir.path().join("known_hosts"),
    );
    target.connect_timeout = Duration::from_secs(1);
    let t0 = Instant::now();
    match run_probe(&target, "true", None) {
        Err(SshError::Timeout { step }) => assert_eq!(step, "handshake"),
        other => panic!("expected Timeout, got {other:?}"),
    }
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    match fetch_host_key("127.0.0.1", port, Duration::from_secs(1)) {
        Err(SshError::Timeout { .. }) => {}
        other => panic!("expected Timeout, got {other:?}"),
    }
    drop(listener);
}

#[test]
fn endless_command_is_cut_off() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let mut target = server.target(server.port());
    target.command_timeout = Duration::from_secs(1);
    let pidfile = server.path("sleep.pid");
    // `exec` so the recorded pid is the sleep itself, which the test then kills.
    let cmd = format!("echo $$ > {}; exec sleep 600", pidfile.display());
    let t0 = Instant::now();
    let result = run_probe(&target, &cmd, None);
    let took = t0.elapsed();
    if let Ok(pid) = std::fs::read_to_string(&pidfile) {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.trim())
            .status();
    }
    match result {
        Err(SshError::CommandTimedOut) => {}
        other => panic!("expected CommandTimedOut, got {other:?}"),
    }
    assert!(took < Duration::from_secs(3), "{took:?}");

    // Output that trickles forever is cut off by the same overall deadline.
    let t0 = Instant::now();
    let cmd = "i=0; while [ $i -lt 40 ]; do echo tick; sleep 0.1; i=$((i+1)); done";
    match run_probe(&target, cmd, None) {
        Err(SshError::CommandTimedOut) => {}
        other => panic!("expected CommandTimedOut, got {other:?}"),
    }
    assert!(t0.elapsed() < Duration::from_secs(3));
}

#[test]
fn huge_output_is_capped() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let mut target = server.target(server.port());
    target.max_output = 1024 * 1024;
    target.command_timeout = Duration::from_secs(10);
    let t0 = Instant::now();
    match run_probe(&target, "head -c 50000000 /dev/zero", None) {
        Err(SshError::OutputTooLarge { limit }) => assert_eq!(limit, 1024 * 1024),
        other => panic!("expected OutputTooLarge, got {:?}", other.map(|_| "output")),
    }
    // Stopped early rather than reading all 50 MB.
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());

    // Exactly at the limit is fine.
    let (stdout, _, exit) = output(run_probe(&target, "head -c 1048576 /dev/zero", None));
    assert_eq!(stdout.len(), 1024 * 1024);
    assert_eq!(exit, Some(0));
}

#[test]
fn non_utf8_bytes_come_back_intact() {
    let server = Sshd::start(1);
    trust(&server, server.port());
    let target = server.target(server.port());
    let (stdout, stderr, exit) = output(run_probe(
        &target,
        r"printf '\377\376\000abc\200\n'; printf '\377err' >&2",
        None,
    ));
    assert_eq!(stdout, b"\xff\xfe\x00abc\x80\n");
    assert_eq!(stderr, "\u{fffd}err");
    assert_eq!(exit, Some(0));
}

#[test]
fn run_many_runs_every_target() {
    let server = Sshd::start(4);
    for &port in &server.ports {
        trust(&server, port);
    }
    let targets: Vec<_> = (0..20)
        .map(|i| {
            let port = server.ports[i % server.ports.len()];
            let mut t = server.target(port);
            t.name = format!("host-{i:02}");
            t.connect_timeout = Duration::from_secs(5);
            (t, format!("echo {i}"))
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t0 = Instant::now();
    let results = rt.block_on(run_many(targets, 4));
    let took = t0.elapsed();
    assert_eq!(results.len(), 20);
    for (i, (name, result)) in results.into_iter().enumerate() {
        assert_eq!(name, format!("host-{i:02}"));
        let (stdout, _, exit) = output(result);
        assert_eq!(stdout, format!("{i}\n").into_bytes());
        assert_eq!(exit, Some(0));
    }
    eprintln!("run_many: 20 probes, concurrency 4, {took:?}");
}

#[test]
fn host_with_several_keys_uses_the_known_one() {
    // ecdsa and ed25519 host keys; known_hosts holds only the one libssh2 would NOT pick by
    // itself (as when it was filled by ssh-keyscan or an admin's ssh client).
    let server = Sshd::start_with_keys(1, &["ecdsa"]);
    let port = server.port();
    let default_key = fetch_host_key("127.0.0.1", port, Duration::from_secs(2)).unwrap();
    let ed = pub_fields(&server.host_key_pub());
    let ec = pub_fields(&server.extra_host_key_pub("ecdsa"));
    let (other_type, other_b64, other_pub) = if default_key.key_type == ed.0 {
        (ec.0, ec.1, server.extra_host_key_pub("ecdsa"))
    } else {
        (ed.0, ed.1, server.host_key_pub())
    };
    assert_ne!(default_key.key_type, other_type);
    std::fs::write(
        server.path("known_hosts"),
        format!("# written by hand\n[127.0.0.1]:{port} {other_type} {other_b64}\n"),
    )
    .unwrap();
    match run_probe(&server.target(port), "true", None) {
        Ok(SshOutcome::Output { host_key, exit, .. }) => {
            assert_eq!(exit, Some(0));
            assert_eq!(host_key.key_type, other_type);
            assert_eq!(host_key.fingerprint(), keygen_fingerprint(&other_pub));
        }
        other => panic!("expected success with the known key type, got {other:?}"),
    }
}
