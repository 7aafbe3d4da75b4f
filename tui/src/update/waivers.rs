//! Waivers and attestations: recording one, and withdrawing it.

use caretaker_model::records::StoredRecord;
use caretaker_model::run::fingerprint;
use caretaker_model::Status;

use crate::action::Effect;
use crate::form::{FormRecord, RecordForm, RecordTarget};
use crate::state::{Screen, State};

use super::load::reload;
use super::records::{log_ready, not_recorded, remember, selected_record};
use super::{complain, say};

/// `w` on Findings: a form to waive the selected finding (not a passing one).
pub(super) fn waive(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Findings {
        return Vec::new();
    }
    let Some(f) = state
        .selected_finding()
        .and_then(|i| state.picture().and_then(|p| p.findings.get(i)))
        .cloned()
    else {
        complain(state, "No finding is selected: nothing to waive.");
        return Vec::new();
    };
    if f.status == Status::Pass {
        complain(
            state,
            format!(
                "\"{}\" passes: there is nothing to waive (only failing, warning or erroring findings are).",
                f.summary
            ),
        );
        return Vec::new();
    }
    state.record_form = Some(RecordForm::new(RecordTarget::Waiver {
        fingerprint: fingerprint(&f),
        check: f.check.as_str().to_string(),
        target: f.target.display_name(),
        summary: f.summary.clone(),
    }));
    Vec::new()
}

/// `a` on Compliance: a form to attest the selected clause, if the policy map lets a person.
pub(super) fn attest(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Compliance {
        return Vec::new();
    }
    let Some(p) = state.picture() else {
        complain(
            state,
            "The clauses are still loading; try again in a moment.",
        );
        return Vec::new();
    };
    let attestable: Vec<String> = p
        .map
        .clauses
        .iter()
        .filter(|c| c.attestation)
        .map(|c| c.id.clone())
        .collect();
    let clause = state
        .clause_rows()
        .get(state.compliance)
        .and_then(|i| p.clauses.get(*i))
        .and_then(|row| p.map.clause(&row.line.id))
        .cloned();
    let Some(c) = clause else {
        complain(state, "No clause is selected: nothing to attest.");
        return Vec::new();
    };
    if !c.attestation {
        let which = if attestable.is_empty() {
            "none in this policy map".to_string()
        } else {
            attestable.join(", ")
        };
        complain(
            state,
            format!(
                "{} is checked by the audit, not attested by a person. Clauses that can be attested: {which}.",
                c.id
            ),
        );
        return Vec::new();
    }
    state.record_form = Some(RecordForm::new(RecordTarget::Attestation {
        clause: c.id.clone(),
        title: c.title.clone(),
    }));
    Vec::new()
}

/// Ctrl-S on a waiver or attestation: every problem beside its line, or the record appended
/// through the source.
pub(super) fn save_record_form(state: &mut State) -> Vec<Effect> {
    let today = state.now.date();
    let Some(form) = &mut state.record_form else {
        return Vec::new();
    };
    if form.saving {
        return Vec::new();
    }
    match form.validate(today) {
        Err(errors) => {
            let n = errors.len();
            if let Some((line, _)) = errors.first() {
                form.field = *line;
            }
            form.errors = errors;
            not_recorded(state, n);
            Vec::new()
        }
        Ok(record) => {
            form.errors.clear();
            form.saving = true;
            let noun = form.noun();
            say(state, format!("Recording the {noun}…"));
            vec![match record {
                FormRecord::Waiver(w) => Effect::SaveWaiver(w),
                FormRecord::Attestation(a) => Effect::SaveAttestation(a),
                FormRecord::Withdrawal { id, reason } => Effect::Withdraw { id, reason },
            }]
        }
    }
}

pub(super) fn record_saved(
    state: &mut State,
    result: Result<Box<StoredRecord>, String>,
) -> Vec<Effect> {
    let rec = match result {
        Err(e) => {
            if let Some(f) = &mut state.record_form {
                f.saving = false;
            }
            complain(state, format!("Not recorded: {e}"));
            return Vec::new();
        }
        Ok(rec) => rec,
    };
    state.record_form = None;
    let text = if let (Some(w), Some(old)) = (rec.waiver().filter(|w| w.withdrawn), rec.supersedes)
    {
        format!(
            "Waiver #{old} withdrawn by #{}: {} on {} counts again from the next audit (r audits now).",
            rec.id, w.check, w.target
        )
    } else if let (Some(a), Some(old)) = (rec.attestation().filter(|a| a.withdrawn), rec.supersedes)
    {
        format!(
            "Attestation #{old} withdrawn by #{}: {} is no longer attested.",
            rec.id, a.clause
        )
    } else if let Some(w) = rec.waiver() {
        format!(
            "Waiver #{} recorded: {} on {} is waived until {} (approved by {}). It shows as WAIVED after the next audit (r audits now).",
            rec.id, w.check, w.target, w.until, w.approved_by
        )
    } else if let Some(a) = rec.attestation() {
        format!(
            "Attestation #{} recorded: {} attested by {} until {}; it shows GREEN while no finding says otherwise.",
            rec.id, a.clause, a.attested_by, a.until
        )
    } else {
        format!("Recorded as #{}: {}", rec.id, rec.summary())
    };
    say(state, text);
    remember(state, &rec);
    // The clauses again (an attestation turns its clause GREEN) and the log with it.
    reload(state)
}

/// `d` on Attestations: a form for the reason, to withdraw the selected waiver or attestation.
pub(super) fn withdraw(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Attestations || !log_ready(state) {
        return Vec::new();
    }
    let Some(rec) = selected_record(state) else {
        complain(state, "Nothing is selected: nothing to withdraw.");
        return Vec::new();
    };
    state.record_form = Some(RecordForm::new(RecordTarget::Withdrawal {
        id: rec.id,
        what: format!("#{} {}", rec.id, rec.summary()),
    }));
    Vec::new()
}
