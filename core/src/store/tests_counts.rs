//! Runs' stored counts (schema 6), a filter cell's history and a finding's latest result.

use super::tests::new_run;
use super::*;
use crate::store::schema::MIGRATIONS;
use caretaker_checks::filter::classify::{CONTROL, MUST_BLOCK, MUST_LOAD};
use caretaker_checks::{Evidence, Severity, Status, Target, TargetKind};

fn host_finding(name: &str, status: Status) -> Finding {
    Finding::new(
        "host.firewall",
        Target::new(TargetKind::Host, name, "10.0.0.1"),
        status,
        Severity::High,
        format!("The firewall of {name}: {}.", status.as_str()),
        Evidence::new("ssh://10.0.0.1").with("active", status == Status::Pass),
    )
}

fn filter_finding(check: &str, url: &str, vantage: &str, status: Status, note: &str) -> Finding {
    Finding::new(
        check,
        Target::new(TargetKind::Url, url, vantage),
        status,
        Severity::High,
        format!("{url} from {vantage}: {note}."),
        Evidence::new(vantage).with("category", "adult"),
    )
}

/// The stored counts columns of run `id` (all NULL while it runs).
fn stored_counts(store: &Store, id: i64) -> Vec<Option<i64>> {
    store
        .lock()
        .query_row(
            "SELECT n_pass, n_fail, n_warn, n_error, n_waived FROM runs WHERE id = ?1",
            params![id],
            |r| Ok((0..5).map(|i| r.get(i).unwrap()).collect()),
        )
        .unwrap()
}

#[test]
fn counts_are_written_when_a_run_ends_and_a_running_run_is_counted_from_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let id = store.begin_run(&new_run()).unwrap();
    let findings = [
        host_finding("pc1", Status::Pass),
        host_finding("pc2", Status::Fail),
        host_finding("pc3", Status::Fail),
        host_finding("pc4", Status::Warn),
        host_finding("pc5", Status::Error),
        host_finding("pc6", Status::Waived),
    ];
    store.add_findings(id, &findings[..4]).unwrap();
    // Running: nothing stored yet, counted from the findings so far.
    assert_eq!(stored_counts(&store, id), vec![None; 5]);
    let running = store.runs(10).unwrap();
    assert_eq!(
        (
            running[0].counts.pass,
            running[0].counts.fail,
            running[0].counts.warn
        ),
        (1, 2, 1)
    );
    assert_eq!(
        store.run(Some(id)).unwrap().unwrap().counts,
        running[0].counts
    );
    store.add_findings(id, &findings[4..]).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::of(&findings)))
        .unwrap();
    assert_eq!(
        stored_counts(&store, id),
        vec![Some(1), Some(2), Some(1), Some(1), Some(1)]
    );
    let expected = StatusCounts::of(&findings);
    assert_eq!(store.runs(10).unwrap()[0].counts, expected);
    assert_eq!(store.run(None).unwrap().unwrap().counts, expected);
    // Another run's findings are not counted in it.
    let other = store.begin_run(&new_run()).unwrap();
    store
        .add_findings(other, &[host_finding("pc1", Status::Fail)])
        .unwrap();
    store.finish_run(other, RunState::Complete, None).unwrap();
    let runs = store.runs(10).unwrap();
    assert_eq!(
        (runs[0].id, runs[0].counts.fail, runs[0].counts.total()),
        (other, 1, 1)
    );
    assert_eq!((runs[1].id, runs[1].counts), (id, expected));
}

#[test]
fn a_run_marked_interrupted_has_its_findings_so_far_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let dead = store.begin_run(&new_run()).unwrap();
    store
        .add_findings(
            dead,
            &[
                host_finding("pc1", Status::Fail),
                host_finding("pc2", Status::Pass),
            ],
        )
        .unwrap();
    store
        .lock()
        .execute(
            "UPDATE runs SET pid_start = 'gone:1' WHERE id = ?1",
            params![dead],
        )
        .unwrap();
    assert_eq!(store.mark_abandoned_runs().unwrap(), 1);
    assert_eq!(
        stored_counts(&store, dead),
        vec![Some(1), Some(1), Some(0), Some(0), Some(0)]
    );
    let run = store.run(Some(dead)).unwrap().unwrap();
    assert_eq!(
        (run.state, run.counts.pass, run.counts.fail),
        (RunState::Interrupted, 1, 1)
    );
}

