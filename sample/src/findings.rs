//! The sample school's findings, night by night: its two directories, six machines and the web
//! filter seen from three networks, with the problems it has and when they started.

use caretaker_checks::{directory, filter, host};
use caretaker_checks::{ClauseMap, Evidence, Finding, Severity, Status, Target, TargetKind};

use crate::RUNS;

/// The findings of nightly run `run` (1 … [`RUNS`]), judged against `map`.
pub(crate) fn of_run(map: &ClauseMap, run: i64) -> Vec<Finding> {
    let mut b = Builder {
        map,
        run,
        out: Vec::new(),
    };
    directory(&mut b);
    hosts(&mut b);
    filter(&mut b);
    b.out
}

/// When nightly run `run` started.
pub(crate) fn started(run: i64) -> String {
    format!("2026-11-{:02}T02:00:0{}Z", 15 + run, run % 7)
}

struct Builder<'a> {
    map: &'a ClauseMap,
    run: i64,
    out: Vec<Finding>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        check: &str,
        kind: TargetKind,
        name: &str,
        scope: &str,
        status: Status,
        severity: Severity,
        summary: &str,
        source: &str,
        values: &[(&str, &str)],
        fix: Option<&str>,
    ) {
        let mut ev = Evidence {
            source: source.to_string(),
            observed_at: started(self.run),
            values: Vec::new(),
        };
        for (k, v) in values {
            ev.push(*k, *v);
        }
        let mut f = Finding::new(
            check,
            Target::new(kind, name, scope),
            status,
            severity,
            summary,
            ev,
        );
        if let Some(fix) = fix {
            f = f.fix(fix);
        }
        f.clauses = self.map.clauses_for(&f.check);
        self.out.push(f);
    }
}

const AD: &str = "ldaps://dc1.ad.stexample.sch.uk:636";
const LDAP: &str = "ldaps://ldap.stexample.sch.uk:636";

