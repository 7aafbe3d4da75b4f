//! Pure functions from facts, the directory's configuration and `now` to findings.
//!
//! Every summary is one sentence a headteacher understands; the evidence holds what was read; every
//! finding that is not a pass says what to do.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use caretaker_config::{
    Directory, DirectoryKind, NeverExpires, Population, Thresholds, ADMIN_DEFAULTS, PUPIL_DEFAULTS,
    STAFF_DEFAULTS,
};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use time::OffsetDateTime;

use super::dn::{self, FastMap};
use super::parse::{Account, BadValue, Facts, Group, NoPassword, Policy, PolicySource};
use super::people;
use crate::model::{format_rfc3339, Evidence, Finding, Severity, Status, Target, TargetKind};
use crate::registry::CheckSpec;

pub(crate) const CONNECT: &str = super::CONNECT.id;
pub(crate) const PASSWORD_POLICY: &str = super::PASSWORD_POLICY.id;
pub(crate) const LOCKOUT: &str = super::LOCKOUT.id;
pub(crate) const PASSWORD_NOT_REQUIRED: &str = super::PASSWORD_NOT_REQUIRED.id;
pub(crate) const PASSWORD_NEVER_EXPIRES: &str = super::PASSWORD_NEVER_EXPIRES.id;
pub(crate) const STALE_ACCOUNTS: &str = super::STALE_ACCOUNTS.id;
pub(crate) const GUEST: &str = super::GUEST.id;
pub(crate) const PRIVILEGED: &str = super::PRIVILEGED.id;
pub(crate) const SHARED_LOGINS: &str = super::SHARED_LOGINS.id;
pub(crate) const OWN_LOGINS: &str = super::OWN_LOGINS.id;

/// How many names an aggregate finding lists in its evidence.
const MAX_NAMES: usize = 20;

/// The built-in AD groups whose members hold full admin rights, in the order a finding names them,
/// with their well-known RIDs (Administrators is S-1-5-32-544).
const AD_ADMIN_GROUPS: [(&str, u32, &str); 4] = [
    ("Domain Admins", 512, "a Domain Admin"),
    ("Enterprise Admins", 519, "an Enterprise Admin"),
    ("Schema Admins", 518, "a Schema Admin"),
    ("Administrators", 544, "in the Administrators group"),
];

/// The three populations, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pop {
    Staff,
    Pupils,
    Admins,
}

impl Pop {
    const ALL: [Pop; 3] = [Pop::Staff, Pop::Pupils, Pop::Admins];

    fn key(self) -> &'static str {
        match self {
            Pop::Staff => "staff",
            Pop::Pupils => "pupils",
            Pop::Admins => "admins",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Pop::Staff => 1,
            Pop::Pupils => 2,
            Pop::Admins => 4,
        }
    }

    fn config(self, dir: &Directory) -> &Population {
        match self {
            Pop::Staff => &dir.populations.staff,
            Pop::Pupils => &dir.populations.pupils,
            Pop::Admins => &dir.populations.admins,
        }
    }

    fn thresholds(self, dir: &Directory) -> Thresholds {
        let defaults = match self {
            Pop::Staff => STAFF_DEFAULTS,
            Pop::Pupils => PUPIL_DEFAULTS,
            Pop::Admins => ADMIN_DEFAULTS,
        };
        self.config(dir).thresholds(defaults)
    }
}

/// Everything the checks share: group closures, populations, year groups, patterns. A check in a
/// file of its own reads it through the `pub(crate)` methods below.
pub(crate) struct Ctx<'a> {
    f: &'a Facts,
    pub(crate) dir: &'a Directory,
    now: OffsetDateTime,
    /// Per account: every group it is in, directly or through other groups (indices into f.groups).
    closure: Closure,
    group_by_dn: FastMap<&'a str, usize>,
    /// Per account: population bits.
    pops: Vec<u8>,
    /// Per account: the year group it belongs to (index into dir.year_groups).
    year: Vec<Option<usize>>,
    /// Privileged groups (indices into f.groups), in naming order.
    privileged: Vec<usize>,
    /// Configured group DNs that were not found, with the setting that names them.
    missing_groups: Vec<(String, String)>,
    /// Per account: why it looks shared, generic or for testing (see [`super::people`]).
    shared: Vec<Option<String>>,
    admin: GlobSet,
    /// Patterns that could not be compiled (config validation should have caught them).
    bad_patterns: Vec<String>,
    /// The password and lockout findings, judged together once.
    policies: std::sync::OnceLock<(Vec<Finding>, Vec<Finding>)>,
}

/// Every account's group closure, deduplicated.
struct Closure {
    sets: Vec<BTreeSet<usize>>,
    /// Per account: an index into `sets`.
    of: Vec<u32>,
}

impl Closure {
    fn get(&self, account: usize) -> Option<&BTreeSet<usize>> {
        self.of
            .get(account)
            .and_then(|id| self.sets.get(*id as usize))
    }
}

/// Judges one directory. Findings come in [`super::CHECK_IDS`] order: each check of
/// [`super::CHECKS`] in turn.
pub fn judge(f: &Facts, dir: &Directory, now: OffsetDateTime) -> Vec<Finding> {
    let ctx = Ctx::new(f, dir, now);
    super::CHECKS
        .iter()
        .flat_map(|(spec, run)| run(&ctx, spec))
        .collect()
}

/// The checks judged in this file, by id (each of [`super::CHECKS`] that names this function).
pub(crate) fn builtin(ctx: &Ctx<'_>, spec: &CheckSpec) -> Vec<Finding> {
    match spec.id {
        CONNECT => vec![ctx.connect()],
        PASSWORD_POLICY => ctx.policies().0.clone(),
        LOCKOUT => ctx.policies().1.clone(),
        PASSWORD_NOT_REQUIRED => ctx.password_not_required(),
        PASSWORD_NEVER_EXPIRES => ctx.password_never_expires(),
        STALE_ACCOUNTS => ctx.stale_accounts(),
        GUEST => ctx.guest(),
        PRIVILEGED => ctx.privileged_accounts(),
        SHARED_LOGINS => ctx.shared_logins(),
        OWN_LOGINS => ctx.own_logins(),
        _ => Vec::new(),
    }
}

