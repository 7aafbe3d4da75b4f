//! What the probe brought back ([`Raw`]) and what caretaker knows about a directory once it is
//! read ([`Facts`]): accounts, identities, groups and password policies.

use caretaker_config::DirectoryKind;
use time::OffsetDateTime;

use std::borrow::Cow;
use std::sync::Arc;

use super::fields::take;
use super::packed::{Packed, PackedIter};
use super::{Accounts, BadValue, Entry, Interval, Sid, Val};

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

/// The groups an account is directly in (normalized DNs). Accounts with the same groups share one
/// list, and every group's DN is held once (the collector interns them).
pub type Groups = Arc<[Arc<str>]>;

/// An account as the parsers read it, before it is packed into an [`Account`].
#[derive(Debug, Clone, PartialEq)]
pub struct AccountParts {
    pub dn: String,
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
    pub groups: Groups,
    /// AD: objectSid.
    pub sid: Val<Option<Sid>>,
    /// AD: the primary group's RID (primaryGroupID).
    pub primary_rid: Option<u32>,
    /// AD: msDS-ResultantPSO; OpenLDAP: pwdPolicySubentry (as read).
    pub policy: Option<Arc<str>>,
    /// The raw values behind the flags, for evidence, in the order read.
    pub raw: Vec<(RawKey, String)>,
    /// Who the entry says the account belongs to (names, mail, employee number, description).
    pub identity: Identity<'static>,
}

/// One account (a user in AD; a posixAccount / inetOrgPerson / account in OpenLDAP). Kept small:
/// a directory may hold tens of thousands, and every one is kept until the judging. The DN, the
/// name, the raw values and the identity share one allocation; what could not be read is kept
/// apart, behind one pointer that is empty for almost every account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Key 0: the DN; key 1: the name; keys from [`RAW_KEY`]: the raw values, in the order read;
    /// last, keys from [`ID_KEY`]: the identity's parts.
    text: Packed,
    /// Groups this account is directly in, normalized DNs.
    pub groups: Groups,
    /// AD: msDS-ResultantPSO; OpenLDAP: pwdPolicySubentry (as read).
    pub policy: Option<Arc<str>>,
    last_logon: Option<OffsetDateTime>,
    created: Option<OffsetDateTime>,
    sid: Option<Box<Sid>>,
    primary_rid: Option<u32>,
    /// [`ENABLED`], [`NOT_REQUIRED`], [`NEVER_EXPIRES`].
    flags: u8,
    unread: Option<Box<Unread>>,
}

const ENABLED: u8 = 1;
const NOT_REQUIRED: u8 = 2;
const NEVER_EXPIRES: u8 = 4;
/// The first key of the raw values in an account's [`Packed`] text.
const RAW_KEY: u8 = 2;

/// Which of an account's facts could not be read, and why.
#[derive(Debug, Clone, Default, PartialEq)]
struct Unread {
    enabled: Option<BadValue>,
    password_not_required: Option<BadValue>,
    never_expires: Option<BadValue>,
    last_logon: Option<BadValue>,
    created: Option<BadValue>,
    sid: Option<BadValue>,
}

/// The value, or (the value's default, and the reason it could not be read).
fn split<T: Default>(v: Val<T>) -> (T, Option<BadValue>) {
    match v {
        Ok(t) => (t, None),
        Err(e) => (T::default(), Some(e)),
    }
}

/// The value kept, unless the reason it could not be read was kept instead.
fn join<T>(v: T, bad: Option<&BadValue>) -> Val<T> {
    match bad {
        Some(e) => Err(e.clone()),
        None => Ok(v),
    }
}

impl From<AccountParts> for Account {
    fn from(p: AccountParts) -> Account {
        let mut unread = Unread::default();
        let mut flags = 0;
        for (v, bit, slot) in [
            (p.enabled, ENABLED, &mut unread.enabled),
            (
                p.password_not_required,
                NOT_REQUIRED,
                &mut unread.password_not_required,
            ),
            (p.never_expires, NEVER_EXPIRES, &mut unread.never_expires),
        ] {
            let (on, bad) = split(v);
            if on {
                flags |= bit;
            }
            *slot = bad;
        }
        let (last_logon, bad) = split(p.last_logon);
        unread.last_logon = bad;
        let (created, bad) = split(p.created);
        unread.created = bad;
        let (sid, bad) = split(p.sid);
        unread.sid = bad;
        let text = Packed::new(
            [(0, p.dn.as_str()), (1, p.name.as_str())]
                .into_iter()
                .chain(p.raw.iter().map(|(k, v)| (RAW_KEY + *k as u8, v.as_str())))
                .chain(PackedIter::new(&p.identity.0)),
        );
        Account {
            text,
            groups: p.groups,
            policy: p.policy,
            last_logon,
            created,
            sid: sid.map(Box::new),
            primary_rid: p.primary_rid,
            flags,
            unread: (unread != Unread::default()).then(|| Box::new(unread)),
        }
    }
}

