//! Text output: the report grouped by policy clause, the list of runs, the list of checks.

use std::fmt::Write as _;

use caretaker_checks::{ClauseMap, Finding, Status};
use caretaker_model::compliance::clause_lines_attested;
use caretaker_model::run::{RunRecord, RunState, StatusCounts, Verdict};
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct FindingRow {
    #[tabled(rename = "STATUS")]
    status: String,
    #[tabled(rename = "CHECK")]
    check: String,
    #[tabled(rename = "TARGET")]
    target: String,
    #[tabled(rename = "FINDING")]
    summary: String,
}

/// Width of the finding column before it wraps.
const SUMMARY_WIDTH: usize = 48;

/// The whole text report for one run.
pub fn report(school: &str, map: &ClauseMap, run: &RunRecord, findings: &[Finding]) -> String {
    report_attested(
        school,
        map,
        run,
        findings,
        &[],
        caretaker_model::records::today(),
    )
}

/// [`report`], with the clauses judged with people's attestations on `today`.
pub fn report_attested(
    school: &str,
    map: &ClauseMap,
    run: &RunRecord,
    findings: &[Finding],
    attestations: &[(i64, caretaker_model::records::Attestation)],
    today: time::Date,
) -> String {
    let mut out = String::new();
    // The whole report: the heading is not cut to a width.
    let _ = writeln!(out, "{}\n", heading(school, run, usize::MAX));

    // Clause by clause, in the policy's order.
    let lines = clause_lines_attested(map, findings, attestations, today);
    for section in &map.sections {
        let mine: Vec<_> = lines.iter().filter(|l| l.section == section.id).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(out, " {}  {}", section.id, section.title);
        for l in mine {
            let _ = writeln!(
                out,
                "  {:<6} {:<40} {}",
                l.status.word(),
                l.title,
                one_line(&l.reason, 70)
            );
        }
    }
    out.push('\n');

    // The findings under every clause they evidence: a clause's table holds every finding that
    // sets its colour, and its heading is the colour of its line in the summary above.
    for (clause, line) in map.clauses.iter().zip(&lines) {
        let mut rows: Vec<(usize, &Finding)> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.clauses.contains(&clause.id))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{} {} · {}",
            clause.id,
            clause.title,
            line.status.word()
        );
        rows.sort_by_key(|(i, f)| (f.status.rank(), *i));
        out.push_str(&table(rows.into_iter().map(|(_, f)| f)));
        out.push_str("\n\n");
    }
    let unmapped: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            !f.clauses
                .iter()
                .any(|c| map.clauses.iter().any(|m| &m.id == c))
        })
        .collect();
    if !unmapped.is_empty() {
        let _ = writeln!(out, "Not mapped to a clause of the policy");
        out.push_str(&table(unmapped.into_iter()));
        out.push_str("\n\n");
    }
    out.push_str(&verdict_line(run, findings));
    out.push('\n');
    out
}

pub(crate) fn table<'a>(findings: impl Iterator<Item = &'a Finding>) -> String {
    let rows: Vec<FindingRow> = findings
        .map(|f| FindingRow {
            status: f.status.as_str().to_uppercase(),
            check: f.check.as_str().to_string(),
            target: f.target.display_name(),
            summary: f.summary.clone(),
        })
        .collect();
    let mut t = Table::new(rows);
    t.with(Style::sharp())
        .modify(Columns::one(3), Width::wrap(SUMMARY_WIDTH).keep_words(true));
    t.to_string()
}

