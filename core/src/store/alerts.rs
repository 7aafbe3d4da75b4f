//! The alerts told: which are open, and what a run's notices change, in one transaction with the
//! last run they were worked out for.

use caretaker_model::alert::{Notice, OpenAlert};

use super::*;

impl Store {
    /// The alerts told and not resolved.
    pub fn open_alerts(&self) -> Result<Vec<OpenAlert>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT fingerprint, summary, opened_at, last_sent_at FROM alerts
                 WHERE resolved_at IS NULL ORDER BY opened_at",
            )
            .map_err(|e| self.sql(e))?;
        let open = stmt
            .query_map([], |r| {
                Ok(OpenAlert {
                    key: r.get(0)?,
                    summary: r.get(1)?,
                    opened_at: stamp(r, 2)?,
                    last_sent_at: stamp(r, 3)?,
                })
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e));
        open
    }

    /// The last run alerts were worked out for.
    pub fn alert_watermark(&self) -> Result<Option<i64>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT last_run FROM alert_watermark WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Records `notices` as told now, and `run` as the last run worked out, in one transaction.
    pub fn record_notices(&self, run: i64, notices: &[Notice]) -> Result<(), StoreError> {
        self.writable()?;
        let now = self.clock.now_rfc3339();
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        for n in notices {
            match n {
                Notice::New { problem } => tx.execute(
                    "INSERT INTO alerts (fingerprint, summary, opened_at, last_sent_at, resolved_at)
                     VALUES (?1, ?2, ?3, ?3, NULL)
                     ON CONFLICT(fingerprint) DO UPDATE SET summary = ?2, opened_at = ?3,
                        last_sent_at = ?3, resolved_at = NULL",
                    params![problem.key, problem.summary, now],
                ),
                Notice::Reminder { problem, .. } => tx.execute(
                    "UPDATE alerts SET last_sent_at = ?2, summary = ?3 WHERE fingerprint = ?1",
                    params![problem.key, now, problem.summary],
                ),
                Notice::Resolved { key, .. } => tx.execute(
                    "UPDATE alerts SET resolved_at = ?2 WHERE fingerprint = ?1",
                    params![key, now],
                ),
            }
            .map_err(|e| self.sql(e))?;
        }
        tx.execute(
            "INSERT INTO alert_watermark (id, last_run) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET last_run = MAX(last_run, ?1)",
            params![run],
        )
        .map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))
    }
}
