//! A St. Example's Linux machine's file tree (os-release, a ClamAV database header, the apt
//! history, modprobe rules, dconf settings), and the helpers Riverside's trees share.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use time::{Duration as Span, OffsetDateTime};

use super::specs::{LinuxTree, LINUX_APPROVED};
use crate::LabError;

pub(super) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A ClamAV database header (the `.cvd` layout: build time, version, signatures, functionality
/// level, MD5, digital signature, builder, build time in seconds), padded with NULs to 512 bytes.
pub(super) fn clamav_header(built: OffsetDateTime) -> Vec<u8> {
    let text = format!(
        "ClamAV-VDB:{:02} {} {} {:02}-{:02} +0000:27830:2071542:90:f3a1c0ffee0123456789abcdef012345:sigsig:raynman:{}",
        built.day(),
        MONTHS[usize::from(u8::from(built.month())) - 1],
        built.year(),
        built.hour(),
        built.minute(),
        built.unix_timestamp()
    );
    let mut b = text.into_bytes();
    b.resize(512, 0);
    b
}

pub(super) fn write_tree(root: &Path, t: LinuxTree, now: OffsetDateTime) -> Result<(), LabError> {
    let now = now.to_offset(time::UtcOffset::UTC);
    let put = |rel: &str, data: &[u8]| -> Result<(), LabError> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| LabError::io("creating folder", parent, e))?;
        }
        fs::write(&p, data).map_err(|e| LabError::io("writing", &p, e))
    };
    put(
        "etc/os-release",
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
    )?;
    let built = if t.av_age_days > 0 {
        now - Span::days(t.av_age_days)
    } else {
        now - Span::hours(3)
    };
    put("var/lib/clamav/daily.cvd", &clamav_header(built))?;
    let upd = now - Span::days(2);
    put(
        "var/log/apt/history.log",
        format!(
            "\nStart-Date: {:04}-{:02}-{:02}  {:02}:{:02}:{:02}\nCommandline: apt-get -y upgrade\n\
             Upgrade: tzdata:amd64 (2024a-0+deb12u1, 2025b-0+deb12u1)\nEnd-Date: {:04}-{:02}-{:02}  {:02}:{:02}:{:02}\n",
            upd.year(), u8::from(upd.month()), upd.day(), upd.hour(), upd.minute(), upd.second(),
            upd.year(), u8::from(upd.month()), upd.day(), upd.hour(), upd.minute(), upd.second(),
        )
        .as_bytes(),
    )?;
    if t.usb_blocked {
        put(
            "etc/modprobe.d/caretaker-usb.conf",
            b"install usb-storage /bin/false\nblacklist usb-storage\n",
        )?;
    } else {
        put(
            "etc/modprobe.d/alsa-base.conf",
            b"options snd-hda-intel model=auto\n",
        )?;
    }
    // The package database dpkg-query reads (with --admindir under CARETAKER_ROOT).
    let mut status = String::new();
    let steam = [("steam-installer", "1:1.0.0.78~ds-2")];
    let extra: &[(&str, &str)] = if t.unapproved { &steam } else { &[] };
    for (name, version) in LINUX_APPROVED.iter().chain(extra) {
        status.push_str(&format!(
            "Package: {name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n\
             Version: {version}\nDescription: {name}\n\n"
        ));
    }
    put("var/lib/dpkg/status", status.as_bytes())?;
    put("usr/bin/gnome-shell", b"")?;
    put(
        "etc/gdm3/daemon.conf",
        b"[daemon]\nAutomaticLoginEnable=false\n#AutomaticLoginEnable = true\n",
    )?;
    if !t.screen_lock {
        // Someone turned the lock off (and nothing stops users doing the same).
        put(
            "etc/dconf/db/local.d/00-screensaver",
            b"[org/gnome/desktop/session]\nidle-delay=uint32 0\n\n[org/gnome/desktop/screensaver]\nlock-enabled=false\n",
        )?;
    } else {
        put(
            "etc/dconf/db/local.d/00-screensaver",
            b"[org/gnome/desktop/session]\nidle-delay=uint32 600\n\n[org/gnome/desktop/screensaver]\nlock-enabled=true\nlock-delay=uint32 0\n",
        )?;
        put(
            "etc/dconf/db/local.d/locks/screensaver",
            b"/org/gnome/desktop/session/idle-delay\n/org/gnome/desktop/screensaver/lock-enabled\n/org/gnome/desktop/screensaver/lock-delay\n",
        )?;
    }
    dconf_applied(root)
}

/// The dconf profile naming the `local` database, and a stand-in for the database `dconf update`
/// compiles from the keyfiles, written after them (the probe compares only the files' times).
pub(super) fn dconf_applied(root: &Path) -> Result<(), LabError> {
    let put = |rel: &str, data: &[u8]| -> Result<(), LabError> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| LabError::io("creating folder", parent, e))?;
        }
        fs::write(&p, data).map_err(|e| LabError::io("writing", &p, e))
    };
    put("etc/dconf/profile/user", b"user-db:user\nsystem-db:local\n")?;
    put(
        "etc/dconf/db/local",
        b"GVariant (stand-in for the compiled database)\n",
    )
}

/// Writes `data` to `root/rel`, creating folders.
pub(super) fn put_file(root: &Path, rel: &str, data: &[u8]) -> Result<(), LabError> {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).map_err(|e| LabError::io("creating folder", parent, e))?;
    }
    fs::write(&p, data).map_err(|e| LabError::io("writing", &p, e))
}

/// `2026-11-20  09:15:02` (apt's history) or, with one space, dpkg.log's timestamp.
pub(super) fn log_time(t: OffsetDateTime, sep: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One field of a dpkg status paragraph.
pub(super) fn field<'a>(para: &'a str, name: &str) -> Option<&'a str> {
    para.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// The packages an upgrade can move without touching another (nothing depends on their exact
/// version, not Multi-Arch: same, not essential): the first `n` in the database's order.
pub(super) fn upgradable(paras: &[&str], n: usize) -> Vec<String> {
    let names: Vec<&str> = paras.iter().filter_map(|p| field(p, "Package")).collect();
    let mut out = Vec::new();
    for p in paras {
        if out.len() >= n {
            break;
        }
        let Some(name) = field(p, "Package") else {
            continue;
        };
        let exact = format!("{name} (= ");
        let pinned = paras.iter().any(|q| q.contains(&exact));
        if field(p, "Priority") == Some("optional")
            && field(p, "Multi-Arch") != Some("same")
            && field(p, "Essential").is_none()
            && !pinned
            && names.iter().filter(|x| **x == name).count() == 1
        {
            out.push(name.to_string());
        }
    }
    out
}

/// A status paragraph as an entry of an archive's Packages list (at `version`).
pub(super) fn archive_entry(para: &str, version: &str) -> String {
    let name = field(para, "Package").unwrap_or("unknown");
    let arch = field(para, "Architecture").unwrap_or("amd64");
    let mut out = String::new();
    for l in para.lines() {
        if l.starts_with("Status:") {
            continue;
        }
        if l.starts_with("Version:") {
            let _ = writeln!(out, "Version: {version}");
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    let first = name.chars().next().unwrap_or('x');
    let _ = writeln!(
        out,
        "Filename: pool/main/{first}/{name}/{name}_{version}_{arch}.deb\nSize: 1000\n"
    );
    out
}
