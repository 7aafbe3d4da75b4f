//! `caretaker`: a thin dispatcher from the command line to the engine, the store and the output.
//! Exit codes: 0 compliant, 1 non-compliant, 2 incomplete, 64 usage, 78 configuration.

mod assess_cmd;
mod waive_cmd;

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use caretaker::cli::{
    AuditArgs, Cli, Command, ConfigCommand, FilterActionArgs, FilterCommand, FilterLogArgs,
    FilterTestsArgs, Format, HostsCommand, HostsListArgs, InitArgs, RunsArgs, ShowArgs, TriggerArg,
    TrustArgs,
};
use caretaker::render;
use caretaker_checks::ClauseMap;
use caretaker_config::Loaded;
use caretaker_daemon::engine::{self, AuditRequest};
use caretaker_daemon::report;
use caretaker_daemon::store::{os_user, RunState, Store, Trigger, Verdict};
use clap::Parser as _;

const EXIT_INCOMPLETE: u8 = 2;
const EXIT_USAGE: u8 = 64;
const EXIT_CONFIG: u8 = 78;

/// An outcome with its documented exit code.
struct Fail {
    code: u8,
    error: anyhow::Error,
}

fn fail(code: u8, error: impl Into<anyhow::Error>) -> Fail {
    Fail {
        code,
        error: error.into(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    // The console draws on the terminal: log lines on stderr would land on top of it.
    let console = match &cli.command {
        Some(Command::Console) => true,
        None => std::io::IsTerminal::is_terminal(&std::io::stdout()),
        Some(_) => false,
    };
    if !console {
        init_tracing(cli.verbose);
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Fail { code, error }) => {
            eprintln!("caretaker: {error:#}");
            ExitCode::from(code)
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CARETAKER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(cli: Cli) -> Result<u8, Fail> {
    let config = cli.config.as_deref();
    match cli.command {
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => console(config),
        None => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let _ = cmd.print_help();
            Ok(EXIT_USAGE)
        }
        Some(Command::Console) => console(config),
        Some(Command::Completions(args)) => {
            std::io::stdout()
                .write_all(&args.shell.script())
                .context("writing the completion script")
                .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
            Ok(0)
        }
        Some(Command::Init(args)) => init(&args),
        Some(Command::Config(ConfigCommand::Check)) => {
            let loaded = load_config(config)?;
            let map = load_map(&loaded)?;
            let problems = caretaker_daemon::preflight::problems(&loaded);
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!(
                        "caretaker: {}: {}: {}",
                        loaded.path.display(),
                        p.setting,
                        p.reason
                    );
                }
                return Err(fail(
                    EXIT_CONFIG,
                    anyhow::anyhow!(
                        "{}: not usable: the audit would refuse {} of its settings before connecting (above)",
                        loaded.path.display(),
                        problems.len()
                    ),
                ));
            }
            println!(
                "{}: usable. {} director{}, {} clauses in the policy map, store at {}.",
                loaded.path.display(),
                loaded.config.directories.len(),
                if loaded.config.directories.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                map.clauses.len(),
                loaded.store_path.display()
            );
            Ok(0)
        }
        Some(Command::Checks) => {
            let map = match caretaker_config::find_and_load(config) {
                Ok(loaded) => load_map(&loaded)?,
                Err(_) => caretaker_checks::clauses::builtin(),
            };
            print!("{}", render::checks_list(&map));
            Ok(0)
        }
        Some(Command::Audit(args)) => audit(config, &args),
        Some(Command::Hosts(HostsCommand::Trust(args))) => trust(config, &args),
        Some(Command::Hosts(HostsCommand::List(args))) => hosts_list(config, &args),
        Some(Command::Filter(FilterCommand::Log(args))) => filter_log(config, &args),
        Some(Command::Filter(FilterCommand::Action(args))) => filter_action(config, &args),
        Some(Command::Filter(FilterCommand::Tests(args))) => filter_tests(config, &args),
        Some(Command::Assess(cmd)) => assess_cmd::assess(config, cmd),
        Some(Command::Sites(cmd)) => assess_cmd::sites(config, cmd),
        Some(Command::Runs(args)) => runs(config, &args),
        Some(Command::Show(args)) if args.fingerprints => waive_cmd::fingerprints(config, &args),
        Some(Command::Show(args)) => show(config, &args),
        Some(Command::Waive(args)) => waive_cmd::waive(config, &args),
        Some(Command::Waivers(cmd)) => waive_cmd::waivers(config, cmd),
        Some(Command::Attest(args)) => waive_cmd::attest(config, &args),
        Some(Command::Attestations(cmd)) => waive_cmd::attestations(config, cmd),
    }
}

/// The console: compliance clause by clause, the evidence, audits on demand.
fn console(config: Option<&std::path::Path>) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    if !std::io::stdout().is_terminal() {
        return Err(fail(EXIT_USAGE, caretaker_tui::TuiError::NotATerminal));
    }
    // Read while this is the only thread (the time crate refuses later).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let local = caretaker_daemon::Local::open(loaded, map).map_err(|e| fail(e.exit_code(), e))?;
    caretaker_tui::run_with(std::sync::Arc::new(local), offset).map_err(|e| match e {
        caretaker_tui::TuiError::NotATerminal => fail(EXIT_USAGE, e),
        other => fail(EXIT_INCOMPLETE, other),
    })
}

