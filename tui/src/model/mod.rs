//! The console's data: what the core's [`Api`](crate::source::Api) answers, and the views every
//! screen derives from it. Pure functions, no I/O: the source builds a [`Picture`] off the UI
//! task, and the screens read it.

use std::collections::BTreeMap;

use caretaker_api::{Catalogue, Overview};
use caretaker_model::compliance::{clause_lines, clause_lines_attested, ClauseLine, ClauseStatus};
use caretaker_model::run::{RunRecord, RunState, StatusCounts, Verdict};
use caretaker_model::{AreaId, ClauseMap, Finding, Status, TargetKind};

/// One clause of the policy as the Compliance screen shows it.
#[derive(Debug, Clone)]
pub struct ClauseRow {
    pub line: ClauseLine,
    /// The policy's own words.
    pub text: String,
    /// The run that last produced findings for this clause, and when it started.
    pub verified: Option<(i64, time::OffsetDateTime)>,
    pub counts: StatusCounts,
}

impl PartialEq for ClauseRow {
    fn eq(&self, o: &ClauseRow) -> bool {
        let (a, b) = (&self.line, &o.line);
        (&a.id, &a.section, &a.title, a.status, a.findings, &a.reason)
            == (&b.id, &b.section, &b.title, b.status, b.findings, &b.reason)
            && (&self.text, &self.verified, self.counts) == (&o.text, &o.verified, o.counts)
    }
}

/// What the school looks like now: for each check, the findings of the newest run that ran it.
///
/// Nightly runs check everything; a run started from the console may check one check or one
/// machine. The picture takes the latest complete full run and lays every later run over it, so
/// that re-checking one machine does not make the rest of the school look unassessed.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub school: String,
    pub map: ClauseMap,
    /// The newest run of any kind (it may still be running).
    pub latest: Option<RunRecord>,
    /// The runs the picture is made of, newest first.
    pub runs: Vec<RunRecord>,
    /// The current findings.
    pub findings: Vec<Finding>,
    /// For each finding, the run it comes from.
    pub from_run: Vec<i64>,
    /// Every clause, in the map's order.
    pub clauses: Vec<ClauseRow>,
    /// Every check this version has (the Hosts and Directory columns, the filter's roles).
    pub catalogue: Catalogue,
    /// The standard the clauses and the findings' clauses are read against: `school` (the
    /// school's policy, `map`), or a built-in standard's view (see [`Picture::in_view`]).
    pub view: String,
    /// The school's own clause map, kept while another standard is shown.
    pub school_map: ClauseMap,
    /// The attestations the clauses are judged with, and the day they are judged on.
    pub attestations: Vec<(i64, caretaker_model::records::Attestation)>,
    pub today: Option<time::Date>,
}

impl Picture {
    /// Builds the picture from runs, newest first, each with its findings (see [`current`]).
    pub fn build(
        catalogue: Catalogue,
        school: &str,
        map: &ClauseMap,
        latest: Option<RunRecord>,
        runs: Vec<(RunRecord, Vec<Finding>)>,
    ) -> Picture {
        let (used, findings, from_run) = current(runs);
        let clauses = clause_rows(
            map,
            &findings,
            &from_run,
            &used,
            clause_lines(map, &findings),
        );
        Picture {
            school: school.to_string(),
            map: map.clone(),
            latest,
            runs: used,
            findings,
            from_run,
            clauses,
            catalogue,
            view: caretaker_model::standards::SCHOOL.to_string(),
            school_map: map.clone(),
            attestations: Vec::new(),
            today: None,
        }
    }

    /// The picture the core's overview describes, judged with its attestations.
    pub fn from_overview(o: Overview, catalogue: Catalogue) -> Picture {
        Picture::build(catalogue, &o.school, &o.map, o.latest, o.runs)
            .with_attestations(&o.attestations, o.today)
    }

