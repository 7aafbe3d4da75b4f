//! Provisioning the domain: its `smb.conf`, the cached template made once per machine, and the
//! Python helper that changes what only the local system may.

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use time::OffsetDateTime;

use super::{AD_DOMAIN, AD_REALM, PROVISION_TIMEOUT, TEMPLATE_FORMAT, TOOL_TIMEOUT};
use crate::process::run;
use crate::util::{private_dir, random_password, write_file};
use crate::LabError;

pub(super) fn smb_conf(
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
pub(super) fn ensure_template(samba: &Path, samba_tool: &Path) -> Result<PathBuf, LabError> {
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
pub(super) const PY_HELPER: &str = r#"
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
