//! Snapshots of every screen at 80×24 and 120×40, fed by the sample school through the same
//! update loop the console runs (effects answered by the sample source, synchronously).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caretaker_checks::Status;
use caretaker_sample::{self as sample, Sample};
use caretaker_tui::action::{Action, Effect};
use caretaker_tui::keys::KEYS;
use caretaker_tui::source::AuditEvent;
use caretaker_tui::state::{Screen, State};
use caretaker_tui::update::update;
use caretaker_tui::view;
use common::{act, console};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn render(state: &State) -> TestBackend {
    let (w, h) = state.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, state)).unwrap();
    t.backend().clone()
}

fn snap(name: &str, state: &State) {
    let (w, h) = state.size;
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(state));
}

fn text(backend: &TestBackend) -> String {
    backend.to_string()
}

#[test]
fn compliance() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::Down);
        act(&mut state, &source, Action::Down);
        snap("compliance", &state);
    }
}

#[test]
fn compliance_says_stale_when_the_latest_audit_is_over_26_hours_old() {
    let (mut state, source) = console(80, 24);
    let later = sample::now() + time::Duration::days(3);
    act(&mut state, &source, Action::Tick(later));
    let t = text(&render(&state));
    assert!(t.contains("STALE"), "{t}");
    snap("compliance_stale", &state);
    // 26 hours after the run is still fresh; 27 is not.
    let run = time::macros::datetime!(2026-11-23 02:00:07 UTC);
    act(
        &mut state,
        &source,
        Action::Tick(run + time::Duration::hours(25)),
    );
    assert!(!text(&render(&state)).contains("STALE"));
    act(
        &mut state,
        &source,
        Action::Tick(run + time::Duration::hours(27)),
    );
    assert!(text(&render(&state)).contains("STALE"));
}

/// Compliance → Enter on "Logins and passwords" → its findings.
fn logins_findings(w: u16, h: u16) -> (State, Sample) {
    let (mut state, source) = console(w, h);
    let logins = state
        .clause_rows()
        .iter()
        .position(|i| state.picture().unwrap().clauses[*i].line.id == "7.4/logins")
        .unwrap();
    for _ in 0..logins {
        act(&mut state, &source, Action::Down);
    }
    act(&mut state, &source, Action::Open);
    assert_eq!(state.screen, Screen::Findings);
    (state, source)
}

#[test]
fn findings() {
    for (w, h) in SIZES {
        let (mut state, source) = logins_findings(w, h);
        act(&mut state, &source, Action::Down);
        snap("findings", &state);
    }
}

#[test]
fn finding_in_full() {
    for (w, h) in SIZES {
        let (mut state, source) = logins_findings(w, h);
        act(&mut state, &source, Action::Open);
        assert!(state.findings.zoom);
        snap("finding_detail", &state);
    }
}

#[test]
fn findings_search_being_typed() {
    let (mut state, source) = console(80, 24);
    act(&mut state, &source, Action::GoTo(Screen::Findings));
    act(&mut state, &source, Action::Search);
    for c in "host:office-pc status:fail".chars() {
        act(&mut state, &source, Action::SearchInput(c));
    }
    assert_eq!(state.finding_rows().len(), 1);
    snap("findings_search", &state);
}

#[test]
fn hosts() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Hosts));
        snap("hosts", &state);
    }
}

#[test]
fn directory() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Directory));
        act(&mut state, &source, Action::Down);
        snap("directory", &state);
    }
}

/// The Filter screen with the guest network's adult-content cell (LOADED ✗) selected.
fn filter_on_guest_adult(w: u16, h: u16) -> (State, Sample) {
    let (mut state, source) = console(w, h);
    act(&mut state, &source, Action::GoTo(Screen::Filter));
    // The vantage points with problems come first, by name: the guest network's is the first.
    for _ in 0..2 {
        act(&mut state, &source, Action::Down);
    }
    let m = state.filter_view();
    assert_eq!(m.rows[state.filter.row].category, "adult");
    assert_eq!(m.vantages[state.filter.col].name, "guest-wifi");
    (state, source)
}

