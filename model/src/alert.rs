//! Alerts: which failures are told at once, and when they are told again.
//!
//! A failing finding of critical severity (an IWF or CTIRU test page reachable from a vantage
//! point, a machine whose SSH key has changed) is a problem to tell the DSL and the network
//! manager at once. Each problem is told once when it is new, again after a while if it lasts, and
//! once more when a later run finds it fixed. A run that did not check something (a filter-only
//! run, a machine that could not be reached) neither repeats nor resolves what it did not see.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::finding::{Finding, Severity, Status};
use crate::run::fingerprint;

/// One problem to tell people about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What identifies it across runs (a finding's fingerprint).
    pub key: String,
    /// The sentence a headteacher reads.
    pub summary: String,
    pub check: String,
    /// What it is about, as the report writes it (`host:office-pc`, …).
    pub target: String,
}

/// An alert told before and not resolved since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub key: String,
    pub summary: String,
    pub opened_at: time::OffsetDateTime,
    pub last_sent_at: time::OffsetDateTime,
}

/// What to tell after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Notice {
    /// Found for the first time (or again after it was resolved).
    New { problem: Problem },
    /// Still there, `since` when it was first told.
    Reminder {
        problem: Problem,
        #[serde(with = "time::serde::rfc3339")]
        since: time::OffsetDateTime,
    },
    /// Checked again and no longer failing.
    Resolved {
        key: String,
        summary: String,
        #[serde(with = "time::serde::rfc3339")]
        since: time::OffsetDateTime,
    },
}

/// Whether `f` is told at once: failing, and of critical severity.
pub fn is_alerting(f: &Finding) -> bool {
    f.status == Status::Fail && f.severity == Severity::Critical
}

/// The problems among a run's findings.
pub fn problems(findings: &[Finding]) -> Vec<Problem> {
    findings
        .iter()
        .filter(|f| is_alerting(f))
        .map(|f| Problem {
            key: fingerprint(f),
            summary: f.summary.clone(),
            check: f.check.to_string(),
            target: f.target.label(),
        })
        .collect()
}

/// What to tell now, given the alerts `open` before, the `current` problems, the keys the run
/// checked (`checked`: a key not among them stays as it was), and how long to wait before a
/// reminder.
pub fn plan(
    open: &[OpenAlert],
    current: &[Problem],
    checked: &BTreeSet<String>,
    now: time::OffsetDateTime,
    remind_after: time::Duration,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in current {
        if !seen.insert(p.key.clone()) {
            continue;
        }
        match open.iter().find(|o| o.key == p.key) {
            None => out.push(Notice::New { problem: p.clone() }),
            Some(o) if now - o.last_sent_at >= remind_after => out.push(Notice::Reminder {
                problem: p.clone(),
                since: o.opened_at,
            }),
            Some(_) => {}
        }
    }
    for o in open {
        if checked.contains(&o.key) && !seen.contains(&o.key) {
            out.push(Notice::Resolved {
                key: o.key.clone(),
                summary: o.summary.clone(),
                since: o.opened_at,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::finding::{Evidence, Target, TargetKind};

    fn finding(url: &str, status: Status, severity: Severity) -> Finding {
        Finding::new(
            "filter.must-block",
            Target::new(TargetKind::Url, url, "pupil-wifi"),
            status,
            severity,
            format!("Pupils on pupil-wifi can reach {url}."),
            Evidence::new("test"),
        )
    }

    fn at(h: i64) -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-23 09:00 UTC) + time::Duration::hours(h)
    }

    #[test]
    fn a_critical_failure_is_told_once_reminded_daily_and_resolved_once() {
        let iwf = finding("http://iwf.test/", Status::Fail, Severity::Critical);
        let adult = finding("http://adult.test/", Status::Fail, Severity::High);
        let run1 = [iwf.clone(), adult.clone()];
        let checked: BTreeSet<String> = run1.iter().map(fingerprint).collect();
        let current = problems(&run1);
        assert_eq!(current.len(), 1, "only the critical failure: {current:?}");
        let day = time::Duration::hours(24);
        let told = plan(&[], &current, &checked, at(0), day);
        assert!(matches!(&told[..], [Notice::New { problem }] if problem.key == fingerprint(&iwf)));
        let open = [OpenAlert {
            key: fingerprint(&iwf),
            summary: iwf.summary.clone(),
            opened_at: at(0),
            last_sent_at: at(0),
        }];
        // Two hours later, still failing: nothing; a day later: a reminder.
        assert!(plan(&open, &current, &checked, at(2), day).is_empty());
        assert!(matches!(
            &plan(&open, &current, &checked, at(24), day)[..],
            [Notice::Reminder { since, .. }] if *since == at(0)
        ));
        // A run that did not check it says nothing about it.
        assert!(plan(&open, &[], &BTreeSet::new(), at(3), day).is_empty());
        // Checked and passing: resolved.
        let fixed = [finding(
            "http://iwf.test/",
            Status::Pass,
            Severity::Critical,
        )];
        let checked: BTreeSet<String> = fixed.iter().map(fingerprint).collect();
        assert!(matches!(
            &plan(&open, &problems(&fixed), &checked, at(4), day)[..],
            [Notice::Resolved { key, .. }] if *key == fingerprint(&iwf)
        ));
    }
}
