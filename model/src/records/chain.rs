//! The records as the ledger holds them ([`StoredRecord`]), and the whole chain checked: the
//! ledger's links, then what only the records know (kinds, bodies, corrections, links between
//! records).

use std::collections::BTreeMap;
use std::fmt;

use caretaker_ledger::{check_links, check_table, entry_hash, Chained, LinkProblem};
pub use caretaker_ledger::{Head, PublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Attestation, RecordKind, RiskAssessment, SiteLogEntry, Verification, Waiver};

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

impl<'de> Deserialize<'de> for StoredKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(StoredKind::from_column)
    }
}

/// One row of the `records` table, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        entry_hash(
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

    pub fn filter_action(&self) -> Option<super::FilterAction> {
        self.parsed(RecordKind::FilterAction)
    }

    /// One line in plain English.
    pub fn summary(&self) -> String {
        match self.record_kind() {
            Some(RecordKind::Assessment) => self.assessment().map(|a| a.summary()),
            Some(RecordKind::Site) => self.site().map(|s| s.summary()),
            Some(RecordKind::Verification) => self.verification().map(|v| v.summary()),
            Some(RecordKind::Waiver) => self.waiver().map(|w| w.summary()),
            Some(RecordKind::Attestation) => self.attestation().map(|a| a.summary()),
            Some(RecordKind::FilterAction) => self.filter_action().map(|a| a.summary()),
            None => None,
        }
        .unwrap_or_else(|| format!("unreadable {} record", self.kind))
    }
}

/// Something wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub records: usize,
    pub last_id: Option<i64>,
    pub last_hash: Option<String>,
    pub problems: Vec<ChainProblem>,
    /// The public half of the log key the signatures were checked with (hex), when they were.
    #[serde(default)]
    pub signed_with: Option<String>,
    /// The heads the log was compared with, in words ("12:… recorded beside the key on …").
    #[serde(default)]
    pub compared_with: Vec<String>,
    /// What the check could not prove, in plain English.
    #[serde(default)]
    pub unproven: Vec<String>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The log's head as found: how many records, the last one's hash. Publish it (the report,
    /// alert mail and `assess verify` print it) to catch a log later cut short or put back.
    pub fn head(&self) -> Head {
        Head {
            count: self.last_id.unwrap_or(0),
            hash: self
                .last_hash
                .clone()
                .unwrap_or_else(|| caretaker_ledger::GENESIS.to_string()),
        }
    }
}

impl ChainReport {
    /// The head in the words every report, alert mail and `assess verify` prints it with (what
    /// `assess verify --report` looks for): "Filter-change log head: 12:…".
    pub fn head_words(&self) -> String {
        format!("Filter-change log head: {}", self.head())
    }

    /// Whether the log checks out, in a few words.
    pub fn verdict_words(&self) -> String {
        match (self.intact(), self.signed_with.is_some()) {
            (true, true) => "every record is signed and the chain verifies".to_string(),
            (true, false) => "the hash chain verifies (the records are not signed)".to_string(),
            (false, _) => format!(
                "the log does NOT verify: {} problem{}",
                self.problems.len(),
                if self.problems.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

/// What keeping a printed head is for, after [`ChainReport::head_words`].
pub const HEAD_ADVICE: &str = "Keep it apart from the store: `caretaker assess verify --head COUNT:HASH` (or `--report FILE` with a report that prints it) shows whether the log was later cut short, rewritten or put back to an older copy.";

/// Where a head to compare the log with came from, in words: "the head recorded beside the log
/// key on 2026-12-01T02:00:00Z", "the head given", "the head in report.html".
pub type HeadSource = String;

/// Checks `rows` (in id order) against a head published or recorded earlier: the record at its
/// count must be there and have its hash. Records after it are new since, and proven by their
/// signatures.
pub fn check_head(rows: &[StoredRecord], head: &Head, source: &str) -> Option<ChainProblem> {
    if head.count == 0 {
        return None;
    }
    let last = rows.last().map(|r| r.id).unwrap_or(0);
    match rows.iter().find(|r| r.id == head.count) {
        None if last < head.count => Some(ChainProblem {
            id: None,
            kind: None,
            why: format!(
                "the log ends at #{last}, but {source} says it held {} records: records were removed from the end, or an older copy of the store was put back",
                head.count
            ),
        }),
        None => Some(ChainProblem {
            id: Some(head.count),
            kind: None,
            why: format!("#{} is missing, but {source} names it", head.count),
        }),
        Some(r) if r.hash != head.hash => Some(ChainProblem {
            id: Some(r.id),
            kind: Some(r.kind.clone()),
            why: format!(
                "it is not the record {source} names (its hash differs): the log was rewritten from here back, or replaced by another copy"
            ),
        }),
        Some(_) => None,
    }
}

/// Checks every record's signature (`signatures`: record id → signature hex) with `key`.
pub fn check_signatures(
    rows: &[StoredRecord],
    signatures: &BTreeMap<i64, String>,
    key: &PublicKey,
) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    for row in rows {
        let why = match signatures.get(&row.id) {
            None => "it is not signed with the log key: it was not entered through caretaker (inserted or forged in the store)",
            Some(sig) if !key.verifies(&row.hash, sig) => "its signature does not match: it was rewritten or forged outside caretaker",
            Some(_) => continue,
        };
        problems.push(ChainProblem {
            id: Some(row.id),
            kind: Some(row.kind.clone()),
            why: why.to_string(),
        });
    }
    problems
}

/// A problem the ledger found with `row`'s place in the chain, named with its kind when it is
/// about the row itself.
fn of_ledger(p: LinkProblem, row: &StoredRecord) -> ChainProblem {
    ChainProblem {
        id: p.id,
        kind: p.of_entry.then(|| row.kind.clone()),
        why: p.why,
    }
}

impl Chained for StoredRecord {
    fn id(&self) -> i64 {
        self.id
    }

    fn prev_hash(&self) -> &str {
        &self.prev_hash
    }

    fn hash(&self) -> &str {
        &self.hash
    }

    fn computed_hash(&self) -> String {
        StoredRecord::computed_hash(self)
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
        problems.extend(
            check_links(prev, row)
                .into_iter()
                .map(|p| of_ledger(p, row)),
        );
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
                    RecordKind::FilterAction => row.filter_action().map(|_| None),
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
    problems.extend(
        check_table(last_id, sequence, triggers, expected_triggers)
            .into_iter()
            .map(|p| ChainProblem {
                id: p.id,
                kind: None,
                why: p.why,
            }),
    );
    ChainReport {
        records: rows.len(),
        last_id,
        last_hash: prev.map(|p| p.hash.clone()),
        problems,
        signed_with: None,
        compared_with: Vec::new(),
        unproven: Vec::new(),
    }
}
