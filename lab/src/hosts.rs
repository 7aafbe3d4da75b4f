//! The school's machines: one private OpenSSH server per machine, each on its own loopback
//! address 127.0.X.Y (port 22 when it is free there), with its own ed25519 host key and the lab's
//! client key authorised for root.
//!
//! Linux machines run caretaker's real probe against real files: their sshd sets
//! `CARETAKER_ROOT` to DIR/hosts/NAME/root, a small file tree written here (os-release, a ClamAV
//! database header, the apt history, modprobe rules, GNOME dconf settings). Commands such as
//! `findmnt`, `lsblk` and `systemctl` still describe the machine the lab runs on.
//!
//! Windows and macOS machines are simulated: their sshd answers every command with a recorded
//! probe output (from `checks/fixtures/host/`, adjusted for the planted problem).

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::{Duration as Span, OffsetDateTime};

use crate::process::{find, run, Server, Tool};
use crate::samba::{add_alias, del_alias, lo_addresses, IP};
use crate::school::Planted;
use crate::util::{free_port, private_dir, write_file};
use crate::LabError;

const SSHD: Tool = Tool {
    name: "sshd",
    purpose: "the school's machines (one private SSH server each)",
    install: "apt-get install openssh-server",
};
const SSH_KEYGEN: Tool = Tool {
    name: "ssh-keygen",
    purpose: "the machines' host keys and the lab's client key",
    install: "apt-get install openssh-client",
};
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
const READY_TIMEOUT: Duration = Duration::from_secs(10);

const WINDOWS_DOCS: &str = include_str!("../../checks/fixtures/host/windows-defender-docs.json");
const MACOS_ON: &str = include_str!("../../checks/fixtures/host/macos-filevault-on.json");

/// What a Linux machine's file tree holds (everything else compliant).
#[derive(Debug, Clone, Copy)]
struct LinuxTree {
    av_age_days: i64,
    usb_blocked: bool,
    screen_lock: bool,
    /// Steam installed besides the approved programs.
    unapproved: bool,
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
enum Kind {
    Linux(LinuxTree),
    /// The recorded output this machine answers with, its dates moved to the lab's start.
    Simulated(fn(OffsetDateTime) -> String),
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    name: &'static str,
    os: &'static str,
    /// Written as `os = "auto"` in the school's configuration (caretaker detects it).
    detect_os: bool,
    roles: &'static [&'static str],
    kind: Kind,
}

const COMPLIANT: LinuxTree = LinuxTree {
    av_age_days: 0,
    usb_blocked: true,
    screen_lock: true,
    unapproved: false,
};

