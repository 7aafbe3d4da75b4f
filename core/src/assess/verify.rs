//! Checking the filter after a change: whether it can be checked, and recording the check.

use crate::store::{Store, StoreError};

/// The checks whose findings say the must-block list is still blocked after a change.
pub const MUST_BLOCK_CHECKS: &[&str] = &[
    caretaker_checks::filter::classify::MUST_BLOCK,
    caretaker_checks::filter::classify::CATEGORIES,
];

use super::append::refused;
use super::{add_verification, verifiable, StoredRecord, Verification};

/// Judges run `run`'s filter findings for risk assessment `assessment` and appends the
/// verification that links them (the CLI's `assess check-filter` and the console's `v`); refused
/// unless the assessment is [`verifiable`] today.
pub fn verify_with_run(
    store: &Store,
    assessment: i64,
    run: i64,
    entered_by: &str,
) -> Result<(StoredRecord, Verification), StoreError> {
    let Some(target) = store.record(assessment)? else {
        return Err(refused(format!(
            "there is no risk assessment #{assessment} (see `caretaker assess list`)"
        )));
    };
    verifiable(&target, store.clock().today()).map_err(refused)?;
    let record = store
        .run(Some(run))?
        .ok_or_else(|| refused(format!("run {run} is not in the store")))?;
    if record.state == crate::store::RunState::Running {
        return Err(refused(format!(
            "run {run} has not finished; a filter check is recorded only for a finished run"
        )));
    }
    let findings = store.findings(run)?;
    let v = Verification::from_run(assessment, &record, &findings, MUST_BLOCK_CHECKS);
    let stored = add_verification(store, &v, entered_by)?;
    Ok((stored, v))
}
