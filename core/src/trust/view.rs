//! The trust's view read from its database: every school's current picture, made of the same
//! runs as the school's own console would make it of ([`crate::local::picture_runs`]).

use std::collections::{BTreeMap, HashMap};

use caretaker_api::trust::{TrustSchool, TrustView};
use caretaker_api::Overview;
use caretaker_model::clauses::ClauseMap;
use caretaker_model::records::Log;
use tokio_postgres::Client;

use super::{bounded, TrustError};
use crate::local::{picture_runs, OVERVIEW_RUNS};
use caretaker_model::finding::Finding;

use crate::store::{
    spool_finding, Observed, RunRecord, SpoolResult, SpoolRun, SpoolSubject, SpoolText, StoreError,
};

/// Reads every school's current picture (as the trust's reader; a school's own role sees
/// only itself), judged by `map` on `today`; with `before`, the picture as it was made of the
/// runs started before then.
pub async fn read_view(
    client: &Client,
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
) -> Result<TrustView, TrustError> {
    read_view_on(std::slice::from_ref(client), map, today, before).await
}

/// [`read_view`] over several connections as the same role: the schools' findings are read
/// shared out among them, so the server reads them on as many of its cores. The schools, their
/// runs and their logs are read on the first.
pub async fn read_view_on(
    clients: &[Client],
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
) -> Result<TrustView, TrustError> {
    read_view_as(clients, map, today, before, Source::Kept).await
}

/// [`read_view_on`] with every run's findings read from the rows they are made of, none from
/// what is kept of them (slower; what the kept findings are checked against).
pub async fn read_view_from_rows(
    clients: &[Client],
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
) -> Result<TrustView, TrustError> {
    read_view_as(clients, map, today, before, Source::Rows).await
}

/// [`read_view_on`] with every finding's evidence left empty (read past, never put together):
/// all that judging the pictures and the trustees' report need, in less time and memory.
pub async fn read_view_without_evidence(
    clients: &[Client],
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
) -> Result<TrustView, TrustError> {
    read_view_as(clients, map, today, before, Source::KeptWithoutEvidence).await
}

/// Where a run's findings are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// What is kept of them whole ([`super::kept`]), else their rows.
    Kept,
    /// As [`Source::Kept`], each finding's evidence left empty.
    KeptWithoutEvidence,
    /// Their rows only.
    Rows,
}

async fn read_view_as(
    clients: &[Client],
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
    source: Source,
) -> Result<TrustView, TrustError> {
    if clients.is_empty() {
        return Err(TrustError::Refused(
            "no connection to the trust's database to read it on".to_string(),
        ));
    }
    bounded(read_unbounded(clients, map, today, before, source)).await
}

async fn read_unbounded(
    clients: &[Client],
    map: &ClauseMap,
    today: time::Date,
    before: Option<time::OffsetDateTime>,
    source: Source,
) -> Result<TrustView, TrustError> {
    let client = &clients[0];
    let schools = client
        .query(
            "SELECT id, name, to_char(forwarded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
             FROM schools ORDER BY name, id",
            &[],
        )
        .await?;
    let mut runs = latest_runs(client, before).await?;
    let wanted: Vec<(String, i64)> = runs
        .iter()
        .flat_map(|(school, rs)| picture_of(rs).into_iter().map(|id| (school.clone(), id)))
        .collect();
    let mut findings = read_findings(clients, &wanted, source).await?;
    let mut logs = read_logs(client).await?;
    let mut out = Vec::new();
    for s in &schools {
        let id: String = s.get(0);
        let rs = runs.remove(&id).unwrap_or_default();
        let with = picture_runs(&rs, |run| {
            Ok(findings.remove(&(id.clone(), run)).unwrap_or_default())
        })
        .map_err(|e| TrustError::Refused(e.to_string()))?;
        let log = Log::from_records(logs.remove(&id).unwrap_or_default());
        let name: String = s.get(1);
        out.push(TrustSchool {
            overview: Overview {
                school: name.clone(),
                map: map.clone(),
                latest: rs.first().cloned(),
                runs: with,
                attestations: log.attestations(),
                today,
            },
            id,
            name,
            forwarded_at: s.get(2),
        });
    }
    Ok(TrustView {
        schools: out,
        as_of: before.map(caretaker_model::finding::format_rfc3339),
    })
}

