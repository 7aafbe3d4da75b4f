//! The daemon's socket with a real daemon and real clients run as other users (`setpriv`): who
//! may do what comes from the kernel's credentials and the groups NSS gives (here a group file
//! bind-mounted over /etc/group in the daemon's own mount namespace, so the machine's is never
//! touched); records are entered under the peer's own name ("root, via sudo by alice" from root
//! under sudo, and only from root); and two overlapping requests for the same audit give one run.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::daemon::{write_config, Daemon};
use crate::util::{caretaker, run};

const SITE: &str = r#"
reported_by = "Mrs Patel"
date = 2026-11-20
time = "10:15"
workstation = "ICT-07"
url = "https://www.example-science-sim.org/forces"
recommendation = "unblock"
resolution = ""
"#;

fn need(tool: &str, package: &str) {
    assert!(
        Path::new(tool).exists(),
        "{tool} is missing: apt-get install {package}"
    );
}

/// `caretaker ARGS --config CONFIG` run as user `uid` with primary group `gid` and no other
/// groups (as the kernel will tell the daemon), with `env` added.
fn as_user(
    home: &Path,
    config: &Path,
    uid: u32,
    gid: u32,
    env: &[(&str, &str)],
    args: &[&str],
) -> (i32, String, String) {
    let mut c = Command::new("/usr/bin/setpriv");
    c.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--clear-groups")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_caretaker"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("CARETAKER_CONFIG")
        .env_remove("SUDO_USER")
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied());
    run(c)
}

