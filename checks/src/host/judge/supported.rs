//! The supported-software check: the machine's operating system still gets security updates
//! from its maker, by the dates in `end-of-support.toml` (their sources and the day they were
//! checked are in the file, and in every finding's evidence).

use std::sync::OnceLock;

use serde::Deserialize;
use time::{Date, OffsetDateTime};

use super::{evidence, unknown, SUPPORTED};
use crate::host::parse::HostFacts;
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

/// The dates, as kept in the repository.
pub const END_OF_SUPPORT_TOML: &str = include_str!("../end-of-support.toml");

/// How near the end a machine starts to warn.
pub const WARN_DAYS: i64 = 90;

/// The end-of-support list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndOfSupport {
    /// The day the dates were last checked against their sources.
    #[serde(deserialize_with = "toml_date")]
    pub checked: Date,
    #[serde(rename = "os")]
    pub entries: Vec<Entry>,
}

/// One operating system (or one version or edition of it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub family: String,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub editions: Vec<String>,
    /// None: the maker announces no end, and the version still got security updates on the day
    /// the list was checked.
    #[serde(default, deserialize_with = "toml_date_opt")]
    pub ends: Option<Date>,
    pub source: String,
}

/// A TOML local date (`2025-10-14`) as a date.
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let v = toml::value::Datetime::deserialize(d)?;
    match (v.date, v.time, v.offset) {
        (Some(date), None, None) => time::Month::try_from(date.month)
            .ok()
            .and_then(|m| Date::from_calendar_date(i32::from(date.year), m, date.day).ok())
            .ok_or_else(|| serde::de::Error::custom(format!("{v} is not a date"))),
        _ => Err(serde::de::Error::custom(format!(
            "{v}: a date (YYYY-MM-DD), without a time"
        ))),
    }
}

fn toml_date_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    toml_date(d).map(Some)
}

/// How long an entry with no end date is trusted after the list was checked.
pub const UNDATED_TRUSTED_DAYS: i64 = 365;

impl Entry {
    /// Whether this entry is the machine's: family, name, version and edition.
    fn matches(&self, os: OsFamily, name: &str, version: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.family.eq_ignore_ascii_case(os.as_str())
            && lower.contains(&self.name.to_ascii_lowercase())
            && self.version.as_deref().is_none_or(|v| {
                version == v
                    || version
                        .strip_prefix(v)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            && (self.editions.is_empty()
                || self
                    .editions
                    .iter()
                    .any(|e| lower.contains(&e.to_ascii_lowercase())))
    }
}

impl EndOfSupport {
    /// The list kept in the repository (checked by a unit test to read).
    pub fn builtin() -> Option<&'static EndOfSupport> {
        static LIST: OnceLock<Option<EndOfSupport>> = OnceLock::new();
        LIST.get_or_init(|| toml::from_str(END_OF_SUPPORT_TOML).ok())
            .as_ref()
    }

    /// The first entry for a machine that calls itself `name` `version`.
    pub fn find(&self, os: OsFamily, name: &str, version: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches(os, name, version))
    }
}

