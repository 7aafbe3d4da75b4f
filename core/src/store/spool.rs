//! What a school's store holds that a trust's database does not yet: its rows as stored, read in
//! one transaction after a cursor (the last of each table the trust has), in order.
//!
//! The trust's database keeps the store's own shape (schema 7: runs; subjects, texts and results;
//! filter actions; the filter-change log and its signatures) with the school beside every row, so
//! what is forwarded is what is kept here, byte for byte, and read back by the same rules
//! ([`spool_finding`]).

use rusqlite::types::Value;
use rusqlite::OptionalExtension;

use super::findings::{to_finding, RawFinding};
use super::{Store, StoreError};
use caretaker_model::finding::Finding;

/// The last row of each table a trust's database has of this school (0: none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolCursor {
    pub run: i64,
    pub subject: i64,
    pub text: i64,
    pub action: i64,
    pub record: i64,
}

/// A run's row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolRun {
    pub id: i64,
    pub trigger: String,
    pub who: String,
    pub config_digest: String,
    pub school: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub state: String,
    pub verdict: Option<String>,
    pub only_checks: String,
    pub host: String,
    pub pid: i64,
    pub pid_start: String,
    /// Findings per status: pass, fail, warn, error, waived.
    pub counts: [i64; 5],
}

impl SpoolRun {
    /// The run, read by the store's own rules.
    pub fn to_record(&self) -> Result<crate::store::RunRecord, StoreError> {
        let corrupt = |why: String| StoreError::Corrupt(format!("run {}: {why}", self.id));
        let mut run = super::RunText {
            trigger: self.trigger.clone(),
            state: self.state.clone(),
            verdict: self.verdict.clone(),
            only: self.only_checks.clone(),
        }
        .to_run()
        .map_err(corrupt)?;
        run.id = self.id;
        run.who = self.who.clone();
        run.config_digest = self.config_digest.clone();
        run.school = self.school.clone();
        run.started_at = super::parse_stamp(&self.started_at).map_err(corrupt)?;
        run.ended_at = self
            .ended_at
            .as_deref()
            .map(super::parse_stamp)
            .transpose()
            .map_err(corrupt)?;
        let n = |i: usize| self.counts[i].max(0) as u64;
        run.counts = crate::store::StatusCounts {
            pass: n(0),
            fail: n(1),
            warn: n(2),
            error: n(3),
            waived: n(4),
        };
        Ok(run)
    }
}

/// A finding's subject as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolSubject {
    pub id: i64,
    pub check_id: String,
    pub target_kind: String,
    pub target_name: String,
    pub target_scope: String,
    pub clauses: String,
    pub fingerprint: String,
}

/// A finding's words as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolText {
    pub id: i64,
    pub hash: Vec<u8>,
    pub severity: String,
    pub summary: String,
    pub evidence: String,
    pub remediation: Option<String>,
}

/// When a finding's evidence was read, as stored: Unix seconds, or the text when seconds would
/// not give it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    None,
    Secs(i64),
    Text(String),
}

/// A run's finding as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolResult {
    pub run_id: i64,
    pub id: i64,
    pub subject: i64,
    pub status: i64,
    pub text: i64,
    pub observed: Observed,
    pub said: Option<String>,
    pub varying: Option<String>,
}

/// An action taken after a filter check, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolAction {
    pub id: i64,
    pub run_id: i64,
    pub vantage: String,
    pub action: String,
    pub who: String,
    pub at: String,
}

/// A record of the filter-change log and its signature, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoolRecord {
    pub record: crate::assess::StoredRecord,
    pub signature: Option<String>,
}

/// What to forward after a cursor, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpoolBatch {
    /// The store's schema version (`PRAGMA user_version`).
    pub schema: i64,
    /// Runs that have ended (complete or interrupted), up to the first still running.
    pub runs: Vec<SpoolRun>,
    pub subjects: Vec<SpoolSubject>,
    pub texts: Vec<SpoolText>,
    /// The findings of `runs`, in (run, id) order.
    pub results: Vec<SpoolResult>,
    /// Actions of runs forwarded by now (this batch's or earlier), up to the first of a run
    /// that is not.
    pub actions: Vec<SpoolAction>,
    pub records: Vec<SpoolRecord>,
    /// Whether rows are left after this batch (more runs than `max_runs`).
    pub more: bool,
}

impl SpoolBatch {
    /// Whether there is nothing to forward.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
            && self.subjects.is_empty()
            && self.texts.is_empty()
            && self.actions.is_empty()
            && self.records.is_empty()
    }
}

/// A forwarded finding, read back by the store's own rule.
pub fn spool_finding(
    run_id: i64,
    subject: &SpoolSubject,
    text: &SpoolText,
    result: &SpoolResult,
) -> Result<Finding, StoreError> {
    let status = super::findings::STATUS_CODES
        .iter()
        .find(|(_, code)| *code == result.status)
        .map(|(s, _)| s.as_str().to_string())
        .unwrap_or_else(|| format!("code {}", result.status));
    let raw = RawFinding {
        check: subject.check_id.clone(),
        kind: subject.target_kind.clone(),
        name: subject.target_name.clone(),
        scope: subject.target_scope.clone(),
        status,
        severity: text.severity.clone(),
        summary: text.summary.clone(),
        evidence: text.evidence.clone(),
        remediation: text.remediation.clone(),
        clauses: subject.clauses.clone(),
        observed: match &result.observed {
            Observed::None => Value::Null,
            Observed::Secs(s) => Value::Integer(*s),
            Observed::Text(t) => Value::Text(t.clone()),
        },
        varying: result.varying.clone(),
        said: result.said.clone(),
    };
    to_finding(raw, run_id)
}