fn directory(b: &mut Builder) {
    use Severity::*;
    use Status::*;
    use TargetKind::*;
    let r = b.run;
    // Active Directory.
    b.add(
        directory::CONNECT.id,
        Directory,
        "ad",
        "",
        Pass,
        Info,
        "The directory \"ad\" was read over an encrypted connection.",
        AD,
        &[
            ("url", AD),
            ("encryption", "TLS (ldaps)"),
            ("base_dn", "DC=ad,DC=stexample,DC=sch,DC=uk"),
            ("accounts", "212"),
        ],
        None,
    );
    b.add(
        directory::PASSWORD_POLICY.id,
        Policy,
        "Default domain policy",
        "ad",
        Fail,
        Critical,
        "The domain's default policy lets passwords be as short as 7 characters; it applies to a.patel, b.okafor, c.wright and 31 more (34 accounts not covered by a fine-grained policy: 34 staff), and the school's policy needs at least 12 for staff.",
        AD,
        &[
            ("policy", "Default domain policy"),
            ("minPwdLength", "7"),
            ("required_min_length", "12"),
            ("required_for", "staff"),
            ("accounts", "34"),
            ("populations", "staff"),
            ("staff_accounts", "34"),
        ],
        Some("samba-tool domain passwordsettings set --min-pwd-length=12"),
    );
    b.add(
        directory::PASSWORD_POLICY.id,
        Policy,
        "Admins PSO",
        "ad",
        Pass,
        Info,
        "The fine-grained password policy \"Admins PSO\" needs passwords of at least 15 characters, as the school's policy does (at least 12 for admins); it applies to Administrator, r.singh-admin, s.khan-admin and t.ward-admin (4 accounts: 4 admins).",
        AD,
        &[
            ("policy", "Admins PSO"),
            ("msDS-MinimumPasswordLength", "15"),
            ("required_min_length", "12"),
            ("populations", "admins"),
        ],
        None,
    );
    b.add(
        directory::PASSWORD_POLICY.id,
        Policy,
        "Pupils PSO",
        "ad",
        Pass,
        High,
        "The fine-grained password policy \"Pupils PSO\" needs passwords of at least 8 characters, as the school's policy does (at least 8 for pupils); it applies to y1.amelia, y1.isla, y1.noah and 171 more (174 accounts: 174 pupils).",
        AD,
        &[
            ("policy", "Pupils PSO"),
            ("msDS-MinimumPasswordLength", "8"),
            ("required_min_length", "8"),
            ("populations", "pupils"),
        ],
        None,
    );
    b.add(directory::LOCKOUT.id, Policy, "Default domain policy", "ad", Fail, High, "The domain's default policy never locks accounts, however many wrong passwords are tried; it applies to a.patel, b.okafor, c.wright and 31 more (34 accounts not covered by a fine-grained policy: 34 staff), and the school's policy needs them to lock after at most 10.", AD,
        &[("policy", "Default domain policy"), ("lockoutThreshold", "0"), ("required_max_lockout_threshold", "10"), ("populations", "staff")],
        Some("samba-tool domain passwordsettings set --account-lockout-threshold=10"));
    b.add(
        directory::LOCKOUT.id,
        Policy,
        "Pupils PSO",
        "ad",
        Pass,
        High,
        "The fine-grained password policy \"Pupils PSO\" locks accounts after 10 wrong passwords (the school's policy allows at most 10); it applies to y1.amelia, y1.isla, y1.noah and 171 more (174 accounts: 174 pupils).",
        AD,
        &[("policy", "Pupils PSO"), ("msDS-LockoutThreshold", "10"), ("populations", "pupils")],
        None,
    );
    b.add(directory::PASSWORD_NOT_REQUIRED.id, Account, "k.lee", "ad", Fail, High, "k.lee can be used with no password at all.", AD,
        &[("dn", "CN=Kim Lee,OU=Staff,DC=ad,DC=stexample,DC=sch,DC=uk"), ("userAccountControl", "544 (PASSWD_NOTREQD)")],
        Some("samba-tool user setpassword k.lee, then clear PASSWD_NOTREQD: samba-tool user edit k.lee (userAccountControl 512)"));
    b.add(
        directory::PASSWORD_NEVER_EXPIRES.id,
        Directory,
        "ad",
        "",
        Pass,
        Medium,
        "No enabled account in \"ad\" is set so that its password never expires.",
        AD,
        &[("checked", "212")],
        None,
    );
    b.add(
        directory::STALE_ACCOUNTS.id,
        Account,
        "p.jones",
        "ad",
        Fail,
        Medium,
        "p.jones has not logged on for 400 days; if they have left, disable the account.",
        AD,
        &[
            (
                "dn",
                "CN=Pat Jones,OU=Staff,DC=ad,DC=stexample,DC=sch,DC=uk",
            ),
            ("lastLogonTimestamp", "2025-10-19T08:12:40Z"),
            ("days", "400"),
            ("max_days", "90"),
        ],
        Some("samba-tool user disable p.jones"),
    );
    b.add(
        directory::GUEST.id,
        Account,
        "Guest",
        "ad",
        Pass,
        High,
        "The built-in guest account is switched off.",
        AD,
        &[("userAccountControl", "66082 (ACCOUNTDISABLE)")],
        None,
    );
    b.add(directory::PRIVILEGED.id, Account, "j.smith", "ad", Fail, Critical, "j.smith is a Domain Admin but uses the same account every day: there is no separate admin account.", AD,
        &[("group", "Domain Admins"), ("lastLogonTimestamp", "2026-11-22T16:03:11Z")],
        Some("Create j.smith-admin for admin work and remove j.smith from Domain Admins: samba-tool group removemembers \"Domain Admins\" j.smith"));
    b.add(directory::SHARED_LOGINS.id, Account, "class3", "ad", Fail, High, "class3 is a shared login in Year 3; from Year 1 every pupil needs their own login.", AD,
        &[("dn", "CN=class3,OU=Year 3,OU=Pupils,DC=ad,DC=stexample,DC=sch,DC=uk"), ("matched", "shared_login_patterns: class*")],
        Some("Give each Year 3 pupil their own login, then disable class3: samba-tool user disable class3"));
    for (y, n) in [("Year 1", "28"), ("Year 3", "29")] {
        b.add(
            directory::OWN_LOGINS.id,
            Group,
            y,
            "ad",
            Pass,
            Medium,
            &format!("{y} has {n} individual logins for {n} pupils on roll."),
            AD,
            &[
                (
                    "ou",
                    &format!("OU={y},OU=Pupils,DC=ad,DC=stexample,DC=sch,DC=uk"),
                ),
                ("roll", n),
                ("accounts", n),
            ],
            None,
        );
    }
    b.add(
        directory::OWN_LOGINS.id,
        Group,
        "Year 2",
        "ad",
        Warn,
        Medium,
        "Year 2 has 29 individual logins but 30 pupils on roll; some pupils may be sharing.",
        AD,
        &[
            ("ou", "OU=Year 2,OU=Pupils,DC=ad,DC=stexample,DC=sch,DC=uk"),
            ("roll", "30"),
            ("accounts", "29"),
        ],
        Some("Create the missing pupil's login in OU=Year 2,OU=Pupils (samba-tool user create …), or correct `roll` for Year 2 in caretaker.toml."),
    );
    b.add(
        directory::OWN_LOGINS.id,
        Group,
        "Reception",
        "ad",
        Pass,
        Low,
        "Reception is exempt: the youngest may share a class login (policy 7.4).",
        AD,
        &[("exempt", "true")],
        None,
    );
    // OpenLDAP (the pupils' learning platform).
    b.add(
        directory::CONNECT.id,
        Directory,
        "ldap",
        "",
        Pass,
        Info,
        "The directory \"ldap\" was read over an encrypted connection.",
        LDAP,
        &[
            ("url", LDAP),
            ("encryption", "TLS (ldaps)"),
            ("accounts", "96"),
        ],
        None,
    );
    b.add(directory::LOCKOUT.id, Policy, "pupils", "ldap", Fail, High, "The password policy \"pupils\" never locks accounts, however many wrong passwords are tried; it applies to y1.amelia, y1.isla, y1.noah and 18 more (21 accounts: 21 pupils), and the school's policy needs them to lock after at most 10.", LDAP,
        &[("policy_dn", "cn=pupils,ou=Policies,dc=stexample,dc=sch,dc=uk"), ("pwdLockout", "FALSE"), ("accounts", "21"), ("populations", "pupils")],
        Some("ldapmodify: set pwdLockout: TRUE and pwdMaxFailure: 10 on cn=pupils,ou=Policies,dc=stexample,dc=sch,dc=uk"));
    b.add(
        directory::PASSWORD_NOT_REQUIRED.id,
        Account,
        "m.brown",
        "ldap",
        Fail,
        High,
        "m.brown has no password set, so it is not protected by one.",
        LDAP,
        &[
            ("dn", "uid=m.brown,ou=Staff,dc=stexample,dc=sch,dc=uk"),
            ("userPassword", "absent"),
        ],
        Some("ldappasswd -S uid=m.brown,ou=Staff,dc=stexample,dc=sch,dc=uk"),
    );
    if r <= 5 {
        b.add(directory::STALE_ACCOUNTS.id, Account, "d.evans", "ldap", Fail, Medium, "d.evans has not logged on for 400 days; if they have left, disable the account.", LDAP,
            &[("dn", "uid=d.evans,ou=Staff,dc=stexample,dc=sch,dc=uk"), ("pwdLastSuccess", "20251019081240Z"), ("days", "400")],
            Some("ldapmodify: add pwdAccountLockedTime: 000001010000Z to uid=d.evans,ou=Staff,dc=stexample,dc=sch,dc=uk"));
    } else {
        b.add(
            directory::STALE_ACCOUNTS.id,
            Directory,
            "ldap",
            "",
            Pass,
            Medium,
            "Every enabled account in \"ldap\" has logged on in the last 90 days.",
            LDAP,
            &[("checked", "96"), ("max_days", "90")],
            None,
        );
    }
    b.add(
        directory::SHARED_LOGINS.id,
        Account,
        "staffroom",
        "ldap",
        Fail,
        High,
        "staffroom looks like a shared staff login; every member of staff needs their own login.",
        LDAP,
        &[
            ("dn", "uid=staffroom,ou=Staff,dc=stexample,dc=sch,dc=uk"),
            ("matched", "shared_login_patterns: staffroom"),
        ],
        Some("Give each member of staff their own login, then lock uid=staffroom."),
    );
}

