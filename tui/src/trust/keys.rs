//! The trust console's keys, defined once: [`TRUST_KEYS`] drives the key handler, the footer and
//! the `?` help. It offers no key that writes: audits, waivers, attestations and risk assessments
//! are each school's own, in its own console.

use crate::keys::Key;

use super::state::{TrustScreen, TrustState};
use super::update::TrustAction;

/// One key binding of the trust console.
#[derive(Debug, Clone)]
pub struct TrustBinding {
    pub key: Key,
    /// The vim (or other) alternative, if any.
    pub alt: Option<Key>,
    pub action: TrustAction,
    /// What it does, for the help screen.
    pub help: &'static str,
    /// The screens it works on; empty for everywhere.
    pub screens: &'static [TrustScreen],
    /// Its footer hint (keys as shown, then a word), if it has one.
    pub footer: Option<&'static str>,
}

const ALL: &[TrustScreen] = &[];
const SCHOOLS: &[TrustScreen] = &[TrustScreen::Schools];
const FILTER: &[TrustScreen] = &[TrustScreen::Filter];
const SCHOOL: &[TrustScreen] = &[TrustScreen::School];
const INSIDE: &[TrustScreen] = &[TrustScreen::Filter, TrustScreen::School];

const fn b(
    key: Key,
    alt: Option<Key>,
    action: TrustAction,
    help: &'static str,
    screens: &'static [TrustScreen],
    footer: Option<&'static str>,
) -> TrustBinding {
    TrustBinding {
        key,
        alt,
        action,
        help,
        screens,
        footer,
    }
}

/// Every key of the trust console.
#[rustfmt::skip]
pub const TRUST_KEYS: &[TrustBinding] = &[
    b(Key::Down, Some(Key::Char('j')), TrustAction::Down, "move down", ALL, Some("↑↓ move")),
    b(Key::Up, Some(Key::Char('k')), TrustAction::Up, "move up", ALL, None),
    b(Key::Home, Some(Key::Char('g')), TrustAction::Top, "first row", ALL, None),
    b(Key::End, Some(Key::Char('G')), TrustAction::Bottom, "last row", ALL, None),
    b(Key::PageDown, Some(Key::Ctrl('d')), TrustAction::PageDown, "page down", ALL, None),
    b(Key::PageUp, Some(Key::Ctrl('u')), TrustAction::PageUp, "page up", ALL, None),
    b(Key::Right, Some(Key::Char('l')), TrustAction::Right, "next clause column", SCHOOLS, Some("←→ clause")),
    b(Key::Left, Some(Key::Char('h')), TrustAction::Left, "previous clause column", SCHOOLS, None),
    b(Key::Right, Some(Key::Char('l')), TrustAction::Right, "next group column", FILTER, Some("←→ group")),
    b(Key::Left, Some(Key::Char('h')), TrustAction::Left, "previous group column", FILTER, None),
    b(Key::Right, Some(Key::Char('l')), TrustAction::Right, "next vantage point (on the school's filter tests)", SCHOOL, None),
    b(Key::Left, Some(Key::Char('h')), TrustAction::Left, "previous vantage point (on the school's filter tests)", SCHOOL, None),
    b(Key::Enter, None, TrustAction::Open, "the school's own Compliance screen, at the selected clause (read-only)", SCHOOLS, Some("Enter open school")),
    b(Key::Enter, None, TrustAction::Open, "the school's own filter tests, page by vantage point (read-only)", FILTER, Some("Enter open school")),
    b(Key::Enter, None, TrustAction::Open, "the findings of the clause; on a finding, the finding in full", SCHOOL, Some("Enter open")),
    b(Key::Char('f'), None, TrustAction::Filter, "the filter tests of every school, by user group", SCHOOLS, Some("f filter")),
    b(Key::Char('f'), None, TrustAction::Filter, "back to the schools, clause by clause", FILTER, None),
    b(Key::Esc, Some(Key::Backspace), TrustAction::Back, "back: close the help, leave a finding or findings, return to the list of schools", INSIDE, Some("Esc back")),
    b(Key::Esc, Some(Key::Backspace), TrustAction::Back, "close the help (never quits: q does)", SCHOOLS, None),
    b(Key::Char('r'), None, TrustAction::Refresh, "read the trust's database again", ALL, Some("r refresh")),
    b(Key::Char('?'), None, TrustAction::Help, "this help", ALL, Some("? help")),
    b(Key::Char('q'), None, TrustAction::Quit, "quit", ALL, Some("q quit")),
    b(Key::Ctrl('c'), None, TrustAction::Quit, "quit", ALL, None),
];

impl TrustBinding {
    /// True if the binding works on `screen`.
    pub fn on(&self, screen: TrustScreen) -> bool {
        self.screens.is_empty() || self.screens.contains(&screen)
    }

    /// "↓ j", "Enter".
    pub fn keys_label(&self) -> String {
        match self.alt {
            Some(v) => format!("{} {}", self.key.label(), v.label()),
            None => self.key.label(),
        }
    }
}

/// What `key` means in `state`.
pub fn action_for(key: Key, state: &TrustState) -> Option<TrustAction> {
    TRUST_KEYS
        .iter()
        .find(|b| (b.key == key || b.alt == Some(key)) && b.on(state.screen))
        .map(|b| b.action.clone())
}

/// The footer hints for `screen`, in table order.
pub fn footer(screen: TrustScreen) -> Vec<&'static str> {
    TRUST_KEYS
        .iter()
        .filter(|b| b.on(screen))
        .filter_map(|b| b.footer)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_on_one_screen() {
        for screen in TrustScreen::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in TRUST_KEYS.iter().filter(|b| b.on(screen)) {
                for k in std::iter::once(b.key).chain(b.alt) {
                    assert!(!seen.contains(&k), "{k:?} is bound twice on {screen:?}");
                    seen.push(k);
                }
            }
        }
    }

    #[test]
    fn footers_name_their_keys() {
        for b in TRUST_KEYS {
            if let Some(f) = b.footer {
                let label = b.key.label();
                assert!(
                    f.starts_with(&label)
                        || (b.key == Key::Down && f.starts_with("↑↓"))
                        || (b.key == Key::Right && f.starts_with("←→")),
                    "footer {f:?} does not start with {label:?}"
                );
            }
        }
    }

    #[test]
    fn no_key_writes() {
        for b in TRUST_KEYS {
            for k in std::iter::once(b.key).chain(b.alt) {
                for writes in ['a', 'w', 'n', 'e', 'c', 'v', 'd', 'R'] {
                    assert_ne!(k, Key::Char(writes), "{} is bound", b.help);
                }
            }
        }
    }
}
