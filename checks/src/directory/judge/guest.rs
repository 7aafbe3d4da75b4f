//! directory.guest: the guest account is switched off.

use super::context::Ctx;
use super::GUEST;
use crate::model::{Finding, Severity, Status};

impl<'a> Ctx<'a> {
    // ----- directory.guest ------------------------------------------------------------------------

    pub(super) fn guest(&self) -> Vec<Finding> {
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
        match &g.enabled() {
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
}
