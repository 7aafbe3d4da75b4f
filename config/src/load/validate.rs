//! Validation of what the schema cannot say: the version, the school, the audit's limits and
//! every `[[directory]]`; and the rule for table names shared by every section.

use super::locator::{Locator, Seg};
use super::validate_filter::validate_filter;
use super::validate_hosts::validate_hosts;
use super::validate_store::validate_store;
use super::ConfigError;
use crate::schema::{Config, DirectoryKind, RosterFormat};

pub(super) fn validate(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    if config.version != 1 {
        return Err(at.error(
            &[Seg::key("version")],
            Some(config.version.to_string()),
            "this caretaker reads configuration version 1",
        ));
    }
    if config.school.name.trim().is_empty() {
        return Err(at.error(
            &[Seg::key("school"), Seg::key("name")],
            Some("\"\"".into()),
            "the school's name, not empty",
        ));
    }
    if let Some(tz) = &config.school.timezone {
        if let Err(e) = crate::schedule::time_zone(Some(tz)) {
            return Err(at.error(
                &[Seg::key("school"), Seg::key("timezone")],
                Some(format!("{tz:?}")),
                &e,
            ));
        }
    }
    validate_mail(config, at)?;
    validate_store(config, at)?;
    let a = &config.alert;
    if !a.email_to.is_empty() && a.smtp_server.is_none() {
        return Err(at.error(
            &[Seg::key("alert"), Seg::key("email_to")],
            None,
            "with email_to, smtp_server too: the mail server to send through (host or host:port)",
        ));
    }
    for (i, to) in a.email_to.iter().enumerate() {
        if to.trim().is_empty() || !to.contains('@') || to.contains(char::is_whitespace) {
            return Err(at.error(
                &[Seg::key("alert"), Seg::key("email_to"), Seg::Index(i)],
                Some(format!("{to:?}")),
                "an email address such as \"dsl@school.sch.uk\"",
            ));
        }
    }
    if a.smtp_user.is_some() != (a.smtp_password_file.is_some() || a.smtp_password_env.is_some()) {
        return Err(at.error(
            &[Seg::key("alert"), Seg::key("smtp_user")],
            None,
            "smtp_user with smtp_password_file (or smtp_password_env), or neither",
        ));
    }
    let r = &config.report;
    if !r.email_to.is_empty() && a.smtp_server.is_none() {
        return Err(at.error(
            &[Seg::key("report"), Seg::key("email_to")],
            None,
            "with report.email_to, [alert] smtp_server too: the reports are sent through the alerts' mail server",
        ));
    }
    for (i, to) in r.email_to.iter().enumerate() {
        if to.trim().is_empty() || !to.contains('@') || to.contains(char::is_whitespace) {
            return Err(at.error(
                &[Seg::key("report"), Seg::key("email_to"), Seg::Index(i)],
                Some(format!("{to:?}")),
                "an email address such as \"head@school.sch.uk\"",
            ));
        }
    }
    if !(1..=24 * 30).contains(&a.remind_after_hours) {
        return Err(at.error(
            &[Seg::key("alert"), Seg::key("remind_after_hours")],
            Some(a.remind_after_hours.to_string()),
            "hours between reminders while a problem lasts: from 1 to 720",
        ));
    }
    if config.schedule.jitter_secs > 3600 {
        return Err(at.error(
            &[Seg::key("schedule"), Seg::key("jitter_secs")],
            Some(config.schedule.jitter_secs.to_string()),
            "up to how many seconds scheduled runs are put back: from 0 to 3600",
        ));
    }
    if !(1..=86_400).contains(&config.audit.timeout_secs) {
        return Err(at.error(
            &[Seg::key("audit"), Seg::key("timeout_secs")],
            Some(config.audit.timeout_secs.to_string()),
            "a whole number of seconds from 1 to 86400",
        ));
    }
    if !(1..=256).contains(&config.audit.concurrency) {
        return Err(at.error(
            &[Seg::key("audit"), Seg::key("concurrency")],
            Some(config.audit.concurrency.to_string()),
            "how many checks run at once: from 1 to 256",
        ));
    }
    validate_hosts(config, at)?;
    validate_filter(config, at)?;
    let mut names = std::collections::BTreeSet::new();
    for (i, d) in config.directories.iter().enumerate() {
        let key = |k: &str| vec![Seg::key("directory"), Seg::Index(i), Seg::key(k)];
        unique_name(
            at,
            &key("name"),
            &d.name,
            &mut names,
            &['-', '_'],
            "a short name of letters, digits, '-' or '_' (it appears in every finding)",
            "[[directory]]",
        )?;
        let lower = d.url.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("ldaps://") || lower.starts_with("ldap://");
        if !scheme_ok || d.url.len() <= "ldap://".len() {
            return Err(at.error(
                &key("url"),
                Some(format!("{:?}", d.url)),
                "an LDAP URL: ldaps://host:636 (or ldap://host:389 with starttls = true)",
            ));
        }
        if d.starttls && lower.starts_with("ldaps://") {
            return Err(at.error(
                &key("starttls"),
                Some("true".into()),
                "starttls only with an ldap:// URL (ldaps:// is already encrypted)",
            ));
        }
        if d.bind_dn.trim().is_empty() {
            return Err(at.error(
                &key("bind_dn"),
                Some("\"\"".into()),
                "the DN (or user principal name) caretaker binds as",
            ));
        }
        match (&d.bind_password_file, &d.bind_password_env) {
            (Some(_), Some(_)) => {
                return Err(at.error(
                    &key("bind_password_env"),
                    None,
                    "either bind_password_file or bind_password_env, not both",
                ))
            }
            (None, None) => {
                return Err(at.error(
                    &[Seg::key("directory"), Seg::Index(i)],
                    None,
                    "a bind password reference: bind_password_file = \"/etc/caretaker/ldap.pass\" (mode 0600) or \
                     bind_password_env = \"VARIABLE\"",
                ))
            }
            _ => {}
        }
        if d.base_dn.trim().is_empty() || !d.base_dn.contains('=') {
            return Err(at.error(
                &key("base_dn"),
                Some(format!("{:?}", d.base_dn)),
                "a DN such as \"DC=school,DC=sch,DC=uk\"",
            ));
        }
        if !(1..=600).contains(&d.timeout_secs) {
            return Err(at.error(
                &key("timeout_secs"),
                Some(d.timeout_secs.to_string()),
                "a whole number of seconds from 1 to 600",
            ));
        }
        if !(1..=10_000).contains(&d.page_size) {
            return Err(at.error(
                &key("page_size"),
                Some(d.page_size.to_string()),
                "entries per page, from 1 to 10000",
            ));
        }
        if !(1..=3650).contains(&d.stale_after_days) {
            return Err(at.error(
                &key("stale_after_days"),
                Some(d.stale_after_days.to_string()),
                "a number of days from 1 to 3650",
            ));
        }
        for (field, pats) in [
            ("shared_login_patterns", &d.shared_login_patterns),
            ("admin_account_patterns", &d.admin_account_patterns),
        ] {
            for (j, p) in pats.iter().enumerate() {
                if let Err(e) = globset::Glob::new(p) {
                    return Err(at.error(
                        &[
                            Seg::key("directory"),
                            Seg::Index(i),
                            Seg::key(field),
                            Seg::Index(j),
                        ],
                        Some(format!("{p:?}")),
                        format!("a glob pattern such as \"class*\" ({})", e.kind()),
                    ));
                }
            }
        }
        for (pname, pop) in [
            ("staff", &d.populations.staff),
            ("pupils", &d.populations.pupils),
            ("admins", &d.populations.admins),
        ] {
            let pkey = |k: &str| {
                vec![
                    Seg::key("directory"),
                    Seg::Index(i),
                    Seg::key("populations"),
                    Seg::key(pname),
                    Seg::key(k),
                ]
            };
            if let Some(n) = pop.min_password_length {
                if !(1..=128).contains(&n) {
                    return Err(at.error(
                        &pkey("min_password_length"),
                        Some(n.to_string()),
                        "a length from 1 to 128",
                    ));
                }
            }
            if let Some(n) = pop.max_lockout_threshold {
                if !(1..=1000).contains(&n) {
                    return Err(at.error(
                        &pkey("max_lockout_threshold"),
                        Some(n.to_string()),
                        "the most failed attempts allowed before lockout, from 1 to 1000",
                    ));
                }
            }
        }
        if d.kind == DirectoryKind::ActiveDirectory
            && d.populations.admins.groups.is_empty()
            && d.privileged_groups.is_empty()
        {
            // Fine: the built-in admin groups are used.
        }
        let mut yg_names = std::collections::BTreeSet::new();
        for (j, y) in d.year_groups.iter().enumerate() {
            let ykey = |k: &str| {
                vec![
                    Seg::key("directory"),
                    Seg::Index(i),
                    Seg::key("year_groups"),
                    Seg::Index(j),
                    Seg::key(k),
                ]
            };
            if y.name.trim().is_empty() || !yg_names.insert(y.name.clone()) {
                return Err(at.error(
                    &ykey("name"),
                    Some(format!("{:?}", y.name)),
                    "a year group name, not empty and not repeated",
                ));
            }
            if y.ou.is_none() && y.group.is_none() {
                return Err(at.error(
                    &[
                        Seg::key("directory"),
                        Seg::Index(i),
                        Seg::key("year_groups"),
                        Seg::Index(j),
                    ],
                    None,
                    "an `ou` or a `group` saying where this year group's accounts are",
                ));
            }
        }
        for (j, r) in d.rosters.iter().enumerate() {
            let rkey = |k: &str| {
                vec![
                    Seg::key("directory"),
                    Seg::Index(i),
                    Seg::key("roster"),
                    Seg::Index(j),
                    Seg::key(k),
                ]
            };
            for (k, pop) in r.covers.iter().enumerate() {
                if !["staff", "pupils", "admins"].contains(&pop.as_str()) {
                    let mut path = rkey("covers");
                    path.push(Seg::Index(k));
                    return Err(at.error(
                        &path,
                        Some(format!("{pop:?}")),
                        "a population: \"staff\", \"pupils\" or \"admins\"",
                    ));
                }
            }
            for (k, v) in [
                ("login_column", &r.login_column),
                ("email_column", &r.email_column),
                ("leaving_column", &r.leaving_column),
            ] {
                if v.as_ref().is_some_and(|c| c.trim().is_empty()) {
                    return Err(at.error(
                        &rkey(k),
                        Some("\"\"".into()),
                        "the header of a column in the roster file, not empty",
                    ));
                }
            }
            if r.format == RosterFormat::Custom
                && r.login_column.is_none()
                && r.email_column.is_none()
            {
                return Err(at.error(
                    &rkey("format"),
                    Some("\"custom\"".into()),
                    "with format = \"custom\", a `login_column` or an `email_column` naming the column that says whose row it is",
                ));
            }
            if r.path.as_os_str().is_empty() {
                return Err(at.error(
                    &rkey("path"),
                    Some("\"\"".into()),
                    "the path of the roster's CSV file",
                ));
            }
        }
    }
    Ok(())
}

