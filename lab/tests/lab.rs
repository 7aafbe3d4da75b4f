//! The sample school against real servers: every planted fact reads back over LDAPS as caretaker's
//! account, labs run side by side, `stop` leaves nothing behind, and the `caretaker-lab` binary's
//! `up` / `status` / `down` work. No mocks, and no skips: a missing server fails with the command
//! that installs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretaker_lab::{
    group_members, pid_alive, recorded_servers, server_running, LabOptions, LdapEntry,
    SampleSchool, AD_BASE_DN, LDAP_BASE_DN,
};
use time::OffsetDateTime;

fn start(opts: LabOptions) -> SampleSchool {
    match SampleSchool::start(opts) {
        Ok(s) => s,
        Err(e) => panic!("the sample school did not start: {e}"),
    }
}

fn days_since_generalized(t: &str) -> i64 {
    // 20250102030405Z
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]Z");
    let when = time::PrimitiveDateTime::parse(t, &fmt)
        .unwrap_or_else(|e| panic!("{t}: {e}"))
        .assume_utc();
    (OffsetDateTime::now_utc() - when).whole_days()
}

fn days_since_filetime(v: &str) -> i64 {
    let ticks: i64 = v.parse().unwrap();
    let unix = ticks / 10_000_000 - 11_644_473_600;
    (OffsetDateTime::now_utc().unix_timestamp() - unix) / 86_400
}

fn only<'a>(entries: &'a [LdapEntry], what: &str) -> &'a LdapEntry {
    assert_eq!(entries.len(), 1, "{what}: {entries:#?}");
    &entries[0]
}

