//! A run stopped part-way is recorded as interrupted, never lost and never corrupt: by SIGTERM
//! (the audit finishes writing and says so) or by SIGKILL (the next process to open the store
//! marks it).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::util::{caretaker, run, write_secret};

/// A config whose directory accepts connections and never answers, with long timeouts, so an
/// audit is certainly still running when it is stopped.
fn slow_config(dir: &Path, port: u16) -> PathBuf {
    write_secret(&dir.join("pw"), "password");
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        format!(
            "version = 1\n[store]\npath = \"caretaker.db\"\n[audit]\ntimeout_secs = 60\n[[directory]]\nname = \"ad\"\n\
             kind = \"active-directory\"\nurl = \"ldaps://127.0.0.1:{port}\"\nbind_dn = \"cn=x\"\n\
             bind_password_file = \"pw\"\nbase_dn = \"dc=x\"\ntimeout_secs = 50\n"
        ),
    )
    .unwrap();
    path
}

fn start_audit(home: &Path, config: &Path) -> Child {
    let mut c = caretaker(home);
    c.args(["audit", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(home.join("audit.stderr")).unwrap());
    c.spawn().unwrap()
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

fn runs(home: &Path, config: &Path) -> Vec<serde_json::Value> {
    let mut c = caretaker(home);
    c.args(["runs", "--format", "json", "--config"]).arg(config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Waits (bounded) until the run is in the store as running.
fn wait_running(home: &Path, config: &Path) {
    for _ in 0..100 {
        if runs(home, config)
            .first()
            .is_some_and(|r| r["state"] == "running")
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = std::fs::read_to_string(home.join("audit.stderr")).unwrap_or_default();
    panic!(
        "the audit never recorded a running run; runs: {:?}; its stderr: {stderr}",
        runs(home, config)
    );
}

#[test]
fn sigterm_marks_the_run_interrupted_and_exits_2() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = slow_config(dir.path(), silent.local_addr().unwrap().port());
    let mut child = start_audit(dir.path(), &config);
    wait_running(dir.path(), &config);
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let r = runs(dir.path(), &config);
    assert_eq!(r[0]["state"], "interrupted", "{r:#?}");
    assert!(r[0]["ended_at"].is_string());
}

#[test]
fn sigkill_leaves_a_run_the_next_process_marks_interrupted() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = slow_config(dir.path(), silent.local_addr().unwrap().port());
    let mut child = start_audit(dir.path(), &config);
    wait_running(dir.path(), &config);
    signal(&child, "KILL");
    child.wait().unwrap();
    let r = runs(dir.path(), &config);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["state"], "interrupted", "{r:#?}");
    // The store is whole: a new audit can be recorded after it.
    let store = dir.path().join("caretaker.db");
    let out = std::process::Command::new("sqlite3")
        .arg(&store)
        .arg("PRAGMA integrity_check;")
        .output()
        .expect("sqlite3 is needed: apt-get install sqlite3");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}
