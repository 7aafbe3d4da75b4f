//! The shape of `caretaker.toml`, version 1. Every field is documented in [`crate::docs::FIELDS`],
//! which also feeds `caretaker init` and the caretaker.toml(5) man page.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
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

/// `[hosts]`: how machines are reached (one SSH session and one read-only probe per machine).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostsSettings {
    /// The known_hosts file of trusted host keys. Default: `known_hosts` beside the store.
    pub known_hosts: Option<PathBuf>,
    /// The account the probe logs in as.
    #[serde(default = "default_host_user")]
    pub user: String,
    /// Private key file (mode 0600). Unset: keys from ssh-agent.
    pub key_file: Option<PathBuf>,
    /// How many machines are checked at once.
    #[serde(default = "default_host_concurrency")]
    pub concurrency: usize,
    /// Seconds allowed to connect and to complete the SSH handshake.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// Seconds allowed for the probe to finish on a machine.
    #[serde(default = "default_command_timeout")]
    pub command_timeout_secs: u64,
    /// The most a probe may print, in bytes.
    #[serde(default = "default_max_output")]
    pub max_output_bytes: u64,
    /// What the machines are held to.
    #[serde(default)]
    pub thresholds: HostThresholdsConfig,
    /// Approved software per operating system.
    #[serde(default)]
    pub allowed_software: AllowedSoftware,
    /// Groups of machines sharing settings (an ICT suite, the staff laptops).
    #[serde(default, rename = "group")]
    pub groups: Vec<HostGroup>,
    /// Machines found in Active Directory, checked as well as the `[[host]]` list.
    #[serde(default, rename = "discover")]
    pub discover: Vec<HostDiscover>,
}

/// `[[hosts.discover]]`: the computer objects under an OU of an Active Directory `[[directory]]`
/// are machines to check (address from `dNSHostName`, OS from `operatingSystem`). A `[[host]]`
/// with the same name or address wins over what the directory says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDiscover {
    /// The `name` of an Active Directory `[[directory]]`.
    pub directory: String,
    /// The OU searched (with the OUs below it).
    pub base_dn: String,
    /// The `[[hosts.group]]` the machines found share settings with.
    pub group: Option<String>,
    /// Roles every machine found has (added to its group's).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `[[hosts.group]]`: settings shared by the machines that name this group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostGroup {
    pub name: String,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub os: Option<HostOs>,
    /// Roles every machine of the group has (added to the machine's own).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `[hosts.thresholds]`: defaults from NCSC Cyber Essentials and the DfE cyber security standards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostThresholdsConfig {
    /// Anti-virus signatures older than this many hours are a warning.
    #[serde(default = "default_sig_warn")]
    pub signature_warn_hours: u64,
    /// Anti-virus signatures older than this many hours are a failure.
    #[serde(default = "default_sig_fail")]
    pub signature_fail_hours: u64,
    /// macOS XProtect data older than this many days is a failure (Apple updates it weekly or so).
    #[serde(default = "default_xprotect")]
    pub xprotect_max_days: u64,
    /// No update installed for more than this many days is a failure.
    #[serde(default = "default_update_days")]
    pub update_max_days: u64,
    /// Machines with any of these roles must have an encrypted system disk.
    #[serde(default = "default_encryption_roles")]
    pub encryption_required_roles: Vec<String>,
    /// Screens must lock after at most this many minutes idle.
    #[serde(default = "default_screen_lock")]
    pub screen_lock_max_minutes: u64,
}

impl Default for HostThresholdsConfig {
    fn default() -> Self {
        HostThresholdsConfig {
            signature_warn_hours: default_sig_warn(),
            signature_fail_hours: default_sig_fail(),
            xprotect_max_days: default_xprotect(),
            update_max_days: default_update_days(),
            encryption_required_roles: default_encryption_roles(),
            screen_lock_max_minutes: default_screen_lock(),
        }
    }
}

fn default_sig_warn() -> u64 {
    24
}
fn default_sig_fail() -> u64 {
    72
}
fn default_xprotect() -> u64 {
    30
}
fn default_update_days() -> u64 {
    14
}
fn default_encryption_roles() -> Vec<String> {
    vec!["laptop".to_string()]
}
fn default_screen_lock() -> u64 {
    15
}

/// `[hosts.allowed_software]`: approved software, as case-insensitive globs on package or
/// application names. An empty list means none has been agreed (a warning, not a pass).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedSoftware {
    #[serde(default)]
    pub linux: Vec<String>,
    #[serde(default)]
    pub windows: Vec<String>,
    #[serde(default)]
    pub macos: Vec<String>,
}

impl Default for HostsSettings {
    fn default() -> Self {
        HostsSettings {
            known_hosts: None,
            user: default_host_user(),
            key_file: None,
            concurrency: default_host_concurrency(),
            connect_timeout_secs: default_connect_timeout(),
            command_timeout_secs: default_command_timeout(),
            max_output_bytes: default_max_output(),
            thresholds: HostThresholdsConfig::default(),
            allowed_software: AllowedSoftware::default(),
            groups: Vec::new(),
            discover: Vec::new(),
        }
    }
}

