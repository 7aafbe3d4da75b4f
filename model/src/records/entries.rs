//! The records as stored: risk assessments, site-log entries and verifications.

use crate::finding::{Finding, Status};
use caretaker_config::ConsentFrom;
use serde::{Deserialize, Serialize};

use crate::run::RunRecord;

use super::{ChangeAction, Decision, RiskLevel};

/// The change assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub action: ChangeAction,
    /// A web address or host name (`www.example.org`, `https://www.example.org/page`); or
    pub site: Option<String>,
    /// a category of the filter (`social-networking`). Exactly one of the two is set.
    pub category: Option<String>,
    /// The user groups it is for (`pupil`, `staff`, `guest`, `Year 5`): never empty.
    pub groups: Vec<String>,
}

impl Change {
    /// "site www.example.org" or "category social-networking".
    pub fn what(&self) -> String {
        match (&self.site, &self.category) {
            (Some(s), _) => format!("site {s}"),
            (None, Some(c)) => format!("category {c}"),
            (None, None) => "(nothing)".to_string(),
        }
    }

    /// "Unblock site www.example.org for pupil, staff".
    pub fn sentence(&self) -> String {
        format!(
            "{} {} for {}",
            self.action.title(),
            self.what(),
            self.groups.join(", ")
        )
    }
}

/// The risks considered, under the three headings of online safety.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risks {
    pub content: String,
    pub contact: String,
    pub conduct: String,
}

/// Leadership consent: who gave it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub by: String,
    #[serde(with = "super::day")]
    pub on: time::Date,
}

/// A risk assessment of one filter change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    pub change: Change,
    pub requested_by: String,
    /// The educational reason.
    pub reason: String,
    pub risks: Risks,
    pub mitigations: String,
    pub risk_level: RiskLevel,
    pub educational_assessor: String,
    pub technical_assessor: String,
    pub consent: Option<Consent>,
    /// The `[assess] consent_from` rule in force when the record was made.
    pub consent_from: String,
    pub decision: Decision,
    /// When the change was made in the filter.
    #[serde(with = "super::day::option")]
    pub applied_on: Option<time::Date>,
    /// When it is to be reviewed.
    #[serde(with = "super::day::option")]
    pub review_by: Option<time::Date>,
    /// The site-log entry it came from.
    pub from_site: Option<i64>,
    /// The earlier assessment this one corrects.
    pub supersedes: Option<i64>,
}

impl RiskAssessment {
    /// Whether consent was required by the rule recorded with it.
    pub fn consent_required(&self) -> bool {
        ConsentFrom::parse(&self.consent_from)
            .map(|rule| self.risk_level.needs_consent(rule))
            .unwrap_or(true)
    }

    /// One line: "Unblock site www.x for pupil; low risk; approved; applied 2026-11-23".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}; {} risk; {}",
            self.change.sentence(),
            self.risk_level.as_str(),
            self.decision.past()
        );
        if let Some(d) = &self.applied_on {
            s.push_str(&format!("; applied {d}"));
        }
        s
    }
}

/// One line of the paper "Internet Site Log Sheet".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteLogEntry {
    pub reported_by: String,
    #[serde(with = "super::day")]
    pub date: time::Date,
    /// HH:MM.
    pub time: String,
    pub workstation: String,
    pub url: String,
    pub recommendation: ChangeAction,
    /// What was done about it (may be empty until it is resolved).
    pub resolution: String,
    /// The earlier entry this one corrects.
    pub supersedes: Option<i64>,
}

impl SiteLogEntry {
    pub fn summary(&self) -> String {
        format!(
            "{} reported by {} at {} on {} {}; recommends {}{}",
            self.url,
            self.reported_by,
            self.workstation,
            self.date,
            self.time,
            self.recommendation.as_str(),
            if self.resolution.is_empty() {
                String::new()
            } else {
                format!("; resolution: {}", self.resolution)
            }
        )
    }
}

/// A must-block test that did not pass in a verification run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotBlocked {
    pub check: String,
    pub vantage: String,
    pub group: String,
    pub url: String,
    /// `fail` (it loaded), `warn` or `error` (it could not be judged), `waived`.
    pub status: String,
    pub summary: String,
}

/// A filter test run after a change, linked to its assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The assessment's record id.
    pub assessment: i64,
    /// The audit run that re-ran the filter tests.
    pub run: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub run_started_at: time::OffsetDateTime,
    /// Every must-block test (`filter.must-block`, `filter.categories`) passed, and there was at
    /// least one.
    pub must_block_passed: bool,
    /// How many must-block tests the run holds, and how many passed.
    pub must_block_tests: u64,
    pub passed: u64,
    /// The ones that did not pass.
    pub not_blocked: Vec<NotBlocked>,
}

impl Verification {
    /// Judges a run's stored findings for assessment `assessment`: the findings of the checks
    /// `must_block` (the filter's must-block tests) must all pass.
    pub fn from_run(
        assessment: i64,
        run: &RunRecord,
        findings: &[Finding],
        must_block: &[&str],
    ) -> Verification {
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| must_block.contains(&f.check.as_str()))
            .collect();
        let passed = mine.iter().filter(|f| f.status == Status::Pass).count() as u64;
        let not_blocked: Vec<NotBlocked> = mine
            .iter()
            .filter(|f| f.status != Status::Pass)
            .map(|f| NotBlocked {
                check: f.check.to_string(),
                vantage: f.target.scope.clone(),
                group: f
                    .evidence
                    .values
                    .iter()
                    .find(|(k, _)| k == "group")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                url: f.target.name.clone(),
                status: f.status.as_str().to_string(),
                summary: f.summary.clone(),
            })
            .collect();
        Verification {
            assessment,
            run: run.id,
            run_started_at: run.started_at,
            must_block_passed: !mine.is_empty() && not_blocked.is_empty(),
            must_block_tests: mine.len() as u64,
            passed,
            not_blocked,
        }
    }

    pub fn summary(&self) -> String {
        if self.must_block_passed {
            format!(
                "filter tests of run {} after #{}: the must-block list is still blocked ({} of {} passed)",
                self.run, self.assessment, self.passed, self.must_block_tests
            )
        } else if self.must_block_tests == 0 {
            format!(
                "filter tests of run {} after #{}: NOT shown blocked (the run holds no must-block tests)",
                self.run, self.assessment
            )
        } else {
            format!(
                "filter tests of run {} after #{}: the must-block list is NOT all blocked ({} of {} not blocked)",
                self.run,
                self.assessment,
                self.must_block_tests - self.passed,
                self.must_block_tests
            )
        }
    }
}

/// What was done after one filter check: a run's tests from one vantage point (`caretaker filter
/// action`), kept in the hash-chained log with everything else the school records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterAction {
    pub run: i64,
    pub vantage: String,
    pub action: String,
}

impl FilterAction {
    pub fn summary(&self) -> String {
        format!(
            "After run {}'s filter check from {}: {}",
            self.run, self.vantage, self.action
        )
    }
}