fn load_config(path: Option<&std::path::Path>) -> Result<Loaded, Fail> {
    caretaker_config::find_and_load(path).map_err(|e| fail(EXIT_CONFIG, e))
}

fn load_map(loaded: &Loaded) -> Result<ClauseMap, Fail> {
    match &loaded.policy_map {
        None => Ok(caretaker_checks::clauses::builtin()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| {
                    format!(
                        "{}: key `policy.map`: cannot read {}",
                        loaded.path.display(),
                        p.display()
                    )
                })
                .map_err(|e| fail(EXIT_CONFIG, e))?;
            caretaker_checks::clauses::from_toml(&text, &p.display().to_string())
                .map_err(|e| fail(EXIT_CONFIG, e))
        }
    }
}

fn open_store(loaded: &Loaded) -> Result<Store, Fail> {
    Store::open(&loaded.store_path).map_err(|e| fail(EXIT_INCOMPLETE, e))
}

fn audit(config: Option<&std::path::Path>, args: &AuditArgs) -> Result<u8, Fail> {
    let only = engine::resolve_selectors(&args.only).map_err(|e| fail(EXIT_USAGE, e))?;
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    let store = open_store(&loaded)?;
    let trigger = match args.trigger {
        TriggerArg::Manual => Trigger::Manual,
        TriggerArg::Cron => Trigger::Cron,
        TriggerArg::Schedule => Trigger::Schedule,
    };
    let outcome = run_checks(&loaded, &map, &store, trigger, only)?;

    let verdict = if outcome.state == RunState::Interrupted {
        Verdict::Incomplete
    } else {
        outcome.verdict
    };
    if args.quiet && verdict == Verdict::Compliant {
        return Ok(0);
    }
    let run = store
        .run(Some(outcome.run_id))
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?
        .ok_or_else(|| {
            fail(
                EXIT_INCOMPLETE,
                anyhow::anyhow!("run {} vanished from the store", outcome.run_id),
            )
        })?;
    print_run(
        &loaded.config.school.name,
        &map,
        &run,
        &outcome.findings,
        args.format,
        &store,
    )?;
    Ok(verdict.exit_code() as u8)
}

/// Runs the checks selected by `only` (all when empty) in this process and stores the run: the
/// path of `caretaker audit`, shared by `caretaker assess check-filter`.
fn run_checks(
    loaded: &Loaded,
    map: &ClauseMap,
    store: &Store,
    trigger: Trigger,
    only: Vec<String>,
) -> Result<engine::AuditOutcome, Fail> {
    let req = AuditRequest::from_config(loaded, trigger, os_user(), only);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    let outcome = runtime
        .block_on(async {
            let units = engine::units_from_config(loaded, time::OffsetDateTime::now_utc());
            engine::run_audit(store, map, units, &req, shutdown_signal()).await
        })
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    // Let no check linger past the verdict (a probe stuck in a blocking call, say).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(outcome)
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
    eprintln!("caretaker: stopping; the run is recorded as interrupted");
}

fn print_run(
    school: &str,
    map: &ClauseMap,
    run: &caretaker_daemon::RunRecord,
    findings: &[caretaker_checks::Finding],
    format: Format,
    store: &Store,
) -> Result<(), Fail> {
    let (attestations, today) = waive_cmd::attestations_today(store)?;
    let text = match format {
        Format::Text => render::report_attested(school, map, run, findings, &attestations, today),
        Format::Json => {
            let doc = report::document_attested(school, map, run, findings, &attestations, today);
            let mut s = serde_json::to_string_pretty(&doc).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
            s.push('\n');
            s
        }
    };
    write_stdout(&text)
}

