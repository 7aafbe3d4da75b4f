//! The host checks (policy 7.4: virus protection, updates, encryption, portable media, software,
//! screen locks) for Linux, Windows and macOS machines.
//!
//! One SSH round trip per host ([`transport`]) runs one read-only probe script for the host's OS
//! family ([`probe_script`]); the script prints one JSON document of raw facts. [`parse`] turns
//! those bytes into [`HostFacts`] and [`judge`] turns facts, [`HostThresholds`] and the time into
//! one finding per check id. Nothing is judged on the host.

pub mod discover;
pub mod judge;
pub mod parse;
pub mod screenlock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_updates;
pub use caretaker_transports::ssh as transport;

use serde::{Deserialize, Serialize};

use crate::model::{Evidence, Finding, Target, TargetKind};
use crate::registry::{Area, AreaId, CheckSpec};

pub use judge::{judge, HostThresholds};
pub use parse::{parse, HostFacts, ParseError};

/// The host checks, in report order (the order of each machine's findings) and column order.
pub const SPECS: &[CheckSpec] = &[
    ANTIVIRUS,
    UPDATES,
    ENCRYPTION,
    REMOVABLE_MEDIA,
    SCREEN_LOCK,
    AUTO_LOGON,
    SOFTWARE,
    SUPPORTED,
];

/// Every host check id, in report order.
pub const CHECK_IDS: &[&str] = &crate::registry::ids_of::<{ SPECS.len() }>(SPECS);

/// The host area: one unit of work per configured machine that is audited (machines found in a
/// directory are added by the engine when it runs).
#[derive(Debug)]
pub struct HostArea;

impl Area for HostArea {
    type Unit = caretaker_config::Host;
    const ID: AreaId = AreaId::Hosts;
    fn specs() -> &'static [CheckSpec] {
        SPECS
    }
    fn units(config: &caretaker_config::Config) -> Vec<caretaker_config::Host> {
        config
            .host_list
            .iter()
            .filter(|h| h.audit)
            .cloned()
            .collect()
    }
}

const fn spec(
    id: &'static str,
    title: &'static str,
    column: &'static str,
    clauses: &'static [&'static str],
    could_not: &'static str,
) -> CheckSpec {
    CheckSpec::new(AreaId::Hosts, id, title, column, clauses, could_not)
}

pub const ANTIVIRUS: CheckSpec = spec(
    "host.antivirus",
    "Virus protection on and up to date",
    "VIRUS",
    &["7.4/virus-protection"],
    "Could not tell whether virus protection is on and up to date",
);
pub const UPDATES: CheckSpec = spec(
    "host.updates",
    "Updates installed",
    "UPDATES",
    &["7.4/virus-protection"],
    "Could not tell whether updates are being installed",
);
pub const ENCRYPTION: CheckSpec = spec(
    "host.encryption",
    "Disks encrypted where the data leaves site",
    "DISK",
    &["7.4/encryption"],
    "Could not tell whether the disk is encrypted",
);
pub const REMOVABLE_MEDIA: CheckSpec = spec(
    "host.removable-media",
    "USB memory sticks controlled",
    "USB",
    &["7.4/portable-media"],
    "Could not tell whether USB memory sticks are controlled",
);
pub const SCREEN_LOCK: CheckSpec = spec(
    "host.screen-lock",
    "Screens lock when left unattended",
    "SCREEN",
    &["7.4/screen-lock"],
    "Could not tell whether the screen locks when left unattended",
);
pub const AUTO_LOGON: CheckSpec = spec(
    "host.auto-logon",
    "No automatic login when switched on",
    "AUTOLOG",
    &["7.4/own-logins", "7.4/screen-lock"],
    "Could not tell whether the computer logs itself in when switched on",
);
pub const SUPPORTED: CheckSpec = spec(
    "host.supported",
    "Operating system still supported",
    "SUPPORT",
    &["7.4/virus-protection"],
    "Could not tell whether the operating system is still supported",
);
pub const SOFTWARE: CheckSpec = spec(
    "host.software",
    "Only approved software installed",
    "SOFTWARE",
    &["7.4/software"],
    "Could not check the installed software against the approved list",
);

/// The probe script for Linux (POSIX sh), shipped in the binary.
pub const LINUX_PROBE: &str = include_str!("probe_scripts/linux.sh");
/// The probe script for Windows (PowerShell 5.1+), shipped in the binary.
pub const WINDOWS_PROBE: &str = include_str!("probe_scripts/windows.ps1");
/// The probe script for macOS (sh), shipped in the binary.
pub const MACOS_PROBE: &str = include_str!("probe_scripts/macos.sh");

/// A machine's operating-system family: which probe runs and which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    Linux,
    Windows,
    Macos,
}

impl OsFamily {
    pub const ALL: [OsFamily; 3] = [OsFamily::Linux, OsFamily::Windows, OsFamily::Macos];

    /// The lowercase word used in configuration and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OsFamily::Linux => "linux",
            OsFamily::Windows => "windows",
            OsFamily::Macos => "macos",
        }
    }

    /// Parses the word written by [`OsFamily::as_str`] (case-insensitive; `mac`/`darwin` too).
    pub fn parse(s: &str) -> Option<OsFamily> {
        match s.trim().to_ascii_lowercase().as_str() {
            "linux" => Some(OsFamily::Linux),
            "windows" => Some(OsFamily::Windows),
            "macos" | "mac" | "darwin" | "osx" => Some(OsFamily::Macos),
            _ => None,
        }
    }

    /// The version string each probe writes in its `probe` field.
    pub fn probe_version(self) -> &'static str {
        match self {
            OsFamily::Linux => "caretaker-linux/1",
            OsFamily::Windows => "caretaker-windows/1",
            OsFamily::Macos => "caretaker-macos/1",
        }
    }
}

