//! `[school] id` and `[store] url`: a trust's PostgreSQL database, always over TLS with the
//! server's name verified, the password never in the URL.

use super::locator::{Locator, Seg};
use super::ConfigError;
use crate::schema::Config;

/// Whether `id` is a school identifier a trust's database accepts: 1 to 40 lower-case ASCII
/// letters, digits and hyphens, starting with a letter or digit. (It names the school's database
/// role, so nothing else is allowed.)
pub fn is_school_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// What a trust's database URL says, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustUrl {
    /// The role caretaker signs in as.
    pub user: String,
    pub host: String,
    pub port: u16,
    pub database: String,
}

/// Reads `postgres://ROLE@HOST[:PORT]/DATABASE[?sslmode=verify-full]`; what is wrong, as the
/// configuration's error says it.
pub fn parse_trust_url(url: &str) -> Result<TrustUrl, &'static str> {
    const SHAPE: &str = "a PostgreSQL URL such as \"postgres://school_st_example@trust.example.org:5432/caretaker\" \
                         (the password in password_file or password_env, never in the URL)";
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .ok_or(SHAPE)?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (userinfo, hostpart) = rest.split_once('@').ok_or(SHAPE)?;
    if userinfo.contains(':') {
        return Err("no password in the URL: secrets are never written in the configuration; use password_file = \"/path\" (mode 0600) or password_env = \"VARIABLE\"");
    }
    let (hostport, database) = hostpart.split_once('/').ok_or(SHAPE)?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h, p.parse::<u16>().map_err(|_| SHAPE)?)
        }
        _ => (hostport, 5432),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    };
    if !name_ok(userinfo) || !name_ok(database) || host.is_empty() || port == 0 {
        return Err(SHAPE);
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", "verify-full")) => {}
            Some(("sslmode", _)) => {
                return Err("sslmode=verify-full (or no sslmode): the trust's server is always reached over TLS with its name verified against ca_file")
            }
            _ => return Err("no other parameters than sslmode=verify-full"),
        }
    }
    Ok(TrustUrl {
        user: userinfo.to_string(),
        host: host.to_string(),
        port,
        database: database.to_string(),
    })
}

pub(super) fn validate_store(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    if let Some(id) = &config.school.id {
        if !is_school_id(id) {
            return Err(at.error(
                &[Seg::key("school"), Seg::key("id")],
                Some(format!("{id:?}")),
                "a school identifier: 1 to 40 lower-case letters, digits and hyphens, such as \"st-example\"",
            ));
        }
    }
    let s = &config.store;
    let Some(url) = &s.url else {
        for (set, key) in [
            (s.ca_file.is_some(), "ca_file"),
            (s.password_file.is_some(), "password_file"),
            (s.password_env.is_some(), "password_env"),
        ] {
            if set {
                return Err(at.error(
                    &[Seg::key("store"), Seg::key(key)],
                    None,
                    "only with url = \"postgres://…\" (a trust's database)",
                ));
            }
        }
        return Ok(());
    };
    let key = |k: &'static str| [Seg::key("store"), Seg::key(k)];
    parse_trust_url(url).map_err(|e| at.error(&key("url"), Some(format!("{url:?}")), e))?;
    // Without [school] id this is the trust's own configuration (its owner or a reader): it reads
    // the database and adds schools, and forwarding, which needs the id, says so.
    if s.ca_file.is_none() {
        return Err(at.error(
            &key("url"),
            None,
            "with url, ca_file too: the certificate authority that signed the database server's certificate",
        ));
    }
    match (&s.password_file, &s.password_env) {
        (Some(_), Some(_)) => Err(at.error(
            &key("password_env"),
            None,
            "either password_file or password_env, not both",
        )),
        (None, None) => Err(at.error(
            &key("url"),
            None,
            "with url, the role's password: password_file = \"/etc/caretaker/trust.pass\" (mode 0600) or password_env = \"VARIABLE\"",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_trust_url("postgres://school_a@127.0.0.1:5433/caretaker?sslmode=verify-full")
            .unwrap();
        assert_eq!(u.user, "school_a");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 5433);
        assert_eq!(u.database, "caretaker");
        let u = parse_trust_url("postgresql://trust@db.example.org/caretaker").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("db.example.org", 5432));
        let u = parse_trust_url("postgres://t@[::1]:6000/c").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 6000));
        for bad in [
            "mysql://a@b/c",
            "postgres://a:secret@b/c",
            "postgres://b/c",
            "postgres://a@b",
            "postgres://a@b:x/c",
            "postgres://a@b/c?sslmode=disable",
            "postgres://a@b/c?sslmode=require",
            "postgres://a@b/c?password=x",
            "postgres://a b@c/d",
        ] {
            assert!(parse_trust_url(bad).is_err(), "{bad}");
        }
        assert!(parse_trust_url("postgres://a:secret@b/c")
            .unwrap_err()
            .contains("no password in the URL"));
    }

    #[test]
    fn school_ids() {
        for good in ["st-example", "a", "riverside2", &"x".repeat(40)] {
            assert!(is_school_id(good), "{good}");
        }
        for bad in ["", "-a", "St-Example", "a_b", "a b", "ä", &"x".repeat(41)] {
            assert!(!is_school_id(bad), "{bad}");
        }
    }
}
