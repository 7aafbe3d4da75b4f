//! The screen-lock check: the screen locks itself after at most the thresholds' time idle.

use super::{evidence, unknown, HostThresholds, SCREEN_LOCK};
use crate::host::parse::HostFacts;
use crate::host::{could_not, HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

pub(super) fn screen_lock(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
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
