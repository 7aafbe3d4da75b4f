//! `update` for every action: a plain function, tested without a terminal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caretaker_api::{Api, AuditEvent, AuditScope};
use caretaker_checks::Status;
use caretaker_core::store::{RunState, StatusCounts, Verdict};
use caretaker_sample::{self as sample, Sample};
use caretaker_tui::action::{Action, Effect};
use caretaker_tui::model::{CellHistory, Diff, Sort, StatusFilter};
use caretaker_tui::state::{Loadable, Screen, State};
use caretaker_tui::update::update;
use common::{act, console};

fn loaded() -> (State, Sample) {
    console(80, 24)
}

/// The `--only` selectors of the sample's run `id`.
fn only(id: i64) -> Vec<String> {
    let (_, src) = loaded();
    src.runs(1000)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.only)
        .unwrap()
}

#[test]
fn quit_stops_and_cancels_a_running_audit() {
    let (mut s, _) = loaded();
    assert!(update(&mut s, Action::Quit).is_empty());
    assert!(s.quit);
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::AuditAll);
    assert_eq!(update(&mut s, Action::Quit), vec![Effect::CancelAudit]);
    assert!(s.quit);
}

#[test]
fn back_closes_the_innermost_thing_then_leaves_the_drill_down_and_never_quits() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::Help);
    act(&mut s, &src, Action::Back);
    assert_eq!(s.help, None);
    act(&mut s, &src, Action::Open); // Compliance → Findings of the first clause
    assert_eq!(s.screen, Screen::Findings);
    assert_eq!(s.came_from, Some(Screen::Compliance));
    act(&mut s, &src, Action::Open); // the detail in full
    assert!(s.findings.zoom);
    act(&mut s, &src, Action::Back);
    assert!(!s.findings.zoom);
    act(&mut s, &src, Action::Back);
    assert_eq!(s.screen, Screen::Compliance);
    assert_eq!(s.query(Screen::Findings), "");
    assert!(!s.quit);
    // One Esc too many at the top does not end the program: it says how to.
    act(&mut s, &src, Action::Back);
    act(&mut s, &src, Action::Back);
    assert!(!s.quit);
    assert!(s
        .message
        .as_ref()
        .is_some_and(|m| m.text.contains("q quits")));
    assert_eq!(s.screen, Screen::Compliance);

    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Filter));
    act(&mut s, &src, Action::Open);
    assert!(s.filter.history.is_some());
    act(&mut s, &src, Action::Back);
    assert!(s.filter.history.is_none());
    act(&mut s, &src, Action::GoTo(Screen::Runs));
    act(&mut s, &src, Action::ToggleMark);
    act(&mut s, &src, Action::Back);
    assert!(s.runs_view.marked.is_empty() && s.runs_view.diff.is_none());
    assert!(!s.quit);
}

#[test]
fn up_and_down_move_within_the_list_and_scroll_help_and_detail() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::Up);
    assert_eq!(s.compliance, 0);
    act(&mut s, &src, Action::Down);
    assert_eq!(s.compliance, 1);
    for _ in 0..100 {
        act(&mut s, &src, Action::Down);
    }
    assert_eq!(s.compliance, s.clause_rows().len() - 1);
    act(&mut s, &src, Action::Help);
    act(&mut s, &src, Action::Down);
    assert_eq!(s.help, Some(1));
    assert_eq!(s.compliance, s.clause_rows().len() - 1, "help has focus");
    act(&mut s, &src, Action::Help);
    act(&mut s, &src, Action::GoTo(Screen::Findings));
    act(&mut s, &src, Action::Open);
    act(&mut s, &src, Action::Down);
    assert_eq!(s.findings.scroll, 1);
    assert_eq!(s.findings.selected, 0);
}

#[test]
fn top_bottom_and_pages() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Findings));
    let n = s.finding_rows().len();
    act(&mut s, &src, Action::Bottom);
    assert_eq!(s.findings.selected, n - 1);
    act(&mut s, &src, Action::Top);
    assert_eq!(s.findings.selected, 0);
    act(&mut s, &src, Action::PageDown);
    let page = s.findings.selected;
    assert!(page >= 5, "{page}");
    act(&mut s, &src, Action::PageUp);
    assert_eq!(s.findings.selected, 0);
}

#[test]
fn left_and_right_move_between_vantage_points_on_filter_and_screens_elsewhere() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::Right);
    assert_eq!(s.screen, Screen::Findings);
    act(&mut s, &src, Action::Left);
    assert_eq!(s.screen, Screen::Compliance);
    act(&mut s, &src, Action::GoTo(Screen::Filter));
    act(&mut s, &src, Action::Right);
    act(&mut s, &src, Action::Right);
    act(&mut s, &src, Action::Right);
    assert_eq!(s.filter.col, 2, "clamped to the three vantage points");
    act(&mut s, &src, Action::Left);
    assert_eq!(s.filter.col, 1);
    assert_eq!(s.screen, Screen::Filter);
}

#[test]
fn screens_cycle_and_go_to() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::PrevScreen);
    assert_eq!(s.screen, Screen::Attestations);
    act(&mut s, &src, Action::NextScreen);
    assert_eq!(s.screen, Screen::Compliance);
    for screen in Screen::ALL {
        act(&mut s, &src, Action::GoTo(screen));
        assert_eq!(s.screen, screen);
    }
}

#[test]
fn open_drills_in_on_every_screen() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::Open);
    assert_eq!(s.query(Screen::Findings), "clause:7.4/virus-protection");
    assert!(s.finding_rows().len() >= 12);

    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Hosts));
    let first = s.host_rows()[0].name.clone();
    act(&mut s, &src, Action::Open);
    assert_eq!(s.screen, Screen::Findings);
    assert_eq!(s.query(Screen::Findings), format!("host:{first}"));
    assert_eq!(
        s.finding_rows().len(),
        caretaker_checks::host::CHECK_IDS.len()
    );

    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Directory));
    act(&mut s, &src, Action::Down);
    act(&mut s, &src, Action::Open);
    assert_eq!(
        s.query(Screen::Findings),
        "dir:ad check:directory.password-policy"
    );
    assert_eq!(s.finding_rows().len(), 3);

    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::GoTo(Screen::Filter));
    let effects = update(&mut s, Action::Open);
    // The first column: vantage points with problems first, by name.
    assert!(matches!(
        effects.as_slice(),
        [Effect::LoadFilterLog { vantage, .. }] if vantage == "guest-wifi"
    ));

    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::GoTo(Screen::Runs));
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::LoadDiff {
            older: 7,
            newer: 8,
            older_only: only(7),
            newer_only: only(8),
        }]
    );
    let _ = update(&mut s, Action::Bottom);
    assert!(update(&mut s, Action::Open).is_empty());
    assert!(s
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("first stored run"));
}

#[test]
fn search_filters_live_and_esc_restores() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Hosts));
    act(&mut s, &src, Action::Search);
    assert!(s.search.is_some());
    for c in "office".chars() {
        act(&mut s, &src, Action::SearchInput(c));
    }
    assert_eq!(s.host_rows().len(), 1);
    act(&mut s, &src, Action::SearchBackspace);
    assert_eq!(s.query(Screen::Hosts), "offic");
    act(&mut s, &src, Action::SearchDone);
    assert!(s.search.is_none());
    assert_eq!(s.host_rows().len(), 1);
    act(&mut s, &src, Action::Search);
    act(&mut s, &src, Action::SearchInput('x'));
    act(&mut s, &src, Action::SearchCancel);
    assert_eq!(s.query(Screen::Hosts), "offic");
    // Typing without a search open does nothing.
    act(&mut s, &src, Action::SearchInput('z'));
    assert_eq!(s.query(Screen::Hosts), "offic");
}

