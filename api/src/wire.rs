//! The daemon's socket protocol, version [`PROTOCOL`]: JSON lines (one JSON document per line,
//! UTF-8, `\n`-terminated), one request per connection.
//!
//! The client writes one [`Request`]; the daemon answers with [`Reply`] lines: `"alive"` while it
//! works (at least every [`ALIVE_EVERY`]), then one `{"ok": …}` or `{"err": …}`. An audit
//! (`start_audit`) answers with `{"event": …}` lines until its `finished` or `failed` event; closing
//! the connection before then stops it unless another client follows the same run. `subscribe`
//! answers with `{"change": …}` lines for as long as the connection stays open.
//!
//! Who may do what is decided by the daemon from the connection's credentials (`SO_PEERCRED`,
//! `SO_PEERGROUPS`), never from the request. The one thing a request may add, `sudo_user`, is
//! heeded only from root (who could write the store directly anyway), to record "root, via sudo
//! by alice".

use std::time::Duration;

use caretaker_model::filterlog::FilterCheck;
use caretaker_model::records::{Attestation, RiskAssessment, SiteLogEntry, Waiver};
use caretaker_model::Finding;
use serde::{Deserialize, Serialize};

use crate::{ApiError, AuditEvent, AuditScope, FilterLogSpan, Trigger};

/// The protocol's version: a daemon refuses a request of another version, in words.
pub const PROTOCOL: u32 = 1;

/// The longest request line the daemon reads.
pub const MAX_REQUEST: usize = 1 << 20;

/// The longest reply line a client reads (an overview with every finding of its runs).
pub const MAX_REPLY: usize = 256 << 20;

/// How often the daemon says it is alive while it works on a request or follows a run.
pub const ALIVE_EVERY: Duration = Duration::from_secs(10);

/// How long a client waits for any line before it gives up on the daemon.
pub const CLIENT_PATIENCE: Duration = Duration::from_secs(45);

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub protocol: u32,
    pub call: Call,
    /// `SUDO_USER` of a client run as root under sudo (heeded only when the peer is root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
}

/// What is asked: the [`crate::Api`] methods, and a subscription to changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Call {
    /// The configuration in use, as a front end needs it ([`crate::Context`]).
    Context,
    SettingProblems,
    Machines,
    HostKey {
        machine: String,
    },
    TrustHostKey {
        machine: String,
        fingerprint: String,
    },
    AddFilterAction {
        run: i64,
        vantage: String,
        action: String,
    },
    Overview,
    Runs {
        limit: usize,
    },
    TimetableRuns,
    Status,
    Report {
        period: caretaker_model::leadership::Period,
    },
    Run {
        id: Option<i64>,
    },
    Findings {
        run: i64,
    },
    LatestFinding {
        fingerprint: String,
    },
    Seen {
        finding: Box<Finding>,
    },
    FilterLog {
        span: FilterLogSpan,
    },
    FilterHistory {
        url: String,
        vantage: String,
        runs: usize,
    },
    ChangeLog,
    VerifyRecords {
        #[serde(default)]
        published: Option<crate::PublishedHead>,
    },
    AddAssessment(RiskAssessment),
    AddSite(SiteLogEntry),
    AddWaiver(Waiver),
    AddAttestation(Attestation),
    Withdraw {
        id: i64,
        reason: String,
    },
    AddVerification {
        assessment: i64,
        run: i64,
    },
    MayRecheck {
        assessment: i64,
    },
    StartAudit {
        scope: AuditScope,
        trigger: Trigger,
    },
    Subscribe,
}

impl Call {
    /// Whether the call changes anything (an audit, a record, a trusted key): only the admin
    /// group may make it.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Call::TrustHostKey { .. }
                | Call::AddFilterAction { .. }
                | Call::AddAssessment(_)
                | Call::AddSite(_)
                | Call::AddWaiver(_)
                | Call::AddAttestation(_)
                | Call::Withdraw { .. }
                | Call::AddVerification { .. }
                | Call::StartAudit { .. }
        )
    }

    /// The call's name, for the log and for refusals.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Context => "context",
            Call::SettingProblems => "setting_problems",
            Call::Machines => "machines",
            Call::HostKey { .. } => "host_key",
            Call::TrustHostKey { .. } => "trust_host_key",
            Call::AddFilterAction { .. } => "add_filter_action",
            Call::Overview => "overview",
            Call::Runs { .. } => "runs",
            Call::TimetableRuns => "timetable_runs",
            Call::Status => "status",
            Call::Report { .. } => "report",
            Call::Run { .. } => "run",
            Call::Findings { .. } => "findings",
            Call::LatestFinding { .. } => "latest_finding",
            Call::Seen { .. } => "seen",
            Call::FilterLog { .. } => "filter_log",
            Call::FilterHistory { .. } => "filter_history",
            Call::ChangeLog => "change_log",
            Call::VerifyRecords { .. } => "verify_records",
            Call::AddAssessment(_) => "add_assessment",
            Call::AddSite(_) => "add_site",
            Call::AddWaiver(_) => "add_waiver",
            Call::AddAttestation(_) => "add_attestation",
            Call::Withdraw { .. } => "withdraw",
            Call::AddVerification { .. } => "add_verification",
            Call::MayRecheck { .. } => "may_recheck",
            Call::StartAudit { .. } => "start_audit",
            Call::Subscribe => "subscribe",
        }
    }
}

/// One line of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// Still working.
    Alive,
    /// The answer (the method's own type, as JSON).
    Ok(serde_json::Value),
    /// Why not.
    Err(ApiError),
    /// How a followed audit goes.
    Event(AuditEvent),
    /// Something changed in the store.
    Change(Change),
}

/// What changed in the store, as a subscriber hears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A run started (by the schedule, cron, a person, a console).
    RunStarted { run: i64 },
    /// A run ended (complete or interrupted).
    RunEnded { run: i64 },
    /// A record was added to the filter-change log (or a filter action recorded).
    Recorded,
}

/// The filter check log travels as it is stored.
pub type FilterChecks = Vec<FilterCheck>;
