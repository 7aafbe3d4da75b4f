//! The shape of `caretaker.toml`, version 1. Every field is documented in [`crate::docs::FIELDS`],
//! which also feeds `caretaker init` and the caretaker.toml(5) man page.

mod alert;
mod directory;
mod filter;
mod hosts;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Deserialize;

use crate::schedule::Schedule;

pub use alert::AlertSettings;
pub use directory::{
    default_admin_patterns, default_shared_patterns, Directory, DirectoryKind, NeverExpires,
    Population, Populations, Roster, RosterFormat, Thresholds, YearGroup, ADMIN_DEFAULTS,
    PUPIL_DEFAULTS, STAFF_DEFAULTS,
};
pub use filter::{
    BlockPage, FilterControl, FilterExpect, FilterSettings, FilterTestConfig, Vantage,
};
pub use hosts::{
    AllowedSoftware, Host, HostDiscover, HostGroup, HostOs, HostThresholdsConfig, HostsSettings,
};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Format version; must be 1.
    pub version: u32,
    #[serde(default)]
    pub school: School,
    #[serde(default)]
    pub store: Store,
    #[serde(default)]
    pub audit: Audit,
    #[serde(default)]
    pub policy: Policy,
    /// Directories to check (Active Directory domains, OpenLDAP servers).
    #[serde(default, rename = "directory")]
    pub directories: Vec<Directory>,
    /// How machines are reached over SSH.
    #[serde(default)]
    pub hosts: HostsSettings,
    /// Machines to check over SSH.
    #[serde(default, rename = "host")]
    pub host_list: Vec<Host>,
    /// Web-filter tests.
    #[serde(default)]
    pub filter: FilterSettings,
    /// Filter changes: the risk-assessment log.
    #[serde(default)]
    pub assess: AssessSettings,
    /// When the daemon runs the checks by itself.
    #[serde(default)]
    pub schedule: ScheduleSettings,
    /// Who is told at once of a new critical failure.
    #[serde(default)]
    pub alert: AlertSettings,
    /// The daemon's socket, and who may use it.
    #[serde(default)]
    pub daemon: DaemonSettings,
    /// The leadership report the daemon writes and sends by itself.
    #[serde(default)]
    pub report: ReportSettings,
    /// Where the mail domains' DNS records are asked for.
    #[serde(default)]
    pub mail: MailSettings,
}

/// `[mail]`: how the school's mail domains (`[school] mail_domains`) are checked against
/// impersonation: which DNS server is asked, and for how long.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The DNS server asked, `address:port` (`"127.0.0.53:53"`); unset: the system's resolver
    /// from /etc/resolv.conf.
    pub resolver: Option<String>,
    /// Seconds allowed for each DNS query.
    #[serde(default = "default_mail_timeout")]
    pub timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            resolver: None,
            timeout_secs: default_mail_timeout(),
        }
    }
}

fn default_mail_timeout() -> u64 {
    5
}

/// `[report]`: the report for leadership and governors, written by the daemon when a period ends
/// and emailed through `[alert]`'s mail server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// When: `off` (default), `monthly` (each calendar month, written on the 1st), `termly`
    /// (autumn, spring and summer terms, written the day after each ends).
    #[serde(default)]
    pub schedule: ReportSchedule,
    /// Where the reports are written (default: `reports` beside the store).
    pub folder: Option<PathBuf>,
    /// Who gets them by email (the headteacher, the governor responsible); none: no email.
    #[serde(default)]
    pub email_to: Vec<String>,
}

/// How often the daemon writes the leadership report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportSchedule {
    #[default]
    Off,
    Monthly,
    Termly,
}

/// `[daemon]`: the socket the command line and the console reach the daemon through, and who may
/// do what through it (from the connecting process's credentials, as the kernel gives them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonSettings {
    /// The socket (default `/run/caretaker/caretaker.sock` for a system install, otherwise
    /// beside the store).
    pub socket: Option<PathBuf>,
    /// Members may start audits and write records (root and the daemon's own user always may).
    pub admin_group: Option<String>,
    /// Members may read results and records, and change nothing.
    pub read_group: Option<String>,
}

