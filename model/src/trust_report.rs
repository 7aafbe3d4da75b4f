//! The trustees' report (`caretaker report --trust`): for a multi-academy trust and a period, a
//! summary of every school against the policy and each DfE standard (one row a school, one column
//! a standard), what changed in each school since the start of the period, and a page for each
//! school in plain English. Plain data, built here from each school's picture at the end and at
//! the start of the period ([`build`]); `caretaker_api::trust_report` makes those pictures of the
//! trust's view, and the leadership crate renders the report (HTML, Markdown, PDF, JSON).

use serde::{Deserialize, Serialize};

use crate::clauses::ClauseMap;
use crate::compliance::{ClauseLine, ClauseStatus};
use crate::finding::Finding;
use crate::leadership::{
    changes, clause_summary, failing_by_check, long_day, status_words, Changes, ClauseSummary,
    FixFirst, Period, RunLine,
};
use crate::records::Attestation;
use crate::run::RunRecord;
use crate::standards::View;

/// The document's `format`.
pub const FORMAT: &str = "caretaker.trust-report";
/// The document's version.
pub const VERSION: u32 = 1;

/// A school whose latest audit started more than this many days before the end of the period is
/// said to have stopped sending its checks.
pub const STALE_AFTER_DAYS: i64 = 14;

/// The id of the summary's first column: the policy's own clause map.
pub const POLICY: &str = crate::standards::SCHOOL;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustReport {
    pub format: String,
    pub version: u32,
    /// The trust's name.
    pub trust: String,
    pub period: Period,
    /// RFC 3339, UTC.
    pub generated_at: String,
    /// The end-of-period pictures are of the runs started before this time (RFC 3339), when
    /// not the latest.
    pub as_of: Option<String>,
    /// The pictures compared with are of the runs started before this time (RFC 3339).
    pub compared_as_of: Option<String>,
    pub summary: TrustSummary,
    /// One page per school, in the summary's order.
    pub schools: Vec<SchoolPage>,
}

/// The first page: every school against every standard, and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustSummary {
    /// The answer in one sentence: "9 of 12 schools meet the policy; 3 do not: …".
    pub headline: String,
    /// How many schools there are, meet the policy, do not, and have not been checked.
    pub schools: usize,
    pub meeting: usize,
    pub not_meeting: usize,
    pub not_checked: usize,
    /// The summary's columns: the policy first, then each standard.
    pub columns: Vec<Column>,
    /// One row per school.
    pub rows: Vec<SummaryRow>,
    /// What changed across the trust since the start of the period.
    pub changes: TotalChanges,
}

/// A column of the summary: the policy, or a standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// [`POLICY`] for the policy, else the standard's view name (`dfe-cyber`, `filtering`).
    pub id: String,
    /// The document's name ("Online Safety Policy", "DfE cyber security standards …").
    pub title: String,
}

/// A school's row of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// The school's id.
    pub school: String,
    pub name: String,
    /// Whether it meets the policy (checked, and no clause not met).
    pub meets_policy: bool,
    /// Whether it has been checked at all.
    pub checked: bool,
    /// How many of the policy's clauses are not met (RED).
    pub red: usize,
    /// One per column, in the columns' order.
    pub cells: Vec<Cell>,
    /// Problems new since the start of the period, and fixed.
    pub new: usize,
    pub fixed: usize,
    /// The policy's clauses whose state changed since the start of the period.
    pub recoloured: usize,
}

/// A school against one document: its state overall, and how many of its clauses or standards
/// are in each state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `red`, `amber`, `green` or `grey`: the worst state of any clause checked.
    pub status: String,
    /// "Not met", "Met, with something to look at", "Met", "Not checked".
    pub words: String,
    /// How many clauses in each state: "of 15 clauses: 2 not met, 9 met, 4 not checked"; "not
    /// checked" when none was.
    pub detail: String,
    pub red: usize,
    pub amber: usize,
    pub green: usize,
    pub grey: usize,
    /// The titles of the clauses not met.
    pub not_met: Vec<String>,
}

/// A school against one standard, on its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardCell {
    /// The standard's view name (`dfe-cyber`, `filtering`): its column's id.
    pub view: String,
    /// The document's name.
    pub title: String,
    #[serde(flatten)]
    pub cell: Cell,
}

/// What changed across the trust since the start of the period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TotalChanges {
    /// In one sentence.
    pub sentence: String,
    pub new: usize,
    pub fixed: usize,
    pub still_open: usize,
    pub recoloured: usize,
}

