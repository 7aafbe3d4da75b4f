//! Reading the filter check log from the store (the log's records are the model's
//! [`FilterCheck`]s).

use crate::store::{Store, StoreError};
pub use caretaker_model::filterlog::*;

/// The filter checks of runs started on or after `since` (`YYYY-MM-DD` or RFC 3339), oldest first.
pub fn log(store: &Store, since: Option<&str>) -> Result<Vec<FilterCheck>, StoreError> {
    let mut out = Vec::new();
    let all_actions = store.all_filter_actions()?;
    for run in store.filter_runs(since)? {
        let findings = store.findings_of(run.id, Some("filter"))?;
        let actions: Vec<(String, String, String, String)> = all_actions
            .iter()
            .filter(|a| a.0 == run.id)
            .map(|a| (a.1.clone(), a.2.clone(), a.3.clone(), a.4.clone()))
            .collect();
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
                started_at: run.started_at,
                ended_at: run.ended_at,
                trigger: run.trigger,
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
