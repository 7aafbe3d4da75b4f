//! Input: drafts from a TOML file (or the console), validated into records.

use std::collections::BTreeSet;
use std::fmt;

use caretaker_config::ConsentFrom;
use serde::{Deserialize, Serialize};

use super::{
    parse_date, Change, ChangeAction, Consent, Decision, RiskAssessment, RiskLevel, Risks,
    SiteLogEntry,
};

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

pub(super) fn err(field: &str, problem: impl Into<String>) -> FieldError {
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
                if *applied < c.on {
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
            if review < applied {
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
pub(super) fn trimmed(s: &str) -> Option<String> {
    Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_string)
}

/// Trimmed text, `None` when missing or blank.
pub(super) fn text(v: &Option<String>) -> Option<String> {
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

pub(super) fn date(errors: &mut Vec<FieldError>, field: &str, s: &str) -> Option<time::Date> {
    if let Some(d) = parse_date(s) {
        Some(d)
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
pub fn check_site(s: &str) -> Result<(), String> {
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
