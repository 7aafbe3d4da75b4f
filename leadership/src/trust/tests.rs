//! The trustees' report of two schools and one that never sent anything, as HTML, Markdown and
//! PDF: St. Mary & St. John's <Primary> (whose name must be escaped), where a leaver's account was
//! left switched on during the term and the guest account was switched off; Riverside, where
//! everything passes; Oakfield, never checked.

use caretaker_api::trust::{TrustSchool, TrustView};
use caretaker_api::Overview;
use caretaker_checks::standards::{view, DFE_CYBER, FILTERING};
use caretaker_model::finding::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_model::leadership::Period;
use caretaker_model::run::{RunRecord, RunState, StatusCounts, Trigger, Verdict};
use caretaker_model::trust_report::TrustReport;

const MARYS: &str = "St. Mary & St. John's <Primary>";
const LEAVER: &str = "e.hughes left on 31 August 2026, and the account is still switched on.";
const GUEST: &str = "The guest account is switched on.";

fn finding(check: &str, name: &str, status: Status, summary: &str) -> Finding {
    let kind = if name == "ad" {
        TargetKind::Directory
    } else {
        TargetKind::Account
    };
    let mut f = Finding::new(
        check,
        Target::new(kind, name, "ad"),
        status,
        Severity::High,
        summary,
        Evidence::default(),
    );
    f.clauses = caretaker_checks::clauses::builtin().clauses_for(&f.check);
    f
}

fn school(id: &str, name: &str, at: time::OffsetDateTime, fs: Option<Vec<Finding>>) -> TrustSchool {
    let runs: Vec<(RunRecord, Vec<Finding>)> = fs
        .into_iter()
        .map(|fs| {
            let run = RunRecord {
                id: 7,
                trigger: Trigger::Schedule,
                who: "caretaker".into(),
                config_digest: String::new(),
                school: name.into(),
                started_at: at,
                ended_at: Some(at),
                state: RunState::Complete,
                verdict: Some(Verdict::of(&fs)),
                only: Vec::new(),
                counts: StatusCounts::of(&fs),
            };
            (run, fs)
        })
        .collect();
    TrustSchool {
        id: id.into(),
        name: name.into(),
        forwarded_at: runs
            .first()
            .map(|_| caretaker_model::finding::format_rfc3339(at)),
        overview: Overview {
            school: name.into(),
            map: caretaker_checks::clauses::builtin(),
            latest: runs.first().map(|(r, _)| r.clone()),
            runs,
            attestations: Vec::new(),
            today: time::macros::date!(2026 - 12 - 31),
        },
    }
}

fn report() -> TrustReport {
    use Status::{Fail, Pass};
    let end = time::macros::datetime!(2026-12-20 02:00 UTC);
    let begin = time::macros::datetime!(2026-08-30 02:00 UTC);
    let off = "The guest account is off.";
    let here = "Every enabled account belongs to someone here.";
    let view_of = |at, marys: Vec<Finding>| TrustView {
        schools: vec![
            school("st-marys", MARYS, at, Some(marys)),
            school(
                "riverside",
                "Riverside Primary Academy",
                at,
                Some(vec![
                    finding("directory.leavers", "ad", Pass, here),
                    finding("directory.guest", "ad", Pass, off),
                ]),
            ),
            school("oakfield", "Oakfield Academy", at, None),
        ],
        as_of: None,
    };
    let now = view_of(
        end,
        vec![
            finding("directory.leavers", "e.hughes", Fail, LEAVER),
            finding("directory.guest", "ad", Pass, off),
        ],
    );
    let start = view_of(
        begin,
        vec![
            finding("directory.leavers", "ad", Pass, here),
            finding("directory.guest", "ad", Fail, GUEST),
        ],
    );
    let views: Vec<_> = [DFE_CYBER, FILTERING]
        .into_iter()
        .filter_map(view)
        .collect();
    caretaker_api::trust_report::build(
        "The Good Shepherd Trust",
        Period::term("autumn-2026").unwrap_or_else(|e| panic!("{e}")),
        &now,
        &start,
        &views,
        time::macros::datetime!(2027-01-04 09:00 UTC),
    )
}

/// The text from `from` to the next `to` (or the end).
fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let Some(start) = text.find(from) else {
        panic!("{from:?} is not in the text");
    };
    let rest = &text[start..];
    let end = rest[from.len()..]
        .find(to)
        .map_or(rest.len(), |i| i + from.len());
    &rest[..end]
}

