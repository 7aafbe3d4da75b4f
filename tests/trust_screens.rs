//! The trust's console: snapshots of its screens at 80×24 and 120×40, fed by a trust of four
//! schools built in memory from real findings (see [`trust_fixture`]: one RED on a directory
//! clause, one all GREEN, one stale with filter tests that could not be judged, one that has
//! forwarded nothing), and its update logic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod trust_fixture;

use std::sync::Arc;

use caretaker_api::trust::TrustView;
use caretaker_model::compliance::ClauseStatus;
use caretaker_tui::state::{Loadable, Screen};
use caretaker_tui::trust::keys::TRUST_KEYS;
use caretaker_tui::trust::update::{read, SEEN_UNKNOWN};
use caretaker_tui::trust::{
    update, view, Trust, TrustAction, TrustEffect, TrustScreen, TrustState,
};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use trust_fixture::{ashdown, brookfield, castle_hill, now, trust_view};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn loaded(view: TrustView) -> Box<Trust> {
    Box::new(Trust::new(view, caretaker_core::local::catalogue()))
}

/// Applies `action`; the console's reads are answered from `view`.
fn act(state: &mut TrustState, view: &TrustView, action: TrustAction) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in update(state, a) {
            let TrustEffect::Load { request } = effect;
            let v = view.clone();
            queue.push(read(
                &move || Ok(v.clone()),
                caretaker_core::local::catalogue(),
                request,
            ));
        }
    }
}

/// The trust console over [`trust_view`], read, at `w`×`h`.
fn console(w: u16, h: u16) -> (TrustState, TrustView) {
    let view = trust_view();
    let mut state = TrustState::new(now(), time::UtcOffset::UTC, true);
    act(&mut state, &view, TrustAction::Resize(w, h));
    act(&mut state, &view, TrustAction::Refresh);
    (state, view)
}

fn render(state: &TrustState) -> TestBackend {
    let (w, h) = state.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, state)).unwrap();
    t.backend().clone()
}

fn text(state: &TrustState) -> String {
    render(state).to_string()
}

fn snap(name: &str, state: &TrustState) {
    let (w, h) = state.size;
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(state));
}

/// Moves the clause column to `id`.
fn to_clause(state: &mut TrustState, view: &TrustView, id: &str) {
    let i = state
        .trust()
        .unwrap()
        .clauses()
        .iter()
        .position(|c| c.id == id)
        .unwrap();
    act(state, view, TrustAction::Top);
    for _ in 0..i {
        act(state, view, TrustAction::Right);
    }
    assert_eq!(state.clause, i);
}

#[test]
fn the_fixture_is_what_it_says() {
    let t = loaded(trust_view());
    let status = |school: usize, clause: &str| t.rows[school].line(clause).unwrap().status;
    assert_eq!(status(0, "7.4/logins"), ClauseStatus::Red);
    assert_eq!(
        t.rows[0].count(ClauseStatus::Red),
        3,
        "logins, categories and regular checks"
    );
    assert!(
        t.rows[1]
            .lines
            .iter()
            .all(|l| l.status == ClauseStatus::Green),
        "{:?}",
        t.rows[1]
            .lines
            .iter()
            .filter(|l| l.status != ClauseStatus::Green)
            .map(|l| &l.id)
            .collect::<Vec<_>>()
    );
    assert_eq!(t.rows[2].count(ClauseStatus::Red), 0);
    assert!(t.rows[3]
        .lines
        .iter()
        .all(|l| l.status == ClauseStatus::Grey));
    assert_eq!(
        t.rows.iter().map(|r| r.meets).collect::<Vec<_>>(),
        vec![false, true, true, false]
    );
    // The groups with a problem somewhere come first, then by name.
    assert_eq!(t.groups, vec!["guest", "pupil", "staff"]);
}

#[test]
fn schools() {
    for (w, h) in SIZES {
        let (mut state, view) = console(w, h);
        to_clause(&mut state, &view, "7.4/logins");
        let t = text(&state);
        for words in [
            "2 of 4 schools meet the policy",
            "Ashdown Primary",
            "Brookfield Academy",
            "Castle Hill Infants",
            "Dale Park Primary",
            "no audit forwarded yet",
            "RED",
            "GREEN",
            "MEETS",
            "LAST RUN",
            "Logins and passwords",
            "c.wright left in July",
            "does not meet the policy: 3 clauses RED",
        ] {
            assert!(t.contains(words), "{words:?} missing:\n{t}");
        }
        if w >= 110 {
            for words in ["FORWARDED", "NOT COMPLIANT", "STALE"] {
                assert!(t.contains(words), "{words:?} missing:\n{t}");
            }
        } else {
            assert!(t.contains("Forwarded  today 03:10"), "{t}");
        }
        snap("schools", &state);
    }
}