#[test]
fn filter() {
    for (w, h) in SIZES {
        let (state, _) = filter_on_guest_adult(w, h);
        let t = text(&render(&state));
        assert!(t.contains("LOADED ✗") && t.contains("BLOCKED ✗"), "{t}");
        snap("filter", &state);
    }
}

#[test]
fn filter_cell_history() {
    for (w, h) in SIZES {
        let (mut state, source) = filter_on_guest_adult(w, h);
        act(&mut state, &source, Action::Open);
        snap("filter_history", &state);
    }
}

#[test]
fn runs() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Runs));
        snap("runs", &state);
    }
}

#[test]
fn runs_compared() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Runs));
        act(&mut state, &source, Action::ToggleMark);
        for _ in 0..3 {
            act(&mut state, &source, Action::Down);
        }
        act(&mut state, &source, Action::ToggleMark);
        assert_eq!(state.runs_view.marked, vec![8, 5]);
        snap("runs_diff", &state);
    }
}

#[test]
fn help() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::Help);
        snap("help", &state);
    }
}

#[test]
fn audit_progress() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        let effects = update(&mut state, Action::AuditAll);
        assert!(matches!(effects.as_slice(), [Effect::StartAudit(_)]));
        act(
            &mut state,
            &source,
            Action::Audit(AuditEvent::Started {
                run_id: 9,
                units: 6,
            }),
        );
        for (unit, n, failing) in [
            ("directory:ad", 19, 7),
            ("directory:ldap", 6, 4),
            ("hosts", 36, 7),
        ] {
            act(
                &mut state,
                &source,
                Action::Audit(AuditEvent::UnitDone {
                    unit: unit.into(),
                    findings: n,
                    failing,
                }),
            );
        }
        act(
            &mut state,
            &source,
            Action::Tick(sample::now() + time::Duration::seconds(42)),
        );
        snap("audit_progress", &state);
    }
}

#[test]
fn no_store_yet_and_loading() {
    let mut state = State::new(sample::now(), time::UtcOffset::UTC, true);
    state.size = (80, 24);
    let _ = update(&mut state, Action::Reload);
    snap("loading", &state);
    let empty = caretaker_tui::model::Picture::build(
        caretaker_core::local::catalogue(),
        sample::SCHOOL,
        &caretaker_checks::clauses::builtin(),
        None,
        Vec::new(),
    );
    let request = state.picture_request;
    let _ = update(
        &mut state,
        Action::PictureLoaded {
            request,
            result: Ok(Box::new(empty)),
        },
    );
    snap("no_audit_yet", &state);
}

/// NO_COLOR: no cell carries a colour, and the words alone say RED / AMBER / GREEN / GREY and
/// FAIL / PASS / ERROR.
#[test]
fn no_color_words_carry_the_meaning() {
    let source = Sample::new().expect("the sample school opens");
    let mut state = State::new(sample::now(), time::UtcOffset::UTC, false);
    act(&mut state, &source, Action::Resize(80, 24));
    act(&mut state, &source, Action::Reload);
    for screen in Screen::ALL {
        act(&mut state, &source, Action::GoTo(screen));
        let backend = render(&state);
        for cell in backend.buffer().content() {
            assert_eq!(
                cell.fg,
                Color::Reset,
                "{screen:?}: a coloured cell under NO_COLOR"
            );
            assert_eq!(
                cell.bg,
                Color::Reset,
                "{screen:?}: a coloured cell under NO_COLOR"
            );
        }
    }
    act(&mut state, &source, Action::GoTo(Screen::Compliance));
    let t = text(&render(&state));
    for word in ["RED", "AMBER", "GREEN", "GREY", "NOT COMPLIANT"] {
        assert!(t.contains(word), "{word} missing:\n{t}");
    }
    snap("no_color_compliance", &state);
    act(&mut state, &source, Action::GoTo(Screen::Hosts));
    let t = text(&render(&state));
    for word in ["FAIL", "PASS", "ERROR"] {
        assert!(t.contains(word), "{word} missing:\n{t}");
    }
    snap("no_color_hosts", &state);
}

