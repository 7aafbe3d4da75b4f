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
use crate::School;

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

const WINDOWS_DOCS: &str = include_str!("../../../checks/fixtures/host/windows-defender-docs.json");
const MACOS_ON: &str = include_str!("../../../checks/fixtures/host/macos-filevault-on.json");
/// A real Debian 12 package database (see checks/fixtures/host/README.md for its origin).
const DEBIAN_STATUS: &str = include_str!("../../../checks/fixtures/host/debian12-dpkg-status");
const DEBIAN_EXTENDED_STATES: &str =
    include_str!("../../../checks/fixtures/host/debian12-extended_states");
const MDATP_HEALTH: &str = include_str!("../../../checks/fixtures/host/mdatp-health.txt");

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
    /// A Riverside machine: a full Debian package database and its own desktop.
    Riverside(RiversideTree),
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
const EXAMPLE_SPECS: &[Spec] = &[
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
enum Desk {
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
enum Av {
    ClamAv,
    /// Microsoft Defender for Endpoint: a stand-in `mdatp` printing checks/fixtures/host/
    /// mdatp-health.txt (the command cannot run without Microsoft's tenant).
    Mdatp,
}

/// A Riverside machine's file tree.
#[derive(Debug, Clone, Copy)]
struct RiversideTree {
    desk: Desk,
    av: Av,
    /// Days since the last upgrade.
    upgrade_days: i64,
    /// The upgrade is only in the rotated logs (history.log.1.gz, dpkg.log.1); the current
    /// ones hold a later install.
    rotated: bool,
    /// Updates waiting in the machine's package lists: (all, from the security archive).
    pending: (usize, usize),
    /// Programs installed on purpose from the archive (apt marks them manual).
    manual: &'static [(&'static str, &'static str, &'static str)],
    /// Valve's steam-launcher installed with `dpkg -i` (from no archive).
    steam: bool,
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

const CLASSROOM: &[(&str, &str, &str)] = &[
    ("firefox-esr", "128.5.0esr-1~deb12u1", "web"),
    ("libreoffice-writer", "4:7.4.7-1+deb12u5", "editors"),
    ("scratch", "1.4.0.6~dfsg1-6", "education"),
    ("tuxpaint", "1:0.9.28-1", "graphics"),
];

const RIVERSIDE: RiversideTree = RiversideTree {
    desk: Desk::Gnome,
    av: Av::ClamAv,
    upgrade_days: 2,
    rotated: false,
    pending: (0, 0),
    manual: CLASSROOM,
    steam: false,
};

/// Riverside Primary Academy's machines: all Linux, built unlike St. Example's.
const RIVERSIDE_SPECS: &[Spec] = &[
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

fn specs(school: School) -> &'static [Spec] {
    match school {
        School::Example => EXAMPLE_SPECS,
        School::Riverside => RIVERSIDE_SPECS,
    }
}

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
             (windows-defender-docs.json) AutoAdminLogon \"0\" -> \"1\"; ict-suite-01 (the same file) last hotfix InstalledOn\n\
             40 days ago and hostname ICT-SUITE-01; art-macbook (macos-filevault-on.json)\n\
             \"FileVault is On.\" -> \"FileVault is Off.\". Each Linux machine has its own package\n\
             database (var/lib/dpkg/status under its root) holding the approved programs, and\n\
             classroom-1's also holds Steam, which is not approved. classroom-1 is configured with\n\
             os = \"auto\": caretaker tells its operating system when it connects.\n\n",
        School::Riverside => "Every machine is Linux and runs caretaker's real probe against its own file tree\n\
             (hosts/<name>/root): a real Debian 12 package database (checks/fixtures/host/\n\
             debian12-dpkg-status, 695 packages) with apt's marks, apt package lists written from\n\
             it (so apt-get counts the updates waiting), and the machine's own desktop: GNOME with\n\
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
    school: School,
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
    for spec in specs(school) {
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
            Kind::Riverside(tree) => {
                let root = hdir.join("root");
                write_riverside_tree(&root, &tree, now)?;
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
    dconf_applied(root)
}

/// The dconf profile naming the `local` database, and a stand-in for the database `dconf update`
/// compiles from the keyfiles, written after them (the probe compares only the files' times).
fn dconf_applied(root: &Path) -> Result<(), LabError> {
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
fn put_file(root: &Path, rel: &str, data: &[u8]) -> Result<(), LabError> {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).map_err(|e| LabError::io("creating folder", parent, e))?;
    }
    fs::write(&p, data).map_err(|e| LabError::io("writing", &p, e))
}

/// `2026-11-20  09:15:02` (apt's history) or, with one space, dpkg.log's timestamp.
fn log_time(t: OffsetDateTime, sep: &str) -> String {
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
fn field<'a>(para: &'a str, name: &str) -> Option<&'a str> {
    para.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// The packages an upgrade can move without touching another (nothing depends on their exact
/// version, not Multi-Arch: same, not essential): the first `n` in the database's order.
fn upgradable(paras: &[&str], n: usize) -> Vec<String> {
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
fn archive_entry(para: &str, version: &str) -> String {
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

fn write_riverside_tree(
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
        assert_eq!(planted(School::Example).len(), 7);
        for school in [School::Example, School::Riverside] {
            for p in planted(school) {
                assert!(specs(school).iter().any(|s| s.name == p.target));
            }
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
