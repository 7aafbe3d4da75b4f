//! Filter changes: the risk-assessment log, the site log and the filter checks after a change.
//!
//! The policy says "Changes to the school filtering policy will be risk assessed by staff with
//! educational and technical experience prior to any changes and where appropriate with consent
//! from the Leadership Team ... All changes to the school filtering policy will be logged and
//! recorded". Three kinds of record serve it, all in one append-only table of the store:
//!
//! - a [`RiskAssessment`] of one change (block or unblock a site or a category, for some user
//!   groups), assessed by two different people, one with educational and one with technical
//!   experience, with leadership consent from a configurable risk level (`[assess] consent_from`);
//! - a [`SiteLogEntry`], the paper "Internet Site Log Sheet" (who reported which site, where and
//!   when, and whether it should be blocked or unblocked);
//! - a [`Verification`]: a filter test run after the change, linked to its assessment, saying
//!   whether every must-block test still passed.
//!
//! Records are never changed or deleted: a correction is a new record that `supersedes` the old
//! one. Each record carries the hash of the one before it ([`record_hash`]), so [`check_chain`]
//! finds a record edited, removed or inserted behind the program's back.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use caretaker_checks::{Finding, Status};
use caretaker_config::ConsentFrom;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::store::{RunRecord, Store, StoreError};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The triggers that make the table append-only, as created by migration 3 (name, SQL).
pub const TRIGGERS: &[(&str, &str)] = &[
    ("records_no_update", crate::store::RECORDS_NO_UPDATE),
    ("records_no_delete", crate::store::RECORDS_NO_DELETE),
];

// ---------------------------------------------------------------------------------------------
// Kinds and enumerations
// ---------------------------------------------------------------------------------------------

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A risk assessment of a filter change.
    Assessment,
    /// An entry of the site log (the paper "Internet Site Log Sheet").
    Site,
    /// A filter test run linked to an assessment.
    Verification,
    /// A waiver of one finding (by its fingerprint), until a date.
    Waiver,
    /// A person's attestation that a clause no machine can check is met, until a date.
    Attestation,
}

impl RecordKind {
    /// The word stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Assessment => "assessment",
            RecordKind::Site => "site",
            RecordKind::Verification => "verification",
            RecordKind::Waiver => "waiver",
            RecordKind::Attestation => "attestation",
        }
    }

    /// The inverse of [`RecordKind::as_str`].
    pub fn parse(s: &str) -> Option<RecordKind> {
        [
            RecordKind::Assessment,
            RecordKind::Site,
            RecordKind::Verification,
            RecordKind::Waiver,
            RecordKind::Attestation,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// In words: "risk assessment", "site-log entry", "filter check".
    pub fn noun(self) -> &'static str {
        match self {
            RecordKind::Assessment => "risk assessment",
            RecordKind::Site => "site-log entry",
            RecordKind::Verification => "filter check",
            RecordKind::Waiver => "waiver",
            RecordKind::Attestation => "attestation",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Block or unblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Block,
    Unblock,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Block => "block",
            ChangeAction::Unblock => "unblock",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeAction> {
        [ChangeAction::Block, ChangeAction::Unblock]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    /// "Block" or "Unblock".
    pub fn title(self) -> &'static str {
        match self {
            ChangeAction::Block => "Block",
            ChangeAction::Unblock => "Unblock",
        }
    }
}

/// The risk a change carries, as its assessors judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    /// Whether a change at this level needs leadership consent under `rule`.
    pub fn needs_consent(self, rule: ConsentFrom) -> bool {
        match rule {
            ConsentFrom::Low => true,
            ConsentFrom::Medium => self >= RiskLevel::Medium,
            ConsentFrom::High => self >= RiskLevel::High,
            ConsentFrom::Never => false,
        }
    }
}

/// What was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
    Defer,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Defer => "defer",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Approve, Decision::Reject, Decision::Defer]
            .into_iter()
            .find(|d| d.as_str() == s)
    }

    /// "approved", "rejected", "deferred".
    pub fn past(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
            Decision::Defer => "deferred",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The records as stored
// ---------------------------------------------------------------------------------------------

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
    /// YYYY-MM-DD.
    pub on: String,
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
    /// When the change was made in the filter (YYYY-MM-DD).
    pub applied_on: Option<String>,
    /// When it is to be reviewed (YYYY-MM-DD).
    pub review_by: Option<String>,
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
    /// YYYY-MM-DD.
    pub date: String,
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
    pub run_started_at: String,
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
    /// Judges a run's stored findings for assessment `assessment`.
    pub fn from_run(assessment: i64, run: &RunRecord, findings: &[Finding]) -> Verification {
        use caretaker_checks::filter::classify::{CATEGORIES, MUST_BLOCK};
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| [MUST_BLOCK, CATEGORIES].contains(&f.check.as_str()))
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
            run_started_at: run.started_at.clone(),
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

// ---------------------------------------------------------------------------------------------
// Input: drafts from a TOML file (or the console), validated into records
// ---------------------------------------------------------------------------------------------

/// A field that is not as expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The key, as in the TOML file: `technical_assessor`, `change.groups`, `consent.on`.
    pub field: String,
    /// What is wrong and what was expected, in plain English.
    pub problem: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

fn err(field: &str, problem: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// Text, or a TOML date or time literal written without quotes (`date = 2026-11-20`).
#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrDate {
    Text(String),
    Date(toml::value::Datetime),
}

fn text_or_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<TextOrDate>::deserialize(d)?.map(|v| match v {
        TextOrDate::Text(s) => s,
        TextOrDate::Date(d) => d.to_string(),
    }))
}

/// `[change]` of a draft.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeDraft {
    pub action: Option<String>,
    pub site: Option<String>,
    pub category: Option<String>,
    pub groups: Option<Vec<String>>,
}

/// `[risks]` of a draft.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RisksDraft {
    pub content: Option<String>,
    pub contact: Option<String>,
    pub conduct: Option<String>,
}

/// `[consent]` of a draft.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentDraft {
    pub by: Option<String>,
    #[serde(default, deserialize_with = "text_or_date")]
    pub on: Option<String>,
}

/// A risk assessment as typed (a TOML file, or the console's form): anything may be missing or
/// wrong until [`AssessmentDraft::validate`] says otherwise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDraft {
    #[serde(default)]
    pub change: ChangeDraft,
    pub requested_by: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub risks: RisksDraft,
    pub mitigations: Option<String>,
    pub risk_level: Option<String>,
    pub educational_assessor: Option<String>,
    pub technical_assessor: Option<String>,
    pub consent: Option<ConsentDraft>,
    pub decision: Option<String>,
    #[serde(default, deserialize_with = "text_or_date")]
    pub applied_on: Option<String>,
    #[serde(default, deserialize_with = "text_or_date")]
    pub review_by: Option<String>,
    pub from_site: Option<i64>,
    pub supersedes: Option<i64>,
}

/// A site-log entry as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDraft {
    pub reported_by: Option<String>,
    #[serde(default, deserialize_with = "text_or_date")]
    pub date: Option<String>,
    #[serde(default, deserialize_with = "text_or_date")]
    pub time: Option<String>,
    pub workstation: Option<String>,
    pub url: Option<String>,
    pub recommendation: Option<String>,
    pub resolution: Option<String>,
    pub supersedes: Option<i64>,
}

/// A TOML file that is not even a draft: not TOML, an unknown key, a list where text belongs.
fn toml_problem(what: &str, e: &toml::de::Error) -> FieldError {
    // toml's message names the line and quotes it; keep it, in one paragraph.
    let message = e.message().trim().to_string();
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        .unwrap_or("(file)")
        .to_string();
    let line = e.span().map(|_| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("TOML parse error at ")
            .to_string()
    });
    FieldError {
        field,
        problem: format!(
            "not a valid {what}{}: {message}",
            line.map(|l| format!(" ({l})")).unwrap_or_default()
        ),
    }
}

impl AssessmentDraft {
    /// Reads a draft from TOML text.
    pub fn from_toml(text: &str) -> Result<AssessmentDraft, FieldError> {
        toml::from_str(text).map_err(|e| toml_problem("risk assessment", &e))
    }

    /// Prefills the change from a site-log entry: its URL, and its recommendation as the action.
    /// What the draft says itself wins.
    pub fn prefill_from_site(&mut self, id: i64, entry: &SiteLogEntry) {
        if self.change.site.is_none() && self.change.category.is_none() {
            self.change.site = Some(entry.url.clone());
        }
        if self.change.action.is_none() {
            self.change.action = Some(entry.recommendation.as_str().to_string());
        }
        if self.from_site.is_none() {
            self.from_site = Some(id);
        }
    }

