//! Whether the filter can be re-checked for a risk assessment now: the one rule every front end
//! applies.

use super::{Decision, RecordKind, RiskAssessment, StoredRecord};

/// Why the filter cannot be re-checked for a risk assessment now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecheckRefused {
    /// The record is not an approved change made by today (see [`verifiable`]): the reason.
    Record(String),
    /// No `[[filter.vantage]]` is configured: the filter cannot be tested from anywhere.
    NoVantagePoint,
}

impl std::fmt::Display for RecheckRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecheckRefused::Record(why) => f.write_str(why),
            RecheckRefused::NoVantagePoint => f.write_str(
                "no [[filter.vantage]] is configured, so the filter cannot be tested from anywhere",
            ),
        }
    }
}

impl std::error::Error for RecheckRefused {}

/// Whether the filter can be re-checked now, on `today`, for record `record` with `vantages`
/// vantage points configured: [`verifiable`], and somewhere to test from. The one rule for the
/// CLI's `assess check-filter` and the console's `v` (where the audit is started).
pub fn recheck(
    record: &StoredRecord,
    today: time::Date,
    vantages: usize,
) -> Result<RiskAssessment, RecheckRefused> {
    let a = verifiable(record, today).map_err(RecheckRefused::Record)?;
    if vantages == 0 {
        return Err(RecheckRefused::NoVantagePoint);
    }
    Ok(a)
}

/// Whether record `record` is a change whose filter can be checked now, on `today`: a readable
/// risk assessment, approved (a rejected or deferred change was never made), and not dated to be
/// applied after today (the filter would be tested before the change). The reason, in plain
/// English, when it is not. The one rule for the CLI's `assess check-filter` and the console's `v`.
pub fn verifiable(record: &StoredRecord, today: time::Date) -> Result<RiskAssessment, String> {
    if record.kind != RecordKind::Assessment {
        return Err(format!(
            "#{} is a {}, not a risk assessment (see `caretaker assess list`)",
            record.id,
            record
                .record_kind()
                .map(RecordKind::noun)
                .unwrap_or("record")
        ));
    }
    let Some(a) = record.assessment() else {
        return Err(format!(
            "#{} cannot be read as it was recorded (see `caretaker assess verify`)",
            record.id
        ));
    };
    if a.decision != Decision::Approve {
        return Err(format!(
            "#{} was {}: no change was made to the filter, so there is nothing to verify",
            record.id,
            a.decision.past()
        ));
    }
    if let Some(applied) = a.applied_on {
        if applied > today {
            return Err(format!(
                "#{}'s change is to be made on {applied}: check the filter once it has been made (on or after {applied}), or correct the date it was applied",
                record.id
            ));
        }
    }
    Ok(a)
}
