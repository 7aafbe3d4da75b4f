//! `[[directory]]`: a directory to check, its populations and year groups, and the password
//! thresholds each population is held to.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;

/// Which kind of directory server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirectoryKind {
    ActiveDirectory,
    Openldap,
}

impl DirectoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryKind::ActiveDirectory => "active-directory",
            DirectoryKind::Openldap => "openldap",
        }
    }
}

/// How to report accounts whose password never expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NeverExpires {
    /// Not reported at all (NCSC advises against forced expiry).
    Ignore,
    /// Reported as a warning (default).
    Warn,
    /// Reported as a failure (for schools whose policy demands expiry).
    Fail,
}

/// `[[directory]]`: one directory to check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Short name used in findings (`ad`, `ldap`). Unique.
    pub name: String,
    pub kind: DirectoryKind,
    /// `ldaps://host:636` or `ldap://host:389`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the certificate authorities to trust for this server.
    pub ca_file: Option<PathBuf>,
    /// Allow plain `ldap://` without StartTLS (the bind password then crosses the network in clear).
    #[serde(default)]
    pub allow_insecure: bool,
    /// The account caretaker binds as. Read-only rights are enough.
    pub bind_dn: String,
    /// File holding the bind password (mode 0600 or stricter).
    pub bind_password_file: Option<PathBuf>,
    /// Environment variable holding the bind password.
    pub bind_password_env: Option<String>,
    /// Where to search.
    pub base_dn: String,
    /// OpenLDAP: DN of the ppolicy default policy (the `ppolicy_default` of the server). Unset: read
    /// from cn=config when readable, else `cn=default,ou=Policies,<base_dn>` if it exists.
    pub default_policy: Option<String>,
    /// Seconds allowed for each network step (connect, bind, each page of a search).
    #[serde(default = "default_dir_timeout")]
    pub timeout_secs: u64,
    /// Entries per page of a paged search.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// An enabled account not used for this many days is stale.
    #[serde(default = "default_stale_days")]
    pub stale_after_days: u32,
    /// Account names that look shared or generic (glob patterns, case-insensitive).
    #[serde(default = "default_shared_patterns")]
    pub shared_login_patterns: Vec<String>,
    /// Account names that are separate admin accounts (glob patterns, case-insensitive).
    #[serde(default = "default_admin_patterns")]
    pub admin_account_patterns: Vec<String>,
    /// DNs of groups whose members hold admin rights. Empty: the built-in admin groups (AD) or the
    /// `admins` population's groups (OpenLDAP).
    #[serde(default)]
    pub privileged_groups: Vec<String>,
    /// The most enabled accounts that may hold full admin rights (directory.admin-count);
    /// `max_privileged` is its old name.
    #[serde(default = "default_max_admins", alias = "max_privileged")]
    pub max_admins: u32,
    /// How to report passwords that never expire: `ignore`, `warn` or `fail`.
    #[serde(default = "default_never_expires")]
    pub never_expires: NeverExpires,
    #[serde(default)]
    pub populations: Populations,
    /// Year groups, youngest first; the youngest may be exempt from individual logins.
    #[serde(default)]
    pub year_groups: Vec<YearGroup>,
    /// `[[directory.roster]]`: exports of the school's management information system that say who
    /// is still here (directory.leavers).
    #[serde(default, rename = "roster")]
    pub rosters: Vec<Roster>,
    /// The bind password, read from `bind_password_file` or `bind_password_env` at load time.
    #[serde(skip)]
    pub bind_password: Option<Secret>,
}

fn default_dir_timeout() -> u64 {
    10
}
fn default_page_size() -> u32 {
    500
}
fn default_stale_days() -> u32 {
    180
}
fn default_max_admins() -> u32 {
    5
}
fn default_never_expires() -> NeverExpires {
    NeverExpires::Warn
}

