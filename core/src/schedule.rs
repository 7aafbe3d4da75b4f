//! When the daemon runs what: the timetable read from `[schedule]`, and the rule for what is due.
//!
//! Each entry (the full audit, and each area with a schedule of its own) is due when its
//! schedule's next time after the last run that covered it (plus the school's jitter) has come.
//! A run is what moves an entry on, so runs missed while the machine was off are made up by one
//! run, and a run started by cron or a person counts as much as a scheduled one. An entry whose
//! run is still going is not started again: it waits, and runs once when the first has ended if
//! its time has come meanwhile.

use std::time::Duration;

use caretaker_checks::registry::specs;
use caretaker_config::schedule::{jitter, time_zone, Schedule};
use caretaker_config::Loaded;
use caretaker_model::run::{RunRecord, RunState};
use caretaker_model::{AreaId, CheckId};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// What one entry of the timetable runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Every check.
    Everything,
    /// One area's checks.
    Area(AreaId),
}

impl Scope {
    /// The `--only` selectors of its runs (none for everything).
    pub fn selectors(self) -> Vec<String> {
        match self {
            Scope::Everything => Vec::new(),
            Scope::Area(a) => vec![a.family().to_string()],
        }
    }

    /// "the full audit", "the filter checks".
    pub fn words(self) -> String {
        match self {
            Scope::Everything => "the full audit".to_string(),
            Scope::Area(AreaId::Directory) => "the directory checks".to_string(),
            Scope::Area(AreaId::Hosts) => "the machine checks".to_string(),
            Scope::Area(AreaId::Filter) => "the web-filter tests".to_string(),
            Scope::Area(AreaId::Mail) => "the mail domain checks".to_string(),
        }
    }

    /// Whether a run of `self` and one of `other` would check some of the same things.
    pub fn overlaps(self, other: Scope) -> bool {
        match (self, other) {
            (Scope::Everything, _) | (_, Scope::Everything) => true,
            (Scope::Area(a), Scope::Area(b)) => a == b,
        }
    }

    /// Whether `run` checked everything this scope checks.
    pub fn covered_by(self, run: &RunRecord) -> bool {
        if run.only.is_empty() {
            return true;
        }
        let areas = match self {
            Scope::Everything => AreaId::ALL.to_vec(),
            Scope::Area(a) => vec![a],
        };
        areas.into_iter().all(|a| {
            specs(a)
                .iter()
                .all(|s| run.only.iter().any(|sel| CheckId::new(s.id).matches(sel)))
        })
    }
}

/// One line of the timetable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub scope: Scope,
    pub schedule: Schedule,
}

/// The timetable of one school: its entries, its time zone and its jitter.
#[derive(Debug, Clone)]
pub struct Timetable {
    pub entries: Vec<Entry>,
    pub tz: TimeZone,
    pub jitter: Duration,
}

impl Timetable {
    /// From `[schedule]`, `[school] timezone` and the school's name. Entries that are `off` are
    /// left out.
    pub fn from_config(loaded: &Loaded) -> Result<Timetable, String> {
        let c = &loaded.config;
        let tz = time_zone(c.school.timezone.as_deref())?;
        let s = &c.schedule;
        let mut entries = vec![Entry {
            scope: Scope::Everything,
            schedule: s.audit.clone(),
        }];
        for (area, own) in [
            (AreaId::Directory, &s.directory),
            (AreaId::Hosts, &s.hosts),
            (AreaId::Filter, &s.filter),
        ] {
            if let Some(schedule) = own {
                entries.push(Entry {
                    scope: Scope::Area(area),
                    schedule: schedule.clone(),
                });
            }
        }
        entries.retain(|e| e.schedule != Schedule::Off);
        Ok(Timetable {
            entries,
            tz,
            jitter: jitter(&c.school.name, s.jitter_secs),
        })
    }

    /// When `entry` is next due: its schedule's next time after `anchor` (its last covering run,
    /// or when the daemon started if it never ran), put back by the jitter.
    pub fn due_at(&self, entry: &Entry, anchor: Timestamp) -> Option<Timestamp> {
        let slot = entry.schedule.next_after(anchor, &self.tz)?;
        let jitter = jiff::SignedDuration::try_from(self.jitter).ok()?;
        slot.checked_add(jitter).ok()
    }

    /// The entries to start at `now`, given `runs` (the latest runs) and when the daemon started
    /// (`since`, the anchor of an entry never run), in timetable order. An entry that would check
    /// something a run `going` checks waits (the full audit covers every area); of two due
    /// entries that overlap, the first starts and the other waits for it.
    pub fn due(
        &self,
        now: Timestamp,
        since: Timestamp,
        runs: &[RunRecord],
        going: &[Scope],
    ) -> Vec<Scope> {
        let mut start: Vec<Scope> = Vec::new();
        for e in &self.entries {
            let busy = going.iter().chain(&start).any(|g| g.overlaps(e.scope));
            let due = self
                .due_at(e, anchor(e.scope, runs).unwrap_or(since))
                .is_some_and(|at| at <= now);
            if due && !busy {
                start.push(e.scope);
            }
        }
        start
    }

