//! The console's state: plain data, changed only by [`crate::update::update`] and drawn by
//! [`crate::view`]. The rows each screen lists are derived here, so that moving and drawing agree.

use std::collections::BTreeMap;

use caretaker_model::records::RecordKind;
use caretaker_model::run::RunRecord;
use time::{OffsetDateTime, UtcOffset};

use crate::form::{AssessForm, RecordForm, SiteForm};

use crate::model::{
    directory_blocks, filter_matrix, host_rows, select_findings, CellHistory, ChangeLog, Diff,
    DirBlock, FilterMatrix, HostRow, Picture, Query, Seen, Sort, StatusFilter,
};

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Screen {
    Compliance,
    Findings,
    Hosts,
    Directory,
    Filter,
    Runs,
    Assessments,
    Sites,
    Attestations,
}

impl Screen {
    pub const ALL: [Screen; 9] = [
        Screen::Compliance,
        Screen::Findings,
        Screen::Hosts,
        Screen::Directory,
        Screen::Filter,
        Screen::Runs,
        Screen::Assessments,
        Screen::Sites,
        Screen::Attestations,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Compliance => "Compliance",
            Screen::Findings => "Findings",
            Screen::Hosts => "Hosts",
            Screen::Directory => "Directory",
            Screen::Filter => "Filter",
            Screen::Runs => "Runs",
            Screen::Assessments => "Risk assessments",
            Screen::Sites => "Site log",
            Screen::Attestations => "Attestations",
        }
    }

    /// The title on a narrow tab bar (all nine fit in 80 columns).
    pub fn short(self) -> &'static str {
        match self {
            Screen::Findings => "Finds",
            Screen::Directory => "Dir",
            Screen::Assessments => "Risk",
            Screen::Sites => "Site",
            Screen::Attestations => "Attest",
            other => other.title(),
        }
    }

    pub fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Screen {
        Screen::ALL[(self.index() + 1) % Screen::ALL.len()]
    }

    pub fn prev(self) -> Screen {
        Screen::ALL[(self.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]
    }
}

/// Data that is being fetched.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loadable<T> {
    #[default]
    Idle,
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Loadable<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// A search being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEdit {
    /// The query before editing, restored by Esc.
    pub before: String,
}

/// The Findings screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindingsView {
    pub status: StatusFilter,
    pub sort: Sort,
    pub selected: usize,
    /// The detail fills the screen.
    pub zoom: bool,
    /// First line of the zoomed detail shown.
    pub scroll: u16,
}

/// The Filter screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterView {
    pub row: usize,
    pub col: usize,
    /// The history of the selected cell, when open.
    pub history: Option<HistoryView>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryView {
    pub url: String,
    pub vantage: String,
    pub entries: Loadable<Vec<CellHistory>>,
}

/// The Runs screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunsView {
    pub selected: usize,
    /// Runs marked with Space (at most two), in the order marked.
    pub marked: Vec<i64>,
    /// The comparison shown (older, newer).
    pub diff: Option<(i64, i64, Loadable<Diff>)>,
}

/// An audit started from the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// What it audits, in words.
    pub scope: String,
    pub started: OffsetDateTime,
    pub run_id: Option<i64>,
    pub units: usize,
    pub done: usize,
    pub findings: usize,
    pub failing: usize,
    pub last_unit: Option<String>,
    /// The risk assessment whose change this audit checks (`v`): the run is recorded against it
    /// when it finishes.
    pub verifies: Option<i64>,
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// How many runs the Runs screen loads (a year of nightly runs, and some).
pub const RUNS_LIMIT: usize = 400;
/// How many recent runs a filter cell's history covers.
pub const HISTORY_RUNS: usize = 60;
/// A run older than this is stale (a nightly schedule and two hours of slack).
pub const STALE_AFTER: time::Duration = time::Duration::hours(26);

