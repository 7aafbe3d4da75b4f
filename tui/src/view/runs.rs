//! Runs: the stored audits, newest first, with the trend of failing findings, and what changed
//! between two of them.

use caretaker_model::Finding;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Sparkline};
use ratatui::Frame;

use crate::model::{status_word, target_label, verdict_word};
use crate::state::{Loadable, State};
use crate::view::text::{cut, date, empty_list, fit, row, scroll_start, Theme};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let width = usize::from(area.width);
    let runs = match &state.runs {
        Loadable::Ready(r) => r,
        Loadable::Failed(e) => {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("  Could not read the runs: {e}"),
                    theme.bad(),
                )),
                area,
            );
            return;
        }
        _ => {
            frame.render_widget(
                Paragraph::new(Line::styled("  Reading the stored runs…", theme.dim())),
                area,
            );
            return;
        }
    };
    let rows = state.run_rows();
    let diff_h = match &state.runs_view.diff {
        Some((_, _, Loadable::Ready(d))) => {
            ((d.new.len() + d.resolved.len()).max(1) as u16 + 2).min((area.height * 2 / 5).max(6))
        }
        Some(_) => 3,
        None => 0,
    };
    let trend_h = if area.height >= 16 { 3 } else { 2 };
    let [title, trend, header, list, diff] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(trend_h),
        Constraint::Length(1),
        Constraint::Length(
            (rows.len().max(1) as u16).min(area.height.saturating_sub(trend_h + 2 + diff_h)),
        ),
        Constraint::Length(diff_h),
    ])
    .areas(area);

    let q = state.query(crate::state::Screen::Runs);
    let marked = if state.runs_view.marked.is_empty() {
        String::new()
    } else {
        format!(
            " · marked {}",
            state
                .runs_view
                .marked
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let last = runs.first().map(|r| r.counts.fail).unwrap_or(0);
    let mut t = format!(
        " Runs · {} stored · failing findings per run, oldest → newest (now {last}){marked}",
        runs.len()
    );
    if !q.is_empty() {
        t.push_str(&format!(" · \"{q}\""));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&t, width), theme.heading())),
        title,
    );

    // The trend: failing findings of each finished full audit, oldest to newest, as many as fit.
    let label_w = 12usize;
    let room = width.saturating_sub(label_w + 2);
    let fails: Vec<u64> = crate::model::trend_runs(runs)
        .iter()
        .map(|r| r.counts.fail)
        .collect();
    let shown: Vec<u64> = fails
        .iter()
        .copied()
        .skip(fails.len().saturating_sub(room))
        .collect();
    // Scaled from the fewest to the most, so that the change shows, not the level.
    let max = shown.iter().copied().max().unwrap_or(0);
    let min = shown.iter().copied().min().unwrap_or(0);
    let bars: Vec<u64> = shown.iter().map(|v| v - min + 1).collect();
    let [labels, spark] =
        Layout::horizontal([Constraint::Length(label_w as u16 + 2), Constraint::Min(0)])
            .areas(trend);
    let mut label_lines = vec![Line::styled(format!(" max {max:>4}"), theme.dim())];
    for _ in 2..trend_h {
        label_lines.push(Line::raw(""));
    }
    label_lines.push(Line::styled(format!(" min {min:>4}"), theme.dim()));
    frame.render_widget(Paragraph::new(label_lines), labels);
    frame.render_widget(
        Sparkline::default()
            .data(&bars)
            .max(max - min + 1)
            .style(theme.bad()),
        spark,
    );

    let wide = width >= 100;
    let by_w = if wide { 20 } else { 15 };
    let mut h = format!(
        "      {:>5} {}{}{}{}",
        "RUN",
        fit("STARTED", 14),
        fit("BY", by_w),
        fit("VERDICT", 14),
        "FAIL  ERR WARN PASS"
    );
    if wide {
        h.push_str("  CHECKED");
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&h, width), theme.dim())),
        header,
    );

    let height = usize::from(list.height);
    let start = scroll_start(state.runs_view.selected, rows.len(), height);
    let mut lines = Vec::new();
    for (pos, i) in rows.iter().enumerate().skip(start).take(height) {
        let r = &runs[*i];
        let sel = pos == state.runs_view.selected;
        let mark = if state.runs_view.marked.contains(&r.id) {
            "[x] "
        } else {
            "[ ] "
        };
        let verdict = verdict_word(r.state, r.verdict);
        let verdict_style = match verdict {
            "COMPLIANT" => theme.good(),
            "NOT COMPLIANT" => theme.bad(),
            _ => theme.heading(),
        };
        let c = &r.counts;
        let mut spans = vec![
            Span::raw(if sel { "› " } else { "  " }),
            Span::raw(mark),
            Span::raw(format!("{:>5} ", r.id)),
            Span::raw(fit(&date(r.started_at, state.now, state.offset), 14)),
            Span::raw(fit(&format!("{} ({})", r.trigger, r.who), by_w)),
            Span::styled(fit(verdict, 14), verdict_style),
            Span::raw(format!(
                "{:>4} {:>4} {:>4} {:>4}",
                c.fail, c.error, c.warn, c.pass
            )),
        ];
        if wide {
            let only = if r.only.is_empty() {
                "everything".to_string()
            } else {
                format!("only {}", r.only.join(", "))
            };
            spans.push(Span::styled(
                cut(
                    &format!("  {only}"),
                    width.saturating_sub(2 + 4 + 6 + 14 + by_w + 14 + 19),
                ),
                theme.dim(),
            ));
        } else if !r.only.is_empty() {
            spans.push(Span::styled(" part", theme.dim()));
        }
        lines.push(row(spans, sel, theme));
    }
    if rows.is_empty() {
        lines.push(empty_list(
            runs.is_empty(),
            "  No runs stored yet: press r to audit now.",
            "  No run matches the search (x clears it).",
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);

    if let Some((older, newer, d)) = &state.runs_view.diff {
        draw_diff(frame, diff, *older, *newer, d, theme);
    }
}

fn draw_diff(
    frame: &mut Frame,
    area: Rect,
    older: i64,
    newer: i64,
    d: &Loadable<crate::model::Diff>,
    theme: &Theme,
) {
    let title = match d {
        Loadable::Ready(d) => format!(
            " Run {older} → run {newer}: {} new, {} resolved, {} unchanged problems{} ",
            d.new.len(),
            d.resolved.len(),
            d.still,
            if d.not_compared > 0 {
                format!(
                    "; {} not compared (checked in one run only)",
                    d.not_compared
                )
            } else {
                String::new()
            }
        ),
        _ => format!(" Run {older} → run {newer} "),
    };
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(Span::styled(title, theme.accent()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let target_w = if width >= 90 { 30 } else { 18 };
    let mut lines = Vec::new();
    match d {
        Loadable::Ready(d) => {
            let row = |what: &'static str, f: &Finding, style| {
                Line::from(vec![
                    Span::styled(fit(what, 10), style),
                    Span::styled(fit(status_word(f.status), 7), theme.status(f.status)),
                    Span::raw(fit(&target_label(f), target_w)),
                    Span::raw(" "),
                    Span::raw(cut(&f.summary, width.saturating_sub(18 + target_w))),
                ])
            };
            for f in &d.new {
                lines.push(row("NEW", f, theme.bad()));
            }
            for f in &d.resolved {
                lines.push(row("RESOLVED", f, theme.good()));
            }
            if d.new.is_empty() && d.resolved.is_empty() {
                lines.push(Line::raw(
                    "No problem appeared or went away between these runs.",
                ));
            }
        }
        Loadable::Failed(e) => {
            lines.push(Line::styled(format!("Could not compare: {e}"), theme.bad()))
        }
        _ => lines.push(Line::styled("Comparing…", theme.dim())),
    }
    let height = usize::from(inner.height);
    if lines.len() > height && height > 0 {
        let more = lines.len() - height + 1;
        lines.truncate(height - 1);
        lines.push(Line::styled(format!("… and {more} more"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
