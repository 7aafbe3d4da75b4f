//! St. Example's Primary in Active Directory: a Samba 4 AD domain controller on its own loopback
//! address.
//!
//! Samba's LDAP ports (389/636) cannot be moved, so each DC gets its own address 127.0.X.Y (added
//! to `lo` as a /32 alias: Samba only binds to addresses an interface really has) and binds only
//! there (`interfaces` + `bind interfaces only`). Only the `ldap` service runs: no KDC, SMB, NBT,
//! DNS or RPC, so nothing listens on 88/135/445.
//!
//! Provisioning takes ≈5 s of CPU, so it is done once per machine into a cached template
//! (`$TMPDIR/caretaker-lab-cache-UID/`), which each lab copies with `cp -a`, gives its own
//! Administrator password, starts, and fills over LDAPS.

mod accounts;
mod alias;
mod provision;
#[cfg(test)]
mod tests;

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::ldif::LdapEntry;
use crate::openldap::{Secret, LDAPMODIFY, LDAPSEARCH};
use crate::process::{find, run, Server, Tool, SAMBA_INSTALL};
use crate::tls::LabCa;
use crate::util::{private_dir, random_password, write_file, write_secret};
use crate::LabError;
use accounts::{created_ldif, school_ldif};
use alias::pick_address;
use provision::{ensure_template, smb_conf, PY_HELPER};

pub(crate) use alias::{add_alias, del_alias, lo_addresses, remove_alias};

/// The AD domain's base DN.
pub const AD_BASE_DN: &str = "DC=ad,DC=stexample,DC=sch,DC=uk";
/// The OU holding the school's computer objects (`[[hosts.discover]]` searches it).
pub const COMPUTERS_OU: &str = "OU=School Computers,DC=ad,DC=stexample,DC=sch,DC=uk";
/// The Kerberos realm (also the DNS domain, upper-cased).
pub const AD_REALM: &str = "AD.STEXAMPLE.SCH.UK";
/// The NetBIOS domain name.
pub const AD_DOMAIN: &str = "STEXAMPLE";
/// caretaker's read-only account.
pub const AD_CARETAKER_DN: &str = "CN=caretaker,CN=Users,DC=ad,DC=stexample,DC=sch,DC=uk";
const DNS_DOMAIN: &str = "ad.stexample.sch.uk";
const PSO_CONTAINER: &str =
    "CN=Password Settings Container,CN=System,DC=ad,DC=stexample,DC=sch,DC=uk";

const SAMBA: Tool = Tool {
    name: "samba",
    purpose: "the Active Directory domain controller of the sample school",
    install: SAMBA_INSTALL,
};
const SAMBA_TOOL: Tool = Tool {
    name: "samba-tool",
    purpose: "provisioning the sample school's Active Directory",
    install: SAMBA_INSTALL,
};
/// Samba's Python bindings are installed for the system Python, whatever `python3` is on PATH.
const PYTHON: Tool = Tool {
    name: "/usr/bin/python3",
    purpose: "Samba's Python bindings (setting system-only attributes such as whenCreated)",
    install: SAMBA_INSTALL,
};
pub(crate) const IP: Tool = Tool {
    name: "ip",
    purpose: "giving each domain controller its own loopback address",
    install: "apt-get install iproute2",
};
const CP: Tool = Tool {
    name: "cp",
    purpose: "copying the provisioned domain",
    install: "apt-get install coreutils",
};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);
const PROVISION_TIMEOUT: Duration = Duration::from_secs(180);
/// Bump when the template's provisioning changes, so old caches are not used.
const TEMPLATE_FORMAT: &str = "v1";

/// A running Samba AD DC holding the sample school.
#[derive(Debug)]
pub struct SambaAd {
    address: Ipv4Addr,
    ldaps_url: String,
    ca_file: PathBuf,
    admin_password: Secret,
    admin_password_file: PathBuf,
    bind_password_file: PathBuf,
    conf: PathBuf,
    samba_tool: PathBuf,
    ldapsearch: PathBuf,
    ldapmodify: PathBuf,
    ip: PathBuf,
    alias_added: Mutex<bool>,
    server: Server,
}

