//! Validation of `[hosts]`, `[[hosts.discover]]`, `[[hosts.group]]` and every `[[host]]`.

use super::locator::{Locator, Seg};
use super::validate::unique_name;
use super::ConfigError;
use crate::schema::{Config, DirectoryKind};

pub(super) fn validate_hosts(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    let h = &config.hosts;
    let key = |k: &str| vec![Seg::key("hosts"), Seg::key(k)];
    if !(1..=1024).contains(&h.concurrency) {
        return Err(at.error(
            &key("concurrency"),
            Some(h.concurrency.to_string()),
            "how many machines at once: from 1 to 1024",
        ));
    }
    for (k, v, max) in [
        ("connect_timeout_secs", h.connect_timeout_secs, 600),
        ("command_timeout_secs", h.command_timeout_secs, 3600),
    ] {
        if !(1..=max).contains(&v) {
            return Err(at.error(
                &key(k),
                Some(v.to_string()),
                format!("a whole number of seconds from 1 to {max}"),
            ));
        }
    }
    if !(1024..=1 << 30).contains(&h.max_output_bytes) {
        return Err(at.error(
            &key("max_output_bytes"),
            Some(h.max_output_bytes.to_string()),
            "a size in bytes from 1024 to 1073741824",
        ));
    }
    let t = &h.thresholds;
    let tkey = |k: &str| vec![Seg::key("hosts"), Seg::key("thresholds"), Seg::key(k)];
    if t.signature_warn_hours == 0 || t.signature_warn_hours > t.signature_fail_hours {
        return Err(at.error(
            &tkey("signature_warn_hours"),
            Some(t.signature_warn_hours.to_string()),
            format!(
                "hours from 1 to signature_fail_hours ({})",
                t.signature_fail_hours
            ),
        ));
    }
    for (k, v) in [
        ("xprotect_max_days", t.xprotect_max_days),
        ("update_max_days", t.update_max_days),
        ("screen_lock_max_minutes", t.screen_lock_max_minutes),
    ] {
        if !(1..=3650).contains(&v) {
            return Err(at.error(
                &tkey(k),
                Some(v.to_string()),
                "a whole number from 1 to 3650",
            ));
        }
    }
    for (os, list) in [
        ("linux", &h.allowed_software.linux),
        ("windows", &h.allowed_software.windows),
        ("macos", &h.allowed_software.macos),
    ] {
        for (j, p) in list.iter().enumerate() {
            if let Err(e) = globset::Glob::new(p) {
                return Err(at.error(
                    &[
                        Seg::key("hosts"),
                        Seg::key("allowed_software"),
                        Seg::key(os),
                        Seg::Index(j),
                    ],
                    Some(format!("{p:?}")),
                    format!(
                        "a glob pattern such as \"Microsoft Office*\" ({})",
                        e.kind()
                    ),
                ));
            }
        }
    }
    if h.user.trim().is_empty() {
        return Err(at.error(
            &key("user"),
            Some("\"\"".into()),
            "the account the probe logs in as",
        ));
    }
    let mut group_names = std::collections::BTreeSet::new();
    for (i, g) in h.groups.iter().enumerate() {
        if g.name.trim().is_empty() || !group_names.insert(g.name.clone()) {
            return Err(at.error(
                &[
                    Seg::key("hosts"),
                    Seg::key("group"),
                    Seg::Index(i),
                    Seg::key("name"),
                ],
                Some(format!("{:?}", g.name)),
                "a group name, not empty and not repeated",
            ));
        }
    }
    for (i, d) in h.discover.iter().enumerate() {
        let dkey = |k: &str| {
            vec![
                Seg::key("hosts"),
                Seg::key("discover"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        let ads: Vec<&str> = config
            .directories
            .iter()
            .filter(|x| x.kind == DirectoryKind::ActiveDirectory)
            .map(|x| x.name.as_str())
            .collect();
        if !ads.contains(&d.directory.as_str()) {
            return Err(at.error(
                &dkey("directory"),
                Some(format!("{:?}", d.directory)),
                format!(
                    "the name of an Active Directory [[directory]] ({})",
                    if ads.is_empty() {
                        "none is defined".to_string()
                    } else {
                        ads.join(", ")
                    }
                ),
            ));
        }
        if !d.base_dn.contains('=') {
            return Err(at.error(
                &dkey("base_dn"),
                Some(format!("{:?}", d.base_dn)),
                "the DN of the OU holding the computers, such as \"OU=Computers,DC=school,DC=local\"",
            ));
        }
        if let Some(g) = &d.group {
            if !h.groups.iter().any(|x| &x.name == g) {
                return Err(at.error(
                    &dkey("group"),
                    Some(format!("{g:?}")),
                    "the name of a [[hosts.group]]",
                ));
            }
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, host) in config.host_list.iter().enumerate() {
        let hkey = |k: &str| vec![Seg::key("host"), Seg::Index(i), Seg::key(k)];
        unique_name(
            at,
            &hkey("name"),
            &host.name,
            &mut names,
            &['-', '_', '.'],
            "a short name of letters, digits, '-', '_' or '.'",
            "[[host]]",
        )?;
        if host.address.trim().is_empty()
            || host
                .address
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(at.error(
                &hkey("address"),
                Some(format!("{:?}", host.address)),
                "an address or DNS name",
            ));
        }
        if host.port == Some(0) {
            return Err(at.error(
                &hkey("port"),
                Some("0".into()),
                "a TCP port from 1 to 65535",
            ));
        }
        if let Some(g) = &host.group {
            if !h.groups.iter().any(|x| &x.name == g) {
                let known: Vec<&str> = h.groups.iter().map(|x| x.name.as_str()).collect();
                return Err(at.error(
                    &hkey("group"),
                    Some(format!("{g:?}")),
                    format!(
                        "the name of a [[hosts.group]] ({})",
                        if known.is_empty() {
                            "none is defined".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
    }
    Ok(())
}
