//! The filter-change log's table: appending a record in its own transaction, reading the log
//! back and checking its chain.

use super::*;

impl Store {
    /// Appends a record to the filter-change log (see [`crate::assess`]) in one IMMEDIATE
    /// transaction: the last record's hash is read under the write lock, so two processes
    /// appending at once still make one chain. `body` is stored as canonical JSON; `entered_by`
    /// is the operating-system user who entered it (never typed). A correction (`supersedes`)
    /// must name an existing record of the same kind that nothing has corrected yet; otherwise
    /// [`StoreError::Refused`] says why.
    pub fn append_record(
        &self,
        kind: crate::assess::RecordKind,
        body: &serde_json::Value,
        supersedes: Option<i64>,
        entered_by: &str,
    ) -> Result<crate::assess::StoredRecord, StoreError> {
        self.writable()?;
        use crate::assess::{canonical_json, entry_hash, RecordKind, StoredRecord, GENESIS};
        let body = canonical_json(body);
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.sql(e))?;
        if let Some(old) = supersedes {
            let old_kind: Option<String> = tx
                .query_row(
                    "SELECT kind FROM records WHERE id = ?1",
                    params![old],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.sql(e))?;
            match old_kind {
                None => {
                    return Err(StoreError::Refused(format!(
                        "supersedes: there is no record #{old} to correct"
                    )))
                }
                Some(k) if k != kind.as_str() => {
                    let noun = RecordKind::parse(&k)
                        .map(RecordKind::noun)
                        .unwrap_or("record");
                    return Err(StoreError::Refused(format!(
                        "supersedes: #{old} is a {noun}; a {} can only correct a {}",
                        kind.noun(),
                        kind.noun()
                    )));
                }
                Some(_) => {}
            }
            let by: Option<i64> = tx
                .query_row(
                    "SELECT MIN(id) FROM records WHERE supersedes = ?1",
                    params![old],
                    |r| r.get(0),
                )
                .map_err(|e| self.sql(e))?;
            if let Some(by) = by {
                return Err(StoreError::Refused(format!(
                    "supersedes: #{old} has already been corrected by #{by}; correct the current version instead"
                )));
            }
        }
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, hash FROM records ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let sequence: Option<i64> = tx
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'records'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let id = sequence
            .unwrap_or(0)
            .max(last.as_ref().map(|l| l.0).unwrap_or(0))
            + 1;
        let prev_hash = last.map(|l| l.1).unwrap_or_else(|| GENESIS.to_string());
        let entered_at = self.clock.now_rfc3339();
        let hash = entry_hash(
            &prev_hash,
            id,
            kind.as_str(),
            &body,
            entered_by,
            &entered_at,
            supersedes,
        );
        tx.execute(
            "INSERT INTO records (id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, kind.as_str(), body, entered_by, entered_at, supersedes, prev_hash, hash],
        )
        .map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))?;
        Ok(StoredRecord {
            id,
            kind: kind.into(),
            body,
            entered_by: entered_by.to_string(),
            entered_at,
            supersedes,
            prev_hash,
            hash,
        })
    }

    /// The whole filter-change log, with the links between records worked out.
    pub fn log(&self) -> Result<crate::assess::Log, StoreError> {
        Ok(crate::assess::Log::from_records(self.records()?))
    }

    /// Every record of the filter-change log, oldest first, as stored.
    pub fn records(&self) -> Result<Vec<crate::assess::StoredRecord>, StoreError> {
        let conn = self.lock();
        read_records(&conn).map_err(|e| self.sql(e))
    }

    /// One record of the filter-change log.
    pub fn record(&self, id: i64) -> Result<Option<crate::assess::StoredRecord>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            "SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
             FROM records WHERE id = ?1",
            params![id],
            row_to_record,
        )
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Walks the whole filter-change log (read in one transaction) and reports every record
    /// whose hash or link does not match, every id missing, and append-only triggers removed.
    pub fn verify_records(&self) -> Result<crate::assess::ChainReport, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        let rows = read_records(&tx).map_err(|e| self.sql(e))?;
        let sequence: Option<i64> = tx
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'records'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let mut stmt = tx
            .prepare(
                "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'",
            )
            .map_err(|e| self.sql(e))?;
        let triggers: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        drop(stmt);
        tx.finish().map_err(|e| self.sql(e))?;
        drop(conn);
        let mut report =
            crate::assess::check_chain(&rows, sequence, &triggers, crate::assess::TRIGGERS);
        // A damaged file may still give back rows that chain: say what SQLite's own check says.
        if let Err(detail) = self.quick_check() {
            report.problems.push(crate::assess::ChainProblem {
                id: None,
                kind: None,
                why: format!("the store file is damaged ({detail}): restore it from a backup"),
            });
        }
        Ok(report)
    }
}

fn read_records(conn: &Connection) -> rusqlite::Result<Vec<crate::assess::StoredRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
         FROM records ORDER BY id",
    )?;
    let rows = stmt.query_map([], row_to_record)?;
    rows.collect()
}

/// A record row, read leniently: a row edited outside caretaker (a number where text belongs,
/// text where a number belongs) is still read, and its hash then tells.
fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<crate::assess::StoredRecord> {
    use rusqlite::types::ValueRef;
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(match r.get_ref(i)? {
            ValueRef::Null => String::new(),
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(x) => x.to_string(),
            ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        })
    };
    let supersedes = match r.get_ref(5)? {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok()),
        _ => None,
    };
    Ok(crate::assess::StoredRecord {
        id: r.get(0)?,
        kind: crate::assess::StoredKind::from_column(text(1)?),
        body: text(2)?,
        entered_by: text(3)?,
        entered_at: text(4)?,
        supersedes,
        prev_hash: text(6)?,
        hash: text(7)?,
    })
}
