//! The encryption check: the system disk is encrypted (BitLocker, FileVault, LUKS); required of
//! the roles the thresholds name (laptops by default).

use super::{evidence, unknown, HostThresholds, ENCRYPTION};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

pub(super) fn encryption(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
    let enc = &facts.encryption;
    let mut ev = evidence(host, facts, &enc.evidence);
    let required = th
        .encryption_required_roles
        .iter()
        .any(|r| host.has_role(r));
    ev.push("roles", host.roles.join(","));
    ev.push("encryption_required", required);
    let method = enc
        .method
        .clone()
        .unwrap_or_else(|| "disk encryption".into());
    match enc.system_encrypted {
        None => unknown(
            ENCRYPTION,
            host,
            facts,
            ev,
            &format!("the {method} status of the system disk"),
        ),
        Some(true) => Finding::new(
            ENCRYPTION,
            host.target(),
            Status::Pass,
            Severity::Info,
            format!("This computer's disk is encrypted ({method})."),
            ev,
        ),
        Some(false) if required => {
            let fix = match host.os {
                OsFamily::Windows => "Turn on BitLocker for the system drive (`Enable-BitLocker -MountPoint $env:SystemDrive -TpmProtector -EncryptionMethod XtsAes256`, or by Intune/Group Policy) and store the recovery key in AD/Entra ID; if encryption is in progress, let it finish and check again.",
                OsFamily::Macos => "Turn on FileVault (`sudo fdesetup enable`, or by MDM profile) and escrow the recovery key; if encryption is in progress, leave the Mac on power until it finishes.",
                OsFamily::Linux => "Reinstall with full-disk encryption (LUKS, the installer's \"encrypt\" option) after backing up; LUKS cannot safely be added to a mounted root filesystem.",
            };
            let summary = if enc.in_progress {
                "This laptop's disk is still being encrypted, so personal data on it is not yet protected if it is lost or stolen.".to_string()
            } else {
                "This laptop's disk is not encrypted, so personal data on it could be read if it is lost or stolen.".to_string()
            };
            Finding::new(
                ENCRYPTION,
                host.target(),
                Status::Fail,
                Severity::High,
                summary,
                ev,
            )
            .fix(fix)
        }
        Some(false) => Finding::new(
            ENCRYPTION,
            host.target(),
            Status::Pass,
            Severity::Info,
            "This computer's disk is not encrypted, which the policy allows because it does not leave the site.",
            ev,
        ),
    }
}
