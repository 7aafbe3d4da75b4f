//! Each school's filter-change log, checked at the trust: its own chain (every record's hash, its
//! link to the one before, no id missing) and every record's signature by the key the school's
//! caretaker forwarded with it.

use std::collections::BTreeMap;

use caretaker_ledger::PublicKey;
use caretaker_model::records::{check_chain, check_signatures, ChainProblem, ChainReport};
use tokio_postgres::Client;

use super::{bounded, TrustError};

/// One school's log as checked.
#[derive(Debug, Clone)]
pub struct SchoolLog {
    pub id: String,
    pub name: String,
    pub report: ChainReport,
}

/// Every school's log the role may read, checked.
pub async fn verify_logs(client: &Client) -> Result<Vec<SchoolLog>, TrustError> {
    bounded(async {
        let schools = client
            .query(
                "SELECT id, name, log_key FROM schools ORDER BY name, id",
                &[],
            )
            .await?;
        let rows = client
            .query(
                "SELECT school, id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash,
                        signature
                 FROM records ORDER BY school, id",
                &[],
            )
            .await?;
        let mut records: BTreeMap<
            String,
            (Vec<crate::assess::StoredRecord>, BTreeMap<i64, String>),
        > = BTreeMap::new();
        for r in &rows {
            let (list, signatures) = records.entry(r.get(0)).or_default();
            let id: i64 = r.get(1);
            if let Some(sig) = r.get::<_, Option<String>>(9) {
                signatures.insert(id, sig);
            }
            list.push(crate::assess::StoredRecord {
                id,
                kind: crate::assess::StoredKind::from_column(r.get(2)),
                body: r.get(3),
                entered_by: r.get(4),
                entered_at: r.get(5),
                supersedes: r.get(6),
                prev_hash: r.get(7),
                hash: r.get(8),
            });
        }
        let mut out = Vec::new();
        for s in &schools {
            let id: String = s.get(0);
            let (list, signatures) = records.remove(&id).unwrap_or_default();
            // The append-only triggers are the trust database's own, not the school's file's;
            // records cut from the end show only against a head published earlier.
            let last = list.last().map(|r| r.id);
            let mut report = check_chain(&list, last, &[], &[]);
            match s
                .get::<_, Option<String>>(2)
                .as_deref()
                .map(PublicKey::from_hex)
            {
                Some(Some(key)) => {
                    report
                        .problems
                        .extend(check_signatures(&list, &signatures, &key));
                    report.signed_with = Some(key.to_hex());
                }
                Some(None) => report.problems.push(ChainProblem {
                    id: None,
                    kind: None,
                    why: "the log key the school forwarded is not a key".to_string(),
                }),
                None if list.is_empty() => {}
                None => report.unproven.push(
                    "the school forwarded no log key, so its records are chained, not signed"
                        .to_string(),
                ),
            }
            out.push(SchoolLog {
                id,
                name: s.get(1),
                report,
            });
        }
        Ok(out)
    })
    .await
}
