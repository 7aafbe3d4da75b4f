//! The removable-media check: USB storage and external disks are blocked or read-only.

use super::{evidence, unknown, REMOVABLE_MEDIA};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

pub(super) fn removable_media(host: &HostInfo, facts: &HostFacts) -> Finding {
    let rm = &facts.removable;
    let ev = evidence(host, facts, &rm.evidence);
    let scan_note = match rm.scanned {
        Some(false) => " Defender is also set not to scan removable drives (`Set-MpPreference -DisableRemovableDriveScanning $false` turns it on).",
        _ => "",
    };
    match (rm.blocked, rm.write_denied) {
        (None, _) => unknown(
            REMOVABLE_MEDIA,
            host,
            facts,
            ev,
            "the removable-storage settings",
        ),
        (Some(true), _) => Finding::new(
            REMOVABLE_MEDIA,
            host.target(),
            Status::Pass,
            Severity::Info,
            "USB memory sticks and other removable storage are blocked on this computer.",
            ev,
        ),
        (Some(false), Some(true)) => {
            let f = Finding::new(
                REMOVABLE_MEDIA,
                host.target(),
                if rm.scanned == Some(false) { Status::Warn } else { Status::Pass },
                if rm.scanned == Some(false) { Severity::Low } else { Severity::Info },
                "Removable storage can be read on this computer but nothing can be copied to it unless it is encrypted.",
                ev,
            );
            if rm.scanned == Some(false) {
                f.fix(scan_note.trim().to_string())
            } else {
                f
            }
        }
        (Some(false), _) => {
            let fix = match host.os {
                OsFamily::Windows => "Set Group Policy Computer Configuration → Administrative Templates → System → Removable Storage Access → \"All Removable Storage classes: Deny all access\" (or \"Removable Disks: Deny write access\"), or BitLocker \"Deny write access to removable drives not protected by BitLocker\".",
                OsFamily::Linux => "Block the USB storage driver: `echo 'install usb-storage /bin/false' > /etc/modprobe.d/caretaker-usb-storage.conf` (then `update-initramfs -u`), or install and enable USBGuard.",
                OsFamily::Macos => "Deploy an MDM restriction profile that denies or makes read-only external storage (com.apple.systemuiserver mount-controls, or the managed \"external storage\" restriction).",
            };
            Finding::new(
                REMOVABLE_MEDIA,
                host.target(),
                Status::Fail,
                Severity::Medium,
                "USB memory sticks can be used freely on this computer, without permission or encryption.",
                ev,
            )
            .fix(format!("{fix}{scan_note}"))
        }
    }
}