impl SambaAd {
    /// Copies the provisioned domain into DIR/ad, starts Samba on a fresh loopback address and
    /// fills in the school.
    pub(crate) fn start(
        lab_dir: &Path,
        ca: &LabCa,
        user_password: &str,
        now: OffsetDateTime,
        detachable: bool,
    ) -> Result<SambaAd, LabError> {
        let samba = find(SAMBA)?;
        let samba_tool = find(SAMBA_TOOL)?;
        let python = find(PYTHON)?;
        let ldapsearch = find(LDAPSEARCH)?;
        let ldapmodify = find(LDAPMODIFY)?;
        let ip = find(IP)?;
        let cp = find(CP)?;
        if !nix::unistd::geteuid().is_root() {
            return Err(LabError::NeedsRoot);
        }

        let template = ensure_template(&samba, &samba_tool)?;
        let ad_dir = lab_dir.join("ad");
        if ad_dir.exists() {
            fs::remove_dir_all(&ad_dir).map_err(|e| LabError::io("removing old", &ad_dir, e))?;
        }
        run(
            Command::new(&cp).arg("-a").arg(&template).arg(&ad_dir),
            None,
            TOOL_TIMEOUT,
        )?;
        let _ = fs::remove_file(ad_dir.join("complete"));
        fs::set_permissions(&ad_dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| LabError::io("setting mode 0700 on", &ad_dir, e))?;
        for sub in ["run", "cache"] {
            private_dir(&ad_dir.join(sub))?;
        }
        let secrets = lab_dir.join("secrets");
        private_dir(&secrets)?;
        let logs = lab_dir.join("logs");
        private_dir(&logs)?;

        let address = pick_address(&ip)?;
        let addr_s = address.to_string();
        let dc_name = format!("dc1.{DNS_DOMAIN}");
        let cert = ca.issue("ad", &[&addr_s], &[&dc_name])?;
        let conf = ad_dir.join("etc").join("smb.conf");
        write_file(
            &conf,
            &smb_conf(
                &ad_dir,
                address,
                &cert.cert,
                &cert.key,
                &ca.ca_pem,
                &logs.join("samba.log"),
            ),
        )?;

        let admin_password = random_password()?;
        let caretaker_password = random_password()?;
        let admin_password_file = secrets.join("ad-admin.pass");
        let bind_password_file = secrets.join("ad.pass");
        write_secret(&admin_password_file, &admin_password)?;
        write_secret(&bind_password_file, &caretaker_password)?;
        // The template's Administrator password was thrown away: give this lab its own.
        run(
            Command::new(&python)
                .args(["-c", PY_HELPER, "admin-password"])
                .arg(&conf),
            Some(admin_password.as_bytes()),
            TOOL_TIMEOUT,
        )?;

        let alias_added = add_alias(&ip, address)?;
        let mut cmd = Command::new(&samba);
        cmd.args(["--foreground", "--no-process-group", "-M", "single", "-s"])
            .arg(&conf);
        // Built before the server so a failure below removes the alias and stops samba (Drop).
        let server = match Server::spawn(
            "samba",
            cmd,
            &logs.join("samba.stdout.log"),
            lab_dir,
            detachable,
        ) {
            Ok(s) => s,
            Err(e) => {
                if alias_added {
                    del_alias(&ip, address);
                }
                return Err(e);
            }
        };
        let ad = SambaAd {
            address,
            ldaps_url: format!("ldaps://{address}:636"),
            ca_file: ca.ca_pem.clone(),
            admin_password: Secret(admin_password),
            admin_password_file,
            bind_password_file,
            conf,
            samba_tool,
            ldapsearch,
            ldapmodify,
            ip,
            alias_added: Mutex::new(alias_added),
            server,
        };
        ad.wait_ready(READY_TIMEOUT)?;
        ad.populate(now, user_password, &caretaker_password)?;
        run(
            Command::new(&python)
                .args(["-c", PY_HELPER, "finish"])
                .arg(&ad.conf)
                .arg(PSO_CONTAINER)
                .arg("caretaker"),
            Some(created_ldif(now).as_bytes()),
            TOOL_TIMEOUT,
        )?;
        ad.verify_caretaker()?;
        Ok(ad)
    }

