//! The standards as views: the same findings read against a standard the school did not write
//! (the DfE's cyber security standards, its filtering and monitoring standards, Cyber
//! Essentials), so that every finding also shows against the standard it evidences.
//!
//! A view is a clause map whose clauses are the standard's standards and whose `checks` name the
//! checks that evidence each. A finding evidences a standard when its check is one the standard
//! names ([`retag`]); a standard's colour follows the same rules as a policy clause's
//! ([`clause_lines_attested`]). What no machine can check (training, tested restores, roles, the
//! incident plan) is a standard a person attests to; what caretaker neither checks nor records is
//! listed as not covered, never as met.

use serde::{Deserialize, Serialize};

use crate::clauses::{Clause, ClauseMap};
use crate::compliance::{clause_lines_attested, ClauseLine, ClauseStatus};
use crate::finding::Finding;
use crate::records::Attestation;

/// The name of the view that reads the findings against the school's own policy.
pub const SCHOOL: &str = "school";

/// One way of reading the findings: a standard, as a clause map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// What a network manager types after `--policy`: `dfe`, `filtering`, `cyber-essentials`.
    pub name: String,
    /// The standard's documents as sections, its standards as clauses.
    pub map: ClauseMap,
}

/// How a standard is evidenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// Checks evidence it: their findings decide its colour.
    Machine,
    /// No machine can check it: a person attests to it (`caretaker attest`).
    Attestation,
    /// caretaker neither checks it nor records an attestation of it.
    NotCovered,
}

impl Coverage {
    /// How `clause` is evidenced: by its checks if it has any, else by attestation if a person
    /// may attest to it, else not at all.
    pub fn of(clause: &Clause) -> Coverage {
        if !clause.checks.is_empty() {
            Coverage::Machine
        } else if clause.attestation {
            Coverage::Attestation
        } else {
            Coverage::NotCovered
        }
    }

    /// The words tables use: "by machine", "by attestation", "not covered".
    pub fn words(self) -> &'static str {
        match self {
            Coverage::Machine => "by machine",
            Coverage::Attestation => "by attestation",
            Coverage::NotCovered => "not covered",
        }
    }
}

/// The findings with their clauses set to the ids of the view's clauses that their checks
/// evidence, in the view's order (a finding no clause of the view names has none).
pub fn retag(map: &ClauseMap, findings: &[Finding]) -> Vec<Finding> {
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.clauses = map.clauses_for(&f.check);
            f
        })
        .collect()
}

/// One standard as a view shows it: its line (colour, reason), how it is evidenced, and the
/// findings that evidence it.
#[derive(Debug, Clone, Serialize)]
pub struct StandardLine {
    #[serde(flatten)]
    pub line: ClauseLine,
    /// The standard's own words.
    pub text: String,
    pub coverage: Coverage,
    /// The checks (ids or families) that evidence it, as the map names them.
    pub checks: Vec<String>,
    /// What of it no check looks at.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub not_checked: String,
    /// The fingerprints of the findings that evidence it, worst first.
    pub fingerprints: Vec<String>,
}

/// Every clause of the view's `map` with its colour in `findings` (as [`retag`] returns them)
/// and the current `attestations` on `today`, in map order. A clause nothing evidenced says why:
/// it needs a person's attestation, or caretaker does not cover it, or its checks did not run.
pub fn standard_lines(
    map: &ClauseMap,
    findings: &[Finding],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Vec<StandardLine> {
    clause_lines_attested(map, findings, attestations, today)
        .into_iter()
        .filter_map(|line| {
            let (line, clause, coverage) = described(map, line)?;
            let mut mine: Vec<(usize, &Finding)> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.clauses.contains(&clause.id))
                .collect();
            mine.sort_by_key(|(i, f)| (f.status.rank(), *i));
            Some(StandardLine {
                text: clause.text.clone(),
                coverage,
                checks: clause.checks.clone(),
                not_checked: clause.not_checked.clone(),
                fingerprints: mine
                    .into_iter()
                    .map(|(_, f)| crate::run::fingerprint(f))
                    .collect(),
                line,
            })
        })
        .collect()
}

/// A line with the view's words for a standard nothing evidences, its clause and coverage.
fn described(map: &ClauseMap, mut line: ClauseLine) -> Option<(ClauseLine, &Clause, Coverage)> {
    let clause = map.clause(&line.id)?;
    let coverage = Coverage::of(clause);
    if line.findings == 0 && line.status == ClauseStatus::Grey {
        line.reason = match coverage {
            Coverage::Attestation => format!(
                "needs a person: no machine can check this (caretaker attest {})",
                clause.id
            ),
            Coverage::NotCovered => {
                "not covered: caretaker neither checks nor records this".to_string()
            }
            Coverage::Machine => "not assessed: its checks did not run".to_string(),
        };
    }
    Some((line, clause, coverage))
}

