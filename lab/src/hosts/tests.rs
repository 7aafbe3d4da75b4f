//! Tests for the lab's machines: the simulated outputs and the ClamAV header.

#![allow(clippy::unwrap_used)]

use time::OffsetDateTime;

use super::simulated::{art_macbook, ict_suite, office_pc};
use super::specs::specs;
use super::tree::clamav_header;
use super::*;

#[test]
fn simulated_outputs_carry_the_planted_values() {
    let now = OffsetDateTime::from_unix_timestamp(1_795_437_478).unwrap();
    let office = office_pc(now);
    assert!(office.contains("\"auto_admin_logon\":\"1\""));
    assert!(office.contains("\"collected_at\":\"2026-11-23T"));
    assert!(!office.contains("2024-"), "{office}");
    let ict = ict_suite(now);
    assert!(ict.contains("\"InstalledOn\":\"2026-10-14T"), "{ict}");
    assert!(ict.contains("ICT-SUITE-01"));
    assert!(
        ict.contains("\"os_name\":\"Microsoft Windows 10 Education\""),
        "{ict}"
    );
    assert!(ict.contains("\"os_version\":\"10.0.19045\""), "{ict}");
    let mac = art_macbook(now);
    assert!(mac.contains("FileVault is Off."));
    assert!(mac.contains("\"collected_at\":1795437478"));
    assert!(mac.contains("11/18/2026, "), "{mac}");
    assert!(
        mac.contains("\"os_version\":\"15.1\"") && mac.contains("macOS Sequoia 15.1 "),
        "{mac}"
    );
    assert!(
        !mac.contains("08:01:44") && !mac.contains("1795312800"),
        "{mac}"
    );
    assert_eq!(planted(School::Example).len(), 8);
    for school in [School::Example, School::Riverside] {
        for p in planted(school) {
            assert!(specs(school).iter().any(|s| s.name == p.target));
        }
    }
}

#[test]
fn clamav_header_is_512_bytes() {
    let t = OffsetDateTime::from_unix_timestamp(1_795_332_360).unwrap();
    let h = clamav_header(t);
    assert_eq!(h.len(), 512);
    assert!(h.starts_with(b"ClamAV-VDB:22 Nov 2026 "));
}
