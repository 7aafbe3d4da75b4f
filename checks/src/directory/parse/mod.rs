//! Pure functions from directory entries to facts. Nothing here touches the network, and nothing
//! panics on any input: a value that cannot be read becomes a [`BadValue`], which the judge reports
//! as an `error` finding for the checks that needed it (never as a pass).

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use caretaker_config::DirectoryKind;
use time::{Duration, OffsetDateTime};

use super::dn;

/// One directory entry: its DN, its text values (attribute names lowercased), and values that are
/// not UTF-8 (such as `objectSid`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub dn: String,
    pub attrs: BTreeMap<String, Vec<String>>,
    pub bin: BTreeMap<String, Vec<Vec<u8>>>,
}

impl Entry {
    pub fn new(dn: impl Into<String>) -> Self {
        Entry {
            dn: dn.into(),
            attrs: BTreeMap::new(),
            bin: BTreeMap::new(),
        }
    }

    /// Adds a text value (the name is lowercased).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.attrs
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Adds a binary value (the name is lowercased).
    pub fn push_bin(&mut self, name: &str, value: Vec<u8>) {
        self.bin
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value);
    }

    /// Builder form of [`Entry::push`], for tests.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.push(name, value);
        self
    }

    /// The first text value of `name` (lowercase).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.attrs
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Every text value of `name` (lowercase).
    pub fn all(&self, name: &str) -> &[String] {
        self.attrs.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every value of `name` as bytes, text values first.
    pub fn bytes(&self, name: &str) -> Vec<&[u8]> {
        let mut v: Vec<&[u8]> = self.all(name).iter().map(|s| s.as_bytes()).collect();
        if let Some(b) = self.bin.get(name) {
            v.extend(b.iter().map(Vec::as_slice));
        }
        v
    }

    /// True if the entry has the attribute at all.
    pub fn has(&self, name: &str) -> bool {
        self.attrs.contains_key(name) || self.bin.contains_key(name)
    }

    /// True if one of the entry's `objectClass` values is `class` (case-insensitive).
    pub fn has_class(&self, class: &str) -> bool {
        self.all("objectclass")
            .iter()
            .any(|c| c.eq_ignore_ascii_case(class))
    }
}

/// A value that could not be understood, kept for the error finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    /// The attribute, as the directory names it (`userAccountControl`).
    pub attr: String,
    /// What was read (shortened), or empty when it was missing.
    pub value: String,
    /// What is wrong, in words: `is not a number`.
    pub why: String,
}

impl BadValue {
    fn new(attr: &str, value: &str, why: impl Into<String>) -> Self {
        let mut shown: String = value.chars().take(64).collect();
        if value.chars().count() > 64 {
            shown.push('…');
        }
        BadValue {
            attr: attr.to_string(),
            value: shown,
            why: why.into(),
        }
    }

    fn missing(attr: &str) -> Self {
        BadValue {
            attr: attr.to_string(),
            value: String::new(),
            why: "could not be read (missing, or caretaker's account may not read it)".into(),
        }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{} {}", self.attr, self.why)
        } else {
            write!(f, "{} is {:?}, which {}", self.attr, self.value, self.why)
        }
    }
}

/// A fact, or why it could not be read.
pub type Val<T> = Result<T, BadValue>;

// ---------------------------------------------------------------------------------------------
// Value parsers
// ---------------------------------------------------------------------------------------------

/// A whole number.
pub fn parse_i64(attr: &str, s: &str) -> Val<i64> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| BadValue::new(attr, s, "is not a whole number"))
}

/// A whole number from 0 to 4294967295.
pub fn parse_u32(attr: &str, s: &str) -> Val<u32> {
    let n = parse_i64(attr, s)?;
    u32::try_from(n).map_err(|_| BadValue::new(attr, s, "is out of range (expected 0 or more)"))
}

/// LDAP Boolean: `TRUE` or `FALSE`.
pub fn parse_bool(attr: &str, s: &str) -> Val<bool> {
    match s.trim() {
        t if t.eq_ignore_ascii_case("TRUE") => Ok(true),
        t if t.eq_ignore_ascii_case("FALSE") => Ok(false),
        _ => Err(BadValue::new(attr, s, "is not TRUE or FALSE")),
    }
}

/// `userAccountControl`: a 32-bit flag word (AD stores it as a signed integer).
pub fn parse_uac(attr: &str, s: &str) -> Val<u32> {
    let n = parse_i64(attr, s)?;
    if let Ok(v) = u32::try_from(n) {
        return Ok(v);
    }
    i32::try_from(n)
        .map(|v| v as u32)
        .map_err(|_| BadValue::new(attr, s, "is not a 32-bit flag value"))
}

/// The FILETIME epoch (1601-01-01) in Unix seconds.
const FILETIME_EPOCH_OFFSET: i64 = 11_644_473_600;