/// The lines of [`judge`] alone (each standard's colour and reason), the findings read as the
/// view reads them without being copied, and no finding listed: what a summary across many
/// schools needs.
pub fn judge_lines<F: std::borrow::Borrow<Finding>>(
    map: &ClauseMap,
    findings: &[F],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Vec<ClauseLine> {
    let mut tags: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for f in findings {
        let check = &f.borrow().check;
        if !tags.contains_key(check.as_str()) {
            tags.insert(check.as_str(), map.clauses_for(check));
        }
    }
    let none: &[String] = &[];
    crate::compliance::clause_lines_tagged(
        map,
        findings,
        |f| tags.get(f.check.as_str()).map_or(none, Vec::as_slice),
        attestations,
        today,
    )
    .into_iter()
    .filter_map(|line| described(map, line).map(|(line, _, _)| line))
    .collect()
}

/// A view judged: the findings as the view reads them, and its standards' lines.
pub fn judge(
    map: &ClauseMap,
    findings: &[Finding],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> (Vec<Finding>, Vec<StandardLine>) {
    let findings = retag(map, findings);
    let lines = standard_lines(map, &findings, attestations, today);
    (findings, lines)
}

/// One standard as the leadership report shows it, in plain English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardSummary {
    pub id: String,
    pub title: String,
    /// The standard's own words.
    pub text: String,
    /// "red", "amber", "green", "grey".
    pub status: String,
    /// "Met", "Not met", "Needs a person to confirm", "Not covered by caretaker", …
    pub words: String,
    /// Why, in one line: the worst finding, the attestation, or what a person is to confirm.
    pub reason: String,
    /// "machine", "attestation" or "not-covered".
    pub coverage: String,
    /// What of it no check looks at ("" when nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub not_checked: String,
}

/// A standard's document as the leadership report shows it: each of its standards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardsSection {
    /// The view's name (`dfe-cyber`, `filtering`).
    pub view: String,
    /// The document's name ("DfE cyber security standards for schools and colleges").
    pub title: String,
    pub standards: Vec<StandardSummary>,
}

/// The end-of-period findings read against each of `views` for the leadership report, judged
/// with the current `attestations` on `today`.
pub fn report_sections(
    views: &[View],
    findings: &[Finding],
    attestations: &[(i64, Attestation)],
    today: time::Date,
) -> Vec<StandardsSection> {
    views
        .iter()
        .map(|v| {
            let (_, lines) = judge(&v.map, findings, attestations, today);
            StandardsSection {
                view: v.name.clone(),
                title: v.map.policy.clone(),
                standards: lines.into_iter().map(summary).collect(),
            }
        })
        .collect()
}

