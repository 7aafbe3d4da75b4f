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

mod describe;
mod riverside_tree;
mod simulated;
mod specs;
#[cfg(test)]
mod tests;
mod tree;

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::process::{find, run, Server, Tool};
use crate::samba::{add_alias, del_alias, lo_addresses, IP};
use crate::util::{free_port, private_dir, write_file};
use crate::LabError;
use crate::School;
use riverside_tree::write_riverside_tree;
use specs::{specs, Kind};
use tree::write_tree;

pub(crate) use describe::{config_toml, planted, readme};

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