/// A store as schema 5 left it: its runs carry no counts.
fn schema_5_store(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    let conn = Connection::open(path).unwrap();
    for m in &MIGRATIONS[..5] {
        conn.execute_batch(m).unwrap();
    }
    conn.pragma_update(None, "user_version", 5).unwrap();
    let run = |id: i64, state: &str, verdict: Option<&str>, pid_start: &str| {
        conn.execute(
            "INSERT INTO runs (id, trigger, who, config_digest, school, started_at, ended_at, state, verdict, only_checks, host, pid, pid_start)
             VALUES (?1, 'cron', 'root', 'abc', 'St. Example''s', ?2, ?3, ?4, ?5, '[]', ?6, 1, ?7)",
            params![
                id,
                format!("2026-11-0{id}T02:00:00Z"),
                (state != "running").then(|| format!("2026-11-0{id}T02:10:00Z")),
                state,
                verdict,
                host_name(),
                pid_start
            ],
        )
        .unwrap();
    };
    let finding = |run: i64, n: i64, status: &str| {
        conn.execute(
            "INSERT INTO findings (run_id, check_id, target_kind, target_name, target_scope, status, severity, summary, evidence, remediation, clauses, fingerprint)
             VALUES (?1, 'host.firewall', 'host', ?2, '10.0.0.1', ?3, 'high', 'The firewall.', '{\"source\":\"ssh\",\"observed_at\":\"2026-11-01T02:00:00Z\",\"values\":[]}', NULL, '[]', ?2)",
            params![run, format!("pc{n}"), status],
        )
        .unwrap();
    };
    run(1, "complete", Some("non-compliant"), "x");
    for (n, s) in ["pass", "fail", "fail", "warn", "error", "waived", "pass"]
        .iter()
        .enumerate()
    {
        finding(1, n as i64, s);
    }
    run(2, "interrupted", Some("incomplete"), "x");
    finding(2, 1, "fail");
    run(3, "complete", Some("compliant"), "x");
    run(4, "running", None, "gone:1");
    finding(4, 1, "pass");
    finding(4, 2, "error");
}

#[test]
fn a_store_of_schema_5_migrated_lists_its_runs_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    schema_5_store(&path);
    // What schema 5's listing counted: each run's findings grouped by status.
    let before: Vec<(i64, StatusCounts)> = {
        let conn = Connection::open(&path).unwrap();
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM runs ORDER BY id DESC")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids.into_iter()
            .map(|id| {
                let mut c = StatusCounts::default();
                let mut stmt = conn
                    .prepare(
                        "SELECT status, COUNT(*) FROM findings WHERE run_id = ?1 GROUP BY status",
                    )
                    .unwrap();
                let rows = stmt
                    .query_map(params![id], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                    })
                    .unwrap();
                for row in rows {
                    let (s, n) = row.unwrap();
                    c.add(Status::parse(&s).unwrap(), n as u64);
                }
                (id, c)
            })
            .collect()
    };
    assert_eq!(before.len(), 4);
    assert_eq!(before[3].1.fail, 2);
    let store = Store::open(&path).unwrap();
    let version: i64 = store
        .lock()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    let runs = store.runs(10).unwrap();
    let listed: Vec<(i64, StatusCounts)> = runs.iter().map(|r| (r.id, r.counts)).collect();
    assert_eq!(listed, before);
    // Every run that ended has its counts stored, the one left running by a dead process too
    // (marked interrupted as the store opened).
    for (id, counts) in &before {
        let stored = stored_counts(&store, *id);
        assert!(stored.iter().all(Option::is_some), "run {id}: {stored:?}");
        assert_eq!(stored[0], Some(counts.pass as i64), "run {id}");
        assert_eq!(stored[1], Some(counts.fail as i64), "run {id}");
    }
    let states: Vec<RunState> = runs.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            RunState::Interrupted,
            RunState::Complete,
            RunState::Interrupted,
            RunState::Complete
        ]
    );
    assert_eq!(runs[3].verdict, Some(Verdict::NonCompliant));
    assert_eq!(store.run(Some(1)).unwrap().unwrap().counts, before[3].1);
}