/// A clause whose state changed since the start of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColourChange {
    pub id: String,
    pub title: String,
    /// `red`, `amber`, `green` or `grey` at the start of the period, and now.
    pub from: String,
    pub to: String,
    /// The same in words: "Not met" → "Met".
    pub from_words: String,
    pub to_words: String,
}

/// A school's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolPage {
    /// The school's id.
    pub id: String,
    pub name: String,
    /// Where the school stands, in a sentence a headteacher understands.
    pub headline: String,
    /// What else to know first: its checks have stopped, or it sent nothing.
    pub note: Option<String>,
    pub meets_policy: bool,
    pub checked: bool,
    /// When its results last reached the trust (RFC 3339, UTC), if ever.
    pub forwarded_at: Option<String>,
    /// Its latest audit, if any.
    pub latest_run: Option<RunLine>,
    /// Every clause of the policy, in the map's order.
    pub clauses: Vec<ClauseSummary>,
    /// What fails, check by check: most severe first, who would fix it, the clause.
    pub failing: Vec<FixFirst>,
    /// The school against each standard (as in the summary).
    pub standards: Vec<StandardCell>,
    /// What changed since the start of the period.
    pub changes: Changes,
    /// The policy's clauses whose state changed since then (only when the school had been
    /// checked by then).
    pub recoloured: Vec<ColourChange>,
}

/// One school's picture, as the trust's view has it (`caretaker_api::trust::TrustSchool`,
/// judged by its own rules).
#[derive(Debug, Clone, Copy)]
pub struct SchoolPicture<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub forwarded_at: Option<&'a str>,
    pub map: &'a ClauseMap,
    /// The newest run of all, if any.
    pub latest: Option<&'a RunRecord>,
    /// The runs the picture is made of, newest first.
    pub runs: &'a [(RunRecord, Vec<Finding>)],
    /// The picture's findings.
    pub findings: &'a [&'a Finding],
    /// Each clause of the map with its state.
    pub lines: &'a [ClauseLine],
    /// Whether the school meets the policy.
    pub meets: bool,
    pub attestations: &'a [(i64, Attestation)],
    /// The day attestations are judged on.
    pub today: time::Date,
}

/// What the report is built from.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub trust: &'a str,
    pub period: Period,
    pub generated_at: time::OffsetDateTime,
    /// The standards each school is also read against (the DfE's).
    pub views: &'a [View],
    /// Each school now (at the end of the period), in the order the report lists them.
    pub now: &'a [SchoolPicture<'a>],
    /// Each school at the start of the period (matched to `now` by id).
    pub start: &'a [SchoolPicture<'a>],
    pub as_of: Option<&'a str>,
    pub compared_as_of: Option<&'a str>,
}

/// Builds the report.
pub fn build(i: Inputs<'_>) -> TrustReport {
    let policy_title = i
        .now
        .first()
        .map(|s| s.map.policy.clone())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "The online safety policy".to_string());
    let mut columns = vec![Column {
        id: POLICY.to_string(),
        title: policy_title,
    }];
    columns.extend(i.views.iter().map(|v| Column {
        id: v.name.clone(),
        title: v.map.policy.clone(),
    }));
    let mut rows = Vec::new();
    let mut pages = Vec::new();
    // Each school on its own, on every core.
    for (row, page) in crate::cores::map(i.now, |s| {
        let start = i.start.iter().find(|x| x.id == s.id);
        school(s, start, i.views, &columns, &i.period)
    }) {
        rows.push(row);
        pages.push(page);
    }
    let summary = summary(columns, rows, &pages, &i.period);
    TrustReport {
        format: FORMAT.to_string(),
        version: VERSION,
        trust: i.trust.to_string(),
        period: i.period,
        generated_at: crate::finding::format_rfc3339(i.generated_at),
        as_of: i.as_of.map(str::to_string),
        compared_as_of: i.compared_as_of.map(str::to_string),
        summary,
        schools: pages,
    }
}

/// Whether anything of the school has been checked.
fn checked(s: &SchoolPicture<'_>) -> bool {
    s.latest.is_some()
}

