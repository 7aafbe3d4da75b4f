//! Who is at Riverside Primary Academy, the second sample school, and what is wrong with its
//! directory on purpose.
//!
//! Riverside is built unlike St. Example's: OpenLDAP only, people under `ou=Accounts` in
//! `ou=Teaching`, `ou=Support`, `ou=AdminAccounts` (admin accounts `adm.<uid>` with the person's
//! names and employee number) and `ou=Pupils` with intake-year OUs (`ou=Intake2019` = Year 6 …
//! `ou=Intake2025` = Reception), pupil uids like `19jbloggs`, the privileged group `cn=it-admins`,
//! and three ppolicy entries: the server's default (8 characters, no lockout), `staff-strong`
//! (most staff point to it) and `pupils-policy`. Each planted problem (see [`planted`]) has a
//! compliant look-alike beside it.

use std::fmt::Write as _;

use time::{Duration as Span, OffsetDateTime};

use crate::school::Planted;
use crate::util::{generalized_time, ssha512};
use crate::LabError;

/// The suffix of Riverside's directory.
pub const RIVERSIDE_BASE_DN: &str = "dc=riverside,dc=sch,dc=uk";
/// caretaker's read-only service account at Riverside.
pub const RIVERSIDE_CARETAKER_DN: &str = "cn=caretaker,ou=System,dc=riverside,dc=sch,dc=uk";

const ACCOUNTS: &str = "ou=Accounts,dc=riverside,dc=sch,dc=uk";

/// Which ppolicy entry an account points to with `pwdPolicySubentry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pol {
    /// No `pwdPolicySubentry`: the server's default policy governs it.
    Default,
    StaffStrong,
    Pupils,
}

impl Pol {
    fn dn(self) -> Option<String> {
        match self {
            Pol::Default => None,
            Pol::StaffStrong => Some(format!("cn=staff-strong,ou=Policies,{RIVERSIDE_BASE_DN}")),
            Pol::Pupils => Some(format!("cn=pupils-policy,ou=Policies,{RIVERSIDE_BASE_DN}")),
        }
    }
}

/// A member of staff (or their admin account).
#[derive(Debug, Clone, Copy)]
struct Staff {
    uid: &'static str,
    given: &'static str,
    sn: &'static str,
    employee: &'static str,
    title: &'static str,
    policy: Pol,
    /// Days since the last successful login.
    last_days: i64,
    /// Locked for good (a leaver).
    locked: bool,
}

#[allow(clippy::too_many_arguments)]
const fn s(
    uid: &'static str,
    given: &'static str,
    sn: &'static str,
    employee: &'static str,
    title: &'static str,
    policy: Pol,
    last_days: i64,
    locked: bool,
) -> Staff {
    Staff {
        uid,
        given,
        sn,
        employee,
        title,
        policy,
        last_days,
        locked,
    }
}

/// ou=Teaching.
const TEACHING: &[Staff] = &[
    s(
        "sarah.khan",
        "Sarah",
        "Khan",
        "1042",
        "Deputy Head and computing lead",
        Pol::StaffStrong,
        1,
        false,
    ),
    s(
        "grace.okoro",
        "Grace",
        "Okoro",
        "1043",
        "Reception teacher",
        Pol::StaffStrong,
        2,
        false,
    ),
    s(
        "james.wilson",
        "James",
        "Wilson",
        "1044",
        "Year 4 teacher",
        Pol::StaffStrong,
        1,
        false,
    ),
    s(
        "priya.shah",
        "Priya",
        "Shah",
        "1045",
        "Year 6 teacher",
        Pol::StaffStrong,
        3,
        false,
    ),
    // Look-alikes of a temporary and a test login: people whose names hold "temp" and "test".
    s(
        "emma.temple",
        "Emma",
        "Temple",
        "1046",
        "Year 2 teacher",
        Pol::StaffStrong,
        2,
        false,
    ),
    s(
        "luca.testa",
        "Luca",
        "Testa",
        "1047",
        "Music teacher",
        Pol::StaffStrong,
        1,
        false,
    ),
    // Planted: not used for 420 days, still enabled.
    s(
        STALE,
        "Peter",
        "Grant",
        "1031",
        "Year 5 teacher",
        Pol::StaffStrong,
        420,
        false,
    ),
    // Look-alike: a leaver not used for 500 days, locked for good.
    s(
        "helen.moss",
        "Helen",
        "Moss",
        "1012",
        "Former Year 1 teacher",
        Pol::StaffStrong,
        500,
        true,
    ),
];

