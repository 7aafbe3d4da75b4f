//! Filter across schools: one row per school, one column per user group (pupil, staff, guest …;
//! the groups with a problem somewhere first), each cell saying whether the school's filter, for
//! that group, blocks what must be blocked and lets through what must load ("OK", "2 fail",
//! "not tested"); the selected cell's pages in words below.

use caretaker_model::Status;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::model::{cell_word, status_word, FilterMatrix};
use crate::view::text::{cut, fit, row, scroll_start, Theme};

use super::super::data::{audited, group_of, group_result, GroupResult, Trust};
use super::super::state::TrustState;
use super::schools::{table_height, NO_AUDIT};

pub fn draw(frame: &mut Frame, area: Rect, state: &TrustState, t: &Trust, theme: &Theme) {
    let width = usize::from(area.width);
    let name_w = if width >= 110 { 30 } else { 24 };
    let col_w = t
        .groups
        .iter()
        .map(|g| g.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .clamp(12, 16);
    let fitting = (width.saturating_sub(2 + name_w) / col_w).max(1);
    let first = scroll_start(state.group, t.groups.len(), fitting);
    let cols: Vec<usize> = (first..t.groups.len()).take(fitting).collect();
    let list_h = table_height(area.height, 2, t.view.schools.len());
    let [title, head, list, _, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(list_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);

    // Title: how many schools have a page not as expected.
    let failing = t
        .rows
        .iter()
        .filter(|r| {
            t.groups
                .iter()
                .any(|g| matches!(group_result(&r.filter, g), GroupResult::Fail(_)))
        })
        .count();
    let (verdict, style) = match failing {
        0 => (
            "no school has a page not as expected".to_string(),
            theme.good(),
        ),
        1 => (
            "1 school has a page not as expected".to_string(),
            theme.bad(),
        ),
        n => (
            format!("{n} schools have a page not as expected"),
            theme.bad(),
        ),
    };
    let mut spans = vec![
        Span::styled(" Filter tests by user group · ", theme.heading()),
        Span::styled(verdict, style),
    ];
    if cols.len() < t.groups.len() {
        spans.push(Span::styled(
            format!(
                " · groups {}–{} of {} (←→)",
                first + 1,
                first + cols.len(),
                t.groups.len()
            ),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    // The column heads: the groups, the selected one marked.
    let mut heads = vec![Span::styled(
        format!("  {}", fit("SCHOOL", name_w)),
        theme.dim(),
    )];
    for c in &cols {
        let style = if *c == state.group {
            theme.accent().patch(theme.selected())
        } else {
            theme.dim()
        };
        heads.push(Span::styled(fit(&t.groups[*c], col_w - 1), style));
        heads.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(heads)), head);

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
            Span::raw(fit(&s.name, name_w - 1)),
            Span::raw(" "),
        ];
        if !audited(s) {
            spans.push(Span::styled(NO_AUDIT, theme.dim()));
        } else {
            for c in &cols {
                let result = group_result(&r.filter, &t.groups[*c]);
                let style = result
                    .status()
                    .map_or_else(|| theme.dim(), |s| theme.status(s));
                spans.push(Span::styled(fit(&result.words(), col_w), style));
            }
        }
        lines.push(row(spans, selected, theme));
    }
    frame.render_widget(Paragraph::new(lines), list);

    draw_detail(frame, detail, state, t, theme);
}

/// The selected school's pages for the selected group: those not as expected first.
fn draw_detail(frame: &mut Frame, area: Rect, state: &TrustState, t: &Trust, theme: &Theme) {
    let (Some((s, r)), Some(group)) = (t.school(state.selected), t.groups.get(state.group)) else {
        return;
    };
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let m = &r.filter;
    let result = group_result(m, group);
    let vantages: Vec<usize> = m
        .vantages
        .iter()
        .enumerate()
        .filter(|(_, v)| group_of(v) == group)
        .map(|(c, _)| c)
        .collect();
    let names: Vec<&str> = vantages
        .iter()
        .map(|c| m.vantages[*c].name.as_str())
        .collect();
    let mut head = format!("─ {} · {group} · {}", s.name, result.words());
    if !names.is_empty() {
        head.push_str(&format!(" · from {}", names.join(", ")));
    }
    let mut out = vec![Line::styled(cut(&head, width), theme.accent())];
    let say = |text: String| Line::styled(cut(&format!("  {text}"), width), theme.dim());
    if !audited(s) {
        out.push(say(format!("{} has {NO_AUDIT}.", s.name)));
    } else if vantages.is_empty() {
        out.push(say(format!(
            "No vantage point of the {group} group in this school's latest filter tests."
        )));
    } else {
        for c in &vantages {
            let v = &m.vantages[*c];
            if let Some(status) = v.control.filter(|s| *s != Status::Pass) {
                out.push(Line::from(vec![
                    Span::styled(fit(&format!("  {}", status_word(status)), 9), theme.status(status)),
                    Span::raw(cut(
                        &format!(
                            "The internet could not be reached from {}: its results there mean nothing.",
                            v.name
                        ),
                        width.saturating_sub(9),
                    )),
                ]));
            }
        }
        let wrong = wrong_cells(m, &vantages);
        if wrong.is_empty() && result == GroupResult::Ok {
            let (block, load) =
                m.rows.iter().fold(
                    (0, 0),
                    |(b, l), r| {
                        if r.must_block {
                            (b + 1, l)
                        } else {
                            (b, l + 1)
                        }
                    },
                );
            out.push(say(format!(
                "Every page as expected: {block} that must be blocked are blocked, {load} that must load load."
            )));
        }
        let room = height.saturating_sub(out.len());
        let more = wrong.len().saturating_sub(room);
        let show = if more > 0 {
            room.saturating_sub(1)
        } else {
            room
        };
        for (row, col, status) in wrong.iter().take(show) {
            let page = &m.rows[*row];
            out.push(Line::from(vec![
                Span::styled(
                    fit(&format!("  {}", status_word(*status)), 9),
                    theme.status(*status),
                ),
                Span::styled(
                    fit(
                        if page.must_block {
                            "must block"
                        } else {
                            "must load"
                        },
                        11,
                    ),
                    theme.dim(),
                ),
                Span::raw(fit(&format!("{:<6}{}", page.scheme, page.label), 30)),
                Span::styled(
                    fit(cell_word(page.must_block, *status), 11),
                    theme.status(*status),
                ),
                Span::styled(
                    cut(
                        &format!("from {}", m.vantages[*col].name),
                        width.saturating_sub(61),
                    ),
                    theme.dim(),
                ),
            ]));
        }
        if more > 0 {
            out.push(say(format!(
                "… and {} more: Enter opens the school's own filter tests.",
                more + 1
            )));
        }
    }
    out.truncate(height);
    frame.render_widget(Paragraph::new(out), area);
}

/// The results from `vantages` that are not as expected, worst first: (row, column, status).
fn wrong_cells(m: &FilterMatrix, vantages: &[usize]) -> Vec<(usize, usize, Status)> {
    let mut out: Vec<(usize, usize, Status)> = Vec::new();
    for (r, cells) in m.cells.iter().enumerate() {
        for c in vantages {
            if let Some(cell) = cells.get(*c).and_then(Option::as_ref) {
                if cell.status != Status::Pass {
                    out.push((r, *c, cell.status));
                }
            }
        }
    }
    out.sort_by_key(|(r, c, s)| (s.rank(), *r, *c));
    out
}
