//! Asking the source for data: everything again, and what a screen shows but is not loaded.

use crate::action::Effect;
use crate::state::{Loadable, Screen, State};

use super::seen_key;

/// Everything again from the source; what is on screen stays until the answers arrive. The
/// picture first; the runs (a year of them: slower) when it is in.
pub fn reload(state: &mut State) -> Vec<Effect> {
    state.picture_request += 1;
    if state.picture.ready().is_none() {
        state.picture = Loadable::Loading;
    }
    if state.runs.ready().is_none() {
        state.runs = Loadable::Loading;
    }
    state.runs_pending = true;
    state.seen.clear();
    state.filter.history = None;
    let mut effects = vec![Effect::LoadPicture {
        request: state.picture_request,
    }];
    // The filter-change log again if it was loaded (else when its screen is first shown).
    if !matches!(state.changes, Loadable::Idle | Loadable::Loading) {
        if state.changes.ready().is_none() {
            state.changes = Loadable::Loading;
        }
        effects.push(Effect::LoadChanges);
    }
    effects
}

/// When the Findings screen shows a finding whose first / last seen is not known, ask for it.
pub(super) fn want_seen(state: &mut State) -> Option<Effect> {
    if state.screen != Screen::Findings {
        return None;
    }
    let i = state.selected_finding()?;
    let f = state.picture()?.findings.get(i)?.clone();
    let key = seen_key(&f);
    if state.seen.contains_key(&key) {
        return None;
    }
    state.seen.insert(key.clone(), Loadable::Loading);
    Some(Effect::LoadSeen {
        key,
        finding: Box::new(f),
    })
}

/// When a screen of the log of records is shown (or a waiver or attestation is being entered)
/// and the log is not loaded, ask for it.
pub(super) fn want_changes(state: &mut State) -> Option<Effect> {
    let shown = matches!(
        state.screen,
        Screen::Assessments | Screen::Sites | Screen::Attestations
    ) || state.record_form.is_some();
    if !shown || !matches!(state.changes, Loadable::Idle) {
        return None;
    }
    state.changes = Loadable::Loading;
    Some(Effect::LoadChanges)
}