/// ou=Support: office and site staff point to no policy (the default governs them: planted).
const SUPPORT: &[Staff] = &[
    // Planted: the technician's everyday account is in it-admins.
    s(
        EVERYDAY_ADMIN,
        "Daniel",
        "Harris",
        "1050",
        "IT technician",
        Pol::StaffStrong,
        1,
        false,
    ),
    s(
        "nina.patel",
        "Nina",
        "Patel",
        "1051",
        "Teaching assistant",
        Pol::StaffStrong,
        2,
        false,
    ),
    s(
        "linda.cole",
        "Linda",
        "Cole",
        "1052",
        "Office manager",
        Pol::Default,
        1,
        false,
    ),
    s(
        "mark.reid",
        "Mark",
        "Reid",
        "1053",
        "Site manager",
        Pol::Default,
        4,
        false,
    ),
];

/// ou=AdminAccounts: Sarah Khan's admin account, paired with her everyday one by name and number.
const ADMIN_ACCOUNTS: &[Staff] = &[s(
    "adm.sarah.khan",
    "Sarah",
    "Khan",
    "1042",
    "Admin account",
    Pol::StaffStrong,
    3,
    false,
)];

pub(crate) const EVERYDAY_ADMIN: &str = "daniel.harris";
pub(crate) const STALE: &str = "peter.grant";
pub(crate) const TEST_LOGIN: &str = "ittest";
pub(crate) const ROOM_LOGIN: &str = "room12";
pub(crate) const CLASS_LOGIN: &str = "mrs.okoro.class";
/// The ppolicy default's cn.
pub(crate) const DEFAULT_POLICY: &str = "default";

/// An intake year: its OU, its year group's name, and its pupils (given name, surname).
pub(crate) struct Intake {
    pub year: u16,
    pub name: &'static str,
    pub exempt: bool,
    pub pupils: &'static [(&'static str, &'static str)],
}

pub(crate) const INTAKES: &[Intake] = &[
    Intake {
        year: 2025,
        name: "Reception",
        exempt: true,
        pupils: &[],
    },
    Intake {
        year: 2024,
        name: "Year 1",
        exempt: false,
        pupils: &[("Amara", "Obi"), ("Finley", "Shaw"), ("Zara", "Hussain")],
    },
    Intake {
        year: 2023,
        name: "Year 2",
        exempt: false,
        pupils: &[("Leo", "Martin"), ("Maya", "Kowalski"), ("Omar", "Farah")],
    },
    Intake {
        year: 2022,
        name: "Year 3",
        exempt: false,
        pupils: &[("Ruby", "Evans"), ("Theo", "Nowak"), ("Ivy", "Bailey")],
    },
    Intake {
        year: 2021,
        name: "Year 4",
        exempt: false,
        pupils: &[("Jacob", "Clarke"), ("Sofia", "Rossi"), ("Noah", "Appiah")],
    },
    Intake {
        year: 2020,
        name: "Year 5",
        exempt: false,
        pupils: &[("Ella", "Morgan"), ("Adam", "Ali"), ("Chloe", "Dunn")],
    },
    Intake {
        year: 2019,
        name: "Year 6",
        exempt: false,
        pupils: &[("Joe", "Bloggs"), ("Hana", "Sato"), ("Ryan", "Doyle")],
    },
];

/// The year group (Year 4) whose OU holds the planted room login.
const ROOM_INTAKE: u16 = 2021;

