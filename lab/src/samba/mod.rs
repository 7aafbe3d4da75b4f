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

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use time::{Duration as Span, OffsetDateTime};

use crate::ldif::LdapEntry;
use crate::openldap::{Secret, LDAPMODIFY, LDAPSEARCH};
use crate::process::{find, run, Server, Tool, SAMBA_INSTALL};
use crate::school::{self, Account, ADMINS, AD_STAFF, YEARS};
use crate::tls::LabCa;
use crate::util::{
    ad_generalized_time, filetime, private_dir, random_password, unicode_pwd, write_file,
    write_secret,
};
use crate::LabError;

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

/// Adds `addr/32` to `lo` unless it is there already. Returns whether it was added.
pub(crate) fn add_alias(ip: &Path, addr: Ipv4Addr) -> Result<bool, LabError> {
    if lo_addresses(ip)?.contains(&addr) {
        return Ok(false);
    }
    run(
        Command::new(ip)
            .args(["addr", "add"])
            .arg(format!("{addr}/32"))
            .args(["dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    )?;
    Ok(true)
}

pub(crate) fn del_alias(ip: &Path, addr: Ipv4Addr) {
    let _ = run(
        Command::new(ip)
            .args(["addr", "del"])
            .arg(format!("{addr}/32"))
            .args(["dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    );
}

/// Removes a loopback alias a detached lab added (`caretaker-lab down`).
pub(crate) fn remove_alias(addr: Ipv4Addr) -> Result<(), LabError> {
    let ip = find(IP)?;
    if lo_addresses(&ip)?.contains(&addr) {
        del_alias(&ip, addr);
    }
    Ok(())
}

pub(crate) fn lo_addresses(ip: &Path) -> Result<Vec<Ipv4Addr>, LabError> {
    let out = run(
        Command::new(ip).args(["-o", "-4", "addr", "show", "dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    )?;
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            it.find(|w| *w == "inet")?;
            it.next()?.split('/').next()?.parse().ok()
        })
        .collect())
}

/// Picks 127.0.X.Y (X in 100..=199) that no interface has and whose 389 and 636 are free, never
/// one this process handed out before.
fn pick_address(ip: &Path) -> Result<Ipv4Addr, LabError> {
    static GIVEN: Mutex<Vec<Ipv4Addr>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    let existing = lo_addresses(ip)?;
    const SPAN: u32 = 100 * 254;
    // Start somewhere that depends on the process, so parallel test binaries rarely meet.
    let seed = (std::process::id().wrapping_mul(7919) + given.len() as u32 * 13) % SPAN;
    for i in 0..SPAN {
        let k = (seed + i) % SPAN;
        let addr = Ipv4Addr::new(127, 0, 100 + (k / 254) as u8, 1 + (k % 254) as u8);
        if given.contains(&addr) || existing.contains(&addr) {
            continue;
        }
        let free = [389u16, 636, 3268, 3269]
            .iter()
            .all(|p| TcpListener::bind(SocketAddrV4::new(addr, *p)).is_ok());
        if free {
            given.push(addr);
            return Ok(addr);
        }
    }
    Err(LabError::NoFreeAddress {
        what: "loopback address with ports 389 and 636 free",
    })
}

fn smb_conf(
    dir: &Path,
    address: Ipv4Addr,
    cert: &Path,
    key: &Path,
    ca: &Path,
    log: &Path,
) -> String {
    let d = dir.display();
    format!(
        "# St. Example's Primary: Samba AD DC of the sample school (caretaker-lab). Generated.
[global]
\tnetbios name = DC1
\trealm = {AD_REALM}
\tworkgroup = {AD_DOMAIN}
\tserver role = active directory domain controller
\t# Only LDAP/LDAPS: no KDC (88), SMB (445), RPC (135), NBT, DNS, DRS, winbind.
\tserver services = ldap
\tinterfaces = {address}
\tbind interfaces only = yes
\tprivate dir = {d}/private
\tlock directory = {d}
\tstate directory = {d}/state
\tcache directory = {d}/cache
\tbinddns dir = {d}/bind-dns
\tpid directory = {d}/run
\tncalrpc dir = {d}/run/ncalrpc
\twinbindd socket directory = {d}/run/winbindd
\tlog file = {log}
\tlogging = file
\tmax log size = 10000
\tlog level = 1
\ttls enabled = yes
\ttls certfile = {cert}
\ttls keyfile = {key}
\ttls cafile = {ca}
\tldap server require strong auth = yes
\tidmap_ldb:use rfc2307 = yes
",
        log = log.display(),
        cert = cert.display(),
        key = key.display(),
        ca = ca.display(),
    )
}

/// The provisioned (empty) domain, made once per machine and Samba version, then copied.
fn ensure_template(samba: &Path, samba_tool: &Path) -> Result<PathBuf, LabError> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());

    let uid = nix::unistd::geteuid().as_raw();
    let cache = std::env::temp_dir().join(format!("caretaker-lab-cache-{uid}"));
    match fs::symlink_metadata(&cache) {
        Ok(m) => {
            if !m.is_dir() || m.uid() != uid || m.permissions().mode() & 0o077 != 0 {
                return Err(LabError::State(format!(
                    "{} must be a folder owned by uid {uid} with mode 0700; remove it and try again",
                    cache.display()
                )));
            }
        }
        Err(_) => private_dir(&cache)?,
    }
    let version = run(Command::new(samba).arg("--version"), None, TOOL_TIMEOUT)?
        .stdout
        .trim()
        .trim_start_matches("Version ")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>();
    let template = cache.join(format!("samba-{version}-{TEMPLATE_FORMAT}"));
    if template.join("complete").exists() {
        return Ok(template);
    }
    if template.exists() {
        // An unfinished template from a run that died: not usable.
        fs::remove_dir_all(&template).map_err(|e| LabError::io("removing", &template, e))?;
    }
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let work = cache.join(format!("provision-{}-{nanos}", std::process::id()));
    let result = provision(samba_tool, &work);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&work);
        return Err(e);
    }
    write_file(&work.join("complete"), "provisioned\n")?;
    if fs::rename(&work, &template).is_err() {
        // Another process finished first: use its template.
        let _ = fs::remove_dir_all(&work);
        if !template.join("complete").exists() {
            return Err(LabError::State(format!(
                "could not put the provisioned domain in place at {}",
                template.display()
            )));
        }
    }
    Ok(template)
}

fn provision(samba_tool: &Path, work: &Path) -> Result<(), LabError> {
    // The Administrator password given here is thrown away: each lab sets its own.
    let throwaway = random_password()?;
    run(
        Command::new(samba_tool)
            .args(["domain", "provision"])
            .arg(format!("--realm={AD_REALM}"))
            .arg(format!("--domain={AD_DOMAIN}"))
            .args(["--server-role=dc", "--dns-backend=NONE", "--use-rfc2307"])
            .arg("--host-name=dc1")
            .arg(format!("--adminpass={throwaway}"))
            .arg(format!("--targetdir={}", work.display()))
            .arg("--option=interfaces=127.0.0.1")
            .arg("--option=bind interfaces only=yes"),
        None,
        PROVISION_TIMEOUT,
    )?;
    Ok(())
}

/// Python run with Samba's bindings, as the local system (it may set system-only attributes).
/// `admin-password CONF` (password on stdin); `finish CONF PSO_CONTAINER TRUSTEE` (stdin: LDIF of
/// whenCreated changes): deletes the unused dns-dc1 account, sets whenCreated, and lets TRUSTEE
/// read the password settings objects.
const PY_HELPER: &str = r#"
import sys
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

mode, conf = sys.argv[1], sys.argv[2]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
data = sys.stdin.read()
if mode == "admin-password":
    db.setpassword("(&(objectClass=user)(sAMAccountName=Administrator))", data)
elif mode == "finish":
    from samba.dcerpc import security
    from samba.ndr import ndr_unpack
    from samba.sd_utils import SDUtils
    container, trustee = sys.argv[3], sys.argv[4]
    for r in db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(&(objectClass=user)(sAMAccountName=dns-*))", attrs=["dn"]):
        db.delete(r.dn)
    if data.strip():
        db.modify_ldif(data, controls=["relax:0"])
    res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                    expression="(sAMAccountName=%s)" % trustee, attrs=["objectSid"])
    sid = ndr_unpack(security.dom_sid, res[0]["objectSid"][0])
    SDUtils(db).dacl_add_ace(container, "(A;CI;RPLCLORC;;;%s)" % sid)
else:
    sys.exit("unknown mode " + mode)
"#;

fn ago(now: OffsetDateTime, days: i64, hours: i64) -> OffsetDateTime {
    now - Span::days(days) - Span::hours(hours)
}

/// Everyone in the school with where they live and their logon/creation times.
struct AdUser<'a> {
    acc: Account,
    parent: String,
    uac: u32,
    last_logon: Option<OffsetDateTime>,
    created: OffsetDateTime,
    groups: Vec<&'a str>,
}

