//! Tests for the directory parsers: FILETIMEs, intervals, GeneralizedTime, SIDs, flag words and
//! bad values.

use time::macros::datetime;
use time::Duration;

use super::values::parse_ad_max_age;
use super::*;

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
        // Later than 9999-12-31 in UTC.
        "99991231235959-0100",
    ] {
        assert!(parse_generalized_time("x", bad).is_err(), "{bad}");
    }
    assert_eq!(
        parse_generalized_time("x", "00000101000000+0100").unwrap(),
        datetime!(-0001-12-31 23:00 UTC)
    );
}

#[test]
fn sids_binary_and_text() {
    let guest =
        crate::directory::ldif::decode_base64("AQUAAAAAAAUVAAAAA2VxNTMDe3ocBlq+9QEAAA==").unwrap();
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

/// Every account is kept until the judging, so a directory of 50,000 must not cost much each:
/// accounts with the same groups share one list, each group's DN is held once, and the account
/// itself stays small.
#[test]
fn accounts_share_group_lists_and_stay_small() {
    use std::sync::Arc;
    for raw in [
        crate::directory::tests::ol_raw(),
        crate::directory::tests::ad_raw(),
    ] {
        let f = facts(&raw);
        let mut pairs = 0;
        for (i, a) in f.accounts.iter().enumerate() {
            for b in f.accounts.iter().skip(i + 1) {
                if !a.groups.is_empty() && a.groups == b.groups {
                    assert!(
                        Arc::ptr_eq(&a.groups, &b.groups),
                        "{} {}",
                        a.name(),
                        b.name()
                    );
                    pairs += 1;
                }
                for g in a.groups.iter() {
                    if let Some(h) = b.groups.iter().find(|h| h == &g) {
                        assert!(Arc::ptr_eq(g, h), "{g}");
                    }
                }
                if let (Some(p), Some(q)) = (&a.policy, &b.policy) {
                    if p == q {
                        assert!(Arc::ptr_eq(p, q), "{p}");
                    }
                }
            }
        }
        assert!(
            pairs > 0,
            "{:?}: no two accounts share their groups",
            raw.kind
        );
    }
    assert!(
        std::mem::size_of::<Account>() <= 112,
        "Account is {} bytes",
        std::mem::size_of::<Account>()
    );
    assert!(std::mem::size_of::<Val<bool>>() <= 16);
}

#[test]
fn identity_and_raw_values_read_back_as_given() {
    let id = Identity::new([
        (IdField::Mail, "sarah.khan@riverside.sch.uk"),
        (IdField::GivenName, "Sarah"),
        (IdField::Surname, "  "),
    ]);
    assert_eq!(id.given_name(), Some("Sarah"));
    assert_eq!(id.surname(), None);
    assert_eq!(
        id.evidence(),
        vec![
            ("givenName", "Sarah"),
            ("mail", "sarah.khan@riverside.sch.uk")
        ]
    );
    let id = id.with(IdField::GivenName, "Sara");
    assert_eq!(id.given_name(), Some("Sara"));
    assert_eq!(id.mail(), Some("sarah.khan@riverside.sch.uk"));
    let account = Account::from(AccountParts {
        dn: "CN=Sarah Khan,OU=Staff,DC=riverside,DC=sch,DC=uk".into(),
        name: "skhan".into(),
        enabled: Ok(true),
        password_not_required: Err(BadValue::missing("userAccountControl")),
        never_expires: Ok(false),
        last_logon: Ok(None),
        created: Ok(None),
        groups: Groups::default(),
        sid: Ok(None),
        primary_rid: Some(513),
        policy: None,
        raw: vec![
            (RawKey::WhenCreated, "20230915080000.0Z".into()),
            (RawKey::UserAccountControl, "544".into()),
        ],
        identity: id.clone(),
    });
    assert_eq!(
        account.dn(),
        "CN=Sarah Khan,OU=Staff,DC=riverside,DC=sch,DC=uk"
    );
    assert_eq!(account.name(), "skhan");
    assert_eq!(account.enabled(), Ok(true));
    assert_eq!(
        account.password_not_required(),
        Err(BadValue::missing("userAccountControl"))
    );
    assert_eq!(account.identity(), id);
    assert_eq!(account.primary_group(), None, "no SID, so no primary group");
    assert_eq!(account.raw_value("userAccountControl"), Some("544"));
    assert_eq!(
        account.raw().collect::<Vec<_>>(),
        vec![
            ("whenCreated", "20230915080000.0Z"),
            ("userAccountControl", "544")
        ]
    );
}

/// OpenLDAP's groups may arrive before their members, after them or between them: each account
/// is in the same groups whatever the order (the probe reads groups first; a store of entries in
/// another order, or a directory that returns groups in the main search, must agree).
#[test]
fn group_membership_does_not_depend_on_the_order_entries_arrive() {
    fn groups_by_account(raw: &Raw) -> Vec<(String, Vec<String>)> {
        let f = facts(raw);
        let mut v: Vec<(String, Vec<String>)> = f
            .accounts
            .iter()
            .map(|a| {
                let mut g: Vec<String> = a.groups.iter().map(|g| g.to_string()).collect();
                g.sort();
                (a.dn().to_string(), g)
            })
            .collect();
        v.sort();
        v
    }
    let raw = crate::directory::tests::ol_raw();
    let as_read = groups_by_account(&raw);
    assert!(
        as_read.iter().filter(|(_, g)| !g.is_empty()).count() > 3,
        "the sample has accounts in groups"
    );
    let is_group = |e: &Entry| e.has("member") || e.has("uniquemember") || e.has("memberuid");
    let mut groups_first = raw.clone();
    groups_first.entries.sort_by_key(|e| !is_group(e));
    let mut groups_last = raw.clone();
    groups_last.entries.sort_by_key(is_group);
    let mut reversed = raw.clone();
    reversed.entries.reverse();
    for (how, r) in [
        ("groups first", &groups_first),
        ("groups last", &groups_last),
        ("reversed", &reversed),
    ] {
        assert_eq!(groups_by_account(r), as_read, "{how}");
    }
}
