//! Validation of `[filter]`: limits, the control, block pages, test URLs and vantage points.

use super::locator::{Locator, Seg};
use super::validate::unique_name;
use super::ConfigError;
use crate::schema::Config;

/// A test URL: `http://` or `https://` with a host, printable ASCII, no credentials.
fn web_url(s: &str) -> Result<url::Url, String> {
    if s.chars().any(|c| !c.is_ascii_graphic()) {
        return Err("no spaces or non-ASCII characters".into());
    }
    let u = url::Url::parse(s).map_err(|e| e.to_string())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("the scheme {:?} is not http or https", u.scheme()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("credentials in the URL (use proxy_user and proxy_password_file)".into());
    }
    Ok(u)
}

pub(super) fn validate_filter(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    let f = &config.filter;
    let key = |k: &str| vec![Seg::key("filter"), Seg::key(k)];
    for (k, v, max) in [
        ("timeout_secs", f.timeout_secs, 600),
        ("connect_timeout_secs", f.connect_timeout_secs, 120),
    ] {
        if !(1..=max).contains(&v) {
            return Err(at.error(
                &key(k),
                Some(v.to_string()),
                format!("a whole number of seconds from 1 to {max}"),
            ));
        }
    }
    if !(1..=256).contains(&f.concurrency) {
        return Err(at.error(
            &key("concurrency"),
            Some(f.concurrency.to_string()),
            "how many URLs at once from each vantage point: from 1 to 256",
        ));
    }
    if !(1024..=64 << 20).contains(&f.max_body_bytes) {
        return Err(at.error(
            &key("max_body_bytes"),
            Some(f.max_body_bytes.to_string()),
            "a size in bytes from 1024 to 67108864",
        ));
    }
    if f.max_redirects > 20 {
        return Err(at.error(
            &key("max_redirects"),
            Some(f.max_redirects.to_string()),
            "a number of redirects from 0 to 20",
        ));
    }
    for (j, a) in f.sinkhole_addresses.iter().enumerate() {
        if a.parse::<std::net::IpAddr>().is_err() {
            return Err(at.error(
                &[
                    Seg::key("filter"),
                    Seg::key("sinkhole_addresses"),
                    Seg::Index(j),
                ],
                Some(format!("{a:?}")),
                "an IP address such as \"0.0.0.0\"",
            ));
        }
    }
    if let Err(e) = web_url(&f.control.url) {
        return Err(at.error(
            &[Seg::key("filter"), Seg::key("control"), Seg::key("url")],
            Some(format!("{:?}", f.control.url)),
            format!("an http:// or https:// URL ({e})"),
        ));
    }
    if f.control.token.is_empty() {
        return Err(at.error(
            &[Seg::key("filter"), Seg::key("control"), Seg::key("token")],
            Some("\"\"".into()),
            "text the control page contains, not empty",
        ));
    }
    for (i, b) in f.block_pages.iter().enumerate() {
        for (k, v) in [("name", &b.name), ("text", &b.text)] {
            if v.trim().is_empty() {
                return Err(at.error(
                    &[
                        Seg::key("filter"),
                        Seg::key("block_page"),
                        Seg::Index(i),
                        Seg::key(k),
                    ],
                    Some("\"\"".into()),
                    "not empty",
                ));
            }
        }
    }
    for (i, t) in f.tests.iter().enumerate() {
        let tkey = |k: &str| {
            vec![
                Seg::key("filter"),
                Seg::key("test"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        if let Err(e) = web_url(&t.url) {
            return Err(at.error(
                &tkey("url"),
                Some(format!("{:?}", t.url)),
                format!("an http:// or https:// URL ({e})"),
            ));
        }
        if t.token.trim().is_empty() {
            return Err(at.error(
                &tkey("token"),
                Some("\"\"".into()),
                "text (case-sensitive) that only the real page contains",
            ));
        }
        if t.category.trim().is_empty() {
            return Err(at.error(
                &tkey("category"),
                Some("\"\"".into()),
                "a category such as \"adult\" or \"teaching\"",
            ));
        }
    }
    for (i, g) in f.pupil_groups.iter().enumerate() {
        if g.trim().is_empty() {
            return Err(at.error(
                &[Seg::key("filter"), Seg::key("pupil_groups"), Seg::Index(i)],
                Some("\"\"".into()),
                "a group name such as \"pupil\"",
            ));
        }
    }
    for (i, b) in f.bypass_sites.iter().enumerate() {
        let bkey = |k: &str| {
            vec![
                Seg::key("filter"),
                Seg::key("bypass_site"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        if let Err(e) = web_url(&b.url) {
            return Err(at.error(
                &bkey("url"),
                Some(format!("{:?}", b.url)),
                format!("an http:// or https:// URL ({e})"),
            ));
        }
        if !["encrypted-dns", "vpn", "web-proxy"].contains(&b.category.as_str()) {
            return Err(at.error(
                &bkey("category"),
                Some(format!("{:?}", b.category)),
                "\"encrypted-dns\", \"vpn\" or \"web-proxy\"",
            ));
        }
        if b.token.trim().is_empty() {
            return Err(at.error(
                &bkey("token"),
                Some("\"\"".into()),
                "text (case-sensitive) that only the real page contains",
            ));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, v) in f.vantages.iter().enumerate() {
        let vkey = |k: &str| {
            vec![
                Seg::key("filter"),
                Seg::key("vantage"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        unique_name(
            at,
            &vkey("name"),
            &v.name,
            &mut names,
            &['-', '_', '.'],
            "a short name of letters, digits, '-', '_' or '.'",
            "[[filter.vantage]]",
        )?;
        if v.group.trim().is_empty() {
            return Err(at.error(
                &vkey("group"),
                Some("\"\"".into()),
                "the user group whose filtering it sees: \"pupil\", \"staff\" or \"guest\"",
            ));
        }
        if let Some(h) = &v.host {
            if !config.host_list.iter().any(|x| &x.name == h) {
                return Err(at.error(
                    &vkey("host"),
                    Some(format!("{h:?}")),
                    "the name of a [[host]] (the tests run there over SSH)",
                ));
            }
            if v.resolver.is_some() {
                return Err(at.error(
                    &vkey("resolver"),
                    None,
                    "no resolver for a vantage point on another machine (it uses its own)",
                ));
            }
        }
        if let Some(p) = &v.proxy {
            let ok = url::Url::parse(p).ok().filter(|u| {
                u.scheme() == "http"
                    && u.host_str().is_some()
                    && u.username().is_empty()
                    && u.password().is_none()
            });
            if ok.is_none() {
                return Err(at.error(
                    &vkey("proxy"),
                    Some(format!("{p:?}")),
                    "a proxy as http://host:port, without credentials (use proxy_user and proxy_password_file)",
                ));
            }
        }
        let has_password = v.proxy_password_file.is_some() || v.proxy_password_env.is_some();
        if v.proxy_user.is_some() != has_password || (v.proxy_user.is_some() && v.proxy.is_none()) {
            return Err(at.error(
                &vkey("proxy_user"),
                None,
                "proxy_user together with proxy_password_file or proxy_password_env, and a proxy",
            ));
        }
        if let Some(r) = &v.resolver {
            let ok =
                r.parse::<std::net::SocketAddr>().is_ok() || r.parse::<std::net::IpAddr>().is_ok();
            if !ok {
                return Err(at.error(
                    &vkey("resolver"),
                    Some(format!("{r:?}")),
                    "a DNS server's address, such as \"10.0.0.1\" or \"10.0.0.1:53\"",
                ));
            }
        }
    }
    Ok(())
}
