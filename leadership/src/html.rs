//! The report as one self-contained HTML page: no script, no network, no file beside it. It
//! reads on a phone (tables turn into labelled blocks on a narrow screen), prints on A4 (each
//! section on a new page, table headers repeated, no row cut in two, the school and period on
//! every page), and never says a state by colour alone.

use std::fmt::Write as _;

use caretaker_model::leadership::{
    check_result, long_day, Changes, ClauseSummary, FixFirst, LeadershipReport,
};

use crate::svg;

/// Escapes text for HTML (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --line: #b8b8b8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); background: #fff; overflow-wrap: anywhere; }
header.page, main { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1.5rem; border-bottom: 3px solid var(--ink); }
header.page .school { margin: 0; font-weight: 600; color: var(--muted); }
h1 { font-size: 1.7rem; margin: .2rem 0 .5rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
p.headline { font-size: 1.2rem; font-weight: 600; padding: .6rem .8rem; border-left: 6px solid var(--ink); background: #f3f3f3; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; table-layout: fixed; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
thead th { border-bottom: 2px solid var(--ink); }
.rag { display: inline-block; padding: 0 .4rem; border: 2px solid; border-radius: 3px; font-weight: 700; white-space: nowrap; }
.warning { padding: .5rem .8rem; border: 2px solid #8a1010; background: #fde7e7; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
figure { margin: .5rem 0 1rem; }
figure svg { width: 100%; height: auto; max-width: 100%; display: block; }
figcaption { font-size: .9rem; color: var(--muted); }
details { margin: .3rem 0 1rem; }
ol li, ul li { margin: .3rem 0; }
.running { display: none; }
@media (max-width: 40rem) {
  table, thead, tbody, tr, th, td, caption { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 2px solid var(--line); padding: .3rem 0; }
  td { border: none; padding: .1rem 0; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
@page { size: A4; margin: 18mm 14mm 16mm; }
@media print {
  body { font-size: 10.5pt; }
  header.page, main { max-width: none; padding: 0; }
  .running { display: block; position: fixed; top: -12mm; left: 0; right: 0; font-size: 8.5pt; color: var(--muted); border-bottom: 1px solid var(--line); }
  section { break-before: page; }
  section#summary { break-before: auto; }
  h2, h3 { break-after: avoid; }
  tr, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  details { display: block; }
  details > summary { display: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The states' colours: text and background, each pair at least AA contrast (4.5:1; tested).
/// The state is always in words too.
pub const PALETTE: [(&str, &str, &str); 4] = [
    ("red", "#8a1010", "#fde7e7"),
    ("amber", "#6b4300", "#fff1d6"),
    ("green", "#0d5a22", "#e3f6e8"),
    ("grey", "#3d3d3d", "#eeeeee"),
];

/// The style sheet, with the states' colours.
pub(crate) fn style() -> String {
    let mut css = STYLE.to_string();
    for (name, ink, paper) in PALETTE {
        let _ = writeln!(css, ".rag.{name} {{ color: {ink}; background: {paper}; }}");
    }
    css
}

/// The whole page.
pub fn html(r: &LeadershipReport) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = format!("Online safety report: {}, {}", r.school, r.period.label);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"caretaker\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&title),
        style()
    );
    let _ = write!(
        o,
        "<div class=\"running\" aria-hidden=\"true\">{} · online safety report · {}</div>\n\
         <header class=\"page\">\n<p class=\"school\">{}</p>\n<h1>Online safety: {}</h1>\n\
         <p class=\"muted\">From {} to {}. Made on {} from the school's own nightly checks (caretaker).</p>\n</header>\n<main>\n",
        esc(&r.school),
        esc(&r.period.label),
        esc(&r.school),
        esc(&r.period.label),
        long_day(r.period.from),
        long_day(r.period.to),
        esc(&when_text(&r.generated_at))
    );
    summary(&mut o, r);
    trends(&mut o, r);
    filter_record(&mut o, r);
    filter_changes(&mut o, r);
    exceptions(&mut o, r);
    review(&mut o, r);
    crate::standards::html(&mut o, &r.standards);
    appendix(&mut o, r);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// A time as people read it: "1 Sep 2026 02:00 UTC".
fn when(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let month = t.month().to_string();
    format!(
        "{} {} {} {:02}:{:02} UTC",
        t.day(),
        &month[..3.min(month.len())],
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// An RFC 3339 time as people read it (as it is when it does not read).
pub(crate) fn when_text(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(when)
        .unwrap_or_else(|_| rfc3339.to_string())
}

pub(crate) fn rag(status: &str, words: &str) -> String {
    let mark = match status {
        "red" => "✗",
        "amber" => "!",
        "green" => "✓",
        _ => "–",
    };
    format!(
        "<span class=\"rag {}\">{mark} {}</span>",
        esc(status),
        esc(words)
    )
}

/// A table: caption, headers with their columns' shares of the width (per cent), rows of cells
/// (already HTML); each cell labelled with its header for narrow screens. The widths are fixed,
/// so a long web address wraps in its own column instead of squeezing the others.
pub(crate) fn table(o: &mut String, caption: &str, headers: &[(&str, u8)], rows: &[Vec<String>]) {
    let _ = write!(
        o,
        "<table>\n<caption>{}</caption>\n<colgroup>",
        esc(caption)
    );
    for (_, w) in headers {
        let _ = write!(o, "<col style=\"width: {w}%\">");
    }
    o.push_str("</colgroup>\n<thead><tr>");
    let headers: Vec<&str> = headers.iter().map(|(h, _)| *h).collect();
    let headers = headers.as_slice();
    for h in headers {
        let _ = write!(o, "<th scope=\"col\">{}</th>", esc(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        o.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let label = headers.get(i).copied().unwrap_or_default();
            let _ = write!(o, "<td data-label=\"{}\">{cell}</td>", esc(label));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

fn summary(o: &mut String, r: &LeadershipReport) {
    let s = &r.summary;
    let _ = write!(
        o,
        "<section id=\"summary\" aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary: are we meeting our policy?</h2>\n<p class=\"headline\">{}</p>\n",
        esc(&s.headline)
    );
    match &s.latest_run {
        Some(run) => {
            let _ = writeln!(
                o,
                "<p>Based on the latest checks (run {}, {}, started {}); {} run{} in the period.</p>",
                run.id,
                esc(&run.covered),
                esc(&when_text(&run.started_at)),
                s.runs_in_period,
                if s.runs_in_period == 1 { "" } else { "s" }
            );
        }
        None => o.push_str("<p>No checks had been recorded by the end of the period.</p>\n"),
    }
    clauses_table(
        o,
        "The policy, clause by clause, at the end of the period",
        &s.clauses,
    );
    o.push_str("<h3>The three things to fix first</h3>\n");
    fix_list(o, &s.fix_first);
    let c = &s.changes;
    o.push_str("<h3>What changed since the period before</h3>\n");
    match &c.compared_with {
        Some(run) => {
            let _ = writeln!(
                o,
                "<p>Compared with the checks at the end of the period before (run {}, {}): {} newly failing, {} fixed, {} still open.</p>",
                run.id,
                esc(&when_text(&run.started_at)),
                c.newly_failing.len(),
                c.fixed.len(),
                c.still_open.len()
            );
        }
        None => o.push_str(
            "<p>Nothing had been checked before the period, so there is nothing to compare with: everything failing now is listed as newly failing.</p>\n",
        ),
    }
    change_lists(o, c);
    o.push_str("</section>\n");
}

/// Each clause's line: title and id, state, why.
pub(crate) fn clauses_table(o: &mut String, caption: &str, clauses: &[ClauseSummary]) {
    let rows: Vec<Vec<String>> = clauses
        .iter()
        .map(|c| {
            vec![
                format!(
                    "{} <span class=\"mono muted\">{}</span>",
                    esc(&c.title),
                    esc(&c.id)
                ),
                rag(&c.status, &c.words),
                esc(&c.reason),
            ]
        })
        .collect();
    table(
        o,
        caption,
        &[("Clause", 36), ("State", 18), ("Why", 46)],
        &rows,
    );
}

/// What fails, check by check: what is wrong, the clause, who would fix it and how.
pub(crate) fn fix_list(o: &mut String, items: &[FixFirst]) {
    if items.is_empty() {
        o.push_str("<p>Nothing is failing.</p>\n");
        return;
    }
    o.push_str("<ol>\n");
    for f in items {
        let _ = write!(
            o,
            "<li><strong>{}</strong><br>Clause: {}. Who would fix it: {}.",
            esc(&f.what),
            esc(&f.clause),
            esc(&f.who)
        );
        if let Some(how) = &f.how {
            let _ = write!(o, " How: {}", esc(how));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n");
}

/// The problems newly failing, fixed and still open, a list each (none when empty).
pub(crate) fn change_lists(o: &mut String, c: &Changes) {
    for (title, lines) in [
        ("Newly failing", &c.newly_failing),
        ("Fixed", &c.fixed),
        ("Still open", &c.still_open),
    ] {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(o, "<h4>{title}</h4>\n<ul>");
        for l in lines {
            let since = l
                .failing_since
                .map(|d| format!(" (failing since {})", long_day(d)))
                .unwrap_or_default();
            let _ = writeln!(o, "<li>{}{}</li>", esc(&l.summary), esc(&since));
        }
        o.push_str("</ul>\n");
    }
}

fn trends(o: &mut String, r: &LeadershipReport) {
    o.push_str("<section id=\"trends\" aria-labelledby=\"h-trends\">\n<h2 id=\"h-trends\">Trends over the period</h2>\n");
    if r.trends.failing.is_empty() {
        o.push_str("<p>No complete checks in the period to draw.</p>\n");
    } else {
        let _ = write!(
            o,
            "<figure>\n{}\n<figcaption>Failing findings per clause, run by run (lower is better). Each line is labelled with its clause.</figcaption>\n</figure>\n",
            svg::failing_chart(r)
        );
    }
    if !r.trends.filter.is_empty() {
        let _ = write!(
            o,
            "<figure>\n{}\n<figcaption>Web-filter tests passed per user group, run by run, as a share of those tested (higher is better).</figcaption>\n</figure>\n",
            svg::filter_chart(r)
        );
    }
    o.push_str("</section>\n");
}

fn filter_record(o: &mut String, r: &LeadershipReport) {
    let f = &r.filter_record;
    o.push_str("<section id=\"filter-record\" aria-labelledby=\"h-filter\">\n<h2 id=\"h-filter\">The filter check record</h2>\n");
    let _ = writeln!(
        o,
        "<p>The web filter was checked {} time{} in the period, from each user group's point of view. The DfE filtering and monitoring standards ask for these checks to be recorded.</p>",
        f.checks.len(),
        if f.checks.len() == 1 { "" } else { "s" }
    );
    let rows: Vec<Vec<String>> = f
        .latest_by_group
        .iter()
        .map(|g| {
            let ok = g.passed == g.tested && g.tested > 0;
            vec![
                esc(&g.group),
                esc(&when_text(&g.checked_at)),
                if ok {
                    rag("green", "Passed")
                } else {
                    rag("red", "Not as expected")
                },
                esc(&g.result),
                esc(g.action.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    if rows.is_empty() {
        o.push_str("<p class=\"warning\">The filter was not checked in the period.</p>\n");
    } else {
        table(
            o,
            "The latest check for each user group",
            &[
                ("Group", 10),
                ("Checked", 18),
                ("Result", 16),
                ("Details", 40),
                ("Action taken", 16),
            ],
            &rows,
        );
    }
    let rows: Vec<Vec<String>> = f
        .checks
        .iter()
        .map(|c| {
            vec![
                esc(&when(c.started_at)),
                esc(&format!("{} ({}), run {}", c.trigger, c.who, c.run)),
                esc(&format!("{} ({})", c.vantage, c.group)),
                esc(&format!("{} tests", c.results.len())),
                esc(&check_result(c)),
                esc(&c
                    .action
                    .as_ref()
                    .map(|a| format!("{} ({})", a.action, a.who))
                    .unwrap_or_default()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(
            o,
            "Every filter check in the period",
            &[
                ("When", 17),
                ("Started by", 16),
                ("From (group)", 16),
                ("Tested", 11),
                ("Result", 26),
                ("Action taken", 14),
            ],
            &rows,
        );
    }
    o.push_str("</section>\n");
}

fn filter_changes(o: &mut String, r: &LeadershipReport) {
    let c = &r.filter_changes;
    o.push_str("<section id=\"filter-changes\" aria-labelledby=\"h-changes\">\n<h2 id=\"h-changes\">Filter changes and who agreed them</h2>\n");
    if c.assessments.is_empty() {
        o.push_str("<p>No change to the filter was risk assessed in the period.</p>\n");
    } else {
        let rows: Vec<Vec<String>> = c
            .assessments
            .iter()
            .map(|a| {
                vec![
                    format!("#{} {}", a.id, esc(&a.change)),
                    esc(&format!("{} ({})", a.reason, a.requested_by)),
                    esc(&a.assessors()),
                    esc(&a.consent),
                    esc(&format!("{}, {} risk", a.decision, a.risk_level)),
                    esc(a.recheck_words()),
                ]
            })
            .collect();
        table(
            o,
            "Risk assessments of filter changes",
            &[
                ("Change", 20),
                ("Why (asked by)", 18),
                ("Assessed by", 18),
                ("Leadership consent", 14),
                ("Decision", 12),
                ("Re-check", 18),
            ],
            &rows,
        );
    }
    if c.sites.is_empty() {
        o.push_str("<p>No site was reported in the period.</p>\n");
    } else {
        let rows: Vec<Vec<String>> = c
            .sites
            .iter()
            .map(|s| {
                vec![
                    esc(&long_day(s.date)),
                    esc(&s.url),
                    esc(&s.reported_by),
                    esc(&s.recommendation),
                    esc(&s.outcome),
                ]
            })
            .collect();
        table(
            o,
            "Sites reported (the site log)",
            &[
                ("Reported", 16),
                ("Site", 28),
                ("By", 20),
                ("Asked to", 10),
                ("What became of it", 26),
            ],
            &rows,
        );
    }
    o.push_str("</section>\n");
}

fn exceptions(o: &mut String, r: &LeadershipReport) {
    let e = &r.exceptions;
    o.push_str("<section id=\"exceptions\" aria-labelledby=\"h-exceptions\">\n<h2 id=\"h-exceptions\">Exceptions: what is waived or attested</h2>\n");
    for (title, lines, empty) in [
        (
            "In force at the end of the period",
            &e.in_force,
            "Nothing is waived or attested.",
        ),
        (
            "Ending within 30 days",
            &e.expiring,
            "Nothing ends within 30 days.",
        ),
        (
            "Ended in the period",
            &e.expired,
            "Nothing ended in the period.",
        ),
    ] {
        let _ = writeln!(o, "<h3>{title}</h3>");
        if lines.is_empty() {
            let _ = writeln!(o, "<p>{empty}</p>");
            continue;
        }
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    esc(&format!("{} #{}", l.kind, l.id)),
                    esc(&l.about),
                    esc(&l.by),
                    esc(&l.why),
                    esc(&format!("until {}", long_day(l.until))),
                ]
            })
            .collect();
        table(
            o,
            title,
            &[
                ("Kind", 12),
                ("About", 28),
                ("By", 16),
                ("Why", 28),
                ("Until", 16),
            ],
            &rows,
        );
    }
    o.push_str("</section>\n");
}

fn review(o: &mut String, r: &LeadershipReport) {
    let v = &r.review;
    o.push_str("<section id=\"review\" aria-labelledby=\"h-review\">\n<h2 id=\"h-review\">The yearly review of filtering and monitoring</h2>\n");
    if let Some(w) = &v.warning {
        let _ = writeln!(
            o,
            "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
            esc(w)
        );
    }
    if let Some(l) = &v.last {
        let _ = writeln!(
            o,
            "<p>The latest review was held on {} (record #{}).</p>",
            long_day(l.held_on),
            l.id
        );
        let rows: Vec<Vec<String>> = l
            .participants
            .iter()
            .map(|(role, name)| vec![esc(role), esc(name)])
            .collect();
        table(o, "Who took part", &[("Role", 45), ("Name", 55)], &rows);
        let _ = writeln!(
            o,
            "<h3>What it found</h3>\n<p>{}</p>\n<h3>What is to be done</h3>\n<p>{}</p>",
            esc(&l.findings),
            esc(&l.actions)
        );
    }
    o.push_str("</section>\n");
}

fn appendix(o: &mut String, r: &LeadershipReport) {
    let a = &r.appendix;
    o.push_str("<section id=\"appendix\" aria-labelledby=\"h-appendix\">\n<h2 id=\"h-appendix\">Appendix: the evidence</h2>\n<p>For the network manager, a technician or an inspector.</p>\n");
    let chain = &a.chain;
    let _ = writeln!(
        o,
        "<h3>The filter-change log</h3>\n<p>{} record{}; {}.</p>\n<p>Filter-change log head: <code>{}</code>. {}</p>",
        chain.records,
        if chain.records == 1 { "" } else { "s" },
        esc(&chain.verdict_words()),
        esc(&chain.head().to_string()),
        esc(caretaker_model::records::HEAD_ADVICE)
    );
    let runs: Vec<String> = a
        .runs
        .iter()
        .map(|r| format!("run {} ({}, {})", r.id, r.covered, r.started_at))
        .collect();
    let _ = writeln!(
        o,
        "<h3>The checks this report is based on</h3>\n<p>{}</p>",
        esc(&if runs.is_empty() {
            "none".to_string()
        } else {
            runs.join("; ")
        })
    );
    let _ = writeln!(o, "<h3>Every failing finding ({})</h3>", a.failing.len());
    if a.failing.is_empty() {
        o.push_str("<p>None.</p>\n");
    }
    for f in &a.failing {
        let _ = write!(
            o,
            "<details open>\n<summary><strong>{}</strong> <span class=\"mono\">{} · {}</span></summary>\n<dl>",
            esc(&f.summary),
            esc(f.check.as_str()),
            esc(&f.target.name)
        );
        for kv in f.evidence.values.iter() {
            let _ = write!(
                o,
                "<dt class=\"mono\">{}</dt><dd class=\"mono\">{}</dd>",
                esc(&kv.0),
                esc(&kv.1)
            );
        }
        if let Some(fix) = &f.remediation {
            let _ = write!(o, "<dt>What to do</dt><dd>{}</dd>", esc(fix));
        }
        let _ = write!(
            o,
            "<dt>Clauses</dt><dd>{}</dd></dl>\n</details>\n",
            esc(&f.clauses.join(", "))
        );
    }
    o.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    /// The WCAG relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let v = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * v(1) + 0.7152 * v(3) + 0.0722 * v(5)
    }

    #[test]
    fn every_state_colour_pair_meets_aa_contrast() {
        for (name, ink, paper) in super::PALETTE {
            let (a, b) = (luminance(ink), luminance(paper));
            let ratio = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(ratio >= 4.5, "{name}: {ink} on {paper} is {ratio:.2}:1");
        }
        // And the page's own text on white.
        for ink in ["#1b1b1b", "#4a4a4a"] {
            let ratio = 1.05 / (luminance(ink) + 0.05);
            assert!(ratio >= 4.5, "{ink} on white is {ratio:.2}:1");
        }
    }

    #[test]
    fn text_is_escaped_and_control_characters_never_reach_the_page() {
        assert_eq!(
            super::esc("<script>&\"'\u{1b}[2J"),
            "&lt;script&gt;&amp;&quot;&#39;\u{FFFD}[2J"
        );
    }
}
