//! A trust of four schools, built in memory from real findings, for the trust console's tests:
//! Ashdown Primary is RED on a directory clause (a leaver can still log on) and its guest network
//! loads the adult and offensive-language test pages; Brookfield Academy is GREEN on every
//! clause; Castle Hill Infants' latest run is three days old, its pupil network could not reach
//! the internet, its guests were not tested and one result from its staff network is unclear;
//! Dale Park Primary has forwarded nothing.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use caretaker_api::trust::{TrustSchool, TrustView};
use caretaker_api::Overview;
use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_model::records::Attestation;
use caretaker_model::run::{RunRecord, RunState, StatusCounts, Trigger, Verdict};

/// The fixture's "now": 07:30 on the morning after the nightly runs.
pub fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-23 07:30 UTC)
}

/// The vantage points every school with filter tests has (name, group).
pub const VANTAGES: &[(&str, &str)] = &[
    ("pupil-wifi", "pupil"),
    ("staff-lan", "staff"),
    ("guest-wifi", "guest"),
];

/// The pages tested: (check, url, category, expect).
pub const PAGES: &[(&str, &str, &str, &str)] = &[
    (
        "filter.must-block",
        "http://iwf.testfiltering.com/",
        "iwf",
        "block",
    ),
    (
        "filter.categories",
        "https://testfiltering.pornhub.com/",
        "adult",
        "block",
    ),
    (
        "filter.categories",
        "https://swearing.testfiltering.com/",
        "offensive-language",
        "block",
    ),
    (
        "filter.vpn-proxy",
        "https://www.hidemyass.com/",
        "vpn-proxy",
        "block",
    ),
    (
        "filter.must-load",
        "https://www.childline.org.uk/",
        "childline",
        "load",
    ),
];

pub fn finding(
    check: &str,
    target: Target,
    status: Status,
    summary: &str,
    ev: Evidence,
) -> Finding {
    let map = caretaker_checks::clauses::builtin();
    let mut f = Finding::new(check, target, status, Severity::High, summary, ev);
    f.evidence.observed_at = "2026-11-23T02:00:30Z".into();
    f.clauses = map.clauses_for(&f.check);
    f
}

/// A passing finding of every check but the filter's (which have their own, per vantage point).
pub fn every_check_passes() -> Vec<Finding> {
    caretaker_core::local::catalogue()
        .checks
        .iter()
        .filter(|s| !s.id.starts_with("filter."))
        .map(|s| {
            let kind = match s.id.split('.').next() {
                Some("directory") => TargetKind::Directory,
                Some("mail") => TargetKind::Domain,
                _ => TargetKind::Host,
            };
            finding(
                s.id,
                Target::new(kind, "school", ""),
                Status::Pass,
                &format!("{}: as the policy asks.", s.title),
                Evidence::new("school"),
            )
        })
        .collect()
}

/// The filter tests from `vantages`, each page's status from `status(vantage, category)`; the
/// control page's from `control(vantage)`; and that no filter change went unassessed.
pub fn filter_tests(
    vantages: &[(&str, &str)],
    control: impl Fn(&str) -> Status,
    status: impl Fn(&str, &str) -> Status,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (vantage, group) in vantages {
        let ev = |url: &str, category: &str, expect: &str| {
            Evidence::new(format!("{vantage} ({group})"))
                .with("url", url)
                .with("category", category)
                .with("expect", expect)
                .with("group", group)
        };
        let home = "http://detectportal.firefox.com/success.txt";
        out.push(finding(
            "filter.control",
            Target::new(TargetKind::Url, home, *vantage),
            control(vantage),
            &format!("The internet can be reached from {vantage}."),
            ev(home, "control", "load"),
        ));
        for (check, url, category, expect) in PAGES {
            let s = status(vantage, category);
            let what = match (s, *expect) {
                (Status::Pass, "block") => "blocks it",
                (Status::Pass, _) => "lets it load",
                (Status::Fail, "block") => "does not block it",
                (Status::Fail, _) => "blocks it, which is over-blocking",
                _ => "could not be tested",
            };
            out.push(finding(
                check,
                Target::new(TargetKind::Url, *url, *vantage),
                s,
                &format!("The {category} test page from {vantage}: the filter {what}."),
                ev(url, category, expect),
            ));
        }
        out.push(finding(
            "filter.changes",
            Target::new(TargetKind::Url, "(every tested site)", *vantage),
            Status::Pass,
            &format!("No filter change on {vantage} went without a risk assessment."),
            Evidence::new(*vantage).with("group", group),
        ));
    }
    out
}

