//! Text output of a run read against a standard (`caretaker show --policy dfe`): each standard on
//! a line with its colour, what of it no check looks at, the standards that need a person and
//! those caretaker does not cover, then the findings that are not passing, each with the
//! standards it evidences.

use std::fmt::Write as _;

use caretaker_checks::standards::{Coverage, StandardLine, View};
use caretaker_checks::{Finding, Status};
use caretaker_model::compliance::ClauseStatus;
use caretaker_model::run::{fingerprint, RunRecord};

use crate::render::{finding_line, fit, heading, table, verdict_line};

/// The report of one run against `view`: `findings` as the view reads them (each with the
/// standards it evidences as its clauses), `lines` the view's standards judged (see
/// [`caretaker_checks::standards::judge`]). `all` adds every standard's findings in a table, the
/// passes too.
pub fn view_report(
    school: &str,
    view: &View,
    run: &RunRecord,
    findings: &[Finding],
    lines: &[StandardLine],
    all: bool,
    width: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", heading(school, run, width));
    let _ = writeln!(
        out,
        "{}",
        fit(
            &format!(
                "{} (caretaker show --policy {})",
                view.map.policy, view.name
            ),
            width
        )
    );
    for section in &view.map.sections {
        let mine: Vec<&StandardLine> = lines
            .iter()
            .filter(|l| l.line.section == section.id)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", fit(&format!(" {}", section.title), width));
        for l in mine {
            // What needs a person or is not covered is listed below in full.
            let reason = match (l.line.findings, l.line.status, l.coverage) {
                (0, ClauseStatus::Grey, Coverage::Attestation) => "needs a person (below)",
                (0, ClauseStatus::Grey, Coverage::NotCovered) => "not covered (below)",
                _ => l.line.reason.as_str(),
            };
            let _ = writeln!(
                out,
                "{}",
                fit(
                    &format!(
                        "  {:<6} {:<36} {reason}",
                        l.line.status.word(),
                        fit(&l.line.title, 36),
                    ),
                    width
                )
            );
        }
    }

    let partial: Vec<&StandardLine> = lines.iter().filter(|l| !l.not_checked.is_empty()).collect();
    if !partial.is_empty() {
        let _ = writeln!(
            out,
            "\nWhat the checks do not look at, to be seen to by hand:"
        );
        for l in partial {
            let _ = writeln!(
                out,
                "{}",
                fit(&format!("  {}: {}", l.line.title, l.not_checked), width)
            );
        }
    }
    for (coverage, title) in [
        (
            Coverage::Attestation,
            "Needs a person (no machine can check it; caretaker attest ID):",
        ),
        (Coverage::NotCovered, "Not covered by caretaker:"),
    ] {
        let mine: Vec<&StandardLine> = lines.iter().filter(|l| l.coverage == coverage).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}");
        for l in mine {
            let _ = writeln!(
                out,
                "{}",
                fit(&format!("  {:<32} {}", l.line.id, l.text), width)
            );
        }
    }

    // Each standard's findings: all of them with `all`, else those that do not pass.
    let shown = |f: &&Finding| all || f.status != Status::Pass;
    for l in lines {
        let mut rows: Vec<&Finding> = l
            .fingerprints
            .iter()
            .filter_map(|fp| findings.iter().find(|f| &fingerprint(f) == fp))
            .filter(shown)
            .collect();
        rows.dedup_by_key(|f| fingerprint(f));
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}",
            fit(
                &format!("{} {} · {}", l.line.id, l.line.title, l.line.status.word()),
                width
            )
        );
        write_rows(&mut out, &rows, all, width);
    }
    let outside: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.clauses.is_empty())
        .filter(shown)
        .collect();
    if !outside.is_empty() {
        let _ = writeln!(out, "\nEvidence for none of these standards");
        write_rows(&mut out, &outside, all, width);
    }
    let passes = findings.iter().filter(|f| f.status == Status::Pass).count();
    if !all && passes > 0 {
        let _ = writeln!(
            out,
            "\n{}",
            fit(
                &format!("{passes} checks pass; --all lists them, and every sentence whole."),
                width
            )
        );
    }
    out.push('\n');
    let _ = writeln!(out, "{}", fit(&verdict_line(run, findings), width));
    out
}

