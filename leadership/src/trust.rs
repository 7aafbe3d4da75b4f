//! The trustees' report ([`caretaker_model::trust_report::TrustReport`]), rendered:
//! [`html::html`] (one self-contained page: the summary, then each school on a page of its own),
//! [`markdown::markdown`] and [`pdf::pdf`] (A4, as the school's report is laid out). The words
//! every rendering shares are here.

use caretaker_model::leadership::long_day;
use caretaker_model::trust_report::{Cell, SchoolPage, StandardCell, TrustReport};

use crate::html::when_text;

pub mod html;
pub mod markdown;
pub mod pdf;

/// The report's title: "Online safety across the trust: the autumn term 2026".
pub(crate) fn title(r: &TrustReport) -> String {
    format!("Online safety across the trust: {}", r.period.label)
}

/// The line under the title: the period, when it was made and from what.
pub(crate) fn made(r: &TrustReport) -> String {
    let mut s = format!(
        "From {} to {}. Made on {} from each school's own nightly checks, as sent to the trust.",
        long_day(r.period.from),
        long_day(r.period.to),
        when_text(&r.generated_at)
    );
    if let Some(t) = &r.as_of {
        s.push_str(&format!(
            " Each school as its checks stood before {}.",
            when_text(t)
        ));
    }
    s
}

/// The summary's heading.
pub(crate) const SUMMARY: &str = "Summary: do our schools meet the policy?";

/// The matrix's caption.
pub(crate) const MATRIX: &str = "Each school against the policy and the DfE standards";

/// The heading of what changed: "What changed since 1 September 2026".
pub(crate) fn changed_since(r: &TrustReport) -> String {
    format!("What changed since {}", long_day(r.period.from))
}

/// The headers of the table of changes, school by school.
pub(crate) const CHANGE_HEADERS: [&str; 5] = [
    "School",
    "New problems",
    "Fixed",
    "Still open",
    "Clauses that changed state",
];

/// A row of the table of changes (the school's name as it is).
pub(crate) fn change_row(p: &SchoolPage) -> Vec<String> {
    if !p.checked {
        return vec![
            p.name.clone(),
            "–".into(),
            "–".into(),
            "–".into(),
            "not checked".into(),
        ];
    }
    vec![
        p.name.clone(),
        p.changes.newly_failing.len().to_string(),
        p.changes.fixed.len().to_string(),
        p.changes.still_open.len().to_string(),
        p.recoloured.len().to_string(),
    ]
}

/// A cell in words: "Not met (1 not met, 1 met, 16 not checked (of 18 clauses))".
pub(crate) fn cell_words(c: &Cell) -> String {
    if c.words == c.detail || c.detail == "not checked" {
        c.words.clone()
    } else {
        format!("{} ({})", c.words, c.detail)
    }
}

/// A school against one standard, in a sentence: "DfE …: Not met (…). Not met: A; B."
pub(crate) fn standard_sentence(sc: &StandardCell) -> String {
    let c = &sc.cell;
    let mut s = format!("{}: {}.", sc.title, cell_words(c));
    if !c.not_met.is_empty() {
        s.push_str(&format!(" Not met: {}.", c.not_met.join("; ")));
    }
    s
}

/// The school's last audit and when its results last reached the trust, in a sentence or two.
pub(crate) fn last_audit(p: &SchoolPage) -> String {
    let audit = match &p.latest_run {
        Some(run) => format!(
            "Last audit: run {} ({}), started {}.",
            run.id,
            run.covered,
            when_text(&run.started_at)
        ),
        None => "No audit has been recorded.".to_string(),
    };
    let sent = match &p.forwarded_at {
        Some(t) => format!("Its results last reached the trust on {}.", when_text(t)),
        None => "Its results have never reached the trust.".to_string(),
    };
    format!("{audit} {sent}")
}

/// What the school's changes are compared with, in a sentence.
pub(crate) fn compared(r: &TrustReport, p: &SchoolPage) -> String {
    let c = &p.changes;
    let counts = format!(
        "{} new problem{}, {} fixed, {} still open.",
        c.newly_failing.len(),
        if c.newly_failing.len() == 1 { "" } else { "s" },
        c.fixed.len(),
        c.still_open.len()
    );
    match &c.compared_with {
        Some(run) => format!(
            "Compared with its checks at the start of the period (run {}, {}): {counts}",
            run.id,
            when_text(&run.started_at)
        ),
        None => format!(
            "Nothing had been checked by {}, so there is nothing to compare with: everything failing now is new. {counts}",
            long_day(r.period.from)
        ),
    }
}

/// A clause that changed state, in words: "Logins and passwords: Met → Not met".
pub(crate) fn recoloured_words(c: &caretaker_model::trust_report::ColourChange) -> String {
    format!("{}: {} → {}", c.title, c.from_words, c.to_words)
}

#[cfg(test)]
mod tests;
