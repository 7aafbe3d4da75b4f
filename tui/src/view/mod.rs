//! Drawing: a pure function of the [`State`]. Every status is a word (RED, AMBER, GREEN, GREY;
//! FAIL, WARN, PASS, ERROR); colour is only added to it. Fits 80×24.

mod changes;
mod compliance;
mod directory;
mod filter;
mod findings;
mod form;
pub(crate) mod help;
mod hosts;
mod runs;
pub mod text;

use caretaker_model::run::{RunState, Verdict};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::keys;
use crate::model::Picture;
use crate::state::{Loadable, Screen, State, STALE_AFTER};
use text::{ago, fit, when, Theme};

/// Draws the whole console.
pub fn draw(frame: &mut Frame, state: &State) {
    let theme = Theme { color: state.color };
    let audit_h = if state.audit.is_some() { 3 } else { 0 };
    let [header, tabs, body, audit, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(audit_h),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, state, &theme);
    draw_tabs(frame, tabs, state, &theme);
    if let Some(scroll) = state.help {
        help::draw(frame, body, state, scroll, &theme);
    } else {
        draw_body(frame, body, state, &theme);
    }
    if audit_h > 0 {
        draw_audit(frame, audit, state, &theme);
    }
    draw_footer(frame, footer, state, &theme);
}