fn lo_addresses() -> String {
    let out = Command::new("ip")
        .args(["-o", "-4", "addr", "show", "dev", "lo"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The listening TCP addresses of process `pid`, from `ss`.
fn listening(pid: u32) -> Vec<String> {
    let out = Command::new("ss").args(["-ltnpH"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&format!("pid={pid},")))
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_string))
        .collect()
}

#[test]
fn the_full_lab_holds_every_planted_fact_and_stops_cleanly() {
    let t = Instant::now();
    let mut school = start(LabOptions::default());
    let took = t.elapsed();
    eprintln!("SampleSchool::start (OpenLDAP + Samba AD) took {took:.2?}");
    assert!(took < Duration::from_secs(60), "start took {took:?}");

    let ldap = school.openldap().expect("openldap started");
    let ad = school.ad().expect("ad started");
    let dir = school.dir().to_path_buf();

    // --- Files: config, README, secrets.
    assert_eq!(school.config_path(), dir.join("caretaker.toml"));
    let config: toml::Value = toml::from_str(&fs::read_to_string(school.config_path()).unwrap())
        .expect("caretaker.toml is TOML");
    assert_eq!(config["version"].as_integer(), Some(1));
    assert_eq!(
        config["school"]["name"].as_str(),
        Some("St. Example's Primary")
    );
    assert_eq!(config["store"]["path"].as_str(), Some("caretaker.db"));
    let dirs = config["directory"].as_array().unwrap();
    assert_eq!(dirs.len(), 2);
    assert_eq!(dirs[0]["name"].as_str(), Some("ldap"));
    assert_eq!(dirs[0]["kind"].as_str(), Some("openldap"));
    assert_eq!(dirs[0]["url"].as_str(), Some(ldap.ldaps_url()));
    assert_eq!(dirs[1]["name"].as_str(), Some("ad"));
    assert_eq!(dirs[1]["kind"].as_str(), Some("active-directory"));
    assert_eq!(dirs[1]["url"].as_str(), Some(ad.ldaps_url()));
    for d in dirs {
        assert!(dir.join(d["ca_file"].as_str().unwrap()).is_file());
        let pass = dir.join(d["bind_password_file"].as_str().unwrap());
        assert_eq!(mode(&pass), 0o600, "{}", pass.display());
        assert_eq!(mode(pass.parent().unwrap()), 0o700);
        let years = d["year_groups"].as_array().unwrap();
        assert_eq!(years.len(), 8);
        assert_eq!(years[0]["name"].as_str(), Some("EYFS"));
        assert_eq!(years[0]["exempt"].as_bool(), Some(true));
        assert_eq!(years[1]["name"].as_str(), Some("Reception"));
        assert_eq!(years[1]["exempt"].as_bool(), Some(true));
        let rolls: Vec<i64> = years[2..]
            .iter()
            .map(|y| {
                assert_eq!(y["exempt"].as_bool(), Some(false));
                y["roll"].as_integer().unwrap()
            })
            .collect();
        assert_eq!(rolls, vec![3, 4, 3, 4, 3, 4]);
    }
    for f in ["ldap-root.pass", "ad-admin.pass", "users.pass"] {
        assert_eq!(mode(&dir.join("secrets").join(f)), 0o600, "{f}");
    }
    for f in ["ca.key", "ldap.key", "ad.key"] {
        assert_eq!(mode(&dir.join("tls").join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&dir.join("tls")), 0o700);

    let planted: Vec<(&str, &str, String)> = school
        .planted_problems()
        .into_iter()
        .map(|p| (p.directory, p.check, p.target))
        .collect();
    let expected: Vec<(&str, &str, String)> = [
        ("ldap", "directory.lockout", "pupils"),
        ("ldap", "directory.stale-accounts", "d.evans"),
        ("ldap", "directory.password-not-required", "m.brown"),
        ("ldap", "directory.shared-logins", "staffroom"),
        ("ldap", "directory.admin-count", "admins"),
        ("ad", "directory.password-policy", "Default domain policy"),
        ("ad", "directory.lockout", "Default domain policy"),
        ("ad", "directory.stale-accounts", "p.jones"),
        ("ad", "directory.password-not-required", "k.lee"),
        ("ad", "directory.shared-logins", "class3"),
        ("ad", "directory.privileged", "j.smith"),
        ("ad", "directory.leavers", "c.wright"),
    ]
    .into_iter()
    .map(|(d, c, t)| (d, c, t.to_string()))
    .collect();
    assert_eq!(planted, expected);
    let readme = fs::read_to_string(dir.join("README.txt")).unwrap();
    for p in school.planted_problems() {
        let line = format!("{} {} {}: {}", p.directory, p.check, p.target, p.what);
        assert!(
            readme.lines().any(|l| l == line),
            "README.txt lacks {line:?}"
        );
    }

    // --- OpenLDAP, as caretaker over LDAPS.
    let people = format!("ou=People,{LDAP_BASE_DN}");
    let no_password = ldap
        .search(
            LDAP_BASE_DN,
            "sub",
            "(&(objectClass=posixAccount)(!(userPassword=*)))",
            &["uid"],
        )
        .unwrap();
    // m.brown (planted) and g.leaver (locked for good: its look-alike).
    let mut uids: Vec<&str> = no_password.iter().filter_map(|e| e.first("uid")).collect();
    uids.sort_unstable();
    assert_eq!(uids, vec!["g.leaver", "m.brown"]);
    let with_password = ldap
        .search(
            LDAP_BASE_DN,
            "sub",
            "(&(uid=a.patel)(userPassword=*))",
            &["userPassword"],
        )
        .unwrap();
    let a_patel = only(&with_password, "a.patel has a password");
    assert!(
        a_patel.first("userPassword").is_none(),
        "caretaker must not read password hashes"
    );
    let staff = ldap
        .search(
            &format!("ou=Staff,{people}"),
            "one",
            "(objectClass=posixAccount)",
            &[
                "uid",
                "pwdLastSuccess",
                "createTimestamp",
                "pwdPolicySubentry",
            ],
        )
        .unwrap();
    assert_eq!(staff.len(), 12);
    for e in &staff {
        let uid = e.first("uid").unwrap();
        assert!(e.first("createTimestamp").is_some(), "{uid}");
        let days = days_since_generalized(e.first("pwdLastSuccess").unwrap());
        if uid == "d.evans" {
            assert!((399..=401).contains(&days), "d.evans: {days} days");
        } else if uid == "g.leaver" {
            assert!((499..=501).contains(&days), "g.leaver: {days} days");
        } else {
            assert!(days < 30, "{uid}: last login {days} days ago");
        }
        assert!(e.first("pwdPolicySubentry").is_none(), "{uid}");
    }
    assert!(staff.iter().any(|e| e.first("uid") == Some("staffroom")));
    let pupils = ldap
        .search(
            &format!("ou=Pupils,{people}"),
            "sub",
            "(objectClass=posixAccount)",
            &["uid", "pwdPolicySubentry", "pwdLastSuccess"],
        )
        .unwrap();
    assert_eq!(pupils.len(), 21 + 2);
    for e in &pupils {
        let uid = e.first("uid").unwrap();
        assert!(days_since_generalized(e.first("pwdLastSuccess").unwrap()) < 30);
        let policy = e.first("pwdPolicySubentry");
        if uid.ends_with(".class") {
            assert_eq!(policy, None, "{uid}");
        } else {
            assert_eq!(
                policy,
                Some(format!("cn=pupils,ou=Policies,{LDAP_BASE_DN}").as_str()),
                "{uid}"
            );
        }
    }
    let policies = ldap
        .search(
            &format!("ou=Policies,{LDAP_BASE_DN}"),
            "one",
            "(objectClass=pwdPolicy)",
            &[],
        )
        .unwrap();
    let default = policies
        .iter()
        .find(|e| e.first("cn") == Some("default"))
        .unwrap();
    for (k, v) in [
        ("pwdMinLength", "12"),
        ("pwdCheckQuality", "2"),
        ("pwdLockout", "TRUE"),
        ("pwdMaxFailure", "5"),
        ("pwdInHistory", "5"),
        ("pwdMaxAge", "0"),
    ] {
        assert_eq!(default.first(k), Some(v), "default {k}");
    }
    let pupil_policy = policies
        .iter()
        .find(|e| e.first("cn") == Some("pupils"))
        .unwrap();
    assert_eq!(pupil_policy.first("pwdMinLength"), Some("8"));
    assert_eq!(pupil_policy.first("pwdLockout"), Some("FALSE"));
    let admins = ldap
        .search(
            &format!("cn=admins,ou=Groups,{LDAP_BASE_DN}"),
            "base",
            "(objectClass=*)",
            &["member"],
        )
        .unwrap();
    // The two separate admin accounts, the IT support company's five technicians (planted:
    // seven enabled admins, directory.admin-count) and a former technician's, locked for good.
    let members: Vec<String> = [
        "r.singh-admin",
        "adm.b.okafor",
        "l.green-admin",
        "n.shah-admin",
        "o.bell-admin",
        "h.wood-admin",
        "t.clarke-admin",
        "g.hall-admin",
    ]
    .iter()
    .map(|uid| format!("uid={uid},ou=Admins,{people}"))
    .collect();
    assert_eq!(
        only(&admins, "admins").get("member"),
        members.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // Paged search of everything (pages of 5 through ldapsearch's own pager).
    let everyone = ldap
        .search(LDAP_BASE_DN, "sub", "(objectClass=posixAccount)", &["1.1"])
        .unwrap();
    assert_eq!(everyone.len(), 12 + 2 + 6 + 23);
    // StartTLS on the plain port.
    let out = Command::new("ldapwhoami")
        .env("LDAPTLS_CACERT", ldap.ca_file())
        .env("LDAPTLS_REQCERT", "demand")
        .args([
            "-x",
            "-ZZ",
            "-H",
            ldap.ldap_url(),
            "-D",
            ldap.bind_dn(),
            "-y",
        ])
        .arg(ldap.bind_password_file())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "StartTLS: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A login updates pwdLastSuccess (lastbind).
    let out = Command::new("ldapwhoami")
        .env("LDAPTLS_CACERT", ldap.ca_file())
        .args(["-x", "-H", ldap.ldaps_url(), "-D"])
        .arg(format!("uid=y1.noah,ou=Year 1,ou=Pupils,{people}"))
        .arg("-y")
        .arg(dir.join("secrets/users.pass"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pupil login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let noah = ldap
        .search(LDAP_BASE_DN, "sub", "(uid=y1.noah)", &["pwdLastSuccess"])
        .unwrap();
    assert_eq!(
        days_since_generalized(only(&noah, "y1.noah").first("pwdLastSuccess").unwrap()),
        0
    );

    // --- Active Directory, as caretaker over LDAPS.
    let root = ad
        .search(
            AD_BASE_DN,
            "base",
            "(objectClass=*)",
            &[
                "minPwdLength",
                "lockoutThreshold",
                "pwdProperties",
                "pwdHistoryLength",
                "maxPwdAge",
            ],
        )
        .unwrap();
    let root = only(&root, "domain root");
    assert_eq!(root.first("minPwdLength"), Some("7"));
    assert_eq!(root.first("lockoutThreshold"), Some("0"));
    assert_eq!(root.first("pwdProperties"), Some("1"));
    assert_eq!(root.first("pwdHistoryLength"), Some("24"));
    let pso = ad
        .search(
            &format!("CN=Password Settings Container,CN=System,{AD_BASE_DN}"),
            "one",
            "(objectClass=msDS-PasswordSettings)",
            &[],
        )
        .unwrap();
    let pso = only(&pso, "PSOs");
    assert_eq!(pso.first("cn"), Some("Pupils PSO"));
    assert_eq!(pso.first("msDS-MinimumPasswordLength"), Some("8"));
    assert_eq!(pso.first("msDS-LockoutThreshold"), Some("10"));
    assert_eq!(pso.first("msDS-PasswordComplexityEnabled"), Some("FALSE"));
    assert_eq!(pso.first("msDS-PasswordSettingsPrecedence"), Some("10"));
    assert_eq!(
        pso.first("msDS-PSOAppliesTo"),
        Some(format!("CN=Pupils,CN=Users,{AD_BASE_DN}").as_str())
    );
    let users = ad
        .search(
            AD_BASE_DN,
            "sub",
            "(&(objectClass=user)(!(objectClass=computer)))",
            &[
                "sAMAccountName",
                "userAccountControl",
                "lastLogonTimestamp",
                "whenCreated",
                "memberOf",
                "pwdLastSet",
                "msDS-ResultantPSO",
            ],
        )
        .unwrap();
    let user = |name: &str| {
        users
            .iter()
            .find(|e| e.first("sAMAccountName") == Some(name))
            .unwrap_or_else(|| panic!("no AD user {name}"))
    };
    let uac = |name: &str| -> u32 {
        user(name)
            .first("userAccountControl")
            .unwrap()
            .parse()
            .unwrap()
    };
    let domain_admins = format!("CN=Domain Admins,CN=Users,{AD_BASE_DN}");
    for e in &users {
        let name = e.first("sAMAccountName").unwrap();
        assert!(e.first("whenCreated").is_some(), "{name}");
        let enabled = uac(name) & 0x2 == 0;
        if !enabled {
            continue;
        }
        assert!(e.first("pwdLastSet").is_some(), "{name}");
        let days = days_since_filetime(
            e.first("lastLogonTimestamp")
                .unwrap_or_else(|| panic!("{name}: no lastLogonTimestamp")),
        );
        if name == "p.jones" {
            assert!((399..=401).contains(&days), "p.jones: {days} days");
        } else {
            assert!(
                days < 30,
                "{name}: last logon {days} days ago (only p.jones may be stale)"
            );
        }
        let admin = e.has("memberOf", &domain_admins);
        assert_eq!(
            admin,
            ["Administrator", "r.singh-admin", "adm.b.okafor", "j.smith"].contains(&name),
            "{name} in Domain Admins: {admin}"
        );
        // Only k.lee may go without a password.
        assert_eq!(
            uac(name) & 0x20 != 0,
            name == "k.lee",
            "{name} PASSWD_NOTREQD"
        );
    }
    assert_eq!(uac("k.lee"), 0x220);
    assert_eq!(uac("old.leaver") & 0x2, 0x2);
    assert!(days_since_filetime(user("old.leaver").first("lastLogonTimestamp").unwrap()) > 180);
    assert!(user("class3")
        .dn
        .starts_with("CN=class3,OU=Year 3,OU=Pupils,"));
    assert!(user("j.smith").dn.contains(",OU=Staff,"));
    assert!(user("y3.lily").has(
        "msDS-ResultantPSO",
        &format!("CN=Pupils PSO,CN=Password Settings Container,CN=System,{AD_BASE_DN}")
    ));
    let da = ad
        .search(&domain_admins, "base", "(objectClass=group)", &["member"])
        .unwrap();
    let mut members: Vec<&str> = only(&da, "Domain Admins").get("member");
    members.sort();
    assert_eq!(
        members,
        vec![
            format!("CN=Administrator,CN=Users,{AD_BASE_DN}"),
            format!("CN=adm.b.okafor,OU=Admins,{AD_BASE_DN}"),
            format!("CN=j.smith,OU=Staff,{AD_BASE_DN}"),
            format!("CN=r.singh-admin,OU=Admins,{AD_BASE_DN}"),
        ]
    );
    let in_pupils = |e: &&LdapEntry| e.dn.contains(",OU=Pupils,");
    assert_eq!(users.iter().filter(in_pupils).count(), 21 + 2 + 1);
    // The DC's own computer account logs on too (nothing but p.jones is stale).
    let dc = ad
        .search(
            &format!("OU=Domain Controllers,{AD_BASE_DN}"),
            "one",
            "(objectClass=computer)",
            &["lastLogonTimestamp"],
        )
        .unwrap();
    assert!(days_since_filetime(only(&dc, "DC").first("lastLogonTimestamp").unwrap()) < 2);
    // Samba listens on its own address only, and LDAP/LDAPS only.
    let addr = ad.address();
    let mut ports: Vec<String> = listening(ad.pid());
    assert!(!ports.is_empty());
    for p in &ports {
        assert!(p.starts_with(&format!("{addr}:")), "samba listens on {p}");
    }
    ports.sort();
    assert_eq!(
        ports,
        ["3268", "3269", "389", "636"]
            .map(|p| format!("{addr}:{p}"))
            .to_vec()
    );
    assert!(lo_addresses().contains(&format!("{addr}/32")));
    // A simple bind over plain LDAP is refused (so caretaker uses LDAPS).
    let out = Command::new("ldapwhoami")
        .args([
            "-x",
            "-H",
            &format!("ldap://{addr}"),
            "-D",
            ad.bind_dn(),
            "-y",
        ])
        .arg(ad.bind_password_file())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Strong"),
        "{out:?}"
    );

    // --- caretaker's own TLS stack (ldap3 over rustls) accepts both servers with the lab CA.
    for (url, dn, pass, base) in [
        (
            ldap.ldaps_url(),
            ldap.bind_dn(),
            ldap.bind_password_file(),
            LDAP_BASE_DN,
        ),
        (
            ad.ldaps_url(),
            ad.bind_dn(),
            ad.bind_password_file(),
            AD_BASE_DN,
        ),
    ] {
        let n = ldap3_count(url, dn, pass, ldap.ca_file(), base);
        assert!(n > 20, "{url}: {n} entries through ldap3");
    }

    // --- stop: nothing left.
    let pids = [ldap.pid(), ad.pid()];
    school.stop();
    for pid in pids {
        assert!(!pid_alive(pid), "pid {pid} still alive after stop");
        assert!(
            group_members(pid).is_empty(),
            "group {pid} still has processes"
        );
    }
    assert!(
        !lo_addresses().contains(&format!("{addr}/32")),
        "alias {addr} left on lo"
    );
    assert!(!dir.exists(), "the lab's temporary folder is still there");
    school.stop();
}

/// A paged search through ldap3 + rustls (as caretaker does); returns how many entries came back.
fn ldap3_count(url: &str, dn: &str, pass_file: &Path, ca: &Path, base: &str) -> usize {
    use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
    let mut roots = rustls::RootCertStore::empty();
    let pem = fs::read(ca).unwrap();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let settings = ldap3::LdapConnSettings::new()
        .set_config(Arc::new(config))
        .set_conn_timeout(Duration::from_secs(10));
    let mut conn =
        ldap3::LdapConn::with_settings(settings, url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let password = fs::read_to_string(pass_file).unwrap();
    conn.simple_bind(dn, &password)
        .unwrap()
        .success()
        .unwrap_or_else(|e| panic!("{url} bind: {e}"));
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(10)),
    ];
    let mut search = conn
        .streaming_search_with(
            adapters,
            base,
            ldap3::Scope::Subtree,
            "(objectClass=person)",
            vec!["1.1"],
        )
        .unwrap();
    let mut n = 0;
    while search.next().unwrap().is_some() {
        n += 1;
    }
    search.result().success().unwrap();
    let _ = conn.unbind();
    n
}

#[test]
fn two_labs_run_side_by_side_and_tests_may_change_their_policy() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(LabOptions::default()));
        let b = s.spawn(|| start(LabOptions::default()));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.dir(), b.dir());
    let (la, lb) = (a.openldap().unwrap(), b.openldap().unwrap());
    let (aa, ab) = (a.ad().unwrap(), b.ad().unwrap());
    assert_ne!(la.port(), lb.port());
    assert_ne!(la.tls_port(), lb.tls_port());
    assert_ne!(aa.address(), ab.address());
    assert!(aa.address().octets()[0] == 127 && ab.address().octets()[0] == 127);

    // Change lab A's policies; lab B keeps the planted ones.
    la.ldapmodify(&format!(
        "dn: cn=pupils,ou=Policies,{LDAP_BASE_DN}\nchangetype: modify\nreplace: pwdLockout\npwdLockout: TRUE\n-\nadd: pwdMaxFailure\npwdMaxFailure: 10\n"
    ))
    .unwrap();
    let out = aa
        .samba_tool(&[
            "domain",
            "passwordsettings",
            "set",
            "--min-pwd-length=12",
            "--account-lockout-threshold=5",
        ])
        .unwrap();
    assert!(out.contains("successful"), "{out}");
    let pol = |l: &caretaker_lab::OpenLdap| {
        l.search(
            &format!("cn=pupils,ou=Policies,{LDAP_BASE_DN}"),
            "base",
            "(objectClass=*)",
            &["pwdLockout"],
        )
        .unwrap()[0]
            .first("pwdLockout")
            .map(str::to_string)
    };
    assert_eq!(pol(la).as_deref(), Some("TRUE"));
    assert_eq!(pol(lb).as_deref(), Some("FALSE"));
    let min = |d: &caretaker_lab::SambaAd| {
        d.search(
            AD_BASE_DN,
            "base",
            "(objectClass=*)",
            &["minPwdLength", "lockoutThreshold"],
        )
        .unwrap()[0]
            .clone()
    };
    assert_eq!(min(aa).first("minPwdLength"), Some("12"));
    assert_eq!(min(aa).first("lockoutThreshold"), Some("5"));
    assert_eq!(min(ab).first("minPwdLength"), Some("7"));

    // Stopping one leaves the other running.
    let (a_ldap, a_ad) = (la.pid(), aa.pid());
    let a_addr: Ipv4Addr = aa.address();
    drop(a);
    assert!(!pid_alive(a_ldap) && !pid_alive(a_ad));
    assert!(!lo_addresses().contains(&format!("{a_addr}/32")));
    assert!(lb.is_running() && ab.is_running());
    assert_eq!(min(ab).first("lockoutThreshold"), Some("0"));
    assert_eq!(pol(lb).as_deref(), Some("FALSE"));
}