/// The probe script to run on a host of this family.
pub fn probe_script(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Linux => LINUX_PROBE,
        OsFamily::Windows => WINDOWS_PROBE,
        OsFamily::Macos => MACOS_PROBE,
    }
}

/// The command that runs the probe read from standard input, per OS family.
pub fn probe_command(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Linux | OsFamily::Macos => "/bin/sh -s",
        OsFamily::Windows => {
            "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -"
        }
    }
}

/// True if an SSH server's identification string says it runs on Windows: Microsoft's OpenSSH
/// port (`SSH-2.0-OpenSSH_for_Windows_8.1`), Bitvise (`… Bitvise SSH Server (WinSSHD)`).
/// OpenSSH on Linux and macOS says `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`, `SSH-2.0-OpenSSH_9.0`.
pub fn banner_says_windows(banner: &str) -> bool {
    let b = banner.to_ascii_lowercase();
    b.contains("for_windows") || b.contains("winsshd") || b.contains("bitvise")
}

/// For a machine whose OS is detected: the Linux and macOS probes behind one `uname -s` test, so
/// a Unix-like machine still gets one command. Neither probe uses a here-document, so each can be
/// carried in one.
pub fn unix_probe_script() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| {
        format!(
            "# caretaker: Linux or macOS, decided on the machine by uname -s.\n\
             case \"$(uname -s 2>/dev/null)\" in\n\
             Darwin)\n/bin/sh <<'CARETAKER_MACOS_PROBE_END'\n{MACOS_PROBE}\nCARETAKER_MACOS_PROBE_END\n;;\n\
             *)\n/bin/sh <<'CARETAKER_LINUX_PROBE_END'\n{LINUX_PROBE}\nCARETAKER_LINUX_PROBE_END\n;;\n\
             esac\n"
        )
    })
}

/// What to run on a machine: its family's probe, or, when its OS is detected, the Windows probe
/// if the banner says Windows and the Linux/macOS one otherwise.
pub fn probe_for(host: &HostInfo, banner: Option<&str>) -> (&'static str, &'static str) {
    if !host.detect_os {
        return (probe_command(host.os), probe_script(host.os));
    }
    if banner.is_some_and(banner_says_windows) {
        (probe_command(OsFamily::Windows), WINDOWS_PROBE)
    } else {
        (probe_command(OsFamily::Linux), unix_probe_script())
    }
}

/// One machine to check, as the configuration describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    /// Short name a person recognises (`office-pc-1`).
    pub name: String,
    /// Where it is reached (`10.0.0.21`, `office-pc-1.school.lan`).
    pub address: String,
    pub os: OsFamily,
    /// Roles from the configuration (`laptop`, `staff`, `server`…); they select rules such as
    /// "laptops must be encrypted".
    #[serde(default)]
    pub roles: Vec<String>,
    /// True for a lab machine that simulates a host (reported in evidence).
    #[serde(default)]
    pub simulated: bool,
    /// True when the configuration leaves the OS to be detected (`os = "auto"`): the probe is
    /// chosen by the server's banner and `uname -s`, and `os` is what its output says.
    #[serde(default)]
    pub detect_os: bool,
}

impl HostInfo {
    /// The target every host finding is about.
    pub fn target(&self) -> Target {
        Target::new(TargetKind::Host, self.name.clone(), self.address.clone())
    }

    /// True if the host has this role (case-insensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// What each check could not do, as the start of a sentence.
pub fn could_not(check: &str) -> &'static str {
    HostArea::could_not(check)
}

/// One `error` finding per check id, for a host whose probe output could not be had or read
/// (unreachable, refused, timed out, garbage). `reason` is plain English ("the machine did not
/// answer on port 22"), `detail` the technical reason.
pub fn unreachable_findings(host: &HostInfo, reason: &str, detail: &str) -> Vec<Finding> {
    CHECK_IDS
        .iter()
        .map(|check| {
            let os = if host.detect_os {
                "not known (to be detected)"
            } else {
                host.os.as_str()
            };
            let ev = Evidence::new(host.address.clone())
                .with("reason", detail)
                .with("os", os)
                .with("simulated", host.simulated);
            Finding::error(
                *check,
                host.target(),
                format!("{}: {reason}.", could_not(check)),
                ev,
            )
            .fix(format!(
                "Check that {} is switched on and reachable over SSH from caretaker, that its host key is in known_hosts, and that the probe account can log in; then run `caretaker audit --only host` again.",
                host.address
            ))
        })
        .collect()
}

/// Parses the probe's output and judges it: the whole pure half of a host check. Output that
/// cannot be parsed becomes one `error` finding per check id.
pub fn assess(
    host: &HostInfo,
    stdout: &[u8],
    th: &HostThresholds,
    now: time::OffsetDateTime,
) -> Vec<Finding> {
    let parsed = if host.detect_os {
        parse::parse_any(stdout)
    } else {
        parse::parse(stdout, host.os)
    };
    match parsed {
        Ok(facts) => {
            let mut detected = host.clone();
            detected.os = facts.os;
            judge::judge(&detected, &facts, th, now)
        }
        Err(e) => unreachable_findings(
            host,
            "the check program's answer could not be read",
            &e.to_string(),
        ),
    }
}
