//! Findings as the store keeps them (schema 7): what a finding is about (`subjects`) once, its
//! words (`texts`) once, found by their hash, and each run's `results` pointing at both with only
//! what is that run's own: the status, when the evidence was read, and what differs from the text
//! pointed at. That is the values that change on every run (see [`Evidence::VARY_EVERY_RUN`]),
//! and what moved since the text was first kept (a virus database's date, "not updated for 12
//! days" becoming 13): a finding whose sentence is the same but for its numbers, and whose
//! evidence differs in a few values, points at its subject's last text of that sentence with
//! those values (and the sentence, if its numbers moved) instead of a new text. Read
//! back through the view `findings`, a finding is the one that was written, value for value.

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Transaction};
use sha2::{Digest as _, Sha256};

use super::{fingerprint, Store, StoreError};
use caretaker_checks::{CheckId, Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_model::finding::format_rfc3339;

/// A finding's evidence as given to the store.
pub(super) enum Said<'a> {
    Evidence(&'a Evidence),
    /// Evidence JSON this version cannot read (carried from an older store as it was written,
    /// to be refused on reading as it was before).
    Unreadable(&'a str),
}

/// A finding's columns as written: the subject's, the status, and the words'.
pub(super) struct Row<'a> {
    pub check: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub scope: &'a str,
    pub clauses: &'a str,
    pub fingerprint: &'a str,
    pub status: &'a str,
    pub severity: &'a str,
    pub summary: &'a str,
    pub remediation: Option<&'a str>,
    pub evidence: Said<'a>,
}

/// Evidence as the store keeps it: what stays the same from run to run (no `observed_at`; the
/// values that change on every run emptied), when it was read, and those values by position.
fn split(ev: &Evidence) -> (Evidence, Value, Vec<(usize, String)>) {
    let mut stable = Evidence {
        source: ev.source.clone(),
        observed_at: String::new(),
        values: ev.values.clone(),
    };
    let mut varying: Vec<(usize, String)> = Vec::new();
    for (i, (key, value)) in stable.values.iter_mut().enumerate() {
        if Evidence::varies_every_run(key) && !value.is_empty() {
            varying.push((i, std::mem::take(value)));
        }
    }
    (stable, observed(&ev.observed_at), varying)
}

/// `observed_at` as kept: nothing when empty, Unix seconds when writing them back as RFC 3339
/// gives the same text, else the text itself.
fn observed(at: &str) -> Value {
    if at.is_empty() {
        return Value::Null;
    }
    match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) if format_rfc3339(t) == at => Value::Integer(t.unix_timestamp()),
        _ => Value::Text(at.to_string()),
    }
}

/// The evidence of a kept text, with the run's own time and values put back; what cannot be is
/// said.
fn join(text: &str, observed: Value, varying: Option<&str>) -> Result<Evidence, String> {
    let mut ev: Evidence = serde_json::from_str(text).map_err(|e| e.to_string())?;
    ev.observed_at = match observed {
        Value::Null => String::new(),
        Value::Integer(secs) => time::OffsetDateTime::from_unix_timestamp(secs)
            .map(format_rfc3339)
            .map_err(|e| format!("observed at {secs}: {e}"))?,
        Value::Text(t) => t,
        other => return Err(format!("observed at {other:?}")),
    };
    if let Some(varying) = varying {
        let values: Vec<(usize, String)> =
            serde_json::from_str(varying).map_err(|e| format!("the run's values: {e}"))?;
        for (i, value) in values {
            match ev.values.get_mut(i) {
                Some((_, slot)) => *slot = value,
                None => return Err(format!("the run's value {i} has no place in the evidence")),
            }
        }
    }
    Ok(ev)
}