/// The latest runs of every school the role may read (newest first), of those started before
/// `before` when given.
pub(super) async fn latest_runs(
    client: &Client,
    before: Option<time::OffsetDateTime>,
) -> Result<HashMap<String, Vec<RunRecord>>, TrustError> {
    // Runs are kept with their start as the store writes it (RFC 3339, UTC): in order as text.
    let before = before.map(caretaker_model::finding::format_rfc3339);
    let limit = i64::try_from(OVERVIEW_RUNS).unwrap_or(20);
    let run_rows = client
        .query(
            // Each school's newest runs walked down its key, not every run sorted.
            "SELECT r.school, r.id, r.trigger, r.who, r.config_digest, r.school_name,
                    r.started_at, r.ended_at, r.state, r.verdict, r.only_checks, r.host, r.pid,
                    r.pid_start, r.n_pass, r.n_fail, r.n_warn, r.n_error, r.n_waived
             FROM schools s CROSS JOIN LATERAL
                 (SELECT * FROM runs
                  WHERE runs.school = s.id AND ($2::text IS NULL OR runs.started_at < $2)
                  ORDER BY runs.id DESC LIMIT $1) r
             ORDER BY r.school, r.id DESC",
            &[&limit, &before],
        )
        .await?;
    let mut runs: HashMap<String, Vec<RunRecord>> = HashMap::new();
    for r in &run_rows {
        let raw = SpoolRun {
            id: r.get(1),
            trigger: r.get(2),
            who: r.get(3),
            config_digest: r.get(4),
            school: r.get(5),
            started_at: r.get(6),
            ended_at: r.get(7),
            state: r.get(8),
            verdict: r.get(9),
            only_checks: r.get(10),
            host: r.get(11),
            pid: r.get(12),
            pid_start: r.get(13),
            counts: [r.get(14), r.get(15), r.get(16), r.get(17), r.get(18)],
        };
        runs.entry(r.get(0)).or_default().push(raw.to_record()?);
    }
    Ok(runs)
}

/// Which runs a school's picture is made of (the same walk as a school's own console).
pub(super) fn picture_of(runs: &[RunRecord]) -> Vec<i64> {
    let mut ids = Vec::new();
    let _ = picture_runs(runs, |id| {
        ids.push(id);
        Ok(Vec::new())
    });
    ids
}

/// The findings of the runs `wanted` (school, run), shared out among the connections and read
/// at once, put together after: from what is kept of each run when `source` allows and it is
/// there and readable, else from the run's rows.
pub(super) async fn read_findings(
    clients: &[Client],
    wanted: &[(String, i64)],
    source: Source,
) -> Result<RunFindings, TrustError> {
    let mut found = BTreeMap::new();
    let mut from_rows: Vec<(String, i64)> = wanted.to_vec();
    let evidence = source != Source::KeptWithoutEvidence;
    if source != Source::Rows && keeps(&clients[0]).await? {
        let kept = read_kept(clients, wanted).await?;
        let (read, unread) = unpack_all(kept, evidence);
        for ((school, run), why) in unread {
            tracing::warn!(
                "school {school}: run {run}'s kept findings cannot be read ({why}); read from its rows"
            );
        }
        found = read;
        from_rows.retain(|k| !found.contains_key(k));
    }
    if !from_rows.is_empty() {
        let shares = share_out(&from_rows, clients.len());
        let fetched = futures_util::future::try_join_all(
            clients
                .iter()
                .zip(&shares)
                .filter(|(_, share)| !share.is_empty())
                .map(|(c, share)| fetch(c, share)),
        )
        .await?;
        let mut from_rows = put_together(fetched)?;
        if !evidence {
            for f in from_rows.values_mut().flatten() {
                f.evidence = Default::default();
            }
        }
        found.extend(from_rows);
    }
    Ok(found)
}

/// Whether the database keeps runs' findings whole (its step 1 of schema 7 is there).
pub(super) async fn keeps(client: &impl tokio_postgres::GenericClient) -> Result<bool, TrustError> {
    Ok(client
        .query_one("SELECT to_regclass('public.run_findings') IS NOT NULL", &[])
        .await?
        .get(0))
}

/// `wanted` shared out school by school among `n` connections (a school's runs on one).
fn share_out(wanted: &[(String, i64)], n: usize) -> Vec<Vec<(String, i64)>> {
    let mut shares: Vec<Vec<(String, i64)>> = vec![Vec::new(); n.max(1)];
    let mut seat: HashMap<&str, usize> = HashMap::new();
    for (school, run) in wanted {
        let next = seat.len();
        let k = *seat.entry(school.as_str()).or_insert(next % n.max(1));
        shares[k].push((school.clone(), *run));
    }
    shares
}

/// A school's run: (school, run id).
pub(super) type RunKey = (String, i64);