#[test]
fn help_toggles() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::Help);
    assert_eq!(s.help, Some(0));
    act(&mut s, &src, Action::Help);
    assert_eq!(s.help, None);
}

#[test]
fn marking_two_runs_compares_them() {
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::GoTo(Screen::Runs));
    assert!(update(&mut s, Action::ToggleMark).is_empty());
    let _ = update(&mut s, Action::Down);
    let _ = update(&mut s, Action::Down);
    assert_eq!(
        update(&mut s, Action::ToggleMark),
        vec![Effect::LoadDiff {
            older: 6,
            newer: 8,
            older_only: only(6),
            newer_only: only(8),
        }]
    );
    // A third mark drops the first.
    let _ = update(&mut s, Action::Down);
    assert_eq!(
        update(&mut s, Action::ToggleMark),
        vec![Effect::LoadDiff {
            older: 5,
            newer: 6,
            older_only: only(5),
            newer_only: only(6),
        }]
    );
    assert_eq!(s.runs_view.marked, vec![6, 5]);
    // Unmarking drops the comparison.
    let _ = update(&mut s, Action::ToggleMark);
    assert_eq!(s.runs_view.marked, vec![6]);
    assert!(s.runs_view.diff.is_none());
    // Not on other screens.
    let _ = update(&mut s, Action::GoTo(Screen::Hosts));
    let _ = update(&mut s, Action::ToggleMark);
    assert_eq!(s.runs_view.marked, vec![6]);
}

#[test]
fn status_filter_and_sort_cycle_on_findings_only() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::CycleStatus);
    assert_eq!(s.findings.status, StatusFilter::All);
    act(&mut s, &src, Action::GoTo(Screen::Findings));
    let all = s.finding_rows().len();
    act(&mut s, &src, Action::CycleStatus);
    assert_eq!(s.findings.status, StatusFilter::Problems);
    let problems = s.finding_rows().len();
    assert!(problems < all);
    act(&mut s, &src, Action::CycleStatus);
    assert_eq!(s.findings.status, StatusFilter::Only(Status::Fail));
    act(&mut s, &src, Action::CycleSort);
    assert_eq!(s.findings.sort, Sort::Check);
    let rows = s.finding_rows();
    let p = s.picture().unwrap();
    assert!(rows
        .windows(2)
        .all(|w| p.findings[w[0]].check <= p.findings[w[1]].check));
}

#[test]
fn clear_filters() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Findings));
    act(&mut s, &src, Action::CycleStatus);
    act(&mut s, &src, Action::Search);
    act(&mut s, &src, Action::SearchInput('q'));
    act(&mut s, &src, Action::SearchDone);
    act(&mut s, &src, Action::ClearFilters);
    assert_eq!(s.query(Screen::Findings), "");
    assert_eq!(s.findings.status, StatusFilter::All);
}

#[test]
fn audit_all_starts_once() {
    let (mut s, _) = loaded();
    assert_eq!(
        update(&mut s, Action::AuditAll),
        vec![Effect::StartAudit(AuditScope::everything())]
    );
    assert_eq!(s.audit.as_ref().unwrap().scope, "everything");
    assert!(update(&mut s, Action::AuditAll).is_empty());
    assert!(s.message.as_ref().unwrap().error);
}

#[test]
fn audit_selection_depends_on_the_screen() {
    let scope = |screen: Screen, downs: usize| {
        let (mut s, src) = loaded();
        act(&mut s, &src, Action::GoTo(screen));
        for _ in 0..downs {
            act(&mut s, &src, Action::Down);
        }
        match update(&mut s, Action::AuditSelection).as_slice() {
            [Effect::StartAudit(scope)] => scope.clone(),
            other => panic!("{screen:?}: {other:?}"),
        }
    };
    assert_eq!(
        scope(Screen::Compliance, 0),
        AuditScope::checks(vec![
            "host.antivirus".into(),
            "host.updates".into(),
            "host.supported".into()
        ])
    );
    let f = scope(Screen::Findings, 0);
    assert!(f.host.is_some() || f.selectors.len() == 1, "{f:?}");
    assert_eq!(scope(Screen::Hosts, 0), AuditScope::host("classroom-1"));
    assert_eq!(
        scope(Screen::Directory, 2),
        AuditScope::checks(vec!["directory.lockout".into()])
    );
    assert_eq!(
        scope(Screen::Filter, 0),
        AuditScope::checks(vec!["filter".into()])
    );
    assert_eq!(scope(Screen::Runs, 0), AuditScope::everything());

    // "Files on the network checked" has no check in this version: said, nothing started.
    let (mut s, src) = loaded();
    let grey = s
        .clause_rows()
        .iter()
        .position(|i| s.picture().unwrap().clauses[*i].line.id == "7.4/network-files")
        .unwrap();
    for _ in 0..grey {
        act(&mut s, &src, Action::Down);
    }
    assert!(update(&mut s, Action::AuditSelection).is_empty());
    assert!(s
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("attested by hand"));
    assert!(s.audit.is_none());
}

#[test]
fn reload_asks_again_and_keeps_what_is_shown() {
    let (mut s, _) = loaded();
    let before = s.picture_request;
    let effects = update(&mut s, Action::Reload);
    assert_eq!(s.picture_request, before + 1);
    assert_eq!(
        effects,
        vec![Effect::LoadPicture {
            request: before + 1
        }]
    );
    assert!(
        s.picture().is_some(),
        "the old picture stays until the new one arrives"
    );
    // The runs are asked for once the picture is in, so that the first frame never waits.
    let picture = s.picture().unwrap().clone();
    let effects = update(
        &mut s,
        Action::PictureLoaded {
            request: before + 1,
            result: Ok(Box::new(picture)),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::LoadRuns { .. }]),
        "{effects:?}"
    );
}

#[test]
fn tick_and_resize() {
    let (mut s, _) = loaded();
    let later = sample::now() + time::Duration::minutes(5);
    let _ = update(&mut s, Action::Tick(later));
    assert_eq!(s.now, later);
    let _ = update(&mut s, Action::Resize(120, 40));
    assert_eq!(s.size, (120, 40));
}

#[test]
fn picture_answers_old_and_failed() {
    let (mut s, src) = loaded();
    let old = s.picture_request;
    let _ = update(&mut s, Action::Reload);
    let _ = update(
        &mut s,
        Action::PictureLoaded {
            request: old,
            result: Err("stale answer".into()),
        },
    );
    assert!(
        s.message.is_none(),
        "an answer to an older request is dropped"
    );
    let request = s.picture_request;
    let _ = update(
        &mut s,
        Action::PictureLoaded {
            request,
            result: Err("database is locked".into()),
        },
    );
    assert!(s.picture().is_some());
    assert!(s
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("database is locked"));

    let mut fresh = State::new(sample::now(), time::UtcOffset::UTC, true);
    let _ = update(&mut fresh, Action::Reload);
    let request = fresh.picture_request;
    let _ = update(
        &mut fresh,
        Action::PictureLoaded {
            request,
            result: Err("no store".into()),
        },
    );
    assert_eq!(fresh.picture, Loadable::Failed("no store".into()));
    let _ = update(
        &mut fresh,
        Action::PictureLoaded {
            request,
            result: Ok(Box::new(src.picture().expect("the sample picture"))),
        },
    );
    assert!(fresh.picture().is_some());
}

