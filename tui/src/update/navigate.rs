//! Moving around: the selection, the screens, Esc and Enter, marking runs to compare.

use crate::action::{Action, Effect};
use crate::model::StatusFilter;
use crate::state::{HistoryView, Loadable, Screen, State, HISTORY_RUNS};

use super::{apply, say};

/// Moves the selection of what has focus (help, zoomed detail, history, the screen's list).
pub(super) fn move_by(state: &mut State, delta: isize) {
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

pub(super) fn go(state: &mut State, screen: Screen) {
    state.help = None;
    state.search = None;
    state.came_from = None;
    state.record_zoom = None;
    state.screen = screen;
}

pub(super) fn reset_selection(state: &mut State) {
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
pub(super) fn clamp(state: &mut State) {
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
pub(super) fn back(state: &mut State) -> Vec<Effect> {
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
pub(super) fn open(state: &mut State) -> Vec<Effect> {
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

pub(super) fn toggle_mark(state: &mut State) {
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

pub(super) fn compare_marked(state: &mut State) -> Vec<Effect> {
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