/// The school's machines. Linux machines are desktops: their encryption fact comes from the real
/// `lsblk` of the machine the lab runs on, so only desktops (not required to be encrypted) give a
/// predictable result.
const SPECS: &[Spec] = &[
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

fn replaced(text: &str, from: &str, to: &str) -> String {
    // The unit test checks that every replacement hits.
    text.replacen(from, to, 1)
}

fn iso(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `MM/DD/YYYY, HH:MM:SS`, as `softwareupdate --history` prints dates.
fn us_date(t: OffsetDateTime) -> String {
    format!(
        "{:02}/{:02}/{:04}, {:02}:{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// windows-defender-docs.json collected at `now` (signatures 3 hours old), its last hotfix
/// installed `hotfix_days` before.
fn windows(now: OffsetDateTime, hotfix_days: i64) -> String {
    let s = replaced(
        WINDOWS_DOCS,
        "\"collected_at\":\"2024-06-05T09:00:00Z\"",
        &format!("\"collected_at\":\"{}\"", iso(now)),
    );
    let s = replaced(
        &s,
        "\"AntivirusSignatureLastUpdated\":\"2024-06-04T08:06:27Z\"",
        &format!(
            "\"AntivirusSignatureLastUpdated\":\"{}\"",
            iso(now - Span::hours(3))
        ),
    );
    let s = replaced(
        &s,
        "\"AntivirusSignatureAge\":1,",
        "\"AntivirusSignatureAge\":0,",
    );
    replaced(
        &s,
        "\"InstalledOn\":\"2024-06-02T00:00:00Z\"",
        &format!("\"InstalledOn\":\"{}\"", iso(now - Span::days(hotfix_days))),
    )
}

/// Windows, AutoAdminLogon "1" (automatic logon on).
fn office_pc(now: OffsetDateTime) -> String {
    replaced(
        &windows(now, 3),
        "\"auto_admin_logon\":\"0\"",
        "\"auto_admin_logon\":\"1\"",
    )
}

/// Windows, the last hotfix installed 40 days before collection.
fn ict_suite(now: OffsetDateTime) -> String {
    replaced(&windows(now, 40), "OFFICE-PC-1", "ICT-SUITE-01")
}

/// macos-filevault-on.json collected at `now` (XProtect 1 day old, updates 5 days ago) with
/// FileVault off.
fn art_macbook(now: OffsetDateTime) -> String {
    let s = replaced(
        MACOS_ON,
        "\"collected_at\":1795399200",
        &format!("\"collected_at\":{}", now.unix_timestamp()),
    );
    let s = replaced(
        &s,
        "\"mtime\":1795312800",
        &format!("\"mtime\":{}", (now - Span::days(1)).unix_timestamp()),
    );
    let s = replaced(&s, "10/29/2026, 08:01:44", &us_date(now - Span::days(25)));
    let s = replaced(&s, "11/18/2026, 17:42:10", &us_date(now - Span::days(5)));
    let s = replaced(&s, "11/22/2026, 02:00:00", &us_date(now - Span::days(1)));
    replaced(&s, "FileVault is On. ", "FileVault is Off. ")
}

/// The problems planted on the machines.
pub(crate) fn planted() -> Vec<Planted> {
    let p = |check: &'static str, target: &str, what: &'static str| Planted {
        directory: "hosts",
        check,
        target: target.to_string(),
        what,
    };
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
            "host.screen-lock",
            "office-pc",
            "office-pc (Windows, simulated): automatic logon is on (AutoAdminLogon \"1\").",
        ),
        p(
            "host.updates",
            "ict-suite-01",
            "ict-suite-01 (Windows, simulated): the last update was installed 40 days ago.",
        ),
        p(
            "host.encryption",
            "art-macbook",
            "art-macbook (macOS laptop, simulated): FileVault is off.",
        ),
    ]
}

/// One running machine.
#[derive(Debug)]
pub struct LabHost {
    name: &'static str,
    os: &'static str,
    detect_os: bool,
    roles: &'static [&'static str],
    simulated: bool,
    address: Ipv4Addr,
    port: u16,
    root: Option<PathBuf>,
    server: Server,
    alias_added: AtomicBool,
}

impl LabHost {
    /// The machine's name (its `[[host]]` name).
    pub fn name(&self) -> &str {
        self.name
    }
    /// `linux`, `windows` or `macos`.
    pub fn os(&self) -> &str {
        self.os
    }
    /// What the school's configuration says of its OS: `auto` where caretaker is left to detect
    /// it, else [`LabHost::os`].
    pub fn configured_os(&self) -> &str {
        if self.detect_os {
            "auto"
        } else {
            self.os
        }
    }
    pub fn roles(&self) -> &[&'static str] {
        self.roles
    }
    /// Whether it answers with a recorded output (Windows, macOS) instead of the real probe.
    pub fn simulated(&self) -> bool {
        self.simulated
    }
    pub fn address(&self) -> Ipv4Addr {
        self.address
    }
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The file tree the real probe reads (`CARETAKER_ROOT`), for a Linux machine.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }
    pub fn pid(&self) -> u32 {
        self.server.pid
    }
    pub(crate) fn stop(&self) {
        self.server.stop(Duration::from_secs(5));
        if self.alias_added.swap(false, Ordering::SeqCst) {
            if let Ok(ip) = find(IP) {
                del_alias(&ip, self.address);
            }
        }
    }
    pub(crate) fn detach(&self) {
        self.server.detach();
        self.alias_added.store(false, Ordering::SeqCst);
    }
}

