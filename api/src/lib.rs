//! caretaker's API: everything a front end asks of the core, and the one place its rules answer.
//!
//! The command line, the console and (next) the daemon's socket are front ends: they parse what a
//! person asked, call an [`Api`], and show the answer. Every rule — which runs make the current
//! picture, whether a filter change can be re-checked, who a record is entered by, whether a
//! waiver may be withdrawn — lives behind these methods, so two front ends cannot disagree.
//! `caretaker_core::Local` is the implementation in this process; a client of the daemon's socket
//! will be another.
//!
//! Every method but [`Api::start_audit`] may block (SQLite, later a socket): the console calls
//! them off its UI task.

use caretaker_config::ConsentFrom;
use caretaker_model::filterlog::{CellResult, FilterCheck};
use caretaker_model::records::{
    Attestation, ChainReport, Log, RecheckRefused, RiskAssessment, SiteLogEntry, StoredRecord,
    Verification, Waiver,
};
use caretaker_model::run::{RunRecord, RunState, Sightings, StatusCounts, Verdict};
use caretaker_model::{AreaId, CheckId, CheckSpec, ClauseMap, Finding};
use tokio::sync::{mpsc, oneshot};

pub mod remote;
pub mod trust;
pub mod trust_report;
pub mod wire;

pub use wire::Change;

/// A head of the filter-change log published earlier (`COUNT:HASH`) and where it came from, in
/// words ("the head given", "the head in report.html").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedHead {
    pub head: String,
    pub source: String,
}

/// Exit status: the request could not be carried out completely (store unreadable, audit
/// interrupted or unable to start).
pub const EXIT_INCOMPLETE: u8 = 2;
/// Exit status: the request was refused (`sysexits.h` `EX_USAGE`).
pub const EXIT_USAGE: u8 = 64;
/// Exit status: the daemon does not let who asked do it (`sysexits.h` `EX_NOPERM`).
pub const EXIT_NOPERM: u8 = 77;
/// Exit status: the configuration does not allow it (`sysexits.h` `EX_CONFIG`).
pub const EXIT_CONFIG: u8 = 78;

/// Why the core did not do what it was asked. Each kind has one exit status ([`exit_code`]) and
/// its words are the same in every front end.
///
/// [`exit_code`]: ApiError::exit_code
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiError {
    /// The store could not be opened, read or written.
    #[error("{0}")]
    Store(String),
    /// There is no run with this number.
    #[error("no run {0} in the store")]
    NoSuchRun(i64),
    /// No run has been recorded yet.
    #[error("no audit has been recorded yet: run `caretaker audit` first")]
    NoRuns,
    /// A rule refused a record; nothing was recorded.
    #[error("{0}; nothing was recorded")]
    Refused(String),
    /// The filter cannot be re-checked for that risk assessment now; nothing was run.
    #[error("{0}; nothing was run or recorded")]
    Recheck(RecheckRefused),
    /// The configuration (named) does not allow it.
    #[error("{path}: {why}")]
    Config { path: String, why: String },
    /// The request names what this version or this school does not have (a check, a machine).
    #[error("{0}")]
    Unknown(String),
    /// The audit could not start, or failed as a whole.
    #[error("{0}")]
    Audit(String),
    /// The daemon could not be reached or understood.
    #[error("{0}")]
    Daemon(String),
    /// The daemon does not let who asked (its socket's peer, as the kernel says) do it.
    #[error("{0}")]
    NotAllowed(String),
}

impl ApiError {
    /// The process exit status a command ends with for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            ApiError::Store(_) | ApiError::Audit(_) | ApiError::Daemon(_) => EXIT_INCOMPLETE,
            ApiError::NoSuchRun(_)
            | ApiError::NoRuns
            | ApiError::Refused(_)
            | ApiError::Unknown(_)
            | ApiError::Recheck(RecheckRefused::Record(_)) => EXIT_USAGE,
            ApiError::NotAllowed(_) => EXIT_NOPERM,
            ApiError::Recheck(RecheckRefused::NoVantagePoint) | ApiError::Config { .. } => {
                EXIT_CONFIG
            }
        }
    }
}