/// The hash that finds a text: severity, summary, evidence and remediation, each with its length.
fn text_hash(severity: &str, summary: &str, evidence: &str, remediation: Option<&str>) -> Vec<u8> {
    let mut h = Sha256::new();
    for part in [Some(severity), Some(summary), Some(evidence), remediation] {
        match part {
            Some(p) => {
                h.update([1u8]);
                h.update((p.len() as u64).to_be_bytes());
                h.update(p.as_bytes());
            }
            None => h.update([0u8]),
        }
    }
    h.finalize().to_vec()
}

/// The code a status is kept as in `results` (0 and 1, the commonest, take no room at all in
/// SQLite's record format); the view `findings` turns them back into words.
pub(super) const STATUS_CODES: [(Status, i64); 5] = [
    (Status::Pass, 0),
    (Status::Fail, 1),
    (Status::Warn, 2),
    (Status::Error, 3),
    (Status::Waived, 4),
];

/// The code of the status written `word` (see [`STATUS_CODES`]).
fn status_code(word: &str) -> rusqlite::Result<i64> {
    STATUS_CODES
        .iter()
        .find(|(s, _)| s.as_str() == word)
        .map(|(_, c)| *c)
        .ok_or_else(|| rusqlite::Error::ToSqlConversionFailure(format!("status {word:?}").into()))
}

/// The code `status` is kept as (see [`STATUS_CODES`]).
pub(super) fn code_of(status: Status) -> i64 {
    STATUS_CODES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(-1, |(_, c)| *c)
}

/// The status kept as `code` (see [`STATUS_CODES`]).
pub(super) fn status_of(code: i64) -> Option<Status> {
    STATUS_CODES
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(s, _)| *s)
}

/// `sentence` in runs, in order: `(true, digits)` for a run of ASCII digits (what a sentence's
/// number is, here), `(false, text)` for a run of anything else.
fn digit_runs(sentence: &str) -> impl Iterator<Item = (bool, &str)> + '_ {
    let mut rest = sentence;
    std::iter::from_fn(move || {
        let digits = rest.as_bytes().first()?.is_ascii_digit();
        let end = rest
            .bytes()
            .position(|b| b.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        // An ASCII digit on either side: always a character boundary.
        let (run, after) = rest.split_at_checked(end)?;
        rest = after;
        Some((digits, run))
    })
}

/// The numbers of `sentence`, in order, joined by commas (what a result keeps of a sentence
/// whose numbers moved).
fn numbers_of(sentence: &str) -> String {
    let numbers: Vec<&str> = digit_runs(sentence)
        .filter_map(|(digits, run)| digits.then_some(run))
        .collect();
    numbers.join(",")
}

/// `sentence` with its numbers, in order, made `numbers` ([`numbers_of`] of the night's
/// sentence); None when they do not fit.
pub(super) fn with_numbers(sentence: &str, numbers: &str) -> Option<String> {
    let mut given = (!numbers.is_empty())
        .then(|| numbers.split(','))
        .into_iter()
        .flatten();
    let mut out = String::with_capacity(sentence.len());
    for (digits, run) in digit_runs(sentence) {
        if digits {
            let n = given.next()?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push_str(n);
        } else {
            out.push_str(run);
        }
    }
    given.next().is_none().then_some(out)
}

/// `sentence` with every run of digits made one `#`: two sentences that differ only in their
/// numbers ("for 12 days", "for 13 days") are the same sentence.
fn numbers_masked(sentence: &str) -> String {
    digit_runs(sentence)
        .map(|(digits, run)| if digits { "#" } else { run })
        .collect()
}

/// A subject's last kept text, as a later finding of it may point at.
struct Base {
    id: i64,
    severity: String,
    summary: String,
    remediation: Option<String>,
    evidence: Evidence,
}

