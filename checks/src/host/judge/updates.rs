//! The updates check: how long since updates were last installed, and how many are waiting
//! (security updates named).

use time::OffsetDateTime;

use super::{evidence, unknown, HostThresholds, UPDATES};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

/// "22 updates are waiting, 5 of them security updates (openssl, …)", "" when none, or that they
/// could not be counted.
fn waiting_text(u: &crate::host::parse::Updates) -> String {
    if u.pending.is_none() && u.pending_unknown.is_some() {
        return " How many updates are waiting could not be counted.".into();
    }
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

pub(super) fn updates(
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