    /// The picture with the clauses judged with people's attestations (the current ones, with
    /// their record ids) on `today`: a clause no finding evidences is GREEN while attested,
    /// AMBER once its attestation has expired (see [`clause_lines_attested`]).
    pub fn with_attestations(
        mut self,
        attestations: &[(i64, caretaker_model::records::Attestation)],
        today: time::Date,
    ) -> Picture {
        self.attestations = attestations.to_vec();
        self.today = Some(today);
        let lines = clause_lines_attested(&self.map, &self.findings, attestations, today);
        for (row, line) in self.clauses.iter_mut().zip(lines) {
            if row.line.id == line.id {
                row.line = line;
            }
        }
        self
    }

    /// The run a finding comes from.
    pub fn run_of(&self, finding: usize) -> Option<&RunRecord> {
        let id = self.from_run.get(finding)?;
        self.runs.iter().find(|r| r.id == *id)
    }

    /// When the data is from: the newest run of the picture.
    pub fn as_of(&self) -> Option<&RunRecord> {
        self.runs.first()
    }

    pub fn counts(&self) -> StatusCounts {
        StatusCounts::of(&self.findings)
    }
}

pub use caretaker_model::picture::current;

/// Every clause of `map` as the Compliance screen lists it, from its `lines` (in map order):
/// with the counts of the findings that evidence it and the run that last verified it.
fn clause_rows(
    map: &ClauseMap,
    findings: &[Finding],
    from_run: &[i64],
    used: &[RunRecord],
    lines: Vec<ClauseLine>,
) -> Vec<ClauseRow> {
    let started: BTreeMap<i64, time::OffsetDateTime> =
        used.iter().map(|r| (r.id, r.started_at)).collect();
    lines
        .into_iter()
        .map(|line| {
            let mut counts = StatusCounts::default();
            let mut verified: Option<i64> = None;
            for (f, run) in findings.iter().zip(from_run) {
                if f.clauses.contains(&line.id) {
                    counts.add(f.status, 1);
                    verified = Some(verified.map_or(*run, |v| v.max(*run)));
                }
            }
            ClauseRow {
                text: map
                    .clause(&line.id)
                    .map(|c| c.text.clone())
                    .unwrap_or_default(),
                verified: verified.and_then(|id| started.get(&id).map(|t| (id, *t))),
                counts,
                line,
            }
        })
        .collect()
}

/// The status words of the console, always shown as words (colour only adds to them).
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Error => "ERROR",
        Status::Waived => "WAIVED",
    }
}

/// A clause status word (RED, AMBER, GREEN, GREY).
pub fn clause_word(s: ClauseStatus) -> &'static str {
    s.word()
}

/// "2 FAIL, 1 ERROR, 9 PASS" (statuses with none left out).
pub fn counts_words(c: &StatusCounts) -> String {
    [
        (c.fail, "FAIL"),
        (c.error, "ERROR"),
        (c.warn, "WARN"),
        (c.waived, "WAIVED"),
        (c.pass, "PASS"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The worst of two statuses.
pub fn worse(a: Option<Status>, b: Status) -> Status {
    match a {
        Some(a) if a.rank() <= b.rank() => a,
        _ => b,
    }
}

/// A run's verdict as one word.
pub fn verdict_word(state: RunState, verdict: Option<Verdict>) -> &'static str {
    match state {
        RunState::Running => "RUNNING",
        RunState::Interrupted => "INTERRUPTED",
        RunState::Complete => match verdict {
            Some(Verdict::Compliant) => "COMPLIANT",
            Some(Verdict::NonCompliant) => "NOT COMPLIANT",
            Some(Verdict::Incomplete) | None => "INCOMPLETE",
        },
    }
}

mod directory;
mod filter;
mod findings;
mod hosts;
mod runs;
mod view;

pub use directory::*;
pub use filter::*;
pub use findings::*;
pub use hosts::*;
pub use runs::*;
