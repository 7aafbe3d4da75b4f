//! Active Directory entries: the domain's password policy, fine-grained password settings,
//! users and groups.

use super::fields::{keep, opt, record, req, take, take_all};
use super::values::parse_ad_max_age;
use super::{
    parse_ad_interval, parse_bool, parse_filetime, parse_generalized_time, parse_sid, parse_u32,
    parse_uac, Account, AccountParts, BadValue, Entry, Group, Identity, Policy, PolicySource,
    RawKey, Sid, Val,
};
use crate::directory::dn;
use std::sync::Arc;

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

pub(super) fn is_ad_group(e: &Entry) -> bool {
    e.has("grouptype") || e.has_class("group")
}

fn first_sid(e: &Entry) -> Val<Option<Sid>> {
    match e.bytes("objectsid").first() {
        Some(b) => parse_sid("objectSid", b).map(Some),
        None => Ok(None),
    }
}

/// One AD user.
pub fn ad_account(mut e: Entry) -> Account {
    let mut raw = Vec::new();
    let uac = match take(&mut e, "useraccountcontrol") {
        Some(v) => {
            let parsed = parse_uac("userAccountControl", &v);
            raw.push((RawKey::UserAccountControl, v));
            parsed
        }
        None => Err(BadValue::missing("userAccountControl")),
    };
    let last_logon = keep(
        &mut raw,
        RawKey::LastLogonTimestamp,
        take(&mut e, "lastlogontimestamp"),
        parse_filetime,
    )
    .map(Option::flatten);
    let created = keep(
        &mut raw,
        RawKey::WhenCreated,
        take(&mut e, "whencreated"),
        parse_generalized_time,
    );
    let sid = first_sid(&e);
    let primary_rid = e
        .first("primarygroupid")
        .and_then(|p| p.trim().parse::<u32>().ok());
    let name = take(&mut e, "samaccountname").unwrap_or_else(|| dn::first_rdn_value(&e.dn));
    let groups = take_all(&mut e, "memberof")
        .into_iter()
        .map(|g| Arc::from(dn::normalize_owned(g)))
        .collect();
    let policy = take(&mut e, "msds-resultantpso").map(Arc::from);
    let identity = Identity::take(&mut e, false);
    AccountParts {
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
        primary_rid,
        policy,
        raw,
    }
    .into()
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
