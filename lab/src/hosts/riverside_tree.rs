//! A Riverside machine's file tree: a real Debian package database with manual and unapproved
//! installs, pending and rotated upgrades, its desktop's lock and login, and its anti-virus.

use std::fs;
use std::path::Path;
use std::process::Command;

use time::{Duration as Span, OffsetDateTime};

use super::simulated::replaced;
use super::specs::{Av, Desk, RiversideTree};
use super::tree::{
    archive_entry, clamav_header, dconf_applied, field, log_time, put_file, upgradable, MONTHS,
};
use super::TOOL_TIMEOUT;
use crate::process::run;
use crate::LabError;

/// A real Debian 12 package database (see checks/fixtures/host/README.md for its origin).
const DEBIAN_STATUS: &str = include_str!("../../../checks/fixtures/host/debian12-dpkg-status");
const DEBIAN_EXTENDED_STATES: &str =
    include_str!("../../../checks/fixtures/host/debian12-extended_states");
const MDATP_HEALTH: &str = include_str!("../../../checks/fixtures/host/mdatp-health.txt");

pub(super) fn write_riverside_tree(
    root: &Path,
    t: &RiversideTree,
    now: OffsetDateTime,
) -> Result<(), LabError> {
    let now = now.to_offset(time::UtcOffset::UTC);
    let put = |rel: &str, data: &[u8]| put_file(root, rel, data);
    put(
        "etc/os-release",
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
    )?;
    put(
        "etc/modprobe.d/usb-storage.conf",
        b"# USB memory sticks are not used at Riverside.\nblacklist usb-storage\ninstall usb-storage /bin/false\n",
    )?;

    // Anti-virus.
    match t.av {
        Av::ClamAv => put(
            "var/lib/clamav/daily.cld",
            &clamav_header(now - Span::hours(5)),
        )?,
        Av::Mdatp => {
            let updated = now - Span::minutes(95);
            let hour12 = match updated.hour() % 12 {
                0 => 12,
                h => h,
            };
            let shown = format!(
                "{} {:02}, {} at {:02}:{:02}:{:02} {}",
                MONTHS[usize::from(u8::from(updated.month())) - 1],
                updated.day(),
                updated.year(),
                hour12,
                updated.minute(),
                updated.second(),
                if updated.hour() < 12 { "AM" } else { "PM" }
            );
            let health = replaced(MDATP_HEALTH, "Nov 23, 2026 at 12:25:00 AM", &shown);
            put("var/lib/caretaker-lab/mdatp-health.txt", health.as_bytes())?;
            fs::create_dir_all(root.join("opt/microsoft/mdatp/sbin"))
                .map_err(|e| LabError::io("creating folder", root, e))?;
            let script = root.join("usr/bin/mdatp");
            put(
                "usr/bin/mdatp",
                format!(
                    "#!/bin/sh\n# caretaker-lab: a stand-in for Microsoft Defender for Endpoint's mdatp.\nexec cat '{}'\n",
                    root.join("var/lib/caretaker-lab/mdatp-health.txt").display()
                )
                .as_bytes(),
            )?;
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755))
                .map_err(|e| LabError::io("setting mode 0755 on", &script, e))?;
        }
    }

    // The desktop.
    match t.desk {
        Desk::Gnome => {
            put("usr/bin/gnome-shell", b"")?;
            put("usr/sbin/gdm3", b"")?;
            put(
                "etc/gdm3/daemon.conf",
                b"[daemon]\nAutomaticLoginEnable=false\n\n[security]\n",
            )?;
            put(
                "etc/dconf/db/local.d/00-screensaver",
                b"[org/gnome/desktop/session]\nidle-delay=uint32 600\n\n[org/gnome/desktop/screensaver]\nlock-enabled=true\nlock-delay=uint32 0\n",
            )?;
            put(
                "etc/dconf/db/local.d/locks/screensaver",
                b"/org/gnome/desktop/session/idle-delay\n/org/gnome/desktop/screensaver/lock-enabled\n",
            )?;
            dconf_applied(root)?;
        }
        Desk::Kde => {
            put("usr/bin/plasmashell", b"")?;
            put("usr/bin/startplasma-x11", b"")?;
            put("usr/bin/sddm", b"")?;
            put(
                "usr/share/xsessions/plasma.desktop",
                b"[Desktop Entry]\nType=XSession\nExec=/usr/bin/startplasma-x11\nName=Plasma (X11)\n",
            )?;
            put(
                "etc/xdg/kscreenlockerrc",
                b"[Daemon][$i]\nAutolock=true\nLockOnResume=true\nTimeout=10\n",
            )?;
            put(
                "etc/sddm.conf",
                b"[Autologin]\nRelogin=false\nSession=\nUser=\n\n[Theme]\nCurrent=breeze\n",
            )?;
        }
        Desk::LightDm {
            autologin,
            screensaver_off,
        } => {
            for p in [
                "usr/sbin/lightdm",
                "usr/bin/xfce4-session",
                "usr/bin/light-locker",
                "usr/bin/Xorg",
            ] {
                put(p, b"")?;
            }
            put(
                "usr/share/xsessions/xfce.desktop",
                b"[Desktop Entry]\nName=Xfce Session\nExec=startxfce4\nType=Application\n",
            )?;
            put(
                "etc/xdg/autostart/light-locker.desktop",
                b"[Desktop Entry]\nType=Application\nName=Screen Locker\nExec=light-locker\nNoDisplay=true\n",
            )?;
            let seat = if autologin {
                "autologin-user=kiosk\nautologin-user-timeout=0\n"
            } else {
                "#autologin-user=\n#autologin-user-timeout=0\n"
            };
            put(
                "etc/lightdm/lightdm.conf",
                format!("[LightDM]\n\n[Seat:*]\ngreeter-session=lightdm-gtk-greeter\n{seat}user-session=xfce\n")
                    .as_bytes(),
            )?;
            if screensaver_off {
                put(
                    "etc/xdg/autostart/hall-display.desktop",
                    b"[Desktop Entry]\nType=Application\nName=Hall display: keep the screen on\nExec=sh -c \"xset s off; xset -dpms\"\n",
                )?;
            }
        }
    }

    // The package database, apt's marks and the archive's package lists.
    let paras: Vec<&str> = DEBIAN_STATUS
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut status = String::from(DEBIAN_STATUS.trim_end());
    status.push_str("\n\n");
    let mut added: Vec<String> = Vec::new();
    for (name, version, section) in t.manual {
        let para = format!(
            "Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: {section}\nMaintainer: Debian <debian@lists.debian.org>\nArchitecture: amd64\nVersion: {version}\n"
        );
        status.push_str(&para);
        status.push('\n');
        added.push(para);
    }
    // Microsoft Defender for Endpoint comes from Microsoft's repository and owns /opt/microsoft.
    let mdatp = "Package: mdatp\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: Microsoft <mdatpclientlinux@microsoft.com>\nArchitecture: amd64\nVersion: 101.24092.0002\n";
    if matches!(t.av, Av::Mdatp) {
        status.push_str(mdatp);
        status.push('\n');
        put(
            "var/lib/dpkg/info/mdatp.list",
            b"/.\n/opt\n/opt/microsoft\n/opt/microsoft/mdatp\n/opt/microsoft/mdatp/sbin\n",
        )?;
        put(
            "etc/apt/sources.list.d/microsoft-prod.list",
            b"deb [arch=amd64,arm64,armhf] https://packages.microsoft.com/debian/12/prod bookworm main\n",
        )?;
        put(
            "var/lib/apt/lists/packages.microsoft.com_debian_12_prod_dists_bookworm_Release",
            b"Origin: microsoft-debian-bookworm-prod bookworm\nLabel: microsoft-debian-bookworm-prod bookworm\nSuite: bookworm\nCodename: bookworm\nArchitectures: amd64 arm64 armhf\nComponents: main\n",
        )?;
        put(
            "var/lib/apt/lists/packages.microsoft.com_debian_12_prod_dists_bookworm_main_binary-amd64_Packages",
            archive_entry(mdatp, "101.24092.0002").as_bytes(),
        )?;
    }
    if t.steam {
        status.push_str(
            "Package: steam-launcher\nStatus: install ok installed\nPriority: optional\nSection: games\nMaintainer: Valve Corporation <linux@steampowered.com>\nArchitecture: all\nVersion: 1:1.0.0.81\n\n",
        );
    }
    put("var/lib/dpkg/status", status.as_bytes())?;
    put(
        "var/lib/apt/extended_states",
        DEBIAN_EXTENDED_STATES.as_bytes(),
    )?;
    let (all, security) = t.pending;
    // Security updates are mostly libraries: the first libraries that can move come from the
    // security archive, the other updates from the main one.
    let candidates = upgradable(&paras, paras.len());
    let (libs, others): (Vec<&String>, Vec<&String>) =
        candidates.iter().partition(|n| n.starts_with("lib"));
    let sec: Vec<&String> = libs.iter().take(security).copied().collect();
    let main_up: Vec<&String> = others
        .iter()
        .chain(libs.iter().skip(security))
        .take(all.saturating_sub(sec.len()))
        .copied()
        .collect();
    let is_sec = |n: &str| sec.iter().any(|m| *m == n);
    let is_main_up = |n: &str| main_up.iter().any(|m| *m == n);
    let mut main = String::new();
    let mut sec_list = String::new();
    for p in paras
        .iter()
        .copied()
        .chain(added.iter().map(String::as_str))
    {
        let name = field(p, "Package").unwrap_or("");
        let version = field(p, "Version").unwrap_or("0");
        if is_sec(name) {
            sec_list.push_str(&archive_entry(p, &format!("{version}+1")));
        } else if is_main_up(name) {
            main.push_str(&archive_entry(p, &format!("{version}+1")));
        } else {
            main.push_str(&archive_entry(p, version));
        }
    }
    let lists = "var/lib/apt/lists";
    put(
        &format!("{lists}/deb.debian.org_debian_dists_bookworm_Release"),
        b"Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\nArchitectures: amd64\nComponents: main\n",
    )?;
    put(
        &format!("{lists}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"),
        main.as_bytes(),
    )?;
    put(
        &format!("{lists}/deb.debian.org_debian-security_dists_bookworm-security_Release"),
        b"Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\nArchitectures: amd64\nComponents: main\n",
    )?;
    put(
        &format!("{lists}/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"),
        sec_list.as_bytes(),
    )?;
    put(
        "etc/apt/sources.list",
        b"deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\n",
    )?;
    for d in [
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "etc/apt/sources.list.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
    ] {
        fs::create_dir_all(root.join(d)).map_err(|e| LabError::io("creating folder", root, e))?;
    }

    // The logs: the last upgrade, and (rotated) a later install in the current logs.
    // A few minutes more, so the entries' later lines are still that many whole days old.
    let upgraded = now - Span::days(t.upgrade_days) - Span::minutes(5);
    let entry = |at: OffsetDateTime, what: &str| {
        format!(
            "\nStart-Date: {}\nCommandline: {}\n{what}\nEnd-Date: {}\n",
            log_time(at, "  "),
            if what.starts_with("Upgrade") {
                "/usr/bin/unattended-upgrade"
            } else {
                "apt-get install gimp-help-en"
            },
            log_time(at + Span::seconds(40), "  ")
        )
    };
    let upgrade = entry(
        upgraded,
        "Upgrade: tzdata:all (2024a-0+deb12u1, 2025b-0+deb12u1), firefox-esr:amd64 (128.4.0esr-1~deb12u1, 128.5.0esr-1~deb12u1)",
    );
    let dpkg_upgrade = format!(
        "{} startup archives unpack\n{} upgrade tzdata:all 2024a-0+deb12u1 2025b-0+deb12u1\n",
        log_time(upgraded, " "),
        log_time(upgraded + Span::seconds(3), " ")
    );
    if t.rotated {
        let later = now - Span::days(if t.upgrade_days > 7 { 6 } else { 1 });
        put("var/log/apt/history.log.1", upgrade.as_bytes())?;
        let gz = root.join("var/log/apt/history.log.1");
        run(Command::new("gzip").arg("-nf").arg(&gz), None, TOOL_TIMEOUT)?;
        put("var/log/dpkg.log.1", dpkg_upgrade.as_bytes())?;
        put(
            "var/log/apt/history.log",
            entry(later, "Install: gimp-help-en:all (2.10.34-1, automatic)").as_bytes(),
        )?;
        put(
            "var/log/dpkg.log",
            format!(
                "{} install gimp-help-en:all <none> 2.10.34-1\n",
                log_time(later, " ")
            )
            .as_bytes(),
        )?;
    } else {
        put("var/log/apt/history.log", upgrade.as_bytes())?;
        put("var/log/dpkg.log", dpkg_upgrade.as_bytes())?;
    }
    Ok(())
}
