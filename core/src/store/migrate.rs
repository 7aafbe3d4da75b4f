//! Bringing a store up to this version's schema: the migrations of `schema`, in one transaction,
//! and migration 7's carrying of every finding into the store that keeps what changed.

use rusqlite::Transaction;

use super::findings::{Keeper, Row, Said};
use super::schema::{AFTER_7, MIGRATIONS};
use super::{Store, StoreError};
use caretaker_checks::Evidence;

/// The schema version this caretaker writes.
pub(super) const LATEST: i64 = MIGRATIONS.len() as i64;

impl Store {
    /// Applies the migrations not yet applied, all in one IMMEDIATE transaction: the version is
    /// read under the write lock, so two processes opening a new store at once cannot both
    /// migrate, and a migration that fails leaves the store as it was.
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.sql(e))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        if version > LATEST {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: LATEST,
            });
        }
        if version == LATEST {
            return Ok(());
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(m).map_err(|e| self.sql(e))?;
            if i + 1 == 7 {
                carry_findings(&tx).map_err(|e| self.sql(e))?;
                tx.execute_batch(AFTER_7).map_err(|e| self.sql(e))?;
            }
        }
        tx.pragma_update(None, "user_version", LATEST)
            .map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))?;
        // The old findings' pages are free now: give them back to the file system, once. Not
        // needed for anything to work (SQLite reuses free pages), so a failure (no room for the
        // copy VACUUM makes) leaves the store as migrated.
        if (1..7).contains(&version) {
            let _ = conn.execute_batch("VACUUM");
        }
        Ok(())
    }
}

/// Migration 7: every row of the old findings table (`findings_6`) into subjects, texts and
/// results, in order and with its id, so that each reads back as it did. Evidence this version
/// cannot read is carried as it was written, to be refused on reading as it was before.
fn carry_findings(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut keeper = Keeper::fresh(tx);
    let mut stmt = tx.prepare(
        "SELECT id, run_id, check_id, target_kind, target_name, target_scope, status, severity,
                summary, evidence, remediation, clauses, fingerprint
         FROM findings_6 ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let run_id: i64 = r.get(1)?;
        let [check, kind, name, scope, status, severity, summary, evidence]: [String; 8] = [
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
        ];
        let remediation: Option<String> = r.get(10)?;
        let clauses: String = r.get(11)?;
        let fingerprint: String = r.get(12)?;
        let parsed = serde_json::from_str::<Evidence>(&evidence).ok();
        keeper.put(
            Some(id),
            run_id,
            &Row {
                check: &check,
                kind: &kind,
                name: &name,
                scope: &scope,
                clauses: &clauses,
                fingerprint: &fingerprint,
                status: &status,
                severity: &severity,
                summary: &summary,
                remediation: remediation.as_deref(),
                evidence: match &parsed {
                    Some(ev) => Said::Evidence(ev),
                    None => Said::Unreadable(&evidence),
                },
            },
        )?;
    }
    Ok(())
}
