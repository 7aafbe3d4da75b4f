//! When scheduled checks run, in words a network manager reads without a manual:
//! `daily 02:00`, `mon-fri 06:30`, `every 2h mon-fri 07:00-18:00`, `off`.
//!
//! Times are the school's local time: [`Schedule::next_after`] works on the wall clock of the
//! school's time zone, one slot per local day and time, so a change of the clocks neither skips
//! nor doubles a run (a time the clocks jump over runs just after the jump; a time they pass twice
//! runs the first time only). A run missed while the machine was off is caught up once
//! ([`Schedule::missed`]), not once per missed slot.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use sha2::{Digest as _, Sha256};

/// What a schedule says when it cannot be read.
pub const EXPECTED: &str =
    "expected \"daily 02:00\", \"mon-fri 06:30\", \"every 2h mon-fri 07:00-18:00\" or \"off\"";

/// The days of the week a schedule runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(u8);

impl Days {
    pub const ALL: Days = Days(0b111_1111);

    fn of(day: Weekday) -> Days {
        Days(1 << day.to_monday_zero_offset())
    }

    /// Whether `day` is one of them.
    pub fn has(self, day: Weekday) -> bool {
        self.0 & Days::of(day).0 != 0
    }

    /// `mon-fri`, `sat,sun`, `mon,wed,fri`, `weekdays`, `weekends`, `daily`.
    fn parse(word: &str) -> Option<Days> {
        match word {
            "daily" | "everyday" => return Some(Days::ALL),
            "weekdays" => return Some(Days(0b001_1111)),
            "weekends" => return Some(Days(0b110_0000)),
            _ => {}
        }
        let mut days = 0u8;
        for part in word.split(',') {
            match part.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (day(from)?, day(to)?);
                    let (a, b) = (from.to_monday_zero_offset(), to.to_monday_zero_offset());
                    if a > b {
                        return None;
                    }
                    for d in a..=b {
                        days |= 1 << d;
                    }
                }
                None => days |= Days::of(day(part)?).0,
            }
        }
        (days != 0).then_some(Days(days))
    }
}

fn day(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tues" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thurs" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// `HH:MM` on the 24-hour clock.
fn clock(word: &str) -> Option<Time> {
    let (h, m) = word.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    Time::new(h, m, 0, 0).ok()
}

/// A schedule, as read from `caretaker.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Schedule {
    /// Never by itself (cron, a person or the console may still start it).
    Off,
    /// At these local times on these days.
    At { days: Days, times: Vec<Time> },
    /// Every `minutes` on these days, from `from` to `until` (local times, both included).
    Every {
        minutes: u32,
        days: Days,
        from: Time,
        until: Time,
    },
}

impl TryFrom<String> for Schedule {
    type Error = String;

    fn try_from(text: String) -> Result<Schedule, String> {
        text.parse()
    }
}

impl FromStr for Schedule {
    type Err = String;

    fn from_str(text: &str) -> Result<Schedule, String> {
        let lower = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let bad = |why: &str| format!("{text:?} is not a schedule: {why}; {EXPECTED}");
        match words.as_slice() {
            ["off"] | ["never"] => Ok(Schedule::Off),
            ["every", step, rest @ ..] => {
                let minutes = step_minutes(step).ok_or_else(|| {
                    bad(&format!("{step:?} is not a step such as 2h, 90m or 30min"))
                })?;
                let mut days = Days::ALL;
                let mut window = (Time::midnight(), Time::constant(23, 59, 0, 0));
                for w in rest {
                    if let Some((a, b)) = w.split_once('-').filter(|(a, _)| a.contains(':')) {
                        let (Some(a), Some(b)) = (clock(a), clock(b)) else {
                            return Err(bad(&format!(
                                "{w:?} is not a time window such as 07:00-18:00"
                            )));
                        };
                        if a > b {
                            return Err(bad(&format!("the window {w} ends before it starts")));
                        }
                        window = (a, b);
                    } else {
                        days = Days::parse(w)
                            .ok_or_else(|| bad(&format!("{w:?} is not days such as mon-fri")))?;
                    }
                }
                Ok(Schedule::Every {
                    minutes,
                    days,
                    from: window.0,
                    until: window.1,
                })
            }
            [which, times] => {
                let days = Days::parse(which).ok_or_else(|| {
                    bad(&format!(
                        "{which:?} is not \"daily\" or days such as mon-fri"
                    ))
                })?;
                let mut list = Vec::new();
                for t in times.split(',') {
                    list.push(clock(t).ok_or_else(|| {
                        bad(&format!(
                            "{t:?} is not a time such as 02:00 (24-hour clock)"
                        ))
                    })?);
                }
                list.sort();
                list.dedup();
                Ok(Schedule::At { days, times: list })
            }
            _ => Err(bad("it has the wrong number of words")),
        }
    }
}

