//! What earlier runs saw of one target: the rows the filter-change comparison reads, and a
//! filter cell's history (a page from a vantage point) as the console shows it.

use rusqlite::{params, OptionalExtension};

use super::{read_finding, stamp, to_finding, RawFinding, Store, StoreError, Trigger};
use super::{Finding, Sightings, FINDING_COLUMNS, FINDING_COLUMN_COUNT};
use caretaker_checks::Status;
use caretaker_model::filterlog::{Action, CellResult};

/// One earlier finding, as the comparison of runs needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastResult {
    pub run: i64,
    /// When its run started.
    pub started_at: time::OffsetDateTime,
    pub check: String,
    pub status: Status,
    /// It only carried forward a failure seen earlier (the engine's `carry_forward`).
    pub carried: bool,
}

impl Store {
    /// The findings with any of `fingerprints` in runs before `before_run`, newest run first, at
    /// most `limit` for each fingerprint. Served by the index on (fingerprint, run).
    pub fn past_results(
        &self,
        fingerprints: &[String],
        before_run: i64,
        limit: usize,
    ) -> Result<Vec<PastResult>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT f.run_id, r.started_at, f.check_id, f.status,
                        instr(f.evidence, '[\"last_seen_failing_run\"') > 0
                 FROM findings f JOIN runs r ON r.id = f.run_id
                 WHERE f.fingerprint = ?1 AND f.run_id < ?2
                 ORDER BY f.run_id DESC LIMIT ?3",
            )
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for fp in fingerprints {
            let rows = stmt
                .query_map(
                    params![fp, before_run, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        let status: String = r.get(3)?;
                        Ok(PastResult {
                            run: r.get(0)?,
                            started_at: stamp(r, 1)?,
                            check: r.get(2)?,
                            status: Status::parse(&status).unwrap_or(Status::Error),
                            carried: r.get(4)?,
                        })
                    },
                )
                .map_err(|e| self.sql(e))?;
            for row in rows {
                out.push(row.map_err(|e| self.sql(e))?);
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.run));
        Ok(out)
    }
}

/// A filter cell's result as read: run, its start, trigger and who, status, sentence, and the
/// sentence's numbers when they moved.
type CellRow = (i64, String, String, String, String, String, Option<String>);

impl Store {
    /// The results of page `url` tested from `vantage` in the latest `runs` runs (of any kind),
    /// newest first, one a run (the first recorded, as the filter log lists it), each with the
    /// latest action recorded after that run's check from there. Reads only those findings'
    /// shown columns, found by the index of filter findings by target; no evidence.
    pub fn filter_cell_history(
        &self,
        url: &str,
        vantage: &str,
        runs: usize,
    ) -> Result<Vec<CellResult>, StoreError> {
        let rows: Vec<CellRow> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT f.run_id, r.started_at, r.trigger, r.who, f.status, f.summary, f.said
                     FROM findings f JOIN runs r ON r.id = f.run_id
                     WHERE f.target_scope = ?1 AND f.target_name = ?2
                       AND f.check_id >= 'filter.' AND f.check_id < 'filter/' AND f.check_id != ?3
                       AND f.run_id >= (SELECT MIN(id) FROM
                                          (SELECT id FROM runs ORDER BY id DESC LIMIT ?4))
                     ORDER BY f.run_id DESC, f.id",
                )
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map(
                    params![
                        vantage,
                        url,
                        caretaker_checks::filter::classify::CONTROL,
                        i64::try_from(runs.max(1)).unwrap_or(i64::MAX)
                    ],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                        ))
                    },
                )
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?
        };
        let Some(first_run) = rows.last().map(|r| r.0) else {
            return Ok(Vec::new());
        };
        let actions = self.filter_actions_from(vantage, first_run)?;
        let mut out: Vec<CellResult> = Vec::with_capacity(rows.len());
        for (run, started_at, trigger, who, status, summary, said) in rows {
            if out.last().is_some_and(|c| c.run == run) {
                continue;
            }
            let started_at = time::OffsetDateTime::parse(
                &started_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|e| {
                StoreError::Corrupt(format!(
                    "run {run} started at {started_at:?}, not an RFC 3339 time: {e}"
                ))
            })?;
            let trigger = Trigger::parse(&trigger).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "run {run} trigger {trigger:?} is not one this version knows"
                ))
            })?;
            let summary = match said {
                None => summary,
                Some(numbers) => {
                    super::findings::with_numbers(&summary, &numbers).ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "the numbers {numbers:?} do not fit the sentence of run {run}"
                        ))
                    })?
                }
            };
            out.push(CellResult {
                run,
                started_at,
                trigger,
                who,
                status: Status::parse(&status).unwrap_or(Status::Error),
                summary,
                action: actions.iter().rev().find(|(r, ..)| *r == run).map(
                    |(_, action, who, at)| Action {
                        action: action.clone(),
                        who: who.clone(),
                        at: at.clone(),
                    },
                ),
            });
        }
        Ok(out)
    }

    /// The actions recorded after the filter checks from `vantage` of run `first_run` and later,
    /// oldest first, as (run, action, who, at): those of a store made before the log kept them,
    /// then those in the log. The latest for a run is the one that counts.
    fn filter_actions_from(
        &self,
        vantage: &str,
        first_run: i64,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        let mut out: Vec<(i64, String, String, String)> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT run_id, action, who, at FROM filter_actions
                     WHERE vantage = ?1 AND run_id >= ?2 ORDER BY id",
                )
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map(params![vantage, first_run], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?
        };
        for r in self.records_of_kind(caretaker_model::records::RecordKind::FilterAction)? {
            if let Some(a) = r.filter_action() {
                if a.vantage == vantage && a.run >= first_run {
                    out.push((a.run, a.action, r.entered_by, r.entered_at));
                }
            }
        }
        Ok(out)
    }
}

