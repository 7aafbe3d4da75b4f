//! A year of the sample school's nightly runs before its usual week (16 November 2025 to
//! 15 November 2026), for the leadership report: the same school night after night, with one
//! filter problem that came and went (the IWF test page reachable for pupils from 1 July to
//! 14 October 2026, fixed on the 15th) and its yearly review held in October.

use caretaker_api::{Api, ApiError};
use caretaker_checks::{ClauseMap, Finding, Severity, Status};
use caretaker_core::assess::{Attestation, Participant, ReviewDetails, ReviewRole, Waiver};
use caretaker_core::store::{fingerprint, NewRun, RunState, Store, Trigger, Verdict};
use caretaker_model::Clock;

use crate::{findings, SCHOOL};

/// How many nightly runs the year holds.
pub const DAYS: i64 = 365;

/// The first night of the year of history.
pub fn first_night() -> time::Date {
    time::macros::date!(2025 - 11 - 16)
}

/// The days the pupils' IWF test page loaded (the problem fixed mid-term), both included.
pub const IWF_OPEN: (time::Date, time::Date) = (
    time::macros::date!(2026 - 07 - 01),
    time::macros::date!(2026 - 10 - 14),
);

/// The findings of the night of `day`: the sample's first night, with the pupils' IWF test page
/// reachable while [`IWF_OPEN`].
fn night(map: &ClauseMap, day: time::Date) -> Vec<Finding> {
    let mut fs = findings::of_run(map, 1);
    if IWF_OPEN.0 <= day && day <= IWF_OPEN.1 {
        for f in fs.iter_mut().filter(|f| {
            f.check.as_str() == caretaker_checks::filter::MUST_BLOCK.id
                && f.target.scope == "pupil-wifi"
        }) {
            f.status = Status::Fail;
            f.severity = Severity::Critical;
            f.summary =
                "Pupils on pupil-wifi can reach the IWF test page: the filter does not block it."
                    .into();
            f.remediation = Some(caretaker_checks::filter::classify::fix_must_block(
                "iwf", "pupil",
            ));
        }
    }
    fs
}

/// Writes the year of nightly runs as the engine writes them; how many.
pub(crate) fn write(store: &Store, map: &ClauseMap, clock: &Clock) -> Result<i64, ApiError> {
    let err = |e: caretaker_core::store::StoreError| ApiError::Store(e.to_string());
    for n in 0..DAYS {
        let day = first_night() + time::Duration::days(n);
        let start = day
            .with_hms(2, 0, 1)
            .map_err(|e| ApiError::Store(e.to_string()))?;
        clock.set(start.assume_utc());
        let fs = night(map, day);
        let id = store
            .begin_run(&NewRun {
                trigger: Trigger::Cron,
                who: "root".into(),
                config_digest: "5f1c0e9a2b7d4c18e3f6a0b5c9d2e7f1a4b8c3d6e9f2a5b8c1d4e7f0a3b6c9d2"
                    .into(),
                school: SCHOOL.into(),
                only: Vec::new(),
            })
            .map_err(err)?;
        store.add_findings(id, &fs).map_err(err)?;
        clock.set(start.assume_utc() + time::Duration::seconds(95));
        store
            .finish_run(id, RunState::Complete, Some(Verdict::of(&fs)))
            .map_err(err)?;
    }
    Ok(DAYS)
}

fn at(text: &str) -> Result<time::OffsetDateTime, ApiError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| ApiError::Store(format!("the sample's time {text:?}: {e}")))
}

/// The year's records, entered through `api` at their times: the yearly review in October, and
/// a waiver of the library computer's old virus protection until 15 December (while its
/// replacement is on order).
pub(crate) fn enter(api: &dyn Api, clock: &Clock, map: &ClauseMap) -> Result<(), ApiError> {
    let clause = map
        .clauses
        .iter()
        .find(|c| c.id == "7.2/regular-checks")
        .ok_or_else(|| ApiError::Store("the clause map has no 7.2/regular-checks".into()))?;
    let held_on = time::macros::date!(2026 - 10 - 10);
    let person = |role, name: &str| Participant {
        role,
        name: name.into(),
    };
    let review = ReviewDetails {
        held_on,
        participants: vec![
            person(ReviewRole::SltLead, "Mrs Head (headteacher)"),
            person(ReviewRole::Dsl, "Mr Brown (deputy head, DSL)"),
            person(ReviewRole::It, "R. Singh (network manager)"),
            person(ReviewRole::Governor, "Dr Evans (safeguarding governor)"),
        ],
        findings: "Filtering blocks the IWF and CTIRU lists for every group, apart from the pupils' Wi-Fi from July, now fixed; monitoring alerts reach the DSL.".into(),
        actions: "R. Singh to test the filter each week in term time; the DSL to review the site log each half-term.".into(),
    };
    clock.set(at("2026-10-10T16:30:00Z")?);
    api.add_attestation(&Attestation {
        clause: clause.id.clone(),
        clause_title: clause.title.clone(),
        statement: format!(
            "Yearly review of filtering and monitoring held on {held_on}: {}",
            review.findings
        ),
        attested_by: "Mrs Head (headteacher)".into(),
        until: time::macros::date!(2027 - 10 - 09),
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: Some(review),
    })?;
    let latest = night(map, time::macros::date!(2026 - 11 - 15));
    if let Some(f) = latest.iter().find(|f| {
        f.check.as_str() == caretaker_checks::host::ANTIVIRUS.id && f.status == Status::Fail
    }) {
        clock.set(at("2026-10-01T09:00:00Z")?);
        api.add_waiver(&Waiver {
            fingerprint: fingerprint(f),
            check: f.check.as_str().to_string(),
            target: f.target.display_name(),
            summary: f.summary.clone(),
            justification:
                "Its replacement is on order; it is kept off the school network until then".into(),
            approved_by: "Mrs Head (headteacher)".into(),
            until: time::macros::date!(2026 - 12 - 15),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
        })?;
    }
    Ok(())
}
