//! Tests for the host checks: parsers on every fixture, every judge rule on both sides, the Linux
//! probe run for real against a temporary root, and property tests that nothing panics.

use time::macros::datetime;
use time::OffsetDateTime;

use super::parse::{
    decode_product_state, parse_clamav_header, parse_softwareupdate_date, Antivirus, Encryption,
    Package, Removable, ScreenLock, Software, Updates,
};
use super::*;
use crate::model::{Severity, Status};

const FIXTURES: &[(&str, OsFamily)] = &[
    ("linux-debian12.json", OsFamily::Linux),
    ("linux-temproot-hardened.json", OsFamily::Linux),
    ("linux-temproot-stale.json", OsFamily::Linux),
    ("windows-defender-docs.json", OsFamily::Windows),
    ("windows-passive-thirdparty.json", OsFamily::Windows),
    ("macos-filevault-on.json", OsFamily::Macos),
    ("macos-filevault-off.json", OsFamily::Macos),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/host/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn host(os: OsFamily, roles: &[&str]) -> HostInfo {
    HostInfo {
        name: "pc-1".into(),
        address: "10.0.0.21".into(),
        os,
        roles: roles.iter().map(|s| s.to_string()).collect(),
        simulated: false,
        detect_os: false,
    }
}

const NOW: OffsetDateTime = datetime!(2026-11-23 02:00 UTC);

/// Facts for a host that meets every rule.
fn good(os: OsFamily) -> HostFacts {
    HostFacts {
        probe: os.probe_version().into(),
        os,
        hostname: Some("pc-1".into()),
        // A supported version of each (the end-of-support list's).
        os_name: Some(
            match os {
                OsFamily::Windows => "Microsoft Windows 11 Education",
                OsFamily::Linux => "Debian GNU/Linux",
                OsFamily::Macos => "macOS",
            }
            .into(),
        ),
        os_version: Some(
            match os {
                OsFamily::Windows => "10.0.26100",
                OsFamily::Linux => "12",
                OsFamily::Macos => "15.2",
            }
            .into(),
        ),
        collected_at: Some(NOW),
        antivirus: Antivirus {
            product: Some("Microsoft Defender Antivirus".into()),
            installed: Some(true),
            enabled: Some(true),
            real_time: Some(true),
            signature_version: Some("1.413.102.0".into()),
            signatures_updated: Some(datetime!(2026-11-22 20:00 UTC)),
            signatures_current: None,
            evidence: Vec::new(),
            ..Antivirus::default()
        },
        updates: Updates {
            last_installed: Some(datetime!(2026-11-20 09:00 UTC)),
            pending: Some(0),
            evidence: Vec::new(),
            ..Updates::default()
        },
        encryption: Encryption {
            method: Some("BitLocker".into()),
            system_encrypted: Some(true),
            in_progress: false,
            evidence: Vec::new(),
        },
        removable: Removable {
            blocked: Some(true),
            write_denied: None,
            scanned: Some(true),
            evidence: Vec::new(),
        },
        screen_lock: ScreenLock {
            lock_after_secs: Some(600),
            locks: Some(true),
            enforced: Some(true),
            auto_logon: Some(false),
            graphical: Some(true),
            evidence: Vec::new(),
            ..ScreenLock::default()
        },
        software: Some(Software {
            manager: Some("dpkg".into()),
            packages: vec![
                Package {
                    name: "firefox-esr".into(),
                    version: "115".into(),
                    ..Package::default()
                },
                Package {
                    name: "libreoffice".into(),
                    version: "7.4".into(),
                    ..Package::default()
                },
            ],
            total: Some(2),
            truncated: false,
            ..Software::default()
        }),
        problems: Vec::new(),
    }
}

fn allow_all() -> HostThresholds {
    HostThresholds {
        software_allow_linux: vec!["firefox*".into(), "libreoffice*".into()],
        software_allow_windows: vec!["firefox*".into(), "libreoffice*".into()],
        software_allow_macos: vec!["firefox*".into(), "libreoffice*".into()],
        ..HostThresholds::default()
    }
}

fn one(check: &str, h: &HostInfo, f: &HostFacts, th: &HostThresholds) -> Finding {
    judge(h, f, th, NOW)
        .into_iter()
        .find(|x| x.check.as_str() == check)
        .unwrap_or_else(|| panic!("no {check} finding"))
}

fn assert_well_formed(findings: &[Finding]) {
    let ids: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(ids, CHECK_IDS);
    for f in findings {
        assert_eq!(f.target.kind, TargetKind::Host);
        let first = f.summary.chars().next().unwrap_or(' ');
        assert!(
            first.is_uppercase() || first.is_ascii_digit(),
            "{}: {}",
            f.check,
            f.summary
        );
        assert!(f.summary.ends_with('.'), "{}: {}", f.check, f.summary);
        if f.status != Status::Pass {
            assert!(f.remediation.is_some(), "{} has no fix", f.check);
        }
        if f.status == Status::Error {
            assert!(
                f.summary.starts_with("Could not tell") || f.summary.starts_with("Could not check")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Probe scripts.

#[test]
fn probe_scripts_are_shipped_and_versioned() {
    for os in OsFamily::ALL {
        let s = probe_script(os);
        assert!(s.contains(os.probe_version()), "{}", os.as_str());
    }
}

/// The shell probes never redirect into a file: every `>` is to /dev/null or a descriptor.
#[test]
fn shell_probes_write_nothing() {
    for script in [LINUX_PROBE, MACOS_PROBE, unix_probe_script()] {
        for (n, line) in script.lines().enumerate() {
            let code = line.split(" #").next().unwrap_or("");
            if code.trim_start().starts_with('#') {
                continue;
            }
            let mut rest = code;
            while let Some(i) = rest.find('>') {
                let after = &rest[i + 1..];
                assert!(
                    after.starts_with("/dev/null") || after.starts_with('&'),
                    "line {}: {line}",
                    n + 1
                );
                rest = after;
            }
            for word in ["rm ", "mv ", "tee ", "touch ", "mkdir ", "dd "] {
                assert!(!code.contains(word), "line {}: {line}", n + 1);
            }
        }
    }
    for bad in ["Set-", "Remove-", "New-Item", "Out-File", "Add-Content"] {
        assert!(!WINDOWS_PROBE.contains(bad), "{bad}");
    }
}

/// Runs linux.sh for real against a temporary root with a ClamAV header written here.
#[test]
fn linux_probe_runs_against_a_temp_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("var/lib/clamav")).unwrap();
    std::fs::create_dir_all(root.join("etc/modprobe.d")).unwrap();
    let built = NOW.unix_timestamp() - 3 * 3600;
    let mut header = format!(
        "ClamAV-VDB:23 Nov 2026 23-00 +0000:27831:2071600:90:00112233445566778899aabbccddeeff:x\"y\\z:raynman:{built}"
    )
    .into_bytes();
    header.resize(512, 0);
    header.extend_from_slice(&[0x1f, 0x8b, 0xff, 0x00]);
    std::fs::write(root.join("var/lib/clamav/daily.cvd"), &header).unwrap();
    std::fs::write(
        root.join("etc/modprobe.d/usb.conf"),
        "# comment\ninstall usb-storage /bin/true\n",
    )
    .unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(LINUX_PROBE)
        .env("CARETAKER_ROOT", root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let facts = parse::parse(&out.stdout, OsFamily::Linux)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(facts.antivirus.installed, Some(true));
    assert_eq!(facts.antivirus.signature_version.as_deref(), Some("27831"));
    assert_eq!(
        facts
            .antivirus
            .signatures_updated
            .map(|t| t.unix_timestamp()),
        Some(built)
    );
    assert_eq!(facts.removable.blocked, Some(true));
    assert!(facts.software.is_none());
    let findings = judge(&host(OsFamily::Linux, &[]), &facts, &allow_all(), NOW);
    assert_well_formed(&findings);
}

/// Banners as servers send them: Debian 12's and Ubuntu's sshd (their banners add the distribution's package revision), macOS
/// 13 (`SSH-2.0-OpenSSH_9.0`, as in Apple's OpenSSH 9.0 build), Microsoft's OpenSSH on Windows
/// (`SSH-2.0-OpenSSH_for_Windows_8.1`, the Windows Server 2022 / Windows 11 optional feature) and
/// Bitvise SSH Server.
#[test]
fn windows_is_told_from_the_banner() {
    for (banner, windows) in [
        ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", false),
        ("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", false),
        ("SSH-2.0-OpenSSH_9.0", false),
        ("SSH-2.0-OpenSSH_for_Windows_8.1", true),
        ("SSH-2.0-OpenSSH_for_Windows_9.5", true),
        (
            "SSH-2.0-9.32 FlowSsh: Bitvise SSH Server (WinSSHD) 9.32",
            true,
        ),
        ("", false),
    ] {
        assert_eq!(banner_says_windows(banner), windows, "{banner}");
    }
    let mut h = host(OsFamily::Linux, &[]);
    h.detect_os = true;
    assert_eq!(
        probe_for(&h, Some("SSH-2.0-OpenSSH_for_Windows_8.1")).1,
        WINDOWS_PROBE
    );
    assert_eq!(
        probe_for(&h, Some("SSH-2.0-OpenSSH_9.0")).1,
        unix_probe_script()
    );
    assert_eq!(probe_for(&h, None).1, unix_probe_script());
    h.detect_os = false;
    h.os = OsFamily::Macos;
    assert_eq!(
        probe_for(&h, Some("SSH-2.0-OpenSSH_for_Windows_8.1")).1,
        MACOS_PROBE
    );
}

/// The detecting script, fed on standard input as over SSH, runs the Linux probe here and the
/// macOS probe where `uname -s` says Darwin (a stand-in `uname` first on PATH); the output names
/// its family and is judged as that family.
#[test]
fn the_detecting_script_runs_the_probe_uname_names() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |path: &str| {
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-s")
            .env("CARETAKER_ROOT", dir.path())
            .env("PATH", path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(unix_probe_script().as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let out = run("/usr/sbin:/usr/bin:/sbin:/bin");
    let facts = parse::parse_any(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(facts.os, OsFamily::Linux);

    let fake = dir.path().join("fakebin");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(fake.join("uname"), "#!/bin/sh\necho Darwin\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(fake.join("uname"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(&format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", fake.display()));
    let facts = parse::parse_any(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(facts.os, OsFamily::Macos);

    let mut h = host(OsFamily::Linux, &[]);
    h.detect_os = true;
    let findings = assess(
        &h,
        &fixture("windows-defender-docs.json"),
        &allow_all(),
        NOW,
    );
    assert_well_formed(&findings);
    assert!(findings.iter().all(|f| f
        .evidence
        .values
        .iter()
        .any(|(k, v)| k == "os" && v == "windows")));
}

// ---------------------------------------------------------------------------------------------
// Parsers on the fixtures.

#[test]
fn every_fixture_parses_and_judges_well_formed() {
    for (name, os) in FIXTURES {
        let facts = parse::parse(&fixture(name), *os).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(facts.os, *os);
        for roles in [&[][..], &["laptop"][..]] {
            let findings = judge(&host(*os, roles), &facts, &HostThresholds::default(), NOW);
            assert_well_formed(&findings);
        }
    }
}

#[test]
fn linux_recorded_on_debian12() {
    let f = parse::parse(&fixture("linux-debian12.json"), OsFamily::Linux).unwrap();
    assert_eq!(f.os_name.as_deref(), Some("Debian GNU/Linux"));
    assert_eq!(f.os_version.as_deref(), Some("12"));
    assert_eq!(f.antivirus.installed, Some(false));
    assert_eq!(f.encryption.system_encrypted, Some(false));
    assert_eq!(f.removable.blocked, Some(false));
    assert_eq!(f.screen_lock.graphical, Some(false));
    assert!(f.updates.last_installed.is_some());
    let sw = f.software.as_ref().unwrap();
    assert_eq!(sw.manager.as_deref(), Some("dpkg"));
    assert!(sw.packages.len() > 100);
    assert!(sw.packages.iter().any(|p| p.name == "bash"));
    assert!(!sw.truncated);
    let h = host(OsFamily::Linux, &["laptop"]);
    let th = HostThresholds::default();
    assert_eq!(one(judge::ANTIVIRUS, &h, &f, &th).status, Status::Fail);
    assert_eq!(one(judge::ENCRYPTION, &h, &f, &th).status, Status::Fail);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Fail
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Warn);
    assert_eq!(one(judge::SOFTWARE, &h, &f, &th).status, Status::Warn);
}

#[test]
fn linux_temp_root_hardened() {
    let f = parse::parse(&fixture("linux-temproot-hardened.json"), OsFamily::Linux).unwrap();
    assert_eq!(f.antivirus.signature_version.as_deref(), Some("27830"));
    assert_eq!(
        f.antivirus.signatures_updated,
        Some(datetime!(2026-11-22 07:26 UTC))
    );
    assert_eq!(f.antivirus.enabled, Some(true));
    assert_eq!(f.screen_lock.auto_logon, Some(false));
    assert_eq!(
        f.updates.last_installed,
        Some(datetime!(2026-11-20 09:15:02 UTC))
    );
    assert_eq!(f.removable.blocked, Some(true));
    assert_eq!(f.screen_lock.lock_after_secs, Some(600));
    assert_eq!(f.screen_lock.locks, Some(true));
    assert_eq!(f.screen_lock.enforced, Some(true));
    assert!(f.software.is_none());
    assert_eq!(
        f.problems,
        vec!["no package manager found (dpkg-query, rpm)"]
    );
    let h = host(OsFamily::Linux, &[]);
    let th = HostThresholds::default();
    assert_eq!(one(judge::ANTIVIRUS, &h, &f, &th).status, Status::Pass);
    assert_eq!(one(judge::UPDATES, &h, &f, &th).status, Status::Pass);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Pass
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Pass);
    let sw = one(judge::SOFTWARE, &h, &f, &th);
    assert_eq!(sw.status, Status::Error);
    assert_eq!(
        sw.evidence.get("probe_problem"),
        Some("no package manager found (dpkg-query, rpm)")
    );
}

#[test]
fn linux_temp_root_stale() {
    let f = parse::parse(&fixture("linux-temproot-stale.json"), OsFamily::Linux).unwrap();
    assert_eq!(
        f.antivirus.signatures_updated,
        Some(datetime!(2026-11-15 06:10 UTC))
    );
    assert!(f.updates.last_installed.is_none());
    let h = host(OsFamily::Linux, &[]);
    let upd = one(judge::UPDATES, &h, &f, &HostThresholds::default());
    assert_eq!(upd.status, Status::Error);
    assert!(upd.summary.contains("the probe could not read"));
}

#[test]
fn windows_docs_example() {
    let f = parse::parse(&fixture("windows-defender-docs.json"), OsFamily::Windows).unwrap();
    assert_eq!(f.antivirus.enabled, Some(true));
    assert_eq!(f.antivirus.real_time, Some(true));
    assert_eq!(
        f.antivirus.signatures_updated,
        Some(datetime!(2024-06-04 08:06:27 UTC))
    );
    assert_eq!(f.encryption.system_encrypted, Some(true));
    assert_eq!(f.removable.blocked, Some(false));
    assert_eq!(f.removable.write_denied, Some(true));
    assert_eq!(f.removable.scanned, Some(true));
    assert_eq!(f.screen_lock.lock_after_secs, Some(900));
    assert_eq!(f.screen_lock.auto_logon, Some(false));
    assert_eq!(f.software.as_ref().map(|s| s.packages.len()), Some(4));
    let h = host(OsFamily::Windows, &["laptop"]);
    let th = HostThresholds {
        software_allow_windows: vec![
            "Microsoft *".into(),
            "Google Chrome".into(),
            "7-Zip*".into(),
        ],
        ..HostThresholds::default()
    };
    let now = datetime!(2024-06-05 08:00 UTC);
    for f in judge(&h, &f, &th, now) {
        assert_eq!(f.status, Status::Pass, "{}: {}", f.check, f.summary);
    }
}

#[test]
fn windows_passive_third_party() {
    let f = parse::parse(
        &fixture("windows-passive-thirdparty.json"),
        OsFamily::Windows,
    )
    .unwrap();
    assert_eq!(f.antivirus.product.as_deref(), Some("Sophos Anti-Virus"));
    assert_eq!(f.antivirus.enabled, Some(true));
    assert_eq!(f.antivirus.signatures_current, Some(true));
    assert_eq!(f.encryption.system_encrypted, Some(false));
    assert_eq!(f.removable.blocked, Some(false));
    assert_eq!(f.removable.scanned, Some(false));
    assert_eq!(f.screen_lock.lock_after_secs, Some(1800));
    assert_eq!(f.screen_lock.auto_logon, Some(true));
    let h = host(OsFamily::Windows, &["laptop"]);
    let th = HostThresholds {
        software_allow_windows: vec!["Google Chrome".into(), "Sophos *".into()],
        ..HostThresholds::default()
    };
    let got = judge(&h, &f, &th, NOW);
    let st: Vec<Status> = got.iter().map(|x| x.status).collect();
    assert_eq!(
        st,
        [
            Status::Pass,
            Status::Fail,
            Status::Fail,
            Status::Fail,
            Status::Fail,
            Status::Fail,
            Status::Fail,
            // Windows 11 Pro 23H2: no security updates after 11 November 2025.
            Status::Fail
        ]
    );
    assert!(
        got[7].summary.contains("11 November 2025"),
        "{}",
        got[7].summary
    );
    let rm = &got[3];
    assert!(rm
        .remediation
        .as_deref()
        .unwrap()
        .contains("DisableRemovableDriveScanning"));
    let sw = &got[6];
    assert!(sw.summary.contains("uTorrent"), "{}", sw.summary);
    assert_eq!(sw.evidence.get("unapproved"), Some("uTorrent 3.6.0.46884"));
    // The screen locks after 30 minutes (too long) and the machine logs itself in: two findings.
    assert!(got[4].summary.contains("30 minutes"), "{}", got[4].summary);
    assert!(got[5].summary.contains("logs itself in"));
    assert_eq!(got[5].check.as_str(), judge::AUTO_LOGON);
}

#[test]
fn macos_fixtures() {
    let on = parse::parse(&fixture("macos-filevault-on.json"), OsFamily::Macos).unwrap();
    assert_eq!(on.encryption.system_encrypted, Some(true));
    assert_eq!(on.antivirus.signature_version.as_deref(), Some("5280"));
    assert_eq!(
        on.updates.last_installed,
        Some(datetime!(2026-11-18 17:42:10 UTC))
    );
    assert_eq!(on.screen_lock.lock_after_secs, Some(600));
    assert_eq!(on.screen_lock.auto_logon, Some(false));
    let h = host(OsFamily::Macos, &["laptop"]);
    let th = HostThresholds::default();
    assert_eq!(one(judge::ANTIVIRUS, &h, &on, &th).status, Status::Pass);
    assert_eq!(one(judge::ENCRYPTION, &h, &on, &th).status, Status::Pass);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &on, &th).status,
        Status::Pass
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &on, &th).status, Status::Pass);

    let off = parse::parse(&fixture("macos-filevault-off.json"), OsFamily::Macos).unwrap();
    assert_eq!(off.encryption.system_encrypted, Some(false));
    assert_eq!(off.removable.blocked, Some(false));
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &off, &th).status,
        Status::Fail
    );
    assert_eq!(off.screen_lock.auto_logon, Some(true));
    assert_eq!(one(judge::ENCRYPTION, &h, &off, &th).status, Status::Fail);
    assert_eq!(one(judge::ANTIVIRUS, &h, &off, &th).status, Status::Fail);
    assert_eq!(one(judge::UPDATES, &h, &off, &th).status, Status::Fail);
    assert_eq!(one(judge::AUTO_LOGON, &h, &off, &th).status, Status::Fail);
    assert_eq!(one(judge::AUTO_LOGON, &h, &on, &th).status, Status::Pass);
}