/// Stops a detached lab even when a test fails half-way.
struct Down(std::path::PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = caretaker_lab::stop_dir(&self.0);
    }
}

#[test]
fn active_directory_alone_in_a_given_folder() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ad-only");
    let mut school = start(LabOptions {
        openldap: false,
        active_directory: true,
        dir: Some(dir.clone()),
    });
    assert!(school.openldap().is_none());
    let ad = school.ad().unwrap();
    assert_eq!(mode(&dir), 0o700);
    let config: toml::Value =
        toml::from_str(&fs::read_to_string(school.config_path()).unwrap()).unwrap();
    let dirs = config["directory"].as_array().unwrap();
    assert_eq!(dirs.len(), 1);
    assert_eq!(dirs[0]["name"].as_str(), Some("ad"));
    assert!(school
        .planted_problems()
        .iter()
        .all(|p| p.directory == "ad"));
    assert_eq!(school.planted_problems().len(), 7);
    let servers = recorded_servers(school.dir()).unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].name, "samba");
    assert_eq!(servers[0].pid, ad.pid());
    assert_eq!(servers[0].address, Some(ad.address()));
    assert!(server_running(school.dir(), &servers[0]));
    let pid = ad.pid();
    school.stop();
    assert!(!pid_alive(pid));
    assert!(
        dir.join("caretaker.toml").exists(),
        "a given folder is kept"
    );
    assert!(!dir.join("pids").exists());
}

