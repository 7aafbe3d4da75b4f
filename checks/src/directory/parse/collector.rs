//! Builds [`Facts`] from the entries of the main search one at a time, as they arrive, together
//! with the rest of what the probe read (the root DSE, the domain policy and PSOs).

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use caretaker_config::DirectoryKind;

use super::ad::is_ad_group;
use super::fields::{take, take_all};
use super::members::Members;
use super::openldap::{is_ol_account, is_ol_group, is_ol_policy, unique_member_dn};
use super::{
    ad_account, ad_domain_policy, ad_group, ad_pso, openldap_account, parse_u32, ppolicy, Account,
    Accounts, Entry, Facts, Group, Groups, NoPassword, Policy, Raw,
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
    accounts: Accounts,
    groups: Vec<Group>,
    policies: Vec<Policy>,
    /// OpenLDAP: what the groups say about their members.
    members: Members,
    /// Entries that were neither accounts, groups nor policies.
    ignored: usize,
    /// Group DNs, group lists and policy DNs, each held once for all the accounts that name it.
    intern: Interner,
}

/// Holds each group DN, list of groups and policy DN once, however many accounts name it.
#[derive(Debug, Default)]
pub(super) struct Interner {
    strings: HashSet<Arc<str>, BuildHasherDefault<dn::FxHasher>>,
    lists: HashSet<Groups, BuildHasherDefault<dn::FxHasher>>,
}

impl Interner {
    /// The one copy of `s`.
    pub(super) fn str(&mut self, s: &str) -> Arc<str> {
        if let Some(x) = self.strings.get(s) {
            return x.clone();
        }
        let x: Arc<str> = Arc::from(s);
        self.strings.insert(x.clone());
        x
    }

    /// The one copy of this list of groups (its DNs interned too).
    pub(super) fn list(&mut self, groups: &[Arc<str>]) -> Groups {
        if let Some(x) = self.lists.get(groups) {
            return x.clone();
        }
        let x: Groups = groups.iter().map(|g| self.str(g)).collect();
        self.lists.insert(x.clone());
        x
    }
}

impl Collector {
    pub fn new(kind: DirectoryKind) -> Self {
        Collector {
            kind,
            accounts: Accounts::default(),
            groups: Vec::new(),
            policies: Vec::new(),
            members: Members::default(),
            ignored: 0,
            intern: Interner::default(),
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
                    let mut a = ad_account(e);
                    self.intern_parts(&mut a);
                    self.accounts.push(a);
                }
            }
            DirectoryKind::Openldap => {
                if is_ol_policy(&e) {
                    self.policies.push(ppolicy(&e));
                } else if is_ol_group(&e) {
                    let dns = take_all(&mut e, "member");
                    let unique = take_all(&mut e, "uniquemember");
                    let uids = take_all(&mut e, "memberuid");
                    self.members.group(
                        self.groups.len(),
                        dns.into_iter()
                            .map(dn::normalize_owned)
                            .chain(unique.iter().map(|d| dn::normalize(unique_member_dn(d)))),
                        uids.iter().map(|u| u.trim().to_lowercase()),
                        &self.accounts,
                    );
                    let name = take(&mut e, "cn").unwrap_or_else(|| dn::first_rdn_value(&e.dn));
                    self.groups.push(Group {
                        ndn: dn::normalize(&e.dn),
                        dn: e.dn,
                        name,
                        sid: None,
                        parents: Vec::new(),
                    });
                } else if is_ol_account(&e) {
                    let mut a = openldap_account(e);
                    self.intern_parts(&mut a);
                    self.members.account(self.accounts.len(), &a);
                    self.accounts.push(a);
                } else {
                    self.ignored += 1;
                }
            }
        }
    }

    /// Makes the account share its group list and policy DN with the accounts already read.
    fn intern_parts(&mut self, a: &mut Account) {
        a.groups = self.intern.list(&a.groups);
        if let Some(p) = &a.policy {
            a.policy = Some(self.intern.str(p));
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
            mut members,
            mut intern,
            ..
        } = self;
        let no_pw: HashSet<String> = match &raw.no_password {
            NoPassword::Known(dns) => dns.iter().map(|d| dn::normalize(d)).collect(),
            _ => HashSet::new(),
        };
        for e in &raw.extra_policies {
            let p = ppolicy(e);
            if !policies.iter().any(|q: &Policy| q.ndn == p.ndn) {
                policies.push(p);
            }
        }
        // Which groups each account and group is directly in.
        members.finish_reading();
        let group_ndns: Vec<Arc<str>> = groups.iter().map(|g| intern.str(&g.ndn)).collect();
        let mut group_links: Vec<(usize, usize)> = Vec::new();
        if !members.is_empty() || !no_pw.is_empty() {
            let mut links = members.links().iter().peekable();
            let mut direct: Vec<usize> = Vec::new();
            let mut dns: Vec<Arc<str>> = Vec::new();
            for (i, a) in accounts.iter_mut().enumerate() {
                let ndn = a.ndn();
                if no_pw.contains(&ndn) {
                    a.set_no_password();
                }
                members.of_account(i, &ndn, a.name(), &mut links, &mut direct);
                dns.clear();
                for g in direct.iter().filter_map(|gi| group_ndns.get(*gi)) {
                    if !dns.contains(g) {
                        dns.push(g.clone());
                    }
                }
                if !dns.is_empty() {
                    a.groups = intern.list(&dns);
                }
            }
            for (ci, g) in groups.iter().enumerate() {
                for gi in members.of_group(&g.ndn) {
                    group_links.push((ci, gi));
                }
            }
        }
        drop(members);
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