    /// The next time anything is due after `now` (when to wake up), if ever.
    pub fn next_due(
        &self,
        now: Timestamp,
        since: Timestamp,
        runs: &[RunRecord],
    ) -> Option<Timestamp> {
        self.entries
            .iter()
            .filter_map(|e| self.due_at(e, anchor(e.scope, runs).unwrap_or(since)))
            .map(|at| at.max(now))
            .min()
    }
}

impl Timetable {
    /// Each entry with the next time it runs after `now` (now, if it is overdue), for
    /// `caretaker status`.
    pub fn upcoming(
        &self,
        now: Timestamp,
        since: Timestamp,
        runs: &[RunRecord],
    ) -> Vec<(Entry, Option<Timestamp>)> {
        self.entries
            .iter()
            .map(|e| {
                let at = self
                    .due_at(e, anchor(e.scope, runs).unwrap_or(since))
                    .map(|at| at.max(now));
                (e.clone(), at)
            })
            .collect()
    }
}

/// What `caretaker status` says at `now`: the daemon running on the store (if any), each line of
/// `timetable` with its next time (from the daemon's start when it never ran), each area's last
/// run among `runs` (newest first).
pub fn status(
    timetable: &Timetable,
    daemon: Option<crate::presence::DaemonInfo>,
    runs: &[RunRecord],
    now: Timestamp,
) -> caretaker_api::Status {
    let since = daemon
        .as_ref()
        .and_then(|d| d.started_at.parse().ok())
        .unwrap_or(now);
    let next = timetable
        .upcoming(now, since, runs)
        .into_iter()
        .map(|(e, at)| caretaker_api::NextRun {
            runs: e.scope.words(),
            only: e.scope.selectors(),
            schedule: e.schedule.to_string(),
            at: at.map(|t| t.to_string()),
            at_local: at.map(|t| {
                t.to_zoned_datetime(timetable.tz.clone())
                    .strftime("%a %Y-%m-%d %H:%M %Z")
                    .to_string()
            }),
        })
        .collect();
    let last = last_by_area(runs)
        .into_iter()
        .map(|(area, r)| caretaker_api::LastRun {
            area: area.family().to_string(),
            run: r.cloned(),
        })
        .collect();
    caretaker_api::Status {
        daemon: daemon.map(|d| caretaker_api::DaemonUp {
            pid: d.pid,
            version: d.version,
            started_at: d.started_at,
        }),
        time_zone: timetable.tz.iana_name().map(str::to_string),
        jitter_secs: timetable.jitter.as_secs(),
        next,
        last,
    }
}

/// For each area, the latest run (newest first in `runs`) that checked all of it.
pub fn last_by_area(runs: &[RunRecord]) -> Vec<(AreaId, Option<&RunRecord>)> {
    AreaId::ALL
        .into_iter()
        .map(|a| {
            let last = runs
                .iter()
                .filter(|r| Scope::Area(a).covered_by(r))
                .max_by_key(|r| r.id);
            (a, last)
        })
        .collect()
}

/// The runs a timetable moves on from, read newest first a page at a time by `page` (the runs
/// older than a run id, or the latest): every run back to the latest complete run of each area,
/// however many other runs came since (a filter tested every five minutes does not hide a nightly
/// directory run). Counts are not needed and not read.
pub fn timetable_runs<E>(
    mut page: impl FnMut(Option<i64>) -> Result<Vec<RunRecord>, E>,
) -> Result<Vec<RunRecord>, E> {
    let mut runs: Vec<RunRecord> = Vec::new();
    let mut before = None;
    loop {
        let more = page(before)?;
        let Some(last) = more.last() else { break };
        before = Some(last.id);
        runs.extend(more);
        let found = |scope: Scope| {
            runs.iter()
                .any(|r| r.state == RunState::Complete && scope.covered_by(r))
        };
        if AreaId::ALL.into_iter().all(|a| found(Scope::Area(a))) {
            break;
        }
    }
    Ok(runs)
}

/// The start of the latest finished run (complete, not interrupted) that covered `scope`.
fn anchor(scope: Scope, runs: &[RunRecord]) -> Option<Timestamp> {
    runs.iter()
        .filter(|r| r.state == RunState::Complete && scope.covered_by(r))
        .filter_map(|r| Timestamp::from_second(r.started_at.unix_timestamp()).ok())
        .max()
}

#[cfg(test)]
mod tests;
