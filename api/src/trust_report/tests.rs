//! The trustees' report of three schools: St. Mary & St. John's, where a leaver's account was
//! left switched on during the term (and the guest account, on at the start, was switched off);
//! Riverside, where everything passes (and virus protection, out of date at the start, is up to
//! date now); Oakfield, which has never sent anything.

use caretaker_checks::standards::{view, DFE_CYBER, FILTERING};
use caretaker_model::finding::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_model::leadership::Period;
use caretaker_model::run::{RunRecord, RunState, StatusCounts, Trigger, Verdict};
use caretaker_model::trust_report::{TrustReport, FORMAT};
use caretaker_model::ClauseMap;

use crate::trust::{TrustSchool, TrustView};
use crate::Overview;

const MARYS: &str = "St. Mary & St. John's <Primary>";
const LEAVER: &str = "e.hughes left on 31 August 2026, and the account is still switched on.";
const GUEST: &str = "The guest account is switched on.";
const NEVER_EXPIRES: &str = "3 staff accounts have passwords that never expire.";

fn map() -> ClauseMap {
    caretaker_checks::clauses::builtin()
}

fn finding(check: &str, kind: TargetKind, name: &str, status: Status, summary: &str) -> Finding {
    let mut f = Finding::new(
        check,
        Target::new(kind, name, if kind == TargetKind::Host { "" } else { "ad" }),
        status,
        if status == Status::Pass {
            Severity::Info
        } else {
            Severity::High
        },
        summary,
        Evidence::default().with("seen", "yes"),
    );
    if status == Status::Fail {
        f = f.fix("Switch the account off in Active Directory Users and Computers.");
    }
    f.clauses = map().clauses_for(&f.check);
    f
}

fn run(id: i64, started_at: time::OffsetDateTime, findings: &[Finding]) -> RunRecord {
    RunRecord {
        id,
        trigger: Trigger::Schedule,
        who: "caretaker".into(),
        config_digest: "digest".into(),
        school: "school".into(),
        started_at,
        ended_at: Some(started_at + time::Duration::minutes(4)),
        state: RunState::Complete,
        verdict: Some(Verdict::of(findings)),
        only: Vec::new(),
        counts: StatusCounts::of(findings),
    }
}

fn school(
    id: &str,
    name: &str,
    run_id: i64,
    at: time::OffsetDateTime,
    findings: Option<Vec<Finding>>,
) -> TrustSchool {
    let runs: Vec<(RunRecord, Vec<Finding>)> = findings
        .into_iter()
        .map(|fs| (run(run_id, at, &fs), fs))
        .collect();
    TrustSchool {
        id: id.into(),
        name: name.into(),
        forwarded_at: runs
            .first()
            .map(|(r, _)| caretaker_model::finding::format_rfc3339(r.started_at)),
        overview: Overview {
            school: name.into(),
            map: map(),
            latest: runs.first().map(|(r, _)| r.clone()),
            runs,
            attestations: Vec::new(),
            today: time::macros::date!(2026 - 12 - 31),
        },
    }
}

/// The three schools at the end of the autumn term, and at its start.
pub(crate) fn views() -> (TrustView, TrustView) {
    use Status::{Fail, Pass, Warn};
    use TargetKind::{Account, Directory, Host};
    let end = time::macros::datetime!(2026-12-20 02:00 UTC);
    let begin = time::macros::datetime!(2026-08-30 02:00 UTC);
    let never = finding(
        "directory.password-never-expires",
        Directory,
        "ad",
        Fail,
        NEVER_EXPIRES,
    );
    let now = TrustView {
        schools: vec![
            school(
                "st-marys",
                MARYS,
                40,
                end,
                Some(vec![
                    finding("directory.leavers", Account, "e.hughes", Fail, LEAVER),
                    finding(
                        "directory.guest",
                        Directory,
                        "ad",
                        Pass,
                        "The guest account is off.",
                    ),
                    never.clone(),
                    finding(
                        "host.antivirus",
                        Host,
                        "office-pc",
                        Pass,
                        "Virus protection is up to date.",
                    ),
                ]),
            ),
            school(
                "riverside",
                "Riverside Primary Academy",
                12,
                end,
                Some(vec![
                    finding(
                        "directory.leavers",
                        Directory,
                        "ad",
                        Pass,
                        "Every enabled account belongs to someone here.",
                    ),
                    finding(
                        "directory.guest",
                        Directory,
                        "ad",
                        Pass,
                        "The guest account is off.",
                    ),
                    finding(
                        "host.antivirus",
                        Host,
                        "hall-pc",
                        Pass,
                        "Virus protection is up to date.",
                    ),
                ]),
            ),
            school("oakfield", "Oakfield Academy", 0, end, None),
        ],
        as_of: None,
    };
    let start = TrustView {
        schools: vec![
            school(
                "st-marys",
                MARYS,
                21,
                begin,
                Some(vec![
                    finding(
                        "directory.leavers",
                        Directory,
                        "ad",
                        Pass,
                        "Every enabled account belongs to someone here.",
                    ),
                    finding("directory.guest", Directory, "ad", Fail, GUEST),
                    never,
                    finding(
                        "host.antivirus",
                        Host,
                        "office-pc",
                        Pass,
                        "Virus protection is up to date.",
                    ),
                ]),
            ),
            school(
                "riverside",
                "Riverside Primary Academy",
                5,
                begin,
                Some(vec![
                    finding(
                        "directory.leavers",
                        Directory,
                        "ad",
                        Pass,
                        "Every enabled account belongs to someone here.",
                    ),
                    finding(
                        "directory.guest",
                        Directory,
                        "ad",
                        Pass,
                        "The guest account is off.",
                    ),
                    finding(
                        "host.antivirus",
                        Host,
                        "hall-pc",
                        Warn,
                        "Virus protection is 9 days out of date.",
                    ),
                ]),
            ),
            school("oakfield", "Oakfield Academy", 0, begin, None),
        ],
        as_of: Some("2026-09-01T00:00:00Z".into()),
    };
    (now, start)
}