const UAC_NORMAL: u32 = 0x200;
const UAC_DISABLED: u32 = 0x2;
const UAC_PASSWD_NOTREQD: u32 = 0x20;

fn school_users(now: OffsetDateTime) -> Vec<AdUser<'static>> {
    let base = AD_BASE_DN;
    let mut v = Vec::new();
    for (i, acc) in AD_STAFF.iter().enumerate() {
        let n = i as i64;
        let mut uac = UAC_NORMAL;
        let mut last = Some(ago(now, 1 + n % 5, 2 + n % 7));
        let mut created = ago(now, 3 * 365 - 30 * n, 0);
        let mut groups = vec!["Staff"];
        match acc.uid {
            school::AD_STALE => last = Some(ago(now, 400, 3)),
            school::AD_PASSWD_NOTREQD => uac |= UAC_PASSWD_NOTREQD,
            school::AD_DISABLED => {
                // Disabled, so neither its age nor PASSWD_NOTREQD (the look-alike of k.lee's) is
                // a problem.
                uac |= UAC_DISABLED | UAC_PASSWD_NOTREQD;
                last = Some(ago(now, 2 * 365, 5));
                created = ago(now, 6 * 365, 0);
            }
            school::AD_EVERYDAY_ADMIN => groups.push("Domain Admins"),
            _ => {}
        }
        v.push(AdUser {
            acc: *acc,
            parent: format!("OU=Staff,{base}"),
            uac,
            last_logon: last,
            created,
            groups,
        });
    }
    for acc in ADMINS {
        v.push(AdUser {
            acc: *acc,
            parent: format!("OU=Admins,{base}"),
            uac: UAC_NORMAL,
            last_logon: Some(ago(now, 2, 1)),
            created: ago(now, 2 * 365, 0),
            groups: vec!["Domain Admins"],
        });
    }
    for (yi, y) in YEARS.iter().enumerate() {
        let parent = format!("OU={},OU=Pupils,{base}", y.ou);
        let mut accounts: Vec<Account> = Vec::new();
        if let Some(uid) = y.class_login {
            accounts.push(Account {
                uid,
                given: y.ou,
                sn: "Class",
            });
        }
        accounts.extend_from_slice(y.pupils);
        if y.ou == school::AD_SHARED_CLASS_YEAR {
            accounts.push(Account {
                uid: school::AD_SHARED_CLASS,
                given: "Class",
                sn: "3",
            });
        }
        for (i, acc) in accounts.into_iter().enumerate() {
            v.push(AdUser {
                acc,
                parent: parent.clone(),
                uac: UAC_NORMAL,
                last_logon: Some(ago(now, 1 + (i as i64) % 4, 1 + yi as i64)),
                created: ago(now, 365 * (yi as i64 / 2 + 1), 0),
                groups: vec!["Pupils"],
            });
        }
    }
    v
}

