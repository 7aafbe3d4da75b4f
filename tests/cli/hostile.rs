//! Text from a machine, the directory or the web reaches the terminal harmless: a Windows
//! machine's program names and host name, or an interception certificate's issuer, with escape
//! sequences in them (retitling the window, clearing the screen, drawing a fake line) are printed
//! with those sequences defused by `show` (summary and `--all`) and `audit`'s report, and kept as
//! data, escaped, in JSON.

use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};

use crate::util::{bare_school, caretaker, run};

const HOSTILE: &str = "steam\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[1;1HCOMPLIANT\r\u{9b}31m";

/// A store with one run whose findings carry hostile text where machines put it.
fn seeded(dir: &std::path::Path) -> std::path::PathBuf {
    let config = bare_school(dir);
    let loaded = caretaker_config::load(&config).unwrap();
    let map = caretaker_checks::clauses::builtin();
    let store = caretaker_core::Store::open(&loaded.store_path).unwrap();
    let mut ev = Evidence::default();
    ev.push("programs", format!("notepad; {HOSTILE}"));
    let mut software = Finding::new(
        caretaker_checks::host::SOFTWARE.id,
        Target::new(TargetKind::Host, format!("pc-{HOSTILE}"), "hosts"),
        Status::Fail,
        Severity::Medium,
        format!("1 program on this computer is not on the approved list: {HOSTILE}."),
        ev,
    );
    software.clauses = map.clauses_for(&software.check);
    let mut ev = Evidence::default();
    ev.push("certificate_issuer", format!("CN={HOSTILE}"));
    let mut filter = Finding::new(
        caretaker_checks::filter::MUST_BLOCK.id,
        Target::new(
            TargetKind::Url,
            "http://iwf.testfiltering.com/",
            "pupil-wifi",
        ),
        Status::Pass,
        Severity::Critical,
        "Pupils on pupil-wifi cannot reach the IWF test page.",
        ev,
    );
    filter.clauses = map.clauses_for(&filter.check);
    let id = store
        .begin_run(&caretaker_core::store::NewRun {
            trigger: caretaker_api::Trigger::Cron,
            who: "root".into(),
            config_digest: loaded.digest.clone(),
            school: "St. Example's Primary".into(),
            only: Vec::new(),
        })
        .unwrap();
    let fs = vec![software, filter];
    store.add_findings(id, &fs).unwrap();
    store
        .finish_run(
            id,
            caretaker_core::RunState::Complete,
            Some(caretaker_core::Verdict::of(&fs)),
        )
        .unwrap();
    config
}

fn harmless(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn escape_sequences_from_machines_never_reach_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let config = seeded(home.path());
    for args in [vec!["show"], vec!["show", "--all"], vec!["runs"]] {
        let mut c = caretaker(home.path());
        c.args(&args).arg("--config").arg(&config);
        let (_, out, err) = run(c);
        assert!(
            harmless(&out),
            "{args:?} printed control characters: {out:?}"
        );
        assert!(harmless(&err), "{args:?}: {err:?}");
        if args.len() < 3 && args[0] == "show" {
            assert!(
                out.contains("steam\u{FFFD}]0;pwned"),
                "still readable: {out}"
            );
        }
    }
    // As data, the text is kept whole (escaped by JSON).
    let mut c = caretaker(home.path());
    c.args(["show", "--format", "json", "--config"])
        .arg(&config);
    let (_, out, _) = run(c);
    assert!(out.contains("\\u001b]0;pwned"), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc.to_string().contains(HOSTILE) || out.contains("\\u001b[2J"));
}
