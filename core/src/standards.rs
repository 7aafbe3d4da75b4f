//! A run read against a standard: the JSON document `caretaker show --policy NAME --format json`
//! prints, with each standard's colour, how it is evidenced and the findings that evidence it.

use caretaker_checks::standards::{judge, Coverage, StandardLine, View};
use caretaker_checks::Finding;
use serde::Serialize;

use crate::assess::Attestation;
use crate::report::{document_attested, CountsDoc, FindingDoc, RunDoc};
use crate::store::RunRecord;

/// The JSON document's format name and version.
pub const VIEW_FORMAT: &str = "caretaker.standards-view";
pub const VIEW_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct ViewDocument<'a> {
    pub format: &'static str,
    pub version: u32,
    pub school: &'a str,
    /// The view's name (`dfe`, `filtering`, `cyber-essentials`).
    pub view: &'a str,
    /// The standard's name.
    pub policy: &'a str,
    pub run: RunDoc<'a>,
    pub counts: CountsDoc,
    /// Every standard, in the standard's order: its colour, reason, how it is evidenced
    /// (`machine`, `attestation`, `not-covered`) and the fingerprints of its findings.
    pub standards: Vec<StandardLine>,
    /// The ids of the standards no machine can check, which need a person's attestation.
    pub needs_attestation: Vec<String>,
    /// The ids of the standards caretaker does not cover.
    pub not_covered: Vec<String>,
    /// The run's findings, each with the standards it evidences as its `clauses`.
    pub findings: Vec<FindingDoc<'a>>,
}

/// A run's findings read against `view`. `findings` are the run's as stored (with the school
/// policy's clauses); `tagged` receives them as the view reads them (the document borrows them).
pub fn view_document<'a>(
    school: &'a str,
    view: &'a View,
    run: &'a RunRecord,
    findings: &[Finding],
    attestations: &[(i64, Attestation)],
    today: time::Date,
    tagged: &'a mut Vec<Finding>,
) -> ViewDocument<'a> {
    let (read, standards) = judge(&view.map, findings, attestations, today);
    *tagged = read;
    let doc = document_attested(school, &view.map, run, tagged, attestations, today);
    let ids = |kind: Coverage| {
        standards
            .iter()
            .filter(|s| s.coverage == kind)
            .map(|s| s.line.id.clone())
            .collect()
    };
    ViewDocument {
        format: VIEW_FORMAT,
        version: VIEW_VERSION,
        school,
        view: &view.name,
        policy: &view.map.policy,
        run: doc.run,
        counts: doc.counts,
        needs_attestation: ids(Coverage::Attestation),
        not_covered: ids(Coverage::NotCovered),
        standards,
        findings: doc.findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_checks::standards::{view, DFE};
    use caretaker_checks::{Evidence, Severity, Status, Target, TargetKind};

    fn run() -> RunRecord {
        RunRecord {
            id: 7,
            trigger: crate::store::Trigger::Cron,
            who: "cron".into(),
            config_digest: "abc".into(),
            school: "St. Example's".into(),
            started_at: time::OffsetDateTime::UNIX_EPOCH,
            ended_at: None,
            state: crate::store::RunState::Complete,
            verdict: Some(crate::store::Verdict::NonCompliant),
            counts: Default::default(),
            only: Vec::new(),
        }
    }

    #[test]
    fn the_dfe_view_shows_each_finding_against_its_standard() {
        let mut f = Finding::new(
            caretaker_checks::host::ANTIVIRUS.id,
            Target::new(TargetKind::Host, "pc-01", "hosts"),
            Status::Fail,
            Severity::High,
            "Virus protection on pc-01 is 12 days old.",
            Evidence::default(),
        );
        f.clauses = vec!["7.4/virus-protection".into()];
        let dfe = view(DFE).expect("dfe");
        let r = run();
        let mut tagged = Vec::new();
        let today = time::Date::from_calendar_date(2026, time::Month::December, 6).expect("day");
        let doc = view_document("St. Example's", &dfe, &r, &[f], &[], today, &mut tagged);
        let v = serde_json::to_value(&doc).expect("json");
        assert_eq!(v["format"], VIEW_FORMAT);
        assert_eq!(v["view"], "dfe");
        let standards = v["standards"].as_array().expect("standards");
        let av = standards
            .iter()
            .find(|s| s["id"] == "dfe-cyber/anti-malware-firewall")
            .expect("anti-malware standard");
        assert_eq!(av["status"], "red");
        assert_eq!(av["coverage"], "machine");
        assert_eq!(
            av["fingerprints"],
            serde_json::json!(["host.antivirus|host|hosts|pc-01"])
        );
        assert_eq!(
            v["findings"][0]["clauses"],
            serde_json::json!(["dfe-cyber/anti-malware-firewall"])
        );
        let attested = v["needs_attestation"].as_array().expect("list");
        assert!(attested.contains(&serde_json::json!("dfe-cyber/backups")));
        assert_eq!(
            v["not_covered"],
            serde_json::json!(["dfe-filtering/monitoring"])
        );
    }
}