/// Every key of the key table is on the help screen, with its help text.
#[test]
fn help_lists_every_key() {
    let (mut state, source) = console(120, 40);
    act(&mut state, &source, Action::Help);
    let all: String = caretaker_tui::view::help_lines(200, Screen::Compliance)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    for b in KEYS.iter().chain(caretaker_tui::keys::FORM_KEYS) {
        let label = b.keys_label();
        assert!(
            all.lines()
                .any(|l| l.contains(&label) && l.contains(b.help)),
            "help does not list {label} ({})",
            b.help
        );
    }
    // And scrolling reaches the end of it on the smallest screen.
    let (mut small, source) = console(80, 24);
    act(&mut small, &source, Action::Help);
    for _ in 0..60 {
        act(&mut small, &source, Action::Down);
    }
    let t = text(&render(&small));
    assert!(t.contains("quit"), "{t}");
}

#[test]
fn statuses_are_words_in_the_findings_list() {
    let (mut state, source) = console(80, 24);
    act(&mut state, &source, Action::GoTo(Screen::Findings));
    let p = state.picture().unwrap();
    assert!(p.findings.iter().any(|f| f.status == Status::Error));
    let t = text(&render(&state));
    assert!(t.contains("FAIL"), "{t}");
}

#[test]
fn risk_assessments() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Assessments));
        // Newest first, the corrected #5 hidden behind its correction #6.
        assert_eq!(state.assessment_rows(), vec![6, 2]);
        snap("assessments", &state);
    }
}

#[test]
fn site_log() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Sites));
        act(&mut state, &source, Action::Down);
        act(&mut state, &source, Action::Down);
        snap("sites", &state);
    }
}

/// The form at each stage: empty, after Ctrl-S with every problem, filled in.
#[test]
fn assessment_form() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Assessments));
        act(&mut state, &source, Action::NewAssessment);
        snap("form_empty", &state);
        // A few lines typed, then saved: every problem beside its line.
        act(&mut state, &source, Action::FormCycle(true));
        act(&mut state, &source, Action::FormNext);
        for c in "www.example.org".chars() {
            act(&mut state, &source, Action::FormInput(c));
        }
        act(&mut state, &source, Action::FormSave);
        let t = text(&render(&state));
        assert!(t.contains("nothing"), "{t}");
        snap("form_errors", &state);
    }
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Sites));
        act(&mut state, &source, Action::NewAssessment);
        fill(&mut state, &source);
        snap("form_filled", &state);
    }
}

/// Types a high-risk assessment into the open form (the change comes from the site log).
fn fill(state: &mut State, source: &Sample) {
    use caretaker_tui::form::Field;
    let typed: [(Field, &str); 13] = [
        (Field::Groups, "pupil"),
        (Field::RequestedBy, "Ms Ahmed (computing lead)"),
        (Field::Reason, "After-school coding club projects"),
        (Field::Content, "projects by strangers"),
        (Field::Contact, "project comments"),
        (Field::Conduct, "none"),
        (
            Field::Mitigations,
            "club account with comments off; supervised",
        ),
        (Field::Educational, "Ms Ahmed"),
        (Field::Technical, "R. Singh (network)"),
        (Field::ConsentBy, "Mrs Head (headteacher)"),
        (Field::ConsentOn, "2026-11-22"),
        (Field::AppliedOn, "2026-11-23"),
        (Field::ReviewBy, "2027-07-20"),
    ];
    for (f, v) in typed {
        while state.form.as_ref().unwrap().current() != f {
            act(state, source, Action::FormNext);
        }
        for c in v.chars() {
            act(state, source, Action::FormInput(c));
        }
    }
    while state.form.as_ref().unwrap().current() != Field::RiskLevel {
        act(state, source, Action::FormPrev);
    }
    act(state, source, Action::FormCycle(false)); // high
    while state.form.as_ref().unwrap().current() != Field::Decision {
        act(state, source, Action::FormNext);
    }
    act(state, source, Action::FormInput(' ')); // approve
}

