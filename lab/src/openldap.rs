//! A sample school in OpenLDAP (slapd 2.5 with ppolicy and lastbind), on two free ports of
//! 127.0.0.1: plain (StartTLS works) and LDAPS. St. Example's Primary (this file) or Riverside
//! Primary Academy ([`crate::riverside`]).
//!
//! The tree is loaded with `slapadd` before slapd starts, so operational attributes
//! (`pwdLastSuccess`, `createTimestamp`, `pwdPolicySubentry`) carry dates relative to now.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use time::{Duration as Span, OffsetDateTime};

use crate::ldif::LdapEntry;
use crate::process::{find, run, Server, Tool, SLAPD_INSTALL};
use crate::school::{self, Account, ADMINS, LDAP_STAFF, YEARS};
use crate::tls::LabCa;
use crate::util::{
    free_port, generalized_time, private_dir, random_password, ssha512, write_secret,
};
use crate::{riverside, LabError, School};

/// The suffix of the OpenLDAP directory.
pub const LDAP_BASE_DN: &str = "dc=stexample,dc=sch,dc=uk";
/// caretaker's read-only service account.
pub const LDAP_CARETAKER_DN: &str = "cn=caretaker,ou=System,dc=stexample,dc=sch,dc=uk";

const SLAPD: Tool = Tool {
    name: "slapd",
    purpose: "the OpenLDAP server of the sample school",
    install: SLAPD_INSTALL,
};
const SLAPADD: Tool = Tool {
    name: "slapadd",
    purpose: "loading the OpenLDAP sample school",
    install: SLAPD_INSTALL,
};
pub(crate) const LDAPSEARCH: Tool = Tool {
    name: "ldapsearch",
    purpose: "talking LDAP to the sample school",
    install: SLAPD_INSTALL,
};
pub(crate) const LDAPMODIFY: Tool = Tool {
    name: "ldapmodify",
    purpose: "changing the sample school's directories",
    install: SLAPD_INSTALL,
};

const READY_TIMEOUT: Duration = Duration::from_secs(15);
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// A running slapd holding the sample school.
#[derive(Debug)]
pub struct OpenLdap {
    ldap_url: String,
    ldaps_url: String,
    port: u16,
    tls_port: u16,
    root_dn: String,
    base_dn: &'static str,
    caretaker_dn: &'static str,
    root_password: Secret,
    root_password_file: PathBuf,
    bind_password_file: PathBuf,
    ca_file: PathBuf,
    ldapsearch: PathBuf,
    ldapmodify: PathBuf,
    server: Server,
}

/// A string that is never printed by `Debug`.
#[derive(Clone)]
pub(crate) struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"********\"")
    }
}

