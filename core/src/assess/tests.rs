use caretaker_checks::{Finding, Status};
use caretaker_config::ConsentFrom;

use crate::store::{RunRecord, Store, StoreError};

use super::check_site;
use super::*;

const GOOD: &str = r#"
requested_by = "Mrs Patel (Year 5 teacher)"
reason = "Science simulation used in the forces unit"
mitigations = "Supervised use only; comments hidden by a site setting"
risk_level = "low"
educational_assessor = "Mrs Patel"
technical_assessor = "R. Singh (network manager)"
decision = "approve"
applied_on = 2026-11-23
review_by = "2027-03-31"

[change]
action = "unblock"
site = "www.example-science-sim.org"
groups = ["Year 5", "Year 6"]

[risks]
content = "User comments section"
contact = "none"
conduct = "none"
"#;

fn good() -> AssessmentDraft {
    AssessmentDraft::from_toml(GOOD).unwrap()
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_complete_low_risk_assessment_is_valid_without_consent() {
    let a = good().validate(ConsentFrom::Medium).unwrap();
    assert_eq!(a.change.action, ChangeAction::Unblock);
    assert_eq!(a.change.groups, ["Year 5", "Year 6"]);
    assert_eq!(a.applied_on, Some(date("2026-11-23")));
    assert_eq!(a.consent_from, "medium");
    assert!(!a.consent_required());
    assert_eq!(
        a.summary(),
        "Unblock site www.example-science-sim.org for Year 5, Year 6; low risk; approved; applied 2026-11-23"
    );
}

#[test]
fn a_missing_technical_assessor_is_named() {
    let mut d = good();
    d.technical_assessor = Some("   ".into());
    let e = d.validate(ConsentFrom::Medium).unwrap_err();
    assert_eq!(fields(&e), ["technical_assessor"]);
    assert!(e[0].problem.contains("technical experience"), "{}", e[0]);
}

#[test]
fn the_same_person_cannot_be_both_assessors() {
    let mut d = good();
    d.technical_assessor = Some("mrs  patel".into());
    let e = d.validate(ConsentFrom::Medium).unwrap_err();
    assert_eq!(fields(&e), ["technical_assessor"]);
    assert!(e[0].problem.contains("two different people"), "{}", e[0]);
}

#[test]
fn consent_is_required_from_the_configured_level() {
    let mut d = good();
    d.risk_level = Some("high".into());
    let e = d.validate(ConsentFrom::Medium).unwrap_err();
    assert_eq!(fields(&e), ["consent"]);
    assert!(e[0].problem.contains("high-risk"), "{}", e[0]);
    assert!(
        e[0].problem.contains("consent_from = \"medium\""),
        "{}",
        e[0]
    );
    // Not needed when the school asks for it only... never.
    assert!(d.validate(ConsentFrom::Never).is_ok());
    assert!(d.validate(ConsentFrom::High).is_err());
    // A low-risk change needs it when consent_from = "low".
    assert_eq!(
        fields(&good().validate(ConsentFrom::Low).unwrap_err()),
        ["consent"]
    );
    d.consent = Some(ConsentDraft {
        by: Some("Mr Head (headteacher)".into()),
        on: Some("2026-11-22".into()),
    });
    let a = d.validate(ConsentFrom::Medium).unwrap();
    assert!(a.consent_required());
    assert_eq!(a.consent.unwrap().by, "Mr Head (headteacher)");
}

#[test]
fn consent_after_the_change_was_applied_is_refused() {
    let mut d = good();
    d.consent = Some(ConsentDraft {
        by: Some("Mr Head".into()),
        on: Some("2026-11-24".into()),
    });
    let e = d.validate(ConsentFrom::Medium).unwrap_err();
    assert_eq!(fields(&e), ["applied_on"]);
    assert!(e[0].problem.contains("before consent"), "{}", e[0]);
}

#[test]
fn every_problem_is_reported_at_once_with_its_field() {
    let d = AssessmentDraft::from_toml(
        "risk_level = \"extreme\"\ndecision = \"maybe\"\napplied_on = \"23/11/2026\"\n[change]\naction = \"allow\"\nsite = \"not a site\"\ngroups = []\n",
    )
    .unwrap();
    let e = d.validate(ConsentFrom::Medium).unwrap_err();
    let f = fields(&e);
    for want in [
        "change.action",
        "change.site",
        "change.groups",
        "requested_by",
        "reason",
        "risks.content",
        "risks.contact",
        "risks.conduct",
        "mitigations",
        "risk_level",
        "educational_assessor",
        "technical_assessor",
        "decision",
        "applied_on",
    ] {
        assert!(f.contains(&want), "{want} not in {f:?}");
    }
    let text: Vec<String> = e.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("\"extreme\" is not a risk level")),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|t| t.contains("expected YYYY-MM-DD")),
        "{text:#?}"
    );
}

