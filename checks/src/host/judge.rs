//! Pure functions from a host's facts, [`HostThresholds`] and `now` to findings: exactly one
//! finding per check id in [`super::CHECK_IDS`], in that order.
//!
//! Every summary is one sentence a headteacher understands; the evidence holds what was read; every
//! finding that is not a pass says what to do. A fact the probe could not read is an `error`
//! ("Could not tell whether …"), never a pass.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::parse::{clip, HostFacts, Package};
use super::{could_not, HostInfo, OsFamily};
use crate::model::{format_rfc3339, Evidence, Finding, Severity, Status};

pub const ANTIVIRUS: &str = "host.antivirus";
pub const UPDATES: &str = "host.updates";
pub const ENCRYPTION: &str = "host.encryption";
pub const REMOVABLE_MEDIA: &str = "host.removable-media";
pub const SCREEN_LOCK: &str = "host.screen-lock";
pub const SOFTWARE: &str = "host.software";

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
        software(host, facts, th),
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
    if hours < 48 {
        format!("{hours} hours")
    } else {
        format!("{} days", hours / 24)
    }
}

fn antivirus(
    host: &HostInfo,
    facts: &HostFacts,
    th: &HostThresholds,
    now: OffsetDateTime,
) -> Finding {
    let av = &facts.antivirus;
    let mut ev = evidence(host, facts, &av.evidence);
    let product = av.product.clone().unwrap_or_else(|| "anti-virus".into());
    let target = host.target();
    let fix_enable = match host.os {
        OsFamily::Windows => "Turn on Microsoft Defender Antivirus and real-time protection (PowerShell as admin: `Set-MpPreference -DisableRealtimeMonitoring $false`; check Group Policy \"Turn off Microsoft Defender Antivirus\" is not enabled), or fix the third-party product named in the evidence.",
        OsFamily::Linux => "Install and start ClamAV's updater: `apt-get install clamav clamav-freshclam && systemctl enable --now clamav-freshclam`.",
        OsFamily::Macos => "Re-enable automatic security updates: System Settings → General → Software Update → Automatic Updates → \"Install Security Responses and system files\".",
    };
    match av.installed {
        None => return unknown(ANTIVIRUS, host, facts, ev, "which anti-virus is installed"),
        Some(false) => {
            return Finding::new(
                ANTIVIRUS,
                target,
                Status::Fail,
                Severity::Critical,
                "This computer has no virus protection.",
                ev,
            )
            .fix(fix_enable)
        }
        Some(true) => {}
    }
    match av.enabled {
        None => {
            return unknown(
                ANTIVIRUS,
                host,
                facts,
                ev,
                &format!("whether {product} is switched on"),
            )
        }
        Some(false) => {
            return Finding::new(
                ANTIVIRUS,
                target,
                Status::Fail,
                Severity::Critical,
                format!(
                    "Virus protection ({product}) is installed but switched off on this computer."
                ),
                ev,
            )
            .fix(fix_enable)
        }
        Some(true) => {}
    }
    if host.os == OsFamily::Windows {
        match av.real_time {
            None => {
                return unknown(
                    ANTIVIRUS,
                    host,
                    facts,
                    ev,
                    "whether real-time protection is on",
                )
            }
            Some(false) => {
                return Finding::new(
                    ANTIVIRUS,
                    target,
                    Status::Fail,
                    Severity::High,
                    "Virus protection is on but does not check files as they are opened, so a virus can run before it is caught.",
                    ev,
                )
                .fix(fix_enable)
            }
            Some(true) => {}
        }
    }
    let fix_update = match host.os {
        OsFamily::Windows => "Update the signatures now (`Update-MpSignature` as admin) and check the machine can reach Windows Update or your WSUS server; Defender should update at least daily.",
        OsFamily::Linux => "Run `freshclam` and check `journalctl -u clamav-freshclam` for errors (proxy, DNS, rate limiting); freshclam should update at least daily.",
        OsFamily::Macos => "Run `softwareupdate --background-critical` (or `sudo softwareupdate -l`) and check the Mac can reach Apple's update servers.",
    };
    if let Some(current) = av.signatures_current {
        // Third-party products only say whether they think they are current.
        return if current {
            Finding::new(
                ANTIVIRUS,
                target,
                Status::Pass,
                Severity::Info,
                format!("Virus protection ({product}) is on and says it is up to date."),
                ev,
            )
        } else {
            Finding::new(
                ANTIVIRUS,
                target,
                Status::Fail,
                Severity::High,
                format!("Virus protection ({product}) is on but reports that it is out of date."),
                ev,
            )
            .fix(fix_update)
        };
    }
    let Some(updated) = av.signatures_updated else {
        return unknown(
            ANTIVIRUS,
            host,
            facts,
            ev,
            "when the virus signatures were last updated",
        );
    };
    let age = (now - updated).whole_seconds().max(0);
    ev.push("signatures_updated", format_rfc3339(updated));
    ev.push("signature_age_hours", age / 3600);
    let hours = |h: u64| i64::try_from(h.saturating_mul(3600)).unwrap_or(i64::MAX);
    let (warn, fail) = if host.os == OsFamily::Macos {
        let f = hours(th.xprotect_max_days.saturating_mul(24));
        (f, f)
    } else {
        (
            hours(th.signature_warn_hours),
            hours(th.signature_fail_hours),
        )
    };
    if age > fail {
        Finding::new(
            ANTIVIRUS,
            target,
            Status::Fail,
            Severity::High,
            format!(
                "Virus protection on this computer has not been updated for {}.",
                age_text(age)
            ),
            ev,
        )
        .fix(fix_update)
    } else if age > warn {
        Finding::new(
            ANTIVIRUS,
            target,
            Status::Warn,
            Severity::Medium,
            format!(
                "Virus protection on this computer was last updated {} ago, more than a day.",
                age_text(age)
            ),
            ev,
        )
        .fix(fix_update)
    } else {
        Finding::new(
            ANTIVIRUS,
            target,
            Status::Pass,
            Severity::Info,
            if host.os == OsFamily::Macos {
                format!(
                    "Virus protection ({product}) is on and was updated {} ago.",
                    age_text(age)
                )
            } else {
                format!("Virus protection ({product}) is on and was updated in the last day.")
            },
            ev,
        )
    }
}

