//! The lab's certificate authority and server certificates, made with the `openssl` tool.
//!
//! Keys are EC P-256 (instant to make; accepted by GnuTLS in slapd and Samba and by rustls in
//! caretaker). Certificates carry an IP subjectAltName, since the servers are reached by address.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{find, run, Tool};
use crate::util::{private_dir, random_bytes, write_file};
use crate::LabError;

const OPENSSL: Tool = Tool {
    name: "openssl",
    purpose: "making the lab's TLS certificates",
    install: "apt-get install openssl",
};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The lab CA in DIR/tls: `ca.pem` (trusted by caretaker) and `ca.key`.
#[derive(Debug, Clone)]
pub(crate) struct LabCa {
    dir: PathBuf,
    openssl: PathBuf,
    pub ca_pem: PathBuf,
    ca_key: PathBuf,
}

/// A server certificate and its key (mode 0600).
#[derive(Debug, Clone)]
pub(crate) struct ServerCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl LabCa {
    /// Makes a new CA in `dir` (mode 0700).
    pub fn create(dir: &Path) -> Result<LabCa, LabError> {
        let openssl = find(OPENSSL)?;
        private_dir(dir)?;
        let ca = LabCa {
            dir: dir.to_path_buf(),
            openssl,
            ca_pem: dir.join("ca.pem"),
            ca_key: dir.join("ca.key"),
        };
        run(
            Command::new(&ca.openssl)
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                ])
                .args(["-nodes", "-sha256", "-days", "825", "-subj"])
                .arg("/O=St. Example's Primary/CN=St. Example's Primary lab CA")
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
                .arg("-keyout")
                .arg(&ca.ca_key)
                .arg("-out")
                .arg(&ca.ca_pem),
            None,
            TIMEOUT,
        )?;
        restrict(&ca.ca_key)?;
        Ok(ca)
    }

    /// Issues a server certificate `NAME.pem` / `NAME.key` for the given IP addresses and DNS names.
    pub fn issue(&self, name: &str, ips: &[&str], dns: &[&str]) -> Result<ServerCert, LabError> {
        let key = self.dir.join(format!("{name}.key"));
        let csr = self.dir.join(format!("{name}.csr"));
        let cert = self.dir.join(format!("{name}.pem"));
        let ext = self.dir.join(format!("{name}.ext"));
        let cn = dns.first().or(ips.first()).copied().unwrap_or("localhost");
        run(
            Command::new(&self.openssl)
                .args([
                    "req",
                    "-new",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                ])
                .args(["-nodes", "-subj"])
                .arg(format!("/O=St. Example's Primary/CN={cn}"))
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&csr),
            None,
            TIMEOUT,
        )?;
        restrict(&key)?;
        let san: Vec<String> = ips
            .iter()
            .map(|ip| format!("IP:{ip}"))
            .chain(dns.iter().map(|d| format!("DNS:{d}")))
            .collect();
        write_file(
            &ext,
            &format!(
                "subjectAltName={}\nbasicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement\n\
                 extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n\
                 authorityKeyIdentifier=keyid\n",
                san.join(",")
            ),
        )?;
        let serial: String = random_bytes(12)?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        run(
            Command::new(&self.openssl)
                .args(["x509", "-req", "-sha256", "-days", "825", "-in"])
                .arg(&csr)
                .arg("-CA")
                .arg(&self.ca_pem)
                .arg("-CAkey")
                .arg(&self.ca_key)
                .arg("-set_serial")
                .arg(format!("0x1{serial}"))
                .arg("-extfile")
                .arg(&ext)
                .arg("-out")
                .arg(&cert),
            None,
            TIMEOUT,
        )?;
        let _ = std::fs::remove_file(&csr);
        let _ = std::fs::remove_file(&ext);
        Ok(ServerCert { cert, key })
    }
}

fn restrict(path: &Path) -> Result<(), LabError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| LabError::io("setting mode 0600 on", path, e))
}
