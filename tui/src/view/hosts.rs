//! Hosts: one row per machine with the status of each host check, and the selected machine's
//! problems.

use caretaker_model::Status;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use caretaker_model::AreaId;

use crate::model::status_word;
use crate::state::State;
use crate::view::text::{cut, empty_list, fit, row, scroll_start, wrap, Theme};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(p) = state.picture() else { return };
    let rows = state.host_rows();
    let width = usize::from(area.width);
    // Wide: 2 + 21 + 17 + 7 columns of 10 = 110.
    let wide = width >= 110;
    let with_problems = rows.iter().filter(|r| r.worst != Status::Pass).count();
    // The list as long as it needs (at least half the body when it is long), the selected
    // machine's problems below it.
    let body = usize::from(area.height.saturating_sub(2));
    let list_h = rows
        .len()
        .max(1)
        .min(body.saturating_sub((body / 2).min(8)).max(body / 2));
    let [title, header, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(list_h as u16),
        Constraint::Min(0),
    ])
    .areas(area);

    let q = state.query(crate::state::Screen::Hosts);
    let mut t = format!(
        " Hosts · {} machine{} · {with_problems} with problems · worst first",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    if !q.is_empty() {
        t.push_str(&format!(" · \"{q}\""));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&t, width), theme.heading())),
        title,
    );

    // Narrow: 2 + 15 + 7 columns of 9 = 80.
    let name_w = if wide { 20 } else { 14 };
    let addr_w = if wide { 17 } else { 0 };
    let col_w = if wide { 10 } else { 9 };
    let mut h = format!("  {}", fit("MACHINE", name_w + 1));
    if wide {
        h.push_str(&fit("ADDRESS", addr_w));
    }
    for spec in p.catalogue.area(AreaId::Hosts) {
        h.push_str(&fit(spec.column, col_w));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&h, width), theme.dim())),
        header,
    );

    let height = usize::from(list.height);
    let start = scroll_start(state.hosts, rows.len(), height);
    let mut lines = Vec::new();
    for (pos, r) in rows.iter().enumerate().skip(start).take(height) {
        let sel = pos == state.hosts;
        let mut spans = vec![
            Span::raw(if sel { "› " } else { "  " }),
            Span::raw(fit(&r.name, name_w + 1)),
        ];
        if wide {
            spans.push(Span::styled(fit(&r.address, addr_w), theme.dim()));
        }
        for s in &r.statuses {
            match s {
                Some(s) => spans.push(Span::styled(fit(status_word(*s), col_w), theme.status(*s))),
                None => spans.push(Span::styled(fit("—", col_w), theme.dim())),
            }
        }
        lines.push(row(spans, sel, theme));
    }
    if rows.is_empty() {
        lines.push(empty_list(
            q.is_empty(),
            "  No machine was checked in the latest audit (add [[host]] to caretaker.toml).",
            "  No machine matches the search (x clears it).",
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);

    // The selected machine's problems, worst first.
    let Some(r) = rows.get(state.hosts) else {
        return;
    };
    let mut out = vec![
        Line::raw(""),
        Line::styled(
            cut(&format!("─ {} ({}) ", r.name, r.address), width),
            theme.accent(),
        ),
    ];
    let problems: Vec<usize> = r
        .findings
        .iter()
        .copied()
        .filter(|i| p.findings[*i].status != Status::Pass)
        .collect();
    if problems.is_empty() {
        out.push(Line::raw(format!(
            "  All {} host checks pass on this machine.",
            r.findings.len()
        )));
    }
    let room = usize::from(detail.height).saturating_sub(1);
    let summary_w = width.saturating_sub(2 + 7 + 17);
    'outer: for i in problems {
        let f = &p.findings[i];
        let check = f.check.as_str().trim_start_matches("host.");
        for (k, l) in wrap(&f.summary, summary_w).into_iter().enumerate() {
            if out.len() > room {
                break 'outer;
            }
            out.push(if k == 0 {
                Line::from(vec![
                    Span::raw("  "),
                    Span::styled(fit(status_word(f.status), 7), theme.status(f.status)),
                    Span::raw(fit(check, 17)),
                    Span::raw(l),
                ])
            } else {
                Line::raw(format!("{}{l}", " ".repeat(26)))
            });
        }
    }
    frame.render_widget(Paragraph::new(out), detail);
}
