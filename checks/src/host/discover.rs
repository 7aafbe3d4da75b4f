//! Machines found in Active Directory: computer objects under a configured OU, read by
//! [`crate::directory::probe::search_computers`], turned into machines to check.
//!
//! Pure: entries in, machines and skipped objects out. A disabled computer account, or one with
//! no `dNSHostName` (nothing to connect to), is skipped with a reason.

use serde::Serialize;

use super::OsFamily;
use crate::directory::parse::Entry;

/// `userAccountControl` bit ACCOUNTDISABLE.
const ACCOUNT_DISABLE: u64 = 0x2;

/// A computer object to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovered {
    /// Lower-case `cn` (`office-pc-1`): the machine's name in findings.
    pub name: String,
    /// `dNSHostName` (`office-pc-1.school.local`): where it is reached.
    pub address: String,
    /// From `operatingSystem`; `None` when it does not say (then detected on connect).
    pub os: Option<OsFamily>,
    /// `operatingSystem` and `operatingSystemVersion` as the directory holds them.
    pub operating_system: String,
    pub dn: String,
}

/// A computer object that is not checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub dn: String,
    pub reason: &'static str,
}

/// The OS family an `operatingSystem` value names: `Windows 11 Pro`, `Windows Server 2022
/// Standard`, `Mac OS X`, `macOS`, `Ubuntu`, `Debian GNU/Linux`…
pub fn os_from_attribute(value: &str) -> Option<OsFamily> {
    let v = value.to_ascii_lowercase();
    if v.starts_with("windows") {
        Some(OsFamily::Windows)
    } else if v.contains("mac os") || v.starts_with("macos") || v.contains("os x") {
        Some(OsFamily::Macos)
    } else if [
        "linux", "ubuntu", "debian", "fedora", "red hat", "centos", "suse", "mint",
    ]
    .iter()
    .any(|w| v.contains(w))
    {
        Some(OsFamily::Linux)
    } else {
        None
    }
}

/// A host name a machine may be reached at: letters, digits, `-` and `.` only, at most 253.
fn usable_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['-', '.'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Splits computer objects into machines to check and skipped objects, in DN order.
pub fn computers(entries: &[Entry]) -> (Vec<Discovered>, Vec<Skipped>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.dn.to_ascii_lowercase());
    for e in sorted {
        let uac = e
            .first("useraccountcontrol")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(|v| v as u64);
        if uac.is_some_and(|v| v & ACCOUNT_DISABLE != 0) {
            skipped.push(Skipped {
                dn: e.dn.clone(),
                reason: "the computer account is disabled",
            });
            continue;
        }
        let Some(address) = e.first("dnshostname").map(str::trim) else {
            skipped.push(Skipped {
                dn: e.dn.clone(),
                reason: "it has no dNSHostName to connect to",
            });
            continue;
        };
        if !usable_host_name(address) {
            skipped.push(Skipped {
                dn: e.dn.clone(),
                reason: "its dNSHostName is not a usable host name",
            });
            continue;
        }
        let cn = e
            .first("cn")
            .map(str::to_string)
            .unwrap_or_else(|| address.split('.').next().unwrap_or(address).to_string());
        let name = cn.trim().to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            skipped.push(Skipped {
                dn: e.dn.clone(),
                reason: "its name is not usable as a machine name",
            });
            continue;
        }
        let system = e.first("operatingsystem").unwrap_or("").trim();
        let version = e.first("operatingsystemversion").unwrap_or("").trim();
        found.push(Discovered {
            name,
            address: address.to_ascii_lowercase(),
            os: os_from_attribute(system),
            operating_system: format!("{system} {version}").trim().to_string(),
            dn: e.dn.clone(),
        });
    }
    (found, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn computer(cn: &str, dns: Option<&str>, os: &str, uac: &str) -> Entry {
        let mut e = Entry::new(format!("CN={cn},OU=Computers,DC=school,DC=local"));
        e.push("cn", cn);
        if let Some(d) = dns {
            e.push("dNSHostName", d);
        }
        if !os.is_empty() {
            e.push("operatingSystem", os);
            e.push("operatingSystemVersion", "10.0 (22631)");
        }
        e.push("userAccountControl", uac);
        e
    }

    #[test]
    fn enabled_computers_with_a_host_name_are_found() {
        let entries = vec![
            computer(
                "OFFICE-PC-1",
                Some("office-pc-1.school.local"),
                "Windows 11 Pro",
                "4096",
            ),
            computer(
                "OLD-PC",
                Some("old-pc.school.local"),
                "Windows 7 Professional",
                "4098",
            ),
            computer("NO-DNS", None, "Windows 10 Pro", "4096"),
            computer("BAD", Some("bad host;rm"), "Windows 10 Pro", "4096"),
            computer("MAC-1", Some("mac-1.school.local"), "Mac OS X", "4096"),
            computer("APPLIANCE", Some("nas.school.local"), "", "4096"),
        ];
        let (found, skipped) = computers(&entries);
        let names: Vec<&str> = found.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["appliance", "mac-1", "office-pc-1"]);
        assert_eq!(found[2].os, Some(OsFamily::Windows));
        assert_eq!(found[2].address, "office-pc-1.school.local");
        assert_eq!(found[2].operating_system, "Windows 11 Pro 10.0 (22631)");
        assert_eq!(found[1].os, Some(OsFamily::Macos));
        assert_eq!(found[0].os, None);
        let reasons: Vec<&str> = skipped.iter().map(|s| s.reason).collect();
        assert_eq!(
            reasons,
            [
                "its dNSHostName is not a usable host name",
                "it has no dNSHostName to connect to",
                "the computer account is disabled"
            ]
        );
    }

    #[test]
    fn operating_system_values() {
        for (v, os) in [
            ("Windows Server 2022 Standard", Some(OsFamily::Windows)),
            ("Windows 10 Education", Some(OsFamily::Windows)),
            ("macOS", Some(OsFamily::Macos)),
            ("Ubuntu", Some(OsFamily::Linux)),
            ("Debian GNU/Linux", Some(OsFamily::Linux)),
            ("", None),
            ("OnTap", None),
        ] {
            assert_eq!(os_from_attribute(v), os, "{v}");
        }
    }
}
