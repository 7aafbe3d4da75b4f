use super::*;
use caretaker_checks::{Evidence, Severity, Status, Target, TargetKind};

#[test]
fn the_user_comes_from_the_uid_not_the_environment() {
    // The test process's own environment says someone else; the record must not believe it.
    let expected = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()));
    let before = std::env::var_os("USER");
    // SAFETY-free: set_var is safe on edition 2021; the tests of this module do not read USER.
    std::env::set_var("USER", "headteacher");
    let got = os_user();
    match before {
        Some(v) => std::env::set_var("USER", v),
        None => std::env::remove_var("USER"),
    }
    assert_eq!(got, expected);
    assert_ne!(got, "headteacher");
    assert!(!host_name().is_empty());
}
use std::os::unix::fs::PermissionsExt;

fn finding(status: Status) -> Finding {
    Finding::new(
        "directory.lockout",
        Target::new(TargetKind::Policy, "staff", "ad"),
        status,
        Severity::High,
        "Staff accounts are never locked after wrong passwords.",
        Evidence::new("ldaps://dc").with("lockoutThreshold", 0),
    )
    .fix("samba-tool domain passwordsettings set --account-lockout-threshold=10")
}

/// A run as the store's tests begin it.
pub(super) fn new_run() -> NewRun {
    NewRun {
        trigger: Trigger::Manual,
        who: "tester".into(),
        config_digest: "abc".into(),
        school: "St. Example's".into(),
        only: vec![],
    }
}

#[test]
fn created_private_and_round_trips_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/caretaker.db");
    let store = Store::open(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let parent_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(parent_mode, 0o700);
    let id = store.begin_run(&new_run()).unwrap();
    let f = finding(Status::Fail);
    store.add_findings(id, std::slice::from_ref(&f)).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::NonCompliant))
        .unwrap();
    let back = store.findings(id).unwrap();
    assert_eq!(back, vec![f]);
    let run = store.run(None).unwrap().unwrap();
    assert_eq!(run.id, id);
    assert_eq!(run.state, RunState::Complete);
    assert_eq!(run.verdict, Some(Verdict::NonCompliant));
    assert_eq!(run.counts.fail, 1);
}

#[test]
fn a_world_readable_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    drop(Store::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Store::open(&path).unwrap_err().to_string();
    assert!(err.contains("chmod 600"), "{err}");
}

#[test]
fn a_run_left_running_by_a_dead_process_is_marked_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    let store = Store::open(&path).unwrap();
    let mine = store.begin_run(&new_run()).unwrap();
    let dead = store.begin_run(&new_run()).unwrap();
    // Pretend the second run belongs to a process that no longer exists.
    store
        .lock()
        .execute(
            "UPDATE runs SET pid_start = 'gone:1' WHERE id = ?1",
            params![dead],
        )
        .unwrap();
    assert_eq!(store.mark_abandoned_runs().unwrap(), 1);
    assert_eq!(
        store.run(Some(dead)).unwrap().unwrap().state,
        RunState::Interrupted
    );
    // Our own, live run is left alone.
    assert_eq!(
        store.run(Some(mine)).unwrap().unwrap().state,
        RunState::Running
    );
}

#[test]
fn stores_opened_at_once_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || Store::open(&p).map(|s| s.runs(1).map(|r| r.len())))
        })
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert!(matches!(r, Ok(Ok(0))), "{r:?}");
    }
}

#[test]
fn verdicts() {
    assert_eq!(Verdict::of(&[]), Verdict::Incomplete);
    assert_eq!(Verdict::of(&[finding(Status::Pass)]), Verdict::Compliant);
    assert_eq!(
        Verdict::of(&[finding(Status::Pass), finding(Status::Warn)]),
        Verdict::Compliant
    );
    assert_eq!(
        Verdict::of(&[finding(Status::Error), finding(Status::Pass)]),
        Verdict::Incomplete
    );
    assert_eq!(
        Verdict::of(&[finding(Status::Error), finding(Status::Fail)]),
        Verdict::NonCompliant
    );
    assert_eq!(Verdict::of(&[finding(Status::Waived)]), Verdict::Compliant);
}

#[test]
fn a_store_from_the_future_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

/// A run's trigger is read back as the type it was written from; a word this version does not
/// know (a store edited by hand) is an error naming it, not a panic and not a guess.
#[test]
fn triggers_are_read_back_as_types_and_an_unknown_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    let store = Store::open(&path).unwrap();
    for trigger in [
        Trigger::Manual,
        Trigger::Cron,
        Trigger::Schedule,
        Trigger::Console,
    ] {
        let id = store
            .begin_run(&NewRun {
                trigger,
                ..new_run()
            })
            .unwrap();
        assert_eq!(store.run(Some(id)).unwrap().unwrap().trigger, trigger);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE runs SET trigger = 'banana' WHERE id = 1", [])
        .unwrap();
    let err = store.runs(10).unwrap_err().to_string();
    assert!(err.contains("banana"), "{err}");
    assert_eq!(store.run(Some(2)).unwrap().unwrap().trigger, Trigger::Cron);
}

