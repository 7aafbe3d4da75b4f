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

/// A number its field cannot hold (past 64 bits, past the field's type, below 0 for an unsigned
/// field) is named at its line and key with the field's real range and the value as written.
#[test]
fn a_number_its_field_cannot_hold_names_line_key_and_the_real_range() {
    let path = Path::new("caretaker.toml");
    for (text, place, key, words) in [
        (
            "version = 1\n[audit]\ntimeout_secs = 99999999999999999999999\n",
            "caretaker.toml:3:16:",
            "key `audit.timeout_secs`",
            "a whole number from 0 to 18446744073709551615 (found 99999999999999999999999)",
        ),
        (
            "version = 1\n[audit]\ntimeout_secs = 18446744073709551616\n",
            "caretaker.toml:3:16:",
            "key `audit.timeout_secs`",
            "a whole number from 0 to 18446744073709551615 (found 18446744073709551616)",
        ),
        (
            "version = 1\n[audit]\nconcurrency = 1_000_000_000_000_000_000_000 # many\n",
            "caretaker.toml:3:15:",
            "key `audit.concurrency`",
            "a whole number from 0 to 18446744073709551615 (found 1_000_000_000_000_000_000_000)",
        ),
        (
            "version = 1\n[[host]]\nname = \"a\"\naddress = \"b\"\nport = 70000\n",
            "caretaker.toml:5:8:",
            "key `host[0].port`",
            "a whole number from 0 to 65535 (found 70000)",
        ),
        (
            "version = 1\n[[host]]\nname = \"a\"\naddress = \"b\"\nport = -1\n",
            "caretaker.toml:5:8:",
            "key `host[0].port`",
            "a whole number from 0 to 65535 (found -1)",
        ),
        (
            "version = 1\n[hosts]\ngroup = [{ name = \"g\", port = 0xfffffffffffffffff }]\n",
            "caretaker.toml:3:",
            "key `hosts.group[0].port`",
            "a whole number from 0 to 65535 (found 0xfffffffffffffffff)",
        ),
        (
            "version = 5000000000\n",
            "caretaker.toml:1:11:",
            "key `version`",
            "a whole number from 0 to 4294967295 (found 5000000000)",
        ),
        (
            "version = 1\n[filter]\nmax_redirects = -7\n",
            "caretaker.toml:3:17:",
            "key `filter.max_redirects`",
            "a whole number from 0 to 4294967295 (found -7)",
        ),
        (
            "version = 1\n[school]\nname = 99999999999999999999999\n",
            "caretaker.toml:3:8:",
            "key `school.name`",
            "text in double quotes (found 99999999999999999999999)",
        ),
    ] {
        let err = parse_str(text, path).unwrap_err().to_string();
        assert!(err.starts_with(place), "{place} in {err}");
        assert!(err.contains(key), "{key} in {err}");
        assert!(err.contains(words), "{words:?} in {err}");
        assert!(!err.contains("not valid TOML"), "{err}");
    }
}

/// A number past what a signed 64-bit integer holds, read into a field that holds it, does not
/// lose the places of the mistakes found after reading.
#[test]
fn a_number_past_i64_leaves_later_errors_at_their_line() {
    let path = Path::new("caretaker.toml");
    let text = "version = 1\n[filter]\nmax_body_bytes = 18446744073709551615\n";
    let cfg = parse_str(text, path).unwrap();
    assert_eq!(cfg.filter.max_body_bytes, u64::MAX);
    let err = validate(&cfg, &Locator::new(text, path))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("caretaker.toml:3:18:"), "{err}");
    assert!(err.contains("key `filter.max_body_bytes`"), "{err}");
}

/// Parsed and validated, as `load` does.
fn checked(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let cfg = parse_str(text, path)?;
    validate(&cfg, &Locator::new(text, path))?;
    Ok(cfg)
}

