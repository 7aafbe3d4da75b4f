//! OpenLDAP group membership, worked out while the entries arrive: which groups each account and
//! group is directly in, from the groups' `member`, `uniqueMember` and `memberUid` values.
//!
//! A member that is an account already read is linked to it at once (two numbers), and so is an
//! account named by groups read before it, so the large member lists of big groups (every pupil
//! in "pupils") are not kept as text once their accounts are read; other members (nested groups,
//! accounts not read) are kept until the end.

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use super::{Account, Accounts};
use crate::directory::dn;

/// The groups one member is listed in, in the order they arrived; one group costs no allocation.
#[derive(Debug)]
struct MemberOf {
    first: u32,
    more: Vec<u32>,
}

impl MemberOf {
    fn add(map: &mut dn::FastMap<Box<str>, MemberOf>, member: String, group: u32) {
        match map.get_mut(member.as_str()) {
            Some(m) => m.more.push(group),
            None => {
                map.insert(
                    member.into_boxed_str(),
                    MemberOf {
                        first: group,
                        more: Vec::new(),
                    },
                );
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

/// What the groups read so far say about their members.
#[derive(Debug, Default)]
pub(super) struct Members {
    /// The accounts read so far (indices), by a hash of their normalized DN; `seen_more` holds
    /// those whose hash an earlier account already has. A hit is always checked against the DN.
    /// Made only when a group arrives after accounts (OpenLDAP's groups are read first, so
    /// usually never): `indexed` accounts are in it.
    seen: dn::FastMap<u64, u32>,
    seen_more: dn::FastMap<u64, Vec<u32>>,
    indexed: usize,
    /// (account, group) for members that were accounts already read.
    links: Vec<(u32, u32)>,
    /// Other member DNs (normalized), and `memberUid` values (lowercased), with their groups.
    by_member: dn::FastMap<Box<str>, MemberOf>,
    by_uid: dn::FastMap<Box<str>, MemberOf>,
}

fn hash(ndn: &str) -> u64 {
    std::hash::BuildHasherDefault::<dn::FxHasher>::default().hash_one(ndn)
}

impl Members {
    /// Notes account number `index`, just read.
    pub(super) fn account(&mut self, index: usize, a: &Account) {
        let Ok(index) = u32::try_from(index) else {
            return;
        };
        if self.by_member.is_empty() {
            return;
        }
        // Groups read before it (OpenLDAP's groups come first) name it by DN: two numbers now,
        // and the DN's text is let go. The table shrinks as it empties, so that what the groups
        // named is not held twice over while the accounts arrive.
        if let Some(m) = self.by_member.remove(a.ndn().as_str()) {
            self.links.extend(m.iter().map(|g| (index, g)));
            let room = self.by_member.capacity();
            if room > 1024 && self.by_member.len() < room / 2 {
                self.by_member.shrink_to_fit();
            }
        }
    }

    /// Puts the accounts read since the last group into the index by DN.
    fn index(&mut self, accounts: &Accounts) {
        for i in self.indexed..accounts.len() {
            let (Some(a), Ok(index)) = (accounts.get(i), u32::try_from(i)) else {
                continue;
            };
            let h = hash(&a.ndn());
            match self.seen.entry(h) {
                Entry::Vacant(slot) => {
                    slot.insert(index);
                }
                Entry::Occupied(_) => self.seen_more.entry(h).or_default().push(index),
            }
        }
        self.indexed = accounts.len();
    }

    /// Notes group number `group`'s members: `dns` normalized, `uids` lowercased.
    pub(super) fn group(
        &mut self,
        group: usize,
        dns: impl Iterator<Item = String>,
        uids: impl Iterator<Item = String>,
        accounts: &Accounts,
    ) {
        let gi = u32::try_from(group).unwrap_or(u32::MAX);
        self.index(accounts);
        for m in dns {
            let h = hash(&m);
            let mut found = false;
            let candidates = self
                .seen
                .get(&h)
                .into_iter()
                .chain(self.seen_more.get(&h).into_iter().flatten());
            for &ai in candidates {
                if accounts
                    .get(ai as usize)
                    .is_some_and(|a| dn::normalize(a.dn()) == m)
                {
                    self.links.push((ai, gi));
                    found = true;
                }
            }
            if !found {
                MemberOf::add(&mut self.by_member, m, gi);
            }
        }
        for u in uids {
            MemberOf::add(&mut self.by_uid, u, gi);
        }
    }

    /// Whether nothing names any member (then there is nothing to look up).
    pub(super) fn is_empty(&self) -> bool {
        self.links.is_empty() && self.by_member.is_empty() && self.by_uid.is_empty()
    }

    /// The groups account number `index` is directly in (indices, in the order the groups
    /// arrived, then those naming it by `memberUid`), each once. Call for accounts in order.
    pub(super) fn of_account(
        &self,
        index: usize,
        ndn: &str,
        name: &str,
        links: &mut std::iter::Peekable<std::slice::Iter<'_, (u32, u32)>>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        while let Some((ai, gi)) = links.peek() {
            if *ai as usize > index {
                break;
            }
            if *ai as usize == index {
                out.push(*gi as usize);
            }
            links.next();
        }
        if let Some(m) = self.by_member.get(ndn) {
            out.extend(m.iter().map(|g| g as usize));
        }
        out.sort_unstable();
        out.dedup();
        if !self.by_uid.is_empty() {
            if let Some(m) = self.by_uid.get(name.to_lowercase().as_str()) {
                for g in m.iter().map(|g| g as usize) {
                    if !out.contains(&g) {
                        out.push(g);
                    }
                }
            }
        }
    }

    /// Sorts the links by account, for [`Members::of_account`], once every entry is read (and
    /// lets go of the index of accounts, no longer needed).
    pub(super) fn finish_reading(&mut self) {
        self.links.sort_unstable();
        self.seen = dn::FastMap::default();
        self.seen_more = dn::FastMap::default();
    }

    /// The (account, group) links, sorted once [`Members::finish_reading`] ran.
    pub(super) fn links(&self) -> &[(u32, u32)] {
        &self.links
    }

    /// The groups that list group `ndn` as a member (indices, in the order they arrived).
    pub(super) fn of_group(&self, ndn: &str) -> Vec<usize> {
        self.by_member
            .get(ndn)
            .map(|m| m.iter().map(|g| g as usize).collect())
            .unwrap_or_default()
    }
}