impl Store {
    /// The rows after `after`, in order: at most `max_runs` runs (and their findings), stopping
    /// before the first run still going; every subject, text and record added since; the
    /// actions of forwarded runs. Read in one transaction, so the batch is whole.
    pub fn spool_after(
        &self,
        after: &SpoolCursor,
        max_runs: usize,
    ) -> Result<SpoolBatch, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        let batch = read_batch(&tx, after, max_runs).map_err(|e| self.sql(e))?;
        tx.commit().map_err(|e| self.sql(e))?;
        Ok(batch)
    }
}

fn read_batch(
    tx: &rusqlite::Transaction<'_>,
    after: &SpoolCursor,
    max_runs: usize,
) -> rusqlite::Result<SpoolBatch> {
    let schema: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let first_running: Option<i64> = tx
        .query_row(
            "SELECT MIN(id) FROM runs WHERE id > ?1 AND state = 'running'",
            [after.run],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let limit = i64::try_from(max_runs)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let mut stmt = tx.prepare(
        "SELECT id, trigger, who, config_digest, school, started_at, ended_at, state, verdict,
                only_checks, host, pid, pid_start,
                COALESCE(n_pass, 0), COALESCE(n_fail, 0), COALESCE(n_warn, 0),
                COALESCE(n_error, 0), COALESCE(n_waived, 0)
         FROM runs WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT ?3",
    )?;
    let mut runs = stmt
        .query_map(
            rusqlite::params![after.run, first_running.unwrap_or(i64::MAX), limit],
            |r| {
                Ok(SpoolRun {
                    id: r.get(0)?,
                    trigger: r.get(1)?,
                    who: r.get(2)?,
                    config_digest: r.get(3)?,
                    school: r.get(4)?,
                    started_at: r.get(5)?,
                    ended_at: r.get(6)?,
                    state: r.get(7)?,
                    verdict: r.get(8)?,
                    only_checks: r.get(9)?,
                    host: r.get(10)?,
                    pid: r.get(11)?,
                    pid_start: r.get(12)?,
                    counts: [r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?, r.get(17)?],
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = runs.len() > max_runs;
    runs.truncate(max_runs);
    let last_run = runs.last().map_or(after.run, |r| r.id);

    let mut results = Vec::new();
    if let (Some(first), Some(last)) = (runs.first(), runs.last()) {
        let mut stmt = tx.prepare(
            "SELECT run_id, id, subject, status, text, observed, said, varying
             FROM results WHERE run_id BETWEEN ?1 AND ?2 ORDER BY run_id, id",
        )?;
        results = stmt
            .query_map([first.id, last.id], |r| {
                Ok(SpoolResult {
                    run_id: r.get(0)?,
                    id: r.get(1)?,
                    subject: r.get(2)?,
                    status: r.get(3)?,
                    text: r.get(4)?,
                    observed: match r.get::<_, Value>(5)? {
                        Value::Integer(s) => Observed::Secs(s),
                        Value::Text(t) => Observed::Text(t),
                        _ => Observed::None,
                    },
                    said: r.get(6)?,
                    varying: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    // Every subject and text the results point at was written before them; those written for a
    // run still going are forwarded too (they are only words), so nothing is ever missing.
    let subjects = tx
        .prepare(
            "SELECT id, check_id, target_kind, target_name, target_scope, clauses, fingerprint
             FROM subjects WHERE id > ?1 ORDER BY id",
        )?
        .query_map([after.subject], |r| {
            Ok(SpoolSubject {
                id: r.get(0)?,
                check_id: r.get(1)?,
                target_kind: r.get(2)?,
                target_name: r.get(3)?,
                target_scope: r.get(4)?,
                clauses: r.get(5)?,
                fingerprint: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let texts = tx
        .prepare(
            "SELECT id, hash, severity, summary, evidence, remediation
             FROM texts WHERE id > ?1 ORDER BY id",
        )?
        .query_map([after.text], |r| {
            Ok(SpoolText {
                id: r.get(0)?,
                hash: r.get(1)?,
                severity: r.get(2)?,
                summary: r.get(3)?,
                evidence: r.get(4)?,
                remediation: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut actions = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, run_id, vantage, action, who, at FROM filter_actions
             WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([after.action])?;
        while let Some(r) = rows.next()? {
            let a = SpoolAction {
                id: r.get(0)?,
                run_id: r.get(1)?,
                vantage: r.get(2)?,
                action: r.get(3)?,
                who: r.get(4)?,
                at: r.get(5)?,
            };
            // In order: an action of a run not yet forwarded waits, and so do those after it.
            if a.run_id > last_run {
                break;
            }
            actions.push(a);
        }
    }
    let signatures: std::collections::BTreeMap<i64, String> = tx
        .prepare("SELECT id, signature FROM record_seals WHERE id > ?1")?
        .query_map([after.record], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let records = super::records::records_after(tx, after.record)?
        .into_iter()
        .map(|record| SpoolRecord {
            signature: signatures.get(&record.id).cloned(),
            record,
        })
        .collect();
    Ok(SpoolBatch {
        schema,
        runs,
        subjects,
        texts,
        results,
        actions,
        records,
        more,
    })
}