impl OpenLdap {
    /// Loads and starts the OpenLDAP directory of `school` under `lab_dir` (DIR/ldap,
    /// DIR/secrets). `bulk_pupils` is for St. Example's only.
    pub(crate) fn start(
        lab_dir: &Path,
        ca: &LabCa,
        user_password: &str,
        now: OffsetDateTime,
        detachable: bool,
        bulk_pupils: usize,
        school: School,
    ) -> Result<OpenLdap, LabError> {
        let (base_dn, caretaker_dn) = match school {
            School::Example => (LDAP_BASE_DN, LDAP_CARETAKER_DN),
            School::Riverside => (
                riverside::RIVERSIDE_BASE_DN,
                riverside::RIVERSIDE_CARETAKER_DN,
            ),
        };
        let slapd = find(SLAPD)?;
        let slapadd = find(SLAPADD)?;
        let ldapsearch = find(LDAPSEARCH)?;
        let ldapmodify = find(LDAPMODIFY)?;

        let dir = lab_dir.join("ldap");
        private_dir(&dir)?;
        private_dir(&dir.join("db"))?;
        let secrets = lab_dir.join("secrets");
        private_dir(&secrets)?;
        let logs = lab_dir.join("logs");
        private_dir(&logs)?;

        let cert = ca.issue("ldap", &["127.0.0.1"], &["localhost"])?;
        let root_password = random_password()?;
        let caretaker_password = random_password()?;
        let root_password_file = secrets.join("ldap-root.pass");
        let bind_password_file = secrets.join("ldap.pass");
        write_secret(&root_password_file, &root_password)?;
        write_secret(&bind_password_file, &caretaker_password)?;

        let root_dn = format!("cn=admin,{base_dn}");
        let conf = dir.join("slapd.conf");
        write_secret(
            &conf,
            &slapd_conf(
                &dir,
                &cert.cert,
                &cert.key,
                &ca.ca_pem,
                &root_dn,
                &ssha512(&root_password)?,
                school,
            ),
        )?;
        let data = dir.join("school.ldif");
        let ldif = match school {
            School::Example => school_ldif(now, user_password, &caretaker_password, bulk_pupils)?,
            School::Riverside => riverside::ldif(now, user_password, &caretaker_password)?,
        };
        write_secret(&data, &ldif)?;
        run(
            Command::new(&slapadd)
                .arg("-q")
                .arg("-f")
                .arg(&conf)
                .arg("-l")
                .arg(&data),
            None,
            TOOL_TIMEOUT,
        )?;

        let log = logs.join("slapd.log");
        let mut last_err = None;
        // A port picked as free can be taken by someone else before slapd binds it: try again.
        for _ in 0..3 {
            let port = free_port()?;
            let tls_port = free_port()?;
            let mut cmd = Command::new(&slapd);
            cmd.arg("-f")
                .arg(&conf)
                .arg("-h")
                .arg(format!(
                    "ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
                ))
                .args(["-d", "0"]);
            let server = Server::spawn("slapd", cmd, &log, lab_dir, detachable)?;
            let ldap = OpenLdap {
                ldap_url: format!("ldap://127.0.0.1:{port}"),
                ldaps_url: format!("ldaps://127.0.0.1:{tls_port}"),
                port,
                tls_port,
                root_dn: root_dn.clone(),
                base_dn,
                caretaker_dn,
                root_password: Secret(root_password.clone()),
                root_password_file: root_password_file.clone(),
                bind_password_file: bind_password_file.clone(),
                ca_file: ca.ca_pem.clone(),
                ldapsearch: ldapsearch.clone(),
                ldapmodify: ldapmodify.clone(),
                server,
            };
            match ldap.wait_ready(READY_TIMEOUT) {
                Ok(()) => return Ok(ldap),
                Err(e @ LabError::ServerExited { .. }) => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or(LabError::NoFreeAddress { what: "TCP port" }))
    }

    fn wait_ready(&self, timeout: Duration) -> Result<(), LabError> {
        let started = Instant::now();
        loop {
            self.server.check_alive()?;
            let mut cmd = self.tool(&self.ldapsearch);
            cmd.args(["-x", "-LLL", "-o", "nettimeout=2", "-H", &self.ldaps_url])
                .args(["-s", "base", "-b", "", "namingContexts"]);
            let last = match run(&mut cmd, None, Duration::from_secs(5)) {
                Ok(out) if out.stdout.contains(self.base_dn) => return Ok(()),
                Ok(out) => out.stdout,
                Err(e) => e.to_string(),
            };
            if started.elapsed() > timeout {
                return Err(LabError::Timeout {
                    what: format!("slapd to answer on {}", self.ldaps_url),
                    secs: timeout.as_secs_f64(),
                    detail: format!(" (last try: {})", last.trim()),
                });
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// An LDAP tool with the lab CA trusted and certificates checked.
    fn tool(&self, program: &Path) -> Command {
        crate::ldif::ldap_tool(program, &self.ca_file)
    }

    /// Applies `ldif` (ldapmodify syntax: `changetype: modify|add|delete`) as the rootdn, over the
    /// plain port upgraded with StartTLS. For tests that change the school's policy.
    pub fn ldapmodify(&self, ldif: &str) -> Result<(), LabError> {
        let mut cmd = self.tool(&self.ldapmodify);
        cmd.args(["-x", "-ZZ", "-H", &self.ldap_url, "-D", &self.root_dn, "-y"])
            .arg(&self.root_password_file);
        run(&mut cmd, Some(ldif.as_bytes()), TOOL_TIMEOUT).map(|_| ())
    }

    /// Searches as caretaker's read-only account over LDAPS (with the lab CA), the way caretaker
    /// does. `scope` is `base`, `one` or `sub`; `attrs` may include `+` for operational attributes.
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
            self.caretaker_dn,
            &self.bind_password_file,
            base,
            scope,
            filter,
            attrs,
        )
    }

    /// Stops slapd (its whole process group). Idempotent.
    pub fn stop(&self) {
        self.server.stop(Duration::from_secs(5));
    }

    /// Same as [`OpenLdap::stop`].
    pub fn kill(&self) {
        self.stop();
    }

    /// Whether slapd is still running.
    pub fn is_running(&self) -> bool {
        self.server.is_running()
    }

    /// `ldap://127.0.0.1:PORT` (StartTLS works here).
    pub fn ldap_url(&self) -> &str {
        &self.ldap_url
    }
    /// `ldaps://127.0.0.1:PORT`.
    pub fn ldaps_url(&self) -> &str {
        &self.ldaps_url
    }
    /// The plain LDAP port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The LDAPS port.
    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }
    /// `dc=stexample,dc=sch,dc=uk` (St. Example's) or `dc=riverside,dc=sch,dc=uk`.
    pub fn base_dn(&self) -> &str {
        self.base_dn
    }
    /// The rootdn (`cn=admin,<base>`).
    pub fn root_dn(&self) -> &str {
        &self.root_dn
    }
    /// The rootdn's password (also in DIR/secrets/ldap-root.pass).
    pub fn root_password(&self) -> &str {
        &self.root_password.0
    }
    /// The lab CA (DIR/tls/ca.pem).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
    /// caretaker's read-only account.
    pub fn bind_dn(&self) -> &str {
        self.caretaker_dn
    }
    /// The file holding caretaker's password (DIR/secrets/ldap.pass, mode 0600).
    pub fn bind_password_file(&self) -> &Path {
        &self.bind_password_file
    }
    /// The slapd process id (also its process group).
    pub fn pid(&self) -> u32 {
        self.server.pid
    }
    pub(crate) fn detach(&self) {
        self.server.detach();
    }
}

impl Drop for OpenLdap {
    fn drop(&mut self) {
        self.stop();
    }
}

fn slapd_conf(
    dir: &Path,
    cert: &Path,
    key: &Path,
    ca: &Path,
    root_dn: &str,
    root_hash: &str,
    school: School,
) -> String {
    let (base, care) = match school {
        School::Example => (LDAP_BASE_DN, LDAP_CARETAKER_DN),
        School::Riverside => (
            riverside::RIVERSIDE_BASE_DN,
            riverside::RIVERSIDE_CARETAKER_DN,
        ),
    };
    let name = school.name();
    format!(
        r#"# {name}: OpenLDAP 2.5 sample school (caretaker-lab). Generated; do not edit.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema

modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
moduleload pw-sha2

pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args

TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}

database mdb
maxsize 268435456
suffix "{base}"
rootdn "{root_dn}"
rootpw {root_hash}
directory {dir}/db
index objectClass eq
index uid eq
index member eq
# Maintain pwdLastSuccess on every successful bind (built into slapd 2.5).
lastbind on
# Paged searches return everything; one page is at most 500 entries.
limits * size.soft=500 size.hard=500 size.prtotal=unlimited

# caretaker may test for a password (search) but never read one.
access to attrs=userPassword
  by self write
  by dn.exact="{care}" search
  by anonymous auth
  by * none
access to *
  by dn.exact="{care}" read
  by self read
  by * none

overlay ppolicy
ppolicy_default "cn=default,ou=Policies,{base}"
ppolicy_use_lockout
ppolicy_hash_cleartext
"#,
        dir = dir.display(),
        ca = ca.display(),
        cert = cert.display(),
        key = key.display(),
    )
}