/// `[schedule]`: when `caretaker daemon` runs the checks by itself, in the school's local time
/// (`[school] timezone`). An area without a schedule of its own is checked by the full audit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// The full audit.
    #[serde(default = "default_audit_schedule")]
    pub audit: Schedule,
    /// The directory checks, when they run apart from the full audit.
    pub directory: Option<Schedule>,
    /// The machine checks, when they run apart from the full audit.
    pub hosts: Option<Schedule>,
    /// The web-filter tests, when they run apart from the full audit.
    pub filter: Option<Schedule>,
    /// Up to how many seconds this school's scheduled runs are put back (the same every day).
    #[serde(default = "default_jitter")]
    pub jitter_secs: u64,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            audit: default_audit_schedule(),
            directory: None,
            hosts: None,
            filter: None,
            jitter_secs: default_jitter(),
        }
    }
}

fn default_audit_schedule() -> Schedule {
    Schedule::At {
        days: crate::schedule::Days::ALL,
        times: vec![jiff::civil::Time::constant(2, 0, 0, 0)],
    }
}

fn default_jitter() -> u64 {
    300
}

/// `[assess]`: the risk assessment of filter changes (policy: "risk assessed by staff with
/// educational and technical experience ... where appropriate with consent from the Leadership
/// Team").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessSettings {
    /// The lowest risk level at which leadership consent is required.
    #[serde(default)]
    pub consent_from: ConsentFrom,
}

/// From which risk level a filter change needs leadership consent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentFrom {
    /// Every change.
    Low,
    /// Medium- and high-risk changes (default).
    #[default]
    Medium,
    /// High-risk changes only.
    High,
    /// No change needs it (consent may still be recorded).
    Never,
}

impl ConsentFrom {
    /// The word used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentFrom::Low => "low",
            ConsentFrom::Medium => "medium",
            ConsentFrom::High => "high",
            ConsentFrom::Never => "never",
        }
    }

    /// The inverse of [`ConsentFrom::as_str`].
    pub fn parse(s: &str) -> Option<ConsentFrom> {
        [
            ConsentFrom::Low,
            ConsentFrom::Medium,
            ConsentFrom::High,
            ConsentFrom::Never,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

fn yes() -> bool {
    true
}

/// `[school]`: who the reports are about.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    #[serde(default = "default_school_name")]
    pub name: String,
    /// The school's time zone (IANA name); this machine's when unset.
    pub timezone: Option<String>,
    /// The domains the school's email is sent from (`example.sch.uk`): each is checked for SPF
    /// and DMARC, which stop others sending email in its name.
    #[serde(default)]
    pub mail_domains: Vec<String>,
    /// The school's stable identifier in a trust's database (`[store] url`): lower-case letters,
    /// digits and hyphens, as `st-example`. Every row the school forwards carries it.
    pub id: Option<String>,
}

impl Default for School {
    fn default() -> Self {
        School {
            name: default_school_name(),
            timezone: None,
            mail_domains: Vec::new(),
            id: None,
        }
    }
}

fn default_school_name() -> String {
    "Our school".to_string()
}

/// `[store]`: where results are kept.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    /// The SQLite file. Relative paths are taken from the config file's folder.
    pub path: Option<PathBuf>,
    /// The key the filter-change log is signed with, kept outside the store (0600); the log's
    /// head is recorded beside it (`log.head`). Default: `log.key` beside the configuration.
    pub log_key: Option<PathBuf>,
    /// A trust's PostgreSQL database (`postgres://role@host:port/db`), to which every run is
    /// forwarded from the SQLite file above (which keeps auditing while the link is down).
    /// Always TLS with the server's name verified (`sslmode=verify-full`) against `ca_file`.
    pub url: Option<String>,
    /// The certificate authority that signed the PostgreSQL server's certificate.
    pub ca_file: Option<PathBuf>,
    /// The database role's password: a file of mode 0600, or an environment variable.
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
    /// The password, read from `password_file` or `password_env` at load time.
    #[serde(skip)]
    pub password: Option<crate::secret::Secret>,
}

/// `[audit]`: how an audit runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The longest one check may take, in seconds, before it is stopped and reported as an error.
    #[serde(default = "default_audit_timeout")]
    pub timeout_secs: u64,
    /// How many checks run at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            timeout_secs: default_audit_timeout(),
            concurrency: default_concurrency(),
        }
    }
}

fn default_audit_timeout() -> u64 {
    120
}
fn default_concurrency() -> usize {
    8
}

/// `[policy]`: the clause map.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A clause map (TOML) to use instead of the built-in map for section 7.4.
    pub map: Option<PathBuf>,
}
