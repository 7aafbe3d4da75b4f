//! `update(state, action) -> effects`: the one place the console's state changes. A plain
//! function: no I/O, no clock, no terminal; what needs the outside world is returned as
//! [`Effect`]s for the app to carry out.

use caretaker_checks::{Finding, Status, TargetKind};
use caretaker_daemon::assess::{self, StoredRecord};
use caretaker_daemon::store::{fingerprint, RunState};

use crate::action::{Action, Effect};
use crate::form::{AssessForm, Field, FormRecord, RecordForm, RecordTarget, SiteForm};
use crate::model::{verdict_word, StatusFilter};
use crate::source::{AuditEvent, AuditScope};
use crate::state::Screen;
use crate::state::{
    AuditView, HistoryView, Loadable, Message, SearchEdit, State, HISTORY_RUNS, RUNS_LIMIT,
};

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

/// Moves the selection of what has focus (help, zoomed detail, history, the screen's list).
fn move_by(state: &mut State, delta: isize) {
    let step = |v: usize, max: usize| -> usize {
        let v = v as isize + delta;
        v.clamp(0, max.saturating_sub(1) as isize) as usize
    };
    if let Some(scroll) = state.help {
        state.help = Some(step(usize::from(scroll), 200) as u16);
        return;
    }
    if let Some(scroll) = state.record_zoom {
        state.record_zoom = Some(step(usize::from(scroll), 500) as u16);
        return;
    }
    match state.screen {
        Screen::Compliance => state.compliance = step(state.compliance, state.row_count()),
        Screen::Findings if state.findings.zoom => {
            state.findings.scroll = step(usize::from(state.findings.scroll), 500) as u16;
        }
        Screen::Findings => {
            state.findings.selected = step(state.findings.selected, state.row_count())
        }
        Screen::Hosts => state.hosts = step(state.hosts, state.row_count()),
        Screen::Directory => state.directory = step(state.directory, state.row_count()),
        Screen::Filter => {
            state.filter.row = step(state.filter.row, state.row_count());
            state.filter.history = None;
        }
        Screen::Runs => {
            state.runs_view.selected = step(state.runs_view.selected, state.row_count())
        }
        Screen::Assessments => state.assessments = step(state.assessments, state.row_count()),
        Screen::Sites => state.sites = step(state.sites, state.row_count()),
        Screen::Attestations => state.attestations = step(state.attestations, state.row_count()),
    }
}

fn go(state: &mut State, screen: Screen) {
    state.help = None;
    state.search = None;
    state.came_from = None;
    state.record_zoom = None;
    state.screen = screen;
}

fn reset_selection(state: &mut State) {
    match state.screen {
        Screen::Compliance => state.compliance = 0,
        Screen::Findings => {
            state.findings.selected = 0;
            state.findings.scroll = 0;
        }
        Screen::Hosts => state.hosts = 0,
        Screen::Directory => state.directory = 0,
        Screen::Filter => {
            state.filter.row = 0;
            state.filter.history = None;
        }
        Screen::Runs => state.runs_view.selected = 0,
        Screen::Assessments => state.assessments = 0,
        Screen::Sites => state.sites = 0,
        Screen::Attestations => state.attestations = 0,
    }
}

/// Keeps every selection inside its list.
fn clamp(state: &mut State) {
    let fit = |v: &mut usize, n: usize| *v = (*v).min(n.saturating_sub(1));
    match state.screen {
        Screen::Compliance => {
            let n = state.clause_rows().len();
            fit(&mut state.compliance, n);
        }
        Screen::Findings => {
            let n = state.finding_rows().len();
            fit(&mut state.findings.selected, n);
        }
        Screen::Hosts => {
            let n = state.host_rows().len();
            fit(&mut state.hosts, n);
        }
        Screen::Directory => {
            let n = state.directory_rows().1.len();
            fit(&mut state.directory, n);
        }
        Screen::Filter => {
            let m = state.filter_view();
            fit(&mut state.filter.row, m.rows.len());
            fit(&mut state.filter.col, m.vantages.len());
        }
        Screen::Runs => {
            let n = state.run_rows().len();
            fit(&mut state.runs_view.selected, n);
        }
        Screen::Assessments => {
            let n = state.assessment_rows().len();
            fit(&mut state.assessments, n);
        }
        Screen::Sites => {
            let n = state.site_rows().len();
            fit(&mut state.sites, n);
        }
        Screen::Attestations => {
            let n = state.attestation_rows().len();
            fit(&mut state.attestations, n);
        }
    }
}

