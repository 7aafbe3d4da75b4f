//! Filter changes seen between runs: after each filter vantage point's tests, its results are
//! compared with the earlier runs' in the store, and each change is judged against the risk
//! assessments in the filter-change log (the rule is `caretaker_checks::filter::changes`).

use std::collections::BTreeMap;

use caretaker_checks::filter::changes::{
    judge_changes, reach_of, reach_of_finding, test_check_ids, Assessed, Seen, SiteHistory,
};
use caretaker_checks::filter::VantagePoint;
use caretaker_checks::{CheckId, Finding};
use caretaker_model::records::{ChangeAction, Decision, Log, RecordKind};
use caretaker_model::run::fingerprint;

use crate::store::{Store, StoreError};

/// How many earlier results of each test are compared (over two years of nightly runs).
pub const HISTORY_PER_TEST: usize = 800;

/// The `filter.changes` findings for the filter tests among `findings` (this run's, `run_id`,
/// started at `now`), against the assessments in `log`.
pub fn changes(
    store: &Store,
    log: &Log,
    run_id: i64,
    now: time::OffsetDateTime,
    findings: &[Finding],
) -> Result<Vec<Finding>, StoreError> {
    let tests = test_check_ids();
    // Vantage point (its name) → its group and sites, in the findings' order.
    let mut vantages: BTreeMap<&str, (String, Vec<SiteHistory>)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for f in findings {
        if !tests.contains(&f.check.as_str()) {
            continue;
        }
        let Some(now_reach) = reach_of_finding(f) else {
            continue;
        };
        let fps: Vec<String> = tests
            .iter()
            .map(|id| {
                let mut g = f.clone();
                g.check = CheckId::new(*id);
                fingerprint(&g)
            })
            .collect();
        let mut before: Vec<Seen> = Vec::new();
        for past in store.past_results(&fps, run_id, HISTORY_PER_TEST)? {
            if before.last().is_some_and(|s| s.run == past.run) {
                continue;
            }
            if let Some(reach) = reach_of(&past.check, past.status, past.carried) {
                before.push(Seen {
                    run: past.run,
                    at: past.started_at,
                    reach,
                });
            }
        }
        let scope = f.target.scope.as_str();
        if !vantages.contains_key(scope) {
            order.push(scope);
        }
        let entry = vantages.entry(scope).or_insert_with(|| {
            (
                f.evidence.get("group").unwrap_or_default().to_string(),
                Vec::new(),
            )
        });
        entry.1.push(SiteHistory {
            url: f.target.name.clone(),
            category: f.evidence.get("category").unwrap_or_default().to_string(),
            now: now_reach,
            before,
        });
    }
    if order.is_empty() {
        return Ok(Vec::new());
    }
    let assessed = assessed(log);
    let mut out = Vec::new();
    for name in order {
        let Some((group, sites)) = vantages.remove(name) else {
            continue;
        };
        let vp = VantagePoint {
            name: name.to_string(),
            group,
            site: None,
            how: String::new(),
        };
        out.extend(judge_changes(&vp, &sites, &assessed, now));
    }
    Ok(out)
}

/// The risk assessments in force (their current versions), each dated by the first version
/// from which on it has had the decision it has now.
pub fn assessed(log: &Log) -> Vec<Assessed> {
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    };
    let mut out = Vec::new();
    for r in log.of_kind(RecordKind::Assessment, false) {
        let Some(a) = r.assessment() else { continue };
        let mut dated = r.entered_at.clone();
        for older in log.history(r.id).iter().rev().skip(1) {
            match older.assessment() {
                Some(o) if o.decision == a.decision => dated = older.entered_at.clone(),
                _ => break,
            }
        }
        let Some(dated) = parse(&dated) else { continue };
        out.push(Assessed {
            record: r.id,
            blocks: a.change.action == ChangeAction::Block,
            site: a.change.site.clone(),
            category: a.change.category.clone(),
            groups: a.change.groups.clone(),
            approved: a.decision == Decision::Approve,
            decision: a.decision.past().to_string(),
            dated,
        });
    }
    out
}
