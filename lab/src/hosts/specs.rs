//! Each school's machines: name, OS, roles, and what each holds (a Linux file tree, a Riverside
//! machine's tree, or the recorded output a simulated machine answers with).

use time::OffsetDateTime;

use super::simulated::{art_macbook, ict_suite, office_pc};
use crate::School;

/// What a Linux machine's file tree holds (everything else compliant).
#[derive(Debug, Clone, Copy)]
pub(super) struct LinuxTree {
    pub(super) av_age_days: i64,
    pub(super) usb_blocked: bool,
    pub(super) screen_lock: bool,
    /// Steam installed besides the approved programs.
    pub(super) unapproved: bool,
}

/// The Linux machines' approved programs (the `[hosts.allowed_software]` list is these names).
pub(crate) const LINUX_APPROVED: &[(&str, &str)] = &[
    ("libreoffice-writer", "4:7.4.7-1+deb12u5"),
    ("firefox-esr", "128.5.0esr-1~deb12u1"),
    ("scratch", "1.4.0.6~dfsg1-6"),
    ("gcompris-qt", "3.1-2"),
    ("tuxpaint", "1:0.9.28-1"),
];

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Linux(LinuxTree),
    /// A Riverside machine: a full Debian package database and its own desktop.
    Riverside(RiversideTree),
    /// The recorded output this machine answers with, its dates moved to the lab's start.
    Simulated(fn(OffsetDateTime) -> String),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Spec {
    pub(super) name: &'static str,
    pub(super) os: &'static str,
    /// Written as `os = "auto"` in the school's configuration (caretaker detects it).
    pub(super) detect_os: bool,
    pub(super) roles: &'static [&'static str],
    pub(super) kind: Kind,
}

pub(super) const COMPLIANT: LinuxTree = LinuxTree {
    av_age_days: 0,
    usb_blocked: true,
    screen_lock: true,
    unapproved: false,
};

/// The school's machines. Linux machines are desktops: their encryption fact comes from the real
/// `lsblk` of the machine the lab runs on, so only desktops (not required to be encrypted) give a
/// predictable result.
pub(super) const EXAMPLE_SPECS: &[Spec] = &[
    Spec {
        name: "library-pc",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Linux(LinuxTree {
            av_age_days: 9,
            ..COMPLIANT
        }),
    },
    Spec {
        name: "staffroom-pc",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Linux(LinuxTree {
            screen_lock: false,
            ..COMPLIANT
        }),
    },
    Spec {
        name: "classroom-1",
        os: "linux",
        detect_os: true,
        roles: &["desktop"],
        kind: Kind::Linux(LinuxTree {
            usb_blocked: false,
            unapproved: true,
            ..COMPLIANT
        }),
    },
    Spec {
        name: "office-pc",
        os: "windows",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Simulated(office_pc),
    },
    Spec {
        name: "ict-suite-01",
        os: "windows",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Simulated(ict_suite),
    },
    Spec {
        name: "art-macbook",
        os: "macos",
        detect_os: false,
        roles: &["laptop"],
        kind: Kind::Simulated(art_macbook),
    },
];

/// How a Riverside machine's desktop locks and logs in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Desk {
    /// GNOME with the lock set in a compiled dconf database, locked down; GDM without
    /// automatic login.
    Gnome,
    /// KDE Plasma locking after 10 minutes (kscreenlockerrc, immutable) and SDDM with an empty
    /// `[Autologin]` `User=`.
    Kde,
    /// LightDM with Xfce and light-locker.
    LightDm {
        /// `autologin-user=kiosk` (else the line is commented out).
        autologin: bool,
        /// An autostart entry running `xset s off; xset -dpms`.
        screensaver_off: bool,
    },
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Av {
    ClamAv,
    /// Microsoft Defender for Endpoint: a stand-in `mdatp` printing checks/fixtures/host/
    /// mdatp-health.txt (the command cannot run without Microsoft's tenant).
    Mdatp,
}

/// A Riverside machine's file tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct RiversideTree {
    pub(super) desk: Desk,
    pub(super) av: Av,
    /// Days since the last upgrade.
    pub(super) upgrade_days: i64,
    /// The upgrade is only in the rotated logs (history.log.1.gz, dpkg.log.1); the current
    /// ones hold a later install.
    pub(super) rotated: bool,
    /// Updates waiting in the machine's package lists: (all, from the security archive).
    pub(super) pending: (usize, usize),
    /// Programs installed on purpose from the archive (apt marks them manual).
    pub(super) manual: &'static [(&'static str, &'static str, &'static str)],
    /// Valve's steam-launcher installed with `dpkg -i` (from no archive).
    pub(super) steam: bool,
}

/// Riverside's approved programs (`[hosts.allowed_software] linux`).
pub(crate) const RIVERSIDE_APPROVED: &[&str] = &[
    "mdatp",
    "firefox-esr",
    "libreoffice-*",
    "scratch",
    "tuxpaint",
    "gcompris-qt",
];

pub(super) const CLASSROOM: &[(&str, &str, &str)] = &[
    ("firefox-esr", "128.5.0esr-1~deb12u1", "web"),
    ("libreoffice-writer", "4:7.4.7-1+deb12u5", "editors"),
    ("scratch", "1.4.0.6~dfsg1-6", "education"),
    ("tuxpaint", "1:0.9.28-1", "graphics"),
];

pub(super) const RIVERSIDE: RiversideTree = RiversideTree {
    desk: Desk::Gnome,
    av: Av::ClamAv,
    upgrade_days: 2,
    rotated: false,
    pending: (0, 0),
    manual: CLASSROOM,
    steam: false,
};

/// Riverside Primary Academy's machines: all Linux, built unlike St. Example's.
pub(super) const RIVERSIDE_SPECS: &[Spec] = &[
    Spec {
        name: "hall-kiosk",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            desk: Desk::LightDm {
                autologin: true,
                screensaver_off: true,
            },
            manual: &[("firefox-esr", "128.5.0esr-1~deb12u1", "web")],
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "library-02",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            desk: Desk::LightDm {
                autologin: false,
                screensaver_off: false,
            },
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "staff-kde-01",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            desk: Desk::Kde,
            av: Av::Mdatp,
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "y5-laptop-03",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            upgrade_days: 40,
            rotated: true,
            pending: (22, 5),
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "y5-laptop-04",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            upgrade_days: 5,
            rotated: true,
            pending: (2, 0),
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "ict-07",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RiversideTree {
            steam: true,
            ..RIVERSIDE
        }),
    },
    Spec {
        name: "ict-08",
        os: "linux",
        detect_os: false,
        roles: &["desktop"],
        kind: Kind::Riverside(RIVERSIDE),
    },
];

pub(super) fn specs(school: School) -> &'static [Spec] {
    match school {
        School::Example => EXAMPLE_SPECS,
        School::Riverside => RIVERSIDE_SPECS,
    }
}
