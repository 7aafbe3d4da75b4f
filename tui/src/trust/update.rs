//! `update(state, action) -> effects` for the trust console: a plain function, no I/O. An opened
//! school's own screens are moved through by the school console's own [`crate::update::update`],
//! given only the actions that read.

use caretaker_api::trust::TrustView;
use caretaker_api::Catalogue;

use crate::action::{Action, Effect};
use crate::model::Picture;
use crate::state::{Loadable, Message, Screen, State};

use super::data::{group_of, Trust};
use super::state::{Opened, TrustScreen, TrustState};

/// Everything that changes the trust console's state.
#[derive(Debug, Clone)]
pub enum TrustAction {
    // What keys mean (see `super::keys::TRUST_KEYS`).
    Quit,
    /// Close the help, leave a school's finding or findings, or go back to the list of schools.
    Back,
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Enter: open the selected school (or, in a school, its selected clause's findings).
    Open,
    /// The Filter screen from the Schools screen, and back.
    Filter,
    Help,
    /// Read the trust's database again.
    Refresh,

    // Time and terminal.
    Tick(time::OffsetDateTime),
    Resize(u16, u16),

    /// The trust's database was read (or why not).
    Loaded {
        request: u64,
        result: Result<Box<Trust>, String>,
    },
}

/// What `update` asks the console to do, off the UI task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustEffect {
    /// Read the trust's database ([`TrustAction::Loaded`] with the same `request`).
    Load { request: u64 },
}

/// What a finding's first and last sighting says in the trust's view.
pub const SEEN_UNKNOWN: &str =
    "the trust's view has each school's current picture only; the school's own console has its history";

/// The answer to [`TrustEffect::Load`]: the trust's database read by `load` (which may block),
/// worked out for the screens.
pub fn read(
    load: &(dyn Fn() -> Result<TrustView, String> + Send + Sync),
    catalogue: Catalogue,
    request: u64,
) -> TrustAction {
    TrustAction::Loaded {
        request,
        result: load().map(|v| Box::new(Trust::new(v, catalogue))),
    }
}

fn say(state: &mut TrustState, text: impl Into<String>, error: bool) {
    state.message = Some(Message {
        text: text.into(),
        error,
    });
}

/// How many rows PageUp / PageDown move.
fn page(state: &TrustState) -> isize {
    state.size.1.saturating_sub(10).max(5) as isize
}

/// Applies `action` to `state`; returns what the console must do.
pub fn update(state: &mut TrustState, action: TrustAction) -> Vec<TrustEffect> {
    let is_key = !matches!(
        action,
        TrustAction::Tick(_) | TrustAction::Resize(..) | TrustAction::Loaded { .. }
    );
    if is_key {
        state.message = None;
    }
    let effects = apply(state, action);
    clamp(state);
    effects
}

fn apply(state: &mut TrustState, action: TrustAction) -> Vec<TrustEffect> {
    match action {
        TrustAction::Quit => state.quit = true,
        TrustAction::Help => {
            state.help = match state.help {
                Some(_) => None,
                None => Some(0),
            }
        }
        TrustAction::Back => back(state),
        TrustAction::Up => move_by(state, -1, Action::Up),
        TrustAction::Down => move_by(state, 1, Action::Down),
        TrustAction::PageUp => move_by(state, -page(state), Action::PageUp),
        TrustAction::PageDown => move_by(state, page(state), Action::PageDown),
        TrustAction::Top => move_by(state, isize::MIN / 2, Action::Top),
        TrustAction::Bottom => move_by(state, isize::MAX / 2, Action::Bottom),
        TrustAction::Left => sideways(state, -1, Action::Left),
        TrustAction::Right => sideways(state, 1, Action::Right),
        TrustAction::Open => open(state),
        TrustAction::Filter => {
            state.help = None;
            state.screen = match state.screen {
                TrustScreen::Schools => TrustScreen::Filter,
                TrustScreen::Filter => TrustScreen::Schools,
                TrustScreen::School => TrustScreen::School,
            };
        }
        TrustAction::Refresh => return refresh(state),
        TrustAction::Tick(now) => {
            state.now = now;
            in_school(state, Action::Tick(now));
        }
        TrustAction::Resize(w, h) => {
            state.size = (w, h);
            in_school(state, Action::Resize(w, h));
        }
        TrustAction::Loaded { request, result } => loaded(state, request, result),
    }
    Vec::new()
}

/// Reads the trust's database again; what is on screen stays until the answer arrives.
pub fn refresh(state: &mut TrustState) -> Vec<TrustEffect> {
    state.request += 1;
    state.reading = true;
    if state.trust.ready().is_none() {
        state.trust = Loadable::Loading;
    }
    vec![TrustEffect::Load {
        request: state.request,
    }]
}

fn loaded(state: &mut TrustState, request: u64, result: Result<Box<Trust>, String>) {
    if request != state.request {
        return;
    }
    state.reading = false;
    match result {
        Ok(t) => {
            state.trust = Loadable::Ready(t);
            state.read_at = Some(state.now);
            reopen(state);
        }
        Err(e) => match &state.trust {
            Loadable::Ready(_) => say(
                state,
                format!("Could not read the trust's database again: {e}. The screen shows the last read."),
                true,
            ),
            _ => state.trust = Loadable::Failed(e),
        },
    }
}