fn updates(
    host: &HostInfo,
    facts: &HostFacts,
    th: &HostThresholds,
    now: OffsetDateTime,
) -> Finding {
    let mut ev = evidence(host, facts, &facts.updates.evidence);
    let Some(last) = facts.updates.last_installed else {
        return unknown(UPDATES, host, facts, ev, "when updates were last installed");
    };
    let days = (now - last).whole_days().max(0);
    ev.push("days_since_last_install", days);
    let max = i64::try_from(th.update_max_days).unwrap_or(i64::MAX);
    if days > max {
        let fix = match host.os {
            OsFamily::Windows => "Open Settings → Windows Update and install all updates (or approve them in WSUS/Intune), then restart; check the Windows Update service is not disabled.",
            OsFamily::Linux => "Run `apt-get update && apt-get upgrade` (or `dnf upgrade`) and enable unattended upgrades: `apt-get install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades`.",
            OsFamily::Macos => "Run `sudo softwareupdate -ia` and turn on System Settings → General → Software Update → Automatic Updates.",
        };
        Finding::new(
            UPDATES,
            host.target(),
            Status::Fail,
            Severity::High,
            format!(
                "No updates have been installed on this computer for {days} days (the limit is {}).",
                th.update_max_days
            ),
            ev,
        )
        .fix(fix)
    } else {
        Finding::new(
            UPDATES,
            host.target(),
            Status::Pass,
            Severity::Info,
            format!(
                "Updates were installed on this computer {days} days ago, within the {}-day limit.",
                th.update_max_days
            ),
            ev,
        )
    }
}