/// Esc: close the innermost thing open. At the top it does nothing but say how to quit: one Esc
/// too many after closing a popup must not end the program.
fn back(state: &mut State) -> Vec<Effect> {
    if state.form.is_some() || state.record_form.is_some() || state.site_form.is_some() {
        return apply(state, Action::FormCancel);
    }
    if state.help.is_some() {
        state.help = None;
        return Vec::new();
    }
    if state.record_zoom.take().is_some() {
        return Vec::new();
    }
    match state.screen {
        Screen::Findings if state.findings.zoom => {
            state.findings.zoom = false;
            state.findings.scroll = 0;
            return Vec::new();
        }
        Screen::Filter if state.filter.history.is_some() => {
            state.filter.history = None;
            return Vec::new();
        }
        Screen::Runs if state.runs_view.diff.is_some() || !state.runs_view.marked.is_empty() => {
            state.runs_view.diff = None;
            state.runs_view.marked.clear();
            return Vec::new();
        }
        _ => {}
    }
    if let Some(from) = state.came_from.take() {
        // Leaving a drill-down drops the search it set.
        state.queries[state.screen.index()].clear();
        state.findings.status = StatusFilter::All;
        state.screen = from;
        return Vec::new();
    }
    say(state, "Nothing is open to close: q quits.");
    Vec::new()
}

/// Shows the Findings screen with `query`, remembering where it came from.
fn drill(state: &mut State, query: String) {
    let from = state.screen;
    state.queries[Screen::Findings.index()] = query;
    state.findings.status = StatusFilter::All;
    state.findings.selected = 0;
    state.findings.zoom = false;
    state.findings.scroll = 0;
    state.screen = Screen::Findings;
    state.came_from = Some(from);
}

/// Enter.
fn open(state: &mut State) -> Vec<Effect> {
    if state.help.is_some() {
        return Vec::new();
    }
    match state.screen {
        Screen::Compliance => {
            let row = state.clause_rows().get(state.compliance).copied();
            let id = row.and_then(|i| state.picture().map(|p| p.clauses[i].line.id.clone()));
            if let Some(id) = id {
                drill(state, format!("clause:{id}"));
            }
            Vec::new()
        }
        Screen::Findings => {
            if state.selected_finding().is_some() {
                state.findings.zoom = !state.findings.zoom;
                state.findings.scroll = 0;
            }
            Vec::new()
        }
        Screen::Hosts => {
            if let Some(h) = state.host_rows().get(state.hosts) {
                let q = format!("host:{}", h.name);
                drill(state, q);
            }
            Vec::new()
        }
        Screen::Directory => {
            let (blocks, rows) = state.directory_rows();
            if let Some((b, c)) = rows.get(state.directory) {
                let q = format!(
                    "dir:{} check:{}",
                    blocks[*b].name, blocks[*b].checks[*c].check
                );
                drill(state, q);
            }
            Vec::new()
        }
        Screen::Filter => {
            let m = state.filter_view();
            let (Some(row), Some(col)) = (
                m.rows.get(state.filter.row),
                m.vantages.get(state.filter.col),
            ) else {
                return Vec::new();
            };
            if state.filter.history.is_some() {
                state.filter.history = None;
                return Vec::new();
            }
            state.filter.history = Some(HistoryView {
                url: row.url.clone(),
                vantage: col.name.clone(),
                entries: Loadable::Loading,
            });
            vec![Effect::LoadFilterLog {
                url: row.url.clone(),
                vantage: col.name.clone(),
                runs: HISTORY_RUNS,
            }]
        }
        Screen::Runs => {
            if state.runs_view.marked.len() == 2 {
                return compare_marked(state);
            }
            // The selected run against the one before it.
            let rows = state.run_rows();
            let Some(runs) = state.runs.ready() else {
                return Vec::new();
            };
            let Some(&i) = rows.get(state.runs_view.selected) else {
                return Vec::new();
            };
            let newer = runs[i].id;
            let Some(older) = runs.get(i + 1).map(|r| r.id) else {
                say(
                    state,
                    format!("Run {newer} is the first stored run: nothing to compare it with."),
                );
                return Vec::new();
            };
            compare(state, older, newer)
        }
        // The selected record in full over the list (Enter again, or Esc, goes back).
        Screen::Assessments | Screen::Sites | Screen::Attestations => {
            let any = match state.screen {
                Screen::Assessments => !state.assessment_rows().is_empty(),
                Screen::Sites => !state.site_rows().is_empty(),
                _ => !state.attestation_rows().is_empty(),
            };
            state.record_zoom = match state.record_zoom {
                Some(_) => None,
                None if any => Some(0),
                None => None,
            };
            Vec::new()
        }
    }
}

