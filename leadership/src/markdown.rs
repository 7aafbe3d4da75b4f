//! The report as Markdown, for pasting into an email or a governors' paper: the same sections as
//! the HTML page, tables as pipe tables, no charts (the trend in words instead).

use std::fmt::Write as _;

use caretaker_model::leadership::{long_day, LeadershipReport};

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn table(o: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(o, "| {} |", headers.join(" | "));
    let _ = writeln!(
        o,
        "|{}|",
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o.push('\n');
}

fn mark(status: &str) -> &'static str {
    match status {
        "red" => "✗",
        "amber" => "!",
        "green" => "✓",
        _ => "–",
    }
}

/// The whole report.
pub fn markdown(r: &LeadershipReport) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(
        o,
        "# Online safety: {}\n\n**{}** · {} to {} · made {}\n",
        r.period.label,
        r.school,
        long_day(r.period.from),
        long_day(r.period.to),
        r.generated_at
    );
    let _ = writeln!(
        o,
        "## Summary: are we meeting our policy?\n\n**{}**\n",
        s.headline
    );
    let rows: Vec<Vec<String>> = s
        .clauses
        .iter()
        .map(|c| {
            vec![
                format!("{} ({})", c.title, c.id),
                format!(
                    "{} {} ({})",
                    mark(&c.status),
                    c.words,
                    c.status.to_uppercase()
                ),
                c.reason.clone(),
            ]
        })
        .collect();
    table(&mut o, &["Clause", "State", "Why"], &rows);
    o.push_str("### The three things to fix first\n\n");
    if s.fix_first.is_empty() {
        o.push_str("Nothing is failing.\n\n");
    }
    for (i, f) in s.fix_first.iter().enumerate() {
        let _ = writeln!(
            o,
            "{}. **{}** Clause: {}. Who would fix it: {}.{}",
            i + 1,
            f.what,
            f.clause,
            f.who,
            f.how
                .as_ref()
                .map(|h| format!(" How: {h}"))
                .unwrap_or_default()
        );
    }
    let c = &s.changes;
    let _ = writeln!(
        o,
        "\n### What changed since the period before\n\n{}{} newly failing, {} fixed, {} still open.\n",
        match &c.compared_with {
            Some(run) => format!("Compared with run {} ({}): ", run.id, run.started_at),
            None => "Nothing was checked before the period to compare with: ".to_string(),
        },
        c.newly_failing.len(),
        c.fixed.len(),
        c.still_open.len()
    );
    for (title, lines) in [
        ("Newly failing", &c.newly_failing),
        ("Fixed", &c.fixed),
        ("Still open", &c.still_open),
    ] {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(o, "{title}:\n");
        for l in lines {
            let since = l
                .failing_since
                .map(|d| format!(" (failing since {})", long_day(d)))
                .unwrap_or_default();
            let _ = writeln!(o, "- {}{since}", l.summary);
        }
        o.push('\n');
    }
    o.push_str("## The filter check record\n\n");
    let _ = writeln!(
        o,
        "The web filter was checked {} times in the period.\n",
        r.filter_record.checks.len()
    );
    let rows: Vec<Vec<String>> = r
        .filter_record
        .latest_by_group
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                g.checked_at.clone(),
                g.result.clone(),
                g.action.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        o.push_str("**The filter was not checked in the period.**\n\n");
    } else {
        table(
            &mut o,
            &["Group", "Last checked", "Result", "Action taken"],
            &rows,
        );
    }
    o.push_str("## Filter changes and who agreed them\n\n");
    if r.filter_changes.assessments.is_empty() {
        o.push_str("No change to the filter was risk assessed in the period.\n\n");
    } else {
        let rows: Vec<Vec<String>> = r
            .filter_changes
            .assessments
            .iter()
            .map(|a| {
                vec![
                    format!("#{} {}", a.id, a.change),
                    a.assessors(),
                    a.consent.clone(),
                    format!("{}, {} risk", a.decision, a.risk_level),
                    a.recheck_words().to_string(),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                "Change",
                "Assessed by",
                "Leadership consent",
                "Decision",
                "Re-check",
            ],
            &rows,
        );
    }
    if !r.filter_changes.sites.is_empty() {
        let rows: Vec<Vec<String>> = r
            .filter_changes
            .sites
            .iter()
            .map(|s| {
                vec![
                    long_day(s.date),
                    s.url.clone(),
                    s.reported_by.clone(),
                    s.outcome.clone(),
                ]
            })
            .collect();
        table(
            &mut o,
            &["Reported", "Site", "By", "What became of it"],
            &rows,
        );
    }
    o.push_str("## Exceptions: what is waived or attested\n\n");
    for (title, lines) in [
        ("In force", &r.exceptions.in_force),
        ("Ending within 30 days", &r.exceptions.expiring),
        ("Ended in the period", &r.exceptions.expired),
    ] {
        let _ = writeln!(
            o,
            "{title}: {}\n",
            if lines.is_empty() { "none" } else { "" }
        );
        for l in lines {
            let _ = writeln!(
                o,
                "- {} #{}: {} — by {}, until {}: {}",
                l.kind,
                l.id,
                l.about,
                l.by,
                long_day(l.until),
                l.why
            );
        }
        if !lines.is_empty() {
            o.push('\n');
        }
    }
    o.push_str("## The yearly review of filtering and monitoring\n\n");
    if let Some(w) = &r.review.warning {
        let _ = writeln!(o, "**Warning:** {w}\n");
    }
    if let Some(l) = &r.review.last {
        let who: Vec<String> = l
            .participants
            .iter()
            .map(|(r, n)| format!("{n} ({r})"))
            .collect();
        let _ = writeln!(
            o,
            "Held on {} with {}. Found: {} To do: {}\n",
            long_day(l.held_on),
            who.join(", "),
            l.findings,
            l.actions
        );
    }
    crate::standards::markdown(&mut o, &r.standards);
    let ch = &r.appendix.chain;
    let _ = writeln!(
        o,
        "## Appendix\n\nThe filter-change log: {} records; {}.\n\nFilter-change log head: `{}`. {}\n\n{} failing findings (`caretaker show` for their evidence).",
        ch.records,
        ch.verdict_words(),
        ch.head(),
        caretaker_model::records::HEAD_ADVICE,
        r.appendix.failing.len()
    );
    o
}
