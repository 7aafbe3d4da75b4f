//! Forwarding a school's store to the trust's database: what the database does not yet hold, in
//! order, exactly once.
//!
//! Exactly once, because where forwarding stopped is read from the database's own rows, in the
//! transaction that adds the next ones (under a lock per school): a batch the database committed
//! is never sent again, whether or not the school heard that it was; a batch it did not commit
//! is sent again whole. In order, because each batch is the oldest rows after that point (runs
//! up to the first still going; actions and records in the order they were made).

use tokio_postgres::Client;

use super::{bounded, connect, schema::TRUST_SCHEMA, Settings, TrustError};
use crate::store::{Observed, SpoolBatch, SpoolCursor, Store};

/// How many runs one transaction forwards (a long time offline is forwarded in several).
pub const RUNS_PER_BATCH: usize = 20;

/// What one forwarding added to the trust's database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forwarded {
    pub runs: usize,
    pub findings: usize,
    pub records: usize,
    pub actions: usize,
    /// Transactions committed.
    pub batches: usize,
}

impl Forwarded {
    /// One line for the network manager.
    pub fn sentence(&self, at: &str) -> String {
        if self.runs + self.records + self.actions == 0 {
            format!("The trust's database ({at}) already holds everything in this store.")
        } else {
            format!(
                "Forwarded to the trust's database ({at}): {} run{}, {} finding{}, {} filter-change record{}.",
                self.runs,
                if self.runs == 1 { "" } else { "s" },
                self.findings,
                if self.findings == 1 { "" } else { "s" },
                self.records,
                if self.records == 1 { "" } else { "s" }
            )
        }
    }
}

/// The longest forwarding after a run may take before the run's verdict is given anyway.
pub const FORWARD_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// After a run, with `[store] url` set: forwards what the trust's database lacks, and says what
/// happened (true when forwarded); None without a trust's database.
pub async fn forward_after_run(
    loaded: &caretaker_config::Loaded,
    store: &Store,
) -> Option<(bool, String)> {
    let settings = match Settings::of(loaded) {
        Ok(None) => return None,
        Ok(Some(s)) => s,
        Err(e) => return Some((false, e.to_string())),
    };
    let at = settings.at();
    match tokio::time::timeout(FORWARD_LIMIT, forward(&settings, store)).await {
        Ok(Ok(done)) => Some((true, done.sentence(&at))),
        Ok(Err(e)) => Some((false, format!(
            "Not forwarded to the trust's database: {e}. The run is kept in this school's store and goes with the next forwarding (`caretaker trust forward`)."
        ))),
        Err(_) => Some((false, format!(
            "Not forwarded to the trust's database ({at}): it took longer than {} seconds. The run is kept in this school's store and goes with the next forwarding.",
            FORWARD_LIMIT.as_secs()
        ))),
    }
}

/// Connects as the school's role and forwards everything the database does not hold yet.
pub async fn forward(settings: &Settings, store: &Store) -> Result<Forwarded, TrustError> {
    let school = settings.school.clone().ok_or_else(|| {
        TrustError::Settings(
            "[school] id is needed to forward to a trust's database (the school's identifier, as the trust added it with `caretaker trust init-school ID`)".into(),
        )
    })?;
    let mut client = connect(settings).await?;
    let key = store
        .seal()
        .map(|s| s.public())
        .transpose()?
        .flatten()
        .map(|k| k.to_hex());
    forward_with(&mut client, &school, store, key.as_deref()).await
}

/// [`forward`] on a connection already made, as `school`.
pub async fn forward_with(
    client: &mut Client,
    school: &str,
    store: &Store,
    log_key: Option<&str>,
) -> Result<Forwarded, TrustError> {
    let mut total = Forwarded::default();
    loop {
        let (done, more) = bounded(forward_batch(
            client,
            school,
            store,
            log_key,
            RUNS_PER_BATCH,
        ))
        .await?;
        total.runs += done.runs;
        total.findings += done.findings;
        total.records += done.records;
        total.actions += done.actions;
        total.batches += done.batches;
        if !more {
            return Ok(total);
        }
    }
}

