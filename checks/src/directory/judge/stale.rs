//! directory.stale-accounts: enabled accounts left unused.

use super::context::Ctx;
use super::STALE_ACCOUNTS;
use crate::model::{format_rfc3339, Finding, Severity, Status};

impl<'a> Ctx<'a> {
    // ----- directory.stale-accounts -------------------------------------------------------------

    pub(super) fn stale_accounts(&self) -> Vec<Finding> {
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
                .any(|a| matches!(a.last_logon(), Ok(Some(_))));
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
            let last = match &a.last_logon() {
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
                    format!("{} has not logged on for {days} days; if they have left, disable the account.", a.name())
                }
                None => match &a.created() {
                    Ok(Some(c)) => {
                        let days = (self.now - *c).whole_days();
                        if days <= stale_days {
                            continue;
                        }
                        format!("{} has never logged on since the account was made {days} days ago; if it is not needed, disable it.", a.name())
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
}
