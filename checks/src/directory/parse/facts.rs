//! What the probe brought back ([`Raw`]) and what caretaker knows about a directory once it is
//! read ([`Facts`]): accounts, identities, groups and password policies.

use caretaker_config::DirectoryKind;
use time::OffsetDateTime;

use super::fields::take;
use super::{Entry, Interval, Sid, Val};

/// What the probe brought back, before any interpretation.
#[derive(Debug, Clone)]
pub struct Raw {
    pub kind: DirectoryKind,
    /// The URL read from.
    pub source: String,
    pub base_dn: String,
    pub observed_at: OffsetDateTime,
    pub root_dse: Option<Entry>,
    /// AD: the domain root (password and lockout policy).
    pub domain: Option<Entry>,
    /// AD: fine-grained password settings objects that caretaker could read.
    pub psos: Vec<Entry>,
    /// AD: users and groups. OpenLDAP: users, groups and ppolicy entries.
    pub entries: Vec<Entry>,
    /// OpenLDAP: policies read by DN because they were outside the main search.
    pub extra_policies: Vec<Entry>,
    /// OpenLDAP: which accounts have no password.
    pub no_password: NoPassword,
    /// OpenLDAP: the ppolicy overlay entries of cn=config, when readable.
    pub config: Vec<Entry>,
    /// Things the probe could not read, for the evidence (`key`, `why`).
    pub notes: Vec<(String, String)>,
}

/// OpenLDAP: the result of looking for accounts without a `userPassword`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoPassword {
    /// Not looked for (Active Directory).
    NotApplicable,
    /// The DNs of accounts with no password.
    Known(Vec<String>),
    /// It could not be told, and why.
    Unknown(String),
}

/// One account (a user in AD; a posixAccount / inetOrgPerson / account in OpenLDAP).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub dn: String,
    /// [`dn::normalize`](crate::directory::dn::normalize)d.
    pub ndn: String,
    /// `sAMAccountName` or `uid` (else the first RDN's value).
    pub name: String,
    /// AD: ACCOUNTDISABLE is clear; OpenLDAP: not permanently locked.
    pub enabled: Val<bool>,
    /// AD: PASSWD_NOTREQD; OpenLDAP: no `userPassword`.
    pub password_not_required: Val<bool>,
    /// AD: DONT_EXPIRE_PASSWORD.
    pub never_expires: Val<bool>,
    /// AD: lastLogonTimestamp; OpenLDAP: pwdLastSuccess (or authTimestamp). `None`: never.
    pub last_logon: Val<Option<OffsetDateTime>>,
    /// whenCreated / createTimestamp.
    pub created: Val<Option<OffsetDateTime>>,
    /// Groups this account is directly in, normalized DNs.
    pub groups: Vec<String>,
    /// AD: objectSid.
    pub sid: Val<Option<Sid>>,
    /// AD: the primary group's SID (from primaryGroupID).
    pub primary_group: Option<Sid>,
    /// AD: msDS-ResultantPSO; OpenLDAP: pwdPolicySubentry (as read).
    pub policy: Option<String>,
    /// The raw values behind the flags, for evidence: (`userAccountControl`, `544`).
    pub raw: Vec<(&'static str, String)>,
    /// Who the entry says the account belongs to (names, mail, employee number, description).
    pub identity: Identity,
}

/// What an account's entry says about the person (or class, room, test) behind it. Every field
/// is the first value as read, `None` when absent or blank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `givenName`.
    pub given_name: Option<String>,
    /// `sn`.
    pub surname: Option<String>,
    /// `displayName`, else (OpenLDAP) `cn`.
    pub display_name: Option<String>,
    /// `mail`.
    pub mail: Option<String>,
    /// `employeeID` (AD) or `employeeNumber`.
    pub employee_id: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