/// The default shared or generic login name patterns.
pub fn default_shared_patterns() -> Vec<String> {
    [
        "guest*", "pupil*", "student*", "class*", "*.class", "staff*", "teacher*", "test*",
        "temp*", "supply*", "visitor*", "user*", "exam*", "library*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The default separate-admin-account name patterns.
pub fn default_admin_patterns() -> Vec<String> {
    [
        "*-admin",
        "*_admin",
        "*.admin",
        "adm-*",
        "admin-*",
        "administrator",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `[directory.populations]`: who is staff, who is a pupil, who is an admin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Populations {
    #[serde(default = "Population::staff")]
    pub staff: Population,
    #[serde(default = "Population::pupils")]
    pub pupils: Population,
    #[serde(default = "Population::admins")]
    pub admins: Population,
}

impl Default for Populations {
    fn default() -> Self {
        Populations {
            staff: Population::staff(),
            pupils: Population::pupils(),
            admins: Population::admins(),
        }
    }
}

/// One population and the thresholds its passwords are held to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// DNs of OUs whose accounts (at any depth) belong to this population.
    #[serde(default)]
    pub ous: Vec<String>,
    /// DNs of groups whose members belong to this population.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The shortest password the directory may accept for this population.
    pub min_password_length: Option<u32>,
    /// The most failed attempts allowed before lockout (lockout must be on).
    pub max_lockout_threshold: Option<u32>,
}

impl Population {
    fn staff() -> Self {
        Population {
            ous: vec![],
            groups: vec![],
            min_password_length: None,
            max_lockout_threshold: None,
        }
    }
    fn pupils() -> Self {
        Population::staff()
    }
    fn admins() -> Self {
        Population::staff()
    }
}

/// The thresholds a population is held to, after defaults are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub min_password_length: u32,
    pub max_lockout_threshold: u32,
}

/// Defaults from NCSC Cyber Essentials and the DfE cyber security standards: passwords of at
/// least 12 characters, lockout after at most 10 attempts. Pupils: 8 characters (Cyber Essentials'
/// floor where login attempts are limited), changeable per school.
pub const STAFF_DEFAULTS: Thresholds = Thresholds {
    min_password_length: 12,
    max_lockout_threshold: 10,
};
pub const PUPIL_DEFAULTS: Thresholds = Thresholds {
    min_password_length: 8,
    max_lockout_threshold: 10,
};
pub const ADMIN_DEFAULTS: Thresholds = Thresholds {
    min_password_length: 12,
    max_lockout_threshold: 10,
};

impl Population {
    /// The population's thresholds with `defaults` filling what the config leaves out.
    pub fn thresholds(&self, defaults: Thresholds) -> Thresholds {
        Thresholds {
            min_password_length: self
                .min_password_length
                .unwrap_or(defaults.min_password_length),
            max_lockout_threshold: self
                .max_lockout_threshold
                .unwrap_or(defaults.max_lockout_threshold),
        }
    }
}

/// `[[directory.year_groups]]`: one year group of pupils.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearGroup {
    /// As the school says it: `EYFS`, `Reception`, `Year 1`.
    pub name: String,
    /// DN of the OU holding this year group's accounts.
    pub ou: Option<String>,
    /// DN of the group whose members are this year group.
    pub group: Option<String>,
    /// The youngest users, exempt from individual logins (policy 7.4).
    #[serde(default)]
    pub exempt: bool,
    /// How many pupils are on roll, to compare with the individual accounts found.
    pub roll: Option<u32>,
}

/// Which management information system wrote a roster export, and so its column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RosterFormat {
    Sims,
    Arbor,
    Bromcom,
    /// Columns named only by the `*_column` keys.
    Custom,
}

impl RosterFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            RosterFormat::Sims => "sims",
            RosterFormat::Arbor => "arbor",
            RosterFormat::Bromcom => "bromcom",
            RosterFormat::Custom => "custom",
        }
    }

    /// The system's name as a school says it.
    pub fn system(self) -> &'static str {
        match self {
            RosterFormat::Sims => "SIMS",
            RosterFormat::Arbor => "Arbor",
            RosterFormat::Bromcom => "Bromcom",
            RosterFormat::Custom => "the school's system",
        }
    }
}

/// `[[directory.roster]]`: one CSV export of the school's management information system (SIMS,
/// Arbor, Bromcom, or any with `format = "custom"`). Only the login or email and the leaving date
/// are used, for matching; nothing else from the file is kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The CSV file (readable by caretaker; changeable by no one but its owner).
    pub path: PathBuf,
    /// `sims`, `arbor`, `bromcom` or `custom`: which column names are built in.
    pub format: RosterFormat,
    /// The populations this export lists (`staff`, `pupils`, `admins`). Empty: every account
    /// that belongs to a person.
    #[serde(default)]
    pub covers: Vec<String>,
    /// The header of the column holding the login name (overrides the format's).
    pub login_column: Option<String>,
    /// The header of the column holding the email address (overrides the format's).
    pub email_column: Option<String>,
    /// The header of the column holding the leaving date (overrides the format's).
    pub leaving_column: Option<String>,
    /// An export older than this many days (by the file's modification time) is a warning.
    #[serde(default = "default_roster_age")]
    pub max_age_days: u32,
}

fn default_roster_age() -> u32 {
    7
}