fn write_stdout(text: &str) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`caretaker show | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(fail(EXIT_INCOMPLETE, e)),
    }
}

fn runs(config: Option<&std::path::Path>, args: &RunsArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let runs = store
        .runs(args.limit)
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    match args.format {
        Format::Text => write_stdout(&render::runs_table(&runs))?,
        Format::Json => {
            let v: Vec<serde_json::Value> = runs
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "trigger": r.trigger, "who": r.who, "config_digest": r.config_digest,
                        "started_at": r.started_at, "ended_at": r.ended_at, "state": r.state.as_str(),
                        "verdict": r.verdict.map(Verdict::as_str),
                        "counts": {"pass": r.counts.pass, "fail": r.counts.fail, "warn": r.counts.warn,
                                   "error": r.counts.error, "waived": r.counts.waived},
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
            s.push('\n');
            write_stdout(&s)?;
        }
    }
    Ok(0)
}

fn show(config: Option<&std::path::Path>, args: &ShowArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let map = load_map(&loaded)?;
    let store = open_store(&loaded)?;
    let Some(run) = store.run(args.run).map_err(|e| fail(EXIT_INCOMPLETE, e))? else {
        let what = args
            .run
            .map(|id| format!("no run {id} in the store"))
            .unwrap_or_else(|| "no runs stored yet".into());
        return Err(fail(
            EXIT_USAGE,
            anyhow::anyhow!(
                "{what} ({}); see `caretaker runs`",
                loaded.store_path.display()
            ),
        ));
    };
    let findings = store
        .findings(run.id)
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    print_run(
        &loaded.config.school.name,
        &map,
        &run,
        &findings,
        args.format,
        &store,
    )?;
    Ok(0)
}

fn trust(config: Option<&std::path::Path>, args: &TrustArgs) -> Result<u8, Fail> {
    use caretaker_checks::host::transport::{
        fetch_host_key, known_hosts_name, known_keys, trust_host_key, HostKey,
    };
    use std::io::IsTerminal as _;
    let loaded = load_config(config)?;
    let (machines, _) = inventory(&loaded)?;
    let Some(machine) = machines.iter().find(|m| m.info.name == args.name) else {
        let names: Vec<&str> = machines.iter().map(|m| m.info.name.as_str()).collect();
        return Err(fail(
            EXIT_USAGE,
            anyhow::anyhow!(
                "no machine is called {:?} in {} (nor found by [[hosts.discover]]); the machines are: {}",
                args.name,
                loaded.path.display(),
                if names.is_empty() {
                    "(none)".to_string()
                } else {
                    names.join(", ")
                }
            ),
        ));
    };
    let host = &machine.info;
    let timeout = std::time::Duration::from_secs(loaded.config.hosts.connect_timeout_secs);
    let port = machine.target.port;
    let key = fetch_host_key(&host.address, port, timeout)
        .with_context(|| {
            format!(
                "cannot read the host key of {} ({}:{})",
                host.name, host.address, port
            )
        })
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    println!(
        "{} ({}:{}) presents this {} key:\n  {}",
        host.name,
        host.address,
        port,
        key.key_type,
        key.fingerprint()
    );
    let entry = known_hosts_name(&host.address, port);
    let before = known_keys(&loaded.known_hosts, &entry);
    if before.contains(&key) {
        println!(
            "This key is already trusted (in {}); nothing to do.",
            loaded.known_hosts.display()
        );
        return Ok(0);
    }
    if !before.is_empty() {
        println!(
            "It is NOT the key trusted before, which was:\n{}\nIf the machine was reinstalled or its keys were regenerated, that explains it; otherwise someone may be intercepting the connection. Trusting the new key replaces the old one.",
            before
                .iter()
                .map(|k| format!("  {} {}", k.key_type, k.fingerprint()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(fail(
                EXIT_USAGE,
                anyhow::anyhow!("not recorded: confirm on a terminal, or pass --yes once the fingerprint is checked"),
            ));
        }
        print!("Is this the fingerprint shown on the machine itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub)? Type yes to trust it: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("Not recorded.");
            return Ok(1);
        }
    }
    let replaced =
        trust_host_key(&loaded.known_hosts, &entry, &key).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    if replaced.is_empty() {
        println!("Trusted: recorded in {}.", loaded.known_hosts.display());
    } else {
        println!(
            "Trusted: recorded in {}, replacing {}.",
            loaded.known_hosts.display(),
            replaced
                .iter()
                .map(HostKey::fingerprint)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(0)
}

/// The configured machines, and those found in the directory when `[[hosts.discover]]` is set
/// (with the findings of a directory that could not be searched).
fn inventory(
    loaded: &Loaded,
) -> Result<
    (
        Vec<caretaker_daemon::hosts::Machine>,
        Vec<caretaker_checks::Finding>,
    ),
    Fail,
> {
    if loaded.config.hosts.discover.is_empty() {
        return Ok((caretaker_daemon::hosts::configured(loaded), Vec::new()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    Ok(runtime.block_on(caretaker_daemon::hosts::full_inventory(loaded)))
}

fn hosts_list(config: Option<&std::path::Path>, args: &HostsListArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let (machines, problems) = inventory(&loaded)?;
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "machines": machines.iter().map(|m| serde_json::json!({
                    "name": m.info.name,
                    "address": m.info.address,
                    "port": m.target.port,
                    "user": m.target.user,
                    "os": if m.info.detect_os { "auto" } else { m.info.os.as_str() },
                    "roles": m.info.roles,
                    "simulated": m.info.simulated,
                    "audit": m.audit,
                    "source": m.source,
                })).collect::<Vec<_>>(),
                "problems": problems.iter().map(|f| f.summary.clone()).collect::<std::collections::BTreeSet<_>>(),
            });
            write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).map_err(|e| fail(EXIT_INCOMPLETE, e))?
            ))?;
        }
        Format::Text => write_stdout(&render::machines_table(&machines, &problems))?,
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

fn filter_log(config: Option<&std::path::Path>, args: &FilterLogArgs) -> Result<u8, Fail> {
    if let Some(since) = &args.since {
        let ok = since.len() == 10
            && time::Date::parse(
                since,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_ok();
        if !ok {
            return Err(fail(
                EXIT_USAGE,
                anyhow::anyhow!("--since {since:?}: expected a date as YYYY-MM-DD"),
            ));
        }
    }
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let checks = caretaker_daemon::filterlog::log(&store, args.since.as_deref())
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    match args.format {
        Format::Json => write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&caretaker_daemon::filterlog::json(&checks))
                .map_err(|e| fail(EXIT_INCOMPLETE, e))?
        ))?,
        Format::Text => write_stdout(&render::filter_log(&checks))?,
    }
    Ok(0)
}

/// The filter tests: the built-in ones and the configuration's. An explicit --config must load;
/// without one, the built-in tests are listed even when no configuration is found.
fn filter_tests(config: Option<&std::path::Path>, args: &FilterTestsArgs) -> Result<u8, Fail> {
    let loaded = match caretaker_config::find_and_load(config) {
        Ok(l) => Some(l),
        Err(e) if config.is_some() => return Err(fail(EXIT_CONFIG, e)),
        Err(e) => {
            eprintln!("No configuration read ({e}): only the built-in tests are listed.");
            None
        }
    };
    let tests = caretaker_daemon::filter::listing(loaded.as_ref());
    match args.format {
        Format::Json => write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&caretaker_daemon::filter::listing_json(&tests))
                .map_err(|e| fail(EXIT_INCOMPLETE, e))?
        ))?,
        Format::Text => write_stdout(&caretaker_daemon::filter::listing_text(&tests))?,
    }
    Ok(0)
}

fn filter_action(config: Option<&std::path::Path>, args: &FilterActionArgs) -> Result<u8, Fail> {
    let loaded = load_config(config)?;
    let store = open_store(&loaded)?;
    let checks =
        caretaker_daemon::filterlog::log(&store, None).map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    if !checks
        .iter()
        .any(|c| c.run == args.run && c.vantage == args.vantage)
    {
        return Err(fail(
            EXIT_USAGE,
            anyhow::anyhow!(
                "run {} has no filter check from {:?} (see `caretaker filter log`)",
                args.run,
                args.vantage
            ),
        ));
    }
    if args.action.trim().is_empty() {
        return Err(fail(EXIT_USAGE, anyhow::anyhow!("the action is empty")));
    }
    store
        .add_filter_action(args.run, &args.vantage, args.action.trim(), &os_user())
        .map_err(|e| fail(EXIT_INCOMPLETE, e))?;
    println!("Recorded for run {} from {}.", args.run, args.vantage);
    Ok(0)
}

fn init(args: &InitArgs) -> Result<u8, Fail> {
    write_new(&args.path, &caretaker_config::docs::sample(), args.force)?;
    eprintln!(
        "wrote {}: edit it, then run `caretaker config check --config {}`",
        args.path.display(),
        args.path.display()
    );
    if let Some(p) = &args.policy_map {
        write_new(p, caretaker_checks::clauses::BUILTIN_MAP_TOML, args.force)?;
        eprintln!("wrote {}: point `policy.map` at it", p.display());
    }
    Ok(0)
}

fn write_new(path: &std::path::Path, text: &str, force: bool) -> Result<(), Fail> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() && !force {
        return Err(fail(
            EXIT_USAGE,
            anyhow::anyhow!("{} exists; pass --force to overwrite it", path.display()),
        ));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))
            .map_err(|e| fail(EXIT_CONFIG, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(|e| fail(EXIT_CONFIG, e))
}
