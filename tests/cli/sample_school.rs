//! `caretaker audit` against the whole sample school (real slapd and Samba AD DC): every planted
//! problem is reported on the right directory and target with evidence, no clean account is
//! named, the JSON validates, runs are stored and shown, and policy changes change the findings.

use caretaker_lab::{LabOptions, SampleSchool};

use crate::report_schema::schema_errors;
use crate::util::{
    assert_advice_names_real_keys, assert_text_report_agrees, assert_unique_fingerprints,
    audit_json, caretaker, findings, run,
};

fn start(openldap: bool, active_directory: bool) -> SampleSchool {
    SampleSchool::start(LabOptions {
        openldap,
        active_directory,
        dir: None,
    })
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"))
}

/// The findings of `check` about `name` in directory `scope` (one per password policy: the
/// policy is the target).
fn about(doc: &serde_json::Value, check: &str, scope: &str, name: &str) -> Vec<serde_json::Value> {
    findings(doc)
        .into_iter()
        .filter(|f| is(f, check, scope, name))
        .collect()
}

fn is(f: &serde_json::Value, check: &str, scope: &str, name: &str) -> bool {
    f["check"] == check && f["target"]["scope"] == scope && f["target"]["name"] == name
}

#[test]
fn every_planted_problem_is_reported_and_no_clean_account_is() {
    let lab = start(true, true);
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    assert_advice_names_real_keys(&doc);
    let fs = findings(&doc);
    let planted = lab.planted_problems();
    assert!(planted.len() >= 8, "{planted:?}");
    for p in &planted {
        let hit = about(&doc, p.check, p.directory, &p.target)
            .into_iter()
            .find(|f| f["status"] == "fail");
        let hit =
            hit.unwrap_or_else(|| panic!("planted problem not failing: {p:?}\nfindings: {fs:#?}"));
        assert!(
            !hit["evidence"]["values"].as_array().unwrap().is_empty(),
            "evidence for {p:?}"
        );
        assert!(hit["remediation"].is_string(), "a fix for {p:?}");
        assert!(
            !hit["clauses"].as_array().unwrap().is_empty(),
            "a clause for {p:?}"
        );
    }
    // Every finding has a fingerprint of its own.
    assert_unique_fingerprints(&doc);
    // Everything that is not a pass is a planted problem: no clean account, no spurious error.
    for f in &fs {
        if f["status"] == "pass" {
            continue;
        }
        let expected = planted
            .iter()
            .any(|p| is(f, p.check, p.directory, &p.target));
        assert!(expected, "a finding that was not planted: {f:#}");
    }
    // The clean accounts are not named in the text report at all.
    let mut c = caretaker(home.path());
    c.args(["show", "--all", "--config"]).arg(lab.config_path());
    let (code, text, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_text_report_agrees(&text, &doc);
    // A password policy's finding lists some of the accounts it governs (its summary, wrapped over
    // the lines of its table row), and the admin count names every admin, separate admin accounts
    // too (the number is the problem); nowhere else are the clean accounts named.
    let clean = [
        "a.patel",
        "b.okafor",
        "r.singh-admin",
        "adm.b.okafor",
        "j.testa",
    ];
    let mut row_check = String::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('│').collect();
        if let Some(check) = cells.get(2).map(|c| c.trim()).filter(|c| !c.is_empty()) {
            row_check = check.to_string();
        } else if cells.len() < 3 {
            row_check.clear();
        }
        for name in clean.iter().filter(|n| line.contains(*n)) {
            let in_policy_row = row_check == "directory.password-policy"
                || row_check == "directory.lockout"
                || row_check == "directory.admin-count";
            assert!(
                in_policy_row || line.contains("it applies to"),
                "clean account {name} appears in the report:\n{line}\n{text}"
            );
        }
    }
    for p in &planted {
        assert!(
            text.contains(&p.target),
            "{} missing from the text report",
            p.target
        );
    }
    assert!(text.contains("NOT COMPLIANT"), "{text}");
}

#[test]
fn changing_the_domain_password_policy_changes_the_finding() {
    let lab = start(false, true);
    let home = tempfile::tempdir().unwrap();
    let only = ["--only", "directory.password-policy"];
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &only);
    assert_eq!(code, 1, "{err}");
    let domain = "Default domain policy";
    let staff = about(&doc, "directory.password-policy", "ad", domain);
    assert!(staff.iter().any(|f| f["status"] == "fail"), "{staff:#?}");

    lab.ad()
        .unwrap()
        .samba_tool(&["domain", "passwordsettings", "set", "--min-pwd-length=12"])
        .unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &only);
    let staff = about(&doc, "directory.password-policy", "ad", domain);
    assert!(
        staff.len() == 1 && staff.iter().all(|f| f["status"] == "pass"),
        "{staff:#?}"
    );
    assert_eq!(code, 0, "{err} {doc:#}");
}

