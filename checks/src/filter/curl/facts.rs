//! One result of the probe's document: its raw facts, and the [`Fetch`] built from them.

use serde_json::{Map, Value};

use super::fields::{
    as_bool, as_f64, as_raw_text, as_text, as_u64, base64_decode, hex_decode, seconds_to_ms,
    status_code, status_of_line,
};
use super::outcome::{curl_outcome, windows_outcome};
use super::MAX_BODY_BYTES;
use crate::filter::fetch::{join_location, url_shown};
use crate::filter::model::{Fetch, Outcome};
use crate::host::parse::clip;

/// The raw facts of one result, whichever script reported them.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub(super) exit: Option<u64>,
    pub(super) message: String,
    pub(super) http_code: Option<u16>,
    pub(super) http_connect: Option<u16>,
    pub(super) remote_ip: Option<String>,
    pub(super) url_effective: Option<String>,
    pub(super) num_redirects: Option<u64>,
    pub(super) time_total: Option<f64>,
    pub(super) time_connect: Option<f64>,
    pub(super) ssl_verify_result: Option<u64>,
    pub(super) tls_issuer: Option<String>,
    /// What the name resolved to on the machine (`getent ahosts`, .NET's resolver), without a
    /// proxy: valid addresses only, at most 16.
    pub(super) resolved: Vec<String>,
    /// (status code, Location) of every response header block, in order.
    pub(super) responses: Vec<(Option<u16>, Option<String>)>,
    pub(super) body: Vec<u8>,
    pub(super) body_truncated: bool,
    pub(super) body_problem: Option<&'static str>,
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
pub(super) fn curl_fetch(url: &str, m: &Map<String, Value>, proxy: Option<&str>) -> Fetch {
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
pub(super) fn windows_fetch(url: &str, m: &Map<String, Value>, proxy: Option<&str>) -> Fetch {
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

/// The Locations followed, resolved against the URL they came from; at most `followed` of them
/// (curl's `num_redirects`: with too many redirects, the last Location was not followed).
pub(super) fn redirects_followed(
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
pub(super) fn resolve(base: &str, loc: &str) -> String {
    match url::Url::parse(base)
        .ok()
        .and_then(|b| join_location(&b, loc))
    {
        Some(u) => url_shown(&u),
        None => loc.trim().to_string(),
    }
}