/// A Windows FILETIME (100-ns intervals since 1601): `lastLogonTimestamp`. 0 and the maximum value
/// mean "never".
pub fn parse_filetime(attr: &str, s: &str) -> Val<Option<OffsetDateTime>> {
    let n = parse_i64(attr, s)?;
    if n == 0 || n == i64::MAX {
        return Ok(None);
    }
    if n < 0 {
        return Err(BadValue::new(attr, s, "is negative, not a point in time"));
    }
    let secs = n / 10_000_000 - FILETIME_EPOCH_OFFSET;
    let nanos = (n % 10_000_000) * 100;
    OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t + Duration::nanoseconds(nanos))
        .map(Some)
        .map_err(|_| {
            BadValue::new(
                attr,
                s,
                "is outside the range of dates caretaker understands",
            )
        })
}

/// How long something lasts, or that it never ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Never,
    After(Duration),
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Never => f.write_str("never"),
            Interval::After(d) => f.write_str(&human_duration(*d)),
        }
    }
}

/// `42 days`, `30 minutes`, `0 seconds`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.whole_seconds();
    let (n, unit) = if secs != 0 && secs % 86_400 == 0 {
        (secs / 86_400, "day")
    } else if secs != 0 && secs % 3600 == 0 {
        (secs / 3600, "hour")
    } else if secs != 0 && secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// An AD interval: a negative number of 100-ns intervals (`maxPwdAge`, `lockoutDuration`);
/// -9223372036854775808 means "never" (forever).
pub fn parse_ad_interval(attr: &str, s: &str) -> Val<Interval> {
    let n = parse_i64(attr, s)?;
    if n == i64::MIN {
        return Ok(Interval::Never);
    }
    if n > 0 {
        return Err(BadValue::new(
            attr,
            s,
            "is positive; AD intervals are negative",
        ));
    }
    let n = -n;
    Ok(Interval::After(
        Duration::seconds(n / 10_000_000) + Duration::nanoseconds((n % 10_000_000) * 100),
    ))
}

/// An AD maximum password age: 0 also means "never expires".
fn parse_ad_max_age(attr: &str, s: &str) -> Val<Interval> {
    match parse_ad_interval(attr, s)? {
        Interval::After(d) if d.is_zero() => Ok(Interval::Never),
        other => Ok(other),
    }
}

/// A number of seconds (OpenLDAP ppolicy); 0 means "never" for the attributes that use it so.
fn parse_seconds_or_never(attr: &str, s: &str) -> Val<Interval> {
    let n = parse_i64(attr, s)?;
    if n < 0 {
        return Err(BadValue::new(attr, s, "is negative"));
    }
    Ok(if n == 0 {
        Interval::Never
    } else {
        Interval::After(Duration::seconds(n))
    })
}

/// LDAP GeneralizedTime: `20240101120000Z`, `20240101120000.0Z`, `20240101120000.123456Z`,
/// `202401011200Z`, `2024010112+0100`.
pub fn parse_generalized_time(attr: &str, s: &str) -> Val<OffsetDateTime> {
    let bad = || BadValue::new(attr, s, "is not a GeneralizedTime such as 20240101120000Z");
    let t = s.trim();
    let b = t.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(digits == 10 || digits == 12 || digits == 14) {
        return Err(bad());
    }
    let num = |from: usize, len: usize| -> Option<u32> {
        t.get(from..from + len).and_then(|x| x.parse::<u32>().ok())
    };
    let year = num(0, 4).ok_or_else(bad)?;
    let month = num(4, 2).ok_or_else(bad)?;
    let day = num(6, 2).ok_or_else(bad)?;
    let hour = num(8, 2).ok_or_else(bad)?;
    let minute = if digits >= 12 {
        num(10, 2).ok_or_else(bad)?
    } else {
        0
    };
    let second = if digits >= 14 {
        num(12, 2).ok_or_else(bad)?
    } else {
        0
    };
    let mut rest = t.get(digits..).ok_or_else(bad)?;
    let mut nanos: i64 = 0;
    if let Some(frac) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let fd = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if fd == 0 {
            return Err(bad());
        }
        let f = frac.get(..fd.min(9)).ok_or_else(bad)?;
        let mut v: i64 = f.parse().map_err(|_| bad())?;
        for _ in f.len()..9 {
            v *= 10;
        }
        nanos = v;
        rest = frac.get(fd..).ok_or_else(bad)?;
    }
    let offset_secs: i32 = match rest {
        "Z" | "z" => 0,
        r if (r.len() == 5 || r.len() == 3) && (r.starts_with('+') || r.starts_with('-')) => {
            let hh: i32 = r.get(1..3).and_then(|x| x.parse().ok()).ok_or_else(bad)?;
            let mm: i32 = if r.len() == 5 {
                r.get(3..5).and_then(|x| x.parse().ok()).ok_or_else(bad)?
            } else {
                0
            };
            if hh > 23 || mm > 59 {
                return Err(bad());
            }
            let v = hh * 3600 + mm * 60;
            if r.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return Err(bad()),
    };
    let year = i32::try_from(year).map_err(|_| bad())?;
    let month =
        time::Month::try_from(u8::try_from(month).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    // A leap second (60) is read as 59.
    let second = second.min(59);
    let tm = time::Time::from_hms(
        u8::try_from(hour).map_err(|_| bad())?,
        u8::try_from(minute).map_err(|_| bad())?,
        u8::try_from(second).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).map_err(|_| bad())?;
    let local = time::PrimitiveDateTime::new(date, tm).assume_offset(offset);
    Ok(local.to_offset(time::UtcOffset::UTC) + Duration::nanoseconds(nanos))
}

/// A Windows security identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    pub revision: u8,
    pub authority: u64,
    pub subs: Vec<u32>,
}

