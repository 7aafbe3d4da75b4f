//! Tests for the Active Directory sample school: the planted accounts and the LDIF.

use super::accounts::{ago, school_ldif, school_users};
use super::*;

#[test]
fn school_has_planted_accounts() {
    let now = time::macros::datetime!(2026-01-01 12:00 UTC);
    let users = school_users(now);
    let get = |uid: &str| users.iter().find(|u| u.acc.uid == uid).unwrap();
    assert_eq!(get("k.lee").uac, 0x220);
    assert_eq!(get("old.leaver").uac, 0x222);
    assert!(get("adm.b.okafor").groups.contains(&"Domain Admins"));
    assert!(get("j.smith").groups.contains(&"Domain Admins"));
    assert_eq!(
        get("class3").parent,
        format!("OU=Year 3,OU=Pupils,{AD_BASE_DN}")
    );
    assert_eq!(get("p.jones").last_logon, Some(ago(now, 400, 3)));
    let ldif = school_ldif(now, "Pass-word-1234", "Care-taker-1234");
    assert!(ldif.contains("minPwdLength: 7"));
    assert!(ldif.contains("lockoutThreshold: 0"));
    assert!(ldif.contains(&format!(
        "msDS-PSOAppliesTo: CN=Pupils,CN=Users,{AD_BASE_DN}"
    )));
}