    fn tool(&self, program: &Path) -> Command {
        crate::ldif::ldap_tool(program, &self.ca_file)
    }

    fn wait_ready(&self, timeout: Duration) -> Result<(), LabError> {
        let started = Instant::now();
        loop {
            self.server.check_alive()?;
            let mut cmd = self.tool(&self.ldapsearch);
            cmd.args(["-x", "-LLL", "-o", "nettimeout=2", "-H", &self.ldaps_url])
                .args(["-s", "base", "-b", "", "defaultNamingContext"]);
            let last = match run(&mut cmd, None, Duration::from_secs(5)) {
                Ok(out) if out.stdout.contains(AD_BASE_DN) => return Ok(()),
                Ok(out) => out.stdout,
                Err(e) => e.to_string(),
            };
            if started.elapsed() > timeout {
                return Err(LabError::Timeout {
                    what: format!("samba to answer on {}", self.ldaps_url),
                    secs: timeout.as_secs_f64(),
                    detail: format!(" (last try: {})", last.trim()),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn populate(
        &self,
        now: OffsetDateTime,
        user_password: &str,
        caretaker_password: &str,
    ) -> Result<(), LabError> {
        let ldif = school_ldif(now, user_password, caretaker_password);
        self.ldapmodify(&ldif)
    }

    /// caretaker's account must bind and read a PSO; otherwise the lab is broken.
    fn verify_caretaker(&self) -> Result<(), LabError> {
        let found = self.search(
            PSO_CONTAINER,
            "one",
            "(objectClass=msDS-PasswordSettings)",
            &["msDS-MinimumPasswordLength", "msDS-PSOAppliesTo"],
        )?;
        if found
            .iter()
            .any(|e| e.first("msDS-MinimumPasswordLength") == Some("8"))
        {
            Ok(())
        } else {
            Err(LabError::Verify(format!(
                "caretaker cannot read the Pupils PSO in {PSO_CONTAINER} (got {found:?})"
            )))
        }
    }

    /// Runs `samba-tool ARGS -s DIR/ad/etc/smb.conf` (it works on the DC's own database while
    /// samba runs), e.g. `["domain", "passwordsettings", "set", "--min-pwd-length=12"]`.
    /// Returns its standard output.
    pub fn samba_tool(&self, args: &[&str]) -> Result<String, LabError> {
        let mut cmd = Command::new(&self.samba_tool);
        cmd.args(args).arg("-s").arg(&self.conf);
        Ok(run(&mut cmd, None, TOOL_TIMEOUT)?.stdout)
    }

    /// Applies `ldif` (ldapmodify syntax) as Administrator over LDAPS.
    pub fn ldapmodify(&self, ldif: &str) -> Result<(), LabError> {
        let mut cmd = self.tool(&self.ldapmodify);
        cmd.args(["-x", "-H", &self.ldaps_url, "-D"])
            .arg(format!("Administrator@{DNS_DOMAIN}"))
            .arg("-y")
            .arg(&self.admin_password_file);
        run(&mut cmd, Some(ldif.as_bytes()), TOOL_TIMEOUT).map(|_| ())
    }

    /// Adds the school's computer objects under [`COMPUTERS_OU`]: one per `(name, dNSHostName,
    /// operatingSystem)` given (enabled workstation accounts), plus a disabled old laptop and a
    /// printer with no dNSHostName, which discovery must skip.
    pub(crate) fn add_computers(
        &self,
        machines: &[(String, String, &str)],
    ) -> Result<(), LabError> {
        let mut ldif = format!(
            "dn: {COMPUTERS_OU}\nchangetype: add\nobjectClass: organizationalUnit\nou: School Computers\n\n"
        );
        let computer = |cn: &str, dns: Option<&str>, os: &str, uac: u32| {
            let mut e = format!(
                "dn: CN={cn},{COMPUTERS_OU}\nchangetype: add\nobjectClass: computer\n\
                 sAMAccountName: {cn}$\nuserAccountControl: {uac}\noperatingSystem: {os}\n"
            );
            if let Some(d) = dns {
                e.push_str(&format!("dNSHostName: {d}\n"));
            }
            e.push('\n');
            e
        };
        for (name, dns, os) in machines {
            ldif.push_str(&computer(&name.to_ascii_uppercase(), Some(dns), os, 4096));
        }
        ldif.push_str(&computer(
            "OLD-LAPTOP",
            Some("old-laptop.ad.stexample.sch.uk"),
            "Windows 7 Professional",
            4098,
        ));
        ldif.push_str(&computer("PRINTER-1", None, "", 4096).replace("operatingSystem: \n", ""));
        self.ldapmodify(&ldif)
    }

    /// Searches as caretaker's read-only account over LDAPS (with the lab CA). `scope` is `base`,
    /// `one` or `sub`.
    pub fn search(
        &self,
        base: &str,
        scope: &str,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<LdapEntry>, LabError> {
        crate::ldif::caretaker_search(
            &self.ldapsearch,
            &self.ca_file,
            &self.ldaps_url,
            AD_CARETAKER_DN,
            &self.bind_password_file,
            base,
            scope,
            filter,
            attrs,
        )
    }

    /// Stops samba and removes its loopback address. Idempotent.
    pub fn stop(&self) {
        self.server.stop(Duration::from_secs(10));
        let mut added = self.alias_added.lock().unwrap_or_else(|p| p.into_inner());
        if *added {
            del_alias(&self.ip, self.address);
            *added = false;
        }
    }

    /// Whether samba is still running.
    pub fn is_running(&self) -> bool {
        self.server.is_running()
    }

    /// `ldaps://127.0.X.Y:636`.
    pub fn ldaps_url(&self) -> &str {
        &self.ldaps_url
    }
    /// The DC's own loopback address.
    pub fn address(&self) -> Ipv4Addr {
        self.address
    }
    /// `DC=ad,DC=stexample,DC=sch,DC=uk`.
    pub fn base_dn(&self) -> &str {
        AD_BASE_DN
    }
    /// `AD.STEXAMPLE.SCH.UK`.
    pub fn realm(&self) -> &str {
        AD_REALM
    }
    /// `STEXAMPLE`.
    pub fn domain(&self) -> &str {
        AD_DOMAIN
    }
    /// The lab CA (DIR/tls/ca.pem).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
    /// Administrator's password (also in DIR/secrets/ad-admin.pass).
    pub fn admin_password(&self) -> &str {
        &self.admin_password.0
    }
    /// Administrator's bind name (`Administrator@ad.stexample.sch.uk`).
    pub fn admin_bind(&self) -> String {
        format!("Administrator@{DNS_DOMAIN}")
    }
    /// caretaker's read-only account.
    pub fn bind_dn(&self) -> &str {
        AD_CARETAKER_DN
    }
    /// The file holding caretaker's password (DIR/secrets/ad.pass, mode 0600).
    pub fn bind_password_file(&self) -> &Path {
        &self.bind_password_file
    }
    /// DIR/ad/etc/smb.conf.
    pub fn smb_conf(&self) -> &Path {
        &self.conf
    }
    /// The samba process id (also its process group).
    pub fn pid(&self) -> u32 {
        self.server.pid
    }
    pub(crate) fn detach(&self) {
        self.server.detach();
        *self.alias_added.lock().unwrap_or_else(|p| p.into_inner()) = false;
    }
}

impl Drop for SambaAd {
    fn drop(&mut self) {
        self.stop();
    }
}
