//! The engine: runs the enabled checks concurrently (bounded), each under a timeout, stores the
//! findings of each as it finishes, and settles the run's verdict.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use caretaker_checks::directory::DirectoryArea;
use caretaker_checks::host::HostArea;
use caretaker_checks::mail::MailArea;
use caretaker_checks::{Area, CheckId, ClauseMap, Evidence, Finding, Status, Target, TargetKind};
use caretaker_config::Loaded;
use tokio::sync::Semaphore;

use crate::store::{NewRun, RunState, Store, StoreError, Trigger, Verdict};

/// A check's work, ready to run.
pub type CheckFuture = Pin<Box<dyn Future<Output = Vec<Finding>> + Send + 'static>>;

/// One schedulable piece of work: one directory, one host, one vantage point. It yields findings
/// for one or more check ids.
pub struct Unit {
    /// `directory:ad`.
    pub name: String,
    /// The check ids this unit reports on.
    pub check_ids: Vec<CheckId>,
    /// What error findings are about if the unit cannot finish.
    pub target: Target,
    /// Plain words for what the unit checks ("the directory \"ad\"").
    pub what: String,
    /// Its own time limit, when `audit.timeout_secs` does not fit (many machines in waves).
    pub timeout: Option<Duration>,
    pub work: CheckFuture,
}

impl std::fmt::Debug for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unit")
            .field("name", &self.name)
            .field("check_ids", &self.check_ids)
            .finish()
    }
}

/// Every check id caretaker knows, for validating `--only`.
pub fn known_check_ids() -> Vec<CheckId> {
    caretaker_checks::registry::ids()
        .into_iter()
        .map(CheckId::new)
        .collect()
}

/// The check ids of an area, as a unit reports them.
fn area_ids<A: Area>() -> Vec<CheckId> {
    A::specs().iter().map(|s| CheckId::new(s.id)).collect()
}

/// A selector given to `--only` that names no check.
#[derive(Debug, thiserror::Error)]
#[error("no check is called {selector:?}; the checks are: {known}")]
pub struct UnknownCheck {
    pub selector: String,
    pub known: String,
}

/// The words people type for an area, and the family of checks each means.
const AREA_WORDS: &[(&str, &str)] = &[
    ("host", "host"),
    ("hosts", "host"),
    ("machine", "host"),
    ("machines", "host"),
    ("computers", "host"),
    ("directory", "directory"),
    ("directories", "directory"),
    ("dir", "directory"),
    ("ldap", "directory"),
    ("ad", "directory"),
    ("accounts", "directory"),
    ("filter", "filter"),
    ("filters", "filter"),
    ("filtering", "filter"),
    ("web-filter", "filter"),
    ("webfilter", "filter"),
    ("mail", "mail"),
    ("email", "mail"),
    ("e-mail", "mail"),
    ("dns", "mail"),
];

/// The canonical selector for what a person typed: an area's name as people say it (`hosts`,
/// `machines`, `ldap`, `filtering`), a check id or family (`host.antivirus`, `directory`), the
/// same with the area's other name (`hosts.antivirus`), or a check's own name when only one check
/// has it (`screen-lock`). `None` when it names nothing.
pub fn resolve_selector(selector: &str, known: &[CheckId]) -> Option<String> {
    let sel = selector.trim().to_ascii_lowercase();
    if known.iter().any(|id| id.matches(&sel)) {
        return Some(sel);
    }
    let (head, rest) = match sel.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (sel.as_str(), None),
    };
    if let Some((_, family)) = AREA_WORDS.iter().find(|(w, _)| *w == head) {
        let canon = match rest {
            Some(r) => format!("{family}.{r}"),
            None => (*family).to_string(),
        };
        if known.iter().any(|id| id.matches(&canon)) {
            return Some(canon);
        }
    }
    let by_name: Vec<&CheckId> = known
        .iter()
        .filter(|id| id.as_str().split_once('.').map(|(_, n)| n) == Some(sel.as_str()))
        .collect();
    match by_name.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// Checks `--only` selectors against the known check ids and returns them in canonical form
/// (see [`resolve_selector`]), in the order given.
pub fn resolve_selectors(only: &[String]) -> Result<Vec<String>, UnknownCheck> {
    let known = known_check_ids();
    let mut out: Vec<String> = Vec::new();
    for sel in only {
        let Some(canon) = resolve_selector(sel, &known) else {
            let mut families: Vec<String> =
                known.iter().map(|id| id.family().to_string()).collect();
            families.dedup();
            let list = families
                .into_iter()
                .chain(known.iter().map(|id| id.to_string()))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(UnknownCheck {
                selector: sel.clone(),
                known: list,
            });
        };
        if !out.contains(&canon) {
            out.push(canon);
        }
    }
    Ok(out)
}

