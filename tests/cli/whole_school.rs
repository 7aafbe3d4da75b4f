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
        "mail" => f["target"]["kind"] == "domain" && f["target"]["name"] == p.target.as_str(),
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
    whole_school(&lab, "riverside.json");
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
    whole_school(&lab, "st-example.json");
}

/// One whole audit of `lab`, compared with the school's audit before the core API (`before`, in
/// `tests/audits-before-core-api/`), and a second to compare fingerprints.
fn whole_school(lab: &caretaker_lab::SampleSchool, before: &str) {
    let name = lab.school().name();
    let home = tempfile::tempdir().unwrap();
    let (code, doc, err) = audit_json(home.path(), lab.config_path(), &[]);
    assert_eq!(code, 1, "not compliant; stderr: {err}");
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    assert_unique_fingerprints(&doc);
    assert_advice_names_real_keys(&doc);
    assert_same_as_before(&doc, before);
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
    c.args(["show", "--all", "--config"]).arg(lab.config_path());
    let (code, text, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_text_report_agrees(&text, &doc);
    // At a terminal of 80 columns (as over SSH) the audit fits: at most 64 lines (one a failing
    // finding: the sample school plants 33), none wider.
    let mut c = caretaker(home.path());
    c.env("COLUMNS", "80")
        .args(["audit", "--config"])
        .arg(lab.config_path());
    let (code, text, err) = run(c);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= 64, "{} lines:\n{text}", lines.len());
    for l in &lines {
        assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
    }
    assert!(
        text.contains("checks pass; --all lists them"),
        "the passes in one line: {text}"
    );
    // From cron: nothing has changed since that run, so only the total.
    let mut c = caretaker(home.path());
    c.env("COLUMNS", "80")
        .args(["audit", "--quiet", "--trigger", "cron", "--config"])
        .arg(lab.config_path());
    let (code, quiet, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert_eq!(quiet.lines().count(), 1, "nothing new: {quiet}");
    assert!(quiet.starts_with("NOT COMPLIANT: "), "{quiet}");
    // A second run: the same facts keep their fingerprints.
    let (_, again, _) = audit_json(home.path(), lab.config_path(), &[]);
    assert_unique_fingerprints(&again);
    let prints = |d: &serde_json::Value| {
        findings(d)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // ... and the second run compares the filter's results with the first's: nothing changed.
    let changes: Vec<serde_json::Value> = findings(&again)
        .into_iter()
        .filter(|f| f["check"] == caretaker_checks::filter::CHANGES.id)
        .collect();
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|f| f["status"] == "pass" && f["target"]["name"] == "(every tested site)"),
        "{changes:#?}"
    );
    let mut again_prints = prints(&again);
    again_prints.retain(|p| !p.starts_with("filter.changes|"));
    assert_eq!(
        prints(&doc),
        again_prints,
        "fingerprints changed between runs"
    );
}

/// Checks added since the audits in `tests/audits-before-core-api/` were recorded.
const ADDED_SINCE: &[&str] = &[
    caretaker_checks::directory::admin_count::ADMIN_COUNT.id,
    caretaker_checks::host::SUPPORTED.id,
    caretaker_checks::mail::SPF.id,
    caretaker_checks::mail::DMARC.id,
    caretaker_checks::directory::leavers::LEAVERS.id,
    caretaker_checks::filter::bypass::SAFE_SEARCH.id,
    caretaker_checks::filter::bypass::ENCRYPTED_DNS.id,
    caretaker_checks::filter::bypass::PRIVATE_RELAY.id,
    caretaker_checks::filter::bypass::VPN_PROXY.id,
    caretaker_checks::filter::CHANGES.id,
];

/// What host.updates has said since the audits were recorded when apt could not count the updates
/// waiting (the sample school's simulated machines have no package lists): the rest of its
/// sentence is compared.
const NOT_COUNTED: &str = " How many updates are waiting could not be counted.";

