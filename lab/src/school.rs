//! Who is at St. Example's Primary, and what is wrong with its directories on purpose.
//!
//! Both directories hold the same school. Each planted problem is listed once, in
//! [`planted`], which feeds `SampleSchool::planted_problems` and DIR/README.txt; everything else
//! is meant to pass.

/// A person's account.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Account {
    pub uid: &'static str,
    pub given: &'static str,
    pub sn: &'static str,
}

const fn a(uid: &'static str, given: &'static str, sn: &'static str) -> Account {
    Account { uid, given, sn }
}

/// OpenLDAP staff (ou=Staff): individual accounts plus the planted ones.
pub(crate) const LDAP_STAFF: &[Account] = &[
    a("a.patel", "Aisha", "Patel"),
    a("b.okafor", "Ben", "Okafor"),
    a("c.wright", "Chloe", "Wright"),
    a("d.evans", "David", "Evans"), // planted: last login 400 days ago
    a("e.hughes", "Emma", "Hughes"),
    a("f.ahmed", "Farah", "Ahmed"),
    a("m.brown", "Mark", "Brown"), // planted: no userPassword
    a("r.singh", "Raj", "Singh"),
    a("staffroom", "Staffroom", "Computer"), // planted: shared staff login
    // Look-alikes: a person whose login holds "test"; a leaver (400+ days, no password) and a
    // technician's test login, both locked for good.
    a("j.testa", "Jo", "Testa"),
    a(LDAP_LEAVER, "Gill", "Leaver"),
    a(LDAP_LOCKED_TEST, "IT", "Test"),
];

/// Active Directory staff (OU=Staff).
pub(crate) const AD_STAFF: &[Account] = &[
    a("a.patel", "Aisha", "Patel"),
    a("b.okafor", "Ben", "Okafor"),
    a("c.wright", "Chloe", "Wright"),
    a("e.hughes", "Emma", "Hughes"),
    a("r.singh", "Raj", "Singh"),
    a("j.smith", "Jane", "Smith"), // planted: everyday account in Domain Admins
    a("p.jones", "Peter", "Jones"), // planted: last logon 400 days ago
    a("k.lee", "Kim", "Lee"),      // planted: PASSWD_NOTREQD
    a("old.leaver", "Olive", "Leaver"), // disabled, stale: must not be reported
];

/// Separate admin accounts (ou=Admins / OU=Admins): the network manager's, named by the
/// `-admin` pattern, and the deputy head's, `adm.` + her everyday login with the same names.
pub(crate) const ADMINS: &[Account] = &[
    a("r.singh-admin", "Raj", "Singh (admin)"),
    a("adm.b.okafor", "Ben", "Okafor"),
];

/// OpenLDAP only: the IT support company's technicians, each with a separate admin account in
/// ou=Admins and cn=admins. With the two above that makes seven enabled admins, more than the
/// five caretaker allows by default (planted: directory.admin-count). Active Directory keeps four
/// (Administrator, the two above, j.smith): its look-alike, within the limit.
pub(crate) const LDAP_TECH_ADMINS: &[Account] = &[
    a("l.green-admin", "Liam", "Green (admin)"),
    a("n.shah-admin", "Nina", "Shah (admin)"),
    a("o.bell-admin", "Owen", "Bell (admin)"),
    a("h.wood-admin", "Helen", "Wood (admin)"),
    a("t.clarke-admin", "Tom", "Clarke (admin)"),
];

/// OpenLDAP only: a former technician's admin account, still in cn=admins but locked for good:
/// not counted (the look-alike beside the planted count).
pub(crate) const LDAP_LOCKED_ADMIN: Account = a("g.hall-admin", "Gary", "Hall (admin)");

