//! Tests for loading: `[assess]` read and a bad value named.

use super::*;
use crate::ConsentFrom;

#[test]
fn assess_consent_from_defaults_to_medium_and_names_a_bad_value() {
    let path = Path::new("caretaker.toml");
    let cfg = parse_str("version = 1\n", path).unwrap();
    assert_eq!(cfg.assess.consent_from, ConsentFrom::Medium);
    let cfg = parse_str("version = 1\n[assess]\nconsent_from = \"never\"\n", path).unwrap();
    assert_eq!(cfg.assess.consent_from, ConsentFrom::Never);
    let err = parse_str(
        "version = 1\n[assess]\nconsent_from = \"sometimes\"\n",
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("caretaker.toml:3:"), "{err}");
    assert!(err.contains("assess.consent_from"), "{err}");
    assert!(err.contains("`low`, `medium`, `high`, `never`"), "{err}");
    let err = parse_str("version = 1\n[assess]\nconsent = \"low\"\n", path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("assess.consent"), "{err}");
}

#[test]
fn schedules_default_to_a_nightly_audit_and_a_bad_one_is_named_where_it_is() {
    let path = Path::new("caretaker.toml");
    let cfg = parse_str("version = 1\n", path).unwrap();
    assert_eq!(cfg.schedule.audit.to_string(), "daily 02:00");
    assert_eq!(cfg.schedule.filter, None);
    assert_eq!(cfg.schedule.jitter_secs, 300);
    assert_eq!(cfg.school.timezone, None);
    let cfg = parse_str(
        "version = 1\n[school]\ntimezone = \"Europe/London\"\n[schedule]\naudit = \"mon-fri 06:30\"\nfilter = \"every 2h mon-fri 07:00-18:00\"\njitter_secs = 0\n",
        path,
    )
    .unwrap();
    assert_eq!(cfg.schedule.audit.to_string(), "mon-fri 06:30");
    assert_eq!(
        cfg.schedule.filter.map(|s| s.to_string()).as_deref(),
        Some("every 2h mon-fri 07:00-18:00")
    );
    for (text, line, key, words) in [
        (
            "version = 1\n[schedule]\nhosts = \"nightly\"\n",
            3,
            "schedule.hosts",
            "\"nightly\" is not a schedule",
        ),
        (
            "version = 1\n[schedule]\naudit = \"daily 2am\"\n",
            3,
            "schedule.audit",
            "\"2am\" is not a time",
        ),
        (
            "version = 1\n[schedule]\njitter_secs = 7200\n",
            3,
            "schedule.jitter_secs",
            "from 0 to 3600",
        ),
        (
            "version = 1\n[school]\nname = \"A\"\ntimezone = \"Mars/Olympus\"\n",
            4,
            "school.timezone",
            "not a time zone",
        ),
    ] {
        let err = parse_str(text, path)
            .and_then(|cfg| validate(&cfg, &Locator::new(text, path)))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("caretaker.toml:{line}:")), "{err}");
        assert!(err.contains(key), "{err}");
        assert!(err.contains(words), "{err}");
    }
}
