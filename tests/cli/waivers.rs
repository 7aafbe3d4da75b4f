//! Waivers and attestations through the real binary, a real store and the sample school's real
//! OpenLDAP: every failing finding waived turns the audit's failures into `waived` (with the
//! waiver in the evidence, the clauses AMBER, the exit code 0 when nothing else is wrong);
//! withdrawing one makes it fail again; an attestation turns an unchecked clause GREEN in
//! `caretaker show`; bad input is refused naming the flag (exit 64); and the log's hash chain
//! covers the new records, catching a waiver edited behind the program's back. Expiry (which the
//! command line refuses to record in the past) is tested on the pure functions in the daemon.

use std::collections::BTreeSet;
use std::path::Path;

use caretaker_lab::{LabOptions, SampleSchool};

use crate::util::{audit_json, caretaker, evidence_value, findings, run, sqlite3};

/// Runs `caretaker ARGS --config CONFIG`, returning (exit code, stdout, stderr).
fn ct(home: &Path, config: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = caretaker(home);
    c.args(args).arg("--config").arg(config);
    run(c)
}

/// A record's number, the one line printed.
fn id(args: &[&str], (code, out, err): (i32, String, String)) -> i64 {
    assert_eq!(code, 0, "{args:?}: {err}");
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{args:?} printed {out:?}, not a number"))
}

fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

fn clause<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no clause {id}"))
}

