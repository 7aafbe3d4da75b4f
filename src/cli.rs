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
checked), 64 usage error, 77 not allowed (by the running daemon), 78 configuration error."
)]
pub struct Cli {
    /// The configuration file (default: $CARETAKER_CONFIG, /etc/caretaker/caretaker.toml,
    /// ~/.config/caretaker/caretaker.toml). When none can be read, the running daemon is asked
    /// through $CARETAKER_SOCKET or /run/caretaker/caretaker.sock.
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
    /// Filter changes: the risk-assessment log.
    ///
    /// The policy says every change to the school's
    /// filtering is risk assessed by staff with educational and technical experience before it
    /// is made, with consent from the Leadership Team where appropriate, and logged. Records are
    /// append-only and chained by hash; a correction is a new record that supersedes the old one.
    #[command(subcommand)]
    Assess(AssessCommand),
    /// The site log: the paper "Internet Site Log Sheet".
    ///
    /// Sites reported by staff to be blocked or unblocked, kept in the same append-only log as
    /// the risk assessments.
    #[command(subcommand)]
    Sites(SitesCommand),
    /// Waive one finding until a date, with a justification and who approved it.
    ///
    /// While the waiver is in force (until the end of --until, unless withdrawn), audits store
    /// the finding as `waived` instead of failing, with the waiver in its evidence; it stays in
    /// every report. Find the fingerprint with `caretaker show --fingerprints`. Recorded in the
    /// append-only log with the operating-system user who entered it (`caretaker assess verify`).
    Waive(WaiveArgs),
    /// List or withdraw waivers.
    #[command(subcommand)]
    Waivers(WaiversCommand),
    /// Attest that a clause no machine can check is met, until a date.
    ///
    /// Only clauses marked `attestation = true` in the clause map (see `caretaker checks`), or the
    /// standards of `caretaker show --policy` that need a person (docs/standards.md). A
    /// clause with no findings is GREEN while the attestation is in force and AMBER once it has
    /// expired; findings, when there are any, still decide.
    Attest(AttestArgs),
    /// List or withdraw attestations.
    #[command(subcommand)]
    Attestations(AttestationsCommand),
    /// Open the console.
    ///
    /// On the Compliance screen, `v` reads the findings against the next standard: the school's
    /// policy, the DfE standards (both, cyber security, filtering and monitoring), Cyber
    /// Essentials, and back; the screen's title names the standard shown (`caretaker show
    /// --policy` prints the same views).
    Console,
    /// Run the checks on the school's schedule, in the foreground until stopped (for systemd).
    ///
    /// What runs when is `[schedule]` in caretaker.toml, in the school's local time (`[school]
    /// timezone`): by default the full audit daily at 02:00. A run missed while the machine was
    /// off runs once at start-up. Runs are recorded with the trigger `schedule`; one log line on
    /// stderr per run start and end. SIGHUP reads the configuration again (a broken one is
    /// reported and the one in use kept); SIGTERM stops the runs going, recorded as interrupted.
    Daemon,
    /// Whether the daemon runs, the next scheduled runs and each area's last run.
    ///
    /// Exit 0 when the daemon runs on this configuration's store, 3 when it does not.
    Status(StatusArgs),
    /// Record the yearly review of filtering and monitoring (the DfE standards: by the SLT lead,
    /// the DSL, IT and the governor responsible), from a file.
    ///
    /// The file (TOML): `held_on = 2026-10-15`, `findings = "…"`, `actions = "…"`, and a
    /// `[[participant]]` with `role` (slt-lead, dsl, it, governor) and `name` for each who took
    /// part; optionally `clause` (default 7.2/regular-checks) and `next_review_by`. Recorded as an
    /// attestation of the clause, by the SLT lead, until the next review is due.
    Review(ReviewArgs),
    /// The report leadership and governors read, for a term or any period.
    ///
    /// Plain English first, evidence after: whether the school meets its policy clause by clause,
    /// the three things to fix first and who would fix them, what changed since the period
    /// before, the trends, the filter check record the DfE standards ask for, the filter changes
    /// and who agreed them, what is waived or attested, the yearly review, and an appendix. By
    /// default the current term up to today, as one self-contained HTML page.
    Report(ReportArgs),
    /// A multi-academy trust's database: its schools, this school's forwarding, every school's
    /// picture.
    ///
    /// A school's caretaker with `[store] url` forwards each run, its findings and the
    /// filter-change log to the trust's PostgreSQL database after every audit (and with `trust
    /// forward`), in order and exactly once; its own store keeps everything while the trust
    /// cannot be reached. The trust's caretaker (its `[store] url` the database owner's role)
    /// adds each school with `trust init-school` and readers with `trust init-reader`; a reader's
    /// caretaker shows every school with `trust show`, `report --trust`, and, without a
    /// subcommand, the console's trust screens.
    Trust(TrustDbArgs),
    /// Print a shell completion script for caretaker.
    ///
    /// For example, for bash: `caretaker completions bash > /etc/bash_completion.d/caretaker`;
    /// for zsh, into a directory on `$fpath` as `_caretaker`; for fish:
    /// `caretaker completions fish > ~/.config/fish/completions/caretaker.fish`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The review, as TOML (see above).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The first day (YYYY-MM-DD); with --to, or up to today.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["term", "last"])]
    pub from: Option<String>,
    /// The last day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// A term: autumn-2026 (September to December), spring-2027 (January to March),
    /// summer-2027 (April to August).
    #[arg(long, value_name = "TERM", conflicts_with = "last")]
    pub term: Option<String>,
    /// The last N days up to today: 90d (or 90).
    #[arg(long, value_name = "DAYS")]
    pub last: Option<String>,
    /// Output format: html, pdf, md or json.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write to FILE (mode 0600) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The trustees' report, from the trust's database (`[store] url`, a reader's role): which
    /// schools meet the policy and each DfE standard, what changed in each since the start of
    /// the period, and a page per school. The trust is named by this configuration's `[school]
    /// name`.
    #[arg(long)]
    pub trust: bool,
}

