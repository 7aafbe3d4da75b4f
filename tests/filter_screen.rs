//! The Filter screen over a real store, read cold: the vantage columns keep one order whichever
//! vantage point finished first, the ones with something wrong are on screen at 80 columns, names
//! are whole at 120, and the HTTP and HTTPS tests of one site are told apart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt as _;

use caretaker_api::Api;
use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::Local;
use caretaker_tui::action::Action;
use caretaker_tui::app::answer;
use caretaker_tui::state::{Screen, State};
use caretaker_tui::update::update;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const VANTAGES: &[(&str, &str)] = &[
    ("admin-office", "staff"),
    ("pupil-pc", "pupil"),
    ("staff-pc", "staff"),
    ("guest-laptop", "guest"),
    ("byod-tablet", "byod"),
];

const PAGES: &[(&str, &str, &str)] = &[
    ("http://iwf.testfiltering.com/", "iwf", "block"),
    ("https://iwf.testfiltering.com/", "iwf", "block"),
    ("https://www.gov.uk/", "teaching", "load"),
];

/// The filter findings of one run, vantage points in `order`: the guest network fails the
/// must-block pages (over HTTP and HTTPS), everything else is as expected.
fn findings(order: &[usize]) -> Vec<Finding> {
    let map = caretaker_checks::clauses::builtin();
    let mut out = Vec::new();
    for &i in order {
        let (vantage, group) = VANTAGES[i];
        let ev = |url: &str, category: &str, expect: &str| {
            Evidence::new(format!("{vantage} ({group})"))
                .with("url", url)
                .with("category", category)
                .with("expect", expect)
                .with("group", group)
        };
        let control = "http://detectportal.firefox.com/success.txt";
        out.push(Finding::new(
            "filter.control",
            Target::new(TargetKind::Url, control, vantage),
            Status::Pass,
            Severity::Info,
            format!("The internet can be reached from {vantage}."),
            ev(control, "control", "load"),
        ));
        for (url, category, expect) in PAGES {
            let wrong = vantage == "guest-laptop" && *expect == "block";
            let check = if *expect == "block" {
                "filter.must-block"
            } else {
                "filter.must-load"
            };
            out.push(Finding::new(
                check,
                Target::new(TargetKind::Url, *url, vantage),
                if wrong { Status::Fail } else { Status::Pass },
                Severity::Critical,
                format!("{url} from {vantage}."),
                ev(url, category, expect),
            ));
        }
    }
    for f in &mut out {
        f.clauses = map.clauses_for(&f.check);
    }
    out
}

fn store_run(store: &Store, findings: &[Finding]) {
    let id = store
        .begin_run(&NewRun {
            trigger: Trigger::Cron,
            who: "root".into(),
            config_digest: "d".into(),
            school: "St. Example's".into(),
            only: vec!["filter".into()],
        })
        .unwrap();
    store.add_findings(id, findings).unwrap();
    store
        .finish_run(id, RunState::Complete, Some(Verdict::of(findings)))
        .unwrap();
}

fn act(state: &mut State, source: &dyn Api, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in update(state, a) {
            if let Some(answer) = answer(source, effect) {
                queue.push(answer);
            }
        }
    }
}

/// The Filter screen at `w`×`h`, as text lines.
fn screen(source: &dyn Api, w: u16, h: u16) -> Vec<String> {
    let mut state = State::new(time::OffsetDateTime::now_utc(), time::UtcOffset::UTC, true);
    act(&mut state, source, Action::Resize(w, h));
    act(&mut state, source, Action::Reload);
    act(&mut state, source, Action::GoTo(Screen::Filter));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| caretaker_tui::view::draw(f, &state)).unwrap();
    let b = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| b[(x, y)].symbol().to_string()).collect())
        .collect()
}

/// The whole vantage names in the header, left to right (a cut name is not one).
fn header(lines: &[String]) -> Vec<String> {
    let line = lines
        .iter()
        .find(|l| l.contains("-pc") || l.contains("-lap") || l.contains("-off"))
        .unwrap_or_else(|| panic!("no header:\n{}", lines.join("\n")));
    line.split_whitespace()
        .filter(|w| VANTAGES.iter().any(|(n, _)| n == w))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_filter_screen_reads_cold() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("caretaker.toml");
    std::fs::write(
        &config,
        "version = 1\n[school]\nname = \"St. Example's\"\n[store]\npath = \"caretaker.db\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = caretaker_config::load(&config).unwrap();
    let store = Store::open(&loaded.store_path).unwrap();
    let src = Local::new(
        store.clone(),
        loaded.clone(),
        caretaker_checks::clauses::builtin(),
    );

    // Two runs whose vantage points finished in opposite orders.
    store_run(&store, &findings(&[0, 1, 2, 3, 4]));
    let first = screen(&src, 120, 40);
    store_run(&store, &findings(&[4, 3, 2, 1, 0]));
    let second = screen(&src, 120, 40);
    let text = second.join("\n");

    // One order, the failing vantage point first, then by name; every name whole at 120.
    assert_eq!(header(&first), header(&second), "{text}");
    assert_eq!(
        header(&second),
        [
            "guest-laptop",
            "admin-office",
            "byod-tablet",
            "pupil-pc",
            "staff-pc"
        ],
        "{text}"
    );

    // The HTTP and HTTPS tests of the IWF page are two rows that say which is which.
    let iwf: Vec<&String> = second
        .iter()
        .filter(|l| l.contains("IWF") && !l.starts_with('─'))
        .collect();
    assert_eq!(iwf.len(), 2, "{text}");
    assert!(iwf[0].contains("http  IWF"), "{text}");
    assert!(iwf[1].contains("https IWF"), "{text}");
    assert!(iwf.iter().all(|l| l.contains("LOADED ✗")), "{text}");

    // At 80 columns the failing column is on screen, not scrolled off to the right.
    let narrow = screen(&src, 80, 24);
    let names = header(&narrow);
    assert_eq!(
        names,
        ["guest-laptop", "admin-office", "byod-tablet"],
        "{}",
        narrow.join("\n")
    );
    assert!(
        narrow.iter().any(|l| l.contains("1–3 of 5 (←→)")),
        "{}",
        narrow.join("\n")
    );
    assert!(
        narrow
            .iter()
            .any(|l| l.contains("IWF") && l.contains("LOADED ✗")),
        "{}",
        narrow.join("\n")
    );
}
