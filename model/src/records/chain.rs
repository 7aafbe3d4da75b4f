//! Canonical JSON and the hash chain.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{Attestation, RecordKind, RiskAssessment, SiteLogEntry, Verification, Waiver, GENESIS};

/// JSON with object keys sorted (by Unicode code point) at every depth and no whitespace:
/// what is stored in `body` and hashed. The same as Python's
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` for the values
/// records hold (strings, integers, booleans, null).
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    write_canonical(child, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A record's hash: lowercase hex SHA-256 over its fields as netstrings (`<byte length>:<bytes>,`)
/// in this order: prev_hash, id (decimal), kind, body (canonical JSON), entered_by, entered_at,
/// supersedes (decimal, or empty).
pub fn record_hash(
    prev_hash: &str,
    id: i64,
    kind: &str,
    body: &str,
    entered_by: &str,
    entered_at: &str,
    supersedes: Option<i64>,
) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    let sup = supersedes.map(|s| s.to_string()).unwrap_or_default();
    for field in [
        prev_hash,
        id.as_str(),
        kind,
        body,
        entered_by,
        entered_at,
        sup.as_str(),
    ] {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
        h.update(b",");
    }
    hex::encode(h.finalize())
}

/// A record's kind as its row holds it: one caretaker writes, or, in a row changed outside
/// caretaker, a word it does not know (kept as it is, for the hash and for the report).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoredKind {
    Known(RecordKind),
    Unknown(String),
}

impl StoredKind {
    /// The kind the `kind` column holds.
    pub fn from_column(word: String) -> StoredKind {
        match RecordKind::parse(&word) {
            Some(k) => StoredKind::Known(k),
            None => StoredKind::Unknown(word),
        }
    }

    /// The word in the `kind` column (what the hash covers).
    pub fn as_str(&self) -> &str {
        match self {
            StoredKind::Known(k) => k.as_str(),
            StoredKind::Unknown(w) => w,
        }
    }

    /// The kind, when caretaker writes records of it.
    pub fn known(&self) -> Option<RecordKind> {
        match self {
            StoredKind::Known(k) => Some(*k),
            StoredKind::Unknown(_) => None,
        }
    }
}

impl From<RecordKind> for StoredKind {
    fn from(k: RecordKind) -> StoredKind {
        StoredKind::Known(k)
    }
}

impl PartialEq<RecordKind> for StoredKind {
    fn eq(&self, other: &RecordKind) -> bool {
        self.known() == Some(*other)
    }
}

impl fmt::Display for StoredKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StoredKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One row of the `records` table, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    pub id: i64,
    pub kind: StoredKind,
    /// Canonical JSON.
    pub body: String,
    /// The operating-system user who entered it (never typed).
    pub entered_by: String,
    /// RFC 3339, UTC.
    pub entered_at: String,
    pub supersedes: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredRecord {
    /// The hash its fields give (equal to `hash` unless the row was changed).
    pub fn computed_hash(&self) -> String {
        record_hash(
            &self.prev_hash,
            self.id,
            self.kind.as_str(),
            &self.body,
            &self.entered_by,
            &self.entered_at,
            self.supersedes,
        )
    }

    pub fn record_kind(&self) -> Option<RecordKind> {
        self.kind.known()
    }

    /// The body as JSON (a string if it is not JSON).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| serde_json::Value::String(self.body.clone()))
    }

    /// The body read as a record of `kind`; `None` when the record is of another kind or its
    /// body does not read.
    pub(super) fn parsed<T: DeserializeOwned>(&self, kind: RecordKind) -> Option<T> {
        (self.kind == kind)
            .then(|| serde_json::from_str(&self.body).ok())
            .flatten()
    }

    pub fn assessment(&self) -> Option<RiskAssessment> {
        self.parsed(RecordKind::Assessment)
    }

    pub fn site(&self) -> Option<SiteLogEntry> {
        self.parsed(RecordKind::Site)
    }

    pub fn verification(&self) -> Option<Verification> {
        self.parsed(RecordKind::Verification)
    }

    pub fn waiver(&self) -> Option<Waiver> {
        self.parsed(RecordKind::Waiver)
    }

    pub fn attestation(&self) -> Option<Attestation> {
        self.parsed(RecordKind::Attestation)
    }

    /// One line in plain English.
    pub fn summary(&self) -> String {
        match self.record_kind() {
            Some(RecordKind::Assessment) => self.assessment().map(|a| a.summary()),
            Some(RecordKind::Site) => self.site().map(|s| s.summary()),
            Some(RecordKind::Verification) => self.verification().map(|v| v.summary()),
            Some(RecordKind::Waiver) => self.waiver().map(|w| w.summary()),
            Some(RecordKind::Attestation) => self.attestation().map(|a| a.summary()),
            None => None,
        }
        .unwrap_or_else(|| format!("unreadable {} record", self.kind))
    }
}

/// Something wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// The record (None for the table as a whole).
    pub id: Option<i64>,
    /// Its kind, when the row is there to say.
    pub kind: Option<StoredKind>,
    /// What is wrong, in plain English.
    pub why: String,
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.id, &self.kind) {
            (Some(id), Some(kind)) => write!(f, "#{id} ({kind}): {}", self.why),
            (Some(id), None) => write!(f, "#{id}: {}", self.why),
            (None, _) => write!(f, "the log as a whole: {}", self.why),
        }
    }
}

/// What [`check_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub records: usize,
    pub last_id: Option<i64>,
    pub last_hash: Option<String>,
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks the whole chain (`rows` in id order): every record's hash over its own fields, its link
/// to the record before, no id missing (nor any removed from the end, by `sequence`, SQLite's
/// last id handed out), bodies that read as their kind, corrections and links that point at
/// earlier records of the right kind, and the append-only triggers in place (`triggers`: name and
/// SQL of those on the table).
pub fn check_chain(
    rows: &[StoredRecord],
    sequence: Option<i64>,
    triggers: &[(String, String)],
    expected_triggers: &[(&str, &str)],
) -> ChainReport {
    let mut problems = Vec::new();
    let mut kinds: BTreeMap<i64, StoredKind> = BTreeMap::new();
    let mut superseded: BTreeMap<i64, i64> = BTreeMap::new();
    let mut prev: Option<&StoredRecord> = None;
    for row in rows {
        let problem = |why: String| ChainProblem {
            id: Some(row.id),
            kind: Some(row.kind.clone()),
            why,
        };
        let expected_id = prev.map(|p| p.id + 1).unwrap_or(1);
        if row.id > expected_id {
            let missing = if row.id - expected_id == 1 {
                format!("#{expected_id} is")
            } else {
                format!("#{expected_id} to #{} are", row.id - 1)
            };
            for id in expected_id..row.id.min(expected_id + 20) {
                problems.push(ChainProblem {
                    id: Some(id),
                    kind: None,
                    why: "missing: the record was removed from the store".to_string(),
                });
            }
            problems.push(problem(format!(
                "the record{} before it: {missing} missing, so the log has been cut",
                if row.id - expected_id == 1 { "" } else { "s" }
            )));
        }
        let expected_prev = prev.map(|p| p.hash.as_str()).unwrap_or(GENESIS);
        if row.prev_hash != expected_prev {
            let before = prev
                .map(|p| format!("#{}", p.id))
                .unwrap_or_else(|| "the start of the log".to_string());
            problems.push(problem(format!(
                "its link to the record before it ({before}) does not match: a record before it was removed, replaced or inserted"
            )));
        }
        if row.computed_hash() != row.hash {
            problems.push(problem(
                "its contents do not match its hash: the row was changed after it was recorded"
                    .to_string(),
            ));
        }
        match row.record_kind() {
            None => problems.push(problem(format!(
                "{:?} is not a kind of record caretaker writes",
                row.kind.as_str()
            ))),
            Some(kind) => {
                let body_supersedes = match kind {
                    RecordKind::Assessment => row.assessment().map(|a| a.supersedes),
                    RecordKind::Site => row.site().map(|s| s.supersedes),
                    RecordKind::Verification => row.verification().map(|_| None),
                    RecordKind::Waiver => row.waiver().map(|w| w.supersedes),
                    RecordKind::Attestation => row.attestation().map(|a| a.supersedes),
                };
                match body_supersedes {
                    None => problems.push(problem(format!(
                        "its contents are not a readable {}",
                        kind.noun()
                    ))),
                    Some(s) if s != row.supersedes => problems.push(problem(
                        "the record it corrects differs between its contents and its supersedes column"
                            .to_string(),
                    )),
                    Some(_) => {}
                }
                if let Some(s) = row.supersedes {
                    match kinds.get(&s) {
                        None => problems.push(problem(format!(
                            "it corrects #{s}, which is not an earlier record"
                        ))),
                        Some(k) if k != &row.kind => problems.push(problem(format!(
                            "it corrects #{s}, which is a {k}, not a {}",
                            row.kind
                        ))),
                        Some(_) => {}
                    }
                    if let Some(other) = superseded.insert(s, row.id) {
                        problems.push(problem(format!(
                            "it corrects #{s}, which #{other} had already corrected"
                        )));
                    }
                }
                if let Some(v) = row.verification() {
                    if !kinds
                        .get(&v.assessment)
                        .is_some_and(|k| *k == RecordKind::Assessment)
                    {
                        problems.push(problem(format!(
                            "it checks #{}, which is not an earlier risk assessment",
                            v.assessment
                        )));
                    }
                }
                if let Some(a) = row.assessment() {
                    if let Some(site) = a.from_site {
                        if !kinds.get(&site).is_some_and(|k| *k == RecordKind::Site) {
                            problems.push(problem(format!(
                                "it comes from #{site}, which is not an earlier site-log entry"
                            )));
                        }
                    }
                }
            }
        }
        kinds.insert(row.id, row.kind.clone());
        prev = Some(row);
    }
    let last_id = prev.map(|p| p.id);
    if let Some(seq) = sequence {
        let last = last_id.unwrap_or(0);
        if seq > last {
            problems.push(ChainProblem {
                id: Some(last + 1),
                kind: None,
                why: format!(
                    "missing: records #{} to #{seq} were written and are gone, removed from the end of the log",
                    last + 1
                ),
            });
        }
    } else if !rows.is_empty() {
        problems.push(ChainProblem {
            id: None,
            kind: None,
            why: "SQLite's record of the last id handed out is gone (sqlite_sequence was edited)"
                .to_string(),
        });
    }
    for (name, sql) in expected_triggers {
        match triggers.iter().find(|(n, _)| n == name) {
            None => problems.push(ChainProblem {
                id: None,
                kind: None,
                why: format!(
                    "the append-only protection (trigger {name}) has been removed outside caretaker"
                ),
            }),
            Some((_, found)) if found.trim() != sql.trim() => problems.push(ChainProblem {
                id: None,
                kind: None,
                why: format!(
                    "the append-only protection (trigger {name}) has been changed outside caretaker"
                ),
            }),
            Some(_) => {}
        }
    }
    ChainReport {
        records: rows.len(),
        last_id,
        last_hash: prev.map(|p| p.hash.clone()),
        problems,
    }
}