/// The body of the current screen (what is between the tabs and the footer).
pub(crate) fn draw_body(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // The filter-change log does not need an audit.
    if let Some(f) = &state.form {
        let rule = state.changes().map(|c| c.consent_from).unwrap_or_default();
        return form::draw(frame, area, f, rule, theme);
    }
    if let Some(f) = &state.record_form {
        return form::draw_record(frame, area, f, theme);
    }
    if let Some(f) = &state.site_form {
        return form::draw_site(frame, area, f, theme);
    }
    match state.screen {
        Screen::Assessments => return changes::draw_assessments(frame, area, state, theme),
        Screen::Sites => return changes::draw_sites(frame, area, state, theme),
        Screen::Attestations => return changes::draw_attestations(frame, area, state, theme),
        _ => {}
    }
    let p = match &state.picture {
        Loadable::Ready(p) => p,
        Loadable::Idle | Loadable::Loading => {
            return notice(
                frame,
                area,
                "Reading the latest audit from the store…",
                theme,
            );
        }
        Loadable::Failed(e) => {
            return notice(
                frame,
                area,
                &format!("Could not read the store: {e}"),
                theme,
            );
        }
    };
    if p.latest.is_none() && state.screen != Screen::Runs {
        return notice(
            frame,
            area,
            "No audit has been stored yet. Press r to audit the school now (or run `caretaker audit`).",
            theme,
        );
    }
    match state.screen {
        Screen::Compliance => compliance::draw(frame, area, state, p, theme),
        Screen::Findings => findings::draw(frame, area, state, p, theme),
        Screen::Hosts => hosts::draw(frame, area, state, theme),
        Screen::Directory => directory::draw(frame, area, state, theme),
        Screen::Filter => filter::draw(frame, area, state, p, theme),
        Screen::Runs => runs::draw(frame, area, state, theme),
        Screen::Assessments | Screen::Sites | Screen::Attestations => {}
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

/// The run the picture is based on (its oldest: the latest complete full run), and whether it is
/// older than a night and two hours.
pub fn base_run(
    p: &Picture,
    now: time::OffsetDateTime,
) -> Option<(&caretaker_model::run::RunRecord, bool)> {
    let base = p.runs.last()?;
    let stale = now - base.started_at > STALE_AFTER;
    Some((base, stale))
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let school = state
        .picture()
        .map(|p| p.school.as_str())
        .unwrap_or_default();
    let left = if school.is_empty() {
        " caretaker".to_string()
    } else {
        format!(" caretaker · {school}")
    };
    let mut right: Vec<Span> = Vec::new();
    match state.picture() {
        None => right.push(Span::styled("loading… ", theme.dim())),
        Some(p) => match base_run(p, state.now) {
            None => right.push(Span::styled("no audit yet ", theme.bad())),
            Some((base, stale)) => {
                if stale {
                    right.push(Span::styled("STALE · ", theme.bad()));
                }
                right.push(Span::raw(format!(
                    "last audit: run {} · {} ({})",
                    base.id,
                    when(base.started_at, state.now, state.offset),
                    ago(base.started_at, state.now)
                )));
                let later = p.runs.len().saturating_sub(1);
                if later > 0 {
                    right.push(Span::raw(format!(
                        " + {later} later partial run{}",
                        if later == 1 { "" } else { "s" }
                    )));
                }
                right.push(Span::raw(" "));
            }
        },
    }
    let right_w: usize = right.iter().map(|s| s.content.chars().count()).sum();
    let left_w = usize::from(area.width).saturating_sub(right_w);
    let mut spans = vec![Span::styled(fit(&left, left_w), theme.heading())];
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let full: usize = Screen::ALL
        .iter()
        .map(|s| s.title().chars().count() + 4)
        .sum::<usize>()
        + 1;
    let narrow = full > usize::from(area.width);
    // Narrow: the short titles, one space between tabs (80 columns hold all nine).
    let mut spans = vec![Span::raw(" ")];
    for (i, s) in Screen::ALL.iter().enumerate() {
        let label = format!("{} {}", i + 1, if narrow { s.short() } else { s.title() });
        if narrow && i > 0 {
            spans.push(Span::raw(" "));
        }
        if *s == state.screen {
            spans.push(Span::styled(format!("[{label}]"), theme.accent()));
        } else if narrow {
            spans.push(Span::styled(label, theme.dim()));
        } else {
            spans.push(Span::styled(format!(" {label} "), theme.dim()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let width = usize::from(area.width);
    let choosing = match (&state.form, &state.site_form) {
        (Some(f), _) => Some(f.current().is_choice()),
        (None, Some(f)) => Some(f.is_choice()),
        (None, None) => state.record_form.as_ref().map(|_| false),
    };
    let line = if let (Some(choosing), None) = (choosing, &state.message) {
        // A form: what saving records, and under whose name.
        let user = state.changes().map(|c| c.user.as_str()).unwrap_or("you");
        let at = state.now.to_offset(state.offset);
        let mut s = format!(
            " Ctrl-s save (recorded as {user}, {}-{:02}-{:02} {:02}:{:02})  Esc cancel  Tab/↑↓ line",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        );
        if choosing {
            s.push_str("  ←→ Space choose");
        }
        Line::styled(text::cut(&s, width), theme.dim())
    } else if state.search.is_some() {
        Line::from(vec![
            Span::styled(" / ", theme.accent()),
            Span::raw(format!("{}█", state.query(state.screen))),
            Span::styled("  Enter keep · Esc cancel", theme.dim()),
        ])
    } else if let Some(m) = &state.message {
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
        // The screen's hints as they fit; help and quit always.
        let hints = keys::footer(state.screen);
        let (head, tail) = hints.split_at(hints.len().saturating_sub(2));
        let tail_w: usize = tail.iter().map(|h| h.chars().count() + 2).sum();
        let mut s = String::from(" ");
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

fn draw_audit(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(a) = &state.audit else { return };
    let run = a
        .run_id
        .map(|id| format!(" · run {id}"))
        .unwrap_or_default();
    let title = format!(
        " Audit of {}{run} · running {} ",
        a.scope,
        text::elapsed(state.now - a.started)
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.accent()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let first = if a.units == 0 {
        "  Starting: reading the configuration and recording the run…".to_string()
    } else {
        format!(
            "  {} of {} checked · {} finding{} so far, {} failing{}",
            a.done,
            a.units,
            a.findings,
            if a.findings == 1 { "" } else { "s" },
            a.failing,
            a.last_unit
                .as_deref()
                .map(|u| format!(" · last: {u}"))
                .unwrap_or_default()
        )
    };
    let bar_w = width.saturating_sub(10).min(60);
    let done = a.done.min(a.units);
    let filled = (bar_w * done).checked_div(a.units).unwrap_or(0);
    let pct = (100 * done).checked_div(a.units).unwrap_or(0);
    let bar = Line::from(vec![
        Span::raw("  "),
        Span::styled("█".repeat(filled), theme.accent()),
        Span::styled("░".repeat(bar_w - filled), theme.dim()),
        Span::raw(format!(" {pct:>3}%")),
    ]);
    frame.render_widget(
        Paragraph::new(vec![Line::raw(text::cut(&first, width)), bar]),
        inner,
    );
}

/// The overall verdict of the picture in words.
pub fn verdict(p: &Picture) -> (&'static str, bool) {
    if p.latest
        .as_ref()
        .is_some_and(|r| r.state == RunState::Running && p.runs.is_empty())
    {
        return ("RUNNING", false);
    }
    match Verdict::of(&p.findings) {
        Verdict::Compliant => ("COMPLIANT", true),
        Verdict::NonCompliant => ("NOT COMPLIANT", false),
        Verdict::Incomplete => ("INCOMPLETE", false),
    }
}

/// The help screen's lines (every binding of the key table), `width` wide, for `current` first.
pub fn help_lines(width: usize, current: Screen) -> Vec<Line<'static>> {
    help::lines(width, current, &Theme { color: false })
}
