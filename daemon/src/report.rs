//! The audit report as data: clause statuses and the versioned JSON document that `caretaker
//! audit --format json` prints and a SIEM can ingest. Its schema is `docs/audit-report.schema.json`.

use caretaker_checks::{ClauseMap, Finding, Status};
use serde::Serialize;

use crate::store::{RunRecord, StatusCounts, Verdict};

/// The JSON document's format name and version.
pub const REPORT_FORMAT: &str = "caretaker.audit-report";
pub const REPORT_VERSION: u32 = 1;

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
    map.clauses
        .iter()
        .map(|c| {
            let mine: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.clauses.contains(&c.id))
                .collect();
            let worst = mine
                .iter()
                .min_by_key(|f| (f.status.rank(), std::cmp::Reverse(f.severity)));
            ClauseLine {
                id: c.id.clone(),
                section: c.section.clone(),
                title: c.title.clone(),
                status: ClauseStatus::of(mine.iter().copied()),
                findings: mine.len(),
                reason: match worst {
                    Some(f) if f.status == Status::Pass => format!("{} checks pass", mine.len()),
                    Some(f) => reason_line(f),
                    None => "not assessed".to_string(),
                },
            }
        })
        .collect()
}

/// A finding's summary as a clause's one-line reason: a machine's findings speak of "this
/// computer", so the line names it.
fn reason_line(f: &Finding) -> String {
    if f.target.kind == caretaker_checks::TargetKind::Host && !f.summary.contains(&f.target.name) {
        format!("{}: {}", f.target.name, f.summary)
    } else {
        f.summary.clone()
    }
}

#[derive(Debug, Serialize)]
pub struct ReportDocument<'a> {
    pub format: &'static str,
    pub version: u32,
    pub school: &'a str,
    pub policy: &'a str,
    pub run: RunDoc<'a>,
    pub counts: CountsDoc,
    pub clauses: Vec<ClauseLine>,
    pub findings: Vec<FindingDoc<'a>>,
}

#[derive(Debug, Serialize)]
pub struct RunDoc<'a> {
    pub id: i64,
    pub trigger: &'a str,
    pub who: &'a str,
    pub config_digest: &'a str,
    pub started_at: &'a str,
    pub ended_at: Option<&'a str>,
    pub state: &'static str,
    pub verdict: Option<&'static str>,
    pub exit_code: i32,
    pub only: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct CountsDoc {
    pub pass: u64,
    pub fail: u64,
    pub warn: u64,
    pub error: u64,
    pub waived: u64,
}

#[derive(Debug, Serialize)]
pub struct FindingDoc<'a> {
    pub check: &'a str,
    pub target: TargetDoc<'a>,
    pub status: &'static str,
    pub severity: &'static str,
    pub summary: &'a str,
    pub evidence: EvidenceDoc<'a>,
    pub remediation: Option<&'a str>,
    pub clauses: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct TargetDoc<'a> {
    pub kind: &'static str,
    pub name: &'a str,
    pub scope: &'a str,
}

#[derive(Debug, Serialize)]
pub struct EvidenceDoc<'a> {
    pub source: &'a str,
    pub observed_at: &'a str,
    pub values: Vec<KeyValue<'a>>,
}

#[derive(Debug, Serialize)]
pub struct KeyValue<'a> {
    pub key: &'a str,
    pub value: &'a str,
}

/// The versioned JSON document for one run.
pub fn document<'a>(
    school: &'a str,
    map: &'a ClauseMap,
    run: &'a RunRecord,
    findings: &'a [Finding],
) -> ReportDocument<'a> {
    let counts = StatusCounts::of(findings);
    let verdict = run.verdict.unwrap_or(Verdict::Incomplete);
    ReportDocument {
        format: REPORT_FORMAT,
        version: REPORT_VERSION,
        school,
        policy: &map.policy,
        run: RunDoc {
            id: run.id,
            trigger: &run.trigger,
            who: &run.who,
            config_digest: &run.config_digest,
            started_at: &run.started_at,
            ended_at: run.ended_at.as_deref(),
            state: run.state.as_str(),
            verdict: run.verdict.map(Verdict::as_str),
            exit_code: verdict.exit_code(),
            only: &run.only,
        },
        counts: CountsDoc {
            pass: counts.pass,
            fail: counts.fail,
            warn: counts.warn,
            error: counts.error,
            waived: counts.waived,
        },
        clauses: clause_lines(map, findings),
        findings: findings
            .iter()
            .map(|f| FindingDoc {
                check: f.check.as_str(),
                target: TargetDoc {
                    kind: f.target.kind.as_str(),
                    name: &f.target.name,
                    scope: &f.target.scope,
                },
                status: f.status.as_str(),
                severity: f.severity.as_str(),
                summary: &f.summary,
                evidence: EvidenceDoc {
                    source: &f.evidence.source,
                    observed_at: &f.evidence.observed_at,
                    values: f
                        .evidence
                        .values
                        .iter()
                        .map(|(k, v)| KeyValue { key: k, value: v })
                        .collect(),
                },
                remediation: f.remediation.as_deref(),
                clauses: &f.clauses,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_checks::{Evidence, Severity, Target, TargetKind};

    fn f(status: Status, summary: &str) -> Finding {
        let mut f = Finding::new(
            "directory.password-policy",
            Target::new(TargetKind::Policy, "staff", "ad"),
            status,
            Severity::High,
            summary,
            Evidence::default(),
        );
        f.clauses = vec!["7.4/logins".into()];
        f
    }

    #[test]
    fn clause_status_is_the_worst_with_the_worst_reason() {
        let map = ClauseMap::builtin();
        let findings = vec![
            f(Status::Pass, "ok"),
            f(Status::Fail, "Staff passwords can be 7 characters."),
        ];
        let lines = clause_lines(&map, &findings);
        let logins = lines.iter().find(|l| l.id == "7.4/logins").unwrap();
        assert_eq!(logins.status, ClauseStatus::Red);
        assert_eq!(logins.reason, "Staff passwords can be 7 characters.");
        assert_eq!(logins.findings, 2);
        let virus = lines
            .iter()
            .find(|l| l.id == "7.4/virus-protection")
            .unwrap();
        assert_eq!(virus.status, ClauseStatus::Grey);
        assert_eq!(
            ClauseStatus::of([&f(Status::Error, "x"), &f(Status::Pass, "y")]),
            ClauseStatus::Amber
        );
        assert_eq!(
            ClauseStatus::of([&f(Status::Pass, "y")]),
            ClauseStatus::Green
        );
    }
}
