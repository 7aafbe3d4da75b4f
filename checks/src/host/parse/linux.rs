//! The Linux probe's document: ClamAV and other anti-virus products, package updates, LUKS,
//! USB storage, the screen lock and the software list.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::fields::{
    as_bool, as_text, as_u64, clip, epoch_field, fmt_time, from_epoch, get, obj_of, shown, strings,
};
use super::notifier::parse_updates_available;
use super::software::packages;
use super::{Antivirus, HostFacts};

/// Reads a ClamAV `.cvd`/`.cld` header (`ClamAV-VDB:<build time>:<version>:<sigs>:<level>:<md5>:
/// <dsig>:<builder>:<build time in seconds>`): the version and the build time.
pub fn parse_clamav_header(header: &str) -> Option<(String, OffsetDateTime)> {
    let fields: Vec<&str> = header.trim().splitn(10, ':').collect();
    if fields.first() != Some(&"ClamAV-VDB") {
        return None;
    }
    let version = fields.get(2)?.trim().to_string();
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let epoch = fields.get(8).and_then(|s| {
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse::<u64>().ok().and_then(from_epoch)
    });
    let built = match epoch {
        Some(t) => t,
        None => parse_clamav_time(fields.get(1)?)?,
    };
    Some((version, built))
}

/// `22 Nov 2026 07-26 +0000` → a time.
fn parse_clamav_time(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]-[minute] [offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(s.trim(), &fmt).ok()
}

/// What the Linux probe looks for as anti-virus, in words.
pub const LINUX_AV_LOOKED_FOR: &str = "ClamAV (/var/lib/clamav), Microsoft Defender for Endpoint (mdatp), ESET (/opt/eset), Sophos (/opt/sophos-spl), Trellix (/opt/McAfee/ens) and CrowdStrike Falcon (/opt/CrowdStrike)";

/// `mdatp health` lines (`definitions_updated_minutes_ago : 42`, `real_time_protection_enabled :
/// true [managed]`) as key → value, quotes and `[managed]` removed.
pub fn parse_mdatp_health(lines: &[String]) -> std::collections::BTreeMap<String, String> {
    lines
        .iter()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let v = v.trim();
            let v = v.strip_suffix("[managed]").unwrap_or(v).trim();
            Some((k.trim().to_string(), v.trim_matches('"').to_string()))
        })
        .collect()
}

/// One entry of the Linux probe's `av_products`.
fn other_antivirus(p: &Map<String, Value>, collected_at: Option<OffsetDateTime>) -> Antivirus {
    let name = p
        .get("product")
        .and_then(as_text)
        .unwrap_or_else(|| "anti-virus".into());
    let service = p.get("service").and_then(as_text);
    let mut av = Antivirus {
        product: Some(clip(&name, 80)),
        installed: Some(true),
        ..Antivirus::default()
    };
    av.evidence
        .push(("product".into(), av.product.clone().unwrap_or_default()));
    av.evidence.push((
        "install_dir".into(),
        p.get("dir")
            .and_then(as_text)
            .unwrap_or_else(|| "not read".into()),
    ));
    av.evidence.push((
        "service".into(),
        service.clone().unwrap_or_else(|| "not read".into()),
    ));
    let by_service = match service.as_deref() {
        Some("active") => Some(true),
        Some(_) => Some(false),
        None => None,
    };
    if let Some(Value::Array(_)) = p.get("health") {
        // Microsoft Defender for Endpoint.
        let lines = strings(p.get("health").unwrap_or(&Value::Null), 64);
        let h = parse_mdatp_health(&lines);
        let b = |k: &str| h.get(k).and_then(|v| as_bool(&Value::String(v.clone())));
        let passive = b("passive_mode_enabled");
        let rtp = b("real_time_protection_enabled");
        av.real_time = rtp;
        av.enabled = match (b("healthy"), passive, rtp) {
            (_, Some(true), _) | (_, _, Some(false)) => Some(false),
            (Some(true), _, Some(true)) => Some(true),
            (Some(false), _, _) => Some(false),
            _ => by_service,
        };
        av.signature_version = h.get("definitions_version").cloned();
        if let (Some(m), Some(at)) = (
            h.get("definitions_updated_minutes_ago")
                .and_then(|m| m.parse::<i64>().ok()),
            collected_at,
        ) {
            av.signatures_updated =
                at.checked_sub(time::Duration::minutes(m.clamp(0, 100_000_000)));
        }
        for k in [
            "healthy",
            "real_time_protection_enabled",
            "passive_mode_enabled",
            "definitions_status",
            "definitions_version",
            "definitions_updated",
            "definitions_updated_minutes_ago",
            "app_version",
        ] {
            av.evidence.push((
                format!("mdatp.{k}"),
                h.get(k).cloned().unwrap_or_else(|| "not read".into()),
            ));
        }
        if lines.is_empty() {
            av.evidence
                .push(("mdatp health".into(), "printed nothing".into()));
        }
        return av;
    }
    av.enabled = by_service;
    if let Some(t) = p
        .get("definitions_mtime")
        .and_then(as_u64)
        .and_then(from_epoch)
    {
        av.signatures_updated = Some(t);
        av.evidence
            .push(("newest_definitions_file".into(), fmt_time(Some(t))));
    } else if name.starts_with("CrowdStrike") {
        av.no_signatures = true;
    } else {
        av.age_unknown_reason = Some(format!(
            "{name} keeps the date of its definitions in its management console, not in a file caretaker can read"
        ));
    }
    av
}

