//! caretaker's ledger: an append-only list of entries, each carrying the hash of the one before
//! it. What an entry *says* (a risk assessment, a waiver …) is the records' business, above; how
//! it is kept in SQLite is the store's, beside. Here: the canonical JSON an entry's body is
//! stored and hashed as, the hash itself ([`entry_hash`]), and the checks that find an entry
//! edited, removed or inserted behind the program's back ([`check_links`], [`check_table`]);
//! and the signatures and published head that catch what a recomputed chain would hide
//! ([`seal`]).

use sha2::{Digest as _, Sha256};

pub mod seal;
pub use seal::{BadKey, Head, LogKey, PublicKey};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted (by Unicode code point) at every depth and no whitespace:
/// what is stored as an entry's body and hashed. The same as Python's
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` for the values
/// entries hold (strings, integers, booleans, null).
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

/// An entry's hash: lowercase hex SHA-256 over its fields as netstrings (`<byte length>:<bytes>,`)
/// in this order: prev_hash, id (decimal), kind, body (canonical JSON), entered_by, entered_at,
/// supersedes (decimal, or empty).
pub fn entry_hash(
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

/// What the ledger needs of an entry to check its place in the chain.
pub trait Chained {
    fn id(&self) -> i64;
    fn prev_hash(&self) -> &str;
    fn hash(&self) -> &str;
    /// The hash its fields give (equal to [`Chained::hash`] unless the entry was changed).
    fn computed_hash(&self) -> String;
}

/// Something wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProblem {
    /// The entry it is about (None: the ledger as a whole).
    pub id: Option<i64>,
    /// Whether it is about the entry checked (true), or about another one, missing (false).
    pub of_entry: bool,
    /// What is wrong, in plain English.
    pub why: String,
}

/// Checks `entry`'s place after `prev` (None for the first): no id missing before it, its link
/// to the entry before, and its hash over its own fields.
pub fn check_links<E: Chained>(prev: Option<&E>, entry: &E) -> Vec<LinkProblem> {
    let mut problems = Vec::new();
    let mine = |why: String| LinkProblem {
        id: Some(entry.id()),
        of_entry: true,
        why,
    };
    let id = entry.id();
    let expected_id = prev.map(|p| p.id() + 1).unwrap_or(1);
    if id > expected_id {
        let missing = if id - expected_id == 1 {
            format!("#{expected_id} is")
        } else {
            format!("#{expected_id} to #{} are", id - 1)
        };
        for gone in expected_id..id.min(expected_id + 20) {
            problems.push(LinkProblem {
                id: Some(gone),
                of_entry: false,
                why: "missing: the record was removed from the store".to_string(),
            });
        }
        problems.push(mine(format!(
            "the record{} before it: {missing} missing, so the log has been cut",
            if id - expected_id == 1 { "" } else { "s" }
        )));
    }
    let expected_prev = prev.map(Chained::hash).unwrap_or(GENESIS);
    if entry.prev_hash() != expected_prev {
        let before = prev
            .map(|p| format!("#{}", p.id()))
            .unwrap_or_else(|| "the start of the log".to_string());
        problems.push(mine(format!(
            "its link to the record before it ({before}) does not match: a record before it was removed, replaced or inserted"
        )));
    }
    if entry.computed_hash() != entry.hash() {
        problems.push(mine(
            "its contents do not match its hash: the row was changed after it was recorded"
                .to_string(),
        ));
    }
    problems
}

/// Checks the ledger as a whole after its last entry (`last_id`): nothing removed from the end
/// (by `sequence`, the last id the table handed out; None when that record itself is gone) and
/// the append-only `triggers` (name and SQL as found) as `expected`.
pub fn check_table(
    last_id: Option<i64>,
    sequence: Option<i64>,
    triggers: &[(String, String)],
    expected: &[(&str, &str)],
) -> Vec<LinkProblem> {
    let mut problems = Vec::new();
    let whole = |why: String| LinkProblem {
        id: None,
        of_entry: false,
        why,
    };
    if let Some(seq) = sequence {
        let last = last_id.unwrap_or(0);
        if seq > last {
            problems.push(LinkProblem {
                id: Some(last + 1),
                of_entry: false,
                why: format!(
                    "missing: records #{} to #{seq} were written and are gone, removed from the end of the log",
                    last + 1
                ),
            });
        }
    } else if last_id.is_some() {
        problems.push(whole(
            "SQLite's record of the last id handed out is gone (sqlite_sequence was edited)"
                .to_string(),
        ));
    }
    for (name, sql) in expected {
        match triggers.iter().find(|(n, _)| n == name) {
            None => problems.push(whole(format!(
                "the append-only protection (trigger {name}) has been removed outside caretaker"
            ))),
            Some((_, found)) if found.trim() != sql.trim() => problems.push(whole(format!(
                "the append-only protection (trigger {name}) has been changed outside caretaker"
            ))),
            Some(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A hash recorded by an earlier version: a store written then must still check out.
    #[test]
    fn a_known_entry_hashes_as_it_always_has() {
        let h = entry_hash(
            GENESIS,
            1,
            "site",
            "{}",
            "root",
            "2026-11-23T10:00:00Z",
            None,
        );
        let mut again = Sha256::new();
        for f in [
            GENESIS,
            "1",
            "site",
            "{}",
            "root",
            "2026-11-23T10:00:00Z",
            "",
        ] {
            again.update(format!("{}:{f},", f.len()).as_bytes());
        }
        assert_eq!(h, hex::encode(again.finalize()));
    }

    #[test]
    fn canonical_json_sorts_keys_and_has_no_spaces() {
        let v = serde_json::json!({"b": [1, {"z": null, "a": "é\n"}], "a": true});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":true,"b":[1,{"a":"é\n","z":null}]}"#
        );
    }

    #[test]
    fn the_hash_covers_every_field() {
        let hash = |id, entered_by, supersedes| {
            entry_hash(
                GENESIS,
                id,
                "site",
                "{}",
                entered_by,
                "2026-11-23T10:00:00Z",
                supersedes,
            )
        };
        let base = hash(1, "root", None);
        assert_eq!(base.len(), 64);
        assert_ne!(base, hash(2, "root", None));
        assert_ne!(base, hash(1, "rsingh", None));
        assert_ne!(base, hash(1, "root", Some(1)));
        // Field boundaries count: moving text from one field to the next changes the hash.
        assert_ne!(
            entry_hash(GENESIS, 1, "site", "{}", "ab", "c", None),
            entry_hash(GENESIS, 1, "site", "{}", "a", "bc", None)
        );
    }

    /// An entry of a ledger built in memory.
    #[derive(Debug, Clone)]
    struct E {
        id: i64,
        body: String,
        prev: String,
        hash: String,
    }

    impl Chained for E {
        fn id(&self) -> i64 {
            self.id
        }
        fn prev_hash(&self) -> &str {
            &self.prev
        }
        fn hash(&self) -> &str {
            &self.hash
        }
        fn computed_hash(&self) -> String {
            entry_hash(&self.prev, self.id, "note", &self.body, "root", "t", None)
        }
    }

    fn chain(n: i64) -> Vec<E> {
        let mut out: Vec<E> = Vec::new();
        for id in 1..=n {
            let prev = out.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
            let body = format!("{{\"n\":{id}}}");
            let hash = entry_hash(&prev, id, "note", &body, "root", "t", None);
            out.push(E {
                id,
                body,
                prev,
                hash,
            });
        }
        out
    }

    fn problems(entries: &[E]) -> Vec<(Option<i64>, String)> {
        let mut prev = None;
        let mut out = Vec::new();
        for e in entries {
            out.extend(check_links(prev, e).into_iter().map(|p| (p.id, p.why)));
            prev = Some(e);
        }
        out
    }

    #[test]
    fn an_intact_chain_has_no_problems_and_each_break_is_named() {
        let entries = chain(4);
        assert!(problems(&entries).is_empty());
        // Edited: its own hash no longer matches.
        let mut edited = entries.clone();
        edited[1].body = "{\"n\":99}".into();
        let found = problems(&edited);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(2));
        assert!(found[0].1.contains("changed after it was recorded"));
        // Removed from the middle: the gap, and the next entry's broken link.
        let mut removed = entries.clone();
        removed.remove(1);
        let found = problems(&removed);
        assert!(found
            .iter()
            .any(|(id, why)| *id == Some(2) && why.contains("missing")));
        assert!(found
            .iter()
            .any(|(id, why)| *id == Some(3) && why.contains("link")));
        // Removed from the end: only the table's last id handed out tells.
        let table = check_table(Some(3), Some(4), &[], &[]);
        assert_eq!(table.len(), 1);
        assert_eq!(table[0].id, Some(4));
        assert!(check_table(Some(4), Some(4), &[], &[]).is_empty());
        // The append-only trigger dropped or changed.
        let expected = [("no_update", "CREATE TRIGGER no_update …")];
        assert!(check_table(None, None, &[], &expected)[0]
            .why
            .contains("removed"));
        let changed = [("no_update".to_string(), "CREATE TRIGGER x".to_string())];
        assert!(check_table(None, None, &changed, &expected)[0]
            .why
            .contains("changed"));
    }
}
