//! The filter check log the DfE filtering and monitoring standards ask for: for each filter
//! check, when it ran, what triggered it and who, the vantage point and its user group, every URL
//! tested with its result and evidence, and the action taken (filled in later, appended).
//!
//! A filter check is the findings of `filter.*` of one run from one vantage point, so the log is
//! read from the same store rows as every report, written in the run's transactions.

use serde::Serialize;

use crate::store::{Store, StoreError};

/// One URL's result.
#[derive(Debug, Clone, Serialize)]
pub struct UrlResult {
    pub url: String,
    pub category: String,
    pub expect: String,
    pub status: String,
    pub summary: String,
    pub evidence: std::collections::BTreeMap<String, String>,
}

/// The action recorded after a check.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub action: String,
    pub who: String,
    pub at: String,
}

/// One filter check: one run, one vantage point.
#[derive(Debug, Clone, Serialize)]
pub struct FilterCheck {
    pub run: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub trigger: String,
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

/// The filter checks of runs started on or after `since` (`YYYY-MM-DD` or RFC 3339), oldest first.
pub fn log(store: &Store, since: Option<&str>) -> Result<Vec<FilterCheck>, StoreError> {
    let mut out = Vec::new();
    for run in store.filter_runs(since)? {
        let findings = store.findings(run.id)?;
        let actions = store.filter_actions(run.id)?;
        let mut vantages: Vec<String> = Vec::new();
        for f in &findings {
            if f.check.family() == "filter" && !vantages.contains(&f.target.scope) {
                vantages.push(f.target.scope.clone());
            }
        }
        for v in vantages {
            let mine: Vec<_> = findings
                .iter()
                .filter(|f| f.check.family() == "filter" && f.target.scope == v)
                .collect();
            let value = |f: &caretaker_checks::Finding, k: &str| {
                f.evidence
                    .values
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let control = mine
                .iter()
                .find(|f| f.check.as_str() == caretaker_checks::filter::classify::CONTROL);
            let group = mine.first().map(|f| value(f, "group")).unwrap_or_default();
            let from = mine
                .first()
                .map(|f| f.evidence.source.clone())
                .unwrap_or_default();
            let results = mine
                .iter()
                .filter(|f| f.check.as_str() != caretaker_checks::filter::classify::CONTROL)
                .map(|f| UrlResult {
                    url: f.target.name.clone(),
                    category: value(f, "category"),
                    expect: value(f, "expect"),
                    status: f.status.as_str().to_string(),
                    summary: f.summary.clone(),
                    evidence: f.evidence.values.iter().cloned().collect(),
                })
                .collect();
            let action = actions
                .iter()
                .rev()
                .find(|(vantage, ..)| vantage == &v)
                .map(|(_, action, who, at)| Action {
                    action: action.clone(),
                    who: who.clone(),
                    at: at.clone(),
                });
            out.push(FilterCheck {
                run: run.id,
                started_at: run.started_at.clone(),
                ended_at: run.ended_at.clone(),
                trigger: run.trigger.clone(),
                who: run.who.clone(),
                vantage: v,
                group,
                from,
                control: control
                    .map(|c| c.status.as_str().to_string())
                    .unwrap_or_else(|| "missing".into()),
                results,
                action,
            });
        }
    }
    Ok(out)
}

/// The log as one versioned JSON document.
pub fn json(checks: &[FilterCheck]) -> serde_json::Value {
    serde_json::json!({
        "kind": "caretaker.filter-log",
        "version": 1,
        "checks": checks,
    })
}
