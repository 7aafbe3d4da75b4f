//! Kinds and enumerations: the kinds of record, the change, the risk level, the decision.

use std::fmt;

use caretaker_config::ConsentFrom;
use serde::{Deserialize, Serialize};

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
    /// What was done after a filter check (`caretaker filter action`).
    FilterAction,
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
            RecordKind::FilterAction => "filter-action",
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
            RecordKind::FilterAction,
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
            RecordKind::FilterAction => "filter action",
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
