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
//! [`parse`] is pure and never panics: it returns one [`Fetch`](super::Fetch) per requested URL,
//! in order, or a [`ParseError`] when the output is not the probe's document at all.
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
//!  "lookups_by":"getent ahosts"|null,
//!  "lookups":[{"name":"www.google.com","exit":0,"canonical":"forcesafesearch.google.com",
//!              "addresses":["216.239.38.120",…]},…]|null,
//!  "problems":["curl is not installed …"]}
//! ```
//!
//! `exit` is curl's exit status for the URL (`curl.exitcode` with one curl for every URL, curl
//! 7.75 or later, which fetches over HTTP/1.1 with `Connection: close` so that each URL still has
//! its own connection and certificates; the shell's `$?` with one curl per URL before that);
//! `responses` are the status lines and `Location`s of every response header block curl saw
//! (`-D`), CONNECT answers included, from which the redirects followed are rebuilt. `resolved`
//! is what the name resolved to on the machine (`getent ahosts`; .NET's resolver on Windows),
//! looked up only without a proxy: curl reports no address for a refused connection, so this is
//! how a DNS sinkhole is seen from a vantage point over SSH. `lookups` are the names asked for in
//! [`ProbeRequest::lookups`], looked up after the fetches with the machine's own resolver
//! (`getent ahosts`: exit 0 found, 2 not found; the first line's third field is the name the
//! CNAMEs led to); `null` when nothing could be looked up (no getent; the Windows probe has none).

mod facts;
mod fields;
mod lookups;
mod outcome;
mod report;
mod request;
mod script;
#[cfg(test)]
mod tests;

pub use lookups::BY_GETENT;
pub use report::{parse, parse_report, parse_with_lookups, ProbeReport};
pub use request::ProbeRequest;
pub use script::{ps1_script, sh_script};

/// The `probe` field of the sh script's document.
pub const PROBE: &str = "caretaker-filter/1";
/// The `probe` field of the PowerShell script's document.
pub const PROBE_WINDOWS: &str = "caretaker-filter-windows/1";
/// At most this many URLs per request.
pub const MAX_URLS: usize = 1000;
/// At most this many names looked up per request.
pub const MAX_LOOKUPS: usize = 64;
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
