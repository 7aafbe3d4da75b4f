//! The anti-virus check: a product is installed, scans on access and its signatures are recent,
//! read per OS from what each probe found.

use time::OffsetDateTime;

use super::{age_text, evidence, unknown, HostThresholds, ANTIVIRUS};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{format_rfc3339, Finding, Severity, Status};

pub(super) fn antivirus(
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
