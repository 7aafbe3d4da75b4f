//! Working out the alerts after runs: the rule is `caretaker_model::alert`'s; here it is applied
//! to each run finished since the last time, with the filter-change log checked too, and what is
//! told is recorded in the store in the same transaction as how far it has got.

use std::collections::BTreeSet;

use caretaker_api::RunAlerts;
use caretaker_config::AlertSettings;
use caretaker_model::alert::{plan, problems, Problem};
use caretaker_model::run::RunState;

use crate::store::{Store, StoreError};

/// The key of the problem "the filter-change log does not verify".
pub const LOG_KEY: &str = "records|filter-change-log";

/// The notices for every run finished since the last time (only the latest run the first time,
/// so a new install does not tell the whole history), each recorded as told. Nothing when
/// `[alert]` sends nothing. A run still going stops the walk: runs after it wait for it.
pub fn work_out(store: &Store, settings: &AlertSettings) -> Result<Vec<RunAlerts>, StoreError> {
    if settings.email_to.is_empty() && settings.command.is_empty() {
        return Ok(Vec::new());
    }
    let watermark = store.alert_watermark()?;
    // Asked every few seconds: nothing new since the last time is one look.
    let latest = store.run(None)?.map(|r| r.id);
    if let (Some(w), Some(id)) = (watermark, latest) {
        if id <= w {
            return Ok(Vec::new());
        }
    }
    let mut runs = store.runs(200)?;
    runs.sort_by_key(|r| r.id);
    runs.retain(|r| watermark.is_none_or(|w| r.id > w));
    if watermark.is_none() {
        runs.retain(|r| r.state != RunState::Running);
        let last = runs.pop();
        runs = last.into_iter().collect();
    }
    let remind = time::Duration::hours(i64::try_from(settings.remind_after_hours).unwrap_or(24));
    let mut out = Vec::new();
    for run in runs {
        if run.state == RunState::Running {
            break;
        }
        if run.state == RunState::Interrupted {
            // Cut short: what it saw is partial; nothing is told or resolved from it.
            store.record_notices(run.id, &[])?;
            continue;
        }
        let findings = store.findings(run.id)?;
        let mut current = problems(&findings);
        let mut checked: BTreeSet<String> =
            findings.iter().map(crate::store::fingerprint).collect();
        let chain = store.verify_records()?;
        checked.insert(LOG_KEY.to_string());
        if !chain.intact() {
            let first = chain
                .problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            current.push(Problem {
                key: LOG_KEY.to_string(),
                summary: format!(
                    "The record of filter changes no longer checks out: it was changed outside caretaker ({} problem(s); first: {first}). See `caretaker assess verify`.",
                    chain.problems.len()
                ),
                check: "records".to_string(),
                target: "the filter-change log".to_string(),
            });
        }
        let open = store.open_alerts()?;
        let notices = plan(&open, &current, &checked, store.clock().now(), remind);
        store.record_notices(run.id, &notices)?;
        if !notices.is_empty() {
            out.push(RunAlerts {
                run: run.id,
                notices,
                log_head: chain.head_words(),
            });
        }
    }
    Ok(out)
}
