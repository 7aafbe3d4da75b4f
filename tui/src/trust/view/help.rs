//! `?`: every key of the trust console, generated from its key table and drawn as the school
//! console's help is.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

use crate::view::help::{draw_box, key_lines};
use crate::view::text::{wrap, Theme};

use super::super::keys::{TrustBinding, TRUST_KEYS};
use super::super::state::TrustScreen;

/// The help's lines: that nothing here writes, this screen's keys, those that work everywhere,
/// then the other screens'.
pub fn lines(width: usize, current: TrustScreen, theme: &Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = wrap(
        "The trust's view is read-only: audits, waivers, attestations and risk assessments are made in each school's own console.",
        width.saturating_sub(2).max(10),
    )
    .into_iter()
    .map(|l| Line::styled(format!(" {l}"), theme.dim()))
    .collect();
    let on = |s: TrustScreen| -> Vec<&TrustBinding> {
        TRUST_KEYS
            .iter()
            .filter(|b| !b.screens.is_empty() && b.screens.contains(&s))
            .collect()
    };
    let mut groups: Vec<(String, Vec<&TrustBinding>)> = vec![
        (format!("On {} (this screen)", current.title()), on(current)),
        (
            "Everywhere".to_string(),
            TRUST_KEYS.iter().filter(|b| b.screens.is_empty()).collect(),
        ),
    ];
    for s in TrustScreen::ALL.iter().copied().filter(|s| *s != current) {
        groups.push((format!("On {}", s.title()), on(s)));
    }
    groups.retain(|(_, b)| !b.is_empty());
    let groups = groups
        .into_iter()
        .map(|(title, bindings)| {
            let keys = bindings.iter().map(|b| (b.keys_label(), b.help)).collect();
            (title, keys)
        })
        .collect();
    out.extend(key_lines(groups, 15, width, theme));
    out
}

pub fn draw(frame: &mut Frame, area: Rect, current: TrustScreen, scroll: u16, theme: &Theme) {
    draw_box(
        frame,
        area,
        " Keys · ↑↓ scroll · Esc or ? closes ",
        |width| lines(width, current, theme),
        scroll,
        theme,
    );
}
