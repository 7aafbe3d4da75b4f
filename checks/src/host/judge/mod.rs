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

pub const ANTIVIRUS: &str = super::ANTIVIRUS.id;
pub const UPDATES: &str = super::UPDATES.id;
pub const ENCRYPTION: &str = super::ENCRYPTION.id;
pub const REMOVABLE_MEDIA: &str = super::REMOVABLE_MEDIA.id;
pub const SCREEN_LOCK: &str = super::SCREEN_LOCK.id;
pub const AUTO_LOGON: &str = super::AUTO_LOGON.id;
pub const SOFTWARE: &str = super::SOFTWARE.id;

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
        OsFamily::Linux => "Install the school's anti-virus product and make sure its service runs at start-up (for ClamAV: `apt-get install clamav clamav-freshclam && systemctl enable --now clamav-freshclam`; for Microsoft Defender for Endpoint: `mdatp config real-time-protection --value enabled`; for ESET, Sophos, Trellix or CrowdStrike: reinstall or re-enable it from its management console).",
        OsFamily::Macos => "Re-enable automatic security updates: System Settings → General → Software Update → Automatic Updates → \"Install Security Responses and system files\".",
    };
    match av.installed {
        None => return unknown(ANTIVIRUS, host, facts, ev, "which anti-virus is installed"),
        Some(false) => {
            let summary = match &av.looked_for {
                Some(what) => {
                    ev.push("looked_for", what);
                    format!("This computer has no virus protection: no anti-virus found (looked for {what}).")
                }
                None => "This computer has no virus protection.".to_string(),
            };
            return Finding::new(
                ANTIVIRUS,
                target,
                Status::Fail,
                Severity::Critical,
                summary,
                ev,
            )
            .fix(fix_enable);
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
    if av.no_signatures {
        return Finding::new(
            ANTIVIRUS,
            target,
            Status::Pass,
            Severity::Info,
            format!("Virus protection ({product}) is running; it uses no signature files that could go out of date."),
            ev,
        );
    }
    if let Some(why) = &av.age_unknown_reason {
        ev.push("definitions_age", why);
        return Finding::new(
            ANTIVIRUS,
            target,
            Status::Warn,
            Severity::Low,
            format!("Virus protection ({product}) is running, but how old its definitions are can only be seen in its own console."),
            ev,
        )
        .fix(format!("Check in {product}'s management console that this computer's definitions updated in the last day."));
    }
    let fix_update = match host.os {
        OsFamily::Windows => "Update the signatures now (`Update-MpSignature` as admin) and check the machine can reach Windows Update or your WSUS server; Defender should update at least daily.",
        OsFamily::Linux if product == "ClamAV" => "Run `freshclam` and check `journalctl -u clamav-freshclam` for errors (proxy, DNS, rate limiting); freshclam should update at least daily.",
        OsFamily::Linux => "Update the product's definitions now (Microsoft Defender for Endpoint: `mdatp definitions update`; ESET: `/opt/eset/eea/bin/upd --update`) and check the computer can reach the vendor's update servers.",
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
            if host.os == OsFamily::Macos || (host.os == OsFamily::Linux && product != "ClamAV") {
                format!(
                    "Virus protection ({product}) is on and its definitions were updated {} ago.",
                    age_text(age)
                )
            } else {
                format!("Virus protection ({product}) is on and was updated in the last day.")
            },
            ev,
        )
    }
}

/// "22 updates are waiting, 5 of them security updates (openssl, …)", or "" when none or unknown.
fn waiting_text(u: &super::parse::Updates) -> String {
    let Some(n) = u.pending.filter(|n| *n > 0) else {
        return String::new();
    };
    let sec = u.pending_security.unwrap_or(0);
    let names = if u.pending_security_names.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = u
            .pending_security_names
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        format!(": {}{}", shown.join(", "), if sec > 3 { ", …" } else { "" })
    };
    match sec {
        0 => format!(
            " {n} update{} {} waiting.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" }
        ),
        s => format!(
            " {s} security update{} {} waiting{names}, and {} other{}.",
            if s == 1 { "" } else { "s" },
            if s == 1 { "is" } else { "are" },
            n.saturating_sub(s),
            if n.saturating_sub(s) == 1 { "" } else { "s" }
        ),
    }
}

