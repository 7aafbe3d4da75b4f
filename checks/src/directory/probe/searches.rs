//! What the probe asks a directory for: the filters and attributes of each search, and the
//! searches in order, as documentation and for benchmarks that repeat them.

use caretaker_config::DirectoryKind;

/// Attributes of the root DSE worth keeping as evidence.
pub(super) const ROOT_DSE_ATTRS: &[&str] = &[
    "vendorName",
    "vendorVersion",
    "dnsHostName",
    "defaultNamingContext",
    "domainFunctionality",
    "namingContexts",
];

/// AD domain root: the domain password and lockout policy.
pub const AD_DOMAIN_ATTRS: &[&str] = &[
    "objectSid",
    "minPwdLength",
    "pwdProperties",
    "pwdHistoryLength",
    "maxPwdAge",
    "minPwdAge",
    "lockoutThreshold",
    "lockoutDuration",
    "lockOutObservationWindow",
    "msDS-LogonTimeSyncInterval",
];

/// AD fine-grained password settings objects.
pub const AD_PSO_FILTER: &str = "(objectClass=msDS-PasswordSettings)";
pub const AD_PSO_ATTRS: &[&str] = &[
    "cn",
    "msDS-PasswordSettingsPrecedence",
    "msDS-MinimumPasswordLength",
    "msDS-PasswordComplexityEnabled",
    "msDS-PasswordReversibleEncryptionEnabled",
    "msDS-LockoutThreshold",
    "msDS-LockoutDuration",
    "msDS-LockoutObservationWindow",
    "msDS-PasswordHistoryLength",
    "msDS-MaximumPasswordAge",
    "msDS-MinimumPasswordAge",
    "msDS-PSOAppliesTo",
];

/// AD: every user and group in one paged search.
pub const AD_ACCOUNTS_FILTER: &str =
    "(|(&(objectCategory=person)(objectClass=user))(objectClass=group))";
pub const AD_ACCOUNTS_ATTRS: &[&str] = &[
    "sAMAccountName",
    "userAccountControl",
    "lastLogonTimestamp",
    "whenCreated",
    "memberOf",
    "objectSid",
    "primaryGroupID",
    "groupType",
    "msDS-ResultantPSO",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeID",
    "employeeNumber",
    "description",
];

/// OpenLDAP: what counts as an account.
pub const OL_USER_FILTER: &str =
    "(|(objectClass=person)(objectClass=posixAccount)(objectClass=account))";
/// OpenLDAP: the groups, read before the accounts (a paged search of their own), so that the
/// member list of a group of every pupil is decoded before the accounts are held in memory.
/// An entry that is also a ppolicy entry is read with the policies.
pub const OL_GROUP_FILTER: &str = "(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))(!(objectClass=pwdPolicy)))";
pub const OL_GROUP_ATTRS: &[&str] = &["objectClass", "cn", "member", "uniqueMember", "memberUid"];
/// OpenLDAP: users and ppolicy entries in one paged search, after the groups (an entry that is
/// a group is read with the groups).
pub const OL_MAIN_FILTER: &str = "(|(objectClass=pwdPolicy)(&(|(objectClass=person)(objectClass=posixAccount)(objectClass=account))(!(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)))))";
pub const OL_MAIN_ATTRS: &[&str] = &[
    "objectClass",
    "uid",
    "pwdPolicySubentry",
    "pwdLastSuccess",
    "authTimestamp",
    "createTimestamp",
    "pwdAccountLockedTime",
    "member",
    "uniqueMember",
    "memberUid",
    "pwdAttribute",
    "pwdMinLength",
    "pwdCheckQuality",
    "pwdLockout",
    "pwdMaxFailure",
    "pwdLockoutDuration",
    "pwdFailureCountInterval",
    "pwdInHistory",
    "pwdMaxAge",
    "pwdMinAge",
    "pwdMustChange",
    "cn",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeNumber",
    "description",
];

/// One search the probe makes, for documentation and for benchmarks that repeat it with
/// `ldapsearch` (`-b <base> -s <scope> [-E pr=<page_size>/noprompt] <filter> <attrs…>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSearch {
    /// What it is for.
    pub what: &'static str,
    /// `base_dn`, `root DSE`, `domain root`, `password settings container` or `cn=config`.
    pub base: &'static str,
    /// `base`, `one` or `sub`.
    pub scope: &'static str,
    pub filter: String,
    pub attrs: Vec<&'static str>,
    /// Made with the simple paged results control (`page_size`).
    pub paged: bool,
    /// A client-side size limit (`ldapsearch -z`), 0 for none.
    pub size_limit: u32,
}

/// The searches the probe makes for a kind of directory, in order (after the simple bind).
/// Policies named by accounts but outside `base_dn` are read by DN in addition (a handful at most).
pub fn planned_searches(kind: DirectoryKind) -> Vec<PlannedSearch> {
    let s = |what, base, scope, filter: &str, attrs: &[&'static str], paged| PlannedSearch {
        what,
        base,
        scope,
        filter: filter.to_string(),
        attrs: attrs.to_vec(),
        paged,
        size_limit: 0,
    };
    let mut v = vec![s(
        "server facts",
        "root DSE",
        "base",
        "(objectClass=*)",
        ROOT_DSE_ATTRS,
        false,
    )];
    match kind {
        DirectoryKind::ActiveDirectory => {
            v.push(s(
                "domain password and lockout policy",
                "domain root",
                "base",
                "(objectClass=*)",
                AD_DOMAIN_ATTRS,
                false,
            ));
            v.push(s(
                "fine-grained password policies",
                "password settings container",
                "one",
                AD_PSO_FILTER,
                AD_PSO_ATTRS,
                false,
            ));
            v.push(s(
                "users and groups",
                "base_dn",
                "sub",
                AD_ACCOUNTS_FILTER,
                AD_ACCOUNTS_ATTRS,
                true,
            ));
        }
        DirectoryKind::Openldap => {
            v.push(s(
                "groups",
                "base_dn",
                "sub",
                OL_GROUP_FILTER,
                OL_GROUP_ATTRS,
                true,
            ));
            v.push(s(
                "users and ppolicy entries",
                "base_dn",
                "sub",
                OL_MAIN_FILTER,
                OL_MAIN_ATTRS,
                true,
            ));
            v.push(s(
                "accounts without a password",
                "base_dn",
                "sub",
                &format!("(&{OL_USER_FILTER}(!(userPassword=*)))"),
                &["1.1"],
                false,
            ));
            v.push(PlannedSearch {
                size_limit: 2,
                ..s(
                    "whether passwords can be tested for",
                    "base_dn",
                    "sub",
                    &format!("(&{OL_USER_FILTER}(userPassword=*))"),
                    &["1.1"],
                    false,
                )
            });
            v.push(s(
                "the ppolicy default",
                "cn=config",
                "sub",
                "(objectClass=olcPPolicyConfig)",
                &["olcPPolicyDefault"],
                false,
            ));
        }
    }
    v
}
