//! `InProcess` over a real store: the picture, runs, findings, first / last seen, the filter log,
//! and an audit run by the real engine in this process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt as _;

use caretaker_api::{Api, AuditEvent, AuditScope, FilterLogSpan};
use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::Local;
use caretaker_tui::model::Picture;

fn finding(check: &str, kind: TargetKind, name: &str, scope: &str, status: Status) -> Finding {
    let map = caretaker_checks::clauses::builtin();
    let mut f = Finding::new(
        check,
        Target::new(kind, name, scope),
        status,
        Severity::High,
        format!("{name}: {status}."),
        Evidence::new("ldaps://dc")
            .with("k", "v")
            .with("group", "pupil"),
    );
    f.clauses = map.clauses_for(&f.check);
    f
}

fn store_run(store: &Store, only: &[&str], findings: &[Finding]) -> i64 {
    let id = store
        .begin_run(&NewRun {
            trigger: Trigger::Cron,
            who: "root".into(),
            config_digest: "d".into(),
            school: "St. Example's".into(),
            only: only.iter().map(|s| s.to_string()).collect(),
        })
        .unwrap();
    store.add_findings(id, findings).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::of(findings)))
        .unwrap();
    id
}

#[test]
fn in_process_over_a_real_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("caretaker.toml");
    std::fs::write(
        &config,
        "version = 1\n[school]\nname = \"St. Example's\"\n[store]\npath = \"caretaker.db\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = caretaker_config::load(&config).unwrap();
    let store = Store::open(&loaded.store_path).unwrap();

    let p_jones = finding(
        "directory.stale-accounts",
        TargetKind::Account,
        "p.jones",
        "ad",
        Status::Fail,
    );
    let guest_ok = finding(
        "directory.guest",
        TargetKind::Account,
        "Guest",
        "ad",
        Status::Pass,
    );
    let library = finding(
        "host.antivirus",
        TargetKind::Host,
        "library-pc",
        "10.0.0.1",
        Status::Fail,
    );
    let iwf = finding(
        "filter.must-block",
        TargetKind::Url,
        "http://iwf.testfiltering.com/",
        "pupil-wifi",
        Status::Pass,
    );
    let first = store_run(
        &store,
        &[],
        &[
            p_jones.clone(),
            guest_ok.clone(),
            library.clone(),
            iwf.clone(),
        ],
    );
    let second = store_run(
        &store,
        &[],
        &[p_jones.clone(), guest_ok, library.clone(), iwf],
    );
    // A later partial run of one check: the guest account is now on.
    let guest_on = finding(
        "directory.guest",
        TargetKind::Account,
        "Guest",
        "ad",
        Status::Fail,
    );
    let partial = store_run(
        &store,
        &["directory.guest"],
        std::slice::from_ref(&guest_on),
    );

    let src = Local::new(
        store.clone(),
        loaded.clone(),
        caretaker_checks::clauses::builtin(),
    );

    let p = Picture::from_overview(src.overview().unwrap(), src.catalogue());
    assert_eq!(p.school, "St. Example's");
    assert_eq!(p.latest.as_ref().unwrap().id, partial);
    assert_eq!(
        p.runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![partial, second]
    );
    assert_eq!(p.findings.len(), 4);
    let guest = p
        .findings
        .iter()
        .position(|f| f.check.as_str() == "directory.guest")
        .unwrap();
    assert_eq!(p.findings[guest].status, Status::Fail);
    assert_eq!(p.from_run[guest], partial);
    let logins = p
        .clauses
        .iter()
        .find(|c| c.line.id == "7.4/logins")
        .unwrap();
    assert_eq!(logins.line.status.word(), "RED");
    assert_eq!(logins.verified.as_ref().unwrap().0, partial);

    let runs = src.runs(10).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![partial, second, first]
    );
    assert_eq!(runs[1].counts.fail, 2);
    assert_eq!(src.findings(first).unwrap().len(), 4);

    let seen = src.seen(&p_jones).unwrap().unwrap();
    assert_eq!(
        (seen.first_run, seen.last_run, seen.runs),
        (first, second, 2)
    );
    assert!(src.seen(&guest_on).unwrap().is_some());
    let never = finding(
        "directory.guest",
        TargetKind::Account,
        "Nobody",
        "ad",
        Status::Fail,
    );
    assert_eq!(src.seen(&never).unwrap(), None);

    let log = src.filter_log(FilterLogSpan::Runs(10)).unwrap();
    assert_eq!(
        log.len(),
        2,
        "one filter check per run with filter findings"
    );
    assert_eq!(log[0].vantage, "pupil-wifi");

    // Bad selectors and unknown machines are refused before anything runs.
    assert!(src
        .start_audit(
            AuditScope::checks(vec!["directroy".into()]),
            Trigger::Console
        )
        .unwrap_err()
        .to_string()
        .contains("directroy"));
    assert!(src
        .start_audit(AuditScope::host("library-pc"), Trigger::Console)
        .unwrap_err()
        .to_string()
        .contains("library-pc"));

    // An audit by the real engine (nothing configured: incomplete), recorded as a console run.
    let mut handle = src
        .start_audit(AuditScope::everything(), Trigger::Console)
        .unwrap();
    let mut events = Vec::new();
    while let Some(ev) = handle.events.blocking_recv() {
        let last = matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
        events.push(ev);
        if last {
            break;
        }
    }
    let run_id = match events.as_slice() {
        [AuditEvent::Started { run_id, units: 0 }, AuditEvent::Finished {
            run_id: done,
            state: RunState::Complete,
            verdict: Verdict::Incomplete,
            ..
        }] if run_id == done => *run_id,
        other => panic!("{other:?}"),
    };
    let run = store.run(Some(run_id)).unwrap().unwrap();
    assert_eq!(run.trigger, Trigger::Console);
}
