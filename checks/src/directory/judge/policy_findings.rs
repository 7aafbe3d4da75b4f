//! The password and lockout findings for one policy: evidence, wording, targets and fixes.

use super::context::Ctx;
use super::policy::{Choice, Governed};
use super::{names_list, plural, sh, Pop, LOCKOUT, PASSWORD_POLICY};
use crate::directory::parse::{Policy, PolicySource};
use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};

impl<'a> Ctx<'a> {
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
            .map(|a| a.name())
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
            .map(|a| a.name())
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
    pub(super) fn target_population(&self, pop: Pop) -> Target {
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

    pub(super) fn judge_password(&self, g: &Governed<'a>) -> Finding {
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

    pub(super) fn judge_lockout(&self, g: &Governed<'a>) -> Finding {
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

    pub(super) fn ldapmodify(&self, dn_: &str, changes: &[(&str, String)]) -> String {
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
}