pub(crate) fn report() -> TrustReport {
    let (now, start) = views();
    let views: Vec<_> = [DFE_CYBER, FILTERING]
        .into_iter()
        .filter_map(view)
        .collect();
    super::build(
        "The Good Shepherd Trust",
        Period::term("autumn-2026").unwrap_or_else(|e| panic!("{e}")),
        &now,
        &start,
        &views,
        time::macros::datetime!(2027-01-04 09:00 UTC),
    )
}

#[test]
fn the_headline_counts_who_meets_the_policy_and_names_who_does_not() {
    let r = report();
    assert_eq!(r.format, FORMAT);
    assert_eq!(r.trust, "The Good Shepherd Trust");
    let s = &r.summary;
    assert_eq!(
        s.headline,
        format!(
            "1 of 3 schools meets the policy; 1 does not: {MARYS}; 1 has not been checked: Oakfield Academy."
        )
    );
    assert_eq!(
        (s.schools, s.meeting, s.not_meeting, s.not_checked),
        (3, 1, 1, 1)
    );
    assert_eq!(r.compared_as_of.as_deref(), Some("2026-09-01T00:00:00Z"));
    // As JSON (`--format json`), and back.
    let json = serde_json::to_string(&r).unwrap_or_default();
    let back: TrustReport = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(back, r);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(doc["schools"][0]["standards"][0]["view"], "dfe-cyber");
    assert_eq!(doc["schools"][0]["standards"][0]["words"], "Not met");
}

#[test]
fn each_school_has_a_cell_for_the_policy_and_each_standard() {
    let r = report();
    let s = &r.summary;
    let columns: Vec<&str> = s.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(columns, vec!["school", "dfe-cyber", "filtering"]);
    assert_eq!(s.columns[0].title, "Online Safety Policy");
    let cells = |i: usize| -> Vec<(String, String)> {
        s.rows[i]
            .cells
            .iter()
            .map(|c| (c.status.clone(), c.words.clone()))
            .collect()
    };
    let w = |a: &str, b: &str| (a.to_string(), b.to_string());
    // St. Mary's: the leaver and the passwords fail a directory clause and the DfE's accounts
    // standard; nothing looked at the filter.
    assert_eq!(s.rows[0].name, MARYS);
    assert!(!s.rows[0].meets_policy);
    assert_eq!(s.rows[0].red, 1);
    assert_eq!(
        cells(0),
        vec![
            w("red", "Not met"),
            w("red", "Not met"),
            w("grey", "Not checked")
        ]
    );
    assert_eq!(s.rows[0].cells[0].not_met, vec!["Logins and passwords"]);
    assert_eq!(
        s.rows[0].cells[1].not_met,
        vec!["User accounts and access controlled"]
    );
    let n = map().clauses.len();
    assert_eq!(
        s.rows[0].cells[0].detail,
        format!("of {n} clauses: 1 not met, 1 met, {} not checked", n - 2)
    );
    // Riverside passes everything checked.
    assert!(s.rows[1].meets_policy);
    assert_eq!(s.rows[1].red, 0);
    assert_eq!(
        cells(1),
        vec![
            w("green", "Met"),
            w("green", "Met"),
            w("grey", "Not checked")
        ]
    );
    // Oakfield was never checked: no column says met.
    assert!(!s.rows[2].checked && !s.rows[2].meets_policy);
    assert!(s.rows[2]
        .cells
        .iter()
        .all(|c| c.words == "Not checked" && c.detail == "not checked"));
}

