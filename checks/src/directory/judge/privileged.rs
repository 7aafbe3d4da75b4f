//! directory.privileged: who holds admin rights, and whether admins use separate admin
//! accounts.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::context::Ctx;
use super::{names_list, plural, sh, Pop, AD_ADMIN_GROUPS, PRIVILEGED};
use crate::directory::dn;
use crate::directory::parse::{Account, Group};
use crate::directory::people;
use crate::model::{Finding, Severity, Status, Target, TargetKind};

impl<'a> Ctx<'a> {
    // ----- directory.privileged -------------------------------------------------------------------

    pub(super) fn privileged_accounts(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let priv_missing = self.missing_privileged_groups();
        for dn_ in &priv_missing {
            out.push(
                Finding::error(
                    PRIVILEGED,
                    Target::new(TargetKind::Group, dn::first_rdn_value(dn_), self.dir.name.clone()),
                    format!("Could not check the admin group {}: it was not found in \"{}\".", dn::first_rdn_value(dn_), self.dir.name),
                    self.evidence().with("privileged_groups", dn_),
                )
                .fix("Correct privileged_groups in caretaker.toml (full DNs), or give caretaker read access to the group."),
            );
        }
        if self.privileged.is_empty() {
            if priv_missing.is_empty() {
                out.push(
                    Finding::new(
                        PRIVILEGED,
                        self.dir_target(),
                        Status::Warn,
                        Severity::Medium,
                        format!("It is not known which accounts in \"{}\" have admin rights, so they could not be checked.", self.dir.name),
                        self.evidence().with("privileged_groups", "none configured or found"),
                    )
                    .fix("In caretaker.toml set privileged_groups = [\"cn=admins,ou=groups,…\"] (or populations.admins.groups)."),
                );
            }
            return out;
        }
        let (enabled, unreadable) = self.admin_accounts();
        for (a, bad) in unreadable {
            out.push(self.account_error(
                PRIVILEGED,
                a,
                "whether this admin account is switched on",
                &bad,
            ));
        }
        let admins: Vec<(usize, &Account, usize)> = enabled
            .into_iter()
            .filter_map(|(i, a)| {
                let c = self.closure.get(i)?;
                let g = *self.privileged.iter().find(|g| c.contains(g))?;
                Some((i, a, g))
            })
            .collect();
        // The accounts whose (lowercased) names an admin account may be named after; only those
        // are indexed (a later account of the same name wins, as in a map of every account).
        let wanted: HashSet<String> = admins
            .iter()
            .flat_map(|(_, a, _)| people::admin_convention(a.name()))
            .map(|(base, _)| base)
            .collect();
        let by_name: HashMap<String, usize> = if wanted.is_empty() {
            HashMap::new()
        } else {
            self.f
                .accounts
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let n = a.name().to_lowercase();
                    wanted.contains(&n).then_some((n, i))
                })
                .collect()
        };
        let mut fails = 0usize;
        // Which admins are separate admin accounts, and how each was recognised.
        let separate: Vec<Option<String>> = admins
            .iter()
            .map(|(i, a, _)| self.separate_admin(*i, a, &by_name))
            .collect();
        let separate_ones: Vec<String> = admins
            .iter()
            .zip(&separate)
            .filter_map(|((_, a, _), why)| why.as_ref().map(|w| format!("{} ({w})", a.name())))
            .collect();
        for ((i, a, g), why) in admins.iter().zip(&separate) {
            if why.is_some() {
                continue;
            }
            fails += 1;
            let g = *g;
            let group = self.f.groups.get(g);
            let gname = group.map(|g| g.name.clone()).unwrap_or_default();
            let role = AD_ADMIN_GROUPS
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(&gname))
                .map(|(_, _, r)| r.to_string())
                .filter(|_| self.is_ad())
                .unwrap_or_else(|| format!("in the admin group {gname}"));
            let via: Vec<&Group> = self
                .via(a, g)
                .into_iter()
                .filter_map(|i| self.f.groups.get(i))
                .collect();
            let mut ev = self.account_evidence(a).with(
                "privileged_group",
                group.map(|g| g.dn.as_str()).unwrap_or_default(),
            );
            if !via.is_empty() {
                ev.push(
                    "through",
                    via.iter()
                        .map(|g| g.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            ev.push(
                "admin_account_patterns",
                self.dir.admin_account_patterns.join(", "),
            );
            ev.push("why_everyday", self.why_everyday(*i));
            if !separate_ones.is_empty() {
                ev.push("separate_admin_accounts", separate_ones.join("; "));
            }
            // An admin account of this person's that already exists (adm.x for x).
            let partner = self.f.accounts.iter().enumerate().find(|(j, b)| {
                j != i
                    && people::admin_convention(b.name())
                        .iter()
                        .any(|(base, _)| base.eq_ignore_ascii_case(a.name()))
            });
            if let Some((_, b)) = partner {
                ev.push("admin_account", b.name());
            }
            // Take the account out of the group that gives it the rights (the first one on the way).
            let from = via.first().copied().or(group);
            let remove = if self.is_ad() {
                format!(
                    "samba-tool group removemembers {} {}",
                    sh(from.map(|g| g.name.as_str()).unwrap_or(gname.as_str())),
                    sh(a.name())
                )
            } else {
                let gdn = from.map(|g| g.dn.clone()).unwrap_or_default();
                format!(
                    "ldapmodify -H {} -D '<admin DN>' -W <<'EOF'\ndn: {gdn}\nchangetype: modify\ndelete: member\nmember: {}\nEOF\n(for a groupOfUniqueNames delete the uniqueMember value; for a posixGroup, memberUid: {})",
                    self.dir.url, a.dn(), a.name()
                )
            };
            out.push(
                Finding::new(
                    PRIVILEGED,
                    self.account_target(a),
                    Status::Fail,
                    Severity::High,
                    format!("{} is {role} but uses the same account every day: there is no separate admin account.", a.name()),
                    ev,
                )
                .fix(match partner {
                    Some((_, b)) => format!(
                        "{} already has a separate admin account, {}: use it for admin work only, and take admin rights off the everyday account:\n{remove}",
                        a.name(), b.name()
                    ),
                    None => format!(
                        "Create a separate admin account (e.g. adm.{}) for admin work only, then take admin rights off the everyday account:\n{remove}",
                        a.name()
                    ),
                }),
            );
        }
        let names: Vec<&str> = admins.iter().map(|(_, a, _)| a.name()).collect();
        let groups = self.privileged_group_names();
        // How many hold admin rights is a check of its own (directory.admin-count).
        if fails == 0 && priv_missing.is_empty() {
            out.push(Finding::new(
                PRIVILEGED,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "{} in \"{}\" {} admin rights, and {} a separate admin account.",
                    plural(admins.len(), "account", "accounts"),
                    self.dir.name,
                    if admins.len() == 1 { "has" } else { "have" },
                    if admins.len() == 1 {
                        "it is"
                    } else {
                        "each is"
                    }
                ),
                self.evidence()
                    .with("count", admins.len())
                    .with("accounts", names_list(&names))
                    .with("groups", groups.join(", "))
                    .with("separate_because", separate_ones.join("; ")),
            ));
        }
        out
    }

    /// Why a privileged account is a separate admin account, from what the directory says; `None`
    /// when it is someone's everyday account. See [`people`] and caretaker.toml(5), SHARED AND
    /// ADMIN ACCOUNTS.
    fn separate_admin(
        &self,
        i: usize,
        a: &Account,
        by_name: &HashMap<String, usize>,
    ) -> Option<String> {
        if self.is_ad() && a.rid() == Some(500) {
            return Some("the built-in Administrator account".into());
        }
        if self.admin.is_match(a.name()) {
            return Some("its name matches admin_account_patterns".into());
        }
        for (base, affix) in people::admin_convention(a.name()) {
            if let Some(b) = by_name
                .get(&base)
                .filter(|j| **j != i)
                .and_then(|j| self.f.accounts.get(*j))
            {
                return Some(format!(
                    "named after the everyday account {} with \"{affix}\"",
                    b.name()
                ));
            }
        }
        let everyday = Pop::Staff.bit() | Pop::Pupils.bit();
        let bits = self.pops.get(i).copied().unwrap_or(0);
        if bits & everyday != 0 {
            // An everyday account (in Staff, say) is not made separate by a look-alike elsewhere.
            return None;
        }
        for (j, b) in self.f.accounts.iter().enumerate() {
            if j == i {
                continue;
            }
            let b_bits = self.pops.get(j).copied().unwrap_or(0);
            if self.is_privileged(j) && b_bits & everyday == 0 {
                continue;
            }
            if let Some(how) = people::same_person(&a.identity(), &b.identity()) {
                return Some(format!(
                    "the admin account of {}, recognised by {how}",
                    b.name()
                ));
            }
        }
        for o in &self.dir.populations.admins.ous {
            if dn::is_under(&a.ndn(), &dn::normalize(o)) {
                return Some(format!(
                    "it lives in {o} (populations.admins.ous), apart from everyday accounts"
                ));
            }
        }
        let admin_groups: Vec<usize> = self
            .dir
            .populations
            .admins
            .groups
            .iter()
            .filter_map(|g| self.group_by_dn.get(dn::normalize(g).as_str()).copied())
            .collect();
        let only_admin = !a.groups.is_empty()
            && a.groups.iter().all(|d| {
                self.group_by_dn.get(&**d).is_some_and(|gi| {
                    admin_groups.contains(gi)
                        || self
                            .privileged
                            .iter()
                            .any(|p| !self.via_group(*gi, *p).is_empty())
                })
            });
        if only_admin {
            return Some("it is in admin groups only".into());
        }
        None
    }

    /// Whether account `i` holds admin rights through any privileged group.
    pub(super) fn is_privileged(&self, i: usize) -> bool {
        self.closure
            .get(i)
            .is_some_and(|c| self.privileged.iter().any(|g| c.contains(g)))
    }

    /// Group `from` itself when it reaches group `to` (is it or is nested in it), else empty.
    fn via_group(&self, from: usize, to: usize) -> Vec<usize> {
        let mut seen = BTreeSet::from([from]);
        let mut queue = vec![from];
        while let Some(x) = queue.pop() {
            if x == to {
                return vec![from];
            }
            for p in self
                .f
                .groups
                .get(x)
                .map(|x| x.parents.as_slice())
                .unwrap_or(&[])
            {
                if let Some(&pi) = self.group_by_dn.get(p.as_str()) {
                    if seen.insert(pi) {
                        queue.push(pi);
                    }
                }
            }
        }
        Vec::new()
    }

    /// Why a privileged account counts as an everyday account, for evidence.
    fn why_everyday(&self, i: usize) -> String {
        let bits = self.pops.get(i).copied().unwrap_or(0);
        let mut v = Vec::new();
        for pop in [Pop::Staff, Pop::Pupils] {
            if bits & pop.bit() != 0 {
                v.push(format!(
                    "it is one of the {} accounts",
                    pop.key().trim_end_matches('s')
                ));
            }
        }
        if v.is_empty() {
            v.push("no sign of a separate admin account: its name, OU and groups are an everyday account's and no everyday account of the same person was found".to_string());
        }
        v.join("; ")
    }

    /// The account's direct groups through which it reaches privileged group `g` (empty if direct).
    fn via(&self, a: &Account, g: usize) -> Vec<usize> {
        let Some(target) = self.f.groups.get(g) else {
            return Vec::new();
        };
        if a.groups.iter().any(|d| **d == *target.ndn) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for d in a.groups.iter() {
            let Some(&di) = self.group_by_dn.get(&**d) else {
                continue;
            };
            // Does this direct group reach g?
            let mut seen = BTreeSet::from([di]);
            let mut queue = vec![di];
            let mut reaches = false;
            while let Some(x) = queue.pop() {
                if x == g {
                    reaches = true;
                    break;
                }
                for p in self
                    .f
                    .groups
                    .get(x)
                    .map(|x| x.parents.as_slice())
                    .unwrap_or(&[])
                {
                    if let Some(&pi) = self.group_by_dn.get(p.as_str()) {
                        if seen.insert(pi) {
                            queue.push(pi);
                        }
                    }
                }
            }
            if reaches {
                out.push(di);
            }
        }
        out
    }
}
