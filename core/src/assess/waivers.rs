//! Appending waivers and attestations, and their withdrawals, to the log.

use crate::store::{Store, StoreError};

use super::append::{refused, to_value};
use super::{
    withdrawal_of, Attestation, Expiring, NotWithdrawable, RecordKind, StoredRecord, Waiver,
};

/// Appends a waiver or an attestation (or, with `withdrawn` and `supersedes`, the withdrawal of
/// one).
pub fn add_expiring<T: Expiring>(
    store: &Store,
    record: &T,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    store.append_record(T::KIND, &to_value(record)?, record.supersedes(), entered_by)
}

/// Appends the withdrawal of waiver or attestation `id` (whichever it is) for `reason`, entered
/// by `entered_by`. Refused ([`StoreError::Refused`], in words) when it is neither, or is already
/// withdrawn.
pub fn withdraw(
    store: &Store,
    id: i64,
    reason: String,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    let log = store.log()?;
    let noun = "a waiver or an attestation";
    let refuse = |why: NotWithdrawable| refused(why.explain(id, noun));
    match log.get(id).and_then(StoredRecord::record_kind) {
        Some(RecordKind::Attestation) => {
            let a = withdrawal_of::<Attestation>(&log, id, reason).map_err(refuse)?;
            add_expiring(store, &a, entered_by)
        }
        _ => {
            let w = withdrawal_of::<Waiver>(&log, id, reason).map_err(refuse)?;
            add_expiring(store, &w, entered_by)
        }
    }
}

/// Appends a waiver (or, with `withdrawn` and `supersedes`, the withdrawal of one).
pub fn add_waiver(store: &Store, w: &Waiver, entered_by: &str) -> Result<StoredRecord, StoreError> {
    add_expiring(store, w, entered_by)
}

/// Appends an attestation (or, with `withdrawn` and `supersedes`, the withdrawal of one).
pub fn add_attestation(
    store: &Store,
    a: &Attestation,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    if let Some(review) = &a.review {
        let problems = review.problems();
        if !problems.is_empty() {
            return Err(StoreError::Refused(format!(
                "the yearly review cannot be recorded: {}",
                problems.join("; ")
            )));
        }
    }
    add_expiring(store, a, entered_by)
}