fn default_host_user() -> String {
    "caretaker".to_string()
}
fn default_host_concurrency() -> usize {
    32
}
fn default_connect_timeout() -> u64 {
    10
}
fn default_command_timeout() -> u64 {
    120
}
fn default_max_output() -> u64 {
    8 * 1024 * 1024
}

/// Which operating system a machine runs (which probe it gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostOs {
    Linux,
    Windows,
    Macos,
    /// Detected when the machine is reached: Windows from the SSH server's banner, Linux or
    /// macOS from `uname -s`, within the one probe.
    Auto,
}

/// `[[host]]`: one machine.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// Short name used in findings and in `caretaker hosts trust NAME`. Unique.
    pub name: String,
    /// Address or DNS name to reach it at.
    pub address: String,
    /// SSH port (default: its group's, else 22).
    pub port: Option<u16>,
    /// Overrides its group's user and `hosts.user`.
    pub user: Option<String>,
    /// Required here or in its group.
    pub os: Option<HostOs>,
    /// The `[[hosts.group]]` whose settings it shares.
    pub group: Option<String>,
    /// Roles such as `laptop`, `desktop`, `server`, `file-server` (laptops must be encrypted).
    #[serde(default)]
    pub roles: Vec<String>,
    /// This machine answers with recorded output rather than a real probe (the sample school's
    /// Windows and macOS machines); said plainly in every finding about it.
    #[serde(default)]
    pub simulated: bool,
    /// False for a machine used only as a filter vantage point: the host checks skip it.
    #[serde(default = "yes")]
    pub audit: bool,
}

fn yes() -> bool {
    true
}

impl Host {
    fn group<'a>(&self, hosts: &'a HostsSettings) -> Option<&'a HostGroup> {
        let g = self.group.as_deref()?;
        hosts.groups.iter().find(|x| x.name == g)
    }

    /// Its SSH port: its own, else its group's, else 22.
    pub fn port(&self, hosts: &HostsSettings) -> u16 {
        self.port
            .or_else(|| self.group(hosts).and_then(|g| g.port))
            .unwrap_or(22)
    }

    /// The account to log in as: its own, else its group's, else `hosts.user`.
    pub fn user(&self, hosts: &HostsSettings) -> String {
        self.user
            .clone()
            .or_else(|| self.group(hosts).and_then(|g| g.user.clone()))
            .unwrap_or_else(|| hosts.user.clone())
    }

    /// Its operating system: its own, else its group's, else detected (`auto`).
    pub fn os(&self, hosts: &HostsSettings) -> HostOs {
        self.os
            .or_else(|| self.group(hosts).and_then(|g| g.os))
            .unwrap_or(HostOs::Auto)
    }

    /// Its roles and its group's.
    pub fn roles(&self, hosts: &HostsSettings) -> Vec<String> {
        let mut r = self.roles.clone();
        if let Some(g) = self.group(hosts) {
            for role in &g.roles {
                if !r.iter().any(|x| x.eq_ignore_ascii_case(role)) {
                    r.push(role.clone());
                }
            }
        }
        r
    }
}

/// `[school]`: who the reports are about.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    #[serde(default = "default_school_name")]
    pub name: String,
}

impl Default for School {
    fn default() -> Self {
        School {
            name: default_school_name(),
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

/// `[filter]`: web-filter tests (policy 7.2: the IWF list and other must-block content is blocked,
/// safeguarding and teaching sites are not), from every `[[filter.vantage]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSettings {
    /// Seconds allowed for each URL, from the first connection to the last byte kept.
    #[serde(default = "default_filter_timeout")]
    pub timeout_secs: u64,
    /// Seconds allowed to resolve a name and to connect.
    #[serde(default = "default_filter_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// URLs fetched at once from each vantage point.
    #[serde(default = "default_filter_concurrency")]
    pub concurrency: usize,
    /// The most of each page read, in bytes (tokens and block pages are looked for in it).
    #[serde(default = "default_filter_body")]
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    #[serde(default = "default_filter_redirects")]
    pub max_redirects: u32,
    /// Extra certificate authorities (PEM) trusted for HTTPS tests from this machine, such as the
    /// filter's own CA where it inspects HTTPS. The system's are trusted too.
    pub ca_file: Option<PathBuf>,
    /// Words in the issuer of the filter's inspection CA (`"Smoothwall"`): HTTPS answered by a
    /// certificate it issued is recorded as inspected by the filter.
    #[serde(default)]
    pub interception_issuers: Vec<String>,
    /// Addresses a filtering resolver answers blocked names with.
    #[serde(default = "default_sinkholes")]
    pub sinkhole_addresses: Vec<String>,
    /// Host names of block pages: a redirect there means blocked.
    #[serde(default)]
    pub block_hosts: Vec<String>,
    /// Include the built-in tests (the SWGfL/UK Safer Internet Centre test pages that must be
    /// blocked; safeguarding and teaching sites that must load).
    #[serde(default = "yes")]
    pub default_tests: bool,
    /// The page loaded first from each vantage point: if it does not load, nothing from there is
    /// judged ("no internet from here").
    #[serde(default)]
    pub control: FilterControl,
    /// Block pages, recognised by a piece of their text.
    #[serde(default, rename = "block_page")]
    pub block_pages: Vec<BlockPage>,
    /// The school's own tests, added to the built-in ones.
    #[serde(default, rename = "test")]
    pub tests: Vec<FilterTestConfig>,
    /// Where the tests run from.
    #[serde(default, rename = "vantage")]
    pub vantages: Vec<Vantage>,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            timeout_secs: default_filter_timeout(),
            connect_timeout_secs: default_filter_connect_timeout(),
            concurrency: default_filter_concurrency(),
            max_body_bytes: default_filter_body(),
            max_redirects: default_filter_redirects(),
            ca_file: None,
            interception_issuers: Vec::new(),
            sinkhole_addresses: default_sinkholes(),
            block_hosts: Vec::new(),
            default_tests: true,
            control: FilterControl::default(),
            block_pages: Vec::new(),
            tests: Vec::new(),
            vantages: Vec::new(),
        }
    }
}