#[test]
fn two_of_three_schools_meet() {
    let view = TrustView {
        schools: vec![ashdown(), brookfield(), castle_hill()],
        as_of: Some("2026-11-21T00:00:00Z".into()),
    };
    let mut state = TrustState::new(now(), time::UtcOffset::UTC, true);
    act(&mut state, &view, TrustAction::Resize(80, 24));
    act(&mut state, &view, TrustAction::Refresh);
    let t = text(&state);
    assert!(t.contains("2 of 3 schools meet the policy"), "{t}");
    assert!(t.contains("as of 21 Nov 00:00"), "{t}");
}

#[test]
fn a_stale_school_and_one_never_audited_say_so() {
    let (mut state, view) = console(80, 24);
    act(&mut state, &view, TrustAction::Down);
    act(&mut state, &view, TrustAction::Down);
    let t = text(&state);
    assert!(
        t.contains("Last run   STALE · run 8 · 20 Nov 02:00 (3 days ago)"),
        "{t}"
    );
    assert!(t.contains("Castle Hill Infants · meets the policy"), "{t}");
    act(&mut state, &view, TrustAction::Down);
    let t = text(&state);
    assert!(
        t.contains("Dale Park Primary · has no audit forwarded yet"),
        "{t}"
    );
    assert!(t.contains("Last run   none forwarded"), "{t}");
    assert!(t.contains("Forwarded  never"), "{t}");
    snap("schools_never_audited", &state);
}

/// Schools → Enter on Ashdown at the logins clause.
fn ashdown_opened(w: u16, h: u16) -> (TrustState, TrustView) {
    let (mut state, view) = console(w, h);
    to_clause(&mut state, &view, "7.4/logins");
    act(&mut state, &view, TrustAction::Open);
    assert_eq!(state.screen, TrustScreen::School);
    (state, view)
}

#[test]
fn a_school_opened_is_its_own_compliance_screen_read_only() {
    for (w, h) in SIZES {
        let (state, _) = ashdown_opened(w, h);
        let o = state.opened.as_ref().unwrap();
        assert_eq!(o.id, "ashdown");
        assert_eq!(o.console.screen, Screen::Compliance);
        let p = o.console.picture().unwrap();
        assert_eq!(p.clauses[o.console.compliance].line.id, "7.4/logins");
        let t = text(&state);
        for words in [
            "read-only: the trust's view",
            "Ashdown Primary",
            "Logins and passwords",
            "NOT COMPLIANT",
            "RED",
            "GREEN",
            "last audit: run 8",
            "forwarded today 03:10",
        ] {
            assert!(t.contains(words), "{words:?} missing:\n{t}");
        }
        for writes in ["a attest", "r audit", "w waive"] {
            assert!(!t.contains(writes), "{writes:?} offered:\n{t}");
        }
        snap("school_compliance", &state);
    }
}

#[test]
fn a_school_clause_findings_and_back() {
    for (w, h) in SIZES {
        let (mut state, view) = ashdown_opened(w, h);
        act(&mut state, &view, TrustAction::Open);
        let console = &state.opened.as_ref().unwrap().console;
        assert_eq!(console.screen, Screen::Findings);
        assert_eq!(console.query(Screen::Findings), "clause:7.4/logins");
        let t = text(&state);
        assert!(t.contains("c.wright left in July"), "{t}");
        assert!(t.contains("FAIL"), "{t}");
        snap("school_findings", &state);

        // The finding in full: when it was first seen is the school's own console's to say.
        act(&mut state, &view, TrustAction::Open);
        assert!(state.opened.as_ref().unwrap().console.findings.zoom);
        if h >= 40 {
            let t = text(&state);
            assert!(
                t.contains("unknown: the trust's view has each school"),
                "{t}"
            );
        }
        let seen = &state.opened.as_ref().unwrap().console.seen;
        assert!(seen
            .values()
            .all(|s| *s == Loadable::Failed(SEEN_UNKNOWN.to_string())));

        // Esc closes the finding, then the findings, then the school.
        act(&mut state, &view, TrustAction::Back);
        assert!(!state.opened.as_ref().unwrap().console.findings.zoom);
        act(&mut state, &view, TrustAction::Back);
        assert_eq!(
            state.opened.as_ref().unwrap().console.screen,
            Screen::Compliance
        );
        act(&mut state, &view, TrustAction::Back);
        assert_eq!(state.screen, TrustScreen::Schools);
        assert!(state.opened.is_none());
        assert_eq!(state.selected, 0, "the selection is kept");
    }
}