#[test]
fn a_site_or_a_category_not_both() {
    let mut d = good();
    d.change.category = Some("social-networking".into());
    assert_eq!(
        fields(&d.validate(ConsentFrom::Medium).unwrap_err()),
        ["change.site"]
    );
    d.change.site = None;
    let a = d.validate(ConsentFrom::Medium).unwrap();
    assert_eq!(a.change.what(), "category social-networking");
    for ok in [
        "www.example.org",
        "https://www.example.org/page?x=1",
        "http://example.org:8080/",
        "*.example.org",
    ] {
        assert!(check_site(ok).is_ok(), "{ok}");
    }
    for bad in [
        "example",
        "ftp://example.org",
        "www.exa mple.org",
        "https://",
    ] {
        assert!(check_site(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_unknown_key_is_named() {
    let e = AssessmentDraft::from_toml("technical_asessor = \"R. Singh\"\n").unwrap_err();
    assert_eq!(e.field, "technical_asessor");
    assert!(e.problem.contains("line 1"), "{e}");
}

#[test]
fn a_site_log_entry_like_the_paper_sheet() {
    let d = SiteDraft::from_toml(
        "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"https://www.example-science-sim.org/forces\"\nrecommendation = \"unblock\"\n",
    )
    .unwrap();
    let s = d.validate().unwrap();
    assert_eq!(s.date, date("2026-11-20"));
    assert_eq!(s.resolution, "");
    let mut bad = d.clone();
    bad.time = Some("25:00".into());
    bad.recommendation = Some("allow".into());
    bad.workstation = None;
    let e = bad.validate().unwrap_err();
    assert_eq!(fields(&e), ["time", "workstation", "recommendation"]);
    let mut draft = AssessmentDraft::default();
    draft.prefill_from_site(4, &s);
    assert_eq!(draft.change.action.as_deref(), Some("unblock"));
    assert_eq!(draft.change.site.as_deref(), Some(s.url.as_str()));
    assert_eq!(draft.from_site, Some(4));
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    (dir, store)
}

fn site() -> SiteLogEntry {
    SiteDraft::from_toml(
        "reported_by = \"Mrs Patel\"\ndate = \"2026-11-20\"\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"www.example-science-sim.org\"\nrecommendation = \"unblock\"\n",
    )
    .unwrap()
    .validate()
    .unwrap()
}

/// The one rule for checking the filter after a change: approved, and made by today.
#[test]
fn a_change_is_verified_only_once_approved_and_made() {
    let (_dir, store) = store();
    let run = store
        .begin_run(&crate::store::NewRun {
            trigger: crate::store::Trigger::Manual,
            who: "tester".into(),
            config_digest: String::new(),
            school: "A School".into(),
            only: vec!["filter".into()],
        })
        .unwrap();
    store
        .finish_run(run, crate::store::RunState::Complete, None)
        .unwrap();
    let tomorrow = (today() + time::Duration::days(1)).to_string();
    let mut later = good();
    later.applied_on = Some(tomorrow.clone());
    let later = add_assessment(
        &store,
        &later.validate(ConsentFrom::Medium).unwrap(),
        "tester",
    )
    .unwrap();
    let r = store.record(later.id).unwrap().unwrap();
    let why = verifiable(&r, today()).unwrap_err();
    assert!(why.contains(&format!("to be made on {tomorrow}")), "{why}");
    assert!(verifiable(&r, today() + time::Duration::days(1)).is_ok());
    let err = verify_with_run(&store, later.id, run, "tester").unwrap_err();
    assert!(err.to_string().contains("to be made on"), "{err}");

    let mut rejected = good();
    rejected.decision = Some("reject".into());
    rejected.applied_on = None;
    let rejected = add_assessment(
        &store,
        &rejected.validate(ConsentFrom::Medium).unwrap(),
        "tester",
    )
    .unwrap();
    let err = verify_with_run(&store, rejected.id, run, "tester").unwrap_err();
    assert!(err.to_string().contains("was rejected"), "{err}");

    let made = add_assessment(
        &store,
        &good().validate(ConsentFrom::Medium).unwrap(),
        "tester",
    )
    .unwrap();
    let site = add_site(&store, &site(), "tester").unwrap();
    let err = verify_with_run(&store, site.id, run, "tester").unwrap_err();
    assert!(err.to_string().contains("not a risk assessment"), "{err}");
    let (stored, v) = verify_with_run(&store, made.id, run, "tester").unwrap();
    assert_eq!(v.assessment, made.id);
    assert_eq!(stored.kind, RecordKind::Verification);
}

#[test]
fn appended_records_chain_and_corrections_supersede() {
    let (_dir, store) = store();
    let s = add_site(&store, &site(), "tester").unwrap();
    assert_eq!(s.id, 1);
    assert_eq!(s.prev_hash, GENESIS);
    let mut d = good();
    d.from_site = Some(s.id);
    let a1 = add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester").unwrap();
    assert_eq!(a1.prev_hash, s.hash);
    assert_eq!(a1.entered_by, "tester");
    d.reason = Some("Forces unit, Year 5 and 6".into());
    d.supersedes = Some(a1.id);
    let a2 = add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester").unwrap();
    assert_eq!(a2.supersedes, Some(a1.id));
    // The old version stays, but is no longer current; correcting it again is refused.
    let again = add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester")
        .unwrap_err()
        .to_string();
    assert!(
        again.contains(&format!(
            "#{} has already been corrected by #{}",
            a1.id, a2.id
        )),
        "{again}"
    );
    // A site entry cannot correct an assessment, nor come from one.
    let mut wrong = site();
    wrong.supersedes = Some(a2.id);
    assert!(matches!(
        add_site(&store, &wrong, "tester"),
        Err(StoreError::Refused(_))
    ));
    d.supersedes = None;
    d.from_site = Some(a2.id);
    assert!(matches!(
        add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester"),
        Err(StoreError::Refused(_))
    ));

    let log = store.log().unwrap();
    let current: Vec<i64> = log
        .of_kind(RecordKind::Assessment, false)
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(current, [a2.id]);
    assert_eq!(log.of_kind(RecordKind::Assessment, true).len(), 2);
    let history: Vec<i64> = log.history(a1.id).iter().map(|r| r.id).collect();
    assert_eq!(history, [a1.id, a2.id]);
    assert_eq!(log.latest(a1.id), a2.id);
    assert_eq!(log.assessments_from_site(s.id), [a2.id]);

    let report = store.verify_records().unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.records, 3);
    assert_eq!(report.last_hash.as_deref(), Some(a2.hash.as_str()));
}

#[test]
fn appends_from_several_connections_at_once_make_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    drop(Store::open(&path).unwrap());
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&p).unwrap();
                for _ in 0..5 {
                    add_site(&store, &site(), "tester").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let report = Store::open(&path).unwrap().verify_records().unwrap();
    assert!(report.intact(), "{:#?}", report.problems);
    assert_eq!((report.records, report.last_id), (30, Some(30)));
}

#[test]
fn the_table_refuses_updates_and_deletes() {
    let (_dir, store) = store();
    add_site(&store, &site(), "tester").unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let e = conn
        .execute("UPDATE records SET entered_by = 'someone else'", [])
        .unwrap_err()
        .to_string();
    assert!(e.contains("append-only"), "{e}");
    let e = conn
        .execute("DELETE FROM records", [])
        .unwrap_err()
        .to_string();
    assert!(e.contains("append-only"), "{e}");
    assert!(store.verify_records().unwrap().intact());
}

/// Tampers with the store the way someone with the sqlite3 shell could.
fn tamper(store: &Store, sql: &str) {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn chain_of(n: usize) -> (tempfile::TempDir, Store) {
    let (dir, store) = store();
    for _ in 0..n {
        add_site(&store, &site(), "tester").unwrap();
    }
    (dir, store)
}

fn ids_named(report: &ChainReport) -> Vec<i64> {
    report.problems.iter().filter_map(|p| p.id).collect()
}

#[test]
fn an_edited_row_is_found() {
    let (_dir, store) = chain_of(4);
    tamper(
        &store,
        "DROP TRIGGER records_no_update;
             UPDATE records SET body = replace(body, 'Mrs Patel', 'Mr Smith') WHERE id = 2;",
    );
    let report = store.verify_records().unwrap();
    assert!(!report.intact());
    assert_eq!(ids_named(&report), [2], "{:#?}", report.problems);
    assert!(report.problems[0]
        .why
        .contains("changed after it was recorded"));
    assert!(report
        .problems
        .iter()
        .any(|p| p.id.is_none() && p.why.contains("records_no_update")));
}

/// A row whose kind was changed to a word caretaker does not write, hash recomputed: the row is
/// still read (the kind kept as it is), and the chain names it.
#[test]
fn a_row_of_an_unknown_kind_is_named() {
    let (_dir, store) = chain_of(2);
    let r2 = store.record(2).unwrap().unwrap();
    let forged = StoredRecord {
        kind: StoredKind::from_column("memo".into()),
        ..r2.clone()
    };
    let hash = forged.computed_hash();
    tamper(
        &store,
        &format!(
            "DROP TRIGGER records_no_update;
                 UPDATE records SET kind = 'memo', hash = '{hash}' WHERE id = 2;"
        ),
    );
    let read = store.record(2).unwrap().unwrap();
    assert_eq!(read.kind.as_str(), "memo");
    assert_eq!(read.record_kind(), None);
    assert_eq!(read.summary(), "unreadable memo record");
    let report = store.verify_records().unwrap();
    let named: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.id == Some(2))
        .map(|p| p.to_string())
        .collect();
    assert!(
        named
            .iter()
            .any(|p| p.contains("#2 (memo)") && p.contains("not a kind of record")),
        "{:#?}",
        report.problems
    );
}

#[test]
fn an_edit_with_its_hash_recomputed_breaks_the_next_link() {
    let (_dir, store) = chain_of(3);
    let r2 = store.record(2).unwrap().unwrap();
    let forged = StoredRecord {
        entered_by: "someone else".into(),
        ..r2.clone()
    };
    let hash = forged.computed_hash();
    tamper(
        &store,
        &format!(
            "DROP TRIGGER records_no_update;
                 UPDATE records SET entered_by = 'someone else', hash = '{hash}' WHERE id = 2;"
        ),
    );
    let report = store.verify_records().unwrap();
    assert_eq!(ids_named(&report), [3], "{:#?}", report.problems);
    assert!(report.problems[0].why.contains("link"));
}

#[test]
fn removed_rows_are_found_in_the_middle_and_at_the_end() {
    let (_dir, store) = chain_of(5);
    tamper(
        &store,
        "DROP TRIGGER records_no_delete; DELETE FROM records WHERE id IN (3, 5);",
    );
    let report = store.verify_records().unwrap();
    let ids = ids_named(&report);
    assert!(ids.contains(&3), "{:#?}", report.problems);
    assert!(ids.contains(&4), "{:#?}", report.problems);
    assert!(ids.contains(&5), "{:#?}", report.problems);
    // Appending after the removal keeps numbering past the gap: the gap stays visible.
    let next = add_site(&store, &site(), "tester").unwrap();
    assert_eq!(next.id, 6);
    let report = store.verify_records().unwrap();
    assert!(ids_named(&report).contains(&5), "{:#?}", report.problems);
}

#[test]
fn an_inserted_row_is_found() {
    let (_dir, store) = chain_of(2);
    let r1 = store.record(1).unwrap().unwrap();
    tamper(
        &store,
        &format!(
            "INSERT INTO records (id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash)
                 VALUES (7, 'site', '{}', 'intruder', '{}', NULL, '{}', 'x');",
            r1.body.replace('\'', "''"),
            r1.entered_at,
            r1.hash
        ),
    );
    let report = store.verify_records().unwrap();
    let ids = ids_named(&report);
    assert!(ids.contains(&7), "{:#?}", report.problems);
}

#[test]
fn a_verification_from_stored_findings() {
    use caretaker_checks::{Evidence, Severity, Target, TargetKind};
    let f = |check: &str, status: Status| {
        Finding::new(
            check,
            Target::new(
                TargetKind::Policy,
                "http://iwf.testfiltering.com/",
                "pupil-pc",
            ),
            status,
            Severity::High,
            "x",
            Evidence::new("x").with("group", "pupil"),
        )
    };
    let run = RunRecord {
        id: 7,
        trigger: caretaker_model::run::Trigger::Manual,
        who: "root".into(),
        config_digest: String::new(),
        school: String::new(),
        started_at: time::macros::datetime!(2026-11-23 10:00:00 UTC),
        ended_at: None,
        state: crate::RunState::Complete,
        verdict: None,
        only: vec![],
        counts: Default::default(),
    };
    let ok = Verification::from_run(
        3,
        &run,
        &[
            f("filter.control", Status::Pass),
            f("filter.must-block", Status::Pass),
            f("filter.categories", Status::Pass),
            f("filter.must-load", Status::Fail),
        ],
        MUST_BLOCK_CHECKS,
    );
    assert!(ok.must_block_passed);
    assert_eq!((ok.must_block_tests, ok.passed), (2, 2));
    let bad = Verification::from_run(
        3,
        &run,
        &[
            f("filter.must-block", Status::Pass),
            f("filter.categories", Status::Fail),
        ],
        MUST_BLOCK_CHECKS,
    );
    assert!(!bad.must_block_passed);
    assert_eq!(bad.not_blocked[0].group, "pupil");
    assert!(bad.summary().contains("NOT all blocked"));
    let none = Verification::from_run(
        3,
        &run,
        &[f("filter.control", Status::Pass)],
        MUST_BLOCK_CHECKS,
    );
    assert!(!none.must_block_passed, "no tests is not a pass");
    let errors = Verification::from_run(
        3,
        &run,
        &[f("filter.must-block", Status::Error)],
        MUST_BLOCK_CHECKS,
    );
    assert!(
        !errors.must_block_passed,
        "could not be judged is not a pass"
    );
}

fn date(s: &str) -> time::Date {
    parse_date(s).unwrap()
}

fn failing(check: &str, name: &str, status: Status) -> Finding {
    Finding::new(
        check,
        caretaker_checks::Target::new(caretaker_checks::TargetKind::Account, name, "openldap"),
        status,
        caretaker_checks::Severity::High,
        "p.jones has not logged on for 400 days.",
        caretaker_checks::Evidence::new("ldaps://dc").with("lastLogon", "400 days"),
    )
}

fn waiver_for(f: &Finding, until: &str) -> Waiver {
    Waiver {
        fingerprint: crate::store::fingerprint(f),
        check: f.check.to_string(),
        target: f.target.name.clone(),
        summary: f.summary.clone(),
        justification: "On maternity leave until January".into(),
        approved_by: "Mrs Head".into(),
        until: date(until),
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
    }
}

#[test]
fn waivers_apply_until_their_last_day_and_not_after() {
    let stale = failing("directory.stale-accounts", "p.jones", Status::Fail);
    let other = failing("directory.stale-accounts", "q.other", Status::Fail);
    let passing = failing("directory.guest", "p.jones", Status::Pass);
    let waivers = vec![
        (7, waiver_for(&stale, "2026-12-31")),
        (8, waiver_for(&passing, "2026-12-31")),
    ];
    let all = vec![stale.clone(), other.clone(), passing.clone()];

    // On the last day it is in force: waived, summary unchanged, the waiver in the evidence.
    let mut on_the_day = all.clone();
    apply_waivers(&mut on_the_day, &waivers, date("2026-12-31"));
    assert_eq!(on_the_day[0].status, Status::Waived);
    assert_eq!(on_the_day[0].summary, stale.summary);
    let ev: std::collections::BTreeMap<_, _> = on_the_day[0]
        .evidence
        .values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(ev.get("waiver"), Some(&"#7"));
    assert_eq!(
        ev.get("waiver_justification"),
        Some(&"On maternity leave until January")
    );
    assert_eq!(ev.get("waiver_approved_by"), Some(&"Mrs Head"));
    assert_eq!(ev.get("waiver_until"), Some(&"2026-12-31"));
    assert_eq!(
        ev.get("lastLogon"),
        Some(&"400 days"),
        "the evidence is kept"
    );
    assert_eq!(on_the_day[1], other, "another target is not waived");
    assert_eq!(on_the_day[2], passing, "a pass stays a pass");

    // The day after it expired: the finding counts again, untouched.
    let mut after = all.clone();
    apply_waivers(&mut after, &waivers, date("2027-01-01"));
    assert_eq!(after, all);

    // A withdrawn waiver changes nothing; warnings and errors are waived too.
    let mut withdrawn = waiver_for(&stale, "2026-12-31");
    withdrawn.withdrawn = true;
    let mut w = all.clone();
    apply_waivers(&mut w, &[(9, withdrawn)], date("2026-06-01"));
    assert_eq!(w, all);
    let mut warn = vec![failing("directory.stale-accounts", "p.jones", Status::Warn)];
    apply_waivers(&mut warn, &waivers, date("2026-06-01"));
    assert_eq!(warn[0].status, Status::Waived);
}

#[test]
fn expiry_dates_must_be_today_or_later_and_within_a_year() {
    let today = date("2026-11-23");
    assert_eq!(
        validate_until("--until", "2026-11-23", today).unwrap(),
        date("2026-11-23")
    );
    assert!(validate_until("--until", "2027-11-23", today).is_ok());
    let e = validate_until("--until", "2026-11-22", today).unwrap_err();
    assert!(e.contains("--until") && e.contains("in the past"), "{e}");
    let e = validate_until("--until", "2027-11-25", today).unwrap_err();
    assert!(e.contains("more than a year ahead"), "{e}");
    let e = validate_until("--until", "next friday", today).unwrap_err();
    assert!(e.contains("YYYY-MM-DD"), "{e}");
    assert!(validate_until("--until", "2026-02-30", today).is_err());
    let e = validate_text("--approved-by", "  ", "the name of who approved it").unwrap_err();
    assert!(e.contains("--approved-by is empty"), "{e}");
}

#[test]
fn waivers_and_attestations_join_the_chain_and_withdrawals_supersede() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.db")).unwrap();
    let f = failing("directory.stale-accounts", "p.jones", Status::Fail);
    let w = add_waiver(&store, &waiver_for(&f, "2026-12-31"), "root").unwrap();
    let a = Attestation {
        clause: "7.4/network-files".into(),
        clause_title: "Files on the network checked".into(),
        statement: "Weekly scan of the shared drive".into(),
        attested_by: "R. Singh".into(),
        until: date("2027-03-31"),
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: None,
    };
    let a_rec = add_attestation(&store, &a, "root").unwrap();
    let log = store.log().unwrap();
    assert_eq!(log.waivers().len(), 1);
    assert_eq!(log.attestations(), vec![(a_rec.id, a.clone())]);
    assert!(log
        .get(w.id)
        .unwrap()
        .summary()
        .contains("waived until 2026-12-31"));

    let mut withdrawal = waiver_for(&f, "2026-12-31");
    withdrawal.withdrawn = true;
    withdrawal.withdrawn_reason = Some("Left the school".into());
    withdrawal.supersedes = Some(w.id);
    add_waiver(&store, &withdrawal, "root").unwrap();
    // A waiver cannot withdraw an attestation.
    let mut wrong = withdrawal.clone();
    wrong.supersedes = Some(a_rec.id);
    assert!(matches!(
        add_waiver(&store, &wrong, "root"),
        Err(StoreError::Refused(_))
    ));
    let log = store.log().unwrap();
    assert!(log.waivers().is_empty(), "withdrawn");
    assert_eq!(log.of_kind(RecordKind::Waiver, true).len(), 2);
    let report = store.verify_records().unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(report.records, 3);

    // `withdraw` finds the kind itself, and says why it will not.
    let gone = withdraw(
        &store,
        a_rec.id,
        "Scan moved to the new server".into(),
        "root",
    )
    .unwrap();
    let withdrawn = gone.attestation().unwrap();
    assert!(withdrawn.withdrawn && withdrawn.supersedes == Some(a_rec.id));
    assert_eq!(withdrawn.statement, a.statement, "the rest as it was");
    assert!(store.log().unwrap().attestations().is_empty());
    for (id, why) in [
        (w.id, format!("#{} was already withdrawn by #3", w.id)),
        (3, "#3 is itself a withdrawal".to_string()),
        (99, "there is no record #99".to_string()),
    ] {
        match withdraw(&store, id, "again".into(), "root") {
            Err(StoreError::Refused(m)) => assert!(m.contains(&why), "{m}"),
            other => panic!("#{id}: {other:?}"),
        }
    }
}