impl Sid {
    /// The last sub-authority: 500 for the built-in Administrator, 501 for Guest, 512 for Domain Admins.
    pub fn rid(&self) -> Option<u32> {
        self.subs.last().copied()
    }

    /// The SID of the same domain with another RID (for `primaryGroupID`).
    pub fn with_rid(&self, rid: u32) -> Sid {
        let mut subs = self.subs.clone();
        if let Some(last) = subs.last_mut() {
            *last = rid;
        }
        Sid {
            revision: self.revision,
            authority: self.authority,
            subs,
        }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-{}-{}", self.revision, self.authority)?;
        for s in &self.subs {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// A binary SID as AD sends it (revision, count, 48-bit big-endian authority, little-endian
/// 32-bit sub-authorities), or its text form `S-1-5-21-…`.
pub fn parse_sid(attr: &str, bytes: &[u8]) -> Val<Sid> {
    if let Some(text) = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.starts_with("S-") || t.starts_with("s-"))
    {
        return parse_sid_text(attr, text);
    }
    let shown = || {
        bytes
            .iter()
            .take(32)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (Some(&revision), Some(&count)) = (bytes.first(), bytes.get(1)) else {
        return Err(BadValue::new(attr, &shown(), "is too short to be a SID"));
    };
    if revision != 1 || count > 15 || bytes.len() != 8 + 4 * usize::from(count) {
        return Err(BadValue::new(attr, &shown(), "is not a well-formed SID"));
    }
    let mut authority: u64 = 0;
    for b in bytes.get(2..8).unwrap_or_default() {
        authority = (authority << 8) | u64::from(*b);
    }
    let subs = bytes
        .get(8..)
        .unwrap_or_default()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Sid {
        revision,
        authority,
        subs,
    })
}

fn parse_sid_text(attr: &str, text: &str) -> Val<Sid> {
    let bad = || BadValue::new(attr, text, "is not a SID such as S-1-5-21-1-2-3-500");
    let mut parts = text.get(2..).ok_or_else(bad)?.split('-');
    let revision: u8 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let authority: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let subs = parts
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    if subs.len() > 15 {
        return Err(bad());
    }
    Ok(Sid {
        revision,
        authority,
        subs,
    })
}

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

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
    /// [`dn::normalize`]d.
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
    fn take(e: &mut Entry, cn_as_display: bool) -> Identity {
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

/// Interprets what the probe read (the entries of `raw.entries` are copied; the probe itself
/// streams them through a [`Collector`] instead).
pub fn facts(raw: &Raw) -> Facts {
    let mut c = Collector::new(raw.kind);
    for e in &raw.entries {
        c.add(e.clone());
    }
    c.finish(raw)
}

fn server_facts(raw: &Raw) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if let Some(r) = &raw.root_dse {
        for (key, attr) in [
            ("vendorName", "vendorname"),
            ("vendorVersion", "vendorversion"),
            ("dnsHostName", "dnshostname"),
            ("defaultNamingContext", "defaultnamingcontext"),
            ("domainFunctionality", "domainfunctionality"),
        ] {
            if let Some(x) = r.first(attr) {
                v.push((key.to_string(), x.to_string()));
            }
        }
    }
    v
}

fn opt<T>(e: &Entry, attr: &str, key: &str, f: impl Fn(&str, &str) -> Val<T>) -> Val<Option<T>> {
    match e.first(attr) {
        Some(s) => f(key, s).map(Some),
        None => Ok(None),
    }
}

fn req<T>(e: &Entry, attr: &str, key: &str, f: impl Fn(&str, &str) -> Val<T>) -> Val<T> {
    match e.first(attr) {
        Some(s) => f(key, s),
        None => Err(BadValue::missing(key)),
    }
}

fn record(e: &Entry, keys: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for (key, attr) in keys {
        let vals = e.all(attr);
        if !vals.is_empty() {
            v.push((key.to_string(), vals.join("; ")));
        }
    }
    v
}

// ----- Active Directory -------------------------------------------------------------------

const UAC_ACCOUNTDISABLE: u32 = 0x2;
const UAC_PASSWD_NOTREQD: u32 = 0x20;
const UAC_DONT_EXPIRE_PASSWORD: u32 = 0x10000;
/// pwdProperties: DOMAIN_PASSWORD_COMPLEX.
const PWD_COMPLEX: u32 = 0x1;
/// pwdProperties: DOMAIN_PASSWORD_STORE_CLEARTEXT (reversible encryption).
const PWD_STORE_CLEARTEXT: u32 = 0x10;

/// The AD domain root's password and lockout policy.
pub fn ad_domain_policy(e: &Entry) -> Policy {
    let props = req(e, "pwdproperties", "pwdProperties", parse_u32);
    let threshold = req(e, "lockoutthreshold", "lockoutThreshold", parse_u32);
    Policy {
        dn: e.dn.clone(),
        ndn: dn::normalize(&e.dn),
        name: "Default domain policy".to_string(),
        source: PolicySource::Domain,
        min_length: req(e, "minpwdlength", "minPwdLength", parse_u32),
        quality_checked: Ok(true),
        complexity: props.clone().map(|p| Some(p & PWD_COMPLEX != 0)),
        reversible: props.map(|p| p & PWD_STORE_CLEARTEXT != 0),
        history: opt(e, "pwdhistorylength", "pwdHistoryLength", parse_u32),
        max_age: opt(e, "maxpwdage", "maxPwdAge", parse_ad_max_age),
        lockout_enabled: threshold.clone().map(|t| t > 0),
        lockout_threshold: threshold,
        lockout_duration: opt(e, "lockoutduration", "lockoutDuration", parse_ad_interval),
        attributes: record(
            e,
            &[
                ("minPwdLength", "minpwdlength"),
                ("pwdProperties", "pwdproperties"),
                ("pwdHistoryLength", "pwdhistorylength"),
                ("maxPwdAge", "maxpwdage"),
                ("minPwdAge", "minpwdage"),
                ("lockoutThreshold", "lockoutthreshold"),
                ("lockoutDuration", "lockoutduration"),
                ("lockOutObservationWindow", "lockoutobservationwindow"),
            ],
        ),
    }
}

/// One fine-grained password settings object.
pub fn ad_pso(e: &Entry) -> Policy {
    let threshold = req(
        e,
        "msds-lockoutthreshold",
        "msDS-LockoutThreshold",
        parse_u32,
    );
    Policy {
        dn: e.dn.clone(),
        ndn: dn::normalize(&e.dn),
        name: e
            .first("cn")
            .map(str::to_string)
            .unwrap_or_else(|| dn::first_rdn_value(&e.dn)),
        source: PolicySource::Pso {
            precedence: req(
                e,
                "msds-passwordsettingsprecedence",
                "msDS-PasswordSettingsPrecedence",
                parse_u32,
            ),
            applies_to: e
                .all("msds-psoappliesto")
                .iter()
                .map(|d| dn::normalize(d))
                .collect(),
        },
        min_length: req(
            e,
            "msds-minimumpasswordlength",
            "msDS-MinimumPasswordLength",
            parse_u32,
        ),
        quality_checked: Ok(true),
        complexity: opt(
            e,
            "msds-passwordcomplexityenabled",
            "msDS-PasswordComplexityEnabled",
            parse_bool,
        ),
        reversible: req(
            e,
            "msds-passwordreversibleencryptionenabled",
            "msDS-PasswordReversibleEncryptionEnabled",
            parse_bool,
        ),
        history: opt(
            e,
            "msds-passwordhistorylength",
            "msDS-PasswordHistoryLength",
            parse_u32,
        ),
        max_age: opt(
            e,
            "msds-maximumpasswordage",
            "msDS-MaximumPasswordAge",
            parse_ad_max_age,
        ),
        lockout_enabled: threshold.clone().map(|t| t > 0),
        lockout_threshold: threshold,
        lockout_duration: opt(
            e,
            "msds-lockoutduration",
            "msDS-LockoutDuration",
            parse_ad_interval,
        ),
        attributes: record(
            e,
            &[
                (
                    "msDS-PasswordSettingsPrecedence",
                    "msds-passwordsettingsprecedence",
                ),
                ("msDS-MinimumPasswordLength", "msds-minimumpasswordlength"),
                (
                    "msDS-PasswordComplexityEnabled",
                    "msds-passwordcomplexityenabled",
                ),
                (
                    "msDS-PasswordReversibleEncryptionEnabled",
                    "msds-passwordreversibleencryptionenabled",
                ),
                ("msDS-PasswordHistoryLength", "msds-passwordhistorylength"),
                ("msDS-MaximumPasswordAge", "msds-maximumpasswordage"),
                ("msDS-LockoutThreshold", "msds-lockoutthreshold"),
                ("msDS-LockoutDuration", "msds-lockoutduration"),
                (
                    "msDS-LockoutObservationWindow",
                    "msds-lockoutobservationwindow",
                ),
                ("msDS-PSOAppliesTo", "msds-psoappliesto"),
            ],
        ),
    }
}

fn is_ad_group(e: &Entry) -> bool {
    e.has("grouptype") || e.has_class("group")
}

fn first_sid(e: &Entry) -> Val<Option<Sid>> {
    match e.bytes("objectsid").first() {
        Some(b) => parse_sid("objectSid", b).map(Some),
        None => Ok(None),
    }
}

/// Removes and returns the first value of `name`.
fn take(e: &mut Entry, name: &str) -> Option<String> {
    e.attrs.remove(name).and_then(|v| v.into_iter().next())
}

/// Removes and returns every value of `name`.
fn take_all(e: &mut Entry, name: &str) -> Vec<String> {
    e.attrs.remove(name).unwrap_or_default()
}

/// Parses an optional value and keeps it for evidence under `key`.
fn keep<T>(
    raw: &mut Vec<(&'static str, String)>,
    key: &'static str,
    value: Option<String>,
    f: impl Fn(&str, &str) -> Val<T>,
) -> Val<Option<T>> {
    match value {
        Some(v) => {
            let parsed = f(key, &v).map(Some);
            raw.push((key, v));
            parsed
        }
        None => Ok(None),
    }
}

/// One AD user.
pub fn ad_account(mut e: Entry) -> Account {
    let mut raw = Vec::new();
    let uac = match take(&mut e, "useraccountcontrol") {
        Some(v) => {
            let parsed = parse_uac("userAccountControl", &v);
            raw.push(("userAccountControl", v));
            parsed
        }
        None => Err(BadValue::missing("userAccountControl")),
    };
    let last_logon = keep(
        &mut raw,
        "lastLogonTimestamp",
        take(&mut e, "lastlogontimestamp"),
        parse_filetime,
    )
    .map(Option::flatten);
    let created = keep(
        &mut raw,
        "whenCreated",
        take(&mut e, "whencreated"),
        parse_generalized_time,
    );
    let sid = first_sid(&e);
    let primary_group = match (
        &sid,
        e.first("primarygroupid")
            .and_then(|p| p.trim().parse::<u32>().ok()),
    ) {
        (Ok(Some(s)), Some(rid)) => Some(s.with_rid(rid)),
        _ => None,
    };
    let name = take(&mut e, "samaccountname").unwrap_or_else(|| dn::first_rdn_value(&e.dn));
    let groups = take_all(&mut e, "memberof")
        .into_iter()
        .map(dn::normalize_owned)
        .collect();
    let policy = take(&mut e, "msds-resultantpso");
    let identity = Identity::take(&mut e, false);
    Account {
        ndn: dn::normalize(&e.dn),
        dn: e.dn,
        name,
        identity,
        enabled: uac.clone().map(|u| u & UAC_ACCOUNTDISABLE == 0),
        password_not_required: uac.clone().map(|u| u & UAC_PASSWD_NOTREQD != 0),
        never_expires: uac.map(|u| u & UAC_DONT_EXPIRE_PASSWORD != 0),
        last_logon,
        created,
        groups,
        sid,
        primary_group,
        policy,
        raw,
    }
}

/// One AD group.
pub fn ad_group(mut e: Entry) -> Group {
    let name = take(&mut e, "samaccountname")
        .or_else(|| take(&mut e, "cn"))
        .unwrap_or_else(|| dn::first_rdn_value(&e.dn));
    Group {
        ndn: dn::normalize(&e.dn),
        sid: first_sid(&e).ok().flatten(),
        parents: take_all(&mut e, "memberof")
            .into_iter()
            .map(dn::normalize_owned)
            .collect(),
        dn: e.dn,
        name,
    }
}

// ----- OpenLDAP -------------------------------------------------------------------------------

/// `pwdAccountLockedTime` value meaning "locked until an administrator unlocks it".
pub const PERMANENTLY_LOCKED: &str = "000001010000Z";

/// One ppolicy entry.
pub fn ppolicy(e: &Entry) -> Policy {
    let max_failure = match e.first("pwdmaxfailure") {
        Some(s) => parse_u32("pwdMaxFailure", s),
        None => Ok(0),
    };
    Policy {
        dn: e.dn.clone(),
        ndn: dn::normalize(&e.dn),
        name: e
            .first("cn")
            .map(str::to_string)
            .unwrap_or_else(|| dn::first_rdn_value(&e.dn)),
        source: PolicySource::Ppolicy,
        min_length: match e.first("pwdminlength") {
            Some(s) => parse_u32("pwdMinLength", s),
            None => Ok(0),
        },
        quality_checked: match e.first("pwdcheckquality") {
            Some(s) => parse_u32("pwdCheckQuality", s).and_then(|q| {
                if q > 2 {
                    Err(BadValue::new("pwdCheckQuality", s, "is not 0, 1 or 2"))
                } else {
                    Ok(q > 0)
                }
            }),
            None => Ok(false),
        },
        complexity: Ok(None),
        reversible: Ok(false),
        history: opt(e, "pwdinhistory", "pwdInHistory", parse_u32),
        max_age: opt(e, "pwdmaxage", "pwdMaxAge", parse_seconds_or_never),
        lockout_enabled: match e.first("pwdlockout") {
            Some(s) => parse_bool("pwdLockout", s),
            None => Ok(false),
        },
        lockout_threshold: max_failure,
        lockout_duration: opt(
            e,
            "pwdlockoutduration",
            "pwdLockoutDuration",
            parse_seconds_or_never,
        ),
        attributes: record(
            e,
            &[
                ("pwdAttribute", "pwdattribute"),
                ("pwdMinLength", "pwdminlength"),
                ("pwdCheckQuality", "pwdcheckquality"),
                ("pwdInHistory", "pwdinhistory"),
                ("pwdMaxAge", "pwdmaxage"),
                ("pwdMinAge", "pwdminage"),
                ("pwdLockout", "pwdlockout"),
                ("pwdMaxFailure", "pwdmaxfailure"),
                ("pwdLockoutDuration", "pwdlockoutduration"),
                ("pwdFailureCountInterval", "pwdfailurecountinterval"),
                ("pwdMustChange", "pwdmustchange"),
            ],
        ),
    }
}

fn is_ol_policy(e: &Entry) -> bool {
    e.has_class("pwdPolicy")
}

fn is_ol_group(e: &Entry) -> bool {
    e.has_class("groupOfNames") || e.has_class("groupOfUniqueNames") || e.has_class("posixGroup")
}

fn is_ol_account(e: &Entry) -> bool {
    e.has_class("posixAccount")
        || e.has_class("inetOrgPerson")
        || e.has_class("account")
        || e.has_class("person")
}

/// One OpenLDAP account. Whether it has a password is filled in later, from the search for
/// accounts without one.
pub fn openldap_account(mut e: Entry) -> Account {
    let mut raw = Vec::new();
    let locked = take(&mut e, "pwdaccountlockedtime");
    let enabled = Ok(locked.as_deref().map(str::trim) != Some(PERMANENTLY_LOCKED));
    if let Some(l) = locked {
        raw.push(("pwdAccountLockedTime", l));
    }
    let last_success = keep(
        &mut raw,
        "pwdLastSuccess",
        take(&mut e, "pwdlastsuccess"),
        parse_generalized_time,
    );
    let last_logon = match last_success {
        Ok(None) => keep(
            &mut raw,
            "authTimestamp",
            take(&mut e, "authtimestamp"),
            parse_generalized_time,
        ),
        other => other,
    };
    let created = keep(
        &mut raw,
        "createTimestamp",
        take(&mut e, "createtimestamp"),
        parse_generalized_time,
    );
    let name = match take(&mut e, "uid") {
        Some(uid) => uid,
        None => e
            .first("cn")
            .map(str::to_string)
            .unwrap_or_else(|| dn::first_rdn_value(&e.dn)),
    };
    let identity = Identity::take(&mut e, true);
    Account {
        identity,
        ndn: dn::normalize(&e.dn),
        name,
        enabled,
        password_not_required: Ok(false),
        never_expires: Ok(false),
        last_logon,
        created,
        groups: Vec::new(),
        sid: Ok(None),
        primary_group: None,
        policy: take(&mut e, "pwdpolicysubentry"),
        raw,
        dn: e.dn,
    }
}

/// Strips the optional `#'0101'B` unique identifier of a `uniqueMember` value.
fn unique_member_dn(v: &str) -> &str {
    match v.rfind('#') {
        Some(i)
            if v.get(i + 1..)
                .is_some_and(|r| r.starts_with('\'') && r.ends_with("'B")) =>
        {
            v.get(..i).unwrap_or(v)
        }
        _ => v,
    }
}

/// Builds facts from the entries of the main search one at a time, as they arrive, so that a
/// large directory is never held twice in memory.
#[derive(Debug)]
pub struct Collector {
    kind: DirectoryKind,
    accounts: Vec<Account>,
    groups: Vec<Group>,
    policies: Vec<Policy>,
    /// OpenLDAP: (group index, member DNs normalized, member uids lowercased).
    members: Vec<(usize, Vec<String>, Vec<String>)>,
    /// Entries that were neither accounts, groups nor policies.
    ignored: usize,
}

impl Collector {
    pub fn new(kind: DirectoryKind) -> Self {
        Collector {
            kind,
            accounts: Vec::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            members: Vec::new(),
            ignored: 0,
        }
    }

    /// Takes one entry of the main search (AD: users and groups; OpenLDAP: users, groups and
    /// ppolicy entries).
    pub fn add(&mut self, mut e: Entry) {
        match self.kind {
            DirectoryKind::ActiveDirectory => {
                if is_ad_group(&e) {
                    self.groups.push(ad_group(e));
                } else {
                    self.accounts.push(ad_account(e));
                }
            }
            DirectoryKind::Openldap => {
                if is_ol_policy(&e) {
                    self.policies.push(ppolicy(&e));
                } else if is_ol_group(&e) {
                    let members: Vec<String> = take_all(&mut e, "member")
                        .into_iter()
                        .map(dn::normalize_owned)
                        .chain(
                            take_all(&mut e, "uniquemember")
                                .iter()
                                .map(|d| dn::normalize(unique_member_dn(d))),
                        )
                        .collect();
                    let uids: Vec<String> = take_all(&mut e, "memberuid")
                        .iter()
                        .map(|u| u.trim().to_lowercase())
                        .collect();
                    self.members.push((self.groups.len(), members, uids));
                    let name = take(&mut e, "cn").unwrap_or_else(|| dn::first_rdn_value(&e.dn));
                    self.groups.push(Group {
                        ndn: dn::normalize(&e.dn),
                        dn: e.dn,
                        name,
                        sid: None,
                        parents: Vec::new(),
                    });
                } else if is_ol_account(&e) {
                    self.accounts.push(openldap_account(e));
                } else {
                    self.ignored += 1;
                }
            }
        }
    }

    /// The facts, once every entry has been added; `raw` holds the rest of what the probe read.
    pub fn finish(self, raw: &Raw) -> Facts {
        match self.kind {
            DirectoryKind::ActiveDirectory => self.finish_ad(raw),
            DirectoryKind::Openldap => self.finish_openldap(raw),
        }
    }

    fn finish_ad(self, raw: &Raw) -> Facts {
        let resultant_pso_seen = self.accounts.iter().any(|a| a.policy.is_some());
        let logon_sync_days = match raw
            .domain
            .as_ref()
            .and_then(|d| d.first("msds-logontimesyncinterval"))
        {
            Some(s) => parse_u32("msDS-LogonTimeSyncInterval", s),
            None => Ok(14),
        };
        Facts {
            kind: raw.kind,
            source: raw.source.clone(),
            base_dn: raw.base_dn.clone(),
            observed_at: raw.observed_at,
            server: server_facts(raw),
            accounts: self.accounts,
            groups: self.groups,
            domain_policy: raw.domain.as_ref().map(ad_domain_policy),
            policies: raw.psos.iter().map(ad_pso).collect(),
            resultant_pso_seen,
            logon_sync_days,
            config_default_policy: None,
            no_password: NoPassword::NotApplicable,
            notes: raw.notes.clone(),
        }
    }

    fn finish_openldap(self, raw: &Raw) -> Facts {
        let Collector {
            mut accounts,
            mut groups,
            mut policies,
            members,
            ..
        } = self;
        if let NoPassword::Known(dns) = &raw.no_password {
            let no_pw: HashSet<String> = dns.iter().map(|d| dn::normalize(d)).collect();
            if !no_pw.is_empty() {
                for a in &mut accounts {
                    if no_pw.contains(&a.ndn) {
                        a.password_not_required = Ok(true);
                    }
                }
            }
        }
        for e in &raw.extra_policies {
            let p = ppolicy(e);
            if !policies.iter().any(|q: &Policy| q.ndn == p.ndn) {
                policies.push(p);
            }
        }
        // Invert the member lists: which groups each account and group is directly in. The map
        // is keyed by the (usually few) member values, and every account is looked up once.
        let mut account_links: Vec<(usize, usize)> = Vec::new();
        let mut group_links: Vec<(usize, usize)> = Vec::new();
        {
            let mut by_member: dn::FastMap<&str, Vec<usize>> = dn::FastMap::default();
            let mut by_uid: dn::FastMap<&str, Vec<usize>> = dn::FastMap::default();
            for (gi, dns, uids) in &members {
                for m in dns {
                    by_member.entry(m.as_str()).or_default().push(*gi);
                }
                for u in uids {
                    by_uid.entry(u.as_str()).or_default().push(*gi);
                }
            }
            if !by_member.is_empty() || !by_uid.is_empty() {
                for (ai, a) in accounts.iter().enumerate() {
                    for &gi in by_member
                        .get(a.ndn.as_str())
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                    {
                        account_links.push((ai, gi));
                    }
                    if !by_uid.is_empty() {
                        let uid = a.name.to_lowercase();
                        for &gi in by_uid.get(uid.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                            account_links.push((ai, gi));
                        }
                    }
                }
                for (ci, g) in groups.iter().enumerate() {
                    for &gi in by_member
                        .get(g.ndn.as_str())
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                    {
                        group_links.push((ci, gi));
                    }
                }
            }
        }
        for (ai, gi) in account_links {
            let Some(gdn) = groups.get(gi).map(|g| g.ndn.clone()) else {
                continue;
            };
            if let Some(a) = accounts.get_mut(ai) {
                if !a.groups.contains(&gdn) {
                    a.groups.push(gdn);
                }
            }
        }
        for (ci, gi) in group_links {
            let Some(gdn) = groups.get(gi).map(|g| g.ndn.clone()) else {
                continue;
            };
            if let Some(child) = groups.get_mut(ci) {
                if !child.parents.contains(&gdn) {
                    child.parents.push(gdn);
                }
            }
        }
        let nbase = dn::normalize(&raw.base_dn);
        let defaults: Vec<&str> = raw
            .config
            .iter()
            .flat_map(|e| e.all("olcppolicydefault"))
            .map(String::as_str)
            .collect();
        // Several databases may have a ppolicy overlay: take the default that shares the most of
        // base_dn's suffix (the overlay of the database holding base_dn).
        let config_default_policy = defaults
            .iter()
            .enumerate()
            .max_by_key(|(i, d)| (shared_suffix(&dn::normalize(d), &nbase), usize::MAX - i))
            .map(|(_, s)| s.to_string());
        Facts {
            kind: raw.kind,
            source: raw.source.clone(),
            base_dn: raw.base_dn.clone(),
            observed_at: raw.observed_at,
            server: server_facts(raw),
            accounts,
            groups,
            domain_policy: None,
            policies,
            resultant_pso_seen: false,
            logon_sync_days: Ok(0),
            config_default_policy,
            no_password: raw.no_password.clone(),
            notes: raw.notes.clone(),
        }
    }
}

/// How many trailing RDNs two normalized DNs share.
fn shared_suffix(a: &str, b: &str) -> usize {
    a.rsplit(',')
        .zip(b.rsplit(','))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn filetime_converts_and_zero_means_never() {
        // 2024-10-01 01:30:00 UTC
        assert_eq!(
            parse_filetime("x", "133722198000000000").unwrap(),
            Some(datetime!(2024-10-01 01:30:00 UTC))
        );
        assert_eq!(parse_filetime("x", "0").unwrap(), None);
        assert_eq!(parse_filetime("x", "9223372036854775807").unwrap(), None);
        assert!(parse_filetime("x", "-5").is_err());
        assert!(parse_filetime("x", "soon").is_err());
    }

    #[test]
    fn ad_intervals() {
        assert_eq!(
            parse_ad_interval("x", "-9223372036854775808").unwrap(),
            Interval::Never
        );
        assert_eq!(
            parse_ad_interval("x", "-18000000000").unwrap(),
            Interval::After(Duration::minutes(30))
        );
        assert_eq!(
            parse_ad_max_age("x", "-36288000000000").unwrap(),
            Interval::After(Duration::days(42))
        );
        assert_eq!(parse_ad_max_age("x", "0").unwrap(), Interval::Never);
        assert!(parse_ad_interval("x", "5").is_err());
        assert_eq!(Interval::After(Duration::days(42)).to_string(), "42 days");
        assert_eq!(
            Interval::After(Duration::minutes(1)).to_string(),
            "1 minute"
        );
    }

    #[test]
    fn generalized_times() {
        assert_eq!(
            parse_generalized_time("x", "20261123112244.0Z").unwrap(),
            datetime!(2026-11-23 11:22:44 UTC)
        );
        assert_eq!(
            parse_generalized_time("x", "20230915080000Z").unwrap(),
            datetime!(2023-09-15 08:00:00 UTC)
        );
        assert_eq!(
            parse_generalized_time("x", "20261123112226.938219Z").unwrap(),
            datetime!(2026-11-23 11:22:26.938219 UTC)
        );
        assert_eq!(
            parse_generalized_time("x", "202401011200+0100").unwrap(),
            datetime!(2024-01-01 11:00 UTC)
        );
        assert_eq!(
            parse_generalized_time("x", "2024010112Z").unwrap(),
            datetime!(2024-01-01 12:00 UTC)
        );
        for bad in [
            "",
            "Z",
            "2024",
            "20241301000000Z",
            "20240101000000",
            "20240101000000.Z",
            "20240230000000Z",
        ] {
            assert!(parse_generalized_time("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sids_binary_and_text() {
        let guest =
            crate::directory::ldif::decode_base64("AQUAAAAAAAUVAAAAA2VxNTMDe3ocBlq+9QEAAA==")
                .unwrap();
        let sid = parse_sid("objectSid", &guest).unwrap();
        assert_eq!(
            sid.to_string(),
            "S-1-5-21-896623875-2054882099-3193570844-501"
        );
        assert_eq!(sid.rid(), Some(501));
        assert_eq!(
            sid.with_rid(512).to_string(),
            "S-1-5-21-896623875-2054882099-3193570844-512"
        );
        let builtin = crate::directory::ldif::decode_base64("AQIAAAAAAAUgAAAAIAIAAA==").unwrap();
        assert_eq!(
            parse_sid("objectSid", &builtin).unwrap().to_string(),
            "S-1-5-32-544"
        );
        assert_eq!(
            parse_sid("objectSid", b"S-1-5-32-544").unwrap().rid(),
            Some(544)
        );
        assert!(parse_sid("objectSid", &[1, 5, 0]).is_err());
        assert!(parse_sid("objectSid", &[]).is_err());
        assert!(parse_sid("objectSid", b"S-1-x").is_err());
    }

    #[test]
    fn uac_accepts_signed_words() {
        assert_eq!(parse_uac("u", "514").unwrap(), 514);
        assert_eq!(parse_uac("u", "-2147483646").unwrap(), 0x8000_0002);
        assert!(parse_uac("u", "99999999999").is_err());
    }

    #[test]
    fn bad_values_say_what_was_read() {
        let e = parse_u32("minPwdLength", "twelve").unwrap_err();
        assert_eq!(
            e.to_string(),
            "minPwdLength is \"twelve\", which is not a whole number"
        );
        assert!(
            BadValue::new("a", &"x".repeat(500), "w")
                .value
                .chars()
                .count()
                <= 65
        );
    }
}