/// `now` minus whole days and hours.
fn ago(now: OffsetDateTime, days: i64, hours: i64) -> OffsetDateTime {
    now - Span::days(days) - Span::hours(hours)
}

/// One person's entry in the LDIF.
struct Person<'a> {
    acc: &'a Account,
    ou_dn: &'a str,
    uid_number: u32,
    gid_number: u32,
    password_hash: Option<String>,
    last_success: Option<OffsetDateTime>,
    created: OffsetDateTime,
    policy: Option<&'a str>,
    /// Locked for good (`pwdAccountLockedTime: 000001010000Z`).
    locked: bool,
}

impl Person<'_> {
    fn push(&self, out: &mut String) {
        let acc = self.acc;
        let _ = writeln!(out, "dn: uid={},{}", acc.uid, self.ou_dn);
        out.push_str("objectClass: inetOrgPerson\nobjectClass: posixAccount\n");
        let _ = writeln!(out, "uid: {}", acc.uid);
        let _ = writeln!(out, "cn: {} {}", acc.given, acc.sn);
        let _ = writeln!(out, "givenName: {}", acc.given);
        let _ = writeln!(out, "sn: {}", acc.sn);
        let _ = writeln!(out, "displayName: {} {}", acc.given, acc.sn);
        let _ = writeln!(out, "mail: {}@stexample.sch.uk", acc.uid);
        let _ = writeln!(out, "uidNumber: {}", self.uid_number);
        let _ = writeln!(out, "gidNumber: {}", self.gid_number);
        let _ = writeln!(out, "homeDirectory: /home/{}", acc.uid);
        out.push_str("loginShell: /bin/bash\n");
        if let Some(h) = &self.password_hash {
            let _ = writeln!(out, "userPassword: {h}");
            let _ = writeln!(out, "pwdChangedTime: {}", generalized_time(self.created));
        }
        if let Some(t) = self.last_success {
            let _ = writeln!(out, "pwdLastSuccess: {}", generalized_time(t));
        }
        if let Some(pol) = self.policy {
            let _ = writeln!(out, "pwdPolicySubentry: {pol}");
        }
        if self.locked {
            out.push_str("pwdAccountLockedTime: 000001010000Z\n");
        }
        let _ = writeln!(out, "createTimestamp: {}", generalized_time(self.created));
        out.push('\n');
    }
}

