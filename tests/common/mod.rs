//! Helpers shared by the console's tests: the sample school loaded through the update loop.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use caretaker_sample::{self as sample, Sample};
use caretaker_tui::action::Action;
use caretaker_tui::app::answer;
use caretaker_tui::state::State;
use caretaker_tui::update::update;

/// Applies `action` and answers every effect from the sample, until nothing is left to do.
pub fn act(state: &mut State, source: &Sample, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in update(state, a) {
            if let Some(answer) = answer(source, effect) {
                queue.push(answer);
            }
        }
    }
}

/// The console over the sample school, loaded, at `w`×`h`.
pub fn console(w: u16, h: u16) -> (State, Sample) {
    let source = Sample::new().expect("the sample school opens");
    let mut state = State::new(sample::now(), time::UtcOffset::UTC, true);
    act(&mut state, &source, Action::Resize(w, h));
    act(&mut state, &source, Action::Reload);
    (state, source)
}

/// Runs `scope` through the sample's API as the console's audit thread does, and returns every
/// event up to the verdict. The sample's vantage points name a proxy on a closed loopback port,
/// so the filter tests end quickly, each as an error.
pub fn audit(source: &Sample, scope: caretaker_api::AuditScope) -> Vec<caretaker_api::AuditEvent> {
    use caretaker_api::{Api, AuditEvent, Trigger};
    let mut handle = source
        .start_audit(scope, Trigger::Console)
        .expect("the audit starts");
    let mut events = Vec::new();
    while let Some(ev) = handle.events.blocking_recv() {
        let last = matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
        events.push(ev);
        if last {
            break;
        }
    }
    drop(handle.cancel);
    events
}

/// Runs the audit `effect` asks for (which must be one) and applies its events to `state`.
pub fn run_audit(state: &mut State, source: &Sample, effect: caretaker_tui::action::Effect) {
    let caretaker_tui::action::Effect::StartAudit(scope) = effect else {
        panic!("not an audit: {effect:?}");
    };
    for ev in audit(source, scope) {
        act(state, source, Action::Audit(ev));
    }
}