#[test]
fn filter_across_schools() {
    for (w, h) in SIZES {
        let (mut state, view) = console(w, h);
        act(&mut state, &view, TrustAction::Filter);
        assert_eq!(state.screen, TrustScreen::Filter);
        let t = text(&state);
        for words in [
            "guest",
            "pupil",
            "staff",
            "2 fail",
            "OK",
            "no internet",
            "not tested",
            "1 unclear",
            "no audit forwarded yet",
            "1 school has a page not as expected",
            "Adult content",
            "LOADED ✗",
            "from guest-wifi",
        ] {
            assert!(t.contains(words), "{words:?} missing:\n{t}");
        }
        snap("filter", &state);
    }
}

#[test]
fn filter_across_schools_detail_and_the_school_own_filter_screen() {
    let (mut state, view) = console(80, 24);
    act(&mut state, &view, TrustAction::Filter);
    // Castle Hill, pupil: the internet could not be reached.
    act(&mut state, &view, TrustAction::Down);
    act(&mut state, &view, TrustAction::Down);
    act(&mut state, &view, TrustAction::Right);
    let t = text(&state);
    assert!(
        t.contains("The internet could not be reached from pupil-wifi"),
        "{t}"
    );
    // Castle Hill, guest: not tested.
    act(&mut state, &view, TrustAction::Left);
    let t = text(&state);
    assert!(t.contains("No vantage point of the guest group"), "{t}");
    snap("filter_not_tested", &state);

    // Enter: Ashdown's own filter tests at its guest network; Esc back to the trust's.
    act(&mut state, &view, TrustAction::Top);
    act(&mut state, &view, TrustAction::Open);
    assert_eq!(state.screen, TrustScreen::School);
    let console = &state.opened.as_ref().unwrap().console;
    assert_eq!(console.screen, Screen::Filter);
    let m = console.filter_view();
    assert_eq!(m.vantages[console.filter.col].name, "guest-wifi");
    let t = text(&state);
    assert!(t.contains("read-only: the trust's view"), "{t}");
    assert!(t.contains("LOADED ✗"), "{t}");
    snap("school_filter", &state);
    // Its vantage points move with ←→; Enter (a result's history) is the school's own console's.
    act(&mut state, &view, TrustAction::Right);
    assert_eq!(state.opened.as_ref().unwrap().console.filter.col, 1);
    act(&mut state, &view, TrustAction::Open);
    assert!(state
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("school's own console"));
    act(&mut state, &view, TrustAction::Back);
    assert_eq!(state.screen, TrustScreen::Filter);
    act(&mut state, &view, TrustAction::Back);
    assert_eq!(state.screen, TrustScreen::Schools);
}

#[test]
fn help() {
    for (w, h) in SIZES {
        let (mut state, view) = console(w, h);
        act(&mut state, &view, TrustAction::Help);
        let t = text(&state);
        assert!(t.contains("read-only"), "{t}");
        snap("help", &state);
        act(&mut state, &view, TrustAction::Back);
        assert!(state.help.is_none());
    }
    // Every key, with what it does, on some screen's help.
    let all: String = TrustScreen::ALL
        .iter()
        .flat_map(|s| view::help_lines(200, *s, &caretaker_tui::view::text::Theme { color: false }))
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    for b in TRUST_KEYS {
        let label = b.keys_label();
        assert!(
            all.lines()
                .any(|l| l.contains(&label) && l.contains(b.help)),
            "help does not list {label} ({})",
            b.help
        );
    }
}

