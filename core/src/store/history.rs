//! What earlier runs saw of one target: the rows the filter-change comparison reads.

use rusqlite::params;

use super::{stamp, Store, StoreError};
use caretaker_checks::Status;

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