/// `19jbloggs`: the intake year's last two digits, the first initial and the surname.
pub(crate) fn pupil_uid(year: u16, given: &str, sn: &str) -> String {
    format!(
        "{:02}{}{}",
        year % 100,
        given.chars().next().unwrap_or('x').to_ascii_lowercase(),
        sn.to_lowercase()
    )
}

pub(crate) fn intake_ou(year: u16) -> String {
    format!("ou=Intake{year},ou=Pupils,{ACCOUNTS}")
}

fn ago(now: OffsetDateTime, days: i64, hours: i64) -> OffsetDateTime {
    now - Span::days(days) - Span::hours(hours)
}

/// Riverside's planted problems: what caretaker must report about the `ldap` directory.
pub(crate) fn planted() -> Vec<Planted> {
    let p = |check: &'static str, target: &str, what: &'static str| Planted {
        directory: "ldap",
        check,
        target: target.to_string(),
        what,
    };
    vec![
        p(
            "directory.privileged",
            EVERYDAY_ADMIN,
            "daniel.harris, the IT technician's everyday account in ou=Support, is in cn=it-admins (no separate admin account; adm.sarah.khan is how it should be).",
        ),
        p(
            "directory.shared-logins",
            ROOM_LOGIN,
            "room12 in ou=Intake2021 (Year 4) is a class login: no givenName or sn, displayName \"Room 12\".",
        ),
        p(
            "directory.shared-logins",
            TEST_LOGIN,
            "ittest in ou=Support is a technician's test login (description \"IT test account\"), enabled.",
        ),
        p(
            "directory.stale-accounts",
            STALE,
            "peter.grant (Teaching) has not logged in for 420 days but the account is still usable.",
        ),
        p(
            "directory.password-policy",
            DEFAULT_POLICY,
            "The default password policy (cn=default, no pwdPolicySubentry) allows 8-character passwords and governs office and site staff (linda.cole, mark.reid, ittest).",
        ),
        p(
            "directory.lockout",
            DEFAULT_POLICY,
            "The default password policy (cn=default) never locks an account after failed logins (pwdLockout FALSE), and governs some staff.",
        ),
    ]
}

/// The `[[directory]]` block of Riverside's caretaker.toml: only what the network manager knows
/// about their own directory (where people are, the year groups); no name patterns, no thresholds.
pub(crate) fn directory_toml(url: &str) -> String {
    let base = RIVERSIDE_BASE_DN;
    let mut s = format!(
        "\n[[directory]]\nname = \"ldap\"\nkind = \"openldap\"\nurl = \"{url}\"\n\
         ca_file = \"tls/ca.pem\"\nbind_dn = \"{RIVERSIDE_CARETAKER_DN}\"\n\
         bind_password_file = \"secrets/ldap.pass\"\nbase_dn = \"{base}\"\n\n\
         [directory.populations.staff]\nous = [\"ou=Teaching,{ACCOUNTS}\", \"ou=Support,{ACCOUNTS}\"]\n\
         [directory.populations.pupils]\nous = [\"ou=Pupils,{ACCOUNTS}\"]\n\
         [directory.populations.admins]\nous = [\"ou=AdminAccounts,{ACCOUNTS}\"]\n\
         groups = [\"cn=it-admins,ou=Groups,{base}\"]\n"
    );
    // Youngest first, as caretaker.toml(5) asks.
    for i in INTAKES {
        let _ = write!(
            s,
            "\n[[directory.year_groups]]\nname = \"{}\"\nou = \"{}\"\nexempt = {}\n",
            i.name,
            intake_ou(i.year),
            i.exempt
        );
        if !i.exempt {
            let _ = writeln!(s, "roll = {}", i.pupils.len());
        }
    }
    s
}

/// The README lines about Riverside's directory that are not planted problems.
pub(crate) fn not_problems() -> &'static str {
    "Not problems: the Reception class login (mrs.okoro.class, ou=Intake2025) is exempt;\n\
     adm.sarah.khan (ou=AdminAccounts) is Sarah Khan's separate admin account (same names and\n\
     employeeNumber as sarah.khan); emma.temple and luca.testa are people; helen.moss left and is\n\
     locked; staff-strong and pupils-policy are compliant.\n"
}