#[test]
fn waived_findings_stop_failing_until_withdrawn_and_attestations_turn_clauses_green() {
    let lab = SampleSchool::start(LabOptions {
        openldap: true,
        active_directory: false,
        dir: None,
    })
    .unwrap_or_else(|e| panic!("the sample school did not start: {e}"));
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let config = lab.config_path();
    let db = config.parent().unwrap().join("caretaker.db");

    // The first audit fails.
    let (code, doc, err) = audit_json(h, config, &[]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    let failing: Vec<serde_json::Value> = findings(&doc)
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!failing.is_empty());
    let red: BTreeSet<String> = doc["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "red")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!red.is_empty());
    let others_fine = findings(&doc)
        .iter()
        .all(|f| f["status"] == "pass" || f["status"] == "fail");
    let fps: BTreeSet<String> = failing
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();

    // Users see the fingerprints.
    let (code, out, err) = ct(h, config, &["show", "--fingerprints"]);
    assert_eq!(code, 0, "{err}");
    for fp in &fps {
        assert!(out.contains(fp.as_str()), "{fp} not in\n{out}");
    }

    // Refused, naming the flag and what was expected; nothing recorded.
    let first = fps.iter().next().unwrap().clone();
    let (code, _, err) = ct(
        h,
        config,
        &[
            "waive",
            &first,
            "--justification",
            "x",
            "--approved-by",
            "Mrs Head",
            "--until",
            &day(-1),
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("--until") && err.contains("in the past"),
        "{err}"
    );
    let (code, _, err) = ct(
        h,
        config,
        &[
            "waive",
            &first,
            "--justification",
            " ",
            "--approved-by",
            "Mrs Head",
            "--until",
            "31/12/2026",
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--justification is empty"), "{err}");
    assert!(err.contains("YYYY-MM-DD"), "every problem at once: {err}");
    let (code, _, err) = ct(
        h,
        config,
        &[
            "waive",
            "no.such|check",
            "--justification",
            "x",
            "--approved-by",
            "Mrs Head",
            "--until",
            &day(30),
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("show --fingerprints"), "{err}");
    let (code, _, err) = ct(
        h,
        config,
        &["waive", &first, "--justification", "x", "--until", &day(30)],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--approved-by"), "{err}");
    let (code, out, _) = ct(h, config, &["waivers", "list"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("No waivers"), "{out}");

    // Waive every failing finding.
    let until = day(30);
    let mut waiver_ids = Vec::new();
    for fp in &fps {
        let args = [
            "waive",
            fp.as_str(),
            "--justification",
            "Accepted until the new password policy is rolled out",
            "--approved-by",
            "Mrs Head (headteacher)",
            "--until",
            until.as_str(),
        ];
        waiver_ids.push(id(&args, ct(h, config, &args)));
    }
    let (code, out, err) = ct(h, config, &["waivers", "list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), fps.len());
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["state"] == "in force" && w["body"]["approved_by"] == "Mrs Head (headteacher)"));

    // The second audit stores them as waived, with the waiver in the evidence.
    let (code, doc, err) = audit_json(h, config, &[]);
    let expected = if others_fine { 0 } else { 2 };
    assert_eq!(code, expected, "{err}");
    for f in findings(&doc) {
        let fp = f["fingerprint"].as_str().unwrap().to_string();
        assert_ne!(f["status"], "fail", "{f:#}");
        if fps.contains(&fp) && f["status"] == "waived" {
            let w = evidence_value(&f, "waiver");
            assert!(w.starts_with('#'), "{f:#}");
            assert_eq!(
                evidence_value(&f, "waiver_approved_by"),
                "Mrs Head (headteacher)"
            );
            assert_eq!(evidence_value(&f, "waiver_until"), until);
            assert!(evidence_value(&f, "waiver_justification").contains("password policy"));
        }
    }
    let waived = findings(&doc)
        .iter()
        .filter(|f| f["status"] == "waived")
        .count();
    assert_eq!(waived, failing.len(), "every failure is now waived");
    assert_eq!(doc["counts"]["waived"], failing.len());
    assert_eq!(doc["counts"]["fail"], 0);
    for c in &red {
        assert_eq!(clause(&doc, c)["status"], "amber", "{c} is AMBER, not RED");
    }
    let (code, text, err) = ct(h, config, &["show"]);
    assert_eq!(code, 0, "{err}");
    assert!(!text.contains("  RED "), "{text}");
    assert!(text.contains("  AMBER "), "{text}");
    assert!(
        text.contains(&format!("{} waived", failing.len())),
        "{text}"
    );

    // Withdrawn: the finding fails again.
    let withdrawn = waiver_ids[0];
    let (code, _, err) = ct(
        h,
        config,
        &[
            "waivers",
            "withdraw",
            &withdrawn.to_string(),
            "--reason",
            " ",
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--reason"), "{err}");
    let args = [
        "waivers",
        "withdraw",
        &withdrawn.to_string(),
        "--reason",
        "The governors asked for it to be fixed now",
    ];
    let withdrawal = id(&args, ct(h, config, &args));
    let (code, _, err) = ct(h, config, &args);
    assert_eq!(code, 64, "withdrawn twice: {err}");
    assert!(
        err.contains(&format!("already withdrawn by #{withdrawal}")),
        "{err}"
    );
    let (_, out, _) = ct(h, config, &["waivers", "list", "--all"]);
    assert!(
        out.contains(&format!("withdrawn by #{withdrawal}")),
        "{out}"
    );
    assert!(out.contains(&format!("withdraws #{withdrawn}")), "{out}");
    let (code, doc, err) = audit_json(h, config, &[]);
    assert_eq!(code, 1, "{err}");
    let again: Vec<_> = findings(&doc)
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!again.is_empty());
    assert!(
        again.iter().all(|f| f["fingerprint"] == first.as_str()),
        "{again:#?}"
    );

    // An attestation turns the unchecked "Files on the network checked" GREEN.
    let (_, text, _) = ct(h, config, &["show"]);
    let files_line = |text: &str| {
        text.lines()
            .find(|l| l.contains("Files on the network checked"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(files_line(&text).contains("GREY"), "{text}");
    let (code, _, err) = ct(
        h,
        config,
        &[
            "attest",
            "7.4/logins",
            "--statement",
            "x",
            "--by",
            "R. Singh",
            "--until",
            &day(30),
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("7.4/network-files"),
        "the attestable clauses: {err}"
    );
    let att_until = day(90);
    let args = [
        "attest",
        "7.4/network-files",
        "--statement",
        "Shared drive scanned weekly",
        "--by",
        "R. Singh",
        "--until",
        att_until.as_str(),
    ];
    let attestation = id(&args, ct(h, config, &args));
    let (code, text, err) = ct(h, config, &["show", "--all"]);
    assert_eq!(code, 0, "{err}");
    let line = files_line(&text);
    assert!(line.contains("GREEN"), "{line}");
    assert!(
        line.contains(&format!(
            "attested by R. Singh until {att_until}: Shared drive scanned weekly"
        )),
        "{line}"
    );
    let (_, out, _) = ct(h, config, &["show", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(clause(&doc, "7.4/network-files")["status"], "green");
    assert!(crate::report_schema::schema_errors(&doc).is_empty());
    let (_, out, _) = ct(h, config, &["attestations", "list"]);
    assert!(
        out.contains("in force") && out.contains("R. Singh"),
        "{out}"
    );
    // A waiver's number is not an attestation's.
    let (code, _, err) = ct(
        h,
        config,
        &[
            "attestations",
            "withdraw",
            &withdrawn.to_string(),
            "--reason",
            "x",
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("is a waiver, not an attestation"), "{err}");

    // The log's chain covers waivers and attestations, and names a waiver edited behind its back.
    let (code, out, err) = ct(h, config, &["assess", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let edited = waiver_ids[waiver_ids.len() - 1];
    let (ok, err) = sqlite3(
        &db,
        &format!(
            "DROP TRIGGER records_no_update; UPDATE records SET body = replace(body, '{until}', '2099-12-31') WHERE id = {edited};"
        ),
    );
    assert!(ok, "{err}");
    let (code, out, err) = ct(h, config, &["assess", "verify"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "#{edited} (waiver): its contents do not match its hash"
        )),
        "{out}"
    );
    assert!(!out.contains(&format!("#{attestation} ")), "{out}");
}