/// `2h`, `90m`, `30min`, `1hour`: at least 5 minutes, at most a day.
fn step_minutes(word: &str) -> Option<u32> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = word.split_at(digits);
    let n: u32 = n.parse().ok()?;
    let minutes = match unit {
        "h" | "hour" | "hours" => n.checked_mul(60)?,
        "m" | "min" | "mins" | "minutes" => n,
        _ => return None,
    };
    (5..=24 * 60).contains(&minutes).then_some(minutes)
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |t: &Time| format!("{:02}:{:02}", t.hour(), t.minute());
        match self {
            Schedule::Off => f.write_str("off"),
            Schedule::At { days, times } => {
                let times: Vec<String> = times.iter().map(hm).collect();
                write!(f, "{} {}", days, times.join(","))
            }
            Schedule::Every {
                minutes,
                days,
                from,
                until,
            } => {
                let step = if minutes % 60 == 0 {
                    format!("{}h", minutes / 60)
                } else {
                    format!("{minutes}m")
                };
                write!(f, "every {step} {days} {}-{}", hm(from), hm(until))
            }
        }
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        if *self == Days::ALL {
            return f.write_str("daily");
        }
        let on: Vec<usize> = (0..7).filter(|d| self.0 & (1 << d) != 0).collect();
        // One run of consecutive days reads as a range.
        let (first, last) = (on[0], on[on.len() - 1]);
        if on.len() > 2 && last - first + 1 == on.len() {
            return write!(f, "{}-{}", NAMES[first], NAMES[last]);
        }
        let names: Vec<&str> = on.iter().map(|d| NAMES[*d]).collect();
        f.write_str(&names.join(","))
    }
}

impl Schedule {
    /// The local times it runs at on `date` (empty on a day it does not run).
    fn slots(&self, date: Date) -> Vec<Time> {
        match self {
            Schedule::Off => Vec::new(),
            Schedule::At { days, times } => {
                if days.has(date.weekday()) {
                    times.clone()
                } else {
                    Vec::new()
                }
            }
            Schedule::Every {
                minutes,
                days,
                from,
                until,
            } => {
                if !days.has(date.weekday()) {
                    return Vec::new();
                }
                let mut out = Vec::new();
                let mut t = *from;
                loop {
                    out.push(t);
                    match t.checked_add(i64::from(*minutes).minutes()) {
                        // Past midnight the day is over.
                        Ok(next) if next > t && next <= *until => t = next,
                        _ => break,
                    }
                }
                out
            }
        }
    }

    /// The first time after `after` that it runs, in the school's time zone `tz`; `None` for
    /// `off`. A local time the clocks jump over runs at the same distance past the jump; one they
    /// pass twice runs the first time.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        // From the day before (a slot late on the previous local day can still be ahead of
        // `after` just after a change of the clocks) to a week and a day ahead.
        let start = after
            .to_zoned_datetime(tz.clone())
            .date()
            .yesterday()
            .ok()?;
        let mut date = start;
        for _ in 0..10 {
            let mut best: Option<Timestamp> = None;
            for t in self.slots(date) {
                let Ok(at) = date.to_datetime(t).to_zoned_datetime(tz.clone()) else {
                    continue;
                };
                let at = at.timestamp();
                if at > after && best.is_none_or(|b| at < b) {
                    best = Some(at);
                }
            }
            if best.is_some() {
                return best;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Whether a run was due between the last one (`last`) and `now`: then it is run once, now.
    /// Never run before: not missed (the first slot will come).
    pub fn missed(&self, last: Option<Timestamp>, now: Timestamp, tz: &TimeZone) -> bool {
        match last {
            None => false,
            Some(last) => self.next_after(last, tz).is_some_and(|due| due <= now),
        }
    }
}

/// How far this school's scheduled runs are put back, the same every day: up to `max_secs`,
/// chosen from the school's name, so that a trust's schools do not reach a shared filter or
/// directory at the same second.
pub fn jitter(school: &str, max_secs: u64) -> std::time::Duration {
    if max_secs == 0 {
        return std::time::Duration::ZERO;
    }
    let digest = Sha256::digest(school.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    std::time::Duration::from_secs(u64::from_be_bytes(first) % (max_secs + 1))
}

/// The school's time zone, by its IANA name (`Europe/London`), or this machine's when none is set.
pub fn time_zone(name: Option<&str>) -> Result<TimeZone, String> {
    match name {
        None => Ok(TimeZone::system()),
        Some(n) => TimeZone::get(n).map_err(|e| {
            format!(
                "{n:?} is not a time zone this machine knows ({e}): expected an IANA name such as \"Europe/London\" (install tzdata if none is known)"
            )
        }),
    }
}

#[cfg(test)]
mod tests;