#[test]
fn reading_and_errors_are_said_in_words() {
    let mut state = TrustState::new(now(), time::UtcOffset::UTC, true);
    let _ = update(&mut state, TrustAction::Resize(80, 24));
    let effects = update(&mut state, TrustAction::Refresh);
    assert_eq!(effects, vec![TrustEffect::Load { request: 1 }]);
    assert!(text(&state).contains("Reading the trust's database…"));
    snap("reading", &state);

    // The read fails: the screen says why, and r tries again.
    let failed = read(
        &|| Err("could not connect to trust.example.org:5432: connection refused".to_string()),
        caretaker_core::local::catalogue(),
        1,
    );
    let _ = update(&mut state, failed);
    let t = text(&state);
    assert!(
        t.contains("Could not read the trust's database: could not connect"),
        "{t}"
    );
    assert!(t.contains("Press r to try again"), "{t}");
    snap("read_failed", &state);

    // Read again: a late answer to the old request is dropped; the new one is shown.
    let view = trust_view();
    let effects = update(&mut state, TrustAction::Refresh);
    assert_eq!(effects, vec![TrustEffect::Load { request: 2 }]);
    let _ = update(
        &mut state,
        TrustAction::Loaded {
            request: 1,
            result: Ok(loaded(view.clone())),
        },
    );
    assert!(state.trust().is_none());
    let _ = update(
        &mut state,
        TrustAction::Loaded {
            request: 2,
            result: Ok(loaded(view.clone())),
        },
    );
    assert_eq!(state.school_count(), 4);
    assert!(text(&state).contains("read today 07:30"));

    // A failed refresh keeps the schools on screen and says so.
    let _ = update(&mut state, TrustAction::Refresh);
    assert!(text(&state).contains("reading…"));
    let _ = update(
        &mut state,
        TrustAction::Loaded {
            request: 3,
            result: Err("the trust's database is restarting".into()),
        },
    );
    let t = text(&state);
    assert!(t.contains("Ashdown Primary"), "{t}");
    assert!(
        t.contains("Could not read the trust's database again: the trust's database is"),
        "{t}"
    );
}

#[test]
fn update_moves_opens_and_goes_back() {
    let (mut state, view) = console(80, 24);
    // Up and down select a school, and stay inside the list.
    act(&mut state, &view, TrustAction::Up);
    assert_eq!(state.selected, 0);
    for _ in 0..10 {
        act(&mut state, &view, TrustAction::Down);
    }
    assert_eq!(state.selected, 3);
    // A school that forwarded nothing does not open; it says why.
    act(&mut state, &view, TrustAction::Open);
    assert_eq!(state.screen, TrustScreen::Schools);
    assert!(state
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("Dale Park Primary has forwarded no audit yet"));
    // Clause columns stay inside the map.
    for _ in 0..40 {
        act(&mut state, &view, TrustAction::Right);
    }
    assert_eq!(state.clause, 17);
    // Brookfield opens at the selected (last) clause.
    act(&mut state, &view, TrustAction::Top);
    act(&mut state, &view, TrustAction::Down);
    act(&mut state, &view, TrustAction::Open);
    let o = state.opened.as_ref().unwrap();
    assert_eq!(o.name, "Brookfield Academy");
    assert_eq!(o.console.compliance, 17);
    // Inside, up and down move the school's own selection.
    act(&mut state, &view, TrustAction::Up);
    assert_eq!(state.opened.as_ref().unwrap().console.compliance, 16);
    assert_eq!(state.selected, 1);
    // ← and → do not leave the school's Compliance screen.
    act(&mut state, &view, TrustAction::Right);
    assert_eq!(
        state.opened.as_ref().unwrap().console.screen,
        Screen::Compliance
    );
    // A refresh keeps the school open, with its new picture.
    act(&mut state, &view, TrustAction::Refresh);
    assert_eq!(state.screen, TrustScreen::School);
    assert_eq!(state.opened.as_ref().unwrap().console.compliance, 16);
    // Back, and the filter screen and back.
    act(&mut state, &view, TrustAction::Back);
    assert_eq!(state.screen, TrustScreen::Schools);
    act(&mut state, &view, TrustAction::Filter);
    assert_eq!(state.screen, TrustScreen::Filter);
    assert_eq!(state.selected, 1);
    act(&mut state, &view, TrustAction::Filter);
    assert_eq!(state.screen, TrustScreen::Schools);
    // Esc on the first screen never quits; q does.
    act(&mut state, &view, TrustAction::Back);
    assert!(!state.quit);
    assert!(state.message.as_ref().unwrap().text.contains("q quits"));
    act(&mut state, &view, TrustAction::Quit);
    assert!(state.quit);
}

