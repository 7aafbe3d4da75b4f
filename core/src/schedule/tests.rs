#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use caretaker_model::run::{StatusCounts, Trigger, Verdict};

use super::*;

fn london() -> TimeZone {
    TimeZone::get("Europe/London")
        .expect("Europe/London from the time zone database: apt-get install tzdata")
}

fn at(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().unwrap();
    dt.to_zoned_datetime(london()).unwrap().timestamp()
}

fn run(id: i64, local: &str, only: &[&str], state: RunState) -> RunRecord {
    let t = at(local);
    RunRecord {
        id,
        trigger: Trigger::Schedule,
        who: "caretaker".into(),
        config_digest: String::new(),
        school: "St. Example's Primary".into(),
        started_at: time::OffsetDateTime::from_unix_timestamp(t.as_second()).unwrap(),
        ended_at: None,
        state,
        verdict: Some(Verdict::Compliant),
        only: only.iter().map(|s| s.to_string()).collect(),
        counts: StatusCounts::default(),
    }
}

/// A nightly full audit at 02:00 and the filter every 2 hours in the school day, no jitter.
fn timetable(jitter_secs: u64) -> Timetable {
    Timetable {
        entries: vec![
            Entry {
                scope: Scope::Everything,
                schedule: "daily 02:00".parse().unwrap(),
            },
            Entry {
                scope: Scope::Area(AreaId::Filter),
                schedule: "every 2h mon-fri 07:00-18:00".parse().unwrap(),
            },
        ],
        tz: london(),
        jitter: Duration::from_secs(jitter_secs),
    }
}

const IDLE: &[Scope] = &[];

#[test]
fn an_entry_is_due_once_its_time_has_come_after_its_last_run() {
    let t = timetable(0);
    let runs = [run(1, "2026-11-23T02:00:03", &[], RunState::Complete)];
    let since = at("2026-11-23T06:00");
    // 06:59 Monday: nothing; 07:00: the filter (its last run was the full audit at 02:00).
    assert!(t.due(at("2026-11-23T06:59"), since, &runs, IDLE).is_empty());
    assert_eq!(
        t.due(at("2026-11-23T07:00"), since, &runs, IDLE),
        [Scope::Area(AreaId::Filter)]
    );
    // The filter ran at 07:00: next at 09:00; the full audit at 02:00 tomorrow.
    let runs = [
        run(2, "2026-11-23T07:00:01", &["filter"], RunState::Complete),
        runs[0].clone(),
    ];
    assert!(t.due(at("2026-11-23T08:59"), since, &runs, IDLE).is_empty());
    assert_eq!(
        t.next_due(at("2026-11-23T08:00"), since, &runs),
        Some(at("2026-11-23T09:00"))
    );
    // Tuesday 02:00: the full audit, which also makes up the filter's Monday slots from 09:00.
    assert_eq!(
        t.due(at("2026-11-24T02:00"), since, &runs, IDLE),
        [Scope::Everything]
    );
}

/// Off from Monday night to Wednesday 08:00: each entry runs once at start-up, not once per slot
/// missed.
#[test]
fn runs_missed_while_off_are_made_up_once() {
    let t = timetable(0);
    let runs = [run(1, "2026-11-23T02:00:03", &[], RunState::Complete)];
    let now = at("2026-11-25T08:00");
    // The full audit starts; the filter, also due, waits for it (it checks the filter too).
    assert_eq!(t.due(now, now, &runs, IDLE), [Scope::Everything]);
    assert!(t.due(now, now, &runs, &[Scope::Everything]).is_empty());
    // Once it has run, nothing more is due: it covered the filter.
    let runs = [run(2, "2026-11-25T08:00:00", &[], RunState::Complete)];
    assert!(t.due(now, now, &runs, IDLE).is_empty());
    assert!(t.due(at("2026-11-25T08:59"), now, &runs, IDLE).is_empty());
}

#[test]
fn a_run_still_going_is_not_started_again_and_an_interrupted_one_does_not_count() {
    let t = timetable(0);
    let runs = [run(
        1,
        "2026-11-23T07:00:00",
        &["filter"],
        RunState::Complete,
    )];
    let now = at("2026-11-23T09:00");
    assert!(t
        .due(now, now, &runs, &[Scope::Area(AreaId::Filter)])
        .is_empty());
    // The full audit going checks the filter too.
    assert!(t.due(now, now, &runs, &[Scope::Everything]).is_empty());
    // Another area going does not hold the filter back.
    assert_eq!(
        t.due(now, now, &runs, &[Scope::Area(AreaId::Directory)]),
        [Scope::Area(AreaId::Filter)]
    );
    assert_eq!(t.due(now, now, &runs, IDLE), [Scope::Area(AreaId::Filter)]);
    // The 09:00 run was interrupted: the filter is still due.
    let runs = [
        run(2, "2026-11-23T09:00:00", &["filter"], RunState::Interrupted),
        runs[0].clone(),
    ];
    assert_eq!(
        t.due(at("2026-11-23T09:05"), now, &runs, IDLE),
        [Scope::Area(AreaId::Filter)]
    );
}