fn lab_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_caretaker-lab"))
}

#[test]
fn the_binary_brings_the_lab_up_and_down() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("lab-state");
    fs::create_dir(&dir).unwrap();
    let _down = Down(fs::canonicalize(&dir).unwrap());
    let up = || {
        let out = lab_bin().arg("up").arg("--dir").arg(&dir).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "up failed:\n{stderr}");
        assert!(stderr.contains("St. Example's Primary is up"), "{stderr}");
        let last = stdout.lines().last().unwrap_or_default().to_string();
        assert_eq!(
            Path::new(&last),
            fs::canonicalize(&dir).unwrap().join("caretaker.toml")
        );
        recorded_servers(&dir).unwrap()
    };
    let first = up();
    // slapd, samba, one sshd per machine of the school, and the mail server.
    assert_eq!(first.len(), 2 + 6 + 1, "{first:?}");
    assert_eq!(first.iter().filter(|s| s.name == "sshd").count(), 6);
    assert_eq!(first.iter().filter(|s| s.name == "mail").count(), 1);
    let canon = fs::canonicalize(&dir).unwrap();
    for s in &first {
        assert!(server_running(&canon, s), "{s:?} not running after up");
    }
    let status = lab_bin()
        .arg("status")
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    // Up again in the same folder: the first lab is stopped first.
    let second = up();
    for s in &first {
        assert!(!pid_alive(s.pid), "{s:?} of the first lab still runs");
        assert!(group_members(s.pid).is_empty());
    }
    let addrs: Vec<Ipv4Addr> = second.iter().filter_map(|s| s.address).collect();
    assert_eq!(
        addrs.len(),
        7,
        "samba's and the machines' addresses recorded"
    );
    for addr in &addrs {
        assert!(lo_addresses().contains(&format!("{addr}/32")));
    }

    let down = lab_bin()
        .arg("down")
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    for s in &second {
        assert!(!pid_alive(s.pid), "{s:?} still runs after down");
        assert!(group_members(s.pid).is_empty());
    }
    for addr in &addrs {
        assert!(
            !lo_addresses().contains(&format!("{addr}/32")),
            "alias {addr} left on lo"
        );
    }
    let again = lab_bin()
        .arg("down")
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "down with nothing running must succeed"
    );
    let status = lab_bin()
        .arg("status")
        .arg("--dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!status.status.success());
}

#[test]
fn openldap_alone_runs_without_root_and_ad_says_it_needs_root() {
    let parent = tempfile::tempdir().unwrap();
    fs::set_permissions(parent.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = parent.path().join("lab");
    fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    let _down = Down(fs::canonicalize(&dir).unwrap());
    let as_nobody = |args: &[&str]| {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "nobody", "--"])
            .arg(env!("CARGO_BIN_EXE_caretaker-lab"))
            .args(args)
            .arg("--dir")
            .arg(&dir);
        cmd.output().unwrap()
    };
    let out = as_nobody(&["up"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs root") && err.contains("--no-ad"),
        "{err}"
    );

    let out = as_nobody(&["up", "--no-ad"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let servers = recorded_servers(&dir).unwrap();
    // slapd, and the mail server (which needs no root either).
    let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["slapd", "mail"]);
    assert!(servers.iter().all(|s| pid_alive(s.pid)));
    let config = fs::read_to_string(dir.join("caretaker.toml")).unwrap();
    assert!(config.contains("kind = \"openldap\"") && !config.contains("active-directory"));
    let out = as_nobody(&["down"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(servers.iter().all(|s| !pid_alive(s.pid)));
}