impl Account {
    pub fn dn(&self) -> &str {
        self.text.get(0).unwrap_or_default()
    }

    /// The DN, [`dn::normalize`](crate::directory::dn::normalize)d (made when asked for, so that
    /// every account does not hold a second copy).
    pub fn ndn(&self) -> String {
        crate::directory::dn::normalize(self.dn())
    }

    /// `sAMAccountName` or `uid` (else the first RDN's value).
    pub fn name(&self) -> &str {
        self.text.get(1).unwrap_or_default()
    }

    fn flag(&self, bit: u8, bad: Option<&BadValue>) -> Val<bool> {
        join(self.flags & bit != 0, bad)
    }

    fn unread(&self, pick: impl Fn(&Unread) -> Option<&BadValue>) -> Option<&BadValue> {
        self.unread.as_deref().and_then(pick)
    }

    /// AD: ACCOUNTDISABLE is clear; OpenLDAP: not permanently locked.
    pub fn enabled(&self) -> Val<bool> {
        self.flag(ENABLED, self.unread(|u| u.enabled.as_ref()))
    }

    /// AD: PASSWD_NOTREQD; OpenLDAP: no `userPassword`.
    pub fn password_not_required(&self) -> Val<bool> {
        self.flag(
            NOT_REQUIRED,
            self.unread(|u| u.password_not_required.as_ref()),
        )
    }

    /// OpenLDAP: the account was found to have no `userPassword`.
    pub fn set_no_password(&mut self) {
        self.flags |= NOT_REQUIRED;
        if let Some(u) = self.unread.as_deref_mut() {
            u.password_not_required = None;
        }
    }

    /// AD: DONT_EXPIRE_PASSWORD.
    pub fn never_expires(&self) -> Val<bool> {
        self.flag(NEVER_EXPIRES, self.unread(|u| u.never_expires.as_ref()))
    }

    /// AD: lastLogonTimestamp; OpenLDAP: pwdLastSuccess (or authTimestamp). `None`: never.
    pub fn last_logon(&self) -> Val<Option<OffsetDateTime>> {
        join(self.last_logon, self.unread(|u| u.last_logon.as_ref()))
    }

    /// whenCreated / createTimestamp.
    pub fn created(&self) -> Val<Option<OffsetDateTime>> {
        join(self.created, self.unread(|u| u.created.as_ref()))
    }

    /// AD: objectSid.
    pub fn sid(&self) -> Val<Option<&Sid>> {
        join(self.sid.as_deref(), self.unread(|u| u.sid.as_ref()))
    }

    /// The RID of the account's SID (AD).
    pub fn rid(&self) -> Option<u32> {
        self.sid.as_deref().and_then(Sid::rid)
    }

    /// AD: the primary group's SID (from primaryGroupID).
    pub fn primary_group(&self) -> Option<Sid> {
        Some(self.sid.as_deref()?.with_rid(self.primary_rid?))
    }

    /// The raw values behind the flags, for evidence: (`userAccountControl`, `544`), in the
    /// order read.
    pub fn raw(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.text.iter().filter_map(|(k, v)| {
            let key = RawKey::ALL.get(usize::from(k.checked_sub(RAW_KEY)?))?;
            Some((key.name(), v))
        })
    }

    /// A raw value kept for evidence.
    pub fn raw_value(&self, key: &str) -> Option<&str> {
        self.raw().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Who the entry says the account belongs to (names, mail, employee number, description):
    /// the end of the account's own text, lent.
    pub fn identity(&self) -> Identity<'_> {
        let mut parts = self.text.iter();
        loop {
            let rest = parts.rest();
            match parts.next() {
                Some((k, _)) if k < ID_KEY => {}
                _ => return Identity(Cow::Borrowed(rest)),
            }
        }
    }
}

/// The attributes whose raw values an account keeps for evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKey {
    PwdAccountLockedTime,
    PwdLastSuccess,
    AuthTimestamp,
    CreateTimestamp,
    UserAccountControl,
    LastLogonTimestamp,
    WhenCreated,
}

impl RawKey {
    const ALL: [RawKey; 7] = [
        RawKey::PwdAccountLockedTime,
        RawKey::PwdLastSuccess,
        RawKey::AuthTimestamp,
        RawKey::CreateTimestamp,
        RawKey::UserAccountControl,
        RawKey::LastLogonTimestamp,
        RawKey::WhenCreated,
    ];

