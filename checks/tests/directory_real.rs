#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The directory checks against real servers: the sample school of `caretaker-lab` (slapd with
//! ppolicy, and a Samba AD domain controller), plus sockets of our own for the failure cases.
//!
//! A missing server program makes these tests fail with the lab's install hint; they never skip.
//! The Active Directory test needs root (Samba must listen on 389/636 of its own loopback address).

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretaker_checks::directory::{self, CHECK_IDS};
use caretaker_checks::{Finding, Status, TargetKind};
use caretaker_config::{Directory, Secret};
use caretaker_lab::{Extras, LabOptions, SampleSchool, School};
use time::OffsetDateTime;

fn start(openldap: bool, ad: bool) -> SampleSchool {
    SampleSchool::start(LabOptions {
        openldap,
        active_directory: ad,
        dir: None,
    })
    .unwrap_or_else(|e| panic!("could not start the sample school: {e}"))
}

/// The `[[directory]]` called `name` from the lab's caretaker.toml, loaded the way caretaker does.
fn directory(lab: &SampleSchool, name: &str) -> Directory {
    let loaded =
        caretaker_config::load(lab.config_path()).unwrap_or_else(|e| panic!("lab config: {e}"));
    loaded
        .config
        .directories
        .into_iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no [[directory]] {name}"))
}

async fn audit(dir: &Directory) -> Vec<Finding> {
    directory::audit(dir, OffsetDateTime::now_utc()).await
}

fn of<'a>(fs: &'a [Finding], check: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.check.as_str() == check).collect()
}

/// Every finding of a run has its own fingerprint (check, target kind, scope, name), as the store
/// and the console key them.
fn assert_unique_fingerprints(fs: &[Finding]) {
    let mut seen = std::collections::HashSet::new();
    for f in fs {
        let fp = format!(
            "{}|{}|{}|{}",
            f.check,
            f.target.kind.as_str(),
            f.target.scope,
            f.target.name
        );
        assert!(
            seen.insert(fp.clone()),
            "two findings are {fp}:\n{}",
            show(fs)
        );
    }
}