fn summary(l: StandardLine) -> StandardSummary {
    let words = match (l.line.status, l.coverage) {
        (ClauseStatus::Grey, Coverage::Attestation) => "Needs a person to confirm",
        (ClauseStatus::Grey, Coverage::NotCovered) => "Not covered by caretaker",
        (ClauseStatus::Grey, Coverage::Machine) => "Not checked",
        (ClauseStatus::Red, _) => "Not met",
        (ClauseStatus::Amber, _) => "Met, with something to look at",
        (ClauseStatus::Green, Coverage::Attestation) => "Confirmed by a person",
        (ClauseStatus::Green, _) => "Met",
    };
    let reason = match (l.line.status, l.coverage) {
        (ClauseStatus::Grey, Coverage::Attestation) => {
            "No machine can check this: a member of staff confirms it (caretaker attest)."
                .to_string()
        }
        (ClauseStatus::Grey, Coverage::NotCovered) => {
            "caretaker neither checks this nor records it; the school evidences it another way."
                .to_string()
        }
        _ => l.line.reason.clone(),
    };
    StandardSummary {
        coverage: match l.coverage {
            Coverage::Machine => "machine",
            Coverage::Attestation => "attestation",
            Coverage::NotCovered => "not-covered",
        }
        .to_string(),
        id: l.line.id,
        title: l.line.title,
        text: l.text,
        status: l.line.status.word().to_lowercase(),
        words: words.to_string(),
        reason,
        not_checked: l.not_checked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity, Status, Target, TargetKind};

    const MAP: &str = r#"
version = 1
policy = "A standard"
[[section]]
id = "s"
title = "Standards"
[[clause]]
id = "s/machines"
section = "s"
title = "Machines protected"
text = "Protect every machine."
checks = ["host"]
not_checked = "the firewall"
[[clause]]
id = "s/training"
section = "s"
title = "Staff trained"
text = "Train the staff."
attestation = true
[[clause]]
id = "s/monitoring"
section = "s"
title = "Monitoring"
text = "Monitor."
"#;

    fn map() -> ClauseMap {
        let av = crate::spec::CheckSpec::new(
            crate::spec::AreaId::Hosts,
            "host.antivirus",
            "Virus protection",
            "VIRUS",
            &["7.4/virus-protection"],
            "Could not check virus protection",
        );
        ClauseMap::parse_view(MAP, "test", &[&av]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn finding(check: &str, name: &str, status: Status) -> Finding {
        let mut f = Finding::new(
            check,
            Target::new(TargetKind::Host, name, "hosts"),
            status,
            Severity::High,
            format!("{name} is {}.", status.as_str()),
            Evidence::default(),
        );
        f.clauses = vec!["7.4/virus-protection".into()];
        f
    }

    fn day(y: i32, m: time::Month, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, m, d).expect("a date")
    }

    fn today() -> time::Date {
        day(2026, time::Month::December, 6)
    }

    /// J. Head's attestation of the staff's training, in force until September 2027.
    fn training(statement: &str) -> Attestation {
        Attestation {
            clause: "s/training".into(),
            clause_title: "Staff trained".into(),
            statement: statement.into(),
            attested_by: "J. Head".into(),
            until: day(2027, time::Month::September, 30),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
            review: None,
        }
    }

    #[test]
    fn findings_are_read_against_the_view_by_their_check() {
        let findings = vec![
            finding("host.antivirus", "pc-01", Status::Pass),
            finding("host.antivirus", "pc-02", Status::Fail),
            finding("directory.guest", "ad", Status::Fail),
        ];
        let (tagged, lines) = judge(&map(), &findings, &[], today());
        assert_eq!(tagged[0].clauses, vec!["s/machines"]);
        assert!(tagged[2].clauses.is_empty(), "{:?}", tagged[2].clauses);
        let machines = &lines[0];
        assert_eq!(machines.coverage, Coverage::Machine);
        assert_eq!(machines.line.status, ClauseStatus::Red);
        assert_eq!(machines.line.reason, "pc-02 is fail.");
        // Worst first.
        assert_eq!(
            machines.fingerprints,
            vec![
                "host.antivirus|host|hosts|pc-02",
                "host.antivirus|host|hosts|pc-01"
            ]
        );
        assert_eq!(machines.not_checked, "the firewall");
    }

    #[test]
    fn the_lines_alone_are_the_lines_of_the_judgement() {
        let a = training("Trained in September.");
        for findings in [
            vec![
                finding("host.antivirus", "pc-01", Status::Pass),
                finding("host.antivirus", "pc-02", Status::Fail),
                finding("directory.guest", "ad", Status::Fail),
            ],
            vec![finding("host.antivirus", "pc-01", Status::Pass)],
            vec![finding("directory.guest", "ad", Status::Warn)],
            Vec::new(),
        ] {
            for attestations in [Vec::new(), vec![(1, a.clone())]] {
                let (_, judged) = judge(&map(), &findings, &attestations, today());
                let judged: Vec<ClauseLine> = judged.into_iter().map(|l| l.line).collect();
                let lent: Vec<&Finding> = findings.iter().collect();
                let words = |lines: &[ClauseLine]| format!("{lines:?}");
                assert_eq!(
                    words(&judge_lines(&map(), &lent, &attestations, today())),
                    words(&judged)
                );
                assert_eq!(
                    words(&judge_lines(&map(), &findings, &attestations, today())),
                    words(&judged)
                );
            }
        }
    }

    #[test]
    fn what_no_machine_checks_says_who_must_and_what_nothing_covers_says_so() {
        let (_, lines) = judge(&map(), &[], &[], today());
        assert_eq!(lines[0].line.reason, "not assessed: its checks did not run");
        assert_eq!(lines[1].coverage, Coverage::Attestation);
        assert_eq!(lines[1].line.status, ClauseStatus::Grey);
        assert!(
            lines[1].line.reason.starts_with("needs a person"),
            "{}",
            lines[1].line.reason
        );
        assert!(lines[1].line.reason.contains("caretaker attest s/training"));
        assert_eq!(lines[2].coverage, Coverage::NotCovered);
        assert!(lines[2].line.reason.starts_with("not covered"));
    }

    #[test]
    fn the_leadership_report_says_in_words_who_must_see_to_what() {
        let view = View {
            name: "s".into(),
            map: map(),
        };
        let findings = vec![finding("host.antivirus", "pc-02", Status::Fail)];
        let sections = report_sections(&[view], &findings, &[], today());
        let s = &sections[0];
        assert_eq!((s.view.as_str(), s.title.as_str()), ("s", "A standard"));
        let words: Vec<(&str, &str)> = s
            .standards
            .iter()
            .map(|x| (x.status.as_str(), x.words.as_str()))
            .collect();
        assert_eq!(
            words,
            vec![
                ("red", "Not met"),
                ("grey", "Needs a person to confirm"),
                ("grey", "Not covered by caretaker")
            ]
        );
        assert_eq!(s.standards[0].not_checked, "the firewall");
        assert!(s.standards[1]
            .reason
            .contains("a member of staff confirms it"));
    }

    #[test]
    fn an_attestation_in_force_makes_its_standard_green() {
        let a = training("All staff took the NCSC training in September.");
        let (_, lines) = judge(&map(), &[], &[(1, a)], today());
        assert_eq!(lines[1].line.status, ClauseStatus::Green);
        assert!(
            lines[1].line.reason.contains("J. Head"),
            "{}",
            lines[1].line.reason
        );
        // Nothing else changes colour.
        assert_eq!(lines[2].line.status, ClauseStatus::Grey);
    }
}
