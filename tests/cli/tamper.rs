//! The filter-change log against someone who can write the store but not the log key: a log of
//! 1,000 real records (entered through the core, signed), then each way of tampering with it
//! that SQLite's own shell allows — an edit with the chain recomputed, an insertion, a deletion,
//! the tail cut off, a forged record, an older copy put back, the file emptied — and the real
//! `caretaker assess verify` given the head published before. `bench/tamper.sh` runs this and
//! prints the table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use caretaker_api::Api as _;

use crate::util::{bare_school, caretaker, run, sqlite3};

const RECORDS: i64 = 1000;

/// A stored row, as `sqlite3 -json` gives it.
#[derive(Debug, Clone, serde::Deserialize)]
struct Row {
    id: i64,
    kind: String,
    body: String,
    entered_by: String,
    entered_at: String,
    supersedes: Option<i64>,
    prev_hash: String,
    hash: String,
}

fn rows(db: &Path) -> Vec<Row> {
    let out = std::process::Command::new("sqlite3")
        .arg("-json")
        .arg(db)
        .arg("SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash FROM records ORDER BY id")
        .output()
        .expect("the sqlite3 shell is installed (apt-get install sqlite3)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Rewrites the whole log as `change` leaves it, the way a careful attacker would: the
/// append-only triggers dropped and put back exactly as they were, ids renumbered from 1, every
/// link and hash recomputed with the published algorithm, SQLite's sequence set to match. What
/// they cannot make is a signature.
fn rewrite(db: &Path, change: impl FnOnce(&mut Vec<Row>)) {
    let mut all = rows(db);
    change(&mut all);
    let mut prev = caretaker_ledger::GENESIS.to_string();
    for (n, r) in all.iter_mut().enumerate() {
        r.id = n as i64 + 1;
        r.prev_hash = prev.clone();
        r.hash = caretaker_ledger::entry_hash(
            &r.prev_hash,
            r.id,
            &r.kind,
            &r.body,
            &r.entered_by,
            &r.entered_at,
            r.supersedes,
        );
        prev = r.hash.clone();
    }
    let triggers = triggers(db);
    let mut sql = String::from("PRAGMA foreign_keys = OFF; BEGIN;\n");
    for (name, _) in &triggers {
        let _ = writeln!(sql, "DROP TRIGGER {name};");
    }
    sql.push_str("DELETE FROM records;\n");
    for r in &all {
        let _ = writeln!(
            sql,
            "INSERT INTO records (id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash) VALUES ({}, {}, {}, {}, {}, {}, {}, {});",
            r.id,
            q(&r.kind),
            q(&r.body),
            q(&r.entered_by),
            q(&r.entered_at),
            r.supersedes.map_or("NULL".to_string(), |s| s.to_string()),
            q(&r.prev_hash),
            q(&r.hash)
        );
    }
    let _ = writeln!(
        sql,
        "UPDATE sqlite_sequence SET seq = {} WHERE name = 'records';",
        all.len()
    );
    for (_, text) in &triggers {
        let _ = writeln!(sql, "{text};");
    }
    sql.push_str("COMMIT;\n");
    let (ok, err) = sqlite3(db, &sql);
    assert!(ok, "{err}");
}

/// The triggers on the log's tables: (name, SQL).
fn triggers(db: &Path) -> Vec<(String, String)> {
    let out = std::process::Command::new("sqlite3")
        .arg("-json")
        .arg(db)
        .arg("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('records', 'record_seals')")
        .output()
        .unwrap();
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    v.iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["sql"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The store with its log of [`RECORDS`] site-log entries, entered through the core as
/// `caretaker sites add` enters them; the copy made at record 900 (an old backup) beside it.
fn school(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let config = bare_school(dir);
    let db = dir.join("caretaker.db");
    let older = dir.join("caretaker.db.at-900");
    let loaded = caretaker_config::load(&config).unwrap();
    let api = caretaker_core::Local::open(loaded, caretaker_checks::clauses::builtin())
        .unwrap()
        .as_user("rsingh");
    for n in 1..=RECORDS {
        let draft = caretaker_model::records::SiteDraft::from_toml(&format!(
            "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-{n:02}\"\nurl = \"https://www.example-science-sim.org/page/{n}\"\nrecommendation = \"unblock\"\nresolution = \"\"\n"
        ))
        .unwrap();
        api.add_site(&draft.validate().unwrap()).unwrap();
        if n == 900 {
            let (ok, err) = sqlite3(&db, &format!("VACUUM INTO {}", q(&older.to_string_lossy())));
            assert!(ok, "{err}");
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&older, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    drop(api);
    let (ok, err) = sqlite3(&db, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert!(ok, "{err}");
    (config, db, older)
}

fn verify(dir: &Path, config: &Path, extra: &[&str]) -> (i32, String) {
    let mut c = caretaker(dir);
    c.args(["assess", "verify", "--config"])
        .arg(config)
        .args(extra);
    let (code, out, err) = run(c);
    (code, format!("{out}{err}"))
}

#[test]
fn every_way_of_rewriting_the_log_is_caught_given_the_published_head() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let (config, db, older) = school(dir);
    let (code, out) = verify(dir, &config, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Signatures checked with the log key"), "{out}");
    let head = out
        .lines()
        .find_map(|l| l.strip_prefix("Filter-change log head: "))
        .unwrap_or_else(|| panic!("no head printed: {out}"))
        .trim()
        .to_string();
    assert!(head.starts_with("1000:"), "{head}");
    let (code, out) = verify(dir, &config, &["--head", &head]);
    assert_eq!(code, 0, "the untouched log against its own head: {out}");
    let pristine = std::fs::read(&db).unwrap();
    let heads = dir.join("log.head");
    let pristine_heads = std::fs::read(&heads).unwrap();

    type Tamper = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "edit #500, chain recomputed",
            Box::new(|db| {
                rewrite(db, |rows| {
                    rows[499].body = rows[499].body.replace("Mrs Patel", "Mr Nobody");
                })
            }),
            "#500 (site): its signature does not match",
        ),
        (
            "insert after #500, chain recomputed",
            Box::new(|db| {
                rewrite(db, |rows| {
                    let mut extra = rows[499].clone();
                    extra.body = extra.body.replace("page/500", "page/inserted");
                    rows.insert(500, extra);
                })
            }),
            "#501 (site): its signature does not match",
        ),
        (
            "delete #500, chain recomputed",
            Box::new(|db| {
                rewrite(db, |rows| {
                    rows.remove(499);
                })
            }),
            "#500 (site): its signature does not match",
        ),
        (
            "cut #991-#1000 off the end",
            Box::new(|db| {
                let (ok, err) = sqlite3(
                    db,
                    "DROP TRIGGER records_no_delete; DROP TRIGGER record_seals_no_delete; \
                     DELETE FROM record_seals WHERE id > 990; DELETE FROM records WHERE id > 990; \
                     UPDATE sqlite_sequence SET seq = 990 WHERE name = 'records';",
                );
                assert!(ok, "{err}");
                // The triggers put back as they were.
                let (ok, err) = sqlite3(
                    db,
                    &format!(
                        "{}; {};",
                        caretaker_core::store::RECORDS_NO_DELETE,
                        "CREATE TRIGGER record_seals_no_delete BEFORE DELETE ON record_seals\n    BEGIN\n        SELECT RAISE(ABORT, 'record signatures are append-only');\n    END"
                    ),
                );
                assert!(ok, "{err}");
            }),
            "the log ends at #990",
        ),
        (
            "forge a record entered by the headteacher",
            Box::new(|db| {
                rewrite(db, |rows| {
                    let mut forged = rows[999].clone();
                    forged.entered_by = "headteacher".to_string();
                    forged.body = forged.body.replace("Mrs Patel", "Headteacher");
                    rows.push(forged);
                });
                // A signature made up for it.
                let (ok, err) = sqlite3(
                    db,
                    &format!(
                        "INSERT INTO record_seals (id, signature) VALUES (1001, '{}')",
                        "ab".repeat(64)
                    ),
                );
                assert!(ok, "{err}");
            }),
            "#1001 (site): its signature does not match",
        ),
        (
            "put back the copy made at #900",
            Box::new({
                let older = older.clone();
                move |db| {
                    std::fs::copy(&older, db).unwrap();
                }
            }),
            "the log ends at #900",
        ),
        (
            "empty the store file",
            Box::new(|db| {
                std::fs::write(db, b"").unwrap();
            }),
            "is empty, but its filter-change log had 1000:",
        ),
    ];

    let mut table =
        String::from("tampering (1,000 records)                  | verify --head | verify alone\n");
    let mut caught = 0;
    for (name, tamper, says) in &cases {
        std::fs::write(&db, &pristine).unwrap();
        std::fs::write(&heads, &pristine_heads).unwrap();
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("caretaker.db{suffix}")));
        }
        tamper(&db);
        let (code, out) = verify(dir, &config, &["--head", &head]);
        let with_head = code != 0 && out.contains(says);
        let (code_alone, _) = verify(dir, &config, &[]);
        // Nothing was quietly made in its place.
        assert!(
            std::fs::metadata(&db).unwrap().len() > 0 || code != 0,
            "{name}: {out}"
        );
        caught += usize::from(with_head);
        let _ = writeln!(
            table,
            "{name:<42} | {:<13} | {}",
            if with_head {
                format!("caught ({code})")
            } else {
                format!("MISSED ({code})")
            },
            if code_alone != 0 {
                "caught"
            } else {
                "not caught"
            }
        );
        assert!(
            with_head,
            "{name}: exit {code}, expected {says:?} in:\n{out}"
        );
    }
    let _ = writeln!(
        table,
        "caught given the published head: {caught} of {}",
        cases.len()
    );
    println!("{table}");
    assert_eq!(caught, 7);
}

#[test]
fn a_report_carries_the_head_and_verify_reads_it_back() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let sample = caretaker_sample::Sample::new().expect("the sample school");
    let config = sample.config_path();
    let (code, out) = verify(dir, &config, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Signatures checked"), "{out}");
    for format in ["html", "md", "pdf", "json"] {
        let file = dir.join(format!("report.{format}"));
        let mut c = caretaker(dir);
        c.args(["report", "--format", format, "--output"])
            .arg(&file)
            .arg("--config")
            .arg(&config);
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{format}: {err}");
        let (code, out) = verify(dir, &config, &["--report", &file.to_string_lossy()]);
        assert_eq!(code, 0, "{format}: {out}");
        assert!(
            out.contains(&format!("(the head in {})", file.display())),
            "{out}"
        );
    }
    // A record entered after the report: still intact against it (the log grew, the head holds).
    let db = sample_store(&config);
    let report = dir.join("report.html");
    let mut c = caretaker(dir);
    c.args(["sites", "add", "--file"])
        .arg(write_site(dir))
        .arg("--config")
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let (code, out) = verify(dir, &config, &["--report", &report.to_string_lossy()]);
    assert_eq!(code, 0, "{out}");
    // The last two records cut off (the new one, and one the report names): the report tells.
    let (ok, err) = sqlite3(
        &db,
        "DROP TRIGGER records_no_delete; DROP TRIGGER record_seals_no_delete; \
         DELETE FROM record_seals WHERE id >= (SELECT MAX(id) - 1 FROM records); \
         DELETE FROM records WHERE id >= (SELECT MAX(id) - 1 FROM records);",
    );
    assert!(ok, "{err}");
    let (code, out) = verify(dir, &config, &["--report", &report.to_string_lossy()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the log ends at #"), "{out}");
    // A report that carries no head is refused in words.
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, "nothing here").unwrap();
    let (code, out) = verify(dir, &config, &["--report", &plain.to_string_lossy()]);
    assert_eq!(code, 64, "{out}");
    assert!(out.contains("no filter-change log head"), "{out}");
}

fn write_site(dir: &Path) -> PathBuf {
    let p = dir.join("site.toml");
    std::fs::write(
        &p,
        "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"https://www.example-science-sim.org/forces\"\nrecommendation = \"unblock\"\nresolution = \"\"\n",
    )
    .unwrap();
    p
}

/// The sample school's store, as its configuration names it.
fn sample_store(config: &Path) -> PathBuf {
    caretaker_config::load(config).unwrap().store_path
}

#[test]
fn init_makes_the_log_key_beside_the_configuration_once() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let path = dir.join("caretaker.toml");
    let mut c = caretaker(dir);
    c.arg("init").arg(&path);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("log.key"), "{err}");
    for name in ["log.key", "log.head"] {
        let mode = std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    let key = std::fs::read(dir.join("log.key")).unwrap();
    // Writing the configuration again never replaces the key the log is signed with.
    let mut c = caretaker(dir);
    c.args(["init", "--force"]).arg(&path);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("kept"), "{err}");
    assert_eq!(std::fs::read(dir.join("log.key")).unwrap(), key);
    // The package's way: the key only.
    let other = dir.join("etc");
    std::fs::create_dir(&other).unwrap();
    let mut c = caretaker(dir);
    c.args(["init", "--log-key-only"])
        .arg(other.join("caretaker.toml"));
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(other.join("log.key").exists());
    assert!(!other.join("caretaker.toml").exists());
}
