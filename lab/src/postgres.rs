//! A trust's PostgreSQL server for the lab: Debian's `postgresql` package, started on 127.0.0.1
//! with TLS only (a certificate from a lab CA of its own, for the address), SCRAM passwords, and
//! a database `caretaker` owned by `caretaker_owner`.
//!
//! PostgreSQL refuses to run as root: as root, the server's files are owned by the package's
//! `postgres` user and its commands run through `runuser -u postgres --`. Its folder is made
//! under the system's temporary folder (the lab's own folder is private to the lab's user) and
//! removed when the server is stopped.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::run;
use crate::tls::LabCa;
use crate::util::{free_port, random_password, write_file, write_secret};
use crate::LabError;

/// What to install for the server.
pub const POSTGRES_INSTALL: &str = "apt-get install postgresql";

/// The role that owns the trust's database (it runs `caretaker trust init-school`).
pub const TRUST_OWNER: &str = "caretaker_owner";
/// The trust's database.
pub const TRUST_DATABASE: &str = "caretaker";

const STEP: Duration = Duration::from_secs(60);

/// A running PostgreSQL server. Dropping it stops the server and removes its files.
#[derive(Debug)]
pub struct TrustDb {
    /// The server's folder (data, certificate, socket, log).
    root: PathBuf,
    bin: PathBuf,
    /// Run the server's commands as this user (Some("postgres") when root).
    as_user: Option<String>,
    /// Where the lab keeps what caretaker needs (CA, the owner's password): the caller's folder.
    pub port: u16,
    pub ca_pem: PathBuf,
    /// The owner's password, in a file of mode 0600 in the caller's folder.
    pub owner_password_file: PathBuf,
    running: bool,
}

impl TrustDb {
    /// Starts a new server; what caretaker needs (the CA certificate and the owner's password
    /// file) is written to `dir`.
    pub fn start(dir: &Path) -> Result<TrustDb, LabError> {
        let bin = find_bin()?;
        let root_user = nix::unistd::geteuid().is_root();
        let root = tempfile::Builder::new()
            .prefix("caretaker-pg-")
            .tempdir()
            .map_err(|e| LabError::io("creating a folder for PostgreSQL", "/tmp", e))?
            .keep();
        let as_user = if root_user {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(LabError::MissingProgram {
                    program: "the postgres user".into(),
                    purpose: "running PostgreSQL as root's lab (the server refuses root)",
                    install: POSTGRES_INSTALL,
                })?;
            chown(&root, &user)?;
            Some(user.name)
        } else {
            None
        };
        fs::create_dir_all(dir).map_err(|e| LabError::io("creating folder", dir, e))?;
        let ca = LabCa::create(&dir.join("trust-tls"))?;
        let cert = ca.issue("postgres", &["127.0.0.1"], &["localhost"])?;
        let ca_pem = dir.join("trust-ca.pem");
        fs::copy(&ca.ca_pem, &ca_pem).map_err(|e| LabError::io("copying", &ca_pem, e))?;
        let password = random_password()?;
        let owner_password_file = dir.join("trust-owner.pass");
        write_secret(&owner_password_file, &password)?;
        // The server's own copies, readable by the server's user only.
        let pwfile = root.join("pwfile");
        write_secret(&pwfile, &password)?;
        let (crt, key) = (root.join("server.crt"), root.join("server.key"));
        fs::copy(&cert.cert, &crt).map_err(|e| LabError::io("copying", &crt, e))?;
        fs::copy(&cert.key, &key).map_err(|e| LabError::io("copying", &key, e))?;
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
            .map_err(|e| LabError::io("setting mode 0600 on", &key, e))?;
        let port = free_port()?;
        let mut db = TrustDb {
            root: root.clone(),
            bin,
            as_user,
            port,
            ca_pem,
            owner_password_file,
            running: false,
        };
        if let Some(user) = &db.as_user {
            let user = nix::unistd::User::from_name(user).ok().flatten();
            for f in [&pwfile, &crt, &key] {
                if let Some(u) = &user {
                    chown(f, u)?;
                }
            }
        }
        let data = root.join("data");
        db.server_command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "scram-sha-256",
                "-U",
                TRUST_OWNER,
                "-E",
                "UTF8",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .status_within(STEP)?;
        let conf = format!(
            "\n# caretaker's lab\nlisten_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = '{root}'\nssl = on\nssl_cert_file = '{crt}'\n\
             ssl_key_file = '{key}'\nmax_connections = 200\nshared_buffers = 128MB\n",
            root = root.display(),
            crt = crt.display(),
            key = key.display()
        );
        append(&data.join("postgresql.conf"), &conf)?;
        // TLS only: a plain connection has no line that admits it.
        write_file(
            &data.join("pg_hba.conf"),
            "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
        )?;
        db.start_again()?;
        run(
            Command::new(db.bin.join("createdb"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-U",
                    TRUST_OWNER,
                ])
                .arg(TRUST_DATABASE)
                .env("PGPASSWORD", &password)
                .env("PGSSLMODE", "require"),
            None,
            STEP,
        )?;
        Ok(db)
    }