fn encryption(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
    let enc = &facts.encryption;
    let mut ev = evidence(host, facts, &enc.evidence);
    let required = th
        .encryption_required_roles
        .iter()
        .any(|r| host.has_role(r));
    ev.push("roles", host.roles.join(","));
    ev.push("encryption_required", required);
    let method = enc
        .method
        .clone()
        .unwrap_or_else(|| "disk encryption".into());
    match enc.system_encrypted {
        None => unknown(
            ENCRYPTION,
            host,
            facts,
            ev,
            &format!("the {method} status of the system disk"),
        ),
        Some(true) => Finding::new(
            ENCRYPTION,
            host.target(),
            Status::Pass,
            Severity::Info,
            format!("This computer's disk is encrypted ({method})."),
            ev,
        ),
        Some(false) if required => {
            let fix = match host.os {
                OsFamily::Windows => "Turn on BitLocker for the system drive (`Enable-BitLocker -MountPoint $env:SystemDrive -TpmProtector -EncryptionMethod XtsAes256`, or by Intune/Group Policy) and store the recovery key in AD/Entra ID; if encryption is in progress, let it finish and check again.",
                OsFamily::Macos => "Turn on FileVault (`sudo fdesetup enable`, or by MDM profile) and escrow the recovery key; if encryption is in progress, leave the Mac on power until it finishes.",
                OsFamily::Linux => "Reinstall with full-disk encryption (LUKS, the installer's \"encrypt\" option) after backing up; LUKS cannot safely be added to a mounted root filesystem.",
            };
            let summary = if enc.in_progress {
                "This laptop's disk is still being encrypted, so personal data on it is not yet protected if it is lost or stolen.".to_string()
            } else {
                "This laptop's disk is not encrypted, so personal data on it could be read if it is lost or stolen.".to_string()
            };
            Finding::new(
                ENCRYPTION,
                host.target(),
                Status::Fail,
                Severity::High,
                summary,
                ev,
            )
            .fix(fix)
        }
        Some(false) => Finding::new(
            ENCRYPTION,
            host.target(),
            Status::Pass,
            Severity::Info,
            "This computer's disk is not encrypted, which the policy allows because it does not leave the site.",
            ev,
        ),
    }
}

fn removable_media(host: &HostInfo, facts: &HostFacts) -> Finding {
    let rm = &facts.removable;
    let ev = evidence(host, facts, &rm.evidence);
    let scan_note = match rm.scanned {
        Some(false) => " Defender is also set not to scan removable drives (`Set-MpPreference -DisableRemovableDriveScanning $false` turns it on).",
        _ => "",
    };
    match (rm.blocked, rm.write_denied) {
        (None, _) => unknown(
            REMOVABLE_MEDIA,
            host,
            facts,
            ev,
            "the removable-storage settings",
        ),
        (Some(true), _) => Finding::new(
            REMOVABLE_MEDIA,
            host.target(),
            Status::Pass,
            Severity::Info,
            "USB memory sticks and other removable storage are blocked on this computer.",
            ev,
        ),
        (Some(false), Some(true)) => {
            let f = Finding::new(
                REMOVABLE_MEDIA,
                host.target(),
                if rm.scanned == Some(false) { Status::Warn } else { Status::Pass },
                if rm.scanned == Some(false) { Severity::Low } else { Severity::Info },
                "Removable storage can be read on this computer but nothing can be copied to it unless it is encrypted.",
                ev,
            );
            if rm.scanned == Some(false) {
                f.fix(scan_note.trim().to_string())
            } else {
                f
            }
        }
        (Some(false), _) => {
            let fix = match host.os {
                OsFamily::Windows => "Set Group Policy Computer Configuration → Administrative Templates → System → Removable Storage Access → \"All Removable Storage classes: Deny all access\" (or \"Removable Disks: Deny write access\"), or BitLocker \"Deny write access to removable drives not protected by BitLocker\".",
                OsFamily::Linux => "Block the USB storage driver: `echo 'install usb-storage /bin/false' > /etc/modprobe.d/caretaker-usb-storage.conf` (then `update-initramfs -u`), or install and enable USBGuard.",
                OsFamily::Macos => "Deploy an MDM restriction profile that denies or makes read-only external storage (com.apple.systemuiserver mount-controls, or the managed \"external storage\" restriction).",
            };
            Finding::new(
                REMOVABLE_MEDIA,
                host.target(),
                Status::Fail,
                Severity::Medium,
                "USB memory sticks can be used freely on this computer, without permission or encryption.",
                ev,
            )
            .fix(format!("{fix}{scan_note}"))
        }
    }
}