/// One transaction: up to `max_runs` runs and everything before them that the database lacks;
/// whether more is left.
pub async fn forward_batch(
    client: &mut Client,
    school: &str,
    store: &Store,
    log_key: Option<&str>,
    max_runs: usize,
) -> Result<(Forwarded, bool), TrustError> {
    let tx = client.transaction().await?;
    let known = tx
        .query_opt("SELECT 1 FROM schools WHERE id = $1", &[&school])
        .await?;
    if known.is_none() {
        return Err(TrustError::Refused(format!(
            "the trust's database does not know school {school:?} (or this role is not its): the trust adds it with `caretaker trust init-school {school}`"
        )));
    }
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('caretaker forward ' || $1))",
        &[&school],
    )
    .await?;
    let max = |table: &'static str| {
        let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table} WHERE school = $1");
        let tx = &tx;
        async move {
            tx.query_one(&sql, &[&school])
                .await
                .map(|r| r.get::<_, i64>(0))
        }
    };
    let cursor = SpoolCursor {
        run: max("runs").await?,
        subject: max("subjects").await?,
        text: max("texts").await?,
        action: max("filter_actions").await?,
        record: max("records").await?,
    };
    // A database not yet brought to the step that keeps runs' findings whole is forwarded its
    // rows alone (the view reads those runs from their rows).
    let keeps = super::view::keeps(&tx).await?;
    // The school's store is read off the runtime's threads (SQLite blocks): the batch, then
    // each of its runs' findings as the store reads them, packed to be kept.
    let reader = store.clone();
    let (batch, kept) = tokio::task::spawn_blocking(move || {
        let batch = reader.spool_after(&cursor, max_runs)?;
        let mut kept = Vec::new();
        if keeps {
            for run in &batch.runs {
                let findings = reader.findings(run.id)?;
                kept.push((
                    run.id,
                    i64::try_from(findings.len()).unwrap_or(i64::MAX),
                    super::kept::pack(&findings),
                ));
            }
        }
        Ok::<_, crate::store::StoreError>((batch, kept))
    })
    .await
    .map_err(|e| TrustError::Refused(format!("reading the school's store stopped: {e}")))??;
    if batch.schema != TRUST_SCHEMA {
        return Err(TrustError::Refused(format!(
            "this school's store is at schema {}, the trust's database at {TRUST_SCHEMA}: the same caretaker version is needed on both",
            batch.schema
        )));
    }
    if batch.is_empty() {
        tx.commit().await?;
        return Ok((Forwarded::default(), false));
    }
    insert(&tx, school, &batch).await?;
    if !kept.is_empty() {
        tx.execute(
            "INSERT INTO run_findings (school, run_id, store_schema, findings, packed)
             SELECT $1, w.run_id, $2, w.findings, w.packed
             FROM unnest($3::bigint[], $4::bigint[], $5::bytea[]) AS w(run_id, findings, packed)",
            &[
                &school,
                &batch.schema,
                &kept.iter().map(|k| k.0).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.1).collect::<Vec<_>>(),
                &kept.iter().map(|k| k.2.as_slice()).collect::<Vec<_>>(),
            ],
        )
        .await?;
    }
    tx.execute(
        "UPDATE schools SET forwarded_at = now(), store_schema = $2,
                log_key = COALESCE($3, log_key)
         WHERE id = $1",
        &[&school, &batch.schema, &log_key],
    )
    .await?;
    tx.commit().await?;
    Ok((
        Forwarded {
            runs: batch.runs.len(),
            findings: batch.results.len(),
            records: batch.records.len(),
            actions: batch.actions.len(),
            batches: 1,
        },
        batch.more,
    ))
}

