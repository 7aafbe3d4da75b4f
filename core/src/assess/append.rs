//! Appending records to the log.

use serde::Serialize;

use crate::store::{Store, StoreError};

use super::{canonical_json, RecordKind, RiskAssessment, SiteLogEntry, StoredRecord, Verification};

pub(super) fn refused(msg: String) -> StoreError {
    StoreError::Refused(msg)
}

pub(super) fn to_value<T: Serialize>(v: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The body a record of `value` is stored with by [`Store::append_record`]: canonical JSON
/// (for building records outside the store, such as the console's sample log).
pub fn record_body<T: Serialize>(value: &T) -> Result<String, StoreError> {
    Ok(canonical_json(&to_value(value)?))
}

/// Appends a risk assessment entered by `entered_by` (the operating-system user). Refused (as
/// [`StoreError::Refused`]) when `from_site` is not a site-log entry or `supersedes` is not the
/// current version of an assessment.
pub fn add_assessment(
    store: &Store,
    a: &RiskAssessment,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    if let Some(site) = a.from_site {
        match store.record(site)? {
            Some(r) if r.kind == RecordKind::Site => {}
            Some(r) => {
                return Err(refused(format!(
                    "from_site: #{site} is a {}, not a site-log entry (see `caretaker sites list`)",
                    r.kind
                )))
            }
            None => {
                return Err(refused(format!(
                    "from_site: there is no record #{site} (see `caretaker sites list`)"
                )))
            }
        }
    }
    store.append_record(
        RecordKind::Assessment,
        &to_value(a)?,
        a.supersedes,
        entered_by,
    )
}

/// Appends a site-log entry.
pub fn add_site(
    store: &Store,
    s: &SiteLogEntry,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    store.append_record(RecordKind::Site, &to_value(s)?, s.supersedes, entered_by)
}

/// Appends a verification. Refused unless its assessment is a risk assessment.
pub fn add_verification(
    store: &Store,
    v: &Verification,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    match store.record(v.assessment)? {
        Some(r) if r.kind == RecordKind::Assessment => {}
        _ => {
            return Err(refused(format!(
                "there is no risk assessment #{} (see `caretaker assess list`)",
                v.assessment
            )))
        }
    }
    store.append_record(RecordKind::Verification, &to_value(v)?, None, entered_by)
}
