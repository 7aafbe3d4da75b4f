//! Schools: one row per school, one column per clause of the policy (its status as a word),
//! whether it meets the policy, its last run and when it last forwarded; the selected school and
//! clause in words below.

use caretaker_model::compliance::ClauseStatus;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::model::verdict_word;
use crate::state::STALE_AFTER;
use crate::view::text::{ago, cut, fit, row, scroll_start, when, when_text, Theme};

use super::super::data::{audited, clause_head, Trust};
use super::super::state::TrustState;

/// What a school with no runs says in place of its results.
pub const NO_AUDIT: &str = "no audit forwarded yet";

/// A clause cell: the longest status word and a space.
const CLAUSE_W: usize = 6;

/// The widths of the fixed columns.
struct Widths {
    name: usize,
    meets: usize,
    last: usize,
    /// 0 when narrow: when it forwarded is in the words below the table.
    forwarded: usize,
    /// The last run's column has its verdict too.
    verdict: bool,
}

impl Widths {
    fn of(width: usize) -> Widths {
        if width >= 110 {
            Widths {
                name: 24,
                meets: 6,
                last: 33,
                forwarded: 14,
                verdict: true,
            }
        } else {
            Widths {
                name: 20,
                meets: 6,
                last: 13,
                forwarded: 0,
                verdict: false,
            }
        }
    }

    fn fixed(&self) -> usize {
        2 + self.name + self.meets + self.last + self.forwarded
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &TrustState, t: &Trust, theme: &Theme) {
    let width = usize::from(area.width);
    let w = Widths::of(width);
    let clauses = t.clauses();
    let fitting = (width.saturating_sub(w.fixed()) / CLAUSE_W).max(1);
    let first = scroll_start(state.clause, clauses.len(), fitting);
    let cols: Vec<usize> = (first..clauses.len()).take(fitting).collect();
    let list_h = table_height(area.height, 3, t.view.schools.len());
    let [title, head, list, _, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(list_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);

    // Title: the policy, and which clauses are in view.
    let shown = if cols.len() < clauses.len() {
        format!(
            " · clauses {}–{} of {} (←→ for more)",
            first + 1,
            first + cols.len(),
            clauses.len()
        )
    } else {
        format!(" · {} clauses", clauses.len())
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {}", t.policy()), theme.heading()),
            Span::styled(shown, theme.dim()),
        ])),
        title,
    );

    // The column heads: the clause ids in two short lines, the selected one marked.
    let mut top = vec![Span::styled(
        format!(
            "  {}{}{}{}",
            column("SCHOOL", w.name),
            column("MEETS", w.meets),
            column("LAST RUN", w.last),
            column("FORWARDED", w.forwarded)
        ),
        theme.dim(),
    )];
    let mut bottom = vec![Span::raw(" ".repeat(w.fixed()))];
    for c in &cols {
        let (section, word) = clause_head(&clauses[*c].id, CLAUSE_W - 1);
        let style = if *c == state.clause {
            theme.accent().patch(theme.selected())
        } else {
            theme.dim()
        };
        top.push(Span::styled(fit(&section, CLAUSE_W - 1), style));
        top.push(Span::raw(" "));
        bottom.push(Span::styled(fit(&word, CLAUSE_W - 1), style));
        bottom.push(Span::raw(" "));
    }
    frame.render_widget(
        Paragraph::new(vec![Line::from(top), Line::from(bottom)]),
        head,
    );

    // One row per school.
    let height = usize::from(list.height);
    let schools = &t.view.schools;
    let start = scroll_start(state.selected, schools.len(), height);
    let mut lines = Vec::new();
    for (i, (s, r)) in schools
        .iter()
        .zip(&t.rows)
        .enumerate()
        .skip(start)
        .take(height)
    {
        let selected = i == state.selected;
        let mut spans = vec![
            Span::raw(if selected { "› " } else { "  " }),
            Span::raw(column(&s.name, w.name)),
            if r.meets {
                Span::styled(column("yes", w.meets), theme.good())
            } else {
                Span::styled(column("no", w.meets), theme.bad())
            },
        ];
        match &s.overview.latest {
            Some(run) => {
                let stale = state.now - run.started_at > STALE_AFTER;
                let at = when(run.started_at, state.now, state.offset);
                let text = match (w.verdict, stale) {
                    (true, true) => format!("STALE {at} {}", verdict_word(run.state, run.verdict)),
                    (true, false) => format!("{at} {}", verdict_word(run.state, run.verdict)),
                    (false, _) => at,
                };
                let style = if stale { theme.bad() } else { Style::new() };
                spans.push(Span::styled(column(&text, w.last), style));
            }
            None => spans.push(Span::styled(column("never", w.last), theme.dim())),
        }
        if w.forwarded > 0 {
            let fwd = s.forwarded_at.as_deref().map_or_else(
                || "never".to_string(),
                |at| when_text(at, state.now, state.offset),
            );
            spans.push(Span::raw(column(&fwd, w.forwarded)));
        }
        if !audited(s) {
            spans.push(Span::styled(NO_AUDIT, theme.dim()));
        } else {
            for c in &cols {
                let cell = match r.line(&clauses[*c].id) {
                    Some(l) => Span::styled(fit(l.status.word(), CLAUSE_W), theme.clause(l.status)),
                    None => Span::styled(fit("—", CLAUSE_W), theme.dim()),
                };
                spans.push(cell);
            }
        }
        lines.push(row(spans, selected, theme));
    }
    frame.render_widget(Paragraph::new(lines), list);

    draw_detail(frame, detail, state, t, theme);
}