fn toggle_mark(state: &mut State) {
    if state.screen != Screen::Runs {
        return;
    }
    let rows = state.run_rows();
    let id = rows
        .get(state.runs_view.selected)
        .and_then(|i| state.runs.ready().and_then(|r| r.get(*i)))
        .map(|r| r.id);
    let Some(id) = id else { return };
    let marked = &mut state.runs_view.marked;
    if let Some(p) = marked.iter().position(|m| *m == id) {
        marked.remove(p);
        state.runs_view.diff = None;
    } else {
        if marked.len() == 2 {
            marked.remove(0);
        }
        marked.push(id);
    }
}

fn compare_marked(state: &mut State) -> Vec<Effect> {
    if state.screen != Screen::Runs || state.runs_view.marked.len() != 2 {
        return Vec::new();
    }
    let (a, b) = (state.runs_view.marked[0], state.runs_view.marked[1]);
    compare(state, a.min(b), a.max(b))
}

fn compare(state: &mut State, older: i64, newer: i64) -> Vec<Effect> {
    let only = |id: i64| -> Vec<String> {
        match &state.runs {
            Loadable::Ready(runs) => runs
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.only.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    };
    let (older_only, newer_only) = (only(older), only(newer));
    state.runs_view.diff = Some((older, newer, Loadable::Loading));
    vec![Effect::LoadDiff {
        older,
        newer,
        older_only,
        newer_only,
    }]
}

fn start_audit(state: &mut State, scope: AuditScope) -> Vec<Effect> {
    start_audit_for(state, scope, None)
}

/// Starts an audit; with `verifies`, its run is recorded against that risk assessment.
fn start_audit_for(state: &mut State, scope: AuditScope, verifies: Option<i64>) -> Vec<Effect> {
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
fn selection_scope(state: &State) -> Result<AuditScope, String> {
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
            let known = caretaker_daemon::engine::known_check_ids();
            let selectors: Vec<String> = c
                .checks
                .iter()
                .filter(|s| known.iter().any(|id| id.matches(s)))
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

/// Everything again from the source; what is on screen stays until the answers arrive. The
/// picture first; the runs (a year of them: slower) when it is in.
pub fn reload(state: &mut State) -> Vec<Effect> {
    state.picture_request += 1;
    if state.picture.ready().is_none() {
        state.picture = Loadable::Loading;
    }
    if state.runs.ready().is_none() {
        state.runs = Loadable::Loading;
    }
    state.runs_pending = true;
    state.seen.clear();
    state.filter.history = None;
    let mut effects = vec![Effect::LoadPicture {
        request: state.picture_request,
    }];
    // The filter-change log again if it was loaded (else when its screen is first shown).
    if !matches!(state.changes, Loadable::Idle | Loadable::Loading) {
        if state.changes.ready().is_none() {
            state.changes = Loadable::Loading;
        }
        effects.push(Effect::LoadChanges);
    }
    effects
}

fn audit_event(state: &mut State, ev: AuditEvent) -> Vec<Effect> {
    match ev {
        AuditEvent::Started { run_id, units } => {
            if let Some(a) = &mut state.audit {
                a.run_id = Some(run_id);
                a.units = units;
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
        } => {
            let (scope, verifies) = state
                .audit
                .take()
                .map(|a| (a.scope, a.verifies))
                .unwrap_or_else(|| ("everything".into(), None));
            let word = verdict_word(&caretaker_daemon::store::RunRecord {
                id: run_id,
                trigger: String::new(),
                who: String::new(),
                config_digest: String::new(),
                school: String::new(),
                started_at: String::new(),
                ended_at: None,
                state: run_state,
                verdict: Some(verdict),
                only: Vec::new(),
                counts,
            });
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

/// When the Findings screen shows a finding whose first / last seen is not known, ask for it.
fn want_seen(state: &mut State) -> Option<Effect> {
    if state.screen != Screen::Findings {
        return None;
    }
    let i = state.selected_finding()?;
    let f = state.picture()?.findings.get(i)?.clone();
    let key = seen_key(&f);
    if state.seen.contains_key(&key) {
        return None;
    }
    state.seen.insert(key.clone(), Loadable::Loading);
    Some(Effect::LoadSeen {
        key,
        finding: Box::new(f),
    })
}

/// When a screen of the log of records is shown (or a waiver or attestation is being entered)
/// and the log is not loaded, ask for it.
fn want_changes(state: &mut State) -> Option<Effect> {
    let shown = matches!(
        state.screen,
        Screen::Assessments | Screen::Sites | Screen::Attestations
    ) || state.record_form.is_some();
    if !shown || !matches!(state.changes, Loadable::Idle) {
        return None;
    }
    state.changes = Loadable::Loading;
    Some(Effect::LoadChanges)
}

/// Selects record `id` on its screen (clearing a search that hides it).
fn select_record(state: &mut State, id: i64) {
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
fn new_assessment(state: &mut State) -> Vec<Effect> {
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
fn save_form(state: &mut State) -> Vec<Effect> {
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

fn assessment_saved(state: &mut State, result: Result<Box<StoredRecord>, String>) -> Vec<Effect> {
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

/// `w` on Findings: a form to waive the selected finding (not a passing one).
fn waive(state: &mut State) -> Vec<Effect> {
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
fn attest(state: &mut State) -> Vec<Effect> {
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
fn save_record_form(state: &mut State) -> Vec<Effect> {
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

fn record_saved(state: &mut State, result: Result<Box<StoredRecord>, String>) -> Vec<Effect> {
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

/// `e` on the Site log: a form for a reported site, dated now (local time, as on the paper sheet).
fn new_site(state: &mut State) -> Vec<Effect> {
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
fn save_site_form(state: &mut State) -> Vec<Effect> {
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

fn site_saved(state: &mut State, result: Result<Box<StoredRecord>, String>) -> Vec<Effect> {
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
fn selected_record(state: &State) -> Option<StoredRecord> {
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
fn correct(state: &mut State) -> Vec<Effect> {
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

/// `v`: the filter tests now, their run recorded against the selected (approved) assessment.
fn verify(state: &mut State) -> Vec<Effect> {
    state.help = None;
    state.search = None;
    if state.screen != Screen::Assessments {
        return Vec::new();
    }
    if !log_ready(state) {
        return Vec::new();
    }
    let Some(rec) = selected_record(state) else {
        complain(state, "No risk assessment is selected: nothing to verify.");
        return Vec::new();
    };
    let today = state.now.to_offset(state.offset).date();
    let a = match assess::verifiable(&rec, today) {
        Ok(a) => a,
        Err(why) => {
            complain(state, format!("{why}."));
            return Vec::new();
        }
    };
    let effects = start_audit_for(
        state,
        AuditScope {
            verifies: Some(rec.id),
            ..AuditScope::checks(vec!["filter".into()])
        },
        Some(rec.id),
    );
    if !effects.is_empty() {
        say(
            state,
            format!(
                "Running the web-filter tests for #{} ({}); the run is recorded against it when they finish.",
                rec.id,
                a.change.sentence()
            ),
        );
    }
    effects
}

fn verification_saved(state: &mut State, result: Result<Box<StoredRecord>, String>) -> Vec<Effect> {
    let rec = match result {
        Err(e) => {
            complain(state, format!("The filter check was not recorded: {e}"));
            return Vec::new();
        }
        Ok(rec) => rec,
    };
    let text = match rec.verification() {
        Some(v) if v.must_block_passed => format!(
            "Recorded as #{}: the must-block list is still blocked after #{} ({} of {} must-block tests passed in run {}).",
            rec.id, v.assessment, v.passed, v.must_block_tests, v.run
        ),
        Some(v) if v.must_block_tests == 0 => format!(
            "Recorded as #{}: run {} holds no must-block tests, so it does NOT show the must-block list blocked after #{}.",
            rec.id, v.run, v.assessment
        ),
        Some(v) => format!(
            "Recorded as #{}: the must-block list is NOT all blocked after #{}: {} of {} must-block tests did not pass in run {}.",
            rec.id,
            v.assessment,
            v.must_block_tests - v.passed,
            v.must_block_tests,
            v.run
        ),
        None => format!("Recorded as #{}: {}", rec.id, rec.summary()),
    };
    match rec.verification() {
        Some(v) if v.must_block_passed => say(state, text),
        _ => complain(state, text),
    }
    remember(state, &rec);
    vec![Effect::LoadChanges]
}

/// True once the filter-change log is loaded; else says so.
fn log_ready(state: &mut State) -> bool {
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
fn not_recorded(state: &mut State, n: usize) {
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
fn remember(state: &mut State, rec: &StoredRecord) {
    if let Loadable::Ready(c) = &mut state.changes {
        if !c.records.iter().any(|r| r.id == rec.id) {
            c.records.push(rec.clone());
        }
    }
}

/// `d` on Attestations: a form for the reason, to withdraw the selected waiver or attestation.
fn withdraw(state: &mut State) -> Vec<Effect> {
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