/// Saved through the source: back on the list, the new record selected and in full.
#[test]
fn a_saved_assessment_is_selected_on_the_list() {
    let (mut state, source) = console(120, 40);
    act(&mut state, &source, Action::GoTo(Screen::Sites));
    act(&mut state, &source, Action::NewAssessment);
    fill(&mut state, &source);
    act(&mut state, &source, Action::FormSave);
    assert!(state.form.is_none());
    assert_eq!(state.screen, Screen::Assessments);
    assert_eq!(state.assessment_rows()[state.assessments], 12);
    let t = text(&render(&state));
    assert!(t.contains("recorded as #12 by r.singh"), "{t}");
    assert!(
        t.contains("Unblock site www.example-coding-club.org for pupil"),
        "{t}"
    );
    assert!(
        t.contains("given by Mrs Head (headteacher) on 2026-11-22"),
        "{t}"
    );
    snap("assessment_saved", &state);
}

#[test]
fn attestations_and_waivers() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Attestations));
        let t = text(&render(&state));
        assert!(t.contains("1 in force, 1 expired"), "{t}");
        assert!(t.contains("EXPIRED"), "{t}");
        assert!(t.contains("Mrs Head (headteacher)"), "{t}");
        snap("attestations", &state);
        act(&mut state, &source, Action::Down);
        snap("attestation_expired", &state);
    }
}

fn type_text(state: &mut State, s: &str) {
    for c in s.chars() {
        update(state, Action::FormInput(c));
    }
}

#[test]
fn waiver_form() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Findings));
        state.queries[Screen::Findings.index()] = "status:fail k.lee".into();
        act(&mut state, &source, Action::Top);
        act(&mut state, &source, Action::Waive);
        snap("waiver_form_empty", &state);
        type_text(&mut state, "Account of a governor, used once a term");
        update(&mut state, Action::FormNext);
        update(&mut state, Action::FormNext);
        type_text(&mut state, "31/03/2027");
        act(&mut state, &source, Action::FormSave);
        let t = text(&render(&state));
        assert!(t.contains("2 problems"), "{t}");
        assert!(t.contains("is not a date"), "{t}");
        snap("waiver_form_errors", &state);
    }
}

#[test]
fn attestation_form() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        let p = state.picture().unwrap();
        let pos = state
            .clause_rows()
            .iter()
            .position(|i| p.clauses[*i].line.id == "7.4/network-files")
            .unwrap();
        state.compliance = pos;
        act(&mut state, &source, Action::Attest);
        type_text(
            &mut state,
            "Share permissions reviewed with the IT technician",
        );
        update(&mut state, Action::FormNext);
        type_text(&mut state, "Mr Brown (deputy head)");
        update(&mut state, Action::FormNext);
        type_text(&mut state, "2027-07-31");
        snap("attestation_form", &state);
        act(&mut state, &source, Action::FormSave);
        let t = text(&render(&state));
        assert!(t.contains("Attestation #12 recorded"), "{t}");
        assert!(t.contains("attested by Mr Brown"), "{t}");
        snap("attestation_saved", &state);
    }
}

/// The site-log form: empty (dated now), then after Ctrl-S with problems beside their lines.
#[test]
fn site_form() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Sites));
        act(&mut state, &source, Action::NewSite);
        let t = text(&render(&state));
        assert!(t.contains("2026-11-23"), "{t}");
        assert!(t.contains("07:30"), "{t}");
        snap("site_form_empty", &state);
        type_text(&mut state, "Mrs Patel (Year 4)");
        for _ in 0..4 {
            update(&mut state, Action::FormNext);
        }
        type_text(&mut state, "not a site");
        act(&mut state, &source, Action::FormSave);
        let t = text(&render(&state));
        assert!(t.contains("problems, nothing saved"), "{t}");
        snap("site_form_errors", &state);
    }
}