#[test]
fn runs_answers() {
    let (mut s, src) = loaded();
    let _ = update(&mut s, Action::RunsLoaded(Err("gone".into())));
    assert_eq!(s.runs, Loadable::Failed("gone".into()));
    let _ = update(&mut s, Action::RunsLoaded(Ok(src.runs(3).unwrap())));
    assert_eq!(s.runs.ready().unwrap().len(), 3);
}

#[test]
fn first_and_last_seen_is_asked_once_per_finding() {
    let (mut s, _) = loaded();
    let effects = update(&mut s, Action::GoTo(Screen::Findings));
    let [Effect::LoadSeen { key, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let key = key.clone();
    assert_eq!(s.seen.get(&key), Some(&Loadable::Loading));
    assert!(update(&mut s, Action::Tick(sample::now())).is_empty());
    let _ = update(
        &mut s,
        Action::SeenLoaded {
            key: key.clone(),
            result: Ok(None),
        },
    );
    assert_eq!(s.seen.get(&key), Some(&Loadable::Ready(None)));
    let _ = update(
        &mut s,
        Action::SeenLoaded {
            key: key.clone(),
            result: Err("x".into()),
        },
    );
    assert_eq!(s.seen.get(&key), Some(&Loadable::Failed("x".into())));
}

#[test]
fn filter_history_answers_only_for_the_open_cell() {
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::GoTo(Screen::Filter));
    let _ = update(&mut s, Action::Open);
    let h = s.filter.history.clone().unwrap();
    let entry = CellHistory {
        run: 8,
        started_at: time::macros::datetime!(2026-11-23 02:00:01 UTC),
        trigger: "cron".into(),
        who: "root".into(),
        status: Status::Pass,
        summary: "blocked".into(),
        action: None,
    };
    let _ = update(
        &mut s,
        Action::FilterLogLoaded {
            url: "https://elsewhere/".into(),
            vantage: h.vantage.clone(),
            result: Ok(vec![entry.clone()]),
        },
    );
    assert_eq!(
        s.filter.history.as_ref().unwrap().entries,
        Loadable::Loading
    );
    let _ = update(
        &mut s,
        Action::FilterLogLoaded {
            url: h.url.clone(),
            vantage: h.vantage.clone(),
            result: Ok(vec![entry.clone()]),
        },
    );
    assert_eq!(
        s.filter.history.as_ref().unwrap().entries,
        Loadable::Ready(vec![entry])
    );
}

#[test]
fn diff_answers_only_for_the_comparison_shown() {
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::GoTo(Screen::Runs));
    let _ = update(&mut s, Action::Open); // 7 → 8
    let other = Diff {
        older: 1,
        newer: 2,
        new: vec![],
        resolved: vec![],
        still: 0,
        not_compared: 0,
    };
    let _ = update(&mut s, Action::DiffLoaded(Ok(Box::new(other))));
    assert!(matches!(s.runs_view.diff, Some((7, 8, Loadable::Loading))));
    let mine = Diff {
        older: 7,
        newer: 8,
        ..Diff {
            older: 0,
            newer: 0,
            new: vec![],
            resolved: vec![],
            still: 3,
            not_compared: 0,
        }
    };
    let _ = update(&mut s, Action::DiffLoaded(Ok(Box::new(mine))));
    assert!(matches!(s.runs_view.diff, Some((7, 8, Loadable::Ready(ref d))) if d.still == 3));
    let _ = update(&mut s, Action::DiffLoaded(Err("locked".into())));
    assert!(matches!(
        s.runs_view.diff,
        Some((7, 8, Loadable::Failed(_)))
    ));
}

#[test]
fn audit_progress_then_reload_when_it_ends() {
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::AuditAll);
    let _ = update(
        &mut s,
        Action::Audit(AuditEvent::Started {
            run_id: 9,
            units: 3,
        }),
    );
    let _ = update(
        &mut s,
        Action::Audit(AuditEvent::UnitDone {
            unit: "directory:ad".into(),
            findings: 19,
            failing: 7,
        }),
    );
    let a = s.audit.clone().unwrap();
    assert_eq!(
        (a.run_id, a.units, a.done, a.findings, a.failing),
        (Some(9), 3, 1, 19, 7)
    );
    assert_eq!(a.last_unit.as_deref(), Some("directory:ad"));
    let mut counts = StatusCounts::default();
    counts.add(Status::Fail, 7);
    counts.add(Status::Pass, 12);
    let effects = update(
        &mut s,
        Action::Audit(AuditEvent::Finished {
            run_id: 9,
            state: RunState::Complete,
            verdict: Verdict::NonCompliant,
            counts,
            findings: vec![],
        }),
    );
    assert!(s.audit.is_none());
    assert!(
        matches!(effects[0], Effect::LoadPicture { .. }),
        "{effects:?}"
    );
    let m = s.message.clone().unwrap();
    assert!(
        m.text.contains("run 9") && m.text.contains("NOT COMPLIANT"),
        "{}",
        m.text
    );

    let _ = update(&mut s, Action::AuditAll);
    let effects = update(
        &mut s,
        Action::Audit(AuditEvent::Failed("no config".into())),
    );
    assert!(s.audit.is_none());
    assert!(s.message.as_ref().unwrap().error);
    assert!(!effects.is_empty());
}

#[test]
fn a_key_clears_the_message_and_data_does_not() {
    let (mut s, _) = loaded();
    let _ = update(&mut s, Action::AuditAll);
    let _ = update(&mut s, Action::AuditAll);
    assert!(s.message.is_some());
    let _ = update(&mut s, Action::Tick(sample::now()));
    assert!(s.message.is_some());
    let _ = update(&mut s, Action::Down);
    assert!(s.message.is_none());
}

mod assessment_form {
    use super::*;
    use caretaker_tui::form::Field;
    use caretaker_tui::keys::{action_for, Key};

    fn form_on(screen: Screen) -> (State, Sample) {
        let (mut state, source) = loaded();
        act(&mut state, &source, Action::GoTo(screen));
        assert!(state.changes.ready().is_some());
        act(&mut state, &source, Action::NewAssessment);
        assert!(state.form.is_some());
        (state, source)
    }

    fn field(state: &State) -> Field {
        state.form.as_ref().unwrap().current()
    }

    fn value(state: &State, f: Field) -> String {
        state.form.as_ref().unwrap().value(f).to_string()
    }

    fn go_to(state: &mut State, f: Field) {
        while field(state) != f {
            update(state, Action::FormNext);
        }
    }

    fn type_in(state: &mut State, f: Field, text: &str) {
        go_to(state, f);
        for c in text.chars() {
            update(state, Action::FormInput(c));
        }
    }

    #[test]
    fn the_log_loads_when_its_screen_is_first_shown() {
        let (mut state, _) = loaded();
        assert_eq!(state.changes, Loadable::Idle);
        assert_eq!(
            update(&mut state, Action::GoTo(Screen::Assessments)),
            vec![Effect::LoadChanges]
        );
        assert_eq!(state.changes, Loadable::Loading);
        // Asked once.
        assert_eq!(update(&mut state, Action::Down), Vec::<Effect>::new());
    }

