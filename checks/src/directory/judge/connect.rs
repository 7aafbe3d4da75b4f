//! directory.connect: the directory could be read, and what was found.

use super::context::Ctx;
use super::CONNECT;
use crate::model::{Finding, Severity, Status};

impl<'a> Ctx<'a> {
    // ----- directory.connect ------------------------------------------------------------------

    pub(super) fn connect(&self) -> Finding {
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
}
