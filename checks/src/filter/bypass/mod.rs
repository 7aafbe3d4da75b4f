//! Ways round the web filter (policy 7.2; the DfE filtering standards): safe search that can be
//! turned off, encrypted DNS that skips the school's resolver, Apple's Private Relay, and VPN and
//! web-proxy sites.
//!
//! What is judged, from each vantage point:
//!
//! - safe search: without a proxy, the vantage point's resolver answers each search engine's name
//!   as its safe-search name (`www.google.com` as `forcesafesearch.google.com`: a CNAME to it, or
//!   only its addresses). Through a proxy the proxy looks names up itself, so only a rewrite seen
//!   in the answer counts (a redirect to the safe-search host, or the engine's safe-search
//!   setting added to the address); anything else is said to be unclear, never passed;
//! - encrypted DNS: Firefox's canary `use-application-dns.net` does not resolve there (Firefox then
//!   leaves DNS over HTTPS off), and, for pupils, the public DNS-over-HTTPS services do not load;
//! - Private Relay: Apple's canaries (`mask.icloud.com`, `mask-h2.icloud.com`) do not resolve;
//! - VPN and web-proxy sites do not load for pupils (a list of its own, `[[filter.bypass_site]]`).
//!
//! The names are looked up from the vantage point itself ([`lookup::Lookup`]): by caretaker's own
//! resolver on this machine, by `getent ahosts` over SSH. [`judge`] turns the facts into findings.

pub mod judge;
pub mod lookup;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::model::{Expect, FilterTest};
use crate::registry::{AreaId, CheckSpec};

pub use judge::{judge_bypass, judge_bypass_not_run, BypassFacts};
pub use lookup::{Answer, Lookup};

pub const SAFE_SEARCH: CheckSpec = CheckSpec::new(
    AreaId::Filter,
    "filter.safe-search",
    "Safe search cannot be turned off",
    "safe-search",
    &["7.2/age-appropriate", "7.2/regular-checks"],
    "Could not test that safe search is enforced",
);
pub const ENCRYPTED_DNS: CheckSpec = CheckSpec::new(
    AreaId::Filter,
    "filter.encrypted-dns",
    "Encrypted DNS cannot skip the filter",
    "encrypted-dns",
    &["7.2/age-appropriate", "7.2/regular-checks"],
    "Could not test that encrypted DNS is blocked",
);
pub const PRIVATE_RELAY: CheckSpec = CheckSpec::new(
    AreaId::Filter,
    "filter.private-relay",
    "Apple's Private Relay is turned off",
    "private-relay",
    &["7.2/age-appropriate", "7.2/regular-checks"],
    "Could not test that Apple's Private Relay is turned off",
);
pub const VPN_PROXY: CheckSpec = CheckSpec::new(
    AreaId::Filter,
    "filter.vpn-proxy",
    "VPN and web-proxy sites are blocked for pupils",
    "vpn-proxy",
    &["7.2/age-appropriate", "7.2/regular-checks"],
    "Could not test that VPN and web-proxy sites are blocked",
);

/// The clause every bypass test serves: filtering that can be got round does not limit what
/// pupils are exposed to.
pub const NO_BYPASS_CLAUSE: &str = "7.2/age-appropriate";

/// A search engine whose safe search a school's DNS (or proxy) can lock on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    /// "Google".
    pub name: &'static str,
    /// The name people use: `www.google.com`.
    pub host: &'static str,
    /// The names the engine publishes for locked safe search, any of which counts.
    pub safe_hosts: &'static [&'static str],
    /// Fetched through a proxy, to see whether the proxy rewrites it.
    pub probe_url: &'static str,
    /// Query settings the engine reads as safe search on (`safe=active`): a proxy that adds one
    /// to the address is seen to enforce it.
    pub markers: &'static [&'static str],
}

/// The search engines tested, as their owners document locking safe search by DNS: Google
/// (forcesafesearch.google.com), Bing (strict.bing.com), YouTube's Restricted Mode
/// (restrict.youtube.com strict, restrictmoderate.youtube.com moderate) and DuckDuckGo
/// (safe.duckduckgo.com).
pub const ENGINES: &[Engine] = &[
    Engine {
        name: "Google",
        host: "www.google.com",
        safe_hosts: &["forcesafesearch.google.com"],
        probe_url: "http://www.google.com/",
        markers: &["safe=active", "safe=strict"],
    },
    Engine {
        name: "Bing",
        host: "www.bing.com",
        safe_hosts: &["strict.bing.com"],
        probe_url: "http://www.bing.com/",
        markers: &["adlt=strict"],
    },
    Engine {
        name: "YouTube",
        host: "www.youtube.com",
        safe_hosts: &["restrict.youtube.com", "restrictmoderate.youtube.com"],
        probe_url: "http://www.youtube.com/",
        markers: &[],
    },
    Engine {
        name: "DuckDuckGo",
        host: "duckduckgo.com",
        safe_hosts: &["safe.duckduckgo.com"],
        probe_url: "http://duckduckgo.com/",
        markers: &["kp=1"],
    },
];