    #[test]
    fn keys_type_into_the_form_and_move_between_lines() {
        let (mut state, _) = form_on(Screen::Assessments);
        assert_eq!(
            action_for(Key::Char('q'), &state),
            Some(Action::FormInput('q'))
        );
        assert_eq!(
            action_for(Key::Char('n'), &state),
            Some(Action::FormInput('n'))
        );
        assert_eq!(action_for(Key::Tab, &state), Some(Action::FormNext));
        assert_eq!(action_for(Key::Down, &state), Some(Action::FormNext));
        assert_eq!(action_for(Key::BackTab, &state), Some(Action::FormPrev));
        assert_eq!(action_for(Key::Up, &state), Some(Action::FormPrev));
        assert_eq!(
            action_for(Key::Right, &state),
            Some(Action::FormCycle(true))
        );
        assert_eq!(action_for(Key::Ctrl('s'), &state), Some(Action::FormSave));
        assert_eq!(action_for(Key::Esc, &state), Some(Action::FormCancel));

        assert_eq!(field(&state), Field::Action);
        update(&mut state, Action::FormPrev);
        assert_eq!(field(&state), Field::ReviewBy, "wraps to the last line");
        update(&mut state, Action::FormNext);
        update(&mut state, Action::FormNext);
        assert_eq!(field(&state), Field::Site);
        for c in "www.exampel".chars() {
            update(&mut state, Action::FormInput(c));
        }
        update(&mut state, Action::FormBackspace);
        update(&mut state, Action::FormBackspace);
        for c in "le.org".chars() {
            update(&mut state, Action::FormInput(c));
        }
        assert_eq!(value(&state, Field::Site), "www.example.org");
        // A space is typed into text.
        type_in(&mut state, Field::Groups, "Year 5");
        assert_eq!(value(&state, Field::Groups), "Year 5");
    }

    #[test]
    fn choices_cycle_with_arrows_and_space() {
        let (mut state, _) = form_on(Screen::Assessments);
        go_to(&mut state, Field::RiskLevel);
        update(&mut state, Action::FormCycle(true));
        assert_eq!(value(&state, Field::RiskLevel), "low");
        update(&mut state, Action::FormInput(' '));
        assert_eq!(value(&state, Field::RiskLevel), "medium");
        update(&mut state, Action::FormCycle(true));
        update(&mut state, Action::FormCycle(true));
        assert_eq!(value(&state, Field::RiskLevel), "low", "wraps");
        update(&mut state, Action::FormCycle(false));
        assert_eq!(value(&state, Field::RiskLevel), "high");
        // Letters do not change a choice; Backspace clears it.
        update(&mut state, Action::FormInput('x'));
        assert_eq!(value(&state, Field::RiskLevel), "high");
        update(&mut state, Action::FormBackspace);
        assert_eq!(value(&state, Field::RiskLevel), "");
        // Arrows do nothing on text.
        go_to(&mut state, Field::Reason);
        update(&mut state, Action::FormCycle(true));
        assert_eq!(value(&state, Field::Reason), "");
        assert_eq!(
            state.screen,
            Screen::Assessments,
            "arrows do not change screen"
        );
    }

    #[test]
    fn ctrl_s_shows_every_problem_beside_its_line_and_saves_nothing() {
        let (mut state, _) = form_on(Screen::Assessments);
        type_in(&mut state, Field::Site, "www.example.org");
        type_in(&mut state, Field::Educational, "R. Singh");
        type_in(&mut state, Field::Technical, "r.singh");
        go_to(&mut state, Field::RiskLevel);
        update(&mut state, Action::FormCycle(false)); // high: consent needed
        let effects = update(&mut state, Action::FormSave);
        assert_eq!(effects, Vec::<Effect>::new(), "nothing is saved");
        let form = state.form.as_ref().unwrap();
        assert!(!form.saving);
        assert_eq!(form.current(), Field::Action, "the first problem's line");
        for f in [
            Field::Action,
            Field::Groups,
            Field::RequestedBy,
            Field::Technical,
            Field::ConsentBy,
            Field::Decision,
        ] {
            assert!(!form.errors_of(f).is_empty(), "no problem shown for {f:?}");
        }
        assert!(form.errors_of(Field::Site).is_empty());
        assert!(form.errors_of(Field::ConsentBy)[0]
            .problem
            .contains("high-risk"));
        assert!(form.errors_of(Field::Technical)[0]
            .problem
            .contains("same person"));
        let m = state.message.as_ref().unwrap();
        assert!(m.error && m.text.contains("nothing was recorded"), "{m:?}");
    }

