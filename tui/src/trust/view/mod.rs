//! Drawing the trust console: a pure function of the [`TrustState`]. Every status is a word
//! (RED, AMBER, GREEN, GREY; "2 fail", "OK"); colour is only added to it. Fits 80×24. An opened
//! school is drawn by the school console's own screens.

mod filter;
mod help;
mod schools;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::state::Loadable;
use crate::view::text::{self, ago, fit, when, when_text, Theme};

use super::keys;
use super::state::{TrustScreen, TrustState};

pub use help::lines as help_lines;

/// What the footer of an opened school says, always.
pub const READ_ONLY: &str = "read-only: the trust's view";

/// Draws the whole trust console.
pub fn draw(frame: &mut Frame, state: &TrustState) {
    let theme = Theme { color: state.color };
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, state, &theme);
    draw_tabs(frame, tabs, state, &theme);
    if let Some(scroll) = state.help {
        help::draw(frame, body, state.screen, scroll, &theme);
    } else {
        draw_body(frame, body, state, &theme);
    }
    draw_footer(frame, footer, state, &theme);
}

fn draw_body(frame: &mut Frame, area: Rect, state: &TrustState, theme: &Theme) {
    if state.screen == TrustScreen::School {
        if let Some(o) = &state.opened {
            return crate::view::draw_body(frame, area, &o.console, theme);
        }
    }
    let t = match &state.trust {
        Loadable::Ready(t) => t,
        Loadable::Idle | Loadable::Loading => {
            return notice(frame, area, "Reading the trust's database…", theme);
        }
        Loadable::Failed(e) => {
            return notice(
                frame,
                area,
                &format!("Could not read the trust's database: {e}. Press r to try again."),
                theme,
            );
        }
    };
    if t.view.schools.is_empty() {
        return notice(
            frame,
            area,
            "No school is in the trust's database yet (or none that this reader may see). A school appears once its caretaker forwards to the trust.",
            theme,
        );
    }
    match state.screen {
        TrustScreen::Filter => filter::draw(frame, area, state, t, theme),
        TrustScreen::Schools | TrustScreen::School => schools::draw(frame, area, state, t, theme),
    }
}

/// A message in the middle of an empty body.
fn notice(frame: &mut Frame, area: Rect, msg: &str, theme: &Theme) {
    let width = usize::from(area.width.saturating_sub(4)).max(10);
    let mut lines = vec![Line::raw("")];
    lines.extend(
        text::wrap(msg, width)
            .into_iter()
            .map(|l| Line::styled(format!("  {l}"), theme.heading())),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

/// A line with `left` cut to leave room for `right` at the end.
fn split_line(left: Span<'static>, right: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let right_w: usize = right.iter().map(|s| s.content.chars().count()).sum();
    let left_w = width.saturating_sub(right_w);
    let mut spans = vec![Span::styled(fit(&left.content, left_w), left.style)];
    spans.extend(right);
    Line::from(spans)
}

fn draw_header(frame: &mut Frame, area: Rect, state: &TrustState, theme: &Theme) {
    let mut right: Vec<Span> = Vec::new();
    let left = match (state.screen, &state.opened, state.trust()) {
        (TrustScreen::School, Some(o), _) => {
            if let Some(p) = o.console.picture() {
                if let Some((base, stale)) = crate::view::base_run(p, state.now) {
                    if stale {
                        right.push(Span::styled("STALE · ", theme.bad()));
                    }
                    right.push(Span::raw(format!(
                        "last audit: run {} · {} ({}) ",
                        base.id,
                        when(base.started_at, state.now, state.offset),
                        ago(base.started_at, state.now)
                    )));
                }
            }
            format!(" caretaker · trust · {}", o.name)
        }
        (_, _, Some(t)) => format!(" caretaker · trust · {}", t.meeting_words()),
        _ => " caretaker · trust".to_string(),
    };
    if state.screen != TrustScreen::School {
        if state.reading {
            right.push(Span::styled("reading… ", theme.dim()));
        } else if let Some(as_of) = state.trust().and_then(|t| t.view.as_of.as_deref()) {
            // A picture of an earlier time says which, rather than when it was read.
            right.push(Span::styled(
                format!("as of {} ", when_text(as_of, state.now, state.offset)),
                theme.accent(),
            ));
        } else if let Some(at) = state.read_at {
            right.push(Span::styled(
                format!("read {} ", when(at, state.now, state.offset)),
                theme.dim(),
            ));
        }
    }
    let line = split_line(
        Span::styled(left, theme.heading()),
        right,
        usize::from(area.width),
    );
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &TrustState, theme: &Theme) {
    let width = usize::from(area.width);
    let line = match (&state.opened, state.screen) {
        (Some(o), TrustScreen::School) => {
            let forwarded = state
                .trust()
                .and_then(|t| t.view.schools.iter().find(|s| s.id == o.id))
                .and_then(|s| s.forwarded_at.as_deref())
                .map(|at| format!("forwarded {} ", when_text(at, state.now, state.offset)))
                .unwrap_or_else(|| "never forwarded ".to_string());
            split_line(
                Span::styled(
                    format!(
                        " {} › {} › {}",
                        o.from.title(),
                        o.name,
                        o.console.screen.title()
                    ),
                    theme.accent(),
                ),
                vec![Span::styled(forwarded, theme.dim())],
                width,
            )
        }
        _ => {
            let mut spans = vec![Span::raw(" ")];
            for s in [TrustScreen::Schools, TrustScreen::Filter] {
                if s == state.screen {
                    spans.push(Span::styled(format!("[{}]", s.title()), theme.accent()));
                } else {
                    spans.push(Span::styled(format!(" {} ", s.title()), theme.dim()));
                }
                spans.push(Span::raw(" "));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &TrustState, theme: &Theme) {
    let width = usize::from(area.width);
    let message = state.message.as_ref().or_else(|| {
        state
            .opened
            .as_ref()
            .filter(|_| state.screen == TrustScreen::School)
            .and_then(|o| o.console.message.as_ref())
    });
    let line = if let Some(m) = message {
        let style = if m.error {
            theme.bad()
        } else {
            theme.heading()
        };
        Line::styled(
            format!(" {}", text::cut(&m.text, width.saturating_sub(1))),
            style,
        )
    } else {
        // The note that nothing here writes, then the screen's hints as they fit; help and quit
        // always.
        let mut hints = keys::footer(state.screen);
        let mut s = String::from(" ");
        if let (TrustScreen::School, Some(o)) = (state.screen, &state.opened) {
            s.push_str(READ_ONLY);
            s.push_str("  ");
            // On the school's filter tests Enter opens nothing (a result's history is the
            // school's own).
            if o.console.screen == crate::state::Screen::Filter {
                hints.retain(|h| !h.starts_with("Enter"));
            }
        }
        let (head, tail) = hints.split_at(hints.len().saturating_sub(2));
        // The tail's width, without the spaces after its last hint.
        let tail_w: usize = tail.iter().map(|h| h.chars().count()).sum::<usize>()
            + 2 * tail.len().saturating_sub(1);
        for hint in head {
            if s.chars().count() + hint.chars().count() + 2 + tail_w > width {
                break;
            }
            s.push_str(hint);
            s.push_str("  ");
        }
        for hint in tail {
            s.push_str(hint);
            s.push_str("  ");
        }
        Line::styled(text::cut(s.trim_end(), width), theme.dim())
    };
    frame.render_widget(Paragraph::new(line), area);
}
