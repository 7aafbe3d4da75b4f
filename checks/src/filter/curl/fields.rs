//! Lenient readers of the document's fields, and the body's encodings.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;

use super::MAX_URL_LEN;
use crate::filter::fetch::proxy_shown;
use crate::host::parse::clip;

/// A scalar as trimmed text (at most 4096 characters); `None` for null, containers, "".
pub(super) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s.trim(), 4096)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string exactly as sent (for URLs compared with the request); `None` for anything else.
pub(super) fn as_raw_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s.len() <= 2 * MAX_URL_LEN => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn as_bool(v: &Value) -> Option<bool> {
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
pub(super) fn as_u64(v: &Value) -> Option<u64> {
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
pub(super) fn as_f64(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    (f.is_finite() && f >= 0.0).then_some(f)
}

/// An HTTP status (100–999); curl's "no response" is 0.
pub(super) fn status_code(n: u64) -> Option<u16> {
    u16::try_from(n).ok().filter(|c| (100..=999).contains(c))
}

/// "HTTP/1.1 302 Found" → 302.
pub(super) fn status_of_line(line: &str) -> Option<u16> {
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

pub(super) fn seconds_to_ms(s: f64) -> u64 {
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
pub(super) fn proxy_without_userinfo(p: &str) -> Option<String> {
    proxy_shown(&url::Url::parse(p).ok()?)
}

// ---------------------------------------------------------------------------------------------
// Encodings.

/// The body as `od -An -tx1` printed it (the probe joins the lines; whitespace left between the
/// digits is skipped). `None` on an odd number of digits or any other character.
pub(super) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(without_whitespace(text)).ok()
}

/// The body as `base64`, `openssl base64 -A` or PowerShell's `ToBase64String` printed it (line
/// breaks a tool may put in are skipped). `None` unless it is standard, padded base64.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(without_whitespace(text)).ok()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}
