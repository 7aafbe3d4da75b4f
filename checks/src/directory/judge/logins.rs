//! directory.shared-logins and directory.own-logins: no shared or generic logins, and pupils
//! from Year 1 have their own.

use super::context::Ctx;
use super::{names_list, plural, Pop, OWN_LOGINS, SHARED_LOGINS};
use crate::model::{Finding, Severity, Status, Target, TargetKind};

impl<'a> Ctx<'a> {
    // ----- directory.shared-logins -----------------------------------------------------------------

    pub(super) fn shared_logins(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut exempt: Vec<&str> = Vec::new();
        let mut fails = 0usize;
        for (i, a) in self.f.accounts.iter().enumerate() {
            if !self.is_shared(i) {
                continue;
            }
            match &a.enabled() {
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
                exempt.push(a.name());
                continue;
            }
            fails += 1;
            let bits = self.pops.get(i).copied().unwrap_or(0);
            let (summary, severity, place) = match yg {
                Some(y) => (
                    format!("{} is a shared login in {}; from Year 1 every pupil needs their own login.", a.name(), y.name),
                    Severity::Medium,
                    y.name.clone(),
                ),
                None if bits & Pop::Admins.bit() != 0 => (
                    format!("{} looks like a shared login with admin rights; every admin needs their own login.", a.name()),
                    Severity::High,
                    "admins".to_string(),
                ),
                None if bits & Pop::Staff.bit() != 0 => (
                    format!("{} looks like a shared staff login; every member of staff needs their own login.", a.name()),
                    Severity::High,
                    "staff".to_string(),
                ),
                None if bits & Pop::Pupils.bit() != 0 => (
                    format!("{} looks like a shared pupil login; from Year 1 every pupil needs their own login.", a.name()),
                    Severity::Medium,
                    "pupils".to_string(),
                ),
                None => (
                    format!("{} looks like a shared login; everyone except the youngest pupils needs their own login.", a.name()),
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

    pub(super) fn own_logins(&self) -> Vec<Finding> {
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
                match &a.enabled() {
                    Ok(true) if self.is_shared(i) => shared.push(a.name()),
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