/// Everything the console shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub now: OffsetDateTime,
    /// The local time zone, for showing times.
    pub offset: UtcOffset,
    /// False under NO_COLOR: words only (they always carry the meaning).
    pub color: bool,
    /// The terminal's size.
    pub size: (u16, u16),
    pub screen: Screen,
    /// The screen a drill-down came from (Esc goes back).
    pub came_from: Option<Screen>,
    /// The help is open, scrolled by this many lines.
    pub help: Option<u16>,
    /// A search being typed (for the current screen).
    pub search: Option<SearchEdit>,
    /// The search of each screen, by [`Screen::index`].
    pub queries: [String; 9],
    pub picture: Loadable<Box<Picture>>,
    /// The latest picture asked for; older answers are dropped.
    pub picture_request: u64,
    pub runs: Loadable<Vec<RunRecord>>,
    /// The runs are to be loaded once the picture asked for is in.
    pub runs_pending: bool,
    /// First / last seen, by [`seen_key`](crate::update::seen_key).
    pub seen: BTreeMap<String, Loadable<Option<Seen>>>,
    pub compliance: usize,
    /// The standard the findings are read against (`school`, `dfe`, …; see
    /// [`Picture::in_view`]); kept across reloads.
    pub view: String,
    pub findings: FindingsView,
    pub hosts: usize,
    pub directory: usize,
    pub filter: FilterView,
    pub runs_view: RunsView,
    pub audit: Option<AuditView>,
    /// The filter-change log (loaded when a screen of it is first shown).
    pub changes: Loadable<Box<ChangeLog>>,
    /// Risk assessments: the selected row.
    pub assessments: usize,
    /// Site log: the selected row.
    pub sites: usize,
    /// A record to select once the log is (re)loaded (the one just entered).
    pub select_record: Option<i64>,
    /// A risk assessment being entered (drawn over the screen it was started from).
    pub form: Option<AssessForm>,
    /// Attestations and waivers: the selected row.
    pub attestations: usize,
    /// Risk assessments, Site log, Attestations: the selected record in full over the list, and
    /// its first line shown.
    pub record_zoom: Option<u16>,
    /// A waiver or an attestation being entered (drawn over the screen it was started from).
    pub record_form: Option<RecordForm>,
    /// A site-log entry being entered (drawn over the Site log).
    pub site_form: Option<SiteForm>,
    pub message: Option<Message>,
    pub quit: bool,
}

impl State {
    pub fn new(now: OffsetDateTime, offset: UtcOffset, color: bool) -> State {
        State {
            now,
            offset,
            color,
            size: (80, 24),
            screen: Screen::Compliance,
            came_from: None,
            help: None,
            search: None,
            queries: Default::default(),
            picture: Loadable::Idle,
            picture_request: 0,
            runs: Loadable::Idle,
            runs_pending: false,
            seen: BTreeMap::new(),
            compliance: 0,
            view: caretaker_model::standards::SCHOOL.to_string(),
            findings: FindingsView::default(),
            hosts: 0,
            directory: 0,
            filter: FilterView::default(),
            runs_view: RunsView::default(),
            audit: None,
            changes: Loadable::Idle,
            assessments: 0,
            sites: 0,
            select_record: None,
            form: None,
            attestations: 0,
            record_zoom: None,
            record_form: None,
            site_form: None,
            message: None,
            quit: false,
        }
    }

    pub fn picture(&self) -> Option<&Picture> {
        self.picture.ready().map(|b| b.as_ref())
    }

    pub fn query(&self, screen: Screen) -> &str {
        &self.queries[screen.index()]
    }

    fn parsed(&self, screen: Screen) -> Query {
        Query::parse(self.query(screen))
    }

