//! The request: what the probe fetches, and the checks every value passes before it is embedded
//! in a script.

use std::fmt;

use super::{
    ScriptError, MAX_BODY_BYTES, MAX_CONCURRENCY, MAX_LOOKUPS, MAX_REDIRECTS, MAX_TIMEOUT_SECS,
    MAX_TOTAL_BODY_BYTES, MAX_URLS, MAX_URL_LEN,
};
use crate::host::parse::clip;

/// What the probe fetches, through which proxy, and within which limits.
#[derive(Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    /// `http://` or `https://` URLs, printable ASCII without quotes, backslashes or whitespace.
    pub urls: Vec<String>,
    /// `http://host:port` (no credentials), or `None` to fetch directly (the machine's own proxy
    /// environment is ignored either way).
    pub proxy: Option<String>,
    /// User name and password for the proxy (Basic, Digest, NTLM or Negotiate, as it asks).
    pub proxy_credentials: Option<(String, String)>,
    /// Per URL, the whole transfer, redirects included.
    pub timeout_secs: u64,
    pub connect_timeout_secs: u64,
    /// The start of each body that is kept (and sent back).
    pub max_body_bytes: usize,
    pub max_redirects: u32,
    /// Fetches in parallel, at most.
    pub concurrency: usize,
    /// Host names to look up with the machine's own resolver (`getent ahosts`), after the
    /// fetches: letters, digits, dots and hyphens only.
    pub lookups: Vec<String>,
}

impl fmt::Debug for ProbeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeRequest")
            .field("urls", &self.urls)
            .field("proxy", &self.proxy)
            .field(
                "proxy_credentials",
                &self
                    .proxy_credentials
                    .as_ref()
                    .map(|(user, _)| (user.as_str(), "<redacted>")),
            )
            .field("timeout_secs", &self.timeout_secs)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_redirects", &self.max_redirects)
            .field("concurrency", &self.concurrency)
            .field("lookups", &self.lookups)
            .finish()
    }
}

/// A request whose every value has been checked.
pub(super) struct Checked<'a> {
    pub(super) req: &'a ProbeRequest,
    /// `http://host:port` and `host:port`.
    pub(super) proxy: Option<(String, String)>,
}

pub(super) fn check(req: &ProbeRequest) -> Result<Checked<'_>, ScriptError> {
    if req.urls.len() > MAX_URLS {
        return Err(ScriptError::new(format!(
            "{} URLs asked for; at most {MAX_URLS} are fetched in one probe",
            req.urls.len()
        )));
    }
    for (i, u) in req.urls.iter().enumerate() {
        check_url(u).map_err(|why| ScriptError::new(format!("URL {} {why}", i + 1)))?;
    }
    if req.timeout_secs == 0 || req.timeout_secs > MAX_TIMEOUT_SECS {
        return Err(ScriptError::new(format!(
            "the timeout must be from 1 to {MAX_TIMEOUT_SECS} seconds, not {}",
            req.timeout_secs
        )));
    }
    if req.connect_timeout_secs == 0 || req.connect_timeout_secs > req.timeout_secs {
        return Err(ScriptError::new(format!(
            "the connect timeout must be from 1 second to the whole timeout ({}), not {}",
            req.timeout_secs, req.connect_timeout_secs
        )));
    }
    if req.max_body_bytes > MAX_BODY_BYTES {
        return Err(ScriptError::new(format!(
            "at most {MAX_BODY_BYTES} bytes of each body can be kept, not {}",
            req.max_body_bytes
        )));
    }
    if req.urls.len().saturating_mul(req.max_body_bytes) > MAX_TOTAL_BODY_BYTES {
        return Err(ScriptError::new(format!(
            "{} URLs with {} bytes of body each could send back more than {MAX_TOTAL_BODY_BYTES} bytes; keep less of each body",
            req.urls.len(),
            req.max_body_bytes
        )));
    }
    if req.max_redirects > MAX_REDIRECTS {
        return Err(ScriptError::new(format!(
            "at most {MAX_REDIRECTS} redirects can be followed, not {}",
            req.max_redirects
        )));
    }
    if req.concurrency == 0 || req.concurrency > MAX_CONCURRENCY {
        return Err(ScriptError::new(format!(
            "the concurrency must be from 1 to {MAX_CONCURRENCY}, not {}",
            req.concurrency
        )));
    }
    if req.lookups.len() > MAX_LOOKUPS {
        return Err(ScriptError::new(format!(
            "{} names to look up; at most {MAX_LOOKUPS} are looked up in one probe",
            req.lookups.len()
        )));
    }
    for (i, name) in req.lookups.iter().enumerate() {
        if !is_host_name(name) {
            return Err(ScriptError::new(format!(
                "name {} to look up is not a host name (letters, digits, dots and hyphens, at most 253): {:?}",
                i + 1,
                clip(name, 100)
            )));
        }
    }
    let proxy = match &req.proxy {
        Some(p) => Some(check_proxy(p)?),
        None => None,
    };
    if let Some((user, password)) = &req.proxy_credentials {
        if proxy.is_none() {
            return Err(ScriptError::new(
                "proxy credentials were given without a proxy",
            ));
        }
        if user.is_empty() || user.chars().count() > 256 || user.contains(':') {
            return Err(ScriptError::new(
                "the proxy user name must be 1 to 256 characters without a colon",
            ));
        }
        if password.chars().count() > 256 {
            return Err(ScriptError::new(
                "the proxy password is longer than 256 characters",
            ));
        }
        if user.chars().chain(password.chars()).any(char::is_control) {
            return Err(ScriptError::new(
                "the proxy user name or password contains a control character (such as a newline)",
            ));
        }
    }
    Ok(Checked { req, proxy })
}