/// The notices one finished run gives (see [`caretaker_model::alert`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAlerts {
    pub run: i64,
    pub notices: Vec<caretaker_model::alert::Notice>,
    /// The filter-change log's head when they were worked out, in the words every report and
    /// mail prints it with ([`caretaker_model::records::ChainReport::head_words`]).
    pub log_head: String,
}

/// What started a run, as front ends ask for it.
pub use caretaker_model::run::Trigger;

/// What to audit: everything, some checks, or one machine.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditScope {
    /// `--only` selectors (check ids or families); empty for everything.
    pub selectors: Vec<String>,
    /// One configured machine only (its host checks).
    pub host: Option<String>,
    /// The risk assessment whose change this run re-checks: the audit is refused when the rule
    /// ([`caretaker_model::records::recheck`]) refuses the re-check.
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
        /// Its findings, in report order (the configuration's, whatever order they finished in).
        findings: Vec<Finding>,
    },
    /// The audit could not run (or its store write failed).
    Failed(String),
    /// After the run ended, before [`AuditEvent::Finished`], with `[store] url` set: what was
    /// forwarded to the trust's database, or why not (the run stays in this store and goes with
    /// the next), in words.
    Forwarded { ok: bool, words: String },
}

/// A running audit: its events, and the means to stop it. Dropping `cancel` (or sending on it)
/// stops the audit; what is stored stays and the run is recorded as interrupted.
#[derive(Debug)]
pub struct AuditHandle {
    pub events: mpsc::UnboundedReceiver<AuditEvent>,
    pub cancel: oneshot::Sender<()>,
}

/// Every check this version has, as declared, and the filter tests' roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// Every check, area by area, in report order.
    pub checks: Vec<CheckSpec>,
    /// The filter's control test: a page that must load before any other result means anything.
    pub filter_control: &'static str,
    /// The filter's must-load test (a page that must not be over-blocked).
    pub filter_must_load: &'static str,
    /// The built-in standards the findings can also be read against (the DfE's, Cyber
    /// Essentials), in the order the console cycles through them after the school's policy.
    pub views: Vec<caretaker_model::standards::View>,
}

impl Catalogue {
    /// The checks of `area`, in report order.
    pub fn area(&self, area: AreaId) -> impl Iterator<Item = &CheckSpec> {
        self.checks.iter().filter(move |s| s.area == area)
    }

    /// Whether the selector (a check id or a family) names a check this version has.
    pub fn knows(&self, selector: &str) -> bool {
        self.checks
            .iter()
            .any(|s| CheckId::new(s.id).matches(selector))
    }
}

/// What a front end needs to know of the configuration in use, besides what the API answers:
/// the school, its clause map, the consent rule, and where things are (for messages).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Context {
    pub school: String,
    pub map: ClauseMap,
    pub consent_from: ConsentFrom,
    /// The configuration file.
    pub config: std::path::PathBuf,
    /// The store.
    pub store: std::path::PathBuf,
}

impl Context {
    /// The context of a configuration and its clause map.
    pub fn of(loaded: &caretaker_config::Loaded, map: &ClauseMap) -> Context {
        Context {
            school: loaded.config.school.name.clone(),
            map: map.clone(),
            consent_from: loaded.config.assess.consent_from,
            config: loaded.path.clone(),
            store: loaded.store_path.clone(),
        }
    }
}

/// Whether the daemon runs on the store, what runs next and what ran last: `caretaker status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    /// The daemon running on the store, if one is.
    pub daemon: Option<DaemonUp>,
    /// The school's time zone (IANA name), when it has one.
    pub time_zone: Option<String>,
    /// How far the school's runs are put back.
    pub jitter_secs: u64,
    /// Each line of the timetable and when it runs next.
    pub next: Vec<NextRun>,
    /// Each area's latest run.
    pub last: Vec<LastRun>,
}

/// The running daemon.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DaemonUp {
    pub pid: u32,
    pub version: String,
    /// RFC 3339, UTC.
    pub started_at: String,
}

/// A line of the timetable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextRun {
    /// What runs, in words ("the web-filter tests").
    pub runs: String,
    /// Its `--only` selectors (empty for the full audit).
    pub only: Vec<String>,
    /// Its schedule as written.
    pub schedule: String,
    /// When it runs next (RFC 3339, UTC); `None` for never.
    pub at: Option<String>,
    /// The same in the school's time ("Mon 2026-11-23 02:00 GMT").
    pub at_local: Option<String>,
}

