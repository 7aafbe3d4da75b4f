//! The filter-change log: risk assessments and site-log entries, new and corrected, and the
//! records just saved.

use caretaker_model::records::StoredRecord;

use crate::action::Effect;
use crate::form::{AssessForm, Field, SiteForm};
use crate::state::{Loadable, Screen, State};

use super::{complain, say};

/// Selects record `id` on its screen (clearing a search that hides it).
pub(super) fn select_record(state: &mut State, id: i64) {
    for screen in [Screen::Assessments, Screen::Sites] {
        let rows = |s: &State| match screen {
            Screen::Sites => s.site_rows(),
            _ => s.assessment_rows(),
        };
        let mut pos = rows(state).iter().position(|r| *r == id);
        if pos.is_none() && !state.query(screen).is_empty() {
            state.queries[screen.index()].clear();
            pos = rows(state).iter().position(|r| *r == id);
        }
        if let Some(p) = pos {
            match screen {
                Screen::Sites => state.sites = p,
                _ => state.assessments = p,
            }
            return;
        }
    }
}

/// `n`: a new risk assessment; from the Site log, of the selected entry.
pub(super) fn new_assessment(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    let Some(c) = state.changes() else {
        complain(
            state,
            "The filter-change log is still loading; try again in a moment.",
        );
        return Vec::new();
    };
    let form = match state.screen {
        Screen::Assessments => AssessForm::new(),
        Screen::Sites => {
            let log = c.log();
            let entry = state
                .site_rows()
                .get(state.sites)
                .and_then(|id| log.get(*id))
                .and_then(|r| r.site().map(|s| (r.id, s)));
            match entry {
                Some((id, entry)) => AssessForm::from_site(id, &entry),
                None => {
                    complain(state, "No site-log entry is selected.");
                    return Vec::new();
                }
            }
        }
        _ => return Vec::new(),
    };
    state.form = Some(form);
    Vec::new()
}

/// Ctrl-S: every problem next to its line, or the record appended through the source.
pub(super) fn save_form(state: &mut State) -> Vec<Effect> {
    let Some(rule) = state.changes().map(|c| c.consent_from) else {
        return Vec::new();
    };
    let Some(form) = &mut state.form else {
        return Vec::new();
    };
    if form.saving {
        return Vec::new();
    }
    match form.draft().validate(rule) {
        Err(errors) => {
            let n = errors.len();
            if let Some(first) = errors.first() {
                form.field = Field::of_error(&first.field).index();
            }
            form.errors = errors;
            not_recorded(state, n);
            Vec::new()
        }
        Ok(record) => {
            form.errors.clear();
            form.saving = true;
            say(state, "Recording the risk assessment…");
            vec![Effect::SaveAssessment(Box::new(record))]
        }
    }
}

pub(super) fn assessment_saved(
    state: &mut State,
    result: Result<Box<StoredRecord>, String>,
) -> Vec<Effect> {
    match result {
        Err(e) => {
            if let Some(f) = &mut state.form {
                f.saving = false;
            }
            complain(state, format!("Not recorded: {e}"));
            Vec::new()
        }
        Ok(rec) => {
            state.form = None;
            let text = format!(
                "Risk assessment recorded as #{} by {}: {}",
                rec.id,
                rec.entered_by,
                rec.assessment()
                    .map(|a| a.summary())
                    .unwrap_or_else(|| rec.summary())
            );
            show_saved(state, &rec, Screen::Assessments, text)
        }
    }
}

/// A risk assessment or site-log entry saved: its screen, the record selected, the log read
/// again (links, corrections) with it kept selected.
fn show_saved(state: &mut State, rec: &StoredRecord, screen: Screen, text: String) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    state.came_from = None;
    state.screen = screen;
    say(state, text);
    remember(state, rec);
    select_record(state, rec.id);
    state.select_record = Some(rec.id);
    vec![Effect::LoadChanges]
}

