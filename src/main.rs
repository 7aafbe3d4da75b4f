//! `caretaker`: a thin dispatcher from the command line to the commands (`cmd`), which call the
//! core's API and render its answers.
//! Exit codes: 0 compliant, 1 non-compliant, 2 incomplete, 64 usage, 77 not allowed by the daemon, 78 configuration.

mod cmd;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use caretaker::cli::{Cli, Command, ConfigCommand, FilterCommand, HostsCommand};
use caretaker_api::{EXIT_INCOMPLETE, EXIT_USAGE};
use clap::Parser as _;

use cmd::{fail, Fail};

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
        // The daemon's log is its record of what ran: its run lines are shown by default.
        let daemon = matches!(cli.command, Some(Command::Daemon));
        init_tracing(cli.verbose + u8::from(daemon));
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Fail { code, error }) => {
            eprintln!(
                "caretaker: {}",
                caretaker_model::text::for_terminal(&format!("{error:#}"))
            );
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
    // Colours only for a person at a terminal: journald and log files get plain lines.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .try_init();
}

fn run(cli: Cli) -> Result<u8, Fail> {
    let config = cli.config.as_deref();
    match cli.command {
        None if std::io::stdout().is_terminal() => console(config),
        None => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let _ = cmd.print_help();
            Ok(EXIT_USAGE)
        }
        Some(Command::Console) => console(config),
        Some(Command::Daemon) => cmd::daemon::daemon(config),
        Some(Command::Status(args)) => cmd::daemon::status(config, &args),
        Some(Command::Report(args)) if args.trust => cmd::trust::report(config, &args),
        Some(Command::Report(args)) => cmd::report::report(config, &args),
        Some(Command::Trust(args)) => cmd::trust::trust(config, args),
        Some(Command::Review(args)) => cmd::report::review(config, &args),
        Some(Command::Completions(args)) => cmd::setup::completions(&args),
        Some(Command::Init(args)) => cmd::setup::init(&args),
        Some(Command::Config(ConfigCommand::Check)) => cmd::setup::config_check(config),
        Some(Command::Checks) => cmd::setup::checks(config),
        Some(Command::Audit(args)) => cmd::audit::audit(config, &args),
        Some(Command::Hosts(HostsCommand::Trust(args))) => cmd::hosts::trust(config, &args),
        Some(Command::Hosts(HostsCommand::List(args))) => cmd::hosts::list(config, &args),
        Some(Command::Filter(FilterCommand::Log(args))) => cmd::filter::log(config, &args),
        Some(Command::Filter(FilterCommand::Action(args))) => cmd::filter::action(config, &args),
        Some(Command::Filter(FilterCommand::Tests(args))) => cmd::filter::tests(config, &args),
        Some(Command::Assess(c)) => cmd::assess::assess(config, c),
        Some(Command::Sites(c)) => cmd::assess::sites(config, c),
        Some(Command::Runs(args)) => cmd::audit::runs(config, &args),
        Some(Command::Show(args)) if args.fingerprints => cmd::waive::fingerprints(config, &args),
        Some(Command::Show(args)) => cmd::audit::show(config, &args),
        Some(Command::Waive(args)) => cmd::waive::waive(config, &args),
        Some(Command::Waivers(c)) => cmd::waive::waivers(config, c),
        Some(Command::Attest(args)) => cmd::waive::attest(config, &args),
        Some(Command::Attestations(c)) => cmd::waive::attestations(config, c),
    }
}

/// The console: compliance clause by clause, the evidence, audits on demand.
fn console(config: Option<&std::path::Path>) -> Result<u8, Fail> {
    if !std::io::stdout().is_terminal() {
        return Err(fail(EXIT_USAGE, caretaker_tui::TuiError::NotATerminal));
    }
    // Read while this is the only thread (the time crate refuses later).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let api = cmd::console_api(config)?;
    caretaker_tui::run_with(api, offset).map_err(|e| match e {
        caretaker_tui::TuiError::NotATerminal => fail(EXIT_USAGE, e),
        other => fail(EXIT_INCOMPLETE, other),
    })
}
