//! A damaged store is noticed: after a page of the file is overwritten, `audit` refuses to write
//! a new run into it (saying to restore from a backup) and `assess verify` no longer says the log
//! is intact.

use crate::util::{bare_school, caretaker, run};

const SITE: &str = r#"
reported_by = "Mrs Patel"
date = 2026-11-20
time = "10:15"
workstation = "ICT-07"
url = "https://www.example-science-sim.org/forces"
recommendation = "unblock"
resolution = ""
"#;

#[test]
fn a_damaged_store_is_refused_for_writing_and_fails_verification() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = bare_school(dir);
    let site = dir.join("site.toml");
    std::fs::write(&site, SITE).unwrap();
    for _ in 0..30 {
        let mut c = caretaker(dir);
        c.args(["sites", "add", "--file"])
            .arg(&site)
            .arg("--config")
            .arg(&config);
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{err}");
    }
    let mut c = caretaker(dir);
    c.args(["assess", "verify", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "intact before: {out}{err}");
    // Damage: the records' pages overwritten in the middle of the file (no process has it open).
    let db = dir.join("caretaker.db");
    assert!(
        !dir.join("caretaker.db-wal").exists()
            || std::fs::metadata(dir.join("caretaker.db-wal"))
                .unwrap()
                .len()
                == 0
    );
    let mut bytes = std::fs::read(&db).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages >= 6, "{pages} pages");
    for b in &mut bytes[4096 * 2..4096 * (pages - 1)] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let runs_before = std::fs::read(&db).unwrap();
    let mut c = caretaker(dir);
    c.args(["audit", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("is damaged") && err.contains("backup"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        runs_before,
        "nothing was written"
    );
    let mut c = caretaker(dir);
    c.args(["assess", "verify", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_ne!(code, 0, "a damaged store is not intact: {out}{err}");
}