/// A school's row and page.
fn school(
    s: &SchoolPicture<'_>,
    start: Option<&SchoolPicture<'_>>,
    views: &[View],
    columns: &[Column],
    period: &Period,
) -> (SummaryRow, SchoolPage) {
    let is_checked = checked(s);
    let statuses: Vec<ClauseStatus> = s.lines.iter().map(|l| l.status).collect();
    let titles = |want: ClauseStatus| -> Vec<String> {
        s.lines
            .iter()
            .filter(|l| l.status == want)
            .map(|l| l.title.clone())
            .collect()
    };
    let policy = if is_checked {
        cell(&statuses, titles(ClauseStatus::Red), "clause")
    } else {
        cell(&[], Vec::new(), "clause")
    };
    let mut cells = vec![policy];
    for v in views {
        let lines = crate::standards::judge_lines(&v.map, s.findings, s.attestations, s.today);
        let statuses: Vec<ClauseStatus> = lines.iter().map(|l| l.status).collect();
        let not_met = lines
            .iter()
            .filter(|l| l.status == ClauseStatus::Red)
            .map(|l| l.title.clone())
            .collect();
        cells.push(if is_checked {
            cell(&statuses, not_met, "standard")
        } else {
            cell(&[], Vec::new(), "standard")
        });
    }
    let start_findings: &[&Finding] = start.map_or(&[], |x| x.findings);
    let changes = Changes {
        compared_with: start
            .and_then(|x| x.runs.first())
            .map(|(r, _)| RunLine::of(r)),
        ..changes(start_findings, s.findings, &Default::default())
    };
    let recoloured = match start.filter(|x| checked(x)) {
        Some(before) if is_checked => recoloured(before.lines, s.lines),
        _ => Vec::new(),
    };
    let red = titles(ClauseStatus::Red);
    let meets = s.meets && is_checked;
    let (headline, note) = headline(s, &red, period);
    let row = SummaryRow {
        school: s.id.to_string(),
        name: s.name.to_string(),
        meets_policy: meets,
        checked: is_checked,
        red: red.len(),
        cells: cells.clone(),
        new: changes.newly_failing.len(),
        fixed: changes.fixed.len(),
        recoloured: recoloured.len(),
    };
    let page = SchoolPage {
        id: s.id.to_string(),
        name: s.name.to_string(),
        headline,
        note,
        meets_policy: meets,
        checked: is_checked,
        forwarded_at: s.forwarded_at.map(str::to_string),
        latest_run: s.latest.map(RunLine::of),
        clauses: s.lines.iter().map(clause_summary).collect(),
        failing: if is_checked {
            failing_by_check(s.map, s.findings)
        } else {
            Vec::new()
        },
        standards: columns
            .iter()
            .skip(1)
            .zip(cells.into_iter().skip(1))
            .map(|(col, cell)| StandardCell {
                view: col.id.clone(),
                title: col.title.clone(),
                cell,
            })
            .collect(),
        changes,
        recoloured,
    };
    (row, page)
}

