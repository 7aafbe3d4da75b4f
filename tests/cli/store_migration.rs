//! A store written by the schema before the store that keeps what changed (schema 6), opened by
//! this caretaker: migrated, it shows every run byte for byte as the caretaker that wrote it did
//! (`tests/store-6/`, recorded from the sample school; its README says how).

use std::path::Path;

use crate::util::{caretaker, run};

/// The fixture's store and a config for it, copied into `dir` (private, as caretaker wants).
fn copy_of_store_6(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store-6");
    let db = dir.join("caretaker.db");
    std::fs::copy(fixture.join("caretaker.db"), &db).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = dir.join("caretaker.toml");
    std::fs::write(
        &config,
        "version = 1\n[school]\nname = \"St. Example's Primary\"\n[store]\npath = \"caretaker.db\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    config
}

fn schema_of(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn a_store_of_schema_6_migrated_shows_every_run_byte_for_byte_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let config = copy_of_store_6(dir.path());
    let db = dir.path().join("caretaker.db");
    assert_eq!(schema_of(&db), 6, "the fixture is a schema-6 store");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store-6");
    for n in 1..=3 {
        let mut c = caretaker(dir.path());
        c.args(["show", "--config"])
            .arg(&config)
            .args([&n.to_string(), "--format", "json"]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "show {n}: {err}");
        let before = std::fs::read_to_string(fixture.join(format!("run-{n}.json"))).unwrap();
        if out != before {
            let line = out
                .lines()
                .zip(before.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "run {n} shows differently after the migration, from line {}:\nnow:    {:?}\nbefore: {:?}",
                line + 1,
                out.lines().nth(line),
                before.lines().nth(line)
            );
        }
    }
    assert!(schema_of(&db) >= 7, "the store was migrated");
    // Every finding carried over, none made up: the runs' counts as the fixture's.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM results", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 123 + 220 + 220);
    let texts: i64 = conn
        .query_row("SELECT COUNT(*) FROM texts", [], |r| r.get(0))
        .unwrap();
    assert!(
        texts < 300,
        "two nights of the same school keep about one night's words, not {texts} texts"
    );
}
