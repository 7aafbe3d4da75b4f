//! The filter-change log through the real binary and a real store: risk assessments (valid, and
//! refused naming the field), corrections that supersede, the site log and `--from-site`,
//! listings and exports, the operating-system user recorded; the hash chain catching a row edited
//! or removed behind the program's back with the real `sqlite3` shell; and `check-filter` against
//! the sample school's real web filter, recording honestly that its must-block list is not all
//! blocked.

use std::path::Path;

use crate::util::{bare_school as school, caretaker, run, sqlite3};

/// Runs `caretaker ARGS --config CONFIG`, returning (exit code, stdout, stderr).
fn ct(home: &Path, config: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = caretaker(home);
    c.args(args).arg("--config").arg(config);
    run(c)
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Writes `text` to `dir/name` and returns the path as a string.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Records from a file; returns the new id (the one line printed).
fn add(home: &Path, config: &Path, args: &[&str]) -> i64 {
    let (code, out, err) = ct(home, config, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{args:?} printed {out:?}, not an id"))
}

const SITE: &str = r#"
reported_by = "Mrs Patel"
date = 2026-11-20
time = "10:15"
workstation = "ICT-07"
url = "https://www.example-science-sim.org/forces"
recommendation = "unblock"
resolution = ""
"#;

/// A complete assessment, less the change (which `--from-site` fills in) and its groups.
const BODY: &str = r#"
requested_by = "Mrs Patel (Year 5 teacher)"
reason = "Science simulation used in the forces unit"
mitigations = "Supervised use only; comments hidden by a site setting"
risk_level = "low"
educational_assessor = "Mrs Patel"
technical_assessor = "R. Singh (network manager)"
decision = "approve"
applied_on = 2026-11-23
review_by = "2027-03-31"

[risks]
content = "User comments section"
contact = "none"
conduct = "none"
"#;

fn assessment(change: &str, extra: &str) -> String {
    format!("{extra}\n{BODY}\n[change]\n{change}\n")
}

const CHANGE: &str =
    "action = \"unblock\"\nsite = \"www.example-science-sim.org\"\ngroups = [\"pupil\"]";

#[test]
fn assessments_are_recorded_checked_corrected_listed_and_exported() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = school(dir);
    let me = caretaker_core::store::os_user();

    // The paper site log sheet, then an assessment made from it.
    let site = add(
        dir,
        &config,
        &["sites", "add", "--file", &file(dir, "site.toml", SITE)],
    );
    assert_eq!(site, 1);
    let from_site = file(
        dir,
        "from-site.toml",
        &assessment("groups = [\"Year 5\", \"Year 6\"]", ""),
    );
    let s = site.to_string();
    let first = add(
        dir,
        &config,
        &["assess", "add", "--from-site", &s, "--file", &from_site],
    );
    let (code, out, err) = ct(
        dir,
        &config,
        &["assess", "show", &first.to_string(), "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let shown = json(&out);
    assert_eq!(shown["body"]["change"]["action"], "unblock", "{shown:#}");
    assert_eq!(
        shown["body"]["change"]["site"],
        "https://www.example-science-sim.org/forces"
    );
    assert_eq!(shown["body"]["from_site"], site);
    assert_eq!(shown["entered_by"], me.as_str());
    assert_eq!(shown["from_site_entry"]["id"], site);

    // Refused, naming the field: no technical assessor.
    let no_tech =
        assessment(CHANGE, "").replace("technical_assessor = \"R. Singh (network manager)\"\n", "");
    let (code, out, err) = ct(
        dir,
        &config,
        &[
            "assess",
            "add",
            "--file",
            &file(dir, "no-tech.toml", &no_tech),
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("technical_assessor: missing"), "{err}");
    assert!(err.contains("nothing was recorded"), "{err}");

    // Refused: a high risk without leadership consent (consent_from defaults to "medium").
    let high = assessment(CHANGE, "").replace("risk_level = \"low\"", "risk_level = \"high\"");
    let high_path = file(dir, "high.toml", &high);
    let (code, _, err) = ct(dir, &config, &["assess", "add", "--file", &high_path]);
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("consent: missing: a high-risk change needs consent"),
        "{err}"
    );
    // Both assessors the same person: refused too.
    let same = assessment(CHANGE, "").replace("R. Singh (network manager)", "mrs patel");
    let (code, _, err) = ct(
        dir,
        &config,
        &["assess", "add", "--file", &file(dir, "same.toml", &same)],
    );
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains("technical_assessor: is the same person"),
        "{err}"
    );
    // A misspelt key is named.
    let typo = assessment(CHANGE, "").replace("mitigations =", "mitigation =");
    let (code, _, err) = ct(
        dir,
        &config,
        &["assess", "add", "--file", &file(dir, "typo.toml", &typo)],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("mitigation"), "{err}");

    // With consent it is recorded.
    let consented = format!("{high}\n[consent]\nby = \"Mr Head (headteacher)\"\non = 2026-11-22\n");
    let high_id = add(
        dir,
        &config,
        &[
            "assess",
            "add",
            "--file",
            &file(dir, "consented.toml", &consented),
        ],
    );

    // A correction supersedes the first; the old version stays.
    let fixed = assessment(
        "groups = [\"Year 5\", \"Year 6\"]",
        &format!("supersedes = {first}"),
    )
    .replace(
        "Science simulation used in the forces unit",
        "Forces unit, Years 5 and 6",
    );
    let fixed_path = file(dir, "fixed.toml", &fixed);
    let second = add(
        dir,
        &config,
        &["assess", "add", "--from-site", &s, "--file", &fixed_path],
    );
    // Correcting the old version again is refused: it is no longer current.
    let (code, _, err) = ct(
        dir,
        &config,
        &["assess", "add", "--from-site", &s, "--file", &fixed_path],
    );
    assert_eq!(code, 64, "{err}");
    assert!(
        err.contains(&format!("#{first} has already been corrected by #{second}")),
        "{err}"
    );

    // Listings: the current versions, or all of them.
    let (code, out, err) = ct(dir, &config, &["assess", "list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<i64> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [high_id, second]);
    let (code, out, err) = ct(
        dir,
        &config,
        &["assess", "list", "--all", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let all = json(&out);
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [first, high_id, second]);
    assert_eq!(all[0]["superseded_by"], second);
    let (code, text, err) = ct(dir, &config, &["assess", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains(&format!("#{second}")) && !text.contains(&format!("│ #{first} ")),
        "{text}"
    );
    assert!(text.contains(&format!("corrects #{first}")), "{text}");
    assert!(text.contains("Unblock site"), "{text}");

    // Show: the history both ways.
    let (code, text, err) = ct(dir, &config, &["assess", "show", &first.to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&format!("corrected by #{second}")), "{text}");
    assert!(
        text.contains("Technical assessor     R. Singh (network manager)"),
        "{text}"
    );
    let (code, out, err) = ct(
        dir,
        &config,
        &["assess", "show", &second.to_string(), "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let shown = json(&out);
    assert_eq!(shown["supersedes"], first);
    let history: Vec<i64> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(history, [first, second]);
    assert_eq!(shown["body"]["reason"], "Forces unit, Years 5 and 6");
    let (code, text, err) = ct(dir, &config, &["assess", "show", &high_id.to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("Leadership consent     Mr Head (headteacher) on 2026-11-22"),
        "{text}"
    );

    // The site log shows where the entry was assessed.
    let (code, out, err) = ct(dir, &config, &["sites", "list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let sites = json(&out);
    assert_eq!(sites[0]["assessed_in"], serde_json::json!([second]));
    let (code, text, err) = ct(dir, &config, &["sites", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("ICT-07") && text.contains(&format!("assessed in #{second}")),
        "{text}"
    );
    let (code, _, err) = ct(
        dir,
        &config,
        &[
            "assess",
            "add",
            "--from-site",
            &high_id.to_string(),
            "--file",
            &from_site,
        ],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("not a site-log entry"), "{err}");

    // Export: every record, every version, with who, when and the hash.
    let (code, out, err) = ct(dir, &config, &["assess", "export", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc = json(&out);
    assert_eq!(doc["chain"]["intact"], true);
    let records = doc["records"].as_array().unwrap();
    assert_eq!(records.len(), 4);
    let mut prev = "0".repeat(64);
    for r in records {
        assert_eq!(r["entered_by"], me.as_str(), "{r:#}");
        assert!(r["entered_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(r["prev_hash"], prev.as_str());
        prev = r["hash"].as_str().unwrap().to_string();
        assert_eq!(prev.len(), 64);
    }
    assert_eq!(records[0]["kind"], "site");
    let (code, csv, err) = ct(dir, &config, &["assess", "export", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0]
        .starts_with("id,kind,entered_by,entered_at,supersedes,superseded_by,prev_hash,hash,"));
    assert!(
        lines[4].starts_with(&format!("{second},assessment,{me},")),
        "{csv}"
    );
    assert!(lines[4].contains(&prev), "{csv}");

    let (code, out, err) = ct(dir, &config, &["assess", "verify"]);
    assert_eq!(
        (code, out.starts_with("4 records, chain intact")),
        (0, true),
        "{out}{err}"
    );
}

#[test]
fn the_school_sets_the_risk_level_that_needs_leadership_consent() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = school(dir);
    let medium = assessment(CHANGE, "").replace("risk_level = \"low\"", "risk_level = \"medium\"");
    let medium = file(dir, "medium.toml", &medium);
    let (code, _, err) = ct(dir, &config, &["assess", "add", "--file", &medium]);
    assert_eq!(code, 64, "the default is consent from medium: {err}");
    assert!(
        err.contains("consent: missing: a medium-risk change"),
        "{err}"
    );

    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[assess]\nconsent_from = \"high\"\n");
    std::fs::write(&config, &text).unwrap();
    let id = add(dir, &config, &["assess", "add", "--file", &medium]);
    let (code, out, err) = ct(dir, &config, &["assess", "show", &id.to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("not required for a medium-risk change (consent_from = \"high\")"),
        "{out}"
    );
    // Every change needs it with "low".
    std::fs::write(&config, text.replace("\"high\"", "\"low\"")).unwrap();
    let low = file(dir, "low.toml", &assessment(CHANGE, ""));
    let (code, _, err) = ct(dir, &config, &["assess", "add", "--file", &low]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("consent_from = \"low\""), "{err}");
    // A value the configuration does not know is a configuration error, naming the key.
    std::fs::write(&config, text.replace("\"high\"", "\"sometimes\"")).unwrap();
    let (code, _, err) = ct(dir, &config, &["assess", "add", "--file", &low]);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("assess.consent_from"), "{err}");
}

#[test]
fn the_chain_catches_a_row_edited_or_removed_behind_the_programs_back() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = school(dir);
    let db = dir.join("caretaker.db");
    add(
        dir,
        &config,
        &["sites", "add", "--file", &file(dir, "site.toml", SITE)],
    );
    let ra = file(dir, "ra.toml", &assessment(CHANGE, ""));
    let edited = add(dir, &config, &["assess", "add", "--file", &ra]);
    let removed = add(
        dir,
        &config,
        &["sites", "add", "--file", &file(dir, "site.toml", SITE)],
    );
    add(dir, &config, &["assess", "add", "--file", &ra]);
    let (code, out, err) = ct(dir, &config, &["assess", "verify"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("4 records, chain intact"), "{out}");

    // The table refuses a plain UPDATE or DELETE.
    let (ok, err) = sqlite3(
        &db,
        &format!(
            "UPDATE records SET body = replace(body, 'R. Singh', 'Nobody') WHERE id = {edited};"
        ),
    );
    assert!(!ok && err.contains("append-only"), "{err}");
    let (ok, err) = sqlite3(&db, &format!("DELETE FROM records WHERE id = {removed};"));
    assert!(!ok && err.contains("append-only"), "{err}");
    let (code, _, err) = ct(dir, &config, &["assess", "verify"]);
    assert_eq!(code, 0, "refused changes leave the chain intact: {err}");

    // Past the trigger, the edit is made... and found.
    let (ok, err) = sqlite3(
        &db,
        &format!(
            "DROP TRIGGER records_no_update; UPDATE records SET body = replace(body, 'R. Singh', 'Nobody') WHERE id = {edited};"
        ),
    );
    assert!(ok, "{err}");
    let (code, out, err) = ct(dir, &config, &["assess", "verify"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "#{edited} (assessment): its contents do not match its hash"
        )),
        "{out}"
    );
    assert!(out.contains("records_no_update"), "{out}");
    assert!(!out.contains(&format!("#{removed} ")), "{out}");

    // A middle row removed is found too, by its id.
    let (ok, err) = sqlite3(
        &db,
        &format!("DROP TRIGGER records_no_delete; DELETE FROM records WHERE id = {removed};"),
    );
    assert!(ok, "{err}");
    let (code, out, err) = ct(dir, &config, &["assess", "verify"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("#{removed}: missing: the record was removed")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "#{} (assessment): the record before it",
            removed + 1
        )),
        "{out}"
    );
    // The export says so too, and still exports what is there.
    let (code, out, err) = ct(dir, &config, &["assess", "export"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["chain"]["intact"], false);
    assert!(err.contains("altered outside caretaker"), "{err}");
}

#[test]
fn a_filter_check_after_a_change_records_that_the_must_block_list_is_not_all_blocked() {
    let lab = crate::util::filter_school();
    let filter = lab.filter().unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = lab.config_path();
    let ra = file(dir, "ra.toml", &assessment(CHANGE, ""));
    let id = add(dir, config, &["assess", "add", "--file", &ra]);

    let (code, out, err) = ct(dir, config, &["assess", "check-filter", &id.to_string()]);
    assert_eq!(code, 1, "not all blocked: {out}{err}");
    assert!(
        out.contains("The must-block list is NOT all blocked"),
        "{out}"
    );
    assert!(out.contains("swearing.testfiltering.com"), "{out}");

    let (code, out, err) = ct(
        dir,
        config,
        &["assess", "show", &id.to_string(), "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let shown = json(&out);
    let checks = shown["verifications"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "{shown:#}");
    let v = &checks[0]["body"];
    assert_eq!(v["assessment"], id);
    assert_eq!(v["must_block_passed"], false, "{v:#}");
    // Exactly the planted must-block problems: offensive language from the pupils' machine, and
    // everything from the guest network, which bypasses the proxy (not the ways round the
    // filter, which are not on the must-block list).
    let planted: std::collections::BTreeSet<(String, String)> = filter
        .planted_filter()
        .into_iter()
        .filter(|p| p.check == "filter.must-block" || p.check == "filter.categories")
        .map(|p| (p.vantage, p.url.to_string()))
        .collect();
    let missed: std::collections::BTreeSet<(String, String)> = v["not_blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["status"], "fail", "{m:#}");
            (
                m["vantage"].as_str().unwrap().to_string(),
                m["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(missed, planted);
    assert!(planted.iter().any(|(v, _)| v == "pupil-pc"));
    assert!(planted.iter().any(|(v, _)| v == "guest-laptop"));
    let tests = v["must_block_tests"].as_u64().unwrap();
    assert_eq!(v["passed"].as_u64().unwrap(), tests - planted.len() as u64);
    // The run is an ordinary filter run, in the filter log.
    let run = v["run"].as_i64().unwrap();
    let (code, out, err) = ct(dir, config, &["filter", "log", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(json(&out)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["run"] == run));

    let (code, text, err) = ct(dir, config, &["assess", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&format!("run {run}: NOT all")), "{text}");
    let (code, out, err) = ct(dir, config, &["assess", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    // A site-log entry is not a risk assessment to check.
    let site = add(
        dir,
        config,
        &["sites", "add", "--file", &file(dir, "site.toml", SITE)],
    );
    let (code, _, err) = ct(dir, config, &["assess", "check-filter", &site.to_string()]);
    assert_eq!(code, 64, "{err}");
    // A change dated to be made tomorrow, and a rejected one, are refused before any test runs
    // (the console's `v` refuses them with the same words).
    let runs_before = json(&ct(dir, config, &["filter", "log", "--format", "json"]).1)["checks"]
        .as_array()
        .unwrap()
        .len();
    let tomorrow = (time::OffsetDateTime::now_utc().date() + time::Duration::days(1)).to_string();
    let later = assessment(CHANGE, "").replace(
        "applied_on = 2026-11-23",
        &format!("applied_on = {tomorrow}"),
    );
    let later = add(
        dir,
        config,
        &["assess", "add", "--file", &file(dir, "later.toml", &later)],
    );
    let (code, _, err) = ct(dir, config, &["assess", "check-filter", &later.to_string()]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains(&format!("to be made on {tomorrow}")), "{err}");
    let rejected = assessment(CHANGE, "")
        .replace("decision = \"approve\"", "decision = \"reject\"")
        .replace("applied_on = 2026-11-23\n", "");
    let rejected = add(
        dir,
        config,
        &[
            "assess",
            "add",
            "--file",
            &file(dir, "rejected.toml", &rejected),
        ],
    );
    let (code, _, err) = ct(
        dir,
        config,
        &["assess", "check-filter", &rejected.to_string()],
    );
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("was rejected"), "{err}");
    let runs_after = json(&ct(dir, config, &["filter", "log", "--format", "json"]).1)["checks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(runs_after, runs_before, "nothing was run");
}

/// The command line and the console ask the core the same question before re-checking the filter
/// for a change, and get the same answer in the same words: a rejected change is refused, and so
/// is a re-check with no vantage point configured (this school has none). Nothing is run.
#[test]
fn the_cli_and_the_console_refuse_the_same_re_checks() {
    use caretaker_api::{Api, AuditScope, Trigger};
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = school(dir);
    let approved = add(
        dir,
        &config,
        &[
            "assess",
            "add",
            "--file",
            &file(dir, "approved.toml", &assessment(CHANGE, "")),
        ],
    );
    let rejected = assessment(CHANGE, "")
        .replace("decision = \"approve\"", "decision = \"reject\"")
        .replace("applied_on = 2026-11-23\n", "");
    let rejected = add(
        dir,
        &config,
        &[
            "assess",
            "add",
            "--file",
            &file(dir, "rejected.toml", &rejected),
        ],
    );
    let loaded = caretaker_config::load(&config).unwrap();
    let console =
        caretaker_core::Local::open(loaded, caretaker_checks::clauses::builtin()).unwrap();
    for (id, exit, words) in [
        (
            approved,
            78,
            "no [[filter.vantage]] is configured, so the filter cannot be tested from anywhere",
        ),
        (
            rejected,
            64,
            "was rejected: no change was made to the filter, so there is nothing to verify",
        ),
    ] {
        let (code, _, err) = ct(dir, &config, &["assess", "check-filter", &id.to_string()]);
        assert_eq!(code, exit, "{err}");
        assert!(err.contains(words), "the command line said: {err}");
        let scope = AuditScope {
            verifies: Some(id),
            ..AuditScope::checks(vec!["filter".into()])
        };
        match console.start_audit(scope, Trigger::Console) {
            Ok(_) => {
                panic!("the console started a re-check of #{id} that the command line refused")
            }
            Err(e) => {
                assert!(e.to_string().contains(words), "the console said: {e}");
                assert_eq!(i32::from(e.exit_code()), exit, "the same exit status: {e}");
            }
        }
    }
    assert!(console.runs(10).unwrap().is_empty(), "nothing was run");
}
