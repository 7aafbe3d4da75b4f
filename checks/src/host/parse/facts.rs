//! The facts a host probe reports, OS-neutral: virus protection, updates, encryption, removable
//! storage, screen lock and installed software. `None` is a fact that could not be read.

use time::OffsetDateTime;

use crate::host::OsFamily;

/// Virus protection as read on the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Antivirus {
    /// The product: `ClamAV`, `Microsoft Defender`, `XProtect`, or a third-party display name.
    pub product: Option<String>,
    /// Whether any anti-virus product was found at all.
    pub installed: Option<bool>,
    /// Whether it is switched on (Defender service and antivirus; for ClamAV, a database is present).
    pub enabled: Option<bool>,
    /// Whether on-access (real-time) scanning is on. Only Windows reports it.
    pub real_time: Option<bool>,
    pub signature_version: Option<String>,
    /// When the signatures were built or installed.
    pub signatures_updated: Option<OffsetDateTime>,
    /// Whether the product itself says its signatures are current (Security Center only).
    pub signatures_current: Option<bool>,
    /// When none was found: what was looked for, in words.
    pub looked_for: Option<String>,
    /// Why the definitions' age cannot be read on the machine (the product keeps it elsewhere).
    pub age_unknown_reason: Option<String>,
    /// The product uses no signature files at all (CrowdStrike Falcon: cloud and on-sensor models).
    pub no_signatures: bool,
    /// Raw values, for evidence.
    pub evidence: Vec<(String, String)>,
}

/// Operating-system updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Updates {
    /// When updates were last installed.
    pub last_installed: Option<OffsetDateTime>,
    /// Updates waiting to be installed, where cheap to count.
    pub pending: Option<u64>,
    /// Why the updates waiting were not counted (apt was stopped, failed or is missing).
    pub pending_unknown: Option<String>,
    /// How many of those come from a security archive.
    pub pending_security: Option<u64>,
    /// The first security updates waiting, by package name.
    pub pending_security_names: Vec<String>,
    /// Package logs were read and none records an upgrade (only installs or removals).
    pub no_upgrade_recorded: bool,
    pub evidence: Vec<(String, String)>,
}

/// Encryption of the system disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encryption {
    /// `LUKS`, `BitLocker`, `FileVault`.
    pub method: Option<String>,
    /// True only when the system disk is fully encrypted and protected.
    pub system_encrypted: Option<bool>,
    /// Encryption has started but not finished.
    pub in_progress: bool,
    pub evidence: Vec<(String, String)>,
}

/// Removable-storage controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removable {
    /// USB storage cannot be used at all (driver disabled, device policy, USBGuard).
    pub blocked: Option<bool>,
    /// Writing is denied (to all removable disks, or to those not encrypted with BitLocker).
    pub write_denied: Option<bool>,
    /// Removable drives are scanned by the anti-virus (Defender's full-scan setting).
    pub scanned: Option<bool>,
    pub evidence: Vec<(String, String)>,
}

/// Screen lock and auto-logon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenLock {
    /// Seconds of inactivity before the screen locks (idle delay plus any lock grace delay).
    pub lock_after_secs: Option<u64>,
    /// Whether a password is asked for when the screen comes back.
    pub locks: Option<bool>,
    /// Whether users are prevented from changing it (dconf locks, machine policy).
    pub enforced: Option<bool>,
    /// Whether the machine logs a user in automatically at start-up.
    pub auto_logon: Option<bool>,
    /// Whether the machine has a graphical desktop at all (Linux servers often do not).
    pub graphical: Option<bool>,
    /// What decided the automatic-login fact (the settings read), for its own finding.
    pub auto_logon_evidence: Option<String>,
    /// The screen locker that decided (`GNOME`, `KDE Plasma`, `light-locker`…).
    pub desktop: Option<String>,
    /// A desktop none of whose screen lockers is known: what was looked for.
    pub looked_for: Option<String>,
    pub evidence: Vec<(String, String)>,
}

/// One installed package or application.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Installed on purpose (`apt-mark showmanual`) rather than pulled in as a dependency; `None`
    /// where the package manager does not say.
    pub manual: Option<bool>,
    /// dpkg's Priority (`required`, `important`, `standard`, `optional`).
    pub priority: Option<String>,
    /// dpkg's Section (`tasks`, `kernel`, `web`…).
    pub section: Option<String>,
}

/// Installed software.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Software {
    /// `dpkg`, `rpm`, `uninstall-registry`, `applications-folder`.
    pub manager: Option<String>,
    pub packages: Vec<Package>,
    /// How many the host says are installed (may exceed `packages.len()` when capped).
    pub total: Option<u64>,
    /// True when the list was cut short by the probe's cap.
    pub truncated: bool,
    /// Whether apt's automatic/manual marks were read (`/var/lib/apt/extended_states`).
    pub marks_known: bool,
    /// Whether apt's package lists were there to tell archive packages from others.
    pub origin_known: bool,
    /// Packages from no archive apt knows (`dpkg -i`, a vendor's .deb).
    pub local: Vec<String>,
    /// Software installed outside the package manager: `snap NAME`, `flatpak ID`, `/opt/DIR`.
    pub outside: Vec<String>,
}

/// Every fact a host probe reported, OS-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// The probe's version string (`caretaker-linux/1`).
    pub probe: String,
    pub os: OsFamily,
    pub hostname: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    /// When the probe ran, by the host's clock.
    pub collected_at: Option<OffsetDateTime>,
    pub antivirus: Antivirus,
    pub updates: Updates,
    pub encryption: Encryption,
    pub removable: Removable,
    pub screen_lock: ScreenLock,
    /// `None` when the probe could not list software.
    pub software: Option<Software>,
    /// Things the probe or the parser could not read, in plain words.
    pub problems: Vec<String>,
}

impl HostFacts {
    pub(super) fn empty(probe: String, os: OsFamily) -> Self {
        HostFacts {
            probe,
            os,
            hostname: None,
            os_name: None,
            os_version: None,
            collected_at: None,
            antivirus: Antivirus::default(),
            updates: Updates::default(),
            encryption: Encryption::default(),
            removable: Removable::default(),
            screen_lock: ScreenLock::default(),
            software: None,
            problems: Vec::new(),
        }
    }
}
