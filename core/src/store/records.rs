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
        if let Some(seal) = &self.seal {
            self.sign_in(&tx, seal, id, &hash)?;
        }
        tx.commit().map_err(|e| self.sql(e))?;
        if let Some(seal) = &self.seal {
            let head = caretaker_ledger::Head {
                count: id,
                hash: hash.clone(),
            };
            // The record is kept whatever happens here: a head not recorded only means the next
            // check leans on the signatures and the heads published before.
            if let Err(e) = seal.record_head(&self.path, &head, &entered_at) {
                tracing::warn!("record #{id} was kept, but {e}");
            }
        }
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

    /// Signs record `id` (hash `hash`) in the transaction `tx` that adds it. With no key yet, one
    /// is made — unless records were signed before (the key is lost: a new one would not match
    /// them). The first signing signs the records written before the log was signed, once their
    /// chain is found intact.
    fn sign_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        seal: &Seal,
        id: i64,
        hash: &str,
    ) -> Result<(), StoreError> {
        let signed: i64 = tx
            .query_row("SELECT COUNT(*) FROM record_seals", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        let key = match seal.key()? {
            Some(key) => key,
            None => {
                let recorded = seal.recorded_head(&self.path)?;
                if signed > 0 || recorded.is_some_and(|r| r.head.count > 0) {
                    return Err(StoreError::Seal(format!(
                        "{} is missing, but this log was signed with it: restore it from a backup (a new key would not match the records signed before)",
                        seal.key_path().display()
                    )));
                }
                seal.create_key_or_read()?
            }
        };
        let mut rows: Vec<(i64, String)> = Vec::new();
        if signed == 0 {
            let earlier = read_records(tx).map_err(|e| self.sql(e))?;
            let mut prev = None;
            for row in earlier.iter().filter(|r| r.id < id) {
                if !caretaker_ledger::check_links(prev, row).is_empty() {
                    return Err(StoreError::Refused(format!(
                        "the filter-change log is not intact at #{} (see `caretaker assess verify`): it cannot be signed, and nothing was added",
                        row.id
                    )));
                }
                prev = Some(row);
                rows.push((row.id, row.hash.clone()));
            }
        }
        rows.push((id, hash.to_string()));
        for (id, hash) in rows {
            tx.execute(
                "INSERT INTO record_seals (id, signature) VALUES (?1, ?2)",
                params![id, key.sign(&hash)],
            )
            .map_err(|e| self.sql(e))?;
        }
        Ok(())
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

    /// The records of one kind, oldest first (no others read).
    pub fn records_of_kind(
        &self,
        kind: caretaker_model::records::RecordKind,
    ) -> Result<Vec<crate::assess::StoredRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
                 FROM records WHERE kind = ?1 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![kind.as_str()], row_to_record)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
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
        self.verify_records_against(None)
    }

    /// [`Store::verify_records`], and more when the log is sealed: every record's signature by
    /// the log key, the head recorded beside the key, and `published` (a head printed earlier
    /// in a report, a mail or a verify) — what catches a log cut short or put back to an older
    /// copy, whose signatures are all genuine.
    pub fn verify_records_against(
        &self,
        published: Option<(&caretaker_ledger::Head, &str)>,
    ) -> Result<crate::assess::ChainReport, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        let rows = read_records(&tx).map_err(|e| self.sql(e))?;
        let signatures = read_signatures(&tx).map_err(|e| self.sql(e))?;
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
        self.check_seal(&rows, &signatures, published, &mut report)?;
        // A damaged file may still give back rows that chain: say what SQLite's own check says
        // of the log's tables (the whole file is checked before anything is written to it).
        if let Err(detail) = self.quick_check_of_the_log() {
            report.problems.push(crate::assess::ChainProblem {
                id: None,
                kind: None,
                why: format!("the store file is damaged ({detail}): restore it from a backup"),
            });
        }
        Ok(report)
    }
}

impl Store {
    /// The signatures and heads part of [`Store::verify_records_against`].
    fn check_seal(
        &self,
        rows: &[crate::assess::StoredRecord],
        signatures: &BTreeMap<i64, String>,
        published: Option<(&caretaker_ledger::Head, &str)>,
        report: &mut crate::assess::ChainReport,
    ) -> Result<(), StoreError> {
        use crate::assess::{check_head, check_signatures, ChainProblem};
        let whole = |why: String| ChainProblem {
            id: None,
            kind: None,
            why,
        };
        match self.seal.as_deref() {
            None => report.unproven.push(
                "no log key is configured: the records are chained, not signed, so whoever can write the store could rewrite the chain".to_string(),
            ),
            Some(seal) => {
                match seal.public()? {
                    Some(key) => {
                        report
                            .problems
                            .extend(check_signatures(rows, signatures, &key));
                        report.signed_with = Some(key.to_hex());
                    }
                    None if signatures.is_empty() => report.unproven.push(format!(
                        "the records are not signed yet (the log key {} is made when the next record is entered): until then the chain alone vouches for them",
                        seal.key_path().display()
                    )),
                    None => report.problems.push(whole(format!(
                        "the log key {} is missing, so the records' signatures cannot be checked: restore it from a backup",
                        seal.key_path().display()
                    ))),
                }
                match seal.recorded_head(&self.path)? {
                    Some(recorded) => {
                        let source = format!(
                            "the head recorded beside the log key on {}",
                            recorded.at
                        );
                        report.problems.extend(check_head(rows, &recorded.head, &source));
                        report
                            .compared_with
                            .push(format!("{} ({source})", recorded.head));
                    }
                    None if rows.is_empty() => {}
                    None => report.unproven.push(format!(
                        "no head of this log is recorded in {}: a copy put back from before it was made cannot be told from the real one",
                        seal.heads_path().display()
                    )),
                }
            }
        }
        match published {
            Some((head, source)) => {
                report.problems.extend(check_head(rows, head, source));
                report.compared_with.push(format!("{head} ({source})"));
            }
            None => report.unproven.push(
                "without a head published earlier (`--head COUNT:HASH`, or `--report FILE`), records removed from the end together with the head recorded beside the key cannot be told from records never written".to_string(),
            ),
        }
        Ok(())
    }
}

fn read_signatures(conn: &Connection) -> rusqlite::Result<BTreeMap<i64, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, signature FROM record_seals")?;
    let rows = stmt.query_map([], |r| {
        use rusqlite::types::ValueRef;
        let sig = match r.get_ref(1)? {
            ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            _ => String::new(),
        };
        Ok((r.get::<_, i64>(0)?, sig))
    })?;
    rows.collect()
}

fn read_records(conn: &Connection) -> rusqlite::Result<Vec<crate::assess::StoredRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
         FROM records ORDER BY id",
    )?;
    let rows = stmt.query_map([], row_to_record)?;
    rows.collect()
}

/// The records after `after`, in order.
pub(super) fn records_after(
    conn: &Connection,
    after: i64,
) -> rusqlite::Result<Vec<crate::assess::StoredRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
         FROM records WHERE id > ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([after], row_to_record)?;
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