fn updates(
    host: &HostInfo,
    facts: &HostFacts,
    th: &HostThresholds,
    now: OffsetDateTime,
) -> Finding {
    let u = &facts.updates;
    let mut ev = evidence(host, facts, &u.evidence);
    let fix = match host.os {
        OsFamily::Windows => "Open Settings → Windows Update and install all updates (or approve them in WSUS/Intune), then restart; check the Windows Update service is not disabled.",
        OsFamily::Linux => "Run `apt-get update && apt-get upgrade` (or `dnf upgrade`) and enable unattended upgrades: `apt-get install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades`.",
        OsFamily::Macos => "Run `sudo softwareupdate -ia` and turn on System Settings → General → Software Update → Automatic Updates.",
    };
    let waiting = waiting_text(u);
    if u.no_upgrade_recorded {
        return Finding::new(
            UPDATES,
            host.target(),
            Status::Fail,
            Severity::High,
            format!("No update of this computer's software is recorded in its package logs (apt's history and dpkg.log, older rotated logs included).{waiting}"),
            ev,
        )
        .fix(fix);
    }
    let Some(last) = u.last_installed else {
        return unknown(UPDATES, host, facts, ev, "when updates were last installed");
    };
    let days = (now - last).whole_days().max(0);
    ev.push("days_since_last_install", days);
    let max = i64::try_from(th.update_max_days).unwrap_or(i64::MAX);
    if days > max {
        Finding::new(
            UPDATES,
            host.target(),
            Status::Fail,
            Severity::High,
            format!(
                "No updates have been installed on this computer for {days} days (the limit is {}).{waiting}",
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
                "Updates were installed on this computer {days} day{} ago, within the {}-day limit.{waiting}",
                if days == 1 { "" } else { "s" },
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
    if let Some(d) = &sl.desktop {
        ev.push("screen_locker", d);
    }
    let fix = match (host.os, sl.desktop.as_deref()) {
        (OsFamily::Windows, _) => "Set Group Policy Computer Configuration → Windows Settings → Security Settings → Local Policies → Security Options → \"Interactive logon: Machine inactivity limit\" to 900 seconds or less.".to_string(),
        (OsFamily::Macos, _) => "Deploy a configuration profile for com.apple.screensaver with idleTime 900 or less, askForPassword 1 and askForPasswordDelay 0.".to_string(),
        (OsFamily::Linux, Some("KDE Plasma")) => "Put `[Daemon][$i]` with `Autolock=true`, `LockOnResume=true` and `Timeout=10` (minutes) in /etc/xdg/kscreenlockerrc, so every user's Plasma session locks and users cannot change it.".to_string(),
        (OsFamily::Linux, Some("light-locker")) => "Remove `xset s off` (and `-s 0` from LightDM's xserver-command) from what the session runs at start, so the X screen saver starts after 10 minutes idle and light-locker locks the screen; keep light-locker in /etc/xdg/autostart.".to_string(),
        (OsFamily::Linux, Some("xscreensaver")) => "Set `*timeout: 0:10:00` and `*lock: True` in /etc/X11/app-defaults/XScreenSaver (and in /etc/skel/.xscreensaver for new users).".to_string(),
        (OsFamily::Linux, Some("Cinnamon")) => "Create /etc/dconf/db/local.d/00-screensaver with `[org/cinnamon/desktop/session]` `idle-delay=uint32 600` and `[org/cinnamon/desktop/screensaver]` `lock-enabled=true`, lock both keys in /etc/dconf/db/local.d/locks/screensaver, make sure /etc/dconf/profile/user has `user-db:user` and `system-db:local`, then run `dconf update`.".to_string(),
        (OsFamily::Linux, Some("MATE")) => "Create /etc/dconf/db/local.d/00-screensaver with `[org/mate/session]` `idle-delay=10` (minutes) and `[org/mate/screensaver]` `lock-enabled=true` and `idle-activation-enabled=true`, lock those keys in /etc/dconf/db/local.d/locks/screensaver, make sure /etc/dconf/profile/user has `system-db:local`, then run `dconf update`.".to_string(),
        (OsFamily::Linux, _) => "Create /etc/dconf/db/local.d/00-screensaver with `[org/gnome/desktop/session]` `idle-delay=uint32 900` and `[org/gnome/desktop/screensaver]` `lock-enabled=true` `lock-delay=uint32 0`, lock those keys in /etc/dconf/db/local.d/locks/screensaver, make sure /etc/dconf/profile/user has `user-db:user` and `system-db:local`, then run `dconf update` (the settings take effect only once compiled).".to_string(),
    };
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
        None => {
            if let Some(what) = &sl.looked_for {
                ev.push("looked_for", what);
                let mut ev = ev;
                for p in facts.problems.iter().take(10) {
                    ev.push("probe_problem", p);
                }
                return Finding::error(
                    SCREEN_LOCK,
                    host.target(),
                    format!(
                        "{}: the desktop on it is not one caretaker knows ({what}).",
                        could_not(SCREEN_LOCK)
                    ),
                    ev,
                )
                .fix("Check the screen lock on this computer by hand (leave it idle and see that it locks within the limit), and set it in the desktop's system-wide settings.");
            }
            unknown(SCREEN_LOCK, host, facts, ev, "the screen-lock settings")
        }
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

fn auto_logon(host: &HostInfo, facts: &HostFacts) -> Finding {
    let sl = &facts.screen_lock;
    let mut ev = evidence(host, facts, &[]);
    match host.os {
        OsFamily::Windows => {
            for (k, v) in sl
                .evidence
                .iter()
                .filter(|(k, _)| k.contains("AutoAdminLogon"))
            {
                ev.push(k.clone(), v);
            }
        }
        OsFamily::Macos => {
            for (k, v) in sl
                .evidence
                .iter()
                .filter(|(k, _)| k.contains("autoLoginUser"))
            {
                ev.push(k.clone(), v);
            }
        }
        OsFamily::Linux => {
            if let Some(a) = &sl.auto_logon_evidence {
                ev.push("display_manager", a);
            }
        }
    }
    let fix = match host.os {
        OsFamily::Windows => "Set AutoAdminLogon to 0 under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon and delete DefaultPassword there (or by Group Policy Preferences); a kiosk should use Assigned Access with its own locked-down account instead.",
        OsFamily::Macos => "Turn off automatic login (System Settings → Users & Groups → Automatically log in as: Off), or deploy a profile with com.apple.loginwindow DisableAutoLoginClient.",
        OsFamily::Linux => "Turn off automatic login: remove or comment out `autologin-user=` in /etc/lightdm/lightdm.conf and /etc/lightdm/lightdm.conf.d/*.conf, set `AutomaticLoginEnable=false` in /etc/gdm3/daemon.conf, or empty `User=` under `[Autologin]` in /etc/sddm.conf and /etc/sddm.conf.d/*.conf.",
    };
    match sl.auto_logon {
        None | Some(false) if host.os == OsFamily::Linux && sl.graphical == Some(false) => Finding::new(
            AUTO_LOGON,
            host.target(),
            Status::Pass,
            Severity::Info,
            "This computer has no graphical login, so it cannot log anyone in by itself.",
            ev,
        ),
        None => unknown(AUTO_LOGON, host, facts, ev, "the automatic-login setting"),
        Some(true) => Finding::new(
            AUTO_LOGON,
            host.target(),
            Status::Fail,
            Severity::High,
            "This computer logs itself in automatically when switched on, so anyone can use it without a password.",
            ev,
        )
        .fix(fix),
        Some(false) => Finding::new(
            AUTO_LOGON,
            host.target(),
            Status::Pass,
            Severity::Info,
            "This computer asks for a password when it is switched on; it does not log anyone in by itself.",
            ev,
        ),
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

/// True for a package that came with the operating system rather than from a person: dpkg
/// priority required, important or standard (the base system every install has), the installer's
/// tasks and metapackages (section `tasks`, `metapackages`), the kernel (section `kernel`) and
/// the boot loader the installer put there (`grub-*`, `shim-*`).
pub fn is_os_package(p: &Package) -> bool {
    let prio = p.priority.as_deref().unwrap_or("");
    let section = p.section.as_deref().unwrap_or("");
    let section = section.rsplit('/').next().unwrap_or(section);
    matches!(prio, "required" | "important" | "standard")
        || matches!(section, "tasks" | "metapackages" | "kernel")
        || p.name.starts_with("grub-")
        || p.name.starts_with("shim-")
}

/// What a person installed on a Linux machine, as names: packages marked manual that are not the
/// OS's own, packages from no archive, and software outside the package manager (snaps that were
/// not seeded with the OS, flatpaks, folders in /opt). Each with its version where known.
pub fn installed_by_hand(sw: &super::parse::Software) -> Vec<Package> {
    let mut out: Vec<Package> = sw
        .packages
        .iter()
        .filter(|p| {
            sw.local.iter().any(|l| l == &p.name) || (p.manual == Some(true) && !is_os_package(p))
        })
        .cloned()
        .collect();
    for o in &sw.outside {
        out.push(Package {
            name: o.clone(),
            ..Package::default()
        });
    }
    out
}

/// The name a glob is matched against: `snap firefox` → `firefox`, `/opt/google` → `google`.
fn match_name(name: &str) -> &str {
    if let Some(n) = name
        .strip_prefix("snap ")
        .or_else(|| name.strip_prefix("flatpak "))
    {
        n
    } else if name.starts_with("/opt/") {
        name.rsplit('/').next().unwrap_or(name)
    } else {
        name
    }
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
    // On Linux the OS's own packages are approved by default: what is judged is what a person
    // installed.
    let by_hand = host.os == OsFamily::Linux && sw.marks_known;
    let judged: Vec<Package> = if by_hand {
        ev.push(
            "judged",
            "what a person installed: packages marked manual (apt-mark showmanual) that are not the OS's own, packages from no archive, snaps, flatpaks and /opt; the OS's own packages (priority required/important/standard, tasks, kernel, boot loader) are approved by default",
        );
        if !sw.origin_known {
            ev.push(
                "origin",
                "no apt package lists on the machine, so packages installed from outside the archive could not be told apart (only the manual marks were used)",
            );
        }
        for l in sw.local.iter().take(MAX_NAMED) {
            ev.push("from_no_archive", l);
        }
        let j = installed_by_hand(sw);
        ev.push("installed_by_hand", j.len());
        j
    } else {
        if host.os == OsFamily::Linux {
            ev.push(
                "judged",
                "every installed package (apt's manual marks could not be read)",
            );
        }
        sw.packages.clone()
    };
    let key = format!("hosts.allowed_software.{}", host.os.as_str());
    let what = if by_hand { " installed by hand" } else { "" };
    let globs = th.software_allow(host.os);
    if globs.is_empty() {
        return Finding::new(
            SOFTWARE,
            host.target(),
            Status::Warn,
            Severity::Low,
            format!(
                "No list of approved software has been agreed for {} computers, so the {} program{}{what} on this one {} not compared with it.",
                host.os.as_str(),
                judged.len(),
                if judged.len() == 1 { "" } else { "s" },
                if judged.len() == 1 { "was" } else { "were" },
            ),
            ev,
        )
        .fix(format!(
            "Add the approved names (globs such as \"firefox*\") to `{key}` in caretaker.toml."
        ));
    }
    let (set, bad) = compile_allowlist(globs);
    for b in &bad {
        ev.push("bad_glob", b);
    }
    let mut extra: Vec<&Package> = judged
        .iter()
        .filter(|p| !set.is_match(match_name(&p.name)))
        .collect();
    extra.sort();
    extra.dedup();
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
        let summary = if sw.truncated {
            "All the software listed on this computer is approved, but the list was too long to read in full.".to_string()
        } else if by_hand {
            format!(
                "All {} program{} installed by hand on this computer {} on the approved list; the rest is the operating system's own.",
                judged.len(),
                if judged.len() == 1 { "" } else { "s" },
                if judged.len() == 1 { "is" } else { "are" }
            )
        } else {
            "All the software installed on this computer is on the approved list.".to_string()
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
            summary,
            ev,
        );
        return if status == Status::Pass {
            f
        } else {
            f.fix(format!(
                "Fix the invalid globs named in the evidence (in `{key}`), or raise the probe's list cap."
            ))
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
        OsFamily::Linux => "remove it (`apt-get remove <package>`, `snap remove <name>` or `flatpak uninstall <id>`)",
        OsFamily::Macos => "delete it from /Applications",
    };
    Finding::new(
        SOFTWARE,
        host.target(),
        Status::Fail,
        Severity::Medium,
        format!(
            "{} program{}{what} on this computer {} not on the approved list: {}{more}.",
            extra.len(),
            if extra.len() == 1 { "" } else { "s" },
            if extra.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ),
        ev,
    )
    .fix(format!(
        "For each program named under \"unapproved\": if it is needed, add it to `{key}` in caretaker.toml; otherwise {uninstall} and find out who installed it."
    ))
}
