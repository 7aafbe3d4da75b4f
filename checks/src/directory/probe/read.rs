//! What the probe reads once bound: the root DSE, then Active Directory's domain policy, PSOs,
//! users and groups, or OpenLDAP's groups, then its users and ppolicy entries.

use std::time::Duration;

use caretaker_config::{Directory, DirectoryKind};
use caretaker_transports::ldap::{
    connect, limited, paged, plain, read_one, search_failure, search_scoped, Ldap, Scope,
};
use time::OffsetDateTime;

use super::searches::{
    AD_ACCOUNTS_ATTRS, AD_ACCOUNTS_FILTER, AD_DOMAIN_ATTRS, AD_PSO_ATTRS, AD_PSO_FILTER,
    OL_GROUP_ATTRS, OL_GROUP_FILTER, OL_MAIN_ATTRS, OL_MAIN_FILTER, OL_USER_FILTER, ROOT_DSE_ATTRS,
};
use super::{Failure, ProbeError, Sink};
use crate::directory::dn;
use crate::directory::parse::{Entry, NoPassword, Raw};

pub(super) async fn read_all(
    dir: &Directory,
    ldap: &mut Ldap,
    t: Duration,
    secs: u64,
    observed_at: OffsetDateTime,
    sink: Sink<'_>,
) -> Result<Raw, ProbeError> {
    let root_dse = read_one(ldap, t, secs, "", ROOT_DSE_ATTRS, "read the root DSE")
        .await
        .ok()
        .flatten();
    let mut raw = Raw {
        kind: dir.kind,
        source: dir.url.clone(),
        base_dn: dir.base_dn.clone(),
        observed_at,
        root_dse,
        domain: None,
        psos: Vec::new(),
        entries: Vec::new(),
        extra_policies: Vec::new(),
        no_password: NoPassword::NotApplicable,
        config: Vec::new(),
        notes: Vec::new(),
    };
    match dir.kind {
        DirectoryKind::ActiveDirectory => read_ad(dir, ldap, t, secs, &mut raw, sink).await?,
        DirectoryKind::Openldap => read_openldap(dir, ldap, t, secs, &mut raw, sink).await?,
    }
    Ok(raw)
}

async fn read_ad(
    dir: &Directory,
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    raw: &mut Raw,
    sink: Sink<'_>,
) -> Result<(), ProbeError> {
    let domain_dn = raw
        .root_dse
        .as_ref()
        .and_then(|r| r.first("defaultnamingcontext"))
        .filter(|d| dn::is_under(&dn::normalize(&dir.base_dn), &dn::normalize(d)))
        .map(str::to_string)
        .unwrap_or_else(|| dir.base_dn.clone());
    let container = format!("CN=Password Settings Container,CN=System,{domain_dn}");
    let (domain, psos, accounts) = tokio::join!(
        read_one(
            ldap,
            t,
            secs,
            &domain_dn,
            AD_DOMAIN_ATTRS,
            "read the domain policy"
        ),
        search_scoped(
            ldap,
            t,
            secs,
            &container,
            Scope::OneLevel,
            AD_PSO_FILTER,
            AD_PSO_ATTRS,
            "read the fine-grained password policies"
        ),
        paged(
            ldap,
            t,
            secs,
            dir.page_size,
            &dir.base_dn,
            AD_ACCOUNTS_FILTER,
            AD_ACCOUNTS_ATTRS,
            "search accounts",
            sink
        ),
    );
    raw.domain = domain?;
    if raw.domain.is_none() {
        raw.notes.push((
            "domain_root".into(),
            format!("{domain_dn} could not be read"),
        ));
    }
    match psos {
        Ok(v) => {
            if v.is_empty() {
                raw.notes.push((
                    "fine_grained_policies".into(),
                    "none visible (none exist, or caretaker's account may not read CN=Password Settings Container)".into(),
                ));
            }
            raw.psos = v;
        }
        Err(e) if matches!(e.failure, Failure::InsufficientAccess | Failure::NoSuchBase) => {
            raw.notes.push((
                "fine_grained_policies".into(),
                format!("not readable: {}", e.detail),
            ));
        }
        Err(e) => return Err(e),
    }
    accounts?;
    Ok(())
}