    /// The attribute's name as the directory spells it.
    pub const fn name(self) -> &'static str {
        match self {
            RawKey::PwdAccountLockedTime => "pwdAccountLockedTime",
            RawKey::PwdLastSuccess => "pwdLastSuccess",
            RawKey::AuthTimestamp => "authTimestamp",
            RawKey::CreateTimestamp => "createTimestamp",
            RawKey::UserAccountControl => "userAccountControl",
            RawKey::LastLogonTimestamp => "lastLogonTimestamp",
            RawKey::WhenCreated => "whenCreated",
        }
    }
}

/// What an account's entry says about the person (or class, room, test) behind it. Every part
/// is the first value as read, `None` when absent or blank. Its text is in [`Packed`] form, under
/// keys from [`ID_KEY`]: an account lends its own ([`Account::identity`]), others own theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity<'a>(Cow<'a, str>);

/// The first key of an identity's parts, in its own text and in an account's.
const ID_KEY: u8 = 10;

/// The parts of an [`Identity`], in evidence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    /// `givenName`.
    GivenName,
    /// `sn`.
    Surname,
    /// `displayName`, else (OpenLDAP) `cn`.
    DisplayName,
    /// `mail`.
    Mail,
    /// `employeeID` (AD) or `employeeNumber`.
    EmployeeId,
    /// `description`.
    Description,
}

impl IdField {
    const ALL: [IdField; 6] = [
        IdField::GivenName,
        IdField::Surname,
        IdField::DisplayName,
        IdField::Mail,
        IdField::EmployeeId,
        IdField::Description,
    ];

    /// The attribute named in evidence.
    const fn evidence_key(self) -> &'static str {
        match self {
            IdField::GivenName => "givenName",
            IdField::Surname => "sn",
            IdField::DisplayName => "displayName",
            IdField::Mail => "mail",
            IdField::EmployeeId => "employeeNumber",
            IdField::Description => "description",
        }
    }
}

impl Identity<'_> {
    /// An identity of the given parts (blank ones are left out).
    pub fn new<'a>(parts: impl IntoIterator<Item = (IdField, &'a str)>) -> Identity<'static> {
        let mut v: Vec<(IdField, &str)> = parts
            .into_iter()
            .filter(|(_, s)| !s.trim().is_empty())
            .collect();
        v.sort_by_key(|(f, _)| *f as u8);
        v.dedup_by_key(|(f, _)| *f as u8);
        let packed = Packed::new(v.into_iter().map(|(f, s)| (ID_KEY + f as u8, s)));
        Identity(Cow::Owned(packed.as_str().to_string()))
    }

    /// This identity with `field` set to `value` (or cleared when blank).
    pub fn with(&self, field: IdField, value: &str) -> Identity<'static> {
        Identity::new(
            self.parts()
                .filter(|(f, _)| *f != field)
                .chain([(field, value)]),
        )
    }

    /// Reads the identity attributes of an entry (removing them). `cn_as_display`: use `cn` when
    /// there is no `displayName` (OpenLDAP, where `cn` is the person's full name).
    pub(super) fn take(e: &mut Entry, cn_as_display: bool) -> Identity<'static> {
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
        Identity::new(
            [
                (IdField::GivenName, given_name),
                (IdField::Surname, surname),
                (IdField::DisplayName, display_name),
                (IdField::Mail, mail),
                (IdField::EmployeeId, employee_id),
                (IdField::Description, description),
            ]
            .iter()
            .filter_map(|(f, v)| v.as_deref().map(|v| (*f, v))),
        )
    }

    /// The parts that are present, in evidence order.
    pub fn parts(&self) -> impl Iterator<Item = (IdField, &str)> + '_ {
        PackedIter::new(&self.0).filter_map(|(k, v)| {
            let f = IdField::ALL.get(usize::from(k.checked_sub(ID_KEY)?))?;
            Some((*f, v))
        })
    }

    pub fn get(&self, field: IdField) -> Option<&str> {
        self.parts().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    pub fn given_name(&self) -> Option<&str> {
        self.get(IdField::GivenName)
    }

    pub fn surname(&self) -> Option<&str> {
        self.get(IdField::Surname)
    }

    pub fn display_name(&self) -> Option<&str> {
        self.get(IdField::DisplayName)
    }

    pub fn mail(&self) -> Option<&str> {
        self.get(IdField::Mail)
    }

    pub fn employee_id(&self) -> Option<&str> {
        self.get(IdField::EmployeeId)
    }

    pub fn description(&self) -> Option<&str> {
        self.get(IdField::Description)
    }

    /// The values for evidence, with the attribute names they came from.
    pub fn evidence(&self) -> Vec<(&'static str, &str)> {
        self.parts().map(|(f, v)| (f.evidence_key(), v)).collect()
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
    pub accounts: Accounts,
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