impl Base {
    /// The values by which `ev` differs from this text, when the rest is the same (sentence,
    /// source, the keys in their order) and they are few: at most a quarter of the text's size
    /// (or 64 bytes).
    fn differences(
        &self,
        row: &Row<'_>,
        ev: &Evidence,
        size: usize,
    ) -> Option<Vec<(usize, String)>> {
        if self.severity != row.severity
            || numbers_masked(&self.summary) != numbers_masked(row.summary)
            || self.remediation.as_deref() != row.remediation
            || self.evidence.source != ev.source
            || self.evidence.values.len() != ev.values.len()
        {
            return None;
        }
        let mut out = Vec::new();
        let mut bytes = 0;
        for (i, ((bk, bv), (k, v))) in self.evidence.values.iter().zip(&ev.values).enumerate() {
            if bk != k {
                return None;
            }
            if bv != v {
                bytes += v.len() + 8;
                out.push((i, v.clone()));
            }
        }
        (bytes <= (size / 4).max(64)).then_some(out)
    }
}

/// Writes results in one transaction, each subject and text once (remembered for the
/// transaction, so that a run of 2,000 findings looks each up once).
pub(super) struct Keeper<'t> {
    tx: &'t Transaction<'t>,
    /// The tables were empty when this began (a migration): nothing to look up in them.
    fresh: bool,
    subjects: HashMap<(String, String, String, String, String), i64>,
    texts: HashMap<Vec<u8>, i64>,
    /// Each subject's last text for each sentence (severity, summary with its numbers masked,
    /// remediation) it had.
    latest: HashMap<(i64, Vec<u8>), Option<Base>>,
    /// The next place in each run written to.
    next: HashMap<i64, i64>,
}