    /// `postgres://ROLE@127.0.0.1:PORT/caretaker?sslmode=verify-full`.
    pub fn url(&self, role: &str) -> String {
        format!(
            "postgres://{role}@127.0.0.1:{}/{TRUST_DATABASE}?sslmode=verify-full",
            self.port
        )
    }

    /// Stops the server (the link to the trust is cut); [`TrustDb::start_again`] brings it back
    /// with everything it held.
    pub fn stop(&mut self) -> Result<(), LabError> {
        if self.running {
            self.server_command("pg_ctl")
                .arg("-D")
                .arg(self.root.join("data"))
                .args(["-m", "fast", "-w", "stop"])
                .status_within(STEP)?;
            self.running = false;
        }
        Ok(())
    }

    /// Starts the stopped server again.
    pub fn start_again(&mut self) -> Result<(), LabError> {
        if !self.running {
            self.server_command("pg_ctl")
                .arg("-D")
                .arg(self.root.join("data"))
                .arg("-l")
                .arg(self.root.join("log"))
                .args(["-w", "-t", "60", "start"])
                .status_within(STEP)
                .map_err(|e| match e {
                    LabError::Command {
                        command,
                        status,
                        output,
                    } => LabError::Command {
                        command,
                        status,
                        output: format!(
                            "{output}\nserver log:\n{}",
                            crate::util::tail(&self.root.join("log"), 20)
                        ),
                    },
                    other => other,
                })?;
            self.running = true;
        }
        Ok(())
    }

    /// A command of the server's (initdb, pg_ctl), run as the server's user.
    fn server_command(&self, name: &str) -> ServerCommand {
        let program = self.bin.join(name);
        let cmd = match &self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        ServerCommand(cmd)
    }
}

impl Drop for TrustDb {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = fs::remove_dir_all(&self.root);
    }
}

struct ServerCommand(Command);

impl ServerCommand {
    fn arg(&mut self, a: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.0.arg(a);
        self
    }
    fn args<I, S>(&mut self, a: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.0.args(a);
        self
    }
    fn status_within(&mut self, limit: Duration) -> Result<(), LabError> {
        // The server's commands are run from a folder its user may enter.
        self.0.current_dir("/");
        run(&mut self.0, None, limit).map(|_| ())
    }
}

/// The newest installed PostgreSQL's programs (`/usr/lib/postgresql/N/bin`).
fn find_bin() -> Result<PathBuf, LabError> {
    let missing = || LabError::MissingProgram {
        program: "initdb (PostgreSQL server)".into(),
        purpose: "the trust's database",
        install: POSTGRES_INSTALL,
    };
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| missing())?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b).ok_or_else(missing)
}

fn chown(path: &Path, user: &nix::unistd::User) -> Result<(), LabError> {
    std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
        .map_err(|e| LabError::io("giving to the postgres user", path, e))
}

fn append(path: &Path, text: &str) -> Result<(), LabError> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| LabError::io("opening", path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| LabError::io("writing", path, e))
}
