//! The console's one way to its data. [`InProcess`] reads the store and runs the engine in this
//! process; a daemon client speaking over the local socket will be another [`Source`].
//!
//! Every method but [`Source::start_audit`] may block (SQLite, later a socket): the console calls
//! them on blocking threads, never on its UI task, and gets the answers back as actions.

use std::sync::Arc;

use caretaker_checks::{ClauseMap, Finding};
use caretaker_config::Loaded;
use caretaker_daemon::assess::{
    self, Attestation, Log, RiskAssessment, SiteLogEntry, StoredRecord, Waiver,
};
use caretaker_daemon::engine::{self, AuditRequest, Progress};
use caretaker_daemon::filterlog::FilterCheck;
use caretaker_daemon::store::{
    fingerprint, os_user, RunRecord, RunState, StatusCounts, Store, Trigger, Verdict,
};
use tokio::sync::{mpsc, oneshot};

use crate::model::{ChangeLog, Picture, Seen, PICTURE_RUNS};

/// Why a source could not answer, in words for the status line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

impl SourceError {
    fn of(e: impl std::fmt::Display) -> SourceError {
        SourceError(e.to_string())
    }
}

/// What to audit: everything, some checks, or one machine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditScope {
    /// `--only` selectors (check ids or families); empty for everything.
    pub selectors: Vec<String>,
    /// One configured machine only (its host checks).
    pub host: Option<String>,
    /// The risk assessment whose change this run re-checks (the console's `v`): the audit is
    /// refused when the core's rule refuses the re-check.
    pub verifies: Option<i64>,
}

impl AuditScope {
    pub fn everything() -> AuditScope {
        AuditScope::default()
    }

    pub fn checks(selectors: Vec<String>) -> AuditScope {
        AuditScope {
            selectors,
            host: None,
            verifies: None,
        }
    }

    pub fn host(name: &str) -> AuditScope {
        AuditScope {
            selectors: vec!["host".into()],
            host: Some(name.to_string()),
            verifies: None,
        }
    }

    /// "everything", "directory.lockout", "the machine library-pc".
    pub fn describe(&self) -> String {
        match (&self.host, self.selectors.is_empty()) {
            (Some(h), _) => format!("the machine {h}"),
            (None, true) => "everything".to_string(),
            (None, false) => self.selectors.join(", "),
        }
    }
}

/// What an audit reports as it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    /// Recorded as run `run_id`; `units` pieces of work to do.
    Started { run_id: i64, units: usize },
    /// A piece of work finished and its findings are stored.
    UnitDone {
        unit: String,
        findings: usize,
        failing: usize,
    },
    /// The run is closed.
    Finished {
        run_id: i64,
        state: RunState,
        verdict: Verdict,
        counts: StatusCounts,
    },
    /// The audit could not run (or its store write failed).
    Failed(String),
}

/// A running audit: its events, and the means to stop it. Dropping `cancel` (or sending on it)
/// stops the audit; what is stored stays and the run is recorded as interrupted.
#[derive(Debug)]
pub struct AuditHandle {
    pub events: mpsc::UnboundedReceiver<AuditEvent>,
    pub cancel: oneshot::Sender<()>,
}

/// The console's data, wherever it lives.
pub trait Source: Send + Sync + 'static {
    /// The current picture: the latest full run with any later partial runs laid over it.
    fn overview(&self) -> Result<Picture, SourceError>;
    /// Stored runs, newest first, with their counts.
    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, SourceError>;
    /// One run's findings.
    fn findings(&self, run: i64) -> Result<Vec<Finding>, SourceError>;
    /// When a finding (its check, target and status) was first and last seen.
    fn seen(&self, finding: &Finding) -> Result<Option<Seen>, SourceError>;
    /// The filter checks of the newest `runs` runs, oldest first.
    fn filter_log(&self, runs: usize) -> Result<Vec<FilterCheck>, SourceError>;
    /// Starts an audit and returns at once; progress arrives on the handle.
    fn start_audit(&self, scope: AuditScope) -> Result<AuditHandle, SourceError>;
    /// The filter-change log: risk assessments, the site log, filter checks after a change.
    fn change_log(&self) -> Result<ChangeLog, SourceError>;
    /// Appends a (validated) risk assessment, entered by the operating-system user.
    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, SourceError>;
    /// Appends a (validated) waiver, entered by the operating-system user.
    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, SourceError>;
    /// Appends a (validated) attestation, entered by the operating-system user.
    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, SourceError>;
    /// Appends a (validated) site-log entry, entered by the operating-system user.
    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, SourceError>;
    /// Judges finished run `run`'s filter tests for risk assessment `assessment` and appends
    /// the verification that links them, entered by the operating-system user.
    fn add_verification(&self, assessment: i64, run: i64) -> Result<StoredRecord, SourceError>;
    /// Appends the withdrawal of waiver or attestation `id` for `reason`, entered by the
    /// operating-system user.
    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, SourceError>;
}

