//! Findings: the list (filtered, sorted) and the selected finding in full: the plain-English
//! summary, the fix, the clauses, when it was first and last seen, and the evidence.

use caretaker_model::Finding;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};
use ratatui::Frame;

use crate::model::{status_word, target_label, Picture, Query, StatusFilter};
use crate::state::{Loadable, Screen, State};
use crate::update::seen_key;
use crate::view::text::{cut, fit, scroll_start, when, when_text, wrap, Theme};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &Picture, theme: &Theme) {
    let rows = state.finding_rows();
    let width = usize::from(area.width);
    let v = &state.findings;
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);

    // Title: what is shown.
    let query = state.query(Screen::Findings);
    let parsed = Query::parse(query);
    let clause = parsed.terms.iter().find_map(|(k, val)| {
        (k.as_deref() == Some("clause"))
            .then(|| p.map.clauses.iter().find(|c| c.id.to_lowercase() == *val))
            .flatten()
    });
    let mut t = String::from(" Findings");
    if let Some(c) = clause {
        t.push_str(&format!(" · {} {}", c.id, c.title));
    }
    let problems = rows
        .iter()
        .filter(|i| p.findings[**i].status != caretaker_model::Status::Pass)
        .count();
    t.push_str(&format!(" · {} shown, {problems} not passing", rows.len()));
    if v.status != StatusFilter::All {
        t.push_str(&format!(" · status {}", v.status.label()));
    }
    if v.sort != crate::model::Sort::Worst {
        t.push_str(&format!(" · sorted by {}", v.sort.label()));
    }
    let mut spans = vec![Span::styled(cut(&t, width), theme.heading())];
    let used = t.chars().count();
    if !query.is_empty() && used + 12 < width {
        spans.push(Span::styled(
            cut(&format!(" · \"{query}\""), width - used),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    let selected = rows.get(v.selected).copied();
    if v.zoom {
        if let Some(i) = selected {
            detail(frame, rest, state, p, i, v.scroll, theme);
        }
        return;
    }
    // The list as long as it needs (leaving the detail at least 3/5 at 80×24), the detail as
    // long as its text, and any room left at the bottom.
    let inner_w = usize::from(rest.width.saturating_sub(4));
    let detail_needed = selected
        .map(|i| detail_lines(state, p, i, inner_w, theme).len() + 2)
        .unwrap_or(0);
    let rest_h = usize::from(rest.height);
    let detail_h =
        detail_needed.min((rest_h * 3 / 5).max(rest_h.saturating_sub(rows.len().max(1))));
    let list_h = rows.len().max(1).min(rest_h.saturating_sub(detail_h));
    let [list, pane, _] = Layout::vertical([
        Constraint::Length(list_h as u16),
        Constraint::Length(detail_h as u16),
        Constraint::Min(0),
    ])
    .areas(rest);

    let wide = width >= 100;
    let check_w = if wide { 32 } else { 18 };
    let target_w = if wide { 24 } else { 16 };
    let summary_w = width.saturating_sub(2 + 7 + check_w + 1 + target_w + 1);
    let height = usize::from(list.height);
    let start = scroll_start(v.selected, rows.len(), height);
    let mut lines = Vec::new();
    for (pos, i) in rows.iter().enumerate().skip(start).take(height) {
        let f = &p.findings[*i];
        let sel = pos == v.selected;
        let check = if wide {
            f.check.as_str()
        } else {
            f.check
                .as_str()
                .split_once('.')
                .map(|(_, c)| c)
                .unwrap_or(f.check.as_str())
        };
        let mut line = Line::from(vec![
            Span::raw(if sel { "› " } else { "  " }),
            Span::styled(fit(status_word(f.status), 7), theme.status(f.status)),
            Span::raw(fit(check, check_w)),
            Span::raw(" "),
            Span::raw(fit(&target_label(f), target_w)),
            Span::raw(" "),
            Span::raw(cut(&f.summary, summary_w)),
        ]);
        if sel {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if rows.is_empty() {
        lines.push(Line::styled(
            "  No finding matches (x clears the search and filter).",
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(i) = selected {
        detail(frame, pane, state, p, i, 0, theme);
    }
}

/// The lines of a finding's detail, wrapped to `width`.
fn detail_lines(
    state: &State,
    p: &Picture,
    i: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let f: &Finding = &p.findings[i];
    let mut out: Vec<Line> = Vec::new();
    for l in wrap(&f.summary, width) {
        out.push(Line::styled(l, theme.heading()));
    }
    let label_w = 10;
    let field = |out: &mut Vec<Line<'static>>, label: &str, value: &str| {
        let mut first = true;
        for l in wrap(value, width.saturating_sub(label_w).max(10)) {
            let head = if first {
                fit(label, label_w)
            } else {
                " ".repeat(label_w)
            };
            first = false;
            out.push(Line::from(vec![
                Span::styled(head, theme.dim()),
                Span::raw(l),
            ]));
        }
    };
    if let Some(fix) = &f.remediation {
        field(&mut out, "Fix", fix);
    }
    let clauses: Vec<String> = f
        .clauses
        .iter()
        .map(|id| match p.map.clause(id) {
            Some(c) => format!("{id} {}", c.title),
            None => id.clone(),
        })
        .collect();
    field(
        &mut out,
        "Clauses",
        &if clauses.is_empty() {
            "none (not mapped to a clause of the policy)".to_string()
        } else {
            clauses.join(" · ")
        },
    );
    let seen = match state.seen.get(&seen_key(f)) {
        Some(Loadable::Ready(Some(s))) => {
            if s.first_run == s.last_run {
                format!("first in this audit (run {})", s.first_run)
            } else {
                format!(
                    "first {} (run {}) · last {} (run {}) · in {} audit{}",
                    when(s.first_at, state.now, state.offset),
                    s.first_run,
                    when(s.last_at, state.now, state.offset),
                    s.last_run,
                    s.runs,
                    if s.runs == 1 { "" } else { "s" }
                )
            }
        }
        Some(Loadable::Ready(None)) => "not in the store (yet)".to_string(),
        Some(Loadable::Failed(e)) => format!("unknown: {e}"),
        _ => "looking it up…".to_string(),
    };
    field(&mut out, "Seen", &seen);
    let from = p
        .run_of(i)
        .map(|r| {
            format!(
                "run {} · {} by {}",
                r.id,
                when(r.started_at, state.now, state.offset),
                r.trigger
            )
        })
        .unwrap_or_default();
    field(&mut out, "Audit", &from);
    let read = if f.evidence.observed_at.is_empty() {
        String::new()
    } else {
        format!(
            " (read {})",
            when_text(&f.evidence.observed_at, state.now, state.offset)
        )
    };
    field(
        &mut out,
        "Evidence",
        &format!("{}{read}", f.evidence.source),
    );
    let key_w = f
        .evidence
        .values
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for (k, val) in &f.evidence.values {
        let indent = label_w + key_w + 1;
        let mut first = true;
        for l in wrap(val, width.saturating_sub(indent).max(10)) {
            let head = if first {
                format!("{}{} ", " ".repeat(label_w), fit(k, key_w))
            } else {
                " ".repeat(indent)
            };
            first = false;
            out.push(Line::from(vec![
                Span::styled(head, theme.dim()),
                Span::raw(l),
            ]));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn detail(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    p: &Picture,
    i: usize,
    scroll: u16,
    theme: &Theme,
) {
    let f = &p.findings[i];
    let title = format!(
        " {} · {} · {} · {} ",
        status_word(f.status),
        f.severity.as_str(),
        f.check,
        target_label(f)
    );
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            cut(&title, usize::from(area.width.saturating_sub(4))),
            theme.status(f.status),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = detail_lines(state, p, i, usize::from(inner.width), theme);
    let height = usize::from(inner.height);
    let total = lines.len();
    let start = usize::from(scroll).min(total.saturating_sub(height));
    let mut shown: Vec<Line> = lines.into_iter().skip(start).take(height).collect();
    if total > start + height && !shown.is_empty() {
        let more = total - start - height + 1;
        let hint = if state.findings.zoom {
            format!("… {more} more lines (↓ to scroll)")
        } else {
            format!("… {more} more lines (Enter shows all)")
        };
        if let Some(last) = shown.last_mut() {
            *last = Line::styled(hint, theme.dim());
        }
    }
    frame.render_widget(Paragraph::new(shown), inner);
}
