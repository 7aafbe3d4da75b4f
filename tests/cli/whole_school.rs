//! Both sample schools, whole (directories, machines, filter) in one audit: St. Example's Primary,
//! and Riverside Primary Academy, built unlike the first (its own OU layout and naming, machines
//! with other desktops and anti-virus products, a filter of another kind), whose `caretaker.toml`
//! holds only what a network manager knows about their own school (no name patterns). With
//! caretaker's defaults, every planted problem is found, nothing else fails, every finding has a
//! fingerprint of its own and keeps it from run to run, and the text report agrees with the data.

use crate::report_schema::schema_errors;
use crate::util::{
    assert_advice_names_real_keys, assert_text_report_agrees, assert_unique_fingerprints,
    audit_json, caretaker, findings, riverside, run,
};

/// Whether finding `f` is the planted problem `p` (a directory account or policy, a machine, or a
/// vantage point's test).
fn is_planted(f: &serde_json::Value, p: &caretaker_lab::Planted) -> bool {
    if f["check"] != p.check {
        return false;
    }
    match p.directory {
        "hosts" => f["target"]["kind"] == "host" && f["target"]["name"] == p.target.as_str(),
        "filter" => f["target"]["scope"] == p.target.as_str(),
        scope => f["target"]["scope"] == scope && f["target"]["name"] == p.target.as_str(),
    }
}

#[test]
fn every_planted_problem_at_the_second_school_is_found_and_nothing_else_fails() {
    let lab = riverside(
        true,
        caretaker_lab::Extras {
            hosts: true,
            filter: true,
            ..Default::default()
        },
    );
    let config = std::fs::read_to_string(lab.config_path()).unwrap();
    for pattern in [
        "shared_login_patterns",
        "admin_account_patterns",
        "min_password_length",
        "max_lockout_threshold",
    ] {
        assert!(
            !config.contains(pattern),
            "the second school's config must not need {pattern:?}:\n{config}"
        );
    }
    whole_school(&lab);
}

#[test]
fn every_planted_problem_at_the_first_school_is_found_and_nothing_else_fails() {
    let lab = caretaker_lab::SampleSchool::start_with(
        caretaker_lab::LabOptions::default(),
        caretaker_lab::Extras {
            hosts: true,
            filter: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("St. Example's Primary did not start: {e}"));
    whole_school(&lab);
}

/// One whole audit of `lab`, and a second to compare fingerprints.
fn whole_school(lab: &caretaker_lab::SampleSchool) {
    let name = lab.school().name();
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    assert_unique_fingerprints(&doc);
    assert_advice_names_real_keys(&doc);
    let fs = findings(&doc);
    let planted = lab.planted_problems();
    assert!(planted.len() >= 8, "{planted:?}");
    let mut found = 0;
    for p in &planted {
        let hit = fs
            .iter()
            .find(|f| is_planted(f, p) && f["status"] == "fail")
            .unwrap_or_else(|| panic!("planted problem not found: {p:?}\nfindings: {fs:#?}"));
        assert!(hit["remediation"].is_string(), "a fix for {p:?}");
        found += 1;
    }
    let false_alarms: Vec<_> = fs
        .iter()
        .filter(|f| f["status"] != "pass" && !planted.iter().any(|p| is_planted(f, p)))
        .collect();
    assert!(false_alarms.is_empty(), "not planted: {false_alarms:#?}");
    eprintln!(
        "{name}: {found} of {} planted problems found, {} false alarms, {} findings",
        planted.len(),
        false_alarms.len(),
        fs.len()
    );
    // The text report agrees with the data and names every planted target.
    let mut c = caretaker(home.path());
    c.args(["show", "--config"]).arg(lab.config_path());
    let (code, text, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_text_report_agrees(&text, &doc);
    // A second run: the same facts keep their fingerprints.
    let (_, again, _) = audit_json(home.path(), lab.config_path(), &[]);
    assert_unique_fingerprints(&again);
    let prints = |d: &serde_json::Value| {
        findings(d)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        prints(&doc),
        prints(&again),
        "fingerprints changed between runs"
    );
}