/// Who entered each record, as `assess export` lists them.
fn entered_by(home: &Path, config: &Path) -> Vec<String> {
    let mut c = caretaker(home);
    c.args(["assess", "export", "--format", "json", "--config"])
        .arg(config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    doc["records"]
        .as_array()
        .unwrap_or_else(|| panic!("no records in {doc}"))
        .iter()
        .map(|r| r["entered_by"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn who_may_do_what_comes_from_the_peers_credentials_and_records_bear_their_name() {
    need("/usr/bin/setpriv", "util-linux");
    need("/usr/bin/unshare", "util-linux");
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test runs clients as other users and needs root"
    );
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    // Other users must reach the configuration, the site file and the socket.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = write_config(
        dir,
        "[schedule]\naudit = \"off\"\n[daemon]\nadmin_group = \"caretaker-test-admin\"\nread_group = \"users\"\n",
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let site = dir.join("site.toml");
    std::fs::write(&site, SITE).unwrap();
    std::fs::set_permissions(&site, std::fs::Permissions::from_mode(0o644)).unwrap();
    let site = site.to_str().unwrap();
    // The daemon's view of the groups: the machine's, and an admin group with `bin` (uid 2) in it.
    let groups = dir.join("group");
    let mut text = std::fs::read_to_string("/etc/group").unwrap();
    text.push_str("caretaker-test-admin:x:4242:bin\n");
    std::fs::write(&groups, text).unwrap();
    std::fs::set_permissions(&groups, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut c = Command::new("/usr/bin/unshare");
    c.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind \"$1\" /etc/group && exec \"$2\" daemon --config \"$3\"")
        .arg("sh")
        .arg(&groups)
        .arg(env!("CARGO_BIN_EXE_caretaker"))
        .arg(&config)
        .env("HOME", dir)
        .env("NO_COLOR", "1");
    let daemon = Daemon::spawn(dir, c);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));

    // Outside both groups: refused, in words, with the status for it.
    let (code, _, err) = as_user(dir, &config, 65534, 65534, &[], &["runs"]);
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("may not use the caretaker daemon")
            && err.contains("caretaker-test-admin")
            && err.contains("users"),
        "{err}"
    );
    // The read group (here as the primary group, as the kernel gives it): lists, writes nothing.
    let (code, out, err) = as_user(dir, &config, 1, 100, &[], &["runs"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No runs stored yet"), "{out}");
    let (code, _, err) = as_user(dir, &config, 1, 100, &[], &["sites", "add", "--file", site]);
    assert_eq!(code, 77, "{err}");
    assert!(err.contains("may read but not change anything"), "{err}");
    let (code, _, err) = as_user(dir, &config, 1, 100, &[], &["audit", "--only", "directory"]);
    assert_eq!(code, 77, "{err}");
    // The admin group (a supplementary group, as NSS gives it): records, under its own name; a
    // SUDO_USER it claims is not root's to claim, so it is not heeded.
    let (code, out, err) = as_user(
        dir,
        &config,
        2,
        2,
        &[("SUDO_USER", "mallory")],
        &["sites", "add", "--file", site],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1", "{out}");
    // Root under sudo: recorded as root, and who ran sudo.
    let mut c = caretaker(dir);
    c.env("SUDO_USER", "alice")
        .args(["sites", "add", "--file", site, "--config"])
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        entered_by(dir, &config),
        vec!["bin".to_string(), "root, via sudo by alice".to_string()]
    );
    // A configuration this user may not read (as /etc/caretaker is closed to all but root and
    // the daemon): the daemon on $CARETAKER_SOCKET answers, with the configuration it uses.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let socket = dir.join("caretaker.sock");
    let socket = socket.to_str().unwrap();
    let (code, out, err) = as_user(
        dir,
        &config,
        2,
        2,
        &[("CARETAKER_SOCKET", socket)],
        &["sites", "list", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("www.example-science-sim.org"), "{out}");
    // The read group asks whether the daemon runs, and what runs next, the same way.
    let (code, out, err) = as_user(
        dir,
        &config,
        1,
        100,
        &[("CARETAKER_SOCKET", socket)],
        &["status"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("caretaker daemon: running"), "{out}");
    // With no daemon to ask, the configuration's own error, as before.
    let none = dir.join("none.sock");
    let (code, _, err) = as_user(
        dir,
        &config,
        2,
        2,
        &[("CARETAKER_SOCKET", none.to_str().unwrap())],
        &["runs"],
    );
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("cannot read the configuration file"), "{err}");
    let log = daemon.log();
    assert!(log.contains("refused"), "{log}");
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert!(
        !dir.join("caretaker.sock").exists(),
        "the socket is removed when the daemon stops"
    );
}

#[test]
fn two_overlapping_requests_for_the_same_audit_give_one_run() {
    // A proxy that takes connections and never answers: the filter run lasts its timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = write_config(
        dir,
        &format!(
            "[filter]\ntimeout_secs = 4\n[[filter.vantage]]\nname = \"pupil-wifi\"\ngroup = \"pupil\"\nsite = \"main\"\nproxy = \"http://127.0.0.1:{port}\"\n[schedule]\naudit = \"off\"\n"
        ),
    );
    let daemon = Daemon::start(dir, &config);
    daemon.wait_for("caretaker daemon started", Duration::from_secs(15));
    let audit = || {
        let mut c = caretaker(dir);
        c.args(["audit", "--only", "filter", "--format", "json", "--config"])
            .arg(&config)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c.spawn().unwrap()
    };
    let first = audit();
    daemon.wait_for("run 1 started", Duration::from_secs(15));
    let second = audit();
    daemon.wait_for("follows the run of filter", Duration::from_secs(15));
    let a = first.wait_with_output().unwrap();
    let b = second.wait_with_output().unwrap();
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(
        a.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let doc_a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let doc_b: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(doc_a["run"]["id"], doc_b["run"]["id"], "{doc_a}\n{doc_b}");
    let mut c = caretaker(dir);
    c.args(["runs", "--format", "json", "--config"])
        .arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let runs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.len(), 1, "{out}");
    drop(silent);

    // What a confused or hostile client sends is answered in words, and the daemon goes on.
    let socket = dir.join("caretaker.sock");
    for (sent, said) in [
        ("garbage\n", "not JSON"),
        (
            "{\"protocol\":2,\"call\":\"overview\"}\n",
            "speaks protocol 2",
        ),
        (
            "{\"protocol\":1,\"call\":\"drop_tables\"}\n",
            "does not read",
        ),
        ("{\"call\":\"overview\"}\n", "no `protocol`"),
    ] {
        let reply = raw(&socket, sent.as_bytes());
        assert!(reply.contains(said), "{sent:?} got {reply:?}");
    }
    // A request longer than a request may be is refused without being read into memory whole.
    let long = vec![b'x'; (1 << 20) + 10];
    let reply = raw(&socket, &long);
    assert!(reply.contains("at most"), "{reply:?}");
    let (code, _, err) = {
        let mut c = caretaker(dir);
        c.args(["runs", "--config"]).arg(&config);
        run(c)
    };
    assert_eq!(code, 0, "the daemon still answers: {err}");
}

/// Sends `bytes` on a new connection to the daemon's socket; the first line it answers.
fn raw(socket: &Path, bytes: &[u8]) -> String {
    use std::io::{BufRead as _, Write as _};
    let mut s = std::os::unix::net::UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(bytes);
    let mut line = String::new();
    let _ = std::io::BufReader::new(s).read_line(&mut line);
    line
}