#[derive(Debug, Args)]
pub struct TrustDbArgs {
    #[command(subcommand)]
    pub command: Option<TrustCommand>,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Add a school to the trust's database, or change its name or password (as the database's
    /// owner: the role of this configuration's `[store] url`).
    ///
    /// Brings the database's tables up to date first. The school's role is school_<ID>
    /// (hyphens as underscores); it reads and adds only rows carrying the school's id, by the
    /// database's row-level security. Give the school its password file and, in its
    /// caretaker.toml, `[school] id = "ID"` and `[store] url = "postgres://school_<ID>@…"`.
    InitSchool(InitSchoolArgs),
    /// Add a reader of every school's rows (the trust's central team, trustees' reports), or
    /// change its password (as the database's owner).
    InitReader(InitReaderArgs),
    /// Forward what the trust's database does not hold yet from this school's store (done after
    /// every audit too). Exit 0 when forwarded, 2 when the database could not be reached.
    Forward,
    /// Every school's picture: the policy's clauses for each school, in words.
    Show(TrustShowArgs),
    /// Check every school's filter-change log as the trust's database holds it: each its own
    /// chain of hashes, each record signed by the key the school's caretaker forwarded; and the
    /// findings kept whole for each school's current picture against the rows they are made
    /// of. Exit 0 when every log is intact and every kept picture agrees, 1 naming every record
    /// and run that does not.
    Verify,
}

