//! The vocabulary shared by every check, the store, the CLI and the console.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a finding says about the thing it looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked, and it meets the policy.
    Pass,
    /// Checked, and it does not meet the policy.
    Fail,
    /// Checked; not a breach, but worth a look (or a breach the configuration asks only to report).
    Warn,
    /// Could not be checked; the reason is in the summary and evidence. Never counted as a pass.
    Error,
    /// A failure that someone with authority has accepted for a time (see waivers).
    Waived,
}

impl Status {
    /// All statuses, worst first, for stable ordering in reports.
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Waived,
        Status::Pass,
    ];

    /// The lowercase word used in JSON, the store and the text report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Waived => "waived",
        }
    }

    /// Parses the word written by [`Status::as_str`].
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Rank for "worst first" ordering: fail, error, warn, waived, pass.
    pub fn rank(self) -> u8 {
        match self {
            Status::Fail => 0,
            Status::Error => 1,
            Status::Warn => 2,
            Status::Waived => 3,
            Status::Pass => 4,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters if it is not a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|sv| sv.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's stable identifier, dotted: `directory.password-policy`, `host.antivirus`, ….
///
/// The part before the first dot is the check's family; `--only directory` selects the family.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(pub String);

impl CheckId {
    pub fn new(s: impl Into<String>) -> Self {
        CheckId(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The family: the part before the first dot.
    pub fn family(&self) -> &str {
        self.0.split('.').next().unwrap_or(&self.0)
    }

    /// True if `selector` names this check exactly or names its family (or a dotted prefix).
    pub fn matches(&self, selector: &str) -> bool {
        self.0 == selector
            || (self.0.starts_with(selector)
                && self.0.as_bytes().get(selector.len()) == Some(&b'.'))
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A directory as a whole (its domain-wide policy, its reachability).
    Directory,
    /// A password policy object inside a directory (a PSO, a ppolicy entry).
    Policy,
    /// One account in a directory.
    Account,
    /// A group of accounts (a year group, a privileged group).
    Group,
    /// One machine.
    Host,
    /// One URL tested through the filter.
    Url,
    /// caretaker itself (configuration, the engine).
    System,
    /// A mail domain (its SPF and DMARC records).
    Domain,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Directory => "directory",
            TargetKind::Policy => "policy",
            TargetKind::Account => "account",
            TargetKind::Group => "group",
            TargetKind::Host => "host",
            TargetKind::Url => "url",
            TargetKind::System => "system",
            TargetKind::Domain => "domain",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        [
            TargetKind::Directory,
            TargetKind::Policy,
            TargetKind::Account,
            TargetKind::Group,
            TargetKind::Host,
            TargetKind::Url,
            TargetKind::System,
            TargetKind::Domain,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a finding is about: a kind, a short human name, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    /// Short name a person recognises: `j.smith`, `Year 3`, `Default Domain Policy`, `ad`.
    pub name: String,
    /// Where it lives: the directory name from the config (`ad`, `ldap`), a DN, a host address.
    /// Empty when the name says it all.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

impl Target {
    /// `j.smith (ad)`, or the name alone when there is no scope: how people see a target.
    pub fn display_name(&self) -> String {
        if self.scope.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.scope)
        }
    }

    pub fn new(kind: TargetKind, name: impl Into<String>, scope: impl Into<String>) -> Self {
        Target {
            kind,
            name: name.into(),
            scope: scope.into(),
        }
    }

    /// `kind:name` or `kind:name@scope`, used in tables.
    pub fn label(&self) -> String {
        if self.scope.is_empty() {
            format!("{}:{}", self.kind.as_str(), self.name)
        } else {
            format!("{}:{}@{}", self.kind.as_str(), self.name, self.scope)
        }
    }
}

/// The raw values observed, as ordered key/value pairs, plus where and when they were read.
///
/// Keys are short technical names (`minPwdLength`, `dn`, `lastLogonTimestamp`); values are what
/// was seen, as text. Never holds a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Where the values were read from: a URL, a DN, a host.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// When they were read (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub observed_at: String,
    /// The observed values, in the order they matter.
    #[serde(default)]
    pub values: Vec<(String, String)>,
}

impl Evidence {
    pub fn new(source: impl Into<String>) -> Self {
        Evidence {
            source: source.into(),
            observed_at: now_rfc3339(),
            values: Vec::new(),
        }
    }

    /// Adds one observed value (builder style).
    pub fn with(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.values.push((key.into(), value.to_string()));
        self
    }

    /// Adds one observed value.
    pub fn push(&mut self, key: impl Into<String>, value: impl ToString) {
        self.values.push((key.into(), value.to_string()));
    }

    /// The keys of values that change on every run without anything having changed (how long a
    /// fetch took): the store keeps them per run, apart from the evidence they sit in.
    pub const VARY_EVERY_RUN: &'static [&'static str] = &["elapsed_ms"];

    /// True when a value under `key` changes on every run (see [`Evidence::VARY_EVERY_RUN`]).
    pub fn varies_every_run(key: &str) -> bool {
        Evidence::VARY_EVERY_RUN.contains(&key)
    }

    /// The first value recorded under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `key=value` pairs joined by `sep`, for one-line display.
    pub fn one_line(&self, sep: &str) -> String {
        self.values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// One conclusion of one check about one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: CheckId,
    pub target: Target,
    pub status: Status,
    pub severity: Severity,
    /// One sentence a headteacher understands. Starts with a capital, ends with a full stop.
    pub summary: String,
    /// What was observed, for the technician.
    pub evidence: Evidence,
    /// What to do about it, when not a pass. Concrete: a command or a setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The policy clauses this finding is evidence for (filled from the clause map by the engine).
    #[serde(default)]
    pub clauses: Vec<String>,
}

/// A finding read from its JSON without its evidence, which is skipped unread: what judging a
/// picture and the trustees' report need of it (everything but what was observed).
#[derive(Debug, Deserialize)]
pub struct FindingWithoutEvidence {
    check: CheckId,
    target: Target,
    status: Status,
    severity: Severity,
    summary: String,
    #[serde(default)]
    remediation: Option<String>,
    #[serde(default)]
    clauses: Vec<String>,
}

impl From<FindingWithoutEvidence> for Finding {
    fn from(f: FindingWithoutEvidence) -> Finding {
        Finding {
            check: f.check,
            target: f.target,
            status: f.status,
            severity: f.severity,
            summary: f.summary,
            evidence: Evidence::default(),
            remediation: f.remediation,
            clauses: f.clauses,
        }
    }
}

impl Finding {
    /// A finding with no clauses yet (the engine assigns them from the clause map).
    pub fn new(
        check: impl Into<String>,
        target: Target,
        status: Status,
        severity: Severity,
        summary: impl Into<String>,
        evidence: Evidence,
    ) -> Self {
        Finding {
            check: CheckId::new(check),
            target,
            status,
            severity,
            summary: summary.into(),
            evidence,
            remediation: None,
            clauses: Vec::new(),
        }
    }

    /// Sets the remediation hint (builder style).
    pub fn fix(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    /// An `error` finding: the check could not be done, with the reason in plain English.
    pub fn error(
        check: impl Into<String>,
        target: Target,
        summary: impl Into<String>,
        evidence: Evidence,
    ) -> Self {
        Finding::new(
            check,
            target,
            Status::Error,
            Severity::High,
            summary,
            evidence,
        )
    }
}

/// Now, as RFC 3339 in UTC with second precision.
pub fn now_rfc3339() -> String {
    format_rfc3339(time::OffsetDateTime::now_utc())
}

/// A time as RFC 3339 in UTC with second precision (`2026-11-23T02:00:03Z`).
pub fn format_rfc3339(t: time::OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_id_selectors() {
        let id = CheckId::new("directory.password-policy");
        assert!(id.matches("directory"));
        assert!(id.matches("directory.password-policy"));
        assert!(!id.matches("directory.password"));
        assert!(!id.matches("dir"));
        assert!(!id.matches("host"));
        assert_eq!(id.family(), "directory");
    }

    #[test]
    fn status_words_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("PASS"), None);
    }

    #[test]
    fn rfc3339_is_utc_seconds() {
        let t = time::macros::datetime!(2026-11-23 02:00:03.123 +01:00);
        assert_eq!(format_rfc3339(t), "2026-11-23T01:00:03Z");
    }
}