struct Machine {
    name: &'static str,
    address: &'static str,
    os: &'static str,
}

const MACHINES: &[Machine] = &[
    Machine {
        name: "library-pc",
        address: "10.20.1.21",
        os: "linux",
    },
    Machine {
        name: "staffroom-pc",
        address: "10.20.1.22",
        os: "linux",
    },
    Machine {
        name: "classroom-1",
        address: "10.20.2.11",
        os: "linux",
    },
    Machine {
        name: "office-pc",
        address: "10.20.1.30",
        os: "windows",
    },
    Machine {
        name: "ict-suite-01",
        address: "10.20.3.1",
        os: "windows",
    },
    Machine {
        name: "art-macbook",
        address: "10.20.4.7",
        os: "macos",
    },
];

fn hosts(b: &mut Builder) {
    use Severity::*;
    use Status::*;
    let r = b.run;
    for m in MACHINES {
        let os = ("os", m.os);
        let mut host = |check: &str,
                        status: Status,
                        severity: Severity,
                        summary: &str,
                        values: &[(&str, &str)],
                        fix: Option<&str>| {
            let mut v = vec![os];
            v.extend_from_slice(values);
            b.add(
                check,
                TargetKind::Host,
                m.name,
                m.address,
                status,
                severity,
                summary,
                m.address,
                &v,
                fix,
            );
        };
        match m.name {
            "library-pc" => host(host::ANTIVIRUS.id, Fail, High, "Virus protection on this computer has not been updated for 9 days.",
                &[("engine", "ClamAV"), ("signatures_updated", "2026-11-14T14:05:07Z"), ("signature_age_hours", "216"), ("fail_after_hours", "72")],
                Some("Run `freshclam` and check `journalctl -u clamav-freshclam` for errors (proxy, DNS, rate limiting); freshclam should update at least daily.")),
            "office-pc" | "ict-suite-01" => host(host::ANTIVIRUS.id, Pass, High, "Virus protection (Microsoft Defender Antivirus) is on and was updated in the last day.",
                &[("engine", "Microsoft Defender Antivirus"), ("signature_age_hours", "3")], None),
            "art-macbook" => host(host::ANTIVIRUS.id, Pass, High, "Virus protection (XProtect) is on and was updated 24 hours ago.",
                &[("engine", "XProtect"), ("signature_age_hours", "24")], None),
            _ => host(host::ANTIVIRUS.id, Pass, High, "Virus protection (ClamAV) is on and was updated in the last day.",
                &[("engine", "ClamAV"), ("signature_age_hours", "11")], None),
        }
        if m.name == "ict-suite-01" && r >= 7 {
            host(host::UPDATES.id, Fail, High, "No updates have been installed on this computer for 40 days (the limit is 14).",
                &[("last_installed", "2026-10-14"), ("days_since_last_install", "40"), ("max_days", "14")],
                Some("Check Windows Update on the machine (Settings → Windows Update) and its WSUS/Intune policy."));
        } else if m.name == "classroom-1" && r == RUNS {
            host(host::UPDATES.id, Error, High, "Could not check updates on this computer: the probe could not read /var/log/apt/history.log (permission denied).",
                &[("reason", "permission denied"), ("path", "/var/log/apt/history.log")],
                Some("Give the caretaker account read access to /var/log/apt (group adm)."));
        } else {
            host(
                host::UPDATES.id,
                Pass,
                High,
                "Updates were installed on this computer 2 days ago, within the 14-day limit.",
                &[("days_since_last_install", "2"), ("max_days", "14")],
                None,
            );
        }
        match m.name {
            "art-macbook" => host(host::ENCRYPTION.id, Fail, Critical, "This laptop's disk is not encrypted, so personal data on it could be read if it is lost or stolen.",
                &[("role", "laptop"), ("filevault", "FileVault is Off.")],
                Some("Turn on FileVault: System Settings → Privacy & Security → FileVault (or `sudo fdesetup enable`)")),
            "office-pc" | "ict-suite-01" => host(host::ENCRYPTION.id, Pass, Critical, "This computer's disk is encrypted (BitLocker).",
                &[("bitlocker", "FullyEncrypted")], None),
            _ => host(host::ENCRYPTION.id, Pass, Medium, "This computer's disk is not encrypted, which the policy allows because it does not leave the site.",
                &[("role", "desktop")], None),
        }
        if m.name == "classroom-1" {
            host(host::REMOVABLE_MEDIA.id, Fail, Medium, "USB memory sticks can be used freely on this computer, without permission or encryption.",
                &[("usb_storage_module", "loaded"), ("modprobe_rule", "none"), ("usbguard", "not installed")],
                Some("echo 'install usb-storage /bin/false' > /etc/modprobe.d/caretaker-usb.conf, or install USBGuard."));
        } else {
            host(
                host::REMOVABLE_MEDIA.id,
                Pass,
                Medium,
                "USB memory sticks and other removable storage are blocked on this computer.",
                &[("usb_storage", "blocked")],
                None,
            );
        }
        match m.name {
            "staffroom-pc" => host(host::SCREEN_LOCK.id, Fail, High, "This computer's screen does not lock by itself when it is left unattended.",
                &[("desktop", "GNOME"), ("lock-enabled", "false"), ("idle-delay", "0")],
                Some("Set org.gnome.desktop.screensaver lock-enabled=true and org.gnome.desktop.session idle-delay=600 in a dconf lock.")),
            _ => host(host::SCREEN_LOCK.id, Pass, High, "This computer's screen locks after 10 minutes unattended.",
                &[("idle_lock_secs", "600"), ("max_secs", "900")], None),
        }
        if m.name == "office-pc" {
            host(host::AUTO_LOGON.id, Fail, High, "This computer logs itself in automatically when switched on, so anyone can use it without a password.",
                &[("Winlogon\\AutoAdminLogon", "1")],
                Some("Set AutoAdminLogon to 0 under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon and delete DefaultPassword there."));
        } else {
            host(
                host::AUTO_LOGON.id,
                Pass,
                High,
                "This computer asks for a password when it is switched on; it does not log anyone in by itself.",
                &[("autologin", "none")],
                None,
            );
        }
        if m.name == "classroom-1" {
            host(host::SOFTWARE.id, Fail, Medium, "1 program on this computer is not on the approved list: steam-installer.",
                &[("unapproved", "steam-installer"), ("installed", "1843")],
                Some("Remove it (apt-get purge steam-installer) or add it to `hosts.allowed_software.linux` in caretaker.toml after approval."));
        } else {
            host(
                host::SOFTWARE.id,
                Pass,
                Medium,
                "All the software installed on this computer is on the approved list.",
                &[("installed", "1211")],
                None,
            );
        }
        let (release, ends) = match m.name {
            "ict-suite-01" => ("Microsoft Windows 10 Education 10.0.19045", "2025-10-14"),
            "office-pc" => (
                "Microsoft Windows Server 2022 Standard 10.0.20348",
                "2031-10-14",
            ),
            "art-macbook" => ("macOS 15.1", "none announced"),
            _ => ("Debian GNU/Linux 12", "2028-06-30"),
        };
        let values = [("os_release", release), ("end_of_support", ends)];
        match m.name {
            "ict-suite-01" => host(host::SUPPORTED.id, Fail, High, "This computer runs Microsoft Windows 10 Education 10.0.19045, which stopped getting security updates on 14 October 2025: new weaknesses in it are never fixed.",
                &values,
                Some("Upgrade this computer to a supported version of Windows (or replace it if it cannot run one); until then keep it off the network or away from personal data.")),
            "office-pc" => host(host::SUPPORTED.id, Pass, Info, "This computer runs Microsoft Windows Server 2022 Standard 10.0.20348, which gets security updates until 14 October 2031.", &values, None),
            "art-macbook" => host(host::SUPPORTED.id, Pass, Info, "This computer runs macOS 15.1, which was still getting security updates when caretaker's list was checked on 4 December 2026 (its maker announces no end date).", &values, None),
            _ => host(host::SUPPORTED.id, Pass, Info, "This computer runs Debian GNU/Linux 12, which gets security updates until 30 June 2028.", &values, None),
        }
    }
}

