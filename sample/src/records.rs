//! The sample school's filter-change log, entered through the core's API at the times it
//! describes: three site-log entries, two risk assessments (one corrected) and the filter checks
//! after them, an attestation that has just expired and a waiver entered this morning.

use caretaker_api::{Api, ApiError};
use caretaker_checks::{directory, ClauseMap, Finding};
use caretaker_core::assess::{
    Attestation, Change, ChangeAction, Consent, Decision, RiskAssessment, RiskLevel, Risks,
    SiteLogEntry, Waiver,
};
use caretaker_core::store::fingerprint;
use caretaker_model::Clock;

/// `at` (`2026-11-17T15:10:00Z`) as a time.
fn at(text: &str) -> Result<time::OffsetDateTime, ApiError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| ApiError::Store(format!("the sample's time {text:?}: {e}")))
}

fn site(
    reported_by: &str,
    date: time::Date,
    time: &str,
    at: &str,
    url: &str,
    unblock: bool,
) -> SiteLogEntry {
    SiteLogEntry {
        reported_by: reported_by.into(),
        date,
        time: time.into(),
        workstation: at.into(),
        url: url.into(),
        recommendation: if unblock {
            ChangeAction::Unblock
        } else {
            ChangeAction::Block
        },
        resolution: String::new(),
        supersedes: None,
    }
}

/// Enters the log through `api` (acting for the network manager), moving `clock` to each
/// entry's time. `latest` is the newest run's findings (the waiver is of one of them).
pub(crate) fn enter(
    api: &dyn Api,
    clock: &Clock,
    map: &ClauseMap,
    latest: &[Finding],
    week: i64,
) -> Result<(), ApiError> {
    // The week's run n is run `week + n` in the store (after the year of history, if any).
    let mut sim = site(
        "Mrs Patel (Year 5 teacher)",
        time::macros::date!(2026 - 11 - 17),
        "14:05",
        "Y5-PC-03",
        "www.example-science-sim.org",
        true,
    );
    clock.set(at("2026-11-17T15:10:00Z")?);
    let sim_entry = api.add_site(&sim)?;
    let science = RiskAssessment {
        change: Change {
            action: ChangeAction::Unblock,
            site: Some("www.example-science-sim.org".into()),
            category: None,
            groups: vec!["Year 5".into(), "Year 6".into()],
        },
        requested_by: "Mrs Patel (Year 5 teacher)".into(),
        reason: "Science simulation used in the forces unit".into(),
        risks: Risks {
            content: "user comments section".into(),
            contact: "none".into(),
            conduct: "none".into(),
        },
        mitigations: "supervised use only; comments hidden by site setting".into(),
        risk_level: RiskLevel::Low,
        educational_assessor: "Mrs Patel".into(),
        technical_assessor: "R. Singh (network)".into(),
        consent: None,
        consent_from: "medium".into(),
        decision: Decision::Approve,
        applied_on: Some(time::macros::date!(2026 - 11 - 18)),
        review_by: Some(time::macros::date!(2027 - 03 - 31)),
        from_site: Some(sim_entry.id),
        supersedes: None,
    };
    clock.set(at("2026-11-17T16:42:00Z")?);
    let science = api.add_assessment(&science)?;
    // The filter checked after the change was made: the next morning, against run 3.
    clock.set(at("2026-11-18T09:03:00Z")?);
    api.add_verification(science.id, week + 3)?;

    let games = site(
        "Mr Jones (librarian)",
        time::macros::date!(2026 - 11 - 19),
        "12:40",
        "LIB-PC-01",
        "games.example.net",
        false,
    );
    clock.set(at("2026-11-19T13:00:00Z")?);
    api.add_site(&games)?;

    let mut social = RiskAssessment {
        change: Change {
            action: ChangeAction::Unblock,
            site: None,
            category: Some("video-sharing".into()),
            groups: vec!["staff".into()],
        },
        requested_by: "Mr Brown (deputy head)".into(),
        reason: "Teaching videos for lessons, played from the staff laptop".into(),
        risks: Risks {
            content: "unsuitable videos one click away from the teaching ones".into(),
            contact: "comments and messages from strangers".into(),
            conduct: "pupils watching over a shoulder".into(),
        },
        mitigations: "restricted mode on; videos checked before the lesson".into(),
        risk_level: RiskLevel::Medium,
        educational_assessor: "Mr Brown (deputy head)".into(),
        technical_assessor: "R. Singh (network)".into(),
        consent: Some(Consent {
            by: "Mrs Head (headteacher)".into(),
            on: time::macros::date!(2026 - 11 - 20),
        }),
        consent_from: "medium".into(),
        decision: Decision::Approve,
        applied_on: None,
        review_by: Some(time::macros::date!(2027 - 07 - 20)),
        from_site: None,
        supersedes: None,
    };
    clock.set(at("2026-11-20T10:15:00Z")?);
    let first = api.add_assessment(&social)?;
    // Corrected the next morning: the change was made on the 21st.
    social.applied_on = Some(time::macros::date!(2026 - 11 - 21));
    social.supersedes = Some(first.id);
    clock.set(at("2026-11-21T08:55:00Z")?);
    let corrected = api.add_assessment(&social)?;
    // The guest network's adult test page loaded in run 6: the re-check after the change (which
    // that failure fails); what was done about it is recorded last, below.
    clock.set(at("2026-11-21T09:20:00Z")?);
    api.add_verification(corrected.id, week + 6)?;

    sim.url = "www.example-coding-club.org".into();
    sim.reported_by = "Ms Ahmed (computing lead)".into();
    sim.date = time::macros::date!(2026 - 11 - 22);
    sim.time = "09:30".into();
    sim.workstation = "ICT-PC-12".into();
    clock.set(at("2026-11-22T10:00:00Z")?);
    api.add_site(&sim)?;

    // An attestation of the shared drives that ends on the 22nd (so has expired by the sample's
    // "now"), and a waiver of p.jones's stale account entered this morning, after the last
    // audit, so the finding is still FAIL until the next one.
    let clause = "7.4/network-files";
    let files = Attestation {
        clause: clause.into(),
        clause_title: map
            .clause(clause)
            .map(|c| c.title.clone())
            .unwrap_or_default(),
        statement:
            "Shared drive permissions reviewed: pupils cannot open the staff and office shares"
                .into(),
        attested_by: "Mr Brown (deputy head)".into(),
        until: time::macros::date!(2026 - 11 - 22),
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: None,
    };
    clock.set(at("2026-11-22T11:00:00Z")?);
    api.add_attestation(&files)?;
    let stale = latest
        .iter()
        .find(|f| f.check.as_str() == directory::STALE_ACCOUNTS.id && f.target.name == "p.jones");
    if let Some(f) = stale {
        let w = Waiver {
            fingerprint: fingerprint(f),
            check: f.check.as_str().to_string(),
            target: f.target.display_name(),
            summary: f.summary.clone(),
            justification: "On maternity leave until January; the account is kept for her return"
                .into(),
            approved_by: "Mrs Head (headteacher)".into(),
            until: time::macros::date!(2027 - 01 - 31),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
        };
        clock.set(at("2026-11-23T07:00:00Z")?);
        api.add_waiver(&w)?;
    }
    // The guest network's adult test page that loaded in run 6, reported to the provider (a
    // filter action, kept in the log with the rest).
    clock.set(at("2026-11-23T07:10:00Z")?);
    api.add_filter_action(week + 6, "guest-wifi", "Reported to the filtering provider")?;
    Ok(())
}
