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

/// What changed between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub older: i64,
    pub newer: i64,
    /// Problems in the newer run that the older one did not have (or had with another status).
    pub new: Vec<Finding>,
    /// Problems of the older run that the newer one does not have.
    pub resolved: Vec<Finding>,
    /// Problems in both.
    pub still: usize,
    /// Problems left out because only one of the two runs checked them (a filter-only run
    /// against a full one, a run of one machine): not new, not resolved, just not compared.
    pub not_compared: usize,
}

/// What a run covered: its `--only` selectors (empty: everything) and the machines it reported on.
fn coverage(only: &[String], fs: &[Finding]) -> (Vec<String>, BTreeSet<String>) {
    let hosts = fs
        .iter()
        .filter(|f| f.target.kind == TargetKind::Host)
        .map(|f| f.target.name.clone())
        .collect();
    (only.to_vec(), hosts)
}

/// Compares two runs' findings by check and target, like with like: only what both runs
/// checked (`older_only` and `newer_only` are the runs' `--only` selectors).
pub fn diff(
    older: (i64, &[String]),
    older_f: &[Finding],
    newer: (i64, &[String]),
    newer_f: &[Finding],
) -> Diff {
    let (oa, oh) = coverage(older.1, older_f);
    let (na, nh) = coverage(newer.1, newer_f);
    let both = |f: &&Finding| covers(&oa, &oh, f) && covers(&na, &nh, f);
    let not_compared = older_f
        .iter()
        .chain(newer_f)
        .filter(|f| f.status != Status::Pass && !both(f))
        .count();
    let older_f: Vec<&Finding> = older_f.iter().filter(both).collect();
    let newer_f: Vec<&Finding> = newer_f.iter().filter(both).collect();
    let problems = |fs: &[&Finding]| -> BTreeMap<String, Status> {
        fs.iter()
            .filter(|f| f.status != Status::Pass)
            .map(|f| (fingerprint(f), f.status))
            .collect()
    };
    let (a, b) = (problems(&older_f), problems(&newer_f));
    let mut new: Vec<Finding> = newer_f
        .iter()
        .filter(|f| f.status != Status::Pass && a.get(&fingerprint(f)) != Some(&f.status))
        .map(|f| (*f).clone())
        .collect();
    let mut resolved: Vec<Finding> = older_f
        .iter()
        .filter(|f| f.status != Status::Pass && !b.contains_key(&fingerprint(f)))
        .map(|f| (*f).clone())
        .collect();
    let still = newer_f
        .iter()
        .filter(|f| f.status != Status::Pass && a.get(&fingerprint(f)) == Some(&f.status))
        .count();
    new.sort_by_key(|f| f.status.rank());
    resolved.sort_by_key(|f| f.status.rank());
    Diff {
        older: older.0,
        newer: newer.0,
        new,
        resolved,
        still,
        not_compared,
    }
}

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
