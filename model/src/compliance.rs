//! A clause's compliance: RED, AMBER, GREEN or GREY, from the findings that evidence it and the
//! attestations people made of it.

use serde::Serialize;

use crate::clauses::ClauseMap;
use crate::finding::{Finding, Status};
use crate::records::Attestation;

/// A clause's state in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClauseStatus {
    /// At least one failing finding.
    Red,
    /// No failure, but something could not be checked, needs a look, or is waived.
    Amber,
    /// Every finding passes.
    Green,
    /// Nothing evidences this clause in this run (not assessed).
    Grey,
}

impl ClauseStatus {
    pub fn word(self) -> &'static str {
        match self {
            ClauseStatus::Red => "RED",
            ClauseStatus::Amber => "AMBER",
            ClauseStatus::Green => "GREEN",
            ClauseStatus::Grey => "GREY",
        }
    }

    /// A clause's status from the findings that evidence it.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> ClauseStatus {
        let mut any = false;
        let mut amber = false;
        for f in findings {
            any = true;
            match f.status {
                Status::Fail => return ClauseStatus::Red,
                Status::Error | Status::Warn | Status::Waived => amber = true,
                Status::Pass => {}
            }
        }
        match (any, amber) {
            (false, _) => ClauseStatus::Grey,
            (true, true) => ClauseStatus::Amber,
            (true, false) => ClauseStatus::Green,
        }
    }
}

/// One clause's line in a report.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseLine {
    pub id: String,
    pub section: String,
    pub title: String,
    pub status: ClauseStatus,
    /// How many findings evidence it.
    pub findings: usize,
    /// The worst finding's summary, in plain English ("" when none).
    pub reason: String,
}

/// Every clause of the map with its status in this set of findings, in map order.
pub fn clause_lines(map: &ClauseMap, findings: &[Finding]) -> Vec<ClauseLine> {
    clause_lines_attested(map, findings, &[], crate::records::today())
}

/// [`clause_lines`], with people's attestations (`attestations`: record id and attestation, the
/// current versions) judged on `today`. Findings decide a clause whenever there are any: an
/// attestation never hides a failing finding. A clause with no findings is GREEN while an
/// attestation of it is in force ("attested by NAME until DATE: STATEMENT"), AMBER once the
/// latest has expired ("attestation by NAME expired on DATE"), GREY otherwise.
pub fn clause_lines_attested<F: std::borrow::Borrow<Finding>>(
    map: &ClauseMap,
    findings: &[F],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Vec<ClauseLine> {
    clause_lines_tagged(map, findings, |f| f.clauses.as_slice(), attestations, today)
}

/// [`clause_lines_attested`], each finding evidencing the clauses `clauses_of` gives it (a view's
/// own, without copying the findings to tag them).
pub fn clause_lines_tagged<'f, 'c, F: std::borrow::Borrow<Finding>>(
    map: &ClauseMap,
    findings: &'f [F],
    clauses_of: impl Fn(&'f Finding) -> &'c [String],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Vec<ClauseLine> {
    map.clauses
        .iter()
        .map(|c| {
            let mine: Vec<&Finding> = findings
                .iter()
                .map(std::borrow::Borrow::borrow)
                .filter(|f: &&Finding| clauses_of(f).contains(&c.id))
                .collect();
            let worst = mine
                .iter()
                .min_by_key(|f| (f.status.rank(), std::cmp::Reverse(f.severity)));
            let (status, reason) = match worst {
                Some(f) if f.status == Status::Pass => (
                    ClauseStatus::of(mine.iter().copied()),
                    format!("{} checks pass", mine.len()),
                ),
                Some(f) => (ClauseStatus::of(mine.iter().copied()), reason_line(f)),
                None => attested(&c.id, attestations, today)
                    .unwrap_or((ClauseStatus::Grey, "not assessed".to_string())),
            };
            ClauseLine {
                id: c.id.clone(),
                section: c.section.clone(),
                title: c.title.clone(),
                status,
                findings: mine.len(),
                reason,
            }
        })
        .collect()
}

/// A clause's status and reason from its attestations alone: the one in force that runs
/// longest, else the one that expired last; `None` when there is none.
fn attested(
    clause: &str,
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Option<(ClauseStatus, String)> {
    let mine = attestations
        .iter()
        .filter(|(_, a)| a.clause == clause && !a.withdrawn);
    let latest = |it: &mut dyn Iterator<Item = &(i64, Attestation)>| {
        it.max_by(|x, y| x.1.until.cmp(&y.1.until).then(x.0.cmp(&y.0)))
            .map(|(_, a)| a.clone())
    };
    let in_force = latest(&mut mine.clone().filter(|(_, a)| a.in_force(today)));
    if let Some(a) = in_force {
        return Some((
            ClauseStatus::Green,
            format!(
                "attested by {} until {}: {}",
                a.attested_by, a.until, a.statement
            ),
        ));
    }
    latest(&mut mine.into_iter()).map(|a| {
        (
            ClauseStatus::Amber,
            format!("attestation by {} expired on {}", a.attested_by, a.until),
        )
    })
}

/// A finding's summary as a clause's one-line reason: a machine's findings speak of "this
/// computer", so the line names it.
fn reason_line(f: &Finding) -> String {
    if f.target.kind == crate::finding::TargetKind::Host && !f.summary.contains(&f.target.name) {
        format!("{}: {}", f.target.name, f.summary)
    } else {
        f.summary.clone()
    }
}