impl<S: Source + ?Sized> Source for Arc<S> {
    fn overview(&self) -> Result<Picture, SourceError> {
        (**self).overview()
    }
    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, SourceError> {
        (**self).runs(limit)
    }
    fn findings(&self, run: i64) -> Result<Vec<Finding>, SourceError> {
        (**self).findings(run)
    }
    fn seen(&self, finding: &Finding) -> Result<Option<Seen>, SourceError> {
        (**self).seen(finding)
    }
    fn filter_log(&self, runs: usize) -> Result<Vec<FilterCheck>, SourceError> {
        (**self).filter_log(runs)
    }
    fn start_audit(&self, scope: AuditScope) -> Result<AuditHandle, SourceError> {
        (**self).start_audit(scope)
    }
    fn change_log(&self) -> Result<ChangeLog, SourceError> {
        (**self).change_log()
    }
    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, SourceError> {
        (**self).add_assessment(a)
    }
    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, SourceError> {
        (**self).add_waiver(w)
    }
    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, SourceError> {
        (**self).add_attestation(a)
    }
    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, SourceError> {
        (**self).add_site(s)
    }
    fn add_verification(&self, assessment: i64, run: i64) -> Result<StoredRecord, SourceError> {
        (**self).add_verification(assessment, run)
    }
    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, SourceError> {
        (**self).withdraw(id, reason)
    }
}

/// The current picture from `runs` (newest first), reading the findings of each run needed: runs
/// still running are skipped, and reading stops at the latest complete full run.
pub fn overview_from(
    school: &str,
    map: &ClauseMap,
    runs: Vec<RunRecord>,
    mut findings: impl FnMut(i64) -> Result<Vec<Finding>, SourceError>,
) -> Result<Picture, SourceError> {
    let latest = runs.first().cloned();
    let mut with = Vec::new();
    for run in runs.into_iter().take(PICTURE_RUNS) {
        if run.state == RunState::Running {
            continue;
        }
        let full = run.state == RunState::Complete && run.only.is_empty();
        let fs = findings(run.id)?;
        with.push((run, fs));
        if full {
            break;
        }
    }
    Ok(Picture::build(school, map, latest, with))
}

/// The store and the engine, in this process (no daemon).
#[derive(Debug, Clone)]
pub struct InProcess {
    store: Store,
    map: ClauseMap,
    loaded: Loaded,
}

impl InProcess {
    /// Opens the configured store.
    pub fn open(loaded: Loaded, map: ClauseMap) -> Result<InProcess, SourceError> {
        let store = Store::open(&loaded.store_path).map_err(SourceError::of)?;
        Ok(InProcess::new(store, loaded, map))
    }

    /// Over an already open store.
    pub fn new(store: Store, loaded: Loaded, map: ClauseMap) -> InProcess {
        InProcess { store, map, loaded }
    }

    /// The configuration to audit `scope` with: for one machine, only that `[[host]]`.
    fn scoped(&self, scope: &AuditScope) -> Result<Loaded, SourceError> {
        let mut loaded = self.loaded.clone();
        if let Some(host) = &scope.host {
            let c = &mut loaded.config;
            c.host_list.retain(|h| &h.name == host);
            if c.host_list.is_empty() {
                return Err(SourceError(format!(
                    "{host} is not a [[host]] of {} (found in the directory?): audit all machines with the host checks instead",
                    self.loaded.path.display()
                )));
            }
            c.directories.clear();
            c.hosts.discover.clear();
            c.filter.vantages.clear();
        }
        Ok(loaded)
    }
}

