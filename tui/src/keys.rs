//! The keys, defined once: [`KEYS`] drives the key handler, the footer and the `?` help screen,
//! so the help cannot say what the keys do not do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::Action;
use crate::state::{Screen, State};

/// A key as the console names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Backspace,
}

impl Key {
    /// How the help and the footer write it.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{c}"),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "Shift-Tab".into(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Backspace => "Backspace".into(),
        }
    }

    /// The key of a terminal event (key presses only; releases and repeats of releases are not
    /// keys).
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        Some(match ev.code {
            KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Tab => Key::Tab,
            KeyCode::BackTab => Key::BackTab,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Backspace => Key::Backspace,
            _ => return None,
        })
    }
}

/// One key binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub key: Key,
    /// The vim alternative, if any.
    pub vim: Option<Key>,
    pub action: Action,
    /// What it does, for the help screen.
    pub help: &'static str,
    /// The screens it works on; empty for everywhere.
    pub screens: &'static [Screen],
    /// Its footer hint (keys as shown, then a word), if it has one.
    pub footer: Option<&'static str>,
}

const ALL: &[Screen] = &[];
const COMPLIANCE: &[Screen] = &[Screen::Compliance];
const FINDINGS: &[Screen] = &[Screen::Findings];
const HOSTS: &[Screen] = &[Screen::Hosts];
const DIRECTORY: &[Screen] = &[Screen::Directory];
const FILTER: &[Screen] = &[Screen::Filter];
const RUNS: &[Screen] = &[Screen::Runs];
const ASSESSMENTS: &[Screen] = &[Screen::Assessments];
const SITES: &[Screen] = &[Screen::Sites];
const ATTESTATIONS: &[Screen] = &[Screen::Attestations];

const fn b(
    key: Key,
    vim: Option<Key>,
    action: Action,
    help: &'static str,
    screens: &'static [Screen],
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        key,
        vim,
        action,
        help,
        screens,
        footer,
    }
}