/// The AD staff account that is in Domain Admins although it is an everyday account.
pub(crate) const AD_EVERYDAY_ADMIN: &str = "j.smith";
pub(crate) const AD_STALE: &str = "p.jones";
pub(crate) const AD_PASSWD_NOTREQD: &str = "k.lee";
pub(crate) const AD_DISABLED: &str = "old.leaver";
pub(crate) const AD_SHARED_CLASS: &str = "class3";
/// The member of staff SIMS says left 98 days ago, whose account is still enabled.
pub(crate) const AD_LEAVER: &str = "c.wright";
/// Look-alike: on the roster with a leaving date months away.
pub(crate) const AD_LEAVING_LATER: &str = "e.hughes";
/// The sample school's SIMS staff export, beside caretaker.toml.
pub(crate) const AD_ROSTER: &str = "mis/sims-staff.csv";
/// How caretaker names the domain's own password policy.
pub(crate) const AD_DOMAIN_POLICY: &str = "Default domain policy";
pub(crate) const LDAP_STALE: &str = "d.evans";
pub(crate) const LDAP_NO_PASSWORD: &str = "m.brown";
pub(crate) const LDAP_SHARED_STAFF: &str = "staffroom";
/// Locked for good: not used for 500 days, and no password.
pub(crate) const LDAP_LEAVER: &str = "g.leaver";
/// Locked for good: a technician's old test login.
pub(crate) const LDAP_LOCKED_TEST: &str = "techtest";

/// A year group and its pupils' individual accounts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Year {
    /// The OU name, also the year group's name in caretaker.toml.
    pub ou: &'static str,
    /// Exempt from individual logins (the youngest).
    pub exempt: bool,
    /// The class login of an exempt year group.
    pub class_login: Option<&'static str>,
    pub pupils: &'static [Account],
}

pub(crate) const YEARS: &[Year] = &[
    Year {
        ou: "EYFS",
        exempt: true,
        class_login: Some("eyfs.class"),
        pupils: &[],
    },
    Year {
        ou: "Reception",
        exempt: true,
        class_login: Some("reception.class"),
        pupils: &[],
    },
    Year {
        ou: "Year 1",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y1.amelia", "Amelia", "Clarke"),
            a("y1.noah", "Noah", "Bennett"),
            a("y1.isla", "Isla", "Murphy"),
        ],
    },
    Year {
        ou: "Year 2",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y2.oliver", "Oliver", "Price"),
            a("y2.ava", "Ava", "Khan"),
            a("y2.leo", "Leo", "Ward"),
            a("y2.mia", "Mia", "Turner"),
        ],
    },
    Year {
        ou: "Year 3",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y3.george", "George", "Hall"),
            a("y3.lily", "Lily", "Adams"),
            a("y3.arthur", "Arthur", "Fox"),
        ],
    },
    Year {
        ou: "Year 4",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y4.freya", "Freya", "Moss"),
            a("y4.jack", "Jack", "Ellis"),
            a("y4.grace", "Grace", "Lloyd"),
            a("y4.harry", "Harry", "Shaw"),
        ],
    },
    Year {
        ou: "Year 5",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y5.sophia", "Sophia", "Reid"),
            a("y5.oscar", "Oscar", "Lane"),
            a("y5.evie", "Evie", "Grant"),
        ],
    },
    Year {
        ou: "Year 6",
        exempt: false,
        class_login: None,
        pupils: &[
            a("y6.charlie", "Charlie", "Webb"),
            a("y6.poppy", "Poppy", "Hart"),
            a("y6.henry", "Henry", "Cole"),
            a("y6.ella", "Ella", "Frost"),
        ],
    },
];

/// The AD year group that has a shared class login (besides its individual accounts).
pub(crate) const AD_SHARED_CLASS_YEAR: &str = "Year 3";

/// One problem planted in the sample school on purpose: caretaker must report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The scope: `"ldap"` (OpenLDAP) or `"ad"` (Active Directory), the `name` of the
    /// `[[directory]]`; or `"hosts"` for a problem on a machine (`target` is the `[[host]]` name);
    /// `"filter"` for a vantage point; `"mail"` for a mail domain (`target` is the domain).
    pub directory: &'static str,
    /// The check that must report it, e.g. `directory.stale-accounts`.
    pub check: &'static str,
    /// The account name, or the population (`staff`, `pupils`, `admins`) for a policy problem.
    pub target: String,
    /// What is wrong, in plain English.
    pub what: &'static str,
}

fn p(directory: &'static str, check: &'static str, target: &str, what: &'static str) -> Planted {
    Planted {
        directory,
        check,
        target: target.to_string(),
        what,
    }
}