/// A run's times are read back as the times the store's clock gave; a time edited by hand into
/// something else is an error naming it, not a panic and not a made-up time.
#[test]
fn run_times_are_read_back_as_times_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.db");
    let at = time::macros::datetime!(2026-11-23 02:00:05 UTC);
    let store = Store::open(&path)
        .unwrap()
        .with_clock(caretaker_model::Clock::manual(at));
    let id = store.begin_run(&new_run()).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::Compliant))
        .unwrap();
    let run = store.run(Some(id)).unwrap().unwrap();
    assert_eq!((run.started_at, run.ended_at), (at, Some(at)));
    let second = store.begin_run(&new_run()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE runs SET started_at = 'last Tuesday' WHERE id = ?1",
        [id],
    )
    .unwrap();
    let err = store.runs(10).unwrap_err().to_string();
    assert!(err.contains("last Tuesday"), "{err}");
    assert_eq!(store.run(Some(second)).unwrap().unwrap().started_at, at);
}

/// A record as the filter-change log takes it (its body is not read here).
fn note(store: &Store) -> Result<crate::assess::StoredRecord, StoreError> {
    let entry = crate::assess::SiteDraft::from_toml(
        "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"https://www.example.org/\"\nrecommendation = \"unblock\"\nresolution = \"\"\n",
    )
    .unwrap()
    .validate()
    .unwrap();
    crate::assess::add_site(store, &entry, "tester")
}

#[test]
fn the_first_record_makes_the_key_signs_the_log_before_it_and_records_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    // Two records written before the log was signed.
    let plain = Store::open(&db).unwrap();
    note(&plain).unwrap();
    note(&plain).unwrap();
    drop(plain);
    let seal = Seal::new(dir.path().join("log.key"));
    let store = Store::open_sealed(&db, seal.clone()).unwrap();
    let before = store.verify_records().unwrap();
    assert!(before.signed_with.is_none());
    assert!(
        before.unproven.iter().any(|u| u.contains("not signed yet")),
        "{before:?}"
    );
    let third = note(&store).unwrap();
    let key = std::fs::metadata(seal.key_path()).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    let heads = std::fs::metadata(seal.heads_path()).unwrap();
    assert_eq!(heads.permissions().mode() & 0o777, 0o600);
    let recorded = seal.recorded_head(&db).unwrap().unwrap();
    assert_eq!(recorded.head.count, 3);
    assert_eq!(recorded.head.hash, third.hash);
    let after = store.verify_records().unwrap();
    assert!(after.intact(), "{after:?}");
    assert!(after.signed_with.is_some());
    assert_eq!(after.head(), recorded.head);
}

#[test]
fn a_lost_key_is_not_replaced_and_a_vanished_store_is_not_made_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let seal = Seal::new(dir.path().join("log.key"));
    let store = Store::open_sealed(&db, seal.clone()).unwrap();
    note(&store).unwrap();
    drop(store);
    // The key gone: no new one is made, nothing is added, and verify says so.
    let key = std::fs::read(seal.key_path()).unwrap();
    std::fs::remove_file(seal.key_path()).unwrap();
    let store = Store::open_sealed(&db, seal.clone()).unwrap();
    let refused = note(&store).unwrap_err().to_string();
    assert!(
        refused.contains("is missing, but this log was signed"),
        "{refused}"
    );
    assert!(!seal.key_path().exists());
    let report = store.verify_records().unwrap();
    assert!(!report.intact());
    assert!(report.problems[0].why.contains("log key"), "{report:?}");
    drop(store);
    std::fs::write(seal.key_path(), key).unwrap();
    std::fs::set_permissions(seal.key_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    // The store deleted, or emptied: refused, and not created again.
    for emptied in [false, true] {
        let _ = std::fs::remove_file(&db);
        if emptied {
            std::fs::write(&db, b"").unwrap();
        }
        let err = Store::open_sealed(&db, seal.clone())
            .unwrap_err()
            .to_string();
        let what = if emptied { "is empty" } else { "is missing" };
        assert!(
            err.contains(what) && err.contains("Restore the store"),
            "{err}"
        );
        assert_eq!(db.exists(), emptied, "nothing is made in its place");
    }
    // A key others can read is refused.
    std::fs::set_permissions(seal.key_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = seal.key().unwrap_err().to_string();
    assert!(err.contains("chmod 600"), "{err}");
}
