//! Tests of the store's findings as schema 7 keeps them (`findings.rs`).

use super::*;
use crate::store::tests::new_run;
use crate::store::RunState;
use caretaker_model::Clock;

fn page(observed_at: &str, elapsed: &str) -> Evidence {
    Evidence {
        source: "http://10.1.1.1:3128".into(),
        observed_at: observed_at.into(),
        values: vec![
            ("http_code".into(), "200".into()),
            ("elapsed_ms".into(), elapsed.into()),
            ("token".into(), "found".into()),
        ],
    }
}

fn antivirus(observed_at: &str, definitions: &str, summary: &str) -> Finding {
    let ev = Evidence {
        source: "ssh://pc001".into(),
        observed_at: observed_at.into(),
        values: vec![
            ("product".into(), "Microsoft Defender Antivirus".into()),
            ("AntivirusSignatureLastUpdated".into(), definitions.into()),
            ("AntivirusSignatureVersion".into(), "1.421.1234.0".into()),
            ("RealTimeProtectionEnabled".into(), "True".into()),
            ("AMServiceEnabled".into(), "True".into()),
        ],
    };
    Finding::new(
        "host.antivirus",
        Target::new(TargetKind::Host, "pc001", "10.0.0.1"),
        Status::Pass,
        Severity::High,
        summary,
        ev,
    )
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .lock()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Findings written as runs on the nights given, read back.
fn nights(store: &Store, nights: &[Vec<Finding>]) -> Vec<Vec<Finding>> {
    nights
        .iter()
        .map(|findings| {
            let id = store.begin_run(&new_run()).unwrap();
            store.add_findings(id, findings).unwrap();
            store.finish_run(id, RunState::Complete, None).unwrap();
            store.findings(id).unwrap()
        })
        .collect()
}

#[test]
fn evidence_of_two_nights_keeps_one_text_and_comes_back_whole() {
    let a = page("2026-12-01T02:00:03Z", "212");
    let b = page("2026-12-02T02:00:09Z", "187");
    let (sa, oa, va) = split(&a);
    let (sb, _, _) = split(&b);
    assert_eq!(sa, sb, "the same page on two nights is one text");
    assert_eq!(sa.values[1].1, "");
    assert_eq!(oa, Value::Integer(1_796_090_403));
    assert_eq!(va, vec![(1, "212".to_string())]);
    let json = serde_json::to_string(&sa).unwrap();
    let va = serde_json::to_string(&va).unwrap();
    assert_eq!(join(&json, oa, Some(&va)).unwrap(), a);
}

#[test]
fn a_time_that_would_not_come_back_the_same_is_kept_as_text() {
    for at in [
        "2026-12-01T02:00:03.5Z",
        "2026-12-01T03:00:03+01:00",
        "soon",
        "",
    ] {
        let ev = page(at, "");
        let (s, o, v) = split(&ev);
        assert!(!matches!(o, Value::Integer(_)), "{at}");
        assert!(v.is_empty(), "an empty timing is not kept apart");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(join(&json, o, None).unwrap(), ev, "{at}");
    }
}

#[test]
fn a_value_with_no_place_is_an_error_not_a_guess() {
    let (s, o, _) = split(&page("2026-12-01T02:00:03Z", "212"));
    let json = serde_json::to_string(&s).unwrap();
    assert!(join(&json, o.clone(), Some("[[9,\"5\"]]")).is_err());
    assert!(join(&json, o, Some("not json")).is_err());
}

#[test]
fn texts_differing_only_in_where_a_field_ends_hash_apart() {
    assert_ne!(
        text_hash("high", "ab", "c", None),
        text_hash("high", "a", "bc", None)
    );
    assert_ne!(
        text_hash("high", "a", "b", None),
        text_hash("high", "a", "b", Some(""))
    );
}

#[test]
fn a_year_of_nights_keeps_a_text_for_each_thing_said_and_reads_every_night_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db"))
        .unwrap()
        .with_clock(Clock::system());
    let ok = "Virus protection is on and its definitions are up to date.";
    let old = "Virus protection's definitions are 9 days old.";
    let mut written = Vec::new();
    for day in 1..=30 {
        let at = format!("2026-11-{day:02}T02:00:{:02}Z", day % 60);
        let mut av = antivirus(&at, &format!("2026-11-{day:02}T01:12:00Z"), ok);
        if day == 20 {
            av = antivirus(&at, "2026-11-11T01:12:00Z", old);
            av.status = Status::Fail;
        }
        let mut filter = Finding::new(
            "filter.must-load",
            Target::new(TargetKind::Url, "https://www.childline.org.uk/", "pupil-pc"),
            Status::Pass,
            Severity::High,
            "Childline loads for pupils.",
            page(&at, &(100 + day * 7).to_string()),
        );
        filter.clauses = vec!["7.2/over-blocking".into()];
        written.push(vec![av, filter]);
    }
    let read = nights(&store, &written);
    assert_eq!(read, written, "every night reads back value for value");
    assert_eq!(count(&store, "subjects"), 2);
    // The page: one text. The virus definitions' date moves every night: the first night's
    // text with the day's date beside it; the failing night says something else: its own,
    // and the nights after it go back to the first text.
    assert_eq!(count(&store, "texts"), 3);
    assert_eq!(count(&store, "results"), 60);
    // A new sentence is a new text; a later night of the old sentence keeps to the last text.
    let again = nights(
        &store,
        &[vec![antivirus(
            "2026-12-01T02:00:00Z",
            "2026-12-01T01:12:00Z",
            ok,
        )]],
    );
    assert_eq!(again[0][0].summary, ok);
    assert_eq!(count(&store, "texts"), 3);
}

