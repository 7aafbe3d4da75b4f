//! The filter probe for a machine reached over SSH: curl on Linux and macOS (and
//! Invoke-WebRequest on Windows) fetches the test URLs there and prints raw facts; [`parse`] turns
//! them into [`super::Fetch`]es.
//!
//! [`sh_script`] and [`ps1_script`] embed a [`ProbeRequest`] in the scripts under
//! `probe_scripts/`; the SSH transport feeds the script to `/bin/sh -s` (or PowerShell) on the
//! machine. Every value embedded is validated first: URLs and the proxy must be plain printable
//! ASCII without quotes, backslashes or whitespace, and are single-quoted; the proxy password is
//! quoted for the shell and for curl's configuration syntax and reaches curl on its standard input
//! (`curl -K -`), never on a command line.
//!
//! [`parse`] is pure and never panics: it returns one [`Fetch`] per requested URL, in order, or a
//! [`ParseError`] when the output is not the probe's document at all.
//!
//! The document both scripts print (one line; the Windows one says `caretaker-filter-windows/1`,
//! `powershell_version`, and `iwr` instead of `curl`, with .NET's `web_exception_status`):
//!
//! ```text
//! {"probe":"caretaker-filter/1","curl_version":"curl 7.88.1 (…) libcurl/7.88.1 OpenSSL/3.0.19 …",
//!  "proxy":"http://10.0.0.1:3128"|null,"max_body_bytes":2048,"max_redirects":5,"timeout_secs":3,
//!  "concurrency":4,"started_at":1795442742,"finished_at":1795442745,"body_encoding":"base64",
//!  "results":[{"index":0,"url":"http://…","exit":0,
//!    "curl":{"exitcode":0,"errormsg":null,"http_code":200,"http_connect":0,"http_version":"1.1",
//!            "scheme":"HTTP","method":"GET","remote_ip":"127.0.0.1","remote_port":80,
//!            "local_ip":"…","url_effective":"http://…","num_redirects":0,"redirect_url":null,
//!            "num_connects":1,"ssl_verify_result":0,"proxy_ssl_verify_result":0,
//!            "content_type":"text/html","size_download":133,"size_header":150,
//!            "time_namelookup":0.0001,"time_connect":0.0017,"time_appconnect":0,
//!            "time_starttransfer":0.0039,"time_redirect":0,"time_total":0.0040,"num_certs":0},
//!    "curl_stderr":"curl: (7) …"|null,
//!    "tls_issuer":"C = GB, O = …, CN = …"|null,"tls_issuer_source":"curl-certinfo"|"openssl-s_client"|null,
//!    "responses":[{"status_line":"HTTP/1.1 302 Found","location":"/next"},…],"responses_total":2,
//!    "resolved":["10.0.8.1",…]|null,"resolved_by":"getent ahosts"|null,
//!    "body_b64":"…" (or "body_hex" without base64 and openssl),"body_bytes":133,"body_truncated":false}],
//!  "problems":["curl is not installed …"]}
//! ```
//!
//! `exit` is the shell's `$?` for curl (`curl.exitcode` needs curl 7.75); `responses` are the
//! status lines and `Location`s of every response header block curl saw (`-D`), CONNECT answers
//! included, from which the redirects followed are rebuilt. `resolved` is what the name resolved
//! to on the machine (`getent ahosts`; .NET's resolver on Windows), looked up only without a
//! proxy: curl reports no address for a refused connection, so this is how a DNS sinkhole is
//! seen from a vantage point over SSH.

use std::fmt;
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::fetch::{join_location, proxy_shown, url_shown};
use super::model::{Fetch, Outcome};

/// The `probe` field of the sh script's document.
pub const PROBE: &str = "caretaker-filter/1";
/// The `probe` field of the PowerShell script's document.
pub const PROBE_WINDOWS: &str = "caretaker-filter-windows/1";
/// At most this many URLs per request.
pub const MAX_URLS: usize = 1000;
/// At most this many characters per URL.
pub const MAX_URL_LEN: usize = 4000;
/// At most this many bytes of each body are kept.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// `urls × max_body_bytes` may not exceed this, so that the output stays bounded.
pub const MAX_TOTAL_BODY_BYTES: usize = 16 * 1024 * 1024;
/// At most this many redirects may be followed.
pub const MAX_REDIRECTS: u32 = 20;
/// At most this many fetches at a time.
pub const MAX_CONCURRENCY: usize = 32;
/// The longest timeout accepted, per URL.
pub const MAX_TIMEOUT_SECS: u64 = 600;
/// Larger outputs are refused rather than parsed. The sh script's caps keep a result under about
/// 45 KB plus its body (every string clipped, at most 44 responses), so 1000 URLs with
/// [`MAX_TOTAL_BODY_BYTES`] of bodies (hex-encoded in the worst case) stay below about 80 MB.
pub const MAX_OUTPUT_BYTES: usize = 96 * 1024 * 1024;

const SH_TEMPLATE: &str = include_str!("../probe_scripts/filter.sh");
const PS1_TEMPLATE: &str = include_str!("../probe_scripts/filter.ps1");
/// The line of each template that the request replaces.
const MARKER: &str = "# @@CARETAKER-REQUEST@@";

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
            .finish()
    }
}

/// Why a request cannot be turned into a script (a value that is unsafe or out of range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ScriptError {
    /// Plain reason: "URL 3 contains a quote, a backslash or whitespace".
    pub reason: String,
}

impl ScriptError {
    fn new(reason: impl Into<String>) -> Self {
        ScriptError {
            reason: reason.into(),
        }
    }
}

/// Why a probe's output could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    /// Plain reason: "the probe's output is not one JSON document: EOF while parsing …".
    pub reason: String,
}

impl ParseError {
    fn new(reason: impl Into<String>) -> Self {
        ParseError {
            reason: reason.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scripts.

/// A request whose every value has been checked.
struct Checked<'a> {
    req: &'a ProbeRequest,
    /// `http://host:port` and `host:port`.
    proxy: Option<(String, String)>,
}

fn check(req: &ProbeRequest) -> Result<Checked<'_>, ScriptError> {
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

/// `s` single-quoted for POSIX sh: every byte but `'` is literal inside single quotes.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as a double-quoted parameter of curl's configuration syntax.
fn curl_config_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', r"\\").replace('"', "\\\""))
}

