//! The sample school, St. Example's Primary (two directories, six machines, the web filter from
//! pupil, staff and guest networks, a week of nightly runs and its filter-change log), in a real
//! store of its own behind the core's real API: for the console's tests and snapshots, and for
//! trying the console without a school.
//!
//! The nightly runs are written to the store as the engine writes them (a run begun, its
//! findings, the run finished, each at its own time); everything else is entered through the
//! API, acting for the network manager, with the clock set to when it happened. So the console
//! over the sample answers by the same rules as over a school's own store.

use std::os::unix::fs::PermissionsExt as _;

use caretaker_api::{Api, ApiError};
use caretaker_checks::ClauseMap;
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::Local;
use caretaker_model::Clock;
use caretaker_tui::model::Picture;

mod api;
mod findings;
pub mod history;
mod records;

/// The sample's "now": 07:30 on the morning after its latest nightly run.
pub fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 07:30 UTC)
}

/// The school's name.
pub const SCHOOL: &str = "St. Example's Primary";

/// How many nightly runs the sample holds (run 1 … run 8, 16–23 November 2026).
pub const RUNS: i64 = 8;

/// Who the sample's records are entered by (the network manager).
pub const USER: &str = "r.singh";

/// The sample school: its own folder (configuration and store), removed when dropped, and the
/// core's API over it, acting for [`USER`] with the clock at [`now`].
#[derive(Debug)]
pub struct Sample {
    local: Local,
    clock: Clock,
    _folder: tempfile::TempDir,
}

/// The sample's configuration: its name, its store, and the three vantage points its filter
/// log was seen from. An audit started over the sample reaches nothing: each vantage point's
/// proxy and resolver are a closed port on this machine, so its tests end as errors.
fn config() -> String {
    let mut text = format!(
        "version = 1\n\n[school]\nname = {SCHOOL:?}\n\n[store]\npath = \"caretaker.db\"\n\n[assess]\nconsent_from = \"medium\"\n"
    );
    for (name, group, _) in findings::VANTAGES {
        text.push_str(&format!(
            "\n[[filter.vantage]]\nname = {name:?}\ngroup = {group:?}\nproxy = \"http://127.0.0.1:9\"\n"
        ));
    }
    text
}

fn io(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Store(format!("the sample school: {what}: {e}"))
}

impl Sample {
    /// The sample school in a new folder under the system's temporary folder.
    pub fn new() -> Result<Sample, ApiError> {
        Sample::make(false)
    }

    /// The sample school with a year of nightly runs before its week ([`history`]), for the
    /// leadership report.
    pub fn with_history() -> Result<Sample, ApiError> {
        Sample::make(true)
    }

    fn make(history: bool) -> Result<Sample, ApiError> {
        let folder = tempfile::Builder::new()
            .prefix("caretaker-sample-")
            .tempdir()
            .map_err(|e| io("cannot create its folder", e))?;
        let path = folder.path().join("caretaker.toml");
        std::fs::write(&path, config()).map_err(|e| io("cannot write its configuration", e))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io("cannot make its configuration private", e))?;
        let loaded = caretaker_config::load(&path).map_err(|e| ApiError::Config {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        let map = caretaker_checks::clauses::builtin();
        let clock = Clock::manual(now());
        let store = Store::open_sealed(
            &loaded.store_path,
            caretaker_core::store::Seal::new(&loaded.log_key),
        )
        .map_err(|e| ApiError::Store(e.to_string()))?
        .with_clock(clock.clone());
        let before = if history {
            history::write(&store, &map, &clock)?
        } else {
            0
        };
        let latest = nightly_runs(&store, &map, &clock)?;
        let local = Local::new(store, loaded, map.clone()).as_user(USER);
        if history {
            history::enter(&local, &clock, &map)?;
        }
        records::enter(&local, &clock, &map, &latest, before)?;
        clock.set(now());
        Ok(Sample {
            local,
            clock,
            _folder: folder,
        })
    }

    /// The sample's configuration file (its store beside it), for running `caretaker` on it.
    pub fn config_path(&self) -> std::path::PathBuf {
        self._folder.path().join("caretaker.toml")
    }

    /// The clock the sample's API runs on (set to [`now`]; tests may move it).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The picture the console shows for the sample (what the console makes of
    /// [`Api::overview`]).
    pub fn picture(&self) -> Result<Picture, ApiError> {
        Ok(Picture::from_overview(
            self.local.overview()?,
            self.local.catalogue(),
        ))
    }

    /// The clause map the sample is judged against.
    pub fn map(&self) -> &ClauseMap {
        self.local.map()
    }
}

/// Writes the week of nightly runs (all by cron as root, but run 5, started from the console by
/// the network manager) as the engine writes them, each at its time. The newest run's findings.
fn nightly_runs(
    store: &Store,
    map: &ClauseMap,
    clock: &Clock,
) -> Result<Vec<caretaker_checks::Finding>, ApiError> {
    let store_err = |e: caretaker_core::store::StoreError| ApiError::Store(e.to_string());
    let mut latest = Vec::new();
    for run in 1..=RUNS {
        let fs = findings::of_run(map, run);
        let start = findings::started(run);
        let end = start.replace("T02:00:0", "T02:01:4");
        let parse = |t: &str| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|e| io("a run's time", e))
        };
        clock.set(parse(&start)?);
        let console = run == 5;
        let id = store
            .begin_run(&NewRun {
                trigger: if console {
                    Trigger::Console
                } else {
                    Trigger::Cron
                },
                who: if console { USER } else { "root" }.into(),
                config_digest: "5f1c0e9a2b7d4c18e3f6a0b5c9d2e7f1a4b8c3d6e9f2a5b8c1d4e7f0a3b6c9d2"
                    .into(),
                school: SCHOOL.into(),
                only: Vec::new(),
            })
            .map_err(store_err)?;
        store.add_findings(id, &fs).map_err(store_err)?;
        clock.set(parse(&end)?);
        store
            .finish_run(id, RunState::Complete, Some(Verdict::of(&fs)))
            .map_err(store_err)?;
        latest = fs;
    }
    Ok(latest)
}