/// `e` on the Site log: a form for a reported site, dated now (local time, as on the paper sheet).
pub(super) fn new_site(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Sites {
        return Vec::new();
    }
    state.site_form = Some(SiteForm::new(state.now.to_offset(state.offset)));
    Vec::new()
}

/// Ctrl-S on a site-log entry: every problem beside its line, or the entry appended through the
/// source.
pub(super) fn save_site_form(state: &mut State) -> Vec<Effect> {
    let Some(form) = &mut state.site_form else {
        return Vec::new();
    };
    if form.saving {
        return Vec::new();
    }
    match form.draft().validate() {
        Err(errors) => {
            let n = errors.len();
            if let Some(first) = errors.first() {
                form.field = SiteForm::line_of(&first.field);
            }
            form.errors = errors;
            not_recorded(state, n);
            Vec::new()
        }
        Ok(entry) => {
            form.errors.clear();
            form.saving = true;
            say(state, "Recording the site-log entry…");
            vec![Effect::SaveSite(Box::new(entry))]
        }
    }
}

pub(super) fn site_saved(
    state: &mut State,
    result: Result<Box<StoredRecord>, String>,
) -> Vec<Effect> {
    let rec = match result {
        Err(e) => {
            if let Some(f) = &mut state.site_form {
                f.saving = false;
            }
            complain(state, format!("Not recorded: {e}"));
            return Vec::new();
        }
        Ok(rec) => rec,
    };
    state.site_form = None;
    let text = format!(
        "Site-log entry recorded as #{} by {}: {}",
        rec.id,
        rec.entered_by,
        rec.site()
            .map(|s| s.summary())
            .unwrap_or_else(|| rec.summary())
    );
    show_saved(state, &rec, Screen::Sites, text)
}

/// The current version of the selected record on the Risk assessments, Site log or Attestations
/// screen.
pub(super) fn selected_record(state: &State) -> Option<StoredRecord> {
    let c = state.changes()?;
    let id = match state.screen {
        Screen::Assessments => state.assessment_rows().get(state.assessments).copied(),
        Screen::Sites => state.site_rows().get(state.sites).copied(),
        Screen::Attestations => state.attestation_rows().get(state.attestations).copied(),
        _ => None,
    }?;
    c.records.iter().find(|r| r.id == id).cloned()
}

/// `c`: a form holding the selected assessment or site-log entry, saved as a new record that
/// supersedes it.
pub(super) fn correct(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if !log_ready(state) {
        return Vec::new();
    }
    let Some(rec) = selected_record(state) else {
        complain(state, "Nothing is selected: nothing to correct.");
        return Vec::new();
    };
    match (state.screen, rec.assessment(), rec.site()) {
        (Screen::Assessments, Some(a), _) => {
            state.form = Some(AssessForm::correcting(rec.id, &a));
        }
        (Screen::Sites, _, Some(e)) => {
            state.site_form = Some(SiteForm::correcting(rec.id, &e));
        }
        _ => complain(
            state,
            format!("#{} cannot be read as it was recorded, so it cannot be corrected here (see `caretaker assess verify`).", rec.id),
        ),
    }
    Vec::new()
}

/// True once the filter-change log is loaded; else says so.
pub(super) fn log_ready(state: &mut State) -> bool {
    let ready = state.changes().is_some();
    if !ready {
        complain(
            state,
            "The filter-change log is still loading; try again in a moment.",
        );
    }
    ready
}

/// After Ctrl-S found `n` problems in a form.
pub(super) fn not_recorded(state: &mut State, n: usize) {
    complain(
        state,
        format!(
            "{n} problem{} (shown beside {}): nothing was recorded.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its line" } else { "their lines" }
        ),
    );
}

/// A record just appended, kept in the loaded log until the log is read again.
pub(super) fn remember(state: &mut State, rec: &StoredRecord) {
    if let Loadable::Ready(c) = &mut state.changes {
        if !c.records.iter().any(|r| r.id == rec.id) {
            c.records.push(rec.clone());
        }
    }
}
