//! The console's view of the data: runs.

use super::*;

/// When a finding (its check and target, with the same status) was seen across stored runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub first_run: i64,
    pub first_at: time::OffsetDateTime,
    pub last_run: i64,
    pub last_at: time::OffsetDateTime,
    /// In how many runs.
    pub runs: u64,
}

impl From<caretaker_model::run::Sightings> for Seen {
    fn from(s: caretaker_model::run::Sightings) -> Seen {
        Seen {
            first_run: s.first_run,
            first_at: s.first_started_at,
            last_run: s.last_run,
            last_at: s.last_started_at,
            runs: s.runs,
        }
    }
}

pub use caretaker_model::picture::{diff, Diff};

/// The runs the trend is drawn from, oldest first: full audits that finished. A run of some
/// checks only (the filter after a change, one machine) would dip the line without anything
/// having got better.
pub fn trend_runs(runs: &[RunRecord]) -> Vec<&RunRecord> {
    runs.iter()
        .rev()
        .filter(|r| r.only.is_empty() && r.state == RunState::Complete)
        .collect()
}

pub use caretaker_api::ChangeLog;