#[derive(Debug, Args)]
pub struct InitSchoolArgs {
    /// The school's id, as its `[school] id` (a-z, 0-9 and -).
    pub id: String,
    /// The school's name, as reports print it.
    #[arg(long)]
    pub name: String,
    /// A file (mode 0600) holding the password the school's role will sign in with.
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct InitReaderArgs {
    /// The reader's role name (a-z, 0-9 and _).
    pub role: String,
    /// A file (mode 0600) holding the password the role will sign in with.
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrustShowArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained page: readable on a phone, printable on A4.
    Html,
    /// A4 PDF, made without a browser (with -o FILE, or to a pipe).
    Pdf,
    /// Markdown, for an email or a governors' paper.
    Md,
    /// One versioned JSON document (see docs/leadership-report.schema.json).
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `caretaker completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl CompletionShell {
    /// The completion script for `caretaker`, as the shell reads it.
    pub fn script(self) -> Vec<u8> {
        use clap::CommandFactory as _;
        let shell = match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
        };
        let mut cmd = Cli::command();
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "caretaker", &mut out);
        out
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Run only these checks, comma-separated: an area (`directory`, `hosts`, `filter`, or as
    /// people say them: `machines`, `ldap`, `ad`, `filtering`), a check id
    /// (`directory.stale-accounts`, `hosts.antivirus`) or a check's own name when only one check
    /// has it (`screen-lock`). See `caretaker checks`.
    #[arg(long, value_delimiter = ',', value_name = "CHECK,...")]
    pub only: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print nothing when the school is compliant (for cron, which mails any output); otherwise
    /// only what is new or changed since the last run of the same checks, and the total.
    #[arg(long, short = 'q', conflicts_with = "all")]
    pub quiet: bool,

    /// Every finding, the passes too, with every sentence whole, clause by clause.
    #[arg(long)]
    pub all: bool,

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

    /// List the run's findings that do not pass with their fingerprints (what `caretaker waive`
    /// takes) instead of the report.
    #[arg(long)]
    pub fingerprints: bool,

    /// Every finding, the passes too, with every sentence whole, clause by clause.
    #[arg(long)]
    pub all: bool,

    /// Which standard to read the findings against: the school's own online safety policy
    /// (`school`, the default), both DfE standards for schools and colleges (`dfe`: cyber
    /// security, and filtering and monitoring), the DfE cyber security standards alone
    /// (`dfe-cyber`), the DfE filtering and monitoring standards alone (`filtering`), or Cyber
    /// Essentials' five technical controls (`cyber-essentials`). A standard no machine can check
    /// (training, tested restores, roles, reporting attacks) is listed as needing a person's
    /// attestation (`caretaker attest ID`); one caretaker does not cover is listed as such.
    /// docs/standards.md has the table.
    #[arg(long, value_enum, value_name = "VIEW", default_value_t = PolicyView::School)]
    pub policy: PolicyView,
}

/// A standard the findings can be read against (`caretaker show --policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyView {
    /// The school's online safety policy (its clause map).
    School,
    /// The DfE cyber security standards and the DfE filtering and monitoring standards.
    Dfe,
    /// The DfE cyber security standards for schools and colleges.
    DfeCyber,
    /// The DfE filtering and monitoring standards for schools and colleges.
    #[value(alias = "dfe-filtering")]
    Filtering,
    /// Cyber Essentials' requirements: firewalls, secure configuration, security update
    /// management, user access control, malware protection.
    #[value(alias = "ce")]
    CyberEssentials,
}

impl PolicyView {
    /// The view's name, as the built-in standards know it.
    pub fn name(self) -> &'static str {
        match self {
            PolicyView::School => caretaker_checks::standards::SCHOOL,
            PolicyView::Dfe => caretaker_checks::standards::DFE,
            PolicyView::DfeCyber => caretaker_checks::standards::DFE_CYBER,
            PolicyView::Filtering => caretaker_checks::standards::FILTERING,
            PolicyView::CyberEssentials => caretaker_checks::standards::CYBER_ESSENTIALS,
        }
    }
}

#[derive(Debug, Args)]
pub struct WaiveArgs {
    /// The finding's fingerprint, as `caretaker show --fingerprints` prints it
    /// (`check|kind|scope|name`; quote it in the shell).
    pub fingerprint: String,

    /// Why the finding is accepted for now.
    #[arg(long, value_name = "TEXT")]
    pub justification: String,

    /// The name of who approved the waiver (the headteacher, a governor).
    #[arg(long, value_name = "NAME")]
    pub approved_by: String,

    /// The last day the waiver is in force (YYYY-MM-DD, today or later, at most a year ahead).
    #[arg(long, value_name = "DATE")]
    pub until: String,
}

#[derive(Debug, Subcommand)]
pub enum WaiversCommand {
    /// The waivers: in force or expired, not withdrawn; --all also lists withdrawn ones and the
    /// withdrawals.
    List(RecordsListArgs),
    /// Withdraw a waiver now: its finding counts again from the next audit.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The clause's id in the clause map (`7.4/network-files`), or a built-in standard's that no
    /// machine can check (`dfe-cyber/backups`; `caretaker show --policy dfe` lists them).
    pub clause: String,

    /// What was done and seen ("The shared drive is scanned weekly by the antivirus").
    #[arg(long, value_name = "TEXT")]
    pub statement: String,

    /// The name of who attests.
    #[arg(long, value_name = "NAME")]
    pub by: String,

    /// The last day the attestation holds (YYYY-MM-DD, today or later, at most a year ahead).
    #[arg(long, value_name = "DATE")]
    pub until: String,
}

#[derive(Debug, Subcommand)]
pub enum AttestationsCommand {
    /// The attestations: in force or expired, not withdrawn; --all also lists withdrawn ones and
    /// the withdrawals.
    List(RecordsListArgs),
    /// Withdraw an attestation now.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Args)]
pub struct RecordsListArgs {
    /// Also list withdrawn records and the withdrawals.
    #[arg(long)]
    pub all: bool,

    /// `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The record's number, as the list shows it.
    pub id: i64,

    /// Why it is withdrawn.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
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

