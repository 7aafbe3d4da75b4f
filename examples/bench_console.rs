//! The console's benchmark (see `bench/console.sh`): fill a store with a year of nightly runs of a
//! large school through the store's own API, then time the console's start over it.
//!
//!   bench_console fill CONFIG RUNS HOSTS   # RUNS runs of HOSTS machines (7 checks each) + directory + filter
//!   bench_console first-frame CONFIG       # time to the first frame, then to everything loaded

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use caretaker_api::{Api, FilterLogSpan};
use caretaker_checks::filter::classify::{CATEGORIES, MUST_BLOCK, MUST_LOAD};
use caretaker_checks::{ClauseMap, Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::Local;
use caretaker_tui::action::{Action, Effect};
use caretaker_tui::state::{Screen, State};
use caretaker_tui::update::update;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The host checks, as the registry declares them.
const HOST_CHECKS: &[&str] = caretaker_checks::host::CHECK_IDS;

/// One night's findings: every machine's seven host checks (a few failing, varying by night), a
/// directory's checks with some accounts, and nine filter tests from three vantage points.
fn night(map: &ClauseMap, run: usize, hosts: usize) -> Vec<Finding> {
    let mut out = Vec::with_capacity(hosts * 6 + 60);
    let at = format!("2026-11-23T02:00:{:02}Z", run % 60);
    let mut push = |check: &str, target: Target, status: Status, summary: String| {
        let mut ev = Evidence {
            source: target.scope.clone(),
            observed_at: at.clone(),
            values: Vec::new(),
        };
        ev.push("probe", "caretaker-linux/1");
        ev.push("os", "linux");
        ev.push("value", run % 17);
        let mut f = Finding::new(check, target, status, Severity::High, summary, ev);
        if status != Status::Pass {
            f = f.fix("Look at the evidence and fix the setting on the machine.");
        }
        f.clauses = map.clauses_for(&f.check);
        out.push(f);
    };
    for h in 0..hosts {
        let name = format!("pc{h:03}");
        for (c, check) in HOST_CHECKS.iter().enumerate() {
            // About 2% failing, moving around from night to night.
            let status = match (h * 7 + c * 13 + run) % 50 {
                0 => Status::Fail,
                1 => Status::Error,
                _ => Status::Pass,
            };
            push(
                check,
                Target::new(
                    TargetKind::Host,
                    name.clone(),
                    format!("10.1.{}.{}", h / 250, h % 250),
                ),
                status,
                format!("{check} on this computer: {}.", status.as_str()),
            );
        }
    }
    for (i, check) in caretaker_checks::directory::CHECK_IDS.iter().enumerate() {
        push(
            check,
            Target::new(TargetKind::Policy, "staff", "ad"),
            if (i + run) % 5 == 0 {
                Status::Fail
            } else {
                Status::Pass
            },
            format!("{check} for staff."),
        );
        push(
            check,
            Target::new(
                TargetKind::Account,
                format!("user{:03}", (i * 31 + run) % 400),
                "ad",
            ),
            Status::Fail,
            format!("{check}: an account needs a look."),
        );
    }
    for vantage in ["pupil-wifi", "staff-lan", "guest-wifi"] {
        for (t, (url, check)) in [
            ("http://iwf.testfiltering.com/", MUST_BLOCK),
            ("https://ctiru.testfiltering.com/", CATEGORIES),
            ("https://www.childline.org.uk/", MUST_LOAD),
        ]
        .iter()
        .enumerate()
        {
            push(
                check,
                Target::new(TargetKind::Url, *url, vantage),
                if (t + run) % 11 == 0 {
                    Status::Fail
                } else {
                    Status::Pass
                },
                format!("{url} from {vantage}."),
            );
        }
    }
    out
}

fn fill(config: &Path, runs: usize, hosts: usize) -> Result<(), String> {
    let loaded = caretaker_config::load(config).map_err(|e| e.to_string())?;
    // One run a night at 02:00, the last one last night: a year of nightly history.
    let clock = caretaker_model::Clock::manual(time::OffsetDateTime::now_utc());
    let store = Store::open(&loaded.store_path)
        .map_err(|e| e.to_string())?
        .with_clock(clock.clone());
    let map = caretaker_checks::clauses::builtin();
    let t = Instant::now();
    let mut n = 0;
    let today = time::OffsetDateTime::now_utc().date();
    for run in 0..runs {
        let day = today - time::Duration::days((runs - run) as i64);
        clock.set(
            day.with_hms(2, 0, 0)
                .map_err(|e| e.to_string())?
                .assume_utc(),
        );
        let findings = night(&map, run, hosts);
        n += findings.len();
        let id = store
            .begin_run(&NewRun {
                trigger: Trigger::Cron,
                who: "root".into(),
                config_digest: loaded.digest.clone(),
                school: loaded.config.school.name.clone(),
                only: Vec::new(),
            })
            .map_err(|e| e.to_string())?;
        store
            .add_findings(id, &findings)
            .map_err(|e| e.to_string())?;
        store
            .finish_run(id, RunState::Complete, Some(Verdict::of(&findings)))
            .map_err(|e| e.to_string())?;
    }
    println!(
        "filled {}: {runs} runs, {n} findings ({} per run) in {:.1} s",
        loaded.store_path.display(),
        n / runs.max(1),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Applies an action and answers its effects from `source`, as the console does (here in line).
fn act(state: &mut State, source: &dyn Api, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for effect in update(state, a) {
            if let Effect::LoadRuns { .. } = effect {
                continue; // timed separately below
            }
            if let Some(answer) = caretaker_tui::app::answer(source, effect) {
                queue.push(answer);
            }
        }
    }
}

fn first_frame(config: &Path) -> Result<(), String> {
    let start = Instant::now();
    let loaded = caretaker_config::load(config).map_err(|e| e.to_string())?;
    let source: Arc<dyn Api> = Arc::new(
        Local::open(loaded, caretaker_checks::clauses::builtin()).map_err(|e| e.to_string())?,
    );
    let opened = start.elapsed();
    let mut state = State::new(time::OffsetDateTime::now_utc(), time::UtcOffset::UTC, true);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).map_err(|e| e.to_string())?;
    act(&mut state, source.as_ref(), Action::Reload);
    terminal
        .draw(|f| caretaker_tui::view::draw(f, &state))
        .map_err(|e| e.to_string())?;
    let first = start.elapsed();
    let shown = terminal.backend().to_string();
    if !shown.contains("Compliance") || !shown.contains("last audit") {
        return Err(format!(
            "the first frame is not the compliance screen:\n{shown}"
        ));
    }
    // Then what loads behind it: the year of runs, drawn on the Runs screen.
    let t = Instant::now();
    let runs = source
        .runs(caretaker_tui::state::RUNS_LIMIT)
        .map_err(|e| e.to_string())?;
    let n = runs.len();
    let newest = runs.first().cloned();
    check_runs(&runs)?;
    act(&mut state, source.as_ref(), Action::RunsLoaded(Ok(runs)));
    act(&mut state, source.as_ref(), Action::GoTo(Screen::Runs));
    terminal
        .draw(|f| caretaker_tui::view::draw(f, &state))
        .map_err(|e| e.to_string())?;
    let runs_screen = t.elapsed();
    let all = start.elapsed();
    let shown = terminal.backend().to_string();
    let newest = newest.ok_or("no runs were loaded")?;
    if !shown.contains(&newest.id.to_string()) {
        return Err(format!(
            "the Runs screen does not show the newest run {}:\n{shown}",
            newest.id
        ));
    }
    // And the other screens, each drawn once.
    let t = Instant::now();
    for s in [
        Screen::Findings,
        Screen::Hosts,
        Screen::Directory,
        Screen::Filter,
    ] {
        act(&mut state, source.as_ref(), Action::GoTo(s));
        terminal
            .draw(|f| caretaker_tui::view::draw(f, &state))
            .map_err(|e| e.to_string())?;
    }
    let screens = t.elapsed();
    // A filter cell's history (Enter on the Filter screen): the last 60 runs' filter checks.
    let t = Instant::now();
    let checks = source
        .filter_log(FilterLogSpan::Runs(caretaker_tui::state::HISTORY_RUNS))
        .map_err(|e| e.to_string())?
        .len();
    let history = t.elapsed();
    // One filter cell's history, as the console loads it (Enter on a cell), and drawn.
    let (url, vantage) = {
        let m = state.filter_view();
        let row = m.rows.first().ok_or("the Filter screen has no pages")?;
        let col = m
            .vantages
            .first()
            .ok_or("the Filter screen has no vantage points")?;
        (row.url.clone(), col.name.clone())
    };
    let t = Instant::now();
    act(&mut state, source.as_ref(), Action::Open);
    terminal
        .draw(|f| caretaker_tui::view::draw(f, &state))
        .map_err(|e| e.to_string())?;
    let cell = t.elapsed();
    let entries = check_cell(&state, &url, &vantage, newest.id)?;
    let findings = state.picture().map(|p| p.findings.len()).unwrap_or(0);
    println!(
        "store opened {:.0} ms · first frame (compliance, {findings} findings) {:.0} ms · {n} runs loaded and drawn {:.0} ms (Runs screen {:.0} ms) · four other screens drawn {:.0} ms · filter log of {} runs ({checks} checks) {:.0} ms · a filter cell's history ({entries} results) loaded and drawn {:.0} ms",
        opened.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        all.as_secs_f64() * 1e3,
        runs_screen.as_secs_f64() * 1e3,
        screens.as_secs_f64() * 1e3,
        caretaker_tui::state::HISTORY_RUNS,
        history.as_secs_f64() * 1e3,
        cell.as_secs_f64() * 1e3,
    );
    Ok(())
}

/// The runs listed are real: newest first, each finished one with the findings of a night.
fn check_runs(runs: &[caretaker_core::store::RunRecord]) -> Result<(), String> {
    if runs.is_empty() {
        return Err("no runs were loaded".into());
    }
    if runs.windows(2).any(|w| w[0].id <= w[1].id) {
        return Err("the runs are not newest first".into());
    }
    let per_run = runs[0].counts.total();
    if per_run == 0 || runs[0].counts.fail == 0 || runs[0].counts.pass == 0 {
        return Err(format!(
            "run {} has no counted findings: {:?}",
            runs[0].id, runs[0].counts
        ));
    }
    if let Some(r) = runs.iter().find(|r| r.counts.total() != per_run) {
        return Err(format!(
            "run {} counts {} findings, run {} counts {per_run}",
            r.id,
            r.counts.total(),
            runs[0].id
        ));
    }
    Ok(())
}

/// The history of the cell opened is real: loaded, newest first from the newest run, one result
/// a run at most, at most as many as asked for. Returns how many.
fn check_cell(state: &State, url: &str, vantage: &str, newest: i64) -> Result<usize, String> {
    let h = state
        .filter
        .history
        .as_ref()
        .ok_or("Enter on a filter cell opened no history")?;
    if h.url != url || h.vantage != vantage {
        return Err(format!(
            "the history opened is of {} from {}",
            h.url, h.vantage
        ));
    }
    let entries = match &h.entries {
        caretaker_tui::state::Loadable::Ready(e) => e,
        other => return Err(format!("the cell's history is not loaded: {other:?}")),
    };
    if entries.first().map(|e| e.run) != Some(newest) {
        return Err(format!("the cell's history does not start at run {newest}"));
    }
    if entries.windows(2).any(|w| w[0].run <= w[1].run)
        || entries.len() > caretaker_tui::state::HISTORY_RUNS
    {
        return Err(format!(
            "the cell's history is not one result a run, newest first, at most {}",
            caretaker_tui::state::HISTORY_RUNS
        ));
    }
    if entries
        .iter()
        .any(|e| e.summary.is_empty() || !e.summary.contains(url))
    {
        return Err("a result in the cell's history is not of that page".into());
    }
    Ok(entries.len())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let result = match (args.first().map(String::as_str), args.get(1)) {
        (Some("fill"), Some(config)) => fill(Path::new(config), num(2, 365), num(3, 300)),
        (Some("first-frame"), Some(config)) => first_frame(Path::new(config)),
        _ => Err("usage: bench_console fill CONFIG [RUNS] [HOSTS] | first-frame CONFIG".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_console: {e}");
            ExitCode::FAILURE
        }
    }
}