// ---------------------------------------------------------------------------------------------
// Small parsers.

#[test]
fn linux_autologin_lines() {
    let doc = |lines: &str| {
        format!(
            r#"{{"probe":"caretaker-linux/1","screen_lock":{{"present":[],"graphical":true,"autologin":[{lines}]}}}}"#
        )
    };
    for (lines, want) in [
        ("", Some(false)),
        (
            r#""/etc/gdm3/daemon.conf|[daemon]|AutomaticLoginEnable=false""#,
            Some(false),
        ),
        (
            r#""/etc/gdm3/daemon.conf|[daemon]|AutomaticLoginEnable=True""#,
            Some(true),
        ),
        // Only in GDM's [daemon] section.
        (
            r#""/etc/gdm3/daemon.conf|[security]|AutomaticLoginEnable=true""#,
            Some(false),
        ),
        (
            r#""/etc/lightdm/lightdm.conf|[Seat:*]|autologin-user=pupil""#,
            Some(true),
        ),
        (
            r#""/etc/lightdm/lightdm.conf|[Seat:*]|autologin-user=""#,
            Some(false),
        ),
        // A later file wins: the local lightdm.conf empties the packaged default.
        (
            r#""/usr/share/lightdm/lightdm.conf.d/60-kiosk.conf|[Seat:*]|autologin-user=kiosk","/etc/lightdm/lightdm.conf|[Seat:*]|autologin-user=""#,
            Some(false),
        ),
        (r#""/etc/sddm.conf|[Autologin]|User=kiosk""#, Some(true)),
        (r#""/etc/sddm.conf|[Autologin]|User=""#, Some(false)),
        // SDDM's User= counts only under [Autologin].
        (r#""/etc/sddm.conf|[Users]|User=kiosk""#, Some(false)),
    ] {
        let f = parse::parse(doc(lines).as_bytes(), OsFamily::Linux).unwrap();
        assert_eq!(f.screen_lock.auto_logon, want, "{lines}");
    }
    let f = parse::parse(
        br#"{"probe":"caretaker-linux/1","screen_lock":{}}"#,
        OsFamily::Linux,
    )
    .unwrap();
    assert_eq!(f.screen_lock.auto_logon, None);
}

#[test]
fn clamav_header() {
    let (v, t) = parse_clamav_header(
        "ClamAV-VDB:14 Nov 2023 08-38 +0000:27093:2044412:90:abc:sig:raynman:1699951080",
    )
    .unwrap();
    assert_eq!(v, "27093");
    assert_eq!(t.unix_timestamp(), 1_699_951_080);
    // Without the epoch field, the text time is used.
    let (_, t) = parse_clamav_header("ClamAV-VDB:14 Nov 2023 08-38 -0500:27093:1:90").unwrap();
    assert_eq!(t, datetime!(2023-11-14 13:38 UTC));
    assert!(parse_clamav_header("ClamAV-VDB:garbage:notnum").is_none());
    assert!(parse_clamav_header("PK\u{3}\u{4}").is_none());
    assert!(parse_clamav_header("ClamAV-VDB:x:1:2:3:4:5:6:99999999999999999999").is_none());
}

#[test]
fn mount_controls() {
    use super::parse::parse_mount_controls;
    let text = r#"{     "harddisk-external" =     (         deny,         eject     ); }"#;
    assert_eq!(parse_mount_controls(text), (true, false));
    let text = r#"{ "harddisk-external" = ( "read-only" ); dvd = ( deny ); }"#;
    assert_eq!(parse_mount_controls(text), (false, true));
    assert_eq!(parse_mount_controls("{ dvd = ( deny ); }"), (false, false));
    assert_eq!(
        parse_mount_controls("harddisk-external ) ("),
        (false, false)
    );
}

#[test]
fn softwareupdate_dates() {
    assert_eq!(
        parse_softwareupdate_date("Safari 18.1     18.1   1/2/2026, 03:04:05"),
        Some(datetime!(2026-01-02 03:04:05 UTC))
    );
    assert_eq!(parse_softwareupdate_date("no date here"), None);
    assert_eq!(parse_softwareupdate_date("13/45/2026, 99:00:00"), None);
}

#[test]
fn product_state_bits() {
    assert_eq!(decode_product_state(266_240), (true, true));
    assert_eq!(decode_product_state(262_144), (false, true));
    assert_eq!(decode_product_state(266_256), (true, false));
    assert_eq!(decode_product_state(393_472), (false, true));
}

#[test]
fn parse_errors_are_clear() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "printed nothing"),
        (b"   \n", "printed nothing"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"Permission denied", "not one JSON document"),
        (b"{\"probe\":\"caretaker-linux/1\"", "not one JSON document"),
        (b"[1,2]", "not an object"),
        (b"{}", "no \"probe\" field"),
        (b"{\"probe\":7}", "not a string"),
        (b"{\"probe\":\"other/1\"}", "unknown probe"),
        (
            b"{\"probe\":\"caretaker-windows/1\"}",
            "expected output from the linux probe",
        ),
        (
            b"{\"probe\":\"caretaker-linux/2\"}",
            "unsupported probe version",
        ),
    ];
    for (input, want) in cases {
        let e = parse::parse(input, OsFamily::Linux).unwrap_err();
        assert!(
            e.reason.contains(want),
            "{:?}: {}",
            String::from_utf8_lossy(input),
            e
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse::parse(deep.as_bytes(), OsFamily::Linux).is_err());
    // A UTF-8 byte-order mark and surrounding blank lines are tolerated.
    let ok = b"\xef\xbb\xbf\n{\"probe\":\"caretaker-linux/1\"}\n\n";
    assert!(parse::parse(ok, OsFamily::Linux).is_ok());
}

#[test]
fn wrong_types_are_unknown_not_errors() {
    let doc = br#"{"probe":"caretaker-windows/1","collected_at":12,
        "defender":{"AMServiceEnabled":"yes please","AntivirusEnabled":[1],"RealTimeProtectionEnabled":"True",
          "AntivirusSignatureLastUpdated":99999999999999999999999,"AMRunningMode":{"a":1}},
        "bitlocker":"On","removable":[],"screen_lock":{"inactivity_timeout_secs":-5,"auto_admin_logon":"1"},
        "software":{"packages":[[1,2],{"name":null},"x",["ok","1"]],"total":"lots"},"problems":"one"}"#;
    let f = parse::parse(doc, OsFamily::Windows).unwrap();
    assert_eq!(f.antivirus.enabled, None);
    assert_eq!(f.antivirus.real_time, Some(true));
    assert_eq!(f.antivirus.signatures_updated, None);
    assert_eq!(f.encryption.system_encrypted, None);
    assert_eq!(f.removable.blocked, None);
    assert_eq!(f.screen_lock.auto_logon, Some(true));
    let sw = f.software.unwrap();
    assert_eq!(sw.packages.len(), 2);
    assert!(sw.truncated);
    assert!(f.problems.iter().any(|p| p.contains("2 software entries")));
    assert!(f.problems.contains(&"one".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Judge rules, both sides.

#[test]
fn all_good_passes_everywhere() {
    for os in OsFamily::ALL {
        let findings = judge(&host(os, &["laptop"]), &good(os), &allow_all(), NOW);
        assert_well_formed(&findings);
        for f in &findings {
            assert_eq!(
                f.status,
                Status::Pass,
                "{} {}: {}",
                os.as_str(),
                f.check,
                f.summary
            );
        }
    }
}

#[test]
fn antivirus_rules() {
    let h = host(OsFamily::Windows, &[]);
    let th = allow_all();
    let check = |f: &HostFacts| one(judge::ANTIVIRUS, &h, f, &th);

    let mut f = good(OsFamily::Windows);
    f.antivirus.installed = Some(false);
    let x = check(&f);
    assert_eq!((x.status, x.severity), (Status::Fail, Severity::Critical));
    assert_eq!(x.summary, "This computer has no virus protection.");

    let mut f = good(OsFamily::Windows);
    f.antivirus.installed = None;
    assert_eq!(check(&f).status, Status::Error);

    let mut f = good(OsFamily::Windows);
    f.antivirus.enabled = Some(false);
    assert_eq!(check(&f).status, Status::Fail);
    f.antivirus.enabled = None;
    assert_eq!(check(&f).status, Status::Error);

    let mut f = good(OsFamily::Windows);
    f.antivirus.real_time = Some(false);
    assert_eq!(check(&f).status, Status::Fail);
    f.antivirus.real_time = None;
    assert_eq!(check(&f).status, Status::Error);
    // Real-time scanning is only read on Windows.
    let lh = host(OsFamily::Linux, &[]);
    assert_eq!(one(judge::ANTIVIRUS, &lh, &f, &th).status, Status::Pass);

    // Age: ≤ 1 day pass, 1–3 days warn, > 3 days fail, unknown error.
    let mut f = good(OsFamily::Windows);
    for (updated, want) in [
        (datetime!(2026-11-22 02:00 UTC), Status::Pass),
        (datetime!(2026-11-22 01:59 UTC), Status::Warn),
        (datetime!(2026-11-20 02:00 UTC), Status::Warn),
        (datetime!(2026-11-20 01:59 UTC), Status::Fail),
        (datetime!(2027-01-01 00:00 UTC), Status::Pass),
    ] {
        f.antivirus.signatures_updated = Some(updated);
        let x = check(&f);
        assert_eq!(x.status, want, "{updated}: {}", x.summary);
        assert!(x.evidence.get("signature_age_hours").is_some());
    }
    f.antivirus.signatures_updated = None;
    assert_eq!(check(&f).status, Status::Error);

    // macOS: XProtect is judged against xprotect_max_days (30) instead.
    let mh = host(OsFamily::Macos, &[]);
    f.antivirus.signatures_updated = Some(datetime!(2026-10-25 02:00 UTC));
    assert_eq!(one(judge::ANTIVIRUS, &mh, &f, &th).status, Status::Pass);
    f.antivirus.signatures_updated = Some(datetime!(2026-10-24 01:00 UTC));
    assert_eq!(one(judge::ANTIVIRUS, &mh, &f, &th).status, Status::Fail);
    f.antivirus.signatures_updated = None;

    // Third-party products only say whether they are current.
    f.antivirus.signatures_current = Some(true);
    assert_eq!(check(&f).status, Status::Pass);
    f.antivirus.signatures_current = Some(false);
    assert_eq!(check(&f).status, Status::Fail);
}

#[test]
fn updates_rules() {
    let h = host(OsFamily::Linux, &[]);
    let th = allow_all();
    let mut f = good(OsFamily::Linux);
    f.updates.last_installed = Some(datetime!(2026-11-09 02:00 UTC));
    assert_eq!(one(judge::UPDATES, &h, &f, &th).status, Status::Pass);
    f.updates.last_installed = Some(datetime!(2026-11-08 01:00 UTC));
    let x = one(judge::UPDATES, &h, &f, &th);
    assert_eq!(x.status, Status::Fail);
    assert!(x.summary.contains("15 days"), "{}", x.summary);
    assert!(x.remediation.unwrap().contains("unattended-upgrades"));
    f.updates.last_installed = None;
    assert_eq!(one(judge::UPDATES, &h, &f, &th).status, Status::Error);
}

#[test]
fn encryption_rules() {
    let th = allow_all();
    let laptop = host(OsFamily::Windows, &["staff", "Laptop"]);
    let desktop = host(OsFamily::Windows, &["staff"]);
    let mut f = good(OsFamily::Windows);
    assert_eq!(
        one(judge::ENCRYPTION, &laptop, &f, &th).status,
        Status::Pass
    );
    f.encryption.system_encrypted = Some(false);
    let x = one(judge::ENCRYPTION, &laptop, &f, &th);
    assert_eq!((x.status, x.severity), (Status::Fail, Severity::High));
    assert!(x.remediation.unwrap().contains("Enable-BitLocker"));
    assert_eq!(
        one(judge::ENCRYPTION, &desktop, &f, &th).status,
        Status::Pass
    );
    f.encryption.in_progress = true;
    assert!(one(judge::ENCRYPTION, &laptop, &f, &th)
        .summary
        .contains("still being encrypted"));
    f.encryption.system_encrypted = None;
    assert_eq!(
        one(judge::ENCRYPTION, &desktop, &f, &th).status,
        Status::Error
    );
    // Roles are configurable.
    let th2 = HostThresholds {
        encryption_required_roles: vec!["staff".into()],
        ..allow_all()
    };
    f.encryption.system_encrypted = Some(false);
    assert_eq!(
        one(judge::ENCRYPTION, &desktop, &f, &th2).status,
        Status::Fail
    );
}

#[test]
fn removable_media_rules() {
    let h = host(OsFamily::Windows, &[]);
    let th = allow_all();
    let mut f = good(OsFamily::Windows);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Pass
    );
    f.removable.blocked = Some(false);
    f.removable.write_denied = Some(true);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Pass
    );
    f.removable.scanned = Some(false);
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Warn
    );
    f.removable.write_denied = Some(false);
    let x = one(judge::REMOVABLE_MEDIA, &h, &f, &th);
    assert_eq!(x.status, Status::Fail);
    assert!(x.remediation.unwrap().contains("Deny"));
    f.removable.write_denied = None;
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Fail
    );
    f.removable.blocked = None;
    assert_eq!(
        one(judge::REMOVABLE_MEDIA, &h, &f, &th).status,
        Status::Error
    );
}