/// The worst state of `statuses` (not met, then something to look at, then met; not checked
/// only when nothing was), with how many are in each; `what` is "clause" or "standard".
fn cell(statuses: &[ClauseStatus], not_met: Vec<String>, what: &str) -> Cell {
    let count = |want: ClauseStatus| statuses.iter().filter(|s| **s == want).count();
    let (red, amber, green, grey) = (
        count(ClauseStatus::Red),
        count(ClauseStatus::Amber),
        count(ClauseStatus::Green),
        count(ClauseStatus::Grey),
    );
    let status = if red > 0 {
        ClauseStatus::Red
    } else if amber > 0 {
        ClauseStatus::Amber
    } else if green > 0 {
        ClauseStatus::Green
    } else {
        ClauseStatus::Grey
    };
    let parts: Vec<String> = [
        (red, "not met"),
        (amber, "to look at"),
        (green, "met"),
        (grey, "not checked"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    let detail = if red + amber + green == 0 {
        "not checked".to_string()
    } else {
        format!(
            "of {} {what}{}: {}",
            statuses.len(),
            plural(statuses.len()),
            parts.join(", ")
        )
    };
    Cell {
        status: status.word().to_lowercase(),
        words: status_words(status).to_string(),
        detail,
        red,
        amber,
        green,
        grey,
        not_met,
    }
}

/// The policy's clauses whose state is not what it was.
fn recoloured(before: &[ClauseLine], now: &[ClauseLine]) -> Vec<ColourChange> {
    now.iter()
        .filter_map(|l| {
            let b = before.iter().find(|b| b.id == l.id)?;
            (b.status != l.status).then(|| ColourChange {
                id: l.id.clone(),
                title: l.title.clone(),
                from: b.status.word().to_lowercase(),
                to: l.status.word().to_lowercase(),
                from_words: status_words(b.status).to_string(),
                to_words: status_words(l.status).to_string(),
            })
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "A", "A and B", "A, B and C".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The school's headline, and what else to know first.
fn headline(s: &SchoolPicture<'_>, red: &[String], period: &Period) -> (String, Option<String>) {
    let name = s.name;
    let Some(latest) = s.latest else {
        return match s.forwarded_at {
            None => (
                format!(
                    "Nothing has been received from {name}: its results have never been sent to the trust, so we cannot say whether it meets the online safety policy."
                ),
                Some(
                    "Ask the school to set up caretaker's forwarding to the trust ([store] url), or to check why it has not run."
                        .to_string(),
                ),
            ),
            Some(_) => (
                format!(
                    "{name} has sent nothing checked yet: no audit has reached the trust, so we cannot say whether it meets the online safety policy."
                ),
                None,
            ),
        };
    };
    let total = s.lines.len();
    let headline = if red.is_empty() {
        let checked = s
            .lines
            .iter()
            .filter(|l| l.status != ClauseStatus::Grey)
            .count();
        let amber = s
            .lines
            .iter()
            .filter(|l| l.status == ClauseStatus::Amber)
            .count();
        let mut h = format!(
            "{name} meets the online safety policy on every clause checked ({checked} of {total})."
        );
        if amber > 0 {
            h.pop();
            h.push_str(&format!(
                "; {amber} clause{} {} something to look at.",
                plural(amber),
                if amber == 1 { "has" } else { "have" }
            ));
        }
        h
    } else {
        format!(
            "{name} does not yet meet the online safety policy: {} of {total} clause{} {} not met ({}).",
            red.len(),
            plural(total),
            if red.len() == 1 { "is" } else { "are" },
            and_list(red)
        )
    };
    let started = latest.started_at.to_offset(time::UtcOffset::UTC).date();
    let late = (period.to - started).whole_days();
    let note = (late > STALE_AFTER_DAYS).then(|| {
        format!(
            "Its latest checks are from {}, {late} days before the end of the period: ask the school whether its checks have stopped.",
            long_day(started)
        )
    });
    (headline, note)
}

/// The summary: the headline, the matrix and the totals.
fn summary(
    columns: Vec<Column>,
    rows: Vec<SummaryRow>,
    pages: &[SchoolPage],
    period: &Period,
) -> TrustSummary {
    let names = |keep: &dyn Fn(&SummaryRow) -> bool| -> Vec<String> {
        rows.iter()
            .filter(|r| keep(r))
            .map(|r| r.name.clone())
            .collect()
    };
    let not_checked = names(&|r| !r.checked);
    let not_meeting = names(&|r| r.checked && !r.meets_policy);
    let meeting = rows.iter().filter(|r| r.meets_policy).count();
    let n = rows.len();
    let headline = if n == 0 {
        "No school's results have reached the trust's database.".to_string()
    } else {
        let mut h = if meeting == n {
            if n == 1 {
                "The trust's one school meets the policy".to_string()
            } else {
                format!("All {n} schools meet the policy")
            }
        } else {
            format!(
                "{meeting} of {n} school{} {} the policy",
                plural(n),
                if meeting == 1 { "meets" } else { "meet" }
            )
        };
        if !not_meeting.is_empty() {
            h.push_str(&format!(
                "; {} {}: {}",
                not_meeting.len(),
                if not_meeting.len() == 1 {
                    "does not"
                } else {
                    "do not"
                },
                and_list(&not_meeting)
            ));
        }
        if !not_checked.is_empty() {
            h.push_str(&format!(
                "; {} {} not been checked: {}",
                not_checked.len(),
                if not_checked.len() == 1 {
                    "has"
                } else {
                    "have"
                },
                and_list(&not_checked)
            ));
        }
        h.push('.');
        h
    };
    let mut total = TotalChanges::default();
    for p in pages {
        total.new += p.changes.newly_failing.len();
        total.fixed += p.changes.fixed.len();
        total.still_open += p.changes.still_open.len();
        total.recoloured += p.recoloured.len();
    }
    let changed = pages
        .iter()
        .filter(|p| !p.changes.newly_failing.is_empty() || !p.changes.fixed.is_empty())
        .count();
    total.sentence = format!(
        "Since {}: {} new problem{}, {} fixed, {} still open; {} clause{} changed state; {} of {n} school{} had problems found or fixed.",
        long_day(period.from),
        total.new,
        plural(total.new),
        total.fixed,
        total.still_open,
        total.recoloured,
        plural(total.recoloured),
        changed,
        plural(n),
    );
    TrustSummary {
        headline,
        schools: n,
        meeting,
        not_meeting: not_meeting.len(),
        not_checked: not_checked.len(),
        columns,
        rows,
        changes: total,
    }
}