/// `Err(why)` unless `u` is an http(s) URL of plain printable ASCII without quotes, backslashes,
/// backticks or whitespace (what is left is inert inside single quotes, for sh and PowerShell).
fn check_url(u: &str) -> Result<(), String> {
    if u.is_empty() {
        return Err("is empty".into());
    }
    if u.len() > MAX_URL_LEN {
        return Err(format!("is longer than {MAX_URL_LEN} characters"));
    }
    if let Some(c) = u
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, '\'' | '"' | '\\' | '`'))
    {
        return Err(format!(
            "contains {}: only printable ASCII without quotes, backslashes, backticks or whitespace is accepted (percent-encode it)",
            describe_char(c)
        ));
    }
    let lower = u.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("http://") {
        r
    } else if let Some(r) = lower.strip_prefix("https://") {
        r
    } else {
        return Err("does not start with http:// or https://".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("has no host name".into());
    }
    Ok(())
}

/// True for a plain host name: letters, digits, dots and hyphens, 1 to 253 characters, every
/// label 1 to 63 and not starting with a hyphen (what is left is inert in sh, unquoted).
pub(super) fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a newline".into(),
        '\t' => "a tab".into(),
        '\'' => "a single quote".into(),
        '"' => "a double quote".into(),
        '\\' => "a backslash".into(),
        '`' => "a backtick".into(),
        c if c.is_control() => format!("control character U+{:04X}", u32::from(c)),
        c => format!("{c:?} (U+{:04X})", u32::from(c)),
    }
}

/// `http://host:port` (a trailing `/` allowed) → (`http://host:port`, `host:port`).
fn check_proxy(p: &str) -> Result<(String, String), ScriptError> {
    let bad = || {
        ScriptError::new(format!(
            "the proxy must be written http://host:port (no user name, password or path), not {:?}",
            clip(p, 100)
        ))
    };
    let lower = p.to_ascii_lowercase();
    let rest = lower.strip_prefix("http://").ok_or_else(bad)?;
    let hp = p.get(p.len() - rest.len()..).ok_or_else(bad)?;
    let hp = hp.strip_suffix('/').unwrap_or(hp);
    let (host, port) = if let Some(v6) = hp.strip_prefix('[') {
        let (inside, after) = v6.split_once(']').ok_or_else(bad)?;
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(bad());
        }
        let port = after.strip_prefix(':').ok_or_else(bad)?;
        (format!("[{inside}]"), port)
    } else {
        let (host, port) = hp.rsplit_once(':').ok_or_else(bad)?;
        if host.is_empty()
            || host.starts_with(['-', '.'])
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad());
        }
        (host.to_string(), port)
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|n| *n > 0 && port.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(bad)?;
    Ok((format!("http://{host}:{port}"), format!("{host}:{port}")))
}
