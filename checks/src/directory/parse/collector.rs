//! Builds [`Facts`] from the entries of the main search one at a time, as they arrive, together
//! with the rest of what the probe read (the root DSE, the domain policy and PSOs).

use std::collections::HashSet;

use caretaker_config::DirectoryKind;

use super::ad::is_ad_group;
use super::fields::{take, take_all};
use super::openldap::{is_ol_account, is_ol_group, is_ol_policy, unique_member_dn};
use super::{
    ad_account, ad_domain_policy, ad_group, ad_pso, openldap_account, parse_u32, ppolicy, Account,
    Entry, Facts, Group, NoPassword, Policy, Raw,
};
use crate::directory::dn;

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