/// The units the configuration asks for.
///
/// The engine's scheduling stays its own: one unit per directory (from [`DirectoryArea::units`]),
/// one for all machines (they share one SSH fan-out in waves), one per filter vantage point, one
/// per mail domain.
pub fn units_from_config(loaded: &Loaded, now: time::OffsetDateTime) -> Vec<Unit> {
    let mut units = Vec::new();
    for dir in DirectoryArea::units(&loaded.config) {
        let d = dir.clone();
        units.push(Unit {
            name: format!("directory:{}", dir.name),
            check_ids: area_ids::<DirectoryArea>(),
            target: Target::new(TargetKind::Directory, dir.name.clone(), ""),
            what: format!("the directory \"{}\" ({})", dir.name, dir.url),
            timeout: None,
            work: Box::pin(async move { caretaker_checks::directory::audit(&d, now).await }),
        });
    }
    let hosts = crate::hosts::inventory(loaded);
    let discovering = !loaded.config.hosts.discover.is_empty();
    if !hosts.is_empty() || discovering {
        // Machines found in the directory are not known yet: allow waves for up to 256 per
        // `[[hosts.discover]]` beside the configured ones.
        let n = hosts.len();
        let expected = n + 256 * loaded.config.hosts.discover.len();
        let concurrency = loaded.config.hosts.concurrency;
        let thresholds = crate::hosts::thresholds(loaded);
        // Every machine has its own connect and command limits; the unit allows for the waves
        // they run in, so that a slow machine is reported as such rather than cutting the rest.
        let per_host =
            loaded.config.hosts.connect_timeout_secs + loaded.config.hosts.command_timeout_secs;
        let waves = expected.div_ceil(concurrency.max(1)) as u64;
        let timeout = Duration::from_secs(per_host.saturating_mul(waves) + 30)
            .max(Duration::from_secs(loaded.config.audit.timeout_secs));
        let what = if discovering {
            format!(
                "the {n} configured machine{} and those found in the directory",
                if n == 1 { "" } else { "s" }
            )
        } else {
            format!("the {n} machine{}", if n == 1 { "" } else { "s" })
        };
        let loaded = loaded.clone();
        units.push(Unit {
            name: "hosts".to_string(),
            check_ids: area_ids::<HostArea>(),
            target: Target::new(TargetKind::System, "hosts", ""),
            what,
            timeout: Some(timeout),
            work: Box::pin(async move {
                let (hosts, mut findings) = if discovering {
                    let (machines, findings) = crate::hosts::full_inventory(&loaded).await;
                    let hosts = machines
                        .into_iter()
                        .filter(|m| m.audit)
                        .map(|m| (m.info, m.target))
                        .collect();
                    (hosts, findings)
                } else {
                    (hosts, Vec::new())
                };
                findings
                    .extend(crate::hosts::audit_hosts(hosts, concurrency, thresholds, now).await);
                findings
            }),
        });
    }
    units.extend(crate::filter::units(loaded));
    let mail = loaded.config.mail.clone();
    // Up to three queries (SPF, a redirect, DMARC), each within its limit.
    let mail_timeout = Duration::from_secs(3 * mail.timeout_secs + 5);
    for domain in MailArea::units(&loaded.config) {
        let (d, settings) = (domain.clone(), mail.clone());
        units.push(Unit {
            name: format!("mail:{domain}"),
            check_ids: area_ids::<MailArea>(),
            target: Target::new(TargetKind::Domain, domain.clone(), ""),
            what: format!("the mail domain {domain}"),
            timeout: Some(mail_timeout),
            work: Box::pin(async move { caretaker_checks::mail::audit(&d, &settings).await }),
        });
    }
    units
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    pub trigger: Trigger,
    pub who: String,
    /// `--only` selectors; empty for everything.
    pub only: Vec<String>,
    pub timeout: Duration,
    pub concurrency: usize,
    pub config_digest: String,
    pub school: String,
}

impl AuditRequest {
    /// A request built from the configuration's `[audit]` settings.
    pub fn from_config(loaded: &Loaded, trigger: Trigger, who: String, only: Vec<String>) -> Self {
        AuditRequest {
            trigger,
            who,
            only,
            timeout: Duration::from_secs(loaded.config.audit.timeout_secs),
            concurrency: loaded.config.audit.concurrency,
            config_digest: loaded.digest.clone(),
            school: loaded.config.school.name.clone(),
        }
    }
}