impl<'t> Keeper<'t> {
    /// A keeper adding to what the store holds.
    pub fn new(tx: &'t Transaction<'t>) -> Keeper<'t> {
        Keeper {
            tx,
            fresh: false,
            subjects: HashMap::new(),
            texts: HashMap::new(),
            latest: HashMap::new(),
            next: HashMap::new(),
        }
    }

    /// A keeper filling empty tables (what it has not written is not there).
    pub fn fresh(tx: &'t Transaction<'t>) -> Keeper<'t> {
        Keeper {
            fresh: true,
            ..Keeper::new(tx)
        }
    }

    /// Adds one result of run `run_id` (at place `id` in the run, or the next).
    pub fn put(&mut self, id: Option<i64>, run_id: i64, row: &Row<'_>) -> rusqlite::Result<()> {
        let id = match id {
            Some(id) => id,
            None => self.next_place(run_id)?,
        };
        self.next.insert(run_id, id + 1);
        let subject = self.subject(row)?;
        let (text, said, observed, varying) = match row.evidence {
            Said::Evidence(ev) => {
                let (stable, observed, mut varying) = split(ev);
                let json = serde_json::to_string(&stable).unwrap_or_else(|_| "{}".into());
                let (text, said) = self.text(subject, row, stable, &json, &mut varying)?;
                (text, said, observed, varying)
            }
            Said::Unreadable(raw) => {
                let text = self.insert_text(row, raw)?;
                (text, None, Value::Null, Vec::new())
            }
        };
        let varying = (!varying.is_empty())
            .then(|| serde_json::to_string(&varying).unwrap_or_else(|_| "[]".into()));
        self.tx
            .prepare_cached(
                "INSERT INTO results (run_id, id, subject, status, text, observed, said, varying)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                run_id,
                id,
                subject,
                status_code(row.status)?,
                text,
                observed,
                said,
                varying
            ])?;
        Ok(())
    }

    /// The place after the last one written in run `run_id`.
    fn next_place(&mut self, run_id: i64) -> rusqlite::Result<i64> {
        if let Some(next) = self.next.get(&run_id) {
            return Ok(*next);
        }
        if self.fresh {
            return Ok(1);
        }
        self.tx
            .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM results WHERE run_id = ?1")?
            .query_row(params![run_id], |r| r.get(0))
    }

    fn subject(&mut self, row: &Row<'_>) -> rusqlite::Result<i64> {
        let key = (
            row.check.to_string(),
            row.kind.to_string(),
            row.name.to_string(),
            row.scope.to_string(),
            row.clauses.to_string(),
        );
        if let Some(id) = self.subjects.get(&key) {
            return Ok(*id);
        }
        let found: Option<i64> = if self.fresh {
            None
        } else {
            self.tx
                .prepare_cached(
                    "SELECT id FROM subjects WHERE check_id = ?1 AND target_kind = ?2
                       AND target_name = ?3 AND target_scope = ?4 AND clauses = ?5",
                )?
                .query_row(
                    params![row.check, row.kind, row.name, row.scope, row.clauses],
                    |r| r.get(0),
                )
                .optional()?
        };
        let id = match found {
            Some(id) => id,
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO subjects (check_id, target_kind, target_name, target_scope, clauses, fingerprint)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        row.check,
                        row.kind,
                        row.name,
                        row.scope,
                        row.clauses,
                        row.fingerprint
                    ])?;
                self.tx.last_insert_rowid()
            }
        };
        self.subjects.insert(key, id);
        Ok(id)
    }

    /// The text of `stable` for `subject`, and the sentence when it is not the text's: the same
    /// text if kept, else the subject's last text of the same sentence (numbers aside) with the
    /// few values that differ added to `varying`, else a new text.
    fn text(
        &mut self,
        subject: i64,
        row: &Row<'_>,
        stable: Evidence,
        json: &str,
        varying: &mut Vec<(usize, String)>,
    ) -> rusqlite::Result<(i64, Option<String>)> {
        let hash = text_hash(row.severity, row.summary, json, row.remediation);
        let mut id = self.texts.get(&hash).copied();
        if id.is_none() && !self.fresh {
            id = self
                .tx
                .prepare_cached("SELECT id FROM texts WHERE hash = ?1")?
                .query_row(params![hash], |r| r.get(0))
                .optional()?;
        }
        let said = text_hash(
            row.severity,
            &numbers_masked(row.summary),
            "",
            row.remediation,
        );
        if id.is_none() {
            if let Some(base) = self.latest_of(subject, &said, row)? {
                if let Some(differences) = base.differences(row, &stable, json.len()) {
                    varying.extend(differences);
                    varying.sort_by_key(|(i, _)| *i);
                    let sentence = (base.summary != row.summary).then(|| numbers_of(row.summary));
                    return Ok((base.id, sentence));
                }
            }
        }
        let id = match id {
            Some(id) => id,
            None => self.insert_text(row, json)?,
        };
        self.texts.insert(hash, id);
        self.latest.insert(
            (subject, said),
            Some(Base {
                id,
                severity: row.severity.to_string(),
                summary: row.summary.to_string(),
                remediation: row.remediation.map(str::to_string),
                evidence: stable,
            }),
        );
        Ok((id, None))
    }

    /// The text that `subject`'s latest result saying `row`'s sentence (`said`, its hash) points
    /// at (None: there is none, or it cannot be read).
    fn latest_of(
        &mut self,
        subject: i64,
        said: &[u8],
        row: &Row<'_>,
    ) -> rusqlite::Result<Option<&Base>> {
        let key = (subject, said.to_vec());
        if !self.latest.contains_key(&key) {
            // The texts of the subject's latest results (the last few, newest first): the
            // first of the same sentence, numbers aside.
            let found: Option<(i64, String, String, String, Option<String>)> = if self.fresh {
                None
            } else {
                let masked = numbers_masked(row.summary);
                let mut stmt = self.tx.prepare_cached(
                    "SELECT t.id, t.severity, t.summary, t.evidence, t.remediation
                     FROM (SELECT DISTINCT text FROM
                             (SELECT text FROM results WHERE subject = ?1
                              ORDER BY run_id DESC, id DESC LIMIT 16)) l
                     JOIN texts t ON t.id = l.text
                     WHERE t.severity = ?2 AND t.remediation IS ?3",
                )?;
                let rows = stmt
                    .query_map(params![subject, row.severity, row.remediation], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })?;
                let mut first = None;
                for r in rows {
                    let r: (i64, String, String, String, Option<String>) = r?;
                    if numbers_masked(&r.2) == masked
                        && first.as_ref().is_none_or(
                            |f: &(i64, String, String, String, Option<String>)| r.0 > f.0,
                        )
                    {
                        first = Some(r);
                    }
                }
                first
            };
            let base = found.and_then(|(id, severity, summary, evidence, remediation)| {
                Some(Base {
                    id,
                    severity,
                    summary,
                    remediation,
                    evidence: serde_json::from_str(&evidence).ok()?,
                })
            });
            self.latest.insert(key.clone(), base);
        }
        Ok(self.latest.get(&key).and_then(Option::as_ref))
    }

    fn insert_text(&mut self, row: &Row<'_>, evidence: &str) -> rusqlite::Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO texts (hash, severity, summary, evidence, remediation)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                text_hash(row.severity, row.summary, evidence, row.remediation),
                row.severity,
                row.summary,
                evidence,
                row.remediation
            ])?;
        Ok(self.tx.last_insert_rowid())
    }
}

