//! [`Local`]: the API in this process — the store opened here, the engine run here.

use std::sync::OnceLock;

use caretaker_api::{
    Api, ApiError, AuditEvent, AuditHandle, AuditScope, Catalogue, ChangeLog, FilterLogSpan,
    HostKeyOffer, Inventory, KeyPrint, Machine, MachineSource, Overview, PublishedHead,
    SettingProblem,
};
use caretaker_checks::host::transport::{
    fetch_host_key, known_hosts_name, known_keys, trust_host_key, HostKey,
};
use caretaker_checks::ClauseMap;
use caretaker_config::Loaded;
use caretaker_model::filterlog::{CellResult, FilterCheck};
use caretaker_model::records::{
    Attestation, ChainReport, RiskAssessment, SiteLogEntry, StoredRecord, Verification, Waiver,
};
use caretaker_model::run::Sightings;
use caretaker_model::{Clock, Finding};
use tokio::sync::{mpsc, oneshot};

use crate::assess;
use crate::engine::{self, AuditRequest, Progress};
use crate::store::{
    fingerprint, os_user, RunRecord, RunState, StatusCounts, Store, StoreError, Trigger,
};

/// How many of the latest runs the current picture may be made of.
pub const OVERVIEW_RUNS: usize = 20;

/// The store and the engine, in this process. The store is opened when first needed, so that
/// what needs no store (the configuration's problems, the machines) does not create one.
/// Cloning shares the store.
#[derive(Debug, Clone)]
pub struct Local {
    store: OnceLock<Store>,
    map: ClauseMap,
    loaded: Loaded,
    clock: Clock,
    user: Option<String>,
}

/// A store error as the API's: a refusal stays a refusal, anything else is the store's.
pub(crate) fn api(e: StoreError) -> ApiError {
    match e {
        StoreError::Refused(why) => ApiError::Refused(why),
        StoreError::NoSuchRun(id) => ApiError::NoSuchRun(id),
        other => ApiError::Store(other.to_string()),
    }
}

impl Local {
    /// Over the configured store, opened now (its problems are known at once).
    pub fn open(loaded: Loaded, map: ClauseMap) -> Result<Local, ApiError> {
        let local = Local::lazy(loaded, map);
        local.store()?;
        Ok(local)
    }

    /// Over the configured store, opened when first needed.
    pub fn lazy(loaded: Loaded, map: ClauseMap) -> Local {
        Local {
            store: OnceLock::new(),
            map,
            loaded,
            clock: Clock::system(),
            user: None,
        }
    }

    /// Over an already open store (its filter-change log signed with the configured key, unless
    /// the store was given another).
    pub fn new(store: Store, loaded: Loaded, map: ClauseMap) -> Local {
        let store = if store.seal().is_some() {
            store
        } else {
            store.with_seal(crate::store::Seal::new(&loaded.log_key))
        };
        let mut local = Local::lazy(loaded, map);
        local.clock = store.clock().clone();
        let _ = local.store.set(store);
        local
    }

    /// The same API, with `clock` as "now": for what is stamped (runs, records, actions) and
    /// for what depends on today (waivers in force, re-checks).
    pub fn with_clock(mut self, clock: Clock) -> Local {
        if let Some(store) = self.store.take() {
            let _ = self.store.set(store.with_clock(clock.clone()));
        }
        self.clock = clock;
        self
    }

    /// The same API, acting for `user`: what it records is entered by that name. (By default,
    /// the operating-system user this process runs as.)
    pub fn as_user(mut self, user: impl Into<String>) -> Local {
        self.user = Some(user.into());
        self
    }

    /// The same API over the same store, acting for `user` (the daemon: for the user at the other
    /// end of its socket).
    pub fn acting_for(&self, user: impl Into<String>) -> Local {
        self.clone().as_user(user)
    }

    /// Who what this records is entered by.
    fn user(&self) -> String {
        self.user.clone().unwrap_or_else(os_user)
    }