    /// Checks every field; returns the record, or every problem found (each naming its field).
    pub fn validate(&self, rule: ConsentFrom) -> Result<RiskAssessment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let c = &self.change;
        let action = choice(
            &mut errors,
            "change.action",
            &c.action,
            "say whether the change is to \"block\" or \"unblock\"",
            ChangeAction::parse,
            "a change: expected \"block\" or \"unblock\"",
        );
        let site = text(&c.site);
        let category = text(&c.category);
        match (&site, &category) {
            (Some(_), Some(_)) => errors.push(err(
                "change.site",
                "give either change.site (a site) or change.category (a category of the filter), not both: one change per record",
            )),
            (None, None) => errors.push(err(
                "change.site",
                "missing: name the site (a web address or host name such as www.example.org) or, instead, the category of the filter (change.category = \"social-networking\")",
            )),
            (Some(s), None) => {
                if let Err(p) = check_site(s) {
                    errors.push(err("change.site", p));
                }
            }
            (None, Some(cat)) => {
                if cat.contains('\n') {
                    errors.push(err("change.category", "must be one line"));
                }
            }
        }
        let mut groups = Vec::new();
        match &c.groups {
            None => errors.push(err(
                "change.groups",
                "missing: say which user groups the change is for, as a list such as [\"pupil\"] or [\"staff\", \"pupil\"]",
            )),
            Some(g) if g.is_empty() => errors.push(err(
                "change.groups",
                "is empty: name at least one user group, such as [\"pupil\"] or [\"staff\", \"pupil\"]",
            )),
            Some(g) => {
                let mut seen = BTreeSet::new();
                for (i, name) in g.iter().enumerate() {
                    let name = name.trim();
                    if name.is_empty() {
                        errors.push(err(
                            "change.groups",
                            format!("entry {} is empty: every group needs a name", i + 1),
                        ));
                    } else if !seen.insert(name.to_lowercase()) {
                        errors.push(err(
                            "change.groups",
                            format!("{name:?} is listed twice"),
                        ));
                    } else {
                        groups.push(name.to_string());
                    }
                }
            }
        }
        let requested_by = required(
            &mut errors,
            "requested_by",
            &self.requested_by,
            "who asked for the change",
        );
        let reason = required(
            &mut errors,
            "reason",
            &self.reason,
            "the educational reason for the change",
        );
        let content = required(
            &mut errors,
            "risks.content",
            &self.risks.content,
            "the content risks considered (what could be seen); write \"none\" if there are none",
        );
        let contact = required(
            &mut errors,
            "risks.contact",
            &self.risks.contact,
            "the contact risks considered (who could get in touch); write \"none\" if there are none",
        );
        let conduct = required(
            &mut errors,
            "risks.conduct",
            &self.risks.conduct,
            "the conduct risks considered (what users could do); write \"none\" if there are none",
        );
        let mitigations = required(
            &mut errors,
            "mitigations",
            &self.mitigations,
            "how the risks are reduced; write \"none needed\" if there is nothing to do",
        );
        let risk_level = choice(
            &mut errors,
            "risk_level",
            &self.risk_level,
            "the risk level, \"low\", \"medium\" or \"high\"",
            RiskLevel::parse,
            "a risk level: expected \"low\", \"medium\" or \"high\"",
        );
        let educational = required(
            &mut errors,
            "educational_assessor",
            &self.educational_assessor,
            "the member of staff with educational experience who assessed the change (the policy asks for staff \"with educational and technical experience\")",
        );
        let technical = required(
            &mut errors,
            "technical_assessor",
            &self.technical_assessor,
            "the member of staff with technical experience who assessed the change (the policy asks for staff \"with educational and technical experience\")",
        );
        if let (Some(e), Some(t)) = (&educational, &technical) {
            if same_person(e, t) {
                errors.push(err(
                    "technical_assessor",
                    format!(
                        "is the same person as educational_assessor ({t:?}): the policy asks for both educational and technical experience, so two different people must assess the change"
                    ),
                ));
            }
        }
        let consent = match &self.consent {
            None => None,
            Some(cd) => {
                let by = required(
                    &mut errors,
                    "consent.by",
                    &cd.by,
                    "who on the Leadership Team gave consent",
                );
                let on = required(
                    &mut errors,
                    "consent.on",
                    &cd.on,
                    "the date consent was given, as YYYY-MM-DD",
                )
                .and_then(|d| date(&mut errors, "consent.on", &d));
                match (by, on) {
                    (Some(by), Some(on)) => Some(Consent { by, on }),
                    _ => None,
                }
            }
        };
        if let Some(level) = risk_level {
            if level.needs_consent(rule) && self.consent.is_none() {
                errors.push(err(
                    "consent",
                    format!(
                        "missing: a {}-risk change needs consent from the Leadership Team (assess.consent_from = \"{}\"); add a [consent] table with by = \"name\" and on = \"YYYY-MM-DD\"",
                        level.as_str(),
                        rule.as_str()
                    ),
                ));
            }
        }
        let decision = choice(
            &mut errors,
            "decision",
            &self.decision,
            "the decision, \"approve\", \"reject\" or \"defer\"",
            Decision::parse,
            "a decision: expected \"approve\", \"reject\" or \"defer\"",
        );
        let applied_on = text(&self.applied_on).and_then(|d| date(&mut errors, "applied_on", &d));
        let review_by = text(&self.review_by).and_then(|d| date(&mut errors, "review_by", &d));
        if let (Some(d), Some(applied)) = (decision, &applied_on) {
            if d != Decision::Approve {
                errors.push(err(
                    "applied_on",
                    format!(
                        "a change that was not approved (decision = \"{}\") cannot have been applied; leave applied_on out",
                        d.as_str()
                    ),
                ));
            } else if let Some(c) = &consent {
                if applied.as_str() < c.on.as_str() {
                    errors.push(err(
                        "applied_on",
                        format!(
                            "{applied} is before consent was given ({}): the policy asks for consent before the change is made",
                            c.on
                        ),
                    ));
                }
            }
        }
        if let (Some(applied), Some(review)) = (&applied_on, &review_by) {
            if review.as_str() < applied.as_str() {
                errors.push(err(
                    "review_by",
                    format!("{review} is before the change was applied ({applied})"),
                ));
            }
        }
        record_number(&mut errors, "from_site", self.from_site);
        record_number(&mut errors, "supersedes", self.supersedes);
        if !errors.is_empty() {
            return Err(errors);
        }
        match (
            action,
            risk_level,
            decision,
            requested_by,
            reason,
            content,
            contact,
            conduct,
            mitigations,
            educational,
            technical,
        ) {
            (
                Some(action),
                Some(risk_level),
                Some(decision),
                Some(requested_by),
                Some(reason),
                Some(content),
                Some(contact),
                Some(conduct),
                Some(mitigations),
                Some(educational_assessor),
                Some(technical_assessor),
            ) => Ok(RiskAssessment {
                change: Change {
                    action,
                    site,
                    category,
                    groups,
                },
                requested_by,
                reason,
                risks: Risks {
                    content,
                    contact,
                    conduct,
                },
                mitigations,
                risk_level,
                educational_assessor,
                technical_assessor,
                consent,
                consent_from: rule.as_str().to_string(),
                decision,
                applied_on,
                review_by,
                from_site: self.from_site,
                supersedes: self.supersedes,
            }),
            // Every None above pushed an error.
            _ => Err(vec![err("(record)", "incomplete")]),
        }
    }
}

impl SiteDraft {
    /// Reads a draft from TOML text.
    pub fn from_toml(text: &str) -> Result<SiteDraft, FieldError> {
        toml::from_str(text).map_err(|e| toml_problem("site-log entry", &e))
    }

    /// Checks every field; returns the entry, or every problem found.
    pub fn validate(&self) -> Result<SiteLogEntry, Vec<FieldError>> {
        let mut errors = Vec::new();
        let reported_by = required(
            &mut errors,
            "reported_by",
            &self.reported_by,
            "the name of whoever reported the site",
        );
        let date_v = required(
            &mut errors,
            "date",
            &self.date,
            "the date the site was seen, as YYYY-MM-DD",
        )
        .and_then(|d| date(&mut errors, "date", &d));
        let time_v = required(
            &mut errors,
            "time",
            &self.time,
            "the time the site was seen, as HH:MM (24-hour clock)",
        )
        .and_then(|t| clock(&mut errors, "time", &t));
        let workstation = required(
            &mut errors,
            "workstation",
            &self.workstation,
            "the computer or device the site was seen on",
        );
        let url = required(
            &mut errors,
            "url",
            &self.url,
            "the web address of the site (www.example.org or https://www.example.org/page)",
        )
        .and_then(|u| match check_site(&u) {
            Ok(()) => Some(u),
            Err(p) => {
                errors.push(err("url", p));
                None
            }
        });
        let recommendation = choice(
            &mut errors,
            "recommendation",
            &self.recommendation,
            "\"block\" or \"unblock\"",
            ChangeAction::parse,
            "a recommendation: expected \"block\" or \"unblock\"",
        );
        record_number(&mut errors, "supersedes", self.supersedes);
        if !errors.is_empty() {
            return Err(errors);
        }
        match (
            reported_by,
            date_v,
            time_v,
            workstation,
            url,
            recommendation,
        ) {
            (
                Some(reported_by),
                Some(date),
                Some(time),
                Some(workstation),
                Some(url),
                Some(recommendation),
            ) => Ok(SiteLogEntry {
                reported_by,
                date,
                time,
                workstation,
                url,
                recommendation,
                resolution: self
                    .resolution
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string(),
                supersedes: self.supersedes,
            }),
            _ => Err(vec![err("(record)", "incomplete")]),
        }
    }
}