/// Findings as a table (`all`: every sentence whole) or one to a line with their status.
fn write_rows(out: &mut String, rows: &[&Finding], all: bool, width: usize) {
    if all {
        out.push_str(&table(rows.iter().copied()));
        out.push('\n');
    } else {
        for f in rows {
            let _ = writeln!(out, "{}", finding_line(f, true, width));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_checks::standards::{judge, view, CYBER_ESSENTIALS, DFE};
    use caretaker_checks::{Evidence, Severity, Target, TargetKind};
    use caretaker_model::run::{RunState, StatusCounts, Trigger, Verdict};

    fn run() -> RunRecord {
        RunRecord {
            id: 3,
            trigger: Trigger::Manual,
            who: "netman".into(),
            config_digest: "d".into(),
            school: "St. Example's".into(),
            started_at: time::OffsetDateTime::UNIX_EPOCH,
            ended_at: None,
            state: RunState::Complete,
            verdict: Some(Verdict::NonCompliant),
            only: Vec::new(),
            counts: StatusCounts::default(),
        }
    }

    fn finding(check: &str, name: &str, status: Status, summary: &str) -> Finding {
        Finding::new(
            check,
            Target::new(TargetKind::Host, name, "hosts"),
            status,
            Severity::High,
            summary,
            Evidence::default(),
        )
    }

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::December, 6).expect("day")
    }

    #[test]
    fn the_dfe_view_lists_every_standard_and_who_must_see_to_the_rest() {
        let dfe = view(DFE).expect("dfe");
        let found = vec![
            finding(
                caretaker_checks::host::ANTIVIRUS.id,
                "pc-02",
                Status::Fail,
                "Virus protection on pc-02 is 40 days old.",
            ),
            finding(
                caretaker_checks::filter::MUST_BLOCK.id,
                "pupils",
                Status::Pass,
                "The IWF test page is blocked for pupils.",
            ),
        ];
        let (tagged, lines) = judge(&dfe.map, &found, &[], today());
        let text = view_report("St. Example's", &dfe, &run(), &tagged, &lines, false, 200);
        assert!(
            text.contains("DfE standards for schools and colleges"),
            "{text}"
        );
        assert!(
            text.contains("RED    Anti-malware and a firewall "),
            "{text}"
        );
        assert!(text.contains("GREEN  Harmful content blocked"), "{text}");
        let needs = text
            .split("Needs a person")
            .nth(1)
            .expect("a list of what needs a person");
        assert!(needs.contains("dfe-cyber/backups"), "{text}");
        assert!(needs.contains("dfe-filtering/roles"), "{text}");
        let not_covered = text
            .split("Not covered by caretaker:")
            .nth(1)
            .expect("{text}");
        assert!(not_covered.contains("dfe-filtering/monitoring"), "{text}");
        let av = text
            .split("dfe-cyber/anti-malware-firewall Anti-malware")
            .nth(1)
            .expect("the standard's findings");
        assert!(
            av.contains("FAIL   pc-02 (hosts): Virus protection on pc-02"),
            "{text}"
        );
        // Passes are counted, not listed.
        assert!(!text.contains("The IWF test page is blocked"), "{text}");
        assert!(text.contains("1 checks pass; --all lists them"), "{text}");
        assert!(text.contains("the boundary firewall"), "{text}");
    }

    #[test]
    fn a_finding_outside_a_standard_says_so_and_all_lists_the_passes() {
        let ce = view(CYBER_ESSENTIALS).expect("ce");
        let found = vec![
            finding(
                caretaker_checks::mail::SPF.id,
                "example.sch.uk",
                Status::Fail,
                "Anyone can send email as example.sch.uk.",
            ),
            finding(
                caretaker_checks::host::ANTIVIRUS.id,
                "pc-01",
                Status::Pass,
                "Virus protection on pc-01 is current.",
            ),
        ];
        let (tagged, lines) = judge(&ce.map, &found, &[], today());
        let text = view_report("St. Example's", &ce, &run(), &tagged, &lines, false, 200);
        let outside = text
            .split("Evidence for none of these standards")
            .nth(1)
            .expect("{text}");
        assert!(outside.contains("example.sch.uk"), "{text}");
        let all = view_report("St. Example's", &ce, &run(), &tagged, &lines, true, 200);
        assert!(
            all.contains("ce/malware-protection Malware protection · GREEN"),
            "{all}"
        );
        assert!(all.contains("pc-01"), "{all}");
    }
}