    /// The store, opened on first use.
    fn store(&self) -> Result<&Store, ApiError> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let opened = Store::open_sealed(
            &self.loaded.store_path,
            crate::store::Seal::new(&self.loaded.log_key),
        )
        .map_err(api)?
        .with_clock(self.clock.clone());
        Ok(self.store.get_or_init(|| opened))
    }

    /// The clause map the findings are judged against.
    pub fn map(&self) -> &ClauseMap {
        &self.map
    }

    /// The machines of the inventory, as the engine sees them.
    fn inventory(&self) -> Result<(Vec<crate::hosts::Machine>, Vec<Finding>), ApiError> {
        if self.loaded.config.hosts.discover.is_empty() {
            return Ok((crate::hosts::configured(&self.loaded), Vec::new()));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ApiError::Audit(format!("cannot start the async runtime: {e}")))?;
        Ok(runtime.block_on(crate::hosts::full_inventory(&self.loaded)))
    }

    /// Machine `name` of the inventory, or what the machines are called.
    fn machine(&self, name: &str) -> Result<crate::hosts::Machine, ApiError> {
        let (machines, _) = self.inventory()?;
        if let Some(m) = machines.iter().find(|m| m.info.name == name) {
            return Ok(m.clone());
        }
        let names: Vec<&str> = machines.iter().map(|m| m.info.name.as_str()).collect();
        Err(ApiError::Unknown(format!(
            "no machine is called {name:?} in {} (nor found by [[hosts.discover]]); the machines are: {}",
            self.loaded.path.display(),
            if names.is_empty() {
                "(none)".to_string()
            } else {
                names.join(", ")
            }
        )))
    }

    /// The key machine `m` presents now.
    fn presented_key(&self, m: &crate::hosts::Machine) -> Result<HostKey, ApiError> {
        let timeout = std::time::Duration::from_secs(self.loaded.config.hosts.connect_timeout_secs);
        fetch_host_key(&m.info.address, m.target.port, timeout).map_err(|e| {
            ApiError::Audit(format!(
                "cannot read the host key of {} ({}:{}): {e}",
                m.info.name, m.info.address, m.target.port
            ))
        })
    }

    /// The configuration this audits with.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The configuration to audit `scope` with: for one machine, only that `[[host]]`.
    fn scoped(&self, scope: &AuditScope) -> Result<Loaded, ApiError> {
        let mut loaded = self.loaded.clone();
        if let Some(host) = &scope.host {
            let c = &mut loaded.config;
            c.host_list.retain(|h| &h.name == host);
            if c.host_list.is_empty() {
                return Err(ApiError::Unknown(format!(
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

/// The runs the current picture is made of, from `runs` (newest first): runs still running are
/// skipped, and reading stops at the latest complete full run.
pub fn picture_runs(
    runs: &[RunRecord],
    mut findings: impl FnMut(i64) -> Result<Vec<Finding>, ApiError>,
) -> Result<Vec<(RunRecord, Vec<Finding>)>, ApiError> {
    let mut with = Vec::new();
    for run in runs.iter().take(OVERVIEW_RUNS) {
        if run.state == RunState::Running {
            continue;
        }
        let full = run.state == RunState::Complete && run.only.is_empty();
        with.push((run.clone(), findings(run.id)?));
        if full {
            break;
        }
    }
    Ok(with)
}

/// The `--only` selectors as the engine takes them (each a check id or a family this version
/// has), or which one names no check. Needs no configuration: a front end may ask first.
pub fn selectors(only: &[String]) -> Result<Vec<String>, ApiError> {
    engine::resolve_selectors(only).map_err(|e| ApiError::Unknown(e.to_string()))
}

/// Every check this version has.
pub fn catalogue() -> Catalogue {
    Catalogue {
        checks: caretaker_checks::registry::all().copied().collect(),
        filter_control: caretaker_checks::filter::classify::CONTROL,
        filter_must_load: caretaker_checks::filter::classify::MUST_LOAD,
        views: caretaker_checks::standards::views(),
    }
}

fn print(k: &HostKey) -> KeyPrint {
    KeyPrint {
        key_type: k.key_type.clone(),
        fingerprint: k.fingerprint(),
    }
}

fn machine(m: &crate::hosts::Machine) -> Machine {
    Machine {
        name: m.info.name.clone(),
        address: m.info.address.clone(),
        port: m.target.port,
        user: m.target.user.clone(),
        os: (!m.info.detect_os).then(|| m.info.os.as_str().to_string()),
        roles: m.info.roles.clone(),
        simulated: m.info.simulated,
        audit: m.audit,
        source: match &m.source {
            crate::hosts::Source::Config => MachineSource::Config,
            crate::hosts::Source::Directory {
                directory,
                dn,
                operating_system,
            } => MachineSource::Directory {
                directory: directory.clone(),
                dn: dn.clone(),
                operating_system: operating_system.clone(),
            },
        },
    }
}

impl Api for Local {
    fn catalogue(&self) -> Catalogue {
        catalogue()
    }

    fn setting_problems(&self) -> Vec<SettingProblem> {
        crate::preflight::problems(&self.loaded)
            .into_iter()
            .map(|p| SettingProblem {
                setting: p.setting,
                reason: p.reason,
            })
            .collect()
    }

    fn machines(&self) -> Result<Inventory, ApiError> {
        let (machines, problems) = self.inventory()?;
        Ok(Inventory {
            machines: machines.iter().map(machine).collect(),
            problems,
        })
    }

    fn host_key(&self, name: &str) -> Result<HostKeyOffer, ApiError> {
        let m = self.machine(name)?;
        let key = self.presented_key(&m)?;
        let entry = known_hosts_name(&m.info.address, m.target.port);
        Ok(HostKeyOffer {
            machine: m.info.name.clone(),
            address: m.info.address.clone(),
            port: m.target.port,
            presented: print(&key),
            trusted: known_keys(&self.loaded.known_hosts, &entry)
                .iter()
                .map(print)
                .collect(),
            known_hosts: self.loaded.known_hosts.display().to_string(),
        })
    }

    fn trust_host_key(&self, name: &str, fingerprint: &str) -> Result<Vec<KeyPrint>, ApiError> {
        let m = self.machine(name)?;
        let key = self.presented_key(&m)?;
        if key.fingerprint() != fingerprint {
            return Err(ApiError::Refused(format!(
                "{} now presents the key {}, not the {fingerprint} that was compared; compare again",
                m.info.name,
                key.fingerprint()
            )));
        }
        let entry = known_hosts_name(&m.info.address, m.target.port);
        let replaced = trust_host_key(&self.loaded.known_hosts, &entry, &key)
            .map_err(|e| ApiError::Store(e.to_string()))?;
        Ok(replaced.iter().map(print).collect())
    }

    fn add_filter_action(&self, run: i64, vantage: &str, action: &str) -> Result<(), ApiError> {
        let store = self.store()?;
        let tested = store
            .findings_of(run, Some("filter"))
            .map_err(|e| match e {
                StoreError::NoSuchRun(_) => ApiError::NoSuchRun(run),
                other => api(other),
            })?;
        if !tested.iter().any(|f| f.target.scope == vantage) {
            return Err(ApiError::Unknown(format!(
                "run {run} has no filter check from {vantage:?} (see `caretaker filter log`)"
            )));
        }
        if action.trim().is_empty() {
            return Err(ApiError::Refused("the action is empty".into()));
        }
        store
            .add_filter_action(run, vantage, action.trim(), &self.user())
            .map_err(api)
    }

    fn overview(&self) -> Result<Overview, ApiError> {
        let runs = self.store()?.runs(OVERVIEW_RUNS).map_err(api)?;
        let with = picture_runs(&runs, |id| self.store()?.findings(id).map_err(api))?;
        let log = self.store()?.log().map_err(api)?;
        Ok(Overview {
            school: self.loaded.config.school.name.clone(),
            map: self.map.clone(),
            latest: runs.first().cloned(),
            runs: with,
            attestations: log.attestations(),
            today: self.clock.today(),
        })
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, ApiError> {
        self.store()?.runs(limit).map_err(api)
    }

    fn timetable_runs(&self) -> Result<Vec<RunRecord>, ApiError> {
        let store = self.store()?;
        crate::schedule::timetable_runs(|before| store.runs_before(before, 100)).map_err(api)
    }

    fn report(
        &self,
        period: caretaker_model::leadership::Period,
    ) -> Result<caretaker_model::leadership::LeadershipReport, ApiError> {
        crate::leadership::report(
            self.store()?,
            &self.loaded.config.school.name,
            &self.map,
            period,
            self.clock.now(),
        )
    }

    fn status(&self) -> Result<caretaker_api::Status, ApiError> {
        let timetable = crate::schedule::Timetable::from_config(&self.loaded).map_err(|e| {
            ApiError::Config {
                path: self.loaded.path.display().to_string(),
                why: format!("key `school.timezone`: {e}"),
            }
        })?;
        let daemon = crate::presence::Presence::find(&self.loaded.store_path);
        let runs = self.timetable_runs()?;
        Ok(crate::schedule::status(
            &timetable,
            daemon,
            &runs,
            jiff::Timestamp::now(),
        ))
    }

    fn run(&self, id: Option<i64>) -> Result<RunRecord, ApiError> {
        match self.store()?.run(id).map_err(api)? {
            Some(run) => Ok(run),
            None => Err(match id {
                Some(id) => ApiError::NoSuchRun(id),
                None => ApiError::NoRuns,
            }),
        }
    }

    fn findings(&self, run: i64) -> Result<Vec<Finding>, ApiError> {
        self.store()?.findings(run).map_err(api)
    }

    fn latest_finding(&self, fingerprint: &str) -> Result<Option<(i64, Finding)>, ApiError> {
        self.store()?.latest_finding(fingerprint).map_err(api)
    }

    fn seen(&self, finding: &Finding) -> Result<Option<Sightings>, ApiError> {
        self.store()?
            .sightings(&fingerprint(finding), finding.status)
            .map_err(api)
    }

    fn filter_log(&self, span: FilterLogSpan) -> Result<Vec<FilterCheck>, ApiError> {
        let since = match span {
            FilterLogSpan::All => None,
            FilterLogSpan::Since(s) => Some(s),
            FilterLogSpan::Runs(n) => {
                let recent = self.store()?.runs(n.max(1)).map_err(api)?;
                match recent.last() {
                    Some(oldest) => {
                        Some(caretaker_model::finding::format_rfc3339(oldest.started_at))
                    }
                    None => return Ok(Vec::new()),
                }
            }
        };
        crate::filterlog::log(self.store()?, since.as_deref()).map_err(api)
    }

    fn filter_history(
        &self,
        url: &str,
        vantage: &str,
        runs: usize,
    ) -> Result<Vec<CellResult>, ApiError> {
        self.store()?
            .filter_cell_history(url, vantage, runs)
            .map_err(api)
    }

    fn change_log(&self) -> Result<ChangeLog, ApiError> {
        Ok(ChangeLog {
            records: self.store()?.records().map_err(api)?,
            consent_from: self.loaded.config.assess.consent_from,
            user: self.user(),
            today: self.clock.today(),
        })
    }

    fn verify_records(&self, published: Option<&PublishedHead>) -> Result<ChainReport, ApiError> {
        let parsed = match published {
            None => None,
            Some(p) => Some((
                caretaker_ledger::Head::parse(&p.head)
                    .map_err(|e| ApiError::Refused(format!("{}: {e}", p.source)))?,
                p.source.as_str(),
            )),
        };
        self.store()?
            .verify_records_against(parsed.as_ref().map(|(h, s)| (h, *s)))
            .map_err(api)
    }

    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, ApiError> {
        assess::add_assessment(self.store()?, a, &self.user()).map_err(api)
    }

    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, ApiError> {
        assess::add_site(self.store()?, s, &self.user()).map_err(api)
    }

    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, ApiError> {
        assess::add_waiver(self.store()?, w, &self.user()).map_err(api)
    }

    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, ApiError> {
        assess::add_attestation(self.store()?, a, &self.user()).map_err(api)
    }

    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, ApiError> {
        assess::withdraw(self.store()?, id, reason.to_string(), &self.user()).map_err(api)
    }

    fn add_verification(
        &self,
        assessment: i64,
        run: i64,
    ) -> Result<(StoredRecord, Verification), ApiError> {
        assess::verify_with_run(self.store()?, assessment, run, &self.user()).map_err(api)
    }

    fn may_recheck(&self, id: i64) -> Result<(), ApiError> {
        let log = self.store()?.log().map_err(api)?;
        let record = log.get(id).ok_or_else(|| {
            ApiError::Unknown(format!(
                "there is no risk assessment #{id} (see `caretaker assess list`)"
            ))
        })?;
        match assess::recheck(
            record,
            self.clock.today(),
            self.loaded.config.filter.vantages.len(),
        ) {
            Ok(_) => Ok(()),
            Err(assess::RecheckRefused::NoVantagePoint) => Err(ApiError::Config {
                path: self.loaded.path.display().to_string(),
                why: format!(
                    "{}; nothing was run or recorded",
                    assess::RecheckRefused::NoVantagePoint
                ),
            }),
            Err(why) => Err(ApiError::Recheck(why)),
        }
    }

    fn alerts(&self) -> Result<Vec<caretaker_api::RunAlerts>, ApiError> {
        crate::alert::work_out(self.store()?, &self.loaded.config.alert).map_err(api)
    }

    fn start_audit(&self, scope: AuditScope, trigger: Trigger) -> Result<AuditHandle, ApiError> {
        if let Some(id) = scope.verifies {
            self.may_recheck(id)?;
        }
        let selectors = selectors(&scope.selectors)?;
        let loaded = self.scoped(&scope)?;
        let (tx, events) = mpsc::unbounded_channel();
        let (cancel, cancelled) = oneshot::channel::<()>();
        let store = self.store()?.clone();
        let map = self.map.clone();
        let now = self.clock.now();
        let who = self.user();
        // The engine gets a runtime of its own on its own thread: however busy the checks keep
        // it, the caller's own tasks never wait for them.
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
                    let units = engine::units_from_config(&loaded, now);
                    let req = AuditRequest::from_config(&loaded, trigger, who, selectors);
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
                // With a trust's database, what it lacks goes to it now (this run among it).
                if outcome.is_ok() {
                    if let Some((ok, words)) =
                        runtime.block_on(crate::trust::forward_after_run(&loaded, &store))
                    {
                        let _ = tx.send(AuditEvent::Forwarded { ok, words });
                    }
                }
                // Let no check linger past the verdict (a probe stuck in a blocking call, say).
                runtime.shutdown_timeout(std::time::Duration::from_millis(100));
                let _ = tx.send(match outcome {
                    Ok(o) => AuditEvent::Finished {
                        run_id: o.run_id,
                        state: o.state,
                        verdict: o.verdict,
                        counts: StatusCounts::of(&o.findings),
                        findings: o.findings,
                    },
                    Err(e) => AuditEvent::Failed(e.to_string()),
                });
            })
            .map_err(|e| ApiError::Audit(format!("cannot start the audit: {e}")))?;
        Ok(AuditHandle { events, cancel })
    }
}
