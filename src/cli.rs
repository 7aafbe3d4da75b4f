//! The command line: one clap definition feeds `--help`, the parser and the man pages.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// caretaker: nightly read-only checks of a school network against its online safety policy.
///
/// It reads the directory (Active Directory or OpenLDAP) and reports, clause by clause of section
/// 7.4 of the policy, what meets the policy and what does not, with the evidence behind every
/// finding. Results are kept in a store so that runs can be compared.
#[derive(Debug, Parser)]
#[command(
    name = "caretaker",
    version,
    about,
    long_about,
    propagate_version = true
)]
#[command(
    after_help = "Exit codes: 0 compliant, 1 non-compliant, 2 incomplete (something could not be \
checked), 64 usage error, 78 configuration error."
)]
pub struct Cli {
    /// The configuration file (default: $CARETAKER_CONFIG, /etc/caretaker/caretaker.toml,
    /// ~/.config/caretaker/caretaker.toml).
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Print progress to standard error (repeat for more detail).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks now, store the results and print them. The exit code says whether the school
    /// is compliant: 0 compliant, 1 non-compliant, 2 incomplete.
    Audit(AuditArgs),
    /// List stored runs, newest first.
    Runs(RunsArgs),
    /// Print a stored run (default: the latest).
    Show(ShowArgs),
    /// List the checks and the policy clauses each one evidences.
    Checks,
    /// Write a commented sample configuration.
    Init(InitArgs),
    /// Work with the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Work with the machines checked over SSH.
    #[command(subcommand)]
    Hosts(HostsCommand),
    /// The web-filter check log (policy 7.2; the DfE filtering and monitoring standards).
    #[command(subcommand)]
    Filter(FilterCommand),
    /// Open the console.
    Console,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Run only these checks: ids or families, comma-separated (e.g. `directory` or
    /// `directory.stale-accounts,directory.privileged`). See `caretaker checks`.
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    pub only: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print nothing when the school is compliant (for cron, which mails any output).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// What started this run, as recorded in the store.
    #[arg(long, value_enum, default_value_t = TriggerArg::Manual)]
    pub trigger: TriggerArg,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// How many runs to list.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run's number, as `caretaker runs` lists it (default: the latest run).
    pub run: Option<i64>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the sample configuration.
    #[arg(default_value = "caretaker.toml")]
    pub path: PathBuf,

    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,

    /// Also write the built-in clause map (section 7.4) to this file, to edit for a policy numbered
    /// differently.
    #[arg(long, value_name = "FILE")]
    pub policy_map: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration: exit 0 if it is usable, 78 if not (with the file, line,
    /// key and what was expected).
    Check,
}

#[derive(Debug, Subcommand)]
pub enum HostsCommand {
    /// Show the SSH host key a machine presents and, once you confirm it is the machine's own key
    /// (compare with `ssh-keygen -lf` on the machine itself), record it in known_hosts. Until then
    /// the machine is not checked: caretaker never sends anything to a machine it cannot verify.
    Trust(TrustArgs),
    /// List the machines caretaker checks: those in the configuration and those found in Active
    /// Directory by `[[hosts.discover]]`, with how each is reached and where it was listed.
    List(HostsListArgs),
}

#[derive(Debug, Subcommand)]
pub enum FilterCommand {
    /// Every filter check: when, what triggered it and who, the vantage point and user group,
    /// every URL tested with its result, and the action taken.
    Log(FilterLogArgs),
    /// Record the action taken after a filter check (appended; the latest one is shown). The
    /// operating-system user running the command is recorded as who took it.
    Action(FilterActionArgs),
}

#[derive(Debug, Args)]
pub struct FilterLogArgs {
    /// Only checks from this date on (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,

    /// `text` (a table) or `json` (every URL with its evidence).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct FilterActionArgs {
    /// The run (see `caretaker filter log`).
    pub run: i64,
    /// The vantage point's name.
    pub vantage: String,
    /// What was done ("Reported to the filtering provider; swearing category blocked for pupils").
    pub action: String,
}

#[derive(Debug, Args)]
pub struct HostsListArgs {
    /// `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The machine's `name` in the configuration.
    pub name: String,

    /// Record the key without asking (for scripts that have checked the fingerprint otherwise).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table grouped by policy clause, and a one-line verdict.
    Text,
    /// One versioned JSON document (see docs/audit-report.schema.json).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriggerArg {
    Manual,
    Cron,
    Schedule,
}