fn screen_lock(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
    let sl = &facts.screen_lock;
    let mut ev = evidence(host, facts, &sl.evidence);
    ev.push("limit_secs", th.screen_lock_max_secs);
    let fix = match host.os {
        OsFamily::Windows => "Set Group Policy Computer Configuration → Windows Settings → Security Settings → Local Policies → Security Options → \"Interactive logon: Machine inactivity limit\" to 900 seconds or less; remove AutoAdminLogon (set it to 0) under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon and delete DefaultPassword.",
        OsFamily::Linux => "Create /etc/dconf/db/local.d/00-screensaver with `[org/gnome/desktop/session]` `idle-delay=uint32 900` and `[org/gnome/desktop/screensaver]` `lock-enabled=true` `lock-delay=uint32 0`, lock those keys in /etc/dconf/db/local.d/locks/screensaver, then run `dconf update`; turn off automatic login in /etc/gdm3/daemon.conf.",
        OsFamily::Macos => "Deploy a configuration profile for com.apple.screensaver with idleTime 900 or less, askForPassword 1 and askForPasswordDelay 0; turn off automatic login (System Settings → Users & Groups).",
    };
    if sl.auto_logon == Some(true) {
        return Finding::new(
            SCREEN_LOCK,
            host.target(),
            Status::Fail,
            Severity::High,
            "This computer logs itself in automatically when switched on, so anyone can use it without a password.",
            ev,
        )
        .fix(fix);
    }
    if sl.auto_logon.is_none() {
        ev.push("auto_logon", "not checked on this OS");
    }
    if host.os == OsFamily::Linux && sl.graphical == Some(false) && sl.locks.is_none() {
        return Finding::new(
            SCREEN_LOCK,
            host.target(),
            Status::Warn,
            Severity::Low,
            "This computer has no desktop screen, so no screen-lock setting applies; check that console sessions are logged off.",
            ev,
        )
        .fix("Set `TMOUT=900` in /etc/profile.d/caretaker-tmout.sh (`readonly TMOUT=900; export TMOUT`) so idle shell sessions end.");
    }
    match sl.locks {
        None => unknown(SCREEN_LOCK, host, facts, ev, "the screen-lock settings"),
        Some(false) => Finding::new(
            SCREEN_LOCK,
            host.target(),
            Status::Fail,
            Severity::Medium,
            "This computer's screen does not lock by itself when it is left unattended.",
            ev,
        )
        .fix(fix),
        Some(true) => match sl.lock_after_secs {
            None => unknown(
                SCREEN_LOCK,
                host,
                facts,
                ev,
                "how long the screen waits before locking",
            ),
            Some(secs) if secs > th.screen_lock_max_secs => Finding::new(
                SCREEN_LOCK,
                host.target(),
                Status::Fail,
                Severity::Medium,
                format!(
                    "This computer's screen locks only after {} minutes unattended, longer than the {}-minute limit.",
                    secs.div_ceil(60),
                    th.screen_lock_max_secs / 60
                ),
                ev,
            )
            .fix(fix),
            Some(secs) if sl.enforced == Some(false) => Finding::new(
                SCREEN_LOCK,
                host.target(),
                Status::Warn,
                Severity::Low,
                format!(
                    "This computer's screen locks after {} minutes, but users can change the setting.",
                    secs.div_ceil(60)
                ),
                ev,
            )
            .fix(fix),
            Some(secs) => Finding::new(
                SCREEN_LOCK,
                host.target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "This computer's screen locks after {} minutes unattended.",
                    secs.div_ceil(60)
                ),
                ev,
            ),
        },
    }
}

