//! Running the real binary in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

/// The `caretaker` binary built for these tests, with a clean environment for config lookup.
pub fn caretaker(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_caretaker"));
    c.env_remove("CARETAKER_CONFIG")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1");
    c
}

/// Output as (exit code, stdout, stderr).
pub fn run(mut c: Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("run caretaker");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs `caretaker audit --format json` and returns (exit code, parsed document, stderr).
pub fn audit_json(home: &Path, config: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut c = caretaker(home);
    c.arg("audit")
        .arg("--config")
        .arg(config)
        .args(["--format", "json"])
        .args(extra);
    let (code, out, err) = run(c);
    let doc = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("audit printed no JSON ({e}): {out}\n{err}"));
    (code, doc, err)
}

/// The findings of a report document.
pub fn findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// Writes a secret file, mode 0600.
pub fn write_secret(path: &Path, value: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, value).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The sample school's web filter alone (squid, dnsmasq, nginx, the pupil, staff and guest
/// machines), for the tests of the filter, its log and the console.
pub fn filter_school() -> caretaker_lab::SampleSchool {
    caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        caretaker_lab::Extras {
            hosts: false,
            bulk_pupils: 0,
            filter: true,
        },
    )
    .unwrap_or_else(|e| panic!("the sample school's web filter did not start: {e}"))
}

/// The value of an evidence key of a finding in a report document (empty if absent).
pub fn evidence_value(f: &serde_json::Value, key: &str) -> String {
    f["evidence"]["values"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["key"] == key)
        .map(|v| v["value"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// A school with no directory and no machines (only the store matters): its caretaker.toml in
/// `dir`.
pub fn bare_school(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        "version = 1\n[school]\nname = \"St. Example's Primary\"\n[store]\npath = \"caretaker.db\"\n",
    )
    .unwrap();
    path
}