#[test]
fn a_sentence_whose_numbers_move_every_night_is_one_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let written: Vec<Vec<Finding>> = (9..40)
        .map(|days| {
            let mut f = antivirus(
                &format!("2026-11-{:02}T02:00:00Z", days - 8),
                "2026-10-29T01:12:00Z",
                &format!("Virus protection on this computer has not been updated for {days} days."),
            );
            f.status = Status::Fail;
            f.evidence.values[4].1 = format!("{} hours", days * 24);
            vec![f]
        })
        .collect();
    let read = nights(&store, &written);
    assert_eq!(read, written, "every night reads back value for value");
    assert_eq!(count(&store, "texts"), 1);
    // Each night keeps only the sentence's numbers.
    let said: Vec<Option<String>> = store
        .lock()
        .prepare("SELECT said FROM results ORDER BY run_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(said.len(), 31);
    assert_eq!(said[0], None);
    assert_eq!(said[30].as_deref(), Some("39"));
    // A sentence with other words is another text.
    let mut other = written[0][0].clone();
    other.summary = "Virus protection on this computer is turned off.".into();
    nights(&store, &[vec![other]]);
    assert_eq!(count(&store, "texts"), 2);
}

#[test]
fn a_sentence_takes_back_only_as_many_numbers_as_it_has() {
    let s = "21 of 23 pupil accounts never lock, 4.5 a day.";
    assert_eq!(numbers_of(s), "21,23,4,5");
    assert_eq!(
        numbers_masked(s),
        "# of # pupil accounts never lock, #.# a day."
    );
    assert_eq!(
        numbers_masked("ü 7é"),
        "ü #é",
        "letters beyond ASCII stay whole"
    );
    assert_eq!(with_numbers("ü 7é", "8").as_deref(), Some("ü 8é"));
    assert_eq!(
        with_numbers(s, "22,24,4,6").as_deref(),
        Some("22 of 24 pupil accounts never lock, 4.6 a day.")
    );
    for bad in ["22,24,4", "22,24,4,6,7", "22,,4,6", "22,x,4,6", ""] {
        assert_eq!(with_numbers(s, bad), None, "{bad:?}");
    }
    assert_eq!(
        with_numbers("No numbers.", "").as_deref(),
        Some("No numbers.")
    );
    assert!(status_of(5).is_none());
    for (s, c) in STATUS_CODES {
        assert_eq!(status_of(c), Some(s));
        assert_eq!(code_of(s), c);
        assert_eq!(status_code(s.as_str()).unwrap(), c);
    }
}

#[test]
fn evidence_that_moved_a_lot_is_a_text_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
    let ok = "Virus protection is on.";
    let a = antivirus("2026-12-01T02:00:00Z", "2026-12-01T01:12:00Z", ok);
    let mut b = antivirus("2026-12-02T02:00:00Z", "2026-12-02T01:12:00Z", ok);
    for (_, v) in b.evidence.values.iter_mut() {
        *v = format!("{v} and a great deal more that was not there the night before");
    }
    let read = nights(&store, &[vec![a.clone()], vec![b.clone()]]);
    assert_eq!(read, vec![vec![a], vec![b]]);
    assert_eq!(count(&store, "texts"), 2);
}