#[test]
fn screen_lock_rules() {
    let h = host(OsFamily::Linux, &[]);
    let th = allow_all();
    let mut f = good(OsFamily::Linux);
    f.screen_lock.lock_after_secs = Some(900);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Pass);
    f.screen_lock.lock_after_secs = Some(901);
    let x = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(x.status, Status::Fail);
    assert!(x.summary.contains("16 minutes"), "{}", x.summary);
    assert!(x.remediation.unwrap().contains("dconf update"));
    f.screen_lock.lock_after_secs = Some(300);
    f.screen_lock.enforced = Some(false);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Warn);
    f.screen_lock.locks = Some(false);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    f.screen_lock.locks = Some(true);
    f.screen_lock.lock_after_secs = None;
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Error);
    f.screen_lock.locks = None;
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Error);
    f.screen_lock.graphical = Some(false);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Warn);
    // Auto-logon is a finding of its own: it hides nothing about the screen lock.
    let mut f = good(OsFamily::Linux);
    f.screen_lock.auto_logon = Some(true);
    f.screen_lock.locks = Some(false);
    let x = one(judge::AUTO_LOGON, &h, &f, &th);
    assert_eq!((x.status, x.severity), (Status::Fail, Severity::High));
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    f.screen_lock.locks = Some(true);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Pass);
    assert_eq!(one(judge::AUTO_LOGON, &h, &f, &th).status, Status::Fail);
    f.screen_lock.auto_logon = None;
    assert_eq!(one(judge::AUTO_LOGON, &h, &f, &th).status, Status::Error);
    f.screen_lock.auto_logon = Some(false);
    assert_eq!(one(judge::AUTO_LOGON, &h, &f, &th).status, Status::Pass);
}