async fn read_openldap(
    dir: &Directory,
    ldap: &Ldap,
    t: Duration,
    secs: u64,
    raw: &mut Raw,
    sink: Sink<'_>,
) -> Result<(), ProbeError> {
    let no_pw_filter = format!("(&{OL_USER_FILTER}(!(userPassword=*)))");
    let has_pw_filter = format!("(&{OL_USER_FILTER}(userPassword=*))");
    // The groups are read over a connection of their own, closed once they are read: the LDAP
    // client keeps a buffer as large as the largest entry it received (a group of every pupil)
    // for as long as its connection lasts. The other searches run unpaged alongside (slapd keeps
    // one paged search per connection). Accounts without a password are usually few; if there
    // are more than the server's size limit, that search is repeated with paging afterwards.
    let group_conn = connect(dir).await?;
    let (groups, no_pw, has_pw, config) = tokio::join!(
        paged(
            &group_conn.ldap,
            t,
            secs,
            dir.page_size,
            &dir.base_dn,
            OL_GROUP_FILTER,
            OL_GROUP_ATTRS,
            "search groups",
            &mut *sink
        ),
        plain(
            ldap,
            t,
            secs,
            &dir.base_dn,
            Scope::Subtree,
            &no_pw_filter,
            &["1.1"],
            0,
            "search for accounts without a password"
        ),
        limited(
            ldap,
            t,
            secs,
            &dir.base_dn,
            &has_pw_filter,
            2,
            "test that passwords can be looked for"
        ),
        search_scoped(
            ldap,
            t,
            secs,
            "cn=config",
            Scope::Subtree,
            "(objectClass=olcPPolicyConfig)",
            &["olcPPolicyDefault"],
            "read cn=config"
        ),
    );
    group_conn.close().await;
    groups?;
    crate::directory::memory::give_back_free_pages();
    // What the search for accounts saw, for the policies it names and to know whether it found
    // accounts.
    let mut policy_dns: Vec<String> = Vec::new();
    let mut subentries: Vec<String> = Vec::new();
    let mut accounts = 0usize;
    let mut watch = |e: Entry| {
        if e.has_class("pwdPolicy") {
            policy_dns.push(dn::normalize(&e.dn));
        } else if !is_group(&e) {
            accounts += 1;
            if let Some(p) = e.first("pwdpolicysubentry") {
                if !subentries.iter().any(|s| s == p) {
                    subentries.push(p.to_string());
                }
            }
        }
        sink(e);
    };
    paged(
        ldap,
        t,
        secs,
        dir.page_size,
        &dir.base_dn,
        OL_MAIN_FILTER,
        OL_MAIN_ATTRS,
        "search accounts",
        &mut watch,
    )
    .await?;
    let no_pw: Vec<String> = match no_pw? {
        (0, _, entries) => entries.into_iter().map(|e| e.dn).collect(),
        (4, _, _) => {
            let mut dns = Vec::new();
            paged(
                ldap,
                t,
                secs,
                dir.page_size,
                &dir.base_dn,
                &no_pw_filter,
                &["1.1"],
                "search for accounts without a password",
                &mut |e| dns.push(e.dn),
            )
            .await?;
            dns
        }
        (rc, text, _) => {
            return Err(search_failure(
                rc,
                &text,
                "search for accounts without a password",
            ))
        }
    };
    let has_pw = has_pw?;
    let bind = dn::normalize(&dir.bind_dn);
    let others_with_password = has_pw.iter().filter(|d| dn::normalize(d) != bind).count();
    raw.no_password = if no_pw.is_empty() && others_with_password == 0 && accounts > 0 {
        NoPassword::Unknown(
            "no account matched (userPassword=*) nor (!(userPassword=*)): caretaker's account may not test userPassword (it needs `search` access)".into(),
        )
    } else {
        NoPassword::Known(no_pw)
    };
    match config {
        Ok(v) => raw.config = v,
        Err(e) => raw
            .notes
            .push(("cn=config".into(), format!("not readable ({})", e.detail))),
    }
    // Policies named but outside the main search (another branch, or not visible to it).
    let mut wanted: Vec<String> = Vec::new();
    let known: std::collections::HashSet<String> = policy_dns.into_iter().collect();
    let mut consider = |d: &str| {
        let n = dn::normalize(d);
        if !n.is_empty() && !known.contains(&n) && !wanted.iter().any(|w| dn::normalize(w) == n) {
            wanted.push(d.to_string());
        }
    };
    if let Some(d) = &dir.default_policy {
        consider(d);
    }
    for e in &raw.config {
        for d in e.all("olcppolicydefault") {
            consider(d);
        }
    }
    for d in &subentries {
        consider(d);
    }
    // At most a handful; never one per user.
    for d in wanted.iter().take(50) {
        let mut attrs: Vec<&str> = vec!["objectClass"];
        attrs.extend(OL_MAIN_ATTRS.iter().filter(|a| a.starts_with("pwd")));
        match read_one(ldap, t, secs, d, &attrs, "read a password policy").await {
            Ok(Some(e)) if e.has_class("pwdPolicy") => raw.extra_policies.push(e),
            Ok(_) => raw
                .notes
                .push((format!("policy {d}"), "not found or not a pwdPolicy".into())),
            Err(e) if matches!(e.failure, Failure::InsufficientAccess | Failure::NoSuchBase) => {
                raw.notes.push((
                    format!("policy {d}"),
                    format!("not readable ({})", e.detail),
                ))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn is_group(e: &Entry) -> bool {
    e.has_class("groupOfNames") || e.has_class("groupOfUniqueNames") || e.has_class("posixGroup")
}
