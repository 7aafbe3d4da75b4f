//! The trustees' report of a trust's view: each school's picture at the end and at the start of
//! the period, judged by the same rules as the school's own console ([`TrustSchool::lines`],
//! [`TrustSchool::meets`]), laid side by side ([`caretaker_model::trust_report`]).

use caretaker_model::compliance::ClauseLine;
use caretaker_model::finding::Finding;
use caretaker_model::leadership::Period;
use caretaker_model::standards::View;
use caretaker_model::trust_report::{Inputs, SchoolPicture, TrustReport};

use crate::trust::{TrustSchool, TrustView};

/// The report for the trust called `trust` over `period`: `now` is each school's picture at the
/// end of the period, `start` each school's picture at its start (matched by school id); every
/// school is also read against each of `views` (the DfE standards). Schools are listed as `now`
/// lists them.
pub fn build(
    trust: &str,
    period: Period,
    now: &TrustView,
    start: &TrustView,
    views: &[View],
    generated_at: time::OffsetDateTime,
) -> TrustReport {
    let now_judged = judged(now);
    let start_judged = judged(start);
    let now_pictures = pictures(now, &now_judged);
    let start_pictures = pictures(start, &start_judged);
    caretaker_model::trust_report::build(Inputs {
        trust,
        period,
        generated_at,
        views,
        now: &now_pictures,
        start: &start_pictures,
        as_of: now.as_of.as_deref(),
        compared_as_of: start.as_of.as_deref(),
    })
}

/// A school's picture's findings (lent by its runs), its clause lines and whether it meets the
/// policy.
type Judged<'a> = (Vec<&'a Finding>, Vec<ClauseLine>, bool);

/// Each school's findings, clause lines and whether it meets the policy, by its own rules; each
/// school on its own, on every core.
fn judged(view: &TrustView) -> Vec<Judged<'_>> {
    caretaker_model::cores::map(&view.schools, |s: &TrustSchool| {
        let findings = s.findings_lent();
        let lines = s.lines_of(&findings);
        let meets = s.meets(&lines);
        (findings, lines, meets)
    })
}

fn pictures<'a>(view: &'a TrustView, judged: &'a [Judged<'a>]) -> Vec<SchoolPicture<'a>> {
    view.schools
        .iter()
        .zip(judged)
        .map(|(s, (findings, lines, meets))| SchoolPicture {
            id: &s.id,
            name: &s.name,
            forwarded_at: s.forwarded_at.as_deref(),
            map: &s.overview.map,
            latest: s.overview.latest.as_ref(),
            runs: &s.overview.runs,
            findings,
            lines,
            meets: *meets,
            attestations: &s.overview.attestations,
            today: s.overview.today,
        })
        .collect()
}

#[cfg(test)]
mod tests;
