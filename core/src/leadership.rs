//! Reading what the leadership report is built from, for a period: the pictures at its end and
//! at the end of the period before, the trends, the filter checks, the filter-change log and its
//! verification. The report itself is built by [`caretaker_model::leadership::build`].

use std::collections::BTreeMap;

use caretaker_model::filterlog::FilterCheck;
use caretaker_model::leadership::{
    self, FailingPoint, FilterPoint, Inputs, LeadershipReport, Period, Trends,
};
use caretaker_model::records::Log;
use caretaker_model::run::{fingerprint, RunRecord};
use caretaker_model::{ClauseMap, Finding, Status};

use caretaker_api::ApiError;

use crate::local::{api, picture_runs};
use crate::store::{RunState, Store, StoreError};

/// The last instant of `day` (UTC).
fn end_of(day: time::Date) -> time::OffsetDateTime {
    day.with_time(time::Time::MIDNIGHT)
        .assume_utc()
        .saturating_add(time::Duration::days(1))
        .saturating_sub(time::Duration::nanoseconds(1))
}

/// Every run, newest first, without counts.
fn all_runs(store: &Store) -> Result<Vec<RunRecord>, StoreError> {
    let mut runs = Vec::new();
    let mut before = None;
    loop {
        let page = store.runs_before(before, 1000)?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        runs.extend(page);
    }
    Ok(runs)
}

/// The picture at instant `at`: the runs started by then, laid over each other as the overview
/// does (newest first, back to the latest complete full run).
fn picture_at(
    store: &Store,
    runs: &[RunRecord],
    at: time::OffsetDateTime,
) -> Result<Vec<(RunRecord, Vec<Finding>)>, ApiError> {
    let by_then: Vec<RunRecord> = runs
        .iter()
        .filter(|r| r.started_at <= at)
        .filter(|r| r.state != RunState::Running)
        .cloned()
        .collect();
    picture_runs(&by_then, |id| store.findings(id).map_err(api))
}

/// The report of `period`, made at `now`.
pub fn report(
    store: &Store,
    school: &str,
    map: &ClauseMap,
    period: Period,
    now: time::OffsetDateTime,
) -> Result<LeadershipReport, ApiError> {
    let runs = all_runs(store).map_err(api)?;
    let end = picture_at(store, &runs, end_of(period.to))?;
    let start = match period.from.previous_day() {
        Some(d) => picture_at(store, &runs, end_of(d))?,
        None => Vec::new(),
    };
    let in_period: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| period.contains(r.started_at))
        .collect();
    // When each failing finding at the end was first seen failing.
    let mut failing_since = BTreeMap::new();
    for (_, findings) in &end {
        for f in findings.iter().filter(|f| f.status == Status::Fail) {
            let key = fingerprint(f);
            if failing_since.contains_key(&key) {
                continue;
            }
            if let Some(s) = store.sightings(&key, Status::Fail).map_err(api)? {
                failing_since.insert(key, s.first_started_at.date());
            }
        }
    }
    let trends = trends(store, &in_period, map).map_err(api)?;
    let since = caretaker_model::finding::format_rfc3339(
        period.from.with_time(time::Time::MIDNIGHT).assume_utc(),
    );
    let filter_checks: Vec<FilterCheck> = crate::filterlog::log(store, Some(&since))
        .map_err(api)?
        .into_iter()
        .filter(|c| period.contains(c.started_at))
        .collect();
    let log = Log::from_records(store.records().map_err(api)?);
    let chain = store.verify_records().map_err(api)?;
    let mut filter_trend: BTreeMap<(i64, String), (time::Date, u64, u64)> = BTreeMap::new();
    for c in &filter_checks {
        let e = filter_trend
            .entry((c.run, c.group.clone()))
            .or_insert((c.started_at.date(), 0, 0));
        e.1 += c.results.iter().filter(|r| r.status == "pass").count() as u64;
        e.2 += c.results.len() as u64;
    }
    let trends = Trends {
        failing: trends,
        filter: filter_trend
            .into_iter()
            .map(|((run, group), (day, passed, tested))| FilterPoint {
                run,
                day,
                group,
                passed,
                tested,
            })
            .collect(),
    };
    let views = report_views();
    Ok(leadership::build(Inputs {
        school,
        map,
        generated_at: now,
        end: &end,
        start: &start,
        failing_since: &failing_since,
        runs_in_period: in_period.len(),
        trends,
        filter_checks,
        log: &log,
        chain,
        period,
        views: &views,
    }))
}

/// Failing findings per clause for each complete run of the period, oldest first.
fn trends(
    store: &Store,
    in_period: &[&RunRecord],
    map: &ClauseMap,
) -> Result<Vec<FailingPoint>, StoreError> {
    let complete: Vec<&&RunRecord> = in_period
        .iter()
        .filter(|r| r.state == RunState::Complete)
        .collect();
    let (Some(first), Some(last)) = (
        complete.iter().map(|r| r.id).min(),
        complete.iter().map(|r| r.id).max(),
    ) else {
        return Ok(Vec::new());
    };
    let counts = store.failing_by_clause(first, last)?;
    let mut points: Vec<FailingPoint> = complete
        .iter()
        .filter_map(|r| {
            let per = counts.get(&r.id)?;
            Some(FailingPoint {
                run: r.id,
                day: r.started_at.date(),
                by_clause: per
                    .iter()
                    .filter(|(c, _)| map.clauses.iter().any(|m| &&m.id == c))
                    .map(|(c, n)| (c.clone(), *n))
                    .collect(),
            })
        })
        .collect();
    points.sort_by_key(|p| p.run);
    Ok(points)
}

/// The standards a report reads the findings against besides the school's policy: both DfE
/// documents, each a section of its own (the school's report and the trust's).
pub fn report_views() -> Vec<caretaker_checks::standards::View> {
    [
        caretaker_checks::standards::DFE_CYBER,
        caretaker_checks::standards::FILTERING,
    ]
    .into_iter()
    .filter_map(caretaker_checks::standards::view)
    .collect()
}