/// Trimmed text, `None` when blank.
fn trimmed(s: &str) -> Option<String> {
    Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_string)
}

/// Trimmed text, `None` when missing or blank.
fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().and_then(trimmed)
}

/// Trimmed text; when missing or blank, `None` and the error "missing: {what}".
fn required(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: &Option<String>,
    what: &str,
) -> Option<String> {
    let t = text(v);
    if t.is_none() {
        errors.push(err(field, format!("missing: {what}")));
    }
    t
}

/// One of a few words, read by `parse` whatever its case. A missing one is reported as
/// "missing: {what}"; any other word as "{word:?} is not {not_one}", where `not_one` names the
/// thing and the words expected (`a decision: expected "approve", "reject" or "defer"`).
fn choice<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: &Option<String>,
    what: &str,
    parse: fn(&str) -> Option<T>,
    not_one: &str,
) -> Option<T> {
    let t = required(errors, field, v, what)?;
    let parsed = parse(&t.to_lowercase());
    if parsed.is_none() {
        errors.push(err(field, format!("{t:?} is not {not_one}")));
    }
    parsed
}

/// A record number given for `field`, when one is: 1 or more.
fn record_number(errors: &mut Vec<FieldError>, field: &str, v: Option<i64>) {
    if let Some(id) = v.filter(|id| *id < 1) {
        errors.push(err(
            field,
            format!("{id} is not a record number (they start at 1)"),
        ));
    }
}

/// Two names for the same person: equal ignoring case, spaces and punctuation.
fn same_person(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

fn date(errors: &mut Vec<FieldError>, field: &str, s: &str) -> Option<String> {
    if parse_date(s).is_some() {
        Some(s.to_string())
    } else {
        errors.push(err(
            field,
            format!("{s:?} is not a date: expected YYYY-MM-DD, such as 2026-11-23"),
        ));
        None
    }
}

fn clock(errors: &mut Vec<FieldError>, field: &str, s: &str) -> Option<String> {
    let hm = time::macros::format_description!("[hour]:[minute]");
    let hms = time::macros::format_description!("[hour]:[minute]:[second]");
    let parsed = if s.len() == 5 {
        time::Time::parse(s, hm).ok()
    } else if s.len() == 8 {
        time::Time::parse(s, hms).ok()
    } else {
        None
    };
    match parsed {
        Some(t) => Some(format!("{:02}:{:02}", t.hour(), t.minute())),
        None => {
            errors.push(err(
                field,
                format!("{s:?} is not a time: expected HH:MM on the 24-hour clock, such as 14:05"),
            ));
            None
        }
    }
}

/// A web address (`http(s)://host/...`) or a host name (`www.example.org`, `*.example.org`).
fn check_site(s: &str) -> Result<(), String> {
    let expected = "expected a web address or host name such as www.example.org or https://www.example.org/page";
    if s.chars().any(char::is_whitespace) {
        return Err(format!("{s:?} contains spaces: {expected}"));
    }
    let rest = match s.split_once("://") {
        Some((scheme, rest)) => {
            if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
                return Err(format!(
                    "{s:?} is not a web address (only http:// and https://): {expected}"
                ));
            }
            rest
        }
        None => s,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let labels_ok = !host.is_empty()
        && host.contains('.')
        && host.split('.').enumerate().all(|(i, l)| {
            (i == 0 && l == "*")
                || (!l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        });
    if labels_ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a web address or host name: {expected}"
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and the hash chain
// ---------------------------------------------------------------------------------------------

/// JSON with object keys sorted (by Unicode code point) at every depth and no whitespace:
/// what is stored in `body` and hashed. The same as Python's
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` for the values
/// records hold (strings, integers, booleans, null).
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    write_canonical(child, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A record's hash: lowercase hex SHA-256 over its fields as netstrings (`<byte length>:<bytes>,`)
/// in this order: prev_hash, id (decimal), kind, body (canonical JSON), entered_by, entered_at,
/// supersedes (decimal, or empty).
pub fn record_hash(
    prev_hash: &str,
    id: i64,
    kind: &str,
    body: &str,
    entered_by: &str,
    entered_at: &str,
    supersedes: Option<i64>,
) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    let sup = supersedes.map(|s| s.to_string()).unwrap_or_default();
    for field in [
        prev_hash,
        id.as_str(),
        kind,
        body,
        entered_by,
        entered_at,
        sup.as_str(),
    ] {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
        h.update(b",");
    }
    hex::encode(h.finalize())
}

/// One row of the `records` table, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    pub id: i64,
    pub kind: String,
    /// Canonical JSON.
    pub body: String,
    /// The operating-system user who entered it (never typed).
    pub entered_by: String,
    /// RFC 3339, UTC.
    pub entered_at: String,
    pub supersedes: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredRecord {
    /// The hash its fields give (equal to `hash` unless the row was changed).
    pub fn computed_hash(&self) -> String {
        record_hash(
            &self.prev_hash,
            self.id,
            &self.kind,
            &self.body,
            &self.entered_by,
            &self.entered_at,
            self.supersedes,
        )
    }

    pub fn record_kind(&self) -> Option<RecordKind> {
        RecordKind::parse(&self.kind)
    }

    /// The body as JSON (a string if it is not JSON).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| serde_json::Value::String(self.body.clone()))
    }

    /// The body read as a record of `kind`; `None` when the record is of another kind or its
    /// body does not read.
    fn parsed<T: DeserializeOwned>(&self, kind: RecordKind) -> Option<T> {
        (self.kind == kind.as_str())
            .then(|| serde_json::from_str(&self.body).ok())
            .flatten()
    }

    pub fn assessment(&self) -> Option<RiskAssessment> {
        self.parsed(RecordKind::Assessment)
    }

    pub fn site(&self) -> Option<SiteLogEntry> {
        self.parsed(RecordKind::Site)
    }

    pub fn verification(&self) -> Option<Verification> {
        self.parsed(RecordKind::Verification)
    }

    pub fn waiver(&self) -> Option<Waiver> {
        self.parsed(RecordKind::Waiver)
    }

    pub fn attestation(&self) -> Option<Attestation> {
        self.parsed(RecordKind::Attestation)
    }

    /// One line in plain English.
    pub fn summary(&self) -> String {
        match self.record_kind() {
            Some(RecordKind::Assessment) => self.assessment().map(|a| a.summary()),
            Some(RecordKind::Site) => self.site().map(|s| s.summary()),
            Some(RecordKind::Verification) => self.verification().map(|v| v.summary()),
            Some(RecordKind::Waiver) => self.waiver().map(|w| w.summary()),
            Some(RecordKind::Attestation) => self.attestation().map(|a| a.summary()),
            None => None,
        }
        .unwrap_or_else(|| format!("unreadable {} record", self.kind))
    }
}

/// Something wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// The record (None for the table as a whole).
    pub id: Option<i64>,
    /// Its kind, when the row is there to say.
    pub kind: Option<String>,
    /// What is wrong, in plain English.
    pub why: String,
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.id, &self.kind) {
            (Some(id), Some(kind)) => write!(f, "#{id} ({kind}): {}", self.why),
            (Some(id), None) => write!(f, "#{id}: {}", self.why),
            (None, _) => write!(f, "the log as a whole: {}", self.why),
        }
    }
}

/// What [`check_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub records: usize,
    pub last_id: Option<i64>,
    pub last_hash: Option<String>,
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks the whole chain (`rows` in id order): every record's hash over its own fields, its link
/// to the record before, no id missing (nor any removed from the end, by `sequence`, SQLite's
/// last id handed out), bodies that read as their kind, corrections and links that point at
/// earlier records of the right kind, and the append-only triggers in place (`triggers`: name and
/// SQL of those on the table).
pub fn check_chain(
    rows: &[StoredRecord],
    sequence: Option<i64>,
    triggers: &[(String, String)],
) -> ChainReport {
    let mut problems = Vec::new();
    let mut kinds: BTreeMap<i64, String> = BTreeMap::new();
    let mut superseded: BTreeMap<i64, i64> = BTreeMap::new();
    let mut prev: Option<&StoredRecord> = None;
    for row in rows {
        let problem = |why: String| ChainProblem {
            id: Some(row.id),
            kind: Some(row.kind.clone()),
            why,
        };
        let expected_id = prev.map(|p| p.id + 1).unwrap_or(1);
        if row.id > expected_id {
            let missing = if row.id - expected_id == 1 {
                format!("#{expected_id} is")
            } else {
                format!("#{expected_id} to #{} are", row.id - 1)
            };
            for id in expected_id..row.id.min(expected_id + 20) {
                problems.push(ChainProblem {
                    id: Some(id),
                    kind: None,
                    why: "missing: the record was removed from the store".to_string(),
                });
            }
            problems.push(problem(format!(
                "the record{} before it: {missing} missing, so the log has been cut",
                if row.id - expected_id == 1 { "" } else { "s" }
            )));
        }
        let expected_prev = prev.map(|p| p.hash.as_str()).unwrap_or(GENESIS);
        if row.prev_hash != expected_prev {
            let before = prev
                .map(|p| format!("#{}", p.id))
                .unwrap_or_else(|| "the start of the log".to_string());
            problems.push(problem(format!(
                "its link to the record before it ({before}) does not match: a record before it was removed, replaced or inserted"
            )));
        }
        if row.computed_hash() != row.hash {
            problems.push(problem(
                "its contents do not match its hash: the row was changed after it was recorded"
                    .to_string(),
            ));
        }
        match row.record_kind() {
            None => problems.push(problem(format!(
                "{:?} is not a kind of record caretaker writes",
                row.kind
            ))),
            Some(kind) => {
                let body_supersedes = match kind {
                    RecordKind::Assessment => row.assessment().map(|a| a.supersedes),
                    RecordKind::Site => row.site().map(|s| s.supersedes),
                    RecordKind::Verification => row.verification().map(|_| None),
                    RecordKind::Waiver => row.waiver().map(|w| w.supersedes),
                    RecordKind::Attestation => row.attestation().map(|a| a.supersedes),
                };
                match body_supersedes {
                    None => problems.push(problem(format!(
                        "its contents are not a readable {}",
                        kind.noun()
                    ))),
                    Some(s) if s != row.supersedes => problems.push(problem(
                        "the record it corrects differs between its contents and its supersedes column"
                            .to_string(),
                    )),
                    Some(_) => {}
                }
                if let Some(s) = row.supersedes {
                    match kinds.get(&s) {
                        None => problems.push(problem(format!(
                            "it corrects #{s}, which is not an earlier record"
                        ))),
                        Some(k) if k != &row.kind => problems.push(problem(format!(
                            "it corrects #{s}, which is a {k}, not a {}",
                            row.kind
                        ))),
                        Some(_) => {}
                    }
                    if let Some(other) = superseded.insert(s, row.id) {
                        problems.push(problem(format!(
                            "it corrects #{s}, which #{other} had already corrected"
                        )));
                    }
                }
                if let Some(v) = row.verification() {
                    if kinds.get(&v.assessment).map(String::as_str)
                        != Some(RecordKind::Assessment.as_str())
                    {
                        problems.push(problem(format!(
                            "it checks #{}, which is not an earlier risk assessment",
                            v.assessment
                        )));
                    }
                }
                if let Some(a) = row.assessment() {
                    if let Some(site) = a.from_site {
                        if kinds.get(&site).map(String::as_str) != Some(RecordKind::Site.as_str()) {
                            problems.push(problem(format!(
                                "it comes from #{site}, which is not an earlier site-log entry"
                            )));
                        }
                    }
                }
            }
        }
        kinds.insert(row.id, row.kind.clone());
        prev = Some(row);
    }
    let last_id = prev.map(|p| p.id);
    if let Some(seq) = sequence {
        let last = last_id.unwrap_or(0);
        if seq > last {
            problems.push(ChainProblem {
                id: Some(last + 1),
                kind: None,
                why: format!(
                    "missing: records #{} to #{seq} were written and are gone, removed from the end of the log",
                    last + 1
                ),
            });
        }
    } else if !rows.is_empty() {
        problems.push(ChainProblem {
            id: None,
            kind: None,
            why: "SQLite's record of the last id handed out is gone (sqlite_sequence was edited)"
                .to_string(),
        });
    }
    for (name, sql) in TRIGGERS {
        match triggers.iter().find(|(n, _)| n == name) {
            None => problems.push(ChainProblem {
                id: None,
                kind: None,
                why: format!(
                    "the append-only protection (trigger {name}) has been removed outside caretaker"
                ),
            }),
            Some((_, found)) if found.trim() != sql.trim() => problems.push(ChainProblem {
                id: None,
                kind: None,
                why: format!(
                    "the append-only protection (trigger {name}) has been changed outside caretaker"
                ),
            }),
            Some(_) => {}
        }
    }
    ChainReport {
        records: rows.len(),
        last_id,
        last_hash: prev.map(|p| p.hash.clone()),
        problems,
    }
}

// ---------------------------------------------------------------------------------------------
// Appending, and reading the log back
// ---------------------------------------------------------------------------------------------

fn refused(msg: String) -> StoreError {
    StoreError::Refused(msg)
}

fn to_value<T: Serialize>(v: &T) -> Result<serde_json::Value, StoreError> {
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
            Some(r) if r.kind == RecordKind::Site.as_str() => {}
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
        Some(r) if r.kind == RecordKind::Assessment.as_str() => {}
        _ => {
            return Err(refused(format!(
                "there is no risk assessment #{} (see `caretaker assess list`)",
                v.assessment
            )))
        }
    }
    store.append_record(RecordKind::Verification, &to_value(v)?, None, entered_by)
}

/// Why the filter cannot be re-checked for a risk assessment now.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    if record.kind != RecordKind::Assessment.as_str() {
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
    if let Some(applied) = &a.applied_on {
        let today = today.to_string();
        if applied.as_str() > today.as_str() {
            return Err(format!(
                "#{}'s change is to be made on {applied}: check the filter once it has been made (on or after {applied}), or correct the date it was applied",
                record.id
            ));
        }
    }
    Ok(a)
}

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
    verifiable(&target, today()).map_err(refused)?;
    let record = store
        .run(Some(run))?
        .ok_or_else(|| refused(format!("run {run} is not in the store")))?;
    if record.state == crate::store::RunState::Running {
        return Err(refused(format!(
            "run {run} has not finished; a filter check is recorded only for a finished run"
        )));
    }
    let findings = store.findings(run)?;
    let v = Verification::from_run(assessment, &record, &findings);
    let stored = add_verification(store, &v, entered_by)?;
    Ok((stored, v))
}