/// An area's latest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LastRun {
    /// The area's family (`directory`, `hosts`, `filter`).
    pub area: String,
    pub run: Option<RunRecord>,
}

/// What the current picture is made of: the latest run, and the runs laid over each other to
/// make it (newest first, each with its findings): any partial runs since the latest complete
/// full run, then that run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Overview {
    pub school: String,
    pub map: ClauseMap,
    /// The newest run of all (it may still be running).
    pub latest: Option<RunRecord>,
    pub runs: Vec<(RunRecord, Vec<Finding>)>,
    /// The current attestations (record id and attestation).
    pub attestations: Vec<(i64, Attestation)>,
    /// The day attestations and waivers are judged on.
    pub today: time::Date,
}

/// The filter-change log as stored, with what a front end needs to add to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeLog {
    /// Every record, oldest first.
    pub records: Vec<StoredRecord>,
    /// `[assess] consent_from`: from which risk level leadership consent is required.
    pub consent_from: ConsentFrom,
    /// Who a record entered now is recorded as (the operating-system user).
    pub user: String,
    /// The day waivers and attestations are judged on.
    pub today: time::Date,
}

/// One thing an audit would refuse before connecting, and where it is set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SettingProblem {
    /// The part of the configuration: `[[directory]] "ad"`, `[hosts] key_file`, ….
    pub setting: String,
    /// What is wrong and what to do, in a sentence.
    pub reason: String,
}

/// Where a machine of the inventory is listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MachineSource {
    /// A `[[host]]` of the configuration.
    Config,
    /// A computer object found by `[[hosts.discover]]`.
    Directory {
        directory: String,
        dn: String,
        operating_system: String,
    },
}

/// One machine of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    pub name: String,
    pub address: String,
    pub port: u16,
    /// The SSH user the probe logs in as.
    pub user: String,
    /// The configured operating system family (`linux`, `windows`, `macos`); `None` when it is
    /// detected on the machine.
    pub os: Option<String>,
    pub roles: Vec<String>,
    pub simulated: bool,
    /// False for a `[[host]]` with `audit = false` (a filter vantage point only).
    pub audit: bool,
    pub source: MachineSource,
}

/// The machines to check, and the findings of a directory that could not be searched for them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Inventory {
    pub machines: Vec<Machine>,
    pub problems: Vec<Finding>,
}

/// An SSH host key as a person compares it: its type and its SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyPrint {
    pub key_type: String,
    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
}

/// The key a machine presents now, beside the keys trusted for it before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostKeyOffer {
    pub machine: String,
    pub address: String,
    pub port: u16,
    pub presented: KeyPrint,
    /// The keys trusted for it before (empty the first time).
    pub trusted: Vec<KeyPrint>,
    /// The known_hosts file trust is recorded in.
    pub known_hosts: String,
}

impl HostKeyOffer {
    /// Whether the key presented is already trusted.
    pub fn already_trusted(&self) -> bool {
        self.trusted.contains(&self.presented)
    }
}

impl ChangeLog {
    /// The log with its links worked out.
    pub fn log(&self) -> Log {
        Log::from_records(self.records.clone())
    }

    /// The log with its links worked out, taking the records (no copy).
    pub fn into_log(self) -> Log {
        Log::from_records(self.records)
    }
}

/// Which filter checks to list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterLogSpan {
    /// Those of the latest `n` runs (of any kind).
    Runs(usize),
    /// Those of runs started on or after a day (`YYYY-MM-DD`) or an instant (RFC 3339).
    Since(String),
    /// Every one.
    All,
}