/// "14 October 2025".
fn day(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

pub(super) fn supported(host: &HostInfo, facts: &HostFacts, now: OffsetDateTime) -> Finding {
    let mut ev = evidence(host, facts, &[]);
    let (Some(name), Some(version)) = (facts.os_name.as_deref(), facts.os_version.as_deref())
    else {
        return unknown(
            SUPPORTED,
            host,
            facts,
            ev,
            "the operating system's name and version",
        );
    };
    let shown = format!("{name} {version}");
    let Some(list) = EndOfSupport::builtin() else {
        return Finding::error(
            SUPPORTED,
            host.target(),
            "Could not tell whether the operating system is still supported: caretaker's end-of-support list could not be read.",
            ev,
        );
    };
    ev.push("end_of_support_checked", list.checked.to_string());
    let Some(entry) = list.find(host.os, name, version) else {
        return Finding::new(
            SUPPORTED,
            host.target(),
            Status::Warn,
            Severity::Medium,
            format!("The end of security updates for {shown} is not in caretaker's list: check it on the maker's website."),
            ev,
        )
        .fix(format!(
            "Look up the end of security updates for {shown} on its maker's website; if it has passed or is near, plan the upgrade. (caretaker's list of end-of-support dates was checked on {}; a newer caretaker may know this version.)",
            day(list.checked)
        ));
    };
    ev.push("end_of_support_source", &entry.source);
    let today = now.date();
    let Some(ends) = entry.ends else {
        ev.push("end_of_support", "none announced");
        let age = (today - list.checked).whole_days();
        if age <= UNDATED_TRUSTED_DAYS {
            return Finding::new(
                SUPPORTED,
                host.target(),
                Status::Pass,
                Severity::Info,
                format!(
                    "This computer runs {shown}, which was still getting security updates when caretaker's list was checked on {} (its maker announces no end date).",
                    day(list.checked)
                ),
                ev,
            );
        }
        return Finding::new(
            SUPPORTED,
            host.target(),
            Status::Warn,
            Severity::Medium,
            format!(
                "This computer runs {shown}, whose maker announces no end of security updates, and caretaker's list was last checked on {}: check it on the maker's website.",
                day(list.checked)
            ),
            ev,
        )
        .fix(format!("Check that {shown} still gets security updates (for macOS, Apple's security releases page); update caretaker for a newer list."));
    };
    ev.push("end_of_support", ends.to_string());
    let left = (ends - today).whole_days();
    ev.push("days_left", left);
    let fix = match host.os {
        OsFamily::Windows => "Upgrade this computer to a supported version of Windows (or replace it if it cannot run one); until then keep it off the network or away from personal data.",
        OsFamily::Linux => "Upgrade this computer to a supported release of its distribution (for Debian: the next stable release, following its release notes); until then keep it away from personal data.",
        OsFamily::Macos => "Upgrade macOS in System Settings → General → Software Update (or replace a Mac that cannot run a supported version); until then keep it away from personal data.",
    };
    if left < 0 {
        Finding::new(
            SUPPORTED,
            host.target(),
            Status::Fail,
            Severity::High,
            format!(
                "This computer runs {shown}, which stopped getting security updates on {}: new weaknesses in it are never fixed.",
                day(ends)
            ),
            ev,
        )
        .fix(fix)
    } else if left <= WARN_DAYS {
        Finding::new(
            SUPPORTED,
            host.target(),
            Status::Warn,
            Severity::Medium,
            format!(
                "This computer runs {shown}, which stops getting security updates on {} ({left} days from now).",
                day(ends)
            ),
            ev,
        )
        .fix(fix)
    } else {
        Finding::new(
            SUPPORTED,
            host.target(),
            Status::Pass,
            Severity::Info,
            format!(
                "This computer runs {shown}, which gets security updates until {}.",
                day(ends)
            ),
            ev,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ends(os: OsFamily, name: &str, version: &str) -> Option<String> {
        EndOfSupport::builtin()
            .unwrap()
            .find(os, name, version)
            .map(|e| e.ends.map_or("none".to_string(), |d| d.to_string()))
    }

    #[test]
    fn the_list_reads_and_the_specific_entry_wins() {
        let list = EndOfSupport::builtin().expect("end-of-support.toml reads");
        assert!(list.entries.len() > 20);
        use OsFamily::{Linux, Macos, Windows};
        // As the recorded probes name them (checks/fixtures/host/).
        assert_eq!(
            ends(Windows, "Microsoft Windows 11 Pro", "10.0.22631").as_deref(),
            Some("2025-11-11")
        );
        assert_eq!(
            ends(Windows, "Microsoft Windows 11 Education", "10.0.22631").as_deref(),
            Some("2026-11-10")
        );
        assert_eq!(
            ends(Windows, "Microsoft Windows 10 Education", "10.0.19045").as_deref(),
            Some("2025-10-14")
        );
        assert_eq!(
            ends(
                Windows,
                "Microsoft Windows 10 Enterprise LTSC 2021",
                "10.0.19044"
            )
            .as_deref(),
            Some("2027-01-12")
        );
        assert_eq!(
            ends(
                Windows,
                "Microsoft Windows Server 2022 Standard",
                "10.0.20348"
            )
            .as_deref(),
            Some("2031-10-14")
        );
        assert_eq!(
            ends(Linux, "Debian GNU/Linux", "12").as_deref(),
            Some("2028-06-30")
        );
        assert_eq!(
            ends(Linux, "Debian GNU/Linux", "10").as_deref(),
            Some("2024-06-30")
        );
        assert_eq!(
            ends(Macos, "macOS", "13.6.9").as_deref(),
            Some("2025-09-15")
        );
        // Versions are whole parts: 1 is not 12, 13 is not 130; unknown ones are not guessed.
        assert_eq!(ends(Linux, "Debian GNU/Linux", "1"), None);
        assert_eq!(ends(Macos, "macOS", "130.1"), None);
        assert_eq!(ends(Macos, "macOS", "14.7.1"), None);
        assert_eq!(ends(Macos, "macOS", "15.2").as_deref(), Some("none"));
        assert_eq!(ends(Linux, "Fedora Linux", "41"), None);
        // A family's entry is not another's.
        assert_eq!(ends(Linux, "Microsoft Windows 10 Pro", "10.0.19045"), None);
    }
}
