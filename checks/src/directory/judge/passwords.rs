//! directory.password-not-required and directory.password-never-expires.

use caretaker_config::NeverExpires;

use super::context::Ctx;
use super::{names_list, plural, sh, PASSWORD_NEVER_EXPIRES, PASSWORD_NOT_REQUIRED};
use crate::directory::parse::NoPassword;
use crate::model::{Finding, Severity, Status};

impl<'a> Ctx<'a> {
    // ----- directory.password-not-required ----------------------------------------------------

    pub(super) fn password_not_required(&self) -> Vec<Finding> {
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
            let (enabled, notreq) = match (&a.enabled(), &a.password_not_required()) {
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
                    format!("{} can be used with no password at all.", a.name()),
                    format!(
                        "Set a strong password, then require one: samba-tool user setpassword {n}, then\n{}\n(Windows PowerShell: Set-ADUser {n} -PasswordNotRequired $false)",
                        self.ldapmodify(a.dn(), &[("userAccountControl", fixed)]),
                        n = sh(a.name())
                    ),
                )
            } else {
                (
                    format!("{} has no password set, so it is not protected by one.", a.name()),
                    format!(
                        "Give it its own strong password: ldappasswd -H {} -D '<admin DN>' -W -S '{}', or lock it if nobody uses it.",
                        self.dir.url, a.dn()
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

    pub(super) fn password_never_expires(&self) -> Vec<Finding> {
        if !self.is_ad() || self.dir.never_expires == NeverExpires::Ignore {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for a in &self.f.accounts {
            match (&a.enabled(), &a.never_expires()) {
                (Ok(true), Ok(true)) => names.push(a.name()),
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
}
