//! Runs: closing one with its findings counted, and reading them back with those counts.
//!
//! A run's findings are counted by status once, when it ends (finished, or marked interrupted),
//! and kept on its row: a list of runs is then one read of the runs table. Only a run still
//! running is counted from its findings as it is read.

use rusqlite::{params, Connection, OptionalExtension};

use super::{row_to_run, RunRecord, RunState, StatusCounts, Store, StoreError, Verdict};

/// The assignment that counts run `?1`'s findings by status onto its row (part of an `UPDATE
/// runs SET ... WHERE id = ?1`), by the codes the statuses are kept as
/// ([`super::findings::STATUS_CODES`]: pass, fail, warn, error, waived).
pub(super) const SET_COUNTS: &str = "(n_pass, n_fail, n_warn, n_error, n_waived) = (
        SELECT COALESCE(SUM(status = 0), 0), COALESCE(SUM(status = 1), 0),
               COALESCE(SUM(status = 2), 0), COALESCE(SUM(status = 3), 0),
               COALESCE(SUM(status = 4), 0)
        FROM results WHERE run_id = ?1)";

/// A run's columns as [`row_to_run`] reads them, then its stored counts (10 to 14).
const COLUMNS: &str = "id, trigger, who, config_digest, school, started_at, ended_at, state, \
     verdict, only_checks, n_pass, n_fail, n_warn, n_error, n_waived";

/// A run read with [`COLUMNS`], and its stored counts (`None` while it runs).
fn row_to_counted(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RunRecord, Option<StatusCounts>)> {
    let run = row_to_run(r)?;
    let n = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(|n| n.max(0) as u64))
    };
    let counts = match (n(10)?, n(11)?, n(12)?, n(13)?, n(14)?) {
        (Some(pass), Some(fail), Some(warn), Some(error), Some(waived)) => Some(StatusCounts {
            pass,
            fail,
            warn,
            error,
            waived,
        }),
        _ => None,
    };
    Ok((run, counts))
}

/// Run `id`'s findings counted from the findings themselves (a run still running).
fn count_now(conn: &Connection, id: i64) -> rusqlite::Result<StatusCounts> {
    let mut stmt = conn
        .prepare_cached("SELECT status, COUNT(*) FROM results WHERE run_id = ?1 GROUP BY status")?;
    let rows = stmt.query_map(params![id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut counts = StatusCounts::default();
    for row in rows {
        let (s, n) = row?;
        if let Some(s) = super::findings::status_of(s) {
            counts.add(s, n.max(0) as u64);
        }
    }
    Ok(counts)
}

impl Store {
    /// Closes a run with its state and verdict, its findings counted.
    pub fn finish_run(
        &self,
        run_id: i64,
        state: RunState,
        verdict: Option<Verdict>,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let conn = self.lock();
        let n = conn
            .execute(
                &format!(
                    "UPDATE runs SET state = ?2, verdict = ?3, ended_at = ?4, {SET_COUNTS}
                     WHERE id = ?1"
                ),
                params![
                    run_id,
                    state.as_str(),
                    verdict.map(Verdict::as_str),
                    self.clock.now_rfc3339()
                ],
            )
            .map_err(|e| self.sql(e))?;
        if n == 0 {
            return Err(StoreError::NoSuchRun(run_id));
        }
        Ok(())
    }

    /// The most recent runs, newest first, with their counts: one read of the runs table (a run
    /// still running is counted from its findings).
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(RunRecord, Option<StatusCounts>)> = stmt
            .query_map(
                params![i64::try_from(limit).unwrap_or(i64::MAX)],
                row_to_counted,
            )
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        let mut runs = Vec::with_capacity(rows.len());
        for (mut run, counts) in rows {
            run.counts = match counts {
                Some(c) => c,
                None => count_now(&conn, run.id).map_err(|e| self.sql(e))?,
            };
            runs.push(run);
        }
        Ok(runs)
    }

    /// One run by id, or the latest when `id` is `None`, with its counts.
    pub fn run(&self, id: Option<i64>) -> Result<Option<RunRecord>, StoreError> {
        let conn = self.lock();
        let found = match id {
            Some(id) => conn.query_row(
                &format!("SELECT {COLUMNS} FROM runs WHERE id = ?1"),
                params![id],
                row_to_counted,
            ),
            None => conn.query_row(
                &format!("SELECT {COLUMNS} FROM runs ORDER BY id DESC LIMIT 1"),
                [],
                row_to_counted,
            ),
        }
        .optional()
        .map_err(|e| self.sql(e))?;
        let Some((mut run, counts)) = found else {
            return Ok(None);
        };
        run.counts = match counts {
            Some(c) => c,
            None => count_now(&conn, run.id).map_err(|e| self.sql(e))?,
        };
        Ok(Some(run))
    }

    /// Runs with filter tests (findings of `filter.*`), oldest first, started on or after `since`
    /// (an RFC 3339 prefix such as `2026-09-01`). The filter subjects' results, by the index on (subject, run).
    pub fn filter_runs(&self, since: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, trigger, who, config_digest, school, started_at, ended_at, state, verdict, only_checks
                 FROM runs r
                 WHERE started_at >= ?1
                   AND id IN (SELECT x.run_id FROM results x
                              WHERE x.subject IN (SELECT id FROM subjects
                                                  WHERE check_id >= 'filter.' AND check_id < 'filter/'))
                 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![since.unwrap_or("")], row_to_run)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }
}