#[test]
fn a_filter_cell_history_is_that_page_from_that_vantage_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let url = "https://adult.example/";
    let mut ids = Vec::new();
    for night in 0..4 {
        let id = store.begin_run(&new_run()).unwrap();
        let status = if night % 2 == 0 {
            Status::Pass
        } else {
            Status::Fail
        };
        store
            .add_findings(
                id,
                &[
                    // The cell: the page from pupil-wifi, then the same page again in that run
                    // (the first one recorded is the one listed).
                    filter_finding(
                        MUST_BLOCK,
                        url,
                        "pupil-wifi",
                        status,
                        &format!("night {night}"),
                    ),
                    filter_finding(MUST_BLOCK, url, "pupil-wifi", Status::Warn, "again"),
                    // Look-alikes: the same page from another vantage point, another page from
                    // the same one, the control page, and a check of another family whose
                    // target happens to read the same.
                    filter_finding(MUST_BLOCK, url, "staff-lan", Status::Error, "staff"),
                    filter_finding(
                        MUST_LOAD,
                        "https://www.childline.org.uk/",
                        "pupil-wifi",
                        Status::Pass,
                        "childline",
                    ),
                    filter_finding(CONTROL, url, "pupil-wifi", Status::Pass, "control"),
                    Finding::new(
                        "host.firewall",
                        Target::new(TargetKind::Url, url, "pupil-wifi"),
                        Status::Fail,
                        Severity::High,
                        "Not a filter test.",
                        Evidence::new("x"),
                    ),
                ],
            )
            .unwrap();
        store.finish_run(id, RunState::Complete, None).unwrap();
        ids.push(id);
    }
    // A run without filter tests is one of the latest runs too.
    let plain = store.begin_run(&new_run()).unwrap();
    store
        .add_findings(plain, &[host_finding("pc1", Status::Pass)])
        .unwrap();
    store.finish_run(plain, RunState::Complete, None).unwrap();
    store
        .add_filter_action(ids[3], "pupil-wifi", "Told the filter provider", "dsl")
        .unwrap();
    store
        .add_filter_action(ids[3], "pupil-wifi", "Provider fixed the rule", "dsl")
        .unwrap();
    store
        .add_filter_action(ids[2], "staff-lan", "Nothing needed", "dsl")
        .unwrap();

    // The latest 3 runs: the plain one and the last two nights.
    let h = store.filter_cell_history(url, "pupil-wifi", 3).unwrap();
    let runs: Vec<i64> = h.iter().map(|c| c.run).collect();
    assert_eq!(runs, vec![ids[3], ids[2]]);
    assert_eq!(h[0].status, Status::Fail);
    assert_eq!(h[0].summary, format!("{url} from pupil-wifi: night 3."));
    assert_eq!(h[0].trigger, Trigger::Manual);
    assert_eq!(h[0].who, "tester");
    let action = h[0]
        .action
        .as_ref()
        .expect("the action recorded after run 4");
    assert_eq!(action.action, "Provider fixed the rule");
    // The action from staff-lan is not this cell's.
    assert_eq!(h[1].status, Status::Pass);
    assert!(h[1].action.is_none(), "{:?}", h[1].action);

    let all = store.filter_cell_history(url, "pupil-wifi", 100).unwrap();
    let runs: Vec<i64> = all.iter().map(|c| c.run).collect();
    assert_eq!(runs, ids.iter().rev().copied().collect::<Vec<_>>());
    let staff = store.filter_cell_history(url, "staff-lan", 100).unwrap();
    assert_eq!(staff.len(), 4);
    assert!(staff.iter().all(|c| c.status == Status::Error));
    assert_eq!(
        staff
            .iter()
            .find(|c| c.run == ids[2])
            .and_then(|c| c.action.clone())
            .map(|a| a.action),
        Some("Nothing needed".to_string())
    );
    assert!(store
        .filter_cell_history("https://never.tested/", "pupil-wifi", 100)
        .unwrap()
        .is_empty());
}

#[test]
fn the_latest_finding_is_the_worst_of_its_fingerprint_in_its_latest_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let fp = fingerprint(&host_finding("pc1", Status::Pass));
    assert!(store.latest_finding(&fp).unwrap().is_none());
    let first = store.begin_run(&new_run()).unwrap();
    store
        .add_findings(first, &[host_finding("pc1", Status::Fail)])
        .unwrap();
    store.finish_run(first, RunState::Complete, None).unwrap();
    let second = store.begin_run(&new_run()).unwrap();
    store
        .add_findings(
            second,
            &[
                host_finding("pc1", Status::Pass),
                host_finding("pc1", Status::Warn),
                // A look-alike: another machine, failing.
                host_finding("pc10", Status::Fail),
            ],
        )
        .unwrap();
    store.finish_run(second, RunState::Complete, None).unwrap();
    let (run, f) = store.latest_finding(&fp).unwrap().unwrap();
    assert_eq!(
        (run, f.status, f.target.name.as_str()),
        (second, Status::Warn, "pc1")
    );
    assert_eq!(f.evidence, host_finding("pc1", Status::Warn).evidence);
}