impl Source for InProcess {
    fn overview(&self) -> Result<Picture, SourceError> {
        let runs = self.store.runs(PICTURE_RUNS).map_err(SourceError::of)?;
        let picture = overview_from(&self.loaded.config.school.name, &self.map, runs, |id| {
            self.store.findings(id).map_err(SourceError::of)
        })?;
        let log = Log::read(&self.store).map_err(SourceError::of)?;
        Ok(picture.with_attestations(&log.attestations(), assess::today()))
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, SourceError> {
        self.store.runs(limit).map_err(SourceError::of)
    }

    fn findings(&self, run: i64) -> Result<Vec<Finding>, SourceError> {
        self.store.findings(run).map_err(SourceError::of)
    }

    fn seen(&self, finding: &Finding) -> Result<Option<Seen>, SourceError> {
        let s = self
            .store
            .sightings(&fingerprint(finding), finding.status)
            .map_err(SourceError::of)?;
        Ok(s.map(|s| Seen {
            first_run: s.first_run,
            first_at: s.first_started_at,
            last_run: s.last_run,
            last_at: s.last_started_at,
            runs: s.runs,
        }))
    }

    fn filter_log(&self, runs: usize) -> Result<Vec<FilterCheck>, SourceError> {
        let recent = self.store.runs(runs.max(1)).map_err(SourceError::of)?;
        let Some(oldest) = recent.last() else {
            return Ok(Vec::new());
        };
        caretaker_daemon::filterlog::log(&self.store, Some(&oldest.started_at))
            .map_err(SourceError::of)
    }

    fn change_log(&self) -> Result<ChangeLog, SourceError> {
        Ok(ChangeLog {
            records: self.store.records().map_err(SourceError::of)?,
            consent_from: self.loaded.config.assess.consent_from,
            user: os_user(),
        })
    }

    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, SourceError> {
        assess::add_assessment(&self.store, a, &os_user()).map_err(SourceError::of)
    }

    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, SourceError> {
        assess::add_waiver(&self.store, w, &os_user()).map_err(SourceError::of)
    }

    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, SourceError> {
        assess::add_attestation(&self.store, a, &os_user()).map_err(SourceError::of)
    }

    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, SourceError> {
        assess::add_site(&self.store, s, &os_user()).map_err(SourceError::of)
    }

    fn add_verification(&self, assessment: i64, run: i64) -> Result<StoredRecord, SourceError> {
        assess::verify_with_run(&self.store, assessment, run, &os_user())
            .map(|(stored, _)| stored)
            .map_err(SourceError::of)
    }

    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, SourceError> {
        assess::withdraw(&self.store, id, reason.to_string(), &os_user()).map_err(SourceError::of)
    }

    fn start_audit(&self, scope: AuditScope) -> Result<AuditHandle, SourceError> {
        if let Some(id) = scope.verifies {
            let records = self.store.records().map_err(SourceError::of)?;
            let record = records
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| SourceError(format!("there is no risk assessment #{id}")))?;
            assess::recheck(
                record,
                assess::today(),
                self.loaded.config.filter.vantages.len(),
            )
            .map_err(|why| SourceError(format!("{why}; nothing was run or recorded")))?;
        }
        let selectors = engine::resolve_selectors(&scope.selectors).map_err(SourceError::of)?;
        let loaded = self.scoped(&scope)?;
        let (tx, events) = mpsc::unbounded_channel();
        let (cancel, cancelled) = oneshot::channel::<()>();
        let store = self.store.clone();
        let map = self.map.clone();
        // The engine gets a runtime of its own on its own thread: however busy the checks keep
        // it, the console's UI task never waits for them.
        std::thread::Builder::new()
            .name("caretaker-audit".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(AuditEvent::Failed(format!(
                            "cannot start the audit's runtime: {e}"
                        )));
                        return;
                    }
                };
                let progress_tx = tx.clone();
                let outcome = runtime.block_on(async {
                    let units = engine::units_from_config(&loaded, time::OffsetDateTime::now_utc());
                    let req =
                        AuditRequest::from_config(&loaded, Trigger::Console, os_user(), selectors);
                    engine::run_audit_with_progress(
                        &store,
                        &map,
                        units,
                        &req,
                        async move {
                            // Sent or dropped: either way, stop.
                            let _ = cancelled.await;
                        },
                        |p| {
                            let _ = progress_tx.send(match p {
                                Progress::Started { run_id, units } => {
                                    AuditEvent::Started { run_id, units }
                                }
                                Progress::UnitDone {
                                    unit,
                                    findings,
                                    failing,
                                } => AuditEvent::UnitDone {
                                    unit,
                                    findings,
                                    failing,
                                },
                            });
                        },
                    )
                    .await
                });
                // Let no check linger past the verdict (a probe stuck in a blocking call, say).
                runtime.shutdown_timeout(std::time::Duration::from_millis(100));
                let _ = tx.send(match outcome {
                    Ok(o) => AuditEvent::Finished {
                        run_id: o.run_id,
                        state: o.state,
                        verdict: o.verdict,
                        counts: StatusCounts::of(&o.findings),
                    },
                    Err(e) => AuditEvent::Failed(e.to_string()),
                });
            })
            .map_err(|e| SourceError(format!("cannot start the audit: {e}")))?;
        Ok(AuditHandle { events, cancel })
    }
}