struct Page {
    url: &'static str,
    category: &'static str,
    block: bool,
}

const PAGES: &[Page] = &[
    Page {
        url: "http://iwf.testfiltering.com/",
        category: "iwf",
        block: true,
    },
    Page {
        url: "https://ctiru.testfiltering.com/",
        category: "ctiru",
        block: true,
    },
    Page {
        url: "https://testfiltering.pornhub.com/",
        category: "adult",
        block: true,
    },
    Page {
        url: "https://swearing.testfiltering.com/",
        category: "offensive-language",
        block: true,
    },
    Page {
        url: "https://www.ceop.police.uk/ceop-reporting/",
        category: "safeguarding",
        block: false,
    },
    Page {
        url: "https://www.childline.org.uk/",
        category: "safeguarding",
        block: false,
    },
    Page {
        url: "https://www.bbc.co.uk/bitesize",
        category: "teaching",
        block: false,
    },
    Page {
        url: "https://en.wikipedia.org/wiki/Main_Page",
        category: "teaching",
        block: false,
    },
];

pub(crate) const VANTAGES: &[(&str, &str, &str)] = &[
    (
        "pupil-wifi",
        "pupil",
        "pupil-wifi (pupil): on classroom-1 over SSH, through the proxy http://10.20.0.1:3128",
    ),
    (
        "staff-lan",
        "staff",
        "staff-lan (staff): this machine, through the proxy http://10.20.0.1:3128",
    ),
    (
        "guest-wifi",
        "guest",
        "guest-wifi (guest): on guest-kiosk over SSH, direct (no proxy)",
    ),
];