/// Every planted problem of the directories that were started.
pub(crate) fn planted(openldap: bool, ad: bool) -> Vec<Planted> {
    let mut v = Vec::new();
    if openldap {
        v.push(p(
            "ldap",
            "directory.lockout",
            "pupils",
            "The pupils' password policy (cn=pupils,ou=Policies) never locks an account after failed logins (pwdLockout FALSE).",
        ));
        v.push(p(
            "ldap",
            "directory.stale-accounts",
            LDAP_STALE,
            "d.evans (staff) has not logged in for 400 days but the account is still usable.",
        ));
        v.push(p(
            "ldap",
            "directory.password-not-required",
            LDAP_NO_PASSWORD,
            "m.brown (staff) has no password at all (no userPassword).",
        ));
        v.push(p(
            "ldap",
            "directory.shared-logins",
            LDAP_SHARED_STAFF,
            "staffroom is a shared login used by several staff.",
        ));
        v.push(p(
            "ldap",
            "directory.admin-count",
            "admins",
            "Seven enabled accounts are in cn=admins (r.singh-admin, adm.b.okafor and the IT support company's five technicians); the default limit is 5. g.hall-admin, also in it but locked for good, is not counted.",
        ));
    }
    if ad {
        v.push(p(
            "ad",
            "directory.password-policy",
            AD_DOMAIN_POLICY,
            "The domain's default password policy allows passwords of only 7 characters (minPwdLength 7; staff and admins need 12); it governs everyone but the pupils.",
        ));
        v.push(p(
            "ad",
            "directory.lockout",
            AD_DOMAIN_POLICY,
            "The domain's default password policy never locks an account after failed logins (lockoutThreshold 0); it governs everyone but the pupils.",
        ));
        v.push(p(
            "ad",
            "directory.stale-accounts",
            AD_STALE,
            "p.jones (staff) has not logged on for 400 days but the account is still enabled.",
        ));
        v.push(p(
            "ad",
            "directory.password-not-required",
            AD_PASSWD_NOTREQD,
            "k.lee (staff) is allowed an empty password (userAccountControl PASSWD_NOTREQD).",
        ));
        v.push(p(
            "ad",
            "directory.shared-logins",
            AD_SHARED_CLASS,
            "class3 is a shared class login for Year 3, who should each have their own login.",
        ));
        v.push(p(
            "ad",
            "directory.privileged",
            AD_EVERYDAY_ADMIN,
            "j.smith, a teacher's everyday account, is in Domain Admins (no separate admin account).",
        ));
        v.push(p(
            "ad",
            "directory.leavers",
            AD_LEAVER,
            "c.wright left 98 days ago by the school's SIMS staff export (mis/sims-staff.csv), but her account is still enabled. old.leaver, who left long ago, is disabled, and e.hughes leaves in 200 days: neither is reported.",
        ));
    }
    v
}

/// The St. Example SIMS staff export (CSV as SIMS writes it: a byte-order mark, CRLF) for the
/// Active Directory's staff, with leaving dates relative to `today`: c.wright left 98 days ago
/// (planted), old.leaver 400 days ago (disabled: the look-alike), e.hughes leaves in 200 days.
pub(crate) fn ad_staff_roster(today: time::Date) -> String {
    let uk = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let mut s =
        String::from("\u{feff}Legal Surname,Legal Forename,Work Email Address,Leaving Date\r\n");
    for acc in AD_STAFF {
        let leaving = match acc.uid {
            AD_LEAVER => uk(today - time::Duration::days(98)),
            AD_DISABLED => uk(today - time::Duration::days(400)),
            AD_LEAVING_LATER => uk(today + time::Duration::days(200)),
            _ => String::new(),
        };
        s.push_str(&format!(
            "\"{}\",{},{}@stexample.sch.uk,{leaving}\r\n",
            acc.sn, acc.given, acc.uid
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_directory() {
        let mut seen = std::collections::HashSet::new();
        for acc in LDAP_STAFF
            .iter()
            .chain(ADMINS)
            .chain(LDAP_TECH_ADMINS)
            .chain([&LDAP_LOCKED_ADMIN])
        {
            assert!(seen.insert(acc.uid), "{}", acc.uid);
        }
        for y in YEARS {
            for acc in y.pupils {
                assert!(seen.insert(acc.uid), "{}", acc.uid);
            }
        }
        for y in YEARS {
            assert_eq!(y.exempt, y.class_login.is_some());
            assert_eq!(y.exempt, y.pupils.is_empty());
            if !y.exempt {
                assert!((3..=4).contains(&y.pupils.len()));
            }
        }
    }

    #[test]
    fn planted_list() {
        assert_eq!(planted(true, false).len(), 5);
        assert_eq!(planted(false, true).len(), 7);
        assert!(planted(false, false).is_empty());
    }
}