/// Saved through the source: back on the Site log with the new entry selected.
#[test]
fn a_saved_site_is_selected_on_the_list() {
    let (mut state, source) = console(120, 40);
    act(&mut state, &source, Action::GoTo(Screen::Sites));
    act(&mut state, &source, Action::NewSite);
    type_text(&mut state, "Mrs Patel (Year 4)");
    for _ in 0..3 {
        update(&mut state, Action::FormNext);
    }
    type_text(&mut state, "CLASS4-PC07");
    update(&mut state, Action::FormNext);
    type_text(&mut state, "www.example-museum.org");
    update(&mut state, Action::FormNext);
    update(&mut state, Action::FormCycle(false));
    act(&mut state, &source, Action::FormSave);
    assert!(state.site_form.is_none());
    assert_eq!(state.screen, Screen::Sites);
    let t = text(&render(&state));
    assert!(t.contains("recorded as #12 by r.singh"), "{t}");
    assert!(t.contains("www.example-museum.org"), "{t}");
    snap("site_saved", &state);
}

/// `c` on a risk assessment and on a site-log entry: the form holding the record, titled as a
/// correction.
#[test]
fn correction_forms() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Assessments));
        act(&mut state, &source, Action::Correct);
        let t = text(&render(&state));
        assert!(t.contains("Correcting risk assessment #6"), "{t}");
        assert!(t.contains("video-sharing"), "{t}");
        snap("assessment_correction", &state);
        act(&mut state, &source, Action::FormCancel);
        act(&mut state, &source, Action::GoTo(Screen::Sites));
        act(&mut state, &source, Action::Correct);
        let t = text(&render(&state));
        assert!(t.contains("Correcting site-log entry #"), "{t}");
        snap("site_correction", &state);
    }
}

/// `v`: the filter tests run, then the run is recorded against the assessment and shown.
#[test]
fn verification_recorded() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Assessments));
        let effects = update(&mut state, Action::Verify);
        let t = text(&render(&state));
        assert!(t.contains("Running the web-filter tests for #6"), "{t}");
        let [effect] = <[Effect; 1]>::try_from(effects).expect("one effect: the audit");
        common::run_audit(&mut state, &source, effect);
        let t = text(&render(&state));
        assert!(t.contains("Recorded as #12"), "{t}");
        assert!(t.contains(&format!("run {}", sample::RUNS + 1)), "{t}");
        snap("verification_recorded", &state);
    }
}

/// Enter on a risk assessment: the record in full over the list, scrolled to its end at 80×24.
#[test]
fn assessment_in_full() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Assessments));
        act(&mut state, &source, Action::Open);
        let t = text(&render(&state));
        assert!(t.contains("Enter or Esc: back to the list"), "{t}");
        assert!(t.contains("Asked by"), "{t}");
        snap("assessment_in_full", &state);
        for _ in 0..30 {
            act(&mut state, &source, Action::Down);
        }
        let t = text(&render(&state));
        assert!(
            t.contains("Filter checks"),
            "the end of the record is reached:\n{t}"
        );
        snap("assessment_in_full_end", &state);
    }
}

/// `d` on Attestations: the withdrawal form, empty and after Ctrl-S with nothing typed.
#[test]
fn withdrawal_form() {
    for (w, h) in SIZES {
        let (mut state, source) = console(w, h);
        act(&mut state, &source, Action::GoTo(Screen::Attestations));
        act(&mut state, &source, Action::Withdraw);
        let t = text(&render(&state));
        assert!(t.contains("Withdraw #"), "{t}");
        assert!(t.contains("why it is withdrawn"), "{t}");
        act(&mut state, &source, Action::FormSave);
        snap("withdrawal_form", &state);
    }
}