/// The whole log, read at once, with the links between records worked out.
#[derive(Debug, Clone)]
pub struct Log {
    pub records: Vec<StoredRecord>,
    /// Record id → the record that corrects it.
    pub superseded_by: BTreeMap<i64, i64>,
}

impl Log {
    pub fn read(store: &Store) -> Result<Log, StoreError> {
        Ok(Log::from_records(store.records()?))
    }

    pub fn from_records(records: Vec<StoredRecord>) -> Log {
        let superseded_by = records
            .iter()
            .filter_map(|r| r.supersedes.map(|s| (s, r.id)))
            .collect();
        Log {
            records,
            superseded_by,
        }
    }

    pub fn get(&self, id: i64) -> Option<&StoredRecord> {
        self.records
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .and_then(|i| self.records.get(i))
    }

    /// Records of a kind, oldest first; only current versions unless `all`.
    pub fn of_kind(&self, kind: RecordKind, all: bool) -> Vec<&StoredRecord> {
        self.records
            .iter()
            .filter(|r| r.kind == kind.as_str())
            .filter(|r| all || !self.superseded_by.contains_key(&r.id))
            .collect()
    }

    /// Every version of the record `id`, oldest first: what it corrects, itself, what corrects it.
    pub fn history(&self, id: i64) -> Vec<&StoredRecord> {
        let mut back = Vec::new();
        let mut cur = self.get(id);
        let mut guard = 0;
        while let Some(r) = cur {
            back.push(r);
            cur = r.supersedes.and_then(|s| self.get(s));
            guard += 1;
            if guard > self.records.len() {
                break;
            }
        }
        back.reverse();
        let mut next = self.superseded_by.get(&id).copied();
        while let Some(n) = next {
            match self.get(n) {
                Some(r) if back.len() <= self.records.len() => {
                    back.push(r);
                    next = self.superseded_by.get(&n).copied();
                }
                _ => break,
            }
        }
        back
    }

    /// The current version of the record `id` (itself if nothing corrects it).
    pub fn latest(&self, id: i64) -> i64 {
        self.history(id).last().map(|r| r.id).unwrap_or(id)
    }

    /// Filter checks linked to any version of assessment `id`, oldest first.
    pub fn verifications_of(&self, id: i64) -> Vec<(&StoredRecord, Verification)> {
        let versions: BTreeSet<i64> = self.history(id).iter().map(|r| r.id).collect();
        self.records
            .iter()
            .filter_map(|r| r.verification().map(|v| (r, v)))
            .filter(|(_, v)| versions.contains(&v.assessment))
            .collect()
    }

    /// Assessments made from site-log entry `id` (any version of it).
    pub fn assessments_from_site(&self, id: i64) -> Vec<i64> {
        let versions: BTreeSet<i64> = self.history(id).iter().map(|r| r.id).collect();
        self.records
            .iter()
            .filter(|r| !self.superseded_by.contains_key(&r.id))
            .filter_map(|r| r.assessment().map(|a| (r.id, a)))
            .filter(|(_, a)| a.from_site.is_some_and(|s| versions.contains(&s)))
            .map(|(id, _)| id)
            .collect()
    }