/// What an audit produced.
#[derive(Debug, Clone)]
pub struct AuditOutcome {
    pub run_id: i64,
    pub state: RunState,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// What an audit reports as it goes (for the console's progress view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The run is recorded as `running` and `units` units (after `--only`) are about to start.
    Started { run_id: i64, units: usize },
    /// One unit finished and its findings (after `--only`) are stored.
    UnitDone {
        unit: String,
        findings: usize,
        failing: usize,
    },
}

/// Runs `units` under `req`, writing to `store`. `cancel` completing (SIGTERM, Ctrl-C) stops the
/// audit: findings already stored stay, and the run is marked interrupted.
pub async fn run_audit(
    store: &Store,
    map: &ClauseMap,
    units: Vec<Unit>,
    req: &AuditRequest,
    cancel: impl Future<Output = ()>,
) -> Result<AuditOutcome, StoreError> {
    run_audit_with_progress(store, map, units, req, cancel, |_| {}).await
}

/// [`run_audit`], telling `progress` when the run starts and as each unit's findings are stored.
pub async fn run_audit_with_progress(
    store: &Store,
    map: &ClauseMap,
    units: Vec<Unit>,
    req: &AuditRequest,
    cancel: impl Future<Output = ()>,
    mut progress: impl FnMut(Progress),
) -> Result<AuditOutcome, StoreError> {
    // The waivers in force today (read once: a waiver recorded mid-run counts from the next run).
    // The same log judges the filter changes this run sees against the risk assessments.
    let log = store.log()?;
    let waivers = log.waivers();
    let today = store.clock().today();
    let run_id = store.begin_run(&NewRun {
        trigger: req.trigger,
        who: req.who.clone(),
        config_digest: req.config_digest.clone(),
        school: req.school.clone(),
        only: req.only.clone(),
    })?;
    let started_at = match store.run(Some(run_id))? {
        Some(run) => run.started_at,
        None => store.clock().now(),
    };
    let selected: Vec<Unit> = units
        .into_iter()
        .filter(|u| {
            req.only.is_empty()
                || u.check_ids
                    .iter()
                    .any(|id| req.only.iter().any(|s| id.matches(s)))
        })
        .collect();
    progress(Progress::Started {
        run_id,
        units: selected.len(),
    });
    let sem = Arc::new(Semaphore::new(req.concurrency.max(1)));
    let req_timeout = req.timeout;
    let mut tasks = tokio::task::JoinSet::new();
    for (index, unit) in selected.into_iter().enumerate() {
        let sem = sem.clone();
        tasks.spawn(async move {
            let Unit {
                name,
                check_ids,
                target,
                what,
                timeout,
                work,
            } = unit;
            let timeout = timeout.unwrap_or(req_timeout);
            let _permit = sem.acquire_owned().await;
            // The work runs in its own task so that a panic inside a check becomes an error
            // finding for that check, not the end of the audit.
            let handle = tokio::spawn(work);
            let abort = handle.abort_handle();
            let findings = match tokio::time::timeout(timeout, handle).await {
                Ok(Ok(findings)) => findings,
                Ok(Err(join)) => unit_errors(
                    &check_ids,
                    &target,
                    &format!("Could not finish checking {what}: the check stopped unexpectedly."),
                    &join.to_string(),
                ),
                Err(_) => {
                    abort.abort();
                    unit_errors(
                        &check_ids,
                        &target,
                        &format!(
                            "Could not finish checking {what} within {}.",
                            seconds(timeout)
                        ),
                        &format!("stopped after {} (audit.timeout_secs)", seconds(timeout)),
                    )
                }
            };
            tracing::debug!(unit = %name, findings = findings.len(), "check finished");
            (index, name, findings)
        });
    }

    let mut by_unit: Vec<(usize, Vec<Finding>)> = Vec::new();
    let mut cancelled = false;
    tokio::pin!(cancel);
    loop {
        tokio::select! {
            biased;
            _ = &mut cancel, if !cancelled => {
                cancelled = true;
                tasks.abort_all();
            }
            next = tasks.join_next() => {
                let Some(res) = next else { break };
                let Ok((index, unit, mut findings)) = res else { continue };
                // Compared with earlier runs before anything is left out or carried forward.
                let changes =
                    crate::filter_changes::changes(store, &log, run_id, started_at, &findings)?;
                findings.extend(changes);
                findings.retain(|f| req.only.is_empty() || req.only.iter().any(|s| f.check.matches(s)));
                for f in &mut findings {
                    f.clauses = map.clauses_for(&f.check);
                }
                carry_forward(store, &mut findings, store.clock().now())?;
                crate::assess::apply_waivers(&mut findings, &waivers, today);
                store.add_findings(run_id, &findings)?;
                progress(Progress::UnitDone {
                    unit,
                    findings: findings.len(),
                    failing: findings
                        .iter()
                        .filter(|f| f.status == caretaker_checks::Status::Fail)
                        .count(),
                });
                by_unit.push((index, findings));
            }
        }
    }
    // Report in configuration order, whatever order the checks finished in.
    by_unit.sort_by_key(|(i, _)| *i);
    let findings: Vec<Finding> = by_unit.into_iter().flat_map(|(_, f)| f).collect();
    let (state, verdict) = if cancelled {
        (RunState::Interrupted, Verdict::Incomplete)
    } else {
        (RunState::Complete, Verdict::of(&findings))
    };
    store.finish_run(run_id, state, Some(verdict))?;
    Ok(AuditOutcome {
        run_id,
        state,
        verdict,
        findings,
    })
}