/// The columns [`read_finding`] reads, in its order (the view `findings`).
pub(super) const FINDING_COLUMNS: &str = "check_id, target_kind, target_name, target_scope, \
     status, severity, summary, evidence, remediation, clauses, observed, varying, said";
/// How many columns [`FINDING_COLUMNS`] names: a query's next column is at this index.
pub(super) const FINDING_COLUMN_COUNT: usize = 13;

/// A finding's columns as stored, not yet checked.
pub(super) struct RawFinding {
    pub(super) check: String,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) scope: String,
    pub(super) status: String,
    pub(super) severity: String,
    pub(super) summary: String,
    pub(super) evidence: String,
    pub(super) remediation: Option<String>,
    pub(super) clauses: String,
    pub(super) observed: Value,
    pub(super) varying: Option<String>,
    pub(super) said: Option<String>,
}

/// A row of [`FINDING_COLUMNS`] (from column `0`).
pub(super) fn read_finding(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawFinding> {
    Ok(RawFinding {
        check: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        scope: r.get(3)?,
        status: r.get(4)?,
        severity: r.get(5)?,
        summary: r.get(6)?,
        evidence: r.get(7)?,
        remediation: r.get(8)?,
        clauses: r.get(9)?,
        observed: r.get(10)?,
        varying: r.get(11)?,
        said: r.get(12)?,
    })
}

/// A stored finding of run `run_id`, read back; a value this version cannot read is named.
pub(super) fn to_finding(raw: RawFinding, run_id: i64) -> Result<Finding, StoreError> {
    let corrupt =
        |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?} in run {run_id}"));
    Ok(Finding {
        check: CheckId::new(raw.check),
        target: Target {
            kind: TargetKind::parse(&raw.kind).ok_or_else(|| corrupt("target kind", &raw.kind))?,
            name: raw.name,
            scope: raw.scope,
        },
        status: Status::parse(&raw.status).ok_or_else(|| corrupt("status", &raw.status))?,
        severity: Severity::parse(&raw.severity)
            .ok_or_else(|| corrupt("severity", &raw.severity))?,
        summary: match &raw.said {
            None => raw.summary,
            Some(numbers) => with_numbers(&raw.summary, numbers)
                .ok_or_else(|| corrupt("sentence's numbers", numbers))?,
        },
        evidence: join(&raw.evidence, raw.observed, raw.varying.as_deref())
            .map_err(|e| corrupt("evidence", &e))?,
        remediation: raw.remediation,
        clauses: serde_json::from_str(&raw.clauses)
            .map_err(|e| corrupt("clauses", &e.to_string()))?,
    })
}