/// Firefox's canary: a network whose resolver does not answer it tells Firefox to leave DNS over
/// HTTPS off (and so to keep using the school's filtering resolver).
pub const DOH_CANARY: &str = "use-application-dns.net";

/// Apple's canaries: a network whose resolver does not answer them turns iCloud Private Relay off
/// for the devices on it.
pub const RELAY_CANARIES: &[&str] = &["mask.icloud.com", "mask-h2.icloud.com"];

/// Every name a vantage point looks up: the engines, their safe-search names, the canaries.
pub fn names_to_look_up() -> Vec<String> {
    let mut out = Vec::new();
    for e in ENGINES {
        out.push(e.host.to_string());
        out.extend(e.safe_hosts.iter().map(|h| h.to_string()));
    }
    out.push(DOH_CANARY.to_string());
    out.extend(RELAY_CANARIES.iter().map(|h| h.to_string()));
    out
}

/// The categories of `[[filter.bypass_site]]`.
pub const CATEGORIES: &[&str] = &["encrypted-dns", "vpn", "web-proxy"];

/// The name each DNS-over-HTTPS test asks about: its labels come back in the answer (the
/// question is repeated there), and nowhere in the address, so a block page that quotes the
/// address cannot hold it.
pub const DOH_QUESTION: &str = "caretaker-doh-check.example";
/// Text every DNS-over-HTTPS answer to [`DOH_QUESTION`] contains.
pub const DOH_TOKEN: &str = "caretaker-doh-check";

/// `?dns=` for an RFC 8484 GET: the wire-format query (id 0, recursion desired) for the A record
/// of [`DOH_QUESTION`], base64url without padding.
pub fn doh_query() -> String {
    let mut q: Vec<u8> = vec![0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in DOH_QUESTION.split('.') {
        q.push(u8::try_from(label.len()).unwrap_or(63));
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    URL_SAFE_NO_PAD.encode(q)
}

fn site(url: String, category: &str, token: &str) -> FilterTest {
    FilterTest {
        url,
        category: category.to_string(),
        expect: Expect::Block,
        token: token.to_string(),
        clause: NO_BYPASS_CLAUSE.to_string(),
    }
}

/// The built-in bypass sites, which must not load for pupils: the best-known public
/// DNS-over-HTTPS services (asked a real RFC 8484 question, whose answer repeats it), and
/// well-known VPN and web-proxy sites (each token is the service's own name, as its home page
/// shows it). A school adds its own with `[[filter.bypass_site]]`, or turns these off with
/// `filter.default_bypass_sites = false`.
pub fn default_bypass_sites() -> Vec<FilterTest> {
    let q = doh_query();
    let doh = |host: &str| {
        site(
            format!("https://{host}/dns-query?dns={q}"),
            "encrypted-dns",
            DOH_TOKEN,
        )
    };
    vec![
        doh("dns.google"),
        doh("cloudflare-dns.com"),
        doh("dns.quad9.net"),
        doh("doh.opendns.com"),
        site("https://protonvpn.com/".into(), "vpn", "Proton VPN"),
        site("https://nordvpn.com/".into(), "vpn", "NordVPN"),
        site("https://www.expressvpn.com/".into(), "vpn", "ExpressVPN"),
        site(
            "https://www.croxyproxy.com/".into(),
            "web-proxy",
            "CroxyProxy",
        ),
        site(
            "https://www.proxysite.com/".into(),
            "web-proxy",
            "ProxySite",
        ),
    ]
}

/// True for a test of a bypass site (`encrypted-dns`, `vpn`, `web-proxy`).
pub fn is_bypass_category(category: &str) -> bool {
    CATEGORIES.iter().any(|c| c.eq_ignore_ascii_case(category))
}

/// True if `group` is one of `pupil_groups` (case-insensitive): its vantage points must not reach
/// encrypted-DNS services or VPN and web-proxy sites.
pub fn is_pupil_group(group: &str, pupil_groups: &[String]) -> bool {
    pupil_groups.iter().any(|g| g.eq_ignore_ascii_case(group))
}

#[cfg(test)]
mod tests;
