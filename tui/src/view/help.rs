//! `?`: every key of the console, generated from the key table.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::keys::{FORM_KEYS, KEYS};
use crate::state::{Screen, State};
use crate::view::text::{cut, fit, wrap, Theme};

/// The help's lines: keys that work everywhere, then each screen's own.
pub fn lines(width: usize, current: Screen, theme: &Theme) -> Vec<Line<'static>> {
    let on = |s: Screen| -> Vec<&crate::keys::Binding> {
        KEYS.iter()
            .filter(|b| !b.screens.is_empty() && b.screens.contains(&s))
            .collect()
    };
    // This screen's own keys first, then those that work everywhere, then the other screens'.
    let mut groups: Vec<(String, Vec<&crate::keys::Binding>)> = vec![
        (format!("On {} (this screen)", current.title()), on(current)),
        (
            "Everywhere".to_string(),
            KEYS.iter().filter(|b| b.screens.is_empty()).collect(),
        ),
    ];
    for s in Screen::ALL.iter().copied().filter(|s| *s != current) {
        groups.push((format!("On {}", s.title()), on(s)));
    }
    groups.push((
        "In a form (other keys type into the line)".to_string(),
        FORM_KEYS.iter().collect(),
    ));
    groups.retain(|(_, b)| !b.is_empty());
    let groups = groups
        .into_iter()
        .map(|(title, bindings)| {
            let keys = bindings.iter().map(|b| (b.keys_label(), b.help)).collect();
            (title, keys)
        })
        .collect();
    key_lines(groups, 13, width, theme)
}

/// Groups of keys as help lines: each group's title, then each key (its label in a column
/// `key_w` wide, what it does) with what it does wrapped beside it.
pub(crate) fn key_lines(
    groups: Vec<(String, Vec<(String, &'static str)>)>,
    key_w: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (title, keys) in groups {
        out.push(Line::styled(format!(" {title}"), theme.heading()));
        for (label, help) in keys {
            let mut first = true;
            for l in wrap(help, width.saturating_sub(key_w + 3).max(10)) {
                let head = if first {
                    fit(&label, key_w)
                } else {
                    " ".repeat(key_w)
                };
                first = false;
                out.push(Line::from(vec![
                    Span::styled(format!("   {head}"), theme.accent()),
                    Span::raw(l),
                ]));
            }
        }
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: &Theme) {
    draw_box(
        frame,
        area,
        " Keys (from the key table) · ↑↓ scroll · Esc or ? closes ",
        |width| lines(width, state.screen, theme),
        scroll,
        theme,
    );
}

/// Help in a box titled `title`: the `lines` made for its inner width, from the `scroll`th, with
/// how many more there are below.
pub(crate) fn draw_box(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: impl FnOnce(usize) -> Vec<Line<'static>>,
    scroll: u16,
    theme: &Theme,
) {
    let block = Block::bordered().title(Span::styled(
        cut(title, usize::from(area.width.saturating_sub(4))),
        theme.accent(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let all = lines(usize::from(inner.width));
    let height = usize::from(inner.height);
    let start = usize::from(scroll).min(all.len().saturating_sub(height));
    let mut shown: Vec<Line> = all.iter().skip(start).take(height).cloned().collect();
    if all.len() > start + height && !shown.is_empty() {
        if let Some(last) = shown.last_mut() {
            *last = Line::styled(
                format!("   … {} more (↓)", all.len() - start - height + 1),
                theme.dim(),
            );
        }
    }
    frame.render_widget(Paragraph::new(shown), inner);
}
