//! The sample school in Active Directory: every user with where they live, their flags and
//! logon and creation times, and the LDIF that fills the domain.

use std::fmt::Write as _;

use time::{Duration as Span, OffsetDateTime};

use super::{AD_BASE_DN, AD_CARETAKER_DN, DNS_DOMAIN, PSO_CONTAINER};
use crate::school::{self, Account, ADMINS, AD_STAFF, YEARS};
use crate::util::{ad_generalized_time, filetime, unicode_pwd};

pub(super) fn ago(now: OffsetDateTime, days: i64, hours: i64) -> OffsetDateTime {
    now - Span::days(days) - Span::hours(hours)
}

/// Everyone in the school with where they live and their logon/creation times.
pub(super) struct AdUser<'a> {
    pub(super) acc: Account,
    pub(super) parent: String,
    pub(super) uac: u32,
    pub(super) last_logon: Option<OffsetDateTime>,
    pub(super) created: OffsetDateTime,
    pub(super) groups: Vec<&'a str>,
}

const UAC_NORMAL: u32 = 0x200;
const UAC_DISABLED: u32 = 0x2;
const UAC_PASSWD_NOTREQD: u32 = 0x20;

pub(super) fn school_users(now: OffsetDateTime) -> Vec<AdUser<'static>> {
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
pub(super) fn school_ldif(
    now: OffsetDateTime,
    user_password: &str,
    caretaker_password: &str,
) -> String {
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
pub(super) fn created_ldif(now: OffsetDateTime) -> String {
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