/// What the sample school itself changed since those audits were recorded, by fingerprint (its
/// addresses written `<address>`): St. Example's own filter test of Scratch, from every vantage
/// point, and the CTIRU test page let through for pupils (the planted filter change).
const LAB_CHANGED_SINCE: &[&str] = &[
    "filter.must-load|url|admin-office|https://scratch.mit.edu/",
    "filter.must-load|url|byod-tablet|https://scratch.mit.edu/",
    "filter.must-load|url|guest-laptop|https://scratch.mit.edu/",
    "filter.must-load|url|pupil-pc|https://scratch.mit.edu/",
    "filter.must-load|url|staff-pc|https://scratch.mit.edu/",
    "filter.categories|url|pupil-pc|https://ctiru.testfiltering.com/",
];

/// What the checks added since took over: before `directory.admin-count`, too many accounts with
/// full admin rights was a warning of `directory.privileged` about the whole directory. (Old
/// check, the kind of target it said it of, new check.)
const TAKEN_OVER: &[(&str, &str, &str)] =
    &[("directory.privileged", "directory", "directory.admin-count")];

/// `text` with every IPv4 address written `<address>`: the lab picks its machines' loopback
/// addresses and its network namespaces' subnets when it starts.
fn without_addresses(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let parts: Vec<&str> = word.split('.').collect();
        let address = parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        out.push_str(if address { "<address>" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The audit `doc` finds what the school's audit found before the core API (`before`): the same
/// fingerprints, each with the same status, severity, clauses and sentence, apart from the
/// checks added since and what they took over.
fn assert_same_as_before(doc: &serde_json::Value, before: &str) {
    use std::collections::BTreeMap;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/audits-before-core-api")
        .join(before);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let old: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let shape = |f: &serde_json::Value| -> serde_json::Value {
        serde_json::json!({
            "status": f["status"],
            "severity": f["severity"],
            "clauses": f["clauses"],
            "summary": without_addresses(
                f["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_end_matches(NOT_COUNTED)
            ),
        })
    };
    let by_print = |fs: &[serde_json::Value]| -> BTreeMap<String, serde_json::Value> {
        fs.iter()
            .map(|f| {
                let print = f["fingerprint"].as_str().unwrap();
                (without_addresses(print), f.clone())
            })
            .collect()
    };
    let mut old = by_print(&old);
    let all_now = findings(doc);
    let mut now = by_print(
        &all_now
            .iter()
            .filter(|f| !ADDED_SINCE.iter().any(|c| f["check"] == *c))
            .cloned()
            .collect::<Vec<_>>(),
    );
    for print in LAB_CHANGED_SINCE {
        old.remove(*print);
        now.remove(*print);
    }
    let gone: Vec<_> = old.keys().filter(|k| !now.contains_key(*k)).collect();
    let new: Vec<_> = now.keys().filter(|k| !old.contains_key(*k)).collect();
    let mut changed = Vec::new();
    for (print, was) in &old {
        let Some(is) = now.get(print) else { continue };
        let taken_over = TAKEN_OVER.iter().find(|(from, kind, _)| {
            was["check"] == *from && was["target"]["kind"] == *kind && was["status"] != "pass"
        });
        if let Some((_, _, to)) = taken_over {
            // The new check says it now, of the same directory.
            let scope = &was["target"]["name"];
            assert!(
                all_now.iter().any(|f| f["check"] == *to
                    && f["target"]["scope"] == *scope
                    && f["status"] != "pass"),
                "{print} said {} before; {to} must say it now",
                was["summary"]
            );
            continue;
        }
        if shape(is) != shape(was) {
            changed.push(format!(
                "{print}\n  was {}\n  now {}",
                shape(was),
                shape(is)
            ));
        }
    }
    assert!(
        gone.is_empty() && new.is_empty() && changed.is_empty(),
        "the audit differs from {before} (recorded before the core API):\n\
         no longer found: {gone:#?}\nnewly found: {new:#?}\nchanged:\n{}",
        changed.join("\n")
    );
    assert!(
        all_now
            .iter()
            .any(|f| ADDED_SINCE.iter().any(|c| f["check"] == *c)),
        "the audit holds the checks added since"
    );
}