/// Runs' findings, by run.
pub(super) type RunFindings = BTreeMap<RunKey, Vec<Finding>>;

/// A run's kept findings, unpacked or why not.
type Unpacked = (RunKey, Result<Vec<Finding>, String>);

/// A run's findings as kept: the run, the packed value and how many findings it says it holds.
pub(super) type Kept = (RunKey, Vec<u8>, i64);

/// What is kept of the runs `wanted` at this store schema, shared out among the connections.
pub(super) async fn read_kept(
    clients: &[Client],
    wanted: &[(String, i64)],
) -> Result<Vec<Kept>, TrustError> {
    let shares = share_out(wanted, clients.len());
    let parts = futures_util::future::try_join_all(
        clients
            .iter()
            .zip(&shares)
            .filter(|(_, share)| !share.is_empty())
            .map(|(c, share)| async move {
                let schools: Vec<&str> = share.iter().map(|(s, _)| s.as_str()).collect();
                let ids: Vec<i64> = share.iter().map(|(_, r)| *r).collect();
                c.query(
                    "SELECT k.school, k.run_id, k.packed, k.findings
                     FROM unnest($1::text[], $2::bigint[]) AS w(school, run_id)
                     JOIN run_findings k ON k.school = w.school AND k.run_id = w.run_id
                     WHERE k.store_schema = $3",
                    &[&schools, &ids, &super::schema::TRUST_SCHEMA],
                )
                .await
            }),
    )
    .await?;
    Ok(parts
        .into_iter()
        .flatten()
        .map(|r| ((r.get(0), r.get(1)), r.get(2), r.get(3)))
        .collect())
}

/// Kept values unpacked on every core (with or without the findings' evidence): the findings
/// read, and why the others could not be.
pub(super) fn unpack_all(kept: Vec<Kept>, evidence: bool) -> (RunFindings, Vec<(RunKey, String)>) {
    let unpacked: Vec<Unpacked> = caretaker_model::cores::map(&kept, |(key, packed, count)| {
        (
            key.clone(),
            super::kept::unpack_counted(packed, *count, evidence),
        )
    });
    let mut read = BTreeMap::new();
    let mut unread = Vec::new();
    for (key, got) in unpacked {
        match got {
            Ok(findings) => {
                read.insert(key, findings);
            }
            Err(why) => unread.push((key, why)),
        }
    }
    (read, unread)
}

/// The rows the findings of some runs are made of, as read on one connection.
struct Fetched {
    results: Vec<(String, SpoolResult)>,
    subjects: HashMap<(String, i64), SpoolSubject>,
    texts: HashMap<(String, i64), SpoolText>,
}