fn filter(b: &mut Builder) {
    let r = b.run;
    for (vantage, group, from) in VANTAGES {
        let who = match *group {
            "pupil" => "Pupils",
            "staff" => "Staff",
            _ => "Guests",
        };
        b.add(
            filter::CONTROL.id,
            TargetKind::Url,
            "https://control.caretaker.invalid/",
            vantage,
            Status::Pass,
            Severity::Info,
            &format!(
                "The internet can be reached from {vantage}, so its filter tests can be trusted."
            ),
            from,
            &[
                ("url", "https://control.caretaker.invalid/"),
                ("category", "control"),
                ("expect", "load"),
                ("group", group),
                ("outcome", "response"),
                ("status", "200"),
            ],
            None,
        );
        for p in PAGES {
            let check = match (p.block, p.category) {
                (false, _) => filter::MUST_LOAD.id,
                (true, "iwf") => filter::MUST_BLOCK.id,
                (true, _) => filter::CATEGORIES.id,
            };
            let host = p.url.split('/').nth(2).unwrap_or(p.url);
            let wrong = matches!(
                (*vantage, p.category, host),
                ("guest-wifi", "adult", _) | ("pupil-wifi", "offensive-language", _)
            ) && r >= 4
                || (*vantage == "staff-lan" && host == "www.childline.org.uk" && r == RUNS);
            let broken = *vantage == "staff-lan" && host == "en.wikipedia.org" && r == RUNS;
            let expect = if p.block { "block" } else { "load" };
            let (status, summary, values, fix): (
                Status,
                String,
                Vec<(&str, String)>,
                Option<String>,
            ) = if broken {
                (Status::Error, format!("Could not tell whether {host} (teaching) loads for staff on {vantage}: the proxy could not reach the site (HTTP 502)."),
                    vec![("outcome", "response".into()), ("proxy", "http://10.20.0.1:3128".into()), ("status", "502".into())],
                    Some("Look at the evidence (status, address, certificate); fix the proxy or resolver if it is down, or add the filter's block page to [[filter.block_page]].".into()))
            } else if p.block && !wrong {
                (Status::Pass, format!("{who} on {vantage} cannot reach the {} test page: the filter blocks it with a block page (Squid access denied).", p.category),
                    vec![("outcome", "proxy-refused".into()), ("proxy_status", "403".into()), ("matched", "block page: Squid access denied".into())], None)
            } else if p.block {
                (Status::Fail, format!("{who} on {vantage} can reach the {} test page: the filter does not block it.", p.category),
                    vec![("outcome", "response".into()), ("status", "200".into()), ("matched", "the page's own text \"TestFiltering\"".into())],
                    Some(caretaker_checks::filter::classify::fix_must_block(p.category, group)))
            } else if wrong {
                (Status::Fail, format!("{who} on {vantage} cannot reach {host} ({}): the filter blocks it with a block page (Squid access denied), which is over-blocking.", p.category),
                    vec![("outcome", "proxy-refused".into()), ("proxy_status", "403".into()), ("matched", "block page: Squid access denied".into())],
                    Some(caretaker_checks::filter::classify::fix_must_load(host, group)))
            } else {
                (
                    Status::Pass,
                    format!("{who} on {vantage} can reach {host} ({}).", p.category),
                    vec![("outcome", "response".into()), ("status", "200".into())],
                    None,
                )
            };
            let mut v: Vec<(&str, &str)> = vec![
                ("url", p.url),
                ("category", p.category),
                ("expect", expect),
                ("group", group),
            ];
            let values: Vec<(&str, &str)> = values.iter().map(|(k, s)| (*k, s.as_str())).collect();
            v.extend(values);
            let sev = match (p.block, p.category) {
                (true, "iwf" | "ctiru") => Severity::Critical,
                (true, "adult") | (false, "safeguarding") => Severity::High,
                _ => Severity::Medium,
            };
            b.add(
                check,
                TargetKind::Url,
                p.url,
                vantage,
                status,
                sev,
                &summary,
                from,
                &v,
                fix.as_deref(),
            );
        }
    }
}