impl Identity {
    /// Reads the identity attributes of an entry (removing them). `cn_as_display`: use `cn` when
    /// there is no `displayName` (OpenLDAP, where `cn` is the person's full name).
    pub(super) fn take(e: &mut Entry, cn_as_display: bool) -> Identity {
        let mut t = |name: &str| take(e, name).filter(|v| !v.trim().is_empty());
        let given_name = t("givenname");
        let surname = t("sn");
        let mut display_name = t("displayname");
        let mail = t("mail");
        let employee_id = t("employeeid").or_else(|| t("employeenumber"));
        let description = t("description");
        if display_name.is_none() && cn_as_display {
            display_name = t("cn");
        }
        Identity {
            given_name,
            surname,
            display_name,
            mail,
            employee_id,
            description,
        }
    }

    /// The values for evidence, with the attribute names they came from.
    pub fn evidence(&self) -> Vec<(&'static str, &str)> {
        [
            ("givenName", &self.given_name),
            ("sn", &self.surname),
            ("displayName", &self.display_name),
            ("mail", &self.mail),
            ("employeeNumber", &self.employee_id),
            ("description", &self.description),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

impl Account {
    /// The RID of the account's SID (AD).
    pub fn rid(&self) -> Option<u32> {
        self.sid
            .as_ref()
            .ok()
            .and_then(|s| s.as_ref())
            .and_then(Sid::rid)
    }

    /// A raw value kept for evidence.
    pub fn raw_value(&self, key: &str) -> Option<&str> {
        self.raw
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub dn: String,
    pub ndn: String,
    /// `sAMAccountName` or `cn`.
    pub name: String,
    /// AD: objectSid.
    pub sid: Option<Sid>,
    /// Groups this group is directly in, normalized DNs.
    pub parents: Vec<String>,
}

/// Where a password policy comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySource {
    /// AD: the domain root's policy.
    Domain,
    /// AD: a fine-grained password settings object.
    Pso {
        precedence: Val<u32>,
        applies_to: Vec<String>,
    },
    /// OpenLDAP: a ppolicy entry.
    Ppolicy,
}

/// A password and lockout policy as the directory holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub dn: String,
    pub ndn: String,
    /// `Default domain policy`, a PSO's cn, a ppolicy entry's cn.
    pub name: String,
    pub source: PolicySource,
    /// The shortest password accepted.
    pub min_length: Val<u32>,
    /// OpenLDAP: pwdCheckQuality > 0 (else nothing about the password is checked). AD: always.
    pub quality_checked: Val<bool>,
    pub complexity: Val<Option<bool>>,
    /// AD: passwords stored with reversible encryption.
    pub reversible: Val<bool>,
    pub history: Val<Option<u32>>,
    pub max_age: Val<Option<Interval>>,
    /// Wrong passwords before the account locks; 0: it never locks.
    pub lockout_threshold: Val<u32>,
    /// OpenLDAP: pwdLockout. AD: threshold > 0.
    pub lockout_enabled: Val<bool>,
    pub lockout_duration: Val<Option<Interval>>,
    /// Every relevant attribute as read, for evidence.
    pub attributes: Vec<(String, String)>,
}

impl Policy {
    /// True if the account locks after some number of wrong passwords.
    pub fn locks(&self) -> Val<bool> {
        Ok(self.lockout_enabled.clone()? && self.lockout_threshold.clone()? > 0)
    }
}

/// What caretaker knows about one directory.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: DirectoryKind,
    pub source: String,
    pub base_dn: String,
    pub observed_at: OffsetDateTime,
    /// What the server says about itself (vendor, host name), for evidence.
    pub server: Vec<(String, String)>,
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
    /// AD: the domain policy (`None` if the domain root could not be read).
    pub domain_policy: Option<Policy>,
    /// AD: PSOs; OpenLDAP: ppolicy entries.
    pub policies: Vec<Policy>,
    /// AD: at least one account carried msDS-ResultantPSO (so its absence means "domain policy").
    pub resultant_pso_seen: bool,
    /// AD: msDS-LogonTimeSyncInterval in days (14 when absent).
    pub logon_sync_days: Val<u32>,
    /// OpenLDAP: olcPPolicyDefault read from cn=config.
    pub config_default_policy: Option<String>,
    pub no_password: NoPassword,
    /// Things that could not be read, for evidence.
    pub notes: Vec<(String, String)>,
}