/// Adds a batch's rows: one statement per table, the rows as arrays.
async fn insert(
    tx: &tokio_postgres::Transaction<'_>,
    school: &str,
    b: &SpoolBatch,
) -> Result<(), TrustError> {
    macro_rules! col {
        ($rows:expr, $f:expr) => {
            $rows.iter().map($f).collect::<Vec<_>>()
        };
    }
    if !b.runs.is_empty() {
        let r = &b.runs;
        tx.execute(
            "INSERT INTO runs (school, id, trigger, who, config_digest, school_name, started_at,
                               ended_at, state, verdict, only_checks, host, pid, pid_start,
                               n_pass, n_fail, n_warn, n_error, n_waived)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                 $13::bigint[], $14::text[], $15::bigint[], $16::bigint[], $17::bigint[],
                 $18::bigint[], $19::bigint[])",
            &[
                &school,
                &col!(r, |x| x.id),
                &col!(r, |x| x.trigger.as_str()),
                &col!(r, |x| x.who.as_str()),
                &col!(r, |x| x.config_digest.as_str()),
                &col!(r, |x| x.school.as_str()),
                &col!(r, |x| x.started_at.as_str()),
                &col!(r, |x| x.ended_at.as_deref()),
                &col!(r, |x| x.state.as_str()),
                &col!(r, |x| x.verdict.as_deref()),
                &col!(r, |x| x.only_checks.as_str()),
                &col!(r, |x| x.host.as_str()),
                &col!(r, |x| x.pid),
                &col!(r, |x| x.pid_start.as_str()),
                &col!(r, |x| x.counts[0]),
                &col!(r, |x| x.counts[1]),
                &col!(r, |x| x.counts[2]),
                &col!(r, |x| x.counts[3]),
                &col!(r, |x| x.counts[4]),
            ],
        )
        .await?;
    }
    if !b.subjects.is_empty() {
        let s = &b.subjects;
        tx.execute(
            "INSERT INTO subjects (school, id, check_id, target_kind, target_name, target_scope,
                                   clauses, fingerprint)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::text[])",
            &[
                &school,
                &col!(s, |x| x.id),
                &col!(s, |x| x.check_id.as_str()),
                &col!(s, |x| x.target_kind.as_str()),
                &col!(s, |x| x.target_name.as_str()),
                &col!(s, |x| x.target_scope.as_str()),
                &col!(s, |x| x.clauses.as_str()),
                &col!(s, |x| x.fingerprint.as_str()),
            ],
        )
        .await?;
    }
    if !b.texts.is_empty() {
        let t = &b.texts;
        tx.execute(
            "INSERT INTO texts (school, id, hash, severity, summary, evidence, remediation)
             SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::text[], $5::text[],
                 $6::text[], $7::text[])",
            &[
                &school,
                &col!(t, |x| x.id),
                &col!(t, |x| x.hash.as_slice()),
                &col!(t, |x| x.severity.as_str()),
                &col!(t, |x| x.summary.as_str()),
                &col!(t, |x| x.evidence.as_str()),
                &col!(t, |x| x.remediation.as_deref()),
            ],
        )
        .await?;
    }
    if !b.results.is_empty() {
        let r = &b.results;
        tx.execute(
            "INSERT INTO results (school, run_id, id, subject, status, text, observed_secs,
                                  observed_text, said, varying)
             SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::smallint[],
                 $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::text[])",
            &[
                &school,
                &col!(r, |x| x.run_id),
                &col!(r, |x| x.id),
                &col!(r, |x| x.subject),
                &col!(r, |x| i16::try_from(x.status).unwrap_or(i16::MAX)),
                &col!(r, |x| x.text),
                &col!(r, |x| match x.observed {
                    Observed::Secs(s) => Some(s),
                    _ => None,
                }),
                &col!(r, |x| match &x.observed {
                    Observed::Text(t) => Some(t.as_str()),
                    _ => None,
                }),
                &col!(r, |x| x.said.as_deref()),
                &col!(r, |x| x.varying.as_deref()),
            ],
        )
        .await?;
    }
    if !b.actions.is_empty() {
        let a = &b.actions;
        tx.execute(
            "INSERT INTO filter_actions (school, id, run_id, vantage, action, who, at)
             SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[],
                 $6::text[], $7::text[])",
            &[
                &school,
                &col!(a, |x| x.id),
                &col!(a, |x| x.run_id),
                &col!(a, |x| x.vantage.as_str()),
                &col!(a, |x| x.action.as_str()),
                &col!(a, |x| x.who.as_str()),
                &col!(a, |x| x.at.as_str()),
            ],
        )
        .await?;
    }
    if !b.records.is_empty() {
        let r = &b.records;
        tx.execute(
            "INSERT INTO records (school, id, kind, body, entered_by, entered_at, supersedes,
                                  prev_hash, hash, signature)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])",
            &[
                &school,
                &col!(r, |x| x.record.id),
                &col!(r, |x| x.record.kind.as_str()),
                &col!(r, |x| x.record.body.as_str()),
                &col!(r, |x| x.record.entered_by.as_str()),
                &col!(r, |x| x.record.entered_at.as_str()),
                &col!(r, |x| x.record.supersedes),
                &col!(r, |x| x.record.prev_hash.as_str()),
                &col!(r, |x| x.record.hash.as_str()),
                &col!(r, |x| x.signature.as_deref()),
            ],
        )
        .await?;
    }
    Ok(())
}
