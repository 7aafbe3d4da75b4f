//! Classifying one fetch: how curl (or Invoke-WebRequest) ended → an [`Outcome`].

use super::facts::Facts;
use super::fields::status_code;
use crate::filter::model::Outcome;

/// curl's exit code and report → (outcome, detail, proxy status).
pub(super) fn curl_outcome(f: &Facts, proxied: bool) -> (Outcome, Option<String>, Option<u16>) {
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
pub(super) fn windows_outcome(
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