#[test]
fn mail_domains_and_the_resolver_are_read_and_a_bad_value_is_named_where_it_is() {
    let path = Path::new("caretaker.toml");
    let cfg = checked("version = 1\n", path).unwrap();
    assert!(cfg.school.mail_domains.is_empty());
    assert_eq!(cfg.mail.resolver, None);
    assert_eq!(cfg.mail.timeout_secs, 5);
    let cfg = checked(
        "version = 1\n[school]\nmail_domains = [\"example.sch.uk\", \"example-academy.org.uk.\"]\n\
         [mail]\nresolver = \"127.0.0.53:53\"\ntimeout_secs = 3\n",
        path,
    )
    .unwrap();
    assert_eq!(
        cfg.school.mail_domains,
        ["example.sch.uk", "example-academy.org.uk."]
    );
    assert_eq!(cfg.mail.resolver.as_deref(), Some("127.0.0.53:53"));
    assert_eq!(cfg.mail.timeout_secs, 3);
    // An address alone means port 53.
    assert!(checked("version = 1\n[mail]\nresolver = \"10.0.0.1\"\n", path).is_ok());

    let bad = |text: &str| checked(text, path).unwrap_err().to_string();
    for domain in [
        "example",
        "head@example.sch.uk",
        "https://example.sch.uk",
        "-bad.sch.uk",
        "two..dots.uk",
        "",
    ] {
        let err = bad(&format!(
            "version = 1\n\n[school]\nname = \"X\"\nmail_domains = [\"example.sch.uk\", {domain:?}]\n"
        ));
        assert!(err.contains("caretaker.toml:5:"), "{domain}: {err}");
        assert!(err.contains("school.mail_domains[1]"), "{domain}: {err}");
        assert!(err.contains("a mail domain such as"), "{domain}: {err}");
    }
    let err = bad("version = 1\n[school]\nmail_domains = [\"a.sch.uk\", \"A.sch.uk\"]\n");
    assert!(err.contains("each mail domain once"), "{err}");
    let err = bad("version = 1\n[school]\nmail_domains = \"a.sch.uk\"\n");
    assert!(err.contains("school.mail_domains"), "{err}");

    let err = bad("version = 1\n\n[mail]\nresolver = \"dns.example.net\"\n");
    assert!(err.contains("caretaker.toml:4:"), "{err}");
    assert!(err.contains("mail.resolver"), "{err}");
    assert!(err.contains("\"dns.example.net\""), "{err}");
    assert!(err.contains("address and port"), "{err}");
    let err = bad("version = 1\n[mail]\ntimeout_secs = 0\n");
    assert!(err.contains("mail.timeout_secs"), "{err}");
    assert!(err.contains("from 1 to 60"), "{err}");
    let err = bad("version = 1\n[mail]\nresolvers = \"10.0.0.1\"\n");
    assert!(err.contains("mail.resolvers"), "{err}");
}

#[test]
fn a_roster_is_read_with_its_defaults_and_a_bad_one_is_named_where_it_is() {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::set_var("CARETAKER_TEST_ROSTER_PASS", "secret");
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let roster = dir.path().join("staff.csv");
    std::fs::write(&roster, "Login,Leaving Date\n").unwrap();
    std::fs::set_permissions(&roster, std::fs::Permissions::from_mode(0o640)).unwrap();
    let head = "version = 1\n[[directory]]\nname = \"ad\"\nkind = \"active-directory\"\nurl = \"ldaps://dc\"\nbind_dn = \"x\"\nbase_dn = \"dc=x\"\nbind_password_env = \"CARETAKER_TEST_ROSTER_PASS\"\n";
    let cfg_path = dir.path().join("caretaker.toml");
    let write = |body: &str| {
        std::fs::write(&cfg_path, format!("{head}{body}")).unwrap();
        std::fs::set_permissions(&cfg_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    write("[[directory.roster]]\npath = \"staff.csv\"\nformat = \"sims\"\ncovers = [\"staff\"]\n");
    let loaded = load(&cfg_path).unwrap();
    let r = &loaded.config.directories[0].rosters[0];
    assert_eq!(
        r.path, roster,
        "a relative path is taken from the configuration's folder"
    );
    assert_eq!(r.format, crate::RosterFormat::Sims);
    assert_eq!(r.max_age_days, 7);
    assert_eq!(r.covers, ["staff"]);

    write("[[directory.roster]]\npath = \"staff.csv\"\nformat = \"capita\"\n");
    let err = load(&cfg_path).unwrap_err().to_string();
    assert!(err.contains("caretaker.toml:11:"), "{err}");
    assert!(err.contains("directory[0].roster[0].format"), "{err}");

    write(
        "[[directory.roster]]\npath = \"staff.csv\"\nformat = \"sims\"\ncovers = [\"teachers\"]\n",
    );
    let err = load(&cfg_path).unwrap_err().to_string();
    assert!(err.contains("caretaker.toml:12:"), "{err}");
    assert!(err.contains("directory[0].roster[0].covers[0]"), "{err}");
    assert!(err.contains("\"staff\", \"pupils\" or \"admins\""), "{err}");

    write("[[directory.roster]]\npath = \"staff.csv\"\nformat = \"custom\"\n");
    let err = load(&cfg_path).unwrap_err().to_string();
    assert!(err.contains("directory[0].roster[0].format"), "{err}");
    assert!(err.contains("login_column"), "{err}");

    write("[[directory.roster]]\npath = \"staff.csv\"\nformat = \"arbor\"\nmax_age = 3\n");
    let err = load(&cfg_path).unwrap_err().to_string();
    assert!(err.contains("max_age"), "{err}");

    // Anyone who could change the roster could keep a leaver's account looking current.
    std::fs::set_permissions(&roster, std::fs::Permissions::from_mode(0o666)).unwrap();
    write("[[directory.roster]]\npath = \"staff.csv\"\nformat = \"bromcom\"\n");
    let err = load(&cfg_path).unwrap_err().to_string();
    assert!(err.contains("directory[0].roster[0].path"), "{err}");
    assert!(err.contains("chmod go-w"), "{err}");
}
