//! The audit report as data: clause statuses and the versioned JSON document that `caretaker
//! audit --format json` prints and a SIEM can ingest. Its schema is `docs/audit-report.schema.json`.

use caretaker_checks::{ClauseMap, Finding};
use serde::Serialize;

use crate::assess::Attestation;
use crate::store::{RunRecord, StatusCounts, Verdict};
pub use caretaker_model::compliance::*;

/// The JSON document's format name and version.
pub const REPORT_FORMAT: &str = "caretaker.audit-report";
pub const REPORT_VERSION: u32 = 1;

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
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<time::OffsetDateTime>,
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
    /// What identifies the finding across runs (check and target); what a waiver names.
    pub fingerprint: String,
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
    document_attested(school, map, run, findings, &[], crate::assess::today())
}

/// [`document`], with the clauses judged with people's attestations on `today` (see
/// [`clause_lines_attested`]).
pub fn document_attested<'a>(
    school: &'a str,
    map: &'a ClauseMap,
    run: &'a RunRecord,
    findings: &'a [Finding],
    attestations: &[(i64, Attestation)],
    today: time::Date,
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
            trigger: run.trigger.as_str(),
            who: &run.who,
            config_digest: &run.config_digest,
            started_at: run.started_at,
            ended_at: run.ended_at,
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
        clauses: clause_lines_attested(map, findings, attestations, today),
        findings: findings
            .iter()
            .map(|f| FindingDoc {
                check: f.check.as_str(),
                fingerprint: crate::store::fingerprint(f),
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
    use caretaker_checks::Status;
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
        let map = caretaker_checks::clauses::builtin();
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

    fn attestation(clause: &str, by: &str, until: &str) -> Attestation {
        Attestation {
            clause: clause.into(),
            clause_title: "Files on the network checked".into(),
            statement: "The shared drive is scanned weekly".into(),
            attested_by: by.into(),
            until: crate::assess::parse_date(until).unwrap(),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
            review: None,
        }
    }

    fn line<'a>(lines: &'a [ClauseLine], id: &str) -> &'a ClauseLine {
        lines.iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn an_attestation_makes_an_unchecked_clause_green_until_it_expires() {
        let map = caretaker_checks::clauses::builtin();
        let day = |s| crate::assess::parse_date(s).unwrap();
        let atts = vec![(
            4,
            attestation("7.4/network-files", "R. Singh", "2026-12-31"),
        )];
        let lines = clause_lines_attested::<Finding>(&map, &[], &atts, day("2026-12-31"));
        let files = line(&lines, "7.4/network-files");
        assert_eq!(files.status, ClauseStatus::Green);
        assert_eq!(
            files.reason,
            "attested by R. Singh until 2026-12-31: The shared drive is scanned weekly"
        );
        assert_eq!(files.findings, 0);
        // Other clauses are untouched.
        assert_eq!(
            line(&lines, "7.4/virus-protection").status,
            ClauseStatus::Grey
        );

        // The day after: AMBER, saying who and when it expired.
        let lines = clause_lines_attested::<Finding>(&map, &[], &atts, day("2027-01-01"));
        let files = line(&lines, "7.4/network-files");
        assert_eq!(files.status, ClauseStatus::Amber);
        assert_eq!(
            files.reason,
            "attestation by R. Singh expired on 2026-12-31"
        );

        // A newer attestation in force wins over the expired one; a withdrawn one counts for
        // nothing.
        let mut more = atts.clone();
        more.push((
            6,
            attestation("7.4/network-files", "J. Bloggs", "2027-06-30"),
        ));
        let lines = clause_lines_attested::<Finding>(&map, &[], &more, day("2027-01-01"));
        assert!(line(&lines, "7.4/network-files")
            .reason
            .contains("J. Bloggs"));
        let mut withdrawn = attestation("7.4/network-files", "R. Singh", "2027-06-30");
        withdrawn.withdrawn = true;
        let lines =
            clause_lines_attested::<Finding>(&map, &[], &[(8, withdrawn)], day("2027-01-01"));
        assert_eq!(line(&lines, "7.4/network-files").status, ClauseStatus::Grey);

        // Findings decide whenever there are any: an attestation never hides a failure.
        let mut fail = f(Status::Fail, "The file scan found malware.");
        fail.clauses = vec!["7.4/network-files".into()];
        let lines = clause_lines_attested(&map, &[fail], &atts, day("2026-12-01"));
        let files = line(&lines, "7.4/network-files");
        assert_eq!(files.status, ClauseStatus::Red);
        assert_eq!(files.reason, "The file scan found malware.");

        // Without attestations, the same as before.
        let plain = clause_lines(&map, &[]);
        assert_eq!(line(&plain, "7.4/network-files").status, ClauseStatus::Grey);
        assert_eq!(line(&plain, "7.4/network-files").reason, "not assessed");
    }

    #[test]
    fn waived_findings_make_a_clause_amber_and_carry_a_fingerprint() {
        let map = caretaker_checks::clauses::builtin();
        let lines = clause_lines(&map, &[f(Status::Waived, "Staff passwords can be 7.")]);
        assert_eq!(line(&lines, "7.4/logins").status, ClauseStatus::Amber);
        let run = RunRecord {
            id: 1,
            trigger: caretaker_model::run::Trigger::Manual,
            who: "root".into(),
            config_digest: "d".into(),
            school: "s".into(),
            started_at: time::macros::datetime!(2026-11-23 02:00:00 UTC),
            ended_at: None,
            state: crate::store::RunState::Complete,
            verdict: Some(Verdict::Compliant),
            only: vec![],
            counts: StatusCounts::default(),
        };
        let findings = vec![f(Status::Waived, "x")];
        let doc = document("s", &map, &run, &findings);
        assert_eq!(
            doc.findings[0].fingerprint,
            "directory.password-policy|policy|ad|staff"
        );
    }
}