#[test]
fn openldap_lockout_fails_then_passes_and_quiet_prints_nothing_when_compliant() {
    let lab = start(true, false);
    let home = tempfile::tempdir().unwrap();
    let only = ["--only", "directory.lockout"];
    let (code, doc, _) = audit_json(home.path(), lab.config_path(), &only);
    assert_eq!(code, 1);
    let pupils = about(&doc, "directory.lockout", "ldap", "pupils");
    assert!(pupils.iter().any(|f| f["status"] == "fail"), "{pupils:#?}");

    let ldap = lab.openldap().unwrap();
    ldap.ldapmodify(&format!(
        "dn: cn=pupils,ou=Policies,{}\nchangetype: modify\nreplace: pwdLockout\npwdLockout: TRUE\n-\nreplace: pwdMaxFailure\npwdMaxFailure: 10\n",
        ldap.base_dn()
    ))
    .unwrap();
    let (code, doc, _) = audit_json(home.path(), lab.config_path(), &only);
    assert_eq!(code, 0, "{doc:#}");
    let pupils = about(&doc, "directory.lockout", "ldap", "pupils");
    assert!(
        !pupils.is_empty() && pupils.iter().all(|f| f["status"] == "pass"),
        "{pupils:#?}"
    );
    let pupils: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| is(f, "directory.lockout", "ldap", "pupils"))
        .collect();
    assert!(
        !pupils.is_empty() && pupils.iter().all(|f| f["status"] == "pass"),
        "{pupils:#?}"
    );
    let mut c = caretaker(home.path());
    c.args([
        "audit",
        "--quiet",
        "--trigger",
        "cron",
        "--only",
        "directory.lockout",
        "--config",
    ])
    .arg(lab.config_path());
    let (code, out, err) = run(c);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "", ""),
        "quiet and compliant: nothing at all"
    );

    // Three runs are stored, newest first, the last by cron.
    let mut c = caretaker(home.path());
    c.args(["runs", "--format", "json", "--config"])
        .arg(lab.config_path());
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    let runs: serde_json::Value = serde_json::from_str(&out).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["trigger"], "cron");
    assert_eq!(runs[0]["verdict"], "compliant");
    assert_eq!(runs[2]["verdict"], "non-compliant");
    assert!(runs.iter().all(|r| r["state"] == "complete"));
}

#[test]
fn every_planted_host_problem_is_reported_on_its_machine_and_clean_machines_pass() {
    let lab = SampleSchool::start_with(
        LabOptions {
            openldap: false,
            active_directory: false,
            dir: None,
        },
        caretaker_lab::Extras {
            hosts: true,
            bulk_pupils: 0,
            filter: false,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the sample school's machines did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "host"]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    assert_unique_fingerprints(&doc);
    assert_advice_names_real_keys(&doc);
    let fs = findings(&doc);
    let planted: Vec<_> = lab
        .planted_problems()
        .into_iter()
        .filter(|p| p.directory == "hosts")
        .collect();
    assert!(planted.len() >= 7, "{planted:?}");
    let on = |f: &serde_json::Value, check: &str, host: &str| {
        f["check"] == check && f["target"]["kind"] == "host" && f["target"]["name"] == host
    };
    for p in &planted {
        let hit = fs
            .iter()
            .find(|f| on(f, p.check, &p.target) && f["status"] == "fail");
        let hit =
            hit.unwrap_or_else(|| panic!("planted problem not failing: {p:?}\nfindings: {fs:#?}"));
        assert!(
            !hit["evidence"]["values"].as_array().unwrap().is_empty(),
            "evidence for {p:?}"
        );
        assert!(hit["remediation"].is_string(), "a fix for {p:?}");
    }
    // Every machine has a verdict on every host check; nothing but the planted problems fails,
    // warns or could not be checked.
    for h in lab.hosts() {
        let mine: Vec<_> = fs
            .iter()
            .filter(|f| f["target"]["name"] == h.name())
            .collect();
        assert_eq!(
            mine.len(),
            caretaker_checks::host::CHECK_IDS.len(),
            "{}: {mine:#?}",
            h.name()
        );
        if h.configured_os() == "auto" {
            // Configured with os = "auto": detected over the same single session.
            for f in &mine {
                let value = |key: &str| crate::util::evidence_value(f, key);
                assert_eq!(value("os"), h.os(), "{f:#}");
                assert_eq!(value("os_source"), "detected (os = \"auto\")", "{f:#}");
            }
        }
        if h.simulated() {
            // Simulated machines say so in their evidence.
            assert!(mine.iter().all(|f| serde_json::to_string(&f["evidence"])
                .unwrap()
                .contains("simulated")));
        }
    }
    for f in &fs {
        if f["status"] == "pass" {
            continue;
        }
        let name = f["target"]["name"].as_str().unwrap_or("");
        let expected = planted
            .iter()
            .any(|p| on(f, p.check, name) && p.target == name);
        assert!(expected, "a finding that was not planted: {f:#}");
    }
}