#[test]
fn the_html_puts_the_summary_first_and_each_school_on_a_page_of_its_own() {
    let r = report();
    let h = super::html::html(&r);
    assert!(h.starts_with("<!DOCTYPE html>"), "{h}");
    assert!(
        !h.contains("<script") && !h.contains("http"),
        "self-contained"
    );
    assert!(h.contains("section.school { page-break-before: always; break-before: page; }"));
    // The summary first, its matrix with a row per school, then each school's section.
    let summary = h.find("<section id=\"summary\"").unwrap_or(usize::MAX);
    let first = h.find("<section class=\"school\"").unwrap_or(0);
    assert!(summary < first, "the summary comes first");
    assert_eq!(h.matches("<section class=\"school\"").count(), 3);
    let escaped = "St. Mary &amp; St. John&#39;s &lt;Primary&gt;";
    assert!(
        !h.contains(MARYS) && !h.contains("<Primary>"),
        "the name is escaped"
    );
    let matrix = between(&h, "<section id=\"summary\"", "</section>");
    assert!(matrix.contains(&format!("<p class=\"headline\">1 of 3 schools meets the policy; 1 does not: {escaped}; 1 has not been checked: Oakfield Academy.</p>")), "{matrix}");
    assert!(
        matrix.contains("<th scope=\"col\">Online Safety Policy</th>"),
        "{matrix}"
    );
    assert!(
        matrix.contains(&format!("<a href=\"#school-1\">{escaped}</a>")),
        "{matrix}"
    );
    assert!(
        matrix.contains("<span class=\"rag red\">✗ Not met</span>"),
        "{matrix}"
    );
    assert!(
        matrix.contains("<span class=\"rag green\">✓ Met</span>"),
        "{matrix}"
    );
    // A school's problems are on its own page, and nowhere else.
    let marys = between(
        &h,
        "<section class=\"school\" id=\"school-1\"",
        "</section>",
    );
    assert!(
        marys.contains(&format!("<h2 id=\"h-school-1\">{escaped}</h2>")),
        "{marys}"
    );
    assert!(marys.contains(&format!(
        "<p class=\"headline\">{escaped} does not yet meet the online safety policy"
    )));
    assert!(marys.contains(&format!("<li><strong>{}</strong><br>Clause: 7.4 Logins and passwords. Who would fix it: the network manager (accounts and passwords).", crate::html::esc(LEAVER))), "{marys}");
    assert!(marys.contains("<h4>Newly failing</h4>"), "{marys}");
    assert!(
        marys.contains("<h4>Fixed</h4>\n<ul>\n<li>The guest account is switched on.</li>"),
        "{marys}"
    );
    // Why the clause is not met, what to fix, what is new: all on its page.
    assert_eq!(marys.matches("e.hughes left on").count(), 3, "{marys}");
    assert_eq!(h.matches("e.hughes left on").count(), 3);
    assert_eq!(h.matches("guest account is switched on").count(), 1);
    let river = between(
        &h,
        "<section class=\"school\" id=\"school-2\"",
        "</section>",
    );
    assert!(
        river.contains("Riverside Primary Academy meets the online safety policy"),
        "{river}"
    );
    assert!(river.contains("<p>Nothing is failing.</p>"), "{river}");
    let oak = between(
        &h,
        "<section class=\"school\" id=\"school-3\"",
        "</section>",
    );
    assert!(
        oak.contains("Nothing has been received from Oakfield Academy"),
        "{oak}"
    );
    assert!(
        oak.contains("Its results have never reached the trust."),
        "{oak}"
    );
    assert!(!oak.contains("<table>"), "nothing to tabulate: {oak}");
}

#[test]
fn the_markdown_has_the_same_parts_and_escapes_the_names() {
    let r = report();
    let md = super::markdown::markdown(&r);
    assert!(
        md.starts_with("# Online safety across the trust: the autumn term 2026\n"),
        "{md}"
    );
    let name = "St. Mary & St. John's \\<Primary\\>";
    assert!(!md.contains("<Primary>"), "{md}");
    assert!(md.contains(&format!("**1 of 3 schools meets the policy; 1 does not: {name}; 1 has not been checked: Oakfield Academy.**")), "{md}");
    assert!(md.contains("| School | Online Safety Policy | DfE cyber security standards for schools and colleges | DfE filtering and monitoring standards for schools and colleges | Clauses not met |"), "{md}");
    let n = caretaker_checks::clauses::builtin().clauses.len();
    assert!(md.contains(&format!("| {name} | ✗ Not met (of {n} clauses: 1 not met, {} not checked) | ✗ Not met (of 7 standards: 1 not met, 6 not checked) | – Not checked | 1 |", n - 1)), "{md}");
    assert!(
        md.contains("| Oakfield Academy | – Not checked | – Not checked | – Not checked | – |"),
        "{md}"
    );
    let marys = between(&md, &format!("## {name}"), "\n---\n");
    assert!(
        marys.contains(&format!(
            "1. **{LEAVER}** Clause: 7.4 Logins and passwords."
        )),
        "{marys}"
    );
    assert!(
        marys.contains(&format!("Newly failing:\n\n- {LEAVER}\n")),
        "{marys}"
    );
    assert!(marys.contains(&format!("Fixed:\n\n- {GUEST}\n")), "{marys}");
    let river = between(&md, "## Riverside Primary Academy", "\n---\n");
    assert!(
        !river.contains("e.hughes") && river.contains("Nothing is failing."),
        "{river}"
    );
    assert!(
        md.contains("## Oakfield Academy\n\n**Nothing has been received from Oakfield Academy"),
        "{md}"
    );
}

#[test]
fn the_pdf_is_made_when_the_font_is_there() {
    let r = report();
    match super::pdf::pdf(&r) {
        Ok(bytes) => assert!(bytes.starts_with(b"%PDF-"), "a PDF"),
        // A machine without DejaVu Sans says which package to install.
        Err(e) => assert!(e.contains("fonts-dejavu-core"), "{e}"),
    }
}