/// The rows of the runs `wanted` (school, run): the runs' results first (small rows, in the
/// order they are kept); then, school by school and all sent at once, the subjects and texts
/// they point at, each read once however many results point at it.
async fn fetch(client: &Client, wanted: &[(String, i64)]) -> Result<Fetched, TrustError> {
    let schools: Vec<&str> = wanted.iter().map(|(s, _)| s.as_str()).collect();
    let ids: Vec<i64> = wanted.iter().map(|(_, r)| *r).collect();
    let rows = client
        .query(
            "SELECT r.school, r.run_id, r.id, r.subject, r.status, r.text, r.observed_secs,
                    r.observed_text, r.said, r.varying
             FROM unnest($1::text[], $2::bigint[]) AS w(school, run_id)
             JOIN results r ON r.school = w.school AND r.run_id = w.run_id
             ORDER BY r.school, r.run_id, r.id",
            &[&schools, &ids],
        )
        .await?;
    let mut results: Vec<(String, SpoolResult)> = Vec::with_capacity(rows.len());
    let mut wants: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for r in &rows {
        let school: String = r.get(0);
        let result = SpoolResult {
            run_id: r.get(1),
            id: r.get(2),
            subject: r.get(3),
            status: i64::from(r.get::<_, i16>(4)),
            text: r.get(5),
            observed: match (r.get::<_, Option<i64>>(6), r.get::<_, Option<String>>(7)) {
                (Some(s), _) => Observed::Secs(s),
                (None, Some(t)) => Observed::Text(t),
                (None, None) => Observed::None,
            },
            said: r.get(8),
            varying: r.get(9),
        };
        let w = wants.entry(school.clone()).or_default();
        w.0.push(result.subject);
        w.1.push(result.text);
        results.push((school, result));
    }
    drop(rows);
    let subjects_sql = client
        .prepare(
            "SELECT id, check_id, target_kind, target_name, target_scope, clauses, fingerprint
             FROM subjects WHERE school = $1 AND id = ANY($2)",
        )
        .await?;
    let texts_sql = client
        .prepare(
            "SELECT id, severity, summary, evidence, remediation
             FROM texts WHERE school = $1 AND id = ANY($2)",
        )
        .await?;
    let mut asks = Vec::new();
    for (school, (subjects, texts)) in &mut wants {
        for v in [&mut *subjects, &mut *texts] {
            v.sort_unstable();
            v.dedup();
        }
        let (subjects_sql, texts_sql) = (&subjects_sql, &texts_sql);
        asks.push(async move {
            let name = school.as_str();
            let (s_ids, t_ids): (&Vec<i64>, &Vec<i64>) = (subjects, texts);
            let s_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&name, s_ids];
            let t_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&name, t_ids];
            let s = client.query(subjects_sql, &s_params);
            let t = client.query(texts_sql, &t_params);
            let (s, t) = futures_util::future::try_join(s, t).await?;
            Ok::<_, tokio_postgres::Error>((school.clone(), s, t))
        });
    }
    let mut subjects: HashMap<(String, i64), SpoolSubject> = HashMap::new();
    let mut texts: HashMap<(String, i64), SpoolText> = HashMap::new();
    for (school, s_rows, t_rows) in futures_util::future::try_join_all(asks).await? {
        for r in &s_rows {
            let id: i64 = r.get(0);
            subjects.insert(
                (school.clone(), id),
                SpoolSubject {
                    id,
                    check_id: r.get(1),
                    target_kind: r.get(2),
                    target_name: r.get(3),
                    target_scope: r.get(4),
                    clauses: r.get(5),
                    fingerprint: r.get(6),
                },
            );
        }
        for r in &t_rows {
            let id: i64 = r.get(0);
            texts.insert(
                (school.clone(), id),
                SpoolText {
                    id,
                    hash: Vec::new(),
                    severity: r.get(1),
                    summary: r.get(2),
                    evidence: r.get(3),
                    remediation: r.get(4),
                },
            );
        }
    }
    Ok(Fetched {
        results,
        subjects,
        texts,
    })
}

/// The findings of what was fetched, each read back by the store's own rules, put together on
/// every core (each finding's evidence is read from its JSON).
fn put_together(fetched: Vec<Fetched>) -> Result<RunFindings, TrustError> {
    let mut results = Vec::new();
    let mut subjects = HashMap::new();
    let mut texts = HashMap::new();
    for f in fetched {
        results.extend(f.results);
        subjects.extend(f.subjects);
        texts.extend(f.texts);
    }
    let built: Vec<Result<Placed, TrustError>> = caretaker_model::cores::map(
        &results,
        |(school, result)| {
            let key = |id| (school.clone(), id);
            let missing = |what: &str, id: i64| {
                TrustError::Refused(format!(
                    "school {school}: run {}'s finding {} points at {what} {id}, which the trust's database does not hold",
                    result.run_id, result.id
                ))
            };
            let subject = subjects
                .get(&key(result.subject))
                .ok_or_else(|| missing("subject", result.subject))?;
            let text = texts
                .get(&key(result.text))
                .ok_or_else(|| missing("text", result.text))?;
            let finding = spool_finding(result.run_id, subject, text, result)
                .map_err(|e: StoreError| TrustError::Refused(format!("school {school}: {e}")))?;
            Ok((school.clone(), result.run_id, finding))
        },
    );
    let mut out: RunFindings = BTreeMap::new();
    for placed in built {
        let (school, run, finding) = placed?;
        out.entry((school, run)).or_default().push(finding);
    }
    Ok(out)
}

/// A finding with its school and run.
type Placed = (String, i64, Finding);

/// Every school's filter-change log, oldest first.
async fn read_logs(
    client: &Client,
) -> Result<HashMap<String, Vec<crate::assess::StoredRecord>>, TrustError> {
    let rows = client
        .query(
            "SELECT school, id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash
             FROM records ORDER BY school, id",
            &[],
        )
        .await?;
    let mut out: HashMap<String, Vec<crate::assess::StoredRecord>> = HashMap::new();
    for r in &rows {
        out.entry(r.get(0))
            .or_default()
            .push(crate::assess::StoredRecord {
                id: r.get(1),
                kind: crate::assess::StoredKind::from_column(r.get(2)),
                body: r.get(3),
                entered_by: r.get(4),
                entered_at: r.get(5),
                supersedes: r.get(6),
                prev_hash: r.get(7),
                hash: r.get(8),
            });
    }
    Ok(out)
}
