//! The Windows probe's document: Security Center and Defender, the newest hotfix, BitLocker,
//! removable-storage policy, the screen lock and the software list.

use serde_json::{Map, Value};

use super::fields::{as_bool, as_text, as_u64, get, obj_of, parse_iso, shown};
use super::software::packages;
use super::HostFacts;

/// Decodes a Security Center `productState`: (enabled, signatures up to date).
pub fn decode_product_state(state: u64) -> (bool, bool) {
    let enabled = (state >> 12) & 0xF == 1;
    let up_to_date = (state >> 4) & 0xF == 0;
    (enabled, up_to_date)
}

pub(super) fn windows(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = as_text(get(Some(obj), "collected_at")).and_then(|s| parse_iso(&s));

    // Antivirus: Defender, or a third-party product registered with Security Center.
    let d = obj_of(obj, "defender");
    let av = &mut f.antivirus;
    let mode = as_text(get(d, "AMRunningMode"));
    for key in [
        "AMServiceEnabled",
        "AntivirusEnabled",
        "RealTimeProtectionEnabled",
        "AntivirusSignatureVersion",
        "AntivirusSignatureLastUpdated",
        "AntivirusSignatureAge",
        "AMRunningMode",
    ] {
        av.evidence.push((key.into(), shown(get(d, key))));
    }
    let third: Vec<(String, u64)> = match obj.get("security_center") {
        Some(Value::Array(items)) => items
            .iter()
            .take(8)
            .filter_map(|p| {
                let m = p.as_object()?;
                Some((
                    m.get("displayName").and_then(as_text)?,
                    m.get("productState").and_then(as_u64)?,
                ))
            })
            .collect(),
        Some(Value::Object(m)) => m
            .get("displayName")
            .and_then(as_text)
            .zip(m.get("productState").and_then(as_u64))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let third: Vec<(String, u64)> = third
        .into_iter()
        .filter(|(n, _)| {
            !n.to_ascii_lowercase().contains("windows defender")
                && !n.to_ascii_lowercase().contains("microsoft defender")
        })
        .collect();
    let defender_active = d.is_some() && mode.as_deref().is_none_or(|m| m == "Normal");
    if let Some((name, state)) = third.first().filter(|_| !defender_active) {
        let (on, current) = decode_product_state(*state);
        av.product = Some(name.clone());
        av.installed = Some(true);
        av.enabled = Some(on);
        // Security Center's "on" covers real-time protection.
        av.real_time = Some(on);
        av.signatures_current = Some(current);
        av.evidence
            .push(("SecurityCenter2.displayName".into(), name.clone()));
        av.evidence.push((
            "SecurityCenter2.productState".into(),
            format!("{state} (0x{state:X})"),
        ));
    } else if d.is_some() {
        av.product = Some("Microsoft Defender Antivirus".into());
        av.installed = Some(true);
        let service = as_bool(get(d, "AMServiceEnabled"));
        let antivirus = as_bool(get(d, "AntivirusEnabled"));
        av.enabled = match (service, antivirus) {
            (Some(a), Some(b)) => Some(a && b),
            (Some(false), None) | (None, Some(false)) => Some(false),
            _ => None,
        };
        if mode.as_deref().is_some_and(|m| m != "Normal") {
            // Passive or disabled mode with no other product: not protecting.
            av.enabled = Some(false);
        }
        av.real_time = as_bool(get(d, "RealTimeProtectionEnabled"));
        av.signature_version = as_text(get(d, "AntivirusSignatureVersion"));
        av.signatures_updated =
            as_text(get(d, "AntivirusSignatureLastUpdated")).and_then(|s| parse_iso(&s));
        if av.signatures_updated.is_none() {
            // Fall back to the age in days, counted from when the probe ran.
            if let (Some(age), Some(at)) = (as_u64(get(d, "AntivirusSignatureAge")), f.collected_at)
            {
                av.signatures_updated = i64::try_from(age)
                    .ok()
                    .and_then(|a| at.checked_sub(time::Duration::days(a.min(100_000))));
            }
        }
    }

    // Updates: newest hotfix.
    let hf = obj_of(obj, "last_hotfix");
    f.updates.last_installed = as_text(get(hf, "InstalledOn")).and_then(|s| parse_iso(&s));
    f.updates.evidence = vec![
        ("HotFixID".into(), shown(get(hf, "HotFixID"))),
        ("InstalledOn".into(), shown(get(hf, "InstalledOn"))),
    ];

    // Encryption: BitLocker on the system drive.
    let bl = obj_of(obj, "bitlocker");
    f.encryption.method = Some("BitLocker".into());
    for key in [
        "MountPoint",
        "ProtectionStatus",
        "VolumeStatus",
        "EncryptionMethod",
    ] {
        f.encryption
            .evidence
            .push((key.into(), shown(get(bl, key))));
    }
    if bl.is_some() {
        let prot = as_text(get(bl, "ProtectionStatus")).map(|s| s.to_ascii_lowercase());
        let vol = as_text(get(bl, "VolumeStatus")).map(|s| s.to_ascii_lowercase());
        let protected = prot.as_deref().map(|p| p == "on" || p == "1");
        let full = vol.as_deref().map(|v| v == "fullyencrypted" || v == "1");
        f.encryption.in_progress = vol.as_deref() == Some("encryptioninprogress");
        f.encryption.system_encrypted = match (protected, full) {
            (Some(p), Some(v)) => Some(p && v),
            (Some(false), None) | (None, Some(false)) => Some(false),
            _ => None,
        };
    }

    // Removable storage.
    let rm = obj_of(obj, "removable");
    if let Some(r) = rm {
        let num = |k: &str| as_u64(get(Some(r), k));
        let start = num("usbstor_start");
        let deny_all = num("deny_all");
        let deny_read = num("disk_deny_read");
        let deny_write = num("disk_deny_write");
        let rdv = num("rdv_deny_write_access");
        let any = [start, deny_all, deny_read, deny_write, rdv]
            .iter()
            .any(Option::is_some);
        if any {
            f.removable.blocked =
                Some(start == Some(4) || deny_all == Some(1) || deny_read == Some(1));
            f.removable.write_denied = Some(deny_write == Some(1) || rdv == Some(1));
        }
        f.removable.scanned =
            as_bool(get(Some(r), "disable_removable_drive_scanning")).map(|disabled| !disabled);
        for (k, label) in [
            ("usbstor_start", "USBSTOR\\Start"),
            ("deny_all", "RemovableStorageDevices\\Deny_All"),
            (
                "disk_deny_read",
                "RemovableStorageDevices\\{53f5630d-…}\\Deny_Read",
            ),
            (
                "disk_deny_write",
                "RemovableStorageDevices\\{53f5630d-…}\\Deny_Write",
            ),
            ("rdv_deny_write_access", "FVE\\RDVDenyWriteAccess"),
            (
                "disable_removable_drive_scanning",
                "MpPreference.DisableRemovableDriveScanning",
            ),
        ] {
            f.removable
                .evidence
                .push((label.into(), shown(get(Some(r), k))));
        }
    }

    // Screen lock.
    let sl = obj_of(obj, "screen_lock");
    if let Some(s) = sl {
        let inactivity = as_u64(get(Some(s), "inactivity_timeout_secs"));
        let ss_timeout = as_u64(get(Some(s), "screensaver_timeout"));
        let ss_secure = as_bool(get(Some(s), "screensaver_secure"));
        match (inactivity.filter(|&n| n > 0), ss_timeout.filter(|&n| n > 0)) {
            (Some(i), _) => {
                f.screen_lock.lock_after_secs = Some(i);
                f.screen_lock.locks = Some(true);
                f.screen_lock.enforced = Some(true);
            }
            (None, Some(t)) => {
                f.screen_lock.lock_after_secs = Some(t);
                f.screen_lock.locks = Some(ss_secure == Some(true));
                f.screen_lock.enforced = Some(true);
            }
            (None, None) => {
                // No policy at all: the machine is left to each user's settings.
                f.screen_lock.locks = Some(false);
                f.screen_lock.enforced = Some(false);
            }
        }
        // A missing AutoAdminLogon value means off.
        f.screen_lock.auto_logon = Some(as_bool(get(Some(s), "auto_admin_logon")) == Some(true));
        f.screen_lock.graphical = Some(true);
        for (k, label) in [
            ("inactivity_timeout_secs", "InactivityTimeoutSecs"),
            ("screensaver_timeout", "ScreenSaveTimeOut"),
            ("screensaver_secure", "ScreenSaverIsSecure"),
            ("auto_admin_logon", "Winlogon\\AutoAdminLogon"),
        ] {
            f.screen_lock
                .evidence
                .push((label.into(), shown(get(Some(s), k))));
        }
    }
    packages(obj, f);
}
