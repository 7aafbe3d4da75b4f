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
    /// The findings kept whole for its current picture's runs, checked against their rows
    /// (empty when not checked).
    pub kept: KeptReport,
}

/// What is kept of a school's current picture's runs, checked against the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptReport {
    /// Runs whose kept findings were compared with their rows.
    pub runs: usize,
    /// Runs the database keeps nothing for (read from their rows).
    pub not_kept: usize,
    /// Each run whose kept findings are unreadable or differ from its rows, in words.
    pub problems: Vec<String>,
}

/// Every school's log the role may read, checked, and what is kept of each school's current
/// picture checked against its rows.
pub async fn verify(clients: &[Client]) -> Result<Vec<SchoolLog>, TrustError> {
    let Some(first) = clients.first() else {
        return Err(TrustError::Refused(
            "no connection to the trust's database to check it on".to_string(),
        ));
    };
    let mut logs = verify_logs(first).await?;
    let mut kept = bounded(verify_kept(clients)).await?;
    for log in &mut logs {
        log.kept = kept.remove(&log.id).unwrap_or_default();
    }
    Ok(logs)
}

/// Each school's current picture's runs: what is kept of them against their rows.
async fn verify_kept(clients: &[Client]) -> Result<BTreeMap<String, KeptReport>, TrustError> {
    use super::view;
    let runs = view::latest_runs(&clients[0], None).await?;
    let wanted: Vec<(String, i64)> = runs
        .iter()
        .flat_map(|(school, rs)| {
            view::picture_of(rs)
                .into_iter()
                .map(|id| (school.clone(), id))
        })
        .collect();
    let mut out: BTreeMap<String, KeptReport> = BTreeMap::new();
    let kept = if view::keeps(&clients[0]).await? {
        view::read_kept(clients, &wanted).await?
    } else {
        Vec::new()
    };
    let (read, unread) = view::unpack_all(kept, true);
    let mut rows = view::read_findings(clients, &wanted, view::Source::Rows).await?;
    let mut unreadable = std::collections::HashSet::new();
    for ((school, run), why) in unread {
        out.entry(school.clone())
            .or_default()
            .problems
            .push(format!(
                "run {run}: what is kept of its findings cannot be read ({why})"
            ));
        unreadable.insert((school, run));
    }
    for (school, run) in &wanted {
        let key = (school.clone(), *run);
        let report = out.entry(school.clone()).or_default();
        if unreadable.contains(&key) {
            continue;
        }
        let Some(kept) = read.get(&key) else {
            report.not_kept += 1;
            continue;
        };
        report.runs += 1;
        let from_rows = rows.remove(&key).unwrap_or_default();
        if *kept != from_rows {
            let first = kept
                .iter()
                .zip(&from_rows)
                .position(|(a, b)| a != b)
                .unwrap_or(kept.len().min(from_rows.len()));
            report.problems.push(format!(
                "run {run}: what is kept of its findings differs from its rows ({} kept, {} in the rows; the first difference at finding {})",
                kept.len(),
                from_rows.len(),
                first + 1
            ));
        }
    }
    Ok(out)
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
                kept: KeptReport::default(),
            });
        }
        Ok(out)
    })
    .await
}
