//! Directory: per directory, each directory check's status and the accounts, groups and
//! policies behind its problems.

use caretaker_model::Status;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::model::status_word;
use crate::state::State;
use crate::view::text::{cut, empty_list, fit, row, scroll_start, wrap, Theme};

/// "p.jones, k.lee and 3 more" within `w` characters.
fn names(who: &[String], w: usize) -> String {
    let mut out = String::new();
    for (k, n) in who.iter().enumerate() {
        let rest = who.len() - k;
        let add = if k == 0 { n.clone() } else { format!(", {n}") };
        let tail = if rest > 1 {
            format!(" and {} more", rest - 1)
        } else {
            String::new()
        };
        if out.chars().count() + add.chars().count() + tail.chars().count() > w && k > 0 {
            out.push_str(&format!(" and {rest} more"));
            return out;
        }
        out.push_str(&add);
    }
    cut(&out, w)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (blocks, rows) = state.directory_rows();
    let width = usize::from(area.width);
    let detail_h: u16 = if area.height >= 30 { 4 } else { 3 };
    let [title, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(detail_h),
    ])
    .areas(area);

    let problems: usize = blocks
        .iter()
        .flat_map(|b| &b.checks)
        .map(|c| (c.counts.fail + c.counts.error + c.counts.warn) as usize)
        .sum();
    let q = state.query(crate::state::Screen::Directory);
    let mut t = format!(
        " Directory · {} director{} · {problems} problem{}",
        blocks.len(),
        if blocks.len() == 1 { "y" } else { "ies" },
        if problems == 1 { "" } else { "s" }
    );
    if !q.is_empty() {
        t.push_str(&format!(" · \"{q}\""));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(cut(&t, width), theme.heading())),
        title,
    );

    let check_w = 23;
    let who_w = width.saturating_sub(2 + 7 + check_w);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let mut last_block = None;
    for (pos, (b, c)) in rows.iter().enumerate() {
        let block = &blocks[*b];
        if last_block != Some(*b) {
            last_block = Some(*b);
            lines.push(Line::from(vec![
                Span::styled(format!(" {}", block.name), theme.heading()),
                Span::styled(
                    cut(
                        &format!("  {}", block.source),
                        width.saturating_sub(block.name.chars().count() + 1),
                    ),
                    theme.dim(),
                ),
            ]));
        }
        let check = &block.checks[*c];
        let sel = pos == state.directory;
        if sel {
            selected_line = lines.len();
        }
        let short = check.column;
        let mut spans = vec![
            Span::raw(if sel { "› " } else { "  " }),
            match check.status {
                Some(s) => Span::styled(fit(status_word(s), 7), theme.status(s)),
                None => Span::styled(fit("—", 7), theme.dim()),
            },
            Span::raw(fit(short, check_w)),
        ];
        if check.who.is_empty() {
            let s = match check.status {
                None => "not reported for this directory".to_string(),
                Some(_) => check.summary.clone(),
            };
            spans.push(Span::styled(cut(&s, who_w), theme.dim()));
        } else {
            spans.push(Span::raw(names(&check.who, who_w)));
        }
        lines.push(row(spans, sel, theme));
    }
    if rows.is_empty() {
        lines.push(empty_list(
            q.is_empty(),
            "  No directory was checked in the latest audit (add [[directory]] to caretaker.toml).",
            "  Nothing matches the search (x clears it).",
            theme,
        ));
    }
    let height = usize::from(list.height);
    let start = scroll_start(selected_line, lines.len(), height);
    frame.render_widget(
        Paragraph::new(
            lines
                .into_iter()
                .skip(start)
                .take(height)
                .collect::<Vec<_>>(),
        ),
        list,
    );

    // The selected check: its worst finding in words.
    let Some((b, c)) = rows.get(state.directory) else {
        return;
    };
    let check = &blocks[*b].checks[*c];
    let head = format!(
        "─ {} on {} · {} ",
        check.check,
        blocks[*b].name,
        match check.status {
            Some(Status::Pass) => "all pass".to_string(),
            Some(_) => crate::model::counts_words(&check.counts),
            None => "no findings".to_string(),
        }
    );
    let mut out = vec![Line::styled(cut(&head, width), theme.accent())];
    for l in wrap(&check.summary, width.saturating_sub(2))
        .into_iter()
        .take(usize::from(detail_h) - 1)
    {
        out.push(Line::raw(format!("  {l}")));
    }
    frame.render_widget(Paragraph::new(out), detail);
}
