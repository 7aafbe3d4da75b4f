//! The console's standards views over the sample school: `v` on Compliance reads the findings
//! against the DfE standards (both, cyber, filtering), Cyber Essentials, and back to the school's
//! policy; the header names the standard shown; the view survives a reload; Enter on a standard
//! lists the findings that evidence it; and a standard no machine can check can be attested.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caretaker_tui::action::Action;
use caretaker_tui::state::{Screen, State};
use caretaker_tui::view;
use common::{act, console};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(state: &State) -> String {
    let (w, h) = state.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, state)).unwrap();
    t.backend().to_string()
}

fn select(state: &mut State, id: &str) {
    state.compliance = state
        .clause_rows()
        .iter()
        .position(|i| state.picture().unwrap().clauses[*i].line.id == id)
        .unwrap_or_else(|| panic!("no row {id}"));
}

#[test]
fn v_cycles_the_standards_and_back_to_the_schools_policy() {
    let (mut state, source) = console(120, 40);
    assert_eq!(state.view, "school");
    let school = render(&state);
    assert!(school.contains("CLAUSE"), "{school}");
    assert!(
        school.contains("v view"),
        "the footer names the key: {school}"
    );

    act(&mut state, &source, Action::CycleView);
    assert_eq!(state.view, "dfe");
    let p = state.picture().unwrap();
    assert_eq!(p.map.policy, "DfE standards for schools and colleges");
    // Every finding of the sample school evidences a DfE standard.
    for f in &p.findings {
        assert!(
            f.clauses.iter().any(|c| c.starts_with("dfe-")),
            "{} evidences no DfE standard",
            f.check
        );
    }
    let dfe = render(&state);
    assert!(
        dfe.contains("DfE standards for schools and colleges"),
        "{dfe}"
    );
    assert!(dfe.contains("STANDARD"), "{dfe}");
    assert!(dfe.contains("needs a person"), "{dfe}");
    assert!(dfe.contains("Effective monitoring strategies"), "{dfe}");
    insta::assert_snapshot!("dfe_view_120x40", dfe);

    // The view stays through a reload.
    act(&mut state, &source, Action::Reload);
    assert_eq!(state.view, "dfe");
    assert_eq!(
        state.picture().unwrap().map.policy,
        "DfE standards for schools and colleges"
    );

    let mut seen = vec![state.view.clone()];
    for _ in 0..4 {
        act(&mut state, &source, Action::CycleView);
        seen.push(state.view.clone());
    }
    assert_eq!(
        seen,
        vec![
            "dfe",
            "dfe-cyber",
            "filtering",
            "cyber-essentials",
            "school"
        ]
    );
    // Back to the school's policy: the findings speak of its clauses again.
    let p = state.picture().unwrap();
    assert_eq!(p.map.policy, source.map().policy);
    assert!(p
        .findings
        .iter()
        .all(|f| f.clauses.iter().all(|c| source.map().clause(c).is_some())));
    assert_eq!(render(&state), school);
}

#[test]
fn enter_on_a_standard_lists_its_findings_and_a_person_can_attest_the_rest() {
    let (mut state, source) = console(80, 24);
    act(&mut state, &source, Action::CycleView);
    insta::assert_snapshot!("dfe_view_80x24", render(&state));
    select(&mut state, "dfe-cyber/accounts");
    act(&mut state, &source, Action::Open);
    assert_eq!(state.screen, Screen::Findings);
    let rows = state.finding_rows();
    assert!(!rows.is_empty());
    let p = state.picture().unwrap();
    for i in rows {
        assert!(
            p.findings[i]
                .clauses
                .contains(&"dfe-cyber/accounts".to_string()),
            "{:?}",
            p.findings[i]
        );
    }
    act(&mut state, &source, Action::Back);
    assert_eq!(state.screen, Screen::Compliance);
    // A standard no machine checks opens the attestation form; one a machine checks does not.
    select(&mut state, "dfe-cyber/backups");
    act(&mut state, &source, Action::Attest);
    assert!(state.record_form.is_some(), "{}", render(&state));
    let form = render(&state);
    assert!(form.contains("dfe-cyber/backups"), "{form}");
}