impl Store {
    /// Adds findings to a run, in one transaction.
    pub fn add_findings(&self, run_id: i64, findings: &[Finding]) -> Result<(), StoreError> {
        self.writable()?;
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.sql(e))?;
        {
            let mut keeper = Keeper::new(&tx);
            for f in findings {
                let clauses = serde_json::to_string(&f.clauses).unwrap_or_else(|_| "[]".into());
                let fp = fingerprint(f);
                let row = Row {
                    check: f.check.as_str(),
                    kind: f.target.kind.as_str(),
                    name: &f.target.name,
                    scope: &f.target.scope,
                    clauses: &clauses,
                    fingerprint: &fp,
                    status: f.status.as_str(),
                    severity: f.severity.as_str(),
                    summary: &f.summary,
                    remediation: f.remediation.as_deref(),
                    evidence: Said::Evidence(&f.evidence),
                };
                keeper.put(None, run_id, &row).map_err(|e| self.sql(e))?;
            }
        }
        tx.commit().map_err(|e| self.sql(e))
    }

    /// A run's findings, in the order they were recorded.
    pub fn findings(&self, run_id: i64) -> Result<Vec<Finding>, StoreError> {
        self.findings_of(run_id, None)
    }

    /// The findings of run `run_id` whose check is of `family` (`filter`: `filter.*`), or all when
    /// `None`; the others are not read. Served by the index on (run, subject).
    pub fn findings_of(
        &self,
        run_id: i64,
        family: Option<&str>,
    ) -> Result<Vec<Finding>, StoreError> {
        // `family.` up to (not including) `family/`: the next character after '.'.
        let (low, high) = match family {
            Some(f) => (Some(format!("{f}.")), Some(format!("{f}/"))),
            None => (None, None),
        };
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {FINDING_COLUMNS} FROM findings
                 WHERE run_id = ?1 AND (?2 IS NULL OR (check_id >= ?2 AND check_id < ?3))
                 ORDER BY id"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![run_id, low, high], read_finding)
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(to_finding(row.map_err(|e| self.sql(e))?, run_id)?);
        }
        Ok(out)
    }

    /// For each fingerprint, the finding of the last run that really checked it (any status but
    /// `error`; the worst if that run has several), with that run's id and start. Fingerprints
    /// never checked are left out. Only those findings are read, by the index on the subject.
    pub fn last_checked(
        &self,
        fingerprints: &[String],
    ) -> Result<HashMap<String, (i64, time::OffsetDateTime, Finding)>, StoreError> {
        let mut found: Vec<(String, i64, RawFinding)> = Vec::new();
        {
            let conn = self.lock();
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {FINDING_COLUMNS}, run_id FROM findings
                     WHERE fingerprint = ?1 AND status != 'error'
                       AND run_id = (SELECT MAX(run_id) FROM findings
                                     WHERE fingerprint = ?1 AND status != 'error')
                     ORDER BY id"
                ))
                .map_err(|e| self.sql(e))?;
            for fp in fingerprints {
                let rows = stmt
                    .query_map(params![fp], |r| {
                        Ok((r.get(FINDING_COLUMN_COUNT)?, read_finding(r)?))
                    })
                    .map_err(|e| self.sql(e))?;
                for row in rows {
                    let (run, raw) = row.map_err(|e| self.sql(e))?;
                    found.push((fp.clone(), run, raw));
                }
            }
        }
        let mut started: BTreeMap<i64, Option<time::OffsetDateTime>> = BTreeMap::new();
        let mut out: HashMap<String, (i64, time::OffsetDateTime, Finding)> = HashMap::new();
        for (fp, run, raw) in found {
            let at = match started.get(&run) {
                Some(at) => *at,
                None => {
                    let at = self.run(Some(run))?.map(|r| r.started_at);
                    started.insert(run, at);
                    at
                }
            };
            let Some(at) = at else { continue };
            let f = to_finding(raw, run)?;
            if out
                .get(&fp)
                .is_none_or(|(_, _, w)| f.status.rank() < w.status.rank())
            {
                out.insert(fp, (run, at, f));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "tests_findings.rs"]
mod tests;