impl Drop for LabHost {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts every machine. Writes DIR/known_hosts, DIR/secrets/host_key and DIR/hosts/.
pub(crate) fn start(
    dir: &Path,
    now: OffsetDateTime,
    detachable: bool,
) -> Result<Vec<LabHost>, LabError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(LabError::NeedsRoot);
    }
    let sshd = find(SSHD)?;
    let keygen = find(SSH_KEYGEN)?;
    let ip = find(IP)?;
    let _ = fs::create_dir_all("/run/sshd");
    let hosts_dir = dir.join("hosts");
    private_dir(&hosts_dir)?;
    ensure_client_key(dir)?;
    let authorized = hosts_dir.join("authorized_keys");
    let client_pub = dir.join("secrets").join("host_key.pub");
    fs::copy(&client_pub, &authorized).map_err(|e| LabError::io("copying", &client_pub, e))?;

    let mut out: Vec<LabHost> = Vec::new();
    let mut known = String::new();
    for spec in SPECS {
        let hdir = hosts_dir.join(spec.name);
        private_dir(&hdir)?;
        let key = hdir.join("ssh_host_ed25519_key");
        gen_key(&keygen, &key)?;
        let address = pick_address(&ip)?;
        let alias_added = add_alias(&ip, address)?;
        let port = if bindable(address, 22) {
            22
        } else {
            free_port_on(address)?
        };
        let mut cfg = format!(
            "ListenAddress {address}:{port}\nHostKey {key}\nPidFile none\n\
             AuthorizedKeysFile {auth}\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             PermitRootLogin prohibit-password\nAllowUsers root\nLogLevel VERBOSE\n",
            key = key.display(),
            auth = authorized.display(),
        );
        let (root, simulated) = match spec.kind {
            Kind::Linux(tree) => {
                let root = hdir.join("root");
                write_tree(&root, tree, now)?;
                let _ = writeln!(cfg, "SetEnv CARETAKER_ROOT={}", root.display());
                (Some(root), false)
            }
            Kind::Simulated(output) => {
                let file = hdir.join("probe-output.json");
                write_file(&file, &output(now.to_offset(time::UtcOffset::UTC)))?;
                let _ = writeln!(cfg, "ForceCommand cat {}", file.display());
                (None, true)
            }
        };
        let cfg_path = hdir.join("sshd_config");
        write_file(&cfg_path, &cfg)?;
        let mut cmd = Command::new(&sshd);
        cmd.arg("-D").arg("-e").arg("-f").arg(&cfg_path);
        let log = dir.join("logs").join(format!("sshd-{}.log", spec.name));
        let server = match Server::spawn("sshd", cmd, &log, dir, detachable) {
            Ok(s) => s,
            Err(e) => {
                if alias_added {
                    del_alias(&ip, address);
                }
                return Err(e);
            }
        };
        let host = LabHost {
            name: spec.name,
            os: spec.os,
            detect_os: spec.detect_os,
            roles: spec.roles,
            simulated,
            address,
            port,
            root,
            server,
            alias_added: AtomicBool::new(alias_added),
        };
        let pubkey = fs::read_to_string(hdir.join("ssh_host_ed25519_key.pub"))
            .map_err(|e| LabError::io("reading", &hdir, e))?;
        let mut fields = pubkey.split_whitespace();
        let (kt, kb) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        let who = if port == 22 {
            address.to_string()
        } else {
            format!("[{address}]:{port}")
        };
        let _ = writeln!(known, "{who} {kt} {kb}");
        out.push(host);
    }
    write_file(&dir.join("known_hosts"), &known)?;
    // All started; now wait until each accepts connections.
    for h in &out {
        wait_ready(h)?;
    }
    Ok(out)
}