/// Every key of the console.
#[rustfmt::skip]
pub const KEYS: &[Binding] = &[
    b(Key::Down, Some(Key::Char('j')), Action::Down, "move down", ALL, Some("↑↓ move")),
    b(Key::Up, Some(Key::Char('k')), Action::Up, "move up", ALL, None),
    b(Key::Home, Some(Key::Char('g')), Action::Top, "first row", ALL, None),
    b(Key::End, Some(Key::Char('G')), Action::Bottom, "last row", ALL, None),
    b(Key::PageDown, Some(Key::Ctrl('d')), Action::PageDown, "page down", ALL, None),
    b(Key::PageUp, Some(Key::Ctrl('u')), Action::PageUp, "page up", ALL, None),
    b(Key::Right, Some(Key::Char('l')), Action::Right, "next vantage point (Filter), else next screen", ALL, None),
    b(Key::Left, Some(Key::Char('h')), Action::Left, "previous vantage point (Filter), else previous screen", ALL, None),
    b(Key::Tab, None, Action::NextScreen, "next screen", ALL, None),
    b(Key::BackTab, None, Action::PrevScreen, "previous screen", ALL, None),
    b(Key::Char('1'), None, Action::GoTo(Screen::Compliance), "Compliance: every clause of the policy", ALL, None),
    b(Key::Char('2'), None, Action::GoTo(Screen::Findings), "Findings: every finding, with its evidence", ALL, None),
    b(Key::Char('3'), None, Action::GoTo(Screen::Hosts), "Hosts: one row per machine", ALL, None),
    b(Key::Char('4'), None, Action::GoTo(Screen::Directory), "Directory: checks and accounts per directory", ALL, None),
    b(Key::Char('5'), None, Action::GoTo(Screen::Filter), "Filter: test pages by vantage point", ALL, None),
    b(Key::Char('6'), None, Action::GoTo(Screen::Runs), "Runs: history, trend, what changed", ALL, None),
    b(Key::Char('7'), None, Action::GoTo(Screen::Assessments), "Risk assessments: the filter changes assessed", ALL, None),
    b(Key::Char('8'), None, Action::GoTo(Screen::Sites), "Site log: sites reported to be blocked or unblocked", ALL, None),
    b(Key::Char('9'), None, Action::GoTo(Screen::Attestations), "Attestations: the waivers and attestations in force, and expired", ALL, None),
    b(Key::Enter, None, Action::Open, "the findings of the clause", COMPLIANCE, Some("Enter findings")),
    b(Key::Enter, None, Action::Open, "the finding in full (evidence, fix, first and last seen)", FINDINGS, Some("Enter detail")),
    b(Key::Enter, None, Action::Open, "the findings of the machine", HOSTS, Some("Enter findings")),
    b(Key::Enter, None, Action::Open, "the findings of the check", DIRECTORY, Some("Enter findings")),
    b(Key::Enter, None, Action::Open, "the history of the result", FILTER, Some("Enter history")),
    b(Key::Enter, None, Action::Open, "what changed since the run before (or between two marked)", RUNS, Some("Enter changes")),
    b(Key::Enter, None, Action::Open, "the assessment in full over the list (↑↓ scroll; Enter or Esc back)", ASSESSMENTS, Some("Enter full")),
    b(Key::Enter, None, Action::Open, "the entry in full over the list (↑↓ scroll; Enter or Esc back)", SITES, Some("Enter full")),
    b(Key::Enter, None, Action::Open, "the waiver or attestation in full (↑↓ scroll; Enter or Esc back)", ATTESTATIONS, Some("Enter full")),
    b(Key::Char(' '), None, Action::ToggleMark, "mark a run; with two marked, what changed between them", RUNS, Some("Space mark")),
    b(Key::Char('n'), None, Action::NewAssessment, "record a risk assessment of a filter change", ASSESSMENTS, Some("n new")),
    b(Key::Char('n'), None, Action::NewAssessment, "record a risk assessment of the selected site", SITES, Some("n assess")),
    b(Key::Char('v'), None, Action::Verify, "after the change is made: run the filter tests and record the run against the assessment", ASSESSMENTS, Some("v verify")),
    b(Key::Char('c'), None, Action::Correct, "correct the assessment (a new record that supersedes it; the old stays in the log)", ASSESSMENTS, Some("c correct")),
    b(Key::Char('c'), None, Action::Correct, "correct the entry, e.g. its resolution (a new entry that supersedes it)", SITES, Some("c correct")),
    b(Key::Char('e'), None, Action::NewSite, "enter a reported site (the Internet Site Log Sheet)", SITES, Some("e enter")),
    b(Key::Char('d'), None, Action::Withdraw, "withdraw the waiver or attestation (a reason; it stays in the log, marked withdrawn)", ATTESTATIONS, Some("d withdraw")),
    b(Key::Char('a'), None, Action::Attest, "attest the clause (one the policy map lets a person attest)", COMPLIANCE, Some("a attest")),
    b(Key::Char('v'), None, Action::CycleView, "view: the school's policy, the DfE standards, Cyber Essentials", COMPLIANCE, Some("v view")),
    b(Key::Char('w'), None, Action::Waive, "waive the finding until a date (justification, approved by)", FINDINGS, Some("w waive")),
    b(Key::Char('f'), None, Action::CycleStatus, "status filter: all, problems, fail, error, warn, waived, pass", FINDINGS, Some("f status")),
    b(Key::Char('s'), None, Action::CycleSort, "sort: worst first, check, target, severity", FINDINGS, Some("s sort")),
    b(Key::Char('/'), None, Action::Search, "search this list (Findings also: status: host: account: dir: check: clause: vantage:)", ALL, Some("/ search")),
    b(Key::Char('x'), None, Action::ClearFilters, "clear the search and filters of this screen", ALL, None),
    b(Key::Char('r'), None, Action::AuditAll, "audit everything now", ALL, Some("r audit")),
    b(Key::Char('R'), None, Action::AuditSelection, "audit the selection now (clause's checks, check, machine)", ALL, None),
    b(Key::Ctrl('r'), None, Action::Reload, "reload from the store", ALL, None),
    b(Key::Char('?'), None, Action::Help, "this help", ALL, Some("? help")),
    b(Key::Esc, None, Action::Back, "back: close what is open, leave a drill-down (never quits: q does)", ALL, None),
    b(Key::Char('q'), None, Action::Quit, "quit", ALL, Some("q quit")),
    b(Key::Ctrl('c'), None, Action::Quit, "quit", ALL, None),
];