/// `[school] mail_domains` and `[mail]`.
fn validate_mail(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, d) in config.school.mail_domains.iter().enumerate() {
        let path = [Seg::key("school"), Seg::key("mail_domains"), Seg::Index(i)];
        if !is_domain_name(d) {
            return Err(at.error(
                &path,
                Some(format!("{d:?}")),
                "a mail domain such as \"example.sch.uk\" (the part of the school's email addresses after @)",
            ));
        }
        if !seen.insert(d.trim_end_matches('.').to_ascii_lowercase()) {
            return Err(at.error(&path, Some(format!("{d:?}")), "each mail domain once"));
        }
    }
    let m = &config.mail;
    if let Some(r) = &m.resolver {
        let ok = r.parse::<std::net::SocketAddr>().is_ok() || r.parse::<std::net::IpAddr>().is_ok();
        if !ok {
            return Err(at.error(
                &[Seg::key("mail"), Seg::key("resolver")],
                Some(format!("{r:?}")),
                "a DNS server's address and port, such as \"127.0.0.53:53\" (or \"10.0.0.1\" for port 53)",
            ));
        }
    }
    if !(1..=60).contains(&m.timeout_secs) {
        return Err(at.error(
            &[Seg::key("mail"), Seg::key("timeout_secs")],
            Some(m.timeout_secs.to_string()),
            "a whole number of seconds from 1 to 60",
        ));
    }
    Ok(())
}

/// A DNS name of two labels or more (`example.sch.uk`, an ending dot allowed): letters, digits
/// and '-' (not at either end of a label), each label 1 to 63 characters, 253 in all.
fn is_domain_name(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    let labels: Vec<&str> = d.split('.').collect();
    d.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// A table's `name`: not empty, letters, digits and `extra` only, and not used twice.
pub(super) fn unique_name(
    at: &Locator<'_>,
    path: &[Seg],
    name: &str,
    seen: &mut std::collections::BTreeSet<String>,
    extra: &[char],
    expected: &str,
    table: &str,
) -> Result<(), ConfigError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    {
        return Err(at.error(path, Some(format!("{name:?}")), expected));
    }
    if !seen.insert(name.to_string()) {
        return Err(at.error(
            path,
            Some(format!("{name:?}")),
            format!("a name not used by another {table}"),
        ));
    }
    Ok(())
}
