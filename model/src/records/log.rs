//! Reading the log back, with the links between records worked out.

use std::collections::{BTreeMap, BTreeSet};

use super::{RecordKind, StoredRecord, Verification};

/// The whole log, read at once, with the links between records worked out.
#[derive(Debug, Clone)]
pub struct Log {
    pub records: Vec<StoredRecord>,
    /// Record id → the record that corrects it.
    pub superseded_by: BTreeMap<i64, i64>,
}

impl Log {
    /// The log of `records` (oldest first, as stored).
    pub fn from_records(records: Vec<StoredRecord>) -> Log {
        let superseded_by = records
            .iter()
            .filter_map(|r| r.supersedes.map(|s| (s, r.id)))
            .collect();
        Log {
            records,
            superseded_by,
        }
    }

    pub fn get(&self, id: i64) -> Option<&StoredRecord> {
        self.records
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .and_then(|i| self.records.get(i))
    }

    /// Records of a kind, oldest first; only current versions unless `all`.
    pub fn of_kind(&self, kind: RecordKind, all: bool) -> Vec<&StoredRecord> {
        self.records
            .iter()
            .filter(|r| r.kind == kind)
            .filter(|r| all || !self.superseded_by.contains_key(&r.id))
            .collect()
    }

    /// Every version of the record `id`, oldest first: what it corrects, itself, what corrects it.
    pub fn history(&self, id: i64) -> Vec<&StoredRecord> {
        let mut back = Vec::new();
        let mut cur = self.get(id);
        let mut guard = 0;
        while let Some(r) = cur {
            back.push(r);
            cur = r.supersedes.and_then(|s| self.get(s));
            guard += 1;
            if guard > self.records.len() {
                break;
            }
        }
        back.reverse();
        let mut next = self.superseded_by.get(&id).copied();
        while let Some(n) = next {
            match self.get(n) {
                Some(r) if back.len() <= self.records.len() => {
                    back.push(r);
                    next = self.superseded_by.get(&n).copied();
                }
                _ => break,
            }
        }
        back
    }

    /// The current version of the record `id` (itself if nothing corrects it).
    pub fn latest(&self, id: i64) -> i64 {
        self.history(id).last().map(|r| r.id).unwrap_or(id)
    }

    /// Filter checks linked to any version of assessment `id`, oldest first.
    pub fn verifications_of(&self, id: i64) -> Vec<(&StoredRecord, Verification)> {
        let versions: BTreeSet<i64> = self.history(id).iter().map(|r| r.id).collect();
        self.records
            .iter()
            .filter_map(|r| r.verification().map(|v| (r, v)))
            .filter(|(_, v)| versions.contains(&v.assessment))
            .collect()
    }

    /// Assessments made from site-log entry `id` (any version of it).
    pub fn assessments_from_site(&self, id: i64) -> Vec<i64> {
        let versions: BTreeSet<i64> = self.history(id).iter().map(|r| r.id).collect();
        self.records
            .iter()
            .filter(|r| !self.superseded_by.contains_key(&r.id))
            .filter_map(|r| r.assessment().map(|a| (r.id, a)))
            .filter(|(_, a)| a.from_site.is_some_and(|s| versions.contains(&s)))
            .map(|(id, _)| id)
            .collect()
    }

    /// A record as a JSON object: its stored columns, `superseded_by`, and its contents under
    /// `body` (parsed).
    pub fn json(&self, r: &StoredRecord) -> serde_json::Value {
        serde_json::json!({
            "id": r.id,
            "kind": r.kind,
            "entered_by": r.entered_by,
            "entered_at": r.entered_at,
            "supersedes": r.supersedes,
            "superseded_by": self.superseded_by.get(&r.id),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "summary": r.summary(),
            "body": r.body_json(),
        })
    }
}
