//! OpenLDAP entries: ppolicy password policies, accounts and groups.

use super::fields::{keep, opt, record, take};
use super::values::parse_seconds_or_never;
use super::{
    parse_bool, parse_generalized_time, parse_u32, Account, AccountParts, BadValue, Entry, Groups,
    Identity, Policy, PolicySource, RawKey,
};
use crate::directory::dn;
use std::sync::Arc;

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

pub(super) fn is_ol_policy(e: &Entry) -> bool {
    e.has_class("pwdPolicy")
}

pub(super) fn is_ol_group(e: &Entry) -> bool {
    e.has_class("groupOfNames") || e.has_class("groupOfUniqueNames") || e.has_class("posixGroup")
}

pub(super) fn is_ol_account(e: &Entry) -> bool {
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
        raw.push((RawKey::PwdAccountLockedTime, l));
    }
    let last_success = keep(
        &mut raw,
        RawKey::PwdLastSuccess,
        take(&mut e, "pwdlastsuccess"),
        parse_generalized_time,
    );
    let last_logon = match last_success {
        Ok(None) => keep(
            &mut raw,
            RawKey::AuthTimestamp,
            take(&mut e, "authtimestamp"),
            parse_generalized_time,
        ),
        other => other,
    };
    let created = keep(
        &mut raw,
        RawKey::CreateTimestamp,
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
    AccountParts {
        identity,
        name,
        enabled,
        password_not_required: Ok(false),
        never_expires: Ok(false),
        last_logon,
        created,
        groups: Groups::default(),
        sid: Ok(None),
        primary_rid: None,
        policy: take(&mut e, "pwdpolicysubentry").map(Arc::from),
        raw,
        dn: e.dn,
    }
    .into()
}

/// Strips the optional `#'0101'B` unique identifier of a `uniqueMember` value.
pub(super) fn unique_member_dn(v: &str) -> &str {
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
