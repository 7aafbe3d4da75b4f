//! `[hosts]`, `[[hosts.discover]]`, `[[hosts.group]]` and `[[host]]`: how machines are reached,
//! which are checked, and the limits their checks apply.

use std::path::PathBuf;

use serde::Deserialize;

use super::yes;

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