fn fill(template: &str, block: &str) -> Result<String, ScriptError> {
    let lines: Vec<&str> = template.lines().filter(|l| l.trim() == MARKER).collect();
    if lines.len() != 1 {
        return Err(ScriptError::new(
            "the probe script template has lost its request marker",
        ));
    }
    let mut out = String::with_capacity(template.len() + block.len());
    for line in template.lines() {
        if line.trim() == MARKER {
            out.push_str(block);
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The POSIX sh probe for `req` (Linux, macOS, anything with curl 7.63 or later), to be fed to
/// `/bin/sh -s` on the machine. It prints one `caretaker-filter/1` JSON document.
pub fn sh_script(req: &ProbeRequest) -> Result<String, ScriptError> {
    let c = check(req)?;
    let (proxy, proxy_hp) = c.proxy.clone().unwrap_or_default();
    let proxy_cfg = match &req.proxy_credentials {
        Some((user, password)) => format!(
            "proxy-user = {}",
            curl_config_quote(&format!("{user}:{password}"))
        ),
        None => String::new(),
    };
    let mut block = String::new();
    let _ = writeln!(block, "# The request, written by caretaker.");
    let _ = writeln!(block, "MAXTIME={}", c.req.timeout_secs);
    let _ = writeln!(block, "CONNTIME={}", c.req.connect_timeout_secs);
    let _ = writeln!(block, "MAXBODY={}", c.req.max_body_bytes);
    let _ = writeln!(block, "MAXREDIRS={}", c.req.max_redirects);
    let _ = writeln!(block, "CONC={}", c.req.concurrency);
    let _ = writeln!(block, "PROXY={}", sh_quote(&proxy));
    let _ = writeln!(block, "PROXYHP={}", sh_quote(&proxy_hp));
    let _ = writeln!(block, "PROXYCFG={}", sh_quote(&proxy_cfg));
    block.push_str("set --");
    for u in &c.req.urls {
        block.push_str(" \\\n  ");
        block.push_str(&sh_quote(u));
    }
    block.push('\n');
    fill(SH_TEMPLATE, &block)
}

/// The Windows PowerShell 5.1 probe for `req` (Invoke-WebRequest), to be fed to
/// `powershell -NoProfile -NonInteractive -Command -`. It prints one
/// `caretaker-filter-windows/1` JSON document.
pub fn ps1_script(req: &ProbeRequest) -> Result<String, ScriptError> {
    let c = check(req)?;
    let ps_quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let (proxy, _) = c.proxy.clone().unwrap_or_default();
    let (user_b64, password_b64) = match &req.proxy_credentials {
        Some((user, password)) => (BASE64.encode(user), BASE64.encode(password)),
        None => (String::new(), String::new()),
    };
    let mut block = String::new();
    let _ = writeln!(block, "# The request, written by caretaker.");
    let _ = writeln!(block, "$TimeoutSec = {}", c.req.timeout_secs);
    let _ = writeln!(block, "$MaxBody = {}", c.req.max_body_bytes);
    let _ = writeln!(block, "$MaxRedirects = {}", c.req.max_redirects);
    let _ = writeln!(block, "$Concurrency = {}", c.req.concurrency);
    let _ = writeln!(block, "$ProxyUri = {}", ps_quote(&proxy));
    let _ = writeln!(block, "$ProxyUserB64 = {}", ps_quote(&user_b64));
    let _ = writeln!(block, "$ProxyPassB64 = {}", ps_quote(&password_b64));
    block.push_str("$Urls = @(\n");
    for u in &c.req.urls {
        let _ = writeln!(block, "  {}", ps_quote(u));
    }
    block.push_str(")\n");
    fill(PS1_TEMPLATE, &block)
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/// Everything one run of the filter probe reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// `caretaker-filter/1` or `caretaker-filter-windows/1`.
    pub probe: String,
    /// `curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 …`, or the PowerShell version.
    pub client_version: Option<String>,
    /// The proxy the probe used, without credentials.
    pub proxy: Option<String>,
    /// What the probe could not do, in plain words ("curl is not installed …").
    pub problems: Vec<String>,
    /// One per requested URL, in the order asked.
    pub fetches: Vec<Fetch>,
}

/// One [`Fetch`] per URL of `urls`, in order, from the probe's stdout. A URL the output does not
/// mention becomes [`Outcome::Other`] with a detail saying so (and what the probe's problems were).
pub fn parse(stdout: &[u8], urls: &[String]) -> Result<Vec<Fetch>, ParseError> {
    parse_report(stdout, urls).map(|r| r.fetches)
}

/// Like [`parse`], with the probe's own facts (client version, proxy, problems).
pub fn parse_report(stdout: &[u8], urls: &[String]) -> Result<ProbeReport, ParseError> {
    if stdout.len() > MAX_OUTPUT_BYTES {
        return Err(ParseError::new(format!(
            "the probe printed {} bytes, more than the {MAX_OUTPUT_BYTES} accepted",
            stdout.len()
        )));
    }
    // The document is ASCII by construction; a stray byte can only be inside a string.
    let text = String::from_utf8_lossy(stdout);
    let obj = crate::host::parse::json_object(&text).map_err(ParseError::new)?;
    let windows = match obj.get("probe") {
        Some(Value::String(p)) if p == PROBE => false,
        Some(Value::String(p)) if p == PROBE_WINDOWS => true,
        Some(Value::String(p)) => {
            return Err(ParseError::new(format!(
                "the output is from probe {:?}, not caretaker's filter probe ({PROBE} or {PROBE_WINDOWS})",
                clip(p, 80)
            )))
        }
        Some(_) => return Err(ParseError::new("the \"probe\" field is not a string")),
        None => {
            return Err(ParseError::new(
                "the output has no \"probe\" field: not from caretaker's filter probe",
            ))
        }
    };
    let results = match obj.get("results") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ParseError::new("the \"results\" field is not a list")),
        None => return Err(ParseError::new("the output has no \"results\" list")),
    };
    let mut problems = Vec::new();
    match obj.get("problems") {
        Some(Value::Array(items)) => {
            problems.extend(items.iter().filter_map(as_text).take(100));
        }
        Some(v) => problems.extend(as_text(v)),
        None => {}
    }
    let proxy = obj
        .get("proxy")
        .and_then(as_text)
        .and_then(|p| proxy_without_userinfo(&p));
    let client_version = if windows {
        obj.get("powershell_version").and_then(as_text)
    } else {
        obj.get("curl_version").and_then(as_text)
    };

    let entries: Vec<(Option<String>, &Map<String, Value>)> = results
        .iter()
        .filter_map(|r| match r {
            Value::Object(m) => Some((m.get("url").and_then(as_raw_text), m)),
            _ => None,
        })
        .collect();
    let mut used = vec![false; entries.len()];
    let mut fetches = Vec::with_capacity(urls.len());
    for (i, url) in urls.iter().enumerate() {
        let same = |j: usize| {
            entries
                .get(j)
                .is_some_and(|(u, _)| u.as_deref() == Some(url.as_str()))
                && !used.get(j).copied().unwrap_or(true)
        };
        let pick = if same(i) {
            Some(i)
        } else {
            (0..entries.len()).find(|&j| same(j))
        };
        let fetch = match pick.and_then(|j| entries.get(j).map(|e| (j, e.1))) {
            Some((j, m)) => {
                if let Some(u) = used.get_mut(j) {
                    *u = true;
                }
                if windows {
                    windows_fetch(url, m, proxy.as_deref())
                } else {
                    curl_fetch(url, m, proxy.as_deref())
                }
            }
            None => {
                let mut detail = String::from("the probe's output has no result for this URL");
                if !problems.is_empty() {
                    let _ = write!(detail, " (the probe said: {})", problems.join("; "));
                }
                let mut f = Fetch::failed(url, Outcome::Other, detail);
                f.proxy.clone_from(&proxy);
                f
            }
        };
        fetches.push(fetch);
    }
    Ok(ProbeReport {
        probe: if windows { PROBE_WINDOWS } else { PROBE }.to_string(),
        client_version,
        proxy,
        problems,
        fetches,
    })
}

/// The raw facts of one result, whichever script reported them.
#[derive(Debug, Default)]
struct Facts {
    exit: Option<u64>,
    message: String,
    http_code: Option<u16>,
    http_connect: Option<u16>,
    remote_ip: Option<String>,
    url_effective: Option<String>,
    num_redirects: Option<u64>,
    time_total: Option<f64>,
    time_connect: Option<f64>,
    ssl_verify_result: Option<u64>,
    tls_issuer: Option<String>,
    /// What the name resolved to on the machine (`getent ahosts`, .NET's resolver), without a
    /// proxy: valid addresses only, at most 16.
    resolved: Vec<String>,
    /// (status code, Location) of every response header block, in order.
    responses: Vec<(Option<u16>, Option<String>)>,
    body: Vec<u8>,
    body_truncated: bool,
    body_problem: Option<&'static str>,
}

fn common_facts(m: &Map<String, Value>, client: Option<&Map<String, Value>>) -> Facts {
    let get = |k: &str| client.and_then(|c| c.get(k)).unwrap_or(&Value::Null);
    let mut f = Facts {
        http_code: as_u64(get("http_code")).and_then(status_code),
        http_connect: as_u64(get("http_connect")).and_then(status_code),
        remote_ip: as_text(get("remote_ip")),
        url_effective: as_text(get("url_effective")),
        num_redirects: as_u64(get("num_redirects")),
        time_total: as_f64(get("time_total")),
        time_connect: as_f64(get("time_connect")),
        ssl_verify_result: as_u64(get("ssl_verify_result")),
        tls_issuer: m.get("tls_issuer").and_then(as_text),
        ..Facts::default()
    };
    if let Some(Value::Array(items)) = m.get("resolved") {
        for a in items.iter().filter_map(as_text).take(64) {
            if a.parse::<std::net::IpAddr>().is_ok()
                && !f.resolved.contains(&a)
                && f.resolved.len() < 16
            {
                f.resolved.push(a);
            }
        }
    }
    if let Some(Value::Array(items)) = m.get("responses") {
        for item in items.iter().take(64) {
            if let Value::Object(r) = item {
                let code = r
                    .get("status_line")
                    .and_then(as_text)
                    .and_then(|l| status_of_line(&l));
                f.responses
                    .push((code, r.get("location").and_then(as_raw_text)));
            }
        }
    }
    let (body, problem) = match (m.get("body_b64"), m.get("body_hex")) {
        (Some(Value::String(b)), _) => match base64_decode(b) {
            Some(v) => (v, None),
            None => (Vec::new(), Some("the body sent back is not valid base64")),
        },
        (_, Some(Value::String(h))) => match hex_decode(h) {
            Some(v) => (v, None),
            None => (Vec::new(), Some("the body sent back is not valid hex")),
        },
        _ => (Vec::new(), None),
    };
    f.body_truncated = m.get("body_truncated").and_then(as_bool).unwrap_or(false);
    f.body = body;
    if f.body.len() > MAX_BODY_BYTES {
        f.body.truncate(MAX_BODY_BYTES);
        f.body_truncated = true;
    }
    f.body_problem = problem;
    f
}

/// A result of the sh script.
fn curl_fetch(url: &str, m: &Map<String, Value>, proxy: Option<&str>) -> Fetch {
    let curl = match m.get("curl") {
        Some(Value::Object(c)) => Some(c),
        _ => None,
    };
    let mut f = common_facts(m, curl);
    f.exit = curl
        .and_then(|c| c.get("exitcode"))
        .and_then(as_u64)
        .or_else(|| m.get("exit").and_then(as_u64));
    let stderr = m.get("curl_stderr").and_then(as_text).map(|s| {
        // "curl: (7) Failed to connect …" → "Failed to connect …"
        match s.strip_prefix("curl: (").and_then(|r| r.split_once(") ")) {
            Some((_, msg)) => msg.to_string(),
            None => s,
        }
    });
    f.message = curl
        .and_then(|c| c.get("errormsg"))
        .and_then(as_text)
        .or(stderr)
        .unwrap_or_default();
    let (outcome, detail, proxy_status) = curl_outcome(&f, proxy.is_some());
    build(url, f, outcome, detail, proxy_status, proxy)
}

/// A result of the PowerShell script.
fn windows_fetch(url: &str, m: &Map<String, Value>, proxy: Option<&str>) -> Fetch {
    let iwr = match m.get("iwr") {
        Some(Value::Object(c)) => Some(c),
        _ => None,
    };
    let mut f = common_facts(m, iwr);
    let get = |k: &str| iwr.and_then(|c| c.get(k)).unwrap_or(&Value::Null);
    f.message = as_text(get("errormsg")).unwrap_or_default();
    let status = as_text(get("web_exception_status"));
    let exception = as_text(get("exception_type"));
    let (outcome, detail, proxy_status) =
        windows_outcome(&f, status.as_deref(), exception.as_deref(), proxy.is_some());
    build(url, f, outcome, detail, proxy_status, proxy)
}

fn build(
    url: &str,
    f: Facts,
    outcome: Outcome,
    detail: Option<String>,
    proxy_status: Option<u16>,
    proxy: Option<&str>,
) -> Fetch {
    // With a proxy, curl's remote address is the proxy's and the proxy resolved the name: the
    // site's addresses are unknown. Without one, what the name resolved to on the machine (which
    // a refused connection to a sinkhole leaves curl without), and the address curl connected to.
    let mut addresses = Vec::new();
    if proxy.is_none() {
        addresses.clone_from(&f.resolved);
        if let Some(ip) = &f.remote_ip {
            if ip.parse::<std::net::IpAddr>().is_ok() && !addresses.contains(ip) {
                addresses.push(ip.clone());
            }
        }
    }
    let redirects = redirects_followed(url, &f.responses, f.num_redirects);
    let detail = match (detail, f.body_problem) {
        (Some(d), Some(p)) => Some(format!("{d}; {p}")),
        (Some(d), None) => Some(d),
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    };
    Fetch {
        url: url.to_string(),
        outcome,
        addresses,
        proxy: proxy.map(str::to_string),
        status: f.http_code,
        proxy_status,
        redirects,
        final_url: f.url_effective.map(|u| match url::Url::parse(&u) {
            Ok(parsed) => url_shown(&parsed),
            Err(_) => u,
        }),
        tls_issuer: f.tls_issuer,
        body: f.body,
        body_truncated: f.body_truncated,
        elapsed_ms: f.time_total.map(seconds_to_ms).unwrap_or(0),
        detail: detail.map(|d| clip(&d, 1000)),
    }
}

/// curl's exit code and report → (outcome, detail, proxy status).
fn curl_outcome(f: &Facts, proxied: bool) -> (Outcome, Option<String>, Option<u16>) {
    let Some(code) = f.exit else {
        return (
            Outcome::Other,
            Some("the probe did not report how curl ended".into()),
            None,
        );
    };
    let msg = f.message.as_str();
    let lower = msg.to_ascii_lowercase();
    let detail = if msg.is_empty() {
        format!("curl exit {code}")
    } else {
        format!("curl exit {code}: {msg}")
    };
    let fail = |o: Outcome| (o, Some(detail.clone()), None);
    // curl 7.88 zeroes time_connect when a transfer fails (a TLS handshake that hangs reports
    // 0), but remote_ip is only set once a connection was made.
    let connected = f.time_connect.is_some_and(|t| t > 0.0)
        || f.remote_ip.is_some()
        || f.http_code.is_some()
        || f.http_connect.is_some();
    match code {
        0 | 23 | 63 if f.http_code.is_some() => (Outcome::Response, None, None),
        // Transfer closed early: a response arrived, its body is incomplete.
        18 if f.http_code.is_some() => (Outcome::Response, Some(detail.clone()), None),
        0 => fail(Outcome::Other),
        5 => fail(Outcome::ProxyUnreachable),
        6 if lower.contains("timed out") || lower.contains("timeout") => {
            fail(Outcome::ResolveTimeout)
        }
        6 => fail(Outcome::NxDomain),
        7 if proxied => fail(Outcome::ProxyUnreachable),
        7 if lower.contains("unreachable") || lower.contains("no route") => {
            fail(Outcome::Unreachable)
        }
        7 => fail(Outcome::ConnectRefused),
        28 if lower.starts_with("resolving timed out") => fail(if proxied {
            Outcome::ProxyUnreachable
        } else {
            Outcome::ResolveTimeout
        }),
        28 if !connected => fail(if proxied {
            Outcome::ProxyUnreachable
        } else {
            Outcome::ConnectTimeout
        }),
        28 => fail(Outcome::Timeout),
        35 | 53 | 54 | 59 | 66 | 80 | 90 | 91 => fail(Outcome::TlsFailed),
        51 | 60 | 83 => {
            let expired_or_mismatch = matches!(f.ssl_verify_result, Some(9 | 10 | 62))
                || lower.contains("expired")
                || lower.contains("not yet valid")
                || lower.contains("subject name")
                || lower.contains("does not match");
            fail(if expired_or_mismatch {
                Outcome::TlsFailed
            } else {
                Outcome::TlsUntrusted
            })
        }
        56 => {
            let refused = f
                .http_connect
                .filter(|s| *s >= 300)
                .or_else(|| connect_status_in(msg));
            match refused {
                Some(s) if s >= 300 => (Outcome::ProxyRefused, Some(detail.clone()), Some(s)),
                _ => fail(Outcome::ConnectReset),
            }
        }
        16 | 52 | 55 | 92 => fail(Outcome::ConnectReset),
        47 => fail(Outcome::TooManyRedirects),
        _ => fail(Outcome::Other),
    }
}

/// "CONNECT tunnel failed, response 403" / "Received HTTP code 403 from proxy after CONNECT".
fn connect_status_in(msg: &str) -> Option<u16> {
    let rest = if let Some((_, r)) = msg.split_once("CONNECT tunnel failed, response ") {
        r
    } else if let Some((_, r)) = msg.split_once("Received HTTP code ") {
        if !msg.contains("after CONNECT") {
            return None;
        }
        r
    } else {
        return None;
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u64>().ok().and_then(status_code)
}

/// Invoke-WebRequest's result → (outcome, detail, proxy status). The names are .NET's
/// `System.Net.WebExceptionStatus`.
fn windows_outcome(
    f: &Facts,
    status: Option<&str>,
    exception: Option<&str>,
    proxied: bool,
) -> (Outcome, Option<String>, Option<u16>) {
    let msg = f.message.as_str();
    let lower = msg.to_ascii_lowercase();
    let detail = match (status, exception, msg.is_empty()) {
        (Some(s), _, false) => format!("{s}: {msg}"),
        (Some(s), _, true) => s.to_string(),
        (None, Some(e), false) => format!("{e}: {msg}"),
        (None, Some(e), true) => e.to_string(),
        (None, None, false) => msg.to_string(),
        (None, None, true) => "Invoke-WebRequest reported nothing".to_string(),
    };
    let fail = |o: Outcome| (o, Some(detail.clone()), None);
    let redirect_status = f.http_code.is_some_and(|c| (300..400).contains(&c));
    match status {
        Some("Success") if f.http_code.is_some() => (Outcome::Response, None, None),
        Some("ProtocolError") if redirect_status || lower.contains("redirect") => {
            fail(Outcome::TooManyRedirects)
        }
        // Invoke-WebRequest throws on 4xx and 5xx: the response still arrived.
        Some("ProtocolError") if f.http_code.is_some() => (Outcome::Response, None, None),
        Some("NameResolutionFailure") => fail(Outcome::NxDomain),
        Some("ProxyNameResolutionFailure") => fail(Outcome::ProxyUnreachable),
        Some("ConnectFailure") if proxied => fail(Outcome::ProxyUnreachable),
        Some("ConnectFailure") if lower.contains("did not properly respond") => {
            fail(Outcome::ConnectTimeout)
        }
        Some("ConnectFailure") if lower.contains("unreachable") => fail(Outcome::Unreachable),
        Some("ConnectFailure") => fail(Outcome::ConnectRefused),
        Some("Timeout") => fail(Outcome::Timeout),
        Some("TrustFailure") => fail(Outcome::TlsUntrusted),
        Some("SecureChannelFailure") => fail(Outcome::TlsFailed),
        Some(
            "ConnectionClosed" | "ReceiveFailure" | "SendFailure" | "KeepAliveFailure"
            | "PipelineFailure",
        ) => fail(Outcome::ConnectReset),
        Some("RequestProhibitedByProxy") => fail(Outcome::ProxyRefused),
        _ if lower.contains("redirect") => fail(Outcome::TooManyRedirects),
        _ => fail(Outcome::Other),
    }
}

/// The Locations followed, resolved against the URL they came from; at most `followed` of them
/// (curl's `num_redirects`: with too many redirects, the last Location was not followed).
fn redirects_followed(
    url: &str,
    responses: &[(Option<u16>, Option<String>)],
    followed: Option<u64>,
) -> Vec<String> {
    let limit = followed
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let mut base = url.to_string();
    let mut out = Vec::new();
    for (code, location) in responses {
        if out.len() >= limit {
            break;
        }
        let Some(loc) = location else { continue };
        if !code.is_some_and(|c| (300..400).contains(&c) && !matches!(c, 304..=306)) {
            continue;
        }
        let next = resolve(&base, loc);
        out.push(clip(&next, 4096));
        base = next;
    }
    out
}

/// Where a Location leads from `base` (see [`join_location`]), without any user or password.
/// A Location that cannot be resolved is kept as it was sent.
fn resolve(base: &str, loc: &str) -> String {
    match url::Url::parse(base)
        .ok()
        .and_then(|b| join_location(&b, loc))
    {
        Some(u) => url_shown(&u),
        None => loc.trim().to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient field readers.

use crate::host::parse::clip;

/// A scalar as trimmed text (at most 4096 characters); `None` for null, containers, "".
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s.trim(), 4096)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string exactly as sent (for URLs compared with the request); `None` for anything else.
fn as_raw_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s.len() <= 2 * MAX_URL_LEN => Some(s.clone()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A non-negative integer from `7`, `7.0` or `"7"`.
fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1e15)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// A finite non-negative number from `0.25` or `"0.25"`.
fn as_f64(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    (f.is_finite() && f >= 0.0).then_some(f)
}

/// An HTTP status (100–999); curl's "no response" is 0.
fn status_code(n: u64) -> Option<u16> {
    u16::try_from(n).ok().filter(|c| (100..=999).contains(c))
}

/// "HTTP/1.1 302 Found" → 302.
fn status_of_line(line: &str) -> Option<u16> {
    let mut words = line.split_whitespace();
    let version = words.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    words
        .next()
        .filter(|w| w.len() == 3)
        .and_then(|w| w.parse::<u64>().ok())
        .and_then(status_code)
}

fn seconds_to_ms(s: f64) -> u64 {
    let ms = (s * 1000.0).round();
    if ms.is_finite() && (0.0..1e15).contains(&ms) {
        ms as u64
    } else {
        0
    }
}

/// `http://user:pass@host:port` → `http://host:port`, as the other fetcher shows its proxy (the
/// probe never prints credentials; this makes sure none are kept even so). `None` if it is not an
/// http:// proxy address.
fn proxy_without_userinfo(p: &str) -> Option<String> {
    proxy_shown(&url::Url::parse(p).ok()?)
}

// ---------------------------------------------------------------------------------------------
// Encodings.

/// The body as `od -An -tx1` printed it (the probe joins the lines; whitespace left between the
/// digits is skipped). `None` on an odd number of digits or any other character.
fn hex_decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(without_whitespace(text)).ok()
}

/// The body as `base64`, `openssl base64 -A` or PowerShell's `ToBase64String` printed it (line
/// breaks a tool may put in are skipped). `None` unless it is standard, padded base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(without_whitespace(text)).ok()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;

    // --- The recorded fixtures (checks/fixtures/filter/README.md) -----------------------------

    /// The proxy password of the recorded `proxy-auth` fixture (quotes, a space and `$(…)`:
    /// it must reach the proxy intact and never run).
    const RECORDED_PASSWORD: &str = "pa ss'w\"rd$(touch /tmp/pwned)";

    const PAGE: &str = "http://www.site.test:47080/page";
    const HOPS: &str = "http://www.site.test:47080/hop1";
    const LOOP: &str = "http://www.site.test:47080/loop";
    const BIG: &str = "http://www.site.test:47080/big";
    const NXDOMAIN: &str = "http://nxdomain.test/";
    const REFUSED: &str = "http://www.site.test:47081/";
    const SILENT: &str = "http://www.site.test:47082/";
    const FULL_QUEUE: &str = "http://www.site.test:47083/";
    const UNTRUSTED: &str = "https://untrusted.site.test:47443/page";
    const TRUSTED: &str = "https://www.site.test:47444/page";
    const BLOCKED_HTTP: &str = "http://blocked.test/page";
    const BLOCKED_HTTPS: &str = "https://blocked.test/page";
    /// dnsmasq answers `sinkhole.test` with 127.0.77.9, where nothing listens (refused).
    const SINKHOLED: &str = "http://sinkhole.test/page";
    const SINKHOLE: &str = "127.0.77.9";

    const UNTRUSTED_CA: &str = "C = GB, O = Caretaker Test, CN = Caretaker Untrusted Test CA";
    const TRUSTED_CA: &str = "C = GB, O = Caretaker Test, CN = Caretaker Trusted Test CA";

    fn request(urls: &[&str], proxy: Option<&str>) -> ProbeRequest {
        ProbeRequest {
            urls: urls.iter().map(|s| s.to_string()).collect(),
            proxy: proxy.map(str::to_string),
            proxy_credentials: None,
            timeout_secs: 3,
            connect_timeout_secs: 2,
            max_body_bytes: 2048,
            max_redirects: 5,
            concurrency: 4,
        }
    }

    /// The requests whose scripts `record/record.sh` runs to record the fixtures.
    fn recording_requests() -> Vec<(&'static str, ProbeRequest)> {
        let with_credentials = |password: &str| {
            let mut r = request(&[PAGE, TRUSTED], Some("http://127.0.0.1:47130"));
            r.proxy_credentials = Some(("caretaker".into(), password.into()));
            r
        };
        vec![
            (
                "direct",
                request(
                    &[
                        PAGE, HOPS, LOOP, BIG, NXDOMAIN, REFUSED, SILENT, FULL_QUEUE, UNTRUSTED,
                        TRUSTED,
                    ],
                    None,
                ),
            ),
            (
                "proxy",
                request(
                    &[
                        PAGE,
                        BLOCKED_HTTP,
                        BLOCKED_HTTPS,
                        TRUSTED,
                        UNTRUSTED,
                        NXDOMAIN,
                    ],
                    Some("http://127.0.0.1:47128"),
                ),
            ),
            (
                "proxy-down",
                request(&[PAGE, TRUSTED], Some("http://127.0.0.1:47129")),
            ),
            ("sinkhole", request(&[SINKHOLED, PAGE], None)),
            ("proxy-auth", with_credentials(RECORDED_PASSWORD)),
            ("proxy-auth-wrong", with_credentials("not-the-password")),
            ("no-curl", request(&[PAGE, TRUSTED], None)),
        ]
    }

    const WINDOWS_URLS: &[&str] = &[
        "https://www.example.org/",
        "http://blocked.example/",
        "http://nxdomain.example/",
        "https://untrusted.example/",
        "http://10.0.0.1:81/",
        "http://slow.example/",
        "http://loop.example/",
    ];

    /// Every fixture with the URLs it was recorded for.
    fn fixtures() -> Vec<(String, Vec<String>)> {
        let mut all: Vec<(String, Vec<String>)> = recording_requests()
            .into_iter()
            .map(|(name, req)| (format!("{name}.json"), req.urls))
            .collect();
        all.push((
            "windows-docs.json".into(),
            WINDOWS_URLS.iter().map(|s| s.to_string()).collect(),
        ));
        all
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/filter/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn parsed(name: &str) -> Vec<Fetch> {
        let (_, urls) = fixtures()
            .into_iter()
            .find(|(n, _)| n == &format!("{name}.json"))
            .unwrap();
        let fetches = parse(&fixture(&format!("{name}.json")), &urls).unwrap();
        assert_eq!(fetches.len(), urls.len());
        for (f, u) in fetches.iter().zip(&urls) {
            assert_eq!(&f.url, u);
        }
        fetches
    }

    fn body_text(f: &Fetch) -> String {
        String::from_utf8_lossy(&f.body).into_owned()
    }

    /// Renders the scripts the fixtures were recorded with and checks each is valid sh. With
    /// `$CARETAKER_FILTER_RECORD_DIR` set (by record/record.sh) they are left there to be run.
    #[test]
    fn render_recording_scripts() {
        let temp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("CARETAKER_FILTER_RECORD_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| temp.path().to_path_buf());
        for (name, req) in recording_requests() {
            let path = dir.join(format!("{name}.sh"));
            std::fs::write(&path, sh_script(&req).unwrap()).unwrap();
            let st = std::process::Command::new("sh")
                .arg("-n")
                .arg(&path)
                .status()
                .unwrap();
            assert!(st.success(), "{name}.sh is not valid sh");
        }
    }

    #[test]
    fn fixture_direct() {
        let f = parsed("direct");
        let report = parse_report(&fixture("direct.json"), &request(&[PAGE], None).urls).unwrap();
        assert!(report
            .client_version
            .as_deref()
            .unwrap()
            .starts_with("curl 7.88.1"));
        assert_eq!(report.proxy, None);
        assert!(report.problems.is_empty());

        let page = &f[0];
        assert_eq!(page.outcome, Outcome::Response);
        assert_eq!(page.status, Some(200));
        assert_eq!(page.addresses, vec!["127.0.0.1".to_string()]);
        assert_eq!(page.final_url.as_deref(), Some(PAGE));
        assert!(page.redirects.is_empty());
        assert!(body_text(page).contains("caretaker-token-ok"));
        assert!(!page.body_truncated);
        assert_eq!(page.proxy, None);
        assert_eq!(page.detail, None);
        assert_eq!(page.tls_issuer, None);

        let hops = &f[1];
        assert_eq!(hops.outcome, Outcome::Response);
        assert_eq!(hops.status, Some(200));
        assert_eq!(
            hops.redirects,
            vec![
                "http://www.site.test:47080/hop2".to_string(),
                PAGE.to_string()
            ]
        );
        assert_eq!(hops.final_url.as_deref(), Some(PAGE));

        let lp = &f[2];
        assert_eq!(lp.outcome, Outcome::TooManyRedirects);
        assert_eq!(lp.redirects, vec![LOOP.to_string(); 5]);
        assert_eq!(lp.status, Some(302));
        assert!(lp
            .detail
            .as_deref()
            .unwrap()
            .contains("Maximum (5) redirects"));

        let big = &f[3];
        assert_eq!(big.outcome, Outcome::Response);
        assert_eq!(big.status, Some(200));
        assert_eq!(big.body.len(), 2048);
        assert!(big.body_truncated);
        assert!(body_text(big).starts_with("caretaker big body line 000000"));

        let nx = &f[4];
        assert_eq!(nx.outcome, Outcome::NxDomain);
        assert!(nx.addresses.is_empty());
        assert!(nx
            .detail
            .as_deref()
            .unwrap()
            .contains("Could not resolve host: nxdomain.test"));

        let refused = &f[5];
        assert_eq!(refused.outcome, Outcome::ConnectRefused);
        assert!(refused
            .detail
            .as_deref()
            .unwrap()
            .starts_with("curl exit 7: "));

        let silent = &f[6];
        assert_eq!(silent.outcome, Outcome::Timeout);
        assert!(silent.elapsed_ms >= 3000, "{}", silent.elapsed_ms);
        assert_eq!(silent.status, None);

        let queue = &f[7];
        assert_eq!(queue.outcome, Outcome::ConnectTimeout);
        assert!(queue.elapsed_ms >= 2000);

        let untrusted = &f[8];
        assert_eq!(untrusted.outcome, Outcome::TlsUntrusted);
        assert_eq!(untrusted.tls_issuer.as_deref(), Some(UNTRUSTED_CA));
        assert!(untrusted
            .detail
            .as_deref()
            .unwrap()
            .contains("SSL certificate problem: unable to get local issuer certificate"));

        let trusted = &f[9];
        assert_eq!(trusted.outcome, Outcome::Response);
        assert_eq!(trusted.status, Some(200));
        assert_eq!(trusted.tls_issuer.as_deref(), Some(TRUSTED_CA));
        assert!(body_text(trusted).contains("caretaker-token-ok"));
    }

    #[test]
    fn fixture_proxy() {
        let f = parsed("proxy");
        let proxy = Some("http://127.0.0.1:47128".to_string());
        for x in &f {
            assert_eq!(x.proxy, proxy);
            // Through a proxy, the address curl saw is the proxy's, not the site's.
            assert!(x.addresses.is_empty());
        }
        assert_eq!(f[0].outcome, Outcome::Response);
        assert_eq!(f[0].status, Some(200));

        let blocked = &f[1];
        assert_eq!(blocked.outcome, Outcome::Response);
        assert_eq!(blocked.status, Some(403));
        assert!(body_text(blocked).contains("Blocked by the school web filter"));
        assert!(body_text(blocked).contains("caretaker-test-filter: http://blocked.test/page"));

        let connect = &f[2];
        assert_eq!(connect.outcome, Outcome::ProxyRefused);
        assert_eq!(connect.proxy_status, Some(403));
        assert_eq!(connect.status, None);
        assert!(connect
            .detail
            .as_deref()
            .unwrap()
            .contains("CONNECT tunnel failed, response 403"));

        assert_eq!(f[3].outcome, Outcome::Response);
        assert_eq!(f[3].tls_issuer.as_deref(), Some(TRUSTED_CA));
        assert_eq!(f[3].proxy_status, None);

        // openssl asked through the proxy for the certificate curl refused.
        assert_eq!(f[4].outcome, Outcome::TlsUntrusted);
        assert_eq!(f[4].tls_issuer.as_deref(), Some(UNTRUSTED_CA));

        // The proxy could not resolve the name: its error page is the response.
        assert_eq!(f[5].outcome, Outcome::Response);
        assert_eq!(f[5].status, Some(502));
        assert!(f[5].body_truncated);
    }

    /// A sinkhole answers the name with an address where nothing listens: curl's own report has
    /// no address for a refused connection, so only the name's resolution (getent) shows the
    /// sinkhole, and the judge calls it a DNS block, as it does for caretaker's own fetcher.
    #[test]
    fn fixture_sinkhole() {
        use crate::filter::classify::{classify, BlockedBy, Rules, Seen};
        let f = parsed("sinkhole");
        assert_eq!(f[0].outcome, Outcome::ConnectRefused);
        assert_eq!(f[0].addresses, [SINKHOLE]);
        assert_eq!(f[1].outcome, Outcome::Response);
        assert_eq!(f[1].addresses, ["127.0.0.1"]);
        let rules = Rules {
            sinkholes: vec![SINKHOLE.parse().unwrap()],
            ..Rules::default()
        };
        assert_eq!(
            classify("caretaker-token-ok", &f[0], &rules),
            Seen::Blocked(BlockedBy::Dns(format!(
                "the name resolves to the sinkhole address {SINKHOLE}"
            )))
        );
        assert_eq!(classify("caretaker-token-ok", &f[1], &rules), Seen::Loaded);
        // The look-alike: the same refusal with an address that is not a sinkhole.
        let other = Rules {
            sinkholes: vec!["127.0.77.10".parse().unwrap()],
            ..Rules::default()
        };
        assert!(matches!(
            classify("caretaker-token-ok", &f[0], &other),
            Seen::Blocked(BlockedBy::Connection(_))
        ));
        // Through a proxy the machine's own resolution is not what was fetched: not used (the
        // probe does not look names up then, and the parser ignores any it is sent).
        for x in parsed("proxy") {
            assert!(x.addresses.is_empty(), "{x:?}");
        }
        let text = String::from_utf8(fixture("proxy.json")).unwrap();
        assert!(text.contains("\"resolved\":null"));
        let mut doc: Value = serde_json::from_slice(&fixture("sinkhole.json")).unwrap();
        doc["proxy"] = Value::String("http://127.0.0.1:47128".into());
        let proxied = parse(doc.to_string().as_bytes(), &[SINKHOLED.to_string()]).unwrap();
        assert!(proxied[0].addresses.is_empty());
        // No address for a name that does not exist; a refused connection to an ordinary
        // address keeps that address (and is not a DNS block).
        let direct = parsed("direct");
        assert_eq!(direct[4].outcome, Outcome::NxDomain);
        assert!(direct[4].addresses.is_empty());
        assert_eq!(direct[5].addresses, ["127.0.0.1"]);
    }

    #[test]
    fn fixture_proxy_down() {
        for x in parsed("proxy-down") {
            assert_eq!(x.outcome, Outcome::ProxyUnreachable);
            assert!(x.detail.as_deref().unwrap().contains("port 47129"));
            assert_eq!(x.proxy.as_deref(), Some("http://127.0.0.1:47129"));
        }
    }

    #[test]
    fn fixture_proxy_auth() {
        let f = parsed("proxy-auth");
        for x in &f {
            assert_eq!(x.outcome, Outcome::Response, "{x:?}");
            assert_eq!(x.status, Some(200));
            assert!(body_text(x).contains("caretaker-token-ok"));
            // The 407 before the authenticated retry is not a redirect.
            assert!(x.redirects.is_empty());
        }
        assert_eq!(f[1].tls_issuer.as_deref(), Some(TRUSTED_CA));
        let text = String::from_utf8(fixture("proxy-auth.json")).unwrap();
        assert!(!text.contains("w\\\"rd") && !text.contains("pwned"));

        let wrong = parsed("proxy-auth-wrong");
        assert_eq!(wrong[0].outcome, Outcome::Response);
        assert_eq!(wrong[0].status, Some(407));
        assert_eq!(wrong[1].outcome, Outcome::ProxyRefused);
        assert_eq!(wrong[1].proxy_status, Some(407));
    }

    #[test]
    fn fixture_no_curl() {
        let report = parse_report(
            &fixture("no-curl.json"),
            &request(&[PAGE, TRUSTED], None).urls,
        )
        .unwrap();
        assert_eq!(report.client_version, None);
        assert_eq!(report.problems.len(), 1);
        for x in &report.fetches {
            assert_eq!(x.outcome, Outcome::Other);
            let d = x.detail.as_deref().unwrap();
            assert!(d.contains("no result for this URL"), "{d}");
            assert!(d.contains("curl is not installed"), "{d}");
        }
    }

    #[test]
    fn fixture_windows_docs() {
        let report = parse_report(
            &fixture("windows-docs.json"),
            &WINDOWS_URLS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(report.probe, PROBE_WINDOWS);
        assert_eq!(report.client_version.as_deref(), Some("5.1.20348.2400"));
        let f = &report.fetches;
        assert_eq!(f[0].outcome, Outcome::Response);
        assert_eq!(f[0].status, Some(200));
        assert_eq!(
            f[0].tls_issuer.as_deref(),
            Some("CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US")
        );
        assert_eq!(f[0].elapsed_ms, 212);
        assert_eq!(f[1].outcome, Outcome::Response);
        assert_eq!(f[1].status, Some(403));
        assert!(body_text(&f[1]).contains("blocked by the school web filter"));
        assert_eq!(f[2].outcome, Outcome::NxDomain);
        assert_eq!(f[0].addresses, ["93.184.215.14"]);
        assert!(f[2].addresses.is_empty());
        assert_eq!(f[3].outcome, Outcome::TlsUntrusted);
        assert_eq!(f[4].outcome, Outcome::ConnectRefused);
        assert_eq!(f[5].outcome, Outcome::Timeout);
        assert_eq!(f[6].outcome, Outcome::TooManyRedirects);
        assert!(f[6]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("ProtocolError: Too many automatic redirections"));
    }

    #[test]
    fn fixtures_parse_with_every_truncation_without_panic() {
        for (name, urls) in fixtures() {
            let full = fixture(&name);
            for cut in 0..full.len() {
                match parse(&full[..cut], &urls) {
                    Ok(f) => {
                        // Only a cut in the trailing newline leaves a whole document.
                        assert!(cut + 1 >= full.len(), "{name} cut at {cut} parsed");
                        assert_eq!(f.len(), urls.len());
                    }
                    Err(e) => assert!(!e.reason.is_empty()),
                }
            }
        }
    }

    // --- Parser behaviour beyond the fixtures --------------------------------------------------

    #[test]
    fn missing_duplicated_and_reordered_results() {
        let doc = r#"{"probe":"caretaker-filter/1","proxy":null,"results":[
            {"index":0,"url":"http://b/","exit":0,"curl":{"http_code":200}},
            {"index":1,"url":"http://a/","exit":7,"curl":{"exitcode":7,"errormsg":"Failed to connect"}},
            {"index":2,"url":"http://a/","exit":0,"curl":{"exitcode":0,"http_code":204}},
            "junk", 7, null],"problems":["something odd"]}"#;
        let urls: Vec<String> = ["http://a/", "http://b/", "http://a/", "http://c/"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f = parse(doc.as_bytes(), &urls).unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].outcome, Outcome::ConnectRefused);
        assert_eq!(f[1].status, Some(200));
        assert_eq!(f[2].status, Some(204));
        assert_eq!(f[3].outcome, Outcome::Other);
        assert!(f[3].detail.as_deref().unwrap().contains("something odd"));
    }

    #[test]
    fn refuses_what_is_not_the_filter_probe() {
        for (doc, why) in [
            ("", "printed nothing"),
            ("  \n", "printed nothing"),
            ("[1]", "not an object"),
            (
                "{\"probe\":\"caretaker-linux/1\",\"results\":[]}",
                "caretaker-linux/1",
            ),
            ("{\"probe\":7}", "not a string"),
            ("{\"results\":[]}", "no \"probe\""),
            ("{\"probe\":\"caretaker-filter/1\"}", "no \"results\""),
            (
                "{\"probe\":\"caretaker-filter/1\",\"results\":{}}",
                "not a list",
            ),
            (
                "{\"probe\":\"caretaker-filter/1\",\"results\":[",
                "not one JSON document",
            ),
        ] {
            let e = parse(doc.as_bytes(), &[]).unwrap_err();
            assert!(e.reason.contains(why), "{doc}: {e}");
            assert_eq!(e.to_string(), e.reason);
        }
        let big = vec![b' '; MAX_OUTPUT_BYTES + 1];
        assert!(parse(&big, &[]).unwrap_err().reason.contains("more than"));
        // A byte-order mark and a stray non-UTF-8 byte inside a string are tolerated.
        let mut doc = b"\xef\xbb\xbf{\"probe\":\"caretaker-filter/1\",\"results\":[],\"problems\":[\"\xff\"]}".to_vec();
        doc.push(b'\n');
        assert!(parse(&doc, &[]).is_ok());
    }

    fn facts(exit: u64, msg: &str) -> Facts {
        Facts {
            exit: Some(exit),
            message: msg.into(),
            ..Facts::default()
        }
    }

    #[test]
    fn curl_exit_codes_map_to_outcomes() {
        use Outcome::*;
        let connected = |mut f: Facts| {
            f.time_connect = Some(0.01);
            f
        };
        let with_code = |mut f: Facts, c: u16| {
            f.http_code = Some(c);
            f
        };
        let with_connect = |mut f: Facts, c: u16| {
            f.http_connect = Some(c);
            f
        };
        let verify = |mut f: Facts, v: u64| {
            f.ssl_verify_result = Some(v);
            f
        };
        let cases: Vec<(Facts, bool, Outcome)> = vec![
            (with_code(facts(0, ""), 200), false, Response),
            (facts(0, ""), false, Other),
            (
                with_code(facts(23, "Failure writing output"), 200),
                false,
                Response,
            ),
            (
                with_code(facts(63, "Maximum file size exceeded"), 200),
                false,
                Response,
            ),
            (facts(23, "Failure writing output"), false, Other),
            (
                with_code(facts(18, "transfer closed"), 200),
                false,
                Response,
            ),
            (
                facts(5, "Could not resolve proxy: p"),
                true,
                ProxyUnreachable,
            ),
            (facts(6, "Could not resolve host: x"), false, NxDomain),
            (
                facts(6, "Resolving timed out after 2000 ms"),
                false,
                ResolveTimeout,
            ),
            (
                facts(7, "Couldn't connect to server"),
                false,
                ConnectRefused,
            ),
            (
                facts(7, "Failed to connect: No route to host"),
                false,
                Unreachable,
            ),
            (
                facts(7, "Failed to connect: Network is unreachable"),
                false,
                Unreachable,
            ),
            (
                facts(7, "Couldn't connect to server"),
                true,
                ProxyUnreachable,
            ),
            (
                facts(28, "Resolving timed out after 2000 milliseconds"),
                false,
                ResolveTimeout,
            ),
            (
                facts(28, "Resolving timed out after 2000 milliseconds"),
                true,
                ProxyUnreachable,
            ),
            (
                facts(28, "Failed to connect: Timeout was reached"),
                false,
                ConnectTimeout,
            ),
            (
                facts(28, "Failed to connect: Timeout was reached"),
                true,
                ProxyUnreachable,
            ),
            (connected(facts(28, "Operation timed out")), false, Timeout),
            // A TLS handshake that never finished (recorded by hand against a silent listener).
            (
                Facts {
                    remote_ip: Some("127.0.0.1".into()),
                    ..facts(28, "Connection timed out after 2001 milliseconds")
                },
                false,
                Timeout,
            ),
            (
                with_code(facts(28, "Operation timed out"), 200),
                false,
                Timeout,
            ),
            (
                facts(35, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL"),
                false,
                TlsFailed,
            ),
            (
                facts(60, "SSL certificate problem: self-signed certificate"),
                false,
                TlsUntrusted,
            ),
            (
                verify(
                    facts(60, "SSL certificate problem: certificate has expired"),
                    10,
                ),
                false,
                TlsFailed,
            ),
            (
                facts(
                    60,
                    "SSL: no alternative certificate subject name matches target host name 'x'",
                ),
                false,
                TlsFailed,
            ),
            (
                with_connect(facts(56, "CONNECT tunnel failed, response 403"), 403),
                true,
                ProxyRefused,
            ),
            (
                facts(56, "Received HTTP code 451 from proxy after CONNECT"),
                true,
                ProxyRefused,
            ),
            (
                facts(56, "Recv failure: Connection reset by peer"),
                false,
                ConnectReset,
            ),
            (
                with_connect(facts(56, "Recv failure: Connection reset by peer"), 200),
                true,
                ConnectReset,
            ),
            (facts(52, "Empty reply from server"), false, ConnectReset),
            (
                facts(47, "Maximum (5) redirects followed"),
                false,
                TooManyRedirects,
            ),
            (facts(1, "Protocol \"ftp\" not supported"), false, Other),
            (facts(77, "error setting certificate file"), false, Other),
        ];
        for (f, proxied, want) in cases {
            let (got, detail, proxy_status) = curl_outcome(&f, proxied);
            assert_eq!(
                got, want,
                "exit {:?} {:?} proxied={proxied}",
                f.exit, f.message
            );
            if got == ProxyRefused {
                assert!(proxy_status.is_some());
            }
            if got != Response {
                assert!(detail.unwrap().contains(&f.message));
            }
        }
        let none = Facts::default();
        assert_eq!(curl_outcome(&none, false).0, Other);
        assert_eq!(
            curl_outcome(
                &facts(56, "Received HTTP code 451 from proxy after CONNECT"),
                true
            )
            .2,
            Some(451)
        );
    }

    #[test]
    fn locations_resolve_like_a_browser() {
        let b = "http://h.test:8080/a/b/c?q=1#f";
        for (loc, want) in [
            ("https://x.test/", "https://x.test/"),
            ("//y.test/p", "http://y.test/p"),
            ("/abs", "http://h.test:8080/abs"),
            ("rel", "http://h.test:8080/a/b/rel"),
            ("../up", "http://h.test:8080/a/up"),
            ("./same?x=1", "http://h.test:8080/a/b/same?x=1"),
            ("?z=2", "http://h.test:8080/a/b/c?z=2"),
            ("#g", "http://h.test:8080/a/b/c?q=1#g"),
            ("", "http://h.test:8080/a/b/c?q=1"),
            ("../../../../x", "http://h.test:8080/x"),
        ] {
            assert_eq!(resolve(b, loc), want, "{loc}");
        }
        assert_eq!(resolve("http://h.test", "p"), "http://h.test/p");
        assert_eq!(resolve("not a url", "p"), "p");
        // Locations that are easy to misread: the probe's redirects and the in-process fetcher's
        // read each one the same way, as browsers do.
        for (base, loc, want) in [
            // `//host` keeps the scheme and gets the root path.
            ("https://h.test/a", "//y.test", "https://y.test/"),
            // Scheme and host lower-cased, the default port dropped, dot segments removed.
            (
                "http://h.test/a/b",
                "HTTP://X.Test:80/p/./q/../r",
                "http://x.test/p/r",
            ),
            // A scheme-relative reference of the same scheme is relative.
            ("http://h.test/a/b", "http:c", "http://h.test/a/c"),
            // A user and password in a redirect are never kept.
            (
                "http://h.test/",
                "https://user:pass@x.test/p",
                "https://x.test/p",
            ),
            // Spaces are percent-encoded, the fragment of the Location kept.
            ("http://h.test/a/", "../b c#top", "http://h.test/b%20c#top"),
        ] {
            assert_eq!(resolve(base, loc), want, "{base} + {loc}");
            let fetched =
                join_location(&url::Url::parse(base).unwrap(), loc).map(|u| url_shown(&u));
            assert_eq!(fetched.as_deref(), Some(want), "{base} + {loc}");
        }
        // Only 3xx Locations count, at most num_redirects of them.
        let responses = vec![
            (Some(200), None),
            (Some(302), Some("/one".to_string())),
            (Some(201), Some("/created".to_string())),
            (Some(304), Some("/nope".to_string())),
            (Some(301), Some("two".to_string())),
            (Some(302), Some("/three".to_string())),
        ];
        assert_eq!(
            redirects_followed("http://h/x/y", &responses, Some(2)),
            vec!["http://h/one".to_string(), "http://h/two".to_string()]
        );
        assert_eq!(redirects_followed("http://h/", &responses, None).len(), 3);
    }

    #[test]
    fn encodings() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            b"\x00\xff\xfe",
        ] {
            assert_eq!(base64_decode(&BASE64.encode(data)).unwrap(), data);
            assert_eq!(hex_decode(&hex::encode(data)).unwrap(), data);
        }
        assert_eq!(base64_decode("Zm9v\nYmFy").unwrap(), b"foobar");
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Zg==Zg").is_none());
        // A body cut short or padded wrongly is refused, not read as fewer bytes.
        assert!(base64_decode("Zm9").is_none());
        assert!(base64_decode("Zg=").is_none());
        assert!(base64_decode("Zm9v=").is_none());
        assert!(base64_decode("Zh==").is_none());
        assert_eq!(hex_decode("00FF7a").unwrap(), vec![0, 255, 0x7a]);
        assert_eq!(hex_decode(" 68 69\n0a\n").unwrap(), b"hi\n");
        assert_eq!(hex_decode("00ff 7a").unwrap(), vec![0, 255, 0x7a]);
        assert!(hex_decode("0").is_none());
        assert!(hex_decode("zz").is_none());
        // The probe falls back to hex when the machine has neither base64 nor openssl.
        let doc = r#"{"probe":"caretaker-filter/1","results":[{"url":"http://a/","curl":{"exitcode":0,"http_code":200},"body_hex":"68690a","body_truncated":false}]}"#;
        let f = parse(doc.as_bytes(), &["http://a/".to_string()]).unwrap();
        assert_eq!(f[0].body, b"hi\n");
        let bad = r#"{"probe":"caretaker-filter/1","results":[{"url":"http://a/","curl":{"exitcode":0,"http_code":200},"body_b64":"!!"}]}"#;
        let f = parse(bad.as_bytes(), &["http://a/".to_string()]).unwrap();
        assert_eq!(f[0].outcome, Outcome::Response);
        assert!(f[0].detail.as_deref().unwrap().contains("not valid base64"));
    }

    #[test]
    fn proxy_credentials_never_kept() {
        assert_eq!(
            proxy_without_userinfo("http://u:p@h:3128").as_deref(),
            Some("http://h:3128")
        );
        // Shown the way the other fetcher shows its proxy.
        assert_eq!(
            proxy_without_userinfo("http://h:3128/").as_deref(),
            Some("http://h:3128")
        );
        assert_eq!(proxy_without_userinfo("h:3128"), None);
        // A password with `@` or `/` in it (percent-encoded, as a URL must have it) is all gone.
        assert_eq!(
            proxy_without_userinfo("http://u:p%40ss%2Fx@10.0.0.1:3128").as_deref(),
            Some("http://10.0.0.1:3128")
        );
        let doc = r#"{"probe":"caretaker-filter/1","proxy":"http://u:secret@10.0.0.1:3128","results":[]}"#;
        let report = parse_report(doc.as_bytes(), &["http://a/".to_string()]).unwrap();
        assert_eq!(report.proxy.as_deref(), Some("http://10.0.0.1:3128"));
        assert_eq!(
            report.fetches[0].proxy.as_deref(),
            Some("http://10.0.0.1:3128")
        );
        let mut req = request(&[PAGE], Some("http://127.0.0.1:3128"));
        req.proxy_credentials = Some(("u".into(), "hunter2".into()));
        assert!(!format!("{req:?}").contains("hunter2"));
    }

    // --- Script generation ---------------------------------------------------------------------

    #[test]
    fn refuses_hostile_or_malformed_requests() {
        for url in [
            "",
            "http://a/'; touch /tmp/x; '",
            "http://a/\"$(id)\"",
            "http://a/`id`",
            "http://a/ b",
            "http://a/\nb",
            "http://a/\rb",
            "http://a/\tb",
            "http://a/\\b",
            "http://a/\u{e9}",
            "http://a/\u{2019}",
            "http://a/\u{0}",
            "ftp://a/",
            "file:///etc/passwd",
            "-K/etc/passwd",
            "http://",
            "http:///path",
            "https://user@/",
        ] {
            let e = sh_script(&request(&[PAGE, url], None)).unwrap_err();
            assert!(e.reason.starts_with("URL 2 "), "{url:?}: {e}");
            assert!(ps1_script(&request(&[url], None)).is_err(), "{url:?}");
        }
        let long = format!("http://a/{}", "x".repeat(MAX_URL_LEN));
        assert!(sh_script(&request(&[&long], None)).is_err());
        let many: Vec<&str> = vec![PAGE; MAX_URLS + 1];
        assert!(sh_script(&request(&many, None)).is_err());

        for proxy in [
            "http://u:p@h:3128",
            "http://h:3128/x",
            "https://h:3128",
            "socks5://h:1080",
            "http://h",
            "http://h:0",
            "http://h:99999",
            "http://h:+80",
            "http://h;id:3128",
            "http://-h:3128",
            "http://h h:3128",
            "http://h'x:3128",
            "http://[zz]:3128",
            "http://[::1]3128",
        ] {
            assert!(
                sh_script(&request(&[PAGE], Some(proxy))).is_err(),
                "{proxy}"
            );
        }
        for proxy in [
            "http://10.0.0.1:3128",
            "HTTP://Proxy.School.Example:8080/",
            "http://[::1]:3128",
        ] {
            assert!(sh_script(&request(&[PAGE], Some(proxy))).is_ok(), "{proxy}");
        }

        let mut r = request(&[PAGE], None);
        r.proxy_credentials = Some(("u".into(), "p".into()));
        assert!(sh_script(&r)
            .unwrap_err()
            .reason
            .contains("without a proxy"));
        r.proxy = Some("http://10.0.0.1:3128".into());
        for (user, password) in [
            ("a:b", "p"),
            ("", "p"),
            ("u", "p\nq"),
            ("u\r", "p"),
            ("u", "p\u{7f}"),
        ] {
            r.proxy_credentials = Some((user.into(), password.into()));
            assert!(sh_script(&r).is_err(), "{user:?} {password:?}");
        }

        let limits: Vec<fn(&mut ProbeRequest)> = vec![
            |r| r.timeout_secs = 0,
            |r| r.timeout_secs = MAX_TIMEOUT_SECS + 1,
            |r| r.connect_timeout_secs = 0,
            |r| r.connect_timeout_secs = r.timeout_secs + 1,
            |r| r.max_body_bytes = MAX_BODY_BYTES + 1,
            |r| r.max_redirects = MAX_REDIRECTS + 1,
            |r| r.concurrency = 0,
            |r| r.concurrency = MAX_CONCURRENCY + 1,
            |r| {
                r.urls = vec![PAGE.to_string(); 100];
                r.max_body_bytes = MAX_BODY_BYTES;
            },
        ];
        for set in limits {
            let mut r = request(&[PAGE], None);
            set(&mut r);
            assert!(sh_script(&r).is_err(), "{r:?}");
            assert!(ps1_script(&r).is_err(), "{r:?}");
        }
    }

    #[test]
    fn generated_scripts_are_well_formed() {
        let mut r = request(
            &[PAGE, "https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*"],
            Some("http://10.0.0.1:3128"),
        );
        r.proxy_credentials = Some(("caretaker".into(), "it's \"q\" \\ $(x) `y`".into()));
        let sh = sh_script(&r).unwrap();
        assert!(!sh.contains(MARKER));
        assert!(sh.contains("PROXY='http://10.0.0.1:3128'\n"));
        assert!(sh.contains("PROXYHP='10.0.0.1:3128'\n"));
        assert!(sh.contains(r#"PROXYCFG='proxy-user = "caretaker:it'\''s \"q\" \\ $(x) `y`"'"#));
        assert!(sh.contains("  'https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*'\n"));
        sh_syntax_ok(&sh);
        // No URLs at all is a valid (empty) probe.
        sh_syntax_ok(&sh_script(&request(&[], None)).unwrap());

        let ps = ps1_script(&r).unwrap();
        assert!(!ps.contains(MARKER));
        assert!(ps.contains("$ProxyUri = 'http://10.0.0.1:3128'\n"));
        assert!(ps.contains(&format!(
            "$ProxyUserB64 = '{}'",
            BASE64.encode(b"caretaker")
        )));
        assert!(ps.contains(&format!(
            "$ProxyPassB64 = '{}'",
            BASE64.encode("it's \"q\" \\ $(x) `y`")
        )));
        assert!(!ps.contains("it's"));
        assert!(ps.contains("  'https://[::1]:8443/x?a=$(id)&b=;|{c,d}[1-3]*'\n"));
        assert!(ps.contains("$Urls = @(\n"));
    }

    fn sh_syntax_ok(script: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.sh");
        std::fs::write(&path, script).unwrap();
        let out = Command::new("sh").arg("-n").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "sh -n: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn proxy_password_is_never_on_curls_command_line() {
        let password = "Sekr1t-'\"\\$(x)`y` z";
        let mut r = request(&[PAGE], Some("http://10.0.0.1:3128"));
        r.proxy_credentials = Some(("caretaker".into(), password.into()));
        let sh = sh_script(&r).unwrap();
        // The credentials are in exactly one line: the assignment of PROXYCFG, which only the
        // shell's built-in printf writes to curl's standard input (-K -).
        let holders: Vec<&str> = sh.lines().filter(|l| l.contains("Sekr1t")).collect();
        assert_eq!(holders.len(), 1, "{holders:?}");
        assert!(holders[0].starts_with("PROXYCFG='proxy-user = "));
        for l in sh.lines() {
            assert!(
                !l.contains("--proxy-user") && !l.contains(" -U ") && !l.contains("-u "),
                "{l}"
            );
            if l.contains("PROXYCFG") && !l.starts_with("PROXYCFG=") {
                assert!(
                    l.contains("printf '%s\\n' \"$PROXYCFG\"")
                        || l.contains("[ -n \"$PROXYCFG\" ]")
                        || l.contains("[ -z \"$PROXYCFG\" ]"),
                    "PROXYCFG used elsewhere: {l}"
                );
            }
        }
        assert!(!sh.contains("export PROXYCFG"));
    }

    // --- Running the script for real against loopback servers ---------------------------------

    /// These tests run the probe with the real curl: without it they fail, saying what to install
    /// (they never pass by skipping).
    fn require_curl() {
        let found = Command::new("sh")
            .args(["-c", "command -v curl"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            found,
            "curl is not installed, and these tests run the probe with it: apt-get install curl \
             (or run scripts/install-deps)"
        );
    }

    /// Runs `script` with `/bin/sh -s`, as the SSH transport does; at most `limit`.
    fn run_sh(script: &str, limit: Duration) -> Vec<u8> {
        run_sh_watching(script, limit, |_| {})
    }

    /// Like [`run_sh`], calling `tick(pid of sh)` every few milliseconds while it runs.
    fn run_sh_watching(script: &str, limit: Duration, mut tick: impl FnMut(u32)) -> Vec<u8> {
        let mut child = Command::new("/bin/sh")
            .arg("-s")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let text = script.to_string();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = stdout.read_to_end(&mut out);
            out
        });
        let start = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the probe script ran longer than {limit:?}");
            }
            tick(child.id());
            std::thread::sleep(Duration::from_millis(5));
        }
        writer.join().unwrap();
        reader.join().unwrap()
    }

    /// `root` and every process descended from it, now.
    fn process_tree(root: u32) -> Vec<u32> {
        let mut parent_of = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // "pid (comm) state ppid …": comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
        let mut tree = vec![root];
        let mut i = 0;
        while i < tree.len() {
            let p = tree[i];
            tree.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
            i += 1;
        }
        tree
    }

    struct Server {
        port: u16,
        /// Request heads received, in order of arrival.
        requests: Arc<Mutex<Vec<String>>>,
        max_active: Arc<AtomicUsize>,
    }

    type Respond = dyn Fn(&str) -> (Duration, Vec<u8>) + Send + Sync;

    /// A loopback HTTP server: `respond(head)` gives a delay and the whole response.
    fn server(respond: Arc<Respond>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(AtomicUsize::new(0));
        let max_active = Arc::new(AtomicUsize::new(0));
        let (req2, act2, max2) = (requests.clone(), active.clone(), max_active.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let (requests, active, max_active, respond) =
                    (req2.clone(), act2.clone(), max2.clone(), respond.clone());
                std::thread::spawn(move || {
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    max_active.fetch_max(now, Ordering::SeqCst);
                    let head = read_head(&mut conn);
                    if !head.is_empty() {
                        requests.lock().unwrap().push(head.clone());
                        let (delay, response) = respond(&head);
                        // Wait, but stop at once if the client hangs up (a read returns 0).
                        let mut open = true;
                        if !delay.is_zero() {
                            let _ = conn.set_read_timeout(Some(delay));
                            if let Ok(0) = conn.read(&mut [0u8; 1]) {
                                open = false;
                            }
                        }
                        // Counted as done before the response leaves: the client's next
                        // connection can only follow it.
                        active.fetch_sub(1, Ordering::SeqCst);
                        if open {
                            let _ = conn.write_all(&response);
                        }
                    } else {
                        active.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        Server {
            port,
            requests,
            max_active,
        }
    }

    fn read_head(conn: &mut TcpStream) -> String {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
            match conn.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    fn http(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn path_of(head: &str) -> String {
        head.split_whitespace().nth(1).unwrap_or("").to_string()
    }

    #[test]
    fn runs_for_real_with_concurrency_two() {
        require_curl();
        let srv = server(Arc::new(|head: &str| {
            let path = path_of(head);
            match path.as_str() {
                "/redir" => (
                    Duration::ZERO,
                    http("302 Found", "Location: /page?from=redir\r\n", b""),
                ),
                "/big" => (Duration::ZERO, http("200 OK", "", &vec![b'x'; 10_000])),
                "/missing" => (
                    Duration::ZERO,
                    http("404 Not Found", "", b"<p>no such page</p>"),
                ),
                "/slow" => (Duration::from_secs(4), http("200 OK", "", b"too late")),
                _ => (
                    Duration::from_millis(150),
                    http("200 OK", "", format!("<p>token-{path}</p>").as_bytes()),
                ),
            }
        }));
        let refused_port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let base = format!("http://127.0.0.1:{}", srv.port);
        let urls = [
            format!("{base}/page?n=1"),
            format!("{base}/redir"),
            format!("{base}/big"),
            format!("http://127.0.0.1:{refused_port}/"),
            format!("{base}/missing"),
            format!("{base}/slow"),
            format!("{base}/page?n=2"),
            format!("{base}/page?n=3"),
        ];
        let req = ProbeRequest {
            urls: urls.to_vec(),
            proxy: None,
            proxy_credentials: None,
            timeout_secs: 1,
            connect_timeout_secs: 1,
            max_body_bytes: 1000,
            max_redirects: 3,
            concurrency: 2,
        };
        let out = run_sh(&sh_script(&req).unwrap(), Duration::from_secs(30));
        let report = parse_report(&out, &req.urls).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["concurrency"], 2);
        let f = &report.fetches;
        for (x, u) in f.iter().zip(&urls) {
            assert_eq!(&x.url, u);
        }
        assert_eq!(f[0].outcome, Outcome::Response);
        assert!(body_text(&f[0]).contains("token-/page?n=1"));
        assert_eq!(f[1].outcome, Outcome::Response);
        assert_eq!(f[1].redirects, vec![format!("{base}/page?from=redir")]);
        assert_eq!(
            f[1].final_url.as_deref(),
            Some(format!("{base}/page?from=redir").as_str())
        );
        assert_eq!(f[2].outcome, Outcome::Response);
        assert_eq!(f[2].body.len(), 1000);
        assert!(f[2].body_truncated);
        assert_eq!(f[3].outcome, Outcome::ConnectRefused);
        assert_eq!(f[4].outcome, Outcome::Response);
        assert_eq!(f[4].status, Some(404));
        assert_eq!(f[5].outcome, Outcome::Timeout);
        assert!(body_text(&f[6]).contains("token-/page?n=2"));
        assert!(body_text(&f[7]).contains("token-/page?n=3"));
        assert_eq!(f[7].addresses, vec!["127.0.0.1".to_string()]);
        let max = srv.max_active.load(Ordering::SeqCst);
        assert!((1..=2).contains(&max), "{max} requests at once");
    }

    #[test]
    fn hostile_urls_that_pass_are_inert() {
        require_curl();
        let dir = tempfile::tempdir().unwrap();
        let mark = dir.path().join("pwned");
        let m = mark.display().to_string();
        assert!(!m.contains(char::is_whitespace));
        let srv = server(Arc::new(|_head: &str| {
            (Duration::ZERO, http("200 OK", "", b"ok"))
        }));
        let base = format!("http://127.0.0.1:{}", srv.port);
        let urls: Vec<String> = [
            format!("/$(touch${{IFS}}{m})"),
            format!("/;touch${{IFS}}{m};"),
            format!("/|touch${{IFS}}{m}"),
            format!("/&&touch${{IFS}}{m}&"),
            format!("/>{m}"),
            "/[1-3]{a,b}*?".to_string(),
            "/%0a%27%22".to_string(),
        ]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
        let req = ProbeRequest {
            urls: urls.clone(),
            proxy: None,
            proxy_credentials: None,
            timeout_secs: 5,
            connect_timeout_secs: 2,
            max_body_bytes: 100,
            max_redirects: 0,
            concurrency: 3,
        };
        let script = sh_script(&req).unwrap();
        sh_syntax_ok(&script);
        let out = run_sh(&script, Duration::from_secs(30));
        let f = parse(&out, &urls).unwrap();
        for x in &f {
            assert_eq!(x.outcome, Outcome::Response, "{x:?}");
        }
        assert!(!mark.exists(), "a URL ran as shell code");
        // No globbing: one request per URL, each with its path as given.
        let seen: Vec<String> = srv
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|h| path_of(h))
            .collect();
        assert_eq!(seen.len(), urls.len(), "{seen:?}");
        assert!(seen.iter().any(|p| p.contains("[1-3]{a,b}*")), "{seen:?}");
        assert!(
            seen.iter().any(|p| p.starts_with("/$(touch${IFS}")),
            "{seen:?}"
        );
    }

    #[test]
    fn proxy_password_does_not_appear_in_any_process() {
        require_curl();
        let nonce = format!("{:x}", std::process::id() as u64 * 2654435761 % 0xffff_ffff);
        let password = format!("it's \"q\" \\ $(x) `y` {nonce}");
        let expected = format!("Basic {}", BASE64.encode(format!("caretaker:{password}")));
        let seen_auth = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen2 = seen_auth.clone();
        let proxy = server(Arc::new(move |head: &str| {
            let auth = head
                .lines()
                .find_map(|l| l.strip_prefix("Proxy-Authorization: "))
                .map(str::to_string);
            match auth {
                None => (
                    Duration::ZERO,
                    http(
                        "407 Proxy Authentication Required",
                        "Proxy-Authenticate: Basic realm=\"t\"\r\n",
                        b"auth",
                    ),
                ),
                Some(a) => {
                    seen2.lock().unwrap().push(a);
                    (
                        Duration::from_millis(600),
                        http("200 OK", "", b"through the proxy"),
                    )
                }
            }
        }));
        let req = ProbeRequest {
            urls: vec![
                "http://site.invalid/a".into(),
                "http://site.invalid/b".into(),
            ],
            proxy: Some(format!("http://127.0.0.1:{}", proxy.port)),
            proxy_credentials: Some(("caretaker".into(), password.clone())),
            timeout_secs: 10,
            connect_timeout_secs: 5,
            max_body_bytes: 100,
            max_redirects: 0,
            concurrency: 2,
        };
        let script = sh_script(&req).unwrap();
        // While curl waits for the proxy, look at the argv and environment of the script's shell
        // and of every process it starts (curl, head, awk, …).
        let needle = nonce.as_bytes();
        let mut curl_seen = 0;
        let out = run_sh_watching(&script, Duration::from_secs(30), |sh| {
            for pid in process_tree(sh) {
                for file in ["cmdline", "environ"] {
                    if let Ok(bytes) = std::fs::read(format!("/proc/{pid}/{file}")) {
                        assert!(
                            !bytes.windows(needle.len()).any(|w| w == needle),
                            "the proxy password is in /proc/{pid}/{file}"
                        );
                        if file == "cmdline" && bytes.starts_with(b"curl\0") {
                            curl_seen += 1;
                        }
                    }
                }
            }
        });
        assert!(curl_seen > 0, "never saw curl running");
        let f = parse(&out, &req.urls).unwrap();
        for x in &f {
            assert_eq!(x.outcome, Outcome::Response, "{x:?}");
            assert_eq!(x.status, Some(200));
            assert_eq!(x.proxy, req.proxy);
        }
        let auth = seen_auth.lock().unwrap().clone();
        assert_eq!(auth, vec![expected.clone(), expected]);
        assert!(!String::from_utf8_lossy(&out).contains(&nonce));
    }

    // --- Property tests ------------------------------------------------------------------------

    use proptest::prelude::*;

    fn well_formed(f: &[Fetch], urls: &[String]) -> bool {
        f.len() == urls.len()
            && f.iter().zip(urls).all(|(x, u)| {
                &x.url == u
                    && x.body.len() <= MAX_BODY_BYTES
                    && (x.outcome == Outcome::Response || x.detail.is_some())
            })
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,30}".prop_map(Value::String),
            "[A-Za-z0-9+/=]{0,12}".prop_map(Value::String),
            Just(Value::Array(vec![])),
            Just(Value::Object(Map::new())),
        ]
    }

    const KEYS: &[&str] = &[
        "url",
        "exit",
        "curl",
        "iwr",
        "exitcode",
        "errormsg",
        "http_code",
        "http_connect",
        "remote_ip",
        "url_effective",
        "num_redirects",
        "time_total",
        "time_connect",
        "ssl_verify_result",
        "tls_issuer",
        "responses",
        "status_line",
        "location",
        "body_b64",
        "body_hex",
        "body_truncated",
        "curl_stderr",
        "web_exception_status",
        "proxy",
    ];

    proptest! {
        // No regression files: they would land outside this module's folders.
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parser_never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            let urls = vec!["http://a/".to_string()];
            if let Ok(f) = parse(&b, &urls) {
                prop_assert!(well_formed(&f, &urls));
            }
        }

        #[test]
        fn parser_never_panics_on_random_documents(
            windows in any::<bool>(),
            proxy in scalar(),
            results in proptest::collection::vec(
                proptest::collection::vec((0..KEYS.len(), scalar(), 0..KEYS.len(), scalar()), 0..8),
                0..5),
        ) {
            let urls: Vec<String> = vec!["http://a/".into(), "http://b/".into()];
            let results: Vec<Value> = results.into_iter().enumerate().map(|(i, fields)| {
                let mut m = Map::new();
                m.insert("url".into(), Value::from(urls[i % 2].clone()));
                let mut inner = Map::new();
                for (k, v, k2, v2) in fields {
                    m.insert(KEYS[k].into(), v);
                    inner.insert(KEYS[k2].into(), v2);
                }
                m.insert(if windows { "iwr" } else { "curl" }.into(), Value::Object(inner));
                Value::Object(m)
            }).collect();
            let doc = serde_json::json!({
                "probe": if windows { PROBE_WINDOWS } else { PROBE },
                "proxy": proxy,
                "results": results,
                "problems": ["x"],
            });
            let f = parse(doc.to_string().as_bytes(), &urls).unwrap();
            prop_assert!(well_formed(&f, &urls));
        }

        /// Any single field of any fixture's results replaced by an arbitrary JSON scalar.
        #[test]
        fn replaced_values_never_panic(
            pick in 0usize..7,
            which in any::<prop::sample::Index>(),
            inner in any::<bool>(),
            value in scalar(),
        ) {
            let all = fixtures();
            let (name, urls) = &all[pick % all.len()];
            let mut doc: Value = serde_json::from_slice(&fixture(name)).unwrap();
            if let Some(Value::Array(results)) = doc.get_mut("results") {
                if !results.is_empty() {
                    let n = which.index(results.len());
                    if let Some(Value::Object(r)) = results.get_mut(n) {
                        let target = if inner {
                            match r.get_mut("curl").or(None) {
                                Some(Value::Object(c)) => c,
                                _ => r,
                            }
                        } else {
                            r
                        };
                        let keys: Vec<String> = target.keys().cloned().collect();
                        if !keys.is_empty() {
                            let k = keys[which.index(keys.len())].clone();
                            target.insert(k, value);
                        }
                    }
                }
            }
            let f = parse(doc.to_string().as_bytes(), urls).unwrap();
            prop_assert!(well_formed(&f, urls));
        }
    }
}
