#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// The school's zone for these tests (the UK's clocks change on the last Sundays of March and
/// October). Needs the time zone database (apt-get install tzdata).
fn london() -> TimeZone {
    TimeZone::get("Europe/London")
        .expect("Europe/London from the time zone database: apt-get install tzdata")
}

fn at(local: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = local.parse().unwrap();
    dt.to_zoned_datetime(london()).unwrap().timestamp()
}

fn local(t: Timestamp) -> String {
    t.to_zoned_datetime(london())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The next `n` runs after `from`, in local time.
fn runs(s: &str, from: &str, n: usize) -> Vec<String> {
    let s: Schedule = s.parse().unwrap();
    let mut t = at(from);
    let mut out = Vec::new();
    for _ in 0..n {
        t = s.next_after(t, &london()).expect("a next run");
        out.push(local(t));
    }
    out
}

#[test]
fn schedules_read_as_written_and_say_themselves_back() {
    for (text, shown) in [
        ("daily 02:00", "daily 02:00"),
        ("  Daily   2:30 ", "daily 02:30"),
        ("mon-fri 06:30", "mon-fri 06:30"),
        ("weekdays 06:30,18:00", "mon-fri 06:30,18:00"),
        ("sat,sun 03:00", "sat,sun 03:00"),
        ("mon,wed,fri 22:00", "mon,wed,fri 22:00"),
        (
            "every 2h mon-fri 07:00-18:00",
            "every 2h mon-fri 07:00-18:00",
        ),
        ("every 90m", "every 90m daily 00:00-23:59"),
        (
            "every 30min weekends 09:00-12:00",
            "every 30m sat,sun 09:00-12:00",
        ),
        ("off", "off"),
    ] {
        let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(s.to_string(), shown, "{text}");
        assert_eq!(shown.parse::<Schedule>().unwrap(), s, "{shown} reads back");
    }
}

#[test]
fn a_schedule_that_does_not_read_says_why_and_what_is_expected() {
    for (text, why) in [
        ("", "wrong number of words"),
        ("daily", "wrong number of words"),
        ("daily 25:00", "\"25:00\" is not a time"),
        ("daily 2am", "\"2am\" is not a time"),
        ("fortnightly 02:00", "\"fortnightly\" is not \"daily\""),
        ("fri-mon 02:00", "\"fri-mon\" is not \"daily\""),
        ("every 2 hours", "\"2\" is not a step"),
        ("every 1m", "\"1m\" is not a step"),
        ("every 2h 18:00-07:00", "ends before it starts"),
        ("every 2h mon-fri 7-18", "\"7-18\" is not days"),
    ] {
        let e = text.parse::<Schedule>().unwrap_err();
        assert!(e.contains(why), "{text}: {e}");
        assert!(e.contains(EXPECTED), "{text}: {e}");
    }
}

#[test]
fn a_daily_run_comes_at_its_local_time_on_each_day() {
    assert_eq!(
        runs("daily 02:00", "2026-11-23T01:00", 3),
        [
            "Mon 2026-11-23 02:00 GMT",
            "Tue 2026-11-24 02:00 GMT",
            "Wed 2026-11-25 02:00 GMT"
        ]
    );
    // At its time exactly, the next is tomorrow's.
    assert_eq!(
        runs("daily 02:00", "2026-11-23T02:00", 1),
        ["Tue 2026-11-24 02:00 GMT"]
    );
    assert_eq!(
        runs("mon-fri 06:30", "2026-11-27T07:00", 2),
        ["Mon 2026-11-30 06:30 GMT", "Tue 2026-12-01 06:30 GMT"]
    );
    assert!("off"
        .parse::<Schedule>()
        .unwrap()
        .next_after(at("2026-11-23T01:00"), &london())
        .is_none());
}

/// The clocks go forward at 01:00 on 28 March 2027 (01:00–01:59 do not happen) and back at 02:00
/// BST on 25 October 2026 (01:00–01:59 happen twice): a nightly run happens once each night.
#[test]
fn a_change_of_the_clocks_neither_skips_nor_doubles_a_nightly_run() {
    assert_eq!(
        runs("daily 01:30", "2027-03-26T12:00", 4),
        [
            "Sat 2027-03-27 01:30 GMT",
            // 01:30 does not happen: the run comes as long after the jump.
            "Sun 2027-03-28 02:30 BST",
            "Mon 2027-03-29 01:30 BST",
            "Tue 2027-03-30 01:30 BST"
        ]
    );
    assert_eq!(
        runs("daily 02:00", "2027-03-26T12:00", 3),
        [
            "Sat 2027-03-27 02:00 GMT",
            "Sun 2027-03-28 02:00 BST",
            "Mon 2027-03-29 02:00 BST"
        ]
    );
    assert_eq!(
        runs("daily 01:30", "2026-10-23T12:00", 4),
        [
            "Sat 2026-10-24 01:30 BST",
            // 01:30 happens twice: the run comes the first time only.
            "Sun 2026-10-25 01:30 BST",
            "Mon 2026-10-26 01:30 GMT",
            "Tue 2026-10-27 01:30 GMT"
        ]
    );
    // Asked again just after the first 01:30 of that night: not again at the second.
    let s: Schedule = "daily 01:30".parse().unwrap();
    let first = at("2026-10-25T01:30");
    let next = s.next_after(first + 1.minutes(), &london()).unwrap();
    assert_eq!(local(next), "Mon 2026-10-26 01:30 GMT");
    // Every hour through both changes: each local hour once, none made up.
    assert_eq!(
        runs("every 1h sun 00:00-03:00", "2026-10-24T23:00", 4),
        [
            "Sun 2026-10-25 00:00 BST",
            "Sun 2026-10-25 01:00 BST",
            "Sun 2026-10-25 02:00 GMT",
            "Sun 2026-10-25 03:00 GMT"
        ]
    );
}

#[test]
fn every_so_often_within_school_hours_on_school_days() {
    assert_eq!(
        runs("every 2h mon-fri 07:00-18:00", "2026-11-23T06:00", 7),
        [
            "Mon 2026-11-23 07:00 GMT",
            "Mon 2026-11-23 09:00 GMT",
            "Mon 2026-11-23 11:00 GMT",
            "Mon 2026-11-23 13:00 GMT",
            "Mon 2026-11-23 15:00 GMT",
            "Mon 2026-11-23 17:00 GMT",
            "Tue 2026-11-24 07:00 GMT"
        ]
    );
    // After Friday's last run, Monday's first.
    assert_eq!(
        runs("every 2h mon-fri 07:00-18:00", "2026-11-27T17:00", 1),
        ["Mon 2026-11-30 07:00 GMT"]
    );
    // The window's end is included when a step lands on it.
    assert_eq!(
        runs("every 5h mon 07:00-17:00", "2026-11-23T12:30", 2),
        ["Mon 2026-11-23 17:00 GMT", "Mon 2026-11-30 07:00 GMT"]
    );
}

/// The machine was off from Monday night to Wednesday morning: the runs it missed are made up by
/// one run, not one per missed night.
#[test]
fn a_run_missed_while_off_is_caught_up_once() {
    let s: Schedule = "daily 02:00".parse().unwrap();
    let tz = london();
    let last = at("2026-11-23T02:00");
    let now = at("2026-11-25T08:00");
    assert!(s.missed(Some(last), now, &tz));
    // Caught up at 08:00: nothing missed any more, the next is tomorrow's.
    assert!(!s.missed(Some(now), now, &tz));
    assert_eq!(
        local(s.next_after(now, &tz).unwrap()),
        "Thu 2026-11-26 02:00 GMT"
    );
    // On time, nothing is missed; never run, nothing is missed either.
    assert!(!s.missed(Some(last), at("2026-11-24T01:59"), &tz));
    assert!(!s.missed(None, now, &tz));
    assert!(!"off"
        .parse::<Schedule>()
        .unwrap()
        .missed(Some(last), now, &tz));
}

#[test]
fn jitter_is_the_schools_own_and_bounded() {
    let a = jitter("St. Example's Primary", 600);
    assert_eq!(
        a,
        jitter("St. Example's Primary", 600),
        "the same every day"
    );
    assert!(a.as_secs() <= 600);
    let spread: std::collections::BTreeSet<u64> = (0..40)
        .map(|i| jitter(&format!("School {i}"), 600).as_secs())
        .collect();
    assert!(spread.len() > 30, "40 schools spread out: {spread:?}");
    assert_eq!(jitter("Any", 0), std::time::Duration::ZERO);
}

#[test]
fn a_time_zone_is_known_by_its_name_or_named_in_the_error() {
    assert!(time_zone(Some("Europe/London")).is_ok());
    let e = time_zone(Some("Europe/Atlantis")).unwrap_err();
    assert!(
        e.contains("\"Europe/Atlantis\"") && e.contains("IANA"),
        "{e}"
    );
    assert!(time_zone(None).is_ok());
}
