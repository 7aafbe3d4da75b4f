//! The report as Markdown, for pasting into an email or a governors' paper: the same sections as
//! the HTML page, tables as pipe tables, no charts (the trend in words instead).

use std::fmt::Write as _;

use caretaker_model::leadership::{long_day, Changes, ClauseSummary, FixFirst, LeadershipReport};

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Text as it is written.
pub(crate) fn plain(s: &str) -> String {
    s.to_string()
}

/// Text on one line with everything Markdown would read as markup or HTML backslash-escaped
/// (`<`, `>`, `*`, `_`, `` ` ``, `[`, `]`, `#`, `|`, `\`), so a name reads as written wherever
/// the Markdown is shown; control characters never reach the page.
pub(crate) fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A pipe table; each cell one line, pipes escaped.
pub(crate) fn table(o: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    table_with(o, headers, rows, cell);
}

/// A pipe table, each cell written by `text` (which keeps it on one line and escapes pipes).
pub(crate) fn table_with(
    o: &mut String,
    headers: &[&str],
    rows: &[Vec<String>],
    text: fn(&str) -> String,
) {
    let _ = writeln!(o, "| {} |", headers.join(" | "));
    let _ = writeln!(
        o,
        "|{}|",
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| text(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o.push('\n');
}

/// The clause table's headers.
pub(crate) const CLAUSE_HEADERS: [&str; 3] = ["Clause", "State", "Why"];

/// Each clause's row: title and id, state (mark, words, colour), why.
pub(crate) fn clause_rows(clauses: &[ClauseSummary]) -> Vec<Vec<String>> {
    clauses
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
        .collect()
}

/// What fails, check by check, numbered; each text written by `text`.
pub(crate) fn fix_list(o: &mut String, items: &[FixFirst], text: fn(&str) -> String) {
    if items.is_empty() {
        o.push_str("Nothing is failing.\n\n");
    }
    for (i, f) in items.iter().enumerate() {
        let _ = writeln!(
            o,
            "{}. **{}** Clause: {}. Who would fix it: {}.{}",
            i + 1,
            text(&f.what),
            text(&f.clause),
            text(&f.who),
            f.how
                .as_ref()
                .map(|h| format!(" How: {}", text(h)))
                .unwrap_or_default()
        );
    }
}

/// The problems newly failing, fixed and still open, a list each (none when empty).
pub(crate) fn change_lists(o: &mut String, c: &Changes, text: fn(&str) -> String) {
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
            let _ = writeln!(o, "- {}{since}", text(&l.summary));
        }
        o.push('\n');
    }
}

pub(crate) fn mark(status: &str) -> &'static str {
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
    table(&mut o, &CLAUSE_HEADERS, &clause_rows(&s.clauses));
    o.push_str("### The three things to fix first\n\n");
    fix_list(&mut o, &s.fix_first, plain);
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
    change_lists(&mut o, c, plain);
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