fn wait_ready(h: &LabHost) -> Result<(), LabError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let sa = SocketAddrV4::new(h.address, h.port);
    loop {
        h.server.check_alive()?;
        if TcpStream::connect_timeout(&sa.into(), Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(LabError::State(format!(
                "sshd of {} did not listen on {sa} within {READY_TIMEOUT:?}",
                h.name
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// DIR/secrets/host_key, the key caretaker logs in to every lab machine with: made once, shared
/// by the school's machines and the web filter's vantage machines. Returns the public key's path.
pub(crate) fn ensure_client_key(dir: &Path) -> Result<PathBuf, LabError> {
    static MAKING: Mutex<()> = Mutex::new(());
    let _one = MAKING.lock().unwrap_or_else(|p| p.into_inner());
    let key = dir.join("secrets").join("host_key");
    let public = dir.join("secrets").join("host_key.pub");
    if !key.exists() || !public.exists() {
        let _ = fs::remove_file(&key);
        gen_key(&find(SSH_KEYGEN)?, &key)?;
    }
    Ok(public)
}

fn gen_key(keygen: &Path, path: &Path) -> Result<(), LabError> {
    let _ = fs::remove_file(path);
    let mut pubp = path.as_os_str().to_owned();
    pubp.push(".pub");
    let _ = fs::remove_file(PathBuf::from(pubp));
    run(
        Command::new(keygen)
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "caretaker-lab", "-f"])
            .arg(path),
        None,
        TOOL_TIMEOUT,
    )?;
    Ok(())
}

fn bindable(addr: Ipv4Addr, port: u16) -> bool {
    TcpListener::bind(SocketAddrV4::new(addr, port)).is_ok()
}

fn free_port_on(addr: Ipv4Addr) -> Result<u16, LabError> {
    for _ in 0..50 {
        let p = free_port()?;
        if bindable(addr, p) {
            return Ok(p);
        }
    }
    Err(LabError::NoFreeAddress {
        what: "free port for a machine's sshd",
    })
}

/// Picks 127.0.X.Y (X in 200..=249, apart from Samba's 100..=199) that no interface has, never one
/// this process handed out before.
fn pick_address(ip: &Path) -> Result<Ipv4Addr, LabError> {
    static GIVEN: Mutex<Vec<Ipv4Addr>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    let existing = lo_addresses(ip)?;
    const SPAN: u32 = 50 * 254;
    let seed = (std::process::id().wrapping_mul(7919) + given.len() as u32 * 13) % SPAN;
    for i in 0..SPAN {
        let k = (seed + i) % SPAN;
        let addr = Ipv4Addr::new(127, 0, 200 + (k / 254) as u8, 1 + (k % 254) as u8);
        if given.contains(&addr) || existing.contains(&addr) {
            continue;
        }
        given.push(addr);
        return Ok(addr);
    }
    Err(LabError::NoFreeAddress {
        what: "loopback address for a machine",
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A ClamAV database header (the `.cvd` layout: build time, version, signatures, functionality
/// level, MD5, digital signature, builder, build time in seconds), padded with NULs to 512 bytes.
fn clamav_header(built: OffsetDateTime) -> Vec<u8> {
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

fn write_tree(root: &Path, t: LinuxTree, now: OffsetDateTime) -> Result<(), LabError> {
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
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn simulated_outputs_carry_the_planted_values() {
        let now = OffsetDateTime::from_unix_timestamp(1_795_437_478).unwrap();
        let office = office_pc(now);
        assert!(office.contains("\"auto_admin_logon\":\"1\""));
        assert!(office.contains("\"collected_at\":\"2026-11-23T"));
        assert!(!office.contains("2024-"), "{office}");
        let ict = ict_suite(now);
        assert!(ict.contains("\"InstalledOn\":\"2026-10-14T"), "{ict}");
        assert!(ict.contains("ICT-SUITE-01"));
        let mac = art_macbook(now);
        assert!(mac.contains("FileVault is Off."));
        assert!(mac.contains("\"collected_at\":1795437478"));
        assert!(mac.contains("11/18/2026, "), "{mac}");
        assert!(
            !mac.contains("08:01:44") && !mac.contains("1795312800"),
            "{mac}"
        );
        assert_eq!(planted().len(), 7);
        for p in planted() {
            assert!(SPECS.iter().any(|s| s.name == p.target));
        }
    }

    #[test]
    fn clamav_header_is_512_bytes() {
        let t = OffsetDateTime::from_unix_timestamp(1_795_332_360).unwrap();
        let h = clamav_header(t);
        assert_eq!(h.len(), 512);
        assert!(h.starts_with(b"ClamAV-VDB:22 Nov 2026 "));
    }
}