fn default_filter_timeout() -> u64 {
    15
}
fn default_filter_connect_timeout() -> u64 {
    5
}
fn default_filter_concurrency() -> usize {
    8
}
fn default_filter_body() -> u64 {
    256 * 1024
}
fn default_filter_redirects() -> u32 {
    5
}
fn default_sinkholes() -> Vec<String> {
    ["0.0.0.0", "127.0.0.1", "::", "::1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// `[filter.control]`: the connectivity control.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterControl {
    #[serde(default = "default_control_url")]
    pub url: String,
    #[serde(default = "default_control_token")]
    pub token: String,
}

impl Default for FilterControl {
    fn default() -> Self {
        FilterControl {
            url: default_control_url(),
            token: default_control_token(),
        }
    }
}

fn default_control_url() -> String {
    "http://detectportal.firefox.com/success.txt".to_string()
}
fn default_control_token() -> String {
    "success".to_string()
}

/// `[[filter.block_page]]`: a filtering product's block page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockPage {
    /// The product or page (`"IWF splash page"`, `"Smoothwall"`).
    pub name: String,
    /// Text only that page contains (case-sensitive).
    pub text: String,
}

/// What a test page must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterExpect {
    Block,
    Load,
}

/// `[[filter.test]]`: one URL to test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterTestConfig {
    pub url: String,
    /// `iwf`, `ctiru`, `adult`, `offensive-language`, `safeguarding`, `teaching`, or your own.
    pub category: String,
    pub expect: FilterExpect,
    /// Text (case-sensitive) only the real page contains.
    pub token: String,
    /// The policy clause it serves. Default: by expectation and category.
    pub clause: Option<String>,
}

/// `[[filter.vantage]]`: a place the tests run from, and whose filtering it sees.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vantage {
    /// Short name used in findings (`pupil-wifi`).
    pub name: String,
    /// The user group whose filtering this sees: `pupil`, `staff`, `guest` (or your own).
    pub group: String,
    /// The site (for a school on several sites).
    pub site: Option<String>,
    /// A `[[host]]` the tests run on over SSH (curl there). Unset: this machine.
    pub host: Option<String>,
    /// An explicit proxy, `http://host:port`. Unset: direct.
    pub proxy: Option<String>,
    /// The proxy account, with `proxy_password_file` or `proxy_password_env`.
    pub proxy_user: Option<String>,
    pub proxy_password_file: Option<PathBuf>,
    pub proxy_password_env: Option<String>,
    /// This machine only: the DNS server asked (`10.0.0.1:53`). Unset: /etc/resolv.conf's.
    pub resolver: Option<String>,
    /// The proxy password, read at load time.
    #[serde(skip)]
    pub proxy_password: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_takes_what_it_does_not_say_from_its_group() {
        let text = r#"
version = 1
[hosts]
user = "caretaker"
[[hosts.group]]
name = "ict-suite"
user = "audit"
port = 2222
os = "windows"
roles = ["desktop"]
[[host]]
name = "ict-01"
address = "ict-01"
group = "ict-suite"
roles = ["shared", "DESKTOP"]
[[host]]
name = "office"
address = "office"
os = "linux"
port = 22
"#;
        let cfg = crate::load::parse_str(text, std::path::Path::new("t.toml")).unwrap();
        let (ict, office) = (&cfg.host_list[0], &cfg.host_list[1]);
        assert_eq!(ict.port(&cfg.hosts), 2222);
        assert_eq!(ict.user(&cfg.hosts), "audit");
        assert_eq!(ict.os(&cfg.hosts), HostOs::Windows);
        assert_eq!(ict.roles(&cfg.hosts), vec!["shared", "DESKTOP"]);
        assert_eq!(office.port(&cfg.hosts), 22);
        assert_eq!(office.user(&cfg.hosts), "caretaker");
        assert_eq!(office.os(&cfg.hosts), HostOs::Linux);
    }
}
