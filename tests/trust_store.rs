//! A trust's PostgreSQL database (Debian's postgresql, started by the lab on 127.0.0.1, TLS
//! only): two schools forward their stores to it; each reads and adds only its own rows, the
//! trust's reader reads both, and forwarding is in order and exactly once, however often the
//! link goes down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_core::assess::RecordKind;
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::trust::{self, Settings, TrustError};
use caretaker_lab::{TrustDb, TRUST_OWNER};
use caretaker_model::compliance::ClauseStatus;

fn finding(check: &str, name: &str, status: Status) -> Finding {
    let map = caretaker_checks::clauses::builtin();
    let mut f = Finding::new(
        check,
        Target::new(TargetKind::Account, name, "ldap"),
        status,
        Severity::High,
        format!("{name}: {status}."),
        Evidence::new("ldaps://dc").with("account", name),
    );
    f.clauses = map.clauses_for(&f.check);
    f
}

fn store_run(store: &Store, school: &str, findings: &[Finding]) -> i64 {
    let id = store
        .begin_run(&NewRun {
            trigger: Trigger::Cron,
            who: "root".into(),
            config_digest: "d".into(),
            school: school.into(),
            only: Vec::new(),
        })
        .unwrap();
    store.add_findings(id, findings).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::of(findings)))
        .unwrap();
    id
}