/// What every front end asks of the core.
pub trait Api: Send + Sync + 'static {
    /// Every check this version has.
    fn catalogue(&self) -> Catalogue;

    /// What an audit would refuse in the configuration before connecting to anything.
    fn setting_problems(&self) -> Vec<SettingProblem>;

    /// The machines to check: the configured ones, and those `[[hosts.discover]]` finds.
    fn machines(&self) -> Result<Inventory, ApiError>;

    /// The host key machine `machine` presents now, and the keys trusted for it before.
    fn host_key(&self, machine: &str) -> Result<HostKeyOffer, ApiError>;

    /// Trusts the key machine `machine` presents, once a person has compared its fingerprint
    /// (`fingerprint`, as [`Api::host_key`] showed it) with the machine's own; refused when the
    /// machine now presents another key. The keys it replaces.
    fn trust_host_key(&self, machine: &str, fingerprint: &str) -> Result<Vec<KeyPrint>, ApiError>;

    /// Records what was done about run `run`'s filter check from vantage point `vantage`.
    fn add_filter_action(&self, run: i64, vantage: &str, action: &str) -> Result<(), ApiError>;

    /// What the current picture is made of.
    fn overview(&self) -> Result<Overview, ApiError>;

    /// The latest `limit` runs, newest first.
    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, ApiError>;

    /// The runs a timetable moves on from (newest first, without counts): those since the
    /// latest complete run of each area (see `caretaker_core::schedule::timetable_runs`).
    fn timetable_runs(&self) -> Result<Vec<RunRecord>, ApiError>;

    /// The report leadership reads, for `period`.
    fn report(
        &self,
        period: caretaker_model::leadership::Period,
    ) -> Result<caretaker_model::leadership::LeadershipReport, ApiError>;

    /// Whether the daemon runs on the store, what runs next and what ran last.
    fn status(&self) -> Result<Status, ApiError>;

    /// Run `id`, or the latest run when `None`.
    fn run(&self, id: Option<i64>) -> Result<RunRecord, ApiError>;

    /// The findings of run `run`, in report order.
    fn findings(&self, run: i64) -> Result<Vec<Finding>, ApiError>;

    /// The latest stored finding with this fingerprint, and its run.
    fn latest_finding(&self, fingerprint: &str) -> Result<Option<(i64, Finding)>, ApiError>;

    /// When findings with this fingerprint and this status were seen.
    fn seen(&self, finding: &Finding) -> Result<Option<Sightings>, ApiError>;

    /// The filter check log, oldest first.
    fn filter_log(&self, span: FilterLogSpan) -> Result<Vec<FilterCheck>, ApiError>;

    /// A filter cell's history: the results of page `url` tested from `vantage` in the latest
    /// `runs` runs, newest first, one a run, with the action recorded after each.
    fn filter_history(
        &self,
        url: &str,
        vantage: &str,
        runs: usize,
    ) -> Result<Vec<CellResult>, ApiError>;

    /// The filter-change log.
    fn change_log(&self) -> Result<ChangeLog, ApiError>;

    /// Whether the filter-change log is as written: its hash chain, sequence and protections,
    /// each record's signature by the log key, the head recorded beside the key, and the head
    /// `published` earlier (in a report, an alert mail, an earlier verify), when given.
    fn verify_records(&self, published: Option<&PublishedHead>) -> Result<ChainReport, ApiError>;

    /// Records a risk assessment (validated by [`caretaker_model::records::AssessmentDraft`]).
    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, ApiError>;

    /// Records a site-log entry.
    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, ApiError>;

    /// Records a waiver of a finding.
    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, ApiError>;

    /// Records an attestation of a clause.
    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, ApiError>;

    /// Withdraws waiver or attestation `id` for `reason`.
    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, ApiError>;

    /// Judges run `run`'s filter findings for risk assessment `assessment` and records the
    /// verification that links them.
    fn add_verification(
        &self,
        assessment: i64,
        run: i64,
    ) -> Result<(StoredRecord, Verification), ApiError>;

    /// Whether the filter can be re-checked now for the change risk assessment `assessment`
    /// records: an approved change, made by today, and somewhere to test from. [`Api::start_audit`]
    /// applies the same rule to a scope that `verifies` an assessment.
    fn may_recheck(&self, assessment: i64) -> Result<(), ApiError>;

    /// Starts an audit of `scope`, started by `trigger`; its progress and verdict come as events.
    fn start_audit(&self, scope: AuditScope, trigger: Trigger) -> Result<AuditHandle, ApiError>;

    /// What to tell people about the runs finished since this was last asked (oldest first; only
    /// the latest run the first time), each notice recorded as told. Empty when `[alert]` sends
    /// nothing.
    fn alerts(&self) -> Result<Vec<RunAlerts>, ApiError>;

    /// News of the store as it changes (runs started and ended, records added), from whatever
    /// started them; `None` when nothing tells (in process, without a daemon).
    fn changes(&self) -> Option<mpsc::UnboundedReceiver<Change>> {
        None
    }
}