    /// Compliance: the clauses listed (indices into the picture's clauses).
    pub fn clause_rows(&self) -> Vec<usize> {
        let Some(p) = self.picture() else {
            return Vec::new();
        };
        let q = self.parsed(Screen::Compliance);
        p.clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                q.matches_text(&[
                    &c.line.id,
                    &c.line.title,
                    &c.line.reason,
                    c.line.status.word(),
                ])
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Findings: the findings listed (indices into the picture's findings).
    pub fn finding_rows(&self) -> Vec<usize> {
        let Some(p) = self.picture() else {
            return Vec::new();
        };
        select_findings(
            &p.findings,
            &self.parsed(Screen::Findings),
            self.findings.status,
            self.findings.sort,
        )
    }

    /// The finding selected on the Findings screen.
    pub fn selected_finding(&self) -> Option<usize> {
        self.finding_rows().get(self.findings.selected).copied()
    }

    /// Hosts: one row per machine.
    pub fn host_rows(&self) -> Vec<HostRow> {
        let Some(p) = self.picture() else {
            return Vec::new();
        };
        let q = self.parsed(Screen::Hosts);
        host_rows(&p.catalogue, &p.findings)
            .into_iter()
            .filter(|h| q.matches_text(&[&h.name, &h.address]))
            .collect()
    }

    /// Directory: the directories, and the rows listed (block, check) in order.
    pub fn directory_rows(&self) -> (Vec<DirBlock>, Vec<(usize, usize)>) {
        let Some(p) = self.picture() else {
            return (Vec::new(), Vec::new());
        };
        let blocks = directory_blocks(&p.catalogue, &p.findings);
        let q = self.parsed(Screen::Directory);
        let mut rows = Vec::new();
        for (b, block) in blocks.iter().enumerate() {
            for (c, check) in block.checks.iter().enumerate() {
                let who = check.who.join(" ");
                if q.matches_text(&[&block.name, &check.check, &who, &check.summary]) {
                    rows.push((b, c));
                }
            }
        }
        (blocks, rows)
    }

    /// Filter: the matrix, with the rows the search keeps.
    pub fn filter_view(&self) -> FilterMatrix {
        let Some(p) = self.picture() else {
            return FilterMatrix::default();
        };
        let mut m = filter_matrix(&p.catalogue, &p.findings, &p.from_run);
        let q = self.parsed(Screen::Filter);
        if !q.is_empty() {
            let keep: Vec<bool> = m
                .rows
                .iter()
                .map(|r| q.matches_text(&[&r.label, &r.url, &r.category]))
                .collect();
            let mut k = keep.iter();
            m.rows.retain(|_| k.next().copied().unwrap_or(false));
            let mut k = keep.iter();
            m.cells.retain(|_| k.next().copied().unwrap_or(false));
        }
        m
    }

    /// Runs: the runs listed (indices into the loaded runs).
    pub fn run_rows(&self) -> Vec<usize> {
        let Some(runs) = self.runs.ready() else {
            return Vec::new();
        };
        let q = self.parsed(Screen::Runs);
        runs.iter()
            .enumerate()
            .filter(|(_, r)| {
                let id = r.id.to_string();
                let only = r.only.join(" ");
                q.matches_text(&[
                    &id,
                    &caretaker_model::finding::format_rfc3339(r.started_at),
                    r.trigger.as_str(),
                    &r.who,
                    &only,
                ])
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn changes(&self) -> Option<&ChangeLog> {
        self.changes.ready().map(|b| b.as_ref())
    }

    /// Current versions of the records of `kind`, newest first, that the screen's search keeps.
    fn record_rows(&self, kind: RecordKind, screen: Screen) -> Vec<i64> {
        let Some(c) = self.changes() else {
            return Vec::new();
        };
        let log = c.log();
        let q = self.parsed(screen);
        let mut rows: Vec<i64> = log
            .of_kind(kind, false)
            .into_iter()
            .filter(|r| {
                let id = format!("#{}", r.id);
                q.matches_text(&[&id, &r.summary(), &r.entered_by, &r.entered_at])
            })
            .map(|r| r.id)
            .collect();
        rows.reverse();
        rows
    }

    /// Risk assessments: the ids listed (current versions, newest first).
    pub fn assessment_rows(&self) -> Vec<i64> {
        self.record_rows(RecordKind::Assessment, Screen::Assessments)
    }

    /// Site log: the ids listed (current versions, newest first).
    pub fn site_rows(&self) -> Vec<i64> {
        self.record_rows(RecordKind::Site, Screen::Sites)
    }

    /// Attestations and waivers: the ids listed (current, not withdrawn; newest first).
    pub fn attestation_rows(&self) -> Vec<i64> {
        let Some(c) = self.changes() else {
            return Vec::new();
        };
        let log = c.log();
        let q = self.parsed(Screen::Attestations);
        let mut rows: Vec<i64> = log
            .of_kind(RecordKind::Waiver, false)
            .into_iter()
            .chain(log.of_kind(RecordKind::Attestation, false))
            .filter(|r| {
                let withdrawn = r.waiver().map(|w| w.withdrawn).unwrap_or(false)
                    || r.attestation().map(|a| a.withdrawn).unwrap_or(false);
                let id = format!("#{}", r.id);
                !withdrawn && q.matches_text(&[&id, &r.summary(), &r.entered_by, &r.entered_at])
            })
            .map(|r| r.id)
            .collect();
        rows.sort_unstable_by(|a, b| b.cmp(a));
        rows
    }

    /// How many rows the current screen lists (its selection stays below this).
    pub fn row_count(&self) -> usize {
        match self.screen {
            Screen::Compliance => self.clause_rows().len(),
            Screen::Findings => self.finding_rows().len(),
            Screen::Hosts => self.host_rows().len(),
            Screen::Directory => self.directory_rows().1.len(),
            Screen::Filter => self.filter_view().rows.len(),
            Screen::Runs => self.run_rows().len(),
            Screen::Assessments => self.assessment_rows().len(),
            Screen::Sites => self.site_rows().len(),
            Screen::Attestations => self.attestation_rows().len(),
        }
    }

    /// True if an audit started here is running.
    pub fn auditing(&self) -> bool {
        self.audit.is_some()
    }
}
