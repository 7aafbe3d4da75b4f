//! Audits: starting one (everything or the selection) and following its progress.

use caretaker_model::run::RunState;
use caretaker_model::TargetKind;

use crate::action::Effect;
use crate::model::verdict_word;
use crate::source::{AuditEvent, AuditScope};
use crate::state::{AuditView, Screen, State};

use super::load::reload;
use super::{complain, say};

pub(super) fn start_audit(state: &mut State, scope: AuditScope) -> Vec<Effect> {
    start_audit_for(state, scope, None)
}

/// Starts an audit; with `verifies`, its run is recorded against that risk assessment.
pub(super) fn start_audit_for(
    state: &mut State,
    scope: AuditScope,
    verifies: Option<i64>,
) -> Vec<Effect> {
    state.help = None;
    if let Some(a) = &state.audit {
        complain(
            state,
            format!("An audit of {} is already running.", a.scope.clone()),
        );
        return Vec::new();
    }
    state.audit = Some(AuditView {
        scope: scope.describe(),
        started: state.now,
        run_id: None,
        units: 0,
        done: 0,
        findings: 0,
        failing: 0,
        last_unit: None,
        verifies,
    });
    vec![Effect::StartAudit(scope)]
}

/// What `R` audits on the current screen.
pub(super) fn selection_scope(state: &State) -> Result<AuditScope, String> {
    let Some(p) = state.picture() else {
        return Err("Nothing is selected yet: press r to audit everything.".into());
    };
    match state.screen {
        Screen::Compliance => {
            let c = state
                .clause_rows()
                .get(state.compliance)
                .and_then(|i| p.map.clause(&p.clauses[*i].line.id));
            let Some(c) = c else {
                return Err("No clause is selected.".into());
            };
            // Only the selectors that name checks this version has.
            let selectors: Vec<String> = c
                .checks
                .iter()
                .filter(|s| p.catalogue.knows(s))
                .cloned()
                .collect();
            if selectors.is_empty() {
                Err(format!(
                    "No check evidences \"{}\" yet: it is attested by hand.",
                    c.title
                ))
            } else {
                Ok(AuditScope::checks(selectors))
            }
        }
        Screen::Findings => {
            let f = state
                .selected_finding()
                .map(|i| &p.findings[i])
                .ok_or("No finding is selected.")?;
            if f.target.kind == TargetKind::Host {
                Ok(AuditScope::host(&f.target.name))
            } else {
                Ok(AuditScope::checks(vec![f.check.as_str().to_string()]))
            }
        }
        Screen::Hosts => state
            .host_rows()
            .get(state.hosts)
            .map(|h| AuditScope::host(&h.name))
            .ok_or_else(|| "No machine is selected.".to_string()),
        Screen::Directory => {
            let (blocks, rows) = state.directory_rows();
            rows.get(state.directory)
                .map(|(b, c)| AuditScope::checks(vec![blocks[*b].checks[*c].check.clone()]))
                .ok_or_else(|| "No check is selected.".to_string())
        }
        Screen::Filter => Ok(AuditScope::checks(vec!["filter".into()])),
        Screen::Runs => {
            let rows = state.run_rows();
            let run = rows
                .get(state.runs_view.selected)
                .and_then(|i| state.runs.ready().and_then(|r| r.get(*i)))
                .ok_or("No run is selected.")?;
            Ok(AuditScope::checks(run.only.clone()))
        }
        // After a filter change: the filter tests.
        Screen::Assessments | Screen::Sites => Ok(AuditScope::checks(vec!["filter".into()])),
        Screen::Attestations => Err(
            "Attestations and waivers are not audited: press r to audit everything (a waiver shows from the next audit)."
                .into(),
        ),
    }
}

pub(super) fn audit_event(state: &mut State, ev: AuditEvent) -> Vec<Effect> {
    match ev {
        AuditEvent::Started { run_id, units } => {
            if let Some(a) = &mut state.audit {
                a.run_id = Some(run_id);
                a.units = units;
            }
            Vec::new()
        }
        AuditEvent::Forwarded { ok, words } => {
            if ok {
                say(state, words);
            } else {
                complain(state, words);
            }
            Vec::new()
        }
        AuditEvent::UnitDone {
            unit,
            findings,
            failing,
        } => {
            if let Some(a) = &mut state.audit {
                a.done += 1;
                a.findings += findings;
                a.failing += failing;
                a.last_unit = Some(unit);
            }
            Vec::new()
        }
        AuditEvent::Finished {
            run_id,
            state: run_state,
            verdict,
            counts,
            ..
        } => {
            let (scope, verifies) = state
                .audit
                .take()
                .map(|a| (a.scope, a.verifies))
                .unwrap_or_else(|| ("everything".into(), None));
            let word = verdict_word(run_state, Some(verdict));
            let mut effects = Vec::new();
            match verifies {
                Some(id) if run_state == RunState::Complete => {
                    say(
                        state,
                        format!("Filter tests finished (run {run_id}); recording them against risk assessment #{id}…"),
                    );
                    effects.push(Effect::SaveVerification {
                        assessment: id,
                        run: run_id,
                    });
                }
                Some(id) => complain(
                    state,
                    format!("The filter tests (run {run_id}) were interrupted: nothing was recorded against risk assessment #{id}."),
                ),
                None => say(
                    state,
                    format!(
                        "Audit of {scope} finished (run {run_id}): {word} · {} failing, {} could not be checked, {} warnings, {} passing.",
                        counts.fail, counts.error, counts.warn, counts.pass
                    ),
                ),
            }
            effects.extend(reload(state));
            effects
        }
        AuditEvent::Failed(e) => {
            state.audit = None;
            complain(state, format!("The audit failed: {e}"));
            reload(state)
        }
    }
}
