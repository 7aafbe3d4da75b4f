//! What every directory check shares: the facts, the configuration, each account's groups
//! (through nesting), populations and year groups, and helpers for evidence and targets.

use std::collections::{BTreeSet, HashMap};

use caretaker_config::{Directory, DirectoryKind};
use globset::GlobSet;
use time::OffsetDateTime;

use super::{build_globs, sh, Pop, AD_ADMIN_GROUPS};
use crate::directory::dn::{self, FastMap};
use crate::directory::parse::{Account, BadValue, Facts};
use crate::directory::people;
use crate::model::{format_rfc3339, Evidence, Finding, Target, TargetKind};

/// Everything the checks share: group closures, populations, year groups, patterns. A check in a
/// file of its own reads it through the `pub(crate)` methods below.
pub(crate) struct Ctx<'a> {
    pub(super) f: &'a Facts,
    pub(crate) dir: &'a Directory,
    pub(super) now: OffsetDateTime,
    /// Per account: every group it is in, directly or through other groups (indices into f.groups).
    pub(super) closure: Closure,
    pub(super) group_by_dn: FastMap<&'a str, usize>,
    /// Per account: population bits.
    pub(super) pops: Vec<u8>,
    /// Per account: the year group it belongs to (index into dir.year_groups).
    pub(super) year: Vec<Option<usize>>,
    /// Privileged groups (indices into f.groups), in naming order.
    pub(super) privileged: Vec<usize>,
    /// Configured group DNs that were not found, with the setting that names them.
    pub(super) missing_groups: Vec<(String, String)>,
    /// Why an account looks shared, generic or for testing (see [`crate::directory::people`]), by
    /// account number; only those that do (usually few of many thousands).
    shared: FastMap<usize, String>,
    pub(super) admin: GlobSet,
    /// Patterns that could not be compiled (config validation should have caught them).
    pub(super) bad_patterns: Vec<String>,
    /// The password and lockout findings, judged together once.
    policies: std::sync::OnceLock<(Vec<Finding>, Vec<Finding>)>,
}

/// Every account's group closure, deduplicated.
pub(super) struct Closure {
    sets: Vec<BTreeSet<usize>>,
    /// Per account: an index into `sets`.
    of: Vec<u32>,
}

impl Closure {
    pub(super) fn get(&self, account: usize) -> Option<&BTreeSet<usize>> {
        self.of
            .get(account)
            .and_then(|id| self.sets.get(*id as usize))
    }
}

