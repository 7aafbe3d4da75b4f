//! Compliance: every clause of the policy with its status word, the one-line reason, how many
//! findings and when it was last verified.

use caretaker_model::compliance::ClauseStatus;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::model::Picture;
use crate::state::State;
use crate::view::text::{cut, fit, row, scroll_start, when, wrap, Theme};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &Picture, theme: &Theme) {
    let width = usize::from(area.width);
    let wide = width >= 100;
    let rows = state.clause_rows();
    // The policy's own words under the list, unless the list would not fit (80×24).
    let needed = rows.len() + p.map.sections.len();
    let detail_h: u16 = if area.height >= 30 {
        4
    } else if usize::from(area.height) >= needed + 3 {
        2
    } else {
        1
    };
    let [title, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(detail_h),
    ])
    .areas(area);

    // Title: the verdict and how many clauses of each colour.
    let (word, good) = super::verdict(p);
    let count = |s: ClauseStatus| p.clauses.iter().filter(|c| c.line.status == s).count();
    let mut spans = vec![
        Span::styled(format!(" {} · ", p.map.policy), theme.heading()),
        Span::styled(word, if good { theme.good() } else { theme.bad() }),
    ];
    for s in [
        ClauseStatus::Red,
        ClauseStatus::Amber,
        ClauseStatus::Green,
        ClauseStatus::Grey,
    ] {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("{} {}", count(s), s.word()),
            theme.clause(s),
        ));
    }
    let q = state.query(crate::state::Screen::Compliance);
    if !q.is_empty() {
        spans.push(Span::styled(format!(" · search \"{q}\""), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    // The clause list, section by section.
    let title_w = if wide { 40 } else { 35 };
    let count_w = p
        .clauses
        .iter()
        .map(|c| c.line.findings.to_string().len())
        .max()
        .unwrap_or(1)
        .max(2);
    let verified_w = if wide { 17 } else { 0 };
    let reason_w = width.saturating_sub(2 + 7 + title_w + 1 + count_w + 1 + verified_w);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let show_header = usize::from(list.height) > rows.len() + p.map.sections.len();
    if show_header {
        // A standard's view lists standards; the school's policy, clauses.
        let what = if p.view == caretaker_model::standards::SCHOOL {
            "CLAUSE"
        } else {
            "STANDARD"
        };
        let mut h = format!(
            "  {}{} {:>count_w$} ",
            fit("STATUS", 7),
            fit(what, title_w),
            "N"
        );
        if wide {
            h.push_str(&fit("LAST VERIFIED", verified_w));
        }
        h.push_str("WHY");
        lines.push(Line::styled(h, theme.dim()));
    }
    for section in &p.map.sections {
        let mine: Vec<(usize, usize)> = rows
            .iter()
            .enumerate()
            .filter(|(_, i)| p.clauses[**i].line.section == section.id)
            .map(|(pos, i)| (pos, *i))
            .collect();
        if mine.is_empty() {
            continue;
        }
        lines.push(Line::styled(
            cut(&format!(" {}  {}", section.id, section.title), width),
            theme.heading(),
        ));
        for (pos, i) in mine {
            let c = &p.clauses[i];
            let selected = pos == state.compliance;
            if selected {
                selected_line = lines.len();
            }
            let mut spans = vec![
                Span::raw(if selected { "› " } else { "  " }),
                Span::styled(fit(c.line.status.word(), 7), theme.clause(c.line.status)),
                Span::raw(fit(&c.line.title, title_w)),
                Span::raw(format!(" {:>count_w$} ", c.line.findings)),
            ];
            if wide {
                let v = c
                    .verified
                    .as_ref()
                    .map(|(_, at)| when(*at, state.now, state.offset))
                    .unwrap_or_else(|| "never".into());
                spans.push(Span::styled(fit(&v, verified_w), theme.dim()));
            }
            spans.push(Span::raw(cut(&c.line.reason, reason_w)));
            lines.push(row(spans, selected, theme));
        }
    }
    if rows.is_empty() {
        lines.push(Line::styled(
            "  No clause matches the search (x clears it).",
            theme.dim(),
        ));
    }
    let height = usize::from(list.height);
    let start = scroll_start(selected_line, lines.len(), height);
    let shown: Vec<Line> = lines.into_iter().skip(start).take(height).collect();
    frame.render_widget(Paragraph::new(shown), list);

    // The selected clause: its counts, when verified, and the policy's own words.
    let Some(c) = rows.get(state.compliance).map(|i| &p.clauses[*i]) else {
        return;
    };
    let counts = crate::model::counts_words(&c.counts);
    let verified = match &c.verified {
        Some((run, at)) => format!(
            "verified {} (run {run})",
            when(*at, state.now, state.offset)
        ),
        None => "never verified by a check".to_string(),
    };
    let stats = if counts.is_empty() {
        format!(" {} · no findings · {verified}", c.line.id)
    } else {
        format!(" {} · {counts} · {verified}", c.line.id)
    };
    let mut detail_lines = vec![Line::styled(cut(&stats, width), theme.accent())];
    let words = wrap(&format!("\"{}\"", c.text), width.saturating_sub(2));
    let room = usize::from(detail_h) - 1;
    for (k, l) in words.iter().enumerate().take(room) {
        let l = if k + 1 == room && words.len() > room {
            cut(&format!("{l} …"), width.saturating_sub(2))
        } else {
            l.clone()
        };
        detail_lines.push(Line::styled(format!(" {l}"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(detail_lines), detail);
}
