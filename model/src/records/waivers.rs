//! Waivers and attestations.

use crate::finding::{Finding, Status};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::draft::trimmed;
use super::{parse_date, Log, RecordKind, StoredRecord};

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
    /// The last day it is in force.
    #[serde(with = "super::day")]
    pub until: time::Date,
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
    /// The last day it holds.
    #[serde(with = "super::day")]
    pub until: time::Date,
    #[serde(default)]
    pub withdrawn: bool,
    #[serde(default)]
    pub withdrawn_reason: Option<String>,
    #[serde(default)]
    pub supersedes: Option<i64>,
    /// Set on the attestation of the yearly review of filtering and monitoring (DfE standards):
    /// when it was held, who took part, what it found and what is to be done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewDetails>,
}

/// A yearly review of filtering and monitoring, as attested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDetails {
    #[serde(with = "super::day")]
    pub held_on: time::Date,
    /// Who took part, each with their role (the standards name the SLT lead, the DSL, IT and the
    /// governor responsible).
    pub participants: Vec<Participant>,
    /// What the review found.
    pub findings: String,
    /// What is to be done, by whom.
    pub actions: String,
}

/// One person at the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub role: ReviewRole,
    pub name: String,
}

/// The roles the DfE filtering and monitoring standards name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewRole {
    SltLead,
    Dsl,
    It,
    Governor,
}

impl ReviewRole {
    pub const ALL: [ReviewRole; 4] = [
        ReviewRole::SltLead,
        ReviewRole::Dsl,
        ReviewRole::It,
        ReviewRole::Governor,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ReviewRole::SltLead => "SLT lead",
            ReviewRole::Dsl => "Designated safeguarding lead",
            ReviewRole::It => "IT (network manager or provider)",
            ReviewRole::Governor => "Governor responsible for filtering",
        }
    }
}

impl ReviewDetails {
    /// Why it cannot be recorded: a role the standards name with nobody in it, or an empty field.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for role in ReviewRole::ALL {
            if !self
                .participants
                .iter()
                .any(|p| p.role == role && !p.name.trim().is_empty())
            {
                out.push(format!("nobody is named as the {}", role.title()));
            }
        }
        if self.findings.trim().is_empty() {
            out.push("`findings` is empty: say what the review found".to_string());
        }
        if self.actions.trim().is_empty() {
            out.push("`actions` is empty: say what is to be done, or \"none\"".to_string());
        }
        out
    }
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

    /// The last day it holds.
    fn until(&self) -> time::Date;

    /// True on the record that withdraws the one it supersedes.
    fn withdrawn(&self) -> bool;

    /// The record it supersedes (the one it withdraws).
    fn supersedes(&self) -> Option<i64>;

    /// The record that withdraws this one, stored as record `id`, for `reason`.
    fn withdrawal(self, id: i64, reason: String) -> Self;

    /// In force on `today`: not withdrawn and `today` ≤ `until`.
    fn in_force(&self, today: time::Date) -> bool {
        !self.withdrawn() && today <= self.until()
    }

    /// A stored record read as one of these; `None` when it is of another kind or does not read.
    fn from_record(r: &StoredRecord) -> Option<Self> {
        r.parsed(Self::KIND)
    }
}

impl Expiring for Waiver {
    const KIND: RecordKind = RecordKind::Waiver;

    fn until(&self) -> time::Date {
        self.until
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

    fn until(&self) -> time::Date {
        self.until
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

/// Today's date (UTC), as waivers and attestations are judged by.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Checks an expiry date given on `today` for the flag `flag`: a date, today or later, and at most
/// [`MAX_DAYS_AHEAD`] days ahead. The error names the flag and what was expected.
pub fn validate_until(flag: &str, s: &str, today: time::Date) -> Result<time::Date, String> {
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
    Ok(d)
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
        let fp = crate::run::fingerprint(f);
        let waiver = waivers
            .iter()
            .filter(|(_, w)| w.fingerprint == fp && w.in_force(today))
            .max_by(|a, b| a.1.until.cmp(&b.1.until).then(a.0.cmp(&b.0)));
        if let Some((id, w)) = waiver {
            f.status = Status::Waived;
            f.evidence.push("waiver", format!("#{id}"));
            f.evidence.push("waiver_justification", &w.justification);
            f.evidence.push("waiver_approved_by", &w.approved_by);
            f.evidence.push("waiver_until", w.until);
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

/// The record that withdraws record `id` of `log` for `reason`, or why it cannot be withdrawn.
pub fn withdrawal_of<T: Expiring>(
    log: &Log,
    id: i64,
    reason: String,
) -> Result<T, NotWithdrawable> {
    let r = log.get(id).ok_or(NotWithdrawable::NoRecord)?;
    if r.kind != T::KIND {
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