/// The keys of the forms (risk assessment, site log, waiver, attestation) (any other character is typed into the line).
#[rustfmt::skip]
pub const FORM_KEYS: &[Binding] = &[
    b(Key::Tab, Some(Key::Down), Action::FormNext, "next line of the form", ALL, Some("Tab/↑↓ line")),
    b(Key::BackTab, Some(Key::Up), Action::FormPrev, "previous line of the form", ALL, None),
    b(Key::Right, None, Action::FormCycle(true), "next choice (change, risk level, decision, recommendation)", ALL, Some("←→ choose")),
    b(Key::Left, None, Action::FormCycle(false), "previous choice", ALL, None),
    b(Key::Char(' '), None, Action::FormInput(' '), "next choice on a choice line; a space in text", ALL, None),
    b(Key::Backspace, None, Action::FormBackspace, "delete the last character (clears a choice)", ALL, None),
    b(Key::Ctrl('s'), None, Action::FormSave, "check every line and save; nothing is saved until all are right", ALL, Some("Ctrl-s save")),
    b(Key::Esc, None, Action::FormCancel, "cancel: nothing is saved", ALL, Some("Esc cancel")),
    b(Key::Ctrl('c'), None, Action::Quit, "quit (nothing is saved)", ALL, None),
];

impl Binding {
    /// True if the binding works on `screen`.
    pub fn on(&self, screen: Screen) -> bool {
        self.screens.is_empty() || self.screens.contains(&screen)
    }

    /// "↓ j", "Enter".
    pub fn keys_label(&self) -> String {
        match self.vim {
            Some(v) => format!("{} {}", self.key.label(), v.label()),
            None => self.key.label(),
        }
    }
}

/// What `key` means in `state`: the form's keys and typing while a form is open, typing while a
/// search is open, else the key table.
pub fn action_for(key: Key, state: &State) -> Option<Action> {
    if state.form.is_some() || state.record_form.is_some() || state.site_form.is_some() {
        return FORM_KEYS
            .iter()
            .find(|b| b.key == key || b.vim == Some(key))
            .map(|b| b.action.clone())
            .or(match key {
                Key::Char(c) => Some(Action::FormInput(c)),
                _ => None,
            });
    }
    if state.search.is_some() {
        return match key {
            Key::Enter => Some(Action::SearchDone),
            Key::Esc => Some(Action::SearchCancel),
            Key::Backspace => Some(Action::SearchBackspace),
            Key::Char(c) => Some(Action::SearchInput(c)),
            Key::Ctrl('c') => Some(Action::Quit),
            Key::Up => Some(Action::Up),
            Key::Down => Some(Action::Down),
            _ => None,
        };
    }
    KEYS.iter()
        .find(|b| (b.key == key || b.vim == Some(key)) && b.on(state.screen))
        .map(|b| b.action.clone())
}

/// The footer hints for `screen`, in table order.
pub fn footer(screen: Screen) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|b| b.on(screen))
        .filter_map(|b| b.footer)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_on_one_screen() {
        for screen in Screen::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in KEYS.iter().filter(|b| b.on(screen)) {
                for k in std::iter::once(b.key).chain(b.vim) {
                    assert!(!seen.contains(&k), "{k:?} is bound twice on {screen:?}");
                    seen.push(k);
                }
            }
        }
    }

    #[test]
    fn no_form_key_means_two_things() {
        let mut seen: Vec<Key> = Vec::new();
        for b in FORM_KEYS {
            for k in std::iter::once(b.key).chain(b.vim) {
                assert!(!seen.contains(&k), "{k:?} is bound twice in the form");
                seen.push(k);
            }
        }
    }

    #[test]
    fn footers_name_their_keys() {
        for b in KEYS.iter().chain(FORM_KEYS) {
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
    fn keys_resolve_per_screen_and_while_searching() {
        let mut state = State::new(time::OffsetDateTime::UNIX_EPOCH, time::UtcOffset::UTC, true);
        assert_eq!(action_for(Key::Char('j'), &state), Some(Action::Down));
        assert_eq!(action_for(Key::Char('f'), &state), None);
        state.screen = Screen::Findings;
        assert_eq!(
            action_for(Key::Char('f'), &state),
            Some(Action::CycleStatus)
        );
        state.search = Some(crate::state::SearchEdit {
            before: String::new(),
        });
        assert_eq!(
            action_for(Key::Char('q'), &state),
            Some(Action::SearchInput('q'))
        );
        assert_eq!(action_for(Key::Esc, &state), Some(Action::SearchCancel));
    }
}
