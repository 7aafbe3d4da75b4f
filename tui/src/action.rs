//! What can happen to the console ([`Action`]: a key's meaning, a tick, data arriving) and what
//! the console asks the outside world to do ([`Effect`]: load something, start an audit).

use caretaker_model::run::RunRecord;
use caretaker_model::Finding;

use caretaker_model::records::{Attestation, RiskAssessment, SiteLogEntry, StoredRecord, Waiver};

use crate::model::{CellHistory, ChangeLog, Diff, Picture, Seen};
use crate::source::{AuditEvent, AuditScope};
use crate::state::Screen;

/// Everything that changes the console's state. [`crate::update::update`] is the only place that
/// applies one.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // What keys mean (see `keys::KEYS`).
    Quit,
    /// Close what is open (help, search, detail, history, comparison), leave a drill-down, or quit.
    Back,
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextScreen,
    PrevScreen,
    GoTo(Screen),
    /// Enter: drill into the selection.
    Open,
    /// Start typing a search for the current list.
    Search,
    Help,
    /// Space on Runs: mark a run to compare.
    ToggleMark,
    /// Findings: the next status filter.
    CycleStatus,
    /// Findings: the next sort order.
    CycleSort,
    /// Compliance: read the findings against the next standard (the school's policy, the DfE
    /// standards, Cyber Essentials).
    CycleView,
    /// Clear the search and status filter of the current screen.
    ClearFilters,
    /// Audit everything now.
    AuditAll,
    /// Audit what is selected (a clause's checks, a check, a machine).
    AuditSelection,
    /// Load everything again from the source.
    Reload,
    /// Record a risk assessment (from a site-log entry on the Site log screen).
    NewAssessment,
    /// Findings: waive the selected finding (a form).
    Waive,
    /// Compliance: attest the selected clause (a form), if the policy map lets a person.
    Attest,
    /// Site log: enter a reported site (a form).
    NewSite,
    /// Risk assessments, Site log: correct the selected record (a form holding it, saved as a new
    /// record that supersedes it).
    Correct,
    /// Risk assessments: run the filter tests now and record the run against the selected
    /// assessment.
    Verify,
    /// Attestations: withdraw the selected waiver or attestation (a form for the reason).
    Withdraw,

    // The risk-assessment form.
    /// The next line (Tab, ↓).
    FormNext,
    /// The previous line (Shift-Tab, ↑).
    FormPrev,
    /// The next (true) or previous choice of a choice line (→ / ←).
    FormCycle(bool),
    /// A character typed (Space cycles a choice).
    FormInput(char),
    FormBackspace,
    /// Ctrl-S: check every field; save if all are right.
    FormSave,
    /// Esc: leave the form, saving nothing.
    FormCancel,

    // Typing a search.
    SearchInput(char),
    SearchBackspace,
    /// Enter: keep the search.
    SearchDone,
    /// Esc: drop the edit.
    SearchCancel,

    // Time and terminal.
    Tick(time::OffsetDateTime),
    Resize(u16, u16),

    // Data arriving from the source.
    PictureLoaded {
        request: u64,
        result: Result<Box<Picture>, String>,
    },
    RunsLoaded(Result<Vec<RunRecord>, String>),
    SeenLoaded {
        key: String,
        result: Result<Option<Seen>, String>,
    },
    FilterLogLoaded {
        url: String,
        vantage: String,
        result: Result<Vec<CellHistory>, String>,
    },
    DiffLoaded(Result<Box<Diff>, String>),
    ChangesLoaded(Result<Box<ChangeLog>, String>),
    AssessmentSaved(Result<Box<StoredRecord>, String>),
    /// A waiver or an attestation appended (or why not).
    RecordSaved(Result<Box<StoredRecord>, String>),
    /// A site-log entry appended (or why not).
    SiteSaved(Result<Box<StoredRecord>, String>),
    /// A filter check after a change appended (or why not).
    VerificationSaved(Result<Box<StoredRecord>, String>),
    Audit(AuditEvent),
}

/// What `update` asks the app to do; the app does it off the UI task and answers with actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Build the current picture ([`Action::PictureLoaded`] with the same `request`).
    LoadPicture { request: u64 },
    /// The stored runs ([`Action::RunsLoaded`]).
    LoadRuns { limit: usize },
    /// When a finding was first and last seen ([`Action::SeenLoaded`]).
    LoadSeen { key: String, finding: Box<Finding> },
    /// One filter cell's history over recent runs ([`Action::FilterLogLoaded`]).
    LoadFilterLog {
        url: String,
        vantage: String,
        runs: usize,
    },
    /// Two runs' findings, compared ([`Action::DiffLoaded`]).
    /// Compare two runs; each with its `--only` selectors (what it covered).
    LoadDiff {
        older: i64,
        newer: i64,
        older_only: Vec<String>,
        newer_only: Vec<String>,
    },
    /// The filter-change log ([`Action::ChangesLoaded`]).
    LoadChanges,
    /// Append a risk assessment ([`Action::AssessmentSaved`]).
    SaveAssessment(Box<RiskAssessment>),
    /// Append a waiver ([`Action::RecordSaved`]).
    SaveWaiver(Box<Waiver>),
    /// Append an attestation ([`Action::RecordSaved`]).
    SaveAttestation(Box<Attestation>),
    /// Append a site-log entry ([`Action::SiteSaved`]).
    SaveSite(Box<SiteLogEntry>),
    /// Record finished run `run` against risk assessment `assessment`
    /// ([`Action::VerificationSaved`]).
    SaveVerification { assessment: i64, run: i64 },
    /// Withdraw waiver or attestation `id` ([`Action::RecordSaved`]).
    Withdraw { id: i64, reason: String },
    /// Start an audit ([`Action::Audit`] events follow).
    StartAudit(AuditScope),
    /// Stop the running audit (the run is recorded as interrupted).
    CancelAudit,
}