#[test]
fn a_school_gone_from_a_new_read_is_closed() {
    let (mut state, view) = console(80, 24);
    act(&mut state, &view, TrustAction::Open);
    assert_eq!(state.screen, TrustScreen::School);
    let fewer = TrustView {
        schools: vec![brookfield()],
        as_of: None,
    };
    act(&mut state, &fewer, TrustAction::Refresh);
    assert_eq!(state.screen, TrustScreen::Schools);
    assert!(state.opened.is_none());
    assert!(state
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("Ashdown Primary is no longer in the trust's view"));
    let t = text(&state);
    assert!(t.contains("1 of 1 school meets the policy"), "{t}");
}

#[test]
fn an_empty_trust_says_so() {
    let empty = TrustView {
        schools: Vec::new(),
        as_of: None,
    };
    let mut state = TrustState::new(now(), time::UtcOffset::UTC, true);
    act(&mut state, &empty, TrustAction::Refresh);
    for action in [
        TrustAction::Down,
        TrustAction::Right,
        TrustAction::Open,
        TrustAction::Filter,
        TrustAction::Open,
        TrustAction::Left,
        TrustAction::Bottom,
    ] {
        act(&mut state, &empty, action);
        let t = text(&state);
        assert!(
            t.contains("No school is in the trust's database yet"),
            "{t}"
        );
    }
}

/// NO_COLOR: no cell carries a colour on any screen, and the words alone carry the meaning.
#[test]
fn no_color_words_carry_the_meaning() {
    let view = trust_view();
    let mut state = TrustState::new(now(), time::UtcOffset::UTC, false);
    act(&mut state, &view, TrustAction::Resize(80, 24));
    act(&mut state, &view, TrustAction::Refresh);
    let screens: [&[TrustAction]; 4] = [
        &[],
        &[TrustAction::Filter],
        &[TrustAction::Filter, TrustAction::Open],
        &[TrustAction::Back, TrustAction::Back, TrustAction::Open],
    ];
    for actions in screens {
        for a in actions {
            act(&mut state, &view, a.clone());
        }
        let backend = render(&state);
        for cell in backend.buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "{:?}: a coloured cell", state.screen);
            assert_eq!(cell.bg, Color::Reset, "{:?}: a coloured cell", state.screen);
        }
    }
    act(&mut state, &view, TrustAction::Back);
    let t = text(&state);
    for word in ["RED", "GREEN", "yes", "no"] {
        assert!(t.contains(word), "{word} missing:\n{t}");
    }
    snap("no_color_schools", &state);
}

/// However small the terminal, every screen draws without a panic.
#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8), (79, 12)] {
        let (mut state, view) = console(w, h);
        for a in [
            TrustAction::Right,
            TrustAction::Help,
            TrustAction::Help,
            TrustAction::Filter,
            TrustAction::Right,
            TrustAction::Open,
            TrustAction::Open,
            TrustAction::Back,
            TrustAction::Back,
            TrustAction::Open,
            TrustAction::Open,
            TrustAction::Open,
        ] {
            act(&mut state, &view, a);
            let _ = render(&state);
        }
    }
}

/// How `run_trust` reads the trust's database: a shareable, blocking closure.
type Load = Arc<dyn Fn() -> Result<TrustView, String> + Send + Sync>;

/// `run_trust` takes the loader and the offset, and says so when there is no terminal rather
/// than drawing.
#[test]
fn run_trust_takes_a_blocking_loader() {
    let view = trust_view();
    let load: Load = Arc::new(move || Ok(view.clone()));
    let entry: fn(
        Load,
        caretaker_api::Catalogue,
        time::UtcOffset,
    ) -> Result<u8, caretaker_tui::TuiError> = caretaker_tui::run_trust;
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        assert!(matches!(
            entry(
                load,
                caretaker_core::local::catalogue(),
                time::UtcOffset::UTC
            ),
            Err(caretaker_tui::TuiError::NotATerminal)
        ));
    }
}