fn one_line(s: &str, max: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The one-line verdict that closes a report: the verdict, the counts that are not zero, the run.
pub fn verdict_line(run: &RunRecord, findings: &[Finding]) -> String {
    let c = StatusCounts::of(findings);
    let verdict = match run.state {
        RunState::Interrupted => "INTERRUPTED: stopped before it finished",
        RunState::Running => "RUNNING: not finished",
        RunState::Complete => match run.verdict.unwrap_or(Verdict::Incomplete) {
            Verdict::Compliant => "COMPLIANT",
            Verdict::NonCompliant => "NOT COMPLIANT",
            Verdict::Incomplete if findings.is_empty() => "INCOMPLETE: nothing was checked",
            Verdict::Incomplete => "INCOMPLETE: some checks could not be done",
        },
    };
    let counts: Vec<String> = [
        (c.fail, "failing"),
        (c.error, "could not be checked"),
        (c.warn, "warnings"),
        (c.waived, "waived"),
        (c.pass, "pass"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    format!(
        "{verdict}: {} · run {} (exit {})",
        if counts.is_empty() {
            "no findings".to_string()
        } else {
            counts.join(", ")
        },
        run.id,
        run.verdict.unwrap_or(Verdict::Incomplete).exit_code()
    )
}

/// `text` cut to `width` characters (an ellipsis where it was cut).
pub fn fit(text: &str, width: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= width {
        return text;
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The width to print for: the terminal's, or $COLUMNS, else 80 (a mail, a pipe); at least 60.
pub fn width() -> usize {
    use std::io::IsTerminal as _;
    let tty = std::io::stdout()
        .is_terminal()
        .then(|| {
            crossterm::terminal::size()
                .ok()
                .map(|(w, _)| usize::from(w))
        })
        .flatten();
    let env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    tty.or(env).unwrap_or(80).clamp(60, 400)
}

/// The first line of a report: the school and the run.
pub(crate) fn heading(school: &str, run: &RunRecord, width: usize) -> String {
    fit(
        &format!(
            "caretaker · {school} · run {} · {} · {} by {}{}",
            run.id,
            caretaker_model::finding::format_rfc3339(run.started_at),
            run.trigger,
            run.who,
            if run.only.is_empty() {
                String::new()
            } else {
                format!(" · only {}", run.only.join(","))
            }
        ),
        width,
    )
}

/// One finding on one line: what it is about and its sentence (its status too, when the list
/// mixes them).
pub(crate) fn finding_line(f: &Finding, with_status: bool, width: usize) -> String {
    let status = if with_status {
        format!("{:<6} ", f.status.as_str().to_uppercase())
    } else {
        String::new()
    };
    fit(
        &format!("  {status}{}: {}", f.target.display_name(), f.summary),
        width,
    )
}

/// The report of one run as a person at a terminal reads it (`caretaker audit`, `show`): each
/// clause on a line, then what fails, could not be checked, warns or is waived, one finding to a
/// line, and one line for the passes; all within `width` columns. `--all` gives
/// [`report_attested`] instead.
pub fn report_summary(
    school: &str,
    map: &ClauseMap,
    run: &RunRecord,
    findings: &[Finding],
    attestations: &[(i64, caretaker_model::records::Attestation)],
    today: time::Date,
    width: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", heading(school, run, width));
    let lines = clause_lines_attested(map, findings, attestations, today);
    for section in &map.sections {
        let mine: Vec<_> = lines.iter().filter(|l| l.section == section.id).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            fit(&format!(" {}  {}", section.id, section.title), width)
        );
        for l in mine {
            let _ = writeln!(
                out,
                "{}",
                fit(
                    &format!(
                        "  {:<6} {:<36} {}",
                        l.status.word(),
                        fit(&l.title, 36),
                        l.reason
                    ),
                    width
                )
            );
        }
    }
    for (status, title) in [
        (Status::Fail, "Failing"),
        (Status::Error, "Could not be checked"),
        (Status::Warn, "Warnings"),
        (Status::Waived, "Waived"),
    ] {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.status == status).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({})", mine.len());
        for f in mine {
            let _ = writeln!(out, "{}", finding_line(f, false, width));
        }
    }
    let passes = findings.iter().filter(|f| f.status == Status::Pass).count();
    out.push('\n');
    if passes > 0 {
        let _ = writeln!(
            out,
            "{}",
            fit(
                &format!("{passes} checks pass; --all lists them, and every sentence whole."),
                width
            )
        );
    }
    let _ = writeln!(out, "{}", fit(&verdict_line(run, findings), width));
    out
}

/// What `caretaker audit --quiet` prints when the school is not compliant: only what is new or
/// changed since `previous` (the last comparable run: its id and findings; everything when there
/// is none), and the one-line total. Nothing new: the total alone.
pub fn report_quiet(
    run: &RunRecord,
    findings: &[Finding],
    previous: Option<(&RunRecord, &[Finding])>,
    width: usize,
) -> String {
    let mut out = String::new();
    match previous {
        None => {
            let problems: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.status != Status::Pass)
                .collect();
            if !problems.is_empty() {
                let _ = writeln!(
                    out,
                    "Not passing (no earlier run of the same checks to compare with):"
                );
                for f in problems {
                    let _ = writeln!(out, "{}", finding_line(f, true, width));
                }
            }
        }
        Some((prev, before)) => {
            let d = caretaker_model::picture::diff(
                (prev.id, &prev.only),
                before,
                (run.id, &run.only),
                findings,
            );
            if !d.new.is_empty() {
                let _ = writeln!(out, "New or changed since run {}:", prev.id);
                for f in &d.new {
                    let _ = writeln!(out, "{}", finding_line(f, true, width));
                }
            }
            if !d.resolved.is_empty() {
                let _ = writeln!(out, "Fixed since run {}:", prev.id);
                for f in &d.resolved {
                    let _ = writeln!(
                        out,
                        "{}",
                        fit(
                            &format!("  FIXED  {}: {}", f.target.display_name(), f.summary),
                            width
                        )
                    );
                }
            }
        }
    }
    let _ = writeln!(out, "{}", fit(&verdict_line(run, findings), width));
    out
}

#[derive(Tabled)]
struct RunRow {
    #[tabled(rename = "RUN")]
    id: i64,
    #[tabled(rename = "STARTED")]
    started: String,
    #[tabled(rename = "TRIGGER")]
    trigger: String,
    #[tabled(rename = "WHO")]
    who: String,
    #[tabled(rename = "STATE")]
    state: String,
    #[tabled(rename = "COVERED")]
    covered: String,
    #[tabled(rename = "VERDICT")]
    verdict: String,
    #[tabled(rename = "FAIL")]
    fail: u64,
    #[tabled(rename = "ERROR")]
    error: u64,
    #[tabled(rename = "WARN")]
    warn: u64,
    #[tabled(rename = "PASS")]
    pass: u64,
}

/// What a run checked: `everything`, or its `--only` selectors (`filter`, `host.antivirus`).
pub fn covered(only: &[String]) -> String {
    if only.is_empty() {
        "everything".to_string()
    } else {
        only.join(", ")
    }
}

/// The table printed by `caretaker runs`. Runs that checked only some areas say so: their
/// counts are not comparable with a full audit's.
pub fn runs_table(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return "No runs stored yet: run `caretaker audit`.\n".to_string();
    }
    let rows: Vec<RunRow> = runs
        .iter()
        .map(|r| RunRow {
            id: r.id,
            started: caretaker_model::finding::format_rfc3339(r.started_at),
            trigger: r.trigger.to_string(),
            who: r.who.clone(),
            state: r.state.as_str().to_string(),
            covered: covered(&r.only),
            verdict: r
                .verdict
                .map(|v| v.as_str().to_string())
                .unwrap_or_else(|| "-".into()),
            fail: r.counts.fail,
            error: r.counts.error,
            warn: r.counts.warn,
            pass: r.counts.pass,
        })
        .collect();
    let mut t = Table::new(rows);
    t.with(Style::sharp());
    format!("{t}\n")
}

/// The list printed by `caretaker checks`: every declared check (see
/// `caretaker_checks::registry`), what it checks, and the clauses of `map` it is evidence for.
pub fn checks_list(map: &ClauseMap) -> String {
    let mut out = String::new();
    for spec in caretaker_checks::registry::all() {
        let clauses = map.clauses_for(&caretaker_checks::CheckId::new(spec.id));
        let _ = writeln!(
            out,
            "{:<36} {:<44} {}",
            spec.id,
            spec.title,
            if clauses.is_empty() {
                "-".to_string()
            } else {
                clauses.join(", ")
            }
        );
    }
    out
}

/// `caretaker hosts list`: one line per machine, then what could not be listed.
pub fn machines_table(machines: &[caretaker_api::Machine], problems: &[Finding]) -> String {
    use caretaker_api::MachineSource;
    let mut b = tabled::builder::Builder::default();
    b.push_record(["MACHINE", "ADDRESS", "OS", "ROLES", "LISTED IN", "CHECKED"]);
    for m in machines {
        let os = m.os.clone().unwrap_or_else(|| "detected".to_string());
        let listed = match &m.source {
            MachineSource::Config => "configuration".to_string(),
            MachineSource::Directory {
                directory,
                operating_system,
                ..
            } => format!("directory \"{directory}\" ({operating_system})"),
        };
        b.push_record([
            m.name.clone(),
            format!("{}:{}", m.address, m.port),
            os,
            m.roles.join(", "),
            listed,
            if m.audit {
                "yes"
            } else {
                "no (filter vantage point only)"
            }
            .to_string(),
        ]);
    }
    let mut out = if machines.is_empty() {
        "No machines are configured or found.\n".to_string()
    } else {
        let mut t = b.build();
        t.with(tabled::settings::Style::blank());
        format!("{t}\n")
    };
    let mut seen = std::collections::BTreeSet::new();
    for f in problems {
        if seen.insert(f.summary.clone()) {
            out.push_str(&format!("Problem: {}\n", f.summary));
        }
    }
    out
}

/// `caretaker filter log`: one line per filter check, then its problems.
pub fn filter_log(checks: &[caretaker_model::filterlog::FilterCheck]) -> String {
    if checks.is_empty() {
        return "No filter checks yet: add a [[filter.vantage]] and run `caretaker audit`.\n"
            .to_string();
    }
    let mut b = tabled::builder::Builder::default();
    b.push_record([
        "WHEN",
        "RUN",
        "TRIGGERED BY",
        "VANTAGE (GROUP)",
        "RESULT",
        "ACTION",
    ]);
    for c in checks {
        let tested = c.results.len();
        let fails = c.results.iter().filter(|r| r.status == "fail").count();
        let unclear = c
            .results
            .iter()
            .filter(|r| r.status == "warn" || r.status == "error")
            .count();
        let result = if c.control != "pass" {
            format!("not tested: no internet from there ({tested} URLs)")
        } else if fails == 0 && unclear == 0 {
            format!("{tested} URLs, all as expected")
        } else {
            let mut parts = Vec::new();
            if fails > 0 {
                parts.push(format!("{fails} FAILED"));
            }
            if unclear > 0 {
                parts.push(format!("{unclear} unclear"));
            }
            format!("{tested} URLs: {}", parts.join(", "))
        };
        b.push_record([
            format!(
                "{} {:02}:{:02}",
                c.started_at.date(),
                c.started_at.hour(),
                c.started_at.minute()
            ),
            c.run.to_string(),
            format!("{} ({})", c.trigger, c.who),
            format!("{} ({})", c.vantage, c.group),
            result,
            c.action
                .as_ref()
                .map(|a| {
                    format!(
                        "{} ({}, {})",
                        a.action,
                        a.who,
                        a.at.get(..10).unwrap_or(&a.at)
                    )
                })
                .unwrap_or_else(|| "none recorded".into()),
        ]);
    }
    let mut t = b.build();
    t.with(Style::blank());
    let mut out = format!("{t}\n");
    for c in checks {
        for r in c.problems() {
            // The URL with its scheme: one site is often tested over HTTP and HTTPS, and the
            // two summaries read alike.
            let _ = writeln!(
                out,
                "run {} {}: {} {}: {}",
                c.run,
                c.vantage,
                r.status.to_uppercase(),
                r.url,
                r.summary
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_checks::{Evidence, Severity, Status, Target, TargetKind};
    use caretaker_model::run::RunState;

    fn finding(check: &str, name: &str, status: Status, clauses: &[&str]) -> Finding {
        let mut f = Finding::new(
            check,
            Target::new(TargetKind::Host, name, ""),
            status,
            Severity::High,
            format!("{name} is {status}."),
            Evidence::new(name),
        );
        f.clauses = clauses.iter().map(|c| c.to_string()).collect();
        f
    }

    fn run() -> RunRecord {
        RunRecord {
            id: 1,
            trigger: caretaker_model::run::Trigger::Manual,
            who: "root".into(),
            config_digest: String::new(),
            school: "A School".into(),
            started_at: time::macros::datetime!(2026-12-04 02:00:00 UTC),
            ended_at: None,
            state: RunState::Complete,
            verdict: Some(Verdict::NonCompliant),
            only: Vec::new(),
            counts: StatusCounts::default(),
        }
    }

    /// The heading of `clause`'s table and the targets listed under it.
    fn table_of(text: &str, clause: &str) -> Option<(String, Vec<String>)> {
        let mut lines = text
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{clause} ")));
        let heading = lines.next()?.rsplit(" · ").next()?.to_string();
        let targets = lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split('│').nth(3))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty() && c != "TARGET")
            .collect();
        Some((heading, targets))
    }

    #[test]
    fn a_clause_table_lists_every_finding_that_sets_its_colour() {
        let map = caretaker_checks::clauses::builtin();
        let two: Vec<&str> = map.clauses.iter().take(2).map(|c| c.id.as_str()).collect();
        // A failure whose first clause is another still makes the second clause RED.
        let findings = vec![
            finding("host.updates", "kiosk", Status::Fail, &[two[0], two[1]]),
            finding("host.encryption", "laptop", Status::Pass, &[two[1]]),
        ];
        let text = report("A School", &map, &run(), &findings);
        let lines = clause_lines_attested(&map, &findings, &[], caretaker_model::records::today());
        for (clause, line) in map.clauses.iter().zip(&lines) {
            let summary = text
                .lines()
                .find(|l| l.trim_start().starts_with(line.status.word()) && l.contains(&line.title))
                .unwrap_or_else(|| panic!("no summary line for {}:\n{text}", clause.id));
            assert!(summary.contains(line.status.word()));
            match table_of(&text, &clause.id) {
                Some((heading, targets)) => {
                    assert_eq!(heading, line.status.word(), "{}:\n{text}", clause.id);
                    let mine: Vec<&Finding> = findings
                        .iter()
                        .filter(|f| f.clauses.contains(&clause.id))
                        .collect();
                    assert_eq!(targets.len(), mine.len(), "{}:\n{text}", clause.id);
                    for f in mine {
                        assert!(targets.contains(&f.target.name), "{}:\n{text}", clause.id);
                    }
                }
                None => assert_eq!(line.findings, 0, "{} has no table:\n{text}", clause.id),
            }
        }
        let (heading, targets) = table_of(&text, two[1]).unwrap();
        assert_eq!(heading, "RED");
        assert_eq!(targets, ["kiosk", "laptop"]);
    }

    #[test]
    fn runs_say_what_they_covered() {
        let full = run();
        let filter = RunRecord {
            id: 2,
            only: vec!["filter".into()],
            ..run()
        };
        let text = runs_table(&[filter, full]);
        let covered: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("2026-12-04"))
            .map(|l| l.split('│').nth(6).unwrap_or_default().trim())
            .collect();
        assert_eq!(covered, ["filter", "everything"], "{text}");
    }

    #[test]
    fn the_checks_list_names_every_declared_check_with_its_title_and_clauses() {
        let text = checks_list(&caretaker_checks::clauses::builtin());
        let specs: Vec<_> = caretaker_checks::registry::all().collect();
        assert_eq!(text.lines().count(), specs.len(), "{text}");
        for (line, spec) in text.lines().zip(&specs) {
            assert!(line.starts_with(spec.id), "{line}");
            assert!(line.contains(spec.title), "{line}");
            for c in spec.clauses {
                assert!(line.contains(c), "{line}");
            }
        }
    }
}