fn show(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "{:5} {:34} {:24} {}",
                f.status.as_str(),
                f.check.as_str(),
                f.target.label(),
                f.summary
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every check id answered with an error about the directory, starting with a plain sentence.
fn assert_all_errors(fs: &[Finding], name: &str, needle: &str) {
    assert_eq!(fs.len(), CHECK_IDS.len(), "{}", show(fs));
    for (f, id) in fs.iter().zip(CHECK_IDS) {
        assert_eq!(f.check.as_str(), *id);
        assert_eq!(f.status, Status::Error, "{}", show(fs));
        assert_eq!(f.target.kind, TargetKind::Directory);
        assert_eq!(f.target.name, name);
        assert!(f.summary.starts_with("Could not "), "{}", f.summary);
        assert!(
            f.summary.contains(needle),
            "expected {needle:?} in {:?}",
            f.summary
        );
        assert!(
            f.evidence.get("reason").is_some_and(|r| !r.is_empty()),
            "{:?}",
            f.evidence
        );
        assert!(f.remediation.as_deref().is_some_and(|r| !r.is_empty()));
    }
}

/// A directory config pointing at `url`, without any server behind it.
fn bare(url: &str) -> Directory {
    let mut d: Directory = toml::from_str(&format!(
        r#"
        name = "ad"
        kind = "active-directory"
        url = "{url}"
        bind_dn = "caretaker@school.local"
        bind_password_env = "UNUSED"
        base_dn = "DC=school,DC=local"
        timeout_secs = 2
        "#
    ))
    .unwrap();
    d.bind_password = Some(Secret::new("not-a-real-password"));
    d
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

// ----- OpenLDAP -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openldap_sample_school() {
    let lab = start(true, false);
    let ldap = lab.openldap().expect("openldap");
    let dir = directory(&lab, "ldap");
    let fs = audit(&dir).await;
    println!("{}", show(&fs));

    assert_eq!(
        of(&fs, "directory.connect")[0].status,
        Status::Pass,
        "{}",
        show(&fs)
    );
    assert_unique_fingerprints(&fs);
    // The compliant default policy passes (it governs staff and admins); the pupils' policy never
    // locks. One finding per policy and check.
    let pol = "default";
    let p: Vec<_> = of(&fs, "directory.password-policy")
        .into_iter()
        .filter(|f| f.target.name == pol)
        .collect();
    assert!(
        p.len() == 1 && p[0].status == Status::Pass,
        "{pol}: {}",
        show(&fs)
    );
    assert_eq!(
        p[0].evidence.get("populations"),
        Some("staff, pupils, admins")
    );
    let l: Vec<_> = of(&fs, "directory.lockout")
        .into_iter()
        .filter(|f| f.target.name == pol)
        .collect();
    assert!(
        l.len() == 1 && l[0].status == Status::Pass,
        "{pol}: {}",
        show(&fs)
    );
    // Exactly the planted problems fail, and nothing could not be checked.
    let mut failing: Vec<(String, String)> = fs
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.check.as_str().to_string(), f.target.name.clone()))
        .collect();
    failing.sort();
    let mut planted: Vec<(String, String)> = lab
        .planted_problems()
        .into_iter()
        .map(|p| (p.check.to_string(), p.target))
        .collect();
    planted.sort();
    assert_eq!(failing, planted, "{}", show(&fs));
    assert!(
        fs.iter().all(|f| f.status != Status::Error),
        "{}",
        show(&fs)
    );

    // Weaken the default policy: staff passwords may now be 7 characters, never checked.
    let default_dn = fs
        .iter()
        .filter(|f| f.check.as_str() == "directory.password-policy" && f.target.name == "default")
        .find_map(|f| f.evidence.get("policy_dn").map(str::to_string))
        .expect("the staff policy's DN in evidence");
    ldap.ldapmodify(&format!(
        "dn: {default_dn}\nchangetype: modify\nreplace: pwdMinLength\npwdMinLength: 7\n-\nreplace: pwdMaxFailure\npwdMaxFailure: 50\n"
    ))
    .unwrap();
    let fs = audit(&dir).await;
    let staff: Vec<_> = of(&fs, "directory.password-policy")
        .into_iter()
        .filter(|f| f.target.name == "default")
        .collect();
    let weak = staff
        .iter()
        .find(|f| f.status == Status::Fail)
        .unwrap_or_else(|| panic!("{}", show(&fs)));
    assert!(
        weak.summary
            .contains("The default password policy \"default\" lets passwords be as short as 7 characters; it applies to "),
        "{}",
        weak.summary
    );
    assert!(
        weak.summary
            .ends_with("and the school's policy needs at least 12 for staff."),
        "{}",
        weak.summary
    );
    assert_eq!(weak.evidence.get("pwdMinLength"), Some("7"));
    assert!(weak
        .remediation
        .as_deref()
        .unwrap()
        .contains("pwdMinLength: 12"));
    let lock: Vec<_> = of(&fs, "directory.lockout")
        .into_iter()
        .filter(|f| f.target.name == "default")
        .collect();
    assert!(
        lock.iter()
            .any(|f| f.status == Status::Fail && f.summary.contains("after 50 wrong passwords")),
        "{}",
        show(&fs)
    );

    // directory.leavers against slapd, from a Bromcom export matched by login: d.evans left ten
    // days ago and is enabled (fails), r.singh is on no list (fails), g.leaver left long ago and is
    // locked for good, e.hughes leaves in 100 days; the shared and test logins are never judged.
    assert!(
        of(&fs, "directory.leavers").is_empty(),
        "no roster, no findings"
    );
    let tmp = tempfile::tempdir().unwrap();
    let today = OffsetDateTime::now_utc().date();
    let uk = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut csv = String::from("Staff Code,First Name,Username,Work Email,End Date\r\n");
    for (login, left) in [
        ("a.patel", String::new()),
        ("b.okafor", String::new()),
        ("c.wright", String::new()),
        ("d.evans", (today - time::Duration::days(10)).to_string()),
        ("e.hughes", uk(today + time::Duration::days(100))),
        ("f.ahmed", String::new()),
        ("m.brown", String::new()),
        ("j.testa", String::new()),
        ("g.leaver", uk(today - time::Duration::days(400))),
    ] {
        csv.push_str(&format!("X{login},Person,{login},,{left}\r\n"));
    }
    let path = tmp.path().join("bromcom.csv");
    std::fs::write(&path, csv).unwrap();
    let mut with_roster = dir.clone();
    with_roster.rosters.push(
        toml::from_str(&format!(
            "path = {:?}\nformat = \"bromcom\"\ncovers = [\"staff\"]\n",
            path.display().to_string()
        ))
        .unwrap(),
    );
    let fs = audit(&with_roster).await;
    let lv = of(&fs, "directory.leavers");
    let mut failing: Vec<(&str, &str)> = lv
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.target.name.as_str(), f.summary.as_str()))
        .collect();
    failing.sort();
    assert_eq!(
        failing.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["d.evans", "r.singh"],
        "{}",
        show(&fs)
    );
    assert!(
        failing[0].1.starts_with("d.evans left on "),
        "{}",
        failing[0].1
    );
    assert!(
        failing[1]
            .1
            .starts_with("r.singh is not on the school's list of people from Bromcom"),
        "{}",
        failing[1].1
    );
    assert_eq!(lv.len(), 2, "{}", show(&fs));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openldap_over_starttls_and_failures() {
    let lab = start(true, false);
    let ldap = lab.openldap().expect("openldap");
    let good = directory(&lab, "ldap");

    // StartTLS on the plain port reads the same directory.
    let mut st = good.clone();
    st.url = ldap.ldap_url().to_string();
    st.starttls = true;
    let fs = audit(&st).await;
    assert_eq!(
        of(&fs, "directory.connect")[0].status,
        Status::Pass,
        "{}",
        show(&fs)
    );
    assert!(
        fs.iter().all(|f| f.status != Status::Error),
        "{}",
        show(&fs)
    );

    // Plain ldap:// with allow_insecure: it works, and the connection finding says it is not encrypted.
    let mut plain = good.clone();
    plain.url = ldap.ldap_url().to_string();
    plain.allow_insecure = true;
    let fs = audit(&plain).await;
    let c = of(&fs, "directory.connect");
    assert_eq!(c[0].status, Status::Warn, "{}", show(&fs));
    assert!(c[0].summary.contains("unencrypted"));

    // Wrong password: every check is an error naming invalid credentials.
    let mut wrong = good.clone();
    wrong.bind_password = Some(Secret::new("definitely-not-it"));
    let fs = audit(&wrong).await;
    assert_all_errors(&fs, "ldap", "invalid credentials");
    assert!(
        fs[0].evidence.get("reason").unwrap().contains("49"),
        "{:?}",
        fs[0].evidence
    );
    for f in &fs {
        assert!(
            !f.evidence.one_line(" ").contains("definitely-not-it"),
            "the password leaked into evidence"
        );
        assert!(!f.summary.contains("definitely-not-it"));
    }

    // A CA that did not sign the server's certificate: an error naming the certificate.
    let mut untrusted = good.clone();
    untrusted.ca_file = Some(fixture("tls/unrelated-ca.pem"));
    let fs = audit(&untrusted).await;
    assert_all_errors(&fs, "ldap", "certificate");
    assert!(
        fs[0].remediation.as_deref().unwrap().contains("ca_file"),
        "{:?}",
        fs[0].remediation
    );

    // No ca_file: the system's trusted CAs do not include the lab CA.
    let mut system = good.clone();
    system.ca_file = None;
    let fs = audit(&system).await;
    assert_all_errors(&fs, "ldap", "certificate");

    // ldaps:// to the plain port: the TLS handshake fails.
    let mut mismatch = good.clone();
    mismatch.url = ldap.ldap_url().replacen("ldap://", "ldaps://", 1);
    let fs = audit(&mismatch).await;
    assert_all_errors(&fs, "ldap", "secure connection");

    // A base DN that does not exist.
    let mut nobase = good.clone();
    nobase.base_dn = "dc=nowhere,dc=example".into();
    let fs = audit(&nobase).await;
    assert!(
        fs.iter().all(|f| f.status == Status::Error),
        "{}",
        show(&fs)
    );

    // The server stops: connection refused, quickly.
    ldap.stop();
    let started = Instant::now();
    let fs = audit(&good).await;
    assert_all_errors(&fs, "ldap", "refused the connection");
    assert!(
        started.elapsed() < Duration::from_secs(good.timeout_secs),
        "{:?}",
        started.elapsed()
    );
}

