//! Filter: the latest result of every test page (with its scheme: one site may be tested over
//! HTTP and HTTPS) from every vantage point ("blocked", "loads", "LOADED ✗", "BLOCKED ✗",
//! "error"), and the history of one result.

use caretaker_model::Status;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::model::{cell_word, status_word, Picture};
use crate::state::{Loadable, State};
use crate::view::text::{cut, date, fit, scroll_start, when, wrap, Theme};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &Picture, theme: &Theme) {
    let m = state.filter_view();
    let width = usize::from(area.width);
    if m.vantages.is_empty() {
        let [title, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(
            Paragraph::new(Line::styled(" Filter tests", theme.heading())),
            title,
        );
        frame.render_widget(
            Paragraph::new(Line::styled(
                "  No filter tests in the latest audit: add a [[filter.vantage]] to caretaker.toml.",
                theme.dim(),
            )),
            rest,
        );
        return;
    }
    // The matrix as tall as it needs (the detail keeps at least 2/5), the detail below it.
    let body = area.height.saturating_sub(4);
    let list_h = (m.rows.len().max(1) as u16).min(body - (body * 2 / 5).max(5).min(body));
    let [title, header, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(list_h),
        Constraint::Min(0),
    ])
    .areas(area);
    let detail_h = detail.height;

    // Title: when, and how many results are not as expected.
    let run = m.vantages.iter().map(|v| v.run).max().unwrap_or_default();
    let at = p
        .runs
        .iter()
        .find(|r| r.id == run)
        .map(|r| when(r.started_at, state.now, state.offset))
        .unwrap_or_default();
    let cells: Vec<Status> = m
        .cells
        .iter()
        .flatten()
        .flatten()
        .map(|c| c.status)
        .collect();
    let wrong = cells.iter().filter(|s| **s == Status::Fail).count();
    let unclear = cells
        .iter()
        .filter(|s| matches!(s, Status::Error | Status::Warn))
        .count();
    let mut t = format!(" Filter tests · run {run} · {at} · ");
    let mut spans = vec![Span::styled(t.clone(), theme.heading())];
    let verdict = if wrong == 0 && unclear == 0 {
        Span::styled("all as expected".to_string(), theme.good())
    } else {
        Span::styled(
            format!("{wrong} not as expected, {unclear} unclear"),
            if wrong > 0 {
                theme.bad()
            } else {
                theme.heading()
            },
        )
    };
    t.push_str(&verdict.content);
    spans.push(verdict);
    let q = state.query(crate::state::Screen::Filter);
    if !q.is_empty() {
        spans.push(Span::styled(format!(" · \"{q}\""), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    // Columns: as many vantage points as fit, scrolled to keep the selected one in view (those
    // with something wrong come first). Wide enough for every name when they all fit so.
    // Narrow, the pages get their short names ("IWF list") to leave room for three columns.
    let wide = width >= 100;
    let group_w = 11;
    let label_w = if wide { 34 } else { 26 };
    let room = width.saturating_sub(1 + group_w + label_w);
    let longest = m
        .vantages
        .iter()
        .map(|v| v.name.chars().count().max(v.group.chars().count() + 2))
        .max()
        .unwrap_or(0);
    let col_w = match (longest + 2).clamp(11, 16) {
        w if room / w >= 2 => w,
        _ => 11,
    };
    let fitting = (room / col_w).max(1);
    let first_col = scroll_start(state.filter.col, m.vantages.len(), fitting);
    let cols: Vec<usize> = (first_col..m.vantages.len()).take(fitting).collect();
    let pad = " ".repeat(1 + group_w + label_w);
    let scrolled = first_col > 0 || first_col + cols.len() < m.vantages.len();
    let mut names = Span::raw(if scrolled {
        fit(
            &format!(
                " vantage points {}–{} of {} (←→)",
                first_col + 1,
                first_col + cols.len(),
                m.vantages.len()
            ),
            pad.chars().count(),
        )
    } else {
        pad.clone()
    });
    let mut groups = Span::raw(pad.clone());
    let mut control = vec![Span::styled(
        fit(" internet reached (control)", 1 + group_w + label_w),
        theme.dim(),
    )];
    for c in &cols {
        let v = &m.vantages[*c];
        names.content = format!("{} {}", names.content, fit(&v.name, col_w - 1)).into();
        groups.content = format!(
            "{} {}",
            groups.content,
            fit(&format!("({})", v.group), col_w - 1)
        )
        .into();
        control.push(match v.control {
            Some(Status::Pass) => Span::styled(fit(" yes", col_w), theme.dim()),
            Some(_) => Span::styled(fit(" NO", col_w), theme.bad()),
            None => Span::styled(fit(" —", col_w), theme.dim()),
        });
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(names.style(theme.heading())),
            Line::from(groups.style(theme.dim())),
            Line::from(control),
        ]),
        header,
    );

    let height = usize::from(list.height);
    let start = scroll_start(state.filter.row, m.rows.len(), height);
    let mut lines = Vec::new();
    for (r, row) in m.rows.iter().enumerate().skip(start).take(height) {
        let first_of_group = r == 0 || m.rows[r - 1].must_block != row.must_block || r == start;
        let group = if first_of_group {
            if row.must_block {
                " must block"
            } else {
                " must load"
            }
        } else {
            ""
        };
        let mut spans = vec![
            Span::styled(fit(group, 1 + group_w), theme.dim()),
            Span::raw(fit(
                &format!(
                    "{:<6}{}",
                    row.scheme,
                    if wide {
                        row.label.as_str()
                    } else {
                        short_label(row)
                    }
                ),
                label_w,
            )),
        ];
        for c in &cols {
            let sel = r == state.filter.row && *c == state.filter.col;
            let (word, style) = match &m.cells[r][*c] {
                Some(cell) => (
                    cell_word(row.must_block, cell.status),
                    theme.status(cell.status),
                ),
                None => ("—", theme.dim()),
            };
            let text = if sel {
                fit(&format!("›{word}"), col_w)
            } else {
                fit(&format!(" {word}"), col_w)
            };
            let style = if sel {
                style.patch(theme.selected())
            } else {
                style
            };
            spans.push(Span::styled(text, style));
        }
        lines.push(Line::from(spans));
    }
    if m.rows.is_empty() {
        lines.push(Line::styled(
            "  No test page matches the search (x clears it).",
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);

    // The selected result, or its history.
    let (Some(row), Some(col)) = (
        m.rows.get(state.filter.row),
        m.vantages.get(state.filter.col),
    ) else {
        return;
    };
    let mut out = Vec::new();
    let detail_w = width.saturating_sub(2);
    match &state.filter.history {
        Some(h) => {
            out.push(Line::styled(
                cut(
                    &format!(
                        "─ History · {} from {} ({}) · newest first ",
                        row.label, col.name, col.group
                    ),
                    width,
                ),
                theme.accent(),
            ));
            match &h.entries {
                Loadable::Ready(entries) if entries.is_empty() => {
                    out.push(Line::raw("  No earlier results."));
                }
                Loadable::Ready(entries) => {
                    for e in entries.iter().take(usize::from(detail_h).saturating_sub(1)) {
                        let word = cell_word(row.must_block, e.status);
                        let action = e
                            .action
                            .as_deref()
                            .map(|a| format!(" · action: {a}"))
                            .unwrap_or_default();
                        out.push(Line::from(vec![
                            Span::raw(format!(
                                "  {} ",
                                date(e.started_at, state.now, state.offset)
                            )),
                            Span::raw(fit(&format!("run {}", e.run), 9)),
                            Span::styled(fit(word, 11), theme.status(e.status)),
                            Span::styled(
                                cut(
                                    &format!("{} ({}){action}", e.trigger, e.who),
                                    detail_w.saturating_sub(34),
                                ),
                                theme.dim(),
                            ),
                        ]));
                    }
                }
                Loadable::Failed(e) => out.push(Line::styled(
                    format!("  Could not read the filter log: {e}"),
                    theme.bad(),
                )),
                _ => out.push(Line::styled("  Reading the filter log…", theme.dim())),
            }
        }
        None => {
            out.push(Line::styled(
                cut(
                    &format!(
                        "─ {} from {} ({}) · {} ",
                        row.label, col.name, col.group, row.url
                    ),
                    width,
                ),
                theme.accent(),
            ));
            match &m.cells[state.filter.row][state.filter.col] {
                Some(cell) => {
                    let f = &p.findings[cell.finding];
                    let lines = wrap(&f.summary, detail_w.saturating_sub(8));
                    for (k, l) in lines.into_iter().enumerate() {
                        let head = if k == 0 {
                            fit(status_word(f.status), 8)
                        } else {
                            " ".repeat(8)
                        };
                        out.push(Line::from(vec![
                            Span::raw("  "),
                            Span::styled(head, theme.status(f.status)),
                            Span::raw(l),
                        ]));
                    }
                    let ev: Vec<String> = [
                        "outcome",
                        "status",
                        "proxy_status",
                        "resolved",
                        "matched",
                        "final_url",
                    ]
                    .iter()
                    .filter_map(|k| f.evidence.get(k).map(|v| format!("{k}={v}")))
                    .collect();
                    if !ev.is_empty() {
                        for l in wrap(&ev.join(" · "), detail_w.saturating_sub(8)) {
                            out.push(Line::styled(format!("          {l}"), theme.dim()));
                        }
                    }
                    if let Some(fix) = &f.remediation {
                        if f.status != Status::Pass {
                            for (k, l) in wrap(fix, detail_w.saturating_sub(8))
                                .into_iter()
                                .enumerate()
                            {
                                let head = if k == 0 { "  Fix     " } else { "          " };
                                out.push(Line::from(vec![
                                    Span::styled(head, theme.dim()),
                                    Span::raw(l),
                                ]));
                            }
                        }
                    }
                }
                None => out.push(Line::raw("  Not tested from there in the latest audit.")),
            }
        }
    }
    out.truncate(usize::from(detail_h));
    frame.render_widget(Paragraph::new(out), detail);
}

/// A page's name when the screen is narrow: the lists by their names alone.
fn short_label(row: &crate::model::FilterRow) -> &str {
    match row.category.to_ascii_lowercase().as_str() {
        "iwf" => "IWF list",
        "ctiru" => "CTIRU list",
        _ => row.label.as_str(),
    }
}