    /// A record as a JSON object: its stored columns, `superseded_by`, and its contents under
    /// `body` (parsed).
    pub fn json(&self, r: &StoredRecord) -> serde_json::Value {
        serde_json::json!({
            "id": r.id,
            "kind": r.kind,
            "entered_by": r.entered_by,
            "entered_at": r.entered_at,
            "supersedes": r.supersedes,
            "superseded_by": self.superseded_by.get(&r.id),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "summary": r.summary(),
            "body": r.body_json(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Waivers and attestations
// ---------------------------------------------------------------------------------------------

/// The longest a waiver or an attestation may run: a year from the day it is recorded.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// A waiver of one finding: while in force (today ≤ `until`, not withdrawn) the engine stores a
/// failing, warning or erroring finding with this fingerprint as `waived`, with the waiver in its
/// evidence. Withdrawn by a new record that supersedes it with `withdrawn = true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The finding's fingerprint (check and target; see `store::fingerprint`).
    pub fingerprint: String,
    /// The check id, target and summary of the finding when it was waived, for display.
    pub check: String,
    pub target: String,
    pub summary: String,
    pub justification: String,
    /// Who approved it (a typed name).
    pub approved_by: String,
    /// The last day it is in force (YYYY-MM-DD).
    pub until: String,
    /// True on the record that withdraws the waiver it supersedes.
    #[serde(default)]
    pub withdrawn: bool,
    /// Why it was withdrawn.
    #[serde(default)]
    pub withdrawn_reason: Option<String>,
    /// The record it supersedes (the waiver withdrawn).
    #[serde(default)]
    pub supersedes: Option<i64>,
}

impl Waiver {
    /// In force on `today`: not withdrawn and `today` ≤ `until` (see [`Expiring::in_force`]).
    pub fn in_force(&self, today: time::Date) -> bool {
        Expiring::in_force(self, today)
    }

    /// One line in plain English.
    pub fn summary(&self) -> String {
        if self.withdrawn {
            format!(
                "Waiver of {} on {} withdrawn: {}",
                self.check,
                self.target,
                self.withdrawn_reason.as_deref().unwrap_or("")
            )
        } else {
            format!(
                "{} on {} waived until {}, approved by {}: {}",
                self.check, self.target, self.until, self.approved_by, self.justification
            )
        }
    }
}

/// An attestation by a person that a clause no machine can check is met, until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The clause id from the clause map (`7.4/network-files`).
    pub clause: String,
    /// Its title when attested, for display.
    pub clause_title: String,
    pub statement: String,
    /// Who attests (a typed name).
    pub attested_by: String,
    /// The last day it holds (YYYY-MM-DD).
    pub until: String,
    #[serde(default)]
    pub withdrawn: bool,
    #[serde(default)]
    pub withdrawn_reason: Option<String>,
    #[serde(default)]
    pub supersedes: Option<i64>,
}

impl Attestation {
    /// In force on `today`: not withdrawn and `today` ≤ `until` (see [`Expiring::in_force`]).
    pub fn in_force(&self, today: time::Date) -> bool {
        Expiring::in_force(self, today)
    }

    /// One line in plain English.
    pub fn summary(&self) -> String {
        if self.withdrawn {
            format!(
                "Attestation of {} withdrawn: {}",
                self.clause,
                self.withdrawn_reason.as_deref().unwrap_or("")
            )
        } else {
            format!(
                "{} attested by {} until {}: {}",
                self.clause, self.attested_by, self.until, self.statement
            )
        }
    }
}

/// What waivers and attestations share: each is stored as a record of its own kind, holds until a
/// last day, and is withdrawn by a later record of the same kind that supersedes it with
/// `withdrawn = true`.
pub trait Expiring: Serialize + DeserializeOwned {
    /// The kind of record it is stored as.
    const KIND: RecordKind;

    /// The last day it holds (YYYY-MM-DD).
    fn until(&self) -> &str;

    /// True on the record that withdraws the one it supersedes.
    fn withdrawn(&self) -> bool;

    /// The record it supersedes (the one it withdraws).
    fn supersedes(&self) -> Option<i64>;

    /// The record that withdraws this one, stored as record `id`, for `reason`.
    fn withdrawal(self, id: i64, reason: String) -> Self;

    /// In force on `today`: not withdrawn and `today` ≤ `until`.
    fn in_force(&self, today: time::Date) -> bool {
        !self.withdrawn() && parse_date(self.until()).is_some_and(|until| today <= until)
    }

    /// A stored record read as one of these; `None` when it is of another kind or does not read.
    fn from_record(r: &StoredRecord) -> Option<Self> {
        r.parsed(Self::KIND)
    }
}

impl Expiring for Waiver {
    const KIND: RecordKind = RecordKind::Waiver;

    fn until(&self) -> &str {
        &self.until
    }

    fn withdrawn(&self) -> bool {
        self.withdrawn
    }

    fn supersedes(&self) -> Option<i64> {
        self.supersedes
    }

    fn withdrawal(self, id: i64, reason: String) -> Self {
        Waiver {
            withdrawn: true,
            withdrawn_reason: Some(reason),
            supersedes: Some(id),
            ..self
        }
    }
}

impl Expiring for Attestation {
    const KIND: RecordKind = RecordKind::Attestation;

    fn until(&self) -> &str {
        &self.until
    }

    fn withdrawn(&self) -> bool {
        self.withdrawn
    }

    fn supersedes(&self) -> Option<i64> {
        self.supersedes
    }

    fn withdrawal(self, id: i64, reason: String) -> Self {
        Attestation {
            withdrawn: true,
            withdrawn_reason: Some(reason),
            supersedes: Some(id),
            ..self
        }
    }
}

/// A date as YYYY-MM-DD.
pub fn parse_date(s: &str) -> Option<time::Date> {
    if s.len() != 10 {
        return None;
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Today's date (UTC), as waivers and attestations are judged by.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Checks an expiry date given on `today` for the flag `flag`: a date, today or later, and at most
/// [`MAX_DAYS_AHEAD`] days ahead. The error names the flag and what was expected.
pub fn validate_until(flag: &str, s: &str, today: time::Date) -> Result<String, String> {
    let s = s.trim();
    let Some(d) = parse_date(s) else {
        return Err(format!(
            "{flag} {s:?} is not a date: expected YYYY-MM-DD, such as {}",
            today + time::Duration::days(90)
        ));
    };
    if d < today {
        return Err(format!(
            "{flag} {s} is in the past: expected today ({today}) or a later date"
        ));
    }
    let latest = today + time::Duration::days(MAX_DAYS_AHEAD);
    if d > latest {
        return Err(format!(
            "{flag} {s} is more than a year ahead: expected {latest} at the latest (a waiver or attestation is reviewed at least once a year)"
        ));
    }
    Ok(s.to_string())
}

/// Checks that a typed text (a justification, a name) for `flag` is not blank.
pub fn validate_text(flag: &str, s: &str, what: &str) -> Result<String, String> {
    trimmed(s).ok_or_else(|| format!("{flag} is empty: expected {what}"))
}

/// Marks every finding that is failing, warning or erroring and has a waiver in force on `today`
/// (`waivers`: the current record id and waiver) as `waived`, adding the waiver to its evidence
/// (`waiver` #id, `waiver_justification`, `waiver_approved_by`, `waiver_until`). The summary is
/// unchanged. Passing findings, and waivers withdrawn or expired, change nothing.
pub fn apply_waivers(findings: &mut [Finding], waivers: &[(i64, Waiver)], today: time::Date) {
    for f in findings.iter_mut() {
        if !matches!(f.status, Status::Fail | Status::Warn | Status::Error) {
            continue;
        }
        let fp = crate::store::fingerprint(f);
        let waiver = waivers
            .iter()
            .filter(|(_, w)| w.fingerprint == fp && w.in_force(today))
            .max_by(|a, b| a.1.until.cmp(&b.1.until).then(a.0.cmp(&b.0)));
        if let Some((id, w)) = waiver {
            f.status = Status::Waived;
            f.evidence.push("waiver", format!("#{id}"));
            f.evidence.push("waiver_justification", &w.justification);
            f.evidence.push("waiver_approved_by", &w.approved_by);
            f.evidence.push("waiver_until", &w.until);
        }
    }
}

impl Log {
    /// The current (not superseded, not withdrawn) records of type `T`, with their record ids,
    /// oldest first; in force or expired.
    fn current<T: Expiring>(&self) -> Vec<(i64, T)> {
        self.of_kind(T::KIND, false)
            .into_iter()
            .filter_map(|r| T::from_record(r).map(|x| (r.id, x)))
            .filter(|(_, x)| !x.withdrawn())
            .collect()
    }

    /// The current (not superseded, not withdrawn) waivers, with their record ids, oldest first;
    /// in force or expired.
    pub fn waivers(&self) -> Vec<(i64, Waiver)> {
        self.current()
    }

    /// The current (not superseded, not withdrawn) attestations, with their record ids.
    pub fn attestations(&self) -> Vec<(i64, Attestation)> {
        self.current()
    }
}

/// Appends a waiver or an attestation (or, with `withdrawn` and `supersedes`, the withdrawal of
/// one).
pub fn add_expiring<T: Expiring>(
    store: &Store,
    record: &T,
    entered_by: &str,
) -> Result<StoredRecord, StoreError> {
    store.append_record(T::KIND, &to_value(record)?, record.supersedes(), entered_by)
}

/// Why a record cannot be withdrawn as a `T` ([`withdrawal_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotWithdrawable {
    /// No record has that number.
    NoRecord,
    /// It is a record of another kind (its noun: "risk assessment").
    OtherKind(&'static str),
    /// A later record already withdrew (or corrected) it.
    AlreadyWithdrawn { by: i64 },
    /// Its body does not read as a `T`.
    Unreadable,
    /// It is itself a withdrawal.
    IsWithdrawal,
}

impl NotWithdrawable {
    /// Why record `id` cannot be withdrawn as `noun` ("a waiver"), in words.
    pub fn explain(&self, id: i64, noun: &str) -> String {
        match self {
            NotWithdrawable::NoRecord => format!("there is no record #{id}"),
            NotWithdrawable::OtherKind(kind) => format!("#{id} is a {kind}, not {noun}"),
            NotWithdrawable::AlreadyWithdrawn { by } => {
                format!("#{id} was already withdrawn by #{by}")
            }
            NotWithdrawable::Unreadable => format!("#{id} cannot be read"),
            NotWithdrawable::IsWithdrawal => format!("#{id} is itself a withdrawal"),
        }
    }
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
    let log = Log::read(store)?;
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

/// The record that withdraws record `id` of `log` for `reason`, or why it cannot be withdrawn.
pub fn withdrawal_of<T: Expiring>(
    log: &Log,
    id: i64,
    reason: String,
) -> Result<T, NotWithdrawable> {
    let r = log.get(id).ok_or(NotWithdrawable::NoRecord)?;
    if r.kind != T::KIND.as_str() {
        return Err(NotWithdrawable::OtherKind(
            r.record_kind().map(RecordKind::noun).unwrap_or("record"),
        ));
    }
    if let Some(by) = log.superseded_by.get(&id) {
        return Err(NotWithdrawable::AlreadyWithdrawn { by: *by });
    }
    let current = T::from_record(r).ok_or(NotWithdrawable::Unreadable)?;
    if current.withdrawn() {
        return Err(NotWithdrawable::IsWithdrawal);
    }
    Ok(current.withdrawal(id, reason))
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
    add_expiring(store, a, entered_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
requested_by = "Mrs Patel (Year 5 teacher)"
reason = "Science simulation used in the forces unit"
mitigations = "Supervised use only; comments hidden by a site setting"
risk_level = "low"
educational_assessor = "Mrs Patel"
technical_assessor = "R. Singh (network manager)"
decision = "approve"
applied_on = 2026-11-23
review_by = "2027-03-31"

[change]
action = "unblock"
site = "www.example-science-sim.org"
groups = ["Year 5", "Year 6"]

[risks]
content = "User comments section"
contact = "none"
conduct = "none"
"#;

    fn good() -> AssessmentDraft {
        AssessmentDraft::from_toml(GOOD).unwrap()
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_complete_low_risk_assessment_is_valid_without_consent() {
        let a = good().validate(ConsentFrom::Medium).unwrap();
        assert_eq!(a.change.action, ChangeAction::Unblock);
        assert_eq!(a.change.groups, ["Year 5", "Year 6"]);
        assert_eq!(a.applied_on.as_deref(), Some("2026-11-23"));
        assert_eq!(a.consent_from, "medium");
        assert!(!a.consent_required());
        assert_eq!(
            a.summary(),
            "Unblock site www.example-science-sim.org for Year 5, Year 6; low risk; approved; applied 2026-11-23"
        );
    }

    #[test]
    fn a_missing_technical_assessor_is_named() {
        let mut d = good();
        d.technical_assessor = Some("   ".into());
        let e = d.validate(ConsentFrom::Medium).unwrap_err();
        assert_eq!(fields(&e), ["technical_assessor"]);
        assert!(e[0].problem.contains("technical experience"), "{}", e[0]);
    }

    #[test]
    fn the_same_person_cannot_be_both_assessors() {
        let mut d = good();
        d.technical_assessor = Some("mrs  patel".into());
        let e = d.validate(ConsentFrom::Medium).unwrap_err();
        assert_eq!(fields(&e), ["technical_assessor"]);
        assert!(e[0].problem.contains("two different people"), "{}", e[0]);
    }

    #[test]
    fn consent_is_required_from_the_configured_level() {
        let mut d = good();
        d.risk_level = Some("high".into());
        let e = d.validate(ConsentFrom::Medium).unwrap_err();
        assert_eq!(fields(&e), ["consent"]);
        assert!(e[0].problem.contains("high-risk"), "{}", e[0]);
        assert!(
            e[0].problem.contains("consent_from = \"medium\""),
            "{}",
            e[0]
        );
        // Not needed when the school asks for it only... never.
        assert!(d.validate(ConsentFrom::Never).is_ok());
        assert!(d.validate(ConsentFrom::High).is_err());
        // A low-risk change needs it when consent_from = "low".
        assert_eq!(
            fields(&good().validate(ConsentFrom::Low).unwrap_err()),
            ["consent"]
        );
        d.consent = Some(ConsentDraft {
            by: Some("Mr Head (headteacher)".into()),
            on: Some("2026-11-22".into()),
        });
        let a = d.validate(ConsentFrom::Medium).unwrap();
        assert!(a.consent_required());
        assert_eq!(a.consent.unwrap().by, "Mr Head (headteacher)");
    }

    #[test]
    fn consent_after_the_change_was_applied_is_refused() {
        let mut d = good();
        d.consent = Some(ConsentDraft {
            by: Some("Mr Head".into()),
            on: Some("2026-11-24".into()),
        });
        let e = d.validate(ConsentFrom::Medium).unwrap_err();
        assert_eq!(fields(&e), ["applied_on"]);
        assert!(e[0].problem.contains("before consent"), "{}", e[0]);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let d = AssessmentDraft::from_toml(
            "risk_level = \"extreme\"\ndecision = \"maybe\"\napplied_on = \"23/11/2026\"\n[change]\naction = \"allow\"\nsite = \"not a site\"\ngroups = []\n",
        )
        .unwrap();
        let e = d.validate(ConsentFrom::Medium).unwrap_err();
        let f = fields(&e);
        for want in [
            "change.action",
            "change.site",
            "change.groups",
            "requested_by",
            "reason",
            "risks.content",
            "risks.contact",
            "risks.conduct",
            "mitigations",
            "risk_level",
            "educational_assessor",
            "technical_assessor",
            "decision",
            "applied_on",
        ] {
            assert!(f.contains(&want), "{want} not in {f:?}");
        }
        let text: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("\"extreme\" is not a risk level")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("expected YYYY-MM-DD")),
            "{text:#?}"
        );
    }

    #[test]
    fn a_site_or_a_category_not_both() {
        let mut d = good();
        d.change.category = Some("social-networking".into());
        assert_eq!(
            fields(&d.validate(ConsentFrom::Medium).unwrap_err()),
            ["change.site"]
        );
        d.change.site = None;
        let a = d.validate(ConsentFrom::Medium).unwrap();
        assert_eq!(a.change.what(), "category social-networking");
        for ok in [
            "www.example.org",
            "https://www.example.org/page?x=1",
            "http://example.org:8080/",
            "*.example.org",
        ] {
            assert!(check_site(ok).is_ok(), "{ok}");
        }
        for bad in [
            "example",
            "ftp://example.org",
            "www.exa mple.org",
            "https://",
        ] {
            assert!(check_site(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = AssessmentDraft::from_toml("technical_asessor = \"R. Singh\"\n").unwrap_err();
        assert_eq!(e.field, "technical_asessor");
        assert!(e.problem.contains("line 1"), "{e}");
    }

    #[test]
    fn a_site_log_entry_like_the_paper_sheet() {
        let d = SiteDraft::from_toml(
            "reported_by = \"Mrs Patel\"\ndate = 2026-11-20\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"https://www.example-science-sim.org/forces\"\nrecommendation = \"unblock\"\n",
        )
        .unwrap();
        let s = d.validate().unwrap();
        assert_eq!(s.date, "2026-11-20");
        assert_eq!(s.resolution, "");
        let mut bad = d.clone();
        bad.time = Some("25:00".into());
        bad.recommendation = Some("allow".into());
        bad.workstation = None;
        let e = bad.validate().unwrap_err();
        assert_eq!(fields(&e), ["time", "workstation", "recommendation"]);
        let mut draft = AssessmentDraft::default();
        draft.prefill_from_site(4, &s);
        assert_eq!(draft.change.action.as_deref(), Some("unblock"));
        assert_eq!(draft.change.site.as_deref(), Some(s.url.as_str()));
        assert_eq!(draft.from_site, Some(4));
    }

    #[test]
    fn canonical_json_sorts_keys_and_has_no_spaces() {
        let v = serde_json::json!({"b": [1, {"z": null, "a": "é\n"}], "a": true});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":true,"b":[1,{"a":"é\n","z":null}]}"#
        );
    }

    #[test]
    fn the_hash_covers_every_field() {
        let hash = |id, entered_by, supersedes| {
            record_hash(
                GENESIS,
                id,
                "site",
                "{}",
                entered_by,
                "2026-11-23T10:00:00Z",
                supersedes,
            )
        };
        let base = hash(1, "root", None);
        assert_eq!(base.len(), 64);
        assert_ne!(base, hash(2, "root", None));
        assert_ne!(base, hash(1, "rsingh", None));
        assert_ne!(base, hash(1, "root", Some(1)));
        // Field boundaries count: moving text from one field to the next changes the hash.
        assert_ne!(
            record_hash(GENESIS, 1, "site", "{}", "ab", "c", None),
            record_hash(GENESIS, 1, "site", "{}", "a", "bc", None)
        );
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("caretaker.db")).unwrap();
        (dir, store)
    }

    fn site() -> SiteLogEntry {
        SiteDraft::from_toml(
            "reported_by = \"Mrs Patel\"\ndate = \"2026-11-20\"\ntime = \"10:15\"\nworkstation = \"ICT-07\"\nurl = \"www.example-science-sim.org\"\nrecommendation = \"unblock\"\n",
        )
        .unwrap()
        .validate()
        .unwrap()
    }

    /// The one rule for checking the filter after a change: approved, and made by today.
    #[test]
    fn a_change_is_verified_only_once_approved_and_made() {
        let (_dir, store) = store();
        let run = store
            .begin_run(&crate::store::NewRun {
                trigger: crate::store::Trigger::Manual,
                who: "tester".into(),
                config_digest: String::new(),
                school: "A School".into(),
                only: vec!["filter".into()],
            })
            .unwrap();
        store
            .finish_run(run, crate::store::RunState::Complete, None)
            .unwrap();
        let tomorrow = (today() + time::Duration::days(1)).to_string();
        let mut later = good();
        later.applied_on = Some(tomorrow.clone());
        let later = add_assessment(
            &store,
            &later.validate(ConsentFrom::Medium).unwrap(),
            "tester",
        )
        .unwrap();
        let r = store.record(later.id).unwrap().unwrap();
        let why = verifiable(&r, today()).unwrap_err();
        assert!(why.contains(&format!("to be made on {tomorrow}")), "{why}");
        assert!(verifiable(&r, today() + time::Duration::days(1)).is_ok());
        let err = verify_with_run(&store, later.id, run, "tester").unwrap_err();
        assert!(err.to_string().contains("to be made on"), "{err}");

        let mut rejected = good();
        rejected.decision = Some("reject".into());
        rejected.applied_on = None;
        let rejected = add_assessment(
            &store,
            &rejected.validate(ConsentFrom::Medium).unwrap(),
            "tester",
        )
        .unwrap();
        let err = verify_with_run(&store, rejected.id, run, "tester").unwrap_err();
        assert!(err.to_string().contains("was rejected"), "{err}");

        let made = add_assessment(
            &store,
            &good().validate(ConsentFrom::Medium).unwrap(),
            "tester",
        )
        .unwrap();
        let site = add_site(&store, &site(), "tester").unwrap();
        let err = verify_with_run(&store, site.id, run, "tester").unwrap_err();
        assert!(err.to_string().contains("not a risk assessment"), "{err}");
        let (stored, v) = verify_with_run(&store, made.id, run, "tester").unwrap();
        assert_eq!(v.assessment, made.id);
        assert_eq!(stored.kind, "verification");
    }

    #[test]
    fn appended_records_chain_and_corrections_supersede() {
        let (_dir, store) = store();
        let s = add_site(&store, &site(), "tester").unwrap();
        assert_eq!(s.id, 1);
        assert_eq!(s.prev_hash, GENESIS);
        let mut d = good();
        d.from_site = Some(s.id);
        let a1 =
            add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester").unwrap();
        assert_eq!(a1.prev_hash, s.hash);
        assert_eq!(a1.entered_by, "tester");
        d.reason = Some("Forces unit, Year 5 and 6".into());
        d.supersedes = Some(a1.id);
        let a2 =
            add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester").unwrap();
        assert_eq!(a2.supersedes, Some(a1.id));
        // The old version stays, but is no longer current; correcting it again is refused.
        let again = add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester")
            .unwrap_err()
            .to_string();
        assert!(
            again.contains(&format!(
                "#{} has already been corrected by #{}",
                a1.id, a2.id
            )),
            "{again}"
        );
        // A site entry cannot correct an assessment, nor come from one.
        let mut wrong = site();
        wrong.supersedes = Some(a2.id);
        assert!(matches!(
            add_site(&store, &wrong, "tester"),
            Err(StoreError::Refused(_))
        ));
        d.supersedes = None;
        d.from_site = Some(a2.id);
        assert!(matches!(
            add_assessment(&store, &d.validate(ConsentFrom::Medium).unwrap(), "tester"),
            Err(StoreError::Refused(_))
        ));

        let log = Log::read(&store).unwrap();
        let current: Vec<i64> = log
            .of_kind(RecordKind::Assessment, false)
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(current, [a2.id]);
        assert_eq!(log.of_kind(RecordKind::Assessment, true).len(), 2);
        let history: Vec<i64> = log.history(a1.id).iter().map(|r| r.id).collect();
        assert_eq!(history, [a1.id, a2.id]);
        assert_eq!(log.latest(a1.id), a2.id);
        assert_eq!(log.assessments_from_site(s.id), [a2.id]);

        let report = store.verify_records().unwrap();
        assert!(report.intact(), "{:?}", report.problems);
        assert_eq!(report.records, 3);
        assert_eq!(report.last_hash.as_deref(), Some(a2.hash.as_str()));
    }

    #[test]
    fn appends_from_several_connections_at_once_make_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caretaker.db");
        drop(Store::open(&path).unwrap());
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || {
                    let store = Store::open(&p).unwrap();
                    for _ in 0..5 {
                        add_site(&store, &site(), "tester").unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let report = Store::open(&path).unwrap().verify_records().unwrap();
        assert!(report.intact(), "{:#?}", report.problems);
        assert_eq!((report.records, report.last_id), (30, Some(30)));
    }

    #[test]
    fn the_table_refuses_updates_and_deletes() {
        let (_dir, store) = store();
        add_site(&store, &site(), "tester").unwrap();
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let e = conn
            .execute("UPDATE records SET entered_by = 'someone else'", [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{e}");
        let e = conn
            .execute("DELETE FROM records", [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{e}");
        assert!(store.verify_records().unwrap().intact());
    }

    /// Tampers with the store the way someone with the sqlite3 shell could.
    fn tamper(store: &Store, sql: &str) {
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        conn.execute_batch(sql).unwrap();
    }

    fn chain_of(n: usize) -> (tempfile::TempDir, Store) {
        let (dir, store) = store();
        for _ in 0..n {
            add_site(&store, &site(), "tester").unwrap();
        }
        (dir, store)
    }

    fn ids_named(report: &ChainReport) -> Vec<i64> {
        report.problems.iter().filter_map(|p| p.id).collect()
    }

    #[test]
    fn an_edited_row_is_found() {
        let (_dir, store) = chain_of(4);
        tamper(
            &store,
            "DROP TRIGGER records_no_update;
             UPDATE records SET body = replace(body, 'Mrs Patel', 'Mr Smith') WHERE id = 2;",
        );
        let report = store.verify_records().unwrap();
        assert!(!report.intact());
        assert_eq!(ids_named(&report), [2], "{:#?}", report.problems);
        assert!(report.problems[0]
            .why
            .contains("changed after it was recorded"));
        assert!(report
            .problems
            .iter()
            .any(|p| p.id.is_none() && p.why.contains("records_no_update")));
    }

    #[test]
    fn an_edit_with_its_hash_recomputed_breaks_the_next_link() {
        let (_dir, store) = chain_of(3);
        let r2 = store.record(2).unwrap().unwrap();
        let forged = StoredRecord {
            entered_by: "someone else".into(),
            ..r2.clone()
        };
        let hash = forged.computed_hash();
        tamper(
            &store,
            &format!(
                "DROP TRIGGER records_no_update;
                 UPDATE records SET entered_by = 'someone else', hash = '{hash}' WHERE id = 2;"
            ),
        );
        let report = store.verify_records().unwrap();
        assert_eq!(ids_named(&report), [3], "{:#?}", report.problems);
        assert!(report.problems[0].why.contains("link"));
    }

    #[test]
    fn removed_rows_are_found_in_the_middle_and_at_the_end() {
        let (_dir, store) = chain_of(5);
        tamper(
            &store,
            "DROP TRIGGER records_no_delete; DELETE FROM records WHERE id IN (3, 5);",
        );
        let report = store.verify_records().unwrap();
        let ids = ids_named(&report);
        assert!(ids.contains(&3), "{:#?}", report.problems);
        assert!(ids.contains(&4), "{:#?}", report.problems);
        assert!(ids.contains(&5), "{:#?}", report.problems);
        // Appending after the removal keeps numbering past the gap: the gap stays visible.
        let next = add_site(&store, &site(), "tester").unwrap();
        assert_eq!(next.id, 6);
        let report = store.verify_records().unwrap();
        assert!(ids_named(&report).contains(&5), "{:#?}", report.problems);
    }

    #[test]
    fn an_inserted_row_is_found() {
        let (_dir, store) = chain_of(2);
        let r1 = store.record(1).unwrap().unwrap();
        tamper(
            &store,
            &format!(
                "INSERT INTO records (id, kind, body, entered_by, entered_at, supersedes, prev_hash, hash)
                 VALUES (7, 'site', '{}', 'intruder', '{}', NULL, '{}', 'x');",
                r1.body.replace('\'', "''"),
                r1.entered_at,
                r1.hash
            ),
        );
        let report = store.verify_records().unwrap();
        let ids = ids_named(&report);
        assert!(ids.contains(&7), "{:#?}", report.problems);
    }

    #[test]
    fn a_verification_from_stored_findings() {
        use caretaker_checks::{Evidence, Severity, Target, TargetKind};
        let f = |check: &str, status: Status| {
            Finding::new(
                check,
                Target::new(
                    TargetKind::Policy,
                    "http://iwf.testfiltering.com/",
                    "pupil-pc",
                ),
                status,
                Severity::High,
                "x",
                Evidence::new("x").with("group", "pupil"),
            )
        };
        let run = RunRecord {
            id: 7,
            trigger: "manual".into(),
            who: "root".into(),
            config_digest: String::new(),
            school: String::new(),
            started_at: "2026-11-23T10:00:00Z".into(),
            ended_at: None,
            state: crate::RunState::Complete,
            verdict: None,
            only: vec![],
            counts: Default::default(),
        };
        let ok = Verification::from_run(
            3,
            &run,
            &[
                f("filter.control", Status::Pass),
                f("filter.must-block", Status::Pass),
                f("filter.categories", Status::Pass),
                f("filter.must-load", Status::Fail),
            ],
        );
        assert!(ok.must_block_passed);
        assert_eq!((ok.must_block_tests, ok.passed), (2, 2));
        let bad = Verification::from_run(
            3,
            &run,
            &[
                f("filter.must-block", Status::Pass),
                f("filter.categories", Status::Fail),
            ],
        );
        assert!(!bad.must_block_passed);
        assert_eq!(bad.not_blocked[0].group, "pupil");
        assert!(bad.summary().contains("NOT all blocked"));
        let none = Verification::from_run(3, &run, &[f("filter.control", Status::Pass)]);
        assert!(!none.must_block_passed, "no tests is not a pass");
        let errors = Verification::from_run(3, &run, &[f("filter.must-block", Status::Error)]);
        assert!(
            !errors.must_block_passed,
            "could not be judged is not a pass"
        );
    }

    fn date(s: &str) -> time::Date {
        parse_date(s).unwrap()
    }

    fn failing(check: &str, name: &str, status: Status) -> Finding {
        Finding::new(
            check,
            caretaker_checks::Target::new(caretaker_checks::TargetKind::Account, name, "openldap"),
            status,
            caretaker_checks::Severity::High,
            "p.jones has not logged on for 400 days.",
            caretaker_checks::Evidence::new("ldaps://dc").with("lastLogon", "400 days"),
        )
    }

    fn waiver_for(f: &Finding, until: &str) -> Waiver {
        Waiver {
            fingerprint: crate::store::fingerprint(f),
            check: f.check.to_string(),
            target: f.target.name.clone(),
            summary: f.summary.clone(),
            justification: "On maternity leave until January".into(),
            approved_by: "Mrs Head".into(),
            until: until.into(),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
        }
    }

    #[test]
    fn waivers_apply_until_their_last_day_and_not_after() {
        let stale = failing("directory.stale-accounts", "p.jones", Status::Fail);
        let other = failing("directory.stale-accounts", "q.other", Status::Fail);
        let passing = failing("directory.guest", "p.jones", Status::Pass);
        let waivers = vec![
            (7, waiver_for(&stale, "2026-12-31")),
            (8, waiver_for(&passing, "2026-12-31")),
        ];
        let all = vec![stale.clone(), other.clone(), passing.clone()];

        // On the last day it is in force: waived, summary unchanged, the waiver in the evidence.
        let mut on_the_day = all.clone();
        apply_waivers(&mut on_the_day, &waivers, date("2026-12-31"));
        assert_eq!(on_the_day[0].status, Status::Waived);
        assert_eq!(on_the_day[0].summary, stale.summary);
        let ev: std::collections::BTreeMap<_, _> = on_the_day[0]
            .evidence
            .values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(ev.get("waiver"), Some(&"#7"));
        assert_eq!(
            ev.get("waiver_justification"),
            Some(&"On maternity leave until January")
        );
        assert_eq!(ev.get("waiver_approved_by"), Some(&"Mrs Head"));
        assert_eq!(ev.get("waiver_until"), Some(&"2026-12-31"));
        assert_eq!(
            ev.get("lastLogon"),
            Some(&"400 days"),
            "the evidence is kept"
        );
        assert_eq!(on_the_day[1], other, "another target is not waived");
        assert_eq!(on_the_day[2], passing, "a pass stays a pass");

        // The day after it expired: the finding counts again, untouched.
        let mut after = all.clone();
        apply_waivers(&mut after, &waivers, date("2027-01-01"));
        assert_eq!(after, all);

        // A withdrawn waiver changes nothing; warnings and errors are waived too.
        let mut withdrawn = waiver_for(&stale, "2026-12-31");
        withdrawn.withdrawn = true;
        let mut w = all.clone();
        apply_waivers(&mut w, &[(9, withdrawn)], date("2026-06-01"));
        assert_eq!(w, all);
        let mut warn = vec![failing("directory.stale-accounts", "p.jones", Status::Warn)];
        apply_waivers(&mut warn, &waivers, date("2026-06-01"));
        assert_eq!(warn[0].status, Status::Waived);
    }

    #[test]
    fn expiry_dates_must_be_today_or_later_and_within_a_year() {
        let today = date("2026-11-23");
        assert_eq!(
            validate_until("--until", "2026-11-23", today).unwrap(),
            "2026-11-23"
        );
        assert!(validate_until("--until", "2027-11-23", today).is_ok());
        let e = validate_until("--until", "2026-11-22", today).unwrap_err();
        assert!(e.contains("--until") && e.contains("in the past"), "{e}");
        let e = validate_until("--until", "2027-11-25", today).unwrap_err();
        assert!(e.contains("more than a year ahead"), "{e}");
        let e = validate_until("--until", "next friday", today).unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        assert!(validate_until("--until", "2026-02-30", today).is_err());
        let e = validate_text("--approved-by", "  ", "the name of who approved it").unwrap_err();
        assert!(e.contains("--approved-by is empty"), "{e}");
    }

    #[test]
    fn waivers_and_attestations_join_the_chain_and_withdrawals_supersede() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let f = failing("directory.stale-accounts", "p.jones", Status::Fail);
        let w = add_waiver(&store, &waiver_for(&f, "2026-12-31"), "root").unwrap();
        let a = Attestation {
            clause: "7.4/network-files".into(),
            clause_title: "Files on the network checked".into(),
            statement: "Weekly scan of the shared drive".into(),
            attested_by: "R. Singh".into(),
            until: "2027-03-31".into(),
            withdrawn: false,
            withdrawn_reason: None,
            supersedes: None,
        };
        let a_rec = add_attestation(&store, &a, "root").unwrap();
        let log = Log::read(&store).unwrap();
        assert_eq!(log.waivers().len(), 1);
        assert_eq!(log.attestations(), vec![(a_rec.id, a.clone())]);
        assert!(log
            .get(w.id)
            .unwrap()
            .summary()
            .contains("waived until 2026-12-31"));

        let mut withdrawal = waiver_for(&f, "2026-12-31");
        withdrawal.withdrawn = true;
        withdrawal.withdrawn_reason = Some("Left the school".into());
        withdrawal.supersedes = Some(w.id);
        add_waiver(&store, &withdrawal, "root").unwrap();
        // A waiver cannot withdraw an attestation.
        let mut wrong = withdrawal.clone();
        wrong.supersedes = Some(a_rec.id);
        assert!(matches!(
            add_waiver(&store, &wrong, "root"),
            Err(StoreError::Refused(_))
        ));
        let log = Log::read(&store).unwrap();
        assert!(log.waivers().is_empty(), "withdrawn");
        assert_eq!(log.of_kind(RecordKind::Waiver, true).len(), 2);
        let report = store.verify_records().unwrap();
        assert!(report.intact(), "{:?}", report.problems);
        assert_eq!(report.records, 3);

        // `withdraw` finds the kind itself, and says why it will not.
        let gone = withdraw(
            &store,
            a_rec.id,
            "Scan moved to the new server".into(),
            "root",
        )
        .unwrap();
        let withdrawn = gone.attestation().unwrap();
        assert!(withdrawn.withdrawn && withdrawn.supersedes == Some(a_rec.id));
        assert_eq!(withdrawn.statement, a.statement, "the rest as it was");
        assert!(Log::read(&store).unwrap().attestations().is_empty());
        for (id, why) in [
            (w.id, format!("#{} was already withdrawn by #3", w.id)),
            (3, "#3 is itself a withdrawal".to_string()),
            (99, "there is no record #99".to_string()),
        ] {
            match withdraw(&store, id, "again".into(), "root") {
                Err(StoreError::Refused(m)) => assert!(m.contains(&why), "{m}"),
                other => panic!("#{id}: {other:?}"),
            }
        }
    }
}