#[test]
fn software_rules() {
    let h = host(OsFamily::Linux, &[]);
    let mut f = good(OsFamily::Linux);
    assert_eq!(
        one(judge::SOFTWARE, &h, &f, &allow_all()).status,
        Status::Pass
    );
    // No list agreed: warn, not pass.
    let x = one(judge::SOFTWARE, &h, &f, &HostThresholds::default());
    assert_eq!(x.status, Status::Warn);
    // Unapproved packages fail and are named.
    let th = HostThresholds {
        software_allow_linux: vec!["FIREFOX*".into()],
        ..HostThresholds::default()
    };
    let x = one(judge::SOFTWARE, &h, &f, &th);
    assert_eq!(x.status, Status::Fail);
    assert_eq!(
        x.summary,
        "1 program on this computer is not on the approved list: libreoffice."
    );
    assert_eq!(x.evidence.get("unapproved"), Some("libreoffice 7.4"));
    // Many: three named in the summary, all counted.
    if let Some(sw) = f.software.as_mut() {
        for i in 0..60 {
            sw.packages.push(Package {
                name: format!("tool{i:02}"),
                version: String::new(),
                ..Package::default()
            });
        }
    }
    let x = one(judge::SOFTWARE, &h, &f, &th);
    assert!(x.summary.contains("and 58 more"), "{}", x.summary);
    assert_eq!(x.evidence.get("unapproved_count"), Some("61"));
    assert_eq!(
        x.evidence
            .values
            .iter()
            .filter(|(k, _)| k == "unapproved")
            .count(),
        judge::MAX_NAMED
    );
    // A truncated list can never pass.
    let mut f = good(OsFamily::Linux);
    if let Some(sw) = f.software.as_mut() {
        sw.truncated = true;
    }
    assert_eq!(
        one(judge::SOFTWARE, &h, &f, &allow_all()).status,
        Status::Warn
    );
    // A bad glob is reported, the rest still apply.
    let th = HostThresholds {
        software_allow_linux: vec!["[".into(), "*".into()],
        ..HostThresholds::default()
    };
    let x = one(judge::SOFTWARE, &h, &good(OsFamily::Linux), &th);
    assert_eq!(x.status, Status::Warn);
    assert_eq!(x.evidence.get("bad_glob"), Some("["));
    f.software = None;
    assert_eq!(
        one(judge::SOFTWARE, &h, &f, &allow_all()).status,
        Status::Error
    );
}