fn settings(db: &TrustDb, role: &str, password: &str, school: Option<&str>) -> Settings {
    let url = db.url(role);
    let parsed = caretaker_config::parse_trust_url(&url).unwrap();
    Settings {
        url,
        user: parsed.user,
        host: parsed.host,
        port: parsed.port,
        database: parsed.database,
        ca_file: db.ca_pem.clone(),
        password: caretaker_config::Secret::new(password),
        school: school.map(str::to_string),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

struct Trust {
    db: TrustDb,
    owner: Settings,
}

fn start(dir: &std::path::Path) -> Trust {
    let db = TrustDb::start(dir).unwrap_or_else(|e| panic!("{e}"));
    let pw = std::fs::read_to_string(&db.owner_password_file).unwrap();
    let owner = settings(&db, TRUST_OWNER, &pw, None);
    Trust { db, owner }
}

#[test]
fn two_schools_each_only_their_own_rows_and_the_trust_reads_both() {
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path());
    let rt = runtime();
    rt.block_on(async {
        let mut owner = trust::connect(&t.owner).await.unwrap();
        let role = trust::init_school(&mut owner, "st-example", "St. Example's Primary", "pw-a")
            .await
            .unwrap();
        assert_eq!(role, "school_st_example");
        trust::init_school(&mut owner, "riverside", "Riverside Primary Academy", "pw-b")
            .await
            .unwrap();
        trust::init_reader(&mut owner, "trust_reader", "pw-t")
            .await
            .unwrap();
        // Again: nothing changes but the password.
        trust::init_school(&mut owner, "riverside", "Riverside Primary Academy", "pw-b")
            .await
            .unwrap();
    });

    // Each school's own store, with its own problems.
    // St. Example's log is signed by its own key; Riverside's has no records.
    let a_store = Store::open_sealed(
        &dir.path().join("a.db"),
        caretaker_core::store::Seal::new(dir.path().join("a.key")),
    )
    .unwrap();
    store_run(
        &a_store,
        "St. Example's Primary",
        &[
            finding("directory.leavers", "c.wright", Status::Fail),
            finding("directory.guest", "Guest", Status::Pass),
        ],
    );
    caretaker_core::assess::add_site(
        &a_store,
        &caretaker_model::records::SiteLogEntry {
            reported_by: "Mrs Patel".into(),
            date: time::macros::date!(2026 - 11 - 20),
            time: "10:15".into(),
            workstation: "class3-pc".into(),
            url: "https://example.org/maths".into(),
            recommendation: caretaker_model::records::ChangeAction::Unblock,
            resolution: String::new(),
            supersedes: None,
        },
        "dsl",
    )
    .unwrap();
    let b_store = Store::open(&dir.path().join("b.db")).unwrap();
    store_run(
        &b_store,
        "Riverside Primary Academy",
        &[
            finding("directory.leavers", "c.wright", Status::Pass),
            finding("directory.guest", "Guest", Status::Fail),
        ],
    );

    let a = settings(&t.db, "school_st_example", "pw-a", Some("st-example"));
    let b = settings(&t.db, "school_riverside", "pw-b", Some("riverside"));
    let reader = settings(&t.db, "trust_reader", "pw-t", None);
    rt.block_on(async {
        let done = trust::forward(&a, &a_store).await.unwrap();
        assert_eq!((done.runs, done.findings, done.records), (1, 2, 1));
        let done = trust::forward(&b, &b_store).await.unwrap();
        assert_eq!((done.runs, done.findings, done.records), (1, 2, 0));
        // Exactly once: again, nothing.
        let again = trust::forward(&a, &a_store).await.unwrap();
        assert_eq!(again.runs + again.findings + again.records, 0);

        // A school's role sees its own rows only.
        let ca = trust::connect(&a).await.unwrap();
        let schools: Vec<String> = ca
            .query("SELECT DISTINCT school FROM results", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(schools, ["st-example"]);
        let theirs = ca
            .query("SELECT id FROM runs WHERE school = 'riverside'", &[])
            .await
            .unwrap();
        assert!(theirs.is_empty(), "a school read another school's runs");
        let seen = ca.query("SELECT id FROM schools", &[]).await.unwrap();
        assert_eq!(seen.len(), 1);
        // ... and the server refuses a row in another school's name.
        let err = ca
            .execute(
                "INSERT INTO records (school, id, kind, body, entered_by, entered_at, prev_hash, hash)
                 VALUES ('riverside', 99, 'site', '{}', 'x', 'x', 'x', 'x')",
                &[],
            )
            .await
            .unwrap_err();
        let words = trust::pg_words(&err);
        assert!(words.contains("row-level security"), "{words}");
        // Nobody changes a row once it is there.
        let err = ca
            .execute("UPDATE runs SET verdict = 'compliant'", &[])
            .await
            .unwrap_err();
        assert!(trust::pg_words(&err).contains("permission denied"));
        let err = ca.execute("DELETE FROM records", &[]).await.unwrap_err();
        assert!(trust::pg_words(&err).contains("permission denied"));

        // The trust's reader reads both, and writes nothing.
        let cr = trust::connect(&reader).await.unwrap();
        let map = caretaker_checks::clauses::builtin();
        let today = time::OffsetDateTime::now_utc().date();
        let view = trust::read_view(&cr, &map, today, None).await.unwrap();
        let names: Vec<&str> = view.schools.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(names, ["riverside", "st-example"]);
        for s in &view.schools {
            let failing: Vec<String> = s
                .findings()
                .iter()
                .filter(|f| f.status == Status::Fail)
                .map(|f| f.target.name.clone())
                .collect();
            let want = if s.id == "st-example" { "c.wright" } else { "Guest" };
            assert_eq!(failing, [want], "{}", s.id);
            assert!(s.lines().iter().any(|l| l.status == ClauseStatus::Red));
            assert!(s.forwarded_at.is_some());
        }
        let err = cr
            .execute("INSERT INTO schools (id, name, role) VALUES ('x', 'x', 'x')", &[])
            .await
            .unwrap_err();
        assert!(trust::pg_words(&err).contains("permission denied"));

        // Read shared out over several connections (as the console and the report read it), the
        // view is the same, school by school and finding by finding; none is read twice.
        let readers = trust::connect_readers(&reader).await.unwrap();
        assert_eq!(readers.len(), trust::READERS);
        let shared = trust::read_view_on(&readers, &map, today, None).await.unwrap();
        assert_eq!(shared.schools.len(), view.schools.len());
        for (a, b) in view.schools.iter().zip(&shared.schools) {
            assert_eq!(a.id, b.id);
            assert!(!a.findings().is_empty());
            assert_eq!(a.findings(), b.findings(), "{}", a.id);
            let words = |s: &trust::TrustSchool| serde_json::to_string(&s.lines()).unwrap();
            assert_eq!(words(a), words(b), "{}", a.id);
        }

        // Each run's findings are kept whole beside their rows, and the view read from the rows
        // alone is the same, school by school and finding by finding.
        let kept_runs: i64 = cr
            .query_one("SELECT COUNT(*) FROM run_findings", &[])
            .await
            .unwrap()
            .get(0);
        let all_runs: i64 = cr
            .query_one("SELECT COUNT(*) FROM runs", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(kept_runs, all_runs);
        let rows = trust::read_view_from_rows(&readers, &map, today, None)
            .await
            .unwrap();
        for (a, b) in view.schools.iter().zip(&rows.schools) {
            assert_eq!(a.findings(), b.findings(), "{}", a.id);
        }
        // Read without the findings' evidence (as the trustees' report reads it), every finding
        // is the same but for its evidence, every school judged the same, and the report made
        // of it is the report made of the whole view.
        let lean = trust::read_view_without_evidence(&readers, &map, today, None)
            .await
            .unwrap();
        for (a, b) in view.schools.iter().zip(&lean.schools) {
            let mut bare = a.findings();
            assert!(bare.iter().any(|f| !f.evidence.values.is_empty()));
            for f in &mut bare {
                f.evidence = Default::default();
            }
            assert_eq!(bare, b.findings(), "{}", a.id);
            let words = |s: &trust::TrustSchool| serde_json::to_string(&s.lines()).unwrap();
            assert_eq!(words(a), words(b), "{}", a.id);
        }
        let period = caretaker_model::leadership::Period::last(90, today).unwrap();
        let at = time::OffsetDateTime::now_utc();
        let views = caretaker_core::leadership::report_views();
        let report = |v: &trust::TrustView| {
            serde_json::to_string(&caretaker_api::trust_report::build(
                "T",
                period.clone(),
                v,
                v,
                &views,
                at,
            ))
            .unwrap()
        };
        assert_eq!(report(&view), report(&lean));
        let checked = trust::verify(&readers).await.unwrap();
        for log in &checked {
            assert!(log.kept.runs >= 1, "{log:?}");
            assert_eq!(log.kept.not_kept, 0, "{log:?}");
            assert!(log.kept.problems.is_empty(), "{log:?}");
        }
        {
            // Someone who can write the trust's database makes st-example's kept findings say
            // c.wright passes: the check against the rows names the run.
            let owner = trust::connect(&t.owner).await.unwrap();
            let latest: i64 = owner
                .query_one("SELECT MAX(id) FROM runs WHERE school = 'st-example'", &[])
                .await
                .unwrap()
                .get(0);
            let mut forged = view
                .schools
                .iter()
                .find(|s| s.id == "st-example")
                .unwrap()
                .overview
                .runs[0]
                .1
                .clone();
            for f in &mut forged {
                f.status = Status::Pass;
            }
            owner
                .execute(
                    "UPDATE run_findings SET packed = $1 WHERE school = 'st-example' AND run_id = $2",
                    &[&trust::kept::pack(&forged), &latest],
                )
                .await
                .unwrap();
            let checked = trust::verify(&readers).await.unwrap();
            let a_log = checked.iter().find(|l| l.id == "st-example").unwrap();
            assert_eq!(a_log.kept.problems.len(), 1, "{:?}", a_log.kept);
            assert!(
                a_log.kept.problems[0].starts_with(&format!("run {latest}: what is kept of its findings differs from its rows")),
                "{:?}",
                a_log.kept
            );
            let b_log = checked.iter().find(|l| l.id == "riverside").unwrap();
            assert!(b_log.kept.problems.is_empty(), "{:?}", b_log.kept);
            // Kept findings that cannot be read are read from the rows (the view is as it
            // was), and the check says which run.
            owner
                .execute(
                    "UPDATE run_findings SET packed = '\\x00ff' WHERE school = 'st-example' AND run_id = $1",
                    &[&latest],
                )
                .await
                .unwrap();
            let again = trust::read_view_on(&readers, &map, today, None).await.unwrap();
            for (a, b) in view.schools.iter().zip(&again.schools) {
                assert_eq!(a.findings(), b.findings(), "{}", a.id);
            }
            let checked = trust::verify(&readers).await.unwrap();
            let a_log = checked.iter().find(|l| l.id == "st-example").unwrap();
            assert!(
                a_log.kept.problems[0].contains("cannot be read (not deflated findings"),
                "{:?}",
                a_log.kept
            );
            // Put back as the school forwarded it.
            owner
                .execute(
                    "UPDATE run_findings SET packed = $1 WHERE school = 'st-example' AND run_id = $2",
                    &[&trust::kept::pack(&view.schools.iter().find(|s| s.id == "st-example").unwrap().overview.runs[0].1), &latest],
                )
                .await
                .unwrap();
            assert!(trust::verify(&readers).await.unwrap().iter().all(|l| l.kept.problems.is_empty()));
        }

        // A school's own role reading the trust's view sees itself only.
        let own = trust::read_view(&ca, &map, today, None).await.unwrap();
        assert_eq!(own.schools.len(), 1);

        // Each school's log is its own chain, signed by its own key, and checked at the trust.
        let logs = trust::verify_logs(&cr).await.unwrap();
        let a_log = logs.iter().find(|l| l.id == "st-example").unwrap();
        assert_eq!(a_log.report.records, 1);
        assert!(a_log.report.problems.is_empty(), "{:?}", a_log.report);
        assert!(a_log.report.signed_with.is_some());
        let b_log = logs.iter().find(|l| l.id == "riverside").unwrap();
        assert_eq!(b_log.report.records, 0);
        // Someone who can write the trust's database rewrites a record: the check says so.
        let owner = trust::connect(&t.owner).await.unwrap();
        owner
            .batch_execute(
                "ALTER TABLE records DISABLE TRIGGER records_no_change;
                 UPDATE records SET body = replace(body, 'example.org', 'example.net');
                 ALTER TABLE records ENABLE TRIGGER records_no_change;",
            )
            .await
            .unwrap();
        let logs = trust::verify_logs(&cr).await.unwrap();
        let a_log = logs.iter().find(|l| l.id == "st-example").unwrap();
        assert!(!a_log.report.problems.is_empty(), "{:?}", a_log.report);
        let err = owner
            .execute("DELETE FROM records", &[])
            .await
            .unwrap_err();
        assert!(trust::pg_words(&err).contains("append-only"));

        // The server's certificate is verified: a CA that did not sign it is refused, and so is
        // a password that is wrong.
        let mut wrong_ca = a.clone();
        wrong_ca.ca_file = dir.path().join("trust-tls/postgres.pem");
        let err = trust::connect(&wrong_ca).await.unwrap_err();
        assert!(err.to_string().contains("certificate"), "{err}");
        let mut wrong_pw = a.clone();
        wrong_pw.password = caretaker_config::Secret::new("nope");
        let err = trust::connect(&wrong_pw).await.unwrap_err();
        assert!(err.to_string().contains("password authentication failed"), "{err}");
    });
}

#[test]
fn forwarding_resumes_after_the_link_is_cut_in_order_and_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path());
    let rt = runtime();
    rt.block_on(async {
        let mut owner = trust::connect(&t.owner).await.unwrap();
        trust::init_school(&mut owner, "st-example", "St. Example's Primary", "pw-a")
            .await
            .unwrap();
    });
    let a = settings(&t.db, "school_st_example", "pw-a", Some("st-example"));
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    store_run(
        &store,
        "S",
        &[finding("directory.leavers", "c.wright", Status::Fail)],
    );
    rt.block_on(async { trust::forward(&a, &store).await.unwrap() });

    // The link goes down; the school keeps auditing and keeping records.
    t.db.stop().unwrap();
    let mut runs = 1;
    for night in 0..45 {
        let status = if night % 2 == 0 {
            Status::Fail
        } else {
            Status::Pass
        };
        store_run(
            &store,
            "S",
            &[finding("directory.leavers", "c.wright", status)],
        );
        runs += 1;
        if night % 10 == 0 {
            store
                .append_record(
                    RecordKind::Site,
                    &serde_json::json!({"url": format!("https://site{night}.example"), "note": "x"}),
                    None,
                    "dsl",
                )
                .unwrap();
        }
        if night == 20 {
            let err = rt.block_on(trust::forward(&a, &store)).unwrap_err();
            assert!(matches!(err, TrustError::Connect { .. }), "{err}");
        }
    }
    // A run still going when the link is back waits for its end.
    let going = store
        .begin_run(&NewRun {
            trigger: Trigger::Manual,
            who: "root".into(),
            config_digest: "d".into(),
            school: "S".into(),
            only: Vec::new(),
        })
        .unwrap();
    t.db.start_again().unwrap();
    let done = rt.block_on(trust::forward(&a, &store)).unwrap();
    assert_eq!(done.runs, 45);
    assert_eq!(done.records, 5);
    assert!(done.batches >= 3, "45 runs in batches of 20: {done:?}");

    store
        .add_findings(going, &[finding("directory.guest", "Guest", Status::Pass)])
        .unwrap();
    store
        .finish_run(going, RunState::Complete, Some(Verdict::Compliant))
        .unwrap();
    runs += 1;
    let done = rt.block_on(trust::forward(&a, &store)).unwrap();
    assert_eq!(done.runs, 1);

    // Nothing lost, nothing doubled: the counts and the chain's head are the school's.
    let local_runs = store.runs(1000).unwrap();
    assert_eq!(local_runs.len(), runs);
    let local_findings: usize = local_runs
        .iter()
        .map(|r| store.findings(r.id).unwrap().len())
        .sum();
    let records = store.records().unwrap();
    rt.block_on(async {
        let c = trust::connect(&a).await.unwrap();
        let count = |sql: &'static str| {
            let c = &c;
            async move { c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
        };
        assert_eq!(count("SELECT COUNT(*) FROM runs").await, runs as i64);
        assert_eq!(
            count("SELECT COUNT(*) FROM results").await,
            local_findings as i64
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM records").await,
            records.len() as i64
        );
        let ids: Vec<i64> = c
            .query("SELECT id FROM runs ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut local_ids: Vec<i64> = local_runs.iter().map(|r| r.id).collect();
        local_ids.sort();
        assert_eq!(ids, local_ids);
        let head: String = c
            .query_one("SELECT hash FROM records ORDER BY id DESC LIMIT 1", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(head, records.last().unwrap().hash);
    });
}

#[test]
fn a_forwarding_cut_off_half_way_loses_nothing_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path());
    let rt = runtime();
    let a = settings(&t.db, "school_st_example", "pw-a", Some("st-example"));
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    for night in 0..45 {
        let status = if night % 3 == 0 {
            Status::Fail
        } else {
            Status::Pass
        };
        store_run(
            &store,
            "S",
            &[
                finding("directory.leavers", "c.wright", status),
                finding(
                    "directory.guest",
                    &format!("guest{}", night % 4),
                    Status::Pass,
                ),
            ],
        );
        if night % 15 == 0 {
            store
                .append_record(
                    RecordKind::Site,
                    &serde_json::json!({"url": format!("https://s{night}.example"), "note": "x"}),
                    None,
                    "dsl",
                )
                .unwrap();
        }
    }
    rt.block_on(async {
        let mut owner = trust::connect(&t.owner).await.unwrap();
        trust::init_school(&mut owner, "st-example", "St. Example's Primary", "pw-a")
            .await
            .unwrap();
        // The link fails in the middle of the second batch (runs 21 to 40): the server stops
        // that transaction at run 30's findings.
        owner
            .batch_execute(
                "CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.run_id = 30 THEN RAISE EXCEPTION 'the link was cut'; END IF;
                       RETURN NEW; END $$;
                 CREATE TRIGGER cut BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION cut();",
            )
            .await
            .unwrap();
        let err = trust::forward(&a, &store).await.unwrap_err();
        assert!(err.to_string().contains("the link was cut"), "{err}");
        let c = trust::connect(&a).await.unwrap();
        let runs: i64 = c
            .query_one("SELECT COUNT(*) FROM runs", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            runs, 20,
            "the first batch stays; the second left nothing behind"
        );
        owner
            .batch_execute("DROP TRIGGER cut ON results; DROP FUNCTION cut();")
            .await
            .unwrap();
        let done = trust::forward(&a, &store).await.unwrap();
        assert_eq!(done.runs, 25);

        let local_runs = store.runs(1000).unwrap();
        let local_findings: i64 = local_runs
            .iter()
            .map(|r| store.findings(r.id).unwrap().len() as i64)
            .sum();
        let count = |sql: &'static str| {
            let c = &c;
            async move { c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
        };
        assert_eq!(count("SELECT COUNT(*) FROM runs").await, 45);
        // Each run's findings are kept whole once, beside its rows.
        assert_eq!(count("SELECT COUNT(*) FROM run_findings").await, 45);
        assert_eq!(
            count("SELECT COALESCE(SUM(findings), 0)::bigint FROM run_findings").await,
            local_findings
        );
        assert_eq!(count("SELECT COUNT(*) FROM results").await, local_findings);
        assert_eq!(
            count("SELECT COUNT(DISTINCT (run_id, id)) FROM results").await,
            local_findings
        );
        let records = store.records().unwrap();
        assert_eq!(
            count("SELECT COUNT(*) FROM records").await,
            records.len() as i64
        );
        let head: String = c
            .query_one("SELECT hash FROM records ORDER BY id DESC LIMIT 1", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(head, records.last().unwrap().hash);
        // Read back, the trust's findings are the school's own, field by field.
        let map = caretaker_checks::clauses::builtin();
        let today = time::OffsetDateTime::now_utc().date();
        let view = trust::read_view(&c, &map, today, None).await.unwrap();
        let last = local_runs.iter().map(|r| r.id).max().unwrap();
        let (run, theirs) = &view.schools[0].overview.runs[0];
        assert_eq!(run.id, last);
        assert_eq!(theirs, &store.findings(last).unwrap());
        assert_eq!(run, &store.run(Some(last)).unwrap().unwrap());
        // What is kept of each run is the run's findings as the school's store reads them.
        let kept = c
            .query(
                "SELECT run_id, packed FROM run_findings ORDER BY run_id",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(kept.len(), 45);
        for row in &kept {
            let run: i64 = row.get(0);
            let findings = trust::kept::unpack(row.get(1)).unwrap();
            assert_eq!(findings.len(), 2);
            assert_eq!(findings, store.findings(run).unwrap(), "run {run}");
        }
    });
}
