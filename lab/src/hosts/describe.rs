//! What the lab says of the machines: the host part of caretaker.toml, the README's section, and
//! the problems planted on them.

use std::fmt::Write as _;

use super::specs::{LINUX_APPROVED, RIVERSIDE_APPROVED};
use super::LabHost;
use crate::school::Planted;
use crate::School;

/// The host part of the school's caretaker.toml: `[hosts.allowed_software]` and one `[[host]]`
/// per machine. Riverside's says only what its network manager knows: addresses and the few
/// programs the school approved.
pub(crate) fn config_toml(hosts: &[LabHost], school: School) -> String {
    let mut s = String::new();
    match school {
        School::Example => {
            let linux: Vec<String> = LINUX_APPROVED
                .iter()
                .map(|(n, _)| format!("\"{n}\""))
                .collect();
            let _ = write!(
                s,
                "\n[hosts.allowed_software]\nlinux = [{}]\n\
                 windows = [\"Microsoft *\", \"Google Chrome\", \"7-Zip *\"]\n\
                 macos = [\"Safari\", \"Keynote\", \"Google Chrome\"]\n",
                linux.join(", ")
            );
        }
        School::Riverside => {
            let linux: Vec<String> = RIVERSIDE_APPROVED
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect();
            let _ = write!(
                s,
                "\n# The programs the school approved; the operating system's own packages are\n\
                 # approved by default.\n[hosts.allowed_software]\nlinux = [{}]\n",
                linux.join(", ")
            );
        }
    }
    for h in hosts {
        let roles: Vec<String> = h.roles().iter().map(|r| format!("\"{r}\"")).collect();
        let _ = write!(
            s,
            "\n[[host]]\nname = \"{}\"\naddress = \"{}\"\nport = {}\nos = \"{}\"\n\
             roles = [{}]\n",
            h.name(),
            h.address(),
            h.port(),
            h.configured_os(),
            roles.join(", ")
        );
        if h.simulated() {
            s.push_str("simulated = true\n");
        }
    }
    s
}

/// What README.txt says of the machines.
pub(crate) fn readme(school: School) -> &'static str {
    match school {
        School::Example => "The Linux machines run caretaker's real probe, but only against their own small file\n\
             tree: commands (findmnt, lsblk, systemctl) still describe the computer the lab runs\n\
             on, so their disk-encryption result is this computer's (they are desktops, which\n\
             need no encryption). The Windows and macOS machines are SIMULATED: recorded outputs\n\
             from checks/fixtures/host/, their dates moved to the lab's start (collected now;\n\
             Windows signatures 3 hours old, XProtect 1 day; macOS updates 25, 5 and 1 days\n\
             ago; last Windows hotfix 3 days ago) and one value changed each: office-pc\n\
             (windows-defender-docs.json, Windows Server 2022) AutoAdminLogon \"0\" -> \"1\"; ict-suite-01 (the same\n\
             file) last hotfix InstalledOn 40 days ago, hostname ICT-SUITE-01, and Windows 10\n\
             Education 22H2 (10.0.19045) instead of Server 2022; art-macbook (macos-filevault-on.json)\n\
             \"FileVault is On.\" -> \"FileVault is Off.\" and macOS Sonoma 14.7.1 -> Sequoia 15.1. Each Linux machine has its own package\n\
             database (var/lib/dpkg/status under its root) holding the approved programs, and\n\
             classroom-1's also holds Steam, which is not approved. classroom-1 is configured with\n\
             os = \"auto\": caretaker tells its operating system when it connects.\n\n",
        School::Riverside => "Every machine is Linux and runs caretaker's real probe against its own file tree\n\
             (hosts/<name>/root): a real Debian 12 package database (checks/fixtures/host/\n\
             debian12-dpkg-status, 695 packages) with apt's marks, apt package lists written from\n\
             it (so apt counts the updates waiting), and the machine's own desktop: GNOME with\n\
             a compiled dconf database, KDE Plasma with SDDM, or LightDM with Xfce and\n\
             light-locker. Commands (findmnt, lsblk, systemctl) still describe the computer the\n\
             lab runs on, so disk encryption is this computer's: the machines are configured as\n\
             desktops, which need no encryption, although two are Year 5 laptops. staff-kde-01's\n\
             Microsoft Defender for Endpoint is a stand-in `mdatp` printing\n\
             checks/fixtures/host/mdatp-health.txt. Not problems: library-02's automatic login is\n\
             commented out; y5-laptop-04's logs were rotated but it was upgraded 5 days ago; ict-08\n\
             has only approved programs installed by hand.\n\n",
    }
}

/// The problems planted on the machines.
pub(crate) fn planted(school: School) -> Vec<Planted> {
    let p = |check: &'static str, target: &str, what: &'static str| Planted {
        directory: "hosts",
        check,
        target: target.to_string(),
        what,
    };
    if school == School::Riverside {
        return vec![
            p(
                "host.auto-logon",
                "hall-kiosk",
                "hall-kiosk (Linux, LightDM): logs in by itself (autologin-user=kiosk in /etc/lightdm/lightdm.conf).",
            ),
            p(
                "host.screen-lock",
                "hall-kiosk",
                "hall-kiosk (Linux, Xfce with light-locker): never locks: an autostart entry runs `xset s off; xset -dpms`, so the X screen saver light-locker waits for never starts.",
            ),
            p(
                "host.updates",
                "y5-laptop-03",
                "y5-laptop-03 (Linux): last upgraded 40 days ago (only in the rotated history.log.1.gz and dpkg.log.1; the current logs hold a later install); 22 updates waiting, 5 from the security archive.",
            ),
            p(
                "host.software",
                "ict-07",
                "ict-07 (Linux): Valve's steam-launcher installed with dpkg -i (from no archive, marked manual), not approved.",
            ),
        ];
    }
    vec![
        p(
            "host.antivirus",
            "library-pc",
            "library-pc (Linux): the ClamAV signature database was built 9 days ago.",
        ),
        p(
            "host.screen-lock",
            "staffroom-pc",
            "staffroom-pc (Linux, GNOME): the screen never locks (dconf lock-enabled=false, idle-delay 0, nothing locked).",
        ),
        p(
            "host.removable-media",
            "classroom-1",
            "classroom-1 (Linux): USB storage is allowed (no modprobe rule, no USBGuard).",
        ),
        p(
            "host.software",
            "classroom-1",
            "classroom-1 (Linux): Steam (steam-installer) is installed and is not on the approved list.",
        ),
        p(
            "host.auto-logon",
            "office-pc",
            "office-pc (Windows, simulated): automatic logon is on (AutoAdminLogon \"1\").",
        ),
        p(
            "host.updates",
            "ict-suite-01",
            "ict-suite-01 (Windows, simulated): the last update was installed 40 days ago.",
        ),
        p(
            "host.supported",
            "ict-suite-01",
            "ict-suite-01 (Windows, simulated): runs Windows 10 Education 22H2, which stopped getting security updates on 14 October 2025 (office-pc's Windows Server 2022 is supported until 2031).",
        ),
        p(
            "host.encryption",
            "art-macbook",
            "art-macbook (macOS laptop, simulated): FileVault is off.",
        ),
    ]
}
