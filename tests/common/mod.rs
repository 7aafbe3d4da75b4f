//! Helpers shared by the console's tests: the sample school loaded through the update loop.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use caretaker::sample::{self, Sample};
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
    let source = Sample::new();
    let mut state = State::new(sample::now(), time::UtcOffset::UTC, true);
    act(&mut state, &source, Action::Resize(w, h));
    act(&mut state, &source, Action::Reload);
    (state, source)
}