impl<'a> Ctx<'a> {
    pub(super) fn new(f: &'a Facts, dir: &'a Directory, now: OffsetDateTime) -> Self {
        let group_by_dn: FastMap<&str, usize> = f
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.ndn.as_str(), i))
            .collect();
        let group_by_sid: HashMap<String, usize> = f
            .groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.sid.as_ref().map(|s| (s.to_string(), i)))
            .collect();

        // Each group's ancestors (itself included), breadth first, cycles tolerated.
        let ancestors: Vec<BTreeSet<usize>> = (0..f.groups.len())
            .map(|start| {
                let mut seen = BTreeSet::from([start]);
                let mut queue = vec![start];
                while let Some(g) = queue.pop() {
                    for p in f.groups.get(g).map(|g| g.parents.as_slice()).unwrap_or(&[]) {
                        if let Some(&pi) = group_by_dn.get(p.as_str()) {
                            if seen.insert(pi) {
                                queue.push(pi);
                            }
                        }
                    }
                }
                seen
            })
            .collect();

        // Per account, the groups it is in through any path. Accounts with the same direct groups
        // (thousands of pupils in one group) share one set.
        let mut sets: Vec<BTreeSet<usize>> = vec![BTreeSet::new()];
        let mut by_single: Vec<Option<u32>> = vec![None; f.groups.len()];
        let mut by_many: FastMap<Vec<usize>, u32> = FastMap::default();
        let mut closure_of: Vec<u32> = Vec::with_capacity(f.accounts.len());
        for a in &f.accounts {
            let mut direct: Vec<usize> = a
                .groups
                .iter()
                .filter_map(|g| group_by_dn.get(&**g).copied())
                .chain(
                    a.primary_group()
                        .as_ref()
                        .and_then(|s| group_by_sid.get(&s.to_string()).copied()),
                )
                .collect();
            direct.sort_unstable();
            direct.dedup();
            let union = |direct: &[usize]| {
                let mut set = BTreeSet::new();
                for g in direct {
                    if let Some(anc) = ancestors.get(*g) {
                        set.extend(anc.iter().copied());
                    }
                }
                set
            };
            let id = match direct.as_slice() {
                [] => 0,
                [g] => match by_single.get(*g).copied().flatten() {
                    Some(id) => id,
                    None => {
                        let id = u32::try_from(sets.len()).unwrap_or(u32::MAX);
                        sets.push(union(&direct));
                        if let Some(slot) = by_single.get_mut(*g) {
                            *slot = Some(id);
                        }
                        id
                    }
                },
                _ => match by_many.get(&direct) {
                    Some(id) => *id,
                    None => {
                        let id = u32::try_from(sets.len()).unwrap_or(u32::MAX);
                        sets.push(union(&direct));
                        by_many.insert(direct, id);
                        id
                    }
                },
            };
            closure_of.push(id);
        }
        let closure = Closure {
            sets,
            of: closure_of,
        };

        let mut missing_groups = Vec::new();
        let find_group =
            |dn_: &str, setting: &str, missing: &mut Vec<(String, String)>| -> Option<usize> {
                let found = group_by_dn.get(dn::normalize(dn_).as_str()).copied();
                if found.is_none() {
                    missing.push((setting.to_string(), dn_.to_string()));
                }
                found
            };

        // Privileged groups.
        let mut privileged = Vec::new();
        if !dir.privileged_groups.is_empty() {
            for g in &dir.privileged_groups {
                if let Some(i) = find_group(g, "privileged_groups", &mut missing_groups) {
                    privileged.push(i);
                }
            }
        } else if f.kind == DirectoryKind::ActiveDirectory {
            for (name, rid, _) in AD_ADMIN_GROUPS {
                for (i, g) in f.groups.iter().enumerate() {
                    let by_name = g.name.eq_ignore_ascii_case(name);
                    let by_sid = g.sid.as_ref().is_some_and(|s| {
                        s.rid() == Some(rid)
                            && (rid != 544 || (s.authority == 5 && s.subs.first() == Some(&32)))
                    });
                    if (by_name || by_sid) && !privileged.contains(&i) {
                        privileged.push(i);
                    }
                }
            }
        } else {
            for g in &dir.populations.admins.groups {
                if let Some(i) = group_by_dn.get(dn::normalize(g).as_str()).copied() {
                    privileged.push(i);
                }
            }
        }

        // Populations, and year groups (the first that matches). Each account's normalized DN
        // is made once, and only when some OU is configured.
        struct Rule {
            ous: Vec<String>,
            groups: Vec<usize>,
        }
        let mut pop_rules: Vec<(Pop, Rule)> = Vec::new();
        for pop in Pop::ALL {
            let cfg = pop.config(dir);
            let ous: Vec<String> = cfg.ous.iter().map(|o| dn::normalize(o)).collect();
            let setting = format!("populations.{}.groups", pop.key());
            let groups: Vec<usize> = cfg
                .groups
                .iter()
                .filter_map(|g| find_group(g, &setting, &mut missing_groups))
                .collect();
            pop_rules.push((pop, Rule { ous, groups }));
        }
        let mut year_rules: Vec<Rule> = Vec::new();
        for (yi, yg) in dir.year_groups.iter().enumerate() {
            let setting = format!("year_groups[{}].group ({})", yi, yg.name);
            let group = yg
                .group
                .as_ref()
                .and_then(|g| find_group(g, &setting, &mut missing_groups));
            year_rules.push(Rule {
                ous: yg.ou.iter().map(|o| dn::normalize(o)).collect(),
                groups: group.into_iter().collect(),
            });
        }
        let any_ou = pop_rules.iter().any(|(_, r)| !r.ous.is_empty())
            || year_rules.iter().any(|r| !r.ous.is_empty());
        let mut pops = vec![0u8; f.accounts.len()];
        let mut year = vec![None; f.accounts.len()];
        for (i, a) in f.accounts.iter().enumerate() {
            let ndn = if any_ou { a.ndn() } else { String::new() };
            let c = closure.get(i);
            let matches = |r: &Rule| {
                r.ous.iter().any(|o| dn::is_under(&ndn, o))
                    || c.is_some_and(|c| r.groups.iter().any(|g| c.contains(g)))
            };
            for (pop, rule) in &pop_rules {
                let by_rights = *pop == Pop::Admins
                    && f.kind == DirectoryKind::ActiveDirectory
                    && c.is_some_and(|c| privileged.iter().any(|g| c.contains(g)));
                if by_rights || matches(rule) {
                    if let Some(p) = pops.get_mut(i) {
                        *p |= pop.bit();
                    }
                }
            }
            if let Some(slot) = year.get_mut(i) {
                *slot = year_rules.iter().position(matches);
            }
        }

        let mut bad_patterns = Vec::new();
        let shared = build_globs(&dir.shared_login_patterns, true, &mut bad_patterns);
        let shared = f
            .accounts
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let configured = if a
                    .name()
                    .bytes()
                    .any(|c| c.is_ascii_uppercase() || c >= 0x80)
                {
                    shared.is_match(a.name().to_lowercase())
                } else {
                    shared.is_match(a.name())
                };
                people::shared_reason(a, configured).map(|why| (i, why))
            })
            .collect();
        let admin = build_globs(&dir.admin_account_patterns, false, &mut bad_patterns);
        Ctx {
            f,
            dir,
            now,
            closure,
            group_by_dn,
            pops,
            year,
            privileged,
            missing_groups,
            shared,
            admin,
            bad_patterns,
            policies: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn policies(&self) -> &(Vec<Finding>, Vec<Finding>) {
        self.policies.get_or_init(|| self.password_policies())
    }

    // ----- what checks in files of their own read ------------------------------------------

    /// The names of the groups that give full admin rights, in naming order (empty when none is
    /// configured or found).
    pub(crate) fn privileged_group_names(&self) -> Vec<&'a str> {
        self.privileged
            .iter()
            .filter_map(|g| self.f.groups.get(*g))
            .map(|g| g.name.as_str())
            .collect()
    }

    /// Configured privileged groups that were not found (their DNs).
    pub(crate) fn missing_privileged_groups(&self) -> Vec<&str> {
        self.missing_groups
            .iter()
            .filter(|(s, _)| s == "privileged_groups")
            .map(|(_, d)| d.as_str())
            .collect()
    }

    /// The accounts that hold full admin rights through the privileged groups, directly or
    /// through nested groups: the enabled ones, and those whose enabled state could not be read.
    #[allow(clippy::type_complexity)]
    pub(crate) fn admin_accounts(
        &self,
    ) -> (Vec<(usize, &'a Account)>, Vec<(&'a Account, BadValue)>) {
        let mut enabled = Vec::new();
        let mut unreadable = Vec::new();
        for (i, a) in self.f.accounts.iter().enumerate() {
            if !self.is_privileged(i) {
                continue;
            }
            match a.enabled() {
                Ok(true) => enabled.push((i, a)),
                Ok(false) => {}
                Err(bad) => unreadable.push((a, bad)),
            }
        }
        (enabled, unreadable)
    }

    /// Whether account `i` is in the population named by its key (`staff`, `pupils`, `admins`).
    pub(crate) fn in_population(&self, i: usize, key: &str) -> bool {
        let bits = self.pops.get(i).copied().unwrap_or(0);
        Pop::ALL
            .iter()
            .any(|p| p.key() == key && bits & p.bit() != 0)
    }

    /// Whether the account's name matches `admin_account_patterns` (a separate admin account).
    pub(crate) fn is_admin_named(&self, a: &Account) -> bool {
        self.admin.is_match(a.name())
    }

    /// The time the checks judge against.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.now
    }

    // ----- shared helpers ------------------------------------------------------------------

    pub(crate) fn evidence(&self) -> Evidence {
        Evidence {
            source: self.f.source.clone(),
            observed_at: format_rfc3339(self.f.observed_at),
            values: Vec::new(),
        }
    }

    pub(crate) fn dir_target(&self) -> Target {
        Target::new(TargetKind::Directory, self.dir.name.clone(), "")
    }

    pub(crate) fn account_target(&self, a: &Account) -> Target {
        Target::new(
            TargetKind::Account,
            a.name().to_string(),
            self.dir.name.clone(),
        )
    }

    pub(super) fn is_ad(&self) -> bool {
        self.f.kind == DirectoryKind::ActiveDirectory
    }

    pub(super) fn account_evidence(&self, a: &Account) -> Evidence {
        let mut ev = self.evidence().with("dn", a.dn()).with("name", a.name());
        for (k, v) in a.raw() {
            ev.push(k, v);
        }
        for (k, v) in a.identity().evidence() {
            ev.push(k, v);
        }
        ev
    }

    /// An error finding for one account whose value could not be read.
    pub(crate) fn account_error(
        &self,
        check: &str,
        a: &Account,
        what: &str,
        bad: &BadValue,
    ) -> Finding {
        let mut ev = self.account_evidence(a);
        ev.push("problem", bad);
        Finding::error(
            check,
            self.account_target(a),
            format!("Could not check {what} for {}: {bad}.", a.name()),
            ev,
        )
        .fix(format!(
            "Look at the account {} in the directory; if the value is right, tell caretaker's maintainers what was read.",
            a.dn()
        ))
    }

    /// How to disable an account, as a command.
    pub(crate) fn disable_command(&self, a: &Account) -> String {
        if self.is_ad() {
            format!(
                "samba-tool user disable {n}   (Windows PowerShell: Disable-ADAccount -Identity {n})",
                n = sh(a.name())
            )
        } else {
            format!(
                "Lock it permanently (ppolicy):\nldapmodify -H {url} -D '<admin DN>' -W <<'EOF'\ndn: {dn}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\nEOF",
                url = self.dir.url,
                dn = a.dn()
            )
        }
    }

    pub(crate) fn enabled_accounts(&self) -> impl Iterator<Item = (usize, &'a Account)> + '_ {
        self.f
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.enabled(), Ok(true)))
    }

    pub(crate) fn is_shared(&self, i: usize) -> bool {
        self.shared_reason(i).is_some()
    }

    pub(super) fn shared_reason(&self, i: usize) -> Option<&str> {
        self.shared.get(&i).map(String::as_str)
    }
}
