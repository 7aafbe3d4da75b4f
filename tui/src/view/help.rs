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
    let key_w = 13;
    let mut out = Vec::new();
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
    for (title, bindings) in groups {
        out.push(Line::styled(format!(" {title}"), theme.heading()));
        for b in bindings {
            let mut first = true;
            for l in wrap(b.help, width.saturating_sub(key_w + 3).max(10)) {
                let head = if first {
                    fit(&b.keys_label(), key_w)
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
    let block = Block::bordered().title(Span::styled(
        cut(
            " Keys (from the key table) · ↑↓ scroll · Esc or ? closes ",
            usize::from(area.width.saturating_sub(4)),
        ),
        theme.accent(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let all = lines(usize::from(inner.width), state.screen, theme);
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