/// How long a failure seen before still counts as one while the thing cannot be checked.
pub const CARRY_FAILURES_FOR: time::Duration = time::Duration::days(30);

/// A check that could not be done today does not erase what was known: for each `error` finding
/// whose last real check (see [`Store::last_checked`]) failed, within [`CARRY_FAILURES_FOR`],
/// the finding stays a failure, saying how old that knowledge is and why it could not be checked
/// today (its fix and severity are the failure's). An older failure leaves the error as it is,
/// with its age said. A failure carried before keeps the date it was really seen.
pub fn carry_forward(
    store: &Store,
    findings: &mut [Finding],
    now: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .map(crate::store::fingerprint)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let known = store.last_checked(&errors)?;
    for f in findings.iter_mut().filter(|f| f.status == Status::Error) {
        let Some((run, started, last)) = known.get(&crate::store::fingerprint(f)) else {
            continue;
        };
        if !matches!(last.status, Status::Fail | Status::Waived) {
            continue;
        }
        // A carried failure points at the run that really saw it.
        let (run, seen_at, summary) = match (
            last.evidence.get("last_seen_failing_run"),
            last.evidence.get("last_seen_failing_at"),
            last.evidence.get("last_seen_failing"),
        ) {
            (Some(r), Some(at), Some(s)) => (r.to_string(), at.to_string(), s.to_string()),
            _ => (
                run.to_string(),
                caretaker_model::finding::format_rfc3339(*started),
                last.summary.clone(),
            ),
        };
        let Ok(seen) =
            time::OffsetDateTime::parse(&seen_at, &time::format_description::well_known::Rfc3339)
        else {
            continue;
        };
        let age = now - seen;
        let ago = ago(age);
        let today = f.summary.clone();
        f.evidence.push("last_seen_failing", &summary);
        f.evidence.push("last_seen_failing_run", &run);
        f.evidence.push("last_seen_failing_at", &seen_at);
        if age <= CARRY_FAILURES_FOR {
            f.summary = format!(
                "Last seen failing {ago} (run {run}): {summary} It could not be checked today: {today}"
            );
            f.status = Status::Fail;
            f.severity = last.severity;
            f.remediation = last.remediation.clone().or(f.remediation.take());
        } else {
            f.summary = format!("{today} It was last seen failing {ago} (run {run}).");
        }
    }
    Ok(())
}

/// "3 hours ago", "yesterday", "12 days ago".
fn ago(d: time::Duration) -> String {
    let days = d.whole_days();
    match days {
        i64::MIN..=0 => match d.whole_hours() {
            h if h <= 1 => "within the hour".to_string(),
            h => format!("{h} hours ago"),
        },
        1 => "yesterday".to_string(),
        n => format!("{n} days ago"),
    }
}

/// "120 seconds", "0.3 seconds".
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} seconds", d.as_secs())
    } else {
        format!("{:.1} seconds", d.as_secs_f64())
    }
}

fn unit_errors(
    check_ids: &[CheckId],
    target: &Target,
    summary: &str,
    reason: &str,
) -> Vec<Finding> {
    check_ids
        .iter()
        .map(|id| {
            Finding::error(
                id.as_str(),
                target.clone(),
                summary,
                Evidence::new("caretaker").with("reason", reason),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
