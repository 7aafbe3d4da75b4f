//! Checking the filter after a change (`v`), and the check saved.

use caretaker_model::records::{self as assess, StoredRecord};

use crate::action::Effect;
use crate::source::AuditScope;
use crate::state::{Screen, State};

use super::audit::start_audit_for;
use super::records::{log_ready, remember, selected_record};
use super::{complain, say};

/// `v`: the filter tests now, their run recorded against the selected (approved) assessment.
pub(super) fn verify(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Assessments {
        return Vec::new();
    }
    if !log_ready(state) {
        return Vec::new();
    }
    let Some(rec) = selected_record(state) else {
        complain(state, "No risk assessment is selected: nothing to verify.");
        return Vec::new();
    };
    let today = state.now.to_offset(state.offset).date();
    let a = match assess::verifiable(&rec, today) {
        Ok(a) => a,
        Err(why) => {
            complain(state, format!("{why}."));
            return Vec::new();
        }
    };
    let effects = start_audit_for(
        state,
        AuditScope {
            verifies: Some(rec.id),
            ..AuditScope::checks(vec!["filter".into()])
        },
        Some(rec.id),
    );
    if !effects.is_empty() {
        say(
            state,
            format!(
                "Running the web-filter tests for #{} ({}); the run is recorded against it when they finish.",
                rec.id,
                a.change.sentence()
            ),
        );
    }
    effects
}

pub(super) fn verification_saved(
    state: &mut State,
    result: Result<Box<StoredRecord>, String>,
) -> Vec<Effect> {
    let rec = match result {
        Err(e) => {
            complain(state, format!("The filter check was not recorded: {e}"));
            return Vec::new();
        }
        Ok(rec) => rec,
    };
    let text = match rec.verification() {
        Some(v) if v.must_block_passed => format!(
            "Recorded as #{}: the must-block list is still blocked after #{} ({} of {} must-block tests passed in run {}).",
            rec.id, v.assessment, v.passed, v.must_block_tests, v.run
        ),
        Some(v) if v.must_block_tests == 0 => format!(
            "Recorded as #{}: run {} holds no must-block tests, so it does NOT show the must-block list blocked after #{}.",
            rec.id, v.run, v.assessment
        ),
        Some(v) => format!(
            "Recorded as #{}: the must-block list is NOT all blocked after #{}: {} of {} must-block tests did not pass in run {}.",
            rec.id,
            v.assessment,
            v.must_block_tests - v.passed,
            v.must_block_tests,
            v.run
        ),
        None => format!("Recorded as #{}: {}", rec.id, rec.summary()),
    };
    match rec.verification() {
        Some(v) if v.must_block_passed => say(state, text),
        _ => complain(state, text),
    }
    remember(state, &rec);
    vec![Effect::LoadChanges]
}
