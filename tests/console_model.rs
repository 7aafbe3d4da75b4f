//! The console's views of the data (the current picture, the findings search, the differences
//! between runs), over findings judged against the built-in clause map.

use caretaker_model::run::{RunRecord, RunState, StatusCounts};
use caretaker_model::{Evidence, Severity, Target};
use caretaker_model::{Finding, Status, TargetKind};
use caretaker_tui::model::*;

fn run(id: i64, only: &[&str], state: RunState) -> RunRecord {
    RunRecord {
        id,
        trigger: caretaker_model::run::Trigger::Cron,
        who: "root".into(),
        config_digest: "d".into(),
        school: "s".into(),
        started_at: time::macros::datetime!(2026-11-10 02:00:00 UTC) + time::Duration::days(id),
        ended_at: None,
        state,
        verdict: None,
        only: only.iter().map(|s| s.to_string()).collect(),
        counts: StatusCounts::default(),
    }
}

fn f(check: &str, kind: TargetKind, name: &str, status: Status) -> Finding {
    let mut f = Finding::new(
        check,
        Target::new(kind, name, "ad"),
        status,
        Severity::High,
        format!("{name} {status}"),
        Evidence::default(),
    );
    f.clauses = caretaker_checks::clauses::builtin().clauses_for(&f.check);
    f
}

#[test]
fn partial_runs_are_laid_over_the_latest_full_run() {
    let full = vec![
        f(
            "directory.stale-accounts",
            TargetKind::Account,
            "p.jones",
            Status::Fail,
        ),
        f(
            "directory.guest",
            TargetKind::Account,
            "Guest",
            Status::Pass,
        ),
        f(
            "host.antivirus",
            TargetKind::Host,
            "library-pc",
            Status::Fail,
        ),
        f(
            "host.antivirus",
            TargetKind::Host,
            "office-pc",
            Status::Pass,
        ),
    ];
    // p.jones was disabled: a directory run no longer reports him at all.
    let dir_only = vec![f(
        "directory.guest",
        TargetKind::Account,
        "Guest",
        Status::Fail,
    )];
    // One machine re-checked.
    let one_host = vec![f(
        "host.antivirus",
        TargetKind::Host,
        "library-pc",
        Status::Pass,
    )];
    let runs = vec![
        (run(4, &[], RunState::Running), vec![]),
        (run(3, &["host"], RunState::Complete), one_host),
        (run(2, &["directory"], RunState::Complete), dir_only),
        (run(1, &[], RunState::Complete), full),
        (run(0, &[], RunState::Complete), vec![]),
    ];
    let (used, findings, from) = current(runs);
    assert_eq!(used.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 2, 1]);
    let got: Vec<(String, Status, i64)> = findings
        .iter()
        .zip(&from)
        .map(|(f, r)| (f.target.name.clone(), f.status, *r))
        .collect();
    assert_eq!(
        got,
        vec![
            ("library-pc".to_string(), Status::Pass, 3),
            ("Guest".to_string(), Status::Fail, 2),
            ("office-pc".to_string(), Status::Pass, 1),
        ]
    );
}

#[test]
fn queries_with_qualifiers() {
    let fs = vec![
        f(
            "directory.stale-accounts",
            TargetKind::Account,
            "p.jones",
            Status::Fail,
        ),
        f(
            "host.antivirus",
            TargetKind::Host,
            "library-pc",
            Status::Fail,
        ),
        f("host.updates", TargetKind::Host, "library-pc", Status::Pass),
    ];
    let sel = |q: &str| select_findings(&fs, &Query::parse(q), StatusFilter::All, Sort::Worst);
    assert_eq!(sel("host:library-pc"), vec![1, 2]);
    assert_eq!(sel("host:library-pc status:fail"), vec![1]);
    assert_eq!(sel("account:P.JONES"), vec![0]);
    assert_eq!(sel("clause:7.4/virus-protection"), vec![1, 2]);
    assert_eq!(sel("clause:7.4"), vec![0, 1, 2]);
    assert_eq!(sel("check:host"), vec![1, 2]);
    assert_eq!(sel("dir:ad"), vec![0]);
    assert_eq!(sel("jones"), vec![0]);
    assert_eq!(sel("nothing-like-this"), Vec::<usize>::new());
    assert_eq!(
        select_findings(
            &fs,
            &Query::default(),
            StatusFilter::Only(Status::Pass),
            Sort::Worst
        ),
        vec![2]
    );
}

#[test]
fn diffs_by_check_and_target() {
    let a = vec![
        f(
            "directory.stale-accounts",
            TargetKind::Account,
            "p.jones",
            Status::Fail,
        ),
        f(
            "host.antivirus",
            TargetKind::Host,
            "library-pc",
            Status::Fail,
        ),
    ];
    let b = vec![
        f(
            "host.antivirus",
            TargetKind::Host,
            "library-pc",
            Status::Fail,
        ),
        f(
            "host.updates",
            TargetKind::Host,
            "library-pc",
            Status::Error,
        ),
    ];
    let d = diff((1, &[]), &a, (2, &[]), &b);
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.new[0].check.as_str(), "host.updates");
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].target.name, "p.jones");
    assert_eq!(d.still, 1);
    assert_eq!(d.not_compared, 0);
}

/// A full run against a filter-only run compares the filter alone: the directory's problems
/// were not checked in the filter-only run, so they are neither new nor resolved.
#[test]
fn a_partial_run_is_compared_like_with_like() {
    let full = vec![
        f(
            "directory.stale-accounts",
            TargetKind::Account,
            "p.jones",
            Status::Fail,
        ),
        f(
            "filter.must-block",
            TargetKind::Url,
            "https://iwf.example/",
            Status::Fail,
        ),
    ];
    let filter_only = vec![f(
        "filter.must-block",
        TargetKind::Url,
        "https://iwf.example/",
        Status::Pass,
    )];
    let filter = ["filter".to_string()];
    let d = diff((2, &filter), &filter_only, (3, &[]), &full);
    assert_eq!(d.new.len(), 1, "{d:?}");
    assert_eq!(d.new[0].check.as_str(), "filter.must-block");
    assert_eq!(d.not_compared, 1);
    let d = diff((3, &[]), &full, (4, &filter), &filter_only);
    assert!(d.new.is_empty(), "{d:?}");
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].check.as_str(), "filter.must-block");
    // A run of one machine compares that machine only.
    let pc = |s| vec![f("host.antivirus", TargetKind::Host, "pc-1", s)];
    let mut both = pc(Status::Fail);
    both.extend(vec![f(
        "host.antivirus",
        TargetKind::Host,
        "pc-2",
        Status::Fail,
    )]);
    let d = diff(
        (5, &[]),
        &both,
        (6, &["host".to_string()]),
        &pc(Status::Pass),
    );
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].target.name, "pc-1");
    assert_eq!(d.not_compared, 1);
}

#[test]
fn the_trend_is_drawn_from_finished_full_audits() {
    let runs = vec![
        run(4, &["filter"], RunState::Complete),
        run(3, &[], RunState::Interrupted),
        run(2, &[], RunState::Complete),
        run(1, &[], RunState::Complete),
    ];
    let ids: Vec<i64> = trend_runs(&runs).iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2]);
}
