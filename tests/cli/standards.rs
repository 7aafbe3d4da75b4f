//! The standards as views, through the real binary over a real audit of St. Example's Primary
//! (its directory, its machines over SSH and its web filter): `caretaker show --policy dfe
//! --format json` shows every finding against at least one DfE standard, colours each standard
//! from its findings, lists what needs a person and what is not covered; an attestation of a DfE
//! standard turns it green; Cyber Essentials leaves the web filter's findings outside it; and
//! the text view says the same.

use std::path::Path;

use crate::util::{audit_json, caretaker, findings, run};

/// Runs `caretaker ARGS --config CONFIG`, returning (exit code, stdout, stderr).
fn ct(home: &Path, config: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = caretaker(home);
    c.args(args).arg("--config").arg(config);
    run(c)
}

fn json(home: &Path, config: &Path, args: &[&str]) -> serde_json::Value {
    let (code, out, err) = ct(home, config, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"))
}

fn standard<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no standard {id} in {doc:#}"))
}

#[test]
fn every_finding_shows_against_a_dfe_standard_and_what_needs_a_person_is_listed() {
    let lab = caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions::default(),
        caretaker_lab::Extras {
            hosts: true,
            filter: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("St. Example's Primary did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let (h, config) = (home.path(), lab.config_path());
    let (code, audit, err) = audit_json(h, config, &[]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    let audited = findings(&audit);

    let dfe = json(h, config, &["show", "--policy", "dfe", "--format", "json"]);
    assert_eq!(dfe["format"], "caretaker.standards-view");
    assert_eq!(dfe["view"], "dfe");
    assert_eq!(dfe["run"]["id"], audit["run"]["id"]);
    let fs = findings(&dfe);
    assert_eq!(
        fs.len(),
        audited.len(),
        "the same findings, read another way"
    );
    // Every finding evidences at least one DfE standard, and every area is there.
    for f in &fs {
        let standards = f["clauses"].as_array().unwrap();
        assert!(!standards.is_empty(), "no DfE standard for {f:#}");
        for s in standards {
            let s = s.as_str().unwrap();
            assert!(
                s.starts_with("dfe-cyber/") || s.starts_with("dfe-filtering/"),
                "{s}"
            );
        }
    }
    for family in ["directory.", "host.", "filter."] {
        assert!(
            fs.iter()
                .any(|f| f["check"].as_str().unwrap().starts_with(family)),
            "no {family} finding"
        );
    }
    // A standard with a failing finding is red, and lists the fingerprints of its findings.
    for s in dfe["standards"].as_array().unwrap() {
        let mine: Vec<&serde_json::Value> = fs
            .iter()
            .filter(|f| f["clauses"].as_array().unwrap().contains(&s["id"]))
            .collect();
        assert_eq!(s["findings"], mine.len(), "{s:#}");
        assert_eq!(s["fingerprints"].as_array().unwrap().len(), mine.len());
        if mine.iter().any(|f| f["status"] == "fail") {
            assert_eq!(s["status"], "red", "{s:#}");
        }
    }
    let accounts = standard(&dfe, "dfe-cyber/accounts");
    assert_eq!(accounts["coverage"], "machine");
    assert_eq!(
        accounts["status"], "red",
        "the sample school plants account problems"
    );
    // What no machine can check needs a person; monitoring is not covered.
    let needs: Vec<&str> = dfe["needs_attestation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for id in [
        "dfe-cyber/risk-assessment",
        "dfe-cyber/awareness",
        "dfe-cyber/backups",
        "dfe-cyber/report-attacks",
        "dfe-filtering/roles",
        "dfe-filtering/review",
    ] {
        assert!(needs.contains(&id), "{id} not in {needs:?}");
        let s = standard(&dfe, id);
        assert_eq!(
            (&s["coverage"], &s["status"]),
            (&"attestation".into(), &"grey".into())
        );
        assert!(
            s["reason"].as_str().unwrap().starts_with("needs a person"),
            "{s:#}"
        );
    }
    assert_eq!(
        dfe["not_covered"],
        serde_json::json!(["dfe-filtering/monitoring"])
    );

    // A person attests to tested restores: the backups standard turns green, in the view only.
    let until = (time::OffsetDateTime::now_utc().date() + time::Duration::days(90)).to_string();
    let (code, _, err) = ct(
        h,
        config,
        &[
            "attest",
            "dfe-cyber/backups",
            "--statement",
            "The office server was restored from last night's backup on a spare machine.",
            "--by",
            "A. Technician",
            "--until",
            &until,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let dfe = json(h, config, &["show", "--policy", "dfe", "--format", "json"]);
    let backups = standard(&dfe, "dfe-cyber/backups");
    assert_eq!(backups["status"], "green", "{backups:#}");
    assert!(backups["reason"]
        .as_str()
        .unwrap()
        .contains("A. Technician"));
    // A standard a machine checks is not attested by hand; nor is a made-up one.
    for (clause, says) in [
        ("dfe-cyber/accounts", "is not one a person can attest to"),
        ("dfe-cyber/nothing", "nor a standard"),
    ] {
        let (code, _, err) = ct(
            h,
            config,
            &[
                "attest",
                clause,
                "--statement",
                "x",
                "--by",
                "y",
                "--until",
                &until,
            ],
        );
        assert_eq!(code, 64, "{clause}: {err}");
        assert!(err.contains(says), "{clause}: {err}");
        assert!(
            err.contains("dfe-cyber/backups"),
            "lists what can be attested: {err}"
        );
    }

    // Cyber Essentials does not speak of the web filter: its findings evidence none of it; the
    // directory's all evidence user access control.
    let ce = json(
        h,
        config,
        &["show", "--policy", "cyber-essentials", "--format", "json"],
    );
    for f in findings(&ce) {
        let check = f["check"].as_str().unwrap();
        let standards = f["clauses"].as_array().unwrap();
        if check.starts_with("filter.") {
            assert!(standards.is_empty(), "{f:#}");
        }
        if check.starts_with("directory.") {
            assert!(
                standards.contains(&"ce/user-access-control".into()),
                "{f:#}"
            );
        }
    }
    assert_eq!(ce["not_covered"], serde_json::json!(["ce/firewalls"]));

    // The text view says the same, within 80 columns.
    let mut c = caretaker(h);
    c.env("COLUMNS", "80")
        .args(["show", "--policy", "dfe", "--config"])
        .arg(config);
    let (code, text, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("DfE standards for schools and colleges"),
        "{text}"
    );
    assert!(
        text.contains(" Filtering and monitoring standards for schools"),
        "{text}"
    );
    assert!(text.contains("Needs a person"), "{text}");
    assert!(text.contains("dfe-filtering/monitoring"), "{text}");
    let accounts = text
        .split("dfe-cyber/accounts User accounts and access controlled · RED")
        .nth(1)
        .unwrap_or_else(|| panic!("the accounts standard's findings: {text}"));
    assert!(accounts.contains("FAIL   k.lee (ad)"), "{text}");
    for l in text.lines() {
        assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
    }
    // The leadership report reads the same findings against both DfE documents, plainly, with
    // what needs a person named and the attested backups confirmed.
    let md = h.join("report.md");
    let mut c = caretaker(h);
    c.args(["report", "--format", "md", "-o"])
        .arg(&md)
        .arg("--config")
        .arg(config);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(&md).unwrap();
    let section = md
        .split("## Against the DfE standards")
        .nth(1)
        .unwrap_or_else(|| panic!("no DfE section: {md}"));
    assert!(section.contains("### DfE cyber security standards for schools and colleges"));
    assert!(section.contains("### DfE filtering and monitoring standards for schools and colleges"));
    assert!(
        section.contains("| Report cyber attacks. | Needs a person to confirm |"),
        "{section}"
    );
    assert!(
        section.contains("| Develop and implement a plan to back up your data and review this every year. | Confirmed by a person |"),
        "{section}"
    );
    assert!(
        section.contains("Control and secure user accounts and access privileges. | Not met |"),
        "{section}"
    );
    assert!(section.contains("Needs a person to confirm: Cyber risk assessed every year"));

    // The school's own view is still the default.
    let (code, school, _) = ct(h, config, &["show", "--format", "json"]);
    assert_eq!(code, 0);
    let school: serde_json::Value = serde_json::from_str(&school).unwrap();
    assert_eq!(school["format"], "caretaker.audit-report");
    // A view caretaker does not have is a usage error naming the ones it has.
    let (code, _, err) = ct(h, config, &["show", "--policy", "ofsted"]);
    assert_eq!(code, 64, "a usage error: {err}");
    assert!(err.contains("cyber-essentials"), "{err}");
}
