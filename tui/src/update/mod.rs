//! `update(state, action) -> effects`: the one place the console's state changes. A plain
//! function: no I/O, no clock, no terminal; what needs the outside world is returned as
//! [`Effect`]s for the app to carry out.

mod audit;
mod load;
mod navigate;
mod records;
mod verify;
mod waivers;

use caretaker_model::run::fingerprint;
use caretaker_model::Finding;

use crate::action::{Action, Effect};
use crate::model::StatusFilter;
use crate::source::AuditScope;
use crate::state::{Loadable, Message, Screen, SearchEdit, State, RUNS_LIMIT};

use audit::{audit_event, selection_scope, start_audit};
use load::{want_changes, want_seen};
use navigate::{back, clamp, compare_marked, go, move_by, open, reset_selection, toggle_mark};
use records::{
    assessment_saved, correct, new_assessment, new_site, save_form, save_site_form, select_record,
    site_saved,
};
use verify::{verification_saved, verify};
use waivers::{attest, record_saved, save_record_form, waive, withdraw};

pub use load::reload;

/// How many rows PageUp / PageDown move.
fn page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(10)).max(5)
}

/// The key under which a finding's first / last seen is kept.
pub fn seen_key(f: &Finding) -> String {
    format!("{}|{}", fingerprint(f), f.status.as_str())
}

fn say(state: &mut State, text: impl Into<String>) {
    state.message = Some(Message {
        text: text.into(),
        error: false,
    });
}

fn complain(state: &mut State, text: impl Into<String>) {
    state.message = Some(Message {
        text: text.into(),
        error: true,
    });
}