#[test]
fn a_run_of_other_checks_does_not_count_for_an_entry() {
    let t = timetable(0);
    let since = at("2026-11-23T06:00");
    // Only the directory was checked at 07:30: the filter is still due from 07:00.
    let runs = [run(
        1,
        "2026-11-23T07:30",
        &["directory"],
        RunState::Complete,
    )];
    assert!(t
        .due(at("2026-11-23T07:45"), since, &runs, IDLE)
        .contains(&Scope::Area(AreaId::Filter)));
    // One check of the filter is not the filter.
    let runs = [run(
        1,
        "2026-11-23T07:30",
        &["filter.must-block"],
        RunState::Complete,
    )];
    assert!(t
        .due(at("2026-11-23T07:45"), since, &runs, IDLE)
        .contains(&Scope::Area(AreaId::Filter)));
}

#[test]
fn the_schools_jitter_puts_each_run_back_the_same_way() {
    let t = timetable(240);
    let runs = [run(1, "2026-11-23T02:03:00", &[], RunState::Complete)];
    let since = at("2026-11-23T06:00");
    assert_eq!(
        t.next_due(at("2026-11-23T06:00"), since, &runs),
        Some(at("2026-11-23T07:04"))
    );
    assert!(t
        .due(at("2026-11-23T07:03:59"), since, &runs, IDLE)
        .is_empty());
    assert_eq!(
        t.due(at("2026-11-23T07:04"), since, &runs, IDLE),
        [Scope::Area(AreaId::Filter)]
    );
}

#[test]
fn a_timetable_is_read_from_the_config_with_off_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.toml");
    std::fs::write(
        &path,
        "version = 1\n[school]\nname = \"A\"\ntimezone = \"Europe/London\"\n[store]\npath = \"c.db\"\n[schedule]\naudit = \"off\"\nfilter = \"every 2h mon-fri 07:00-18:00\"\njitter_secs = 0\n",
    )
    .unwrap();
    let loaded = caretaker_config::load(&path).unwrap();
    let t = Timetable::from_config(&loaded).unwrap();
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.entries[0].scope, Scope::Area(AreaId::Filter));
    assert_eq!(t.jitter, Duration::ZERO);
}

#[test]
fn status_shows_each_entrys_next_time_and_each_areas_last_run() {
    let t = timetable(0);
    let runs = [
        run(3, "2026-11-23T07:00:01", &["filter"], RunState::Complete),
        run(2, "2026-11-23T02:00:00", &[], RunState::Complete),
        run(1, "2026-11-22T02:00:00", &[], RunState::Complete),
    ];
    let now = at("2026-11-23T08:00");
    let next: Vec<_> = t
        .upcoming(now, now, &runs)
        .into_iter()
        .map(|(e, at)| (e.scope, at))
        .collect();
    assert_eq!(
        next,
        [
            (Scope::Everything, Some(at("2026-11-24T02:00"))),
            (Scope::Area(AreaId::Filter), Some(at("2026-11-23T09:00")))
        ]
    );
    let last: Vec<_> = last_by_area(&runs)
        .into_iter()
        .map(|(a, r)| (a, r.map(|r| r.id)))
        .collect();
    assert_eq!(
        last,
        [
            (AreaId::Directory, Some(2)),
            (AreaId::Hosts, Some(2)),
            (AreaId::Filter, Some(3)),
            (AreaId::Mail, Some(2))
        ]
    );
}

/// A filter tested every five minutes makes hundreds of runs a day: the nightly full audit is
/// still found however far back it is, so it is not started again when the daemon looks (the
/// latest 200 runs alone lose it after 16 hours, and a daemon up for days then starts it again
/// at once).
#[test]
fn the_last_full_audit_is_found_behind_any_number_of_filter_runs() {
    let t = Timetable {
        entries: vec![
            Entry {
                scope: Scope::Everything,
                schedule: "daily 02:00".parse().unwrap(),
            },
            Entry {
                scope: Scope::Area(AreaId::Filter),
                schedule: "every 5m".parse().unwrap(),
            },
        ],
        tz: london(),
        jitter: Duration::ZERO,
    };
    let mut stored = vec![run(1, "2026-11-23T02:00:03", &[], RunState::Complete)];
    for i in 0..250i64 {
        let (h, m) = (2 + (5 + i * 5) / 60, (5 + i * 5) % 60);
        stored.push(run(
            2 + i,
            &format!("2026-11-23T{h:02}:{m:02}:01"),
            &["filter"],
            RunState::Complete,
        ));
    }
    stored.reverse(); // newest first, as the store gives them
    let mut pages = 0;
    let found = timetable_runs(|before: Option<i64>| {
        pages += 1;
        Ok::<_, ()>(
            stored
                .iter()
                .filter(|r| before.is_none_or(|b| r.id < b))
                .take(100)
                .cloned()
                .collect::<Vec<_>>(),
        )
    })
    .unwrap();
    assert_eq!(pages, 3, "read back to the full audit, and no further");
    assert!(found.iter().any(|r| r.id == 1));
    let now = at("2026-11-23T22:52");
    // The daemon has been running since Friday.
    let since = at("2026-11-20T06:00");
    assert!(t.due(now, since, &found, IDLE).is_empty());
    // What the latest 200 runs alone said: the full audit never ran, so it is due now.
    assert_eq!(t.due(now, since, &stored[..200], IDLE), [Scope::Everything]);
}
