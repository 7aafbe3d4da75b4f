//! The console's benchmark (see `bench/console.sh`): fill a store with a year of nightly runs of a
//! large school through the store's own API, then time the console's start over it.
//!
//!   bench_console fill CONFIG RUNS HOSTS [FIRST TOTAL]   # RUNS nights of HOSTS machines, made
//!                                          # from a real night (FIRST..FIRST+RUNS of TOTAL nights)
//!   bench_console first-frame CONFIG       # time to the first frame, then to everything loaded

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use caretaker_api::{Api, FilterLogSpan};
use caretaker_checks::host::{ANTIVIRUS, UPDATES};
use caretaker_checks::{Evidence, Finding, Severity, Status, Target, TargetKind};
use caretaker_core::store::{NewRun, RunState, Store, Trigger, Verdict};
use caretaker_core::Local;
use caretaker_tui::action::{Action, Effect};
use caretaker_tui::state::{Screen, State};
use caretaker_tui::update::update;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The real night the benchmark's nights are made from: St. Example's Primary's whole audit
/// (`caretaker show --format json`), as recorded for the store's migration test.
const REAL_NIGHT: &str = "tests/store-6/run-2.json";

/// A finding of `caretaker show --format json`, read back.
fn finding_of(doc: &serde_json::Value) -> Option<Finding> {
    let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let t = &doc["target"];
    let e = &doc["evidence"];
    let mut f = Finding::new(
        s(&doc["check"])?,
        Target::new(
            TargetKind::parse(t["kind"].as_str()?)?,
            s(&t["name"])?,
            s(&t["scope"])?,
        ),
        Status::parse(doc["status"].as_str()?)?,
        Severity::parse(doc["severity"].as_str()?)?,
        s(&doc["summary"])?,
        Evidence {
            source: s(&e["source"]).unwrap_or_default(),
            observed_at: s(&e["observed_at"]).unwrap_or_default(),
            values: e["values"]
                .as_array()?
                .iter()
                .filter_map(|kv| Some((s(&kv["key"])?, s(&kv["value"])?)))
                .collect(),
        },
    );
    f.remediation = s(&doc["remediation"]);
    f.clauses = doc["clauses"].as_array()?.iter().filter_map(s).collect();
    Some(f)
}

/// The real night's findings: each lab machine's, and the rest (directory, filter, mail).
struct Real {
    machines: Vec<(String, String, Vec<Finding>)>,
    /// A failing finding of each host check, as some lab machine had it.
    failing: HashMap<String, Finding>,
    rest: Vec<Finding>,
}

fn real_night() -> Result<Real, String> {
    let text = std::fs::read_to_string(REAL_NIGHT).map_err(|e| format!("{REAL_NIGHT}: {e}"))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{REAL_NIGHT}: {e}"))?;
    let findings: Vec<Finding> = doc["findings"]
        .as_array()
        .ok_or(format!("{REAL_NIGHT} has no findings"))?
        .iter()
        .map(|f| finding_of(f).ok_or(format!("{REAL_NIGHT}: a finding it cannot read: {f}")))
        .collect::<Result<_, _>>()?;
    let mut machines: BTreeMap<(String, String), Vec<Finding>> = BTreeMap::new();
    let mut failing = HashMap::new();
    let mut rest = Vec::new();
    for f in findings {
        if f.target.kind == TargetKind::Host {
            if f.status == Status::Fail {
                failing
                    .entry(f.check.to_string())
                    .or_insert_with(|| f.clone());
            }
            machines
                .entry((f.target.name.clone(), f.target.scope.clone()))
                .or_default()
                .push(f);
        } else {
            rest.push(f);
        }
    }
    Ok(Real {
        machines: machines.into_iter().map(|((n, s), f)| (n, s, f)).collect(),
        failing,
        rest,
    })
}

/// `text` with every `from` made `to`.
fn rename(f: &mut Finding, from: &[(&str, &str)]) {
    let swap = |s: &mut String| {
        for (a, b) in from {
            if !a.is_empty() && s.contains(a) {
                *s = s.replace(a, b);
            }
        }
    };
    swap(&mut f.target.name);
    swap(&mut f.target.scope);
    swap(&mut f.summary);
    swap(&mut f.evidence.source);
    for (_, v) in f.evidence.values.iter_mut() {
        swap(v);
    }
}