pub fn run(
    id: i64,
    school: &str,
    started: time::OffsetDateTime,
    findings: &[Finding],
) -> RunRecord {
    RunRecord {
        id,
        trigger: Trigger::Cron,
        who: "root".into(),
        config_digest: "d".into(),
        school: school.into(),
        started_at: started,
        ended_at: Some(started + time::Duration::minutes(3)),
        state: RunState::Complete,
        verdict: Some(Verdict::of(findings)),
        only: Vec::new(),
        counts: StatusCounts::of(findings),
    }
}

pub fn school(
    id: &str,
    name: &str,
    forwarded: Option<&str>,
    started: Option<time::OffsetDateTime>,
    findings: Vec<Finding>,
    attestations: Vec<(i64, Attestation)>,
) -> TrustSchool {
    let map = caretaker_checks::clauses::builtin();
    let runs = match started {
        Some(at) => vec![(run(8, name, at, &findings), findings)],
        None => Vec::new(),
    };
    TrustSchool {
        id: id.into(),
        name: name.into(),
        forwarded_at: forwarded.map(str::to_string),
        overview: Overview {
            school: name.into(),
            map,
            latest: runs.first().map(|(r, _)| r.clone()),
            runs,
            attestations,
            today: now().date(),
        },
    }
}

pub fn tonight() -> Option<time::OffsetDateTime> {
    Some(time::macros::datetime!(2026-11-23 02:00 UTC))
}

/// RED on 7.4/logins (a directory finding fails); its guest network loads the adult and
/// offensive-language pages.
pub fn ashdown() -> TrustSchool {
    let mut findings = every_check_passes();
    findings.push(finding(
        "directory.stale-accounts",
        Target::new(TargetKind::Account, "c.wright", "ad"),
        Status::Fail,
        "c.wright left in July and can still log on.",
        Evidence::new("ldaps://dc1").with("account", "c.wright"),
    ));
    findings.extend(filter_tests(
        VANTAGES,
        |_| Status::Pass,
        |vantage, category| match (vantage, category) {
            ("guest-wifi", "adult" | "offensive-language") => Status::Fail,
            _ => Status::Pass,
        },
    ));
    school(
        "ashdown",
        "Ashdown Primary",
        Some("2026-11-23T03:10:00Z"),
        tonight(),
        findings,
        Vec::new(),
    )
}

/// Every clause GREEN: every check passes, and the one clause no check looks at is attested.
pub fn brookfield() -> TrustSchool {
    let mut findings = every_check_passes();
    findings.extend(filter_tests(
        VANTAGES,
        |_| Status::Pass,
        |_, _| Status::Pass,
    ));
    let attested = Attestation {
        clause: "7.4/network-files".into(),
        clause_title: "Files on the network checked".into(),
        statement: "The file server scans every file on write.".into(),
        attested_by: "Mrs Okafor (business manager)".into(),
        until: time::macros::date!(2027 - 03 - 31),
        withdrawn: false,
        withdrawn_reason: None,
        supersedes: None,
        review: None,
    };
    school(
        "brookfield",
        "Brookfield Academy",
        Some("2026-11-23T02:40:00Z"),
        tonight(),
        findings,
        vec![(3, attested)],
    )
}

/// Three days old; its pupil network could not reach the internet, its guests were not tested,
/// and its staff network could not tell about one page.
pub fn castle_hill() -> TrustSchool {
    let mut findings = every_check_passes();
    findings.extend(filter_tests(
        &VANTAGES[..2],
        |vantage| {
            if vantage == "pupil-wifi" {
                Status::Error
            } else {
                Status::Pass
            }
        },
        |vantage, category| match (vantage, category) {
            ("pupil-wifi", _) => Status::Error,
            ("staff-lan", "vpn-proxy") => Status::Warn,
            _ => Status::Pass,
        },
    ));
    school(
        "castle-hill",
        "Castle Hill Infants",
        Some("2026-11-20T03:00:00Z"),
        Some(time::macros::datetime!(2026-11-20 02:00 UTC)),
        findings,
        Vec::new(),
    )
}

/// Initialised in the trust's database; nothing forwarded yet.
pub fn dale_park() -> TrustSchool {
    school(
        "dale-park",
        "Dale Park Primary",
        None,
        None,
        Vec::new(),
        Vec::new(),
    )
}

pub fn trust_view() -> TrustView {
    TrustView {
        schools: vec![ashdown(), brookfield(), castle_hill(), dale_park()],
        as_of: None,
    }
}