/// Applies `action` to `state`; returns what the app must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let is_key = matches!(
        action,
        Action::Quit
            | Action::Back
            | Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
            | Action::NextScreen
            | Action::PrevScreen
            | Action::GoTo(_)
            | Action::Open
            | Action::Search
            | Action::Help
            | Action::ToggleMark
            | Action::CycleStatus
            | Action::CycleSort
            | Action::CycleView
            | Action::ClearFilters
            | Action::AuditAll
            | Action::AuditSelection
            | Action::NewAssessment
            | Action::Waive
            | Action::Attest
            | Action::NewSite
            | Action::Correct
            | Action::Verify
            | Action::Withdraw
            | Action::FormNext
            | Action::FormPrev
            | Action::FormCycle(_)
            | Action::FormInput(_)
            | Action::FormBackspace
            | Action::FormSave
            | Action::FormCancel
    );
    if is_key {
        state.message = None;
    }
    let mut effects = apply(state, action);
    clamp(state);
    effects.extend(want_seen(state));
    effects.extend(want_changes(state));
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            state.quit = true;
            if state.auditing() {
                return vec![Effect::CancelAudit];
            }
            Vec::new()
        }
        Action::Back => back(state),
        Action::Up => {
            move_by(state, -1);
            Vec::new()
        }
        Action::Down => {
            move_by(state, 1);
            Vec::new()
        }
        Action::PageUp => {
            move_by(state, -(page(state) as isize));
            Vec::new()
        }
        Action::PageDown => {
            move_by(state, page(state) as isize);
            Vec::new()
        }
        Action::Top => {
            move_by(state, isize::MIN / 2);
            Vec::new()
        }
        Action::Bottom => {
            move_by(state, isize::MAX / 2);
            Vec::new()
        }
        Action::Left => {
            if state.help.is_none() && state.screen == Screen::Filter {
                state.filter.col = state.filter.col.saturating_sub(1);
                state.filter.history = None;
            } else {
                go(state, state.screen.prev());
            }
            Vec::new()
        }
        Action::Right => {
            if state.help.is_none() && state.screen == Screen::Filter {
                state.filter.col += 1;
                state.filter.history = None;
            } else {
                go(state, state.screen.next());
            }
            Vec::new()
        }
        Action::NextScreen => {
            go(state, state.screen.next());
            Vec::new()
        }
        Action::PrevScreen => {
            go(state, state.screen.prev());
            Vec::new()
        }
        Action::GoTo(s) => {
            go(state, s);
            Vec::new()
        }
        Action::Help => {
            state.help = match state.help {
                Some(_) => None,
                None => Some(0),
            };
            Vec::new()
        }
        Action::Open => open(state),
        Action::Search => {
            state.help = None;
            state.search = Some(SearchEdit {
                before: state.query(state.screen).to_string(),
            });
            Vec::new()
        }
        Action::SearchInput(c) => {
            if state.search.is_some() {
                state.queries[state.screen.index()].push(c);
                reset_selection(state);
            }
            Vec::new()
        }
        Action::SearchBackspace => {
            if state.search.is_some() {
                state.queries[state.screen.index()].pop();
                reset_selection(state);
            }
            Vec::new()
        }
        Action::SearchDone => {
            state.search = None;
            Vec::new()
        }
        Action::SearchCancel => {
            if let Some(edit) = state.search.take() {
                state.queries[state.screen.index()] = edit.before;
                reset_selection(state);
            }
            Vec::new()
        }
        Action::ToggleMark => {
            toggle_mark(state);
            compare_marked(state)
        }
        Action::CycleStatus => {
            if state.screen == Screen::Findings {
                state.findings.status = state.findings.status.next();
                reset_selection(state);
            }
            Vec::new()
        }
        Action::CycleView => {
            if state.screen == Screen::Compliance {
                if let Some(p) = state.picture() {
                    let next = p.in_view(&p.next_view());
                    state.view = next.view.clone();
                    state.picture = Loadable::Ready(Box::new(next));
                    reset_selection(state);
                }
            }
            Vec::new()
        }
        Action::CycleSort => {
            if state.screen == Screen::Findings {
                state.findings.sort = state.findings.sort.next();
                reset_selection(state);
            }
            Vec::new()
        }
        Action::ClearFilters => {
            state.queries[state.screen.index()].clear();
            if state.screen == Screen::Findings {
                state.findings.status = StatusFilter::All;
            }
            reset_selection(state);
            Vec::new()
        }
        Action::AuditAll => start_audit(state, AuditScope::everything()),
        Action::AuditSelection => match selection_scope(state) {
            Ok(scope) => start_audit(state, scope),
            Err(why) => {
                complain(state, why);
                Vec::new()
            }
        },
        Action::Reload => reload(state),
        Action::NewAssessment => new_assessment(state),
        Action::Waive => waive(state),
        Action::Attest => attest(state),
        Action::NewSite => new_site(state),
        Action::Correct => correct(state),
        Action::Verify => verify(state),
        Action::Withdraw => withdraw(state),
        Action::FormNext => {
            if let Some(f) = &mut state.form {
                f.step(true);
            } else if let Some(f) = &mut state.record_form {
                f.step(true);
            } else if let Some(f) = &mut state.site_form {
                f.step(true);
            }
            Vec::new()
        }
        Action::FormPrev => {
            if let Some(f) = &mut state.form {
                f.step(false);
            } else if let Some(f) = &mut state.record_form {
                f.step(false);
            } else if let Some(f) = &mut state.site_form {
                f.step(false);
            }
            Vec::new()
        }
        Action::FormCycle(forward) => {
            if let Some(f) = &mut state.form {
                f.cycle(forward);
            } else if let Some(f) = &mut state.site_form {
                f.cycle(forward);
            }
            Vec::new()
        }
        Action::FormInput(c) => {
            if let Some(f) = &mut state.form {
                f.input(c);
            } else if let Some(f) = &mut state.record_form {
                f.input(c);
            } else if let Some(f) = &mut state.site_form {
                f.input(c);
            }
            Vec::new()
        }
        Action::FormBackspace => {
            if let Some(f) = &mut state.form {
                f.backspace();
            } else if let Some(f) = &mut state.record_form {
                f.backspace();
            } else if let Some(f) = &mut state.site_form {
                f.backspace();
            }
            Vec::new()
        }
        Action::FormSave if state.record_form.is_some() => save_record_form(state),
        Action::FormSave if state.site_form.is_some() => save_site_form(state),
        Action::FormSave => save_form(state),
        Action::FormCancel => {
            if state.form.take().is_some() {
                say(state, "Risk assessment cancelled: nothing was recorded.");
            } else if state.site_form.take().is_some() {
                say(state, "Site-log entry cancelled: nothing was recorded.");
            } else if let Some(f) = state.record_form.take() {
                let noun = f.noun();
                say(
                    state,
                    format!(
                        "{}{} cancelled: nothing was recorded.",
                        noun[..1].to_uppercase(),
                        &noun[1..]
                    ),
                );
            }
            Vec::new()
        }
        Action::ChangesLoaded(result) => {
            match result {
                Ok(c) => {
                    state.changes = Loadable::Ready(c);
                    if let Some(id) = state.select_record.take() {
                        select_record(state, id);
                    }
                }
                Err(e) => {
                    if state.changes.ready().is_some() {
                        complain(
                            state,
                            format!("Could not reload the filter-change log: {e}"),
                        );
                    } else {
                        state.changes = Loadable::Failed(e);
                    }
                }
            }
            Vec::new()
        }
        Action::AssessmentSaved(result) => assessment_saved(state, result),
        Action::RecordSaved(result) => record_saved(state, result),
        Action::SiteSaved(result) => site_saved(state, result),
        Action::VerificationSaved(result) => verification_saved(state, result),
        Action::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Action::PictureLoaded { request, result } => {
            if request != state.picture_request {
                return Vec::new();
            }
            match result {
                // Read against the standard shown before the reload.
                Ok(p) if p.view != state.view => {
                    state.picture = Loadable::Ready(Box::new(p.in_view(&state.view)))
                }
                Ok(p) => state.picture = Loadable::Ready(p),
                Err(e) => {
                    if state.picture.ready().is_some() {
                        complain(state, format!("Could not reload: {e}"));
                    } else {
                        state.picture = Loadable::Failed(e);
                    }
                }
            }
            // The runs only once the picture is in: the first frame never waits behind them.
            if std::mem::take(&mut state.runs_pending) {
                return vec![Effect::LoadRuns { limit: RUNS_LIMIT }];
            }
            Vec::new()
        }
        Action::RunsLoaded(result) => {
            state.runs = match result {
                Ok(r) => Loadable::Ready(r),
                Err(e) => Loadable::Failed(e),
            };
            Vec::new()
        }
        Action::SeenLoaded { key, result } => {
            state.seen.insert(
                key,
                match result {
                    Ok(s) => Loadable::Ready(s),
                    Err(e) => Loadable::Failed(e),
                },
            );
            Vec::new()
        }
        Action::FilterLogLoaded {
            url,
            vantage,
            result,
        } => {
            if let Some(h) = &mut state.filter.history {
                if h.url == url && h.vantage == vantage {
                    h.entries = match result {
                        Ok(entries) => Loadable::Ready(entries),
                        Err(e) => Loadable::Failed(e),
                    };
                }
            }
            Vec::new()
        }
        Action::DiffLoaded(result) => {
            if let Some((older, newer, d)) = &mut state.runs_view.diff {
                *d = match result {
                    Ok(diff) if diff.older == *older && diff.newer == *newer => {
                        Loadable::Ready(*diff)
                    }
                    Ok(_) => return Vec::new(),
                    Err(e) => Loadable::Failed(e),
                };
            }
            Vec::new()
        }
        Action::Audit(ev) => audit_event(state, ev),
    }
}