    #[test]
    fn a_valid_form_is_appended_through_the_source() {
        let (mut state, _) = form_on(Screen::Assessments);
        type_in(&mut state, Field::Category, "social-networking");
        type_in(&mut state, Field::Groups, "staff");
        for (f, v) in [
            (Field::RequestedBy, "Mr Brown"),
            (Field::Reason, "School page"),
            (Field::Content, "none"),
            (Field::Contact, "messages"),
            (Field::Conduct, "none"),
            (Field::Mitigations, "staff only"),
            (Field::Educational, "Mr Brown"),
            (Field::Technical, "R. Singh"),
        ] {
            type_in(&mut state, f, v);
        }
        go_to(&mut state, Field::Action);
        update(&mut state, Action::FormInput(' '));
        go_to(&mut state, Field::RiskLevel);
        update(&mut state, Action::FormCycle(true)); // low: no consent needed
        go_to(&mut state, Field::Decision);
        update(&mut state, Action::FormCycle(true));
        let effects = update(&mut state, Action::FormSave);
        let [Effect::SaveAssessment(a)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(
            a.change.sentence(),
            "Unblock category social-networking for staff"
        );
        assert_eq!(a.consent, None);
        assert_eq!(a.consent_from, "medium");
        assert!(state.form.as_ref().unwrap().saving);
        // Saving twice sends it once.
        assert_eq!(update(&mut state, Action::FormSave), Vec::<Effect>::new());
        // A refusal keeps the form.
        update(
            &mut state,
            Action::AssessmentSaved(Err("the store is locked".into())),
        );
        assert!(!state.form.as_ref().unwrap().saving);
        assert!(state
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Not recorded"));
    }

    #[test]
    fn the_site_log_prefills_the_change() {
        let (mut state, _) = loaded();
        let source = Sample::new().expect("the sample school opens");
        act(&mut state, &source, Action::GoTo(Screen::Sites));
        act(&mut state, &source, Action::Down); // #4 games.example.net, block
        act(&mut state, &source, Action::NewAssessment);
        let form = state.form.as_ref().unwrap();
        assert_eq!(form.value(Field::Site), "games.example.net");
        assert_eq!(form.value(Field::Action), "block");
        assert_eq!(form.from_site, Some(4));
        assert_eq!(form.current(), Field::Groups);
    }

    #[test]
    fn esc_cancels_and_saves_nothing() {
        let (mut state, _) = form_on(Screen::Assessments);
        type_in(&mut state, Field::Site, "www.example.org");
        assert_eq!(update(&mut state, Action::FormCancel), Vec::<Effect>::new());
        assert!(state.form.is_none());
        assert!(!state.quit);
        assert!(state
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was recorded"));
        // Back (Esc outside the key table's form mode) also closes it before quitting.
        act(
            &mut state,
            &Sample::new().expect("the sample school opens"),
            Action::NewAssessment,
        );
        update(&mut state, Action::Back);
        assert!(state.form.is_none() && !state.quit);
    }

    #[test]
    fn n_needs_the_log_and_a_selected_site() {
        let (mut state, _) = loaded();
        state.screen = Screen::Assessments;
        update(&mut state, Action::NewAssessment);
        assert!(state.form.is_none());
        assert!(state.message.as_ref().unwrap().error);
    }
}

mod waivers_and_attestations {
    use super::*;
    use caretaker_core::report::ClauseStatus;

    fn type_text(state: &mut State, s: &str) {
        for c in s.chars() {
            update(state, Action::FormInput(c));
        }
    }

    fn select_finding(state: &mut State, src: &Sample, query: &str) {
        act(state, src, Action::GoTo(Screen::Findings));
        state.queries[Screen::Findings.index()] = query.into();
        act(state, src, Action::Top);
    }

    fn select_clause(state: &mut State, src: &Sample, id: &str) {
        act(state, src, Action::GoTo(Screen::Compliance));
        let p = state.picture().unwrap();
        let pos = state
            .clause_rows()
            .iter()
            .position(|i| p.clauses[*i].line.id == id)
            .unwrap();
        state.compliance = pos;
    }

    fn clause_line(state: &State, id: &str) -> (ClauseStatus, String) {
        let p = state.picture().unwrap();
        let row = p.clauses.iter().find(|c| c.line.id == id).unwrap();
        (row.line.status, row.line.reason.clone())
    }

    #[test]
    fn the_sample_has_an_expired_attestation_and_a_waiver_in_force_newest_first() {
        let (mut s, src) = loaded();
        act(&mut s, &src, Action::GoTo(Screen::Attestations));
        assert_eq!(s.attestation_rows(), vec![10, 9]);
        let (status, reason) = clause_line(&s, "7.4/network-files");
        assert_eq!(status, ClauseStatus::Amber);
        assert!(reason.contains("expired on 2026-11-22"), "{reason}");
        act(&mut s, &src, Action::Down);
        assert_eq!(s.attestations, 1);
        act(&mut s, &src, Action::Down);
        assert_eq!(s.attestations, 1, "clamped");
    }

    #[test]
    fn w_waives_a_failing_finding_with_the_daemon_rules() {
        let (mut s, src) = loaded();
        select_finding(&mut s, &src, "status:fail k.lee");
        act(&mut s, &src, Action::Waive);
        let form = s.record_form.as_ref().expect("the waiver form");
        assert!(form.is_waiver());
        // Nothing typed: every line is wrong, and nothing is saved.
        assert_eq!(update(&mut s, Action::FormSave), Vec::<Effect>::new());
        let form = s.record_form.as_ref().unwrap();
        assert_eq!(form.errors.len(), 3, "{:?}", form.errors);
        assert_eq!(form.field, 0);
        assert!(s.message.as_ref().unwrap().error);
        type_text(&mut s, "Account of a governor, used once a term");
        update(&mut s, Action::FormNext);
        type_text(&mut s, "Mrs Head (headteacher)");
        update(&mut s, Action::FormNext);
        type_text(&mut s, "2026-11-01");
        update(&mut s, Action::FormSave);
        let form = s.record_form.as_ref().unwrap();
        assert_eq!(form.errors.len(), 1);
        assert!(
            form.errors[0].1.contains("in the past"),
            "{:?}",
            form.errors
        );
        assert_eq!(form.field, 2);
        for _ in 0..10 {
            update(&mut s, Action::FormBackspace);
        }
        type_text(&mut s, "2027-03-31");
        let effects = update(&mut s, Action::FormSave);
        let [Effect::SaveWaiver(w)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(
            w.fingerprint.split('|').next(),
            Some("directory.password-not-required")
        );
        assert_eq!(w.target, "k.lee (ad)");
        assert_eq!(w.until.to_string(), "2027-03-31");
        assert_eq!(w.approved_by, "Mrs Head (headteacher)");
        // Saving twice sends it once.
        assert_eq!(update(&mut s, Action::FormSave), Vec::<Effect>::new());
        let w = w.clone();
        let saved = src.add_waiver(&w).map(Box::new).map_err(|e| e.to_string());
        act(&mut s, &src, Action::RecordSaved(saved));
        assert!(s.record_form.is_none());
        let m = &s.message.as_ref().unwrap().text;
        assert!(m.contains("Waiver #12 recorded"), "{m}");
        assert!(m.contains("WAIVED after the next audit"), "{m}");
        act(&mut s, &src, Action::GoTo(Screen::Attestations));
        assert_eq!(s.attestation_rows()[0], 12);
    }

    #[test]
    fn a_passing_finding_cannot_be_waived() {
        let (mut s, src) = loaded();
        select_finding(&mut s, &src, "status:pass");
        act(&mut s, &src, Action::Waive);
        assert!(s.record_form.is_none());
        let m = s.message.as_ref().unwrap();
        assert!(m.error && m.text.contains("nothing to waive"), "{}", m.text);
    }

    #[test]
    fn a_attests_only_clauses_the_map_marks_and_says_which() {
        let (mut s, src) = loaded();
        select_clause(&mut s, &src, "7.4/logins");
        act(&mut s, &src, Action::Attest);
        assert!(s.record_form.is_none());
        let m = s.message.as_ref().unwrap();
        assert!(m.error, "{}", m.text);
        assert!(m.text.contains("7.4/network-files"), "{}", m.text);
        assert!(m.text.contains("7.4/portable-media"), "{}", m.text);
    }

    #[test]
    fn an_attestation_turns_its_clause_green_and_esc_cancels() {
        let (mut s, src) = loaded();
        select_clause(&mut s, &src, "7.4/network-files");
        act(&mut s, &src, Action::Attest);
        assert!(!s.record_form.as_ref().unwrap().is_waiver());
        type_text(&mut s, "x");
        act(&mut s, &src, Action::Back);
        assert!(s.record_form.is_none());
        assert!(s
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Attestation cancelled"));

        act(&mut s, &src, Action::Attest);
        type_text(&mut s, "Share permissions reviewed with the IT technician");
        update(&mut s, Action::FormNext);
        type_text(&mut s, "Mr Brown (deputy head)");
        update(&mut s, Action::FormNext);
        type_text(&mut s, "2027-07-31");
        act(&mut s, &src, Action::FormSave);
        assert!(s.record_form.is_none());
        let m = &s.message.as_ref().unwrap().text;
        assert!(m.contains("Attestation #12 recorded"), "{m}");
        let (status, reason) = clause_line(&s, "7.4/network-files");
        assert_eq!(status, ClauseStatus::Green);
        assert!(
            reason.starts_with("attested by Mr Brown (deputy head) until 2027-07-31"),
            "{reason}"
        );
    }

    #[test]
    fn a_refused_record_keeps_the_form() {
        let (mut s, src) = loaded();
        select_clause(&mut s, &src, "7.4/network-files");
        act(&mut s, &src, Action::Attest);
        s.record_form.as_mut().unwrap().saving = true;
        update(
            &mut s,
            Action::RecordSaved(Err("the store is locked".into())),
        );
        let form = s.record_form.as_ref().unwrap();
        assert!(!form.saving);
        assert!(s.message.as_ref().unwrap().text.contains("Not recorded"));
    }
}

mod site_log_form {
    use super::*;
    use caretaker_tui::form::{SiteForm, SITE_RECOMMENDATION};

    fn type_text(state: &mut State, s: &str) {
        for c in s.chars() {
            update(state, Action::FormInput(c));
        }
    }

    fn to_line(state: &mut State, line: usize) {
        while state.site_form.as_ref().unwrap().field != line {
            update(state, Action::FormNext);
        }
    }

    fn open() -> (State, Sample) {
        let (mut state, src) = loaded();
        act(&mut state, &src, Action::GoTo(Screen::Sites));
        assert_eq!(update(&mut state, Action::NewSite), Vec::<Effect>::new());
        (state, src)
    }

    #[test]
    fn e_opens_the_form_dated_now_and_only_on_the_site_log() {
        let (mut state, _) = open();
        let form = state.site_form.as_ref().unwrap();
        let now = sample::now();
        assert_eq!(
            form.value(1),
            format!(
                "{}-{:02}-{:02}",
                now.year(),
                u8::from(now.month()),
                now.day()
            )
        );
        assert_eq!(
            form.value(2),
            format!("{:02}:{:02}", now.hour(), now.minute())
        );
        assert_eq!(form.field, 0);
        assert!(form.value(0).is_empty() && form.value(SITE_RECOMMENDATION).is_empty());
        // The form's keys while it is open: `e` and `q` are typed.
        use caretaker_tui::keys::{action_for, Key};
        assert_eq!(
            action_for(Key::Char('e'), &state),
            Some(Action::FormInput('e'))
        );
        state.site_form = None;
        assert_eq!(action_for(Key::Char('e'), &state), Some(Action::NewSite));
        state.screen = Screen::Assessments;
        assert_ne!(action_for(Key::Char('e'), &state), Some(Action::NewSite));
        update(&mut state, Action::NewSite);
        assert!(state.site_form.is_none());
    }

    #[test]
    fn the_recommendation_cycles_and_text_lines_take_typing() {
        let (mut state, _) = open();
        type_text(&mut state, "Mrs Patel (Year 4)");
        to_line(&mut state, SITE_RECOMMENDATION);
        type_text(&mut state, "x");
        assert_eq!(
            state.site_form.as_ref().unwrap().value(SITE_RECOMMENDATION),
            ""
        );
        update(&mut state, Action::FormCycle(true));
        assert_eq!(
            state.site_form.as_ref().unwrap().value(SITE_RECOMMENDATION),
            "block"
        );
        update(&mut state, Action::FormInput(' '));
        assert_eq!(
            state.site_form.as_ref().unwrap().value(SITE_RECOMMENDATION),
            "unblock"
        );
        update(&mut state, Action::FormCycle(false));
        assert_eq!(
            state.site_form.as_ref().unwrap().value(SITE_RECOMMENDATION),
            "block"
        );
        update(&mut state, Action::FormBackspace);
        assert_eq!(
            state.site_form.as_ref().unwrap().value(SITE_RECOMMENDATION),
            ""
        );
        update(&mut state, Action::FormPrev);
        update(&mut state, Action::FormBackspace);
        type_text(&mut state, "");
        let form = state.site_form.as_ref().unwrap();
        assert_eq!(form.value(0), "Mrs Patel (Year 4)");
    }

    #[test]
    fn save_with_problems_shows_them_beside_their_lines_and_saves_nothing() {
        let (mut state, _) = open();
        // Reported by left empty; a bad time; no URL, no recommendation.
        to_line(&mut state, 2);
        for _ in 0..5 {
            update(&mut state, Action::FormBackspace);
        }
        type_text(&mut state, "25:99");
        assert_eq!(update(&mut state, Action::FormSave), Vec::<Effect>::new());
        let form = state.site_form.as_ref().unwrap();
        assert!(!form.saving);
        assert_eq!(form.field, 0, "the first problem's line is selected");
        for line in [0, 2, 3, 4, SITE_RECOMMENDATION] {
            assert!(
                !form.errors_of(line).is_empty(),
                "no problem on line {line}"
            );
        }
        assert!(form.errors_of(1).is_empty() && form.errors_of(6).is_empty());
        assert_eq!(SiteForm::line_of("recommendation"), SITE_RECOMMENDATION);
        let m = state.message.as_ref().unwrap();
        assert!(
            m.error && m.text.contains("nothing was recorded"),
            "{}",
            m.text
        );
    }

    fn fill(state: &mut State) {
        type_text(state, "Mrs Patel (Year 4)");
        to_line(state, 3);
        type_text(state, "CLASS4-PC07");
        update(state, Action::FormNext);
        type_text(state, "www.example-museum.org");
        update(state, Action::FormNext);
        update(state, Action::FormCycle(false)); // unblock
    }

    #[test]
    fn a_valid_entry_is_saved_through_the_source_and_selected() {
        let (mut state, src) = open();
        let before = src.change_log().unwrap().records.len();
        fill(&mut state);
        let effects = update(&mut state, Action::FormSave);
        let [Effect::SaveSite(entry)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(entry.url, "www.example-museum.org");
        assert_eq!(entry.recommendation.as_str(), "unblock");
        assert_eq!(entry.resolution, "");
        assert!(state.site_form.as_ref().unwrap().saving);
        // A second Ctrl-S while saving does nothing.
        assert!(update(&mut state, Action::FormSave).is_empty());
        let saved = caretaker_tui::app::answer(&src, effects[0].clone()).unwrap();
        assert_eq!(update(&mut state, saved), vec![Effect::LoadChanges]);
        assert!(state.site_form.is_none());
        let n = before as i64 + 1;
        assert_eq!(state.screen, Screen::Sites);
        assert_eq!(state.site_rows()[state.sites], n);
        let m = state.message.as_ref().unwrap();
        assert!(!m.error);
        assert!(
            m.text
                .contains(&format!("recorded as #{n} by {}", sample::USER)),
            "{}",
            m.text
        );
        // Still selected after the log is read again.
        let reloaded = caretaker_tui::app::answer(&src, Effect::LoadChanges).unwrap();
        act(&mut state, &src, reloaded);
        assert_eq!(state.site_rows()[state.sites], n);
        assert!(state
            .changes()
            .unwrap()
            .log()
            .get(n)
            .unwrap()
            .site()
            .is_some());
    }

    #[test]
    fn a_refused_save_keeps_the_form() {
        let (mut state, _) = open();
        fill(&mut state);
        let _ = update(&mut state, Action::FormSave);
        update(
            &mut state,
            Action::SiteSaved(Err("the store is read-only".into())),
        );
        let form = state.site_form.as_ref().unwrap();
        assert!(!form.saving);
        assert!(state
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Not recorded"));
    }

    #[test]
    fn esc_cancels_and_saves_nothing() {
        let (mut state, _) = open();
        type_text(&mut state, "someone");
        assert!(update(&mut state, Action::FormCancel).is_empty());
        assert!(state.site_form.is_none() && !state.quit);
        assert!(state
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was recorded"));
        update(&mut state, Action::NewSite);
        update(&mut state, Action::Back);
        assert!(state.site_form.is_none() && !state.quit);
    }
}

mod corrections_and_verification {
    use super::*;
    use caretaker_core::assess::Decision;
    use caretaker_tui::form::{Field, SITE_LINES};

    fn on(screen: Screen) -> (State, Sample) {
        let (mut s, src) = loaded();
        act(&mut s, &src, Action::GoTo(screen));
        (s, src)
    }

    fn finished(run_id: i64, state: RunState) -> Action {
        Action::Audit(AuditEvent::Finished {
            run_id,
            state,
            verdict: Verdict::NonCompliant,
            counts: StatusCounts::default(),
            findings: vec![],
        })
    }

    /// `c` on an assessment: the form holds it as recorded; saved, it is a new record that
    /// supersedes it, and only the new one is listed.
    #[test]
    fn correcting_an_assessment_saves_a_record_that_supersedes_it() {
        let (mut s, src) = on(Screen::Assessments);
        assert_eq!(s.assessment_rows(), vec![6, 2]);
        act(&mut s, &src, Action::Correct);
        let form = s.form.clone().expect("the correction form");
        assert_eq!(form.supersedes, Some(6));
        assert_eq!(form.value(Field::Category), "video-sharing");
        assert_eq!(form.value(Field::Groups), "staff");
        assert_eq!(form.value(Field::ConsentBy), "Mrs Head (headteacher)");
        assert_eq!(form.value(Field::AppliedOn), "2026-11-21");
        assert_eq!(form.value(Field::Decision), "approve");
        // Saved unchanged, it validates as it did when it was recorded.
        while s.form.as_ref().unwrap().current() != Field::ReviewBy {
            act(&mut s, &src, Action::FormNext);
        }
        for _ in 0.."2027-07-20".len() {
            act(&mut s, &src, Action::FormBackspace);
        }
        for c in "2027-01-31".chars() {
            act(&mut s, &src, Action::FormInput(c));
        }
        let effects = update(&mut s, Action::FormSave);
        let [Effect::SaveAssessment(a)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(a.supersedes, Some(6));
        assert_eq!(
            a.review_by.map(|d| d.to_string()).as_deref(),
            Some("2027-01-31")
        );
        let saved = Action::AssessmentSaved(
            src.add_assessment(a)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        );
        act(&mut s, &src, saved);
        assert!(s.form.is_none());
        assert_eq!(s.assessment_rows(), vec![12, 2]);
        assert_eq!(s.assessment_rows()[s.assessments], 12);
    }

    #[test]
    fn correcting_a_site_entry_starts_at_its_resolution() {
        let (mut s, src) = on(Screen::Sites);
        let first = s.site_rows()[0];
        act(&mut s, &src, Action::Correct);
        let form = s.site_form.clone().expect("the correction form");
        assert_eq!(form.supersedes, Some(first));
        assert_eq!(form.field, SITE_LINES.len() - 1);
        assert_eq!(form.value(4), "www.example-coding-club.org");
        for c in "Assessed; unblocked for the club".chars() {
            act(&mut s, &src, Action::FormInput(c));
        }
        act(&mut s, &src, Action::FormSave);
        assert!(s.site_form.is_none(), "{:?}", s.message);
        let rows = s.site_rows();
        assert_eq!(rows[0], 12);
        assert!(!rows.contains(&first), "{rows:?}");
        let log = s.changes().unwrap().log();
        assert_eq!(log.get(12).unwrap().supersedes, Some(first));
        assert!(log
            .get(12)
            .unwrap()
            .site()
            .unwrap()
            .resolution
            .ends_with("unblocked for the club"));
    }

    #[test]
    fn correct_and_verify_do_nothing_elsewhere_and_say_why_while_loading() {
        let (mut s, src) = loaded();
        assert!(update(&mut s, Action::Correct).is_empty());
        assert!(s.form.is_none() && s.site_form.is_none());
        assert!(update(&mut s, Action::Verify).is_empty());
        assert!(s.audit.is_none());
        act(&mut s, &src, Action::GoTo(Screen::Assessments));
        s.changes = Loadable::Loading;
        assert!(update(&mut s, Action::Verify).is_empty());
        assert!(s.message.as_ref().unwrap().text.contains("still loading"));
        assert!(update(&mut s, Action::Correct).is_empty());
        assert!(s.form.is_none());
    }

    /// `v`: the filter tests run through the core, then the finished run is recorded against
    /// the assessment.
    #[test]
    fn verify_runs_the_filter_tests_and_records_the_run() {
        let (mut s, src) = on(Screen::Assessments);
        let effects = update(&mut s, Action::Verify);
        assert_eq!(
            effects,
            vec![Effect::StartAudit(AuditScope {
                verifies: Some(6),
                ..AuditScope::checks(vec!["filter".into()])
            })]
        );
        assert_eq!(s.audit.as_ref().unwrap().verifies, Some(6));
        // Another audit cannot start while it runs.
        assert!(update(&mut s, Action::Verify).is_empty());
        let events = common::audit(
            &src,
            AuditScope {
                verifies: Some(6),
                ..AuditScope::checks(vec!["filter".into()])
            },
        );
        let (last, before) = events.split_last().expect("events");
        let AuditEvent::Finished { run_id, .. } = last else {
            panic!("the audit ends with a verdict: {last:?}");
        };
        assert_eq!(*run_id, sample::RUNS + 1, "the next run in the store");
        for ev in before {
            act(&mut s, &src, Action::Audit(ev.clone()));
        }
        let effects = update(&mut s, Action::Audit(last.clone()));
        assert!(
            effects.contains(&Effect::SaveVerification {
                assessment: 6,
                run: *run_id
            }),
            "{effects:?}"
        );
        assert!(s.audit.is_none());
        for effect in effects {
            if let Some(answer) = caretaker_tui::app::answer(&src, effect) {
                act(&mut s, &src, answer);
            }
        }
        let log = s.changes().unwrap().log();
        let checks = log.verifications_of(6);
        assert_eq!(checks.last().unwrap().1.run, *run_id);
        let m = s.message.clone().unwrap();
        assert!(
            m.text.contains("Recorded as #12") && m.text.contains("after #6"),
            "{}",
            m.text
        );
    }

    #[test]
    fn an_interrupted_verification_records_nothing() {
        let (mut s, _) = on(Screen::Assessments);
        let _ = update(&mut s, Action::Verify);
        let effects = update(&mut s, finished(9, RunState::Interrupted));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::SaveVerification { .. })),
            "{effects:?}"
        );
        let m = s.message.clone().unwrap();
        assert!(
            m.error
                && m.text
                    .contains("nothing was recorded against risk assessment #6"),
            "{}",
            m.text
        );
    }

    #[test]
    fn a_rejected_change_is_not_verified() {
        let (mut s, src) = on(Screen::Assessments);
        act(&mut s, &src, Action::Correct);
        while s.form.as_ref().unwrap().current() != Field::Decision {
            act(&mut s, &src, Action::FormNext);
        }
        act(&mut s, &src, Action::FormCycle(true)); // reject
                                                    // A rejected change is not applied.
        act(&mut s, &src, Action::FormNext);
        for _ in 0.."2026-11-21".len() {
            act(&mut s, &src, Action::FormBackspace);
        }
        act(&mut s, &src, Action::FormSave);
        assert!(s.form.is_none(), "{:?}", s.message);
        let rec = s.changes().unwrap().log().get(12).cloned().unwrap();
        assert_eq!(rec.assessment().unwrap().decision, Decision::Reject);
        assert!(update(&mut s, Action::Verify).is_empty());
        assert!(s.audit.is_none());
        let m = s.message.clone().unwrap();
        assert!(m.error && m.text.contains("#12 was rejected"), "{}", m.text);
    }

    /// A change dated to be made tomorrow: its filter check would test the filter before it.
    #[test]
    fn a_change_dated_after_today_is_not_verified_yet() {
        let (mut s, src) = on(Screen::Assessments);
        act(&mut s, &src, Action::Correct);
        while s.form.as_ref().unwrap().current() != Field::Decision {
            act(&mut s, &src, Action::FormNext);
        }
        act(&mut s, &src, Action::FormNext); // the date applied
        for _ in 0.."2026-11-21".len() {
            act(&mut s, &src, Action::FormBackspace);
        }
        let tomorrow = (s.now.to_offset(s.offset).date() + time::Duration::days(1)).to_string();
        for c in tomorrow.chars() {
            act(&mut s, &src, Action::FormInput(c));
        }
        act(&mut s, &src, Action::FormSave);
        assert!(s.form.is_none(), "{:?}", s.message);
        assert!(update(&mut s, Action::Verify).is_empty());
        assert!(s.audit.is_none());
        let m = s.message.clone().unwrap();
        assert!(
            m.error && m.text.contains(&format!("to be made on {tomorrow}")),
            "{}",
            m.text
        );
    }

    #[test]
    fn a_verification_the_store_refuses_is_said() {
        let (mut s, src) = on(Screen::Assessments);
        act(
            &mut s,
            &src,
            Action::VerificationSaved(Err("there is no risk assessment #99".into())),
        );
        let m = s.message.clone().unwrap();
        assert!(
            m.error
                && m.text
                    .contains("not recorded: there is no risk assessment #99"),
            "{}",
            m.text
        );
    }
}

/// Enter on a record screen: the record in full over the list; ↑↓ scroll it; Enter or Esc (or
/// another screen) go back to the list.
#[test]
fn a_record_in_full_scrolls_and_closes() {
    let (mut s, src) = loaded();
    act(&mut s, &src, Action::GoTo(Screen::Assessments));
    act(&mut s, &src, Action::Open);
    assert_eq!(s.record_zoom, Some(0));
    act(&mut s, &src, Action::Down);
    act(&mut s, &src, Action::Down);
    assert_eq!(s.record_zoom, Some(2));
    assert_eq!(
        s.assessments, 0,
        "the selection stays while the record scrolls"
    );
    act(&mut s, &src, Action::Up);
    assert_eq!(s.record_zoom, Some(1));
    act(&mut s, &src, Action::Open);
    assert_eq!(s.record_zoom, None);
    act(&mut s, &src, Action::Open);
    act(&mut s, &src, Action::Back);
    assert_eq!(s.record_zoom, None);
    assert!(!s.quit, "Esc closed the record, it did not quit");
    act(&mut s, &src, Action::GoTo(Screen::Sites));
    act(&mut s, &src, Action::Open);
    assert_eq!(s.record_zoom, Some(0));
    act(&mut s, &src, Action::GoTo(Screen::Attestations));
    assert_eq!(s.record_zoom, None);
    // Nothing listed: nothing to show in full.
    act(&mut s, &src, Action::Search);
    for c in "no such record".chars() {
        act(&mut s, &src, Action::SearchInput(c));
    }
    act(&mut s, &src, Action::SearchDone);
    assert!(s.attestation_rows().is_empty());
    act(&mut s, &src, Action::Open);
    assert_eq!(s.record_zoom, None);
}

/// The log arriving: shown; failing the first time, the screen says why; failing later, what is
/// shown stays and the status line says the reload failed.
#[test]
fn changes_loaded_ok_and_failed() {
    let (mut s, src) = loaded();
    let effects = update(&mut s, Action::GoTo(Screen::Assessments));
    assert_eq!(effects, vec![Effect::LoadChanges]);
    assert!(matches!(s.changes, Loadable::Loading));
    let _ = update(
        &mut s,
        Action::ChangesLoaded(Err("the store is locked".into())),
    );
    assert_eq!(s.changes, Loadable::Failed("the store is locked".into()));

    let log = Box::new(src.change_log().unwrap());
    let _ = update(&mut s, Action::ChangesLoaded(Ok(log.clone())));
    assert_eq!(s.assessment_rows(), vec![6, 2]);
    let _ = update(&mut s, Action::ChangesLoaded(Err("disk I/O error".into())));
    assert_eq!(s.assessment_rows(), vec![6, 2], "what was shown stays");
    let m = s.message.clone().unwrap();
    assert!(
        m.error
            && m.text
                .contains("Could not reload the filter-change log: disk I/O error"),
        "{}",
        m.text
    );
}

/// `d` on Attestations: a one-line form for the reason; saved, a record that withdraws the
/// selected waiver or attestation, which leaves the list.
#[test]
fn withdrawing_a_waiver_or_attestation() {
    use caretaker_tui::form::RecordTarget;
    let (mut s, src) = loaded();
    assert!(
        update(&mut s, Action::Withdraw).is_empty(),
        "only on Attestations"
    );
    assert!(s.record_form.is_none());
    act(&mut s, &src, Action::GoTo(Screen::Attestations));
    let rows = s.attestation_rows();
    let id = rows[s.attestations];
    act(&mut s, &src, Action::Withdraw);
    let form = s.record_form.clone().expect("the withdrawal form");
    assert_eq!(form.lines(), 1);
    let RecordTarget::Withdrawal { id: target, what } = &form.target else {
        panic!("{:?}", form.target);
    };
    assert_eq!(*target, id);
    assert!(what.starts_with(&format!("#{id} ")), "{what}");
    // Tab stays on the one line; an empty reason is refused.
    act(&mut s, &src, Action::FormNext);
    assert_eq!(s.record_form.as_ref().unwrap().field, 0);
    assert!(update(&mut s, Action::FormSave).is_empty());
    let f = s.record_form.clone().unwrap();
    assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
    assert!(
        f.errors[0].1.contains("why it is withdrawn"),
        "{:?}",
        f.errors
    );
    for c in "Share permissions changed; to be reviewed again".chars() {
        act(&mut s, &src, Action::FormInput(c));
    }
    let effects = update(&mut s, Action::FormSave);
    assert_eq!(
        effects,
        vec![Effect::Withdraw {
            id,
            reason: "Share permissions changed; to be reviewed again".into()
        }]
    );
    let saved = Action::RecordSaved(
        src.withdraw(id, "Share permissions changed; to be reviewed again")
            .map(Box::new)
            .map_err(|e| e.to_string()),
    );
    act(&mut s, &src, saved);
    assert!(s.record_form.is_none());
    let m = s.message.clone().unwrap();
    assert!(
        m.text.contains(&format!("#{id} withdrawn by #12")),
        "{}",
        m.text
    );
    assert!(
        !s.attestation_rows().contains(&id),
        "{:?}",
        s.attestation_rows()
    );
    // Withdrawn already: the source says so.
    let again = src.withdraw(id, "again").unwrap_err().to_string();
    assert!(
        again.contains(&format!("#{id} was already withdrawn by #12")),
        "{again}"
    );
}
