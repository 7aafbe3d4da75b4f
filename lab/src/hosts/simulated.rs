//! The simulated Windows and macOS machines: recorded probe outputs with their dates moved to
//! the lab's start and the planted problem written in.

use time::{Duration as Span, OffsetDateTime};

const WINDOWS_DOCS: &str = include_str!("../../../checks/fixtures/host/windows-defender-docs.json");
const MACOS_ON: &str = include_str!("../../../checks/fixtures/host/macos-filevault-on.json");

pub(super) fn replaced(text: &str, from: &str, to: &str) -> String {
    // The unit test checks that every replacement hits.
    text.replacen(from, to, 1)
}

pub(super) fn iso(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `MM/DD/YYYY, HH:MM:SS`, as `softwareupdate --history` prints dates.
pub(super) fn us_date(t: OffsetDateTime) -> String {
    format!(
        "{:02}/{:02}/{:04}, {:02}:{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// windows-defender-docs.json collected at `now` (signatures 3 hours old), its last hotfix
/// installed `hotfix_days` before.
pub(super) fn windows(now: OffsetDateTime, hotfix_days: i64) -> String {
    let s = replaced(
        WINDOWS_DOCS,
        "\"collected_at\":\"2024-06-05T09:00:00Z\"",
        &format!("\"collected_at\":\"{}\"", iso(now)),
    );
    let s = replaced(
        &s,
        "\"AntivirusSignatureLastUpdated\":\"2024-06-04T08:06:27Z\"",
        &format!(
            "\"AntivirusSignatureLastUpdated\":\"{}\"",
            iso(now - Span::hours(3))
        ),
    );
    let s = replaced(
        &s,
        "\"AntivirusSignatureAge\":1,",
        "\"AntivirusSignatureAge\":0,",
    );
    replaced(
        &s,
        "\"InstalledOn\":\"2024-06-02T00:00:00Z\"",
        &format!("\"InstalledOn\":\"{}\"", iso(now - Span::days(hotfix_days))),
    )
}

/// Windows, AutoAdminLogon "1" (automatic logon on).
pub(super) fn office_pc(now: OffsetDateTime) -> String {
    replaced(
        &windows(now, 3),
        "\"auto_admin_logon\":\"0\"",
        "\"auto_admin_logon\":\"1\"",
    )
}

/// Windows 10 Education 22H2 (past its end of support), the last hotfix installed 40 days before
/// collection.
pub(super) fn ict_suite(now: OffsetDateTime) -> String {
    let s = replaced(&windows(now, 40), "OFFICE-PC-1", "ICT-SUITE-01");
    let s = replaced(
        &s,
        "\"os_name\":\"Microsoft Windows Server 2022 Standard\"",
        "\"os_name\":\"Microsoft Windows 10 Education\"",
    );
    replaced(
        &s,
        "\"os_version\":\"10.0.20348\"",
        "\"os_version\":\"10.0.19045\"",
    )
}

/// macos-filevault-on.json collected at `now` (XProtect 1 day old, updates 5 days ago) with
/// FileVault off, running macOS Sequoia 15.1 (the recording's Sonoma 14.7.1 is not in the
/// end-of-support list, which would warn).
pub(super) fn art_macbook(now: OffsetDateTime) -> String {
    let s = replaced(
        MACOS_ON,
        "\"collected_at\":1795399200",
        &format!("\"collected_at\":{}", now.unix_timestamp()),
    );
    let s = replaced(
        &s,
        "\"mtime\":1795312800",
        &format!("\"mtime\":{}", (now - Span::days(1)).unix_timestamp()),
    );
    let s = replaced(&s, "10/29/2026, 08:01:44", &us_date(now - Span::days(25)));
    let s = replaced(&s, "11/18/2026, 17:42:10", &us_date(now - Span::days(5)));
    let s = replaced(&s, "\"os_version\":\"14.7.1\"", "\"os_version\":\"15.1\"");
    let s = replaced(
        &s,
        "macOS Sonoma 14.7.1                          14.7.1",
        "macOS Sequoia 15.1                           15.1  ",
    );
    let s = replaced(&s, "11/22/2026, 02:00:00", &us_date(now - Span::days(1)));
    replaced(&s, "FileVault is On. ", "FileVault is Off. ")
}