#[test]
fn unreadable_output_is_one_error_per_check() {
    let h = host(OsFamily::Linux, &["laptop"]);
    let findings = assess(&h, b"sh: 1: syntax error", &HostThresholds::default(), NOW);
    assert_well_formed(&findings);
    assert!(findings.iter().all(|f| f.status == Status::Error));
    assert!(findings[0].evidence.get("reason").unwrap().contains("JSON"));
}

#[test]
fn thresholds_default_and_serde() {
    let th = HostThresholds::default();
    assert_eq!(th.signature_warn_hours, 24);
    assert_eq!(th.signature_fail_hours, 72);
    assert_eq!(th.update_max_days, 14);
    assert_eq!(th.screen_lock_max_secs, 900);
    assert_eq!(th.encryption_required_roles, vec!["laptop".to_string()]);
    let partial: HostThresholds = serde_json::from_str(r#"{"update_max_days":7}"#).unwrap();
    assert_eq!(partial.update_max_days, 7);
    assert_eq!(partial.screen_lock_max_secs, 900);
}

// ---------------------------------------------------------------------------------------------
// Property tests.

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // No regression files: they would land outside this module's folders.
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parser_never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            for os in OsFamily::ALL {
                let _ = parse::parse(&b, os);
            }
        }

        #[test]
        fn parser_and_judge_never_panic_on_json_like_text(
            s in "\\{\"probe\":\"caretaker-(linux|windows|macos)/1\"(,\"[a-z_]{1,12}\":([0-9e.-]{1,25}|\"[ -~]{0,20}\"|true|null|\\[\\]|\\{\\}|\\{\"[A-Za-z_]{1,12}\":[ -~]{0,12}\\}))*\\}"
        ) {
            for os in OsFamily::ALL {
                if let Ok(f) = parse::parse(s.as_bytes(), os) {
                    let findings = judge(&host(os, &["laptop"]), &f, &HostThresholds::default(), NOW);
                    prop_assert_eq!(findings.len(), CHECK_IDS.len());
                }
            }
        }

        /// Any single field of any fixture replaced by an arbitrary JSON scalar.
        #[test]
        fn replaced_values_never_panic(
            pick in 0usize..7,
            which in any::<prop::sample::Index>(),
            value in prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<u64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(serde_json::Value::from),
                "\\PC{0,30}".prop_map(serde_json::Value::String),
            ],
        ) {
            let (name, os) = FIXTURES[pick];
            let mut doc: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
            let mut paths = Vec::new();
            collect_paths(&doc, String::new(), &mut paths);
            let path = which.get(&paths).clone();
            if let Some(slot) = doc.pointer_mut(&path) {
                *slot = value;
            }
            let bytes = serde_json::to_vec(&doc).unwrap();
            if let Ok(f) = parse::parse(&bytes, os) {
                let findings = judge(&host(os, &["laptop"]), &f, &HostThresholds::default(), NOW);
                prop_assert_eq!(findings.len(), CHECK_IDS.len());
            }
        }
    }

    fn collect_paths(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        if out.len() > 2000 {
            return;
        }
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    collect_paths(x, p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate().take(20) {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    collect_paths(x, p, out);
                }
            }
            _ => {}
        }
    }

    /// Every truncation of every fixture is refused or parsed, never a panic. (Not random, so a
    /// plain test; the large Debian fixture is cut at every byte of its first and last 4 KiB and
    /// every 7th byte between.)
    #[test]
    fn every_truncation_of_every_fixture() {
        for (name, os) in FIXTURES {
            let bytes = fixture(name);
            let n = bytes.len();
            let cuts: Vec<usize> = if n <= 16_384 {
                (0..n).collect()
            } else {
                (0..4096)
                    .chain((4096..n - 4096).step_by(7))
                    .chain(n - 4096..n)
                    .collect()
            };
            for cut in cuts {
                let r = parse::parse(&bytes[..cut], *os);
                // Only the whole document (or it minus trailing whitespace) may parse.
                if r.is_ok() {
                    assert!(
                        bytes[cut..].iter().all(u8::is_ascii_whitespace),
                        "{name} cut at {cut}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the machine will actually do (issue 10, items 13–17).

fn linux_fixture(name: &str) -> HostFacts {
    parse::parse(&fixture(name), OsFamily::Linux).unwrap()
}

/// Replaces `from` with `to` in a fixture's text (each must hit).
fn edited(name: &str, edits: &[(&str, &str)]) -> HostFacts {
    let mut text = String::from_utf8(fixture(name)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in {name}");
        text = text.replacen(from, to, 1);
    }
    parse::parse(text.as_bytes(), OsFamily::Linux).unwrap()
}

/// A LightDM kiosk with automatic login and the X screen saver turned off: two problems, two
/// findings (before, only the automatic login was reported).
#[test]
fn kiosk_reports_auto_logon_and_screen_lock_each() {
    let f = linux_fixture("linux-temproot-kiosk.json");
    let h = host(OsFamily::Linux, &["desktop"]);
    let th = allow_all();
    let sl = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(sl.status, Status::Fail, "{}", sl.summary);
    assert!(sl.summary.contains("does not lock"), "{}", sl.summary);
    let shown = format!("{:?}", sl.evidence);
    assert!(shown.contains("xset s off"), "{shown}");
    assert!(shown.contains("light-locker"), "{shown}");
    assert!(sl.remediation.as_deref().unwrap().contains("xset s off"));
    let al = one(judge::AUTO_LOGON, &h, &f, &th);
    assert_eq!(al.status, Status::Fail);
    assert!(format!("{:?}", al.evidence).contains("autologin-user=kiosk"));
    // The look-alike: automatic login commented out, nothing turning the screen saver off.
    let f = edited(
        "linux-temproot-kiosk.json",
        &[
            (
                r#""/etc/lightdm/lightdm.conf|[Seat:*]|autologin-user=kiosk""#,
                r#""/etc/lightdm/lightdm.conf|[Seat:*]|greeter-session=lightdm-gtk-greeter""#,
            ),
            (
                r#""xset":["/etc/xdg/autostart/kiosk-noblank.desktop:Exec=sh -c \"xset s off; xset -dpms\""]"#,
                r#""xset":[]"#,
            ),
        ],
    );
    let sl = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(sl.status, Status::Pass, "{}", sl.summary);
    assert!(sl.summary.contains("11 minutes"), "{}", sl.summary);
    assert_eq!(one(judge::AUTO_LOGON, &h, &f, &th).status, Status::Pass);
    // A hidden autostart entry does not run: its xset does not count.
    let f = edited(
        "linux-temproot-kiosk.json",
        &[(
            r#""autostart":["#,
            r#""autostart":["/etc/xdg/autostart/kiosk-noblank.desktop|[Desktop Entry]|Hidden=true","#,
        )],
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Pass);
}

/// dconf keyfiles count only when compiled and named by the profile.
#[test]
fn dconf_settings_count_only_when_compiled_and_in_the_profile() {
    let h = host(OsFamily::Linux, &["desktop"]);
    let th = allow_all();
    let f = linux_fixture("linux-temproot-hardened.json");
    assert_eq!(f.screen_lock.lock_after_secs, Some(600));
    assert_eq!(f.screen_lock.enforced, Some(true));
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Pass);
    // Never compiled: GNOME's defaults apply (5 minutes) and nothing is locked down.
    for (from, to) in [
        ("local|1793527205|1793527200", "local||1793527200"),
        ("local|1793527205|1793527200", "local|1793527100|1793527200"),
    ] {
        let f = edited("linux-temproot-hardened.json", &[(from, to)]);
        let x = one(judge::SCREEN_LOCK, &h, &f, &th);
        assert_eq!(x.status, Status::Warn, "{from} -> {to}: {}", x.summary);
        assert!(x.summary.contains("5 minutes"), "{}", x.summary);
        assert!(format!("{:?}", x.evidence).contains("dconf update"));
    }
    // A compiled keyfile that turns the lock off fails; uncompiled, it is not what runs.
    let off = [("lock-enabled=true", "lock-enabled=false")];
    let f = edited("linux-temproot-hardened.json", &off);
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    // No profile naming the database: its settings are not read.
    let f = edited(
        "linux-temproot-hardened.json",
        &[(
            r#""dconf_profile":["user-db:user","system-db:local"]"#,
            r#""dconf_profile":[]"#,
        )],
    );
    let x = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(x.status, Status::Warn, "{}", x.summary);
    assert!(format!("{:?}", x.evidence).contains("/etc/dconf/profile/user"));
}

fn screen_doc(screen_lock: &str) -> HostFacts {
    let doc = format!(r#"{{"probe":"caretaker-linux/1","screen_lock":{screen_lock}}}"#);
    parse::parse(doc.as_bytes(), OsFamily::Linux).unwrap()
}

#[test]
fn kde_xscreensaver_and_unknown_desktops() {
    let h = host(OsFamily::Linux, &["desktop"]);
    let th = allow_all();
    // KDE with no kscreenlockerrc: Plasma's defaults (locks after 5 minutes), users may change.
    let f = screen_doc(
        r#"{"present":["plasmashell","sddm"],"kscreenlocker":[],"autologin":["/etc/sddm.conf|[Autologin]|User="],"graphical":true}"#,
    );
    let x = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(
        (x.status, f.screen_lock.lock_after_secs),
        (Status::Warn, Some(300))
    );
    assert_eq!(one(judge::AUTO_LOGON, &h, &f, &th).status, Status::Pass);
    // Locked down system-wide.
    let f = screen_doc(
        r#"{"present":["plasmashell","sddm"],"kscreenlocker":["/etc/xdg/kscreenlockerrc|[Daemon][$i]|Autolock=true","/etc/xdg/kscreenlockerrc|[Daemon][$i]|Timeout=10"],"autologin":[],"graphical":true}"#,
    );
    let x = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(x.status, Status::Pass, "{}", x.summary);
    assert!(x.summary.contains("10 minutes"));
    // Autolock off.
    let f = screen_doc(
        r#"{"present":["plasmashell"],"kscreenlocker":["/etc/xdg/kscreenlockerrc|[Daemon]|Autolock=false"],"autologin":[],"graphical":true}"#,
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    // xscreensaver run at session start with Debian's app-defaults (lock: False).
    let f = screen_doc(
        r#"{"present":["xscreensaver","Xorg"],"autostart":["/etc/xdg/autostart/xscreensaver.desktop|[Desktop Entry]|Exec=xscreensaver -nosplash"],"xscreensaver":["/etc/X11/app-defaults/XScreenSaver:*timeout:0:10:00","/etc/X11/app-defaults/XScreenSaver:*lock:False"],"autologin":[],"graphical":true}"#,
    );
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    let f = screen_doc(
        r#"{"present":["xscreensaver","Xorg"],"autostart":["/etc/xdg/autostart/xscreensaver.desktop|[Desktop Entry]|Exec=xscreensaver -nosplash"],"xscreensaver":["/etc/X11/app-defaults/XScreenSaver:*timeout:0:10:00","/etc/X11/app-defaults/XScreenSaver:*lock:False","/etc/skel/.xscreensaver:lock:True"],"autologin":[],"graphical":true}"#,
    );
    assert_eq!(f.screen_lock.lock_after_secs, Some(600));
    // A timeout too large to count in seconds: never, in effect.
    let f = screen_doc(
        r#"{"present":["xscreensaver"],"autostart":["/etc/xdg/autostart/xscreensaver.desktop|[Desktop Entry]|Exec=xscreensaver"],"xscreensaver":["/etc/X11/app-defaults/XScreenSaver:*timeout:18446744073709551615:0:0","/etc/X11/app-defaults/XScreenSaver:*lock:True"],"autologin":[],"graphical":true}"#,
    );
    assert_eq!(f.screen_lock.lock_after_secs, Some(u64::MAX));
    assert_eq!(one(judge::SCREEN_LOCK, &h, &f, &th).status, Status::Fail);
    // A desktop caretaker does not know: an error that says what was looked for.
    let f = screen_doc(r#"{"present":["xfce4-session","Xorg"],"autologin":[],"graphical":true}"#);
    let x = one(judge::SCREEN_LOCK, &h, &f, &th);
    assert_eq!(x.status, Status::Error);
    assert!(x.summary.contains("looked for GNOME"), "{}", x.summary);
    assert!(
        x.summary.contains("found xfce4-session, Xorg"),
        "{}",
        x.summary
    );
}

/// The last upgrade is only in a rotated, compressed log; since then only an install.
#[test]
fn updates_are_dated_from_the_last_real_upgrade_in_any_log() {
    let f = linux_fixture("linux-temproot-rotated.json");
    assert_eq!(
        f.updates.last_installed,
        Some(datetime!(2026-10-14 08:00:04 UTC))
    );
    let h = host(OsFamily::Linux, &[]);
    let x = updates_at(&h, &f, datetime!(2026-11-23 02:00 UTC));
    assert_eq!(x.status, Status::Fail);
    assert!(x.summary.contains("for 39 days"), "{}", x.summary);
    assert!(
        format!("{:?}", x.evidence).contains("history.log.1.gz")
            || format!("{:?}", x.evidence).contains("dpkg.log.1")
    );
    // Waiting updates, security first.
    let f = edited(
        "linux-temproot-rotated.json",
        &[
            (r#""pending":null"#, r#""pending":22"#),
            (r#""pending_security":null"#, r#""pending_security":5"#),
            (
                r#""pending_security_names":null"#,
                r#""pending_security_names":"libssl3 openssl tzdata linux-image-amd64 curl ""#,
            ),
        ],
    );
    let x = updates_at(&h, &f, datetime!(2026-11-23 02:00 UTC));
    assert!(
        x.summary.contains(
            "5 security updates are waiting: libssl3, openssl, tzdata, …, and 17 others."
        ),
        "{}",
        x.summary
    );
    // Only installs recorded: no upgrade at all.
    let f = edited(
        "linux-temproot-rotated.json",
        &[(r#""upgrades":["#, r#""upgrades":[],"was":["#)],
    );
    let x = updates_at(&h, &f, datetime!(2026-11-23 02:00 UTC));
    assert_eq!(x.status, Status::Fail);
    assert!(x.summary.contains("No update"), "{}", x.summary);
}

fn updates_at(h: &HostInfo, f: &HostFacts, now: OffsetDateTime) -> Finding {
    judge(h, f, &allow_all(), now)
        .into_iter()
        .find(|x| x.check.as_str() == judge::UPDATES)
        .unwrap()
}

/// On the development machine's recorded output, only what was installed by hand is judged.
#[test]
fn software_judges_what_a_person_installed() {
    let f = linux_fixture("linux-debian12.json");
    let sw = f.software.as_ref().unwrap();
    assert!(sw.marks_known && sw.origin_known);
    assert!(sw.packages.len() > 700);
    let by_hand = judge::installed_by_hand(sw);
    assert!(by_hand.len() < 150, "{}", by_hand.len());
    assert!(by_hand.iter().any(|p| p.name == "git"));
    // Required/standard packages (bash, apt) and dependencies are the OS's own.
    assert!(!by_hand
        .iter()
        .any(|p| p.name == "bash" || p.name == "libc6"));
    let h = host(OsFamily::Linux, &[]);
    let th = HostThresholds {
        software_allow_linux: vec!["git".into()],
        ..HostThresholds::default()
    };
    let x = one(judge::SOFTWARE, &h, &f, &th);
    assert_eq!(x.status, Status::Fail);
    assert!(x.summary.contains("installed by hand"), "{}", x.summary);
    assert!(!x.summary.contains("bash"));
    let th = HostThresholds {
        software_allow_linux: by_hand
            .iter()
            .map(|p| p.name.rsplit(['/', ' ']).next().unwrap().to_string())
            .collect(),
        ..HostThresholds::default()
    };
    let x = one(judge::SOFTWARE, &h, &f, &th);
    assert_eq!(x.status, Status::Pass, "{}", x.summary);
}

/// Every configuration key named in a host finding's advice exists in caretaker.toml's schema.
#[test]
fn config_keys_named_in_host_advice_exist() {
    let keys: Vec<&str> = caretaker_config::docs::FIELDS
        .iter()
        .map(|f| f.key)
        .collect();
    let mut findings = Vec::new();
    for os in OsFamily::ALL {
        let h = host(os, &["laptop"]);
        let mut bad = good(os);
        bad.antivirus.installed = Some(false);
        bad.screen_lock.locks = Some(false);
        bad.screen_lock.auto_logon = Some(true);
        bad.updates.last_installed = Some(datetime!(2020-01-01 00:00 UTC));
        bad.encryption.system_encrypted = Some(false);
        bad.removable.blocked = Some(false);
        for th in [
            HostThresholds::default(),
            allow_all(),
            HostThresholds {
                software_allow_linux: vec!["[".into(), "x".into()],
                software_allow_windows: vec!["[".into(), "x".into()],
                software_allow_macos: vec!["[".into(), "x".into()],
                ..HostThresholds::default()
            },
        ] {
            findings.extend(judge(&h, &bad, &th, NOW));
            findings.extend(judge(&h, &good(os), &th, NOW));
        }
        findings.extend(unreachable_findings(&h, "down", "down"));
    }
    let mut named = 0;
    for f in &findings {
        let text = f.remediation.clone().unwrap_or_default();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
            let word = word.trim_matches('.');
            let looks_like_key = word.starts_with("hosts.")
                || word.starts_with("host.") && !CHECK_IDS.contains(&word)
                || (word.contains('_')
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                    && word.contains("allow"));
            if looks_like_key {
                named += 1;
                assert!(
                    keys.contains(&word),
                    "{}: advice names {word:?}, not a caretaker.toml key: {text}",
                    f.check
                );
            }
        }
    }
    assert!(named > 0, "the advice names no key at all");
}

/// `mdatp health` (transcribed; see the fixture README) read as Microsoft Defender for Endpoint.
#[test]
fn microsoft_defender_for_endpoint_on_linux() {
    let health: Vec<String> = String::from_utf8(fixture("mdatp-health.txt"))
        .unwrap()
        .lines()
        .map(|l| serde_json::to_string(l).unwrap())
        .collect();
    let doc = |health: &str| {
        format!(
            r#"{{"probe":"caretaker-linux/1","collected_at":{},"clamav":{{"daily_file":null,"clamscan":false}},"av_products":[{{"product":"Microsoft Defender for Endpoint","dir":"/opt/microsoft/mdatp","service":null,"definitions_mtime":null,"health":[{health}]}}]}}"#,
            NOW.unix_timestamp()
        )
    };
    let f = parse::parse(doc(&health.join(",")).as_bytes(), OsFamily::Linux).unwrap();
    assert_eq!(
        f.antivirus.product.as_deref(),
        Some("Microsoft Defender for Endpoint")
    );
    assert_eq!(f.antivirus.enabled, Some(true));
    assert_eq!(
        f.antivirus.signature_version.as_deref(),
        Some("1.421.158.0")
    );
    assert_eq!(
        f.antivirus.signatures_updated,
        Some(NOW - time::Duration::minutes(95))
    );
    let h = host(OsFamily::Linux, &[]);
    let x = one(judge::ANTIVIRUS, &h, &f, &allow_all());
    assert_eq!(x.status, Status::Pass, "{}", x.summary);
    assert!(
        x.summary.contains("Microsoft Defender for Endpoint"),
        "{}",
        x.summary
    );
    // Passive mode: installed but not protecting.
    let passive: Vec<String> = health
        .iter()
        .map(|l| {
            if l.contains("passive_mode_enabled") {
                l.replace("false", "true [managed]")
            } else {
                l.clone()
            }
        })
        .collect();
    let passive = passive.join(",");
    let f = parse::parse(doc(&passive).as_bytes(), OsFamily::Linux).unwrap();
    assert_eq!(
        one(judge::ANTIVIRUS, &h, &f, &allow_all()).status,
        Status::Fail
    );
    // Nothing at all: says what was looked for.
    let none = br#"{"probe":"caretaker-linux/1","clamav":{"daily_file":null,"clamscan":false},"av_products":[]}"#;
    let f = parse::parse(none, OsFamily::Linux).unwrap();
    let x = one(judge::ANTIVIRUS, &h, &f, &allow_all());
    assert_eq!(x.status, Status::Fail);
    assert!(
        x.summary.contains("no anti-virus found (looked for ClamAV"),
        "{}",
        x.summary
    );
    assert!(x.summary.contains("Sophos"), "{}", x.summary);
    // ESET with a recent detection module; Sophos running (age kept in its console); CrowdStrike.
    let eset = format!(
        r#"{{"probe":"caretaker-linux/1","collected_at":{now},"clamav":{{"daily_file":null,"clamscan":false}},"av_products":[{{"product":"ESET (eea)","dir":"/opt/eset/eea","service":"active","definitions_mtime":{t},"health":null}}]}}"#,
        now = NOW.unix_timestamp(),
        t = NOW.unix_timestamp() - 7200
    );
    let f = parse::parse(eset.as_bytes(), OsFamily::Linux).unwrap();
    assert_eq!(
        one(judge::ANTIVIRUS, &h, &f, &allow_all()).status,
        Status::Pass
    );
    let sophos = br#"{"probe":"caretaker-linux/1","clamav":{"daily_file":null,"clamscan":false},"av_products":[{"product":"Sophos Protection for Linux","dir":"/opt/sophos-spl","service":"active","definitions_mtime":null,"health":null}]}"#;
    let f = parse::parse(sophos, OsFamily::Linux).unwrap();
    assert_eq!(
        one(judge::ANTIVIRUS, &h, &f, &allow_all()).status,
        Status::Warn
    );
    let stopped = String::from_utf8(sophos.to_vec())
        .unwrap()
        .replace("\"active\"", "\"inactive\"");
    let f = parse::parse(stopped.as_bytes(), OsFamily::Linux).unwrap();
    assert_eq!(
        one(judge::ANTIVIRUS, &h, &f, &allow_all()).status,
        Status::Fail
    );
    let cs = br#"{"probe":"caretaker-linux/1","clamav":{"daily_file":null,"clamscan":false},"av_products":[{"product":"CrowdStrike Falcon","dir":"/opt/CrowdStrike","service":"active","definitions_mtime":null,"health":null}]}"#;
    let f = parse::parse(cs, OsFamily::Linux).unwrap();
    assert_eq!(
        one(judge::ANTIVIRUS, &h, &f, &allow_all()).status,
        Status::Pass
    );
}