fn push_ou(out: &mut String, name: &str, parent: &str) {
    let _ = writeln!(
        out,
        "dn: ou={name},{parent}\nobjectClass: organizationalUnit\nou: {name}\n"
    );
}

/// Riverside as LDIF for slapadd (the root entry, OUs, policies, caretaker, people, groups).
pub(crate) fn ldif(
    now: OffsetDateTime,
    user_password: &str,
    caretaker_password: &str,
) -> Result<String, LabError> {
    let base = RIVERSIDE_BASE_DN;
    let policies = format!("ou=Policies,{base}");
    let groups = format!("ou=Groups,{base}");
    let pwd = ssha512(user_password)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "dn: {base}\nobjectClass: dcObject\nobjectClass: organization\ndc: riverside\n\
         o: Riverside Primary Academy\ncreateTimestamp: {}\n",
        generalized_time(ago(now, 4 * 365, 0))
    );
    for name in ["Accounts", "Groups", "Policies", "System"] {
        push_ou(&mut out, name, base);
    }
    for name in ["Teaching", "Support", "AdminAccounts", "Pupils"] {
        push_ou(&mut out, name, ACCOUNTS);
    }
    for i in INTAKES {
        push_ou(
            &mut out,
            &format!("Intake{}", i.year),
            &format!("ou=Pupils,{ACCOUNTS}"),
        );
    }

    // The server's default policy (planted: 8 characters, never locks), the staff policy and the
    // pupils' policy (compliant).
    for (cn, desc, attrs) in [
        (
            DEFAULT_POLICY,
            "Server default (ppolicy_default)",
            "pwdMinLength: 8\npwdCheckQuality: 2\npwdLockout: FALSE\npwdInHistory: 3\npwdMaxAge: 0\n",
        ),
        (
            "staff-strong",
            "Staff: long passwords, lockout",
            "pwdMinLength: 12\npwdCheckQuality: 2\npwdLockout: TRUE\npwdMaxFailure: 5\n\
             pwdLockoutDuration: 900\npwdFailureCountInterval: 900\npwdInHistory: 5\npwdMaxAge: 0\n",
        ),
        (
            "pupils-policy",
            "Pupils from Year 1",
            "pwdMinLength: 8\npwdCheckQuality: 2\npwdLockout: TRUE\npwdMaxFailure: 10\n\
             pwdLockoutDuration: 300\npwdInHistory: 0\npwdMaxAge: 0\n",
        ),
    ] {
        let _ = writeln!(
            out,
            "dn: cn={cn},{policies}\nobjectClass: applicationProcess\nobjectClass: pwdPolicy\n\
             cn: {cn}\ndescription: {desc}\npwdAttribute: userPassword\n{attrs}"
        );
    }

    let _ = writeln!(
        out,
        "dn: {RIVERSIDE_CARETAKER_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n\
         cn: caretaker\ndescription: caretaker (read-only audits)\nuserPassword: {}\n\
         createTimestamp: {}\n",
        ssha512(caretaker_password)?,
        generalized_time(now)
    );

    let mut teaching_dns = Vec::new();
    let mut support_dns = Vec::new();
    let mut admin_dns = Vec::new();
    let mut uid_number = 3001u32;
    for (list, ou, dns, gid) in [
        (TEACHING, "Teaching", &mut teaching_dns, 3000),
        (SUPPORT, "Support", &mut support_dns, 3100),
        (ADMIN_ACCOUNTS, "AdminAccounts", &mut admin_dns, 3200),
    ] {
        for (k, p) in list.iter().enumerate() {
            let dn = format!("uid={},ou={ou},{ACCOUNTS}", p.uid);
            let _ = writeln!(
                out,
                "dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {uid}\n\
                 cn: {g} {sn}\ngivenName: {g}\nsn: {sn}\ndisplayName: {g} {sn}\ntitle: {title}\n\
                 employeeNumber: {emp}\nuidNumber: {uid_number}\ngidNumber: {gid}\n\
                 homeDirectory: /home/{uid}\nloginShell: /bin/bash\nuserPassword: {pwd}",
                uid = p.uid,
                g = p.given,
                sn = p.sn,
                title = p.title,
                emp = p.employee,
            );
            // Admin accounts have no mailbox; everyday accounts do.
            if ou != "AdminAccounts" {
                let _ = writeln!(out, "mail: {}@riverside.sch.uk", p.uid);
            }
            if let Some(pol) = p.policy.dn() {
                let _ = writeln!(out, "pwdPolicySubentry: {pol}");
            }
            if p.locked {
                out.push_str("pwdAccountLockedTime: 000001010000Z\n");
            }
            let _ = writeln!(
                out,
                "pwdLastSuccess: {}\ncreateTimestamp: {}\n",
                generalized_time(ago(now, p.last_days, 2 + k as i64)),
                generalized_time(ago(now, 600 + 40 * k as i64, 0))
            );
            dns.push(dn);
            uid_number += 1;
        }
    }
    // The technician's test login: enabled, no person's names, a description that says so.
    let test_dn = format!("uid={TEST_LOGIN},ou=Support,{ACCOUNTS}");
    let _ = writeln!(
        out,
        "dn: {test_dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {TEST_LOGIN}\n\
         cn: IT Test\nsn: Test\ndescription: IT test account\nuidNumber: {uid_number}\n\
         gidNumber: 3100\nhomeDirectory: /home/{TEST_LOGIN}\nloginShell: /bin/bash\n\
         userPassword: {pwd}\npwdLastSuccess: {}\ncreateTimestamp: {}\n",
        generalized_time(ago(now, 6, 1)),
        generalized_time(ago(now, 90, 0))
    );
    support_dns.push(test_dn);
    uid_number += 1;

    // Pupils, and the Reception class login and the Year 4 room login.
    let mut pupil_dns = Vec::new();
    let pupil_policy = Pol::Pupils.dn().unwrap_or_default();
    for (yi, i) in INTAKES.iter().enumerate() {
        let ou = intake_ou(i.year);
        for (k, (g, sn)) in i.pupils.iter().enumerate() {
            let uid = pupil_uid(i.year, g, sn);
            let dn = format!("uid={uid},{ou}");
            let _ = writeln!(
                out,
                "dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {uid}\n\
                 cn: {g} {sn}\ngivenName: {g}\nsn: {sn}\ndisplayName: {g} {sn}\n\
                 uidNumber: {uid_number}\ngidNumber: 4000\nhomeDirectory: /home/{uid}\n\
                 loginShell: /bin/bash\nuserPassword: {pwd}\npwdPolicySubentry: {pupil_policy}\n\
                 pwdLastSuccess: {}\ncreateTimestamp: {}\n",
                generalized_time(ago(now, 1 + k as i64, 1 + yi as i64)),
                generalized_time(ago(now, 365 * (2025 - i64::from(i.year)) + 30, 0))
            );
            pupil_dns.push(dn);
            uid_number += 1;
        }
        // Class logins: no person's names (objectClass account), a displayName that is a class or
        // a room.
        let class = if i.exempt {
            Some((CLASS_LOGIN, "Mrs Okoro's class"))
        } else if i.year == ROOM_INTAKE {
            Some((ROOM_LOGIN, "Room 12"))
        } else {
            None
        };
        if let Some((uid, display)) = class {
            let dn = format!("uid={uid},{ou}");
            let _ = writeln!(
                out,
                "dn: {dn}\nobjectClass: account\nobjectClass: posixAccount\nobjectClass: extensibleObject\n\
                 uid: {uid}\ncn: {display}\ndisplayName: {display}\nuidNumber: {uid_number}\n\
                 gidNumber: 4000\nhomeDirectory: /home/{uid}\nloginShell: /bin/bash\n\
                 userPassword: {pwd}\npwdPolicySubentry: {pupil_policy}\npwdLastSuccess: {}\n\
                 createTimestamp: {}\n",
                generalized_time(ago(now, 1, 3)),
                generalized_time(ago(now, 200, 0))
            );
            pupil_dns.push(dn);
            uid_number += 1;
        }
    }

    // Groups: it-admins (the privileged group), teachers, support, pupils.
    let admin_members: Vec<String> = admin_dns
        .iter()
        .cloned()
        .chain(std::iter::once(format!(
            "uid={EVERYDAY_ADMIN},ou=Support,{ACCOUNTS}"
        )))
        .collect();
    for (cn, desc, members) in [
        ("it-admins", "Network administrators", &admin_members),
        ("teachers", "Teaching staff", &teaching_dns),
        ("support", "Support staff", &support_dns),
        ("pupils", "All pupils", &pupil_dns),
    ] {
        let _ = writeln!(
            out,
            "dn: cn={cn},{groups}\nobjectClass: groupOfNames\ncn: {cn}\ndescription: {desc}"
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

    #[test]
    fn ldif_has_the_planted_facts_and_their_look_alikes() {
        let now = time::macros::datetime!(2026-01-01 12:00 UTC);
        let text = ldif(now, "Pupil-Pass-1234", "Care-Pass-1234").unwrap();
        let entries = crate::ldif::parse_ldif(&text);
        let by_uid = |uid: &str| {
            entries
                .iter()
                .find(|e| e.first("uid") == Some(uid))
                .unwrap_or_else(|| panic!("{uid}"))
                .clone()
        };
        let room = by_uid(ROOM_LOGIN);
        assert!(room.dn.contains("ou=Intake2021"));
        assert!(room.first("givenName").is_none() && room.first("sn").is_none());
        assert_eq!(room.first("displayName"), Some("Room 12"));
        assert!(by_uid(CLASS_LOGIN).dn.contains("ou=Intake2025"));
        assert_eq!(
            by_uid(TEST_LOGIN).first("description"),
            Some("IT test account")
        );
        let adm = by_uid("adm.sarah.khan");
        let sarah = by_uid("sarah.khan");
        assert_eq!(adm.first("employeeNumber"), sarah.first("employeeNumber"));
        assert!(adm.dn.contains("ou=AdminAccounts"));
        assert!(by_uid("linda.cole").first("pwdPolicySubentry").is_none());
        assert!(by_uid("nina.patel")
            .first("pwdPolicySubentry")
            .is_some_and(|p| p.starts_with("cn=staff-strong,")));
        assert_eq!(
            by_uid("helen.moss").first("pwdAccountLockedTime"),
            Some("000001010000Z")
        );
        assert_eq!(
            by_uid(STALE).first("pwdLastSuccess"),
            Some(generalized_time(ago(now, 420, 8)).as_str())
        );
        assert!(entries.iter().any(|e| e.first("uid") == Some("19jbloggs")));
        let admins = entries
            .iter()
            .find(|e| e.dn.starts_with("cn=it-admins,"))
            .unwrap();
        assert_eq!(admins.get("member").len(), 2);
        // Unique uids.
        let mut uids: Vec<&str> = entries.iter().filter_map(|e| e.first("uid")).collect();
        let n = uids.len();
        uids.sort_unstable();
        uids.dedup();
        assert_eq!(uids.len(), n);
    }

    #[test]
    fn config_names_no_patterns_or_thresholds() {
        let toml = directory_toml("ldaps://127.0.0.1:1");
        for key in [
            "patterns",
            "min_password_length",
            "max_lockout",
            "stale_after",
        ] {
            assert!(!toml.contains(key), "{key} in {toml}");
        }
        assert!(toml.contains("name = \"Reception\"\nou = \"ou=Intake2025,"));
        assert!(toml.contains("exempt = true"));
        assert_eq!(planted().len(), 6);
    }
}
