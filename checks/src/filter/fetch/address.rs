//! Web addresses as both fetchers (this one and the probe run on a machine) read and show them:
//! redirects resolved, passwords removed, proxies shown as `http://host:port`.
/// Where a redirect leads: `location` (a `Location` header) resolved against the address it came
/// from, as browsers and curl resolve it (`..` and `.` removed, `//host/…` keeps the scheme, scheme
/// and host lower-cased, a default port dropped). `None` if it is not a web address.
pub(crate) fn join_location(base: &url::Url, location: &str) -> Option<url::Url> {
    base.join(location.trim()).ok()
}

/// `url` as evidence shows it: any `user:password@` removed.
pub(crate) fn url_shown(url: &url::Url) -> String {
    let mut url = url.clone();
    // Only URLs that cannot have a user (`data:`, `mailto:`) refuse, and they have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// A proxy as evidence shows it, `http://host:port` (no user, password or path). `None` if it is
/// not an http:// URL with a host.
pub(crate) fn proxy_shown(proxy: &url::Url) -> Option<String> {
    let host = proxy
        .host_str()
        .filter(|h| proxy.scheme() == "http" && !h.is_empty())?;
    Some(format!(
        "http://{host}:{}",
        proxy.port().unwrap_or(DEFAULT_PROXY_PORT)
    ))
}

/// The port of a proxy written without one.
pub(super) const DEFAULT_PROXY_PORT: u16 = 8080;