// ----- Failures without a directory server ------------------------------------------------------

#[tokio::test]
async fn plain_ldap_without_allow_insecure_is_refused_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = bare(&format!("ldap://127.0.0.1:{port}"));
    let fs = audit(&dir).await;
    assert_all_errors(&fs, "ad", "in clear");
    assert!(fs[0]
        .remediation
        .as_deref()
        .unwrap()
        .contains("starttls = true"));
    // Nobody knocked.
    assert!(
        listener.accept().is_err(),
        "caretaker connected although it should not have"
    );
}

#[tokio::test]
async fn connection_refused_is_an_error_per_check_within_the_timeout() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = bare(&format!("ldaps://127.0.0.1:{port}"));
    let started = Instant::now();
    let fs = audit(&dir).await;
    assert!(
        started.elapsed() < Duration::from_secs(dir.timeout_secs),
        "{:?}",
        started.elapsed()
    );
    assert_all_errors(&fs, "ad", "refused the connection");
    assert_eq!(
        fs[1].summary,
        format!("Could not check staff and pupil password rules: the directory \"ad\" refused the connection at ldaps://127.0.0.1:{port} (nothing is listening there).")
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts TCP connections (the kernel does, from the backlog) but never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(s);
        }
    });
    for url in [
        format!("ldaps://127.0.0.1:{port}"),
        format!("ldap://127.0.0.1:{port}"),
    ] {
        let mut dir = bare(&url);
        dir.timeout_secs = 1;
        dir.starttls = url.starts_with("ldap://");
        let started = Instant::now();
        let fs = audit(&dir).await;
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(4),
            "{took:?}"
        );
        assert_all_errors(&fs, "ad", "did not answer");
        assert!(
            fs[0].summary.contains("within 1 second "),
            "{}",
            fs[0].summary
        );
    }
    assert!(accepted.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn an_unreadable_ca_file_is_an_error() {
    let mut dir = bare("ldaps://127.0.0.1:1");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("ca.pem");
    std::fs::File::create(&p)
        .unwrap()
        .write_all(b"not a certificate\n")
        .unwrap();
    dir.ca_file = Some(p);
    let fs = audit(&dir).await;
    assert_all_errors(&fs, "ad", "certificate authority file");
}

// ----- Active Directory (Samba) ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_directory_sample_school() {
    let lab = start(false, true);
    let ad = lab.ad().expect("ad");
    let dir = directory(&lab, "ad");
    let fs = audit(&dir).await;
    println!("{}", show(&fs));
    assert_eq!(
        of(&fs, "directory.connect")[0].status,
        Status::Pass,
        "{}",
        show(&fs)
    );

    // Every planted problem is reported by the check that must report it.
    for p in lab.planted_problems() {
        assert!(
            fs.iter().any(|f| f.check.as_str() == p.check
                && f.target.name == p.target
                && f.status == Status::Fail),
            "planted problem not found: {p:?}\n{}",
            show(&fs)
        );
    }
    assert_unique_fingerprints(&fs);
    // Nothing fails that was not planted: adm.b.okafor is a separate admin account (named after
    // b.okafor, with the same names), old.leaver is disabled.
    for f in fs.iter().filter(|f| f.status == Status::Fail) {
        assert!(
            lab.planted_problems()
                .iter()
                .any(|p| p.check == f.check.as_str() && p.target == f.target.name),
            "not planted: {f:?}\n{}",
            show(&fs)
        );
    }
    // The domain's own policy is named where it is wrong, with whom it governs.
    let lock = of(&fs, "directory.lockout")
        .into_iter()
        .find(|f| f.target.name == "Default domain policy")
        .unwrap_or_else(|| panic!("{}", show(&fs)));
    assert!(
        lock.summary
            .starts_with("The domain's default policy never locks accounts")
            && lock
                .summary
                .contains("not covered by a fine-grained policy"),
        "{}",
        lock.summary
    );
    // The guest account is off; EYFS and Reception are exempt.
    assert_eq!(of(&fs, "directory.guest")[0].status, Status::Pass);
    for y in ["EYFS", "Reception"] {
        assert!(of(&fs, "directory.own-logins")
            .iter()
            .any(|f| f.target.name == y && f.status == Status::Pass));
    }
    assert!(
        fs.iter().all(|f| f.status != Status::Error),
        "{}",
        show(&fs)
    );

    // Fix the domain policy with the remediation's own command; staff and admins then pass.
    ad.samba_tool(&[
        "domain",
        "passwordsettings",
        "set",
        "--min-pwd-length=12",
        "--account-lockout-threshold=10",
    ])
    .unwrap();
    let fs = audit(&dir).await;
    for check in ["directory.password-policy", "directory.lockout"] {
        let v: Vec<_> = of(&fs, check)
            .into_iter()
            .filter(|f| f.target.name == "Default domain policy")
            .collect();
        assert!(
            v.len() == 1 && v[0].status == Status::Pass,
            "{check}:\n{}",
            show(&fs)
        );
    }

    // directory.leavers, from the lab's SIMS staff export (mis/sims-staff.csv): c.wright left 98
    // days ago and is enabled; old.leaver left long ago and is disabled; e.hughes leaves later.
    let lv = of(&fs, "directory.leavers");
    let failing: Vec<&str> = lv
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| f.target.name.as_str())
        .collect();
    assert_eq!(failing, ["c.wright"], "{}", show(&fs));
    assert!(lv.iter().all(|f| f.status == Status::Fail), "{}", show(&fs));
    assert!(
        lv[0].summary.starts_with("c.wright left on "),
        "{}",
        lv[0].summary
    );
    assert!(!lv[0].summary.contains("Chloe") && lv[0].evidence.get("format") == Some("sims"));
    // Switched off, as the school should: the leaver is no longer reported and the staff pass.
    ad.samba_tool(&["user", "disable", "c.wright"]).unwrap();
    let fs = audit(&dir).await;
    let lv = of(&fs, "directory.leavers");
    assert!(
        lv.len() == 1 && lv[0].status == Status::Pass,
        "{}",
        show(&fs)
    );
    ad.samba_tool(&["user", "enable", "c.wright"]).unwrap();

    // Switch the guest account on: it fails, with the command to switch it off.
    ad.samba_tool(&["user", "enable", "Guest"]).unwrap();
    let fs = audit(&dir).await;
    let g = of(&fs, "directory.guest");
    assert_eq!(g[0].status, Status::Fail, "{}", show(&fs));
    assert!(g[0]
        .remediation
        .as_deref()
        .unwrap()
        .contains("samba-tool user disable Guest"));

    // Samba refuses a simple bind over plain ldap:// even when caretaker is told to allow it.
    let mut plain = dir.clone();
    plain.url = format!("ldap://{}", ad.address());
    plain.allow_insecure = true;
    let fs = audit(&plain).await;
    assert_all_errors(&fs, "ad", "Strong(er) authentication required");

    // StartTLS works.
    let mut st = dir.clone();
    st.url = format!("ldap://{}", ad.address());
    st.starttls = true;
    let fs = audit(&st).await;
    assert_eq!(
        of(&fs, "directory.connect")[0].status,
        Status::Pass,
        "{}",
        show(&fs)
    );

    // Wrong password.
    let mut wrong = dir.clone();
    wrong.bind_password = Some(Secret::new("wrong-password-1"));
    let fs = audit(&wrong).await;
    assert_all_errors(&fs, "ad", "invalid credentials");
}