pub(super) fn linux(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = epoch_field(get(Some(obj), "collected_at"));

    // Antivirus: ClamAV, then the other products the probe found.
    let clam = obj_of(obj, "clamav");
    let mut av = Antivirus {
        product: Some("ClamAV".into()),
        ..Antivirus::default()
    };
    let header = as_text(get(clam, "daily_header"));
    let file = as_text(get(clam, "daily_file"));
    av.evidence
        .push(("clamav.daily_file".into(), shown(get(clam, "daily_file"))));
    av.evidence.push((
        "clamav.daily_header".into(),
        shown(get(clam, "daily_header")),
    ));
    av.evidence
        .push(("clamav.freshclam".into(), shown(get(clam, "freshclam"))));
    av.evidence
        .push(("clamav.clamd".into(), shown(get(clam, "clamd"))));
    if clam.is_none() {
        f.problems.push("the probe did not report on ClamAV".into());
    } else if file.is_none() && as_bool(get(clam, "clamscan")) != Some(true) {
        av.installed = Some(false);
    } else {
        av.installed = Some(true);
        match header.as_deref().and_then(parse_clamav_header) {
            Some((v, t)) => {
                av.signature_version = Some(v);
                av.signatures_updated = Some(t);
            }
            None => {
                if let Some(h) = &header {
                    f.problems.push(format!(
                        "the ClamAV database header could not be read: {:?}",
                        clip(h, 80)
                    ));
                }
            }
        }
        // ClamAV has no on/off switch: a present database is "on", and the judge decides by
        // the database's age (freshclam may run as a service or from cron; its state is evidence).
        av.enabled = Some(true);
    }
    let others: Vec<Antivirus> = match obj.get("av_products") {
        Some(Value::Array(items)) => items
            .iter()
            .take(8)
            .filter_map(Value::as_object)
            .map(|p| other_antivirus(p, f.collected_at))
            .collect(),
        _ => Vec::new(),
    };
    let found: Vec<String> = others.iter().filter_map(|a| a.product.clone()).collect();
    let mut candidates: Vec<Antivirus> = others;
    if av.installed == Some(true) || candidates.is_empty() {
        candidates.insert(0, av);
    }
    // The one that protects best decides: switched on, then the newest definitions.
    let best = candidates
        .into_iter()
        .max_by_key(|a| {
            (
                a.installed == Some(true),
                a.enabled == Some(true),
                a.no_signatures || a.signatures_updated.is_some(),
                a.signatures_updated,
            )
        })
        .unwrap_or_default();
    f.antivirus = best;
    if !found.is_empty() {
        f.antivirus
            .evidence
            .push(("products_found".into(), found.join(", ")));
    }
    if f.antivirus.installed == Some(false) {
        f.antivirus.looked_for = Some(LINUX_AV_LOOKED_FOR.into());
    }

    // Updates: the newest real upgrade in any log, rotated ones included.
    let up = obj_of(obj, "updates");
    let pending_source = as_text(get(up, "pending_source"));
    f.updates.pending = as_u64(get(up, "pending"));
    f.updates.pending_security = as_u64(get(up, "pending_security"));
    if pending_source.as_deref() == Some("update-notifier") {
        // The OS's own count, in its own words (translated): the numbers are read here.
        // Blank lines kept: they separate the installable updates from the rest.
        let lines: Vec<String> = match get(up, "notifier") {
            Value::Array(items) => items
                .iter()
                .take(32)
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect(),
            _ => Vec::new(),
        };
        if let Some((n, sec)) = parse_updates_available(&lines) {
            f.updates.pending = Some(n);
            f.updates.pending_security = Some(sec);
        }
    }
    let pending_note = as_text(get(up, "pending_note"));
    if f.updates.pending.is_none() && up.is_some() {
        f.updates.pending_unknown = Some(match (&pending_source, &pending_note) {
            (_, Some(note)) => clip(note, 300),
            (Some(s), None) => format!("{s} gave no count"),
            (None, None) => "no source of the count was found (apt, update-notifier)".into(),
        });
    }
    f.updates.pending_security_names = as_text(get(up, "pending_security_names"))
        .map(|s| s.split_whitespace().take(20).map(str::to_string).collect())
        .unwrap_or_default();
    let source = as_text(get(up, "source"));
    match get(up, "upgrades") {
        Value::Array(_) => {
            let rows = strings(get(up, "upgrades"), 48);
            let newest = rows
                .iter()
                .filter_map(|r| {
                    let mut p = r.splitn(3, '|');
                    let t = p
                        .next()
                        .and_then(|e| e.trim().parse::<u64>().ok())
                        .and_then(from_epoch)?;
                    Some((t, r))
                })
                .max_by_key(|(t, _)| *t);
            f.updates.last_installed = newest.map(|(t, _)| t);
            f.updates.no_upgrade_recorded = newest.is_none()
                && source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("/var/log/apt/history.log"));
            f.updates.evidence = vec![
                ("last_upgrade".into(), fmt_time(f.updates.last_installed)),
                (
                    "last_upgrade_source".into(),
                    newest.map_or_else(
                        || "no upgrade in apt's history or dpkg.log".into(),
                        |(_, r)| r.split_once('|').map_or(r.as_str(), |x| x.1).to_string(),
                    ),
                ),
                ("logs_with_upgrades".into(), rows.len().to_string()),
            ];
            if newest.is_none() && source.is_none() {
                f.problems
                    .push("no package log found (apt history, dpkg.log, dnf.rpm.log)".into());
                f.updates.last_installed = None;
            }
            if newest.is_none() && source.as_deref().is_some_and(|s| s.starts_with("mtime of")) {
                // dnf: the log's time is all there is.
                f.updates.last_installed = epoch_field(get(up, "last_install_epoch"));
            }
        }
        _ => {
            f.updates.last_installed = epoch_field(get(up, "last_install_epoch"));
            f.updates.evidence = vec![
                ("last_installed".into(), fmt_time(f.updates.last_installed)),
                ("source".into(), shown(get(up, "source"))),
            ];
        }
    }
    let count = |n: Option<u64>| n.map_or_else(|| "not counted".to_string(), |n| n.to_string());
    f.updates
        .evidence
        .push(("pending".into(), count(f.updates.pending)));
    f.updates
        .evidence
        .push(("pending_security".into(), count(f.updates.pending_security)));
    f.updates
        .evidence
        .push(("pending_source".into(), shown(get(up, "pending_source"))));
    if let Some(note) = &pending_note {
        f.updates
            .evidence
            .push(("pending_source_note".into(), clip(note, 300)));
    }
    if !f.updates.pending_security_names.is_empty() {
        f.updates.evidence.push((
            "pending_security_names".into(),
            f.updates.pending_security_names.join(" "),
        ));
    }
    if let Some(t) = epoch_field(get(up, "apt_update_success_epoch")) {
        f.updates
            .evidence
            .push(("apt_update_success".into(), fmt_time(Some(t))));
    }

    // Encryption: a crypt device in the root filesystem's chain.
    let enc = obj_of(obj, "encryption");
    let chain = as_text(get(enc, "lsblk_chain"));
    let dm = as_u64(get(enc, "crypt_dm_devices"));
    f.encryption.method = Some("LUKS (dm-crypt)".into());
    f.encryption.system_encrypted = chain.as_ref().map(|c| {
        c.split_whitespace()
            .any(|t| t.split(':').next() == Some("crypt"))
    });
    f.encryption.evidence = vec![
        ("root_source".into(), shown(get(enc, "root_source"))),
        ("lsblk_chain".into(), shown(get(enc, "lsblk_chain"))),
        (
            "crypt_dm_devices".into(),
            shown(get(enc, "crypt_dm_devices")),
        ),
    ];
    if chain.is_none() && dm.is_some_and(|n| n > 0) {
        f.problems.push(
            "a dm-crypt device exists but the root filesystem's device chain could not be read"
                .into(),
        );
    }

    // Removable storage.
    let rm = obj_of(obj, "removable");
    if rm.is_some() {
        let rules = strings(get(rm, "modprobe_rules"), 64);
        let usbguard = as_text(get(rm, "usbguard"));
        let disabled_by_rule = rules.iter().any(|r| {
            let w: Vec<&str> = r.split_whitespace().collect();
            let module_ok = |m: &str| m == "usb-storage" || m == "usb_storage";
            match w.as_slice() {
                ["install", m, cmd, ..] => {
                    module_ok(m) && (cmd.ends_with("/true") || cmd.ends_with("/false"))
                }
                ["blacklist", m, ..] => module_ok(m),
                _ => false,
            }
        });
        let guarded = usbguard.as_deref() == Some("active");
        f.removable.blocked = Some(disabled_by_rule || guarded);
        f.removable.evidence = vec![
            (
                "modprobe_rules".into(),
                if rules.is_empty() {
                    "none".into()
                } else {
                    rules.join("; ")
                },
            ),
            ("usbguard".into(), shown(get(rm, "usbguard"))),
            (
                "usb_storage_loaded".into(),
                shown(get(rm, "usb_storage_loaded")),
            ),
        ];
    }

    // Screen lock and automatic login: what the desktop session will apply.
    if let Some(sl) = obj_of(obj, "screen_lock") {
        f.screen_lock = crate::host::screenlock::linux(sl);
    }
    packages(obj, f);
}
