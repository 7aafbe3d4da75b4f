//! Filter changes against the sample school's real squid: a first audit sees pupils' filter as it
//! was (the CTIRU test page and Scratch blocked); an approved risk assessment to unblock Scratch
//! for pupils is recorded; the filter is changed (both let through for pupils); the next audit
//! names the CTIRU page's change, from the pupils' machine only, and passes Scratch's.

use std::path::Path;

use crate::util::{audit_json, caretaker, evidence_value, filter_school, findings, run};

fn changes_of(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(doc)
        .into_iter()
        .filter(|f| f["check"] == "filter.changes")
        .collect()
}

/// Records the lab's approved risk assessment of unblocking Scratch for pupils.
fn record_assessment(home: &Path, config: &Path, file: &Path) {
    let mut c = caretaker(home);
    c.args(["assess", "add", "--file"])
        .arg(file)
        .arg("--config")
        .arg(config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_filter_change_passes_only_with_an_approved_risk_assessment_recorded_before_it() {
    let lab = filter_school();
    let filter = lab.filter().unwrap();
    let planted = filter.planted_change();
    assert_eq!(planted.len(), 1, "{planted:?}");
    let home = tempfile::tempdir().unwrap();

    // Run 1: the filter as it was. Nothing to compare with: no filter.changes findings at all.
    filter.before_the_change().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "filter"]);
    assert_eq!(code, 1, "{err}");
    assert!(changes_of(&doc).is_empty(), "{:#?}", changes_of(&doc));
    let pupil_scratch = findings(&doc)
        .into_iter()
        .find(|f| {
            f["target"]["scope"] == "pupil-pc" && f["target"]["name"] == "https://scratch.mit.edu/"
        })
        .unwrap();
    assert_eq!(
        pupil_scratch["status"], "fail",
        "blocked before: {pupil_scratch:#}"
    );

    // The assessment, then the change. The store keeps times to the second, and an assessment
    // recorded in the same second as the run that first sees the change is not "before" it.
    let file = lab.dir().join("filter-change-assessment.toml");
    record_assessment(home.path(), lab.config_path(), &file);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    filter.after_the_change().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &["--only", "filter"]);
    assert_eq!(code, 1, "{err}");
    let changes = changes_of(&doc);
    let failing: Vec<&serde_json::Value> =
        changes.iter().filter(|f| f["status"] != "pass").collect();
    assert_eq!(failing.len(), 1, "only the planted change: {changes:#?}");
    let f = failing[0];
    let p = &planted[0];
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["target"]["scope"], p.vantage.as_str(), "{f:#}");
    assert_eq!(f["target"]["name"], p.url, "{f:#}");
    assert_eq!(evidence_value(f, "group"), p.group);
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("ctiru.testfiltering.com has loaded for pupils on pupil-pc since "),
        "{summary}"
    );
    assert!(
        summary.ends_with("; no risk assessment records that change."),
        "{summary}"
    );
    assert!(f["remediation"]
        .as_str()
        .unwrap()
        .contains("caretaker assess add"));
    // The look-alike: Scratch changed the same way, for the same group, after an approved
    // assessment recorded before the change was seen.
    let scratch = changes
        .iter()
        .find(|f| {
            f["target"]["scope"] == "pupil-pc" && f["target"]["name"] == "https://scratch.mit.edu/"
        })
        .unwrap_or_else(|| panic!("no change of Scratch from pupil-pc: {changes:#?}"));
    assert_eq!(scratch["status"], "pass", "{scratch:#}");
    assert!(
        scratch["summary"]
            .as_str()
            .unwrap()
            .contains("a change risk assessed beforehand (record 1, approved on"),
        "{scratch:#}"
    );
    // Everywhere else nothing changed: one pass per vantage point.
    for v in ["admin-office", "staff-pc", "guest-laptop", "byod-tablet"] {
        let mine: Vec<&serde_json::Value> = changes
            .iter()
            .filter(|f| f["target"]["scope"] == v)
            .collect();
        assert_eq!(mine.len(), 1, "{v}: {mine:#?}");
        assert_eq!(mine[0]["status"], "pass", "{:#}", mine[0]);
        assert_eq!(mine[0]["target"]["name"], "(every tested site)");
    }
    // The clause the check serves.
    assert!(
        f["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "7.2/changes-risk-assessed"),
        "{f:#}"
    );
}
