//! A directory that is down, silent, refuses the password, shows a certificate we do not trust, or
//! is reached over plain LDAP without `allow_insecure`: each is an `error` finding for every
//! directory check, with the reason, and `caretaker audit` exits 2 (incomplete). The real slapd of
//! the sample school is the server.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use caretaker_lab::{LabOptions, SampleSchool};

use crate::report_schema::schema_errors;
use crate::util::{audit_json, findings, write_secret};

fn openldap_lab() -> SampleSchool {
    SampleSchool::start(LabOptions {
        openldap: true,
        active_directory: false,
        dir: None,
    })
    .unwrap_or_else(|e| panic!("the sample school's OpenLDAP did not start: {e}"))
}

/// A config for the lab's OpenLDAP with the given URL, CA file, password and extra keys.
fn config(
    dir: &Path,
    lab: &SampleSchool,
    url: &str,
    ca: &Path,
    password: &str,
    extra: &str,
) -> PathBuf {
    let ldap = lab.openldap().unwrap();
    write_secret(&dir.join("ldap.pass"), password);
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        format!(
            r#"version = 1
[store]
path = "caretaker.db"
[[directory]]
name = "ldap"
kind = "openldap"
url = "{url}"
ca_file = "{ca}"
bind_dn = "{bind}"
bind_password_file = "ldap.pass"
base_dn = "{base}"
timeout_secs = 2
{extra}
"#,
            ca = ca.display(),
            bind = ldap.bind_dn(),
            base = ldap.base_dn(),
        ),
    )
    .unwrap();
    path
}

fn real_password(lab: &SampleSchool) -> String {
    std::fs::read_to_string(lab.openldap().unwrap().bind_password_file())
        .unwrap()
        .trim()
        .to_string()
}

/// Asserts the audit could not check anything and said why, for every directory check.
fn assert_all_errors(code: i32, doc: &serde_json::Value, err: &str, reason_has: &[&str]) {
    assert_eq!(
        code, 2,
        "exit code 2 (incomplete); stderr: {err}; doc: {doc:#}"
    );
    assert!(schema_errors(doc).is_empty(), "{:?}", schema_errors(doc));
    let fs = findings(doc);
    assert!(!fs.is_empty(), "an error finding, not silence");
    let ids: std::collections::BTreeSet<&str> =
        fs.iter().map(|f| f["check"].as_str().unwrap()).collect();
    assert!(
        ids.contains("directory.password-policy") && ids.contains("directory.stale-accounts"),
        "{ids:?}"
    );
    for f in &fs {
        assert_eq!(f["status"], "error", "{f:#}");
        let text = serde_json::to_string(f).unwrap().to_lowercase();
        assert!(
            reason_has.iter().any(|r| text.contains(&r.to_lowercase())),
            "the finding names the reason ({reason_has:?}): {f:#}"
        );
    }
}

#[test]
fn directory_down_is_an_error_with_the_reason() {
    let lab = openldap_lab();
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let ca = lab.openldap().unwrap().ca_file().to_path_buf();
    let cfg = config(
        dir.path(),
        &lab,
        &format!("ldaps://127.0.0.1:{port}"),
        &ca,
        &real_password(&lab),
        "",
    );
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    assert_all_errors(code, &doc, &err, &["refused"]);
}

#[test]
fn a_directory_that_never_answers_times_out() {
    let lab = openldap_lab();
    let dir = tempfile::tempdir().unwrap();
    // Accepts connections (the kernel's backlog does) but never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let ca = lab.openldap().unwrap().ca_file().to_path_buf();
    let cfg = config(
        dir.path(),
        &lab,
        &format!("ldaps://127.0.0.1:{port}"),
        &ca,
        &real_password(&lab),
        "",
    );
    let started = Instant::now();
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    // A guard against hanging, not a speed test: the configured step timeout is 2 s.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the audit hung"
    );
    assert_all_errors(
        code,
        &doc,
        &err,
        &["within 2", "timed out", "did not answer"],
    );
    drop(silent);
}

#[test]
fn a_wrong_password_is_an_error_naming_the_refused_bind() {
    let lab = openldap_lab();
    let dir = tempfile::tempdir().unwrap();
    let ldap = lab.openldap().unwrap();
    let cfg = config(
        dir.path(),
        &lab,
        ldap.ldaps_url(),
        ldap.ca_file(),
        "not-the-password",
        "",
    );
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    assert_all_errors(code, &doc, &err, &["invalid credentials"]);
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        !text.contains("not-the-password"),
        "the password never appears in a report"
    );
}

#[test]
fn an_untrusted_certificate_is_an_error_naming_the_certificate() {
    let lab = openldap_lab();
    let dir = tempfile::tempdir().unwrap();
    // A certificate authority of our own, which did not sign the lab server's certificate.
    let other_ca = dir.path().join("other-ca.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=Some Other CA",
        ])
        .arg("-keyout")
        .arg(dir.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is needed: apt-get install openssl");
    assert!(status.success());
    let ldap = lab.openldap().unwrap();
    let cfg = config(
        dir.path(),
        &lab,
        ldap.ldaps_url(),
        &other_ca,
        &real_password(&lab),
        "",
    );
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    assert_all_errors(code, &doc, &err, &["certificate"]);
}

#[test]
fn plain_ldap_is_refused_unless_allowed() {
    let lab = openldap_lab();
    let dir = tempfile::tempdir().unwrap();
    let ldap = lab.openldap().unwrap();
    let cfg = config(
        dir.path(),
        &lab,
        ldap.ldap_url(),
        ldap.ca_file(),
        &real_password(&lab),
        "",
    );
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    assert_all_errors(code, &doc, &err, &["allow_insecure"]);

    // StartTLS on the same plain port is encrypted, so it is allowed.
    let cfg = config(
        dir.path(),
        &lab,
        ldap.ldap_url(),
        ldap.ca_file(),
        &real_password(&lab),
        "starttls = true",
    );
    let (code, doc, err) = audit_json(dir.path(), &cfg, &[]);
    assert_ne!(code, 2, "StartTLS reaches the directory: {err} {doc:#}");
    assert!(
        findings(&doc).iter().all(|f| f["status"] != "error"),
        "{doc:#}"
    );

    // And plain LDAP with allow_insecure = true works too (a lab only).
    let cfg = config(
        dir.path(),
        &lab,
        ldap.ldap_url(),
        ldap.ca_file(),
        &real_password(&lab),
        "allow_insecure = true",
    );
    let (code, doc, _) = audit_json(dir.path(), &cfg, &[]);
    assert_ne!(code, 2, "{doc:#}");
}