/// Case-insensitive glob patterns. With `lowercase`, the patterns are lowercased and matched
/// case-sensitively against lowercased names, which lets globset use its fast literal
/// prefix/suffix strategies (the shared-login patterns are matched against every account).
fn build_globs(patterns: &[String], lowercase: bool, bad: &mut Vec<String>) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let built = if lowercase {
            GlobBuilder::new(&p.to_lowercase())
                .literal_separator(false)
                .build()
        } else {
            GlobBuilder::new(p)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
        };
        match built {
            Ok(g) => {
                b.add(g);
            }
            Err(e) => bad.push(format!("{p}: {e}")),
        }
    }
    b.build().unwrap_or_else(|e| {
        bad.push(e.to_string());
        GlobSet::empty()
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Quotes a name for a shell command line when it needs it.
fn sh(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

fn names_list(names: &[&str]) -> String {
    let mut shown: Vec<&str> = names.iter().take(MAX_NAMES).copied().collect();
    shown.sort_unstable();
    let mut s = shown.join(", ");
    if names.len() > MAX_NAMES {
        s.push_str(&format!(" (and {} more)", names.len() - MAX_NAMES));
    }
    s
}

impl<'a> Ctx<'a> {
    fn new(f: &'a Facts, dir: &'a Directory, now: OffsetDateTime) -> Self {
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
                .filter_map(|g| group_by_dn.get(g.as_str()).copied())
                .chain(
                    a.primary_group
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

        // Populations.
        let mut pops = vec![0u8; f.accounts.len()];
        for pop in Pop::ALL {
            let cfg = pop.config(dir);
            let ous: Vec<String> = cfg.ous.iter().map(|o| dn::normalize(o)).collect();
            let setting = format!("populations.{}.groups", pop.key());
            let groups: Vec<usize> = cfg
                .groups
                .iter()
                .filter_map(|g| find_group(g, &setting, &mut missing_groups))
                .collect();
            for (i, a) in f.accounts.iter().enumerate() {
                let by_ou = ous.iter().any(|o| dn::is_under(&a.ndn, o));
                let by_group = closure
                    .get(i)
                    .is_some_and(|c| groups.iter().any(|g| c.contains(g)));
                let by_rights = pop == Pop::Admins
                    && f.kind == DirectoryKind::ActiveDirectory
                    && closure
                        .get(i)
                        .is_some_and(|c| privileged.iter().any(|g| c.contains(g)));
                if by_ou || by_group || by_rights {
                    if let Some(p) = pops.get_mut(i) {
                        *p |= pop.bit();
                    }
                }
            }
        }

        // Year groups: the first that matches.
        let mut year = vec![None; f.accounts.len()];
        for (yi, yg) in dir.year_groups.iter().enumerate() {
            let ou = yg.ou.as_ref().map(|o| dn::normalize(o));
            let setting = format!("year_groups[{}].group ({})", yi, yg.name);
            let group = yg
                .group
                .as_ref()
                .and_then(|g| find_group(g, &setting, &mut missing_groups));
            for (i, a) in f.accounts.iter().enumerate() {
                let by_ou = ou.as_ref().is_some_and(|o| dn::is_under(&a.ndn, o));
                let by_group =
                    group.is_some_and(|g| closure.get(i).is_some_and(|c| c.contains(&g)));
                if by_ou || by_group {
                    if let Some(slot) = year.get_mut(i) {
                        if slot.is_none() {
                            *slot = Some(yi);
                        }
                    }
                }
            }
        }

        let mut bad_patterns = Vec::new();
        let shared = build_globs(&dir.shared_login_patterns, true, &mut bad_patterns);
        let shared = f
            .accounts
            .iter()
            .map(|a| {
                let configured = if a.name.bytes().any(|c| c.is_ascii_uppercase() || c >= 0x80) {
                    shared.is_match(a.name.to_lowercase())
                } else {
                    shared.is_match(&a.name)
                };
                people::shared_reason(a, configured)
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

    fn policies(&self) -> &(Vec<Finding>, Vec<Finding>) {
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
    ) -> (Vec<(usize, &'a Account)>, Vec<(&'a Account, &'a BadValue)>) {
        let mut enabled = Vec::new();
        let mut unreadable = Vec::new();
        for (i, a) in self.f.accounts.iter().enumerate() {
            if !self.is_privileged(i) {
                continue;
            }
            match &a.enabled {
                Ok(true) => enabled.push((i, a)),
                Ok(false) => {}
                Err(bad) => unreadable.push((a, bad)),
            }
        }
        (enabled, unreadable)
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

    fn account_target(&self, a: &Account) -> Target {
        Target::new(TargetKind::Account, a.name.clone(), self.dir.name.clone())
    }

    fn is_ad(&self) -> bool {
        self.f.kind == DirectoryKind::ActiveDirectory
    }

    fn account_evidence(&self, a: &Account) -> Evidence {
        let mut ev = self.evidence().with("dn", &a.dn).with("name", &a.name);
        for (k, v) in &a.raw {
            ev.push(*k, v);
        }
        for (k, v) in a.identity.evidence() {
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
            format!("Could not check {what} for {}: {bad}.", a.name),
            ev,
        )
        .fix(format!(
            "Look at the account {} in the directory; if the value is right, tell caretaker's maintainers what was read.",
            a.dn
        ))
    }

    /// How to disable an account, as a command.
    fn disable_command(&self, a: &Account) -> String {
        if self.is_ad() {
            format!(
                "samba-tool user disable {n}   (Windows PowerShell: Disable-ADAccount -Identity {n})",
                n = sh(&a.name)
            )
        } else {
            format!(
                "Lock it permanently (ppolicy):\nldapmodify -H {url} -D '<admin DN>' -W <<'EOF'\ndn: {dn}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\nEOF",
                url = self.dir.url,
                dn = a.dn
            )
        }
    }

    fn enabled_accounts(&self) -> impl Iterator<Item = (usize, &'a Account)> + '_ {
        self.f
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.enabled, Ok(true)))
    }

    fn is_shared(&self, i: usize) -> bool {
        self.shared_reason(i).is_some()
    }

    fn shared_reason(&self, i: usize) -> Option<&str> {
        self.shared.get(i).and_then(|r| r.as_deref())
    }

    // ----- directory.connect ------------------------------------------------------------------

    fn connect(&self) -> Finding {
        let lower = self.dir.url.to_ascii_lowercase();
        let encryption = if lower.starts_with("ldaps://") {
            "TLS (ldaps)"
        } else if self.dir.starttls {
            "TLS (StartTLS)"
        } else {
            "none"
        };
        let mut ev = self
            .evidence()
            .with("url", &self.dir.url)
            .with("encryption", encryption)
            .with("bind_dn", &self.dir.bind_dn)
            .with("base_dn", &self.dir.base_dn);
        for (k, v) in &self.f.server {
            ev.push(k.clone(), v);
        }
        ev.push("accounts", self.f.accounts.len());
        ev.push("groups", self.f.groups.len());
        ev.push(
            "password_policies",
            self.f.policies.len() + usize::from(self.f.domain_policy.is_some()),
        );
        for (k, v) in &self.f.notes {
            ev.push(k.clone(), v);
        }
        if encryption == "none" {
            Finding::new(
                CONNECT,
                self.dir_target(),
                Status::Warn,
                Severity::Medium,
                format!(
                    "The directory \"{}\" was read over an unencrypted connection, so caretaker's password crosses the network in clear.",
                    self.dir.name
                ),
                ev,
            )
            .fix("Use url = \"ldaps://host:636\", or keep ldap:// and set starttls = true, then remove allow_insecure.")
        } else {
            Finding::new(
                CONNECT,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "The directory \"{}\" was read over an encrypted connection.",
                    self.dir.name
                ),
                ev,
            )
        }
    }

    // ----- directory.password-policy and directory.lockout ------------------------------------

    fn find_policy(&self, dn_: &str) -> Option<&'a Policy> {
        let n = dn::normalize(dn_);
        self.f.policies.iter().find(|p| p.ndn == n)
    }

    /// The OpenLDAP default policy, and how it was found.
    fn openldap_default(&self) -> Choice<'a> {
        if let Some(d) = &self.dir.default_policy {
            return match self.find_policy(d) {
                Some(p) => {
                    Choice::Found(p, "the default policy (default_policy in caretaker.toml)")
                }
                None => Choice::Missing {
                    dn: d.as_str(),
                    how: "default_policy in caretaker.toml names it, but it could not be read",
                },
            };
        }
        if let Some(d) = &self.f.config_default_policy {
            return match self.find_policy(d) {
                Some(p) => Choice::Found(p, "the default policy (olcPPolicyDefault in cn=config)"),
                None => Choice::Missing {
                    dn: d.as_str(),
                    how: "olcPPolicyDefault in cn=config names it, but it could not be read",
                },
            };
        }
        let conventional = format!("cn=default,ou=Policies,{}", self.f.base_dn);
        match self.find_policy(&conventional) {
            Some(p) => Choice::Found(
                p,
                "the default policy (cn=default,ou=Policies; default_policy is not set)",
            ),
            None => Choice::NoDefault,
        }
    }

    /// The policy that governs one account.
    fn policy_for(&self, i: usize, a: &'a Account, ol_default: &Choice<'a>) -> Choice<'a> {
        if self.is_ad() {
            if let Some(pso) = &a.policy {
                return match self.find_policy(pso) {
                    Some(p) => Choice::Found(p, "msDS-ResultantPSO"),
                    None => Choice::Missing {
                        dn: pso.as_str(),
                        how: "msDS-ResultantPSO names it, but caretaker could not read it",
                    },
                };
            }
            let domain = || match &self.f.domain_policy {
                Some(p) => Choice::Found(p, "the domain policy (no fine-grained policy applies)"),
                None => Choice::Missing {
                    dn: self.f.base_dn.as_str(),
                    how: "the domain root could not be read",
                },
            };
            if self.f.resultant_pso_seen {
                return domain();
            }
            // Work it out from msDS-PSOAppliesTo: a PSO linked to the user wins over group links;
            // among several, the lowest precedence wins.
            let groups: BTreeSet<&str> = self
                .closure
                .get(i)
                .map(|c| {
                    c.iter()
                        .filter_map(|g| self.f.groups.get(*g))
                        .map(|g| g.ndn.as_str())
                        .collect()
                })
                .unwrap_or_default();
            for direct in [true, false] {
                let mut best: Option<(u32, &Policy)> = None;
                for p in &self.f.policies {
                    let PolicySource::Pso {
                        precedence,
                        applies_to,
                    } = &p.source
                    else {
                        continue;
                    };
                    let applies = if direct {
                        applies_to.contains(&a.ndn)
                    } else {
                        applies_to.iter().any(|t| groups.contains(t.as_str()))
                    };
                    if !applies {
                        continue;
                    }
                    match precedence {
                        Ok(n) => {
                            if best.is_none_or(|(b, _)| *n < b) {
                                best = Some((*n, p));
                            }
                        }
                        Err(bad) => return Choice::Unreadable(p, bad.clone()),
                    }
                }
                if let Some((_, p)) = best {
                    return Choice::Found(p, "msDS-PSOAppliesTo (worked out by caretaker)");
                }
            }
            domain()
        } else {
            match &a.policy {
                Some(sub) => match self.find_policy(sub) {
                    Some(p) => Choice::Found(p, "pwdPolicySubentry"),
                    None => Choice::Missing {
                        dn: sub.as_str(),
                        how: "pwdPolicySubentry names it, but caretaker could not read it",
                    },
                },
                None => ol_default.clone(),
            }
        }
    }

    fn password_policies(&self) -> (Vec<Finding>, Vec<Finding>) {
        let mut policy_findings = Vec::new();
        let mut lockout_findings = Vec::new();
        let ol_default = if self.is_ad() {
            Choice::NoDefault
        } else {
            self.openldap_default()
        };
        // Most accounts share a handful of policy references: look each one up once.
        let mut cache: FastMap<&'a str, Choice<'a>> = FastMap::default();
        let mut choice_of = |i: usize, a: &'a Account| -> Choice<'a> {
            if self.is_ad() && a.policy.is_none() && !self.f.resultant_pso_seen {
                return self.policy_for(i, a, &ol_default);
            }
            let k = a.policy.as_deref().unwrap_or("");
            if let Some(c) = cache.get(k) {
                return c.clone();
            }
            let c = self.policy_for(i, a, &ol_default);
            cache.insert(k, c.clone());
            c
        };
        let mut any_member = false;
        // Each governing policy and the accounts of every population it governs: one finding per
        // policy and check, so that every finding has a target of its own.
        let mut governed: BTreeMap<(u8, &'a str), Governed<'a>> = BTreeMap::new();
        for pop in Pop::ALL {
            let members: Vec<usize> = self
                .enabled_accounts()
                .filter(|(i, _)| self.pops.get(*i).is_some_and(|b| b & pop.bit() != 0))
                .map(|(i, _)| i)
                .collect();
            if members.is_empty() {
                let cfg = pop.config(self.dir);
                if !cfg.ous.is_empty() || !cfg.groups.is_empty() {
                    // Configured, but nobody found there: say so rather than stay silent.
                    let key = format!("populations.{}.groups", pop.key());
                    let missing: Vec<&str> = self
                        .missing_groups
                        .iter()
                        .filter(|(s, _)| *s == key)
                        .map(|(_, d)| d.as_str())
                        .collect();
                    let mut ev = self
                        .evidence()
                        .with("population", pop.key())
                        .with("ous", cfg.ous.join("; "))
                        .with("groups", cfg.groups.join("; "));
                    if !missing.is_empty() {
                        ev.push("groups_not_found", missing.join("; "));
                    }
                    for (check, what) in [
                        (PASSWORD_POLICY, "password rules"),
                        (LOCKOUT, "lockout rules"),
                    ] {
                        let f = Finding::new(
                            check,
                            self.target_population(pop),
                            Status::Warn,
                            Severity::Medium,
                            format!(
                                "No enabled {} accounts were found where caretaker.toml says they are, so their {what} were not checked.",
                                pop.key().trim_end_matches('s')
                            ),
                            ev.clone(),
                        )
                        .fix(format!(
                            "Check [directory.populations.{}] in caretaker.toml: `ous` and `groups` must be full DNs that exist under base_dn ({}).",
                            pop.key(),
                            self.dir.base_dn
                        ));
                        if check == PASSWORD_POLICY {
                            policy_findings.push(f);
                        } else {
                            lockout_findings.push(f);
                        }
                    }
                    any_member = true;
                }
                continue;
            }
            any_member = true;
            for &i in &members {
                let Some(a) = self.f.accounts.get(i) else {
                    continue;
                };
                let choice = choice_of(i, a);
                let g = governed.entry(choice.key()).or_insert_with(|| Governed {
                    choice,
                    who: BTreeSet::new(),
                    counts: [0; 3],
                });
                g.who.insert(i);
                if let Some(c) = g.counts.get_mut(pop as usize) {
                    *c += 1;
                }
            }
        }
        for g in governed.values() {
            policy_findings.push(self.judge_password(g));
            lockout_findings.push(self.judge_lockout(g));
        }
        if !any_member {
            for (check, what) in [
                (PASSWORD_POLICY, "password rules"),
                (LOCKOUT, "lockout rules"),
            ] {
                let f = Finding::new(
                    check,
                    self.dir_target(),
                    Status::Warn,
                    Severity::Medium,
                    format!(
                        "No staff, pupil or admin accounts were found in \"{}\", so its {what} could not be matched to people.",
                        self.dir.name
                    ),
                    self.evidence().with("accounts", self.f.accounts.len()).with("base_dn", &self.dir.base_dn),
                )
                .fix(
                    "In caretaker.toml, list where each population's accounts are: [directory.populations.staff] ous = [\"OU=Staff,DC=…\"] (and pupils, admins), or groups = [\"CN=Staff,…\"].",
                );
                if check == PASSWORD_POLICY {
                    policy_findings.push(f);
                } else {
                    lockout_findings.push(f);
                }
            }
        }
        (policy_findings, lockout_findings)
    }

    /// The populations a policy governs, each with its thresholds.
    fn pops_of(&self, g: &Governed<'a>) -> Vec<(Pop, usize, Thresholds)> {
        Pop::ALL
            .iter()
            .filter_map(|p| {
                let n = g.counts.get(*p as usize).copied().unwrap_or(0);
                (n > 0).then(|| (*p, n, p.thresholds(self.dir)))
            })
            .collect()
    }

    /// The longest minimum length any governed population needs, and which population.
    fn need_length(&self, g: &Governed<'a>) -> (u32, Pop) {
        self.pops_of(g)
            .into_iter()
            .map(|(p, _, t)| (t.min_password_length, p))
            .fold(
                (0, Pop::Staff),
                |best, x| if x.0 > best.0 { x } else { best },
            )
    }

    /// The lowest lockout threshold any governed population needs, and which population.
    fn need_lockout(&self, g: &Governed<'a>) -> (u32, Pop) {
        self.pops_of(g)
            .into_iter()
            .map(|(p, _, t)| (t.max_lockout_threshold, p))
            .fold(
                (u32::MAX, Pop::Staff),
                |best, x| if x.0 < best.0 { x } else { best },
            )
    }

    fn governed_evidence(&self, g: &Governed<'a>) -> Evidence {
        let mut ev = self.evidence();
        match &g.choice {
            Choice::Found(p, _) | Choice::Unreadable(p, _) => {
                ev.push("policy", &p.name);
                ev.push("policy_dn", &p.dn);
                if let Choice::Found(_, how) = &g.choice {
                    ev.push("found_by", *how);
                }
                for (k, v) in &p.attributes {
                    ev.push(k.clone(), v);
                }
            }
            Choice::Missing { dn, how } => {
                ev.push("policy_dn", dn);
                ev.push("found_by", how);
            }
            Choice::NoDefault => {
                ev.push(
                    "policy",
                    "unknown: no pwdPolicySubentry and no default policy found",
                );
            }
        }
        ev.push("accounts", g.who.len());
        let pops = self.pops_of(g);
        ev.push(
            "populations",
            pops.iter()
                .map(|(p, _, _)| p.key())
                .collect::<Vec<_>>()
                .join(", "),
        );
        for (p, n, _) in &pops {
            ev.push(format!("{}_accounts", p.key()), n);
        }
        let names: Vec<&str> = g
            .who
            .iter()
            .filter_map(|i| self.f.accounts.get(*i))
            .map(|a| a.name.as_str())
            .collect();
        ev.push(
            "example_members",
            names_list(&names.iter().take(5).copied().collect::<Vec<_>>()),
        );
        ev
    }

    /// The policy as the subject of a sentence: "The domain's default policy", "The password
    /// policy \"pupils\"".
    fn policy_phrase(&self, g: &Governed<'a>) -> String {
        match &g.choice {
            Choice::Found(p, how) => match p.source {
                PolicySource::Domain => "The domain's default policy".to_string(),
                PolicySource::Pso { .. } => {
                    format!("The fine-grained password policy \"{}\"", p.name)
                }
                PolicySource::Ppolicy if how.starts_with("the default policy") => {
                    format!("The default password policy \"{}\"", p.name)
                }
                PolicySource::Ppolicy => format!("The password policy \"{}\"", p.name),
            },
            Choice::Unreadable(p, _) => format!("The password policy \"{}\"", p.name),
            Choice::Missing { dn, .. } => format!("The password policy {dn}"),
            Choice::NoDefault => "The server's default password policy".to_string(),
        }
    }

    /// "it applies to a.patel, b.okafor, c.wright and 6 more (9 accounts not covered by a
    /// fine-grained policy: 6 staff, 3 admins)".
    fn applies_phrase(&self, g: &Governed<'a>) -> String {
        let mut names: Vec<&str> = g
            .who
            .iter()
            .filter_map(|i| self.f.accounts.get(*i))
            .map(|a| a.name.as_str())
            .collect();
        names.sort_unstable_by_key(|n| n.to_lowercase());
        let shown = 3;
        let listed = if names.len() <= shown + 1 {
            match names.as_slice() {
                [one] => one.to_string(),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => String::new(),
            }
        } else {
            format!(
                "{} and {} more",
                names
                    .iter()
                    .take(shown)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                names.len() - shown
            )
        };
        let how = match &g.choice {
            Choice::Found(p, _) if p.source == PolicySource::Domain => {
                " not covered by a fine-grained policy"
            }
            Choice::Found(p, how)
                if p.source == PolicySource::Ppolicy && how.starts_with("the default policy") =>
            {
                " with no pwdPolicySubentry of their own"
            }
            _ => "",
        };
        let pops: Vec<String> = self
            .pops_of(g)
            .iter()
            .map(|(p, n, _)| match p {
                Pop::Staff => format!("{n} staff"),
                Pop::Pupils => plural(*n, "pupil", "pupils"),
                Pop::Admins => plural(*n, "admin", "admins"),
            })
            .collect();
        format!(
            "it applies to {listed} ({}{how}: {})",
            plural(g.who.len(), "account", "accounts"),
            pops.join(", ")
        )
    }

    /// The policy as a finding's target: its name (its DN if two policies share the name).
    fn target_governing(&self, g: &Governed<'a>) -> Target {
        let name = match &g.choice {
            Choice::Found(p, _) | Choice::Unreadable(p, _) => {
                let same = self
                    .f
                    .policies
                    .iter()
                    .chain(self.f.domain_policy.iter())
                    .filter(|q| q.name.eq_ignore_ascii_case(&p.name))
                    .count();
                if same > 1 {
                    p.dn.clone()
                } else {
                    p.name.clone()
                }
            }
            Choice::Missing { dn, .. } => dn.to_string(),
            Choice::NoDefault => "default policy (not found)".to_string(),
        };
        Target::new(TargetKind::Policy, name, self.dir.name.clone())
    }

    /// A population as a finding's target (when nobody was found in it).
    fn target_population(&self, pop: Pop) -> Target {
        Target::new(TargetKind::Group, pop.key(), self.dir.name.clone())
    }

    /// The error finding for a policy that could not be read.
    fn unreadable_policy(&self, check: &str, g: &Governed<'a>, what: &str) -> Option<Finding> {
        let n = plural(g.who.len(), "account", "accounts");
        let (summary, fix) = match &g.choice {
            Choice::Found(..) => return None,
            Choice::Unreadable(p, bad) => (
                format!("Could not check the {what} for {n}: in the policy \"{}\", {bad}.", p.name),
                format!("Check the policy entry {} in the directory.", p.dn),
            ),
            Choice::Missing { dn, .. } => (
                format!("Could not check the {what} for {n}: caretaker could not read the policy that applies to them."),
                if self.is_ad() {
                    format!(
                        "Give caretaker's account read access to the password settings: samba-tool dsacl set --objectdn=\"CN=Password Settings Container,CN=System,{base}\" --sddl=\"(A;CI;RPLCLORC;;;<caretaker's SID>)\"   (Windows: dsacls \"CN=Password Settings Container,CN=System,{base}\" /I:T /G \"<DOMAIN>\\<caretaker>:GR\"). Policy: {dn}",
                        base = self.f.base_dn
                    )
                } else {
                    format!("Make sure {dn} exists and that caretaker's account ({}) may read it (an ACL `by dn.exact=\"{}\" read`).", self.dir.bind_dn, self.dir.bind_dn)
                },
            ),
            Choice::NoDefault => (
                format!("Could not check the {what} for {n}: caretaker cannot tell which default password policy the server uses."),
                format!(
                    "Set default_policy in caretaker.toml to the DN of the server's ppolicy default (ppolicy_default / olcPPolicyDefault), e.g. default_policy = \"cn=default,ou=Policies,{}\"; or give caretaker read access to cn=config.",
                    self.f.base_dn
                ),
            ),
        };
        Some(
            Finding::error(
                check,
                self.target_governing(g),
                summary,
                self.governed_evidence(g),
            )
            .fix(fix),
        )
    }

    fn judge_password(&self, g: &Governed<'a>) -> Finding {
        if let Some(f) = self.unreadable_policy(PASSWORD_POLICY, g, "password rules") {
            return f;
        }
        let target = self.target_governing(g);
        let Choice::Found(p, _) = &g.choice else {
            return Finding::error(
                PASSWORD_POLICY,
                target,
                "Could not check the password rules.",
                self.governed_evidence(g),
            );
        };
        let mut ev = self.governed_evidence(g);
        let (need, need_pop) = self.need_length(g);
        ev.push("required_min_length", need);
        ev.push("required_for", need_pop.key());
        let (min, checked, reversible) = match (&p.min_length, &p.quality_checked, &p.reversible) {
            (Ok(m), Ok(c), Ok(r)) => (*m, *c, *r),
            (Err(bad), _, _) | (_, Err(bad), _) | (_, _, Err(bad)) => {
                ev.push("problem", bad);
                return Finding::error(
                    PASSWORD_POLICY,
                    target,
                    format!(
                        "Could not check the password rules of the policy \"{}\": {bad}.",
                        p.name
                    ),
                    ev,
                )
                .fix(format!("Check the policy entry {} in the directory.", p.dn));
            }
        };
        for (k, v) in [
            (
                "complexity",
                p.complexity
                    .as_ref()
                    .ok()
                    .copied()
                    .flatten()
                    .map(|b| b.to_string()),
            ),
            (
                "history",
                p.history
                    .as_ref()
                    .ok()
                    .copied()
                    .flatten()
                    .map(|h| h.to_string()),
            ),
            (
                "max_age",
                p.max_age
                    .as_ref()
                    .ok()
                    .copied()
                    .flatten()
                    .map(|m| m.to_string()),
            ),
        ] {
            if let Some(v) = v {
                ev.push(k, v);
            }
        }
        let subject = self.policy_phrase(g);
        let applies = self.applies_phrase(g);
        let for_whom = need_pop.key();
        let mut problems: Vec<String> = Vec::new();
        let mut fixes: Vec<String> = Vec::new();
        if !checked {
            problems.push(format!(
                "{subject} does not check passwords at all, so even a one-letter password is accepted; {applies}, and the school's policy needs at least {need} characters for {for_whom}."
            ));
        }
        if min < need {
            problems.push(format!(
                "{subject} lets passwords be as short as {}; {applies}, and the school's policy needs at least {need} for {for_whom}.",
                plural(min as usize, "character", "characters")
            ));
        }
        if p.source == PolicySource::Ppolicy {
            // One ldapmodify for the entry, with every change it needs.
            let mut changes = Vec::new();
            if !checked {
                changes.push(("pwdCheckQuality", "2".to_string()));
            }
            if min < need {
                changes.push(("pwdMinLength", need.to_string()));
            }
            if !changes.is_empty() {
                let mut fix = self.ldapmodify(&p.dn, &changes);
                if !checked {
                    fix.push_str("\n(pwdCheckQuality 2 makes the server check every new password, including its length.)");
                }
                fixes.push(fix);
            }
        } else if min < need {
            fixes.push(self.fix_length(p, need));
        }
        if reversible {
            problems.push(format!(
                "{subject} stores passwords in a form that can be turned back into the password itself; {applies}."
            ));
            fixes.push(self.fix_reversible(p));
        }
        if problems.is_empty() {
            return Finding::new(
                PASSWORD_POLICY,
                target,
                Status::Pass,
                Severity::Info,
                format!(
                    "{subject} needs passwords of at least {}, as the school's policy does (at least {need} for {for_whom}); {applies}.",
                    plural(min as usize, "character", "characters")
                ),
                ev,
            );
        }
        for (i, pr) in problems.iter().enumerate() {
            ev.push(format!("problem_{}", i + 1), pr);
        }
        let summary = problems.first().cloned().unwrap_or_default();
        Finding::new(
            PASSWORD_POLICY,
            target,
            Status::Fail,
            Severity::High,
            summary,
            ev,
        )
        .fix(fixes.join("\n"))
    }

    fn judge_lockout(&self, g: &Governed<'a>) -> Finding {
        if let Some(f) = self.unreadable_policy(LOCKOUT, g, "lockout rules") {
            return f;
        }
        let target = self.target_governing(g);
        let Choice::Found(p, _) = &g.choice else {
            return Finding::error(
                LOCKOUT,
                target,
                "Could not check the lockout rules.",
                self.governed_evidence(g),
            );
        };
        let mut ev = self.governed_evidence(g);
        let (max, max_pop) = self.need_lockout(g);
        ev.push("required_max_lockout_threshold", max);
        ev.push("required_for", max_pop.key());
        let (locks, threshold) = match (p.locks(), p.lockout_threshold.clone()) {
            (Ok(l), Ok(t)) => (l, t),
            (Err(bad), _) | (_, Err(bad)) => {
                ev.push("problem", &bad);
                return Finding::error(
                    LOCKOUT,
                    target,
                    format!(
                        "Could not check the lockout rules of the policy \"{}\": {bad}.",
                        p.name
                    ),
                    ev,
                )
                .fix(format!("Check the policy entry {} in the directory.", p.dn));
            }
        };
        if let Ok(Some(d)) = &p.lockout_duration {
            ev.push("lockout_duration", d);
        }
        let subject = self.policy_phrase(g);
        let applies = self.applies_phrase(g);
        if !locks {
            return Finding::new(
                LOCKOUT,
                target,
                Status::Fail,
                Severity::High,
                format!(
                    "{subject} never locks accounts, however many wrong passwords are tried; {applies}, and the school's policy needs them to lock after at most {max}."
                ),
                ev,
            )
            .fix(self.fix_lockout(p, max));
        }
        if threshold > max {
            return Finding::new(
                LOCKOUT,
                target,
                Status::Fail,
                Severity::High,
                format!(
                    "{subject} locks accounts only after {threshold} wrong passwords; {applies}, and the school's policy needs them to lock after at most {max}."
                ),
                ev,
            )
            .fix(self.fix_lockout(p, max));
        }
        Finding::new(
            LOCKOUT,
            target,
            Status::Pass,
            Severity::Info,
            format!(
                "{subject} locks accounts after {} (the school's policy allows at most {max}); {applies}.",
                plural(threshold as usize, "wrong password", "wrong passwords")
            ),
            ev,
        )
    }

    fn ldapmodify(&self, dn_: &str, changes: &[(&str, String)]) -> String {
        let mut s = format!(
            "ldapmodify -H {} -D '<admin DN>' -W <<'EOF'\ndn: {dn_}\nchangetype: modify\n",
            self.dir.url
        );
        for (i, (attr, value)) in changes.iter().enumerate() {
            if i > 0 {
                s.push_str("-\n");
            }
            s.push_str(&format!("replace: {attr}\n{attr}: {value}\n"));
        }
        s.push_str("EOF");
        s
    }

    fn fix_length(&self, p: &Policy, need: u32) -> String {
        match &p.source {
            PolicySource::Domain => format!(
                "samba-tool domain passwordsettings set --min-pwd-length={need}   (Windows: Group Policy Management, Default Domain Policy, Account Policies, Password Policy: \"Minimum password length\" = {need})"
            ),
            PolicySource::Pso { .. } => format!(
                "samba-tool domain passwordsettings pso set {n} --min-pwd-length={need}   (Windows PowerShell: Set-ADFineGrainedPasswordPolicy -Identity {n} -MinPasswordLength {need})",
                n = sh(&p.name)
            ),
            PolicySource::Ppolicy => self.ldapmodify(&p.dn, &[("pwdMinLength", need.to_string())]),
        }
    }

    fn fix_reversible(&self, p: &Policy) -> String {
        match &p.source {
            PolicySource::Pso { .. } => format!(
                "samba-tool domain passwordsettings pso set {n} --store-plaintext=off   (Windows PowerShell: Set-ADFineGrainedPasswordPolicy -Identity {n} -ReversibleEncryptionEnabled $false); then have these users change their passwords.",
                n = sh(&p.name)
            ),
            _ => "samba-tool domain passwordsettings set --store-plaintext=off   (Windows: Default Domain Policy, \"Store passwords using reversible encryption\" = Disabled); then have users change their passwords.".to_string(),
        }
    }

    fn fix_lockout(&self, p: &Policy, max: u32) -> String {
        match &p.source {
            PolicySource::Domain => format!(
                "samba-tool domain passwordsettings set --account-lockout-threshold={max}   (Windows: Default Domain Policy, Account Lockout Policy: \"Account lockout threshold\" = {max})"
            ),
            PolicySource::Pso { .. } => format!(
                "samba-tool domain passwordsettings pso set {n} --account-lockout-threshold={max}   (Windows PowerShell: Set-ADFineGrainedPasswordPolicy -Identity {n} -LockoutThreshold {max})",
                n = sh(&p.name)
            ),
            PolicySource::Ppolicy => {
                self.ldapmodify(&p.dn, &[("pwdLockout", "TRUE".to_string()), ("pwdMaxFailure", max.to_string())])
            }
        }
    }

    // ----- directory.password-not-required ----------------------------------------------------

    fn password_not_required(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if let NoPassword::Unknown(why) = &self.f.no_password {
            out.push(
                Finding::error(
                    PASSWORD_NOT_REQUIRED,
                    self.dir_target(),
                    format!("Could not check for accounts without a password in \"{}\": caretaker may not look for passwords there.", self.dir.name),
                    self.evidence().with("reason", why),
                )
                .fix(format!(
                    "Let caretaker's account test for the presence of passwords (never read them): in slapd's ACL for userPassword add `by dn.exact=\"{}\" search`.",
                    self.dir.bind_dn
                )),
            );
            return out;
        }
        let mut failing = 0usize;
        for a in &self.f.accounts {
            let (enabled, notreq) = match (&a.enabled, &a.password_not_required) {
                (Ok(e), Ok(n)) => (*e, *n),
                (Err(bad), _) | (_, Err(bad)) => {
                    out.push(self.account_error(
                        PASSWORD_NOT_REQUIRED,
                        a,
                        "whether a password is required",
                        bad,
                    ));
                    continue;
                }
            };
            if !enabled || !notreq {
                continue;
            }
            failing += 1;
            let (summary, fix) = if self.is_ad() {
                let uac = a
                    .raw_value("userAccountControl")
                    .and_then(|u| u.parse::<i64>().ok());
                let fixed = uac
                    .map(|u| (u & !0x20).to_string())
                    .unwrap_or_else(|| "<value without 0x20>".into());
                (
                    format!("{} can be used with no password at all.", a.name),
                    format!(
                        "Set a strong password, then require one: samba-tool user setpassword {n}, then\n{}\n(Windows PowerShell: Set-ADUser {n} -PasswordNotRequired $false)",
                        self.ldapmodify(&a.dn, &[("userAccountControl", fixed)]),
                        n = sh(&a.name)
                    ),
                )
            } else {
                (
                    format!("{} has no password set, so it is not protected by one.", a.name),
                    format!(
                        "Give it its own strong password: ldappasswd -H {} -D '<admin DN>' -W -S '{}', or lock it if nobody uses it.",
                        self.dir.url, a.dn
                    ),
                )
            };
            out.push(
                Finding::new(
                    PASSWORD_NOT_REQUIRED,
                    self.account_target(a),
                    Status::Fail,
                    Severity::High,
                    summary,
                    self.account_evidence(a),
                )
                .fix(fix),
            );
        }
        if failing == 0 {
            out.push(Finding::new(
                PASSWORD_NOT_REQUIRED,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "Every enabled account in \"{}\" needs a password.",
                    self.dir.name
                ),
                self.evidence()
                    .with("accounts_checked", self.f.accounts.len()),
            ));
        }
        out
    }

    // ----- directory.password-never-expires ---------------------------------------------------

    fn password_never_expires(&self) -> Vec<Finding> {
        if !self.is_ad() || self.dir.never_expires == NeverExpires::Ignore {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for a in &self.f.accounts {
            match (&a.enabled, &a.never_expires) {
                (Ok(true), Ok(true)) => names.push(&a.name),
                (Ok(_), Ok(_)) => {}
                // One error per account, so that it has a target of its own beside the pass.
                (Err(bad), _) | (_, Err(bad)) => out.push(self.account_error(
                    PASSWORD_NEVER_EXPIRES,
                    a,
                    "whether the password is set never to expire",
                    bad,
                )),
            }
        }
        if names.is_empty() {
            out.push(Finding::new(
                PASSWORD_NEVER_EXPIRES,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "No enabled account in \"{}\" is set so that its password never expires.",
                    self.dir.name
                ),
                self.evidence()
                    .with("accounts_checked", self.f.accounts.len()),
            ));
            return out;
        }
        let status = if self.dir.never_expires == NeverExpires::Fail {
            Status::Fail
        } else {
            Status::Warn
        };
        let ev = self
            .evidence()
            .with("count", names.len())
            .with("accounts", names_list(&names));
        out.push(
            Finding::new(
                PASSWORD_NEVER_EXPIRES,
                self.dir_target(),
                status,
                Severity::Low,
                format!(
                    "{} in \"{}\" {} set so that {} password never expires.",
                    plural(names.len(), "account", "accounts"),
                    self.dir.name,
                    if names.len() == 1 { "is" } else { "are" },
                    if names.len() == 1 { "its" } else { "their" }
                ),
                ev,
            )
            .fix(format!(
                "If the school's policy needs passwords to expire, clear the flag on each account, e.g. Windows PowerShell: Set-ADUser {} -PasswordNeverExpires $false (Samba: ldapmodify userAccountControl without 0x10000). NCSC advises against forced expiry; set never_expires = \"ignore\" in caretaker.toml if the school agrees.",
                sh(names.first().copied().unwrap_or("NAME"))
            )),
        );
        out
    }

    // ----- directory.stale-accounts -------------------------------------------------------------

    fn stale_accounts(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let stale_days = i64::from(self.dir.stale_after_days);
        let slack = if self.is_ad() {
            match &self.f.logon_sync_days {
                Ok(d) => i64::from(*d),
                Err(bad) => {
                    return vec![Finding::error(
                        STALE_ACCOUNTS,
                        self.dir_target(),
                        format!("Could not check for unused accounts in \"{}\": {bad}.", self.dir.name),
                        self.evidence().with("problem", bad),
                    )
                    .fix("Check msDS-LogonTimeSyncInterval on the domain root (it should be a number of days, usually 14).")];
                }
            }
        } else {
            0
        };
        if !self.is_ad() {
            let any_tracked = self
                .f
                .accounts
                .iter()
                .any(|a| matches!(a.last_logon, Ok(Some(_))));
            if !any_tracked && !self.f.accounts.is_empty() {
                return vec![Finding::new(
                    STALE_ACCOUNTS,
                    self.dir_target(),
                    Status::Warn,
                    Severity::Medium,
                    format!("The directory \"{}\" keeps no record of when people last logged on, so accounts that are no longer used cannot be found.", self.dir.name),
                    self.evidence().with("accounts", self.f.accounts.len()).with("pwdLastSuccess", "on no account"),
                )
                .fix(
                    "Turn on last-logon tracking in slapd: `lastbind on` in the database section of slapd.conf, or with cn=config:\nldapmodify -Y EXTERNAL -H ldapi:/// <<'EOF'\ndn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcLastBind\nolcLastBind: TRUE\nEOF\n(OpenLDAP 2.4: the lastbind overlay.)",
                )];
            }
        }
        let mut stale = 0usize;
        for (_, a) in self.enabled_accounts() {
            let last = match &a.last_logon {
                Ok(l) => *l,
                Err(bad) => {
                    out.push(self.account_error(
                        STALE_ACCOUNTS,
                        a,
                        "when the account was last used",
                        bad,
                    ));
                    continue;
                }
            };
            let summary = match last {
                Some(t) => {
                    let days = (self.now - t).whole_days();
                    if days <= stale_days + slack {
                        continue;
                    }
                    format!("{} has not logged on for {days} days; if they have left, disable the account.", a.name)
                }
                None => match &a.created {
                    Ok(Some(c)) => {
                        let days = (self.now - *c).whole_days();
                        if days <= stale_days {
                            continue;
                        }
                        format!("{} has never logged on since the account was made {days} days ago; if it is not needed, disable it.", a.name)
                    }
                    Ok(None) => continue,
                    Err(bad) => {
                        out.push(self.account_error(
                            STALE_ACCOUNTS,
                            a,
                            "when the account was made",
                            bad,
                        ));
                        continue;
                    }
                },
            };
            stale += 1;
            let ev = self
                .account_evidence(a)
                .with("stale_after_days", stale_days)
                .with("slack_days", slack)
                .with(
                    "last_logon",
                    last.map(format_rfc3339).unwrap_or_else(|| "never".into()),
                );
            out.push(
                Finding::new(
                    STALE_ACCOUNTS,
                    self.account_target(a),
                    Status::Fail,
                    Severity::Medium,
                    summary,
                    ev,
                )
                .fix(self.disable_command(a)),
            );
        }
        if stale == 0 {
            out.push(Finding::new(
                STALE_ACCOUNTS,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "Every enabled account in \"{}\" has been used in the last {stale_days} days.",
                    self.dir.name
                ),
                self.evidence()
                    .with("stale_after_days", stale_days)
                    .with("slack_days", slack)
                    .with("accounts_checked", self.f.accounts.len()),
            ));
        }
        out
    }

    // ----- directory.guest ------------------------------------------------------------------------

    fn guest(&self) -> Vec<Finding> {
        if !self.is_ad() {
            return Vec::new();
        }
        let Some(g) = self.f.accounts.iter().find(|a| a.rid() == Some(501)) else {
            return vec![Finding::error(
                GUEST,
                self.dir_target(),
                format!("Could not find the built-in guest account in \"{}\" to check that it is switched off.", self.dir.name),
                self.evidence().with("base_dn", &self.dir.base_dn).with("looked_for", "objectSid ending in -501"),
            )
            .fix("Set base_dn to the domain root (DC=…) so that CN=Users is searched.")];
        };
        let ev = self.account_evidence(g).with("rid", 501);
        match &g.enabled {
            Ok(true) => vec![Finding::new(
                GUEST,
                self.account_target(g),
                Status::Fail,
                Severity::High,
                "The built-in guest account is switched on, so anyone can use the network without a login of their own.",
                ev,
            )
            .fix(self.disable_command(g))],
            Ok(false) => vec![Finding::new(
                GUEST,
                self.account_target(g),
                Status::Pass,
                Severity::Info,
                "The built-in guest account is switched off.",
                ev,
            )],
            Err(bad) => vec![self.account_error(GUEST, g, "whether the guest account is switched off", bad)],
        }
    }

    // ----- directory.privileged -------------------------------------------------------------------

    fn privileged_accounts(&self) -> Vec<Finding> {
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
                bad,
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
        let by_name: HashMap<String, usize> = self
            .f
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_lowercase(), i))
            .collect();
        let mut fails = 0usize;
        // Which admins are separate admin accounts, and how each was recognised.
        let separate: Vec<Option<String>> = admins
            .iter()
            .map(|(i, a, _)| self.separate_admin(*i, a, &by_name))
            .collect();
        let separate_ones: Vec<String> = admins
            .iter()
            .zip(&separate)
            .filter_map(|((_, a, _), why)| why.as_ref().map(|w| format!("{} ({w})", a.name)))
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
                    && people::admin_convention(&b.name)
                        .iter()
                        .any(|(base, _)| base.eq_ignore_ascii_case(&a.name))
            });
            if let Some((_, b)) = partner {
                ev.push("admin_account", &b.name);
            }
            // Take the account out of the group that gives it the rights (the first one on the way).
            let from = via.first().copied().or(group);
            let remove = if self.is_ad() {
                format!(
                    "samba-tool group removemembers {} {}",
                    sh(from.map(|g| g.name.as_str()).unwrap_or(gname.as_str())),
                    sh(&a.name)
                )
            } else {
                let gdn = from.map(|g| g.dn.clone()).unwrap_or_default();
                format!(
                    "ldapmodify -H {} -D '<admin DN>' -W <<'EOF'\ndn: {gdn}\nchangetype: modify\ndelete: member\nmember: {}\nEOF\n(for a groupOfUniqueNames delete the uniqueMember value; for a posixGroup, memberUid: {})",
                    self.dir.url, a.dn, a.name
                )
            };
            out.push(
                Finding::new(
                    PRIVILEGED,
                    self.account_target(a),
                    Status::Fail,
                    Severity::High,
                    format!("{} is {role} but uses the same account every day: there is no separate admin account.", a.name),
                    ev,
                )
                .fix(match partner {
                    Some((_, b)) => format!(
                        "{} already has a separate admin account, {}: use it for admin work only, and take admin rights off the everyday account:\n{remove}",
                        a.name, b.name
                    ),
                    None => format!(
                        "Create a separate admin account (e.g. adm.{}) for admin work only, then take admin rights off the everyday account:\n{remove}",
                        a.name
                    ),
                }),
            );
        }
        let names: Vec<&str> = admins.iter().map(|(_, a, _)| a.name.as_str()).collect();
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
        if self.admin.is_match(&a.name) {
            return Some("its name matches admin_account_patterns".into());
        }
        for (base, affix) in people::admin_convention(&a.name) {
            if let Some(b) = by_name
                .get(&base)
                .filter(|j| **j != i)
                .and_then(|j| self.f.accounts.get(*j))
            {
                return Some(format!(
                    "named after the everyday account {} with \"{affix}\"",
                    b.name
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
            if let Some(how) = people::same_person(&a.identity, &b.identity) {
                return Some(format!(
                    "the admin account of {}, recognised by {how}",
                    b.name
                ));
            }
        }
        for o in &self.dir.populations.admins.ous {
            if dn::is_under(&a.ndn, &dn::normalize(o)) {
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
                self.group_by_dn.get(d.as_str()).is_some_and(|gi| {
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
    fn is_privileged(&self, i: usize) -> bool {
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
        if a.groups.contains(&target.ndn) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for d in &a.groups {
            let Some(&di) = self.group_by_dn.get(d.as_str()) else {
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

    // ----- directory.shared-logins -----------------------------------------------------------------

    fn shared_logins(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut exempt: Vec<&str> = Vec::new();
        let mut fails = 0usize;
        for (i, a) in self.f.accounts.iter().enumerate() {
            if !self.is_shared(i) {
                continue;
            }
            match &a.enabled {
                Ok(true) => {}
                Ok(false) => continue,
                Err(bad) => {
                    out.push(self.account_error(
                        SHARED_LOGINS,
                        a,
                        "whether this shared-looking login is switched on",
                        bad,
                    ));
                    continue;
                }
            }
            let yg = self
                .year
                .get(i)
                .copied()
                .flatten()
                .and_then(|y| self.dir.year_groups.get(y));
            if yg.is_some_and(|y| y.exempt) {
                exempt.push(&a.name);
                continue;
            }
            fails += 1;
            let bits = self.pops.get(i).copied().unwrap_or(0);
            let (summary, severity, place) = match yg {
                Some(y) => (
                    format!("{} is a shared login in {}; from Year 1 every pupil needs their own login.", a.name, y.name),
                    Severity::Medium,
                    y.name.clone(),
                ),
                None if bits & Pop::Admins.bit() != 0 => (
                    format!("{} looks like a shared login with admin rights; every admin needs their own login.", a.name),
                    Severity::High,
                    "admins".to_string(),
                ),
                None if bits & Pop::Staff.bit() != 0 => (
                    format!("{} looks like a shared staff login; every member of staff needs their own login.", a.name),
                    Severity::High,
                    "staff".to_string(),
                ),
                None if bits & Pop::Pupils.bit() != 0 => (
                    format!("{} looks like a shared pupil login; from Year 1 every pupil needs their own login.", a.name),
                    Severity::Medium,
                    "pupils".to_string(),
                ),
                None => (
                    format!("{} looks like a shared login; everyone except the youngest pupils needs their own login.", a.name),
                    Severity::High,
                    "no population".to_string(),
                ),
            };
            let ev = self
                .account_evidence(a)
                .with("in", place)
                .with("shared_because", self.shared_reason(i).unwrap_or_default())
                .with(
                    "shared_login_patterns",
                    self.dir.shared_login_patterns.join(", "),
                );
            out.push(
                Finding::new(SHARED_LOGINS, self.account_target(a), Status::Fail, severity, summary, ev).fix(format!(
                    "Give each person their own login, then switch this one off:\n{}\n(If it is one person's own login, give the entry that person's givenName and sn, a description that does not call it shared or a test, and a name that does not match shared_login_patterns.)",
                    self.disable_command(a)
                )),
            );
        }
        if !self.bad_patterns.is_empty() {
            out.push(
                Finding::error(
                    SHARED_LOGINS,
                    self.dir_target(),
                    "Could not use some of the login name patterns in caretaker.toml.",
                    self.evidence()
                        .with("bad_patterns", self.bad_patterns.join("; ")),
                )
                .fix("Correct shared_login_patterns / admin_account_patterns in caretaker.toml."),
            );
        }
        // With patterns that could not be used the check is incomplete: the error says so, and
        // no pass is given beside it.
        if fails == 0 && self.bad_patterns.is_empty() {
            let mut ev = self
                .evidence()
                .with("accounts_checked", self.f.accounts.len());
            if !exempt.is_empty() {
                ev.push("exempt_shared_logins", names_list(&exempt));
            }
            out.push(Finding::new(
                SHARED_LOGINS,
                self.dir_target(),
                Status::Pass,
                Severity::Info,
                if exempt.is_empty() {
                    format!("No shared logins were found in \"{}\".", self.dir.name)
                } else {
                    format!("The only shared logins in \"{}\" belong to the youngest pupils, who are exempt.", self.dir.name)
                },
                ev,
            ));
        }
        out
    }

    // ----- directory.own-logins ------------------------------------------------------------------

    fn own_logins(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.dir.year_groups.is_empty() {
            out.push(
                Finding::new(
                    OWN_LOGINS,
                    self.dir_target(),
                    Status::Warn,
                    Severity::Low,
                    format!("No year groups are set up for \"{}\", so caretaker cannot check that pupils from Year 1 have their own logins.", self.dir.name),
                    self.evidence(),
                )
                .fix("Add each year group to caretaker.toml: [[directory.year_groups]] name = \"Year 1\", ou = \"OU=Year 1,OU=Pupils,DC=…\", roll = 30 (and exempt = true for EYFS/Reception)."),
            );
            return out;
        }
        for (yi, yg) in self.dir.year_groups.iter().enumerate() {
            let target = Target::new(TargetKind::Group, yg.name.clone(), self.dir.name.clone());
            let mut ev = self.evidence().with("year_group", &yg.name);
            if let Some(o) = &yg.ou {
                ev.push("ou", o);
            }
            if let Some(g) = &yg.group {
                ev.push("group", g);
            }
            if yg.exempt {
                out.push(Finding::new(
                    OWN_LOGINS,
                    target,
                    Status::Pass,
                    Severity::Info,
                    format!(
                        "{} is exempt: the youngest may share a class login (policy 7.4).",
                        yg.name
                    ),
                    ev.with("exempt", "true"),
                ));
                continue;
            }
            let missing_group = self
                .missing_groups
                .iter()
                .find(|(s, _)| s.starts_with(&format!("year_groups[{yi}]")));
            let mut individual = 0usize;
            let mut shared: Vec<&str> = Vec::new();
            let mut disabled = 0usize;
            for (i, a) in self.f.accounts.iter().enumerate() {
                if self.year.get(i).copied().flatten() != Some(yi) {
                    continue;
                }
                match &a.enabled {
                    Ok(true) if self.is_shared(i) => shared.push(&a.name),
                    Ok(true) => individual += 1,
                    _ => disabled += 1,
                }
            }
            ev.push("individual_logins", individual);
            if !shared.is_empty() {
                ev.push("shared_logins", names_list(&shared));
            }
            ev.push("disabled_or_unreadable", disabled);
            if let Some(r) = yg.roll {
                ev.push("roll", r);
            }
            if let Some((_, gdn)) = missing_group {
                if individual == 0 {
                    out.push(
                        Finding::error(
                            OWN_LOGINS,
                            target,
                            format!("Could not check {}: its group was not found in \"{}\".", yg.name, self.dir.name),
                            ev.with("missing_group", gdn),
                        )
                        .fix("Correct the year group's `group` (a full DN) or `ou` in caretaker.toml."),
                    );
                    continue;
                }
            }
            let fix_create = if self.is_ad() {
                format!("Create one login per pupil, e.g. samba-tool user create <name> --userou=\"{}\" --random-password", yg.ou.clone().unwrap_or_else(|| "OU=…".into()))
            } else {
                format!(
                    "Create one entry per pupil under {} (ldapadd), each with its own password.",
                    yg.ou
                        .clone()
                        .unwrap_or_else(|| "the year group's OU".into())
                )
            };
            if individual == 0 {
                out.push(
                    Finding::new(
                        OWN_LOGINS,
                        target,
                        Status::Fail,
                        Severity::High,
                        format!(
                            "{} has no individual logins; from Year 1 every pupil needs their own.",
                            yg.name
                        ),
                        ev,
                    )
                    .fix(fix_create),
                );
                continue;
            }
            match yg.roll {
                Some(roll) if (individual as u64) < u64::from(roll) => out.push(
                    Finding::new(
                        OWN_LOGINS,
                        target,
                        Status::Warn,
                        Severity::Medium,
                        format!(
                            "{} has {} but {} on roll; some pupils may be sharing.",
                            yg.name,
                            plural(individual, "individual login", "individual logins"),
                            plural(roll as usize, "pupil", "pupils")
                        ),
                        ev,
                    )
                    .fix(format!(
                        "{fix_create}\n(Or correct `roll` for {} in caretaker.toml.)",
                        yg.name
                    )),
                ),
                Some(roll) => out.push(Finding::new(
                    OWN_LOGINS,
                    target,
                    Status::Pass,
                    Severity::Info,
                    format!(
                        "{} has {} for {} on roll.",
                        yg.name,
                        plural(individual, "individual login", "individual logins"),
                        plural(roll as usize, "pupil", "pupils")
                    ),
                    ev,
                )),
                None => out.push(Finding::new(
                    OWN_LOGINS,
                    target,
                    Status::Pass,
                    Severity::Info,
                    format!(
                        "{} has {}.",
                        yg.name,
                        plural(individual, "individual login", "individual logins")
                    ),
                    ev,
                )),
            }
        }
        out
    }
}

/// The policy that governs some accounts.
#[derive(Debug, Clone)]
enum Choice<'a> {
    Found(&'a Policy, &'static str),
    /// Found, but a value needed to choose between policies could not be read.
    Unreadable(&'a Policy, BadValue),
    Missing {
        dn: &'a str,
        how: &'static str,
    },
    NoDefault,
}

impl<'a> Choice<'a> {
    fn key(&self) -> (u8, &'a str) {
        match self {
            Choice::Found(p, _) => (0, p.ndn.as_str()),
            Choice::Unreadable(p, _) => (1, p.ndn.as_str()),
            Choice::Missing { dn, .. } => (2, dn),
            Choice::NoDefault => (3, ""),
        }
    }
}

/// One policy and the enabled accounts it governs, across populations.
struct Governed<'a> {
    choice: Choice<'a>,
    /// The accounts, each once.
    who: BTreeSet<usize>,
    /// Per population (in [`Pop`] order): how many of its accounts.
    counts: [usize; 3],
}