#[test]
fn what_changed_since_the_start_of_the_term_is_found_by_fingerprint() {
    let r = report();
    let marys = &r.schools[0].changes;
    let summaries = |l: &[caretaker_model::leadership::ChangeLine]| -> Vec<String> {
        l.iter().map(|x| x.summary.clone()).collect()
    };
    assert_eq!(summaries(&marys.newly_failing), vec![LEAVER]);
    assert_eq!(summaries(&marys.fixed), vec![GUEST]);
    assert_eq!(summaries(&marys.still_open), vec![NEVER_EXPIRES]);
    assert_eq!(marys.compared_with.as_ref().map(|r| r.id), Some(21));
    // Its logins clause failed then and fails now: no change of state.
    assert!(
        r.schools[0].recoloured.is_empty(),
        "{:?}",
        r.schools[0].recoloured
    );
    // Riverside's virus protection was out of date (to look at), and is up to date now: a
    // clause changed state, but nothing was failing, so nothing is "fixed".
    let river = &r.schools[1];
    assert!(river.changes.fixed.is_empty() && river.changes.newly_failing.is_empty());
    let moved: Vec<(&str, &str, &str)> = river
        .recoloured
        .iter()
        .map(|c| (c.id.as_str(), c.from_words.as_str(), c.to_words.as_str()))
        .collect();
    assert_eq!(
        moved,
        vec![(
            "7.4/virus-protection",
            "Met, with something to look at",
            "Met"
        )]
    );
    // Oakfield: nothing then, nothing now.
    assert!(r.schools[2].changes.compared_with.is_none());
    let t = &r.summary.changes;
    assert_eq!((t.new, t.fixed, t.still_open, t.recoloured), (1, 1, 1, 1));
    assert_eq!(
        t.sentence,
        "Since 1 September 2026: 1 new problem, 1 fixed, 1 still open; 1 clause changed state; 1 of 3 schools had problems found or fixed."
    );
    let row = &r.summary.rows[0];
    assert_eq!((row.new, row.fixed, row.recoloured), (1, 1, 0));
}

#[test]
fn each_school_page_starts_in_plain_english_and_holds_only_its_own_problems() {
    let r = report();
    let [marys, river, oak] = &r.schools[..] else {
        panic!("three pages: {:?}", r.schools.len());
    };
    assert_eq!(
        marys.headline,
        format!(
            "{MARYS} does not yet meet the online safety policy: 1 of {} clauses is not met (Logins and passwords).",
            map().clauses.len()
        )
    );
    let what: Vec<(&str, &str, &str)> = marys
        .failing
        .iter()
        .map(|f| (f.what.as_str(), f.who.as_str(), f.clause.as_str()))
        .collect();
    assert_eq!(
        what,
        vec![
            (
                LEAVER,
                "the network manager (accounts and passwords)",
                "7.4 Logins and passwords"
            ),
            (
                NEVER_EXPIRES,
                "the network manager (accounts and passwords)",
                "7.4 Logins and passwords"
            ),
        ]
    );
    assert_eq!(marys.latest_run.as_ref().map(|r| r.id), Some(40));
    assert_eq!(marys.forwarded_at.as_deref(), Some("2026-12-20T02:00:00Z"));
    assert!(marys.note.is_none());
    let logins = marys
        .clauses
        .iter()
        .find(|c| c.id == "7.4/logins")
        .map(|c| (c.words.as_str(), c.reason.as_str()));
    assert_eq!(logins, Some(("Not met", LEAVER)));

    assert!(
        river.headline.starts_with(
            "Riverside Primary Academy meets the online safety policy on every clause checked ("
        ),
        "{}",
        river.headline
    );
    assert!(river.failing.is_empty());
    let json = serde_json::to_string(river).unwrap_or_default();
    assert!(!json.contains("e.hughes") && !json.contains("guest account is switched on"));

    assert_eq!(
        oak.headline,
        "Nothing has been received from Oakfield Academy: its results have never been sent to the trust, so we cannot say whether it meets the online safety policy."
    );
    assert!(oak.forwarded_at.is_none() && oak.latest_run.is_none());
    assert!(oak.failing.is_empty() && oak.recoloured.is_empty());
}

#[test]
fn a_school_whose_checks_stopped_is_noted_and_an_empty_trust_says_so() {
    let (mut now, start) = views();
    now.schools[1].overview.runs[0].0.started_at = time::macros::datetime!(2026-10-01 02:00 UTC);
    now.schools[1].overview.latest = Some(now.schools[1].overview.runs[0].0.clone());
    let r = super::build(
        "T",
        Period::term("autumn-2026").unwrap_or_else(|e| panic!("{e}")),
        &now,
        &start,
        &[],
        time::macros::datetime!(2027-01-04 09:00 UTC),
    );
    assert_eq!(
        r.schools[1].note.as_deref(),
        Some("Its latest checks are from 1 October 2026, 91 days before the end of the period: ask the school whether its checks have stopped.")
    );
    assert_eq!(r.summary.columns.len(), 1);
    let empty = TrustView {
        schools: Vec::new(),
        as_of: None,
    };
    let r = super::build(
        "T",
        Period::term("autumn-2026").unwrap_or_else(|e| panic!("{e}")),
        &empty,
        &empty,
        &[],
        time::macros::datetime!(2027-01-04 09:00 UTC),
    );
    assert_eq!(
        r.summary.headline,
        "No school's results have reached the trust's database."
    );
    assert!(r.schools.is_empty() && r.summary.rows.is_empty());
}