/// The selected school in words: whether it meets the policy, its last run, when it forwarded,
/// the selected clause with its reason, and the clauses that keep it from meeting the policy.
fn draw_detail(frame: &mut Frame, area: Rect, state: &TrustState, t: &Trust, theme: &Theme) {
    let Some((s, r)) = t.school(state.selected) else {
        return;
    };
    let width = usize::from(area.width);
    let mut out = Vec::new();
    let red = r.count(ClauseStatus::Red);
    let (verdict, style) = if !audited(s) {
        (format!("has {NO_AUDIT}"), theme.heading())
    } else if r.meets {
        ("meets the policy".to_string(), theme.good())
    } else {
        (
            format!(
                "does not meet the policy: {red} clause{} RED",
                if red == 1 { "" } else { "s" }
            ),
            theme.bad(),
        )
    };
    out.push(Line::from(vec![
        Span::styled(format!("─ {} · ", s.name), theme.accent()),
        Span::styled(verdict, style),
    ]));
    let last = match &s.overview.latest {
        Some(run) => {
            let stale = state.now - run.started_at > STALE_AFTER;
            format!(
                "{}run {} · {} ({}) · {}",
                if stale { "STALE · " } else { "" },
                run.id,
                when(run.started_at, state.now, state.offset),
                ago(run.started_at, state.now),
                verdict_word(run.state, run.verdict),
            )
        }
        None => "none forwarded".to_string(),
    };
    out.push(field("Last run", &last, width, theme));
    let forwarded = s.forwarded_at.as_deref().map_or_else(
        || "never".to_string(),
        |at| {
            let ago = crate::view::text::parse_time(at)
                .map(|t| format!(" ({})", ago(t, state.now)))
                .unwrap_or_default();
            format!("{}{ago}", when_text(at, state.now, state.offset))
        },
    );
    out.push(field("Forwarded", &forwarded, width, theme));
    if let Some(c) = t.clauses().get(state.clause) {
        let (word, status, reason) = match r.line(&c.id) {
            Some(l) if audited(s) => (l.status.word(), Some(l.status), l.reason.clone()),
            Some(l) => (l.status.word(), Some(l.status), "not assessed".to_string()),
            None => ("—", None, "not in this school's policy map".to_string()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {} ", c.id), theme.dim()),
            Span::styled(
                format!("{word} "),
                status.map_or_else(|| theme.dim(), |s| theme.clause(s)),
            ),
            Span::raw(cut(
                &format!("{}: {reason}", c.title),
                width.saturating_sub(c.id.chars().count() + word.chars().count() + 4),
            )),
        ]));
    }
    for status in [ClauseStatus::Red, ClauseStatus::Amber] {
        let ids: Vec<&str> = r
            .lines
            .iter()
            .filter(|l| l.status == status)
            .map(|l| l.id.as_str())
            .collect();
        if !ids.is_empty() && audited(s) {
            out.push(Line::from(vec![
                Span::styled(
                    fit(&format!("  {}", status.word()), 13),
                    theme.clause(status),
                ),
                Span::raw(cut(&ids.join(", "), width.saturating_sub(13))),
            ]));
        }
    }
    out.truncate(usize::from(area.height));
    frame.render_widget(Paragraph::new(out), area);
}

/// `s` in a column `w` wide, with a space before the next (nothing when `w` is 0).
fn column(s: &str, w: usize) -> String {
    if w == 0 {
        return String::new();
    }
    format!("{} ", fit(s, w - 1))
}

/// How many rows of a table `n` long to show in a body `height` high with `heads` lines above
/// it: all of them if they fit, leaving room for the words about the selection below (and a
/// line between).
pub(super) fn table_height(height: u16, heads: u16, n: usize) -> u16 {
    let room = height.saturating_sub(heads + 1);
    let below = 6.min(room / 2);
    u16::try_from(n)
        .unwrap_or(u16::MAX)
        .min(room - below)
        .max(1)
}

/// "  Last run   run 8 · …".
fn field(name: &str, value: &str, width: usize, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(fit(&format!("  {name}"), 13), theme.dim()),
        Span::raw(cut(value, width.saturating_sub(13))),
    ])
}