fn push_ou(out: &mut String, name: &str, parent: &str) {
    let _ = writeln!(
        out,
        "dn: ou={name},{parent}\nobjectClass: organizationalUnit\nou: {name}\n"
    );
}

/// The whole school as LDIF for slapadd.
///
/// `bulk_pupils` extra individual pupils (`bulk000001`, …) are spread over Year 1 to Year 6, for
/// benchmarks of large directories.
fn school_ldif(
    now: OffsetDateTime,
    user_password: &str,
    caretaker_password: &str,
    bulk_pupils: usize,
) -> Result<String, LabError> {
    let base = LDAP_BASE_DN;
    let people = format!("ou=People,{base}");
    let staff_ou = format!("ou=Staff,{people}");
    let pupils_ou = format!("ou=Pupils,{people}");
    let admins_ou = format!("ou=Admins,{people}");
    let groups_ou = format!("ou=Groups,{base}");
    let policies_ou = format!("ou=Policies,{base}");
    let pupil_policy = format!("cn=pupils,{policies_ou}");
    let three_years = ago(now, 3 * 365, 0);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "dn: {base}\nobjectClass: dcObject\nobjectClass: organization\ndc: stexample\n\
         o: St. Example's Primary\ncreateTimestamp: {}\n",
        generalized_time(three_years)
    );
    for (name, parent) in [
        ("People", base),
        ("Groups", base),
        ("Policies", base),
        ("System", base),
        ("Staff", people.as_str()),
        ("Pupils", people.as_str()),
        ("Admins", people.as_str()),
    ] {
        push_ou(&mut out, name, parent);
    }
    for y in YEARS {
        push_ou(&mut out, y.ou, &pupils_ou);
    }

    // Password policies: the default (compliant) and the pupils' (planted: no lockout).
    let _ = writeln!(
        out,
        "dn: cn=default,{policies_ou}\nobjectClass: applicationProcess\nobjectClass: pwdPolicy\n\
         cn: default\ndescription: Default password policy (staff and admins)\n\
         pwdAttribute: userPassword\npwdMinLength: 12\npwdCheckQuality: 2\npwdLockout: TRUE\n\
         pwdMaxFailure: 5\npwdLockoutDuration: 900\npwdFailureCountInterval: 900\n\
         pwdInHistory: 5\npwdMaxAge: 0\n"
    );
    let _ = writeln!(
        out,
        "dn: {pupil_policy}\nobjectClass: applicationProcess\nobjectClass: pwdPolicy\n\
         cn: pupils\ndescription: Pupils from Year 1\npwdAttribute: userPassword\n\
         pwdMinLength: 8\npwdCheckQuality: 2\npwdLockout: FALSE\npwdInHistory: 0\npwdMaxAge: 0\n"
    );

    // caretaker's read-only account.
    let _ = writeln!(
        out,
        "dn: {LDAP_CARETAKER_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n\
         cn: caretaker\ndescription: caretaker (read-only audits)\nuserPassword: {}\n\
         createTimestamp: {}\n",
        ssha512(caretaker_password)?,
        generalized_time(now)
    );

    // Staff.
    let mut staff_dns = Vec::new();
    for (i, acc) in LDAP_STAFF.iter().enumerate() {
        let n = i as i64;
        let hash = if acc.uid == school::LDAP_NO_PASSWORD || acc.uid == school::LDAP_LEAVER {
            None
        } else {
            Some(ssha512(user_password)?)
        };
        let last = match acc.uid {
            school::LDAP_STALE => ago(now, 400, 3),
            school::LDAP_LEAVER => ago(now, 500, 4),
            _ => ago(now, 1 + n % 5, 2 + n % 7),
        };
        let locked = acc.uid == school::LDAP_LEAVER || acc.uid == school::LDAP_LOCKED_TEST;
        Person {
            acc,
            ou_dn: &staff_ou,
            uid_number: 10001 + i as u32,
            gid_number: 10000,
            password_hash: hash,
            last_success: Some(last),
            created: ago(now, 3 * 365 - 30 * n, 0),
            policy: None,
            locked,
        }
        .push(&mut out);
        staff_dns.push(format!("uid={},{staff_ou}", acc.uid));
    }
    // Separate admin accounts.
    let mut admin_dns = Vec::new();
    for (i, acc) in ADMINS
        .iter()
        .chain(school::LDAP_TECH_ADMINS)
        .chain([&school::LDAP_LOCKED_ADMIN])
        .enumerate()
    {
        Person {
            acc,
            ou_dn: &admins_ou,
            uid_number: 5001 + i as u32,
            gid_number: 5000,
            password_hash: Some(ssha512(user_password)?),
            last_success: Some(ago(now, 2, 1)),
            created: ago(now, 2 * 365, 0),
            policy: None,
            locked: acc.uid == school::LDAP_LOCKED_ADMIN.uid,
        }
        .push(&mut out);
        admin_dns.push(format!("uid={},{admins_ou}", acc.uid));
    }
    // Pupils.
    let mut pupil_dns = Vec::new();
    let mut uid_number = 20001;
    for (yi, y) in YEARS.iter().enumerate() {
        let ou = format!("ou={},{pupils_ou}", y.ou);
        let class: Vec<Account> = y
            .class_login
            .map(|uid| Account {
                uid,
                given: y.ou,
                sn: "Class",
            })
            .into_iter()
            .collect();
        for (i, acc) in class.iter().chain(y.pupils.iter()).enumerate() {
            let individual = y.class_login != Some(acc.uid);
            Person {
                acc,
                ou_dn: &ou,
                uid_number,
                gid_number: 20000,
                password_hash: Some(ssha512(user_password)?),
                last_success: Some(ago(now, 1 + (i as i64) % 4, 1 + yi as i64)),
                created: ago(now, 365 * (yi as i64 / 2 + 1), 0),
                policy: (individual && !y.exempt).then_some(pupil_policy.as_str()),
                locked: false,
            }
            .push(&mut out);
            uid_number += 1;
            pupil_dns.push(format!("uid={},{ou}", acc.uid));
        }
    }
    // Bulk pupils (benchmarks only): one password hash shared, to keep loading fast.
    let years: Vec<&school::Year> = YEARS.iter().filter(|y| !y.exempt).collect();
    if bulk_pupils > 0 && !years.is_empty() {
        let hash = ssha512(user_password)?;
        let created = generalized_time(ago(now, 365, 0));
        for k in 0..bulk_pupils {
            let y = years[k % years.len()];
            let ou = format!("ou={},{pupils_ou}", y.ou);
            let uid = format!("bulk{k:06}");
            let _ = writeln!(
                out,
                "dn: uid={uid},{ou}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {uid}\n\
                 cn: Bulk Pupil {k}\nsn: Pupil\nuidNumber: {}\ngidNumber: 20000\nhomeDirectory: /home/{uid}\n\
                 userPassword: {hash}\npwdPolicySubentry: {pupil_policy}\npwdLastSuccess: {}\n\
                 createTimestamp: {created}\n",
                100_000 + k,
                generalized_time(ago(now, 1 + (k as i64) % 20, (k as i64) % 24)),
            );
            pupil_dns.push(format!("uid={uid},{ou}"));
        }
    }
    // Groups.
    for (cn, desc, members) in [
        ("admins", "Network administrators", &admin_dns),
        ("staff", "All staff", &staff_dns),
        ("pupils", "All pupils", &pupil_dns),
    ] {
        let _ = writeln!(
            out,
            "dn: cn={cn},{groups_ou}\nobjectClass: groupOfNames\ncn: {cn}\ndescription: {desc}"
        );
        for m in members.iter() {
            let _ = writeln!(out, "member: {m}");
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERMANENTLY_LOCKED: &str = "000001010000Z";

    #[test]
    fn ldif_has_the_planted_facts() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let text = school_ldif(now, "Pupil-Pass-1234", "Care-Pass-1234", 0).unwrap();
        let entries = crate::ldif::parse_ldif(&text);
        let by_uid = |uid: &str| {
            entries
                .iter()
                .find(|e| e.first("uid") == Some(uid))
                .unwrap()
                .clone()
        };
        assert!(by_uid("m.brown").first("userPassword").is_none());
        assert_eq!(
            by_uid("d.evans").first("pwdLastSuccess"),
            Some(generalized_time(ago(now, 400, 3)).as_str())
        );
        assert!(by_uid("y3.lily").first("pwdPolicySubentry").is_some());
        assert!(by_uid("eyfs.class").first("pwdPolicySubentry").is_none());
        assert!(by_uid("staffroom")
            .first("userPassword")
            .unwrap()
            .starts_with("{SSHA512}"));
        let admins = entries
            .iter()
            .find(|e| e.dn.starts_with("cn=admins,"))
            .unwrap();
        assert_eq!(admins.get("member").len(), 8);
        for locked in ["g.leaver", "techtest", "g.hall-admin"] {
            assert_eq!(
                by_uid(locked).first("pwdAccountLockedTime"),
                Some(PERMANENTLY_LOCKED)
            );
        }
        assert!(by_uid("g.leaver").first("userPassword").is_none());
    }
}
