//! The school's mail server, for the daemon's alerts: aiosmtpd (Debian's python3-aiosmtpd) on
//! loopback, STARTTLS required with a certificate of the lab's CA, then a login (SMTP AUTH, the
//! password in `secrets/smtp.pass`), delivering every message into a maildir the tests and the
//! network manager can read. The server is `mail_server.py`, written into the lab folder.

use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::{find, Server, Tool};
use crate::tls::LabCa;
use crate::util::free_port;
use crate::LabError;

const PYTHON: Tool = Tool {
    name: "/usr/bin/python3",
    purpose: "runs the sample school's mail server (aiosmtpd)",
    install: "apt-get install python3-aiosmtpd",
};

/// The account caretaker logs in to the mail server as.
pub const SMTP_USER: &str = "caretaker";

/// How long the mail server has to start listening.
const READY_WITHIN: Duration = Duration::from_secs(20);

/// The running mail server.
#[derive(Debug)]
pub struct MailServer {
    server: Server,
    port: u16,
    maildir: PathBuf,
    password_file: PathBuf,
}

impl MailServer {
    /// Starts it in `dir` (the lab folder): certificate `mail.pem` from `ca`, messages into
    /// `dir/mail`, log in `dir/logs/mail.log`.
    pub(crate) fn start(dir: &Path, ca: &LabCa, own_group: bool) -> Result<MailServer, LabError> {
        let python = find(PYTHON)?;
        let has_module = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !has_module {
            return Err(LabError::MissingProgram {
                program: "aiosmtpd (python3 module)".to_string(),
                purpose: PYTHON.purpose,
                install: PYTHON.install,
            });
        }
        let cert = ca.issue("mail", &["127.0.0.1"], &["mail.stexample.lab"])?;
        let maildir = dir.join("mail");
        let port = free_port()?;
        let password_file = dir.join("secrets").join("smtp.pass");
        crate::util::write_secret(&password_file, &crate::util::random_password()?)?;
        // Beside the maildir: aiosmtpd makes the maildir itself.
        let script = dir.join("mail_server.py");
        crate::util::write_file(&script, include_str!("mail_server.py"))?;
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .arg(&maildir)
            .arg(port.to_string())
            .arg(&cert.cert)
            .arg(&cert.key)
            .arg(SMTP_USER)
            .arg(&password_file);
        let server = Server::spawn("aiosmtpd", cmd, &dir.join("logs/mail.log"), dir, own_group)?;
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            server.check_alive()?;
            let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
            if TcpStream::connect_timeout(&addr.into(), Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() >= deadline {
                server.stop(Duration::from_secs(1));
                return Err(LabError::Timeout {
                    what: format!("the mail server (aiosmtpd) to listen on 127.0.0.1:{port}"),
                    secs: READY_WITHIN.as_secs_f64(),
                    detail: crate::util::tail(&dir.join("logs/mail.log"), 15),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(MailServer {
            server,
            port,
            maildir,
            password_file,
        })
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.server.pid
    }

    /// The file holding the password of [`SMTP_USER`] (mode 0600).
    pub fn password_file(&self) -> &Path {
        &self.password_file
    }

    /// What the server said (its log: logins accepted and refused).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    /// The maildir messages are delivered into.
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// Every message received, oldest first, as it was delivered.
    pub fn messages(&self) -> Vec<String> {
        let mut out: Vec<(std::time::SystemTime, String, String)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let when = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    out.push((when, e.file_name().to_string_lossy().into_owned(), text));
                }
            }
        }
        out.sort();
        out.into_iter().map(|(_, _, m)| m).collect()
    }

    pub(crate) fn stop(&self) {
        self.server.stop(Duration::from_secs(2));
    }

    pub(crate) fn detach(&self) {
        self.server.detach();
    }
}