/// The whole school as one ldapmodify stream (run as Administrator over LDAPS).
fn school_ldif(now: OffsetDateTime, user_password: &str, caretaker_password: &str) -> String {
    let base = AD_BASE_DN;
    let mut out = String::new();
    let ou = |out: &mut String, name: &str, parent: &str| {
        let _ = writeln!(
            out,
            "dn: OU={name},{parent}\nchangetype: add\nobjectClass: organizationalUnit\nou: {name}\n"
        );
    };
    ou(&mut out, "Staff", base);
    ou(&mut out, "Admins", base);
    ou(&mut out, "Pupils", base);
    let pupils = format!("OU=Pupils,{base}");
    for y in YEARS {
        ou(&mut out, y.ou, &pupils);
    }

    let users = school_users(now);
    for u in &users {
        let _ = writeln!(
            out,
            "dn: CN={uid},{parent}\nchangetype: add\nobjectClass: user\nsAMAccountName: {uid}\n\
             userPrincipalName: {uid}@{DNS_DOMAIN}\ngivenName: {given}\nsn: {sn}\n\
             displayName: {given} {sn}\nmail: {uid}@stexample.sch.uk\n\
             unicodePwd:: {pwd}\nuserAccountControl: {uac}\n",
            uid = u.acc.uid,
            parent = u.parent,
            given = u.acc.given,
            sn = u.acc.sn,
            pwd = unicode_pwd(user_password),
            uac = u.uac,
        );
    }
    // caretaker: an ordinary user (read rights come from Authenticated Users, plus the PSOs).
    let _ = writeln!(
        out,
        "dn: {AD_CARETAKER_DN}\nchangetype: add\nobjectClass: user\nsAMAccountName: caretaker\n\
         userPrincipalName: caretaker@{DNS_DOMAIN}\ndescription: caretaker (read-only audits)\n\
         unicodePwd:: {}\nuserAccountControl: {UAC_NORMAL}\n",
        unicode_pwd(caretaker_password)
    );

    // Groups: Staff and Pupils (new), Domain Admins (add members).
    for group in ["Staff", "Pupils"] {
        let _ = writeln!(
            out,
            "dn: CN={group},CN=Users,{base}\nchangetype: add\nobjectClass: group\n\
             sAMAccountName: {group}\ndescription: All {}",
            group.to_lowercase()
        );
        for u in users.iter().filter(|u| u.groups.contains(&group)) {
            let _ = writeln!(out, "member: CN={},{}", u.acc.uid, u.parent);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "dn: CN=Domain Admins,CN=Users,{base}\nchangetype: modify\nadd: member"
    );
    for u in users.iter().filter(|u| u.groups.contains(&"Domain Admins")) {
        let _ = writeln!(out, "member: CN={},{}", u.acc.uid, u.parent);
    }
    out.push_str("-\n\n");

    // Domain password policy (planted: too weak), as
    // `samba-tool domain passwordsettings set --min-pwd-length=7 --account-lockout-threshold=0`.
    let _ = writeln!(
        out,
        "dn: {base}\nchangetype: modify\nreplace: minPwdLength\nminPwdLength: 7\n-\n\
         replace: lockoutThreshold\nlockoutThreshold: 0\n-\nreplace: pwdProperties\npwdProperties: 1\n-\n\
         replace: pwdHistoryLength\npwdHistoryLength: 24\n-\n"
    );

    // The pupils' fine-grained policy (compliant).
    let _ = writeln!(
        out,
        "dn: CN=Pupils PSO,{PSO_CONTAINER}\nchangetype: add\nobjectClass: msDS-PasswordSettings\n\
         msDS-PasswordSettingsPrecedence: 10\nmsDS-PasswordReversibleEncryptionEnabled: FALSE\n\
         msDS-PasswordHistoryLength: 24\nmsDS-PasswordComplexityEnabled: FALSE\n\
         msDS-MinimumPasswordLength: 8\nmsDS-MinimumPasswordAge: -864000000000\n\
         msDS-MaximumPasswordAge: -36288000000000\nmsDS-LockoutThreshold: 10\n\
         msDS-LockoutObservationWindow: -18000000000\nmsDS-LockoutDuration: -18000000000\n\
         msDS-PSOAppliesTo: CN=Pupils,CN=Users,{base}\n"
    );

    // Last logons (the domain controller and Administrator too, so only the planted account is
    // stale).
    let mut logons: Vec<(String, OffsetDateTime)> = users
        .iter()
        .filter_map(|u| {
            u.last_logon
                .map(|t| (format!("CN={},{}", u.acc.uid, u.parent), t))
        })
        .collect();
    logons.push((
        format!("CN=DC1,OU=Domain Controllers,{base}"),
        ago(now, 0, 1),
    ));
    logons.push((format!("CN=Administrator,CN=Users,{base}"), ago(now, 0, 2)));
    for (dn, t) in logons {
        let _ = writeln!(
            out,
            "dn: {dn}\nchangetype: modify\nreplace: lastLogonTimestamp\nlastLogonTimestamp: {}\n-\n",
            filetime(t)
        );
    }
    out
}

/// whenCreated of the school's accounts (system-only: set through the Python helper).
fn created_ldif(now: OffsetDateTime) -> String {
    let mut out = String::new();
    for u in school_users(now) {
        let _ = writeln!(
            out,
            "dn: CN={},{}\nchangetype: modify\nreplace: whenCreated\nwhenCreated: {}\n",
            u.acc.uid,
            u.parent,
            ad_generalized_time(u.created)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_has_planted_accounts() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let users = school_users(now);
        let get = |uid: &str| users.iter().find(|u| u.acc.uid == uid).unwrap();
        assert_eq!(get("k.lee").uac, 0x220);
        assert_eq!(get("old.leaver").uac, 0x222);
        assert!(get("adm.b.okafor").groups.contains(&"Domain Admins"));
        assert!(get("j.smith").groups.contains(&"Domain Admins"));
        assert_eq!(
            get("class3").parent,
            format!("OU=Year 3,OU=Pupils,{AD_BASE_DN}")
        );
        assert_eq!(get("p.jones").last_logon, Some(ago(now, 400, 3)));
        let ldif = school_ldif(now, "Pass-word-1234", "Care-taker-1234");
        assert!(ldif.contains("minPwdLength: 7"));
        assert!(ldif.contains("lockoutThreshold: 0"));
        assert!(ldif.contains(&format!(
            "msDS-PSOAppliesTo: CN=Pupils,CN=Users,{AD_BASE_DN}"
        )));
    }
}
