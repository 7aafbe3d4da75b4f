//! The picture of a school made of several runs, and what changed between two runs: the rules the
//! console, the command line and the reports share. A partial run (some checks, one machine)
//! replaces only what it checked again; runs are compared like with like.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::finding::{Finding, Status, TargetKind};
use crate::run::{fingerprint, RunRecord, RunState};

/// True if `run` (complete, with these `only` selectors) re-checked `f`'s check. Host checks give
/// one finding per machine and check, and a run from the console may check one machine only: a
/// machine's findings are replaced only by a run that reported on that machine.
pub fn covers(only: &[String], hosts: &BTreeSet<String>, f: &Finding) -> bool {
    let selected = only.is_empty() || only.iter().any(|s| f.check.matches(s));
    selected && (f.check.family() != "host" || hosts.contains(&f.target.name))
}

/// The current findings from runs given newest first: every finding of the newest runs, and an
/// older finding only if no newer complete run re-checked it (nor reported the same check and
/// target). Runs still running are left out; the walk stops at the first complete full run.
/// Returns the runs used, the findings, and for each finding its run.
pub fn current(runs: Vec<(RunRecord, Vec<Finding>)>) -> (Vec<RunRecord>, Vec<Finding>, Vec<i64>) {
    let (used, findings, from_run) = current_of(&runs);
    (
        used.into_iter().cloned().collect(),
        findings.into_iter().cloned().collect(),
        from_run,
    )
}

/// [`current`], lending what it takes from `runs` rather than copying it.
pub fn current_of(
    runs: &[(RunRecord, Vec<Finding>)],
) -> (Vec<&RunRecord>, Vec<&Finding>, Vec<i64>) {
    let mut used = Vec::new();
    let mut findings = Vec::new();
    let mut from_run = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // (only, machines reported on) of each newer complete run.
    let mut newer: Vec<(Vec<String>, BTreeSet<String>)> = Vec::new();
    for (run, fs) in runs {
        if run.state == RunState::Running {
            continue;
        }
        let mut took = false;
        let hosts: BTreeSet<String> = fs
            .iter()
            .filter(|f| f.target.kind == TargetKind::Host)
            .map(|f| f.target.name.clone())
            .collect();
        for f in fs {
            if newer.iter().any(|(only, hosts)| covers(only, hosts, f)) {
                continue;
            }
            if !seen.insert(fingerprint(f)) {
                continue;
            }
            took = true;
            from_run.push(run.id);
            findings.push(f);
        }
        let full = run.only.is_empty() && run.state == RunState::Complete;
        if took || full {
            used.push(run);
        }
        if run.state == RunState::Complete {
            newer.push((run.only.clone(), hosts));
        }
        if full {
            break;
        }
    }
    (used, findings, from_run)
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
