//! What one fetch of one URL from one vantage point saw: raw facts, judged by [`super::classify`].
//!
//! Both ways of fetching produce a [`Fetch`]: caretaker's own client on this machine
//! ([`super::fetch`]) and the probe that runs curl on a machine over SSH ([`super::curl`]).

use serde::{Deserialize, Serialize};

/// What the page must do: be blocked (IWF, CTIRU, adult, offensive language) or load
/// (safeguarding and teaching sites: over-blocking).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Block,
    Load,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Block => "block",
            Expect::Load => "load",
        }
    }
}

/// One URL to test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterTest {
    pub url: String,
    /// `iwf`, `ctiru`, `adult`, `offensive-language`, `safeguarding`, `teaching`, or the school's own.
    pub category: String,
    pub expect: Expect,
    /// Text (case-sensitive) that only the real page contains: found means the page loaded.
    pub token: String,
    /// The policy clause this test serves (`7.2/iwf-blocked`).
    pub clause: String,
}

/// How a fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// An HTTP response arrived (`status` is set; `body` holds its start).
    Response,
    /// The resolver said the name does not exist (NXDOMAIN).
    NxDomain,
    /// The resolver did not answer in time.
    ResolveTimeout,
    /// The resolver answered with an error (SERVFAIL, REFUSED), or had no address for the name.
    ResolveFailed,
    /// The site refused the connection (TCP RST on connect).
    ConnectRefused,
    /// The connection was reset after it was made (during TLS or the request).
    ConnectReset,
    /// No answer to the connection attempt in time.
    ConnectTimeout,
    /// The network has no route to the address.
    Unreachable,
    /// The site's certificate is not trusted (`tls_issuer` says who issued it).
    TlsUntrusted,
    /// Another TLS failure (handshake, name mismatch, expired).
    TlsFailed,
    /// The proxy answered the CONNECT for an HTTPS site with an error (`proxy_status`).
    ProxyRefused,
    /// The proxy itself could not be reached (refused, timed out, unresolvable).
    ProxyUnreachable,
    /// More redirects than allowed, or a redirect loop.
    TooManyRedirects,
    /// The whole fetch took longer than allowed.
    Timeout,
    /// Anything else (`detail` says what).
    Other,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Response => "response",
            Outcome::NxDomain => "nxdomain",
            Outcome::ResolveTimeout => "resolve-timeout",
            Outcome::ResolveFailed => "resolve-failed",
            Outcome::ConnectRefused => "connect-refused",
            Outcome::ConnectReset => "connect-reset",
            Outcome::ConnectTimeout => "connect-timeout",
            Outcome::Unreachable => "unreachable",
            Outcome::TlsUntrusted => "tls-untrusted",
            Outcome::TlsFailed => "tls-failed",
            Outcome::ProxyRefused => "proxy-refused",
            Outcome::ProxyUnreachable => "proxy-unreachable",
            Outcome::TooManyRedirects => "too-many-redirects",
            Outcome::Timeout => "timeout",
            Outcome::Other => "other",
        }
    }
}

/// The raw facts of fetching one URL (following redirects) from one vantage point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetch {
    /// The URL asked for.
    pub url: String,
    pub outcome: Outcome,
    /// The addresses the name resolved to, as the vantage point saw them (empty when a proxy
    /// resolved it, or it did not resolve). For curl, the address it connected to.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The proxy used (`http://10.0.0.1:3128`, never with credentials).
    #[serde(default)]
    pub proxy: Option<String>,
    /// The final HTTP status, when a response arrived.
    #[serde(default)]
    pub status: Option<u16>,
    /// The proxy's status line code for a refused CONNECT (403, 407, 451…).
    #[serde(default)]
    pub proxy_status: Option<u16>,
    /// Every `Location` followed, in order.
    #[serde(default)]
    pub redirects: Vec<String>,
    /// The URL of the last response.
    #[serde(default)]
    pub final_url: Option<String>,
    /// The issuer (distinguished name) of the certificate the HTTPS site presented, trusted or not.
    #[serde(default)]
    pub tls_issuer: Option<String>,
    /// The start of the last response's body (or of a proxy's refusal page), at most the cap.
    #[serde(default, with = "body_text")]
    pub body: Vec<u8>,
    /// True if the body was longer than what was kept.
    #[serde(default)]
    pub body_truncated: bool,
    /// Milliseconds from the start to the end of the fetch.
    #[serde(default)]
    pub elapsed_ms: u64,
    /// The technical reason for anything but a response (the client's or curl's message).
    #[serde(default)]
    pub detail: Option<String>,
}

impl Fetch {
    /// A fetch of `url` that ended with `outcome` before any response.
    pub fn failed(url: &str, outcome: Outcome, detail: impl Into<String>) -> Fetch {
        Fetch {
            url: url.to_string(),
            outcome,
            addresses: Vec::new(),
            proxy: None,
            status: None,
            proxy_status: None,
            redirects: Vec::new(),
            final_url: None,
            tls_issuer: None,
            body: Vec::new(),
            body_truncated: false,
            elapsed_ms: 0,
            detail: Some(detail.into()),
        }
    }
}

/// Bodies are stored as text (lossy UTF-8): they are only ever searched for tokens and block-page
/// signatures, and shown in evidence.
mod body_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}
