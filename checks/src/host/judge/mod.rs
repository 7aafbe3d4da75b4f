//! Pure functions from a host's facts, [`HostThresholds`] and `now` to findings: exactly one
//! finding per check id in [`super::CHECK_IDS`], in that order.
//!
//! Every summary is one sentence a headteacher understands; the evidence holds what was read; every
//! finding that is not a pass says what to do. A fact the probe could not read is an `error`
//! ("Could not tell whether …"), never a pass.

mod antivirus;
mod auto_logon;
mod encryption;
mod removable_media;
mod screen_lock;
mod software;
mod supported;
mod updates;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::parse::HostFacts;
use super::{could_not, HostInfo, OsFamily};
use crate::model::{Evidence, Finding};

use antivirus::antivirus;
use auto_logon::auto_logon;
use encryption::encryption;
use removable_media::removable_media;
use screen_lock::screen_lock;
use software::software;
use supported::supported;
use updates::updates;

pub use software::{compile_allowlist, installed_by_hand, is_os_package, unapproved};
pub use supported::{EndOfSupport, END_OF_SUPPORT_TOML};

pub const ANTIVIRUS: &str = super::ANTIVIRUS.id;
pub const UPDATES: &str = super::UPDATES.id;
pub const ENCRYPTION: &str = super::ENCRYPTION.id;
pub const REMOVABLE_MEDIA: &str = super::REMOVABLE_MEDIA.id;
pub const SCREEN_LOCK: &str = super::SCREEN_LOCK.id;
pub const AUTO_LOGON: &str = super::AUTO_LOGON.id;
pub const SOFTWARE: &str = super::SOFTWARE.id;
pub const SUPPORTED: &str = super::SUPPORTED.id;

/// How many unapproved packages a finding names in its evidence.
pub const MAX_NAMED: usize = 50;

/// The limits the host checks apply. The defaults follow NCSC Cyber Essentials (malware
/// protection kept up to date and scanning on access; security updates within 14 days; devices
/// lock after inactivity) and the DfE cyber security standards for schools (encrypt laptops that
/// leave site; control removable media; approved software only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostThresholds {
    /// Signatures older than this many hours are a `warn` (default 24).
    pub signature_warn_hours: u64,
    /// Signatures older than this many hours are a `fail` (default 72).
    pub signature_fail_hours: u64,
    /// macOS XProtect is updated by Apple every week or few, not daily: its data older than this
    /// many days is a `fail` (default 30), younger a pass.
    pub xprotect_max_days: u64,
    /// No update installed for more than this many days is a `fail` (default 14).
    pub update_max_days: u64,
    /// Hosts with any of these roles must have an encrypted system disk (default `laptop`).
    pub encryption_required_roles: Vec<String>,
    /// Screens must lock after at most this many seconds idle (default 900 = 15 minutes).
    pub screen_lock_max_secs: u64,
    /// Approved software, as case-insensitive globs on package or application names.
    /// An empty list means no list has been agreed for that family (reported as `warn`).
    pub software_allow_linux: Vec<String>,
    pub software_allow_windows: Vec<String>,
    pub software_allow_macos: Vec<String>,
}

impl Default for HostThresholds {
    fn default() -> Self {
        HostThresholds {
            signature_warn_hours: 24,
            signature_fail_hours: 72,
            xprotect_max_days: 30,
            update_max_days: 14,
            encryption_required_roles: vec!["laptop".into()],
            screen_lock_max_secs: 900,
            software_allow_linux: Vec::new(),
            software_allow_windows: Vec::new(),
            software_allow_macos: Vec::new(),
        }
    }
}

impl HostThresholds {
    /// The approved-software globs for one OS family.
    pub fn software_allow(&self, os: OsFamily) -> &[String] {
        match os {
            OsFamily::Linux => &self.software_allow_linux,
            OsFamily::Windows => &self.software_allow_windows,
            OsFamily::Macos => &self.software_allow_macos,
        }
    }
}

/// Judges one host: one finding per host check id, in [`super::CHECK_IDS`] order.
pub fn judge(
    host: &HostInfo,
    facts: &HostFacts,
    th: &HostThresholds,
    now: OffsetDateTime,
) -> Vec<Finding> {
    vec![
        antivirus(host, facts, th, now),
        updates(host, facts, th, now),
        encryption(host, facts, th),
        removable_media(host, facts),
        screen_lock(host, facts, th),
        auto_logon(host, facts),
        software(host, facts, th),
        supported(host, facts, now),
    ]
}

/// Evidence common to every host finding, followed by `values`.
fn evidence(host: &HostInfo, facts: &HostFacts, values: &[(String, String)]) -> Evidence {
    let mut ev = Evidence::new(host.address.clone())
        .with("probe", &facts.probe)
        .with("os", host.os.as_str());
    if host.detect_os {
        ev.push("os_source", "detected (os = \"auto\")");
    }
    if let Some(n) = &facts.os_name {
        ev.push(
            "os_release",
            format!("{n} {}", facts.os_version.as_deref().unwrap_or("")).trim(),
        );
    }
    if let Some(h) = &facts.hostname {
        ev.push("hostname", h);
    }
    if host.simulated {
        ev.push("simulated", "true");
    }
    for (k, v) in values {
        ev.push(k.clone(), v);
    }
    ev
}

/// An `error` finding: `what` is the fact that could not be read.
fn unknown(check: &str, host: &HostInfo, facts: &HostFacts, ev: Evidence, what: &str) -> Finding {
    let mut ev = ev;
    for p in facts.problems.iter().take(10) {
        ev.push("probe_problem", p);
    }
    Finding::error(
        check,
        host.target(),
        format!("{}: the probe could not read {what}.", could_not(check)),
        ev,
    )
    .fix(format!(
        "Log in to {} as the account caretaker uses and check the reasons listed under probe_problem in the evidence (a missing tool, or a file or command that needs more permission); fix that, then check again.",
        host.name
    ))
}

fn age_text(secs: i64) -> String {
    let hours = secs / 3600;
    if hours == 1 {
        "1 hour".to_string()
    } else if hours < 48 {
        format!("{hours} hours")
    } else {
        format!("{} days", hours / 24)
    }
}