/// Riverside Primary Academy, the second sample school (OpenLDAP only, laid out unlike the first):
/// with its own caretaker.toml (no name patterns, no thresholds), every planted problem is found by
/// its check and target, nothing else fails or errs, and every finding has its own fingerprint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn riverside_directory() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: true,
            active_directory: false,
            dir: None,
        },
        Extras {
            school: School::Riverside,
            ..Extras::default()
        },
    )
    .unwrap_or_else(|e| panic!("could not start Riverside: {e}"));
    let dir = directory(&lab, "ldap");
    assert!(dir.base_dn.contains("riverside"));
    let fs = audit(&dir).await;
    println!("{}", show(&fs));
    assert_unique_fingerprints(&fs);

    let planted = lab.planted_problems();
    assert!(planted.len() >= 5, "{planted:?}");
    let mut found = 0;
    for p in &planted {
        if fs.iter().any(|f| {
            f.check.as_str() == p.check && f.target.name == p.target && f.status == Status::Fail
        }) {
            found += 1;
        } else {
            panic!("planted problem not found: {p:?}\n{}", show(&fs));
        }
    }
    let false_alarms: Vec<&Finding> = fs
        .iter()
        .filter(|f| f.status != Status::Pass)
        .filter(|f| {
            !planted
                .iter()
                .any(|p| p.check == f.check.as_str() && p.target == f.target.name)
        })
        .collect();
    println!(
        "Riverside: {found} of {} planted problems found, {} false alarms",
        planted.len(),
        false_alarms.len()
    );
    assert!(false_alarms.is_empty(), "not planted:\n{}", show(&fs));

    // How each was recognised is in the evidence.
    let get = |check: &str, name: &str| {
        fs.iter()
            .find(|f| f.check.as_str() == check && f.target.name == name)
            .unwrap_or_else(|| panic!("{check} {name}\n{}", show(&fs)))
    };
    assert_eq!(
        get("directory.shared-logins", "room12")
            .evidence
            .get("shared_because"),
        Some("its displayName \"Room 12\" is a room, not a person")
    );
    assert_eq!(
        get("directory.shared-logins", "ittest")
            .evidence
            .get("shared_because"),
        Some("its description says \"IT test account\"")
    );
    let harris = get("directory.privileged", "daniel.harris");
    assert_eq!(
        harris.evidence.get("why_everyday"),
        Some("it is one of the staff accounts")
    );
    let default = get("directory.lockout", "default");
    assert!(
        default
            .summary
            .starts_with("The default password policy \"default\" never locks accounts")
            && default
                .summary
                .contains("with no pwdPolicySubentry of their own"),
        "{}",
        default.summary
    );
    for name in ["staff-strong", "pupils-policy"] {
        for check in ["directory.password-policy", "directory.lockout"] {
            assert_eq!(get(check, name).status, Status::Pass, "{check} {name}");
        }
    }
    // The exempt Reception class login is not a finding of its own.
    assert!(fs.iter().all(|f| f.target.name != "mrs.okoro.class"));
}