/// Compiles case-insensitive globs; bad patterns are returned by text.
pub fn compile_allowlist(globs: &[String]) -> (GlobSet, Vec<String>) {
    let mut b = GlobSetBuilder::new();
    let mut bad = Vec::new();
    for g in globs {
        match GlobBuilder::new(g)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
        {
            Ok(glob) => {
                b.add(glob);
            }
            Err(_) => bad.push(g.clone()),
        }
    }
    let set = b.build().unwrap_or_else(|_| GlobSet::empty());
    (set, bad)
}

/// The packages no glob in `set` matches, sorted and without duplicates.
pub fn unapproved<'a>(set: &GlobSet, packages: &'a [Package]) -> Vec<&'a Package> {
    let mut out: Vec<&Package> = packages.iter().filter(|p| !set.is_match(&p.name)).collect();
    out.sort();
    out.dedup();
    out
}

fn software(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
    let mut ev = evidence(host, facts, &[]);
    let Some(sw) = &facts.software else {
        return unknown(SOFTWARE, host, facts, ev, "the list of installed software");
    };
    ev.push("manager", sw.manager.as_deref().unwrap_or("unknown"));
    ev.push("installed", sw.packages.len());
    if sw.truncated {
        ev.push(
            "truncated",
            format!(
                "only {} of {} listed",
                sw.packages.len(),
                sw.total.map_or("?".into(), |t| t.to_string())
            ),
        );
    }
    let globs = th.software_allow(host.os);
    if globs.is_empty() {
        return Finding::new(
            SOFTWARE,
            host.target(),
            Status::Warn,
            Severity::Low,
            format!(
                "No list of approved software has been agreed for {} computers, so the {} program{} on this one {} not compared with it.",
                host.os.as_str(),
                sw.packages.len(),
                if sw.packages.len() == 1 { "" } else { "s" },
                if sw.packages.len() == 1 { "was" } else { "were" },
            ),
            ev,
        )
        .fix(format!(
            "Add the approved names (globs such as \"firefox*\") to software_allow_{} in caretaker's host thresholds.",
            host.os.as_str()
        ));
    }
    let (set, bad) = compile_allowlist(globs);
    for b in &bad {
        ev.push("bad_glob", b);
    }
    let extra = unapproved(&set, &sw.packages);
    ev.push("unapproved_count", extra.len());
    for p in extra.iter().take(MAX_NAMED) {
        ev.push("unapproved", format!("{} {}", p.name, p.version).trim());
    }
    if extra.is_empty() {
        let status = if sw.truncated || !bad.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        let f = Finding::new(
            SOFTWARE,
            host.target(),
            status,
            if status == Status::Pass {
                Severity::Info
            } else {
                Severity::Low
            },
            if sw.truncated {
                "All the software listed on this computer is approved, but the list was too long to read in full."
            } else {
                "All the software installed on this computer is on the approved list."
            },
            ev,
        );
        return if status == Status::Pass {
            f
        } else {
            f.fix("Fix the invalid globs named in the evidence, or raise the probe's list cap.")
        };
    }
    let names: Vec<String> = extra.iter().take(3).map(|p| clip(&p.name, 60)).collect();
    let more = if extra.len() > 3 {
        format!(" and {} more", extra.len() - 3)
    } else {
        String::new()
    };
    let uninstall = match host.os {
        OsFamily::Windows => {
            "uninstall it (Settings → Apps, or `winget uninstall --name \"<name>\"`)"
        }
        OsFamily::Linux => "remove it (`apt-get remove <package>` or `dnf remove <package>`)",
        OsFamily::Macos => "delete it from /Applications",
    };
    Finding::new(
        SOFTWARE,
        host.target(),
        Status::Fail,
        Severity::Medium,
        format!(
            "{} program{} on this computer {} not on the approved list: {}{more}.",
            extra.len(),
            if extra.len() == 1 { "" } else { "s" },
            if extra.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ),
        ev,
    )
    .fix(format!(
        "For each program named under \"unapproved\": if it is needed, add it to software_allow_{} in caretaker's host thresholds; otherwise {uninstall} and find out who installed it.",
        host.os.as_str()
    ))
}