    /// Make only the key that signs the filter-change log (`log.key`, 0600, and `log.head`
    /// beside it, in PATH's folder), not the configuration: what the Debian package runs.
    /// Run as root for a configuration under /etc, they are made for the `caretaker` user.
    #[arg(long, conflicts_with_all = ["force", "policy_map"])]
    pub log_key_only: bool,
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
    /// List the web-filter tests: every built-in one (the UK test pages that must be blocked,
    /// the safeguarding and teaching sites that must load) and the school's own
    /// `[[filter.test]]`, each with its URL, category, whether it must be blocked or must load,
    /// the page text that proves it loaded, and its policy clause. Without a configuration
    /// found, the built-in tests alone.
    Tests(FilterTestsArgs),
}

#[derive(Debug, Args)]
pub struct FilterTestsArgs {
    /// `text` (one line per test) or `json` (a `caretaker.filter-tests` document).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
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

#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// Record a risk assessment of a filter change from a TOML file and print its number. Every
    /// field is checked first: exit 64 naming each field that is missing or wrong. The
    /// operating-system user running the command is recorded as who entered it.
    ///
    /// The file: `requested_by`, `reason`, `mitigations`, `risk_level` (low, medium, high),
    /// `educational_assessor`, `technical_assessor` (two different people), `decision` (approve,
    /// reject, defer), optional `applied_on` and `review_by` (YYYY-MM-DD), optional `supersedes`
    /// (the number of the record it corrects) and `from_site`; a `[change]` table with `action`
    /// (block, unblock), `site` or `category`, and `groups` (["pupil"], ["staff", "pupil"]); a
    /// `[risks]` table with `content`, `contact` and `conduct`; and a `[consent]` table with `by`
    /// and `on`, required from the risk level set by `assess.consent_from` (default medium).
    Add(AssessAddArgs),
    /// List the risk assessments, newest last: only the current version of each unless --all.
    List(AssessListArgs),
    /// Show one risk assessment with its history (what it corrects and what corrected it) and
    /// the filter checks made after the change.
    Show(AssessShowArgs),
    /// Check that nothing in the log was changed, removed or inserted outside caretaker: every
    /// record's hash, its link to the one before and its signature by the log key, and the log
    /// against the head recorded beside the key and the head published earlier (`--head` or
    /// `--report`), which catch a log cut short or put back to an older copy. Prints the log's
    /// head to publish. Exit 0 if the log is intact, 1 naming every problem.
    Verify(AssessVerifyArgs),
    /// Print every record (all kinds, all versions) with who entered it, when, and its hash.
    Export(AssessExportArgs),
    /// Run the web-filter tests now (like `caretaker audit --only filter`) and record the run
    /// against a risk assessment, as evidence that the must-block list (the IWF list and the
    /// other must-block categories) is still blocked after the change. Exit 0 if every
    /// must-block test passed, 1 if any did not, 2 if they could not be judged.
    CheckFilter(AssessCheckFilterArgs),
}

#[derive(Debug, Args)]
pub struct AssessAddArgs {
    /// The risk assessment, as TOML (see `caretaker assess add --help`).
    #[arg(long, value_name = "RECORD.toml")]
    pub file: PathBuf,

    /// Take the change from this site-log entry: its URL, and its recommendation (block or
    /// unblock) as the action, unless the file says otherwise.
    #[arg(long, value_name = "ID")]
    pub from_site: Option<i64>,
}

#[derive(Debug, Args)]
pub struct AssessListArgs {
    /// Also list versions that a later record corrected.
    #[arg(long)]
    pub all: bool,

    /// `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AssessShowArgs {
    /// The record's number, as `caretaker assess list` shows it.
    pub id: i64,

    /// `text` or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AssessVerifyArgs {
    /// A head of the log published earlier (printed by `assess verify`, in every report and
    /// alert mail): the log must still hold that record, unchanged.
    #[arg(long, value_name = "COUNT:HASH")]
    pub head: Option<String>,
    /// A report (HTML, Markdown or PDF) made earlier: the log is checked against the head
    /// printed in it.
    #[arg(long, value_name = "FILE", conflicts_with = "head")]
    pub report: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct AssessExportArgs {
    /// `json` (one document) or `csv` (one row per record; the body as canonical JSON).
    #[arg(long, value_enum, default_value = "json")]
    pub format: ExportFormat,
}

#[derive(Debug, Args)]
pub struct AssessCheckFilterArgs {
    /// The risk assessment's number.
    pub id: i64,
}

#[derive(Debug, Subcommand)]
pub enum SitesCommand {
    /// Record a site-log entry from a TOML file and print its number: `reported_by`, `date`
    /// (YYYY-MM-DD), `time` (HH:MM), `workstation`, `url`, `recommendation` (block, unblock),
    /// `resolution` (may be empty), and optional `supersedes` (the entry it corrects). Exit 64
    /// naming each field that is missing or wrong.
    Add(SitesAddArgs),
    /// List the site log: only the current version of each entry unless --all.
    List(SitesListArgs),
}

#[derive(Debug, Args)]
pub struct SitesAddArgs {
    /// The entry, as TOML.
    #[arg(long, value_name = "ENTRY.toml")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SitesListArgs {
    /// Also list versions that a later entry corrected.
    #[arg(long)]
    pub all: bool,

    /// `text` (a table) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON document: the chain's state and every record.
    Json,
    /// Comma-separated values, one row per record, with a header row.
    Csv,
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
