//! directory.password-policy and directory.lockout: which password policy governs which
//! accounts, and the findings for each policy, judged together once.

use std::collections::{BTreeMap, BTreeSet};

use caretaker_config::Thresholds;

use super::context::Ctx;
use super::{Pop, LOCKOUT, PASSWORD_POLICY};
use crate::directory::dn::{self, FastMap};
use crate::directory::parse::{Account, BadValue, Policy, PolicySource};
use crate::model::{Finding, Severity, Status};

impl<'a> Ctx<'a> {
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
                        dn: pso,
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
            let ndn = a.ndn();
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
                        applies_to.contains(&ndn)
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
                        dn: sub,
                        how: "pwdPolicySubentry names it, but caretaker could not read it",
                    },
                },
                None => ol_default.clone(),
            }
        }
    }

    pub(super) fn password_policies(&self) -> (Vec<Finding>, Vec<Finding>) {
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
    pub(super) fn pops_of(&self, g: &Governed<'a>) -> Vec<(Pop, usize, Thresholds)> {
        Pop::ALL
            .iter()
            .filter_map(|p| {
                let n = g.counts.get(*p as usize).copied().unwrap_or(0);
                (n > 0).then(|| (*p, n, p.thresholds(self.dir)))
            })
            .collect()
    }

    /// The longest minimum length any governed population needs, and which population.
    pub(super) fn need_length(&self, g: &Governed<'a>) -> (u32, Pop) {
        self.pops_of(g)
            .into_iter()
            .map(|(p, _, t)| (t.min_password_length, p))
            .fold(
                (0, Pop::Staff),
                |best, x| if x.0 > best.0 { x } else { best },
            )
    }

    /// The lowest lockout threshold any governed population needs, and which population.
    pub(super) fn need_lockout(&self, g: &Governed<'a>) -> (u32, Pop) {
        self.pops_of(g)
            .into_iter()
            .map(|(p, _, t)| (t.max_lockout_threshold, p))
            .fold(
                (u32::MAX, Pop::Staff),
                |best, x| if x.0 < best.0 { x } else { best },
            )
    }
}

/// The policy that governs some accounts.
#[derive(Debug, Clone)]
pub(super) enum Choice<'a> {
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
pub(super) struct Governed<'a> {
    pub(super) choice: Choice<'a>,
    /// The accounts, each once.
    pub(super) who: BTreeSet<usize>,
    /// Per population (in [`Pop`] order): how many of its accounts.
    pub(super) counts: [usize; 3],
}