/// After a new read: the opened school shows its new picture, or is closed if it is gone.
fn reopen(state: &mut TrustState) {
    let Some(opened) = state.opened.as_mut() else {
        return;
    };
    let school = state.trust.ready().and_then(|t| {
        t.view
            .schools
            .iter()
            .find(|s| s.id == opened.id)
            .map(|s| (s, &t.catalogue))
    });
    let why = match school {
        Some((s, c)) if s.overview.latest.is_some() => {
            let p = Picture::from_overview(s.overview.clone(), c.clone());
            opened.console.picture = Loadable::Ready(Box::new(p));
            let size = state.size;
            in_school(state, Action::Resize(size.0, size.1));
            return;
        }
        Some(_) => "has no audit in the trust's view now",
        None => "is no longer in the trust's view",
    };
    let name = opened.name.clone();
    state.screen = opened.from;
    state.opened = None;
    say(state, format!("{name} {why}: back to the list."), true);
}

/// Applies a reading `action` to the opened school's own console; what it asks to load that the
/// trust's view does not hold is answered at once, in words.
fn in_school(state: &mut TrustState, action: Action) {
    let Some(opened) = state.opened.as_mut() else {
        return;
    };
    let console = opened.console.as_mut();
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in crate::update::update(console, a) {
            if let Effect::LoadSeen { key, .. } = effect {
                queue.push(Action::SeenLoaded {
                    key,
                    result: Err(SEEN_UNKNOWN.to_string()),
                });
            }
        }
    }
}

fn step(v: usize, delta: isize, len: usize) -> usize {
    let v = v as isize + delta;
    v.clamp(0, len.saturating_sub(1) as isize) as usize
}

fn move_by(state: &mut TrustState, delta: isize, inner: Action) {
    if let Some(scroll) = state.help {
        state.help = Some(step(usize::from(scroll), delta, 200) as u16);
        return;
    }
    match state.screen {
        TrustScreen::Schools | TrustScreen::Filter => {
            state.selected = step(state.selected, delta, state.school_count());
        }
        TrustScreen::School => in_school(state, inner),
    }
}

fn sideways(state: &mut TrustState, delta: isize, inner: Action) {
    if state.help.is_some() {
        return;
    }
    match state.screen {
        TrustScreen::Schools => {
            let n = state.trust().map_or(0, |t| t.clauses().len());
            state.clause = step(state.clause, delta, n);
        }
        TrustScreen::Filter => {
            let n = state.trust().map_or(0, |t| t.groups.len());
            state.group = step(state.group, delta, n);
        }
        // Only the school's filter matrix has columns: elsewhere its console would change screen.
        TrustScreen::School => {
            if state
                .opened
                .as_ref()
                .is_some_and(|o| o.console.screen == Screen::Filter)
            {
                in_school(state, inner);
            }
        }
    }
}

fn back(state: &mut TrustState) {
    if state.help.take().is_some() {
        return;
    }
    match state.screen {
        TrustScreen::Schools => say(state, "Nothing is open to close: q quits.", false),
        TrustScreen::Filter => state.screen = TrustScreen::Schools,
        TrustScreen::School => {
            let Some(opened) = state.opened.as_ref() else {
                state.screen = TrustScreen::Schools;
                return;
            };
            let c = &opened.console;
            let open_inside =
                c.came_from.is_some() || (c.screen == Screen::Findings && c.findings.zoom);
            if open_inside {
                in_school(state, Action::Back);
            } else {
                state.screen = opened.from;
                state.opened = None;
            }
        }
    }
}

fn open(state: &mut TrustState) {
    if state.help.is_some() {
        return;
    }
    match state.screen {
        TrustScreen::Schools => open_school(state, Screen::Compliance),
        TrustScreen::Filter => open_school(state, Screen::Filter),
        TrustScreen::School => {
            let on_filter = state
                .opened
                .as_ref()
                .is_some_and(|o| o.console.screen == Screen::Filter);
            if on_filter {
                say(
                    state,
                    "The history of a result is in the school's own console: the trust's view has its latest results.",
                    false,
                );
            } else {
                in_school(state, Action::Open);
            }
        }
    }
}

/// Opens the selected school on its own `screen` (Compliance at the selected clause, or Filter
/// at the selected group's first vantage point).
fn open_school(state: &mut TrustState, screen: Screen) {
    let Some(t) = state.trust() else { return };
    let Some((school, _)) = t.school(state.selected) else {
        return;
    };
    if school.overview.latest.is_none() {
        let name = school.name.clone();
        say(
            state,
            format!("{name} has forwarded no audit yet: there is nothing to open."),
            false,
        );
        return;
    }
    let picture = Picture::from_overview(school.overview.clone(), t.catalogue.clone());
    let clause = t.clauses().get(state.clause).map(|c| c.id.clone());
    let group = t.groups.get(state.group).cloned();
    let (id, name) = (school.id.clone(), school.name.clone());
    let mut console = State::new(state.now, state.offset, state.color);
    console.size = state.size;
    console.screen = screen;
    console.compliance = clause
        .and_then(|id| picture.clauses.iter().position(|c| c.line.id == id))
        .unwrap_or(0);
    console.picture = Loadable::Ready(Box::new(picture));
    if let Some(g) = group {
        let m = console.filter_view();
        console.filter.col = m
            .vantages
            .iter()
            .position(|v| group_of(v) == g)
            .unwrap_or(0);
    }
    state.opened = Some(Opened {
        id,
        name,
        from: state.screen,
        console: Box::new(console),
    });
    state.screen = TrustScreen::School;
    let (w, h) = state.size;
    in_school(state, Action::Resize(w, h));
}

/// Keeps every selection inside its list.
fn clamp(state: &mut TrustState) {
    let (schools, clauses, groups) = state.trust().map_or((0, 0, 0), |t| {
        (t.view.schools.len(), t.clauses().len(), t.groups.len())
    });
    state.selected = state.selected.min(schools.saturating_sub(1));
    state.clause = state.clause.min(clauses.saturating_sub(1));
    state.group = state.group.min(groups.saturating_sub(1));
    if state.screen == TrustScreen::School && state.opened.is_none() {
        state.screen = TrustScreen::Schools;
    }
}
