//! A private OpenSSH server for tests: its own host key, its own authorized client key, listening
//! on free 127.0.0.1 ports, killed on drop. Requires openssh-server (`/usr/sbin/sshd`) and
//! `ssh-keygen`; a missing sshd fails the test (it is never skipped).

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use caretaker_transports::ssh::{SshAuth, SshTarget};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub ports: Vec<u16>,
    pub user: String,
    /// The authorized client key (private part).
    pub client_key: PathBuf,
    /// Generation of the current host key (bumped by `restart_with_new_host_key`).
    generation: u32,
    /// Host key types besides ed25519 (`ecdsa`, `rsa`), offered first.
    extra_key_types: Vec<String>,
    child: Option<Child>,
}

/// A port nobody listens on (bound then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Generates an ed25519 key pair without passphrase at `path` (and `path.pub`).
pub fn keygen(path: &Path) {
    keygen_type(path, "ed25519");
}

/// Generates a key pair of `key_type` (`ed25519`, `ecdsa`, `rsa`) without passphrase.
pub fn keygen_type(path: &Path, key_type: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", key_type, "-N", "", "-C", "caretaker-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ssh-keygen missing: apt-get install openssh-client");
    assert!(
        out.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `ssh-keygen -lf PUB` prints as the fingerprint (second field).
pub fn keygen_fingerprint(pubkey: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pubkey)
        .output()
        .expect("ssh-keygen -lf");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_string()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Sshd {
    /// Starts an sshd listening on `nports` free loopback ports, with an ed25519 host key.
    pub fn start(nports: usize) -> Sshd {
        Sshd::start_with_keys(nports, &[])
    }

    /// Like [`Sshd::start`], with host keys of `extra_types` too (listed before ed25519).
    pub fn start_with_keys(nports: usize, extra_types: &[&str]) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} not found: apt-get install openssh-server"
        );
        let _ = fs::create_dir_all("/run/sshd");
        let dir = tempfile::tempdir().expect("tempdir");
        let client_key = dir.path().join("client_key");
        keygen(&client_key);
        fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        let ports = (0..nports).map(|_| free_port()).collect();
        let mut sshd = Sshd {
            dir,
            ports,
            user: current_user(),
            client_key,
            generation: 0,
            extra_key_types: extra_types.iter().map(|t| t.to_string()).collect(),
            child: None,
        };
        sshd.new_host_key();
        sshd.launch();
        sshd
    }

    pub fn port(&self) -> u16 {
        self.ports[0]
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The current host key's public half.
    pub fn host_key_pub(&self) -> PathBuf {
        self.path(&format!("hostkey{}.pub", self.generation))
    }

    /// The public half of the current extra host key of `key_type`.
    pub fn extra_host_key_pub(&self, key_type: &str) -> PathBuf {
        self.path(&format!("hostkey{}-{key_type}.pub", self.generation))
    }

    /// The log of the current sshd process (`-e`, LogLevel VERBOSE).
    pub fn log_path(&self) -> PathBuf {
        self.path(&format!("sshd{}.log", self.generation))
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A target for `port` with the authorized key, `known_hosts` in the temp dir and small
    /// timeouts.
    pub fn target(&self, port: u16) -> SshTarget {
        let mut t = SshTarget::new(
            format!("test-{port}"),
            "127.0.0.1",
            port,
            self.user.clone(),
            SshAuth::KeyFile(self.client_key.clone()),
            self.path("known_hosts"),
        );
        t.connect_timeout = Duration::from_secs(2);
        t.command_timeout = Duration::from_secs(3);
        t.max_output = 1024 * 1024;
        t
    }

    /// Stops sshd, gives it a brand new host key and starts it again on the same ports.
    pub fn restart_with_new_host_key(&mut self) {
        self.stop();
        self.generation += 1;
        self.new_host_key();
        self.launch();
    }

    fn new_host_key(&self) {
        keygen(&self.path(&format!("hostkey{}", self.generation)));
        for t in &self.extra_key_types {
            keygen_type(&self.path(&format!("hostkey{}-{t}", self.generation)), t);
        }
    }

    fn launch(&mut self) {
        let d = self.dir.path();
        let mut config = String::new();
        for p in &self.ports {
            config.push_str(&format!("Port {p}\n"));
        }
        for t in &self.extra_key_types {
            let key = d.join(format!("hostkey{}-{t}", self.generation));
            config.push_str(&format!("HostKey {}\n", key.display()));
        }
        config.push_str(&format!(
            "ListenAddress 127.0.0.1\n\
             HostKey {hostkey}\n\
             PidFile {pid}\n\
             AuthorizedKeysFile {auth}\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             UsePAM no\n\
             StrictModes no\n\
             PermitRootLogin prohibit-password\n\
             MaxStartups 200:30:300\n\
             MaxSessions 100\n\
             LogLevel VERBOSE\n",
            hostkey = d.join(format!("hostkey{}", self.generation)).display(),
            pid = d.join("sshd.pid").display(),
            auth = d.join("authorized_keys").display(),
        ));
        let config_path = d.join("sshd_config");
        fs::write(&config_path, config).unwrap();
        let log = fs::File::create(self.log_path()).unwrap();
        let mut child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {SSHD} ({e}): apt-get install openssh-server")
            });
        // Wait until every port accepts connections.
        let start = Instant::now();
        for &port in &self.ports {
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("sshd exited ({status}): {}", self.log());
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "sshd did not listen on {port}: {}",
                    self.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until the ports are free again.
        for &port in &self.ports {
            let start = Instant::now();
            while TcpStream::connect(("127.0.0.1", port)).is_ok()
                && start.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}
