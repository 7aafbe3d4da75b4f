//! The macOS probe's document: XProtect, softwareupdate, FileVault, mount controls, the screen
//! lock and the software list.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::fields::{as_bool, as_text, as_u64, epoch_field, fmt_time, get, obj_of, shown, strings};
use super::software::packages;
use super::HostFacts;

/// The first date in a `softwareupdate --history` row (`…  11/20/2026, 09:15:02`).
pub fn parse_softwareupdate_date(line: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[month padding:none]/[day padding:none]/[year], [hour]:[minute]:[second]"
    );
    // Try every start position of a digit; the date is near the end, so scan from the right.
    let bytes = line.as_bytes();
    let mut starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()))
        .collect();
    starts.reverse();
    for i in starts.into_iter().take(16) {
        let rest = line.get(i..)?;
        let end = rest.len().min(20);
        for len in (17..=end).rev() {
            if let Some(candidate) = rest.get(..len) {
                if let Ok(dt) = time::PrimitiveDateTime::parse(candidate, &fmt) {
                    return Some(dt.assume_utc());
                }
            }
        }
    }
    None
}

/// Reads `defaults read … mount-controls` text (`{ "harddisk-external" = ( deny, eject ); }`):
/// whether external disks are denied, and whether they are read-only.
pub fn parse_mount_controls(text: &str) -> (bool, bool) {
    let Some(i) = text.find("harddisk-external") else {
        return (false, false);
    };
    let rest = text.get(i..).unwrap_or("");
    let list = match (rest.find('('), rest.find(')')) {
        (Some(a), Some(b)) if a < b => rest.get(a + 1..b).unwrap_or(""),
        _ => return (false, false),
    };
    let words: Vec<String> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|w| w.trim_matches('"').to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    (
        words.iter().any(|w| w == "deny"),
        words.iter().any(|w| w == "read-only"),
    )
}

pub(super) fn macos(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = epoch_field(get(Some(obj), "collected_at"));

    let xp = obj_of(obj, "xprotect");
    let av = &mut f.antivirus;
    av.product = Some("XProtect".into());
    av.signature_version = as_text(get(xp, "version"));
    av.signatures_updated = epoch_field(get(xp, "mtime"));
    if av.signature_version.is_some() {
        // XProtect is built in and cannot be switched off; it scans on access.
        av.installed = Some(true);
        av.enabled = Some(true);
    }
    av.evidence = vec![
        ("xprotect.version".into(), shown(get(xp, "version"))),
        (
            "xprotect.bundle_mtime".into(),
            fmt_time(av.signatures_updated),
        ),
    ];

    let rows = strings(get(Some(obj), "softwareupdate_history"), 64);
    let newest = rows
        .iter()
        // Background security-data rows (XProtect, MRT, Gatekeeper) are not OS updates.
        .filter(|r| {
            let n = r.trim_start();
            !["XProtect", "MRT", "Gatekeeper", "Background Task"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .filter_map(|r| parse_softwareupdate_date(r).map(|t| (t, r)))
        .max_by_key(|(t, _)| *t);
    f.updates.last_installed = newest.map(|(t, _)| t);
    f.updates.evidence = vec![
        (
            "softwareupdate --history (newest)".into(),
            newest.map_or_else(|| "none".into(), |(_, r)| r.clone()),
        ),
        ("history_rows".into(), rows.len().to_string()),
    ];

    let fv = as_text(get(Some(obj), "filevault"));
    f.encryption.method = Some("FileVault".into());
    if let Some(s) = &fv {
        if s.contains("FileVault is On") {
            f.encryption.system_encrypted = Some(true);
        } else if s.contains("Encryption in progress") {
            f.encryption.system_encrypted = Some(false);
            f.encryption.in_progress = true;
        } else if s.contains("FileVault is Off") || s.contains("Decryption in progress") {
            f.encryption.system_encrypted = Some(false);
        }
    }
    f.encryption.evidence = vec![(
        "fdesetup status".into(),
        fv.unwrap_or_else(|| "not read".into()),
    )];

    // Removable media: a managed `mount-controls` restriction. No restriction at all (the probe
    // read nothing) means external disks mount freely.
    if obj.contains_key("mount_controls") {
        let mc = as_text(get(Some(obj), "mount_controls"));
        let (deny, read_only) = mc.as_deref().map_or((false, false), parse_mount_controls);
        f.removable.blocked = Some(deny);
        f.removable.write_denied = Some(read_only);
        f.removable.evidence = vec![(
            "managed mount-controls".into(),
            mc.unwrap_or_else(|| "not set".into()),
        )];
    }

    let sl = obj_of(obj, "screen_lock");
    let idle = as_u64(get(sl, "idle_time"));
    let ask = as_bool(get(sl, "ask_for_password"));
    let delay = as_u64(get(sl, "ask_for_password_delay"));
    if let Some(i) = idle {
        f.screen_lock.lock_after_secs = if i == 0 {
            None
        } else {
            Some(i.saturating_add(delay.unwrap_or(0)))
        };
        f.screen_lock.enforced = Some(true);
    }
    f.screen_lock.locks = match (idle, ask) {
        (Some(0), _) => Some(false),
        (_, a) => a,
    };
    let auto = as_text(get(Some(obj), "auto_login_user"));
    f.screen_lock.auto_logon = Some(auto.is_some());
    f.screen_lock.graphical = Some(true);
    f.screen_lock.evidence = vec![
        ("managed idleTime".into(), shown(get(sl, "idle_time"))),
        (
            "managed askForPassword".into(),
            shown(get(sl, "ask_for_password")),
        ),
        (
            "managed askForPasswordDelay".into(),
            shown(get(sl, "ask_for_password_delay")),
        ),
        (
            "loginwindow autoLoginUser".into(),
            auto.unwrap_or_else(|| "not set".into()),
        ),
    ];
    packages(obj, f);
}