/// What moves from night to night on a real network: "N days" grows a day a night, a virus
/// database's dates are the night's own; a machine that keeps up installs its updates once a week,
/// so their dates move once a week and "N days ago" goes round the week.
fn drift(f: &mut Finding, night: usize, day: time::Date) {
    let kept_up = f.check.as_str() == UPDATES.id && f.status == Status::Pass;
    let night = if kept_up { night % 7 } else { night };
    let grow = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        let mut digits = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if !digits.is_empty() {
                match digits.parse::<usize>() {
                    Ok(n) if c == ' ' && rest.starts_with("days") => {
                        out.push_str(&(n + night).to_string())
                    }
                    _ => out.push_str(&digits),
                }
                digits.clear();
            }
            out.push(c);
        }
        out.push_str(&digits);
        out
    };
    f.summary = grow(&f.summary);
    let week = day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
    let dated = if f.check.as_str() == ANTIVIRUS.id {
        Some(day)
    } else if f.check.as_str() == UPDATES.id {
        Some(week)
    } else {
        None
    };
    for (_, v) in f.evidence.values.iter_mut() {
        *v = grow(v);
        if let Some(d) = dated {
            let b = v.as_bytes();
            if b.len() >= 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b[..4].iter().all(u8::is_ascii_digit)
            {
                v.replace_range(..10, &d.to_string());
            }
        }
    }
}

/// One night of `hosts` machines made from the real night: each machine is one of the lab's
/// (its name and address made its own), a few of its checks failing as some lab machine's did,
/// moving around from night to night; the directory, the filter from every vantage point and the
/// mail domains as the lab's; what moves on a real network moved; the filter's timings varied.
fn night(real: &Real, run: usize, hosts: usize, at: time::OffsetDateTime) -> Vec<Finding> {
    let mut out = Vec::with_capacity(hosts * 10 + real.rest.len());
    let stamp = |k: usize| {
        caretaker_model::finding::format_rfc3339(at + time::Duration::seconds((k % 600) as i64))
    };
    for h in 0..hosts {
        let (lab_name, lab_scope, findings) = &real.machines[h % real.machines.len()];
        let name = format!("pc{h:03}");
        let scope = format!("10.1.{}.{}", h / 250, h % 250 + 1);
        for (c, f) in findings.iter().enumerate() {
            let mut g = match real.failing.get(f.check.as_str()) {
                Some(bad) if f.status == Status::Pass && (h * 7 + c * 13 + run) % 50 == 0 => {
                    let mut bad = bad.clone();
                    let (n, s) = (bad.target.name.clone(), bad.target.scope.clone());
                    rename(&mut bad, &[(&n, lab_name), (&s, lab_scope)]);
                    bad
                }
                _ => f.clone(),
            };
            rename(&mut g, &[(lab_name, &name), (lab_scope, &scope)]);
            drift(&mut g, run, at.date());
            g.evidence.observed_at = stamp(h);
            out.push(g);
        }
    }
    for (k, f) in real.rest.iter().enumerate() {
        let mut g = f.clone();
        drift(&mut g, run, at.date());
        for (key, v) in g.evidence.values.iter_mut() {
            if Evidence::varies_every_run(key) {
                *v = (40 + (run * 37 + k * 11) % 400).to_string();
            }
        }
        g.evidence.observed_at = stamp(hosts + k);
        out.push(g);
    }
    out
}

/// Fills nights `first` to `first + runs` of a series of `total` nights that ends last night.
fn fill(
    config: &Path,
    runs: usize,
    hosts: usize,
    first: usize,
    total: usize,
) -> Result<(), String> {
    let total = total.max(first + runs);
    let loaded = caretaker_config::load(config).map_err(|e| e.to_string())?;
    // One run a night at 02:00, the last one last night: a year of nightly history.
    let clock = caretaker_model::Clock::manual(time::OffsetDateTime::now_utc());
    let store = Store::open(&loaded.store_path)
        .map_err(|e| e.to_string())?
        .with_clock(clock.clone());
    let real = real_night()?;
    let t = Instant::now();
    let mut n = 0;
    let today = time::OffsetDateTime::now_utc().date();
    for run in first..first + runs {
        let day = today - time::Duration::days((total - run) as i64);
        let at = day
            .with_hms(2, 0, 0)
            .map_err(|e| e.to_string())?
            .assume_utc();
        clock.set(at);
        let findings = night(&real, run, hosts, at);
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
        .any(|e| e.summary.is_empty() || !e.summary.contains(vantage))
    {
        return Err("a result in the cell's history is not from that vantage point".into());
    }
    Ok(entries.len())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let result = match (args.first().map(String::as_str), args.get(1)) {
        (Some("fill"), Some(config)) => {
            let runs = num(2, 365);
            fill(
                Path::new(config),
                runs,
                num(3, 300),
                num(4, 0),
                num(5, runs),
            )
        }
        (Some("first-frame"), Some(config)) => first_frame(Path::new(config)),
        _ => Err(
            "usage: bench_console fill CONFIG [RUNS] [HOSTS] [FIRST TOTAL] | first-frame CONFIG"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_console: {e}");
            ExitCode::FAILURE
        }
    }
}