impl Store {
    /// When findings with this fingerprint and status were seen, across every stored run (for the
    /// console's "first seen / last seen", the report's "failing since"). Read-only; served by the
    /// index on the fingerprint, then the subject's results alone (their words left unread).
    pub fn sightings(
        &self,
        fingerprint: &str,
        status: Status,
    ) -> Result<Option<Sightings>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT s.first, (SELECT started_at FROM runs WHERE id = s.first),
                    s.last, (SELECT started_at FROM runs WHERE id = s.last), s.n
             FROM (SELECT MIN(r.run_id) AS first, MAX(r.run_id) AS last,
                          COUNT(DISTINCT r.run_id) AS n
                   FROM subjects t JOIN results r ON r.subject = t.id
                   WHERE t.fingerprint = ?1 AND r.status = ?2) s
             WHERE s.n > 0",
            params![fingerprint, super::findings::code_of(status)],
            |r| {
                Ok(Sightings {
                    first_run: r.get(0)?,
                    first_started_at: stamp(r, 1)?,
                    last_run: r.get(2)?,
                    last_started_at: stamp(r, 3)?,
                    runs: r.get::<_, i64>(4)?.max(0) as u64,
                })
            },
        )
        .optional()
        .map_err(|e| self.sql(e))
    }
}

impl Store {
    /// The most recent stored finding with this fingerprint (the worst, if the run has several),
    /// with its run (for recording what a waiver is about). Only that fingerprint's findings in
    /// that run are read, found by the index on (fingerprint, run).
    pub fn latest_finding(&self, fingerprint: &str) -> Result<Option<(i64, Finding)>, StoreError> {
        let rows: Vec<(i64, RawFinding)> = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {FINDING_COLUMNS}, run_id FROM findings
                     WHERE fingerprint = ?1
                       AND run_id = (SELECT MAX(run_id) FROM findings WHERE fingerprint = ?1)
                     ORDER BY id"
                ))
                .map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map(params![fingerprint], |r| {
                    Ok((r.get(FINDING_COLUMN_COUNT)?, read_finding(r)?))
                })
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?
        };
        let mut worst: Option<(i64, Finding)> = None;
        for (run, raw) in rows {
            let f = to_finding(raw, run)?;
            if worst
                .as_ref()
                .is_none_or(|(_, w)| f.status.rank() < w.status.rank())
            {
                worst = Some((run, f));
            }
        }
        Ok(worst)
    }
}
