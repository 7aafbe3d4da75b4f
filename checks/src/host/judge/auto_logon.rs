//! The auto-logon check: no account logs itself in at start-up without a password.

use super::{evidence, unknown, AUTO_LOGON};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

pub(super) fn auto_logon(host: &HostInfo, facts: &HostFacts) -> Finding {
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
