//! The filter check log the DfE filtering and monitoring standards ask for: for each filter
//! check, when it ran, what triggered it and who, the vantage point and its user group, every URL
//! tested with its result and evidence, and the action taken (filled in later, appended).
//!
//! A filter check is the findings of `filter.*` of one run from one vantage point, so the log is
//! read from the same store rows as every report, written in the run's transactions.

use serde::{Deserialize, Serialize};

use crate::run::Trigger;

/// One URL's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlResult {
    pub url: String,
    pub category: String,
    pub expect: String,
    pub status: String,
    pub summary: String,
    pub evidence: std::collections::BTreeMap<String, String>,
}

/// The action recorded after a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub action: String,
    pub who: String,
    pub at: String,
}

/// One stored result of a page tested from a vantage point: a line of a filter cell's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellResult {
    pub run: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    pub trigger: Trigger,
    pub who: String,
    pub status: crate::Status,
    pub summary: String,
    /// The latest action recorded after that run's check from that vantage point, if any.
    pub action: Option<Action>,
}

/// One filter check: one run, one vantage point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FilterCheck {
    pub run: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<time::OffsetDateTime>,
    pub trigger: Trigger,
    pub who: String,
    pub vantage: String,
    pub group: String,
    /// How the tests ran ("pupil-wifi (pupil, site main): this machine, through the proxy …").
    pub from: String,
    /// `pass` when the control page loaded, else `error` (nothing was judged).
    pub control: String,
    pub results: Vec<UrlResult>,
    /// The latest action recorded, if any.
    pub action: Option<Action>,
}

impl FilterCheck {
    /// Results that are not as expected (fail), or could not be judged (warn, error).
    pub fn problems(&self) -> impl Iterator<Item = &UrlResult> {
        self.results.iter().filter(|r| r.status != "pass")
    }
}

/// The log as one versioned JSON document.
pub fn json(checks: &[FilterCheck]) -> serde_json::Value {
    serde_json::json!({
        "kind": "caretaker.filter-log",
        "version": 1,
        "checks": checks,
    })
}
